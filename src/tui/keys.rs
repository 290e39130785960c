//! The one key table: the dispatcher, the help overlay and the status-line hints all read it,
//! so what the screen says a key does is what it does.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::app::{Action, Mode};

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
    /// The word the status line hints with, for the keys it hints at.
    pub hint: Option<&'static str>,
}

const fn bind(
    codes: &'static [KeyCode],
    label: &'static str,
    action: Action,
    help: &'static str,
    hint: Option<&'static str>,
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
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    bind(&[Up, Char('k')], "↑ k", Action::Up, "previous element", None),
    bind(&[Down, Char('j')], "↓ j", Action::Down, "next element", None),
    bind(&[PageUp], "PgUp", Action::PageUp, "a page up", None),
    bind(&[PageDown], "PgDn", Action::PageDown, "a page down", None),
    bind(&[Char('g'), Home], "g", Action::Top, "first element", None),
    bind(&[Char('G'), End], "G", Action::Bottom, "last element", None),
    bind(&[Left, Char('h')], "← h", Action::Collapse, "collapse a sequence / go to its parent", None),
    bind(&[Right, Char('l'), Enter], "→ l ⏎", Action::Expand, "expand a sequence", None),
    bind(&[Char(' ')], "Space", Action::CycleAction, "next action for this element (valid for its VR)", Some("action")),
    bind(&[Char('P')], "P", Action::CycleActionAtPath, "as Space, for this exact place in the sequences only", None),
    bind(&[Char('a')], "a", Action::ActionMenu, "choose this element's action from a menu", None),
    bind(&[Char('r')], "r", Action::ResetAction, "back to the profile's action", Some("reset")),
    bind(&[Char('u')], "u", Action::Undo, "undo the last change of action", Some("undo")),
    bind(&[], "Ctrl-r", Action::Redo, "redo", None),
    bind(&[Char('/')], "/", Action::Search, "search tag, keyword and value", Some("search")),
    bind(&[Char('n')], "n", Action::NextMatch, "next match", None),
    bind(&[Char('N')], "N", Action::PrevMatch, "previous match", None),
    bind(&[Char('f')], "f", Action::CycleFilter, "show all / PHI-relevant / changed elements", Some("filter")),
    bind(&[Char('c')], "c", Action::ToggleChangeList, "diff pane: the selected element / every change", None),
    bind(&[Char('o')], "o", Action::OptionsMenu, "toggle PS3.15 options", Some("options")),
    bind(&[Char('p')], "p", Action::ProfileMenu, "pick the base profile", None),
    bind(&[Char('t')], "t", Action::CycleTheme, "next colour theme", None),
    bind(&[Char('e')], "e", Action::Explain, "explain the element (PHI category, PS3.15, weight)", Some("explain")),
    bind(&[Char('s')], "s", Action::Save, "save the profile as RON", Some("save")),
    bind(&[Char('w')], "w", Action::Write, "write the de-identified file", Some("write")),
    bind(&[Char('?')], "?", Action::ToggleHelp, "this help", Some("help")),
    bind(&[Esc], "Esc", Action::Cancel, "close the help, the explanation, a menu or a prompt", None),
    bind(&[Char('q')], "q", Action::Quit, "quit (asks first if the profile is unsaved)", Some("quit")),
];

/// The keys of a prompt line, which edits like a shell's.
pub const PROMPT_KEYS: &str = "Enter accepts, Esc cancels, Backspace, Ctrl-U clears, Ctrl-W deletes a word";

/// The action a key press asks for: in a prompt keys edit the line, in a menu they choose.
/// Ctrl-C always quits.
pub fn action_for(key: KeyEvent, mode: Mode) -> Option<Action> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == Char('c') {
        return Some(Action::Interrupt);
    }
    if mode == Mode::Menu {
        return match key.code {
            Up | Char('k') => Some(Action::MenuUp),
            Down | Char('j') => Some(Action::MenuDown),
            Enter | Char(' ') => Some(Action::MenuPick),
            Esc | Char('q') => Some(Action::Cancel),
            _ => None,
        };
    }
    if mode == Mode::Overlay {
        return match key.code {
            Up | Char('k') => Some(Action::Up),
            Down | Char('j') => Some(Action::Down),
            PageUp => Some(Action::PageUp),
            PageDown | Char(' ') => Some(Action::PageDown),
            Home | Char('g') => Some(Action::Top),
            End | Char('G') => Some(Action::Bottom),
            Char('?') => Some(Action::ToggleHelp),
            Char('e') => Some(Action::Explain),
            Esc | Char('q') => Some(Action::Cancel),
            _ => None,
        };
    }
    if ctrl && key.code == Char('r') && mode == Mode::Normal {
        return Some(Action::Redo);
    }
    if mode == Mode::Prompt {
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

/// The action of a mouse event: a left click selects (on a badge, cycles the action), the
/// wheel scrolls (the help or an explanation, when one is open). Menus and prompts take no
/// mouse.
pub fn mouse_action(event: MouseEvent, mode: Mode) -> Option<Action> {
    match (mode, event.kind) {
        (Mode::Overlay, MouseEventKind::ScrollUp) => return Some(Action::ScrollUp),
        (Mode::Overlay, MouseEventKind::ScrollDown) => return Some(Action::ScrollDown),
        (Mode::Normal, _) => {}
        _ => return None,
    }
    match event.kind {
        MouseEventKind::Down(MouseButton::Left) => Some(Action::Click(event.column, event.row)),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp),
        MouseEventKind::ScrollDown => Some(Action::ScrollDown),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyEventState;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent {
            code,
            modifiers,
            kind: ratatui::crossterm::event::KeyEventKind::Press,
            state: KeyEventState::NONE,
        }
    }

    #[test]
    fn every_key_in_the_table_reaches_its_action() {
        for b in BINDINGS {
            for code in b.codes {
                assert_eq!(
                    action_for(key(*code, KeyModifiers::NONE), Mode::Normal),
                    Some(b.action),
                    "{}",
                    b.label
                );
            }
        }
        assert_eq!(
            action_for(key(Char('r'), KeyModifiers::CONTROL), Mode::Normal),
            Some(Action::Redo)
        );
        assert_eq!(
            action_for(key(Char('c'), KeyModifiers::CONTROL), Mode::Prompt),
            Some(Action::Interrupt)
        );
    }

    #[test]
    fn every_screen_action_has_a_key() {
        use Action::*;
        for action in [
            Up,
            Down,
            PageUp,
            PageDown,
            Top,
            Bottom,
            Collapse,
            Expand,
            CycleAction,
            ResetAction,
            ToggleHelp,
            Explain,
            Undo,
            Redo,
            Search,
            NextMatch,
            PrevMatch,
            CycleFilter,
            CycleTheme,
            ActionMenu,
            OptionsMenu,
            ProfileMenu,
            Save,
            Write,
            Cancel,
            Quit,
        ] {
            assert!(
                BINDINGS.iter().any(|b| b.action == action),
                "{action:?} has no key"
            );
        }
    }

    #[test]
    fn prompts_and_menus_take_their_own_keys() {
        assert_eq!(
            action_for(key(Char('q'), KeyModifiers::NONE), Mode::Prompt),
            Some(Action::Input('q'))
        );
        assert_eq!(
            action_for(key(Char('u'), KeyModifiers::CONTROL), Mode::Prompt),
            Some(Action::ClearLine)
        );
        assert_eq!(
            action_for(key(Char('j'), KeyModifiers::NONE), Mode::Menu),
            Some(Action::MenuDown)
        );
        assert_eq!(
            action_for(key(Enter, KeyModifiers::NONE), Mode::Menu),
            Some(Action::MenuPick)
        );
    }

    #[test]
    fn over_the_help_or_an_explanation_keys_scroll_or_close_it() {
        let over = |code| action_for(key(code, KeyModifiers::NONE), Mode::Overlay);
        assert_eq!(over(Char('j')), Some(Action::Down));
        assert_eq!(over(Up), Some(Action::Up));
        assert_eq!(over(PageDown), Some(Action::PageDown));
        assert_eq!(over(Char(' ')), Some(Action::PageDown));
        assert_eq!(over(End), Some(Action::Bottom));
        assert_eq!(over(Char('q')), Some(Action::Cancel));
        assert_eq!(over(Esc), Some(Action::Cancel));
        // Nothing that would change the profile beneath.
        assert_eq!(over(Char('r')), None);
        assert_eq!(over(Char('a')), None);
        assert_eq!(over(Enter), None);
        let wheel = |kind| MouseEvent {
            kind,
            column: 0,
            row: 0,
            modifiers: KeyModifiers::NONE,
        };
        assert_eq!(
            mouse_action(wheel(MouseEventKind::ScrollDown), Mode::Overlay),
            Some(Action::ScrollDown)
        );
        assert_eq!(
            mouse_action(wheel(MouseEventKind::Down(MouseButton::Left)), Mode::Overlay),
            None
        );
    }
}
