//! End-to-end tests of the `dpk` program: folder runs, refusals, the salt, reports, exit codes
//! and the `profile` commands. Every run works on copies of the fixtures in a temporary folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use dicom_dictionary_std::tags;
use sha2::{Digest, Sha256};

const SALT: &str = "e2e-test-salt-DO-NOT-LEAK-4242";
const OTHER_SALT: &str = "another-e2e-salt-for-comparison-7";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    repo().join("fixtures")
}

/// `dpk`, run in `cwd`, with no salt in its environment.
fn dpk(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("dpk").expect("the dpk binary is built");
    cmd.current_dir(cwd).env_remove("DPK_SALT");
    cmd
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(from).unwrap();
        let target = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Writes a salt file readable by its owner only.
fn write_salt(dir: &Path, salt: &str) -> PathBuf {
    let path = dir.join(format!("salt-{}.txt", salt.len()));
    std::fs::write(&path, salt).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    path
}

/// Relative path → SHA-256 of every file under `dir`.
fn hash_tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let bytes = std::fs::read(e.path()).unwrap();
            let digest = Sha256::digest(&bytes);
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            (e.path().strip_prefix(dir).unwrap().to_path_buf(), hex)
        })
        .collect()
}

fn files_under(dir: &Path) -> BTreeSet<PathBuf> {
    if !dir.exists() {
        return BTreeSet::new();
    }
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_path_buf())
        .collect()
}

fn assert_no_temp_files(dir: &Path) {
    for f in files_under(dir) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !(name.starts_with(".dpk-") && name.ends_with(".tmp")),
            "temporary file left behind: {}",
            dir.join(&f).display()
        );
    }
}

fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The salt must not appear in `bytes`, neither as text nor as hex.
fn assert_no_salt(bytes: &[u8], what: &str) {
    let hex: String = SALT.bytes().map(|b| format!("{b:02x}")).collect();
    for needle in [SALT.as_bytes(), hex.as_bytes(), b"DO-NOT-LEAK"] {
        assert!(
            !contains_bytes(bytes, needle),
            "the salt appears in {what}: {:?}",
            String::from_utf8_lossy(needle)
        );
    }
}

/// No file under `dir` holds the salt.
fn assert_no_salt_in_tree(dir: &Path) {
    for f in files_under(dir) {
        let path = dir.join(&f);
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("salt-"))
        {
            continue;
        }
        assert_no_salt(&std::fs::read(&path).unwrap(), &path.display().to_string());
    }
}

/// The numbers of the summary line `dpk: N file(s) done, M failed, K element(s) changed`.
fn summary(stderr: &str) -> (usize, usize, usize) {
    let line = stderr
        .lines()
        .rfind(|l| l.starts_with("dpk: ") && l.contains(" done, ") && l.contains(" failed, "))
        .unwrap_or_else(|| panic!("no summary line on stderr:\n{stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    assert_eq!(numbers.len(), 3, "summary line {line:?}");
    let plural = |n: usize, word: &str| {
        if n == 1 {
            word.to_string()
        } else {
            format!("{word}s")
        }
    };
    assert_eq!(
        line,
        format!(
            "dpk: {} {} done, {} failed, {} {} changed",
            numbers[0],
            plural(numbers[0], "file"),
            numbers[1],
            numbers[2],
            plural(numbers[2], "element")
        ),
        "summary line shape"
    );
    (numbers[0], numbers[1], numbers[2])
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    raw_stdout: Vec<u8>,
    raw_stderr: Vec<u8>,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("dpk runs");
    Run {
        code: out.status.code().expect("dpk exited with a code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        raw_stdout: out.stdout,
        raw_stderr: out.stderr,
    }
}

impl Run {
    fn assert_no_salt(&self) {
        assert_no_salt(&self.raw_stdout, "stdout");
        assert_no_salt(&self.raw_stderr, "stderr");
    }
}

fn text_of(file: &dicom_object::DefaultDicomObject, tag: dicom_core::Tag) -> Option<String> {
    file.get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_matches(|c: char| c == ' ' || c == '\0').to_string())
}

/// A temp folder holding `in/` = a copy of fixtures/study plus one malformed DICOM file and
/// one text file, and a salt file.
struct Workspace {
    dir: tempfile::TempDir,
    salt_file: PathBuf,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixtures().join("study"), &dir.path().join("in"));
        std::fs::copy(
            fixtures().join("malformed/truncated_value.dcm"),
            dir.path().join("in/series1/broken.dcm"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("in/series2/notes.txt"),
            "Notes about this study: not a DICOM file at all, just some text that is long \
             enough to pass the 132-byte preamble and magic check and still fail to parse.\n",
        )
        .unwrap();
        let salt_file = write_salt(dir.path(), SALT);
        Workspace { dir, salt_file }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

const GOOD_STUDY_FILES: [&str; 4] = [
    "series1/img1.dcm",
    "series1/img2.dcm",
    "series2/img1.dcm",
    "series2/img2.dcm",
];

// ---------------------------------------------------------------------------------------------
// Folder runs
// ---------------------------------------------------------------------------------------------

#[test]
fn folder_run_mirrors_the_tree_and_reports_every_failure() {
    let ws = Workspace::new();
    let before = hash_tree(&ws.path().join("in"));
    let r = run(dpk(ws.path())
        .args(["anonymize", "in", "-o", "out", "--salt-file"])
        .arg(&ws.salt_file));
    assert_eq!(
        r.code, 1,
        "a folder with a bad file exits 1; stderr:\n{}",
        r.stderr
    );

    // Good files written at their mirrored paths; nothing else.
    let out = ws.path().join("out");
    let expected: BTreeSet<PathBuf> = GOOD_STUDY_FILES.iter().map(PathBuf::from).collect();
    assert_eq!(files_under(&out), expected, "the output tree");
    for f in GOOD_STUDY_FILES {
        let file =
            dicom_object::open_file(out.join(f)).unwrap_or_else(|e| panic!("out/{f} does not open: {e}"));
        assert_eq!(
            text_of(&file, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
            Some("YES")
        );
    }
    assert_no_temp_files(&out);
    assert_no_temp_files(&ws.path().join("in"));

    // Every failure listed with its file and a reason, after the work, before the summary.
    for bad in ["broken.dcm", "notes.txt"] {
        let line = r
            .stderr
            .lines()
            .find(|l| l.contains(bad))
            .unwrap_or_else(|| panic!("{bad} not named on stderr:\n{}", r.stderr));
        let reason = &line[line.rfind(bad).unwrap() + bad.len()..];
        assert!(
            reason.trim_start_matches(':').trim().len() > 5,
            "no reason given for {bad}: {line:?}"
        );
    }
    assert_eq!(summary(&r.stderr).0, 4, "files done");
    assert_eq!(summary(&r.stderr).1, 2, "files failed");
    assert!(summary(&r.stderr).2 > 0, "elements changed");

    // The input is unchanged, byte for byte.
    assert_eq!(hash_tree(&ws.path().join("in")), before, "the input tree changed");
    r.assert_no_salt();
    assert_no_salt_in_tree(ws.path());
}

#[test]
fn good_folder_run_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("study"), &dir.path().join("in"));
    let salt = write_salt(dir.path(), SALT);
    let before = hash_tree(&dir.path().join("in"));
    let r = run(dpk(dir.path())
        .args(["anonymize", "in", "-o", "nested/out", "--salt-file"])
        .arg(&salt));
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
    let expected: BTreeSet<PathBuf> = GOOD_STUDY_FILES.iter().map(PathBuf::from).collect();
    assert_eq!(files_under(&dir.path().join("nested/out")), expected);
    assert_eq!(summary(&r.stderr).0, 4);
    assert_eq!(summary(&r.stderr).1, 0);
    assert!(
        !r.stderr.contains("warning"),
        "a mode-600 salt file gives a warning:\n{}",
        r.stderr
    );
    assert_eq!(
        hash_tree(&dir.path().join("in")),
        before,
        "the input tree changed"
    );
    r.assert_no_salt();
    assert_no_salt_in_tree(dir.path());
}

#[test]
fn single_file_run_and_env_salt_agree() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("ct_explicit_le.dcm"), dir.path().join("ct.dcm")).unwrap();
    let salt = write_salt(dir.path(), SALT);
    let before = hash_tree(dir.path());

    let r = run(dpk(dir.path())
        .args(["anonymize", "ct.dcm", "-o", "a.dcm", "--salt-file"])
        .arg(&salt));
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
    let (done, failed, changed) = summary(&r.stderr);
    assert_eq!((done, failed), (1, 0));
    assert!(changed > 10);
    r.assert_no_salt();

    let r = run(dpk(dir.path())
        .env("DPK_SALT", SALT)
        .args(["anonymize", "ct.dcm", "-o", "b.dcm"]));
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
    r.assert_no_salt();
    let a = std::fs::read(dir.path().join("a.dcm")).unwrap();
    let b = std::fs::read(dir.path().join("b.dcm")).unwrap();
    assert!(
        a == b,
        "--salt-file and DPK_SALT with the same salt give different outputs"
    );

    let other = write_salt(dir.path(), OTHER_SALT);
    let r = run(dpk(dir.path())
        .args(["anonymize", "ct.dcm", "-o", "c.dcm", "--salt-file"])
        .arg(&other));
    assert_eq!(r.code, 0);
    assert!(
        a != std::fs::read(dir.path().join("c.dcm")).unwrap(),
        "another salt, same output"
    );

    // The input is unchanged.
    let after = hash_tree(dir.path());
    assert_eq!(after.get(Path::new("ct.dcm")), before.get(Path::new("ct.dcm")));
    assert_no_salt_in_tree(dir.path());
}

// ---------------------------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------------------------

#[test]
fn output_inside_or_equal_to_the_input_is_refused() {
    let ws = Workspace::new();
    let before = hash_tree(&ws.path().join("in"));
    for out in ["in/out", "in", "in/series1", "in/series1/../anon"] {
        let r = run(dpk(ws.path())
            .args(["anonymize", "in", "-o", out, "--salt-file"])
            .arg(&ws.salt_file));
        assert_eq!(r.code, 2, "-o {out}: stderr:\n{}", r.stderr);
        assert!(
            r.stderr.contains("dpk: error"),
            "-o {out}: no error message:\n{}",
            r.stderr
        );
        assert_eq!(
            hash_tree(&ws.path().join("in")),
            before,
            "-o {out}: something was written"
        );
        r.assert_no_salt();
    }
    // A file onto itself.
    let r = run(dpk(ws.path())
        .args([
            "anonymize",
            "in/series1/img1.dcm",
            "-o",
            "in/series1/img1.dcm",
            "--salt-file",
        ])
        .arg(&ws.salt_file));
    assert_eq!(r.code, 2, "stderr:\n{}", r.stderr);
    assert_eq!(
        hash_tree(&ws.path().join("in")),
        before,
        "the input file was overwritten"
    );
}

#[test]
fn missing_or_weak_salt_is_a_usage_error_with_a_hint() {
    let ws = Workspace::new();
    let r = run(dpk(ws.path()).args(["anonymize", "in", "-o", "out"]));
    assert_eq!(r.code, 2, "stderr:\n{}", r.stderr);
    assert!(
        r.stderr.contains("--salt-file"),
        "no --salt-file hint:\n{}",
        r.stderr
    );
    assert!(r.stderr.contains("DPK_SALT"), "no DPK_SALT hint:\n{}", r.stderr);
    assert!(!ws.path().join("out").exists(), "output written without a salt");

    let r = run(dpk(ws.path())
        .env("DPK_SALT", "short-salt")
        .args(["anonymize", "in", "-o", "out"]));
    assert_eq!(r.code, 2, "a 10-byte salt: stderr:\n{}", r.stderr);
    assert!(
        r.stderr.contains("16"),
        "the minimum length is not said:\n{}",
        r.stderr
    );
    assert!(!r.stderr.contains("short-salt"), "the weak salt is printed");
    assert!(!ws.path().join("out").exists());

    let missing = ws.path().join("no-such-salt.txt");
    let r = run(dpk(ws.path())
        .args(["anonymize", "in", "-o", "out", "--salt-file"])
        .arg(&missing));
    assert_ne!(r.code, 0, "a missing salt file is accepted");
    assert!(!ws.path().join("out").exists());
}

// ---------------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------------

#[test]
fn text_report_shows_each_change() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures().join("ct_explicit_le.dcm"), dir.path().join("ct.dcm")).unwrap();
    let salt = write_salt(dir.path(), SALT);
    let r = run(dpk(dir.path())
        .args(["anonymize", "ct.dcm", "-o", "out.dcm", "--salt-file"])
        .arg(&salt)
        .arg("--report"));
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("(0010,0010)"))
        .unwrap_or_else(|| panic!("no (0010,0010) in the report:\n{}", r.stdout));
    assert!(line.contains("PatientName"), "{line}");
    assert!(
        line.contains("Doe^Jane"),
        "the report does not show the value before: {line}"
    );
    assert!(
        line.contains('→'),
        "the report does not show before → after: {line}"
    );
    assert!(r.stdout.contains("(0020,000D)") && r.stdout.contains("StudyInstanceUID"));
    let (_, _, changed) = summary(&r.stderr);
    let change_lines = r.stdout.lines().filter(|l| l.contains('→')).count();
    assert!(
        change_lines >= changed,
        "{changed} changes counted, {change_lines} report lines"
    );
    r.assert_no_salt();
    assert_no_salt_in_tree(dir.path());
}

#[test]
fn json_report_has_the_documented_shape() {
    let ws = Workspace::new();
    let r = run(dpk(ws.path())
        .args([
            "anonymize",
            "in",
            "-o",
            "out",
            "--option",
            "retain-safe-private",
            "--salt-file",
        ])
        .arg(&ws.salt_file)
        .args(["--report", "reports/run.json"]));
    assert_eq!(r.code, 1, "stderr:\n{}", r.stderr);
    r.assert_no_salt();
    let bytes = std::fs::read(ws.path().join("reports/run.json")).expect("the JSON report is written");
    assert_no_salt(&bytes, "the JSON report");
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("the report is JSON");

    assert_eq!(json["dpk_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["profile"], "basic");
    assert_eq!(json["options"], serde_json::json!(["retain-safe-private"]));
    let files = json["files"].as_array().expect("files is an array");
    assert_eq!(files.len(), 6, "one entry per input file");

    let mut changes_total = 0;
    let (mut ok, mut failed) = (0, 0);
    for f in files {
        let input = f["input"].as_str().expect("input is a string");
        match f["status"].as_str() {
            Some("ok") => {
                ok += 1;
                let output = f["output"].as_str().expect("an ok file has an output");
                assert!(ws.path().join(output).is_file(), "{output} does not exist");
                assert!(f.get("error").is_none(), "{input}: ok with an error");
                let changes = f["changes"].as_array().expect("changes is an array");
                assert!(!changes.is_empty(), "{input}: no changes");
                for c in changes {
                    for key in ["path", "keyword", "vr", "kind", "action", "rule"] {
                        assert!(c[key].is_string(), "{input}: change without {key}: {c}");
                    }
                    for key in ["before", "after"] {
                        assert!(c.get(key).is_some(), "{input}: change without {key}: {c}");
                    }
                    let kind = c["kind"].as_str().unwrap();
                    assert!(
                        ["removed", "emptied", "replaced", "added"].contains(&kind),
                        "{input}: kind {kind}"
                    );
                    for key in ["requested", "note"] {
                        if let Some(v) = c.get(key) {
                            assert!(v.is_string(), "{input}: {key} is not a string: {c}");
                        }
                    }
                }
                let name = changes
                    .iter()
                    .find(|c| c["path"] == "(0010,0010)")
                    .unwrap_or_else(|| panic!("{input}: no change for (0010,0010)"));
                assert_eq!(name["keyword"], "PatientName");
                assert_eq!(name["vr"], "PN");
                assert!(name["before"].as_str().unwrap().contains("Smith^Alice"));
                changes_total += changes.len();
            }
            Some("failed") => {
                failed += 1;
                let error = f["error"].as_str().expect("a failed file has an error");
                let file_name = Path::new(input)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                assert!(
                    error.contains(&file_name),
                    "the error does not name {file_name}: {error}"
                );
                assert!(f.get("output").is_none(), "{input}: a failed file has an output");
            }
            other => panic!("{input}: status {other:?}"),
        }
    }
    assert_eq!((ok, failed), (4, 2));
    let s = &json["summary"];
    assert_eq!(s["files_done"], 4);
    assert_eq!(s["files_failed"], 2);
    assert_eq!(
        s["elements_changed"], changes_total,
        "elements_changed is the number of changes listed"
    );
    assert_eq!(
        summary(&r.stderr),
        (4, 2, changes_total),
        "stderr summary and JSON disagree"
    );
    assert_no_salt_in_tree(ws.path());
}

// ---------------------------------------------------------------------------------------------
// The salt never leaks
// ---------------------------------------------------------------------------------------------

#[test]
fn salt_never_appears_in_any_output() {
    let ws = Workspace::new();
    let hash_profile = ws.path().join("hash-only.ron");
    std::fs::write(
        &hash_profile,
        "(\n    name: \"hash-only\",\n    rules: [\n        (select: \"PatientName\", action: Hash),\n        (select: \"PatientID\", action: Hash),\n    ],\n)\n",
    )
    .unwrap();
    let runs: Vec<(&str, Vec<String>, bool)> = vec![
        ("file salt, text report", vec!["--report".into()], false),
        ("env salt, text report", vec!["--report".into()], true),
        ("json report", vec!["--report".into(), "r1.json".into()], false),
        (
            "hash profile, json report",
            vec![
                "--profile".into(),
                hash_profile.display().to_string(),
                "--report".into(),
                "r2.json".into(),
            ],
            true,
        ),
        (
            "all options",
            vec![
                "--option".into(),
                "retain-uids".into(),
                "--option".into(),
                "retain-long-modified-dates".into(),
                "--option".into(),
                "clean-descriptors".into(),
                "--option".into(),
                "retain-safe-private".into(),
                "--report".into(),
            ],
            false,
        ),
    ];
    for (i, (label, extra, env)) in runs.iter().enumerate() {
        let mut cmd = dpk(ws.path());
        cmd.args(["anonymize", "in", "-o", &format!("out{i}")]);
        if *env {
            cmd.env("DPK_SALT", SALT);
        } else {
            cmd.arg("--salt-file").arg(&ws.salt_file);
        }
        // The report flag goes last: it takes an optional value.
        let r = run(cmd.args(extra));
        assert_eq!(r.code, 1, "{label}: stderr:\n{}", r.stderr);
        assert!(
            !r.stdout.is_empty() || extra.iter().any(|a| a.ends_with(".json")),
            "{label}: no report"
        );
        r.assert_no_salt();
    }
    // Every output file and report, every byte.
    assert_no_salt_in_tree(ws.path());
    assert!(files_under(ws.path()).len() >= 4 * runs.len() + 2);

    // The profile commands do not print it either.
    for args in [vec!["profile", "list"], vec!["profile", "show", "basic"]] {
        let r = run(dpk(ws.path()).env("DPK_SALT", SALT).args(&args));
        assert_eq!(r.code, 0);
        r.assert_no_salt();
    }
}

// ---------------------------------------------------------------------------------------------
// Help and exit codes
// ---------------------------------------------------------------------------------------------

#[test]
fn help_lists_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["anonymize", "--help"],
        vec!["profile", "--help"],
    ] {
        let r = run(dpk(dir.path()).args(&args));
        assert_eq!(r.code, 0, "{args:?}");
        assert!(
            r.stdout.contains("Exit codes"),
            "{args:?}: no exit codes:\n{}",
            r.stdout
        );
        for code in ['0', '1', '2'] {
            assert!(
                r.stdout
                    .lines()
                    .any(|l| l.trim_start().starts_with(&format!("{code}  "))),
                "{args:?}: exit code {code} not explained:\n{}",
                r.stdout
            );
        }
    }
    let r = run(dpk(dir.path()).args(["anonymize", "--help"]));
    for word in ["--salt-file", "DPK_SALT", "--report", "--option", "--profile"] {
        assert!(
            r.stdout.contains(word),
            "anonymize --help does not mention {word}"
        );
    }
    // Bad arguments are usage errors.
    let r = run(dpk(dir.path()).args(["anonymize", "--no-such-flag"]));
    assert_eq!(r.code, 2);
    let r = run(dpk(dir.path())
        .args(["anonymize", "missing-input", "-o", "out"])
        .env("DPK_SALT", SALT));
    assert_eq!(r.code, 2, "a missing input: stderr:\n{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Profile commands
// ---------------------------------------------------------------------------------------------

const OPTION_NAMES: [&str; 10] = [
    "retain-safe-private",
    "retain-uids",
    "retain-device-identity",
    "retain-institution-identity",
    "retain-patient-characteristics",
    "retain-long-full-dates",
    "retain-long-modified-dates",
    "clean-descriptors",
    "clean-structured-content",
    "clean-graphics",
];

#[test]
fn profile_list_names_basic_and_all_ten_options() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dpk(dir.path()).args(["profile", "list"]));
    assert_eq!(r.code, 0);
    let names: BTreeSet<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(names.contains("basic"), "basic not listed:\n{}", r.stdout);
    for opt in OPTION_NAMES {
        assert!(names.contains(opt), "option {opt} not listed:\n{}", r.stdout);
    }
    let lib: BTreeSet<&str> = dpk::profile::OPTIONS.iter().map(|o| o.name).collect();
    assert_eq!(lib, OPTION_NAMES.into_iter().collect(), "the library's options");
}

#[test]
fn profile_show_basic_prints_ron_that_parses_back() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dpk(dir.path()).args(["profile", "show", "basic"]));
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
    let shown = dpk::Profile::from_ron(&r.stdout, "shown").expect("the shown RON parses back");
    let builtin = dpk::Profile::builtin("basic").unwrap();
    assert_eq!(shown.name, "basic");
    assert_eq!(shown, builtin, "the shown profile is not the built-in one");
    assert!(shown.rules.len() > 300, "only {} rules", shown.rules.len());
    shown.resolve().expect("the shown profile resolves");

    for opt in OPTION_NAMES {
        let r = run(dpk(dir.path()).args(["profile", "show", opt]));
        assert_eq!(r.code, 0, "show {opt}");
        dpk::Profile::from_ron(&r.stdout, opt).unwrap_or_else(|e| panic!("show {opt}: {e}"));
    }
}

/// Writes `text` to `dir/name` and validates it; returns (exit code, stderr).
fn validate(dir: &Path, name: &str, text: &str) -> (i32, String) {
    std::fs::write(dir.join(name), text).unwrap();
    let r = run(dpk(dir).args(["profile", "validate", name]));
    (r.code, r.stderr)
}

/// The `line:col` after `file:` in `stderr`.
fn location(stderr: &str, file: &str) -> Option<(usize, usize)> {
    let at = stderr.find(&format!("{file}:"))? + file.len() + 1;
    let mut parts = stderr[at..].splitn(3, ':');
    let line = parts.next()?.parse().ok()?;
    let col = parts.next()?.parse().ok()?;
    Some((line, col))
}

#[test]
fn profile_validate_locates_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "keyword.ron",
            "(\n    name: \"bad-keyword\",\n    rules: [\n        (select: \"PatientName\", action: Empty),\n        (select: \"PatientNmae\", action: Hash),\n    ],\n)\n",
            5,
            "PatientNmae",
        ),
        (
            "vr.ron",
            "(\n    name: \"bad-vr\",\n    rules: [\n        (select: \"PatientName\", action: Hash),\n        (select: \"SOPInstanceUID\", action: Hash),\n    ],\n)\n",
            5,
            "SOPInstanceUID",
        ),
    ];
    for (name, text, line, word) in cases {
        let (code, stderr) = validate(dir.path(), name, text);
        assert_eq!(code, 1, "{name}: stderr:\n{stderr}");
        let (l, c) =
            location(&stderr, name).unwrap_or_else(|| panic!("{name}: no file:line:col in {stderr:?}"));
        assert_eq!(l, line, "{name}: wrong line in {stderr:?}");
        assert!(c > 0, "{name}: column 0 in {stderr:?}");
        assert!(
            stderr.contains(word),
            "{name}: the message does not name {word}: {stderr:?}"
        );
    }

    // A good profile (no `extends`) validates.
    let (code, stderr) = validate(
        dir.path(),
        "good.ron",
        "(\n    name: \"good\",\n    options: [\"retain-uids\"],\n    rules: [\n        (select: \"PatientName\", action: Hash),\n    ],\n)\n",
    );
    assert_eq!(code, 0, "good.ron: {stderr}");

    // Several files: every error reported, exit 1.
    let r = run(dpk(dir.path()).args(["profile", "validate", "good.ron", "keyword.ron", "vr.ron"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("keyword.ron:") && r.stderr.contains("vr.ron:"),
        "{}",
        r.stderr
    );
}

#[test]

fn profile_validate_locates_an_unknown_option() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stderr) = validate(
        dir.path(),
        "option.ron",
        "(\n    name: \"bad-option\",\n    options: [\"retain-safe-private\", \"retain-everything\"],\n    rules: [],\n)\n",
    );
    assert_eq!(code, 1, "stderr:\n{stderr}");
    assert!(stderr.contains("retain-everything"), "{stderr}");
    let (l, c) = location(&stderr, "option.ron").unwrap_or_else(|| panic!("no file:line:col in {stderr:?}"));
    assert_eq!(l, 3, "wrong line in {stderr:?}");
    assert!(c > 0);
}

#[test]
fn profile_validate_accepts_the_hash_name_example() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dpk(dir.path())
        .args(["profile", "validate"])
        .arg(repo().join("profiles/examples/hash-name.ron")));
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
    assert!(r.stdout.contains("hash-name"), "{}", r.stdout);

    // The documented form `extends: "basic"` in a user's own profile works too.
    let (code, stderr) = validate(
        dir.path(),
        "mine.ron",
        "(\n    name: \"mine\",\n    extends: \"basic\",\n    rules: [\n        (select: \"PatientName\", action: Hash),\n    ],\n)\n",
    );
    assert_eq!(code, 0, "mine.ron: {stderr}");
}

#[test]

fn hash_name_example_hashes_the_name_consistently() {
    let ws = Workspace::new();
    let profile = repo().join("profiles/examples/hash-name.ron");
    let other_salt = write_salt(ws.path(), OTHER_SALT);
    for (out, salt) in [("out_a", &ws.salt_file), ("out_b", &other_salt)] {
        let r = run(dpk(ws.path())
            .args(["anonymize", "in", "-o", out, "--profile"])
            .arg(&profile)
            .arg("--salt-file")
            .arg(salt));
        assert_eq!(r.code, 1, "stderr:\n{}", r.stderr);
        assert_eq!(summary(&r.stderr).0, 4, "stderr:\n{}", r.stderr);
        r.assert_no_salt();
    }
    let names = |out: &str| -> BTreeSet<String> {
        GOOD_STUDY_FILES
            .iter()
            .map(|f| {
                let file = dicom_object::open_file(ws.path().join(out).join(f)).unwrap();
                assert!(
                    file.get(tags::STUDY_DESCRIPTION).is_none(),
                    "{out}/{f}: Study Description kept"
                );
                text_of(&file, tags::PATIENT_NAME).unwrap_or_default()
            })
            .collect()
    };
    let (a, b) = (names("out_a"), names("out_b"));
    assert_eq!(a.len(), 1, "the hashed name differs across the study: {a:?}");
    let hashed = a.iter().next().unwrap();
    assert!(!hashed.is_empty(), "the hashed name is empty");
    assert!(!hashed.contains("Smith"), "the name is not hashed: {hashed}");
    assert_eq!(b.len(), 1);
    assert_ne!(a, b, "the same hash under another salt");
    assert_no_salt_in_tree(ws.path());
}

#[test]
fn several_inputs_with_the_same_name_do_not_overwrite_each_other() {
    let ws = Workspace::new();
    let r = run(dpk(ws.path())
        .args([
            "anonymize",
            "in/series1/img1.dcm",
            "in/series2/img1.dcm",
            "-o",
            "out",
            "--salt-file",
        ])
        .arg(&ws.salt_file));
    let written = files_under(&ws.path().join("out")).len();
    let (done, _, _) = summary(&r.stderr);
    // Either both are written (under distinct names) or the run is refused; never a file
    // counted as done whose output another file replaced.
    assert_eq!(
        done, written,
        "exit {}: {done} files reported done, {written} written:\n{}",
        r.code, r.stderr
    );
    if r.code == 0 {
        assert_eq!(written, 2);
    }
}

#[test]
fn diff_shows_what_anonymize_did_as_text_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let salt = write_salt(dir.path(), SALT);
    let input = fixtures().join("ct_explicit_le.dcm");
    let out = dir.path().join("anon.dcm");
    let r = run(dpk(dir.path())
        .args(["anonymize"])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--salt-file")
        .arg(&salt));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (_, _, changed) = summary(&r.stderr);

    let text = run(dpk(dir.path()).arg("diff").arg(&input).arg(&out));
    // As diff(1): 1 when the files differ.
    assert_eq!(text.code, 1, "{}", text.stderr);
    assert!(
        text.stdout
            .lines()
            .any(|l| l.starts_with("(0010,0010)") && l.contains("emptied")),
        "{}",
        text.stdout
    );
    assert!(text.stderr.contains(&format!("{changed} of ")), "{}", text.stderr);
    assert!(!text.stdout.lines().any(|l| l.contains("unchanged")));

    let all = run(dpk(dir.path()).arg("diff").arg(&input).arg(&out).arg("--all"));
    assert!(all.stdout.lines().count() > text.stdout.lines().count());

    let json = run(dpk(dir.path())
        .arg("diff")
        .arg(&input)
        .arg(&out)
        .args(["--format", "json"]));
    assert_eq!(json.code, 1);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let changes = v["changes"].as_array().unwrap();
    assert_eq!(changes.len(), changed);
    for c in changes {
        for field in ["path", "keyword", "vr", "kind", "before", "after"] {
            assert!(c.get(field).is_some(), "{field} missing in {c}");
        }
    }

    let missing = run(dpk(dir.path())
        .arg("diff")
        .arg(&input)
        .arg(dir.path().join("nope.dcm")));
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.dcm"));
}

#[test]
fn score_levels_thresholds_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let salt = write_salt(dir.path(), SALT);
    let input = fixtures().join("study");
    let out = dir.path().join("anon");
    let r = run(dpk(dir.path())
        .arg("anonymize")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .arg("--salt-file")
        .arg(&salt));
    assert_eq!(r.code, 0, "{}", r.stderr);

    // Originals are CRITICAL and fail a 50 % gate; the de-identified study passes it.
    let before = run(dpk(dir.path())
        .arg("score")
        .arg(&input)
        .args(["--fail-on-risk", "50"]));
    assert_eq!(before.code, 3, "{}", before.stderr);
    assert!(before.stdout.contains("CRITICAL"), "{}", before.stdout);
    assert!(before.stderr.contains("4 at or above 50%"), "{}", before.stderr);
    let after = run(dpk(dir.path())
        .arg("score")
        .arg(&out)
        .args(["--fail-on-risk", "50"]));
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
    assert_eq!(
        after.stdout.lines().filter(|l| l.contains("% LOW")).count(),
        4,
        "{}",
        after.stdout
    );

    let json = run(dpk(dir.path())
        .arg("score")
        .arg(&input)
        .args(["--format", "json"]));
    assert_eq!(json.code, 0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 4);
    for f in files {
        let score = f["score"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&score));
        assert!(["LOW", "MEDIUM", "HIGH", "CRITICAL"].contains(&f["level"].as_str().unwrap()));
        let finding = &f["findings"][0];
        for field in ["path", "keyword", "category", "weight", "reason"] {
            assert!(finding.get(field).is_some(), "{field} missing in {finding}");
        }
    }
    assert_eq!(v["summary"]["files"], 4);

    let bad_weights = dir.path().join("w.ron");
    std::fs::write(
        &bad_weights,
        "(categories: {\n  \"no-such-category\": (weight: 0.5)})",
    )
    .unwrap();
    let bad = run(dpk(dir.path())
        .arg("score")
        .arg(&input)
        .arg("--weights")
        .arg(&bad_weights));
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("w.ron"), "{}", bad.stderr);
}

#[test]
fn profile_explain_teaches_one_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(dpk(dir.path()).args(["profile", "explain", "StudyDate"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for expected in [
        "(0008,0020) Study Date",
        "PHI category: date",
        "PS3.15 Basic Profile: Z",
        "with retain-long-full-dates: K",
        "with retain-long-modified-dates: C",
    ] {
        assert!(
            r.stdout.contains(expected),
            "{expected:?} missing in\n{}",
            r.stdout
        );
    }
    let salt = write_salt(dir.path(), SALT);
    let with_file = run(dpk(dir.path())
        .args([
            "profile",
            "explain",
            "(0008,0020)",
            "--option",
            "retain-long-modified-dates",
            "--file",
        ])
        .arg(fixtures().join("ct_explicit_le.dcm"))
        .arg("--salt-file")
        .arg(&salt));
    assert_eq!(with_file.code, 0, "{}", with_file.stderr);
    let line = with_file
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("(0008,0020): 20230917 → "))
        .unwrap();
    assert!(
        line.contains("[clean by retain-long-modified-dates: (0008,0020)]"),
        "{line}"
    );
    assert!(
        !line.contains("→ (empty)") && !line.contains("→ 20230917"),
        "{line}"
    );
    assert!(!with_file.stdout.contains("preview salt"));
    with_file.assert_no_salt();
    let unknown = run(dpk(dir.path()).args(["profile", "explain", "PatientNmae"]));
    assert_eq!(unknown.code, 2);
}

#[test]
fn a_file_without_its_preamble_is_accepted_and_the_user_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let salt = write_salt(dir.path(), SALT);
    let whole = std::fs::read(fixtures().join("ct_explicit_le.dcm")).unwrap();
    assert_eq!(&whole[128..132], b"DICM");
    std::fs::write(dir.path().join("bare.dcm"), &whole[128..]).unwrap();

    let r = run(dpk(dir.path())
        .args([
            "anonymize",
            "bare.dcm",
            "-o",
            "out.dcm",
            "--report",
            "report.json",
            "--salt-file",
        ])
        .arg(&salt));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("dpk: note: bare.dcm: no 128-byte preamble"),
        "{}",
        r.stderr
    );
    let out = std::fs::read(dir.path().join("out.dcm")).unwrap();
    assert_eq!(&out[128..132], b"DICM", "the output has the preamble");
    // Anonymized as the same file with its preamble would be.
    std::fs::write(dir.path().join("whole.dcm"), &whole).unwrap();
    let r2 = run(dpk(dir.path())
        .args(["anonymize", "whole.dcm", "-o", "whole_out.dcm", "--salt-file"])
        .arg(&salt));
    assert_eq!(r2.code, 0, "{}", r2.stderr);
    assert!(!r2.stderr.contains("note:"), "{}", r2.stderr);
    assert_eq!(out, std::fs::read(dir.path().join("whole_out.dcm")).unwrap());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let notes = report["files"][0]["notes"]
        .as_array()
        .expect("notes in the report");
    assert!(notes[0].as_str().unwrap().starts_with("no 128-byte preamble"));

    let r = run(dpk(dir.path()).args(["score", "bare.dcm"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("no 128-byte preamble"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// Links and file names: nothing read from outside the inputs unless asked, nothing written
// outside -o
// ---------------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn symbolic_links_are_skipped_unless_followed_and_never_lead_into_the_output() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let ct = fixtures().join("ct_explicit_le.dcm");
    for (folder, name) in [
        ("in", "a.dcm"),
        ("elsewhere", "b.dcm"),
        ("elsewhere/series", "c.dcm"),
    ] {
        std::fs::create_dir_all(root.join(folder)).unwrap();
        std::fs::copy(&ct, root.join(folder).join(name)).unwrap();
    }
    symlink(root.join("elsewhere/b.dcm"), root.join("in/linked.dcm")).unwrap();
    symlink(root.join("elsewhere/series"), root.join("in/linked-series")).unwrap();
    let salt = write_salt(root, SALT);

    // By default the links are not followed: only the file inside the tree is read.
    let r = run(dpk(root)
        .args(["anonymize", "in", "-o", "out", "--salt-file"])
        .arg(&salt));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        files_under(&root.join("out")),
        BTreeSet::from([PathBuf::from("a.dcm")])
    );
    let score = run(dpk(root).args(["score", "in"]));
    assert!(score.stderr.contains("1 file scored"), "{}", score.stderr);

    // Asked, they are followed, and what they lead to is written under -o where the link is.
    let r = run(dpk(root)
        .args([
            "anonymize",
            "in",
            "-o",
            "followed",
            "--follow-links",
            "--salt-file",
        ])
        .arg(&salt));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected: BTreeSet<PathBuf> = ["a.dcm", "linked.dcm", "linked-series/c.dcm"]
        .iter()
        .map(PathBuf::from)
        .collect();
    assert_eq!(files_under(&root.join("followed")), expected);
    assert!(!std::fs::symlink_metadata(root.join("followed/linked.dcm"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        files_under(&root.join("elsewhere")),
        BTreeSet::from([PathBuf::from("b.dcm"), PathBuf::from("series/c.dcm")]),
        "something was written where a link leads"
    );
    let score = run(dpk(root).args(["score", "--follow-links", "in"]));
    assert!(score.stderr.contains("3 files scored"), "{}", score.stderr);

    // A followed link into the output would read outputs as inputs: refused before any write.
    symlink(root.join("out"), root.join("in/to-output")).unwrap();
    let r = run(dpk(root)
        .args(["anonymize", "in", "-o", "out", "--follow-links", "--salt-file"])
        .arg(&salt));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("into the output"), "{}", r.stderr);
    std::fs::remove_file(root.join("in/to-output")).unwrap();

    // A loop is refused, not walked forever.
    symlink(root.join("in"), root.join("in/loop")).unwrap();
    let r = run(dpk(root)
        .args(["anonymize", "in", "-o", "looped", "--follow-links", "--salt-file"])
        .arg(&salt));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("loop"), "{}", r.stderr);
    assert!(!root.join("looped").exists());
}

/// File names that look like options, paths or escapes, or are not UTF-8: each input is
/// written under -o at its own name, and nothing anywhere else.
#[cfg(unix)]
#[test]
fn odd_file_names_are_written_under_the_output_and_nowhere_else() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let input = root.join("in");
    std::fs::create_dir(&input).unwrap();
    let ct = fixtures().join("ct_explicit_le.dcm");
    let names: Vec<&[u8]> = vec![
        b"-rf.dcm",
        b"--output=elsewhere.dcm",
        b"..dcm",
        b"...",
        b"back\\slash..\\..\\x.dcm",
        b"new\nline.dcm",
        b" leading and trailing spaces ",
        b"not-utf8-\xff\xfe.dcm",
        b"%2e%2e%2fescaped.dcm",
    ];
    let long = vec![b'n'; 250];
    let mut all: Vec<&[u8]> = names.clone();
    all.push(&long);
    for name in &all {
        std::fs::copy(&ct, input.join(std::ffi::OsStr::from_bytes(name))).unwrap();
    }
    let salt = write_salt(root, SALT);
    let before = files_under(root);
    let r = run(dpk(root)
        .args(["anonymize", "in", "-o", "out", "--salt-file"])
        .arg(&salt));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written: BTreeSet<PathBuf> = files_under(root).difference(&before).cloned().collect();
    let expected: BTreeSet<PathBuf> = all
        .iter()
        .map(|n| Path::new("out").join(std::ffi::OsStr::from_bytes(n)))
        .collect();
    assert_eq!(written, expected);
}
