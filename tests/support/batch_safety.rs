//! DICOM files for the batch-safety tests, built in memory with invented values: a small CT
//! image with native pixel data, the same with encapsulated pixel data, and values that carry
//! terminal escape sequences.

use dicom_core::value::PixelFragmentSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;

/// What one generated image holds.
pub struct Image<'a> {
    /// Patient's Name, as written (any bytes of UTF-8; the file says ISO_IR 192).
    pub patient_name: &'a str,
    /// Study Description, as written.
    pub description: &'a str,
    /// A number that makes its UIDs its own.
    pub n: u32,
    /// Whether the pixel data is encapsulated (one fragment, JPEG Baseline transfer syntax)
    /// rather than native.
    pub encapsulated: bool,
}

impl Default for Image<'_> {
    fn default() -> Self {
        Image {
            patient_name: "FICTIVE^ALMA",
            description: "CT HEAD Saint Example Hospital",
            n: 1,
            encapsulated: false,
        }
    }
}

fn uid(kind: u32, n: u32) -> String {
    format!(
        "2.25.{}",
        0x5afe_7e57_0000_0000_0000_u128 + u128::from(kind) * 1_000_000 + u128::from(n)
    )
}

fn put_str(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

fn put_us(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

/// The bytes of a DICOM file (preamble, meta group, data set) holding `image`.
pub fn image_bytes(image: &Image) -> Vec<u8> {
    let mut obj = InMemDicomObject::new_empty();
    let instance = uid(3, image.n);
    put_str(&mut obj, tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192");
    put_str(&mut obj, tags::SOP_CLASS_UID, VR::UI, uids::CT_IMAGE_STORAGE);
    put_str(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, &instance);
    put_str(&mut obj, tags::STUDY_DATE, VR::DA, "20240131");
    put_str(&mut obj, tags::MODALITY, VR::CS, "CT");
    put_str(&mut obj, tags::STUDY_DESCRIPTION, VR::LO, image.description);
    put_str(&mut obj, tags::INSTITUTION_NAME, VR::LO, "Saint Example Hospital");
    put_str(&mut obj, tags::PATIENT_NAME, VR::PN, image.patient_name);
    put_str(&mut obj, tags::PATIENT_ID, VR::LO, "FICT-0042");
    put_str(&mut obj, tags::PATIENT_BIRTH_DATE, VR::DA, "19700101");
    put_str(&mut obj, tags::PATIENT_SEX, VR::CS, "F");
    put_str(&mut obj, tags::STUDY_INSTANCE_UID, VR::UI, &uid(1, 1));
    put_str(&mut obj, tags::SERIES_INSTANCE_UID, VR::UI, &uid(2, 1));
    put_str(&mut obj, tags::STUDY_ID, VR::SH, "1");
    put_str(&mut obj, tags::SERIES_NUMBER, VR::IS, "1");
    put_str(&mut obj, tags::INSTANCE_NUMBER, VR::IS, &image.n.to_string());
    put_us(&mut obj, tags::SAMPLES_PER_PIXEL, 1);
    put_str(&mut obj, tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2");
    let (rows, cols) = (8u16, 8u16);
    put_us(&mut obj, tags::ROWS, rows);
    put_us(&mut obj, tags::COLUMNS, cols);
    let syntax = if image.encapsulated {
        put_us(&mut obj, tags::BITS_ALLOCATED, 8);
        put_us(&mut obj, tags::BITS_STORED, 8);
        put_us(&mut obj, tags::HIGH_BIT, 7);
        put_us(&mut obj, tags::PIXEL_REPRESENTATION, 0);
        // Not a decodable JPEG: dpk copies pixel data as it is and never decodes it.
        let mut fragment = vec![0xFF, 0xD8, 0xFF, 0xE0];
        fragment.extend((0..60u8).map(|i| i.wrapping_mul(7)));
        fragment.extend([0xFF, 0xD9]);
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PixelFragmentSequence::new(vec![], vec![fragment]),
        ));
        uids::JPEG_BASELINE8_BIT
    } else {
        put_us(&mut obj, tags::BITS_ALLOCATED, 16);
        put_us(&mut obj, tags::BITS_STORED, 12);
        put_us(&mut obj, tags::HIGH_BIT, 11);
        put_us(&mut obj, tags::PIXEL_REPRESENTATION, 0);
        let words: Vec<u16> = (0..rows * cols)
            .map(|i| (i * 37 + image.n as u16) & 0x0FFF)
            .collect();
        obj.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(words.into()),
        ));
        uids::EXPLICIT_VR_LITTLE_ENDIAN
    };
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(uids::CT_IMAGE_STORAGE)
        .media_storage_sop_instance_uid(instance)
        .transfer_syntax(syntax)
        .implementation_class_uid(uid(9, 9))
        .implementation_version_name("DPK_BATCH_TEST")
        .build()
        .expect("a valid file meta group");
    let mut out = Vec::new();
    obj.with_exact_meta(meta)
        .write_all(&mut out)
        .expect("the image encodes");
    out
}

/// Writes `image` to `path`, making its folder.
pub fn write_image(path: &std::path::Path, image: &Image) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("folder");
    }
    std::fs::write(path, image_bytes(image)).expect("write image");
}

/// Where the top-level Pixel Data element (7FE0,0010) starts in an explicit VR little endian
/// file: its tag is the last such group and element followed by OB or OW.
pub fn pixel_data_offset(bytes: &[u8]) -> usize {
    bytes
        .windows(6)
        .rposition(|w| w[..4] == [0xE0, 0x7F, 0x10, 0x00] && (&w[4..] == b"OW" || &w[4..] == b"OB"))
        .expect("the file has pixel data")
}
