//! Text under ISO 2022 code extensions (PS3.5 6.1.2.5): Japanese (ISO 2022 IR 87, IR 13),
//! Korean (IR 149) and Chinese (IR 58) values whose escape sequences switch G0 and G1 inside
//! a value. The files are written here byte for byte, as modalities write them, with
//! invented names. A name in Patient's Name is found in a description in the same character
//! set and cleaned out; the cleaned description is written validly in the declared sets; and
//! every value dpk keeps is written back with exactly the bytes it was read from.

#[path = "support/dciodvfy.rs"]
mod dciodvfy;
#[path = "support/robust.rs"]
mod robust;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dpk::dataset::charset::CodeExtensions;
use dpk::dataset::TagPath;
use dpk::diff::ChangeKind;
use dpk::{Context, Profile, ResolvedProfile, Salt};
use robust::{element_bytes, Raw, CT_IMAGE};

const SOP_INSTANCE: &str = "2.25.233104477120098123450987650001";

/// ISO 2022 bytes of a text in one character set: ASCII runs as they are, every other run
/// after the escape sequence designating `set`, G0 back to ASCII (or `g0_back`) after it. The
/// characters' codes come from encoding_rs's EUC tables (JIS X 0208 in 7 bits: high bits
/// cleared).
#[derive(Clone, Copy)]
enum Set {
    /// JIS X 0208 in G0 (`ESC $ B`), then back to ASCII (`ESC ( B`).
    Jis,
    /// JIS X 0208 in G0, back to JIS X 0201 Romaji (`ESC ( J`) for an IR 13 first value.
    JisFromRomaji,
    /// KS X 1001 in G1 (`ESC $ ) C`), designated again after each delimiter.
    Ksx,
    /// GB 2312 in G1 (`ESC $ ) A`), likewise.
    Gb,
}

fn iso2022(text: &str, set: Set) -> Vec<u8> {
    let mut out = Vec::new();
    let mut designated = false;
    for c in text.chars() {
        if c.is_ascii() {
            match set {
                Set::Jis if designated => out.extend(b"\x1b(B"),
                Set::JisFromRomaji if designated => out.extend(b"\x1b(J"),
                _ => {}
            }
            // G1 sets are designated again after a delimiter; G0 ones at the next run.
            if matches!(set, Set::Jis | Set::JisFromRomaji) || matches!(c, '^' | '=' | '\r' | '\n') {
                designated = false;
            }
            out.push(c as u8);
            continue;
        }
        if (0xff61..=0xff9f).contains(&u32::from(c)) {
            // Half-width katakana: JIS X 0201 in G1 of an IR 13 file.
            out.push((u32::from(c) - 0xff61 + 0xa1) as u8);
            continue;
        }
        let mut buf = [0u8; 4];
        let (encoding, escape): (&'static encoding_rs::Encoding, &[u8]) = match set {
            Set::Jis | Set::JisFromRomaji => (encoding_rs::EUC_JP, b"\x1b$B"),
            Set::Ksx => (encoding_rs::EUC_KR, b"\x1b$)C"),
            Set::Gb => (encoding_rs::GBK, b"\x1b$)A"),
        };
        if !designated {
            out.extend(escape);
            designated = true;
        }
        let (bytes, _, bad) = encoding.encode(c.encode_utf8(&mut buf));
        assert!(!bad && bytes.len() == 2, "{c} is not in the set");
        match set {
            Set::Jis | Set::JisFromRomaji => out.extend(bytes.iter().map(|b| b & 0x7f)),
            _ => out.extend(bytes.iter()),
        }
    }
    match set {
        Set::Jis if designated => out.extend(b"\x1b(B"),
        Set::JisFromRomaji if designated => out.extend(b"\x1b(J"),
        _ => {}
    }
    out
}

/// A CT header in `charset` with a patient's name and a study description given as bytes,
/// a manufacturer (kept by every profile here) and a series description in the set too.
fn ct(charset: &str, name: &[u8], description: &[u8], manufacturer: &[u8]) -> Raw {
    Raw::default()
        .set(tags::SPECIFIC_CHARACTER_SET, b"CS", charset.as_bytes())
        .set(tags::SOP_CLASS_UID, b"UI", CT_IMAGE.as_bytes())
        .set(tags::SOP_INSTANCE_UID, b"UI", SOP_INSTANCE.as_bytes())
        .set(tags::STUDY_DATE, b"DA", b"20240211")
        .set(tags::STUDY_TIME, b"TM", b"101500")
        .set(tags::ACCESSION_NUMBER, b"SH", b"ACC-88102")
        .set(tags::MODALITY, b"CS", b"CT")
        .set(tags::MANUFACTURER, b"LO", manufacturer)
        .set(tags::REFERRING_PHYSICIAN_NAME, b"PN", b"")
        .set(tags::STUDY_DESCRIPTION, b"LO", description)
        .set(tags::PATIENT_NAME, b"PN", name)
        .set(tags::PATIENT_ID, b"LO", b"MRN-5520-17")
        .set(tags::PATIENT_BIRTH_DATE, b"DA", b"19700301")
        .set(tags::PATIENT_SEX, b"CS", b"F")
        .set(
            tags::STUDY_INSTANCE_UID,
            b"UI",
            b"2.25.233104477120098123450987650002",
        )
        .set(
            tags::SERIES_INSTANCE_UID,
            b"UI",
            b"2.25.233104477120098123450987650003",
        )
        .set(tags::STUDY_ID, b"SH", b"S1")
        .set(tags::SERIES_NUMBER, b"IS", b"1")
        .set(tags::INSTANCE_NUMBER, b"IS", b"1")
}

fn profile() -> ResolvedProfile {
    Profile::extending("iso2022", "basic")
        .with_option("clean-descriptors")
        .resolve()
        .unwrap()
}

/// What dpk made of one input.
struct Run {
    plan: dpk::Plan,
    input: Vec<u8>,
    output: Vec<u8>,
    /// dciodvfy errors of the output that the input did not have.
    new_errors: Vec<String>,
    /// The output's text of Study Description, decoded under its code extensions.
    description: String,
}

fn anonymize(raw: &Raw) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (inp, out) = (dir.path().join("in.dcm"), dir.path().join("out.dcm"));
    let input = raw.file(CT_IMAGE, SOP_INSTANCE);
    std::fs::write(&inp, &input).unwrap();
    let ctx = Context::new(Salt::new(b"iso2022-test-salt-0123456789".to_vec()).unwrap());
    let plan = dpk::anonymize_file(&inp, &out, &profile(), &ctx).unwrap_or_else(|e| panic!("refused: {e}"));
    let output = std::fs::read(&out).unwrap();
    if let Some(keep) = std::env::var_os("DPK_ISO2022_KEEP") {
        std::fs::copy(
            &out,
            std::path::Path::new(&keep).join(format!("{}.dcm", output.len())),
        )
        .unwrap();
    }
    // Compared in kind: counts differ where dciodvfy counts 0x5C bytes inside kanji as
    // value delimiters, in the input as in the output.
    let kind = |e: String| {
        e.split(|c: char| c.is_ascii_digit())
            .collect::<Vec<_>>()
            .join("N")
    };
    let before: Vec<String> = dciodvfy::errors(&inp).into_iter().map(kind).collect();
    let new_errors = dciodvfy::errors(&out)
        .into_iter()
        .map(kind)
        .filter(|e| !before.contains(e))
        .collect();
    let file = dpk::dataset::open(&out).unwrap();
    let x = CodeExtensions::of_dataset(&file).expect("the output keeps its character sets");
    let read = dpk::dataset::text_of(&file, tags::STUDY_DESCRIPTION).unwrap_or_default();
    let description = x
        .decode(&read, dicom_core::VR::LO)
        .unwrap_or(read)
        .trim_end()
        .to_string();
    Run {
        plan,
        input,
        output,
        new_errors,
        description,
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The element's bytes as written in the input, header included, padded as `Raw` pads.
fn element_in(raw_value: &[u8], tag: Tag, vr: &[u8; 2]) -> Vec<u8> {
    let mut value = raw_value.to_vec();
    if value.len() % 2 == 1 {
        value.push(b' ');
    }
    element_bytes(tag, vr, &value)
}

#[test]
fn a_japanese_name_is_found_in_the_description_and_cleaned() {
    let name = iso2022("Kaku^Hanako=架空^花子", Set::Jis);
    let description = iso2022("CT 架空花子様 胸部", Set::Jis);
    let manufacturer = iso2022("架空医療機器", Set::Jis);
    let run = anonymize(&ct("\\ISO 2022 IR 87", &name, &description, &manufacturer));

    assert_eq!(run.description, "CT ***様 胸部");
    // Written as PS3.5 writes Japanese: each kanji run after ESC $ B, ASCII after ESC ( B,
    // and the value ending in ASCII.
    let expected = iso2022("CT ***様 胸部", Set::Jis);
    assert!(
        contains(
            &run.output,
            &element_in(&expected, tags::STUDY_DESCRIPTION, b"LO")
        ),
        "the cleaned description is not written as expected"
    );
    // The given name's bytes are nowhere in the output (the family name's are in the kept
    // manufacturer), nor its romanized parts.
    let given = iso2022("花子", Set::Jis);
    assert!(!contains(&run.output, &given[3..given.len() - 3]));
    assert!(!contains(&run.output, b"Hanako") && !contains(&run.output, b"Kaku^"));
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
}

/// 宮 and 本 are 0x35 0x5C and 0x4B 0x5C in JIS X 0208: the reader splits a value at each
/// 0x5C. The name is found all the same. (dciodvfy counts each 0x5C as a delimiter: the
/// input and the output both have a multiplicity error there, with other counts.)
#[test]
fn a_name_whose_kanji_hold_the_delimiter_byte_is_found() {
    let name = iso2022("Miyamoto^Hanako=宮本^花子", Set::Jis);
    assert!(name.contains(&b'\\'));
    let description = iso2022("宮本花子様 本日 CT", Set::Jis);
    let manufacturer = iso2022("本社医療", Set::Jis);
    let run = anonymize(&ct("\\ISO 2022 IR 87", &name, &description, &manufacturer));
    let expected = iso2022("***様 本日 CT", Set::Jis);
    assert!(
        contains(
            &run.output,
            &element_in(&expected, tags::STUDY_DESCRIPTION, b"LO")
        ),
        "the cleaned description is not written as expected"
    );
    assert!(contains(
        &run.output,
        &element_in(&manufacturer, tags::MANUFACTURER, b"LO")
    ));
    let miyamoto = iso2022("宮本", Set::Jis);
    assert!(!contains(&run.output, &miyamoto[3..miyamoto.len() - 3]));
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
}

#[test]
fn a_kept_value_keeps_its_bytes_and_an_unchanged_clean_too() {
    let name = iso2022("Kaku^Hanako=架空^花子", Set::Jis);
    // Nothing in this description names anyone: cleaned, and written back as it was.
    let description = iso2022("胸部 CT 造影", Set::Jis);
    let manufacturer = iso2022("架空医療機器", Set::Jis);
    let run = anonymize(&ct("\\ISO 2022 IR 87", &name, &description, &manufacturer));
    for (tag, value) in [
        (tags::MANUFACTURER, &manufacturer),
        (tags::STUDY_DESCRIPTION, &description),
    ] {
        let element = element_in(value, tag, b"LO");
        assert!(contains(&run.input, &element));
        assert!(
            contains(&run.output, &element),
            "{tag} was not written byte for byte"
        );
    }
    assert_eq!(
        run.plan
            .entry(&TagPath::root(tags::STUDY_DESCRIPTION))
            .map(|e| e.kind),
        Some(ChangeKind::Unchanged)
    );
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
}

#[test]
fn half_width_katakana_and_kanji_under_ir_13() {
    let name = iso2022("ｶｸｳ^ﾊﾅｺ=架空^花子", Set::JisFromRomaji);
    let description = iso2022("架空花子様 ﾊﾅｺ CT 胸部", Set::JisFromRomaji);
    let manufacturer = iso2022("ｶｸｳ ｲﾘｮｳ", Set::JisFromRomaji);
    let run = anonymize(&ct(
        "ISO 2022 IR 13\\ISO 2022 IR 87",
        &name,
        &description,
        &manufacturer,
    ));
    assert_eq!(run.description, "***様 *** CT 胸部");
    let expected = iso2022("***様 *** CT 胸部", Set::JisFromRomaji);
    assert!(contains(
        &run.output,
        &element_in(&expected, tags::STUDY_DESCRIPTION, b"LO")
    ));
    assert!(contains(
        &run.output,
        &element_in(&manufacturer, tags::MANUFACTURER, b"LO")
    ));
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
}

#[test]
fn a_korean_name_is_found_and_g1_designated_again() {
    let name = iso2022("Gasang^Yeonghui=가상^영희", Set::Ksx);
    let description = iso2022("가상영희 님 CT", Set::Ksx);
    let manufacturer = iso2022("가상 의료", Set::Ksx);
    let run = anonymize(&ct("\\ISO 2022 IR 149", &name, &description, &manufacturer));
    assert_eq!(run.description, "*** 님 CT");
    let expected = iso2022("*** 님 CT", Set::Ksx);
    assert!(contains(
        &run.output,
        &element_in(&expected, tags::STUDY_DESCRIPTION, b"LO")
    ));
    assert!(contains(
        &run.output,
        &element_in(&manufacturer, tags::MANUFACTURER, b"LO")
    ));
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
}

/// A one-character family name is too short to look for alone: written together with the
/// given name, as Chinese writes names, it is found.
#[test]
fn a_chinese_name_with_a_one_character_family_name_is_found() {
    let name = iso2022("Xu^Gouming=虚^构明", Set::Gb);
    let description = iso2022("患者虚构明复查", Set::Gb);
    let manufacturer = iso2022("虚构医疗", Set::Gb);
    let run = anonymize(&ct("\\ISO 2022 IR 58", &name, &description, &manufacturer));
    assert_eq!(run.description, "患者***复查");
    assert!(contains(
        &run.output,
        &element_in(&manufacturer, tags::MANUFACTURER, b"LO")
    ));
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
}

/// Text the declared sets cannot hold again (here an escape to a set the file does not
/// declare) is written in ASCII, and the plan says so.
#[test]
fn what_cannot_be_written_in_the_declared_sets_is_written_in_ascii() {
    let name = iso2022("Kaku^Hanako=架空^花子", Set::Jis);
    let mut description = iso2022("CT 架空花子 ", Set::Jis);
    description.extend(b"\x1b%Gx");
    let manufacturer = iso2022("架空医療機器", Set::Jis);
    let run = anonymize(&ct("\\ISO 2022 IR 87", &name, &description, &manufacturer));
    let entry = run
        .plan
        .entry(&TagPath::root(tags::STUDY_DESCRIPTION))
        .expect("an entry");
    assert_eq!(entry.kind, ChangeKind::Replaced);
    let note = entry
        .decision
        .as_ref()
        .and_then(|d| d.note.as_ref())
        .map(|n| n.to_string())
        .unwrap_or_default();
    assert!(note.contains("ASCII"), "{note}");
    assert_eq!(run.description, "CT *** ***%Gx");
    assert!(run.description.is_ascii());
    assert!(run.new_errors.is_empty(), "{:?}", run.new_errors);
}

/// A byte the reader cannot decode in the first character set (a Shift JIS lead byte alone,
/// under ISO 2022 IR 13) is read as the text `\340`; the kept value is written back with the
/// bytes it was read from, not those four characters.
#[test]
fn a_kept_value_the_reader_cannot_decode_keeps_its_bytes() {
    let manufacturer = b"\xe0";
    let name = iso2022("Kaku^Hanako", Set::JisFromRomaji);
    let run = anonymize(&ct("ISO 2022 IR 13\\ISO 2022 IR 87", &name, b"CT", manufacturer));
    assert!(contains(
        &run.output,
        &element_in(manufacturer, tags::MANUFACTURER, b"LO")
    ));
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

use proptest::prelude::*;

const CHARSETS: &[&str] = &[
    "\\ISO 2022 IR 87",
    "ISO 2022 IR 13\\ISO 2022 IR 87",
    "\\ISO 2022 IR 149",
    "\\ISO 2022 IR 58",
    "ISO 2022 IR 100\\ISO 2022 IR 87",
    "\\ISO 2022 IR 87\\ISO 2022 IR 159",
];

/// Bytes a value may hold: escape sequences, known and not, high bytes, delimiters, text.
fn value_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"\x1b$B".to_vec()),
        Just(b"\x1b(B".to_vec()),
        Just(b"\x1b(J".to_vec()),
        Just(b"\x1b$)C".to_vec()),
        Just(b"\x1b$)A".to_vec()),
        Just(b"\x1b)I".to_vec()),
        Just(b"\x1b$(D".to_vec()),
        Just(b"\x1b%G".to_vec()),
        Just(b"\x1b".to_vec()),
        Just(b"^".to_vec()),
        Just(b"=".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\\".to_vec()),
        Just(iso2022("架空花子", Set::Jis)),
        Just(iso2022("가상영희", Set::Ksx)),
        Just(b"Kaku Hanako".to_vec()),
        proptest::collection::vec(any::<u8>(), 1..4),
        proptest::collection::vec(0x21u8..0x7f, 2..4),
        proptest::collection::vec(0xa1u8..0xff, 2..4),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever bytes the values hold under whichever ISO 2022 sets: the file is written or
    /// refused, never a panic; the manufacturer, which the profile keeps, keeps its bytes; a
    /// replaced description reads back under the declared sets.
    #[test]
    fn any_bytes_under_iso_2022_are_cleaned_or_refused(
        charset in proptest::sample::select(CHARSETS),
        name in value_bytes(),
        description in value_bytes(),
        manufacturer in value_bytes(),
    ) {
        // Lengths and a few bytes an element header cannot hold are not this test's subject.
        let printable = |v: &[u8]| v.iter().all(|&b| b != 0);
        prop_assume!(printable(&name) && printable(&description) && printable(&manufacturer));
        // Bytes the IR 13 reader (Shift JIS) cannot decode are not kept as they were: see
        // `a_kept_value_the_reader_cannot_decode_keeps_its_bytes`.
        let katakana_only = |v: &[u8]| v.iter().all(|&b| b < 0x80 || (0xa1..=0xdf).contains(&b));
        prop_assume!(!charset.starts_with("ISO 2022 IR 13") || katakana_only(&manufacturer));
        let raw = ct(charset, &name, &description, &manufacturer);
        let dir = tempfile::tempdir().unwrap();
        let (inp, out) = (dir.path().join("in.dcm"), dir.path().join("out.dcm"));
        std::fs::write(&inp, raw.file(CT_IMAGE, SOP_INSTANCE)).unwrap();
        let ctx = Context::new(Salt::new(b"iso2022-test-salt-0123456789".to_vec()).unwrap());
        if dpk::anonymize_file(&inp, &out, &profile(), &ctx).is_ok() {
            let output = std::fs::read(&out).unwrap();
            prop_assert!(contains(&output, &element_in(&manufacturer, tags::MANUFACTURER, b"LO")));
            prop_assert!(dpk::dataset::open(&out).is_ok());
        }
    }

    /// What the encoder writes decodes to the text it was given.
    #[test]
    fn written_text_reads_back(
        charset in proptest::sample::select(CHARSETS),
        text in "[ -~架空花子様胸部가상영희님虚构明复查ｶｸｳﾊﾅｺ\r\n]{0,24}",
        person_name in any::<bool>(),
    ) {
        let declared: Vec<String> = charset.split('\\').map(str::to_string).collect();
        let x = CodeExtensions::of(&declared).unwrap();
        let vr = if person_name { dicom_core::VR::PN } else { dicom_core::VR::LT };
        if let Some(read) = x.encode(&text, vr) {
            let back = x.decode(&read, vr).unwrap_or(read);
            prop_assert_eq!(back, text);
        }
    }
}

/// The score reads text as the cleaner does: a Japanese name in a description is
/// identifying text, whatever the ISO 2022 escapes around it.
#[test]
fn the_score_finds_a_japanese_name_left_in_a_description() {
    let name = iso2022("Kaku^Hanako=架空^花子", Set::Jis);
    let description = iso2022("CT 架空花子様 胸部", Set::Jis);
    let plain = iso2022("CT 胸部", Set::Jis);
    let manufacturer = iso2022("医療機器", Set::Jis);
    let score = |description: &[u8]| {
        let bytes = ct("\\ISO 2022 IR 87", &name, description, &manufacturer).file(CT_IMAGE, SOP_INSTANCE);
        let file = dpk::dataset::open_bytes(&bytes, "in.dcm").unwrap();
        dpk::risk::score(&file, &dpk::risk::Weights::builtin())
    };
    let reason_of = |report: &dpk::risk::RiskReport| {
        report
            .findings
            .iter()
            .find(|f| f.keyword == Some("StudyDescription"))
            .map(|f| f.reason.clone())
    };
    assert_eq!(
        reason_of(&score(&description)),
        Some(dpk::risk::Reason::IdentifyingText("StudyDescription"))
    );
    assert_eq!(
        reason_of(&score(&plain)),
        Some(dpk::risk::Reason::FreeText("StudyDescription"))
    );
}
