//! D and C on sequences (PS3.15 E.1.1): an SR content tree five levels deep, a verifying
//! observer and a requesting physician's identification code keep their structure, while
//! every identifying value inside them goes — replaced with dummies under D, cleaned under C,
//! UIDs remapped as the rest of the file's — and each change is in the plan with its reason.
//!
//! The SR is built in the test (`support/deid_text.rs`), written, anonymized with the built-in
//! profile, and the output re-opened and walked; dciodvfy checks both files.

#[path = "support/dciodvfy.rs"]
mod dciodvfy;
#[path = "support/deid_text.rs"]
mod deid_text;

use std::path::Path;

use deid_text::*;
use dicom_core::value::Value;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;
use dpk::dataset::{strings_of, TagPath};
use dpk::diff::ChangeKind;
use dpk::{Context, Plan, Profile, ResolvedProfile, Salt};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SALT: &[u8] = b"deid-sequences-test-salt-0042";

fn profile(options: &[&str]) -> ResolvedProfile {
    let mut p = Profile::builtin("basic").expect("built-in basic");
    for o in options {
        p = p.with_option(o);
    }
    p.resolve().expect("profile resolves")
}

fn salt() -> Salt {
    Salt::new(SALT.to_vec()).expect("salt")
}

/// Writes the SR, anonymizes it with `profile`; returns the input path, the re-opened output
/// and the plan.
fn anonymize_sr(
    dir: &Path,
    profile: &ResolvedProfile,
) -> Result<(std::path::PathBuf, std::path::PathBuf, Plan), Box<dyn std::error::Error>> {
    let input = dir.join("sr.dcm");
    let output = dir.join("sr-out.dcm");
    write(sr_dataset(), &input)?;
    let plan = dpk::anonymize_file(&input, &output, profile, &Context::new(salt()))?;
    Ok((input, output, plan))
}

fn reopen(path: &Path) -> InMemDicomObject {
    dicom_object::open_file(path)
        .unwrap_or_else(|e| panic!("{} does not re-open: {e}", path.display()))
        .into_inner()
}

/// Calls `f` on every element of `obj` at every depth, with its path.
fn walk<'a>(
    obj: &'a InMemDicomObject,
    parent: Option<(&TagPath, u32)>,
    f: &mut dyn FnMut(&TagPath, &'a InMemElement),
) {
    for el in obj.iter() {
        let path = match parent {
            Some((p, i)) => p.child(i, el.header().tag),
            None => TagPath::root(el.header().tag),
        };
        f(&path, el);
        if let Value::Sequence(seq) = el.value() {
            for (i, item) in seq.items().iter().enumerate() {
                walk(item, Some((&path, i as u32)), f);
            }
        }
    }
}

/// Every element's path, VR and text values.
fn elements(obj: &InMemDicomObject) -> Vec<(TagPath, VR, Vec<String>)> {
    let mut out = Vec::new();
    walk(obj, None, &mut |path, el| {
        let values = match el.value() {
            Value::Primitive(p) => strings_of(p)
                .into_iter()
                .map(|s| s.trim_matches(|c| c == ' ' || c == '\0').to_string())
                .collect(),
            _ => Vec::new(),
        };
        out.push((path.clone(), el.vr(), values));
    });
    out
}

/// Every element with `tag`, at any depth: its path and its values joined with `\`.
fn with_tag(all: &[(TagPath, VR, Vec<String>)], tag: Tag) -> Vec<(TagPath, String)> {
    all.iter()
        .filter(|(p, _, _)| p.tag == tag)
        .map(|(p, _, v)| (p.clone(), v.join("\\")))
        .collect()
}

fn is_inside(path: &TagPath, sequence: Tag) -> bool {
    path.items.iter().any(|s| s.sequence == sequence)
}

fn dciodvfy_errors(path: &Path) -> (usize, String) {
    let errors = dciodvfy::errors(path);
    (errors.len(), errors.join("\n"))
}

const ORIGINAL_UIDS: &[&str] = &[
    STUDY_INSTANCE_UID,
    SERIES_INSTANCE_UID,
    SOP_INSTANCE_UID,
    OBSERVATION_UID,
    EVIDENCE_UID,
];

/// No secret in any value, in any case, at any depth, nor in the file's bytes; no original
/// UID; no original date or time of the content tree.
fn assert_nothing_survives(output: &Path, out: &[(TagPath, VR, Vec<String>)]) -> TestResult {
    for (path, vr, values) in out {
        for v in values {
            let low = v.to_lowercase();
            for secret in SR_SECRETS {
                assert!(!low.contains(secret), "{path}: '{v}' holds '{secret}'");
            }
            if *vr == VR::UI {
                assert!(
                    !ORIGINAL_UIDS.contains(&v.as_str()),
                    "{path}: original UID {v} kept"
                );
            }
            if *vr == VR::TM {
                assert_ne!(v, EVENT_TIME, "{path}: the event time is kept");
            }
        }
    }
    let bytes = std::fs::read(output)?.to_ascii_lowercase();
    for secret in SR_SECRETS.iter().chain(ORIGINAL_UIDS) {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "'{secret}' is in the output's bytes"
        );
    }
    Ok(())
}

/// The content tree's structure is the input's: item counts, value and relationship types,
/// concept names, coded values, units and numbers, at the same paths.
fn assert_structure_kept(input: &[(TagPath, VR, Vec<String>)], out: &[(TagPath, VR, Vec<String>)]) {
    let structural = |all: &[(TagPath, VR, Vec<String>)]| -> Vec<(TagPath, Vec<String>)> {
        all.iter()
            .filter(|(p, _, _)| {
                matches!(
                    p.tag,
                    tags::VALUE_TYPE
                        | tags::RELATIONSHIP_TYPE
                        | tags::CONTINUITY_OF_CONTENT
                        | tags::NUMERIC_VALUE
                        | tags::REFERENCED_SOP_CLASS_UID
                ) || (matches!(
                    p.tag,
                    tags::CODE_VALUE | tags::CODING_SCHEME_DESIGNATOR | tags::CODE_MEANING
                ) && !is_inside(p, tags::PERSON_IDENTIFICATION_CODE_SEQUENCE))
            })
            .map(|(p, _, v)| (p.clone(), v.clone()))
            .collect()
    };
    let before = structural(input);
    // The markers dpk adds (De-identification Method Code Sequence) are not the input's.
    let after: Vec<_> = structural(out)
        .into_iter()
        .filter(|(p, _)| !is_inside(p, tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE))
        .collect();
    assert!(
        before.len() > 60,
        "the SR has its structure: {} elements",
        before.len()
    );
    // The observer's identification code sequence is Z: its codes go with it.
    let before: Vec<_> = before
        .into_iter()
        .filter(|(p, _)| !is_inside(p, tags::VERIFYING_OBSERVER_IDENTIFICATION_CODE_SEQUENCE))
        .collect();
    let missing: Vec<_> = before.iter().filter(|e| !after.contains(e)).collect();
    let added: Vec<_> = after.iter().filter(|e| !before.contains(e)).collect();
    assert!(
        missing.is_empty() && added.is_empty(),
        "the structure changed: lost {missing:?}, gained {added:?}"
    );
    let content_paths = |all: &[(TagPath, VR, Vec<String>)]| -> Vec<TagPath> {
        all.iter()
            .filter(|(p, vr, _)| *vr == VR::SQ && p.tag == tags::CONTENT_SEQUENCE)
            .map(|(p, _, _)| p.clone())
            .collect()
    };
    assert_eq!(content_paths(input), content_paths(out));
}

#[test]
fn d_on_sequences_replaces_every_value_inside_and_keeps_the_structure() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (input, output, plan) = anonymize_sr(dir.path(), &profile(&[]))?;
    let before = elements(&reopen(&input));
    let out = elements(&reopen(&output));

    // The fixture is what it claims: text five levels deep naming the patient.
    let deep_text: Vec<_> = with_tag(&before, tags::TEXT_VALUE)
        .into_iter()
        .filter(|(p, _)| p.items.len() == 5)
        .collect();
    assert_eq!(deep_text.len(), 1);
    assert!(deep_text[0].1.contains("Alma Fictive"));

    assert_nothing_survives(&output, &out)?;
    assert_structure_kept(&before, &out);

    // Type 1 values of each content item are there, with dummies of their VR.
    let one = |tag: Tag| -> Vec<String> { with_tag(&out, tag).into_iter().map(|(_, v)| v).collect() };
    assert_eq!(one(tags::TEXT_VALUE), vec!["ANONYMIZED"; 2]);
    assert_eq!(one(tags::PERSON_NAME), vec!["ANONYMIZED"]);
    assert_eq!(one(tags::DATE), vec!["20000101"]);
    assert_eq!(one(tags::TIME), vec!["000000"]);
    assert_eq!(one(tags::DATE_TIME), vec!["20000101000000"]);
    assert_eq!(one(tags::VERIFYING_OBSERVER_NAME), vec!["ANONYMIZED"]);
    assert_eq!(one(tags::VERIFYING_ORGANIZATION), vec!["ANONYMIZED"]);
    assert_eq!(one(tags::VERIFICATION_DATE_TIME), vec!["20000101000000"]);
    assert_eq!(one(tags::NUMERIC_VALUE), vec!["12.5"]);

    // The UIDREF is remapped with the salt, as the Study Instance UID it names is.
    let new_study = salt().remap_uid(STUDY_INSTANCE_UID);
    assert_eq!(one(tags::UID), vec![new_study.clone()]);
    assert!(one(tags::STUDY_INSTANCE_UID).iter().all(|u| *u == new_study));
    assert_eq!(
        one(tags::OBSERVATION_UID),
        vec![salt().remap_uid(OBSERVATION_UID)]
    );

    // The requesting physician's ID code is a dummy; its item stays.
    let codes: Vec<_> = with_tag(&out, tags::CODE_VALUE)
        .into_iter()
        .filter(|(p, _)| is_inside(p, tags::REQUESTING_PHYSICIAN_IDENTIFICATION_SEQUENCE))
        .collect();
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].1, "ANONYMIZED");

    // Every change inside is in the plan, with its reason.
    let text_entries: Vec<_> = plan
        .entries
        .iter()
        .filter(|e| e.path.tag == tags::TEXT_VALUE)
        .collect();
    assert_eq!(text_entries.len(), 2);
    for e in text_entries {
        assert_eq!(e.kind, ChangeKind::Replaced);
        let decision = e.decision.as_ref().expect("decision");
        assert_eq!(
            decision.rule.as_str(),
            "inside a sequence replaced with dummies (D)"
        );
    }
    let code_entry = plan
        .entries
        .iter()
        .find(|e| {
            e.path.tag == tags::CODE_VALUE && is_inside(&e.path, tags::PERSON_IDENTIFICATION_CODE_SEQUENCE)
        })
        .expect("the physician's code is planned");
    assert_eq!(code_entry.kind, ChangeKind::Replaced);
    assert_eq!(
        code_entry.decision.as_ref().map(|d| d.rule.as_str()),
        Some("inside a sequence replaced with dummies (D)")
    );

    // Valid before, valid after.
    let (errors_in, text_in) = dciodvfy_errors(&input);
    assert_eq!(errors_in, 0, "the input SR is not valid:\n{text_in}");
    let (errors_out, text_out) = dciodvfy_errors(&output);
    assert!(
        errors_out <= errors_in,
        "dciodvfy finds new errors in the output:\n{text_out}"
    );
    Ok(())
}

#[test]
fn c_on_the_content_tree_cleans_its_text_items() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (input, output, plan) = anonymize_sr(dir.path(), &profile(&["clean-structured-content"]))?;
    let before = elements(&reopen(&input));
    let out = elements(&reopen(&output));
    assert_nothing_survives(&output, &out)?;
    assert_structure_kept(&before, &out);

    let texts: Vec<_> = with_tag(&out, tags::TEXT_VALUE);
    let deep: Vec<_> = texts.iter().filter(|(p, _)| p.items.len() == 5).collect();
    assert_eq!(deep.len(), 1);
    assert_eq!(deep[0].1, "*** *** (MRN ***) seen at *** by Dr *** on ***.");
    let shallow: Vec<_> = texts.iter().filter(|(p, _)| p.items.len() == 1).collect();
    assert_eq!(shallow[0].1, "Report for ***, ***.");
    for e in plan.entries.iter().filter(|e| e.path.tag == tags::TEXT_VALUE) {
        assert_eq!(e.kind, ChangeKind::Replaced);
        assert_eq!(
            e.decision.as_ref().map(|d| d.rule.as_str()),
            Some("inside a sequence cleaned (C)")
        );
    }
    // The items the table names keep their own rule: Person Name is D, UID is U.
    assert!(with_tag(&out, tags::PERSON_NAME)
        .iter()
        .all(|(_, v)| v == "ANONYMIZED"));
    assert_eq!(
        with_tag(&out, tags::UID)
            .into_iter()
            .map(|(_, v)| v)
            .collect::<Vec<_>>(),
        vec![salt().remap_uid(STUDY_INSTANCE_UID)]
    );
    let (errors_in, _) = dciodvfy_errors(&input);
    let (errors_out, text_out) = dciodvfy_errors(&output);
    assert!(
        errors_out <= errors_in,
        "dciodvfy finds new errors in the output:\n{text_out}"
    );
    Ok(())
}

#[test]
fn dates_inside_d_sequences_follow_the_longitudinal_options() -> TestResult {
    // Under retain-long-modified-dates the content tree's dates move with the file's.
    let dir = tempfile::tempdir()?;
    let (_, output, _) = anonymize_sr(dir.path(), &profile(&["retain-long-modified-dates"]))?;
    let out = elements(&reopen(&output));
    let date = with_tag(&out, tags::DATE);
    assert_eq!(date.len(), 1);
    let study_date = with_tag(&out, tags::STUDY_DATE);
    assert_ne!(date[0].1, EVENT_DATE);
    assert_ne!(date[0].1, "20000101");
    assert_ne!(study_date[0].1, STUDY_DATE);
    // Three days before the study, as in the input.
    let days = |d: &str| -> i64 {
        let (y, m, dd): (i64, i64, i64) = (
            d[..4].parse().unwrap(),
            d[4..6].parse().unwrap(),
            d[6..8].parse().unwrap(),
        );
        let (y, m) = if m <= 2 { (y - 1, m + 12) } else { (y, m) };
        365 * y + y / 4 - y / 100 + y / 400 + (153 * (m - 3) + 2) / 5 + dd
    };
    assert_eq!(days(&study_date[0].1) - days(&date[0].1), 3);
    // Times of day are kept (dates move by whole days).
    assert_eq!(with_tag(&out, tags::TIME)[0].1, EVENT_TIME);
    Ok(())
}
