//! Decoding one frame of compressed pixel data to native samples, through dicom-pixeldata
//! (pure Rust codecs): the one decoder behind cleaning and `verify`.
//!
//! Decoded from: RLE Lossless (1.2.840.10008.1.2.5); JPEG Baseline (.4.50), Extended
//! (.4.51, 8-bit as jpeg-decoder reads it), Lossless (.4.57, .4.70); JPEG 2000 (.4.90,
//! .4.91); High-Throughput JPEG 2000 (.4.201, .4.202, .4.203). JPEG-LS (.4.80, .4.81) would
//! need a C++ codec that dpk does not build, and is refused, as is any other syntax.
//!
//! What a decoded frame is: samples interleaved (Planar Configuration 0), each as
//! little-endian bytes of Bits Allocated / 8 — the form of native pixel data in Explicit VR
//! Little Endian, which is what a cleaned file is written in. Colour decoded from lossy JPEG
//! is RGB (the decoder turns YCbCr into RGB), and so is JPEG 2000 colour stored as YBR_ICT or
//! YBR_RCT (the inverse component transform); RLE, lossless JPEG and other JPEG 2000 colour
//! keep the stored Photometric Interpretation (their samples are not converted): see
//! `decoded_photometric`.
//!
//! Each frame's bytes are checked against the data set before they reach the codec (RLE
//! header and segment sizes, the JPEG frame header, the JPEG 2000 image size), since the
//! codecs index past their buffers on images whose size disagrees with Rows and Columns; a
//! codec panic that still happens is caught and reported as the frame not decoding.

use dicom_core::value::{PixelFragmentSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use dicom_pixeldata::PixelDecoder;

use super::mask::{Layout, MaskError};

/// The codec family of a compressed transfer syntax.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Codec {
    /// RLE Lossless (PS3.5 Annex G).
    Rle,
    /// JPEG (ISO 10918-1): baseline, extended, lossless.
    Jpeg,
    /// JPEG 2000 (ISO 15444-1) and High-Throughput JPEG 2000 (ISO 15444-15).
    Jpeg2000,
}

/// A compressed transfer syntax dpk decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compression {
    /// Its UID.
    pub uid: &'static str,
    /// Its codec.
    pub codec: Codec,
    /// For a lossy syntax, the Lossy Image Compression Method (0028,2114) defined term
    /// naming it; `None` for a lossless one.
    pub lossy_method: Option<&'static str>,
}

const DECODED: &[Compression] = &[
    c("1.2.840.10008.1.2.5", Codec::Rle, None),
    c("1.2.840.10008.1.2.4.50", Codec::Jpeg, Some("ISO_10918_1")),
    c("1.2.840.10008.1.2.4.51", Codec::Jpeg, Some("ISO_10918_1")),
    c("1.2.840.10008.1.2.4.57", Codec::Jpeg, None),
    c("1.2.840.10008.1.2.4.70", Codec::Jpeg, None),
    c("1.2.840.10008.1.2.4.90", Codec::Jpeg2000, None),
    c("1.2.840.10008.1.2.4.91", Codec::Jpeg2000, Some("ISO_15444_1")),
    c("1.2.840.10008.1.2.4.201", Codec::Jpeg2000, None),
    c("1.2.840.10008.1.2.4.202", Codec::Jpeg2000, None),
    c("1.2.840.10008.1.2.4.203", Codec::Jpeg2000, Some("ISO_15444_15")),
];

const fn c(uid: &'static str, codec: Codec, lossy_method: Option<&'static str>) -> Compression {
    Compression {
        uid,
        codec,
        lossy_method,
    }
}

/// The native transfer syntaxes (no decoding).
pub(crate) const NATIVE: &[&str] = &[
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
];

/// What `ts` is: `Ok(None)` native, `Ok(Some(_))` a syntax dpk decodes, `Err` one it does not
/// (with why).
pub fn compression_of(ts: &str) -> Result<Option<Compression>, MaskError> {
    let ts = ts.trim_end_matches(['\0', ' ']);
    if NATIVE.contains(&ts) {
        return Ok(None);
    }
    if let Some(found) = DECODED.iter().find(|c| c.uid == ts) {
        return Ok(Some(*found));
    }
    let why = match ts {
        "1.2.840.10008.1.2.4.80" | "1.2.840.10008.1.2.4.81" => {
            " (JPEG-LS: its codec needs a C++ build that dpk does not include)"
        }
        _ => "",
    };
    Err(MaskError(format!(
        "cannot clean pixels of transfer syntax {}{why} (dpk decodes native, RLE Lossless, JPEG \
         baseline, extended and lossless, JPEG 2000 and High-Throughput JPEG 2000)",
        crate::terminal_text::escape(ts)
    )))
}

/// The Photometric Interpretation of frames decoded from `compression` whose data set says
/// `layout`: what the codec really gives, whatever dicom-pixeldata's own metadata says (it
/// names every decoded colour image RGB). Lossy JPEG colour is turned from YCbCr into RGB
/// by the JPEG decoder (as the stream's markers say, as libjpeg does); JPEG 2000's inverse
/// component transform turns YBR_ICT and YBR_RCT into RGB. Lossless JPEG and RLE samples
/// come out as stored, and so does JPEG 2000 colour stored without the transform.
pub(crate) fn decoded_photometric(layout: &Layout, compression: &Compression) -> String {
    let converted = layout.samples == 3
        && match compression.codec {
            Codec::Jpeg => compression.lossy_method.is_some(),
            Codec::Jpeg2000 => matches!(layout.photometric.as_str(), "YBR_ICT" | "YBR_RCT"),
            Codec::Rle => false,
        };
    if converted {
        "RGB".to_string()
    } else {
        layout.photometric.clone()
    }
}

/// Decodes one frame (its fragments joined, as [`crate::dataset::FrameReader`] reads it) of
/// an image laid out as `layout` says, to interleaved little-endian samples.
pub(crate) fn decode_frame(
    layout: &Layout,
    compression: &Compression,
    frame: Vec<u8>,
) -> Result<Vec<u8>, MaskError> {
    match compression.codec {
        Codec::Rle => check_rle(layout, &frame)?,
        Codec::Jpeg => check_jpeg(layout, &frame)?,
        Codec::Jpeg2000 => check_jpeg2000(layout, &frame)?,
    }
    let object = one_frame_object(layout, compression, frame)?;
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        object
            .decode_pixel_data_frame(0)
            .map(|d| d.into_data())
            .map_err(|e| crate::dataset::error_chain(&e))
    }))
    .map_err(|_| MaskError("the codec failed on this frame".into()))?
    .map_err(|e| MaskError(format!("it does not decode: {e}")))?;
    let want = layout.frame_samples() * usize::from(layout.bits_allocated / 8);
    if decoded.len() != want {
        return Err(MaskError(format!(
            "it decodes to {} bytes; {}×{}×{} samples of {} bits take {want}",
            decoded.len(),
            layout.columns,
            layout.rows,
            layout.samples,
            layout.bits_allocated
        )));
    }
    Ok(decoded)
}

/// A single-frame data set with the image attributes of `layout` and `frame` as its one
/// fragment: what dicom-pixeldata decodes.
fn one_frame_object(
    layout: &Layout,
    compression: &Compression,
    frame: Vec<u8>,
) -> Result<dicom_object::FileDicomObject<InMemDicomObject>, MaskError> {
    let us = |tag: Tag, v: usize| DataElement::new(tag, VR::US, PrimitiveValue::from(v as u16));
    let obj = InMemDicomObject::from_element_iter([
        us(tags::SAMPLES_PER_PIXEL, layout.samples),
        DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from(layout.photometric.as_str()),
        ),
        DataElement::new(tags::NUMBER_OF_FRAMES, VR::IS, PrimitiveValue::from("1")),
        us(tags::ROWS, layout.rows),
        us(tags::COLUMNS, layout.columns),
        us(tags::BITS_ALLOCATED, usize::from(layout.bits_allocated)),
        us(tags::BITS_STORED, usize::from(layout.bits_stored)),
        us(tags::HIGH_BIT, usize::from(layout.bits_stored - 1)),
        us(tags::PIXEL_REPRESENTATION, usize::from(layout.signed)),
        us(tags::PLANAR_CONFIGURATION, usize::from(layout.planar)),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PixelFragmentSequence::new(Vec::<u32>::new(), vec![frame]),
        ),
    ]);
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7")
        .media_storage_sop_instance_uid("2.25.1")
        .transfer_syntax(compression.uid)
        .build()
        .map_err(|e| MaskError(format!("cannot describe the frame to the decoder: {e}")))?;
    Ok(obj.with_exact_meta(meta))
}

/// The most bytes one RLE segment may decode to beyond the pixels it holds: a pad byte or a
/// no-op at its end, never kilobytes.
const RLE_SLACK: usize = 256;

/// An RLE frame (PS3.5 G.3): a header of 16 little-endian u32 (segment count, then each
/// segment's offset), one segment per byte of each sample, each decoding to one byte per
/// pixel.
fn check_rle(layout: &Layout, frame: &[u8]) -> Result<(), MaskError> {
    let word = |i: usize| {
        frame
            .get(i * 4..i * 4 + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    };
    let count = word(0)
        .filter(|_| frame.len() >= 64)
        .ok_or_else(|| MaskError("its RLE header is cut short".into()))?;
    let need = layout.samples * usize::from(layout.bits_allocated / 8);
    if count != need {
        return Err(MaskError(format!(
            "its RLE header has {count} segments; {} samples of {} bits need {need}",
            layout.samples, layout.bits_allocated
        )));
    }
    let pixels = layout.rows * layout.columns;
    for k in 0..count {
        let start = word(k + 1).unwrap_or(0);
        let end = if k + 1 < count {
            word(k + 2).unwrap_or(0)
        } else {
            frame.len()
        };
        let Some(segment) = frame.get(start..end).filter(|_| start >= 64) else {
            return Err(MaskError(format!(
                "RLE segment {} lies outside the frame ({start}..{end} of {} bytes)",
                k + 1,
                frame.len()
            )));
        };
        let decoded =
            packbits_len(segment).ok_or_else(|| MaskError(format!("RLE segment {} is cut short", k + 1)))?;
        if decoded < pixels || decoded > pixels + RLE_SLACK {
            return Err(MaskError(format!(
                "RLE segment {} decodes to {decoded} bytes; the image has {pixels} pixels",
                k + 1
            )));
        }
    }
    Ok(())
}

/// How many bytes a PackBits segment decodes to, read as the codec reads it; `None` when a
/// run is cut short.
fn packbits_len(segment: &[u8]) -> Option<usize> {
    let (mut i, mut out) = (0usize, 0usize);
    while i < segment.len() {
        let n = segment[i] as i8;
        i += 1;
        match n {
            0..=127 => {
                let run = (n as usize + 1).min(segment.len() - i);
                out += run;
                i += n as usize + 1;
            }
            -127..=-1 => {
                segment.get(i)?;
                out += 1 + n.unsigned_abs() as usize;
                i += 1;
            }
            -128 => {}
        }
    }
    Some(out)
}

/// A JPEG frame: starts with SOI, and its frame header (SOFn) before the first scan gives
/// the data set's size, sample count and a precision that fits Bits Allocated.
fn check_jpeg(layout: &Layout, frame: &[u8]) -> Result<(), MaskError> {
    if !frame.starts_with(&[0xFF, 0xD8]) {
        return Err(MaskError(
            "it does not start a JPEG stream (no SOI marker)".into(),
        ));
    }
    let mut i = 2;
    loop {
        // Markers may be preceded by fill bytes FF.
        while frame.get(i) == Some(&0xFF) && frame.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(&0xFF), Some(&marker)) = (frame.get(i), frame.get(i + 1)) else {
            return Err(MaskError(format!("no JPEG marker at byte {i} of the frame")));
        };
        let len = frame
            .get(i + 2..i + 4)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or_else(|| MaskError("the JPEG stream is cut short".into()))?;
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let sof = frame
                .get(i + 4..i + 10)
                .ok_or_else(|| MaskError("the JPEG frame header is cut short".into()))?;
            let precision = sof[0];
            let height = usize::from(u16::from_be_bytes([sof[1], sof[2]]));
            let width = usize::from(u16::from_be_bytes([sof[3], sof[4]]));
            let components = usize::from(sof[5]);
            if width != layout.columns || height != layout.rows || components != layout.samples {
                return Err(MaskError(format!(
                    "its JPEG frame header says {width}×{height}×{components}; the data set says {}×{}×{}",
                    layout.columns, layout.rows, layout.samples
                )));
            }
            let fits = match layout.bits_allocated {
                8 => precision == 8,
                _ => (9..=16).contains(&precision),
            };
            if !fits {
                return Err(MaskError(format!(
                    "JPEG samples of {precision} bits in pixel data of Bits Allocated {}",
                    layout.bits_allocated
                )));
            }
            return Ok(());
        }
        if marker == 0xDA || marker == 0xD9 || len < 2 {
            return Err(MaskError("no JPEG frame header before the image data".into()));
        }
        i += 2 + len;
    }
}

/// A JPEG 2000 frame: a codestream (or a JP2 file holding one) whose image size (SIZ)
/// gives the data set's size and sample count, no sample subsampled, and no sample deeper
/// than Bits Allocated.
fn check_jpeg2000(layout: &Layout, frame: &[u8]) -> Result<(), MaskError> {
    let start = if frame.starts_with(&[0xFF, 0x4F, 0xFF, 0x51]) {
        0
    } else {
        // A JP2 file: the codestream box (jp2c) holds it.
        frame
            .windows(4)
            .position(|w| w == b"jp2c")
            .map(|p| p + 4)
            .filter(|&p| frame.get(p..p + 4) == Some(&[0xFF, 0x4F, 0xFF, 0x51]))
            .ok_or_else(|| MaskError("no JPEG 2000 codestream (SOC and SIZ markers)".into()))?
    };
    let siz = frame
        .get(start + 4..)
        .ok_or_else(|| MaskError("the JPEG 2000 header is cut short".into()))?;
    let u32_at = |i: usize| {
        siz.get(i..i + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (Some(x), Some(y), Some(x0), Some(y0)) = (u32_at(4), u32_at(8), u32_at(12), u32_at(16)) else {
        return Err(MaskError("the JPEG 2000 image size is cut short".into()));
    };
    let components = siz
        .get(36..38)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        .ok_or_else(|| MaskError("the JPEG 2000 image size is cut short".into()))?;
    let width = x.saturating_sub(x0) as usize;
    let height = y.saturating_sub(y0) as usize;
    if width != layout.columns || height != layout.rows || components != layout.samples {
        return Err(MaskError(format!(
            "its JPEG 2000 image is {width}×{height}×{components}; the data set says {}×{}×{}",
            layout.columns, layout.rows, layout.samples
        )));
    }
    for k in 0..components {
        let Some(c) = siz.get(38 + 3 * k..41 + 3 * k) else {
            return Err(MaskError("the JPEG 2000 component list is cut short".into()));
        };
        let depth = u16::from(c[0] & 0x7F) + 1;
        if c[1] != 1 || c[2] != 1 || depth > layout.bits_allocated {
            return Err(MaskError(format!(
                "JPEG 2000 component {} of {depth} bits, subsampled {}×{}, in pixel data of Bits Allocated {}",
                k + 1,
                c[1],
                c[2],
                layout.bits_allocated
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packbits_length_counts_runs_and_literals() {
        // literal 3 bytes, run of 4, no-op, literal 1
        let data = [2, 1, 2, 3, (-3i8) as u8, 9, 0x80, 0, 7];
        assert_eq!(packbits_len(&data), Some(8));
        assert_eq!(packbits_len(&[(-3i8) as u8]), None);
    }

    #[test]
    fn syntaxes_are_named_decodable_lossy_or_refused() {
        assert_eq!(compression_of("1.2.840.10008.1.2.1"), Ok(None));
        let jpeg = compression_of("1.2.840.10008.1.2.4.50").unwrap_or_default();
        assert_eq!(jpeg.map(|c| c.lossy_method), Some(Some("ISO_10918_1")));
        let j2k = compression_of("1.2.840.10008.1.2.4.90").unwrap_or_default();
        assert_eq!(j2k.map(|c| c.lossy_method), Some(None));
        let ls = compression_of("1.2.840.10008.1.2.4.80").expect_err("JPEG-LS is refused");
        assert!(ls.0.contains("JPEG-LS"), "{ls}");
    }
}
