//! The `dpk` program: the engine, headless, for batches and CI.

/// `println!` for the program's output: a closed standard output (`dpk … | head`) ends the
/// program quietly instead of panicking. The text reaches the terminal with control
/// characters escaped but for its own line breaks (see [`crate::terminal_text`]); values and
/// file names put into it must be escaped whole (`terminal_text::escape`, `::path`), so that
/// a new line inside one cannot forge a line of output either.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*), false)
    };
}

/// [`outln!`] for output that must stay exact: JSON (which encodes control characters
/// itself), and lines whose only escape sequences are dpk's own colours.
macro_rules! outln_exact {
    ($($arg:tt)*) => {
        $crate::cli::write_stdout(format_args!($($arg)*), true)
    };
}

/// `eprintln!` with control characters escaped but for the text's own line breaks, as
/// [`outln!`].
macro_rules! errln {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::terminal_text::escape_keeping_lines(&format!($($arg)*)))
    };
}

mod anonymize;
mod diff_cmd;
mod profile_cmd;
mod progress;
mod score_cmd;
mod verify_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::engine::{Context, Salt};
use crate::profile::ProfileError;
use crate::Error;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  error: a file failed, a profile is invalid, an output could not be written
  2  usage: bad arguments, unknown profile or option, missing salt or unreadable salt file,
     output and input overlapping, a report path on an input or an output
  3  verify found a violation, or score found a file at or above --fail-on-risk
  130  anonymize was interrupted (Ctrl-C, SIGTERM); resume with --skip-existing";

/// dpk: DICOM de-identification by the PS3.15 Annex E profiles.
#[derive(Parser, Debug)]
#[command(name = "dpk", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    depth: DepthArgs,
    #[command(flatten)]
    memory: MemoryArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// De-identify DICOM files or folders (recursively) into a new file or folder.
    #[command(after_help = anonymize::AFTER_HELP)]
    Anonymize(anonymize::AnonymizeArgs),
    /// Score the PHI risk of files: 0–100 %, a level, and the findings behind it.
    #[command(after_help = score_cmd::AFTER_HELP)]
    Score(score_cmd::ScoreArgs),
    /// Compare two DICOM files element by element.
    #[command(after_help = diff_cmd::AFTER_HELP)]
    Diff(diff_cmd::DiffArgs),
    /// Check de-identified files against a profile, independently of the engine.
    #[command(after_help = verify_cmd::AFTER_HELP)]
    Verify(verify_cmd::VerifyArgs),
    /// List, show and validate de-identification profiles.
    #[command(subcommand, after_help = EXIT_CODES)]
    Profile(profile_cmd::ProfileCommand),
}

/// Which profile: a built-in or a RON file, with PS3.15 options added on top.
#[derive(Args, Debug, Clone)]
pub struct ProfileArgs {
    /// A built-in profile (`basic`) or a RON profile file.
    #[arg(short, long, default_value = "basic", value_name = "NAME|FILE")]
    pub(crate) profile: String,
    /// A PS3.15 option on top of the profile (repeatable); `dpk profile list` names them.
    #[arg(long = "option", value_name = "NAME")]
    pub(crate) options: Vec<String>,
}

impl ProfileArgs {
    /// The profile named, with the options added (unresolved: the TUI edits it further).
    pub(crate) fn load(&self) -> Result<crate::Profile, Error> {
        Ok(crate::Profile::with_options(&self.profile, &self.options)?)
    }

    /// The profile named, with the options added, resolved for the engine.
    pub(crate) fn resolve(&self) -> Result<crate::ResolvedProfile, Error> {
        Ok(self.load()?.resolve()?)
    }
}

/// How deep a file's sequences may nest before dpk refuses it.
#[derive(Args, Debug, Clone)]
pub struct DepthArgs {
    /// Refuse files whose sequences nest deeper than this many levels (default 64; real
    /// objects stay near a dozen). Raise it only for a file that needs it: each level costs
    /// stack, which dpk reserves accordingly.
    #[arg(long, global = true, value_name = "LEVELS",
          value_parser = clap::value_parser!(u64).range(1..=crate::limits::MAX_DEPTH_CEILING as u64))]
    max_depth: Option<u64>,
}

impl DepthArgs {
    /// Sets the process's nesting limit, then runs `work` on a thread whose stack holds it.
    pub(crate) fn run<T: Send>(&self, work: impl FnOnce() -> T + Send) -> std::io::Result<T> {
        if let Some(depth) = self.max_depth {
            crate::limits::set_max_depth(depth as usize).map_err(std::io::Error::other)?;
        }
        // The shared pool (`dpk score`) walks files too; it can be built only once, and a
        // second call finding it built is harmless.
        let _ = rayon::ThreadPoolBuilder::new()
            .stack_size(crate::limits::stack_size())
            .build_global();
        crate::limits::on_deep_stack(work)
    }
}

/// How much one file may make dpk hold in memory before it is refused (see
/// [`crate::limits`]).
#[derive(Args, Debug, Clone)]
pub struct MemoryArgs {
    /// Refuse files whose reading would hold more than N elements in memory, items and
    /// fragments counted, at every level (default 1000000; real headers hold thousands).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_elements: Option<u64>,
    /// Refuse files with a value of more than BYTES bytes to hold in memory (default
    /// 268435456, 256 MiB). Pixel data copied from the file as it is does not count.
    #[arg(long, global = true, value_name = "BYTES", value_parser = clap::value_parser!(u64).range(1..))]
    max_value_bytes: Option<u64>,
}

impl MemoryArgs {
    /// Sets the process's memory limits.
    fn apply(&self) -> Result<(), crate::limits::LimitError> {
        if let Some(n) = self.max_elements {
            crate::limits::set_max_elements(n)?;
        }
        if let Some(n) = self.max_value_bytes {
            crate::limits::set_max_value_bytes(n)?;
        }
        Ok(())
    }
}

/// An error in one line, as a list of failed files gives it: the library's words, then what
/// the user can do about it ([`hint_for`]) in brackets.
pub(crate) fn describe(err: &Error) -> String {
    match hint_for(err) {
        Some(hint) => format!("{err} ({hint})"),
        None => err.to_string(),
    }
}

/// Where the salt comes from: never a plain flag, which would show in the process list.
#[derive(Args, Debug, Clone)]
pub struct SaltArgs {
    /// File holding the secret salt (16 to 4096 bytes; surrounding white space is ignored).
    /// Without it, the DPK_SALT environment variable is used.
    #[arg(long, value_name = "PATH")]
    pub(crate) salt_file: Option<PathBuf>,
}

impl SaltArgs {
    /// The context for the engine: the salt from the file, else from DPK_SALT, else none.
    pub(crate) fn context(&self) -> Result<Context, Error> {
        if let Some(path) = &self.salt_file {
            warn_if_readable_by_others(path);
            let bytes = crate::engine::salt_file_bytes(path)?;
            warn_if_little_entropy(&bytes);
            return Ok(Context::new(Salt::new(bytes)?));
        }
        match std::env::var_os("DPK_SALT") {
            Some(v) if !v.is_empty() => {
                let bytes = v.into_encoded_bytes();
                warn_if_little_entropy(&bytes);
                Ok(Context::new(Salt::new(bytes)?))
            }
            _ => Ok(Context::without_salt()),
        }
    }
}

/// Fewer distinct byte values than this in a salt (after its surrounding white space) is a
/// salt anyone could guess (`aaaaaaaaaaaaaaaa`, `0000…`): worth a warning, not a refusal.
const MIN_DISTINCT_SALT_BYTES: usize = 8;

/// Warns, without saying anything of the salt but how varied it is, when it is made of few
/// distinct bytes.
fn warn_if_little_entropy(salt: &[u8]) {
    let mut seen = [false; 256];
    let trimmed = salt.trim_ascii();
    for &b in trimmed {
        seen[usize::from(b)] = true;
    }
    let distinct = seen.iter().filter(|&&s| s).count();
    if !trimmed.is_empty() && distinct < MIN_DISTINCT_SALT_BYTES {
        errln!(
            "dpk: warning: the salt is made of only {distinct} distinct byte value{}: it can be guessed; \
             use random bytes (`head -c 32 /dev/urandom | base64 > salt.txt`)",
            if distinct == 1 { "" } else { "s" }
        );
    }
}

#[cfg(unix)]
fn warn_if_readable_by_others(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        if meta.permissions().mode() & 0o044 != 0 {
            errln!(
                "dpk: warning: salt file {} is readable by other users; `chmod 600` it",
                crate::terminal_text::path(path)
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
    Violations,
    Interrupted,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        match o {
            Outcome::Ok => ExitCode::SUCCESS,
            Outcome::Failed => ExitCode::from(1),
            Outcome::Usage => ExitCode::from(2),
            Outcome::Violations => ExitCode::from(3),
            Outcome::Interrupted => ExitCode::from(130),
        }
    }
}

/// Runs `dpk` with the process's arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = cli.memory.apply() {
        eprintln!("dpk: error: {e}");
        return Outcome::Usage.into();
    }
    let command = cli.command;
    let outcome = cli.depth.run(move || match command {
        Command::Anonymize(args) => anonymize::run(&args),
        Command::Score(args) => score_cmd::run(&args),
        Command::Diff(args) => diff_cmd::run(&args),
        Command::Verify(args) => verify_cmd::run(&args),
        Command::Profile(cmd) => profile_cmd::run(&cmd),
    });
    match outcome {
        Ok(outcome) => outcome.into(),
        Err(e) => {
            errln!("dpk: error: cannot start a worker thread: {e}");
            Outcome::Failed.into()
        }
    }
}

/// Writes one line to standard output; see `outln!` and `outln_exact!`.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>, exact: bool) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = if exact {
        out.write_fmt(args)
    } else {
        let text = args.to_string();
        out.write_all(crate::terminal_text::escape_keeping_lines(&text).as_bytes())
    };
    if let Err(e) = written.and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            // As a program killed by SIGPIPE would: the reader has all it wanted.
            std::process::exit(141);
        }
        eprintln!("dpk: error: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

/// What the user can do about an error, in the program's own terms (its flags): the
/// library's messages say what is wrong, the programs say how to fix it.
pub(crate) fn hint_for(err: &Error) -> Option<&'static str> {
    match err {
        Error::MissingSalt { .. } | Error::WeakSalt { .. } => Some(
            "pass --salt-file PATH or set DPK_SALT (make a salt with \
             `head -c 32 /dev/urandom | base64 > salt.txt`, and keep it secret)",
        ),
        Error::Limit { exceeded, .. } => Some(match exceeded.limit {
            crate::limits::Limit::Elements => "refused to bound memory; --max-elements N raises the limit",
            crate::limits::Limit::ValueBytes => {
                "refused to bound memory; --max-value-bytes N raises the limit"
            }
        }),
        Error::Open { reason, .. } | Error::Value { reason, .. }
            if reason.contains(crate::limits::TOO_DEEP) =>
        {
            Some("--max-depth N raises the nesting limit (up to 2000 levels)")
        }
        _ => None,
    }
}

/// Prints an error the way every dpk command does, and says which exit it means.
pub(crate) fn report_error(err: &Error) -> Outcome {
    errln!("dpk: error: {}", crate::terminal_text::escape(&err.to_string()));
    if let Some(hint) = hint_for(err) {
        errln!("dpk: hint: {hint}");
    }
    match err {
        Error::MissingSalt { .. }
        | Error::WeakSalt { .. }
        | Error::SaltFile { .. }
        | Error::Profile(
            ProfileError::Unknown(_) | ProfileError::UnknownOption(_) | ProfileError::ConflictingOptions(..),
        ) => Outcome::Usage,
        _ => Outcome::Failed,
    }
}
