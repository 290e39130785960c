//! Folders of small DICOM files for the study browser's tests: studies, series and instances
//! with invented patients, built with dicom-object and written as Explicit VR Little Endian.

#![allow(dead_code)]

use std::path::Path;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;

/// An invented UID under 2.25.
pub fn uid(n: u64) -> String {
    format!("2.25.31415926535897932384626{n:06}")
}

/// One instance: patient, study, series and instance numbers, and descriptions.
pub struct Instance<'a> {
    pub patient: &'a str,
    pub patient_id: &'a str,
    pub study: u64,
    pub study_description: &'a str,
    pub series: u64,
    pub series_number: &'a str,
    pub modality: &'a str,
    pub series_description: &'a str,
    pub instance: u64,
}

/// The bytes of a small CT image header (a 2×2 image) for `i`.
pub fn instance_bytes(i: &Instance<'_>) -> Vec<u8> {
    let mut obj = InMemDicomObject::new_empty();
    let text = |obj: &mut InMemDicomObject, tag, vr, value: &str| {
        obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
    };
    let instance_uid = uid(i.instance);
    text(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
    text(&mut obj, tags::SOP_CLASS_UID, VR::UI, uids::CT_IMAGE_STORAGE);
    text(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, &instance_uid);
    text(&mut obj, tags::STUDY_DATE, VR::DA, "20240315");
    text(&mut obj, tags::MODALITY, VR::CS, i.modality);
    text(&mut obj, tags::INSTITUTION_NAME, VR::LO, "Saint Example Hospital");
    text(
        &mut obj,
        tags::REFERRING_PHYSICIAN_NAME,
        VR::PN,
        "DOCTOR^INVENTED",
    );
    text(&mut obj, tags::STUDY_DESCRIPTION, VR::LO, i.study_description);
    text(&mut obj, tags::SERIES_DESCRIPTION, VR::LO, i.series_description);
    text(&mut obj, tags::PATIENT_NAME, VR::PN, i.patient);
    text(&mut obj, tags::PATIENT_ID, VR::LO, i.patient_id);
    text(&mut obj, tags::PATIENT_BIRTH_DATE, VR::DA, "19700101");
    text(&mut obj, tags::PATIENT_SEX, VR::CS, "F");
    text(&mut obj, tags::STUDY_INSTANCE_UID, VR::UI, &uid(i.study));
    text(&mut obj, tags::SERIES_INSTANCE_UID, VR::UI, &uid(i.series));
    text(&mut obj, tags::STUDY_ID, VR::SH, "S1");
    text(&mut obj, tags::SERIES_NUMBER, VR::IS, i.series_number);
    text(
        &mut obj,
        tags::INSTANCE_NUMBER,
        VR::IS,
        &(i.instance % 1000).to_string(),
    );
    obj.put(DataElement::new(
        tags::SAMPLES_PER_PIXEL,
        VR::US,
        PrimitiveValue::from(1u16),
    ));
    text(&mut obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    obj.put(DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(2u16)));
    obj.put(DataElement::new(
        tags::COLUMNS,
        VR::US,
        PrimitiveValue::from(2u16),
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
        PrimitiveValue::U16([100u16, 200, 300, 400][..].into()),
    ));
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(uids::CT_IMAGE_STORAGE)
        .media_storage_sop_instance_uid(instance_uid)
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .implementation_class_uid("2.25.271828182845904523536028747135")
        .implementation_version_name("DPK_TEST")
        .build()
        .expect("meta");
    let mut out = Vec::new();
    obj.with_exact_meta(meta).write_all(&mut out).expect("write");
    out
}

/// A folder of 2 studies, 3 series, 6 files:
/// study 1 (FICTIVE^ALMA, "Head CT"): series 1 (2 files) and series 2 (2 files);
/// study 2 (EXAMPLE^BRUNO, "Chest CT"): series 1 (2 files).
/// Returns the files' paths in name order.
pub fn two_studies(dir: &Path) -> Vec<std::path::PathBuf> {
    let plan = [
        ("a_head", "FICTIVE^ALMA", 100, "Head CT", 110, "1", "Axial", 111),
        ("a_head", "FICTIVE^ALMA", 100, "Head CT", 110, "1", "Axial", 112),
        ("a_head", "FICTIVE^ALMA", 100, "Head CT", 120, "2", "Coronal", 121),
        ("a_head", "FICTIVE^ALMA", 100, "Head CT", 120, "2", "Coronal", 122),
        ("b_chest", "EXAMPLE^BRUNO", 200, "Chest CT", 210, "1", "Lung", 211),
        ("b_chest", "EXAMPLE^BRUNO", 200, "Chest CT", 210, "1", "Lung", 212),
    ];
    let mut paths = Vec::new();
    for (folder, patient, study, study_description, series, number, series_description, instance) in plan {
        let sub = dir.join(folder);
        std::fs::create_dir_all(&sub).expect("folder");
        let path = sub.join(format!("IM{instance}.dcm"));
        let bytes = instance_bytes(&Instance {
            patient,
            patient_id: if study == 100 {
                "PID-ALMA-01"
            } else {
                "PID-BRUNO-02"
            },
            study,
            study_description,
            series,
            series_number: number,
            modality: "CT",
            series_description,
            instance,
        });
        std::fs::write(&path, bytes).expect("write fixture");
        paths.push(path);
    }
    paths
}

/// `count` small files of one study and series, in `dir`.
pub fn many(dir: &Path, count: u64) {
    for n in 0..count {
        let bytes = instance_bytes(&Instance {
            patient: "FICTIVE^CLARA",
            patient_id: "PID-CLARA-03",
            study: 300,
            study_description: "Many CT",
            series: 310,
            series_number: "1",
            modality: "CT",
            series_description: "Thin",
            instance: 100_000 + n,
        });
        std::fs::write(dir.join(format!("IM{n:05}.dcm")), bytes).expect("write fixture");
    }
}
