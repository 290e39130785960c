//! A table keyed by tag for the look-ups scoring makes on every element: tags as integers
//! (`group << 16 | element`), sorted, and a binary search over them — cheaper than hashing a
//! `Tag`, and cheaper than comparing `Tag`s field by field.

use dicom_core::Tag;

/// Values by tag, each tag once.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TagTable<T> {
    keys: Vec<u32>,
    values: Vec<T>,
}

fn key(tag: Tag) -> u32 {
    (u32::from(tag.group()) << 16) | u32::from(tag.element())
}

impl<T> TagTable<T> {
    /// A table of `entries`, in any order; of a tag listed twice, the first entry is kept.
    pub fn new(entries: impl IntoIterator<Item = (Tag, T)>) -> TagTable<T> {
        let mut entries: Vec<(u32, T)> = entries.into_iter().map(|(tag, v)| (key(tag), v)).collect();
        // A stable sort keeps the first of equal keys first, and `dedup` keeps the first.
        entries.sort_by_key(|(k, _)| *k);
        entries.dedup_by_key(|(k, _)| *k);
        let (keys, values) = entries.into_iter().unzip();
        TagTable { keys, values }
    }

    /// Where `tag` is, or would be inserted.
    fn position(&self, tag: Tag) -> (usize, bool) {
        let k = key(tag);
        let i = self.keys.partition_point(|&x| x < k);
        (i, self.keys.get(i) == Some(&k))
    }

    /// The value of `tag`.
    pub fn get(&self, tag: Tag) -> Option<&T> {
        match self.position(tag) {
            (i, true) => self.values.get(i),
            _ => None,
        }
    }

    /// Sets the value of `tag`, replacing any it had.
    pub fn insert(&mut self, tag: Tag, value: T) {
        match self.position(tag) {
            (i, true) => self.values[i] = value,
            (i, false) => {
                self.keys.insert(i, key(tag));
                self.values.insert(i, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_entry_wins_and_insert_replaces() {
        let mut t = TagTable::new([
            (Tag(0x0010, 0x0010), 1),
            (Tag(0x0008, 0x0020), 2),
            (Tag(0x0010, 0x0010), 3),
        ]);
        assert_eq!(t.get(Tag(0x0010, 0x0010)), Some(&1));
        assert_eq!(t.get(Tag(0x0008, 0x0020)), Some(&2));
        assert_eq!(t.get(Tag(0x0009, 0x0020)), None);
        t.insert(Tag(0x0010, 0x0010), 4);
        t.insert(Tag(0x0009, 0x0020), 5);
        assert_eq!(t.get(Tag(0x0010, 0x0010)), Some(&4));
        assert_eq!(t.get(Tag(0x0009, 0x0020)), Some(&5));
    }
}
