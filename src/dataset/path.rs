//! `TagPath`: where an element sits in a dataset, through any number of sequence items.
//!
//! Written `(0040,A730)[2].(0040,A160)`: the element (0040,A160) inside item 2 (0-based) of the
//! sequence (0040,A730). Plans, diffs, reports and the TUI all key elements by this path, so a
//! change shown on screen names the same element the engine touched.

use std::fmt;
use std::str::FromStr;

use dicom_core::Tag;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One level of nesting: a sequence and the item index within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemStep {
    /// The sequence's tag.
    pub sequence: Tag,
    /// The item's 0-based index.
    pub item: u32,
}

/// The location of one element in a dataset.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TagPath {
    /// Sequence items from the top-level dataset down to the element's own item.
    pub items: Vec<ItemStep>,
    /// The element's tag.
    pub tag: Tag,
}

impl TagPath {
    /// A top-level element.
    pub fn root(tag: Tag) -> Self {
        TagPath {
            items: Vec::new(),
            tag,
        }
    }

    /// The path of an element inside item `item` of the sequence this path names.
    pub fn child(&self, item: u32, tag: Tag) -> Self {
        // Sized for the new step at once: a clone then a push would allocate twice.
        let mut items = Vec::with_capacity(self.items.len() + 1);
        items.extend_from_slice(&self.items);
        items.push(ItemStep {
            sequence: self.tag,
            item,
        });
        TagPath { items, tag }
    }

    /// How many sequences enclose the element (0 at top level).
    pub fn depth(&self) -> usize {
        self.items.len()
    }

    /// Whether the element is in the file meta group (0002,xxxx).
    pub fn is_meta(&self) -> bool {
        self.items.is_empty() && self.tag.group() == 0x0002
    }
}

/// Formats a tag the way DICOM texts write it: `(GGGG,EEEE)`, upper-case hex.
pub fn tag_string(tag: Tag) -> String {
    format!("({:04X},{:04X})", tag.group(), tag.element())
}

impl fmt::Display for TagPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.items {
            write!(f, "{}[{}].", tag_string(step.sequence), step.item)?;
        }
        f.write_str(&tag_string(self.tag))
    }
}

/// Why a string is not a `TagPath` or tag.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not a tag path such as (0040,A730)[2].(0040,A160): {reason}")]
pub struct PathParseError {
    /// The text given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Parses `(GGGG,EEEE)` (parentheses optional) into a tag.
pub fn parse_tag(text: &str) -> Option<Tag> {
    let t = text.trim();
    let t = t.strip_prefix('(').unwrap_or(t);
    let t = t.strip_suffix(')').unwrap_or(t);
    let (g, e) = t.split_once(',')?;
    if g.len() != 4 || e.len() != 4 {
        return None;
    }
    Some(Tag(
        u16::from_str_radix(g, 16).ok()?,
        u16::from_str_radix(e, 16).ok()?,
    ))
}

impl FromStr for TagPath {
    type Err = PathParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason: &str| PathParseError {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        let parts: Vec<&str> = s.split('.').collect();
        let (last, seqs) = parts.split_last().ok_or_else(|| err("empty"))?;
        let mut items = Vec::with_capacity(seqs.len());
        for part in seqs {
            let (tag, index) = part
                .split_once('[')
                .ok_or_else(|| err("a sequence step needs an item index like [0]"))?;
            let index = index
                .strip_suffix(']')
                .and_then(|i| i.parse::<u32>().ok())
                .ok_or_else(|| err("bad item index"))?;
            items.push(ItemStep {
                sequence: parse_tag(tag).ok_or_else(|| err("bad tag"))?,
                item: index,
            });
        }
        Ok(TagPath {
            items,
            tag: parse_tag(last).ok_or_else(|| err("bad tag"))?,
        })
    }
}

impl Serialize for TagPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TagPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let p = TagPath::root(Tag(0x0040, 0xA730))
            .child(2, Tag(0x0040, 0xA730))
            .child(0, Tag(0x0040, 0xA160));
        let text = p.to_string();
        assert_eq!(text, "(0040,A730)[2].(0040,A730)[0].(0040,A160)");
        assert_eq!(text.parse::<TagPath>().unwrap(), p);
        assert_eq!(p.depth(), 2);
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in [
            "",
            "(0010,001)",
            "(0040,A730).(0040,A160)",
            "(0040,A730)[x].(0010,0010)",
        ] {
            assert!(bad.parse::<TagPath>().is_err(), "{bad}");
        }
    }
}
