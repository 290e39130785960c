//! Regenerates the built-in PS3.15 profiles under `profiles/` from the standard's tables.
//!
//! ```text
//! cargo run --example gen_profiles [-- standard/ps3.15]
//! ```
//!
//! Reads `attribute-confidentiality.tsv` (Table E.1-1), `safe-private-attributes.tsv`
//! (Table E.3.10-1) and `deidentification-method-codes.tsv` (CID 7050) and writes
//! `profiles/basic.ron` and `profiles/options/<option>.ron`. The test
//! `tests/profiles_match_standard.rs` checks the committed files against the same tables, so a
//! hand edit that disagrees with the standard fails CI.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The option columns of Table E.1-1 and the file name (= option name) each becomes.
const OPTION_COLUMNS: &[(&str, &str, &str)] = &[
    ("retain_safe_private", "retain-safe-private", "113111"),
    ("retain_uids", "retain-uids", "113110"),
    ("retain_device_identity", "retain-device-identity", "113109"),
    (
        "retain_institution_identity",
        "retain-institution-identity",
        "113112",
    ),
    (
        "retain_patient_characteristics",
        "retain-patient-characteristics",
        "113108",
    ),
    (
        "retain_longitudinal_full_dates",
        "retain-long-full-dates",
        "113106",
    ),
    (
        "retain_longitudinal_modified_dates",
        "retain-long-modified-dates",
        "113107",
    ),
    ("clean_descriptors", "clean-descriptors", "113105"),
    ("clean_structured_content", "clean-structured-content", "113104"),
    ("clean_graphics", "clean-graphics", "113103"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let table_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/standard/ps3.15")));
    let out_dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/profiles"));

    let attrs = read_tsv(&table_dir.join("attribute-confidentiality.tsv"))?;
    let safe = read_tsv(&table_dir.join("safe-private-attributes.tsv"))?;
    let codes = read_tsv(&table_dir.join("deidentification-method-codes.tsv"))?;
    let meaning = |code: &str| -> String {
        codes
            .iter()
            .find(|r| r.get("code_value") == code)
            .map(|r| r.get("code_meaning").to_string())
            .unwrap_or_default()
    };

    let mut basic = header(
        "basic",
        "PS3.15 Annex E Basic Application Level Confidentiality Profile: every row of Table E.1-1",
        "113100",
        &meaning("113100"),
    );
    for row in &attrs {
        push_rule(&mut basic, row, row.get("basic"));
    }
    basic.push_str("    ],\n)\n");
    std::fs::write(out_dir.join("basic.ron"), basic)?;

    std::fs::create_dir_all(out_dir.join("options"))?;
    for (column, name, code) in OPTION_COLUMNS {
        let mut text = header(
            name,
            &format!("PS3.15 {} (Table E.1-1 option column)", meaning(code)),
            code,
            &meaning(code),
        );
        for row in &attrs {
            let action = row.get(column);
            if action.is_empty() {
                continue;
            }
            if *column == "retain_safe_private" {
                // The table's single private row says C: keep what Table E.3.10-1 deems safe.
                for s in &safe {
                    let (group, elem) = s.get("tag").split_once(',').ok_or("bad safe tag")?;
                    let offset = &elem.to_ascii_uppercase()[2..];
                    writeln!(
                        text,
                        "        // {}",
                        if s.get("meaning").is_empty() {
                            "(no meaning given by the table)"
                        } else {
                            s.get("meaning")
                        }
                    )?;
                    writeln!(
                        text,
                        "        (select: \"({},xx{},{})\", action: Keep),",
                        group.to_ascii_uppercase(),
                        offset,
                        s.get("private_creator")
                    )?;
                }
                continue;
            }
            push_rule(&mut text, row, action);
        }
        text.push_str("    ],\n)\n");
        std::fs::write(out_dir.join("options").join(format!("{name}.ron")), text)?;
    }
    eprintln!("wrote {}", out_dir.display());
    Ok(())
}

fn header(name: &str, description: &str, code: &str, meaning: &str) -> String {
    format!(
        "// Generated from DICOM PS3.15 (edition 2026d) by `cargo run --example gen_profiles`.\n\
         // Content of the DICOM Standard, (c) NEMA. Do not edit by hand: regenerate.\n\
         (\n    name: \"{name}\",\n    description: \"{description}\",\n    \
         method: Some((code: \"{code}\", meaning: \"{meaning}\")),\n    rules: [\n"
    )
}

fn push_rule(out: &mut String, row: &Row, code: &str) {
    let tag = row.get("tag");
    let selector = if tag.starts_with("gggg") {
        "private".to_string()
    } else {
        format!("({tag})")
    };
    let action = action_for_code(code);
    let _ = writeln!(out, "        // {} [{}]", row.get("name"), code);
    let _ = writeln!(out, "        (select: \"{selector}\", action: {action}),");
}

/// PS3.15 Table E.1-1a codes to dpk's action names.
fn action_for_code(code: &str) -> &'static str {
    match code {
        "X" => "Remove",
        "Z" => "Empty",
        "D" => "Dummy",
        "K" => "Keep",
        "C" => "Clean",
        "U" => "ReplaceUid",
        "X/Z" => "RemoveOrEmpty",
        "X/D" => "RemoveOrDummy",
        "Z/D" => "EmptyOrDummy",
        "X/Z/D" => "RemoveOrEmptyOrDummy",
        "X/Z/U*" => "RemoveOrEmptyOrReplaceUids",
        other => panic!("unknown PS3.15 action code {other:?}"),
    }
}

struct Row {
    header: std::rc::Rc<Vec<String>>,
    cells: Vec<String>,
}

impl Row {
    fn get(&self, column: &str) -> &str {
        self.header
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.cells.get(i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

fn read_tsv(path: &Path) -> Result<Vec<Row>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: std::rc::Rc<Vec<String>> = std::rc::Rc::new(
        lines
            .next()
            .ok_or("empty table")?
            .split('\t')
            .map(str::to_string)
            .collect(),
    );
    Ok(lines
        .filter(|l| !l.is_empty())
        .map(|l| Row {
            header: header.clone(),
            cells: l.split('\t').map(str::to_string).collect(),
        })
        .collect())
}
