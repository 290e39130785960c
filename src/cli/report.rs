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
//!   "summary": { "files_done": 1, "files_failed": 1, "files_skipped": 0, "elements_changed": 1 }
//! }
//! ```
//!
//! `changes` lists the elements that change (kind removed, emptied, replaced or added), the file
//! meta group first; `requested` and `note` appear where a rule's combined code was resolved
//! or an action had to be replaced. Values are rendered as text, multiple values joined by
//! `\`; hashed and remapped values appear as their new value. The salt appears nowhere.

use std::path::PathBuf;

use serde::Serialize;

use crate::diff::Change;

#[derive(Serialize)]
pub struct RunReport {
    pub dpk_version: &'static str,
    pub profile: String,
    pub options: Vec<&'static str>,
    pub files: Vec<FileReport>,
    pub summary: Summary,
}

#[derive(Serialize)]
pub struct FileReport {
    pub input: PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
}

#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
}

#[derive(Serialize, Default)]
pub struct Summary {
    pub files_done: usize,
    pub files_failed: usize,
    pub files_skipped: usize,
    pub elements_changed: usize,
}

impl Summary {
    /// The one line every run prints.
    pub fn line(&self) -> String {
        let skipped = if self.files_skipped > 0 {
            format!(", {} skipped (output exists)", self.files_skipped)
        } else {
            String::new()
        };
        format!(
            "dpk: {} file{} done, {} failed, {} element{} changed{skipped}",
            self.files_done,
            if self.files_done == 1 { "" } else { "s" },
            self.files_failed,
            self.elements_changed,
            if self.elements_changed == 1 { "" } else { "s" },
        )
    }
}
