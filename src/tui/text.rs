//! Text as the screen draws it: control characters made visible, and text fitted to a
//! number of terminal columns. Every place the inspector shortens text goes through here, so
//! that a shortened text always says so with `…` and a wide character is never cut in half.

use ratatui::text::Span;

/// The columns a character takes on a terminal (0 for combining marks, 2 for wide ones).
pub fn char_width(c: char) -> usize {
    let mut buf = [0u8; 4];
    Span::raw(&*c.encode_utf8(&mut buf)).width()
}

/// The columns a text takes on a terminal.
pub fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// `text` with every character a terminal would act on rather than print replaced by a
/// visible stand-in: C0 controls and DEL by their Unicode control pictures (`␛` for ESC),
/// C1 controls and the bidirectional overrides, which reorder what follows them, as
/// `<U+0085>`. A file's bytes never reach the terminal as commands.
pub fn visible(text: &str) -> String {
    if !text.chars().any(needs_stand_in) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{0}'..='\u{1f}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('␡'),
            c if needs_stand_in(c) => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn needs_stand_in(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` in at most `columns` columns: whole when it fits, otherwise cut and ended with `…`
/// (the `…` counted in the columns).
pub fn fit(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    if columns == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w > columns - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `text` in exactly `columns` columns: fitted, then padded with spaces.
pub fn fit_pad(text: &str, columns: usize) -> String {
    let mut out = fit(text, columns);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', columns.saturating_sub(w)));
    out
}

/// `text` in at most `columns` columns, cut from the left (`…` first): for a file path, whose
/// end names the file.
pub fn fit_left(text: &str, columns: usize) -> String {
    if width(text) <= columns {
        return text.to_string();
    }
    if columns == 0 {
        return String::new();
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = char_width(c);
        if used + w > columns - 1 {
            break;
        }
        kept.push(c);
        used += w;
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// `text` broken into rows of at most `columns` columns, after a space where the row has
/// one, else at any character: a value is shown whole, over as many rows as it needs. Line
/// breaks in `text` start a new row.
pub fn wrap(text: &str, columns: usize) -> Vec<String> {
    let columns = columns.max(2);
    let mut rows = Vec::new();
    for line in text.split('\n') {
        let mut row: Vec<char> = Vec::new();
        let mut used = 0;
        for c in line.chars() {
            let w = char_width(c);
            if used + w > columns {
                let rest = match row.iter().rposition(|&c| c == ' ') {
                    Some(space) if space > 0 && c != ' ' => row.split_off(space + 1),
                    _ => Vec::new(),
                };
                rows.push(row.iter().collect());
                used = rest.iter().map(|&c| char_width(c)).sum();
                row = rest;
            }
            row.push(c);
            used += w;
        }
        rows.push(row.iter().collect());
    }
    rows
}

/// [`visible`] line by line: the line breaks of a multi-line text are kept.
pub fn visible_lines(text: &str) -> String {
    text.split('\n').map(visible).collect::<Vec<_>>().join("\n")
}

/// At most `height` rows of `rows`: when some are left out, the last shown ends with `…`.
pub fn clip_rows(mut rows: Vec<String>, height: usize, columns: usize) -> Vec<String> {
    if rows.len() <= height {
        return rows;
    }
    rows.truncate(height);
    if let Some(last) = rows.last_mut() {
        *last = if width(last) < columns {
            format!("{last}…")
        } else {
            // One column short of the row: `fit` cuts it and ends it with `…`.
            fit(&format!("{last}…"), columns)
        };
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_text_ends_with_an_ellipsis_and_keeps_to_its_columns() {
        assert_eq!(fit("20230917", 8), "20230917");
        assert_eq!(fit("20230917", 7), "202309…");
        assert_eq!(
            fit("ReferringPhysicianTelephoneNumbers", 28),
            "ReferringPhysicianTelephone…"
        );
        // A wide character is never cut in half.
        assert_eq!(fit("山田^太郎", 6), "山田^…");
        assert_eq!(fit("山田^太郎", 5), "山田…");
        assert_eq!(fit("山田^太郎", 4), "山…");
        assert_eq!(width(&fit("山田^太郎", 4)), 3);
        assert_eq!(fit_pad("ab", 4), "ab  ");
        assert_eq!(fit_left("/very/long/path/file.dcm", 12), "…th/file.dcm");
        assert_eq!(fit("", 0), "");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(visible("a\u{1b}[2Jb"), "a␛[2Jb");
        assert_eq!(visible("x\ry\u{7f}"), "x␍y␡");
        assert_eq!(visible("p\u{85}q"), "p<U+0085>q");
        assert_eq!(visible("\u{202e}evil"), "<U+202E>evil");
        assert_eq!(visible("plain"), "plain");
    }

    #[test]
    fn wrapping_keeps_every_character() {
        assert_eq!(wrap("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(wrap("a\nb", 5), vec!["a", "b"]);
        assert_eq!(wrap("ab cd ef", 6), vec!["ab cd ", "ef"]);
        assert_eq!(visible_lines("a\u{1b}\nb"), "a␛\nb");
        assert_eq!(
            clip_rows(vec!["abc".into(), "def".into(), "g".into()], 2, 3),
            vec!["abc".to_string(), "de…".to_string()]
        );
    }
}
