//! JPEG 2000 under the Clean Pixel Data Option: a lossless JPEG 2000 secondary capture is
//! decoded, blanked in the rule's region and written native; every other pixel is the
//! original's exactly, the markers say so, and `dpk verify` finds the region blank.

#[path = "support/dciodvfy.rs"]
mod dciodvfy;
#[path = "support/image_gen.rs"]
mod image_gen;

use std::process::Command;

use dicom_dictionary_std::{tags, uids};
use dicom_object::open_file;

const SALT: &[u8] = b"clean-pixels-j2k-salt-0001";

fn text(obj: &dicom_object::DefaultDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .ok()
        .and_then(|e| {
            e.to_str()
                .ok()
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        })
        .unwrap_or_default()
}

#[test]
fn lossless_jpeg_2000_is_decoded_blanked_and_written_native_exactly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in/sc.dcm");
    std::fs::create_dir_all(input.parent().expect("folder")).expect("folder made");
    image_gen::j2k(&input);
    let rules = dir.path().join("rules.ron");
    std::fs::write(
        &rules,
        r#"[(name: "ramp banner", signature: (modality: "OT", rows: 16, columns: 16),
             regions: [(x: 2, y: 1, width: 6, height: 3)])]"#,
    )
    .expect("rules written");
    let salt = dir.path().join("salt");
    std::fs::write(&salt, SALT).expect("salt written");
    let out = dir.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_dpk"))
        .env_remove("DPK_SALT")
        .args(["anonymize"])
        .arg(dir.path().join("in"))
        .arg("-o")
        .arg(&out)
        .arg("--salt-file")
        .arg(&salt)
        .args(["--option", "clean-pixel-data", "--pixel-rules"])
        .arg(&rules)
        .output()
        .expect("dpk runs");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));

    let output = out.join("sc.dcm");
    let obj = open_file(&output).expect("the output opens");
    assert_eq!(
        obj.meta().transfer_syntax().trim_end_matches('\0'),
        uids::EXPLICIT_VR_LITTLE_ENDIAN
    );
    assert_eq!(text(&obj, tags::BURNED_IN_ANNOTATION), "NO");
    // Decoded from a lossless syntax: no lossy compression is claimed.
    assert_eq!(text(&obj, tags::LOSSY_IMAGE_COMPRESSION), "");
    let pixels = obj
        .element(tags::PIXEL_DATA)
        .expect("pixel data")
        .to_bytes()
        .expect("native bytes")
        .to_vec();
    let original = image_gen::j2k_pixels();
    assert_eq!(pixels.len(), original.len());
    for y in 0..16usize {
        for x in 0..16usize {
            let i = y * 16 + x;
            let inside = (2..8).contains(&x) && (1..4).contains(&y);
            let want = if inside { 0 } else { original[i] };
            assert_eq!(pixels[i], want, "pixel ({x},{y})");
        }
    }
    let claim = dpk::pixels::claimed(&obj).expect("the output claims clean pixels");
    assert_eq!(claim.regions.len(), 1);

    let verify = Command::new(env!("CARGO_BIN_EXE_dpk"))
        .arg("verify")
        .arg(&out)
        .arg("--originals")
        .arg(dir.path().join("in"))
        .output()
        .expect("dpk verify runs");
    let said = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(
        said.contains("(2,1,6,3)"),
        "verify names the region it checked: {said}"
    );

    let before: std::collections::BTreeSet<String> = dciodvfy::errors(&input).into_iter().collect();
    let new: Vec<String> = dciodvfy::errors(&output)
        .into_iter()
        .filter(|e| !before.contains(e))
        .collect();
    assert!(new.is_empty(), "{new:?}");
}
