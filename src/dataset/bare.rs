//! Data sets stored without the Part 10 header: no 128-byte preamble, no "DICM" marker, no
//! file meta group (ACR-NEMA style files, old archives). They are read with a file meta
//! group made up from the data set, and written back as Part 10 files.
//!
//! Telling such a file from any other is strict, because nothing in it says "DICOM": the file
//! must start with an element of group 0008 (every composite data set begins with it), in
//! little or big endian byte order, with a VR of the standard (explicit VR) or a 4-byte
//! length (implicit VR little endian) that stays in the file, and its first few elements must
//! follow in increasing tag order with lengths inside the file. Text, JSON, ICC profiles,
//! gzip files and random bytes fail this at once or within a few elements.

use super::lenient::{is_vr, EXPLICIT_VR_BE, EXPLICIT_VR_LE, IMPLICIT_VR_LE};

/// How many bytes of a file are looked at to tell a bare data set and to find its SOP
/// Class and Instance UIDs.
pub const HEAD_BYTES: usize = 64 * 1024;

/// How many elements must parse, unless the first 256 bytes or the file end before.
const ELEMENTS_CHECKED: usize = 4;
const BYTES_CHECKED: u64 = 256;

/// One element header of a data set held in `head`.
struct Element {
    tag: (u16, u16),
    /// Offset of the value in the file.
    value_at: u64,
    /// Its length; `None` when undefined.
    len: Option<u32>,
}

/// Reads the element header at `pos` of `head` in `syntax`; `None` when it is cut by the end
/// of `head` or its VR is not one of the standard's.
fn element_at(head: &[u8], pos: usize, syntax: &str) -> Option<Element> {
    let big = syntax == EXPLICIT_VR_BE;
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = head.get(at..at + 2)?.try_into().ok()?;
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = head.get(at..at + 4)?.try_into().ok()?;
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let tag = (u16_at(pos)?, u16_at(pos + 2)?);
    let (len, header) = if syntax == IMPLICIT_VR_LE {
        (u32_at(pos + 4)?, 8)
    } else {
        let vr: &[u8; 2] = head.get(pos + 4..pos + 6)?.try_into().ok()?;
        if !is_vr(vr) {
            return None;
        }
        let long = super::prescan::long_vr(vr);
        if long {
            (u32_at(pos + 8)?, 12)
        } else {
            (u32::from(u16_at(pos + 6)?), 8)
        }
    };
    Some(Element {
        tag,
        value_at: (pos + header) as u64,
        len: (len != u32::MAX).then_some(len),
    })
}

/// Whether `head` (the file's first bytes, the file `file_len` long) starts as a data set in
/// `syntax` would: see the module's words.
fn parses_as(head: &[u8], file_len: u64, syntax: &str) -> bool {
    let mut pos = 0u64;
    let mut previous: Option<(u16, u16)> = None;
    for _ in 0..ELEMENTS_CHECKED {
        if pos == file_len {
            return previous.is_some();
        }
        if previous.is_some() && pos >= BYTES_CHECKED {
            return true;
        }
        let Ok(at) = usize::try_from(pos) else {
            return false;
        };
        let Some(element) = element_at(head, at, syntax) else {
            return false;
        };
        match previous {
            None if element.tag.0 != 0x0008 => return false,
            Some(before) if element.tag <= before => return false,
            _ => {}
        }
        previous = Some(element.tag);
        // An undefined length (a sequence) cannot be stepped over here: what was seen is enough.
        let Some(len) = element.len else {
            return true;
        };
        pos = element.value_at + u64::from(len);
        if pos > file_len {
            return false;
        }
    }
    true
}

/// The transfer syntax of a file that starts as a bare data set, `None` when it does not.
/// Explicit VR is tried first, as its first element tells; implicit VR little endian else.
pub fn syntax_of(head: &[u8], file_len: u64) -> Option<&'static str> {
    let explicit = head.len() >= 6 && is_vr(&head[4..6]);
    let candidates: &[&'static str] = if explicit {
        &[EXPLICIT_VR_LE, EXPLICIT_VR_BE, IMPLICIT_VR_LE]
    } else {
        &[IMPLICIT_VR_LE]
    };
    candidates
        .iter()
        .copied()
        .find(|syntax| parses_as(head, file_len, syntax))
}

/// The name of one of the syntaxes [`syntax_of`] gives.
pub fn syntax_name(syntax: &str) -> &'static str {
    match syntax {
        IMPLICIT_VR_LE => "Implicit VR Little Endian",
        EXPLICIT_VR_BE => "Explicit VR Big Endian",
        _ => "Explicit VR Little Endian",
    }
}

/// The SOP Class and Instance UIDs of a data set in `syntax` whose first bytes are `head`:
/// group 0008 comes first, so they are found in its first bytes when present. Empty when
/// absent (or beyond `head`).
fn sop_uids(head: &[u8], syntax: &str) -> (Vec<u8>, Vec<u8>) {
    let (mut class, mut instance) = (Vec::new(), Vec::new());
    let mut pos = 0usize;
    while let Some(element) = element_at(head, pos, syntax) {
        if element.tag.0 > 0x0008 || element.tag > (0x0008, 0x0018) {
            break;
        }
        let Some(len) = element.len else { break };
        let start = element.value_at as usize;
        let Some(value) = head.get(start..start + len as usize) else {
            break;
        };
        let trimmed = value
            .iter()
            .copied()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .collect::<Vec<u8>>();
        match element.tag {
            (0x0008, 0x0016) => class = trimmed,
            (0x0008, 0x0018) => instance = trimmed,
            _ => {}
        }
        pos = start + len as usize;
    }
    (class, instance)
}

/// A file meta group, from "DICM" on, for a bare data set in `syntax` whose first bytes are
/// `head`: Media Storage SOP Class and Instance UIDs from the data set's SOP Class and
/// Instance UIDs (empty when it has none), the transfer syntax it was read in, and dpk's
/// implementation class UID and version name.
pub fn made_up_meta(head: &[u8], syntax: &str) -> Vec<u8> {
    let (class, instance) = sop_uids(head, syntax);
    let mut body = Vec::new();
    let mut element = |number: u16, vr: &[u8; 2], value: &[u8], pad: u8| {
        let mut value = value.to_vec();
        if value.len() % 2 == 1 {
            value.push(pad);
        }
        body.extend_from_slice(&[0x02, 0x00]);
        body.extend_from_slice(&number.to_le_bytes());
        body.extend_from_slice(vr);
        if vr == b"OB" {
            body.extend_from_slice(&[0, 0]);
            body.extend_from_slice(&(value.len() as u32).to_le_bytes());
        } else {
            body.extend_from_slice(&(value.len() as u16).to_le_bytes());
        }
        body.extend_from_slice(&value);
    };
    element(0x0001, b"OB", &[0, 1], 0);
    element(0x0002, b"UI", &class, 0);
    element(0x0003, b"UI", &instance, 0);
    element(0x0010, b"UI", syntax.as_bytes(), 0);
    element(
        0x0012,
        b"UI",
        crate::engine::IMPLEMENTATION_CLASS_UID.as_bytes(),
        0,
    );
    element(
        0x0013,
        b"SH",
        crate::engine::IMPLEMENTATION_VERSION_NAME.as_bytes(),
        b' ',
    );
    let mut meta = b"DICM\x02\x00\x00\x00UL\x04\x00".to_vec();
    meta.extend_from_slice(&(body.len() as u32).to_le_bytes());
    meta.extend_from_slice(&body);
    meta
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_data_set_is_told_from_other_bytes() {
        // (0008,0005) CS "ISO_IR 100", (0010,0010) PN "FICTIVE^ALMA".
        let mut explicit = vec![0x08, 0x00, 0x05, 0x00, b'C', b'S', 10, 0];
        explicit.extend_from_slice(b"ISO_IR 100");
        explicit.extend_from_slice(&[0x10, 0x00, 0x10, 0x00, b'P', b'N', 12, 0]);
        explicit.extend_from_slice(b"FICTIVE^ALMA");
        let len = explicit.len() as u64;
        assert_eq!(syntax_of(&explicit, len), Some(EXPLICIT_VR_LE));
        // Cut short: the second value runs past the end.
        assert_eq!(syntax_of(&explicit[..explicit.len() - 1], len - 1), None);
        assert_eq!(syntax_of(b"0008,0005 text", 14), None);
        assert_eq!(syntax_of(b"{\"00080005\": {}}", 16), None);
        assert_eq!(syntax_of(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0], 8), None);
        // Out of order.
        let mut swapped = vec![0x08, 0x00, 0x16, 0x00, 2, 0, 0, 0, b'1', 0];
        swapped.extend_from_slice(&[0x08, 0x00, 0x05, 0x00, 0, 0, 0, 0]);
        assert_eq!(syntax_of(&swapped, swapped.len() as u64), None);
        swapped.truncate(10);
        assert_eq!(syntax_of(&swapped, 10), Some(IMPLICIT_VR_LE));
    }
}
