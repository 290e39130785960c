//! Resolving PS3.15's combined action codes (X/Z, X/D, Z/D, X/Z/D, X/Z/U*) by attribute Type.
//!
//! The Types come from PS3.3, for the combined-code attributes of the common IODs, in
//! `profiles/attribute-types.ron`. The rule, as PS3.15 Table E.1-1a states it: take the
//! left-most action the attribute's Type allows — Type 3 may be removed (X), Type 2 must stay
//! but may be empty (Z), Type 1 needs a value (D, or for X/Z/U* the sequence is kept and the
//! UIDs it holds are replaced). Conditional Types (1C, 2C) count as 1 and 2: the attribute is
//! present, so its condition is taken to hold.
//!
//! Where the SOP Class is not in the table, or the attribute is nested at a place the table
//! does not list, dpk takes the left-most action (the one that removes the most identity).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde::Deserialize;

use crate::dataset::TagPath;
use crate::profile::{Action, ElementContext, Selector, SelectorKind};

/// An attribute's Type in an IOD (PS3.5 7.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
#[non_exhaustive]
pub enum AttrType {
    /// Required, with a value.
    One,
    /// Required with a value when a condition holds.
    OneC,
    /// Required, may be empty.
    Two,
    /// Required, may be empty, when a condition holds.
    TwoC,
    /// Optional.
    Three,
}

/// Every Type, in declaration order (that of [`Iod`]'s notes).
const TYPES: [AttrType; 5] = [
    AttrType::One,
    AttrType::OneC,
    AttrType::Two,
    AttrType::TwoC,
    AttrType::Three,
];

impl TryFrom<String> for AttrType {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        TYPES
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| format!("'{s}' is not an attribute Type (1, 1C, 2, 2C, 3)"))
    }
}

impl AttrType {
    /// The Type as PS3.3 writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::One => "1",
            AttrType::OneC => "1C",
            AttrType::Two => "2",
            AttrType::TwoC => "2C",
            AttrType::Three => "3",
        }
    }

    fn needs_value(self) -> bool {
        matches!(self, AttrType::One | AttrType::OneC)
    }

    fn needs_presence(self) -> bool {
        matches!(self, AttrType::Two | AttrType::TwoC)
    }
}

#[derive(Deserialize)]
struct TypesFile {
    iods: Vec<IodEntry>,
}

#[derive(Deserialize)]
struct IodEntry {
    name: String,
    sop_classes: Vec<String>,
    types: HashMap<String, AttrType>,
}

/// One IOD's combined-code attribute Types.
pub struct Iod {
    /// The IOD's name in PS3.3.
    pub name: String,
    entries: Vec<(Selector, AttrType)>,
    /// "Type … in <name>" for each Type (in declaration order): made once, as every
    /// combined-code element of every plan notes one.
    notes: [Arc<str>; 5],
}

/// The IODs dpk knows, by SOP Class UID.
pub struct IodTable {
    by_sop_class: HashMap<String, usize>,
    iods: Vec<Iod>,
}

const TYPES_RON: &str = include_str!("../../profiles/attribute-types.ron");

/// The compiled-in table, parsed once.
pub fn table() -> &'static IodTable {
    static TABLE: OnceLock<IodTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The file is compiled in and checked by this module's tests, so a parse failure is a
        // build defect; an empty table (everything resolves to the left-most action) is the
        // privacy-safe fallback.
        IodTable::parse(TYPES_RON).unwrap_or_else(|_| IodTable {
            by_sop_class: HashMap::new(),
            iods: Vec::new(),
        })
    })
}

impl IodTable {
    fn parse(text: &str) -> Result<IodTable, String> {
        let file: TypesFile = ron::from_str(text).map_err(|e| e.to_string())?;
        let mut table = IodTable {
            by_sop_class: HashMap::new(),
            iods: Vec::new(),
        };
        for entry in file.iods {
            let mut entries = Vec::with_capacity(entry.types.len());
            for (key, ty) in entry.types {
                let sel = Selector::parse(&key).map_err(|e| format!("{}: {e}", entry.name))?;
                entries.push((sel, ty));
            }
            entries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            for uid in entry.sop_classes {
                table.by_sop_class.insert(uid, table.iods.len());
            }
            let notes = TYPES.map(|ty| Arc::from(format!("Type {} in {}", ty.as_str(), entry.name)));
            table.iods.push(Iod {
                name: entry.name,
                entries,
                notes,
            });
        }
        Ok(table)
    }

    /// The IOD of a SOP Class.
    pub fn iod(&self, sop_class: &str) -> Option<&Iod> {
        self.by_sop_class.get(sop_class).map(|&i| &self.iods[i])
    }

    /// How many SOP Classes are covered.
    pub fn sop_class_count(&self) -> usize {
        self.by_sop_class.len()
    }
}

impl Iod {
    /// The attribute's Type at this place, Type 3 when the table does not list it.
    pub fn type_at(&self, path: &TagPath) -> AttrType {
        self.entries
            .iter()
            .find(|(sel, _)| key_matches(sel, path))
            .map_or(AttrType::Three, |(_, ty)| *ty)
    }

    /// "Type `ty` in <this IOD>", shared rather than copied.
    fn note(&self, ty: AttrType) -> Arc<str> {
        Arc::clone(&self.notes[ty as usize])
    }
}

/// A keyword key names the top-level attribute only; a path key names its place, and a
/// one-step key `S[*].A` also matches `A` at any depth of a recursive sequence `S` (SR's
/// Content Sequence nests in itself).
fn key_matches(sel: &Selector, path: &TagPath) -> bool {
    match sel.kind() {
        SelectorKind::Tag(t) => path.depth() == 0 && *t == path.tag,
        SelectorKind::Path(segs) => {
            let ctx = ElementContext { path, creator: None };
            sel.matches(&ctx)
                || (segs.len() == 2
                    && segs[1].tag == path.tag
                    && path.depth() > 0
                    && path.items.iter().all(|s| s.sequence == segs[0].tag))
        }
        _ => false,
    }
}

/// How a combined code was resolved: the concrete action and the Type that decided it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolution {
    /// The concrete action.
    pub action: Action,
    /// The Type found, and in which IOD (its name); `None` when the SOP Class is not known.
    pub basis: Option<(AttrType, &'static str)>,
    /// The basis in words, `None` with it.
    note: Option<Arc<str>>,
}

impl Resolution {
    /// The basis in words ("Type 2 in CT Image"), `None` when the SOP Class is not known. A
    /// text shared by every resolution with the same basis: a plan notes it on every element
    /// with a combined code.
    pub fn note(&self) -> Option<&Arc<str>> {
        self.note.as_ref()
    }
}

/// Resolves a combined code for the element at `path` in a dataset of `sop_class`.
pub fn resolve(action: Action, sop_class: Option<&str>, path: &TagPath) -> Resolution {
    let found = sop_class
        .and_then(|uid| table().iod(uid))
        .map(|iod| (iod.type_at(path), iod));
    let ty = found.map_or(AttrType::Three, |(t, _)| t);
    let concrete = match action {
        Action::RemoveOrEmpty if ty.needs_value() => Action::Dummy,
        Action::RemoveOrEmpty if ty.needs_presence() => Action::Empty,
        Action::RemoveOrEmpty => Action::Remove,
        Action::RemoveOrDummy if ty.needs_value() || ty.needs_presence() => Action::Dummy,
        Action::RemoveOrDummy => Action::Remove,
        Action::EmptyOrDummy if ty.needs_value() => Action::Dummy,
        Action::EmptyOrDummy => Action::Empty,
        Action::RemoveOrEmptyOrDummy if ty.needs_value() => Action::Dummy,
        Action::RemoveOrEmptyOrDummy if ty.needs_presence() => Action::Empty,
        Action::RemoveOrEmptyOrDummy => Action::Remove,
        Action::RemoveOrEmptyOrReplaceUids if ty.needs_value() => Action::ReplaceUid,
        Action::RemoveOrEmptyOrReplaceUids if ty.needs_presence() => Action::Empty,
        Action::RemoveOrEmptyOrReplaceUids => Action::Remove,
        concrete => concrete,
    };
    Resolution {
        action: concrete,
        basis: found.map(|(ty, iod)| (ty, iod.name.as_str())),
        note: found.map(|(ty, iod)| iod.note(ty)),
    }
}

/// The action that keeps the IOD valid where a concrete action would not: PS3.15 E.1.1 asks
/// for a de-identified instance that still conforms to its IOD, and Table E.1-1 removes or
/// empties some attributes that an IOD requires (Presentation Creation Date, Type 1 in a
/// presentation state; Study Date, Type 1 in a DICOMDIR's STUDY record). The least revealing
/// valid action is taken instead: X on Type 2 → Z, X or Z on Type 1 → D. `None` when the
/// action already fits the Type, or the SOP Class or the place is not in the table.
pub fn required(action: Action, sop_class: Option<&str>, path: &TagPath) -> Option<(Action, Arc<str>)> {
    let iod = table().iod(sop_class?)?;
    let ty = iod.type_at(path);
    let needed = match action {
        Action::Remove | Action::Empty if ty.needs_value() => Action::Dummy,
        Action::Remove if ty.needs_presence() => Action::Empty,
        _ => return None,
    };
    let why = format!(
        "Type {} in {}: {} would break the IOD, {} instead",
        ty.as_str(),
        iod.name,
        action.label(),
        needed.label()
    );
    Some((needed, Arc::from(why)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::Tag;
    use dicom_dictionary_std::{tags, uids};

    #[test]
    fn the_shipped_table_parses() {
        let t = IodTable::parse(TYPES_RON).unwrap();
        assert!(t.sop_class_count() >= 40, "{}", t.sop_class_count());
        assert!(t.iod(uids::CT_IMAGE_STORAGE).is_some());
    }

    #[test]
    fn a_type_1_or_2_overrides_remove_and_empty() {
        let gsps = Some(uids::GRAYSCALE_SOFTCOPY_PRESENTATION_STATE_STORAGE);
        let date = TagPath::root(tags::PRESENTATION_CREATION_DATE);
        let (action, why) = required(Action::Remove, gsps, &date).unwrap();
        assert_eq!(action, Action::Dummy);
        assert!(
            why.contains("Type 1 in Grayscale Softcopy Presentation State"),
            "{why}"
        );
        let sr = Some(uids::BASIC_TEXT_SR_STORAGE);
        let id = TagPath::root(tags::REFERENCED_REQUEST_SEQUENCE).child(0, tags::REQUESTED_PROCEDURE_ID);
        assert_eq!(
            required(Action::Remove, sr, &id).map(|r| r.0),
            Some(Action::Empty)
        );
        assert_eq!(required(Action::Empty, sr, &id), None);
        // At the top level the same attribute is not listed: Type 3, removed.
        assert_eq!(
            required(Action::Remove, sr, &TagPath::root(tags::REQUESTED_PROCEDURE_ID)),
            None
        );
        let dir = Some(uids::MEDIA_STORAGE_DIRECTORY_STORAGE);
        let study_date = TagPath::root(tags::DIRECTORY_RECORD_SEQUENCE).child(3, tags::STUDY_DATE);
        assert_eq!(
            required(Action::Empty, dir, &study_date).map(|r| r.0),
            Some(Action::Dummy)
        );
        assert_eq!(required(Action::Remove, None, &date), None);
        assert_eq!(required(Action::Remove, Some("1.2.3"), &date), None);
    }

    #[test]
    fn types_index_the_notes() {
        for (i, ty) in TYPES.into_iter().enumerate() {
            assert_eq!(ty as usize, i);
        }
    }

    #[test]
    fn resolution_follows_the_type() {
        let ct = Some(uids::CT_IMAGE_STORAGE);
        let enhanced = Some(uids::ENHANCED_CT_IMAGE_STORAGE);
        let content_date = TagPath::root(tags::CONTENT_DATE);
        // Z/D: Type 2C in CT Image, Type 1 in Enhanced CT.
        assert_eq!(
            resolve(Action::EmptyOrDummy, ct, &content_date).action,
            Action::Empty
        );
        assert_eq!(
            resolve(Action::EmptyOrDummy, enhanced, &content_date).action,
            Action::Dummy
        );
        // X/Z/D: Device Serial Number Type 3 in CT, Type 1 in Enhanced General Equipment.
        let serial = TagPath::root(tags::DEVICE_SERIAL_NUMBER);
        assert_eq!(
            resolve(Action::RemoveOrEmptyOrDummy, ct, &serial).action,
            Action::Remove
        );
        assert_eq!(
            resolve(Action::RemoveOrEmptyOrDummy, enhanced, &serial).action,
            Action::Dummy
        );
        // Unknown SOP class: the left-most action.
        let unknown = resolve(Action::RemoveOrEmptyOrDummy, Some("1.2.3"), &serial);
        assert_eq!((unknown.action, unknown.basis), (Action::Remove, None));
        assert_eq!(unknown.note(), None);
        let known = resolve(Action::RemoveOrEmptyOrDummy, ct, &serial);
        assert_eq!(known.basis, Some((AttrType::Three, "CT Image")));
        assert_eq!(known.note().map(|n| &**n), Some("Type 3 in CT Image"));
        // Nested: the top-level Type does not apply inside a sequence.
        let nested = TagPath::root(Tag(0x0008, 0x1111)).child(0, tags::CONTENT_DATE);
        assert_eq!(
            resolve(Action::EmptyOrDummy, enhanced, &nested).action,
            Action::Empty
        );
    }
}
