//! `dpk-tui`: the interactive inspector. A thin shell over the library: what is edited (the
//! profile being built, one file's plan and scores) is in `document`, one file's screen and
//! its update in `app`, a folder's study browser in `browser` (loading in `folder`), the key
//! table in `keys`, drawing in `view` and `browser_view`, and the image view (pixels, frames,
//! window, regions to blank saved as pixel rules) in `image`.

pub mod app;
pub mod browser;
pub mod browser_view;
pub mod describe;
pub mod document;
pub mod folder;
pub mod image;
pub mod keys;
pub mod names;
pub mod text;
pub mod theme;
pub mod view;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ratatui::crossterm::event::{self, Event, KeyEventKind};

use crate::cli::{ProfileArgs, SaltArgs};
use crate::dataset;
use crate::engine::{Context, Salt};
use app::App;

/// The demo file: a CT image whose header is full of invented PHI, for workshops and first
/// runs.
pub const DEMO: &[u8] = include_bytes!("../../fixtures/demo.dcm");

/// A public salt for previews: what it derives is shown, never written.
const PREVIEW_SALT: &[u8] = b"dpk-preview-salt-not-secret";

const AFTER_HELP: &str = "\
A folder (or several files) opens as a study browser: studies, series and files with each
file's risk before → after; ⏎ opens a file's tag tree, Esc comes back, and a change made in
one file applies to every file.

Keys: ↑↓ j k move, ← → h l fold, Space changes the selected tag's action, r resets it,
e explains it, / searches, F lists every finding, v shows the image (b draws a region to
blank, R saves the regions as a pixel rule), s saves the profile as RON, w writes the
de-identified file, t changes the colours, ? shows every key (↑↓ PgUp PgDn scroll the help
or an explanation, Esc closes it), q quits.

Environment:
  DPK_TUI_GRAPHICS=halfblocks  draw images in half-block characters and do not ask the
                               terminal for kitty, sixel or iTerm2 graphics (inside tmux
                               and GNU screen it is never asked)
  NO_COLOR                     no colour, unless --theme names one

Exit codes:
  0  quit normally
  1  the file could not be opened, or the profile is invalid
  2  usage";

/// dpk-tui: inspect a DICOM file's PHI and what a de-identification profile does to it.
#[derive(Parser, Debug)]
#[command(name = "dpk-tui", version, about, after_help = AFTER_HELP)]
pub struct Args {
    /// The DICOM file to inspect (pixel data is read only for the image view, `v`); a folder,
    /// or several files, opens the study browser.
    #[arg(required_unless_present = "demo", value_name = "FILE|DIR")]
    files: Vec<PathBuf>,
    /// Open the bundled demo file (invented patient) instead.
    #[arg(long, conflicts_with = "files")]
    demo: bool,
    /// The base profile and options the screen starts from.
    #[command(flatten)]
    profile: ProfileArgs,
    #[command(flatten)]
    salt: SaltArgs,
    /// Colours: a built-in theme (dark, light, high-contrast, colour-blind) or a RON file
    /// naming only what it changes. NO_COLOR turns colour off unless a theme is given.
    #[arg(long, value_name = "NAME|FILE")]
    theme: Option<String>,
    #[command(flatten)]
    depth: crate::cli::DepthArgs,
}

/// Restores the terminal when dropped: on return, on error and while unwinding a panic.
struct TerminalGuard;

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        release_mouse();
        ratatui::restore();
    }
}

fn release_mouse() {
    let _ = ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::event::DisableMouseCapture);
}

/// Runs `dpk-tui` with the process's arguments.
pub fn main() -> ExitCode {
    let args = Args::parse();
    match args.depth.clone().run(move || inspect(&args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dpk-tui: error: cannot start the main thread: {e}");
            ExitCode::from(1)
        }
    }
}

/// Opens the file or folder and runs the screen until the user quits.
fn inspect(args: &Args) -> ExitCode {
    let inspector = match open_inspector(args) {
        Ok(inspector) => inspector,
        Err(e) => {
            eprintln!("dpk-tui: error: {e}");
            return ExitCode::from(1);
        }
    };
    match run(inspector) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dpk-tui: error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Everything that can fail before the screen is taken: a bad file is reported on a normal
/// terminal, never as a garbled screen. Public so that the time to a first frame can be
/// measured on exactly what the program does.
pub fn open(args: &Args) -> crate::Result<App> {
    let file = args.files.first();
    let (name, header) = match file {
        Some(path) => (path.display().to_string(), dataset::open_header(path)?),
        None => (
            "demo.dcm (bundled)".to_string(),
            dataset::open_bytes(DEMO, "demo.dcm")?.into(),
        ),
    };
    let mut app = App::with_edits(name, header, edits(args)?)?;
    app.doc.source = file.cloned();
    if file.is_none() {
        app.image.set_bytes(DEMO);
    }
    app.theme = theme(args)?;
    Ok(app)
}

/// What the arguments open: one file's tree, or for a folder or several files the study
/// browser, its loading started on a worker thread (this returns before any file is read).
pub fn open_inspector(args: &Args) -> crate::Result<browser::Inspector> {
    let folder = args.files.len() > 1 || args.files.first().is_some_and(|p| p.is_dir());
    if !folder {
        return Ok(browser::Inspector::of_file(open(args)?));
    }
    let title = if args.files.len() == 1 {
        args.files[0].display().to_string()
    } else {
        format!("{} files", args.files.len())
    };
    let mut browser = browser::Browser::open(title, args.files.clone(), edits(args)?)?;
    browser.theme = theme(args)?;
    Ok(browser::Inspector::of_folder(browser))
}

/// The profile being built, as the arguments start it: the base profile, the salt (or a
/// preview salt, said on screen), the file the profile came from.
fn edits(args: &Args) -> crate::Result<document::Edits> {
    let base = args.profile.load()?;
    let ctx = args.salt.context()?;
    let (ctx, preview) = if ctx.salt().is_some() {
        (ctx, false)
    } else {
        (Context::new(Salt::new(PREVIEW_SALT.to_vec())?), true)
    };
    let mut edits = document::Edits::new(base, ctx, preview);
    edits.profile_file = crate::profile::builtin::profile_text(&args.profile.profile)
        .is_none()
        .then(|| PathBuf::from(&args.profile.profile));
    Ok(edits)
}

/// The colours the arguments (or NO_COLOR) ask for.
fn theme(args: &Args) -> crate::Result<theme::Theme> {
    Ok(match &args.theme {
        Some(spec) => theme::Theme::named_or_file(spec).map_err(|e| crate::Error::Open {
            path: spec.into(),
            reason: e.to_string(),
        })?,
        None if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => theme::Theme::plain(),
        None => theme::Theme::dark(),
    })
}

fn run(mut app: browser::Inspector) -> std::io::Result<()> {
    // ratatui::init installs a panic hook that restores the terminal before the message is
    // printed; the guard covers every other way out.
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    // A panic must give the mouse back too: ratatui's hook restores the screen only. Set
    // after ratatui's, so that this one runs first.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A decoder's panic on the image worker is caught there and shown in the pane: the
        // screen stays as it is.
        if std::thread::current().name() == Some(image::worker::THREAD_NAME) {
            return;
        }
        release_mouse();
        previous(info);
    }));
    // Which graphics the terminal draws, asked once before any key is read.
    image::query_terminal();
    ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::event::EnableMouseCapture)?;
    let size = terminal.size()?;
    app.update(app::Action::Resize(size.width, size.height));
    while !app.quit {
        // Loading and re-planning go on between keys, a batch at a time: the loop never
        // waits on them, and waits for a key only as long as they have nothing to do.
        let busy = app.tick();
        terminal.draw(|frame| browser_view::draw(frame, &app))?;
        let wait = std::time::Duration::from_millis(if busy { 15 } else { 250 });
        if !event::poll(wait)? {
            continue;
        }
        let action = match event::read()? {
            Event::Key(key) if key.kind == KeyEventKind::Press => keys::action_for(key, app.mode()),
            Event::Mouse(mouse) => keys::mouse_action(mouse, app.mode()),
            Event::Resize(width, height) => Some(app::Action::Resize(width, height)),
            _ => None,
        };
        if let Some(action) = action {
            app.update(action);
        }
    }
    Ok(())
}
