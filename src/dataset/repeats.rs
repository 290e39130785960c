//! Top-level elements given more than once. The reader keeps the last occurrence; a name or
//! identifier in the others would then be lost to everything that looks for the data set's
//! own names and identifiers in free text (the clean-descriptors option), and could stay in
//! a description. So the values of the occurrences not kept join the one kept as further
//! values, for a person name or a short or long string (PN, SH, LO): the element is then
//! de-identified by its rule as one, with every value any occurrence had.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use dicom_object::InMemDicomObject;

/// Values longer than this are not names or identifiers: not joined.
const MAX_VALUE_BYTES: u32 = 1024;

/// Joins to each element of `obj` the values of its occurrences not kept, `dropped` (tag,
/// offset and length of their values in `file`); returns the note telling it, if any.
pub fn join_dropped(
    obj: &mut InMemDicomObject,
    file: &File,
    dropped: &[((u16, u16), u64, u32)],
) -> Option<String> {
    let charset = super::text_of(obj, tags::SPECIFIC_CHARACTER_SET)
        .and_then(|code| SpecificCharacterSet::from_code(code.split('\\').next().unwrap_or("").trim()))
        .unwrap_or_default();
    let mut joined: Vec<Tag> = Vec::new();
    for &((group, element), at, length) in dropped {
        let tag = Tag(group, element);
        let Some(kept) = obj.get(tag) else { continue };
        let vr = kept.vr();
        if !matches!(vr, VR::PN | VR::SH | VR::LO) || length > MAX_VALUE_BYTES {
            continue;
        }
        let mut values: Vec<String> = kept
            .to_multi_str()
            .map(|v| v.iter().map(|s| trim(s).to_string()).collect())
            .unwrap_or_default();
        let Some(other) = read_text(file, at, length, &charset) else {
            continue;
        };
        let mut added = false;
        for value in other.split('\\').map(trim) {
            if !value.is_empty() && !values.iter().any(|v| v == value) {
                values.push(value.to_string());
                added = true;
            }
        }
        if added {
            obj.put(DataElement::new(tag, vr, PrimitiveValue::Strs(values.into())));
            if !joined.contains(&tag) {
                joined.push(tag);
            }
        }
    }
    (!joined.is_empty()).then(|| {
        let named: Vec<String> = joined.iter().map(|t| super::tag_string(*t)).collect();
        format!(
            "{}the values of the other occurrences of {} differ from the last one's: they were \
             added to it as further values, so that its rule and free-text cleaning cover them",
            super::lenient::FALLBACK,
            named.join(", ")
        )
    })
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c == ' ' || c == '\0')
}

/// The text of `length` bytes at `at` in `file`, in `charset`.
fn read_text(mut file: &File, at: u64, length: u32, charset: &SpecificCharacterSet) -> Option<String> {
    let mut bytes = vec![0u8; length as usize];
    file.seek(SeekFrom::Start(at)).ok()?;
    file.read_exact(&mut bytes).ok()?;
    charset.decode(&bytes).ok()
}
