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

use dicom_core::value::Value;
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::dummy::max_chars;
use crate::dataset::strings_of;

/// The identifying values of one dataset, gathered once per plan.
#[derive(Clone, Debug, Default)]
pub struct Identifiers {
    /// Name parts, lower-case, matched as whole words.
    words: Vec<Vec<char>>,
    /// Identifiers and dates, lower-case, matched anywhere.
    literals: Vec<Vec<char>>,
    /// Every pattern by its first character: (is a word, index in `words` or `literals`), so
    /// that a text is read once rather than once per pattern.
    by_first: std::collections::HashMap<char, Vec<(bool, usize)>>,
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
        let mut dates = std::collections::BTreeSet::new();
        ids.collect(obj, 0, &mut dates);
        // A study's dates repeat; each distinct one is written out in its forms once.
        for date in dates {
            ids.push_date(&date);
        }
        for list in [&mut ids.words, &mut ids.literals] {
            // Longest first, so that "Jane Doe" is blanked whole before "Jane" is looked at.
            list.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
            list.dedup();
        }
        for (is_word, list) in [(true, &ids.words), (false, &ids.literals)] {
            for (i, pattern) in list.iter().enumerate() {
                if let Some(&first) = pattern.first() {
                    ids.by_first.entry(first).or_default().push((is_word, i));
                }
            }
        }
        ids
    }

    fn collect(
        &mut self,
        obj: &InMemDicomObject,
        depth: usize,
        dates: &mut std::collections::BTreeSet<String>,
    ) {
        if depth > 64 {
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
                    let wanted = matches!(vr, VR::PN | VR::DA | VR::DT) || ID_TAGS.contains(&tag);
                    if !wanted {
                        continue;
                    }
                    for s in strings_of(p) {
                        if vr == VR::PN {
                            for part in name_parts(&s).flat_map(|p| p.split([' ', ','])) {
                                let part = part.trim_matches('.');
                                if part.chars().count() >= 2 {
                                    self.words.push(lower(part));
                                }
                            }
                        } else if ID_TAGS.contains(&tag) && s.chars().count() >= 3 {
                            self.literals.push(lower(&s));
                        } else if vr == VR::DA || vr == VR::DT {
                            if let Some(day) = s.get(..8) {
                                dates.insert(day.to_string());
                            }
                        }
                    }
                }
                Value::PixelSequence(_) => {}
            }
        }
    }

    fn push_date(&mut self, s: &str) {
        if s.len() < 8 || !s.as_bytes()[..8].iter().all(u8::is_ascii_digit) {
            return;
        }
        let (y, m, d) = (&s[..4], &s[4..6], &s[6..8]);
        for form in [
            format!("{y}{m}{d}"),
            format!("{y}-{m}-{d}"),
            format!("{y}/{m}/{d}"),
            format!("{y}.{m}.{d}"),
            format!("{d}.{m}.{y}"),
            format!("{d}/{m}/{y}"),
            format!("{m}/{d}/{y}"),
            format!("{d}-{m}-{y}"),
        ] {
            self.literals.push(form.chars().collect());
        }
    }

    /// Whether cleaning would change the text: it holds one of the dataset's names, IDs or
    /// dates, or a date or e-mail shape. (Cleaned as UT, so that a cut to a VR's length does
    /// not count.)
    pub fn contains_identifying(&self, text: &str) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let mut hit = vec![false; chars.len()];
        self.mark_known(&chars, &mut hit, true) || {
            mark_patterns(&chars, &mut hit);
            hit.contains(&true)
        }
    }

    /// Marks every occurrence of the dataset's names (whole words) and identifiers (anywhere),
    /// case-insensitively. With `first_only`, stops at the first and says whether there was one.
    fn mark_known(&self, chars: &[char], hit: &mut [bool], first_only: bool) -> bool {
        let low: Vec<char> = chars.iter().map(|c| lower_char(*c)).collect();
        let boundary = |i: Option<&char>| i.is_none_or(|c| !c.is_alphanumeric());
        let mut found = false;
        for start in 0..low.len() {
            let Some(candidates) = self.by_first.get(&low[start]) else {
                continue;
            };
            for &(is_word, i) in candidates {
                let pattern = if is_word {
                    &self.words[i]
                } else {
                    &self.literals[i]
                };
                let end = start + pattern.len();
                if end > low.len() || low[start..end] != pattern[..] {
                    continue;
                }
                if is_word
                    && !(boundary(start.checked_sub(1).and_then(|j| low.get(j))) && boundary(low.get(end)))
                {
                    continue;
                }
                if first_only {
                    return true;
                }
                found = true;
                hit[start..end].iter_mut().for_each(|h| *h = true);
            }
        }
        found
    }

    /// Cleans one text value for an element of VR `vr`.
    pub fn clean(&self, text: &str, vr: VR) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut hit = vec![false; chars.len()];
        self.mark_known(&chars, &mut hit, false);
        mark_patterns(&chars, &mut hit);

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
    c.to_lowercase().next().unwrap_or(c)
}

fn lower(s: &str) -> Vec<char> {
    s.chars().map(lower_char).collect()
}

/// Marks runs shaped like calendar dates and e-mail addresses.
fn mark_patterns(chars: &[char], hit: &mut [bool]) {
    let n = chars.len();
    let mut i = 0;
    while i < n {
        // A run of digits and date separators, bounded by non-alphanumerics.
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric()) {
            let mut j = i;
            while j < n && (chars[j].is_ascii_digit() || matches!(chars[j], '.' | '/' | '-')) {
                j += 1;
            }
            let mut end = j;
            while end > i && !chars[end - 1].is_ascii_digit() {
                end -= 1;
            }
            if j == n || !chars[j].is_alphanumeric() {
                let run: String = chars[i..end].iter().collect();
                if looks_like_date(&run) {
                    hit[i..end].iter_mut().for_each(|h| *h = true);
                }
            }
            i = j.max(i + 1);
            continue;
        }
        if chars[i] == '@' {
            let is_word = |c: char| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+');
            let mut a = i;
            while a > 0 && is_word(chars[a - 1]) {
                a -= 1;
            }
            let mut b = i + 1;
            while b < n && is_word(chars[b]) {
                b += 1;
            }
            if a < i && b > i + 1 && chars[i + 1..b].contains(&'.') {
                hit[a..b].iter_mut().for_each(|h| *h = true);
            }
        }
        i += 1;
    }
}

fn looks_like_date(run: &str) -> bool {
    let plausible =
        |y: u32, m: u32, d: u32| (1850..=2100).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d);
    let parts: Vec<&str> = run.split(['.', '/', '-']).collect();
    let num = |s: &str| s.parse::<u32>().ok();
    match parts.as_slice() {
        [whole] if whole.len() == 8 => {
            let (y, m, d) = (num(&whole[..4]), num(&whole[4..6]), num(&whole[6..8]));
            matches!((y, m, d), (Some(y), Some(m), Some(d)) if plausible(y, m, d))
        }
        [a, b, c] => {
            let (Some(x), Some(y), Some(z)) = (num(a), num(b), num(c)) else {
                return false;
            };
            let year = |v: u32, s: &str| if s.len() == 2 { 1900 + v } else { v };
            (a.len() == 4 && plausible(x, y, z))
                || (c.len() == 4 || c.len() == 2)
                    && (plausible(year(z, c), y, x) || plausible(year(z, c), x, y))
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
