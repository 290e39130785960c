//! Elements written with VR UN (Unknown) read as what they are.
//!
//! A writer that did not know an element's VR — most often a node that received the data set
//! in implicit VR and sent it on in explicit VR — writes it as UN, its value left as it was:
//! "encoded in Little Endian byte ordering with implicit VR encoding, irrespective of the
//! current Transfer Syntax" (PS3.5 6.2.2), a sequence of undefined length as implicit VR
//! items. Read as bytes, a standard element is lost to every rule that goes by VR: a SOP
//! Instance UID written as UN would be removed rather than remapped. So an element of a tag
//! the data dictionary knows is decoded with the dictionary's VR (a US-or-SS tag by Pixel
//! Representation, else kept UN), and a UN of undefined length (the walk gave the reader its
//! length) as the implicit VR sequence it is. A private element stays UN (no creator's
//! dictionary is known), but for its creator, which is LO by definition (PS3.5 7.8.1).
//! Outputs are then written with these VRs.

use std::collections::BTreeSet;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, StandardDataDictionary};
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;

use super::private;

/// The sequence delimitation item as implicit VR little endian writes it: how the value of a
/// UN of undefined length ends.
const SEQUENCE_END: [u8; 8] = [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];

/// What reading UN elements did: the tags read with a VR, and those kept UN.
#[derive(Default)]
pub struct Outcome {
    /// The elements read with a VR, in the order met, with it.
    pub read: Vec<(Tag, VR)>,
    /// UN elements of a standard tag whose value does not decode with the dictionary's VR.
    pub kept: Vec<Tag>,
}

impl Outcome {
    /// The note telling people, if anything was read so.
    pub fn note(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.read.is_empty() {
            let named: Vec<String> = self
                .read
                .iter()
                .take(6)
                .map(|(tag, vr)| format!("{} {}", super::tag_string(*tag), vr))
                .collect();
            let more = self.read.len() - named.len();
            let (plural, verb, whose) = if self.read.len() == 1 {
                ("", "was", "its tag")
            } else {
                ("s", "were", "their tags")
            };
            parts.push(format!(
                "{} element{plural} written with VR UN {verb} read with the VR the data dictionary \
                 gives {whose} (PS3.5 6.2.2): {}{}",
                self.read.len(),
                named.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        if !self.kept.is_empty() {
            let named: Vec<String> = self.kept.iter().take(6).map(|t| super::tag_string(*t)).collect();
            parts.push(format!(
                "elements written with VR UN whose value does not decode with the dictionary's VR, \
                 kept as UN: {}",
                named.join(", ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Whether `obj` holds an element of VR UN, or one of `creators` (private creators given
/// twice with different values, left out), at any depth.
fn needs_work(obj: &InMemDicomObject, creators: &BTreeSet<(u16, u16)>) -> bool {
    obj.iter().any(|el| {
        let tag = el.header().tag;
        el.vr() == VR::UN
            || creators.contains(&(tag.group(), tag.element()))
            || el
                .items()
                .is_some_and(|items| items.iter().any(|i| needs_work(i, creators)))
    })
}

/// Reads every UN element of `obj` (and of its items) as its tag says, and leaves out the
/// private creators `creators` wherever they are. Nothing is done to a data set with neither.
pub fn read_by_dictionary(obj: &mut InMemDicomObject, creators: &BTreeSet<(u16, u16)>) -> Outcome {
    let mut outcome = Outcome::default();
    if needs_work(obj, creators) {
        convert(obj, SpecificCharacterSet::default(), creators, 0, &mut outcome);
    }
    outcome
}

/// Converts one data set or item, then its items; `charset` is the enclosing one's.
fn convert(
    obj: &mut InMemDicomObject,
    charset: SpecificCharacterSet,
    creators: &BTreeSet<(u16, u16)>,
    depth: usize,
    out: &mut Outcome,
) {
    let unread: Vec<Tag> = obj
        .iter()
        .map(|el| el.header().tag)
        .filter(|tag| creators.contains(&(tag.group(), tag.element())))
        .collect();
    for tag in unread {
        obj.remove_element(tag);
    }
    // The character set and the pixel representation decide how others decode: first.
    for tag in [tags::SPECIFIC_CHARACTER_SET, tags::PIXEL_REPRESENTATION] {
        convert_one(obj, tag, &charset, None, depth, out);
    }
    let charset = super::text_of(obj, tags::SPECIFIC_CHARACTER_SET)
        .and_then(|code| SpecificCharacterSet::from_code(code.split('\\').next().unwrap_or("").trim()))
        .unwrap_or(charset);
    let signed = obj
        .get(tags::PIXEL_REPRESENTATION)
        .and_then(|el| el.to_int::<u16>().ok());
    let all: Vec<Tag> = obj.iter().map(|el| el.header().tag).collect();
    for tag in all {
        convert_one(obj, tag, &charset, signed, depth, out);
        let has_items = obj
            .get(tag)
            .is_some_and(|el| el.items().is_some_and(|i| !i.is_empty()));
        if has_items {
            if let Ok(mut el) = obj.take_element(tag) {
                if let Some(items) = el.items_mut() {
                    for item in items.iter_mut() {
                        convert(item, charset.clone(), creators, depth + 1, out);
                    }
                }
                obj.put(el);
            }
        }
    }
}

/// Reads the element `tag` of `obj` with its VR, if it is a UN that can be.
fn convert_one(
    obj: &mut InMemDicomObject,
    tag: Tag,
    charset: &SpecificCharacterSet,
    pixel_representation: Option<u16>,
    depth: usize,
    out: &mut Outcome,
) {
    let Some(el) = obj.get(tag).filter(|el| el.vr() == VR::UN) else {
        return;
    };
    let Ok(bytes) = el.to_bytes() else { return };
    let bytes = bytes.into_owned();
    // A value ending with a sequence delimiter is a UN of undefined length: implicit VR
    // items, whatever the tag (PS3.5 6.2.2).
    if bytes.ends_with(&SEQUENCE_END) {
        if let Some(sequence) = decode(tag, &bytes, true, charset, depth).filter(|e| e.vr() == VR::SQ) {
            out.read.push((tag, VR::SQ));
            obj.put(sequence);
            return;
        }
    }
    let Some(vr) = known_vr(tag, pixel_representation) else {
        return;
    };
    // UN also carries a value too long for its VR's 16-bit explicit length (PS3.5 6.2.2):
    // it stays UN, which can be written.
    if short_length(vr) && bytes.len() > 0xFFFE {
        return;
    }
    if private::is_private_creator(tag) {
        // A private creator: text in the data set's character set.
        let Ok(text) = charset.decode(&bytes) else {
            out.kept.push(tag);
            return;
        };
        let text = text.trim_end_matches([' ', '\0']).to_string();
        out.read.push((tag, vr));
        obj.put(DataElement::new(tag, VR::LO, PrimitiveValue::from(text)));
        return;
    }
    match decode(tag, &bytes, false, charset, depth).and_then(|el| with_vr(el, vr)) {
        Some(read) => {
            out.read.push((tag, vr));
            obj.put(read);
        }
        None => out.kept.push(tag),
    }
}

/// The VR an element of `tag` written as UN has, when it can be known: the dictionary's when
/// it gives one; US or SS by Pixel Representation for the tags that take either; OW for pixel
/// and overlay data (the VR implicit VR gives them, PS3.5 A.1); LO for a private creator.
fn known_vr(tag: Tag, pixel_representation: Option<u16>) -> Option<VR> {
    if private::is_private(tag) {
        return private::is_private_creator(tag).then_some(VR::LO);
    }
    match StandardDataDictionary.by_tag(tag)?.vr() {
        VirtualVr::Exact(VR::UN) => None,
        VirtualVr::Exact(vr) => Some(vr),
        VirtualVr::Xs => match pixel_representation? {
            0 => Some(VR::US),
            1 => Some(VR::SS),
            _ => None,
        },
        VirtualVr::Px => Some(VR::OW),
        VirtualVr::Ox if tag.group() & 0xFF01 == 0x6000 && tag.element() == 0x3000 => Some(VR::OW),
        _ => None,
    }
}

/// Whether explicit VR writes `vr` with a 16-bit value length (PS3.5 7.1.2).
fn short_length(vr: VR) -> bool {
    use VR::*;
    matches!(
        vr,
        AE | AS
            | AT
            | CS
            | DA
            | DS
            | DT
            | FL
            | FD
            | IS
            | LO
            | LT
            | PN
            | SH
            | SL
            | SS
            | ST
            | TM
            | UI
            | UL
            | US
    )
}

/// Decodes `value` as the implicit VR little endian value of an element `tag` (of undefined
/// length: a sequence ending with its delimiter).
fn decode(
    tag: Tag,
    value: &[u8],
    undefined: bool,
    charset: &SpecificCharacterSet,
    depth: usize,
) -> Option<InMemElement> {
    let length = if undefined {
        u32::MAX
    } else {
        u32::try_from(value.len()).ok()?
    };
    let mut encoded = Vec::with_capacity(value.len() + 8);
    encoded.extend_from_slice(&tag.group().to_le_bytes());
    encoded.extend_from_slice(&tag.element().to_le_bytes());
    encoded.extend_from_slice(&length.to_le_bytes());
    encoded.extend_from_slice(value);
    // The structure inside the value was never walked: it is, as the open-time walk walks a
    // file (lengths, items, nesting below the limit with the levels above it), before the
    // reader recurses into it.
    if super::prescan::check_implicit(&encoded, depth).is_err() {
        return None;
    }
    let obj = InMemDicomObject::read_dataset_with_ts_cs(
        &encoded[..],
        &IMPLICIT_VR_LITTLE_ENDIAN.erased(),
        charset.clone(),
    )
    .ok()?;
    let mut elements = obj.into_iter();
    let element = elements.next()?;
    (element.header().tag == tag && elements.next().is_none()).then_some(element)
}

/// `el` as an element of VR `vr`: as decoded when the reader gave it that VR, else its value
/// taken as `vr` where that is exact (US read for SS, OW for pixel data).
fn with_vr(el: InMemElement, vr: VR) -> Option<InMemElement> {
    let (header, value) = el.into_parts();
    if header.vr == vr {
        return Some(DataElement::new(header.tag, vr, value));
    }
    let value = match (vr, value) {
        (VR::SS, Value::Primitive(PrimitiveValue::U16(values))) => {
            Value::Primitive(PrimitiveValue::I16(values.iter().map(|v| *v as i16).collect()))
        }
        _ => return None,
    };
    Some(DataElement::new(header.tag, vr, value))
}
