//! `dpk verify`: the release check of de-identified files.

use std::path::PathBuf;

use clap::Args;

use super::{report_error, Outcome, ProfileArgs};
use crate::terminal_text::{escape, path as show};
use crate::verify::{verify_tree_with, TreeOptions, TreeReport};

pub const AFTER_HELP: &str = "\
Re-reads de-identified files and checks them against the profile, without trusting the
plan the engine made: every output opens, its meta group agrees with its data set, nothing
the profile removes or empties holds a value at any depth, no Type 1 attribute is empty, no
overlay plane is half removed, a DICOMDIR's offsets point at its records, every UID is
valid and no two outputs share a SOP Instance UID, the PS3.15 markers are present. A file
claiming the Clean Pixel Data Option (113101) has each region it names blank in every frame
(native or decoded), Burned In Annotation NO, and at least one region named; the regions
checked are listed.

With --originals, each output is compared with its own original (same relative path; with
--report, the run's JSON report pairs them by SOP Instance UID): none of the names, IDs,
dates and instance UIDs that original holds may occur in a value the profile does not keep
as it is, and every original must have an output. Registry UIDs and dpk's own dummy values
are not findings. Files that are not DICOM (a report.json) are listed, not checked.

Examples:
  dpk verify study_anon/ --profile basic
  dpk verify study_anon/ --profile basic --option retain-safe-private --originals study/
  dpk verify study_anon/ --originals study/ --report run.json

Exit codes:
  0  every file passes
  1  error: the profile is invalid, an input cannot be listed or read
  2  usage
  3  at least one violation or missing output (each is listed: file, tag path, what is wrong)";

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// De-identified files or folders.
    #[arg(required = true, value_name = "OUTPUT")]
    outputs: Vec<PathBuf>,
    /// Follow symbolic links inside folders (a loop is refused); without it they are skipped.
    #[arg(long)]
    follow_links: bool,
    /// The profile and options the files were de-identified with.
    #[command(flatten)]
    profile: ProfileArgs,
    /// The original files (a folder laid out as the outputs, or the one original of one
    /// output): each output is checked against its own original's identifiers.
    #[arg(long, value_name = "DIR")]
    originals: Option<PathBuf>,
    /// The JSON report of the run (`dpk anonymize --report FILE.json`): pairs outputs with
    /// originals by SOP Instance UID.
    #[arg(long, value_name = "FILE.json", requires = "originals")]
    report: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &VerifyArgs) -> Outcome {
    let profile = match args.profile.resolve() {
        Ok(p) => p,
        Err(e) => return report_error(&e),
    };
    let options = TreeOptions {
        follow_links: args.follow_links,
        report: args.report.clone(),
    };
    let mut result = TreeReport::default();
    for output in &args.outputs {
        match verify_tree_with(output, &profile, args.originals.as_deref(), &options) {
            Ok(tree) => result.merge(tree),
            Err(e) => return report_error(&e),
        }
    }
    if args.json {
        match serde_json::to_string_pretty(&serde_json::json!({
            "profile": profile.name(),
            "files": result.files,
            "violations": result.violations,
            "not_dicom": result.not_dicom,
            "missing_outputs": result.missing_outputs,
            "unpaired": result.unpaired,
            "unreadable": result.unreadable,
            "pixel_regions_checked": result.pixels_checked,
        })) {
            Ok(text) => outln_exact!("{text}"),
            Err(e) => errln!("dpk: error: {e}"),
        }
    } else {
        for v in &result.violations {
            let place = v.path.as_ref().map(|p| format!("{p}: ")).unwrap_or_default();
            outln!("{}: {}{}", show(&v.file), escape(&place), escape(&v.problem));
        }
        for original in &result.missing_outputs {
            outln!("{}: original without an output", show(original));
        }
        for file in &result.not_dicom {
            outln!("{}: not DICOM, not checked", show(file));
        }
        for checked in &result.pixels_checked {
            outln!(
                "{}: pixel regions checked blank in {} frame(s): {}",
                show(&checked.file),
                checked.frames,
                escape(&checked.regions.join(", "))
            );
        }
        for file in &result.unpaired {
            outln!(
                "{}: no original found (give --report of the run), identifiers not compared",
                show(file)
            );
        }
    }
    for place in &result.unreadable {
        errln!("dpk: error: {}", escape(place));
    }
    let n = |count: usize, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
    errln!(
        "dpk: {} verified, {} with violations, {}, {} missing, {} not DICOM",
        n(result.files, "file", "files"),
        result.files_failing,
        n(result.violations.len(), "violation", "violations"),
        n(result.missing_outputs.len(), "output", "outputs"),
        result.not_dicom.len(),
    );
    if !result.violations.is_empty() || !result.missing_outputs.is_empty() {
        Outcome::Violations
    } else if !result.unreadable.is_empty() {
        Outcome::Failed
    } else {
        Outcome::Ok
    }
}
