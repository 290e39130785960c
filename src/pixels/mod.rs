//! Burned-in text: PS3.15's Clean Pixel Data Option (CID 7050 code 113101).
//!
//! A [`PixelRule`] names a kind of device image by its attributes (a [`Signature`]) and the
//! rectangles ([`Region`]s) where that device burns text into the pixels. Rules come from a
//! profile's RON or from a CTP DicomPixelAnonymizer script ([`ctp`]); [`mask`] blanks the
//! regions of every frame of a file whose attributes match, decoding compressed frames
//! through [`decode`].

pub mod claim;
pub mod ctp;
pub mod decode;
pub mod mask;
pub mod rules;

pub use claim::{claimed, Claim};
pub use decode::{compression_of, Codec, Compression};
pub use mask::{blank_pixel_data, Blanked, FrameForm, FrameMask, MaskError};
pub use rules::{
    matching_rules, needs_review, DeviceSignature, Op, PixelRule, PixelRuleError, PixelRuleRon, Region,
    Signature, Test,
};

/// The CID 7050 code of the Clean Pixel Data Option.
pub const CLEAN_PIXEL_DATA_CODE: &str = "113101";

/// Its Code Meaning.
pub const CLEAN_PIXEL_DATA_MEANING: &str = "Clean Pixel Data Option";

/// The option's name on the command line and in profiles.
pub const CLEAN_PIXEL_DATA_OPTION: &str = "clean-pixel-data";

/// Reads pixel rules from a file: dpk's RON (a list of rules) when its name ends in `.ron`,
/// else a CTP DicomPixelAnonymizer script.
pub fn load_rules(path: &std::path::Path) -> Result<Vec<PixelRule>, PixelRuleError> {
    let text = crate::ron_text::read_config(path).map_err(|e| PixelRuleError {
        origin: path.display().to_string(),
        line: 0,
        message: e.to_string(),
    })?;
    let origin = path.display().to_string();
    let is_ron = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("ron"));
    if is_ron {
        rules::from_ron(&text, &origin)
    } else {
        ctp::parse(&text, &origin)
    }
}
