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
    #[error("{} leads, through a symbolic link, into the output {}: outputs would be read as inputs", link.display(), out.display())]
    LinkIntoOutput { link: PathBuf, out: PathBuf },
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

/// What the command line asks for, checked but not yet walked: each input with the place its
/// output goes. Folders are walked as the run goes ([`Jobs::iter`]), so that no list of all
/// files is ever held: an archive of a million files costs the memory of one directory.
#[derive(Debug)]
pub struct Jobs {
    roots: Vec<Root>,
    links: Links,
    /// The output, resolved: no followed link may lead into it.
    out_resolved: PathBuf,
}

/// What a walk of input folders does with symbolic links. Skipped by default: a link can
/// lead out of the tree the user named, to files they did not mean to release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Links {
    #[default]
    Skip,
    /// Followed, to files and folders wherever they are (loops are refused).
    Follow,
}

impl Links {
    /// From a command line's `--follow-links`.
    pub fn followed(yes: bool) -> Links {
        if yes {
            Links::Follow
        } else {
            Links::Skip
        }
    }
}

/// One command-line input and where it goes: a file to a file, a folder to a folder.
#[derive(Debug)]
struct Root {
    input: PathBuf,
    output: PathBuf,
    folder: bool,
}

/// Checks the inputs and output and says where each input goes: a single file input goes to
/// `output` (or into it, if it is a folder); a folder input is mirrored under `output`; with
/// several inputs each goes into `output` under its own name, so two inputs of the same name
/// are refused. Symbolic links inside folders are followed only with [`Links::Follow`], and
/// never into the output.
pub fn plan_jobs(inputs: &[PathBuf], output: &Path, links: Links) -> Result<Jobs, InputError> {
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

    let mut roots = Vec::new();
    for input in inputs {
        let folder = !input.is_file();
        let target = if folder {
            if inputs.len() == 1 {
                output.to_path_buf()
            } else {
                output.join(input.file_name().unwrap_or_default())
            }
        } else {
            // `-o out/` names a folder even before it exists.
            let names_folder = output.is_dir()
                || output
                    .as_os_str()
                    .to_string_lossy()
                    .ends_with(std::path::MAIN_SEPARATOR);
            if single_file && !names_folder {
                output.to_path_buf()
            } else {
                output.join(input.file_name().unwrap_or_default())
            }
        };
        roots.push(Root {
            input: input.clone(),
            output: target,
            folder,
        });
    }

    // Inputs go to distinct places under `output`, and a folder's files to distinct places
    // under its own: only two inputs of the same name can collide.
    let mut seen: std::collections::HashMap<&Path, &Path> = std::collections::HashMap::new();
    for root in &roots {
        if let Some(first) = seen.insert(&root.output, &root.input) {
            return Err(InputError::Collision {
                first: first.to_path_buf(),
                second: root.input.clone(),
                output: root.output.clone(),
            });
        }
    }
    Ok(Jobs {
        roots,
        links,
        out_resolved,
    })
}

impl Jobs {
    /// Every file to process, in input order and, within a folder, in name order; found as
    /// the walk goes. A folder that cannot be read is an error in its place.
    pub fn iter(&self) -> impl Iterator<Item = Result<Job, InputError>> + '_ {
        self.roots
            .iter()
            .flat_map(|root| -> Box<dyn Iterator<Item = Result<Job, InputError>> + '_> {
                if !root.folder {
                    return Box::new(std::iter::once(Ok(Job {
                        input: root.input.clone(),
                        output: root.output.clone(),
                    })));
                }
                let avoid = Some(self.out_resolved.as_path());
                Box::new(walk(&root.input, self.links, avoid).map(move |file| {
                    file.map(|file| {
                        let rel = file.strip_prefix(&root.input).unwrap_or(&file);
                        Job {
                            output: root.output.join(rel),
                            input: file,
                        }
                    })
                }))
            })
    }
}

/// Every regular file under `path` (itself, if it is one), in name order, found as the walk
/// goes; symbolic links followed or not as `links` says, and a followed one that leads into
/// `avoid` refused.
fn walk<'a>(
    path: &'a Path,
    links: Links,
    avoid: Option<&'a Path>,
) -> impl Iterator<Item = Result<PathBuf, InputError>> + 'a {
    walkdir::WalkDir::new(path)
        .follow_links(links == Links::Follow)
        .sort_by_file_name()
        .into_iter()
        .filter_map(move |entry| match entry {
            Ok(e) if e.file_type().is_file() => {
                if let (Links::Follow, Some(out)) = (links, avoid) {
                    let real = e.path().canonicalize().unwrap_or_else(|_| e.path().to_path_buf());
                    if real.starts_with(out) {
                        return Some(Err(InputError::LinkIntoOutput {
                            link: e.into_path(),
                            out: out.to_path_buf(),
                        }));
                    }
                }
                Some(Ok(e.into_path()))
            }
            Ok(_) => None,
            Err(source) => Some(Err(InputError::Walk {
                path: path.to_path_buf(),
                source,
            })),
        })
}

/// Every regular file under the given files and folders, recursively, in name order, found
/// as the walk goes; symbolic links followed or not as `links` says. A missing path is
/// refused before any file is given.
pub fn walk_files(
    paths: &[PathBuf],
    links: Links,
) -> Result<impl Iterator<Item = Result<PathBuf, InputError>> + '_, InputError> {
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        return Err(InputError::Missing(missing.clone()));
    }
    Ok(paths.iter().flat_map(move |p| walk(p, links, None)))
}

/// [`walk_files`], after a first walk of names only, so that a missing path or a folder that
/// cannot be read is refused before any work starts.
pub fn checked_walk_files(
    paths: &[PathBuf],
    links: Links,
) -> Result<impl Iterator<Item = Result<PathBuf, InputError>> + '_, InputError> {
    for file in walk_files(paths, links)? {
        file?;
    }
    walk_files(paths, links)
}

/// Takes up to `n` items at a time from `items`: the batches a run hands its workers. An error
/// ends the batch before it and comes next, alone; nothing follows it.
pub fn batches<T, E>(
    mut items: impl Iterator<Item = Result<T, E>>,
    n: usize,
) -> impl Iterator<Item = Result<Vec<T>, E>> {
    let mut error = None;
    let mut done = false;
    std::iter::from_fn(move || {
        if let Some(e) = error.take() {
            done = true;
            return Some(Err(e));
        }
        if done {
            return None;
        }
        let mut batch = Vec::with_capacity(n);
        while batch.len() < n {
            match items.next() {
                Some(Ok(x)) => batch.push(x),
                Some(Err(e)) if batch.is_empty() => {
                    done = true;
                    return Some(Err(e));
                }
                Some(Err(e)) => {
                    error = Some(e);
                    break;
                }
                None => break,
            }
        }
        (!batch.is_empty()).then_some(Ok(batch))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_keep_what_came_before_an_error_and_stop_after_it() {
        let items = vec![Ok(1), Ok(2), Ok(3), Err("e"), Ok(4)];
        let got: Vec<_> = batches(items.into_iter(), 2).collect();
        assert_eq!(got, vec![Ok(vec![1, 2]), Ok(vec![3]), Err("e")]);
        let got: Vec<Result<Vec<i32>, &str>> = batches(std::iter::empty(), 2).collect();
        assert!(got.is_empty());
    }

    #[test]
    fn output_inside_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir(&input).unwrap();
        std::fs::write(input.join("a.dcm"), b"x").unwrap();
        for out in [input.clone(), input.join("out"), input.join("sub/../out")] {
            assert!(matches!(
                plan_jobs(std::slice::from_ref(&input), &out, Links::Skip),
                Err(InputError::OutputInsideInput { .. })
            ));
        }
        let file = input.join("a.dcm");
        assert!(plan_jobs(std::slice::from_ref(&file), &file, Links::Skip).is_err());
    }

    #[test]
    fn folders_are_mirrored() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in");
        std::fs::create_dir_all(input.join("s1")).unwrap();
        std::fs::write(input.join("s1/a.dcm"), b"x").unwrap();
        std::fs::write(input.join("b.dcm"), b"x").unwrap();
        let out = dir.path().join("out");
        let jobs = plan_jobs(std::slice::from_ref(&input), &out, Links::Skip).unwrap();
        let outs: Vec<_> = jobs
            .iter()
            .map(|j| j.unwrap().output.strip_prefix(&out).unwrap().to_path_buf())
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
        let jobs = plan_jobs(std::slice::from_ref(&one), Path::new(&out), Links::Skip).unwrap();
        let first = jobs.iter().next().unwrap().unwrap();
        assert_eq!(first.output, dir.path().join("new").join("a.dcm"));
        let both = [one, dir.path().join("s2/a.dcm")];
        assert!(matches!(
            plan_jobs(&both, &dir.path().join("out"), Links::Skip),
            Err(InputError::Collision { .. })
        ));
    }
}
