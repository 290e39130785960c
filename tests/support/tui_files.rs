//! Small DICOM files for the inspector's tests, written byte by byte in Explicit VR Little
//! Endian: values in any character set exactly as a modality would send them, sequences of
//! several items, control characters in text. Every name is invented.

use dicom_dictionary_std::uids;
use dicom_object::meta::FileMetaTableBuilder;

/// One element: tag, VR and value bytes (padded to even length with `pad`).
pub struct El {
    pub group: u16,
    pub element: u16,
    pub vr: [u8; 2],
    pub value: Vec<u8>,
    /// Items of a sequence (VR SQ), each a list of elements.
    pub items: Vec<Vec<El>>,
}

/// A text element.
pub fn text(group: u16, element: u16, vr: &[u8; 2], value: &[u8]) -> El {
    El {
        group,
        element,
        vr: *vr,
        value: value.to_vec(),
        items: Vec::new(),
    }
}

/// A sequence of undefined length with these items.
pub fn sequence(group: u16, element: u16, items: Vec<Vec<El>>) -> El {
    El {
        group,
        element,
        vr: *b"SQ",
        value: Vec::new(),
        items,
    }
}

fn long_vr(vr: &[u8; 2]) -> bool {
    matches!(
        vr,
        b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"UC" | b"UN" | b"UR" | b"UT" | b"UV"
    )
}

fn write(elements: &[El], out: &mut Vec<u8>) {
    for el in elements {
        out.extend(el.group.to_le_bytes());
        out.extend(el.element.to_le_bytes());
        out.extend(el.vr);
        if &el.vr == b"SQ" {
            out.extend([0, 0]);
            out.extend(u32::MAX.to_le_bytes());
            for item in &el.items {
                out.extend([0xFE, 0xFF, 0x00, 0xE0]);
                out.extend(u32::MAX.to_le_bytes());
                write(item, out);
                out.extend([0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
            }
            out.extend([0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
            continue;
        }
        let mut value = el.value.clone();
        if value.len() % 2 == 1 {
            value.push(if &el.vr == b"UI" { 0 } else { b' ' });
        }
        if long_vr(&el.vr) {
            out.extend([0, 0]);
            out.extend((value.len() as u32).to_le_bytes());
        } else {
            out.extend((value.len() as u16).to_le_bytes());
        }
        out.extend(value);
    }
}

const SOP_INSTANCE: &str = "2.25.118830462311447120785323208374516120201";

/// A whole CT file whose data set is the identifying elements every file has, then `more`
/// (the caller keeps tags ascending).
pub fn ct_file(charset: Option<&[u8]>, more: Vec<El>) -> Vec<u8> {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(uids::CT_IMAGE_STORAGE)
        .media_storage_sop_instance_uid(SOP_INSTANCE)
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .implementation_class_uid("2.25.183944402839184126406418733311090413569")
        .build()
        .unwrap();
    let mut out = vec![0u8; 128];
    out.extend(b"DICM");
    meta.write(&mut out).unwrap();
    let mut data = Vec::new();
    if let Some(cs) = charset {
        data.push(text(0x0008, 0x0005, b"CS", cs));
    }
    data.push(text(0x0008, 0x0016, b"UI", uids::CT_IMAGE_STORAGE.as_bytes()));
    data.push(text(0x0008, 0x0018, b"UI", SOP_INSTANCE.as_bytes()));
    data.push(text(0x0008, 0x0060, b"CS", b"CT"));
    data.extend(more);
    write(&data, &mut out);
    out
}
