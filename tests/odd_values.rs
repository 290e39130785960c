//! Values and structures that break a reader's assumptions, each written as real bytes: a data
//! set encoded element by element in Explicit VR Little Endian behind a real file meta group.
//!
//! For each, the outcome a de-identification tool owes: a refusal that names the file and
//! what is wrong (exit 1 from `dpk`, no output, nothing left behind), or, where accepting is
//! right, an output that opens and holds none of the identifying values of the input.
//! Never a panic, never a half-written output, never a silent leak.

#[path = "support/fixtures_gen.rs"]
#[allow(dead_code)]
mod fixtures_gen;

use std::path::{Path, PathBuf};

use dicom_core::Tag;
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dpk::dataset::{self, DicomFile, TagPath};
use dpk::diff::ChangeKind;
use dpk::{Action, Context, Profile, ResolvedProfile, Salt};

const SALT: &str = "odd-values-salt-0123456789";
const SOP_INSTANCE: &str = "2.25.301562145071288151313298745632014223187";
const STUDY: &str = "2.25.301562145071288151313298745632014223188";
const SERIES: &str = "2.25.301562145071288151313298745632014223189";

// ---------------------------------------------------------------------------------------------
// Writing odd files
// ---------------------------------------------------------------------------------------------

/// A data set written element by element in Explicit VR Little Endian, lengths and padding
/// exactly as given, sorted by tag when written (stably: a tag given twice stays twice).
#[derive(Clone, Default)]
struct Raw(Vec<(Tag, Vec<u8>)>);

fn long_vr(vr: &[u8; 2]) -> bool {
    matches!(
        vr,
        b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"SV" | b"UC" | b"UN" | b"UR" | b"UT" | b"UV"
    )
}

impl Raw {
    /// Adds an element with exactly these value bytes (odd lengths included).
    fn push(mut self, tag: Tag, vr: &[u8; 2], value: &[u8]) -> Self {
        let mut b = Vec::new();
        b.extend(tag.group().to_le_bytes());
        b.extend(tag.element().to_le_bytes());
        b.extend(vr);
        if long_vr(vr) {
            b.extend([0, 0]);
            b.extend((value.len() as u32).to_le_bytes());
        } else {
            b.extend((value.len() as u16).to_le_bytes());
        }
        b.extend(value);
        self.0.push((tag, b));
        self
    }

    /// Sets an element to exactly these value bytes, in place of any it had.
    fn put(self, tag: Tag, vr: &[u8; 2], value: &[u8]) -> Self {
        self.without(tag).push(tag, vr, value)
    }

    /// Sets an element to a text value, padded to even length (UI with NUL, others with space).
    fn set(self, tag: Tag, vr: &[u8; 2], text: &str) -> Self {
        let mut value = text.as_bytes().to_vec();
        if value.len() % 2 == 1 {
            value.push(if vr == b"UI" { 0 } else { b' ' });
        }
        self.put(tag, vr, &value)
    }

    /// Adds a sequence of defined length with these items.
    fn sequence(self, tag: Tag, items: &[Raw]) -> Self {
        let mut value = Vec::new();
        for item in items {
            let bytes = item.bytes();
            value.extend([0xFE, 0xFF, 0x00, 0xE0]);
            value.extend((bytes.len() as u32).to_le_bytes());
            value.extend(bytes);
        }
        self.put(tag, b"SQ", &value)
    }

    fn without(mut self, tag: Tag) -> Self {
        self.0.retain(|(t, _)| *t != tag);
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut elements = self.0.clone();
        elements.sort_by_key(|(t, _)| *t);
        elements.into_iter().flat_map(|(_, b)| b).collect()
    }
}

/// A CT header of an invented patient, Quist^Hedda, ID PID-7731, born 1961-08-04.
fn ct() -> Raw {
    Raw::default()
        .set(tags::SOP_CLASS_UID, b"UI", uids::CT_IMAGE_STORAGE)
        .set(tags::SOP_INSTANCE_UID, b"UI", SOP_INSTANCE)
        .set(tags::STUDY_DATE, b"DA", "20230517")
        .set(tags::MODALITY, b"CS", "CT")
        .set(tags::STUDY_DESCRIPTION, b"LO", "CT chest")
        .set(tags::PATIENT_NAME, b"PN", "Quist^Hedda")
        .set(tags::PATIENT_ID, b"LO", "PID-7731")
        .set(tags::PATIENT_BIRTH_DATE, b"DA", "19610804")
        .set(tags::SLICE_THICKNESS, b"DS", "1.5")
        .set(tags::STUDY_INSTANCE_UID, b"UI", STUDY)
        .set(tags::SERIES_INSTANCE_UID, b"UI", SERIES)
}

/// The CT header in a character set, with the patient's name and a description that repeats
/// it given as bytes.
fn named(charset: &str, name: &[u8], description: &[u8]) -> Raw {
    ct().set(tags::SPECIFIC_CHARACTER_SET, b"CS", charset)
        .put(tags::PATIENT_NAME, b"PN", name)
        .put(tags::STUDY_DESCRIPTION, b"LO", description)
}

/// "DICM" and the file meta group of an Explicit VR Little Endian CT file, which names its
/// sending site.
fn meta(sop_instance: &str) -> Vec<u8> {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(uids::CT_IMAGE_STORAGE)
        .media_storage_sop_instance_uid(sop_instance)
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .implementation_class_uid("2.25.183944402839184126406418733311090413568")
        .implementation_version_name("DPK_ODD_1")
        .source_application_entity_title("NORDSTADT_CT")
        .build()
        .unwrap();
    let mut out = b"DICM".to_vec();
    meta.write(&mut out).unwrap();
    out
}

/// A whole file: a preamble of zeros, the meta group, the data set.
fn file(data: &Raw) -> Vec<u8> {
    file_with_meta(data, SOP_INSTANCE)
}

fn file_with_meta(data: &Raw, sop_instance: &str) -> Vec<u8> {
    let mut out = vec![0u8; 128];
    out.extend(meta(sop_instance));
    out.extend(data.bytes());
    out
}

/// Where the meta group's length value is: after the preamble, "DICM" and its 8-byte header.
const GROUP_LENGTH_AT: usize = 128 + 4 + 8;

fn group_length(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[GROUP_LENGTH_AT..GROUP_LENGTH_AT + 4].try_into().unwrap())
}

fn set_group_length(bytes: &mut [u8], value: u32) {
    bytes[GROUP_LENGTH_AT..GROUP_LENGTH_AT + 4].copy_from_slice(&value.to_le_bytes());
}

// ---------------------------------------------------------------------------------------------
// Running dpk
// ---------------------------------------------------------------------------------------------

fn profile(options: &[&str], rules: &[(&str, Action)]) -> ResolvedProfile {
    let mut p = Profile::extending("odd", "basic");
    for o in options {
        p = p.with_option(o);
    }
    for (selector, action) in rules {
        p = p.with_rule(selector.parse().unwrap(), *action);
    }
    p.resolve().unwrap()
}

fn basic() -> ResolvedProfile {
    profile(&[], &[])
}

fn ctx() -> Context {
    Context::new(Salt::new(SALT.as_bytes().to_vec()).unwrap())
}

/// What the library made of one input: the plan, the output read back and its bytes.
struct Accepted {
    plan: dpk::Plan,
    output: DicomFile,
    bytes: Vec<u8>,
}

/// Anonymizes `bytes` with the library, which must accept them; the output must open again.
fn accepted(input: &[u8], profile: &ResolvedProfile) -> Accepted {
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.dcm"), dir.path().join("out.dcm"));
    std::fs::write(&inp, input).unwrap();
    let plan = dpk::anonymize_file(&inp, &out, profile, &ctx()).unwrap_or_else(|e| panic!("refused: {e}"));
    let output = dataset::open(&out).unwrap_or_else(|e| panic!("the output does not open: {e}"));
    dicom_object::open_file(&out).unwrap_or_else(|e| panic!("dicom-object cannot open the output: {e}"));
    Accepted {
        plan,
        output,
        bytes: std::fs::read(&out).unwrap(),
    }
}

impl Accepted {
    fn text(&self, tag: Tag) -> Option<String> {
        dataset::text_of(&self.output, tag)
    }

    fn kind(&self, tag: Tag) -> Option<ChangeKind> {
        self.plan.entry(&TagPath::root(tag)).map(|c| c.kind)
    }

    /// Patient's Name, which must be a keyed hash: 32 hexadecimal digits.
    fn hashed_name(&self) -> String {
        let hash = self.text(tags::PATIENT_NAME).unwrap_or_default();
        assert!(
            hash.len() == 32 && hash.bytes().all(|c| c.is_ascii_hexdigit()),
            "{hash:?}"
        );
        hash
    }

    /// None of `needles` occurs anywhere in the output's bytes.
    fn assert_absent(&self, needles: &[&[u8]]) {
        for needle in needles {
            assert!(
                !contains(&self.bytes, needle),
                "{:?} is in the output",
                String::from_utf8_lossy(needle)
            );
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// One run of `dpk anonymize in.dcm -o out/out.dcm` in a fresh folder.
struct Program {
    dir: tempfile::TempDir,
    code: i32,
    stderr: String,
}

fn program(input: &[u8], args: &[&str]) -> Program {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("in.dcm"), input).unwrap();
    let out = assert_cmd::Command::cargo_bin("dpk")
        .unwrap()
        .current_dir(dir.path())
        .env("DPK_SALT", SALT)
        .args(["anonymize", "in.dcm", "-o", "out/out.dcm"])
        .args(args)
        .output()
        .unwrap();
    Program {
        dir,
        code: out.status.code().expect("dpk exits with a code"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

impl Program {
    fn output(&self) -> PathBuf {
        self.dir.path().join("out/out.dcm")
    }

    /// Exit 1, an error that names the file and says each of `what`, and nothing written.
    fn assert_refused(&self, what: &[&str]) {
        assert_eq!(self.code, 1, "stderr:\n{}", self.stderr);
        let line = self
            .stderr
            .lines()
            .find(|l| l.contains("in.dcm"))
            .unwrap_or_else(|| panic!("the file is not named:\n{}", self.stderr));
        for w in what {
            assert!(line.contains(w), "{w:?} is not said: {line}");
        }
        assert!(!self.output().exists(), "an output was written");
        assert_eq!(files_under(self.dir.path()), vec!["in.dcm".to_string()]);
    }
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// Character sets
// ---------------------------------------------------------------------------------------------

/// Non-ASCII bytes in values the reader decodes in the declared character set and the encoder
/// writes in the default repertoire (UI, DA, DS, DT, IS, TM). No valid file has them; damaged
/// ones do. What the profile keeps is written back as it was read: in UTF-8 the re-encoding
/// changed the bytes, with letters past Latin-1 (Cyrillic, CJK) it refused the file.
#[test]
fn kept_values_with_bytes_outside_their_repertoire_are_written_back_as_read() {
    let cases: [(&str, &[u8]); 3] = [
        ("ISO_IR 192", b"1\xc3\x89 "),
        ("ISO_IR 192", b"\xe4\xb8\xad\xe5\xbf\x83"),
        ("ISO_IR 144", b"5\xd0"),
    ];
    for (charset, value) in cases {
        let raw = ct()
            .set(tags::SPECIFIC_CHARACTER_SET, b"CS", charset)
            .put(tags::SLICE_THICKNESS, b"DS", value)
            .put(tags::INSTANCE_NUMBER, b"IS", value);
        let out = accepted(&file(&raw), &basic());
        for (tag, vr) in [(tags::SLICE_THICKNESS, b"DS"), (tags::INSTANCE_NUMBER, b"IS")] {
            let element = Raw::default().put(tag, vr, value).bytes();
            assert!(
                contains(&out.bytes, &element),
                "{charset}: {tag} {value:?} was not written as read"
            );
        }
    }
}

/// An unknown Specific Character Set: the text is read the same way everywhere in the file,
/// so a name is still found wherever it is written, and removed.
#[test]
fn an_unknown_character_set_is_read_and_the_names_still_go() {
    let data = named("ISO_IR 999", b"Qu\xEFst^Hedda ", b"CT for Qu\xEFst").push(
        tags::OTHER_PATIENT_NAMES,
        b"PN",
        b"Qu\xEFst^Hedda^M ",
    );
    let out = accepted(&file(&data), &profile(&["clean-descriptors"], &[]));
    assert_eq!(out.text(tags::PATIENT_NAME), None, "Patient's Name is emptied");
    assert_eq!(out.kind(tags::OTHER_PATIENT_NAMES), Some(ChangeKind::Removed));
    let description = out.text(tags::STUDY_DESCRIPTION).unwrap_or_default();
    assert!(description.starts_with("CT for ***"), "{description:?}");
    out.assert_absent(&[b"Qu\xEFst", b"Hedda"]);
}

/// Bytes that are not UTF-8 in a name under ISO_IR 192: read with replacement characters,
/// the same way in the name and in the free text that repeats it, so both are removed; a
/// hash of the name is a valid hash, the same on every run.
#[test]
fn invalid_utf8_in_a_person_name_is_still_removed_or_hashed() {
    let data = named(
        "ISO_IR 192",
        b"Qu\xC3\x28st^He\xFFdda ",
        b"CT for Qu\xC3\x28st and He\xFFdda ",
    );
    let bytes = file(&data);

    let cleaned = accepted(&bytes, &profile(&["clean-descriptors"], &[]));
    assert_eq!(cleaned.text(tags::PATIENT_NAME), None);
    assert_eq!(
        cleaned.text(tags::STUDY_DESCRIPTION).as_deref(),
        Some("CT for *** and ***")
    );
    cleaned.assert_absent(&[b"Qu\xC3\x28st", b"He\xFFdda", b"dda"]);

    let hashing = profile(&[], &[("PatientName", Action::Hash)]);
    let (a, b) = (accepted(&bytes, &hashing), accepted(&bytes, &hashing));
    let hash = a.hashed_name();
    assert_eq!(
        Some(hash),
        b.text(tags::PATIENT_NAME),
        "the hash differs between runs"
    );
    a.assert_absent(&[b"Qu\xC3\x28st", b"He\xFFdda"]);
}

// ---------------------------------------------------------------------------------------------
// Person names out of shape
// ---------------------------------------------------------------------------------------------

/// PN allows three component groups of five components; a name with more is still a name.
/// Every component that is not a prefix or suffix is cleaned from free text, the extra ones
/// included, and the name itself is emptied or hashed.
#[test]
fn person_names_with_too_many_groups_or_components_are_still_removed() {
    let name = "Quist^Hedda^Marit^Dr^PhD^Vangen^Lund=クイスト^ヘッダ=kuisuto^hedda=Fourth^Grouping";
    let data = ct()
        .set(tags::SPECIFIC_CHARACTER_SET, b"CS", "ISO_IR 192")
        .set(tags::PATIENT_NAME, b"PN", name)
        .set(
            tags::OTHER_PATIENT_NAMES,
            b"PN",
            "Quist^Hedda\\Vangen^Hedda^^^^Lund",
        )
        .set(tags::REFERRING_PHYSICIAN_NAME, b"PN", "Lind^Ola^^^^Extraname")
        .set(
            tags::STUDY_DESCRIPTION,
            b"LO",
            "CT for Vangen Lund Grouping; ref. Extraname, Dr PhD",
        );
    let bytes = file(&data);

    let out = accepted(&bytes, &profile(&["clean-descriptors"], &[]));
    assert_eq!(out.text(tags::PATIENT_NAME), None);
    assert_eq!(out.kind(tags::OTHER_PATIENT_NAMES), Some(ChangeKind::Removed));
    assert_eq!(
        out.text(tags::STUDY_DESCRIPTION).as_deref(),
        Some("CT for *** *** ***; ref. ***, Dr PhD"),
        "prefixes and suffixes stay, every other component goes"
    );
    out.assert_absent(&[
        b"Quist",
        b"Vangen",
        b"Lund",
        b"Grouping",
        b"Extraname",
        "クイスト".as_bytes(),
    ]);

    accepted(&bytes, &profile(&[], &[("PatientName", Action::Hash)])).hashed_name();
}

// ---------------------------------------------------------------------------------------------
// Dates that are not dates
// ---------------------------------------------------------------------------------------------

/// A date shift cannot move what is not a date: the value is emptied (never kept) and the plan
/// says why. A dummy replaces whatever was there. A real date next to them is shifted.
#[test]
fn dates_that_are_not_dates_are_emptied_by_a_shift_and_replaced_by_a_dummy() {
    // (keyword, VR, value): each shifted by the profile.
    let not_dates = [
        ("StudyDate", b"DA", "20231399"),
        ("SeriesDate", b"DA", "hello"),
        ("ContentDate", b"DA", "20230230"),
        ("AcquisitionDate", b"DA", "20230517\\2023-05-17"),
        ("AcquisitionDateTime", b"DT", "2023139912"),
    ];
    let tag = |keyword: &str| dataset::tag_of_keyword(keyword).unwrap();
    let data = not_dates
        .iter()
        .fold(ct(), |d, (k, vr, v)| d.set(tag(k), vr, v))
        .set(tags::INSTANCE_CREATION_DATE, b"DA", "20230517")
        .set(tags::PATIENT_BIRTH_DATE, b"DA", "hello");
    let mut rules: Vec<(&str, Action)> = not_dates.iter().map(|(k, ..)| (*k, Action::ShiftDate)).collect();
    rules.push(("InstanceCreationDate", Action::ShiftDate));
    rules.push(("PatientBirthDate", Action::Dummy));
    let bytes = file(&data);
    let out = accepted(&bytes, &profile(&[], &rules));

    for (keyword, vr, value) in not_dates {
        let entry = out.plan.entry(&TagPath::root(tag(keyword))).unwrap();
        assert_eq!(entry.kind, ChangeKind::Emptied, "{keyword}");
        let note = entry
            .decision
            .as_ref()
            .and_then(|d| d.note.clone())
            .unwrap_or_default();
        let vr = String::from_utf8_lossy(vr);
        assert!(note.contains(&format!("not a valid {vr}")), "{keyword}: {note:?}");
        assert_eq!(out.text(tag(keyword)), None, "{keyword} keeps a value");
        for v in value.split('\\') {
            out.assert_absent(&[v.as_bytes()]);
        }
    }
    let shifted = out.text(tags::INSTANCE_CREATION_DATE).unwrap_or_default();
    assert!(
        shifted != "20230517" && dpk::engine::dates::is_valid_da(&shifted),
        "{shifted:?}"
    );
    assert_eq!(out.text(tags::PATIENT_BIRTH_DATE).as_deref(), Some("20000101"));
    out.assert_absent(&[b"hello", b"20230517"]);
    // The same through the program, with the defaults: dates are emptied, the run succeeds.
    let run = program(&bytes, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// UIDs that are not UIDs
// ---------------------------------------------------------------------------------------------

/// A new UID is derived from whatever text stood in the element, so values that are not UIDs
/// get valid new UIDs, consistently: a reference to the instance still points at it, and the
/// file meta group follows.
#[test]
fn values_that_are_not_uids_get_valid_new_uids() {
    let long = format!("1.2.826.0.1.3680043.10.543.{}", "1234567890.".repeat(4));
    let not_uids = ["not-a-uid", "1.2.03.4.", long.trim_end_matches('.'), "1.2.3 4"];
    let data = ct()
        .set(tags::SOP_INSTANCE_UID, b"UI", not_uids[0])
        .set(tags::STUDY_INSTANCE_UID, b"UI", not_uids[1])
        .set(tags::SERIES_INSTANCE_UID, b"UI", not_uids[2])
        .set(tags::FRAME_OF_REFERENCE_UID, b"UI", not_uids[3])
        .sequence(
            tags::REFERENCED_SERIES_SEQUENCE,
            &[Raw::default()
                .set(tags::REFERENCED_SOP_CLASS_UID, b"UI", uids::CT_IMAGE_STORAGE)
                .set(tags::REFERENCED_SOP_INSTANCE_UID, b"UI", not_uids[0])],
        );
    let out = accepted(&file(&data), &basic());

    let sop = out.text(tags::SOP_INSTANCE_UID).unwrap_or_default();
    for tag in [
        tags::SOP_INSTANCE_UID,
        tags::STUDY_INSTANCE_UID,
        tags::SERIES_INSTANCE_UID,
        tags::FRAME_OF_REFERENCE_UID,
    ] {
        let uid = out.text(tag).unwrap_or_default();
        assert!(
            dataset::valid_uid(&uid) && uid.starts_with("2.25."),
            "{tag}: {uid:?}"
        );
    }
    let reference =
        TagPath::root(tags::REFERENCED_SERIES_SEQUENCE).child(0, tags::REFERENCED_SOP_INSTANCE_UID);
    let referenced = dataset::item_at(&out.output, &reference)
        .and_then(|item| dataset::text_of(item, reference.tag))
        .unwrap_or_default();
    assert_eq!(referenced, sop, "the reference no longer points at the instance");
    assert_eq!(
        out.output
            .meta()
            .media_storage_sop_instance_uid()
            .trim_end_matches('\0'),
        sop,
        "the meta group does not follow"
    );
    out.assert_absent(&not_uids.map(str::as_bytes));
    out.assert_absent(&[SOP_INSTANCE.as_bytes()]);

    // In the file meta group, the reader refuses a value that is not a UID.
    let bad_meta = file_with_meta(&data, not_uids[0]);
    program(&bad_meta, &[]).assert_refused(&["UID", "meta"]);
}

// ---------------------------------------------------------------------------------------------
// Odd lengths
// ---------------------------------------------------------------------------------------------

/// Text values of odd length (no padding) are read whole and written back padded: every value
/// length in the output is even.
#[test]
fn odd_length_text_values_are_read_and_written_even() {
    let data = ct()
        .put(tags::PATIENT_ID, b"LO", b"PID1234")
        .put(tags::SLICE_THICKNESS, b"DS", b"1.5")
        .put(tags::STUDY_INSTANCE_UID, b"UI", b"1.2.3.4.5")
        .push(tags::MANUFACTURER, b"LO", b"ACME");
    let out = accepted(&file(&data), &basic());
    assert_eq!(out.text(tags::SLICE_THICKNESS).as_deref(), Some("1.5"));
    assert_eq!(out.text(tags::PATIENT_ID), None);
    let study = out.text(tags::STUDY_INSTANCE_UID).unwrap_or_default();
    assert!(dataset::valid_uid(&study) && study != "1.2.3.4.5", "{study:?}");
    out.assert_absent(&[b"PID1234", b"1.2.3.4.5"]);
    let elements = fixtures_gen::walk_explicit_le(&out.bytes).unwrap();
    assert!(elements.len() > 10);
    for e in elements {
        assert!(
            e.len.is_none_or(|l| l % 2 == 0),
            "{} has {:?} bytes",
            e.tag,
            e.len
        );
    }
}

/// A binary value whose length is not a whole number of values cannot be read without losing
/// the place in the file: refused, naming the tag and its offset.
#[test]
fn odd_length_binary_values_are_refused_naming_the_tag() {
    let data = ct().push(tags::ROWS, b"US", b"\x01\x00\x02");
    program(&file(&data), &[]).assert_refused(&["(0028,0010)", "at byte"]);
}

// ---------------------------------------------------------------------------------------------
// Private elements without their creator
// ---------------------------------------------------------------------------------------------

/// A private element whose block has no creator cannot be known to be safe: it is removed,
/// at any depth, by the Basic Profile and by its Retain Safe Private option alike.
#[test]
fn private_elements_without_a_creator_are_removed() {
    let data = ct()
        .set(Tag(0x0029, 0x1001), b"LO", "Quist^Hedda")
        .set(Tag(0x0031, 0x0011), b"LO", "ACME_NOTES_03")
        .set(Tag(0x0031, 0x1010), b"LO", "PID-7731 private copy")
        // On the safe list under its creator, GEMS_ACQU_01, which is missing.
        .set(Tag(0x0019, 0x1023), b"DS", "19610804")
        .sequence(
            tags::REFERENCED_STUDY_SEQUENCE,
            &[Raw::default()
                .set(tags::REFERENCED_SOP_CLASS_UID, b"UI", "1.2.840.10008.3.1.2.3.1")
                .set(tags::REFERENCED_SOP_INSTANCE_UID, b"UI", STUDY)
                .set(Tag(0x0033, 0x1001), b"LO", "Hedda at depth")],
        );
    let bytes = file(&data);
    for options in [&[][..], &["retain-safe-private"][..]] {
        let out = accepted(&bytes, &profile(options, &[]));
        let mut all = Vec::new();
        walk(&out.output, &mut all);
        let private: Vec<&Tag> = all.iter().filter(|t| t.group() % 2 == 1).collect();
        assert!(
            private.is_empty(),
            "{options:?}: private elements left: {private:?}"
        );
        out.assert_absent(&[b"Quist", b"Hedda", b"PID-7731", b"19610804", b"ACME_NOTES"]);
    }
}

fn walk(obj: &dicom_object::InMemDicomObject, out: &mut Vec<Tag>) {
    for el in obj.iter() {
        out.push(el.header().tag);
        for item in el.items().unwrap_or(&[]) {
            walk(item, out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A tag given twice
// ---------------------------------------------------------------------------------------------

/// A tag given twice: the reader keeps one of the values and the other is never seen again.
/// Whatever is done, neither value may reach the output.
#[test]
fn a_tag_given_twice_leaks_neither_value() {
    let data =
        ct().push(tags::PATIENT_ID, b"LO", b"PID-SECOND")
            .push(tags::PATIENT_BIRTH_DATE, b"DA", b"19700101");
    let run = program(&file(&data), &[]);
    if run.code == 0 {
        let out = std::fs::read(run.output()).unwrap();
        for needle in [&b"PID-7731"[..], b"PID-SECOND", b"19610804", b"19700101"] {
            assert!(
                !contains(&out, needle),
                "{:?} is in the output",
                String::from_utf8_lossy(needle)
            );
        }
    } else {
        run.assert_refused(&["(0010,0020)"]);
    }
}

/// A tag given twice is read as other readers read it (the last occurrence), de-identified by
/// its rule, and told; no value of either occurrence reaches the output. A private creator
/// given twice with different values would make a block look like another's: it is not read,
/// so the block's elements count as of an unknown creator and are not kept as safe.
#[test]
fn a_tag_given_twice_is_read_and_told() {
    let names = ct()
        .set(tags::STUDY_DESCRIPTION, b"LO", "CT chest for Quist")
        .push(tags::PATIENT_NAME, b"PN", b"Other^Name");
    let run = program(&file(&names), &["--option", "clean-descriptors"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("given more than once") && run.stderr.contains("(0010,0010)"),
        "{}",
        run.stderr
    );
    let out = std::fs::read(run.output()).unwrap();
    for needle in [&b"Quist"[..], b"Hedda", b"Other^Name"] {
        assert!(
            !contains(&out, needle),
            "{:?} is in the output",
            String::from_utf8_lossy(needle)
        );
    }
    let creators = ct()
        .set(Tag(0x0019, 0x0010), b"LO", "ACME_PHI_01")
        .push(Tag(0x0019, 0x0010), b"LO", b"GEMS_ACQU_01")
        .set(Tag(0x0019, 0x1023), b"DS", "19610804");
    let run = program(&file(&creators), &["--option", "retain-safe-private"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("(0019,0010)"), "{}", run.stderr);
    let out = std::fs::read(run.output()).unwrap();
    assert!(!contains(&out, b"19610804") && !contains(&out, b"ACME_PHI_01"));
}

// ---------------------------------------------------------------------------------------------
// No preamble
// ---------------------------------------------------------------------------------------------

fn without_preamble() -> Vec<u8> {
    let bytes = file(&ct());
    bytes[128..].to_vec()
}

/// A file that starts with "DICM" (no 128-byte preamble), as some writers produce: read, the
/// user told (the output differs from the input in more than the de-identification, and a
/// file without a preamble may be something else that happens to start with "DICM"), and
/// written back as a standard file, with a preamble.
#[test]
fn a_file_without_a_preamble_is_read_noted_and_written_with_one() {
    let run = program(&without_preamble(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .lines()
            .any(|l| l.contains("note") && l.contains("in.dcm") && l.contains("preamble")),
        "no note:\n{}",
        run.stderr
    );
    let out = std::fs::read(run.output()).unwrap();
    assert_eq!(&out[128..132], b"DICM");
    assert!(out[..128].iter().all(|&b| b == 0));
    let written = dataset::open(run.output()).unwrap();
    assert_eq!(dataset::text_of(&written, tags::PATIENT_NAME), None);
    assert!(!contains(&out, b"Quist"));
    // A file with its preamble gets no such note.
    let standard = program(&file(&ct()), &[]);
    assert_eq!(standard.code, 0, "{}", standard.stderr);
    assert!(!standard.stderr.contains("preamble"), "{}", standard.stderr);
}

// ---------------------------------------------------------------------------------------------
// A meta group length that disagrees with the meta group
// ---------------------------------------------------------------------------------------------

/// The group length says less than the meta group holds: the reader stops early and the rest
/// of the meta group (here the sending site's AE title) lands in the data set. It must not
/// reach the output: the file is refused, or those elements are left out.
#[test]
fn a_meta_group_length_too_short_leaks_no_meta_element() {
    let mut bytes = file(&ct());
    let length = group_length(&bytes);
    // Source AE Title (0002,0016) "NORDSTADT_CT" is the last element: 8 + 12 bytes.
    set_group_length(&mut bytes, length - 20);
    let run = program(&bytes, &[]);
    if run.code != 0 {
        run.assert_refused(&["(0002,0000)"]);
        return;
    }
    let out = std::fs::read(run.output()).unwrap();
    assert!(!contains(&out, b"NORDSTADT"), "the sending site is in the output");
    let file = dataset::open(run.output()).unwrap();
    assert!(file.iter().all(|el| el.header().tag.group() != 0x0002));
}

/// The group length says more than the meta group holds: the reader takes the first elements
/// of the data set for meta elements and drops them. Data set elements must not vanish
/// unannounced (here SOP Class UID, which decides the IOD): refused, naming the group length.
#[test]
fn a_meta_group_length_too_long_drops_no_element_silently() {
    let mut bytes = file(&ct());
    let length = group_length(&bytes);
    // SOP Class UID (0008,0016) is the first element of the data set: 8 + 26 bytes.
    set_group_length(&mut bytes, length + 34);
    let run = program(&bytes, &[]);
    if run.code == 0 {
        let file = dataset::open(run.output()).unwrap();
        assert!(
            dataset::sop_class_uid(&file).is_some(),
            "SOP Class UID vanished: the output is no longer a CT image"
        );
    } else {
        run.assert_refused(&["(0002,0000)"]);
    }
}

// ---------------------------------------------------------------------------------------------
// The file meta group's own UID
// ---------------------------------------------------------------------------------------------

/// The meta group's Media Storage SOP Instance UID is the instance's UID. When the data set has
/// no SOP Instance UID to follow (it lacks one, or the profile removes it), the meta group must
/// not keep the original either.
#[test]
fn the_meta_group_keeps_no_uid_the_data_set_lets_go() {
    let missing = accepted(&file(&ct().without(tags::SOP_INSTANCE_UID)), &basic());
    let removed = accepted(&file(&ct()), &profile(&[], &[("SOPInstanceUID", Action::Remove)]));
    for out in [missing, removed] {
        let uid = out
            .output
            .meta()
            .media_storage_sop_instance_uid()
            .trim_end_matches('\0');
        assert!(dataset::valid_uid(uid), "{uid:?}");
        assert_ne!(uid, SOP_INSTANCE);
        out.assert_absent(&[SOP_INSTANCE.as_bytes()]);
    }
    // Where the data set still refers to the instance, the meta group follows the reference.
    let referred = ct().without(tags::SOP_INSTANCE_UID).sequence(
        tags::REFERENCED_SERIES_SEQUENCE,
        &[Raw::default()
            .set(tags::REFERENCED_SOP_CLASS_UID, b"UI", uids::CT_IMAGE_STORAGE)
            .set(tags::REFERENCED_SOP_INSTANCE_UID, b"UI", SOP_INSTANCE)],
    );
    let out = accepted(&file(&referred), &basic());
    let reference =
        TagPath::root(tags::REFERENCED_SERIES_SEQUENCE).child(0, tags::REFERENCED_SOP_INSTANCE_UID);
    let new =
        dataset::item_at(&out.output, &reference).and_then(|item| dataset::text_of(item, reference.tag));
    assert_eq!(
        Some(
            out.output
                .meta()
                .media_storage_sop_instance_uid()
                .trim_end_matches('\0')
        ),
        new.as_deref()
    );
    out.assert_absent(&[SOP_INSTANCE.as_bytes()]);
}

// ---------------------------------------------------------------------------------------------
// Nesting
// ---------------------------------------------------------------------------------------------

/// The CT header with Anatomic Region Sequences (kept by the Basic Profile, so walked into)
/// nested `depth` levels; the innermost item names the patient again.
fn nested(depth: usize) -> Raw {
    let mut item = Raw::default()
        .set(tags::REFERENCED_SOP_INSTANCE_UID, b"UI", SOP_INSTANCE)
        .set(tags::PATIENT_NAME, b"PN", "Quist^Hedda");
    for _ in 1..depth {
        item = Raw::default().sequence(tags::ANATOMIC_REGION_SEQUENCE, &[item]);
    }
    ct().sequence(tags::ANATOMIC_REGION_SEQUENCE, &[item])
}

/// A file nested deeper than the limit is refused at open, saying how to raise the limit;
/// raised, every command walks the whole depth (in a debug build, whose stack frames are the
/// largest) and the name at the bottom is removed.
#[test]
fn nesting_past_the_limit_is_refused_and_the_limit_can_be_raised() {
    let input = file(&nested(300));
    program(&input, &[]).assert_refused(&["nested deeper than 64 levels", "--max-depth"]);

    for jobs in ["1", "2"] {
        let run = program(&input, &["--max-depth", "300", "--jobs", jobs]);
        assert_eq!(run.code, 0, "--jobs {jobs}: {}", run.stderr);
        let out = std::fs::read(run.output()).unwrap();
        assert!(!contains(&out, b"Quist"), "the deep name survived");
        assert!(!contains(&out, SOP_INSTANCE.as_bytes()), "the deep UID survived");

        let dpk = |args: &[&str]| {
            assert_cmd::Command::cargo_bin("dpk")
                .unwrap()
                .current_dir(run.dir.path())
                .env("DPK_SALT", SALT)
                .args(args)
                .output()
                .unwrap()
        };
        let score = dpk(&["score", "--max-depth", "300", "in.dcm"]);
        assert!(
            score.status.success(),
            "{}",
            String::from_utf8_lossy(&score.stderr)
        );
        let verify = dpk(&[
            "verify",
            "--max-depth",
            "300",
            "out/out.dcm",
            "--originals",
            "in.dcm",
        ]);
        assert!(
            verify.status.success(),
            "{}",
            String::from_utf8_lossy(&verify.stdout)
        );
        let diff = dpk(&["diff", "--max-depth", "300", "in.dcm", "out/out.dcm"]);
        // The files differ: exit 1, as diff(1).
        assert_eq!(
            diff.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&diff.stderr)
        );
        assert!(String::from_utf8_lossy(&diff.stdout).contains("PatientName"));
    }
}

/// A limit of zero, or past what a stack can be reserved for, is a usage error.
#[test]
fn impossible_nesting_limits_are_usage_errors() {
    for limit in ["0", "2001", "many"] {
        let run = program(&file(&ct()), &["--max-depth", limit]);
        assert_eq!(run.code, 2, "--max-depth {limit}: {}", run.stderr);
        assert!(run.stderr.contains("--max-depth"), "{}", run.stderr);
        assert!(!run.output().exists());
    }
}

// ---------------------------------------------------------------------------------------------
// Files the fuzzer found (fuzz/regressions/anonymize/)
// ---------------------------------------------------------------------------------------------

fn regression(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions/anonymize")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A sequence delimitation item (FFFE,E0DD) standing alone in the data set is read as an
/// element and was written back as one, which no reader takes: the output did not open. It is
/// refused, or written so that it opens.
#[test]
fn a_stray_sequence_delimiter_gives_an_output_that_opens_or_an_error() {
    let run = program(&regression("stray_sequence_delimiter.dcm"), &[]);
    if run.code == 0 {
        dataset::open(run.output()).unwrap_or_else(|e| panic!("the output does not open: {e}"));
    } else {
        run.assert_refused(&[]);
    }
}

/// A sequence delimitation item standing alone in the data set, with a value length of 1: the
/// reader reads it as an element and skips that byte, the open-time walk of lengths does not,
/// so the two read different headers after it, and the reader reserves what the one the walk
/// never saw claims (512 MiB, from a 286-byte file). Refused, naming where.
#[test]
fn a_delimiter_with_a_length_is_refused_before_anything_is_reserved() {
    program(&regression("stray_delimiter_with_length.dcm"), &[]).assert_refused(&["(FFFE,E0DD)", "at byte"]);
}

/// A Transfer Syntax UID padded with a tab: the reader trims it and reads Explicit VR Big
/// Endian, the open-time walk trimmed only spaces and NULs and walked Little Endian, so it
/// checked other element headers than the reader read, and refused dpk's own (big endian)
/// output. Both now frame the file alike, and the output opens; its Transfer Syntax UID is
/// written without the tab (no UI value may hold one), a change the plan shows.
#[test]
fn a_transfer_syntax_padded_with_a_tab_is_read_alike_by_the_walk_and_the_reader() {
    let run = program(
        &regression("syntax_padded_with_a_tab.dcm"),
        &["--report", "report.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = dataset::open(run.output()).unwrap_or_else(|e| panic!("the output does not open: {e}"));
    // Explicit VR Big Endian (retired, so its constant is deprecated).
    assert_eq!(out.meta().transfer_syntax(), "1.2.840.10008.1.2.2");
    // The meta group is explicit VR little endian whatever the data set's syntax.
    let bytes = std::fs::read(run.output()).unwrap();
    let at = bytes
        .windows(6)
        .position(|w| w == b"\x02\x00\x10\x00UI")
        .expect("a Transfer Syntax UID is written");
    let len = usize::from(u16::from_le_bytes([bytes[at + 6], bytes[at + 7]]));
    assert_eq!(&bytes[at + 8..at + 8 + len], b"1.2.840.10008.1.2.2\0");
    let report = std::fs::read_to_string(run.dir.path().join("report.json")).unwrap();
    assert!(
        report.contains("(0002,0010)") && report.contains("padding no UI value may hold"),
        "{report}"
    );
}

/// The file meta group length given twice: the reader takes the first (1.3 GB), the walk took
/// the second, so the reader read on past where the walk stopped checking and reserved 3.8 GB
/// for an element the walk never saw (7.4 s, from 757 bytes). Refused, naming the element.
#[test]
fn a_meta_group_length_given_twice_is_refused() {
    program(&regression("meta_group_length_twice.dcm"), &[]).assert_refused(&[
        "(0002,0000)",
        "at byte 144",
        "given twice",
    ]);
}

/// "DICM" without a preamble in a file of 69 bytes, shorter than a preamble: the open-time
/// walk once skipped such files, and the reader reserved 3.6 GB for a meta element of unknown
/// VR that claims it. Refused, naming the element and where, before anything is reserved.
#[test]
fn a_file_shorter_than_a_preamble_is_walked_too() {
    program(&regression("short_file_without_preamble.dcm"), &[])
        .assert_refused(&["(0002,0002)", "at byte 30"]);
}

/// Items and delimiters out of place (a sequence closed inside its item, an item of defined
/// length after it): the open-time walk and the reader frame what follows differently, and the
/// reader reserves what a header the walk never saw claims: 4 GiB, from a 522-byte file.
/// Refused, naming where, before anything is reserved.
#[test]
fn misplaced_items_hiding_a_lying_length_are_refused() {
    program(&regression("misplaced_item_hides_length.dcm"), &[]).assert_refused(&["at byte"]);
}

/// `anonymize_file` copies the pixel data element from the input byte for byte; it must still
/// write what the in-memory path writes, and an output that opens (or refuse the file). Found
/// with a stray delimiter with a length before the pixel data, with a pixel data header
/// whose reserved bytes are not zero, and with a JPEG fragment of odd length (which the
/// writer pads to even).
#[test]
fn pixel_data_copied_from_the_input_gives_the_same_bytes_as_in_memory() {
    for name in [
        "stray_delimiter_before_pixel_data.dcm",
        "pixel_data_reserved_bytes.dcm",
        "odd_length_fragment.dcm",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.dcm");
        std::fs::write(&input, regression(name)).unwrap();
        let copied = dir.path().join("copied.dcm");
        if dpk::anonymize_file(&input, &copied, &basic(), &ctx()).is_err() {
            assert!(!copied.exists(), "{name}");
            continue;
        }
        dataset::open(&copied).unwrap_or_else(|e| panic!("{name}: the output does not open: {e}"));
        let file = dataset::open(&input).unwrap();
        let plan = dpk::plan(&file, &basic(), &ctx()).unwrap();
        let in_memory = dir.path().join("in-memory.dcm");
        dataset::write_atomic(&dpk::apply(&plan, file).unwrap(), &in_memory).unwrap();
        assert!(
            std::fs::read(&copied).unwrap() == std::fs::read(&in_memory).unwrap(),
            "{name}: the two paths differ"
        );
    }
}

/// The open-time walk of lengths gave up on a meta group holding an element of another group,
/// while the reader, which counts the group length, read on and reserved what a later element
/// claimed (512 MiB, from a 285-byte file). The file is refused, naming the element out of
/// place in the meta group.
#[test]
fn a_meta_group_hiding_a_lying_length_is_refused() {
    // Refused by the walk that reads only headers ("at byte"), not by the reader after it
    // reserved the memory.
    program(&regression("meta_hides_lying_length.dcm"), &[]).assert_refused(&[
        "(0102,0001)",
        "at byte",
        "file meta group",
    ]);
}

/// The reader fills a missing Media Storage SOP Class UID from the data set's SOP Class UID
/// without checking it; written back, the meta group held a value no reader accepts. The
/// output opens again.
#[test]
fn a_meta_group_without_its_sop_class_gives_an_output_that_opens() {
    let run = program(&regression("meta_class_uid_from_data_set.dcm"), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    dataset::open(run.output()).unwrap_or_else(|e| panic!("the output does not open: {e}"));
    let bytes = std::fs::read(run.output()).unwrap();
    let class = fixtures_gen::walk_explicit_le(&bytes)
        .unwrap()
        .into_iter()
        .find(|e| e.tag == tags::MEDIA_STORAGE_SOP_CLASS_UID)
        .expect("Media Storage SOP Class UID is written");
    let value = &bytes[class.value..class.value + class.len.unwrap_or(0)];
    assert!(
        value.iter().all(|&b| b.is_ascii_digit() || b == b'.' || b == 0),
        "{:?}",
        String::from_utf8_lossy(value)
    );
}

/// A SOP Class UID ending in bytes that decode, in the file's UTF-8, to a letter past
/// Latin-1: the encoder, which writes UI in the default repertoire, refused the kept value,
/// and the error named only the output. The value is written back as it was read.
#[test]
fn a_uid_with_a_letter_no_encoder_takes_is_written_back_as_read() {
    let input = regression("uid_with_characters_no_encoder_takes.dcm");
    let run = program(&input, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    dataset::open(run.output()).unwrap_or_else(|e| panic!("the output does not open: {e}"));
    let class = b"\x08\x00\x16\x00UI\x1a\x001.2.840.10008.5.1.4.1.1\xc4\x82*";
    assert!(contains(&input, class) && contains(&std::fs::read(run.output()).unwrap(), class));
}
