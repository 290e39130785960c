//! The profile being built: the base profile, the user's overrides and their history, the
//! salt context. It is the document the inspector edits; a folder's files all see it, so it
//! moves with the user from one file's tree to the next and back to the folder.

use std::sync::Arc;

use crate::engine::Context;
use crate::profile::{Profile, Rule};
use crate::risk::Weights;

/// The profile being built and what it is planned with.
#[derive(Clone)]
pub struct Edits {
    /// The base profile (built-in or from a file) with the options chosen.
    pub base: Profile,
    /// The user's rules, on top of the base.
    pub overrides: Vec<Rule>,
    /// The overrides as last saved, to tell unsaved changes.
    pub saved: Vec<Rule>,
    /// Earlier override sets, for undo.
    pub history: Vec<Vec<Rule>>,
    /// Undone override sets, for redo.
    pub future: Vec<Vec<Rule>>,
    /// The salt every plan is keyed with: shared, never copied out.
    pub ctx: Arc<Context>,
    /// Whether hashes and UIDs are previewed with a stand-in salt.
    pub preview_salt: bool,
    /// The risk model's weights.
    pub weights: Weights,
    /// The file the base profile was read from (`None`: a built-in one).
    pub profile_file: Option<std::path::PathBuf>,
    /// Counts every change of base, options or overrides: a plan made at an older count is
    /// out of date.
    pub generation: u64,
}

impl Edits {
    /// A profile being built from `base`, nothing changed yet.
    pub fn new(base: Profile, ctx: Context, preview_salt: bool) -> Edits {
        Edits {
            base,
            overrides: Vec::new(),
            saved: Vec::new(),
            history: Vec::new(),
            future: Vec::new(),
            ctx: Arc::new(ctx),
            preview_salt,
            weights: Weights::builtin(),
            profile_file: None,
            generation: 0,
        }
    }

    /// The profile the screen shows: the base with the user's overrides as rules by tag.
    pub fn current_profile(&self) -> Profile {
        let mut p = Profile::extending(format!("{}-edited", self.base.name), self.base.name.clone());
        if self.base.method.is_some() {
            p.options = self.base.options.clone();
            p.rules = self.overrides.clone();
        } else {
            p = self.base.clone();
            p.rules.extend(self.overrides.iter().cloned());
        }
        p
    }

    /// The profile's name as the status line gives it: the base's until a change.
    pub fn profile_name(&self) -> String {
        if self.generation == 0 {
            self.base.name.clone()
        } else {
            self.current_profile().name
        }
    }

    /// Whether the overrides differ from what was last saved.
    pub fn unsaved(&self) -> bool {
        self.overrides != self.saved
    }
}
