//! Pixel data left in the file: reading a data set around it, and writing a data set back
//! with the pixel data copied byte for byte from its source. Memory then depends on the
//! header, not on the size of the images, and the pixels cannot change on the way through.
//!
//! A deflated data set is treated the same way through its inflated bytes: the header is
//! parsed from the inflater up to the pixel data, and the output — deflated too, as the
//! in-memory writer writes it (at the registry's level, `Compression::fast`) — gets the
//! elements before the pixel data, the pixel data's inflated bytes streamed a megabyte at a
//! time, then the elements after it, all through one deflate encoder. The deflate stream is
//! a function of the bytes fed in, not of how they are cut, so the output is byte for byte
//! that of reading the file whole and writing it back.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;

use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::text::SpecificCharacterSet;
use dicom_encoding::transfer_syntax::TransferSyntax;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::file::ReadPreamble;
use dicom_object::meta::FileMetaTable;
use dicom_object::{InMemDicomObject, OpenFileOptions};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use super::lenient::Feed;
use super::prescan::{Layout, PixelSpan};
use super::{error_chain, open_error, write_atomic_with, DicomFile, Durability, Snapshot};
use crate::error::{Error, Result};

/// Native pixel data up to this size is read with the rest: a snapshot of it holds the
/// value itself (see [`Snapshot::of`]), and copying it saves nothing.
const READ_WITH_HEADER: u64 = 1024;

/// The top-level pixel data of a file, known by its place and size rather than its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct PixelData {
    /// Pixel Data (7FE0,0010), or Float / Double Float Pixel Data.
    pub tag: Tag,
    /// Its VR as written, or the dictionary's in an implicit VR data set.
    pub vr: VR,
    /// Its size: by length when native, by fragments when encapsulated.
    pub snapshot: Snapshot,
    /// Where the element lies in the file, when its bytes can be copied from there as they
    /// are: not in a deflated data set, and with a header a writer would write the same.
    pub span: Option<Range<u64>>,
    /// Where the element lies in the inflated data set of a deflated file, when its bytes
    /// can be copied from there as they are.
    pub inflated: Option<InflatedSpan>,
    /// Zero bytes to write after the copied ones: what the input's pixel data, cut short by
    /// the end of its file, lacks of its declared length.
    pub missing: u64,
}

/// A place in the inflated data set of a deflated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InflatedSpan {
    /// Byte offset in the file where the deflated data set starts (after the meta group).
    pub data_set_at: u64,
    /// The element's bytes, counted in the inflated data set.
    pub range: Range<u64>,
}

/// A file read without its top-level pixel data: the rest of the data set (elements after
/// the pixel data included) and, when the pixel data was left in the file, what it is.
#[derive(Debug)]
pub struct Header {
    /// The file meta group and every element but the pixel data left in the file.
    pub file: DicomFile,
    /// The pixel data not read; `None` when there is none or it was read with the rest.
    pub pixel_data: Option<PixelData>,
    /// What the reader accepted that a strict reader would not (a missing preamble), for
    /// people to be told.
    pub notes: Vec<String>,
    /// The input bytes of text values the reader could not give back (see [`InputText`]).
    pub input_text: super::InputText,
}

/// Whether a top-level tag holds an image's pixels: Pixel Data, Float or Double Float Pixel
/// Data (PS3.3 C.7.6.3, C.7.6.24).
pub fn is_pixel_data(tag: Tag) -> bool {
    tag.group() == 0x7FE0 && matches!(tag.element(), 0x0008 | 0x0009 | 0x0010)
}

/// Pixel data in words, by size and frame count, never by its bytes: "256.0 KiB, 1 frame",
/// "encapsulated, 40 fragments, 1.2 MiB, 40 frames".
pub fn describe_pixel_data(snapshot: &Snapshot, frames: u32) -> String {
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let (fragments, bytes) = match snapshot {
        Snapshot::Fragments { count, bytes } => (Some(*count as u64), *bytes),
        Snapshot::Bulk { bytes } => (None, *bytes),
        Snapshot::Primitive(p) => (None, p.calculate_byte_len() as u64),
        Snapshot::Items(_) => (None, 0),
    };
    let size = human_bytes(bytes);
    let frames = plural(u64::from(frames), "frame");
    match fragments {
        Some(n) => format!("encapsulated, {}, {size}, {frames}", plural(n, "fragment")),
        None => format!("{size}, {frames}"),
    }
}

/// A byte count in binary units, one decimal.
fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Number of Frames (0028,0008), or 1 for a single-frame image.
pub fn frame_count(file: &InMemDicomObject) -> u32 {
    super::text_of(file, tags::NUMBER_OF_FRAMES)
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(1)
}

/// A file read whole is a header with nothing left out.
impl From<DicomFile> for Header {
    fn from(file: DicomFile) -> Header {
        Header {
            file,
            pixel_data: None,
            notes: Vec::new(),
            input_text: Default::default(),
        }
    }
}

impl PixelData {
    fn from_span(span: &PixelSpan, layout: &Layout) -> PixelData {
        let deflated = layout.deflated;
        let tag = Tag(span.tag.0, span.tag.1);
        // Implicit VR: Pixel Data is OW, Float and Double Float Pixel Data OF and OD
        // (PS3.5 8.2 and A.1).
        let implicit = match span.tag.1 {
            0x0008 => VR::OF,
            0x0009 => VR::OD,
            _ => VR::OW,
        };
        let vr = span.vr.and_then(VR::from_binary).unwrap_or(implicit);
        let snapshot = match span.fragments {
            Some(count) => Snapshot::Fragments {
                count,
                bytes: span.value_bytes,
            },
            None => Snapshot::Bulk {
                bytes: span.value_bytes,
            },
        };
        let range = span.end.filter(|_| span.regular).map(|end| span.start..end);
        let (range, inflated) = match range {
            // Inflated pixel data cut short is read whole, with the zeros the reader is fed.
            Some(_) if deflated && span.missing > 0 => (None, None),
            Some(range) if deflated => (
                None,
                Some(InflatedSpan {
                    data_set_at: layout.data_start,
                    range,
                }),
            ),
            range => (range, None),
        };
        PixelData {
            tag,
            vr,
            snapshot,
            span: range,
            inflated,
            missing: span.missing,
        }
    }

    /// Where the element's bytes lie, as a range in the file or in its inflated data set.
    fn place(&self) -> Option<(Range<u64>, Option<u64>)> {
        match (&self.span, &self.inflated) {
            (Some(range), _) => Some((range.clone(), None)),
            (None, Some(inflated)) => Some((inflated.range.clone(), Some(inflated.data_set_at))),
            (None, None) => None,
        }
    }

    /// The bytes of the value (after the element header), read from `path` where this
    /// pixel data lies — inflated as it is read, from a deflated data set. `None` when the
    /// pixel data cannot be read from the file as it is.
    pub fn value_reader(&self, path: &Path) -> Result<Option<Box<dyn Read>>> {
        let Some((span, deflated_at)) = self.place() else {
            return Ok(None);
        };
        // After the element header: 12 bytes for encapsulated pixel data (always explicit
        // VR); for native pixel data, the value length counted back from the end.
        let start = match self.snapshot {
            Snapshot::Fragments { .. } => span.start + 12,
            Snapshot::Bulk { bytes } => match span.end.checked_sub(bytes) {
                Some(start) => start,
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        let value = start.min(span.end)..span.end;
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io)?;
        let reader = bytes_from(file, deflated_at, value.start).map_err(io)?;
        Ok(Some(Box::new(reader.take(value.end - value.start))))
    }
}

/// The bytes of a data set from `offset` on: the file's own (`deflated_at` is `None`), or
/// those of its deflated data set starting at byte `deflated_at`, inflated (the bytes before
/// `offset` are inflated and dropped, a megabyte at a time, stopping when cancelled).
fn bytes_from(mut file: File, deflated_at: Option<u64>, offset: u64) -> std::io::Result<Box<dyn Read>> {
    let Some(data_set_at) = deflated_at else {
        file.seek(SeekFrom::Start(offset))?;
        return Ok(Box::new(BufReader::with_capacity(1 << 16, file)));
    };
    file.seek(SeekFrom::Start(data_set_at))?;
    let mut inflater = flate2::bufread::DeflateDecoder::new(BufReader::with_capacity(1 << 16, file));
    let mut left = offset;
    while left > 0 {
        crate::cancel::check()?;
        let step = left.min(1 << 20);
        let skipped = std::io::copy(&mut (&mut inflater).take(step), &mut std::io::sink())?;
        if skipped < step {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        left -= step;
    }
    Ok(Box::new(inflater))
}

/// Reads `path` as `layout` maps it: around large pixel data where the pixel data can be
/// copied from the file later, whole otherwise. With `header_only`, pixel data that cannot
/// be copied (deflated, or running past the end of the file) is not read either.
pub(super) fn read(path: &Path, source: &File, layout: &Layout, header_only: bool) -> Result<Header> {
    let mut header = read_parts(path, source, layout, header_only)?;
    header.notes.extend(layout.fallback.notes.iter().cloned());
    if layout.magic_at == 0 && !layout.bare {
        header.notes.push(
            "no 128-byte preamble: read from the DICM marker at its first byte, as dcmtk does \
             (an output has the preamble)"
                .to_string(),
        );
    }
    Ok(header)
}

fn read_parts(path: &Path, source: &File, layout: &Layout, header_only: bool) -> Result<Header> {
    let pixel = layout
        .pixel
        .as_ref()
        .filter(|span| span.fragments.is_some() || span.value_bytes > READ_WITH_HEADER)
        .map(|span| PixelData::from_span(span, layout));
    let large = pixel.is_some();
    match pixel {
        Some(pixel) if pixel.span.is_some() || pixel.inflated.is_some() => {
            let bytes = pixel.snapshot.clone();
            let read = if pixel.inflated.is_some() {
                read_around_inflated(path, source, layout, pixel, header_only)?
            } else {
                read_around(path, source, layout, pixel)?
            };
            match read {
                Ok(header) => return Ok(header),
                // Read whole instead, the parser then says what is wrong; but not pixel data
                // larger than a value may be held, which the walk let through as copied (a
                // header-only read stops before it).
                Err(reason) if !header_only && over_limits(&bytes) => {
                    return Err(Error::Open {
                        path: path.to_path_buf(),
                        reason,
                    })
                }
                Err(_) => {}
            }
        }
        Some(pixel) if header_only => {
            return Ok(Header {
                file: read_whole(path, source, layout, true)?,
                pixel_data: Some(pixel),
                notes: Vec::new(),
                input_text: Default::default(),
            })
        }
        _ => {}
    }
    // A header-only read takes pixel data with the rest only when it is small and all there.
    let small_and_sound =
        !large && layout.sound_after_pixel && layout.pixel.as_ref().is_some_and(|s| s.end.is_some());
    let until_pixel_data = header_only && !small_and_sound;
    Ok(Header {
        file: read_whole(path, source, layout, until_pixel_data)?,
        pixel_data: None,
        notes: Vec::new(),
        input_text: Default::default(),
    })
}

/// Whether pixel data of `snapshot`, held, would go over a limit: its bytes as one value,
/// or its fragments alone more than the elements a read may hold.
fn over_limits(snapshot: &Snapshot) -> bool {
    let (fragments, bytes) = match snapshot {
        Snapshot::Bulk { bytes } => (0, *bytes),
        Snapshot::Fragments { count, bytes } => (*count as u64, *bytes),
        _ => (0, 0),
    };
    bytes > crate::limits::max_value_bytes() || fragments > crate::limits::max_elements()
}

/// What the parser said where it does not read a file as the walk mapped it.
type Disagreement = String;

/// Reads the file before and after `pixel`; `Ok(Err(…))` when the parser does not read those
/// parts as the walk mapped them (the caller then reads the file whole, and the parser says
/// what is wrong).
fn read_around(
    path: &Path,
    source: &File,
    layout: &Layout,
    pixel: PixelData,
) -> Result<std::result::Result<Header, Disagreement>> {
    let Some(range) = pixel.span.clone() else {
        return Ok(Err("the pixel data cannot be copied from the file".into()));
    };
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    // Everything before the pixel data: the file meta group and the header.
    let head = Feed::new(
        source,
        &layout.fallback,
        layout.magic_at,
        layout.data_start,
        range.start,
        0,
    )
    .map_err(io)?;
    let mut file = match OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .from_reader(head)
    {
        Ok(file) => file,
        Err(e) => return Ok(Err(error_chain(&e))),
    };
    // Everything after it (digital signatures, trailing padding), when the walk vouched for it.
    if range.end < layout.len && layout.sound_after_pixel {
        let Some(ts) = TransferSyntaxRegistry.get(file.meta().transfer_syntax()) else {
            return Ok(Err("unknown transfer syntax".into()));
        };
        let tail = Feed::part(source, &layout.fallback, range.end, layout.len).map_err(io)?;
        match InMemDicomObject::read_dataset_with_ts_cs(tail, ts, charset_of(&file)) {
            Ok(trailing) => trailing.into_iter().for_each(|element| {
                file.put(element);
            }),
            Err(e) => return Ok(Err(error_chain(&e))),
        }
    }
    Ok(Ok(Header {
        file,
        pixel_data: Some(pixel),
        notes: Vec::new(),
        input_text: Default::default(),
    }))
}

/// The transfer syntax a deflated data set is encoded in once inflated (always in the
/// registry; `None` only if a build of it lacked it).
fn explicit_vr_little_endian() -> Option<&'static TransferSyntax> {
    TransferSyntaxRegistry.get("1.2.840.10008.1.2.1")
}

/// [`read_around`] for a deflated data set: the header is parsed from the inflater up to the
/// pixel data; the elements after it (when `header_only` is not asked, and there are some)
/// from a second inflater that drops everything up to their start.
fn read_around_inflated(
    path: &Path,
    mut source: &File,
    layout: &Layout,
    pixel: PixelData,
    header_only: bool,
) -> Result<std::result::Result<Header, Disagreement>> {
    let Some(inflated) = pixel.inflated.clone() else {
        return Ok(Err("the pixel data cannot be copied from the file".into()));
    };
    // A file the reader must be fed otherwise than as it is (see `super::lenient`) is read
    // through that feed, whole.
    if !layout.fallback.is_none() {
        return Ok(Err("the file is read with a fallback".into()));
    }
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    source.seek(SeekFrom::Start(layout.magic_at)).map_err(io)?;
    let mut reader = BufReader::new(source);
    let mut meta = match FileMetaTable::from_reader(&mut reader) {
        Ok(meta) => meta,
        Err(e) => return Ok(Err(error_chain(&e))),
    };
    // The inflated offsets are the walk's: they hold only from where the walk started.
    if reader.stream_position().map_err(io)? != inflated.data_set_at {
        return Ok(Err(
            "the file meta group does not end where the structure walk found".into(),
        ));
    }
    let Some(plain) = explicit_vr_little_endian() else {
        return Ok(Err("explicit VR little endian is not known to the reader".into()));
    };
    let head = flate2::bufread::DeflateDecoder::new(reader).take(inflated.range.start);
    let obj = match InMemDicomObject::read_dataset_with_ts(head, plain) {
        Ok(obj) => obj,
        Err(e) => return Ok(Err(error_chain(&e))),
    };
    infer_media_storage(&mut meta, &obj);
    let mut file = obj.with_exact_meta(meta);
    let elements_after = inflated.range.end < layout.data_set_end && layout.sound_after_pixel;
    if elements_after && !header_only {
        let tail = bytes_from(
            File::open(path).map_err(io)?,
            Some(inflated.data_set_at),
            inflated.range.end,
        )
        .map_err(|e| cancelled_or(path, e))?;
        match InMemDicomObject::read_dataset_with_ts_cs(tail, plain, charset_of(&file)) {
            Ok(trailing) => trailing.into_iter().for_each(|element| {
                file.put(element);
            }),
            Err(_) if crate::cancel::requested() => {
                return Err(Error::Cancelled {
                    path: path.to_path_buf(),
                })
            }
            Err(e) => return Ok(Err(error_chain(&e))),
        }
    }
    Ok(Ok(Header {
        file,
        pixel_data: Some(pixel),
        notes: Vec::new(),
        input_text: Default::default(),
    }))
}

/// An empty Media Storage SOP Class or Instance UID taken from the data set, as the
/// reader does when it reads a file whole.
fn infer_media_storage(meta: &mut FileMetaTable, obj: &InMemDicomObject) {
    if meta.media_storage_sop_class_uid().is_empty() {
        if let Some(uid) = obj.get(tags::SOP_CLASS_UID).and_then(|el| el.to_str().ok()) {
            meta.media_storage_sop_class_uid = uid.into_owned();
        }
    }
    if meta.media_storage_sop_instance_uid().is_empty() {
        if let Some(uid) = obj.get(tags::SOP_INSTANCE_UID).and_then(|el| el.to_str().ok()) {
            meta.media_storage_sop_instance_uid = uid.into_owned();
        }
    }
}

/// An I/O error on `path`, or [`Error::Cancelled`] when the work was cancelled.
fn cancelled_or(path: &Path, source: std::io::Error) -> Error {
    if crate::cancel::requested() {
        return Error::Cancelled {
            path: path.to_path_buf(),
        };
    }
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads the whole file, or all of it before the pixel data, from the DICM marker on.
pub(super) fn read_whole(
    path: &Path,
    source: &File,
    layout: &Layout,
    until_pixel_data: bool,
) -> Result<DicomFile> {
    // Pixel data cut short is read with zeros for what the file lacks.
    let missing = layout.pixel.as_ref().map_or(0, |span| span.missing);
    let feed = Feed::new(
        source,
        &layout.fallback,
        layout.magic_at,
        layout.data_start,
        layout.len,
        missing,
    )
    .map_err(|e| Error::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut options = OpenFileOptions::new().read_preamble(ReadPreamble::Never);
    if until_pixel_data {
        // The walk's pixel data, which may be Float or Double Float Pixel Data: stopping at
        // Pixel Data would read those whole.
        let tag = layout
            .pixel
            .as_ref()
            .map_or(tags::PIXEL_DATA, |span| Tag(span.tag.0, span.tag.1));
        options = options.read_until(tag);
    }
    options
        .from_reader(BufReader::new(feed))
        .map_err(|e| open_error(path, &e))
}

/// The character set the data set declares (its first value, as readers take it).
fn charset_of(file: &DicomFile) -> SpecificCharacterSet {
    super::text_of(file, tags::SPECIFIC_CHARACTER_SET)
        .and_then(|code| SpecificCharacterSet::from_code(code.split('\\').next().unwrap_or("").trim()))
        .unwrap_or_default()
}

/// Writes `file` to `output` atomically with the pixel data copied from `source`, where
/// `pixel` says it lies: preamble, file meta group, the elements before the pixel data, the
/// pixel data's bytes as they are, then the elements after it. `file` must not hold the
/// pixel data itself, and its transfer syntax must be the source's. The output reaches the
/// disk as `durability` says. A deflated source gives a deflated output, the pixel data
/// streamed from the inflater into the deflater. Cancelled ([`crate::Cancel`]), the copy
/// stops within a few megabytes and no output is left.
pub fn write_with_pixel_data(
    file: &DicomFile,
    source: &Path,
    pixel: &PixelData,
    output: &Path,
    durability: Durability,
) -> Result<()> {
    let written = if pixel.inflated.is_some() {
        write_deflated(file, source, pixel, output, durability)
    } else {
        write_plain(file, source, pixel, output, durability, copy_range)
    };
    match written {
        Err(_) if crate::cancel::requested() => Err(Error::Cancelled {
            path: source.to_path_buf(),
        }),
        written => written,
    }
}

/// [`write_with_pixel_data`] with each frame of the pixel data changed by `patch` on the way
/// (frame index, its bytes) — native pixel data in a little-endian transfer syntax, of at
/// least `frames` frames of `frame_len` bytes each. One frame is held in memory at a time;
/// bytes after the last frame (padding) are copied as they are.
pub fn write_with_pixel_data_patched(
    file: &DicomFile,
    source: &Path,
    pixel: &PixelData,
    output: &Path,
    durability: Durability,
    (frame_len, frames): (usize, usize),
    patch: &mut dyn FnMut(usize, &mut [u8]),
) -> Result<()> {
    let value_len = match pixel.snapshot {
        Snapshot::Bulk { bytes } if pixel.missing == 0 && pixel.inflated.is_none() => bytes,
        _ => {
            return Err(Error::Write {
                path: output.to_path_buf(),
                reason: "only native pixel data all in its file is patched frame by frame".into(),
            })
        }
    };
    let copy = |source: &Path, range: Range<u64>, out: &mut File| -> std::result::Result<(), String> {
        let at = |e: std::io::Error| format!("copying the pixel data of {}: {e}", source.display());
        let header_len = (range.end - range.start).saturating_sub(value_len);
        let mut input = BufReader::new(File::open(source).map_err(at)?);
        input.seek(SeekFrom::Start(range.start)).map_err(at)?;
        let mut input = input.take(range.end - range.start);
        let mut w = BufWriter::new(out);
        std::io::copy(&mut (&mut input).take(header_len), &mut w).map_err(at)?;
        let mut frame = vec![0u8; frame_len];
        for index in 0..frames {
            crate::cancel::check().map_err(at)?;
            input.read_exact(&mut frame).map_err(at)?;
            patch(index, &mut frame);
            w.write_all(&frame).map_err(at)?;
        }
        std::io::copy(&mut input, &mut w).map_err(at)?;
        w.flush().map_err(at)
    };
    match write_plain(file, source, pixel, output, durability, copy) {
        Err(_) if crate::cancel::requested() => Err(Error::Cancelled {
            path: source.to_path_buf(),
        }),
        written => written,
    }
}

/// [`write_with_pixel_data`] with new native pixel data in place of the source's: a Pixel
/// Data element of VR `vr` and `frames` frames of `frame_len` bytes (a pad byte after them
/// when their total is odd), each frame made by `produce` (frame index) as the output is
/// written — so that memory holds one frame, whatever the number of frames. `file`'s
/// transfer syntax must be Explicit VR Little Endian (what decoded pixels are written in).
/// When `produce` fails, the write stops and no output is left; its reason is returned
/// as the error's reason.
pub fn write_with_pixel_data_produced(
    file: &DicomFile,
    source: &Path,
    pixel: &PixelData,
    output: &Path,
    durability: Durability,
    (vr, frame_len, frames): (VR, usize, usize),
    produce: &mut dyn FnMut(usize) -> std::result::Result<Vec<u8>, String>,
) -> Result<()> {
    let write_error = |reason: String| Error::Write {
        path: output.to_path_buf(),
        reason,
    };
    if file.meta().transfer_syntax() != "1.2.840.10008.1.2.1" {
        return Err(write_error(
            "new pixel data is written in Explicit VR Little Endian only".into(),
        ));
    }
    let total = (frame_len as u64).saturating_mul(frames as u64);
    let padded = total + total % 2;
    // A value length is 32 bits, and FFFFFFFF means undefined.
    if padded >= u64::from(u32::MAX) {
        return Err(write_error(format!(
            "{frames} frames of {frame_len} bytes are more than one native Pixel Data value holds (4 GiB)"
        )));
    }
    let length = padded as u32;
    let copy = |_: &Path, _: Range<u64>, out: &mut File| -> std::result::Result<(), String> {
        let mut w = BufWriter::new(out);
        let at = |e: std::io::Error| format!("writing the pixel data: {e}");
        let mut head = Vec::with_capacity(12);
        head.extend_from_slice(&[0xE0, 0x7F, 0x10, 0x00]);
        head.extend_from_slice(vr.to_string().as_bytes());
        head.extend_from_slice(&[0, 0]);
        head.extend_from_slice(&length.to_le_bytes());
        w.write_all(&head).map_err(at)?;
        for index in 0..frames {
            crate::cancel::check().map_err(at)?;
            let frame = produce(index)?;
            if frame.len() != frame_len {
                return Err(format!(
                    "frame {} came out as {} bytes, not {frame_len}",
                    index + 1,
                    frame.len()
                ));
            }
            w.write_all(&frame).map_err(at)?;
        }
        if total % 2 == 1 {
            w.write_all(&[0]).map_err(at)?;
        }
        w.flush().map_err(at)
    };
    let plain = PixelData {
        missing: 0,
        ..pixel.clone()
    };
    match write_plain(file, source, &plain, output, durability, copy) {
        Err(_) if crate::cancel::requested() => Err(Error::Cancelled {
            path: source.to_path_buf(),
        }),
        written => written,
    }
}

/// The elements of `file` before the pixel data, and those after it.
fn split_at_pixel_data(file: &DicomFile, pixel: &PixelData) -> (InMemDicomObject, InMemDicomObject) {
    let (before, after): (Vec<_>, Vec<_>) = file.iter().cloned().partition(|el| el.header().tag < pixel.tag);
    (
        InMemDicomObject::from_element_iter(before),
        InMemDicomObject::from_element_iter(after),
    )
}

/// [`write_with_pixel_data`] for a source whose data set is deflated: one deflate stream of
/// the elements before the pixel data, the pixel data's inflated bytes, and the elements
/// after it, as the in-memory writer would deflate the whole data set.
fn write_deflated(
    file: &DicomFile,
    source: &Path,
    pixel: &PixelData,
    output: &Path,
    durability: Durability,
) -> Result<()> {
    let write_error = |reason: String| Error::Write {
        path: output.to_path_buf(),
        reason,
    };
    let Some(inflated) = pixel.inflated.clone() else {
        return Err(write_error(format!(
            "the pixel data of {} cannot be copied from it",
            source.display()
        )));
    };
    let (before, after) = split_at_pixel_data(file, pixel);
    let charset = charset_of(file);
    let Some(plain) = explicit_vr_little_endian() else {
        return Err(write_error(
            "explicit VR little endian is not known to the writer".into(),
        ));
    };
    write_atomic_with(output, durability, |out| {
        let mut w = BufWriter::new(&mut *out);
        w.write_all(&[0u8; 128])
            .and_then(|()| w.write_all(b"DICM"))
            .map_err(|e| write_error(e.to_string()))?;
        file.meta()
            .write(&mut w)
            .map_err(|e| write_error(error_chain(&e)))?;
        // The level the registry's deflated transfer syntax writes with.
        let mut deflater = flate2::write::DeflateEncoder::new(w, flate2::Compression::fast());
        before
            .write_dataset_with_ts(&mut deflater, plain)
            .map_err(|e| write_error(super::encode_failure(file, &e)))?;
        copy_inflated(source, &inflated, &mut deflater).map_err(write_error)?;
        after
            .write_dataset_with_ts_cs(&mut deflater, plain, charset)
            .map_err(|e| write_error(super::encode_failure(file, &e)))?;
        // The in-memory writer flushes its data set writer (a sync flush of the deflater)
        // before the stream ends: so does this one, to write the same bytes.
        deflater.flush().map_err(|e| write_error(e.to_string()))?;
        let mut w = deflater.finish().map_err(|e| write_error(e.to_string()))?;
        w.flush().map_err(|e| write_error(e.to_string()))
    })
}

/// Copies the inflated bytes `span` of the deflated data set of `source` to `out`, a
/// megabyte at a time, stopping when cancelled. A source whose data set ends before the
/// span's end — changed since it was read — is an error.
fn copy_inflated(
    source: &Path,
    span: &InflatedSpan,
    out: &mut impl Write,
) -> std::result::Result<(), String> {
    let at = |e: std::io::Error| format!("copying the pixel data of {}: {e}", source.display());
    let input = File::open(source).map_err(at)?;
    let input = bytes_from(input, Some(span.data_set_at), span.range.start).map_err(at)?;
    let want = span.range.end - span.range.start;
    let copied = copy_through_buffer(&mut input.take(want), out).map_err(at)?;
    if copied != want {
        return Err(format!(
            "{} changed while its pixel data was copied: {copied} of {want} inflated bytes at byte {} of the data set",
            source.display(),
            span.range.start
        ));
    }
    Ok(())
}

/// [`write_with_pixel_data`] for a source whose data set is not deflated, the pixel data's
/// bytes (element header included) put in place by `copy` from `source`.
fn write_plain(
    file: &DicomFile,
    source: &Path,
    pixel: &PixelData,
    output: &Path,
    durability: Durability,
    copy: impl FnOnce(&Path, Range<u64>, &mut File) -> std::result::Result<(), String>,
) -> Result<()> {
    let write_error = |reason: String| Error::Write {
        path: output.to_path_buf(),
        reason,
    };
    let Some(range) = pixel.span.clone() else {
        return Err(write_error(format!(
            "the pixel data of {} cannot be copied from it",
            source.display()
        )));
    };
    let ts_uid = file.meta().transfer_syntax();
    let Some(ts) = TransferSyntaxRegistry.get(ts_uid) else {
        return Err(write_error(format!("unknown transfer syntax {ts_uid}")));
    };
    let (before, after) = split_at_pixel_data(file, pixel);
    let charset = charset_of(file);
    write_atomic_with(output, durability, |out| {
        let mut w = BufWriter::new(&mut *out);
        w.write_all(&[0u8; 128])
            .and_then(|()| w.write_all(b"DICM"))
            .map_err(|e| write_error(e.to_string()))?;
        file.meta()
            .write(&mut w)
            .map_err(|e| write_error(error_chain(&e)))?;
        before
            .write_dataset_with_ts(&mut w, ts)
            .map_err(|e| write_error(super::encode_failure(file, &e)))?;
        w.flush().map_err(|e| write_error(e.to_string()))?;
        drop(w);
        copy(source, range.clone(), out).map_err(write_error)?;
        let mut w = BufWriter::new(&mut *out);
        std::io::copy(&mut std::io::repeat(0).take(pixel.missing), &mut w)
            .map_err(|e| write_error(e.to_string()))?;
        after
            .write_dataset_with_ts_cs(&mut w, ts, charset)
            .map_err(|e| write_error(super::encode_failure(file, &e)))?;
        w.flush().map_err(|e| write_error(e.to_string()))
    })
}

/// The unit the page cache moves data in. A kernel copy (copy_file_range, which splices
/// pages on most file systems) between offsets that differ within a page writes every page
/// of the output in two pieces: on ext4, 1 GiB took 1.55× as long as with offsets that
/// agree, and 1.15× through a buffer.
const PAGE: u64 = 4096;

/// What a copy through user space moves at a time: large enough that system calls cost
/// nothing next to the bytes, small enough to keep per worker. A cancelled copy stops within
/// one.
const COPY_BUFFER: usize = 1 << 20;

/// What a kernel copy moves between two looks at the cancellation token: a few
/// milliseconds of work.
const KERNEL_COPY_STEP: u64 = 8 << 20;

/// Copies bytes `range` of `source` to `out`: in the kernel (copy_file_range) when the two
/// offsets agree within a page, else through a buffer. A source shorter than the range —
/// changed or truncated since it was read — is an error.
fn copy_range(source: &Path, range: Range<u64>, out: &mut File) -> std::result::Result<(), String> {
    let at = |e: std::io::Error| format!("copying the pixel data of {}: {e}", source.display());
    let mut input = File::open(source).map_err(at)?;
    input.seek(SeekFrom::Start(range.start)).map_err(at)?;
    let want = range.end - range.start;
    let written_at = out.stream_position().map_err(at)?;
    let mut input = input.take(want);
    let copied = if range.start % PAGE == written_at % PAGE {
        copy_in_kernel(&mut input, out).map_err(at)?
    } else {
        copy_through_buffer(&mut input, out).map_err(at)?
    };
    if copied != want {
        return Err(format!(
            "{} changed while its pixel data was copied: {copied} of {want} bytes at byte {}",
            source.display(),
            range.start
        ));
    }
    Ok(())
}

/// Copies `input` to `out` with `std::io::copy` (copy_file_range between two files) in
/// steps of [`KERNEL_COPY_STEP`], stopping when cancelled. Returns the bytes copied.
fn copy_in_kernel(input: &mut std::io::Take<File>, out: &mut File) -> std::io::Result<u64> {
    let mut copied = 0u64;
    loop {
        crate::cancel::check()?;
        let step = std::io::copy(&mut input.by_ref().take(KERNEL_COPY_STEP), out)?;
        copied += step;
        if step < KERNEL_COPY_STEP {
            return Ok(copied);
        }
    }
}

thread_local! {
    /// One copy buffer per worker, kept between files so that each file's copy does not
    /// fault a fresh megabyte in.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Copies `input` to `out` with read and write calls, never through copy_file_range, which
/// `std::io::copy` would use between two files, stopping when cancelled. Returns the bytes
/// copied.
fn copy_through_buffer(input: &mut impl Read, out: &mut impl Write) -> std::io::Result<u64> {
    BUFFER.with(|cell| {
        let mut buffer = cell.borrow_mut();
        buffer.resize(COPY_BUFFER, 0);
        let mut copied = 0u64;
        loop {
            crate::cancel::check()?;
            let n = match input.read(&mut buffer) {
                Ok(0) => return Ok(copied),
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            out.write_all(&buffer[..n])?;
            copied += n as u64;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_data_is_described_by_size_and_frames() {
        assert_eq!(
            describe_pixel_data(&Snapshot::Bulk { bytes: 262_144 }, 1),
            "256.0 KiB, 1 frame"
        );
        assert_eq!(
            describe_pixel_data(
                &Snapshot::Fragments {
                    count: 40,
                    bytes: 3 * 1024 * 1024 * 1024 / 2
                },
                40
            ),
            "encapsulated, 40 fragments, 1.5 GiB, 40 frames"
        );
        let small = Snapshot::primitive(dicom_core::PrimitiveValue::U8(vec![0; 512].into()));
        assert_eq!(describe_pixel_data(&small, 2), "512 bytes, 2 frames");
    }

    /// Bytes that differ at every offset, so a piece copied to the wrong place shows.
    fn numbered_bytes(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i % 251) as u8).collect()
    }

    /// Both ways of copying, through the kernel and through the buffer (more than one
    /// buffer's worth), write exactly the range asked for after what is already written.
    #[test]
    fn a_range_is_copied_whole_whether_offsets_agree_within_a_page_or_not() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let source = dir.path().join("source");
        let bytes = numbered_bytes(3 * COPY_BUFFER + 4321);
        std::fs::write(&source, &bytes).expect("source written");
        let range = 5000..bytes.len() as u64 - 7;
        // 904 bytes already written: 5000 - 904 is one page, so the offsets agree.
        for already in [904usize, 17] {
            let target = dir.path().join(format!("out{already}"));
            let mut out = File::create(&target).expect("output created");
            out.write_all(&vec![b'h'; already]).expect("head written");
            copy_range(&source, range.clone(), &mut out).expect("range copied");
            drop(out);
            let written = std::fs::read(&target).expect("output read");
            assert_eq!(written.len(), already + (range.end - range.start) as usize);
            assert!(written[..already].iter().all(|&b| b == b'h'));
            assert!(written[already..] == bytes[range.start as usize..range.end as usize]);
        }
    }

    #[test]
    fn a_source_shorter_than_the_range_is_an_error_either_way() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let source = dir.path().join("source");
        std::fs::write(&source, numbered_bytes(10_000)).expect("source written");
        for already in [0usize, 1] {
            let mut out = File::create(dir.path().join(format!("out{already}"))).expect("output created");
            out.write_all(&vec![0; already]).expect("head written");
            let err = copy_range(&source, 0..20_000, &mut out).expect_err("the source is short");
            assert!(
                err.contains("changed while its pixel data was copied: 10000 of 20000 bytes"),
                "{err}"
            );
        }
    }
}
