//! Attribute names as PS3.6 writes them (Patient's Name), for search. dicom-dictionary-std
//! knows keywords only; the names of the attributes PS3.15 lists come with the Basic
//! Profile's rules (each rule follows a comment naming its attribute), and every other
//! attribute is matched by its keyword split into words (`StationName` → `Station Name`,
//! as [`crate::risk::words`] does). Private elements are named where PS3.15's table of safe
//! private attributes knows them.

use std::collections::HashMap;
use std::sync::OnceLock;

use dicom_core::Tag;

/// The PS3.6 name of the attribute at `tag`, where the Basic Profile names it.
pub fn attribute_name(tag: Tag) -> Option<&'static str> {
    static NAMES: OnceLock<HashMap<Tag, String>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            crate::profile::builtin::BUILTIN_PROFILES
                .iter()
                .flat_map(|(_, ron)| names_in(ron))
                .collect()
        })
        .get(&tag)
        .map(String::as_str)
}

/// The `// Name [code]` comments of a profile's RON text, each with the tag of the rule that
/// follows it.
fn names_in(ron: &str) -> Vec<(Tag, String)> {
    let mut out = Vec::new();
    let mut name: Option<&str> = None;
    for line in ron.lines().map(str::trim) {
        if let Some(comment) = line.strip_prefix("// ") {
            name = comment.rsplit_once(" [").map(|(n, _)| n);
        } else if let (Some(n), Some(rest)) = (name.take(), line.strip_prefix("(select: \"(")) {
            let tag = rest.get(..9).and_then(|t| {
                let (g, e) = t.split_once(',')?;
                Some(Tag(
                    u16::from_str_radix(g, 16).ok()?,
                    u16::from_str_radix(e, 16).ok()?,
                ))
            });
            if let Some(tag) = tag {
                out.push((tag, n.to_string()));
            }
        }
    }
    out
}

/// The meaning PS3.15 Table E.3.10-1 gives the private element at `tag` in a block of
/// `creator` (`Table Speed [mm/rotation]` for GEMS_ACQU_01's (0019,xx23)): the only private
/// dictionary the standard publishes, carried in the Retain Safe Private overlay's comments.
pub fn private_name(tag: Tag, creator: &str) -> Option<&'static str> {
    static NAMES: OnceLock<HashMap<(u16, u8, String), String>> = OnceLock::new();
    let offset = crate::dataset::private::block_and_offset(tag)?.1;
    NAMES
        .get_or_init(|| {
            crate::profile::builtin::option("retain-safe-private")
                .map(|o| private_names_in(o.ron))
                .unwrap_or_default()
        })
        .get(&(tag.group(), offset, creator.trim().to_string()))
        .map(String::as_str)
}

/// The `// Meaning` comments of the Retain Safe Private overlay, each with the group, offset
/// and creator of the rule that follows it.
fn private_names_in(ron: &str) -> HashMap<(u16, u8, String), String> {
    let mut out = HashMap::new();
    let mut name: Option<&str> = None;
    for line in ron.lines().map(str::trim) {
        if let Some(comment) = line.strip_prefix("// ") {
            name = Some(comment);
        } else if let (Some(n), Some(rest)) = (name.take(), line.strip_prefix("(select: \"(")) {
            let Some((selector, _)) = rest.split_once(")\"") else {
                continue;
            };
            let mut parts = selector.splitn(3, ',');
            let (Some(group), Some(element), Some(creator)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let group = u16::from_str_radix(group, 16).ok();
            let offset = element
                .strip_prefix("xx")
                .and_then(|e| u8::from_str_radix(e, 16).ok());
            if let (Some(group), Some(offset)) = (group, offset) {
                out.insert((group, offset, creator.to_string()), n.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_basic_profile() {
        assert_eq!(attribute_name(Tag(0x0010, 0x0010)), Some("Patient's Name"));
        assert_eq!(attribute_name(Tag(0x0008, 0x0050)), Some("Accession Number"));
        assert_eq!(
            crate::risk::words("ReferringPhysicianName"),
            "Referring Physician Name"
        );
        assert_eq!(crate::risk::words("SOPInstanceUID"), "SOP Instance UID");
    }

    #[test]
    fn private_elements_are_named_by_creator_and_offset() {
        // GEMS_ACQU_01's (0019,xx23) in block 0x10 and in block 0x11: the same attribute.
        for tag in [Tag(0x0019, 0x1023), Tag(0x0019, 0x1123)] {
            assert_eq!(
                private_name(tag, "GEMS_ACQU_01"),
                Some("Table Speed [mm/rotation]")
            );
            assert_eq!(
                private_name(tag, " GEMS_ACQU_01 "),
                Some("Table Speed [mm/rotation]")
            );
        }
        // Another creator at the same offset is another attribute, or none.
        assert_eq!(private_name(Tag(0x0019, 0x1023), "ACME_PHI_01"), None);
        // A creator slot itself is no attribute.
        assert_eq!(private_name(Tag(0x0019, 0x0010), "GEMS_ACQU_01"), None);
    }
}
