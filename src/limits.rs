//! Limits that a file cannot push dpk past, whatever its bytes claim.
//!
//! Reading, planning, scoring, comparing and writing all walk nested sequences by recursion,
//! so a file nested thousands deep could exhaust a thread's stack. The open-time structure
//! walk (`dataset::prescan`, which keeps a stack on the heap, not the call stack) refuses a file
//! nested deeper than [`max_depth`] before anything recursive reads it, and every later walk
//! refuses the same depth.
//!
//! The limit is one setting for the whole process, like a resource limit: every open, plan and
//! score in it must agree on it. Programs raise it with `--max-depth` for the rare archive that
//! needs it, and run their work on threads of [`stack_size`], which grows with it.
//!
//! Memory is bounded the same way. The reader holds every element of a data set in memory,
//! and a deflated file of a few megabytes can inflate to millions of elements or to one value
//! of gigabytes. The structure walk counts the elements (items and fragments included, at
//! every level) that a read will hold, and the bytes of each value it will hold, and refuses a
//! file over [`max_elements`] or [`max_value_bytes`] before anything is parsed. Pixel data
//! left in the file and copied to an output as it is (see `dataset::Header`) is not held, so
//! not counted.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use dicom_core::Tag;

/// How deep sequences may nest by default: far beyond any real object (structured reports,
/// the deepest in practice, go about a dozen levels), far below what a thread's stack holds.
pub const DEFAULT_MAX_DEPTH: usize = 64;

/// The highest [`set_max_depth`] accepts. Past it, the threads' stacks would have to be
/// hundreds of megabytes for a file no modality produces.
pub const MAX_DEPTH_CEILING: usize = 2_000;

/// Stack bytes a thread gets per level of nesting it must walk: what one level costs reading,
/// planning, applying, scoring and writing in an unoptimised build, with room to spare.
const STACK_PER_LEVEL: usize = 64 * 1024;

/// Stack bytes for everything that is not the nested walk.
const STACK_BASE: usize = 8 * 1024 * 1024;

static MAX_DEPTH: AtomicUsize = AtomicUsize::new(DEFAULT_MAX_DEPTH);

/// How deep sequences may nest in a file dpk reads: one level is a sequence and its item.
pub fn max_depth() -> usize {
    MAX_DEPTH.load(Ordering::Relaxed)
}

/// Sets the nesting limit for the process. Call it before any file is opened, and run the
/// work on threads of at least [`stack_size`] bytes.
pub fn set_max_depth(depth: usize) -> Result<(), LimitError> {
    if depth == 0 || depth > MAX_DEPTH_CEILING {
        return Err(LimitError::Depth { depth });
    }
    MAX_DEPTH.store(depth, Ordering::Relaxed);
    Ok(())
}

/// The stack a thread needs to walk a file nested [`max_depth`] deep.
pub fn stack_size() -> usize {
    STACK_BASE + max_depth() * STACK_PER_LEVEL
}

/// A limit outside what dpk can honour.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// The nesting limit asked for is zero or above [`MAX_DEPTH_CEILING`].
    #[error("a nesting limit of {depth} levels is not possible: give 1 to {MAX_DEPTH_CEILING}")]
    Depth { depth: usize },
    /// A limit of zero, which no file could meet.
    #[error("a limit of 0 {what} is not possible: give 1 or more")]
    Zero { what: &'static str },
}

/// How many elements a read may hold by default, items and fragments counted, at every
/// level: a hundred times a large real header (an enhanced multi-frame object holds some
/// thousands), and about half a gigabyte of memory at the reader's cost per element.
pub const DEFAULT_MAX_ELEMENTS: u64 = 1_000_000;

/// How many bytes one value held in memory may have by default: beyond any header value of
/// a real object; pixel data copied as it is from the file is not held and not limited.
pub const DEFAULT_MAX_VALUE_BYTES: u64 = 256 * 1024 * 1024;

static MAX_ELEMENTS: AtomicU64 = AtomicU64::new(DEFAULT_MAX_ELEMENTS);
static MAX_VALUE_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_VALUE_BYTES);

/// How many elements (items and fragments counted, at every level) a read of one file may
/// hold in memory.
pub fn max_elements() -> u64 {
    MAX_ELEMENTS.load(Ordering::Relaxed)
}

/// Sets the element limit for the process; call it before any file is opened.
pub fn set_max_elements(elements: u64) -> Result<(), LimitError> {
    if elements == 0 {
        return Err(LimitError::Zero { what: "elements" });
    }
    MAX_ELEMENTS.store(elements, Ordering::Relaxed);
    Ok(())
}

/// How many bytes one value held in memory may have.
pub fn max_value_bytes() -> u64 {
    MAX_VALUE_BYTES.load(Ordering::Relaxed)
}

/// Sets the value size limit for the process; call it before any file is opened. A value
/// length is 32 bits, so anything from 4 GiB on lets every value through.
pub fn set_max_value_bytes(bytes: u64) -> Result<(), LimitError> {
    if bytes == 0 {
        return Err(LimitError::Zero { what: "value bytes" });
    }
    MAX_VALUE_BYTES.store(bytes, Ordering::Relaxed);
    Ok(())
}

/// How a refusal for nesting deeper than [`max_depth`] begins, whichever walk finds it: a
/// program recognises it to say how to raise the limit.
pub const TOO_DEEP: &str = "sequences nested deeper than";

/// One of the limits a file can go over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// More elements held than [`max_elements`].
    Elements,
    /// A value held larger than [`max_value_bytes`].
    ValueBytes,
}

/// Where and how a file goes over a limit: the element at which the walk stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exceeded {
    /// Which limit.
    pub limit: Limit,
    /// The limit in force.
    pub max: u64,
    /// What the file has there: the element's value length, or the count reached.
    pub found: u64,
    /// The element (or item) at which the walk stopped.
    pub tag: Tag,
    /// The byte offset of its tag: in the file, or in the inflated data set of a deflated one.
    pub offset: u64,
    /// Whether `offset` counts bytes of the inflated data set.
    pub inflated: bool,
}

impl fmt::Display for Exceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Tag(group, element) = self.tag;
        let place = if self.inflated {
            "of the inflated data set"
        } else {
            "of the file"
        };
        let at = format!("({group:04X},{element:04X}) at byte {} {place}", self.offset);
        match self.limit {
            Limit::Elements => write!(
                f,
                "more than {} elements (items and fragments counted) to hold in memory, at {at}",
                self.max
            ),
            Limit::ValueBytes => write!(
                f,
                "element {at} has a value of {} bytes, over the limit of {} bytes for one value \
                 held in memory",
                self.found, self.max
            ),
        }
    }
}

/// Runs `work` on a thread with a stack of [`stack_size`] bytes: the main thread's stack is
/// fixed by the system, not by the limit.
pub fn on_deep_stack<T: Send>(work: impl FnOnce() -> T + Send) -> std::io::Result<T> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("dpk-main".into())
            .stack_size(stack_size())
            .spawn_scoped(scope, work)?;
        match handle.join() {
            Ok(value) => Ok(value),
            // The panic was already reported by the hook; carry it on as it was.
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_refuses_zero_and_the_impossible() {
        assert!(set_max_depth(0).is_err());
        assert!(set_max_depth(MAX_DEPTH_CEILING + 1).is_err());
        assert_eq!(max_depth(), DEFAULT_MAX_DEPTH);
        assert!(stack_size() >= STACK_BASE + DEFAULT_MAX_DEPTH * STACK_PER_LEVEL);
        assert!(set_max_elements(0).is_err());
        assert!(set_max_value_bytes(0).is_err());
        assert_eq!(max_elements(), DEFAULT_MAX_ELEMENTS);
        assert_eq!(max_value_bytes(), DEFAULT_MAX_VALUE_BYTES);
    }
}
