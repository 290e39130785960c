//! Colours of the inspector, from RON theme files (`themes/*.ron`): a file names only what it
//! changes, over the dark default. Colour never carries meaning alone: actions and levels are
//! words too, and `NO_COLOR` turns colour off.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::Color;
use serde::Deserialize;

use crate::profile::{Action, CONCRETE_ACTIONS};
use crate::risk::Level;
use crate::ron_text::{self, locate};

/// The built-in themes: name and RON text, the default first.
pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.ron")),
    ("light", include_str!("../../themes/light.ron")),
    ("high-contrast", include_str!("../../themes/high-contrast.ron")),
    ("colour-blind", include_str!("../../themes/colour-blind.ron")),
];

const LEVELS: [Level; 4] = [Level::Low, Level::Medium, Level::High, Level::Critical];

/// A resolved theme.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    /// Its name.
    pub name: String,
    /// Plain text.
    pub text: Color,
    /// Pane borders.
    pub border: Color,
    /// Pane titles.
    pub title: Color,
    /// The selected row's text.
    pub selection_fg: Color,
    /// The selected row's background.
    pub selection_bg: Color,
    /// The mark of a user's change.
    pub modified: Color,
    badges: [Color; CONCRETE_ACTIONS.len()],
    levels: [Color; 4],
}

/// A theme as written: every field optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    text: Option<String>,
    border: Option<String>,
    title: Option<String>,
    selection_fg: Option<String>,
    selection_bg: Option<String>,
    modified: Option<String>,
    #[serde(default)]
    badges: BTreeMap<String, String>,
    #[serde(default)]
    levels: BTreeMap<String, String>,
}

/// Why a theme file was refused.
#[derive(Debug, thiserror::Error)]
#[error("{origin}:{line}:{column}: {message}")]
pub struct ThemeError {
    /// The file.
    pub origin: String,
    /// 1-based line (0 when unknown).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

impl Theme {
    /// The colour of an action's badge.
    pub fn badge(&self, action: Action) -> Color {
        CONCRETE_ACTIONS
            .iter()
            .position(|a| *a == action)
            .map_or(self.text, |i| self.badges[i])
    }

    /// The colour of a risk level.
    pub fn level(&self, level: Level) -> Color {
        LEVELS
            .iter()
            .position(|l| *l == level)
            .map_or(self.text, |i| self.levels[i])
    }

    /// The default theme.
    pub fn dark() -> Theme {
        // Compiled in and covered by tests: a failure is a build defect, and plain is safe.
        Theme::builtin("dark").unwrap_or_else(|_| Theme::plain())
    }

    /// No colour at all (`NO_COLOR`): the terminal's own colours, emphasis by reverse video.
    pub fn plain() -> Theme {
        Theme {
            name: "no colour".into(),
            text: Color::Reset,
            border: Color::Reset,
            title: Color::Reset,
            selection_fg: Color::Reset,
            selection_bg: Color::Reset,
            modified: Color::Reset,
            badges: [Color::Reset; CONCRETE_ACTIONS.len()],
            levels: [Color::Reset; 4],
        }
    }

    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Result<Theme, ThemeError> {
        let text = BUILTIN_THEMES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| ThemeError {
                origin: name.into(),
                line: 0,
                column: 0,
                message: format!(
                    "no such theme; built-ins are {}",
                    BUILTIN_THEMES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
        let base = if name == "dark" {
            Theme::plain()
        } else {
            Theme::dark()
        };
        base.merged(text, name)
    }

    /// A built-in name or a theme file, merged over the dark default.
    pub fn named_or_file(spec: &str) -> Result<Theme, ThemeError> {
        if BUILTIN_THEMES.iter().any(|(n, _)| *n == spec) {
            return Theme::builtin(spec);
        }
        let text = ron_text::read_config(Path::new(spec)).map_err(|e| ThemeError {
            origin: spec.into(),
            line: 0,
            column: 0,
            message: format!("not a built-in theme, and cannot be read: {e}"),
        })?;
        Theme::dark().merged(&text, spec)
    }

    /// This theme with what `text` (a theme file) changes.
    fn merged(&self, text: &str, origin: &str) -> Result<Theme, ThemeError> {
        let error = |line, column, message| ThemeError {
            origin: origin.into(),
            line,
            column,
            message,
        };
        let file: ThemeFile = ron_text::from_str(text).map_err(|e| error(e.line, e.column, e.message))?;
        let colour = |value: &str| -> Result<Color, ThemeError> {
            Color::from_str(value).map_err(|_| {
                let (line, column) = locate(text, &format!("\"{value}\""));
                error(
                    line,
                    column,
                    format!("'{value}' is not a colour (a name, #rrggbb or 0-255)"),
                )
            })
        };
        let mut out = self.clone();
        if let Some(name) = file.name {
            out.name = name;
        }
        for (field, value) in [
            (&mut out.text, &file.text),
            (&mut out.border, &file.border),
            (&mut out.title, &file.title),
            (&mut out.selection_fg, &file.selection_fg),
            (&mut out.selection_bg, &file.selection_bg),
            (&mut out.modified, &file.modified),
        ] {
            if let Some(v) = value {
                *field = colour(v)?;
            }
        }
        for (key, value) in &file.badges {
            let i = CONCRETE_ACTIONS
                .iter()
                .position(|a| a.label() == key)
                .ok_or_else(|| {
                    let (line, column) = locate(text, &format!("\"{key}\""));
                    let names: Vec<&str> = CONCRETE_ACTIONS.iter().map(|a| a.label()).collect();
                    error(
                        line,
                        column,
                        format!("'{key}' is not an action; badges are {}", names.join(", ")),
                    )
                })?;
            out.badges[i] = colour(value)?;
        }
        for (key, value) in &file.levels {
            let i = LEVELS.iter().position(|l| l.label() == key).ok_or_else(|| {
                let (line, column) = locate(text, &format!("\"{key}\""));
                error(
                    line,
                    column,
                    format!("'{key}' is not a level (LOW, MEDIUM, HIGH, CRITICAL)"),
                )
            })?;
            out.levels[i] = colour(value)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_loads_and_differs() {
        let themes: Vec<Theme> = BUILTIN_THEMES
            .iter()
            .map(|(n, _)| Theme::builtin(n).unwrap())
            .collect();
        for (i, a) in themes.iter().enumerate() {
            for b in &themes[i + 1..] {
                assert_ne!(a.badges, b.badges, "{} and {}", a.name, b.name);
            }
        }
        assert_eq!(Theme::dark().badge(Action::Remove), Color::LightRed);
    }

    #[test]
    fn a_partial_file_changes_only_what_it_names() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.ron");
        std::fs::write(&path, "(badges: {\"remove\": \"#ff0000\"})").unwrap();
        let t = Theme::named_or_file(path.to_str().unwrap()).unwrap();
        assert_eq!(t.badge(Action::Remove), Color::Rgb(255, 0, 0));
        assert_eq!(t.badge(Action::Keep), Theme::dark().badge(Action::Keep));
        assert_eq!(t.name, "dark");
    }

    #[test]
    fn malformed_themes_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        for (text, line) in [
            ("(\n  badges: {\n    \"remove\": \"blurple\",\n  },\n)", 3),
            ("(\n  levels: { \"SEVERE\": \"red\" },\n)", 2),
            ("(\n  text: \"red\",\n  colour: \"red\",\n)", 3),
            ("(\n  text: \"red\"\n  border: \"red\",\n)", 3),
        ] {
            let path = dir.path().join("bad.ron");
            std::fs::write(&path, text).unwrap();
            let err = Theme::named_or_file(path.to_str().unwrap()).unwrap_err();
            assert_eq!(err.line, line, "{err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("{}:{line}:", path.display())),
                "{err}"
            );
        }
        assert!(Theme::named_or_file("no-such-theme").is_err());
    }
}
