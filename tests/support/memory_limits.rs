//! Deflated files small on disk and huge once inflated: a data set of very many elements, a
//! private value of many megabytes, pixel data of many megabytes. Each is a valid deflated
//! file: preamble, file meta group, then the data set in explicit VR little endian as one
//! raw deflate stream.
//!
//! Compressing gigabytes would make the tests slow, so bulk is compressed once, a mebibyte of
//! it, and repeated: each piece of the stream comes from a fresh encoder ended by a sync flush
//! (whole blocks, not final, on a byte boundary, referring to nothing before them), so pieces
//! put one after the other inflate to their contents one after the other; an empty final
//! block ends the stream.

#![allow(dead_code)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use flate2::write::DeflateEncoder;
use flate2::Compression;

pub const DEFLATED: &str = "1.2.840.10008.1.2.1.99";
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// The private group the generated blocks use, below the pixel data.
pub const PRIVATE_GROUP: u16 = 0x7FD1;
/// The private creator of the generated block.
pub const CREATOR: &str = "FICTIVE VENDOR BULK";
/// The private OB element of the block: (7FD1,1001).
pub const PRIVATE_BULK: Tag = Tag(PRIVATE_GROUP, 0x1001);
/// The private sequence of many items: (7FD1,1002).
pub const PRIVATE_ITEMS: Tag = Tag(PRIVATE_GROUP, 0x1002);

/// A small CT header with invented identity, no pixel data.
pub fn header() -> InMemDicomObject {
    let text = |tag, vr, value: &str| DataElement::new(tag, vr, dicom_core::PrimitiveValue::from(value));
    let us = |tag, value: u16| DataElement::new(tag, VR::US, dicom_core::PrimitiveValue::from(value));
    InMemDicomObject::from_element_iter([
        text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100"),
        text(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.2"),
        text(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            "2.25.1000000000000000000000000000000001",
        ),
        text(tags::STUDY_DATE, VR::DA, "20240102"),
        text(tags::MODALITY, VR::CS, "CT"),
        text(tags::INSTITUTION_NAME, VR::LO, "Saint Example Hospital"),
        text(tags::PATIENT_NAME, VR::PN, "FICTIVE^ALMA"),
        text(tags::PATIENT_ID, VR::LO, "FICT-0001"),
        text(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            "2.25.1000000000000000000000000000000002",
        ),
        text(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            "2.25.1000000000000000000000000000000003",
        ),
        us(tags::SAMPLES_PER_PIXEL, 1),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        us(tags::BITS_ALLOCATED, 16),
        us(tags::BITS_STORED, 12),
        us(tags::HIGH_BIT, 11),
        us(tags::PIXEL_REPRESENTATION, 0),
    ])
}

/// Sets Rows and Columns (and Number of Frames when more than one).
pub fn set_size(obj: &mut InMemDicomObject, rows: u16, columns: u16, frames: u32) {
    obj.put(DataElement::new(
        tags::ROWS,
        VR::US,
        dicom_core::PrimitiveValue::from(rows),
    ));
    obj.put(DataElement::new(
        tags::COLUMNS,
        VR::US,
        dicom_core::PrimitiveValue::from(columns),
    ));
    if frames > 1 {
        obj.put(DataElement::new(
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            dicom_core::PrimitiveValue::from(frames.to_string()),
        ));
    }
}

/// An explicit VR little endian element header with a 4-byte length (OB, OW, SQ, UN …).
pub fn long_header(tag: Tag, vr: &[u8; 2], length: u32) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(12);
    bytes.extend_from_slice(&tag.group().to_le_bytes());
    bytes.extend_from_slice(&tag.element().to_le_bytes());
    bytes.extend_from_slice(vr);
    bytes.extend_from_slice(&[0, 0]);
    bytes.extend_from_slice(&length.to_le_bytes());
    bytes
}

/// An explicit VR little endian element with a 2-byte length (US, LO, UI …).
pub fn short_element(tag: Tag, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(8 + value.len());
    bytes.extend_from_slice(&tag.group().to_le_bytes());
    bytes.extend_from_slice(&tag.element().to_le_bytes());
    bytes.extend_from_slice(vr);
    bytes.extend_from_slice(&(value.len() as u16).to_le_bytes());
    bytes.extend_from_slice(value);
    bytes
}

/// Raw deflate blocks of `bytes`, not final, ending on a byte boundary.
fn blocks(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.flush().unwrap();
    // The encoder, dropped, would add a final block: take its output as flushed.
    std::mem::take(encoder.get_mut())
}

/// Writes the deflated data set of a file piece by piece (see the module's words).
pub struct Pieces<W: Write> {
    out: W,
    /// Bytes not yet compressed: compressing many small writes one by one would cost a
    /// block each.
    pending: Vec<u8>,
}

impl<W: Write> Pieces<W> {
    fn new(out: W) -> Pieces<W> {
        Pieces {
            out,
            pending: Vec::new(),
        }
    }

    /// Adds `bytes` to the inflated data set.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        if self.pending.len() > 1 << 20 {
            self.settle();
        }
    }

    fn settle(&mut self) {
        if !self.pending.is_empty() {
            self.out.write_all(&blocks(&self.pending)).unwrap();
            self.pending.clear();
        }
    }

    /// Adds `len` bytes of a short repeating pattern (period 7) without compressing them
    /// all: a compressed mebibyte, repeated.
    pub fn pattern(&mut self, len: u64) {
        const CHUNK: u64 = 1 << 20;
        let piece: Vec<u8> = (0..CHUNK).map(|i| (i % 7) as u8).collect();
        // Whole chunks start at a multiple of 7 bytes from the last, as the pattern does.
        let chunk = (CHUNK / 7) * 7;
        let compressed = blocks(&piece[..chunk as usize]);
        self.settle();
        let mut left = len;
        while left >= chunk {
            self.out.write_all(&compressed).unwrap();
            left -= chunk;
        }
        self.bytes(&piece[..left as usize]);
    }

    fn finish(mut self) -> W {
        self.settle();
        // An empty final block.
        let end = DeflateEncoder::new(Vec::new(), Compression::best())
            .finish()
            .unwrap();
        self.out.write_all(&end).unwrap();
        self.out
    }
}

/// Writes a deflated file: `head` in explicit VR little endian, then what `rest` adds (raw
/// explicit VR little endian bytes of elements after every tag of `head`).
pub fn write_deflated(
    path: &Path,
    head: &InMemDicomObject,
    rest: impl FnOnce(&mut Pieces<BufWriter<File>>),
) -> PathBuf {
    let text = |tag| head.element(tag).unwrap().to_str().unwrap().into_owned();
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(text(tags::SOP_CLASS_UID))
        .media_storage_sop_instance_uid(text(tags::SOP_INSTANCE_UID))
        .transfer_syntax(DEFLATED)
        .implementation_class_uid("2.25.1000000000000000000000000000000009")
        .build()
        .unwrap();
    let mut out = BufWriter::new(File::create(path).unwrap());
    out.write_all(&[0u8; 128]).unwrap();
    out.write_all(b"DICM").unwrap();
    meta.write(&mut out).unwrap();
    let mut pieces = Pieces::new(out);
    let plain = TransferSyntaxRegistry.get(EXPLICIT_LE).unwrap();
    let mut encoded = Vec::new();
    head.write_dataset_with_ts(&mut encoded, plain).unwrap();
    pieces.bytes(&encoded);
    rest(&mut pieces);
    pieces.finish().flush().unwrap();
    path.to_path_buf()
}

/// The private creator element of the generated block.
fn creator() -> Vec<u8> {
    let mut value = CREATOR.as_bytes().to_vec();
    if value.len() % 2 == 1 {
        value.push(b' ');
    }
    short_element(Tag(PRIVATE_GROUP, 0x0010), b"LO", &value)
}

/// A deflated CT whose private block holds one OB value of `bytes` bytes, then 64 × 64
/// pixels.
pub fn huge_private_ob(path: &Path, bytes: u32) -> PathBuf {
    let mut head = header();
    set_size(&mut head, 64, 64, 1);
    write_deflated(path, &head, |w| {
        w.bytes(&creator());
        w.bytes(&long_header(PRIVATE_BULK, b"OB", bytes));
        w.pattern(u64::from(bytes));
        w.bytes(&long_header(tags::PIXEL_DATA, b"OW", 64 * 64 * 2));
        w.pattern(64 * 64 * 2);
    })
}

/// A deflated CT whose private sequence holds `items` items of three elements each (an item
/// and its three elements: four elements to a reader), then 16 × 16 pixels.
pub fn many_elements(path: &Path, items: u32) -> PathBuf {
    let mut head = header();
    set_size(&mut head, 16, 16, 1);
    write_deflated(path, &head, |w| {
        w.bytes(&creator());
        w.bytes(&long_header(PRIVATE_ITEMS, b"SQ", u32::MAX));
        let mut item = Vec::new();
        for i in 0..items {
            item.clear();
            item.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
            item.extend_from_slice(&short_element(
                Tag(PRIVATE_GROUP, 0x1010),
                b"UL",
                &i.to_le_bytes(),
            ));
            item.extend_from_slice(&short_element(
                Tag(PRIVATE_GROUP, 0x1011),
                b"SH",
                format!("{i:08}").as_bytes(),
            ));
            item.extend_from_slice(&short_element(Tag(PRIVATE_GROUP, 0x1012), b"US", &[7, 0]));
            item.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
            w.bytes(&item);
        }
        w.bytes(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        w.bytes(&long_header(tags::PIXEL_DATA, b"OW", 16 * 16 * 2));
        w.pattern(16 * 16 * 2);
    })
}

/// A deflated CT of `frames` frames of 512 × 512 16-bit native pixels (512 KiB a frame),
/// with trailing padding (FFFC,FFFC) after them when `trailing`.
pub fn huge_pixels(path: &Path, frames: u32, trailing: bool) -> PathBuf {
    let mut head = header();
    set_size(&mut head, 512, 512, frames);
    let bytes = u64::from(frames) * 512 * 512 * 2;
    write_deflated(path, &head, |w| {
        w.bytes(&long_header(
            tags::PIXEL_DATA,
            b"OW",
            u32::try_from(bytes).unwrap(),
        ));
        w.pattern(bytes);
        if trailing {
            w.bytes(&long_header(Tag(0xFFFC, 0xFFFC), b"OB", 16));
            w.bytes(&[0; 16]);
        }
    })
}
