//! Generators for the robustness suites: small CT headers written with the library's own
//! writer, and raw bytes for the cases a writer would refuse to make (ISO 2022 text, whose
//! escape sequences must be exactly what a Japanese, Korean or Chinese modality writes).
//!
//! Every person, place, identifier and UID is invented. No clock, no randomness.

#![allow(dead_code)] // each test file uses a part

use std::path::Path;

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;

/// CT Image Storage.
pub const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
/// Explicit VR Little Endian.
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

/// A CT header (no pixel data) of an invented patient, `n` telling files apart.
pub fn ct_header(n: u32, name: &str) -> InMemDicomObject {
    let sop = format!("2.25.7311904418820017731{n:04}");
    let text = |tag: Tag, vr: VR, v: &str| DataElement::new(tag, vr, PrimitiveValue::from(v));
    InMemDicomObject::from_element_iter([
        text(tags::SOP_CLASS_UID, VR::UI, CT_IMAGE),
        text(tags::SOP_INSTANCE_UID, VR::UI, &sop),
        text(tags::STUDY_DATE, VR::DA, "20240211"),
        text(tags::MODALITY, VR::CS, "CT"),
        text(tags::PATIENT_NAME, VR::PN, name),
        text(tags::PATIENT_ID, VR::LO, "MRN-5520-17"),
        text(tags::STUDY_INSTANCE_UID, VR::UI, "2.25.73119044188200177310001"),
        text(tags::SERIES_INSTANCE_UID, VR::UI, "2.25.73119044188200177310002"),
    ])
}

/// Writes `obj` as a Part 10 file in Explicit VR Little Endian.
pub fn write_part10(obj: InMemDicomObject, path: &Path) {
    let sop = dpk::dataset::text_of(&obj, tags::SOP_INSTANCE_UID).expect("a SOP Instance UID");
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(CT_IMAGE)
        .media_storage_sop_instance_uid(sop.as_str())
        .transfer_syntax(EXPLICIT_LE)
        .build()
        .expect("meta");
    obj.with_exact_meta(meta).write_to_file(path).expect("write");
}

/// A data set written element by element in Explicit VR Little Endian with exactly the
/// value bytes given (sorted by tag when written), behind a real file meta group: the way to
/// put ISO 2022 escape sequences into a file byte for byte.
#[derive(Clone, Default)]
pub struct Raw(Vec<(Tag, Vec<u8>)>);

impl Raw {
    /// Sets an element to these value bytes, padded with a space to even length (UI: NUL).
    pub fn set(mut self, tag: Tag, vr: &[u8; 2], value: &[u8]) -> Raw {
        self.0.retain(|(t, _)| *t != tag);
        let mut value = value.to_vec();
        if value.len() % 2 == 1 {
            value.push(if vr == b"UI" { 0 } else { b' ' });
        }
        self.0.push((tag, element_bytes(tag, vr, &value)));
        self
    }

    /// The whole file: preamble, "DICM", meta group, data set.
    pub fn file(&self, sop_class: &str, sop_instance: &str) -> Vec<u8> {
        let meta = FileMetaTableBuilder::new()
            .media_storage_sop_class_uid(sop_class)
            .media_storage_sop_instance_uid(sop_instance)
            .transfer_syntax(EXPLICIT_LE)
            .implementation_class_uid("2.25.118401937726450199384567712093344556")
            .implementation_version_name("DPK_ROBUST_1")
            .build()
            .expect("meta");
        let mut out = vec![0u8; 128];
        out.extend_from_slice(b"DICM");
        meta.write(&mut out).expect("meta bytes");
        let mut elements = self.0.clone();
        elements.sort_by_key(|(t, _)| *t);
        out.extend(elements.into_iter().flat_map(|(_, b)| b));
        out
    }
}

/// One element in Explicit VR Little Endian: header and value bytes as given.
pub fn element_bytes(tag: Tag, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let long = matches!(
        vr,
        b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"SV" | b"UC" | b"UN" | b"UR" | b"UT" | b"UV"
    );
    let mut b = Vec::with_capacity(12 + value.len());
    b.extend(tag.group().to_le_bytes());
    b.extend(tag.element().to_le_bytes());
    b.extend(vr);
    if long {
        b.extend([0, 0]);
        b.extend(u32::try_from(value.len()).expect("length").to_le_bytes());
    } else {
        b.extend(u16::try_from(value.len()).expect("length").to_le_bytes());
    }
    b.extend(value);
    b
}
