//! Turning the command line's inputs and output into a list of (input file, output file) jobs.

use std::path::{Path, PathBuf};

/// One file to process.
#[derive(Debug, Clone)]
pub struct Job {
    /// The input file.
    pub input: PathBuf,
    /// Where its output goes.
    pub output: PathBuf,
}

/// Why the inputs and output do not make a run.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: no such file or folder", .0.display())]
    Missing(PathBuf),
    #[error("the output {} is {} the input {}: outputs must go elsewhere, or inputs would be overwritten", out.display(), if *same { "the same as" } else { "inside" }, input.display())]
    OutputInsideInput {
        out: PathBuf,
        input: PathBuf,
        same: bool,
    },
    #[error("several inputs or a folder need -o to be a folder, and {} is a file", .0.display())]
    OutputNotFolder(PathBuf),
    #[error("{} and {} would both be written to {}: give them different names or run them separately", first.display(), second.display(), output.display())]
    Collision {
        first: PathBuf,
        second: PathBuf,
        output: PathBuf,
    },
    #[error("{}: {source}", path.display())]
    Walk {
        path: PathBuf,
        #[source]
        source: walkdir::Error,
    },
}

/// The absolute, symlink-resolved form of a path that may not exist yet: its deepest existing
/// ancestor resolved, the rest appended.
fn resolve(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => break,
        }
    }
    let mut out = existing.canonicalize().unwrap_or_else(|_| existing.to_path_buf());
    out.extend(rest.iter().rev());
    out
}

/// Lists the jobs: a single file input goes to `output` (or into it, if it is a folder); a
/// folder input is walked recursively and mirrored under `output`; with several inputs each
/// goes into `output` under its own name. Symbolic links are not followed.
pub fn plan_jobs(inputs: &[PathBuf], output: &Path) -> Result<Vec<Job>, InputError> {
    let out_resolved = resolve(output);
    for input in inputs {
        if !input.exists() {
            return Err(InputError::Missing(input.clone()));
        }
        let input_resolved = resolve(input);
        if out_resolved == input_resolved || (input.is_dir() && out_resolved.starts_with(&input_resolved)) {
            return Err(InputError::OutputInsideInput {
                out: output.to_path_buf(),
                input: input.clone(),
                same: out_resolved == input_resolved,
            });
        }
    }
    let single_file = inputs.len() == 1 && inputs[0].is_file();
    if !single_file && output.is_file() {
        return Err(InputError::OutputNotFolder(output.to_path_buf()));
    }

    let mut jobs = Vec::new();
    for input in inputs {
        if input.is_file() {
            let name = input.file_name().map(PathBuf::from).unwrap_or_default();
            // `-o out/` names a folder even before it exists.
            let names_folder = output.is_dir()
                || output
                    .as_os_str()
                    .to_string_lossy()
                    .ends_with(std::path::MAIN_SEPARATOR);
            let target = if single_file && !names_folder {
                output.to_path_buf()
            } else {
                output.join(name)
            };
            jobs.push(Job {
                input: input.clone(),
                output: target,
            });
            continue;
        }
        let base = if inputs.len() == 1 {
            output.to_path_buf()
        } else {
            output.join(input.file_name().unwrap_or_default())
        };
        for file in list_files(std::slice::from_ref(input))? {
            let rel = file.strip_prefix(input).unwrap_or(&file).to_path_buf();
            jobs.push(Job {
                output: base.join(rel),
                input: file,
            });
        }
    }

    let mut seen: std::collections::HashMap<&Path, &Path> = std::collections::HashMap::new();
    for job in &jobs {
        if let Some(first) = seen.insert(&job.output, &job.input) {
            return Err(InputError::Collision {
                first: first.to_path_buf(),
                second: job.input.clone(),
                output: job.output.clone(),
            });
        }
    }
    Ok(jobs)
}

/// Every regular file under the given files and folders, recursively, in name order;
/// symbolic links are not followed.
pub fn list_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(InputError::Missing(path.clone()));
        }
        for entry in walkdir::WalkDir::new(path)
            .follow_links(false)
            .sort_by_file_name()
        {
            let entry = entry.map_err(|source| InputError::Walk {
                path: path.clone(),
                source,
            })?;
            if entry.file_type().is_file() {
                files.push(entry.into_path());
            }
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_inside_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir(&input).unwrap();
        std::fs::write(input.join("a.dcm"), b"x").unwrap();
        for out in [input.clone(), input.join("out"), input.join("sub/../out")] {
            assert!(matches!(
                plan_jobs(std::slice::from_ref(&input), &out),
                Err(InputError::OutputInsideInput { .. })
            ));
        }
        let file = input.join("a.dcm");
        assert!(plan_jobs(std::slice::from_ref(&file), &file).is_err());
    }

    #[test]
    fn folders_are_mirrored() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir_all(input.join("s1")).unwrap();
        std::fs::write(input.join("s1/a.dcm"), b"x").unwrap();
        std::fs::write(input.join("b.dcm"), b"x").unwrap();
        let out = dir.path().join("out");
        let jobs = plan_jobs(std::slice::from_ref(&input), &out).unwrap();
        let outs: Vec<_> = jobs
            .iter()
            .map(|j| j.output.strip_prefix(&out).unwrap().to_path_buf())
            .collect();
        assert_eq!(outs, vec![PathBuf::from("b.dcm"), PathBuf::from("s1/a.dcm")]);
    }

    #[test]
    fn a_trailing_separator_names_a_folder_and_collisions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["s1", "s2"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
            std::fs::write(dir.path().join(sub).join("a.dcm"), b"x").unwrap();
        }
        let one = dir.path().join("s1/a.dcm");
        let out = format!(
            "{}{}",
            dir.path().join("new").display(),
            std::path::MAIN_SEPARATOR
        );
        let jobs = plan_jobs(std::slice::from_ref(&one), Path::new(&out)).unwrap();
        assert_eq!(jobs[0].output, dir.path().join("new").join("a.dcm"));
        let both = [one, dir.path().join("s2/a.dcm")];
        assert!(matches!(
            plan_jobs(&both, &dir.path().join("out")),
            Err(InputError::Collision { .. })
        ));
    }
}
