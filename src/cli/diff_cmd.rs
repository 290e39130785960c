//! `dpk diff`: what differs between two DICOM files, element by element.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::{report_error, Outcome};
use crate::dataset;
use crate::diff::{diff_headers, render_lines, Change};

pub const AFTER_HELP: &str = "\
Lists, by tag path into sequences, the elements removed, emptied, replaced or added from A to
B (file meta group first); with --all, unchanged elements too. The entries are the same as
an anonymization plan's, so `dpk diff scan.dcm scan_anon.dcm` shows what dpk did.

Exit codes:
  0  the comparison was made (whether or not the files differ)
  1  a file could not be read
  2  usage";

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
        Err(e) => return report_error(&e),
    };
    let shown: Vec<&Change> = all.iter().filter(|c| args.all || c.is_change()).collect();
    match args.format {
        Format::Text => {
            // One line per element: a new line inside a value is escaped with the rest.
            for line in render_lines(&shown, 60) {
                outln!("{}", crate::terminal_text::escape(&line));
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
                    return Outcome::Failed;
                }
            }
        }
    }
    Outcome::Ok
}
