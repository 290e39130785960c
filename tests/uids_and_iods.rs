//! UIDs are never constant or shared between inputs, every UID that names an entity is
//! replaced whatever attribute holds it (registry UIDs stay), URLs go, and an output is no less
//! valid than its input (dciodvfy), on files built here: a CT with UIDs and URLs outside Table
//! E.1-1, a GSPS with overlay planes, an SR with a referenced request, a VL photograph with an
//! acquisition context.

#[path = "support/dciodvfy.rs"]
mod dciodvfy;
#[path = "support/uid_iod.rs"]
mod uid_iod;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dicom_core::value::Value;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{open_file, DefaultDicomObject, InMemDicomObject};
use dpk::dataset::TagPath;
use dpk::diff::ChangeKind;
use dpk::{Action, Context, Plan, Profile, ResolvedProfile, Salt};
use uid_iod::{uid, Result, ALMA, BRUNO};

const SALT: &[u8] = b"uid-iod-test-salt-NEVER-IN-OUTPUT";

fn ctx() -> Context {
    Context::new(Salt::new(SALT.to_vec()).expect("salt"))
}

fn basic() -> ResolvedProfile {
    Profile::builtin("basic")
        .expect("basic")
        .resolve()
        .expect("resolves")
}

fn basic_with(option: &str) -> ResolvedProfile {
    Profile::builtin("basic")
        .expect("basic")
        .with_option(option)
        .resolve()
        .expect("resolves")
}

fn salt() -> Salt {
    Salt::new(SALT.to_vec()).expect("salt")
}

fn anonymize(input: &Path, out_dir: &Path, profile: &ResolvedProfile) -> Result<(PathBuf, Plan)> {
    let name = input.file_name().ok_or("input has a name")?;
    let out = out_dir.join(name);
    let plan = dpk::anonymize_file(input, &out, profile, &ctx())?;
    Ok((out, plan))
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let v = obj.element(tag).ok()?.to_str().ok()?;
    Some(v.trim_end_matches(['\0', ' ']).to_string())
}

fn item(obj: &InMemDicomObject, seq: Tag, i: usize) -> Option<&InMemDicomObject> {
    obj.element(seq).ok()?.items()?.get(i)
}

/// Every UI value of a data set, at every depth, with its tag.
fn ui_values(obj: &InMemDicomObject, out: &mut Vec<(Tag, String)>) {
    for el in obj {
        match el.value() {
            Value::Sequence(seq) => seq.items().iter().for_each(|i| ui_values(i, out)),
            Value::Primitive(p) if el.vr() == VR::UI => {
                for v in p.to_multi_str().iter() {
                    out.push((el.header().tag, v.trim_end_matches(['\0', ' ']).to_string()));
                }
            }
            _ => {}
        }
    }
}

fn all_uids(file: &DefaultDicomObject) -> Vec<(Tag, String)> {
    let mut out = Vec::new();
    ui_values(file, &mut out);
    out.push((
        tags::MEDIA_STORAGE_SOP_INSTANCE_UID,
        file.meta().media_storage_sop_instance_uid().to_string(),
    ));
    out
}

/// dciodvfy's error lines for a file.
fn dciodvfy_errors(path: &Path) -> BTreeSet<String> {
    dciodvfy::errors(path).into_iter().collect()
}

/// Asserts that dciodvfy finds no error in `output` that it does not find in `input`.
fn no_new_dciodvfy_errors(input: &Path, output: &Path) {
    let before = dciodvfy_errors(input);
    let after = dciodvfy_errors(output);
    let new: Vec<&String> = after.difference(&before).collect();
    assert!(
        new.is_empty(),
        "{}: dciodvfy errors the input did not have:\n{new:#?}\n(input had {before:#?})",
        output.display()
    );
}

fn decision_note(plan: &Plan, path: &TagPath) -> String {
    plan.entry(path)
        .and_then(|c| c.decision.as_ref())
        .and_then(|d| d.note.as_ref())
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// Two CT images of one series and a third of another patient; the second names the first
/// as its concatenation source.
fn write_cts(dir: &Path) -> Result<Vec<(PathBuf, String)>> {
    let study = uid(1, 1);
    let series = uid(2, 1);
    let (a, b, c) = (uid(3, 1), uid(3, 2), uid(3, 3));
    let files = [
        ("a.dcm", uid_iod::ct(&ALMA, &study, &series, &a, &a), a.clone()),
        ("b.dcm", uid_iod::ct(&ALMA, &study, &series, &b, &a), b.clone()),
        (
            "c.dcm",
            uid_iod::ct(&BRUNO, &uid(1, 2), &uid(2, 2), &c, &c),
            c.clone(),
        ),
    ];
    let mut out = Vec::new();
    for (name, ds, instance) in files {
        let path = dir.join(name);
        uid_iod::write(&path, ds, dicom_dictionary_std::uids::CT_IMAGE_STORAGE, &instance)?;
        out.push((path, instance));
    }
    Ok(out)
}

#[test]
fn uids_outside_the_table_are_replaced_and_registry_uids_stay() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out_dir = tempfile::tempdir()?;
    let inputs = write_cts(dir.path())?;
    let profile = basic_with("retain-safe-private");
    let s = salt();
    let mut outputs = Vec::new();
    for (input, _) in &inputs {
        let (out, plan) = anonymize(input, out_dir.path(), &profile)?;
        outputs.push((open_file(&out)?, plan, out));
    }
    let (b, b_plan, _) = &outputs[1];
    let a = &outputs[0].0;

    // SOP Instance UID of Concatenation Source: the first image's new UID, not its original.
    let source = text(b, tags::SOP_INSTANCE_UID_OF_CONCATENATION_SOURCE).ok_or("kept")?;
    assert_eq!(source, text(a, tags::SOP_INSTANCE_UID).ok_or("SOP Instance UID")?);
    assert_eq!(source, s.remap_uid(&inputs[0].1));
    let entry = b_plan
        .entry(&TagPath::root(tags::SOP_INSTANCE_UID_OF_CONCATENATION_SOURCE))
        .ok_or("planned")?;
    assert_eq!(entry.kind, ChangeKind::Replaced);

    // A UID no rule matches, nested: replaced.
    let nested = item(b, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE, 0).ok_or("item kept")?;
    assert_eq!(text(nested, Tag(0x0020, 0x9312)), Some(s.remap_uid(&uid(4, 2))));

    // A private UID kept by Retain Safe Private: replaced like the Series Instance UID it is.
    assert_eq!(text(b, Tag(0x0099, 0x1002)), text(b, tags::SERIES_INSTANCE_UID));
    assert_eq!(text(b, Tag(0x0099, 0x1002)), Some(s.remap_uid(&uid(2, 1))));

    // Registry UIDs stay: a coding scheme, a well-known frame of reference, the SOP class.
    let region = item(b, tags::ANATOMIC_REGION_SEQUENCE, 0).ok_or("region kept")?;
    assert_eq!(
        text(region, tags::CODING_SCHEME_UID).as_deref(),
        Some("2.16.840.1.113883.6.96")
    );
    assert_eq!(
        text(b, tags::SYNCHRONIZATION_FRAME_OF_REFERENCE_UID).as_deref(),
        Some("1.2.840.10008.15.1.1")
    );
    assert_eq!(
        text(b, tags::SOP_CLASS_UID).as_deref(),
        Some(dicom_dictionary_std::uids::CT_IMAGE_STORAGE)
    );

    // URLs are gone, at every depth.
    for (out, _, _) in &outputs {
        assert!(out.element(tags::RETRIEVE_URL).is_err());
        assert!(out.element(Tag(0x0040, 0xE010)).is_err());
        let series_item = item(out, tags::REFERENCED_SERIES_SEQUENCE, 0).ok_or("item")?;
        assert!(series_item.element(tags::RETRIEVE_URL).is_err());
    }

    // No original UID survives except registry ones; the meta group follows the data set.
    let originals: BTreeSet<String> = inputs
        .iter()
        .flat_map(|(p, _)| all_uids(&open_file(p).expect("input opens")))
        .map(|(_, v)| v)
        .filter(|v| !v.starts_with("1.2.840.10008.") && !v.starts_with("2.16.840.1.113883.6."))
        .collect();
    for (out, _, path) in &outputs {
        for (tag, v) in all_uids(out) {
            assert!(!originals.contains(&v), "{}: {tag} keeps {v}", path.display());
            assert_ne!(v, "2.25.0", "{}: {tag}", path.display());
        }
        assert_eq!(
            out.meta().media_storage_sop_instance_uid(),
            text(out, tags::SOP_INSTANCE_UID).ok_or("SOP Instance UID")?
        );
    }
    // Same study, same new Study UID; another patient's study another one; three instances,
    // three SOP Instance UIDs.
    let study = |o: &DefaultDicomObject| text(o, tags::STUDY_INSTANCE_UID);
    assert_eq!(study(&outputs[0].0), study(&outputs[1].0));
    assert_ne!(study(&outputs[0].0), study(&outputs[2].0));
    let instances: BTreeSet<Option<String>> = outputs
        .iter()
        .map(|(o, _, _)| text(o, tags::SOP_INSTANCE_UID))
        .collect();
    assert_eq!(instances.len(), 3);
    Ok(())
}

#[test]
fn outputs_are_reproducible_and_keep_no_url_in_the_plan() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let inputs = write_cts(dir.path())?;
    let (one, two) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let (first, plan) = anonymize(&inputs[1].0, one.path(), &basic())?;
    let (second, _) = anonymize(&inputs[1].0, two.path(), &basic())?;
    assert_eq!(std::fs::read(first)?, std::fs::read(second)?);
    let url = plan.entry(&TagPath::root(tags::RETRIEVE_URL)).ok_or("planned")?;
    assert_eq!(url.kind, ChangeKind::Removed);
    let rule = url
        .decision
        .as_ref()
        .map(|d| d.rule.to_string())
        .unwrap_or_default();
    assert!(rule.contains("URL"), "{rule}");
    Ok(())
}

/// A profile that asks for dummy UIDs: each output has its own, derived from its own
/// original (or, where that is empty, from the input), never the constant 2.25.0.
#[test]
fn dummy_uids_are_never_constant_nor_shared() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out_dir = tempfile::tempdir()?;
    let profile = Profile::extending("dummy-uids", "basic")
        .with_rule("StudyInstanceUID".parse()?, Action::Dummy)
        .with_rule("ConcatenationUID".parse()?, Action::Dummy)
        .resolve()?;
    let mut studies = Vec::new();
    let mut concatenations = Vec::new();
    for (n, p) in [&ALMA, &BRUNO].into_iter().enumerate() {
        let n = n as u32 + 1;
        let instance = uid(3, 10 + n);
        let ds = uid_iod::ct(p, &uid(1, 10 + n), &uid(2, 10 + n), &instance, &instance).s(
            tags::CONCATENATION_UID,
            VR::UI,
            "",
        );
        let path = dir.path().join(format!("d{n}.dcm"));
        uid_iod::write(&path, ds, dicom_dictionary_std::uids::CT_IMAGE_STORAGE, &instance)?;
        let (out, plan) = anonymize(&path, out_dir.path(), &profile)?;
        let out = open_file(&out)?;
        studies.push(text(&out, tags::STUDY_INSTANCE_UID).ok_or("study")?);
        concatenations.push(text(&out, tags::CONCATENATION_UID).ok_or("concatenation")?);
        let note = decision_note(&plan, &TagPath::root(tags::STUDY_INSTANCE_UID));
        assert!(note.contains("dummy UID"), "{note}");
    }
    for v in studies.iter().chain(&concatenations) {
        assert_ne!(v, "2.25.0");
        assert!(v.starts_with("2.25.") && v.len() > 10, "{v}");
    }
    assert_ne!(studies[0], studies[1]);
    assert_ne!(concatenations[0], concatenations[1]);
    Ok(())
}

#[test]
fn gsps_loses_whole_overlay_planes_and_keeps_its_type_1_dates() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out_dir = tempfile::tempdir()?;
    let input = dir.path().join("gsps.dcm");
    let instance = uid(3, 40);
    let ds = uid_iod::gsps(&ALMA, &uid(1, 1), &uid(2, 40), &instance, &uid(2, 1), &uid(3, 1));
    uid_iod::write(
        &input,
        ds,
        dicom_dictionary_std::uids::GRAYSCALE_SOFTCOPY_PRESENTATION_STATE_STORAGE,
        &instance,
    )?;
    let (out, plan) = anonymize(&input, out_dir.path(), &basic())?;
    let obj = open_file(&out)?;
    let left: Vec<Tag> = obj
        .iter()
        .map(|e| e.header().tag)
        .filter(|t| (0x6000..=0x60FF).contains(&t.group()))
        .collect();
    assert!(left.is_empty(), "overlay elements left: {left:?}");
    let rows = plan.entry(&TagPath::root(Tag(0x6002, 0x0010))).ok_or("planned")?;
    assert_eq!(rows.kind, ChangeKind::Removed);
    for tag in [tags::PRESENTATION_CREATION_DATE, tags::PRESENTATION_CREATION_TIME] {
        let v = text(&obj, tag).ok_or("Type 1 date kept")?;
        assert!(!v.is_empty() && v != "20240316" && v != "090000", "{v}");
        let note = decision_note(&plan, &TagPath::root(tag));
        assert!(
            note.contains("Type 1 in Grayscale Softcopy Presentation State"),
            "{note}"
        );
    }
    no_new_dciodvfy_errors(&input, &out);
    Ok(())
}

#[test]
fn sr_referenced_request_keeps_its_type_2_attributes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out_dir = tempfile::tempdir()?;
    let input = dir.path().join("sr.dcm");
    let instance = uid(3, 50);
    uid_iod::write(
        &input,
        uid_iod::sr(&ALMA, &uid(1, 1), &uid(2, 50), &instance),
        dicom_dictionary_std::uids::BASIC_TEXT_SR_STORAGE,
        &instance,
    )?;
    let (out, plan) = anonymize(&input, out_dir.path(), &basic())?;
    let obj = open_file(&out)?;
    let request = item(&obj, tags::REFERENCED_REQUEST_SEQUENCE, 0).ok_or("request kept")?;
    assert_eq!(text(request, tags::REQUESTED_PROCEDURE_ID).as_deref(), Some(""));
    assert_eq!(text(request, tags::ACCESSION_NUMBER).as_deref(), Some(""));
    let path = TagPath::root(tags::REFERENCED_REQUEST_SEQUENCE).child(0, tags::REQUESTED_PROCEDURE_ID);
    let entry = plan.entry(&path).ok_or("planned")?;
    assert_eq!(entry.decision.as_ref().map(|d| d.action), Some(Action::Empty));
    assert!(decision_note(&plan, &path).contains("Type 2 in Basic Text SR"));
    assert_eq!(
        text(request, tags::STUDY_INSTANCE_UID),
        text(&obj, tags::STUDY_INSTANCE_UID),
        "the request's study is the remapped study"
    );
    no_new_dciodvfy_errors(&input, &out);
    Ok(())
}

#[test]
fn acquisition_context_is_emptied_not_removed() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out_dir = tempfile::tempdir()?;
    let input = dir.path().join("vl.dcm");
    let instance = uid(3, 60);
    uid_iod::write(
        &input,
        uid_iod::vl_photo(&ALMA, &uid(1, 1), &uid(2, 60), &instance),
        dicom_dictionary_std::uids::VL_PHOTOGRAPHIC_IMAGE_STORAGE,
        &instance,
    )?;
    let (out, _) = anonymize(&input, out_dir.path(), &basic())?;
    let obj = open_file(&out)?;
    let seq = obj.element(tags::ACQUISITION_CONTEXT_SEQUENCE)?;
    assert_eq!(seq.items().map(|i| i.len()), Some(0));
    no_new_dciodvfy_errors(&input, &out);
    Ok(())
}

#[test]
fn ct_output_has_no_new_dciodvfy_error() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out_dir = tempfile::tempdir()?;
    let inputs = write_cts(dir.path())?;
    let (out, _) = anonymize(&inputs[1].0, out_dir.path(), &basic_with("retain-safe-private"))?;
    no_new_dciodvfy_errors(&inputs[1].0, &out);
    Ok(())
}

/// A file with neither a SOP Instance UID nor a meta UID gets one derived from its content
/// with the salt: the same for the same input, another for another input, never a constant.
#[test]
fn a_file_without_any_instance_uid_gets_its_own() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out_dir = tempfile::tempdir()?;
    let mut uids = Vec::new();
    for (n, p) in [&ALMA, &BRUNO, &ALMA].into_iter().enumerate() {
        let mut ds = uid_iod::ct(p, &uid(1, 70), &uid(2, 70), "", "");
        ds.0.remove_element(tags::SOP_INSTANCE_UID);
        ds.0.remove_element(tags::SOP_INSTANCE_UID_OF_CONCATENATION_SOURCE);
        let path = dir.path().join(format!("n{n}.dcm"));
        uid_iod::write(&path, ds, dicom_dictionary_std::uids::CT_IMAGE_STORAGE, "")?;
        assert_eq!(open_file(&path)?.meta().media_storage_sop_instance_uid(), "");
        let (out, plan) = anonymize(&path, out_dir.path(), &basic())?;
        let meta_uid = open_file(&out)?
            .meta()
            .media_storage_sop_instance_uid()
            .to_string();
        assert!(
            meta_uid.starts_with("2.25.") && meta_uid != "2.25.0",
            "{meta_uid}"
        );
        let entry = plan
            .meta
            .iter()
            .find(|c| c.path.tag == tags::MEDIA_STORAGE_SOP_INSTANCE_UID)
            .ok_or("the meta UID is planned")?;
        assert_eq!(entry.kind, ChangeKind::Replaced);
        uids.push(meta_uid);
    }
    // Alma's two files are byte for byte the same input: the same UID; Bruno's another.
    assert_eq!(uids[0], uids[2]);
    assert_ne!(uids[0], uids[1]);
    Ok(())
}

/// A profile without a salt that removes Overlay Data still removes the whole plane.
#[test]
fn overlay_planes_go_whole_without_a_salt_too() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out_dir = tempfile::tempdir()?;
    let input = dir.path().join("gsps.dcm");
    let instance = uid(3, 41);
    let ds = uid_iod::gsps(&ALMA, &uid(1, 1), &uid(2, 41), &instance, &uid(2, 1), &uid(3, 1));
    uid_iod::write(
        &input,
        ds,
        dicom_dictionary_std::uids::GRAYSCALE_SOFTCOPY_PRESENTATION_STATE_STORAGE,
        &instance,
    )?;
    let profile = Profile::from_ron(
        r#"(name: "overlay-data", rules: [(select: "(60xx,3000)", action: Remove)])"#,
        "test",
    )?
    .resolve()?;
    let out = out_dir.path().join("gsps.dcm");
    dpk::anonymize_file(&input, &out, &profile, &Context::without_salt())?;
    let obj = open_file(&out)?;
    assert!(obj
        .iter()
        .all(|e| !(0x6000..=0x60FF).contains(&e.header().tag.group())));
    assert_eq!(text(&obj, tags::PATIENT_NAME).as_deref(), Some("FICTIVE^ALMA"));
    Ok(())
}

/// In an IOD whose Acquisition Context module is mandatory (Enhanced CT), X/Z on Acquisition
/// Context Sequence (Type 2) empties it, and the plan says which Type decided; under a SOP
/// Class dpk does not know, the left-most action removes it.
#[test]
fn acquisition_context_follows_the_iod() -> Result<()> {
    let mut results = Vec::new();
    for class in [
        dicom_dictionary_std::uids::ENHANCED_CT_IMAGE_STORAGE,
        "1.2.826.0.1.3680043.10.999.77",
    ] {
        let ds = uid_iod::vl_photo(&ALMA, &uid(1, 1), &uid(2, 80), &uid(3, 80)).s(
            tags::SOP_CLASS_UID,
            VR::UI,
            class,
        );
        let dir = tempfile::tempdir()?;
        let input = dir.path().join("in.dcm");
        uid_iod::write(&input, ds, class, &uid(3, 80))?;
        let file = dpk::dataset::open(&input)?;
        let plan = dpk::plan(&file, &basic(), &ctx())?;
        let entry = plan
            .entry(&TagPath::root(tags::ACQUISITION_CONTEXT_SEQUENCE))
            .ok_or("planned")?;
        results.push((
            entry.kind,
            decision_note(&plan, &TagPath::root(tags::ACQUISITION_CONTEXT_SEQUENCE)),
        ));
    }
    assert_eq!(results[0].0, ChangeKind::Emptied);
    assert!(
        results[0].1.contains("Type 2 in Enhanced CT Image"),
        "{}",
        results[0].1
    );
    assert_eq!(results[1].0, ChangeKind::Removed);
    Ok(())
}
