//! The PHI risk model: how much of the patient a dataset still gives away, as a score from 0
//! to 100, a level, and the findings behind it.
//!
//! ## Findings
//!
//! [`score`] walks every element, into sequences, and turns each one that still carries
//! something about a person into a [`Finding`]: its path, a [`Category`], a weight `w` in
//! [0, 1] (roughly "the chance that this element alone leads to the patient") and a one-line
//! reason. Categories come from attribute lists kept as data in `src/risk/categories.rs`
//! (chosen from PS3.15 Table E.1-1); weights from `profiles/risk-weights.ron`.
//!
//! - **direct identifier**: the patient's names, IDs, address, phones, birth date, and the
//!   hospital's record numbers (accession number, study ID …), which lead straight to them;
//! - **quasi-identifier**: sex, age, size, weight, ethnic group, occupation …, and the names
//!   of staff (every other PN element: referring physician, operators): personal data of
//!   staff, and they narrow down where and when the patient was seen (weight `person_name`);
//! - **date**: every non-empty DA or DT element (and Patient Birth Time); a date dpk shifted
//!   (the file says Longitudinal Temporal Information Modified is MODIFIED and, scored
//!   against the original, the value differs from the original's) with the much lower weight
//!   `shifted_date` and its own reason;
//! - **UID**: an instance UID (Table E.1-1 U rows) that still carries an organisation root
//!   (does not start with `2.25.`), or any of them when the file says its UIDs were retained
//!   (Retain UIDs Option, 113110, in De-identification Method (Code Sequence));
//! - **free text**: descriptions and comments; a low weight when dpk finds nothing of this
//!   file in them, `identifying_text` when cleaning (PS3.15 C, `engine::clean`) would change
//!   them, i.e. when they hold one of this file's names, IDs or dates, or any date or e-mail
//!   address;
//! - **device/institution**: institution, department, station, serial numbers;
//! - **private data**: a private element not on the PS3.15 Table E.3.10-1 safe list (the
//!   creators themselves are not counted), raised to `identifying_text` when it holds
//!   identifying text;
//! - **burned-in annotation**: Burned In Annotation YES, a modality that often burns text
//!   into its pixels (US, XA, OT, …; weight `burned_in_modality`), or a Secondary Capture SOP
//!   class (`…1.1.7` and `…1.1.7.n`, not the VL classes `…1.1.77.…` that share its digits),
//!   each with its own reason. dpk cannot see pixels, so the reason says so. A file that
//!   says pixel rules cleaned it (code 113101, the blanked regions named in De-identification
//!   Method, Burned In Annotation NO; see `pixels::claim`) has the lower `burned_in_cleaned`
//!   weight instead: the text the rules foresaw is gone (`dpk verify` checks it), text they
//!   did not foresee may remain.
//!
//! Not findings: empty elements, dpk's own dummy values (`ANONYMIZED`, `20000101`,
//! `2.25.0` …, see `engine::dummy`), the de-identification markers (Patient Identity
//! Removed, De-identification Method and its code sequence, Longitudinal Temporal
//! Information Modified), times, and technical attributes.
//!
//! ## The score
//!
//! Within a category `c`, findings combine like independent chances, up to the category's
//! cap; categories then combine the same way:
//!
//! ```text
//! r_c   = min(cap_c, 1 − Π_{findings i in c} (1 − w_i))
//! score = 100 × (1 − Π_c (1 − r_c))          rounded to 0.1
//! ```
//!
//! The cap says how bad a category can get on its own: ten dates of one exam are not ten times
//! one date, and fifty remapped-looking UIDs are one linkage, not fifty. The level follows the
//! rounded score: LOW < 25 ≤ MEDIUM < 50 ≤ HIGH < 75 ≤ CRITICAL.
//!
//! ## Why it is monotone
//!
//! Removing or emptying an element never raises the score:
//!
//! 1. the score is non-decreasing in every finding's weight (each product term `1 − w` is
//!    non-increasing, `min` with a constant and rounding are non-decreasing), and a finding
//!    that disappears is a weight going to 0;
//! 2. whether an element is a finding, and its weight, depend on its own value and only on the
//!    *presence* of other values, never on their absence: the identifiers searched in free
//!    text are gathered from the dataset (fewer elements, fewer identifiers, fewer matches);
//!    retained UIDs count only while the file *says* Retain UIDs; the burned-in finding takes
//!    the largest weight of its triggers (YES, the modality, Secondary Capture), so losing a
//!    trigger can only lower it. Burned In Annotation NO does not lower the modality suspicion
//!    (otherwise deleting a NO would raise the score); a private element whose creator is
//!    missing is on the safe list when its group and offset are on it for any creator
//!    (otherwise deleting a creator would raise the score).
//!
//! Two exceptions, by design: the MODIFIED marker lowers the weight of dates, so deleting it
//! raises the score (shifted dates then count as real ones); the marker is dpk's own
//! statement, and scored against the original a date counts as shifted only where it differs
//! from the original's. Likewise the Clean Pixel Data claim lowers the burned-in suspicion,
//! so deleting it raises the score; `dpk verify` checks the claim against the pixels.
//!
//! [`score_against`] scores a de-identified dataset with the *original's* identifiers: the
//! de-identified header no longer holds the names and IDs that kept text may still mention.
//!
//! The unit tests check this on every fixture (as is, after Basic, after Basic + Retain UIDs) by
//! removing and emptying each element in turn.
//!
//! ## Cost
//!
//! For a 150-element header (release build), the walk itself takes about 6 µs with some 50
//! findings to make and sort, 1–2 µs once de-identified. Searching free text uses
//! `engine::clean::Identifiers`, gathered once per score and only when a text needs checking
//! (about 5 µs to gather, well under 1 µs per text): a header still full of free text costs
//! about 13 µs.
//!
//! ## Limits
//!
//! - The score is a teaching and triage aid, not a re-identification probability: weights are
//!   judgements, and findings are treated as independent where they are not.
//! - The score reads no pixels: burned-in text is reported from the header only, and a
//!   cleaned file's claim is taken as written (`dpk verify` is what checks it).
//! - Free text is searched for *this file's* names, IDs and dates (the original's, with
//!   [`score_against`]) and for date and e-mail shapes; a name that appears nowhere else in the header, a place or a rare condition is not
//!   found (it still counts with the low free-text weight).
//! - A UID under `2.25.` cannot be told from a remapped one: an original `2.25.` UID counts only
//!   when the file declares Retain UIDs. Shifted dates are taken at the file's word unless the
//!   original is given.
//! - Scores saturate: a file with the patient's name and ID scores 100 whatever else it holds;
//!   the findings, not the score, show what is left to do on such a file.
//! - Private PN, DA and DT values are themselves gathered as identifiers, so they are not
//!   searched for identifying text (they would always match themselves): they count as
//!   unknown private content.
//! - Safety is one-directional: a dataset that only *claims* to be clean (e.g. Patient Identity
//!   Removed YES) gets no credit for the claim.

mod categories;
mod safe_private;
mod tag_table;
mod weights;

#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::OnceLock;

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;

use crate::engine::clean::Identifiers;
use serde::{Serialize, Serializer};

use crate::dataset::{self, private, ItemStep, TagPath};

pub use categories::category_of;
pub use weights::{CategoryWeight, Weights, WeightsError, BUILTIN_WEIGHTS};

/// What kind of personal information a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Category {
    /// Names, IDs, address, birth date, record numbers.
    DirectIdentifier,
    /// Characteristics and staff names that narrow down who the patient is.
    QuasiIdentifier,
    /// Dates.
    Date,
    /// Instance UIDs that lead back to the source archive.
    Uid,
    /// Descriptions and comments.
    FreeText,
    /// Institution and device identity.
    DeviceInstitution,
    /// Private elements not on the safe list.
    PrivateData,
    /// Text in the pixels.
    BurnedInAnnotation,
}

impl Category {
    /// Every category, in the order of the enum (its index into per-category tables).
    pub const ALL: [Category; 8] = [
        Category::DirectIdentifier,
        Category::QuasiIdentifier,
        Category::Date,
        Category::Uid,
        Category::FreeText,
        Category::DeviceInstitution,
        Category::PrivateData,
        Category::BurnedInAnnotation,
    ];

    /// The name used in JSON and in weights files (`direct-identifier`).
    pub fn key(self) -> &'static str {
        match self {
            Category::DirectIdentifier => "direct-identifier",
            Category::QuasiIdentifier => "quasi-identifier",
            Category::Date => "date",
            Category::Uid => "uid",
            Category::FreeText => "free-text",
            Category::DeviceInstitution => "device-institution",
            Category::PrivateData => "private-data",
            Category::BurnedInAnnotation => "burned-in-annotation",
        }
    }

    /// Why information of this category identifies, in a sentence for a workshop.
    pub fn why(self) -> &'static str {
        match self {
            Category::DirectIdentifier => "it names the patient or is a number that leads straight to their record",
            Category::QuasiIdentifier => {
                "alone it names nobody, but with a few others (sex, age, place, date) it can single a person out"
            }
            Category::Date => "dates of birth, visits and exams narrow down who and when, and link records",
            Category::Uid => "a UID often embeds the site's registered root and links the file back to the archive",
            Category::FreeText => "free text is written by people and can hold anything: names, dates, IDs",
            Category::DeviceInstitution => "it names the hospital or the machine, which narrows down the patient",
            Category::PrivateData => "vendors' private data is undocumented and may hold anything, PHI included",
            Category::BurnedInAnnotation => "text burned into the pixels is invisible to a header-only tool",
        }
    }

    /// Words for people (`direct identifier`).
    pub fn label(self) -> &'static str {
        match self {
            Category::DirectIdentifier => "direct identifier",
            Category::QuasiIdentifier => "quasi-identifier",
            Category::Date => "date",
            Category::Uid => "UID",
            Category::FreeText => "free text",
            Category::DeviceInstitution => "device/institution",
            Category::PrivateData => "private data",
            Category::BurnedInAnnotation => "burned-in annotation",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The score's band: LOW < 25 ≤ MEDIUM < 50 ≤ HIGH < 75 ≤ CRITICAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Level {
    /// Below 25.
    Low,
    /// 25 to below 50.
    Medium,
    /// 50 to below 75.
    High,
    /// 75 and above.
    Critical,
}

impl Level {
    /// The level of a score (0–100).
    pub fn of(score: f64) -> Level {
        if score < 25.0 {
            Level::Low
        } else if score < 50.0 {
            Level::Medium
        } else if score < 75.0 {
            Level::High
        } else {
            Level::Critical
        }
    }

    /// The level as a word: `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`.
    pub fn label(self) -> &'static str {
        match self {
            Level::Low => "LOW",
            Level::Medium => "MEDIUM",
            Level::High => "HIGH",
            Level::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for Level {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

/// Why an element is a finding. Rendered to one line by `Display` (and in JSON); kept as data
/// so that scoring allocates no text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Names or identifies the patient.
    Direct(&'static str),
    /// A hospital record number.
    Record(&'static str),
    /// A patient characteristic.
    Quasi(&'static str),
    /// A person's name, not the patient's.
    PersonName(&'static str),
    /// A date.
    Date(&'static str),
    /// A date dpk shifted: the file says Longitudinal Temporal Information Modified is
    /// MODIFIED (and, when the original is known, the value differs from the original's).
    ShiftedDate(&'static str),
    /// A UID with an organisation root.
    UidOrgRoot(&'static str),
    /// A UID the file says was retained.
    UidRetained(&'static str),
    /// Free text holding this file's names, IDs or dates.
    IdentifyingText(&'static str),
    /// Free text with nothing found in it.
    FreeText(&'static str),
    /// Institution or device identity.
    DeviceInstitution(&'static str),
    /// A private element off the safe list; the creator when known.
    Private(Option<String>),
    /// A private element off the safe list holding identifying text.
    PrivateIdentifying(Option<String>),
    /// Burned In Annotation YES.
    BurnedInYes,
    /// A modality that often burns text in; whether the file says NO.
    BurnedInModality {
        /// The modality.
        modality: String,
        /// Burned In Annotation is NO.
        says_no: bool,
    },
    /// The file says pixel rules cleaned its pixels (Clean Pixel Data Option, the regions
    /// named, Burned In Annotation NO): what is left is text the rules did not foresee.
    BurnedInCleaned {
        /// The regions the file names as blanked.
        regions: usize,
    },
    /// A Secondary Capture SOP class (a screen or a scanned page, often with text in it),
    /// whatever the modality says; whether the file says NO.
    BurnedInSopClass {
        /// The SOP class's name (or UID).
        sop_class: String,
        /// Burned In Annotation is NO.
        says_no: bool,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = |k: &str| words(k);
        match self {
            Reason::Direct(k) => write!(f, "{} identifies the patient directly", name(k)),
            Reason::Record(k) => write!(
                f,
                "{} is a hospital record number: it leads straight to the patient's record",
                name(k)
            ),
            Reason::Quasi(k) => write!(
                f,
                "{} describes the patient: with other details it narrows down who they are",
                name(k)
            ),
            Reason::PersonName(k) => write!(
                f,
                "{} names a person (staff, not the patient): it narrows down where and when the patient was seen",
                name(k)
            ),
            Reason::Date(k) => write!(
                f,
                "{} is a date: it dates the exam or the patient's life, and narrows down who they are",
                name(k)
            ),
            Reason::ShiftedDate(k) => write!(
                f,
                "{} is a date dpk shifted (Longitudinal Temporal Information Modified: MODIFIED): \
                 it keeps intervals, not the real day",
                name(k)
            ),
            Reason::UidOrgRoot(k) => write!(
                f,
                "{} still carries an organisation's UID root: the source archive can look it up",
                name(k)
            ),
            Reason::UidRetained(k) => write!(
                f,
                "{} is the original UID (the file says UIDs were retained): it links back to the source archive",
                name(k)
            ),
            Reason::IdentifyingText(k) => write!(
                f,
                "{} contains identifying text (a name, ID or date of this file, or a date or e-mail)",
                name(k)
            ),
            Reason::FreeText(k) => write!(
                f,
                "{} is free text: it may mention the patient, though dpk found nothing of this file in it",
                name(k)
            ),
            Reason::DeviceInstitution(k) => write!(
                f,
                "{} names the institution or device: it narrows down where the patient was seen",
                name(k)
            ),
            Reason::Private(Some(c)) => write!(
                f,
                "private element of creator {c}, not on the PS3.15 safe list: its content is unknown"
            ),
            Reason::Private(None) => f.write_str(
                "private element without a private creator, not on the PS3.15 safe list: its content is unknown",
            ),
            Reason::PrivateIdentifying(c) => write!(
                f,
                "private element of creator {}, not on the PS3.15 safe list, contains identifying text \
                 (a name, ID or date of this file)",
                c.as_deref().unwrap_or("(none)")
            ),
            Reason::BurnedInYes => f.write_str(
                "Burned In Annotation is YES: the pixels show text (often name, ID, date), which dpk cannot read: only pixel rules (clean-pixel-data) blank it",
            ),
            Reason::BurnedInModality { modality, says_no } => write!(
                f,
                "modality {modality} often has text burned into the pixels{}; dpk cannot see pixels to check",
                if *says_no { " (Burned In Annotation says NO)" } else { "" }
            ),
            Reason::BurnedInCleaned { regions } => write!(
                f,
                "the pixels were cleaned by pixel rules (Clean Pixel Data Option): {regions} region{} \
                 blanked; text outside them would remain (dpk verify checks the regions are blank)",
                if *regions == 1 { "" } else { "s" }
            ),
            Reason::BurnedInSopClass { sop_class, says_no } => write!(
                f,
                "SOP class {sop_class} is a secondary capture (a screen or scanned page), which often has text in \
                 its pixels{}; dpk cannot see pixels to check",
                if *says_no { " (Burned In Annotation says NO)" } else { "" }
            ),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A keyword in words: `PatientBirthDate` → `Patient Birth Date`, `OtherPatientIDs` →
/// `Other Patient IDs`.
pub fn words(keyword: &str) -> String {
    let chars: Vec<char> = keyword.chars().collect();
    let mut out = String::with_capacity(keyword.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            // "IDs", "UIDs": a lone plural s after capitals does not start a word.
            let plural_s = next == Some('s') && chars.get(i + 2).is_none_or(|c| c.is_ascii_uppercase());
            let starts_word = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()) && !plural_s);
            if starts_word {
                out.push(' ');
            }
        }
        out.push(c);
    }
    out
}

/// One element that still gives something away.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Where it is.
    pub path: TagPath,
    /// Its PS3.6 keyword; `null` in JSON for private elements.
    pub keyword: Option<&'static str>,
    /// What kind of information it is.
    pub category: Category,
    /// Its weight in [0, 1].
    pub weight: f64,
    /// Why, in one line.
    pub reason: Reason,
}

/// The score of one dataset and the findings behind it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskReport {
    /// 0–100, rounded to one decimal.
    pub score: f64,
    /// The band the score falls in.
    pub level: Level,
    /// The findings, highest weight first, then by path.
    pub findings: Vec<Finding>,
}

impl RiskReport {
    /// The findings of one category.
    pub fn in_category(&self, category: Category) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.category == category)
    }
}

/// Scores a dataset with `weights`. See the module documentation for the model.
pub fn score(obj: &InMemDicomObject, weights: &Weights) -> RiskReport {
    score_with(obj, weights, None)
}

/// Scores a de-identified dataset against the original it was made from: free text is
/// searched for the *original's* names, IDs and dates (the de-identified header no longer
/// holds them, so [`score`] would find nothing), and a date counts as shifted only where it
/// differs from the original's. Kept text that names the patient scores as it did before.
pub fn score_against(obj: &InMemDicomObject, weights: &Weights, original: &InMemDicomObject) -> RiskReport {
    score_with(obj, weights, Some(original))
}

fn score_with(obj: &InMemDicomObject, weights: &Weights, original: Option<&InMemDicomObject>) -> RiskReport {
    let mut walker = Walker {
        weights,
        root: original.unwrap_or(obj),
        ids: None,
        retain_uids: declares_retained_uids(obj),
        extensions: crate::dataset::charset::CodeExtensions::of_dataset(obj),
        shifted_dates: declares_shifted_dates(obj),
        original,
        stack: Vec::new(),
        findings: Vec::new(),
    };
    walker.walk(obj, 0);
    if let Some(f) = burned_in(obj, weights) {
        walker.findings.push(f);
    }
    let mut findings = walker.findings;
    findings.retain(|f| f.weight > 0.0);
    // Paths are unique, so the order is total and an unstable sort gives the same result.
    findings.sort_unstable_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.path.cmp(&b.path)));

    let mut remaining = [1.0f64; Category::ALL.len()];
    for f in &findings {
        remaining[f.category as usize] *= 1.0 - f.weight;
    }
    let mut total = 1.0;
    for (i, rest) in remaining.iter().enumerate() {
        let cap = weights.categories[i].cap;
        total *= 1.0 - (1.0 - rest).min(cap);
    }
    let score = ((1.0 - total) * 1000.0).round() / 10.0;
    RiskReport {
        score,
        level: Level::of(score),
        findings,
    }
}

/// What the model makes of an element at `path` whatever its value: the category and the
/// weight a non-empty value of it starts from (free text holding identifiers, shifted dates
/// and UIDs depend on the value and are decided by [`score`]). `creator` is its private
/// creator; `vr` its VR. `None`: the element is not scored. `dpk profile explain` and the
/// inspector say this, from the same lists and weights the scorer uses.
pub fn model_of(
    path: &TagPath,
    creator: Option<&str>,
    vr: Option<VR>,
    weights: &Weights,
) -> Option<(Category, f64)> {
    let tag = path.tag;
    if tag.element() == 0 || tag.group() == 0x0002 || (path.depth() == 0 && MARKERS.contains(&tag)) {
        return None;
    }
    if private::is_private(tag) {
        if private::is_private_creator(tag)
            || private::block_and_offset(tag).is_none()
            || safe_private::is_safe(path, creator)
        {
            return None;
        }
        return Some((
            Category::PrivateData,
            weights.category(Category::PrivateData).weight,
        ));
    }
    if tag == tags::BURNED_IN_ANNOTATION {
        return Some((
            Category::BurnedInAnnotation,
            weights.category(Category::BurnedInAnnotation).weight,
        ));
    }
    let listed = categories::info(tag);
    let category = match listed {
        Some(info) => info.category,
        None => categories::category_of_vr(vr?)?,
    };
    Some((
        category,
        base_weight(weights, tag, vr, listed.is_some(), category),
    ))
}

/// The weight of a public element before its value is looked at: a keyword's own weight, a
/// person name's, or its category's.
fn base_weight(weights: &Weights, tag: Tag, vr: Option<VR>, listed: bool, category: Category) -> f64 {
    if category == Category::QuasiIdentifier && vr == Some(VR::PN) && !listed {
        weights.keyword_weight(tag).unwrap_or(weights.person_name)
    } else {
        weights.weight_of(tag, category)
    }
}

/// The de-identification markers: dpk's own bookkeeping, never findings.
const MARKERS: &[Tag] = &[
    tags::PATIENT_IDENTITY_REMOVED,
    tags::DEIDENTIFICATION_METHOD,
    tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
    tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
];

/// CID 7050 code of the Retain UIDs Option.
const RETAIN_UIDS_CODE: &str = "113110";

/// Whether the dataset says its dates were shifted (Longitudinal Temporal Information
/// Modified, PS3.15 E.3.6: MODIFIED).
fn declares_shifted_dates(obj: &InMemDicomObject) -> bool {
    dataset::text_of(obj, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED)
        .is_some_and(|v| v.eq_ignore_ascii_case("MODIFIED"))
}

/// Whether `uid` is a Secondary Capture SOP class: `…1.1.7` or one of its `…1.1.7.n`
/// multi-frame forms, and not a class that merely starts with the same digits
/// (`…1.1.77.1.n`, the VL classes).
pub fn is_secondary_capture(uid: &str) -> bool {
    const SC: &str = "1.2.840.10008.5.1.4.1.1.7";
    uid == SC || uid.strip_prefix(SC).is_some_and(|rest| rest.starts_with('.'))
}

/// Whether the dataset says its UIDs were retained.
fn declares_retained_uids(obj: &InMemDicomObject) -> bool {
    let in_text = obj
        .get(tags::DEIDENTIFICATION_METHOD)
        .and_then(|e| e.value().primitive())
        .is_some_and(|p| strs(p).any(|s| s.to_ascii_lowercase().contains("retain uids")));
    let in_codes = obj
        .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .and_then(|e| e.items())
        .is_some_and(|items| {
            items
                .iter()
                .any(|item| dataset::text_of(item, tags::CODE_VALUE).as_deref() == Some(RETAIN_UIDS_CODE))
        });
    in_text || in_codes
}

/// The burned-in finding: the largest weight of its triggers, or, for a file that says pixel
/// rules cleaned it, the weight of what the rules may have missed.
fn burned_in(obj: &InMemDicomObject, weights: &Weights) -> Option<Finding> {
    if let Some(claim) = crate::pixels::claimed(obj).filter(|c| c.says_no_burned_in && !c.regions.is_empty())
    {
        return (weights.burned_in_cleaned > 0.0).then(|| Finding {
            path: TagPath::root(tags::BURNED_IN_ANNOTATION),
            keyword: dataset::keyword(tags::BURNED_IN_ANNOTATION),
            category: Category::BurnedInAnnotation,
            weight: weights.burned_in_cleaned,
            reason: Reason::BurnedInCleaned {
                regions: claim.regions.len(),
            },
        });
    }
    let bia = dataset::text_of(obj, tags::BURNED_IN_ANNOTATION);
    let says_yes = bia.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("YES"));
    let says_no = bia.as_deref().is_some_and(|v| v.eq_ignore_ascii_case("NO"));
    let mut best: Option<Finding> = None;
    let mut offer = |tag: Tag, weight: f64, reason: Reason| {
        if weight > 0.0 && best.as_ref().is_none_or(|b| weight > b.weight) {
            best = Some(Finding {
                path: TagPath::root(tag),
                keyword: dataset::keyword(tag),
                category: Category::BurnedInAnnotation,
                weight,
                reason,
            });
        }
    };
    if says_yes {
        offer(
            tags::BURNED_IN_ANNOTATION,
            weights.category(Category::BurnedInAnnotation).weight,
            Reason::BurnedInYes,
        );
    }
    if let Some(modality) = dataset::text_of(obj, tags::MODALITY) {
        if weights
            .burned_in_modalities
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&modality))
        {
            offer(
                tags::MODALITY,
                weights.burned_in_modality,
                Reason::BurnedInModality { modality, says_no },
            );
        }
    }
    if let Some(class) = dataset::sop_class_uid(obj).filter(|c| is_secondary_capture(c)) {
        if weights.burned_in_modalities.iter().any(|m| m == "SC") {
            use dicom_core::dictionary::UidDictionary;
            let sop_class = dicom_dictionary_std::StandardSopClassDictionary
                .by_uid(&class)
                .map_or(class.clone(), |e| e.name.to_string());
            offer(
                tags::SOP_CLASS_UID,
                weights.burned_in_modality,
                Reason::BurnedInSopClass { sop_class, says_no },
            );
        }
    }
    best
}

struct Walker<'a> {
    weights: &'a Weights,
    root: &'a InMemDicomObject,
    /// The dataset's identifiers, gathered on first use: most datasets after
    /// de-identification never need them.
    ids: Option<Identifiers>,
    retain_uids: bool,
    /// The ISO 2022 code extensions the scored data set's text is read under, if any.
    extensions: Option<crate::dataset::charset::CodeExtensions>,
    /// The file says its dates were shifted.
    shifted_dates: bool,
    /// The original, when scoring against it.
    original: Option<&'a InMemDicomObject>,
    stack: Vec<ItemStep>,
    findings: Vec<Finding>,
}

impl Walker<'_> {
    fn walk(&mut self, obj: &InMemDicomObject, depth: usize) {
        if depth > crate::limits::max_depth() {
            return;
        }
        for el in obj.iter() {
            let tag = el.header().tag;
            if tag.element() == 0 || tag.group() == 0x0002 || (depth == 0 && MARKERS.contains(&tag)) {
                continue;
            }
            if private::is_private(tag) {
                if !private::is_private_creator(tag) {
                    self.private_element(obj, el);
                }
            } else {
                self.public_element(el);
            }
            if let Value::Sequence(seq) = el.value() {
                for (i, item) in seq.items().iter().enumerate() {
                    self.stack.push(ItemStep {
                        sequence: tag,
                        item: i as u32,
                    });
                    self.walk(item, depth + 1);
                    self.stack.pop();
                }
            }
        }
    }

    fn path(&self, tag: Tag) -> TagPath {
        TagPath {
            items: self.stack.clone(),
            tag,
        }
    }

    fn push(
        &mut self,
        tag: Tag,
        keyword: Option<&'static str>,
        category: Category,
        weight: f64,
        reason: Reason,
    ) {
        let path = self.path(tag);
        self.findings.push(Finding {
            path,
            keyword,
            category,
            weight,
            reason,
        });
    }

    fn public_element(&mut self, el: &InMemElement) {
        let tag = el.header().tag;
        let vr = el.header().vr;
        // One look-up in the lists gives the category, the keyword and the record flag.
        let listed = categories::info(tag);
        let Some(category) = listed.map_or_else(|| categories::category_of_vr(vr), |i| Some(i.category))
        else {
            return;
        };
        let keyword = match listed {
            Some(info) => info.keyword,
            None => dataset::keyword(tag),
        };
        let name = keyword.unwrap_or("");
        let p = match el.value() {
            Value::Primitive(p) => p,
            Value::Sequence(seq) => {
                // A listed code sequence is a finding itself (its codes are nowhere else);
                // other sequences are scored by what they hold.
                if !seq.items().is_empty() && name.ends_with("CodeSequence") {
                    let weight = self.weights.weight_of(tag, category);
                    let reason = reason_for(listed, name, category);
                    self.push(tag, keyword, category, weight, reason);
                }
                return;
            }
            Value::PixelSequence(_) => return,
        };
        if is_blank(p) || is_dummy(vr, p) {
            return;
        }
        let mut weight = base_weight(self.weights, tag, Some(vr), listed.is_some(), category);
        let reason = match category {
            Category::Uid => {
                if vr != VR::UI {
                    return;
                }
                if strs(p).any(has_org_root) {
                    Reason::UidOrgRoot(name)
                } else if self.retain_uids {
                    Reason::UidRetained(name)
                } else {
                    return;
                }
            }
            Category::FreeText => {
                if self.identifying(p, vr) {
                    weight = weight.max(self.weights.identifying_text);
                    Reason::IdentifyingText(name)
                } else {
                    Reason::FreeText(name)
                }
            }
            Category::QuasiIdentifier if vr == VR::PN && listed.is_none() => Reason::PersonName(name),
            Category::Date
                if self.shifted_dates && matches!(vr, VR::DA | VR::DT) && !self.same_as_original(tag, p) =>
            {
                weight = self.weights.shifted_date;
                Reason::ShiftedDate(name)
            }
            _ => reason_for(listed, name, category),
        };
        self.push(tag, keyword, category, weight, reason);
    }

    fn private_element(&mut self, item: &InMemDicomObject, el: &InMemElement) {
        let tag = el.header().tag;
        if private::block_and_offset(tag).is_none() {
            return;
        }
        let empty = match el.value() {
            Value::Primitive(p) => is_blank(p) || is_dummy(el.header().vr, p),
            Value::Sequence(seq) => seq.items().is_empty(),
            Value::PixelSequence(seq) => seq.fragments().is_empty(),
        };
        if empty {
            return;
        }
        let creator = private::creator_of(item, tag);
        let path = self.path(tag);
        if safe_private::is_safe(&path, creator.as_deref()) {
            return;
        }
        let mut weight = self.weights.category(Category::PrivateData).weight;
        let identifying = match el.value() {
            Value::Primitive(p) if !matches!(el.header().vr, VR::PN | VR::DA | VR::DT) => {
                self.identifying(p, el.header().vr)
            }
            _ => false,
        };
        let reason = if identifying {
            weight = weight.max(self.weights.identifying_text);
            Reason::PrivateIdentifying(creator)
        } else {
            Reason::Private(creator)
        };
        self.findings.push(Finding {
            path,
            keyword: None,
            category: Category::PrivateData,
            weight,
            reason,
        });
    }

    /// Whether the original (when known) holds the same value at this place: a date dpk did
    /// not change is a real date, whatever the marker says.
    fn same_as_original(&self, tag: Tag, p: &PrimitiveValue) -> bool {
        let Some(original) = self.original else {
            return false;
        };
        let path = self.path(tag);
        dataset::item_at(original, &path)
            .and_then(|item| item.get(tag))
            .and_then(|e| e.value().primitive())
            .is_some_and(|o| strs(o).eq(strs(p)))
    }

    /// Whether cleaning (PS3.15 C) would change one of the value's texts: it holds a name, ID
    /// or date of this dataset, or a date or e-mail shape. Cleaned as UT, so that only what is
    /// found counts, not a cut to a VR's length.
    /// Text under ISO 2022 code extensions is read as its bytes mean (Japanese, Korean,
    /// Chinese), as the engine's cleaner reads it.
    fn identifying(&mut self, p: &PrimitiveValue, vr: VR) -> bool {
        let root = self.root;
        let ids = self.ids.get_or_insert_with(|| Identifiers::gather(root));
        let decoded = match (p, &self.extensions) {
            (PrimitiveValue::Str(s), Some(x)) => x.decode_values(std::slice::from_ref(s), vr),
            (PrimitiveValue::Strs(list), Some(x)) => x.decode_values(list, vr),
            _ => None,
        };
        if let Some(values) = decoded {
            return values.iter().any(|v| ids.contains_identifying(trim(v)));
        }
        match p {
            PrimitiveValue::Str(_) | PrimitiveValue::Strs(_) => strs(p).any(|s| ids.contains_identifying(s)),
            // Private elements of implicit VR files read as UN bytes: look at them as text when
            // they are text.
            PrimitiveValue::U8(bytes) => std::str::from_utf8(bytes).ok().is_some_and(|text| {
                let t = trim(text);
                !t.is_empty() && !t.chars().any(|c| c.is_control()) && ids.contains_identifying(t)
            }),
            _ => false,
        }
    }
}

/// The reason of a finding on a public attribute, by its category; `listed` is what the
/// lists say about it.
fn reason_for(
    listed: Option<&categories::AttributeInfo>,
    keyword: &'static str,
    category: Category,
) -> Reason {
    match category {
        Category::DirectIdentifier => {
            if listed.is_some_and(|i| i.record) {
                Reason::Record(keyword)
            } else {
                Reason::Direct(keyword)
            }
        }
        Category::QuasiIdentifier => Reason::Quasi(keyword),
        Category::Date => Reason::Date(keyword),
        Category::Uid => Reason::UidOrgRoot(keyword),
        Category::FreeText => Reason::FreeText(keyword),
        Category::DeviceInstitution => Reason::DeviceInstitution(keyword),
        Category::PrivateData => Reason::Private(None),
        Category::BurnedInAnnotation => Reason::BurnedInYes,
    }
}

/// The non-empty texts of a string value, trimmed of padding.
fn strs(p: &PrimitiveValue) -> impl Iterator<Item = &str> {
    let list: &[String] = match p {
        PrimitiveValue::Str(s) => std::slice::from_ref(s),
        PrimitiveValue::Strs(v) => v.as_slice(),
        _ => &[],
    };
    list.iter().map(|s| trim(s)).filter(|s| !s.is_empty())
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c == ' ' || c == '\0')
}

/// Empty: zero length, or only padding in every value.
fn is_blank(p: &PrimitiveValue) -> bool {
    match p {
        PrimitiveValue::Empty => true,
        PrimitiveValue::Str(_) | PrimitiveValue::Strs(_) => strs(p).next().is_none(),
        _ => p.calculate_byte_len() == 0,
    }
}

/// Whether the value is dpk's dummy value for its VR (`engine::dummy`).
fn is_dummy(vr: VR, p: &PrimitiveValue) -> bool {
    static DUMMIES: OnceLock<Vec<(VR, String)>> = OnceLock::new();
    let dummies = DUMMIES.get_or_init(|| {
        use VR::*;
        [AE, CS, LO, LT, SH, ST, UC, UT, PN, AS, DA, DT, TM, DS, IS, UI, UR]
            .into_iter()
            .filter_map(|vr| Some((vr, crate::engine::dummy::dummy_value(vr)?.to_str().into_owned())))
            .collect()
    });
    let Some((_, dummy)) = dummies.iter().find(|(v, _)| *v == vr) else {
        return false;
    };
    match p {
        PrimitiveValue::Str(_) | PrimitiveValue::Strs(_) => strs(p).all(|s| s == dummy),
        PrimitiveValue::Date(_) | PrimitiveValue::Time(_) | PrimitiveValue::DateTime(_) => {
            p.to_str().trim() == dummy.as_str()
        }
        _ => false,
    }
}

/// A UID that is neither a standard DICOM UID nor under `2.25.` (UUID-derived, as dpk's
/// remapped UIDs are) still names the organisation that made it.
fn has_org_root(uid: &str) -> bool {
    !uid.starts_with("2.25.") && !uid.starts_with("1.2.840.10008.")
}
