//! The image view holds one frame, not the file: a long cine's frame is shown with the
//! process's memory growing by a small part of the file's size. Alone in its binary, so that
//! no other test's allocations run at the same time as the measure.

#[path = "support/tuifix.rs"]
mod tuifix;

use std::path::Path;
use std::time::{Duration, Instant};

use dpk::engine::{Context, Salt};
use dpk::tui::app::{Action, App};
use dpk::tui::image::decode::Pixels;
use dpk::tui::image::pane::Status;
use dpk::tui::keys::action_for;
use dpk::Profile;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const SALT: &[u8] = b"tui-image-memory-salt-0000001";

fn open(path: &Path) -> App {
    let header = dpk::dataset::open_header(path).expect("the header opens");
    let ctx = Context::new(Salt::new(SALT.to_vec()).unwrap());
    let mut app = App::new(
        "cine.dcm".into(),
        header,
        Profile::builtin("basic").unwrap(),
        ctx,
        false,
    )
    .expect("the inspector opens");
    app.doc.source = Some(path.to_path_buf());
    app.update(Action::Resize(120, 30));
    app
}

/// Runs the event loop's work until no decode is awaited.
fn settle(app: &mut App) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.tick() {
        assert!(Instant::now() < deadline, "the decode never finished");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Presses a key as the terminal sends it.
fn press(app: &mut App, c: char) {
    if let Some(action) = action_for(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE), app.mode()) {
        app.update(action);
    }
}

/// Shows the image and steps to frame `frame` (0-based) with `]`.
fn show_frame(app: &mut App, frame: u32) {
    press(app, 'v');
    settle(app);
    for _ in 0..frame {
        press(app, ']');
    }
    settle(app);
}

/// A figure of /proc/self/status, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"));
    let kib: u64 = line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .expect("a number of kB");
    kib * 1024
}

#[test]
fn a_frame_of_a_long_cine_is_shown_in_memory_far_smaller_than_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Warm up on a short cine first: code paged in, the worker thread and its allocator
    // started, the dictionaries built; what is measured after is the long file's own cost.
    let short = dir.path().join("short.dcm");
    tuifix::cine16(&short, 3, 256);
    let mut warm = open(&short);
    show_frame(&mut warm, 2);
    assert_eq!(warm.image.status, Status::Shown);
    drop(warm);

    let path = dir.path().join("cine.dcm");
    tuifix::cine16(&path, 400, 256);
    let file_size = std::fs::metadata(&path).unwrap().len();
    assert!(file_size > 50_000_000, "{file_size}");

    let (anon_before, peak_before) = (status_bytes("RssAnon:"), status_bytes("VmHWM:"));
    let mut app = open(&path);
    show_frame(&mut app, 300);
    let (anon_after, peak_after) = (status_bytes("RssAnon:"), status_bytes("VmHWM:"));

    assert_eq!(app.image.status, Status::Shown);
    let frame = app.image.decoded.as_ref().expect("a frame is shown");
    assert_eq!(
        (frame.frame, frame.frames, frame.columns, frame.rows),
        (300, 400, 256, 256)
    );
    let Pixels::Grey { values, .. } = &frame.pixels else {
        panic!("a grey frame")
    };
    for (x, y) in [(0, 0), (17, 3), (255, 255), (128, 200)] {
        assert_eq!(
            values[(y * 256 + x) as usize],
            f32::from(tuifix::cine_value(300, x, y)),
            "pixel ({x},{y}) of frame 301"
        );
    }
    // Held now, and at the most at any moment since: a quarter of the file at the very most
    // (the frame itself is 128 KiB, its values 256 KiB).
    let bound = file_size / 4;
    let held = anon_after.saturating_sub(anon_before);
    let peak = peak_after.saturating_sub(peak_before);
    assert!(
        held < bound,
        "memory held grew by {held} bytes for a file of {file_size}"
    );
    assert!(
        peak < bound,
        "peak memory grew by {peak} bytes for a file of {file_size}"
    );
}
