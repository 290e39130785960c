//! `dpk score DIR` on an output tree as a run leaves it: DICOM files beside a report.json and
//! a README. The files that are not DICOM are listed apart, as `dpk verify` lists them, and
//! neither fail the run nor change its exit code.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

#[path = "support/robust.rs"]
mod robust;

fn dpk(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("dpk").expect("the dpk binary is built");
    cmd.current_dir(cwd).env_remove("DPK_SALT");
    cmd
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Two CT files in `out/` and `out/series/`, a report.json and a README beside them.
fn output_tree(root: &Path) {
    std::fs::create_dir_all(root.join("out/series")).unwrap();
    robust::write_part10(robust::ct_header(1, "ANON^ONE"), &root.join("out/a.dcm"));
    robust::write_part10(robust::ct_header(2, "ANON^TWO"), &root.join("out/series/b.dcm"));
    std::fs::write(root.join("out/report.json"), b"{\"files\": []}\n").unwrap();
    std::fs::write(
        root.join("out/README"),
        b"Outputs of the Saint Example Hospital run.\n",
    )
    .unwrap();
}

#[test]
fn files_that_are_not_dicom_are_listed_apart_and_do_not_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    output_tree(dir.path());

    let out = dpk(dir.path()).args(["score", "out"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("2 files scored, 0 failed, 2 not DICOM"),
        "{stderr}"
    );
    assert!(!stderr.contains("error"), "{stderr}");
    for name in ["out/report.json", "out/README"] {
        assert!(
            stdout
                .lines()
                .any(|l| l == format!("{name}: not DICOM, not scored")),
            "{name} is not listed:\n{stdout}"
        );
    }
    // The DICOM files are scored as before.
    assert!(stdout.lines().any(|l| l.starts_with("out/a.dcm: ")), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.starts_with("out/series/b.dcm: ")),
        "{stdout}"
    );
}

#[test]
fn json_lists_the_files_that_are_not_dicom_and_counts_them_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    output_tree(dir.path());

    let out = dpk(dir.path())
        .args(["score", "out", "--format", "json"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let scored: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(scored, ["out/a.dcm", "out/series/b.dcm"]);
    assert!(doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f.get("error").is_none()));
    let mut not_dicom: Vec<&str> = doc["not_dicom"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    not_dicom.sort();
    assert_eq!(not_dicom, ["out/README", "out/report.json"]);
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(doc["summary"]["failed"], 0);
    assert_eq!(doc["summary"]["not_dicom"], 2);
}

/// A file that starts as DICOM and breaks is still a failure; the others do not add to it,
/// and --fail-on-risk still judges only the DICOM files.
#[test]
fn exit_codes_are_those_of_the_dicom_files_alone() {
    let dir = tempfile::tempdir().unwrap();
    output_tree(dir.path());

    // Every file scores below 100: the threshold is not reached, the exit stays 0.
    let out = dpk(dir.path())
        .args(["score", "out", "--fail-on-risk", "100"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    // At 0 every DICOM file is at or above it: 3, and the two others are not counted over.
    let out = dpk(dir.path())
        .args(["score", "out", "--fail-on-risk", "0"])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("2 at or above 0%"), "{stderr}");

    // The DICM marker and then nothing a reader can take: one failure, exit 1.
    let mut broken = vec![0u8; 128];
    broken.extend_from_slice(b"DICM\x02\x00\x00\x00garbage");
    std::fs::write(dir.path().join("out/broken.dcm"), broken).unwrap();
    let out = dpk(dir.path()).args(["score", "out"]).output().unwrap();
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("2 files scored, 1 failed, 2 not DICOM"),
        "{stderr}"
    );
    assert!(!stdout.contains("broken.dcm: not DICOM"), "{stdout}");
}
