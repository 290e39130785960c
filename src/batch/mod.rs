//! A run over many files: walk the inputs, plan, apply and write each one (on a pool of
//! workers), keep the record of the run (the JSON report), and look at the outputs once more
//! at the end. The `dpk` program and the Python package both drive this; they only show what
//! it reports, through an [`Observer`], and stop it through a [`Cancel`] token — the library
//! installs no signal handler and prints nothing.
//!
//! Invariants a run keeps, whoever drives it:
//! - no input is ever an output: trees that overlap (links resolved) are refused before
//!   anything is written, and so is a report path that would land on an input or an output;
//! - every output is written atomically (a temporary file renamed into place), never through
//!   a symbolic link under the output folder, and counts done only while it is still there;
//! - a file that fails is one failure among the others, named by its input; the run goes on;
//! - memory does not grow with the number of files: inputs are walked as the run goes, a
//!   batch at a time, and each batch's records are handed on and dropped before the next.

pub mod failures;
pub mod inputs;
pub mod output_tree;
pub mod report;
pub mod shard;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::dataset::Durability;
use crate::diff::Change;
use crate::engine::{anonymize_file_durable, check_context, Context, Plan};
use crate::profile::ResolvedProfile;
use crate::{Cancel, Error};
use failures::{Failure, Failures};
use inputs::{batches, check_report, plan_jobs, InputError, Job, Links};
use output_tree::OutputTree;
use report::{FileReport, ReportWriter, Status, Summary};
use shard::Shard;

/// How many files the workers take at a time: enough to keep every worker busy, few enough
/// that a batch's records are small.
const CHUNK: usize = 256;

/// How long a temporary file must have been left untouched before a sharded resume takes it
/// for a killed run's: a write in progress touches its file all the time.
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// What to de-identify, where to, and how.
#[derive(Clone, Debug)]
pub struct Batch {
    /// Files and folders to de-identify (folders recursively).
    pub inputs: Vec<PathBuf>,
    /// The output file (for one input file) or folder, mirrored at each input's relative path.
    pub output: PathBuf,
    /// Follow symbolic links inside input folders (a loop, or a link into the output, is
    /// refused); without it they are skipped and counted.
    pub follow_links: bool,
    /// Leave an input whose output already exists and is whole; remove stale temporary files
    /// of an interrupted run first.
    pub skip_existing: bool,
    /// Process only one shard of the files (see [`Shard`]).
    pub shard: Option<Shard>,
    /// Workers; `None`: one per core.
    pub jobs: Option<usize>,
    /// Flush every output to the disk once at the end of the run (else leave it to the
    /// operating system).
    pub sync: bool,
    /// Hand each file's changes to the observer (and the report).
    pub keep_changes: bool,
    /// Write the JSON report of the run here (see [`report`]).
    pub report: Option<PathBuf>,
    /// How an error is worded in the report and the failures: the programs add their hints
    /// (which flag raises a limit) here.
    pub describe: fn(&Error) -> String,
}

impl Batch {
    /// A run of `inputs` into `output` with the defaults: links skipped, every file written,
    /// one worker per core, one flush at the end, no report.
    pub fn new(inputs: Vec<PathBuf>, output: PathBuf) -> Batch {
        Batch {
            inputs,
            output,
            follow_links: false,
            skip_existing: false,
            shard: None,
            jobs: None,
            sync: true,
            keep_changes: false,
            report: None,
            describe: |e| e.to_string(),
        }
    }
}

/// Why a run did not start: nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The profile needs a salt, or another setting is wrong for it.
    #[error(transparent)]
    Setup(#[from] Error),
    /// The inputs, the output or the report overlap, or a walk found a link loop.
    #[error(transparent)]
    Paths(#[from] InputError),
    /// The workers could not be started.
    #[error("cannot start {threads} workers: {reason}")]
    Workers {
        /// How many were asked for.
        threads: usize,
        /// What the system said.
        reason: String,
    },
}

/// One file's progress, as a worker finishes it (or leaves it as it was).
#[derive(Clone, Copy, Debug)]
pub struct Progress<'a> {
    /// Files finished so far, this one included.
    pub done: usize,
    /// Files the run has to look at (counted before it starts).
    pub total: usize,
    /// The input.
    pub input: &'a Path,
    /// Whether it failed.
    pub failed: bool,
}

/// What became of one file, in the order the inputs were walked.
#[derive(Debug)]
#[non_exhaustive]
pub enum Record<'a> {
    /// De-identified and written.
    Done {
        /// The input.
        input: &'a Path,
        /// Its output.
        output: &'a Path,
        /// The name of the profile that decided.
        profile: &'a str,
        /// What the reader accepted that a strict reader would not.
        notes: &'a [String],
        /// Elements changed.
        changed: usize,
        /// The changes, when the run keeps them ([`Batch::keep_changes`]).
        changes: &'a [Change],
    },
    /// Failed, or a place in a folder that could not be read.
    Failed(&'a Failure),
    /// Left as it was: its output exists and is whole.
    Skipped {
        /// The input.
        input: &'a Path,
    },
}

/// What a driver is told while a run goes on. Every method has a default that ignores it.
pub trait Observer: Sync {
    /// The first walk counted one more input file (before anything is written).
    fn counted(&mut self, _input: &Path) {}
    /// The count is done and the workers start on `total` files.
    fn starting(&mut self, _total: usize) {}
    /// Something the user should know that is no file's failure (a stale temporary file
    /// removed, or one that could not be).
    fn note(&mut self, _text: &str) {}
    /// A worker finished a file (called on the workers' threads, in any order).
    fn progress(&self, _progress: &Progress<'_>) {}
    /// What became of a file, in walk order, on the caller's thread.
    fn record(&mut self, _record: &Record<'_>) {}
}

/// An observer that wants to know nothing.
impl Observer for () {}

/// How a run ended.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The counts the summary line and the report give.
    pub summary: Summary,
    /// Every file that failed, grouped by cause.
    pub failures: Failures,
    /// What went wrong for the run as a whole (the outputs not flushed, the report not
    /// written, a DICOMDIR's files not moved).
    pub errors: Vec<String>,
    /// Files not written because the run was cancelled (0 when it was not).
    pub not_started: usize,
}

impl Outcome {
    /// Whether every file was done (or skipped) and nothing else went wrong.
    pub fn is_success(&self) -> bool {
        self.failures.is_empty() && self.errors.is_empty() && self.not_started == 0
    }
}

/// What became of one file, kept for the check at the end.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Done,
    Failed,
    Skipped,
    NotStarted,
}

/// One item of a batch, in walk order.
enum Slot {
    /// A place in a folder that could not be read.
    Unreadable(InputError),
    /// A file whose output exists and is whole.
    Skipped(Job),
    /// A file handed to the workers: its index in the batch's jobs.
    Run(usize),
}

/// What a finished file leaves for the summary and the records.
struct Done {
    notes: Vec<String>,
    changed: usize,
    changes: Vec<Change>,
    profile: String,
}

impl Batch {
    /// De-identifies every input with `profile` and `ctx`, telling `observer` as it goes.
    /// `cancel` stops it: no new file starts, files in flight stop within a few megabytes and
    /// leave nothing, and the outcome counts the files not written.
    pub fn run(
        &self,
        profile: &ResolvedProfile,
        ctx: &Context,
        observer: &mut impl Observer,
        cancel: &Cancel,
    ) -> Result<Outcome, Refusal> {
        check_context(profile, ctx)?;
        let jobs = plan_jobs(&self.inputs, &self.output, Links::followed(self.follow_links))?;
        if let Some(report) = &self.report {
            check_report(report, &self.inputs, &self.output)?;
        }
        let in_shard = |job: &Result<Job, InputError>| {
            job.as_ref().map_or(true, |j| {
                self.shard
                    .as_ref()
                    .is_none_or(|s| s.takes(&self.output, &j.output))
            })
        };
        // A first walk, of names only, refuses what would make the run wrong (a loop of
        // links, a link into the output, a report where an output goes) before anything is
        // written, and counts the files; the run then walks again, a batch at a time, so no
        // list of all files is ever held. A folder that cannot be read is no refusal: the
        // run meets it again in its place and counts it as one failure.
        let mut total = 0;
        let mut dicomdirs: Vec<Job> = Vec::new();
        for job in jobs.iter() {
            // Every DICOMDIR of the tree, in this shard or not: the files it references may be.
            if let Ok(j) = &job {
                if j.input
                    .file_name()
                    .is_some_and(|n| n.eq_ignore_ascii_case("DICOMDIR"))
                {
                    dicomdirs.push(j.clone());
                }
            }
            if !in_shard(&job) {
                continue;
            }
            match job {
                Ok(job) => {
                    if let Some(clash) = self.report.as_deref().and_then(|r| report_clash(&jobs, r, &job)) {
                        return Err(clash.into());
                    }
                    total += 1;
                    observer.counted(&job.input);
                }
                Err(e) if e.refuses_run() => return Err(e.into()),
                Err(_) => {}
            }
        }
        let moved = DicomdirMoves::plan(&dicomdirs, profile, ctx, observer);
        let threads = self
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .stack_size(crate::limits::stack_size())
            .build()
            .map_err(|e| Refusal::Workers {
                threads,
                reason: e.to_string(),
            })?;
        let tree = OutputTree::create(jobs.output_root())?;
        if self.skip_existing {
            // A killed run strands its temporary files; a resume clears them before it
            // writes its own. With a shard, other shards may be writing into the same tree
            // right now: only files nobody has touched for a while are theirs no more.
            let min_age = self.shard.map(|_| STALE_TEMP_AGE);
            for removed in tree.remove_stale_temps(min_age) {
                match removed {
                    Ok(path) => observer.note(&format!(
                        "removed {}, a temporary file left by an interrupted run",
                        crate::terminal_text::path(&path)
                    )),
                    Err(e) => observer.note(&e.to_string()),
                }
            }
        }
        observer.starting(total);
        let mut report = match &self.report {
            Some(path) => Some(ReportWriter::create(path, profile.name(), profile.options())?),
            None => None,
        };

        let mut outcome = Outcome::default();
        outcome.summary.links_skipped = jobs.skipped_links();
        let mut report_error = None;
        // What became of each file, in walk order, one byte each: the check at the end looks
        // again at the outputs of the files counted done.
        let mut states: Vec<State> = Vec::new();
        let finished = AtomicUsize::new(0);
        // Files go to the workers a batch at a time, and each batch's records are handed on
        // and dropped before the next: the report lists files in walk order whatever order
        // the workers finish in.
        for batch in batches(jobs.iter().filter(in_shard).map(|j| moved.apply(j)), CHUNK) {
            let mut chunk: Vec<Job> = Vec::new();
            let mut slots: Vec<Slot> = Vec::with_capacity(batch.len());
            for item in batch {
                match item {
                    Err(e) => slots.push(Slot::Unreadable(e)),
                    Ok(job) if self.skip_existing && output_is_complete(&job) => {
                        tell(&*observer, &finished, total, &job.input, false);
                        slots.push(Slot::Skipped(job));
                    }
                    Ok(job) => {
                        slots.push(Slot::Run(chunk.len()));
                        chunk.push(job);
                    }
                }
            }
            let shared: &_ = &*observer;
            let results: Vec<Option<Result<Done, Failure>>> = pool.install(|| {
                use rayon::prelude::*;
                chunk
                    .par_iter()
                    .map(|job| {
                        if cancel.is_cancelled() {
                            return None;
                        }
                        let result = cancel.watch(|| self.one(job, profile, ctx, &tree));
                        // Stopped by the cancel: not finished, nothing written (not a failure).
                        if result.is_err() && cancel.is_cancelled() {
                            return None;
                        }
                        let result = result.map(|plan| Done {
                            notes: plan.notes.clone(),
                            changed: plan.change_count(),
                            changes: if self.keep_changes {
                                plan.changes().cloned().collect()
                            } else {
                                Vec::new()
                            },
                            profile: plan.profile,
                        });
                        tell(shared, &finished, total, &job.input, result.is_err());
                        Some(result)
                    })
                    .collect()
            });
            // The workers' results come in the order of the slots that run.
            let mut results = results.into_iter();
            for slot in slots {
                let (entry, state) = match slot {
                    Slot::Skipped(job) => {
                        outcome.summary.files_skipped += 1;
                        observer.record(&Record::Skipped { input: &job.input });
                        states.push(State::Skipped);
                        continue;
                    }
                    Slot::Unreadable(e) => {
                        let failure = Failure::of_walk(&e);
                        observer.record(&Record::Failed(&failure));
                        let entry = failure.entry();
                        outcome.summary.files_failed += 1;
                        outcome.failures.add(failure);
                        (entry, State::Failed)
                    }
                    Slot::Run(i) => {
                        let job = &chunk[i];
                        let Some(Some(result)) = results.next() else {
                            outcome.not_started += 1;
                            states.push(State::NotStarted);
                            continue;
                        };
                        // A file counts done only if its output is there once the batch is
                        // over: a folder removed under the run takes outputs with it.
                        let result = result.and_then(|done| match tree.output_present(&job.output) {
                            true => Ok(done),
                            false => Err(Failure::lost(job)),
                        });
                        match result {
                            Ok(done) => {
                                outcome.summary.files_done += 1;
                                outcome.summary.elements_changed += done.changed;
                                outcome.summary.count_notes(&done.notes);
                                observer.record(&Record::Done {
                                    input: &job.input,
                                    output: &job.output,
                                    profile: &done.profile,
                                    notes: &done.notes,
                                    changed: done.changed,
                                    changes: &done.changes,
                                });
                                let entry = FileReport {
                                    input: job.input.clone(),
                                    output: Some(job.output.clone()),
                                    status: Status::Ok,
                                    error: None,
                                    notes: done.notes,
                                    changes: done.changes,
                                };
                                (entry, State::Done)
                            }
                            Err(failure) => {
                                observer.record(&Record::Failed(&failure));
                                outcome.summary.files_failed += 1;
                                let entry = failure.entry();
                                outcome.failures.add(failure);
                                (entry, State::Failed)
                            }
                        }
                    }
                };
                states.push(state);
                if let Some(writer) = report.as_mut().filter(|_| report_error.is_none()) {
                    if let Err(e) = writer.add(&entry) {
                        report_error = Some(e);
                    }
                }
            }
        }
        // Outputs written early can be lost later (their folder removed under the run): each
        // file counted done is looked at once more, and one whose output is gone fails, named.
        let walked_again = jobs.iter().filter(in_shard).map(|j| moved.apply(j));
        for (item, state) in walked_again.zip(states.iter()) {
            if let (Ok(job), State::Done) = (item, state) {
                if !tree.output_present(&job.output) {
                    outcome.summary.files_done = outcome.summary.files_done.saturating_sub(1);
                    outcome.summary.files_failed += 1;
                    outcome.failures.add(Failure::lost(&job));
                }
            }
        }
        // Outputs were renamed into place unflushed: one flush for the whole run.
        if self.sync {
            if let Err(e) = crate::dataset::sync_all_under(tree.root()) {
                outcome
                    .errors
                    .push(format!("the outputs could not be flushed to the disk: {e}"));
            }
        }
        if let Some(writer) = report {
            let finished = match report_error {
                Some(e) => Err(e),
                None => writer.finish(&outcome.summary),
            };
            if let Err(e) = finished {
                outcome.errors.push(format!("cannot write the report: {e}"));
            }
        }
        Ok(outcome)
    }

    /// De-identifies one file into the output tree.
    fn one(
        &self,
        job: &Job,
        profile: &ResolvedProfile,
        ctx: &Context,
        tree: &OutputTree,
    ) -> Result<Plan, Failure> {
        tree.prepare(&job.output)
            .map_err(|reason| Failure::new(&job.input, reason))?;
        let plan = anonymize_file_durable(&job.input, &job.output, profile, ctx, Durability::Batch)
            .map_err(|e| Failure::of_error(job, &e, self.describe))?;
        if !tree.output_present(&job.output) {
            return Err(Failure::lost(job));
        }
        Ok(plan)
    }
}

/// Tells `observer` that one more file is finished.
fn tell(observer: &impl Observer, finished: &AtomicUsize, total: usize, input: &Path, failed: bool) {
    let done = finished.fetch_add(1, Ordering::Relaxed) + 1;
    observer.progress(&Progress {
        done,
        total,
        input,
        failed,
    });
}

/// Whether a resume may leave `job` as it is: its output is a regular file (not a link, which
/// would lead elsewhere) holding the whole of a file written from its input.
/// The new places of the files DICOMDIRs reference, by input: a Referenced File ID that held
/// an identifier is replaced (see `engine::dicomdir`), and the file it names is written where
/// the new ID points, not where the input was. Worked out from the DICOMDIRs alone before any
/// file is written, so every shard and every resume send a file to the same place.
#[derive(Default)]
struct DicomdirMoves(std::collections::HashMap<PathBuf, PathBuf>);

impl DicomdirMoves {
    fn plan(
        dicomdirs: &[Job],
        profile: &ResolvedProfile,
        ctx: &Context,
        observer: &mut impl Observer,
    ) -> Self {
        let mut moves = DicomdirMoves::default();
        for job in dicomdirs {
            match crate::engine::dicomdir::planned_moves(&job.input, &job.output, profile, ctx) {
                Ok(list) => moves.0.extend(list),
                // The DICOMDIR fails in its own turn, named; its files stay where they are.
                Err(e) => observer.note(&format!(
                    "{}: the files it references keep their paths: {}",
                    crate::terminal_text::path(&job.input),
                    crate::terminal_text::escape(&e.to_string())
                )),
            }
        }
        moves
    }

    fn apply(&self, item: Result<Job, InputError>) -> Result<Job, InputError> {
        item.map(|mut job| {
            if let Some(output) = self.0.get(&job.input) {
                job.output = output.clone();
            }
            job
        })
    }
}

fn output_is_complete(job: &Job) -> bool {
    std::fs::symlink_metadata(&job.output).is_ok_and(|m| m.is_file())
        && crate::dataset::is_complete_output(&job.output, &job.input)
}

/// The report's clash with `job`'s output, if they are one file. Resolving paths costs a look
/// at the disk, so only outputs of the report's name are resolved.
fn report_clash(jobs: &inputs::Jobs, report: &Path, job: &Job) -> Option<InputError> {
    if job.output.file_name() != report.file_name() {
        return None;
    }
    jobs.report_clash(report, job)
}
