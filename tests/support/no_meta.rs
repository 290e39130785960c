//! Bare data sets, with no preamble, "DICM" marker or file meta group, written byte for byte
//! in each syntax dpk tells from the first element; and files that are not DICOM at all.

/// How a bare data set is encoded.
#[derive(Clone, Copy, Debug)]
pub enum Syntax {
    ImplicitLe,
    ExplicitLe,
    ExplicitBe,
}

/// An element: its tag, its VR and its value.
pub type Element = ((u16, u16), &'static [u8; 2], Vec<u8>);

/// The elements of a small Secondary Capture data set, in tag order (name FICTIVE^ALMA).
pub fn elements(instance: Option<&str>) -> Vec<Element> {
    let mut list = vec![
        ((0x0008, 0x0005), b"CS", b"ISO_IR 100".to_vec()),
        ((0x0008, 0x0016), b"UI", b"1.2.840.10008.5.1.4.1.1.7\0".to_vec()),
        (
            (0x0008, 0x0018),
            b"UI",
            format!("{}\0", instance.unwrap_or_default()).into_bytes(),
        ),
        ((0x0008, 0x0020), b"DA", b"20240119".to_vec()),
        ((0x0008, 0x0060), b"CS", b"OT".to_vec()),
        ((0x0008, 0x0080), b"LO", b"Saint Example Hospital".to_vec()),
        ((0x0010, 0x0010), b"PN", b"FICTIVE^ALMA".to_vec()),
        ((0x0010, 0x0020), b"LO", b"ID-0424242".to_vec()),
        ((0x0020, 0x000D), b"UI", b"2.25.111222333444555\0".to_vec()),
        ((0x0020, 0x000E), b"UI", b"2.25.666777888999000\0".to_vec()),
        ((0x0020, 0x0013), b"IS", b"1 ".to_vec()),
    ];
    if instance.is_none() {
        list.retain(|(tag, _, _)| *tag != (0x0008, 0x0018));
    }
    list
}

/// The elements of [`elements`] encoded in `syntax`, with no header of any kind.
pub fn bare(syntax: Syntax, instance: Option<&str>) -> Vec<u8> {
    let mut out = Vec::new();
    for ((group, element), vr, mut value) in elements(instance) {
        if value.len() % 2 == 1 {
            value.pop();
        }
        let len = value.len();
        match syntax {
            Syntax::ImplicitLe => {
                out.extend(group.to_le_bytes());
                out.extend(element.to_le_bytes());
                out.extend((len as u32).to_le_bytes());
            }
            Syntax::ExplicitLe => {
                out.extend(group.to_le_bytes());
                out.extend(element.to_le_bytes());
                out.extend(vr);
                out.extend((len as u16).to_le_bytes());
            }
            Syntax::ExplicitBe => {
                out.extend(group.to_be_bytes());
                out.extend(element.to_be_bytes());
                out.extend(vr);
                out.extend((len as u16).to_be_bytes());
            }
        }
        out.extend(value);
    }
    out
}

/// Files that must still be refused as not DICOM: text starting "0008", JSON, a gzip header
/// and 200 files of seeded random bytes.
pub fn not_dicom() -> Vec<(String, Vec<u8>)> {
    let mut files = vec![
        (
            "text.txt".to_string(),
            b"0008,0005 ISO_IR 100\n0010,0010 FICTIVE^ALMA\n".to_vec(),
        ),
        (
            "model.json".to_string(),
            br#"{"00080005": {"vr": "CS", "Value": ["ISO_IR 100"]}}"#.to_vec(),
        ),
        (
            "archive.gz".to_string(),
            vec![
                0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0x4b, 0x4c, 0x4a, 0x06, 0, 0,
            ],
        ),
    ];
    // xorshift64*, seeded: the same bytes on every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    for i in 0..200 {
        let len = 8 + (next() % 600) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Half start with a group 0008 tag, little or big endian: the rest must still fail.
        match i % 4 {
            0 => bytes[..2].copy_from_slice(&[0x08, 0x00]),
            1 => bytes[..2].copy_from_slice(&[0x00, 0x08]),
            _ => {}
        }
        files.push((format!("random{i:03}.bin"), bytes));
    }
    files
}
