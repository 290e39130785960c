//! Dummy values (PS3.15 action D): non-empty, valid for the VR, and plainly not real data.

use dicom_core::value::PrimitiveValue;
use dicom_core::VR;

/// The text every dummy string value carries, short enough for the 16-character VRs.
pub const DUMMY_TEXT: &str = "ANONYMIZED";

/// The dummy UID: still a valid UID, derived from nothing, so the same everywhere and
/// identifying no one.
pub const DUMMY_UID: &str = "2.25.0";

/// A dummy value for `vr`, or `None` for a sequence (whose contents the engine processes
/// instead: a sequence has no value of its own to replace).
pub fn dummy_value(vr: VR) -> Option<PrimitiveValue> {
    use VR::*;
    Some(match vr {
        SQ => return None,
        AE | CS | LO | LT | SH | ST | UC | UT | PN => PrimitiveValue::from(DUMMY_TEXT),
        AS => PrimitiveValue::from("000D"),
        DA => PrimitiveValue::from("20000101"),
        DT => PrimitiveValue::from("20000101000000"),
        TM => PrimitiveValue::from("000000"),
        DS | IS => PrimitiveValue::from("0"),
        UI => PrimitiveValue::from(DUMMY_UID),
        UR => PrimitiveValue::from("urn:dpk:anonymized"),
        US | OW => PrimitiveValue::U16([0].as_slice().into()),
        SS => PrimitiveValue::I16([0].as_slice().into()),
        UL | OL => PrimitiveValue::U32([0].as_slice().into()),
        SL => PrimitiveValue::I32([0].as_slice().into()),
        UV | OV => PrimitiveValue::U64([0].as_slice().into()),
        SV => PrimitiveValue::I64([0].as_slice().into()),
        FL | OF => PrimitiveValue::F32([0.0].as_slice().into()),
        FD | OD => PrimitiveValue::F64([0.0].as_slice().into()),
        AT => PrimitiveValue::Tags([dicom_core::Tag(0, 0)].as_slice().into()),
        OB | UN => PrimitiveValue::U8([0, 0].as_slice().into()),
    })
}

/// The longest value a text VR allows, in characters (PS3.5 6.2); `None` for unlimited.
pub fn max_chars(vr: VR) -> Option<usize> {
    use VR::*;
    match vr {
        AE | CS | SH | DA | DS => Some(16),
        AS => Some(4),
        IS => Some(12),
        LO | UI => Some(64),
        PN => Some(64),
        ST => Some(1024),
        LT => Some(10240),
        TM => Some(14),
        DT => Some(26),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummies_fit_their_vr() {
        for vr in [
            VR::AE,
            VR::CS,
            VR::SH,
            VR::LO,
            VR::PN,
            VR::DA,
            VR::TM,
            VR::DT,
            VR::AS,
        ] {
            let v = dummy_value(vr).unwrap().to_str().to_string();
            assert!(!v.is_empty());
            assert!(v.chars().count() <= max_chars(vr).unwrap(), "{vr:?} {v}");
        }
        assert!(crate::engine::dates::is_valid_da(
            &dummy_value(VR::DA).unwrap().to_str()
        ));
        assert!(dummy_value(VR::SQ).is_none());
    }
}
