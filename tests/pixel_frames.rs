//! Pixel data one frame at a time on real bytes: multi-frame RLE Lossless and JPEG Baseline
//! images (one fragment per frame, a frame over two fragments with a Basic Offset Table, an
//! Extended Offset Table) cleaned frame by frame and written native; the markers, the
//! plan, dciodvfy; files no rule matches left as they were; hostile fragment structures
//! refused by name with nothing written; memory bounded by a frame, measured on the `dpk`
//! program; and `verify` checking that the regions a file claims clean are blank.
//!
//! JPEG 2000 is decoded by the same path, but no test here writes a JPEG 2000 file: no
//! encoder among the project's crates writes one from raw samples, and a codestream of
//! unknown origin is not shipped.

#[path = "support/frames_gen.rs"]
mod frames_gen;
#[path = "support/rle.rs"]
mod rle;

#[path = "support/dciodvfy.rs"]
mod dciodvfy;

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Length, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{open_file, DefaultDicomObject, InMemDicomObject};
use dpk::dataset::TagPath;
use dpk::diff::ChangeKind;
use dpk::{Context, Profile, ResolvedProfile, Salt};
use frames_gen::{Encapsulated, Picture, Rect};

const SALT: &[u8] = b"pixel-frames-test-salt-0099-abc";

fn ctx() -> Context {
    Context::new(Salt::new(SALT.to_vec()).expect("salt"))
}

fn profile(picture: &Picture, regions: &[Rect]) -> ResolvedProfile {
    Profile::from_ron(&frames_gen::profile_ron(picture, regions), "frames-test.ron")
        .expect("profile parses")
        .resolve()
        .expect("profile resolves")
}

fn text(file: &InMemDicomObject, tag: dicom_core::Tag) -> String {
    file.get(tag)
        .and_then(|e| {
            e.to_str()
                .ok()
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        })
        .unwrap_or_default()
}

/// The output's native frames, as samples.
fn native_frames(file: &DefaultDicomObject, picture: &Picture) -> Vec<Vec<u16>> {
    let el = file.element(tags::PIXEL_DATA).expect("pixel data");
    let samples: Vec<u16> = match el.value().primitive().expect("native pixel data") {
        PrimitiveValue::U8(b) if picture.bits == 8 => b.iter().map(|&v| u16::from(v)).collect(),
        PrimitiveValue::U8(b) => b.chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect(),
        PrimitiveValue::U16(w) => w.to_vec(),
        other => panic!("unexpected pixel value of {} bytes", other.calculate_byte_len()),
    };
    let n = picture.frame_samples();
    assert!(samples.len() >= n * picture.frames, "pixel data too short");
    (0..picture.frames)
        .map(|f| samples[f * n..(f + 1) * n].to_vec())
        .collect()
}

/// Whether sample index `i` of a frame lies in a region (clamped).
fn in_regions(picture: &Picture, regions: &[Rect], i: usize) -> bool {
    let pixel = i / picture.samples;
    let (x, y) = (pixel % picture.columns, pixel / picture.columns);
    regions
        .iter()
        .any(|&(rx, ry, w, h)| x >= rx && x < rx + w && y >= ry && y < ry + h)
}

/// Every frame: the regions all 0 (black), the rest within `tolerance` of `expected`.
fn assert_cleaned(
    got: &[Vec<u16>],
    expected: &[Vec<u16>],
    picture: &Picture,
    regions: &[Rect],
    tolerance: u16,
) {
    assert_eq!(got.len(), expected.len());
    for (f, (g, e)) in got.iter().zip(expected).enumerate() {
        let mut worst = 0u16;
        for (i, (&a, &b)) in g.iter().zip(e).enumerate() {
            if in_regions(picture, regions, i) {
                assert_eq!(a, 0, "frame {}: sample {i} in a region is {a}, not blank", f + 1);
            } else {
                worst = worst.max(a.abs_diff(b));
            }
        }
        assert!(
            worst <= tolerance,
            "frame {}: outside the regions the pixels differ by up to {worst} (allowed {tolerance})",
            f + 1
        );
    }
}

struct Cleaned {
    plan: dpk::Plan,
    input: PathBuf,
    output: PathBuf,
    out: DefaultDicomObject,
    _dir: tempfile::TempDir,
}

fn clean(write: impl FnOnce(&Path), profile: &ResolvedProfile) -> Cleaned {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.dcm");
    write(&input);
    let output = dir.path().join("out.dcm");
    let plan = dpk::anonymize_file(&input, &output, profile, &ctx()).expect("cleaned");
    let out = open_file(&output).expect("output opens");
    Cleaned {
        plan,
        input,
        output,
        out,
        _dir: dir,
    }
}

/// The plan's entries for the new form: transfer syntax, the Pixel Data entry with rules
/// and regions.
fn assert_plan(c: &Cleaned, regions: &str) {
    let ts = c
        .plan
        .meta
        .iter()
        .find(|m| m.path == TagPath::root(tags::TRANSFER_SYNTAX_UID))
        .expect("the plan names the new transfer syntax");
    assert_eq!(ts.kind, ChangeKind::Replaced);
    let entry = c
        .plan
        .entry(&TagPath::root(tags::PIXEL_DATA))
        .expect("Pixel Data entry");
    assert_eq!(entry.kind, ChangeKind::Replaced);
    let rule = entry.decision.as_ref().expect("decided").rule.to_string();
    assert!(rule.starts_with("clean-pixel-data: text of "), "{rule}");
    assert!(rule.contains(regions), "{rule} lacks {regions}");
    let claim = dpk::pixels::claimed(&c.out).expect("the output claims clean pixels");
    assert!(claim.says_no_burned_in);
}

#[test]
fn rle_frames_are_decoded_blanked_and_written_native_one_at_a_time() {
    let grey = Picture::grey(48, 64, 5);
    let grey16 = Picture {
        bits: 16,
        ..Picture::grey(40, 50, 4)
    };
    let rgb = Picture {
        samples: 3,
        photometric: "RGB",
        ..Picture::grey(32, 40, 3)
    };
    for picture in [grey, grey16, rgb] {
        // The second region runs past the right edge: clamped, as the mask clamps it.
        let regions: Vec<Rect> = vec![
            (0, 0, picture.columns, 8),
            (picture.columns - 20, picture.rows - 10, 40, 8),
        ];
        let originals: Vec<Vec<u16>> = (0..picture.frames).map(|f| picture.frame(f)).collect();
        let p = picture.clone();
        let c = clean(
            |path| {
                let mut header = p.header(1);
                // A lossless input says it was never lossy: decoding keeps that.
                header.put(DataElement::new(
                    tags::LOSSY_IMAGE_COMPRESSION,
                    VR::CS,
                    PrimitiveValue::from("00"),
                ));
                let frames = originals.iter().map(|f| p.rle(f)).collect();
                frames_gen::write_encapsulated(
                    path,
                    header,
                    uids::RLE_LOSSLESS,
                    Encapsulated::one_per_frame(frames),
                );
            },
            &profile(&picture, &regions),
        );
        assert_eq!(c.out.meta().transfer_syntax(), uids::EXPLICIT_VR_LITTLE_ENDIAN);
        assert_cleaned(
            &native_frames(&c.out, &picture),
            &originals,
            &picture,
            &regions,
            0,
        );
        // The text really was there.
        assert!(originals[0].contains(&if picture.bits == 8 { 255 } else { 4095 }));
        assert_eq!(
            text(&c.out, tags::PHOTOMETRIC_INTERPRETATION),
            picture.photometric
        );
        assert_eq!(text(&c.out, tags::LOSSY_IMAGE_COMPRESSION), "00");
        assert!(c.out.get(tags::LOSSY_IMAGE_COMPRESSION_METHOD).is_none());
        if picture.samples == 3 {
            assert_eq!(text(&c.out, tags::PLANAR_CONFIGURATION), "0");
        }
        let pixel_vr = c.out.element(tags::PIXEL_DATA).expect("pixel data").vr();
        assert_eq!(pixel_vr, if picture.bits == 8 { VR::OB } else { VR::OW });
        assert_plan(&c, &format!("(0,0,{},8)", picture.columns));
    }
}

#[test]
fn an_extended_offset_table_finds_the_frames_and_is_removed_from_the_native_output() {
    let picture = Picture::grey(48, 64, 4);
    let regions = vec![(0, 0, 64, 8)];
    let originals: Vec<Vec<u16>> = (0..picture.frames).map(|f| picture.frame(f)).collect();
    let c = clean(
        |path| {
            let frames = originals.iter().map(|f| picture.rle(f)).collect();
            frames_gen::write_encapsulated(
                path,
                picture.header(2),
                uids::RLE_LOSSLESS,
                Encapsulated::extended(frames),
            );
        },
        &profile(&picture, &regions),
    );
    let input = open_file(&c.input).expect("input opens");
    assert!(
        input.get(tags::EXTENDED_OFFSET_TABLE).is_some(),
        "the input has the table"
    );
    assert!(c.out.get(tags::EXTENDED_OFFSET_TABLE).is_none());
    assert!(c.out.get(tags::EXTENDED_OFFSET_TABLE_LENGTHS).is_none());
    assert_eq!(
        c.plan
            .entry(&TagPath::root(tags::EXTENDED_OFFSET_TABLE))
            .map(|e| e.kind),
        Some(ChangeKind::Removed)
    );
    assert_cleaned(
        &native_frames(&c.out, &picture),
        &originals,
        &picture,
        &regions,
        0,
    );
    // The plan is what `dpk diff` finds between the two files.
    let a = dpk::dataset::open_around_pixel_data(&c.input).expect("input");
    let b = dpk::dataset::open_around_pixel_data(&c.output).expect("output");
    let diff = dpk::diff::diff_headers(&a, &c.input, &b, &c.output).expect("diff");
    assert_eq!(change_summary(c.plan.changes()), change_summary(diff.iter()));
}

/// (path, kind, value after) of every entry that changes something.
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

/// What a viewer decodes from JPEG frames, as samples.
fn decode_jpeg(frame: &[u8]) -> Vec<u16> {
    let mut d = jpeg_decoder::Decoder::new(frame);
    d.decode()
        .expect("JPEG decodes")
        .into_iter()
        .map(u16::from)
        .collect()
}

#[test]
fn jpeg_baseline_colour_and_grey_frames_are_decoded_blanked_and_marked_lossy() {
    for (samples, photometric) in [(3, "YBR_FULL_422"), (1, "MONOCHROME2")] {
        let picture = Picture {
            samples,
            photometric,
            ..Picture::grey(48, 64, 3)
        };
        let regions = vec![(0, 0, 64, 8), (44, 38, 16, 8)];
        let frames: Vec<Vec<u8>> = (0..picture.frames)
            .map(|f| picture.jpeg(&picture.frame(f)))
            .collect();
        let decoded: Vec<Vec<u16>> = frames.iter().map(|f| decode_jpeg(f)).collect();
        let f2 = frames.clone();
        let c = clean(
            |path| {
                frames_gen::write_encapsulated(
                    path,
                    picture.header(3),
                    uids::JPEG_BASELINE8_BIT,
                    Encapsulated::one_per_frame(f2),
                )
            },
            &profile(&picture, &regions),
        );
        let out = &c.out;
        assert_eq!(out.meta().transfer_syntax(), uids::EXPLICIT_VR_LITTLE_ENDIAN);
        let want = if samples == 3 { "RGB" } else { "MONOCHROME2" };
        assert_eq!(text(out, tags::PHOTOMETRIC_INTERPRETATION), want);
        if samples == 3 {
            assert_eq!(text(out, tags::PLANAR_CONFIGURATION), "0");
            let pi = c.plan.entry(&TagPath::root(tags::PHOTOMETRIC_INTERPRETATION));
            assert_eq!(pi.map(|e| e.kind), Some(ChangeKind::Replaced));
        }
        assert_eq!(text(out, tags::LOSSY_IMAGE_COMPRESSION), "01");
        assert_eq!(text(out, tags::LOSSY_IMAGE_COMPRESSION_METHOD), "ISO_10918_1");
        // Outside the regions, what a viewer decodes from the input (the codec's own error
        // against the picture is the input's, not dpk's).
        assert_cleaned(&native_frames(out, &picture), &decoded, &picture, &regions, 1);
        assert_plan(&c, "(0,0,64,8) (44,38,16,8)");
    }
}

#[test]
fn a_jpeg_frame_over_two_fragments_is_found_by_the_basic_offset_table() {
    let picture = Picture::grey(48, 64, 3);
    let regions = vec![(0, 0, 64, 8)];
    let frames: Vec<Vec<u8>> = (0..picture.frames)
        .map(|f| picture.jpeg(&picture.frame(f)))
        .collect();
    let decoded: Vec<Vec<u16>> = frames.iter().map(|f| decode_jpeg(f)).collect();
    let layout = Encapsulated::two_per_frame(&frames);
    assert_eq!(layout.fragments.len(), 6);
    assert_eq!(layout.offset_table.len(), 3);
    let c = clean(
        |path| frames_gen::write_encapsulated(path, picture.header(4), uids::JPEG_BASELINE8_BIT, layout),
        &profile(&picture, &regions),
    );
    assert_cleaned(&native_frames(&c.out, &picture), &decoded, &picture, &regions, 1);
}

#[test]
fn outputs_show_no_dciodvfy_error_their_input_did_not_have() {
    let errors = |path: &Path| {
        dciodvfy::errors(path)
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
    };
    let grey = Picture::grey(48, 64, 3);
    let colour = Picture {
        samples: 3,
        photometric: "YBR_FULL_422",
        ..Picture::grey(48, 64, 3)
    };
    let regions = vec![(0, 0, 64, 8)];
    let rle = |p: &Picture| {
        let p = p.clone();
        move |path: &Path| {
            let frames = (0..p.frames).map(|f| p.rle(&p.frame(f))).collect();
            frames_gen::write_encapsulated(
                path,
                p.header(5),
                uids::RLE_LOSSLESS,
                Encapsulated::one_per_frame(frames),
            )
        }
    };
    let jpeg = |p: &Picture| {
        let p = p.clone();
        move |path: &Path| {
            let frames = (0..p.frames).map(|f| p.jpeg(&p.frame(f))).collect();
            frames_gen::write_encapsulated(
                path,
                p.header(6),
                uids::JPEG_BASELINE8_BIT,
                Encapsulated::one_per_frame(frames),
            )
        }
    };
    let runs: Vec<(&str, Cleaned)> = vec![
        ("RLE", clean(rle(&grey), &profile(&grey, &regions))),
        ("JPEG grey", clean(jpeg(&grey), &profile(&grey, &regions))),
        ("JPEG colour", clean(jpeg(&colour), &profile(&colour, &regions))),
    ];
    for (name, c) in runs {
        let new: Vec<_> = errors(&c.output).difference(&errors(&c.input)).cloned().collect();
        assert!(new.is_empty(), "{name}: new dciodvfy errors: {new:#?}");
    }
}

#[test]
fn a_file_no_rule_matches_keeps_its_compressed_pixels_byte_for_byte() {
    let picture = Picture::grey(48, 64, 3);
    let other = Picture {
        model: "Another Model",
        ..picture.clone()
    };
    let frames: Vec<Vec<u8>> = (0..picture.frames)
        .map(|f| picture.rle(&picture.frame(f)))
        .collect();
    let f2 = frames.clone();
    let c = clean(
        |path| {
            frames_gen::write_encapsulated(
                path,
                picture.header(7),
                uids::RLE_LOSSLESS,
                Encapsulated::one_per_frame(f2),
            )
        },
        &profile(&other, &[(0, 0, 64, 8)]),
    );
    assert_eq!(c.out.meta().transfer_syntax(), uids::RLE_LOSSLESS);
    let el = c.out.element(tags::PIXEL_DATA).expect("pixel data");
    assert_eq!(el.value().fragments().expect("encapsulated"), frames.as_slice());
    assert!(dpk::pixels::claimed(&c.out).is_none());
    assert_eq!(
        c.plan.entry(&TagPath::root(tags::PIXEL_DATA)).map(|e| e.kind),
        Some(ChangeKind::Unchanged)
    );
}

/// Runs the engine on a hostile input; returns the error after checking that nothing is
/// at the output path and no temporary file is left.
fn refused(write: impl FnOnce(&Path), picture: &Picture) -> dpk::Error {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.dcm");
    write(&input);
    let output = dir.path().join("out.dcm");
    let err = dpk::anonymize_file(&input, &output, &profile(picture, &[(0, 0, 64, 8)]), &ctx())
        .expect_err("a hostile file is refused");
    assert!(!output.exists(), "{err}: something was written");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "a temporary was left"
    );
    assert!(err.to_string().contains("in.dcm"), "{err}");
    err
}

/// The byte offset of the first fragment item after the Basic Offset Table in a file
/// written by [`frames_gen::write_encapsulated`].
fn first_fragment_at(bytes: &[u8]) -> usize {
    let pixel = bytes
        .windows(8)
        .rposition(|w| w == [0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0])
        .expect("pixel data header");
    let bot_len = u32::from_le_bytes(bytes[pixel + 16..pixel + 20].try_into().expect("4 bytes")) as usize;
    pixel + 20 + bot_len
}

#[test]
fn hostile_fragment_structures_fail_by_name_with_nothing_written() {
    let picture = Picture::grey(48, 64, 3);
    let rle_frames = || -> Vec<Vec<u8>> {
        (0..picture.frames)
            .map(|f| picture.rle(&picture.frame(f)))
            .collect()
    };

    // A Basic Offset Table pointing past the fragments.
    let err = refused(
        |path| {
            let layout = Encapsulated {
                offset_table: vec![0, 40, 9_999_999],
                fragments: rle_frames(),
                extended: None,
            };
            frames_gen::write_encapsulated(path, picture.header(8), uids::RLE_LOSSLESS, layout)
        },
        &picture,
    );
    match &err {
        dpk::Error::Frame(e) => {
            assert!(e.offset.is_some(), "{err}");
            assert!(e.reason.contains("points at no fragment"), "{err}");
        }
        other => panic!("not a frame error: {other}"),
    }

    // More frames than fragments, and no table or marker to split them.
    let err = refused(
        |path| {
            let mut header = picture.header(9);
            header.put(DataElement::new(
                tags::NUMBER_OF_FRAMES,
                VR::IS,
                PrimitiveValue::from("5"),
            ));
            frames_gen::write_encapsulated(
                path,
                header,
                uids::RLE_LOSSLESS,
                Encapsulated::one_per_frame(rle_frames()),
            )
        },
        &Picture {
            frames: 5,
            ..picture.clone()
        },
    );
    assert!(err.to_string().contains("3 fragments hold 5 frames"), "{err}");

    // A fragment whose length runs past the end of the file.
    let err = refused(
        |path| {
            frames_gen::write_encapsulated(
                path,
                picture.header(10),
                uids::RLE_LOSSLESS,
                Encapsulated::one_per_frame(rle_frames()),
            );
            let mut bytes = std::fs::read(path).expect("read");
            let at = first_fragment_at(&bytes);
            bytes[at + 4..at + 8].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
            std::fs::write(path, bytes).expect("patched");
        },
        &picture,
    );
    assert!(
        matches!(err, dpk::Error::Open { .. } | dpk::Error::Frame(_)),
        "{err}"
    );

    // A second frame whose RLE header is damaged: the error names the frame and its offset.
    let err = refused(
        |path| {
            let mut frames = rle_frames();
            frames[1][0] = 9;
            frames_gen::write_encapsulated(
                path,
                picture.header(11),
                uids::RLE_LOSSLESS,
                Encapsulated::one_per_frame(frames),
            )
        },
        &picture,
    );
    match &err {
        dpk::Error::Frame(e) => {
            assert_eq!(e.frame, Some(2), "{err}");
            assert!(e.offset.is_some_and(|o| o > 0), "{err}");
            assert!(e.reason.contains("9 segments"), "{err}");
        }
        other => panic!("not a frame error: {other}"),
    }

    // A JPEG frame whose own header claims a larger image than Rows and Columns (the codec
    // would write past its buffer): refused before it is decoded.
    let err = refused(
        |path| {
            let mut frames: Vec<Vec<u8>> = (0..picture.frames)
                .map(|f| picture.jpeg(&picture.frame(f)))
                .collect();
            let sof = frames[2]
                .windows(2)
                .position(|w| w == [0xFF, 0xC0])
                .expect("a baseline frame header");
            frames[2][sof + 7..sof + 9].copy_from_slice(&640u16.to_be_bytes());
            frames_gen::write_encapsulated(
                path,
                picture.header(16),
                uids::JPEG_BASELINE8_BIT,
                Encapsulated::one_per_frame(frames),
            )
        },
        &picture,
    );
    match &err {
        dpk::Error::Frame(e) => {
            assert_eq!(e.frame, Some(3), "{err}");
            assert!(
                e.reason.contains("says 640×48×1; the data set says 64×48×1"),
                "{err}"
            );
        }
        other => panic!("not a frame error: {other}"),
    }
}

/// Peak resident memory (kB) of `dpk` running `args` in `cwd`, by `/usr/bin/time -v`.
fn peak_rss_kb(cwd: &Path, args: &[&str]) -> u64 {
    let dpk = Command::cargo_bin("dpk").expect("dpk built");
    let out = Command::new("/usr/bin/time")
        .arg("-v")
        .arg(dpk.get_program())
        .args(args)
        .current_dir(cwd)
        .env("DPK_SALT", String::from_utf8_lossy(SALT).to_string())
        .output()
        .expect("/usr/bin/time runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in: {stderr}"))
}

#[test]
fn a_many_frame_rle_file_is_cleaned_in_memory_bounded_by_a_frame() {
    let picture = Picture::grey(512, 512, 200);
    let regions = vec![(0, 0, 512, 8)];
    let dir = tempfile::tempdir().expect("temp dir");
    let one = picture.rle(&picture.frame(0));
    std::fs::write(
        dir.path().join("rules.ron"),
        frames_gen::profile_ron(&picture, &regions),
    )
    .expect("profile");
    // The same cine in 2 frames, for what the program costs whatever the pixels.
    let mut peaks = Vec::new();
    for frames in [2, picture.frames] {
        let mut header = picture.header(12);
        header.put(DataElement::new(
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            PrimitiveValue::from(frames.to_string()),
        ));
        frames_gen::write_encapsulated(
            &dir.path().join("cine.dcm"),
            header,
            uids::RLE_LOSSLESS,
            Encapsulated::one_per_frame(vec![one.clone(); frames]),
        );
        let out = format!("out{frames}.dcm");
        peaks.push(peak_rss_kb(
            dir.path(),
            &["anonymize", "cine.dcm", "-o", &out, "--profile", "rules.ron"],
        ));
    }
    let (base_kb, peak_kb) = (peaks[0], peaks[1]);
    let decoded_kb = (picture.frame_samples() * picture.frames / 1024) as u64;
    // The whole program stays well under the decoded pixels, and 198 frames more cost
    // under a tenth of them (a few frames' buffers, not the image).
    assert!(
        peak_kb * 2 < decoded_kb && peak_kb.saturating_sub(base_kb) * 10 < decoded_kb,
        "peak {peak_kb} kB (2 frames: {base_kb} kB) against {decoded_kb} kB of decoded pixels: not bounded by a frame"
    );
    // And the work was done: the last frame is blank in its region, native.
    let out = open_file(dir.path().join("out200.dcm")).expect("output opens");
    assert_eq!(out.meta().transfer_syntax(), uids::EXPLICIT_VR_LITTLE_ENDIAN);
    let frames = native_frames(&out, &picture);
    let original = picture.frame(0);
    assert_cleaned(&frames[picture.frames - 1..], &[original], &picture, &regions, 0);
}

/// Every frame of `path` as the frame reader gives it.
fn frames_read(path: &Path) -> Vec<Vec<u8>> {
    let header = dpk::dataset::open_around_pixel_data(path).expect("opens");
    let mut reader = dpk::dataset::FrameReader::open(path, &header).expect("frames found");
    let mut offsets: Vec<u64> = (0..reader.frames()).map(|k| reader.offset(k)).collect();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]), "{offsets:?}");
    offsets.clear();
    (0..reader.frames())
        .map(|k| reader.read(k).expect("frame read"))
        .collect()
}

#[test]
fn the_frame_reader_gives_native_frames_little_endian_in_every_byte_order() {
    for (bits, ts) in [
        (16, uids::EXPLICIT_VR_LITTLE_ENDIAN),
        (16, uids::IMPLICIT_VR_LITTLE_ENDIAN),
        (16, "1.2.840.10008.1.2.2"),
        (8, "1.2.840.10008.1.2.2"),
    ] {
        let picture = Picture {
            bits,
            ..Picture::grey(40, 50, 3)
        };
        let frames: Vec<Vec<u16>> = (0..picture.frames).map(|f| picture.frame(f)).collect();
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("native.dcm");
        frames_gen::write_native_in(&path, picture.header(20), bits, &frames, ts);
        let want: Vec<Vec<u8>> = frames
            .iter()
            .map(|f| match bits {
                8 => f.iter().map(|&v| v as u8).collect(),
                _ => f.iter().flat_map(|v| v.to_le_bytes()).collect(),
            })
            .collect();
        assert!(frames_read(&path) == want, "{bits} bits in {ts}: frames differ");
    }
    // 8-bit samples in OW words, big endian (PS3.5 A.2: each word's bytes swapped), with
    // frames of odd length that start inside a word.
    let picture = Picture::grey(25, 27, 3);
    let samples: Vec<u8> = (0..picture.frames)
        .flat_map(|f| picture.frame(f))
        .map(|v| v as u8)
        .chain([0])
        .collect();
    let words: Vec<u16> = samples
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let mut header = picture.header(22);
    header.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(words.into()),
    ));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ow8.dcm");
    frames_gen::write(&path, header, "1.2.840.10008.1.2.2");
    let on_disk = std::fs::read(&path).expect("read");
    assert!(on_disk
        .windows(4)
        .any(|w| w == [samples[1], samples[0], samples[3], samples[2]]));
    let want: Vec<Vec<u8>> = samples[..3 * 675].chunks(675).map(<[u8]>::to_vec).collect();
    assert!(
        frames_read(&path) == want,
        "8 bits in OW, big endian: frames differ"
    );
}

#[test]
fn the_frame_reader_joins_each_frames_fragments_however_they_are_laid_out() {
    let picture = Picture::grey(48, 64, 3);
    let frames: Vec<Vec<u8>> = (0..picture.frames)
        .map(|f| picture.jpeg(&picture.frame(f)))
        .collect();
    let split = Encapsulated::two_per_frame(&frames);
    let no_table = Encapsulated {
        offset_table: Vec::new(),
        ..split.clone()
    };
    for (name, layout) in [
        ("one per frame", Encapsulated::one_per_frame(frames.clone())),
        ("two per frame, Basic Offset Table", split),
        ("two per frame, end-of-image markers", no_table),
        ("Extended Offset Table", Encapsulated::extended(frames.clone())),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("jpeg.dcm");
        frames_gen::write_encapsulated(&path, picture.header(21), uids::JPEG_BASELINE8_BIT, layout);
        assert!(frames_read(&path) == frames, "{name}: frames differ");
    }
}

// --- verify ---

fn violations(path: &Path, profile: &ResolvedProfile) -> Vec<String> {
    dpk::verify::verify_file(path, profile, None)
        .into_iter()
        .map(|v| {
            format!(
                "{} {}",
                v.path.map(|p| p.to_string()).unwrap_or_default(),
                v.problem
            )
        })
        .collect()
}

/// An RLE cine cleaned of its top band.
fn cleaned_rle() -> (Cleaned, Picture, ResolvedProfile) {
    let picture = Picture::grey(48, 64, 4);
    let regions = vec![(0, 0, 64, 8)];
    let profile = profile(&picture, &regions);
    let p = picture.clone();
    let c = clean(
        |path| {
            let frames = (0..p.frames).map(|f| p.rle(&p.frame(f))).collect();
            frames_gen::write_encapsulated(
                path,
                p.header(13),
                uids::RLE_LOSSLESS,
                Encapsulated::one_per_frame(frames),
            )
        },
        &profile,
    );
    (c, picture, profile)
}

#[test]
fn verify_passes_a_cleaned_output_and_names_the_regions_it_checked() {
    let (c, _, profile) = cleaned_rle();
    assert_eq!(violations(&c.output, &profile), Vec::<String>::new());
    let report = dpk::verify::verify_tree(&c.output, &profile, None).expect("verified");
    assert_eq!(report.pixels_checked.len(), 1);
    assert_eq!(
        report.pixels_checked[0].regions,
        vec!["blanked (0,0,64,8)".to_string()]
    );
    assert_eq!(report.pixels_checked[0].frames, 4);

    // The program says so too, in text and in JSON.
    let dir = c.output.parent().expect("dir");
    std::fs::write(
        dir.join("rules.ron"),
        frames_gen::profile_ron(&Picture::grey(48, 64, 4), &[(0, 0, 64, 8)]),
    )
    .expect("profile");
    for json in [false, true] {
        let mut cmd = Command::cargo_bin("dpk").expect("dpk built");
        cmd.current_dir(dir)
            .args(["verify", "out.dcm", "--profile", "rules.ron"]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().expect("dpk verify runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if json {
            let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
            assert_eq!(
                v["pixel_regions_checked"][0]["regions"][0], "blanked (0,0,64,8)",
                "{stdout}"
            );
            assert_eq!(v["pixel_regions_checked"][0]["frames"], 4, "{stdout}");
        } else {
            assert!(
                stdout.contains("out.dcm: pixel regions checked blank in 4 frame(s): blanked (0,0,64,8)"),
                "{stdout}"
            );
        }
    }
}

#[test]
fn verify_flags_a_claimed_region_with_one_pixel_changed_by_frame_and_region() {
    let (c, picture, profile) = cleaned_rle();
    let header = dpk::dataset::open_around_pixel_data(&c.output).expect("opens");
    let pixel = header.pixel_data.expect("pixel data left in the file");
    let span = pixel.span.expect("in the file");
    let dpk::dataset::Snapshot::Bulk { bytes } = pixel.snapshot else {
        panic!("native pixel data expected")
    };
    let value_start = (span.end - bytes) as usize;
    // Frame 3, pixel (10, 5): inside the claimed band.
    let at = value_start + 2 * picture.frame_samples() + 5 * picture.columns + 10;
    let mut data = std::fs::read(&c.output).expect("read");
    assert_eq!(data[at], 0, "the region is blank before the patch");
    data[at] = 77;
    std::fs::write(&c.output, data).expect("patched");
    let found = violations(&c.output, &profile);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("region (0,0,64,8) claimed clean is not blank in frame 3"),
        "{found:#?}"
    );
}

/// Adds the claim of the Clean Pixel Data Option to a file as another tool might write it:
/// code 113101, `method` values, Burned In Annotation `burned_in`.
fn claim(path: &Path, method: &[&str], burned_in: &str) {
    let mut file = open_file(path).expect("opens");
    let item = InMemDicomObject::from_element_iter([
        DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from("113101")),
        DataElement::new(
            tags::CODING_SCHEME_DESIGNATOR,
            VR::SH,
            PrimitiveValue::from("DCM"),
        ),
        DataElement::new(
            tags::CODE_MEANING,
            VR::LO,
            PrimitiveValue::from("Clean Pixel Data Option"),
        ),
    ]);
    file.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
        VR::SQ,
        DataSetSequence::new(vec![item], Length::UNDEFINED),
    ));
    let values: Vec<String> = method.iter().map(|s| s.to_string()).collect();
    file.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD,
        VR::LO,
        PrimitiveValue::Strs(values.into()),
    ));
    file.put(DataElement::new(
        tags::BURNED_IN_ANNOTATION,
        VR::CS,
        PrimitiveValue::from(burned_in),
    ));
    file.write_to_file(path).expect("rewritten");
}

#[test]
fn verify_flags_claims_that_do_not_hold_or_cannot_be_checked() {
    let picture = Picture::grey(48, 64, 3);
    let profile = profile(&picture, &[(0, 0, 64, 8)]);
    let dir = tempfile::tempdir().expect("temp dir");

    // Built by hand: compressed (RLE) and native files claiming a region that still holds text.
    let rle = dir.path().join("rle.dcm");
    let frames = (0..picture.frames)
        .map(|f| picture.rle(&picture.frame(f)))
        .collect();
    frames_gen::write_encapsulated(
        &rle,
        picture.header(14),
        uids::RLE_LOSSLESS,
        Encapsulated::one_per_frame(frames),
    );
    claim(&rle, &["blanked (0,0,64,8)"], "NO");
    let native = dir.path().join("native.dcm");
    let samples: Vec<Vec<u16>> = (0..picture.frames).map(|f| picture.frame(f)).collect();
    frames_gen::write_native(&native, picture.header(15), 8, &samples);
    claim(&native, &["blanked (0,0,64,8)", "blanked (0,16,64,4)"], "NO");
    for path in [&rle, &native] {
        let found = violations(path, &profile);
        assert!(
            found.iter().any(|v| v.contains(
                "region (0,0,64,8) claimed clean is not blank in frame 1 (and in 2 other frame(s))"
            )),
            "{}: {found:#?}",
            path.display()
        );
    }
    // A deflated file cannot be read at an offset: its frames are read from the file whole.
    let deflated = dir.path().join("deflated.dcm");
    frames_gen::write_native_in(
        &deflated,
        picture.header(17),
        8,
        &samples,
        "1.2.840.10008.1.2.1.99",
    );
    claim(&deflated, &["blanked (0,0,64,8)"], "NO");
    assert_eq!(
        open_file(&deflated).expect("opens").meta().transfer_syntax(),
        "1.2.840.10008.1.2.1.99"
    );
    let found = violations(&deflated, &profile);
    assert!(
        found
            .iter()
            .any(|v| v.contains("region (0,0,64,8) claimed clean is not blank in frame 1")),
        "{found:#?}"
    );
    // Rows 16 to 19 are a flat band in every frame: uniform, so not flagged.
    assert!(!violations(&native, &profile)
        .iter()
        .any(|v| v.contains("(0,16,64,4)")));

    // A cleaned output whose Burned In Annotation says YES again.
    let (c, _, profile) = cleaned_rle();
    let mut file = open_file(&c.output).expect("opens");
    file.put(DataElement::new(
        tags::BURNED_IN_ANNOTATION,
        VR::CS,
        PrimitiveValue::from("YES"),
    ));
    file.write_to_file(&c.output).expect("rewritten");
    let found = violations(&c.output, &profile);
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("(0028,0301)") && v.contains("Burned In Annotation is YES, not NO")),
        "{found:#?}"
    );

    // A claim that names no region cannot be checked.
    claim(&c.output, &["cleaned by hand"], "NO");
    let found = violations(&c.output, &profile);
    assert!(
        found.iter().any(|v| v.contains("names no blanked region")),
        "{found:#?}"
    );
}
