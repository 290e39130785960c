//! The folder a run writes into: made once, never written through a symbolic link, never
//! made again if it vanishes under the run, and cleared of the temporary files a killed run
//! left.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::inputs::is_dpk_temp;
use crate::Error;

/// The output folder of a run, as it was when the run began.
pub struct OutputTree {
    root: PathBuf,
    /// Which folder it is (device and inode), to tell it from one made again in its place.
    identity: Option<(u64, u64)>,
}

impl OutputTree {
    /// Makes `root` (and the folders above it) if need be.
    pub fn create(root: &Path) -> Result<OutputTree, Error> {
        std::fs::create_dir_all(root).map_err(|source| Error::Io {
            path: root.to_path_buf(),
            source,
        })?;
        Ok(OutputTree {
            root: root.to_path_buf(),
            identity: identity(root),
        })
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Makes the folders `output` goes in, under the root, after checking that the root is
    /// still the folder the run began with and that no folder between it and `output` is a
    /// symbolic link: one planted there would send the write outside the output tree. On a
    /// refusal, says why in words.
    pub fn prepare(&self, output: &Path) -> Result<(), String> {
        let now = identity(&self.root);
        if now.is_none() || now != self.identity {
            return Err(format!(
                "the output folder {} was removed or replaced during the run: nothing more is written",
                self.root.display()
            ));
        }
        let Some(parent) = output.parent() else {
            return Ok(());
        };
        let Ok(rel) = parent.strip_prefix(&self.root) else {
            // A single output file whose folder is the root itself.
            return Ok(());
        };
        let mut folder = self.root.clone();
        for part in rel.components() {
            folder.push(part);
            match std::fs::symlink_metadata(&folder) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(format!(
                        "{} is a symbolic link inside the output {}: refused, writing through it \
                         could put the output anywhere",
                        folder.display(),
                        self.root.display()
                    ))
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    return Err(format!(
                        "{} is in the output tree and is no folder",
                        folder.display()
                    ))
                }
                // Made here one level at a time, never the root: a root that vanished stays so.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::create_dir(&folder) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && folder.is_dir() => {}
                    Err(e) => return Err(format!("cannot write {}: {e}", folder.display())),
                },
                Err(e) => return Err(format!("cannot write {}: {e}", folder.display())),
            }
        }
        Ok(())
    }

    /// Whether `output` is there, a file of its own (not a link).
    pub fn output_present(&self, output: &Path) -> bool {
        std::fs::symlink_metadata(output).is_ok_and(|m| m.is_file())
    }

    /// Removes dpk's temporary files (`.dpk-*.tmp`) anywhere under the root, those untouched
    /// for at least `min_age` if given; links are not followed. Says what it removed, or could
    /// not.
    pub fn remove_stale_temps(&self, min_age: Option<Duration>) -> Vec<Result<PathBuf, Error>> {
        let mut done = Vec::new();
        for entry in walkdir::WalkDir::new(&self.root).into_iter().flatten() {
            if entry.depth() == 0 || !entry.file_type().is_file() || !is_dpk_temp(entry.file_name()) {
                continue;
            }
            let old_enough = min_age.is_none_or(|age| {
                entry
                    .metadata()
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|elapsed| elapsed >= age)
            });
            if !old_enough {
                continue;
            }
            let path = entry.into_path();
            done.push(match std::fs::remove_file(&path) {
                Ok(()) => Ok(path),
                Err(source) => Err(Error::Io { path, source }),
            });
        }
        done
    }
}

/// The device and inode of a folder: the same path can name another folder later.
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_dir())
        .map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_dir())
        .map(|_| (0, 0))
}
