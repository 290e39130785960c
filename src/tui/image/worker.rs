//! Decoding off the screen's thread: the screen sends "frame N of this file", the worker
//! decodes it and sends it back; the event loop polls for the answer between keys, so a slow
//! decode never delays a keypress.
//!
//! Only the newest request counts: the worker takes every request waiting when it is free
//! and decodes the last one only, and the screen drops an answer to a request it has since
//! replaced. Stepping quickly through a hundred frames decodes the one the user stops on,
//! not a queue of stale ones.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;

use super::decode::{self, DecodedFrame, FileCache, FrameError};

/// The name of the worker's thread: a panic on it (a decoder's, caught there) must not
/// restore the terminal as a panic of the screen's own thread does.
pub const THREAD_NAME: &str = "dpk-image-decode";

/// How a frame is read: [`decode::load_frame`], or a stand-in in tests.
pub type Loader = Arc<dyn Fn(&Path, u32, &mut FileCache) -> Result<DecodedFrame, FrameError> + Send + Sync>;

/// The default loader.
pub fn default_loader() -> Loader {
    Arc::new(decode::load_frame)
}

/// One request: frame `frame` of the file at `path`, numbered `id` by the screen.
struct Request {
    id: u64,
    path: PathBuf,
    frame: u32,
}

/// An answer.
pub struct Answer {
    /// The request's number.
    pub id: u64,
    /// The frame, or why it cannot be shown.
    pub result: Result<Arc<DecodedFrame>, FrameError>,
}

/// The decoding thread and its two channels. Dropping it ends the thread once its current
/// decode is done.
pub struct Worker {
    requests: Sender<Request>,
    answers: Receiver<Answer>,
    next_id: u64,
    /// The newest request sent and not yet answered.
    pending: Option<(u64, u32)>,
}

impl Worker {
    /// Starts the thread.
    pub fn start(loader: Loader) -> std::io::Result<Worker> {
        let (requests, inbox) = mpsc::channel::<Request>();
        let (outbox, answers) = mpsc::channel::<Answer>();
        std::thread::Builder::new()
            .name(THREAD_NAME.into())
            .stack_size(crate::limits::stack_size())
            .spawn(move || run(&inbox, &outbox, &loader))?;
        Ok(Worker {
            requests,
            answers,
            next_id: 0,
            pending: None,
        })
    }

    /// Asks for a frame; an earlier request still waiting is superseded.
    pub fn request(&mut self, path: &Path, frame: u32) -> u64 {
        self.next_id += 1;
        let id = self.next_id;
        self.pending = Some((id, frame));
        // A worker that is gone (it cannot be, short of a bug) leaves the request pending:
        // the pane then says it is decoding, never shows a wrong frame.
        let _ = self.requests.send(Request {
            id,
            path: path.to_path_buf(),
            frame,
        });
        id
    }

    /// The frame being decoded (0-based), if any.
    pub fn pending_frame(&self) -> Option<u32> {
        self.pending.map(|(_, frame)| frame)
    }

    /// The answer to the newest request, if it has come; answers to older ones are dropped.
    pub fn poll(&mut self) -> Option<Answer> {
        let mut newest = None;
        loop {
            match self.answers.try_recv() {
                Ok(answer) => {
                    if self.pending.is_some_and(|(id, _)| id == answer.id) {
                        self.pending = None;
                        newest = Some(answer);
                    }
                }
                Err(TryRecvError::Empty) => return newest,
                Err(TryRecvError::Disconnected) => {
                    if let Some((id, _)) = self.pending.take() {
                        return Some(Answer {
                            id,
                            result: Err(FrameError::Decode("the decoding thread stopped".into())),
                        });
                    }
                    return newest;
                }
            }
        }
    }
}

/// The thread: wait for a request, take the newest of those waiting, decode it, answer.
fn run(inbox: &Receiver<Request>, outbox: &Sender<Answer>, loader: &Loader) {
    let mut cache = FileCache::default();
    while let Ok(mut request) = inbox.recv() {
        while let Ok(newer) = inbox.try_recv() {
            request = newer;
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            loader(&request.path, request.frame, &mut cache)
        }))
        .unwrap_or_else(|_| Err(FrameError::Decode("the decoder failed".into())));
        if result.is_err() {
            // A file that failed may be one being rewritten: read it again next time.
            cache = FileCache::default();
        }
        let answer = Answer {
            id: request.id,
            result: result.map(Arc::new),
        };
        if outbox.send(answer).is_err() {
            return;
        }
    }
}
