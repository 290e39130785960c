//! Folder runs at scale: parallel workers, shards across machines and resuming after an
//! interruption all give exactly the bytes of one plain run.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sha2::{Digest, Sha256};

const SALT: &str = "scale-test-salt-0000000001";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A folder of the valid fixtures, several copies of each under different names.
fn archive(dir: &Path) -> PathBuf {
    let root = dir.join("archive");
    for copy in 0..3 {
        for entry in walkdir::WalkDir::new(fixtures()).into_iter().map(|e| e.unwrap()) {
            let rel = entry.path().strip_prefix(fixtures()).unwrap();
            if !entry.file_type().is_file()
                || rel.starts_with("malformed")
                || entry.path().extension().is_none_or(|e| e != "dcm")
            {
                continue;
            }
            let target = root.join(format!("copy{copy}")).join(rel);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
    root
}

fn tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let hex: String = Sha256::digest(std::fs::read(e.path()).unwrap())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (e.path().strip_prefix(dir).unwrap().to_path_buf(), hex)
        })
        .collect()
}

fn anonymize(input: &Path, output: &Path, extra: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("dpk")
        .unwrap()
        .arg("anonymize")
        .arg(input)
        .arg("-o")
        .arg(output)
        .args(extra)
        .env("DPK_SALT", SALT)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn parallel_sharded_and_resumed_runs_equal_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let input = archive(dir.path());
    let single = dir.path().join("single");
    let (code, err) = anonymize(&input, &single, &["--jobs", "1"]);
    assert_eq!(code, 0, "{err}");
    let expected = tree(&single);
    assert_eq!(expected.len(), 36, "{expected:?}");

    // Two workers.
    let parallel = dir.path().join("parallel");
    assert_eq!(anonymize(&input, &parallel, &["--jobs", "2"]).0, 0);
    assert_eq!(tree(&parallel), expected);

    // Three shards into one tree, in reverse order; each takes some files, none twice.
    let sharded = dir.path().join("sharded");
    let mut taken = 0;
    for k in [3, 1, 2] {
        let (code, err) = anonymize(&input, &sharded, &["--shard", &format!("{k}/3")]);
        assert_eq!(code, 0, "{err}");
        let done: usize = err
            .lines()
            .rfind(|l| l.contains(" done, "))
            .and_then(|l| l.trim_start_matches("dpk: ").split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        assert!(done > 0 && done < 36, "shard {k} took {done}");
        taken += done;
    }
    assert_eq!(taken, 36);
    assert_eq!(tree(&sharded), expected);

    // An interrupted run: some outputs missing; --skip-existing does the rest, and only that.
    let resumed = dir.path().join("resumed");
    assert_eq!(anonymize(&input, &resumed, &[]).0, 0);
    let mut removed = 0;
    for (i, path) in expected.keys().enumerate() {
        if i % 4 == 0 {
            std::fs::remove_file(resumed.join(path)).unwrap();
            removed += 1;
        }
    }
    let (code, err) = anonymize(&input, &resumed, &["--skip-existing"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(&format!("dpk: {removed} files done")), "{err}");
    assert!(
        err.contains(&format!("{} skipped (output exists)", 36 - removed)),
        "{err}"
    );
    assert_eq!(tree(&resumed), expected);
}

#[test]
fn bad_shards_and_job_counts_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    for args in [["--shard", "4/3"], ["--shard", "0/3"], ["--jobs", "0"]] {
        let (code, err) = anonymize(&fixtures().join("study"), &dir.path().join("o"), &args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
}

#[test]
fn score_reads_only_up_to_pixel_data() {
    // A file cut inside its pixel data: score, which never reads pixels, still scores it;
    // anonymize, which must copy them, writes them at their declared length and says so.
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(fixtures().join("ct_explicit_le.dcm")).unwrap();
    let cut = dir.path().join("cut.dcm");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    let score = Command::cargo_bin("dpk")
        .unwrap()
        .arg("score")
        .arg(&cut)
        .output()
        .unwrap();
    assert_eq!(
        score.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&score.stderr)
    );
    assert!(String::from_utf8_lossy(&score.stdout).contains("CRITICAL"));
    let (code, err) = anonymize(&cut, &dir.path().join("out.dcm"), &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("read with a fallback: the pixel data (7FE0,0010)"),
        "{err}"
    );
    assert!(dpk::dataset::is_complete(dir.path().join("out.dcm")));
}

#[test]
fn an_interrupted_run_leaves_only_complete_outputs_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    // A folder big enough that the signal arrives mid-run.
    let input = dir.path().join("many");
    let ct = std::fs::read(fixtures().join("ct_explicit_le.dcm")).unwrap();
    for i in 0..1500 {
        let sub = input.join(format!("s{}", i % 10));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("{i:04}.dcm")), &ct).unwrap();
    }
    let out = dir.path().join("out");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_dpk"))
        .arg("anonymize")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--jobs", "2"])
        .env("DPK_SALT", SALT)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !out.exists() || std::fs::read_dir(&out).map_or(0, |d| d.count()) == 0 {
        assert!(std::time::Instant::now() < deadline, "no output appeared");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{err}");
    assert!(err.contains("--skip-existing"), "{err}");

    let written: Vec<PathBuf> = walkdir::WalkDir::new(&out)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    assert!(
        !written.is_empty() && written.len() < 1500,
        "{} written",
        written.len()
    );
    for path in &written {
        assert!(
            !path.to_string_lossy().contains(".dpk-"),
            "temporary file left: {}",
            path.display()
        );
        dpk::dataset::open(path).unwrap_or_else(|e| panic!("incomplete output {}: {e}", path.display()));
    }

    let (code, err) = anonymize(&input, &out, &["--skip-existing"]);
    assert_eq!(code, 0, "{err}");
    let reference = dir.path().join("reference");
    assert_eq!(anonymize(&input, &reference, &[]).0, 0);
    assert_eq!(tree(&out), tree(&reference));
}
