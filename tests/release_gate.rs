//! `dpk verify` and `dpk score` as a release gate trusts them: no false alarm on dpk's own
//! correct outputs, every kind of broken or leaking output caught; `score` against the
//! original, shifted dates, the burned-in cause; `explain` saying what score and plan do;
//! `dpk diff` exit codes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dpk::dataset::{self, TagPath};
use dpk::explain::{explain, InFile};
use dpk::risk::{score, score_against, Category, Reason, Weights};
use dpk::verify::{verify_tree, verify_tree_with, TreeOptions, TreeReport};
use dpk::{Context, Profile, Salt};

#[path = "support/release_gate.rs"]
mod release_gate;

const SALT: &[u8] = b"release-gate-test-salt-00001";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn dpk() -> Command {
    Command::cargo_bin("dpk").unwrap()
}

/// Runs `dpk anonymize IN -o OUT` with `extra` arguments; panics unless it succeeds.
fn anonymize(input: &Path, output: &Path, extra: &[&str]) {
    let salt = output.with_extension("salt");
    std::fs::write(&salt, SALT).unwrap();
    let out = dpk()
        .arg("anonymize")
        .arg(input)
        .arg("-o")
        .arg(output)
        .arg("--salt-file")
        .arg(&salt)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(&salt).unwrap();
}

fn profile(options: &[&str]) -> dpk::ResolvedProfile {
    let mut p = Profile::extending("gate", "basic");
    for o in options {
        p = p.with_option(o);
    }
    p.resolve().unwrap()
}

fn lines(report: &TreeReport) -> Vec<String> {
    report
        .violations
        .iter()
        .map(|v| {
            format!(
                "{}: {}{}",
                v.file.display(),
                v.path.as_ref().map(|p| format!("{p}: ")).unwrap_or_default(),
                v.problem
            )
        })
        .collect()
}

/// Copies every file under `from` to `to`, keeping the layout.
fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

const OPTION_SETS: [&[&str]; 3] = [
    &[],
    &[
        "retain-long-modified-dates",
        "retain-safe-private",
        "clean-descriptors",
    ],
    &[
        "retain-uids",
        "retain-device-identity",
        "retain-patient-characteristics",
    ],
];

/// dpk's own outputs of the hard cases and of every fixture give no violation, with and
/// without options; plain copies of the originals are flagged, every one of them.
#[test]
fn dpks_own_outputs_pass_and_plain_copies_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let originals = dir.path().join("in");
    release_gate::hospital_originals(&originals);
    // Every fixture that opens, next to the hard cases (the malformed ones are refused).
    copy_tree(&fixtures(), &originals.join("fixtures"));
    std::fs::remove_dir_all(originals.join("fixtures/malformed")).unwrap();
    std::fs::remove_file(originals.join("fixtures/README.md")).unwrap();
    let dicom_count = walkdir::WalkDir::new(&originals)
        .into_iter()
        .filter(|e| e.as_ref().unwrap().file_type().is_file())
        .count();
    for (i, options) in OPTION_SETS.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let mut args: Vec<&str> = Vec::new();
        for o in options.iter() {
            args.extend(["--option", o]);
        }
        let report = out.join("report.json");
        let report_arg = report.to_str().unwrap().to_string();
        args.extend(["--report", &report_arg]);
        anonymize(&originals, &out, &args);
        let tree = verify_tree(&out, &profile(options), Some(&originals)).unwrap();
        assert!(
            tree.violations.is_empty(),
            "options {options:?}: {:#?}",
            lines(&tree)
        );
        assert_eq!(tree.files, dicom_count, "{options:?}");
        assert!(tree.missing_outputs.is_empty(), "{:?}", tree.missing_outputs);
        assert!(tree.unpaired.is_empty(), "{:?}", tree.unpaired);
        // The run's report is in the tree: listed apart, not a violation.
        assert_eq!(tree.not_dicom, vec![report.clone()]);
        assert!(tree.passes());
        eprintln!(
            "options {options:?}: {} outputs, {} violations",
            tree.files,
            tree.violations.len()
        );
    }
    // Plain copies of the originals: every file is flagged, with the identifiers it leaks.
    let copies = dir.path().join("copies");
    copy_tree(&originals, &copies);
    let tree = verify_tree(&copies, &profile(&[]), Some(&originals)).unwrap();
    let failing: std::collections::BTreeSet<&PathBuf> = tree.violations.iter().map(|v| &v.file).collect();
    assert_eq!(failing.len(), dicom_count, "{:#?}", lines(&tree));
    let all = lines(&tree);
    assert!(
        all.iter()
            .any(|l| l.contains("ct/a.dcm: (0020,4000): the original's name part 'fictive' is still here")),
        "{all:#?}"
    );
    assert!(
        all.iter()
            .any(|l| l.contains("ct/a.dcm: (0010,0020): the original's identifier 'mrn4711' is still here")),
        "{all:#?}"
    );
    eprintln!(
        "plain copies: {} files, {} violations",
        tree.files,
        tree.violations.len()
    );
}

/// Broken outputs of each kind are caught, each violation naming the file, the tag path and
/// what is wrong; the CLI exits 3 and prints them.
#[test]
fn broken_outputs_of_each_kind_are_caught() {
    let dir = tempfile::tempdir().unwrap();
    let originals = dir.path().join("in");
    release_gate::hospital_originals(&originals);
    let out = dir.path().join("out");
    anonymize(&originals, &out, &[]);
    let p = profile(&[]);
    let clean = verify_tree(&out, &p, Some(&originals)).unwrap();
    assert!(clean.passes(), "{:#?}", lines(&clean));

    let open = |rel: &str| dataset::open(out.join(rel)).unwrap();
    // An emptied Type 1 attribute: Content Date of an Enhanced CT, Series Instance UID.
    let mut f = open("enhanced/ct.dcm");
    f.put(DataElement::new(
        tags::CONTENT_DATE,
        VR::DA,
        PrimitiveValue::Empty,
    ));
    f.put(DataElement::new(
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::Empty,
    ));
    release_gate::rewrite(&f, &out.join("enhanced/ct.dcm"));
    // A half-removed overlay plane: Overlay Data gone, the rest left (dpk drops the plane
    // whole, as Overlay Data is X).
    let mut f = open("ct/a.dcm");
    assert!(f.iter().all(|e| e.header().tag.group() != 0x6000));
    f.put(DataElement::new(
        Tag(0x6000, 0x0010),
        VR::US,
        PrimitiveValue::from(8u16),
    ));
    f.put(DataElement::new(
        Tag(0x6000, 0x0011),
        VR::US,
        PrimitiveValue::from(8u16),
    ));
    f.put(DataElement::new(
        Tag(0x6000, 0x0040),
        VR::CS,
        PrimitiveValue::from("G"),
    ));
    release_gate::rewrite(&f, &out.join("ct/a.dcm"));
    // Meta and data set disagree.
    let mut f = open("nm/capture.dcm");
    f.put(DataElement::new(
        tags::SOP_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::from("2.25.42"),
    ));
    release_gate::rewrite(&f, &out.join("nm/capture.dcm"));
    // Two outputs share a SOP Instance UID: a copy of one output under another name.
    std::fs::copy(out.join("us/us.dcm"), out.join("us/us-again.dcm")).unwrap();
    // A missing output.
    std::fs::remove_file(out.join("ct/b.dcm")).unwrap();
    // A file that is not DICOM.
    std::fs::write(out.join("report.json"), b"{\"files\": []}").unwrap();

    let tree = verify_tree(&out, &p, Some(&originals)).unwrap();
    let all = lines(&tree);
    let has = |needle: &str| all.iter().any(|l| l.contains(needle));
    assert!(
        has("enhanced/ct.dcm: (0008,0023): empty, but it is Type 1 in Enhanced CT Image: it needs a value"),
        "{all:#?}"
    );
    assert!(
        has("enhanced/ct.dcm: (0020,000E): empty, but it is Type 1"),
        "{all:#?}"
    );
    assert!(
        has("ct/a.dcm: (6000,3000): overlay plane 6000 has 3 element(s) but no Overlay Data"),
        "{all:#?}"
    );
    assert!(
        has("nm/capture.dcm: (0002,0003): meta 2.25.") && has("disagrees with SOP Instance UID 2.25.42"),
        "{all:#?}"
    );
    assert!(has("us/us.dcm: (0008,0018): SOP Instance UID"), "{all:#?}");
    assert!(has("also that of"), "{all:#?}");
    assert_eq!(tree.missing_outputs, vec![originals.join("ct/b.dcm")]);
    assert_eq!(tree.not_dicom, vec![out.join("report.json")]);
    assert!(!tree.passes());

    // Overlay Data without its rows and columns.
    let mut f = open("ct/a.dcm");
    f.put(DataElement::new(
        Tag(0x6000, 0x3000),
        VR::OW,
        PrimitiveValue::U16([1u16; 4].as_slice().into()),
    ));
    f.remove_element(Tag(0x6000, 0x0010));
    release_gate::rewrite(&f, &out.join("ct/a.dcm"));
    let tree = verify_tree(&out, &p, Some(&originals)).unwrap();
    let all = lines(&tree);
    assert!(
        all.iter()
            .any(|l| l.contains("ct/a.dcm: (6000,0010): overlay plane 6000 lacks Overlay Rows")),
        "{all:#?}"
    );

    // The CLI prints the same and exits 3.
    let run = dpk()
        .arg("verify")
        .arg(&out)
        .arg("--originals")
        .arg(&originals)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("ct/b.dcm: original without an output"),
        "{stdout}"
    );
    assert!(stdout.contains("report.json: not DICOM, not checked"), "{stdout}");
    assert!(
        stdout.contains("(0008,0023): empty, but it is Type 1"),
        "{stdout}"
    );
}

/// With the run's JSON report, outputs that were renamed or moved still find their originals
/// (by SOP Instance UID), and a leak in one of them is still seen.
#[test]
fn the_run_report_pairs_renamed_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let originals = dir.path().join("in");
    release_gate::hospital_originals(&originals);
    let out = dir.path().join("out");
    let report = dir.path().join("run.json");
    anonymize(&originals, &out, &["--report", report.to_str().unwrap()]);
    let flat = dir.path().join("flat");
    std::fs::create_dir_all(&flat).unwrap();
    for (i, rel) in release_gate::FILES.iter().enumerate() {
        std::fs::rename(out.join(rel), flat.join(format!("IM{i:04}"))).unwrap();
    }
    let p = profile(&[]);
    let options = TreeOptions {
        report: Some(report.clone()),
        ..TreeOptions::default()
    };
    let tree = verify_tree_with(&flat, &p, Some(&originals), &options).unwrap();
    assert!(tree.passes(), "{:#?} {:?}", lines(&tree), tree.missing_outputs);
    assert!(tree.unpaired.is_empty());
    // Without the report, nothing pairs: every original is missing.
    let unpaired = verify_tree(&flat, &p, Some(&originals)).unwrap();
    assert_eq!(unpaired.missing_outputs.len(), release_gate::FILES.len());
    // A leak in a renamed output is found against its own original.
    let path = flat.join("IM0000");
    let mut f = dataset::open(&path).unwrap();
    f.put(DataElement::new(
        tags::CONTENT_CREATOR_NAME,
        VR::PN,
        PrimitiveValue::from("FICTIVE^A"),
    ));
    release_gate::rewrite(&f, &path);
    let tree = verify_tree_with(&flat, &p, Some(&originals), &options).unwrap();
    assert!(
        lines(&tree)
            .iter()
            .any(|l| l.ends_with("IM0000: (0070,0084): the original's name part 'fictive' is still here")),
        "{:#?}",
        lines(&tree)
    );
}

/// The after score uses the original's identifiers: kept text naming the patient scores as
/// before (0.80), not 0.05; `dpk score OUT --originals IN` does the same.
#[test]
fn kept_free_text_naming_the_patient_scores_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let originals = dir.path().join("in");
    release_gate::hospital_originals(&originals);
    let ron = dir.path().join("keep-comments.ron");
    std::fs::write(
        &ron,
        r#"(name: "keep-comments", extends: "basic", rules: [(select: "ImageComments", action: Keep)])"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    anonymize(&originals, &out, &["--profile", ron.to_str().unwrap()]);
    let original = dataset::open(originals.join("ct/a.dcm")).unwrap();
    let output = dataset::open(out.join("ct/a.dcm")).unwrap();
    let weights = Weights::builtin();
    let weight_of = |r: &dpk::risk::RiskReport| {
        r.findings
            .iter()
            .find(|f| f.path == TagPath::root(tags::IMAGE_COMMENTS))
            .map(|f| (f.weight, f.category))
    };
    let before = score(&original, &weights);
    assert_eq!(weight_of(&before), Some((0.8, Category::FreeText)));
    // On its own header the output hides the leak.
    assert_eq!(
        weight_of(&score(&output, &weights)),
        Some((0.05, Category::FreeText))
    );
    let after = score_against(&output, &weights, &original);
    assert_eq!(weight_of(&after), Some((0.8, Category::FreeText)));
    assert!(after.score >= 75.0, "{}", after.score);

    let run = dpk()
        .arg("score")
        .arg(&out)
        .arg("--originals")
        .arg(&originals)
        .args(["--top", "0"])
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let line = stdout
        .lines()
        .skip_while(|l| !l.contains("ct/a.dcm"))
        .find(|l| l.contains("(0020,4000)"))
        .unwrap_or_default();
    assert!(line.trim_start().starts_with("0.80"), "{stdout}");
    assert!(line.contains("contains identifying text"), "{stdout}");
    // One INPUT pairs with the originals; two are a usage error.
    let two = dpk()
        .arg("score")
        .arg(&out)
        .arg(&originals)
        .arg("--originals")
        .arg(&originals)
        .output()
        .unwrap();
    assert_eq!(two.status.code(), Some(2));
}

/// Shifted dates count for much less than real dates: with Retain Longitudinal Temporal
/// Information with Modified Dates the after score is LOW, each date is a shifted date; a date
/// equal to the original's still counts as real against the original.
#[test]
fn shifted_dates_are_not_real_dates() {
    let dir = tempfile::tempdir().unwrap();
    let originals = dir.path().join("in");
    release_gate::hospital_originals(&originals);
    let out = dir.path().join("out");
    anonymize(&originals, &out, &["--option", "retain-long-modified-dates"]);
    let weights = Weights::builtin();
    let original = dataset::open(originals.join("ct/b.dcm")).unwrap();
    let mut output = dataset::open(out.join("ct/b.dcm")).unwrap();
    for report in [
        score(&output, &weights),
        score_against(&output, &weights, &original),
    ] {
        let dates: Vec<_> = report.in_category(Category::Date).collect();
        assert!(dates.len() >= 3, "{dates:?}");
        for d in &dates {
            assert!(matches!(d.reason, Reason::ShiftedDate(_)), "{d:?}");
            assert_eq!(d.weight, 0.01);
            assert!(d.reason.to_string().contains("shifted"), "{}", d.reason);
        }
        assert!(report.score < 25.0, "{}", report.score);
    }
    // A date left as it was is a real date, whatever the marker says.
    output.put(DataElement::new(
        tags::SERIES_DATE,
        VR::DA,
        PrimitiveValue::from("20210304"),
    ));
    let against = score_against(&output, &weights, &original);
    let series = against
        .findings
        .iter()
        .find(|f| f.path == TagPath::root(tags::SERIES_DATE))
        .unwrap();
    assert!(matches!(series.reason, Reason::Date(_)), "{series:?}");
    assert_eq!(series.weight, 0.1);
    // Without the marker, shifted values count as dates.
    output.remove_element(tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED);
    assert!(score(&output, &weights)
        .in_category(Category::Date)
        .all(|d| matches!(d.reason, Reason::Date(_))));
}

/// The burned-in finding names its cause: an NM camera's Secondary Capture is a SOP class
/// reason, not "modality SC"; a VL class whose UID starts with the SC UID's digits is no SC.
#[test]
fn burned_in_findings_name_the_right_cause() {
    let dir = tempfile::tempdir().unwrap();
    let originals = dir.path().join("in");
    release_gate::hospital_originals(&originals);
    let weights = Weights::builtin();
    let mut nm = dataset::open(originals.join("nm/capture.dcm")).unwrap();
    let burned: Vec<_> = score(&nm, &weights)
        .in_category(Category::BurnedInAnnotation)
        .cloned()
        .collect();
    assert_eq!(burned.len(), 1);
    assert_eq!(burned[0].path, TagPath::root(tags::SOP_CLASS_UID));
    let reason = burned[0].reason.to_string();
    assert!(reason.contains("Secondary Capture Image Storage"), "{reason}");
    assert!(!reason.contains("modality"), "{reason}");
    // VL Photographic Image (…1.1.77.1.4) with a modality not on the list: no finding.
    nm.put(DataElement::new(
        tags::SOP_CLASS_UID,
        VR::UI,
        PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.77.1.4"),
    ));
    assert_eq!(
        score(&nm, &weights)
            .in_category(Category::BurnedInAnnotation)
            .count(),
        0
    );
    for (uid, sc) in [
        ("1.2.840.10008.5.1.4.1.1.7", true),
        ("1.2.840.10008.5.1.4.1.1.7.4", true),
        ("1.2.840.10008.5.1.4.1.1.77.1.4", false),
        ("1.2.840.10008.5.1.4.1.1.78.1", false),
    ] {
        assert_eq!(dpk::risk::is_secondary_capture(uid), sc, "{uid}");
    }
    // The modality reason is the modality's.
    let us = dataset::open(originals.join("us/us.dcm")).unwrap();
    let burned: Vec<_> = score(&us, &weights)
        .in_category(Category::BurnedInAnnotation)
        .cloned()
        .collect();
    assert!(
        burned[0].reason.to_string().starts_with("modality US"),
        "{:?}",
        burned[0].reason
    );
}

/// Explain and score from one source: for every element of fixtures/demo.dcm, the category
/// and weight explain gives are its finding's, and the action is the plan's decision.
#[test]
fn explain_agrees_with_score_and_plan_on_every_element_of_demo() {
    let path = fixtures().join("demo.dcm");
    let header = dataset::open_header(&path).unwrap();
    let resolved = Profile::builtin("basic").unwrap().resolve().unwrap();
    let ctx = Context::new(Salt::new(SALT.to_vec()).unwrap());
    let plan = dpk::plan_header(&header, &resolved, &ctx).unwrap();
    let weights = Weights::builtin();
    let before = score(&header.file, &weights);
    let after = score_against(
        &dpk::apply(&plan, header.file.clone()).unwrap().into_inner(),
        &weights,
        &header.file,
    );
    let mut paths = Vec::new();
    all_paths(&header.file, None, &mut paths);
    let mut checked = 0;
    let mut counted = 0;
    for path in &paths {
        let creator = dataset::creator_at(&header.file, path);
        let places: Vec<_> = plan
            .entries
            .iter()
            .filter(|c| c.path.tag == path.tag)
            .cloned()
            .collect();
        let file = InFile {
            entries: &places,
            creator: creator.as_deref(),
            before: Some(&before),
            after: Some(&after),
        };
        let e = explain(path, &resolved, &weights, &file);
        let text = e.to_string();
        if let Some(f) = before.findings.iter().find(|f| f.path == *path) {
            assert_eq!(e.category(), Some((f.category, f.weight)), "{path}: {text}");
            assert!(!text.contains("PHI category: none"), "{path}: {text}");
            assert!(text.contains(&format!("{:.2}", f.weight)), "{text}");
            counted += 1;
        }
        if let Some(d) = plan.entry(path).and_then(|c| c.decision.as_ref()) {
            assert_eq!(e.action(), Some(d.action.label()), "{path}: {text}");
        }
        if dpk::dataset::private::is_private(path.tag) {
            // PS3.15's private row: X.
            assert_eq!(e.basic_code(), Some("X"), "{path}: {text}");
            assert!(!text.contains("not in Table E.1-1"), "{text}");
        }
        checked += 1;
    }
    assert!(checked > 150, "{checked}");
    assert_eq!(counted, before.findings.len());
    // The two cases that disagreed: Burned In Annotation YES and a private name.
    let bia = TagPath::root(tags::BURNED_IN_ANNOTATION);
    let f = before.findings.iter().find(|f| f.path == bia);
    if let Some(f) = f {
        let e = explain(
            &bia,
            &resolved,
            &weights,
            &InFile {
                before: Some(&before),
                ..InFile::default()
            },
        );
        assert_eq!(e.category(), Some((Category::BurnedInAnnotation, f.weight)));
    }
    let e = explain(&bia, &resolved, &weights, &InFile::default()).to_string();
    assert!(e.contains("PHI category: burned-in annotation"), "{e}");
    assert!(e.contains("not in Table E.1-1, so kept (K)"), "{e}");
}

/// Every element's path, at any depth.
fn all_paths(obj: &dicom_object::InMemDicomObject, parent: Option<(&TagPath, u32)>, out: &mut Vec<TagPath>) {
    for el in obj.iter() {
        let path = match parent {
            Some((p, i)) => p.child(i, el.header().tag),
            None => TagPath::root(el.header().tag),
        };
        if let Some(items) = el.items() {
            for (i, item) in items.iter().enumerate() {
                all_paths(item, Some((&path, i as u32)), out);
            }
        }
        out.push(path);
    }
}

/// `dpk diff` exits as diff(1) and shows long values whole.
#[test]
fn diff_exit_codes_and_whole_values() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.dcm");
    let b = dir.path().join("b.dcm");
    let mut f = dataset::open(fixtures().join("ct_explicit_le.dcm")).unwrap();
    let long = format!("{}-END-A", "x".repeat(200));
    f.put(DataElement::new(
        tags::IMAGE_COMMENTS,
        VR::LT,
        PrimitiveValue::from(long.as_str()),
    ));
    release_gate::rewrite(&f, &a);
    std::fs::copy(&a, &b).unwrap();
    let same = dpk().arg("diff").arg(&a).arg(&b).output().unwrap();
    assert_eq!(same.status.code(), Some(0));
    f.put(DataElement::new(
        tags::IMAGE_COMMENTS,
        VR::LT,
        PrimitiveValue::from(long.replace("-END-A", "-END-B").as_str()),
    ));
    release_gate::rewrite(&f, &b);
    let differ = dpk()
        .arg("diff")
        .arg(&a)
        .arg(&b)
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert_eq!(differ.status.code(), Some(1));
    let out = String::from_utf8_lossy(&differ.stdout);
    assert!(out.contains("END-A"), "{out}");
    assert!(out.contains("END-B"), "{out}");
    assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    let trouble = dpk()
        .arg("diff")
        .arg(&a)
        .arg(dir.path().join("none.dcm"))
        .output()
        .unwrap();
    assert_eq!(trouble.status.code(), Some(2));
    let help = dpk().args(["diff", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("1  they differ"));
}

#[path = "support/uid_iod.rs"]
mod uid_iod;

/// A DICOMDIR file-set whose folder names are patient IDs (dpk renames them): with the run's
/// report every output finds its original, the DICOMDIR's offsets are checked, and an offset
/// that points at no record is a violation.
#[test]
fn a_dicomdir_file_set_pairs_through_the_report_and_its_offsets_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let originals = dir.path().join("in");
    let patient = uid_iod::Patient {
        name: "FICTIVE^ALMA",
        id: "PA000123",
        birth: "19610203",
        sex: "F",
    };
    let (study, series, instance) = (uid_iod::uid(1, 21), uid_iod::uid(2, 21), uid_iod::uid(3, 21));
    std::fs::create_dir_all(originals.join(patient.id)).unwrap();
    uid_iod::write(
        &originals.join(patient.id).join("IM000001"),
        uid_iod::ct(&patient, &study, &series, &instance, &instance),
        dicom_dictionary_std::uids::CT_IMAGE_STORAGE,
        &instance,
    )
    .unwrap();
    let member = uid_iod::Member {
        patient: &patient,
        study,
        series,
        instance,
        file_id: vec![patient.id, "IM000001"],
    };
    uid_iod::dicomdir(&originals.join("DICOMDIR"), &[member], &uid_iod::uid(9, 1)).unwrap();
    let out = dir.path().join("out");
    let report = dir.path().join("run.json");
    anonymize(&originals, &out, &["--report", report.to_str().unwrap()]);
    assert!(
        !out.join(patient.id).exists(),
        "the folder named by the patient ID is renamed"
    );
    let p = profile(&[]);
    let options = TreeOptions {
        report: Some(report),
        ..TreeOptions::default()
    };
    let tree = verify_tree_with(&out, &p, Some(&originals), &options).unwrap();
    assert!(tree.passes(), "{:#?} {:?}", lines(&tree), tree.missing_outputs);
    assert_eq!(tree.files, 2);
    assert!(tree.unpaired.is_empty(), "{:?}", tree.unpaired);

    let path = out.join("DICOMDIR");
    let mut f = dataset::open(&path).unwrap();
    f.put(DataElement::new(
        tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
        VR::UL,
        PrimitiveValue::from(7u32),
    ));
    release_gate::rewrite(&f, &path);
    let tree = verify_tree_with(&out, &p, Some(&originals), &options).unwrap();
    let all = lines(&tree);
    assert!(
        all.iter()
            .any(|l| l.ends_with("DICOMDIR: (0004,1200): offset 7 points at no directory record")),
        "{all:#?}"
    );
}

/// A shifted date is no violation even where it lands on another of the original's dates;
/// a date the profile shifts that still holds its own original value is one.
#[test]
fn a_date_left_unshifted_is_caught_and_shifted_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let originals = dir.path().join("in");
    release_gate::hospital_originals(&originals);
    let out = dir.path().join("out");
    anonymize(&originals, &out, &["--option", "retain-long-modified-dates"]);
    let p = profile(&["retain-long-modified-dates"]);
    let tree = verify_tree(&out, &p, Some(&originals)).unwrap();
    assert!(tree.passes(), "{:#?}", lines(&tree));
    let path = out.join("ct/b.dcm");
    let mut f = dataset::open(&path).unwrap();
    // Another of the original's dates, where a shift might land: not a leak.
    f.put(DataElement::new(
        tags::SERIES_DATE,
        VR::DA,
        PrimitiveValue::from("20221117"),
    ));
    // Its own original value: not shifted.
    f.put(DataElement::new(
        tags::ACQUISITION_DATE,
        VR::DA,
        PrimitiveValue::from("20221117"),
    ));
    release_gate::rewrite(&f, &path);
    let tree = verify_tree(&out, &p, Some(&originals)).unwrap();
    assert_eq!(
        lines(&tree),
        vec![format!(
            "{}: (0008,0022): the original's date 20221117 (not shifted) is still here",
            path.display()
        )]
    );
}
