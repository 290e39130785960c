//! Pixel data one frame at a time, read from the file where the header left it (see
//! [`super::open_around_pixel_data`]): memory holds one frame (and, encapsulated, that
//! frame's fragments), whatever the number of frames.
//!
//! - Native pixel data: frame k is `frame_len` bytes at `value start + k × frame_len`. A
//!   frame is returned as **little-endian sample bytes** (a 16-bit sample's low byte first),
//!   the form dpk's masks and writers work on: in Explicit VR Big Endian, the words of OW
//!   pixel data are swapped (OB is a byte stream in either order and is left as it is).
//! - Encapsulated pixel data (PS3.5 A.4): the item tags are walked from the file once, their
//!   values skipped, so that each fragment is known by its place and length; a frame's
//!   fragments are then read and joined. Which fragments make a frame: the Basic Offset
//!   Table when it has entries, else the Extended Offset Table (7FE0,0001) when present, else
//!   one fragment per frame when there are as many fragments as frames, else all fragments
//!   for a single frame, else, for the JPEG family, fragments up to each one that ends a
//!   JPEG stream (EOI, FFD9). Anything else is refused.
//!
//! Hostile bytes give a [`FrameError`] naming the file, the frame and the byte offset, never
//! a panic: an item that is not a fragment item, a length past the end of the file, a
//! missing sequence delimiter, offset tables that point at no fragment, more fragments than
//! [`crate::limits::max_elements`], a frame larger than [`crate::limits::max_value_bytes`].
//! A deflated data set cannot be read at an offset: its frames are read whole by the caller,
//! and so is pixel data not laid out as a writer writes it (odd fragment lengths), which the
//! header leaves without a span.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use dicom_core::value::Value;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::{Header, Snapshot};

/// Why frames cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameFault {
    /// The pixel data is not in the file at a known offset (a deflated data set, or small
    /// pixel data read with the header): read the file whole instead.
    NotInFile,
    /// The pixel data's structure is damaged or not one dpk reads.
    Malformed,
    /// A frame or fragment count over a limit of [`crate::limits`].
    Limit,
    /// The file could not be read.
    Io,
    /// A frame's bytes do not decode.
    Decode,
}

/// A frame that cannot be read: the file, the frame (from 1) and byte offset when known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}{reason}", path.display(), place(*frame, *offset))]
pub struct FrameError {
    /// The file read.
    pub path: PathBuf,
    /// The frame, counted from 1.
    pub frame: Option<usize>,
    /// The byte offset in the file where the fault lies.
    pub offset: Option<u64>,
    /// What kind of fault.
    pub fault: FrameFault,
    /// What is wrong, in words.
    pub reason: String,
}

fn place(frame: Option<usize>, offset: Option<u64>) -> String {
    match (frame, offset) {
        (Some(f), Some(o)) => format!("frame {f} at byte {o}: "),
        (Some(f), None) => format!("frame {f}: "),
        (None, Some(o)) => format!("at byte {o}: "),
        (None, None) => String::new(),
    }
}

/// The attributes that say how many frames there are and, native, how long each is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameShape {
    /// Number of Frames (1 when absent).
    pub frames: usize,
    /// Bytes of one native frame: Rows × Columns × Samples per Pixel × Bits Allocated / 8
    /// (two samples a pixel for YBR_FULL_422).
    pub frame_len: u64,
    /// Bits Allocated.
    pub bits_allocated: u16,
}

impl FrameShape {
    /// The shape a data set's image attributes give; `None` when they are missing or give no
    /// whole number of bytes per frame (Bits Allocated 1).
    pub fn of(obj: &InMemDicomObject) -> Option<FrameShape> {
        let number = |tag| obj.get(tag).and_then(|e| e.value().to_int::<u32>().ok());
        let rows = u64::from(number(tags::ROWS)?);
        let columns = u64::from(number(tags::COLUMNS)?);
        let samples = u64::from(number(tags::SAMPLES_PER_PIXEL).unwrap_or(1));
        let bits = number(tags::BITS_ALLOCATED)?;
        if bits == 0 || bits % 8 != 0 || bits > 64 {
            return None;
        }
        let frames = super::frame_count(obj).max(1) as usize;
        // Native YBR_FULL_422 (PS3.3 C.7.6.3.1.2) stores two luminance and one pair of
        // chrominance samples per two pixels: two samples a pixel, not three.
        let photometric = super::text_of(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
        let samples = if samples == 3 && photometric.trim().eq_ignore_ascii_case("YBR_FULL_422") {
            2
        } else {
            samples
        };
        Some(FrameShape {
            frames,
            frame_len: rows * columns * samples * u64::from(bits / 8),
            bits_allocated: bits as u16,
        })
    }
}

/// A fragment of encapsulated pixel data, by place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Fragment {
    /// Offset of its item tag from the first fragment's item tag (what offset tables count).
    relative: u64,
    /// Offset of its value in the file.
    at: u64,
    /// Its value length.
    len: u64,
}

enum Kind {
    Native {
        value_start: u64,
        frame_len: u64,
        /// Explicit VR Big Endian OW: swap each word's bytes.
        swap_words: bool,
    },
    Encapsulated {
        fragments: Vec<Fragment>,
        /// Each frame's fragments, as indexes into `fragments`.
        groups: Vec<Range<usize>>,
    },
}

/// Reads the frames of one file's pixel data one at a time.
pub struct FrameReader {
    path: PathBuf,
    file: BufReader<File>,
    kind: Kind,
    frames: usize,
}

/// The native transfer syntaxes (not deflated: that one is read whole).
const NATIVE: &[&str] = &["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"];
const BIG_ENDIAN: &str = "1.2.840.10008.1.2.2";

/// Whether frames of transfer syntax `ts` that do not say where they end in their fragments
/// may be found by the JPEG end-of-image marker.
fn jpeg_family(ts: &str) -> bool {
    ts.starts_with("1.2.840.10008.1.2.4.") && {
        let last: u32 = ts.rsplit('.').next().and_then(|n| n.parse().ok()).unwrap_or(0);
        (50..=70).contains(&last)
    }
}

impl FrameReader {
    /// Prepares to read the frames of the file at `path`, whose header (read by
    /// [`super::open_around_pixel_data`]) is `header`: for encapsulated pixel data the item
    /// tags are walked now, so that a damaged sequence fails before any frame is used.
    pub fn open(path: &Path, header: &Header) -> Result<FrameReader, FrameError> {
        let fail = |fault, offset, reason: String| FrameError {
            path: path.to_path_buf(),
            frame: None,
            offset,
            fault,
            reason,
        };
        let Some(pixel) = &header.pixel_data else {
            return Err(fail(
                FrameFault::NotInFile,
                None,
                "the pixel data is held with the header, not read from the file".into(),
            ));
        };
        let Some(span) = pixel.span.clone() else {
            return Err(fail(
                FrameFault::NotInFile,
                None,
                "the pixel data cannot be read at an offset (deflated, or not as a writer writes it)".into(),
            ));
        };
        if pixel.tag != tags::PIXEL_DATA || pixel.missing > 0 {
            return Err(fail(
                FrameFault::Malformed,
                Some(span.start),
                "only Pixel Data (7FE0,0010) all in its file is read frame by frame".into(),
            ));
        }
        let shape = FrameShape::of(&header.file).ok_or_else(|| {
            fail(
                FrameFault::Malformed,
                None,
                "Rows, Columns or Bits Allocated missing, or Bits Allocated not whole bytes".into(),
            )
        })?;
        let io = |e: std::io::Error| fail(FrameFault::Io, None, e.to_string());
        let file = File::open(path).map_err(io)?;
        let file_len = file.metadata().map_err(io)?.len();
        let mut file = BufReader::with_capacity(1 << 16, file);
        let ts = header.file.meta().transfer_syntax().trim_end_matches(['\0', ' ']);
        let kind = match pixel.snapshot {
            Snapshot::Bulk { bytes } => {
                if !NATIVE.contains(&ts) {
                    return Err(fail(
                        FrameFault::Malformed,
                        Some(span.start),
                        format!("native pixel data in transfer syntax {ts}"),
                    ));
                }
                let need = shape.frame_len.checked_mul(shape.frames as u64);
                if need.is_none_or(|n| n > bytes) || span.end > file_len {
                    return Err(fail(
                        FrameFault::Malformed,
                        Some(span.start),
                        format!(
                            "the pixel data holds {bytes} bytes; {} frames of {} bytes need more",
                            shape.frames, shape.frame_len
                        ),
                    ));
                }
                Kind::Native {
                    value_start: span.end - bytes,
                    frame_len: shape.frame_len,
                    swap_words: ts == BIG_ENDIAN && pixel.vr == VR::OW,
                }
            }
            Snapshot::Fragments { .. } => {
                let (bot, fragments) = walk_items(&mut file, span.start, file_len)
                    .map_err(|(offset, fault, reason)| fail(fault, Some(offset), reason))?;
                let eot = extended_offset_table(&header.file);
                let jpeg = jpeg_family(ts);
                let mut tails: Vec<bool> = Vec::new();
                let needs_tails = jpeg
                    && bot.is_empty()
                    && eot.is_none()
                    && fragments.len() != shape.frames
                    && shape.frames != 1;
                if needs_tails {
                    for f in &fragments {
                        tails.push(ends_jpeg_stream(&mut file, f).map_err(io)?);
                    }
                }
                let starts: Vec<u64> = fragments.iter().map(|f| f.relative).collect();
                let groups = group_fragments(&starts, shape.frames, &bot, eot.as_deref(), |i| {
                    tails.get(i).copied().unwrap_or(false)
                })
                .map_err(|reason| fail(FrameFault::Malformed, Some(span.start), reason))?;
                Kind::Encapsulated { fragments, groups }
            }
            _ => {
                return Err(fail(
                    FrameFault::Malformed,
                    Some(span.start),
                    "the pixel data is neither native nor encapsulated".into(),
                ))
            }
        };
        Ok(FrameReader {
            path: path.to_path_buf(),
            file,
            kind,
            frames: shape.frames,
        })
    }

    /// Frames, by Number of Frames.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// The file offset where frame `index` (from 0) starts: its first byte, or its first
    /// fragment's value.
    pub fn offset(&self, index: usize) -> u64 {
        match &self.kind {
            Kind::Native {
                value_start,
                frame_len,
                ..
            } => value_start + frame_len * index as u64,
            Kind::Encapsulated { fragments, groups } => groups
                .get(index)
                .and_then(|g| fragments.get(g.start))
                .map_or(0, |f| f.at),
        }
    }

    /// Whether the frames are encoded (encapsulated), not native samples.
    pub fn encapsulated(&self) -> bool {
        matches!(self.kind, Kind::Encapsulated { .. })
    }

    /// The bytes of frame `index` (from 0): native, little-endian sample bytes; encapsulated,
    /// the frame's fragments joined (one encoded image).
    pub fn read(&mut self, index: usize) -> Result<Vec<u8>, FrameError> {
        let offset = self.offset(index);
        let path = self.path.clone();
        let fail = |fault, reason: String| FrameError {
            path: path.clone(),
            frame: Some(index + 1),
            offset: Some(offset),
            fault,
            reason,
        };
        if index >= self.frames {
            return Err(fail(
                FrameFault::Malformed,
                format!("there are {} frames", self.frames),
            ));
        }
        let io = |e: std::io::Error| fail(FrameFault::Io, e.to_string());
        let limit = crate::limits::max_value_bytes();
        match &self.kind {
            Kind::Native {
                frame_len,
                swap_words,
                ..
            } => {
                if *frame_len > limit {
                    return Err(fail(
                        FrameFault::Limit,
                        format!(
                            "a frame of {frame_len} bytes is over the limit of {limit} bytes held in memory"
                        ),
                    ));
                }
                if !*swap_words {
                    let mut frame = vec![0u8; *frame_len as usize];
                    self.file.seek(SeekFrom::Start(offset)).map_err(io)?;
                    self.file.read_exact(&mut frame).map_err(io)?;
                    return Ok(frame);
                }
                // Whole words around the frame (8-bit frames of odd length start and end
                // inside one), swapped, then the frame's bytes.
                let value_start = offset - frame_len * index as u64;
                let from = value_start + ((offset - value_start) & !1);
                let to = value_start + ((offset + frame_len - value_start + 1) & !1);
                let mut words = vec![0u8; (to - from) as usize];
                self.file.seek(SeekFrom::Start(from)).map_err(io)?;
                self.file.read_exact(&mut words).map_err(io)?;
                for word in words.chunks_exact_mut(2) {
                    word.swap(0, 1);
                }
                let skip = (offset - from) as usize;
                Ok(words[skip..skip + *frame_len as usize].to_vec())
            }
            Kind::Encapsulated { fragments, groups } => {
                let group = &fragments[groups[index].clone()];
                let total: u64 = group.iter().map(|f| f.len).sum();
                if total > limit {
                    return Err(fail(
                        FrameFault::Limit,
                        format!(
                            "its fragments hold {total} bytes, over the limit of {limit} bytes held in memory"
                        ),
                    ));
                }
                let mut frame = Vec::with_capacity(total as usize);
                for f in group {
                    self.file.seek(SeekFrom::Start(f.at)).map_err(io)?;
                    let read = (&mut self.file).take(f.len).read_to_end(&mut frame).map_err(io)?;
                    if read as u64 != f.len {
                        return Err(fail(
                            FrameFault::Io,
                            format!(
                                "the file ended inside a fragment of {} bytes at byte {}",
                                f.len, f.at
                            ),
                        ));
                    }
                }
                Ok(frame)
            }
        }
    }
}

/// Where a walk of the items stopped (byte offset), the kind of fault, and why.
type WalkError = (u64, FrameFault, String);

/// Walks the items of encapsulated pixel data whose element starts at `start`: the Basic
/// Offset Table's entries, and every fragment. Errors give (offset, fault, reason).
fn walk_items(
    file: &mut BufReader<File>,
    start: u64,
    file_len: u64,
) -> Result<(Vec<u64>, Vec<Fragment>), WalkError> {
    let malformed = |at: u64, reason: String| (at, FrameFault::Malformed, reason);
    let mut head = [0u8; 12];
    file.seek(SeekFrom::Start(start))
        .map_err(|e| (start, FrameFault::Io, e.to_string()))?;
    file.read_exact(&mut head)
        .map_err(|_| malformed(start, "the file ends inside the pixel data's header".into()))?;
    let tag = Tag(
        u16::from_le_bytes([head[0], head[1]]),
        u16::from_le_bytes([head[2], head[3]]),
    );
    if tag != tags::PIXEL_DATA || u32::from_le_bytes([head[8], head[9], head[10], head[11]]) != u32::MAX {
        return Err(malformed(
            start,
            "not encapsulated Pixel Data (7FE0,0010) of undefined length".into(),
        ));
    }
    let mut pos = start + 12;
    let mut first_fragment: Option<u64> = None;
    let mut bot: Option<Vec<u64>> = None;
    let mut fragments = Vec::new();
    loop {
        let mut item = [0u8; 8];
        file.seek(SeekFrom::Start(pos))
            .map_err(|e| (pos, FrameFault::Io, e.to_string()))?;
        if pos + 8 > file_len || file.read_exact(&mut item).is_err() {
            return Err(malformed(
                pos,
                "the file ends before the pixel data's sequence delimiter (FFFE,E0DD)".into(),
            ));
        }
        let group = u16::from_le_bytes([item[0], item[1]]);
        let element = u16::from_le_bytes([item[2], item[3]]);
        let len = u64::from(u32::from_le_bytes([item[4], item[5], item[6], item[7]]));
        match (group, element) {
            (0xFFFE, 0xE0DD) => break,
            (0xFFFE, 0xE000) => {}
            _ => {
                return Err(malformed(
                    pos,
                    format!("item ({group:04X},{element:04X}) where a fragment item (FFFE,E000) belongs"),
                ))
            }
        }
        if len == u64::from(u32::MAX) {
            return Err(malformed(pos, "a fragment of undefined length".into()));
        }
        let value_at = pos + 8;
        if value_at + len > file_len {
            return Err(malformed(
                pos,
                format!("a fragment of {len} bytes runs past the end of the file ({file_len} bytes)"),
            ));
        }
        if bot.is_none() {
            if len % 4 != 0 || len > crate::limits::max_value_bytes() {
                return Err(malformed(
                    pos,
                    format!("a Basic Offset Table of {len} bytes (a multiple of 4 is needed)"),
                ));
            }
            let mut table = vec![0u8; len as usize];
            file.read_exact(&mut table)
                .map_err(|e| (value_at, FrameFault::Io, e.to_string()))?;
            bot = Some(
                table
                    .chunks_exact(4)
                    .map(|c| u64::from(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                    .collect(),
            );
        } else {
            if fragments.len() as u64 >= crate::limits::max_elements() {
                return Err((
                    pos,
                    FrameFault::Limit,
                    format!(
                        "more than {} fragments, the most elements a read may hold",
                        crate::limits::max_elements()
                    ),
                ));
            }
            let first = *first_fragment.get_or_insert(pos);
            fragments.push(Fragment {
                relative: pos - first,
                at: value_at,
                len,
            });
        }
        pos = value_at + len;
    }
    Ok((bot.unwrap_or_default(), fragments))
}

/// Whether a fragment's last bytes end a JPEG stream: FFD9, maybe followed by one padding
/// byte (fragments have even lengths).
fn ends_jpeg_stream(file: &mut BufReader<File>, f: &Fragment) -> std::io::Result<bool> {
    let n = f.len.min(3);
    let mut tail = [0u8; 3];
    file.seek(SeekFrom::Start(f.at + f.len - n))?;
    file.read_exact(&mut tail[..n as usize])?;
    Ok(ends_stream(&tail[..n as usize]))
}

/// Whether bytes end with the JPEG EOI marker, maybe followed by one zero or FF pad byte.
pub(crate) fn ends_stream(bytes: &[u8]) -> bool {
    let trimmed = match bytes {
        [.., 0xFF, 0xD9, 0x00 | 0xFF] => &bytes[..bytes.len() - 1],
        _ => bytes,
    };
    trimmed.ends_with(&[0xFF, 0xD9])
}

/// The Extended Offset Table's entries, when the data set has one (PS3.3 C.7.6.3.1.8).
fn extended_offset_table(obj: &InMemDicomObject) -> Option<Vec<u64>> {
    let el = obj.get(tags::EXTENDED_OFFSET_TABLE)?;
    let Value::Primitive(p) = el.value() else {
        return None;
    };
    let table: Vec<u64> = match p {
        dicom_core::PrimitiveValue::U64(v) => v.to_vec(),
        dicom_core::PrimitiveValue::U8(b) => b
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect(),
        _ => return None,
    };
    (!table.is_empty()).then_some(table)
}

/// Which fragments (by index) make each of `frames` frames, given the offset of each
/// fragment's item tag from the first's (`starts`), the Basic Offset Table `bot` (empty when
/// the item is empty), the Extended Offset Table `eot`, and, for the JPEG family, which
/// fragments end a JPEG stream (`ends_stream`; always false otherwise). The order of the
/// rules is PS3.5 A.4's: the tables when present, then one fragment per frame, then all
/// fragments for one frame, then end-of-image markers.
pub(crate) fn group_fragments(
    starts: &[u64],
    frames: usize,
    bot: &[u64],
    eot: Option<&[u64]>,
    ends_stream: impl Fn(usize) -> bool,
) -> Result<Vec<Range<usize>>, String> {
    if starts.is_empty() {
        return Err("the pixel data has no fragments".into());
    }
    let table = if !bot.is_empty() {
        Some(("Basic Offset Table", bot))
    } else {
        eot.map(|t| ("Extended Offset Table", t))
    };
    if let Some((name, table)) = table {
        if table.len() != frames {
            return Err(format!(
                "the {name} has {} entries for {frames} frames",
                table.len()
            ));
        }
        let mut firsts = Vec::with_capacity(frames);
        for (k, &offset) in table.iter().enumerate() {
            let Ok(index) = starts.binary_search(&offset) else {
                return Err(format!(
                    "the {name}'s entry {} ({offset}) points at no fragment",
                    k + 1
                ));
            };
            if firsts.last().is_some_and(|&last| last >= index) {
                return Err(format!("the {name}'s entries are not in increasing order"));
            }
            firsts.push(index);
        }
        if firsts.first() != Some(&0) {
            return Err(format!("the {name}'s first entry is not the first fragment"));
        }
        let ends = firsts.iter().skip(1).copied().chain([starts.len()]);
        return Ok(firsts.iter().zip(ends).map(|(&a, b)| a..b).collect());
    }
    if starts.len() == frames {
        return Ok((0..frames).map(|i| i..i + 1).collect());
    }
    if frames == 1 {
        return Ok(std::iter::once(0..starts.len()).collect());
    }
    let mut groups = Vec::with_capacity(frames.min(starts.len()));
    let mut first = 0;
    for i in 0..starts.len() {
        if ends_stream(i) {
            groups.push(first..i + 1);
            first = i + 1;
        }
    }
    if groups.len() == frames && first == starts.len() {
        return Ok(groups);
    }
    Err(format!(
        "{} fragments hold {frames} frames, and no offset table or end-of-image marker says which is which",
        starts.len()
    ))
}

/// The offset of each fragment's item tag from the first's, for fragments held in memory.
pub(crate) fn starts_of(fragments: &[Vec<u8>]) -> Vec<u64> {
    let mut at = 0u64;
    fragments
        .iter()
        .map(|f| {
            let start = at;
            at += f.len() as u64 + 8;
            start
        })
        .collect()
}

/// [`group_fragments`] for a data set held in memory (transfer syntax `ts`).
pub(crate) fn group_in_memory(
    obj: &InMemDicomObject,
    ts: &str,
    fragments: &[Vec<u8>],
    bot: &[u32],
    frames: usize,
) -> Result<Vec<Range<usize>>, String> {
    let bot: Vec<u64> = bot.iter().map(|&o| u64::from(o)).collect();
    let eot = extended_offset_table(obj);
    let jpeg = jpeg_family(ts);
    group_fragments(&starts_of(fragments), frames, &bot, eot.as_deref(), |i| {
        jpeg && fragments.get(i).is_some_and(|f| ends_stream(f))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_native_frame_is_as_long_as_its_samples_and_422_takes_two_a_pixel() {
        use dicom_core::value::PrimitiveValue;
        use dicom_core::{DataElement, VR};
        let image = |photometric: &str, samples: u16, bits: u16| {
            InMemDicomObject::from_element_iter([
                DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(4u16)),
                DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(6u16)),
                DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(samples)),
                DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(bits)),
                DataElement::new(
                    tags::PHOTOMETRIC_INTERPRETATION,
                    VR::CS,
                    PrimitiveValue::from(photometric),
                ),
                DataElement::new(tags::NUMBER_OF_FRAMES, VR::IS, PrimitiveValue::from("3")),
            ])
        };
        let len = |obj: &InMemDicomObject| FrameShape::of(obj).map(|s| (s.frames, s.frame_len));
        assert_eq!(len(&image("MONOCHROME2", 1, 16)), Some((3, 48)));
        assert_eq!(len(&image("RGB", 3, 8)), Some((3, 72)));
        assert_eq!(len(&image("YBR_FULL", 3, 8)), Some((3, 72)));
        assert_eq!(len(&image("YBR_FULL_422", 3, 8)), Some((3, 48)));
        assert_eq!(len(&image("MONOCHROME2", 1, 1)), None);
    }

    #[test]
    fn fragments_are_grouped_by_table_count_or_end_marker() {
        let starts = [0, 100, 200, 300];
        let never = |_| false;
        assert_eq!(
            group_fragments(&starts, 2, &[0, 200], None, never),
            Ok(vec![0..2, 2..4])
        );
        assert_eq!(
            group_fragments(&starts, 2, &[], Some(&[0, 300]), never),
            Ok(vec![0..3, 3..4])
        );
        assert_eq!(
            group_fragments(&starts, 4, &[], None, never),
            Ok(vec![0..1, 1..2, 2..3, 3..4])
        );
        assert_eq!(
            group_fragments(&starts, 1, &[], None, never),
            Ok(std::iter::once(0..4).collect())
        );
        assert_eq!(
            group_fragments(&starts, 2, &[], None, |i| i == 0 || i == 3),
            Ok(vec![0..1, 1..4])
        );
        // Hostile tables: past the fragments, out of order, too few entries.
        assert!(group_fragments(&starts, 2, &[0, 9999], None, never)
            .unwrap_err()
            .contains("points at no fragment"));
        assert!(group_fragments(&starts, 2, &[200, 0], None, never).is_err());
        assert!(group_fragments(&starts, 3, &[0, 100], None, never)
            .unwrap_err()
            .contains("2 entries for 3 frames"));
        assert!(group_fragments(&starts, 3, &[], None, never).is_err());
        assert!(group_fragments(&[], 1, &[], None, never).is_err());
    }

    /// Encapsulated Pixel Data's element header, then `items` as (group, element, length,
    /// value bytes written).
    fn walk(items: &[(u16, u16, u32, usize)]) -> Result<(Vec<u64>, Vec<Fragment>), WalkError> {
        let mut bytes = vec![0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF];
        for &(group, element, len, written) in items {
            bytes.extend(group.to_le_bytes());
            bytes.extend(element.to_le_bytes());
            bytes.extend(len.to_le_bytes());
            bytes.extend(std::iter::repeat_n(0u8, written));
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pixels.bin");
        std::fs::write(&path, &bytes).expect("written");
        let mut file = BufReader::new(File::open(&path).expect("opens"));
        walk_items(&mut file, 0, bytes.len() as u64)
    }

    #[test]
    fn items_are_walked_and_hostile_ones_refused_with_their_offset() {
        let (bot, fragments) = walk(&[
            (0xFFFE, 0xE000, 8, 8),
            (0xFFFE, 0xE000, 4, 4),
            (0xFFFE, 0xE000, 6, 6),
            (0xFFFE, 0xE0DD, 0, 0),
        ])
        .expect("walked");
        assert_eq!(bot, vec![0, 0]);
        let places: Vec<(u64, u64, u64)> = fragments.iter().map(|f| (f.relative, f.at, f.len)).collect();
        assert_eq!(places, vec![(0, 36, 4), (12, 48, 6)]);
        let refused = |items: &[(u16, u16, u32, usize)], says: &str, at: u64| {
            let (offset, fault, reason) = walk(items).expect_err("refused");
            assert!(reason.contains(says), "{reason}");
            assert_eq!((offset, fault), (at, FrameFault::Malformed), "{reason}");
        };
        // A fragment longer than the rest of the file.
        refused(
            &[
                (0xFFFE, 0xE000, 0, 0),
                (0xFFFE, 0xE000, 1000, 4),
                (0xFFFE, 0xE0DD, 0, 0),
            ],
            "runs past the end of the file",
            20,
        );
        // An item that is not a fragment item.
        refused(
            &[(0xFFFE, 0xE000, 0, 0), (0x7FE0, 0x0010, 4, 4)],
            "item (7FE0,0010) where a fragment item (FFFE,E000) belongs",
            20,
        );
        // No sequence delimiter before the end of the file.
        refused(
            &[(0xFFFE, 0xE000, 0, 0), (0xFFFE, 0xE000, 4, 4)],
            "before the pixel data's sequence delimiter",
            32,
        );
        // A fragment of undefined length, and a Basic Offset Table of odd entries.
        refused(
            &[(0xFFFE, 0xE000, 0, 0), (0xFFFE, 0xE000, u32::MAX, 0)],
            "undefined length",
            20,
        );
        refused(&[(0xFFFE, 0xE000, 6, 6)], "a multiple of 4", 12);
    }

    #[test]
    fn the_end_of_image_marker_may_be_padded() {
        assert!(ends_stream(&[1, 0xFF, 0xD9]));
        assert!(ends_stream(&[0xFF, 0xD9, 0]));
        assert!(!ends_stream(&[0xFF, 0xD9, 7]));
        assert!(!ends_stream(&[0xD9]));
    }
}
