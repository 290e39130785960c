//! The progress bar of a folder run: on stderr when it is a terminal, nothing otherwise
//! (logs and CI get the summary line only).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::inputs::Job;

/// Files done, bytes read, failures so far, rate and time left.
pub struct Progress {
    bar: ProgressBar,
    files: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
}

impl Progress {
    /// A bar over the total input size of `jobs`.
    pub fn new(jobs: &[&Job]) -> Progress {
        let total: u64 = jobs
            .iter()
            .filter_map(|j| std::fs::metadata(&j.input).ok())
            .map(|m| m.len())
            .sum();
        let bar = if std::io::stderr().is_terminal() && jobs.len() > 1 {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
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
            files: jobs.len(),
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    /// Counts one file.
    pub fn file_done(&self, job: &Job, failed: bool) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let failed = self.failed.fetch_add(usize::from(failed), Ordering::Relaxed) + usize::from(failed);
        self.bar.inc(std::fs::metadata(&job.input).map_or(0, |m| m.len()));
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
