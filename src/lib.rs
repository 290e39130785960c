//! dpk: DICOM de-identification by the PS3.15 Annex E profiles.
//!
//! One flow, in one direction: open a file, `plan` what the profile does to every element,
//! then `apply` the plan and write the result, score it, or show it as a diff.
//!
//! ```
//! use dpk::{Context, Profile, Salt};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The Basic Profile with one PS3.15 option, and a user rule on top.
//! let profile = Profile::extending("study-export", "basic")
//!     .with_option("retain-long-modified-dates")
//!     .with_rule("PatientName".parse()?, dpk::Action::Hash)
//!     .resolve()?;
//! // The salt keys every hash, new UID and date shift; keep it secret, keep it the same for
//! // every file of a study.
//! let ctx = Context::new(Salt::new(b"a-secret-of-at-least-16-bytes".to_vec())?);
//!
//! let file = dpk::dataset::open("fixtures/ct_explicit_le.dcm")?;
//! let plan = dpk::plan(&file, &profile, &ctx)?;
//! println!("{} elements change", plan.change_count());
//! let anonymized = dpk::apply(&plan, file)?;
//! # let dir = tempfile::tempdir()?;
//! # let out = dir.path().join("out.dcm");
//! dpk::dataset::write_atomic(&anonymized, &out)?;
//! # Ok(())
//! # }
//! ```

pub mod batch;
mod cancel;
#[cfg(feature = "cli")]
pub mod cli;
pub mod confidentiality;
pub mod dataset;
pub mod diff;
pub mod engine;
mod error;
pub mod explain;
pub mod limits;
pub mod pixels;
pub mod profile;
pub mod risk;
mod ron_text;
#[cfg(feature = "tui")]
pub mod tui;
pub mod verify;

pub mod terminal_text;

pub use cancel::Cancel;
pub use engine::{
    anonymize_bytes, anonymize_file, apply, apply_header, plan, plan_anonymize, plan_bytes, plan_header,
    Anonymized, Context, Plan, Salt,
};
pub use error::{Error, Result};
pub use profile::{Action, Profile, ResolvedProfile, Selector};
