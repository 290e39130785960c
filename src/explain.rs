//! What dpk knows and does about one attribute, in words, for teaching: `dpk profile
//! explain` prints it, and the TUI's explain panel shows the same text.

use std::fmt::{self, Write as _};

use dicom_core::{Tag, VR};

use crate::dataset::{dictionary_vr, keyword, parse_tag, render, tag_of_keyword, tag_string, TagPath};
use crate::diff::Change;
use crate::profile::{builtin, ElementContext, Profile, ResolvedProfile, SelectorKind};
use crate::risk::{model_of, words, Category, RiskReport, Weights};

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
    category: Option<(Category, f64)>,
    findings: Vec<String>,
    after: Option<Vec<String>>,
    values: Vec<String>,
}

/// What is known of the attribute in one file, when a file is explained: what the plan does
/// to it and how the scorer counts it, so that the explanation says what they do.
#[derive(Clone, Copy, Debug, Default)]
pub struct InFile<'a> {
    /// The plan's entries for the attribute (at any depth): values before → after, and the
    /// decision.
    pub entries: &'a [Change],
    /// The private creator of the element explained, when it is private.
    pub creator: Option<&'a str>,
    /// The file's risk report.
    pub before: Option<&'a RiskReport>,
    /// The de-identified file's risk report (scored against the original).
    pub after: Option<&'a RiskReport>,
}

/// Finds the tag of a keyword or a `(GGGG,EEEE)` tag.
pub fn attribute(text: &str) -> Option<Tag> {
    parse_tag(text).or_else(|| tag_of_keyword(text.trim()))
}

/// The PS3.15 code of a built-in layer's rule for an element: its tag or mask rule (for a
/// private element, any rule: Table E.1-1's private row is the `private` selector).
fn code_in(ron: &str, name: &str, ctx: &ElementContext<'_>) -> Option<&'static str> {
    let profile = Profile::from_ron(ron, name).ok()?;
    let private = crate::dataset::private::is_private(ctx.path.tag);
    profile
        .rules
        .iter()
        .filter(|r| private || matches!(r.select.kind(), SelectorKind::Tag(_) | SelectorKind::Mask { .. }))
        .filter(|r| r.select.matches(ctx))
        // The most specific, the later of equally specific ones, as a profile decides.
        .max_by_key(|r| r.select.specificity())
        .and_then(|r| r.action.ps315_code())
}

/// Explains the attribute at `path` under `profile`; `file` says what the plan and the
/// scorer make of it in one file (its values before → after, the decision, the findings).
pub fn explain(
    path: &TagPath,
    profile: &ResolvedProfile,
    weights: &Weights,
    file: &InFile<'_>,
) -> Explanation {
    let tag = path.tag;
    let vr = dictionary_vr(tag).or_else(|| file.entries.iter().find(|c| c.path.tag == tag).map(|c| c.vr));
    let ctx = ElementContext {
        path,
        creator: file.creator,
    };
    let basic = builtin::profile_text("basic").and_then(|t| code_in(t, "basic", &ctx));
    let options = builtin::OPTIONS
        .iter()
        .filter_map(|o| code_in(o.ron, o.name, &ctx).map(|c| (o.name, c)))
        .collect();
    // The plan's own decision where the file has the element; the profile's rule otherwise.
    let decided = file
        .entries
        .iter()
        .find(|c| c.path == *path)
        .or_else(|| file.entries.iter().find(|c| c.path.tag == tag))
        .and_then(|c| c.decision.as_ref());
    let action = match decided {
        Some(d) => Some((d.action.label().to_string(), d.rule.to_string())),
        None => profile.decide(&ctx).map(|m| {
            (
                m.action.label().to_string(),
                format!("{}: {}", m.layer, m.selector),
            )
        }),
    };
    let finding_lines = |report: &RiskReport| -> Vec<String> {
        report
            .findings
            .iter()
            .filter(|f| f.path.tag == tag)
            .map(|f| {
                format!(
                    "{}: {:.2} {} — {}",
                    f.path,
                    f.weight,
                    f.category.label(),
                    f.reason
                )
            })
            .collect()
    };
    // In a file, the category and weight are the finding's; otherwise the model's.
    let finding = file.before.and_then(|r| {
        r.findings
            .iter()
            .find(|f| f.path == *path)
            .or_else(|| r.findings.iter().find(|f| f.path.tag == tag))
    });
    let category = match finding {
        Some(f) => Some((f.category, f.weight)),
        None => model_of(path, file.creator, vr, weights),
    };
    let values = file
        .entries
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
        findings: file.before.map(finding_lines).unwrap_or_default(),
        after: file.after.map(finding_lines),
        values,
    }
}

impl Explanation {
    /// The PHI category and weight said, when any: the file's finding, or the model's.
    pub fn category(&self) -> Option<(Category, f64)> {
        self.category
    }

    /// The PS3.15 Basic Profile code said (`None`: not in Table E.1-1, kept).
    pub fn basic_code(&self) -> Option<&'static str> {
        self.basic
    }

    /// The action said for the profile (its label), when a rule applies.
    pub fn action(&self) -> Option<&str> {
        self.action.as_ref().map(|(a, _)| a.as_str())
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
            Some((category, weight)) => {
                writeln!(f, "PHI category: {}: {}.", category.label(), category.why())?;
                let when = match category {
                    Category::BurnedInAnnotation if self.findings.is_empty() => " when it says YES",
                    Category::FreeText | Category::PrivateData if self.findings.is_empty() => {
                        "; more when it holds a name, ID or date"
                    }
                    _ => "",
                };
                writeln!(f, "Risk weight: {weight:.2}{when} (0–1; see `dpk score`)")?;
            }
            None => writeln!(
                f,
                "PHI category: none: dpk does not count it towards the risk score."
            )?,
        }
        match self.basic {
            Some(code) if crate::dataset::private::is_private(self.tag) => writeln!(
                f,
                "PS3.15 Basic Profile: {code} — {} (Table E.1-1, private attributes)",
                code_meaning(code)
            )?,
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
        if let Some(after) = &self.after {
            if self.findings.is_empty() {
                writeln!(f, "Score of this file: not counted")?;
            } else {
                writeln!(f, "Score of this file:")?;
                for line in &self.findings {
                    writeln!(f, "  {line}")?;
                }
            }
            if after.is_empty() {
                writeln!(f, "Score after the profile: not counted")?;
            } else {
                writeln!(f, "Score after the profile:")?;
                for line in after {
                    writeln!(f, "  {line}")?;
                }
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
        let text = explain(
            &TagPath::root(tags::PATIENT_NAME),
            &profile,
            &Weights::builtin(),
            &InFile::default(),
        )
        .to_string();
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
        let text = explain(
            &TagPath::root(tags::STUDY_DATE),
            &profile,
            &Weights::builtin(),
            &InFile::default(),
        )
        .to_string();
        assert!(text.contains("with retain-long-full-dates: K"), "{text}");
        assert!(text.contains("with retain-long-modified-dates: C"), "{text}");
        let curve = explain(
            &TagPath::root(Tag(0x5002, 0x3000)),
            &profile,
            &Weights::builtin(),
            &InFile::default(),
        )
        .to_string();
        assert!(curve.contains("Basic Profile: X"), "{curve}");
    }
}
