//! Element values as plans and diffs keep them, and as people read them.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::VR;
use serde::{Serialize, Serializer};

/// A copy of an element's value that is cheap to keep: primitives in full (they are what a
/// de-identifier changes), sequences and bulk data by their size only (never their bytes).
/// A primitive value kept twice (a plan's before and after of a kept element) is shared by
/// the two rather than copied: see [`Snapshot::share`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Snapshot {
    /// A primitive value, in full.
    Primitive(SharedValue),
    /// A sequence, by its number of items.
    Items(usize),
    /// Encapsulated pixel data, by fragment count and total bytes.
    Fragments {
        /// Number of fragments (the offset table not counted).
        count: usize,
        /// Their total length.
        bytes: u64,
    },
    /// A large binary value (pixel data, waveforms), by its length.
    Bulk {
        /// Its length in bytes.
        bytes: u64,
    },
}

/// Binary values longer than this are kept by length only.
const BULK_THRESHOLD: usize = 1024;

impl Snapshot {
    /// Takes a snapshot of an element value.
    pub fn of<I, P: AsRef<[u8]>>(value: &Value<I, P>) -> Snapshot {
        match value {
            // Text is never bulk: its length (which takes a pass over every value) is
            // worked out only for binary values.
            Value::Primitive(p) if is_binary(p) => match p.calculate_byte_len() {
                bytes if bytes > BULK_THRESHOLD => Snapshot::Bulk { bytes: bytes as u64 },
                _ => Snapshot::primitive(p.clone()),
            },
            Value::Primitive(p) => Snapshot::primitive(p.clone()),
            Value::Sequence(seq) => Snapshot::Items(seq.items().len()),
            Value::PixelSequence(seq) => Snapshot::Fragments {
                count: seq.fragments().len(),
                bytes: seq.fragments().iter().map(|f| f.as_ref().len() as u64).sum(),
            },
        }
    }

    /// A snapshot of a primitive value that is no element's (a dummy, a new UID, a file meta
    /// field): held in full, as an element's would be.
    pub fn primitive(value: PrimitiveValue) -> Snapshot {
        Snapshot::Primitive(SharedValue::from(value))
    }

    /// A copy of this snapshot that shares its value rather than copying it, for a value kept
    /// twice: a plan's entry of a kept element has it before and after. (This snapshot then
    /// shares it too.)
    pub fn share(&mut self) -> Snapshot {
        if let Snapshot::Primitive(value) = self {
            value.share();
        }
        self.clone()
    }

    /// Whether the value is empty (zero length or no items).
    pub fn is_empty(&self) -> bool {
        match self {
            Snapshot::Primitive(p) => p.calculate_byte_len() == 0,
            Snapshot::Items(n) => *n == 0,
            Snapshot::Fragments { count, .. } => *count == 0,
            Snapshot::Bulk { bytes } => *bytes == 0,
        }
    }
}

/// A primitive value as a [`Snapshot`] holds it: its own, or one shared with other snapshots
/// (see [`Snapshot::share`]), whose clones then count rather than copy it. Either way it reads,
/// compares and prints as the [`PrimitiveValue`] itself.
#[derive(Clone)]
pub struct SharedValue(Held);

/// Where a [`SharedValue`] is.
#[derive(Clone)]
enum Held {
    Own(PrimitiveValue),
    Shared(Arc<PrimitiveValue>),
}

impl SharedValue {
    /// Shares the value from now on, unless copying it costs no more than counting it (an
    /// empty value, a few numbers held inline).
    fn share(&mut self) {
        if let Held::Own(value) = &mut self.0 {
            if !copies_freely(value) {
                let value = std::mem::replace(value, PrimitiveValue::Empty);
                self.0 = Held::Shared(Arc::new(value));
            }
        }
    }
}

/// Whether a copy of `p` needs no allocation: it holds no text and its values are inline.
fn copies_freely(p: &PrimitiveValue) -> bool {
    use PrimitiveValue as P;
    match p {
        P::Empty => true,
        P::Str(_) | P::Strs(_) => false,
        P::Tags(v) => !v.spilled(),
        P::U8(v) => !v.spilled(),
        P::I16(v) => !v.spilled(),
        P::U16(v) => !v.spilled(),
        P::I32(v) => !v.spilled(),
        P::U32(v) => !v.spilled(),
        P::I64(v) => !v.spilled(),
        P::U64(v) => !v.spilled(),
        P::F32(v) => !v.spilled(),
        P::F64(v) => !v.spilled(),
        P::Date(v) => !v.spilled(),
        P::Time(v) => !v.spilled(),
        P::DateTime(v) => !v.spilled(),
    }
}

impl Deref for SharedValue {
    type Target = PrimitiveValue;

    fn deref(&self) -> &PrimitiveValue {
        match &self.0 {
            Held::Own(value) => value,
            Held::Shared(value) => value,
        }
    }
}

impl From<PrimitiveValue> for SharedValue {
    fn from(value: PrimitiveValue) -> Self {
        SharedValue(Held::Own(value))
    }
}

/// As the value's: shared or not makes no difference.
impl PartialEq for SharedValue {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

/// As the value's, so that a snapshot prints as it did when it held a `PrimitiveValue`.
impl fmt::Debug for SharedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

fn is_binary(p: &PrimitiveValue) -> bool {
    !matches!(p, PrimitiveValue::Str(_) | PrimitiveValue::Strs(_))
}

/// The values of a text element, each trimmed of DICOM padding. Empty for non-text values.
pub fn strings_of(p: &PrimitiveValue) -> Vec<String> {
    match p {
        PrimitiveValue::Str(s) => vec![trim(s).to_string()],
        PrimitiveValue::Strs(v) => v.iter().map(|s| trim(s).to_string()).collect(),
        PrimitiveValue::Date(_) | PrimitiveValue::Time(_) | PrimitiveValue::DateTime(_) => {
            p.to_multi_str().iter().map(|s| trim(s).to_string()).collect()
        }
        _ => Vec::new(),
    }
}

fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c == ' ' || c == '\0')
}

/// Renders a snapshot for a person: multiple values joined with `\`, binary values as a length
/// and their first bytes, at most `max_chars` characters (0 = no limit).
pub fn render(snapshot: &Snapshot, vr: VR, max_chars: usize) -> String {
    let text = match snapshot {
        Snapshot::Items(n) => format!("{n} item{}", if *n == 1 { "" } else { "s" }),
        Snapshot::Fragments { count, bytes } => {
            format!("encapsulated, {count} fragment(s), {bytes} bytes")
        }
        Snapshot::Bulk { bytes } => format!("{bytes} bytes"),
        Snapshot::Primitive(p) => render_primitive(p, vr),
    };
    truncate(text, max_chars)
}

fn render_primitive(p: &PrimitiveValue, vr: VR) -> String {
    match p {
        PrimitiveValue::Empty => String::new(),
        PrimitiveValue::Str(_) | PrimitiveValue::Strs(_) => strings_of(p).join("\\"),
        PrimitiveValue::U8(bytes) if matches!(vr, VR::OB | VR::UN) || bytes.len() > 16 => hex_preview(bytes),
        _ => p.to_multi_str().join("\\"),
    }
}

fn hex_preview(bytes: &[u8]) -> String {
    let shown: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02X}")).collect();
    let more = if bytes.len() > 8 { " …" } else { "" };
    format!("[{} bytes] {}{more}", bytes.len(), shown.join(" "))
}

fn truncate(text: String, max_chars: usize) -> String {
    if max_chars == 0 || text.chars().count() <= max_chars {
        return text;
    }
    let mut out: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl Serialize for Snapshot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&render(self, VR::UN, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::smallvec::smallvec;

    #[test]
    fn renders_multi_values_and_truncates() {
        let s = Snapshot::primitive(PrimitiveValue::Strs(smallvec![
            "ORIGINAL".into(),
            "PRIMARY ".into(),
            "AXIAL".into()
        ]));
        assert_eq!(render(&s, VR::CS, 0), "ORIGINAL\\PRIMARY\\AXIAL");
        assert_eq!(render(&s, VR::CS, 10), "ORIGINAL\\…");
    }

    #[test]
    fn a_shared_value_is_the_value() {
        let text = PrimitiveValue::Strs(smallvec!["ORIGINAL".into(), "PRIMARY".into()]);
        let mut own = Snapshot::primitive(text.clone());
        let shared = own.share();
        assert_eq!(own, shared);
        assert_eq!(shared, Snapshot::primitive(text.clone()));
        assert_eq!(
            format!("{shared:?}"),
            format!("{:?}", Snapshot::primitive(text.clone()))
        );
        assert_eq!(format!("{shared:?}"), format!("Primitive({text:?})"));
        let (Snapshot::Primitive(a), Snapshot::Primitive(b)) = (&own, &shared) else {
            panic!("not primitive");
        };
        assert!(std::ptr::eq::<PrimitiveValue>(&**a, &**b), "copied, not shared");
        // A few numbers are copied: that costs no more.
        let mut number = Snapshot::primitive(PrimitiveValue::from(512_u16));
        assert_eq!(number.share(), Snapshot::primitive(PrimitiveValue::from(512_u16)));
    }

    #[test]
    fn large_binary_values_are_kept_by_length() {
        let v: Value = Value::Primitive(PrimitiveValue::U16(vec![0u16; 4096].into()));
        assert_eq!(Snapshot::of(&v), Snapshot::Bulk { bytes: 8192 });
        assert_eq!(render(&Snapshot::of(&v), VR::OW, 0), "8192 bytes");
    }
}
