//! The shipped profiles agree with the standard's tables, row by row.
//!
//! Reads the machine-readable copies of PS3.15 Table E.1-1, Table E.3.10-1 and PS3.16 CID 7050
//! in `standard/ps3.15/` (see its README; each is checked against its recorded SHA-256) and checks that
//! - `profiles/basic.ron` holds exactly one rule per row of Table E.1-1, with the row's selector
//!   and Basic Profile action, and nothing else;
//! - each option overlay under `profiles/options/` holds exactly the non-empty cells of its
//!   option column, with their actions (Retain Safe Private: one Keep rule per row of Table
//!   E.3.10-1, by creator, group and offset);
//! - each option's CID 7050 code is the one the standard gives its meaning;
//! - `profiles/attribute-types.ron` only lists Types for attributes that have a combined code.
//!
//! A missing or altered table is a failure, not a skip: without it nothing is checked.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::Tag;
use dicom_dictionary_std::StandardDataDictionary;
use dpk::profile::{Rule, SelectorKind, OPTIONS};
use dpk::{Action, Profile, Selector};
use serde::Deserialize;

#[path = "support/ps315.rs"]
mod ps315;

const ATTRIBUTE_TYPES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/attribute-types.ron");

/// Table E.1-1 option columns and the dpk option that implements each, with its CID 7050
/// meaning.
const OPTION_COLUMNS: &[(&str, &str, &str)] = &[
    (
        "retain_safe_private",
        "retain-safe-private",
        "Retain Safe Private Option",
    ),
    ("retain_uids", "retain-uids", "Retain UIDs Option"),
    (
        "retain_device_identity",
        "retain-device-identity",
        "Retain Device Identity Option",
    ),
    (
        "retain_institution_identity",
        "retain-institution-identity",
        "Retain Institution Identity Option",
    ),
    (
        "retain_patient_characteristics",
        "retain-patient-characteristics",
        "Retain Patient Characteristics Option",
    ),
    (
        "retain_longitudinal_full_dates",
        "retain-long-full-dates",
        "Retain Longitudinal Temporal Information Full Dates Option",
    ),
    (
        "retain_longitudinal_modified_dates",
        "retain-long-modified-dates",
        "Retain Longitudinal Temporal Information Modified Dates Option",
    ),
    (
        "clean_descriptors",
        "clean-descriptors",
        "Clean Descriptors Option",
    ),
    (
        "clean_structured_content",
        "clean-structured-content",
        "Clean Structured Content Option",
    ),
    ("clean_graphics", "clean-graphics", "Clean Graphics Option"),
];

/// The tag cell of the single Table E.1-1 row for all private attributes.
const PRIVATE_ROW_TAG: &str = "gggg,eeee where gggg is odd";

/// A TSV file: header and rows, each row a map from column name to cell.
struct Tsv {
    name: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Tsv {
    /// Reads `standard/ps3.15/<file>`; panics with a clear message when it is missing or altered.
    fn read(file: &str) -> Tsv {
        let text = ps315::read_table(file);
        let mut lines = text.lines();
        let header: Vec<String> = lines
            .next()
            .unwrap_or_else(|| panic!("{file} is empty"))
            .split('\t')
            .map(str::to_string)
            .collect();
        let rows: Vec<Vec<String>> = lines
            .filter(|l| !l.is_empty())
            .enumerate()
            .map(|(i, l)| {
                let cells: Vec<String> = l.split('\t').map(str::to_string).collect();
                assert_eq!(
                    cells.len(),
                    header.len(),
                    "{} data row {}: {} cells, header has {}",
                    file,
                    i + 1,
                    cells.len(),
                    header.len()
                );
                cells
            })
            .collect();
        Tsv {
            name: file.to_string(),
            header,
            rows,
        }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{} has no column '{name}'", self.name))
    }
}

/// The selector text a Table E.1-1 tag cell stands for.
fn selector_text_for_tag_cell(tag: &str) -> String {
    if tag == PRIVATE_ROW_TAG {
        "private".to_string()
    } else {
        format!("({tag})")
    }
}

/// One Table E.1-1 row as the checks need it.
struct E11Row {
    line: usize,
    tag: String,
    name: String,
    keyword: String,
    selector: Selector,
    cells: HashMap<String, String>,
}

fn e11_rows() -> Vec<E11Row> {
    let tsv = Tsv::read("attribute-confidentiality.tsv");
    let (tag, name, keyword) = (tsv.col("tag"), tsv.col("name"), tsv.col("keyword"));
    tsv.rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let text = selector_text_for_tag_cell(&r[tag]);
            let selector =
                Selector::parse(&text).unwrap_or_else(|e| panic!("row {} ({}): {e}", i + 2, r[name]));
            E11Row {
                line: i + 2,
                tag: r[tag].clone(),
                name: r[name].clone(),
                keyword: r[keyword].clone(),
                selector,
                cells: tsv.header.iter().cloned().zip(r.iter().cloned()).collect(),
            }
        })
        .collect()
}

fn describe(row: &E11Row) -> String {
    format!("line {} ({}) {} {}", row.line, row.tag, row.name, row.keyword)
}

/// Checks that `rules` hold exactly one rule per expected (selector, action) and nothing else.
/// Appends every disagreement to `problems`.
fn check_rules_exactly(
    what: &str,
    rules: &[Rule],
    expected: &[(String, &Selector, Action)],
    problems: &mut Vec<String>,
) {
    let mut used = vec![false; rules.len()];
    for (label, selector, action) in expected {
        let matching: Vec<usize> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.select.kind() == selector.kind())
            .map(|(i, _)| i)
            .collect();
        match matching.as_slice() {
            [] => problems.push(format!(
                "{what}: no rule for {label} (selector {selector}, expected {action:?})"
            )),
            [i] => {
                used[*i] = true;
                if rules[*i].action != *action {
                    problems.push(format!(
                        "{what}: {label}: rule '{}' has action {:?}, the standard says {action:?}",
                        rules[*i].select, rules[*i].action
                    ));
                }
            }
            many => {
                for i in many {
                    used[*i] = true;
                }
                problems.push(format!(
                    "{what}: {} rules for {label} (selector {selector}): {}",
                    many.len(),
                    many.iter()
                        .map(|i| format!("'{}' {:?}", rules[*i].select, rules[*i].action))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    for (rule, used) in rules.iter().zip(used) {
        if !used {
            problems.push(format!(
                "{what}: extra rule '{}' {:?} matches no row of the standard's table",
                rule.select, rule.action
            ));
        }
    }
}

fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{what}: {} disagreement(s) with the standard:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

fn ps315_action(code: &str, context: &str) -> Action {
    Action::from_ps315_code(code).unwrap_or_else(|| panic!("{context}: '{code}' is not a PS3.15 action code"))
}

#[test]
fn the_tables_are_there_and_complete() {
    // Counts from standard/ps3.15/README.md (edition 2026d): a truncated copy must not pass.
    assert_eq!(e11_rows().len(), 657, "attribute-confidentiality.tsv rows");
    assert_eq!(
        Tsv::read("safe-private-attributes.tsv").rows.len(),
        479,
        "safe-private-attributes.tsv rows"
    );
    assert_eq!(
        Tsv::read("deidentification-method-codes.tsv").rows.len(),
        13,
        "deidentification-method-codes.tsv rows"
    );
}

#[test]
fn basic_profile_has_exactly_one_rule_per_row_of_table_e1_1() {
    let rows = e11_rows();
    let basic = Profile::builtin("basic").expect("the built-in basic profile parses");
    let expected: Vec<(String, &Selector, Action)> = rows
        .iter()
        .map(|r| {
            let code = &r.cells["basic"];
            (describe(r), &r.selector, ps315_action(code, &describe(r)))
        })
        .collect();
    let mut problems = Vec::new();
    check_rules_exactly("profiles/basic.ron", &basic.rules, &expected, &mut problems);
    assert_no_problems("profiles/basic.ron", &problems);
    assert_eq!(basic.rules.len(), rows.len());
}

#[test]
fn every_option_column_has_an_overlay_and_every_overlay_a_column() {
    let names: BTreeSet<&str> = OPTIONS.iter().map(|o| o.name).collect();
    let columns: BTreeSet<&str> = OPTION_COLUMNS.iter().map(|(_, n, _)| *n).collect();
    assert_eq!(
        names, columns,
        "dpk's options and Table E.1-1's option columns differ"
    );
    let tsv = Tsv::read("attribute-confidentiality.tsv");
    for (column, _, _) in OPTION_COLUMNS {
        tsv.col(column);
    }
    // Every column after `basic` is an option column this test knows.
    let basic = tsv.col("basic");
    for h in &tsv.header[basic + 1..] {
        assert!(
            OPTION_COLUMNS.iter().any(|(c, _, _)| c == h),
            "attribute-confidentiality.tsv has an option column '{h}' this test does not check"
        );
    }
}

#[test]
fn option_overlays_hold_exactly_their_columns_cells() {
    let rows = e11_rows();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (column, name, _) in OPTION_COLUMNS {
        if *name == "retain-safe-private" {
            continue; // its column's one cell stands for Table E.3.10-1: see the next test
        }
        let opt = dpk::profile::builtin::option(name).unwrap_or_else(|| panic!("dpk has no option '{name}'"));
        let overlay = Profile::from_ron(opt.ron, opt.name)
            .unwrap_or_else(|e| panic!("option overlay {name} does not parse: {e}"));
        let expected: Vec<(String, &Selector, Action)> = rows
            .iter()
            .filter(|r| !r.cells[*column].is_empty())
            .map(|r| {
                let code = &r.cells[*column];
                let label = format!("{} [{column} = {code}]", describe(r));
                let action = ps315_action(code, &label);
                (label, &r.selector, action)
            })
            .collect();
        assert!(!expected.is_empty(), "column {column} is empty");
        checked += expected.len();
        check_rules_exactly(
            &format!("profiles/options/{name}.ron"),
            &overlay.rules,
            &expected,
            &mut problems,
        );
    }
    assert_no_problems("option overlays", &problems);
    // README: 60 + 59 + 10 + 19 + 169 + 169 + 141 + 4 + 4 non-empty cells.
    assert_eq!(checked, 635, "non-empty option cells checked");
}

#[test]
fn retain_safe_private_keeps_exactly_table_e3_10_1() {
    // Table E.1-1 side: the column has one cell, C on the private-attributes row.
    let rows = e11_rows();
    let cells: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| !r.cells["retain_safe_private"].is_empty())
        .map(|r| (r.tag.as_str(), r.cells["retain_safe_private"].as_str()))
        .collect();
    assert_eq!(cells, vec![(PRIVATE_ROW_TAG, "C")]);

    let tsv = Tsv::read("safe-private-attributes.tsv");
    let (creator, tag) = (tsv.col("private_creator"), tsv.col("tag"));
    let opt = dpk::profile::builtin::option("retain-safe-private").expect("option exists");
    let overlay = Profile::from_ron(opt.ron, opt.name).expect("overlay parses");

    let mut problems = Vec::new();
    let mut expected_selectors = Vec::new();
    for (i, r) in tsv.rows.iter().enumerate() {
        let (gggg, xxee) = r[tag]
            .split_once(',')
            .unwrap_or_else(|| panic!("safe-private line {}: bad tag {}", i + 2, r[tag]));
        assert!(
            xxee.len() == 4 && xxee.starts_with("xx"),
            "safe-private line {}: tag {} is not gggg,xxee",
            i + 2,
            r[tag]
        );
        let group = u16::from_str_radix(gggg, 16).expect("hex group");
        let offset = u8::from_str_radix(&xxee[2..], 16).expect("hex offset");
        // The selector text as the overlay writes it: hex upper case, `xx` for the block.
        let text = format!("({group:04X},xx{offset:02X},{})", r[creator]);
        let selector = Selector::parse(&text).unwrap_or_else(|e| panic!("safe-private line {}: {e}", i + 2));
        assert_eq!(
            selector.kind(),
            &SelectorKind::Private {
                creator: r[creator].clone(),
                group,
                offset: Some(offset)
            },
            "safe-private line {}",
            i + 2
        );
        expected_selectors.push((format!("line {} {text}", i + 2), selector, text));
    }
    let expected: Vec<(String, &Selector, Action)> = expected_selectors
        .iter()
        .map(|(label, sel, _)| (label.clone(), sel, Action::Keep))
        .collect();
    check_rules_exactly(
        "profiles/options/retain-safe-private.ron",
        &overlay.rules,
        &expected,
        &mut problems,
    );
    // The selectors are written as the table gives them (upper-case hex, creator verbatim).
    let written: BTreeSet<&str> = overlay.rules.iter().map(|r| r.select.as_str()).collect();
    for (label, _, text) in &expected_selectors {
        if !written.contains(text.as_str()) {
            problems.push(format!("no rule written exactly as '{text}' ({label})"));
        }
    }
    assert_no_problems("profiles/options/retain-safe-private.ron", &problems);
    assert_eq!(overlay.rules.len(), 479);
}

#[test]
fn method_codes_are_those_of_cid_7050() {
    let tsv = Tsv::read("deidentification-method-codes.tsv");
    let (value, scheme, meaning) = (
        tsv.col("code_value"),
        tsv.col("coding_scheme_designator"),
        tsv.col("code_meaning"),
    );
    let by_meaning: BTreeMap<&str, &str> = tsv
        .rows
        .iter()
        .map(|r| {
            assert_eq!(r[scheme], "DCM", "CID 7050 {} scheme", r[value]);
            (r[meaning].as_str(), r[value].as_str())
        })
        .collect();

    let mut problems = Vec::new();
    let basic = Profile::builtin("basic").expect("basic parses");
    let basic_meaning = "Basic Application Confidentiality Profile";
    match &basic.method {
        Some(m) if m.meaning == basic_meaning && Some(&m.code.as_str()) == by_meaning.get(basic_meaning) => {}
        other => problems.push(format!(
            "basic: method {other:?}, CID 7050 gives {:?} '{basic_meaning}'",
            by_meaning.get(basic_meaning)
        )),
    }
    for (_, name, expected_meaning) in OPTION_COLUMNS {
        let code = by_meaning
            .get(expected_meaning)
            .unwrap_or_else(|| panic!("CID 7050 has no '{expected_meaning}'"));
        let opt = dpk::profile::builtin::option(name).expect("option exists");
        if opt.code != *code {
            problems.push(format!(
                "OPTIONS entry {name}: code {}, CID 7050 gives {code} for '{expected_meaning}'",
                opt.code
            ));
        }
        let overlay = Profile::from_ron(opt.ron, opt.name).expect("overlay parses");
        match &overlay.method {
            Some(m) if m.code == *code && m.meaning == *expected_meaning => {}
            other => problems.push(format!(
                "profiles/options/{name}.ron: method {other:?}, CID 7050 gives ({code}, \
                 '{expected_meaning}')"
            )),
        }
    }
    assert_no_problems("method codes", &problems);
}

#[derive(Deserialize)]
struct TypesFile {
    iods: Vec<IodTypes>,
}

#[derive(Deserialize)]
struct IodTypes {
    name: String,
    sop_classes: Vec<String>,
    types: BTreeMap<String, String>,
}

fn is_valid_uid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.split('.').all(|c| {
            !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) && (c == "0" || !c.starts_with('0'))
        })
}

#[test]
fn attribute_types_only_list_combined_code_attributes() {
    let rows = e11_rows();
    let combined: HashMap<&str, &str> = rows
        .iter()
        .filter(|r| r.cells["basic"].contains('/'))
        .map(|r| (r.keyword.as_str(), r.cells["basic"].as_str()))
        .collect();
    // README: X/D 23, X/Z 11, X/Z/D 8, Z/D 6, X/Z/U* 2.
    assert_eq!(combined.len(), 50, "combined-code rows with a keyword");
    // A plain X or Z that an IOD's Type 1 or 2 forbids is replaced by the least revealing
    // valid action: those attributes are listed too.
    let overridable: BTreeSet<&str> = rows
        .iter()
        .filter(|r| matches!(r.cells["basic"].as_str(), "X" | "Z"))
        .map(|r| r.keyword.as_str())
        .collect();

    let text = std::fs::read_to_string(ATTRIBUTE_TYPES).expect("read profiles/attribute-types.ron");
    let file: TypesFile = ron::from_str(&text).expect("profiles/attribute-types.ron parses");
    let mut problems = Vec::new();
    let mut listed = BTreeSet::new();
    let mut sop_classes = BTreeSet::new();
    for iod in &file.iods {
        for uid in &iod.sop_classes {
            if !is_valid_uid(uid) {
                problems.push(format!("{}: SOP Class '{uid}' is not a valid UID", iod.name));
            }
            if !sop_classes.insert(uid.as_str()) {
                problems.push(format!("{}: SOP Class {uid} listed twice", iod.name));
            }
        }
        for (key, ty) in &iod.types {
            if !["1", "1C", "2", "2C"].contains(&ty.as_str()) {
                problems.push(format!("{}: {key} has Type '{ty}' (only 1, 1C, 2, 2C)", iod.name));
            }
            let steps: Vec<&str> = key.split('.').collect();
            let last = steps.last().copied().unwrap_or_default();
            for step in &steps[..steps.len() - 1] {
                let Some(seq) = step.strip_suffix("[*]") else {
                    problems.push(format!("{}: {key}: step '{step}' has no [*]", iod.name));
                    continue;
                };
                match StandardDataDictionary.by_name(seq) {
                    Some(e) if e.alias().ends_with("Sequence") => {}
                    _ => problems.push(format!("{}: {key}: '{seq}' is not a sequence keyword", iod.name)),
                }
            }
            if StandardDataDictionary.by_name(last).is_none() {
                problems.push(format!("{}: {key}: '{last}' is not a PS3.6 keyword", iod.name));
            }
            if !combined.contains_key(last) && !overridable.contains(last) {
                problems.push(format!(
                    "{}: {key} is listed, but Table E.1-1 gives it no combined code, nor an X or Z an IOD may forbid",
                    iod.name
                ));
            }
            listed.insert(last.to_string());
        }
    }
    // The Selector parser must accept every key, as the engine parses them with it.
    for iod in &file.iods {
        for key in iod.types.keys() {
            if let Err(e) = Selector::parse(key) {
                problems.push(format!("{}: {e}", iod.name));
            }
        }
    }
    assert_no_problems("profiles/attribute-types.ron", &problems);
    let never: Vec<&&str> = combined.keys().filter(|k| !listed.contains(**k)).collect();
    eprintln!(
        "{} of {} combined-code attributes have a Type 1/2 listed somewhere; Type 3 in every \
         listed IOD: {never:?}",
        listed.len(),
        combined.len()
    );
    // Spot checks from PS3.3 that the brief and the engine rely on.
    let ct = file
        .iods
        .iter()
        .find(|i| i.sop_classes.iter().any(|u| u == "1.2.840.10008.5.1.4.1.1.2"))
        .expect("CT Image Storage is listed");
    assert_eq!(ct.types.get("PatientID").map(String::as_str), Some("2"));
}

#[test]
fn every_e1_1_tag_row_names_its_keywords_tag() {
    // The TSV's keyword column and its tag column agree with the dictionary dpk selects by.
    let mut problems = Vec::new();
    for r in e11_rows() {
        if let SelectorKind::Tag(tag) = r.selector.kind() {
            if r.keyword.is_empty() {
                problems.push(format!("{}: no keyword", describe(&r)));
                continue;
            }
            if let Some(e) = StandardDataDictionary.by_name(&r.keyword) {
                let t: Tag = e.tag();
                if t != *tag {
                    problems.push(format!("{}: dictionary puts {} at {t}", describe(&r), r.keyword));
                }
            }
        }
    }
    assert_no_problems("Table E.1-1 keywords", &problems);
}

#[test]
fn the_row_check_catches_wrong_missing_duplicate_and_extra_rules() {
    // The comparison itself, on a copy of basic.ron with one rule of each kind of defect.
    let rows = e11_rows();
    let expected: Vec<(String, &Selector, Action)> = rows
        .iter()
        .map(|r| {
            (
                describe(r),
                &r.selector,
                ps315_action(&r.cells["basic"], &describe(r)),
            )
        })
        .collect();
    let mut rules = Profile::builtin("basic").expect("basic parses").rules;
    rules[0].action = Action::Keep; // wrong action
    rules.remove(1); // missing row
    rules.push(rules[2].clone()); // duplicate
    rules.push(Rule {
        select: Selector::parse("(0028,0010)").expect("selector"),
        action: Action::Remove,
    }); // extra
    let mut problems = Vec::new();
    check_rules_exactly("mutated", &rules, &expected, &mut problems);
    assert_eq!(problems.len(), 4, "{problems:#?}");
}
