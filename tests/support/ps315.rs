//! The PS3.15 tables the tests check against, read from `standard/ps3.15/` in the repository
//! and only after their SHA-256 matches `standard/ps3.15/SHA256SUMS`: a table edited by hand
//! (or cut short) must fail the tests, not quietly change what they check.

use std::path::Path;

use sha2::{Digest, Sha256};

/// The folder holding the tables and their digests.
pub const PS315_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/standard/ps3.15");

/// The text of `standard/ps3.15/<file>`, checked against its recorded digest.
pub fn read_table(file: &str) -> String {
    let dir = Path::new(PS315_DIR);
    let sums_path = dir.join("SHA256SUMS");
    let sums = std::fs::read_to_string(&sums_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", sums_path.display()));
    let expected = sums
        .lines()
        .filter_map(|line| line.split_once("  "))
        .find(|(_, name)| *name == file)
        .map(|(digest, _)| digest.to_string())
        .unwrap_or_else(|| panic!("{} names no digest for {file}", sums_path.display()));
    let path = dir.join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let actual: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        actual,
        expected,
        "{} does not match its digest in SHA256SUMS: the table was changed without \
         regenerating the profiles and the digest together",
        path.display()
    );
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display()))
}
