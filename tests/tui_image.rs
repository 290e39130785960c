//! The inspector's image view as a reviewer meets it: real DICOM files made here, shown with
//! half-blocks on a TestBackend (so the pictures are the same on every machine), frames,
//! window, colour, regions drawn with the keys and the mouse, and the pixel rule they are
//! saved as, which `dpk anonymize` then applies.

#[path = "support/image_gen.rs"]
mod image_gen;
#[path = "support/tuifix.rs"]
mod tuifix;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use dicom_dictionary_std::tags;
use dpk::engine::{Context, Salt};
use dpk::pixels::Region;
use dpk::tui::app::{Action, App, Dir, Mode};
use dpk::tui::image::decode::{self, DecodedFrame, FileCache, FrameError};
use dpk::tui::image::pane::Status;
use dpk::tui::keys::action_for;
use dpk::tui::{view, DEMO};
use dpk::Profile;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::Color;
use ratatui::Terminal;

const SALT: &[u8] = b"tui-image-test-salt-000000001";

fn open_named(path: &Path, name: &str, profile: Profile) -> App {
    let header = dpk::dataset::open_header(path).expect("the header opens");
    let ctx = Context::new(Salt::new(SALT.to_vec()).unwrap());
    let mut app = App::new(name.into(), header, profile, ctx, false).expect("the inspector opens");
    app.doc.source = Some(path.to_path_buf());
    app
}

fn open(path: &Path, name: &str) -> App {
    open_named(path, name, Profile::builtin("basic").unwrap())
}

/// A fixture written by `make` in a fresh folder.
fn fixture(make: fn(&Path), name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    make(&path);
    (dir, path)
}

/// Runs the event loop's work until no decode is awaited.
fn settle(app: &mut App) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while app.tick() {
        assert!(Instant::now() < deadline, "the decode never finished");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Presses keys as the terminal sends them: characters, and `\n` for Enter.
fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\t' => KeyCode::Tab,
            c => KeyCode::Char(c),
        };
        key(app, code, KeyModifiers::NONE);
    }
}

fn key(app: &mut App, code: KeyCode, modifiers: KeyModifiers) {
    if let Some(action) = action_for(KeyEvent::new(code, modifiers), app.mode()) {
        app.update(action);
    }
}

/// The screen at `width` × `height` after the decode settles.
fn draw(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    app.update(Action::Resize(width, height));
    settle(app);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    terminal
}

fn text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

/// The colours of the picture's cells: each the upper and the lower half-block's.
fn picture(app: &App, terminal: &Terminal<TestBackend>) -> Vec<Vec<[Color; 2]>> {
    let g = app.image.geometry.expect("the image is laid out");
    let buffer = terminal.backend().buffer();
    (g.cells.y..g.cells.y + g.cells.height)
        .map(|y| {
            (g.cells.x..g.cells.x + g.cells.width)
                .map(|x| {
                    let cell = &buffer[(x, y)];
                    [cell.fg, cell.bg]
                })
                .collect()
        })
        .collect()
}

/// The picture as shades, two text rows per cell row (its upper and lower half-block): what
/// a snapshot of symbols alone would not show.
fn shades(app: &App, terminal: &Terminal<TestBackend>) -> String {
    let shade = |c: Color| {
        let [r, g, b] = rgb(c);
        let l = (u32::from(r) * 2126 + u32::from(g) * 7152 + u32::from(b) * 722) / 10_000;
        [' ', '░', '▒', '▓', '█'][(l as usize * 5 / 256).min(4)]
    };
    let buffer = terminal.backend().buffer();
    let g = app.image.geometry.expect("laid out");
    let mut out = String::new();
    for y in g.cells.y..g.cells.y + g.cells.height {
        for lower in [false, true] {
            out.push('|');
            for x in g.cells.x..g.cells.x + g.cells.width {
                let cell = &buffer[(x, y)];
                let colour = match (cell.symbol(), lower) {
                    (" ", _) => cell.bg,
                    ("▀", false) | ("▄", true) => cell.fg,
                    _ => cell.bg,
                };
                out.push(shade(colour));
            }
            out.push_str("|\n");
        }
    }
    out
}

fn rgb(c: Color) -> [u8; 3] {
    match c {
        Color::Rgb(r, g, b) => [r, g, b],
        other => panic!("a picture cell is not an RGB colour: {other:?}"),
    }
}

/// The colour of the terminal cell that shows image pixel (x, y).
fn colour_at(app: &App, terminal: &Terminal<TestBackend>, x: u32, y: u32) -> [u8; 3] {
    let (column, row, lower) = cell_of(app, x, y);
    let cell = &terminal.backend().buffer()[(column, row)];
    // Half-blocks: `▀` draws the upper pixel in the foreground, `▄` the lower; a space is
    // one colour (the background) for both.
    let colour = match (cell.symbol(), lower) {
        (" ", _) => cell.bg,
        ("▀", false) | ("▄", true) => cell.fg,
        _ => cell.bg,
    };
    rgb(colour)
}

/// The cell (and which half of it) that shows image pixel (x, y), or the one nearest to it
/// when the picture is smaller than the image.
fn cell_of(app: &App, x: u32, y: u32) -> (u16, u16, bool) {
    let g = app.image.geometry.expect("laid out");
    let (w, h) = g.display_size();
    let nearest = |n: u32, source: &dyn Fn(u32) -> Option<u32>, target: u32| {
        (0..n)
            .filter_map(|d| source(d).map(|s| (d, s.abs_diff(target))))
            .min_by_key(|(_, distance)| *distance)
            .map(|(d, _)| d)
            .expect("shown")
    };
    let dx = nearest(w, &|d| g.source_x(d), x);
    let dy = nearest(h, &|d| g.source_y(d), y);
    (g.cells.x + dx as u16, g.cells.y + (dy / 2) as u16, dy % 2 == 1)
}

#[test]
fn v_shows_the_image_beside_the_tags_at_80x24_and_larger() {
    let (_dir, path) = fixture(image_gen::mono8, "mono8.dcm");
    let mut app = open(&path, "mono8.dcm");
    assert_eq!(app.mode(), Mode::Normal);
    press(&mut app, "v");
    assert_eq!(app.mode(), Mode::Image);
    let small = draw(&mut app, 80, 24);
    let screen = text(&small);
    assert!(screen.contains("Image — frame 1/1 · 96×64"), "{screen}");
    assert!(screen.contains("Tags —"), "the tag tree stays: {screen}");
    assert!(screen.contains('▀') || screen.contains('▄'), "{screen}");
    insta::assert_snapshot!("image_pane_80x24", format!("{screen}\n{}", shades(&app, &small)));
    // The tree still moves under the image.
    let before = app.selected;
    press(&mut app, "j");
    assert_eq!(app.selected, before + 1);
    let large = draw(&mut app, 150, 40);
    insta::assert_snapshot!(
        "image_pane_150x40",
        format!("{}\n{}", text(&large), shades(&app, &large))
    );
    // The bright text block in the top-left corner, the dark background elsewhere.
    assert_eq!(colour_at(&app, &large, 10, 8), [255, 255, 255]);
    assert_eq!(colour_at(&app, &large, 80, 50), [0, 0, 0]);
    // z: the whole screen; v hides it, and the change pane is back.
    press(&mut app, "z");
    let zoomed = draw(&mut app, 80, 24);
    assert!(!text(&zoomed).contains("Tags —"));
    press(&mut app, "zv");
    assert_eq!(app.mode(), Mode::Normal);
    assert!(text(&draw(&mut app, 150, 40)).contains("Change —"));
}

#[test]
fn the_file_window_starts_and_the_keys_move_it() {
    let (_dir, path) = fixture(image_gen::ct16, "ct16.dcm");
    let mut app = open(&path, "ct16.dcm");
    press(&mut app, "v");
    let t = draw(&mut app, 150, 40);
    let w = app.image.window.expect("a grey image has a window");
    assert_eq!(
        (w.center, w.width),
        (40.0, 400.0),
        "the first of the file's values"
    );
    assert!(text(&t).contains("C 40 W 400"), "{}", text(&t));
    // Hounsfield -1000 at the left is below the window: black; +1000 at the right white.
    assert_eq!(colour_at(&app, &t, 0, 10), [0, 0, 0]);
    assert_eq!(colour_at(&app, &t, 63, 10), [255, 255, 255]);
    let original = picture(&app, &t);
    // Wider: the middle greys change; narrower and centre moves too.
    press(&mut app, ">>");
    let wider = draw(&mut app, 150, 40);
    assert_ne!(
        picture(&app, &wider),
        original,
        "a wider window changes the picture"
    );
    assert_eq!(app.image.window.unwrap().width, 625.0);
    press(&mut app, "}}}");
    let higher = draw(&mut app, 150, 40);
    assert_ne!(picture(&app, &higher), picture(&app, &wider));
    // About 0 HU (column 32) is darker under a higher centre.
    assert!(colour_at(&app, &higher, 32, 5)[0] < colour_at(&app, &wider, 32, 5)[0]);
    press(&mut app, "=");
    let reset = draw(&mut app, 150, 40);
    assert_eq!(picture(&app, &reset), original, "= is the file's window again");
}

#[test]
fn stepping_frames_changes_the_pixels_shown_and_says_which() {
    let (_dir, path) = fixture(image_gen::multiframe, "multi.dcm");
    let mut app = open(&path, "multi.dcm");
    press(&mut app, "v");
    let mut shown = Vec::new();
    for f in 0..image_gen::MULTI_FRAMES {
        let t = draw(&mut app, 150, 40);
        let screen = text(&t);
        assert!(
            screen.contains(&format!("frame {}/{}", f + 1, image_gen::MULTI_FRAMES)),
            "{screen}"
        );
        let value = image_gen::multi_value(f);
        assert_eq!(colour_at(&app, &t, 20, 10), [value; 3], "frame {}", f + 1);
        shown.push(picture(&app, &t));
        press(&mut app, "]");
    }
    assert_ne!(shown[0], shown[1]);
    assert_ne!(shown[1], shown[2]);
    // Past the last: stays, and says so.
    assert!(app.message.contains("last frame"), "{}", app.message);
    press(&mut app, "[[");
    let t = draw(&mut app, 150, 40);
    assert_eq!(picture(&app, &t), shown[0]);
}

#[test]
fn colour_images_are_shown_in_colour() {
    let (_dir, path) = fixture(image_gen::rgb, "rgb.dcm");
    let mut app = open(&path, "rgb.dcm");
    press(&mut app, "v");
    let t = draw(&mut app, 150, 40);
    assert_eq!(colour_at(&app, &t, 5, 5), [255, 0, 0]);
    assert_eq!(colour_at(&app, &t, 60, 5), [0, 255, 0]);
    assert_eq!(colour_at(&app, &t, 5, 60), [0, 0, 255]);
    assert_eq!(colour_at(&app, &t, 60, 60), [255, 255, 255]);
    // The window keys say they are for grey images.
    press(&mut app, ">");
    assert!(app.message.contains("grey images"), "{}", app.message);

    let (_dir, path) = fixture(image_gen::palette, "palette.dcm");
    let mut app = open(&path, "palette.dcm");
    press(&mut app, "v");
    let t = draw(&mut app, 150, 40);
    assert_eq!(colour_at(&app, &t, 5, 30), image_gen::palette_colour(10));
    assert_eq!(colour_at(&app, &t, 60, 30), image_gen::palette_colour(200));
}

#[test]
fn monochrome1_is_inverted() {
    let (_dir, path) = fixture(image_gen::mono1, "mono1.dcm");
    let mut app = open(&path, "mono1.dcm");
    press(&mut app, "v");
    let t = draw(&mut app, 150, 40);
    // The highest value is black in MONOCHROME1.
    assert_eq!(colour_at(&app, &t, 10, 8), [0, 0, 0]);
    assert_eq!(colour_at(&app, &t, 80, 50), [255, 255, 255]);
}

#[test]
fn rle_and_jpeg_baseline_decode() {
    for (make, name, exact) in [
        (image_gen::mono8_rle as fn(&Path), "rle.dcm", true),
        (image_gen::mono8_jpeg, "jpeg.dcm", false),
    ] {
        let (_dir, path) = fixture(make, name);
        let frame = decode::load_frame(&path, 0, &mut FileCache::default()).expect(name);
        let decode::Pixels::Grey { values, .. } = &frame.pixels else {
            panic!("{name}: grey expected")
        };
        let expected = image_gen::mono_pixels();
        for (i, (v, e)) in values.iter().zip(&expected).enumerate() {
            let close = if exact {
                *v == f32::from(*e)
            } else {
                (*v - f32::from(*e)).abs() < 12.0
            };
            assert!(close, "{name}: pixel {i} is {v}, not {e}");
        }
        let mut app = open(&path, name);
        press(&mut app, "v");
        let t = draw(&mut app, 150, 40);
        assert!(
            colour_at(&app, &t, 10, 8)[0] > 230,
            "{name}: the text block is bright"
        );
        assert!(
            colour_at(&app, &t, 80, 50)[0] < 25,
            "{name}: the background is dark"
        );
    }
}

#[test]
fn what_cannot_be_shown_is_said_in_the_pane() {
    type Case = (fn(&Path), &'static str, &'static str);
    let cases: [Case; 6] = [
        (
            image_gen::mono8_jpeg_ls,
            "jpegls.dcm",
            "JPEG-LS pixel data cannot be shown (no decoder in this build)",
        ),
        (image_gen::mono8_cut_short, "short.dcm", "cut short"),
        (
            image_gen::bits_allocated_12,
            "bits12.dcm",
            "Bits Allocated 12 cannot be shown",
        ),
        (image_gen::corrupt_jpeg, "corrupt.dcm", "cannot be decoded"),
        (image_gen::huge_rle, "huge_rle.dcm", "over the limit"),
        (
            image_gen::huge_native,
            "huge.dcm",
            "cut short: frame 1 needs 4294836225 bytes, 64 found",
        ),
    ];
    for (make, name, says) in cases {
        let (_dir, path) = fixture(make, name);
        let mut app = open(&path, name);
        press(&mut app, "v");
        let t = draw(&mut app, 150, 40);
        let screen = text(&t);
        assert!(
            matches!(&app.image.status, Status::Failed(why) if why.contains(says)),
            "{name}: {:?}",
            app.image.status
        );
        assert!(screen.contains(says), "{name}:\n{screen}");
        // The screen goes on: keys work, the image can be hidden.
        press(&mut app, "jv");
        assert_eq!(app.mode(), Mode::Normal);
    }
    // A real file with no pixel data: a structured report.
    let (_dir, path) = fixture(tuifix::structured_report, "report.dcm");
    let mut app = open(&path, "report.dcm");
    press(&mut app, "v");
    let screen = text(&draw(&mut app, 80, 24));
    assert_eq!(
        app.image.status,
        Status::Failed("this file has no pixel data".into())
    );
    assert!(screen.contains("this file has no pixel data"), "{screen}");
}

#[test]
fn v_shows_the_demo_image() {
    // The demo as `dpk-tui --demo` opens it: from the bytes built into the program.
    let args = dpk::tui::Args::try_parse_from(["dpk-tui", "--demo"]).unwrap();
    let mut app = dpk::tui::open(&args).expect("the demo opens");
    assert_eq!(app.doc.source, None);
    press(&mut app, "v");
    let t = draw(&mut app, 80, 24);
    assert_eq!(app.image.status, Status::Shown, "{}", text(&t));
    let demo = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let number = |tag| demo.element(tag).unwrap().to_int::<u32>().unwrap();
    let frame = app.image.decoded.as_ref().expect("a frame is shown");
    assert_eq!(
        (frame.columns, frame.rows, frame.frames),
        (number(tags::COLUMNS), number(tags::ROWS), 1)
    );
    // What is shown is the demo's pixels, decoded as from a file of the same bytes.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("demo.dcm");
    std::fs::write(&copy, DEMO).unwrap();
    let expected = decode::load_frame(&copy, 0, &mut FileCache::default()).unwrap();
    assert_eq!(**frame, expected);
    assert!(!text(&t).contains("no pixel data"), "{}", text(&t));
}

/// A loader that waits for the test to let it go, and notes each frame it was asked for.
fn gated_loader() -> (
    dpk::tui::image::worker::Loader,
    Arc<Mutex<Vec<u32>>>,
    std::sync::mpsc::SyncSender<()>,
) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let (open_gate, gate) = std::sync::mpsc::sync_channel::<()>(0);
    let gate = Mutex::new(gate);
    let noted = Arc::clone(&asked);
    let loader = Arc::new(move |path: &Path, frame: u32, cache: &mut FileCache| {
        noted.lock().unwrap().push(frame);
        gate.lock().unwrap().recv().ok();
        decode::load_frame(path, frame, cache)
    });
    (loader, asked, open_gate)
}

#[test]
fn keys_are_answered_while_a_decode_is_pending_and_only_the_newest_frame_is_decoded() {
    let (_dir, path) = fixture(image_gen::multiframe, "multi.dcm");
    let mut app = open(&path, "multi.dcm");
    let (loader, asked, open_gate) = gated_loader();
    app.image.set_loader(loader);
    app.update(Action::Resize(120, 30));
    press(&mut app, "v");
    // The first decode is held: the pane says so, and every key is answered at once.
    let started = Instant::now();
    assert!(app.tick(), "a decode is awaited");
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    assert!(
        text(&terminal).contains("decoding frame 1…"),
        "{}",
        text(&terminal)
    );
    while asked.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the worker never began"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let row = app.selected;
    press(&mut app, "jj");
    assert_eq!(app.selected, row + 2, "the tree moved while decoding");
    // Two steps forward while frame 1 is still being decoded: frame 3 is asked for.
    press(&mut app, "]]");
    assert_eq!(app.image.status, Status::Decoding(2));
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    assert!(text(&terminal).contains("decoding frame 3…"));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "keys waited for the decode"
    );
    // Let every decode through: the worker skips frame 2, superseded before it began.
    std::thread::spawn(move || while open_gate.send(()).is_ok() {});
    settle(&mut app);
    assert_eq!(app.image.status, Status::Shown);
    assert_eq!(app.image.decoded.as_ref().unwrap().frame, 2);
    assert_eq!(*asked.lock().unwrap(), vec![0, 2], "no stale frame decoded");
}

#[test]
fn a_large_decode_never_holds_a_key() {
    let (_dir, path) = fixture(|p| image_gen::large16(p, 2048), "large.dcm");
    let mut app = open(&path, "large.dcm");
    app.update(Action::Resize(120, 30));
    press(&mut app, "v");
    for _ in 0..20 {
        let at = Instant::now();
        press(&mut app, "j");
        app.tick();
        assert!(
            at.elapsed() < Duration::from_millis(500),
            "a key took {:?}",
            at.elapsed()
        );
    }
    settle(&mut app);
    assert_eq!(app.image.status, Status::Shown);
    assert_eq!(app.image.image_size(), Some((2048, 2048)));
}

/// The colours of the cells whose pixels all lie in `r`, and of those that none do.
fn cells_inside(app: &App, terminal: &Terminal<TestBackend>, r: &Region) -> (Vec<[u8; 3]>, Vec<[u8; 3]>) {
    let g = app.image.geometry.unwrap();
    let (mut inside, mut outside) = (Vec::new(), Vec::new());
    for cy in 0..g.cells.height {
        for cx in 0..g.cells.width {
            let pixels: Vec<(u32, u32)> = (0..2)
                .filter_map(|half| Some((g.source_x(u32::from(cx))?, g.source_y(2 * u32::from(cy) + half)?)))
                .collect();
            if pixels.len() < 2 {
                continue;
            }
            let within =
                |&(x, y): &(u32, u32)| x >= r.x && y >= r.y && x < r.x + r.width && y < r.y + r.height;
            let cell = &terminal.backend().buffer()[(g.cells.x + cx, g.cells.y + cy)];
            let colours = [rgb(cell.fg), rgb(cell.bg)];
            if pixels.iter().all(within) {
                inside.extend(colours);
            } else if !pixels.iter().any(within) {
                outside.extend(colours);
            }
        }
    }
    (inside, outside)
}

#[test]
fn a_region_drawn_with_the_keys_is_blanked_live() {
    let (_dir, path) = fixture(image_gen::mono8, "mono8.dcm");
    let mut app = open(&path, "mono8.dcm");
    press(&mut app, "v");
    draw(&mut app, 150, 40);
    press(&mut app, "b");
    assert_eq!(app.mode(), Mode::Draw);
    // Starts in the middle, an eighth of the image each way.
    assert_eq!(
        app.image.drawing,
        Some(Region {
            x: 42,
            y: 28,
            width: 12,
            height: 8
        })
    );
    // Ctrl-← four times (10 pixels each, stopped at the edge), Ctrl-↑ three, then wider
    // and taller with Shift.
    for _ in 0..5 {
        key(&mut app, KeyCode::Left, KeyModifiers::CONTROL);
    }
    for _ in 0..3 {
        key(&mut app, KeyCode::Up, KeyModifiers::CONTROL);
    }
    key(
        &mut app,
        KeyCode::Right,
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    );
    key(
        &mut app,
        KeyCode::Right,
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    );
    key(&mut app, KeyCode::Right, KeyModifiers::SHIFT);
    key(&mut app, KeyCode::Down, KeyModifiers::SHIFT);
    press(&mut app, "lj");
    let expected = Region {
        x: 1,
        y: 1,
        width: 33,
        height: 9,
    };
    assert_eq!(app.image.drawing, Some(expected));
    // While drawn it is outlined, not yet blanked.
    let t = draw(&mut app, 150, 40);
    let (inside, _) = cells_inside(&app, &t, &expected);
    assert!(inside.iter().any(|c| *c != [0, 0, 0]), "not blanked while drawn");
    assert!(text(&t).contains("drawing (1,1,33,9)"), "{}", text(&t));
    press(&mut app, "\n");
    assert_eq!(app.mode(), Mode::Image);
    assert_eq!(app.image.drawn, vec![expected]);
    let t = draw(&mut app, 150, 40);
    let (inside, outside) = cells_inside(&app, &t, &expected);
    assert!(!inside.is_empty());
    assert!(
        inside.iter().all(|c| *c == [0, 0, 0]),
        "every cell of the region is black"
    );
    assert!(
        outside.contains(&[255, 255, 255]),
        "the text outside the region still shows"
    );
    // Tab selects it, x removes it: the text is back.
    press(&mut app, "\tx");
    assert!(app.image.drawn.is_empty());
    let t = draw(&mut app, 150, 40);
    assert_eq!(colour_at(&app, &t, 10, 8), [255, 255, 255]);
    // Esc while drawing adds nothing.
    press(&mut app, "b");
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.image.drawn.is_empty());
    assert_eq!(app.mode(), Mode::Image);
}

#[test]
fn a_mouse_drag_draws_the_region_of_the_cells_it_covers() {
    let (_dir, path) = fixture(image_gen::mono8, "mono8.dcm");
    let mut app = open(&path, "mono8.dcm");
    press(&mut app, "v");
    for (width, height) in [(80u16, 24u16), (150, 40)] {
        app.image.drawn.clear();
        draw(&mut app, width, height);
        let g = app.image.geometry.unwrap();
        let from = (g.cells.x + 2, g.cells.y + 2);
        let to = (g.cells.x + g.cells.width / 2, g.cells.y + g.cells.height / 3);
        app.update(Action::Click(from.0, from.1));
        app.update(Action::Drag(to.0 - 1, to.1));
        // While dragged, outlined only.
        assert!(app.image.drawn.is_empty());
        assert!(app.image_marks().outline.len() == 1);
        app.update(Action::Release(to.0, to.1));
        assert_eq!(app.image.drawn.len(), 1, "{width}×{height}");
        let r = app.image.drawn[0];
        // Every pixel a dragged cell shows is in the region; none of a cell beside it.
        let pixels_of = |column: u16, row: u16| {
            let g = app.image.geometry.unwrap();
            let (dx, dy) = (u32::from(column - g.cells.x), 2 * u32::from(row - g.cells.y));
            [
                (g.source_x(dx).unwrap(), g.source_y(dy).unwrap()),
                (g.source_x(dx).unwrap(), g.source_y(dy + 1).unwrap()),
            ]
        };
        let within = |(x, y): (u32, u32)| x >= r.x && y >= r.y && x < r.x + r.width && y < r.y + r.height;
        for column in from.0..=to.0 {
            for row in from.1..=to.1 {
                assert!(
                    pixels_of(column, row).into_iter().all(within),
                    "{width}×{height}: cell {column},{row}"
                );
            }
        }
        // A pixel partly under a dragged cell is in the region (what is blanked is never
        // less than what was covered); a cell two away shows none of it.
        for (column, row) in [
            (from.0 - 2, from.1),
            (from.0, from.1 - 2),
            (to.0 + 2, to.1),
            (to.0, to.1 + 2),
        ] {
            assert!(
                !pixels_of(column, row).into_iter().any(within),
                "{width}×{height}: cell {column},{row} beside"
            );
        }
        // In pixel coordinates of the image: what the cells' size says, within a pixel.
        let per_column = f64::from(image_gen::MONO_COLUMNS) / f64::from(g.cells.width);
        let per_row = f64::from(image_gen::MONO_ROWS) / f64::from(g.cells.height);
        let near = |got: u32, want: f64| (f64::from(got) - want).abs() <= 1.0;
        let (x0, y0) = (
            f64::from(from.0 - g.cells.x) * per_column,
            f64::from(from.1 - g.cells.y) * per_row,
        );
        let (x1, y1) = (
            f64::from(to.0 + 1 - g.cells.x) * per_column,
            f64::from(to.1 + 1 - g.cells.y) * per_row,
        );
        assert!(near(r.x, x0) && near(r.y, y0), "{r} starts at about {x0},{y0}");
        assert!(
            near(r.x + r.width, x1) && near(r.y + r.height, y1),
            "{r} ends at about {x1},{y1}"
        );
        let t = draw(&mut app, width, height);
        let (inside, _) = cells_inside(&app, &t, &r);
        assert!(!inside.is_empty() && inside.iter().all(|c| *c == [0, 0, 0]));
    }
    // A click (no drag) on a region selects it; x removes it.
    let g = app.image.geometry.unwrap();
    app.update(Action::Click(g.cells.x + 3, g.cells.y + 3));
    app.update(Action::Release(g.cells.x + 3, g.cells.y + 3));
    assert!(app.image.selected.is_some());
    press(&mut app, "x");
    assert!(app.image.drawn.is_empty());
}

#[test]
fn the_regions_are_saved_as_a_pixel_rule_that_dpk_anonymize_applies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("us.dcm");
    image_gen::mono8(&path);
    let mut app = open(&path, "us.dcm");
    press(&mut app, "v");
    draw(&mut app, 150, 40);
    // The text block, drawn exactly with the keys from the start rectangle (42,28,12,8).
    press(&mut app, "b");
    let target = Region {
        x: image_gen::TEXT_X,
        y: image_gen::TEXT_Y,
        width: image_gen::TEXT_WIDTH,
        height: image_gen::TEXT_HEIGHT,
    };
    while app.image.drawing.unwrap().x > target.x {
        app.update(Action::MoveRect(Dir::Left, false));
    }
    while app.image.drawing.unwrap().y > target.y {
        app.update(Action::MoveRect(Dir::Up, false));
    }
    while app.image.drawing.unwrap().width < target.width {
        app.update(Action::SizeRect(Dir::Right, false));
    }
    while app.image.drawing.unwrap().height < target.height {
        app.update(Action::SizeRect(Dir::Down, false));
    }
    assert_eq!(app.image.drawing, Some(target));
    press(&mut app, "\n");
    // R: the form, pre-filled from the file.
    press(&mut app, "R");
    assert_eq!(app.mode(), Mode::Form);
    let t = draw(&mut app, 100, 30);
    let screen = text(&t);
    for shown in [
        "[x] Modality",
        "US",
        "Fictive Echo Corp",
        "EchoView 9",
        "96",
        "64",
        "1.2.840.10008.5.1.4.1.1.6.1",
        "(4,4,36,12)",
    ] {
        assert!(screen.contains(shown), "{shown}:\n{screen}");
    }
    // A signature that does not match the file the regions were drawn on is refused.
    press(&mut app, "\t");
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, "CT\n");
    assert_eq!(app.mode(), Mode::Form);
    let error = app.form.as_ref().unwrap().error.clone().unwrap();
    assert!(error.contains("does not match"), "{error}");
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, "US");
    // Renamed; the model shortened to what every version shares; the SOP class turned off.
    key(&mut app, KeyCode::Up, KeyModifiers::NONE);
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, "EchoView banner");
    press(&mut app, "\t\t\t");
    key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    press(&mut app, "\t\t\t");
    key(&mut app, KeyCode::Char('t'), KeyModifiers::CONTROL);
    press(&mut app, "\n");
    assert_eq!(
        app.mode(),
        Mode::Image,
        "{:?}",
        app.form.as_ref().and_then(|f| f.error.clone())
    );
    assert!(
        app.message
            .contains("pixel rule 'EchoView banner' added (1 region)"),
        "{}",
        app.message
    );
    assert!(app.message.contains("clean-pixel-data"), "{}", app.message);
    let rule = &app.doc.edits.pixel_rules[0];
    assert_eq!(rule.signature.model.as_deref(), Some("EchoView"));
    assert_eq!(rule.signature.sop_class, None);
    assert_eq!(rule.signature.rows, Some(64));
    assert_eq!(rule.regions, vec![target]);
    assert!(app.unsaved());
    // The region now comes from the profile's rule: still blanked, the footer says so.
    assert!(app.image.drawn.is_empty());
    assert_eq!(app.matching_pixel_rules(), 1);
    let t = draw(&mut app, 150, 40);
    assert!(text(&t).contains("1 pixel rule matches"), "{}", text(&t));
    assert_eq!(colour_at(&app, &t, 10, 8), [0, 0, 0]);
    // s saves the profile as RON, with the rule and the option.
    let saved = dir.path().join("rules.ron");
    press(&mut app, "s");
    key(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, &format!("{}\n", saved.display()));
    assert!(app.message.contains("with 1 pixel rule"), "{}", app.message);
    assert!(!app.unsaved());
    let ron = std::fs::read_to_string(&saved).unwrap();
    assert!(ron.contains("pixel_rules"), "{ron}");
    assert!(ron.contains("clean-pixel-data"), "{ron}");
    assert!(ron.contains("EchoView"), "{ron}");
    let profile = Profile::load(&saved).expect("the saved profile loads");
    assert_eq!(profile.pixel_rules.len(), 1);
    // dpk anonymize with that profile blanks exactly those pixels: the option in the
    // profile is enough, and naming it again changes nothing.
    let anonymize = |output: &str, option: bool| {
        let mut cmd = assert_cmd::Command::cargo_bin("dpk").unwrap();
        cmd.current_dir(dir.path())
            .env("DPK_SALT", String::from_utf8_lossy(SALT).to_string())
            .args(["anonymize", "us.dcm", "-o", output, "--profile"])
            .arg(&saved);
        if option {
            cmd.args(["--option", "clean-pixel-data"]);
        }
        let run = cmd.output().unwrap();
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        std::fs::read(dir.path().join(output)).unwrap()
    };
    let with_option = anonymize("out.dcm", true);
    assert_eq!(anonymize("out2.dcm", false), with_option);
    let out = dir.path().join("out.dcm");
    let written = dicom_object::open_file(&out).unwrap();
    let pixels = written
        .element(dicom_dictionary_std::tags::PIXEL_DATA)
        .unwrap()
        .to_bytes()
        .unwrap()
        .into_owned();
    let original = image_gen::mono_pixels();
    let columns = u32::from(image_gen::MONO_COLUMNS);
    for y in 0..u32::from(image_gen::MONO_ROWS) {
        for x in 0..columns {
            let i = (y * columns + x) as usize;
            let in_region =
                x >= target.x && y >= target.y && x < target.x + target.width && y < target.y + target.height;
            let expected = if in_region { 0 } else { original[i] };
            assert_eq!(pixels[i], expected, "pixel ({x},{y})");
        }
    }
}

#[test]
fn a_rule_form_refuses_what_would_not_work() {
    let (_dir, path) = fixture(image_gen::mono8, "mono8.dcm");
    let mut app = open(&path, "mono8.dcm");
    press(&mut app, "v");
    draw(&mut app, 120, 30);
    press(&mut app, "R");
    assert_eq!(app.mode(), Mode::Image, "no region drawn: no form");
    assert!(app.message.contains("no region drawn"), "{}", app.message);
    press(&mut app, "b\nR");
    assert_eq!(app.mode(), Mode::Form);
    // Rows edited to a word: refused with the reason.
    press(&mut app, "\t\t\t\tx\n");
    let error = app.form.as_ref().unwrap().error.clone().unwrap();
    assert!(error.contains("Rows must be a whole number"), "{error}");
    // Every field off: refused.
    key(&mut app, KeyCode::Backspace, KeyModifiers::NONE);
    press(&mut app, "\t\t");
    for _ in 0..6 {
        key(&mut app, KeyCode::Char('t'), KeyModifiers::CONTROL);
        key(&mut app, KeyCode::Up, KeyModifiers::NONE);
    }
    let form = app.form.as_ref().unwrap();
    assert!(form.fields.iter().skip(1).all(|f| !f.on), "{:?}", form.fields);
    press(&mut app, "\n");
    let error = app.form.as_ref().unwrap().error.clone().unwrap();
    assert!(error.contains("match every image"), "{error}");
    key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(app.mode(), Mode::Image);
    assert!(app.doc.edits.pixel_rules.is_empty());
}

#[test]
fn rules_already_in_the_profile_show_on_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("us.dcm");
    image_gen::mono8(&path);
    let ron = r#"(name: "site-us", extends: "basic", options: ["clean-pixel-data"],
        pixel_rules: [(name: "banner", signature: (manufacturer: "fictive echo", rows: 64),
                       regions: [(x: 0, y: 0, width: 20, height: 16)]),
                      (name: "other", signature: (modality: "CT"),
                       regions: [(x: 0, y: 0, width: 96, height: 64)])])"#;
    let profile_path = dir.path().join("site-us.ron");
    std::fs::write(&profile_path, ron).unwrap();
    let profile = Profile::load(&profile_path).unwrap();
    let mut app = open_named(&path, "us.dcm", profile);
    assert_eq!(app.matching_pixel_rules(), 1);
    press(&mut app, "v");
    let t = draw(&mut app, 150, 40);
    assert!(text(&t).contains("1 pixel rule matches"));
    // The matching rule's region is black; the rest of the text, under the other rule's
    // region (a CT rule), still shows.
    assert_eq!(colour_at(&app, &t, 10, 8), [0, 0, 0]);
    assert_eq!(colour_at(&app, &t, 30, 8), [255, 255, 255]);
    let (inside, _) = cells_inside(
        &app,
        &t,
        &Region {
            x: 0,
            y: 0,
            width: 20,
            height: 16,
        },
    );
    assert!(!inside.is_empty() && inside.iter().all(|c| *c == [0, 0, 0]));
}

#[test]
fn the_loader_reports_frames_past_the_last_and_files_that_are_gone() {
    let (_dir, path) = fixture(image_gen::multiframe, "multi.dcm");
    let mut cache = FileCache::default();
    let frame: DecodedFrame = decode::load_frame(&path, 2, &mut cache).unwrap();
    assert_eq!(
        (frame.frame, frame.frames, frame.columns, frame.rows),
        (2, 3, 48, 32)
    );
    assert_eq!(
        decode::load_frame(&path, 3, &mut cache),
        Err(FrameError::NoSuchFrame { frame: 4, frames: 3 })
    );
    let gone = path.with_file_name("gone.dcm");
    assert!(matches!(
        decode::load_frame(&gone, 0, &mut FileCache::default()),
        Err(FrameError::Open(_))
    ));
}

#[test]
fn every_native_syntax_decodes_to_the_same_values() {
    let fixture = |name: &str| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    let load = |name: &str| decode::load_frame(&fixture(name), 0, &mut FileCache::default()).expect(name);
    let little = load("ct_explicit_le.dcm");
    for other in ["ct_explicit_be.dcm", "ct_deflated.dcm"] {
        assert_eq!(
            load(other).pixels,
            little.pixels,
            "{other} decodes as the little-endian file"
        );
    }
    // The bundled multi-frame ultrasound: three frames, each its own.
    let mut cache = FileCache::default();
    let frames: Vec<_> = (0..3)
        .map(|f| {
            decode::load_frame(&fixture("us_multiframe.dcm"), f, &mut cache)
                .unwrap()
                .pixels
        })
        .collect();
    assert_ne!(frames[0], frames[1]);
    assert_ne!(frames[1], frames[2]);
    // The JPEG Baseline fixture decodes to its size.
    let jpeg = load("sc_jpeg_baseline.dcm");
    assert_eq!((jpeg.columns, jpeg.rows), (16, 16));
}

#[test]
fn every_size_draws_the_image_pane_without_a_panic() {
    let (_dir, path) = fixture(image_gen::mono8, "mono8.dcm");
    let mut app = open(&path, "mono8.dcm");
    press(&mut app, "v");
    settle_at(&mut app, 120, 30);
    press(&mut app, "b\n");
    for width in [1u16, 5, 12, 20, 33, 47, 59, 79, 80, 118, 119, 200] {
        for height in [1u16, 3, 5, 8, 13, 24, 60] {
            for keys in ["", "z", "z", "b", "\n", "R"] {
                press(&mut app, keys);
                let t = draw(&mut app, width, height);
                if let Some(g) = app.image.geometry {
                    assert!(g.cells.x + g.cells.width <= width && g.cells.y + g.cells.height <= height);
                }
                drop(t);
            }
            key(&mut app, KeyCode::Esc, KeyModifiers::NONE);
        }
    }
}

fn settle_at(app: &mut App, width: u16, height: u16) {
    app.update(Action::Resize(width, height));
    settle(app);
}

#[test]
fn ybr_images_are_shown_in_rgb() {
    for (make, name) in [
        (image_gen::ybr_422 as fn(&Path), "ybr422.dcm"),
        (image_gen::ybr_full_planar, "ybr_planar.dcm"),
    ] {
        let (_dir, path) = fixture(make, name);
        let mut app = open(&path, name);
        press(&mut app, "v");
        let t = draw(&mut app, 150, 40);
        for (x, y) in [(0, 0), (31, 17), (63, 63)] {
            let [r, g, b] = colour_at(&app, &t, x, y);
            assert!(
                r >= 250 && g <= 4 && b <= 4,
                "{name}: ({x},{y}) is {r},{g},{b}, not red"
            );
        }
    }
}

#[test]
fn jpeg_2000_decodes() {
    let (_dir, path) = fixture(image_gen::j2k, "j2k.dcm");
    let frame = decode::load_frame(&path, 0, &mut FileCache::default()).expect("JPEG 2000 decodes");
    let decode::Pixels::Grey { values, .. } = &frame.pixels else {
        panic!("grey expected")
    };
    let expected: Vec<f32> = image_gen::j2k_pixels().into_iter().map(f32::from).collect();
    assert_eq!(values, &expected, "lossless: every pixel as encoded");
}
