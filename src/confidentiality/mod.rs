//! PS3.15 Annex E as data: the attribute Types that decide its combined action codes, and
//! which attributes identify the patient directly.
//!
//! The Basic Profile's rows themselves live in `profiles/basic.ron` and the option overlays in
//! `profiles/options/` (generated from Table E.1-1 and checked against it by a test).

pub mod iod;
pub mod registry;

use dicom_core::Tag;
use dicom_dictionary_std::tags;

/// Attributes that name or directly identify the patient. When a plan keeps any of them (the
/// profile chose `Keep`), Patient Identity Removed (0012,0062) is set to NO, not YES.
#[allow(deprecated)] // Other Patient IDs and Medical Record Locator are retired, still found in files
pub const DIRECT_IDENTIFIERS: &[Tag] = &[
    tags::PATIENT_NAME,
    tags::PATIENT_ID,
    tags::OTHER_PATIENT_I_DS,
    tags::OTHER_PATIENT_I_DS_SEQUENCE,
    tags::OTHER_PATIENT_NAMES,
    tags::PATIENT_BIRTH_NAME,
    tags::PATIENT_MOTHER_BIRTH_NAME,
    tags::PATIENT_ADDRESS,
    tags::PATIENT_TELEPHONE_NUMBERS,
    tags::PATIENT_BIRTH_DATE,
    tags::MEDICAL_RECORD_LOCATOR,
    tags::ISSUER_OF_PATIENT_ID,
    tags::ACCESSION_NUMBER,
    tags::MILITARY_RANK,
    tags::PATIENT_INSURANCE_PLAN_CODE_SEQUENCE,
];

/// Attributes that PS3.3 allows only while another one has a value (Type 1C/2C "may not be
/// present otherwise"): (parent, dependent). When a plan removes or empties the parent, the
/// dependent goes too, or the output would gain an IOD error the input did not have.
pub const DEPENDENTS: &[(Tag, Tag)] = &[
    // Patient module: Responsible Person Role is 1C, required if Responsible Person is
    // present and has a value.
    (tags::RESPONSIBLE_PERSON, tags::RESPONSIBLE_PERSON_ROLE),
];

/// The attributes of a coded entry (PS3.3 Table 8.8-1): a coded concept (a concept name, a
/// unit, a finding) identifies nobody. The planner keeps them inside a D or C sequence
/// (except in a code sequence that identifies a person), and verify never takes them for a
/// leak.
pub const CODED_ENTRY: &[dicom_core::Tag] = &[
    tags::CODE_VALUE,
    tags::CODING_SCHEME_DESIGNATOR,
    tags::CODING_SCHEME_VERSION,
    tags::CODE_MEANING,
    tags::LONG_CODE_VALUE,
    tags::URN_CODE_VALUE,
    tags::CONTEXT_IDENTIFIER,
    tags::CONTEXT_UID,
    tags::MAPPING_RESOURCE,
    tags::MAPPING_RESOURCE_UID,
    tags::MAPPING_RESOURCE_NAME,
    tags::CONTEXT_GROUP_EXTENSION_FLAG,
    tags::CONTEXT_GROUP_EXTENSION_CREATOR_UID,
    tags::CODING_SCHEME_UID,
];
