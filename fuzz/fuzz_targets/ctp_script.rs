//! Arbitrary text through the CTP DicomPixelAnonymizer script reader.
//!
//! A refusal must name a line of the script; a script read must give rules that blank
//! something, that test an empty data set without a panic, and that read back the same from
//! their own Display (the form a plan shows them in).

#![no_main]

use dpk::pixels::ctp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.split('\n').count();
    match ctp::parse(&text, "fuzz") {
        Err(e) => assert!(
            (1..=lines).contains(&e.line),
            "an error names line {} of {lines}: {e}",
            e.line
        ),
        Ok(rules) => {
            let empty = dicom_object::InMemDicomObject::new_empty();
            for rule in &rules {
                assert!(!rule.regions.is_empty());
                assert!(rule.regions.iter().all(|r| r.width > 0 && r.height > 0));
                let _ = rule.signature.matches(&empty);
                let shown = rule.to_string();
                let again = ctp::parse(&shown, "again")
                    .unwrap_or_else(|e| panic!("{shown:?} does not read back: {e}"));
                assert_eq!(again.len(), 1, "{shown:?}");
                assert_eq!(again[0].name, rule.name, "{shown:?}");
                assert_eq!(again[0].signature, rule.signature, "{shown:?}");
                assert_eq!(again[0].regions, rule.regions, "{shown:?}");
            }
        }
    }
});
