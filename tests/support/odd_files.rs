//! Files other readers accept although they depart from the standard, written byte by byte:
//! elements of VR UN (defined and undefined length), file meta groups without a group length
//! or a transfer syntax, an explicit VR syntax over an implicit VR data set, tags given twice,
//! pixel data cut short. Every name and identifier is invented.

/// How a data set's elements are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    ExplicitLe,
    ExplicitBe,
    ImplicitLe,
}

impl Encoding {
    pub fn uid(self) -> &'static str {
        match self {
            Encoding::ExplicitLe => "1.2.840.10008.1.2.1",
            Encoding::ExplicitBe => "1.2.840.10008.1.2.2",
            Encoding::ImplicitLe => "1.2.840.10008.1.2",
        }
    }
}

pub const CT_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
pub const SOP_INSTANCE: &str = "2.25.118842701377310216893745611234120001";
pub const STUDY: &str = "2.25.118842701377310216893745611234120002";
pub const SERIES: &str = "2.25.118842701377310216893745611234120003";
pub const REFERENCED: &str = "2.25.118842701377310216893745611234120004";
pub const PATIENT_NAME: &str = "FICTIVE^ALMA";
pub const PATIENT_ID: &str = "PID-40417";

fn long_vr(vr: &[u8; 2]) -> bool {
    matches!(
        vr,
        b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"SV" | b"UC" | b"UN" | b"UR" | b"UT" | b"UV"
    )
}

/// A text value padded to even length (UI with NUL, others with a space).
pub fn text(vr: &[u8; 2], s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    if v.len() % 2 == 1 {
        v.push(if vr == b"UI" { 0 } else { b' ' });
    }
    v
}

/// One element's header and value: `vr` is written in explicit VR, the value as given.
pub fn element(enc: Encoding, tag: (u16, u16), vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let be = enc == Encoding::ExplicitBe;
    let u16b = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let u32b = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut b = Vec::new();
    b.extend(u16b(tag.0));
    b.extend(u16b(tag.1));
    match enc {
        Encoding::ImplicitLe => b.extend(u32b(value.len() as u32)),
        _ if long_vr(vr) => {
            b.extend(vr);
            b.extend([0, 0]);
            b.extend(u32b(value.len() as u32));
        }
        _ => {
            b.extend(vr);
            b.extend(u16b(value.len() as u16));
        }
    }
    b.extend(value);
    b
}

/// A text element.
pub fn text_element(enc: Encoding, tag: (u16, u16), vr: &[u8; 2], s: &str) -> Vec<u8> {
    element(enc, tag, vr, &text(vr, s))
}

/// A US element.
pub fn us_element(enc: Encoding, tag: (u16, u16), v: u16) -> Vec<u8> {
    let bytes = if enc == Encoding::ExplicitBe {
        v.to_be_bytes()
    } else {
        v.to_le_bytes()
    };
    element(enc, tag, b"US", &bytes)
}

/// A text element written as UN in explicit VR: its value is its implicit VR little endian
/// value, whatever the encoding around it (PS3.5 6.2.2).
pub fn un_text(enc: Encoding, tag: (u16, u16), vr: &[u8; 2], s: &str) -> Vec<u8> {
    element(enc, tag, b"UN", &text(vr, s))
}

/// An item of undefined length holding `body` (implicit VR little endian).
pub fn implicit_item(body: &[u8]) -> Vec<u8> {
    let mut b = vec![0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF];
    b.extend(body);
    b.extend([0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
    b
}

/// An element of VR UN and undefined length holding `items` (implicit VR little endian items,
/// then the sequence delimiter, little endian too), its header in `enc`.
pub fn un_undefined(enc: Encoding, tag: (u16, u16), items: &[Vec<u8>]) -> Vec<u8> {
    let be = enc == Encoding::ExplicitBe;
    let mut b = Vec::new();
    if be {
        b.extend(tag.0.to_be_bytes());
        b.extend(tag.1.to_be_bytes());
    } else {
        b.extend(tag.0.to_le_bytes());
        b.extend(tag.1.to_le_bytes());
    }
    b.extend(b"UN");
    b.extend([0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
    for item in items {
        b.extend(item);
    }
    b.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    b
}

/// A sequence of defined length (explicit VR) holding items of defined length.
pub fn defined_sequence(enc: Encoding, tag: (u16, u16), items: &[Vec<u8>]) -> Vec<u8> {
    let be = enc == Encoding::ExplicitBe;
    let u32b = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let u16b = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
    let mut value = Vec::new();
    for item in items {
        value.extend(u16b(0xFFFE));
        value.extend(u16b(0xE000));
        value.extend(u32b(item.len() as u32));
        value.extend(item);
    }
    element(enc, tag, b"SQ", &value)
}

/// The file meta group, after the preamble and "DICM": with or without its group length and
/// transfer syntax.
pub fn meta(syntax: Option<&str>, group_length: bool) -> Vec<u8> {
    let e = Encoding::ExplicitLe;
    let mut body = Vec::new();
    body.extend(element(e, (0x0002, 0x0001), b"OB", &[0, 1]));
    body.extend(text_element(e, (0x0002, 0x0002), b"UI", CT_IMAGE_STORAGE));
    body.extend(text_element(e, (0x0002, 0x0003), b"UI", SOP_INSTANCE));
    if let Some(uid) = syntax {
        body.extend(text_element(e, (0x0002, 0x0010), b"UI", uid));
    }
    body.extend(text_element(
        e,
        (0x0002, 0x0012),
        b"UI",
        "2.25.118842701377310216893745611234129999",
    ));
    let mut out = vec![0u8; 128];
    out.extend(b"DICM");
    if group_length {
        out.extend(element(
            e,
            (0x0002, 0x0000),
            b"UL",
            &(body.len() as u32).to_le_bytes(),
        ));
    }
    out.extend(body);
    out
}

/// A small CT image's data set (2 × 2, 16 bits), in tag order; `un` lists tags to write as
/// UN (explicit encodings only), `pixels` the pixel data value (None: 8 bytes of ramp).
pub struct Ct {
    pub enc: Encoding,
    pub un: Vec<(u16, u16)>,
    pub rows: u16,
    pub columns: u16,
    pub pixels: Option<Vec<u8>>,
    /// Elements to put in, sorted in by tag (their tag first).
    pub extra: Vec<((u16, u16), Vec<u8>)>,
}

impl Ct {
    pub fn new(enc: Encoding) -> Ct {
        Ct {
            enc,
            un: Vec::new(),
            rows: 2,
            columns: 2,
            pixels: None,
            extra: Vec::new(),
        }
    }

    pub fn un(mut self, tags: &[(u16, u16)]) -> Ct {
        self.un.extend_from_slice(tags);
        self
    }

    pub fn with(mut self, tag: (u16, u16), bytes: Vec<u8>) -> Ct {
        self.extra.push((tag, bytes));
        self
    }

    fn text(&self, tag: (u16, u16), vr: &[u8; 2], s: &str) -> Vec<u8> {
        if self.un.contains(&tag) {
            un_text(self.enc, tag, vr, s)
        } else {
            text_element(self.enc, tag, vr, s)
        }
    }

    /// The data set's bytes.
    pub fn data_set(&self) -> Vec<u8> {
        let e = self.enc;
        let mut elements: Vec<((u16, u16), Vec<u8>)> = vec![
            (
                (0x0008, 0x0016),
                self.text((0x0008, 0x0016), b"UI", CT_IMAGE_STORAGE),
            ),
            ((0x0008, 0x0018), self.text((0x0008, 0x0018), b"UI", SOP_INSTANCE)),
            ((0x0008, 0x0020), self.text((0x0008, 0x0020), b"DA", "20240105")),
            ((0x0008, 0x0060), self.text((0x0008, 0x0060), b"CS", "CT")),
            (
                (0x0008, 0x0080),
                self.text((0x0008, 0x0080), b"LO", "Saint Example Hospital"),
            ),
            ((0x0010, 0x0010), self.text((0x0010, 0x0010), b"PN", PATIENT_NAME)),
            ((0x0010, 0x0020), self.text((0x0010, 0x0020), b"LO", PATIENT_ID)),
            ((0x0020, 0x000D), self.text((0x0020, 0x000D), b"UI", STUDY)),
            ((0x0020, 0x000E), self.text((0x0020, 0x000E), b"UI", SERIES)),
            ((0x0028, 0x0002), us_element(e, (0x0028, 0x0002), 1)),
            (
                (0x0028, 0x0004),
                text_element(e, (0x0028, 0x0004), b"CS", "MONOCHROME2"),
            ),
            ((0x0028, 0x0010), us_element(e, (0x0028, 0x0010), self.rows)),
            ((0x0028, 0x0011), us_element(e, (0x0028, 0x0011), self.columns)),
            ((0x0028, 0x0100), us_element(e, (0x0028, 0x0100), 16)),
            ((0x0028, 0x0101), us_element(e, (0x0028, 0x0101), 16)),
            ((0x0028, 0x0102), us_element(e, (0x0028, 0x0102), 15)),
            ((0x0028, 0x0103), us_element(e, (0x0028, 0x0103), 0)),
        ];
        elements.extend(self.extra.iter().cloned());
        let n = usize::from(self.rows) * usize::from(self.columns);
        let pixels = self.pixels.clone().unwrap_or_else(|| {
            (0..n as u16)
                .flat_map(|v| {
                    if e == Encoding::ExplicitBe {
                        v.to_be_bytes()
                    } else {
                        v.to_le_bytes()
                    }
                })
                .collect()
        });
        elements.push(((0x7FE0, 0x0010), element(e, (0x7FE0, 0x0010), b"OW", &pixels)));
        elements.sort_by_key(|(tag, _)| *tag);
        elements.into_iter().flat_map(|(_, b)| b).collect()
    }

    /// The whole file, with a standard file meta group.
    pub fn file(&self) -> Vec<u8> {
        let mut out = meta(Some(self.enc.uid()), true);
        out.extend(self.data_set());
        out
    }
}
