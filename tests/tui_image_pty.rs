//! The real `dpk-tui` binary in an 80 × 24 pseudo-terminal: `v` on a generated image shows
//! the image pane in half-blocks, and `q` leaves the terminal as it was.

#[path = "support/image_gen.rs"]
mod image_gen;
#[path = "support/pty_session.rs"]
mod pty_session;

use std::time::Duration;

use pty_session::Session;

// `dpk-tui` on `args`, as this suite starts and waits for it.
impl Session {
    fn start(args: &[&std::ffi::OsStr], rows: u16, cols: u16, env: &[(&str, &str)]) -> Session {
        Session::launch(args, rows, cols, env)
    }

    /// Waits up to 30 s for the screen to satisfy `what`.
    fn wait_for(&self, what: impl Fn(&str) -> bool, why: &str) -> String {
        self.wait_until(what, why, Duration::from_secs(30))
    }
}

#[test]
fn at_80_by_24_v_shows_the_image_in_half_blocks_and_q_quits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.dcm");
    image_gen::mono8(&path);
    let mut session = Session::start(&[path.as_os_str()], 24, 80, &[]);
    session.wait_for(|t| t.contains("Tags —"), "the tag tree");
    session.keys("v");
    let screen = session.wait_for(
        |t| t.contains("Image — frame 1/1") && (t.contains('▀') || t.contains('▄')),
        "the image pane in half-blocks",
    );
    assert!(
        screen.contains("Tags —"),
        "the tree stays beside the image:\n{screen}"
    );
    // The tree still answers the keys.
    session.keys("j");
    session.keys("q");
    session.quits_cleanly();
}

#[test]
fn a_region_dragged_with_the_mouse_is_drawn_in_the_real_program() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.dcm");
    image_gen::mono8(&path);
    let mut session = Session::start(&[path.as_os_str()], 24, 80, &[]);
    session.wait_for(|t| t.contains("Tags —"), "the tag tree");
    session.keys("v");
    session.wait_for(|t| t.contains("Image — frame 1/1"), "the image pane");
    // SGR mouse reports (1-based): press, drag, release over the right half of the screen.
    session.keys("\x1b[<0;50;8M\x1b[<32;60;12M\x1b[<0;60;12m");
    session.wait_for(|t| t.contains("1 region drawn"), "the region drawn");
    session.keys("vq");
    session.quits_cleanly();
}

#[test]
fn inside_tmux_the_terminal_is_not_asked_and_every_key_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("echo.dcm");
    image_gen::mono8(&path);
    let mut session = Session::start(
        &[path.as_os_str()],
        24,
        80,
        &[("TMUX", "/tmp/tmux-0/default,1,0")],
    );
    session.wait_for(|t| t.contains("Tags —"), "the tag tree");
    // The first key is the program's, not a question's reader's.
    session.keys("v");
    session.wait_for(
        |t| t.contains("Image — frame 1/1") && (t.contains('▀') || t.contains('▄')),
        "the image pane in half-blocks",
    );
    let raw = session.raw.lock().unwrap().clone();
    let asked = raw.windows(4).any(|w| w == b"\x1b[5n");
    assert!(!asked, "the terminal was asked inside tmux");
    session.keys("q");
    session.quits_cleanly();
}
