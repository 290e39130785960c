//! The `dpk` program: the engine, headless, for batches and CI.

mod anonymize;
mod diff_cmd;
mod inputs;
mod profile_cmd;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::engine::{salt_from_file, Context, Salt};
use crate::profile::ProfileError;
use crate::Error;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error: a file failed, a profile is invalid, an output could not be written
  2  usage: bad arguments, unknown profile or option, missing salt, output inside the input";

/// dpk: DICOM de-identification by the PS3.15 Annex E profiles.
#[derive(Parser, Debug)]
#[command(name = "dpk", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// De-identify DICOM files or folders (recursively) into a new file or folder.
    #[command(after_help = anonymize::AFTER_HELP)]
    Anonymize(anonymize::AnonymizeArgs),
    /// Compare two DICOM files element by element.
    #[command(after_help = diff_cmd::AFTER_HELP)]
    Diff(diff_cmd::DiffArgs),
    /// List, show and validate de-identification profiles.
    #[command(subcommand, after_help = EXIT_CODES)]
    Profile(profile_cmd::ProfileCommand),
}

/// Where the salt comes from: never a plain flag, which would show in the process list.
#[derive(Args, Debug, Clone)]
pub struct SaltArgs {
    /// File holding the secret salt (at least 16 bytes; surrounding white space is ignored).
    /// Without it, the DPK_SALT environment variable is used.
    #[arg(long, value_name = "PATH")]
    salt_file: Option<PathBuf>,
}

impl SaltArgs {
    /// The context for the engine: the salt from the file, else from DPK_SALT, else none.
    fn context(&self) -> Result<Context, Error> {
        if let Some(path) = &self.salt_file {
            warn_if_readable_by_others(path);
            return Ok(Context::new(salt_from_file(path)?));
        }
        match std::env::var_os("DPK_SALT") {
            Some(v) if !v.is_empty() => Ok(Context::new(Salt::new(v.into_encoded_bytes())?)),
            _ => Ok(Context::without_salt()),
        }
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o044 != 0 {
            eprintln!(
                "dpk: warning: salt file {} is readable by other users; `chmod 600` it",
                path.display()
            );
        }
    }
}

#[cfg(not(unix))]
fn warn_if_readable_by_others(_: &std::path::Path) {}

/// How a command ended.
pub(crate) enum Outcome {
    Ok,
    Failed,
    Usage,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Ok => ExitCode::SUCCESS,
            Outcome::Failed => ExitCode::from(1),
            Outcome::Usage => ExitCode::from(2),
        }
    }
}

/// Runs `dpk` with the process's arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Anonymize(args) => anonymize::run(&args),
        Command::Diff(args) => diff_cmd::run(&args),
        Command::Profile(cmd) => profile_cmd::run(&cmd),
    };
    outcome.into()
}

/// Prints an error the way every dpk command does, and says which exit it means.
pub(crate) fn report_error(err: &Error) -> Outcome {
    eprintln!("dpk: error: {err}");
    match err {
        Error::MissingSalt { .. }
        | Error::WeakSalt { .. }
        | Error::Profile(
            ProfileError::Unknown(_) | ProfileError::UnknownOption(_) | ProfileError::ConflictingOptions(..),
        ) => Outcome::Usage,
        _ => Outcome::Failed,
    }
}
