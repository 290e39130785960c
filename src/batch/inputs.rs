//! Turning the command line's inputs and output into a list of (input file, output file) jobs.

use std::cell::Cell;
use std::path::{Path, PathBuf};

/// One file to process.
#[derive(Debug, Clone)]
pub struct Job {
    /// The input file.
    pub input: PathBuf,
    /// Where its output goes.
    pub output: PathBuf,
}

/// Why the inputs and output do not make a run, or why one place in a folder could not be
/// walked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    #[error("{}: no such file or folder", show(.0))]
    Missing(PathBuf),
    #[error("the output {} {} the input {}: outputs must go elsewhere, or inputs would be overwritten", show(out), relation.words(), show(input))]
    Overlap {
        out: PathBuf,
        input: PathBuf,
        relation: Relation,
    },
    #[error("several inputs or a folder need -o to be a folder, and {} is a file", show(.0))]
    OutputNotFolder(PathBuf),
    #[error(
        "{} and {} would both be written to {}: give them different names or run them separately",
        show(first),
        show(second),
        show(output)
    )]
    Collision {
        first: PathBuf,
        second: PathBuf,
        output: PathBuf,
    },
    #[error(
        "{} leads, through a symbolic link, into the output {}: outputs would be read as inputs",
        show(link),
        show(out)
    )]
    LinkIntoOutput { link: PathBuf, out: PathBuf },
    #[error("the report {} {}: name a file outside the inputs and other than the outputs", show(report), clash.words(other))]
    Report {
        report: PathBuf,
        other: PathBuf,
        clash: ReportClash,
    },
    #[error("{}: {}", show(path), walk_reason(source))]
    Walk {
        path: PathBuf,
        #[source]
        source: walkdir::Error,
    },
}

/// How the output and an input overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Relation {
    /// They are the same file or folder.
    Same,
    /// The output lies inside the input folder.
    OutputInside,
    /// The input lies inside the output folder (its output could land on it, or a later run
    /// of the output would read it).
    InputInside,
}

impl Relation {
    fn words(self) -> &'static str {
        match self {
            Relation::Same => "is the same as",
            Relation::OutputInside => "is inside",
            Relation::InputInside => "holds",
        }
    }
}

/// Why a `--report` path cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReportClash {
    /// It is an input file.
    IsInput,
    /// It lies inside an input folder: the next run of that folder would read it.
    InsideInput,
    /// It is the output (a single-file run's, or the output folder itself).
    IsOutput,
    /// It is where one input's output goes.
    IsOutputOf,
}

impl ReportClash {
    fn words(self, other: &Path) -> String {
        let other = show(other);
        match self {
            ReportClash::IsInput => format!("is the input {other}"),
            ReportClash::InsideInput => format!("is inside the input {other}"),
            ReportClash::IsOutput => format!("is the output {other}"),
            ReportClash::IsOutputOf => format!("is where the output of {other} goes"),
        }
    }
}

impl InputError {
    /// Whether the error refuses the whole run before anything is written (a missing input, a
    /// loop of links, a link into the output, overlapping paths), rather than being one place
    /// of a folder that could not be read, which fails on its own as a bad file does.
    pub fn refuses_run(&self) -> bool {
        match self {
            InputError::Walk { source, .. } => source.loop_ancestor().is_some(),
            _ => true,
        }
    }

    /// The path this error is about: the file or folder that failed, or the one refused.
    pub fn path(&self) -> &Path {
        match self {
            InputError::Missing(path) | InputError::OutputNotFolder(path) => path,
            InputError::Overlap { input, .. } => input,
            InputError::Collision { second, .. } => second,
            InputError::LinkIntoOutput { link, .. } => link,
            InputError::Report { report, .. } => report,
            InputError::Walk { path, .. } => path,
        }
    }
}

fn show(path: &Path) -> crate::terminal_text::ShownPath<'_> {
    crate::terminal_text::path(path)
}

/// Why a walk failed at a place, without the path (which the error names first).
fn walk_reason(err: &walkdir::Error) -> String {
    if let Some(ancestor) = err.loop_ancestor() {
        return format!(
            "a symbolic link loop back to {}: refused, it would be walked forever",
            show(ancestor)
        );
    }
    match err.io_error() {
        Some(io) if io.kind() == std::io::ErrorKind::NotFound => {
            format!("cannot be read (a symbolic link to nothing, or removed during the walk): {io}")
        }
        Some(io) => format!("cannot be read: {io}"),
        None => err.to_string(),
    }
}

/// Whether `name` is one of dpk's own temporary files (`.dpk-XXXXXX.tmp`, see
/// [`crate::dataset::temp_beside`]): an output or report being written, or left by a killed
/// run. Never an input.
pub fn is_dpk_temp(name: &std::ffi::OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name.len() > b".dpk-.tmp".len() && name.starts_with(b".dpk-") && name.ends_with(b".tmp")
}

/// The absolute, symlink-resolved form of a path that may not exist yet: its deepest existing
/// ancestor resolved, the rest appended.
pub(crate) fn resolve(path: &Path) -> PathBuf {
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
    /// The folder every output goes under: `-o`, or the folder of a single output file.
    output_root: PathBuf,
    /// Symbolic links met and not followed, counted as the walks go.
    skipped_links: Cell<usize>,
}

/// What a walk of input folders does with symbolic links. Skipped by default: a link can
/// lead out of the tree the user named, to files they did not mean to release.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
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

/// How `a` and `b` (both resolved) overlap, if they do.
fn overlap(out: &Path, input: &Path) -> Option<Relation> {
    if out == input {
        Some(Relation::Same)
    } else if out.starts_with(input) {
        Some(Relation::OutputInside)
    } else if input.starts_with(out) {
        Some(Relation::InputInside)
    } else {
        None
    }
}

/// Checks the inputs and output and says where each input goes: a single file input goes to
/// `output` (or into it, if it is a folder); a folder input is mirrored under `output`; with
/// several inputs each goes into `output` under its own name, so two inputs of the same name
/// are refused. The output and the inputs must not overlap (compared as real paths, links
/// resolved): an output equal to an input, inside an input folder, or a folder holding an
/// input is refused, so no output can ever be written over an input. Symbolic links inside
/// folders are followed only with [`Links::Follow`], and never into the output.
pub fn plan_jobs(inputs: &[PathBuf], output: &Path, links: Links) -> Result<Jobs, InputError> {
    let out_resolved = resolve(output);
    for input in inputs {
        if !input.exists() {
            return Err(InputError::Missing(input.clone()));
        }
    }
    for input in inputs {
        if let Some(relation) = overlap(&out_resolved, &resolve(input)) {
            return Err(InputError::Overlap {
                out: output.to_path_buf(),
                input: input.clone(),
                relation,
            });
        }
    }
    let single_file = inputs.len() == 1 && inputs[0].is_file();
    if !single_file && output.is_file() {
        return Err(InputError::OutputNotFolder(output.to_path_buf()));
    }

    let mut roots = Vec::new();
    let mut output_root = output.to_path_buf();
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
                output_root = output
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
                    .to_path_buf();
                output.to_path_buf()
            } else {
                output.join(input.file_name().unwrap_or_default())
            }
        };
        // The last guard: whatever the names, an output is never an input.
        if !folder && resolve(&target) == resolve(input) {
            return Err(InputError::Overlap {
                out: target,
                input: input.clone(),
                relation: Relation::Same,
            });
        }
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
        output_root,
        skipped_links: Cell::new(0),
    })
}

/// Where a `--report FILE` may not go: onto an input, inside an input folder (the next run of
/// that folder would read it as an input), onto the output. Inside the output folder it may
/// go, but not where an input's output goes: [`Jobs::report_clash`] checks each job.
pub fn check_report(report: &Path, inputs: &[PathBuf], output: &Path) -> Result<(), InputError> {
    let resolved = resolve(report);
    for input in inputs {
        let input_resolved = resolve(input);
        let clash = if resolved == input_resolved {
            ReportClash::IsInput
        } else if resolved.starts_with(&input_resolved) {
            ReportClash::InsideInput
        } else {
            continue;
        };
        return Err(InputError::Report {
            report: report.to_path_buf(),
            other: input.clone(),
            clash,
        });
    }
    if resolved == resolve(output) {
        return Err(InputError::Report {
            report: report.to_path_buf(),
            other: output.to_path_buf(),
            clash: ReportClash::IsOutput,
        });
    }
    Ok(())
}

impl Jobs {
    /// Every file to process, in input order and, within a folder, in name order; found as
    /// the walk goes. A place in a folder that cannot be read is an error in its place, and
    /// the walk goes on past it.
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
                Box::new(
                    walk(&root.input, self.links, avoid, &self.skipped_links).map(move |file| {
                        file.map(|file| {
                            let rel = file.strip_prefix(&root.input).unwrap_or(&file);
                            Job {
                                output: root.output.join(rel),
                                input: file,
                            }
                        })
                    }),
                )
            })
    }

    /// The folder every output goes under (`-o`, or the folder of a single output file).
    pub fn output_root(&self) -> &Path {
        &self.output_root
    }

    /// How many symbolic links the walks so far met and did not follow.
    pub fn skipped_links(&self) -> usize {
        self.skipped_links.get()
    }

    /// Whether `job`'s output would be written where the report goes (given as on the
    /// command line, `output` being `-o` as given): refused, or one would replace the other.
    pub fn report_clash(&self, report: &Path, job: &Job) -> Option<InputError> {
        let same = job.output == report || (resolve(report) == resolve(&job.output));
        same.then(|| InputError::Report {
            report: report.to_path_buf(),
            other: job.input.clone(),
            clash: ReportClash::IsOutputOf,
        })
    }
}

/// Every regular file under `path` (itself, if it is one), in name order, found as the walk
/// goes; symbolic links followed or not as `links` says (those not followed counted in
/// `skipped_links`), and a followed one that leads into `avoid` refused. dpk's own temporary
/// files inside a folder are no inputs: they are outputs being written, or left by a killed
/// run.
fn walk<'a>(
    path: &'a Path,
    links: Links,
    avoid: Option<&'a Path>,
    skipped_links: &'a Cell<usize>,
) -> impl Iterator<Item = Result<PathBuf, InputError>> + 'a {
    walkdir::WalkDir::new(path)
        .follow_links(links == Links::Follow)
        .sort_by_file_name()
        .into_iter()
        .filter_map(move |entry| match entry {
            Ok(e) if e.depth() > 0 && is_dpk_temp(e.file_name()) => None,
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
            Ok(e) => {
                // Followed links take their target's type: a symlink here was not followed.
                if e.file_type().is_symlink() {
                    skipped_links.set(skipped_links.get() + 1);
                }
                None
            }
            Err(source) => Some(Err(InputError::Walk {
                path: source.path().unwrap_or(path).to_path_buf(),
                source,
            })),
        })
}

/// Every regular file under the given files and folders, recursively, in name order, found
/// as the walk goes; symbolic links followed or not as `links` says. A missing path is
/// refused before any file is given; a place that cannot be read is an error in its place.
pub fn walk_files<'a>(
    paths: &'a [PathBuf],
    links: Links,
    skipped_links: &'a Cell<usize>,
) -> Result<impl Iterator<Item = Result<PathBuf, InputError>> + 'a, InputError> {
    if let Some(missing) = paths.iter().find(|p| !p.exists()) {
        return Err(InputError::Missing(missing.clone()));
    }
    Ok(paths
        .iter()
        .flat_map(move |p| walk(p, links, None, skipped_links)))
}

/// [`walk_files`], after a first walk of names only, so that a missing path or a loop of
/// links is refused before any work starts. Places that cannot be read are not refused:
/// they come as errors in their place, each one failure of the run.
pub fn checked_walk_files<'a>(
    paths: &'a [PathBuf],
    links: Links,
    skipped_links: &'a Cell<usize>,
) -> Result<impl Iterator<Item = Result<PathBuf, InputError>> + 'a, InputError> {
    let first = Cell::new(0);
    for file in walk_files(paths, links, &first)? {
        match file {
            Err(e) if e.refuses_run() => return Err(e),
            _ => {}
        }
    }
    walk_files(paths, links, skipped_links)
}

/// Takes up to `n` items at a time from `items`: the batches a run hands its workers. Errors
/// stay in their place among the items.
pub fn batches<T>(items: impl Iterator<Item = T>, n: usize) -> impl Iterator<Item = Vec<T>> {
    let mut items = items.peekable();
    std::iter::from_fn(move || {
        items.peek()?;
        Some(items.by_ref().take(n).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_keep_errors_in_their_place_and_go_on() {
        let items = vec![Ok(1), Ok(2), Ok(3), Err("e"), Ok(4)];
        let got: Vec<_> = batches(items.into_iter(), 2).collect();
        assert_eq!(got, vec![vec![Ok(1), Ok(2)], vec![Ok(3), Err("e")], vec![Ok(4)]]);
        let got: Vec<Vec<Result<i32, &str>>> = batches(std::iter::empty(), 2).collect();
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
                Err(InputError::Overlap { .. })
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
