//! Property: whatever bytes a file holds, dpk answers with a result or an error — never a
//! panic, never a partial output. Mutations of every valid fixture: bytes flipped, a length
//! field overwritten, the file cut short.

use std::path::{Path, PathBuf};

use dpk::{Context, Profile, Salt};
use proptest::prelude::*;

/// The profile and context, made once: resolving 657 rules per case would dominate the run.
fn engine() -> &'static (dpk::ResolvedProfile, Context) {
    static ENGINE: std::sync::OnceLock<(dpk::ResolvedProfile, Context)> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        let profile = Profile::builtin("basic").unwrap().resolve().unwrap();
        (
            profile,
            Context::new(Salt::new(b"hostile-bytes-salt-00001".to_vec()).unwrap()),
        )
    })
}

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "dcm") && !p.starts_with(root.join("malformed")))
        .collect();
    files.sort();
    files
}

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte at a relative position.
    Flip(f64, u8),
    /// Write four bytes (e.g. over a length field) at a relative position.
    Word(f64, u32),
    /// Keep only a prefix.
    Cut(f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (0.0..1.0f64, any::<u8>()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        (0.0..1.0f64, any::<u32>()).prop_map(|(p, w)| Mutation::Word(p, w)),
        (0.0..1.0f64).prop_map(Mutation::Cut),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let at = |p: f64, len: usize| ((p * len as f64) as usize).min(len.saturating_sub(1));
    match *m {
        Mutation::Flip(p, b) if !bytes.is_empty() => {
            let i = at(p, bytes.len());
            bytes[i] = b;
        }
        Mutation::Word(p, w) if bytes.len() >= 4 => {
            let i = at(p, bytes.len() - 3);
            bytes[i..i + 4].copy_from_slice(&w.to_le_bytes());
        }
        Mutation::Flip(..) | Mutation::Word(..) => {}
        Mutation::Cut(p) => bytes.truncate(at(p, bytes.len())),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_files_give_a_result_or_an_error(
        file in 0usize..12,
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let files = fixtures();
        let mut bytes = std::fs::read(&files[file % files.len()]).unwrap();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.dcm");
        std::fs::write(&input, &bytes).unwrap();
        let out_dir = dir.path().join("out");
        std::fs::create_dir(&out_dir).unwrap();
        let output = out_dir.join("out.dcm");
        let (profile, ctx) = engine();
        match dpk::anonymize_file(&input, &output, profile, ctx) {
            Ok(_) => {
                dpk::dataset::open(&output).expect("an output dpk wrote opens again");
            }
            Err(e) => {
                prop_assert!(e.to_string().contains("in.dcm"), "the error names the file: {e}");
                prop_assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 0, "nothing left behind");
            }
        }
        // Scoring reads the same bytes another way.
        if let Ok(header) = dpk::dataset::open_header(&input) {
            let _ = dpk::risk::score(&header.file, &dpk::risk::Weights::builtin());
        }
    }
}
