//! Text values in the character sets that use ISO 2022 code extensions, read for display.
//!
//! The DICOM reader (dicom-encoding 0.10) decodes a value with the one character set that
//! the first value of Specific Character Set (0008,0005) names, and knows nothing of the
//! escape sequences PS3.5 6.1.2.5 allows between character sets. A Japanese name declared
//! `\ISO 2022 IR 87` is read byte for byte as Latin-1 and shows as `$B$d$^$@(B^…`; Korean
//! (`\ISO 2022 IR 149`) and Chinese (`\ISO 2022 IR 58`) likewise. GB18030, GBK and the single
//! character sets without code extensions it reads right.
//!
//! This module takes the text back to the bytes the reader decoded (encoding it again with the
//! reader's character set, which for these sets gives the bytes back unchanged) and decodes
//! those bytes following the escape sequences. It serves the inspector's display and search
//! only: what the engine writes is the value as read.

use dicom_core::VR;
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
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
        Some(CodeExtensions { reader, initial })
    }

    /// The text of one value of `vr`, as its bytes mean under the code extensions; `None`
    /// when the VR is not one the extensions apply to or the bytes cannot be recovered (the
    /// text is then shown as read).
    pub fn decode(&self, text: &str, vr: VR) -> Option<String> {
        if !matches!(vr, VR::SH | VR::LO | VR::ST | VR::LT | VR::UC | VR::UT | VR::PN) {
            return None;
        }
        if text.is_ascii() && !text.contains('\u{1b}') {
            return None;
        }
        let bytes = self.reader.encode(text).ok()?;
        Some(decode_iso2022(&bytes, self.initial, vr == VR::PN))
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

/// A single-byte G1 set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Single {
    /// ISO 8859-1, which is the byte's own code point.
    Latin1,
    /// Any other, by its encoding_rs decoder.
    Other(&'static Encoding),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct State {
    g0: G0,
    g1: G1,
}

/// The single-byte set a defined term names (as value 1, or designated to G1).
fn single_byte_set(code: &str) -> Option<Single> {
    use encoding_rs::*;
    Some(match code {
        "ISO 2022 IR 100" => Single::Latin1,
        "ISO 2022 IR 101" => Single::Other(ISO_8859_2),
        "ISO 2022 IR 109" => Single::Other(ISO_8859_3),
        "ISO 2022 IR 110" => Single::Other(ISO_8859_4),
        "ISO 2022 IR 144" => Single::Other(ISO_8859_5),
        "ISO 2022 IR 127" => Single::Other(ISO_8859_6),
        "ISO 2022 IR 126" => Single::Other(ISO_8859_7),
        "ISO 2022 IR 138" => Single::Other(ISO_8859_8),
        "ISO 2022 IR 148" => Single::Other(WINDOWS_1254),
        "ISO 2022 IR 203" => Single::Other(ISO_8859_15),
        "ISO 2022 IR 166" => Single::Other(WINDOWS_874),
        _ => return None,
    })
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

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// Decodes `bytes` from `initial`, following escape sequences; delimiters (CR, LF, FF, TAB,
/// and in a person name `^` and `=`) return G0 to its initial set, as PS3.5 6.1.2.5.3 has it.
fn decode_iso2022(bytes: &[u8], initial: State, person_name: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut state = initial;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
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
            if two_byte_g0 && (0x21..0x7f).contains(&b) && i + 1 < bytes.len() {
                let pair = [b | 0x80, bytes[i + 1] | 0x80];
                out.push_str(&match state.g0 {
                    G0::Jis0212 => decode_with(encoding_rs::EUC_JP, &[0x8f, pair[0], pair[1]]),
                    _ => decode_with(encoding_rs::EUC_JP, &pair),
                });
                i += 2;
                continue;
            }
            let delimiter =
                matches!(b, b'\r' | b'\n' | 0x0c | b'\t') || (person_name && matches!(b, b'^' | b'='));
            if delimiter && !two_byte_g0 {
                // G1 is kept: writers differ on designating it again after a delimiter.
                state.g0 = initial.g0;
            }
            out.push(match (state.g0, b) {
                (G0::Romaji, b'\\') => '¥',
                (G0::Romaji, b'~') => '‾',
                _ => char::from(b),
            });
            i += 1;
            continue;
        }
        match state.g1 {
            G1::Ksx1001 | G1::Gb2312 if i + 1 < bytes.len() => {
                let encoding = if state.g1 == G1::Ksx1001 {
                    encoding_rs::EUC_KR
                } else {
                    encoding_rs::GBK
                };
                out.push_str(&decode_with(encoding, &bytes[i..i + 2]));
                i += 2;
            }
            G1::Katakana => {
                out.push_str(&decode_with(encoding_rs::EUC_JP, &[0x8e, b]));
                i += 1;
            }
            G1::SingleByte(Single::Other(encoding)) => {
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
        let text = ext(&["ISO 2022 IR 13", "ISO 2022 IR 87"]).decode("ﾔﾏﾀﾞ^ﾀﾛｳ \\1", VR::LO);
        assert_eq!(text.as_deref(), Some("ﾔﾏﾀﾞ^ﾀﾛｳ ¥1"));
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

    #[test]
    fn an_unknown_escape_is_kept_for_the_screen_to_show() {
        let text = ext(&["", "ISO 2022 IR 87"]).decode("a\u{1b}%Gb", VR::LO).unwrap();
        assert_eq!(text, "a\u{1b}%Gb");
    }
}
