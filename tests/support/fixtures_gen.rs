//! Deterministic generator of the small DICOM files under `fixtures/`.
//!
//! Shared by `examples/make_fixtures.rs` (which writes the committed files) and
//! `tests/fixtures_reproducible.rs` (which regenerates them into a temporary directory and
//! checks that they are byte-identical to the committed ones), through `#[path = ...] mod`.
//!
//! Rules this module keeps, so that two runs give byte-identical files on any machine:
//! no clock, no randomness, no environment; every UID is a fixed `2.25.<decimal>` value
//! derived from [`uid`]; the file meta group names this generator (not the dicom-rs
//! version) as the implementation. Every person, place and identifier is invented.
//!
//! The malformed files are cut or patched from the bytes of a valid fixture at offsets
//! found by walking that fixture's elements ([`walk_explicit_le`]), so they stay correct
//! when the valid fixture changes.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use dicom_core::value::{DataSetSequence, PixelFragmentSequence};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;

/// Result type of the generator.
pub type GenResult<T> = Result<T, Box<dyn Error>>;

/// Implementation Class UID written into every fixture's file meta group.
const IMPLEMENTATION_CLASS_UID: &str = "2.25.183944402839184126406418733311090413568";
/// Implementation Version Name written into every fixture's file meta group.
const IMPLEMENTATION_VERSION_NAME: &str = "DPK_FIXTURES_1";

/// Explicit VR Big Endian (retired in DICOM, so its `uids` constant is deprecated).
const EXPLICIT_VR_BIG_ENDIAN: &str = "1.2.840.10008.1.2.2";
/// Other Patient IDs (0010,1000), retired but common in real files.
const OTHER_PATIENT_IDS: Tag = Tag(0x0010, 0x1000);
/// Ethnic Group (0010,2160), retired but common in real files.
const ETHNIC_GROUP: Tag = Tag(0x0010, 0x2160);
/// Medical Record Locator (0010,1090), retired but common in real files.
const MEDICAL_RECORD_LOCATOR: Tag = Tag(0x0010, 0x1090);

/// Base of every UID the fixtures use; [`uid`] adds a small fixture-specific number.
const UID_BASE: u128 = 0x8a3f_4d6e_2b1c_4e5f_9a7b_0c1d_2e3f_0000;

/// A fixed, invented UID in the `2.25.<decimal>` form (at most 44 characters).
pub fn uid(n: u32) -> String {
    format!("2.25.{}", UID_BASE + u128::from(n))
}

/// One generated file: its path relative to the output directory, and whether
/// `dicom_object::open_file` must accept it (`true`) or reject it (`false`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Path relative to the output directory, with `/` separators.
    pub path: String,
    /// `true` for a well-formed DICOM file, `false` for the files under `malformed/`.
    pub valid: bool,
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/// A small builder over [`InMemDicomObject`] so that modules read as tables of elements.
struct Ds(InMemDicomObject);

impl Ds {
    fn new() -> Self {
        Ds(InMemDicomObject::new_empty())
    }

    /// A string element; multiple values are separated with `\`.
    fn s(mut self, tag: Tag, vr: VR, value: &str) -> Self {
        self.0.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
        self
    }

    /// An element of VR US with one or more values.
    fn us(mut self, tag: Tag, values: &[u16]) -> Self {
        self.0.put(DataElement::new(
            tag,
            VR::US,
            PrimitiveValue::U16(values.iter().copied().collect()),
        ));
        self
    }

    /// An element of VR FD with one value.
    fn fd(mut self, tag: Tag, value: f64) -> Self {
        self.0.put(DataElement::new(
            tag,
            VR::FD,
            PrimitiveValue::F64(std::iter::once(value).collect()),
        ));
        self
    }

    /// An element of VR AT with one value.
    fn at(mut self, tag: Tag, value: Tag) -> Self {
        self.0.put(DataElement::new(
            tag,
            VR::AT,
            PrimitiveValue::Tags(std::iter::once(value).collect()),
        ));
        self
    }

    /// A sequence element with the given items.
    fn sq(mut self, tag: Tag, items: Vec<Ds>) -> Self {
        let items: Vec<InMemDicomObject> = items.into_iter().map(|d| d.0).collect();
        self.0
            .put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
        self
    }

    /// Native pixel data of 16-bit words (VR OW).
    fn pixels_ow(mut self, words: Vec<u16>) -> Self {
        self.0.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(words.into()),
        ));
        self
    }

    /// Native pixel data of bytes (VR OB).
    fn pixels_ob(mut self, bytes: Vec<u8>) -> Self {
        self.0.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PrimitiveValue::U8(bytes.into()),
        ));
        self
    }

    /// Encapsulated pixel data: an empty basic offset table and the given fragments.
    fn pixels_encapsulated(mut self, fragments: Vec<Vec<u8>>) -> Self {
        let seq: PixelFragmentSequence<Vec<u8>> = PixelFragmentSequence::new(Vec::<u32>::new(), fragments);
        self.0.put(DataElement::new(tags::PIXEL_DATA, VR::OB, seq));
        self
    }

    /// A private creator at `(group, 00bb)` reserving block `bb`, followed by the elements
    /// `(group, bbxx)` given as `(xx, VR, value)`.
    fn private_block(mut self, group: u16, block: u8, creator: &str, elems: &[(u8, VR, &str)]) -> Self {
        self = self.s(Tag(group, u16::from(block)), VR::LO, creator);
        for &(elem, vr, value) in elems {
            self = self.s(Tag(group, (u16::from(block) << 8) | u16::from(elem)), vr, value);
        }
        self
    }
}

/// A coded entry item (Code Value, Coding Scheme Designator, Code Meaning).
fn code(value: &str, scheme: &str, meaning: &str) -> Ds {
    Ds::new()
        .s(tags::CODE_VALUE, VR::SH, value)
        .s(tags::CODING_SCHEME_DESIGNATOR, VR::SH, scheme)
        .s(tags::CODE_MEANING, VR::LO, meaning)
}

/// A reference item (Referenced SOP Class UID, Referenced SOP Instance UID).
fn sop_ref(class: &str, instance: &str) -> Ds {
    Ds::new().s(tags::REFERENCED_SOP_CLASS_UID, VR::UI, class).s(
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        instance,
    )
}

/// Encodes a dataset as a complete DICOM file (preamble, `DICM`, meta group, dataset) in
/// the given transfer syntax.
fn encode(ds: Ds, ts: &str) -> GenResult<Vec<u8>> {
    let obj = ds.0;
    let class = obj.element(tags::SOP_CLASS_UID)?.to_str()?.into_owned();
    let instance = obj.element(tags::SOP_INSTANCE_UID)?.to_str()?.into_owned();
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(class)
        .media_storage_sop_instance_uid(instance)
        .transfer_syntax(ts)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(IMPLEMENTATION_VERSION_NAME)
        .build()?;
    let file = obj.with_exact_meta(meta);
    let mut out = Vec::new();
    file.write_all(&mut out)?;
    Ok(out)
}

/// A deterministic 16-bit gradient with a bright square, `rows` x `cols`, stored values
/// within 12 bits.
fn pixels_u16(rows: u16, cols: u16, seed: u16) -> Vec<u16> {
    let mut v = Vec::with_capacity(usize::from(rows) * usize::from(cols));
    for r in 0..rows {
        for c in 0..cols {
            let base = 900 + 8 * (r + c) + seed;
            let square = (4..12).contains(&r) && (4..12).contains(&c);
            v.push(if square { base + 1200 } else { base } & 0x0FFF);
        }
    }
    v
}

/// A deterministic 8-bit pattern for `frames` frames of `rows` x `cols`.
fn pixels_u8(rows: u16, cols: u16, frames: u16) -> Vec<u8> {
    let mut v = Vec::new();
    for f in 0..frames {
        for r in 0..rows {
            for c in 0..cols {
                let x = (r * 16 + c * 8 + f * 40) % 256;
                v.push(x as u8);
            }
        }
    }
    v
}

// ---------------------------------------------------------------------------------------------
// Invented people, places and identifiers
// ---------------------------------------------------------------------------------------------

/// An invented patient.
struct Patient {
    name: &'static str,
    family: &'static str,
    id: &'static str,
    issuer: &'static str,
    birth_date: &'static str,
    sex: &'static str,
    age: &'static str,
    other_ids: &'static str,
    other_names: &'static str,
    mother_birth_name: &'static str,
    address: &'static str,
    phone: &'static str,
    ethnic_group: &'static str,
    comments: &'static str,
}

const JANE: Patient = Patient {
    name: "Doe^Jane^Q^Dr^III",
    family: "Doe",
    id: "PID12345",
    issuer: "NORDSTADT_MRN",
    birth_date: "19610415",
    sex: "F",
    age: "062Y",
    other_ids: "OPID-998877\\INS-4455-6677",
    other_names: "Roe^Jane",
    mother_birth_name: "Smithers^Ann",
    address: "12 Imaginary Lane^^Springfield^XY^99999^Freedonia",
    phone: "+1-555-0100\\+1-555-0199",
    ethnic_group: "Fictional",
    comments: "Patient Jane Doe prefers morning appointments; MRN PID12345.",
};

const OTTO: Patient = Patient {
    name: "Testmann^Otto^B^^",
    family: "Testmann",
    id: "MRN-0042-OT",
    issuer: "EXAMPLE_HOSP",
    birth_date: "19790102",
    sex: "M",
    age: "044Y",
    other_ids: "OT-LEGACY-17",
    other_names: "Testmann^Otto^Bernd",
    mother_birth_name: "Beispiel^Berta",
    address: "Musterweg 7^^Beispielstadt^^12345^Nowhereland",
    phone: "+99-30-5550123",
    ethnic_group: "Unknown",
    comments: "Otto Testmann, see also OT-LEGACY-17.",
};

const ALICE: Patient = Patient {
    name: "Smith^Alice^M^Ms^",
    family: "Smith",
    id: "STUDY-PAT-7",
    issuer: "RIVERSIDE_MRN",
    birth_date: "19881130",
    sex: "F",
    age: "035Y",
    other_ids: "RSD-77-A",
    other_names: "Jones^Alice",
    mother_birth_name: "Smith^Mary",
    address: "3 River Road^^Lakeside^ZZ^00001^Atlantis",
    phone: "+1-555-0142",
    ethnic_group: "Imaginary",
    comments: "Alice Smith, twin sister also scanned here.",
};

const DEMO: Patient = Patient {
    name: "Example^Robert^James^Mr^Jr",
    family: "Example",
    id: "DEMO-PID-314159",
    issuer: "HOSP_OF_NOWHERE",
    birth_date: "19520229",
    sex: "M",
    age: "071Y",
    other_ids: "SSN-000-00-0000\\INS-NOWHERE-271828\\OLD-MRN-1618",
    other_names: "Example^Bobby\\Sample^Robert",
    mother_birth_name: "Specimen^Margaret",
    address: "221C Fictional Street^Flat 2^Nowhere City^NW^00000^Utopia",
    phone: "+0-555-0111\\+0-555-0112",
    ethnic_group: "Invented",
    comments: "Mr Robert Example (DOB 29.02.1952), lives with daughter Jenny Example at \
               221C Fictional Street; call +0-555-0111.",
};

/// An invented imaging site.
struct Site {
    institution: &'static str,
    address: &'static str,
    department: &'static str,
    station: &'static str,
    manufacturer: &'static str,
    model: &'static str,
    serial: &'static str,
    software: &'static str,
    device_uid: u32,
    referring: &'static str,
    performing: &'static str,
    operator: &'static str,
}

const NORDSTADT: Site = Site {
    institution: "Klinikum Nordstadt Süd",
    address: "1 Hospital Way, Springfield, Freedonia",
    department: "Radiology Dept 4",
    station: "CTNORD01",
    manufacturer: "ACME Medical Systems",
    model: "Imagina CT 64",
    serial: "SN-CT-000123",
    software: "IMG-CT 5.2.1\\RECON 2.0",
    device_uid: 9001,
    referring: "Ref^Rachel^^Dr^",
    performing: "Perform^Peter^^Dr^",
    operator: "Tech^Tina",
};

const RIVERSIDE: Site = Site {
    institution: "Riverside Imaginary Hospital",
    address: "99 Riverbank Road, Lakeside, Atlantis",
    department: "MR Suite",
    station: "MRRIV02",
    manufacturer: "ACME Medical Systems",
    model: "Magnetica 3T",
    serial: "SN-MR-004455",
    software: "MAG 11.0",
    device_uid: 9002,
    referring: "Walker^Wanda^^Dr^",
    performing: "Scanner^Sam^^Dr^",
    operator: "Op^Olga",
};

/// Identifiers of one image.
struct Ids {
    study: String,
    series: String,
    sop: String,
    frame_of_reference: String,
    series_number: &'static str,
    instance_number: &'static str,
    accession: &'static str,
    study_id: &'static str,
}

impl Ids {
    /// UIDs `base+0` (study), `base+1` (series), `base+2` (instance), `base+3` (frame of
    /// reference).
    fn from_base(base: u32, accession: &'static str, study_id: &'static str) -> Self {
        Ids {
            study: uid(base),
            series: uid(base + 1),
            sop: uid(base + 2),
            frame_of_reference: uid(base + 3),
            series_number: "2",
            instance_number: "1",
            accession,
            study_id,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Modules
// ---------------------------------------------------------------------------------------------

/// SOP Common module.
fn sop_common(d: Ds, charset: &str, class: &str, ids: &Ids) -> Ds {
    d.s(tags::SPECIFIC_CHARACTER_SET, VR::CS, charset)
        .s(tags::INSTANCE_CREATION_DATE, VR::DA, "20230917")
        .s(tags::INSTANCE_CREATION_TIME, VR::TM, "101530")
        .s(tags::INSTANCE_CREATOR_UID, VR::UI, &uid(8000))
        .s(tags::SOP_CLASS_UID, VR::UI, class)
        .s(tags::SOP_INSTANCE_UID, VR::UI, &ids.sop)
        .s(tags::TIMEZONE_OFFSET_FROM_UTC, VR::SH, "+0100")
}

/// Patient module plus Patient Study module.
fn patient_module(d: Ds, p: &Patient) -> Ds {
    d.s(tags::PATIENT_NAME, VR::PN, p.name)
        .s(tags::PATIENT_ID, VR::LO, p.id)
        .s(tags::ISSUER_OF_PATIENT_ID, VR::LO, p.issuer)
        .s(tags::PATIENT_BIRTH_DATE, VR::DA, p.birth_date)
        .s(tags::PATIENT_SEX, VR::CS, p.sex)
        .s(OTHER_PATIENT_IDS, VR::LO, p.other_ids)
        .s(tags::OTHER_PATIENT_NAMES, VR::PN, p.other_names)
        .sq(
            tags::OTHER_PATIENT_I_DS_SEQUENCE,
            vec![Ds::new()
                .s(
                    tags::PATIENT_ID,
                    VR::LO,
                    p.other_ids.split('\\').next().unwrap_or(""),
                )
                .s(tags::ISSUER_OF_PATIENT_ID, VR::LO, "LEGACY_RIS")
                .s(tags::TYPE_OF_PATIENT_ID, VR::CS, "TEXT")],
        )
        .s(tags::PATIENT_AGE, VR::AS, p.age)
        .s(tags::PATIENT_SIZE, VR::DS, "1.68")
        .s(tags::PATIENT_WEIGHT, VR::DS, "64.5")
        .s(tags::PATIENT_ADDRESS, VR::LO, p.address)
        .s(tags::PATIENT_MOTHER_BIRTH_NAME, VR::PN, p.mother_birth_name)
        .s(tags::PATIENT_TELEPHONE_NUMBERS, VR::SH, p.phone)
        .s(ETHNIC_GROUP, VR::SH, p.ethnic_group)
        .s(tags::OCCUPATION, VR::SH, "Lighthouse crew")
        .s(
            tags::ADDITIONAL_PATIENT_HISTORY,
            VR::LT,
            "Former smoker. Seen by Dr Ref at Klinikum Nordstadt on 2022-03-14.",
        )
        .s(tags::PATIENT_COMMENTS, VR::LT, p.comments)
}

/// General Study module; the Study Description names the patient and their ID as free text.
fn study_module(d: Ds, p: &Patient, s: &Site, ids: &Ids, what: &str) -> Ds {
    d.s(tags::STUDY_DATE, VR::DA, "20230917")
        .s(tags::STUDY_TIME, VR::TM, "100412.250")
        .s(tags::ACCESSION_NUMBER, VR::SH, ids.accession)
        .s(tags::REFERRING_PHYSICIAN_NAME, VR::PN, s.referring)
        .s(
            tags::REFERRING_PHYSICIAN_ADDRESS,
            VR::ST,
            "5 Clinic Close, Springfield, Freedonia",
        )
        .s(tags::REFERRING_PHYSICIAN_TELEPHONE_NUMBERS, VR::SH, "+1-555-0177")
        .s(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            &format!("{what} for {}, MRN {}", p.family, p.id),
        )
        .s(tags::PHYSICIANS_OF_RECORD, VR::PN, "Record^Rita^^Dr^")
        .s(
            tags::NAME_OF_PHYSICIANS_READING_STUDY,
            VR::PN,
            "Reader^Ralph^^Dr^",
        )
        .sq(
            tags::PROCEDURE_CODE_SEQUENCE,
            vec![code("RPID16", "RADLEX", "CT CHEST WITHOUT CONTRAST")],
        )
        .sq(
            tags::REFERENCED_STUDY_SEQUENCE,
            vec![sop_ref("1.2.840.10008.3.1.2.3.1", &ids.study)],
        )
        .s(tags::STUDY_INSTANCE_UID, VR::UI, &ids.study)
        .s(tags::STUDY_ID, VR::SH, ids.study_id)
        .s(tags::REQUESTING_PHYSICIAN, VR::PN, "Request^Rory^^Dr^")
        .s(
            tags::REQUESTED_PROCEDURE_DESCRIPTION,
            VR::LO,
            &format!("{what}, patient {}", p.family),
        )
        .s(
            tags::ADMITTING_DIAGNOSES_DESCRIPTION,
            VR::LO,
            "Suspected nodule, right upper lobe",
        )
}

/// General Series module with Request Attributes (three levels of nested sequences with a
/// UID at the deepest level) and a Related Series Sequence.
fn series_module(d: Ds, modality: &str, s: &Site, ids: &Ids, protocol: &str, body_part: &str) -> Ds {
    let protocol_context = Ds::new()
        .s(tags::VALUE_TYPE, VR::CS, "UIDREF")
        .sq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![code(
                "121232",
                "DCM",
                "Source series for image processing operation",
            )],
        )
        .s(tags::UID, VR::UI, &uid(7001));
    let scheduled_protocol = code("P-CHEST-01", "99ACME", "Chest routine")
        .sq(tags::PROTOCOL_CONTEXT_SEQUENCE, vec![protocol_context]);
    let request = Ds::new()
        .s(tags::ACCESSION_NUMBER, VR::SH, ids.accession)
        .s(tags::STUDY_INSTANCE_UID, VR::UI, &ids.study)
        .s(tags::REQUESTED_PROCEDURE_DESCRIPTION, VR::LO, protocol)
        .s(tags::SCHEDULED_PROCEDURE_STEP_DESCRIPTION, VR::LO, protocol)
        .sq(tags::SCHEDULED_PROTOCOL_CODE_SEQUENCE, vec![scheduled_protocol])
        .s(tags::SCHEDULED_PROCEDURE_STEP_ID, VR::SH, "SPS-5501")
        .s(tags::REQUESTED_PROCEDURE_ID, VR::SH, "RP-5501");
    d.s(tags::MODALITY, VR::CS, modality)
        .s(tags::SERIES_DATE, VR::DA, "20230917")
        .s(tags::SERIES_TIME, VR::TM, "100930")
        .s(tags::SERIES_DESCRIPTION, VR::LO, protocol)
        .s(tags::PERFORMING_PHYSICIAN_NAME, VR::PN, s.performing)
        .s(tags::OPERATORS_NAME, VR::PN, s.operator)
        .sq(
            tags::REFERENCED_PERFORMED_PROCEDURE_STEP_SEQUENCE,
            vec![sop_ref("1.2.840.10008.3.1.2.3.3", &uid(7002))],
        )
        .sq(
            tags::RELATED_SERIES_SEQUENCE,
            vec![Ds::new()
                .s(tags::STUDY_INSTANCE_UID, VR::UI, &ids.study)
                .s(tags::SERIES_INSTANCE_UID, VR::UI, &uid(7003))
                .sq(tags::PURPOSE_OF_REFERENCE_CODE_SEQUENCE, vec![])],
        )
        .s(tags::BODY_PART_EXAMINED, VR::CS, body_part)
        .s(tags::PROTOCOL_NAME, VR::LO, protocol)
        .s(tags::PATIENT_POSITION, VR::CS, "HFS")
        .s(tags::SERIES_INSTANCE_UID, VR::UI, &ids.series)
        .s(tags::SERIES_NUMBER, VR::IS, ids.series_number)
        .s(tags::PERFORMED_PROCEDURE_STEP_START_DATE, VR::DA, "20230917")
        .s(tags::PERFORMED_PROCEDURE_STEP_START_TIME, VR::TM, "100400")
        .s(tags::PERFORMED_PROCEDURE_STEP_ID, VR::SH, "PPS-7781")
        .s(tags::PERFORMED_PROCEDURE_STEP_DESCRIPTION, VR::LO, protocol)
        .sq(tags::REQUEST_ATTRIBUTES_SEQUENCE, vec![request])
}

/// General Equipment module.
fn equipment_module(d: Ds, s: &Site) -> Ds {
    d.s(tags::MANUFACTURER, VR::LO, s.manufacturer)
        .s(tags::INSTITUTION_NAME, VR::LO, s.institution)
        .s(tags::INSTITUTION_ADDRESS, VR::ST, s.address)
        .s(tags::STATION_NAME, VR::SH, s.station)
        .s(tags::INSTITUTIONAL_DEPARTMENT_NAME, VR::LO, s.department)
        .s(tags::MANUFACTURER_MODEL_NAME, VR::LO, s.model)
        .s(tags::DEVICE_SERIAL_NUMBER, VR::LO, s.serial)
        .s(tags::DEVICE_UID, VR::UI, &uid(s.device_uid))
        .s(tags::SOFTWARE_VERSIONS, VR::LO, s.software)
        .s(tags::DATE_OF_LAST_CALIBRATION, VR::DA, "20230901")
        .s(tags::TIME_OF_LAST_CALIBRATION, VR::TM, "073000")
}

/// Frame of Reference module.
fn frame_of_reference(d: Ds, ids: &Ids) -> Ds {
    d.s(tags::FRAME_OF_REFERENCE_UID, VR::UI, &ids.frame_of_reference)
        .s(tags::POSITION_REFERENCE_INDICATOR, VR::LO, "")
}

/// General Image and General Acquisition modules (without references).
fn general_image(d: Ds, ids: &Ids, acq_time: &str) -> Ds {
    d.s(tags::ACQUISITION_DATE, VR::DA, "20230917")
        .s(tags::CONTENT_DATE, VR::DA, "20230917")
        .s(
            tags::ACQUISITION_DATE_TIME,
            VR::DT,
            &format!("20230917{acq_time}+0100"),
        )
        .s(tags::ACQUISITION_TIME, VR::TM, acq_time)
        .s(tags::CONTENT_TIME, VR::TM, acq_time)
        .s(tags::ACQUISITION_NUMBER, VR::IS, "1")
        .s(tags::INSTANCE_NUMBER, VR::IS, ids.instance_number)
        .s(tags::PATIENT_ORIENTATION, VR::CS, "L\\P")
        .s(
            tags::IMAGE_COMMENTS,
            VR::LT,
            "Compared with prior exam of 2022-03-14 (09:30); no change.",
        )
        .s(tags::BURNED_IN_ANNOTATION, VR::CS, "NO")
        .s(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00")
}

/// Image Plane module for a 16x16 axial slice.
fn image_plane(d: Ds, z: &str) -> Ds {
    d.s(tags::SLICE_THICKNESS, VR::DS, "5")
        .s(tags::IMAGE_POSITION_PATIENT, VR::DS, &format!("-180\\-180\\{z}"))
        .s(tags::IMAGE_ORIENTATION_PATIENT, VR::DS, "1\\0\\0\\0\\1\\0")
        .s(tags::SLICE_LOCATION, VR::DS, z)
        .s(tags::PIXEL_SPACING, VR::DS, "22.5\\22.5")
}

/// Image Pixel module for 16x16 MONOCHROME2, 16 bits allocated, 12 stored.
fn image_pixel_16(d: Ds, seed: u16) -> Ds {
    d.us(tags::SAMPLES_PER_PIXEL, &[1])
        .s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2")
        .us(tags::ROWS, &[16])
        .us(tags::COLUMNS, &[16])
        .us(tags::BITS_ALLOCATED, &[16])
        .us(tags::BITS_STORED, &[12])
        .us(tags::HIGH_BIT, &[11])
        .us(tags::PIXEL_REPRESENTATION, &[0])
        .s(tags::WINDOW_CENTER, VR::DS, "40")
        .s(tags::WINDOW_WIDTH, VR::DS, "400")
        .pixels_ow(pixels_u16(16, 16, seed))
}

/// CT Image module attributes other than the pixel description.
fn ct_acquisition(d: Ds) -> Ds {
    d.s(tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY\\AXIAL")
        .s(tags::KVP, VR::DS, "120")
        .s(tags::DATA_COLLECTION_DIAMETER, VR::DS, "500")
        .s(tags::RECONSTRUCTION_DIAMETER, VR::DS, "360")
        .s(tags::DISTANCE_SOURCE_TO_DETECTOR, VR::DS, "1085.6")
        .s(tags::DISTANCE_SOURCE_TO_PATIENT, VR::DS, "595")
        .s(tags::GANTRY_DETECTOR_TILT, VR::DS, "0")
        .s(tags::TABLE_HEIGHT, VR::DS, "160")
        .s(tags::ROTATION_DIRECTION, VR::CS, "CW")
        .s(tags::EXPOSURE_TIME, VR::IS, "500")
        .s(tags::X_RAY_TUBE_CURRENT, VR::IS, "200")
        .s(tags::EXPOSURE, VR::IS, "100")
        .s(tags::FILTER_TYPE, VR::SH, "BODY FILTER")
        .s(tags::GENERATOR_POWER, VR::IS, "24")
        .s(tags::FOCAL_SPOTS, VR::DS, "0.7")
        .s(tags::CONVOLUTION_KERNEL, VR::SH, "STANDARD")
        .fd(tags::REVOLUTION_TIME, 0.5)
        .fd(tags::SPIRAL_PITCH_FACTOR, 0.984375)
        .fd(tags::CTD_IVOL, 7.25)
        .s(tags::RESCALE_INTERCEPT, VR::DS, "-1024")
        .s(tags::RESCALE_SLOPE, VR::DS, "1")
        .s(tags::RESCALE_TYPE, VR::LO, "HU")
}

/// Private blocks: `GEMS_ACQU_01` (on the PS3.15 safe-private list) at `block` in group
/// 0019, and `ACME_PHI_01` (not on the list) in group 0029 holding the patient's name and
/// birth date, a multi-valued UI and free text.
fn private_blocks(d: Ds, p: &Patient, gems_block: u8) -> Ds {
    let uids = format!("{}\\{}\\{}", uid(7101), uid(7102), uid(7103));
    let note = format!("Scanned {} ({}) after fall at home", p.name, p.id);
    d.private_block(
        0x0019,
        gems_block,
        "GEMS_ACQU_01",
        &[
            (0x23, VR::DS, "39.375"),
            (0x24, VR::DS, "12.5"),
            (0x27, VR::DS, "0.5"),
        ],
    )
    .private_block(
        0x0029,
        0x10,
        "ACME_PHI_01",
        &[
            (
                0x01,
                VR::LO,
                p.name.split('^').take(2).collect::<Vec<_>>().join(" ").as_str(),
            ),
            (0x02, VR::DA, p.birth_date),
            (0x03, VR::UI, &uids),
            (0x04, VR::LT, &note),
        ],
    )
}

/// A rich CT image in the given patient/site; `refs` are the SOP Instance UIDs of sibling
/// images referenced in the Referenced Image Sequence.
fn ct_image(p: &Patient, s: &Site, ids: &Ids, refs: &[&str], gems_block: u8, z: &str) -> Ds {
    let d = sop_common(Ds::new(), "ISO_IR 100", uids::CT_IMAGE_STORAGE, ids);
    let d = patient_module(d, p);
    let d = study_module(d, p, s, ids, "CT chest");
    let d = series_module(d, "CT", s, ids, "Chest routine 5mm", "CHEST");
    let d = equipment_module(d, s);
    let d = frame_of_reference(d, ids);
    let d = general_image(d, ids, "100512.125");
    let ref_items = refs
        .iter()
        .map(|r| {
            sop_ref(uids::CT_IMAGE_STORAGE, r).sq(
                tags::PURPOSE_OF_REFERENCE_CODE_SEQUENCE,
                vec![code("121311", "DCM", "Localizer")],
            )
        })
        .collect();
    let d = d
        .sq(tags::REFERENCED_IMAGE_SEQUENCE, ref_items)
        .sq(
            tags::SOURCE_IMAGE_SEQUENCE,
            vec![sop_ref(uids::CT_IMAGE_STORAGE, &uid(7004))],
        )
        .s(
            tags::IRRADIATION_EVENT_UID,
            VR::UI,
            &format!("{}\\{}", uid(7005), uid(7006)),
        );
    let d = image_plane(d, z);
    let d = ct_acquisition(d);
    let d = image_pixel_16(d, 0);
    private_blocks(d, p, gems_block)
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/// `ct_explicit_le.dcm`: the rich CT header (patient, study, series, equipment, image, nested
/// sequences with UIDs, VM>1 UI, safe and unsafe private blocks), Explicit VR Little Endian.
fn ct_explicit_le() -> GenResult<Vec<u8>> {
    let ids = Ids::from_base(100, "ACC-2023-0917", "ST-1001");
    // Two other slices of the same (otherwise not generated) series.
    let siblings = [uid(110), uid(111)];
    let refs: Vec<&str> = siblings.iter().map(String::as_str).collect();
    encode(
        ct_image(&JANE, &NORDSTADT, &ids, &refs, 0x10, "-52.5"),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    )
}

/// `mr_implicit_le.dcm`: an MR image in Implicit VR Little Endian; its private elements read
/// back with VR UN.
fn mr_implicit_le() -> GenResult<Vec<u8>> {
    let ids = Ids::from_base(200, "ACC-MR-5521", "ST-2001");
    let d = sop_common(Ds::new(), "ISO_IR 100", uids::MR_IMAGE_STORAGE, &ids);
    let d = patient_module(d, &OTTO);
    let d = study_module(d, &OTTO, &RIVERSIDE, &ids, "MR brain");
    let d = series_module(d, "MR", &RIVERSIDE, &ids, "Brain T1 SE", "BRAIN");
    let d = equipment_module(d, &RIVERSIDE);
    let d = frame_of_reference(d, &ids);
    let d = general_image(d, &ids, "141501")
        .sq(
            tags::REFERENCED_IMAGE_SEQUENCE,
            vec![sop_ref(uids::MR_IMAGE_STORAGE, &uid(210))],
        )
        .s(tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY\\OTHER")
        .s(tags::SCANNING_SEQUENCE, VR::CS, "SE")
        .s(tags::SEQUENCE_VARIANT, VR::CS, "NONE")
        .s(tags::SCAN_OPTIONS, VR::CS, "")
        .s(tags::MR_ACQUISITION_TYPE, VR::CS, "2D")
        .s(tags::REPETITION_TIME, VR::DS, "500")
        .s(tags::ECHO_TIME, VR::DS, "15")
        .s(tags::ECHO_TRAIN_LENGTH, VR::IS, "1")
        .s(tags::IMAGED_NUCLEUS, VR::SH, "1H")
        .s(tags::MAGNETIC_FIELD_STRENGTH, VR::DS, "3")
        .s(tags::SPACING_BETWEEN_SLICES, VR::DS, "5")
        .s(tags::ECHO_NUMBERS, VR::IS, "1");
    let d = image_plane(d, "12.5");
    let d = image_pixel_16(d, 5);
    let d = private_blocks(d, &OTTO, 0x10);
    encode(d, uids::IMPLICIT_VR_LITTLE_ENDIAN)
}

/// `ct_explicit_be.dcm`: a CT in the retired Explicit VR Big Endian transfer syntax.
fn ct_explicit_be() -> GenResult<Vec<u8>> {
    let ids = Ids::from_base(300, "ACC-BE-0001", "ST-3001");
    let sibling = uid(310);
    encode(
        ct_image(&JANE, &NORDSTADT, &ids, &[&sibling], 0x10, "-47.5"),
        EXPLICIT_VR_BIG_ENDIAN,
    )
}

/// `ct_deflated.dcm`: a CT in Deflated Explicit VR Little Endian.
fn ct_deflated() -> GenResult<Vec<u8>> {
    let ids = Ids::from_base(400, "ACC-DF-0001", "ST-4001");
    let sibling = uid(410);
    encode(
        ct_image(&JANE, &NORDSTADT, &ids, &[&sibling], 0x10, "-42.5"),
        uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    )
}

/// `us_multiframe.dcm`: Ultrasound Multi-frame, 3 frames of 16x16 8-bit, with
/// Burned In Annotation YES.
fn us_multiframe() -> GenResult<Vec<u8>> {
    let ids = Ids::from_base(500, "ACC-US-0303", "ST-5001");
    let d = sop_common(
        Ds::new(),
        "ISO_IR 100",
        uids::ULTRASOUND_MULTI_FRAME_IMAGE_STORAGE,
        &ids,
    );
    let d = patient_module(d, &ALICE);
    let d = study_module(d, &ALICE, &RIVERSIDE, &ids, "US abdomen");
    let d = series_module(d, "US", &RIVERSIDE, &ids, "Abdomen survey", "ABDOMEN");
    let d = equipment_module(d, &RIVERSIDE);
    let d = general_image(d, &ids, "091500")
        .s(tags::BURNED_IN_ANNOTATION, VR::CS, "YES")
        .s(tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY\\ABDOMINAL\\0001")
        .s(tags::FRAME_TIME, VR::DS, "33.3")
        .s(tags::CINE_RATE, VR::IS, "30")
        .s(tags::NUMBER_OF_FRAMES, VR::IS, "3")
        .at(tags::FRAME_INCREMENT_POINTER, tags::FRAME_TIME)
        .us(tags::SAMPLES_PER_PIXEL, &[1])
        .s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2")
        .us(tags::ROWS, &[16])
        .us(tags::COLUMNS, &[16])
        .us(tags::BITS_ALLOCATED, &[8])
        .us(tags::BITS_STORED, &[8])
        .us(tags::HIGH_BIT, &[7])
        .us(tags::PIXEL_REPRESENTATION, &[0])
        .pixels_ob(pixels_u8(16, 16, 3));
    let d = d.private_block(
        0x0029,
        0x10,
        "ACME_PHI_01",
        &[(0x01, VR::LO, "Alice Smith"), (0x02, VR::DA, ALICE.birth_date)],
    );
    encode(d, uids::EXPLICIT_VR_LITTLE_ENDIAN)
}

/// A real baseline JPEG (SOF0) of a 16x16 8-bit grayscale image, padded to even length.
fn tiny_jpeg() -> GenResult<Vec<u8>> {
    let pixels = pixels_u8(16, 16, 1);
    let mut out = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    encoder.encode(&pixels, 16, 16, jpeg_encoder::ColorType::Luma)?;
    if out.len() % 2 == 1 {
        out.push(0);
    }
    Ok(out)
}

/// `sc_jpeg_baseline.dcm`: Secondary Capture with encapsulated JPEG Baseline pixel data
/// (empty basic offset table, one fragment).
fn sc_jpeg_baseline() -> GenResult<Vec<u8>> {
    let ids = Ids::from_base(600, "ACC-SC-0600", "ST-6001");
    let d = sop_common(
        Ds::new(),
        "ISO_IR 100",
        uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
        &ids,
    );
    let d = patient_module(d, &JANE);
    let d = study_module(d, &JANE, &NORDSTADT, &ids, "Screenshot");
    let d = series_module(d, "OT", &NORDSTADT, &ids, "Captured report", "CHEST");
    let d = equipment_module(d, &NORDSTADT)
        .s(tags::CONVERSION_TYPE, VR::CS, "WSD")
        .s(
            tags::SECONDARY_CAPTURE_DEVICE_MANUFACTURER,
            VR::LO,
            "ACME Capture",
        )
        .s(
            tags::SECONDARY_CAPTURE_DEVICE_MANUFACTURER_MODEL_NAME,
            VR::LO,
            "Grabber 1",
        );
    let d = general_image(d, &ids, "101700")
        .s(tags::IMAGE_TYPE, VR::CS, "DERIVED\\SECONDARY")
        .s(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "01")
        .s(tags::LOSSY_IMAGE_COMPRESSION_RATIO, VR::DS, "1.5")
        .s(tags::LOSSY_IMAGE_COMPRESSION_METHOD, VR::CS, "ISO_10918_1")
        .us(tags::SAMPLES_PER_PIXEL, &[1])
        .s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2")
        .us(tags::ROWS, &[16])
        .us(tags::COLUMNS, &[16])
        .us(tags::BITS_ALLOCATED, &[8])
        .us(tags::BITS_STORED, &[8])
        .us(tags::HIGH_BIT, &[7])
        .us(tags::PIXEL_REPRESENTATION, &[0])
        .pixels_encapsulated(vec![tiny_jpeg()?]);
    encode(d, uids::JPEG_BASELINE8_BIT)
}

/// `pn_utf8.dcm`: Specific Character Set ISO_IR 192 with person names that have five
/// components, non-ASCII letters and ideographic/phonetic component groups.
fn pn_utf8() -> GenResult<Vec<u8>> {
    let ids = Ids::from_base(700, "ACC-UTF-0700", "ST-7001");
    let d = sop_common(
        Ds::new(),
        "ISO_IR 192",
        uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
        &ids,
    )
    .s(
        tags::PATIENT_NAME,
        VR::PN,
        "Müller^Jürgen^K^Dr^III=ミュラー^ユルゲン=myura^yurugen",
    )
    .s(tags::PATIENT_ID, VR::LO, "PID-ÄÖÜ-700")
    .s(tags::PATIENT_BIRTH_DATE, VR::DA, "19700707")
    .s(tags::PATIENT_SEX, VR::CS, "M")
    .s(tags::PATIENT_ADDRESS, VR::LO, "Straße der Erfindung 5, Großstadt")
    .s(tags::STUDY_DATE, VR::DA, "20230917")
    .s(tags::STUDY_TIME, VR::TM, "120000")
    .s(tags::ACCESSION_NUMBER, VR::SH, ids.accession)
    .s(
        tags::REFERRING_PHYSICIAN_NAME,
        VR::PN,
        "Šimková^Zoë^^Dr.^=志村^瑞恵=しむら^みずえ",
    )
    .s(
        tags::STUDY_DESCRIPTION,
        VR::LO,
        "Röntgen Thorax für Müller, Jürgen",
    )
    .s(tags::STUDY_INSTANCE_UID, VR::UI, &ids.study)
    .s(tags::STUDY_ID, VR::SH, ids.study_id)
    .s(tags::MODALITY, VR::CS, "OT")
    .s(tags::BODY_PART_EXAMINED, VR::CS, "CHEST")
    .s(tags::MANUFACTURER, VR::LO, "ACME Medical Systems")
    .s(tags::OPERATORS_NAME, VR::PN, "Øster^Åsa")
    .s(tags::PERFORMING_PHYSICIAN_NAME, VR::PN, "Çelik^Gülşen^^Dr.^")
    .s(tags::SERIES_INSTANCE_UID, VR::UI, &ids.series)
    .s(tags::SERIES_NUMBER, VR::IS, ids.series_number)
    .s(tags::INSTITUTION_NAME, VR::LO, "Universitätsklinikum Nirgendwo")
    .s(tags::CONVERSION_TYPE, VR::CS, "WSD")
    .s(tags::INSTANCE_NUMBER, VR::IS, ids.instance_number)
    .s(tags::PATIENT_ORIENTATION, VR::CS, "")
    .s(
        tags::IMAGE_COMMENTS,
        VR::LT,
        "Befund an Frau Dr. Šimková übermittelt am 18.09.2023",
    )
    .s(tags::BURNED_IN_ANNOTATION, VR::CS, "NO")
    .us(tags::SAMPLES_PER_PIXEL, &[1])
    .s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2")
    .us(tags::ROWS, &[8])
    .us(tags::COLUMNS, &[8])
    .us(tags::BITS_ALLOCATED, &[8])
    .us(tags::BITS_STORED, &[8])
    .us(tags::HIGH_BIT, &[7])
    .us(tags::PIXEL_REPRESENTATION, &[0])
    .pixels_ob(pixels_u8(8, 8, 1));
    encode(d, uids::EXPLICIT_VR_LITTLE_ENDIAN)
}

/// The four images of `study/`: two CT series of one patient sharing the Study Instance UID
/// and Frame of Reference UID, each image referencing another image's SOP Instance UID.
/// `series2/img1.dcm` reserves the safe-listed `GEMS_ACQU_01` creator at block 0x11 (after an
/// unsafe creator at 0x10), so its elements sit at (0019,11xx).
fn study_files() -> GenResult<Vec<(String, Vec<u8>)>> {
    let study = uid(900);
    let frame_of_reference = uid(901);
    let series = [uid(910), uid(920)];
    let sops = [[uid(911), uid(912)], [uid(921), uid(922)]];
    // (series index, image index) -> (series index, image index) it references.
    let references = [[(0, 1), (0, 0)], [(0, 0), (0, 1)]];
    let mut out = Vec::new();
    for si in 0..2 {
        for ii in 0..2 {
            let ids = Ids {
                study: study.clone(),
                series: series[si].clone(),
                sop: sops[si][ii].clone(),
                frame_of_reference: frame_of_reference.clone(),
                series_number: ["1", "2"][si],
                instance_number: ["1", "2"][ii],
                accession: "ACC-STUDY-0900",
                study_id: "ST-9001",
            };
            let (rs, ri) = references[si][ii];
            let z = ["-10", "-5"][ii];
            let mut d = if si == 1 && ii == 0 {
                let d = ct_image(&ALICE, &NORDSTADT, &ids, &[&sops[rs][ri]], 0x11, z);
                d.private_block(
                    0x0019,
                    0x10,
                    "ACME_RECON_02",
                    &[(0x01, VR::LO, "Nordstadt recon B")],
                )
            } else {
                ct_image(&ALICE, &NORDSTADT, &ids, &[&sops[rs][ri]], 0x10, z)
            };
            if si == 1 {
                d = d
                    .s(tags::IMAGE_TYPE, VR::CS, "DERIVED\\SECONDARY\\AXIAL")
                    .s(tags::SERIES_DESCRIPTION, VR::LO, "Chest soft tissue recon")
                    .s(
                        tags::DERIVATION_DESCRIPTION,
                        VR::ST,
                        "Re-reconstructed from series 1",
                    )
                    .sq(
                        tags::SOURCE_IMAGE_SEQUENCE,
                        vec![sop_ref(uids::CT_IMAGE_STORAGE, &sops[0][ii])],
                    );
            }
            let path = format!("study/series{}/img{}.dcm", si + 1, ii + 1);
            out.push((path, encode(d, uids::EXPLICIT_VR_LITTLE_ENDIAN)?));
        }
    }
    Ok(out)
}

/// `demo.dcm`: the rich CT header with the most PHI, for teaching: more names, IDs, dates,
/// addresses, free text about the patient, and both kinds of private blocks.
fn demo() -> GenResult<Vec<u8>> {
    let ids = Ids::from_base(1000, "DEMO-ACC-271828", "DEMO-ST-1");
    let sibling = uid(1010);
    let d = ct_image(&DEMO, &NORDSTADT, &ids, &[&sibling], 0x10, "-30")
        .s(tags::PATIENT_BIRTH_TIME, VR::TM, "0615")
        .s(tags::PATIENT_BIRTH_NAME, VR::PN, "Example^Robert")
        .s(
            MEDICAL_RECORD_LOCATOR,
            VR::LO,
            "Basement archive shelf 12, box ROBERT-EX",
        )
        .s(tags::MILITARY_RANK, VR::LO, "Captain (retired)")
        .s(tags::BRANCH_OF_SERVICE, VR::LO, "Imaginary Navy")
        .s(tags::COUNTRY_OF_RESIDENCE, VR::LO, "Utopia")
        .s(tags::REGION_OF_RESIDENCE, VR::LO, "North Nowhere")
        .s(tags::PATIENT_RELIGIOUS_PREFERENCE, VR::LO, "Pastafarian")
        .s(
            tags::MEDICAL_ALERTS,
            VR::LO,
            "Allergic to iodine contrast (reported by R. Example)",
        )
        .s(tags::RESPONSIBLE_PERSON, VR::PN, "Example^Jenny")
        .s(tags::RESPONSIBLE_PERSON_ROLE, VR::CS, "CHILD")
        .s(tags::PERSON_NAME, VR::PN, "Witness^Walter")
        .s(
            tags::REASON_FOR_THE_REQUESTED_PROCEDURE,
            VR::LO,
            "Robert Example, 71y, cough since 2023-08-01",
        )
        .s(tags::CONTENT_CREATOR_NAME, VR::PN, "Creator^Carla")
        .s(tags::STATION_NAME, VR::SH, "ROBERTS-CT")
        .private_block(
            0x0031,
            0x10,
            "ACME_NOTES_03",
            &[
                (0x01, VR::LT, "Called Mr Example on +0-555-0111 to reschedule."),
                (0x02, VR::PN, "Example^Robert^James"),
                (0x03, VR::DT, "20230917101200+0100"),
            ],
        );
    encode(d, uids::EXPLICIT_VR_LITTLE_ENDIAN)
}

// ---------------------------------------------------------------------------------------------
// Malformed files
// ---------------------------------------------------------------------------------------------

/// One element found by [`walk_explicit_le`].
#[derive(Debug, Clone)]
pub struct ElementPos {
    /// The element's tag.
    pub tag: Tag,
    /// Byte offset of the element header in the file.
    pub header: usize,
    /// Byte offset of the value length field.
    pub length_field: usize,
    /// Size of the value length field (2 or 4 bytes).
    pub length_size: usize,
    /// Byte offset of the value.
    pub value: usize,
    /// Value length, `None` when undefined.
    pub len: Option<usize>,
    /// Sequence nesting depth: 0 for top-level elements, 1 inside the items of a top-level
    /// sequence, and so on.
    pub depth: usize,
}

fn le16(b: &[u8], at: usize) -> GenResult<u16> {
    let s = b.get(at..at + 2).ok_or("walk: unexpected end of data")?;
    Ok(u16::from_le_bytes([s[0], s[1]]))
}

fn le32(b: &[u8], at: usize) -> GenResult<u32> {
    let s = b.get(at..at + 4).ok_or("walk: unexpected end of data")?;
    Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Walks a complete Explicit VR Little Endian file (preamble, meta group and dataset) and
/// lists every data element, including those inside sequence items. Item and delimiter
/// tags are not listed. Only what the fixtures use is supported.
pub fn walk_explicit_le(bytes: &[u8]) -> GenResult<Vec<ElementPos>> {
    if bytes.get(128..132) != Some(b"DICM".as_slice()) {
        return Err("walk: no DICM magic".into());
    }
    let mut out = Vec::new();
    let end = walk_elements(bytes, 132, bytes.len(), 0, &mut out)?;
    if end != bytes.len() {
        return Err("walk: trailing bytes".into());
    }
    Ok(out)
}

const UNDEFINED: u32 = 0xFFFF_FFFF;

/// Walks elements from `pos` until `end` or an item delimiter; returns the position after
/// the last element (after the delimiter, if one ended the list).
fn walk_elements(
    b: &[u8],
    mut pos: usize,
    end: usize,
    depth: usize,
    out: &mut Vec<ElementPos>,
) -> GenResult<usize> {
    while pos < end {
        let tag = Tag(le16(b, pos)?, le16(b, pos + 2)?);
        if tag == Tag(0xFFFE, 0xE00D) {
            return Ok(pos + 8);
        }
        let vr = b.get(pos + 4..pos + 6).ok_or("walk: unexpected end of data")?;
        let long = matches!(
            vr,
            b"OB"
                | b"OD"
                | b"OF"
                | b"OL"
                | b"OV"
                | b"OW"
                | b"SQ"
                | b"SV"
                | b"UC"
                | b"UN"
                | b"UR"
                | b"UT"
                | b"UV"
        );
        let (length_field, length_size, value) = if long {
            (pos + 8, 4, pos + 12)
        } else {
            (pos + 6, 2, pos + 8)
        };
        let raw = if long {
            le32(b, length_field)?
        } else {
            u32::from(le16(b, length_field)?)
        };
        let len = (raw != UNDEFINED).then_some(raw as usize);
        out.push(ElementPos {
            tag,
            header: pos,
            length_field,
            length_size,
            value,
            len,
            depth,
        });
        pos = match (vr, len) {
            (b"SQ", _) => walk_items(b, value, len.map(|l| value + l), depth + 1, out)?,
            (_, Some(l)) => value + l,
            (_, None) => skip_fragments(b, value)?,
        };
    }
    Ok(pos)
}

/// Walks the items of a sequence whose value starts at `pos`.
fn walk_items(
    b: &[u8],
    mut pos: usize,
    end: Option<usize>,
    depth: usize,
    out: &mut Vec<ElementPos>,
) -> GenResult<usize> {
    loop {
        if Some(pos) == end {
            return Ok(pos);
        }
        let tag = Tag(le16(b, pos)?, le16(b, pos + 2)?);
        let len = le32(b, pos + 4)?;
        match tag {
            Tag(0xFFFE, 0xE0DD) => return Ok(pos + 8),
            Tag(0xFFFE, 0xE000) if len == UNDEFINED => {
                pos = walk_elements(b, pos + 8, usize::MAX, depth, out)?;
            }
            Tag(0xFFFE, 0xE000) => {
                let item_end = pos + 8 + len as usize;
                pos = walk_elements(b, pos + 8, item_end, depth, out)?;
            }
            _ => return Err(format!("walk: unexpected {tag} in sequence").into()),
        }
    }
}

/// Skips an encapsulated pixel data fragment sequence starting at `pos`.
fn skip_fragments(b: &[u8], mut pos: usize) -> GenResult<usize> {
    loop {
        let tag = Tag(le16(b, pos)?, le16(b, pos + 2)?);
        let len = le32(b, pos + 4)? as usize;
        pos += 8;
        match tag {
            Tag(0xFFFE, 0xE0DD) => return Ok(pos),
            Tag(0xFFFE, 0xE000) => pos += len,
            _ => return Err(format!("walk: unexpected {tag} in fragments").into()),
        }
    }
}

/// Finds the first element with the given tag at the given depth.
fn find(elems: &[ElementPos], tag: Tag, depth: usize) -> GenResult<&ElementPos> {
    elems
        .iter()
        .find(|e| e.tag == tag && e.depth == depth)
        .ok_or_else(|| format!("walk: {tag} at depth {depth} not found").into())
}

/// The malformed files under `malformed/`, all derived from the bytes of `valid`, an
/// Explicit VR Little Endian fixture.
fn malformed(valid: &[u8]) -> GenResult<Vec<(&'static str, Vec<u8>)>> {
    let elems = walk_explicit_le(valid)?;
    let mut out: Vec<(&'static str, Vec<u8>)> = Vec::new();

    // Not DICOM at all, and nothing at all.
    out.push((
        "not_dicom.dcm",
        concat!(
            "This is a plain text file with a .dcm name, not DICOM.\n",
            "It is longer than a preamble and magic code (132 bytes), so a reader must\n",
            "reject it for the missing DICM magic, not for its size.\n",
            "Patient: Doe^Jane  ID: PID12345  Born: 1961-04-15\n",
        )
        .as_bytes()
        .to_vec(),
    ));
    out.push(("empty.dcm", Vec::new()));

    // Cut inside the 128-byte preamble.
    out.push(("truncated_preamble.dcm", valid[..60].to_vec()));

    // Cut in the middle of the Transfer Syntax UID value, inside the file meta group.
    let ts = find(&elems, tags::TRANSFER_SYNTAX_UID, 0)?;
    out.push((
        "truncated_meta.dcm",
        valid[..ts.value + ts.len.unwrap_or(0) / 2].to_vec(),
    ));

    // Cut inside the header of Patient Name (after the group and element numbers and VR).
    let pn = find(&elems, tags::PATIENT_NAME, 0)?;
    out.push(("truncated_header.dcm", valid[..pn.header + 5].to_vec()));

    // Cut in the middle of the Study Description value.
    let sd = find(&elems, tags::STUDY_DESCRIPTION, 0)?;
    out.push((
        "truncated_value.dcm",
        valid[..sd.value + sd.len.unwrap_or(0) / 2].to_vec(),
    ));

    // Cut in the middle of the UID at the deepest level of the Request Attributes Sequence.
    let deep = elems
        .iter()
        .filter(|e| e.tag == tags::UID)
        .max_by_key(|e| e.depth)
        .ok_or("walk: no nested (0040,A124)")?;
    if deep.depth < 3 {
        return Err("walk: nested UID is not deep enough".into());
    }
    out.push((
        "truncated_sequence.dcm",
        valid[..deep.value + deep.len.unwrap_or(0) / 2].to_vec(),
    ));

    // Study Description's 16-bit value length patched to 0xFFFE: far more than a LO holds
    // and more than the rest of the file.
    let mut bad = valid.to_vec();
    if sd.length_size != 2 || valid.len() - sd.value >= 0xFFFE {
        return Err("bad_length: unexpected layout".into());
    }
    bad[sd.length_field..sd.length_field + 2].copy_from_slice(&0xFFFEu16.to_le_bytes());
    out.push(("bad_length.dcm", bad));

    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/// Generates every fixture into `out_dir` (created if needed) and returns the list of files
/// written, in a fixed order.
pub fn generate(out_dir: &Path) -> GenResult<Vec<Generated>> {
    let ct = ct_explicit_le()?;
    let mut files: Vec<(String, Vec<u8>, bool)> = vec![
        ("ct_explicit_le.dcm".into(), ct.clone(), true),
        ("mr_implicit_le.dcm".into(), mr_implicit_le()?, true),
        ("ct_explicit_be.dcm".into(), ct_explicit_be()?, true),
        ("ct_deflated.dcm".into(), ct_deflated()?, true),
        ("us_multiframe.dcm".into(), us_multiframe()?, true),
        ("sc_jpeg_baseline.dcm".into(), sc_jpeg_baseline()?, true),
        ("pn_utf8.dcm".into(), pn_utf8()?, true),
        ("demo.dcm".into(), demo()?, true),
    ];
    for (path, bytes) in study_files()? {
        files.push((path, bytes, true));
    }
    for (name, bytes) in malformed(&ct)? {
        files.push((format!("malformed/{name}"), bytes, false));
    }

    let mut written = Vec::new();
    for (rel, bytes, valid) in files {
        let path: PathBuf = out_dir.join(&rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &bytes)?;
        written.push(Generated { path: rel, valid });
    }
    Ok(written)
}
