//! `dpk anonymize`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::inputs::{batches, plan_jobs, Job, Links};
use super::progress::{Progress, Total};
use super::report::{FileReport, ReportWriter, Status, Summary};
use super::shard::Shard;
use super::{report_error, Outcome, ProfileArgs, SaltArgs};
use crate::dataset::Durability;
use crate::diff::{render_lines, Change};
use crate::engine::{anonymize_file_durable, check_context, Context, Plan};
use crate::profile::ResolvedProfile;
use crate::Error;

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
  2  usage: bad arguments, unknown profile or option, missing salt, output inside the input
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
    /// JSON instead.
    #[arg(long, value_name = "FILE", num_args = 0..=1, default_missing_value = "-")]
    report: Option<PathBuf>,
}

/// How many files the workers take at a time (see [`run`]).
const CHUNK: usize = 256;

pub fn run(args: &AnonymizeArgs) -> Outcome {
    // Every run ends with the summary line, an early refusal included.
    let stop = |outcome: Outcome| {
        eprintln!("{}", Summary::default().line());
        outcome
    };
    let profile = match args.profile.resolve() {
        Ok(p) => p,
        Err(e) => return stop(report_error(&e)),
    };
    let ctx = match args
        .salt
        .context()
        .and_then(|ctx| check_context(&profile, &ctx).map(|_| ctx))
    {
        Ok(ctx) => ctx,
        Err(e) => return stop(report_error(&e)),
    };
    let jobs = match plan_jobs(&args.inputs, &args.output, Links::followed(args.follow_links)) {
        Ok(jobs) => jobs,
        Err(e) => {
            eprintln!("dpk: error: {e}");
            return stop(Outcome::Usage);
        }
    };
    let text_report = args.report.as_deref() == Some(std::path::Path::new("-"));
    let json_report = args.report.clone().filter(|_| !text_report);
    if let Some(path) = &json_report {
        // The value is optional, so `--report a.dcm b.dcm` would otherwise take an input as
        // the report's path and overwrite it.
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            eprintln!(
                "dpk: error: the report file {} must end in .json (use --report alone to print it)",
                path.display()
            );
            return stop(Outcome::Usage);
        }
    }

    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("dpk: error: {e}");
            return stop(Outcome::Usage);
        }
    };
    let mut summary = Summary::default();
    let in_shard = |job: &Result<Job, _>| {
        job.as_ref().map_or(true, |j| {
            shard.as_ref().is_none_or(|s| s.takes(&args.output, &j.output))
        })
    };
    // A first walk, of names only, finds a folder that cannot be read before anything is
    // written, and counts the files for the progress bar; the run then walks again, a batch
    // at a time, so no list of all files is ever held.
    let mut total = Total::new();
    for job in jobs.iter().filter(in_shard) {
        match job {
            Ok(job) => total.add(&job.input),
            Err(e) => {
                eprintln!("dpk: error: {e}");
                return stop(Outcome::Usage);
            }
        }
    }
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
            eprintln!("dpk: error: cannot start {threads} workers: {e}");
            return stop(Outcome::Failed);
        }
    };
    let keep_changes = text_report || json_report.is_some();
    let mut report = match json_report.as_deref().map(|path| {
        ReportWriter::create(path, profile.name(), profile.options()).map_err(|e| (path.to_path_buf(), e))
    }) {
        None => None,
        Some(Ok(writer)) => Some(writer),
        Some(Err((path, e))) => {
            eprintln!("dpk: error: cannot write the report {}: {e}", path.display());
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
    let mut failures: Vec<String> = Vec::new();
    let mut report_error = None;
    let mut not_started = 0;
    // Files go to the workers a batch at a time, and each batch's results are reported and
    // dropped before the next: memory does not grow with the number of files, and the report
    // lists files in input order whatever order the workers finish in.
    for batch in batches(jobs.iter().filter(in_shard), CHUNK) {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                // A folder changed under the run since the first walk: nothing more starts.
                failures.push(e.to_string());
                break;
            }
        };
        let chunk: Vec<Job> = batch
            .into_iter()
            .filter(|job| {
                let skip = args.skip_existing && crate::dataset::is_complete(&job.output);
                summary.files_skipped += usize::from(skip);
                if skip {
                    progress.file_skipped(job);
                }
                !skip
            })
            .collect();
        let results: Vec<Option<Result<Done, String>>> = pool.install(|| {
            use rayon::prelude::*;
            chunk
                .par_iter()
                .map(|job| {
                    if interrupted.load(std::sync::atomic::Ordering::SeqCst) {
                        return None;
                    }
                    let result = run_job(job, &profile, &ctx).map(|plan| Done {
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
                    Some(result.map_err(|e| e.to_string()))
                })
                .collect()
        });
        for (job, result) in chunk.iter().zip(results) {
            let Some(result) = result else {
                not_started += 1;
                continue;
            };
            let entry = match result {
                Ok(done) => {
                    summary.files_done += 1;
                    summary.elements_changed += done.changed;
                    summary.count_notes(&done.notes);
                    for note in &done.notes {
                        progress.println(&format!("dpk: note: {}: {note}", job.input.display()));
                    }
                    if text_report {
                        print_text(job, &done.profile, &done.notes, &done.changes);
                    }
                    FileReport {
                        input: job.input.clone(),
                        output: Some(job.output.clone()),
                        status: Status::Ok,
                        error: None,
                        notes: done.notes,
                        changes: done.changes,
                    }
                }
                Err(e) => {
                    summary.files_failed += 1;
                    failures.push(e.clone());
                    FileReport {
                        input: job.input.clone(),
                        output: None,
                        status: Status::Failed,
                        error: Some(e),
                        notes: Vec::new(),
                        changes: Vec::new(),
                    }
                }
            };
            if let Some(writer) = report.as_mut().filter(|_| report_error.is_none()) {
                if let Err(e) = writer.add(&entry) {
                    report_error = Some(e);
                }
            }
        }
    }
    progress.finish();
    // Outputs were renamed into place unflushed: one flush for the whole run.
    let output_root = if args.output.is_dir() {
        args.output.as_path()
    } else {
        args.output
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    };
    let synced = if args.no_sync {
        Ok(())
    } else {
        crate::dataset::sync_all_under(output_root)
    };
    if let Err(e) = synced {
        failures.push(format!("the outputs could not be flushed to the disk: {e}"));
    }
    let mut outcome = if failures.is_empty() {
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
            eprintln!("dpk: error: cannot write the report: {e}");
            outcome = Outcome::Failed;
        }
    }
    if !failures.is_empty() {
        eprintln!("dpk: {} file(s) failed:", failures.len());
        for reason in &failures {
            eprintln!("  {reason}");
        }
    }
    eprintln!("{}", summary.line());
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

fn run_job(job: &Job, profile: &ResolvedProfile, ctx: &Context) -> Result<Plan, Error> {
    if let Some(parent) = job.output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    anonymize_file_durable(&job.input, &job.output, profile, ctx, Durability::Batch)
}

/// What a finished file leaves for the summary and the reports.
struct Done {
    notes: Vec<String>,
    changed: usize,
    changes: Vec<Change>,
    profile: String,
}

fn print_text(job: &Job, profile: &str, notes: &[String], changes: &[Change]) {
    outln!(
        "{} → {}  ({} changes, profile {profile})",
        job.input.display(),
        job.output.display(),
        changes.len(),
    );
    for note in notes {
        outln!("  note: {note}");
    }
    let refs: Vec<&Change> = changes.iter().collect();
    for line in render_lines(&refs, 48) {
        outln!("  {line}");
    }
}
