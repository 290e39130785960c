//! Values whose bytes do not decode in the file's declared character set: Latin-1 bytes under
//! ISO_IR 192, a lone Shift JIS lead byte under ISO_IR 13, a broken GB18030 sequence. The
//! reader turns each byte it cannot decode into the text `\ddd`; a value dpk keeps must still
//! be written back byte for byte, multiplicity included, at any depth; a value it replaces or
//! cleans is written validly; and what cannot be kept exactly is refused, never changed
//! silently. The files are written byte for byte here, with invented names, and the outputs
//! read back with a reader of their own that never decodes text.

#[path = "support/dciodvfy.rs"]
mod dciodvfy;
#[path = "support/raw_text.rs"]
mod raw_text;

use dicom_core::Tag;
use dpk::dataset::TagPath;
use dpk::diff::ChangeKind;
use dpk::{Context, Error, Profile, ResolvedProfile, Salt};
use raw_text::{
    ct, data_set_values, file, file_in, implicit_element, inflated_data_set, padded, value_at, Node,
    DEFLATED, IMPLICIT_LE,
};

const MANUFACTURER: Tag = Tag(0x0008, 0x0070);
const MODEL_NAME: Tag = Tag(0x0008, 0x1090);
const SOFTWARE_VERSIONS: Tag = Tag(0x0018, 0x1020);
const SLICE_THICKNESS: Tag = Tag(0x0018, 0x0050);
const ANATOMIC_REGION_SEQUENCE: Tag = Tag(0x0008, 0x2218);
const CODE_VALUE: Tag = Tag(0x0008, 0x0100);
const CODING_SCHEME: Tag = Tag(0x0008, 0x0102);
const CODE_MEANING: Tag = Tag(0x0008, 0x0104);
const STUDY_DESCRIPTION: Tag = Tag(0x0008, 0x1030);
const PATIENT_NAME: Tag = Tag(0x0010, 0x0010);
const INSTITUTION_NAME: Tag = Tag(0x0008, 0x0080);
const INSTITUTION_ADDRESS: Tag = Tag(0x0008, 0x0081);

fn profile(options: &[&str]) -> ResolvedProfile {
    let mut p = Profile::extending("raw-text", "basic");
    for option in options {
        p = p.with_option(option);
    }
    p.resolve().expect("profile resolves")
}

fn ctx() -> Context {
    Context::new(Salt::new(b"raw-text-test-salt-0123456789".to_vec()).expect("salt"))
}

fn value(tag: Tag, vr: &[u8; 2], bytes: &[u8]) -> Node {
    Node::Value(tag, *vr, bytes.to_vec())
}

/// An anatomic region item whose Code Meaning is `meaning`.
fn region(meaning: &[u8]) -> Node {
    Node::Sequence(
        ANATOMIC_REGION_SEQUENCE,
        vec![vec![
            value(CODE_VALUE, b"SH", b"T-D3000"),
            value(CODING_SCHEME, b"SH", b"SRT"),
            value(CODE_MEANING, b"LO", meaning),
        ]],
    )
}

/// What dpk made of one input.
struct Run {
    plan: dpk::Plan,
    output: Vec<u8>,
    /// dciodvfy errors of the output that the input did not have.
    new_errors: Vec<String>,
}

fn anonymize(nodes: &[Node], options: &[&str]) -> Result<Run, Error> {
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.dcm"), dir.path().join("out.dcm"));
    std::fs::write(&inp, file(nodes)).unwrap();
    let plan = dpk::anonymize_file(&inp, &out, &profile(options), &ctx())?;
    let output = std::fs::read(&out).unwrap();
    let before = dciodvfy::errors(&inp);
    let new_errors = dciodvfy::errors(&out)
        .into_iter()
        .filter(|e| !before.contains(e))
        .collect();
    Ok(Run {
        plan,
        output,
        new_errors,
    })
}

/// Asserts that the plan keeps the element at `path` and that the output holds at `at` the
/// bytes `bytes` as the input had them.
fn assert_kept(run: &Run, path: &TagPath, at: &str, vr: &[u8; 2], bytes: &[u8]) {
    assert_eq!(
        run.plan.entry(path).map(|c| c.kind),
        Some(ChangeKind::Unchanged),
        "{path} kept by the profile"
    );
    assert_eq!(
        value_at(&run.output, at).as_deref(),
        Some(padded(vr, bytes).as_slice()),
        "{at}: bytes as in the input"
    );
}

/// The kept values of a file in `charset`, each `bytes` (multi-valued in Software Versions,
/// inside an item in Code Meaning), come back with their bytes; and a decimal string, which
/// the reader decodes in the character set too and the writer writes in the default
/// repertoire, holding the bytes after a number.
fn kept_values_keep_their_bytes(charset: &[u8], bytes: &[u8], undecodable: bool) {
    let multi = [bytes, b"\\V2.1\\".as_slice(), bytes].concat();
    let high = bytes
        .iter()
        .position(|b| !b.is_ascii())
        .expect("a byte past ASCII");
    let thickness: Vec<u8> = [b"2.5\\1".as_slice(), &bytes[high..=high]].concat();
    let nodes = ct(
        charset,
        vec![
            value(MANUFACTURER, b"LO", bytes),
            value(MODEL_NAME, b"LO", bytes),
            value(SOFTWARE_VERSIONS, b"LO", &multi),
            value(SLICE_THICKNESS, b"DS", &thickness),
            region(bytes),
        ],
    );
    let run = anonymize(&nodes, &[]).unwrap_or_else(|e| panic!("refused: {e}"));
    assert_kept(
        &run,
        &TagPath::root(SLICE_THICKNESS),
        "0018,0050",
        b"DS",
        &thickness,
    );
    assert_kept(&run, &TagPath::root(MANUFACTURER), "0008,0070", b"LO", bytes);
    assert_kept(&run, &TagPath::root(MODEL_NAME), "0008,1090", b"LO", bytes);
    assert_kept(
        &run,
        &TagPath::root(SOFTWARE_VERSIONS),
        "0018,1020",
        b"LO",
        &multi,
    );
    assert_kept(
        &run,
        &TagPath::root(ANATOMIC_REGION_SEQUENCE).child(0, CODE_MEANING),
        "0008,2218[0]/0008,0104",
        b"LO",
        bytes,
    );
    // The patient's name is replaced, in the declared set, as for any file.
    assert_ne!(
        value_at(&run.output, "0010,0010").as_deref(),
        Some(padded(b"PN", b"FICTIVE^ALMA").as_slice())
    );
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
    // Each value written from its input bytes is told, and only those.
    let notes: Vec<&String> = run
        .plan
        .notes
        .iter()
        .filter(|n| n.contains("does not decode"))
        .collect();
    assert_eq!(notes.len(), if undecodable { 5 } else { 0 }, "{notes:?}");
    for note in notes {
        assert!(!note.chars().any(char::is_control), "{note:?}");
    }
}

#[test]
fn latin1_bytes_under_iso_ir_192_are_kept_as_they_are() {
    kept_values_keep_their_bytes(b"ISO_IR 192", b"Clinique \xe9t\xe9 Exemple", true);
}

/// The control: Latin-1 decodes every byte, nothing to restore.
#[test]
fn latin1_bytes_under_iso_ir_100_are_kept_as_they_are() {
    kept_values_keep_their_bytes(b"ISO_IR 100", b"Clinique \xe9t\xe9 Exemple", false);
}

#[test]
fn a_lone_shift_jis_lead_byte_under_iso_ir_13_is_kept() {
    kept_values_keep_their_bytes(b"ISO_IR 13", b"CT\xe0", true);
}

#[test]
fn a_broken_gb18030_sequence_is_kept() {
    kept_values_keep_their_bytes(b"GB18030", b"GE \x81\x30\x81\x20X", true);
}

/// The institution a profile retains (Retain Institution Identity Option, action K): its
/// name (LO) and address (ST, one value whatever backslashes it holds) with Latin-1 bytes in
/// a UTF-8 data set, kept byte for byte.
#[test]
fn a_retained_institution_keeps_its_latin1_bytes() {
    let name = b"H\xf4pital Saint Exemple";
    let address = b"12 rue de l'\xc9cole\\B\xe2t 3\\\\101 Exempleville";
    let nodes = ct(
        b"ISO_IR 192",
        vec![
            value(INSTITUTION_NAME, b"LO", name),
            value(INSTITUTION_ADDRESS, b"ST", address),
        ],
    );
    let run = anonymize(&nodes, &["retain-institution-identity"]).unwrap_or_else(|e| panic!("refused: {e}"));
    assert_kept(&run, &TagPath::root(INSTITUTION_NAME), "0008,0080", b"LO", name);
    assert_kept(
        &run,
        &TagPath::root(INSTITUTION_ADDRESS),
        "0008,0081",
        b"ST",
        address,
    );
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
    // Without the option the profile removes them: nothing to keep, nothing refused.
    let run = anonymize(&nodes, &[]).unwrap_or_else(|e| panic!("refused: {e}"));
    assert_eq!(value_at(&run.output, "0008,0080"), None);
}

/// In Implicit VR Little Endian (written back in it), likewise, in an item too.
#[test]
fn implicit_vr_files_keep_the_bytes_too() {
    let bytes = b"Saint Example \xe9\xff Hospital";
    let nodes = ct(
        b"ISO_IR 192",
        vec![value(MANUFACTURER, b"LO", bytes), region(bytes)],
    );
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.dcm"), dir.path().join("out.dcm"));
    std::fs::write(&inp, file_in(&nodes, IMPLICIT_LE)).unwrap();
    dpk::anonymize_file(&inp, &out, &profile(&[]), &ctx()).unwrap_or_else(|e| panic!("refused: {e}"));
    let output = std::fs::read(&out).unwrap();
    for tag in [MANUFACTURER, CODE_MEANING] {
        let element = implicit_element(tag, &padded(b"LO", bytes));
        assert!(output.windows(element.len()).any(|w| w == element), "{tag}");
    }
}

/// In a deflated data set (written back deflated), likewise.
#[test]
fn deflated_files_keep_the_bytes_too() {
    let bytes = b"Gro\xdfes Beispiel";
    let nodes = ct(
        b"ISO_IR 192",
        vec![value(MANUFACTURER, b"LO", bytes), region(bytes)],
    );
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.dcm"), dir.path().join("out.dcm"));
    std::fs::write(&inp, file_in(&nodes, DEFLATED)).unwrap();
    let plan =
        dpk::anonymize_file(&inp, &out, &profile(&[]), &ctx()).unwrap_or_else(|e| panic!("refused: {e}"));
    assert!(
        plan.notes
            .iter()
            .any(|n| n.contains("(0008,0070) does not decode")),
        "{:?}",
        plan.notes
    );
    let values = data_set_values(&inflated_data_set(&std::fs::read(&out).unwrap()));
    for at in ["0008,0070", "0008,2218[0]/0008,0104"] {
        let found = values.iter().find(|v| v.path == at).map(|v| v.bytes.clone());
        assert_eq!(found, Some(padded(b"LO", bytes)), "{at}");
    }
}

/// A header read for a look at the file after (the inspector, `dpk profile`) is applied with
/// the kept values' bytes too: nothing refused, nothing changed.
#[test]
fn a_header_read_for_a_preview_keeps_the_bytes() {
    let bytes = b"CT\xe0";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.dcm");
    std::fs::write(&path, file(&ct(b"ISO_IR 13", vec![region(bytes)]))).unwrap();
    let header = dpk::dataset::open_header(&path).unwrap();
    let plan = dpk::plan_header(&header, &profile(&[]), &ctx()).unwrap();
    let after = dpk::apply(&plan, header.file).unwrap_or_else(|e| panic!("refused: {e}"));
    let mut written = Vec::new();
    after.write_all(&mut written).unwrap();
    assert_eq!(
        value_at(&written, "0008,2218[0]/0008,0104").as_deref(),
        Some(padded(b"LO", bytes).as_slice())
    );
}

/// GBK and GB18030 decode the byte 80 as the euro sign, without complaint, and encode that
/// sign as A2 E3: the byte is kept as it was.
#[test]
fn a_gb18030_byte_that_decodes_to_another_code_is_kept() {
    kept_values_keep_their_bytes(b"GB18030", b"Model \x80 5", true);
}

/// A value dpk cleans (a description holding the patient's name) is written validly in the
/// declared character set even when its input bytes do not decode, and the name is still
/// found around the undecodable bytes.
#[test]
fn a_cleaned_description_with_undecodable_bytes_is_written_validly() {
    let nodes = ct(
        b"ISO_IR 192",
        vec![
            value(PATIENT_NAME, b"PN", b"FICTIVE^ALMA"),
            value(STUDY_DESCRIPTION, b"LO", b"CT \xe9 FICTIVE ALMA thorax"),
            value(MANUFACTURER, b"LO", b"Example \xff Scanners"),
        ],
    );
    let run = anonymize(&nodes, &["clean-descriptors"]).unwrap_or_else(|e| panic!("refused: {e}"));
    let description = value_at(&run.output, "0008,1030").expect("description written");
    let text = std::str::from_utf8(&description).expect("valid UTF-8, as declared");
    assert!(!text.contains("ALMA") && !text.contains("FICTIVE"), "{text:?}");
    assert!(!text.contains('\\'), "one value, as in the input: {text:?}");
    assert_kept(
        &run,
        &TagPath::root(MANUFACTURER),
        "0008,0070",
        b"LO",
        b"Example \xff Scanners",
    );
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
}

/// Applied to a file read without its input bytes (a data set already in memory), a kept
/// value that would be written changed is refused with a typed error naming it.
#[test]
fn a_kept_value_whose_bytes_are_unknown_is_refused() {
    let bytes = file(&ct(b"ISO_IR 192", vec![region(b"R\xe9gion")]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.dcm");
    std::fs::write(&path, &bytes).unwrap();
    let read = dpk::dataset::open(&path).unwrap();
    let plan = dpk::plan(&read, &profile(&[]), &ctx()).unwrap();
    match dpk::apply(&plan, read) {
        Err(Error::UndecodableText { path, charset }) => {
            assert_eq!(
                path,
                TagPath::root(ANATOMIC_REGION_SEQUENCE).child(0, CODE_MEANING)
            );
            assert_eq!(charset, "ISO_IR 192");
        }
        other => panic!("not refused: {:?}", other.map(|_| ())),
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

use proptest::prelude::*;

const CHARSETS: &[&[u8]] = &[b"ISO_IR 192", b"ISO_IR 100", b"ISO_IR 13", b"GB18030"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any bytes in a kept value, at the top level and in an item, text or decimal string,
    /// under each character set:
    /// written back exactly, or the file refused with a typed error, never changed silently.
    #[test]
    fn any_bytes_in_a_kept_value_come_back_or_are_refused(
        charset in prop::sample::select(CHARSETS),
        bytes in prop::collection::vec(prop_oneof![
            4 => 0x20u8..0x7f,
            4 => 0x80u8..=0xff,
            1 => Just(b'\\'),
        ], 0..40),
    ) {
        let nodes = ct(
            charset,
            vec![
                value(MANUFACTURER, b"LO", &bytes),
                value(SLICE_THICKNESS, b"DS", &bytes),
                region(&bytes),
            ],
        );
        match anonymize(&nodes, &[]) {
            Ok(run) => {
                prop_assert_eq!(value_at(&run.output, "0008,0070"), Some(padded(b"LO", &bytes)));
                prop_assert_eq!(value_at(&run.output, "0018,0050"), Some(padded(b"DS", &bytes)));
                prop_assert_eq!(value_at(&run.output, "0008,2218[0]/0008,0104"), Some(padded(b"LO", &bytes)));
            }
            Err(Error::UndecodableText { .. }) => {}
            Err(other) => prop_assert!(false, "refused otherwise: {}", other),
        }
    }
}

/// With the Clean Pixel Data Option, a small image (its pixel data read with the header) is
/// cleaned and its kept undecodable text still comes back as it was read.
#[test]
fn a_cleaned_small_image_keeps_its_undecodable_text() {
    let latin1 = b"Fabrik S\xFCd".as_slice();
    let us = |v: u16| v.to_le_bytes().to_vec();
    let pixels: Vec<u8> = (0..16u8).map(|i| 100 + i).collect();
    let nodes = ct(
        b"ISO_IR 192",
        vec![
            value(Tag(0x0008, 0x0016), b"UI", b"1.2.840.10008.5.1.4.1.1.6.1\0"),
            value(Tag(0x0008, 0x0060), b"CS", b"US"),
            value(MANUFACTURER, b"LO", latin1),
            value(Tag(0x0028, 0x0002), b"US", &us(1)),
            value(Tag(0x0028, 0x0004), b"CS", b"MONOCHROME2 "),
            value(Tag(0x0028, 0x0010), b"US", &us(4)),
            value(Tag(0x0028, 0x0011), b"US", &us(4)),
            value(Tag(0x0028, 0x0100), b"US", &us(8)),
            value(Tag(0x0028, 0x0101), b"US", &us(8)),
            value(Tag(0x0028, 0x0102), b"US", &us(7)),
            value(Tag(0x0028, 0x0103), b"US", &us(0)),
            value(Tag(0x7FE0, 0x0010), b"OB", &pixels),
        ],
    );
    let mut profile = Profile::extending("raw-text-pixels", "basic").with_option("clean-pixel-data");
    profile.pixel_rules.push(dpk::pixels::PixelRuleRon {
        name: "corner".into(),
        signature: dpk::pixels::DeviceSignature {
            modality: Some("US".into()),
            ..Default::default()
        },
        regions: vec![dpk::pixels::Region {
            x: 0,
            y: 0,
            width: 2,
            height: 1,
        }],
    });
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.dcm"), dir.path().join("out.dcm"));
    std::fs::write(&inp, file(&nodes)).unwrap();
    let plan = dpk::anonymize_file(&inp, &out, &profile.resolve().unwrap(), &ctx())
        .unwrap_or_else(|e| panic!("{e}"));
    let output = std::fs::read(&out).unwrap();
    assert_eq!(
        value_at(&output, "0008,0070").as_deref(),
        Some(padded(b"LO", latin1).as_slice())
    );
    let mut blanked = pixels.clone();
    blanked[0] = 0;
    blanked[1] = 0;
    assert_eq!(
        value_at(&output, "7FE0,0010").as_deref(),
        Some(blanked.as_slice())
    );
    assert_eq!(
        plan.entry(&TagPath::root(Tag(0x7FE0, 0x0010))).map(|c| c.kind),
        Some(ChangeKind::Replaced)
    );
}
