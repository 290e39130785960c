//! What the image keys and the mouse do: frames, the window, regions drawn with the keys
//! or dragged with the mouse, and the pixel rule they are saved as. The state is the
//! screen's ([`App`]): its image pane, and the profile being built in its document.

use dicom_dictionary_std::tags;

use super::decode::Window;
use super::form::SignatureForm;
use super::pane::{Drag, RegionRef, Status};
use super::render::{Marks, DRAWING, SELECTED};
use crate::pixels::{Region, CLEAN_PIXEL_DATA_OPTION};
use crate::tui::app::{Action, App, Dir};

/// How much one key press changes the window: its width by a quarter, its centre by a
/// tenth of the width.
const WIDTH_FACTOR: f64 = 1.25;
const CENTRE_STEP: f64 = 0.1;

impl App {
    /// Whether the header holds pixel data the pane could show.
    pub(crate) fn header_has_pixels(header: &crate::dataset::Header) -> bool {
        header.pixel_data.is_some()
            || [
                tags::PIXEL_DATA,
                tags::FLOAT_PIXEL_DATA,
                tags::DOUBLE_FLOAT_PIXEL_DATA,
            ]
            .iter()
            .any(|t| header.file.get(*t).is_some())
    }

    /// Work between keys: takes in a frame the worker has decoded. True while one is awaited.
    pub fn tick(&mut self) -> bool {
        let before = self.image.decoded.clone();
        let status = self.image.status.clone();
        let busy = self.image.poll();
        let arrived = self.image.status != status
            || match (&before, &self.image.decoded) {
                (Some(a), Some(b)) => !std::sync::Arc::ptr_eq(a, b),
                (a, b) => a.is_some() != b.is_some(),
            };
        if arrived {
            self.fit_image();
        }
        busy
    }

    /// Lays the picture out for the last known size, rebuilding it if it changed.
    pub(crate) fn fit_image(&mut self) {
        let area = if self.image.open && !self.area.is_empty() {
            crate::tui::view::image_area(self.area, self)
        } else {
            None
        };
        let marks = self.image_marks();
        self.image.fit(area, marks);
    }

    /// Carries out an action of the image pane; false when it is not one (the tree's then).
    pub(crate) fn image_action(&mut self, action: Action) -> bool {
        if action == Action::ToggleImage {
            self.toggle_image();
            return true;
        }
        let image_only = matches!(
            action,
            Action::PrevFrame
                | Action::NextFrame
                | Action::WindowNarrower
                | Action::WindowWider
                | Action::LevelDown
                | Action::LevelUp
                | Action::ResetWindow
                | Action::StartRegion
                | Action::NextRegion
                | Action::RemoveRegion
                | Action::PixelRuleForm
                | Action::ZoomImage
        );
        if !self.image.open {
            if image_only {
                self.message = "v shows the image first".into();
            }
            return image_only;
        }
        match action {
            Action::NextFrame => self.step_frame(true),
            Action::PrevFrame => self.step_frame(false),
            Action::WindowNarrower => self.change_window(|w| w.width = (w.width / WIDTH_FACTOR).max(1.0)),
            Action::WindowWider => self.change_window(|w| w.width *= WIDTH_FACTOR),
            Action::LevelDown => self.change_window(|w| w.center -= (w.width * CENTRE_STEP).max(1.0)),
            Action::LevelUp => self.change_window(|w| w.center += (w.width * CENTRE_STEP).max(1.0)),
            Action::ResetWindow => {
                if self.image.is_grey() {
                    self.image.reset_window();
                    self.message = "the file's window again".into();
                } else {
                    self.message = "the window applies to grey images only".into();
                }
            }
            Action::StartRegion => self.start_region(),
            Action::NextRegion => self.next_region(),
            Action::RemoveRegion => self.remove_region(),
            Action::PixelRuleForm => self.open_form(),
            Action::ZoomImage => {
                self.image.zoom = !self.image.zoom;
                self.message = if self.image.zoom {
                    "the image over the whole screen (z: beside the tags)".into()
                } else {
                    "the image beside the tags".into()
                };
            }
            Action::Click(column, row) => {
                let on_image = self.image.geometry.is_some_and(|g| g.contains(column, row));
                if !on_image {
                    return false;
                }
                self.image.drawing = None;
                self.image.drag = Some(Drag {
                    from: (column, row),
                    to: (column, row),
                });
            }
            Action::Drag(column, row) => {
                if let Some(drag) = self.image.drag.as_mut() {
                    drag.to = (column, row);
                }
            }
            Action::Release(column, row) => self.finish_drag(column, row),
            _ => return false,
        }
        true
    }

    fn toggle_image(&mut self) {
        if self.image.open {
            self.image.open = false;
            self.image.zoom = false;
            self.image.drawing = None;
            self.image.drag = None;
            self.message = "image hidden".into();
            return;
        }
        self.image.open = true;
        let needs_frame = self.image.decoded.is_none() && !matches!(self.image.status, Status::Decoding(_));
        if needs_frame {
            self.image.request(self.doc.source.as_deref());
        }
        if let Status::Failed(why) = &self.image.status {
            self.message = why.clone();
        }
    }

    fn step_frame(&mut self, forward: bool) {
        let frames = self.image.frames;
        let next = if forward {
            (self.image.frame + 1 < frames).then_some(self.image.frame + 1)
        } else {
            self.image.frame.checked_sub(1)
        };
        match next {
            Some(n) => {
                self.image.frame = n;
                self.image.request(self.doc.source.as_deref());
                self.message = format!("frame {}/{frames}", n + 1);
            }
            None => {
                let end = if forward { "last" } else { "first" };
                self.message = format!("the {end} frame ({}/{frames})", self.image.frame + 1);
            }
        }
    }

    fn change_window(&mut self, change: impl FnOnce(&mut Window)) {
        if !self.image.is_grey() {
            self.message = "the window applies to grey images only".into();
            return;
        }
        if let Some(w) = self.image.window.as_mut() {
            change(w);
            self.message = format!("window centre {:.0}, width {:.0}", w.center, w.width);
        }
    }

    fn start_region(&mut self) {
        let Some((columns, rows)) = self.image.image_size() else {
            self.message = "no image to draw on".into();
            return;
        };
        let (width, height) = ((columns / 8).max(1), (rows / 8).max(1));
        self.image.drag = None;
        self.image.drawing = Some(Region {
            x: (columns - width) / 2,
            y: (rows - height) / 2,
            width,
            height,
        });
        self.message =
            "drawing: arrows move, Shift+arrows size, Ctrl for ten times, ⏎ adds, Esc cancels".into();
    }

    /// The keys while a region is drawn.
    pub(crate) fn update_draw(&mut self, action: Action) {
        let (Some(mut r), Some((columns, rows))) = (self.image.drawing, self.image.image_size()) else {
            self.image.drawing = None;
            return;
        };
        let step = |size: u32, big: bool| {
            if big {
                (size / 10).max(10)
            } else {
                (size / 100).max(1)
            }
        };
        match action {
            Action::MoveRect(dir, big) => {
                let (sx, sy) = (step(columns, big), step(rows, big));
                match dir {
                    Dir::Left => r.x = r.x.saturating_sub(sx),
                    Dir::Right => r.x = (r.x + sx).min(columns - r.width),
                    Dir::Up => r.y = r.y.saturating_sub(sy),
                    Dir::Down => r.y = (r.y + sy).min(rows - r.height),
                }
            }
            Action::SizeRect(dir, big) => {
                let (sx, sy) = (step(columns, big), step(rows, big));
                match dir {
                    Dir::Left => r.width = r.width.saturating_sub(sx).max(1),
                    Dir::Right => r.width = (r.width + sx).min(columns - r.x),
                    Dir::Up => r.height = r.height.saturating_sub(sy).max(1),
                    Dir::Down => r.height = (r.height + sy).min(rows - r.y),
                }
            }
            Action::Submit => {
                self.image.drawing = None;
                self.add_region(r);
                return;
            }
            Action::Cancel => {
                self.image.drawing = None;
                self.message = "no region added".into();
                return;
            }
            Action::Click(..) | Action::Drag(..) | Action::Release(..) => {
                self.image_action(action);
                return;
            }
            _ => return,
        }
        self.image.drawing = Some(r);
        self.message = format!("drawing {r}: ⏎ adds, Esc cancels");
    }

    fn add_region(&mut self, r: Region) {
        self.image.drawn.push(r);
        self.message = format!("region {r} added, blanked on the image: R saves the regions as a pixel rule");
    }

    fn finish_drag(&mut self, column: u16, row: u16) {
        let Some(mut drag) = self.image.drag.take() else {
            return;
        };
        drag.to = (column, row);
        let Some(geometry) = self.image.geometry else {
            return;
        };
        if drag.from == drag.to {
            // A click: selects the region under it.
            let Some(cell) = geometry.region_between(drag.from, drag.from) else {
                return;
            };
            let hit = self.editable_regions().into_iter().find(|r| {
                self.region(*r).is_some_and(|g| {
                    g.x < cell.x + cell.width
                        && cell.x < g.x + g.width
                        && g.y < cell.y + cell.height
                        && cell.y < g.y + g.height
                })
            });
            if let Some(hit) = hit {
                self.image.selected = Some(hit);
                self.message = "region selected: x removes it".into();
            }
            return;
        }
        if let Some(region) = geometry.region_between(drag.from, drag.to) {
            self.add_region(region);
        }
    }

    /// Every region the reviewer may select and remove: those drawn, then those of the rules
    /// made in this session that match the file.
    pub fn editable_regions(&self) -> Vec<RegionRef> {
        let mut out: Vec<RegionRef> = (0..self.image.drawn.len()).map(RegionRef::Drawn).collect();
        for (i, rule) in self.doc.edits.pixel_rules.iter().enumerate() {
            if rule.signature.to_signature().matches(&self.doc.header.file) {
                out.extend((0..rule.regions.len()).map(|k| RegionRef::Rule(i, k)));
            }
        }
        out
    }

    /// The region a reference names.
    pub fn region(&self, r: RegionRef) -> Option<Region> {
        match r {
            RegionRef::Drawn(i) => self.image.drawn.get(i).copied(),
            RegionRef::Rule(i, k) => self
                .doc
                .edits
                .pixel_rules
                .get(i)
                .and_then(|rule| rule.regions.get(k))
                .copied(),
        }
    }

    fn next_region(&mut self) {
        let all = self.editable_regions();
        if all.is_empty() {
            self.message = "no region to select: b draws one".into();
            return;
        }
        let at = self.image.selected.and_then(|s| all.iter().position(|r| *r == s));
        let next = all[at.map_or(0, |i| (i + 1) % all.len())];
        self.image.selected = Some(next);
        if let Some(r) = self.region(next) {
            self.message = format!("region {r} selected: x removes it");
        }
    }

    fn remove_region(&mut self) {
        let Some(selected) = self.image.selected.take() else {
            self.message = "no region selected: Tab selects one".into();
            return;
        };
        let Some(region) = self.region(selected) else {
            return;
        };
        match selected {
            RegionRef::Drawn(i) => {
                self.image.drawn.remove(i);
            }
            RegionRef::Rule(i, k) => {
                let rules = &mut self.doc.edits.pixel_rules;
                if let Some(rule) = rules.get_mut(i) {
                    rule.regions.remove(k);
                    if rule.regions.is_empty() {
                        rules.remove(i);
                    }
                }
                self.replan_keeping_selection();
            }
        }
        self.message = format!("region {region} removed");
    }

    fn open_form(&mut self) {
        if self.image.drawn.is_empty() {
            self.message = "no region drawn: b (or a mouse drag over the image) draws one".into();
            return;
        }
        self.form = Some(SignatureForm::for_file(
            &self.doc.header.file,
            self.image.drawn.clone(),
        ));
    }

    /// The keys of the pixel rule form.
    pub(crate) fn update_form(&mut self, action: Action) {
        let Some(form) = self.form.as_mut() else { return };
        let last = form.fields.len().saturating_sub(1);
        // An edit answers the last refusal: its reason goes until the next confirmation.
        if action != Action::Submit {
            form.error = None;
        }
        match action {
            Action::MenuUp => form.selected = form.selected.saturating_sub(1),
            Action::MenuDown => form.selected = (form.selected + 1).min(last),
            Action::FormToggle => {
                if let Some(f) = form.current() {
                    if f.kind != super::form::FieldKind::Name {
                        f.on = !f.on;
                    }
                }
            }
            Action::Input(c) => form.input(c),
            Action::Backspace => {
                if let Some(f) = form.current() {
                    f.value.pop();
                }
            }
            Action::ClearLine => {
                if let Some(f) = form.current() {
                    f.value.clear();
                }
            }
            Action::DeleteWord => {
                if let Some(f) = form.current() {
                    let trimmed = f.value.trim_end();
                    let cut = trimmed.rfind(' ').map_or(0, |i| i + 1);
                    f.value.truncate(cut);
                }
            }
            Action::Cancel => {
                self.form = None;
                self.message = "no pixel rule added".into();
            }
            Action::Submit => self.confirm_form(),
            _ => {}
        }
    }

    fn confirm_form(&mut self) {
        let Some(form) = self.form.as_mut() else { return };
        let rule = match form.rule() {
            Ok(rule) => rule,
            Err(why) => {
                form.error = Some(why);
                return;
            }
        };
        if !rule.signature.to_signature().matches(&self.doc.header.file) {
            form.error = Some("this signature does not match the file the regions were drawn on".into());
            return;
        }
        self.form = None;
        let regions = rule.regions.len();
        let name = rule.name.clone();
        self.doc.edits.pixel_rules.push(rule);
        let options = &mut self.doc.edits.base.options;
        let added_option = !options.iter().any(|o| o == CLEAN_PIXEL_DATA_OPTION);
        if added_option {
            options.push(CLEAN_PIXEL_DATA_OPTION.to_string());
        }
        self.image.drawn.clear();
        self.image.selected = None;
        self.replan_keeping_selection();
        let plural = if regions == 1 { "" } else { "s" };
        let option = if added_option {
            "; option clean-pixel-data turned on"
        } else {
            ""
        };
        self.message = crate::tui::text::visible(&format!(
            "pixel rule '{name}' added ({regions} region{plural}){option}: s saves it in the profile"
        ));
    }

    /// How many of the profile's pixel rules match the file.
    pub fn matching_pixel_rules(&self) -> usize {
        crate::pixels::matching_rules(&self.doc.header.file, self.doc.profile.pixel_rules()).len()
    }

    /// What the picture blanks and outlines: every region of the profile's rules that match
    /// the file and every region drawn, filled black; the rectangle being drawn (or dragged)
    /// and the selected region outlined.
    pub fn image_marks(&self) -> Marks {
        let mut blank: Vec<Region> =
            crate::pixels::matching_rules(&self.doc.header.file, self.doc.profile.pixel_rules())
                .into_iter()
                .flat_map(|r| r.regions.iter().copied())
                .collect();
        blank.extend(self.image.drawn.iter().copied());
        let mut outline = Vec::new();
        if let Some(r) = self.image.drawing {
            outline.push((r, DRAWING));
        }
        if let (Some(drag), Some(g)) = (self.image.drag, self.image.geometry) {
            if let Some(r) = g.region_between(drag.from, drag.to) {
                outline.push((r, DRAWING));
            }
        }
        if let Some(r) = self.image.selected.and_then(|s| self.region(s)) {
            outline.push((r, SELECTED));
        }
        Marks { blank, outline }
    }
}
