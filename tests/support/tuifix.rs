//! Files for the inspector's tests of memory, the demo's image and ISO 2022 text: real DICOM
//! files with invented names, a long cine written a frame at a time so that making it never
//! holds it in memory.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

/// The stored value of pixel (`x`, `y`) of frame `frame` of [`cine16`]: every frame its own.
pub fn cine_value(frame: u32, x: u32, y: u32) -> u16 {
    ((frame * 97 + y * 251 + x) % 65_536) as u16
}

fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn put_us(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

/// Writes `obj` with its file meta group, in Explicit VR Little Endian.
fn write(obj: InMemDicomObject, sop_class: &str, path: &Path) {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid("2.25.880001.3")
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN);
    obj.with_meta(meta)
        .expect("meta group")
        .write_to_file(path)
        .expect("fixture written");
}

/// The attributes every file here shares.
fn patient(sop_class: &str, modality: &str) -> InMemDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    put(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
    put(&mut obj, tags::SOP_CLASS_UID, VR::UI, sop_class);
    put(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, "2.25.880001.3");
    put(&mut obj, tags::STUDY_DATE, VR::DA, "20240611");
    put(&mut obj, tags::MODALITY, VR::CS, modality);
    put(&mut obj, tags::INSTITUTION_NAME, VR::LO, "Saint Example Hospital");
    put(&mut obj, tags::PATIENT_NAME, VR::PN, "FICTIVE^BORIS");
    put(&mut obj, tags::PATIENT_ID, VR::LO, "PID-880");
    put(&mut obj, tags::STUDY_INSTANCE_UID, VR::UI, "2.25.880001.1");
    put(&mut obj, tags::SERIES_INSTANCE_UID, VR::UI, "2.25.880001.2");
    obj
}

/// A grey cine of `frames` frames of `size` × `size` unsigned 16-bit samples
/// ([`cine_value`]), native in Explicit VR Little Endian: the header written by dicom-object,
/// then Pixel Data (the data set's last element) appended a frame at a time.
pub fn cine16(path: &Path, frames: u32, size: u16) {
    let mut obj = patient(uids::X_RAY_ANGIOGRAPHIC_IMAGE_STORAGE, "XA");
    put(&mut obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    put(&mut obj, tags::NUMBER_OF_FRAMES, VR::IS, &frames.to_string());
    put_us(&mut obj, tags::SAMPLES_PER_PIXEL, 1);
    put_us(&mut obj, tags::ROWS, size);
    put_us(&mut obj, tags::COLUMNS, size);
    put_us(&mut obj, tags::BITS_ALLOCATED, 16);
    put_us(&mut obj, tags::BITS_STORED, 16);
    put_us(&mut obj, tags::HIGH_BIT, 15);
    put_us(&mut obj, tags::PIXEL_REPRESENTATION, 0);
    write(obj, uids::X_RAY_ANGIOGRAPHIC_IMAGE_STORAGE, path);
    let side = u32::from(size);
    let length = u32::try_from(u64::from(frames) * u64::from(side * side) * 2).expect("under 4 GiB");
    let file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("fixture reopened");
    let mut out = std::io::BufWriter::new(file);
    // (7FE0,0010) OW, explicit VR little endian: tag, VR, two reserved bytes, 32-bit length.
    out.write_all(&[0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0])
        .and_then(|()| out.write_all(&length.to_le_bytes()))
        .expect("pixel data header written");
    let mut frame = Vec::with_capacity((side * side * 2) as usize);
    for k in 0..frames {
        frame.clear();
        for y in 0..side {
            for x in 0..side {
                frame.extend(cine_value(k, x, y).to_le_bytes());
            }
        }
        out.write_all(&frame).expect("frame written");
    }
    out.flush().expect("fixture flushed");
}

/// A Basic Text SR: a real file with no pixel data.
pub fn structured_report(path: &Path) {
    let mut obj = patient(uids::BASIC_TEXT_SR_STORAGE, "SR");
    put(&mut obj, tags::VALUE_TYPE, VR::CS, "CONTAINER");
    put(&mut obj, tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE");
    put(&mut obj, tags::COMPLETION_FLAG, VR::CS, "COMPLETE");
    put(&mut obj, tags::VERIFICATION_FLAG, VR::CS, "UNVERIFIED");
    write(obj, uids::BASIC_TEXT_SR_STORAGE, path);
}

/// One element in Explicit VR Little Endian, its value padded to even length with `pad`.
fn raw_element(out: &mut Vec<u8>, tag: Tag, vr: &[u8; 2], value: &[u8], pad: u8) {
    let mut value = value.to_vec();
    if value.len() % 2 == 1 {
        value.push(pad);
    }
    out.extend(tag.group().to_le_bytes());
    out.extend(tag.element().to_le_bytes());
    out.extend(vr);
    if matches!(vr, b"OB" | b"OW" | b"SQ" | b"UN" | b"UT" | b"UC" | b"UR") {
        out.extend([0, 0]);
        out.extend((value.len() as u32).to_le_bytes());
    } else {
        out.extend((value.len() as u16).to_le_bytes());
    }
    out.extend(value);
}

/// 宮本^花子 under ISO 2022 IR 87, as PS3.5 H.3.1 writes a Japanese name: each kanji run
/// after ESC $ B (JIS X 0208 in G0), back to ASCII with ESC ( B before the component
/// delimiter and at the end. 宮 (0x355C) and 本 (0x4B5C) each hold the byte 0x5C, the
/// value delimiter's.
pub const MIYAMOTO_HANAKO: &[u8] = b"\x1b$B\x35\x5c\x4b\x5c\x1b(B^\x1b$B\x32\x56\x3b\x52\x1b(B";
/// 宮本病院, an invented hospital, the same way.
pub const MIYAMOTO_HOSPITAL: &[u8] = b"\x1b$B\x35\x5c\x4b\x5c\x49\x42\x31\x21\x1b(B";

/// A Secondary Capture header declaring `\ISO 2022 IR 87` (ASCII first, JIS X 0208 by
/// escape sequence), its patient's name and institution in kanji: written byte for byte,
/// as a Japanese modality writes them.
pub fn japanese_names(path: &Path) {
    const SOP_CLASS: &[u8] = b"1.2.840.10008.5.1.4.1.1.7";
    const INSTANCE: &[u8] = b"2.25.880001.4";
    let mut meta = Vec::new();
    raw_element(&mut meta, Tag(0x0002, 0x0001), b"OB", &[0, 1], 0);
    raw_element(&mut meta, Tag(0x0002, 0x0002), b"UI", SOP_CLASS, 0);
    raw_element(&mut meta, Tag(0x0002, 0x0003), b"UI", INSTANCE, 0);
    raw_element(&mut meta, Tag(0x0002, 0x0010), b"UI", b"1.2.840.10008.1.2.1", 0);
    let mut out = vec![0u8; 128];
    out.extend(b"DICM");
    raw_element(
        &mut out,
        Tag(0x0002, 0x0000),
        b"UL",
        &(meta.len() as u32).to_le_bytes(),
        0,
    );
    out.extend(meta);
    raw_element(
        &mut out,
        tags::SPECIFIC_CHARACTER_SET,
        b"CS",
        b"\\ISO 2022 IR 87",
        b' ',
    );
    raw_element(&mut out, tags::SOP_CLASS_UID, b"UI", SOP_CLASS, 0);
    raw_element(&mut out, tags::SOP_INSTANCE_UID, b"UI", INSTANCE, 0);
    raw_element(&mut out, tags::STUDY_DATE, b"DA", b"20240611", b' ');
    raw_element(&mut out, tags::MODALITY, b"CS", b"OT", b' ');
    raw_element(&mut out, tags::CONVERSION_TYPE, b"CS", b"WSD", b' ');
    raw_element(&mut out, tags::INSTITUTION_NAME, b"LO", MIYAMOTO_HOSPITAL, b' ');
    raw_element(&mut out, tags::PATIENT_NAME, b"PN", MIYAMOTO_HANAKO, b' ');
    raw_element(&mut out, tags::PATIENT_ID, b"LO", b"PID-880", b' ');
    raw_element(&mut out, tags::STUDY_INSTANCE_UID, b"UI", b"2.25.880001.1", 0);
    raw_element(&mut out, tags::SERIES_INSTANCE_UID, b"UI", b"2.25.880001.2", 0);
    std::fs::write(path, out).expect("fixture written");
}
