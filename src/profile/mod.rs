//! Profiles: which action applies to which element, as RON files a person can read and edit.
//!
//! A profile is a list of rules (a [`Selector`] and an [`Action`]), optionally `extends` another
//! profile (a built-in name or a RON file) and lists PS3.15 `options`. Resolving a profile
//! stacks its layers in this order, later layers winning between rules of equal specificity:
//!
//! 1. the built-in base at the root of the `extends` chain (e.g. `basic`, Table E.1-1);
//! 2. every PS3.15 option named anywhere in the chain (each an overlay from an option column
//!    of the same table), in the order named;
//! 3. the rules of each custom profile, from the base down to the profile itself.
//!
//! So an option refines the standard profile, and a user's own rule refines both. Between
//! rules of different forms, the more specific selector wins whatever its layer (see
//! [`selector`]). An element no rule matches is kept: PS3.15 keeps attributes it does not list
//! (private ones are matched by the `private` rule of `basic`).

mod action;
pub mod builtin;
pub mod selector;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use dicom_core::Tag;
use serde::{Deserialize, Serialize};

use crate::dataset::private;
use crate::ron_text::{self, locate};

pub use action::{Action, CONCRETE_ACTIONS};
pub use builtin::{Ps315Option, OPTIONS};
pub use selector::{ElementContext, PathSegment, Selector, SelectorError, SelectorKind};

/// A profile as written in RON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A short name, shown in reports and written into De-identification Method.
    pub name: String,
    /// What the profile is for.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The profile this one refines: a built-in name (`basic`) or a RON file path, relative
    /// to this file's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// PS3.15 options to apply (`retain-uids`, `clean-descriptors`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The CID 7050 code this profile stands for (built-ins and options only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<MethodCode>,
    /// The rules, in order; see the module documentation for precedence.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Where devices burn text into their images, blanked with the `clean-pixel-data`
    /// option (see [`crate::pixels`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pixel_rules: Vec<crate::pixels::rules::PixelRuleRon>,
    /// Where the profile was loaded from, to resolve a relative `extends`.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

/// A code from CID 7050 (De-identification Method).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodCode {
    /// Code Value, e.g. `113100`.
    pub code: String,
    /// Code Meaning.
    pub meaning: String,
}

/// One rule: the elements it selects and what to do with them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Which elements.
    pub select: Selector,
    /// What to do.
    pub action: Action,
}

/// What is wrong with a profile.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// The RON does not parse or does not have a profile's shape.
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        /// The file (or built-in name).
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A rule asks for something that cannot be done, e.g. an action unfit for the VR.
    #[error("{origin}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        origin: String,
        /// 1-based line of the rule's selector (0 when unknown).
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// `extends` names no built-in and no file.
    #[error("unknown profile '{0}': not a built-in ({builtins}) and no such file", builtins = builtin_names())]
    Unknown(String),
    /// An option name is not one dpk knows.
    #[error("unknown option '{0}'; the options are: {options}", options = option_names())]
    UnknownOption(String),
    /// Two options that exclude each other were both chosen.
    #[error("options '{0}' and '{1}' are alternatives (PS3.15 E.3.6); choose one")]
    ConflictingOptions(String, String),
    /// `extends` loops back on itself.
    #[error("profiles extend each other in a loop: {0}")]
    Cycle(String),
    /// The profile file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

fn builtin_names() -> String {
    builtin::BUILTIN_PROFILES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

fn option_names() -> String {
    OPTIONS.iter().map(|o| o.name).collect::<Vec<_>>().join(", ")
}

impl Profile {
    /// An empty profile that refines `base` (a built-in name or a RON path).
    pub fn extending(name: impl Into<String>, base: impl Into<String>) -> Profile {
        Profile {
            name: name.into(),
            description: String::new(),
            extends: Some(base.into()),
            options: Vec::new(),
            method: None,
            rules: Vec::new(),
            pixel_rules: Vec::new(),
            origin: None,
        }
    }

    /// A built-in profile by name (`basic`).
    pub fn builtin(name: &str) -> Result<Profile, ProfileError> {
        let text = builtin::profile_text(name).ok_or_else(|| ProfileError::Unknown(name.into()))?;
        Profile::from_ron(text, name)
    }

    /// A built-in name or a path to a RON file.
    pub fn named_or_file(spec: &str) -> Result<Profile, ProfileError> {
        if builtin::profile_text(spec).is_some() {
            return Profile::builtin(spec);
        }
        let path = Path::new(spec);
        if path.exists() {
            return Profile::load(path);
        }
        Err(ProfileError::Unknown(spec.into()))
    }

    /// A built-in name or a RON path, with PS3.15 options added on top (each once, in the
    /// order given): what the programs' `--profile` and `--option` flags name.
    pub fn with_options(spec: &str, options: &[impl AsRef<str>]) -> Result<Profile, ProfileError> {
        let mut profile = Profile::named_or_file(spec)?;
        for name in options {
            let name = name.as_ref();
            if !profile.options.iter().any(|o| o == name) {
                profile.options.push(name.to_string());
            }
        }
        Ok(profile)
    }

    /// Parses a profile from RON. `origin` names it in error messages.
    pub fn from_ron(text: &str, origin: &str) -> Result<Profile, ProfileError> {
        let profile: Profile = ron_text::from_str(text).map_err(|e| ProfileError::Syntax {
            origin: origin.to_string(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
        profile.check(text, origin)?;
        Ok(profile)
    }

    /// Loads a profile from a RON file.
    pub fn load(path: &Path) -> Result<Profile, ProfileError> {
        let text = ron_text::read_config(path).map_err(|source| ProfileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut profile = Profile::from_ron(&text, &path.display().to_string())?;
        profile.origin = Some(path.to_path_buf());
        Ok(profile)
    }

    /// The profile as RON text, in the shape [`Profile::from_ron`] reads.
    pub fn to_ron(&self) -> String {
        let config = ron::ser::PrettyConfig::new()
            .struct_names(false)
            .indentor("    ".to_string());
        // Serializing plain strings, enums and vectors cannot fail.
        ron::ser::to_string_pretty(self, config).unwrap_or_default()
    }

    /// Adds a PS3.15 option by name.
    pub fn with_option(mut self, name: &str) -> Self {
        self.options.push(name.to_string());
        self
    }

    /// Adds a rule.
    pub fn with_rule(mut self, select: Selector, action: Action) -> Self {
        self.rules.push(Rule { select, action });
        self
    }

    /// Checks what can be checked without a dataset: option names, and that each rule's action
    /// fits the VR of the attribute it names. Locations come from `text`, the RON source.
    fn check(&self, text: &str, origin: &str) -> Result<(), ProfileError> {
        crate::pixels::rules::check_regions(&self.pixel_rules, origin).map_err(|e| {
            ProfileError::Invalid {
                origin: origin.to_string(),
                line: 0,
                column: 0,
                message: e.message,
            }
        })?;
        for name in &self.options {
            if name == crate::pixels::CLEAN_PIXEL_DATA_OPTION {
                continue;
            }
            if builtin::option(name).is_none() {
                let (line, column) = locate(text, &format!("\"{name}\""));
                return Err(ProfileError::Invalid {
                    origin: origin.to_string(),
                    line,
                    column,
                    message: ProfileError::UnknownOption(name.clone()).to_string(),
                });
            }
        }
        for rule in &self.rules {
            let Some(tag) = rule.select.target_tag() else {
                continue;
            };
            let Some(vr) = crate::dataset::dictionary_vr(tag) else {
                continue;
            };
            if !rule.action.fits_vr(vr) {
                let (line, column) = locate(text, &format!("\"{}\"", rule.select.as_str()));
                return Err(ProfileError::Invalid {
                    origin: origin.to_string(),
                    line,
                    column,
                    message: format!(
                        "action {:?} does not fit {} (VR {}); {}",
                        rule.action,
                        rule.select,
                        vr.to_string(),
                        fitting_actions(vr)
                    ),
                });
            }
        }
        Ok(())
    }

    /// Stacks the profile's layers into the rule set the engine uses.
    pub fn resolve(&self) -> Result<ResolvedProfile, ProfileError> {
        let mut chain = vec![self.clone()];
        let mut seen = vec![self.name.clone()];
        while let Some(base) = chain.last().and_then(|p| p.extends.clone()) {
            let parent = chain.last().and_then(|p| p.origin.clone());
            let next = load_base(&base, parent.as_deref())?;
            if seen.contains(&next.name) || seen.len() > 16 {
                seen.push(next.name);
                return Err(ProfileError::Cycle(seen.join(" → ")));
            }
            seen.push(next.name.clone());
            chain.push(next);
        }
        chain.reverse();

        let mut resolved = ResolvedProfile {
            name: self.name.clone(),
            ..ResolvedProfile::default()
        };
        let (root, custom) = match chain.split_first() {
            Some((root, rest)) if root.method.is_some() => (Some(root), rest),
            _ => (None, &chain[..]),
        };
        if let Some(root) = root {
            resolved.push_layer(&root.name, root.method.clone(), &root.rules);
        }
        let mut options: Vec<&'static Ps315Option> = Vec::new();
        for name in chain.iter().flat_map(|p| p.options.iter()) {
            // Clean Pixel Data changes pixels, not elements: no overlay of rules.
            if name == crate::pixels::CLEAN_PIXEL_DATA_OPTION {
                resolved.clean_pixel_data = true;
                continue;
            }
            let opt = builtin::option(name).ok_or_else(|| ProfileError::UnknownOption(name.clone()))?;
            if !options.contains(&opt) {
                options.push(opt);
            }
        }
        for (a, b) in builtin::EXCLUSIVE_OPTIONS {
            if options.iter().any(|o| o.name == *a) && options.iter().any(|o| o.name == *b) {
                return Err(ProfileError::ConflictingOptions(a.to_string(), b.to_string()));
            }
        }
        for opt in &options {
            let overlay = Profile::from_ron(opt.ron, opt.name)?;
            resolved.push_layer(opt.name, overlay.method, &overlay.rules);
            resolved.options.push(opt.name);
        }
        for p in custom {
            resolved.push_layer(&p.name, None, &p.rules);
            resolved.custom_layers.push(p.name.clone());
        }
        if resolved.clean_pixel_data {
            resolved.options.push(crate::pixels::CLEAN_PIXEL_DATA_OPTION);
        }
        for p in &chain {
            let origin = p
                .origin
                .as_ref()
                .map_or_else(|| p.name.clone(), |o| o.display().to_string());
            resolved.pixel_rules.extend(
                p.pixel_rules
                    .iter()
                    .enumerate()
                    .map(|(i, r)| r.to_rule(&format!("{origin}: pixel rule {}", i + 1))),
            );
        }
        Ok(resolved)
    }
}

fn load_base(spec: &str, from: Option<&Path>) -> Result<Profile, ProfileError> {
    if builtin::profile_text(spec).is_some() {
        return Profile::builtin(spec);
    }
    let relative = from
        .and_then(Path::parent)
        .map(|dir| dir.join(spec))
        .filter(|p| p.exists());
    match relative {
        Some(p) => Profile::load(&p),
        None => Profile::named_or_file(spec),
    }
}

fn fitting_actions(vr: dicom_core::VR) -> String {
    let names: Vec<String> = CONCRETE_ACTIONS
        .iter()
        .filter(|a| a.fits_vr(vr))
        .map(|a| format!("{a:?}"))
        .collect();
    format!("actions that fit are {}", names.join(", "))
}

/// A profile with its layers stacked, indexed for fast look-up per element.
#[derive(Clone, Debug, Default)]
pub struct ResolvedProfile {
    name: String,
    layers: Vec<String>,
    methods: Vec<MethodCode>,
    options: Vec<&'static str>,
    custom_layers: Vec<String>,
    rules: Vec<IndexedRule>,
    /// The last tag (or keyword) selector of each tag: it matches wherever the tag is, wins
    /// over earlier ones, and over every other form but paths.
    by_tag: HashMap<Tag, usize, BuildHasherDefault<TagHasher>>,
    /// Path selectors by the tag they end with, in order: they win over tag selectors where
    /// they match.
    paths: HashMap<Tag, Vec<usize>, BuildHasherDefault<TagHasher>>,
    /// Masked-tag selectors, in order: the other form that can match a public element.
    masks: Vec<usize>,
    /// Private element, private block and all-private selectors.
    private: Vec<usize>,
    /// Whether the Clean Pixel Data Option is in force.
    clean_pixel_data: bool,
    /// The pixel rules of every layer, then those added (`--pixel-rules`).
    pixel_rules: Vec<crate::pixels::PixelRule>,
}

#[derive(Clone, Debug)]
struct IndexedRule {
    rule: Rule,
    layer: usize,
    /// `layer: selector`, as plans show the rule: written the first time the rule decides
    /// an element, then shared (not copied) by every entry it decides.
    label: OnceLock<Arc<str>>,
}

/// The rule that decided an element, and where it came from.
#[derive(Clone, Copy, Debug)]
pub struct Matched<'a> {
    /// The rule's action.
    pub action: Action,
    /// The rule's selector.
    pub selector: &'a Selector,
    /// The layer (profile or option name) the rule belongs to.
    pub layer: &'a str,
    /// The rule as plans show it: `layer: selector`. Shared, so that each plan entry the
    /// rule decides can hold it without a copy.
    pub rule: &'a Arc<str>,
}

/// Hashes a `Tag` key with one multiplication, where the default hasher (SipHash) costs more
/// than the rest of a look-up. Its protection against chosen keys is not needed here: the
/// keys are the profile's own tags, and a file's tags are only looked up.
#[derive(Default)]
struct TagHasher(u64);

impl Hasher for TagHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    /// A tag hashes as its group then its element: side by side, they are the tag's 32 bits.
    fn write_u16(&mut self, n: u16) {
        self.0 = (self.0 << 16) | u64::from(n);
    }

    fn finish(&self) -> u64 {
        // Fibonacci hashing; the high half folded in, as the table takes the low bits.
        let h = self.0.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^ (h >> 32)
    }
}

impl ResolvedProfile {
    fn push_layer(&mut self, name: &str, method: Option<MethodCode>, rules: &[Rule]) {
        let layer = self.layers.len();
        self.layers.push(name.to_string());
        if let Some(m) = method {
            self.methods.push(m);
        }
        for rule in rules {
            let index = self.rules.len();
            match (rule.select.kind(), rule.select.target_tag()) {
                (SelectorKind::Tag(_), Some(tag)) => {
                    self.by_tag.insert(tag, index);
                }
                (SelectorKind::Path(_), Some(tag)) => self.paths.entry(tag).or_default().push(index),
                (SelectorKind::Mask { .. }, _) => self.masks.push(index),
                _ => self.private.push(index),
            }
            self.rules.push(IndexedRule {
                rule: rule.clone(),
                layer,
                label: OnceLock::new(),
            });
        }
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The PS3.15 options in force.
    pub fn options(&self) -> &[&'static str] {
        &self.options
    }

    /// The CID 7050 codes of the base profile and its options, for the De-identification
    /// Method Code Sequence.
    pub fn methods(&self) -> &[MethodCode] {
        &self.methods
    }

    /// Names of the custom profiles layered over the built-ins.
    pub fn custom_layers(&self) -> &[String] {
        &self.custom_layers
    }

    /// Whether any rule hashes, remaps UIDs or shifts dates (and so needs a salt).
    pub fn needs_salt(&self) -> bool {
        self.rules.iter().any(|r| r.rule.action.needs_salt())
    }

    /// Whether the Clean Pixel Data Option is in force: pixel rules are applied.
    pub fn cleans_pixel_data(&self) -> bool {
        self.clean_pixel_data
    }

    /// The pixel rules, in order.
    pub fn pixel_rules(&self) -> &[crate::pixels::PixelRule] {
        &self.pixel_rules
    }

    /// Adds pixel rules (from a rules file) after the profile's own.
    pub fn add_pixel_rules(&mut self, rules: impl IntoIterator<Item = crate::pixels::PixelRule>) {
        self.pixel_rules.extend(rules);
    }

    /// Whether an option is in force.
    pub fn has_option(&self, name: &str) -> bool {
        self.options.contains(&name)
    }

    /// The rule that applies to an element, if any (none: keep): the most specific of the
    /// rules that match, the later of equally specific ones.
    pub fn decide(&self, el: &ElementContext<'_>) -> Option<Matched<'_>> {
        let matches = |i: &&usize| self.rules[**i].rule.select.matches(el);
        // Path, then tag selectors are more specific than every other form: the others are
        // looked at only when none of them matches.
        let tag = el.path.tag;
        // Most profiles have no path selector: no look-up then.
        let path = if self.paths.is_empty() {
            None
        } else {
            self.paths
                .get(&tag)
                .and_then(|paths| paths.iter().rev().find(matches))
        };
        let named = path.or_else(|| self.by_tag.get(&tag)).copied();
        let best = named.or_else(|| {
            if private::is_private(tag) {
                // Of different specificities: the most specific, then the later.
                self.private
                    .iter()
                    .filter(matches)
                    .max_by_key(|&&i| (self.rules[i].rule.select.specificity(), i))
                    .copied()
            } else {
                self.masks.iter().rev().find(matches).copied()
            }
        })?;
        let r = &self.rules[best];
        let layer = &self.layers[r.layer];
        Some(Matched {
            action: r.rule.action,
            selector: &r.rule.select,
            layer,
            rule: r
                .label
                .get_or_init(|| format!("{layer}: {}", r.rule.select).into()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::TagPath;

    fn decide(p: &ResolvedProfile, tag: Tag, creator: Option<&str>) -> Option<Action> {
        let path = TagPath::root(tag);
        p.decide(&ElementContext { path: &path, creator })
            .map(|m| m.action)
    }

    #[test]
    fn basic_parses_and_covers_the_table() {
        let p = Profile::builtin("basic").unwrap();
        assert_eq!(p.rules.len(), 657);
        let r = p.resolve().unwrap();
        // Patient's Name is Z in Table E.1-1; Patient's Birth Name is X.
        assert_eq!(decide(&r, Tag(0x0010, 0x0010), None), Some(Action::Empty));
        assert_eq!(decide(&r, Tag(0x0010, 0x1005), None), Some(Action::Remove));
        assert_eq!(decide(&r, Tag(0x0020, 0x000D), None), Some(Action::ReplaceUid));
        assert_eq!(
            decide(&r, Tag(0x0019, 0x1023), Some("GEMS_ACQU_01")),
            Some(Action::Remove)
        );
        assert_eq!(decide(&r, Tag(0x0028, 0x0010), None), None);
        assert!(r.needs_salt());
    }

    #[test]
    fn options_override_basic_and_user_rules_override_options() {
        let p = Profile::extending("mine", "basic")
            .with_option("retain-uids")
            .with_option("retain-safe-private")
            .with_rule(Selector::parse("StudyInstanceUID").unwrap(), Action::Remove);
        let r = p.resolve().unwrap();
        assert_eq!(decide(&r, Tag(0x0008, 0x0018), None), Some(Action::Keep));
        assert_eq!(decide(&r, Tag(0x0020, 0x000D), None), Some(Action::Remove));
        assert_eq!(
            decide(&r, Tag(0x0019, 0x1123), Some("GEMS_ACQU_01")),
            Some(Action::Keep)
        );
        assert_eq!(
            decide(&r, Tag(0x0019, 0x1123), Some("ACME")),
            Some(Action::Remove)
        );
        assert_eq!(r.methods().len(), 3);
    }

    #[test]
    fn exclusive_and_unknown_options_are_refused() {
        let both = Profile::extending("x", "basic")
            .with_option("retain-long-full-dates")
            .with_option("retain-long-modified-dates");
        assert!(matches!(
            both.resolve(),
            Err(ProfileError::ConflictingOptions(..))
        ));
        let err = Profile::from_ron("(name: \"x\",\n options: [\"retain-everything\"])", "x.ron");
        assert!(
            matches!(
                err,
                Err(ProfileError::Invalid {
                    line: 2,
                    column: 12,
                    ..
                })
            ),
            "{err:?}"
        );
        let unknown = Profile::extending("x", "basic")
            .with_option("retain-everything")
            .resolve();
        assert!(matches!(unknown, Err(ProfileError::UnknownOption(_))));
    }

    #[test]
    fn syntax_and_vr_errors_carry_line_and_column() {
        let bad = "(\n  name: \"x\",\n  rules: [\n    (select: \"PatientNmae\", action: Remove),\n  ],\n)";
        match Profile::from_ron(bad, "x.ron") {
            Err(ProfileError::Syntax { line, .. }) => assert_eq!(line, 4),
            other => panic!("{other:?}"),
        }
        let unfit = "(\n  name: \"x\",\n  rules: [\n    (select: \"SOPInstanceUID\", action: Hash),\n  ],\n)";
        match Profile::from_ron(unfit, "x.ron") {
            Err(ProfileError::Invalid {
                line,
                column,
                message,
                ..
            }) => {
                assert_eq!((line, column), (4, 14));
                assert!(message.contains("ReplaceUid"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn ron_round_trip() {
        let p = Profile::extending("mine", "basic")
            .with_option("clean-descriptors")
            .with_rule(Selector::parse("(0019,xx23,GEMS_ACQU_01)").unwrap(), Action::Keep)
            .with_rule(Selector::parse("PatientName").unwrap(), Action::Hash);
        let text = p.to_ron();
        assert_eq!(Profile::from_ron(&text, "mine").unwrap(), p);
    }
}
