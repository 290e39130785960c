//! Comparing pixel data that was left in the files (see [`crate::dataset::Header`]): by size,
//! then byte for byte from the files, never in memory whole.

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
/// may differ in VR encoding), read from the files (inflated, from a deflated data set).
fn same_value(a: &PixelData, a_path: &Path, b: &PixelData, b_path: &Path) -> Result<bool> {
    let (Some(mut ra), Some(mut rb)) = (a.value_reader(a_path)?, b.value_reader(b_path)?) else {
        return Ok(false);
    };
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
