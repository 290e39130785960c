//! The PS3.15 Table E.3.10-1 safe private attributes, from the Retain Safe Private overlay
//! (`profiles/options/retain-safe-private.ron`), parsed once and indexed by group and offset.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::dataset::{private, TagPath};
use crate::profile::{builtin, ElementContext, Profile, Selector, SelectorKind};

/// The overlay's selectors, by (group, offset); whole-block selectors under offset `None`.
type Index = HashMap<(u16, Option<u8>), Vec<Selector>>;

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = Index::new();
        let overlay = builtin::option("retain-safe-private")
            .and_then(|o| Profile::from_ron(o.ron, o.name).ok())
            .map(|p| p.rules)
            .unwrap_or_default();
        for rule in overlay {
            if let SelectorKind::Private { group, offset, .. } = rule.select.kind() {
                index
                    .entry((*group, *offset))
                    .or_default()
                    .push(rule.select.clone());
            }
        }
        index
    })
}

/// Whether the private data element at `path`, in a block of `creator`, is on the safe list.
///
/// An element whose creator is missing counts as safe when its group and offset are on the
/// list for *some* creator: so removing a creator never turns safe elements into findings
/// (the model stays monotone), at the price of trusting an orphan that happens to sit at a
/// safe offset.
pub fn is_safe(path: &TagPath, creator: Option<&str>) -> bool {
    let tag = path.tag;
    let Some((_, offset)) = private::block_and_offset(tag) else {
        return false;
    };
    let index = index();
    let candidates = [(tag.group(), Some(offset)), (tag.group(), None)];
    match creator {
        None => candidates.iter().any(|key| index.contains_key(key)),
        Some(_) => {
            let el = ElementContext { path, creator };
            candidates
                .iter()
                .filter_map(|key| index.get(key))
                .flatten()
                .any(|sel| sel.matches(&el))
        }
    }
}

/// How many selectors the safe list holds (for tests).
#[cfg(test)]
pub fn len() -> usize {
    index().values().map(Vec::len).sum()
}
