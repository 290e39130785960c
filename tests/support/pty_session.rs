//! `dpk-tui` run in a pseudo-terminal and read back through a terminal emulator (vt100),
//! driven like a user: keys in, the screen out. The terminal answers what the program asks at
//! start as a real one would (`terminal_answers`).
#![allow(dead_code)]

#[path = "terminal_answers.rs"]
mod terminal_answers;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{native_pty_system, CommandBuilder, PtySize};

/// The program running, its screen and every byte it wrote.
pub struct Session {
    pub screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for checks on escape sequences.
    pub raw: Arc<Mutex<Vec<u8>>>,
    pub writer: Arc<Mutex<Box<dyn Write + Send>>>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Session {
    /// Starts `dpk-tui` with `args` on a terminal of `rows` × `cols` (TERM xterm-256color, no
    /// salt and no tmux from the caller's environment), with `env` added.
    pub fn launch<S: AsRef<std::ffi::OsStr>>(
        args: &[S],
        rows: u16,
        cols: u16,
        env: &[(&str, &str)],
    ) -> Session {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_dpk-tui"));
        for arg in args {
            cmd.arg(arg);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("DPK_SALT");
        cmd.env_remove("TMUX");
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pair.slave.spawn_command(cmd).expect("dpk-tui starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::new(Mutex::new(pair.master.take_writer().expect("writer")));
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
                // Answered as a terminal would: the inspector asks what it draws at start.
                let reply = terminal_answers::answers(&mut pending, &buf[..n]);
                if !reply.is_empty() {
                    let mut w = answer.lock().unwrap();
                    let _ = w.write_all(&reply);
                    let _ = w.flush();
                }
            }
        });
        // The master must outlive the child: keep it alive for the whole test.
        std::mem::forget(pair.master);
        Session {
            screen,
            raw,
            writer,
            child,
        }
    }

    /// The screen's text.
    pub fn text(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits up to `timeout` for the screen to satisfy `what` (`why` names it if it never
    /// does) and returns it.
    pub fn wait_until(&self, what: impl Fn(&str) -> bool, why: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
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

    /// Types `keys`.
    pub fn keys(&mut self, keys: &str) {
        let mut writer = self.writer.lock().unwrap();
        writer.write_all(keys.as_bytes()).unwrap();
        writer.flush().unwrap();
    }

    /// Waits for the program to exit, and checks it exited with success and gave the
    /// terminal back as it found it.
    pub fn quits_cleanly(&mut self) {
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
        assert_restored(self.screen.lock().unwrap().screen());
    }
}

/// Checks the terminal is as the program found it: the main screen, no mouse reporting.
pub fn assert_restored(screen: &vt100::Screen) {
    assert!(!screen.alternate_screen(), "the alternate screen was not left");
    assert_eq!(
        screen.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse reporting was left on"
    );
}
