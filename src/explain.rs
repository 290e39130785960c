//! What dpk knows and does about one attribute, in words, for teaching: `dpk profile
//! explain` prints it, and the TUI's explain panel shows the same text.

use std::fmt::{self, Write as _};

use dicom_core::{Tag, VR};

use crate::dataset::{dictionary_vr, keyword, parse_tag, render, tag_of_keyword, tag_string, TagPath};
use crate::diff::Change;
use crate::profile::{builtin, ElementContext, Profile, ResolvedProfile, SelectorKind};
use crate::risk::{category_of, words, Weights};

/// The explanation of one attribute.
#[derive(Clone, Debug)]
pub struct Explanation {
    tag: Tag,
    keyword: Option<&'static str>,
    vr: Option<VR>,
    basic: Option<&'static str>,
    options: Vec<(&'static str, &'static str)>,
    profile: String,
    action: Option<(String, String)>,
    category: Option<(&'static str, &'static str, f64)>,
    values: Vec<String>,
}

/// Finds the tag of a keyword or a `(GGGG,EEEE)` tag.
pub fn attribute(text: &str) -> Option<Tag> {
    parse_tag(text).or_else(|| tag_of_keyword(text.trim()))
}

/// The PS3.15 code of a built-in layer's rule for a tag.
fn code_in(ron: &str, name: &str, tag: Tag) -> Option<&'static str> {
    let profile = Profile::from_ron(ron, name).ok()?;
    let path = TagPath::root(tag);
    profile
        .rules
        .iter()
        .rev()
        .find(|r| {
            matches!(r.select.kind(), SelectorKind::Tag(_) | SelectorKind::Mask { .. })
                && r.select.matches(&ElementContext {
                    path: &path,
                    creator: None,
                })
        })
        .and_then(|r| r.action.ps315_code())
}

/// Explains `tag` under `profile`; `entries` are a plan's entries for a file, whose values of
/// this attribute (at any depth) are shown before → after.
pub fn explain(tag: Tag, profile: &ResolvedProfile, weights: &Weights, entries: &[Change]) -> Explanation {
    let vr = dictionary_vr(tag);
    let basic = builtin::profile_text("basic").and_then(|t| code_in(t, "basic", tag));
    let options = builtin::OPTIONS
        .iter()
        .filter_map(|o| code_in(o.ron, o.name, tag).map(|c| (o.name, c)))
        .collect();
    let path = TagPath::root(tag);
    let action = profile
        .decide(&ElementContext {
            path: &path,
            creator: None,
        })
        .map(|m| {
            (
                m.action.label().to_string(),
                format!("{}: {}", m.layer, m.selector),
            )
        });
    let category = category_of(tag, vr).map(|c| (c.label(), c.why(), weights.weight_of(tag, c)));
    let values = entries
        .iter()
        .filter(|c| c.path.tag == tag)
        .map(|c| {
            let show = |s: &Option<crate::dataset::Snapshot>| match s {
                Some(v) if !v.is_empty() => render(v, c.vr, 64),
                Some(_) => "(empty)".to_string(),
                None => "(removed)".to_string(),
            };
            let why = c.decision.as_ref().map(|d| {
                let note = d.note.as_deref().map(|n| format!("; {n}")).unwrap_or_default();
                format!("  [{} by {}{note}]", d.action.label(), d.rule)
            });
            format!(
                "{}: {} → {}{}",
                c.path,
                show(&c.before),
                show(&c.after),
                why.unwrap_or_default()
            )
        })
        .collect();
    Explanation {
        tag,
        keyword: keyword(tag),
        vr,
        basic,
        options,
        profile: profile.name().to_string(),
        action,
        category,
        values,
    }
}

fn code_meaning(code: &str) -> &'static str {
    match code {
        "X" => "remove",
        "Z" => "empty (zero length)",
        "D" => "replace with a dummy value",
        "K" => "keep",
        "C" => "clean (keep the meaning, drop what identifies)",
        "U" => "replace with a new, consistent UID",
        "X/Z" => "remove, or empty where the IOD requires it (Type 2)",
        "X/D" => "remove, or a dummy where the IOD requires a value",
        "Z/D" => "empty, or a dummy where the IOD requires a value (Type 1)",
        "X/Z/D" => "remove, empty or dummy for Type 3, 2 and 1",
        "X/Z/U*" => "remove, empty, or new UIDs inside for Type 3, 2 and 1",
        _ => "",
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .keyword
            .map(words)
            .unwrap_or_else(|| "(not in the PS3.6 dictionary)".into());
        let mut head = format!("{} {name}", tag_string(self.tag));
        if let Some(k) = self.keyword {
            let _ = write!(head, " — keyword {k}");
        }
        if let Some(vr) = self.vr {
            let _ = write!(head, ", VR {}", vr.to_string());
        }
        writeln!(f, "{head}")?;
        match self.category {
            Some((label, why, weight)) => {
                writeln!(f, "PHI category: {label}: {why}.")?;
                writeln!(f, "Risk weight: {weight:.2} (0–1; see `dpk score`)")?;
            }
            None => writeln!(
                f,
                "PHI category: none: dpk does not count it towards the risk score."
            )?,
        }
        match self.basic {
            Some(code) => writeln!(f, "PS3.15 Basic Profile: {code} — {}", code_meaning(code))?,
            None => writeln!(f, "PS3.15 Basic Profile: not in Table E.1-1, so kept (K)")?,
        }
        for (name, code) in &self.options {
            writeln!(f, "  with {name}: {code} — {}", code_meaning(code))?;
        }
        match &self.action {
            Some((action, rule)) => writeln!(f, "Profile '{}': {action} (rule {rule})", self.profile)?,
            None => writeln!(f, "Profile '{}': keep (no rule matches)", self.profile)?,
        }
        if !self.values.is_empty() {
            writeln!(f, "In this file:")?;
            for v in &self.values {
                writeln!(f, "  {v}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_dictionary_std::tags;

    #[test]
    fn explains_patient_name_for_a_workshop() {
        let profile = Profile::builtin("basic").unwrap().resolve().unwrap();
        let text = explain(tags::PATIENT_NAME, &profile, &Weights::builtin(), &[]).to_string();
        assert!(
            text.starts_with("(0010,0010) Patient Name — keyword PatientName, VR PN"),
            "{text}"
        );
        assert!(text.contains("PHI category: direct identifier"), "{text}");
        assert!(text.contains("PS3.15 Basic Profile: Z — empty"), "{text}");
        assert!(
            text.contains("Profile 'basic': empty (rule basic: (0010,0010))"),
            "{text}"
        );
    }

    #[test]
    fn lists_what_each_option_changes() {
        let profile = Profile::builtin("basic").unwrap().resolve().unwrap();
        let text = explain(tags::STUDY_DATE, &profile, &Weights::builtin(), &[]).to_string();
        assert!(text.contains("with retain-long-full-dates: K"), "{text}");
        assert!(text.contains("with retain-long-modified-dates: C"), "{text}");
        let curve = explain(Tag(0x5002, 0x3000), &profile, &Weights::builtin(), &[]).to_string();
        assert!(curve.contains("Basic Profile: X"), "{curve}");
    }
}
