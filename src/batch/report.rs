//! The record of a run: what was done to each file, as text for people or JSON for programs.
//!
//! JSON shape (stable; fields are only ever added):
//!
//! ```json
//! {
//!   "dpk_version": "0.1.0",
//!   "profile": "basic",
//!   "options": ["retain-uids"],
//!   "files": [
//!     { "input": "in/a.dcm", "output": "out/a.dcm", "status": "ok",
//!       "changes": [ { "path": "(0010,0010)", "keyword": "PatientName", "vr": "PN",
//!                      "kind": "emptied", "before": "Doe^Jane", "after": "",
//!                      "action": "empty", "rule": "basic: (0010,0010)" } ] },
//!     { "input": "in/b.dcm", "status": "failed", "error": "in/b.dcm: …" }
//!   ],
//!   "summary": { "files_done": 1, "files_failed": 1, "files_skipped": 0, "elements_changed": 1,
//!                "links_skipped": 0 }
//! }
//! ```
//!
//! `notes` (present when not empty) says what the reader accepted that a strict reader would
//! not, e.g. a file without its 128-byte preamble; a file other readers accept although it
//! departs from the standard (no file meta group length, no transfer syntax, a tag given
//! twice, pixel data cut short, …) has notes starting "read with a fallback:", and the
//! summary counts such files in `files_with_fallback` (present when not zero).
//! `changes` lists the elements that change (kind removed, emptied, replaced or added), the file
//! meta group first; `requested` and `note` appear where a rule's combined code was resolved
//! or an action had to be replaced. Values are rendered as text, multiple values joined by
//! `\`; hashed and remapped values appear as their new value. The salt appears nowhere.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diff::Change;
use crate::error::Error;

/// A JSON run report written as the run goes, one file's entry at a time, to a temporary file
/// beside its path that is renamed into place when the run ends: memory does not grow with
/// the number of files, and no half-written report is ever at the path.
pub struct ReportWriter {
    out: BufWriter<tempfile::NamedTempFile>,
    path: PathBuf,
    files: usize,
}

impl ReportWriter {
    /// Starts the report at `path` (its folder is created if need be).
    pub fn create(path: &Path, profile: &str, options: &[&'static str]) -> Result<ReportWriter, Error> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let tmp = crate::dataset::temp_beside(path)?;
        let mut writer = ReportWriter {
            out: BufWriter::new(tmp),
            path: path.to_path_buf(),
            files: 0,
        };
        let head = format!(
            "{{\n  \"dpk_version\": {},\n  \"profile\": {},\n  \"options\": {},\n  \"files\": [",
            json(&env!("CARGO_PKG_VERSION"), path)?,
            json(&profile, path)?,
            json(&options, path)?,
        );
        writer.write(head.as_bytes())?;
        Ok(writer)
    }

    /// Adds one file's entry.
    pub fn add(&mut self, file: &FileReport) -> Result<(), Error> {
        let entry = json(file, &self.path)?;
        let separator = if self.files == 0 { "\n    " } else { ",\n    " };
        self.files += 1;
        self.write(separator.as_bytes())?;
        self.write(entry.as_bytes())
    }

    /// Ends the report with the run's summary, flushes it to the disk and puts it in place.
    pub fn finish(mut self, summary: &Summary) -> Result<(), Error> {
        let tail = format!("\n  ],\n  \"summary\": {}\n}}\n", json(summary, &self.path)?);
        self.write(tail.as_bytes())?;
        let path = self.path;
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let tmp = self.out.into_inner().map_err(|e| io(e.into_error()))?;
        tmp.as_file().sync_all().map_err(io)?;
        tmp.persist(&path).map_err(|e| io(e.error))?;
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.out.write_all(bytes).map_err(|source| Error::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// One value as compact JSON; `path` names the report in the error.
fn json(value: &impl Serialize, path: &Path) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

#[derive(Serialize)]
pub struct FileReport {
    pub input: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the reader accepted that a strict reader would not (a missing preamble).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Status {
    Ok,
    Failed,
}

#[derive(Serialize, Default, Debug, Clone)]
pub struct Summary {
    pub files_done: usize,
    pub files_failed: usize,
    pub files_skipped: usize,
    pub elements_changed: usize,
    /// Symbolic links inside input folders left alone (no `--follow-links`).
    pub links_skipped: usize,
    /// Files read with a fallback: accepted although they depart from the standard (each
    /// has a note starting "read with a fallback:").
    #[serde(skip_serializing_if = "is_zero")]
    pub files_with_fallback: usize,
    /// Files that may show burned-in text no pixel rule cleaned (with `clean-pixel-data`;
    /// each has a note starting "needs pixel review").
    #[serde(skip_serializing_if = "is_zero")]
    pub files_needing_pixel_review: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    /// Counts a file done whose reader's notes are `notes`.
    pub fn count_notes(&mut self, notes: &[String]) {
        let fallback = crate::dataset::lenient::FALLBACK;
        if notes.iter().any(|n| n.starts_with(fallback)) {
            self.files_with_fallback += 1;
        }
        if notes
            .iter()
            .any(|n| n.starts_with(crate::engine::NEEDS_PIXEL_REVIEW))
        {
            self.files_needing_pixel_review += 1;
        }
    }
}

impl Summary {
    /// The one line every run prints.
    pub fn line(&self) -> String {
        let skipped = if self.files_skipped > 0 {
            format!(", {} skipped (output exists)", self.files_skipped)
        } else {
            String::new()
        };
        let fallback = if self.files_with_fallback > 0 {
            format!(
                " ({} read with a fallback: see the notes)",
                self.files_with_fallback
            )
        } else {
            String::new()
        };
        let links = match self.links_skipped {
            0 => String::new(),
            1 => ", 1 symbolic link skipped".to_string(),
            n => format!(", {n} symbolic links skipped"),
        };
        format!(
            "dpk: {} file{} done{fallback}, {} failed, {} element{} changed{skipped}{links}",
            self.files_done,
            if self.files_done == 1 { "" } else { "s" },
            self.files_failed,
            self.elements_changed,
            if self.elements_changed == 1 { "" } else { "s" },
        )
    }
}
