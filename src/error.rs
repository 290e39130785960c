//! The library's typed errors. Each names the file, and the tag path where one is known, so a
//! batch report can say exactly which input failed and why.

use std::path::PathBuf;

use crate::dataset::TagPath;

/// Everything that can go wrong in dpk's library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input could not be read as DICOM.
    #[error("{}: {reason}", path.display())]
    Open {
        /// The file that failed.
        path: PathBuf,
        /// What the reader reported, in words.
        reason: String,
    },
    /// The input goes over a limit on what a read may hold in memory (see [`crate::limits`]):
    /// refused before it is parsed.
    #[error("{}: {exceeded}", path.display())]
    Limit {
        /// The file refused.
        path: PathBuf,
        /// Which limit, and the element where the file goes over it.
        exceeded: crate::limits::Exceeded,
    },
    /// The work was cancelled (see [`crate::Cancel`]) before the file was done; nothing was
    /// written for it.
    #[error("{}: cancelled", path.display())]
    Cancelled {
        /// The file whose work stopped.
        path: PathBuf,
    },
    /// Reading or writing a file failed at the operating-system level.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The de-identified object could not be encoded.
    #[error("{}: cannot write DICOM: {reason}", path.display())]
    Write {
        /// The output that was not written.
        path: PathBuf,
        /// What the encoder reported.
        reason: String,
    },
    /// An input's de-identified copy could not be encoded, most often because a value it
    /// keeps holds characters its VR or character set cannot (a damaged input): named by
    /// the input, as that is what the user must look at.
    #[error("{}: its de-identified copy cannot be written to {}: {reason}", input.display(), output.display())]
    Encode {
        /// The input that was read.
        input: PathBuf,
        /// The output that was not written.
        output: PathBuf,
        /// What the encoder reported.
        reason: String,
    },
    /// A profile (RON) is malformed or invalid.
    #[error(transparent)]
    Profile(#[from] crate::profile::ProfileError),
    /// The profile hashes, remaps UIDs or shifts dates, and no salt was given.
    #[error("profile '{profile}' hashes, remaps UIDs or shifts dates, which needs a secret salt")]
    MissingSalt {
        /// The profile that needs it.
        profile: String,
    },
    /// The salt file named cannot be read, or is not a salt file.
    #[error("salt file {}: {reason}", crate::terminal_text::path(path))]
    SaltFile {
        /// The file given.
        path: PathBuf,
        /// Why it gives no salt.
        reason: String,
    },
    /// The salt is too short to key HMAC-SHA256 safely.
    #[error("the salt is {len} bytes; at least {min} are needed")]
    WeakSalt {
        /// Its length.
        len: usize,
        /// The minimum accepted.
        min: usize,
    },
    /// An element's value could not be processed by the chosen action.
    #[error("{path}: {reason}")]
    Value {
        /// Where in the dataset.
        path: TagPath,
        /// What was wrong.
        reason: String,
    },
    /// A value the plan keeps holds bytes its character set does not decode, and they could
    /// not be read again as they are: written, it would be changed.
    #[error(
        "{path}: its value does not decode in {charset}: the file cannot be written without changing it"
    )]
    UndecodableText {
        /// Where in the dataset.
        path: TagPath,
        /// The Specific Character Set declared.
        charset: String,
    },
    /// A required attribute is missing (e.g. SOP Class UID).
    #[error("missing required attribute {0}")]
    Missing(&'static str),
    /// A pixel rule matched the file and its pixels cannot be cleaned: it is not written.
    #[error("{}: {reason}", path.display())]
    PixelClean {
        /// The input.
        path: PathBuf,
        /// Why, e.g. "cannot clean pixels of transfer syntax …".
        reason: String,
    },
    /// A frame of pixel data cannot be read or decoded: named by file, frame and offset.
    #[error(transparent)]
    Frame(#[from] crate::dataset::FrameError),
    /// A pixel rules file (`--pixel-rules`) is malformed.
    #[error(transparent)]
    PixelRules(#[from] crate::pixels::PixelRuleError),
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
