//! Which attribute belongs to which risk category, as keyword lists (chosen from PS3.15
//! Table E.1-1: its U rows, the Clean Descriptors, Retain Device/Institution Identity and
//! Retain Patient Characteristics columns), resolved to tags once.

use std::sync::OnceLock;

use dicom_core::{Tag, VR};

use super::tag_table::TagTable;
use super::Category;
use crate::confidentiality::DIRECT_IDENTIFIERS;

/// Besides `confidentiality::DIRECT_IDENTIFIERS`: what names, reaches or files the patient.
pub const MORE_DIRECT_IDENTIFIERS: &[&str] = &[
    "PatientTelecomInformation",
    "ResponsiblePerson",
    "PersonName",
    "PersonAddress",
    "PersonTelephoneNumbers",
    "PersonTelecomInformation",
    "AdmissionID",
    "StudyID",
    "RequestedProcedureID",
    "PerformedProcedureStepID",
    "ScheduledProcedureStepID",
    "PlacerOrderNumberImagingServiceRequest",
    "FillerOrderNumberImagingServiceRequest",
    "ServiceEpisodeID",
    "ClinicalTrialSubjectID",
    "ClinicalTrialSubjectReadingID",
    "PatientInstitutionResidence",
    "CurrentPatientLocation",
    "CameraOwnerName",
];

/// Identifiers of the hospital's records rather than of the person (their reason differs).
pub const RECORD_IDENTIFIERS: &[&str] = &[
    "AccessionNumber",
    "AdmissionID",
    "StudyID",
    "RequestedProcedureID",
    "PerformedProcedureStepID",
    "ScheduledProcedureStepID",
    "PlacerOrderNumberImagingServiceRequest",
    "FillerOrderNumberImagingServiceRequest",
    "ServiceEpisodeID",
    "IssuerOfPatientID",
    "MedicalRecordLocator",
    "PatientInsurancePlanCodeSequence",
];

/// Patient characteristics (Retain Patient Characteristics column) and the like.
pub const QUASI_IDENTIFIERS: &[&str] = &[
    "PatientSex",
    "PatientAge",
    "PatientSize",
    "PatientWeight",
    "EthnicGroup",
    "EthnicGroupCodeSequence",
    "Occupation",
    "PatientReligiousPreference",
    "CountryOfResidence",
    "RegionOfResidence",
    "BranchOfService",
    "PatientSexNeutered",
    "PregnancyStatus",
    "SmokingStatus",
    "SpecialNeeds",
    "PatientSpeciesDescription",
    "PatientBreedDescription",
];

/// Dates by keyword besides every DA/DT element: times that are part of a person's life.
pub const DATES: &[&str] = &["PatientBirthTime"];

/// Descriptions and comments: the text VRs of the Clean Descriptors column and free-text rows.
pub const FREE_TEXT: &[&str] = &[
    "AcquisitionContextDescription",
    "AcquisitionDeviceProcessingDescription",
    "AcquisitionFieldOfViewLabel",
    "AcquisitionProtocolDescription",
    "AdditionalPatientHistory",
    "AdmittingDiagnosesDescription",
    "Allergies",
    "AnnotationGroupDescription",
    "AnnotationGroupLabel",
    "BeamDescription",
    "BolusDescription",
    "ChannelDerivationDescription",
    "ChannelLabel",
    "ClinicalTrialSeriesDescription",
    "ClinicalTrialTimePointDescription",
    "CommentsOnRadiationDose",
    "CommentsOnThePerformedProcedureStep",
    "CompensatorDescription",
    "ContainerDescription",
    "ContrastBolusAgent",
    "ContributionDescription",
    "DerivationDescription",
    "DoseReferenceDescription",
    "FixationDeviceDescription",
    "FractionGroupDescription",
    "FrameComments",
    "ImageComments",
    "ImagingServiceRequestComments",
    "InterlockDescription",
    "LabelText",
    "LongDeviceDescription",
    "MedicalAlerts",
    "PatientComments",
    "PatientSetupPhotoDescription",
    "PatientState",
    "PerformedProcedureStepDescription",
    "PrescriptionDescription",
    "PriorTreatmentDoseDescription",
    "ProtocolName",
    "ReasonForTheRequestedProcedure",
    "ReasonForVisit",
    "RequestedContrastAgent",
    "RequestedProcedureComments",
    "RequestedProcedureDescription",
    "RequestedSeriesDescription",
    "RequestingService",
    "ROIDescription",
    "ROIGenerationDescription",
    "ROIName",
    "RTPlanDescription",
    "RTPlanLabel",
    "RTPlanName",
    "ScheduledProcedureStepDescription",
    "SeriesDescription",
    "SetupTechniqueDescription",
    "ShieldingDeviceDescription",
    "SpecimenDetailedDescription",
    "SpecimenShortDescription",
    "StructureSetDescription",
    "StructureSetLabel",
    "StructureSetName",
    "StudyDescription",
    "TreatmentSite",
    "UnformattedTextValue",
    "VisitComments",
    "TextValue",
    "TextString",
    "BarcodeValue",
    "PatientTransportArrangements",
    "ConfidentialityConstraintOnPatientDataDescription",
];

/// Retired free-text attributes, still found in files.
pub const FREE_TEXT_RETIRED: &[&str] = &[
    "AcquisitionComments",
    "StudyComments",
    "ReasonForStudy",
    "IdentifyingComments",
    "InterpretationText",
    "Impressions",
    "ResultsComments",
    "ReasonForTheImagingServiceRequest",
];

/// Where the patient was seen: institution and device identity (the Retain Device Identity
/// and Retain Institution Identity columns, dates and UIDs left to their own categories).
pub const DEVICE_INSTITUTION: &[&str] = &[
    "InstitutionName",
    "InstitutionAddress",
    "InstitutionalDepartmentName",
    "InstitutionCodeSequence",
    "InstitutionalDepartmentTypeCodeSequence",
    "ReferringPhysicianAddress",
    "ReferringPhysicianTelephoneNumbers",
    "StationName",
    "StationAETitle",
    "DeviceSerialNumber",
    "DeviceDescription",
    "DeviceLabel",
    "DetectorID",
    "GantryID",
    "GeneratorID",
    "PlateID",
    "CassetteID",
    "SecondaryCaptureDeviceID",
    "SourceSerialNumber",
    "LensSerialNumber",
    "ManufacturerDeviceIdentifier",
    "UniqueDeviceIdentifier",
    "XRayDetectorID",
    "XRaySourceID",
    "TreatmentMachineName",
    "PerformedStationName",
    "PerformedStationAETitle",
    "ScheduledStationName",
    "ScheduledStationAETitle",
    "ScheduledProcedureStepLocation",
    "RequestedProcedureLocation",
    "ClinicalTrialSiteID",
    "ClinicalTrialSiteName",
    "ClinicalTrialCoordinatingCenterName",
    "ResponsibleOrganization",
    "HumanPerformerOrganization",
    "VerifyingOrganization",
    "ModifyingSystem",
    "SourceOfPreviousValues",
];

/// Instance UIDs: the U rows of Table E.1-1 (UI elements; the two sequences of that list are
/// scored by the UIDs inside them).
pub const INSTANCE_UIDS: &[&str] = &[
    "AcquisitionUID",
    "ConcatenationUID",
    "ConceptualVolumeUID",
    "ConstituentConceptualVolumeUID",
    "DeviceUID",
    "DigitalSignatureUID",
    "DimensionOrganizationUID",
    "DoseReferenceUID",
    "DosimetricObjectiveUID",
    "FailedSOPInstanceUIDList",
    "FiducialUID",
    "FrameOfReferenceUID",
    "InstanceCreatorUID",
    "IrradiationEventUID",
    "LargePaletteColorLookupTableUID",
    "ManufacturerDeviceClassUID",
    "MediaStorageSOPInstanceUID",
    "MultiplexGroupUID",
    "ObservationSubjectUIDTrial",
    "ObservationUID",
    "PaletteColorLookupTableUID",
    "PresentationDisplayCollectionUID",
    "PresentationSequenceCollectionUID",
    "PyramidUID",
    "ReferencedConceptualVolumeUID",
    "ReferencedDoseReferenceUID",
    "ReferencedDosimetricObjectiveUID",
    "ReferencedFiducialsUID",
    "ReferencedFrameOfReferenceUID",
    "ReferencedObservationUIDTrial",
    "ReferencedSOPInstanceUID",
    "ReferencedSOPInstanceUIDInFile",
    "ReferencedTreatmentPositionGroupUID",
    "RelatedFrameOfReferenceUID",
    "RequestedSOPInstanceUID",
    "RTTreatmentPhaseUID",
    "SeriesInstanceUID",
    "SOPInstanceUID",
    "SourceConceptualVolumeUID",
    "SourceFrameOfReferenceUID",
    "SpecimenUID",
    "StorageMediaFileSetUID",
    "StudyInstanceUID",
    "SynchronizationFrameOfReferenceUID",
    "TableTopPositionAlignmentUID",
    "TargetUID",
    "TemplateExtensionCreatorUID",
    "TemplateExtensionOrganizationUID",
    "TrackingUID",
    "TransactionUID",
    "TreatmentPositionGroupUID",
    "TreatmentSessionUID",
    "UID",
];

/// The lists above with their category, in order of precedence (first wins).
pub const LISTS: &[(Category, &[&str])] = &[
    (Category::DirectIdentifier, MORE_DIRECT_IDENTIFIERS),
    (Category::QuasiIdentifier, QUASI_IDENTIFIERS),
    (Category::Date, DATES),
    (Category::FreeText, FREE_TEXT),
    (Category::FreeText, FREE_TEXT_RETIRED),
    (Category::DeviceInstitution, DEVICE_INSTITUTION),
    (Category::Uid, INSTANCE_UIDS),
];

/// What the model knows about one attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttributeInfo {
    /// Its category.
    pub category: Category,
    /// Whether it identifies a record (accession number, study ID …) rather than a person.
    pub record: bool,
    /// Its PS3.6 keyword, as [`crate::dataset::keyword`] gives it (kept here so that scoring
    /// looks a listed attribute up once).
    pub keyword: Option<&'static str>,
}

/// The attribute → category table, built once.
fn table() -> &'static TagTable<AttributeInfo> {
    static TABLE: OnceLock<TagTable<AttributeInfo>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let record: Vec<Tag> = RECORD_IDENTIFIERS
            .iter()
            .filter_map(|k| crate::dataset::tag_of_keyword(k))
            .collect();
        let listed = DIRECT_IDENTIFIERS
            .iter()
            .map(|tag| (*tag, Category::DirectIdentifier))
            .chain(LISTS.iter().flat_map(|(category, list)| {
                list.iter()
                    .filter_map(|k| crate::dataset::tag_of_keyword(k))
                    .map(|tag| (tag, *category))
            }));
        // Of a tag in two lists, the first listing wins.
        TagTable::new(listed.map(|(tag, category)| {
            let info = AttributeInfo {
                category,
                record: record.contains(&tag),
                keyword: crate::dataset::keyword(tag),
            };
            (tag, info)
        }))
    })
}

/// What the lists say about an attribute, if they list it.
pub fn info(tag: Tag) -> Option<&'static AttributeInfo> {
    table().get(tag)
}

/// The category of an attribute the lists do not name: every DA/DT is a date and every PN a
/// person's name (a quasi-identifier).
pub fn category_of_vr(vr: VR) -> Option<Category> {
    match vr {
        VR::DA | VR::DT => Some(Category::Date),
        VR::PN => Some(Category::QuasiIdentifier),
        _ => None,
    }
}

/// The category of a public attribute with VR `vr`: by the lists, else every DA/DT is a date
/// and every other PN a person's name (a quasi-identifier). `None`: not scored.
pub fn category_of(tag: Tag, vr: Option<VR>) -> Option<Category> {
    match info(tag) {
        Some(info) => Some(info.category),
        None => category_of_vr(vr?),
    }
}
