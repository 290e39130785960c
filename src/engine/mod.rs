//! The de-identification engine: `plan` decides what happens to every element, `apply` carries
//! the plan out, `anonymize_file` does both and writes the result atomically.
//!
//! `plan` is pure — (dataset, profile, context) → Plan, no I/O, no clock, no randomness — so
//! the same inputs give the same plan, and the same output bytes, on every machine.

mod apply;
pub mod clean;
pub mod dates;
pub mod dicomdir;
pub mod dummy;
mod in_memory;
pub mod keyed;
mod markers;
mod pixel_clean;
mod plan;

use std::path::Path;

use dicom_object::mem::InMemElement;
use serde::Serialize;

pub use apply::apply;
pub use in_memory::{anonymize_bytes, open_header_bytes, plan_bytes, Anonymized};
pub use keyed::{Salt, MIN_SALT_LEN};
pub use plan::{plan, plan_header};

use crate::dataset::{self, Durability};
use crate::diff::{Change, ChangeKind};
use crate::error::{Error, Result};
use crate::pixels::PixelRule;
use crate::profile::ResolvedProfile;

/// What a plan may depend on besides the dataset and the profile: the secret salt.
#[derive(Debug, Default)]
pub struct Context {
    salt: Option<Salt>,
}

impl Context {
    /// A context keyed by `salt`.
    pub fn new(salt: Salt) -> Context {
        Context { salt: Some(salt) }
    }

    /// A context without a salt: enough for profiles that only keep, remove, empty, dummy or
    /// clean free text.
    pub fn without_salt() -> Context {
        Context { salt: None }
    }

    /// The salt, if one was given.
    pub fn salt(&self) -> Option<&Salt> {
        self.salt.as_ref()
    }
}

/// Everything the engine will do to one file: the audit log, the report and the diff.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// The profile's name.
    pub profile: String,
    /// The dataset's SOP Class UID, which decided the combined codes.
    pub sop_class: Option<String>,
    /// One entry per element of the dataset, in file order, nested elements after their
    /// sequence; then the de-identification markers the engine adds.
    pub entries: Vec<Change>,
    /// Changes to the file meta information group.
    pub meta: Vec<Change>,
    /// What the reader accepted that a strict reader would not (a missing preamble).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The markers' full values (their entries carry only snapshots).
    #[serde(skip)]
    added: Vec<InMemElement>,
    /// The input bytes of text values the reader could not give back, put back where kept.
    #[serde(skip)]
    pub(crate) input_text: crate::dataset::InputText,
}

impl Plan {
    /// The entries that change something, meta group included.
    pub fn changes(&self) -> impl Iterator<Item = &Change> {
        self.meta.iter().chain(&self.entries).filter(|c| c.is_change())
    }

    /// How many elements the plan changes.
    pub fn change_count(&self) -> usize {
        self.changes().count()
    }

    /// The entry for an element, if the plan has one.
    pub fn entry(&self, path: &crate::dataset::TagPath) -> Option<&Change> {
        self.meta.iter().chain(&self.entries).find(|c| &c.path == path)
    }

    /// How many entries have each kind of outcome.
    pub fn count(&self, kind: ChangeKind) -> usize {
        self.entries.iter().filter(|c| c.kind == kind).count()
    }
}

/// Opens `input`, plans with `profile`, applies the plan and writes `output` atomically,
/// flushed to the disk. Returns the plan (what was done). On any error no output file exists.
///
/// Large pixel data is never held in memory: it is copied from `input` to `output` byte for
/// byte (or left out, when the profile removes it), so memory depends on the header alone.
pub fn anonymize_file(input: &Path, output: &Path, profile: &ResolvedProfile, ctx: &Context) -> Result<Plan> {
    anonymize_file_durable(input, output, profile, ctx, Durability::EachFile)
}

/// [`anonymize_file`], the output flushed to the disk as `durability` says.
pub fn anonymize_file_durable(
    input: &Path,
    output: &Path,
    profile: &ResolvedProfile,
    ctx: &Context,
    durability: Durability,
) -> Result<Plan> {
    let header = dataset::open_around_pixel_data(input)?;
    let notes = header.notes.clone();
    let (matched, review) = pixel_rules_for(&header, profile);
    let result = if matched.is_empty() {
        anonymize_header(header, input, output, profile, ctx, durability)
    } else {
        pixel_clean::anonymize_header(header, input, output, profile, ctx, &matched, durability)
    };
    let mut plan = result.map_err(|e| match e {
        Error::Write { path, reason } => Error::Encode {
            input: input.to_path_buf(),
            output: path,
            reason,
        },
        other => other,
    })?;
    plan.notes = notes;
    plan.notes.extend(undecodable_notes(&plan));
    if let Some(why) = review {
        plan.notes.push(format!("{NEEDS_PIXEL_REVIEW}: {why}"));
    }
    Ok(plan)
}

/// A note for each kept value written with its input bytes, which its character set does
/// not decode.
fn undecodable_notes(plan: &Plan) -> Vec<String> {
    plan.input_text
        .values()
        .iter()
        .filter(|value| apply::keeps(plan, &value.path))
        .map(|value| {
            format!(
                "value of {} does not decode in {}: kept as its original bytes",
                value.path, value.charset
            )
        })
        .collect()
}

/// How a plan's note begins for a file whose pixels may show burned-in text that no pixel
/// rule blanked (with the Clean Pixel Data Option).
pub const NEEDS_PIXEL_REVIEW: &str = "needs pixel review";

/// How a plan's note begins for a file whose pixels a rule matches but dpk cannot clean:
/// writing it fails for the reason the note gives.
pub const CANNOT_CLEAN_PIXELS: &str = "pixels cannot be cleaned";

/// The Clean Pixel Data Option for one file: the rules it matches, or why it needs a look.
fn pixel_rules_for<'p>(
    header: &dataset::Header,
    profile: &'p ResolvedProfile,
) -> (Vec<&'p PixelRule>, Option<String>) {
    if !profile.cleans_pixel_data() {
        return (Vec::new(), None);
    }
    let has_pixels =
        header.pixel_data.is_some() || header.file.get(dicom_dictionary_std::tags::PIXEL_DATA).is_some();
    let matched = crate::pixels::matching_rules(&header.file, profile.pixel_rules());
    let matched = if has_pixels { matched } else { Vec::new() };
    let review = matched
        .is_empty()
        .then(|| crate::pixels::needs_review(&header.file, has_pixels))
        .flatten();
    (matched, review)
}

/// The header of a file as [`anonymize_file`] writes it, from a plan of
/// [`plan_anonymize`], for scoring and showing: pixel data the plan cleans exists only as
/// it is written, so it is left out here (a plain [`apply`] refuses a value it cannot make).
pub fn apply_header(plan: &Plan, header: &dataset::Header) -> Result<dataset::DicomFile> {
    let mut file = header.file.clone();
    let tag = dicom_dictionary_std::tags::PIXEL_DATA;
    let made_on_write = plan
        .entry(&dataset::TagPath::root(tag))
        .and_then(|c| c.after.as_ref())
        .is_some_and(|after| !matches!(after, dataset::Snapshot::Primitive(_)));
    if made_on_write {
        file.remove_element(tag);
    }
    apply(plan, file)
}

/// The plan [`anonymize_file`] returns for a file read around its pixel data, without
/// writing anything: with the Clean Pixel Data Option, the Pixel Data entry naming the rules
/// and regions, the markers of clean pixels and the attributes that describe decoded pixels
/// anew; a note for a file that needs pixel review, or whose pixels cannot be cleaned
/// ([`CANNOT_CLEAN_PIXELS`]: writing it fails). What the inspector, `dpk profile` and the
/// Python `plan` show. (A DICOMDIR's offsets and file IDs are planned only as it is written.)
pub fn plan_anonymize(header: &dataset::Header, profile: &ResolvedProfile, ctx: &Context) -> Result<Plan> {
    let (matched, review) = pixel_rules_for(header, profile);
    let mut plan = if matched.is_empty() {
        plan_header(header, profile, ctx)?
    } else {
        match pixel_clean::plan_cleaned(header, profile, ctx, &matched)? {
            Ok(plan) => plan,
            Err((mut plan, why)) => {
                plan.notes.push(format!("{CANNOT_CLEAN_PIXELS}: {why}"));
                plan
            }
        }
    };
    if let Some(why) = review {
        plan.notes.push(format!("{NEEDS_PIXEL_REVIEW}: {why}"));
    }
    Ok(plan)
}

/// Plans, applies and writes a file read around its pixel data.
fn anonymize_header(
    header: dataset::Header,
    input: &Path,
    output: &Path,
    profile: &ResolvedProfile,
    ctx: &Context,
    durability: Durability,
) -> Result<Plan> {
    let Some(pixels) = header.pixel_data.clone() else {
        if dicomdir::is_dicomdir(&header.file) {
            return dicomdir::anonymize(header.file, input, output, profile, ctx, durability);
        }
        return anonymize_whole(header.file, header.input_text, output, profile, ctx, durability);
    };
    let plan = plan_header(&header, profile, ctx)?;
    let pixel_path = dataset::TagPath::root(pixels.tag);
    match plan.entry(&pixel_path).map(|c| c.kind) {
        Some(ChangeKind::Unchanged) => {
            let out = apply(&plan, header.file)?;
            dataset::write_with_pixel_data(&out, input, &pixels, output, durability)?;
            Ok(plan)
        }
        Some(ChangeKind::Removed) => {
            let out = apply(&plan, header.file)?;
            dataset::write_atomic_durable(&out, output, durability)?;
            Ok(plan)
        }
        // A profile that rewrites the pixel data needs its bytes.
        _ => {
            let file = dataset::open(input)?;
            let input_text = dataset::InputText::of_file(input, &file);
            anonymize_whole(file, input_text, output, profile, ctx, durability)
        }
    }
}

/// Plans, applies and writes a file held in memory whole.
fn anonymize_whole(
    file: dataset::DicomFile,
    input_text: dataset::InputText,
    output: &Path,
    profile: &ResolvedProfile,
    ctx: &Context,
    durability: Durability,
) -> Result<Plan> {
    let mut plan = plan(&file, profile, ctx)?;
    plan.input_text = input_text;
    let out = apply(&plan, file)?;
    dataset::write_atomic_durable(&out, output, durability)?;
    Ok(plan)
}

/// Checks that a profile can run in a context: a profile that hashes, remaps or shifts
/// needs a salt.
pub fn check_context(profile: &ResolvedProfile, ctx: &Context) -> Result<()> {
    if profile.needs_salt() && ctx.salt.is_none() {
        return Err(Error::MissingSalt {
            profile: profile.name().to_string(),
        });
    }
    Ok(())
}

/// The most a salt file may hold. A salt is one secret of a few dozen bytes: a larger file is
/// the wrong one (`/dev/zero`, a DICOM file, a disk image), and reading it whole could take
/// all memory.
pub const MAX_SALT_FILE: u64 = 4096;

/// Reads a salt from the file at `path` (surrounding white space trimmed), at most
/// [`MAX_SALT_FILE`] bytes.
pub fn salt_from_file(path: &Path) -> Result<Salt> {
    Salt::new(salt_file_bytes(path)?)
}

/// The bytes of a salt file, read up to [`MAX_SALT_FILE`], for a caller that looks at them
/// (how varied they are) before [`Salt::new`] takes them. Every failure names the file, never
/// its content; the bytes are zeroized on every path but the one that returns them.
pub fn salt_file_bytes(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    use zeroize::Zeroize;
    let refused = |reason: String| Error::SaltFile {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| refused(e.to_string()))?;
    let mut bytes = Vec::with_capacity(128);
    if let Err(e) = file.take(MAX_SALT_FILE + 1).read_to_end(&mut bytes) {
        bytes.zeroize();
        return Err(refused(e.to_string()));
    }
    if bytes.len() as u64 > MAX_SALT_FILE {
        bytes.zeroize();
        return Err(refused(format!(
            "holds more than {MAX_SALT_FILE} bytes, which no salt needs: is it the right file?"
        )));
    }
    Ok(bytes)
}

/// A version-specific name written as Implementation Version Name of the outputs.
pub const IMPLEMENTATION_VERSION_NAME: &str = concat!("DPK_", env!("CARGO_PKG_VERSION"));

/// dpk's Implementation Class UID (a UUID-derived `2.25.` UID fixed for the project).
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.233003216372719634405744426934127405113";
