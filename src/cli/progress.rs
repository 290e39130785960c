//! The progress bar of a folder run: on stderr when it is a terminal, nothing otherwise
//! (logs and CI get the summary line only).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use std::path::Path;

/// How much a run has to do, counted before it starts: the bar's 100 %.
#[derive(Debug, Default)]
pub struct Total {
    files: usize,
    bytes: u64,
    /// Whether the bar is drawn at all; sizes are looked up only then.
    shown: bool,
}

impl Total {
    /// An empty count, for a bar drawn only where someone watches: stderr a terminal.
    pub fn new() -> Total {
        Total {
            shown: std::io::stderr().is_terminal(),
            ..Total::default()
        }
    }

    /// Counts one input file.
    pub fn add(&mut self, input: &std::path::Path) {
        self.files += 1;
        if self.shown {
            self.bytes += std::fs::metadata(input).map_or(0, |m| m.len());
        }
    }
}

/// Files done, bytes read, failures so far, rate and time left.
pub struct Progress {
    bar: ProgressBar,
    files: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
}

impl Progress {
    /// A bar over the total input size, for runs of more than one file.
    pub fn new(total: &Total) -> Progress {
        let bar = if total.shown && total.files > 1 {
            ProgressBar::with_draw_target(Some(total.bytes), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
        ) {
            bar.set_style(style);
        }
        Progress {
            bar,
            files: total.files,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    /// Counts one file.
    pub fn file_done(&self, input: &Path, failed: bool) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let failed = self.failed.fetch_add(usize::from(failed), Ordering::Relaxed) + usize::from(failed);
        self.bar.inc(std::fs::metadata(input).map_or(0, |m| m.len()));
        self.bar
            .set_message(format!("{done}/{} files, {failed} failed", self.files));
    }

    /// Prints a line on stderr without garbling the bar.
    pub fn println(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }

    /// Clears the bar before the summary is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
