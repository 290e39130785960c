//! What the engine adds to every output: the PS3.15 de-identification markers, and a file
//! meta group that agrees with the new dataset.

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::{FileMetaTable, InMemDicomObject};

use crate::confidentiality::DIRECT_IDENTIFIERS;
use crate::dataset::{strings_of, text_of, Snapshot, TagPath};
use crate::diff::{Change, ChangeKind, Decision};
use crate::profile::{Action, ResolvedProfile};

/// LO values are at most 64 characters.
fn lo(text: String) -> String {
    text.chars().take(64).collect()
}

/// Plans Patient Identity Removed, De-identification Method (and its code sequence) and
/// Longitudinal Temporal Information Modified. Returns their entries and full elements.
pub fn plan_markers(
    obj: &InMemDicomObject,
    entries: &[Change],
    profile: &ResolvedProfile,
) -> (Vec<Change>, Vec<InMemElement>) {
    plan_markers_cleaned(obj, entries, profile, &[])
}

/// [`plan_markers`] of a file whose pixels the Clean Pixel Data Option cleaned, each of
/// `cleaned` saying what was blanked: Burned In Annotation becomes NO, code 113101 joins the
/// method codes, and Patient Identity Removed no longer waits on the annotation. With
/// `cleaned` empty, the markers of a file whose pixels are left as they are.
pub fn plan_markers_cleaned(
    obj: &InMemDicomObject,
    entries: &[Change],
    profile: &ResolvedProfile,
    cleaned: &[String],
) -> (Vec<Change>, Vec<InMemElement>) {
    let identity_kept = entries.iter().any(|e| {
        e.path.depth() == 0
            && DIRECT_IDENTIFIERS.contains(&e.path.tag)
            && e.kind == ChangeKind::Unchanged
            && e.before.as_ref().is_some_and(|b| !b.is_empty())
    });
    let burned_in = cleaned.is_empty()
        && text_of(obj, tags::BURNED_IN_ANNOTATION).is_some_and(|v| v.eq_ignore_ascii_case("YES"));
    let identity_removed = if identity_kept || burned_in { "NO" } else { "YES" };

    let mut method = vec![lo(format!("dpk profile {}", profile.name()))];
    method.extend(profile.methods().iter().map(|m| lo(m.meaning.clone())));
    if !profile.custom_layers().is_empty() {
        method.push(lo(format!(
            "with custom rules: {}",
            profile.custom_layers().join(", ")
        )));
    }
    if identity_kept {
        method.push("direct identifiers kept by the profile".into());
    }
    if burned_in {
        method.push("burned-in annotation in pixel data not removed".into());
    }
    let pixel_code = (!cleaned.is_empty()).then(|| crate::profile::MethodCode {
        code: crate::pixels::CLEAN_PIXEL_DATA_CODE.into(),
        meaning: crate::pixels::CLEAN_PIXEL_DATA_MEANING.into(),
    });
    if let Some(code) = &pixel_code {
        method.push(lo(code.meaning.clone()));
        method.extend(cleaned.iter().map(|c| lo(c.clone())));
    }

    let items: Vec<InMemDicomObject> = profile
        .methods()
        .iter()
        .chain(pixel_code.as_ref())
        .map(|m| {
            InMemDicomObject::from_element_iter([
                DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(m.code.as_str())),
                DataElement::new(
                    tags::CODING_SCHEME_DESIGNATOR,
                    VR::SH,
                    PrimitiveValue::from("DCM"),
                ),
                DataElement::new(
                    tags::CODE_MEANING,
                    VR::LO,
                    PrimitiveValue::from(lo(m.meaning.clone())),
                ),
            ])
        })
        .collect();

    let shifted = entries.iter().any(|e| {
        matches!(e.vr, VR::DA | VR::DT)
            && e.kind == ChangeKind::Replaced
            && e.decision
                .as_ref()
                .is_some_and(|d| matches!(d.action, Action::ShiftDate | Action::Clean))
    });
    let temporal = if shifted {
        "MODIFIED"
    } else if profile.has_option("retain-long-full-dates") {
        "UNMODIFIED"
    } else {
        "REMOVED"
    };

    let mut elements: Vec<InMemElement> = vec![
        DataElement::new(
            tags::PATIENT_IDENTITY_REMOVED,
            VR::CS,
            PrimitiveValue::from(identity_removed),
        ),
        DataElement::new(
            tags::DEIDENTIFICATION_METHOD,
            VR::LO,
            PrimitiveValue::Strs(method.into()),
        ),
        DataElement::new(
            tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
            VR::SQ,
            DataSetSequence::new(items, Length::UNDEFINED),
        ),
        DataElement::new(
            tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
            VR::CS,
            PrimitiveValue::from(temporal),
        ),
    ];
    if pixel_code.is_some() {
        elements.push(DataElement::new(
            tags::BURNED_IN_ANNOTATION,
            VR::CS,
            PrimitiveValue::from("NO"),
        ));
    }

    let changes = elements
        .iter()
        .map(|el| {
            let tag = el.header().tag;
            let before = obj.get(tag).map(|old| Snapshot::of(old.value()));
            let after = Snapshot::of(el.value());
            let kind = match &before {
                None => ChangeKind::Added,
                Some(b) if *b == after => ChangeKind::Unchanged,
                Some(_) => ChangeKind::Replaced,
            };
            let mut change = Change::new(TagPath::root(tag), el.vr(), kind, before, Some(after));
            change.decision = Some(Decision {
                action: Action::Dummy,
                requested: None,
                rule: "marker: PS3.15 E.1.1 de-identification markers".into(),
                note: None,
            });
            change
        })
        .collect();
    (changes, elements)
}

/// The new value of a top-level UI element, from the plan, when it is a valid UID: the meta
/// group follows the dataset only with values a reader of the meta group accepts.
pub(super) fn planned_uid(entries: &[Change], tag: Tag) -> Option<String> {
    let entry = entries
        .iter()
        .find(|e| e.path.depth() == 0 && e.path.tag == tag)?;
    match entry.after.as_ref()? {
        Snapshot::Primitive(p) => strings_of(p)
            .into_iter()
            .next()
            .filter(|u| crate::dataset::valid_uid(u)),
        _ => None,
    }
}

fn meta_change(
    tag: Tag,
    vr: VR,
    before: Option<&str>,
    after: Option<String>,
    rule: &'static str,
) -> Option<Change> {
    let before_s = before.map(|b| b.trim_end_matches(['\0', ' ']).to_string());
    if before_s == after {
        return None;
    }
    let kind = match (&before_s, &after) {
        (None, _) => ChangeKind::Added,
        (Some(_), None) => ChangeKind::Removed,
        _ => ChangeKind::Replaced,
    };
    let snap = |v: Option<String>| v.map(|s| Snapshot::primitive(PrimitiveValue::from(s)));
    let mut change = Change::new(TagPath::root(tag), vr, kind, snap(before_s), snap(after));
    change.decision = Some(Decision {
        action: if kind == ChangeKind::Removed {
            Action::Remove
        } else {
            Action::Dummy
        },
        requested: None,
        rule: rule.into(),
        note: None,
    });
    Some(change)
}

/// Plans the file meta group: Media Storage SOP Instance UID follows the dataset's (new) SOP
/// Instance UID, or is `orphan` when the data set gives none (a DICOMDIR; see the planner's
/// `orphaned_instance_uid`); the implementation is dpk; application entity titles and
/// private information, which can name the sending site, are removed.
pub fn plan_meta(meta: &FileMetaTable, entries: &[Change], orphan: Option<String>) -> Vec<Change> {
    let sop_instance = planned_uid(entries, tags::SOP_INSTANCE_UID)
        .or(orphan)
        .unwrap_or_default();
    // Without a valid SOP Class UID in the data set, the meta group keeps its own, unless it
    // is one that a reader of the meta group refuses (the reader fills a missing one from the
    // data set unchecked): an output must open again.
    let sop_class = planned_uid(entries, tags::SOP_CLASS_UID).unwrap_or_else(|| {
        let own = meta.media_storage_sop_class_uid();
        let digits = own
            .trim_end_matches(['\0', ' '])
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.');
        if digits {
            own.to_string()
        } else {
            String::new()
        }
    });
    let follows = "meta: follows the dataset";
    let dpk = "meta: written by dpk";
    let site = "meta: may name the sending site";
    [
        meta_change(
            tags::MEDIA_STORAGE_SOP_CLASS_UID,
            VR::UI,
            Some(&meta.media_storage_sop_class_uid),
            Some(sop_class),
            follows,
        ),
        meta_change(
            tags::MEDIA_STORAGE_SOP_INSTANCE_UID,
            VR::UI,
            Some(&meta.media_storage_sop_instance_uid),
            Some(sop_instance),
            follows,
        ),
        // The reader takes a transfer syntax padded with any white space (a tab, a new line);
        // other readers do not, and no UI value may hold it.
        meta_change(
            tags::TRANSFER_SYNTAX_UID,
            VR::UI,
            Some(&meta.transfer_syntax),
            Some(meta.transfer_syntax().to_string()),
            "meta: padding no UI value may hold, trimmed",
        ),
        meta_change(
            tags::IMPLEMENTATION_CLASS_UID,
            VR::UI,
            Some(&meta.implementation_class_uid),
            Some(super::IMPLEMENTATION_CLASS_UID.into()),
            dpk,
        ),
        meta_change(
            tags::IMPLEMENTATION_VERSION_NAME,
            VR::SH,
            meta.implementation_version_name(),
            Some(super::IMPLEMENTATION_VERSION_NAME.into()),
            dpk,
        ),
        meta_change(
            tags::SOURCE_APPLICATION_ENTITY_TITLE,
            VR::AE,
            meta.source_application_entity_title(),
            None,
            site,
        ),
        meta_change(
            tags::SENDING_APPLICATION_ENTITY_TITLE,
            VR::AE,
            meta.sending_application_entity_title(),
            None,
            site,
        ),
        meta_change(
            tags::RECEIVING_APPLICATION_ENTITY_TITLE,
            VR::AE,
            meta.receiving_application_entity_title(),
            None,
            site,
        ),
        meta_change(
            tags::PRIVATE_INFORMATION_CREATOR_UID,
            VR::UI,
            meta.private_information_creator_uid(),
            None,
            site,
        ),
        meta.private_information.as_ref().and_then(|_| {
            meta_change(
                tags::PRIVATE_INFORMATION,
                VR::OB,
                Some("(private information)"),
                None,
                site,
            )
        }),
    ]
    .into_iter()
    .flatten()
    .collect()
}
