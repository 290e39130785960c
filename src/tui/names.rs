//! Attribute names as PS3.6 writes them (Patient's Name), for search. dicom-dictionary-std
//! knows keywords only; the names of the attributes PS3.15 lists come with the Basic
//! Profile's rules (each rule follows a comment naming its attribute), and every other
//! attribute is matched by its keyword split into words (`StationName` → `Station Name`).

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

/// A keyword split into words: `ReferringPhysicianName` → `Referring Physician Name`.
pub fn keyword_words(keyword: &str) -> String {
    let mut out = String::with_capacity(keyword.len() + 4);
    let chars: Vec<char> = keyword.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        let prev = if i > 0 { chars.get(i - 1) } else { None };
        let starts_word = c.is_uppercase()
            && prev
                .is_some_and(|p| p.is_lowercase() || p.is_ascii_digit() || (p.is_uppercase() && next_lower));
        if starts_word {
            out.push(' ');
        }
        out.push(c);
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
            keyword_words("ReferringPhysicianName"),
            "Referring Physician Name"
        );
        assert_eq!(keyword_words("SOPInstanceUID"), "SOP Instance UID");
    }
}
