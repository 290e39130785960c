//! The committed fixtures under `fixtures/` are exactly what the generator produces, and
//! each one opens (or, under `malformed/`, fails to open) with `dicom_object::open_file`.
//!
//! When this test fails after an intended change to the generator, regenerate with
//! `cargo run --example make_fixtures` and commit the new files.

#[path = "support/fixtures_gen.rs"]
mod fixtures_gen;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;

fn committed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every file under `dir` (relative, `/`-separated), except the README.
fn files_under(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk fixtures"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("relative path");
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .filter(|rel| rel != "README.md")
        .collect()
}

#[test]
fn committed_fixtures_match_the_generator() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let generated = fixtures_gen::generate(tmp.path()).expect("generate fixtures");

    let expected: BTreeSet<String> = generated.iter().map(|g| g.path.clone()).collect();
    assert_eq!(expected.len(), generated.len(), "duplicate fixture paths");
    assert_eq!(
        files_under(&committed_dir()),
        expected,
        "the set of committed fixtures differs from the generator's; \
         run `cargo run --example make_fixtures`"
    );

    for g in &generated {
        let fresh = std::fs::read(tmp.path().join(&g.path)).expect("read generated");
        let committed = std::fs::read(committed_dir().join(&g.path)).expect("read committed");
        assert!(
            fresh == committed,
            "fixtures/{} differs from the generator's output; \
             run `cargo run --example make_fixtures`",
            g.path
        );
    }
}

#[test]
fn generator_is_deterministic() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let ga = fixtures_gen::generate(a.path()).expect("generate a");
    let gb = fixtures_gen::generate(b.path()).expect("generate b");
    assert_eq!(ga, gb);
    for g in &ga {
        let x = std::fs::read(a.path().join(&g.path)).expect("read a");
        let y = std::fs::read(b.path().join(&g.path)).expect("read b");
        assert!(x == y, "{} differs between two runs", g.path);
    }
}

#[test]
fn valid_fixtures_open_and_malformed_ones_do_not() {
    let dir = committed_dir();
    let tmp = tempfile::tempdir().expect("tempdir");
    let generated = fixtures_gen::generate(tmp.path()).expect("generate fixtures");
    assert!(generated.iter().any(|g| !g.valid), "no malformed fixtures");
    for g in &generated {
        let result = dicom_object::open_file(dir.join(&g.path));
        if g.valid {
            if let Err(e) = result {
                panic!("valid fixture {} does not open: {e}", g.path);
            }
        } else {
            assert!(result.is_err(), "malformed fixture {} opened", g.path);
        }
    }
}

fn open(rel: &str) -> dicom_object::DefaultDicomObject {
    dicom_object::open_file(committed_dir().join(rel)).unwrap_or_else(|e| panic!("open {rel}: {e}"))
}

fn text(obj: &dicom_object::DefaultDicomObject, tag: Tag) -> String {
    obj.element(tag)
        .unwrap_or_else(|e| panic!("{tag}: {e}"))
        .to_str()
        .unwrap_or_else(|e| panic!("{tag}: {e}"))
        .into_owned()
}

#[test]
fn fixtures_carry_what_they_promise() {
    let ct = open("ct_explicit_le.dcm");
    assert_eq!(text(&ct, tags::PATIENT_NAME), "Doe^Jane^Q^Dr^III");
    assert_eq!(text(&ct, tags::INSTITUTION_NAME), "Klinikum Nordstadt Süd");
    assert!(text(&ct, tags::STUDY_DESCRIPTION).contains("Doe, MRN PID12345"));
    assert_eq!(text(&ct, Tag(0x0019, 0x0010)), "GEMS_ACQU_01");
    assert_eq!(ct.element(Tag(0x0019, 0x1023)).expect("table speed").vr(), VR::DS);
    assert_eq!(text(&ct, Tag(0x0029, 0x0010)), "ACME_PHI_01");
    assert_eq!(
        ct.element(Tag(0x0008, 0x3010))
            .expect("VM>1 UI")
            .value()
            .multiplicity(),
        2
    );
    assert_eq!(
        ct.meta().media_storage_sop_instance_uid(),
        text(&ct, tags::SOP_INSTANCE_UID)
    );

    let mr = open("mr_implicit_le.dcm");
    assert_eq!(mr.meta().transfer_syntax(), "1.2.840.10008.1.2");
    assert_eq!(mr.element(Tag(0x0029, 0x1001)).expect("private").vr(), VR::UN);

    for (rel, ts) in [
        ("ct_explicit_be.dcm", "1.2.840.10008.1.2.2"),
        ("ct_deflated.dcm", "1.2.840.10008.1.2.1.99"),
        ("sc_jpeg_baseline.dcm", "1.2.840.10008.1.2.4.50"),
    ] {
        let obj = open(rel);
        assert_eq!(obj.meta().transfer_syntax(), ts, "{rel}");
        assert_eq!(text(&obj, tags::PATIENT_NAME), "Doe^Jane^Q^Dr^III", "{rel}");
    }

    let us = open("us_multiframe.dcm");
    assert_eq!(text(&us, tags::NUMBER_OF_FRAMES), "3");
    assert_eq!(text(&us, tags::BURNED_IN_ANNOTATION), "YES");

    let utf8 = open("pn_utf8.dcm");
    assert!(text(&utf8, tags::PATIENT_NAME).starts_with("Müller^Jürgen^K^Dr^III=ミュラー"));

    let s2i1 = open("study/series2/img1.dcm");
    assert_eq!(text(&s2i1, Tag(0x0019, 0x0011)), "GEMS_ACQU_01");
    assert!(s2i1.element(Tag(0x0019, 0x1123)).is_ok());
    let study: BTreeSet<String> = ["series1/img1", "series1/img2", "series2/img1", "series2/img2"]
        .iter()
        .map(|f| text(&open(&format!("study/{f}.dcm")), tags::STUDY_INSTANCE_UID))
        .collect();
    assert_eq!(study.len(), 1, "one Study Instance UID across the study");
}
