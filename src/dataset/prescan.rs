//! A check of a file's element headers before the parser reads it, and a map of where its
//! pixel data lies.
//!
//! The parser trusts lengths: a 5 KB file whose one element claims 4 GB makes it reserve 4 GB
//! before it finds the bytes missing. This walk reads only headers, seeks over values, and
//! refuses any defined length that runs past the end of the file, and any nesting deeper than
//! [`crate::limits::max_depth`], naming the tag and its byte offset. It keeps no state but a depth counter,
//! a flag and the pixel data's place, so its memory does not depend on the file. A deflated
//! data set is walked as it inflates, its lengths bounded by what deflate can expand the
//! remaining bytes to.
//!
//! The walk also counts what a read will hold in memory — elements, items and fragments, and
//! the bytes of each value — and refuses a file over [`crate::limits::max_elements`] or
//! [`crate::limits::max_value_bytes`] at the element where it goes over, before the parser
//! allocates anything for it. Its long loops stop when the work is cancelled
//! ([`crate::Cancel`]).
//!
//! What other readers accept although the standard does not — a file meta group without its
//! group length or transfer syntax, a data set in another encoding than its meta group says,
//! a tag given twice, an element of VR UN and undefined length, pixel data cut short — the
//! walk reads too, and says in the layout's [`Fallback`] how the reader is to be fed it (see
//! [`super::lenient`]).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};

use super::lenient::{self, Fallback, MetaElement};
use crate::limits::{Exceeded, Limit};

/// Where the walk reads from: a file it can seek in, or an inflated stream it reads through.
trait Source: Read {
    fn skip(&mut self, n: u64) -> std::io::Result<()>;
}

impl Source for BufReader<&File> {
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        self.seek_relative(i64::try_from(n).map_err(std::io::Error::other)?)
    }
}

/// A stream without seeking (inflated data): skipping reads and discards.
struct Forward<R>(R);

impl<R: Read> Read for Forward<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Source for std::io::Cursor<&[u8]> {
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        let to = self.position().saturating_add(n);
        if to > self.get_ref().len() as u64 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        self.set_position(to);
        Ok(())
    }
}

impl<R: Read> Source for Forward<R> {
    fn skip(&mut self, n: u64) -> std::io::Result<()> {
        // A megabyte at a time, so that a cancelled walk stops within one.
        let mut left = n;
        while left > 0 {
            crate::cancel::check()?;
            let step = left.min(1 << 20);
            let copied = std::io::copy(&mut (&mut self.0).take(step), &mut std::io::sink())?;
            if copied < step {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            left -= step;
        }
        Ok(())
    }
}

/// Deflate expands data at most about 1032 times: no value in a deflated data set can be
/// longer than that many times the compressed bytes.
const DEFLATE_RATIO: u64 = 1032;

/// Refuses a stack of open sequences and items (two entries per level) deeper than
/// [`crate::limits::max_depth`] levels.
fn nesting_fits(open: usize, at: u64) -> Result<(), String> {
    let max = crate::limits::max_depth();
    if open > 2 * max {
        return Err(format!(
            "{} {max} levels at byte {at} (the nesting limit)",
            crate::limits::TOO_DEEP
        ));
    }
    Ok(())
}

const ITEM: (u16, u16) = (0xFFFE, 0xE000);
const ITEM_END: (u16, u16) = (0xFFFE, 0xE00D);
const SEQUENCE_END: (u16, u16) = (0xFFFE, 0xE0DD);
const PIXEL_DATA: (u16, u16) = (0x7FE0, 0x0010);
const UNDEFINED: u32 = 0xFFFF_FFFF;

/// What is wrong with a file's structure, in words.
pub type Problem = String;

/// What a read of the file will hold in memory: what the limits count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reading {
    /// Every element, pixel data included.
    Whole,
    /// Every element but top-level pixel data that is copied from the file as it is (one a
    /// writer writes the same: [`PixelSpan::regular`]).
    AroundPixelData,
    /// Every element but the top-level pixel data, which is never read.
    HeaderOnly,
}

/// Why the walk refuses a file.
#[derive(Debug)]
#[non_exhaustive]
pub enum Refusal {
    /// Its structure is not one a reader frames as the walk does, or lengths lie.
    Structure(Problem),
    /// A read would hold more than a limit allows.
    Limit(Exceeded),
    /// The work was cancelled during the walk.
    Cancelled,
}

impl Refusal {
    /// The refusal in words, for callers that report structure problems as text.
    fn into_words(self) -> Problem {
        match self {
            Refusal::Structure(problem) => problem,
            Refusal::Limit(exceeded) => exceeded.to_string(),
            Refusal::Cancelled => "cancelled".to_string(),
        }
    }
}

/// What a read may still hold, and the limit the walk found exceeded.
struct Budget {
    reading: Reading,
    /// Elements, items and fragments counted so far.
    held: u64,
    max_elements: u64,
    max_value_bytes: u64,
    /// Whether offsets count bytes of an inflated data set.
    inflated: bool,
    exceeded: Option<Exceeded>,
}

impl Budget {
    fn new(reading: Reading, inflated: bool) -> Budget {
        Budget {
            reading,
            held: 0,
            max_elements: crate::limits::max_elements(),
            max_value_bytes: crate::limits::max_value_bytes(),
            inflated,
            exceeded: None,
        }
    }

    /// Records that `limit` is exceeded at the element `tag` at byte `at`; the walk stops
    /// with the words of it.
    fn refuse(&mut self, limit: Limit, max: u64, found: u64, tag: (u16, u16), at: u64) -> Problem {
        let exceeded = Exceeded {
            limit,
            max,
            found,
            tag: dicom_core::Tag(tag.0, tag.1),
            offset: at,
            inflated: self.inflated,
        };
        let words = exceeded.to_string();
        self.exceeded = Some(exceeded);
        words
    }

    /// Counts one more element (or item, or fragment) held.
    fn hold(&mut self, tag: (u16, u16), at: u64) -> Result<(), Problem> {
        self.held += 1;
        if self.held > self.max_elements {
            return Err(self.refuse(Limit::Elements, self.max_elements, self.held, tag, at));
        }
        Ok(())
    }

    /// Checks that a value of `length` bytes may be held.
    fn hold_value(&mut self, tag: (u16, u16), at: u64, length: u64) -> Result<(), Problem> {
        if length > self.max_value_bytes {
            return Err(self.refuse(Limit::ValueBytes, self.max_value_bytes, length, tag, at));
        }
        Ok(())
    }

    /// Whether the walk counts the top-level pixel data as it meets it: only for a whole
    /// read. A read around it holds it only when it turns out irregular (which an odd
    /// fragment may show late), and [`Budget::settle`] then counts it.
    fn counts_pixels(&self) -> bool {
        self.reading == Reading::Whole
    }

    /// Counts top-level pixel data that a read around it holds after all (one a writer
    /// would not write the same is read whole): its fragments as elements, its bytes as one
    /// value.
    fn settle(&mut self, span: Option<&PixelSpan>) -> Result<(), Problem> {
        let Some(span) = span.filter(|s| self.reading == Reading::AroundPixelData && !s.regular) else {
            return Ok(());
        };
        let fragments = span.fragments.unwrap_or(0) as u64;
        if self.held.saturating_add(fragments) > self.max_elements {
            let found = self.held.saturating_add(fragments);
            return Err(self.refuse(Limit::Elements, self.max_elements, found, span.tag, span.start));
        }
        self.held += fragments;
        self.hold_value(span.tag, span.start, span.value_bytes)
    }
}

/// What the walk learnt of a file: where its data set starts and where its pixel data lies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Byte offset of the "DICM" marker: 128 after a preamble, 0 without one.
    pub magic_at: u64,
    /// The file's length in bytes.
    pub len: u64,
    /// Whether the data set is deflated (offsets then count inflated bytes).
    pub deflated: bool,
    /// Where the walk stopped: the end of the data set when it was walked whole (in inflated
    /// bytes when deflated).
    pub data_set_end: u64,
    /// The top-level pixel data element, when the walk reached one.
    pub pixel: Option<PixelSpan>,
    /// Whether every byte after the pixel data start was walked without a problem. A
    /// header-only walk tolerates problems there (the header reader never goes there) and
    /// says so here.
    pub sound_after_pixel: bool,
    /// Byte offset of the data set: just past the file meta group.
    pub data_start: u64,
    /// Whether the file is a bare data set, with no preamble, marker or file meta group (see
    /// [`super::bare`]): its meta group is made up, in [`Fallback::meta`].
    pub bare: bool,
    /// What the reader must be given instead of some of the file's bytes (a file other
    /// readers accept but that departs from the standard), and the notes saying so.
    pub fallback: Fallback,
}

/// Where the top-level pixel data element (Pixel Data, Float or Double Float Pixel Data) is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PixelSpan {
    /// Its tag, as (group, element).
    pub tag: (u16, u16),
    /// Its VR as written (explicit VR), or `None` in an implicit VR data set.
    pub vr: Option<[u8; 2]>,
    /// Byte offset of its tag.
    pub start: u64,
    /// Byte offset just past it (past its sequence delimiter when encapsulated); `None` when
    /// the walk did not reach its end.
    pub end: Option<u64>,
    /// Native: the value length. Encapsulated: the total length of the fragments (the basic
    /// offset table not counted).
    pub value_bytes: u64,
    /// Encapsulated: the number of fragments (the basic offset table not counted).
    pub fragments: Option<usize>,
    /// Whether it is one a writer writes the same (VR as expected, reserved bytes zero, an
    /// even length, even fragments): only then may its bytes be copied into an output as
    /// they are.
    pub regular: bool,
    /// Native pixel data cut short by the end of the file: the bytes its length declares
    /// that the file lacks (read, and written, as zeros).
    pub missing: u64,
}

struct Walker<R> {
    reader: R,
    pos: u64,
    len: u64,
    big_endian: bool,
    /// Sequences and items open around what is walked (two entries per level): the value
    /// of an element walked after the file, see [`check_implicit`].
    outer: usize,
    /// Whether the file must end where an element ends, with nothing left open: the check of
    /// a written output (see [`check_whole`]). Otherwise a file that stops short is left to
    /// the parser, which names what it misses.
    whole: bool,
    budget: Budget,
}

impl<R: Source> Walker<R> {
    fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut buf = [0u8; N];
        self.reader.read_exact(&mut buf).ok()?;
        self.pos += N as u64;
        Some(buf)
    }

    fn u16(&mut self, big_endian: bool) -> Option<u16> {
        let b = self.bytes::<2>()?;
        Some(if big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32(&mut self, big_endian: bool) -> Option<u32> {
        let b = self.bytes::<4>()?;
        Some(if big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn skip(&mut self, n: u64) -> Option<()> {
        self.reader.skip(n).ok()?;
        self.pos += n;
        Some(())
    }

    /// The walk met the end of the data inside the element that starts at byte `at`: a
    /// problem for a whole-file check, else left to the parser.
    fn cut(&self, at: u64) -> Result<(), Problem> {
        if self.whole {
            return Err(format!(
                "the file ends inside the element at byte {at}: it was cut short"
            ));
        }
        Ok(())
    }

    /// The next `N` bytes, or `None` where the data ends right here; ending within them is a
    /// problem for a whole-file check.
    fn bytes_or_end<const N: usize>(&mut self) -> Result<Option<[u8; N]>, Problem> {
        let mut buf = [0u8; N];
        let mut got = 0;
        while got < N {
            match self.reader.read(&mut buf[got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        self.pos += got as u64;
        match got {
            0 => Ok(None),
            n if n == N => Ok(Some(buf)),
            _ => self.cut(self.pos - got as u64).map(|()| None),
        }
    }

    /// Checks that `length` bytes from here stay in the file.
    fn fits(&self, tag: (u16, u16), at: u64, length: u32) -> Result<(), Problem> {
        let left = self.len.saturating_sub(self.pos);
        if u64::from(length) > left {
            return Err(format!(
                "element ({:04X},{:04X}) at byte {at} claims {length} bytes, but the file has only {left} left",
                tag.0, tag.1
            ));
        }
        Ok(())
    }
}

/// Whether an explicit-VR header has the long form (two reserved bytes and a 4-byte length):
/// every VR but the short ones — including unknown VR bytes, which readers take as UN.
pub(crate) fn long_vr(vr: &[u8; 2]) -> bool {
    !matches!(
        vr,
        b"AE"
            | b"AS"
            | b"AT"
            | b"CS"
            | b"DA"
            | b"DS"
            | b"DT"
            | b"FL"
            | b"FD"
            | b"IS"
            | b"LO"
            | b"LT"
            | b"PN"
            | b"SH"
            | b"SL"
            | b"SS"
            | b"ST"
            | b"TM"
            | b"UI"
            | b"UL"
            | b"US"
    )
}

/// The size of one value of a binary VR: a value length must be a multiple of it (PS3.5 6.2).
/// A parser that meets another length reads whole values and loses its place, so such a
/// file is refused rather than guessed at.
fn value_size(vr: &[u8; 2]) -> Option<u32> {
    Some(match vr {
        b"US" | b"SS" | b"OW" => 2,
        b"UL" | b"SL" | b"FL" | b"AT" | b"OF" | b"OL" => 4,
        b"FD" | b"SV" | b"UV" | b"OD" | b"OV" => 8,
        _ => return None,
    })
}

fn check_multiple(tag: (u16, u16), at: u64, vr: &[u8; 2], length: u32) -> Result<(), Problem> {
    match value_size(vr) {
        Some(size) if length != UNDEFINED && !length.is_multiple_of(size) => Err(format!(
            "element ({:04X},{:04X}) at byte {at}: a {} value of {length} bytes is not a whole number of {size}-byte values",
            tag.0,
            tag.1,
            String::from_utf8_lossy(vr)
        )),
        _ => Ok(()),
    }
}

/// Walks the file's headers; `Ok` when nothing overruns and nesting stays bounded (or the
/// file is not one this walk can read, which the parser then reports), with what the walk
/// learnt of the file. With `header_only`, problems at or after the top-level pixel data
/// are tolerated, since a header-only read stops there: the layout says so. The limits are
/// counted for a read around the pixel data (or a header-only one); see [`check_for`].
pub fn check(file: &File, header_only: bool) -> Result<Layout, Problem> {
    let reading = if header_only {
        Reading::HeaderOnly
    } else {
        Reading::AroundPixelData
    };
    walk_file(file, reading, false).map_err(Refusal::into_words)
}

/// [`check`] for a read of `reading`, which decides what the limits count and whether
/// problems after the pixel data are tolerated (by a header-only read).
pub fn check_for(file: &File, reading: Reading) -> Result<Layout, Refusal> {
    walk_file(file, reading, false)
}

/// [`check`] of a file that must be whole, as an output dpk wrote is: besides what `check`
/// refuses, the file must not end inside an element header or value, inside the file meta
/// group, or with a sequence, item or encapsulated pixel data left open. A file cut short
/// (a power cut before its blocks reached the disk) fails here unless it was cut exactly
/// between two top-level elements, which only a comparison with what should be there finds
/// (see [`crate::dataset::is_complete_output`]).
pub fn check_whole(file: &File) -> Result<Layout, Problem> {
    walk_file(file, Reading::AroundPixelData, true).map_err(Refusal::into_words)
}

fn walk_file(file: &File, reading: Reading, whole: bool) -> Result<Layout, Refusal> {
    let mut layout = Layout::default();
    if (&*file).seek(SeekFrom::Start(0)).is_err() {
        return Ok(layout);
    }
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    layout.len = len;
    let mut w = Walker {
        reader: BufReader::new(file),
        pos: 0,
        len,
        big_endian: false,
        outer: 0,
        whole,
        budget: Budget::new(reading, false),
    };
    // Preamble and magic, or the magic alone (which the reader accepts in a file of any
    // length, so a file shorter than a preamble is walked too).
    let mut head = Vec::with_capacity(132);
    if (&mut w.reader).take(132).read_to_end(&mut head).is_err() {
        return Ok(layout);
    }
    let got = head.len();
    if got == 132 && &head[128..132] == b"DICM" {
        layout.magic_at = 128;
        w.pos = 132;
    } else if got >= 4 && &head[..4] == b"DICM" {
        if w.reader.seek(SeekFrom::Start(4)).is_err() {
            return Ok(layout);
        }
        w.pos = 4;
    } else {
        return walk_bare(file, layout, w);
    }
    let Some(meta) = meta_group(&mut w).map_err(Refusal::Structure)? else {
        w.cut(w.pos).map_err(Refusal::Structure)?;
        return Ok(layout);
    };
    layout.data_start = w.pos;
    // Trimmed as the reader's registry trims it: a UID padded with a tab or a new line is
    // still read in its transfer syntax, so the walk must frame the data set the same way.
    let declared = meta
        .syntax
        .as_deref()
        .map(|s| s.trim_end_matches(|c: char| c.is_whitespace() || c == '\0'));
    let deflated = matches!(declared, Some("1.2.840.10008.1.2.1.99" | "1.2.840.10008.1.2.8.1"));
    // The data set's first bytes say whether the meta group tells its encoding right.
    let (syntax, wrong_syntax) = if deflated {
        (declared.unwrap_or_default().to_string(), None)
    } else {
        let mut first = Vec::with_capacity(8);
        if (&mut w.reader).take(8).read_to_end(&mut first).is_err()
            || w.reader.seek_relative(-(first.len() as i64)).is_err()
        {
            return Ok(layout);
        }
        lenient::data_set_syntax(declared, &first, len.saturating_sub(w.pos))
    };
    if !meta.group_length {
        layout
            .fallback
            .note("the file meta group has no group length (0002,0000): it ends where group 0002 does");
    }
    if let Some(note) = wrong_syntax.clone() {
        layout.fallback.note(note);
    }
    if !meta.group_length || wrong_syntax.is_some() {
        layout.fallback.meta =
            Some(lenient::rebuilt_meta(file, &meta.elements, &syntax).map_err(Refusal::Structure)?);
    }
    walk_data_set(file, layout, w, &syntax, deflated)
}

/// The walk of a file with no "DICM" marker: a bare data set (see [`super::bare`]) is walked
/// with a file meta group made up for it; any other file is left unmapped (not DICOM).
fn walk_bare(file: &File, mut layout: Layout, mut w: Walker<BufReader<&File>>) -> Result<Layout, Refusal> {
    let mut head = Vec::new();
    if w.reader.seek(SeekFrom::Start(0)).is_err()
        || (&mut w.reader)
            .take(super::bare::HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .is_err()
        || w.reader.seek(SeekFrom::Start(0)).is_err()
    {
        return Ok(layout);
    }
    let Some(syntax) = super::bare::syntax_of(&head, w.len) else {
        return Ok(layout);
    };
    w.pos = 0;
    layout.bare = true;
    layout.data_start = 0;
    layout.fallback.meta = Some(super::bare::made_up_meta(&head, syntax));
    layout.fallback.note(format!(
        "no file meta information (no preamble, no DICM): the data set reads as {} (told from \
         its first element), and the output is written as a Part 10 file",
        super::bare::syntax_name(syntax)
    ));
    walk_data_set(file, layout, w, syntax, false)
}

/// Walks the data set from where `w` stands, in `syntax`.
fn walk_data_set(
    file: &File,
    mut layout: Layout,
    mut w: Walker<BufReader<&File>>,
    syntax: &str,
    deflated: bool,
) -> Result<Layout, Refusal> {
    let whole = w.whole;
    let len = w.len;
    let reading = w.budget.reading;
    let header_only = reading == Reading::HeaderOnly;
    let explicit = syntax != lenient::IMPLICIT_VR_LE;
    w.big_endian = syntax == lenient::EXPLICIT_VR_BE;
    let (walked, mut budget, end) = if deflated {
        // Deflated: walk the inflated stream, bounding lengths by what deflate can expand to.
        layout.deflated = true;
        let start = w.pos;
        let compressed = len.saturating_sub(w.pos);
        let mut inflated = Walker {
            reader: Forward(flate2::read::DeflateDecoder::new(w.reader)),
            pos: 0,
            len: compressed.saturating_mul(DEFLATE_RATIO),
            big_endian: false,
            outer: 0,
            whole,
            budget: Budget::new(reading, true),
        };
        let walked = dataset(
            &mut inflated,
            true,
            &mut layout.pixel,
            &mut layout.fallback,
            false,
        );
        // The inflater takes a deflated stream that stops short for one that ends: a whole
        // file's stream must reach its final block.
        if walked.is_ok() && whole && !deflate_stream_ends(file, start) {
            return Err(Refusal::Structure(format!(
                "the deflated data set from byte {start} stops before its end: it was cut short"
            )));
        }
        (walked, inflated.budget, inflated.pos)
    } else {
        let walked = dataset(&mut w, explicit, &mut layout.pixel, &mut layout.fallback, true);
        (walked, w.budget, w.pos)
    };
    // Inner sequences close first: sorted, the reader's feed finds them in order.
    layout.fallback.lengths.sort_unstable_by_key(|(at, _)| *at);
    layout.data_set_end = end;
    // A walk cut short by a cancel reads as a file that ends there: it is no answer.
    if crate::cancel::requested() {
        return Err(Refusal::Cancelled);
    }
    let walked = walked.and_then(|()| budget.settle(layout.pixel.as_ref()));
    if let Some(exceeded) = budget.exceeded.take() {
        return Err(Refusal::Limit(exceeded));
    }
    match walked {
        Ok(()) => layout.sound_after_pixel = true,
        Err(_) if header_only && layout.pixel.is_some() => layout.sound_after_pixel = false,
        Err(problem) => return Err(Refusal::Structure(problem)),
    }
    Ok(layout)
}

/// Walks `bytes`, an implicit VR little endian data set held in memory (an element of VR UN
/// decoded as its tag says), as a file's data set is walked, `depth` levels of sequences
/// around it.
pub fn check_implicit(bytes: &[u8], depth: usize) -> Result<(), Problem> {
    let mut w = Walker {
        reader: std::io::Cursor::new(bytes),
        pos: 0,
        len: bytes.len() as u64,
        big_endian: false,
        outer: 2 * depth,
        whole: false,
        // Decoded from a value already held: its elements are held anew, counted alone.
        budget: Budget::new(Reading::Whole, false),
    };
    dataset(&mut w, false, &mut None, &mut Fallback::default(), false)
}

/// Whether the deflate stream that starts at byte `start` of `file` reaches its final block.
fn deflate_stream_ends(file: &File, start: u64) -> bool {
    use flate2::{Decompress, FlushDecompress, Status};
    use std::io::BufRead;
    let mut reader = BufReader::new(file);
    if reader.seek(SeekFrom::Start(start)).is_err() {
        return false;
    }
    let mut inflater = Decompress::new(false);
    let mut out = vec![0u8; 64 * 1024];
    loop {
        let Ok(input) = reader.fill_buf() else {
            return false;
        };
        let ended_input = input.is_empty();
        let (read_before, written_before) = (inflater.total_in(), inflater.total_out());
        let Ok(status) = inflater.decompress(input, &mut out, FlushDecompress::None) else {
            return false;
        };
        let read = (inflater.total_in() - read_before) as usize;
        reader.consume(read);
        match status {
            Status::StreamEnd => return true,
            _ if ended_input || (read == 0 && inflater.total_out() == written_before) => return false,
            _ => {}
        }
    }
}

/// Walks the file meta group (always explicit VR little endian); returns the transfer syntax.
/// The meta group ends where its group length (0002,0000) says, as readers take it: a
/// group-0002 element after that belongs to the data set (where it is out of place, but read;
/// the planner drops it). A group length that ends inside an element, or that takes in
/// elements of another group, is refused: the reader would take data set elements for meta
/// elements and drop them, or read on from a place this walk did not check.
fn meta_group(w: &mut Walker<BufReader<&File>>) -> Result<Option<Meta>, Problem> {
    let mut meta = Meta::default();
    let mut end: Option<u64> = None;
    // A meta element given twice (a second group length above all) is read one way by the
    // reader and another by this walk: refused, as a repeated tag in the data set is.
    // One bit per element number: constant time and 8 KiB of stack, no allocation, whatever
    // the group holds.
    let mut seen = [0u64; 1024];
    loop {
        let at = w.pos;
        match end {
            Some(end) if at == end => return Ok(Some(meta)),
            Some(end) if at > end => {
                return Err(format!(
                    "the file meta group length (0002,0000) says the group ends at byte {end}, \
                     inside the element before byte {at}"
                ))
            }
            _ => {}
        }
        let Some(group_bytes) = w.bytes::<2>() else {
            // A file that is a meta group alone holds no data set: cut short.
            w.cut(at)?;
            return Ok(Some(meta));
        };
        let group = u16::from_le_bytes(group_bytes);
        if group != 0x0002 {
            if let Some(end) = end {
                let element = w.u16(false).unwrap_or(0);
                return Err(format!(
                    "element ({group:04X},{element:04X}) at byte {at} lies inside the file meta group, \
                     which its length (0002,0000) says ends at byte {end}"
                ));
            }
            // The data set starts here.
            let _ = w.reader.seek(SeekFrom::Current(-2));
            w.pos -= 2;
            return Ok(Some(meta));
        }
        let (Some(element), Some(vr)) = (w.u16(false), w.bytes::<2>()) else {
            return Ok(None);
        };
        let (word, bit) = (usize::from(element >> 6), 1u64 << (element & 63));
        if seen[word] & bit != 0 {
            return Err(format!(
                "element (0002,{element:04X}) at byte {at} is given twice in the file meta group"
            ));
        }
        seen[word] |= bit;
        let length = if long_vr(&vr) {
            let _ = w.skip(2);
            w.u32(false)
        } else {
            w.u16(false).map(u32::from)
        };
        let Some(length) = length else { return Ok(None) };
        w.fits((0x0002, element), at, length)?;
        if element == 0x0000 && length == 4 {
            let Some(group_length) = w.u32(false) else {
                return Ok(None);
            };
            end = Some(w.pos + u64::from(group_length));
            // The reader takes a group length only as the group's first element.
            meta.group_length = meta.elements.is_empty();
        } else if element == 0x0010 && length <= 64 {
            let mut value = vec![0u8; length as usize];
            if w.reader.read_exact(&mut value).is_err() {
                return Ok(None);
            }
            w.pos += u64::from(length);
            meta.syntax = Some(String::from_utf8_lossy(&value).into_owned());
        } else if w.skip(u64::from(length)).is_none() {
            return Ok(None);
        }
        meta.elements.push((element, at, w.pos));
    }
}

/// What the walk found of the file meta group.
#[derive(Default)]
struct Meta {
    /// Its Transfer Syntax UID as written, when it has one.
    syntax: Option<String>,
    /// Whether it starts with its group length (0002,0000).
    group_length: bool,
    /// Its elements, in file order.
    elements: Vec<MetaElement>,
}

/// What the walk is inside of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Within {
    /// A sequence: only items and its delimiter may follow.
    Sequence,
    /// An item of a sequence: data elements, or its delimiter.
    Item,
    /// Encapsulated pixel data: fragments (items) and the sequence delimiter.
    Fragments,
}

/// One open sequence, item or fragment list.
struct Frame {
    within: Within,
    /// Where it ends, when its length is defined.
    end: Option<u64>,
    /// Whether what it holds is encoded implicit VR little endian whatever the transfer
    /// syntax: the value of an element of VR UN and undefined length (PS3.5 6.2.2).
    implicit: bool,
    /// For the sequence a UN of undefined length opens: the offset of its length field and of
    /// its value, to give the reader the value's length in place of the undefined one.
    un_value: Option<(u64, u64)>,
    /// The tags met so far in an item (a repeated one is noted).
    seen: HashSet<(u16, u16)>,
    /// Items met so far in a fragment list (the first is the basic offset table).
    items: usize,
}

impl Frame {
    fn new(within: Within, end: Option<u64>, implicit: bool) -> Frame {
        Frame {
            within,
            end,
            implicit,
            un_value: None,
            seen: HashSet::new(),
            items: 0,
        }
    }
}

fn tag_text(tag: (u16, u16)) -> String {
    format!("({:04X},{:04X})", tag.0, tag.1)
}

/// The attributes of the top-level data set that say how long native pixel data is
/// (PS3.3 C.7.6.3): Samples per Pixel, Rows, Columns, Bits Allocated, Number of Frames.
#[derive(Default)]
struct ImageSize {
    samples: Option<u64>,
    rows: Option<u64>,
    columns: Option<u64>,
    bits: Option<u64>,
    frames: Option<u64>,
}

impl ImageSize {
    /// Whether a top-level tag is one of these attributes.
    fn wants(tag: (u16, u16)) -> bool {
        tag.0 == 0x0028 && matches!(tag.1, 0x0002 | 0x0008 | 0x0010 | 0x0011 | 0x0100)
    }

    /// Takes the first value of one of them, as written (US, or IS for Number of Frames).
    fn take(&mut self, tag: (u16, u16), value: &[u8], big_endian: bool) {
        let number = if tag.1 == 0x0008 {
            String::from_utf8_lossy(value)
                .split('\\')
                .next()
                .and_then(|v| v.trim_matches(|c: char| c == ' ' || c == '\0').parse().ok())
        } else {
            value.get(..2).map(|b| {
                u64::from(if big_endian {
                    u16::from_be_bytes([b[0], b[1]])
                } else {
                    u16::from_le_bytes([b[0], b[1]])
                })
            })
        };
        let slot = match tag.1 {
            0x0002 => &mut self.samples,
            0x0008 => &mut self.frames,
            0x0010 => &mut self.rows,
            0x0011 => &mut self.columns,
            _ => &mut self.bits,
        };
        *slot = number;
    }

    /// The length native pixel data of these attributes has, padded to even (PS3.5 8.1.1).
    fn pixel_bytes(&self) -> Option<u64> {
        let bits = self
            .rows?
            .checked_mul(self.columns?)?
            .checked_mul(self.samples.unwrap_or(1))?
            .checked_mul(self.frames.unwrap_or(1).max(1))?
            .checked_mul(self.bits?)?;
        let bytes = bits.div_ceil(8);
        Some(bytes + bytes % 2)
    }
}

/// Tags given more than once in one data set or item, for the note (a few named, all
/// counted).
#[derive(Default)]
struct Repeats {
    /// The tags met so far at the top level of the data set.
    top_seen: HashSet<(u16, u16)>,
    tags: BTreeSet<(u16, u16)>,
    /// The first value of each private creator met in the data set or item being walked, by
    /// (depth, tag); cleared as items close.
    creators: HashMap<(usize, (u16, u16)), Vec<u8>>,
    /// Where the value of each top-level element lies (offset, length), when it is not a
    /// sequence: the value of an occurrence the reader does not keep is found there.
    top_values: HashMap<(u16, u16), Option<(u64, u32)>>,
}

/// Top-level occurrences a reader does not keep that a file may have: far more than any real
/// file, few enough that joining their values to the ones kept stays cheap.
const MAX_DROPPED: usize = 1000;

/// Private creator values are compared when given twice; longer ones are not real creators.
const MAX_CREATOR_BYTES: u32 = 64;

/// Walks the data set linearly: sequences and items are entered rather than skipped, so the
/// elements inside them are checked too; encapsulated pixel data fragments are skipped. Every
/// item and delimiter must be where a reader expects it (an item inside a sequence, a
/// delimiter closing what is open, with a zero length), and every element inside its item:
/// where the structure is irregular, the reader and this walk would frame the bytes
/// differently, and the reader would then trust lengths this walk never saw. The first
/// top-level pixel data element met is recorded in `pixel`.
///
/// What other readers read and this walk reads too is recorded in `fallback`: a tag given
/// twice in one data set or item (the reader keeps the last), the value of a UN of undefined
/// length (implicit VR little endian items, whose length the reader is given; not where the
/// bytes cannot be given in place, `patchable` false: a deflated data set) and native pixel
/// data cut short by the end of the file, when its length is the one the image attributes
/// call for and it lacks no more bytes than the file holds (any other length past the end is
/// refused as before).
fn dataset<R: Source>(
    w: &mut Walker<R>,
    explicit: bool,
    pixel: &mut Option<PixelSpan>,
    fallback: &mut Fallback,
    patchable: bool,
) -> Result<(), Problem> {
    let mut repeats = Repeats::default();
    let walked = walk_elements(w, explicit, pixel, fallback, patchable, &mut repeats);
    if !repeats.tags.is_empty() {
        let named: Vec<String> = repeats.tags.iter().take(8).map(|t| tag_text(*t)).collect();
        let more = repeats.tags.len().saturating_sub(named.len());
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        fallback.note(format!(
            "elements given more than once in one data set or item: {}{more}; the last of each \
             is the one read and de-identified, and no other is written",
            named.join(", ")
        ));
    }
    if !fallback.conflicting_creators.is_empty() {
        let named: Vec<String> = fallback
            .conflicting_creators
            .iter()
            .map(|t| tag_text(*t))
            .collect();
        fallback.note(format!(
            "private creators given twice with different values: {}; the block each reserves \
             cannot be told, so they were not read (their elements count as of an unknown creator)",
            named.join(", ")
        ));
    }
    walked
}

/// The walk of [`dataset`], which notes what `repeats` gathers once it ends.
fn walk_elements<R: Source>(
    w: &mut Walker<R>,
    explicit: bool,
    pixel: &mut Option<PixelSpan>,
    fallback: &mut Fallback,
    patchable: bool,
    repeats: &mut Repeats,
) -> Result<(), Problem> {
    let mut stack: Vec<Frame> = Vec::new();
    let mut image = ImageSize::default();
    loop {
        let at = w.pos;
        // Close the defined-length sequences and items that end here.
        while let Some(end) = stack.last().and_then(|f| f.end) {
            if at < end {
                break;
            }
            if at > end {
                return Err(format!(
                    "the element before byte {at} runs past the end of its sequence or item at byte {end}"
                ));
            }
            stack.pop();
            repeats.creators.retain(|(depth, _), _| *depth <= stack.len());
        }
        // Inside the value of a UN of undefined length, implicit VR little endian.
        let implicit_here = stack.last().is_some_and(|f| f.implicit);
        let be = w.big_endian && !implicit_here;
        let explicit_here = explicit && !implicit_here;
        let Some(tag_bytes) = w.bytes_or_end::<4>()? else {
            if w.whole && !stack.is_empty() {
                return Err(format!(
                    "the file ends at byte {at} with {} sequence(s) or item(s) still open: it was cut short",
                    stack.len()
                ));
            }
            return Ok(());
        };
        let half = |i: usize| [tag_bytes[i], tag_bytes[i + 1]];
        let (group, element) = if be {
            (u16::from_be_bytes(half(0)), u16::from_be_bytes(half(2)))
        } else {
            (u16::from_le_bytes(half(0)), u16::from_le_bytes(half(2)))
        };
        let tag = (group, element);
        let within = stack.last().map(|f| f.within);
        let top_level_fragment = within == Some(Within::Fragments) && stack.len() == 1;
        if !matches!(tag, ITEM_END | SEQUENCE_END) && (!top_level_fragment || w.budget.counts_pixels()) {
            w.budget.hold(tag, at)?;
        }
        if group == 0xFFFE {
            let Some(length) = w.u32(be) else { return w.cut(at) };
            let open_undefined = stack.last().is_some_and(|f| f.end.is_none());
            match (tag, within) {
                (ITEM, Some(Within::Fragments)) => {
                    w.fits(tag, at, length)?;
                    if !top_level_fragment || w.budget.counts_pixels() {
                        w.budget.hold_value(tag, at, u64::from(length))?;
                    }
                    let top_level = stack.len() == 1;
                    if let Some(frame) = stack.last_mut() {
                        frame.items += 1;
                        if let Some(span) = pixel.as_mut().filter(|s| top_level && s.end.is_none()) {
                            // The writer pads an odd fragment to even length: its bytes are
                            // not what a writer writes, so they are not copied as they are.
                            if length % 2 == 1 {
                                span.regular = false;
                            }
                            if frame.items > 1 {
                                span.value_bytes += u64::from(length);
                                *span.fragments.get_or_insert(0) += 1;
                            }
                        }
                    }
                    if w.skip(u64::from(length)).is_none() {
                        return w.cut(at);
                    }
                }
                (ITEM, Some(Within::Sequence)) => {
                    let end = if length == UNDEFINED {
                        None
                    } else {
                        w.fits(tag, at, length)?;
                        Some(w.pos + u64::from(length))
                    };
                    stack.push(Frame::new(Within::Item, end, implicit_here));
                }
                (ITEM_END, Some(Within::Item)) if open_undefined && length == 0 => {
                    stack.pop();
                    repeats.creators.retain(|(depth, _), _| *depth <= stack.len());
                }
                (SEQUENCE_END, Some(Within::Sequence | Within::Fragments))
                    if open_undefined && length == 0 =>
                {
                    let closes_pixels = stack.len() == 1 && within == Some(Within::Fragments);
                    if let Some((length_at, value_at)) = stack.pop().and_then(|f| f.un_value) {
                        // The reader is given the value's length: it then reads the value as
                        // bytes, decoded later as the implicit VR sequence it is.
                        let length = u32::try_from(w.pos - value_at)
                            .ok()
                            .filter(|l| *l != UNDEFINED)
                            .ok_or_else(|| {
                                format!(
                                    "the UN element whose length is at byte {length_at} is longer than 4 GiB"
                                )
                            })?;
                        let bytes = if w.big_endian {
                            length.to_be_bytes()
                        } else {
                            length.to_le_bytes()
                        };
                        fallback.lengths.push((length_at, bytes));
                    }
                    if let Some(span) = pixel.as_mut().filter(|s| closes_pixels && s.end.is_none()) {
                        span.end = Some(w.pos);
                    }
                }
                _ => {
                    let what = match tag {
                        ITEM => "an item",
                        ITEM_END => "an item delimiter",
                        SEQUENCE_END => "a sequence delimiter",
                        _ => "an element of group FFFE",
                    };
                    let length = if length == 0 {
                        String::new()
                    } else {
                        format!(" with a length of {length}")
                    };
                    let place = match within {
                        None => "at the top level of the data set",
                        Some(Within::Sequence) => "in a sequence",
                        Some(Within::Item) => "in an item",
                        Some(Within::Fragments) => "in encapsulated pixel data",
                    };
                    return Err(format!(
                        "{what} {}{length} at byte {at} {place}: out of place",
                        tag_text(tag)
                    ));
                }
            }
            nesting_fits(stack.len() + w.outer, at)?;
            continue;
        }
        // A data element: in the data set itself or in an item.
        let depth = stack.len();
        let seen = match stack.last_mut() {
            None => &mut repeats.top_seen,
            Some(frame) if frame.within == Within::Item => &mut frame.seen,
            Some(_) => {
                return Err(format!(
                    "element {} at byte {at} is inside a sequence but in no item",
                    tag_text(tag)
                ))
            }
        };
        // Given twice: the reader keeps the last, which is the one de-identified; the others
        // are never written.
        let repeated = !seen.insert(tag);
        if repeated {
            repeats.tags.insert(tag);
            if depth == 0 && super::is_pixel_data(dicom_core::Tag(group, element)) {
                // The pixel data the reader keeps is not the one mapped: not copied.
                if let Some(span) = pixel.as_mut() {
                    span.regular = false;
                }
            }
        }
        let top_level_pixels =
            stack.is_empty() && pixel.is_none() && super::is_pixel_data(dicom_core::Tag(group, element));
        let mut written_vr = None;
        let mut reserved_zero = true;
        let (is_sequence, length) = if explicit_here {
            let Some(vr) = w.bytes::<2>() else {
                return w.cut(at);
            };
            written_vr = Some(vr);
            let length = if long_vr(&vr) {
                let Some(reserved) = w.bytes::<2>() else {
                    return w.cut(at);
                };
                reserved_zero = reserved == [0, 0];
                w.u32(be)
            } else {
                w.u16(be).map(u32::from)
            };
            let Some(length) = length else { return w.cut(at) };
            check_multiple(tag, at, &vr, length)?;
            (&vr == b"SQ" || (length == UNDEFINED && &vr == b"UN"), length)
        } else {
            let Some(length) = w.u32(be) else { return w.cut(at) };
            let vr = crate::dataset::dictionary_vr(dicom_core::Tag(group, element));
            if let Some(vr) = vr {
                let name = vr.to_string().as_bytes();
                check_multiple(tag, at, &[name[0], name[1]], length)?;
            }
            let sq = vr == Some(dicom_core::VR::SQ);
            (sq || length == UNDEFINED, length)
        };
        if depth == 0 && patchable {
            let value = (!is_sequence && length != UNDEFINED).then_some((w.pos, length));
            if let Some(Some((value_at, value_length))) = repeats.top_values.insert(tag, value) {
                if fallback.dropped.len() >= MAX_DROPPED {
                    return Err(format!(
                        "element {} at byte {at}: more than {MAX_DROPPED} elements at the top level \
                         of the data set repeat a tag met before",
                        tag_text(tag)
                    ));
                }
                fallback.dropped.push((tag, value_at, value_length));
            }
        }
        // A defined-length sequence under a pixel tag holds no pixels.
        if top_level_pixels && !(is_sequence && length != UNDEFINED) {
            let encapsulated = length == UNDEFINED;
            // The in-memory writer writes such an element anew exactly as it was only when
            // its header is regular: a copy of its bytes must give the same file.
            let regular = reserved_zero
                && match written_vr.as_ref() {
                    Some(vr) if encapsulated => vr == b"OB",
                    Some(vr) => matches!(vr, b"OB" | b"OW" | b"OF" | b"OD") && length % 2 == 0,
                    None => !encapsulated && length % 2 == 0,
                };
            *pixel = Some(PixelSpan {
                tag,
                vr: written_vr,
                start: at,
                end: None,
                value_bytes: if encapsulated { 0 } else { u64::from(length) },
                fragments: encapsulated.then_some(0),
                regular,
                missing: 0,
            });
        }
        if length == UNDEFINED {
            // Encapsulated pixel data written with VR UN is still fragments, as readers take it.
            let un = written_vr == Some(*b"UN") && tag != PIXEL_DATA;
            let within = if tag == PIXEL_DATA && (!is_sequence || written_vr == Some(*b"UN")) {
                Within::Fragments
            } else {
                Within::Sequence
            };
            let mut frame = Frame::new(within, None, implicit_here);
            if un {
                // PS3.5 6.2.2: "the value shall remain in implicit VR form".
                if !patchable {
                    return Err(format!(
                        "element {} at byte {at} has VR UN and an undefined length, which dpk does \
                         not read in a deflated data set",
                        tag_text(tag)
                    ));
                }
                frame.implicit = true;
                frame.un_value = Some((w.pos - 4, w.pos));
            }
            stack.push(frame);
            nesting_fits(stack.len() + w.outer, at)?;
            continue;
        }
        if top_level_pixels && !is_sequence && u64::from(length) > w.len.saturating_sub(w.pos) {
            let left = w.len.saturating_sub(w.pos);
            let missing = u64::from(length) - left;
            // The zeros are bounded by the file's own size: a small file never makes dpk
            // reserve or write gigabytes, whatever attributes it claims.
            if patchable && !w.whole && image.pixel_bytes() == Some(u64::from(length)) && missing <= w.len {
                // Cut short at the end of the file, with the length the image calls for:
                // read, and written, with the missing bytes as zeros, so the output's pixel
                // data agrees with its image attributes.
                if let Some(span) = pixel.as_mut() {
                    span.missing = missing;
                    span.end = Some(w.len);
                }
                fallback.note(format!(
                    "the pixel data {} at byte {at} declares {length} bytes, as its rows, columns, \
                     samples, bits and frames call for, but the file ends after {left}: the \
                     missing {missing} bytes are read, and written, as zeros",
                    tag_text(tag)
                ));
                return Ok(());
            }
        }
        w.fits(tag, at, length)?;
        if !is_sequence && (!top_level_pixels || w.budget.counts_pixels()) {
            w.budget.hold_value(tag, at, u64::from(length))?;
        }
        if is_sequence {
            // A defined-length sequence is entered: its items follow.
            stack.push(Frame::new(
                Within::Sequence,
                Some(w.pos + u64::from(length)),
                implicit_here,
            ));
            nesting_fits(stack.len() + w.outer, at)?;
            continue;
        }
        let creator = group % 2 == 1 && (0x0010..=0x00FF).contains(&element) && length <= MAX_CREATOR_BYTES;
        if (depth == 0 && ImageSize::wants(tag) && length <= 16) || creator {
            let mut value = vec![0u8; length as usize];
            if w.reader.read_exact(&mut value).is_err() {
                return w.cut(at);
            }
            w.pos += u64::from(length);
            if creator {
                let trimmed = value
                    .iter()
                    .copied()
                    .filter(|b| !matches!(b, b' ' | 0))
                    .collect::<Vec<u8>>();
                match repeats.creators.get(&(depth, tag)) {
                    Some(first) if *first != trimmed => {
                        fallback.conflicting_creators.insert(tag);
                    }
                    Some(_) => {}
                    None => {
                        repeats.creators.insert((depth, tag), trimmed);
                    }
                }
            } else {
                image.take(tag, &value, be);
            }
        } else if w.skip(u64::from(length)).is_none() {
            return w.cut(at);
        }
        if top_level_pixels {
            if let Some(span) = pixel.as_mut() {
                span.end = Some(w.pos);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn check_path(path: &Path, header_only: bool) -> Result<Layout, Problem> {
        check(&File::open(path).unwrap(), header_only)
    }

    fn fixture(name: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
    }

    #[test]
    fn every_valid_fixture_passes() {
        for name in [
            "ct_explicit_le.dcm",
            "mr_implicit_le.dcm",
            "ct_explicit_be.dcm",
            "ct_deflated.dcm",
            "us_multiframe.dcm",
            "sc_jpeg_baseline.dcm",
            "pn_utf8.dcm",
            "demo.dcm",
            "study/series1/img1.dcm",
        ] {
            assert!(check_path(&fixture(name), false).is_ok(), "{name}");
        }
    }

    #[test]
    fn a_whole_file_passes_the_whole_check_and_one_cut_short_does_not() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "ct_explicit_le.dcm",
            "mr_implicit_le.dcm",
            "ct_explicit_be.dcm",
            "ct_deflated.dcm",
            "sc_jpeg_baseline.dcm",
            "us_multiframe.dcm",
        ] {
            let bytes = std::fs::read(fixture(name)).unwrap();
            assert!(check_whole(&File::open(fixture(name)).unwrap()).is_ok(), "{name}");
            // One byte short; and, for encapsulated pixel data, without its closing delimiter
            // (the file then ends right after a fragment, which a lenient walk accepts).
            for cut in [1, 8] {
                let path = dir.path().join(format!("{cut}-{name}"));
                std::fs::write(&path, &bytes[..bytes.len() - cut]).unwrap();
                let problem = check_whole(&File::open(&path).unwrap());
                assert!(problem.is_err(), "{name} cut by {cut} bytes passes");
            }
        }
    }

    #[test]
    fn a_lying_length_is_refused_with_its_tag_and_offset() {
        let mut bytes = std::fs::read(fixture("ct_explicit_le.dcm")).unwrap();
        // Patient's Name (0010,0010) PN: 2-byte length after the VR.
        let at = bytes
            .windows(6)
            .position(|w| w == [0x10, 0x00, 0x10, 0x00, b'P', b'N'])
            .unwrap();
        bytes[at + 6..at + 8].copy_from_slice(&0xFFF0u16.to_le_bytes());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("liar.dcm");
        std::fs::write(&path, &bytes).unwrap();
        let problem = check_path(&path, false).unwrap_err();
        assert!(
            problem.starts_with(&format!("element (0010,0010) at byte {at} claims 65520 bytes")),
            "{problem}"
        );
    }

    #[test]
    fn a_group_0002_element_in_the_data_set_is_not_taken_for_meta() {
        // Right after the meta group, as a writer sorting by tag puts it: (0002,2160) in an
        // implicit VR data set (tag, 4-byte length), which explicit-VR meta rules misread.
        let head = std::fs::read(fixture("mr_implicit_le.dcm")).unwrap();
        let meta_end = 132 + 12 + u32::from_le_bytes(head[140..144].try_into().unwrap()) as usize;
        let mut bytes = head[..meta_end].to_vec();
        bytes.extend_from_slice(&[0x02, 0x00, 0x60, 0x21, 8, 0, 0, 0]);
        bytes.extend_from_slice(b"Unknown ");
        bytes.extend_from_slice(&head[meta_end..]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stray.dcm");
        std::fs::write(&path, &bytes).unwrap();
        assert!(check_path(&path, false).is_ok());
    }

    #[test]
    fn many_defined_length_items_are_not_taken_for_nesting() {
        // A defined-length sequence of 300 defined-length items, each holding one element:
        // each item ends where its length says, so the depth stays at two.
        let head = std::fs::read(fixture("ct_explicit_le.dcm")).unwrap();
        let meta_end = 132 + 12 + u32::from_le_bytes(head[140..144].try_into().unwrap()) as usize;
        let mut items = Vec::new();
        for _ in 0..300 {
            items.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 12, 0, 0, 0]);
            items.extend_from_slice(&[0x08, 0x00, 0x50, 0x11, b'U', b'I', 4, 0, b'1', b'.', b'2', 0]);
        }
        let mut bytes = head[..meta_end].to_vec();
        bytes.extend_from_slice(&[0x08, 0x00, 0x40, 0x11, b'S', b'Q', 0, 0]);
        bytes.extend_from_slice(&(items.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&items);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("items.dcm");
        std::fs::write(&path, &bytes).unwrap();
        assert!(check_path(&path, false).is_ok(), "{:?}", check_path(&path, false));
        // An item whose element runs past the item's end is refused.
        let at = meta_end + 12 + 4;
        bytes[at] = 11;
        std::fs::write(&path, &bytes).unwrap();
        assert!(check_path(&path, false)
            .unwrap_err()
            .contains("runs past the end of its sequence or item"));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        // A valid meta group, then 10,000 nested undefined-length sequences and items.
        let head = std::fs::read(fixture("ct_explicit_le.dcm")).unwrap();
        let meta_end = 132 + 12 + u32::from_le_bytes(head[140..144].try_into().unwrap()) as usize;
        let mut bytes = head[..meta_end].to_vec();
        for _ in 0..10_000 {
            bytes.extend_from_slice(&[0x08, 0x00, 0x15, 0x11, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]);
            bytes.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep.dcm");
        std::fs::write(&path, &bytes).unwrap();
        assert!(check_path(&path, false)
            .unwrap_err()
            .contains("nested deeper than"));
    }
}
