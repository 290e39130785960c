//! Images built from the fuzzer's bytes through anonymize with the Clean Pixel Data Option
//! and a rule that matches every file: the image attributes (rows, columns, samples, bits,
//! photometric interpretation, frames), the transfer syntax (native in each byte order,
//! deflated, RLE Lossless, JPEG Baseline), the pixel data bytes or fragments, and the
//! regions (at the edges, past them, as wide as a u32 holds) all come from the bytes.
//!
//! Refusals are fine (and leave nothing behind); a panic, an abort, a timeout or an
//! allocation past the limits is a finding. What is written must open again.

#![no_main]

use std::sync::OnceLock;

use dicom_core::value::{PixelFragmentSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;
use dpk::pixels::{PixelRule, Region, Signature};
use dpk::{Context, Profile, ResolvedProfile, Salt};
use libfuzzer_sys::fuzz_target;

struct Engine {
    ctx: Context,
    dir: tempfile::TempDir,
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine {
        ctx: Context::new(Salt::new(b"fuzzing-salt-0123456789".to_vec()).expect("salt")),
        dir: tempfile::tempdir().expect("a temporary folder"),
    })
}

fn profile(regions: Vec<Region>) -> ResolvedProfile {
    let mut profile = Profile::builtin("basic")
        .map(|p| p.with_option("clean-pixel-data"))
        .and_then(|p| p.resolve())
        .expect("the profile resolves");
    profile.add_pixel_rules([PixelRule {
        name: "every image".into(),
        signature: Signature::All(Vec::new()),
        regions,
        origin: "fuzz".into(),
    }]);
    profile
}

/// The fuzzer's bytes, taken a few at a time; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A number: mostly small, sometimes anything.
    fn small(&mut self, max: u16) -> u16 {
        match self.u8() % 8 {
            0 => self.u16(),
            _ => self.u16() % max.max(1),
        }
    }

    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}

/// Explicit VR Big Endian is retired, and still found in files.
#[allow(deprecated)]
const SYNTAXES: &[&str] = &[
    uids::EXPLICIT_VR_LITTLE_ENDIAN,
    uids::IMPLICIT_VR_LITTLE_ENDIAN,
    uids::EXPLICIT_VR_BIG_ENDIAN,
    uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    uids::RLE_LOSSLESS,
    uids::JPEG_BASELINE8_BIT,
];

const PHOTOMETRIC: &[&str] = &[
    "MONOCHROME2",
    "MONOCHROME1",
    "RGB",
    "YBR_FULL",
    "YBR_FULL_422",
    "PALETTE COLOR",
    "",
];

fn us(tag: Tag, v: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(v))
}

fn text(tag: Tag, vr: VR, v: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(v))
}

fuzz_target!(|data: &[u8]| {
    let e = engine();
    let mut b = Bytes(data);
    let syntax = SYNTAXES[usize::from(b.u8()) % SYNTAXES.len()];
    let rows = b.small(64);
    let columns = b.small(64);
    let samples = [1u16, 3, 1, 3, 2, 4][usize::from(b.u8() % 6)];
    let allocated = [8u16, 16, 8, 16, 1, 32, 12, 0][usize::from(b.u8() % 8)];
    let stored = allocated.saturating_sub(u16::from(b.u8() % 5));
    let photometric = PHOTOMETRIC[usize::from(b.u8()) % PHOTOMETRIC.len()];
    let frames = match b.u8() % 6 {
        0 => String::new(),
        1 => format!("{}", b.u32()),
        2 => "-1".into(),
        n => format!("{n}"),
    };
    let regions: Vec<Region> = (0..1 + b.u8() % 3)
        .map(|_| {
            let big = b.u8() % 4 == 0;
            let mut n = || if big { b.u32() } else { u32::from(b.u8()) };
            Region {
                x: n(),
                y: n(),
                width: n().max(1),
                height: n().max(1),
            }
        })
        .collect();
    let encapsulated = syntax == uids::RLE_LOSSLESS || syntax == uids::JPEG_BASELINE8_BIT;
    let fragments = usize::from(b.u8() % 4);
    let with_offsets = b.u8() % 2 == 0;
    let rest = b.rest();

    let mut obj = InMemDicomObject::from_element_iter([
        text(tags::SOP_CLASS_UID, VR::UI, uids::ULTRASOUND_IMAGE_STORAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, "2.25.77001"),
        text(tags::MODALITY, VR::CS, "US"),
        text(tags::PATIENT_NAME, VR::PN, "FICTIVE^ALMA"),
        text(tags::PATIENT_ID, VR::LO, "PA000123"),
        text(tags::STUDY_INSTANCE_UID, VR::UI, "2.25.77002"),
        text(tags::SERIES_INSTANCE_UID, VR::UI, "2.25.77003"),
        text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"),
        us(tags::SAMPLES_PER_PIXEL, samples),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, photometric),
        us(tags::ROWS, rows),
        us(tags::COLUMNS, columns),
        us(tags::BITS_ALLOCATED, allocated),
        us(tags::BITS_STORED, stored),
        us(tags::HIGH_BIT, stored.saturating_sub(1)),
        us(tags::PIXEL_REPRESENTATION, u16::from(rest.first().is_some_and(|v| v % 2 == 1))),
    ]);
    if samples > 1 {
        obj.put(us(tags::PLANAR_CONFIGURATION, u16::from(rest.len() % 2 == 1)));
    }
    if !frames.is_empty() {
        obj.put(text(tags::NUMBER_OF_FRAMES, VR::IS, &frames));
    }
    if encapsulated {
        let cut = if fragments == 0 { rest.len() } else { rest.len() / fragments.max(1) };
        let pieces: Vec<Vec<u8>> = if cut == 0 {
            vec![rest.to_vec()]
        } else {
            rest.chunks(cut).map(<[u8]>::to_vec).collect()
        };
        let offsets: Vec<u32> = if with_offsets {
            let mut at = 0u32;
            pieces
                .iter()
                .map(|p| {
                    let here = at;
                    at = at.saturating_add(u32::try_from(p.len() + 8).unwrap_or(u32::MAX));
                    here
                })
                .collect()
        } else {
            Vec::new()
        };
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            Value::PixelSequence(PixelFragmentSequence::new(offsets, pieces)),
        ));
    } else {
        let vr = if allocated > 8 { VR::OW } else { VR::OB };
        let mut bytes = rest.to_vec();
        if bytes.len() % 2 == 1 {
            bytes.push(0);
        }
        obj.put(DataElement::new(tags::PIXEL_DATA, vr, PrimitiveValue::from(bytes)));
    }
    let Ok(meta) = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(uids::ULTRASOUND_IMAGE_STORAGE)
        .media_storage_sop_instance_uid("2.25.77001")
        .transfer_syntax(syntax)
        .build()
    else {
        return;
    };
    let input = e.dir.path().join("input.dcm");
    let output = e.dir.path().join("output.dcm");
    let _ = std::fs::remove_file(&output);
    if obj.with_exact_meta(meta).write_to_file(&input).is_err() {
        return;
    }
    match dpk::anonymize_file(&input, &output, &profile(regions), &e.ctx) {
        Ok(_) => {
            dpk::dataset::open(&output).unwrap_or_else(|err| panic!("the output does not open: {err}"));
        }
        Err(err) => {
            let left: Vec<_> = std::fs::read_dir(e.dir.path())
                .expect("list")
                .flatten()
                .map(|d| d.file_name())
                .filter(|n| n != "input.dcm")
                .collect();
            assert!(left.is_empty(), "a refusal ({err}) left {left:?}");
        }
    }
});
