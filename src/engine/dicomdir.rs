//! De-identifying a DICOMDIR (Media Storage Directory, PS3.3 F.3, PS3.10 8).
//!
//! A DICOMDIR's records point at each other by byte offset: Offset of the First and of the
//! Last Directory Record of the Root Directory Entity (0004,1200), (0004,1202), and in each
//! record Offset of the Next Directory Record (0004,1400) and of the Referenced Lower-Level
//! Directory Entity (0004,1420). Each offset counts bytes from the first byte of the file
//! (the File Meta Information begins with the 128-byte preamble, PS3.10 7.1) to the item tag
//! of the record it names. De-identification changes the records' lengths, so the offsets
//! the input carries point into the middle of the output's records and no reader can load
//! the file-set: they are worked out again from the records as written.
//!
//! Referenced File ID (0004,1500) components that hold one of the directory's identifiers
//! (a Patient ID used as a folder name) are replaced by a keyed hash of the component: the
//! DICOMDIR must not carry the identity its records lost. A folder run writes each referenced
//! file straight to its new file ID ([`planned_moves`], worked out before any file is
//! written, so every shard of a run and every resume agree on where a file goes); the
//! library writing one file leaves the others where they are.

use std::path::Path;

use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;

use super::clean::Identifiers;
use super::{apply, plan, Context, Plan};
use crate::dataset::{self, DicomFile, Durability, Snapshot, TagPath};
use crate::diff::ChangeKind;
use crate::error::{Error, Result};
use crate::profile::{Action, ResolvedProfile};

/// Whether a file is a DICOMDIR: its meta group names the Media Storage Directory class, or
/// its data set holds a Directory Record Sequence.
pub fn is_dicomdir(file: &DicomFile) -> bool {
    let class = file.meta().media_storage_sop_class_uid();
    class.trim_end_matches(['\0', ' ']) == uids::MEDIA_STORAGE_DIRECTORY_STORAGE
        || file.get(tags::DIRECTORY_RECORD_SEQUENCE).is_some()
}

/// The offsets that name a record (PS3.3 F.3.2.2): root first and last, and in each record
/// the next record and the first record of its lower level.
const ROOT_OFFSETS: [Tag; 2] = [
    tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
    tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
];
const RECORD_OFFSETS: [Tag; 2] = [
    tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD,
    tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY,
];

/// The rule of the offsets the engine writes anew.
const OFFSET_RULE: &str = "required: a DICOMDIR offset names its record where the record is written";

/// Plans, applies and writes a DICOMDIR read whole from `input`, with its offsets worked out
/// for the output and its Referenced File IDs cleared of identifiers.
pub fn anonymize(
    file: DicomFile,
    input: &Path,
    output: &Path,
    profile: &ResolvedProfile,
    ctx: &Context,
    durability: Durability,
) -> Result<Plan> {
    let malformed = |reason: String| Error::Open {
        path: input.to_path_buf(),
        reason: format!("DICOMDIR: {reason}"),
    };
    let bytes = std::fs::read(input).map_err(|source| Error::Io {
        path: input.to_path_buf(),
        source,
    })?;
    let old_positions = record_positions(&bytes).map_err(malformed)?;
    let records = file
        .get(tags::DIRECTORY_RECORD_SEQUENCE)
        .and_then(|e| e.items())
        .map_or(0, <[InMemDicomObject]>::len);
    if old_positions.len() != records {
        return Err(malformed(format!(
            "{} records read, {} found in the bytes",
            records,
            old_positions.len()
        )));
    }
    // Each offset of the input, as the index of the record it names.
    let links = Links::of(&file, &old_positions).map_err(malformed)?;

    let mut plan = plan(&file, profile, ctx)?;
    plan.input_text = crate::dataset::InputText::of_file(input, &file);
    clear_file_ids(&file, &mut plan, ctx);
    distinct_patient_keys(&mut plan, ctx);
    let mut out = apply(&plan, file)?;

    let encode = |file: &DicomFile| -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        file.write_all(&mut buf).map_err(|e| Error::Encode {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            reason: dataset::encode_failure(file, &e),
        })?;
        Ok(buf)
    };
    let written = encode(&out)?;
    let new_positions = record_positions(&written).map_err(|reason| Error::Encode {
        input: input.to_path_buf(),
        output: output.to_path_buf(),
        reason: format!("DICOMDIR as written: {reason}"),
    })?;
    links.write(&mut out, &mut plan, &new_positions);
    let bytes = encode(&out)?;
    // Offsets are fixed-size values: writing them moves no record.
    if record_positions(&bytes).ok().as_deref() != Some(new_positions.as_slice()) {
        return Err(Error::Encode {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            reason: "DICOMDIR: the records moved when their offsets were written".into(),
        });
    }
    dataset::write_atomic_with(output, durability, |w| {
        std::io::Write::write_all(w, &bytes).map_err(|source| Error::Io {
            path: output.to_path_buf(),
            source,
        })
    })?;
    Ok(plan)
}

/// The records each offset of the input names, by index (`None`: 0, no record).
struct Links {
    root: [Option<usize>; 2],
    records: Vec<[Option<usize>; 2]>,
}

impl Links {
    fn of(file: &DicomFile, positions: &[u64]) -> std::result::Result<Links, String> {
        let index = |obj: &InMemDicomObject, tag: Tag| -> std::result::Result<Option<usize>, String> {
            let Some(offset) = obj.get(tag).and_then(|e| e.to_int::<u64>().ok()) else {
                return Ok(None);
            };
            if offset == 0 {
                return Ok(None);
            }
            positions
                .iter()
                .position(|&p| p == offset)
                .map(Some)
                .ok_or_else(|| {
                    format!(
                        "{} holds offset {offset}, where no directory record begins",
                        dataset::tag_string(tag)
                    )
                })
        };
        let root = [index(file, ROOT_OFFSETS[0])?, index(file, ROOT_OFFSETS[1])?];
        let items = file
            .get(tags::DIRECTORY_RECORD_SEQUENCE)
            .and_then(|e| e.items())
            .unwrap_or(&[]);
        let records = items
            .iter()
            .map(|item| Ok([index(item, RECORD_OFFSETS[0])?, index(item, RECORD_OFFSETS[1])?]))
            .collect::<std::result::Result<_, String>>()?;
        Ok(Links { root, records })
    }

    /// Writes every offset as the position of the record it names in the output, in the
    /// output and in the plan.
    fn write(&self, out: &mut DicomFile, plan: &mut Plan, positions: &[u64]) {
        let value = |link: Option<usize>| -> u32 {
            link.and_then(|i| positions.get(i))
                .and_then(|&p| u32::try_from(p).ok())
                .unwrap_or(0)
        };
        let obj: &mut InMemDicomObject = out;
        for (tag, link) in ROOT_OFFSETS.into_iter().zip(self.root) {
            if obj.get(tag).is_some() {
                set_offset(obj, TagPath::root(tag), value(link), plan);
            }
        }
        let Ok(seq) = obj.take_element(tags::DIRECTORY_RECORD_SEQUENCE) else {
            return;
        };
        let seq_path = TagPath::root(tags::DIRECTORY_RECORD_SEQUENCE);
        let (header, old) = seq.into_parts();
        let items: Vec<InMemDicomObject> = match old {
            Value::Sequence(s) => s.into_items().into_iter().collect(),
            _ => Vec::new(),
        };
        let items: Vec<InMemDicomObject> = items
            .into_iter()
            .enumerate()
            .map(|(i, mut item)| {
                let links = self.records.get(i).copied().unwrap_or([None, None]);
                for (tag, link) in RECORD_OFFSETS.into_iter().zip(links) {
                    if item.get(tag).is_some() {
                        set_offset(&mut item, seq_path.child(i as u32, tag), value(link), plan);
                    }
                }
                item
            })
            .collect();
        obj.put(DataElement::new(
            header.tag,
            VR::SQ,
            DataSetSequence::new(items, Length::UNDEFINED),
        ));
    }
}

/// Sets an offset in `obj` and records the change in the plan's entry for `path`.
fn set_offset(obj: &mut InMemDicomObject, path: TagPath, value: u32, plan: &mut Plan) {
    let new = PrimitiveValue::from(value);
    obj.put(DataElement::new(path.tag, VR::UL, new.clone()));
    if let Some(entry) = plan.entries.iter_mut().find(|e| e.path == path) {
        let before = entry.before.clone();
        let unchanged =
            matches!(&before, Some(Snapshot::Primitive(p)) if p.to_int::<u32>().ok() == Some(value));
        entry.kind = if unchanged {
            ChangeKind::Unchanged
        } else {
            ChangeKind::Replaced
        };
        entry.after = Some(Snapshot::primitive(new));
        if !unchanged {
            if let Some(d) = entry.decision.as_mut() {
                d.rule = OFFSET_RULE.into();
                d.note = None;
            }
        }
    }
}

/// A PATIENT record's Patient ID is Type 1 and names its patient within the file-set: one
/// dummy for every patient would make them one (a reader merges records by it). Where the plan
/// gives it a dummy, the dummy is a keyed hash of the original (16 hex digits), the same for
/// the same patient; without a salt, `DPK` and the patient's place among the records.
fn distinct_patient_keys(plan: &mut Plan, ctx: &Context) {
    let mut unsalted: Vec<String> = Vec::new();
    for entry in plan.entries.iter_mut() {
        let key = entry.path.depth() == 1
            && entry.path.items[0].sequence == tags::DIRECTORY_RECORD_SEQUENCE
            && entry.path.tag == tags::PATIENT_ID
            && entry.kind == ChangeKind::Replaced
            && entry.decision.as_ref().is_some_and(|d| d.action == Action::Dummy);
        let original = match (&entry.before, key) {
            (Some(Snapshot::Primitive(p)), true) => dataset::strings_of(p).join("\\"),
            _ => continue,
        };
        let new = match ctx.salt() {
            Some(salt) => salt.hash_text(&original, 16),
            None => {
                let n = unsalted.iter().position(|u| *u == original).unwrap_or_else(|| {
                    unsalted.push(original.clone());
                    unsalted.len() - 1
                });
                format!("DPK{n:05}")
            }
        };
        entry.after = Some(Snapshot::primitive(PrimitiveValue::from(new)));
        if let Some(d) = entry.decision.as_mut() {
            let why = d.note.as_ref().map(|n| n.to_string()).unwrap_or_default();
            d.note = Some(
                format!("{why}; a keyed hash, so that distinct patients keep distinct records")
                    .trim_start_matches("; ")
                    .to_string()
                    .into(),
            );
        }
    }
}

/// Replaces, in the plan, each Referenced File ID (and File-set Descriptor File ID) component
/// that holds one of the directory's identifiers by a keyed hash of it (8 hex digits: a valid
/// component, PS3.10 8.2), the same in every record; without a salt, by `DPK` and its place
/// among the distinct components. A File-set ID that holds one is emptied.
fn clear_file_ids(file: &DicomFile, plan: &mut Plan, ctx: &Context) {
    let ids = Identifiers::gather(file);
    let mut unsalted: Vec<String> = Vec::new();
    for entry in plan.entries.iter_mut() {
        let in_record = entry.path.depth() == 1
            && entry.path.items[0].sequence == tags::DIRECTORY_RECORD_SEQUENCE
            && entry.path.tag == tags::REFERENCED_FILE_ID;
        let descriptor = entry.path.depth() == 0 && entry.path.tag == tags::FILE_SET_DESCRIPTOR_FILE_ID;
        let label = entry.path.depth() == 0 && entry.path.tag == tags::FILE_SET_ID;
        if !(in_record || descriptor || label) || !matches!(entry.kind, ChangeKind::Unchanged) {
            continue;
        }
        let Some(Snapshot::Primitive(p)) = &entry.before else {
            continue;
        };
        let components = dataset::strings_of(p);
        if !components.iter().any(|c| ids.contains_identifying(c)) {
            continue;
        }
        if label {
            // File-set ID (Type 2): a volume label that names the patient goes empty.
            entry.kind = ChangeKind::Emptied;
            entry.after = Some(Snapshot::primitive(PrimitiveValue::Empty));
            if let Some(d) = entry.decision.as_mut() {
                d.requested = Some(d.action);
                d.action = Action::Empty;
                d.rule = "DICOMDIR: a File-set ID that holds an identifier is emptied (Type 2)".into();
            }
            continue;
        }
        let new: Vec<String> = components
            .iter()
            .map(|c| {
                if !ids.contains_identifying(c) {
                    return c.clone();
                }
                match ctx.salt() {
                    Some(salt) => salt.hash_text(c, 8),
                    None => {
                        let n = unsalted.iter().position(|u| u == c).unwrap_or_else(|| {
                            unsalted.push(c.clone());
                            unsalted.len() - 1
                        });
                        format!("DPK{n:05}")
                    }
                }
            })
            .collect();
        entry.kind = ChangeKind::Replaced;
        entry.after = Some(Snapshot::primitive(PrimitiveValue::Strs(new.into())));
        if let Some(d) = entry.decision.as_mut() {
            d.requested = Some(d.action);
            d.action = Action::Hash;
            d.rule =
                "DICOMDIR: a file ID component that holds an identifier is replaced by its keyed hash".into();
        }
    }
}

/// The byte position, from the first byte of the file (preamble included), of each item of
/// the top-level Directory Record Sequence, in order. Reads Explicit and Implicit VR Little
/// Endian (PS3.10 8.6 has a DICOMDIR in Explicit VR Little Endian); every length is checked
/// against the end of the bytes.
pub fn record_positions(bytes: &[u8]) -> std::result::Result<Vec<u64>, String> {
    let (mut r, shift) = if bytes.get(128..132) == Some(b"DICM".as_slice()) {
        (
            Reader {
                bytes,
                pos: 132,
                explicit: true,
            },
            0,
        )
    } else if bytes.get(..4) == Some(b"DICM".as_slice()) {
        // Read without a preamble: offsets count it as if it were there.
        (
            Reader {
                bytes,
                pos: 4,
                explicit: true,
            },
            128,
        )
    } else {
        return Err("no DICM prefix".into());
    };
    // The meta group is Explicit VR Little Endian; its Transfer Syntax UID says what follows.
    let mut syntax = String::new();
    while r.pos + 4 <= bytes.len() && r.u16_at(r.pos)? == 0x0002 {
        let el = r.element()?;
        if el.tag == tags::TRANSFER_SYNTAX_UID {
            let end = el.value_at + el.len.unwrap_or(0) as usize;
            syntax = String::from_utf8_lossy(r.slice(el.value_at, end)?)
                .trim_end_matches(['\0', ' '])
                .to_string();
        }
        r.skip_value(&el, 0)?;
    }
    r.explicit = match syntax.trim() {
        uids::IMPLICIT_VR_LITTLE_ENDIAN => false,
        uids::EXPLICIT_VR_LITTLE_ENDIAN | "" => true,
        other => {
            return Err(format!(
                "transfer syntax {other}: offsets are read in Little Endian only"
            ))
        }
    };
    let mut positions = Vec::new();
    while r.pos < bytes.len() {
        let el = r.element()?;
        if el.tag != tags::DIRECTORY_RECORD_SEQUENCE {
            r.skip_value(&el, 0)?;
            continue;
        }
        let end = el.len.map(|l| el.value_at + l as usize);
        r.pos = el.value_at;
        loop {
            if end.is_some_and(|e| r.pos >= e) {
                break;
            }
            let at = r.pos;
            let (tag, len) = r.item_header()?;
            match tag {
                Tag(0xFFFE, 0xE000) => {
                    positions.push(at as u64 + shift);
                    match len {
                        Some(l) => r.pos = r.checked_end(r.pos, l)?,
                        None => r.skip_undefined_item(1)?,
                    }
                }
                Tag(0xFFFE, 0xE0DD) if end.is_none() => break,
                other => {
                    return Err(format!(
                        "{} at byte {at} in the Directory Record Sequence",
                        dataset::tag_string(other)
                    ))
                }
            }
        }
        break;
    }
    Ok(positions)
}

/// An element header read: where its value begins and its length (`None`: undefined).
struct ElementHeader {
    tag: Tag,
    value_at: usize,
    len: Option<u32>,
}

struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
    explicit: bool,
}

impl Reader<'_> {
    fn slice(&self, from: usize, to: usize) -> std::result::Result<&[u8], String> {
        self.bytes
            .get(from..to)
            .ok_or_else(|| format!("a value at byte {from} runs past the end of the file"))
    }

    fn u16_at(&self, at: usize) -> std::result::Result<u16, String> {
        let b = self.slice(at, at + 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32_at(&self, at: usize) -> std::result::Result<u32, String> {
        let b = self.slice(at, at + 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn checked_end(&self, from: usize, len: u32) -> std::result::Result<usize, String> {
        let end = from
            .checked_add(len as usize)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| format!("a length of {len} at byte {from} runs past the end of the file"))?;
        Ok(end)
    }

    fn tag_at(&self, at: usize) -> std::result::Result<Tag, String> {
        Ok(Tag(self.u16_at(at)?, self.u16_at(at + 2)?))
    }

    /// Reads an item or delimiter header (tag and 4-byte length, no VR).
    fn item_header(&mut self) -> std::result::Result<(Tag, Option<u32>), String> {
        let tag = self.tag_at(self.pos)?;
        let len = self.u32_at(self.pos + 4)?;
        self.pos += 8;
        Ok((tag, (len != u32::MAX).then_some(len)))
    }

    /// Reads an element header at the current position (meta elements are always explicit).
    fn element(&mut self) -> std::result::Result<ElementHeader, String> {
        let at = self.pos;
        let tag = self.tag_at(at)?;
        let explicit = self.explicit || tag.group() == 0x0002;
        // A sequence's value of defined length is skipped whole like any other; one of
        // undefined length is walked item by item.
        let (value_at, len) = if tag.group() == 0xFFFE {
            (at + 8, self.u32_at(at + 4)?)
        } else if explicit {
            let vr = self.slice(at + 4, at + 6)?;
            let long = matches!(
                vr,
                b"OB"
                    | b"OD"
                    | b"OF"
                    | b"OL"
                    | b"OV"
                    | b"OW"
                    | b"SQ"
                    | b"UC"
                    | b"UN"
                    | b"UR"
                    | b"UT"
                    | b"SV"
                    | b"UV"
            );
            if long {
                (at + 12, self.u32_at(at + 8)?)
            } else {
                (at + 8, u32::from(self.u16_at(at + 6)?))
            }
        } else {
            (at + 8, self.u32_at(at + 4)?)
        };
        self.pos = value_at;
        Ok(ElementHeader {
            tag,
            value_at,
            len: (len != u32::MAX).then_some(len),
        })
    }

    /// Moves past an element's value, whatever its length.
    fn skip_value(&mut self, el: &ElementHeader, depth: usize) -> std::result::Result<(), String> {
        match el.len {
            Some(len) => {
                self.pos = self.checked_end(el.value_at, len)?;
                Ok(())
            }
            None => {
                self.pos = el.value_at;
                self.skip_undefined_sequence(depth + 1)
            }
        }
    }

    /// Moves past the items (or fragments) of a value of undefined length, to after its
    /// Sequence Delimitation Item.
    fn skip_undefined_sequence(&mut self, depth: usize) -> std::result::Result<(), String> {
        if depth > 2 * crate::limits::max_depth() {
            return Err(format!("sequences nested too deep at byte {}", self.pos));
        }
        loop {
            let at = self.pos;
            let (tag, len) = self.item_header()?;
            match (tag, len) {
                (Tag(0xFFFE, 0xE0DD), _) => return Ok(()),
                (Tag(0xFFFE, 0xE000), Some(l)) => self.pos = self.checked_end(self.pos, l)?,
                (Tag(0xFFFE, 0xE000), None) => self.skip_undefined_item(depth + 1)?,
                (other, _) => {
                    return Err(format!(
                        "{} at byte {at} where an item was expected",
                        dataset::tag_string(other)
                    ))
                }
            }
        }
    }

    /// Moves past the elements of an item of undefined length, to after its Item
    /// Delimitation Item.
    fn skip_undefined_item(&mut self, depth: usize) -> std::result::Result<(), String> {
        if depth > 2 * crate::limits::max_depth() {
            return Err(format!("items nested too deep at byte {}", self.pos));
        }
        loop {
            if self.tag_at(self.pos)? == Tag(0xFFFE, 0xE00D) {
                self.pos += 8;
                return Ok(());
            }
            let el = self.element()?;
            self.skip_value(&el, depth)?;
        }
    }
}

/// Where the files a DICOMDIR references go once their file IDs are cleared: for each record
/// whose Referenced File ID changes, the file it names under the DICOMDIR's folder (found as
/// [`find_file`] finds it) and its new place under `output`'s folder. Nothing is read but the
/// DICOMDIR, and nothing is written. Not a DICOMDIR: no moves.
pub fn planned_moves(
    input: &Path,
    output: &Path,
    profile: &ResolvedProfile,
    ctx: &Context,
) -> Result<Vec<(std::path::PathBuf, std::path::PathBuf)>> {
    let file = dataset::open(input)?;
    if !is_dicomdir(&file) {
        return Ok(Vec::new());
    }
    let mut plan = plan(&file, profile, ctx)?;
    clear_file_ids(&file, &mut plan, ctx);
    let components = |snapshot: Option<&Snapshot>| -> Option<Vec<String>> {
        let Some(Snapshot::Primitive(p)) = snapshot else {
            return None;
        };
        let parts = dataset::strings_of(p);
        parts.iter().all(|c| safe_component(c)).then_some(parts)
    };
    let from_base = input.parent().unwrap_or(Path::new("."));
    let to_base = output.parent().unwrap_or(Path::new("."));
    let mut moves = Vec::new();
    for entry in &plan.entries {
        let in_record = entry.path.depth() == 1
            && entry.path.items[0].sequence == tags::DIRECTORY_RECORD_SEQUENCE
            && entry.path.tag == tags::REFERENCED_FILE_ID;
        if !in_record || entry.kind != ChangeKind::Replaced {
            continue;
        }
        let (Some(from), Some(to)) = (
            components(entry.before.as_ref()),
            components(entry.after.as_ref()),
        ) else {
            continue;
        };
        if from == to {
            continue;
        }
        if let Some(found) = find_file(from_base, &from) {
            let to = to.iter().fold(to_base.to_path_buf(), |p, c| p.join(c));
            if !moves.iter().any(|(f, _): &(std::path::PathBuf, _)| *f == found) {
                moves.push((found, to));
            }
        }
    }
    Ok(moves)
}

/// The files an original DICOMDIR and its de-identified output name in the same record, as
/// (original file, output file) pairs: dpk keeps the records in order, so a record's file ID
/// before and after tells where each referenced file went. Only files found on both sides.
pub fn paired_files(original: &Path, output: &Path) -> Result<Vec<(std::path::PathBuf, std::path::PathBuf)>> {
    let ids = |path: &Path| -> Result<Vec<Option<Vec<String>>>> {
        let file = dataset::open(path)?;
        Ok(file
            .get(tags::DIRECTORY_RECORD_SEQUENCE)
            .and_then(|e| e.items())
            .unwrap_or(&[])
            .iter()
            .map(|item| {
                let parts = dataset::strings_of(item.get(tags::REFERENCED_FILE_ID)?.value().primitive()?);
                parts.iter().all(|c| safe_component(c)).then_some(parts)
            })
            .collect())
    };
    let (before, after) = (ids(original)?, ids(output)?);
    if before.len() != after.len() {
        return Ok(Vec::new());
    }
    let from_base = original.parent().unwrap_or(Path::new("."));
    let to_base = output.parent().unwrap_or(Path::new("."));
    Ok(before
        .into_iter()
        .zip(after)
        .filter_map(|(from, to)| Some((find_file(from_base, &from?)?, find_file(to_base, &to?)?)))
        .collect())
}

/// The file that `components` name under `base`. A component is matched as written, else
/// without regard to case and to an ISO 9660 version or trailing dot (`IM000001;1`,
/// `im000001.`): a file-set copied from a CD often has its names so.
fn find_file(base: &Path, components: &[String]) -> Option<std::path::PathBuf> {
    let mut path = base.to_path_buf();
    for c in components {
        let exact = path.join(c);
        if exact.exists() {
            path = exact;
            continue;
        }
        let bare = |name: &str| -> String {
            let name = name.split(';').next().unwrap_or(name);
            name.trim_end_matches('.').to_ascii_uppercase()
        };
        let wanted = bare(c);
        let found = std::fs::read_dir(&path)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .filter(|n| n.to_str().is_some_and(|n| bare(n) == wanted))
            .min()?;
        path = path.join(found);
    }
    path.is_file().then_some(path)
}

/// A Referenced File ID component that names a file or folder inside the file-set's folder
/// (PS3.10 8.2: A–Z, 0–9 and `_`; lower case and spaces are tolerated).
fn safe_component(c: &str) -> bool {
    !c.is_empty()
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ' ' || ch == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_that_leave_the_folder_are_not_followed() {
        assert!(safe_component("PA000123") && safe_component("IM_01"));
        for bad in ["", "..", ".", "A/B", "A\\B", "/etc", "C:"] {
            assert!(!safe_component(bad), "{bad}");
        }
    }

    #[test]
    fn hostile_bytes_give_an_error_not_a_panic() {
        let mut bytes = vec![0u8; 128];
        bytes.extend_from_slice(b"DICM");
        assert!(record_positions(&bytes).unwrap().is_empty());
        // A Directory Record Sequence whose item claims more bytes than there are.
        let mut seq = bytes.clone();
        seq.extend_from_slice(&[0x04, 0x00, 0x20, 0x12, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
        seq.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0x00, 0x00, 0x00, 0x10]);
        assert!(record_positions(&seq).is_err());
        // Cut anywhere: an error or a shorter list, never a panic.
        for cut in 0..seq.len() {
            let _ = record_positions(&seq[..cut]);
        }
        assert!(record_positions(b"not dicom").is_err());
    }
}
