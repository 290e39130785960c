//! Writing outputs atomically: a temporary file in the target folder, renamed into place once
//! complete, so that no reader ever sees a half-written file and an error leaves nothing.

use std::io::Write;
use std::path::Path;

use super::DicomFile;
use crate::error::{Error, Result};

/// Writes `file` to `path` (preamble of zeros, file meta group, dataset in the meta group's
/// transfer syntax). On error no file is left at `path` nor beside it.
pub fn write_atomic(file: &DicomFile, path: &Path) -> Result<()> {
    write_atomic_with(path, |w| {
        file.write_all(w).map_err(|e| Error::Write {
            path: path.to_path_buf(),
            reason: error_chain(&e),
        })
    })
}

/// Writes whatever `write` produces to `path`, atomically.
pub fn write_atomic_with(path: &Path, write: impl FnOnce(&mut std::fs::File) -> Result<()>) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".dpk-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io)?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// An error and its causes, in one line.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let t = cause.to_string();
        if !text.contains(&t) {
            text.push_str(": ");
            text.push_str(&t);
        }
        source = cause.source();
    }
    text
}
