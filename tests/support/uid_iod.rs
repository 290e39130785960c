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
