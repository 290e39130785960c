//! Comparing pixel data that was left in the files (see [`crate::dataset::Header`]): by size,
//! then byte for byte from the files, never in memory whole.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

use super::{diff_files, Change, ChangeKind};
use crate::dataset::{read_up_to, Header, PixelData, Snapshot, TagPath};
use crate::error::{Error, Result};

/// The changes from the file at `a_path` to the file at `b_path`, both read around their
/// pixel data: [`diff_files`] of what is in memory, with the pixel data compared from the
/// files.
pub fn diff_headers(a: &Header, a_path: &Path, b: &Header, b_path: &Path) -> Result<Vec<Change>> {
    let mut out = diff_files(&a.file, &b.file);
    let (tag, vr) = match (&a.pixel_data, &b.pixel_data) {
        (Some(p), _) | (None, Some(p)) => (p.tag, p.vr),
        (None, None) => return Ok(out),
    };
    let path = TagPath::root(tag);
    // One side may hold small pixel data in memory: that entry is replaced by this one.
    out.retain(|c| c.path != path);
    let snapshot = |header: &Header| match &header.pixel_data {
        Some(p) => Some(p.snapshot.clone()),
        None => header.file.element(tag).ok().map(|el| Snapshot::of(el.value())),
    };
    let (before, after) = (snapshot(a), snapshot(b));
    let same_bytes = || match (&a.pixel_data, &b.pixel_data) {
        (Some(x), Some(y)) => same_value(x, a_path, y, b_path),
        _ => Ok(false),
    };
    let kind = match (&before, &after) {
        (Some(_), None) => ChangeKind::Removed,
        (None, Some(_)) => ChangeKind::Added,
        (Some(x), Some(y)) if x == y && same_bytes()? => ChangeKind::Unchanged,
        _ => ChangeKind::Replaced,
    };
    insert_in_file_order(&mut out, Change::new(path, vr, kind, before, after));
    Ok(out)
}

/// Inserts a top-level entry before the first top-level entry with a greater tag.
pub(crate) fn insert_in_file_order(entries: &mut Vec<Change>, change: Change) {
    let at = entries
        .iter()
        .position(|e| e.path.depth() == 0 && e.path.tag > change.path.tag)
        .unwrap_or(entries.len());
    entries.insert(at, change);
}

/// Whether two pixel data elements hold the same bytes, element headers aside (the files
/// may differ in VR encoding).
fn same_value(a: &PixelData, a_path: &Path, b: &PixelData, b_path: &Path) -> Result<bool> {
    let (Some(x), Some(y)) = (value_range(a), value_range(b)) else {
        return Ok(false);
    };
    if x.end - x.start != y.end - y.start {
        return Ok(false);
    }
    let open = |path: &Path, range: &Range<u64>| -> Result<BufReader<std::io::Take<File>>> {
        let io = |source| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut f = File::open(path).map_err(io)?;
        f.seek(SeekFrom::Start(range.start)).map_err(io)?;
        Ok(BufReader::with_capacity(1 << 16, f.take(range.end - range.start)))
    };
    let (mut ra, mut rb) = (open(a_path, &x)?, open(b_path, &y)?);
    let (mut ba, mut bb) = (vec![0u8; 1 << 16], vec![0u8; 1 << 16]);
    loop {
        let n = read_up_to(&mut ra, &mut ba).map_err(|source| Error::Io {
            path: a_path.to_path_buf(),
            source,
        })?;
        let m = read_up_to(&mut rb, &mut bb).map_err(|source| Error::Io {
            path: b_path.to_path_buf(),
            source,
        })?;
        if n != m || ba[..n] != bb[..m] {
            return Ok(false);
        }
        if n == 0 {
            return Ok(true);
        }
    }
}

/// The bytes of the value: after the element header (12 bytes for encapsulated pixel data,
/// which is always explicit VR; for native pixel data, the value length counted back from
/// the end).
fn value_range(p: &PixelData) -> Option<Range<u64>> {
    let span = p.span.clone()?;
    let start = match p.snapshot {
        Snapshot::Fragments { .. } => span.start + 12,
        Snapshot::Bulk { bytes } => span.end.checked_sub(bytes)?,
        _ => return None,
    };
    Some(start.min(span.end)..span.end)
}
