//! Files larger than the fixtures, made from them: what reading around pixel data is for.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use dicom_core::value::{DataSetSequence, PixelFragmentSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dpk::dataset;

pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
pub const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
pub const EXPLICIT_BE: &str = "1.2.840.10008.1.2.2";
pub const DIGITAL_SIGNATURES: Tag = Tag(0xFFFA, 0xFFFA);
pub const TRAILING_PADDING: Tag = Tag(0xFFFC, 0xFFFC);

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// The CT fixture with 256 × 512 16-bit pixels (256 KiB), written in
/// `ts`, optionally followed by a digital signature and trailing padding.
pub fn large_ct(dir: &Path, name: &str, ts: &str, trailing: bool) -> PathBuf {
    let mut file = dataset::open(fixture("ct_explicit_le.dcm")).unwrap();
    set_pixels(&mut file, 256, 512);
    if trailing {
        add_trailing(&mut file);
    }
    let syntax = TransferSyntaxRegistry.get(ts).unwrap();
    file.meta_mut().set_transfer_syntax(syntax);
    let path = dir.join(name);
    file.write_to_file(&path).unwrap();
    path
}

/// Gives `file` native 16-bit pixels, `rows` × `columns` of a pseudo-random pattern.
pub fn set_pixels(file: &mut dataset::DicomFile, rows: u16, columns: u16) {
    let pixels: Vec<u16> = (0..u32::from(rows) * u32::from(columns))
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 16) as u16)
        .collect();
    set_size(file, rows, columns);
    file.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(pixels.into()),
    ));
}

/// Sets Rows and Columns.
pub fn set_size(file: &mut dataset::DicomFile, rows: u16, columns: u16) {
    file.put(DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(rows)));
    file.put(DataElement::new(
        tags::COLUMNS,
        VR::US,
        PrimitiveValue::from(columns),
    ));
}

/// A digital signature (which Basic removes) and trailing padding (kept) after the pixels.
pub fn add_trailing(file: &mut dataset::DicomFile) {
    let signature = InMemDicomObject::from_element_iter([DataElement::new(
        Tag(0x0400, 0x0100),
        VR::UI,
        PrimitiveValue::from("1.2.840.10008.1.2.1"),
    )]);
    file.put(DataElement::new(
        DIGITAL_SIGNATURES,
        VR::SQ,
        DataSetSequence::from(vec![signature]),
    ));
    file.put(DataElement::new(
        TRAILING_PADDING,
        VR::OB,
        PrimitiveValue::U8(vec![0u8; 64].into()),
    ));
}

/// The JPEG fixture as a 40-frame multi-frame: its one fragment 40 times, one per frame.
pub fn large_jpeg(dir: &Path, trailing: bool) -> PathBuf {
    let mut file = dataset::open(fixture("sc_jpeg_baseline.dcm")).unwrap();
    let fragment = file.element(tags::PIXEL_DATA).unwrap().fragments().unwrap()[0].clone();
    let frames = 40;
    file.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from(frames.to_string()),
    ));
    file.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(vec![], vec![fragment; frames]),
    ));
    if trailing {
        add_trailing(&mut file);
    }
    let path = dir.join(if trailing { "jpeg_trailing.dcm" } else { "jpeg.dcm" });
    file.write_to_file(&path).unwrap();
    path
}
