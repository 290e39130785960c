//! `dpk anonymize`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::failures::{Failure, Failures};
use super::inputs::{batches, check_report, plan_jobs, InputError, Job, Links};
use super::output_tree::OutputTree;
use super::progress::{Progress, Total};
use super::report::{FileReport, ReportWriter, Status, Summary};
use super::shard::Shard;
use super::{report_error, Outcome, ProfileArgs, SaltArgs};
use crate::dataset::Durability;
use crate::diff::{render_lines, Change};
use crate::engine::{anonymize_file_durable, check_context, Context, Plan};
use crate::profile::ResolvedProfile;
use crate::terminal_text::{escape, path as show};
use dicom_dictionary_std::uids::MEDIA_STORAGE_DIRECTORY_STORAGE;

pub const AFTER_HELP: &str = "\
Examples:
  dpk anonymize scan.dcm -o scan_anon.dcm --salt-file key.txt --report
  dpk anonymize study/ -o study_anon/ --option retain-long-modified-dates --option clean-descriptors
  dpk anonymize study/ -o out/ --profile my.ron --report out/report.json
  dpk anonymize archive/ -o out/ --jobs 8 --shard 3/16 --skip-existing

A folder is processed recursively and mirrored under -o; a file that fails is reported at
the end and the others are still written. Outputs are written atomically; inputs are never
modified. The salt (--salt-file or DPK_SALT) keys every hash, new UID and date shift: use
the same salt for every file of a study, and keep it secret.

Exit codes:
  0  every file was de-identified
  1  at least one file failed, or the profile file is invalid
  2  usage: bad arguments, unknown profile or option, missing or unreadable salt file,
     output and input overlapping, a report path on an input or an output
  130  interrupted (Ctrl-C, SIGTERM): outputs written are complete; resume with --skip-existing";

#[derive(Args, Debug)]
pub struct AnonymizeArgs {
    /// DICOM files or folders to de-identify.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Output file (for one input file) or folder.
    #[arg(short, long, value_name = "PATH")]
    output: PathBuf,
    #[command(flatten)]
    profile: ProfileArgs,
    #[command(flatten)]
    salt: SaltArgs,
    /// Files processed at once [default: the number of cores].
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Process only shard K of N (1 ≤ K ≤ N): the files whose path under -o hashes to it. N
    /// runs with K = 1…N, anywhere and in any order, give exactly the output of one run.
    #[arg(long, value_name = "K/N")]
    shard: Option<String>,
    /// Skip inputs whose output already exists and is a whole DICOM file (outputs are written
    /// atomically; one cut short by a power cut is written again): resumes an interrupted run.
    /// Temporary files a killed run left under -o are removed first (with --shard, only those
    /// untouched for 15 minutes: another shard may be writing the others).
    #[arg(long)]
    skip_existing: bool,
    /// Leave flushing the outputs to the disk to the operating system, as cp does, rather than
    /// flush them all once at the end of the run. After a power cut, a run resumed with
    /// --skip-existing writes again any output that was cut short.
    #[arg(long)]
    no_sync: bool,
    /// Follow symbolic links inside input folders, to files and folders wherever they lead
    /// (a loop is refused). Without it links are skipped: one can lead out of the folder named.
    #[arg(long)]
    follow_links: bool,
    /// Print what was done to every element; with a FILE (ending in .json), write it there as
    /// JSON instead (never on an input, inside an input folder, on -o or where an output goes).
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    report: Option<PathBuf>,
    /// Pixel rules to add to the profile's, for `--option clean-pixel-data`: a dpk RON list
    /// (FILE ending in .ron) or a CTP DicomPixelAnonymizer script.
    #[arg(long, value_name = "FILE")]
    pixel_rules: Option<PathBuf>,
}

/// How many files the workers take at a time (see [`run`]).
const CHUNK: usize = 256;

pub fn run(args: &AnonymizeArgs) -> Outcome {
    // Every run ends with the summary line, an early refusal included.
    let stop = |outcome: Outcome| {
        eprintln!("{}", Summary::default().line());
        outcome
    };
    let mut profile = match args.profile.resolve() {
        Ok(p) => p,
        Err(e) => return stop(report_error(&e)),
    };
    if let Some(path) = &args.pixel_rules {
        // Rules that would not run would let a user believe the pixels were cleaned.
        if !profile.cleans_pixel_data() {
            errln!(
                "dpk: error: --pixel-rules needs --option clean-pixel-data (or the option in the profile)"
            );
            return stop(Outcome::Usage);
        }
        match crate::pixels::load_rules(path) {
            Ok(rules) => profile.add_pixel_rules(rules),
            Err(e) => return stop(report_error(&e.into())),
        }
    }
    let ctx = match args
        .salt
        .context()
        .and_then(|ctx| check_context(&profile, &ctx).map(|_| ctx))
    {
        Ok(ctx) => ctx,
        Err(e) => return stop(report_error(&e)),
    };
    let refuse = |e: &dyn std::fmt::Display| {
        errln!("dpk: error: {}", escape(&e.to_string()));
        stop(Outcome::Usage)
    };
    let jobs = match plan_jobs(&args.inputs, &args.output, Links::followed(args.follow_links)) {
        Ok(jobs) => jobs,
        Err(e) => return refuse(&e),
    };
    let text_report = args.report.as_deref() == Some(std::path::Path::new("-"));
    let json_report = args.report.clone().filter(|_| !text_report);
    if let Some(path) = &json_report {
        // The value is optional, so `--report a.dcm b.dcm` would otherwise take an input as
        // the report's path and overwrite it.
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            errln!(
                "dpk: error: the report file {} must end in .json (use --report alone to print it)",
                show(path)
            );
            return stop(Outcome::Usage);
        }
        if let Err(e) = check_report(path, &args.inputs, &args.output) {
            return refuse(&e);
        }
    }

    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => return refuse(&e),
    };
    let mut summary = Summary::default();
    let mut pixel_review = 0usize;
    let in_shard = |job: &Result<Job, _>| {
        job.as_ref().map_or(true, |j| {
            shard.as_ref().is_none_or(|s| s.takes(&args.output, &j.output))
        })
    };
    // A first walk, of names only, refuses what would make the run wrong (a loop of links, a
    // link into the output, a report where an output goes) before anything is written, and
    // counts the files for the progress bar; the run then walks again, a batch at a time, so
    // no list of all files is ever held. A folder that cannot be read is no refusal: the run
    // meets it again in its place and counts it as one failure.
    let mut total = Total::new();
    for job in jobs.iter().filter(in_shard) {
        match job {
            Ok(job) => {
                if let Some(clash) = json_report.as_deref().and_then(|r| report_clash(&jobs, r, &job)) {
                    return refuse(&clash);
                }
                total.add(&job.input);
            }
            Err(e) if e.refuses_run() => return refuse(&e),
            Err(_) => {}
        }
    }
    summary.links_skipped = jobs.skipped_links();
    let threads = args
        .jobs
        .map(usize::from)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(crate::limits::stack_size())
        .build()
    {
        Ok(pool) => pool,
        Err(e) => {
            errln!("dpk: error: cannot start {threads} workers: {e}");
            return stop(Outcome::Failed);
        }
    };
    let tree = match OutputTree::create(jobs.output_root()) {
        Ok(tree) => tree,
        Err(e) => {
            errln!("dpk: error: {}", escape(&e.to_string()));
            return stop(Outcome::Failed);
        }
    };
    if args.skip_existing {
        // A killed run strands its temporary files; a resume clears them before it writes its
        // own. With --shard, other shards may be writing into the same tree right now: only
        // files nobody has touched for a while are theirs no more.
        let min_age = shard.map(|_| STALE_TEMP_AGE);
        for removed in tree.remove_stale_temps(min_age) {
            match removed {
                Ok(path) => errln!(
                    "dpk: note: removed {}, a temporary file left by an interrupted run",
                    show(&path)
                ),
                Err(e) => errln!("dpk: warning: {}", escape(&e.to_string())),
            }
        }
    }
    let keep_changes = text_report || json_report.is_some();
    let mut report = match json_report.as_deref().map(|path| {
        ReportWriter::create(path, profile.name(), profile.options()).map_err(|e| (path.to_path_buf(), e))
    }) {
        None => None,
        Some(Ok(writer)) => Some(writer),
        Some(Err((path, e))) => {
            errln!(
                "dpk: error: cannot write the report {}: {}",
                show(&path),
                escape(&e.to_string())
            );
            return stop(Outcome::Failed);
        }
    };
    let progress = Progress::new(&total);
    // Ctrl-C or SIGTERM: no new file starts, files in flight finish their (atomic) write, and
    // the run ends saying how to resume. Killing the process mid-write would strand a
    // temporary file.
    let interrupted = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = std::sync::Arc::clone(&interrupted);
    let _ = ctrlc::set_handler(move || flag.store(true, std::sync::atomic::Ordering::SeqCst));
    let mut failures = Failures::default();
    let mut run_errors: Vec<String> = Vec::new();
    let mut report_error = None;
    let mut not_started = 0;
    // What became of each file, in walk order, one byte each: the check at the end looks
    // again at the outputs of the files counted done.
    let mut states: Vec<State> = Vec::new();
    // DICOMDIRs written: once every file is, each moves the files it references to the
    // file IDs it now gives them (see `dicomdir::move_referenced_files`).
    let mut dicomdirs: Vec<(PathBuf, PathBuf)> = Vec::new();
    // Files go to the workers a batch at a time, and each batch's results are reported and
    // dropped before the next: memory does not grow with the number of files, and the report
    // lists files in input order whatever order the workers finish in.
    for batch in batches(jobs.iter().filter(in_shard), CHUNK) {
        let mut chunk: Vec<Job> = Vec::new();
        let mut slots: Vec<Slot> = Vec::with_capacity(batch.len());
        for item in batch {
            match item {
                Err(e) => slots.push(Slot::Unreadable(e)),
                Ok(job) if args.skip_existing && output_is_complete(&job) => {
                    summary.files_skipped += 1;
                    progress.file_skipped(&job);
                    slots.push(Slot::Skipped);
                }
                Ok(job) => {
                    slots.push(Slot::Run(chunk.len()));
                    chunk.push(job);
                }
            }
        }
        let results: Vec<Option<Result<Done, Failure>>> = pool.install(|| {
            use rayon::prelude::*;
            chunk
                .par_iter()
                .map(|job| {
                    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
                        return None;
                    }
                    let result = run_job(job, &profile, &ctx, &tree).map(|plan| Done {
                        dicomdir: plan.sop_class.as_deref() == Some(MEDIA_STORAGE_DIRECTORY_STORAGE),
                        notes: plan.notes.clone(),
                        changed: plan.change_count(),
                        changes: if keep_changes {
                            plan.changes().cloned().collect()
                        } else {
                            Vec::new()
                        },
                        profile: plan.profile,
                    });
                    progress.file_done(job, result.is_err());
                    Some(result)
                })
                .collect()
        });
        // The workers' results come in the order of the slots that run.
        let mut results = results.into_iter();
        for slot in slots {
            let (entry, state) = match slot {
                Slot::Skipped => {
                    states.push(State::Skipped);
                    continue;
                }
                Slot::Unreadable(e) => {
                    let failure = Failure::of_walk(&e);
                    let entry = failure.entry();
                    failures.add(failure);
                    summary.files_failed += 1;
                    (entry, State::Failed)
                }
                Slot::Run(i) => {
                    let job = &chunk[i];
                    let result = match results.next() {
                        Some(Some(result)) => result,
                        _ => {
                            not_started += 1;
                            states.push(State::NotStarted);
                            continue;
                        }
                    };
                    // A file counts done only if its output is there once the batch is over:
                    // a folder removed under the run takes outputs with it.
                    let result = result.and_then(|done| match tree.output_present(&job.output) {
                        true => Ok(done),
                        false => Err(Failure::lost(job)),
                    });
                    match result {
                        Ok(done) => {
                            if done.dicomdir {
                                dicomdirs.push((job.input.clone(), job.output.clone()));
                            }
                            summary.files_done += 1;
                            summary.elements_changed += done.changed;
                            summary.count_notes(&done.notes);
                            if done
                                .notes
                                .iter()
                                .any(|n| n.starts_with(crate::engine::NEEDS_PIXEL_REVIEW))
                            {
                                pixel_review += 1;
                            }
                            for note in &done.notes {
                                progress.println(&format!(
                                    "dpk: note: {}: {}",
                                    show(&job.input),
                                    escape(note)
                                ));
                            }
                            if text_report {
                                print_text(job, &done.profile, &done.notes, &done.changes);
                            }
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
                            summary.files_failed += 1;
                            let entry = failure.entry();
                            failures.add(failure);
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
    progress.finish();
    // Outputs written early can be lost later (their folder removed under the run): each file
    // counted done is looked at once more, and one whose output is gone fails, named.
    let walked_again = jobs.iter().filter(in_shard);
    for (item, state) in walked_again.zip(states.iter()) {
        if let (Ok(job), State::Done) = (item, state) {
            if !tree.output_present(&job.output) {
                summary.files_done = summary.files_done.saturating_sub(1);
                summary.files_failed += 1;
                failures.add(Failure::lost(&job));
            }
        }
    }
    // Only once every output is known to be there: a DICOMDIR's files move to their new IDs.
    for (input, output) in &dicomdirs {
        if let Err(e) = crate::engine::dicomdir::move_referenced_files(input, output) {
            run_errors.push(format!(
                "{}: the files it references were not moved: {e}",
                show(output)
            ));
        }
    }
    // Outputs were renamed into place unflushed: one flush for the whole run.
    let synced = if args.no_sync {
        Ok(())
    } else {
        crate::dataset::sync_all_under(tree.root())
    };
    if let Err(e) = synced {
        run_errors.push(format!("the outputs could not be flushed to the disk: {e}"));
    }
    let mut outcome = if failures.is_empty() && run_errors.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Failed
    };
    if let Some(writer) = report {
        let finished = match report_error {
            Some(e) => Err(e),
            None => writer.finish(&summary),
        };
        if let Err(e) = finished {
            errln!("dpk: error: cannot write the report: {}", escape(&e.to_string()));
            outcome = Outcome::Failed;
        }
    }
    failures.print();
    for error in &run_errors {
        errln!("dpk: error: {}", escape(error));
    }
    eprintln!("{}", summary.line());
    if pixel_review > 0 {
        let (files, need) = if pixel_review == 1 {
            ("file", "needs")
        } else {
            ("files", "need")
        };
        eprintln!(
            "dpk: {pixel_review} {files} {need} pixel review: no pixel rule matched and \
             burned-in text may remain (each is named in a note above)"
        );
    }
    if not_started > 0 {
        eprintln!(
            "dpk: interrupted: {not_started} file{} not started; every output written is complete. \
             Run the same command with --skip-existing to finish.",
            if not_started == 1 { "" } else { "s" }
        );
        return Outcome::Interrupted;
    }
    outcome
}

/// How long a temporary file must have been left untouched before a sharded resume takes it
/// for a killed run's: a write in progress touches its file all the time.
const STALE_TEMP_AGE: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// One item of a batch, in walk order.
enum Slot {
    /// A place in a folder that could not be read.
    Unreadable(InputError),
    /// A file whose output exists and is whole (`--skip-existing`).
    Skipped,
    /// A file handed to the workers: its index in the batch's jobs.
    Run(usize),
}

/// What became of one file of the run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Done,
    Failed,
    Skipped,
    NotStarted,
}

/// Whether `--skip-existing` may leave `job` as it is: its output is a regular file (not a
/// link, which would lead elsewhere) holding the whole of a file written from its input.
fn output_is_complete(job: &Job) -> bool {
    std::fs::symlink_metadata(&job.output).is_ok_and(|m| m.is_file())
        && crate::dataset::is_complete_output(&job.output, &job.input)
}

/// The report's clash with `job`'s output, if they are one file. Resolving paths costs a look
/// at the disk, so only outputs of the report's name are resolved.
fn report_clash(jobs: &super::inputs::Jobs, report: &Path, job: &Job) -> Option<InputError> {
    if job.output.file_name() != report.file_name() {
        return None;
    }
    jobs.report_clash(report, job)
}

fn run_job(job: &Job, profile: &ResolvedProfile, ctx: &Context, tree: &OutputTree) -> Result<Plan, Failure> {
    tree.prepare(&job.output)
        .map_err(|reason| Failure::new(&job.input, reason))?;
    let plan = anonymize_file_durable(&job.input, &job.output, profile, ctx, Durability::Batch)
        .map_err(|e| Failure::of_error(job, &e))?;
    if !tree.output_present(&job.output) {
        return Err(Failure::lost(job));
    }
    Ok(plan)
}

/// What a finished file leaves for the summary and the reports.
struct Done {
    /// Whether the file is a DICOMDIR.
    dicomdir: bool,
    notes: Vec<String>,
    changed: usize,
    changes: Vec<Change>,
    profile: String,
}

fn print_text(job: &Job, profile: &str, notes: &[String], changes: &[Change]) {
    outln!(
        "{} → {}  ({} changes, profile {})",
        show(&job.input),
        show(&job.output),
        changes.len(),
        escape(profile),
    );
    for note in notes {
        outln!("  note: {}", escape(note));
    }
    let refs: Vec<&Change> = changes.iter().collect();
    for line in render_lines(&refs, 48) {
        outln!("  {}", escape(&line));
    }
}
