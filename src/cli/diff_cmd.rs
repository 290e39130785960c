//! `dpk diff`: what differs between two DICOM files, element by element.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{report_error, Outcome};
use crate::dataset;
use crate::diff::{diff_headers, render_wrapped, Change};

pub const AFTER_HELP: &str = "\
Lists, by tag path into sequences, the elements removed, emptied, replaced or added from A to
B (file meta group first); with --all, unchanged elements too. The entries are the same as
an anonymization plan's, so `dpk diff scan.dcm scan_anon.dcm` shows what dpk did. Values
are shown whole: a line too long for the terminal puts each side of the change on lines of
its own, wrapped.

Exit codes (as diff(1)):
  0  the files hold the same elements and values
  1  they differ
  2  trouble: a file could not be read, or usage";

/// Output formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Aligned lines for a terminal.
    Text,
    /// One JSON document: {"a", "b", "changes": [...]}.
    Json,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The file before.
    a: PathBuf,
    /// The file after.
    b: PathBuf,
    /// Also list unchanged elements.
    #[arg(long)]
    all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

#[derive(Serialize)]
struct DiffReport<'a> {
    a: &'a PathBuf,
    b: &'a PathBuf,
    changes: Vec<&'a Change>,
}

pub fn run(args: &DiffArgs) -> Outcome {
    let all = match dataset::open_around_pixel_data(&args.a)
        .and_then(|a| Ok((a, dataset::open_around_pixel_data(&args.b)?)))
        .and_then(|(a, b)| diff_headers(&a, &args.a, &b, &args.b))
    {
        Ok(all) => all,
        Err(e) => {
            report_error(&e);
            return Outcome::Usage;
        }
    };
    let differ = all.iter().any(Change::is_change);
    let shown: Vec<&Change> = all.iter().filter(|c| args.all || c.is_change()).collect();
    match args.format {
        Format::Text => {
            // A new line inside a value is escaped with the rest, before lines are wrapped.
            for line in render_wrapped(&shown, line_width()) {
                outln!("{line}");
            }
            let changed = all.iter().filter(|c| c.is_change()).count();
            eprintln!("dpk: {changed} of {} elements differ", all.len());
        }
        Format::Json => {
            let report = DiffReport {
                a: &args.a,
                b: &args.b,
                changes: shown,
            };
            match serde_json::to_string_pretty(&report) {
                Ok(text) => outln_exact!("{text}"),
                Err(e) => {
                    errln!("dpk: error: {e}");
                    return Outcome::Usage;
                }
            }
        }
    }
    if differ {
        Outcome::Failed
    } else {
        Outcome::Ok
    }
}

/// The width lines are wrapped at: the terminal's (`COLUMNS`), at least 60; 120 otherwise.
fn line_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .map_or(120, |c| c.max(60))
}
