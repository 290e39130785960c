//! The inspector's state and its one `update` function: every key becomes an [`Action`], every
//! action changes the state here, and drawing only reads it (see `view`).
//!
//! [`App`] is one file's screen: the rows of the tag tree, the selection, the overlays, menus
//! and prompts, and the scroll positions for the last known terminal size. What it edits is
//! its [`Document`]: the file (header only), the profile being built with its history, and
//! what follows from them, the engine's plan and the before/after risk reports. Each change
//! of action re-plans and re-scores in memory; nothing touches the disk.

use std::collections::BTreeSet;

use dicom_object::InMemDicomObject;

use super::document::{Document, Edits};
use crate::dataset::{tag_string, Header, Snapshot, TagPath};
use crate::diff::{Change, ChangeKind};
use crate::engine::Context;
use crate::profile::{Action as RuleAction, Profile, Rule, Selector, CONCRETE_ACTIONS};

/// What the user can ask for; keys map onto these (see `keys`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Select the row above.
    Up,
    /// Open the selected file of a folder (or fold and unfold a study or series).
    Open,
    /// Select the row below.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// The first row.
    Top,
    /// The last row.
    Bottom,
    /// Collapse the selected sequence (or go to its parent).
    Collapse,
    /// Expand the selected sequence.
    Expand,
    /// Give the selected element the next action valid for its VR.
    CycleAction,
    /// Like `CycleAction`, as a rule for this exact place in the sequence tree only.
    CycleActionAtPath,
    /// Drop the user's override of the selected element.
    ResetAction,
    /// Show or hide the key help.
    ToggleHelp,
    /// Show or hide the explanation of the selected element.
    Explain,
    /// Undo the last change of action.
    Undo,
    /// Redo what was undone.
    Redo,
    /// Search tag, keyword and value: asks for the text.
    Search,
    /// The next row that matches the search.
    NextMatch,
    /// The previous row that matches the search.
    PrevMatch,
    /// Show all elements, only PHI-relevant ones, or only those that change.
    CycleFilter,
    /// Switch the diff pane between the selected element and every change of the plan.
    ToggleChangeList,
    /// Show or hide every finding left, in a scrolling list.
    ToggleFindings,
    /// The next built-in theme.
    CycleTheme,
    /// Open the menu of actions valid for the selected element.
    ActionMenu,
    /// Open the menu of PS3.15 options.
    OptionsMenu,
    /// Open the menu of base profiles.
    ProfileMenu,
    /// Move up in a menu.
    MenuUp,
    /// Move down in a menu.
    MenuDown,
    /// Pick (or toggle) the menu's selected item.
    MenuPick,
    /// A mouse click at (column, row) of the terminal.
    Click(u16, u16),
    /// The terminal is now (columns, rows): what page keys, clicks and scrolling go by.
    Resize(u16, u16),
    /// The mouse wheel, up.
    ScrollUp,
    /// The mouse wheel, down.
    ScrollDown,
    /// Save the profile (base, options and overrides) as RON: asks for a path.
    Save,
    /// Write the de-identified file: asks for a path.
    Write,
    /// Type a character into the prompt.
    Input(char),
    /// Delete the character before the cursor.
    Backspace,
    /// Clear the prompt line.
    ClearLine,
    /// Delete the word before the cursor.
    DeleteWord,
    /// Accept the prompt (or confirm).
    Submit,
    /// Close the prompt, the help or the explanation.
    Cancel,
    /// Leave (asks first when the profile has unsaved changes).
    Quit,
    /// Leave at once, from anywhere, unsaved changes or not: Ctrl-C.
    Interrupt,
    /// Show or hide the image pane.
    ToggleImage,
    /// The image over the whole screen, or beside the tags again.
    ZoomImage,
    /// The previous frame.
    PrevFrame,
    /// The next frame.
    NextFrame,
    /// A narrower window (more contrast).
    WindowNarrower,
    /// A wider window.
    WindowWider,
    /// A lower window centre.
    LevelDown,
    /// A higher window centre.
    LevelUp,
    /// The file's window again.
    ResetWindow,
    /// Start drawing a region to blank with the keys.
    StartRegion,
    /// Select the next region.
    NextRegion,
    /// Remove the selected region.
    RemoveRegion,
    /// Open the form that saves the regions drawn as a pixel rule.
    PixelRuleForm,
    /// Move the rectangle being drawn (ten times as far when `true`).
    MoveRect(Dir, bool),
    /// Size the rectangle being drawn: Left narrower, Right wider, Up shorter, Down taller.
    SizeRect(Dir, bool),
    /// Turn a field of the pixel rule form on or off.
    FormToggle,
    /// The mouse moved with its left button held, at (column, row).
    Drag(u16, u16),
    /// The left button was let go at (column, row).
    Release(u16, u16),
}

/// A direction of the arrow keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// ←
    Left,
    /// →
    Right,
    /// ↑
    Up,
    /// ↓
    Down,
}

/// What a prompt asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// Where to save the profile.
    SaveProfile,
    /// Where to write the de-identified file.
    WriteOutput,
    /// What to search for.
    Search,
    /// Whether to give an element an action that breaks the image (y/n).
    ConfirmAction,
}

/// What a menu offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MenuKind {
    /// Actions valid for the selected element.
    Action,
    /// PS3.15 options, toggled.
    Options,
    /// Base profiles.
    Profile,
}

/// A menu's lines, what each does, and the one in force.
type MenuLines = (Vec<(String, Option<bool>)>, Vec<String>, Option<usize>);

/// A list overlay to choose from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Menu {
    /// What it offers.
    pub kind: MenuKind,
    /// Its lines: label and, for toggles, whether on.
    pub items: Vec<(String, Option<bool>)>,
    /// What each line does, in a line.
    pub about: Vec<String>,
    /// The line in force now (the element's action), if the menu has one.
    pub current: Option<usize>,
    /// The highlighted line.
    pub selected: usize,
}

/// Which keys mean what: the main screen, a prompt line, a menu, or the help or an
/// explanation over the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Moving about and changing actions.
    Normal,
    /// Typing into the status line.
    Prompt,
    /// Choosing from a menu.
    Menu,
    /// Reading the help or an explanation: the moving keys scroll it, nothing changes
    /// beneath it.
    Overlay,
    /// A folder's study browser.
    Browser,
    /// The image is shown: its keys first, then the main screen's.
    Image,
    /// A region is being drawn with the keys.
    Draw,
    /// The pixel rule form is open.
    Form,
}

/// Which elements the tree shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Filter {
    /// Every element.
    #[default]
    All,
    /// Elements that carry PHI (a risk category) or that the profile changes.
    Phi,
    /// Elements the profile changes.
    Changed,
}

impl Filter {
    /// A word for the status line.
    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all elements",
            Filter::Phi => "PHI-relevant",
            Filter::Changed => "changed only",
        }
    }
}

/// A one-line question in the status line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// What it is for.
    pub kind: PromptKind,
    /// The text typed so far.
    pub input: String,
    /// Set once the path exists and the user must confirm overwriting it.
    pub confirm: bool,
}

/// One visible row of the tag tree.
#[derive(Clone, Debug)]
pub struct Row {
    /// Index into the tree's elements (see [`App::element`]).
    pub entry: usize,
    /// Nesting depth.
    pub depth: usize,
    /// Whether the element is a sequence with items.
    pub has_children: bool,
    /// Whether the element goes with an enclosing sequence the plan removes or empties, so
    /// that its own action does not apply.
    pub with_sequence: bool,
    /// `Some(i)`: not an element but the start of item `i` (0-based) of the sequence at
    /// `entry`, shown in sequences of more than one item; `depth` is that of its elements.
    pub item: Option<u32>,
    /// Of an item's start: how many items the sequence has.
    pub items: usize,
}

/// The inspector.
pub struct App {
    /// The document: the file, the profile being built, the plan and the scores.
    pub doc: Document,
    collapsed: BTreeSet<TagPath>,
    /// The visible rows.
    pub rows: Vec<Row>,
    /// The selected row.
    pub selected: usize,
    /// Rows a page moves.
    pub page: usize,
    /// Whether the help overlay is shown.
    pub help: bool,
    /// The explanation shown for the selected element, if open.
    pub explain: Option<String>,
    /// Whether every finding left is shown in a scrolling list.
    pub findings_open: bool,
    /// An action waiting for the user's yes: (element, action, at its place only).
    pending: Option<(Change, RuleAction, bool)>,
    /// Rows the open help or explanation is scrolled by, kept within the text (which on a
    /// small terminal may be taller than the screen) at the last known size.
    pub overlay_scroll: u16,
    /// Rows of the open help or explanation a page moves at the last known size.
    pub overlay_page: u16,
    /// The terminal's size as last known: what the scroll positions are worked out for.
    pub area: ratatui::layout::Rect,
    /// The open prompt, if any.
    pub prompt: Option<Prompt>,
    /// The open menu, if any.
    pub menu: Option<Menu>,
    /// Set after a first `q` with unsaved changes.
    quit_pending: bool,
    /// The last search.
    pub search: String,
    /// Which elements the tree shows.
    pub filter: Filter,
    /// Whether the diff pane lists every change the profile makes, rather than the selected
    /// element in full.
    pub change_list: bool,
    /// The colours.
    pub theme: super::theme::Theme,
    /// The tree's scroll position, kept between frames so the view does not jump.
    pub list_state: ratatui::widgets::ListState,
    /// Where the tree's rows are at the last known size, for mouse clicks.
    pub tree_rows: ratatui::layout::Rect,
    /// The keyword column's width at depth 0 at the last known size, for mouse clicks.
    pub tree_name_width: usize,
    /// A one-line message for the status line.
    pub message: String,
    /// Set when the user asked to leave.
    pub quit: bool,
    /// The image pane.
    pub image: super::image::pane::ImagePane,
    /// The pixel rule form, when open.
    pub form: Option<super::image::form::SignatureForm>,
}

impl App {
    /// Opens the inspector on a file with a base profile.
    pub fn new(
        file_name: String,
        file: impl Into<Header>,
        base: Profile,
        ctx: Context,
        preview_salt: bool,
    ) -> crate::Result<App> {
        App::with_edits(file_name, file.into(), Edits::new(base, ctx, preview_salt))
    }

    /// Opens the inspector on a file with a profile already being built (a folder's).
    pub fn with_edits(file_name: String, header: Header, edits: Edits) -> crate::Result<App> {
        let image = super::image::pane::ImagePane::new(
            App::header_has_pixels(&header),
            crate::dataset::frame_count(&header.file),
        );
        let mut app = App {
            doc: Document::open(file_name, header, edits)?,
            collapsed: BTreeSet::new(),
            rows: Vec::new(),
            selected: 0,
            page: 20,
            help: false,
            explain: None,
            findings_open: false,
            pending: None,
            overlay_scroll: 0,
            overlay_page: 10,
            area: ratatui::layout::Rect::default(),
            prompt: None,
            menu: None,
            quit_pending: false,
            search: String::new(),
            filter: Filter::All,
            change_list: false,
            theme: super::theme::Theme::dark(),
            list_state: ratatui::widgets::ListState::default(),
            tree_rows: ratatui::layout::Rect::default(),
            tree_name_width: super::view::NAME_WIDTH,
            message: String::new(),
            quit: false,
            image,
            form: None,
        };
        app.refresh_rows();
        Ok(app)
    }

    /// The file's header and the profile being built, for the folder the tree was opened
    /// from: the profile goes on to the next file.
    pub fn into_parts(self) -> (Header, Edits) {
        self.doc.into_parts()
    }

    /// The entry of the selected row (none when it is the start of an item).
    pub fn selected_entry(&self) -> Option<&Change> {
        self.rows
            .get(self.selected)
            .filter(|r| r.item.is_none())
            .and_then(|r| self.element(r.entry))
    }

    /// Whether the sequence at `path` is folded.
    pub fn is_collapsed(&self, path: &TagPath) -> bool {
        self.collapsed.contains(path)
    }

    /// The character sets with code extensions in force at `path`: those of the innermost
    /// item that declares a Specific Character Set, or the dataset's.
    fn code_extensions(&self, path: &TagPath) -> Option<crate::dataset::charset::CodeExtensions> {
        let file: &InMemDicomObject = &self.doc.header.file;
        let holders = std::iter::once(crate::dataset::item_at(file, path)).chain(
            (0..path.depth())
                .rev()
                .map(|d| crate::dataset::item_at(file, &ancestor(path, d))),
        );
        for holder in holders.flatten() {
            if let Some(element) = holder.get(dicom_dictionary_std::tags::SPECIFIC_CHARACTER_SET) {
                let declared: Vec<String> = match element.value() {
                    dicom_core::value::Value::Primitive(p) => {
                        p.to_multi_str().iter().map(|s| s.trim().to_string()).collect()
                    }
                    _ => Vec::new(),
                };
                return crate::dataset::charset::CodeExtensions::of(&declared);
            }
        }
        None
    }

    /// The tree's element at `index` (see [`Document::element`]).
    pub fn element(&self, index: usize) -> Option<&Change> {
        self.doc.element(index)
    }

    /// Every element of the file in file order (see [`Document::elements`]).
    pub fn elements(&self) -> impl Iterator<Item = &Change> + '_ {
        self.doc.elements()
    }

    /// How many elements the tree lists when nothing is filtered or collapsed.
    pub fn element_count(&self) -> usize {
        self.doc.element_count()
    }

    /// Whether the user changed this element's action (by tag or at its exact place).
    pub fn is_overridden(&self, entry: &Change) -> bool {
        self.override_index(entry, false).is_some() || self.override_index(entry, true).is_some()
    }

    fn override_index(&self, entry: &Change, at_path: bool) -> Option<usize> {
        let selector = self.override_selector(entry, at_path);
        self.doc.edits.overrides.iter().position(|r| r.select == selector)
    }

    /// A value as the screen shows it: pixel data by its size and frame count, never by its
    /// bytes; anything else rendered in at most `max_chars` characters (0: no limit).
    ///
    /// Text in character sets with ISO 2022 code extensions is decoded for the screen (see
    /// `charset`), and control characters are shown, never sent (see `text::visible`). The
    /// limit counts terminal columns and a cut value ends with `…`.
    pub fn value_text(&self, entry: &Change, value: &crate::dataset::Snapshot, max_chars: usize) -> String {
        if entry.path.depth() == 0 && crate::dataset::is_pixel_data(entry.path.tag) {
            let text = crate::dataset::describe_pixel_data(
                value,
                crate::dataset::frame_count(&self.doc.header.file),
            );
            return super::text::fit(&super::text::visible(&text), limit(max_chars));
        }
        let decoded = match value {
            crate::dataset::Snapshot::Primitive(p)
                if matches!(
                    **p,
                    dicom_core::PrimitiveValue::Str(_) | dicom_core::PrimitiveValue::Strs(_)
                ) =>
            {
                // Decoded whole: the reader split the values at every 0x5C byte, which is also
                // half of many JIS X 0208 characters (本, 宮, ボ).
                self.code_extensions(&entry.path).map(|ext| {
                    let parts = crate::dataset::strings_of(p);
                    ext.decode_values(&parts, entry.vr).unwrap_or(parts).join("\\")
                })
            }
            _ => None,
        };
        let text = decoded.unwrap_or_else(|| crate::dataset::render(value, entry.vr, 0));
        super::text::fit(&super::text::visible(&text), limit(max_chars))
    }

    /// The file's modality, SOP class and transfer syntax, for the status line.
    pub fn file_summary(&self) -> String {
        let summary = crate::dataset::summary(&self.doc.header.file);
        // Pixel rules that match the file say so first: what blanks its burned-in text.
        match self.matching_pixel_rules() {
            0 => summary,
            n => {
                let on = self
                    .doc
                    .profile
                    .has_option(crate::pixels::CLEAN_PIXEL_DATA_OPTION);
                format!(
                    "{n} pixel rule{} ({}) · {summary}",
                    if n == 1 { "" } else { "s" },
                    if on {
                        "clean-pixel-data on"
                    } else {
                        "clean-pixel-data off: not applied"
                    }
                )
            }
        }
    }

    /// The private creator of a private element, as the file names it.
    pub fn creator(&self, entry: &Change) -> Option<String> {
        crate::dataset::creator_at(&self.doc.header.file, &entry.path)
    }

    /// The rule a user's change becomes: by tag, so that it holds at every depth and in every
    /// file; for a private element, by creator and offset, since vendors' blocks move.
    fn override_selector(&self, entry: &Change, at_path: bool) -> Selector {
        if at_path {
            return Selector::exact_path(&entry.path);
        }
        let tag = entry.path.tag;
        match (
            crate::dataset::private::block_and_offset(tag),
            self.creator(entry),
        ) {
            (Some((_, offset)), Some(creator)) => {
                Selector::parse(&format!("({:04X},xx{offset:02X},{creator})", tag.group()))
                    .unwrap_or_else(|_| Selector::tag(tag))
            }
            _ => Selector::tag(tag),
        }
    }

    /// What the save prompt offers: the file the base profile was loaded from, or the
    /// profile's name as a file in the current folder.
    fn save_name(&self) -> String {
        match &self.doc.edits.profile_file {
            Some(path) => path.display().to_string(),
            None => format!("{}.ron", self.current_profile().name),
        }
    }

    /// Whether the overrides differ from what was last saved.
    pub fn unsaved(&self) -> bool {
        self.doc.edits.unsaved()
    }

    /// Which keys apply now.
    pub fn mode(&self) -> Mode {
        if self.prompt.is_some() {
            Mode::Prompt
        } else if self.menu.is_some() {
            Mode::Menu
        } else if self.form.is_some() {
            Mode::Form
        } else if self.help || self.explain.is_some() || self.findings_open {
            Mode::Overlay
        } else if self.image.open && self.image.drawing.is_some() {
            Mode::Draw
        } else if self.image.open {
            Mode::Image
        } else {
            Mode::Normal
        }
    }

    /// Carries out one action, then keeps the scroll positions in step with the selection at
    /// the last known terminal size: drawing only reads them.
    pub fn update(&mut self, action: Action) {
        if let Action::Resize(width, height) = action {
            self.area = ratatui::layout::Rect::new(0, 0, width, height);
        } else {
            self.update_state(action);
        }
        self.fit_view();
    }

    /// The scroll positions, page sizes and click areas for the last known size.
    fn fit_view(&mut self) {
        if self.area.is_empty() {
            return;
        }
        let (rows, name_width, page) = super::view::tree_geometry(self.area, self);
        self.tree_rows = rows;
        self.tree_name_width = name_width;
        self.page = page;
        let offset =
            super::view::scroll_offset(self.list_state.offset(), self.selected, self.rows.len(), page);
        self.list_state.select(Some(self.selected));
        *self.list_state.offset_mut() = offset;
        if let Some((last, page)) = super::view::overlay_geometry(self.area, self) {
            self.overlay_scroll = self.overlay_scroll.min(last);
            self.overlay_page = page;
        }
        self.fit_image();
    }

    fn update_state(&mut self, action: Action) {
        self.message.clear();
        if action == Action::Interrupt {
            self.quit = true;
            return;
        }
        if self.prompt.is_some() {
            self.update_prompt(action);
            return;
        }
        if self.menu.is_some() {
            self.update_menu(action);
            return;
        }
        if self.form.is_some() {
            self.update_form(action);
            return;
        }
        if self.help || self.explain.is_some() || self.findings_open {
            self.update_overlay(action);
            return;
        }
        if self.image.open && self.image.drawing.is_some() {
            self.update_draw(action);
            return;
        }
        if self.image_action(action) {
            return;
        }
        if action != Action::Quit {
            self.quit_pending = false;
        }
        let last = self.rows.len().saturating_sub(1);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(self.page),
            Action::PageDown => self.selected = (self.selected + self.page).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Collapse => self.collapse(),
            Action::Expand => self.expand(),
            Action::CycleAction => self.cycle_action(false),
            Action::CycleActionAtPath => self.cycle_action(true),
            Action::ResetAction => self.reset_action(),
            Action::ToggleHelp => self.open_help(),
            Action::Explain => self.toggle_explain(),
            Action::Undo => self.step_history(true),
            Action::Redo => self.step_history(false),
            Action::Search => self.open_prompt(PromptKind::Search),
            Action::CycleTheme => self.cycle_theme(),
            Action::ActionMenu => self.open_menu(MenuKind::Action),
            Action::OptionsMenu => self.open_menu(MenuKind::Options),
            Action::ProfileMenu => self.open_menu(MenuKind::Profile),
            Action::MenuUp | Action::MenuDown | Action::MenuPick | Action::Open => {}
            Action::ScrollUp => self.selected = self.selected.saturating_sub(3),
            Action::ScrollDown => self.selected = (self.selected + 3).min(last),
            Action::Click(column, row) => self.click(column, row),
            Action::Resize(..) => {}
            Action::NextMatch => self.find(true),
            Action::PrevMatch => self.find(false),
            Action::CycleFilter => {
                self.filter = match self.filter {
                    Filter::All => Filter::Phi,
                    Filter::Phi => Filter::Changed,
                    Filter::Changed => Filter::All,
                };
                let keep = self.selected_entry().map(|c| c.path.clone());
                self.refresh_rows();
                self.reselect(keep.as_ref());
                self.message = format!("showing {}", self.filter.label());
            }
            Action::ToggleFindings => {
                self.findings_open = true;
                self.overlay_scroll = 0;
            }
            Action::ToggleChangeList => {
                self.change_list = !self.change_list;
                self.message = if self.change_list {
                    "diff pane: every change of the profile (c: the selected element)".into()
                } else {
                    "diff pane: the selected element (c: every change)".into()
                };
            }
            Action::Save => self.open_prompt(PromptKind::SaveProfile),
            Action::Write => self.open_prompt(PromptKind::WriteOutput),
            Action::Quit if self.unsaved() && !self.quit_pending => {
                self.quit_pending = true;
                self.message =
                    "the profile has unsaved changes: q again quits without saving, s saves".into();
            }
            Action::Quit | Action::Interrupt => self.quit = true,
            Action::Cancel
            | Action::Input(_)
            | Action::Backspace
            | Action::ClearLine
            | Action::DeleteWord
            | Action::Submit
            | Action::ToggleImage
            | Action::ZoomImage
            | Action::PrevFrame
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
            | Action::MoveRect(..)
            | Action::SizeRect(..)
            | Action::FormToggle
            | Action::Drag(..)
            | Action::Release(..) => {}
        }
    }

    /// Re-plans after a change of the pixel rules, keeping the selected element.
    pub(crate) fn replan_keeping_selection(&mut self) {
        match self.selected_entry().map(|c| c.path.clone()) {
            Some(path) => self.rebuild(&path),
            None => {
                if let Err(e) = self.doc.replan() {
                    self.message = format!("error: {e}");
                }
                self.refresh_rows();
            }
        }
    }

    fn cycle_theme(&mut self) {
        let names: Vec<&str> = super::theme::BUILTIN_THEMES.iter().map(|(n, _)| *n).collect();
        let next = names
            .iter()
            .position(|n| *n == self.theme.name)
            .map_or(names[0], |i| names[(i + 1) % names.len()]);
        match super::theme::Theme::builtin(next) {
            Ok(theme) => {
                self.theme = theme;
                self.message = format!("theme {next}");
            }
            Err(e) => self.message = format!("error: {e}"),
        }
    }

    /// The keys of an open help or explanation: they scroll it or close it.
    fn update_overlay(&mut self, action: Action) {
        let page = self.overlay_page.max(1);
        let scroll = &mut self.overlay_scroll;
        match action {
            Action::Up => *scroll = scroll.saturating_sub(1),
            Action::Down => *scroll = scroll.saturating_add(1),
            Action::ScrollUp => *scroll = scroll.saturating_sub(3),
            Action::ScrollDown => *scroll = scroll.saturating_add(3),
            Action::PageUp => *scroll = scroll.saturating_sub(page),
            Action::PageDown => *scroll = scroll.saturating_add(page),
            Action::Top => *scroll = 0,
            Action::Bottom => *scroll = u16::MAX,
            // The key that opened one overlay opens it over the other.
            Action::ToggleHelp if !self.help => {
                self.explain = None;
                self.findings_open = false;
                self.open_help();
            }
            Action::Explain if self.explain.is_none() => {
                self.help = false;
                self.findings_open = false;
                self.toggle_explain();
            }
            Action::ToggleFindings if !self.findings_open => {
                self.help = false;
                self.explain = None;
                self.findings_open = true;
                self.overlay_scroll = 0;
            }
            Action::ToggleHelp | Action::Explain | Action::ToggleFindings | Action::Cancel | Action::Quit => {
                self.help = false;
                self.explain = None;
                self.findings_open = false;
            }
            _ => {}
        }
    }

    fn open_help(&mut self) {
        self.help = true;
        self.overlay_scroll = 0;
    }

    fn toggle_explain(&mut self) {
        if self.explain.take().is_some() {
            return;
        }
        self.overlay_scroll = 0;
        let Some(entry) = self.selected_entry() else {
            return;
        };
        // Every place the attribute occurs, those inside removed sequences included.
        let places: Vec<Change> = self
            .elements()
            .filter(|c| c.path.tag == entry.path.tag)
            .cloned()
            .collect();
        let creator = crate::dataset::creator_at(&self.doc.header.file, &entry.path);
        let file = crate::explain::InFile {
            entries: &places,
            creator: creator.as_deref(),
            before: Some(&self.doc.before),
            after: Some(&self.doc.after),
        };
        let text = crate::explain::explain(&entry.path, &self.doc.profile, &self.doc.edits.weights, &file);
        self.explain = Some(text.to_string());
    }

    fn open_prompt(&mut self, kind: PromptKind) {
        // A profile holds no salt: only the de-identified file needs the user's own.
        if self.doc.edits.preview_salt && kind == PromptKind::WriteOutput {
            self.message = "hashes and UIDs use a preview salt: restart with --salt-file PATH (or DPK_SALT) \
                            to write"
                .into();
            return;
        }
        let input = match kind {
            PromptKind::SaveProfile => self.save_name(),
            PromptKind::WriteOutput => match &self.doc.source {
                Some(path) => {
                    let stem = path
                        .file_stem()
                        .map_or("out".into(), |s| s.to_string_lossy().into_owned());
                    path.with_file_name(format!("{stem}_anon.dcm"))
                        .display()
                        .to_string()
                }
                None => "demo_anon.dcm".into(),
            },
            // A new query: the last one is repeated by an empty Enter, or n.
            PromptKind::Search | PromptKind::ConfirmAction => String::new(),
        };
        self.prompt = Some(Prompt {
            kind,
            input,
            confirm: false,
        });
    }

    fn update_prompt(&mut self, action: Action) {
        let Some(prompt) = self.prompt.as_mut() else {
            return;
        };
        match action {
            Action::Cancel => {
                self.prompt = None;
                self.pending = None;
                self.message = "cancelled".into();
            }
            Action::Input('y') if prompt.confirm => self.finish_prompt(),
            _ if prompt.confirm => {
                let kind = prompt.kind;
                self.prompt = None;
                self.pending = None;
                self.message = if kind == PromptKind::ConfirmAction {
                    "action not changed".into()
                } else {
                    "not overwritten".into()
                };
            }
            Action::Input(c) => prompt.input.push(c),
            Action::Backspace => {
                prompt.input.pop();
            }
            Action::ClearLine => prompt.input.clear(),
            Action::DeleteWord => {
                let trimmed = prompt.input.trim_end_matches([' ', '/']);
                let cut = trimmed.rfind([' ', '/']).map_or(0, |i| i + 1);
                prompt.input.truncate(cut);
            }
            Action::Submit if prompt.kind == PromptKind::Search && prompt.input.is_empty() => {
                self.prompt = None;
                self.find(true);
            }
            Action::Submit if prompt.input.trim().is_empty() => {}
            Action::Submit => {
                if prompt.kind != PromptKind::Search && std::path::Path::new(prompt.input.trim()).exists() {
                    prompt.confirm = true;
                } else {
                    self.finish_prompt();
                }
            }
            _ => {}
        }
    }

    fn finish_prompt(&mut self) {
        let Some(prompt) = self.prompt.take() else { return };
        if prompt.kind == PromptKind::Search {
            self.search = prompt.input;
            self.find(true);
            return;
        }
        if prompt.kind == PromptKind::ConfirmAction {
            if let Some((entry, action, at_path)) = self.pending.take() {
                self.apply_action(&entry, action, at_path);
            }
            return;
        }
        let path = std::path::PathBuf::from(prompt.input.trim());
        let result = match prompt.kind {
            PromptKind::Search | PromptKind::ConfirmAction => return,
            PromptKind::SaveProfile => self.save_profile(&path),
            PromptKind::WriteOutput => self.write_output(&path),
        };
        self.message = match result {
            Ok(done) => done,
            Err(e) => format!("error: {e}"),
        };
    }

    fn save_profile(&mut self, path: &std::path::Path) -> crate::Result<String> {
        let text = self.current_profile().to_ron();
        crate::dataset::write_atomic_with(path, crate::dataset::Durability::EachFile, |f| {
            use std::io::Write;
            f.write_all(text.as_bytes()).map_err(|source| crate::Error::Io {
                path: path.to_path_buf(),
                source,
            })
        })?;
        self.doc.edits.saved = self.doc.edits.overrides.clone();
        self.doc.edits.saved_pixel_rules = self.doc.edits.pixel_rules.clone();
        let rules = self.doc.edits.pixel_rules.len();
        if rules > 0 {
            return Ok(format!(
                "profile saved to {} with {rules} pixel rule{} (applied by its option clean-pixel-data)",
                path.display(),
                if rules == 1 { "" } else { "s" }
            ));
        }
        Ok(format!("profile saved to {}", path.display()))
    }

    fn write_output(&self, path: &std::path::Path) -> crate::Result<String> {
        let same = |a: &std::path::Path, b: &std::path::Path| {
            a.canonicalize()
                .ok()
                .zip(b.canonicalize().ok())
                .is_some_and(|(a, b)| a == b)
        };
        if let Some(source) = &self.doc.source {
            if same(source, path) {
                return Ok("refused: the output would overwrite the input".into());
            }
        }
        // The screen holds the header only: the pixel data is copied from the source.
        let plan = match &self.doc.source {
            Some(source) => crate::anonymize_file(source, path, &self.doc.profile, &self.doc.edits.ctx)?,
            None => {
                let file = crate::dataset::open_bytes(super::DEMO, "demo.dcm")?;
                let plan = crate::plan(&file, &self.doc.profile, &self.doc.edits.ctx)?;
                crate::dataset::write_atomic(&crate::apply(&plan, file)?, path)?;
                plan
            }
        };
        Ok(format!(
            "wrote {} ({} elements changed)",
            path.display(),
            plan.change_count()
        ))
    }

    fn collapse(&mut self) {
        let Some(row) = self.rows.get(self.selected).cloned() else {
            return;
        };
        let Some(path) = self.element(row.entry).map(|c| c.path.clone()) else {
            return;
        };
        // The start of an item: its sequence is the parent.
        let parent = if row.item.is_some() {
            Some(path.clone())
        } else {
            parent_of(&path)
        };
        if row.item.is_none() && row.has_children && !self.collapsed.contains(&path) {
            self.collapsed.insert(path);
            self.refresh_rows();
        } else if let Some(parent) = parent {
            // Already closed, or a leaf: go to the enclosing sequence.
            if let Some(i) = self.row_of(&parent) {
                self.selected = i;
            }
        }
    }

    /// The row of the element at `path`, if shown.
    fn row_of(&self, path: &TagPath) -> Option<usize> {
        self.rows
            .iter()
            .position(|r| r.item.is_none() && self.element(r.entry).is_some_and(|c| &c.path == path))
    }

    fn expand(&mut self) {
        let Some(entry) = self.selected_entry() else {
            return;
        };
        let path = entry.path.clone();
        if self.collapsed.remove(&path) {
            self.refresh_rows();
        }
    }

    /// A click in the tree selects the row; a click on its action badge also cycles it.
    fn click(&mut self, column: u16, row: u16) {
        let area = self.tree_rows;
        let inside =
            column >= area.x && column < area.x + area.width && row >= area.y && row < area.y + area.height;
        if !inside {
            return;
        }
        let index = self.list_state.offset() + usize::from(row - area.y);
        let Some(row) = self.rows.get(index).cloned() else {
            return;
        };
        self.selected = index;
        if row.item.is_some() {
            return;
        }
        let badge = usize::from(column - area.x)
            .checked_sub(super::view::badge_column(self.tree_name_width, row.depth));
        if badge.is_some_and(|b| b < super::view::BADGE_WIDTH) {
            self.cycle_action(false);
        }
    }

    /// The selected element, when the user may change its action.
    fn editable_entry(&mut self) -> Option<Change> {
        let entry = self.selected_entry().cloned()?;
        if entry.path.is_meta() || entry.before.is_none() {
            self.message = "this element is written by dpk; its action cannot be changed".into();
            return None;
        }
        Some(entry)
    }

    /// The actions that mean something for the element's VR, in cycling order.
    fn valid_actions(entry: &Change) -> Vec<RuleAction> {
        CONCRETE_ACTIONS
            .iter()
            .copied()
            .filter(|a| a.fits_vr(entry.vr) && (entry.vr != dicom_core::VR::SQ || sequence_action(*a)))
            .filter(|a| *a != RuleAction::Clean || RuleAction::cleans_in_place(entry.vr))
            .collect()
    }

    fn cycle_action(&mut self, at_path: bool) {
        let Some(entry) = self.editable_entry() else {
            return;
        };
        let current = self.own_action(&entry);
        let valid = Self::valid_actions(&entry);
        let next = valid
            .iter()
            .position(|a| *a == current)
            .map_or(RuleAction::Keep, |i| valid[(i + 1) % valid.len()]);
        self.set_action(&entry, next, at_path);
    }

    /// The action the element's own rule gives it, which the user's changes start from. For an
    /// element that goes with a removed sequence, the action it would have in a kept one.
    fn own_action(&self, entry: &Change) -> RuleAction {
        let with_sequence = self.doc.removed_sequence_around(&entry.path).is_some();
        entry
            .decision
            .as_ref()
            .map_or(RuleAction::Keep, |d| match d.requested {
                Some(asked) if with_sequence => asked,
                _ => d.action,
            })
    }

    /// Makes `action` the user's rule for the element's tag, or for its exact place; an
    /// action that would break the image (any but keep, on pixel data) asks first.
    fn set_action(&mut self, entry: &Change, action: RuleAction, at_path: bool) {
        let pixels = entry.path.depth() == 0
            && matches!(
                entry.path.tag,
                dicom_dictionary_std::tags::PIXEL_DATA
                    | dicom_dictionary_std::tags::FLOAT_PIXEL_DATA
                    | dicom_dictionary_std::tags::DOUBLE_FLOAT_PIXEL_DATA
            );
        if pixels && action != RuleAction::Keep {
            self.pending = Some((entry.clone(), action, at_path));
            self.prompt = Some(Prompt {
                kind: PromptKind::ConfirmAction,
                input: format!(
                    "{} {} → {}: the file would have no usable image. Sure?",
                    entry.path,
                    entry.keyword,
                    action.label()
                ),
                confirm: true,
            });
            return;
        }
        self.apply_action(entry, action, at_path);
    }

    fn apply_action(&mut self, entry: &Change, action: RuleAction, at_path: bool) {
        let select = self.override_selector(entry, at_path);
        let rule = Rule {
            select: select.clone(),
            action,
        };
        let mut next_overrides = self.doc.edits.overrides.clone();
        match self.override_index(entry, at_path) {
            Some(i) => next_overrides[i] = rule,
            None => next_overrides.push(rule),
        }
        self.set_overrides(next_overrides, &entry.path);
        let touched = if at_path {
            1
        } else {
            self.elements()
                .filter(|c| c.path.tag == entry.path.tag && self.override_selector(c, false) == select)
                .count()
        };
        let plural = if touched == 1 { "" } else { "s" };
        self.message = if at_path {
            format!("{} → {} (this place only)", entry.path, action.label())
        } else {
            format!(
                "{} {} → {} at every depth: a rule for {}, {touched} element{plural}",
                tag_string(entry.path.tag),
                entry.keyword,
                action.label(),
                select
            )
        };
        // The rule is kept as asked, but an element goes with a sequence that is removed.
        if let Some(sequence) = self.doc.removed_sequence_around(&entry.path) {
            let what = if sequence.kind == ChangeKind::Emptied {
                "emptied"
            } else {
                "removed"
            };
            self.message.push_str(&format!(
                "; takes effect only if the sequence {} is kept (now {what})",
                sequence.path
            ));
        }
    }

    fn open_menu(&mut self, kind: MenuKind) {
        let (items, about, current): MenuLines = match kind {
            MenuKind::Action => {
                let Some(entry) = self.editable_entry() else {
                    return;
                };
                let own = self.own_action(&entry);
                let valid = Self::valid_actions(&entry);
                (
                    valid.iter().map(|a| (a.label().to_string(), None)).collect(),
                    valid
                        .iter()
                        .map(|a| super::describe::action(*a).to_string())
                        .collect(),
                    valid.iter().position(|a| *a == own),
                )
            }
            MenuKind::Options => (
                crate::profile::OPTIONS
                    .iter()
                    .map(|o| {
                        (
                            o.name.to_string(),
                            Some(self.doc.edits.base.options.iter().any(|n| n == o.name)),
                        )
                    })
                    .collect(),
                crate::profile::OPTIONS
                    .iter()
                    .map(|o| super::describe::option(o.name).to_string())
                    .collect(),
                None,
            ),
            MenuKind::Profile => {
                let choices = profile_choices();
                let current = choices.iter().position(|p| *p == self.doc.edits.base.name);
                let about = choices
                    .iter()
                    .map(|p| match crate::profile::builtin::profile_text(p) {
                        Some(_) => "built in".to_string(),
                        None => "a profile file".to_string(),
                    })
                    .collect();
                (choices.into_iter().map(|p| (p, None)).collect(), about, current)
            }
        };
        self.menu = Some(Menu {
            kind,
            items,
            about,
            selected: current.unwrap_or(0),
            current,
        });
    }

    fn update_menu(&mut self, action: Action) {
        let Some(menu) = self.menu.as_mut() else { return };
        let last = menu.items.len().saturating_sub(1);
        match action {
            Action::MenuUp => menu.selected = menu.selected.saturating_sub(1),
            Action::MenuDown => menu.selected = (menu.selected + 1).min(last),
            Action::Cancel => self.menu = None,
            Action::MenuPick => {
                let (kind, choice) = (menu.kind, menu.items.get(menu.selected).map(|(l, _)| l.clone()));
                let Some(choice) = choice else { return };
                match kind {
                    MenuKind::Action => {
                        self.menu = None;
                        let chosen = CONCRETE_ACTIONS.iter().copied().find(|a| a.label() == choice);
                        if let (Some(entry), Some(action)) = (self.selected_entry().cloned(), chosen) {
                            self.set_action(&entry, action, false);
                        }
                    }
                    MenuKind::Options => self.toggle_option(&choice),
                    MenuKind::Profile => {
                        self.menu = None;
                        self.pick_profile(&choice);
                    }
                }
            }
            _ => {}
        }
    }

    fn toggle_option(&mut self, name: &str) {
        let before = self.doc.edits.base.options.clone();
        match self.doc.edits.base.options.iter().position(|o| o == name) {
            Some(i) => {
                self.doc.edits.base.options.remove(i);
            }
            None => self.doc.edits.base.options.push(name.to_string()),
        }
        let keep = self.selected_entry().map(|c| c.path.clone());
        if let Err(e) = self.current_profile().resolve() {
            self.doc.edits.base.options = before;
            self.message = format!("error: {e}");
            return;
        }
        if let Some(path) = keep {
            self.rebuild(&path);
        }
        if let Some(menu) = self.menu.as_mut() {
            for (label, on) in &mut menu.items {
                *on = Some(self.doc.edits.base.options.iter().any(|o| o == label));
            }
        }
        self.message = format!(
            "options: {}",
            if self.doc.edits.base.options.is_empty() {
                "none".into()
            } else {
                self.doc.edits.base.options.join(", ")
            }
        );
    }

    fn pick_profile(&mut self, spec: &str) {
        match Profile::named_or_file(spec) {
            Ok(profile) => {
                let previous = std::mem::replace(&mut self.doc.edits.base, profile);
                let keep = self.selected_entry().map(|c| c.path.clone());
                if let Err(e) = self.current_profile().resolve() {
                    self.doc.edits.base = previous;
                    self.message = format!("error: {e}");
                    return;
                }
                if let Some(path) = keep {
                    self.rebuild(&path);
                }
                self.doc.edits.profile_file = crate::profile::builtin::profile_text(spec)
                    .is_none()
                    .then(|| std::path::PathBuf::from(spec));
                self.message = format!("base profile: {spec}");
            }
            Err(e) => self.message = format!("error: {e}"),
        }
    }

    fn reset_action(&mut self) {
        let Some(entry) = self.selected_entry().cloned() else {
            return;
        };
        if self.is_overridden(&entry) {
            let drop = [
                self.override_selector(&entry, false),
                self.override_selector(&entry, true),
            ];
            let next_overrides = self
                .doc
                .edits
                .overrides
                .iter()
                .filter(|r| !drop.contains(&r.select))
                .cloned()
                .collect();
            self.set_overrides(next_overrides, &entry.path);
            self.message = format!("{}: back to the profile's action", entry.path);
        }
    }

    /// Every change of overrides goes through here, so that it can be undone.
    fn set_overrides(&mut self, overrides: Vec<Rule>, keep: &TagPath) {
        self.doc
            .edits
            .history
            .push(std::mem::replace(&mut self.doc.edits.overrides, overrides));
        self.doc.edits.future.clear();
        self.rebuild(keep);
    }

    fn step_history(&mut self, back: bool) {
        let (from, to) = if back {
            (&mut self.doc.edits.history, &mut self.doc.edits.future)
        } else {
            (&mut self.doc.edits.future, &mut self.doc.edits.history)
        };
        let Some(state) = from.pop() else {
            self.message = if back {
                "nothing to undo"
            } else {
                "nothing to redo"
            }
            .into();
            return;
        };
        to.push(std::mem::replace(&mut self.doc.edits.overrides, state));
        let keep = self.selected_entry().map(|c| c.path.clone());
        if let Some(path) = keep {
            self.rebuild(&path);
        }
        self.message = if back { "undone" } else { "redone" }.into();
    }

    /// Whether an element's tag, keyword, attribute name or value (as the screen shows it)
    /// contains the search text, in any case.
    fn element_matches(&self, c: &Change, needle: &str) -> bool {
        let value = c
            .before
            .as_ref()
            .map(|v| self.value_text(c, v, 0))
            .unwrap_or_default();
        let name = super::names::attribute_name(c.path.tag).unwrap_or_default();
        [
            tag_string(c.path.tag),
            c.keyword.to_string(),
            crate::risk::words(c.keyword),
            name.to_string(),
            value,
        ]
        .iter()
        .any(|h| h.to_lowercase().contains(needle))
    }

    /// The next (or previous) element that matches the search, among every element of the
    /// file whatever the filter or folding; the filter and folds give way to show it.
    fn find(&mut self, forward: bool) {
        if self.search.is_empty() {
            self.message = "no search: / searches".into();
            return;
        }
        let needle = self.search.to_lowercase();
        let hits: Vec<usize> = (0..self.doc.element_count())
            .filter(|&i| self.element(i).is_some_and(|c| self.element_matches(c, &needle)))
            .collect();
        if hits.is_empty() {
            self.message = format!("'{}' not found", self.search);
            return;
        }
        let here = self.rows.get(self.selected).map(|r| r.entry);
        let on_element = self.rows.get(self.selected).is_some_and(|r| r.item.is_none());
        let (k, wrapped) = match (here, forward) {
            (None, _) => (0, false),
            (Some(h), true) => match hits.iter().position(|&i| i > h || (i == h && !on_element)) {
                Some(k) => (k, false),
                None => (0, true),
            },
            (Some(h), false) => match hits.iter().rposition(|&i| i < h) {
                Some(k) => (k, false),
                None => (hits.len() - 1, true),
            },
        };
        let target = hits[k];
        self.show_entry(target);
        if let Some(i) = self
            .rows
            .iter()
            .position(|r| r.entry == target && r.item.is_none())
        {
            self.selected = i;
        }
        let wrap = match (wrapped, forward) {
            (true, true) => " (wrapped to the top)",
            (true, false) => " (wrapped to the bottom)",
            _ => "",
        };
        self.message = format!("'{}': match {}/{}{wrap}", self.search, k + 1, hits.len());
    }

    /// Makes the element at `entry` a shown row: unfolds its sequences and, if the filter
    /// hides it, shows every element.
    fn show_entry(&mut self, entry: usize) {
        let Some(path) = self.element(entry).map(|c| c.path.clone()) else {
            return;
        };
        for depth in 0..path.depth() {
            self.collapsed.remove(&ancestor(&path, depth));
        }
        self.refresh_rows();
        if !self.rows.iter().any(|r| r.entry == entry) {
            self.filter = Filter::All;
            self.refresh_rows();
        }
    }

    /// Whether an element matches the search, for highlighting (empty search: none).
    pub fn search_needle(&self) -> Option<String> {
        (!self.search.is_empty()).then(|| self.search.to_lowercase())
    }

    fn reselect(&mut self, path: Option<&TagPath>) {
        if let Some(i) = path.and_then(|p| self.row_of(p)) {
            self.selected = i;
        }
    }

    /// The profile the screen shows: the base with the user's overrides as rules by tag.
    pub fn current_profile(&self) -> Profile {
        self.doc.edits.current_profile()
    }

    /// Re-plans and re-scores after a change, keeping the selection on `keep`.
    fn rebuild(&mut self, keep: &TagPath) {
        match self.doc.replan() {
            Ok(()) => {
                self.refresh_rows();
                self.reselect(Some(keep));
            }
            Err(e) => self.message = format!("error: {e}"),
        }
    }

    fn refresh_rows(&mut self) {
        let elements: Vec<(&Change, bool)> = self.doc.listed_elements().collect();
        let shown_by_filter = |c: &Change| match self.filter {
            Filter::All => true,
            Filter::Changed => c.is_change(),
            Filter::Phi => {
                c.is_change()
                    || crate::risk::category_of(c.path.tag, Some(c.vr)).is_some()
                    || crate::dataset::private::is_private(c.path.tag)
            }
        };
        // A filtered view keeps the sequences that lead to what it shows.
        let mut ancestors: BTreeSet<TagPath> = BTreeSet::new();
        if self.filter != Filter::All {
            for (c, _) in elements.iter().filter(|(c, _)| shown_by_filter(c)) {
                for depth in 0..c.path.depth() {
                    ancestors.insert(ancestor(&c.path, depth));
                }
            }
        }
        let folded =
            |c: &Change| (0..c.path.depth()).any(|depth| self.collapsed.contains(&ancestor(&c.path, depth)));
        // Each sequence's place in the list and how many items it has, for the rows that
        // start items: looked up once, so that a file of many nested elements lists in one pass.
        let sequences: std::collections::HashMap<&TagPath, (usize, usize)> = elements
            .iter()
            .enumerate()
            .filter_map(|(i, (c, _))| match c.before {
                Some(Snapshot::Items(n)) => Some((&c.path, (i, n))),
                _ => None,
            })
            .collect();
        let mut rows = Vec::new();
        let mut started: BTreeSet<(TagPath, u32)> = BTreeSet::new();
        for (i, (c, with_sequence)) in elements.iter().enumerate() {
            if !(shown_by_filter(c) || ancestors.contains(&c.path)) || folded(c) {
                continue;
            }
            let depth = c.path.depth();
            if let Some(step) = c.path.items.last() {
                let sequence = ancestor(&c.path, depth - 1);
                if let Some(&(seq_index, items)) = sequences.get(&sequence) {
                    if items > 1 && started.insert((sequence, step.item)) {
                        rows.push(Row {
                            entry: seq_index,
                            depth,
                            has_children: false,
                            with_sequence: *with_sequence,
                            item: Some(step.item),
                            items,
                        });
                    }
                }
            }
            rows.push(Row {
                entry: i,
                depth,
                has_children: elements.get(i + 1).is_some_and(|(n, _)| n.path.depth() > depth),
                with_sequence: *with_sequence,
                item: None,
                items: 0,
            });
        }
        self.rows = rows;
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }
}

/// A limit of columns: 0 means none.
fn limit(max_chars: usize) -> usize {
    if max_chars == 0 {
        usize::MAX
    } else {
        max_chars
    }
}

/// Actions that mean something for a whole sequence.
fn sequence_action(a: RuleAction) -> bool {
    matches!(a, RuleAction::Keep | RuleAction::Remove | RuleAction::Empty)
}

/// The path of the sequence at `depth` enclosing `path`.
fn ancestor(path: &TagPath, depth: usize) -> TagPath {
    TagPath {
        items: path.items[..depth].to_vec(),
        tag: path.items[depth].sequence,
    }
}

fn parent_of(path: &TagPath) -> Option<TagPath> {
    (!path.items.is_empty()).then(|| ancestor(path, path.items.len() - 1))
}

/// The base profiles to offer: the built-ins, then RON files under `profiles/` (and its
/// `examples/`) of the current folder.
fn profile_choices() -> Vec<String> {
    let mut out: Vec<String> = crate::profile::builtin::BUILTIN_PROFILES
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    for dir in ["profiles", "profiles/examples"] {
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "ron"))
            .filter(|p| crate::profile::Profile::load(p).is_ok_and(|prof| prof.method.is_none()))
            .map(|p| p.display().to_string())
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}
