//! The image pane's state: which frame is shown or being decoded, the window, the regions
//! drawn and the one being drawn, and the picture built for the last known size. Drawing
//! (see `draw`) only reads it; the picture is rebuilt here when what it shows changes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ratatui::layout::Rect;
use ratatui_image::picker::Picker;
use ratatui_image::protocol::Protocol;

use super::decode::{DecodedFrame, FrameError, Pixels, Window};
use super::geometry::Geometry;
use super::render::{self, Marks};
use super::worker::{self, Loader, Worker};
use crate::pixels::Region;

/// What the pane has to show.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Nothing asked yet.
    Idle,
    /// A frame (0-based) is being decoded.
    Decoding(u32),
    /// The decoded frame is shown.
    Shown,
    /// Why nothing can be shown.
    Failed(String),
}

/// A region the reviewer can select and remove: one drawn and not yet in a rule, or one of
/// a pixel rule added to the profile in this session (rule, region).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionRef {
    /// `ImagePane::drawn[i]`.
    Drawn(usize),
    /// `Edits::pixel_rules[rule].regions[region]`.
    Rule(usize, usize),
}

/// Where a mouse drag started: the cell and whether it has moved since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drag {
    /// The cell pressed.
    pub from: (u16, u16),
    /// The cell it is at now.
    pub to: (u16, u16),
}

/// What the built picture was made from: when any of it changes, it is made again.
#[derive(Clone, Debug, PartialEq)]
struct Built {
    frame: u64,
    window: Option<Window>,
    marks: Marks,
    area: Rect,
}

/// The image pane.
pub struct ImagePane {
    /// Whether the pane is shown.
    pub open: bool,
    /// Whether it takes the whole screen above the status line.
    pub zoom: bool,
    /// Whether the header has pixel data to show at all.
    pub has_pixels: bool,
    /// Frames in the file.
    pub frames: u32,
    /// The frame shown or asked for (0-based).
    pub frame: u32,
    /// The window in force (grey images); `None` until a frame has come.
    pub window: Option<Window>,
    /// What the pane shows.
    pub status: Status,
    /// The frame last decoded.
    pub decoded: Option<Arc<DecodedFrame>>,
    /// Regions drawn and not yet saved in a pixel rule.
    pub drawn: Vec<Region>,
    /// The rectangle being drawn with the keys.
    pub drawing: Option<Region>,
    /// A mouse drag in progress.
    pub drag: Option<Drag>,
    /// The selected region.
    pub selected: Option<RegionRef>,
    /// Where the image is at the last known size.
    pub geometry: Option<Geometry>,
    /// The picture in the terminal's form, for that size.
    pub protocol: Option<Protocol>,
    built: Option<Built>,
    /// Counts the frames taken in, so that a new one is told from the last.
    serial: u64,
    picker: Picker,
    loader: Loader,
    worker: Option<Worker>,
    /// A file held in memory, not read from a path (the bundled demo).
    in_memory: Option<InMemory>,
}

/// A file held in memory. The worker reads files by path, as it must to read a frame at a
/// time: the bytes are written once, when a frame is first asked for, to a private
/// temporary file (readable by its owner only), removed when the pane is dropped (on
/// quitting).
struct InMemory {
    bytes: &'static [u8],
    staged: Option<tempfile::TempPath>,
}

impl InMemory {
    /// The temporary file's path, written now if it is not yet.
    fn path(&mut self) -> std::io::Result<PathBuf> {
        if let Some(staged) = &self.staged {
            return Ok(staged.to_path_buf());
        }
        let mut file = tempfile::Builder::new()
            .prefix("dpk-tui-")
            .suffix(".dcm")
            .tempfile()?;
        file.write_all(self.bytes)?;
        file.flush()?;
        let staged = file.into_temp_path();
        let path = staged.to_path_buf();
        self.staged = Some(staged);
        Ok(path)
    }
}

impl ImagePane {
    /// A closed pane for a file that has pixel data or not.
    pub fn new(has_pixels: bool, frames: u32) -> ImagePane {
        ImagePane {
            open: false,
            zoom: false,
            has_pixels,
            frames: frames.max(1),
            frame: 0,
            window: None,
            status: Status::Idle,
            decoded: None,
            drawn: Vec::new(),
            drawing: None,
            drag: None,
            selected: None,
            geometry: None,
            protocol: None,
            built: None,
            serial: 0,
            picker: super::picker(),
            loader: worker::default_loader(),
            worker: None,
            in_memory: None,
        }
    }

    /// Shows the pixels of a file held in memory as `bytes` (the bundled demo), which has no
    /// path of its own.
    pub fn set_bytes(&mut self, bytes: &'static [u8]) {
        self.in_memory = Some(InMemory { bytes, staged: None });
    }

    /// Draws with this picker (the terminal's graphics, queried once at start).
    pub fn set_picker(&mut self, picker: Picker) {
        self.picker = picker;
        self.built = None;
    }

    /// Reads frames with this loader instead of the file decoder (tests).
    pub fn set_loader(&mut self, loader: Loader) {
        self.loader = loader;
        self.worker = None;
    }

    /// The picker in force.
    pub fn picker(&self) -> &Picker {
        &self.picker
    }

    /// Asks the worker for the current frame of the file at `source` (`None`: the file held
    /// in memory, see [`ImagePane::set_bytes`]); no pixel data: says so at once.
    pub fn request(&mut self, source: Option<&Path>) {
        if !self.has_pixels {
            self.status = Status::Failed(FrameError::NoPixelData.to_string());
            return;
        }
        let path = match (source, self.in_memory.as_mut()) {
            (Some(path), _) => path.to_path_buf(),
            (None, Some(in_memory)) => match in_memory.path() {
                Ok(path) => path,
                Err(e) => {
                    self.status = Status::Failed(format!("cannot write the image to a temporary file: {e}"));
                    return;
                }
            },
            (None, None) => {
                self.status = Status::Failed(FrameError::NoPixelData.to_string());
                return;
            }
        };
        if self.worker.is_none() {
            match Worker::start(self.loader.clone()) {
                Ok(w) => self.worker = Some(w),
                Err(e) => {
                    self.status = Status::Failed(format!("cannot start decoding: {e}"));
                    return;
                }
            }
        }
        if let Some(worker) = self.worker.as_mut() {
            worker.request(&path, self.frame);
            self.status = Status::Decoding(self.frame);
        }
    }

    /// Takes in a decoded frame if one has come; true while one is still awaited.
    pub fn poll(&mut self) -> bool {
        let Some(worker) = self.worker.as_mut() else {
            return false;
        };
        if let Some(answer) = worker.poll() {
            match answer.result {
                Ok(frame) => {
                    self.frames = frame.frames.max(1);
                    if self.window.is_none() {
                        self.window = default_window(&frame);
                    }
                    self.decoded = Some(frame);
                    self.serial += 1;
                    self.status = Status::Shown;
                }
                Err(e) => {
                    self.decoded = None;
                    self.status = Status::Failed(crate::tui::text::visible(&e.to_string()));
                }
            }
        }
        self.worker.as_ref().is_some_and(|w| w.pending_frame().is_some())
    }

    /// The file's window for the frame shown (its first Window Center and Width, else the
    /// frame's range of values).
    pub fn reset_window(&mut self) {
        self.window = self.decoded.as_deref().and_then(default_window);
    }

    /// Whether the frame shown is grey (the window applies).
    pub fn is_grey(&self) -> bool {
        matches!(
            self.decoded.as_deref().map(|d| &d.pixels),
            Some(Pixels::Grey { .. })
        )
    }

    /// Columns and rows of the image shown.
    pub fn image_size(&self) -> Option<(u32, u32)> {
        self.decoded.as_deref().map(|d| (d.columns, d.rows))
    }

    /// Lays the image out in `area` (the pane's inside) and rebuilds the picture if what it
    /// shows changed. `marks` are the regions to blank and outline.
    pub fn fit(&mut self, area: Option<Rect>, marks: Marks) {
        let (Some(area), Some(frame)) = (area, self.decoded.clone()) else {
            self.geometry = None;
            self.protocol = None;
            self.built = None;
            return;
        };
        let font = self.picker.font_size();
        self.geometry = Geometry::fit(
            area,
            frame.columns,
            frame.rows,
            (font.width, font.height),
            render::cell_pixels(&self.picker),
        );
        let Some(geometry) = self.geometry else {
            self.protocol = None;
            self.built = None;
            return;
        };
        let built = Built {
            frame: self.serial,
            window: self.window,
            marks,
            area,
        };
        if self.built.as_ref() == Some(&built) && self.protocol.is_some() {
            return;
        }
        let picture = render::picture(&frame, self.window, &geometry, &built.marks);
        self.protocol = render::protocol(&self.picker, picture, geometry.cells);
        self.built = Some(built);
    }
}

/// The window a frame opens with: the file's, else its range of values.
fn default_window(frame: &DecodedFrame) -> Option<Window> {
    match &frame.pixels {
        Pixels::Grey { window: Some(w), .. } => Some(*w),
        Pixels::Grey { min, max, .. } => Some(Window {
            center: (f64::from(*min) + f64::from(*max)) / 2.0,
            width: (f64::from(*max) - f64::from(*min)).max(1.0),
        }),
        Pixels::Rgb(_) => None,
    }
}
