//! Stopping long work on request: a token that a program sets (from its Ctrl-C handler, a
//! button, a deadline) and that dpk's long loops look at.
//!
//! A deflated file of two megabytes can inflate to gigabytes that must be walked, inflated
//! and copied: seconds to minutes of work within one file. The loops that move such bulk
//! (the structure walk, the pixel data copy) look at the token every megabyte or so and stop
//! with [`crate::Error::Cancelled`]; an output being written is then removed, never left
//! half-written. The library never installs a signal handler: the program decides what
//! cancels.
//!
//! The token reaches the loops by [`Cancel::watch`], for the work run inside it on the
//! calling thread, so that every function in between need not carry it.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A cancellation token: clones share one flag; once set it stays set.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

thread_local! {
    /// The tokens the work on this thread runs under (innermost last).
    static WATCHED: RefCell<Vec<Cancel>> = const { RefCell::new(Vec::new()) };
}

impl Cancel {
    /// A token not yet set.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks the work watching this token to stop. Safe to call from a signal handler's
    /// thread: it only sets a flag.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Runs `work` on this thread with this token watched by dpk's long loops: once the
    /// token is set, the file in progress stops with [`crate::Error::Cancelled`] and
    /// leaves no output.
    pub fn watch<T>(&self, work: impl FnOnce() -> T) -> T {
        /// Takes the token off the stack however `work` ends, a panic included.
        struct Unwatch;
        impl Drop for Unwatch {
            fn drop(&mut self) {
                WATCHED.with(|w| w.borrow_mut().pop());
            }
        }
        WATCHED.with(|w| w.borrow_mut().push(self.clone()));
        let _unwatch = Unwatch;
        work()
    }
}

/// Whether the work on this thread was asked to stop.
pub(crate) fn requested() -> bool {
    WATCHED.with(|w| w.borrow().iter().any(Cancel::is_cancelled))
}

/// An I/O error saying the work was cancelled, for loops that speak `std::io`. Not of kind
/// `Interrupted`, which readers retry.
pub(crate) fn check() -> std::io::Result<()> {
    if requested() {
        return Err(std::io::Error::other("cancelled"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_watched_only_inside_its_work() {
        let token = Cancel::new();
        token.cancel();
        assert!(!requested());
        assert!(token.watch(requested));
        assert!(!requested());
        let unset = Cancel::new();
        assert!(!unset.watch(requested));
    }
}
