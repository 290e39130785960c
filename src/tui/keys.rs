//! The one key table: the dispatcher, the help overlay and the status-line hints all read it,
//! so what the screen says a key does is what it does.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::app::{Action, Mode};

/// A key: its code, and whether Ctrl is held (Shift is in the code: `G` is Shift-g).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Whether Ctrl is held.
    pub ctrl: bool,
}

const fn k(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

/// A key, how it is written for people, and what it does.
pub struct Binding {
    /// The keys (any of them).
    pub keys: &'static [Key],
    /// How the help writes them.
    pub label: &'static str,
    /// The action.
    pub action: Action,
    /// What it does, for the help.
    pub help: &'static str,
    /// The word the status line hints with, for the keys it hints at, and its priority: when
    /// the line is too short, hints of a higher number go first (0 always stays).
    pub hint: Option<(&'static str, u8)>,
}

const fn bind(
    keys: &'static [Key],
    label: &'static str,
    action: Action,
    help: &'static str,
    hint: Option<(&'static str, u8)>,
) -> Binding {
    Binding {
        keys,
        label,
        action,
        help,
        hint,
    }
}

use KeyCode::{Backspace, Char, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Up};

/// The main screen's bindings, in the order the help lists them.
#[rustfmt::skip]
pub const BINDINGS: &[Binding] = &[
    bind(&[k(Up), k(Char('k'))], "↑ k", Action::Up, "previous element", None),
    bind(&[k(Down), k(Char('j'))], "↓ j", Action::Down, "next element", None),
    bind(&[k(PageUp)], "PgUp", Action::PageUp, "a page up", None),
    bind(&[k(PageDown)], "PgDn", Action::PageDown, "a page down", None),
    bind(&[k(Char('g')), k(Home)], "g Home", Action::Top, "first element", None),
    bind(&[k(Char('G')), k(End)], "G End", Action::Bottom, "last element", None),
    bind(&[k(Left), k(Char('h'))], "← h", Action::Collapse, "fold a sequence (▾ open, ▸ folded) / go to its parent", None),
    bind(&[k(Right), k(Char('l')), k(Enter)], "→ l ⏎", Action::Expand, "unfold a sequence", None),
    bind(&[k(Char(' '))], "Space", Action::CycleAction, "next action for this tag at every depth (valid for its VR)", Some(("action", 1))),
    bind(&[k(Char('P'))], "P", Action::CycleActionAtPath, "as Space, for this exact place in the sequences only", None),
    bind(&[k(Char('a'))], "a", Action::ActionMenu, "choose this element's action from a menu", None),
    bind(&[k(Char('r'))], "r", Action::ResetAction, "back to the profile's action", Some(("reset", 6))),
    bind(&[k(Char('u'))], "u", Action::Undo, "undo the last change of action", Some(("undo", 6))),
    bind(&[ctrl('r')], "Ctrl-r", Action::Redo, "redo", None),
    bind(&[k(Char('/'))], "/", Action::Search, "search every element: tag, keyword, attribute name, value", Some(("search", 2))),
    bind(&[k(Char('n'))], "n", Action::NextMatch, "next match", None),
    bind(&[k(Char('N'))], "N", Action::PrevMatch, "previous match", None),
    bind(&[k(Char('f'))], "f", Action::CycleFilter, "show all / PHI-relevant / changed elements", Some(("filter", 3))),
    bind(&[k(Char('c'))], "c", Action::ToggleChangeList, "change pane: the selected element / every change", None),
    bind(&[k(Char('F'))], "F", Action::ToggleFindings, "every finding left, in a scrolling list", Some(("findings", 5))),
    bind(&[k(Char('o'))], "o", Action::OptionsMenu, "toggle PS3.15 options", Some(("options", 7))),
    bind(&[k(Char('p'))], "p", Action::ProfileMenu, "pick the base profile", None),
    bind(&[k(Char('t'))], "t", Action::CycleTheme, "next colour theme", None),
    bind(&[k(Char('e'))], "e", Action::Explain, "explain the element (PHI category, PS3.15, weight)", Some(("explain", 4))),
    bind(&[k(Char('s'))], "s", Action::Save, "save the profile as RON (a profile holds no salt)", Some(("save", 3))),
    bind(&[k(Char('w'))], "w", Action::Write, "write the de-identified file (needs your salt)", Some(("write", 4))),
    bind(&[k(Char('?'))], "?", Action::ToggleHelp, "this help", Some(("help", 0))),
    bind(&[k(Esc)], "Esc", Action::Cancel, "close the help, explanation, menu or prompt; back to the folder", None),
    bind(&[k(Char('q'))], "q", Action::Quit, "quit (asks first if the profile is unsaved)", Some(("quit", 0))),
];

/// The study browser of a folder.
#[rustfmt::skip]
pub const BROWSER_BINDINGS: &[Binding] = &[
    bind(&[k(Up), k(Char('k'))], "↑ k", Action::Up, "previous line", None),
    bind(&[k(Down), k(Char('j'))], "↓ j", Action::Down, "next line", None),
    bind(&[k(PageUp)], "PgUp", Action::PageUp, "a page up", None),
    bind(&[k(PageDown)], "PgDn", Action::PageDown, "a page down", None),
    bind(&[k(Char('g')), k(Home)], "g Home", Action::Top, "first line", None),
    bind(&[k(Char('G')), k(End)], "G End", Action::Bottom, "last line", None),
    bind(&[k(Left), k(Char('h'))], "← h", Action::Collapse, "fold a study or series / go to it", Some(("fold", 2))),
    bind(&[k(Right), k(Char('l'))], "→ l", Action::Expand, "unfold a study or series", None),
    bind(&[k(Enter)], "⏎", Action::Open, "open the file's tag tree (Esc there comes back); on a study or series, fold it", Some(("open", 1))),
    bind(&[k(Char('?'))], "?", Action::ToggleHelp, "this help", Some(("help", 0))),
    bind(&[k(Char('q'))], "q", Action::Quit, "quit (asks first if the profile is unsaved)", Some(("quit", 0))),
];

/// Over the help, an explanation or the list of findings: the moving keys scroll it.
#[rustfmt::skip]
pub const OVERLAY_BINDINGS: &[Binding] = &[
    bind(&[k(Up), k(Char('k'))], "↑ k", Action::Up, "scroll up a row", None),
    bind(&[k(Down), k(Char('j'))], "↓ j", Action::Down, "scroll down a row", None),
    bind(&[k(PageUp)], "PgUp", Action::PageUp, "scroll up a page", None),
    bind(&[k(PageDown), k(Char(' '))], "PgDn Space", Action::PageDown, "scroll down a page", None),
    bind(&[k(Home), k(Char('g'))], "g Home", Action::Top, "to the top", None),
    bind(&[k(End), k(Char('G'))], "G End", Action::Bottom, "to the end", None),
    bind(&[k(Char('?'))], "?", Action::ToggleHelp, "the help (closes it when it is open)", None),
    bind(&[k(Char('e'))], "e", Action::Explain, "the explanation (closes it when it is open)", None),
    bind(&[k(Char('F'))], "F", Action::ToggleFindings, "the findings (closes them when open)", None),
    bind(&[k(Esc), k(Char('q'))], "Esc q", Action::Cancel, "close", None),
];

/// In a menu.
#[rustfmt::skip]
pub const MENU_BINDINGS: &[Binding] = &[
    bind(&[k(Up), k(Char('k'))], "↑ k", Action::MenuUp, "previous choice", None),
    bind(&[k(Down), k(Char('j'))], "↓ j", Action::MenuDown, "next choice", None),
    bind(&[k(Enter), k(Char(' '))], "⏎ Space", Action::MenuPick, "pick it (an option: toggle it)", None),
    bind(&[k(Esc), k(Char('q'))], "Esc q", Action::Cancel, "close the menu", None),
];

/// In a prompt line, which edits like a shell's; any other character is typed.
#[rustfmt::skip]
pub const PROMPT_BINDINGS: &[Binding] = &[
    bind(&[k(Enter)], "⏎", Action::Submit, "accept (an empty search repeats the last)", None),
    bind(&[k(Esc)], "Esc", Action::Cancel, "cancel", None),
    bind(&[k(Backspace)], "Backspace", Action::Backspace, "delete the character before the cursor", None),
    bind(&[ctrl('u')], "Ctrl-u", Action::ClearLine, "clear the line", None),
    bind(&[ctrl('w')], "Ctrl-w", Action::DeleteWord, "delete the word before the cursor", None),
];

/// Keys that mean the same in every mode.
pub const ANYWHERE: &[Binding] = &[bind(
    &[ctrl('c')],
    "Ctrl-c",
    Action::Interrupt,
    "quit at once, unsaved or not",
    None,
)];

/// The help's sections: a title and the bindings it lists, in the order the help shows them.
pub const SECTIONS: &[(&str, &[Binding])] = &[
    ("Main screen", BINDINGS),
    ("Folder (dpk-tui DIR)", BROWSER_BINDINGS),
    ("Help, explanation, findings", OVERLAY_BINDINGS),
    ("Menus", MENU_BINDINGS),
    ("Prompts (any other key types itself)", PROMPT_BINDINGS),
    ("Anywhere", ANYWHERE),
];

/// The bindings in force in a mode.
pub fn table(mode: Mode) -> &'static [Binding] {
    match mode {
        Mode::Normal => BINDINGS,
        Mode::Overlay => OVERLAY_BINDINGS,
        Mode::Menu => MENU_BINDINGS,
        Mode::Prompt => PROMPT_BINDINGS,
        Mode::Browser => BROWSER_BINDINGS,
    }
}

/// The keys of a prompt line, in one line for the status line.
pub const PROMPT_KEYS: &str = "⏎ accepts, Esc cancels, Backspace, Ctrl-u clears, Ctrl-w deletes a word";

/// The help: every section and every binding, from the tables dispatch reads.
pub fn help_text() -> String {
    let mut out = Vec::new();
    for (title, bindings) in SECTIONS {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.push(format!("{title}:"));
        for b in *bindings {
            out.push(format!("  {:<11}{}", b.label, b.help));
        }
    }
    out.join("\n")
}

/// The action a key press asks for, from the tables: the keys that work anywhere, then the
/// mode's; in a prompt any other character is typed.
pub fn action_for(key: KeyEvent, mode: Mode) -> Option<Action> {
    let pressed = Key {
        code: key.code,
        ctrl: key.modifiers.contains(KeyModifiers::CONTROL),
    };
    let found = ANYWHERE
        .iter()
        .chain(table(mode))
        .find(|b| b.keys.contains(&pressed))
        .map(|b| b.action);
    match (found, mode, pressed) {
        (Some(action), _, _) => Some(action),
        (
            None,
            Mode::Prompt,
            Key {
                code: Char(c),
                ctrl: false,
            },
        ) => Some(Action::Input(c)),
        _ => None,
    }
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
            for k in b.keys {
                let modifiers = if k.ctrl {
                    KeyModifiers::CONTROL
                } else {
                    KeyModifiers::NONE
                };
                assert_eq!(
                    action_for(key(k.code, modifiers), Mode::Normal),
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
