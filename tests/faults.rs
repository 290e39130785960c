//! Faults while writing: a full disk, a read-only output, an output path that is a folder,
//! an input that goes away. Each gives a clear error naming the file, leaves the outputs
//! written before it intact, and leaves no temporary file behind.
//!
//! The full and read-only file systems are real: small tmpfs mounts in a private mount
//! namespace (`unshare -rm`), made and gone with each test.

#[path = "support/large_files.rs"]
mod large_files;

use std::path::{Path, PathBuf};
use std::process::Command;

use dpk::dataset;
use dpk::{Context, Profile, Salt};
use large_files::{large_ct, EXPLICIT_LE};

const SALT: &str = "faults-test-salt-00000001";

fn dpk_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("dpk")
}

/// A folder of `n` files of about 260 KiB each.
fn inputs(dir: &Path, n: usize) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir(&input).unwrap();
    for i in 0..n {
        large_ct(&input, &format!("slice{i}.dcm"), EXPLICIT_LE, false);
    }
    input
}

/// Every file under `dir` (hidden ones included), relative to it.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect();
    files.sort();
    files
}

/// Runs `dpk anonymize INPUT -o MOUNT/out --jobs 1` with a tmpfs mounted at a fresh folder
/// (`mount_options`, e.g. "size=600k" or "ro"), then copies everything left on the tmpfs to
/// `keep`. Returns the exit code and stderr of dpk.
fn anonymize_onto_tmpfs(dir: &Path, input: &Path, mount_options: &str, keep: &Path) -> (i32, String) {
    let mount = dir.join("mnt");
    std::fs::create_dir(&mount).unwrap();
    std::fs::create_dir(keep).unwrap();
    let script = r#"
        mount -t tmpfs -o "$1" tmpfs "$2" || exit 99
        "$3" anonymize "$4" -o "$2/out" --jobs 1 2>"$5/.stderr"
        code=$?
        cp -a "$2/." "$5/" 2>/dev/null
        exit $code
    "#;
    let status = Command::new("unshare")
        .args(["-rm", "sh", "-c", script, "sh", mount_options])
        .arg(&mount)
        .arg(dpk_bin())
        .arg(input)
        .arg(keep)
        .env("DPK_SALT", SALT)
        .status()
        .expect("unshare runs");
    let code = status.code().unwrap_or(-1);
    assert_ne!(code, 99, "could not mount a tmpfs in a private mount namespace");
    let stderr = std::fs::read_to_string(keep.join(".stderr")).unwrap_or_default();
    std::fs::remove_file(keep.join(".stderr")).ok();
    (code, stderr)
}

#[test]
fn a_full_disk_fails_the_files_that_do_not_fit_and_keeps_the_others_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = inputs(dir.path(), 4);
    // Room for two outputs, not four.
    let keep = dir.path().join("left");
    let (code, stderr) = anonymize_onto_tmpfs(dir.path(), &input, "size=600k", &keep);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains("2 files done, 2 failed"), "{stderr}");

    // What is left: two complete outputs, equal to those of a run with room, and nothing else.
    let left = files_under(&keep);
    assert_eq!(left.len(), 2, "{left:?}");
    let reference = dir.path().join("reference");
    let ok = Command::new(dpk_bin())
        .args(["anonymize"])
        .arg(&input)
        .arg("-o")
        .arg(&reference)
        .env("DPK_SALT", SALT)
        .status()
        .unwrap();
    assert!(ok.success());
    for file in &left {
        assert!(file.starts_with("out"), "{}", file.display());
        let name = file.strip_prefix("out").unwrap();
        assert_eq!(
            std::fs::read(keep.join(file)).unwrap(),
            std::fs::read(reference.join(name)).unwrap(),
            "{} differs from the output of a run with room",
            file.display()
        );
    }
}

#[test]
fn a_read_only_output_fails_every_file_with_the_reason_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = inputs(dir.path(), 2);
    let keep = dir.path().join("left");
    let (code, stderr) = anonymize_onto_tmpfs(dir.path(), &input, "ro", &keep);
    assert_ne!(code, 0, "{stderr}");
    assert!(stderr.contains("Read-only file system"), "{stderr}");
    assert!(stderr.contains("out"), "the error names the output: {stderr}");
    assert_eq!(files_under(&keep), Vec::<PathBuf>::new());
}

#[test]
fn an_output_path_that_is_a_folder_is_an_error_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let input = inputs(dir.path(), 2);
    let out = dir.path().join("out");
    // Where slice0's output would go, a folder with a file in it.
    std::fs::create_dir_all(out.join("slice0.dcm")).unwrap();
    std::fs::write(out.join("slice0.dcm").join("keep.txt"), "mine").unwrap();
    let run = Command::new(dpk_bin())
        .arg("anonymize")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .env("DPK_SALT", SALT)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("slice0.dcm"), "{stderr}");
    assert!(stderr.contains("1 file done, 1 failed"), "{stderr}");
    assert_eq!(
        files_under(&out),
        vec![PathBuf::from("slice0.dcm/keep.txt"), PathBuf::from("slice1.dcm")]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("slice0.dcm/keep.txt")).unwrap(),
        "mine"
    );
}

#[test]
fn an_input_that_goes_away_after_its_header_was_read_leaves_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = inputs(dir.path(), 1).join("slice0.dcm");
    let profile = Profile::builtin("basic").unwrap().resolve().unwrap();
    let ctx = Context::new(Salt::new(SALT.as_bytes().to_vec()).unwrap());
    let header = dataset::open_around_pixel_data(&input).unwrap();
    let pixels = header.pixel_data.clone().expect("pixel data left in the file");
    let plan = dpk::plan_header(&header, &profile, &ctx).unwrap();
    let out = dpk::apply(&plan, header.file).unwrap();
    std::fs::remove_file(&input).unwrap();
    let target = dir.path().join("out");
    std::fs::create_dir(&target).unwrap();
    let err = dataset::write_with_pixel_data(
        &out,
        &input,
        &pixels,
        &target.join("slice0.dcm"),
        dataset::Durability::EachFile,
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("slice0.dcm") && err.contains("No such file"),
        "{err}"
    );
    assert_eq!(files_under(&target), Vec::<PathBuf>::new());
}

#[cfg(unix)]
#[test]
fn outputs_get_the_permissions_of_any_new_file_not_those_of_a_temporary_one() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let input = inputs(dir.path(), 1);
    let out = dir.path().join("out");
    let run = Command::new(dpk_bin())
        .arg("anonymize")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .env("DPK_SALT", SALT)
        .status()
        .unwrap();
    assert!(run.success());
    let plain = out.join("plain.txt");
    std::fs::write(&plain, "").unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out.join("slice0.dcm")), mode(&plain));
}
