//! The one key table: the dispatcher, the help overlay and the status-line hints all read it,
//! so what the screen says a key does is what it does.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

use super::app::{Action, Mode};

/// A key: its code, and whether Ctrl or Shift is held (for characters Shift is in the code:
/// `G` is Shift-g; for other keys, such as arrows, it is a flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Whether Ctrl is held.
    pub ctrl: bool,
    /// Whether Shift is held, for keys other than characters.
    pub shift: bool,
}

const fn k(code: KeyCode) -> Key {
    Key {
        code,
        ctrl: false,
        shift: false,
    }
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
        shift: false,
    }
}

const fn ctrl_key(code: KeyCode) -> Key {
    Key {
        code,
        ctrl: true,
        shift: false,
    }
}

const fn shift(code: KeyCode) -> Key {
    Key {
        code,
        ctrl: false,
        shift: true,
    }
}

const fn ctrl_shift(code: KeyCode) -> Key {
    Key {
        code,
        ctrl: true,
        shift: true,
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

use super::app::Dir;
use KeyCode::{
    BackTab, Backspace, Char, Delete, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab, Up,
};

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
    bind(&[k(Char('v'))], "v", Action::ToggleImage, "show the image beside the tags (v or Esc hides it)", None),
    bind(&[k(Char('?'))], "?", Action::ToggleHelp, "this help", Some(("help", 0))),
    bind(&[k(Esc)], "Esc", Action::Cancel, "close the help, explanation, menu or prompt; back to the folder", None),
    bind(&[k(Char('q'))], "q", Action::Quit, "quit (asks first if the profile is unsaved)", Some(("quit", 0))),
];

/// With the image shown (`v`): these first, then the main screen's.
#[rustfmt::skip]
pub const IMAGE_BINDINGS: &[Binding] = &[
    bind(&[k(Char('['))], "[", Action::PrevFrame, "previous frame", Some(("[ ] frames", 1))),
    bind(&[k(Char(']'))], "]", Action::NextFrame, "next frame", None),
    bind(&[k(Char('<'))], "<", Action::WindowNarrower, "narrower window: more contrast (grey images)", Some(("< > width", 2))),
    bind(&[k(Char('>'))], ">", Action::WindowWider, "wider window: less contrast", None),
    bind(&[k(Char('{'))], "{", Action::LevelDown, "lower the window centre", Some(("{ } centre", 2))),
    bind(&[k(Char('}'))], "}", Action::LevelUp, "raise the window centre", None),
    bind(&[k(Char('='))], "=", Action::ResetWindow, "the file's window again (else its range of values)", Some(("reset", 5))),
    bind(&[k(Char('b'))], "b", Action::StartRegion, "draw a region to blank, with the keys (or drag the mouse over the image)", Some(("blank", 1))),
    bind(&[k(Tab)], "Tab", Action::NextRegion, "select the next region", None),
    bind(&[k(Char('x')), k(Delete)], "x Delete", Action::RemoveRegion, "remove the selected region", None),
    bind(&[k(Char('R'))], "R", Action::PixelRuleForm, "save the regions drawn as a pixel rule (device signature form)", Some(("rule", 3))),
    bind(&[k(Char('z'))], "z", Action::ZoomImage, "the image over the whole screen, or beside the tags again", Some(("zoom", 4))),
    bind(&[k(Char('v')), k(Esc)], "v Esc", Action::ToggleImage, "hide the image", None),
];

/// While a region is drawn with the keys.
#[rustfmt::skip]
pub const DRAW_BINDINGS: &[Binding] = &[
    bind(&[k(Left), k(Right), k(Up), k(Down), k(Char('h')), k(Char('l')), k(Char('k')), k(Char('j'))], "← → ↑ ↓ h l k j", Action::MoveRect(Dir::Left, false), "move the rectangle", Some(("← → ↑ ↓ move", 1))),
    bind(&[shift(Left), shift(Right), shift(Up), shift(Down), k(Char('H')), k(Char('L')), k(Char('K')), k(Char('J'))], "Shift-← → ↑ ↓ H L K J", Action::SizeRect(Dir::Left, false), "make it narrower, wider, shorter, taller", Some(("Shift-← → ↑ ↓ size", 1))),
    bind(&[ctrl_key(Left), ctrl_key(Right), ctrl_key(Up), ctrl_key(Down)], "Ctrl-← → ↑ ↓", Action::MoveRect(Dir::Left, true), "move it ten times as far", None),
    bind(&[ctrl_shift(Left), ctrl_shift(Right), ctrl_shift(Up), ctrl_shift(Down)], "Ctrl-Shift-← → ↑ ↓", Action::SizeRect(Dir::Left, true), "size it ten times as fast", None),
    bind(&[k(Enter)], "⏎", Action::Submit, "add the region (it is blanked on the image at once)", Some(("add", 0))),
    bind(&[k(Esc)], "Esc", Action::Cancel, "stop drawing, adding nothing", Some(("cancel", 0))),
];

/// In the pixel rule form; any other character is typed into the field.
#[rustfmt::skip]
pub const FORM_BINDINGS: &[Binding] = &[
    bind(&[k(Up), k(BackTab)], "↑ BackTab", Action::MenuUp, "previous field", None),
    bind(&[k(Down), k(Tab)], "↓ Tab", Action::MenuDown, "next field", None),
    bind(&[ctrl('t')], "Ctrl-t", Action::FormToggle, "turn the field on or off (an off field is not part of the signature)", Some(("on/off", 1))),
    bind(&[k(Backspace)], "Backspace", Action::Backspace, "delete the last character", None),
    bind(&[ctrl('u')], "Ctrl-u", Action::ClearLine, "clear the field", None),
    bind(&[ctrl('w')], "Ctrl-w", Action::DeleteWord, "delete the last word", None),
    bind(&[k(Enter)], "⏎", Action::Submit, "add the rule to the profile (s saves it)", Some(("add the rule", 0))),
    bind(&[k(Esc)], "Esc", Action::Cancel, "close the form, adding nothing", Some(("cancel", 0))),
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
    ("Image (v)", IMAGE_BINDINGS),
    ("Drawing a region (b)", DRAW_BINDINGS),
    ("Pixel rule form (R; any other key types itself)", FORM_BINDINGS),
    ("Folder (dpk-tui DIR)", BROWSER_BINDINGS),
    ("Help, explanation, findings", OVERLAY_BINDINGS),
    ("Menus", MENU_BINDINGS),
    ("Prompts (any other key types itself)", PROMPT_BINDINGS),
    ("Anywhere", ANYWHERE),
];

/// The bindings in force in a mode, the first table's first.
pub fn tables(mode: Mode) -> &'static [&'static [Binding]] {
    match mode {
        Mode::Normal => &[BINDINGS],
        Mode::Image => &[IMAGE_BINDINGS, BINDINGS],
        Mode::Draw => &[DRAW_BINDINGS],
        Mode::Form => &[FORM_BINDINGS],
        Mode::Overlay => &[OVERLAY_BINDINGS],
        Mode::Menu => &[MENU_BINDINGS],
        Mode::Prompt => &[PROMPT_BINDINGS],
        Mode::Browser => &[BROWSER_BINDINGS],
    }
}

/// The table a mode's hints come from.
pub fn table(mode: Mode) -> &'static [Binding] {
    tables(mode)[0]
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
            // A label too long for its column keeps two spaces before what it does.
            let column = 11.max(b.label.chars().count() + 2);
            out.push(format!("  {:<column$}{}", b.label, b.help));
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
        shift: key.modifiers.contains(KeyModifiers::SHIFT) && !matches!(key.code, Char(_)),
    };
    let lookup = |pressed: Key| {
        ANYWHERE
            .iter()
            .chain(tables(mode).iter().flat_map(|t| t.iter()))
            .find_map(|b| {
                let at = b.keys.iter().position(|k| *k == pressed)?;
                Some(with_direction(b.action, b.keys[at]))
            })
    };
    // A key held with Shift that means nothing with it means what it does without.
    let found = lookup(pressed).or_else(|| {
        pressed
            .shift
            .then(|| {
                lookup(Key {
                    shift: false,
                    ..pressed
                })
            })
            .flatten()
    });
    match (found, mode, pressed) {
        (Some(action), _, _) => Some(action),
        (
            None,
            Mode::Prompt | Mode::Form,
            Key {
                code: Char(c),
                ctrl: false,
                ..
            },
        ) => Some(Action::Input(c)),
        _ => None,
    }
}

/// A moving or sizing binding names one direction for all its keys: the key pressed says
/// which.
fn with_direction(action: Action, key: Key) -> Action {
    let dir = match key.code {
        Left | Char('h' | 'H') => Dir::Left,
        Right | Char('l' | 'L') => Dir::Right,
        Up | Char('k' | 'K') => Dir::Up,
        Down | Char('j' | 'J') => Dir::Down,
        _ => return action,
    };
    match action {
        Action::MoveRect(_, big) => Action::MoveRect(dir, big),
        Action::SizeRect(_, big) => Action::SizeRect(dir, big),
        other => other,
    }
}

/// The action of a mouse event: a left click selects (on a badge, cycles the action), the
/// wheel scrolls (the help or an explanation, when one is open). Menus and prompts take no
/// mouse.
pub fn mouse_action(event: MouseEvent, mode: Mode) -> Option<Action> {
    match (mode, event.kind) {
        (Mode::Overlay, MouseEventKind::ScrollUp) => return Some(Action::ScrollUp),
        (Mode::Overlay, MouseEventKind::ScrollDown) => return Some(Action::ScrollDown),
        // With the image shown a drag over it draws a region to blank.
        (Mode::Image | Mode::Draw, MouseEventKind::Drag(MouseButton::Left)) => {
            return Some(Action::Drag(event.column, event.row))
        }
        (Mode::Image | Mode::Draw, MouseEventKind::Up(MouseButton::Left)) => {
            return Some(Action::Release(event.column, event.row))
        }
        (Mode::Normal | Mode::Image | Mode::Draw, _) => {}
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
        for (table, mode) in [
            (IMAGE_BINDINGS, Mode::Image),
            (DRAW_BINDINGS, Mode::Draw),
            (FORM_BINDINGS, Mode::Form),
        ] {
            for b in table {
                for k in b.keys {
                    let mut modifiers = KeyModifiers::NONE;
                    if k.ctrl {
                        modifiers |= KeyModifiers::CONTROL;
                    }
                    if k.shift {
                        modifiers |= KeyModifiers::SHIFT;
                    }
                    assert_eq!(
                        action_for(key(k.code, modifiers), mode),
                        Some(with_direction(b.action, *k)),
                        "{} in {mode:?}",
                        b.label
                    );
                }
            }
        }
        // Each arrow moves its own way; with Shift it sizes; with Ctrl ten times as far.
        let draw = |code, modifiers| action_for(key(code, modifiers), Mode::Draw);
        assert_eq!(
            draw(Up, KeyModifiers::NONE),
            Some(Action::MoveRect(Dir::Up, false))
        );
        assert_eq!(
            draw(Char('J'), KeyModifiers::SHIFT),
            Some(Action::SizeRect(Dir::Down, false))
        );
        assert_eq!(
            draw(Right, KeyModifiers::SHIFT),
            Some(Action::SizeRect(Dir::Right, false))
        );
        assert_eq!(
            draw(Left, KeyModifiers::CONTROL),
            Some(Action::MoveRect(Dir::Left, true))
        );
        // Shift on a key that means nothing with it: the key alone.
        assert_eq!(
            action_for(key(Down, KeyModifiers::SHIFT), Mode::Normal),
            Some(Action::Down)
        );
        // With the image shown the main screen's keys still work, Esc hides the image.
        assert_eq!(
            action_for(key(Char('j'), KeyModifiers::NONE), Mode::Image),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(key(Esc, KeyModifiers::NONE), Mode::Image),
            Some(Action::ToggleImage)
        );
        // In the form, characters are typed.
        assert_eq!(
            action_for(key(Char('x'), KeyModifiers::NONE), Mode::Form),
            Some(Action::Input('x'))
        );
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
            ToggleImage,
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
