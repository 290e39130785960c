//! `dpk-tui`: the interactive inspector. A thin shell over the library: the state and its
//! update are in `app`, the key table in `keys`, drawing in `view`.

pub mod app;
pub mod charset;
pub mod describe;
pub mod document;
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

/// The demo file: a CT header full of invented PHI, for workshops and first runs.
pub const DEMO: &[u8] = include_bytes!("../../fixtures/demo.dcm");

/// A public salt for previews: what it derives is shown, never written.
const PREVIEW_SALT: &[u8] = b"dpk-preview-salt-not-secret";

const AFTER_HELP: &str = "\
Keys: ↑↓ j k move, ← → h l fold, Space changes the selected tag's action, r resets it,
e explains it, / searches, F lists every finding, s saves the profile as RON, w writes the
de-identified file, t changes the colours, ? shows every key (↑↓ PgUp PgDn scroll the help
or an explanation, Esc closes it), q quits.

Exit codes:
  0  quit normally
  1  the file could not be opened, or the profile is invalid
  2  usage";

/// dpk-tui: inspect a DICOM file's PHI and what a de-identification profile does to it.
#[derive(Parser, Debug)]
#[command(name = "dpk-tui", version, about, after_help = AFTER_HELP)]
pub struct Args {
    /// The DICOM file to inspect (pixel data is never read).
    #[arg(required_unless_present = "demo", value_name = "FILE")]
    file: Option<PathBuf>,
    /// Open the bundled demo file (invented patient) instead.
    #[arg(long, conflicts_with = "file")]
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

/// Opens the file and runs the screen until the user quits.
fn inspect(args: &Args) -> ExitCode {
    let app = match open(args) {
        Ok(app) => app,
        Err(e) => {
            eprintln!("dpk-tui: error: {e}");
            return ExitCode::from(1);
        }
    };
    match run(app) {
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
    let (name, file) = match &args.file {
        Some(path) => (path.display().to_string(), dataset::open_header(path)?),
        None => (
            "demo.dcm (bundled)".to_string(),
            dataset::open_bytes(DEMO, "demo.dcm")?.into(),
        ),
    };
    let base = args.profile.load()?;
    let ctx = args.salt.context()?;
    let (ctx, preview) = if ctx.salt().is_some() {
        (ctx, false)
    } else {
        (Context::new(Salt::new(PREVIEW_SALT.to_vec())?), true)
    };
    let theme = match &args.theme {
        Some(spec) => theme::Theme::named_or_file(spec).map_err(|e| crate::Error::Open {
            path: spec.into(),
            reason: e.to_string(),
        })?,
        None if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => theme::Theme::plain(),
        None => theme::Theme::dark(),
    };
    let mut app = App::new(name, file, base, ctx, preview)?;
    app.source = args.file.clone();
    app.edits.profile_file = crate::profile::builtin::profile_text(&args.profile.profile)
        .is_none()
        .then(|| PathBuf::from(&args.profile.profile));
    app.theme = theme;
    Ok(app)
}

fn run(mut app: App) -> std::io::Result<()> {
    // ratatui::init installs a panic hook that restores the terminal before the message is
    // printed; the guard covers every other way out.
    // A panic must give the mouse back too: ratatui's hook restores the screen only.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        release_mouse();
        previous(info);
    }));
    let mut terminal = ratatui::try_init()?;
    let _guard = TerminalGuard;
    ratatui::crossterm::execute!(std::io::stdout(), ratatui::crossterm::event::EnableMouseCapture)?;
    let size = terminal.size()?;
    app.update(app::Action::Resize(size.width, size.height));
    while !app.quit {
        terminal.draw(|frame| view::draw(frame, &app))?;
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
