//! A de-identified DICOMDIR loads: its offsets name its records as written, its records agree
//! with the de-identified files, its Type 1 keys hold dummies, and it carries no identity —
//! on a DICOMDIR of two patients' files built here.

#[path = "support/dciodvfy.rs"]
mod dciodvfy;
#[path = "support/uid_iod.rs"]
mod uid_iod;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use dicom_core::Tag;
use dicom_dictionary_std::{tags, uids};
use dicom_object::{open_file, InMemDicomObject};
use dpk::dataset::TagPath;
use dpk::diff::ChangeKind;
use dpk::{Context, Plan, Profile, ResolvedProfile, Salt};
use uid_iod::{uid, Member, Patient, Result};

const SALT: &[u8] = b"dicomdir-test-salt-NEVER-IN-OUTPUT";

/// Patients whose IDs are valid file ID components, as some media creators use them.
const ALMA: Patient = Patient {
    name: "FICTIVE^ALMA",
    id: "PA000123",
    birth: "19610203",
    sex: "F",
};
const BRUNO: Patient = Patient {
    name: "FICTIVE^BRUNO",
    id: "PB000456",
    birth: "19720405",
    sex: "M",
};

fn basic() -> ResolvedProfile {
    Profile::builtin("basic")
        .expect("basic")
        .resolve()
        .expect("resolves")
}

fn ctx() -> Context {
    Context::new(Salt::new(SALT.to_vec()).expect("salt"))
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let v = obj.element(tag).ok()?.to_str().ok()?;
    Some(v.trim_end_matches(['\0', ' ']).to_string())
}

fn offset(obj: &InMemDicomObject, tag: Tag) -> Option<usize> {
    obj.element(tag).ok()?.to_int::<u32>().ok().map(|v| v as usize)
}

/// A file-set of two patients' CT images and its DICOMDIR, under `dir`.
struct FileSet {
    dicomdir: PathBuf,
    images: Vec<PathBuf>,
    members: Vec<(String, String, String)>,
}

fn file_set(dir: &Path) -> Result<FileSet> {
    let mut members = Vec::new();
    let mut images = Vec::new();
    let mut keys = Vec::new();
    for (n, p) in [&ALMA, &BRUNO].into_iter().enumerate() {
        let n = n as u32 + 1;
        let (study, series, instance) = (uid(1, 20 + n), uid(2, 20 + n), uid(3, 20 + n));
        let folder = dir.join(p.id);
        std::fs::create_dir_all(&folder)?;
        let image = folder.join("IM000001");
        uid_iod::write(
            &image,
            uid_iod::ct(p, &study, &series, &instance, &instance),
            uids::CT_IMAGE_STORAGE,
            &instance,
        )?;
        images.push(image);
        keys.push((study.clone(), series.clone(), instance.clone()));
        members.push(Member {
            patient: p,
            study,
            series,
            instance,
            file_id: vec![p.id, "IM000001"],
        });
    }
    let dicomdir = dir.join("DICOMDIR");
    uid_iod::dicomdir(&dicomdir, &members, &uid(9, 1))?;
    Ok(FileSet {
        dicomdir,
        images,
        members: keys,
    })
}

fn anonymize(input: &Path, output: &Path) -> Result<Plan> {
    if let Some(parent) = output.parent() {
        std::fs::create_dir_all(parent)?;
    }
    Ok(dpk::anonymize_file(input, output, &basic(), &ctx())?)
}

/// The records of a DICOMDIR and the byte position of each (by an independent reading).
fn records(path: &Path) -> Result<(Vec<InMemDicomObject>, Vec<usize>)> {
    let obj = open_file(path)?;
    let items = obj
        .element(tags::DIRECTORY_RECORD_SEQUENCE)?
        .items()
        .ok_or("Directory Record Sequence")?
        .to_vec();
    let starts = uid_iod::record_starts(&std::fs::read(path)?);
    assert_eq!(items.len(), starts.len(), "each record found in the bytes");
    Ok((items, starts))
}

/// The index of the record at byte `at`; fails when no record begins there.
fn record_at(starts: &[usize], at: usize) -> usize {
    starts
        .iter()
        .position(|&s| s == at)
        .unwrap_or_else(|| panic!("offset {at} names no record (records at {starts:?})"))
}

fn dciodvfy_errors(path: &Path) -> BTreeSet<String> {
    dciodvfy::errors(path).into_iter().collect()
}

#[test]
fn the_generated_dicomdir_is_sound() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let set = file_set(dir.path())?;
    let (items, starts) = records(&set.dicomdir)?;
    let obj = open_file(&set.dicomdir)?;
    let first = offset(
        &obj,
        tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
    )
    .ok_or("root offset")?;
    assert_eq!(record_at(&starts, first), 0);
    assert_eq!(
        dpk::engine::dicomdir::record_positions(&std::fs::read(&set.dicomdir)?)?,
        starts.iter().map(|&s| s as u64).collect::<Vec<_>>()
    );
    assert_eq!(items.len(), 8);
    Ok(())
}

#[test]
fn a_deidentified_dicomdir_loads_and_agrees_with_its_files() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out = tempfile::tempdir()?;
    let set = file_set(dir.path())?;
    let out_dicomdir = out.path().join("DICOMDIR");
    let plan = anonymize(&set.dicomdir, &out_dicomdir)?;
    let mut out_images = Vec::new();
    for image in &set.images {
        let rel = image.strip_prefix(dir.path())?;
        let target = out.path().join(rel);
        anonymize(image, &target)?;
        out_images.push(open_file(&target)?);
    }

    // Follow the offsets from the root: PATIENT → STUDY → SERIES → IMAGE, then the next
    // PATIENT; the last root record is the second patient.
    let (items, starts) = records(&out_dicomdir)?;
    let root = open_file(&out_dicomdir)?;
    let first = offset(
        &root,
        tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
    )
    .ok_or("first root offset")?;
    let last = offset(
        &root,
        tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
    )
    .ok_or("last root offset")?;
    let mut patient = Some(record_at(&starts, first));
    let mut seen = 0;
    let mut patient_ids = BTreeSet::new();
    while let Some(p) = patient {
        let out_file = &out_images[seen];
        let chain: Vec<usize> = {
            let mut chain = vec![p];
            let mut at = p;
            while let Some(lower) = offset(
                &items[at],
                tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY,
            )
            .filter(|&o| o != 0)
            {
                at = record_at(&starts, lower);
                chain.push(at);
            }
            chain
        };
        let types: Vec<String> = chain
            .iter()
            .map(|&i| text(&items[i], tags::DIRECTORY_RECORD_TYPE).unwrap_or_default())
            .collect();
        assert_eq!(types, ["PATIENT", "STUDY", "SERIES", "IMAGE"]);
        let [pat, study, series, image] = [chain[0], chain[1], chain[2], chain[3]].map(|i| &items[i]);

        // Records agree with the de-identified files.
        assert_eq!(
            text(study, tags::STUDY_INSTANCE_UID),
            text(out_file, tags::STUDY_INSTANCE_UID)
        );
        assert_eq!(
            text(series, tags::SERIES_INSTANCE_UID),
            text(out_file, tags::SERIES_INSTANCE_UID)
        );
        assert_eq!(
            text(image, tags::REFERENCED_SOP_INSTANCE_UID_IN_FILE),
            text(out_file, tags::SOP_INSTANCE_UID)
        );
        assert_ne!(
            text(out_file, tags::SOP_INSTANCE_UID),
            Some(set.members[seen].2.clone())
        );
        assert_eq!(
            text(image, tags::REFERENCED_SOP_CLASS_UID_IN_FILE).as_deref(),
            Some(uids::CT_IMAGE_STORAGE)
        );

        // Type 1 keys hold dummies, Type 2 ones are empty.
        let pid = text(pat, tags::PATIENT_ID).ok_or("Patient ID kept")?;
        assert!(!pid.is_empty() && pid != ALMA.id && pid != BRUNO.id, "{pid}");
        patient_ids.insert(pid);
        assert_eq!(text(pat, tags::PATIENT_NAME).as_deref(), Some(""));
        let date = text(study, tags::STUDY_DATE).ok_or("Study Date kept")?;
        assert!(!date.is_empty() && date != "20240315", "{date}");
        assert!(!text(study, tags::STUDY_TIME).unwrap_or_default().is_empty());
        assert!(!text(study, tags::STUDY_ID).unwrap_or_default().is_empty());
        assert_eq!(text(study, tags::STUDY_DESCRIPTION).as_deref(), Some(""));
        assert_eq!(text(study, tags::ACCESSION_NUMBER).as_deref(), Some(""));

        // The file ID no longer names the patient; the rest of it stays.
        let file_id = image.element(tags::REFERENCED_FILE_ID)?.to_multi_str()?.to_vec();
        assert_eq!(file_id.len(), 2);
        assert!(
            file_id[0].len() == 8 && file_id[0].chars().all(|c| c.is_ascii_hexdigit()),
            "{file_id:?}"
        );
        assert_eq!(file_id[1].trim_end(), "IM000001");

        seen += 1;
        let next = offset(pat, tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD).filter(|&o| o != 0);
        if next.is_none() {
            assert_eq!(starts[p], last, "the last root record");
        }
        patient = next.map(|o| record_at(&starts, o));
    }
    assert_eq!(seen, 2);
    assert_eq!(patient_ids.len(), 2, "two patients keep two distinct Patient IDs");

    // The plan says the offsets were written anew.
    let path =
        TagPath::root(tags::DIRECTORY_RECORD_SEQUENCE).child(0, tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD);
    let entry = plan.entry(&path).ok_or("planned")?;
    assert_eq!(entry.kind, ChangeKind::Replaced);

    // The meta group: a new instance UID derived from the original, never a constant.
    let meta_uid = root.meta().media_storage_sop_instance_uid().to_string();
    let salt = Salt::new(SALT.to_vec())?;
    assert_eq!(meta_uid, salt.remap_uid(&uid(9, 1)));
    assert_eq!(
        root.meta().media_storage_sop_class_uid(),
        uids::MEDIA_STORAGE_DIRECTORY_STORAGE
    );

    // No identity left in the bytes.
    let bytes = std::fs::read(&out_dicomdir)?;
    let hay = String::from_utf8_lossy(&bytes);
    for needle in [
        ALMA.id,
        BRUNO.id,
        "FICTIVE",
        "19610203",
        "19720405",
        "Saint Example",
        "ACC98765",
        "ST4711",
        uid_iod::ROOT,
    ] {
        assert!(!hay.contains(needle), "the DICOMDIR still holds {needle}");
    }

    // No dciodvfy error the input did not have.
    let before = dciodvfy_errors(&set.dicomdir);
    let after = dciodvfy_errors(&out_dicomdir);
    let new: Vec<&String> = after.difference(&before).collect();
    assert!(new.is_empty(), "new dciodvfy errors: {new:#?}");
    Ok(())
}

#[test]
fn the_same_dicomdir_gives_the_same_bytes() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out = tempfile::tempdir()?;
    let set = file_set(dir.path())?;
    anonymize(&set.dicomdir, &out.path().join("A"))?;
    anonymize(&set.dicomdir, &out.path().join("B"))?;
    assert_eq!(
        std::fs::read(out.path().join("A"))?,
        std::fs::read(out.path().join("B"))?
    );
    Ok(())
}

/// An offset that names no record is refused by name, and no output is written.
#[test]
fn an_offset_into_nowhere_is_refused() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let out = tempfile::tempdir()?;
    let set = file_set(dir.path())?;
    let mut bytes = std::fs::read(&set.dicomdir)?;
    let starts = uid_iod::record_starts(&bytes);
    // The first record's Offset of the Next Directory Record: one byte off.
    let value_at = starts[0] + 8 + 8;
    let old = u32::from_le_bytes(bytes[value_at..value_at + 4].try_into()?);
    bytes[value_at..value_at + 4].copy_from_slice(&(old + 1).to_le_bytes());
    let broken = dir.path().join("BROKEN");
    std::fs::write(&broken, bytes)?;
    let target = out.path().join("BROKEN");
    let err = dpk::anonymize_file(&broken, &target, &basic(), &ctx()).expect_err("refused");
    let msg = err.to_string();
    assert!(msg.contains("BROKEN") && msg.contains("(0004,1400)"), "{msg}");
    assert!(!target.exists());
    Ok(())
}

/// `dpk anonymize` on a file-set folder: the files move to the file IDs the de-identified
/// DICOMDIR gives them, so that every record finds its file and no folder is named after a
/// patient.
#[test]
fn the_cli_moves_the_files_where_the_dicomdir_finds_them() -> Result<()> {
    cli_moves_files(false)
}

/// As copied from a CD: names in lower case, with an ISO 9660 version.
#[test]
fn the_cli_finds_files_named_as_on_a_cd() -> Result<()> {
    cli_moves_files(true)
}

fn cli_moves_files(as_on_cd: bool) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let set = file_set(&dir.path().join("in"))?;
    if as_on_cd {
        for p in [ALMA.id, BRUNO.id] {
            let folder = dir.path().join("in").join(p);
            std::fs::rename(folder.join("IM000001"), folder.join("im000001;1"))?;
            std::fs::rename(&folder, dir.path().join("in").join(p.to_lowercase()))?;
        }
    }
    let salt_file = dir.path().join("salt");
    std::fs::write(&salt_file, SALT)?;
    let out = dir.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_dpk"))
        .env_remove("DPK_SALT")
        .arg("anonymize")
        .arg(dir.path().join("in"))
        .arg("-o")
        .arg(&out)
        .arg("--salt-file")
        .arg(&salt_file)
        .output()?;
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    for p in [
        ALMA.id.to_string(),
        BRUNO.id.to_string(),
        ALMA.id.to_lowercase(),
        BRUNO.id.to_lowercase(),
    ] {
        assert!(!out.join(&p).exists(), "a folder is still named {p}");
    }
    let (items, _) = records(&out.join("DICOMDIR"))?;
    let mut found = 0;
    for item in items
        .iter()
        .filter(|i| text(i, tags::DIRECTORY_RECORD_TYPE).as_deref() == Some("IMAGE"))
    {
        let parts = item.element(tags::REFERENCED_FILE_ID)?.to_multi_str()?.to_vec();
        let path = parts.iter().fold(out.clone(), |p, c| p.join(c.trim_end()));
        let file = open_file(&path)?;
        assert_eq!(
            text(&file, tags::SOP_INSTANCE_UID),
            text(item, tags::REFERENCED_SOP_INSTANCE_UID_IN_FILE)
        );
        found += 1;
    }
    assert_eq!(found, set.images.len());
    Ok(())
}

/// The files of a DICOMDIR go to their new file IDs whichever process writes them: two shards
/// of one run, or a run resumed after only part of it was written, give the same tree as one
/// whole run, with every file where the DICOMDIR points and none left under its old name.
#[test]
fn shards_and_resumes_put_each_file_where_the_dicomdir_points() -> Result<()> {
    let dir = tempfile::tempdir()?;
    let input = dir.path().join("in");
    file_set(&input)?;
    // More files beside the file-set, so that the shards split it.
    for n in 0..6u32 {
        let (study, series, instance) = (uid(1, 40 + n), uid(2, 40 + n), uid(3, 40 + n));
        uid_iod::write(
            &input.join(format!("EXTRA{n}")),
            uid_iod::ct(&ALMA, &study, &series, &instance, &instance),
            uids::CT_IMAGE_STORAGE,
            &instance,
        )?;
    }
    let salt_file = dir.path().join("salt");
    std::fs::write(&salt_file, SALT)?;
    let run = |out: &Path, extra: &[&str]| -> Result<()> {
        let done = Command::new(env!("CARGO_BIN_EXE_dpk"))
            .env_remove("DPK_SALT")
            .arg("anonymize")
            .arg(&input)
            .arg("-o")
            .arg(out)
            .arg("--salt-file")
            .arg(&salt_file)
            .args(extra)
            .output()?;
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
        Ok(())
    };
    let tree = |out: &Path| -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let mut files = Vec::new();
        for entry in walkdir::WalkDir::new(out).sort_by_file_name() {
            let entry = entry?;
            if entry.file_type().is_file() {
                let rel = entry.path().strip_prefix(out)?.to_path_buf();
                files.push((rel, std::fs::read(entry.path())?));
            }
        }
        Ok(files)
    };

    let whole = dir.path().join("whole");
    run(&whole, &[])?;
    let whole_tree = tree(&whole)?;
    assert_eq!(
        whole_tree.len(),
        9,
        "{:?}",
        whole_tree.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (rel, _) in &whole_tree {
        let shown = rel.display().to_string();
        assert!(!shown.contains(ALMA.id) && !shown.contains(BRUNO.id), "{shown}");
    }

    let sharded = dir.path().join("sharded");
    run(&sharded, &["--shard", "1/2"])?;
    let first_half = tree(&sharded)?.len();
    assert!(
        first_half > 0 && first_half < 9,
        "shard 1/2 wrote {first_half} of 9"
    );
    run(&sharded, &["--shard", "2/2"])?;
    assert_eq!(tree(&sharded)?, whole_tree);

    // A resume after a run that wrote only some files: here, a copy of the whole output
    // without the DICOMDIR and one referenced file.
    let resumed = dir.path().join("resumed");
    for (rel, bytes) in &whole_tree {
        let path = resumed.join(rel);
        std::fs::create_dir_all(path.parent().expect("a folder"))?;
        std::fs::write(path, bytes)?;
    }
    let image = whole_tree
        .iter()
        .find(|(rel, _)| rel.components().count() == 2)
        .expect("a referenced file in a folder");
    std::fs::remove_file(resumed.join(&image.0))?;
    std::fs::remove_file(resumed.join("DICOMDIR"))?;
    run(&resumed, &["--skip-existing"])?;
    assert_eq!(tree(&resumed)?, whole_tree);

    // verify pairs each moved file with its original.
    let verified = Command::new(env!("CARGO_BIN_EXE_dpk"))
        .arg("verify")
        .arg(&whole)
        .arg("--originals")
        .arg(&input)
        .output()?;
    assert!(
        verified.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    Ok(())
}
