//! Pixel rules: which images carry burned-in text, and where.

use std::fmt;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde::{Deserialize, Serialize};

/// One rule: the images it is for, and the rectangles to blank in each of their frames.
#[derive(Clone, Debug, PartialEq)]
pub struct PixelRule {
    /// A short description (a CTP script's text before the signature, or the RON `name`).
    pub name: String,
    /// Which images.
    pub signature: Signature,
    /// Where their text is.
    pub regions: Vec<Region>,
    /// Where the rule was read from (`file:line`), for plans and errors.
    pub origin: String,
}

/// A rectangle of pixels: column `x`, row `y` of its top-left corner, its width and height.
/// A region running past the image is clamped to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// First column (0 = left edge).
    pub x: u32,
    /// First row (0 = top edge).
    pub y: u32,
    /// Columns covered.
    pub width: u32,
    /// Rows covered.
    pub height: u32,
}

impl fmt::Display for Region {
    /// CTP's form: `(x,y,w,h)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({},{},{},{})", self.x, self.y, self.width, self.height)
    }
}

/// A condition on a file's attributes, as CTP writes them: tests joined by and (`*`), or
/// (`+`) and not (`!`).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Signature {
    /// One test of one attribute.
    Test(Test),
    /// Every one holds (an empty list always holds).
    All(Vec<Signature>),
    /// At least one holds.
    Any(Vec<Signature>),
    /// It does not hold.
    Not(Box<Signature>),
}

/// A test of one top-level attribute's value (its values joined by `\`, padding trimmed; an
/// absent attribute reads as empty text, as in CTP).
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    /// The attribute.
    pub tag: Tag,
    /// How it was named: a keyword or `[gggg,eeee]`.
    pub name: String,
    /// The comparison.
    pub op: Op,
    /// The text compared with.
    pub value: String,
}

/// CTP's comparisons (Java's `String` methods of the same names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// The whole value, exactly.
    Equals,
    /// The whole value, ignoring case.
    EqualsIgnoreCase,
    /// Anywhere in the value.
    Contains,
    /// Anywhere, ignoring case.
    ContainsIgnoreCase,
    /// At its start.
    StartsWith,
    /// At its start, ignoring case.
    StartsWithIgnoreCase,
    /// At its end.
    EndsWith,
    /// At its end, ignoring case.
    EndsWithIgnoreCase,
    /// The value is empty (no argument).
    IsBlank,
}

impl Op {
    /// The method name CTP scripts use.
    pub fn name(self) -> &'static str {
        match self {
            Op::Equals => "equals",
            Op::EqualsIgnoreCase => "equalsIgnoreCase",
            Op::Contains => "contains",
            Op::ContainsIgnoreCase => "containsIgnoreCase",
            Op::StartsWith => "startsWith",
            Op::StartsWithIgnoreCase => "startsWithIgnoreCase",
            Op::EndsWith => "endsWith",
            Op::EndsWithIgnoreCase => "endsWithIgnoreCase",
            Op::IsBlank => "isBlank",
        }
    }

    /// The comparison a method name stands for.
    pub fn from_name(name: &str) -> Option<Op> {
        [
            Op::Equals,
            Op::EqualsIgnoreCase,
            Op::Contains,
            Op::ContainsIgnoreCase,
            Op::StartsWith,
            Op::StartsWithIgnoreCase,
            Op::EndsWith,
            Op::EndsWithIgnoreCase,
            Op::IsBlank,
        ]
        .into_iter()
        .find(|op| op.name() == name)
    }

    fn holds(self, value: &str, arg: &str) -> bool {
        let (v, a) = (value.to_lowercase(), arg.to_lowercase());
        match self {
            Op::Equals => value == arg,
            Op::EqualsIgnoreCase => v == a,
            Op::Contains => value.contains(arg),
            Op::ContainsIgnoreCase => v.contains(&a),
            Op::StartsWith => value.starts_with(arg),
            Op::StartsWithIgnoreCase => v.starts_with(&a),
            Op::EndsWith => value.ends_with(arg),
            Op::EndsWithIgnoreCase => v.ends_with(&a),
            Op::IsBlank => value.trim().is_empty(),
        }
    }
}

impl Signature {
    /// Whether the data set's top-level attributes satisfy the signature.
    pub fn matches(&self, obj: &InMemDicomObject) -> bool {
        match self {
            Signature::Test(t) => t.op.holds(&value_text(obj, t.tag), &t.value),
            Signature::All(parts) => parts.iter().all(|s| s.matches(obj)),
            Signature::Any(parts) => parts.iter().any(|s| s.matches(obj)),
            Signature::Not(inner) => !inner.matches(obj),
        }
    }
}

impl Signature {
    /// Whether the signature joins others, and so needs parentheses inside another (`true`
    /// and `false`, the empty ones, are single words).
    fn is_compound(&self) -> bool {
        matches!(self, Signature::All(parts) | Signature::Any(parts) if !parts.is_empty())
    }
}

impl fmt::Display for Signature {
    /// CTP's syntax, so that a plan shows the rule as a script would write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let join = |f: &mut fmt::Formatter<'_>, parts: &[Signature], op: &str| -> fmt::Result {
            // Nothing to hold: "all of" none always holds, "any of" none never does.
            if parts.is_empty() {
                return f.write_str(if op == "*" { "true" } else { "false" });
            }
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                if p.is_compound() {
                    write!(f, "({p})")?;
                } else {
                    write!(f, "{p}")?;
                }
            }
            Ok(())
        };
        match self {
            Signature::Test(t) if t.op == Op::IsBlank => write!(f, "{}.isBlank()", t.name),
            Signature::Test(t) => write!(f, "{}.{}(\"{}\")", t.name, t.op.name(), t.value),
            Signature::All(parts) => join(f, parts, "*"),
            Signature::Any(parts) => join(f, parts, "+"),
            Signature::Not(inner) if inner.is_compound() => write!(f, "!({inner})"),
            Signature::Not(inner) => write!(f, "!{inner}"),
        }
    }
}

impl fmt::Display for PixelRule {
    /// `name { signature } (x,y,w,h) …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.name.is_empty() {
            write!(f, "{} ", self.name)?;
        }
        write!(f, "{{ {} }}", self.signature)?;
        for r in &self.regions {
            write!(f, " {r}")?;
        }
        Ok(())
    }
}

/// A top-level attribute's value as text: its values joined by `\`, each trimmed of padding.
fn value_text(obj: &InMemDicomObject, tag: Tag) -> String {
    let Some(p) = obj.get(tag).and_then(|el| el.value().primitive()) else {
        return String::new();
    };
    p.to_multi_str()
        .iter()
        .map(|s| s.trim_matches(|c: char| c == ' ' || c == '\0'))
        .collect::<Vec<_>>()
        .join("\\")
}

/// A device, as dpk's RON names one: every field optional, all given ones must hold. Text
/// fields compare ignoring case: Modality and SOP Class UID whole, Manufacturer and
/// Manufacturer's Model Name anywhere in the value (as CTP's `containsIgnoreCase`, since
/// vendors vary the suffixes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceSignature {
    /// Modality (0008,0060), e.g. `US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<String>,
    /// Manufacturer (0008,0070).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// Manufacturer's Model Name (0008,1090).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Rows (0028,0010).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u32>,
    /// Columns (0028,0011).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<u32>,
    /// SOP Class UID (0008,0016).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sop_class: Option<String>,
}

impl DeviceSignature {
    /// The same condition as a [`Signature`].
    pub fn to_signature(&self) -> Signature {
        let test = |tag: Tag, name: &str, op: Op, value: String| {
            Signature::Test(Test {
                tag,
                name: name.to_string(),
                op,
                value,
            })
        };
        let mut parts = Vec::new();
        if let Some(v) = &self.modality {
            parts.push(test(tags::MODALITY, "Modality", Op::EqualsIgnoreCase, v.clone()));
        }
        if let Some(v) = &self.manufacturer {
            parts.push(test(
                tags::MANUFACTURER,
                "Manufacturer",
                Op::ContainsIgnoreCase,
                v.clone(),
            ));
        }
        if let Some(v) = &self.model {
            parts.push(test(
                tags::MANUFACTURER_MODEL_NAME,
                "ManufacturerModelName",
                Op::ContainsIgnoreCase,
                v.clone(),
            ));
        }
        if let Some(v) = self.rows {
            parts.push(test(tags::ROWS, "Rows", Op::Equals, v.to_string()));
        }
        if let Some(v) = self.columns {
            parts.push(test(tags::COLUMNS, "Columns", Op::Equals, v.to_string()));
        }
        if let Some(v) = &self.sop_class {
            parts.push(test(
                tags::SOP_CLASS_UID,
                "SOPClassUID",
                Op::EqualsIgnoreCase,
                v.clone(),
            ));
        }
        Signature::All(parts)
    }
}

/// A pixel rule as written in dpk's RON: `(name: "…", signature: (modality: Some("US"), …),
/// regions: [(x: 0, y: 0, width: 640, height: 40)])`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PixelRuleRon {
    /// What the rule is for.
    #[serde(default)]
    pub name: String,
    /// The device.
    #[serde(default)]
    pub signature: DeviceSignature,
    /// Where its text is.
    pub regions: Vec<Region>,
}

impl PixelRuleRon {
    /// The rule, `origin` saying where it was read.
    pub fn to_rule(&self, origin: &str) -> PixelRule {
        PixelRule {
            name: self.name.clone(),
            signature: self.signature.to_signature(),
            regions: self.regions.clone(),
            origin: origin.to_string(),
        }
    }
}

/// What is wrong with a rules file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct PixelRuleError {
    /// The file.
    pub origin: String,
    /// 1-based line (0 when not known).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads a RON list of pixel rules.
pub fn from_ron(text: &str, origin: &str) -> Result<Vec<PixelRule>, PixelRuleError> {
    let rules: Vec<PixelRuleRon> = crate::ron_text::from_str(text).map_err(|e| PixelRuleError {
        origin: origin.to_string(),
        line: e.line,
        message: format!("column {}: {}", e.column, e.message),
    })?;
    check_regions(&rules, origin)?;
    Ok(rules
        .iter()
        .enumerate()
        .map(|(i, r)| r.to_rule(&format!("{origin}: rule {}", i + 1)))
        .collect())
}

/// A rule without a region, or with an empty one, blanks nothing: almost surely a mistake.
pub(crate) fn check_regions(rules: &[PixelRuleRon], origin: &str) -> Result<(), PixelRuleError> {
    for (i, r) in rules.iter().enumerate() {
        if r.regions.is_empty() || r.regions.iter().any(|g| g.width == 0 || g.height == 0) {
            return Err(PixelRuleError {
                origin: origin.to_string(),
                line: 0,
                message: format!(
                    "pixel rule {} ('{}') needs regions of at least one pixel",
                    i + 1,
                    r.name
                ),
            });
        }
    }
    Ok(())
}

/// The rules whose signatures the data set satisfies, in order.
pub fn matching_rules<'r>(obj: &InMemDicomObject, rules: &'r [PixelRule]) -> Vec<&'r PixelRule> {
    rules.iter().filter(|r| r.signature.matches(obj)).collect()
}

/// Modalities whose images commonly carry burned-in text: ultrasound, angiography and
/// fluoroscopy screens, endoscopy and other video, and captured screens.
const RISKY_MODALITIES: &[&str] = &["US", "XA", "RF", "ES", "XC", "GM", "SM", "OP", "OT", "SC", "DOC"];

/// SOP classes made of captured screens or video (Secondary Capture, Ultrasound, Video
/// Endoscopic/Microscopic/Photographic and Encapsulated PDF are the usual carriers).
const RISKY_SOP_CLASS_PREFIXES: &[&str] = &[
    "1.2.840.10008.5.1.4.1.1.7",     // Secondary Capture, its multi-frame kinds
    "1.2.840.10008.5.1.4.1.1.6.",    // Ultrasound
    "1.2.840.10008.5.1.4.1.1.3.1",   // Ultrasound Multi-frame
    "1.2.840.10008.5.1.4.1.1.77.1.", // VL images and video
    "1.2.840.10008.5.1.4.1.1.104.",  // Encapsulated documents
];

/// Why a file no rule matched may still show identifying text in its pixels: Burned In
/// Annotation (0028,0301) is YES, or its modality or SOP class commonly carries such text.
/// `None` for a file without pixel data.
pub fn needs_review(obj: &InMemDicomObject, has_pixels: bool) -> Option<String> {
    if !has_pixels {
        return None;
    }
    let text = |tag| crate::dataset::text_of(obj, tag).unwrap_or_default();
    if text(tags::BURNED_IN_ANNOTATION).eq_ignore_ascii_case("YES") {
        return Some("Burned In Annotation is YES and no pixel rule matches".into());
    }
    let modality = text(tags::MODALITY).to_ascii_uppercase();
    if RISKY_MODALITIES.contains(&modality.as_str()) {
        return Some(format!(
            "modality {modality} often carries burned-in text and no pixel rule matches"
        ));
    }
    let sop_class = text(tags::SOP_CLASS_UID);
    if RISKY_SOP_CLASS_PREFIXES.iter().any(|p| sop_class.starts_with(p)) {
        return Some(format!(
            "SOP class {sop_class} often carries burned-in text and no pixel rule matches"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::PrimitiveValue;
    use dicom_core::{DataElement, VR};

    fn obj(modality: &str, model: &str, rows: u16) -> InMemDicomObject {
        InMemDicomObject::from_element_iter([
            DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from(modality)),
            DataElement::new(tags::MANUFACTURER_MODEL_NAME, VR::LO, PrimitiveValue::from(model)),
            DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(rows)),
        ])
    }

    #[test]
    fn ron_rules_match_ignoring_case_and_by_number() {
        let text = r#"[(name: "banner", signature: (modality: "us", model: "echoview", rows: 480),
                        regions: [(x: 0, y: 0, width: 640, height: 40)])]"#;
        let rules = from_ron(text, "r.ron").expect("parses");
        assert_eq!(rules[0].origin, "r.ron: rule 1");
        assert!(rules[0].signature.matches(&obj("US", "Fictive EchoView 9", 480)));
        assert!(!rules[0].signature.matches(&obj("US", "Fictive EchoView 9", 600)));
        assert!(!rules[0].signature.matches(&obj("CT", "Fictive EchoView 9", 480)));
        assert_eq!(
            rules[0].to_string(),
            "banner { Modality.equalsIgnoreCase(\"us\") * ManufacturerModelName.containsIgnoreCase(\"echoview\") * Rows.equals(\"480\") } (0,0,640,40)"
        );
    }

    #[test]
    fn a_rule_without_a_region_or_with_an_empty_one_is_refused() {
        for regions in ["[]", "[(x: 0, y: 0, width: 0, height: 4)]"] {
            let text = format!("[(signature: (modality: \"US\"), regions: {regions})]");
            let err = from_ron(&text, "r.ron").expect_err("refused");
            assert!(err.message.contains("at least one pixel"), "{err}");
        }
        assert!(from_ron("[(regions: [(x: 0, y: 0, width: 1)])]", "r.ron").is_err());
    }

    #[test]
    fn review_is_asked_for_burned_in_text_and_risky_modalities_only() {
        assert!(needs_review(&obj("US", "", 1), true).is_some());
        assert!(needs_review(&obj("US", "", 1), false).is_none());
        assert!(needs_review(&obj("CT", "", 1), true).is_none());
        let mut ct = obj("CT", "", 1);
        ct.put(DataElement::new(
            tags::BURNED_IN_ANNOTATION,
            VR::CS,
            PrimitiveValue::from("YES"),
        ));
        assert!(needs_review(&ct, true).is_some_and(|r| r.contains("Burned In Annotation")));
    }
}
