//! End-to-end tests of the library on the committed fixtures: determinism, UID remapping,
//! pixel data, markers, malformed inputs, the Retain Safe Private option, plan/apply agreement
//! and validity (dciodvfy).
//!
//! Every test runs over every valid fixture (`fixtures/*.dcm` and `fixtures/study/**`) unless
//! it says otherwise.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[path = "support/dciodvfy.rs"]
mod dciodvfy;

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;
use dpk::dataset::{strings_of, DicomFile, Snapshot, TagPath};
use dpk::diff::ChangeKind;
use dpk::{Action, Context, Profile, ResolvedProfile, Salt};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SALT: &[u8] = b"e2e-test-salt-DO-NOT-LEAK-4242";
const OTHER_SALT: &[u8] = b"another-e2e-salt-for-comparison-7";

/// The prefix of the UIDs the DICOM standard itself defines (SOP classes, transfer syntaxes,
/// coding schemes): these are not identifying and stay.
const WELL_KNOWN_UID_PREFIX: &str = "1.2.840.10008.";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every valid fixture: `fixtures/*.dcm` and everything under `fixtures/study/`.
fn valid_fixtures() -> Vec<PathBuf> {
    let dir = fixtures_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixtures/ is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "dcm"))
        .collect();
    files.extend(
        walkdir::WalkDir::new(dir.join("study"))
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.expect("walk fixtures/study"))
            .filter(|e| e.file_type().is_file())
            .map(|e| e.path().to_path_buf()),
    );
    files.sort();
    assert!(
        files.len() >= 12,
        "expected at least 12 valid fixtures, found {}: {files:?}",
        files.len()
    );
    files
}

fn study_fixtures() -> Vec<PathBuf> {
    let files: Vec<PathBuf> = valid_fixtures()
        .into_iter()
        .filter(|p| p.starts_with(fixtures_dir().join("study")))
        .collect();
    assert_eq!(files.len(), 4, "fixtures/study should hold four files");
    files
}

fn malformed_fixtures() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures_dir().join("malformed"))
        .expect("fixtures/malformed is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 8, "expected 8 malformed fixtures, found {files:?}");
    files
}

/// A short, unique name for a fixture, usable as an output file name.
fn flat_name(path: &Path) -> String {
    path.strip_prefix(fixtures_dir())
        .unwrap_or(path)
        .to_string_lossy()
        .replace(['/', '\\'], "__")
}

fn basic() -> ResolvedProfile {
    Profile::builtin("basic")
        .expect("built-in basic profile")
        .resolve()
        .expect("basic resolves")
}

fn ctx(salt: &[u8]) -> Context {
    Context::new(Salt::new(salt.to_vec()).expect("a salt of at least 16 bytes"))
}

/// The Hash-Name example profile, built in code with the same rules as
/// `profiles/examples/hash-name.ron`.
fn hash_name_in_code() -> ResolvedProfile {
    Profile::extending("hash-name", "basic")
        .with_rule("PatientName".parse().expect("selector"), Action::Hash)
        .with_rule("StudyDescription".parse().expect("selector"), Action::Remove)
        .resolve()
        .expect("hash-name (in code) resolves")
}

/// Anonymizes `input` into `out_dir` under its flat name, with `anonymize_file`.
fn anonymize_to(
    input: &Path,
    out_dir: &Path,
    profile: &ResolvedProfile,
    salt: &[u8],
) -> (PathBuf, dpk::Plan) {
    let out = out_dir.join(flat_name(input));
    let plan = dpk::anonymize_file(input, &out, profile, &ctx(salt))
        .unwrap_or_else(|e| panic!("anonymize {}: {e}", input.display()));
    (out, plan)
}

fn reopen(path: &Path) -> DicomFile {
    dicom_object::open_file(path)
        .unwrap_or_else(|e| panic!("{} does not re-open with dicom_object: {e}", path.display()))
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c == ' ' || c == '\0')
}

/// Calls `f` on every element of `obj`, at every depth, with its path.
fn walk<'a>(
    obj: &'a InMemDicomObject,
    parent: Option<(&TagPath, u32)>,
    f: &mut dyn FnMut(&TagPath, &'a InMemElement),
) {
    for el in obj.iter() {
        let tag = el.header().tag;
        let path = match parent {
            Some((p, i)) => p.child(i, tag),
            None => TagPath::root(tag),
        };
        f(&path, el);
        if let Value::Sequence(seq) = el.value() {
            for (i, item) in seq.items().iter().enumerate() {
                walk(item, Some((&path, i as u32)), f);
            }
        }
    }
}

/// The element at `path`, if present.
fn lookup<'a>(obj: &'a InMemDicomObject, path: &TagPath) -> Option<&'a InMemElement> {
    let mut current = obj;
    for step in &path.items {
        let seq = current.get(step.sequence)?;
        current = seq.items()?.get(step.item as usize)?;
    }
    current.get(path.tag)
}

/// The text values of an element: string VRs as parsed, and UN values (private elements of
/// implicit VR files) decoded as text, so that nothing textual escapes a scan.
fn text_values(el: &InMemElement) -> Vec<String> {
    match el.value() {
        Value::Primitive(p) => {
            let strings = strings_of(p);
            if !strings.is_empty() {
                return strings;
            }
            if el.vr() == VR::UN {
                if let PrimitiveValue::U8(bytes) = p {
                    return String::from_utf8_lossy(bytes)
                        .split('\\')
                        .map(|s| trim(s).to_string())
                        .collect();
                }
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn looks_like_uid(s: &str) -> bool {
    // At least three components, so that decimal numbers (a private DS read as UN) are not
    // taken for UIDs.
    s.len() >= 8
        && s.len() <= 64
        && s.matches('.').count() >= 2
        && s.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// Every UID of a file that is not a well-known DICOM UID: UI values at all depths (all
/// values of multi-valued elements), UID-looking values of UN elements, and the file meta's
/// Media Storage SOP Instance UID.
fn original_uids(file: &DicomFile) -> BTreeSet<String> {
    let mut uids = BTreeSet::new();
    walk(file, None, &mut |_, el| {
        if el.vr() == VR::UI {
            uids.extend(text_values(el).into_iter().filter(|v| !v.is_empty()));
        } else if el.vr() == VR::UN {
            uids.extend(text_values(el).into_iter().filter(|v| looks_like_uid(v)));
        }
    });
    uids.insert(trim(file.meta().media_storage_sop_instance_uid()).to_string());
    uids.retain(|u| !u.starts_with(WELL_KNOWN_UID_PREFIX));
    uids
}

/// Every text value of the output, at all depths, and of its file meta group.
fn all_text_values(file: &DicomFile) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(file, None, &mut |path, el| {
        for v in text_values(el) {
            out.push((path.to_string(), v));
        }
    });
    let meta = file.meta();
    for (name, v) in [
        ("meta MediaStorageSOPClassUID", meta.media_storage_sop_class_uid()),
        (
            "meta MediaStorageSOPInstanceUID",
            meta.media_storage_sop_instance_uid(),
        ),
        ("meta TransferSyntaxUID", meta.transfer_syntax()),
        ("meta ImplementationClassUID", meta.implementation_class_uid()),
    ] {
        out.push((name.to_string(), trim(v).to_string()));
    }
    for (name, v) in [
        (
            "meta ImplementationVersionName",
            meta.implementation_version_name(),
        ),
        ("meta SourceAE", meta.source_application_entity_title()),
        ("meta SendingAE", meta.sending_application_entity_title()),
        ("meta ReceivingAE", meta.receiving_application_entity_title()),
        (
            "meta PrivateInformationCreatorUID",
            meta.private_information_creator_uid(),
        ),
    ] {
        if let Some(v) = v {
            out.push((name.to_string(), trim(v).to_string()));
        }
    }
    out
}

fn text_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| trim(&s).to_string())
}

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn is_deflated(file: &DicomFile) -> bool {
    trim(file.meta().transfer_syntax()) == "1.2.840.10008.1.2.1.99"
}

/// The PS3.15 safe private list of the retain-safe-private option: (group, creator, offset).
fn safe_private_list() -> BTreeSet<(u16, String, u8)> {
    let opt =
        dpk::profile::builtin::option("retain-safe-private").expect("option retain-safe-private exists");
    let overlay = Profile::from_ron(opt.ron, opt.name).expect("option RON parses");
    let mut list = BTreeSet::new();
    for rule in &overlay.rules {
        if rule.action != Action::Keep {
            continue;
        }
        // "(gggg,xxee,CREATOR)"
        let s = rule.select.as_str();
        let inner = s.trim_start_matches('(').trim_end_matches(')');
        let mut parts = inner.splitn(3, ',');
        let (Some(g), Some(e), Some(creator)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(group), Some(Ok(offset))) = (
            u16::from_str_radix(g, 16),
            e.strip_prefix("xx").map(|o| u8::from_str_radix(o, 16)),
        ) else {
            continue;
        };
        list.insert((group, creator.trim().to_string(), offset));
    }
    assert!(
        list.contains(&(0x0019, "GEMS_ACQU_01".to_string(), 0x23)),
        "the safe list should hold (0019,xx23,GEMS_ACQU_01)"
    );
    list
}

/// The private creator of `tag`'s block in `item`.
fn creator_in(item: &InMemDicomObject, tag: Tag) -> Option<String> {
    dpk::dataset::private::creator_of(item, tag)
}

/// Calls `f` on every private element at every depth, with the item that holds it.
fn walk_private(
    obj: &InMemDicomObject,
    parent: Option<(&TagPath, u32)>,
    f: &mut dyn FnMut(&TagPath, &InMemElement, &InMemDicomObject),
) {
    for el in obj.iter() {
        let tag = el.header().tag;
        let path = match parent {
            Some((p, i)) => p.child(i, tag),
            None => TagPath::root(tag),
        };
        if tag.group() % 2 == 1 {
            f(&path, el, obj);
        }
        if let Value::Sequence(seq) = el.value() {
            for (i, item) in seq.items().iter().enumerate() {
                walk_private(item, Some((&path, i as u32)), f);
            }
        }
    }
}

fn dir_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read output dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------

#[test]
fn same_salt_gives_byte_identical_outputs() {
    let profile = basic();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let fixtures = valid_fixtures();
    for input in &fixtures {
        let (out_a, plan_a) = anonymize_to(input, a.path(), &profile, SALT);
        let (out_b, plan_b) = anonymize_to(input, b.path(), &profile, SALT);
        let bytes_a = std::fs::read(&out_a).unwrap();
        let bytes_b = std::fs::read(&out_b).unwrap();
        assert!(
            bytes_a == bytes_b,
            "{}: two runs with the same salt differ ({} vs {} bytes)",
            input.display(),
            bytes_a.len(),
            bytes_b.len()
        );
        assert_eq!(
            plan_a.entries,
            plan_b.entries,
            "{}: plans differ",
            input.display()
        );
        // Also through the split API: plan + apply + write_atomic gives the same bytes.
        let file = dpk::dataset::open(input).unwrap();
        let plan = dpk::plan(&file, &profile, &ctx(SALT)).unwrap();
        let anonymized = dpk::apply(&plan, file).unwrap();
        let out_c = b.path().join(format!("split-{}", flat_name(input)));
        dpk::dataset::write_atomic(&anonymized, &out_c).unwrap();
        assert!(
            std::fs::read(&out_c).unwrap() == bytes_a,
            "{}: plan+apply+write_atomic differs from anonymize_file",
            input.display()
        );
    }
    eprintln!("determinism: {} files byte-identical across runs", fixtures.len());
}

#[test]
fn another_salt_gives_other_uids_and_hashes() {
    let profile = hash_name_in_code();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for input in valid_fixtures() {
        let original = reopen(&input);
        let (out_a, _) = anonymize_to(&input, a.path(), &profile, SALT);
        let (out_b, _) = anonymize_to(&input, b.path(), &profile, OTHER_SALT);
        let (fa, fb) = (reopen(&out_a), reopen(&out_b));
        for (tag, name) in [
            (tags::SOP_INSTANCE_UID, "SOPInstanceUID"),
            (tags::STUDY_INSTANCE_UID, "StudyInstanceUID"),
            (tags::SERIES_INSTANCE_UID, "SeriesInstanceUID"),
        ] {
            let before = text_of(&original, tag).unwrap_or_else(|| panic!("{}: no {name}", input.display()));
            let va = text_of(&fa, tag).unwrap_or_else(|| panic!("{}: output lacks {name}", input.display()));
            let vb = text_of(&fb, tag).unwrap_or_else(|| panic!("{}: output lacks {name}", input.display()));
            assert_ne!(va, before, "{}: {name} not remapped", input.display());
            assert_ne!(va, vb, "{}: {name} is the same under two salts", input.display());
        }
        let name_a = text_of(&fa, tags::PATIENT_NAME).unwrap_or_default();
        let name_b = text_of(&fb, tags::PATIENT_NAME).unwrap_or_default();
        assert!(
            !name_a.is_empty(),
            "{}: hashed Patient's Name is empty",
            input.display()
        );
        assert_ne!(
            name_a,
            name_b,
            "{}: Patient's Name hash is the same under two salts",
            input.display()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// UIDs
// ---------------------------------------------------------------------------------------------

#[test]
fn no_original_uid_survives_anywhere() {
    let profile = basic();
    let out_dir = tempfile::tempdir().unwrap();
    let (mut files, mut uids_checked, mut values_scanned) = (0, 0, 0);
    for input in valid_fixtures() {
        let original = reopen(&input);
        let uids = original_uids(&original);
        assert!(
            uids.len() >= 3,
            "{}: only {} UIDs collected",
            input.display(),
            uids.len()
        );
        let (out, _) = anonymize_to(&input, out_dir.path(), &profile, SALT);
        let output = reopen(&out);
        let values = all_text_values(&output);
        let raw = std::fs::read(&out).unwrap();
        for uid in &uids {
            for (path, value) in &values {
                assert!(
                    !value.contains(uid.as_str()),
                    "{}: original UID {uid} survives in {path} = {value:?}",
                    input.display()
                );
            }
            // The deflated output's data set is compressed: its byte scan only covers the meta
            // group; the element walk above covers the rest.
            assert!(
                !contains_bytes(&raw, uid.as_bytes()),
                "{}: original UID {uid} found in the raw bytes of the output",
                input.display()
            );
        }
        files += 1;
        uids_checked += uids.len();
        values_scanned += values.len();
    }
    eprintln!("no original UID: {files} files, {uids_checked} original UIDs, {values_scanned} output values scanned");
}

/// Every Replaced UI entry of every plan maps one original to one new UID, the same in every
/// file (UIDs are derived, not stored), and two originals never share a new UID.
#[test]
fn uid_mapping_is_a_consistent_bijection_across_all_files() {
    let profile = basic();
    let out_dir = tempfile::tempdir().unwrap();
    let mut forward: HashMap<String, String> = HashMap::new();
    let mut backward: HashMap<String, String> = HashMap::new();
    for input in valid_fixtures() {
        let (_, plan) = anonymize_to(&input, out_dir.path(), &profile, SALT);
        for c in plan.meta.iter().chain(&plan.entries) {
            if c.vr != VR::UI || c.kind != ChangeKind::Replaced {
                continue;
            }
            let (Some(Snapshot::Primitive(b)), Some(Snapshot::Primitive(a))) = (&c.before, &c.after) else {
                continue;
            };
            let (b, a) = (strings_of(b), strings_of(a));
            if b.len() != a.len() {
                continue;
            }
            for (old, new) in b.into_iter().zip(a) {
                if old.starts_with(WELL_KNOWN_UID_PREFIX) || old.is_empty() {
                    continue;
                }
                if c.path.tag == tags::IMPLEMENTATION_CLASS_UID {
                    continue;
                }
                if let Some(prev) = forward.insert(old.clone(), new.clone()) {
                    assert_eq!(prev, new, "{}: {old} remapped to two UIDs", input.display());
                }
                if let Some(prev) = backward.insert(new.clone(), old.clone()) {
                    assert_eq!(
                        prev,
                        old,
                        "{}: {new} is the new UID of two originals",
                        input.display()
                    );
                }
                assert!(
                    new.len() <= 64,
                    "{}: new UID {new} longer than 64",
                    input.display()
                );
                assert!(
                    looks_like_uid(&new),
                    "{}: new UID {new:?} is not a UID",
                    input.display()
                );
            }
        }
    }
    assert!(forward.len() > 20, "only {} UIDs remapped", forward.len());
    eprintln!(
        "uid mapping: {} distinct original UIDs remapped consistently",
        forward.len()
    );
}

#[test]
fn study_uids_are_consistent_across_files() {
    let profile = basic();
    let out_dir = tempfile::tempdir().unwrap();
    let mut originals = Vec::new();
    let mut outputs = Vec::new();
    for input in study_fixtures() {
        let (out, _) = anonymize_to(&input, out_dir.path(), &profile, SALT);
        originals.push((input.clone(), reopen(&input)));
        outputs.push((input, reopen(&out)));
    }
    let get =
        |f: &DicomFile, tag: Tag, what: &str| text_of(f, tag).unwrap_or_else(|| panic!("missing {what}"));

    let studies: BTreeSet<String> = outputs
        .iter()
        .map(|(_, f)| get(f, tags::STUDY_INSTANCE_UID, "study"))
        .collect();
    assert_eq!(
        studies.len(),
        1,
        "Study Instance UID differs across the study: {studies:?}"
    );
    let frames: BTreeSet<String> = outputs
        .iter()
        .map(|(_, f)| get(f, tags::FRAME_OF_REFERENCE_UID, "frame of reference"))
        .collect();
    assert_eq!(
        frames.len(),
        1,
        "Frame of Reference UID differs across the study: {frames:?}"
    );
    assert_ne!(
        studies.iter().next(),
        text_of(&originals[0].1, tags::STUDY_INSTANCE_UID).as_ref(),
        "Study Instance UID kept"
    );

    let mut series: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (input, f) in &outputs {
        let folder = input
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        series
            .entry(folder)
            .or_default()
            .insert(get(f, tags::SERIES_INSTANCE_UID, "series"));
    }
    assert_eq!(series.len(), 2);
    for (folder, uids) in &series {
        assert_eq!(
            uids.len(),
            1,
            "{folder}: Series Instance UID differs within the series: {uids:?}"
        );
    }
    let all_series: BTreeSet<&String> = series.values().flatten().collect();
    assert_eq!(all_series.len(), 2, "the two series share a Series Instance UID");

    let sops: BTreeSet<String> = outputs
        .iter()
        .map(|(_, f)| get(f, tags::SOP_INSTANCE_UID, "sop"))
        .collect();
    assert_eq!(sops.len(), 4, "SOP Instance UIDs are not all distinct: {sops:?}");

    // Cross-file references follow: an original SOP Instance UID referenced anywhere (e.g.
    // Referenced Image Sequence, Source Image Sequence) becomes that file's new SOP Instance
    // UID; a Referenced Study's UID becomes the new Study Instance UID.
    let mut new_of: HashMap<String, String> = HashMap::new();
    for ((_, o), (_, n)) in originals.iter().zip(&outputs) {
        for tag in [
            tags::SOP_INSTANCE_UID,
            tags::STUDY_INSTANCE_UID,
            tags::SERIES_INSTANCE_UID,
        ] {
            new_of.insert(get(o, tag, "orig"), get(n, tag, "new"));
        }
    }
    let mut references = 0;
    for ((input, o), (_, n)) in originals.iter().zip(&outputs) {
        walk(o, None, &mut |path, el| {
            if path.depth() == 0 || el.vr() != VR::UI {
                return;
            }
            for (i, old) in text_values(el).iter().enumerate() {
                let Some(expected) = new_of.get(old) else {
                    continue;
                };
                // A reference the profile removes (e.g. Referenced Study Sequence, X) is fine.
                let Some(after) = lookup(n, path) else {
                    continue;
                };
                let got = text_values(after);
                assert_eq!(
                    got.get(i),
                    Some(expected),
                    "{}: reference {path} to {old} does not follow the remapped UID",
                    input.display()
                );
                references += 1;
            }
        });
    }
    assert!(references >= 4, "only {references} cross-file references checked");
    eprintln!("study: 4 files, {references} nested references follow the remapped UIDs");
}

// ---------------------------------------------------------------------------------------------
// Pixel data, transfer syntax, meta, markers
// ---------------------------------------------------------------------------------------------

#[test]
fn pixel_data_transfer_syntax_meta_and_markers() {
    let profile = basic();
    let out_dir = tempfile::tempdir().unwrap();
    let mut encapsulated = 0;
    for input in valid_fixtures() {
        let original = reopen(&input);
        let (out, _) = anonymize_to(&input, out_dir.path(), &profile, SALT);
        let output = reopen(&out);
        let name = input.display();

        // Pixel data, byte for byte.
        let pa = original
            .get(tags::PIXEL_DATA)
            .unwrap_or_else(|| panic!("{name}: no pixel data"));
        let pb = output
            .get(tags::PIXEL_DATA)
            .unwrap_or_else(|| panic!("{name}: pixel data lost"));
        assert_eq!(pa.vr(), pb.vr(), "{name}: pixel data VR changed");
        match (pa.value(), pb.value()) {
            (Value::PixelSequence(a), Value::PixelSequence(b)) => {
                assert_eq!(a.offset_table(), b.offset_table(), "{name}: offset table changed");
                assert_eq!(a.fragments().len(), b.fragments().len(), "{name}: fragment count");
                for (i, (fa, fb)) in a.fragments().iter().zip(b.fragments()).enumerate() {
                    assert!(fa == fb, "{name}: fragment {i} changed");
                }
                encapsulated += 1;
            }
            (Value::Primitive(a), Value::Primitive(b)) => {
                assert!(
                    a.to_bytes() == b.to_bytes(),
                    "{name}: native pixel data bytes changed"
                );
                assert!(!a.to_bytes().is_empty());
            }
            _ => panic!("{name}: pixel data changed form (native vs encapsulated)"),
        }

        // Transfer syntax kept.
        assert_eq!(
            trim(original.meta().transfer_syntax()),
            trim(output.meta().transfer_syntax()),
            "{name}: transfer syntax changed"
        );

        // Meta agrees with the dataset.
        let sop = text_of(&output, tags::SOP_INSTANCE_UID).expect("SOP Instance UID");
        assert_eq!(
            trim(output.meta().media_storage_sop_instance_uid()),
            sop,
            "{name}: Media Storage SOP Instance UID does not follow SOP Instance UID"
        );
        assert_eq!(
            trim(output.meta().media_storage_sop_class_uid()),
            text_of(&output, tags::SOP_CLASS_UID).expect("SOP Class UID"),
            "{name}: Media Storage SOP Class UID does not match SOP Class UID"
        );

        // Markers.
        let burned_in = text_of(&original, tags::BURNED_IN_ANNOTATION).is_some_and(|v| v == "YES");
        let is_us = input.file_name().is_some_and(|n| n == "us_multiframe.dcm");
        assert_eq!(
            burned_in, is_us,
            "{name}: only us_multiframe.dcm has Burned In Annotation YES"
        );
        assert_eq!(
            text_of(&output, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
            Some(if is_us { "NO" } else { "YES" }),
            "{name}: Patient Identity Removed"
        );
        let method = output
            .get(tags::DEIDENTIFICATION_METHOD)
            .and_then(|e| e.to_str().ok())
            .unwrap_or_else(|| panic!("{name}: no De-identification Method"));
        assert!(
            !trim(&method).is_empty(),
            "{name}: empty De-identification Method"
        );
        let codes: Vec<String> = output
            .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
            .and_then(|e| e.items())
            .unwrap_or_else(|| panic!("{name}: no De-identification Method Code Sequence"))
            .iter()
            .filter_map(|item| text_of(item, tags::CODE_VALUE))
            .collect();
        assert!(
            codes.iter().any(|c| c == "113100"),
            "{name}: code 113100 missing: {codes:?}"
        );
    }
    assert!(encapsulated >= 1, "no encapsulated fixture checked");
}

// ---------------------------------------------------------------------------------------------
// Malformed inputs
// ---------------------------------------------------------------------------------------------

#[test]
fn malformed_inputs_fail_cleanly_naming_the_file() {
    let profile = basic();
    for input in malformed_fixtures() {
        let out_dir = tempfile::tempdir().unwrap();
        let out = out_dir.path().join("out.dcm");
        let result = dpk::anonymize_file(&input, &out, &profile, &ctx(SALT));
        let err = match result {
            Ok(_) => panic!(
                "{}: anonymize_file succeeded on a malformed file",
                input.display()
            ),
            Err(e) => e.to_string(),
        };
        let file_name = input.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            err.contains(&file_name),
            "{}: the error does not name the file: {err}",
            input.display()
        );
        assert!(!err.contains("e2e-test-salt"), "the error shows the salt: {err}");
        assert!(!out.exists(), "{}: an output was left behind", input.display());
        assert_eq!(
            dir_entries(out_dir.path()),
            Vec::<String>::new(),
            "{}: files left in the output folder (temporary files?)",
            input.display()
        );
        // The library's open also fails on its own.
        assert!(dpk::dataset::open(&input).is_err(), "{}: opens", input.display());
    }
}

// ---------------------------------------------------------------------------------------------
// Retain Safe Private
// ---------------------------------------------------------------------------------------------

#[test]
fn retain_safe_private_keeps_only_the_safe_list() {
    let profile = Profile::builtin("basic")
        .unwrap()
        .with_option("retain-safe-private")
        .resolve()
        .unwrap();
    assert!(profile.has_option("retain-safe-private"));
    let safe = safe_private_list();
    let safe_creators: BTreeSet<&str> = safe.iter().map(|(_, c, _)| c.as_str()).collect();
    let out_dir = tempfile::tempdir().unwrap();
    let mut kept_total = 0;
    for input in valid_fixtures() {
        let original = reopen(&input);
        let (out, _) = anonymize_to(&input, out_dir.path(), &profile, SALT);
        let output = reopen(&out);
        let name = input.display().to_string();

        // 1. Nothing private outside the safe list survives, at any depth.
        walk_private(&output, None, &mut |path, el, item| {
            let tag = el.header().tag;
            if dpk::dataset::private::is_private_creator(tag) {
                let creator = el.to_str().map(|s| trim(&s).to_string()).unwrap_or_default();
                assert!(
                    safe_creators.contains(creator.as_str()),
                    "{name}: unsafe private creator {creator:?} kept at {path}"
                );
                return;
            }
            let creator = creator_in(item, tag);
            let (_, offset) = dpk::dataset::private::block_and_offset(tag)
                .unwrap_or_else(|| panic!("{name}: private element {path} outside any block kept"));
            let key = (tag.group(), creator.clone().unwrap_or_default(), offset);
            assert!(
                safe.contains(&key),
                "{name}: private element {path} (creator {creator:?}) not on the safe list survives"
            );
        });
        assert!(
            !all_text_values(&output)
                .iter()
                .any(|(_, v)| v.starts_with("ACME_")),
            "{name}: an ACME_* private creator survives"
        );

        // 2. Every safe-listed element of the input is kept, with its creator and value.
        let mut kept_here = Vec::new();
        walk_private(&original, None, &mut |path, el, item| {
            let tag = el.header().tag;
            let Some((_, offset)) = dpk::dataset::private::block_and_offset(tag) else {
                return;
            };
            let Some(creator) = creator_in(item, tag) else {
                return;
            };
            if !safe.contains(&(tag.group(), creator.clone(), offset)) {
                return;
            }
            let after = lookup(&output, path)
                .unwrap_or_else(|| panic!("{name}: safe private {path} ({creator}) removed"));
            assert_eq!(
                el.to_bytes().ok(),
                after.to_bytes().ok(),
                "{name}: safe private {path} changed"
            );
            let creator_path = TagPath {
                items: path.items.clone(),
                tag: dpk::dataset::private::creator_tag(tag).unwrap(),
            };
            let creator_after = lookup(&output, &creator_path)
                .and_then(|e| e.to_str().ok())
                .map(|s| trim(&s).to_string());
            assert_eq!(
                creator_after.as_deref(),
                Some(creator.as_str()),
                "{name}: creator of safe private {path} not kept at {creator_path}"
            );
            kept_here.push(path.to_string());
        });
        let must_keep: &[&str] = match flat_name(&input).as_str() {
            "ct_explicit_le.dcm" => &["(0019,1023)", "(0019,1024)", "(0019,1027)"],
            "study__series2__img1.dcm" => &["(0019,1123)", "(0019,1124)", "(0019,1127)"],
            _ => &[],
        };
        for tag in must_keep {
            assert!(
                kept_here.iter().any(|k| k == tag),
                "{name}: safe private {tag} not kept ({kept_here:?})"
            );
        }
        if flat_name(&input) == "ct_explicit_le.dcm" {
            assert!(
                output.get(Tag(0x0029, 0x0010)).is_none()
                    && !output.iter().any(|e| e.header().tag.group() == 0x0029),
                "{name}: the ACME_PHI_01 block (0029,xxxx) survives"
            );
        }
        if flat_name(&input) == "study__series2__img1.dcm" {
            assert!(
                output.get(Tag(0x0019, 0x0010)).is_none() && output.get(Tag(0x0019, 0x1001)).is_none(),
                "{name}: the unsafe ACME_RECON_02 block at (0019,0010) survives"
            );
        }
        kept_total += kept_here.len();
    }
    assert!(kept_total >= 6);
    eprintln!("retain-safe-private: {kept_total} safe private elements kept");
}

// ---------------------------------------------------------------------------------------------
// Plan and apply agree
// ---------------------------------------------------------------------------------------------

fn rendered(el: &InMemElement) -> String {
    dpk::dataset::render(&Snapshot::of(el.value()), el.vr(), 0)
}

#[test]
fn apply_does_what_the_plan_says() {
    let profiles = [("basic", basic()), ("hash-name (in code)", hash_name_in_code())];
    let out_dir = tempfile::tempdir().unwrap();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (label, profile) in &profiles {
        for input in valid_fixtures() {
            let name = format!("{} [{label}]", input.display());
            let file = dpk::dataset::open(&input).unwrap();
            let plan = dpk::plan(&file, profile, &ctx(SALT)).unwrap();
            let applied = dpk::apply(&plan, file).unwrap();
            let out = out_dir.path().join(format!("{label}-{}", flat_name(&input)));
            dpk::dataset::write_atomic(&applied, &out).unwrap();
            let reread = reopen(&out);
            assert_eq!(plan.change_count(), plan.changes().count());
            for c in &plan.entries {
                let path = &c.path;
                for (which, obj) in [("applied", &*applied), ("re-read", &*reread)] {
                    let el = lookup(obj, path);
                    match c.kind {
                        ChangeKind::Removed => {
                            assert!(
                                el.is_none(),
                                "{name} ({which}): {path} planned Removed but present"
                            );
                        }
                        ChangeKind::Emptied => {
                            let el = el.unwrap_or_else(|| {
                                panic!("{name} ({which}): {path} planned Emptied but absent")
                            });
                            assert!(
                                Snapshot::of(el.value()).is_empty(),
                                "{name} ({which}): {path} planned Emptied but holds {:?}",
                                rendered(el)
                            );
                        }
                        ChangeKind::Replaced | ChangeKind::Added => {
                            let el = el.unwrap_or_else(|| {
                                panic!("{name} ({which}): {path} planned {:?} but absent", c.kind)
                            });
                            let after = c.after.as_ref().expect("a replaced entry has an after value");
                            assert_eq!(
                                rendered(el),
                                dpk::dataset::render(after, el.vr(), 0),
                                "{name} ({which}): {path} does not hold the planned value"
                            );
                        }
                        ChangeKind::Unchanged => {
                            // Present unless an enclosing sequence was removed or emptied.
                            let parent_gone = (1..=path.items.len()).any(|d| {
                                let seq_path = TagPath {
                                    items: path.items[..d - 1].to_vec(),
                                    tag: path.items[d - 1].sequence,
                                };
                                plan.entry(&seq_path).is_some_and(|e| {
                                    matches!(e.kind, ChangeKind::Removed | ChangeKind::Emptied)
                                })
                            });
                            if !parent_gone && c.before.is_some() {
                                assert!(
                                    el.is_some(),
                                    "{name} ({which}): {path} planned Unchanged but absent"
                                );
                            }
                        }
                        other => panic!(
                            "{name} ({which}): {path}: a change kind this test does not know: {other:?}"
                        ),
                    }
                }
                *counts.entry(dpk::diff::kind_label(c.kind)).or_default() += 1;
            }
            // The meta entries too.
            for c in &plan.meta {
                if c.path.tag == tags::MEDIA_STORAGE_SOP_INSTANCE_UID {
                    let after = c.after.as_ref().map(|a| dpk::dataset::render(a, VR::UI, 0));
                    assert_eq!(
                        after.as_deref(),
                        Some(trim(reread.meta().media_storage_sop_instance_uid())),
                        "{name}: meta entry not applied"
                    );
                }
            }
        }
    }
    for kind in ["removed", "emptied", "replaced", "added"] {
        assert!(
            counts.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} entry was checked: {counts:?}"
        );
    }
    eprintln!("plan/apply: entries checked by kind: {counts:?}");
}

// ---------------------------------------------------------------------------------------------
// Hash-Name example profile
// ---------------------------------------------------------------------------------------------

fn check_hash_name(profile: &ResolvedProfile) {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut names_a = BTreeSet::new();
    let mut names_b = BTreeSet::new();
    for input in study_fixtures() {
        let original = reopen(&input);
        let before = text_of(&original, tags::PATIENT_NAME).unwrap();
        let (out_a, plan) = anonymize_to(&input, a.path(), profile, SALT);
        let (out_b, _) = anonymize_to(&input, b.path(), profile, OTHER_SALT);
        let (fa, fb) = (reopen(&out_a), reopen(&out_b));
        let name_a = text_of(&fa, tags::PATIENT_NAME).unwrap_or_default();
        assert!(
            !name_a.is_empty(),
            "{}: hashed Patient's Name is empty",
            input.display()
        );
        assert_ne!(name_a, before, "{}: Patient's Name kept", input.display());
        assert!(
            !name_a.contains("Smith"),
            "{}: hash shows the name",
            input.display()
        );
        names_a.insert(name_a);
        names_b.insert(text_of(&fb, tags::PATIENT_NAME).unwrap_or_default());
        assert!(
            fa.get(tags::STUDY_DESCRIPTION).is_none(),
            "{}: Study Description not removed",
            input.display()
        );
        let entry = plan
            .entry(&TagPath::root(tags::PATIENT_NAME))
            .expect("plan entry for Patient's Name");
        assert_eq!(entry.decision.as_ref().map(|d| d.action), Some(Action::Hash));
    }
    assert_eq!(
        names_a.len(),
        1,
        "the hashed name differs across the study: {names_a:?}"
    );
    assert_eq!(names_b.len(), 1);
    assert_ne!(names_a, names_b, "the hashed name is the same under another salt");
}

#[test]
fn hash_name_rules_built_in_code() {
    check_hash_name(&hash_name_in_code());
}

#[test]
fn hash_name_example_profile_file() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/examples/hash-name.ron");
    let profile =
        Profile::load(&path).unwrap_or_else(|e| panic!("profiles/examples/hash-name.ron does not load: {e}"));
    let resolved = profile.resolve().unwrap();
    assert_eq!(resolved.name(), "hash-name");
    check_hash_name(&resolved);
}

// ---------------------------------------------------------------------------------------------
// Validity: dciodvfy
// ---------------------------------------------------------------------------------------------

fn dciodvfy_errors(path: &Path) -> (usize, String) {
    let errors = dciodvfy::errors(path);
    (errors.len(), errors.join("\n"))
}

#[test]
fn dciodvfy_finds_no_new_errors() -> TestResult {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("dciodvfy").is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "dciodvfy is not on PATH: install dicom3tools (`apt-get install -y dicom3tools`; `.ci/run` does it in CI)"
    );
    let profile = basic();
    let out_dir = tempfile::tempdir()?;
    let mut checked = 0;
    for input in valid_fixtures() {
        if is_deflated(&reopen(&input)) {
            continue; // Debian's dciodvfy cannot read deflated data sets.
        }
        let (out, _) = anonymize_to(&input, out_dir.path(), &profile, SALT);
        let (before, _) = dciodvfy_errors(&input);
        let (after, errors) = dciodvfy_errors(&out);
        assert!(
            after <= before,
            "{}: dciodvfy reports {after} errors on the output, {before} on the input:\n{errors}",
            input.display()
        );
        checked += 1;
    }
    assert!(checked >= 11, "only {checked} files checked with dciodvfy");
    eprintln!("dciodvfy: {checked} outputs, no new errors");
    Ok(())
}
