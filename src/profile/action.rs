//! What a profile does to an element: the concrete actions and PS3.15's combined codes.

use std::fmt;

use dicom_core::VR;
use serde::{Deserialize, Serialize};

/// An action a rule asks for.
///
/// The first eight are concrete. The last five are PS3.15 Table E.1-1a's combined codes, which
/// the engine resolves per element by the attribute's Type in the file's IOD (see
/// [`crate::confidentiality::iod`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Action {
    /// K: leave the value as it is (a sequence's contents are still processed).
    Keep,
    /// X: remove the element (a sequence with everything in it).
    Remove,
    /// Z: replace with a zero-length value (a sequence with zero items).
    Empty,
    /// D: replace with a dummy value valid for the VR (a sequence: process its contents).
    Dummy,
    /// Replace with HMAC-SHA256(salt, value), encoded to fit the VR.
    Hash,
    /// U: replace each UID with `2.25.` + the decimal of a keyed digest of it.
    ReplaceUid,
    /// Move DA and DT values by a per-patient number of days derived from the salt.
    ShiftDate,
    /// C: free text loses the dataset's own identifying values; dates are shifted; sequences
    /// are processed item by item.
    Clean,
    /// X/Z: remove unless the IOD makes the attribute Type 2 (then empty).
    RemoveOrEmpty,
    /// X/D: remove unless Type 1 or 2 (then dummy).
    RemoveOrDummy,
    /// Z/D: empty unless Type 1 (then dummy).
    EmptyOrDummy,
    /// X/Z/D: remove, empty or dummy for Type 3, 2 and 1.
    RemoveOrEmptyOrDummy,
    /// X/Z/U*: remove, empty, or keep the sequence and replace the UIDs it holds, for Type 3,
    /// 2 and 1.
    RemoveOrEmptyOrReplaceUids,
}

/// The concrete actions, in the order the TUI cycles through them.
pub const CONCRETE_ACTIONS: [Action; 8] = [
    Action::Keep,
    Action::Remove,
    Action::Empty,
    Action::Dummy,
    Action::Hash,
    Action::ReplaceUid,
    Action::ShiftDate,
    Action::Clean,
];

impl Action {
    /// A short lower-case label for badges and reports.
    pub fn label(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Remove => "remove",
            Action::Empty => "empty",
            Action::Dummy => "dummy",
            Action::Hash => "hash",
            Action::ReplaceUid => "new uid",
            Action::ShiftDate => "shift date",
            Action::Clean => "clean",
            Action::RemoveOrEmpty => "X/Z",
            Action::RemoveOrDummy => "X/D",
            Action::EmptyOrDummy => "Z/D",
            Action::RemoveOrEmptyOrDummy => "X/Z/D",
            Action::RemoveOrEmptyOrReplaceUids => "X/Z/U*",
        }
    }

    /// The PS3.15 Table E.1-1a code that means this action, where there is one.
    pub fn ps315_code(self) -> Option<&'static str> {
        Some(match self {
            Action::Keep => "K",
            Action::Remove => "X",
            Action::Empty => "Z",
            Action::Dummy => "D",
            Action::ReplaceUid => "U",
            Action::Clean => "C",
            Action::RemoveOrEmpty => "X/Z",
            Action::RemoveOrDummy => "X/D",
            Action::EmptyOrDummy => "Z/D",
            Action::RemoveOrEmptyOrDummy => "X/Z/D",
            Action::RemoveOrEmptyOrReplaceUids => "X/Z/U*",
            Action::Hash | Action::ShiftDate => return None,
        })
    }

    /// The action a PS3.15 code stands for.
    pub fn from_ps315_code(code: &str) -> Option<Action> {
        [
            Action::Keep,
            Action::Remove,
            Action::Empty,
            Action::Dummy,
            Action::ReplaceUid,
            Action::Clean,
            Action::RemoveOrEmpty,
            Action::RemoveOrDummy,
            Action::EmptyOrDummy,
            Action::RemoveOrEmptyOrDummy,
            Action::RemoveOrEmptyOrReplaceUids,
        ]
        .into_iter()
        .find(|a| a.ps315_code() == Some(code))
    }

    /// Whether this is a combined code the engine resolves by attribute Type.
    pub fn is_combined(self) -> bool {
        !CONCRETE_ACTIONS.contains(&self)
    }

    /// Whether carrying out the action needs the secret salt.
    pub fn needs_salt(self) -> bool {
        matches!(
            self,
            Action::Hash
                | Action::ReplaceUid
                | Action::ShiftDate
                | Action::Clean
                | Action::RemoveOrEmptyOrReplaceUids
        )
    }

    /// Whether clean can rewrite a value of this VR in place (text, dates, times, sequences);
    /// other values under clean are removed, there being no known-safe value of similar
    /// meaning for opaque bytes.
    pub fn cleans_in_place(vr: VR) -> bool {
        use VR::*;
        matches!(vr, AE | CS | LO | LT | PN | SH | ST | UC | UT | DA | DT | TM | SQ)
    }

    /// Whether the action means something for a value of this VR. Profiles are checked with
    /// this when they are validated, so that e.g. a hash of a UID is refused rather than
    /// carried out in some surprising way.
    pub fn fits_vr(self, vr: VR) -> bool {
        use VR::*;
        match self {
            Action::Keep | Action::Remove | Action::Empty => true,
            Action::Dummy => true,
            Action::Hash => matches!(vr, AE | CS | LO | LT | PN | SH | ST | UC | UT),
            Action::ReplaceUid => vr == UI,
            Action::ShiftDate => matches!(vr, DA | DT),
            // Table E.1-1 asks to clean binary values too (EXIF maker notes, certified
            // timestamps); what cannot be cleaned is removed (see `cleans_in_place`).
            Action::Clean => true,
            // Combined codes come from the standard's table and fit by construction; their
            // outcomes (X, Z, D, U on sequences) are valid for every VR.
            _ => true,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in [
            "K", "X", "Z", "D", "U", "C", "X/Z", "X/D", "Z/D", "X/Z/D", "X/Z/U*",
        ] {
            let a = Action::from_ps315_code(code).unwrap();
            assert_eq!(a.ps315_code(), Some(code));
        }
        assert_eq!(Action::from_ps315_code("Q"), None);
    }

    #[test]
    fn vr_fit() {
        assert!(!Action::Hash.fits_vr(VR::UI));
        assert!(!Action::ShiftDate.fits_vr(VR::PN));
        assert!(Action::ShiftDate.fits_vr(VR::DA));
        assert!(Action::ReplaceUid.fits_vr(VR::UI));
        assert!(!Action::ReplaceUid.fits_vr(VR::LO));
    }
}
