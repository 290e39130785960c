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

const fn bind(
    codes: &'static [KeyCode],
    label: &'static str,
    action: Action,
    help: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        codes,
        label,
        action,
        help,
        hint,
    }
}

use KeyCode::{Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Up};

/// Every binding, in the order the help lists them.
pub const BINDINGS: &[Binding] = &[
    bind(&[Up, Char('k')], "↑ k", Action::Up, "previous element", false),
    bind(&[Down, Char('j')], "↓ j", Action::Down, "next element", false),
    bind(&[PageUp], "PgUp", Action::PageUp, "a page up", false),
    bind(&[PageDown], "PgDn", Action::PageDown, "a page down", false),
    bind(&[Char('g'), Home], "g", Action::Top, "first element", false),
    bind(&[Char('G'), End], "G", Action::Bottom, "last element", false),
    bind(
        &[Left, Char('h')],
        "← h",
        Action::Collapse,
        "collapse a sequence / go to its parent",
        false,
    ),
    bind(
        &[Right, Char('l'), Enter],
        "→ l ⏎",
        Action::Expand,
        "expand a sequence",
        false,
    ),
    bind(
        &[Char(' ')],
        "Space",
        Action::CycleAction,
        "next action for this element (valid for its VR)",
        true,
    ),
    bind(
        &[Char('r')],
        "r",
        Action::ResetAction,
        "back to the profile's action",
        true,
    ),
    bind(
        &[Char('e')],
        "e",
        Action::Explain,
        "explain the element (PHI category, PS3.15, weight)",
        true,
    ),
    bind(&[Char('s')], "s", Action::Save, "save the profile as RON", true),
    bind(
        &[Char('w')],
        "w",
        Action::Write,
        "write the de-identified file",
        true,
    ),
    bind(&[Char('?')], "?", Action::ToggleHelp, "this help", true),
    bind(
        &[Esc],
        "Esc",
        Action::Cancel,
        "close the help, the explanation or a prompt",
        false,
    ),
    bind(
        &[Char('q')],
        "q",
        Action::Quit,
        "quit (asks first if the profile is unsaved)",
        true,
    ),
];

/// The keys of a prompt line, which edits like a shell's.
pub const PROMPT_KEYS: &str = "Enter accepts, Esc cancels, Backspace, Ctrl-U clears, Ctrl-W deletes a word";

/// The action a key press asks for; in a prompt, keys edit the line. Ctrl-C always quits.
pub fn action_for(key: KeyEvent, in_prompt: bool) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == Char('c') {
        return Some(Action::Quit);
    }
    if ctrl && key.code == Char('r') && !in_prompt {
        return Some(Action::Redo);
    }
    if in_prompt {
        return match key.code {
            Char('u') if ctrl => Some(Action::ClearLine),
            Char('w') if ctrl => Some(Action::DeleteWord),
            Char(c) if !ctrl => Some(Action::Input(c)),
            KeyCode::Backspace => Some(Action::Backspace),
            Enter => Some(Action::Submit),
            Esc => Some(Action::Cancel),
            _ => None,
        };
    }
    BINDINGS
        .iter()
        .find(|b| b.codes.contains(&key.code))
        .map(|b| b.action)
}
