//! Properties of the readers of text that people (or other tools) write: CTP
//! DicomPixelAnonymizer scripts, pixel rules, profiles and inspector themes in RON. Whatever
//! the text, each answers with what it read or a typed error naming the line — never a
//! panic, a stack overflow, a hang or an allocation without bound. A well-formed script
//! reads back the same from the rules' own Display, the form a plan shows them in.

use dpk::pixels::{ctp, PixelRule, Region, Signature, Test};
use dpk::Profile;
use proptest::prelude::*;

/// A script as a site would write one, with invented devices: titles and notes, star rules,
/// comments, `!`, nested parentheses, keywords and private tags, quoted text holding a
/// backslash and quotes, regions over two lines.
const SCRIPT: &str = r#"Burned-in text of the Fictive Imaging Group
==========================================

Notes: regions are (x,y,w,h); every rule needs at least one.

**************
     US
**************
Fictive Sonics EchoView 9
  { Modality.equals("US") *
    [0008,0070].containsIgnoreCase("Fictive Sonics") * // the vendor
    ( ManufacturerModelName.startsWith("EchoView") + [0008,1090].contains("EV9") ) }
  (0,0,640,40) (500,440,
                140,40)

Fictive Sonics, private screens
  { [0009,1010].equals("SCREEN "B" MODE") * ![0008,0008].contains("DERIVED\SECONDARY") }
  (0,0,800,60)

**************
     XA
**************
Example Angio 3000
  { Modality.equalsIgnoreCase("xa") * !( Rows.equals("512") + Rows.equals("1024") ) *
    [0018,1000].isBlank() }
  (10,10,200,25)

Anything said to have burned-in text
  { BurnedInAnnotation.equals("YES") * true } (0,0,1,1)
"#;

fn script_rules() -> Vec<PixelRule> {
    ctp::parse(SCRIPT, "fictive.script").unwrap_or_else(|e| panic!("{e}"))
}

/// The rules a script's text gives, each shown and read back: the same name, signature and
/// regions.
fn assert_round_trip(rules: &[PixelRule]) {
    for rule in rules {
        let shown = rule.to_string();
        let again = ctp::parse(&shown, "again").unwrap_or_else(|e| panic!("{shown:?}: {e}"));
        assert_eq!(again.len(), 1, "{shown:?}");
        assert_eq!(again[0].name, rule.name, "{shown:?}");
        assert_eq!(again[0].signature, rule.signature, "{shown:?}");
        assert_eq!(again[0].regions, rule.regions, "{shown:?}");
    }
}

/// What a script gives: rules that read back, or an error naming one of its lines.
fn check_script(text: &str) {
    let lines = text.split('\n').count();
    match ctp::parse(text, "s") {
        Ok(rules) => {
            let empty = dicom_object::InMemDicomObject::new_empty();
            for r in &rules {
                assert!(!r.regions.is_empty() && r.regions.iter().all(|g| g.width > 0 && g.height > 0));
                let _ = r.signature.matches(&empty);
            }
            assert_round_trip(&rules);
        }
        Err(e) => assert!((1..=lines).contains(&e.line), "line {} of {lines}: {e}", e.line),
    }
}

#[test]
fn the_fictive_script_reads_as_written() {
    let rules = script_rules();
    let names: Vec<&str> = rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Fictive Sonics EchoView 9",
            "Fictive Sonics, private screens",
            "Example Angio 3000",
            "Anything said to have burned-in text"
        ]
    );
    assert_eq!(
        rules[0].regions,
        [
            Region {
                x: 0,
                y: 0,
                width: 640,
                height: 40
            },
            Region {
                x: 500,
                y: 440,
                width: 140,
                height: 40
            }
        ]
    );
    assert_eq!(
        rules[1].signature.to_string(),
        "[0009,1010].equals(\"SCREEN \"B\" MODE\") * ![0008,0008].contains(\"DERIVED\\SECONDARY\")"
    );
    assert_eq!(rules[0].origin, "fictive.script:10");
    assert_round_trip(&rules);
}

/// Paths that never end or are not files: refused, not read into memory without end.
#[test]
fn a_device_that_never_ends_is_refused_as_a_configuration_file() {
    let zero = std::path::Path::new("/dev/zero");
    if !zero.exists() {
        return;
    }
    let err = dpk::pixels::load_rules(zero).expect_err("not rules");
    assert!(err.message.contains("MiB"), "{err}");
    let err = Profile::load(zero).expect_err("not a profile");
    assert!(err.to_string().contains("MiB"), "{err}");
    let err = Profile::from_ron(r#"(name: "x", extends: "/dev/zero")"#, "x.ron")
        .and_then(|p| p.resolve())
        .expect_err("a base that never ends");
    assert!(err.to_string().contains("MiB"), "{err}");
    let err = dpk::tui::theme::Theme::named_or_file("/dev/zero").expect_err("not a theme");
    assert!(err.to_string().contains("MiB"), "{err}");
}

/// Nesting as deep as a file can make it: an error, not a stack overflow.
#[test]
fn deep_nesting_is_refused_in_every_reader() {
    for depth in [200, 10_000, 200_000] {
        let ron = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert!(dpk::pixels::rules::from_ron(&ron, "r.ron").is_err());
        let profile = format!("(name: \"x\", rules: {ron})");
        assert!(Profile::from_ron(&profile, "p.ron").is_err());
        let nested = format!("(name: {}", "Some(".repeat(depth));
        assert!(Profile::from_ron(&nested, "p.ron").is_err());
        let script = format!("{{ {}Modality.equals(\"US\") }} (0,0,1,1)", "(".repeat(depth));
        assert!(ctp::parse(&script, "s").is_err());
        let script = format!("{{ {}Modality.equals(\"US\") }} (0,0,1,1)", "!".repeat(depth));
        assert!(ctp::parse(&script, "s").is_err());
    }
}

// ---------------------------------------------------------------------------------------------
// Generated signatures
// ---------------------------------------------------------------------------------------------

fn text_value() -> impl Strategy<Value = String> {
    // Letters, digits, spaces and what a script may hold inside quotes: a backslash, quotes
    // not followed by `)`, parentheses, braces, slashes.
    proptest::string::string_regex(r#"[A-Za-z0-9 \\(){}/*+!.,\[\]-]{0,12}"#).unwrap()
}

fn test_strategy() -> impl Strategy<Value = Signature> {
    let attribute = prop_oneof![
        Just(("Modality".to_string(), dicom_core::Tag(0x0008, 0x0060))),
        Just((
            "ManufacturerModelName".to_string(),
            dicom_core::Tag(0x0008, 0x1090)
        )),
        (any::<u16>(), any::<u16>()).prop_map(|(g, e)| (format!("[{g:04x},{e:04x}]"), dicom_core::Tag(g, e))),
    ];
    let op = prop_oneof![
        Just(dpk::pixels::Op::Equals),
        Just(dpk::pixels::Op::EqualsIgnoreCase),
        Just(dpk::pixels::Op::Contains),
        Just(dpk::pixels::Op::ContainsIgnoreCase),
        Just(dpk::pixels::Op::StartsWith),
        Just(dpk::pixels::Op::EndsWithIgnoreCase),
        Just(dpk::pixels::Op::IsBlank),
    ];
    (attribute, op, text_value()).prop_map(|((name, tag), op, value)| {
        let value = if op == dpk::pixels::Op::IsBlank {
            String::new()
        } else {
            value
        };
        Signature::Test(Test { tag, name, op, value })
    })
}

/// Signatures as the parser builds them: an "all" or "any" of two or more parts (or none:
/// `true`, `false`), never directly inside one of its own kind.
fn signature() -> impl Strategy<Value = Signature> {
    let leaf = prop_oneof![
        6 => test_strategy(),
        1 => Just(Signature::All(Vec::new())),
        1 => Just(Signature::Any(Vec::new())),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|s| Signature::Not(Box::new(s))),
            proptest::collection::vec(inner.clone(), 2..4).prop_map(Signature::All),
            proptest::collection::vec(inner, 2..4).prop_map(Signature::Any),
        ]
    })
}

fn region() -> impl Strategy<Value = Region> {
    (any::<u32>(), any::<u32>(), 1..=u32::MAX, 1..=u32::MAX).prop_map(|(x, y, width, height)| Region {
        x,
        y,
        width,
        height,
    })
}

/// A mutation of a script: a span deleted, text inserted, or a span repeated.
#[derive(Debug, Clone)]
enum Edit {
    Delete(f64, usize),
    Insert(f64, String),
    Repeat(f64, usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let token = proptest::string::string_regex(
        r#"([{}()\[\]",.*+!/\\;\n ]|//|true|Rows|equals|\(0,0,1,1\)|0008|[a-z0-9]){1,4}"#,
    )
    .unwrap();
    prop_oneof![
        (0.0..1.0f64, 1..40usize).prop_map(|(p, n)| Edit::Delete(p, n)),
        (0.0..1.0f64, token).prop_map(|(p, t)| Edit::Insert(p, t)),
        (0.0..1.0f64, 1..60usize, 1..4usize).prop_map(|(p, n, k)| Edit::Repeat(p, n, k)),
    ]
}

fn apply(text: &str, edit: &Edit) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |p: f64| ((p * chars.len() as f64) as usize).min(chars.len());
    let s = |r: std::ops::Range<usize>| chars[r].iter().collect::<String>();
    match edit {
        Edit::Delete(p, n) => {
            let i = at(*p);
            let j = (i + n).min(chars.len());
            s(0..i) + &s(j..chars.len())
        }
        Edit::Insert(p, t) => {
            let i = at(*p);
            s(0..i) + t + &s(i..chars.len())
        }
        Edit::Repeat(p, n, k) => {
            let i = at(*p);
            let j = (i + n).min(chars.len());
            s(0..j) + &s(i..j).repeat(*k) + &s(j..chars.len())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Any text at all.
    #[test]
    fn any_text_is_read_or_refused_with_its_line(text in any::<String>()) {
        check_script(&text);
    }

    /// Text made of the script's own tokens, which reaches deeper into the grammar.
    #[test]
    fn token_soup_is_read_or_refused_with_its_line(
        text in proptest::string::string_regex(
            r#"([{}()\[\]",.*+!/\\\n ]|//|true|false|Modality|Rows|\.equals|\.isBlank|\(0,0,1,1\)|\[0008,0060\]|"US"){0,40}"#
        ).unwrap()
    ) {
        check_script(&text);
    }

    /// The fictive script with a few edits: rules, or an error naming a line.
    #[test]
    fn an_edited_script_is_read_or_refused_with_its_line(edits in proptest::collection::vec(edit(), 1..5)) {
        let text = edits.iter().fold(SCRIPT.to_string(), |t, e| apply(&t, e));
        check_script(&text);
    }

    /// A rule built from parts reads back from its Display exactly.
    #[test]
    fn a_generated_rule_reads_back_from_its_display(
        name in "[A-Za-z][A-Za-z0-9 ,()-]{0,20}[A-Za-z0-9]",
        signature in signature(),
        regions in proptest::collection::vec(region(), 1..4),
    ) {
        let rule = PixelRule { name: name.clone(), signature, regions, origin: "generated".into() };
        let shown = rule.to_string();
        let again = ctp::parse(&shown, "again").unwrap_or_else(|e| panic!("{shown:?}: {e}"));
        prop_assert_eq!(again.len(), 1);
        prop_assert_eq!(&again[0].name, &name);
        prop_assert_eq!(&again[0].signature, &rule.signature);
        prop_assert_eq!(&again[0].regions, &rule.regions);
    }

    /// RON of pixel rules, profiles and themes: read or refused, never a panic.
    #[test]
    fn any_ron_is_read_or_refused(
        text in proptest::string::string_regex(
            r#"([\[\](){}:,"]|Some|name|regions|signature|x|y|width|height|rules|options|extends|"basic"|[0-9]|text|badges|Keep|Remove){0,60}"#
        ).unwrap()
    ) {
        let _ = dpk::pixels::rules::from_ron(&text, "r.ron");
        if let Ok(profile) = Profile::from_ron(&text, "p.ron") {
            if !text.contains(['/', '\\', '.']) {
                let _ = profile.resolve();
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("theme.ron");
        std::fs::write(&path, &text).unwrap();
        let _ = dpk::tui::theme::Theme::named_or_file(&path.display().to_string());
    }
}
