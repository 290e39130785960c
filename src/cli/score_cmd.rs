//! `dpk score`: the PHI risk of files, for people and for CI gates.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::Outcome;
use crate::batch::inputs::{batches, checked_walk_files, Links};
use crate::dataset;
use crate::risk::{score, score_against, Level, RiskReport, Weights};
use crate::terminal_text::{escape, path as show};
use crate::verify::{Pairing, TreeOptions};

pub const AFTER_HELP: &str = "\
The score is 0–100 %: LOW < 25 ≤ MEDIUM < 50 ≤ HIGH < 75 ≤ CRITICAL. Each finding is an
element that still gives something away (names, IDs, dates, UIDs with a site's root, free
text naming the patient, private data, device identity, burned-in text dpk cannot see),
with the weight it contributes and why. Weights come from profiles/risk-weights.ron; a
--weights file names only what it changes.

A de-identified header no longer holds the patient's names and IDs, so alone it cannot tell
whether kept text still names them. With --originals, each file is scored against its own
original (same relative path, or by SOP Instance UID through --report, as `dpk verify`
pairs): free text holding the original's names, IDs or dates scores as it did before, and a
date counts as shifted only where it differs from the original's. A date dpk shifted (the
file says Longitudinal Temporal Information Modified: MODIFIED) counts far less than a real
one.

Examples:
  dpk score scan.dcm
  dpk score study/ --fail-on-risk 50
  dpk score study/ --format json --weights my-weights.ron
  dpk score study_anon/ --originals study/

Files that are not DICOM (a report.json, a README beside the outputs) are listed apart as
not DICOM and not scored; they do not fail the run.

Exit codes:
  0  scored (and, with --fail-on-risk, every file below the threshold)
  1  a file could not be read, or the weights file is invalid
  2  usage
  3  with --fail-on-risk N: at least one file scores N or more";

/// Output formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// A line per file and its top findings.
    Text,
    /// One JSON document: {"files": [{"file", "score", "level", "findings"}], "not_dicom":
    /// [paths], "summary"}.
    Json,
}

#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// DICOM files or folders (recursive).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Exit 3 when any file scores this many percent or more.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=100))]
    fail_on_risk: Option<u8>,
    /// Weights file (RON) overriding the built-in weights.
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// Follow symbolic links inside folders (a loop is refused); without it they are skipped.
    #[arg(long)]
    follow_links: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// The original files (a folder laid out as INPUT, or the one original of one file):
    /// each file is scored against its own original's identifiers. Needs a single INPUT.
    #[arg(long, value_name = "DIR")]
    originals: Option<PathBuf>,
    /// The JSON report of the run that wrote INPUT: pairs files with originals by SOP
    /// Instance UID.
    #[arg(long, value_name = "FILE.json", requires = "originals")]
    report: Option<PathBuf>,
    /// Findings shown per file in text output (0: all).
    #[arg(long, default_value_t = 5, value_name = "N")]
    top: usize,
}

/// What became of one file found: scored (or failed), or passed over as not DICOM.
enum Found {
    Scored(FileScore, Vec<String>),
    NotDicom(PathBuf),
}

#[derive(Serialize)]
struct FileScore {
    file: PathBuf,
    #[serde(flatten)]
    report: Option<RiskReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(args: &ScoreArgs) -> Outcome {
    let weights = match &args.weights {
        Some(path) => match Weights::load(path) {
            Ok(w) => w,
            Err(e) => {
                errln!("dpk: error: {}", escape(&e.to_string()));
                return Outcome::Failed;
            }
        },
        None => Weights::builtin(),
    };
    let pairing = match &args.originals {
        Some(originals) => {
            let [input] = args.inputs.as_slice() else {
                errln!("dpk: error: --originals pairs one INPUT (a folder or a file) with its originals");
                return Outcome::Usage;
            };
            let options = TreeOptions {
                follow_links: args.follow_links,
                report: args.report.clone(),
            };
            match Pairing::new(originals, input, &options) {
                Ok(p) => Some(p),
                Err(e) => {
                    errln!("dpk: error: {}", escape(&e.to_string()));
                    return Outcome::Failed;
                }
            }
        }
        None => None,
    };
    let links = Links::followed(args.follow_links);
    let skipped_links = std::cell::Cell::new(0);
    let files = match checked_walk_files(&args.inputs, links, &skipped_links) {
        Ok(files) => files,
        Err(e) => {
            errln!("dpk: error: {}", escape(&e.to_string()));
            return Outcome::Usage;
        }
    };
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let json = matches!(args.format, Format::Json);
    let threshold = args.fail_on_risk.map(f64::from);
    let (mut scored, mut failed, mut over, mut worst) = (0usize, 0usize, 0usize, 0.0f64);
    // Paths only: a tree holds few files that are not DICOM, and JSON lists them after "files".
    let mut not_dicom: Vec<PathBuf> = Vec::new();
    let mut pending: Option<String> = None;
    if json {
        outln_exact!("{{\n  \"files\": [");
    }
    // Files are read in parallel, a chunk at a time, and printed in input order as each
    // chunk ends: memory does not grow with the number of files.
    for chunk in batches(files, CHUNK) {
        // A place in a folder that cannot be read is one failure in its place; the run goes on.
        let results: Vec<Found> = {
            use rayon::prelude::*;
            chunk
                .par_iter()
                .map(|file| match file {
                    // As `dpk verify` tells them: by the DICM marker the reader itself checks.
                    Ok(file) if !dataset::looks_like_dicom(file) => Found::NotDicom(file.clone()),
                    Ok(file) => {
                        let (result, notes) = score_file(file, &weights, pairing.as_ref());
                        Found::Scored(result, notes)
                    }
                    Err(e) => Found::Scored(
                        FileScore {
                            file: e.path().to_path_buf(),
                            report: None,
                            error: Some(e.to_string()),
                        },
                        Vec::new(),
                    ),
                })
                .collect()
        };
        for found in results {
            let (result, notes) = match found {
                Found::Scored(result, notes) => (result, notes),
                Found::NotDicom(path) => {
                    if !json {
                        outln!("{}: not DICOM, not scored", show(&path));
                    }
                    not_dicom.push(path);
                    continue;
                }
            };
            for note in notes {
                errln!("dpk: note: {}: {}", show(&result.file), escape(&note));
            }
            match &result.report {
                Some(report) => {
                    scored += 1;
                    worst = worst.max(report.score);
                    over += usize::from(threshold.is_some_and(|t| report.score >= t));
                }
                None => failed += 1,
            }
            if json {
                // Each entry is printed once the next is known, to end it with a comma or not.
                if let Some(previous) = pending.take() {
                    outln_exact!("{previous},");
                }
                let text = serde_json::to_string_pretty(&result).unwrap_or_default();
                pending = Some(format!("    {}", text.replace('\n', "\n    ")));
            } else {
                print_text(&result, args.top, colour);
            }
        }
    }
    if let Some(last) = pending {
        outln_exact!("{last}");
    }
    if json {
        let summary = serde_json::json!({
            "files": scored + failed, "failed": failed, "max_score": worst, "over_threshold": over,
            "not_dicom": not_dicom.len(),
        });
        // Named lossily: a path that is not UTF-8 must not take the whole list with it.
        let names: Vec<String> = not_dicom
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let listed = serde_json::to_string(&names).unwrap_or_else(|_| "[]".into());
        outln_exact!("  ],\n  \"not_dicom\": {listed},\n  \"summary\": {summary}\n}}");
    }
    let mut summary = format!(
        "dpk: {scored} file{} scored, {failed} failed, {} not DICOM, highest {worst:.1}% {}",
        if scored == 1 { "" } else { "s" },
        not_dicom.len(),
        Level::of(worst).label()
    );
    if let Some(t) = args.fail_on_risk {
        summary.push_str(&format!(", {over} at or above {t}%"));
    }
    match skipped_links.get() {
        0 => {}
        1 => summary.push_str(", 1 symbolic link skipped"),
        n => summary.push_str(&format!(", {n} symbolic links skipped")),
    }
    eprintln!("{summary}");
    if over > 0 {
        Outcome::Violations
    } else if failed > 0 {
        Outcome::Failed
    } else {
        Outcome::Ok
    }
}

/// How many files are read at a time (see [`run`]).
const CHUNK: usize = 256;

/// Scores one file from its header, against its original when `pairing` finds it; with the
/// reader's notes.
fn score_file(
    file: &std::path::Path,
    weights: &Weights,
    pairing: Option<&Pairing>,
) -> (FileScore, Vec<String>) {
    match dataset::open_header(file) {
        Ok(header) => {
            let mut notes = header.notes;
            let original = pairing.map(|p| p.original_of(file, &header.file));
            let report = match original {
                Some(Some(path)) => match dataset::open_header(&path) {
                    Ok(original) => score_against(&header.file, weights, &original.file),
                    Err(e) => {
                        notes.push(format!(
                            "its original cannot be read ({e}): scored on its own header"
                        ));
                        score(&header.file, weights)
                    }
                },
                Some(None) => {
                    notes.push("no original found: scored on its own header".into());
                    score(&header.file, weights)
                }
                None => score(&header.file, weights),
            };
            (
                FileScore {
                    report: Some(report),
                    file: file.to_path_buf(),
                    error: None,
                },
                notes,
            )
        }
        Err(e) => (
            FileScore {
                file: file.to_path_buf(),
                report: None,
                error: Some(super::describe(&e)),
            },
            Vec::new(),
        ),
    }
}

fn print_text(result: &FileScore, top: usize, colour: bool) {
    let Some(report) = &result.report else {
        errln!(
            "dpk: error: {}",
            escape(result.error.as_deref().unwrap_or_default())
        );
        return;
    };
    let level = report.level.label();
    let level = if colour {
        let code = match report.level {
            Level::Low => "32",
            Level::Medium => "33",
            Level::High => "31",
            Level::Critical => "1;31",
        };
        format!("\x1b[{code}m{level}\x1b[0m")
    } else {
        level.to_string()
    };
    // Exact: the level's colour is dpk's own escape sequence; all else is escaped here.
    outln_exact!(
        "{}: {:.1}% {level} ({} finding{})",
        show(&result.file),
        report.score,
        report.findings.len(),
        if report.findings.len() == 1 { "" } else { "s" }
    );
    let shown = if top == 0 { report.findings.len() } else { top };
    for f in report.findings.iter().take(shown) {
        outln!(
            "  {:<5.2} {:<24} {}  {}",
            f.weight,
            f.path.to_string(),
            f.category.label(),
            escape(&f.reason.to_string())
        );
    }
    if report.findings.len() > shown {
        outln!("  … {} more (--top 0 shows all)", report.findings.len() - shown);
    }
}
