//! Text from files made safe to show on a terminal.
//!
//! A DICOM value or a file name is whatever its author wrote: an escape sequence in a Patient's
//! Name can retitle or clear the terminal that prints it, move the cursor back over a line, or
//! print a fake verdict; a bidi override can make a name read backwards. Everything dpk prints
//! for people that came from a file goes through [`escape`], which shows such characters as
//! visible escapes (`\x1b`, `\r`, `\u{202e}`) instead of sending them. JSON output is not
//! escaped here: it stays exact, and JSON encodes control characters itself.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

/// Whether `c` must not reach a terminal as it is: C0 controls (new lines and tabs included:
/// inside a value they would forge a line of output), DEL, C1 controls (U+0080–U+009F, which
/// some terminals obey like ESC sequences), and the characters that reorder text (bidi
/// embeddings, overrides and isolates, and the invisible direction marks).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every [unsafe](is_unsafe) character shown as a visible escape: `\t`, `\n`,
/// `\r` by name, other C0 controls and DEL as `\xNN`, the rest as `\u{NNNN}`. Text without
/// any is returned as it is, uncopied.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_except(text, None)
}

/// [`escape`], keeping new lines: for text of several lines that dpk composed itself (a
/// profile shown as RON, an explanation), whose values were escaped when put in.
pub fn escape_keeping_lines(text: &str) -> Cow<'_, str> {
    escape_except(text, Some('\n'))
}

fn escape_except(text: &str, keep: Option<char>) -> Cow<'_, str> {
    let unsafe_char = |c: char| is_unsafe(c) && Some(c) != keep;
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !unsafe_char(c) {
            out.push(c);
            continue;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// A path as it may be shown on a terminal: its text (bytes that are not UTF-8 as U+FFFD, as
/// `Path::display` shows them) with [unsafe](is_unsafe) characters escaped.
pub fn path(path: &Path) -> ShownPath<'_> {
    ShownPath(path)
}

/// See [`path`].
pub struct ShownPath<'a>(&'a Path);

impl fmt::Display for ShownPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape(&self.0.to_string_lossy()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_direction_overrides_become_visible() {
        let hostile =
            "FICTIVE^ALMA\x1b]0;owned\x07\x1b[2J\r\ndpk: 0 violations\u{9b}31m\u{202e}gpj.exe\u{7f}";
        let shown = escape(hostile);
        assert_eq!(
            shown,
            "FICTIVE^ALMA\\x1b]0;owned\\x07\\x1b[2J\\r\\ndpk: 0 violations\\u{9b}31m\\u{202e}gpj.exe\\x7f"
        );
        assert!(!shown.chars().any(is_unsafe));
    }

    #[test]
    fn plain_text_is_not_copied_and_lines_can_be_kept() {
        assert!(matches!(
            escape("Saint Example Hospital ÄÖ 病院"),
            Cow::Borrowed(_)
        ));
        assert_eq!(escape_keeping_lines("a\nb\x1bc\t"), "a\nb\\x1bc\\t");
        let name = std::path::PathBuf::from("in/x\x1b[31m.dcm");
        assert_eq!(path(&name).to_string(), "in/x\\x1b[31m.dcm");
    }
}
