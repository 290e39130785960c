//! Which UIDs name something the DICOM standard (or another registry) defines, rather than an
//! instance, series, study, frame of reference or other entity of one patient.
//!
//! A UID of the first kind identifies no one and must stay: a SOP class, a transfer syntax, a
//! coding scheme, a well-known frame of reference, a context group. A UID of the second kind
//! can be linked back to the hospital's records and is replaced wherever it occurs, whatever
//! attribute holds it.

use dicom_core::dictionary::UidDictionary;
use dicom_core::Tag;
use dicom_dictionary_std::{tags, StandardSopClassDictionary};

/// The DICOM root (PS3.5 9.1). Every UID under it is one of PS3.6 Annex A's registry (SOP
/// classes, transfer syntaxes, well-known frames of reference 1.2.840.10008.1.4.*, context
/// groups 1.2.840.10008.6.*, mapping resources, coding schemes 1.2.840.10008.2.16.*): an
/// instance UID under it occurs only for the well-known SOP instances the registry lists.
const DICOM_ROOT: &str = "1.2.840.10008.";

/// HL7's root of code systems (PS3.16 Table 8-1 gives SNOMED CT, LOINC, UCUM, ICD … under
/// it): a coding scheme, never a patient's entity.
const HL7_CODE_SYSTEMS: &str = "2.16.840.1.113883.6.";

/// Whether a UID is a registry UID (see the module's doc): one defined by the standard or by
/// HL7's code system registry, kept wherever it occurs.
pub fn is_registry_uid(uid: &str) -> bool {
    let uid = uid.trim_end_matches(['\0', ' ']);
    uid.starts_with(DICOM_ROOT)
        || uid.starts_with(HL7_CODE_SYSTEMS)
        || StandardSopClassDictionary.by_uid(uid).is_some()
}

/// Attributes whose value names a class, a transfer syntax or a coding scheme, never an
/// entity: kept with any value (a vendor's private SOP class or coding scheme included, which
/// the file needs to be read as what it is).
#[allow(deprecated)] // Original Specialized SOP Class UID is still found in files
const CLASS_VALUED: &[Tag] = &[
    Tag(0x0000, 0x0002), // Affected SOP Class UID
    Tag(0x0000, 0x0003), // Requested SOP Class UID
    tags::SOP_CLASS_UID,
    tags::REFERENCED_SOP_CLASS_UID,
    tags::REFERENCED_SOP_CLASS_UID_IN_FILE,
    tags::REFERENCED_TRANSFER_SYNTAX_UID_IN_FILE,
    tags::RELATED_GENERAL_SOP_CLASS_UID,
    tags::ORIGINAL_SPECIALIZED_SOP_CLASS_UID,
    tags::SOP_CLASSES_IN_STUDY,
    tags::CODING_SCHEME_UID,
    tags::CONTEXT_UID,
    tags::MAPPING_RESOURCE_UID,
    tags::MAC_CALCULATION_TRANSFER_SYNTAX_UID,
    tags::ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID,
    tags::TRANSFER_SYNTAX_UID,
];

/// Whether the attribute's value names a class or a syntax (see [`CLASS_VALUED`]).
pub fn names_a_class(tag: Tag) -> bool {
    CLASS_VALUED.contains(&tag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_dictionary_std::uids;

    #[test]
    fn registry_uids_are_recognised() {
        for uid in [
            uids::CT_IMAGE_STORAGE,
            uids::EXPLICIT_VR_LITTLE_ENDIAN,
            "1.2.840.10008.1.4.1.1",  // Talairach brain atlas frame of reference
            "1.2.840.10008.6.1.308",  // a context group
            "2.16.840.1.113883.6.96", // SNOMED CT
            "1.2.840.10008.5.1.4.1.1.2\0",
        ] {
            assert!(is_registry_uid(uid), "{uid}");
        }
        for uid in [
            "1.2.826.0.1.3680043.10.543.1",
            "2.25.1234",
            "1.2.840.113619.2.55.3",
        ] {
            assert!(!is_registry_uid(uid), "{uid}");
        }
    }

    #[test]
    fn class_valued_attributes() {
        assert!(names_a_class(tags::SOP_CLASS_UID));
        assert!(names_a_class(tags::CODING_SCHEME_UID));
        assert!(!names_a_class(tags::SOP_INSTANCE_UID));
        assert!(!names_a_class(tags::CONCATENATION_UID));
    }
}
