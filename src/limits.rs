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

use std::sync::atomic::{AtomicUsize, Ordering};

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
    }
}
