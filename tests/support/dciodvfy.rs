//! dciodvfy (Debian's dicom3tools) as the tests run it: the error lines it gives a file, so
//! that a test can say an output has no error its input did not have.

use std::path::Path;
use std::process::Command;

/// Every line dciodvfy starts with "Error" for `path`, in its order. dciodvfy missing is a
/// failure, not a skip: `.ci/run` installs it.
pub fn errors(path: &Path) -> Vec<String> {
    let out = Command::new("dciodvfy").arg(path).output().unwrap_or_else(|e| {
        panic!(
            "dciodvfy could not run ({e}): install dicom3tools (`apt-get install -y dicom3tools`; \
             `.ci/run` does it in CI)"
        )
    });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter(|l| l.starts_with("Error"))
        .map(str::to_string)
        .collect()
}
