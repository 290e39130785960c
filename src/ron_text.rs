//! Reading RON that people write (profiles, weights, themes): one parser setup, and locations
//! for errors found after parsing, so every message can say file:line:column.

use serde::de::DeserializeOwned;

/// The largest configuration file read (profiles, pixel rules, themes): far above any real
/// one, and a bound on what a path such as `/dev/zero` given by mistake (or by a profile's
/// `extends`) makes dpk hold in memory.
pub const MAX_CONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// Reads a configuration file as text, refusing one longer than [`MAX_CONFIG_BYTES`] or not
/// UTF-8.
pub fn read_config(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "longer than {} MiB: not a configuration file",
                MAX_CONFIG_BYTES >> 20
            ),
        ));
    }
    Ok(text)
}

/// A parse error with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What the parser said.
    pub message: String,
}

/// Parses RON with implicit `Some` (a file writes `extends: "basic"`, not
/// `extends: Some("basic")`).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, ParseError> {
    ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
        .from_str(text)
        .map_err(|e| ParseError {
            line: e.span.start.line,
            column: e.span.start.col,
            message: e.code.to_string(),
        })
}

/// The 1-based line and column of the first occurrence of `needle` in `text`; (0, 0) if it
/// does not occur.
pub fn locate(text: &str, needle: &str) -> (usize, usize) {
    let Some(offset) = text.find(needle) else {
        return (0, 0);
    };
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based() {
        assert_eq!(locate("(\n  a: \"x\",\n)", "\"x\""), (2, 6));
        assert_eq!(locate("abc", "zz"), (0, 0));
        let err = from_str::<Vec<u8>>("[\n  1,\n  x,\n]").unwrap_err();
        assert_eq!((err.line, err.column), (3, 3), "{err:?}");
    }
}
