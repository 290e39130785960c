//! The clean action (PS3.15 C) for free text: what of the patient a description or comment
//! can hold, found and blanked out.
//!
//! A text value is cleaned of
//! - the family, given and middle names of every person name in the dataset (patient,
//!   relatives, physicians, operators: any PN element at any depth), matched as whole words,
//!   case-insensitively (prefixes and suffixes such as "Dr" or "III" are left: they name
//!   nobody);
//! - every identifier of the dataset (Patient ID, Other Patient IDs, Accession Number,
//!   Admission ID, Study ID, Medical Record Locator, telephone numbers, the patient's address),
//!   matched anywhere, case-insensitively;
//! - every date of the dataset, in the ways people write dates (`20240317`, `2024-03-17`,
//!   `17.03.2024`, `17/03/2024`, `03/17/2024`);
//! - anything shaped like a calendar date or an e-mail address, whoever it belongs to: dates
//!   and contact details are identifying under HIPAA's Safe Harbor list, and a comment has no
//!   reason to need them once the header's own dates are gone.
//!
//! Each match becomes `***` (`XXX` in CS, whose repertoire has no `*`), and the result is cut
//! to the VR's length limit. What it cannot find — a name that appears nowhere in the header,
//! a place, a rare condition — stays; that is why clean is an option and not the default, and
//! why `dpk score` flags free text.

use std::borrow::Cow;
use std::ops::Range;

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::dummy::max_chars;
use crate::dataset::strings_of;

/// The identifying values of one dataset, gathered once per plan (and once per score).
///
/// Patterns are kept lower-case in one string and indexed by their first byte, so that a text
/// is read once, with one table look-up per byte, however many patterns there are.
#[derive(Clone, Debug, Default)]
pub struct Identifiers {
    /// Every pattern's lower-case text, one after the other.
    text: String,
    /// Where each pattern is in `text`, sorted by first byte.
    patterns: Vec<Pattern>,
    /// `patterns[first[b]..first[b + 1]]` are the patterns starting with byte `b` (empty when
    /// there are no patterns).
    first: Vec<usize>,
}

/// One name, identifier or date form.
#[derive(Clone, Debug)]
struct Pattern {
    /// Its bytes in [`Identifiers::text`].
    span: Range<usize>,
    /// Name parts match as whole words only; identifiers and dates anywhere.
    word: bool,
}

#[allow(deprecated)] // retired attributes still found in files
pub(crate) const ID_TAGS: &[dicom_core::Tag] = &[
    tags::PATIENT_ID,
    tags::OTHER_PATIENT_I_DS,
    tags::ACCESSION_NUMBER,
    tags::ADMISSION_ID,
    tags::STUDY_ID,
    tags::MEDICAL_RECORD_LOCATOR,
    tags::PATIENT_TELEPHONE_NUMBERS,
    tags::PATIENT_ADDRESS,
    tags::ISSUER_OF_PATIENT_ID,
    tags::PERFORMED_PROCEDURE_STEP_ID,
    tags::REQUESTED_PROCEDURE_ID,
    tags::SCHEDULED_PROCEDURE_STEP_ID,
];

impl Identifiers {
    /// Gathers names, identifiers and dates from every level of the dataset.
    pub fn gather(obj: &InMemDicomObject) -> Identifiers {
        let mut ids = Identifiers::default();
        let mut dates = Vec::new();
        ids.collect(obj, 0, &mut dates);
        // A study's dates repeat; each distinct one is written out in its forms once.
        dates.sort_unstable();
        dates.dedup();
        for date in &dates {
            ids.push_date(date);
        }
        ids.index();
        ids
    }

    fn collect(&mut self, obj: &InMemDicomObject, depth: usize, dates: &mut Vec<[u8; 8]>) {
        if depth > crate::limits::max_depth() {
            return;
        }
        for el in obj.iter() {
            match el.value() {
                Value::Sequence(seq) => {
                    for item in seq.items() {
                        self.collect(item, depth + 1, dates);
                    }
                }
                Value::Primitive(p) => {
                    let tag = el.header().tag;
                    let vr = el.header().vr;
                    let is_id = ID_TAGS.contains(&tag);
                    if !(is_id || matches!(vr, VR::PN | VR::DA | VR::DT)) {
                        continue;
                    }
                    match p {
                        PrimitiveValue::Str(s) => self.take(trim(s), vr, is_id, dates),
                        PrimitiveValue::Strs(list) => {
                            for s in list {
                                self.take(trim(s), vr, is_id, dates);
                            }
                        }
                        _ => {
                            for s in strings_of(p) {
                                self.take(&s, vr, is_id, dates);
                            }
                        }
                    }
                }
                Value::PixelSequence(_) => {}
            }
        }
    }

    /// Takes the patterns of one value of an element of VR `vr`.
    fn take(&mut self, s: &str, vr: VR, is_id: bool, dates: &mut Vec<[u8; 8]>) {
        if vr == VR::PN {
            for part in name_parts(s).flat_map(|p| p.split([' ', ','])) {
                let part = part.trim_matches('.');
                if part.chars().count() >= 2 {
                    self.push(part, true);
                }
            }
        } else if is_id && s.chars().count() >= 3 {
            self.push(s, false);
        } else if vr == VR::DA || vr == VR::DT {
            let day = s.as_bytes().get(..8).and_then(|d| <[u8; 8]>::try_from(d).ok());
            if let Some(day) = day.filter(|d| d.iter().all(u8::is_ascii_digit)) {
                dates.push(day);
            }
        }
    }

    /// Adds a pattern, lower-cased.
    fn push(&mut self, s: &str, word: bool) {
        let start = self.text.len();
        self.text.extend(s.chars().map(lower_char));
        self.patterns.push(Pattern {
            span: start..self.text.len(),
            word,
        });
    }

    /// Adds the ways people write a date given as eight ASCII digits.
    fn push_date(&mut self, day: &[u8; 8]) {
        // ASCII digits are text: the conversions cannot fail.
        let part = |at: Range<usize>| std::str::from_utf8(&day[at]).unwrap_or_default();
        let (y, m, d) = (part(0..4), part(4..6), part(6..8));
        for [a, b, c, sep] in [
            [y, m, d, ""],
            [y, m, d, "-"],
            [y, m, d, "/"],
            [y, m, d, "."],
            [d, m, y, "."],
            [d, m, y, "/"],
            [m, d, y, "/"],
            [d, m, y, "-"],
        ] {
            let start = self.text.len();
            for piece in [a, sep, b, sep, c] {
                self.text.push_str(piece);
            }
            self.patterns.push(Pattern {
                span: start..self.text.len(),
                word: false,
            });
        }
    }

    /// Groups the patterns by first byte, drops repeats and builds the first-byte table.
    fn index(&mut self) {
        let text = self.text.as_bytes();
        let first_byte = |p: &Pattern| usize::from(text[p.span.start]);
        self.patterns.sort_unstable_by_key(first_byte);
        let mut kept: Vec<Pattern> = Vec::with_capacity(self.patterns.len());
        let mut bucket = 0;
        for p in self.patterns.drain(..) {
            if kept.last().is_some_and(|q| first_byte(q) != first_byte(&p)) {
                bucket = kept.len();
            }
            let seen = kept[bucket..]
                .iter()
                .any(|q| q.word == p.word && text[q.span.clone()] == text[p.span.clone()]);
            if !seen {
                kept.push(p);
            }
        }
        let mut first = vec![0usize; 257];
        for p in &kept {
            first[first_byte(p) + 1] += 1;
        }
        for b in 0..256 {
            first[b + 1] += first[b];
        }
        self.patterns = kept;
        self.first = first;
    }

    /// Whether cleaning would change the text: it holds one of the dataset's names, IDs or
    /// dates, or a date or e-mail shape. (Cleaned as UT, so that a cut to a VR's length does
    /// not count.)
    pub fn contains_identifying(&self, text: &str) -> bool {
        if self.find_known(&lowered(text), |_| true) {
            return true;
        }
        if text.is_ascii() {
            find_shapes(text.as_bytes(), |_| true)
        } else {
            let chars: Vec<char> = text.chars().collect();
            find_shapes(&chars, |_| true)
        }
    }

    /// Finds the dataset's names (whole words) and identifiers (anywhere) in `low`, a
    /// lower-cased text, and calls `found` with the bytes of each occurrence until it
    /// returns true. Returns whether it did.
    fn find_known(&self, low: &str, mut found: impl FnMut(Range<usize>) -> bool) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let bytes = low.as_bytes();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        for (start, &b) in bytes.iter().enumerate() {
            let candidates = &self.patterns[self.first[usize::from(b)]..self.first[usize::from(b) + 1]];
            for p in candidates {
                let pattern = &self.text.as_bytes()[p.span.clone()];
                let end = start + pattern.len();
                // The first byte is the bucket's.
                let same = end <= bytes.len() && bytes[start + 1..end].iter().eq(&pattern[1..]);
                if !same {
                    continue;
                }
                // A match starts and ends on character boundaries: patterns are whole
                // characters, and none starts with a continuation byte.
                if p.word
                    && !(boundary(low[..start].chars().next_back()) && boundary(low[end..].chars().next()))
                {
                    continue;
                }
                if found(start..end) {
                    return true;
                }
            }
        }
        false
    }

    /// Cleans one text value for an element of VR `vr`.
    pub fn clean(&self, text: &str, vr: VR) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut hit = vec![false; chars.len()];
        // Lower-casing maps each character to one character: the n-th character of `low`
        // is the n-th of `text`.
        let low = lowered(text);
        let starts: Vec<usize> = low.char_indices().map(|(i, _)| i).collect();
        let char_index = |byte: usize| starts.partition_point(|&s| s < byte);
        self.find_known(&low, |bytes| {
            hit[char_index(bytes.start)..char_index(bytes.end)].fill(true);
            false
        });
        find_shapes(&chars, |range| {
            hit[range].fill(true);
            false
        });

        let token = if vr == VR::CS { "XXX" } else { "***" };
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            if hit[i] {
                out.push_str(token);
                while i < chars.len() && hit[i] {
                    i += 1;
                }
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        match max_chars(vr) {
            Some(max) if out.chars().count() > max => out.chars().take(max).collect(),
            _ => out,
        }
    }
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c == ' ' || c == '\0')
}

/// The components of a PN value that may name someone: every component of every group but
/// the prefix and the suffix (the fourth and fifth: Dr, Mr, III identify nobody and are
/// common words in free text). Components past the fifth, which PN does not allow, are taken
/// as names: a writer that put them there may have put a name there.
pub(crate) fn name_parts(pn: &str) -> impl Iterator<Item = &str> {
    pn.split('=').flat_map(|group| {
        group
            .split('^')
            .enumerate()
            .filter(|(i, _)| !matches!(i, 3 | 4))
            .map(|(_, part)| part)
    })
}

fn lower_char(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

/// The text with each character lower-cased, borrowed when that changes nothing.
fn lowered(text: &str) -> Cow<'_, str> {
    if !text.is_ascii() {
        Cow::Owned(text.chars().map(lower_char).collect())
    } else if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// Finds runs shaped like calendar dates and e-mail addresses in `chars` (characters, or the
/// bytes of an ASCII text), and calls `found` with each run's positions until it returns
/// true. Returns whether it did.
fn find_shapes<C: Copy + Into<char>>(chars: &[C], mut found: impl FnMut(Range<usize>) -> bool) -> bool {
    let at = |k: usize| -> char { chars[k].into() };
    let n = chars.len();
    let mut i = 0;
    while i < n {
        // A run of digits and date separators, bounded by non-alphanumerics.
        if at(i).is_ascii_digit() && (i == 0 || !at(i - 1).is_alphanumeric()) {
            let mut j = i;
            while j < n && (at(j).is_ascii_digit() || matches!(at(j), '.' | '/' | '-')) {
                j += 1;
            }
            let mut end = j;
            while end > i && !at(end - 1).is_ascii_digit() {
                end -= 1;
            }
            if (j == n || !at(j).is_alphanumeric()) && looks_like_date((i..end).map(at)) && found(i..end) {
                return true;
            }
            i = j.max(i + 1);
            continue;
        }
        if at(i) == '@' {
            let is_word = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+');
            let mut a = i;
            while a > 0 && is_word(at(a - 1)) {
                a -= 1;
            }
            let mut b = i + 1;
            while b < n && is_word(at(b)) {
                b += 1;
            }
            if a < i && b > i + 1 && (i + 1..b).any(|k| at(k) == '.') && found(a..b) {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// Whether a run of digits and separators (`.`, `/`, `-`) is a plausible calendar date:
/// `YYYYMMDD`, or three numbers with the year first or last.
fn looks_like_date(run: impl Iterator<Item = char>) -> bool {
    let plausible =
        |y: u32, m: u32, d: u32| (1850..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d);
    // Each part: its value (`None` when empty or too large) and its length in digits.
    let mut parts: [(Option<u32>, usize); 3] = [(Some(0), 0); 3];
    let mut count = 1;
    for c in run {
        if matches!(c, '.' | '/' | '-') {
            if count == 3 {
                return false;
            }
            count += 1;
            continue;
        }
        let (value, len) = &mut parts[count - 1];
        *value = c
            .to_digit(10)
            .and_then(|digit| value.and_then(|v| v.checked_mul(10)?.checked_add(digit)));
        *len += 1;
    }
    let num = |(value, len): (Option<u32>, usize)| value.filter(|_| len > 0);
    match (count, parts) {
        (1, [(Some(whole), 8), ..]) => plausible(whole / 10_000, whole / 100 % 100, whole % 100),
        (3, [a, b, c]) => {
            let (Some(x), Some(y), Some(z)) = (num(a), num(b), num(c)) else {
                return false;
            };
            let year = |v: u32, len: usize| if len == 2 { 1900 + v } else { v };
            (a.1 == 4 && plausible(x, y, z))
                || (c.1 == 4 || c.1 == 2) && (plausible(year(z, c.1), y, x) || plausible(year(z, c.1), x, y))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::{DataElement, PrimitiveValue};

    fn dataset() -> InMemDicomObject {
        InMemDicomObject::from_element_iter([
            DataElement::new(tags::PATIENT_NAME, VR::PN, PrimitiveValue::from("Doe^Jane^Q")),
            DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("PID12345")),
            DataElement::new(tags::PATIENT_BIRTH_DATE, VR::DA, PrimitiveValue::from("19610804")),
            DataElement::new(
                tags::REFERRING_PHYSICIAN_NAME,
                VR::PN,
                PrimitiveValue::from("Grey^Meredith"),
            ),
        ])
    }

    #[test]
    fn removes_the_datasets_own_identifiers() {
        let ids = Identifiers::gather(&dataset());
        assert_eq!(
            ids.clean("CT chest for DOE, Jane (MRN pid12345), ref. Dr Grey", VR::LO),
            "CT chest for ***, *** (MRN ***), ref. Dr ***"
        );
        assert_eq!(ids.clean("born 04.08.1961", VR::LT), "born ***");
    }

    #[test]
    fn odd_date_values_do_not_break_gathering() {
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(tags::STUDY_DATE, VR::DA, PrimitiveValue::from("2019030é7")),
            DataElement::new(tags::SERIES_DATE, VR::DA, PrimitiveValue::from("20190307")),
        ]);
        let ids = Identifiers::gather(&obj);
        assert_eq!(ids.clean("on 07.03.2019", VR::LT), "on ***");
    }

    #[test]
    fn every_component_but_prefix_and_suffix_is_a_name() {
        let obj = InMemDicomObject::from_element_iter([DataElement::new(
            tags::PATIENT_NAME,
            VR::PN,
            PrimitiveValue::from("Doe^Jane^Q^Dr^III^Vangen=Fourth^Group=Third=Lund"),
        )]);
        let ids = Identifiers::gather(&obj);
        assert_eq!(
            ids.clean("Dr Doe III, Vangen, Fourth, Group, Lund", VR::LT),
            "Dr *** III, ***, ***, ***, ***"
        );
    }

    #[test]
    fn names_match_whole_words_only() {
        let ids = Identifiers::gather(&dataset());
        assert_eq!(ids.clean("Doetherm dose", VR::LO), "Doetherm dose");
    }

    #[test]
    fn removes_any_date_or_email_shape() {
        let ids = Identifiers::default();
        assert_eq!(
            ids.clean("seen 2019-03-07 and 3/7/19; mail a.b@example.org", VR::LT),
            "seen *** and ***; mail ***"
        );
        assert_eq!(ids.clean("120 kV, 3.5 mm, 5/10", VR::LO), "120 kV, 3.5 mm, 5/10");
        assert_eq!(ids.clean("STUDY 20190307", VR::CS), "STUDY XXX");
    }

    #[test]
    fn result_fits_the_vr() {
        let ids = Identifiers::gather(&dataset());
        let long = "Jane ".repeat(10);
        assert!(ids.clean(&long, VR::SH).chars().count() <= 16);
    }
}
