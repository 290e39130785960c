//! Multi-frame images with burned-in "text" in known rectangles, written as real DICOM files
//! in native and compressed syntaxes: RLE Lossless (an encoder of PS3.5 Annex G written
//! here: one segment per byte plane, a header of 16 u32, PackBits runs and literals row by
//! row) and JPEG Baseline (jpeg-encoder), with the fragments laid out as each test needs
//! (one per frame, a frame over two fragments, Basic or Extended Offset Table). Devices,
//! names and places are invented.

#![allow(dead_code)]

use std::path::Path;

use dicom_core::value::{PixelFragmentSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

/// A rectangle: x, y, width, height.
pub type Rect = (usize, usize, usize, usize);

/// An image: its size, depth, colour, frames and where its text is.
#[derive(Clone, Debug)]
pub struct Picture {
    pub rows: usize,
    pub columns: usize,
    pub samples: usize,
    pub bits: u16,
    pub photometric: &'static str,
    pub frames: usize,
    pub text: Vec<Rect>,
    pub model: &'static str,
}

impl Picture {
    /// An 8-bit grey ultrasound cine of `frames` frames, text along the top and a box lower
    /// right.
    pub fn grey(rows: usize, columns: usize, frames: usize) -> Picture {
        Picture {
            rows,
            columns,
            samples: 1,
            bits: 8,
            photometric: "MONOCHROME2",
            frames,
            text: vec![(0, 0, columns, 8), (columns - 20, rows - 10, 16, 8)],
            model: "Cine Sonar 7",
        }
    }

    /// Samples per frame.
    pub fn frame_samples(&self) -> usize {
        self.rows * self.columns * self.samples
    }

    /// Whether (x, y) is in a text rectangle.
    pub fn in_text(&self, x: usize, y: usize) -> bool {
        self.text
            .iter()
            .any(|&(rx, ry, w, h)| x >= rx && x < rx + w && y >= ry && y < ry + h)
    }

    /// Frame `f`'s samples, interleaved: smooth shading that differs by frame (never 0 nor
    /// the maximum), flat bands that compress to RLE runs, and the text pattern (2×2 blocks
    /// at the maximum) in the text rectangles.
    pub fn frame(&self, f: usize) -> Vec<u16> {
        let max: u16 = if self.bits == 8 { 255 } else { 4095 };
        let mut out = Vec::with_capacity(self.frame_samples());
        for y in 0..self.rows {
            for x in 0..self.columns {
                for s in 0..self.samples {
                    let v = if self.in_text(x, y) && ((x / 2) + (y / 2)) % 2 == 0 {
                        max
                    } else if y % 16 < 4 {
                        60 + (f as u16 % 7) * 10
                    } else {
                        let shade = (x + 2 * y + 9 * f + 50 * s) % 180;
                        (30 + shade) as u16 * if self.bits == 8 { 1 } else { 16 }
                    };
                    out.push(v);
                }
            }
        }
        out
    }

    /// The data set without pixel data: an ultrasound multi-frame image of an invented
    /// device, Burned In Annotation YES.
    pub fn header(&self, instance: u32) -> InMemDicomObject {
        let uid = format!("2.25.777{instance}");
        let mut obj = InMemDicomObject::new_empty();
        let mut s = |tag: Tag, vr: VR, v: &str| obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
        s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
        s(tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY");
        s(
            tags::SOP_CLASS_UID,
            VR::UI,
            uids::ULTRASOUND_MULTI_FRAME_IMAGE_STORAGE,
        );
        s(tags::SOP_INSTANCE_UID, VR::UI, &format!("{uid}.3"));
        s(tags::STUDY_DATE, VR::DA, "20240305");
        s(tags::MODALITY, VR::CS, "US");
        s(tags::MANUFACTURER, VR::LO, "Fictive Sonics");
        s(tags::INSTITUTION_NAME, VR::LO, "Saint Example Hospital");
        s(tags::MANUFACTURER_MODEL_NAME, VR::LO, self.model);
        s(tags::PATIENT_NAME, VR::PN, "FICTIVE^BRUNO");
        s(tags::PATIENT_ID, VR::LO, "PID-7777");
        s(tags::STUDY_INSTANCE_UID, VR::UI, &format!("{uid}.1"));
        s(tags::SERIES_INSTANCE_UID, VR::UI, &format!("{uid}.2"));
        s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, self.photometric);
        s(tags::BURNED_IN_ANNOTATION, VR::CS, "YES");
        s(tags::NUMBER_OF_FRAMES, VR::IS, &self.frames.to_string());
        s(tags::FRAME_TIME, VR::DS, "33.3");
        let mut us = |tag: Tag, v: u16| obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
        us(tags::SAMPLES_PER_PIXEL, self.samples as u16);
        if self.samples == 3 {
            us(tags::PLANAR_CONFIGURATION, 0);
        }
        us(tags::ROWS, self.rows as u16);
        us(tags::COLUMNS, self.columns as u16);
        us(tags::BITS_ALLOCATED, self.bits);
        us(tags::BITS_STORED, if self.bits == 8 { 8 } else { 12 });
        us(tags::HIGH_BIT, if self.bits == 8 { 7 } else { 11 });
        us(tags::PIXEL_REPRESENTATION, 0);
        obj.put(DataElement::new(
            tags::FRAME_INCREMENT_POINTER,
            VR::AT,
            PrimitiveValue::Tags(vec![tags::FRAME_TIME].into()),
        ));
        obj
    }

    /// One RLE Lossless frame (PS3.5 G.3): for each sample, its bytes most significant
    /// first, each byte plane a segment PackBits-encoded row by row, padded to even length.
    pub fn rle(&self, samples: &[u16]) -> Vec<u8> {
        let bytes_per_sample = usize::from(self.bits / 8);
        let pixels = self.rows * self.columns;
        let mut segments = Vec::new();
        for s in 0..self.samples {
            for b in (0..bytes_per_sample).rev() {
                let plane: Vec<u8> = (0..pixels)
                    .map(|p| (samples[p * self.samples + s] >> (8 * b)) as u8)
                    .collect();
                let mut seg = Vec::new();
                for row in plane.chunks(self.columns) {
                    seg.extend(packbits(row));
                }
                if seg.len() % 2 == 1 {
                    seg.push(0x80);
                }
                segments.push(seg);
            }
        }
        crate::rle::frame(segments)
    }

    /// One JPEG Baseline frame (8-bit; colour as YCbCr 4:2:2, as YBR_FULL_422 says), padded
    /// to even length.
    pub fn jpeg(&self, samples: &[u16]) -> Vec<u8> {
        let bytes: Vec<u8> = samples.iter().map(|&v| v as u8).collect();
        let mut out = Vec::new();
        let color = if self.samples == 3 {
            jpeg_encoder::ColorType::Rgb
        } else {
            jpeg_encoder::ColorType::Luma
        };
        let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
        if self.samples == 3 {
            encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_2);
        }
        encoder
            .encode(&bytes, self.columns as u16, self.rows as u16, color)
            .expect("JPEG encoded");
        if out.len() % 2 == 1 {
            out.push(0);
        }
        out
    }
}

/// PackBits (PS3.5 G.3.1): runs of 3 or more equal bytes as a replicate run, the rest as
/// literal runs, none longer than 128.
pub fn packbits(row: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut literal: Vec<u8> = Vec::new();
    let flush = |literal: &mut Vec<u8>, out: &mut Vec<u8>| {
        for chunk in literal.chunks(128) {
            out.push((chunk.len() - 1) as u8);
            out.extend_from_slice(chunk);
        }
        literal.clear();
    };
    let mut i = 0;
    while i < row.len() {
        let mut run = 1;
        while i + run < row.len() && row[i + run] == row[i] && run < 128 {
            run += 1;
        }
        if run >= 3 {
            flush(&mut literal, &mut out);
            out.push((1i16 - run as i16) as i8 as u8);
            out.push(row[i]);
        } else {
            literal.extend_from_slice(&row[i..i + run]);
        }
        i += run;
    }
    flush(&mut literal, &mut out);
    out
}

/// How encapsulated pixel data is laid out.
#[derive(Clone, Debug, Default)]
pub struct Encapsulated {
    pub offset_table: Vec<u32>,
    pub fragments: Vec<Vec<u8>>,
    /// An Extended Offset Table (offsets, lengths), written with an empty Basic one.
    pub extended: Option<(Vec<u64>, Vec<u64>)>,
}

impl Encapsulated {
    /// One fragment per frame, empty Basic Offset Table.
    pub fn one_per_frame(frames: Vec<Vec<u8>>) -> Encapsulated {
        Encapsulated {
            fragments: frames,
            ..Default::default()
        }
    }

    /// Each frame over two fragments (cut at an even byte), with a Basic Offset Table.
    pub fn two_per_frame(frames: &[Vec<u8>]) -> Encapsulated {
        let mut out = Encapsulated::default();
        let mut at = 0u32;
        for f in frames {
            out.offset_table.push(at);
            let cut = (f.len() / 2) & !1;
            for piece in [&f[..cut], &f[cut..]] {
                out.fragments.push(piece.to_vec());
                at += piece.len() as u32 + 8;
            }
        }
        out
    }

    /// One fragment per frame, with an Extended Offset Table.
    pub fn extended(frames: Vec<Vec<u8>>) -> Encapsulated {
        let mut offsets = Vec::new();
        let mut lengths = Vec::new();
        let mut at = 0u64;
        for f in &frames {
            offsets.push(at);
            lengths.push(f.len() as u64);
            at += f.len() as u64 + 8;
        }
        Encapsulated {
            offset_table: Vec::new(),
            fragments: frames,
            extended: Some((offsets, lengths)),
        }
    }
}

/// Writes `header` with encapsulated pixel data in transfer syntax `ts` to `path`.
pub fn write_encapsulated(path: &Path, mut header: InMemDicomObject, ts: &str, pixels: Encapsulated) {
    if let Some((offsets, lengths)) = pixels.extended {
        header.put(DataElement::new(
            tags::EXTENDED_OFFSET_TABLE,
            VR::OV,
            PrimitiveValue::U64(offsets.into()),
        ));
        header.put(DataElement::new(
            tags::EXTENDED_OFFSET_TABLE_LENGTHS,
            VR::OV,
            PrimitiveValue::U64(lengths.into()),
        ));
    }
    header.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(pixels.offset_table, pixels.fragments),
    ));
    write(path, header, ts);
}

/// Writes `frames` (interleaved samples each) native in Explicit VR Little Endian.
pub fn write_native(path: &Path, header: InMemDicomObject, bits: u16, frames: &[Vec<u16>]) {
    write_native_in(path, header, bits, frames, uids::EXPLICIT_VR_LITTLE_ENDIAN)
}

/// Writes `frames` native in transfer syntax `ts` (8-bit as OB, 16-bit as OW).
pub fn write_native_in(path: &Path, mut header: InMemDicomObject, bits: u16, frames: &[Vec<u16>], ts: &str) {
    let all: Vec<u16> = frames.concat();
    let el = if bits == 8 {
        let mut bytes: Vec<u8> = all.iter().map(|&v| v as u8).collect();
        if bytes.len() % 2 == 1 {
            bytes.push(0);
        }
        DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::U8(bytes.into()))
    } else {
        DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(all.into()))
    };
    header.put(el);
    write(path, header, ts);
}

/// Writes `header` (pixel data included) to `path` in transfer syntax `ts`.
pub fn write(path: &Path, header: InMemDicomObject, ts: &str) {
    let class = header
        .get(tags::SOP_CLASS_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let instance = header
        .get(tags::SOP_INSTANCE_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(class)
        .media_storage_sop_instance_uid(instance)
        .transfer_syntax(ts);
    header
        .with_meta(meta)
        .expect("meta group")
        .write_to_file(path)
        .expect("fixture written");
}

/// A RON profile: basic with the Clean Pixel Data Option and one rule for `picture`'s
/// device covering `regions`.
pub fn profile_ron(picture: &Picture, regions: &[Rect]) -> String {
    let regions: Vec<String> = regions
        .iter()
        .map(|(x, y, w, h)| format!("(x: {x}, y: {y}, width: {w}, height: {h})"))
        .collect();
    format!(
        r#"(
    name: "frames-test",
    extends: "basic",
    options: ["clean-pixel-data"],
    pixel_rules: [
        (
            name: "text of {model}",
            signature: (modality: "US", manufacturer: "Fictive Sonics", model: "{model}"),
            regions: [{regions}],
        ),
    ],
)"#,
        model = picture.model,
        regions = regions.join(", "),
    )
}
