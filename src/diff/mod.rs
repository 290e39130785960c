//! The change entry shared by plans, reports and diffs: one element, what it was, what it
//! became and, for a plan, the rule that decided it; and the comparison of two files into
//! such entries (`dpk diff`).

mod compare;
mod pixels;

pub(crate) use compare::element_count;
pub use compare::{diff_files, diff_objects};
pub use pixels::diff_headers;
pub(crate) use pixels::insert_in_file_order;

use std::cell::Cell;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use dicom_core::{Tag, VR};
use serde::{Serialize, Serializer};

use crate::dataset::{keyword, Snapshot, TagPath};
use crate::profile::Action;

/// What happened to one element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// The value is as it was.
    Unchanged,
    /// The element is gone.
    Removed,
    /// The element stays, with a zero-length value (or no items).
    Emptied,
    /// The element has a new value.
    Replaced,
    /// The element was not there before.
    Added,
}

/// Why a plan entry is what it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Decision {
    /// The action carried out.
    #[serde(serialize_with = "action_label")]
    pub action: Action,
    /// The action the rule asked for, when it was a combined code or had to be replaced.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_action_label")]
    pub requested: Option<Action>,
    /// The rule: `layer: selector`, or what else decided (e.g. `default: not in Table E.1-1`).
    pub rule: RuleLabel,
    /// More on the decision: the IOD Type behind a combined code, a fallback's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<RuleLabel>,
}

/// The text of a [`Decision`]'s rule (or note). Every entry of a plan carries one, and most
/// are one of a few texts: a fixed one (`default: …`) or the label of the profile rule that
/// decided, which the profile writes once and every entry it decides shares (as notes share
/// the IOD Type behind a combined code). So it is a string that is not copied: a
/// `&'static str` or a shared `Arc<str>`, which a clone only counts.
/// It compares, prints and serializes as the text itself.
#[derive(Clone)]
pub struct RuleLabel(Label);

/// Where a [`RuleLabel`]'s text is.
#[derive(Clone)]
enum Label {
    Static(&'static str),
    Shared(Arc<str>),
}

impl RuleLabel {
    /// The text, borrowed.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Label::Static(s) => s,
            Label::Shared(s) => s,
        }
    }
}

impl Deref for RuleLabel {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for RuleLabel {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// The empty text, as a `String`'s default.
impl Default for RuleLabel {
    fn default() -> Self {
        RuleLabel::from("")
    }
}

/// A fixed text, without an allocation.
impl From<&'static str> for RuleLabel {
    fn from(s: &'static str) -> Self {
        RuleLabel(Label::Static(s))
    }
}

/// A text made for one entry (e.g. with a tag in it).
impl From<String> for RuleLabel {
    fn from(s: String) -> Self {
        RuleLabel(Label::Shared(s.into()))
    }
}

/// A text to be shared by many entries.
impl From<Arc<str>> for RuleLabel {
    fn from(s: Arc<str>) -> Self {
        RuleLabel(Label::Shared(s))
    }
}

impl fmt::Display for RuleLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`: width and alignment apply as they do to a `str`.
        f.pad(self.as_str())
    }
}

/// As the `str`'s: a quoted string, as `Decision`'s derived `Debug` showed a `String` rule.
impl fmt::Debug for RuleLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl PartialEq for RuleLabel {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for RuleLabel {}

impl std::hash::Hash for RuleLabel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for RuleLabel {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RuleLabel {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for RuleLabel {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

/// A plain JSON string, as when the rule was a `String`.
impl Serialize for RuleLabel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One element's before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    /// Where the element is.
    pub path: TagPath,
    /// The element's keyword (empty for private and unknown tags).
    #[serde(rename = "keyword")]
    pub keyword: &'static str,
    /// Its VR.
    #[serde(serialize_with = "vr_name")]
    pub vr: VR,
    /// What happened.
    pub kind: ChangeKind,
    /// The value before (`None`: absent).
    pub before: Option<Snapshot>,
    /// The value after (`None`: absent).
    pub after: Option<Snapshot>,
    /// For plan entries, why.
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub decision: Option<Decision>,
}

impl Change {
    /// An entry for an element of `path` with the given outcome.
    pub fn new(
        path: TagPath,
        vr: VR,
        kind: ChangeKind,
        before: Option<Snapshot>,
        after: Option<Snapshot>,
    ) -> Change {
        Change {
            keyword: keyword_of(path.tag),
            path,
            vr,
            kind,
            before,
            after,
            decision: None,
        }
    }

    /// Whether the element differs after.
    pub fn is_change(&self) -> bool {
        self.kind != ChangeKind::Unchanged
    }
}

/// The keyword of a tag as [`keyword`] gives it ("" for none), remembered per thread: every
/// entry of a plan or a diff carries its keyword, and a dictionary look-up hashes the tag.
fn keyword_of(tag: Tag) -> &'static str {
    /// Sets of a two-way cache: a tag can be in either slot of its set, and the one less
    /// recently stored makes way for a new tag.
    const SETS: usize = 512;
    type Slot = Cell<(u32, &'static str)>;
    thread_local! {
        // A free slot holds (FFFF,FFFF), whose keyword is "" as that of any odd group.
        static SEEN: [[Slot; 2]; SETS] = const { [const { [const { Cell::new((u32::MAX, "")) }; 2] }; SETS] };
    }
    let key = (u32::from(tag.group()) << 16) | u32::from(tag.element());
    // The top bits of a multiplicative hash pick the set.
    let set = (key.wrapping_mul(0x9E37_79B9) >> (32 - SETS.trailing_zeros())) as usize;
    SEEN.with(|seen| {
        let [newer, older] = &seen[set];
        for slot in [newer, older] {
            let (seen_key, word) = slot.get();
            if seen_key == key {
                return word;
            }
        }
        let word = keyword(tag).unwrap_or("");
        older.set(newer.get());
        newer.set((key, word));
        word
    })
}

fn vr_name<S: Serializer>(vr: &VR, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str((*vr).to_string())
}

fn action_label<S: Serializer>(a: &Action, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(a.label())
}

fn opt_action_label<S: Serializer>(a: &Option<Action>, s: S) -> Result<S::Ok, S::Error> {
    match a {
        Some(a) => s.serialize_str(a.label()),
        None => s.serialize_none(),
    }
}

/// Renders changes as aligned text lines, one per element: path, keyword, VR, action and
/// `before → after`. The same lines serve `--report`, `dpk diff` and the TUI's change list.
pub fn render_lines(changes: &[&Change], max_value: usize) -> Vec<String> {
    let path_width = changes
        .iter()
        .map(|c| c.path.to_string().len())
        .max()
        .unwrap_or(0);
    let kw_width = changes.iter().map(|c| c.keyword.len()).max().unwrap_or(0).min(36);
    changes
        .iter()
        .map(|c| {
            let show = |s: &Option<Snapshot>| match s {
                None => "(absent)".to_string(),
                Some(s) if s.is_empty() => "(empty)".to_string(),
                Some(s) => crate::dataset::render(s, c.vr, max_value),
            };
            let what = match c.decision.as_ref() {
                Some(d) => d.action.label(),
                None => kind_label(c.kind),
            };
            let after = match c.kind {
                ChangeKind::Removed => "(removed)".to_string(),
                _ => show(&c.after),
            };
            format!(
                "{:<pw$}  {:<kw$}  {:<2}  {:<10}  {} → {}",
                c.path.to_string(),
                c.keyword,
                c.vr.to_string(),
                what,
                show(&c.before),
                after,
                pw = path_width,
                kw = kw_width,
            )
        })
        .collect()
}

/// Renders changes as [`render_lines`] does, with values whole and escaped for a terminal:
/// a line that fits in `width` characters stays one line; a longer one is split into the
/// element's line and one wrapped block per side (`- ` before, `+ ` after), so that two long
/// values that differ only at their end never look the same.
pub fn render_wrapped(changes: &[&Change], width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for (c, line) in changes.iter().zip(render_lines(changes, 0)) {
        let line = crate::terminal_text::escape(&line).into_owned();
        if line.chars().count() <= width {
            out.push(line);
            continue;
        }
        let what = match c.decision.as_ref() {
            Some(d) => d.action.label(),
            None => kind_label(c.kind),
        };
        out.push(format!("{}  {}  {}  {what}", c.path, c.keyword, c.vr.to_string()));
        let show = |s: &Option<Snapshot>, removed: bool| match s {
            _ if removed => "(removed)".to_string(),
            None => "(absent)".to_string(),
            Some(s) if s.is_empty() => "(empty)".to_string(),
            Some(s) => crate::terminal_text::escape(&crate::dataset::render(s, c.vr, 0)).into_owned(),
        };
        let sides = [
            ("- ", show(&c.before, false)),
            ("+ ", show(&c.after, c.kind == ChangeKind::Removed)),
        ];
        let room = width.saturating_sub(4).max(20);
        for (mark, value) in sides {
            let chars: Vec<char> = value.chars().collect();
            for (i, chunk) in chars.chunks(room).enumerate() {
                let lead = if i == 0 { mark } else { "  " };
                out.push(format!("  {lead}{}", chunk.iter().collect::<String>()));
            }
            if chars.is_empty() {
                out.push(format!("  {mark}"));
            }
        }
    }
    out
}

/// A one-word label of a change's kind.
pub fn kind_label(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Unchanged => "unchanged",
        ChangeKind::Removed => "removed",
        ChangeKind::Emptied => "emptied",
        ChangeKind::Replaced => "replaced",
        ChangeKind::Added => "added",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_label_is_its_text() {
        let fixed = RuleLabel::from("default: kept");
        let shared = RuleLabel::from(Arc::<str>::from("default: kept"));
        let made = RuleLabel::from(String::from("default: kept"));
        assert_eq!(fixed, shared);
        assert_eq!(shared, made);
        assert_eq!(fixed, "default: kept");
        assert_eq!(fixed.to_string(), "default: kept");
        assert_eq!(format!("[{:<15}]", fixed), "[default: kept  ]");
        assert_eq!(format!("{fixed:?}"), format!("{:?}", "default: kept"));
        assert_eq!(serde_json::to_string(&shared).unwrap(), "\"default: kept\"");
    }
}
