//! Originals a release gate meets in a hospital, built element by element: coding-scheme and
//! registry UIDs, a device's private person name whose parts are also coding-scheme
//! designators, a manufacturer whose name is also an operator's name part, a study date that
//! equals dpk's own dummy date, a complete overlay plane, a Secondary Capture taken on an NM
//! camera, an Enhanced CT whose Content Date is Type 1. Every name is invented.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

pub const PATIENT: &str = "FICTIVE^ALMA^MARIA";
pub const MRN: &str = "MRN4711";

/// A UID under an invented organisation root.
pub fn uid(n: u32) -> String {
    format!("1.2.826.0.1.3680043.10.999.{n}")
}

fn text(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn code_item(value: &str, scheme: &str, meaning: &str, scheme_uid: Option<&str>) -> InMemDicomObject {
    let mut item = InMemDicomObject::new_empty();
    text(&mut item, tags::CODE_VALUE, VR::SH, value);
    text(&mut item, tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme);
    text(&mut item, tags::CODE_MEANING, VR::LO, meaning);
    if let Some(u) = scheme_uid {
        text(&mut item, tags::CODING_SCHEME_UID, VR::UI, u);
    }
    item
}

fn sequence(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

/// The patient, study and equipment of every original; `n` tells instances apart.
fn common(
    sop_class: &str,
    n: u32,
    modality: &str,
    study_date: &str,
    acquisition_date: &str,
) -> InMemDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    text(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
    text(&mut obj, tags::SOP_CLASS_UID, VR::UI, sop_class);
    text(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, &uid(1000 + n));
    text(&mut obj, tags::STUDY_DATE, VR::DA, study_date);
    text(&mut obj, tags::SERIES_DATE, VR::DA, "20210304");
    text(&mut obj, tags::ACQUISITION_DATE, VR::DA, acquisition_date);
    text(&mut obj, tags::CONTENT_DATE, VR::DA, acquisition_date);
    text(&mut obj, tags::STUDY_TIME, VR::TM, "101500");
    text(&mut obj, tags::ACCESSION_NUMBER, VR::SH, "ACC0815");
    text(&mut obj, tags::MODALITY, VR::CS, modality);
    // A vendor's name that is also a name part of a person: kept where basic keeps it.
    text(&mut obj, tags::MANUFACTURER, VR::LO, "Philips");
    text(
        &mut obj,
        tags::MANUFACTURER_MODEL_NAME,
        VR::LO,
        "Test RIS Scanner",
    );
    text(&mut obj, tags::INSTITUTION_NAME, VR::LO, "Saint Example Hospital");
    text(&mut obj, tags::REFERRING_PHYSICIAN_NAME, VR::PN, "EXAMPLE^ROBERT");
    text(&mut obj, tags::OPERATORS_NAME, VR::PN, "PHILIPS^SERVICE");
    text(&mut obj, tags::STATION_NAME, VR::SH, "CT01");
    text(
        &mut obj,
        tags::STUDY_DESCRIPTION,
        VR::LO,
        "Thorax FICTIVE MRN4711",
    );
    sequence(
        &mut obj,
        tags::PROCEDURE_CODE_SEQUENCE,
        vec![code_item("RIS123", "RIS", "TEST procedure", None)],
    );
    sequence(
        &mut obj,
        tags::ANATOMIC_REGION_SEQUENCE,
        vec![code_item(
            "51185008",
            "SCT",
            "Thorax",
            Some("2.16.840.1.113883.6.96"),
        )],
    );
    text(&mut obj, tags::PATIENT_NAME, VR::PN, PATIENT);
    text(&mut obj, tags::PATIENT_ID, VR::LO, MRN);
    text(&mut obj, tags::PATIENT_BIRTH_DATE, VR::DA, "19700203");
    text(&mut obj, tags::PATIENT_SEX, VR::CS, "F");
    // A device's private block: a person name whose parts are designators, a registry UID.
    text(&mut obj, Tag(0x0019, 0x0010), VR::LO, "ACME DEVICE 1.0");
    text(&mut obj, Tag(0x0019, 0x1001), VR::PN, "TEST^RIS");
    text(&mut obj, Tag(0x0019, 0x1002), VR::UI, "1.2.840.10008.2.16.4");
    text(&mut obj, Tag(0x0019, 0x1003), VR::DS, "0");
    text(&mut obj, tags::STUDY_INSTANCE_UID, VR::UI, &uid(1));
    text(&mut obj, tags::SERIES_INSTANCE_UID, VR::UI, &uid(100 + n / 10));
    text(&mut obj, tags::FRAME_OF_REFERENCE_UID, VR::UI, &uid(200));
    text(&mut obj, tags::STUDY_ID, VR::SH, "1");
    text(&mut obj, tags::SERIES_NUMBER, VR::IS, "1");
    text(&mut obj, tags::INSTANCE_NUMBER, VR::IS, &n.to_string());
    text(&mut obj, tags::PATIENT_ORIENTATION, VR::CS, "");
    obj
}

/// An 8×8 16-bit monochrome image.
fn image(obj: &mut InMemDicomObject) {
    obj.put(DataElement::new(
        tags::SAMPLES_PER_PIXEL,
        VR::US,
        PrimitiveValue::from(1u16),
    ));
    text(obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    obj.put(DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(8u16)));
    obj.put(DataElement::new(
        tags::COLUMNS,
        VR::US,
        PrimitiveValue::from(8u16),
    ));
    obj.put(DataElement::new(
        tags::BITS_ALLOCATED,
        VR::US,
        PrimitiveValue::from(16u16),
    ));
    obj.put(DataElement::new(
        tags::BITS_STORED,
        VR::US,
        PrimitiveValue::from(12u16),
    ));
    obj.put(DataElement::new(
        tags::HIGH_BIT,
        VR::US,
        PrimitiveValue::from(11u16),
    ));
    obj.put(DataElement::new(
        tags::PIXEL_REPRESENTATION,
        VR::US,
        PrimitiveValue::from(0u16),
    ));
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16((0..64u16).collect()),
    ));
}

/// A complete overlay plane in group 6000.
fn overlay(obj: &mut InMemDicomObject) {
    let g = 0x6000;
    obj.put(DataElement::new(
        Tag(g, 0x0010),
        VR::US,
        PrimitiveValue::from(8u16),
    ));
    obj.put(DataElement::new(
        Tag(g, 0x0011),
        VR::US,
        PrimitiveValue::from(8u16),
    ));
    text(obj, Tag(g, 0x0040), VR::CS, "G");
    obj.put(DataElement::new(
        Tag(g, 0x0050),
        VR::SS,
        PrimitiveValue::I16([1, 1].as_slice().into()),
    ));
    obj.put(DataElement::new(
        Tag(g, 0x0100),
        VR::US,
        PrimitiveValue::from(1u16),
    ));
    obj.put(DataElement::new(
        Tag(g, 0x0102),
        VR::US,
        PrimitiveValue::from(0u16),
    ));
    obj.put(DataElement::new(
        Tag(g, 0x3000),
        VR::OW,
        PrimitiveValue::U16([0xFFFF; 4].as_slice().into()),
    ));
}

fn write(obj: InMemDicomObject, path: &Path) {
    let sop_class = obj
        .element(tags::SOP_CLASS_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let sop_instance = obj
        .element(tags::SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .media_storage_sop_class_uid(sop_class)
                .media_storage_sop_instance_uid(sop_instance),
        )
        .unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    file.write_to_file(path).unwrap();
}

/// The relative paths of the originals [`hospital_originals`] writes.
pub const FILES: [&str; 5] = [
    "ct/a.dcm",
    "ct/b.dcm",
    "nm/capture.dcm",
    "enhanced/ct.dcm",
    "us/us.dcm",
];

/// Writes the originals under `dir`; returns their paths.
pub fn hospital_originals(dir: &Path) -> Vec<PathBuf> {
    // A CT with an overlay, whose study date is dpk's dummy date.
    let mut a = common(uids::CT_IMAGE_STORAGE, 11, "CT", "20000101", "20000101");
    image(&mut a);
    overlay(&mut a);
    text(
        &mut a,
        tags::IMAGE_COMMENTS,
        VR::LT,
        "FICTIVE ALMA, MRN4711, seen for a cough",
    );
    write(a, &dir.join(FILES[0]));
    // The same series, another day's acquisition.
    let mut b = common(uids::CT_IMAGE_STORAGE, 12, "CT", "20000101", "20221117");
    image(&mut b);
    write(b, &dir.join(FILES[1]));
    // A Secondary Capture made on an NM camera.
    let mut nm = common(
        uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
        21,
        "NM",
        "20000101",
        "20221118",
    );
    text(&mut nm, tags::CONVERSION_TYPE, VR::CS, "WSD");
    image(&mut nm);
    write(nm, &dir.join(FILES[2]));
    // An Enhanced CT: Content Date is Type 1 there.
    let mut enhanced = common(uids::ENHANCED_CT_IMAGE_STORAGE, 31, "CT", "20000101", "20221119");
    text(&mut enhanced, tags::CONTENT_TIME, VR::TM, "101700");
    image(&mut enhanced);
    write(enhanced, &dir.join(FILES[3]));
    // An ultrasound: a modality with burned-in text.
    let mut us = common(uids::ULTRASOUND_IMAGE_STORAGE, 41, "US", "20000101", "20221120");
    text(&mut us, tags::BURNED_IN_ANNOTATION, VR::CS, "NO");
    image(&mut us);
    write(us, &dir.join(FILES[4]));
    FILES.iter().map(|f| dir.join(f)).collect()
}

/// Writes `obj` (with its meta as given) to `path`, replacing it.
pub fn rewrite(file: &dicom_object::DefaultDicomObject, path: &Path) {
    file.write_to_file(path).unwrap();
}
