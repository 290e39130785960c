//! What the inspector edits, apart from how it is shown: the profile being built ([`Edits`]:
//! the base profile, the user's overrides and their history, the salt) and one file's
//! [`Document`] (its header, the plan the profile gives it, the scores before and after).
//! A folder's files all share one `Edits`, which moves with the user from one file's tree to
//! the next and back to the folder. Decisions are the engine's: the document asks
//! `plan_anonymize` and `risk::score`, never decides an element's action itself.

use std::sync::Arc;

use dicom_core::VR;

use crate::dataset::{Header, TagPath};
use crate::diff::{Change, ChangeKind, Decision};
use crate::engine::{Context, Plan};
use crate::profile::{Action as RuleAction, Profile, ResolvedProfile, Rule, Selector};
use crate::risk::{score, score_against, RiskReport, Weights};

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
    /// Pixel rules made on the image (regions to blank under a device signature), saved in
    /// the profile's `pixel_rules`.
    pub pixel_rules: Vec<crate::pixels::PixelRuleRon>,
    /// The pixel rules as last saved.
    pub saved_pixel_rules: Vec<crate::pixels::PixelRuleRon>,
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
            pixel_rules: Vec::new(),
            saved_pixel_rules: Vec::new(),
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
        // The rules made on the image come last: the resolved profile's last ones.
        p.pixel_rules.extend(self.pixel_rules.iter().cloned());
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
        self.overrides != self.saved || self.pixel_rules != self.saved_pixel_rules
    }
}

/// One element of the tree, which lists every element of the file.
#[derive(Clone, Debug)]
enum Listed {
    /// The plan's entry at this index.
    Planned(usize),
    /// An element inside a sequence the plan removes or empties. The plan stops at such a
    /// sequence (its entry stands for all it holds), so this entry is made from the engine's
    /// plan of the sequence kept, to show what goes with the sequence.
    WithSequence(Box<Change>),
}

/// One file as the profile being built treats it.
pub struct Document {
    /// Name shown in the status line.
    pub file_name: String,
    /// The file's header (pixel data left in the file).
    pub(super) header: Header,
    /// Where the file came from (`None`: the bundled demo), to re-read it whole for writing.
    pub source: Option<std::path::PathBuf>,
    /// The profile being built: shared by every file of a folder.
    pub edits: Edits,
    /// The profile in force (base + overrides).
    pub profile: ResolvedProfile,
    /// What it does to the file.
    pub plan: Plan,
    /// Every element of the file, in file order: what the tree's rows index.
    listed: Vec<Listed>,
    /// The risk of the original.
    pub before: RiskReport,
    /// The risk after the plan.
    pub after: RiskReport,
}

impl Document {
    /// Plans and scores `header` with the profile being built.
    pub fn open(file_name: String, header: Header, edits: Edits) -> crate::Result<Document> {
        let before = score(&header.file, &edits.weights);
        // Before any change the profile is the base itself, by its own name.
        let profile = if edits.generation == 0 {
            edits.base.resolve()?
        } else {
            edits.current_profile().resolve()?
        };
        let (plan, after, listed) = Document::planned(&header, &edits, &profile)?;
        Ok(Document {
            file_name,
            header,
            source: None,
            edits,
            profile,
            plan,
            listed,
            before,
            after,
        })
    }

    /// The plan, the risk after and the tree's elements that `profile` gives `header`.
    fn planned(
        header: &Header,
        edits: &Edits,
        profile: &ResolvedProfile,
    ) -> crate::Result<(Plan, RiskReport, Vec<Listed>)> {
        let (plan, after) = plan_and_score(header, profile, &edits.ctx, &edits.weights)?;
        let listed = list_elements(&plan, header, &edits.current_profile(), &edits.ctx)?;
        Ok((plan, after, listed))
    }

    /// Re-plans and re-scores after a change of the profile being built; on an error the
    /// document is left as it was.
    pub fn replan(&mut self) -> crate::Result<()> {
        self.edits.generation += 1;
        let profile = self.edits.current_profile().resolve()?;
        let (plan, after, listed) = Document::planned(&self.header, &self.edits, &profile)?;
        self.profile = profile;
        self.plan = plan;
        self.after = after;
        self.listed = listed;
        Ok(())
    }

    /// The header and the profile being built, for the next file.
    pub fn into_parts(self) -> (Header, Edits) {
        (self.header, self.edits)
    }

    /// The tree's element at `index`: the plan's entry, or for an element inside a sequence
    /// the plan removes or empties, an entry of kind Removed whose rule names the sequence.
    pub fn element(&self, index: usize) -> Option<&Change> {
        self.listed.get(index).and_then(|l| self.resolve(l))
    }

    /// Every element of the file in file order, nested ones after their sequence: the plan's
    /// entries and the elements that go with a removed or emptied sequence.
    pub fn elements(&self) -> impl Iterator<Item = &Change> + '_ {
        self.listed.iter().filter_map(|l| self.resolve(l))
    }

    /// Every element with whether it goes with a removed or emptied sequence.
    pub fn listed_elements(&self) -> impl Iterator<Item = (&Change, bool)> + '_ {
        self.listed
            .iter()
            .filter_map(|l| Some((self.resolve(l)?, matches!(l, Listed::WithSequence(_)))))
    }

    /// How many elements the tree lists when nothing is filtered or collapsed.
    pub fn element_count(&self) -> usize {
        self.listed.len()
    }

    fn resolve<'a>(&'a self, listed: &'a Listed) -> Option<&'a Change> {
        match listed {
            Listed::Planned(i) => self.plan.entries.get(*i),
            Listed::WithSequence(change) => Some(change),
        }
    }

    /// The outermost sequence enclosing `path` that the plan removes or empties: what an
    /// element inside it goes with, whatever its own action.
    pub fn removed_sequence_around(&self, path: &TagPath) -> Option<&Change> {
        (0..path.depth())
            .map(|depth| ancestor(path, depth))
            .find_map(|sequence| self.plan.entry(&sequence).filter(|c| removes_items(c)))
    }
}

/// The path of the sequence at `depth` enclosing `path`.
fn ancestor(path: &TagPath, depth: usize) -> TagPath {
    TagPath {
        items: path.items[..depth].to_vec(),
        tag: path.items[depth].sequence,
    }
}

/// Whether a plan entry is a sequence whose items do not stay: removed, or emptied.
pub(super) fn removes_items(entry: &Change) -> bool {
    entry.vr == VR::SQ && matches!(entry.kind, ChangeKind::Removed | ChangeKind::Emptied)
}

/// The tree's elements: the plan's entries in order, each sequence the plan removes or
/// empties followed by the elements it holds, with what the engine would decide for them in
/// a kept sequence (see [`kept_sequences_plan`]).
fn list_elements(
    plan: &Plan,
    header: &Header,
    profile: &Profile,
    ctx: &Context,
) -> crate::Result<Vec<Listed>> {
    let mut listed = Vec::with_capacity(plan.entries.len());
    let removed: Vec<&Change> = plan.entries.iter().filter(|e| removes_items(e)).collect();
    let shadow = if removed.is_empty() {
        None
    } else {
        Some(kept_sequences_plan(plan, header, profile, ctx)?)
    };
    for (index, entry) in plan.entries.iter().enumerate() {
        listed.push(Listed::Planned(index));
        if !removes_items(entry) {
            continue;
        }
        let Some(shadow) = &shadow else { continue };
        let with = if entry.kind == ChangeKind::Emptied {
            "removed with the items of sequence"
        } else {
            "removed with sequence"
        };
        for inner in shadow.entries.iter().filter(|c| encloses(&entry.path, &c.path)) {
            // Markers the engine adds (no value before) are not elements of the file.
            if inner.before.is_none() {
                continue;
            }
            let own = inner.decision.as_ref();
            let asked = own.map_or(RuleAction::Keep, |d| d.action);
            let by = own.map_or_else(String::new, |d| format!(" (by {})", d.rule));
            let mut change = Change::new(
                inner.path.clone(),
                inner.vr,
                ChangeKind::Removed,
                inner.before.clone(),
                None,
            );
            change.decision = Some(Decision {
                action: RuleAction::Remove,
                requested: (asked != RuleAction::Remove).then_some(asked),
                rule: format!("{with} {}", entry.path).into(),
                note: Some(format!("if the sequence is kept: {}{by}", asked.label()).into()),
            });
            listed.push(Listed::WithSequence(Box::new(change)));
        }
    }
    Ok(listed)
}

/// Whether `inner` lies inside the sequence at `sequence`.
fn encloses(sequence: &TagPath, inner: &TagPath) -> bool {
    inner.depth() > sequence.depth()
        && inner.items[..sequence.depth()] == sequence.items[..]
        && inner.items[sequence.depth()].sequence == sequence.tag
}

/// The engine's plan of the file with every sequence the plan removes or empties kept (a rule
/// for its exact place), so that what goes with such a sequence shows the action the engine
/// would give it if the sequence stayed: the inspector asks, it does not decide. A kept
/// sequence may hold one its own rule removes: that one is kept in turn, down to the deepest.
fn kept_sequences_plan(
    plan: &Plan,
    header: &Header,
    profile: &Profile,
    ctx: &Context,
) -> crate::Result<Plan> {
    let mut kept = profile.clone();
    let mut shadow: Option<Plan> = None;
    for _ in 0..=crate::limits::max_depth() {
        let current = shadow.as_ref().unwrap_or(plan);
        let more: Vec<Rule> = current
            .entries
            .iter()
            .filter(|e| removes_items(e))
            .map(|e| Rule {
                select: Selector::exact_path(&e.path),
                action: RuleAction::Keep,
            })
            .filter(|r| !kept.rules.contains(r))
            .collect();
        if more.is_empty() {
            break;
        }
        kept.rules.extend(more);
        shadow = Some(crate::plan_anonymize(header, &kept.resolve()?, ctx)?);
    }
    Ok(shadow.unwrap_or_else(|| plan.clone()))
}

/// The plan `profile` gives `header` and the risk of the file it makes, scored against the
/// original's own identifiers (kept text naming the patient scores as it did before): what
/// the tree and the folder browser show of a file after.
pub fn plan_and_score(
    header: &Header,
    profile: &ResolvedProfile,
    ctx: &Context,
    weights: &Weights,
) -> crate::Result<(Plan, RiskReport)> {
    let plan = crate::plan_anonymize(header, profile, ctx)?;
    let after = score_against(
        &crate::apply_header(&plan, header)?.into_inner(),
        weights,
        &header.file,
    );
    Ok((plan, after))
}
