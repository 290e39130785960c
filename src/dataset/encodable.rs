//! Which value an encoder refused. Its own error gives only a byte position in a stream that
//! was never written; a user fixing a damaged file needs the element.

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::VR;
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
                let texts: &[String] = match value {
                    PrimitiveValue::Str(text) => std::slice::from_ref(text),
                    PrimitiveValue::Strs(texts) => texts,
                    _ => &[],
                };
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
                if tag == tags::SPECIFIC_CHARACTER_SET {
                    if let Some(set) = texts
                        .first()
                        .and_then(|code| SpecificCharacterSet::from_code(code))
                    {
                        *charset = set;
                    }
                }
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
}
