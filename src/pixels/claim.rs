//! What a cleaned file says about its own pixels, so that a reader holding only the file
//! (`dpk verify`, the risk score, another site's tool) knows what was blanked.
//!
//! A file whose pixels dpk cleaned carries code 113101 (Clean Pixel Data Option) in
//! De-identification Method Code Sequence (0012,0064), Burned In Annotation (0028,0301) NO,
//! and one De-identification Method (0012,0063) value per region, `blanked (x,y,w,h)`: a LO
//! value holds 64 characters and one region takes at most 33, so no region is ever cut off.

use dicom_core::value::Value;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::rules::Region;
use super::CLEAN_PIXEL_DATA_CODE;
use crate::dataset;

/// The word a region's De-identification Method value starts with.
const BLANKED: &str = "blanked ";

/// A region as one De-identification Method value: `blanked (x,y,w,h)`.
pub fn describe(region: &Region) -> String {
    format!("{BLANKED}{region}")
}

/// What a file claims about its pixels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The regions it names, in order, each once. Empty when the file claims the option but
    /// names no region (written by another tool, or its method values were removed).
    pub regions: Vec<Region>,
    /// Burned In Annotation is NO.
    pub says_no_burned_in: bool,
}

/// The file's claim to the Clean Pixel Data Option: `Some` when code 113101 is in its
/// De-identification Method Code Sequence.
pub fn claimed(obj: &InMemDicomObject) -> Option<Claim> {
    let codes = obj.get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)?;
    let Value::Sequence(seq) = codes.value() else {
        return None;
    };
    let has_code = seq
        .items()
        .iter()
        .any(|item| dataset::text_of(item, tags::CODE_VALUE).as_deref() == Some(CLEAN_PIXEL_DATA_CODE));
    if !has_code {
        return None;
    }
    let mut regions: Vec<Region> = Vec::new();
    if let Some(method) = obj.get(tags::DEIDENTIFICATION_METHOD) {
        if let Value::Primitive(p) = method.value() {
            for text in dataset::strings_of(p) {
                for region in parse(&text) {
                    if !regions.contains(&region) {
                        regions.push(region);
                    }
                }
            }
        }
    }
    let says_no_burned_in =
        dataset::text_of(obj, tags::BURNED_IN_ANNOTATION).is_some_and(|v| v.eq_ignore_ascii_case("NO"));
    Some(Claim {
        regions,
        says_no_burned_in,
    })
}

/// The regions one method value names: `blanked (x,y,w,h)`, or several after one `blanked`.
fn parse(text: &str) -> Vec<Region> {
    let Some(rest) = text.trim().strip_prefix(BLANKED) else {
        return Vec::new();
    };
    rest.split(')')
        .filter_map(|part| {
            let inner = part.trim().strip_prefix('(')?;
            let n: Vec<u32> = inner
                .split(',')
                .map(|v| v.trim().parse::<u32>())
                .collect::<Result<_, _>>()
                .ok()?;
            match n[..] {
                [x, y, width, height] if width > 0 && height > 0 => Some(Region { x, y, width, height }),
                _ => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::{DataSetSequence, PrimitiveValue};
    use dicom_core::{DataElement, Length, VR};

    fn file(method: &[&str], code: &str, burned_in: &str) -> InMemDicomObject {
        let item = InMemDicomObject::from_element_iter([
            DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(code)),
            DataElement::new(
                tags::CODING_SCHEME_DESIGNATOR,
                VR::SH,
                PrimitiveValue::from("DCM"),
            ),
        ]);
        let values: Vec<String> = method.iter().map(|s| s.to_string()).collect();
        InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::DEIDENTIFICATION_METHOD,
                VR::LO,
                PrimitiveValue::Strs(values.into()),
            ),
            DataElement::new(
                tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
                VR::SQ,
                DataSetSequence::new(vec![item], Length::UNDEFINED),
            ),
            DataElement::new(
                tags::BURNED_IN_ANNOTATION,
                VR::CS,
                PrimitiveValue::from(burned_in),
            ),
        ])
    }

    #[test]
    fn a_described_region_reads_back_and_fits_a_lo_value() {
        let widest = Region {
            x: u32::from(u16::MAX),
            y: u32::from(u16::MAX),
            width: u32::from(u16::MAX),
            height: u32::from(u16::MAX),
        };
        let text = describe(&widest);
        assert!(text.len() <= 64, "{text}");
        assert_eq!(parse(&text), vec![widest]);
    }

    #[test]
    fn the_claim_needs_the_code_and_names_each_region_once() {
        let values = [
            "dpk profile basic",
            "blanked (0,0,64,8)",
            "blanked (0,0,64,8) (10,20,5,6)",
        ];
        let claim = claimed(&file(&values, "113101", "NO")).expect("claimed");
        assert_eq!(
            claim.regions,
            vec![
                Region {
                    x: 0,
                    y: 0,
                    width: 64,
                    height: 8
                },
                Region {
                    x: 10,
                    y: 20,
                    width: 5,
                    height: 6
                },
            ]
        );
        assert!(claim.says_no_burned_in);
        assert!(claimed(&file(&values, "113100", "NO")).is_none());
        let unnamed =
            claimed(&file(&["blanked nothing", "blanked (1,2,0,4)"], "113101", "YES")).expect("claimed");
        assert!(unnamed.regions.is_empty());
        assert!(!unnamed.says_no_burned_in);
    }
}
