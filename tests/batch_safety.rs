//! Batch runs of the `dpk` program that must stay safe: no output ever lands on an input, a
//! resumed run writes again what was cut short and clears what a killed run left, nothing
//! from a file reaches the terminal as a control sequence, one bad folder or output is one
//! named failure, and the salt file and report paths are checked before anything is written.
//! Every test runs the built binary on DICOM files made here, in a temporary folder.

#[path = "support/batch_safety.rs"]
mod gen;

use std::collections::BTreeMap;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use gen::Image;

const SALT: &str = "batch-safety-salt-5e61f0c2a7";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `dpk`, run in `cwd`, with the test salt in its environment.
fn dpk(cwd: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("dpk"));
    cmd.current_dir(cwd).env("DPK_SALT", SALT);
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    raw: Vec<u8>,
}

fn run(cmd: Command) -> Run {
    let out = assert_cmd::Command::from_std(cmd).output().expect("dpk runs");
    let mut raw = out.stdout.clone();
    raw.extend_from_slice(&out.stderr);
    Run {
        code: out.status.code().expect("dpk exited with a code"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        raw,
    }
}

/// Whether these tests run as root, who reads and writes whatever the permissions say.
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

/// Runs `cmd` as an ordinary user (nobody) when the tests run as root, so that permissions
/// apply to it; `dir` (the test's folder) is opened to that user.
fn without_privileges(cmd: &mut Command, dir: &Path) {
    use std::os::unix::process::CommandExt;
    if running_as_root() {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        cmd.uid(65534).gid(65534);
    }
}

/// Relative path → bytes of every file under `dir` (links not followed).
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The files done and failed of the summary line `dpk: N file(s) done, M failed, …`.
fn summary(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .rfind(|l| l.starts_with("dpk: ") && l.contains(" done, ") && l.contains(" failed"))
        .unwrap_or_else(|| panic!("no summary line:\n{stderr}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    (numbers[0], numbers[1])
}

fn image(path: &Path, n: u32) {
    gen::write_image(
        path,
        &Image {
            n,
            ..Image::default()
        },
    );
}

// ---------------------------------------------------------------------------------------------
// 1. No output on an input: overlapping trees are refused
// ---------------------------------------------------------------------------------------------

#[test]
fn input_inside_the_output_or_any_overlap_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    image(&root.join("W/in/x.dcm"), 1);
    image(&root.join("W/in/in/x.dcm"), 2);
    symlink(root.join("W"), root.join("L")).unwrap();
    symlink(root.join("W/in/x.dcm"), root.join("X.dcm")).unwrap();
    let before = tree(&root.join("W"));

    // The case that used to overwrite W/in/x.dcm with the output of W/in/in/x.dcm.
    let r = run({
        let mut c = dpk(root);
        c.args(["anonymize", "W/in", "-o", "W"]);
        c
    });
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("the output W holds the input W/in"),
        "both paths named:\n{}",
        r.stderr
    );
    assert_eq!(tree(&root.join("W")), before, "something was written");

    for args in [
        vec!["W/in", "-o", "W/in"],
        vec!["W/in", "-o", "W/in/in"],
        vec!["W/in", "-o", "L"],
        vec!["W/in/x.dcm", "-o", "W/in/"],
        vec!["W/in/x.dcm", "-o", "W/in"],
        vec!["W/in/x.dcm", "-o", "W"],
        vec!["W/in/x.dcm", "-o", "X.dcm"],
        vec!["W/in/in/x.dcm", "W/in/x.dcm", "-o", "W/in/in"],
    ] {
        let r = run({
            let mut c = dpk(root);
            c.arg("anonymize").args(&args);
            c
        });
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("dpk: error: the output"),
            "{args:?}: {}",
            r.stderr
        );
        assert_eq!(tree(&root.join("W")), before, "{args:?}: something was written");
    }

    // Apart, the same run works and leaves the input as it was.
    let r = run({
        let mut c = dpk(root);
        c.args(["anonymize", "W/in", "-o", "apart"]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(tree(&root.join("apart")).len(), 2);
    assert_eq!(tree(&root.join("W")), before);
}

// ---------------------------------------------------------------------------------------------
// 2. --skip-existing skips only outputs that are whole
// ---------------------------------------------------------------------------------------------

#[test]
fn a_resume_writes_again_every_output_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (name, n, encapsulated) in [
        ("native-short.dcm", 1, false),
        ("native-before-pixels.dcm", 2, false),
        ("jpeg-short.dcm", 3, true),
        ("jpeg-fragments-only.dcm", 4, true),
        ("intact.dcm", 5, false),
    ] {
        gen::write_image(
            &root.join("in").join(name),
            &Image {
                n,
                encapsulated,
                ..Image::default()
            },
        );
    }
    let first = run({
        let mut c = dpk(root);
        c.args(["anonymize", "in", "-o", "out"]);
        c
    });
    assert_eq!(first.code, 0, "{}", first.stderr);
    let reference = tree(&root.join("out"));
    assert_eq!(reference.len(), 5);

    let out = root.join("out");
    let cut = |name: &str, keep: usize| {
        let bytes = std::fs::read(out.join(name)).unwrap();
        std::fs::write(out.join(name), &bytes[..keep]).unwrap();
        assert!(!dpk::dataset::is_complete_output(
            out.join(name),
            root.join("in").join(name)
        ));
    };
    let len = |name: &str| std::fs::read(out.join(name)).unwrap().len();
    let pixels_at = |name: &str| gen::pixel_data_offset(&std::fs::read(out.join(name)).unwrap());
    cut("native-short.dcm", len("native-short.dcm") - 1);
    cut("native-before-pixels.dcm", pixels_at("native-before-pixels.dcm"));
    cut("jpeg-short.dcm", len("jpeg-short.dcm") - 1);
    // Without its sequence delimiter: the file ends right after the last fragment.
    cut("jpeg-fragments-only.dcm", len("jpeg-fragments-only.dcm") - 8);
    let intact = std::fs::metadata(out.join("intact.dcm")).unwrap().ino();

    let resumed = run({
        let mut c = dpk(root);
        c.args(["anonymize", "in", "-o", "out", "--skip-existing"]);
        c
    });
    assert_eq!(resumed.code, 0, "{}", resumed.stderr);
    assert!(
        resumed.stderr.contains("4 files done, 0 failed") && resumed.stderr.contains("1 skipped"),
        "{}",
        resumed.stderr
    );
    assert_eq!(
        tree(&out),
        reference,
        "the outputs cut short were not written again"
    );
    assert_eq!(
        std::fs::metadata(out.join("intact.dcm")).unwrap().ino(),
        intact,
        "the whole output was written again"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Nothing from a file reaches the terminal as a control sequence
// ---------------------------------------------------------------------------------------------

/// A Patient's Name that retitles the terminal, clears it, returns the cursor and prints a
/// fake verdict on a line of its own, then a C1 CSI and a right-to-left override.
const HOSTILE_NAME: &str =
    "FICTIVE^ALMA\x1b]0;owned title\x07\x1b[2J\x1b[H\rdpk: 0 violations\n\u{9b}31m\u{202e}gpj";
const HOSTILE_FILE: &str = "evil\x1b]0;t\x07\x1b[31m\u{202e}\u{85}.dcm";

/// Bytes that must never reach a terminal from a file: ESC, BEL, CR, C1 CSI and NEL (UTF-8),
/// RIGHT-TO-LEFT OVERRIDE (UTF-8).
fn assert_no_control_bytes(raw: &[u8], what: &str) {
    for (needle, name) in [
        (&b"\x1b"[..], "ESC"),
        (b"\x07", "BEL"),
        (b"\r", "CR"),
        (b"\xc2\x9b", "C1 CSI"),
        (b"\xc2\x85", "C1 NEL"),
        (b"\xe2\x80\xae", "RLO"),
    ] {
        assert!(
            !raw.windows(needle.len()).any(|w| w == needle),
            "{what}: a raw {name} reached the output:\n{}",
            String::from_utf8_lossy(raw)
        );
    }
    let text = String::from_utf8_lossy(raw);
    assert!(
        !text.lines().any(|l| l.starts_with("dpk: 0 violations")),
        "{what}: a value forged a line:\n{text}"
    );
}

#[test]
fn values_and_file_names_are_escaped_on_the_terminal_and_exact_in_json() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let input = root.join("in").join(HOSTILE_FILE);
    gen::write_image(
        &input,
        &Image {
            patient_name: HOSTILE_NAME,
            description: "CT\x1b[8mhidden\u{202e}txt",
            ..Image::default()
        },
    );
    std::fs::write(
        root.join("in/bad\x1b[2J\u{9b}.dcm"),
        "not DICOM\x1b[2J: a text file long enough to be read as a candidate and refused by name".repeat(3),
    )
    .unwrap();
    let output = root.join("out").join(HOSTILE_FILE);
    let file = |p: &Path| p.strip_prefix(root).unwrap().to_path_buf();

    let mut runs: Vec<(String, Run)> = Vec::new();
    let mut go = |what: &str, args: Vec<&std::ffi::OsStr>| {
        let r = run({
            let mut c = dpk(root);
            c.args(args);
            c
        });
        runs.push((what.to_string(), r));
    };
    let os = |s: &'static str| std::ffi::OsStr::new(s);
    go(
        "anonymize --report",
        vec![os("anonymize"), os("in"), os("-o"), os("out"), os("--report")],
    );
    go(
        "diff",
        vec![os("diff"), file(&input).as_os_str(), file(&output).as_os_str()],
    );
    go(
        "diff --all",
        vec![
            os("diff"),
            os("--all"),
            file(&input).as_os_str(),
            file(&output).as_os_str(),
        ],
    );
    for attribute in ["PatientName", "StudyDescription"] {
        go(
            "profile explain --file",
            vec![
                os("profile"),
                os("explain"),
                os(attribute),
                os("--file"),
                file(&input).as_os_str(),
            ],
        );
    }
    go("score", vec![os("score"), os("in")]);
    go("verify originals", vec![os("verify"), os("in")]);
    go(
        "verify --originals",
        vec![os("verify"), os("out"), os("--originals"), os("in")],
    );
    go(
        "anonymize a named missing file",
        vec![
            os("anonymize"),
            file(&root.join("in/gone\x1b[2J.dcm")).as_os_str(),
            os("-o"),
            os("o2"),
        ],
    );

    for (what, r) in &runs {
        assert_no_control_bytes(&r.raw, what);
    }
    let (_, anonymize) = &runs[0];
    assert_eq!(anonymize.code, 1, "{}", anonymize.stderr);
    assert!(
        anonymize
            .stdout
            .contains(r"FICTIVE^ALMA\x1b]0;owned title\x07\x1b[2J\x1b[H\rdpk: 0 viol"),
        "the name is not shown escaped:\n{}",
        anonymize.stdout
    );
    assert!(anonymize
        .stdout
        .contains(r"in/evil\x1b]0;t\x07\x1b[31m\u{202e}\u{85}.dcm"));
    assert!(
        anonymize.stderr.contains(r"in/bad\x1b[2J\u{9b}.dcm: "),
        "the failed file is not named, escaped:\n{}",
        anonymize.stderr
    );
    let (_, diff) = &runs[1];
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    assert!(diff.stdout.contains(r"\x1b]0;owned title\x07"), "{}", diff.stdout);
    let (_, explain) = &runs[3];
    assert!(
        explain.stdout.contains(r"FICTIVE^ALMA\x1b]0;"),
        "{}",
        explain.stdout
    );

    // JSON stays exact: the value as the file holds it.
    let r = run({
        let mut c = dpk(root);
        c.args(["diff", "--format", "json"])
            .arg(file(&input))
            .arg(file(&output));
        c
    });
    assert_eq!(r.code, 1, "{}", r.stderr);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("diff JSON parses");
    let name = json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["keyword"] == "PatientName")
        .expect("Patient's Name changed");
    assert_eq!(name["before"], HOSTILE_NAME);
    assert_eq!(json["a"], file(&input).to_str().unwrap());
    let r = run({
        let mut c = dpk(root);
        c.args(["anonymize", "in", "-o", "out-json", "--report", "report.json"]);
        c
    });
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_no_control_bytes(r.stderr.as_bytes(), "anonymize --report FILE");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("report.json")).unwrap()).unwrap();
    let entry = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["status"] == "ok")
        .expect("the good file");
    assert_eq!(entry["input"], file(&input).to_str().unwrap());
    let before = entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["keyword"] == "PatientName")
        .unwrap();
    assert_eq!(before["before"], HOSTILE_NAME);
}

// ---------------------------------------------------------------------------------------------
// 6. One bad folder is one failure
// ---------------------------------------------------------------------------------------------

#[test]
fn an_unreadable_folder_is_one_named_failure_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    image(&root.join("in/a.dcm"), 1);
    image(&root.join("in/b/c.dcm"), 2);
    image(&root.join("in/locked/d.dcm"), 3);
    image(&root.join("in/z.dcm"), 4);
    let locked = root.join("in/locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();

    let mut cmd = dpk(root);
    cmd.args(["anonymize", "in", "-o", "out"]);
    without_privileges(&mut cmd, root);
    let r = run(cmd);
    let mut cmd = dpk(root);
    cmd.args(["score", "in"]);
    without_privileges(&mut cmd, root);
    let score = run(cmd);
    let mut cmd = dpk(root);
    cmd.args(["verify", "in", "--profile", "basic"]);
    without_privileges(&mut cmd, root);
    let verify = run(cmd);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();

    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(summary(&r.stderr), (3, 1), "{}", r.stderr);
    assert!(
        r.stderr
            .lines()
            .any(|l| l.contains("in/locked") && l.contains("ermission denied")),
        "the folder is not named with its cause:\n{}",
        r.stderr
    );
    let written: Vec<PathBuf> = tree(&root.join("out")).into_keys().collect();
    assert_eq!(
        written,
        ["a.dcm", "b/c.dcm", "z.dcm"].map(PathBuf::from).to_vec(),
        "the files after the bad folder were not done"
    );
    assert_eq!(score.code, 1, "{}", score.stderr);
    assert!(
        score.stderr.contains("3 files scored, 1 failed"),
        "{}",
        score.stderr
    );
    assert!(score.stderr.contains("in/locked"), "{}", score.stderr);
    // The originals break the profile; what matters is that all three are checked.
    assert!(verify.stderr.contains("3 files verified"), "{}", verify.stderr);
    assert!(verify.stderr.contains("in/locked"), "{}", verify.stderr);
}

#[test]
fn a_dangling_link_followed_is_one_failure_and_skipped_links_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    image(&root.join("in/a.dcm"), 1);
    image(&root.join("in/b.dcm"), 2);
    symlink(root.join("nowhere.dcm"), root.join("in/gone.dcm")).unwrap();
    symlink(root.join("in/b.dcm"), root.join("in/twin.dcm")).unwrap();
    image(&root.join("other/c.dcm"), 3);
    symlink(root.join("other"), root.join("in/other")).unwrap();

    let r = run({
        let mut c = dpk(root);
        c.args(["anonymize", "in", "-o", "out", "--follow-links"]);
        c
    });
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(summary(&r.stderr), (4, 1), "{}", r.stderr);
    assert!(!r.stderr.contains("link skipped"), "{}", r.stderr);
    assert!(
        r.stderr
            .lines()
            .any(|l| l.contains("in/gone.dcm") && l.contains("cannot be read")),
        "{}",
        r.stderr
    );

    let r = run({
        let mut c = dpk(root);
        c.args(["anonymize", "in", "-o", "plain"]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("2 files done, 0 failed") && r.stderr.contains("3 symbolic links skipped"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_path_too_long_is_one_failure() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    image(&root.join("in/a.dcm"), 1);
    image(&root.join("in/m.dcm"), 2);
    // Folders nested past PATH_MAX (4096 bytes), made one level at a time from the one
    // above, as only paths relative to an open folder can reach them.
    let name = "n".repeat(200);
    {
        use rustix::fs::{mkdirat, openat, Mode, OFlags};
        let mut folder = openat(rustix::fs::CWD, root.join("in"), OFlags::DIRECTORY, Mode::empty()).unwrap();
        for _ in 0..24 {
            mkdirat(&folder, name.as_str(), Mode::from_raw_mode(0o755)).unwrap();
            folder = openat(&folder, name.as_str(), OFlags::DIRECTORY, Mode::empty()).unwrap();
        }
        let file = openat(
            &folder,
            "deep.dcm",
            OFlags::CREATE | OFlags::WRONLY,
            Mode::from_raw_mode(0o644),
        )
        .unwrap();
        std::io::Write::write_all(
            &mut std::fs::File::from(file),
            &gen::image_bytes(&Image::default()),
        )
        .unwrap();
    }

    let r = run({
        let mut c = dpk(root);
        c.args(["anonymize", "in", "-o", "out"]);
        c
    });
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(summary(&r.stderr), (2, 1), "{}", r.stderr);
    assert!(
        r.stderr
            .lines()
            .any(|l| l.contains(&name) && l.contains("too long")),
        "{}",
        r.stderr
    );
    assert!(root.join("out/a.dcm").is_file() && root.join("out/m.dcm").is_file());
}

// ---------------------------------------------------------------------------------------------
// 7. Temporary files of a killed run
// ---------------------------------------------------------------------------------------------

#[test]
fn temporary_files_are_never_inputs_and_a_resume_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    image(&root.join("in/a.dcm"), 1);
    image(&root.join("in/s/b.dcm"), 2);
    let half = {
        let bytes = gen::image_bytes(&Image::default());
        bytes[..bytes.len() / 2].to_vec()
    };
    // One in the input, as a run writing into it would leave.
    std::fs::write(root.join("in/s/.dpk-Qr7sT1.tmp"), &half).unwrap();
    let r = run({
        let mut c = dpk(root);
        c.args(["anonymize", "in", "-o", "out"]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(summary(&r.stderr), (2, 0));
    assert!(!root.join("out/s/.dpk-Qr7sT1.tmp").exists());

    // What a killed run leaves under -o: half-written outputs under dpk's temporary names.
    let stale = [
        root.join("out/s/.dpk-AbC123.tmp"),
        root.join("out/.dpk-zZ9yY8.tmp"),
    ];
    for path in &stale {
        std::fs::write(path, &half).unwrap();
    }
    let verify = run({
        let mut c = dpk(root);
        c.args(["verify", "out", "--profile", "basic"]);
        c
    });
    assert!(verify.stderr.contains("2 files verified"), "{}", verify.stderr);
    assert!(!verify.stdout.contains(".dpk-") && !verify.stderr.contains(".dpk-"));
    let score = run({
        let mut c = dpk(root);
        c.args(["score", "out"]);
        c
    });
    assert_eq!(score.code, 0, "{}", score.stderr);
    assert!(
        score.stderr.contains("2 files scored, 0 failed"),
        "{}",
        score.stderr
    );

    // A sharded resume leaves a temporary file another shard may be writing, and removes one
    // untouched for long.
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale[1])
        .unwrap()
        .set_modified(old)
        .unwrap();
    let r = run({
        let mut c = dpk(root);
        c.args([
            "anonymize",
            "in",
            "-o",
            "out",
            "--skip-existing",
            "--shard",
            "1/1",
        ]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        stale[0].exists(),
        "a fresh temporary file was removed by a sharded run"
    );
    assert!(!stale[1].exists(), "an old temporary file was kept");

    let r = run({
        let mut c = dpk(root);
        c.args(["anonymize", "in", "-o", "out", "--skip-existing"]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("2 skipped"), "{}", r.stderr);
    assert!(r.stderr.contains("removed out/s/.dpk-AbC123.tmp"), "{}", r.stderr);
    assert!(!stale[0].exists(), "the resume left a temporary file");
    assert!(
        root.join("in/s/.dpk-Qr7sT1.tmp").exists(),
        "a file of the input was removed"
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Report paths
// ---------------------------------------------------------------------------------------------

#[test]
fn a_report_path_on_an_input_or_an_output_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    image(&root.join("in/a.dcm"), 1);
    std::fs::write(root.join("in/r.json"), "{\"kept\": true}\n").unwrap();
    let before = tree(&root.join("in"));

    for (args, named) in [
        (
            vec!["in", "-o", "out", "--report", "in/new.json"],
            ["in/new.json", "inside the input in"],
        ),
        (
            vec!["in/a.dcm", "in/r.json", "-o", "out", "--report", "in/r.json"],
            ["in/r.json", "is the input in/r.json"],
        ),
        (
            vec!["in/a.dcm", "-o", "one.json", "--report", "one.json"],
            ["one.json", "is the output one.json"],
        ),
        (
            vec!["in", "-o", "o.json", "--report", "o.json"],
            ["the report o.json", "is the output o.json"],
        ),
        (
            vec!["in", "-o", "out", "--report", "out/r.json"],
            ["out/r.json", "where the output of in/r.json goes"],
        ),
    ] {
        let r = run({
            let mut c = dpk(root);
            c.arg("anonymize").args(&args);
            c
        });
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        for words in named {
            assert!(
                r.stderr.contains(words),
                "{args:?}: {words:?} not said:\n{}",
                r.stderr
            );
        }
        assert_eq!(tree(&root.join("in")), before, "{args:?}: the input changed");
        for written in ["out", "one.json", "o.json"] {
            assert!(!root.join(written).exists(), "{args:?}: {written} written");
        }
    }

    // Inside the output folder, apart from every output, it is where README puts it.
    let r = run({
        let mut c = dpk(root);
        c.args([
            "anonymize",
            "in/a.dcm",
            "-o",
            "out/",
            "--report",
            "out/report.json",
        ]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(root.join("out/report.json").is_file() && root.join("out/a.dcm").is_file());
}

// ---------------------------------------------------------------------------------------------
// 9. Outputs lost, unwritable or led astray; the salt file
// ---------------------------------------------------------------------------------------------

#[test]
fn an_output_folder_removed_during_the_run_is_not_made_again_and_its_files_fail() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bytes = gen::image_bytes(&Image::default());
    let count = 600;
    std::fs::create_dir(root.join("in")).unwrap();
    for i in 0..count {
        std::fs::write(root.join(format!("in/{i:04}.dcm")), &bytes).unwrap();
    }
    let out = root.join("out");
    let mut child = dpk(root)
        .args(["anonymize", "in", "-o", "out", "--jobs", "1"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_dir(&out).map_or(0, |d| d.count()) < 5 {
        assert!(std::time::Instant::now() < deadline, "no output appeared");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before its folder was removed"
    );
    while out.exists() {
        let _ = std::fs::remove_dir_all(&out);
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!out.exists(), "the output folder was made again");
    let (done, failed) = summary(&stderr);
    assert_eq!((done, failed), (0, count), "{stderr}");
    assert!(stderr.contains("in/0000.dcm"), "{stderr}");
    assert!(stderr.contains("removed during the run"), "{stderr}");
}

#[test]
fn a_read_only_output_names_each_input_and_says_the_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let bytes = gen::image_bytes(&Image::default());
    std::fs::create_dir(root.join("in")).unwrap();
    for i in 0..30 {
        std::fs::write(root.join(format!("in/img{i:02}.dcm")), &bytes).unwrap();
    }
    std::fs::create_dir(root.join("out")).unwrap();
    std::fs::set_permissions(root.join("out"), std::fs::Permissions::from_mode(0o555)).unwrap();
    let mut cmd = dpk(root);
    cmd.args(["anonymize", "in", "-o", "out"]);
    without_privileges(&mut cmd, root);
    let r = run(cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(summary(&r.stderr), (0, 30), "{}", r.stderr);
    for i in 0..30 {
        assert!(
            r.stderr.contains(&format!("in/img{i:02}.dcm")),
            "img{i:02} not named:\n{}",
            r.stderr
        );
    }
    assert_eq!(
        r.stderr.matches("ermission denied").count(),
        1,
        "the one cause is not said once:\n{}",
        r.stderr
    );
    assert!(r.stderr.contains("30 files: cannot write out"), "{}", r.stderr);
}

#[test]
fn a_link_planted_in_the_output_tree_is_never_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    image(&root.join("in/s1/a.dcm"), 1);
    image(&root.join("in/s2/b.dcm"), 2);
    std::fs::create_dir_all(root.join("elsewhere")).unwrap();
    std::fs::create_dir_all(root.join("out")).unwrap();
    symlink(root.join("elsewhere"), root.join("out/s1")).unwrap();

    let r = run({
        let mut c = dpk(root);
        c.args(["anonymize", "in", "-o", "out"]);
        c
    });
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(summary(&r.stderr), (1, 1), "{}", r.stderr);
    assert!(
        r.stderr
            .lines()
            .any(|l| l.contains("in/s1/a.dcm") && l.contains("out/s1 is a symbolic link")),
        "{}",
        r.stderr
    );
    assert!(
        tree(&root.join("elsewhere")).is_empty(),
        "written through the link"
    );
    assert!(root.join("out/s2/b.dcm").is_file());
}

#[test]
fn the_salt_file_is_read_within_a_bound_and_a_guessable_salt_is_warned_of() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    image(&root.join("in/a.dcm"), 1);
    let with_salt_file = |salt: &Path| {
        let mut c = dpk(root);
        c.env_remove("DPK_SALT")
            .args(["anonymize", "in", "-o", "out", "--salt-file"])
            .arg(salt);
        run(c)
    };

    let r = with_salt_file(Path::new("/dev/zero"));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("/dev/zero") && r.stderr.contains("4096"),
        "{}",
        r.stderr
    );
    assert!(!root.join("out").exists());

    let r = with_salt_file(&root.join("no-such-salt.txt"));
    assert_eq!(r.code, 2, "a missing salt file is a usage error: {}", r.stderr);
    assert!(r.stderr.contains("no-such-salt.txt"), "{}", r.stderr);

    let weak = root.join("weak.txt");
    std::fs::write(&weak, "abababababababababab\n").unwrap();
    std::fs::set_permissions(&weak, std::fs::Permissions::from_mode(0o600)).unwrap();
    let r = with_salt_file(&weak);
    assert_eq!(r.code, 0, "a weak salt is warned of, not refused: {}", r.stderr);
    assert!(
        r.stderr
            .contains("dpk: warning: the salt is made of only 2 distinct byte values"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("abab"), "the salt was printed");

    let good = root.join("good.txt");
    std::fs::write(&good, SALT).unwrap();
    std::fs::set_permissions(&good, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::remove_dir_all(root.join("out")).unwrap();
    let r = with_salt_file(&good);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);

    // What exit 2 means, said alike by every list of exit codes.
    for args in [vec!["--help"], vec!["anonymize", "--help"]] {
        let r = run({
            let mut c = dpk(root);
            c.args(&args);
            c
        });
        let two = r
            .stdout
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("2  "))
            .take(2)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(two.contains("salt file"), "{args:?}: {two}");
    }
}
