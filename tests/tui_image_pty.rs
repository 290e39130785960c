//! The real `dpk-tui` binary in an 80 × 24 pseudo-terminal: `v` on a generated image shows
//! the image pane in half-blocks, and `q` leaves the terminal as it was.

#[path = "support/image_gen.rs"]
mod image_gen;
#[path = "support/terminal_answers.rs"]
mod terminal_answers;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

struct Session {
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote.
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Session {
    fn start(args: &[&std::ffi::OsStr], rows: u16, cols: u16, env: &[(&str, &str)]) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_dpk-tui"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("DPK_SALT");
        cmd.env_remove("TMUX");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("dpk-tui starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let writer = Arc::new(Mutex::new(pair.master.take_writer().expect("writer")));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let (feed, sink, answer) = (Arc::clone(&screen), Arc::clone(&raw), Arc::clone(&writer));
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            let mut pending = Vec::new();
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                feed.lock().unwrap().process(&buf[..n]);
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
                let reply = terminal_answers::answers(&mut pending, &buf[..n]);
                if !reply.is_empty() {
                    let mut w = answer.lock().unwrap();
                    let _ = w.write_all(&reply);
                    let _ = w.flush();
                }
            }
        });
        std::mem::forget(pair.master);
        Session {
            screen,
            raw,
            writer,
            child,
        }
    }

    fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: impl Fn(&str) -> bool, why: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = self.text();
            if what(&text) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{why} never appeared; the screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn keys(&mut self, keys: &str) {
        let mut w = self.writer.lock().unwrap();
        w.write_all(keys.as_bytes()).unwrap();
        w.flush().unwrap();
    }

    fn quits_cleanly(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(Instant::now() < deadline, "dpk-tui did not quit");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "{status:?}");
        std::thread::sleep(Duration::from_millis(100));
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        assert!(!screen.alternate_screen(), "the alternate screen was not left");
        assert_eq!(
            screen.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse reporting was left on"
        );
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
