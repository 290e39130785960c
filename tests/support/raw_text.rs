//! DICOM files written byte for byte, sequences included, so that a value can hold bytes its
//! declared character set does not decode; and a small reader of the same syntax (Explicit
//! VR Little Endian) that gives each value's bytes as written, never decoded, to compare an
//! output with its input.

#![allow(dead_code)]

use dicom_core::Tag;
use dicom_object::meta::FileMetaTableBuilder;

pub const CT_IMAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
pub const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
pub const IMPLICIT_LE: &str = "1.2.840.10008.1.2";
pub const DEFLATED: &str = "1.2.840.10008.1.2.1.99";
pub const SOP_INSTANCE: &str = "2.25.170142235530196413570128801220001";

/// An element of a file to write: a value's bytes, or a sequence of items.
#[derive(Clone, Debug)]
pub enum Node {
    Value(Tag, [u8; 2], Vec<u8>),
    Sequence(Tag, Vec<Vec<Node>>),
}

impl Node {
    fn tag(&self) -> Tag {
        match self {
            Node::Value(tag, ..) | Node::Sequence(tag, _) => *tag,
        }
    }
}

/// A value's bytes padded to even length as writers pad (UI with NUL, others with a space).
pub fn padded(vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut value = value.to_vec();
    if value.len() % 2 == 1 {
        value.push(if vr == b"UI" { 0 } else { b' ' });
    }
    value
}

fn long_vr(vr: &[u8; 2]) -> bool {
    matches!(
        vr,
        b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"SV" | b"UC" | b"UN" | b"UR" | b"UT" | b"UV"
    )
}

fn header(out: &mut Vec<u8>, tag: Tag, vr: &[u8; 2], len: u32) {
    out.extend(tag.group().to_le_bytes());
    out.extend(tag.element().to_le_bytes());
    out.extend(vr);
    if long_vr(vr) {
        out.extend([0, 0]);
        out.extend(len.to_le_bytes());
    } else {
        out.extend(u16::try_from(len).expect("short length").to_le_bytes());
    }
}

/// Elements in Explicit VR Little Endian, sorted by tag; sequences and items of undefined
/// length.
pub fn encode(nodes: &[Node]) -> Vec<u8> {
    let mut nodes = nodes.to_vec();
    nodes.sort_by_key(Node::tag);
    let mut out = Vec::new();
    for node in &nodes {
        match node {
            Node::Value(tag, vr, value) => {
                let value = padded(vr, value);
                header(&mut out, *tag, vr, value.len() as u32);
                out.extend(value);
            }
            Node::Sequence(tag, items) => {
                header(&mut out, *tag, b"SQ", u32::MAX);
                for item in items {
                    out.extend([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
                    out.extend(encode(item));
                    out.extend([0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
                }
                out.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
            }
        }
    }
    out
}

/// A CT header in `charset` with the given further elements (which replace the base's of the
/// same tag): the base has a patient and study with invented names.
pub fn ct(charset: &[u8], extra: Vec<Node>) -> Vec<Node> {
    let v =
        |group, element, vr: &[u8; 2], value: &[u8]| Node::Value(Tag(group, element), *vr, value.to_vec());
    let mut nodes = vec![
        v(0x0008, 0x0005, b"CS", charset),
        v(0x0008, 0x0016, b"UI", CT_IMAGE.as_bytes()),
        v(0x0008, 0x0018, b"UI", SOP_INSTANCE.as_bytes()),
        v(0x0008, 0x0020, b"DA", b"20240211"),
        v(0x0008, 0x0030, b"TM", b"101500"),
        v(0x0008, 0x0050, b"SH", b"ACC-20931"),
        v(0x0008, 0x0060, b"CS", b"CT"),
        v(0x0008, 0x0070, b"LO", b"Example Scanners"),
        v(0x0008, 0x0090, b"PN", b""),
        v(0x0010, 0x0010, b"PN", b"FICTIVE^ALMA"),
        v(0x0010, 0x0020, b"LO", b"MRN-4417-02"),
        v(0x0010, 0x0030, b"DA", b"19710412"),
        v(0x0010, 0x0040, b"CS", b"F"),
        v(0x0020, 0x000D, b"UI", b"2.25.170142235530196413570128801220002"),
        v(0x0020, 0x000E, b"UI", b"2.25.170142235530196413570128801220003"),
        v(0x0020, 0x0010, b"SH", b"S1"),
        v(0x0020, 0x0011, b"IS", b"1"),
        v(0x0020, 0x0013, b"IS", b"1"),
    ];
    let extra_tags: Vec<Tag> = extra.iter().map(Node::tag).collect();
    nodes.retain(|n| !extra_tags.contains(&n.tag()));
    nodes.extend(extra);
    nodes
}

/// One element in Implicit VR Little Endian: tag, length, value.
pub fn implicit_element(tag: Tag, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(tag.group().to_le_bytes());
    out.extend(tag.element().to_le_bytes());
    out.extend((value.len() as u32).to_le_bytes());
    out.extend(value);
    out
}

/// Elements in Implicit VR Little Endian, sorted by tag; sequences and items of undefined
/// length.
pub fn encode_implicit(nodes: &[Node]) -> Vec<u8> {
    let mut nodes = nodes.to_vec();
    nodes.sort_by_key(Node::tag);
    let mut out = Vec::new();
    for node in &nodes {
        match node {
            Node::Value(tag, vr, value) => out.extend(implicit_element(*tag, &padded(vr, value))),
            Node::Sequence(tag, items) => {
                out.extend(tag.group().to_le_bytes());
                out.extend(tag.element().to_le_bytes());
                out.extend(u32::MAX.to_le_bytes());
                for item in items {
                    out.extend([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
                    out.extend(encode_implicit(item));
                    out.extend([0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
                }
                out.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
            }
        }
    }
    out
}

/// The whole file: preamble, "DICM", meta group, data set in Explicit VR Little Endian.
pub fn file(nodes: &[Node]) -> Vec<u8> {
    file_in(nodes, EXPLICIT_LE)
}

/// The whole file, its data set in `syntax` (Explicit or Implicit VR Little Endian).
pub fn file_in(nodes: &[Node], syntax: &str) -> Vec<u8> {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(CT_IMAGE)
        .media_storage_sop_instance_uid(SOP_INSTANCE)
        .transfer_syntax(syntax)
        .implementation_class_uid("2.25.170142235530196413570128801229999")
        .implementation_version_name("DPK_RAWTEXT_1")
        .build()
        .expect("meta");
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    meta.write(&mut out).expect("meta bytes");
    out.extend(match syntax {
        IMPLICIT_LE => encode_implicit(nodes),
        DEFLATED => {
            use std::io::Write;
            let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            deflate.write_all(&encode(nodes)).expect("deflate");
            deflate.finish().expect("deflate")
        }
        _ => encode(nodes),
    });
    out
}

/// The data set of a deflated file, inflated: the bytes after its meta group (whose length
/// its first element gives).
pub fn inflated_data_set(file: &[u8]) -> Vec<u8> {
    use std::io::Read;
    assert_eq!(
        &file[132..136],
        [2, 0, 0, 0],
        "File Meta Information Group Length first"
    );
    let group_length = u32::from_le_bytes(file[140..144].try_into().unwrap()) as usize;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(&file[144 + group_length..])
        .read_to_end(&mut out)
        .expect("inflates");
    out
}

/// Every value of a data set in Explicit VR Little Endian with its bytes.
pub fn data_set_values(data_set: &[u8]) -> Vec<Read> {
    let mut reader = Reader {
        bytes: data_set,
        pos: 0,
    };
    let mut out = Vec::new();
    reader.elements("", data_set.len(), &mut out);
    out
}

/// One value read back: where it is (`gggg,eeee`, items as `gggg,eeee[i]/`), its VR and its
/// bytes as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Read {
    pub path: String,
    pub vr: [u8; 2],
    pub bytes: Vec<u8>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn u16(&mut self) -> u16 {
        let v = u16::from_le_bytes([self.bytes[self.pos], self.bytes[self.pos + 1]]);
        self.pos += 2;
        v
    }
    fn u32(&mut self) -> u32 {
        let v = u32::from_le_bytes(self.bytes[self.pos..self.pos + 4].try_into().unwrap());
        self.pos += 4;
        v
    }

    /// Reads elements until `end` (a byte offset) or an item or sequence delimiter.
    fn elements(&mut self, prefix: &str, end: usize, out: &mut Vec<Read>) {
        while self.pos < end {
            let (group, element) = (self.u16(), self.u16());
            if group == 0xFFFE {
                // An item delimiter ends an item of undefined length.
                self.u32();
                return;
            }
            let vr = [self.bytes[self.pos], self.bytes[self.pos + 1]];
            self.pos += 2;
            let len = if long_vr(&vr) {
                self.pos += 2;
                self.u32()
            } else {
                u32::from(self.u16())
            };
            let path = format!("{prefix}{group:04X},{element:04X}");
            if &vr == b"SQ" {
                let seq_end = if len == u32::MAX {
                    usize::MAX
                } else {
                    self.pos + len as usize
                };
                let mut index = 0;
                while self.pos < seq_end {
                    let (g, e, item_len) = (self.u16(), self.u16(), self.u32());
                    assert_eq!(g, 0xFFFE);
                    if e == 0xE0DD {
                        break;
                    }
                    let item_end = if item_len == u32::MAX {
                        usize::MAX
                    } else {
                        self.pos + item_len as usize
                    };
                    self.elements(&format!("{path}[{index}]/"), item_end, out);
                    index += 1;
                }
            } else {
                let value = self.bytes[self.pos..self.pos + len as usize].to_vec();
                self.pos += len as usize;
                out.push(Read {
                    path,
                    vr,
                    bytes: value,
                });
            }
        }
    }
}

/// Every value of a file in Explicit VR Little Endian (meta group included) with its bytes.
pub fn values(file: &[u8]) -> Vec<Read> {
    assert_eq!(&file[128..132], b"DICM");
    let mut reader = Reader {
        bytes: file,
        pos: 132,
    };
    let mut out = Vec::new();
    reader.elements("", file.len(), &mut out);
    out
}

/// The bytes of the value at `path` in `file`.
pub fn value_at(file: &[u8], path: &str) -> Option<Vec<u8>> {
    values(file).into_iter().find(|r| r.path == path).map(|r| r.bytes)
}
