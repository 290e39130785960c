//! Arbitrary bytes through the whole flow: open → plan (Basic Profile, salted) → apply →
//! write → open again.
//!
//! Any input may be refused with an error; a panic, an abort or a timeout is a finding. What
//! is accepted must hold the invariants of the output:
//! - planning twice gives the same plan;
//! - a failed write leaves no file behind;
//! - the written file opens again;
//! - no element the Basic Profile removes is in it, at any depth (combined codes resolved by
//!   the file's IOD, as the engine does), and Patient Identity Removed is present;
//! - `anonymize_file`, which the program runs, writes the same bytes when it succeeds too,
//!   and leaves nothing behind when it fails.

#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use dpk::confidentiality::iod;
use dpk::dataset::{self, private, TagPath};
use dpk::profile::ElementContext;
use dpk::{Action, Context, Profile, ResolvedProfile, Salt};
use libfuzzer_sys::fuzz_target;

struct Engine {
    profile: ResolvedProfile,
    ctx: Context,
    dir: tempfile::TempDir,
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        // A memory-backed folder where there is one: every input goes through a file, as the
        // program reads it (the open-time length checks work on files).
        let shm = std::path::Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        };
        Engine {
            profile: Profile::builtin("basic")
                .and_then(|p| p.resolve())
                .expect("the basic profile resolves"),
            ctx: Context::new(Salt::new(b"fuzzing-salt-0123456789".to_vec()).expect("salt")),
            dir: dir.expect("a temporary folder"),
        }
    })
}

/// Paths of the elements of `obj`, at every depth, that `profile` removes.
fn removed(obj: &dicom_object::InMemDicomObject, profile: &ResolvedProfile) -> Vec<TagPath> {
    let sop_class = dataset::sop_class_uid(obj);
    let mut found = Vec::new();
    let mut stack = vec![(obj, None::<(TagPath, u32)>)];
    while let Some((item, parent)) = stack.pop() {
        for el in item.iter() {
            let tag = el.header().tag;
            let path = match &parent {
                Some((p, i)) => p.child(*i, tag),
                None => TagPath::root(tag),
            };
            let creator = private::creator_of(item, tag);
            let ctx = ElementContext {
                path: &path,
                creator: creator.as_deref(),
            };
            let mut action = profile.decide(&ctx).map_or(Action::Keep, |m| m.action);
            if action.is_combined() {
                action = iod::resolve(action, sop_class.as_deref(), &path).action;
            }
            if action == Action::Remove {
                found.push(path.clone());
            }
            for (i, child) in el.items().unwrap_or(&[]).iter().enumerate() {
                stack.push((child, Some((path.clone(), i as u32))));
            }
        }
    }
    found
}

fuzz_target!(|data: &[u8]| {
    let e = engine();
    let input: PathBuf = e.dir.path().join("input.dcm");
    let output: PathBuf = e.dir.path().join("output.dcm");
    let program_output: PathBuf = e.dir.path().join("program-output.dcm");
    std::fs::write(&input, data).expect("write the input");
    let _ = std::fs::remove_file(&output);
    let _ = std::fs::remove_file(&program_output);
    let by_program = dpk::anonymize_file(&input, &program_output, &e.profile, &e.ctx);
    if let Err(err) = &by_program {
        assert_only_input_left(e, err);
    }

    let Ok(file) = dataset::open(&input) else { return };
    let Ok(plan) = dpk::plan(&file, &e.profile, &e.ctx) else {
        return;
    };
    let again = dpk::plan(&file, &e.profile, &e.ctx).expect("a plan made once is made twice");
    // Compared as text: a NaN value is not equal to itself.
    assert!(
        format!("{:?}", again.entries) == format!("{:?}", plan.entries),
        "planning is not deterministic"
    );
    let Ok(anonymized) = dpk::apply(&plan, file) else {
        return;
    };
    if let Err(err) = dataset::write_atomic(&anonymized, &output) {
        let _ = std::fs::remove_file(&program_output);
        assert_only_input_left(e, &err);
        return;
    }

    let reopened = dataset::open(&output).unwrap_or_else(|err| panic!("the output does not open: {err}"));
    let left = removed(&reopened, &e.profile);
    assert!(
        left.is_empty(),
        "the output holds elements the profile removes: {left:?}"
    );
    assert!(
        dataset::text_of(&reopened, dicom_dictionary_std::tags::PATIENT_IDENTITY_REMOVED).is_some(),
        "the output lacks Patient Identity Removed"
    );
    if by_program.is_ok() {
        let written = std::fs::read(&output).expect("read the output");
        let by_program = std::fs::read(&program_output).expect("read the program's output");
        assert!(
            written == by_program,
            "anonymize_file writes other bytes than plan → apply → write"
        );
    }
});

/// After a failure, only the input is in the folder: no output, no temporary file.
fn assert_only_input_left(e: &Engine, err: &dpk::Error) {
    let left: Vec<_> = std::fs::read_dir(e.dir.path())
        .expect("list the folder")
        .flatten()
        .map(|d| d.file_name())
        .filter(|n| n != "input.dcm" && n != "output.dcm")
        .collect();
    assert!(left.is_empty(), "a failure ({err}) left {left:?}");
}
