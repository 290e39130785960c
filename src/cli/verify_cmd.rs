//! `dpk verify`: the release check of de-identified files.

use std::path::PathBuf;

use clap::Args;

use super::{report_error, Outcome, ProfileArgs};
use crate::batch::inputs::{checked_walk_files, Links};
use crate::terminal_text::{escape, path as show};
use crate::verify::{verify_file, Originals, Violation};

pub const AFTER_HELP: &str = "\
Re-reads de-identified files and checks them against the profile, without trusting the
plan the engine made: nothing the profile removes or empties holds a value at any depth,
every UID is valid, the PS3.15 markers are present, no private element outside what the
profile keeps, every file opens. With --originals, no original name, ID, date or UID
occurs anywhere in the outputs.

Examples:
  dpk verify study_anon/ --profile basic
  dpk verify study_anon/ --profile basic --option retain-safe-private --originals study/

Exit codes:
  0  every file passes
  1  error: the profile is invalid, an input cannot be listed
  2  usage
  3  at least one violation (each is listed: file, tag path, what is wrong)";

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
    /// Folder (or file) of the original files: their names, IDs, dates and UIDs must occur
    /// nowhere in the outputs.
    #[arg(long, value_name = "DIR")]
    originals: Option<PathBuf>,
    /// Print the violations as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &VerifyArgs) -> Outcome {
    let profile = match args.profile.resolve() {
        Ok(p) => p,
        Err(e) => return report_error(&e),
    };
    let links = Links::followed(args.follow_links);
    let skipped_links = std::cell::Cell::new(0);
    let files = match checked_walk_files(&args.outputs, links, &skipped_links) {
        Ok(files) => files,
        Err(e) => {
            errln!("dpk: error: {}", escape(&e.to_string()));
            return Outcome::Failed;
        }
    };
    let originals = args.originals.as_deref().map(Originals::from_dir);
    if let Some(o) = &originals {
        if o.is_empty() {
            errln!("dpk: error: no DICOM file with identifying values found under --originals");
            return Outcome::Failed;
        }
    }
    let mut violations: Vec<Violation> = Vec::new();
    let mut failing_files = 0;
    let mut checked = 0usize;
    let mut walk_error = false;
    for file in files {
        let file = match file {
            Ok(file) => file,
            Err(e) => {
                // A place that cannot be read: what it holds is not verified, so the run
                // cannot pass; the rest is still checked.
                errln!("dpk: error: {}", escape(&e.to_string()));
                walk_error = true;
                continue;
            }
        };
        checked += 1;
        let found = verify_file(&file, &profile, originals.as_ref());
        if !found.is_empty() {
            failing_files += 1;
        }
        if !args.json {
            for v in &found {
                let place = v.path.as_ref().map(|p| format!("{p}: ")).unwrap_or_default();
                outln!("{}: {}{}", show(&v.file), escape(&place), escape(&v.problem));
            }
        }
        violations.extend(found);
    }
    if args.json {
        match serde_json::to_string_pretty(&serde_json::json!({
            "profile": profile.name(),
            "files": checked,
            "violations": violations,
        })) {
            Ok(text) => outln_exact!("{text}"),
            Err(e) => errln!("dpk: error: {e}"),
        }
    }
    let links = match skipped_links.get() {
        0 => String::new(),
        1 => ", 1 symbolic link skipped".to_string(),
        n => format!(", {n} symbolic links skipped"),
    };
    eprintln!(
        "dpk: {} file{} verified, {failing_files} with violations, {} violation{}{links}",
        checked,
        if checked == 1 { "" } else { "s" },
        violations.len(),
        if violations.len() == 1 { "" } else { "s" },
    );
    if !violations.is_empty() {
        Outcome::Violations
    } else if walk_error {
        Outcome::Failed
    } else {
        Outcome::Ok
    }
}
