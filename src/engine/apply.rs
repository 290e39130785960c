//! Carrying a plan out: a new dataset built from the original and the plan's entries.

use std::cmp::Ordering;

use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::{FileMetaTable, InMemDicomObject};

use super::Plan;
use crate::dataset::{strings_of, DicomFile, Snapshot, TagPath};
use crate::diff::{Change, ChangeKind};
use crate::error::{Error, Result};

/// Applies `plan` to the file it was made from, consuming it (pixel data moves, it is never
/// copied). Elements the plan does not list are kept as they are.
pub fn apply(plan: &Plan, mut file: DicomFile) -> Result<DicomFile> {
    // The markers are written whole from the plan, whatever the input held under their tags.
    let markers: Vec<Tag> = plan.added.iter().map(|el| el.header().tag).collect();
    let mut entries = Entries::new(&plan.entries, &markers);
    apply_meta(file.meta_mut(), &plan.meta);
    let obj: &mut InMemDicomObject = &mut file;
    let original = std::mem::replace(obj, InMemDicomObject::new_empty());
    *obj = rebuild(original, None, &mut entries)?;
    for el in &plan.added {
        obj.put(el.clone());
    }
    crate::dataset::keep_input_bytes(obj);
    // Kept elements have the paths they had: items are rebuilt in their order, none dropped.
    keep_undecodable_text(plan, obj)?;
    Ok(file)
}

/// Whether the plan keeps the element at `path` as it is.
pub(crate) fn keeps(plan: &Plan, path: &TagPath) -> bool {
    plan.entry(path).is_none_or(|c| c.kind == ChangeKind::Unchanged)
}

/// Gives each kept text value the reader could not decode its input bytes (see
/// [`crate::dataset::InputText`]); refuses a kept value whose bytes are not known, which
/// would be written changed.
fn keep_undecodable_text(plan: &Plan, obj: &mut InMemDicomObject) -> Result<()> {
    let kept = |path: &TagPath| keeps(plan, path);
    let restored = plan.input_text.restore(obj, kept);
    match plan.input_text.unrestorable(obj, &restored, kept) {
        None => Ok(()),
        Some(path) => Err(Error::UndecodableText {
            path,
            // Named as the standard names it, never with the file's own text.
            charset: crate::dataset::text_of(obj, tags::SPECIFIC_CHARACTER_SET)
                .and_then(|declared| {
                    let first = declared.split('\\').next().unwrap_or_default().trim().to_string();
                    dicom_encoding::text::SpecificCharacterSet::from_code(&first)
                })
                .map_or_else(
                    || "the default character set".into(),
                    |set| {
                        use dicom_encoding::text::TextCodec;
                        set.name().into_owned()
                    },
                ),
        }),
    }
}

/// The plan's entries in the order [`rebuild`] visits elements, so that each element's entry
/// is found by walking both together rather than by hashing every path.
struct Entries<'p> {
    /// In visiting order, one entry per path: of entries with the same path, the last.
    sorted: Vec<&'p Change>,
    /// The first entry not yet passed.
    next: usize,
}

impl<'p> Entries<'p> {
    /// The entries of `entries`, but none of the top-level elements with a tag in `skip`.
    fn new(entries: &'p [Change], skip: &[Tag]) -> Entries<'p> {
        // Sized for all of them: most are kept, and growing the list would copy it.
        let mut sorted: Vec<&Change> = Vec::with_capacity(entries.len());
        sorted.extend(
            entries
                .iter()
                .filter(|c| !(c.path.depth() == 0 && skip.contains(&c.path.tag))),
        );
        // A plan lists its entries in visiting order already (the markers, skipped, aside):
        // sorted only when they are not, which a stable sort (keeping the last of equal paths
        // last) would otherwise find out at the cost of a buffer.
        if !sorted.is_sorted_by(|a, b| visit_order(&a.path, &b.path).is_le()) {
            sorted.sort_by(|a, b| visit_order(&a.path, &b.path));
        }
        sorted.dedup_by(|later, earlier| {
            let same = later.path == earlier.path;
            if same {
                *earlier = *later;
            }
            same
        });
        Entries { sorted, next: 0 }
    }

    /// The entry of the element at `path`. Paths are asked for in visiting order.
    fn entry(&mut self, path: &TagPath) -> Option<&'p Change> {
        while let Some(&change) = self.sorted.get(self.next) {
            match visit_order(&change.path, path) {
                Ordering::Less => self.next += 1,
                Ordering::Equal => {
                    self.next += 1;
                    return Some(change);
                }
                Ordering::Greater => return None,
            }
        }
        None
    }
}

/// The order [`rebuild`] visits elements in: by tag within a dataset or item, a sequence
/// before the elements of its items, items in order. That is the order of the paths written
/// as sequence, item, sequence, item, …, tag.
fn visit_order(a: &TagPath, b: &TagPath) -> Ordering {
    for (x, y) in a.items.iter().zip(&b.items) {
        match x.sequence.cmp(&y.sequence).then(x.item.cmp(&y.item)) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
    }
    // The items of one path begin the items of the other: the shallower element comes
    // before the deeper by tag, and before it when it is the sequence that holds it.
    let (na, nb) = (a.items.len(), b.items.len());
    match (a.items.get(nb), b.items.get(na)) {
        (None, None) => a.tag.cmp(&b.tag),
        (None, Some(deeper)) => a.tag.cmp(&deeper.sequence).then(Ordering::Less),
        (Some(deeper), _) => deeper.sequence.cmp(&b.tag).then(Ordering::Greater),
    }
}

/// The dataset or item `obj` as the plan makes it, built anew.
fn rebuild(
    obj: InMemDicomObject,
    parent: Option<(&TagPath, u32)>,
    entries: &mut Entries<'_>,
) -> Result<InMemDicomObject> {
    let mut out = InMemDicomObject::new_empty();
    for el in obj {
        if let Some(el) = carry_out(el, parent, entries)? {
            out.put(el);
        }
    }
    Ok(out)
}

/// What the plan makes of one element: `None` when it is removed.
fn carry_out(
    el: InMemElement,
    parent: Option<(&TagPath, u32)>,
    entries: &mut Entries<'_>,
) -> Result<Option<InMemElement>> {
    let tag = el.header().tag;
    let vr = el.vr();
    let path = match parent {
        Some((p, i)) => p.child(i, tag),
        None => TagPath::root(tag),
    };
    let Some(change) = entries.entry(&path) else {
        return Ok(Some(el));
    };
    let kept = match change.kind {
        ChangeKind::Removed => return Ok(None),
        ChangeKind::Emptied if vr == VR::SQ => {
            DataElement::new(tag, VR::SQ, DataSetSequence::<InMemDicomObject>::empty())
        }
        ChangeKind::Emptied => DataElement::new(tag, vr, PrimitiveValue::Empty),
        ChangeKind::Replaced | ChangeKind::Added => match &change.after {
            Some(Snapshot::Primitive(v)) => DataElement::new(tag, vr, PrimitiveValue::clone(v)),
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
                        .map(|(i, item)| rebuild(item, Some((&path, i as u32)), entries))
                        .collect::<Result<Vec<_>>>()?;
                    DataElement::new(header.tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
                }
                other => DataElement::new(header.tag, header.vr, other),
            }
        }
    };
    Ok(Some(kept))
}

fn new_text(change: &Change) -> Option<String> {
    match change.after.as_ref()? {
        Snapshot::Primitive(p) => strings_of(p).into_iter().next(),
        _ => None,
    }
}

fn apply_meta(meta: &mut FileMetaTable, changes: &[Change]) {
    for c in changes {
        let text = new_text(c);
        match c.path.tag {
            tags::MEDIA_STORAGE_SOP_CLASS_UID => meta.media_storage_sop_class_uid = text.unwrap_or_default(),
            tags::MEDIA_STORAGE_SOP_INSTANCE_UID => {
                meta.media_storage_sop_instance_uid = text.unwrap_or_default()
            }
            tags::TRANSFER_SYNTAX_UID => meta.transfer_syntax = text.unwrap_or_default(),
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
}
