//! Text the reader and the encoder take in different repertoires. The reader decodes UI,
//! DA, DS, DT, IS and TM in the declared character set and the encoder writes them in the
//! default repertoire, so a non-ASCII byte in them (which no valid file has, and damaged
//! ones do) would be written back changed, or not at all: [`keep_input_bytes`] keeps such
//! values as they were read, and [`encode_failure`] names the element an encoder refuses,
//! where its own error gives only a byte position in a stream never written.

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::text::{DefaultCharacterSetCodec, SpecificCharacterSet, TextCodec};
use dicom_object::InMemDicomObject;

use super::TagPath;

/// VRs whose values the encoder writes in the default repertoire, whatever the character set.
const DEFAULT_REPERTOIRE: &[VR] = &[
    VR::AE,
    VR::AS,
    VR::CS,
    VR::DA,
    VR::DS,
    VR::DT,
    VR::IS,
    VR::TM,
    VR::UI,
];

/// VRs the reader decodes in the declared character set that the encoder writes in the
/// default repertoire.
const READ_IN_CHARSET: &[VR] = &[VR::UI, VR::DA, VR::DS, VR::DT, VR::IS, VR::TM];

/// Gives each non-ASCII value in a [`READ_IN_CHARSET`] VR the text whose encoding in the
/// default repertoire is the bytes it was read from, so that a kept value, valid or not, is
/// written back byte for byte. Files whose values there are ASCII, as the standard has them,
/// cost one read-only pass.
pub fn keep_input_bytes(obj: &mut InMemDicomObject) {
    if holds_non_ascii_read_in_charset(obj) {
        restore(obj, &mut SpecificCharacterSet::default());
    }
}

fn holds_non_ascii_read_in_charset(obj: &InMemDicomObject) -> bool {
    obj.iter().any(|element| match element.value() {
        Value::Primitive(value) => {
            READ_IN_CHARSET.contains(&element.vr()) && texts_of(value).iter().any(|t| !t.is_ascii())
        }
        Value::Sequence(sequence) => sequence.items().iter().any(holds_non_ascii_read_in_charset),
        Value::PixelSequence(_) => false,
    })
}

/// The text of a value read as text; nothing for other values.
fn texts_of(value: &PrimitiveValue) -> &[String] {
    match value {
        PrimitiveValue::Str(text) => std::slice::from_ref(text),
        PrimitiveValue::Strs(texts) => texts,
        _ => &[],
    }
}

/// A Specific Character Set sets the character set for every value after it, in the reader
/// and the encoder alike (an unknown one leaves it as it was).
fn follow_character_set(tag: Tag, texts: &[String], charset: &mut SpecificCharacterSet) {
    if tag == tags::SPECIFIC_CHARACTER_SET {
        if let Some(set) = texts
            .first()
            .and_then(|code| SpecificCharacterSet::from_code(code))
        {
            *charset = set;
        }
    }
}

/// Walks `obj` in the order the reader read it, following the character set in force.
fn restore(obj: &mut InMemDicomObject, charset: &mut SpecificCharacterSet) {
    let elements: Vec<(Tag, VR)> = obj.iter().map(|e| (e.header().tag, e.vr())).collect();
    for (tag, vr) in elements {
        obj.update_value(tag, |value| match value {
            Value::Primitive(value) => {
                let texts: &mut [String] = match value {
                    PrimitiveValue::Str(text) => std::slice::from_mut(text),
                    PrimitiveValue::Strs(texts) => texts,
                    _ => &mut [],
                };
                if READ_IN_CHARSET.contains(&vr) {
                    for text in texts.iter_mut().filter(|t| !t.is_ascii()) {
                        let read = charset
                            .encode(text)
                            .ok()
                            .and_then(|bytes| DefaultCharacterSetCodec.decode(&bytes).ok());
                        if let Some(read) = read {
                            *text = read;
                        }
                    }
                } else {
                    follow_character_set(tag, texts, charset);
                }
            }
            Value::Sequence(sequence) => {
                for item in sequence.items_mut().iter_mut() {
                    restore(item, charset);
                }
            }
            Value::PixelSequence(_) => {}
        });
    }
}

/// The first element, in the order an encoder writes them, holding text it cannot encode:
/// characters outside the default repertoire in a VR bound to it, or outside the character
/// set in force. As in the encoder, a Specific Character Set changes that set for every
/// element written after it, items included.
pub fn first_unencodable(obj: &InMemDicomObject) -> Option<TagPath> {
    find(obj, None, &mut SpecificCharacterSet::default())
}

fn find(
    obj: &InMemDicomObject,
    item: Option<(&TagPath, u32)>,
    charset: &mut SpecificCharacterSet,
) -> Option<TagPath> {
    for element in obj.iter() {
        let tag = element.header().tag;
        let path = match item {
            None => TagPath::root(tag),
            Some((sequence, index)) => sequence.child(index, tag),
        };
        match element.value() {
            Value::Primitive(value) => {
                let texts = texts_of(value);
                let fits = |text: &String| {
                    if DEFAULT_REPERTOIRE.contains(&element.vr()) {
                        DefaultCharacterSetCodec.encode(text).is_ok()
                    } else {
                        charset.encode(text).is_ok()
                    }
                };
                if !texts.iter().all(fits) {
                    return Some(path);
                }
                follow_character_set(tag, texts, charset);
            }
            Value::Sequence(sequence) => {
                for (index, child) in sequence.items().iter().enumerate() {
                    let index = u32::try_from(index).unwrap_or(u32::MAX);
                    if let Some(found) = find(child, Some((&path, index)), charset) {
                        return Some(found);
                    }
                }
            }
            Value::PixelSequence(_) => {}
        }
    }
    None
}

/// The reason an encoder gave for failing to write `obj`, with the element it refused when
/// one can be found.
pub fn encode_failure(obj: &InMemDicomObject, err: &dyn std::error::Error) -> String {
    let reason = super::error_chain(err);
    match first_unencodable(obj) {
        Some(path) => {
            let keyword = super::keyword(path.tag).unwrap_or("private or unknown");
            format!("{reason}, in {path} {keyword}")
        }
        None => reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::DataSetSequence;
    use dicom_core::{DataElement, Tag};

    fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
        DataElement::new(tag, vr, PrimitiveValue::from(value))
    }

    #[test]
    fn a_letter_outside_the_default_repertoire_is_found_where_it_is() {
        let item = InMemDicomObject::from_element_iter([
            text(tags::CODE_VALUE, VR::SH, "Ăbc"),
            text(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "DCM"),
            text(tags::CODE_MEANING, VR::LO, "x"),
        ]);
        let with = |charset: &str, body_part: &str| {
            InMemDicomObject::from_element_iter([
                text(tags::SPECIFIC_CHARACTER_SET, VR::CS, charset),
                text(tags::BODY_PART_EXAMINED, VR::CS, body_part),
                DataElement::new(
                    tags::ANATOMIC_REGION_SEQUENCE,
                    VR::SQ,
                    DataSetSequence::from(vec![item.clone()]),
                ),
            ])
        };
        // Latin-1 letters are the default codec's own; a letter past them is not, even in
        // a UTF-8 data set.
        assert_eq!(
            first_unencodable(&with("ISO_IR 192", "CHĂST")),
            Some(TagPath::root(tags::BODY_PART_EXAMINED))
        );
        // SH follows the character set in force: UTF-8 takes it, Latin-1 does not.
        assert_eq!(first_unencodable(&with("ISO_IR 192", "CHÉST")), None);
        assert_eq!(
            first_unencodable(&with("ISO_IR 100", "CHÉST")),
            Some(TagPath::root(tags::ANATOMIC_REGION_SEQUENCE).child(0, tags::CODE_VALUE))
        );
    }

    /// Inside an item too, and only where the character set in force differs from Latin-1:
    /// what the text was read from is what comes back.
    #[test]
    fn values_read_in_the_character_set_get_back_the_bytes_they_were_read_from() {
        let item = InMemDicomObject::from_element_iter([
            text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, "1.2.Ă"),
            text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, "1.2.3"),
        ]);
        let with = |charset: &str| {
            let mut obj = InMemDicomObject::from_element_iter([
                text(tags::SPECIFIC_CHARACTER_SET, VR::CS, charset),
                text(tags::STUDY_DATE, VR::DA, "2023É"),
                text(tags::STUDY_DESCRIPTION, VR::LO, "Étude"),
                DataElement::new(
                    tags::REFERENCED_IMAGE_SEQUENCE,
                    VR::SQ,
                    DataSetSequence::from(vec![item.clone()]),
                ),
            ]);
            keep_input_bytes(&mut obj);
            obj
        };
        let utf8 = with("ISO_IR 192");
        // É is C3 89 in UTF-8, Ă is C4 82: each byte read as the default repertoire's letter.
        assert_eq!(
            utf8.get(tags::STUDY_DATE).unwrap().to_str().unwrap(),
            "2023Ã\u{89}"
        );
        let nested = utf8
            .get(tags::REFERENCED_IMAGE_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()[0]
            .get(tags::REFERENCED_SOP_CLASS_UID)
            .unwrap()
            .to_str()
            .unwrap()
            .into_owned();
        assert_eq!(nested, "1.2.Ä\u{82}");
        // Text in the character set proper, and ASCII, stay as they are.
        assert_eq!(
            utf8.get(tags::STUDY_DESCRIPTION).unwrap().to_str().unwrap(),
            "Étude"
        );
        assert_eq!(
            utf8.get(tags::REFERENCED_IMAGE_SEQUENCE)
                .unwrap()
                .items()
                .unwrap()[0]
                .get(tags::REFERENCED_SOP_INSTANCE_UID)
                .unwrap()
                .to_str()
                .unwrap(),
            "1.2.3"
        );
        // In Latin-1 the bytes and the letters are one: nothing moves (Ă, which Latin-1 cannot
        // have come from, is left for the encoder to refuse).
        let latin1 = with("ISO_IR 100");
        assert_eq!(latin1.get(tags::STUDY_DATE).unwrap().to_str().unwrap(), "2023É");
        assert_eq!(
            first_unencodable(&latin1).map(|p| p.tag),
            Some(tags::REFERENCED_SOP_CLASS_UID)
        );
    }
}
