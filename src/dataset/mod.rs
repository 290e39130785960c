//! Opening DICOM files and looking at their elements: paths into sequences, private creators,
//! and values rendered for people.

mod bare;
pub mod charset;
mod encodable;
pub mod frames;
mod input_text;
pub mod lenient;
mod path;
mod pixels;
pub mod prescan;
pub mod private;
mod repeats;
mod un;
mod value;
mod write;

use std::path::Path;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::{FileDicomObject, InMemDicomObject, OpenFileOptions};

pub use encodable::{encode_failure, first_unencodable, keep_input_bytes};
pub use frames::{FrameError, FrameFault, FrameReader};
pub use input_text::InputText;
pub use path::{parse_tag, tag_string, ItemStep, PathParseError, TagPath};
pub use pixels::{
    describe_pixel_data, frame_count, is_pixel_data, write_with_pixel_data, write_with_pixel_data_patched,
    write_with_pixel_data_produced, Header, PixelData,
};
pub use value::{render, strings_of, SharedValue, Snapshot};
pub use write::{
    error_chain, sync_all_under, temp_beside, write_atomic, write_atomic_durable, write_atomic_with,
    Durability,
};

use crate::error::{Error, Result};
use prescan::{Reading, Refusal};

/// A DICOM file held in memory: its file meta group and its dataset.
pub type DicomFile = FileDicomObject<InMemDicomObject>;

/// Opens a DICOM file, with or without the 128-byte preamble (as dcmtk does).
///
/// The whole dataset, pixel data included, is read: anonymization writes it back out.
pub fn open(path: impl AsRef<Path>) -> Result<DicomFile> {
    let path = path.as_ref();
    let (layout, file) = check_readable(path, Reading::Whole)?;
    let mut read = pixels::read_whole(path, &file, &layout, false)?;
    un::read_by_dictionary(&mut read, &layout.fallback.conflicting_creators);
    repeats::join_dropped(&mut read, &file, &layout.fallback.dropped);
    Ok(read)
}

/// Opens a DICOM file without reading its pixel data: what scoring and inspection need, in
/// time and memory independent of the size of the images. Elements after the pixel data
/// (digital signatures, trailing padding) are read too. Damage at or after the pixel data
/// is no error here: what is before it is all a header needs (a deflated data set is read
/// up to the pixel data only).
pub fn open_header(path: impl AsRef<Path>) -> Result<Header> {
    let path = path.as_ref();
    let (layout, file) = check_readable(path, Reading::HeaderOnly)?;
    let header = pixels::read(path, &file, &layout, true)?;
    let mut header = read_by_dictionary(header, &layout, &file);
    // A plan made from the header is applied to show the file after (`dpk profile`, the
    // inspector): its kept values need their bytes as much as a written file's.
    header.input_text = InputText::of_file(path, &header.file);
    Ok(header)
}

/// Opens a DICOM file whole but for large pixel data, which is left in the file (see
/// [`Header::pixel_data`]) to be copied to an output by [`write_with_pixel_data`]. Unlike
/// [`open_header`] the whole file must be sound, pixel data included.
pub fn open_around_pixel_data(path: impl AsRef<Path>) -> Result<Header> {
    let path = path.as_ref();
    let (layout, file) = check_readable(path, Reading::AroundPixelData)?;
    let header = pixels::read(path, &file, &layout, false)?;
    let mut header = read_by_dictionary(header, &layout, &file);
    header.input_text = InputText::of_file(path, &header.file);
    Ok(header)
}

/// A header with its elements of VR UN read as their tags say (see [`un`]) and the values of
/// elements given twice joined (see [`repeats`]), told in its notes.
fn read_by_dictionary(mut header: Header, layout: &prescan::Layout, file: &std::fs::File) -> Header {
    let outcome = un::read_by_dictionary(&mut header.file, &layout.fallback.conflicting_creators);
    header.notes.extend(outcome.note());
    header.notes.extend(repeats::join_dropped(
        &mut header.file,
        file,
        &layout.fallback.dropped,
    ));
    header
}

/// Opens a DICOM file from bytes already in memory (fixtures, the TUI's bundled demo).
pub fn open_bytes(bytes: &[u8], name: impl AsRef<Path>) -> Result<DicomFile> {
    let name = name.as_ref();
    let source = if bytes.len() >= 132 && &bytes[128..132] == b"DICM" {
        &bytes[128..]
    } else {
        bytes
    };
    let mut file = OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Never)
        .from_reader(source)
        .map_err(|e| open_error(name, &e))?;
    un::read_by_dictionary(&mut file, &Default::default());
    Ok(file)
}

/// Whether `path` holds a whole DICOM file: every length in it within the file, and the file
/// ending where an element ends, with no sequence, item or pixel data left open (see
/// [`prescan::check_whole`]). How a resumed run tells an output written in full from one cut
/// short (by a power cut before the outputs were flushed). A file read only with a fallback
/// (pixel data cut short above all) is not one dpk wrote whole.
pub fn is_complete(path: impl AsRef<Path>) -> bool {
    whole_layout(path.as_ref()).is_some()
}

/// Whether `output` holds the whole of a file written from `input`: [`is_complete`], and
/// pixel data in it when `input` has some. (A file cut exactly before its pixel data is
/// whole in structure; only the input says something is missing.)
pub fn is_complete_output(output: impl AsRef<Path>, input: impl AsRef<Path>) -> bool {
    let Some(layout) = whole_layout(output.as_ref()) else {
        return false;
    };
    if layout.pixel.is_some() {
        return true;
    }
    check_readable(input.as_ref(), Reading::HeaderOnly)
        .is_ok_and(|(input_layout, _)| input_layout.pixel.is_none())
}

/// The layout of `path` when it is a whole DICOM file, read without any fallback.
fn whole_layout(path: &Path) -> Option<prescan::Layout> {
    let (_, file) = check_readable(path, Reading::HeaderOnly).ok()?;
    prescan::check_whole(&file)
        .ok()
        .filter(|layout| layout.fallback.notes.is_empty())
}

/// Opens `path` once for everything that follows (one open per file: a batch of small files
/// pays for each), checks that it is DICOM, and maps its structure, counting what a read of
/// `reading` will hold against the limits.
fn check_readable(path: &Path, reading: Reading) -> Result<(prescan::Layout, std::fs::File)> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(Error::Open {
            path: path.to_path_buf(),
            reason: "is a directory".into(),
        });
    }
    if meta.len() == 0 {
        return Err(Error::Open {
            path: path.to_path_buf(),
            reason: "empty file, not DICOM".into(),
        });
    }
    // A DICOM file has "DICM" after its 128-byte preamble (or, without a preamble, at the
    // start). Saying so beats the parser's "failed to fill whole buffer" on a text file.
    let mut head = [0u8; 132];
    let n = read_up_to(&mut file, &mut head).map_err(io)?;
    // A bare data set (no preamble, no marker, no meta group) is read too: see [`bare`].
    let found = marker_end(&head[..n]).or_else(|| {
        use std::io::Seek;
        let bare = file.rewind().is_ok() && starts_bare(&mut file, meta.len());
        bare.then_some(0)
    });
    let Some(marker_end) = found else {
        return Err(Error::Open {
            path: path.to_path_buf(),
            reason: if n < 132 {
                format!("not a DICOM file: {n} bytes, too short for the preamble and DICM marker")
            } else {
                "not a DICOM file: no DICM marker at byte 128 (nor at 0)".to_string()
            },
        });
    };
    // The marker and nothing after it: no file meta group, no data set, nothing to read
    // leniently (a file cut right after its first 132 bytes).
    if meta.len() <= marker_end {
        return Err(Error::Open {
            path: path.to_path_buf(),
            reason: "not a DICOM file: nothing after the DICM marker (cut short?)".to_string(),
        });
    }
    // Lengths that lie would make the parser reserve gigabytes for a small file.
    let layout = prescan::check_for(&file, reading).map_err(|refusal| match refusal {
        Refusal::Structure(reason) => Error::Open {
            path: path.to_path_buf(),
            reason,
        },
        Refusal::Limit(exceeded) => Error::Limit {
            path: path.to_path_buf(),
            exceeded,
        },
        Refusal::Cancelled => Error::Cancelled {
            path: path.to_path_buf(),
        },
    })?;
    Ok((layout, file))
}

/// Where the DICM marker in a file's first bytes `head` (up to 132) ends: after the 128-byte
/// preamble, or at the start as dcmtk reads a file without one. `None`: not DICOM.
fn marker_end(head: &[u8]) -> Option<u64> {
    if head.get(128..132) == Some(b"DICM") {
        Some(132)
    } else if head.get(..4) == Some(b"DICM") {
        Some(4)
    } else {
        None
    }
}

/// Whether the file at `path` starts as DICOM files do (see [`marker_end`]), or as a bare
/// data set does (see [`bare`]); one that cannot
/// be read counts as DICOM, so that opening it says why.
pub fn looks_like_dicom(path: &Path) -> bool {
    let mut head = [0u8; 132];
    let Ok(mut file) = std::fs::File::open(path) else {
        return true;
    };
    match read_up_to(&mut file, &mut head) {
        Ok(n) if marker_end(&head[..n]).is_some() => true,
        Ok(_) => {
            use std::io::Seek;
            let len = file.metadata().map_or(0, |m| m.len());
            file.rewind().is_ok() && starts_bare(&mut file, len)
        }
        Err(_) => true,
    }
}

/// Whether `file`, read from where it stands and `len` bytes long, starts as a bare data set
/// does (see [`bare`]).
fn starts_bare(file: &mut std::fs::File, len: u64) -> bool {
    let mut head = vec![0u8; bare::HEAD_BYTES.min(usize::try_from(len).unwrap_or(usize::MAX))];
    match read_up_to(file, &mut head) {
        Ok(n) => bare::syntax_of(&head[..n], len).is_some(),
        Err(_) => false,
    }
}

/// Reads until `buf` is full or the reader ends; returns how many bytes were read.
pub(crate) fn read_up_to(f: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Turns a reader error into words, with its whole chain of causes.
fn open_error(path: &Path, err: &dyn std::error::Error) -> Error {
    let mut reason = error_chain(err);
    if reason.contains("magic code") || reason.contains("Invalid DICOM file") {
        reason.push_str(" (not a DICOM file)");
    }
    Error::Open {
        path: path.to_path_buf(),
        reason,
    }
}

/// The item (or the dataset itself) that holds the element at `path`.
pub fn item_at<'a>(obj: &'a InMemDicomObject, path: &TagPath) -> Option<&'a InMemDicomObject> {
    let mut current = obj;
    for step in &path.items {
        current = current.get(step.sequence)?.items()?.get(step.item as usize)?;
    }
    Some(current)
}

/// The private creator of the block holding the private element at `path`.
pub fn creator_at(obj: &InMemDicomObject, path: &TagPath) -> Option<String> {
    private::creator_of(item_at(obj, path)?, path.tag)
}

/// Whether `uid` is a valid UID: components of digits without leading zeros, separated by
/// dots, at most 64 characters.
pub fn valid_uid(uid: &str) -> bool {
    uid.len() <= 64
        && uid.split('.').all(|c| {
            !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) && (c == "0" || !c.starts_with('0'))
        })
}

/// The PS3.6 keyword of a public tag, or `None` for private and unknown tags.
pub fn keyword(tag: Tag) -> Option<&'static str> {
    if private::is_private(tag) {
        return None;
    }
    StandardDataDictionary.by_tag(tag).map(|e| e.alias())
}

/// The tag of a PS3.6 keyword.
pub fn tag_of_keyword(keyword: &str) -> Option<Tag> {
    StandardDataDictionary.by_name(keyword).map(|e| e.tag())
}

/// The VR the dictionary gives a public tag, when it gives exactly one.
pub fn dictionary_vr(tag: Tag) -> Option<VR> {
    use dicom_core::dictionary::VirtualVr;
    match StandardDataDictionary.by_tag(tag)?.vr() {
        VirtualVr::Exact(vr) => Some(vr),
        _ => None,
    }
}

/// What a file is, in a few words for a status line: its modality, SOP class and transfer
/// syntax, each by the standard's name where it has one (else its UID), e.g.
/// `CT · CT Image Storage · Explicit VR Little Endian`.
pub fn summary(file: &DicomFile) -> String {
    use dicom_core::dictionary::UidDictionary;
    use dicom_encoding::TransferSyntaxIndex;
    let modality = text_of(file, dicom_dictionary_std::tags::MODALITY).unwrap_or_else(|| "?".into());
    let sop_class = sop_class_uid(file).map_or_else(
        || "no SOP class".to_string(),
        |uid| {
            dicom_dictionary_std::StandardSopClassDictionary
                .by_uid(&uid)
                .map_or(uid.clone(), |entry| entry.name.to_string())
        },
    );
    // The getter trims the UID as the reader does.
    let syntax_uid = file.meta().transfer_syntax();
    let syntax = dicom_transfer_syntax_registry::TransferSyntaxRegistry
        .get(syntax_uid)
        .map_or_else(|| syntax_uid.to_string(), |ts| ts.name().to_string());
    format!("{modality} · {sop_class} · {syntax}")
}

/// The SOP Class UID of a dataset, trimmed.
pub fn sop_class_uid(obj: &InMemDicomObject) -> Option<String> {
    text_of(obj, dicom_dictionary_std::tags::SOP_CLASS_UID)
}

/// The first value of a text element, trimmed of padding; `None` when absent or empty.
pub fn text_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let v = obj.get(tag)?.to_str().ok()?;
    let t = v.trim_matches(|c: char| c == ' ' || c == '\0');
    (!t.is_empty()).then(|| t.to_string())
}
