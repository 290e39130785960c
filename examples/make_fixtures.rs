//! Writes the DICOM test fixtures under `fixtures/` (or the directory given as the first
//! argument). The output is deterministic: running it twice gives byte-identical files, and
//! `tests/fixtures_reproducible.rs` checks the committed files against a fresh run.
//!
//! ```text
//! cargo run --example make_fixtures            # writes into <crate>/fixtures/
//! cargo run --example make_fixtures -- /tmp/fx # writes into /tmp/fx/
//! ```

#[path = "../tests/support/fixtures_gen.rs"]
mod fixtures_gen;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let out_dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures"));
    match fixtures_gen::generate(&out_dir) {
        Ok(files) => {
            for f in &files {
                let kind = if f.valid { "valid" } else { "malformed" };
                println!("{kind:>9}  {}", out_dir.join(&f.path).display());
            }
            println!("{} files written", files.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("make_fixtures: {e}");
            ExitCode::FAILURE
        }
    }
}
