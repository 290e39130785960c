//! Arbitrary text through the RON readers of configuration: pixel rules, profiles (checked
//! and resolved when they extend no file) and inspector themes. Each refuses with a typed
//! error or reads; none panics, overflows its stack or allocates without bound.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn theme_file() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
        .path()
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(rules) = dpk::pixels::rules::from_ron(&text, "fuzz.ron") {
        assert!(rules.iter().all(|r| !r.regions.is_empty()));
    }
    if let Ok(profile) = dpk::Profile::from_ron(&text, "fuzz.ron") {
        // A profile that extends a file would read the machine's files: only names.
        if !text.contains(['/', '\\', '.']) {
            let _ = profile.resolve();
        }
        let _ = profile.to_ron();
    }
    let path = theme_file().join("theme.ron");
    std::fs::write(&path, text.as_bytes()).expect("write the theme");
    let _ = dpk::tui::theme::Theme::named_or_file(&path.display().to_string());
});
