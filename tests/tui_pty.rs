//! The real `dpk-tui` binary in a pseudo-terminal, driven like a user: keys in, the screen
//! read back through a terminal emulator (vt100).

use std::time::Duration;

use dpk::engine::{Context, Salt};
use dpk::tui::app::App;
use dpk::tui::DEMO;

#[path = "support/pty_session.rs"]
mod pty_session;

use pty_session::{assert_restored, Session};

const ROWS: u16 = 40;
const COLS: u16 = 150;

// `dpk-tui` as this suite starts it: the demo, on a large terminal or a given one.
impl Session {
    /// Starts `dpk-tui --demo` with the given extra environment variables.
    fn start(env: &[(&str, &str)]) -> Session {
        Session::start_sized(env, ROWS, COLS, &["--demo"])
    }

    /// Starts `dpk-tui` with `args` on a terminal of `rows` × `cols`.
    fn start_sized(env: &[(&str, &str)], rows: u16, cols: u16, args: &[&str]) -> Session {
        Session::launch(args, rows, cols, env)
    }

    /// Waits up to 20 s for `what` on the screen.
    fn wait_for(&self, what: &str) -> String {
        self.wait_until(
            |t| t.contains(what),
            &format!("{what:?}"),
            Duration::from_secs(20),
        )
    }
}

/// The row of Patient's Name in the demo's tree, as the program will lay it out.
fn patient_name_row() -> usize {
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"any-salt-for-the-layout-01".to_vec()).unwrap());
    let app = App::new(
        "demo".into(),
        file,
        dpk::Profile::builtin("basic").unwrap(),
        ctx,
        true,
    )
    .unwrap();
    app.rows
        .iter()
        .position(|r| app.element(r.entry).unwrap().keyword == "PatientName")
        .unwrap()
}

#[test]
fn a_user_changes_patient_name_and_sees_the_risk_rise_then_quits() {
    let mut s = Session::start(&[]);
    // The status line is drawn last: once it is there, the whole first frame is.
    let first = s.wait_for("PREVIEW SALT");
    assert!(first.contains("Tags — 193 elements"), "{first}");
    assert!(
        first.contains("100.0% CRITICAL") && first.contains("0.0% LOW"),
        "{first}"
    );
    assert!(first.contains("PREVIEW SALT"), "{first}");
    // The default theme draws in colour (the NO_COLOR test checks the opposite).
    {
        let p = s.screen.lock().unwrap();
        let coloured = (0..ROWS)
            .flat_map(|r| (0..COLS).map(move |c| (r, c)))
            .filter_map(|(r, c)| p.screen().cell(r, c).map(|cell| cell.fgcolor()))
            .any(|fg| fg != vt100::Color::Default);
        assert!(coloured, "no colour on the default screen");
    }

    // The program asked the terminal for mouse reports; a click on a row selects it.
    assert_ne!(
        s.screen.lock().unwrap().screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None
    );
    let row = s
        .text()
        .lines()
        .position(|l| l.starts_with("│ (0008,0060) Modality"))
        .unwrap() as u16;
    s.keys(&format!("\x1b[<0;6;{}M\x1b[<0;6;{}m", row + 1, row + 1));
    s.wait_for("before: CT");
    s.keys("g");
    s.wait_for("before: ISO_IR 100");

    // Down to Patient's Name: the change pane follows the selection.
    s.keys(&"j".repeat(patient_name_row()));
    s.wait_for("before: Example^Robert^James^Mr^");
    // Empty → dummy → hash → clean → keep: four presses of Space.
    s.keys("    ");
    let kept = s.wait_for("PatientName → keep at every depth");
    assert!(kept.contains("[modified]"), "{kept}");
    assert!(
        kept.contains("0.90 (0010,0010) Patient Name identifies"),
        "{kept}"
    );
    assert!(
        !kept.contains("0.0% LOW"),
        "the after gauge should have risen:\n{kept}"
    );

    s.keys("?");
    s.wait_for("Keys (? closes)");
    s.keys("?");
    s.keys("r");
    s.wait_for("back to the profile's action");
    s.wait_for("0.0% LOW");
    // u brings the change back, r takes it away again; f narrows the tree to what changes.
    s.keys("u");
    s.wait_for("undone");
    s.keys("r");
    s.wait_for("back to the profile's action");
    s.keys("ff");
    s.wait_for("(changed only)");
    s.keys("f");
    s.wait_for("(all elements)");

    s.keys("q");
    s.quits_cleanly();
}

/// Ctrl-C in raw mode arrives as a key, not a signal: it must still leave, from a menu,
/// with unsaved changes, and give the terminal back.
#[test]
fn ctrl_c_leaves_from_a_menu_with_unsaved_changes() {
    let mut s = Session::start(&[]);
    s.wait_for("PREVIEW SALT");
    s.keys(" ");
    s.wait_for("[modified]");
    s.keys("a");
    s.wait_for("Action (⏎ picks");
    s.keys("\u{3}");
    s.quits_cleanly();
}

#[test]
fn a_file_that_is_not_dicom_is_refused_before_the_screen_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.txt");
    std::fs::write(&bad, "not DICOM at all").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dpk-tui"))
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("notes.txt") && err.contains("not a DICOM file"),
        "{err}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("\x1b[?1049h"),
        "the screen was taken"
    );
}

#[test]
fn a_malformed_theme_is_refused_with_its_line_before_the_screen_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let theme = dir.path().join("mine.ron");
    std::fs::write(&theme, "(\n  badges: {\n    \"remove\": \"blurple\",\n  },\n)").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dpk-tui"))
        .args(["--demo", "--theme"])
        .arg(&theme)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:3:", theme.display())) && err.contains("blurple"),
        "{err}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("\x1b[?1049h"),
        "the screen was taken"
    );
}

#[test]
fn no_color_draws_without_colour() {
    let mut s = Session::start(&[("NO_COLOR", "1")]);
    s.wait_for("PREVIEW SALT");
    {
        let p = s.screen.lock().unwrap();
        let screen = p.screen();
        for row in 0..ROWS {
            for col in 0..COLS {
                if let Some(cell) = screen.cell(row, col) {
                    assert_eq!(cell.fgcolor(), vt100::Color::Default, "colour at {row},{col}");
                }
            }
        }
    }
    s.keys("q");
    assert!(s.child.wait().unwrap().success());
}

#[test]
fn a_panic_inside_a_draw_restores_the_terminal() {
    let mut s = Session::start(&[("DPK_TUI_PANIC_IN_DRAW", "1")]);
    let status = s.child.wait().unwrap();
    assert!(!status.success(), "the panic should end the program");
    std::thread::sleep(Duration::from_millis(200));
    let bytes = s.raw.lock().unwrap().clone();
    let mut screen = vt100::Parser::new(ROWS, COLS, 0);
    screen.process(&bytes);
    assert!(
        bytes.windows(8).any(|w| w == b"\x1b[?1049h"),
        "the screen was taken first"
    );
    assert_restored(screen.screen());
    let text = String::from_utf8_lossy(&bytes);
    let leave = text.find("\x1b[?1049l").expect("left the alternate screen");
    let message = text
        .find("deliberate panic inside a draw")
        .expect("the panic message is shown");
    assert!(
        message > leave,
        "the message must come after the terminal is restored"
    );
}

/// The value column of each tree row on an 80 × 24 screen, with the full values the
/// elements of that tag have: a shown value must be one of them whole, or a start of one
/// ended with `…`.
fn assert_no_value_cut_silently(screen: &str) {
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"dpk-preview-salt-not-secret".to_vec()).unwrap());
    let app = App::new(
        "demo".into(),
        file,
        dpk::Profile::builtin("basic").unwrap(),
        ctx,
        true,
    )
    .unwrap();
    let mut checked = 0;
    for line in screen.lines() {
        let chars: Vec<char> = line.chars().collect();
        let Some(open) = line
            .find("│ ")
            .map(|_| 0)
            .and_then(|_| chars.iter().position(|&c| c == '('))
        else {
            continue;
        };
        let tag: String = chars[open..].iter().take(11).collect();
        if !(tag.len() == 11 && tag.ends_with(')') && tag.chars().nth(5) == Some(',')) || open > 30 {
            continue;
        }
        // The value column starts at the same place at every depth.
        let start =
            1 + dpk::tui::view::badge_column(dpk::tui::view::NAME_WIDTH, 0) + dpk::tui::view::BADGE_WIDTH + 2;
        let shown: String = chars[start..chars.len() - 1]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string();
        let fulls: Vec<String> = app
            .elements()
            .filter(|c| dpk::dataset::tag_string(c.path.tag) == tag)
            .filter_map(|c| c.before.as_ref().map(|v| app.value_text(c, v, 0)))
            .collect();
        if fulls.is_empty() {
            continue; // an element dpk adds: "(new)"
        }
        let honest = fulls.iter().any(|full| {
            shown == full.trim_end()
                || shown
                    .strip_suffix('…')
                    .is_some_and(|start| full.starts_with(start))
        });
        assert!(honest, "{tag}: {shown:?} is none of {fulls:?}\n{screen}");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} rows checked:\n{screen}");
}

#[test]
fn at_80_by_24_the_hints_the_preview_warning_and_honest_values_show() {
    let mut s = Session::start_sized(&[], 24, 80, &["--demo"]);
    let first = s.wait_for("PREVIEW SALT");
    for shown in [
        "? help",
        "q quit",
        "PREVIEW SALT",
        "Tags — 193 elements",
        "Value before",
    ] {
        assert!(first.contains(shown), "{shown:?} not on screen:\n{first}");
    }
    assert_no_value_cut_silently(&first);
    // Further down, past sequences: still honest, still the hints.
    s.keys(&"\x1b[6~".repeat(3));
    std::thread::sleep(Duration::from_millis(300));
    let later = s.wait_for("q quit");
    assert_no_value_cut_silently(&later);
    // A message keeps `? help` and `q quit` beside it.
    s.keys("f");
    let filtered = s.wait_for("showing PHI-relevant");
    assert!(filtered.contains("? help  q quit"), "{filtered}");
    s.keys("q");
    s.quits_cleanly();
}

#[test]
fn at_80_by_24_a_long_path_gives_way_before_the_preview_warning() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir
        .path()
        .join("archive-of-the-saint-example-hospital/2023/09/17/series-0001");
    std::fs::create_dir_all(&deep).unwrap();
    let path = deep.join("instance-0001.dcm");
    std::fs::write(&path, DEMO).unwrap();
    let arg = path.display().to_string();
    let mut s = Session::start_sized(&[], 24, 80, &[&arg]);
    let text = s.wait_for("PREVIEW SALT");
    let status = text.lines().nth(22).unwrap_or_default();
    assert!(
        status.contains("…") && status.contains("instance-0001.dcm"),
        "{status}"
    );
    assert!(status.contains("PREVIEW SALT"), "{status}");
    s.keys("q");
    s.quits_cleanly();
}

#[path = "support/browser_folder.rs"]
mod browser_folder;

#[test]
fn at_80_by_24_a_folder_opens_a_file_on_enter_and_esc_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    let arg = dir.path().display().to_string();
    let mut s = Session::start_sized(&[], 24, 80, &[&arg]);
    s.wait_for("after: 6 LOW");
    let screen = s.wait_for("⏎ open");
    assert!(screen.contains("2 studies · 3 series · 6 files"), "{screen}");
    // Down to the first file (study, series, file), Enter: its tag tree.
    // A frame is written top to bottom: waiting for its last row sees it whole.
    s.keys("jj\r");
    let screen = s.wait_for("Esc: back to the folder");
    assert!(screen.contains("Tags —"), "{screen}");
    assert!(screen.contains("IM111.dcm"), "{screen}");
    // Esc: the folder again, the file still selected.
    s.keys("\x1b");
    let screen = s.wait_for("⏎ open");
    assert!(screen.contains("2 studies · 3 series · 6 files"), "{screen}");
    assert!(!screen.contains("Tags —"), "{screen}");
    assert!(screen.contains("SOP UID →"), "the file's details: {screen}");
    s.keys("q");
    s.quits_cleanly();
}
