//! `dpk anonymize`.

use std::path::{Path, PathBuf};

use clap::Args;

use super::progress::{Progress, Total};
use super::{report_error, Outcome, ProfileArgs, SaltArgs};
use crate::batch::failures::Failures;
use crate::batch::report::Summary;
use crate::batch::shard::Shard;
use crate::batch::{self, Batch, Observer, Record, Refusal};
use crate::diff::{render_lines, Change};
use crate::terminal_text::{escape, path as show};

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
}

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
    let ctx = match args.salt.context() {
        Ok(ctx) => ctx,
        Err(e) => return stop(report_error(&e)),
    };
    let refuse = |e: &dyn std::fmt::Display| {
        errln!("dpk: error: {}", escape(&e.to_string()));
        stop(Outcome::Usage)
    };
    let text_report = args.report.as_deref() == Some(Path::new("-"));
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
    }
    let shard = match args.shard.as_deref().map(Shard::parse).transpose() {
        Ok(s) => s,
        Err(e) => return refuse(&e),
    };
    let batch = Batch {
        follow_links: args.follow_links,
        skip_existing: args.skip_existing,
        shard,
        jobs: args.jobs.map(usize::from),
        sync: !args.no_sync,
        keep_changes: text_report || json_report.is_some(),
        report: json_report,
        describe: super::describe,
        ..Batch::new(args.inputs.clone(), args.output.clone())
    };
    // Ctrl-C or SIGTERM: no new file starts, files in flight stop within a few megabytes
    // and leave nothing (their temporary files removed), and the run ends saying how to
    // resume. Killing the process mid-write would strand a temporary file.
    let cancel = crate::Cancel::new();
    let on_signal = cancel.clone();
    let _ = ctrlc::set_handler(move || on_signal.cancel());
    let mut shown = Shown {
        total: Total::new(),
        progress: None,
        text_report,
    };
    let outcome = match batch.run(&profile, &ctx, &mut shown, &cancel) {
        Ok(outcome) => outcome,
        Err(Refusal::Setup(e)) => return stop(report_error(&e)),
        Err(Refusal::Workers { threads, reason }) => {
            errln!("dpk: error: cannot start {threads} workers: {}", escape(&reason));
            return stop(Outcome::Failed);
        }
        Err(e) => return refuse(&e),
    };
    if let Some(progress) = &shown.progress {
        progress.finish();
    }
    print_failures(&outcome.failures);
    for error in &outcome.errors {
        errln!("dpk: error: {}", escape(error));
    }
    eprintln!("{}", outcome.summary.line());
    if outcome.not_started > 0 {
        eprintln!(
            "dpk: interrupted: {} file{} not written (stopped or not started); every output \
             written is complete. Run the same command with --skip-existing to finish.",
            outcome.not_started,
            if outcome.not_started == 1 { "" } else { "s" }
        );
        return Outcome::Interrupted;
    }
    if outcome.is_success() {
        Outcome::Ok
    } else {
        Outcome::Failed
    }
}

/// What the program shows of a run: the progress bar, each file's notes, and the text
/// report.
struct Shown {
    total: Total,
    progress: Option<Progress>,
    text_report: bool,
}

impl Observer for Shown {
    fn counted(&mut self, input: &Path) {
        self.total.add(input);
    }

    fn starting(&mut self, _total: usize) {
        self.progress = Some(Progress::new(&self.total));
    }

    fn note(&mut self, text: &str) {
        let line = format!("dpk: note: {}", escape(text));
        match &self.progress {
            Some(progress) => progress.println(&line),
            None => eprintln!("{line}"),
        }
    }

    fn progress(&self, p: &batch::Progress<'_>) {
        if let Some(progress) = &self.progress {
            progress.file_done(p.input, p.failed);
        }
    }

    fn record(&mut self, record: &Record<'_>) {
        let Record::Done {
            input,
            output,
            profile,
            notes,
            changes,
            ..
        } = record
        else {
            return;
        };
        for note in notes.iter() {
            self.note(&format!("{}: {note}", input.display()));
        }
        if self.text_report {
            print_text(input, output, profile, notes, changes);
        }
    }
}

/// Every failure, each naming its input; a cause shared by several files is told once,
/// above their names.
fn print_failures(failures: &Failures) {
    if failures.is_empty() {
        return;
    }
    errln!("dpk: {} file(s) failed:", failures.count());
    for (cause, inputs) in failures.groups() {
        match inputs {
            [input] => errln!("  {}: {}", show(input), escape(cause)),
            _ => {
                errln!("  {} files: {}", inputs.len(), escape(cause));
                for input in inputs {
                    errln!("    {}", show(input));
                }
            }
        }
    }
}

fn print_text(input: &Path, output: &Path, profile: &str, notes: &[String], changes: &[Change]) {
    outln!(
        "{} → {}  ({} changes, profile {})",
        show(input),
        show(output),
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
