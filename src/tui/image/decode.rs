//! One frame of a file's pixel data, decoded for the screen: the one place that reads pixels
//! ([`load_frame`]), so that how a frame is read can change without touching the rest.
//!
//! Decoding goes through `dicom-pixeldata` with pure-Rust decoders only: native (and deflated)
//! pixel data, RLE Lossless, JPEG baseline, extended and lossless, JPEG 2000. JPEG-LS, JPEG XL
//! and video have no decoder in this build and are said so, never attempted. Grey values are
//! kept as modality values (Rescale Slope and Intercept applied) so that the window can move
//! without decoding again; colour is kept as RGB.
//!
//! A frame is read from the file on its own ([`FrameReader`]): the header is opened with
//! its pixel data left in the file, native frames are read at their offset, an
//! encapsulated frame's fragments are joined and decoded as a one-frame image. A 2 GB cine
//! costs one frame of memory. Deflated files cannot be read at an offset and are read whole.

use std::path::{Path, PathBuf};

use dicom_core::value::{PixelFragmentSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use dicom_pixeldata::PixelDecoder;

use crate::dataset::{text_of, DicomFile, FrameFault, FrameReader, Snapshot};

/// Why a frame cannot be shown. Each says it in words a reviewer can act on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The file has no Pixel Data (a structured report, a header-only file).
    #[error("this file has no pixel data")]
    NoPixelData,
    /// JPEG-LS needs a C++ decoder this build does not carry.
    #[error("JPEG-LS pixel data cannot be shown (no decoder in this build)")]
    JpegLs,
    /// JPEG XL has no decoder in this build.
    #[error("JPEG XL pixel data cannot be shown (no decoder in this build)")]
    JpegXl,
    /// MPEG-2, MPEG-4 and HEVC video.
    #[error("video pixel data ({0}) cannot be shown (no video decoder in this build)")]
    Video(String),
    /// Something this viewer does not show: a transfer syntax, a depth, a kind of pixel.
    #[error("{0} cannot be shown")]
    Unsupported(String),
    /// The file could not be read.
    #[error("cannot read the file: {0}")]
    Open(String),
    /// The frame asked for is past the last.
    #[error("frame {frame} of {frames} does not exist")]
    NoSuchFrame {
        /// 1-based, as shown.
        frame: u32,
        /// How many the file has.
        frames: u32,
    },
    /// The pixel data holds fewer bytes than its attributes say a frame takes.
    #[error("the pixel data is cut short: frame {frame} needs {needed} bytes, {found} found")]
    CutShort {
        /// 1-based.
        frame: u32,
        /// Bytes the attributes ask for.
        needed: usize,
        /// Bytes there are.
        found: usize,
    },
    /// The decoder refused the data.
    #[error("the pixel data cannot be decoded: {0}")]
    Decode(String),
}

/// The VOI LUT Function (0028,1056): how a window maps values to grey.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VoiFunction {
    /// PS3.3 C.11.2.1.2.1, the default.
    #[default]
    Linear,
    /// C.11.2.1.3.2.
    LinearExact,
    /// C.11.2.1.3.1.
    Sigmoid,
}

/// A window: centre and width, in modality values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    /// Window Center.
    pub center: f64,
    /// Window Width (at least 1; LINEAR_EXACT: above 0).
    pub width: f64,
}

/// What a decoded frame holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Pixels {
    /// Grey: modality values (stored values through Rescale Slope and Intercept), row by
    /// row, with what the screen needs to show them.
    Grey {
        /// One value per pixel.
        values: Vec<f32>,
        /// The lowest value in the frame.
        min: f32,
        /// The highest.
        max: f32,
        /// MONOCHROME1: the lowest value is white.
        inverted: bool,
        /// The file's first Window Center and Width, if it has them.
        window: Option<Window>,
        /// The file's VOI LUT Function.
        function: VoiFunction,
    },
    /// Colour: three bytes (red, green, blue) per pixel, row by row.
    Rgb(Vec<u8>),
}

/// One frame ready for the screen.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedFrame {
    /// 0-based.
    pub frame: u32,
    /// How many frames the file has.
    pub frames: u32,
    /// Columns (0028,0011).
    pub columns: u32,
    /// Rows (0028,0010).
    pub rows: u32,
    /// The Photometric Interpretation as the file gives it.
    pub photometric: String,
    /// The pixels.
    pub pixels: Pixels,
}

/// The last file the worker read, kept so that stepping through frames opens it once: its
/// header and, when its pixel data can be read a frame at a time, the reader of its frames.
#[derive(Default)]
pub struct FileCache {
    file: Option<(PathBuf, Opened)>,
}

/// A file opened for its frames.
struct Opened {
    /// Every element but pixel data left in the file; all of them when the file is read whole.
    file: DicomFile,
    /// The pixel data left in the file, when it is read a frame at a time.
    in_file: Option<InFile>,
}

/// Pixel data left in the file and read one frame at a time: memory holds one frame.
struct InFile {
    /// Bytes of native pixel data; `None` when encapsulated.
    native_bytes: Option<u64>,
    reader: FrameReader,
}

impl FileCache {
    fn open(&mut self, path: &Path) -> Result<&mut Opened, FrameError> {
        let cached = self.file.as_ref().is_some_and(|(p, _)| p == path);
        if !cached {
            self.file = None;
            let opened = Opened::read(path)?;
            self.file = Some((path.to_path_buf(), opened));
        }
        self.file
            .as_mut()
            .map(|(_, opened)| opened)
            .ok_or_else(|| FrameError::Open("the file is not open".into()))
    }
}

impl Opened {
    /// Opens `path` around its pixel data, which is left in the file for a [`FrameReader`].
    /// Read whole instead, as a file whose frames cannot be found by offset must be: a
    /// deflated data set (no offset in the file points into it), native YBR_FULL_422 (its
    /// conversion here reads the pixel data held whole), Bits Allocated 1 (frames not whole
    /// bytes apart), and pixel data the reader refuses
    /// (shorter than its frames, a damaged fragment sequence), so that what it holds is still
    /// shown or its fault said as the decoder finds it.
    fn read(path: &Path) -> Result<Opened, FrameError> {
        let whole = || {
            crate::dataset::open(path)
                .map(|file| Opened { file, in_file: None })
                .map_err(|e| FrameError::Open(e.to_string()))
        };
        let Ok(header) = crate::dataset::open_around_pixel_data(path) else {
            return whole();
        };
        let Some(pixel) = &header.pixel_data else {
            // No pixel data, or little enough to be read with the rest.
            return Ok(Opened {
                file: header.file,
                in_file: None,
            });
        };
        if pixel.tag != tags::PIXEL_DATA {
            return Err(FrameError::Unsupported("float pixel data".into()));
        }
        let native_bytes = match pixel.snapshot {
            Snapshot::Bulk { bytes } => Some(bytes),
            _ => None,
        };
        let obj: &InMemDicomObject = &header.file;
        let photometric = text_of(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
        if native_bytes.is_some() && photometric.eq_ignore_ascii_case("YBR_FULL_422") {
            return whole();
        }
        match FrameReader::open(path, &header) {
            Ok(reader) => Ok(Opened {
                file: header.file,
                in_file: Some(InFile { native_bytes, reader }),
            }),
            Err(_) => whole(),
        }
    }

    /// Whether the file has Pixel Data (7FE0,0010), in memory or left in the file.
    fn has_pixel_data(&self) -> bool {
        self.in_file.is_some() || self.file.get(tags::PIXEL_DATA).is_some()
    }

    /// Bytes of native pixel data.
    fn native_bytes(&self) -> u64 {
        match &self.in_file {
            Some(in_file) => in_file.native_bytes.unwrap_or(0),
            None => self
                .file
                .get(tags::PIXEL_DATA)
                .and_then(|e| e.value().primitive().map(|p| p.calculate_byte_len() as u64))
                .unwrap_or(0),
        }
    }
}

/// The common start of the video transfer syntaxes (MPEG-2 …4.100–101, MPEG-4 …4.102–106,
/// HEVC …4.107–108).
const VIDEO: &str = "1.2.840.10008.1.2.4.10";

/// Transfer syntaxes with no decoder in this build, by what they are.
fn undecodable(ts: &str) -> Option<FrameError> {
    match ts {
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => Some(FrameError::JpegLs),
        "1.2.840.10008.1.2.4.110" | "1.2.840.10008.1.2.4.111" | "1.2.840.10008.1.2.4.112" => {
            Some(FrameError::JpegXl)
        }
        _ if ts.starts_with(VIDEO) => {
            let name = match &ts[VIDEO.len()..] {
                "0" | "0.1" | "1" | "1.1" => "MPEG-2",
                "7" | "8" => "HEVC",
                _ => "MPEG-4",
            };
            Some(FrameError::Video(name.to_string()))
        }
        _ => None,
    }
}

const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// Reads frame `frame` (0-based) of the file at `path`, through `cache`.
///
/// Memory holds the header and the one frame shown (and, encapsulated, its fragments),
/// whatever the number of frames: the pixel data is read from the file a frame at a time
/// (see [`FrameReader`]). A deflated file, and the few layouts said at `Opened::read`, are
/// read whole, as no offset in the file leads to their frames.
///
/// Never panics on what a file holds: a decoder that does is caught and its failure
/// returned as [`FrameError::Decode`].
pub fn load_frame(path: &Path, frame: u32, cache: &mut FileCache) -> Result<DecodedFrame, FrameError> {
    let opened = cache.open(path)?;
    let ts = opened
        .file
        .meta()
        .transfer_syntax()
        .trim_end_matches(['\0', ' '])
        .to_string();
    if let Some(refused) = undecodable(&ts) {
        return Err(refused);
    }
    let obj: &InMemDicomObject = &opened.file;
    if !opened.has_pixel_data() {
        return Err(
            if obj.get(tags::FLOAT_PIXEL_DATA).is_some() || obj.get(tags::DOUBLE_FLOAT_PIXEL_DATA).is_some() {
                FrameError::Unsupported("float pixel data".into())
            } else {
                FrameError::NoPixelData
            },
        );
    }
    let frames = crate::dataset::frame_count(obj).max(1);
    if frame >= frames {
        return Err(FrameError::NoSuchFrame {
            frame: frame + 1,
            frames,
        });
    }
    let photometric = text_of(obj, tags::PHOTOMETRIC_INTERPRETATION)
        .unwrap_or_default()
        .to_ascii_uppercase();
    let bits = number(obj, tags::BITS_ALLOCATED).unwrap_or(0.0) as u32;
    if !matches!(bits, 1 | 8 | 16 | 32) {
        return Err(FrameError::Unsupported(format!("Bits Allocated {bits}")));
    }
    let samples = number(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1.0) as u32;
    if !matches!(samples, 1 | 3) {
        return Err(FrameError::Unsupported(format!("Samples per Pixel {samples}")));
    }
    let native = is_native(&ts);
    // What one frame takes, by the attributes: refused before any decoder allocates it when
    // it is past what dpk holds of one value, and for native data checked against what the
    // file holds, so that a frame cut short is said so, with its numbers.
    let columns = number(obj, tags::COLUMNS).unwrap_or(0.0) as u64;
    let rows = number(obj, tags::ROWS).unwrap_or(0.0) as u64;
    let samples_per_frame = columns * rows * u64::from(samples);
    let ybr_422 = samples == 3 && photometric == "YBR_FULL_422";
    let frame_bytes = match bits {
        1 => samples_per_frame.div_ceil(8),
        _ if native && ybr_422 => samples_per_frame * 2 / 3,
        _ => samples_per_frame * u64::from(bits / 8),
    };
    if frame_bytes == 0 {
        return Err(FrameError::Unsupported("an image of no rows or columns".into()));
    }
    if native {
        let held = opened.native_bytes();
        let start = frame_bytes * u64::from(frame);
        if held < start + frame_bytes {
            return Err(FrameError::CutShort {
                frame: frame + 1,
                needed: frame_bytes as usize,
                found: held.saturating_sub(start) as usize,
            });
        }
    }
    let limit = crate::limits::max_value_bytes();
    if frame_bytes > limit {
        return Err(FrameError::Unsupported(format!(
            "a frame of {frame_bytes} bytes (over the limit of {limit} bytes for one value)"
        )));
    }
    if native && ybr_422 {
        return native_ybr_422(obj, frame, frames);
    }
    let decoded = frame_samples(opened, &ts, frame)?;
    let obj: &InMemDicomObject = &opened.file;
    let (columns, rows, bits) = (decoded.columns, decoded.rows, decoded.bits);
    let pixels_count = columns as usize * rows as usize;
    let data = &decoded.data;
    let bytes_per_sample = if bits == 1 { 1 } else { (bits / 8) as usize };
    let needed = pixels_count * samples as usize * bytes_per_sample;
    if data.len() < needed {
        return Err(FrameError::CutShort {
            frame: frame + 1,
            needed,
            found: data.len(),
        });
    }
    let pixels = if samples == 3 {
        let planar = native && number(obj, tags::PLANAR_CONFIGURATION).unwrap_or(0.0) as u32 == 1;
        let stored = number(obj, tags::BITS_STORED)
            .map_or(bits, |b| b as u32)
            .clamp(1, bits.max(1));
        let mut rgb = interleaved_rgb(data, pixels_count, bits, stored, planar);
        // The registry's decoders give RGB for JPEG and JPEG 2000 (their own colour
        // transforms); native and RLE data keep the file's colour space.
        let ybr = matches!(photometric.as_str(), "YBR_FULL" | "YBR_FULL_422");
        if ybr && (native || ts == RLE_LOSSLESS) {
            ybr_to_rgb(&mut rgb);
        }
        Pixels::Rgb(rgb)
    } else {
        let signed = number(obj, tags::PIXEL_REPRESENTATION).unwrap_or(0.0) as u32 == 1;
        let stored = number(obj, tags::BITS_STORED)
            .map_or(bits, |b| b as u32)
            .clamp(1, bits.max(1));
        let raw = grey_values(data, pixels_count, bits, stored, signed);
        if photometric == "PALETTE COLOR" {
            Pixels::Rgb(palette(obj, &raw)?)
        } else {
            grey(obj, raw, photometric == "MONOCHROME1")
        }
    };
    Ok(DecodedFrame {
        frame,
        frames,
        columns,
        rows,
        photometric,
        pixels,
    })
}

/// One frame's samples as the screen reads them: interleaved or planar as stored for native
/// data, interleaved from a decoder; little-endian.
struct FrameSamples {
    data: Vec<u8>,
    columns: u32,
    rows: u32,
    bits: u32,
}

/// Frame `frame` of `opened` as samples: read from the file (native frames are the samples
/// themselves; an encapsulated frame's fragments are decoded as a one-frame image), or
/// decoded from the data set held whole.
fn frame_samples(opened: &mut Opened, ts: &str, frame: u32) -> Result<FrameSamples, FrameError> {
    let decode = |object: &DicomFile, index: u32| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            object.decode_pixel_data_frame(index).map(|d| FrameSamples {
                columns: d.columns(),
                rows: d.rows(),
                bits: u32::from(d.bits_allocated()),
                data: d.into_data(),
            })
        }))
        .map_err(|_| FrameError::Decode("the decoder failed".into()))?
        .map_err(|e| decode_error(&e))
    };
    let Some(in_file) = opened.in_file.as_mut() else {
        return decode(&opened.file, frame);
    };
    let bytes = in_file.reader.read(frame as usize).map_err(|e| match e.fault {
        FrameFault::Io => FrameError::Open(e.to_string()),
        _ => FrameError::Decode(e.to_string()),
    })?;
    let obj: &InMemDicomObject = &opened.file;
    if !in_file.reader.encapsulated() {
        let number = |tag| number(obj, tag).unwrap_or(0.0) as u32;
        return Ok(FrameSamples {
            data: bytes,
            columns: number(tags::COLUMNS),
            rows: number(tags::ROWS),
            bits: number(tags::BITS_ALLOCATED),
        });
    }
    decode(&one_frame_object(obj, ts, bytes)?, 0)
}

/// The image attributes dicom-pixeldata reads (as the file gives them) with Number of
/// Frames 1 and `frame`, one encoded frame, as the one fragment of its pixel data: an image
/// the decoder reads as it would the file's frame, with only that frame in memory.
fn one_frame_object(obj: &InMemDicomObject, ts: &str, frame: Vec<u8>) -> Result<DicomFile, FrameError> {
    let copied = [
        tags::SAMPLES_PER_PIXEL,
        tags::PHOTOMETRIC_INTERPRETATION,
        tags::PLANAR_CONFIGURATION,
        tags::ROWS,
        tags::COLUMNS,
        tags::BITS_ALLOCATED,
        tags::BITS_STORED,
        tags::HIGH_BIT,
        tags::PIXEL_REPRESENTATION,
    ];
    let elements = copied.iter().filter_map(|&tag| obj.get(tag).cloned()).chain([
        DataElement::new(tags::NUMBER_OF_FRAMES, VR::IS, PrimitiveValue::from("1")),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PixelFragmentSequence::new(Vec::<u32>::new(), vec![frame]),
        ),
    ]);
    // The decoder needs a file meta group for the transfer syntax; the UIDs are placeholders
    // it never reads.
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7")
        .media_storage_sop_instance_uid("2.25.1")
        .transfer_syntax(ts)
        .build()
        .map_err(|e| FrameError::Decode(format!("cannot describe the frame to the decoder: {e}")))?;
    Ok(InMemDicomObject::from_element_iter(elements).with_exact_meta(meta))
}

/// Whether the transfer syntax keeps pixel data native (explicit, implicit, big-endian,
/// deflated).
fn is_native(ts: &str) -> bool {
    matches!(
        ts,
        "1.2.840.10008.1.2" | "1.2.840.10008.1.2.1" | "1.2.840.10008.1.2.2" | "1.2.840.10008.1.2.1.99"
    )
}

/// A decoder's error in words: its chain of causes (never bytes of the file: control
/// characters are made visible when shown).
fn decode_error(e: &dicom_pixeldata::Error) -> FrameError {
    FrameError::Decode(crate::dataset::error_chain(e))
}

/// A top-level attribute's first value as a number.
fn number(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    let element = obj.get(tag)?;
    let p = element.value().primitive()?;
    if let Ok(v) = p.to_float64() {
        return v.is_finite().then_some(v);
    }
    let text = p.to_str();
    text.split('\\')
        .next()?
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

/// Stored values as integers: masked to Bits Stored and sign-extended when signed.
fn grey_values(data: &[u8], count: usize, bits: u32, stored: u32, signed: bool) -> Vec<i64> {
    let mask: u64 = if stored >= 64 {
        u64::MAX
    } else {
        (1u64 << stored) - 1
    };
    let extend = |v: u64| -> i64 {
        let v = v & mask;
        if signed && stored < 64 && v & (1 << (stored - 1)) != 0 {
            (v | !mask) as i64
        } else {
            v as i64
        }
    };
    match bits {
        1 => data.iter().take(count).map(|&b| i64::from(b != 0)).collect(),
        8 => data.iter().take(count).map(|&b| extend(u64::from(b))).collect(),
        16 => data
            .chunks_exact(2)
            .take(count)
            .map(|c| extend(u64::from(u16::from_le_bytes([c[0], c[1]]))))
            .collect(),
        _ => data
            .chunks_exact(4)
            .take(count)
            .map(|c| extend(u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]]))))
            .collect(),
    }
}

/// Grey values through the modality LUT (Rescale Slope and Intercept), with the file's
/// window.
fn grey(obj: &InMemDicomObject, raw: Vec<i64>, inverted: bool) -> Pixels {
    let slope = number(obj, tags::RESCALE_SLOPE)
        .filter(|s| *s != 0.0)
        .unwrap_or(1.0);
    let intercept = number(obj, tags::RESCALE_INTERCEPT).unwrap_or(0.0);
    let values: Vec<f32> = raw
        .iter()
        .map(|&v| (v as f64 * slope + intercept) as f32)
        .collect();
    let (min, max) = values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let (min, max) = if values.is_empty() { (0.0, 0.0) } else { (min, max) };
    let function = match text_of(obj, tags::VOILUT_FUNCTION).as_deref() {
        Some("SIGMOID") => VoiFunction::Sigmoid,
        Some("LINEAR_EXACT") => VoiFunction::LinearExact,
        _ => VoiFunction::Linear,
    };
    let window = match (number(obj, tags::WINDOW_CENTER), number(obj, tags::WINDOW_WIDTH)) {
        (Some(center), Some(width)) if width > 0.0 => Some(Window { center, width }),
        _ => None,
    };
    Pixels::Grey {
        values,
        min,
        max,
        inverted,
        window,
        function,
    }
}

/// Three samples per pixel, interleaved, 8 bits each (wider samples keep the top eight of
/// their stored bits).
fn interleaved_rgb(data: &[u8], count: usize, bits: u32, stored: u32, planar: bool) -> Vec<u8> {
    let shift = stored.saturating_sub(8);
    let sample = |i: usize| -> u8 {
        let v: u32 = match bits {
            16 => data
                .get(2 * i..2 * i + 2)
                .map_or(0, |c| u32::from(u16::from_le_bytes([c[0], c[1]]))),
            32 => data
                .get(4 * i..4 * i + 4)
                .map_or(0, |c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => return data.get(i).copied().unwrap_or(0),
        };
        (v >> shift).min(255) as u8
    };
    let mut out = Vec::with_capacity(count * 3);
    for p in 0..count {
        for s in 0..3 {
            out.push(if planar {
                sample(s * count + p)
            } else {
                sample(p * 3 + s)
            });
        }
    }
    out
}

/// YBR_FULL to RGB (PS3.3 C.7.6.3.1.2), in place.
fn ybr_to_rgb(pixels: &mut [u8]) {
    for p in pixels.chunks_exact_mut(3) {
        let (y, cb, cr) = (f32::from(p[0]), f32::from(p[1]) - 128.0, f32::from(p[2]) - 128.0);
        let clamp = |v: f32| v.round().clamp(0.0, 255.0) as u8;
        p[0] = clamp(y + 1.402 * cr);
        p[1] = clamp(y - 0.344_136 * cb - 0.714_136 * cr);
        p[2] = clamp(y + 1.772 * cb);
    }
}

/// Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2): two luminance samples share one Cb and Cr, four
/// bytes for two pixels. Read from the element itself: the frame is two thirds of an RGB one.
fn native_ybr_422(obj: &InMemDicomObject, frame: u32, frames: u32) -> Result<DecodedFrame, FrameError> {
    let columns = number(obj, tags::COLUMNS).unwrap_or(0.0) as u32;
    let rows = number(obj, tags::ROWS).unwrap_or(0.0) as u32;
    let bits = number(obj, tags::BITS_ALLOCATED).unwrap_or(8.0) as u32;
    if bits != 8 {
        return Err(FrameError::Unsupported(format!(
            "YBR_FULL_422 with Bits Allocated {bits}"
        )));
    }
    let count = columns as usize * rows as usize;
    let frame_bytes = count * 2;
    let bytes = obj
        .get(tags::PIXEL_DATA)
        .and_then(|e| e.value().primitive().map(|p| p.to_bytes()))
        .unwrap_or_default();
    let start = frame_bytes * frame as usize;
    let Some(data) = bytes.get(start..start + frame_bytes) else {
        return Err(FrameError::CutShort {
            frame: frame + 1,
            needed: frame_bytes,
            found: bytes.len().saturating_sub(start),
        });
    };
    let mut rgb = Vec::with_capacity(count * 3);
    for pair in data.chunks_exact(4) {
        for y in [pair[0], pair[1]] {
            rgb.extend([y, pair[2], pair[3]]);
        }
    }
    rgb.truncate(count * 3);
    ybr_to_rgb(&mut rgb);
    Ok(DecodedFrame {
        frame,
        frames,
        columns,
        rows,
        photometric: "YBR_FULL_422".into(),
        pixels: Pixels::Rgb(rgb),
    })
}

/// PALETTE COLOR: each stored value looked up in the file's red, green and blue tables
/// (PS3.3 C.7.6.3.1.5–6). Segmented tables are not read.
fn palette(obj: &InMemDicomObject, raw: &[i64]) -> Result<Vec<u8>, FrameError> {
    let table = |descriptor: Tag, data: Tag, name: &str| -> Result<(i64, Vec<u8>), FrameError> {
        let missing = || FrameError::Unsupported(format!("PALETTE COLOR without a {name} table"));
        let d = obj
            .get(descriptor)
            .and_then(|e| e.value().primitive())
            .ok_or_else(missing)?;
        let values: Vec<i64> = match d.to_multi_int::<i64>() {
            Ok(v) if v.len() >= 3 => v,
            _ => return Err(missing()),
        };
        let entries = if values[0] == 0 {
            65_536
        } else {
            values[0] as usize & 0xFFFF
        };
        // The first mapped value is US or SS by the pixel representation: read as written.
        let first = values[1];
        let bits = values[2];
        let bytes = obj
            .get(data)
            .and_then(|e| e.value().primitive().map(|p| p.to_bytes().into_owned()))
            .ok_or_else(missing)?;
        let table: Vec<u8> = if bits == 8 && bytes.len() < entries * 2 {
            bytes.iter().take(entries).copied().collect()
        } else {
            bytes
                .chunks_exact(2)
                .take(entries)
                .map(|c| {
                    let v = u16::from_le_bytes([c[0], c[1]]);
                    if bits == 8 {
                        v.min(255) as u8
                    } else {
                        (v >> 8) as u8
                    }
                })
                .collect()
        };
        if table.is_empty() {
            return Err(missing());
        }
        Ok((first, table))
    };
    let red = table(
        tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
        tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        "red",
    )?;
    let green = table(
        tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
        tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        "green",
    )?;
    let blue = table(
        tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
        tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
        "blue",
    )?;
    let look = |(first, t): &(i64, Vec<u8>), v: i64| -> u8 {
        // Values below the first mapped one take the first entry, above the last the last.
        let i = (v - first).clamp(0, t.len() as i64 - 1) as usize;
        t[i]
    };
    Ok(raw
        .iter()
        .flat_map(|&v| [look(&red, v), look(&green, v), look(&blue, v)])
        .collect())
}

/// The grey level (0–255) of a modality value through a window (PS3.3 C.11.2.1.2).
pub fn window_level(value: f32, window: Window, function: VoiFunction) -> u8 {
    let (c, w, x) = (window.center, window.width, f64::from(value));
    let y = match function {
        VoiFunction::Linear => {
            let w = w.max(1.0);
            if x <= c - 0.5 - (w - 1.0) / 2.0 {
                0.0
            } else if x > c - 0.5 + (w - 1.0) / 2.0 {
                1.0
            } else {
                (x - (c - 0.5)) / (w - 1.0).max(f64::MIN_POSITIVE) + 0.5
            }
        }
        VoiFunction::LinearExact => {
            let w = w.max(f64::MIN_POSITIVE);
            ((x - c) / w + 0.5).clamp(0.0, 1.0)
        }
        VoiFunction::Sigmoid => 1.0 / (1.0 + (-4.0 * (x - c) / w.max(f64::MIN_POSITIVE)).exp()),
    };
    (y.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linear_window_maps_its_ends_to_black_and_white() {
        let w = Window {
            center: 40.0,
            width: 400.0,
        };
        assert_eq!(window_level(-1000.0, w, VoiFunction::Linear), 0);
        assert_eq!(window_level(1000.0, w, VoiFunction::Linear), 255);
        let mid = window_level(40.0, w, VoiFunction::Linear);
        assert!((126..=129).contains(&mid), "{mid}");
        assert_eq!(window_level(40.0, w, VoiFunction::Sigmoid), 128);
    }

    #[test]
    fn stored_values_are_masked_and_sign_extended() {
        // 12 bits stored in 16, signed: 0x0FFF is -1; high bits (an overlay) ignored.
        let data = [0xFF, 0xFF, 0x00, 0x08, 0x01, 0x00];
        assert_eq!(grey_values(&data, 3, 16, 12, true), vec![-1, -2048, 1]);
        assert_eq!(grey_values(&data, 3, 16, 12, false), vec![4095, 2048, 1]);
    }

    #[test]
    fn video_and_jpeg_ls_are_named() {
        assert_eq!(undecodable("1.2.840.10008.1.2.4.80"), Some(FrameError::JpegLs));
        assert_eq!(
            undecodable("1.2.840.10008.1.2.4.102"),
            Some(FrameError::Video("MPEG-4".into()))
        );
        assert_eq!(
            undecodable("1.2.840.10008.1.2.4.100"),
            Some(FrameError::Video("MPEG-2".into()))
        );
        assert_eq!(
            undecodable("1.2.840.10008.1.2.4.107"),
            Some(FrameError::Video("HEVC".into()))
        );
        assert_eq!(undecodable("1.2.840.10008.1.2.4.50"), None);
    }
}
