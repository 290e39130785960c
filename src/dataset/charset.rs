//! Text values in the character sets that use ISO 2022 code extensions: read, and written.
//!
//! The DICOM reader (dicom-encoding 0.10) decodes a value with the one character set that
//! the first value of Specific Character Set (0008,0005) names, and knows nothing of the
//! escape sequences PS3.5 6.1.2.5 allows between character sets. A Japanese name declared
//! `\ISO 2022 IR 87` is read byte for byte as Latin-1 and shows as `$B$d$^$@(B^…`; Korean
//! (`\ISO 2022 IR 149`) and Chinese (`\ISO 2022 IR 58`) likewise. GB18030, GBK and the single
//! character sets without code extensions it reads right.
//!
//! [`CodeExtensions::decode`] takes the text back to the bytes the reader decoded (encoding it
//! again with the reader's character set, which for these sets gives the bytes back
//! unchanged) and decodes those bytes following the escape sequences: the inspector shows and
//! searches that text, and the engine looks for names in it. [`CodeExtensions::encode`] goes
//! the other way, for a value the engine replaces: a value it keeps is never re-encoded, so
//! its bytes stay exactly as read.

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use dicom_object::InMemDicomObject;
use encoding_rs::Encoding;

/// The character sets a file declares, when they need this module: some value of Specific
/// Character Set names an ISO 2022 code extension. `None` otherwise (the reader's text is
/// right as it is).
#[derive(Clone, Debug)]
pub struct CodeExtensions {
    /// The character set the reader decoded with: the first value's, or the default.
    reader: SpecificCharacterSet,
    /// The state at the start of a value and after each delimiter.
    initial: State,
    /// The sets the file declares, which alone text written into it may use.
    declared: Vec<Set>,
}

impl CodeExtensions {
    /// The code extensions of a Specific Character Set's values, if it uses any.
    pub fn of(declared: &[String]) -> Option<CodeExtensions> {
        if !declared.iter().any(|v| v.trim().starts_with("ISO 2022")) {
            return None;
        }
        let first = declared.first().map_or("", |v| v.trim());
        // A set the reader does not know leaves it on the default, as an empty value does.
        let reader = SpecificCharacterSet::from_code(first).unwrap_or_default();
        let initial = match first {
            "ISO 2022 IR 13" => State {
                g0: G0::Romaji,
                g1: G1::Katakana,
            },
            code => State {
                g0: G0::Ascii,
                g1: single_byte_set(code).map_or(G1::Unset, G1::SingleByte),
            },
        };
        let mut sets: Vec<Set> = declared
            .iter()
            .enumerate()
            .flat_map(|(i, code)| sets_of(code.trim(), i == 0))
            .collect();
        sets.dedup();
        Some(CodeExtensions {
            reader,
            initial,
            declared: sets,
        })
    }

    /// The code extensions of a data set's own Specific Character Set (0008,0005), if any.
    pub fn of_dataset(obj: &InMemDicomObject) -> Option<CodeExtensions> {
        let element = obj.get(tags::SPECIFIC_CHARACTER_SET)?;
        let Value::Primitive(p) = element.value() else {
            return None;
        };
        let declared: Vec<String> = match p {
            PrimitiveValue::Str(s) => s.split('\\').map(|v| v.trim().to_string()).collect(),
            _ => p.to_multi_str().iter().map(|v| v.trim().to_string()).collect(),
        };
        CodeExtensions::of(&declared)
    }

    /// The text of one value of `vr`, as its bytes mean under the code extensions; `None`
    /// when the VR is not one the extensions apply to or the bytes cannot be recovered (the
    /// text is then right as read).
    pub fn decode(&self, text: &str, vr: VR) -> Option<String> {
        if !applies_to(vr) {
            return None;
        }
        if text.is_ascii() && !text.contains('\u{1b}') {
            return None;
        }
        let bytes = self.reader.encode(text).ok()?;
        Some(decode_iso2022(&bytes, self.initial, Kind::of(vr)))
    }

    /// The values of an element of `vr` as the reader split them (`texts`), decoded and split
    /// again where the value delimiter really is. The reader splits at every 0x5C byte, and
    /// in JIS X 0208 that byte is also half of many characters (本, 宮, ボ): joined back, the
    /// value is decoded whole and split only at a backslash in a single-byte set. `None` as
    /// for [`CodeExtensions::decode`].
    pub fn decode_values(&self, texts: &[String], vr: VR) -> Option<Vec<String>> {
        let decoded = self.decode(&texts.join("\\"), vr)?;
        Some(if Kind::of(vr).values {
            decoded.split('\\').map(str::to_string).collect()
        } else {
            vec![decoded]
        })
    }

    /// [`CodeExtensions::encode`] of several values, written as one text holding their
    /// delimiters.
    pub fn encode_values(&self, values: &[String], vr: VR) -> Option<String> {
        self.encode(&values.join("\\"), vr)
    }

    /// The text the reader would have made of `text` written with the file's declared
    /// character sets (escape sequences switching G0 and G1 as PS3.5 6.1.2.5.3 has it, each
    /// value and each line, and each name component in a PN, ending in the initial sets), for
    /// an encoder to write back as those bytes. `None` when a character is in none of the
    /// declared sets, or the bytes would not come back whole through the reader: the caller
    /// then writes ASCII, valid under every ISO 2022 set.
    pub fn encode(&self, text: &str, vr: VR) -> Option<String> {
        let bytes = encode_iso2022(text, self.initial, &self.declared, Kind::of(vr))?;
        let read = self.reader.decode(&bytes).ok()?;
        // The encoder writes the reader's text in the reader's set: it must give these bytes.
        (self.reader.encode(&read).ok()? == bytes).then_some(read)
    }
}

/// The VRs whose values the code extensions apply to (PS3.5 6.1.2.3).
fn applies_to(vr: VR) -> bool {
    matches!(vr, VR::SH | VR::LO | VR::ST | VR::LT | VR::UC | VR::UT | VR::PN)
}

/// What in a VR's text the sets return to their initial state at.
#[derive(Clone, Copy)]
struct Kind {
    /// `^` and `=` delimit a person name's components and groups.
    person_name: bool,
    /// `\` delimits values (every VR here but the single-valued texts ST, LT and UT).
    values: bool,
}

impl Kind {
    fn of(vr: VR) -> Kind {
        Kind {
            person_name: vr == VR::PN,
            values: matches!(vr, VR::SH | VR::LO | VR::PN | VR::UC),
        }
    }
}

/// What G0 (bytes below 0x80) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum G0 {
    /// ISO-IR 6.
    Ascii,
    /// ISO-IR 14, JIS X 0201 Romaji.
    Romaji,
    /// ISO-IR 87, JIS X 0208: two bytes a character.
    Jis0208,
    /// ISO-IR 159, JIS X 0212: two bytes a character.
    Jis0212,
}

/// What G1 (bytes from 0xA0) holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum G1 {
    /// Nothing designated: bytes are shown as Latin-1 would read them.
    Unset,
    /// A single-byte set (ISO 8859 and friends).
    SingleByte(Single),
    /// ISO-IR 13, JIS X 0201 Katakana.
    Katakana,
    /// ISO-IR 149, KS X 1001: two bytes a character.
    Ksx1001,
    /// ISO-IR 58, GB 2312: two bytes a character.
    Gb2312,
}

/// A single-byte G1 set: the final byte of the `ESC - F` that designates it, and its
/// decoder (`None` for ISO 8859-1, where a byte is its own code point).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Single {
    final_byte: u8,
    encoding: Option<&'static Encoding>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    g0: G0,
    g1: G1,
}

/// A set text may be written in: one of G0's or one of G1's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Set {
    G0(G0),
    G1(G1),
}

/// The sets one value of Specific Character Set declares (`first`: it is value 1, where an
/// empty value means the default repertoire).
fn sets_of(code: &str, first: bool) -> Vec<Set> {
    match code {
        "" if first => vec![Set::G0(G0::Ascii)],
        "ISO 2022 IR 6" => vec![Set::G0(G0::Ascii)],
        "ISO 2022 IR 13" => vec![Set::G0(G0::Romaji), Set::G1(G1::Katakana)],
        "ISO 2022 IR 87" => vec![Set::G0(G0::Jis0208)],
        "ISO 2022 IR 159" => vec![Set::G0(G0::Jis0212)],
        "ISO 2022 IR 149" => vec![Set::G1(G1::Ksx1001)],
        "ISO 2022 IR 58" => vec![Set::G1(G1::Gb2312)],
        other => match single_byte_set(other) {
            // Each ISO 8859 set has ASCII in G0 as well.
            Some(single) => vec![Set::G0(G0::Ascii), Set::G1(G1::SingleByte(single))],
            None => Vec::new(),
        },
    }
}

/// The single-byte set a defined term names (as value 1, or designated to G1).
fn single_byte_set(code: &str) -> Option<Single> {
    use encoding_rs::*;
    let (final_byte, encoding) = match code {
        "ISO 2022 IR 100" => (b'A', None),
        "ISO 2022 IR 101" => (b'B', Some(ISO_8859_2)),
        "ISO 2022 IR 109" => (b'C', Some(ISO_8859_3)),
        "ISO 2022 IR 110" => (b'D', Some(ISO_8859_4)),
        "ISO 2022 IR 144" => (b'L', Some(ISO_8859_5)),
        "ISO 2022 IR 127" => (b'G', Some(ISO_8859_6)),
        "ISO 2022 IR 126" => (b'F', Some(ISO_8859_7)),
        "ISO 2022 IR 138" => (b'H', Some(ISO_8859_8)),
        "ISO 2022 IR 148" => (b'M', Some(WINDOWS_1254)),
        "ISO 2022 IR 203" => (b'b', Some(ISO_8859_15)),
        "ISO 2022 IR 166" => (b'T', Some(WINDOWS_874)),
        _ => return None,
    };
    Some(Single { final_byte, encoding })
}

/// The single-byte set an `ESC - F` escape designates to G1, by its final byte.
fn g1_by_final(final_byte: u8) -> Option<Single> {
    let code = match final_byte {
        b'A' => "ISO 2022 IR 100",
        b'B' => "ISO 2022 IR 101",
        b'C' => "ISO 2022 IR 109",
        b'D' => "ISO 2022 IR 110",
        b'F' => "ISO 2022 IR 126",
        b'G' => "ISO 2022 IR 127",
        b'H' => "ISO 2022 IR 138",
        b'L' => "ISO 2022 IR 144",
        b'M' => "ISO 2022 IR 148",
        b'T' => "ISO 2022 IR 166",
        b'b' => "ISO 2022 IR 203",
        _ => return None,
    };
    single_byte_set(code)
}

/// The escape sequence at the start of `rest` (after ESC): the state it sets and its length.
fn escape(rest: &[u8], state: State) -> Option<(State, usize)> {
    let set = |g0, n| Some((State { g0, ..state }, n));
    let set1 = |g1, n| Some((State { g1, ..state }, n));
    match rest {
        [b'(', b'B', ..] => set(G0::Ascii, 2),
        [b'(', b'J', ..] => set(G0::Romaji, 2),
        [b'$', b'B', ..] | [b'$', b'@', ..] => set(G0::Jis0208, 2),
        [b'$', b'(', b'D', ..] => set(G0::Jis0212, 3),
        [b')', b'I', ..] => set1(G1::Katakana, 2),
        [b'$', b')', b'C', ..] => set1(G1::Ksx1001, 3),
        [b'$', b')', b'A', ..] => set1(G1::Gb2312, 3),
        [b'-', f, ..] => g1_by_final(*f).and_then(|s| set1(G1::SingleByte(s), 2)),
        _ => None,
    }
}

/// The escape sequence (ESC included) that designates `set`; `None` for G1 left unset.
fn designation(set: Set) -> Option<Vec<u8>> {
    let tail: &[u8] = match set {
        Set::G0(G0::Ascii) => b"(B",
        Set::G0(G0::Romaji) => b"(J",
        Set::G0(G0::Jis0208) => b"$B",
        Set::G0(G0::Jis0212) => b"$(D",
        Set::G1(G1::Katakana) => b")I",
        Set::G1(G1::Ksx1001) => b"$)C",
        Set::G1(G1::Gb2312) => b"$)A",
        Set::G1(G1::SingleByte(s)) => return Some(vec![0x1b, b'-', s.final_byte]),
        Set::G1(G1::Unset) => return None,
    };
    let mut out = vec![0x1b];
    out.extend_from_slice(tail);
    Some(out)
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Whether `b` ends a run of text after which the initial sets are in force again: CR, LF,
/// FF and TAB, the value delimiter `\`, and in a person name `^` and `=` (PS3.5 6.1.2.5.3).
fn is_delimiter(b: u8, kind: Kind) -> bool {
    matches!(b, b'\r' | b'\n' | 0x0c | b'\t')
        || (kind.person_name && matches!(b, b'^' | b'='))
        || (kind.values && b == b'\\')
}

/// Decodes `bytes` from `initial`, following escape sequences; delimiters (CR, LF, FF, TAB,
/// and in a person name `^` and `=`) return G0 to its initial set, as PS3.5 6.1.2.5.3 has it.
fn decode_iso2022(bytes: &[u8], initial: State, kind: Kind) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut state = initial;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == 0x1b {
            if let Some((next, len)) = escape(&bytes[i + 1..], state) {
                state = next;
                i += 1 + len;
            } else {
                // An escape this module does not know: shown, not obeyed.
                out.push('\u{1b}');
                i += 1;
            }
            continue;
        }
        let two_byte_g0 = matches!(state.g0, G0::Jis0208 | G0::Jis0212);
        if b < 0x80 {
            if let (true, Some(&second)) = (two_byte_g0 && (0x21..0x7f).contains(&b), bytes.get(i + 1)) {
                let pair = [b | 0x80, second | 0x80];
                out.push_str(&match state.g0 {
                    G0::Jis0212 => decode_with(encoding_rs::EUC_JP, &[0x8f, pair[0], pair[1]]),
                    _ => decode_with(encoding_rs::EUC_JP, &pair),
                });
                i += 2;
                continue;
            }
            if is_delimiter(b, kind) && !two_byte_g0 {
                // G1 is kept: writers differ on designating it again after a delimiter.
                state.g0 = initial.g0;
            }
            out.push(match (state.g0, b) {
                // Between values, 0x5C is the delimiter whatever G0 holds.
                (_, b'\\') if kind.values => '\\',
                (G0::Romaji, b'\\') => '¥',
                (G0::Romaji, b'~') => '‾',
                _ => char::from(b),
            });
            i += 1;
            continue;
        }
        match (state.g1, bytes.get(i + 1)) {
            (G1::Ksx1001 | G1::Gb2312, Some(&second)) => {
                let encoding = if state.g1 == G1::Ksx1001 {
                    encoding_rs::EUC_KR
                } else {
                    encoding_rs::GBK
                };
                out.push_str(&decode_with(encoding, &[b, second]));
                i += 2;
            }
            (G1::Katakana, _) => {
                out.push_str(&decode_with(encoding_rs::EUC_JP, &[0x8e, b]));
                i += 1;
            }
            (
                G1::SingleByte(Single {
                    encoding: Some(encoding),
                    ..
                }),
                _,
            ) => {
                out.push_str(&decode_with(encoding, &[b]));
                i += 1;
            }
            _ => {
                out.push(char::from(b));
                i += 1;
            }
        }
    }
    out
}

/// The bytes of `c` in `set`, if it has it.
fn bytes_in(set: Set, c: char) -> Option<Vec<u8>> {
    let encode = |encoding: &'static Encoding| {
        let mut buf = [0u8; 4];
        let (bytes, _, unmappable) = encoding.encode(c.encode_utf8(&mut buf));
        (!unmappable).then(|| bytes.into_owned())
    };
    // Both bytes of a 94×94 set's character in its 8-bit (EUC) form.
    let double = |b: Vec<u8>| -> Option<Vec<u8>> {
        (b.len() == 2 && b.iter().all(|x| (0xa1..=0xfe).contains(x))).then_some(b)
    };
    match set {
        Set::G0(G0::Ascii) => (c.is_ascii() && c != '\u{1b}').then(|| vec![c as u8]),
        Set::G0(G0::Romaji) => match c {
            '¥' => Some(vec![0x5c]),
            '‾' => Some(vec![0x7e]),
            '\\' | '~' | '\u{1b}' => None,
            c if c.is_ascii() => Some(vec![c as u8]),
            _ => None,
        },
        Set::G0(G0::Jis0208) => {
            double(encode(encoding_rs::EUC_JP)?).map(|b| b.iter().map(|x| x & 0x7f).collect())
        }
        // encoding_rs writes no JIS X 0212: read only.
        Set::G0(G0::Jis0212) | Set::G1(G1::Unset) => None,
        Set::G1(G1::Katakana) => ('\u{ff61}'..='\u{ff9f}')
            .contains(&c)
            .then(|| vec![(u32::from(c) - 0xff61 + 0xa1) as u8]),
        Set::G1(G1::Ksx1001) => double(encode(encoding_rs::EUC_KR)?),
        Set::G1(G1::Gb2312) => double(encode(encoding_rs::GBK)?),
        Set::G1(G1::SingleByte(single)) => {
            let byte = match single.encoding {
                None => u8::try_from(u32::from(c)).ok()?,
                Some(encoding) => match encode(encoding)?.as_slice() {
                    [b] => *b,
                    _ => return None,
                },
            };
            (byte >= 0xa0).then_some(vec![byte])
        }
    }
}

/// Writes `text` in the `declared` sets from `initial`: each character in the set in force
/// if it has it, else in the first declared set that has it (designated by its escape); the
/// initial sets again before each delimiter and control character and at the end. `None`
/// when a character is in none of them.
fn encode_iso2022(text: &str, initial: State, declared: &[Set], kind: Kind) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 2);
    let mut state = initial;
    let back_to_initial = |out: &mut Vec<u8>, state: &mut State| -> Option<()> {
        if state.g0 != initial.g0 {
            out.extend(designation(Set::G0(initial.g0))?);
        }
        if state.g1 != initial.g1 {
            // An unset G1 needs no escape: nothing after reads G1 before designating it.
            if let Some(escape) = designation(Set::G1(initial.g1)) {
                out.extend(escape);
            }
        }
        *state = initial;
        Some(())
    };
    for c in text.chars() {
        let delimiter = (c.is_ascii_control() && c != '\u{1b}')
            || (kind.person_name && matches!(c, '^' | '='))
            || (kind.values && c == '\\');
        if delimiter {
            back_to_initial(&mut out, &mut state)?;
            // Controls and delimiters are bytes of G0's ASCII and Romaji alike.
            out.push(c as u8);
            continue;
        }
        // Between values, no character may be written as the delimiter's byte (Romaji's ¥).
        let fits = |set: Set| bytes_in(set, c).filter(|b| !(kind.values && b.as_slice() == b"\\"));
        let in_force = [Set::G0(state.g0), Set::G1(state.g1)];
        if let Some(bytes) = in_force.into_iter().find_map(fits) {
            out.extend(bytes);
            continue;
        }
        let (set, bytes) = declared.iter().find_map(|&set| Some((set, fits(set)?)))?;
        out.extend(designation(set)?);
        match set {
            Set::G0(g0) => state.g0 = g0,
            Set::G1(g1) => state.g1 = g1,
        }
        out.extend(bytes);
    }
    back_to_initial(&mut out, &mut state)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(declared: &[&str]) -> CodeExtensions {
        let declared: Vec<String> = declared.iter().map(|s| s.to_string()).collect();
        CodeExtensions::of(&declared).expect("code extensions")
    }

    /// The text the reader makes of `bytes` with the default character set.
    fn as_read(bytes: &[u8]) -> String {
        bytes.iter().map(|&b| char::from(b)).collect()
    }

    #[test]
    fn japanese_kanji_and_kana_read_as_text() {
        // Yamada^Tarou=やまだ^たろう in JIS X 0208 (PS3.5 H.3.1's form, invented name).
        let mut bytes = b"Yamada^Tarou=".to_vec();
        bytes.extend_from_slice(b"\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B");
        let text = ext(&["", "ISO 2022 IR 87"])
            .decode(&as_read(&bytes), VR::PN)
            .unwrap();
        assert_eq!(text, "Yamada^Tarou=山田^太郎=やまだ^たろう");
    }

    #[test]
    fn half_width_katakana_and_romaji() {
        // ISO 2022 IR 13 as value 1: G1 katakana, G0 romaji (0x5C is the yen sign).
        // The reader decodes ISO 2022 IR 13 as Shift-JIS: encoding back gives the bytes.
        let text = ext(&["ISO 2022 IR 13", "ISO 2022 IR 87"]).decode("ﾔﾏﾀﾞ^ﾀﾛｳ \\1", VR::LT);
        assert_eq!(text.as_deref(), Some("ﾔﾏﾀﾞ^ﾀﾛｳ ¥1"));
        // Between values of a multi-valued VR the same byte is the delimiter.
        let text = ext(&["ISO 2022 IR 13", "ISO 2022 IR 87"]).decode("ﾔﾏﾀﾞ\\1", VR::LO);
        assert_eq!(text.as_deref(), Some("ﾔﾏﾀﾞ\\1"));
    }

    /// 本 is 0x4B 0x5C in JIS X 0208: the reader splits a value there, the decoder does not.
    #[test]
    fn a_value_split_inside_a_kanji_is_decoded_whole() {
        let x = ext(&["", "ISO 2022 IR 87"]);
        let bytes = b"\x1b$B5\\K\\\x1b(B\\CT";
        let read = as_read(bytes);
        let parts: Vec<String> = read.split('\\').map(str::to_string).collect();
        assert_eq!(parts.len(), 4, "the reader's split");
        assert_eq!(
            x.decode_values(&parts, VR::LO),
            Some(vec!["宮本".to_string(), "CT".to_string()])
        );
        let again = x
            .encode_values(&["宮本".to_string(), "CT".to_string()], VR::LO)
            .unwrap();
        assert_eq!(again.as_bytes(), bytes);
        // In LT the byte is text: a Romaji ¥ or, in JIS X 0208, half of a character.
        assert_eq!(x.decode(&read, VR::LT).as_deref(), Some("宮本\\CT"));
    }

    #[test]
    fn korean_and_chinese_read_as_text() {
        // 홍길동 in KS X 1001 (EUC-KR bytes).
        let korean = b"Hong^Gildong=\x1b$)C\xc8\xab^\xb1\xe6\xb5\xbf";
        assert_eq!(
            ext(&["", "ISO 2022 IR 149"])
                .decode(&as_read(korean), VR::PN)
                .unwrap(),
            "Hong^Gildong=홍^길동"
        );
        // 王小明 in GB 2312.
        let chinese = b"Wang^XiaoMing=\x1b$)A\xcd\xf5^\xd0\xa1\xc3\xf7";
        assert_eq!(
            ext(&["", "ISO 2022 IR 58"])
                .decode(&as_read(chinese), VR::PN)
                .unwrap(),
            "Wang^XiaoMing=王^小明"
        );
    }

    #[test]
    fn sets_without_code_extensions_are_left_to_the_reader() {
        assert!(CodeExtensions::of(&["ISO_IR 192".to_string()]).is_none());
        assert!(CodeExtensions::of(&["GB18030".to_string()]).is_none());
        assert!(CodeExtensions::of(&[]).is_none());
        // Values of VRs the extensions do not apply to, and plain ASCII, are left as read.
        assert!(ext(&["", "ISO 2022 IR 87"]).decode("20230917", VR::DA).is_none());
        assert!(ext(&["", "ISO 2022 IR 87"]).decode("plain", VR::LO).is_none());
    }

    #[test]
    fn a_first_set_the_reader_does_not_know_reads_as_the_default() {
        // Latin-5 (ISO-IR 148): the reader read its bytes as Latin-1.
        let text = ext(&["ISO 2022 IR 148", "ISO 2022 IR 87"]).decode(&as_read(b"\xdeahin"), VR::PN);
        assert_eq!(text.as_deref(), Some("Şahin"));
    }

    /// What the encoder makes of `text`, as bytes.
    fn written(x: &CodeExtensions, text: &str, vr: VR) -> Vec<u8> {
        let read = x.encode(text, vr).expect("encodable");
        x.reader.encode(&read).unwrap()
    }

    #[test]
    fn japanese_is_written_as_ps3_5_shows_it_and_reads_back() {
        let x = ext(&["", "ISO 2022 IR 87"]);
        // PS3.5 H.3.1's ideographic group: each component in JIS X 0208, ASCII before `^`.
        assert_eq!(
            written(&x, "Yamada^Tarou=山田^太郎", VR::PN),
            b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B".to_vec()
        );
        let text = "CT *** 様 胸部\r\n再検査";
        let read = x.encode(text, VR::LT).unwrap();
        assert_eq!(x.decode(&read, VR::LT).as_deref(), Some(text));
        // Katakana half-width and kanji under IR 13 + IR 87: G0 goes back to Romaji.
        let x = ext(&["ISO 2022 IR 13", "ISO 2022 IR 87"]);
        let read = x.encode("ｶｸｳ^ﾊﾅｺ=架空^花子", VR::PN).unwrap();
        assert_eq!(x.decode(&read, VR::PN).as_deref(), Some("ｶｸｳ^ﾊﾅｺ=架空^花子"));
        assert!(written(&x, "架空", VR::LO).ends_with(b"\x1b(J"));
    }

    #[test]
    fn korean_and_chinese_designate_g1_again_after_each_delimiter() {
        let x = ext(&["", "ISO 2022 IR 149"]);
        assert_eq!(
            written(&x, "Hong^Gildong=홍^길동", VR::PN),
            b"Hong^Gildong=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf".to_vec()
        );
        let x = ext(&["", "ISO 2022 IR 58"]);
        let read = x.encode("王小明 CT", VR::LO).unwrap();
        assert_eq!(x.decode(&read, VR::LO).as_deref(), Some("王小明 CT"));
    }

    #[test]
    fn what_the_declared_sets_cannot_hold_is_not_written() {
        // Hangul in a Japanese file, kanji outside GB 2312's repertoire, and an escape.
        assert!(ext(&["", "ISO 2022 IR 87"]).encode("홍", VR::LO).is_none());
        assert!(ext(&["", "ISO 2022 IR 58"]).encode("髙", VR::LO).is_none());
        assert!(ext(&["", "ISO 2022 IR 87"])
            .encode("a\u{1b}%Gb", VR::LO)
            .is_none());
        // A backslash has no place in Romaji.
        assert!(ext(&["ISO 2022 IR 13", "ISO 2022 IR 87"])
            .encode("a\\b", VR::LT)
            .is_none());
    }

    #[test]
    fn an_unknown_escape_is_kept_for_the_screen_to_show() {
        let text = ext(&["", "ISO 2022 IR 87"]).decode("a\u{1b}%Gb", VR::LO).unwrap();
        assert_eq!(text, "a\u{1b}%Gb");
    }
}
