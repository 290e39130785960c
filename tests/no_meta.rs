//! Data sets stored without the Part 10 header (no preamble, no "DICM", no file meta group),
//! written byte for byte: dpk reads them with a note, writes Part 10 outputs, verifies and
//! scores them; files that only look a little like them are still not DICOM.

#[path = "support/dciodvfy.rs"]
mod dciodvfy;
#[path = "support/no_meta.rs"]
mod no_meta;

use std::path::Path;

use dicom_dictionary_std::tags;
use no_meta::*;

const SALT: &str = "no-meta-salt-0123456789abcdef";
const NOTE: &str = "read with a fallback: no file meta information (no preamble, no DICM)";

fn dpk(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = assert_cmd::Command::cargo_bin("dpk")
        .unwrap()
        .current_dir(dir)
        .env("DPK_SALT", SALT)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BARE: [(&str, Syntax, Option<&str>); 4] = [
    (
        "implicit_le.dcm",
        Syntax::ImplicitLe,
        Some("2.25.1234567890123456781"),
    ),
    (
        "explicit_le.dcm",
        Syntax::ExplicitLe,
        Some("2.25.1234567890123456782"),
    ),
    (
        "explicit_be.dcm",
        Syntax::ExplicitBe,
        Some("2.25.1234567890123456783"),
    ),
    ("no_instance.dcm", Syntax::ExplicitLe, None),
];

fn write_inputs(dir: &Path) {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).unwrap();
    for (name, syntax, instance) in BARE {
        std::fs::write(input.join(name), bare(syntax, instance)).unwrap();
    }
    for (name, bytes) in not_dicom() {
        std::fs::write(input.join(name), bytes).unwrap();
    }
}

#[test]
fn bare_data_sets_are_read_and_other_files_are_not_dicom() {
    for (name, syntax, instance) in BARE {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bare(syntax, instance)).unwrap();
        assert!(dpk::dataset::looks_like_dicom(&path), "{name}");
        let header = dpk::dataset::open_header(&path).unwrap();
        assert!(
            header.notes.iter().any(|n| n.starts_with(NOTE)),
            "{name}: {:?}",
            header.notes
        );
        let name_value = dpk::dataset::text_of(&header.file, tags::PATIENT_NAME);
        assert_eq!(name_value.as_deref(), Some("FICTIVE^ALMA"), "{name}");
        let want = match syntax {
            Syntax::ImplicitLe => "1.2.840.10008.1.2",
            Syntax::ExplicitLe => "1.2.840.10008.1.2.1",
            Syntax::ExplicitBe => "1.2.840.10008.1.2.2",
        };
        assert_eq!(header.file.meta().transfer_syntax(), want, "{name}");
        assert_eq!(
            header.file.meta().media_storage_sop_class_uid(),
            "1.2.840.10008.5.1.4.1.1.7",
            "{name}"
        );
        let meta_instance = header.file.meta().media_storage_sop_instance_uid();
        assert_eq!(meta_instance, instance.unwrap_or_default(), "{name}");
        dpk::dataset::open(&path).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in not_dicom() {
        let path = dir.path().join(&name);
        std::fs::write(&path, bytes).unwrap();
        assert!(!dpk::dataset::looks_like_dicom(&path), "{name}");
        let err = dpk::dataset::open_header(&path).unwrap_err().to_string();
        assert!(err.contains("not a DICOM file"), "{name}: {err}");
    }
}

#[test]
fn a_folder_of_bare_data_sets_is_anonymized_verified_and_scored() {
    let dir = tempfile::tempdir().unwrap();
    write_inputs(dir.path());
    let (_, _, stderr) = dpk(dir.path(), &["anonymize", "in", "-o", "out"]);
    for (name, _, _) in BARE {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!("in/{name}")) && l.contains(NOTE)),
            "{name}: {stderr}"
        );
        let input = dir.path().join("in").join(name);
        let output = dir.path().join("out").join(name);
        let bytes = std::fs::read(&output).unwrap();
        assert_eq!(&bytes[128..132], b"DICM", "{name}: a Part 10 output");
        let file = dpk::dataset::open(&output).unwrap();
        assert_ne!(
            dpk::dataset::text_of(&file, tags::PATIENT_NAME).as_deref(),
            Some("FICTIVE^ALMA")
        );
        assert!(!bytes.windows(12).any(|w| w == b"FICTIVE^ALMA"), "{name}");
        let before = dciodvfy::errors(&input);
        let new: Vec<_> = dciodvfy::errors(&output)
            .into_iter()
            .filter(|e| !before.contains(e))
            // A data set with no SOP Instance UID gets one in its meta group only (as dpk does
            // for any such file): dciodvfy restates the absence it already found in the input.
            .filter(|e| !(name == "no_instance.dcm" && e.contains("missing SOPInstanceUID")))
            .collect();
        assert!(new.is_empty(), "{name}: new dciodvfy errors {new:?}");
    }
    // The batch summary counts them, and refuses every file that is not DICOM.
    assert!(
        stderr.contains("4 files done (4 read with a fallback"),
        "{stderr}"
    );
    assert!(stderr.contains("203 failed"), "{stderr}");
    assert!(!dir.path().join("out/text.txt").exists());
    // Every one verifies against its original, the one without a SOP Instance UID too (its
    // new UID is in its meta group only, and its data set disagrees with nothing).
    let (code, stdout, stderr) = dpk(dir.path(), &["verify", "out", "--originals", "in"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("4 files verified, 0 with violations"), "{stderr}");
    assert!(stderr.contains("0 outputs missing"), "{stderr}");
    let (_, stdout, stderr) = dpk(dir.path(), &["score", "in"]);
    assert!(stderr.contains("4 files scored"), "{stdout}{stderr}");
    assert!(stdout.contains("(0010,0010)"), "{stdout}");
}

#[test]
fn a_bare_data_set_without_sop_instance_uid_gets_a_new_one_in_its_meta_group() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("in")).unwrap();
    std::fs::write(
        dir.path().join("in/no_instance.dcm"),
        bare(Syntax::ExplicitLe, None),
    )
    .unwrap();
    let (code, _, stderr) = dpk(dir.path(), &["anonymize", "in", "-o", "out"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains(NOTE), "{stderr}");
    let file = dpk::dataset::open(dir.path().join("out/no_instance.dcm")).unwrap();
    let uid = file
        .meta()
        .media_storage_sop_instance_uid()
        .trim_end_matches('\0');
    assert!(
        dpk::dataset::valid_uid(uid) && uid.starts_with("2.25."),
        "{uid:?}"
    );
}
