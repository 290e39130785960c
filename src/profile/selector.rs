//! Which elements a rule applies to.
//!
//! Written as one string in RON, in any of these forms:
//!
//! | form | example | matches |
//! | --- | --- | --- |
//! | tag | `"(0010,0010)"` | that public tag, at any depth |
//! | keyword | `"PatientName"` | the same, by its PS3.6 keyword |
//! | masked tag | `"(50xx,xxxx)"`, `"(60xx,3000)"` | repeating groups (even groups only); `x` is any hex digit |
//! | private element | `"(0019,xx23,GEMS_ACQU_01)"` | offset 23 of any block of group 0019 reserved by creator `GEMS_ACQU_01` |
//! | private block | `"(0019,xxxx,GEMS_ACQU_01)"` | every element of such blocks |
//! | all private | `"private"` | every element of an odd group, creators included |
//! | path | `"ReferencedImageSequence[*].ReferencedSOPInstanceUID"`, `"(0040,A730)[2].(0040,A160)"` | only at that place; `[*]` is any item |
//!
//! When several rules match one element, the most specific form wins, in the order
//! path > tag/keyword > private element > private block > masked tag > all private; between
//! rules of the same form, the later one wins (see [`super::ResolvedProfile`]).

use std::fmt;

use dicom_core::Tag;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::dataset::{parse_tag, private, tag_of_keyword, TagPath};

/// A parsed selector, with the text it was written as (kept for saving and for messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selector {
    text: String,
    kind: SelectorKind,
}

/// The forms a selector takes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SelectorKind {
    /// One public (or, discouraged, fixed private) tag.
    Tag(Tag),
    /// A tag with wildcard hex digits, even groups only.
    Mask {
        /// The required bits of `group << 16 | element`.
        value: u32,
        /// Which bits are fixed.
        mask: u32,
    },
    /// A private element or block by creator.
    Private {
        /// The Private Creator value.
        creator: String,
        /// The odd group.
        group: u16,
        /// The element offset within the block; `None` for the whole block.
        offset: Option<u8>,
    },
    /// Every element of an odd group.
    AllPrivate,
    /// One place in the tree.
    Path(Vec<PathSegment>),
}

/// One step of a path selector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathSegment {
    /// The tag at this level.
    pub tag: Tag,
    /// For a sequence step, which item (`None`: any). Unused on the last step.
    pub item: Option<u32>,
}

/// Why a selector string was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("selector '{text}': {reason}")]
pub struct SelectorError {
    /// The text given.
    pub text: String,
    /// What is wrong.
    pub reason: String,
}

/// What the engine knows about one element when it asks which rule applies.
#[derive(Clone, Copy, Debug)]
pub struct ElementContext<'a> {
    /// Where the element is.
    pub path: &'a TagPath,
    /// Its block's private creator, for private data elements.
    pub creator: Option<&'a str>,
}

impl Selector {
    /// Parses a selector from its text form.
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        let err = |reason: String| SelectorError {
            text: text.to_string(),
            reason,
        };
        let t = text.trim();
        let kind = if t == "private" {
            SelectorKind::AllPrivate
        } else if t.contains('.') && !t.starts_with('(') || t.contains(")[") || t.contains("].") {
            SelectorKind::Path(parse_path(t).map_err(err)?)
        } else if t.starts_with('(') {
            parse_bracketed(t).map_err(err)?
        } else {
            SelectorKind::Tag(keyword_tag(t).map_err(err)?)
        };
        Ok(Selector {
            text: t.to_string(),
            kind,
        })
    }

    /// A selector for one tag, written as `(GGGG,EEEE)`.
    pub fn tag(tag: Tag) -> Selector {
        Selector {
            text: crate::dataset::tag_string(tag),
            kind: SelectorKind::Tag(tag),
        }
    }

    /// A selector for exactly this path (every item index fixed).
    pub fn exact_path(path: &TagPath) -> Selector {
        let mut segs: Vec<PathSegment> = path
            .items
            .iter()
            .map(|s| PathSegment {
                tag: s.sequence,
                item: Some(s.item),
            })
            .collect();
        segs.push(PathSegment {
            tag: path.tag,
            item: None,
        });
        Selector {
            text: path.to_string(),
            kind: SelectorKind::Path(segs),
        }
    }

    /// The parsed form.
    pub fn kind(&self) -> &SelectorKind {
        &self.kind
    }

    /// The text the selector was written as.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Higher is more specific; see the module documentation.
    pub fn specificity(&self) -> u8 {
        match &self.kind {
            SelectorKind::Path(_) => 5,
            SelectorKind::Tag(_) => 4,
            SelectorKind::Private { offset: Some(_), .. } => 3,
            SelectorKind::Private { offset: None, .. } => 2,
            SelectorKind::Mask { .. } => 1,
            SelectorKind::AllPrivate => 0,
        }
    }

    /// The single tag this selector names, for tag, keyword and path selectors.
    pub fn target_tag(&self) -> Option<Tag> {
        match &self.kind {
            SelectorKind::Tag(t) => Some(*t),
            SelectorKind::Path(segs) => segs.last().map(|s| s.tag),
            _ => None,
        }
    }

    /// Whether the selector matches the element.
    pub fn matches(&self, el: &ElementContext<'_>) -> bool {
        let tag = el.path.tag;
        match &self.kind {
            SelectorKind::Tag(t) => *t == tag,
            SelectorKind::Mask { value, mask } => {
                let full = (u32::from(tag.group()) << 16) | u32::from(tag.element());
                !private::is_private(tag) && full & mask == *value
            }
            SelectorKind::Private {
                creator,
                group,
                offset,
            } => {
                tag.group() == *group
                    && el.creator == Some(creator.as_str())
                    && match (offset, private::block_and_offset(tag)) {
                        (Some(o), Some((_, eo))) => *o == eo,
                        (None, Some(_)) => true,
                        _ => false,
                    }
            }
            SelectorKind::AllPrivate => private::is_private(tag),
            SelectorKind::Path(segs) => {
                segs.len() == el.path.items.len() + 1
                    && segs.last().map(|s| s.tag) == Some(tag)
                    && segs.iter().zip(&el.path.items).all(|(seg, step)| {
                        seg.tag == step.sequence && seg.item.is_none_or(|i| i == step.item)
                    })
            }
        }
    }
}

fn keyword_tag(word: &str) -> Result<Tag, String> {
    if word.is_empty() {
        return Err("empty".into());
    }
    if !word.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(
            "not a tag like (0010,0010), a PS3.6 keyword, a private block like \
                    (0019,xx23,CREATOR), a path, or 'private'"
                .into(),
        );
    }
    tag_of_keyword(word).ok_or_else(|| format!("unknown keyword '{word}'"))
}

fn parse_bracketed(t: &str) -> Result<SelectorKind, String> {
    let inner = t
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .ok_or("unbalanced parentheses")?;
    let mut parts = inner.splitn(3, ',');
    let group = parts.next().unwrap_or_default().trim();
    let element = parts.next().ok_or("expected (GGGG,EEEE)")?.trim();
    if let Some(creator) = parts.next() {
        let creator = creator.trim();
        if creator.is_empty() {
            return Err("empty private creator".into());
        }
        let group = u16::from_str_radix(group, 16).map_err(|_| "bad group")?;
        if group % 2 == 0 {
            return Err("a private creator needs an odd group".into());
        }
        let element = element.to_ascii_lowercase();
        let offset = match element.as_str() {
            "xxxx" => None,
            e if e.len() == 4 && e.starts_with("xx") => {
                Some(u8::from_str_radix(&e[2..], 16).map_err(|_| "bad element offset")?)
            }
            _ => return Err("private elements are written (gggg,xxEE,CREATOR)".into()),
        };
        return Ok(SelectorKind::Private {
            creator: creator.to_string(),
            group,
            offset,
        });
    }
    if group.len() != 4 || element.len() != 4 {
        return Err("a tag has four hex digits in group and element".into());
    }
    let digits = format!("{group}{element}");
    if digits.contains(['x', 'X']) {
        let (mut value, mut mask) = (0u32, 0u32);
        for c in digits.chars() {
            value <<= 4;
            mask <<= 4;
            if !c.eq_ignore_ascii_case(&'x') {
                value |= c.to_digit(16).ok_or("bad hex digit")?;
                mask |= 0xF;
            }
        }
        return Ok(SelectorKind::Mask { value, mask });
    }
    parse_tag(t)
        .map(SelectorKind::Tag)
        .ok_or_else(|| "bad hex digits".into())
}

fn parse_path(t: &str) -> Result<Vec<PathSegment>, String> {
    let steps: Vec<&str> = t.split('.').collect();
    let mut segs = Vec::with_capacity(steps.len());
    for (i, step) in steps.iter().enumerate() {
        let last = i + 1 == steps.len();
        let (head, item) = match step.split_once('[') {
            Some((head, rest)) => {
                let idx = rest.strip_suffix(']').ok_or("missing ]")?;
                let item = if idx == "*" {
                    None
                } else {
                    Some(idx.parse::<u32>().map_err(|_| "bad item index")?)
                };
                (head, Some(item))
            }
            None => (*step, None),
        };
        if last == item.is_some() {
            return Err(if last {
                "the last step names an element, not an item".into()
            } else {
                "each sequence step needs an item: [0] or [*]".into()
            });
        }
        let tag = if head.starts_with('(') {
            parse_tag(head).ok_or("bad tag")?
        } else {
            keyword_tag(head)?
        };
        segs.push(PathSegment {
            tag,
            item: item.flatten(),
        });
    }
    Ok(segs)
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Selector {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Selector {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Selector::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Selector {
    type Err = SelectorError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(path: &TagPath) -> ElementContext<'_> {
        ElementContext { path, creator: None }
    }

    #[test]
    fn keyword_and_tag_select_the_same_element_at_any_depth() {
        let deep = TagPath::root(Tag(0x0008, 0x1140)).child(1, Tag(0x0010, 0x0010));
        for s in ["PatientName", "(0010,0010)"] {
            let sel = Selector::parse(s).unwrap();
            assert!(sel.matches(&ctx(&deep)));
            assert!(sel.matches(&ctx(&TagPath::root(Tag(0x0010, 0x0010)))));
            assert_eq!(sel.specificity(), 4);
        }
    }

    #[test]
    fn masks_match_even_repeating_groups_only() {
        let sel = Selector::parse("(60xx,3000)").unwrap();
        assert!(sel.matches(&ctx(&TagPath::root(Tag(0x6002, 0x3000)))));
        assert!(!sel.matches(&ctx(&TagPath::root(Tag(0x6003, 0x3000)))));
        assert!(!sel.matches(&ctx(&TagPath::root(Tag(0x6002, 0x3001)))));
    }

    #[test]
    fn private_selectors_go_by_creator_not_fixed_tag() {
        let sel = Selector::parse("(0019,xx23,GEMS_ACQU_01)").unwrap();
        for tag in [Tag(0x0019, 0x1023), Tag(0x0019, 0x1123)] {
            let p = TagPath::root(tag);
            assert!(sel.matches(&ElementContext {
                path: &p,
                creator: Some("GEMS_ACQU_01")
            }));
            assert!(!sel.matches(&ElementContext {
                path: &p,
                creator: Some("OTHER")
            }));
        }
        let comma = Selector::parse("(7E01,xx02,HOLOGIC, Inc.)").unwrap();
        assert!(matches!(comma.kind(), SelectorKind::Private { creator, .. } if creator == "HOLOGIC, Inc."));
    }

    #[test]
    fn paths_fix_the_place() {
        let sel = Selector::parse("ReferencedImageSequence[*].ReferencedSOPInstanceUID").unwrap();
        let inside = TagPath::root(Tag(0x0008, 0x1140)).child(3, Tag(0x0008, 0x1155));
        let elsewhere = TagPath::root(Tag(0x0008, 0x2112)).child(0, Tag(0x0008, 0x1155));
        assert!(sel.matches(&ctx(&inside)));
        assert!(!sel.matches(&ctx(&elsewhere)));
        let exact = Selector::exact_path(&inside);
        assert_eq!(exact.as_str(), "(0008,1140)[3].(0008,1155)");
        assert_eq!(Selector::parse(exact.as_str()).unwrap(), exact);
    }

    #[test]
    fn bad_selectors_say_why() {
        for bad in ["PatientNmae", "(0010,00)", "(0018,xx23,X)", "Seq[0]", "A.B", ""] {
            assert!(Selector::parse(bad).is_err(), "{bad}");
        }
    }
}
