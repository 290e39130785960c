//! The study browser: a folder's files grouped study → series → instance, each with its risk
//! before → after the profile being built, and the whole folder's risk. Enter opens a file's
//! tag tree (see `app`); Esc there comes back. The profile being built ([`Edits`]) is one for
//! every file: a change made in one file's tree re-plans every file.
//!
//! [`Inspector`] is what the program runs: the browser, the open tree, or both.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::app::{Action, App, Mode};
use super::document::Edits;
use super::folder::{assess, Identity, Loaded, LoadedFile, Loader, SharedProfile};
use crate::dataset::Header;
use crate::risk::Level;
use std::sync::{Arc, Mutex};

/// How many messages from the loader one tick takes in.
pub const DRAIN_BATCH: usize = 200;

/// How many files one tick re-plans after a change of the profile.
pub const REPLAN_BATCH: usize = 8;

/// How many files are at each level, worst first (levels with none left out).
pub type LevelCounts = Vec<(Level, usize)>;

/// One file of the folder.
pub struct FileEntry {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its header; `None` while its tree is open (the tree holds it).
    header: Option<Header>,
    /// Its identifiers.
    pub ids: Identity,
    /// Risk of the file as it is.
    pub before: (f64, Level),
    /// What the profile does to it, at the version it was worked out for.
    pub assessment: super::folder::Assessment,
}

/// A series: its files, in the order they were read.
pub struct Series {
    /// Series Instance UID (None: the files had none).
    pub uid: Option<String>,
    /// Indexes into [`Browser::files`].
    pub files: Vec<usize>,
}

/// A study: its series, in the order they were first seen.
pub struct Study {
    /// Study Instance UID (None: the files had none).
    pub uid: Option<String>,
    /// Its series.
    pub series: Vec<Series>,
}

impl Study {
    /// Every file of the study.
    pub fn files(&self) -> impl Iterator<Item = usize> + '_ {
        self.series.iter().flat_map(|s| s.files.iter().copied())
    }
}

/// One line of the browser.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrowserRow {
    /// A study (index into [`Browser::studies`]).
    Study(usize),
    /// A series: (study, series).
    Series(usize, usize),
    /// A file (index into [`Browser::files`]).
    File(usize),
    /// A file that could not be read (index into [`Browser::failures`]).
    Failed(usize),
}

/// How a new UID is shared by the files that had the same one: one UID for all, or several.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapped {
    /// Every file's plan gives this UID.
    One(String),
    /// The plans give different UIDs (or some remove it): how many different ones.
    Several(usize),
    /// No file's plan has it (removed, or not worked out yet).
    None,
}

/// The folder's state.
pub struct Browser {
    /// What was opened, as the user named it.
    pub title: String,
    /// Files read so far.
    pub files: Vec<FileEntry>,
    /// Files that could not be read: path and why.
    pub failures: Vec<(PathBuf, String)>,
    /// Studies, grouped as files arrive.
    pub studies: Vec<Study>,
    /// How many files the loader found (None: still looking).
    pub found: Option<usize>,
    loader: Option<Loader>,
    /// The profile the loader scores new files with.
    shared: SharedProfile,
    /// The profile being built, while no tree has it.
    pub edits: Edits,
    /// Folded studies and series (by their row).
    collapsed: BTreeSet<(usize, Option<usize>)>,
    /// The lines shown.
    pub rows: Vec<BrowserRow>,
    /// The selected line.
    pub selected: usize,
    /// The first line shown.
    pub offset: usize,
    /// Lines a page moves, at the last known size.
    pub page: usize,
    /// The terminal size as last known.
    pub area: ratatui::layout::Rect,
    /// Whether the key help is shown.
    pub help: bool,
    /// How far the help is scrolled.
    pub help_scroll: u16,
    /// A one-line message for the status line.
    pub message: String,
    /// The colours.
    pub theme: super::theme::Theme,
    /// Set after a first `q` with unsaved changes.
    quit_pending: bool,
    /// Whether the user has moved the selection (until then it stays on the first line).
    moved: bool,
    /// How many files the screen has re-planned after changes (the loader scores the files
    /// it reads after a change itself).
    pub replanned: usize,
}

impl Browser {
    /// Opens a browser on `inputs` (folders or files): loading starts on a worker thread and
    /// this returns at once, with nothing loaded yet.
    pub fn open(title: String, inputs: Vec<PathBuf>, edits: Edits) -> crate::Result<Browser> {
        let shared: SharedProfile = Arc::new(Mutex::new((edits.generation, edits.base.resolve()?)));
        let loader = Loader::start(
            inputs,
            Arc::clone(&shared),
            edits.ctx.clone(),
            edits.weights.clone(),
        )
        .map_err(|source| crate::Error::Io {
            path: PathBuf::from(&title),
            source,
        })?;
        Ok(Browser {
            title,
            files: Vec::new(),
            failures: Vec::new(),
            studies: Vec::new(),
            found: None,
            loader: Some(loader),
            shared,
            edits,
            collapsed: BTreeSet::new(),
            rows: Vec::new(),
            selected: 0,
            offset: 0,
            page: 10,
            area: ratatui::layout::Rect::default(),
            help: false,
            help_scroll: 0,
            message: String::new(),
            theme: super::theme::Theme::dark(),
            quit_pending: false,
            moved: false,
            replanned: 0,
        })
    }

    /// Gives the loader the profile being built, for the files it has still to read.
    fn share_profile(&mut self) {
        match self.edits.current_profile().resolve() {
            Ok(profile) => {
                let mut shared = match self.shared.lock() {
                    Ok(shared) => shared,
                    Err(poisoned) => poisoned.into_inner(),
                };
                *shared = (self.edits.generation, profile);
            }
            Err(e) => self.message = format!("error: {e}"),
        }
    }

    /// Whether the loader has sent every file.
    pub fn loaded(&self) -> bool {
        self.loader.as_ref().is_none_or(|l| l.finished)
    }

    /// How many files are out of date with the profile (their risk after is being re-worked).
    pub fn stale(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.assessment.generation != self.edits.generation)
            .count()
    }

    /// Work between keys: takes in what the loader sent (a batch at most) and re-plans a few
    /// files out of date with the profile. Returns whether work remains.
    pub fn tick(&mut self) -> bool {
        if let Some(loader) = self.loader.as_mut() {
            let batch = loader.drain(DRAIN_BATCH);
            if !batch.is_empty() {
                for message in batch {
                    self.take(message);
                }
                self.refresh_rows();
            }
        }
        self.replan(REPLAN_BATCH);
        !self.loaded() || self.stale() > 0
    }

    /// Runs [`Browser::tick`] until the folder is loaded and every file is up to date: for
    /// tests and for a caller that can wait.
    pub fn settle(&mut self) {
        while self.tick() {
            if !self.loaded() {
                std::thread::yield_now();
            }
        }
    }

    fn take(&mut self, message: Loaded) {
        match message {
            Loaded::Found(n) => self.found = Some(n),
            Loaded::Failed(path, why) => self.failures.push((path, why)),
            Loaded::File(file) => self.add(*file),
            Loaded::Done => {}
        }
    }

    fn add(&mut self, file: LoadedFile) {
        let index = self.files.len();
        let study = match self.studies.iter().position(|s| s.uid == file.ids.study_uid) {
            Some(i) => i,
            None => {
                self.studies.push(Study {
                    uid: file.ids.study_uid.clone(),
                    series: Vec::new(),
                });
                self.studies.len() - 1
            }
        };
        let series = &mut self.studies[study].series;
        match series.iter_mut().find(|s| s.uid == file.ids.series_uid) {
            Some(s) => s.files.push(index),
            None => series.push(Series {
                uid: file.ids.series_uid.clone(),
                files: vec![index],
            }),
        }
        self.files.push(FileEntry {
            path: file.path,
            header: Some(file.header),
            ids: file.ids,
            before: file.before,
            assessment: file.assessment,
        });
    }

    /// Re-plans up to `limit` files out of date with the profile.
    fn replan(&mut self, limit: usize) {
        let generation = self.edits.generation;
        if self.files.iter().all(|f| f.assessment.generation == generation) {
            return;
        }
        let profile = match self.edits.current_profile().resolve() {
            Ok(p) => p,
            Err(e) => {
                self.message = format!("error: {e}");
                return;
            }
        };
        let mut done = 0;
        for file in self.files.iter_mut() {
            if done == limit {
                break;
            }
            if file.assessment.generation == generation {
                continue;
            }
            // A file whose tree is open is re-planned when it comes back.
            let Some(header) = &file.header else { continue };
            file.assessment = assess(header, &profile, &self.edits.ctx, &self.edits.weights, generation);
            done += 1;
            self.replanned += 1;
        }
    }

    /// The plan the profile being built gives file `index`, made now: what its tree would show.
    pub fn plan_of(&self, index: usize) -> crate::Result<crate::Plan> {
        let file = self
            .files
            .get(index)
            .and_then(|f| f.header.as_ref())
            .ok_or_else(|| crate::Error::Open {
                path: self.files.get(index).map(|f| f.path.clone()).unwrap_or_default(),
                reason: "not loaded".into(),
            })?;
        crate::plan_anonymize(file, &self.edits.current_profile().resolve()?, &self.edits.ctx)
    }

    /// How many series the folder has.
    pub fn series_count(&self) -> usize {
        self.studies.iter().map(|s| s.series.len()).sum()
    }

    /// The new UID the files of `files` map an old one to, by their plans.
    pub fn mapped(
        &self,
        files: impl Iterator<Item = usize>,
        pick: fn(&super::folder::Assessment) -> &Option<String>,
    ) -> Mapped {
        let news: BTreeSet<Option<&String>> = files
            .filter_map(|i| self.files.get(i))
            .map(|f| pick(&f.assessment).as_ref())
            .collect();
        match news.len() {
            0 => Mapped::None,
            1 => match news.into_iter().next().flatten() {
                Some(uid) => Mapped::One(uid.clone()),
                None => Mapped::None,
            },
            n => Mapped::Several(n),
        }
    }

    /// The number of files at each level, before and after (up to date or not), worst first.
    pub fn levels(&self) -> (LevelCounts, LevelCounts) {
        let count = |levels: Vec<Level>| {
            let mut out: LevelCounts = Vec::new();
            for level in [Level::Critical, Level::High, Level::Medium, Level::Low] {
                let n = levels.iter().filter(|l| **l == level).count();
                if n > 0 {
                    out.push((level, n));
                }
            }
            out
        };
        let before = count(self.files.iter().map(|f| f.before.1).collect());
        let after = count(
            self.files
                .iter()
                .filter_map(|f| f.assessment.after.as_ref().ok().map(|a| a.1))
                .collect(),
        );
        (before, after)
    }

    /// How many files the profile could not plan.
    pub fn plan_failures(&self) -> usize {
        self.files.iter().filter(|f| f.assessment.after.is_err()).count()
    }

    fn refresh_rows(&mut self) {
        let keep = self.rows.get(self.selected).copied();
        let mut rows = Vec::new();
        for (s, study) in self.studies.iter().enumerate() {
            rows.push(BrowserRow::Study(s));
            if self.collapsed.contains(&(s, None)) {
                continue;
            }
            for (r, series) in study.series.iter().enumerate() {
                rows.push(BrowserRow::Series(s, r));
                if self.collapsed.contains(&(s, Some(r))) {
                    continue;
                }
                rows.extend(series.files.iter().map(|&f| BrowserRow::File(f)));
            }
        }
        rows.extend((0..self.failures.len()).map(BrowserRow::Failed));
        self.rows = rows;
        // The selection stays on its line as files arrive and groups fold; until the user
        // moves, it stays on the first line.
        if !self.moved {
            self.selected = 0;
        } else if let Some(i) = keep.and_then(|k| self.rows.iter().position(|r| *r == k)) {
            self.selected = i;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.fit_view();
    }

    /// Keeps the selection in view at the last known size (drawing only reads the offset).
    fn fit_view(&mut self) {
        if self.area.is_empty() {
            return;
        }
        self.page = super::browser_view::list_height(self.area);
        self.offset = super::view::scroll_offset(self.offset, self.selected, self.rows.len(), self.page);
        if self.help {
            let (last, _) = super::browser_view::help_geometry(self.area);
            self.help_scroll = self.help_scroll.min(last);
        }
    }

    /// Which keys apply.
    pub fn mode(&self) -> Mode {
        if self.help {
            Mode::Overlay
        } else {
            Mode::Browser
        }
    }

    /// Whether a study (`series` None) or one of its series is folded.
    pub fn is_folded(&self, study: usize, series: Option<usize>) -> bool {
        self.collapsed.contains(&(study, series))
    }

    /// The file of the selected row, if it is one.
    pub fn selected_file(&self) -> Option<usize> {
        match self.rows.get(self.selected) {
            Some(BrowserRow::File(i)) => Some(*i),
            _ => None,
        }
    }

    /// Selects the row of file `index`.
    pub fn select_file(&mut self, index: usize) {
        if let Some(i) = self.rows.iter().position(|r| *r == BrowserRow::File(index)) {
            self.selected = i;
            self.moved = true;
            self.fit_view();
        }
    }

    /// The study or series the selected row is, or is in: its fold key.
    fn fold_key(&self) -> Option<(usize, Option<usize>)> {
        match *self.rows.get(self.selected)? {
            BrowserRow::Study(s) => Some((s, None)),
            BrowserRow::Series(s, r) => Some((s, Some(r))),
            BrowserRow::File(f) => self.studies.iter().enumerate().find_map(|(s, study)| {
                study
                    .series
                    .iter()
                    .position(|series| series.files.contains(&f))
                    .map(|r| (s, Some(r)))
            }),
            BrowserRow::Failed(_) => None,
        }
    }

    fn row_of_key(&self, key: (usize, Option<usize>)) -> Option<usize> {
        self.rows.iter().position(|r| match (key, r) {
            ((s, None), BrowserRow::Study(t)) => s == *t,
            ((s, Some(r)), BrowserRow::Series(t, u)) => s == *t && r == *u,
            _ => false,
        })
    }

    /// Carries out one key's action on the browser. `Open` is the caller's (it opens a tree).
    pub fn update(&mut self, action: Action) {
        if let Action::Resize(width, height) = action {
            self.area = ratatui::layout::Rect::new(0, 0, width, height);
            self.fit_view();
            return;
        }
        self.message.clear();
        self.quit_pending &= action == Action::Quit;
        if self.help {
            let page = self.page.max(1) as u16;
            match action {
                Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                Action::Down => self.help_scroll = self.help_scroll.saturating_add(1),
                Action::PageUp => self.help_scroll = self.help_scroll.saturating_sub(page),
                Action::PageDown => self.help_scroll = self.help_scroll.saturating_add(page),
                Action::Top => self.help_scroll = 0,
                Action::Bottom => self.help_scroll = u16::MAX,
                Action::ToggleHelp | Action::Cancel | Action::Quit => self.help = false,
                _ => {}
            }
            self.fit_view();
            return;
        }
        let last = self.rows.len().saturating_sub(1);
        self.moved = true;
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(self.page.max(1)),
            Action::PageDown => self.selected = (self.selected + self.page.max(1)).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::Collapse => {
                if let Some(key) = self.fold_key() {
                    let on_group = self.row_of_key(key) == Some(self.selected);
                    if on_group && self.collapsed.insert(key) {
                        self.refresh_rows();
                    } else {
                        // Folded already, or a file: go to the group above.
                        let parent = if on_group { (key.0, None) } else { key };
                        if let Some(i) = self.row_of_key(parent) {
                            self.selected = i;
                        }
                    }
                }
            }
            Action::Expand => {
                if let Some(key) = self.fold_key() {
                    if self.row_of_key(key) == Some(self.selected) && self.collapsed.remove(&key) {
                        self.refresh_rows();
                    }
                }
            }
            Action::ToggleHelp => {
                self.help = true;
                self.help_scroll = 0;
            }
            _ => {}
        }
        self.fit_view();
    }
}

/// What the program runs: a folder's browser, a file's tree, or a tree opened from a browser.
pub struct Inspector {
    /// The folder, if one was opened.
    pub browser: Option<Browser>,
    /// The open tree, and the file of the browser it shows.
    pub tree: Option<(App, Option<usize>)>,
    /// Set when the user asked to leave.
    pub quit: bool,
}

impl Inspector {
    /// The inspector of one file.
    pub fn of_file(app: App) -> Inspector {
        Inspector {
            browser: None,
            tree: Some((app, None)),
            quit: false,
        }
    }

    /// The inspector of a folder.
    pub fn of_folder(browser: Browser) -> Inspector {
        Inspector {
            browser: Some(browser),
            tree: None,
            quit: false,
        }
    }

    /// Which keys apply now.
    pub fn mode(&self) -> Mode {
        match (&self.tree, &self.browser) {
            (Some((app, _)), _) => app.mode(),
            (None, Some(browser)) => browser.mode(),
            (None, None) => Mode::Normal,
        }
    }

    /// The open tree, if any.
    pub fn app(&self) -> Option<&App> {
        self.tree.as_ref().map(|(app, _)| app)
    }

    /// The open tree, to act on.
    pub fn app_mut(&mut self) -> Option<&mut App> {
        self.tree.as_mut().map(|(app, _)| app)
    }

    /// Work between keys (loading, re-planning); whether work remains.
    pub fn tick(&mut self) -> bool {
        let loading = self.browser.as_mut().is_some_and(Browser::tick);
        let decoding = self.app_mut().is_some_and(App::tick);
        loading || decoding
    }

    /// Carries out one action.
    pub fn update(&mut self, action: Action) {
        if action == Action::Interrupt {
            self.quit = true;
            return;
        }
        if let Action::Resize(..) = action {
            if let Some(browser) = self.browser.as_mut() {
                browser.update(action);
            }
            if let Some(app) = self.app_mut() {
                app.update(action);
            }
            return;
        }
        let from_folder = self.browser.is_some();
        if let Some((app, _)) = self.tree.as_mut() {
            // Esc on a folder's file (nothing open over it) goes back to the folder.
            if from_folder && action == Action::Cancel && app.mode() == Mode::Normal {
                self.close_tree();
                return;
            }
            app.update(action);
            if app.quit {
                self.quit = true;
            }
            return;
        }
        let Some(browser) = self.browser.as_mut() else {
            return;
        };
        match action {
            Action::Open if browser.mode() == Mode::Browser => match browser.rows.get(browser.selected) {
                Some(BrowserRow::File(i)) => {
                    let i = *i;
                    self.open_tree(i);
                }
                Some(BrowserRow::Study(_) | BrowserRow::Series(..)) => {
                    let key = browser.fold_key();
                    let folded = key.is_some_and(|k| browser.collapsed.contains(&k));
                    browser.update(if folded { Action::Expand } else { Action::Collapse });
                }
                _ => {}
            },
            Action::Quit if browser.mode() == Mode::Browser => {
                if browser.edits.unsaved() && !browser.quit_pending {
                    browser.quit_pending = true;
                    browser.message =
                        "the profile has unsaved changes: q again quits without saving (open a file, s saves)".into();
                } else {
                    self.quit = true;
                }
            }
            _ => browser.update(action),
        }
    }

    /// Opens file `index`'s tree with the profile being built.
    fn open_tree(&mut self, index: usize) {
        let Some(browser) = self.browser.as_mut() else {
            return;
        };
        let Some(file) = browser.files.get_mut(index) else {
            return;
        };
        let Some(header) = file.header.take() else { return };
        let name = file.path.display().to_string();
        let source = file.path.clone();
        match App::with_edits(name, header, browser.edits.clone()) {
            Ok(mut app) => {
                app.doc.source = Some(source);
                app.theme = browser.theme.clone();
                app.update(Action::Resize(browser.area.width, browser.area.height));
                app.message = "Esc: back to the folder".into();
                self.tree = Some((app, Some(index)));
            }
            Err(e) => {
                // The header stays with the browser; the reason is shown.
                browser.message = format!("error: {e}");
                if let Ok(header) = crate::dataset::open_header(&source) {
                    file.header = Some(header);
                }
            }
        }
    }

    /// Closes the tree: its header and the profile being built go back to the browser, and
    /// every file is re-planned if the profile changed.
    fn close_tree(&mut self) {
        let Some((app, index)) = self.tree.take() else {
            return;
        };
        let Some(browser) = self.browser.as_mut() else {
            return;
        };
        browser.theme = app.theme.clone();
        let (header, edits) = app.into_parts();
        if let Some(file) = index.and_then(|i| browser.files.get_mut(i)) {
            file.header = Some(header);
        }
        let changed = edits.generation != browser.edits.generation;
        browser.edits = edits;
        if changed {
            browser.share_profile();
        }
        browser.message = if changed {
            "profile changed: every file is re-planned".into()
        } else {
            String::new()
        };
        if let Some(i) = index {
            browser.select_file(i);
        }
    }
}
