//! Carrying a plan out: a new dataset built from the original and the plan's entries.

use std::collections::HashMap;

use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTable, InMemDicomObject};

use super::Plan;
use crate::dataset::{strings_of, DicomFile, Snapshot, TagPath};
use crate::diff::{Change, ChangeKind};
use crate::error::{Error, Result};

/// Applies `plan` to the file it was made from, consuming it (pixel data moves, it is never
/// copied). Elements the plan does not list are kept as they are.
pub fn apply(plan: &Plan, file: DicomFile) -> Result<DicomFile> {
    let mut index: HashMap<&TagPath, &Change> = plan.entries.iter().map(|c| (&c.path, c)).collect();
    // The markers are written whole from the plan, whatever the input held under their tags.
    let markers: Vec<TagPath> = plan
        .added
        .iter()
        .map(|el| TagPath::root(el.header().tag))
        .collect();
    for path in &markers {
        index.remove(path);
    }
    let meta = apply_meta(file.meta().clone(), &plan.meta);
    let mut obj = rebuild(file.into_inner(), None, &index)?;
    for el in &plan.added {
        obj.put(el.clone());
    }
    Ok(obj.with_exact_meta(meta))
}

fn rebuild(
    obj: InMemDicomObject,
    parent: Option<(&TagPath, u32)>,
    index: &HashMap<&TagPath, &Change>,
) -> Result<InMemDicomObject> {
    let mut out = InMemDicomObject::new_empty();
    for el in obj {
        let tag = el.header().tag;
        let vr = el.vr();
        let path = match parent {
            Some((p, i)) => p.child(i, tag),
            None => TagPath::root(tag),
        };
        let Some(change) = index.get(&path) else {
            out.put(el);
            continue;
        };
        match change.kind {
            ChangeKind::Removed => {}
            ChangeKind::Emptied if vr == VR::SQ => {
                out.put(DataElement::new(
                    tag,
                    VR::SQ,
                    DataSetSequence::<InMemDicomObject>::empty(),
                ));
            }
            ChangeKind::Emptied => {
                out.put(DataElement::new(tag, vr, PrimitiveValue::Empty));
            }
            ChangeKind::Replaced | ChangeKind::Added => match &change.after {
                Some(Snapshot::Primitive(v)) => {
                    out.put(DataElement::new(tag, vr, v.clone()));
                }
                _ => {
                    return Err(Error::Value {
                        path,
                        reason: "planned replacement has no primitive value".into(),
                    })
                }
            },
            ChangeKind::Unchanged => {
                let (header, value) = el.into_parts();
                match value {
                    Value::Sequence(seq) => {
                        let items = seq
                            .into_items()
                            .into_iter()
                            .enumerate()
                            .map(|(i, item)| rebuild(item, Some((&path, i as u32)), index))
                            .collect::<Result<Vec<_>>>()?;
                        out.put(DataElement::new(
                            header.tag,
                            VR::SQ,
                            DataSetSequence::new(items, Length::UNDEFINED),
                        ));
                    }
                    other => {
                        out.put(DataElement::new(header.tag, header.vr, other));
                    }
                }
            }
        }
    }
    Ok(out)
}

fn new_text(change: &Change) -> Option<String> {
    match change.after.as_ref()? {
        Snapshot::Primitive(p) => strings_of(p).into_iter().next(),
        _ => None,
    }
}

fn apply_meta(mut meta: FileMetaTable, changes: &[Change]) -> FileMetaTable {
    for c in changes {
        let text = new_text(c);
        match c.path.tag {
            tags::MEDIA_STORAGE_SOP_CLASS_UID => meta.media_storage_sop_class_uid = text.unwrap_or_default(),
            tags::MEDIA_STORAGE_SOP_INSTANCE_UID => {
                meta.media_storage_sop_instance_uid = text.unwrap_or_default()
            }
            tags::IMPLEMENTATION_CLASS_UID => meta.implementation_class_uid = text.unwrap_or_default(),
            tags::IMPLEMENTATION_VERSION_NAME => meta.implementation_version_name = text,
            tags::SOURCE_APPLICATION_ENTITY_TITLE => meta.source_application_entity_title = text,
            tags::SENDING_APPLICATION_ENTITY_TITLE => meta.sending_application_entity_title = text,
            tags::RECEIVING_APPLICATION_ENTITY_TITLE => meta.receiving_application_entity_title = text,
            tags::PRIVATE_INFORMATION_CREATOR_UID => meta.private_information_creator_uid = text,
            tags::PRIVATE_INFORMATION => meta.private_information = None,
            _ => {}
        }
    }
    meta.update_information_group_length();
    meta
}
