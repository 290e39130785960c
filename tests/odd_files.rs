//! Files other readers accept although they depart from the standard, and elements of VR UN,
//! each written as real bytes and de-identified by the `dpk` binary: the output must open,
//! have its UIDs remapped (never removed, its meta agreeing), its VRs as the dictionary gives
//! them, none of the identifying values of the input, and the departure told by name in the
//! run's notes and its JSON report.

#[path = "support/dciodvfy.rs"]
mod dciodvfy;
#[path = "support/odd_files.rs"]
#[allow(dead_code)]
mod odd_files;

use std::path::{Path, PathBuf};

use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject, OpenFileOptions};
use odd_files::*;

const SALT: &str = "odd-files-salt-0123456789abcdef";

struct Run {
    dir: tempfile::TempDir,
    code: i32,
    stderr: String,
}

/// `dpk anonymize in.dcm -o out/out.dcm --report report.json` on `input`.
fn anonymize(input: &[u8], args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.dcm"), input).unwrap();
    let out = assert_cmd::Command::cargo_bin("dpk")
        .unwrap()
        .current_dir(dir.path())
        .env("DPK_SALT", SALT)
        .args([
            "anonymize",
            "in.dcm",
            "-o",
            "out/out.dcm",
            "--report",
            "report.json",
        ])
        .args(args)
        .output()
        .unwrap();
    Run {
        dir,
        code: out.status.code().expect("dpk exits with a code"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Run {
    fn input(&self) -> PathBuf {
        self.dir.path().join("in.dcm")
    }

    fn output(&self) -> PathBuf {
        self.dir.path().join("out/out.dcm")
    }

    /// Exit 0, and the output as written (read by dicom-object alone, VRs as written).
    fn written(&self) -> DefaultDicomObject {
        assert_eq!(self.code, 0, "stderr:\n{}", self.stderr);
        OpenFileOptions::new()
            .open_file(self.output())
            .unwrap_or_else(|e| panic!("the output does not open: {e}"))
    }

    /// The notes of the JSON report's one file entry.
    fn report_notes(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.dir.path().join("report.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        json["files"][0]["notes"]
            .as_array()
            .map(|notes| notes.iter().map(|n| n.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    }

    /// `what` is told, naming the file, on the terminal and in the JSON report.
    fn assert_told(&self, what: &str) {
        assert!(
            self.stderr
                .lines()
                .any(|l| l.starts_with("dpk: note: in.dcm: ") && l.contains(what)),
            "{what:?} is not told on the terminal:\n{}",
            self.stderr
        );
        assert!(
            self.report_notes().iter().any(|n| n.contains(what)),
            "{what:?} is not in the report: {:?}",
            self.report_notes()
        );
    }

    /// The run's summary line and the JSON report's summary count the file as read with a
    /// fallback.
    fn assert_fallback_counted(&self) {
        assert!(
            self.stderr
                .lines()
                .any(|l| l.starts_with("dpk: 1 file done (1 read with a fallback: see the notes)")),
            "the summary does not count it:\n{}",
            self.stderr
        );
        let text = std::fs::read_to_string(self.dir.path().join("report.json")).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["summary"]["files_with_fallback"], 1);
    }

    /// No value of `needles` is anywhere in the output's bytes.
    fn assert_absent(&self, needles: &[&str]) {
        let bytes = std::fs::read(self.output()).unwrap();
        for needle in needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle:?} is in the output"
            );
        }
    }
}

fn text_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let v = obj.get(tag)?.to_str().ok()?;
    Some(v.trim_end_matches(['\0', ' ']).to_string())
}

fn valid_uid(uid: &str) -> bool {
    dpk::dataset::valid_uid(uid) && uid.contains('.')
}

/// The UIDs of the image were remapped, not removed; the meta follows the new SOP Instance
/// UID; the VRs are the dictionary's.
fn assert_uids_remapped(out: &DefaultDicomObject) {
    for (tag, old) in [
        (tags::SOP_INSTANCE_UID, SOP_INSTANCE),
        (tags::STUDY_INSTANCE_UID, STUDY),
        (tags::SERIES_INSTANCE_UID, SERIES),
    ] {
        let el = out.get(tag).unwrap_or_else(|| panic!("{tag} was removed"));
        assert_eq!(el.vr(), VR::UI, "{tag}");
        let new = text_of(out, tag).unwrap();
        assert!(valid_uid(&new) && new != old && new != "2.25.0", "{tag}: {new}");
    }
    let sop = text_of(out, tags::SOP_INSTANCE_UID).unwrap();
    let media = out.meta().media_storage_sop_instance_uid().to_string();
    assert_eq!(media, sop, "the meta's Media Storage SOP Instance UID");
    assert_ne!(media, "2.25.0");
    assert_eq!(out.meta().media_storage_sop_class_uid(), CT_IMAGE_STORAGE);
}

/// dciodvfy's error lines about `path`.
fn dciodvfy_errors(path: &Path) -> Vec<String> {
    dciodvfy::errors(path)
}

/// The output has no dciodvfy error that `reference` (the same image written plainly, as the
/// odd file would have been by a strict writer, de-identified the same way) does not have.
fn assert_no_new_dciodvfy_errors(run: &Run, reference: &[u8]) {
    let plain = anonymize(reference, &[]);
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let before = dciodvfy_errors(&plain.output());
    let after = dciodvfy_errors(&run.output());
    let new: Vec<&String> = after.iter().filter(|e| !before.contains(e)).collect();
    assert!(
        new.is_empty(),
        "dciodvfy errors the plain file's output has not: {new:?}"
    );
}

/// The output's pixel values are the ramp [`Ct`] writes, 0, 1, 2, … (whatever byte order the
/// file is in).
fn assert_same_pixels(out: &DefaultDicomObject, side: u16) {
    let pixels = out.get(tags::PIXEL_DATA).unwrap();
    let values: Vec<u16> = pixels.value().to_multi_int::<u16>().unwrap_or_else(|_| {
        let bytes = pixels.to_bytes().unwrap();
        bytes
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect()
    });
    let want: Vec<u16> = (0..side * side).collect();
    assert_eq!(values, want);
}

// ---------------------------------------------------------------------------------------------
// VR UN
// ---------------------------------------------------------------------------------------------

const UN_TAGS: [(u16, u16); 7] = [
    (0x0008, 0x0016),
    (0x0008, 0x0018),
    (0x0008, 0x0020),
    (0x0010, 0x0010),
    (0x0010, 0x0020),
    (0x0020, 0x000D),
    (0x0020, 0x000E),
];

/// Standard elements written as UN (in explicit VR little and big endian): read with the
/// dictionary's VR, de-identified by their tag (UIDs remapped, not removed; names gone), and
/// written with that VR.
#[test]
fn standard_elements_written_as_un_are_read_by_their_tag() {
    for enc in [Encoding::ExplicitLe, Encoding::ExplicitBe] {
        let input = Ct::new(enc).un(&UN_TAGS).file();
        // Binary values too: Number of Slices (US) and Frame Increment Pointer (AT) as UN,
        // their values little endian whatever the transfer syntax (PS3.5 6.2.2).
        let binary = Ct::new(enc)
            .with(
                (0x0054, 0x0081),
                element(enc, (0x0054, 0x0081), b"UN", &300u16.to_le_bytes()),
            )
            .with(
                (0x0028, 0x0009),
                element(enc, (0x0028, 0x0009), b"UN", &[0x18, 0x00, 0x63, 0x10]),
            )
            .file();
        let read = dpk::dataset::open(write_temp(&binary).path()).unwrap();
        let slices = read.get(Tag(0x0054, 0x0081)).unwrap();
        assert_eq!(
            (slices.vr(), slices.to_int::<u16>().unwrap()),
            (VR::US, 300),
            "{enc:?}"
        );
        let pointer = read.get(Tag(0x0028, 0x0009)).unwrap();
        assert_eq!(pointer.vr(), VR::AT, "{enc:?}");
        assert_eq!(pointer.value().to_tag().unwrap(), Tag(0x0018, 0x1063), "{enc:?}");
        let run = anonymize(&input, &[]);
        let out = run.written();
        assert_uids_remapped(&out);
        for (tag, vr) in [
            (tags::SOP_CLASS_UID, VR::UI),
            (tags::STUDY_DATE, VR::DA),
            (tags::PATIENT_NAME, VR::PN),
        ] {
            if let Some(el) = out.get(tag) {
                assert_eq!(el.vr(), vr, "{enc:?} {tag}");
            }
        }
        assert_eq!(
            text_of(&out, tags::SOP_CLASS_UID).as_deref(),
            Some(CT_IMAGE_STORAGE)
        );
        assert!(
            out.iter().all(|el| el.vr() != VR::UN),
            "{enc:?}: an element is still UN"
        );
        run.assert_absent(&[PATIENT_NAME, PATIENT_ID, SOP_INSTANCE, STUDY, SERIES]);
        run.assert_told("written with VR UN were read with the VR the data dictionary gives");
        assert_no_new_dciodvfy_errors(&run, &Ct::new(enc).file());
    }
}

/// `dpk score` and `dpk verify` see a UN element by its tag too: the patient's name written
/// as UN counts as the patient's name.
#[test]
fn score_and_verify_see_un_elements_by_their_tag() {
    let input = Ct::new(Encoding::ExplicitLe).un(&UN_TAGS).file();
    let run = anonymize(&input, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let header = dpk::dataset::open_header(run.input()).unwrap();
    let name = header.file.get(tags::PATIENT_NAME).unwrap();
    assert_eq!(name.vr(), VR::PN);
    assert_eq!(
        text_of(&header.file, tags::PATIENT_NAME).as_deref(),
        Some(PATIENT_NAME)
    );
    let score = assert_cmd::Command::cargo_bin("dpk")
        .unwrap()
        .current_dir(run.dir.path())
        .args(["score", "in.dcm"])
        .output()
        .unwrap();
    let findings = String::from_utf8_lossy(&score.stdout);
    for tag in ["(0010,0010)", "(0010,0020)"] {
        assert!(
            findings
                .lines()
                .any(|l| l.contains(tag) && l.contains("direct identifier")),
            "{findings}"
        );
    }
    let verify = assert_cmd::Command::cargo_bin("dpk")
        .unwrap()
        .current_dir(run.dir.path())
        .env("DPK_SALT", SALT)
        .args(["verify", "out/out.dcm"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}

/// A referenced-image item holding the image's own UIDs, implicit VR little endian.
fn referenced_item() -> Vec<u8> {
    let i = Encoding::ImplicitLe;
    let mut body = text_element(i, (0x0008, 0x1150), b"UI", CT_IMAGE_STORAGE);
    body.extend(text_element(i, (0x0008, 0x1155), b"UI", REFERENCED));
    implicit_item(&body)
}

/// A UN of undefined length (implicit VR items inside, PS3.5 6.2.2): read as the sequence it
/// is, its items de-identified (the referenced UIDs remapped), written as SQ; at the top level,
/// inside an item of defined length (whose length must still hold), in explicit VR little
/// and big endian, and a private one (read as a sequence, then removed by the profile).
#[test]
fn un_of_undefined_length_is_read_as_an_implicit_vr_sequence() {
    for enc in [Encoding::ExplicitLe, Encoding::ExplicitBe] {
        // (0008,1115) Referenced Series Sequence as UN, its item holding a Series Instance
        // UID and an implicit VR (0008,1199) Referenced SOP Sequence of undefined length.
        let i = Encoding::ImplicitLe;
        let mut nested = vec![0x08, 0x00, 0x99, 0x11, 0xFF, 0xFF, 0xFF, 0xFF];
        nested.extend(referenced_item());
        nested.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        let mut series = nested;
        series.extend(text_element(i, (0x0020, 0x000E), b"UI", REFERENCED));
        // (0008,1199) as UN of undefined length inside a defined-length item of a
        // defined-length (0040,A375) Current Requested Procedure Evidence Sequence.
        let mut evidence_item = text_element(enc, (0x0020, 0x000D), b"UI", STUDY);
        evidence_item.extend(un_undefined(enc, (0x0008, 0x1199), &[referenced_item()]));
        let private_item = implicit_item(&text_element(i, (0x0029, 0x1001), b"LO", PATIENT_ID));
        // (0008,1111) Referenced Performed Procedure Step Sequence as UN of defined length:
        // its value, an implicit VR item, read as a sequence too.
        let performed = element(enc, (0x0008, 0x1111), b"UN", &referenced_item());
        let input = Ct::new(enc)
            .un(&UN_TAGS)
            .with(
                (0x0008, 0x1115),
                un_undefined(enc, (0x0008, 0x1115), &[implicit_item(&series)]),
            )
            .with((0x0008, 0x1111), performed)
            .with(
                (0x0029, 0x0010),
                text_element(enc, (0x0029, 0x0010), b"LO", "FICTIVE PRIVATE"),
            )
            .with(
                (0x0029, 0x1001),
                un_undefined(enc, (0x0029, 0x1001), &[private_item]),
            )
            .with(
                (0x0040, 0xA375),
                defined_sequence(enc, (0x0040, 0xA375), &[evidence_item]),
            )
            .file();
        // Read by dpk: sequences, with their items.
        let read = dpk::dataset::open(write_temp(&input).path()).unwrap();
        let series = read.get(Tag(0x0008, 0x1115)).unwrap();
        assert_eq!(series.vr(), VR::SQ, "{enc:?}");
        let item = &series.items().unwrap()[0];
        assert_eq!(
            text_of(item, tags::SERIES_INSTANCE_UID).as_deref(),
            Some(REFERENCED)
        );
        assert_eq!(item.get(tags::SERIES_INSTANCE_UID).unwrap().vr(), VR::UI);
        let sops = item.get(Tag(0x0008, 0x1199)).unwrap();
        assert_eq!(sops.vr(), VR::SQ);
        assert_eq!(
            text_of(&sops.items().unwrap()[0], Tag(0x0008, 0x1155)).as_deref(),
            Some(REFERENCED)
        );
        assert_eq!(
            read.get(Tag(0x0029, 0x1001)).unwrap().vr(),
            VR::SQ,
            "{enc:?}: private"
        );
        let performed = read.get(Tag(0x0008, 0x1111)).unwrap();
        assert_eq!(performed.vr(), VR::SQ, "{enc:?}: defined length");
        assert_eq!(
            text_of(&performed.items().unwrap()[0], Tag(0x0008, 0x1155)).as_deref(),
            Some(REFERENCED)
        );
        let evidence = &read.get(Tag(0x0040, 0xA375)).unwrap().items().unwrap()[0];
        assert_eq!(
            text_of(evidence, tags::STUDY_INSTANCE_UID).as_deref(),
            Some(STUDY)
        );
        let sops = evidence.get(Tag(0x0008, 0x1199)).unwrap();
        assert_eq!(sops.vr(), VR::SQ);
        assert_eq!(
            text_of(&sops.items().unwrap()[0], Tag(0x0008, 0x1155)).as_deref(),
            Some(REFERENCED)
        );
        // De-identified: remapped everywhere, the same way.
        let run = anonymize(&input, &[]);
        let out = run.written();
        assert_uids_remapped(&out);
        let series = out
            .get(Tag(0x0008, 0x1115))
            .expect("Referenced Series Sequence kept");
        assert_eq!(series.vr(), VR::SQ);
        let item = &series.items().unwrap()[0];
        let new = text_of(item, tags::SERIES_INSTANCE_UID).unwrap();
        assert!(valid_uid(&new) && new != REFERENCED, "{new}");
        let sop = item
            .get(Tag(0x0008, 0x1199))
            .expect("Referenced SOP Sequence kept");
        let new_sop = text_of(&sop.items().unwrap()[0], Tag(0x0008, 0x1155)).unwrap();
        assert_eq!(new_sop, new, "one UID, one new UID");
        assert!(
            out.get(Tag(0x0029, 0x1001)).is_none(),
            "the private sequence is removed"
        );
        run.assert_absent(&[REFERENCED, PATIENT_ID, PATIENT_NAME, STUDY]);
    }
}

/// The value of a UN of undefined length was never walked with the file: nesting inside it
/// past the limit is refused as anywhere else, before anything recurses into it.
#[test]
fn a_sequence_of_un_nested_past_the_limit_is_not_decoded() {
    // Ten thousand levels of implicit VR sequences inside one UN of undefined length.
    let mut body = Vec::new();
    for _ in 0..10_000 {
        body.extend([0x08, 0x00, 0x15, 0x11, 0xFF, 0xFF, 0xFF, 0xFF]);
        body.extend([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    }
    let e = Encoding::ExplicitLe;
    let input = Ct::new(e)
        .with(
            (0x0008, 0x1110),
            un_undefined(e, (0x0008, 0x1110), &[implicit_item(&body)]),
        )
        .file();
    let run = anonymize(&input, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("nested deeper than"), "{}", run.stderr);
    assert!(!run.output().exists());
}

fn write_temp(bytes: &[u8]) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    file
}

// ---------------------------------------------------------------------------------------------
// File meta group
// ---------------------------------------------------------------------------------------------

/// No File Meta Information Group Length (0002,0000): read, told, written with one.
#[test]
fn a_meta_group_without_its_length_is_read_and_told() {
    for enc in [Encoding::ExplicitLe, Encoding::ImplicitLe] {
        let ct = Ct::new(enc);
        let mut input = meta(Some(enc.uid()), false);
        input.extend(ct.data_set());
        let run = anonymize(&input, &[]);
        let out = run.written();
        assert_uids_remapped(&out);
        assert_eq!(out.meta().transfer_syntax(), enc.uid());
        run.assert_told("read with a fallback: the file meta group has no group length (0002,0000)");
        run.assert_fallback_counted();
        run.assert_absent(&[PATIENT_NAME, PATIENT_ID]);
        assert_no_new_dciodvfy_errors(&run, &ct.file());
    }
}

/// The same in a deflated data set: the meta group is rebuilt, the data set inflated as
/// before.
#[test]
fn a_deflated_file_whose_meta_group_has_no_length_is_read_and_told() {
    use std::io::Write;
    let ct = Ct::new(Encoding::ExplicitLe);
    let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflater.write_all(&ct.data_set()).unwrap();
    let mut input = meta(Some("1.2.840.10008.1.2.1.99"), false);
    input.extend(deflater.finish().unwrap());
    let run = anonymize(&input, &[]);
    let out = run.written();
    assert_uids_remapped(&out);
    assert_eq!(out.meta().transfer_syntax(), "1.2.840.10008.1.2.1.99");
    run.assert_told("read with a fallback: the file meta group has no group length (0002,0000)");
    run.assert_absent(&[PATIENT_NAME, PATIENT_ID]);
}

/// No Transfer Syntax UID: the data set's encoding is told from its first element (explicit
/// VR little or big endian, or implicit VR little endian), and the output says it.
#[test]
fn a_meta_group_without_a_transfer_syntax_is_read_by_the_data_sets_bytes() {
    for enc in [Encoding::ExplicitLe, Encoding::ExplicitBe, Encoding::ImplicitLe] {
        // Small pixel data (read with the header) and large (copied from the input).
        for (side, group_length) in [(2, true), (2, false), (64, true)] {
            let mut ct = Ct::new(enc);
            ct.rows = side;
            ct.columns = side;
            let mut input = meta(None, group_length);
            input.extend(ct.data_set());
            let run = anonymize(&input, &[]);
            let out = run.written();
            assert_uids_remapped(&out);
            assert_eq!(out.meta().transfer_syntax(), enc.uid(), "{enc:?}");
            assert_eq!(
                out.get(tags::ROWS).unwrap().to_int::<u16>().unwrap(),
                side,
                "{enc:?}"
            );
            assert_same_pixels(&out, side);
            run.assert_told("read with a fallback: the file meta group has no Transfer Syntax UID");
            run.assert_fallback_counted();
            run.assert_absent(&[PATIENT_NAME, PATIENT_ID]);
            assert_no_new_dciodvfy_errors(&run, &ct.file());
        }
    }
}

/// A transfer syntax that says explicit VR over a data set encoded implicit VR: read as
/// implicit VR little endian, told, and written so (the meta agreeing).
#[test]
fn an_explicit_syntax_over_an_implicit_data_set_is_read_as_implicit() {
    for (declared, side) in [
        (Encoding::ExplicitLe, 2),
        (Encoding::ExplicitBe, 2),
        (Encoding::ExplicitLe, 64),
    ] {
        let mut ct = Ct::new(Encoding::ImplicitLe);
        ct.rows = side;
        ct.columns = side;
        let mut input = meta(Some(declared.uid()), true);
        input.extend(ct.data_set());
        let run = anonymize(&input, &[]);
        let out = run.written();
        assert_uids_remapped(&out);
        assert_eq!(out.meta().transfer_syntax(), Encoding::ImplicitLe.uid());
        assert_eq!(out.get(tags::COLUMNS).unwrap().to_int::<u16>().unwrap(), side);
        assert_same_pixels(&out, side);
        assert_eq!(out.get(tags::PATIENT_NAME).map(|e| e.vr()), Some(VR::PN));
        run.assert_told("says explicit VR, but the data set is encoded implicit VR little endian");
        run.assert_fallback_counted();
        run.assert_absent(&[PATIENT_NAME, PATIENT_ID]);
        assert_no_new_dciodvfy_errors(&run, &ct.file());
    }
}

// ---------------------------------------------------------------------------------------------
// A tag given twice
// ---------------------------------------------------------------------------------------------

/// A tag given twice in the data set and in an item: read, one occurrence written, processed
/// by its rule, no value of any occurrence left; told.
#[test]
fn a_tag_given_twice_is_read_and_no_occurrence_survives() {
    let e = Encoding::ExplicitLe;
    let mut item = text_element(e, (0x0008, 0x1150), b"UI", CT_IMAGE_STORAGE);
    item.extend(text_element(e, (0x0008, 0x1155), b"UI", REFERENCED));
    item.extend(text_element(
        e,
        (0x0008, 0x1155),
        b"UI",
        "2.25.99887766554433221100",
    ));
    let ct = Ct::new(e)
        .with(
            (0x0010, 0x0010),
            text_element(e, (0x0010, 0x0010), b"PN", "SECOND^FICTIVE"),
        )
        .with(
            (0x0010, 0x0020),
            text_element(e, (0x0010, 0x0020), b"LO", "PID-SECOND"),
        )
        .with(
            (0x0020, 0x000D),
            text_element(e, (0x0020, 0x000D), b"UI", "2.25.77665544332211"),
        )
        .with((0x0008, 0x1140), defined_sequence(e, (0x0008, 0x1140), &[item]));
    let run = anonymize(&ct.file(), &[]);
    let out = run.written();
    assert_uids_remapped(&out);
    let bytes = std::fs::read(run.output()).unwrap();
    // One Patient ID, one Study Instance UID element in the output's bytes.
    let count = |tag: [u8; 4]| bytes.windows(4).filter(|w| *w == tag).count();
    assert_eq!(count([0x10, 0x00, 0x20, 0x00]), 1);
    assert_eq!(count([0x20, 0x00, 0x0D, 0x00]), 1);
    run.assert_absent(&[
        PATIENT_NAME,
        "SECOND^FICTIVE",
        PATIENT_ID,
        "PID-SECOND",
        "2.25.77665544332211",
        REFERENCED,
        "2.25.99887766554433221100",
    ]);
    run.assert_told("read with a fallback: elements given more than once in one data set or item: (0008,1155), (0010,0010), (0010,0020), (0020,000D)");
    run.assert_fallback_counted();
    // The name not kept is still looked for in free text: a description naming the patient
    // by it is cleaned with clean-descriptors.
    let described = ct.with(
        (0x0008, 0x1030),
        text_element(e, (0x0008, 0x1030), b"LO", "Follow-up of Alma"),
    );
    let run = anonymize(&described.file(), &["--option", "clean-descriptors"]);
    let out = run.written();
    let description = text_of(&out, tags::STUDY_DESCRIPTION).unwrap_or_default();
    assert!(!description.contains("Alma"), "{description}");
    run.assert_absent(&["Alma", "ALMA", "SECOND^FICTIVE", "PID-40417", "PID-SECOND"]);
    run.assert_told("the values of the other occurrences of (0010,0010), (0010,0020) differ");
}

/// `--report` alone (text) lists the notes under the file.
#[test]
fn the_text_report_lists_the_notes() {
    let mut input = meta(Some(Encoding::ExplicitLe.uid()), false);
    input.extend(Ct::new(Encoding::ExplicitLe).data_set());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.dcm"), input).unwrap();
    let out = assert_cmd::Command::cargo_bin("dpk")
        .unwrap()
        .current_dir(dir.path())
        .env("DPK_SALT", SALT)
        .args(["anonymize", "in.dcm", "-o", "out.dcm", "--report"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut lines = stdout.lines();
    assert!(
        lines.next().is_some_and(|l| l.starts_with("in.dcm → out.dcm")),
        "{stdout}"
    );
    assert!(
        lines.next().is_some_and(
            |l| l.starts_with("  note: read with a fallback: the file meta group has no group length")
        ),
        "{stdout}"
    );
}

/// A private creator given twice with different values: which block its elements belong to
/// cannot be known, so none is kept as a known creator's, even with retain-safe-private.
#[test]
fn a_private_creator_given_twice_keeps_nothing_of_its_block() {
    let e = Encoding::ExplicitLe;
    let ct = Ct::new(e)
        .with(
            (0x0019, 0x0010),
            text_element(e, (0x0019, 0x0010), b"LO", "FICTIVE_PHI_01"),
        )
        .with(
            (0x0019, 0x0010),
            text_element(e, (0x0019, 0x0010), b"LO", "GEMS_ACQU_01"),
        )
        .with(
            (0x0019, 0x1023),
            text_element(e, (0x0019, 0x1023), b"DS", "19610804"),
        );
    let run = anonymize(&ct.file(), &["--option", "retain-safe-private"]);
    let out = run.written();
    assert!(
        out.iter().all(|el| el.header().tag.group() != 0x0019),
        "a private element was kept"
    );
    run.assert_absent(&["19610804", "FICTIVE_PHI_01"]);
    run.assert_told("private creators given twice with different values: (0019,0010)");
}

// ---------------------------------------------------------------------------------------------
// Pixel data cut short
// ---------------------------------------------------------------------------------------------

/// Pixel data cut short by the end of the file, its declared length the one the image
/// attributes call for: written at that length, the missing bytes zeros (the output stays
/// valid DICOM, its pixel data agreeing with rows, columns and bits), and told. Small (read
/// with the header) and large (copied from the input).
#[test]
fn pixel_data_cut_short_is_padded_to_its_declared_length_and_told() {
    for side in [2u16, 64] {
        let mut ct = Ct::new(Encoding::ExplicitLe);
        ct.rows = side;
        ct.columns = side;
        let whole = ct.file();
        let declared = usize::from(side) * usize::from(side) * 2;
        let cut = declared / 2 + 1;
        let input = &whole[..whole.len() - (declared - cut)];
        let run = anonymize(input, &[]);
        let out = run.written();
        assert_uids_remapped(&out);
        let pixels = out
            .get(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .into_owned();
        assert_eq!(pixels.len(), declared, "{side}");
        let original = &whole[whole.len() - declared..];
        assert_eq!(
            &pixels[..cut],
            &original[..cut],
            "{side}: the bytes there are kept"
        );
        assert!(pixels[cut..].iter().all(|b| *b == 0), "{side}: the rest is zeros");
        run.assert_told("the missing");
        run.assert_told(&format!("declares {declared} bytes"));
        run.assert_fallback_counted();
        assert_no_new_dciodvfy_errors(&run, &whole);
        // A resumed run does not take the cut input for a whole output.
        assert!(!dpk::dataset::is_complete(run.input()));
        assert!(dpk::dataset::is_complete(run.output()));
    }
}

/// A length the image attributes do not vouch for is refused as before, without reserving
/// what it claims: pixel data claiming 4 GB in a small file. So is one they vouch for that
/// lacks more bytes than the file holds (a 40,000 × 50,000 image in a file of a few
/// hundred bytes).
#[test]
fn pixel_data_claiming_more_than_the_image_or_the_file_holds_is_refused() {
    let whole = Ct::new(Encoding::ExplicitLe).file();
    let mut input = whole[..whole.len() - 8].to_vec();
    let at = input.len() - 4;
    input[at..].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let huge = {
        let mut ct = Ct::new(Encoding::ExplicitLe);
        ct.rows = 40_000;
        ct.columns = 50_000;
        ct.pixels = Some(vec![0; 4]);
        let mut bytes = ct.file();
        let at = bytes.len() - 8;
        bytes[at..at + 4].copy_from_slice(&4_000_000_000u32.to_le_bytes());
        bytes
    };
    for input in [input, huge] {
        let run = anonymize(&input, &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("(7FE0,0010)") && run.stderr.contains("claims"),
            "{}",
            run.stderr
        );
        assert!(!run.output().exists());
    }
}

/// A tag the dictionary gives US or SS: read by Pixel Representation (SS when 1, US when 0),
/// kept UN when there is none. A private element stays UN, its creator (LO by definition)
/// is read as LO. A value too long for its VR's 16-bit explicit length stays UN (PS3.5
/// 6.2.2), and is written.
#[test]
fn un_elements_get_the_vr_their_context_gives_or_stay_un() {
    let e = Encoding::ExplicitLe;
    let smallest = (0x0028, 0x0106);
    let minus_five = (-5i16).to_le_bytes().to_vec();
    for (representation, vr) in [(Some(1u16), VR::SS), (Some(0), VR::US), (None, VR::UN)] {
        let mut ct = Ct::new(e).with(smallest, element(e, smallest, b"UN", &minus_five));
        ct = ct
            .with(
                (0x0029, 0x0010),
                element(e, (0x0029, 0x0010), b"UN", &text(b"LO", "FICTIVE PRIVATE")),
            )
            .with((0x0029, 0x1001), element(e, (0x0029, 0x1001), b"UN", b"ABCD"))
            .with(
                (0x0008, 0x1030),
                element(e, (0x0008, 0x1030), b"UN", &vec![b'a'; 70_000]),
            );
        let mut input = ct.file();
        // Pixel Representation: set to the case's value, or left out.
        let at = input
            .windows(6)
            .position(|w| w == [0x28, 0x00, 0x03, 0x01, b'U', b'S'])
            .unwrap();
        match representation {
            Some(v) => input[at + 8..at + 10].copy_from_slice(&v.to_le_bytes()),
            None => {
                input.drain(at..at + 10);
            }
        }
        let read = dpk::dataset::open(write_temp(&input).path()).unwrap();
        let el = read.get(Tag(0x0028, 0x0106)).unwrap();
        assert_eq!(el.vr(), vr, "{representation:?}");
        if vr == VR::SS {
            assert_eq!(el.to_int::<i16>().unwrap(), -5);
        }
        assert_eq!(read.get(Tag(0x0029, 0x0010)).unwrap().vr(), VR::LO);
        assert_eq!(
            text_of(&read, Tag(0x0029, 0x0010)).as_deref(),
            Some("FICTIVE PRIVATE")
        );
        assert_eq!(read.get(Tag(0x0029, 0x1001)).unwrap().vr(), VR::UN);
        assert_eq!(read.get(tags::STUDY_DESCRIPTION).unwrap().vr(), VR::UN);
        let run = anonymize(&input, &[]);
        let out = run.written();
        assert_uids_remapped(&out);
        if let Some(el) = out.get(Tag(0x0028, 0x0106)) {
            assert_eq!(el.vr(), vr);
        }
    }
}

#[test]
fn a_marker_with_nothing_after_it_is_not_read_leniently() {
    // What the lenient reading must not take for a file without its meta group: a file cut
    // right after its marker, with a preamble or without.
    let dir = tempfile::tempdir().unwrap();
    let mut with_preamble = vec![0u8; 128];
    with_preamble.extend_from_slice(b"DICM");
    for (name, bytes) in [("preamble.dcm", with_preamble), ("bare.dcm", b"DICM".to_vec())] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let err = dpk::dataset::open_header(&path)
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(err.contains("nothing after the DICM marker"), "{name}: {err}");
        let run = anonymize(&bytes, &[]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert!(!run.output().exists(), "{name}");
        assert!(
            run.stderr.contains("nothing after the DICM marker"),
            "{name}: {}",
            run.stderr
        );
    }
}
