//! Reading a CTP DicomPixelAnonymizer script: free text (titles, notes) around rules, each a
//! `{ signature }` followed by one or more `(x,y,w,h)` regions. A signature joins tests such
//! as `[0008,1090].containsIgnoreCase("LOGIQ9")` or `Modality.equals("US")`, and the
//! constants `true` and `false`, with `*` (and), `+` (or), `!` (not) and parentheses; `!`
//! binds tightest, then `*`, then `+`. The text just before a signature names its rule.
//!
//! As CTP reads them: inside a signature `//` starts a comment to the end of the line (there
//! is no `;` comment); white space may stand around every part of a test and a region may
//! run over lines; the text compared is everything between the first quote and the last
//! before the closing parenthesis, a backslash in it being a backslash (DICOM's separator of
//! values, which a signature may test for), so that a quote inside needs no escape. Where dpk
//! is stricter it says so with the line: a method CTP does not know, a region that is not
//! four whole numbers, and a signature with no region — CTP would take it as "blank
//! nothing" for the images it matches, where dpk applies every matching rule, so such a
//! rule could only hide the images it matches from review.

use super::rules::{Op, PixelRule, PixelRuleError, Region, Signature, Test};

/// Parses a script; `origin` names it in errors and in each rule's origin.
pub fn parse(text: &str, origin: &str) -> Result<Vec<PixelRule>, PixelRuleError> {
    let mut p = Parser {
        chars: text.chars().collect(),
        at: 0,
        line: 1,
        depth: 0,
        origin,
    };
    let mut rules = Vec::new();
    let mut free = String::new();
    while let Some(c) = p.peek() {
        if c != '{' {
            free.push(c);
            p.bump();
            continue;
        }
        let line = p.line;
        p.bump();
        let signature = p.or()?;
        p.skip_space();
        p.expect('}')?;
        let regions = p.regions()?;
        if regions.is_empty() {
            return Err(p.error(
                "a signature must be followed by at least one region (x,y,w,h): dpk blanks \
                 every rule that matches, so a rule blanking nothing is refused",
            ));
        }
        let name = free
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.chars().all(|c| c == '*'))
            .unwrap_or("")
            .to_string();
        free.clear();
        rules.push(PixelRule {
            name,
            signature,
            regions,
            origin: format!("{origin}:{line}"),
        });
    }
    Ok(rules)
}

struct Parser<'a> {
    chars: Vec<char>,
    at: usize,
    line: usize,
    /// Parentheses and `!` open around the current test: bounded, so that a hostile script
    /// cannot exhaust the stack.
    depth: usize,
    origin: &'a str,
}

/// The deepest nesting of parentheses and `!` a signature may have.
const MAX_NESTING: usize = 64;

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Skips white space and `//` comments (to the end of their line).
    fn skip_space(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') if self.chars.get(self.at + 1) == Some(&'/') => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                _ => return,
            }
        }
    }

    fn error(&self, message: impl Into<String>) -> PixelRuleError {
        PixelRuleError {
            origin: self.origin.to_string(),
            line: self.line,
            message: message.into(),
        }
    }

    fn expect(&mut self, want: char) -> Result<(), PixelRuleError> {
        match self.bump() {
            Some(c) if c == want => Ok(()),
            Some(c) => Err(self.error(format!("expected '{want}', found '{}'", c.escape_debug()))),
            None => Err(self.error(format!("expected '{want}', found the end of the script"))),
        }
    }

    /// `and ('+' and)*`
    fn or(&mut self) -> Result<Signature, PixelRuleError> {
        let mut parts = vec![self.and()?];
        loop {
            self.skip_space();
            if self.peek() != Some('+') {
                break;
            }
            self.bump();
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Signature::Any(parts)
        })
    }

    /// `unary ('*' unary)*`
    fn and(&mut self) -> Result<Signature, PixelRuleError> {
        let mut parts = vec![self.unary()?];
        loop {
            self.skip_space();
            if self.peek() != Some('*') {
                break;
            }
            self.bump();
            parts.push(self.unary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Signature::All(parts)
        })
    }

    /// `'!' unary | '(' or ')' | test`
    fn unary(&mut self) -> Result<Signature, PixelRuleError> {
        self.skip_space();
        if matches!(self.peek(), Some('!' | '(')) {
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(self.error(format!("a signature nests deeper than {MAX_NESTING} levels")));
            }
            let nested = self.nested();
            self.depth -= 1;
            return nested;
        }
        self.test()
    }

    /// `'!' unary | '(' or ')'`
    fn nested(&mut self) -> Result<Signature, PixelRuleError> {
        match self.peek() {
            Some('!') => {
                self.bump();
                Ok(Signature::Not(Box::new(self.unary()?)))
            }
            Some('(') => {
                self.bump();
                let inner = self.or()?;
                self.skip_space();
                self.expect(')')?;
                Ok(inner)
            }
            _ => self.test(),
        }
    }

    /// `attribute '.' method '(' "text"? ')'`, the attribute `[gggg,eeee]` or a keyword; or
    /// `true` or `false`.
    fn test(&mut self) -> Result<Signature, PixelRuleError> {
        let (tag, name) = match self.peek() {
            Some('[') => self.bracket_tag()?,
            Some(c) if c.is_ascii_alphabetic() => {
                let word = self.word();
                match word.as_str() {
                    // The constants: an empty "all of" always holds, an empty "any of" never.
                    "true" => return Ok(Signature::All(Vec::new())),
                    "false" => return Ok(Signature::Any(Vec::new())),
                    _ => {}
                }
                let tag = crate::dataset::tag_of_keyword(&word)
                    .ok_or_else(|| self.error(format!("'{word}' is not a DICOM keyword")))?;
                (tag, word)
            }
            Some(c) => {
                return Err(self.error(format!(
                    "expected an attribute ([gggg,eeee] or a keyword), found '{}'",
                    c.escape_debug()
                )))
            }
            None => return Err(self.error("the script ends inside a signature")),
        };
        self.skip_space();
        self.expect('.')?;
        self.skip_space();
        let method = self.word();
        let op = Op::from_name(&method).ok_or_else(|| {
            self.error(format!(
                "unknown method '{method}' (dpk reads equals, equalsIgnoreCase, contains, \
                 containsIgnoreCase, startsWith, startsWithIgnoreCase, endsWith, \
                 endsWithIgnoreCase, isBlank)"
            ))
        })?;
        self.skip_space();
        self.expect('(')?;
        self.skip_space();
        let value = if op == Op::IsBlank {
            String::new()
        } else {
            self.string()?
        };
        self.skip_space();
        self.expect(')')?;
        Ok(Signature::Test(Test { tag, name, op, value }))
    }

    fn word(&mut self) -> String {
        let mut w = String::new();
        while let Some(c) = self.peek().filter(char::is_ascii_alphanumeric) {
            w.push(c);
            self.bump();
        }
        w
    }

    fn bracket_tag(&mut self) -> Result<(dicom_core::Tag, String), PixelRuleError> {
        self.expect('[')?;
        let mut inside = String::new();
        while let Some(c) = self.peek() {
            if c == ']' || c == '\n' {
                break;
            }
            inside.push(c);
            self.bump();
        }
        self.expect(']')?;
        let hex = |s: &str| {
            let s = s.trim();
            (s.len() == 4).then(|| u16::from_str_radix(s, 16).ok()).flatten()
        };
        let parsed = inside
            .split_once(',')
            .and_then(|(g, e)| Some(dicom_core::Tag(hex(g)?, hex(e)?)));
        let tag = parsed.ok_or_else(|| self.error(format!("'[{inside}]' is not a tag [gggg,eeee]")))?;
        Ok((tag, format!("[{:04x},{:04x}]", tag.0, tag.1)))
    }

    /// A quoted text: everything up to the quote that the closing parenthesis follows
    /// (white space between them allowed), as CTP takes it. A backslash is itself, and a
    /// quote inside the text is part of it.
    fn string(&mut self) -> Result<String, PixelRuleError> {
        self.expect('"')?;
        let mut s = String::new();
        loop {
            match self.peek() {
                Some('"') if self.closes_text() => {
                    self.bump();
                    return Ok(s);
                }
                Some('\n') | None => break,
                Some(c) => {
                    s.push(c);
                    self.bump();
                }
            }
        }
        Err(self.error("a quoted text is not closed on its line"))
    }

    /// Whether the quote at the current place ends a text: after it, white space and `)`.
    fn closes_text(&self) -> bool {
        let after = self.chars.get(self.at + 1..).unwrap_or_default();
        after.iter().find(|c| !c.is_whitespace()) == Some(&')')
    }

    /// The regions after a signature: `(x,y,w,h)` groups separated by white space.
    fn regions(&mut self) -> Result<Vec<Region>, PixelRuleError> {
        let mut regions = Vec::new();
        loop {
            self.skip_space();
            if self.peek() != Some('(') {
                return Ok(regions);
            }
            let line = self.line;
            self.bump();
            // A region may run over lines, as CTP reads it.
            let mut inside = String::new();
            while let Some(c) = self.peek().filter(|&c| c != ')') {
                inside.push(c);
                self.bump();
            }
            if self.peek().is_none() {
                return Err(PixelRuleError {
                    line,
                    ..self.error("a region '(' is not closed by ')'")
                });
            }
            self.bump();
            let inside = inside.split_whitespace().collect::<Vec<_>>().join(" ");
            let numbers: Vec<Option<u32>> = inside.split(',').map(|n| n.trim().parse().ok()).collect();
            let region = match numbers.as_slice() {
                [Some(x), Some(y), Some(w), Some(h)] if *w > 0 && *h > 0 => Region {
                    x: *x,
                    y: *y,
                    width: *w,
                    height: *h,
                },
                _ => {
                    return Err(PixelRuleError {
                        line,
                        ..self.error(format!(
                            "'({inside})' is not a region (x,y,w,h) of four whole numbers, width and \
                             height above 0"
                        ))
                    })
                }
            };
            regions.push(region);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::Tag;

    #[test]
    fn nested_signature_with_not_and_or_is_read() {
        let script = "Title\n**\nVendor A\n { [0008,0070].containsIgnoreCase(\"ACME\") *\n   \
                      !( Modality.equals(\"CT\") + Rows.equals(\"512\") ) }\n (0,0,10,5) (1,2,3,4)\n";
        let rules = parse(script, "s").expect("parses");
        assert_eq!(rules.len(), 1);
        let r = &rules[0];
        assert_eq!(r.name, "Vendor A");
        assert_eq!(r.origin, "s:4");
        assert_eq!(r.regions.len(), 2);
        assert_eq!(
            r.signature.to_string(),
            "[0008,0070].containsIgnoreCase(\"ACME\") * !(Modality.equals(\"CT\") + Rows.equals(\"512\"))"
        );
        let Signature::All(parts) = &r.signature else {
            panic!("{:?}", r.signature)
        };
        let Signature::Test(t) = &parts[0] else { panic!() };
        assert_eq!(t.tag, Tag(0x0008, 0x0070));
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("a\n{ Modality.matches(\"US\") }\n(0,0,1,1)", "s").expect_err("unknown method");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("matches"), "{err}");
        let err = parse("{ Modality.equals(\"US\") }\n(0,0,1)", "s").expect_err("three numbers");
        assert_eq!(err.line, 2);
        let err = parse("{ NoSuchKeyword.equals(\"US\") } (0,0,1,1)", "s").expect_err("keyword");
        assert!(err.message.contains("NoSuchKeyword"));
        let err = parse("{ Modality.equals(\"US\") }\n text", "s").expect_err("no region");
        assert!(err.message.contains("at least one region"));
        let deep = format!("{{ {}Modality.equals(\"US\") }} (0,0,1,1)", "!(".repeat(100_000));
        let err = parse(&deep, "s").expect_err("too deep");
        assert!(err.message.contains("nests deeper"), "{err}");
    }

    fn one(script: &str) -> PixelRule {
        let mut rules = parse(script, "s").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rules.len(), 1, "{rules:?}");
        rules.remove(0)
    }

    fn test_of(sig: &Signature) -> &Test {
        match sig {
            Signature::Test(t) => t,
            other => panic!("not a test: {other:?}"),
        }
    }

    #[test]
    fn comments_inside_a_signature_run_to_the_end_of_the_line() {
        let r = one(
            "Fictive Sonics\n{ // the banner of every model\n  Modality.equals(\"US\") * // and\n  \
             [0008,0070].contains(\"Fictive\") }\n(0,0,8,8)",
        );
        assert_eq!(
            r.signature.to_string(),
            "Modality.equals(\"US\") * [0008,0070].contains(\"Fictive\")"
        );
        // A semicolon is no comment, in CTP as here.
        assert!(parse("{ ; Modality.equals(\"US\") } (0,0,1,1)", "s").is_err());
    }

    #[test]
    fn a_backslash_is_itself_and_a_quote_inside_a_text_needs_no_escape() {
        let r = one("{ [0008,0008].contains(\"ORIGINAL\\PRIMARY\") } (0,0,1,1)");
        assert_eq!(test_of(&r.signature).value, "ORIGINAL\\PRIMARY");
        let r = one("{ [0008,103e].equals(\"the \"FICTIVE\" view\" ) } (0,0,1,1)");
        assert_eq!(test_of(&r.signature).value, "the \"FICTIVE\" view");
        // A parenthesis inside the text is text.
        let r = one("{ SeriesDescription.startsWith(\"AAA (report)\") } (0,0,1,1)");
        assert_eq!(test_of(&r.signature).value, "AAA (report)");
        // Round trip through Display.
        let again = one(&r.to_string());
        assert_eq!(again.signature, r.signature);
    }

    #[test]
    fn white_space_around_the_parts_of_a_test_and_private_tags() {
        let r = one("{ [ 0019 , 10a2 ] . containsIgnoreCase ( \"echo\" ) } (0,0,1,1)");
        let t = test_of(&r.signature);
        assert_eq!(t.tag, Tag(0x0019, 0x10a2));
        assert_eq!(t.name, "[0019,10a2]");
        assert_eq!(t.op, Op::ContainsIgnoreCase);
    }

    #[test]
    fn true_false_and_precedence_of_not_and_or() {
        let r = one("{ !true + false * Modality.equals(\"US\") } (0,0,1,1)");
        // `!` binds tightest, then `*`, then `+`.
        assert_eq!(
            r.signature,
            Signature::Any(vec![
                Signature::Not(Box::new(Signature::All(vec![]))),
                Signature::All(vec![
                    Signature::Any(vec![]),
                    Signature::Test(Test {
                        tag: Tag(0x0008, 0x0060),
                        name: "Modality".into(),
                        op: Op::Equals,
                        value: "US".into(),
                    }),
                ]),
            ])
        );
        assert_eq!(
            r.signature.to_string(),
            "!true + (false * Modality.equals(\"US\"))"
        );
        assert_eq!(one(&r.to_string()).signature, r.signature);
        let obj = dicom_object::InMemDicomObject::new_empty();
        assert!(!r.signature.matches(&obj));
        assert!(one("{ true } (0,0,1,1)").signature.matches(&obj));
        assert!(!one("{ false } (0,0,1,1)").signature.matches(&obj));
    }

    #[test]
    fn a_region_may_run_over_lines_and_its_errors_name_its_line() {
        let r = one("{ Modality.equals(\"US\") }\n  (0, 0,\n   640, 40) (1,2,\n3,4)");
        assert_eq!(r.regions.len(), 2);
        assert_eq!(
            r.regions[1],
            Region {
                x: 1,
                y: 2,
                width: 3,
                height: 4
            }
        );
        let err = parse("{ Modality.equals(\"US\") }\n\n (0,0,\n x,4)", "s").expect_err("not a number");
        assert_eq!(err.line, 3, "{err}");
        let err = parse("{ Modality.equals(\"US\") }\n (0,0,1,1", "s").expect_err("not closed");
        assert_eq!(err.line, 2, "{err}");
    }

    #[test]
    fn a_signature_without_regions_is_refused_with_the_reason() {
        let err = parse(
            "Title\n{ Modality.equals(\"US\") }\nNext\n{ true } (0,0,1,1)",
            "s",
        )
        .expect_err("no region");
        assert_eq!(err.line, 3, "{err}");
        assert!(err.message.contains("blanking nothing"), "{err}");
    }
}
