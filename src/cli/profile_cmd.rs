//! `dpk profile`: list, show and validate profiles.

use std::path::PathBuf;

use clap::Subcommand;

use super::Outcome;
use crate::profile::{builtin, Profile};

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
                    eprintln!("dpk: error: {e}");
                    Outcome::Failed
                }
            }
        }
        ProfileCommand::Validate { files } => {
            let mut outcome = Outcome::Ok;
            for file in files {
                match Profile::load(file).and_then(|p| p.resolve().map(|r| (p, r))) {
                    Ok((p, r)) => {
                        let base = p.extends.as_deref().unwrap_or("nothing");
                        outln!(
                            "ok: {} (profile '{}', {} rules, extends {base}, options: {})",
                            file.display(),
                            p.name,
                            p.rules.len(),
                            if r.options().is_empty() {
                                "none".to_string()
                            } else {
                                r.options().join(", ")
                            }
                        );
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        outcome = Outcome::Failed;
                    }
                }
            }
            outcome
        }
    }
}
