//! The clean action (PS3.15 C) for free text: what of the patient a description or comment
//! can hold, found and blanked out.
//!
//! A text value is cleaned of the file's own identifying values, gathered from every element
//! at every depth:
//! - the family, given and middle names of every person name (patient, relatives, physicians,
//!   operators, observers: any PN element), each as a whole word, so that the components match
//!   in any order ("Alma Fictive", "FICTIVE, ALMA"); prefixes and suffixes such as "Dr" or
//!   "III" are left: they name nobody;
//! - the identifiers (Patient ID, Other Patient IDs, Accession Number, Admission ID, Study ID,
//!   procedure IDs, Medical Record Locator, telephone numbers, the patient's address) and the
//!   codes that identify a person (a Person Identification Code Sequence's code value);
//!   an identifier of six characters or more matches anywhere, a shorter one (a Study ID such
//!   as "42") as a whole word only, where a longer number holding it is likely something else;
//! - the places and organizations: institution name, address and department, station names,
//!   the verifying organization, a person's address, each whole and, for an address, line by
//!   line, as whole words;
//! - every date of the file, in the ways people write dates (`20240317`, `2024-03-17`,
//!   `17.03.2024`, `17/03/2024`, `03/17/2024`), matched anywhere;
//! - anything shaped like a calendar date or an e-mail address, whoever it belongs to: dates
//!   and contact details are identifying under HIPAA's Safe Harbor list, and a comment has no
//!   reason to need them once the header's own dates are gone.
//!
//! Matching ignores case and accents ("Hôpital" matches "HOPITAL"): text and patterns are
//! both folded to lower-case letters without diacritics first. All patterns are looked for
//! at once by one Aho–Corasick automaton, so cleaning reads a text once whatever the number
//! of names, and costs time in proportion to the text (plus the matches found).
//!
//! Each match becomes `***` (`XXX` in CS, whose repertoire has no `*`), and the result is cut
//! to the VR's length limit. What it cannot find — a name that appears nowhere in the header,
//! a place the header does not name, a rare condition — stays; that is why clean is an option
//! and not the default, and why `dpk score` flags free text.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::dummy::max_chars;
use crate::dataset::charset::CodeExtensions;
use crate::dataset::strings_of;

/// The identifying values of one dataset, gathered once per plan (and once per score).
#[derive(Clone, Debug, Default)]
pub struct Identifiers {
    /// Finds every pattern in a folded text in one pass; `None` when there is no pattern.
    finder: Option<AhoCorasick>,
    /// By the finder's pattern number: whether the pattern matches whole words only.
    whole_word: Vec<bool>,
    /// The patterns were more than an automaton can hold (never seen in a real file): every
    /// text is then blanked whole rather than risk keeping a name.
    unsearchable: bool,
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

/// Identifiers of people other than the patient, cleaned out of text like [`ID_TAGS`].
const OTHER_ID_TAGS: &[Tag] = &[
    tags::REFERRING_PHYSICIAN_TELEPHONE_NUMBERS,
    tags::PERSON_TELEPHONE_NUMBERS,
    tags::FILLER_ORDER_NUMBER_IMAGING_SERVICE_REQUEST,
    tags::PLACER_ORDER_NUMBER_IMAGING_SERVICE_REQUEST,
];

/// Places and organizations: names and addresses that locate the patient's care.
#[allow(deprecated)] // retired attributes still found in files
const PLACE_TAGS: &[Tag] = &[
    tags::INSTITUTION_NAME,
    tags::INSTITUTION_ADDRESS,
    tags::INSTITUTIONAL_DEPARTMENT_NAME,
    tags::STATION_NAME,
    tags::SCHEDULED_STATION_NAME,
    tags::PERFORMED_STATION_NAME,
    tags::PERFORMED_LOCATION,
    tags::SCHEDULED_PROCEDURE_STEP_LOCATION,
    tags::VERIFYING_ORGANIZATION,
    tags::PERSON_ADDRESS,
    tags::REFERRING_PHYSICIAN_ADDRESS,
    tags::RESPONSIBLE_ORGANIZATION,
    tags::REQUESTING_SERVICE,
    tags::CURRENT_PATIENT_LOCATION,
    tags::PATIENT_INSTITUTION_RESIDENCE,
    tags::REGION_OF_RESIDENCE,
];

/// Code sequences whose codes identify a person or an organization rather than a concept:
/// their code values and meanings are identifiers.
pub(crate) const PERSON_CODE_SEQUENCES: &[Tag] = &[
    tags::PERSON_IDENTIFICATION_CODE_SEQUENCE,
    tags::VERIFYING_OBSERVER_IDENTIFICATION_CODE_SEQUENCE,
    tags::HUMAN_PERFORMER_CODE_SEQUENCE,
    tags::INSTITUTION_CODE_SEQUENCE,
    tags::CONTENT_CREATOR_IDENTIFICATION_CODE_SEQUENCE,
];

/// An identifier this long or longer matches anywhere; a shorter one as a whole word only.
const ID_ANYWHERE_LEN: usize = 6;

/// What a gathered value is, which decides how it matches.
#[derive(Clone, Copy)]
enum Kind {
    Name,
    Id,
    Place,
    Date,
}

/// The patterns and dates found in a dataset, before the automaton is built.
#[derive(Default)]
struct Gathered {
    /// The data set's ISO 2022 code extensions, under which its values are read as text.
    extensions: Option<CodeExtensions>,
    /// Folded pattern text and whether it matches whole words only.
    patterns: Vec<(String, bool)>,
    /// Dates as eight ASCII digits.
    dates: Vec<[u8; 8]>,
}

impl Identifiers {
    /// Gathers names, identifiers, places and dates from every level of the dataset.
    pub fn gather(obj: &InMemDicomObject) -> Identifiers {
        let mut found = Gathered {
            extensions: CodeExtensions::of_dataset(obj),
            ..Gathered::default()
        };
        found.collect(obj, 0, false);
        // A study's dates repeat; each distinct one is written out in its forms once.
        found.dates.sort_unstable();
        found.dates.dedup();
        let dates = std::mem::take(&mut found.dates);
        for date in &dates {
            found.push_date(date);
        }
        Identifiers::from_patterns(found.patterns)
    }

    /// Builds the automaton over `patterns` (folded text, whole word only).
    fn from_patterns(mut patterns: Vec<(String, bool)>) -> Identifiers {
        // A pattern found both as a word and anywhere is kept as the one matching anywhere
        // (`false` sorts first), and once.
        patterns.sort_unstable();
        patterns.dedup_by(|later, earlier| later.0 == earlier.0);
        if patterns.is_empty() {
            return Identifiers::default();
        }
        let built = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(patterns.iter().map(|(text, _)| text.as_bytes()));
        match built {
            Ok(finder) => Identifiers {
                finder: Some(finder),
                whole_word: patterns.into_iter().map(|(_, word)| word).collect(),
                unsearchable: false,
            },
            Err(_) => Identifiers {
                finder: None,
                whole_word: Vec::new(),
                unsearchable: true,
            },
        }
    }

    /// Whether cleaning would change the text: it holds one of the dataset's names, IDs,
    /// places or dates, or a date or e-mail shape. (Cleaned as UT, so that a cut to a VR's
    /// length does not count.)
    pub fn contains_identifying(&self, text: &str) -> bool {
        if text.is_empty() {
            return false;
        }
        if self.unsearchable || self.find_known(&Folded::of(text).text, |_| true) {
            return true;
        }
        if text.is_ascii() {
            find_shapes(text.as_bytes(), |_| true)
        } else {
            let chars: Vec<char> = text.chars().collect();
            find_shapes(&chars, |_| true)
        }
    }

    /// Finds the dataset's patterns in `folded`, a folded text, and calls `found` with the
    /// bytes of each occurrence (overlapping ones included) until it returns true. Returns
    /// whether it did.
    fn find_known(&self, folded: &str, mut found: impl FnMut(Range<usize>) -> bool) -> bool {
        let Some(finder) = &self.finder else {
            return false;
        };
        // A word ends at what is not a letter or digit, and where CJK text begins.
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric() || is_unspaced(c));
        for m in finder.find_overlapping_iter(folded) {
            // Patterns are whole characters of valid text: a match starts and ends on
            // character boundaries.
            let (start, end) = (m.start(), m.end());
            let word = self
                .whole_word
                .get(m.pattern().as_usize())
                .copied()
                .unwrap_or(true);
            if word
                && !(boundary(folded[..start].chars().next_back()) && boundary(folded[end..].chars().next()))
            {
                continue;
            }
            if found(start..end) {
                return true;
            }
        }
        false
    }

    /// Cleans one text value for an element of VR `vr`.
    pub fn clean(&self, text: &str, vr: VR) -> String {
        let token = if vr == VR::CS { "XXX" } else { "***" };
        if text.is_empty() {
            return String::new();
        }
        if self.unsearchable {
            return token.to_string();
        }
        let ascii = text.is_ascii();
        let chars: Vec<char> = if ascii { Vec::new() } else { text.chars().collect() };
        let count = if ascii { text.len() } else { chars.len() };
        // How many matches cover each character, as differences: each match costs two
        // writes, however long it is.
        let mut cover = vec![0i32; count + 1];
        let mut mark = |r: Range<usize>| {
            cover[r.start] += 1;
            cover[r.end] -= 1;
            false
        };
        let folded = Folded::of(text);
        self.find_known(&folded.text, |bytes| mark(folded.original(bytes)));
        if ascii {
            find_shapes(text.as_bytes(), &mut mark);
        } else {
            find_shapes(&chars, &mut mark);
        }

        let mut out = String::with_capacity(text.len());
        let mut depth = 0;
        let mut in_match = false;
        for (c, d) in text.chars().zip(&cover) {
            depth += d;
            if depth > 0 {
                if !in_match {
                    out.push_str(token);
                }
                in_match = true;
            } else {
                out.push(c);
                in_match = false;
            }
        }
        // A cleaned value is written as text: the reader's mark of a byte it could not decode
        // (`\ddd`) would be written as those characters, and in a VR whose values a backslash
        // separates it would split the value. The byte cannot be written validly either: a
        // `?` stands for it. (A value left as it was keeps its input bytes.)
        if out != text && !matches!(vr, VR::LT | VR::ST | VR::UT | VR::UR) {
            out = without_undecodable_marks(&out);
        }
        match max_chars(vr) {
            Some(max) if out.chars().count() > max => out.chars().take(max).collect(),
            _ => out,
        }
    }
}

/// `text` with each of the reader's marks of an undecodable byte (a backslash and three octal
/// digits), and any other backslash, as one `?`.
fn without_undecodable_marks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        out.push('?');
        let after = &rest[at + 1..];
        let octal = after
            .bytes()
            .take(3)
            .take_while(|b| (b'0'..=b'7').contains(b))
            .count();
        rest = if octal == 3 { &after[3..] } else { after };
    }
    out.push_str(rest);
    out
}

impl Gathered {
    fn collect(&mut self, obj: &InMemDicomObject, depth: usize, of_person: bool) {
        if depth > crate::limits::max_depth() {
            return;
        }
        for el in obj.iter() {
            let tag = el.header().tag;
            match el.value() {
                Value::Sequence(seq) => {
                    let of_person = of_person || PERSON_CODE_SEQUENCES.contains(&tag);
                    for item in seq.items() {
                        self.collect(item, depth + 1, of_person);
                    }
                }
                Value::Primitive(p) => {
                    let vr = el.header().vr;
                    let Some(kind) = kind_of(tag, vr, of_person) else {
                        continue;
                    };
                    match p {
                        PrimitiveValue::Str(s) => self.take_texts(std::slice::from_ref(s), vr, kind),
                        PrimitiveValue::Strs(list) => self.take_texts(list, vr, kind),
                        _ => {
                            for s in strings_of(p) {
                                self.take(&s, kind);
                            }
                        }
                    }
                }
                Value::PixelSequence(_) => {}
            }
        }
    }

    /// Takes the patterns of an element's values as the reader split them, decoded first
    /// where the data set's code extensions say their bytes mean other characters.
    fn take_texts(&mut self, texts: &[String], vr: VR, kind: Kind) {
        match self.extensions.as_ref().and_then(|x| x.decode_values(texts, vr)) {
            Some(values) => {
                for v in &values {
                    self.take(trim(v), kind);
                }
            }
            None => {
                for s in texts {
                    self.take(trim(s), kind);
                }
            }
        }
    }

    /// Takes the patterns of one value.
    fn take(&mut self, s: &str, kind: Kind) {
        match kind {
            Kind::Name => {
                for part in name_parts(s).flat_map(|p| p.split([' ', ','])) {
                    let part = part.trim_matches('.');
                    if part.chars().count() >= 2 {
                        // Chinese, Japanese and Korean text runs words together: a name in
                        // those scripts is found wherever it is.
                        self.push(part, !part.chars().any(is_unspaced));
                    }
                }
                // A Chinese or Korean family name is often one character, too short to look
                // for alone: the family and given names written together are looked for.
                for group in s.split('=') {
                    let mut components = group.split('^');
                    let (family, given) = (components.next().unwrap_or(""), components.next().unwrap_or(""));
                    let joined = [family.trim(), given.trim()].concat();
                    if joined.chars().any(is_unspaced) && joined.chars().count() >= 2 {
                        self.push(&joined, false);
                    }
                }
            }
            Kind::Id => {
                let len = s.chars().count();
                if len >= 3 {
                    self.push(s, len < ID_ANYWHERE_LEN);
                }
            }
            Kind::Place => {
                self.push_place(s);
                // An address is written on several lines, or with commas: each line is
                // found alone too.
                let lines = s.split(['\r', '\n', ',', ';', '^']);
                if s.contains(['\r', '\n', ',', ';', '^']) {
                    for line in lines {
                        self.push_place(line);
                    }
                }
            }
            Kind::Date => {
                let day = s.as_bytes().get(..8).and_then(|d| <[u8; 8]>::try_from(d).ok());
                if let Some(day) = day.filter(|d| d.iter().all(u8::is_ascii_digit)) {
                    self.dates.push(day);
                }
            }
        }
    }

    /// A place name or address line, as whole words, if it has three letters or digits.
    fn push_place(&mut self, s: &str) {
        let s = s.trim();
        if s.chars().filter(|c| c.is_alphanumeric()).count() >= 3 {
            self.push(s, true);
        }
    }

    /// Adds a pattern, folded as texts are.
    fn push(&mut self, s: &str, whole_word: bool) {
        let folded = Folded::of(s).text;
        if !folded.is_empty() {
            self.patterns.push((folded, whole_word));
        }
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
            self.patterns.push(([a, sep, b, sep, c].concat(), false));
        }
    }
}

/// How a value of element `tag` (VR `vr`) is taken, if it is taken; `of_person`: the element
/// is inside a code sequence that identifies a person.
fn kind_of(tag: Tag, vr: VR, of_person: bool) -> Option<Kind> {
    if vr == VR::PN {
        Some(Kind::Name)
    } else if ID_TAGS.contains(&tag)
        || OTHER_ID_TAGS.contains(&tag)
        || (of_person && matches!(tag, tags::CODE_VALUE | tags::LONG_CODE_VALUE))
    {
        Some(Kind::Id)
    } else if PLACE_TAGS.contains(&tag) || (of_person && tag == tags::CODE_MEANING) {
        Some(Kind::Place)
    } else if matches!(vr, VR::DA | VR::DT) {
        Some(Kind::Date)
    } else {
        None
    }
}

/// Whether `c` is of a script written without spaces between words: Han ideographs, kana
/// (full and half width), Hangul.
pub(crate) fn is_unspaced(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x11FF      // Hangul Jamo
        | 0x3040..=0x30FF    // Hiragana, Katakana
        | 0x3130..=0x318F    // Hangul Compatibility Jamo
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xAC00..=0xD7AF    // Hangul Syllables
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0xFF66..=0xFF9F    // Half-width Katakana
        | 0x20000..=0x3134F) // CJK Extensions B to G
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

/// A text folded for matching: lower-case, without diacritics (combining marks dropped,
/// accented Latin letters written as their base letter), and where each of its bytes came
/// from in the original.
struct Folded {
    text: String,
    /// For each byte of `text` and one past its end: the index of the original character
    /// it came from (of the next one kept, past the end). `None`: the text was ASCII, and
    /// byte `i` is character `i`.
    origin: Option<Vec<u32>>,
}

impl Folded {
    fn of(text: &str) -> Folded {
        if text.is_ascii() {
            return Folded {
                text: text.to_ascii_lowercase(),
                origin: None,
            };
        }
        let mut folded = String::with_capacity(text.len());
        let mut origin = Vec::with_capacity(text.len() + 1);
        let mut count = 0u32;
        for c in text.chars() {
            if !is_combining_mark(c) {
                let f = fold_char(c);
                folded.push(f);
                origin.extend(std::iter::repeat_n(count, f.len_utf8()));
            }
            count = count.saturating_add(1);
        }
        origin.push(count);
        Folded {
            text: folded,
            origin: Some(origin),
        }
    }

    /// The original characters of the bytes `r` of the folded text, with the combining
    /// marks that follow them.
    fn original(&self, r: Range<usize>) -> Range<usize> {
        match &self.origin {
            None => r,
            Some(origin) => {
                let at = |b: usize| origin.get(b).map_or(0, |&i| i as usize);
                at(r.start)..at(r.end)
            }
        }
    }
}

/// Combining diacritical marks (U+0300–U+036F), written after the letter they accent in
/// decomposed text.
fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// One character lower-cased and, for a Latin letter with a diacritic, its base letter.
fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let c = c.to_lowercase().next().unwrap_or(c);
    match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' | 'ǎ' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => 's',
        'ţ' | 'ť' | 'ŧ' | 'ț' => 't',
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
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
    fn short_ids_match_whole_words_long_ones_anywhere() {
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(tags::STUDY_ID, VR::SH, PrimitiveValue::from("421")),
            DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("PID12345")),
        ]);
        let ids = Identifiers::gather(&obj);
        assert_eq!(ids.clean("study 421, 4210 ms", VR::LT), "study ***, 4210 ms");
        assert_eq!(ids.clean("MRNPID12345/2", VR::LT), "MRN***/2");
    }

    #[test]
    fn places_and_person_codes_are_identifiers() {
        let code = InMemDicomObject::from_element_iter([
            DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from("DOC-881")),
            DataElement::new(
                tags::CODE_MEANING,
                VR::LO,
                PrimitiveValue::from("Staff Member Nine"),
            ),
        ]);
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::INSTITUTION_NAME,
                VR::LO,
                PrimitiveValue::from("Saint Example Hospital"),
            ),
            DataElement::new(
                tags::INSTITUTION_ADDRESS,
                VR::ST,
                PrimitiveValue::from("1 Example Road\r\nNorthtown"),
            ),
            DataElement::new(
                tags::PERSON_IDENTIFICATION_CODE_SEQUENCE,
                VR::SQ,
                dicom_core::value::DataSetSequence::from(vec![code]),
            ),
        ]);
        let ids = Identifiers::gather(&obj);
        assert_eq!(
            ids.clean(
                "SAINT EXAMPLE HOSPITAL, Northtown: doc-881 (staff member nine); hospital",
                VR::LT
            ),
            "***, ***: *** (***); hospital"
        );
    }

    #[test]
    fn folding_keeps_positions() {
        let obj = InMemDicomObject::from_element_iter([DataElement::new(
            tags::PATIENT_NAME,
            VR::PN,
            PrimitiveValue::from("Ëlodie^Zoë"),
        )]);
        let ids = Identifiers::gather(&obj);
        assert_eq!(ids.clean("élodie, ZOE\u{308}! Zoë.", VR::LT), "***, ***! ***.");
        assert_eq!(ids.clean("ß élodiex", VR::LT), "ß élodiex");
    }

    #[test]
    fn result_fits_the_vr() {
        let ids = Identifiers::gather(&dataset());
        let long = "Jane ".repeat(10);
        assert!(ids.clean(&long, VR::SH).chars().count() <= 16);
    }
}
