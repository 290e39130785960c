//! `dpk profile`: list, show and validate profiles.

use std::path::PathBuf;

use clap::Subcommand;
use dicom_core::value::PrimitiveValue;

use super::{report_error, Outcome, ProfileArgs, SaltArgs};
use crate::dataset::Snapshot;
use crate::dataset::TagPath;
use crate::diff::Change;
use crate::engine::{Context, Salt};
use crate::explain::{attribute, explain, InFile};
use crate::profile::{builtin, Profile};
use crate::risk::{score, score_against, Weights};
use crate::terminal_text::{escape, path as show};

#[derive(Subcommand, Debug)]
pub enum ProfileCommand {
    /// List the built-in profiles and the PS3.15 options.
    List,
    /// Print a profile as RON (a built-in by name, or a file).
    Show {
        /// `basic`, an option name (e.g. `retain-uids`), or a RON file.
        #[arg(value_name = "NAME|FILE")]
        profile: String,
    },
    /// Explain an attribute for teaching: what it is, its PHI category and risk weight, what
    /// PS3.15 Basic and each option do, what the profile does and, with --file, to that
    /// file's value, before → after.
    Explain {
        /// A keyword (`PatientName`) or tag (`(0010,0010)`).
        #[arg(value_name = "KEYWORD|TAG")]
        attribute: String,
        #[command(flatten)]
        profile: ProfileArgs,
        /// A DICOM file whose values of the attribute to show before → after.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        #[command(flatten)]
        salt: SaltArgs,
    },
    /// Check RON profile files: syntax, selectors, options, actions against VRs, `extends`.
    /// Errors give file, line and column.
    Validate {
        /// Profile files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

pub fn run(cmd: &ProfileCommand) -> Outcome {
    match cmd {
        ProfileCommand::List => {
            outln!("Built-in profiles:");
            for (name, text) in builtin::BUILTIN_PROFILES {
                let description = Profile::from_ron(text, name)
                    .map(|p| p.description)
                    .unwrap_or_default();
                outln!("  {name:<32} {description}");
            }
            outln!("\nPS3.15 options (--option NAME, or `options: [\"NAME\"]` in a profile):");
            for opt in builtin::OPTIONS {
                let p = Profile::from_ron(opt.ron, opt.name).ok();
                let meaning = p
                    .as_ref()
                    .and_then(|p| p.method.as_ref())
                    .map(|m| m.meaning.clone())
                    .unwrap_or_default();
                let rules = p.map_or(0, |p| p.rules.len());
                outln!("  {:<32} {} ({}, {rules} rules)", opt.name, meaning, opt.code);
            }
            Outcome::Ok
        }
        ProfileCommand::Show { profile } => {
            if let Some(text) = builtin::profile_text(profile) {
                outln!("{}", text.trim_end());
                return Outcome::Ok;
            }
            if let Some(opt) = builtin::option(profile) {
                outln!("{}", opt.ron.trim_end());
                return Outcome::Ok;
            }
            match Profile::named_or_file(profile) {
                Ok(p) => {
                    outln!("{}", p.to_ron());
                    Outcome::Ok
                }
                Err(e) => {
                    errln!("dpk: error: {}", escape(&e.to_string()));
                    Outcome::Failed
                }
            }
        }
        ProfileCommand::Explain {
            attribute: name,
            profile,
            file,
            salt,
        } => explain_cmd(name, profile, file.as_ref(), salt),
        ProfileCommand::Validate { files } => {
            let mut outcome = Outcome::Ok;
            for file in files {
                match Profile::load(file).and_then(|p| p.resolve().map(|r| (p, r))) {
                    Ok((p, r)) => {
                        let base = p.extends.as_deref().unwrap_or("nothing");
                        outln!(
                            "ok: {} (profile '{}', {} rules, extends {}, options: {})",
                            show(file),
                            escape(&p.name),
                            p.rules.len(),
                            escape(base),
                            if r.options().is_empty() {
                                "none".to_string()
                            } else {
                                r.options().join(", ")
                            }
                        );
                    }
                    Err(e) => {
                        errln!("error: {}", escape(&e.to_string()));
                        outcome = Outcome::Failed;
                    }
                }
            }
            outcome
        }
    }
}

/// A public salt for previews: values derived with it are shown, never written.
const PREVIEW_SALT: &[u8] = b"dpk-preview-salt-not-secret";

fn explain_cmd(name: &str, profile: &ProfileArgs, file: Option<&PathBuf>, salt: &SaltArgs) -> Outcome {
    let Some(tag) = attribute(name) else {
        errln!(
            "dpk: error: '{}' is neither a PS3.6 keyword nor a tag like (0010,0010)",
            escape(name)
        );
        return Outcome::Usage;
    };
    let profile = match profile.resolve() {
        Ok(p) => p,
        Err(e) => return report_error(&e),
    };
    let mut entries = Vec::new();
    let mut preview = false;
    let mut scored = None;
    let mut creator = None;
    let mut path = TagPath::root(tag);
    if let Some(file_path) = file {
        let ctx = match salt.context() {
            Ok(ctx) if ctx.salt().is_some() || !profile.needs_salt() => ctx,
            Ok(_) => {
                preview = true;
                match Salt::new(PREVIEW_SALT.to_vec()) {
                    Ok(s) => Context::new(s),
                    Err(e) => return report_error(&e),
                }
            }
            Err(e) => return report_error(&e),
        };
        let weights = Weights::builtin();
        // The plan and both scores, from the same engine and scorer `dpk anonymize` and
        // `dpk score` run: the explanation says what they do.
        let planned = crate::dataset::open_header(file_path).and_then(|h| {
            let plan = crate::plan_anonymize(&h, &profile, &ctx)?;
            let before = score(&h.file, &weights);
            let after = score_against(&crate::apply_header(&plan, &h)?.into_inner(), &weights, &h.file);
            Ok((h, plan, before, after))
        });
        match planned {
            // The file's values are shown on a terminal: escaped before they are laid out.
            Ok((header, plan, before, after)) => {
                entries = plan
                    .entries
                    .iter()
                    .filter(|c| c.path.tag == tag)
                    .map(visible)
                    .collect();
                if let Some(first) = entries.first() {
                    path = first.path.clone();
                }
                creator = crate::dataset::creator_at(&header.file, &path);
                scored = Some((before, after));
            }
            Err(e) => return report_error(&e),
        }
    }
    let in_file = InFile {
        entries: &entries,
        creator: creator.as_deref(),
        before: scored.as_ref().map(|(b, _)| b),
        after: scored.as_ref().map(|(_, a)| a),
    };
    outln!(
        "{}",
        explain(&path, &profile, &Weights::builtin(), &in_file)
            .to_string()
            .trim_end()
    );
    if let Some(file_path) = file {
        if entries.iter().all(|c| c.path.tag != tag) {
            outln!("In {}: not present", show(file_path));
        }
    }
    if preview {
        outln!(
            "(hashes, UIDs and date shifts above use a preview salt: give --salt-file or DPK_SALT for yours)"
        );
    }
    Outcome::Ok
}

/// A copy of `change` whose text values have their control characters (new lines included)
/// and direction overrides escaped, to be shown on a terminal.
fn visible(change: &Change) -> Change {
    let mut shown = change.clone();
    shown.before = shown.before.map(visible_value);
    shown.after = shown.after.map(visible_value);
    shown
}

fn visible_value(snapshot: Snapshot) -> Snapshot {
    let Snapshot::Primitive(value) = &snapshot else {
        return snapshot;
    };
    match &**value {
        PrimitiveValue::Str(text) => Snapshot::primitive(PrimitiveValue::Str(escape(text).into_owned())),
        PrimitiveValue::Strs(texts) => Snapshot::primitive(PrimitiveValue::Strs(
            texts.iter().map(|t| escape(t).into_owned()).collect(),
        )),
        _ => snapshot,
    }
}
