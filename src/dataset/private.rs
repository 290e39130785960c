//! Private attributes and their creators (PS3.5 7.8).
//!
//! A private element (gggg,bbee), gggg odd, belongs to the block whose creator is stored in
//! (gggg,00bb) of the same dataset or item. Vendors' blocks move between files, so anything that
//! decides about a private element must go by creator + group + offset `ee`, never by fixed tag.

use dicom_core::Tag;
use dicom_object::InMemDicomObject;

/// Whether the tag is in an odd (private) group. Groups 0001, 0003, 0005 and 0007 are not
/// allowed to hold private data; they are treated as private too, so they are never kept blindly.
pub fn is_private(tag: Tag) -> bool {
    tag.group() % 2 == 1
}

/// Whether the tag is a private creator slot (gggg,0010)–(gggg,00FF).
pub fn is_private_creator(tag: Tag) -> bool {
    is_private(tag) && (0x0010..=0x00FF).contains(&tag.element())
}

/// The block number `bb` and offset `ee` of a private data element (gggg,bbee), or `None` for
/// creator slots and group lengths.
pub fn block_and_offset(tag: Tag) -> Option<(u8, u8)> {
    if !is_private(tag) || tag.element() < 0x1000 {
        return None;
    }
    Some(((tag.element() >> 8) as u8, (tag.element() & 0xFF) as u8))
}

/// The creator slot that reserves the block holding `tag`.
pub fn creator_tag(tag: Tag) -> Option<Tag> {
    block_and_offset(tag).map(|(block, _)| Tag(tag.group(), u16::from(block)))
}

/// The private creator string of `tag`'s block in `obj`, trimmed of DICOM padding.
pub fn creator_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let slot = creator_tag(tag)?;
    let element = obj.get(slot)?;
    let text = element.to_str().ok()?;
    let trimmed = text.trim_matches(|c: char| c == ' ' || c == '\0');
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_and_offsets() {
        assert_eq!(block_and_offset(Tag(0x0019, 0x1023)), Some((0x10, 0x23)));
        assert_eq!(block_and_offset(Tag(0x0019, 0x11A0)), Some((0x11, 0xA0)));
        assert_eq!(block_and_offset(Tag(0x0019, 0x0010)), None);
        assert_eq!(block_and_offset(Tag(0x0018, 0x1023)), None);
        assert_eq!(creator_tag(Tag(0x0029, 0x1105)), Some(Tag(0x0029, 0x0011)));
        assert!(is_private_creator(Tag(0x0029, 0x0011)));
        assert!(!is_private_creator(Tag(0x0029, 0x1011)));
    }
}
