//! The diff of a file against its own anonymization is the plan the engine used: the same
//! elements, the same kinds of change, the same values after. This is what lets one renderer
//! serve `dpk diff`, `--report` and the TUI.

use std::path::{Path, PathBuf};

use dpk::dataset::{self, render};
use dpk::diff::{diff_files, Change};
use dpk::{Context, Profile, Salt};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<PathBuf> = walk(&root)
        .into_iter()
        .filter(|p| !p.starts_with(root.join("malformed")))
        .collect();
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "dcm") {
            out.push(path);
        }
    }
    out
}

/// (path, kind, rendered value after) of every entry that changes something.
fn summary<'a>(changes: impl Iterator<Item = &'a Change>) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = changes
        .filter(|c| c.is_change())
        .map(|c| {
            let after = c.after.as_ref().map(|a| render(a, c.vr, 0)).unwrap_or_default();
            (c.path.to_string(), format!("{:?}", c.kind), after)
        })
        .collect();
    v.sort();
    v
}

fn check(profile: &Profile) {
    let resolved = profile.resolve().unwrap();
    let ctx = Context::new(Salt::new(b"diff-equals-plan-salt-01".to_vec()).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let files = fixtures();
    assert!(files.len() >= 12, "fixtures missing: {files:?}");
    for input in files {
        let original = dataset::open(&input).unwrap();
        let plan = dpk::plan(&original, &resolved, &ctx).unwrap();
        let out = dir.path().join("out.dcm");
        let applied = dpk::apply(&plan, dataset::open(&input).unwrap()).unwrap();
        dataset::write_atomic(&applied, &out).unwrap();
        let reread = dataset::open(&out).unwrap();

        let from_plan = summary(plan.changes());
        let from_diff = summary(diff_files(&original, &reread).iter());
        assert!(!from_plan.is_empty());
        assert_eq!(
            from_plan,
            from_diff,
            "{} with {}: plan and diff disagree",
            input.display(),
            resolved.name()
        );
    }
}

#[test]
fn diff_equals_plan_with_basic() {
    check(&Profile::builtin("basic").unwrap());
}

#[test]
fn diff_equals_plan_with_options_and_custom_rules() {
    let profile = Profile::extending("custom", "basic")
        .with_option("retain-safe-private")
        .with_option("retain-long-modified-dates")
        .with_option("clean-descriptors")
        .with_rule("PatientName".parse().unwrap(), dpk::Action::Hash);
    check(&profile);
}
