//! Values derived from the secret salt with HMAC-SHA256: hashed identifiers, new UIDs and
//! per-patient date offsets.
//!
//! Everything here is a pure function of (salt, input), which is what lets a study be split
//! across machines with no shared mapping table: every worker derives the same UID for the same
//! original UID. Each use has its own domain label, so a hashed Patient ID can never equal the
//! new UID or the date offset derived from the same text.

use std::fmt;
use std::fmt::Write as _;

use dicom_core::value::{PrimitiveValue, Value};
use dicom_object::InMemDicomObject;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

type HmacSha256 = Hmac<Sha256>;

/// The shortest salt accepted, in bytes: HMAC-SHA256 wants a key of real entropy, and a short
/// salt could be guessed by trying likely values.
pub const MIN_SALT_LEN: usize = 16;

/// The secret key of every keyed derivation. It never appears in any output, report or log:
/// its `Debug` shows only its length. Only the HMAC state keyed with it is kept: the bytes
/// given are zeroized at once, and the state (and every copy made for a derivation) is
/// zeroized when dropped (the `zeroize` feature of `sha2` and `hmac`).
pub struct Salt {
    len: usize,
    /// HMAC keyed with the salt, before any data: cloned for each derivation, so that the key
    /// is hashed into the HMAC state once rather than for every UID of every file.
    keyed: HmacSha256,
}

impl Salt {
    /// Wraps a salt, refusing one shorter than [`MIN_SALT_LEN`]. Surrounding white space (a
    /// trailing newline in a salt file) is not part of the salt.
    pub fn new(bytes: impl Into<Vec<u8>>) -> crate::Result<Salt> {
        let mut bytes: Vec<u8> = bytes.into();
        let end = bytes
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(0, |i| i + 1);
        let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(end);
        let trimmed = &bytes[start..end];
        let weak = crate::Error::WeakSalt {
            len: trimmed.len(),
            min: MIN_SALT_LEN,
        };
        // HMAC accepts keys of any length: `new_from_slice` cannot fail.
        let keyed = if trimmed.len() < MIN_SALT_LEN {
            Err(weak)
        } else {
            HmacSha256::new_from_slice(trimmed).map_err(|_| weak)
        };
        let len = trimmed.len();
        bytes.zeroize();
        Ok(Salt { len, keyed: keyed? })
    }

    fn mac(&self, domain: &str, data: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed.clone();
        mac.update(domain.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// The new UID for an original UID: `2.25.` and the decimal of 128 bits of
    /// HMAC(salt, uid). At most 44 characters, valid in every UI element.
    pub fn remap_uid(&self, uid: &str) -> String {
        uid_of_digest(&self.mac("dpk/uid", uid.trim_end_matches(['\0', ' ']).as_bytes()))
    }

    /// A new UID for something that has no UID of its own to remap (a file without a SOP
    /// Instance UID, a dummy UID whose original is empty): `2.25.` and 128 bits of
    /// HMAC(salt, domain, data). `data` must be unique to the input (its original meta UID,
    /// else [`content_digest`]), so that no two inputs share the new UID.
    pub fn derive_uid(&self, domain: &str, data: &[u8]) -> String {
        uid_of_digest(&self.mac(domain, data))
    }

    /// A keyed hash of a text value as `len` upper-case hex digits (at most 64): digits and
    /// A–F fit the repertoire of every text VR, CS and AE included.
    pub fn hash_text(&self, value: &str, len: usize) -> String {
        let digest = self.mac("dpk/text", value.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        hex[..len.min(64)].to_string()
    }

    /// The date offset of a patient, in days: a whole number of weeks back, 1 to 520 weeks, so
    /// that intervals and the day of the week are kept.
    pub fn date_offset_days(&self, patient_key: &str) -> i64 {
        let digest = self.mac("dpk/date-shift", patient_key.as_bytes());
        let mut n = [0u8; 8];
        n.copy_from_slice(&digest[..8]);
        let weeks = 1 + (u64::from_be_bytes(n) % 520) as i64;
        -7 * weeks
    }
}

/// `2.25.` and the decimal of the first 128 bits of a digest: at most 44 characters.
fn uid_of_digest(digest: &[u8; 32]) -> String {
    let mut high = [0u8; 16];
    high.copy_from_slice(&digest[..16]);
    // Sized for the longest UID up front: one allocation, not one per doubling.
    let mut uid = String::with_capacity(44);
    // Writing to a `String` cannot fail.
    let _ = write!(uid, "2.25.{}", u128::from_be_bytes(high));
    uid
}

/// [`Salt::derive_uid`] for a plan without a salt: a plain SHA-256, so `data` must not be a
/// value that could be guessed (use [`content_digest`], never an original UID alone).
pub fn unkeyed_uid(domain: &str, data: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(domain.as_bytes());
    h.update([0]);
    h.update(data);
    uid_of_digest(&h.finalize().into())
}

/// A SHA-256 of a data set's content (every element's tag, VR and value, numbers in little
/// endian whatever the machine, items in order, at every depth): what tells one input from
/// another when it has no UID of its own. The top-level pixel data is left out: a file read
/// around its pixel data and the same file read whole give the same digest.
pub fn content_digest(obj: &InMemDicomObject) -> [u8; 32] {
    fn feed(h: &mut Sha256, obj: &InMemDicomObject, top: bool) {
        for el in obj {
            let tag = el.header().tag;
            if top && crate::dataset::is_pixel_data(tag) {
                continue;
            }
            h.update(tag.group().to_le_bytes());
            h.update(tag.element().to_le_bytes());
            h.update(el.vr().to_bytes());
            match el.value() {
                Value::Primitive(p) => {
                    let bytes = le_bytes(p);
                    h.update((bytes.len() as u64).to_le_bytes());
                    h.update(&bytes);
                }
                Value::Sequence(seq) => {
                    h.update((seq.items().len() as u64).to_le_bytes());
                    for item in seq.items() {
                        feed(h, item, false);
                    }
                }
                Value::PixelSequence(px) => {
                    for fragment in px.fragments() {
                        h.update((fragment.len() as u64).to_le_bytes());
                        h.update(fragment);
                    }
                }
            }
        }
    }
    let mut h = Sha256::new();
    feed(&mut h, obj, true);
    h.finalize().into()
}

/// A value's bytes, numbers in little endian (text as it is).
fn le_bytes(p: &PrimitiveValue) -> Vec<u8> {
    fn each<T: Copy, const N: usize>(values: &[T], f: impl Fn(T) -> [u8; N]) -> Vec<u8> {
        values.iter().flat_map(|&v| f(v)).collect()
    }
    match p {
        PrimitiveValue::U16(v) => each(v, u16::to_le_bytes),
        PrimitiveValue::I16(v) => each(v, i16::to_le_bytes),
        PrimitiveValue::U32(v) => each(v, u32::to_le_bytes),
        PrimitiveValue::I32(v) => each(v, i32::to_le_bytes),
        PrimitiveValue::U64(v) => each(v, u64::to_le_bytes),
        PrimitiveValue::I64(v) => each(v, i64::to_le_bytes),
        PrimitiveValue::F32(v) => each(v, f32::to_le_bytes),
        PrimitiveValue::F64(v) => each(v, f64::to_le_bytes),
        other => other.to_bytes().into_owned(),
    }
}

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Salt(<{} bytes, redacted>)", self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn salt(s: &str) -> Salt {
        Salt::new(s.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn same_salt_same_values_other_salt_other_values() {
        let a = salt("first-secret-salt-0001");
        let b = salt("second-secret-salt-0002");
        let uid = "1.2.826.0.1.3680043.10.1234.1";
        assert_eq!(a.remap_uid(uid), salt("first-secret-salt-0001").remap_uid(uid));
        assert_ne!(a.remap_uid(uid), b.remap_uid(uid));
        assert_ne!(a.hash_text("PID12345", 16), b.hash_text("PID12345", 16));
        assert_eq!(a.date_offset_days("P1"), a.date_offset_days("P1"));
    }

    #[test]
    fn hash_is_keyed_not_a_plain_sha256() {
        let plain: String = sha2::Sha256::digest(b"PID12345")
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        assert_ne!(salt("first-secret-salt-0001").hash_text("PID12345", 64), plain);
    }

    #[test]
    fn uids_are_valid_and_short() {
        let u = salt("first-secret-salt-0001").remap_uid("1.2.3.4\0");
        assert!(u.starts_with("2.25.") && u.len() <= 44, "{u}");
        assert!(u[5..].chars().all(|c| c.is_ascii_digit()) && !u[5..].starts_with('0'));
        assert_eq!(u, salt("first-secret-salt-0001").remap_uid("1.2.3.4"));
    }

    #[test]
    fn offsets_are_whole_weeks_back() {
        let s = salt("first-secret-salt-0001");
        for id in ["A", "B", "PID12345", ""] {
            let d = s.date_offset_days(id);
            assert!(d < 0 && d % 7 == 0 && d >= -3640, "{d}");
        }
    }

    /// Values computed outside dpk (Python's `hmac` module) for HMAC-SHA256(salt, domain NUL
    /// input): a change of crate or construction that would give a study new UIDs fails here.
    #[test]
    fn derivations_match_an_independent_hmac_sha256() {
        let s = salt("first-secret-salt-0001");
        assert_eq!(
            s.remap_uid("1.2.3.4"),
            "2.25.60056079167997114905846104670693935527"
        );
        assert_eq!(s.hash_text("PID12345", 16), "26ECA0F52BBBDC0E");
    }

    /// The HMAC state keyed with the salt is as secret as the salt: its SHA-256 state must
    /// be overwritten when dropped, which the `zeroize` feature of `sha2` provides.
    #[test]
    fn the_keyed_state_is_zeroized_on_drop() {
        fn zeroized_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroized_on_drop::<<Sha256 as hmac::digest::block_api::CoreProxy>::Core>();
    }

    #[test]
    fn short_salts_are_refused_and_never_printed() {
        assert!(Salt::new(b"short\n".to_vec()).is_err());
        let s = salt("  a-salt-that-is-long-enough\n");
        assert!(!format!("{s:?}").contains("long-enough"));
    }
}
