//! Pixel data is copied from input to output, never held in memory whole: the output and the
//! plan are exactly those of reading the whole file, in every transfer syntax, with elements
//! after the pixel data, and whatever the profile does to the pixel data.

#[path = "support/large_files.rs"]
mod large_files;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dpk::dataset::{self, Snapshot};
use dpk::{Action, Context, Profile, ResolvedProfile, Salt, Selector};
use large_files::{
    fixture, large_ct, large_jpeg, DIGITAL_SIGNATURES, EXPLICIT_BE, EXPLICIT_LE, IMPLICIT_LE,
    TRAILING_PADDING,
};

const SALT: &[u8] = b"pixel-data-test-salt-0001";

fn ctx() -> Context {
    Context::new(Salt::new(SALT.to_vec()).unwrap())
}

fn basic() -> ResolvedProfile {
    Profile::builtin("basic").unwrap().resolve().unwrap()
}

/// Basic, with one more rule for Pixel Data.
fn basic_with_pixel_data(action: Action) -> ResolvedProfile {
    let mut p = Profile::extending("pixels", "basic");
    p.rules.push(dpk::profile::Rule {
        select: Selector::tag(tags::PIXEL_DATA),
        action,
    });
    p.resolve().unwrap()
}

/// Every kind of file this suite checks.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files = vec![
        large_ct(dir, "le.dcm", EXPLICIT_LE, false),
        large_ct(dir, "implicit.dcm", IMPLICIT_LE, false),
        large_ct(dir, "be.dcm", EXPLICIT_BE, false),
        large_ct(dir, "le_trailing.dcm", EXPLICIT_LE, true),
        large_ct(dir, "implicit_trailing.dcm", IMPLICIT_LE, true),
        large_jpeg(dir, false),
        large_jpeg(dir, true),
    ];
    for name in [
        "ct_explicit_le.dcm",
        "mr_implicit_le.dcm",
        "ct_explicit_be.dcm",
        "ct_deflated.dcm",
        "us_multiframe.dcm",
        "sc_jpeg_baseline.dcm",
        "pn_utf8.dcm",
        "demo.dcm",
    ] {
        files.push(fixture(name));
    }
    files
}

/// The output and plan of reading the whole file into memory: the reference.
fn in_memory(input: &Path, output: &Path, profile: &ResolvedProfile) -> dpk::Plan {
    let file = dataset::open(input).unwrap();
    let plan = dpk::plan(&file, profile, &ctx()).unwrap();
    dataset::write_atomic(&dpk::apply(&plan, file).unwrap(), output).unwrap();
    plan
}

fn entries(plan: &dpk::Plan) -> Vec<String> {
    plan.changes()
        .chain(plan.entries.iter().filter(|c| !c.is_change()))
        .map(|c| format!("{} {:?} {:?} {:?}", c.path, c.kind, c.before, c.decision))
        .collect()
}

fn check_same_as_in_memory(profile: &ResolvedProfile) {
    let dir = tempfile::tempdir().unwrap();
    for input in inputs(dir.path()) {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let streamed = dir.path().join(format!("{name}.streamed"));
        let whole = dir.path().join(format!("{name}.whole"));
        // The large files are read around their pixel data, not whole.
        if input.starts_with(dir.path()) {
            let header = dataset::open_around_pixel_data(&input).unwrap();
            assert!(
                header.pixel_data.is_some_and(|p| p.span.is_some()),
                "{name}: read whole"
            );
        }
        let plan = dpk::anonymize_file(&input, &streamed, profile, &ctx()).unwrap();
        let reference = in_memory(&input, &whole, profile);
        let (got, want) = (entries(&plan), entries(&reference));
        let differing: Vec<_> = got.iter().zip(&want).filter(|(g, w)| g != w).take(1).collect();
        assert!(
            got.len() == want.len() && differing.is_empty(),
            "{name}: plans differ ({} vs {} entries): {differing:?}",
            got.len(),
            want.len()
        );
        assert!(
            std::fs::read(&streamed).unwrap() == std::fs::read(&whole).unwrap(),
            "{name}: the output differs from the in-memory output"
        );
    }
}

#[test]
fn large_pixel_data_is_copied_and_the_output_is_that_of_a_whole_read() {
    check_same_as_in_memory(&basic());
}

#[test]
fn a_profile_that_removes_or_rewrites_pixel_data_gives_the_same_output_too() {
    for action in [Action::Remove, Action::Empty, Action::Hash] {
        check_same_as_in_memory(&basic_with_pixel_data(action));
    }
}

#[test]
fn large_pixel_data_is_left_in_the_file_and_known_by_size() {
    let dir = tempfile::tempdir().unwrap();
    let ct = large_ct(dir.path(), "le.dcm", EXPLICIT_LE, true);
    let header = dataset::open_around_pixel_data(&ct).unwrap();
    assert!(
        header.file.element(tags::PIXEL_DATA).is_err(),
        "pixel data read into memory"
    );
    let pixels = header.pixel_data.as_ref().expect("pixel data mapped");
    assert_eq!(pixels.snapshot, Snapshot::Bulk { bytes: 256 * 512 * 2 });
    assert_eq!(pixels.vr, VR::OW);
    // The elements after the pixel data are read.
    assert!(header.file.element(TRAILING_PADDING).is_ok());
    assert!(header.file.element(DIGITAL_SIGNATURES).is_ok());

    let jpeg = large_jpeg(dir.path(), false);
    let header = dataset::open_header(&jpeg).unwrap();
    let fragment = dataset::open(fixture("sc_jpeg_baseline.dcm"))
        .unwrap()
        .element(tags::PIXEL_DATA)
        .unwrap()
        .fragments()
        .unwrap()[0]
        .len() as u64;
    assert_eq!(
        header.pixel_data.unwrap().snapshot,
        Snapshot::Fragments {
            count: 40,
            bytes: 40 * fragment
        }
    );
}

#[test]
fn elements_after_the_pixel_data_are_de_identified_not_dropped() {
    let dir = tempfile::tempdir().unwrap();
    // Basic removes both the signature and the padding (Table E.1-1); a profile may keep the
    // padding.
    let mut keep_padding = Profile::extending("padding", "basic");
    keep_padding.rules.push(dpk::profile::Rule {
        select: Selector::tag(TRAILING_PADDING),
        action: Action::Keep,
    });
    let keep_padding = keep_padding.resolve().unwrap();
    for input in [
        large_ct(dir.path(), "le.dcm", EXPLICIT_LE, true),
        large_ct(dir.path(), "be.dcm", EXPLICIT_BE, true),
        large_jpeg(dir.path(), true),
    ] {
        let original = dataset::open(&input).unwrap();
        for (profile, padding_kept) in [(basic(), false), (keep_padding.clone(), true)] {
            let output = dir.path().join("out.dcm");
            dpk::anonymize_file(&input, &output, &profile, &ctx()).unwrap();
            let out = dataset::open(&output).unwrap();
            assert!(out.element(DIGITAL_SIGNATURES).is_err(), "digital signature kept");
            assert_eq!(out.element(TRAILING_PADDING).is_ok(), padding_kept);
            if padding_kept {
                assert_eq!(
                    out.element(TRAILING_PADDING).unwrap().to_bytes().unwrap().len(),
                    64
                );
            }
            assert!(
                out.element(tags::PIXEL_DATA).unwrap().value()
                    == original.element(tags::PIXEL_DATA).unwrap().value(),
                "pixel data changed"
            );
        }
    }
}

#[test]
fn a_source_cut_short_while_copying_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = large_ct(dir.path(), "le.dcm", EXPLICIT_LE, false);
    let header = dataset::open_around_pixel_data(&input).unwrap();
    let plan = dpk::plan_header(&header, &basic(), &ctx()).unwrap();
    let pixels = header.pixel_data.clone().unwrap();
    let out = dpk::apply(&plan, header.file).unwrap();
    // The input loses its last kilobyte between reading the header and copying the pixels.
    let len = std::fs::metadata(&input).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&input)
        .unwrap()
        .set_len(len - 1024)
        .unwrap();
    let output = dir.path().join("out").join("x.dcm");
    std::fs::create_dir(output.parent().unwrap()).unwrap();
    let err = dataset::write_with_pixel_data(&out, &input, &pixels, &output, dataset::Durability::EachFile)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("changed while its pixel data was copied"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(output.parent().unwrap()).unwrap().count(),
        0,
        "output left behind"
    );
}

#[test]
fn diff_compares_pixel_data_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = large_ct(dir.path(), "le.dcm", EXPLICIT_LE, false);
    let output = dir.path().join("out.dcm");
    dpk::anonymize_file(&input, &output, &basic(), &ctx()).unwrap();
    // A copy of the output with one pixel byte changed.
    let mut bytes = std::fs::read(&output).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0xFF;
    let altered = dir.path().join("altered.dcm");
    std::fs::write(&altered, &bytes).unwrap();

    let pixel_line = |b: &Path| {
        let out = Command::cargo_bin("dpk")
            .unwrap()
            .args(["diff", "--all", "--format", "json"])
            .arg(&input)
            .arg(b)
            .output()
            .unwrap();
        // The files differ (0) or not (1) as diff(1); never trouble (2).
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"] == "(7FE0,0010)")
            .map(|c| c["kind"].as_str().unwrap().to_string())
    };
    assert_eq!(pixel_line(&output).as_deref(), Some("unchanged"));
    assert_eq!(pixel_line(&altered).as_deref(), Some("replaced"));
}
