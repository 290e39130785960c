//! De-identifying a file held in memory: bytes in, bytes out.
//!
//! The bytes go through exactly the path a file on disk takes — the structure walk and its
//! limits, the lenient reading, pixel data copied or streamed as it lies, the atomic writer —
//! so the output is byte for byte what `dpk anonymize` writes for the same input, profile and
//! salt, and hostile bytes are refused as a hostile file is. They are staged in a private
//! folder in memory (`/dev/shm` where the system has one, the temporary folder elsewhere),
//! which is removed, whatever happens, before the call returns; errors name the caller's
//! name for the input, never the staging folder.

use std::path::{Path, PathBuf};

use super::{anonymize_file_durable, Context, Plan};
use crate::dataset::{self, Durability, Header};
use crate::error::{Error, Result};
use crate::profile::ResolvedProfile;

/// A de-identified file: the plan that made it (the audit log) and its bytes.
#[derive(Clone, Debug)]
pub struct Anonymized {
    /// What was done to every element.
    pub plan: Plan,
    /// The de-identified file, as `dpk anonymize` writes it.
    pub bytes: Vec<u8>,
}

/// De-identifies the DICOM file `bytes` (named `name` in errors and notes).
pub fn anonymize_bytes(
    bytes: &[u8],
    name: &Path,
    profile: &ResolvedProfile,
    ctx: &Context,
) -> Result<Anonymized> {
    let staged = Staged::new(bytes, name)?;
    let output = staged.dir.path().join("output.dcm");
    let plan = anonymize_file_durable(&staged.input, &output, profile, ctx, Durability::Batch)
        .map_err(|e| staged.rename(e))?;
    let bytes = std::fs::read(&output).map_err(|source| Error::Io {
        path: name.to_path_buf(),
        source,
    })?;
    Ok(Anonymized { plan, bytes })
}

/// The plan of the DICOM file `bytes` (named `name` in errors and notes), read as
/// [`dataset::open_header`] reads a file: pixel data described, not held.
pub fn plan_bytes(bytes: &[u8], name: &Path, profile: &ResolvedProfile, ctx: &Context) -> Result<Plan> {
    let header = open_header_bytes(bytes, name)?;
    super::plan_anonymize(&header, profile, ctx)
}

/// Opens the DICOM file `bytes` as [`dataset::open_header`] opens a file (the same checks and
/// limits), for scoring or inspection.
pub fn open_header_bytes(bytes: &[u8], name: &Path) -> Result<Header> {
    let staged = Staged::new(bytes, name)?;
    // Large pixel data is described (its [`dataset::PixelData`]), not held: the plan lists it
    // as for a file, and nothing reads it from the staged copy, which is gone on return.
    dataset::open_header(&staged.input).map_err(|e| staged.rename(e))
}

/// Bytes written to a private folder in memory, as a file the engine can open.
struct Staged {
    dir: tempfile::TempDir,
    input: PathBuf,
    name: PathBuf,
}

impl Staged {
    fn new(bytes: &[u8], name: &Path) -> Result<Staged> {
        let io = |source| Error::Io {
            path: name.to_path_buf(),
            source,
        };
        let mut builder = tempfile::Builder::new();
        builder.prefix("dpk-memory-");
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            builder.tempdir_in(shm).or_else(|_| builder.tempdir())
        } else {
            builder.tempdir()
        }
        .map_err(io)?;
        let input = dir.path().join("input.dcm");
        std::fs::write(&input, bytes).map_err(io)?;
        Ok(Staged {
            dir,
            input,
            name: name.to_path_buf(),
        })
    }

    /// `err` naming the caller's name for the input wherever it named a staged file.
    fn rename(&self, err: Error) -> Error {
        let own = |path: PathBuf| -> PathBuf {
            if path.starts_with(self.dir.path()) {
                self.name.clone()
            } else {
                path
            }
        };
        match err {
            Error::Open { path, reason } => Error::Open {
                path: own(path),
                reason: reason.replace(
                    &self.input.display().to_string(),
                    &self.name.display().to_string(),
                ),
            },
            Error::Limit { path, exceeded } => Error::Limit {
                path: own(path),
                exceeded,
            },
            Error::Cancelled { path } => Error::Cancelled { path: own(path) },
            Error::Io { path, source } => Error::Io {
                path: own(path),
                source,
            },
            Error::Write { path, reason } => Error::Write {
                path: own(path),
                reason,
            },
            Error::Encode {
                input,
                output,
                reason,
            } => Error::Encode {
                input: own(input),
                output: own(output),
                reason,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Profile, Salt};

    fn setup() -> (ResolvedProfile, Context) {
        let profile = Profile::builtin("basic").unwrap().resolve().unwrap();
        let ctx = Context::new(Salt::new(b"in-memory-test-salt-0001".to_vec()).unwrap());
        (profile, ctx)
    }

    #[test]
    fn bytes_give_the_bytes_of_the_file_path_for_every_fixture() {
        let (profile, ctx) = setup();
        let dir = tempfile::tempdir().unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut seen = 0;
        for entry in std::fs::read_dir(&fixtures).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("dcm") {
                continue;
            }
            let out = dir.path().join(path.file_name().unwrap());
            let plan = super::super::anonymize_file(&path, &out, &profile, &ctx).unwrap();
            let from_bytes = anonymize_bytes(&std::fs::read(&path).unwrap(), &path, &profile, &ctx).unwrap();
            assert_eq!(
                from_bytes.bytes,
                std::fs::read(&out).unwrap(),
                "{}",
                path.display()
            );
            assert_eq!(from_bytes.plan.change_count(), plan.change_count());
            seen += 1;
        }
        assert!(seen >= 5, "only {seen} fixtures");
    }

    #[test]
    fn errors_name_the_callers_input_never_the_staging_folder() {
        let (profile, ctx) = setup();
        let name = Path::new("upload-42.dcm");
        let mut cut =
            std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/ct_explicit_le.dcm")).unwrap();
        cut.truncate(cut.len() / 2);
        for bytes in [&b"not DICOM"[..], &cut] {
            let err = anonymize_bytes(bytes, name, &profile, &ctx).unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with("upload-42.dcm"), "{text}");
            assert!(!text.contains("dpk-memory-"), "{text}");
            let err = open_header_bytes(bytes, name).map(|_| ()).unwrap_err();
            assert!(err.to_string().starts_with("upload-42.dcm"), "{err}");
        }
    }

    #[test]
    fn a_header_from_bytes_scores_as_the_file_does() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/us_multiframe.dcm");
        let weights = crate::risk::Weights::builtin();
        let from_file = crate::risk::score(&dataset::open_header(&path).unwrap().file, &weights);
        let header = open_header_bytes(&std::fs::read(&path).unwrap(), &path).unwrap();
        assert_eq!(crate::risk::score(&header.file, &weights), from_file);
        let (profile, ctx) = setup();
        let plan = plan_bytes(&std::fs::read(&path).unwrap(), &path, &profile, &ctx).unwrap();
        let from_disk =
            super::super::plan_anonymize(&dataset::open_header(&path).unwrap(), &profile, &ctx).unwrap();
        assert_eq!(plan.change_count(), from_disk.change_count());
    }
}
