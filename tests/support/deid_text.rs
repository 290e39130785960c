//! Generators of DICOM files whose identifying values hide inside sequences and free text:
//! a Comprehensive SR with a content tree five levels deep, a verifying observer and a
//! requesting physician's identification; and an image header whose descriptions, curve and
//! acquisition context name the patient, the physicians and the hospital.
//!
//! Every person, place, identifier and UID is invented. No clock, no randomness.

#![allow(dead_code)] // each test file uses a part

use std::path::Path;

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{FileDicomObject, InMemDicomObject};

/// Comprehensive SR Storage.
pub const COMPREHENSIVE_SR: &str = "1.2.840.10008.5.1.4.1.1.88.33";
/// CT Image Storage.
pub const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
/// Explicit VR Little Endian.
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";

pub const PATIENT_NAME: &str = "FICTIVE^ALMA";
pub const PATIENT_ID: &str = "MRN-4471-22";
pub const HOSPITAL: &str = "Saint Example Hospital";
pub const REFERRING: &str = "QUILLON^BERTRAND";
pub const OBSERVER: &str = "VERANTE^CORDELIA";
pub const REQUESTING: &str = "MARSDEN^OTTOLINE";
pub const PHYSICIAN_CODE: &str = "PHY-90210";
pub const OBSERVER_CODE: &str = "OBS-31337";
pub const STUDY_DATE: &str = "20230517";
pub const EVENT_DATE: &str = "20230514";
pub const EVENT_TIME: &str = "101531";
pub const EVENT_DATE_TIME: &str = "20230514101531";
pub const STUDY_INSTANCE_UID: &str = "2.25.81236512893467123845123712390001";
pub const SERIES_INSTANCE_UID: &str = "2.25.81236512893467123845123712390002";
pub const SOP_INSTANCE_UID: &str = "2.25.81236512893467123845123712390003";
pub const OBSERVATION_UID: &str = "2.25.81236512893467123845123712390004";
pub const EVIDENCE_UID: &str = "2.25.81236512893467123845123712390005";

/// What a reader of the SR must find nowhere in the output, in any case: names, the
/// medical record number, the hospital, the physicians' codes, the dates in any form.
pub const SR_SECRETS: &[&str] = &[
    "fictive",
    "alma",
    "mrn-4471-22",
    "saint example hospital",
    "quillon",
    "bertrand",
    "verante",
    "cordelia",
    "marsden",
    "ottoline",
    "phy-90210",
    "obs-31337",
    "20230517",
    "20230514",
    "2023-05-14",
    "14.05.2023",
];

/// The SR's free text, naming the patient, the MRN, the hospital, a physician and a date.
pub const SR_TEXT: &str =
    "Alma Fictive (MRN MRN-4471-22) seen at Saint Example Hospital by Dr Quillon on 14.05.2023.";

/// A dataset or item under construction.
pub struct Ds(pub InMemDicomObject);

impl Ds {
    pub fn new() -> Ds {
        Ds(InMemDicomObject::new_empty())
    }

    /// Adds a text element.
    pub fn s(mut self, tag: Tag, vr: VR, value: &str) -> Ds {
        self.0.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
        self
    }

    /// Adds a sequence of `items`.
    pub fn sq(mut self, tag: Tag, items: Vec<Ds>) -> Ds {
        let items: Vec<InMemDicomObject> = items.into_iter().map(|d| d.0).collect();
        self.0
            .put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
        self
    }

    /// Adds a US element.
    pub fn us(mut self, tag: Tag, value: u16) -> Ds {
        self.0
            .put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
        self
    }
}

/// A coded entry.
pub fn code(value: &str, scheme: &str, meaning: &str) -> Ds {
    Ds::new()
        .s(tags::CODE_VALUE, VR::SH, value)
        .s(tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme)
        .s(tags::CODE_MEANING, VR::LO, meaning)
}

/// A content item of value type `value_type` under relationship CONTAINS, its concept name
/// `concept` (code value, meaning), and the elements `add` puts in.
fn item(value_type: &str, concept: (&str, &str), add: impl FnOnce(Ds) -> Ds) -> Ds {
    let ds = Ds::new()
        .s(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS")
        .s(tags::VALUE_TYPE, VR::CS, value_type)
        .sq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code(concept.0, "99DPK", concept.1)],
        );
    add(ds)
}

/// A CONTAINER content item holding `children`.
fn container(concept: (&str, &str), children: Vec<Ds>) -> Ds {
    item("CONTAINER", concept, |ds| {
        ds.s(tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE")
            .sq(tags::CONTENT_SEQUENCE, children)
    })
}

/// The leaves of the content tree: one item of each value type, each naming the patient,
/// the physicians or the hospital where its type allows.
fn leaves() -> Vec<Ds> {
    vec![
        item("TEXT", ("T1", "Clinical history"), |ds| {
            ds.s(tags::TEXT_VALUE, VR::UT, SR_TEXT)
                .s(tags::OBSERVATION_DATE_TIME, VR::DT, EVENT_DATE_TIME)
        }),
        item("PNAME", ("P1", "Referring physician"), |ds| {
            ds.s(tags::PERSON_NAME, VR::PN, REFERRING)
        }),
        item("DATE", ("D1", "Date of event"), |ds| {
            ds.s(tags::DATE, VR::DA, EVENT_DATE)
        }),
        item("TIME", ("D2", "Time of event"), |ds| {
            ds.s(tags::TIME, VR::TM, EVENT_TIME)
        }),
        item("DATETIME", ("D3", "Event"), |ds| {
            ds.s(tags::DATE_TIME, VR::DT, EVENT_DATE_TIME)
        }),
        item("UIDREF", ("U1", "Study Instance UID"), |ds| {
            ds.s(tags::UID, VR::UI, STUDY_INSTANCE_UID)
                .s(tags::OBSERVATION_UID, VR::UI, OBSERVATION_UID)
        }),
        item("CODE", ("C1", "Finding"), |ds| {
            ds.sq(
                tags::CONCEPT_CODE_SEQUENCE,
                vec![code("F-0001", "99DPK", "Nodule")],
            )
        }),
        item("NUM", ("N1", "Diameter"), |ds| {
            ds.sq(
                tags::MEASURED_VALUE_SEQUENCE,
                vec![Ds::new()
                    .sq(
                        tags::MEASUREMENT_UNITS_CODE_SEQUENCE,
                        vec![code("mm", "UCUM", "millimeter")],
                    )
                    .s(tags::NUMERIC_VALUE, VR::DS, "12.5")],
            )
        }),
    ]
}

/// The Person Identification Macro of a physician or observer: the ID code, with the
/// institution it belongs to.
fn person_code(value: &str, meaning: &str) -> Ds {
    code(value, "99HOSP", meaning)
}

/// A Comprehensive SR whose content tree is five levels deep (the leaves at the fifth),
/// verified by an observer, with the requesting physician's identification.
pub fn sr_dataset() -> InMemDicomObject {
    let mut tree = leaves();
    // One more TEXT at the first level, so text lives at two depths.
    let shallow = item("TEXT", ("T2", "Summary"), |ds| {
        ds.s(tags::TEXT_VALUE, VR::UT, "Report for FICTIVE, ALMA.")
    });
    for level in (2..=4).rev() {
        let concept = format!("L{level}");
        tree = vec![container((&concept, "Section"), tree)];
    }
    let first = vec![container(("L1", "Section"), tree), shallow];

    Ds::new()
        .s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192")
        .s(tags::SOP_CLASS_UID, VR::UI, COMPREHENSIVE_SR)
        .s(tags::SOP_INSTANCE_UID, VR::UI, SOP_INSTANCE_UID)
        .s(tags::STUDY_DATE, VR::DA, STUDY_DATE)
        .s(tags::CONTENT_DATE, VR::DA, STUDY_DATE)
        .s(tags::STUDY_TIME, VR::TM, "093000")
        .s(tags::CONTENT_TIME, VR::TM, "094500")
        .s(tags::ACCESSION_NUMBER, VR::SH, "ACC-77120")
        .s(tags::MODALITY, VR::CS, "SR")
        .s(tags::MANUFACTURER, VR::LO, "Example Devices")
        .s(tags::INSTITUTION_NAME, VR::LO, HOSPITAL)
        .s(tags::REFERRING_PHYSICIAN_NAME, VR::PN, REFERRING)
        .sq(tags::REFERENCED_PERFORMED_PROCEDURE_STEP_SEQUENCE, vec![])
        .s(tags::PATIENT_NAME, VR::PN, PATIENT_NAME)
        .s(tags::PATIENT_ID, VR::LO, PATIENT_ID)
        .s(tags::PATIENT_BIRTH_DATE, VR::DA, "19610804")
        .s(tags::PATIENT_SEX, VR::CS, "F")
        .s(tags::STUDY_INSTANCE_UID, VR::UI, STUDY_INSTANCE_UID)
        .s(tags::SERIES_INSTANCE_UID, VR::UI, SERIES_INSTANCE_UID)
        .s(tags::STUDY_ID, VR::SH, "ST-5521")
        .s(tags::SERIES_NUMBER, VR::IS, "1")
        .s(tags::INSTANCE_NUMBER, VR::IS, "1")
        .s(tags::REQUESTING_PHYSICIAN, VR::PN, REQUESTING)
        .sq(
            tags::REQUESTING_PHYSICIAN_IDENTIFICATION_SEQUENCE,
            vec![Ds::new().sq(
                tags::PERSON_IDENTIFICATION_CODE_SEQUENCE,
                vec![person_code(PHYSICIAN_CODE, "Marsden, Ottoline")],
            )],
        )
        .s(tags::VALUE_TYPE, VR::CS, "CONTAINER")
        .sq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code("R1", "99DPK", "Report")],
        )
        .s(tags::CONTINUITY_OF_CONTENT, VR::CS, "SEPARATE")
        .sq(
            tags::VERIFYING_OBSERVER_SEQUENCE,
            vec![Ds::new()
                .s(tags::VERIFYING_ORGANIZATION, VR::LO, HOSPITAL)
                .s(tags::VERIFICATION_DATE_TIME, VR::DT, "20230517120000")
                .s(tags::VERIFYING_OBSERVER_NAME, VR::PN, OBSERVER)
                .sq(
                    tags::VERIFYING_OBSERVER_IDENTIFICATION_CODE_SEQUENCE,
                    vec![person_code(OBSERVER_CODE, "Verante, Cordelia")],
                )],
        )
        .sq(
            tags::CURRENT_REQUESTED_PROCEDURE_EVIDENCE_SEQUENCE,
            vec![Ds::new()
                .s(tags::STUDY_INSTANCE_UID, VR::UI, STUDY_INSTANCE_UID)
                .sq(
                    tags::REFERENCED_SERIES_SEQUENCE,
                    vec![Ds::new()
                        .s(tags::SERIES_INSTANCE_UID, VR::UI, SERIES_INSTANCE_UID)
                        .sq(
                            tags::REFERENCED_SOP_SEQUENCE,
                            vec![Ds::new().s(tags::REFERENCED_SOP_CLASS_UID, VR::UI, CT_IMAGE).s(
                                tags::REFERENCED_SOP_INSTANCE_UID,
                                VR::UI,
                                EVIDENCE_UID,
                            )],
                        )],
                )],
        )
        .s(tags::COMPLETION_FLAG, VR::CS, "COMPLETE")
        .s(tags::VERIFICATION_FLAG, VR::CS, "VERIFIED")
        .sq(tags::PERFORMED_PROCEDURE_CODE_SEQUENCE, vec![])
        .sq(tags::CONTENT_SEQUENCE, first)
        .0
}

/// Writes `obj` as a DICOM file in Explicit VR Little Endian.
pub fn write(obj: InMemDicomObject, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let class = obj.element(tags::SOP_CLASS_UID)?.to_str()?.into_owned();
    let instance = obj.element(tags::SOP_INSTANCE_UID)?.to_str()?.into_owned();
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(class)
        .media_storage_sop_instance_uid(instance)
        .transfer_syntax(EXPLICIT_LE)
        .implementation_class_uid("2.25.183944402839184126406418733311090413569")
        .implementation_version_name("DPK_DEID_TEXT")
        .build()?;
    let file: FileDicomObject<InMemDicomObject> = obj.with_exact_meta(meta);
    file.write_to_file(path)?;
    Ok(())
}

/// A CT image header (no pixel data) whose descriptions, curve and acquisition context name
/// the patient, the physicians and the hospital, in other cases, orders and accents than the
/// header writes them.
pub fn image_dataset() -> InMemDicomObject {
    Ds::new()
        .s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192")
        .s(tags::SOP_CLASS_UID, VR::UI, CT_IMAGE)
        .s(tags::SOP_INSTANCE_UID, VR::UI, SOP_INSTANCE_UID)
        .s(tags::STUDY_DATE, VR::DA, STUDY_DATE)
        .s(tags::STUDY_TIME, VR::TM, "093000")
        .s(tags::ACCESSION_NUMBER, VR::SH, "ACC-77120")
        .s(tags::MODALITY, VR::CS, "CT")
        .s(tags::INSTITUTION_NAME, VR::LO, HOSPITAL)
        .s(
            tags::INSTITUTION_ADDRESS,
            VR::ST,
            "12 Example Road\r\nSpringfieldshire",
        )
        .s(tags::REFERRING_PHYSICIAN_NAME, VR::PN, REFERRING)
        .s(tags::STATION_NAME, VR::SH, "CTROOM7")
        .s(
            tags::INSTITUTIONAL_DEPARTMENT_NAME,
            VR::LO,
            "Département de Radiologie Nord",
        )
        .s(tags::OPERATORS_NAME, VR::PN, "Østergård^Søren")
        .s(
            tags::DERIVATION_DESCRIPTION,
            VR::ST,
            "Reformatted for Fictive, Alma at Saint Example Hospital (ACC-77120, study ST-5521)",
        )
        .s(
            tags::IMAGE_COMMENTS,
            VR::LT,
            "ALMA FICTIVE, seen on CTROOM7 by Dr. quillon; sent to DEPARTEMENT DE RADIOLOGIE NORD, \
             12 example road; operator Soren Ostergard",
        )
        .s(tags::PATIENT_NAME, VR::PN, PATIENT_NAME)
        .s(tags::PATIENT_ID, VR::LO, PATIENT_ID)
        .s(tags::PATIENT_BIRTH_DATE, VR::DA, "19610804")
        .s(tags::PATIENT_SEX, VR::CS, "F")
        .s(tags::STUDY_INSTANCE_UID, VR::UI, STUDY_INSTANCE_UID)
        .s(tags::SERIES_INSTANCE_UID, VR::UI, SERIES_INSTANCE_UID)
        .s(tags::STUDY_ID, VR::SH, "ST-5521")
        .s(tags::SERIES_NUMBER, VR::IS, "1")
        .s(tags::INSTANCE_NUMBER, VR::IS, "1")
        .sq(
            tags::ACQUISITION_CONTEXT_SEQUENCE,
            vec![
                Ds::new()
                    .s(tags::VALUE_TYPE, VR::CS, "TEXT")
                    .sq(
                        tags::CONCEPT_NAME_CODE_SEQUENCE,
                        vec![code("A1", "99DPK", "Remark")],
                    )
                    .s(
                        tags::TEXT_VALUE,
                        VR::UT,
                        "Patient Alma Fictive sedated at Saint Example Hospital",
                    ),
                Ds::new()
                    .s(tags::VALUE_TYPE, VR::CS, "CODE")
                    .sq(
                        tags::CONCEPT_NAME_CODE_SEQUENCE,
                        vec![code("A2", "99DPK", "Position")],
                    )
                    .sq(tags::CONCEPT_CODE_SEQUENCE, vec![code("P-1", "99DPK", "Supine")]),
            ],
        )
        .s(
            Tag(0x5000, 0x0022),
            VR::LO,
            "Curve of Fictive at Saint Example Hospital",
        )
        .0
}

/// An invented family name for person `i`: letters only, distinct for every `i`.
pub fn family_name(i: usize) -> String {
    let mut n = i;
    let mut s = String::from("Zy");
    loop {
        s.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            break;
        }
    }
    s
}

/// A dataset naming `count` people (Family^Given), in the items of a sequence.
pub fn many_people(count: usize) -> InMemDicomObject {
    let items = (0..count)
        .map(|i| {
            let name = format!("{}^Q{}", family_name(i), family_name(i + count));
            Ds::new().s(tags::PERSON_NAME, VR::PN, &name)
        })
        .collect();
    Ds::new()
        .s(tags::PATIENT_NAME, VR::PN, PATIENT_NAME)
        .s(tags::PATIENT_ID, VR::LO, PATIENT_ID)
        .sq(tags::CONTENT_SEQUENCE, items)
        .0
}

/// A text of at least `bytes` bytes, of sentences naming the people of [`many_people`]
/// (every `step`-th of them) among words that name nobody.
pub fn long_text(bytes: usize, count: usize, step: usize) -> String {
    let mut text = String::with_capacity(bytes + 200);
    let mut i = 0;
    while text.len() < bytes {
        text.push_str("Lesion stable, reviewed with ");
        text.push_str(&family_name(i % count).to_uppercase());
        text.push_str(" and Dr ");
        text.push_str(&family_name(i % count));
        text.push_str(". No change since prior. ");
        i += step;
    }
    text
}
