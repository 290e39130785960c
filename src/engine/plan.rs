//! Deciding, element by element, what the profile does.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Arc;

use dicom_core::dictionary::DataDictionary;
use dicom_core::smallvec::SmallVec;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::VR;
use dicom_dictionary_std::{tags, StandardDataDictionary};
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;

use super::clean::{Identifiers, PERSON_CODE_SEQUENCES};
use super::dummy::{dummy_value, max_chars};
use super::{dates, keyed, markers, Context, Plan, Salt};
use crate::confidentiality::{iod, registry};
use crate::dataset::charset::CodeExtensions;
use crate::dataset::{
    private, sop_class_uid, strings_of, text_of, DicomFile, Header, ItemStep, PixelData, Snapshot, TagPath,
};
use crate::diff::{Change, ChangeKind, Decision, RuleLabel};
use crate::error::{Error, Result};
use crate::profile::{Action, ElementContext, ResolvedProfile};

/// Why a time of day under C is kept (PS3.15 E.3.6: dates move, intervals stay).
const TIME_KEPT_NOTE: &str = "a time of day: dates move by whole days, so times of day stay as they were";

/// The note of a cleaned value the file's ISO 2022 character sets could not hold again.
const ASCII_ONLY_NOTE: &str =
    "cleaned text the file's ISO 2022 character sets cannot hold was written in ASCII, \
     each run of other characters as ***";

/// `text` with each run of characters outside ASCII's printable ones and its controls (an
/// escape included) written `***`: valid under every ISO 2022 character set.
fn ascii_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for c in text.chars() {
        if c.is_ascii() && c != '\u{1b}' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push_str("***");
            in_run = true;
        }
    }
    out
}

/// The rule text of an element no rule names inside a sequence whose action is D.
const IN_DUMMY_SEQUENCE_RULE: &str = "inside a sequence replaced with dummies (D)";

/// The rule text of an element no rule names inside a sequence whose action is C.
const IN_CLEAN_SEQUENCE_RULE: &str = "inside a sequence cleaned (C)";

/// The rule text of elements no rule matches.
const DEFAULT_RULE: &str = "default: not in PS3.15 Table E.1-1, kept";

/// The rule text of URLs no rule matches.
const URL_RULE: &str = "default: a URL not in PS3.15 Table E.1-1 (it names a host, often the study), removed";

/// The rule text of UIDs no rule matches that name an entity.
const UID_RULE: &str = "default: a UID not in PS3.15 Table E.1-1 that names an instance, series, study or other entity, replaced";

/// The rule text of file meta elements found in a data set.
const OUT_OF_PLACE_RULE: &str = "out of place: a file meta element in the data set";

/// Decides what `profile` does to every element of `file`.
pub fn plan(file: &DicomFile, profile: &ResolvedProfile, ctx: &Context) -> Result<Plan> {
    plan_with_pixels(file, None, profile, ctx)
}

/// Decides what `profile` does to every element of a file read around its pixel data,
/// the pixel data left in the file included: the same plan as of the whole file.
pub fn plan_header(header: &Header, profile: &ResolvedProfile, ctx: &Context) -> Result<Plan> {
    let mut plan = plan_with_pixels(&header.file, header.pixel_data.as_ref(), profile, ctx)?;
    plan.notes.clone_from(&header.notes);
    plan.input_text.clone_from(&header.input_text);
    Ok(plan)
}

fn plan_with_pixels(
    file: &DicomFile,
    pixel_data: Option<&PixelData>,
    profile: &ResolvedProfile,
    ctx: &Context,
) -> Result<Plan> {
    super::check_context(profile, ctx)?;
    let obj: &InMemDicomObject = file;
    let salt = ctx.salt();
    let mut planner = Planner {
        profile,
        salt,
        // A DICOMDIR has no SOP Class UID in its data set: its meta group names the class.
        sop_class: sop_class_uid(obj).or_else(|| {
            let meta = file.meta().media_storage_sop_class_uid();
            let meta = meta.trim_end_matches(['\0', ' ']);
            (!meta.is_empty()).then(|| meta.to_string())
        }),
        root: obj,
        meta_instance_uid: file.meta().media_storage_sop_instance_uid(),
        ids: std::cell::OnceCell::new(),
        extensions: std::cell::OnceCell::new(),
        shift_days: std::cell::OnceCell::new(),
        inside: std::cell::OnceCell::new(),
        // Entries are large: growing the list as they come would copy it over and over. (The
        // markers and pixel data left in the file come on top.)
        entries: Vec::with_capacity(crate::diff::element_count(obj) + 8),
    };
    planner.level(obj, None, 0, Scope::OPEN)?;
    if let Some(pixels) = pixel_data {
        planner.pixel_data(pixels);
    }
    planner.remap_references();

    let (marker_entries, added) = markers::plan_markers(obj, &planner.entries, profile);
    // Worked out only for a file whose data set gives no SOP Instance UID to follow.
    let orphan = markers::planned_uid(&planner.entries, tags::SOP_INSTANCE_UID)
        .is_none()
        .then(|| planner.orphaned_instance_uid());
    let mut entries = planner.entries;
    entries.retain(|e| !(e.path.depth() == 0 && marker_entries.iter().any(|m| m.path == e.path)));
    entries.extend(marker_entries);
    let meta = markers::plan_meta(file.meta(), &entries, orphan);
    Ok(Plan {
        profile: profile.name().to_string(),
        sop_class: planner.sop_class,
        entries,
        meta,
        notes: Vec::new(),
        added,
        input_text: Default::default(),
    })
}

struct Planner<'a> {
    profile: &'a ResolvedProfile,
    salt: Option<&'a Salt>,
    sop_class: Option<String>,
    root: &'a InMemDicomObject,
    /// The input's Media Storage SOP Instance UID, as read.
    meta_instance_uid: &'a str,
    /// The dataset's identifiers, gathered the first time a text is cleaned.
    ids: std::cell::OnceCell<Identifiers>,
    /// The dataset's ISO 2022 code extensions (`None`: its text is right as read), looked
    /// up the first time a text is cleaned.
    extensions: std::cell::OnceCell<Option<CodeExtensions>>,
    /// The patient's date offset (`None`: no salt), worked out the first time a date is
    /// shifted: most files have no date to shift.
    shift_days: std::cell::OnceCell<Option<i64>>,
    /// What the profile does to the UIDs, dates and times of the file, which elements no
    /// rule names inside a D or C sequence follow; worked out at the first such element.
    inside: std::cell::OnceCell<InsideActions>,
    entries: Vec<Change>,
}

/// One element's decision before its entry is written.
struct Decided<'e> {
    path: TagPath,
    element: &'e InMemElement,
    action: Action,
    decision: Decision,
}

impl Planner<'_> {
    /// Plans one dataset or item: decides every element, keeps the creators of kept private
    /// elements, then writes the entries in order, descending into kept sequences. `scope`
    /// says whether the item is inside a sequence replaced with dummies or cleaned.
    fn level(
        &mut self,
        obj: &InMemDicomObject,
        parent: Option<(&TagPath, u32)>,
        depth: usize,
        scope: Scope,
    ) -> Result<()> {
        let mut decided: Vec<Decided<'_>> = obj
            .iter()
            .map(|el| {
                let tag = el.header().tag;
                let path = match parent {
                    Some((p, item)) => p.child(item, tag),
                    None => TagPath::root(tag),
                };
                let creator = private::creator_of(obj, tag);
                let (action, decision) = self.decide(&path, creator.as_deref(), el.vr());
                let (action, decision) = self.within(scope, el, action, decision);
                Decided {
                    path,
                    element: el,
                    action,
                    decision,
                }
            })
            .collect();
        keep_needed_creators(&mut decided);
        drop_orphaned_dependents(&mut decided);

        for d in decided {
            if d.element.vr() == VR::SQ || matches!(d.element.value(), Value::Sequence(_)) {
                self.sequence(d, depth, scope)?;
            } else {
                self.primitive(d)?;
            }
        }
        Ok(())
    }

    fn decide(&self, path: &TagPath, creator: Option<&str>, vr: VR) -> (Action, Decision) {
        // File meta elements (group 0002) have no place in a data set; what a writer left
        // there (a sending station's AE title) goes, whatever the profile says.
        if path.tag.group() == 0x0002 {
            let decision = Decision {
                action: Action::Remove,
                requested: None,
                rule: OUT_OF_PLACE_RULE.into(),
                note: None,
            };
            return (Action::Remove, decision);
        }
        let ctx = ElementContext { path, creator };
        let (requested, rule) = match self.profile.decide(&ctx) {
            Some(m) => (m.action, RuleLabel::from(Arc::clone(m.rule))),
            None => return default_decision(path.tag, vr),
        };
        let mut action = requested;
        let mut note = None;
        if requested.is_combined() {
            let r = iod::resolve(requested, self.sop_class.as_deref(), path);
            action = r.action;
            note = Some(match r.note() {
                Some(why) => RuleLabel::from(Arc::clone(why)),
                None => RuleLabel::from("SOP Class not in dpk's IOD table: the left-most action"),
            });
        }
        if matches!(action, Action::Remove | Action::Empty) {
            if let Some((needed, why)) = iod::required(action, self.sop_class.as_deref(), path) {
                action = needed;
                note = Some(RuleLabel::from(why));
            }
        }
        if action == Action::Clean && !Action::cleans_in_place(vr) {
            note = Some(format!("a {} value cannot be cleaned: removed", vr.to_string()).into());
            action = Action::Remove;
        }
        let sequence_ok =
            vr == VR::SQ && matches!(action, Action::Dummy | Action::ReplaceUid | Action::Clean);
        if !action.fits_vr(vr) && !sequence_ok {
            note = Some(format!("{action} does not fit VR {}: removed instead", vr.to_string()).into());
            action = Action::Remove;
        }
        let decision = Decision {
            action,
            requested: (requested != action).then_some(requested),
            rule,
            note,
        };
        (action, decision)
    }

    /// Writes the entry of a sequence and plans its items. A sequence kept, replaced with
    /// dummies (D) or cleaned (C) keeps its items; under D or C, what no rule names inside it,
    /// at any depth, is replaced with dummies or cleaned too (see [`Planner::within`]).
    fn sequence(&mut self, d: Decided<'_>, depth: usize, scope: Scope) -> Result<()> {
        let items = d.element.items().unwrap_or(&[]);
        let before = Some(Snapshot::Items(items.len()));
        let (kind, after) = match d.action {
            Action::Remove => (ChangeKind::Removed, None),
            Action::Empty if items.is_empty() => (ChangeKind::Unchanged, before.clone()),
            Action::Empty => (ChangeKind::Emptied, Some(Snapshot::Items(0))),
            // Keep, and D/U/C on a sequence: the sequence stays and each element inside is
            // decided by its own rule, or by the D or C around it where it has none.
            _ => (ChangeKind::Unchanged, before.clone()),
        };
        let descend = kind == ChangeKind::Unchanged && !items.is_empty();
        let inner = scope.enter(d.path.tag, d.action, &d.decision);
        let mut change = Change::new(d.path.clone(), VR::SQ, kind, before, after);
        change.decision = Some(d.decision);
        self.entries.push(change);
        if descend {
            let max = crate::limits::max_depth();
            if depth + 1 > max {
                return Err(Error::Value {
                    path: d.path,
                    reason: format!("{} {max} levels (the nesting limit)", crate::limits::TOO_DEEP),
                });
            }
            for (i, item) in items.iter().enumerate() {
                self.level(item, Some((&d.path, i as u32)), depth + 1, inner)?;
            }
        }
        Ok(())
    }

    /// Adds the entry of pixel data that was not read (left in the file), in file order among
    /// the top-level entries. Only actions that need no bytes apply to it; as with
    /// encapsulated pixel data in memory, a value-changing action removes it.
    fn pixel_data(&mut self, pixels: &PixelData) {
        let path = TagPath::root(pixels.tag);
        let (action, mut decision) = self.decide(&path, None, pixels.vr);
        let before = pixels.snapshot.clone();
        let (kind, after) = match action {
            Action::Keep => (ChangeKind::Unchanged, Some(before.clone())),
            Action::Empty if before.is_empty() => (ChangeKind::Unchanged, Some(before.clone())),
            Action::Empty => (
                ChangeKind::Emptied,
                Some(Snapshot::primitive(PrimitiveValue::Empty)),
            ),
            Action::Dummy => match dummy_value(pixels.vr) {
                Some(v) => (ChangeKind::Replaced, Some(Snapshot::primitive(v))),
                None => (ChangeKind::Removed, None),
            },
            Action::Remove => (ChangeKind::Removed, None),
            _ => {
                decision.note = Some("not a text value: removed".into());
                (ChangeKind::Removed, None)
            }
        };
        let mut change = Change::new(path, pixels.vr, kind, Some(before), after);
        change.decision = Some(decision);
        crate::diff::insert_in_file_order(&mut self.entries, change);
    }

    /// Writes the entry of an element that is not a sequence.
    fn primitive(&mut self, d: Decided<'_>) -> Result<()> {
        let vr = d.element.vr();
        let mut before = Snapshot::of(d.element.value());
        let mut decision = d.decision;
        let value = d.element.value().primitive();
        // A value kept is the same before and after: one value, shared.
        let (kind, after) = match (d.action, value) {
            (Action::Keep, _) => (ChangeKind::Unchanged, Some(before.share())),
            (Action::Remove, _) => (ChangeKind::Removed, None),
            (Action::Empty, _) if before.is_empty() => (ChangeKind::Unchanged, Some(before.share())),
            (Action::Empty, _) => (
                ChangeKind::Emptied,
                Some(Snapshot::primitive(PrimitiveValue::Empty)),
            ),
            (Action::Dummy, _) => match dummy_value(vr) {
                Some(v) => (ChangeKind::Replaced, Some(Snapshot::primitive(v))),
                None => (ChangeKind::Removed, None),
            },
            (_, None) => {
                // Encapsulated pixel data under a text action: nothing sensible to do but keep
                // it out of the output.
                decision.note = Some("not a text value: removed".into());
                (ChangeKind::Removed, None)
            }
            (action, Some(value)) => {
                let (new, note) = self.transform(action, vr, value, &d.path)?;
                if let Some(note) = note {
                    decision.note = Some(note.into());
                }
                match new {
                    None => (
                        ChangeKind::Emptied,
                        Some(Snapshot::primitive(PrimitiveValue::Empty)),
                    ),
                    Some(v) if &v == value => (ChangeKind::Unchanged, Some(before.share())),
                    Some(v) => (ChangeKind::Replaced, Some(Snapshot::primitive(v))),
                }
            }
        };
        let mut change = Change::new(d.path, vr, kind, Some(before), after);
        change.decision = Some(decision);
        // Pushed here rather than returned: an entry is large, and each move copies it.
        self.entries.push(change);
        Ok(())
    }

    /// Carries out a value-changing action on each value of an element. `None`: the element
    /// is emptied (the value could not be transformed and must not be kept).
    fn transform(
        &self,
        action: Action,
        vr: VR,
        value: &PrimitiveValue,
        path: &TagPath,
    ) -> Result<(Option<PrimitiveValue>, Option<String>)> {
        if action == Action::Clean && !matches!(vr, VR::DA | VR::DT | VR::TM) {
            if let Some(cleaned) = self.clean_coded(value, vr) {
                return Ok(cleaned);
            }
        }
        let values = values_of(value);
        let salt = || -> Result<&Salt> { self.salt.ok_or_else(|| self.missing_salt()) };
        // Most elements hold one or two values: kept inline, without an allocation.
        let mut out: SmallVec<[String; 2]> = SmallVec::with_capacity(values.size_hint().0);
        for v in values {
            if v.is_empty() {
                out.push(String::new());
                continue;
            }
            let new = match (action, vr) {
                (Action::Hash, _) => Some(salt()?.hash_text(&v, hash_len(vr))),
                (Action::ReplaceUid, _) => Some(salt()?.remap_uid(&v)),
                (Action::ShiftDate | Action::Clean, VR::DA) => dates::shift_da(&v, self.days()?),
                (Action::ShiftDate | Action::Clean, VR::DT) => dates::shift_dt(&v, self.days()?),
                // Dates move by whole days: a time of day is kept as it is.
                (Action::Clean, VR::TM) => Some(v.to_string()),
                (Action::Clean, _) => Some(
                    self.ids
                        .get_or_init(|| Identifiers::gather(self.root))
                        .clean(&v, vr),
                ),
                (other, _) => {
                    return Err(Error::Value {
                        path: path.clone(),
                        reason: format!("action {other} cannot transform a {} value", vr.to_string()),
                    })
                }
            };
            match new {
                Some(n) => out.push(n),
                None => {
                    return Ok((
                        None,
                        Some(format!("'{v}' is not a valid {}: emptied", vr.to_string())),
                    ))
                }
            }
        }
        let new = match out.len() {
            0 => PrimitiveValue::Empty,
            1 => PrimitiveValue::from(out.remove(0)),
            _ => PrimitiveValue::Strs(out),
        };
        let note = (action == Action::Clean && vr == VR::TM).then(|| TIME_KEPT_NOTE.to_string());
        Ok((Some(new), note))
    }

    /// Cleans a text element under ISO 2022 code extensions; `None` when there are none or
    /// its text needs no decoding. The values are decoded whole (the reader splits them at
    /// bytes that are half of a JIS X 0208 character too) and the names looked for in the
    /// decoded text. An element whose values do not change keeps the text read, so its
    /// bytes; one that changes is written again in the declared character sets, or, where
    /// they cannot hold its text, in ASCII (which all of them hold), with a note saying so.
    fn clean_coded(
        &self,
        value: &PrimitiveValue,
        vr: VR,
    ) -> Option<(Option<PrimitiveValue>, Option<String>)> {
        let extensions = self
            .extensions
            .get_or_init(|| CodeExtensions::of_dataset(self.root))
            .as_ref()?;
        let texts: &[String] = match value {
            PrimitiveValue::Str(s) => std::slice::from_ref(s),
            PrimitiveValue::Strs(list) => list,
            _ => return None,
        };
        let decoded = extensions.decode_values(texts, vr)?;
        let ids = self.ids.get_or_init(|| Identifiers::gather(self.root));
        let trim = |v: &str| v.trim_matches(|c: char| c == ' ' || c == '\0').to_string();
        let kept: Vec<String> = decoded.iter().map(|v| trim(v)).collect();
        let cleaned: Vec<String> = kept.iter().map(|v| ids.clean(v, vr)).collect();
        if cleaned == kept {
            return Some((Some(value.clone()), None));
        }
        Some(match extensions.encode_values(&cleaned, vr) {
            Some(text) => (Some(PrimitiveValue::from(text)), None),
            None => (
                Some(PrimitiveValue::from(ascii_only(&cleaned.join("\\")))),
                Some(ASCII_ONLY_NOTE.to_string()),
            ),
        })
    }

    /// The patient's date offset; there is one exactly when a salt was given.
    fn days(&self) -> Result<i64> {
        let days = self.shift_days.get_or_init(|| {
            let patient_key = text_of(self.root, tags::PATIENT_ID)
                .or_else(|| text_of(self.root, tags::PATIENT_NAME))
                .unwrap_or_default();
            self.salt.map(|s| s.date_offset_days(&patient_key))
        });
        days.ok_or_else(|| self.missing_salt())
    }

    fn missing_salt(&self) -> Error {
        Error::MissingSalt {
            profile: self.profile.name().to_string(),
        }
    }

    /// Every UID the plan keeps that names an entity (an instance, series, study, frame of
    /// reference, …) is replaced, whatever attribute holds it: Table E.1-1 lists the UID
    /// attributes it knows, but a UID of the same entity turns up under others (SOP Instance
    /// UID of Concatenation Source, a vendor's private UIDs), and each would link the output
    /// back to the hospital's records. A UID looked at here is one that no rule matches, or a
    /// private one an option or rule keeps; registry UIDs ([`registry::is_registry_uid`]) and
    /// attributes that name a class ([`registry::names_a_class`]) stay. Under the Retain UIDs
    /// option only UIDs replaced elsewhere in the file are (a reference must not dangle).
    /// Dummy UIDs (action D on a UI element) are derived UIDs too: see
    /// [`Planner::dummy_uids`].
    fn remap_references(&mut self) {
        self.dummy_uids();
        self.keep_registry_uids();
        self.drop_whole_planes();
        let Some(salt) = self.salt else { return };
        let retain_uids = self.profile.has_option("retain-uids");
        // The entries to replace and their new values, found first: the UIDs looked for are
        // borrowed from the entries.
        let referring: Vec<(usize, Vec<String>, bool)> = {
            // Sorted for look-ups by bisection: a file replaces a few UIDs, and hashing each
            // look-up would cost more.
            let mut replaced: Vec<Cow<'_, str>> = self
                .entries
                .iter()
                .filter(|e| {
                    e.vr == VR::UI
                        && e.decision
                            .as_ref()
                            .is_some_and(|d| d.action == Action::ReplaceUid)
                })
                .filter_map(|e| match &e.before {
                    Some(Snapshot::Primitive(p)) => Some(values_of(p)),
                    _ => None,
                })
                .flatten()
                .collect();
            replaced.sort_unstable();
            replaced.dedup();
            let is_replaced = |v: &Cow<'_, str>| replaced.binary_search(v).is_ok();
            // The new values of an entry to replace, and whether every value replaced is a
            // reference to a UID replaced elsewhere.
            let refers = |e: &Change| -> Option<(Vec<String>, bool)> {
                let kept_by_default = e.decision.as_ref().is_some_and(|d| {
                    d.action == Action::Keep && (d.rule == DEFAULT_RULE || e.path.tag.group() % 2 == 1)
                });
                if e.vr != VR::UI || e.kind != ChangeKind::Unchanged || !kept_by_default {
                    return None;
                }
                if registry::names_a_class(e.path.tag) {
                    return None;
                }
                let Some(Snapshot::Primitive(p)) = &e.before else {
                    return None;
                };
                let entity = |v: &Cow<'_, str>| {
                    !v.is_empty() && !registry::is_registry_uid(v) && (!retain_uids || is_replaced(v))
                };
                if !values_of(p).any(|v| entity(&v)) {
                    return None;
                }
                let only_references = values_of(p).filter(entity).all(|v| is_replaced(&v));
                let new = values_of(p).map(|v| {
                    if entity(&v) {
                        salt.remap_uid(&v)
                    } else {
                        v.into_owned()
                    }
                });
                Some((new.collect(), only_references))
            };
            self.entries
                .iter()
                .enumerate()
                .filter_map(|(i, e)| {
                    let (new, only_references) = refers(e)?;
                    Some((i, new, only_references))
                })
                .collect()
        };
        for (i, new, only_references) in referring {
            let e = &mut self.entries[i];
            e.kind = ChangeKind::Replaced;
            e.after = Some(Snapshot::primitive(PrimitiveValue::Strs(new.into())));
            let old = e.decision.take();
            let by_default = old.as_ref().is_none_or(|d| d.rule == DEFAULT_RULE);
            let (rule, note) = match (only_references, by_default, old) {
                (true, _, _) | (false, _, None) => (
                    RuleLabel::from("consistency: refers to a UID replaced elsewhere in the file"),
                    None,
                ),
                (false, true, Some(_)) => (RuleLabel::from(UID_RULE), None),
                (false, false, Some(d)) => (
                    d.rule,
                    Some(RuleLabel::from(
                        "a private UID that names an entity is replaced like any other",
                    )),
                ),
            };
            e.decision = Some(Decision {
                action: Action::ReplaceUid,
                requested: Some(Action::Keep),
                rule,
                note,
            });
        }
    }

    /// A registry UID under a rule that replaces UIDs (Synchronization Frame of Reference UID
    /// holding UTC's well-known 1.2.840.10008.15.1.1) is kept: it names no entity of the
    /// patient, and a new UID in its place would lose what the standard defines it to mean.
    fn keep_registry_uids(&mut self) {
        for e in self.entries.iter_mut() {
            let replaces = e.vr == VR::UI
                && e.kind == ChangeKind::Replaced
                && e.decision
                    .as_ref()
                    .is_some_and(|d| d.action == Action::ReplaceUid);
            if !replaces {
                continue;
            }
            let (Some(Snapshot::Primitive(before)), Some(Snapshot::Primitive(after))) = (&e.before, &e.after)
            else {
                continue;
            };
            if !values_of(before).any(|v| registry::is_registry_uid(&v)) {
                continue;
            }
            let new: Vec<String> = values_of(before)
                .zip(values_of(after))
                .map(|(b, a)| {
                    if registry::is_registry_uid(&b) {
                        b.into_owned()
                    } else {
                        a.into_owned()
                    }
                })
                .collect();
            let unchanged = values_of(before).eq(new.iter().map(|v| Cow::Borrowed(v.as_str())));
            if unchanged {
                e.kind = ChangeKind::Unchanged;
                e.after = e.before.as_mut().map(Snapshot::share);
            } else {
                e.after = Some(Snapshot::primitive(PrimitiveValue::Strs(new.into())));
            }
            if let Some(d) = e.decision.as_mut() {
                d.note = Some("a registry UID (PS3.6 Annex A) names no entity: kept".into());
            }
        }
    }

    /// A dummy UID (action D on a UI element) is never a constant: one UID shared by every
    /// output would make different instances, series or studies one. It is the original
    /// remapped as U would (so references to it follow), or, where the original is empty, a
    /// UID derived from the input and the element's place.
    fn dummy_uids(&mut self) {
        let dummies: Vec<usize> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.vr == VR::UI
                    && e.kind == ChangeKind::Replaced
                    && e.decision.as_ref().is_some_and(|d| d.action == Action::Dummy)
            })
            .map(|(i, _)| i)
            .collect();
        for i in dummies {
            let e = &self.entries[i];
            let originals: Vec<String> = match &e.before {
                Some(Snapshot::Primitive(p)) => values_of(p).map(Cow::into_owned).collect(),
                _ => Vec::new(),
            };
            let place = e.path.to_string();
            let new: Vec<String> = if originals.iter().all(|v| v.is_empty()) {
                vec![self.derived_uid(&place)]
            } else {
                originals
                    .iter()
                    .enumerate()
                    .map(|(n, v)| match (self.salt, v.is_empty()) {
                        (Some(salt), false) => salt.remap_uid(v),
                        _ => self.derived_uid(&format!("{place}#{n}")),
                    })
                    .collect()
            };
            let e = &mut self.entries[i];
            e.after = Some(Snapshot::primitive(PrimitiveValue::Strs(new.into())));
            if let Some(d) = e.decision.as_mut() {
                d.note.get_or_insert_with(|| {
                    "a dummy UID is derived from the original: a constant would make different entities one".into()
                });
            }
        }
    }

    /// A UID unique to this input and to `what` (a place in the data set): keyed by the salt
    /// and the input's own UID (its SOP Instance UID, else its meta group's), else the digest
    /// of its content; without a salt, a plain digest of the content (never of a UID alone,
    /// which could be confirmed by anyone who guesses it).
    fn derived_uid(&self, what: &str) -> String {
        const DOMAIN: &str = "dpk/derived-uid";
        let own_uid = text_of(self.root, tags::SOP_INSTANCE_UID).or_else(|| {
            let meta = self.meta_instance_uid.trim_end_matches(['\0', ' ']);
            (!meta.is_empty()).then(|| meta.to_string())
        });
        match (self.salt, own_uid) {
            (Some(salt), Some(uid)) => salt.derive_uid(DOMAIN, format!("{uid}\0{what}").as_bytes()),
            (salt, _) => {
                let mut data = keyed::content_digest(self.root).to_vec();
                data.push(0);
                data.extend_from_slice(what.as_bytes());
                match salt {
                    Some(salt) => salt.derive_uid(DOMAIN, &data),
                    None => keyed::unkeyed_uid(DOMAIN, &data),
                }
            }
        }
    }

    /// The Media Storage SOP Instance UID of a file whose data set gives no SOP Instance UID
    /// to follow (a DICOMDIR has none; a profile may remove it): the meta group's own UID
    /// remapped as U would, kept where the profile keeps (0002,0003) (Retain UIDs), or, with
    /// neither a salt nor a UID, derived from the input's content. Never a constant.
    fn orphaned_instance_uid(&self) -> String {
        let meta = self.meta_instance_uid.trim_end_matches(['\0', ' ']);
        let valid = !meta.is_empty() && crate::dataset::valid_uid(meta);
        let path = TagPath::root(tags::MEDIA_STORAGE_SOP_INSTANCE_UID);
        let keeps = self
            .profile
            .decide(&ElementContext {
                path: &path,
                creator: None,
            })
            .is_some_and(|m| m.action == Action::Keep);
        match self.salt {
            _ if valid && keeps => meta.to_string(),
            Some(salt) if valid => salt.remap_uid(meta),
            _ => self.derived_uid("(0002,0003)"),
        }
    }

    /// Removing Overlay Data (60xx,3000) removes the whole overlay plane of that group (and
    /// Curve Data (50xx,3000) the whole curve): the rest of a plane without its data breaks
    /// the Overlay Plane module (Overlay Data is Type 1) and still describes the overlay.
    fn drop_whole_planes(&mut self) {
        let repeating = |g: u16| (0x6000..=0x601E).contains(&g) || (0x5000..=0x501E).contains(&g);
        let gone: Vec<(Vec<ItemStep>, u16)> = self
            .entries
            .iter()
            .filter(|e| {
                let g = e.path.tag.group();
                repeating(g) && g % 2 == 0 && e.path.tag.element() == 0x3000 && e.kind == ChangeKind::Removed
            })
            .map(|e| (e.path.items.clone(), e.path.tag.group()))
            .collect();
        if gone.is_empty() {
            return;
        }
        for e in self.entries.iter_mut().filter(|e| e.kind != ChangeKind::Removed) {
            let group = e.path.tag.group();
            if !gone
                .iter()
                .any(|(items, g)| *g == group && *items == e.path.items)
            {
                continue;
            }
            e.kind = ChangeKind::Removed;
            e.after = None;
            let requested = e.decision.as_ref().map(|d| d.action);
            e.decision = Some(Decision {
                action: Action::Remove,
                requested,
                rule: format!(
                    "required: part of the plane of group {group:04X}, whose data ({group:04X},3000) is removed"
                )
                .into(),
                note: None,
            });
        }
    }
}

/// What happens to an element no rule matches (Table E.1-1 does not list it). It is kept,
/// except a URL (VR UR, or an attribute whose VR is UR in PS3.6 however the file wrote it):
/// a Retrieve URL names the hospital's host and often carries the study's UID, and no text
/// of a URL can be told safe. A UID kept here is looked at again once the whole file is
/// planned (see [`Planner::remap_references`]).
fn default_decision(tag: dicom_core::Tag, vr: VR) -> (Action, Decision) {
    let url = vr == VR::UR
        || StandardDataDictionary
            .by_tag(tag)
            .is_some_and(|e| e.vr == dicom_core::dictionary::VirtualVr::Exact(VR::UR));
    let (action, rule) = if url {
        (Action::Remove, URL_RULE)
    } else {
        (Action::Keep, DEFAULT_RULE)
    };
    let decision = Decision {
        action,
        requested: None,
        rule: rule.into(),
        note: None,
    };
    (action, decision)
}

/// The values of `p` as [`strings_of`] gives them (text values trimmed of padding), borrowed
/// where they are text: the values a plan looks at, without a copy of each.
fn values_of(p: &PrimitiveValue) -> impl Iterator<Item = Cow<'_, str>> {
    let (texts, others) = match p {
        PrimitiveValue::Str(s) => (std::slice::from_ref(s), Vec::new()),
        PrimitiveValue::Strs(v) => (v.as_slice(), Vec::new()),
        _ => (&[][..], strings_of(p)),
    };
    texts
        .iter()
        .map(|s| Cow::Borrowed(s.trim_matches(|c: char| c == ' ' || c == '\0')))
        .chain(others.into_iter().map(Cow::Owned))
}

/// The hash length for a VR: 16 hex digits where 16 characters is the limit, else 32.
fn hash_len(vr: VR) -> usize {
    max_chars(vr).map_or(32, |m| m.min(32))
}

/// A private creator slot is kept when any element of its block is kept: the block cannot be
/// read without it.
fn keep_needed_creators(decided: &mut [Decided<'_>]) {
    let needed: HashSet<dicom_core::Tag> = decided
        .iter()
        .filter(|d| d.action != Action::Remove)
        .filter_map(|d| private::creator_tag(d.path.tag))
        .collect();
    for d in decided.iter_mut() {
        if d.action == Action::Remove && needed.contains(&d.path.tag) {
            d.decision = Decision {
                action: Action::Keep,
                requested: Some(d.action),
                rule: "required: creator of a kept private element".into(),
                note: None,
            };
            d.action = Action::Keep;
        }
    }
}

/// Removes an attribute whose condition depends on another that the plan removes or empties
/// (see [`crate::confidentiality::DEPENDENTS`]).
fn drop_orphaned_dependents(decided: &mut [Decided<'_>]) {
    for (parent, dependent) in crate::confidentiality::DEPENDENTS {
        let parent_goes = decided
            .iter()
            .any(|d| d.path.tag == *parent && matches!(d.action, Action::Remove | Action::Empty));
        if !parent_goes {
            continue;
        }
        for d in decided
            .iter_mut()
            .filter(|d| d.path.tag == *dependent && d.action != Action::Remove)
        {
            d.decision = Decision {
                action: Action::Remove,
                requested: Some(d.action),
                rule: format!(
                    "required: conditional on {}, which is removed or emptied",
                    crate::dataset::tag_string(*parent)
                )
                .into(),
                note: None,
            };
            d.action = Action::Remove;
        }
    }
}

/// Where an item sits: inside a sequence whose action is D or C, or not; and inside a code
/// sequence that identifies a person, or not.
///
/// PS3.15 E.1.1: D on a sequence replaces its contents with dummies, C cleans them; a
/// sequence is not a value that can be replaced whole (an SR content tree, a verifying
/// observer, a graphic annotation must keep their items for the object to stay valid), so its
/// items are walked, and what no rule of the table names inside them (an SR Text Value, a
/// code value of a person) is replaced or cleaned by the sequence's action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Scope {
    /// The D or C of the nearest such sequence around the item.
    mode: Option<ScopeMode>,
    /// Inside a code sequence that identifies a person or organization: its codes are
    /// identifiers, not concepts.
    of_person: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ScopeMode {
    Dummy,
    Clean,
}

impl Scope {
    /// The top level: no sequence around.
    const OPEN: Scope = Scope {
        mode: None,
        of_person: false,
    };

    /// The scope of the items of sequence `tag`, whose action is `action`. A sequence no
    /// rule names carries the scope around it inward; D and C start their own; any other
    /// rule (K of an option, X/Z/U*) ends it, the rule deciding for what is inside.
    fn enter(self, tag: dicom_core::Tag, action: Action, decision: &Decision) -> Scope {
        let mode = match action {
            Action::Dummy => Some(ScopeMode::Dummy),
            Action::Clean => Some(ScopeMode::Clean),
            _ if is_default(decision) => self.mode,
            _ => None,
        };
        Scope {
            mode,
            of_person: self.of_person || PERSON_CODE_SEQUENCES.contains(&tag),
        }
    }
}

/// What the profile does to the file's instance UIDs, dates, date-times and times; what the
/// elements no rule names inside a D or C sequence follow, so that the sequence's UIDs are
/// remapped as the rest of the file's are and its dates follow the longitudinal options.
#[derive(Clone, Copy, Debug)]
struct InsideActions {
    uid: Action,
    date: Action,
    date_time: Action,
    time: Action,
}

/// Whether a decision is the default one: no rule of the profile names the element.
fn is_default(decision: &Decision) -> bool {
    decision.rule.starts_with("default")
}

/// UID attributes that name a definition (a SOP class, a transfer syntax, a coding scheme),
/// not an instance: they identify no one and a reader needs them as they are.
const DEFINITION_UID_TAGS: &[dicom_core::Tag] = &[
    tags::SOP_CLASS_UID,
    tags::REFERENCED_SOP_CLASS_UID,
    tags::RELATED_GENERAL_SOP_CLASS_UID,
    tags::TRANSFER_SYNTAX_UID,
    tags::ORIGINAL_SPECIALIZED_SOP_CLASS_UID,
];

/// The prefix of the UIDs the standard defines (PS3.6 Annex A): not identifying.
const STANDARD_UID_PREFIX: &str = "1.2.840.10008.";

impl Planner<'_> {
    /// The action for an element inside a D or C sequence (`scope`) that no rule names: a text
    /// or name becomes a dummy (D) or is cleaned (C); a UID is remapped as the file's are; a
    /// date or time follows what the profile does to an SR item's Date, DateTime or Time; coded
    /// concepts, enumerated values (CS) and numbers stay, being the structure an IOD needs.
    /// Elements a rule names, and those outside such sequences, keep their decision.
    fn within(
        &self,
        scope: Scope,
        el: &InMemElement,
        action: Action,
        decision: Decision,
    ) -> (Action, Decision) {
        let Some(mode) = scope.mode else {
            return (action, decision);
        };
        // What a rule names follows it; so does what the default already changes (a URL
        // removed, a UID replaced): only a value the default would keep is at stake.
        if action != Action::Keep || !is_default(&decision) {
            return (action, decision);
        }
        let tag = el.header().tag;
        let vr = el.vr();
        // A private creator names a block, not anyone: replaced, the block would be lost.
        if private::is_private_creator(tag) {
            return (action, decision);
        }
        let Value::Primitive(value) = el.value() else {
            return (action, decision);
        };
        if values_of(value).all(|v| v.is_empty()) {
            return (action, decision);
        }
        let inside = *self.inside.get_or_init(|| self.inside_actions());
        let (new, note): (Action, Option<&'static str>) = match vr {
            _ if crate::confidentiality::CODED_ENTRY.contains(&tag) && !scope.of_person => {
                return (action, decision)
            }
            VR::UI => {
                let definition = DEFINITION_UID_TAGS.contains(&tag)
                    || values_of(value).all(|v| v.is_empty() || v.starts_with(STANDARD_UID_PREFIX));
                if definition {
                    return (action, decision);
                }
                (
                    inside.uid,
                    Some("a UID: treated as the file's SOP Instance UID is"),
                )
            }
            VR::DA => date_inside(mode, inside.date),
            VR::DT => date_inside(mode, inside.date_time),
            // A time of day under C is kept, as everywhere (dates move by whole days).
            VR::TM => match (mode, inside.time) {
                (_, Action::Keep) | (ScopeMode::Clean, _) => (Action::Keep, Some("a time of day: kept")),
                _ => (Action::Dummy, None),
            },
            VR::AE | VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UT => match mode {
                ScopeMode::Dummy => (Action::Dummy, None),
                ScopeMode::Clean => (Action::Clean, None),
            },
            // A URL cannot be cleaned and stay one; an age alone identifies no one but is
            // replaced with the rest under D.
            VR::UR => (Action::Dummy, None),
            VR::AS if mode == ScopeMode::Dummy => (Action::Dummy, None),
            // A value of unknown VR may be text: it cannot be replaced knowing its type.
            VR::UN => (
                Action::Remove,
                Some("a value of unknown VR may hold text: removed"),
            ),
            _ => return (action, decision),
        };
        if new == action {
            return (action, decision);
        }
        let rule = match mode {
            ScopeMode::Dummy => IN_DUMMY_SEQUENCE_RULE,
            ScopeMode::Clean => IN_CLEAN_SEQUENCE_RULE,
        };
        let decision = Decision {
            action: new,
            requested: Some(action),
            rule: rule.into(),
            note: note.map(RuleLabel::from),
        };
        (new, decision)
    }

    /// What the profile does, where it names them, to the file's SOP Instance UID and to an SR
    /// content item's Date, DateTime and Time: the counterparts of the values no rule names
    /// inside a D or C sequence.
    fn inside_actions(&self) -> InsideActions {
        let requested = |tag: dicom_core::Tag| {
            let path = TagPath::root(tag);
            self.profile
                .decide(&ElementContext {
                    path: &path,
                    creator: None,
                })
                .map_or(Action::Keep, |m| m.action)
        };
        let uid = match (requested(tags::SOP_INSTANCE_UID), self.salt) {
            (Action::Keep, _) => Action::Keep,
            (_, Some(_)) => Action::ReplaceUid,
            // Without a salt there is no consistent new UID: a dummy, which identifies no one.
            (_, None) => Action::Dummy,
        };
        InsideActions {
            uid,
            date: requested(tags::DATE),
            date_time: requested(tags::DATE_TIME),
            time: requested(tags::TIME),
        }
    }
}

/// The action for a date or date-time inside a D or C sequence, from the mode and what the
/// profile does to its SR counterpart: kept where the profile keeps dates, shifted where it
/// shifts them or the sequence is cleaned, else a dummy.
fn date_inside(mode: ScopeMode, counterpart: Action) -> (Action, Option<&'static str>) {
    match (mode, counterpart) {
        (_, Action::Keep) => (Action::Keep, Some("dates are kept by the profile")),
        (_, Action::Clean | Action::ShiftDate) | (ScopeMode::Clean, _) => (Action::Clean, None),
        (ScopeMode::Dummy, _) => (Action::Dummy, None),
    }
}
