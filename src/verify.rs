//! An independent check of de-identified files, for a release gate: it reads the outputs
//! again and checks them against the profile's rules, without trusting the plan the engine
//! made when it wrote them.
//!
//! For each file it checks that
//! - the file opens;
//! - no element that the profile removes is present, and none it empties holds a value, at
//!   any depth (combined codes resolved by the file's IOD, as the engine does; a private
//!   creator may stay while an element of its block stays);
//! - every UID is a valid UID (digits and dots, no leading zeros, at most 64 characters);
//! - the PS3.15 markers are present: Patient Identity Removed, and a De-identification Method
//!   Code Sequence holding the profile's CID 7050 codes;
//! - given the original files, no original identifying value occurs anywhere in any text
//!   element: names (every name component but prefixes and suffixes, of at least three
//!   letters, whole words), patient and accession IDs, dates (unless the profile keeps full
//!   dates) and UIDs (unless it retains UIDs).

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use dicom_core::value::Value;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::Serialize;

use crate::confidentiality::iod;
use crate::dataset::{self, private, sop_class_uid, strings_of, valid_uid, DicomFile, TagPath};
use crate::profile::{Action, ElementContext, ResolvedProfile};

/// One thing wrong with one output file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The output file.
    pub file: PathBuf,
    /// Where in it, when an element is concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<TagPath>,
    /// What is wrong, in one line.
    pub problem: String,
}

/// Identifying values gathered from the original files, to be looked for in the outputs.
#[derive(Debug, Default)]
pub struct Originals {
    /// Lower-case name parts (whole-word matches).
    names: BTreeSet<String>,
    /// Lower-case identifiers (substring matches).
    ids: BTreeSet<String>,
    /// Dates, `YYYYMMDD`.
    dates: BTreeSet<String>,
    /// UIDs other than the standard's own (`1.2.840.10008.…`).
    uids: BTreeSet<String>,
}

impl Originals {
    /// Gathers identifying values from one original dataset.
    pub fn add(&mut self, obj: &InMemDicomObject) {
        self.collect(obj, 0);
    }

    fn collect(&mut self, obj: &InMemDicomObject, depth: usize) {
        if depth > crate::limits::max_depth() {
            return;
        }
        for el in obj.iter() {
            match el.value() {
                Value::Sequence(seq) => seq.items().iter().for_each(|item| self.collect(item, depth + 1)),
                Value::Primitive(p) => {
                    let tag = el.header().tag;
                    for v in strings_of(p).into_iter().filter(|v| !v.is_empty()) {
                        match el.vr() {
                            VR::PN => {
                                for part in crate::engine::clean::name_parts(&v) {
                                    for word in part.split([' ', ',']) {
                                        if word.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
                                            self.names.insert(word.to_lowercase());
                                        }
                                    }
                                }
                            }
                            VR::DA if v.len() == 8 => {
                                self.dates.insert(v);
                            }
                            VR::UI if !v.starts_with("1.2.840.10008.") => {
                                self.uids.insert(v);
                            }
                            _ if crate::engine::clean::ID_TAGS.contains(&tag) && v.chars().count() >= 3 => {
                                self.ids.insert(v.to_lowercase());
                            }
                            _ => {}
                        }
                    }
                }
                Value::PixelSequence(_) => {}
            }
        }
    }

    /// Reads every DICOM file under `dir` (files that do not open are skipped: they cannot
    /// have produced an output).
    pub fn from_dir(dir: &Path) -> Originals {
        let mut originals = Originals::default();
        for entry in walkdir::WalkDir::new(dir)
            .follow_links(false)
            .into_iter()
            .flatten()
        {
            if entry.file_type().is_file() {
                if let Ok(header) = dataset::open_header(entry.path()) {
                    originals.add(&header.file);
                }
            }
        }
        originals
    }

    /// How many values will be looked for.
    pub fn len(&self) -> usize {
        self.names.len() + self.ids.len() + self.dates.len() + self.uids.len()
    }

    /// Whether nothing was gathered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Checks one output file; an empty list means it passes.
pub fn verify_file(path: &Path, profile: &ResolvedProfile, originals: Option<&Originals>) -> Vec<Violation> {
    // The whole file is checked for soundness; its pixel data is not read into memory.
    let file = match dataset::open_around_pixel_data(path) {
        Ok(header) => header.file,
        Err(e) => {
            return vec![Violation {
                file: path.to_path_buf(),
                path: None,
                problem: format!("does not open: {e}"),
            }]
        }
    };
    let mut check = Checker {
        file: path,
        profile,
        sop_class: sop_class_uid(&file),
        originals,
        keeps_dates: profile.has_option("retain-long-full-dates"),
        keeps_uids: profile.has_option("retain-uids"),
        found: Vec::new(),
    };
    check.object(&file, None, 0);
    check.markers(&file);
    check.meta(&file);
    check.found
}

struct Checker<'a> {
    file: &'a Path,
    profile: &'a ResolvedProfile,
    sop_class: Option<String>,
    originals: Option<&'a Originals>,
    keeps_dates: bool,
    keeps_uids: bool,
    found: Vec<Violation>,
}

impl Checker<'_> {
    fn report(&mut self, path: Option<TagPath>, problem: String) {
        self.found.push(Violation {
            file: self.file.to_path_buf(),
            path,
            problem,
        });
    }

    fn object(&mut self, obj: &InMemDicomObject, parent: Option<(&TagPath, u32)>, depth: usize) {
        // Creators whose blocks still hold an element may stay.
        let live_blocks: HashSet<Tag> = obj
            .iter()
            .filter_map(|el| private::creator_tag(el.header().tag))
            .collect();
        for el in obj.iter() {
            let tag = el.header().tag;
            let path = match parent {
                Some((p, i)) => p.child(i, tag),
                None => TagPath::root(tag),
            };
            let creator = private::creator_of(obj, tag);
            let ctx = ElementContext {
                path: &path,
                creator: creator.as_deref(),
            };
            let mut action = self.profile.decide(&ctx).map_or(Action::Keep, |m| m.action);
            if action.is_combined() {
                action = iod::resolve(action, self.sop_class.as_deref(), &path).action;
            }
            if action == Action::Remove && private::is_private_creator(tag) && live_blocks.contains(&tag) {
                action = Action::Keep;
            }
            let empty = match el.value() {
                Value::Primitive(p) => p.calculate_byte_len() == 0,
                Value::Sequence(s) => s.items().is_empty(),
                Value::PixelSequence(s) => s.fragments().is_empty(),
            };
            match action {
                Action::Remove => {
                    self.report(Some(path.clone()), "present, but the profile removes it".into())
                }
                Action::Empty if !empty => self.report(
                    Some(path.clone()),
                    "holds a value, but the profile empties it".into(),
                ),
                _ => {}
            }
            match el.value() {
                Value::Sequence(seq) if depth < crate::limits::max_depth() => {
                    for (i, item) in seq.items().iter().enumerate() {
                        self.object(item, Some((&path, i as u32)), depth + 1);
                    }
                }
                Value::Primitive(p) => {
                    let values = strings_of(p);
                    if el.vr() == VR::UI {
                        for v in values.iter().filter(|v| !v.is_empty()) {
                            if !valid_uid(v) {
                                self.report(Some(path.clone()), format!("'{v}' is not a valid UID"));
                            }
                        }
                    }
                    self.originals_in(&path, el.vr(), &values);
                }
                _ => {}
            }
        }
    }

    fn originals_in(&mut self, path: &TagPath, vr: VR, values: &[String]) {
        let Some(orig) = self.originals else { return };
        for v in values.iter().filter(|v| !v.is_empty()) {
            let low = v.to_lowercase();
            let mut hits: Vec<String> = Vec::new();
            if !self.keeps_uids && orig.uids.contains(v.as_str()) {
                hits.push(format!("original UID {v}"));
            }
            if vr != VR::UI {
                let words: HashSet<&str> = low.split(|c: char| !c.is_alphanumeric()).collect();
                hits.extend(
                    orig.names
                        .iter()
                        .filter(|n| words.contains(n.as_str()))
                        .map(|n| format!("original name part '{n}'")),
                );
                hits.extend(
                    orig.ids
                        .iter()
                        .filter(|id| low.contains(id.as_str()))
                        .map(|id| format!("original identifier '{id}'")),
                );
                if !self.keeps_dates
                    && matches!(vr, VR::DA | VR::DT | VR::LO | VR::LT | VR::ST | VR::UT | VR::SH)
                {
                    hits.extend(
                        orig.dates
                            .iter()
                            .filter(|d| low.contains(d.as_str()))
                            .map(|d| format!("original date {d}")),
                    );
                }
            }
            for hit in hits {
                self.report(Some(path.clone()), format!("{hit} is still here"));
            }
        }
    }

    fn markers(&mut self, obj: &InMemDicomObject) {
        if dataset::text_of(obj, tags::PATIENT_IDENTITY_REMOVED).is_none() {
            self.report(
                Some(TagPath::root(tags::PATIENT_IDENTITY_REMOVED)),
                "marker missing".into(),
            );
        }
        let present: HashSet<String> = obj
            .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
            .and_then(|el| el.items())
            .unwrap_or(&[])
            .iter()
            .filter_map(|item| dataset::text_of(item, tags::CODE_VALUE))
            .collect();
        for m in self.profile.methods() {
            if !present.contains(&m.code) {
                self.report(
                    Some(TagPath::root(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)),
                    format!("code {} ({}) missing", m.code, m.meaning),
                );
            }
        }
    }

    fn meta(&mut self, file: &DicomFile) {
        let meta_uid = file
            .meta()
            .media_storage_sop_instance_uid()
            .trim_end_matches(['\0', ' '])
            .to_string();
        let sop = dataset::text_of(file, tags::SOP_INSTANCE_UID).unwrap_or_default();
        if meta_uid != sop {
            self.report(
                Some(TagPath::root(tags::MEDIA_STORAGE_SOP_INSTANCE_UID)),
                format!("meta {meta_uid} disagrees with SOP Instance UID {sop}"),
            );
        }
        if let Some(orig) = self.originals {
            if !self.keeps_uids && orig.uids.contains(&meta_uid) {
                self.report(
                    Some(TagPath::root(tags::MEDIA_STORAGE_SOP_INSTANCE_UID)),
                    format!("original UID {meta_uid} is still here"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_validity() {
        assert!(valid_uid("2.25.1234"));
        assert!(valid_uid("1.2.840.10008.5.1.4.1.1.2"));
        assert!(!valid_uid("1.02.3"));
        assert!(!valid_uid("1..2"));
        assert!(!valid_uid("1.2.a"));
        assert!(!valid_uid(&format!("1.{}", "2".repeat(64))));
    }
}
