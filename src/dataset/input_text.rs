//! The bytes of text values the reader cannot give back.
//!
//! The reader (dicom-encoding 0.10) decodes text in the declared character set and writes a
//! byte it cannot decode as the four characters `\ddd` (its octal code), keeping nothing of
//! the byte: a Latin-1 byte under `ISO_IR 192`, a lone Shift-JIS lead byte under `ISO_IR 13`,
//! a broken GB18030 sequence. Written back, such a value would have other bytes, and the
//! backslash would even split it into more values. Files like that exist (legacy systems
//! writing one character set under another's name), and a value dpk keeps must keep its
//! bytes: [`InputText`] holds, for each value whose decoding and encoding again in its
//! character set does not give its bytes back, the bytes as they are in the input, read once
//! more from the file without decoding; [`InputText::restore`] puts them back as the value of
//! each such element that the plan keeps. A kept value bearing the reader's mark that was not
//! read that way (a data set planned and applied without its file, an element after the
//! pixel data) is refused, never changed silently: see [`InputText::unrestorable`]. (Bytes a
//! multi-byte set decodes without a mark to another code, GB18030's 80 as the euro sign, are
//! found only by reading the file: [`InputText::of_file`] does.)

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use dicom_core::header::Header as _;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::text::{DefaultCharacterSetCodec, SpecificCharacterSet, TextCodec};
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_parser::dataset::read::{DataSetReaderOptions, ValueReadStrategy};
use dicom_parser::dataset::{DataSetReader, DataToken};

use super::{ItemStep, TagPath};

/// The input bytes of the text values a file's reading could not give back, by path.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InputText {
    /// Each value whose decoded text does not encode back to its bytes.
    values: Vec<Undecodable>,
    /// Up to where the file was read for them: every element before this top-level tag
    /// (all of them when `Tag(0xFFFF, 0xFFFF)`); `None` when it was not read at all.
    read_before: Option<Tag>,
}

/// A value whose bytes its character set does not give back.
#[derive(Clone, Debug, PartialEq)]
pub struct Undecodable {
    /// Where it is.
    pub path: TagPath,
    /// Its bytes in the input, padding included.
    pub bytes: Vec<u8>,
    /// The character set it was read in, by its DICOM name (never text from the file).
    pub charset: String,
}

/// What [`read_values`] gives: the values, and the first top-level tag not read.
type ReadValues = (Vec<Undecodable>, Tag);

/// VRs whose values the reader decodes in the declared character set and splits at each
/// backslash (the others of [`DECODED_WHOLE`] are one value, backslashes included).
const DECODED_SPLIT: &[VR] = &[
    VR::PN,
    VR::SH,
    VR::LO,
    VR::UC,
    VR::UI,
    VR::IS,
    VR::DS,
    VR::DA,
    VR::TM,
    VR::DT,
];

/// VRs the writer encodes in the default repertoire (Latin-1 to the encoder), whatever the
/// character set.
const DEFAULT_REPERTOIRE: &[VR] = &[VR::UI, VR::IS, VR::DS, VR::DA, VR::TM, VR::DT];

/// VRs the reader decodes whole in the declared character set.
const DECODED_WHOLE: &[VR] = &[VR::LT, VR::ST, VR::UT, VR::UR];

fn decoded_in_charset(vr: VR) -> bool {
    DECODED_SPLIT.contains(&vr) || DECODED_WHOLE.contains(&vr)
}

impl InputText {
    /// The values of the file at `path` (read as `file`) that its reading could not give back.
    /// A file whose text shows no sign of it costs one pass over `obj`, nothing read.
    pub fn of_file(path: &Path, file: &super::DicomFile) -> InputText {
        if !may_not_round_trip(file, &mut SpecificCharacterSet::default()) {
            return InputText {
                values: Vec::new(),
                read_before: Some(Tag(0xFFFF, 0xFFFF)),
            };
        }
        match read_values(path, file.meta().transfer_syntax()) {
            Ok((values, read_before)) => InputText {
                values,
                read_before: Some(read_before),
            },
            Err(_) => InputText::default(),
        }
    }

    /// The values held.
    pub fn values(&self) -> &[Undecodable] {
        &self.values
    }

    /// Whether the file was read for the element at `path`.
    fn covers(&self, path: &TagPath) -> bool {
        let top = path.items.first().map_or(path.tag, |step| step.sequence);
        self.read_before.is_some_and(|end| top < end)
    }

    /// Gives each element of `obj` that `kept` says is kept, and whose value was not read
    /// back, the bytes it was read from: written as they are. Only where the element holds
    /// what these bytes read as (so that bytes read from a file parsed otherwise never land
    /// on another value); gives the paths of those given their bytes.
    pub fn restore(&self, obj: &mut InMemDicomObject, kept: impl Fn(&TagPath) -> bool) -> Vec<TagPath> {
        self.values
            .iter()
            .filter(|value| kept(&value.path) && put_bytes(obj, &value.path.items, value))
            .map(|value| value.path.clone())
            .collect()
    }

    /// The first element of `obj` that `kept` says is kept whose text shows the reader's mark
    /// of a byte it could not decode and whose bytes were not read back: writing it would
    /// change it. In a VR whose values a backslash separates, any backslash in a value is
    /// that mark; in LT, ST, UT and UR a backslash and three octal digits may be text, and
    /// are taken for the mark only where the file was not read again to tell.
    pub fn unrestorable(
        &self,
        obj: &InMemDicomObject,
        restored: &[TagPath],
        kept: impl Fn(&TagPath) -> bool,
    ) -> Option<TagPath> {
        find_marked(obj, None, &|path, vr| {
            kept(path) && !restored.contains(path) && (DECODED_SPLIT.contains(&vr) || !self.covers(path))
        })
    }
}

/// Gives the primitive element of `value` in the item `items` lead to its input bytes, its
/// VR as it is, when it holds what they read as; whether it did.
fn put_bytes(obj: &mut InMemDicomObject, items: &[ItemStep], value: &Undecodable) -> bool {
    let tag = value.path.tag;
    match items.split_first() {
        None => {
            let vr = match obj.get(tag).map(|e| (e.vr(), e.value())) {
                Some((vr, Value::Primitive(read))) if reads_as(&value.bytes, vr, &value.charset, read) => vr,
                _ => return false,
            };
            obj.put(dicom_core::DataElement::new(
                tag,
                vr,
                as_written(vr, &value.bytes),
            ));
            true
        }
        Some((step, rest)) => {
            let mut put = false;
            obj.update_value(step.sequence, |sequence| {
                if let Some(item) = sequence
                    .items_mut()
                    .and_then(|items| items.get_mut(step.item as usize))
                {
                    put = put_bytes(item, rest, value);
                }
            });
            put
        }
    }
}

/// Whether `read` is what the reader made of `bytes` in `vr` under the character set named
/// `charset`: each value apart, decoded.
fn reads_as(bytes: &[u8], vr: VR, charset: &str, read: &PrimitiveValue) -> bool {
    let Some(charset) = SpecificCharacterSet::from_code(charset) else {
        return false;
    };
    // As the reader read it, then as `keep_input_bytes` made it for a VR written in the
    // default repertoire (which runs first): non-ASCII text as the Latin-1 text of its bytes.
    let decode = |part: &[u8]| {
        let text = charset.decode(part).ok()?;
        if text.is_ascii() || !DEFAULT_REPERTOIRE.contains(&vr) {
            return Some(text);
        }
        Some(
            charset
                .encode(&text)
                .ok()
                .and_then(|bytes| DefaultCharacterSetCodec.decode(&bytes).ok())
                .unwrap_or(text),
        )
    };
    let decoded: Option<Vec<String>> = if DECODED_SPLIT.contains(&vr) {
        bytes.split(|b| *b == b'\\').map(decode).collect()
    } else {
        decode(bytes).map(|text| vec![text])
    };
    decoded.is_some_and(|decoded| decoded.as_slice() == texts_of(read))
}

/// The value the writer writes as `bytes` in `vr`. It writes bytes as they are, but for DS
/// and IS, which it writes as text: in these, as in every VR it encodes in the default
/// repertoire, the text whose Latin-1 encoding is `bytes` is written as `bytes`.
fn as_written(vr: VR, bytes: &[u8]) -> PrimitiveValue {
    if DEFAULT_REPERTOIRE.contains(&vr) {
        PrimitiveValue::Str(bytes.iter().map(|&b| char::from(b)).collect())
    } else {
        PrimitiveValue::U8(bytes.into())
    }
}

/// Whether `text`, read in a VR decoded in the character set, holds the reader's mark of a
/// byte it could not decode: a backslash (which a split value cannot hold), or in a value
/// read whole a backslash and three octal digits.
fn marked(text: &str, vr: VR) -> bool {
    if DECODED_SPLIT.contains(&vr) {
        return text.contains('\\');
    }
    let bytes = text.as_bytes();
    bytes
        .windows(4)
        .any(|w| w[0] == b'\\' && w[1..].iter().all(|b| (b'0'..=b'7').contains(b)))
}

fn texts_of(value: &PrimitiveValue) -> &[String] {
    match value {
        PrimitiveValue::Str(text) => std::slice::from_ref(text),
        PrimitiveValue::Strs(texts) => texts,
        _ => &[],
    }
}

/// Whether a value of `obj` may not come back as it was read: it holds the reader's mark, or
/// non-ASCII text in a character set whose decoding is not one to one (Windows-31J, which
/// the reader uses for `ISO_IR 13`, maps some characters from two codes; GBK and GB18030 read
/// the byte 80 as the euro sign, which they write as A2 E3).
fn may_not_round_trip(obj: &InMemDicomObject, charset: &mut SpecificCharacterSet) -> bool {
    for element in obj.iter() {
        match element.value() {
            Value::Primitive(value) => {
                let texts = texts_of(value);
                if decoded_in_charset(element.vr())
                    && texts
                        .iter()
                        .any(|t| marked(t, element.vr()) || (!t.is_ascii() && !one_to_one(charset)))
                {
                    return true;
                }
                if element.header().tag == tags::SPECIFIC_CHARACTER_SET {
                    if let Some(set) = texts
                        .first()
                        .and_then(|t| t.split('\\').next())
                        .and_then(|code| SpecificCharacterSet::from_code(code.trim()))
                    {
                        *charset = set;
                    }
                }
            }
            Value::Sequence(sequence) => {
                if sequence
                    .items()
                    .iter()
                    .any(|item| may_not_round_trip(item, charset))
                {
                    return true;
                }
            }
            Value::PixelSequence(_) => {}
        }
    }
    false
}

/// Whether `charset` decodes every byte sequence it decodes without a mark to text that it
/// encodes back to the same bytes: UTF-8 and the ISO 8859 sets.
fn one_to_one(charset: &SpecificCharacterSet) -> bool {
    matches!(
        &*charset.name(),
        "ISO_IR 6"
            | "ISO_IR 100"
            | "ISO_IR 101"
            | "ISO_IR 109"
            | "ISO_IR 110"
            | "ISO_IR 126"
            | "ISO_IR 127"
            | "ISO_IR 138"
            | "ISO_IR 144"
            | "ISO_IR 192"
    )
}

fn find_marked(
    obj: &InMemDicomObject,
    parent: Option<(&TagPath, u32)>,
    wanted: &dyn Fn(&TagPath, VR) -> bool,
) -> Option<TagPath> {
    for element in obj.iter() {
        let tag = element.header().tag;
        let path = match parent {
            Some((p, i)) => p.child(i, tag),
            None => TagPath::root(tag),
        };
        match element.value() {
            Value::Primitive(value) => {
                if decoded_in_charset(element.vr())
                    && texts_of(value).iter().any(|t| marked(t, element.vr()))
                    && wanted(&path, element.vr())
                {
                    return Some(path);
                }
            }
            Value::Sequence(sequence) => {
                for (i, item) in sequence.items().iter().enumerate() {
                    let i = u32::try_from(i).unwrap_or(u32::MAX);
                    if let Some(found) = find_marked(item, Some((&path, i)), wanted) {
                        return Some(found);
                    }
                }
            }
            Value::PixelSequence(_) => {}
        }
    }
    None
}

/// Whether bytes of a value in `vr` come back the same through the reader and the writer:
/// decoded in `charset` (each value apart where the reader splits them), encoded again in
/// it. Values the writer encodes in the default repertoire (DA, UI, …) are given back their
/// bytes by [`super::keep_input_bytes`] exactly when the character set gives them back.
fn round_trips(bytes: &[u8], vr: VR, charset: &SpecificCharacterSet) -> bool {
    let back = |part: &[u8]| {
        charset
            .decode(part)
            .ok()
            .and_then(|text| charset.encode(&text).ok())
            .is_some_and(|again| again == part)
    };
    if DECODED_SPLIT.contains(&vr) {
        bytes.split(|b| *b == b'\\').all(back)
    } else {
        back(bytes)
    }
}

/// Where a frame of the token stream is.
enum Frame {
    /// In a sequence: its tag and how many items were begun.
    Sequence(Tag, u32),
    /// In encapsulated pixel data, whose items are fragments.
    Fragments,
}

/// Reads the file's data set once more, every value as bytes, up to its top-level pixel data,
/// and keeps the text values that do not round-trip. Gives the values and the first
/// top-level tag not read.
fn read_values(path: &Path, syntax: &str) -> Result<ReadValues, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let layout = super::prescan::check(&file, true)?;
    let syntax = dicom_transfer_syntax_registry::TransferSyntaxRegistry
        .get(syntax)
        .ok_or("unknown transfer syntax")?;
    let mut reader = BufReader::new(&file);
    reader
        .seek(SeekFrom::Start(layout.data_start))
        .map_err(|e| e.to_string())?;
    let source: Box<dyn Read> = if layout.deflated {
        Box::new(flate2::read::DeflateDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    let options = DataSetReaderOptions::default().value_read(ValueReadStrategy::Raw);
    // Written as an explicit VR syntax when deflated: the inflated data set is one.
    let tokens = DataSetReader::new_with_ts_options(source, syntax, options).map_err(|e| e.to_string())?;

    let mut values = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut items: Vec<ItemStep> = Vec::new();
    let mut charset = SpecificCharacterSet::default();
    let mut pending: Option<(Tag, VR)> = None;
    for token in tokens {
        let token = token.map_err(|e| e.to_string())?;
        match token {
            DataToken::ElementHeader(header) => {
                if frames.is_empty() && super::is_pixel_data(header.tag()) {
                    return Ok((values, header.tag()));
                }
                // Read as the reader reads a UN element of a known tag (see `un`).
                let vr = match header.vr() {
                    VR::UN if super::private::is_private_creator(header.tag()) => VR::LO,
                    VR::UN => super::dictionary_vr(header.tag()).unwrap_or(VR::UN),
                    vr => vr,
                };
                pending = Some((header.tag(), vr));
            }
            DataToken::PrimitiveValue(value) => {
                let Some((tag, vr)) = pending.take() else {
                    continue;
                };
                let bytes = value.to_bytes();
                if tag == tags::SPECIFIC_CHARACTER_SET {
                    let first = bytes.split(|b| *b == b'\\').next().unwrap_or_default();
                    let code = String::from_utf8_lossy(first);
                    if let Some(set) = SpecificCharacterSet::from_code(code.trim()) {
                        charset = set;
                    }
                } else if decoded_in_charset(vr) && !round_trips(&bytes, vr, &charset) {
                    let path = TagPath {
                        items: items.clone(),
                        tag,
                    };
                    values.push(Undecodable {
                        path,
                        bytes: bytes.into_owned(),
                        charset: charset.name().into_owned(),
                    });
                }
            }
            DataToken::SequenceStart { tag, .. } => frames.push(Frame::Sequence(tag, 0)),
            DataToken::PixelSequenceStart => {
                if frames.is_empty() {
                    return Ok((values, pending.map_or(tags::PIXEL_DATA, |(tag, _)| tag)));
                }
                frames.push(Frame::Fragments);
            }
            DataToken::ItemStart { .. } => {
                if let Some(Frame::Sequence(tag, begun)) = frames.last_mut() {
                    items.push(ItemStep {
                        sequence: *tag,
                        item: *begun,
                    });
                    *begun += 1;
                }
            }
            DataToken::ItemEnd => {
                if let Some(Frame::Sequence(..)) = frames.last() {
                    items.pop();
                }
            }
            DataToken::SequenceEnd => {
                frames.pop();
            }
            DataToken::ItemValue(_) | DataToken::OffsetTable(_) => {}
        }
    }
    Ok((values, Tag(0xFFFF, 0xFFFF)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(code: &str) -> SpecificCharacterSet {
        SpecificCharacterSet::from_code(code).unwrap()
    }

    #[test]
    fn bytes_the_character_set_does_not_give_back_are_found() {
        // Valid in each set: given back.
        assert!(round_trips("Émile".as_bytes(), VR::LO, &set("ISO_IR 192")));
        assert!(round_trips(b"\xc9mile", VR::LO, &set("ISO_IR 100")));
        assert!(round_trips(b"A\\B", VR::LO, &set("ISO_IR 192")));
        // A Latin-1 byte in UTF-8, a lone Shift JIS lead byte, a broken GB18030 sequence and
        // the byte GB18030 reads as the euro sign: not.
        assert!(!round_trips(b"\xc9mile", VR::LO, &set("ISO_IR 192")));
        assert!(!round_trips(b"CT\xe0", VR::LO, &set("ISO_IR 13")));
        assert!(!round_trips(b"\x81\x30\x81\x20", VR::LO, &set("GB18030")));
        assert!(!round_trips(b"\x80", VR::LO, &set("GB18030")));
        // The reader splits LO at a backslash before decoding: a lead byte before one is
        // alone; in LT it is not split, and its trail byte is the backslash.
        assert!(!round_trips(b"\x83\\", VR::LO, &set("ISO_IR 13")));
        assert!(round_trips(b"\x83\\", VR::LT, &set("ISO_IR 13")));
    }

    #[test]
    fn the_readers_mark_is_told_from_text() {
        // In a VR split at backslashes any backslash is the mark; in LT only `\ddd` may be.
        assert!(marked("CT\\340", VR::LO));
        assert!(marked("a\\b", VR::SH));
        assert!(marked("CT\\340", VR::LT));
        assert!(!marked("C:\\data", VR::LT));
        assert!(!marked("plain", VR::LO));
    }

    #[test]
    fn a_value_as_written_is_its_bytes_or_their_latin1_text() {
        assert_eq!(
            as_written(VR::LO, b"\xe9\\x"),
            PrimitiveValue::U8([0xe9, b'\\', b'x'][..].into())
        );
        // DS is written as text in the default repertoire: Latin-1 text of the bytes.
        assert_eq!(as_written(VR::DS, b"2.5\xe9"), PrimitiveValue::Str("2.5é".into()));
    }

    /// Bytes land only on the value they read as: another value at the path (a file parsed
    /// otherwise, a value changed since) keeps its own, and is left to the refusal.
    #[test]
    fn bytes_land_only_on_the_value_they_read_as() {
        let path = TagPath::root(tags::MANUFACTURER);
        let input = InputText {
            values: vec![Undecodable {
                path: path.clone(),
                bytes: b"CT\xe0".to_vec(),
                charset: "ISO_IR 13".into(),
            }],
            read_before: Some(Tag(0xFFFF, 0xFFFF)),
        };
        let with = |text: &str| {
            InMemDicomObject::from_element_iter([dicom_core::DataElement::new(
                tags::MANUFACTURER,
                VR::LO,
                PrimitiveValue::Strs(vec![text.to_string()].into()),
            )])
        };
        let mut read = with("CT\\340");
        assert_eq!(input.restore(&mut read, |_| true), vec![path.clone()]);
        assert_eq!(
            read.get(tags::MANUFACTURER).unwrap().value().primitive(),
            Some(&PrimitiveValue::U8(b"CT\xe0"[..].into()))
        );
        assert_eq!(
            input.unrestorable(&read, std::slice::from_ref(&path), |_| true),
            None
        );

        let mut other = with("CT\\341");
        assert!(input.restore(&mut other, |_| true).is_empty());
        assert_eq!(input.unrestorable(&other, &[], |_| true), Some(path.clone()));
        // Not kept: nothing restored, nothing refused.
        let mut replaced = with("CT\\340");
        assert!(input.restore(&mut replaced, |_| false).is_empty());
        assert_eq!(input.unrestorable(&replaced, &[], |_| false), None);
    }
}
