//! Writing outputs atomically: a temporary file in the target folder, renamed into place once
//! complete, so that no reader ever sees a half-written file and an error leaves nothing.

use std::io::Write;
use std::path::Path;

use super::DicomFile;
use crate::error::{Error, Result};

/// When a written file reaches the disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// Each file is flushed to the disk before it is renamed into place: once there, it
    /// survives a power cut.
    #[default]
    EachFile,
    /// Each file is renamed into place once written, unflushed (a killed process still never
    /// leaves a partial file), and the caller flushes them all with [`sync_all_under`]: one
    /// flush for a whole batch, where flushing file by file would cost more than the work.
    Batch,
}

/// Flushes to the disk everything written to the file system that holds `dir`.
pub fn sync_all_under(dir: &Path) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let handle = std::fs::File::open(dir).map_err(io)?;
    #[cfg(target_os = "linux")]
    rustix::fs::syncfs(&handle).map_err(|e| io(e.into()))?;
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let _ = handle;
        rustix::fs::sync();
    }
    #[cfg(not(unix))]
    handle.sync_all().map_err(io)?;
    Ok(())
}

/// Writes `file` to `path` (preamble of zeros, file meta group, dataset in the meta group's
/// transfer syntax), flushed to the disk. On error no file is left at `path` nor beside it.
pub fn write_atomic(file: &DicomFile, path: &Path) -> Result<()> {
    write_atomic_durable(file, path, Durability::EachFile)
}

/// [`write_atomic`], flushed to the disk as `durability` says.
pub fn write_atomic_durable(file: &DicomFile, path: &Path, durability: Durability) -> Result<()> {
    write_atomic_with(path, durability, |w| {
        file.write_all(w).map_err(|e| Error::Write {
            path: path.to_path_buf(),
            reason: super::encode_failure(file, &e),
        })
    })
}

/// Writes whatever `write` produces to `path`, atomically.
pub fn write_atomic_with(
    path: &Path,
    durability: Durability,
    write: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = temp_beside(path)?;
    write(tmp.as_file_mut())?;
    tmp.as_file_mut().flush().map_err(io)?;
    if durability == Durability::EachFile {
        tmp.as_file().sync_all().map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// A temporary file in the folder of `path`, to be renamed to it once complete (a rename
/// within one file system is atomic). Dropped unrenamed, it deletes itself. Its permissions
/// are those of any new file (the umask applies), not the private ones of a temporary file.
pub fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".dpk-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })
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
