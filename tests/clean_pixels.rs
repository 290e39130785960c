//! The Clean Pixel Data Option on real bytes: regions blanked in every frame and nothing
//! else changed, for native grey and colour of 8 and 16 bits (planar 0 and 1, multi-frame,
//! implicit, explicit and big-endian syntaxes), RLE Lossless and JPEG Baseline; the markers;
//! files no rule matches left exactly as without the option; CTP scripts; the command line.

#[path = "support/pixel_rules.rs"]
mod pixel_rules;
#[path = "support/rle.rs"]
mod rle;

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/dciodvfy.rs"]
mod dciodvfy;

use assert_cmd::cargo::CommandCargoExt;
use dicom_core::value::PrimitiveValue;
use dicom_dictionary_std::{tags, uids};
use dicom_object::{open_file, DefaultDicomObject};
use dpk::dataset::TagPath;
use dpk::diff::ChangeKind;
use dpk::pixels::{Region, Signature};
use dpk::{Context, Profile, ResolvedProfile, Salt};
use pixel_rules::{code_values, decode_jpeg, Image, Rect};

const SALT: &[u8] = b"clean-pixels-test-salt-0042-xyz";

fn ctx() -> Context {
    Context::new(Salt::new(SALT.to_vec()).expect("salt"))
}

/// Basic with the option and one rule for `image`'s device covering `regions`.
fn profile_for(image: &Image, regions: &[Rect]) -> ResolvedProfile {
    profile_with(image, regions, true)
}

/// [`profile_for`], the option in force or not (the rules are there either way).
fn profile_with(image: &Image, regions: &[Rect], option: bool) -> ResolvedProfile {
    let regions: Vec<String> = regions
        .iter()
        .map(|(x, y, w, h)| format!("(x: {x}, y: {y}, width: {w}, height: {h})"))
        .collect();
    let ron = format!(
        r#"(
    name: "clean-test",
    extends: "basic",
    options: [{option}],
    pixel_rules: [
        (
            name: "banner of {model}",
            signature: (modality: "{modality}", manufacturer: "{manufacturer}", model: "{model}",
                        rows: {rows}, columns: {columns}),
            regions: [{regions}],
        ),
    ],
)"#,
        model = image.model.to_lowercase(),
        modality = image.modality.to_lowercase(),
        manufacturer = image.manufacturer.to_uppercase(),
        rows = image.rows,
        columns = image.columns,
        regions = regions.join(", "),
        option = if option { "\"clean-pixel-data\"" } else { "" },
    );
    Profile::from_ron(&ron, "clean-test.ron")
        .expect("profile parses")
        .resolve()
        .expect("profile resolves")
}

fn basic_with_option() -> ResolvedProfile {
    Profile::with_options("basic", &["clean-pixel-data"])
        .expect("basic")
        .resolve()
        .expect("resolves")
}

/// The samples of a file's native pixel data, whatever VR holds them.
fn native_samples(file: &DefaultDicomObject, bits: u16) -> Vec<u16> {
    let el = file.element(tags::PIXEL_DATA).expect("pixel data");
    match el.value().primitive().expect("native pixel data") {
        PrimitiveValue::U8(b) if bits == 8 => b.iter().map(|&v| u16::from(v)).collect(),
        PrimitiveValue::U8(b) => b.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect(),
        PrimitiveValue::U16(w) if bits == 16 => w.to_vec(),
        PrimitiveValue::U16(w) => w.iter().flat_map(|x| x.to_le_bytes()).map(u16::from).collect(),
        other => panic!("unexpected pixel value {:?}", other.calculate_byte_len()),
    }
}

/// `interleaved` with every pixel of `regions` (clamped) set to `fill`, in every frame.
fn blanked(image: &Image, mut interleaved: Vec<u16>, regions: &[Rect], fill: u16) -> Vec<u16> {
    let per_frame = image.rows * image.columns * image.samples;
    for f in 0..image.frames {
        for &(x, y, w, h) in regions {
            for row in y..(y + h).min(image.rows) {
                for col in x..(x + w).min(image.columns) {
                    for s in 0..image.samples {
                        interleaved[f * per_frame + (row * image.columns + col) * image.samples + s] = fill;
                    }
                }
            }
        }
    }
    interleaved
}

fn text(file: &DefaultDicomObject, tag: dicom_core::Tag) -> String {
    file.element(tag)
        .ok()
        .and_then(|e| {
            e.to_str()
                .ok()
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        })
        .unwrap_or_default()
}

struct Run {
    plan: dpk::Plan,
    output: DefaultDicomObject,
    out_path: PathBuf,
    _dir: tempfile::TempDir,
}

fn run(image: &Image, profile: &ResolvedProfile) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.dcm");
    image.write(&input);
    let out_path = dir.path().join("out.dcm");
    let plan = dpk::anonymize_file(&input, &out_path, profile, &ctx()).expect("anonymized");
    let output = open_file(&out_path).expect("output opens");
    Run {
        plan,
        output,
        out_path,
        _dir: dir,
    }
}

/// The markers of a file whose pixels a rule cleaned.
fn assert_cleaned_markers(run: &Run, regions: &str) {
    let out = &run.output;
    assert_eq!(text(out, tags::BURNED_IN_ANNOTATION), "NO");
    assert_eq!(text(out, tags::PATIENT_IDENTITY_REMOVED), "YES");
    let codes = code_values(out);
    assert!(codes.contains(&"113100".to_string()), "{codes:?}");
    assert!(codes.contains(&"113101".to_string()), "{codes:?}");
    let method = text(out, tags::DEIDENTIFICATION_METHOD);
    assert!(method.contains("Clean Pixel Data Option"), "{method}");
    // One method value per region, and the file's claim reads them back.
    let named: Vec<String> = regions
        .split_whitespace()
        .map(|r| format!("blanked {r}"))
        .collect();
    for region in &named {
        assert!(method.split('\\').any(|v| v == region), "{method} lacks {region}");
    }
    let claim = dpk::pixels::claimed(out).expect("the file claims clean pixel data");
    let claimed: Vec<String> = claim.regions.iter().map(dpk::pixels::claim::describe).collect();
    assert_eq!(claimed, named);
    let entry = run
        .plan
        .entry(&TagPath::root(tags::PIXEL_DATA))
        .expect("a Pixel Data entry");
    assert_eq!(entry.kind, ChangeKind::Replaced);
    let decision = entry.decision.as_ref().expect("decided");
    assert!(
        decision.rule.to_string().starts_with("clean-pixel-data: "),
        "{}",
        decision.rule
    );
    assert!(decision.rule.to_string().contains(regions), "{}", decision.rule);
}

#[test]
fn native_grey_8_bit_multi_frame_is_blanked_in_every_frame_and_nothing_else() {
    let image = Image::ultrasound();
    let regions = [(0, 0, 64, 8), (40, 40, 40, 6)]; // the second runs past the right edge
    let run = run(&image, &profile_for(&image, &regions));
    let expected = blanked(&image, image.samples_interleaved(), &regions, 0);
    let got = native_samples(&run.output, 8);
    assert_eq!(got.len(), expected.len());
    assert!(
        got == expected,
        "pixels differ from the input outside or inside the regions"
    );
    // The text really was there, and is gone.
    assert!(image.samples_interleaved().contains(&255) && !got.contains(&255));
    assert_eq!(
        run.output.meta().transfer_syntax(),
        uids::EXPLICIT_VR_LITTLE_ENDIAN
    );
    assert_cleaned_markers(&run, "(0,0,64,8) (40,40,40,6)");
    let note = run
        .plan
        .entry(&TagPath::root(tags::PIXEL_DATA))
        .and_then(|e| e.decision.as_ref()?.note.as_ref().map(|n| n.to_string()))
        .unwrap_or_default();
    assert!(note.contains("3 frame(s)"), "{note}");
}

#[test]
fn native_16_bit_and_colour_in_every_syntax_and_planar_configuration() {
    let grey16 = Image {
        bits: 16,
        modality: "XA",
        sop_class: "1.2.840.10008.5.1.4.1.1.12.1",
        text: vec![(10, 30, 20, 10)],
        ..Image::ultrasound()
    };
    let rgb = |planar: u16| Image {
        samples: 3,
        photometric: "RGB",
        planar,
        frames: 2,
        text: vec![(5, 5, 20, 10)],
        ..Image::secondary_capture()
    };
    let variants = [
        (grey16.clone(), uids::EXPLICIT_VR_LITTLE_ENDIAN),
        (grey16.clone(), uids::IMPLICIT_VR_LITTLE_ENDIAN),
        (grey16, "1.2.840.10008.1.2.2"),
        (rgb(0), uids::EXPLICIT_VR_LITTLE_ENDIAN),
        (rgb(1), uids::EXPLICIT_VR_LITTLE_ENDIAN),
        (rgb(1), uids::IMPLICIT_VR_LITTLE_ENDIAN),
    ];
    for (image, ts) in variants {
        let image = Image {
            transfer_syntax: ts,
            ..image
        };
        let regions: Vec<Rect> = image
            .text
            .iter()
            .map(|&(x, y, w, h)| (x, y, w + 2, h + 1))
            .collect();
        let run = run(&image, &profile_for(&image, &regions));
        let expected = image.to_stored(blanked(&image, image.samples_interleaved(), &regions, 0));
        let got = native_samples(&run.output, image.bits);
        assert!(
            got == expected,
            "{} bits, {} samples, planar {}, {ts}: pixels wrong",
            image.bits,
            image.samples,
            image.planar
        );
        assert_eq!(run.output.meta().transfer_syntax(), ts);
        assert_cleaned_markers(&run, &format!("{:?}", regions[0]).replace(' ', ""));
    }
}

#[test]
fn jpeg_baseline_is_decoded_blanked_and_written_native() {
    for (samples, photometric) in [(3, "YBR_FULL_422"), (1, "MONOCHROME2")] {
        let image = Image {
            samples,
            photometric,
            frames: 2,
            transfer_syntax: uids::JPEG_BASELINE8_BIT,
            text: vec![(8, 16, 24, 8)],
            ..Image::ultrasound()
        };
        let regions = [(8, 16, 24, 8)];
        let run = run(&image, &profile_for(&image, &regions));
        let out = &run.output;
        assert_eq!(out.meta().transfer_syntax(), uids::EXPLICIT_VR_LITTLE_ENDIAN);
        let want_photometric = if samples == 3 { "RGB" } else { "MONOCHROME2" };
        assert_eq!(text(out, tags::PHOTOMETRIC_INTERPRETATION), want_photometric);
        assert_eq!(text(out, tags::LOSSY_IMAGE_COMPRESSION), "01");
        assert_eq!(text(out, tags::LOSSY_IMAGE_COMPRESSION_RATIO), "8.5");
        assert_eq!(text(out, tags::LOSSY_IMAGE_COMPRESSION_METHOD), "ISO_10918_1");
        if samples == 3 {
            assert_eq!(text(out, tags::PLANAR_CONFIGURATION), "0");
        }
        // Outside the regions, what a viewer decodes from the input; inside, black.
        let decoded: Vec<u16> = decode_jpeg(&image.jpeg_frames())
            .into_iter()
            .map(u16::from)
            .collect();
        let expected = blanked(&image, decoded, &regions, 0);
        assert!(native_samples(out, 8) == expected, "{photometric}: pixels wrong");
        assert_cleaned_markers(&run, "(8,16,24,8)");
        let ts = run
            .plan
            .meta
            .iter()
            .find(|c| c.path == TagPath::root(tags::TRANSFER_SYNTAX_UID))
            .expect("the plan names the new transfer syntax");
        assert_eq!(ts.kind, ChangeKind::Replaced);
        let pi = run.plan.entry(&TagPath::root(tags::PHOTOMETRIC_INTERPRETATION));
        assert_eq!(pi.map(|c| c.kind == ChangeKind::Replaced), Some(samples == 3));
    }
}

#[test]
fn jpeg_frames_over_several_fragments_are_found_by_offset_table_or_end_markers() {
    let image = Image {
        frames: 3,
        transfer_syntax: uids::JPEG_BASELINE8_BIT,
        ..Image::ultrasound()
    };
    let regions = [(0, 0, 64, 8)];
    let frames = image.jpeg_frames();
    // Each frame in two fragments of even length.
    let fragments: Vec<Vec<u8>> = frames
        .iter()
        .flat_map(|f| {
            let cut = (f.len() / 2) & !1;
            [f[..cut].to_vec(), f[cut..].to_vec()]
        })
        .collect();
    let mut offsets = Vec::new();
    let mut at = 0u32;
    for (i, f) in fragments.iter().enumerate() {
        if i % 2 == 0 {
            offsets.push(at);
        }
        at += f.len() as u32 + 8;
    }
    let decoded: Vec<u16> = decode_jpeg(&frames).into_iter().map(u16::from).collect();
    let expected = blanked(&image, decoded, &regions, 0);
    for table in [Vec::new(), offsets] {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("in.dcm");
        image.write(&input);
        let mut file = open_file(&input).expect("opens");
        file.put(dicom_core::DataElement::new(
            tags::PIXEL_DATA,
            dicom_core::VR::OB,
            dicom_core::value::PixelFragmentSequence::new(table.clone(), fragments.clone()),
        ));
        file.write_to_file(&input).expect("rewritten");
        let out = dir.path().join("out.dcm");
        dpk::anonymize_file(&input, &out, &profile_for(&image, &regions), &ctx()).expect("cleaned");
        let got = native_samples(&open_file(&out).expect("opens"), 8);
        assert!(got == expected, "offset table {table:?}: pixels wrong");
    }
}

#[test]
fn rle_lossless_is_decoded_blanked_and_written_native() {
    for (bits, samples, photometric) in [(16, 1, "MONOCHROME2"), (8, 3, "RGB")] {
        let image = Image {
            bits,
            samples,
            photometric,
            planar: 1,
            transfer_syntax: uids::RLE_LOSSLESS,
            ..Image::ultrasound()
        };
        let regions = [(0, 0, 64, 8)];
        let run = run(&image, &profile_for(&image, &regions));
        assert_eq!(
            run.output.meta().transfer_syntax(),
            uids::EXPLICIT_VR_LITTLE_ENDIAN
        );
        let expected = blanked(&image, image.samples_interleaved(), &regions, 0);
        assert!(
            native_samples(&run.output, bits) == expected,
            "{bits} bits: pixels wrong"
        );
        if samples == 3 {
            assert_eq!(text(&run.output, tags::PLANAR_CONFIGURATION), "0");
        }
        assert_cleaned_markers(&run, "(0,0,64,8)");
    }
}

#[test]
fn monochrome1_and_signed_pixels_blank_to_black() {
    let mut image = Image {
        bits: 16,
        photometric: "MONOCHROME1",
        ..Image::ultrasound()
    };
    let regions = [(0, 0, 64, 8)];
    let run1 = run(&image, &profile_for(&image, &regions));
    // Bits Stored 12: black in MONOCHROME1 is 4095.
    let expected = blanked(&image, image.samples_interleaved(), &regions, 4095);
    assert!(native_samples(&run1.output, 16) == expected);
    image.photometric = "MONOCHROME2";
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("signed.dcm");
    image.write(&input);
    let mut file = open_file(&input).expect("opens");
    file.put(dicom_core::DataElement::new(
        tags::PIXEL_REPRESENTATION,
        dicom_core::VR::US,
        PrimitiveValue::from(1u16),
    ));
    file.write_to_file(&input).expect("rewritten");
    let out = dir.path().join("out.dcm");
    dpk::anonymize_file(&input, &out, &profile_for(&image, &regions), &ctx()).expect("cleaned");
    // Lowest 12-bit signed value, -2048, as a 16-bit word.
    let expected = blanked(&image, image.samples_interleaved(), &regions, (-2048i16) as u16);
    assert!(native_samples(&open_file(&out).expect("opens"), 16) == expected);
}

#[test]
fn a_file_no_rule_matches_is_written_as_without_the_option_and_flagged() {
    let image = Image::ultrasound();
    let other_device = Image {
        model: "Another Model",
        ..Image::ultrasound()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.dcm");
    image.write(&input);
    let with = dir.path().join("with.dcm");
    let without = dir.path().join("without.dcm");
    let plan = dpk::anonymize_file(
        &input,
        &with,
        &profile_for(&other_device, &[(0, 0, 64, 8)]),
        &ctx(),
    )
    .expect("anonymized with the option");
    dpk::anonymize_file(
        &input,
        &without,
        &profile_with(&other_device, &[(0, 0, 64, 8)], false),
        &ctx(),
    )
    .expect("anonymized without");
    assert!(
        std::fs::read(&with).expect("read") == std::fs::read(&without).expect("read"),
        "a file no rule matches must come out byte for byte as without the option"
    );
    assert!(
        plan.notes
            .iter()
            .any(|n| n.starts_with("needs pixel review: Burned In Annotation is YES")),
        "{:?}",
        plan.notes
    );
    let out = open_file(&with).expect("opens");
    assert_eq!(text(&out, tags::BURNED_IN_ANNOTATION), "YES");
    assert_eq!(text(&out, tags::PATIENT_IDENTITY_REMOVED), "NO");
    assert!(!code_values(&out).contains(&"113101".to_string()));
    assert_eq!(
        plan.entry(&TagPath::root(tags::PIXEL_DATA)).map(|c| c.kind),
        Some(ChangeKind::Unchanged)
    );
    // A CT with no burned-in annotation needs no review.
    let ct = Image {
        modality: "CT",
        sop_class: uids::CT_IMAGE_STORAGE,
        burned_in: Some("NO"),
        frames: 1,
        ..Image::ultrasound()
    };
    let ct_in = dir.path().join("ct.dcm");
    ct.write(&ct_in);
    let plan = dpk::anonymize_file(
        &ct_in,
        &dir.path().join("ct_out.dcm"),
        &basic_with_option(),
        &ctx(),
    )
    .expect("anonymized");
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
}

#[test]
fn a_matched_file_whose_pixels_cannot_be_cleaned_fails_alone_and_is_not_written() {
    // JPEG-LS: its codec needs a C++ build dpk does not include (JPEG 2000 is decoded now).
    let image = Image {
        transfer_syntax: "1.2.840.10008.1.2.4.80",
        frames: 1,
        ..Image::ultrasound()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.dcm");
    image.write(&input);
    let out = dir.path().join("out.dcm");
    let err = dpk::anonymize_file(&input, &out, &profile_for(&image, &[(0, 0, 8, 8)]), &ctx())
        .expect_err("JPEG-LS cannot be cleaned");
    let message = err.to_string();
    assert!(
        message.contains("cannot clean pixels of transfer syntax 1.2.840.10008.1.2.4.80 (JPEG-LS"),
        "{message}"
    );
    assert!(message.contains("in.dcm"), "{message}");
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "no temporary left"
    );
}

#[test]
fn hostile_sizes_and_short_pixel_data_fail_by_name_without_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        // RLE claiming 65535×65535 pixels in 200 frames, from a few bytes.
        (
            uids::RLE_LOSSLESS,
            65535usize,
            65535usize,
            "200",
            "decode to more than",
        ),
        // Native pixel data shorter than its frames (read whole: big-endian).
        ("1.2.840.10008.1.2.2", 48, 64, "9", "samples; 9 frames"),
        // The same, left in the file (little endian).
        (
            uids::EXPLICIT_VR_LITTLE_ENDIAN,
            48,
            64,
            "2000000000",
            "frames need",
        ),
    ];
    for (ts, rows, columns, frames, says) in cases {
        let written = Image {
            transfer_syntax: ts,
            ..Image::ultrasound()
        };
        let input = dir.path().join("in.dcm");
        written.write(&input);
        let mut file = open_file(&input).expect("opens");
        let us = |tag, v: usize| {
            dicom_core::DataElement::new(tag, dicom_core::VR::US, PrimitiveValue::from(v as u16))
        };
        file.put(us(tags::ROWS, rows));
        file.put(us(tags::COLUMNS, columns));
        file.put(dicom_core::DataElement::new(
            tags::NUMBER_OF_FRAMES,
            dicom_core::VR::IS,
            PrimitiveValue::from(frames),
        ));
        file.write_to_file(&input).expect("rewritten");
        let claimed = Image {
            rows,
            columns,
            ..written
        };
        let out = dir.path().join("out.dcm");
        let err = dpk::anonymize_file(&input, &out, &profile_for(&claimed, &[(0, 0, 8, 8)]), &ctx())
            .expect_err("cannot be cleaned");
        assert!(matches!(err, dpk::Error::PixelClean { .. }), "{ts}: {err}");
        assert!(err.to_string().contains(says), "{ts}: {err}");
        assert!(!out.exists());
    }
}

const SCRIPT: &str = r#"Burned-in text of invented devices

**************
     US
**************
Fictive Sonics EchoView
  { Modality.equals("US") *
    [0008,0070].containsIgnoreCase("fictive sonics") *
    ( ManufacturerModelName.startsWith("EchoView") + [0008,1090].equals("EV-9") ) *
    !Rows.equals("600") }
  (0,0,64,8) (40,40,20,6)

Example Screens grabber
  { [0008,0060].equalsIgnoreCase("ot") * Manufacturer.contains("Example") }
  (4,2,30,6)
"#;

#[test]
fn a_ctp_script_with_two_signatures_is_read_and_each_matches_its_device() {
    let rules = dpk::pixels::ctp::parse(SCRIPT, "invented.script").expect("parses");
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0].name, "Fictive Sonics EchoView");
    assert_eq!(rules[1].name, "Example Screens grabber");
    assert_eq!(
        rules[0].regions,
        vec![
            Region {
                x: 0,
                y: 0,
                width: 64,
                height: 8
            },
            Region {
                x: 40,
                y: 40,
                width: 20,
                height: 6
            }
        ]
    );
    assert!(matches!(&rules[1].signature, Signature::All(p) if p.len() == 2));
    let us = Image::ultrasound().header();
    let sc = Image::secondary_capture().header();
    let names = |obj| {
        dpk::pixels::matching_rules(obj, &rules)
            .iter()
            .map(|r| r.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&us), ["Fictive Sonics EchoView"]);
    assert_eq!(names(&sc), ["Example Screens grabber"]);
    let tall = Image {
        rows: 600,
        ..Image::ultrasound()
    };
    assert!(names(&tall.header()).is_empty(), "! excludes 600 rows");
}

fn dpk_cli(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("dpk").expect("the dpk binary is built");
    cmd.current_dir(cwd)
        .env("DPK_SALT", String::from_utf8_lossy(SALT).to_string());
    cmd
}

#[test]
fn the_command_line_applies_a_ctp_script_reports_regions_and_lists_files_to_review() {
    let dir = tempfile::tempdir().expect("temp dir");
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).expect("mkdir");
    Image::ultrasound().write(&inputs.join("us.dcm"));
    Image::secondary_capture().write(&inputs.join("sc.dcm"));
    Image {
        manufacturer: "Unknown Vendor",
        instance: 3,
        ..Image::ultrasound()
    }
    .write(&inputs.join("unmatched.dcm"));
    std::fs::write(dir.path().join("rules.script"), SCRIPT).expect("script written");
    let out = dpk_cli(dir.path())
        .args([
            "anonymize",
            "in",
            "-o",
            "out",
            "--option",
            "clean-pixel-data",
            "--pixel-rules",
            "rules.script",
            "--report",
            "report.json",
        ])
        .output()
        .expect("dpk runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Rules without the option would not run: refused as a usage error, nothing written.
    let refused = dpk_cli(dir.path())
        .args(["anonymize", "in", "-o", "out2", "--pixel-rules", "rules.script"])
        .output()
        .expect("dpk runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--pixel-rules needs --option clean-pixel-data")
    );
    assert!(!dir.path().join("out2").exists());
    // A script that does not parse is named with its line.
    std::fs::write(
        dir.path().join("bad.script"),
        "title\n{ Modality.equals(\"US\") }\n(1,2)\n",
    )
    .expect("written");
    let bad = dpk_cli(dir.path())
        .args([
            "anonymize",
            "in",
            "-o",
            "out3",
            "--option",
            "clean-pixel-data",
            "--pixel-rules",
            "bad.script",
        ])
        .output()
        .expect("dpk runs");
    assert_ne!(bad.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("bad.script:3:"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    assert!(stderr.contains("dpk: 1 file needs pixel review"), "{stderr}");
    assert!(stderr.contains("unmatched.dcm: needs pixel review"), "{stderr}");
    let report = std::fs::read_to_string(dir.path().join("report.json")).expect("report");
    assert!(report.contains("needs pixel review"), "{report}");
    assert!(
        report.contains("clean-pixel-data: Fictive Sonics EchoView {"),
        "{report}"
    );
    assert!(report.contains("(0,0,64,8) (40,40,20,6)"), "{report}");

    let us = Image::ultrasound();
    let got = native_samples(&open_file(dir.path().join("out/us.dcm")).expect("opens"), 8);
    assert!(got == blanked(&us, us.samples_interleaved(), &us.text, 0));
    let sc = Image::secondary_capture();
    let got = native_samples(&open_file(dir.path().join("out/sc.dcm")).expect("opens"), 8);
    assert!(got == blanked(&sc, sc.samples_interleaved(), &sc.text, 0));

    // dpk diff names the regions (in De-identification Method) and the new annotation flag.
    // (The text form shortens long values: the JSON form shows them whole.)
    let diff = dpk_cli(dir.path())
        .args(["diff", "in/us.dcm", "out/us.dcm", "--format", "json"])
        .output()
        .expect("dpk diff runs");
    let shown = String::from_utf8_lossy(&diff.stdout);
    // One method value per region, so that no region is cut off at LO's 64 characters.
    for region in ["blanked (0,0,64,8)", "blanked (40,40,20,6)"] {
        assert!(shown.contains(region), "{shown}");
    }
    let text_diff = dpk_cli(dir.path())
        .args(["diff", "in/us.dcm", "out/us.dcm"])
        .output()
        .expect("dpk diff runs");
    let shown = String::from_utf8_lossy(&text_diff.stdout);
    assert!(
        shown.contains("BurnedInAnnotation") && shown.contains("YES → NO"),
        "{shown}"
    );
    assert!(
        shown
            .lines()
            .any(|l| l.contains("PixelData") && l.contains("replaced")),
        "{shown}"
    );
}

#[test]
fn outputs_show_no_dciodvfy_error_their_input_did_not_have() {
    let errors = |path: &Path| {
        dciodvfy::errors(path)
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
    };
    let jpeg = Image {
        samples: 3,
        photometric: "YBR_FULL_422",
        transfer_syntax: uids::JPEG_BASELINE8_BIT,
        ..Image::ultrasound()
    };
    let rle16 = Image {
        bits: 16,
        transfer_syntax: uids::RLE_LOSSLESS,
        ..Image::ultrasound()
    };
    let rgb_planar = Image {
        samples: 3,
        photometric: "RGB",
        planar: 1,
        ..Image::ultrasound()
    };
    for image in [Image::ultrasound(), jpeg, rle16, rgb_planar] {
        let run = run(&image, &profile_for(&image, &[(0, 0, 64, 8)]));
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("in.dcm");
        image.write(&input);
        let before = errors(&input);
        let new: Vec<_> = errors(&run.out_path).difference(&before).cloned().collect();
        assert!(
            new.is_empty(),
            "{}: new dciodvfy errors: {new:#?}",
            image.photometric
        );
    }
}

/// (path, kind, rendered value after) of every entry that changes something.
fn change_summary<'a>(changes: impl Iterator<Item = &'a dpk::diff::Change>) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = changes
        .filter(|c| c.is_change())
        .map(|c| {
            let after = c
                .after
                .as_ref()
                .map(|a| dpk::dataset::render(a, c.vr, 0))
                .unwrap_or_default();
            (c.path.to_string(), format!("{:?}", c.kind), after)
        })
        .collect();
    v.sort();
    v
}

/// One image in each way the cleaning reads pixels: native little and big endian, JPEG
/// colour decoded, RLE decoded.
fn each_encoding() -> [Image; 4] {
    let jpeg = Image {
        samples: 3,
        photometric: "YBR_FULL_422",
        transfer_syntax: uids::JPEG_BASELINE8_BIT,
        ..Image::ultrasound()
    };
    let big_endian = Image {
        bits: 16,
        transfer_syntax: "1.2.840.10008.1.2.2",
        ..Image::ultrasound()
    };
    let rle = Image {
        transfer_syntax: uids::RLE_LOSSLESS,
        ..Image::secondary_capture()
    };
    [Image::ultrasound(), jpeg, big_endian, rle]
}

#[test]
fn the_diff_of_a_cleaned_file_is_its_plan() {
    for image in each_encoding() {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("in.dcm");
        image.write(&input);
        let output = dir.path().join("out.dcm");
        let plan = dpk::anonymize_file(&input, &output, &profile_for(&image, &[(0, 0, 64, 8)]), &ctx())
            .expect("cleaned");
        let a = dpk::dataset::open_around_pixel_data(&input).expect("input");
        let b = dpk::dataset::open_around_pixel_data(&output).expect("output");
        let diff = dpk::diff::diff_headers(&a, &input, &b, &output).expect("diff");
        assert_eq!(
            change_summary(plan.changes()),
            change_summary(diff.iter()),
            "{}: plan and diff disagree",
            image.transfer_syntax
        );
    }
}

/// `plan_anonymize` works out, from the header alone, the very plan `anonymize_file` returns
/// when it cleans the pixels: for pixel data held with the header and left in the file,
/// native in either byte order, RLE and JPEG; and the header it gives to score carries the
/// markers of clean pixels.
#[test]
fn the_plan_made_without_writing_is_the_plan_written() {
    let large = |image: Image| Image {
        rows: 480,
        columns: 640,
        ..image
    };
    let images = each_encoding()
        .into_iter()
        .flat_map(|image| [image.clone(), large(image)]);
    for image in images {
        let label = format!("{} {}×{}", image.transfer_syntax, image.columns, image.rows);
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("in.dcm");
        image.write(&input);
        let profile = profile_for(&image, &[(0, 0, 64, 8)]);
        let header = dpk::dataset::open_around_pixel_data(&input).expect("header");
        let planned = dpk::plan_anonymize(&header, &profile, &ctx()).expect("planned");
        let written =
            dpk::anonymize_file(&input, &dir.path().join("out.dcm"), &profile, &ctx()).expect("cleaned");
        assert_eq!(
            serde_json::to_value(&planned).expect("json"),
            serde_json::to_value(&written).expect("json"),
            "{label}: the plan made without writing differs from the plan written"
        );
        let entry = planned
            .entry(&TagPath::root(tags::PIXEL_DATA))
            .expect("a Pixel Data entry");
        assert_eq!(entry.kind, ChangeKind::Replaced, "{label}");
        // Scored as written: the markers say the pixels are clean.
        let after = dpk::apply_header(&planned, &header).expect("applied");
        assert_eq!(text(&after, tags::BURNED_IN_ANNOTATION), "NO", "{label}");
        assert!(dpk::pixels::claimed(&after).is_some(), "{label}");
    }
}

/// A file a rule matches but whose pixels dpk cannot clean is planned with a note saying so
/// (the inspector still shows it); writing it fails.
#[test]
fn a_plan_of_pixels_that_cannot_be_cleaned_says_so() {
    let image = Image {
        bits: 16,
        samples: 3,
        photometric: "YBR_FULL_422",
        ..Image::ultrasound()
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.dcm");
    image.write(&input);
    let profile = profile_for(&image, &[(0, 0, 64, 8)]);
    let header = dpk::dataset::open_around_pixel_data(&input).expect("header");
    let planned = dpk::plan_anonymize(&header, &profile, &ctx()).expect("planned");
    assert!(
        planned
            .notes
            .iter()
            .any(|n| n.starts_with(dpk::engine::CANNOT_CLEAN_PIXELS)),
        "{:?}",
        planned.notes
    );
    assert!(dpk::anonymize_file(&input, &dir.path().join("out.dcm"), &profile, &ctx()).is_err());
}
