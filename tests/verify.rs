//! `dpk verify` passes dpk's own outputs and catches each kind of violation in outputs broken
//! on purpose.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dpk::dataset::{self, DicomFile};
use dpk::verify::verify_file;
use dpk::{Context, Profile, Salt};

const SALT: &[u8] = b"verify-test-salt-0000001";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

fn anonymized(input: &Path, profile: &Profile) -> DicomFile {
    let resolved = profile.resolve().unwrap();
    let ctx = Context::new(Salt::new(SALT.to_vec()).unwrap());
    let file = dataset::open(input).unwrap();
    let plan = dpk::plan(&file, &resolved, &ctx).unwrap();
    dpk::apply(&plan, file).unwrap()
}

fn original(name: &str) -> DicomFile {
    dataset::open(fixture(name)).unwrap()
}

/// Writes `file` to a temporary folder and verifies it with basic, against the original.
fn problems(file: &DicomFile, original_name: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.dcm");
    dataset::write_atomic(file, &path).unwrap();
    let profile = Profile::builtin("basic").unwrap().resolve().unwrap();
    verify_file(&path, &profile, Some(&original(original_name)))
        .into_iter()
        .map(|v| {
            format!(
                "{}: {}",
                v.path.map(|p| p.to_string()).unwrap_or_default(),
                v.problem
            )
        })
        .collect()
}

#[test]
fn dpks_own_outputs_pass_with_and_without_options() {
    let names = [
        "study/series1/img1.dcm",
        "study/series1/img2.dcm",
        "study/series2/img1.dcm",
        "study/series2/img2.dcm",
        "ct_explicit_le.dcm",
        "mr_implicit_le.dcm",
        "pn_utf8.dcm",
        "demo.dcm",
        "us_multiframe.dcm",
        "sc_jpeg_baseline.dcm",
    ];
    let with_options = Profile::extending("release", "basic")
        .with_option("retain-safe-private")
        .with_option("retain-long-modified-dates")
        .with_option("clean-descriptors");
    let mut checked = 0;
    for profile in [Profile::builtin("basic").unwrap(), with_options] {
        let resolved = profile.resolve().unwrap();
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            let out = dir.path().join(name);
            std::fs::create_dir_all(out.parent().unwrap()).unwrap();
            dataset::write_atomic(&anonymized(&fixture(name), &profile), &out).unwrap();
            // Each output against its own original.
            let found = verify_file(&out, &resolved, Some(&original(name)));
            assert!(found.is_empty(), "{name} with {}: {found:?}", resolved.name());
            checked += 1;
        }
    }
    assert_eq!(checked, 20);
}

#[test]
fn an_element_the_profile_removes_is_caught_at_any_depth() {
    let mut f = anonymized(
        &fixture("ct_explicit_le.dcm"),
        &Profile::builtin("basic").unwrap(),
    );
    f.put(DataElement::new(
        tags::INSTITUTION_NAME,
        VR::LO,
        PrimitiveValue::from("Somewhere General"),
    ));
    let item = dicom_object::InMemDicomObject::from_element_iter([DataElement::new(
        tags::PATIENT_BIRTH_NAME,
        VR::PN,
        PrimitiveValue::from("Nobody^Known"),
    )]);
    f.put(DataElement::new(
        tags::REFERENCED_PATIENT_PHOTO_SEQUENCE,
        VR::SQ,
        dicom_core::value::DataSetSequence::from(vec![item]),
    ));
    let p = problems(&f, "ct_explicit_le.dcm");
    assert!(
        p.contains(&"(0008,0080): present, but the profile removes it".to_string()),
        "{p:?}"
    );
    // The sequence is X itself, and the name inside it is found too.
    assert!(
        p.contains(&"(0010,1100): present, but the profile removes it".to_string()),
        "{p:?}"
    );
    assert!(
        p.contains(&"(0010,1100)[0].(0010,1005): present, but the profile removes it".to_string()),
        "{p:?}"
    );
}

#[test]
fn a_value_where_the_profile_empties_is_caught() {
    let mut f = anonymized(
        &fixture("ct_explicit_le.dcm"),
        &Profile::builtin("basic").unwrap(),
    );
    f.put(DataElement::new(
        tags::PATIENT_NAME,
        VR::PN,
        PrimitiveValue::from("Doe^Jane"),
    ));
    let p = problems(&f, "ct_explicit_le.dcm");
    assert!(
        p.contains(&"(0010,0010): holds a value, but the profile empties it".to_string()),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|l| l.starts_with("(0010,0010): the original's name part 'doe'")),
        "{p:?}"
    );
}

#[test]
fn invalid_uids_and_a_meta_disagreement_are_caught() {
    let mut f = anonymized(
        &fixture("ct_explicit_le.dcm"),
        &Profile::builtin("basic").unwrap(),
    );
    f.put(DataElement::new(
        tags::SOP_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::from("1.02.3"),
    ));
    let p = problems(&f, "ct_explicit_le.dcm");
    assert!(
        p.contains(&"(0008,0018): '1.02.3' is not a valid UID".to_string()),
        "{p:?}"
    );
    assert!(p.iter().any(|l| l.starts_with("(0002,0003): meta ")), "{p:?}");
}

#[test]
fn missing_markers_are_caught() {
    let mut f = anonymized(
        &fixture("ct_explicit_le.dcm"),
        &Profile::builtin("basic").unwrap(),
    );
    f.remove_element(tags::PATIENT_IDENTITY_REMOVED);
    f.remove_element(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE);
    let p = problems(&f, "ct_explicit_le.dcm");
    assert!(p.contains(&"(0012,0062): marker missing".to_string()), "{p:?}");
    assert!(
        p.iter().any(|l| l.starts_with("(0012,0064): code 113100")),
        "{p:?}"
    );
}

#[test]
fn private_data_outside_the_safe_list_is_caught() {
    let profile = Profile::extending("p", "basic").with_option("retain-safe-private");
    let mut f = anonymized(&fixture("ct_explicit_le.dcm"), &profile);
    f.put(DataElement::new(
        Tag(0x0031, 0x0010),
        VR::LO,
        PrimitiveValue::from("ACME_SECRET"),
    ));
    f.put(DataElement::new(
        Tag(0x0031, 0x1001),
        VR::LO,
        PrimitiveValue::from("whatever"),
    ));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.dcm");
    dataset::write_atomic(&f, &path).unwrap();
    let found = verify_file(&path, &profile.resolve().unwrap(), None);
    let paths: Vec<String> = found
        .iter()
        .filter_map(|v| v.path.as_ref().map(|p| p.to_string()))
        .collect();
    // The element of an unsafe block is a violation.
    assert!(paths.contains(&"(0031,1001)".to_string()), "{found:?}");
    // The safe GEMS_ACQU_01 elements kept by the option are not violations.
    assert!(!paths.iter().any(|p| p.starts_with("(0019,")), "{found:?}");
}

#[test]
fn original_uids_anywhere_and_names_outside_kept_values_are_caught() {
    let mut f = anonymized(
        &fixture("ct_explicit_le.dcm"),
        &Profile::builtin("basic").unwrap(),
    );
    let original = dataset::open(fixture("ct_explicit_le.dcm")).unwrap();
    let study_uid = dataset::text_of(&original, tags::STUDY_INSTANCE_UID).unwrap();
    let family = dataset::text_of(&original, tags::PATIENT_NAME)
        .unwrap()
        .split('^')
        .next()
        .unwrap()
        .to_string();
    // Body Part Examined (CS) and Manufacturer are kept by basic: a word there names no one.
    f.put(DataElement::new(
        tags::BODY_PART_EXAMINED,
        VR::CS,
        PrimitiveValue::from(family.to_uppercase().as_str()),
    ));
    f.put(DataElement::new(
        tags::MANUFACTURER,
        VR::LO,
        PrimitiveValue::from(format!("{family} Medical").as_str()),
    ));
    // A UID of the original is a leak in whatever attribute holds it.
    f.put(DataElement::new(
        tags::CODING_SCHEME_UID,
        VR::UI,
        PrimitiveValue::from(study_uid.as_str()),
    ));
    // A value basic replaces with a dummy that still holds the name is a leak.
    f.put(DataElement::new(
        tags::CONTENT_CREATOR_NAME,
        VR::PN,
        PrimitiveValue::from(format!("{family}^X").as_str()),
    ));
    let p = problems(&f, "ct_explicit_le.dcm");
    assert!(
        p.contains(&format!(
            "(0008,010C): the original's UID {study_uid} is still here"
        )),
        "{p:?}"
    );
    let part = family.to_lowercase();
    assert!(
        p.contains(&format!(
            "(0070,0084): the original's name part '{part}' is still here"
        )),
        "{p:?}"
    );
    assert!(!p.iter().any(|l| l.starts_with("(0018,0015)")), "{p:?}");
    assert!(!p.iter().any(|l| l.starts_with("(0008,0070)")), "{p:?}");
}

#[test]
fn cli_exits_3_on_violations_and_0_on_clean_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let salt = dir.path().join("salt");
    std::fs::write(&salt, SALT).unwrap();
    let out = dir.path().join("out");
    Command::cargo_bin("dpk")
        .unwrap()
        .args(["anonymize"])
        .arg(fixture("study"))
        .arg("-o")
        .arg(&out)
        .arg("--salt-file")
        .arg(&salt)
        .assert()
        .code(0);
    Command::cargo_bin("dpk")
        .unwrap()
        .arg("verify")
        .arg(&out)
        .arg("--originals")
        .arg(fixture("study"))
        .assert()
        .code(0)
        .stderr(predicates::str::contains("4 files verified, 0 with violations"));
    let raw = Command::cargo_bin("dpk")
        .unwrap()
        .arg("verify")
        .arg(fixture("study"))
        .arg("--json")
        .assert()
        .code(3);
    let v: serde_json::Value = serde_json::from_slice(&raw.get_output().stdout).unwrap();
    let violations = v["violations"].as_array().unwrap();
    assert!(!violations.is_empty());
    for field in ["file", "path", "problem"] {
        assert!(violations[0].get(field).is_some(), "{field}");
    }
}

/// Real archives hold copies of one instance (the same image in two transfer syntaxes), test
/// objects without a SOP Instance UID, and placeholder UIDs such as "0": copies share their
/// new UID and each pairs with its own original, a data set without the attribute has no
/// meta disagreement, and "0" is no original UID to find in every number.
#[test]
fn copies_of_one_instance_bare_objects_and_placeholder_uids_are_no_violations() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(fixture("ct_explicit_le.dcm"), input.join("ct.dcm")).unwrap();
    std::fs::create_dir_all(input.join("again")).unwrap();
    std::fs::copy(fixture("ct_explicit_le.dcm"), input.join("again/ct.dcm")).unwrap();
    let mut bare = dataset::open(fixture("mr_implicit_le.dcm")).unwrap();
    bare.remove_element(tags::SOP_INSTANCE_UID);
    bare.put(DataElement::new(
        tags::REFERENCED_SOP_SEQUENCE,
        VR::SQ,
        dicom_core::value::DataSetSequence::from(vec![dicom_object::InMemDicomObject::from_element_iter([
            DataElement::new(tags::REFERENCED_SOP_CLASS_UID, VR::UI, PrimitiveValue::from("0")),
            DataElement::new(
                tags::REFERENCED_SOP_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("0"),
            ),
        ])]),
    ));
    dataset::write_atomic(&bare, &input.join("bare.dcm")).unwrap();

    let salt = dir.path().join("salt");
    std::fs::write(&salt, SALT).unwrap();
    let out = dir.path().join("out");
    let report = dir.path().join("report.json");
    Command::cargo_bin("dpk")
        .unwrap()
        .args(["anonymize"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--salt-file")
        .arg(&salt)
        .arg("--report")
        .arg(&report)
        .assert()
        .code(0);
    for with_report in [false, true] {
        let mut verify = Command::cargo_bin("dpk").unwrap();
        verify.arg("verify").arg(&out).arg("--originals").arg(&input);
        if with_report {
            verify.arg("--report").arg(&report);
        }
        verify.assert().code(0).stderr(predicates::str::contains(
            "3 files verified, 0 with violations, 0 violations, 0 outputs missing",
        ));
    }
}
