//! Files other readers accept although they depart from the standard, and how the reader is
//! fed so that it reads them: a file meta group without its group length or its transfer
//! syntax, a transfer syntax that says explicit VR over a data set encoded implicit VR,
//! elements of VR UN and undefined length, pixel data cut short at the end of the file.
//!
//! The open-time walk ([`super::prescan`]) finds these and says, in a [`Fallback`], what the
//! reader must be given instead of the file's bytes: a rebuilt file meta group, a few value
//! lengths, zeros after the end of the file. [`Feed`] gives it that, reading the file as it
//! goes, so memory does not depend on the file's size. Every departure is told in words,
//! prefixed "read with a fallback:", for the run summary and the reports.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use super::prescan::Problem;

/// The words every note of a departure from the standard starts with.
pub const FALLBACK: &str = "read with a fallback: ";

/// Implicit VR Little Endian, the default transfer syntax (PS3.5 A.1).
pub const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
/// Explicit VR Little Endian (PS3.5 A.2).
pub const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
/// Explicit VR Big Endian, retired (PS3.5 A.3).
pub const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";

/// A file meta group larger than this is not rebuilt (no real one comes near).
const MAX_META_BYTES: u64 = 1 << 20;

/// What the reader must be given instead of some of the file's bytes, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fallback {
    /// A file meta group, from its "DICM" marker on, to read in place of the file's (which
    /// lacks its group length or names a transfer syntax the data set is not in).
    pub meta: Option<Vec<u8>>,
    /// Value lengths to read in place of the file's, by the byte offset of their 4-byte
    /// length field: an element of VR UN and undefined length given the defined length of its
    /// value, which the reader then takes as bytes (decoded later as the sequence it is).
    /// Sorted by offset.
    pub lengths: Vec<(u64, [u8; 4])>,
    /// Private creator elements given twice with different values in one data set or item:
    /// which block they reserve cannot be known, so they are not read.
    pub conflicting_creators: BTreeSet<(u16, u16)>,
    /// Top-level elements given more than once: the tag, offset and length of the value of
    /// each occurrence the reader does not keep (all but the last). Their names and
    /// identifiers are added to the one kept.
    pub dropped: Vec<((u16, u16), u64, u32)>,
    /// What was read otherwise than the standard says, in words.
    pub notes: Vec<String>,
}

impl Fallback {
    /// Whether the reader can read the file's bytes as they are.
    pub fn is_none(&self) -> bool {
        self.meta.is_none() && self.lengths.is_empty()
    }

    /// Records a departure, in words.
    pub fn note(&mut self, what: impl std::fmt::Display) {
        self.notes.push(format!("{FALLBACK}{what}"));
    }
}

/// The VRs of PS3.5 Table 6.2-1.
const VRS: [&[u8; 2]; 34] = [
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FD", b"FL", b"IS", b"LO", b"LT", b"OB", b"OD", b"OF",
    b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST", b"SV", b"TM", b"UC", b"UI", b"UL", b"UN",
    b"UR", b"US", b"UT", b"UV",
];

/// Whether two bytes are a VR of the standard.
pub fn is_vr(bytes: &[u8]) -> bool {
    VRS.iter().any(|vr| vr.as_slice() == bytes)
}

/// The name of a transfer syntax dpk may read a data set in when the meta group is wrong.
fn syntax_name(uid: &str) -> &'static str {
    match uid {
        IMPLICIT_VR_LE => "Implicit VR Little Endian",
        EXPLICIT_VR_BE => "Explicit VR Big Endian",
        _ => "Explicit VR Little Endian",
    }
}

/// The transfer syntax the data set is actually in, told from the first bytes of its first
/// element as dcmtk tells it: two bytes after the tag that are a VR mean explicit VR, a group
/// that reads smaller the other way round means big endian. `declared` is the meta group's
/// (trimmed), `first` the data set's first 8 bytes (fewer when it is shorter), `left` the
/// bytes from the data set's start to the end of the file. Returns the syntax to read with,
/// and a note when it is not the declared one.
pub fn data_set_syntax(declared: Option<&str>, first: &[u8], left: u64) -> (String, Option<String>) {
    let whole = first.len() >= 8;
    let explicit = whole && is_vr(&first[4..6]);
    let big = whole && u16::from_le_bytes([first[0], first[1]]) > u16::from_be_bytes([first[0], first[1]]);
    let found = match (explicit, big) {
        (false, _) => IMPLICIT_VR_LE,
        (true, false) => EXPLICIT_VR_LE,
        (true, true) => EXPLICIT_VR_BE,
    };
    match declared {
        None => (
            found.to_string(),
            Some(format!(
                "the file meta group has no Transfer Syntax UID (0002,0010): the data set reads as {} \
                 (told from its first element), and the output is written so",
                syntax_name(found)
            )),
        ),
        // An explicit VR syntax over bytes that have no VR after the first tag, and whose
        // implicit length stays in the file.
        Some(uid @ (EXPLICIT_VR_LE | EXPLICIT_VR_BE))
            if whole
                && !explicit
                && u64::from(u32::from_le_bytes([first[4], first[5], first[6], first[7]])) <= left =>
        {
            (
                IMPLICIT_VR_LE.to_string(),
                Some(format!(
                    "the transfer syntax {uid} says explicit VR, but the data set is encoded implicit VR \
                 little endian (no VR after its first tag): read so, and the output is written so"
                )),
            )
        }
        // The default syntax over bytes with a VR after the first tag, whose implicit length
        // would run past the end of the file.
        Some(IMPLICIT_VR_LE)
            if explicit
                && !big
                && u64::from(u32::from_le_bytes([first[4], first[5], first[6], first[7]])) > left =>
        {
            (
                EXPLICIT_VR_LE.to_string(),
                Some(format!(
                    "the transfer syntax {IMPLICIT_VR_LE} says implicit VR, but the data set is encoded \
                     explicit VR little endian (a VR after its first tag): read so, and the output is \
                     written so"
                )),
            )
        }
        Some(uid) => (uid.to_string(), None),
    }
}

/// One element of the file meta group as the walk met it: its element number and where its
/// bytes lie.
pub type MetaElement = (u16, u64, u64);

/// A file meta group, from "DICM" on, with the elements of the file's (its group length and
/// transfer syntax left out) and the transfer syntax `syntax`, its group length computed.
pub fn rebuilt_meta(file: &File, elements: &[MetaElement], syntax: &str) -> Result<Vec<u8>, Problem> {
    let total: u64 = elements.iter().map(|(_, start, end)| end - start).sum();
    if total > MAX_META_BYTES {
        return Err(format!(
            "the file meta group is {total} bytes long, too long to rebuild (its group length or \
             transfer syntax is missing or wrong)"
        ));
    }
    let mut kept: Vec<MetaElement> = elements
        .iter()
        .copied()
        .filter(|(element, _, _)| !matches!(element, 0x0000 | 0x0010))
        .collect();
    kept.sort_by_key(|(element, _, _)| *element);
    let mut uid = syntax.as_bytes().to_vec();
    if uid.len() % 2 == 1 {
        uid.push(0);
    }
    let mut ts = vec![0x02, 0x00, 0x10, 0x00, b'U', b'I'];
    ts.extend_from_slice(&(uid.len() as u16).to_le_bytes());
    ts.extend_from_slice(&uid);
    let mut body = Vec::new();
    let mut ts_written = false;
    let mut reader = file;
    // The walk reads the same file through a buffer: its position is put back after.
    let back = reader
        .stream_position()
        .map_err(|e| format!("reading the file meta group again: {e}"))?;
    for (element, start, end) in kept {
        if element > 0x0010 && !ts_written {
            body.extend_from_slice(&ts);
            ts_written = true;
        }
        let mut bytes = vec![0u8; (end - start) as usize];
        reader
            .seek(SeekFrom::Start(start))
            .and_then(|_| reader.read_exact(&mut bytes))
            .map_err(|e| format!("reading the file meta group again: {e}"))?;
        body.extend_from_slice(&bytes);
    }
    if !ts_written {
        body.extend_from_slice(&ts);
    }
    reader
        .seek(SeekFrom::Start(back))
        .map_err(|e| format!("reading the file meta group again: {e}"))?;
    let mut meta = b"DICM\x02\x00\x00\x00UL\x04\x00".to_vec();
    meta.extend_from_slice(&(body.len() as u32).to_le_bytes());
    meta.extend_from_slice(&body);
    Ok(meta)
}

/// The bytes the reader is given for a file: a rebuilt file meta group or the file's own from
/// its "DICM" marker, then the file's bytes with the fallback's value lengths in place, then
/// zeros for pixel data cut short. Read as it goes: nothing but the rebuilt meta group is held.
pub struct Feed<'a> {
    /// The rebuilt meta group not yet given.
    prefix: &'a [u8],
    file: std::io::BufReader<&'a File>,
    /// The file offset the next byte is read from.
    pos: u64,
    /// Where the file's bytes end for this read.
    end: u64,
    lengths: &'a [(u64, [u8; 4])],
    /// Zeros still to give after the file's bytes.
    zeros: u64,
}

impl<'a> Feed<'a> {
    /// The file from its "DICM" marker (`magic_at`), data set start `data_start`, up to `end`,
    /// then `zeros` zero bytes.
    pub fn new(
        file: &'a File,
        fallback: &'a Fallback,
        magic_at: u64,
        data_start: u64,
        end: u64,
        zeros: u64,
    ) -> std::io::Result<Feed<'a>> {
        let (prefix, from): (&[u8], u64) = match &fallback.meta {
            Some(meta) => (meta, data_start),
            None => (&[], magic_at),
        };
        Feed::from(file, fallback, prefix, from, end, zeros)
    }

    /// The file's bytes from `from` to `end` alone (what follows the pixel data).
    pub fn part(file: &'a File, fallback: &'a Fallback, from: u64, end: u64) -> std::io::Result<Feed<'a>> {
        Feed::from(file, fallback, &[], from, end, 0)
    }

    fn from(
        mut file: &'a File,
        fallback: &'a Fallback,
        prefix: &'a [u8],
        from: u64,
        end: u64,
        zeros: u64,
    ) -> std::io::Result<Feed<'a>> {
        file.seek(SeekFrom::Start(from))?;
        Ok(Feed {
            prefix,
            file: std::io::BufReader::new(file),
            pos: from,
            end,
            lengths: &fallback.lengths,
            zeros,
        })
    }
}

impl Read for Feed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.len());
            buf[..n].copy_from_slice(&self.prefix[..n]);
            self.prefix = &self.prefix[n..];
            return Ok(n);
        }
        if self.pos < self.end {
            let room = usize::try_from(self.end - self.pos)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            let n = self.file.read(&mut buf[..room])?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let (from, to) = (self.pos, self.pos + n as u64);
            // Sorted by offset: only those that can reach this chunk are looked at.
            let first = self.lengths.partition_point(|(at, _)| at + 4 <= from);
            for (at, bytes) in self.lengths[first..].iter().take_while(|(at, _)| *at < to) {
                for (i, b) in bytes.iter().enumerate() {
                    let offset = at + i as u64;
                    if (from..to).contains(&offset) {
                        buf[(offset - from) as usize] = *b;
                    }
                }
            }
            self.pos = to;
            return Ok(n);
        }
        let n = usize::try_from(self.zeros).unwrap_or(usize::MAX).min(buf.len());
        buf[..n].fill(0);
        self.zeros -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_element_tells_the_encoding() {
        // (0008,0005) CS, 10 bytes, explicit VR little endian.
        let explicit_le = [0x08, 0x00, 0x05, 0x00, b'C', b'S', 10, 0];
        let explicit_be = [0x00, 0x08, 0x00, 0x05, b'C', b'S', 0, 10];
        let implicit = [0x08, 0x00, 0x05, 0x00, 10, 0, 0, 0];
        assert_eq!(data_set_syntax(None, &explicit_le, 100).0, EXPLICIT_VR_LE);
        assert_eq!(data_set_syntax(None, &explicit_be, 100).0, EXPLICIT_VR_BE);
        assert_eq!(data_set_syntax(None, &implicit, 100).0, IMPLICIT_VR_LE);
        assert_eq!(
            data_set_syntax(Some(EXPLICIT_VR_LE), &implicit, 100).0,
            IMPLICIT_VR_LE
        );
        assert!(data_set_syntax(Some(EXPLICIT_VR_LE), &explicit_le, 100)
            .1
            .is_none());
        assert_eq!(
            data_set_syntax(Some(IMPLICIT_VR_LE), &explicit_le, 100).0,
            EXPLICIT_VR_LE
        );
        // A compressed syntax is never second-guessed.
        assert!(data_set_syntax(Some("1.2.840.10008.1.2.4.50"), &implicit, 100)
            .1
            .is_none());
    }

    #[test]
    fn lengths_are_given_in_place_of_the_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bytes");
        std::fs::write(&path, (0u8..200).collect::<Vec<_>>()).unwrap();
        let file = File::open(&path).unwrap();
        let fallback = Fallback {
            meta: Some(b"DICMmeta".to_vec()),
            lengths: vec![(150, [1, 2, 3, 4])],
            ..Fallback::default()
        };
        let mut out = Vec::new();
        Feed::new(&file, &fallback, 0, 140, 200, 3)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        let mut want = b"DICMmeta".to_vec();
        want.extend(140u8..200);
        want[8 + 10..8 + 14].copy_from_slice(&[1, 2, 3, 4]);
        want.extend([0, 0, 0]);
        assert_eq!(out, want);
    }
}
