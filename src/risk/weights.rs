//! The risk model's weights: `profiles/risk-weights.ron`, compiled in, and user files that
//! change part of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dicom_core::Tag;
use serde::Deserialize;

use super::categories::category_of;
use super::tag_table::TagTable;
use super::Category;
use crate::ron_text::{self, locate};

/// The built-in weights' RON text.
pub const BUILTIN_WEIGHTS: &str = include_str!("../../profiles/risk-weights.ron");

/// The weight and cap of one category.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CategoryWeight {
    /// The weight of a finding of this category when no keyword override applies.
    pub weight: f64,
    /// The most the category's findings together can reach.
    pub cap: f64,
}

/// The weights the model scores with. [`Weights::builtin`] is `profiles/risk-weights.ron`;
/// [`Weights::load`] and [`Weights::from_ron`] merge a user file over it.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub(super) categories: [CategoryWeight; Category::ALL.len()],
    pub(super) keywords: TagTable<f64>,
    pub(super) identifying_text: f64,
    pub(super) person_name: f64,
    pub(super) shifted_date: f64,
    pub(super) burned_in_modality: f64,
    pub(super) burned_in_cleaned: f64,
    pub(super) burned_in_modalities: Vec<String>,
}

/// Why a weights file was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WeightsError {
    /// The RON does not parse or does not have the weights' shape.
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        /// The file (or `built-in`).
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A value is out of range, or a name is unknown.
    #[error("{origin}:{line}:{column}: {message}")]
    Invalid {
        /// The file.
        origin: String,
        /// 1-based line of the offending name (0 when unknown).
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// A weights file as written: everything optional, merged over the built-in weights.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct WeightsFile {
    categories: BTreeMap<String, CategoryFile>,
    keywords: BTreeMap<String, f64>,
    identifying_text: Option<f64>,
    person_name: Option<f64>,
    shifted_date: Option<f64>,
    burned_in_modality: Option<f64>,
    burned_in_cleaned: Option<f64>,
    burned_in_modalities: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct CategoryFile {
    weight: Option<f64>,
    cap: Option<f64>,
}

impl Default for Weights {
    fn default() -> Self {
        Weights::builtin()
    }
}

impl Weights {
    /// The built-in weights (`profiles/risk-weights.ron`), parsed once.
    pub fn builtin() -> Weights {
        builtin_ref().clone()
    }

    /// Parses a weights file and merges it over the built-in weights: the file names only
    /// what it changes; `keywords` entries are added to (or replace) the built-in ones.
    /// `origin` names the text in error messages.
    pub fn from_ron(text: &str, origin: &str) -> Result<Weights, WeightsError> {
        let file = parse(text, origin)?;
        builtin_ref().merged(file, text, origin)
    }

    /// Loads a weights file; see [`Weights::from_ron`].
    pub fn load(path: impl AsRef<Path>) -> Result<Weights, WeightsError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| WeightsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Weights::from_ron(&text, &path.display().to_string())
    }

    /// The weight and cap of a category.
    pub fn category(&self, category: Category) -> CategoryWeight {
        self.categories[category as usize]
    }

    /// The weight of a finding of `category` on `tag`: the keyword override, or the
    /// category's weight.
    pub fn weight_of(&self, tag: Tag, category: Category) -> f64 {
        self.keyword_weight(tag)
            .unwrap_or(self.categories[category as usize].weight)
    }

    /// The per-attribute weight of `tag`, when the weights name one.
    pub(super) fn keyword_weight(&self, tag: Tag) -> Option<f64> {
        self.keywords.get(tag).copied()
    }

    fn empty() -> Weights {
        Weights {
            categories: [CategoryWeight {
                weight: 0.0,
                cap: 1.0,
            }; Category::ALL.len()],
            keywords: TagTable::default(),
            identifying_text: 0.0,
            person_name: 0.0,
            shifted_date: 0.0,
            burned_in_modality: 0.0,
            burned_in_cleaned: 0.0,
            burned_in_modalities: Vec::new(),
        }
    }

    fn merged(&self, file: WeightsFile, text: &str, origin: &str) -> Result<Weights, WeightsError> {
        let invalid = |needle: &str, message: String| {
            let (line, column) = locate(text, needle);
            WeightsError::Invalid {
                origin: origin.to_string(),
                line,
                column,
                message,
            }
        };
        let check = |name: &str, value: f64| {
            if value.is_finite() && (0.0..=1.0).contains(&value) {
                Ok(value)
            } else {
                Err(invalid(
                    name,
                    format!("{name}: {value} is not a weight between 0 and 1"),
                ))
            }
        };
        let mut out = self.clone();
        for (name, cat) in &file.categories {
            let category = Category::ALL.iter().find(|c| c.key() == name).ok_or_else(|| {
                let known: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
                invalid(
                    &format!("\"{name}\""),
                    format!(
                        "unknown category '{name}'; the categories are: {}",
                        known.join(", ")
                    ),
                )
            })?;
            let slot = &mut out.categories[*category as usize];
            if let Some(w) = cat.weight {
                slot.weight = check(name, w)?;
            }
            if let Some(c) = cat.cap {
                slot.cap = check(name, c)?;
            }
        }
        for (keyword, w) in &file.keywords {
            let quoted = format!("\"{keyword}\"");
            let tag = crate::dataset::tag_of_keyword(keyword)
                .ok_or_else(|| invalid(&quoted, format!("unknown keyword '{keyword}'")))?;
            let vr = crate::dataset::dictionary_vr(tag);
            if category_of(tag, vr).is_none() {
                return Err(invalid(
                    &quoted,
                    format!(
                        "{keyword} is not an attribute the risk model scores; a weight can change \
                         only those it already counts"
                    ),
                ));
            }
            out.keywords.insert(tag, check(keyword, *w)?);
        }
        for (name, value, slot) in [
            (
                "identifying_text",
                file.identifying_text,
                &mut out.identifying_text,
            ),
            ("person_name", file.person_name, &mut out.person_name),
            ("shifted_date", file.shifted_date, &mut out.shifted_date),
            (
                "burned_in_modality",
                file.burned_in_modality,
                &mut out.burned_in_modality,
            ),
            (
                "burned_in_cleaned",
                file.burned_in_cleaned,
                &mut out.burned_in_cleaned,
            ),
        ] {
            if let Some(v) = value {
                *slot = check(name, v)?;
            }
        }
        if let Some(list) = file.burned_in_modalities {
            out.burned_in_modalities = list.into_iter().map(|m| m.trim().to_ascii_uppercase()).collect();
        }
        Ok(out)
    }
}

fn builtin_ref() -> &'static Weights {
    static BUILTIN: OnceLock<Weights> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        // The built-in file is part of the source and tested (`builtin_weights_are_complete`);
        // a failure here is a build defect, not bad input.
        parse(BUILTIN_WEIGHTS, "built-in risk-weights.ron")
            .and_then(|file| Weights::empty().merged(file, BUILTIN_WEIGHTS, "built-in risk-weights.ron"))
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

fn parse(text: &str, origin: &str) -> Result<WeightsFile, WeightsError> {
    ron_text::from_str(text).map_err(|e| WeightsError::Syntax {
        origin: origin.to_string(),
        line: e.line,
        column: e.column,
        message: e.message,
    })
}
