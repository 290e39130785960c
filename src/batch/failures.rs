//! The failures of a folder run: each names its input, and a cause many files share (an
//! output folder that cannot be written) is kept once, for the programs to tell once, above
//! their names.

use std::path::{Path, PathBuf};

use super::inputs::{InputError, Job};
use super::report::{FileReport, Status};
use crate::terminal_text::path as show;
use crate::Error;

/// A file that failed: its input, and why in words that do not repeat the input's name, so
/// that many files failing for one reason (an output folder that cannot be written) can be
/// told once.
#[derive(Clone, Debug)]
pub struct Failure {
    input: PathBuf,
    cause: String,
    /// The error as the JSON report gives it.
    error: String,
}

impl Failure {
    /// The input that failed (or the place in a folder that could not be read).
    pub fn input(&self) -> &Path {
        &self.input
    }

    /// Why, without the input's name.
    pub fn cause(&self) -> &str {
        &self.cause
    }

    /// The whole error, as the report gives it.
    pub fn error(&self) -> &str {
        &self.error
    }

    pub fn new(input: &Path, cause: String) -> Failure {
        Failure {
            error: format!("{}: {cause}", input.display()),
            input: input.to_path_buf(),
            cause,
        }
    }

    /// From the engine's error: one on the output side (a folder that cannot be written) is
    /// told by the folder, the same for every file in it.
    /// `describe` words the error (the programs add their hints).
    pub fn of_error(job: &Job, err: &Error, describe: fn(&Error) -> String) -> Failure {
        let cause = match err {
            Error::Io { path, source } if path != &job.input => {
                let folder = if path == &job.output {
                    path.parent().unwrap_or(path)
                } else {
                    path
                };
                format!("cannot write {}: {}", folder.display(), os_reason(source))
            }
            other => without_prefix(&describe(other), &job.input),
        };
        Failure {
            input: job.input.clone(),
            cause,
            error: describe(err),
        }
    }

    pub fn of_walk(err: &InputError) -> Failure {
        let input = err.path();
        Failure {
            input: input.to_path_buf(),
            cause: without_prefix(&err.to_string(), input),
            error: err.to_string(),
        }
    }

    /// A file whose output was written and then removed under the run.
    pub fn lost(job: &Job) -> Failure {
        Failure::new(
            &job.input,
            format!(
                "its output {} was written, then removed during the run (its folder deleted?)",
                job.output.display()
            ),
        )
    }

    pub fn entry(&self) -> FileReport {
        FileReport {
            input: self.input.clone(),
            output: None,
            status: Status::Failed,
            error: Some(self.error.clone()),
            notes: Vec::new(),
            changes: Vec::new(),
        }
    }
}

/// What the operating system said, without the name of the file it was about (a temporary
/// file's random name, which the temporary-file layer appends as ` at path "…"`, would make
/// each file's reason different).
fn os_reason(err: &std::io::Error) -> String {
    if let Some(code) = err.raw_os_error() {
        return std::io::Error::from_raw_os_error(code).to_string();
    }
    let text = err.to_string();
    match text.find(" at path \"") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

/// `text` without a leading `path: ` (as the path is shown or escaped).
fn without_prefix(text: &str, path: &Path) -> String {
    for shown in [path.display().to_string(), show(path).to_string()] {
        if let Some(rest) = text.strip_prefix(&format!("{shown}: ")) {
            return rest.to_string();
        }
    }
    text.to_string()
}

/// The run's failures, grouped by cause in order of first appearance.
#[derive(Debug, Default)]
pub struct Failures {
    groups: Vec<(String, Vec<PathBuf>)>,
    by_cause: std::collections::HashMap<String, usize>,
    count: usize,
}

impl Failures {
    pub fn add(&mut self, failure: Failure) {
        self.count += 1;
        let at = *self.by_cause.entry(failure.cause.clone()).or_insert_with(|| {
            self.groups.push((failure.cause, Vec::new()));
            self.groups.len() - 1
        });
        self.groups[at].1.push(failure.input);
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// How many files failed.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Each cause, in order of first appearance, with the inputs that failed for it.
    pub fn groups(&self) -> impl Iterator<Item = (&str, &[PathBuf])> {
        self.groups
            .iter()
            .map(|(cause, inputs)| (cause.as_str(), inputs.as_slice()))
    }
}
