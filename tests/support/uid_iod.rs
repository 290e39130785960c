//! Builders of the DICOM files the UID, IOD-validity and DICOMDIR tests run on: a CT with
//! UIDs and URLs outside Table E.1-1, a GSPS with overlay planes, an SR with a referenced
//! request, a VL photograph with an acquisition context, and a DICOMDIR of two patients'
//! files. Names, hospitals and UIDs are invented.

#![allow(dead_code)]

use std::path::Path;

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The invented root of every original UID here.
pub const ROOT: &str = "1.2.826.0.1.3680043.10.999";

/// An original UID under [`ROOT`].
pub fn uid(kind: u32, n: u32) -> String {
    format!("{ROOT}.{kind}.{n}")
}

/// A data set built element by element.
pub struct Ds(pub InMemDicomObject);

impl Ds {
    pub fn new() -> Ds {
        Ds(InMemDicomObject::new_empty())
    }

    /// A text element (any string VR).
    pub fn s(mut self, tag: Tag, vr: VR, value: &str) -> Ds {
        self.0.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
        self
    }

    /// A US element.
    pub fn us(mut self, tag: Tag, value: u16) -> Ds {
        self.0
            .put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
        self
    }

    /// A UL element.
    pub fn ul(mut self, tag: Tag, value: u32) -> Ds {
        self.0
            .put(DataElement::new(tag, VR::UL, PrimitiveValue::from(value)));
        self
    }

    /// An element of any VR with the given value.
    pub fn v(mut self, tag: Tag, vr: VR, value: PrimitiveValue) -> Ds {
        self.0.put(DataElement::new(tag, vr, value));
        self
    }

    /// A sequence of `items`.
    pub fn sq(mut self, tag: Tag, items: Vec<Ds>) -> Ds {
        let items: Vec<InMemDicomObject> = items.into_iter().map(|d| d.0).collect();
        self.0.put(DataElement::new(
            tag,
            VR::SQ,
            DataSetSequence::new(items, Length::UNDEFINED),
        ));
        self
    }
}

/// A coded entry item.
pub fn code(value: &str, scheme: &str, meaning: &str) -> Ds {
    Ds::new()
        .s(tags::CODE_VALUE, VR::SH, value)
        .s(tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme)
        .s(tags::CODE_MEANING, VR::LO, meaning)
}

/// Writes `ds` as a DICOM file (Explicit VR Little Endian) with a meta group naming the
/// given class and instance.
pub fn write(path: &Path, ds: Ds, class: &str, instance: &str) -> Result<()> {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(class)
        .media_storage_sop_instance_uid(instance)
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .implementation_class_uid(format!("{ROOT}.0.1"))
        .implementation_version_name("FICTIVE_GEN_1")
        .build()?;
    ds.0.with_exact_meta(meta).write_to_file(path)?;
    Ok(())
}

/// A patient of the invented hospital.
pub struct Patient {
    pub name: &'static str,
    pub id: &'static str,
    pub birth: &'static str,
    pub sex: &'static str,
}

pub const ALMA: Patient = Patient {
    name: "FICTIVE^ALMA",
    id: "PIDALMA0001",
    birth: "19610203",
    sex: "F",
};

pub const BRUNO: Patient = Patient {
    name: "FICTIVE^BRUNO",
    id: "PIDBRUNO002",
    birth: "19720405",
    sex: "M",
};

/// The Patient, General Study, General Series and General Equipment modules.
pub fn patient_study_series(p: &Patient, study: &str, series: &str, modality: &str, series_no: &str) -> Ds {
    Ds::new()
        .s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100")
        .s(tags::PATIENT_NAME, VR::PN, p.name)
        .s(tags::PATIENT_ID, VR::LO, p.id)
        .s(tags::PATIENT_BIRTH_DATE, VR::DA, p.birth)
        .s(tags::PATIENT_SEX, VR::CS, p.sex)
        .s(tags::STUDY_INSTANCE_UID, VR::UI, study)
        .s(tags::STUDY_DATE, VR::DA, "20240315")
        .s(tags::STUDY_TIME, VR::TM, "101500")
        .s(tags::REFERRING_PHYSICIAN_NAME, VR::PN, "FICTIVE^REFERRER")
        .s(tags::STUDY_ID, VR::SH, "ST4711")
        .s(tags::ACCESSION_NUMBER, VR::SH, "ACC98765")
        .s(tags::STUDY_DESCRIPTION, VR::LO, "Chest at Saint Example Hospital")
        .s(tags::MODALITY, VR::CS, modality)
        .s(tags::SERIES_INSTANCE_UID, VR::UI, series)
        .s(tags::SERIES_NUMBER, VR::IS, series_no)
        .s(tags::MANUFACTURER, VR::LO, "Fictive Devices")
        .s(tags::INSTITUTION_NAME, VR::LO, "Saint Example Hospital")
}

/// A small CT image (General Image, Image Plane, Image Pixel, CT Image, SOP Common), with
/// what Table E.1-1 does not list: SOP Instance UID of Concatenation Source, Retrieve URL
/// (top level and in a Referenced Series item), Retrieve URI, a private UID the Retain Safe
/// Private option keeps, a Volume Frame of Reference UID nested in an item, and registry UIDs
/// that must stay (a coding scheme, a well-known synchronization frame of reference).
pub fn ct(p: &Patient, study: &str, series: &str, instance: &str, concatenation_source: &str) -> Ds {
    let pixels: Vec<u16> = (0..64u16).map(|i| i * 16).collect();
    patient_study_series(p, study, series, "CT", "1")
        .s(tags::SOP_CLASS_UID, VR::UI, uids::CT_IMAGE_STORAGE)
        .s(tags::SOP_INSTANCE_UID, VR::UI, instance)
        .s(tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY\\AXIAL")
        .s(tags::CONTENT_DATE, VR::DA, "20240315")
        .s(tags::CONTENT_TIME, VR::TM, "101700")
        .s(
            tags::RETRIEVE_URL,
            VR::UR,
            &format!("https://pacs.saint-example-hospital.invalid/wado-rs/studies/{study}"),
        )
        .s(
            Tag(0x0040, 0xE010),
            VR::UR,
            "https://pacs.saint-example-hospital.invalid/retrieve",
        )
        .sq(
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![Ds::new().s(tags::SERIES_INSTANCE_UID, VR::UI, series).s(
                tags::RETRIEVE_URL,
                VR::UR,
                &format!(
                    "https://pacs.saint-example-hospital.invalid/wado-rs/studies/{study}/series/{series}"
                ),
            )],
        )
        .s(tags::FRAME_OF_REFERENCE_UID, VR::UI, &uid(4, 1))
        .s(tags::POSITION_REFERENCE_INDICATOR, VR::LO, "")
        .s(
            tags::SYNCHRONIZATION_FRAME_OF_REFERENCE_UID,
            VR::UI,
            "1.2.840.10008.15.1.1",
        )
        .s(
            tags::SOP_INSTANCE_UID_OF_CONCATENATION_SOURCE,
            VR::UI,
            concatenation_source,
        )
        .s(tags::CONCATENATION_UID, VR::UI, &uid(5, 1))
        .s(tags::INSTANCE_NUMBER, VR::IS, "1")
        .s(tags::IN_CONCATENATION_NUMBER, VR::US, "1")
        .sq(
            tags::ANATOMIC_REGION_SEQUENCE,
            vec![code("51185008", "SCT", "Thorax").s(
                tags::CODING_SCHEME_UID,
                VR::UI,
                "2.16.840.1.113883.6.96",
            )],
        )
        .sq(
            tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
            vec![Ds::new().s(Tag(0x0020, 0x9312), VR::UI, &uid(4, 2))],
        )
        .s(Tag(0x0099, 0x0010), VR::LO, "NQHeader")
        .s(Tag(0x0099, 0x1002), VR::UI, series)
        .s(tags::IMAGE_POSITION_PATIENT, VR::DS, "0\\0\\0")
        .s(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0")
        .s(tags::PIXEL_SPACING, VR::DS, "1\\1")
        .s(tags::SLICE_THICKNESS, VR::DS, "1")
        .us(tags::SAMPLES_PER_PIXEL, 1)
        .s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2")
        .us(tags::ROWS, 8)
        .us(tags::COLUMNS, 8)
        .us(tags::BITS_ALLOCATED, 16)
        .us(tags::BITS_STORED, 12)
        .us(tags::HIGH_BIT, 11)
        .us(tags::PIXEL_REPRESENTATION, 0)
        .s(tags::RESCALE_INTERCEPT, VR::DS, "-1024")
        .s(tags::RESCALE_SLOPE, VR::DS, "1")
        .s(tags::KVP, VR::DS, "120")
        .s(tags::ACQUISITION_NUMBER, VR::IS, "1")
        .v(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(pixels.into()))
}

/// An overlay plane of group `group` (Overlay Plane module), 8 × 8, one bit a pixel.
fn overlay(ds: Ds, group: u16) -> Ds {
    let t = |e: u16| Tag(group, e);
    ds.us(t(0x0010), 8)
        .us(t(0x0011), 8)
        .s(t(0x0022), VR::LO, "Mark of FICTIVE^ALMA")
        .s(t(0x0040), VR::CS, "G")
        .v(t(0x0050), VR::SS, PrimitiveValue::I16([1, 1].as_slice().into()))
        .us(t(0x0100), 1)
        .us(t(0x0102), 0)
        .s(t(0x1001), VR::CS, "LAYER1")
        .v(
            t(0x3000),
            VR::OW,
            PrimitiveValue::U16([0xFFFF, 0x00FF, 0xF0F0, 0x0F0F].as_slice().into()),
        )
}

/// A Grayscale Softcopy Presentation State of one CT image, with two overlay planes
/// (groups 6000 and 6002) activated on a graphic layer.
pub fn gsps(p: &Patient, study: &str, series: &str, instance: &str, image_series: &str, image: &str) -> Ds {
    let ds = patient_study_series(p, study, series, "PR", "9")
        .s(
            tags::SOP_CLASS_UID,
            VR::UI,
            uids::GRAYSCALE_SOFTCOPY_PRESENTATION_STATE_STORAGE,
        )
        .s(tags::SOP_INSTANCE_UID, VR::UI, instance)
        .s(tags::INSTANCE_NUMBER, VR::IS, "1")
        .s(tags::CONTENT_LABEL, VR::CS, "ALMA_MARKS")
        .s(tags::CONTENT_DESCRIPTION, VR::LO, "Marks")
        .s(tags::CONTENT_CREATOR_NAME, VR::PN, "FICTIVE^READER")
        .s(tags::PRESENTATION_CREATION_DATE, VR::DA, "20240316")
        .s(tags::PRESENTATION_CREATION_TIME, VR::TM, "090000")
        .sq(
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![Ds::new().s(tags::SERIES_INSTANCE_UID, VR::UI, image_series).sq(
                tags::REFERENCED_IMAGE_SEQUENCE,
                vec![Ds::new()
                    .s(tags::REFERENCED_SOP_CLASS_UID, VR::UI, uids::CT_IMAGE_STORAGE)
                    .s(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, image)],
            )],
        )
        .sq(
            tags::DISPLAYED_AREA_SELECTION_SEQUENCE,
            vec![Ds::new()
                .v(
                    tags::DISPLAYED_AREA_TOP_LEFT_HAND_CORNER,
                    VR::SL,
                    PrimitiveValue::I32([1, 1].as_slice().into()),
                )
                .v(
                    tags::DISPLAYED_AREA_BOTTOM_RIGHT_HAND_CORNER,
                    VR::SL,
                    PrimitiveValue::I32([8, 8].as_slice().into()),
                )
                .s(tags::PRESENTATION_SIZE_MODE, VR::CS, "SCALE TO FIT")
                .s(tags::PRESENTATION_PIXEL_ASPECT_RATIO, VR::IS, "1\\1")],
        )
        .sq(
            tags::GRAPHIC_LAYER_SEQUENCE,
            vec![Ds::new().s(tags::GRAPHIC_LAYER, VR::CS, "LAYER1").s(
                tags::GRAPHIC_LAYER_ORDER,
                VR::IS,
                "1",
            )],
        )
        .s(tags::PRESENTATION_LUT_SHAPE, VR::CS, "IDENTITY");
    overlay(overlay(ds, 0x6000), 0x6002)
}

/// A Basic Text SR that references the request it answers.
pub fn sr(p: &Patient, study: &str, series: &str, instance: &str) -> Ds {
    patient_study_series(p, study, series, "SR", "20")
        .s(tags::SOP_CLASS_UID, VR::UI, uids::BASIC_TEXT_SR_STORAGE)
        .s(tags::SOP_INSTANCE_UID, VR::UI, instance)
        .sq(tags::REFERENCED_PERFORMED_PROCEDURE_STEP_SEQUENCE, vec![])
        .s(tags::INSTANCE_NUMBER, VR::IS, "1")
        .s(tags::COMPLETION_FLAG, VR::CS, "COMPLETE")
        .s(tags::VERIFICATION_FLAG, VR::CS, "UNVERIFIED")
        .s(tags::CONTENT_DATE, VR::DA, "20240316")
        .s(tags::CONTENT_TIME, VR::TM, "120000")
        .sq(
            tags::REFERENCED_REQUEST_SEQUENCE,
            vec![Ds::new()
                .s(tags::STUDY_INSTANCE_UID, VR::UI, study)
                .sq(tags::REFERENCED_STUDY_SEQUENCE, vec![])
                .s(tags::ACCESSION_NUMBER, VR::SH, "ACC98765")
                .s(
                    tags::PLACER_ORDER_NUMBER_IMAGING_SERVICE_REQUEST,
                    VR::LO,
                    "PLACER-ALMA-1",
                )
                .s(
                    tags::FILLER_ORDER_NUMBER_IMAGING_SERVICE_REQUEST,
                    VR::LO,
                    "FILLER-ALMA-1",
                )
                .s(tags::REQUESTED_PROCEDURE_ID, VR::SH, "RPALMA01")
                .s(
                    tags::REQUESTED_PROCEDURE_DESCRIPTION,
                    VR::LO,
                    "CT chest of FICTIVE^ALMA",
                )
                .sq(tags::REQUESTED_PROCEDURE_CODE_SEQUENCE, vec![])],
        )
        .sq(tags::PERFORMED_PROCEDURE_CODE_SEQUENCE, vec![])
        .s(tags::VALUE_TYPE, VR::CS, "CONTAINER")
        .sq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("18748-4", "LN", "Diagnostic Imaging Report")],
        )
        .s(tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE")
        .sq(
            tags::CONTENT_SEQUENCE,
            vec![Ds::new()
                .s(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS")
                .s(tags::VALUE_TYPE, VR::CS, "TEXT")
                .sq(
                    tags::CONCEPT_NAME_CODE_SEQUENCE,
                    vec![code("121071", "DCM", "Finding")],
                )
                .s(tags::TEXT_VALUE, VR::UT, "No finding.")],
        )
}

/// A VL Photographic Image with an Acquisition Context Sequence of one item.
pub fn vl_photo(p: &Patient, study: &str, series: &str, instance: &str) -> Ds {
    let pixels: Vec<u8> = (0..64u8).collect();
    patient_study_series(p, study, series, "XC", "3")
        .s(tags::SOP_CLASS_UID, VR::UI, uids::VL_PHOTOGRAPHIC_IMAGE_STORAGE)
        .s(tags::SOP_INSTANCE_UID, VR::UI, instance)
        .s(tags::INSTANCE_NUMBER, VR::IS, "1")
        .s(tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY")
        .s(tags::CONTENT_DATE, VR::DA, "20240315")
        .s(tags::CONTENT_TIME, VR::TM, "101700")
        .s(tags::ACQUISITION_DATE_TIME, VR::DT, "20240315101700")
        .s(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00")
        .sq(
            tags::ACQUISITION_CONTEXT_SEQUENCE,
            vec![Ds::new()
                .s(tags::VALUE_TYPE, VR::CS, "TEXT")
                .sq(
                    tags::CONCEPT_NAME_CODE_SEQUENCE,
                    vec![code("121106", "DCM", "Comment")],
                )
                .s(tags::TEXT_VALUE, VR::UT, "Photographed at Saint Example Hospital")],
        )
        .sq(
            tags::ANATOMIC_REGION_SEQUENCE,
            vec![code("39937001", "SCT", "Skin")],
        )
        .us(tags::SAMPLES_PER_PIXEL, 1)
        .s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2")
        .us(tags::ROWS, 8)
        .us(tags::COLUMNS, 8)
        .us(tags::BITS_ALLOCATED, 8)
        .us(tags::BITS_STORED, 8)
        .us(tags::HIGH_BIT, 7)
        .us(tags::PIXEL_REPRESENTATION, 0)
        .v(tags::PIXEL_DATA, VR::OB, PrimitiveValue::U8(pixels.into()))
}

/// The header of Offset of the Next Directory Record (0004,1400), UL, length 4, in Explicit
/// VR Little Endian: the first element of every directory record this module writes.
const NEXT_RECORD_HEADER: [u8; 8] = [0x04, 0x00, 0x00, 0x14, b'U', b'L', 0x04, 0x00];

/// The byte position of each directory record in a DICOMDIR as written by [`dicomdir`] (or
/// by anything that keeps (0004,1400) first in each record), found by its first element's
/// header and checked to follow an item tag: a reading independent of dpk's.
pub fn record_starts(bytes: &[u8]) -> Vec<usize> {
    bytes
        .windows(NEXT_RECORD_HEADER.len())
        .enumerate()
        .filter(|(_, w)| *w == NEXT_RECORD_HEADER)
        .map(|(i, _)| i - 8)
        .filter(|&start| bytes.get(start..start + 4) == Some([0xFE, 0xFF, 0x00, 0xE0].as_slice()))
        .collect()
}

/// One patient's file in a file-set: its record keys and where it lies.
pub struct Member<'a> {
    pub patient: &'a Patient,
    pub study: String,
    pub series: String,
    pub instance: String,
    /// Referenced File ID components (each at most 8 characters of A–Z, 0–9, _).
    pub file_id: Vec<&'a str>,
}

/// Writes a DICOMDIR at `path` with a PATIENT / STUDY / SERIES / IMAGE record chain per
/// member, the offsets pointing at the records as written.
pub fn dicomdir(path: &Path, members: &[Member<'_>], instance: &str) -> Result<()> {
    // Records in file order: each member's four, one after the other.
    let n = members.len();
    let build = |offsets: &[u32]| -> Ds {
        let at = |i: usize| offsets.get(i).copied().unwrap_or(0);
        let mut records = Vec::new();
        for (m, member) in members.iter().enumerate() {
            let first = 4 * m;
            let next_patient = if m + 1 < n { at(first + 4) } else { 0 };
            let p = member.patient;
            records.push(
                Ds::new()
                    .ul(tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD, next_patient)
                    .us(tags::RECORD_IN_USE_FLAG, 0xFFFF)
                    .ul(
                        tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY,
                        at(first + 1),
                    )
                    .s(tags::DIRECTORY_RECORD_TYPE, VR::CS, "PATIENT")
                    .s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100")
                    .s(tags::PATIENT_NAME, VR::PN, p.name)
                    .s(tags::PATIENT_ID, VR::LO, p.id)
                    .s(tags::PATIENT_BIRTH_DATE, VR::DA, p.birth)
                    .s(tags::PATIENT_SEX, VR::CS, p.sex),
            );
            records.push(
                Ds::new()
                    .ul(tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD, 0)
                    .us(tags::RECORD_IN_USE_FLAG, 0xFFFF)
                    .ul(
                        tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY,
                        at(first + 2),
                    )
                    .s(tags::DIRECTORY_RECORD_TYPE, VR::CS, "STUDY")
                    .s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100")
                    .s(tags::STUDY_DATE, VR::DA, "20240315")
                    .s(tags::STUDY_TIME, VR::TM, "101500")
                    .s(tags::ACCESSION_NUMBER, VR::SH, "ACC98765")
                    .s(tags::STUDY_DESCRIPTION, VR::LO, "Chest at Saint Example Hospital")
                    .s(tags::STUDY_INSTANCE_UID, VR::UI, &member.study)
                    .s(tags::STUDY_ID, VR::SH, "ST4711"),
            );
            records.push(
                Ds::new()
                    .ul(tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD, 0)
                    .us(tags::RECORD_IN_USE_FLAG, 0xFFFF)
                    .ul(
                        tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY,
                        at(first + 3),
                    )
                    .s(tags::DIRECTORY_RECORD_TYPE, VR::CS, "SERIES")
                    .s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100")
                    .s(tags::MODALITY, VR::CS, "CT")
                    .s(tags::SERIES_INSTANCE_UID, VR::UI, &member.series)
                    .s(tags::SERIES_NUMBER, VR::IS, "1"),
            );
            records.push(
                Ds::new()
                    .ul(tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD, 0)
                    .us(tags::RECORD_IN_USE_FLAG, 0xFFFF)
                    .ul(tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY, 0)
                    .s(tags::DIRECTORY_RECORD_TYPE, VR::CS, "IMAGE")
                    .s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100")
                    .s(tags::REFERENCED_FILE_ID, VR::CS, &member.file_id.join("\\"))
                    .s(
                        tags::REFERENCED_SOP_CLASS_UID_IN_FILE,
                        VR::UI,
                        uids::CT_IMAGE_STORAGE,
                    )
                    .s(
                        tags::REFERENCED_SOP_INSTANCE_UID_IN_FILE,
                        VR::UI,
                        &member.instance,
                    )
                    .s(
                        tags::REFERENCED_TRANSFER_SYNTAX_UID_IN_FILE,
                        VR::UI,
                        uids::EXPLICIT_VR_LITTLE_ENDIAN,
                    )
                    .s(tags::INSTANCE_NUMBER, VR::IS, "1"),
            );
        }
        Ds::new()
            .s(tags::FILE_SET_ID, VR::CS, "FICTIVE_SET")
            .ul(
                tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
                at(0),
            )
            .ul(
                tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
                at(4 * n.saturating_sub(1)),
            )
            .us(tags::FILE_SET_CONSISTENCY_FLAG, 0)
            .sq(tags::DIRECTORY_RECORD_SEQUENCE, records)
    };
    let meta = || {
        FileMetaTableBuilder::new()
            .media_storage_sop_class_uid(uids::MEDIA_STORAGE_DIRECTORY_STORAGE)
            .media_storage_sop_instance_uid(instance)
            .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
            .implementation_class_uid(format!("{ROOT}.0.1"))
            .implementation_version_name("FICTIVE_GEN_1")
            .build()
    };
    // Written once with zero offsets to find where the records fall, then with the offsets.
    let mut first = Vec::new();
    build(&[]).0.with_exact_meta(meta()?).write_all(&mut first)?;
    let offsets: Vec<u32> = record_starts(&first).into_iter().map(|p| p as u32).collect();
    if offsets.len() != 4 * n {
        return Err(format!("{} records found, {} written", offsets.len(), 4 * n).into());
    }
    let mut bytes = Vec::new();
    build(&offsets).0.with_exact_meta(meta()?).write_all(&mut bytes)?;
    if record_starts(&bytes)
        .into_iter()
        .map(|p| p as u32)
        .collect::<Vec<_>>()
        != offsets
    {
        return Err("records moved when the offsets were written".into());
    }
    std::fs::write(path, bytes)?;
    Ok(())
}
