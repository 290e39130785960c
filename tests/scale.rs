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
    // anonymize, which must copy them, refuses it.
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
    let (code, _) = anonymize(&cut, &dir.path().join("out.dcm"), &[]);
    assert_eq!(code, 1);
    assert!(!dir.path().join("out.dcm").exists());
}
