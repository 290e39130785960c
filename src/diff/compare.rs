//! Comparing two datasets element by element, into the same entries a plan has.

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::VR;
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;

use super::{Change, ChangeKind};
use crate::dataset::{strings_of, DicomFile, Snapshot, TagPath};

/// The changes from `before` to `after`, file meta group first, then the dataset in tag
/// order with nested elements after their sequence. Every element of either side has an
/// entry; [`Change::is_change`] tells the ones that differ.
pub fn diff_files(before: &DicomFile, after: &DicomFile) -> Vec<Change> {
    let mut out = diff_meta(before, after);
    // Entries are large: growing the list as they come would copy it over and over.
    out.reserve(element_count(before).max(element_count(after)));
    diff_objects(before, after, None, 0, &mut out);
    out
}

/// How many elements a dataset holds at every depth (as far as plans and diffs follow
/// sequences): what its list of entries is sized for.
pub(crate) fn element_count(obj: &InMemDicomObject) -> usize {
    fn count(obj: &InMemDicomObject, depth: usize) -> usize {
        obj.iter()
            .map(|el| match el.value() {
                Value::Sequence(seq) if depth < crate::limits::max_depth() => {
                    1 + seq
                        .items()
                        .iter()
                        .map(|item| count(item, depth + 1))
                        .sum::<usize>()
                }
                _ => 1,
            })
            .sum()
    }
    count(obj, 0)
}

/// The changes from `before` to `after` (datasets only).
pub fn diff_objects(
    before: &InMemDicomObject,
    after: &InMemDicomObject,
    parent: Option<(&TagPath, u32)>,
    depth: usize,
    out: &mut Vec<Change>,
) {
    let path_of = |tag| match parent {
        Some((p, i)) => p.child(i, tag),
        None => TagPath::root(tag),
    };
    let mut a = before.iter().peekable();
    let mut b = after.iter().peekable();
    loop {
        let next = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(x), None) => Side::Before(x.header().tag),
            (None, Some(y)) => Side::After(y.header().tag),
            (Some(x), Some(y)) => {
                let (tx, ty) = (x.header().tag, y.header().tag);
                match tx.cmp(&ty) {
                    std::cmp::Ordering::Less => Side::Before(tx),
                    std::cmp::Ordering::Greater => Side::After(ty),
                    std::cmp::Ordering::Equal => Side::Both,
                }
            }
        };
        match next {
            Side::Before(tag) => {
                if let Some(x) = a.next() {
                    let snap = Some(Snapshot::of(x.value()));
                    out.push(Change::new(path_of(tag), x.vr(), ChangeKind::Removed, snap, None));
                }
            }
            Side::After(tag) => {
                if let Some(y) = b.next() {
                    let snap = Some(Snapshot::of(y.value()));
                    out.push(Change::new(path_of(tag), y.vr(), ChangeKind::Added, None, snap));
                }
            }
            Side::Both => {
                if let (Some(x), Some(y)) = (a.next(), b.next()) {
                    compare_element(x, y, path_of(x.header().tag), depth, out);
                }
            }
        }
    }
}

enum Side {
    Before(dicom_core::Tag),
    After(dicom_core::Tag),
    Both,
}

fn compare_element(x: &InMemElement, y: &InMemElement, path: TagPath, depth: usize, out: &mut Vec<Change>) {
    let (sx, sy) = (Snapshot::of(x.value()), Snapshot::of(y.value()));
    let vr = if x.vr() == VR::UN { y.vr() } else { x.vr() };
    match (x.value(), y.value()) {
        (Value::Sequence(ix), Value::Sequence(iy)) => {
            let (ix, iy) = (ix.items(), iy.items());
            let kind = if ix.len() == iy.len() {
                ChangeKind::Unchanged
            } else if iy.is_empty() {
                ChangeKind::Emptied
            } else {
                ChangeKind::Replaced
            };
            let descend = !iy.is_empty() && depth < crate::limits::max_depth();
            out.push(Change::new(path.clone(), VR::SQ, kind, Some(sx), Some(sy)));
            if descend {
                for (i, (a, b)) in ix.iter().zip(iy).enumerate() {
                    diff_objects(a, b, Some((&path, i as u32)), depth + 1, out);
                }
            }
        }
        (vx, vy) => {
            let kind = if same_value(vx, vy) {
                ChangeKind::Unchanged
            } else if sy.is_empty() {
                ChangeKind::Emptied
            } else {
                ChangeKind::Replaced
            };
            out.push(Change::new(path, vr, kind, Some(sx), Some(sy)));
        }
    }
}

/// Whether two values are the same for a reader: text compared value by value without DICOM
/// padding (a value written and read back keeps its meaning, not always its representation),
/// other values byte for byte.
fn same_value(x: &Value<InMemDicomObject>, y: &Value<InMemDicomObject>) -> bool {
    match (x, y) {
        (Value::Primitive(p), Value::Primitive(q)) => same_primitive(p, q),
        (Value::PixelSequence(p), Value::PixelSequence(q)) => {
            p.offset_table() == q.offset_table() && p.fragments() == q.fragments()
        }
        _ => false,
    }
}

fn same_primitive(p: &PrimitiveValue, q: &PrimitiveValue) -> bool {
    if let (Some(a), Some(b)) = (texts(p), texts(q)) {
        // As `p == q` then `strings_of(p) == strings_of(q)` below, without building strings.
        return same_joined(p, q, a, b) || a.iter().map(|s| trim(s)).eq(b.iter().map(|s| trim(s)));
    }
    if p == q {
        return true;
    }
    let (sp, sq) = (strings_of(p), strings_of(q));
    if !sp.is_empty() || !sq.is_empty() {
        return sp == sq;
    }
    p.to_bytes() == q.to_bytes()
}

/// The values of a text value (`Str` or `Strs`), as they are.
fn texts(p: &PrimitiveValue) -> Option<&[String]> {
    match p {
        PrimitiveValue::Str(s) => Some(std::slice::from_ref(s)),
        PrimitiveValue::Strs(v) => Some(v.as_slice()),
        _ => None,
    }
}

/// `p == q` for two text values: a single `Str` equals only a single value; otherwise the
/// values, each without trailing padding, joined with `\`, are compared.
fn same_joined(p: &PrimitiveValue, q: &PrimitiveValue, a: &[String], b: &[String]) -> bool {
    let single = |v: &PrimitiveValue, n: usize| !matches!(v, PrimitiveValue::Str(_)) || n == 1;
    if !(single(p, b.len()) && single(q, a.len())) {
        return false;
    }
    fn end(s: &str) -> &str {
        s.trim_end_matches([' ', '\0'])
    }
    if a.len() == b.len() && a.iter().zip(b).all(|(x, y)| end(x) == end(y)) {
        return true;
    }
    let joined = |v: &[String]| {
        v.iter()
            .enumerate()
            .flat_map(|(i, s)| (i > 0).then_some(b'\\').into_iter().chain(end(s).bytes()))
            .collect::<Vec<u8>>()
    };
    joined(a) == joined(b)
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c == ' ' || c == '\0')
}

fn diff_meta(before: &DicomFile, after: &DicomFile) -> Vec<Change> {
    let (ma, mb) = (before.meta(), after.meta());
    let fields: [(dicom_core::Tag, VR, Option<&str>, Option<&str>); 8] = {
        use dicom_dictionary_std::tags::*;
        [
            (
                MEDIA_STORAGE_SOP_CLASS_UID,
                VR::UI,
                Some(ma.media_storage_sop_class_uid()),
                Some(mb.media_storage_sop_class_uid()),
            ),
            (
                MEDIA_STORAGE_SOP_INSTANCE_UID,
                VR::UI,
                Some(ma.media_storage_sop_instance_uid()),
                Some(mb.media_storage_sop_instance_uid()),
            ),
            (
                TRANSFER_SYNTAX_UID,
                VR::UI,
                Some(ma.transfer_syntax()),
                Some(mb.transfer_syntax()),
            ),
            (
                IMPLEMENTATION_CLASS_UID,
                VR::UI,
                Some(ma.implementation_class_uid()),
                Some(mb.implementation_class_uid()),
            ),
            (
                IMPLEMENTATION_VERSION_NAME,
                VR::SH,
                ma.implementation_version_name(),
                mb.implementation_version_name(),
            ),
            (
                SOURCE_APPLICATION_ENTITY_TITLE,
                VR::AE,
                ma.source_application_entity_title(),
                mb.source_application_entity_title(),
            ),
            (
                SENDING_APPLICATION_ENTITY_TITLE,
                VR::AE,
                ma.sending_application_entity_title(),
                mb.sending_application_entity_title(),
            ),
            (
                RECEIVING_APPLICATION_ENTITY_TITLE,
                VR::AE,
                ma.receiving_application_entity_title(),
                mb.receiving_application_entity_title(),
            ),
        ]
    };
    fields
        .into_iter()
        .filter(|(_, _, x, y)| x.is_some() || y.is_some())
        .map(|(tag, vr, x, y)| {
            let clean = |v: Option<&str>| v.map(|s| s.trim_end_matches(['\0', ' ']).to_string());
            let (x, y) = (clean(x), clean(y));
            let kind = match (&x, &y) {
                (Some(a), Some(b)) if a == b => ChangeKind::Unchanged,
                (Some(_), Some(_)) => ChangeKind::Replaced,
                (Some(_), None) => ChangeKind::Removed,
                _ => ChangeKind::Added,
            };
            let snap = |v: Option<String>| v.map(|s| Snapshot::primitive(PrimitiveValue::from(s)));
            Change::new(TagPath::root(tag), vr, kind, snap(x), snap(y))
        })
        .collect()
}
