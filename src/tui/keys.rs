//! The one key table: the dispatcher, the help overlay and the status-line hints all read it,
//! so what the screen says a key does is what it does.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::Action;

/// A key, how it is written for people, and what it does.
pub struct Binding {
    /// The keys (any of them).
    pub codes: &'static [KeyCode],
    /// How the help writes them.
    pub label: &'static str,
    /// The action.
    pub action: Action,
    /// What it does, for the help.
    pub help: &'static str,
    /// Whether the status line hints at it.
    pub hint: bool,
}

/// Every binding, in the order the help lists them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        codes: &[KeyCode::Up, KeyCode::Char('k')],
        label: "↑ k",
        action: Action::Up,
        help: "previous element",
        hint: false,
    },
    Binding {
        codes: &[KeyCode::Down, KeyCode::Char('j')],
        label: "↓ j",
        action: Action::Down,
        help: "next element",
        hint: false,
    },
    Binding {
        codes: &[KeyCode::PageUp],
        label: "PgUp",
        action: Action::PageUp,
        help: "a page up",
        hint: false,
    },
    Binding {
        codes: &[KeyCode::PageDown],
        label: "PgDn",
        action: Action::PageDown,
        help: "a page down",
        hint: false,
    },
    Binding {
        codes: &[KeyCode::Char('g'), KeyCode::Home],
        label: "g",
        action: Action::Top,
        help: "first element",
        hint: false,
    },
    Binding {
        codes: &[KeyCode::Char('G'), KeyCode::End],
        label: "G",
        action: Action::Bottom,
        help: "last element",
        hint: false,
    },
    Binding {
        codes: &[KeyCode::Left, KeyCode::Char('h')],
        label: "← h",
        action: Action::Collapse,
        help: "collapse a sequence / go to its parent",
        hint: false,
    },
    Binding {
        codes: &[KeyCode::Right, KeyCode::Char('l'), KeyCode::Enter],
        label: "→ l ⏎",
        action: Action::Expand,
        help: "expand a sequence",
        hint: false,
    },
    Binding {
        codes: &[KeyCode::Char(' ')],
        label: "Space",
        action: Action::CycleAction,
        help: "next action for this element (valid for its VR)",
        hint: true,
    },
    Binding {
        codes: &[KeyCode::Char('r')],
        label: "r",
        action: Action::ResetAction,
        help: "back to the profile's action",
        hint: true,
    },
    Binding {
        codes: &[KeyCode::Char('?')],
        label: "?",
        action: Action::ToggleHelp,
        help: "this help",
        hint: true,
    },
    Binding {
        codes: &[KeyCode::Char('q'), KeyCode::Esc],
        label: "q",
        action: Action::Quit,
        help: "quit",
        hint: true,
    },
];

/// The action a key press asks for. Ctrl-C always quits.
pub fn action_for(key: KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    BINDINGS
        .iter()
        .find(|b| b.codes.contains(&key.code))
        .map(|b| b.action)
}
