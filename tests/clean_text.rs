//! The clean options (PS3.15 C) on real files: descriptions, curves and acquisition context
//! lose the names of the patient and staff, the institution, its address and department, the
//! station, accession and study IDs — in any case, any accent, any name order — and the
//! cleaner stays linear in the size of the text and the number of names. And times under
//! Retain Longitudinal Temporal Information with Modified Dates stay as they were.

#[path = "support/deid_text.rs"]
mod deid_text;

use std::path::{Path, PathBuf};

use deid_text::*;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dpk::dataset::TagPath;
use dpk::diff::ChangeKind;
use dpk::engine::clean::Identifiers;
use dpk::{Context, Plan, Profile, ResolvedProfile, Salt};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SALT: &[u8] = b"clean-text-test-salt-000017";

fn profile(options: &[&str]) -> ResolvedProfile {
    let mut p = Profile::builtin("basic").expect("built-in basic");
    for o in options {
        p = p.with_option(o);
    }
    p.resolve().expect("profile resolves")
}

/// Writes `obj`, anonymizes it; returns the re-opened output and the plan.
fn anonymize(
    dir: &Path,
    obj: InMemDicomObject,
    profile: &ResolvedProfile,
) -> Result<(InMemDicomObject, Plan), Box<dyn std::error::Error>> {
    let input: PathBuf = dir.join("in.dcm");
    let output = dir.join("out.dcm");
    write(obj, &input)?;
    let ctx = Context::new(Salt::new(SALT.to_vec())?);
    let plan = dpk::anonymize_file(&input, &output, profile, &ctx)?;
    Ok((dicom_object::open_file(&output)?.into_inner(), plan))
}

fn text(obj: &InMemDicomObject, tag: Tag) -> String {
    obj.element(tag)
        .unwrap_or_else(|_| panic!("{tag} is in the output"))
        .to_str()
        .expect("text")
        .trim_end_matches([' ', '\0'])
        .to_string()
}

#[test]
fn clean_descriptors_removes_names_places_and_ids_in_any_case_order_and_accent() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (out, plan) = anonymize(dir.path(), image_dataset(), &profile(&["clean-descriptors"]))?;
    assert_eq!(
        text(&out, tags::DERIVATION_DESCRIPTION),
        "Reformatted for ***, *** at *** (***, study ***)"
    );
    assert_eq!(
        text(&out, tags::IMAGE_COMMENTS),
        "*** ***, seen on *** by Dr. ***; sent to ***, \
         ***; operator *** ***"
    );
    let entry = plan
        .entry(&TagPath::root(tags::DERIVATION_DESCRIPTION))
        .expect("planned");
    assert_eq!(entry.kind, ChangeKind::Replaced);
    Ok(())
}

#[test]
fn clean_graphics_cleans_a_curve_description_of_the_hospital() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (out, _) = anonymize(dir.path(), image_dataset(), &profile(&["clean-graphics"]))?;
    assert_eq!(text(&out, Tag(0x5000, 0x0022)), "Curve of *** at ***");
    Ok(())
}

#[test]
fn clean_structured_content_cleans_the_acquisition_context_text() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (out, plan) = anonymize(
        dir.path(),
        image_dataset(),
        &profile(&["clean-structured-content"]),
    )?;
    let context = out.element(tags::ACQUISITION_CONTEXT_SEQUENCE)?;
    let items = context.items().expect("a sequence");
    assert_eq!(items.len(), 2, "the acquisition context keeps its items");
    assert_eq!(
        text(&items[0], tags::TEXT_VALUE),
        "Patient *** *** sedated at ***"
    );
    // Coded concepts stay.
    let concept = items[1]
        .element(tags::CONCEPT_CODE_SEQUENCE)?
        .items()
        .expect("items");
    assert_eq!(text(&concept[0], tags::CODE_MEANING), "Supine");
    let path = TagPath::root(tags::ACQUISITION_CONTEXT_SEQUENCE).child(0, tags::TEXT_VALUE);
    let entry = plan.entry(&path).expect("planned");
    assert_eq!(entry.kind, ChangeKind::Replaced);
    assert_eq!(
        entry.decision.as_ref().map(|d| d.rule.as_str()),
        Some("inside a sequence cleaned (C)")
    );
    // The output declares the option it carried out.
    let methods = out
        .element(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)?
        .items()
        .expect("items");
    assert!(methods.iter().any(|m| text(m, tags::CODE_VALUE) == "113104"));
    Ok(())
}

#[test]
fn decomposed_accents_and_reordered_names_are_found() {
    let obj = InMemDicomObject::from_element_iter([
        dicom_core::DataElement::new(tags::PATIENT_NAME, VR::PN, "FICTIVE^ALMA"),
        dicom_core::DataElement::new(tags::INSTITUTION_NAME, VR::LO, "Hôpital Saint-Exemple"),
    ]);
    let ids = Identifiers::gather(&obj);
    // "Hôpital" with a combining circumflex, in capitals, and the names in both orders.
    let cleaned = ids.clean(
        "HO\u{302}PITAL SAINT-EXEMPLE: Alma Fictive / FICTIVE, ALMA / hopital saint-exemple",
        VR::LT,
    );
    assert_eq!(cleaned, "***: *** *** / ***, *** / ***");
    assert!(ids.contains_identifying("Hopital Saint-Exemple"));
    assert!(!ids.contains_identifying("Hopital Saint-Exemplar"));
}

#[test]
fn fifty_thousand_names_in_a_four_megabyte_text() {
    // Correctness at scale; the time is measured by `cargo run --release --example
    // clean_scale` (a test asserts nothing about time).
    let count = 50_000;
    let obj = many_people(count);
    let ids = Identifiers::gather(&obj);
    let text = long_text(4 << 20, count, 7);
    let cleaned = ids.clean(&text, VR::UT);
    assert!(cleaned.starts_with("Lesion stable, reviewed with *** and Dr ***. No change since prior. "));
    let words: std::collections::HashSet<String> = cleaned
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .collect();
    for i in 0..count {
        let name = family_name(i);
        assert!(!words.contains(&name), "{name} survives");
    }
    assert!(words.contains("lesion") && words.contains("prior"));
    let sentences = text.matches("Lesion stable").count();
    assert_eq!(
        cleaned.matches("reviewed with *** and Dr ***.").count(),
        sentences
    );
}

#[test]
fn modified_dates_keep_times_of_day_and_utc_offsets() -> TestResult {
    // PS3.15 E.3.6: dates move by whole days, so that intervals are kept; a time of day and
    // a UTC offset are the same after a shift of whole days, and stay as they were.
    let mut obj = image_dataset();
    obj.put(dicom_core::DataElement::new(
        tags::TIMEZONE_OFFSET_FROM_UTC,
        VR::SH,
        "+0130",
    ));
    obj.put(dicom_core::DataElement::new(
        tags::ACQUISITION_DATE_TIME,
        VR::DT,
        "20230517101531.25+0130",
    ));
    let dir = tempfile::tempdir()?;
    let (out, plan) = anonymize(dir.path(), obj, &profile(&["retain-long-modified-dates"]))?;
    let date = text(&out, tags::STUDY_DATE);
    assert_ne!(date, STUDY_DATE, "the date is shifted");
    assert_eq!(text(&out, tags::STUDY_TIME), "093000");
    assert_eq!(text(&out, tags::TIMEZONE_OFFSET_FROM_UTC), "+0130");
    let dt = text(&out, tags::ACQUISITION_DATE_TIME);
    assert_eq!(dt, format!("{date}101531.25+0130"));
    let time = plan.entry(&TagPath::root(tags::STUDY_TIME)).expect("planned");
    assert_eq!(time.kind, ChangeKind::Unchanged);
    let decision = time.decision.as_ref().expect("decision");
    assert_eq!(decision.action, dpk::Action::Clean);
    assert!(
        decision.note.as_deref().is_some_and(|n| n.contains("whole days")),
        "the plan says why the time is kept: {decision:?}"
    );
    Ok(())
}
