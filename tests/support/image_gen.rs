//! Images for the inspector's image view, made in the test: real DICOM files with invented
//! names, each with pixels whose look the tests know.
#![allow(dead_code)]

use std::path::Path;

use dicom_core::value::{PixelFragmentSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

/// The 8-bit image's size.
pub const MONO_COLUMNS: u16 = 96;
pub const MONO_ROWS: u16 = 64;

/// Where the 8-bit image's burned-in "text" is: a bright block in the top-left corner.
pub const TEXT_X: u32 = 4;
pub const TEXT_Y: u32 = 4;
pub const TEXT_WIDTH: u32 = 36;
pub const TEXT_HEIGHT: u32 = 12;

/// The background's value and the text's.
pub const BACKGROUND: u8 = 40;
pub const TEXT: u8 = 250;

/// A data set with the attributes every image here shares.
fn base(modality: &str, sop_class: &str, photometric: &str, rows: u16, columns: u16) -> InMemDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    let mut s = |tag: Tag, vr: VR, v: &str| obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
    s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
    s(tags::SOP_CLASS_UID, VR::UI, sop_class);
    s(tags::SOP_INSTANCE_UID, VR::UI, "2.25.777001.3");
    s(tags::STUDY_DATE, VR::DA, "20240305");
    s(tags::MODALITY, VR::CS, modality);
    s(tags::MANUFACTURER, VR::LO, "Fictive Echo Corp");
    s(tags::MANUFACTURER_MODEL_NAME, VR::LO, "EchoView 9");
    s(tags::INSTITUTION_NAME, VR::LO, "Saint Example Hospital");
    s(tags::PATIENT_NAME, VR::PN, "FICTIVE^ALMA");
    s(tags::PATIENT_ID, VR::LO, "PID-777");
    s(tags::STUDY_INSTANCE_UID, VR::UI, "2.25.777001.1");
    s(tags::SERIES_INSTANCE_UID, VR::UI, "2.25.777001.2");
    s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, photometric);
    let mut us = |tag: Tag, v: u16| obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
    us(tags::ROWS, rows);
    us(tags::COLUMNS, columns);
    obj
}

fn depth(obj: &mut InMemDicomObject, samples: u16, bits: u16, stored: u16, signed: bool) {
    let mut us = |tag: Tag, v: u16| obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
    us(tags::SAMPLES_PER_PIXEL, samples);
    us(tags::BITS_ALLOCATED, bits);
    us(tags::BITS_STORED, stored);
    us(tags::HIGH_BIT, stored - 1);
    us(tags::PIXEL_REPRESENTATION, u16::from(signed));
    if samples == 3 {
        us(tags::PLANAR_CONFIGURATION, 0);
    }
}

/// Writes `obj` with `pixel` as its Pixel Data in transfer syntax `ts`.
fn write(mut obj: InMemDicomObject, pixel: DataElement<InMemDicomObject>, ts: &str, path: &Path) {
    obj.put(pixel);
    let sop_class = obj
        .get(tags::SOP_CLASS_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches('\0').to_string())
        .unwrap_or_default();
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid("2.25.777001.3")
        .transfer_syntax(ts);
    obj.with_meta(meta)
        .expect("meta group")
        .write_to_file(path)
        .expect("fixture written");
}

fn native8(mut bytes: Vec<u8>) -> DataElement<InMemDicomObject> {
    if bytes.len() % 2 == 1 {
        bytes.push(0);
    }
    DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::U8(bytes.into()))
}

fn encapsulated(frames: Vec<Vec<u8>>) -> DataElement<InMemDicomObject> {
    DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(Vec::<u32>::new(), frames),
    )
}

/// Whether a pixel of the 8-bit image is in its text block.
pub fn in_text(x: u32, y: u32) -> bool {
    (TEXT_X..TEXT_X + TEXT_WIDTH).contains(&x) && (TEXT_Y..TEXT_Y + TEXT_HEIGHT).contains(&y)
}

/// The 8-bit image's pixels: a dark background with the bright text block.
pub fn mono_pixels() -> Vec<u8> {
    let mut out = Vec::new();
    for y in 0..u32::from(MONO_ROWS) {
        for x in 0..u32::from(MONO_COLUMNS) {
            out.push(if in_text(x, y) { TEXT } else { BACKGROUND });
        }
    }
    out
}

fn mono_header(photometric: &str) -> InMemDicomObject {
    let mut obj = base(
        "US",
        uids::ULTRASOUND_IMAGE_STORAGE,
        photometric,
        MONO_ROWS,
        MONO_COLUMNS,
    );
    depth(&mut obj, 1, 8, 8, false);
    obj
}

/// An 8-bit MONOCHROME2 ultrasound image, native (explicit VR little endian).
pub fn mono8(path: &Path) {
    write(
        mono_header("MONOCHROME2"),
        native8(mono_pixels()),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        path,
    );
}

/// The same pixels as MONOCHROME1: the text block should look dark.
pub fn mono1(path: &Path) {
    write(
        mono_header("MONOCHROME1"),
        native8(mono_pixels()),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        path,
    );
}

/// The 8-bit image encoded RLE Lossless (PS3.5 Annex G, literal runs).
pub fn mono8_rle(path: &Path) {
    let plane = mono_pixels();
    let mut segment = Vec::new();
    for chunk in plane.chunks(128) {
        segment.push((chunk.len() - 1) as u8);
        segment.extend_from_slice(chunk);
    }
    if segment.len() % 2 == 1 {
        segment.push(0x80);
    }
    let mut fragment = Vec::new();
    fragment.extend(1u32.to_le_bytes());
    fragment.extend(64u32.to_le_bytes());
    fragment.extend([0u8; 56]);
    fragment.extend(segment);
    write(
        mono_header("MONOCHROME2"),
        encapsulated(vec![fragment]),
        uids::RLE_LOSSLESS,
        path,
    );
}

/// The 8-bit image encoded JPEG Baseline.
pub fn mono8_jpeg(path: &Path) {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 95)
        .encode(
            &mono_pixels(),
            MONO_COLUMNS,
            MONO_ROWS,
            jpeg_encoder::ColorType::Luma,
        )
        .expect("JPEG encoded");
    if out.len() % 2 == 1 {
        out.push(0);
    }
    let mut obj = mono_header("MONOCHROME2");
    obj.put(DataElement::new(
        tags::LOSSY_IMAGE_COMPRESSION,
        VR::CS,
        PrimitiveValue::from("01"),
    ));
    write(obj, encapsulated(vec![out]), uids::JPEG_BASELINE8_BIT, path);
}

/// The 8-bit header with a JPEG-LS transfer syntax (its one fragment is not decoded).
pub fn mono8_jpeg_ls(path: &Path) {
    write(
        mono_header("MONOCHROME2"),
        encapsulated(vec![vec![0xFF, 0xD8, 0xFF, 0xF7, 0x00, 0x00]]),
        uids::JPEGLS_LOSSLESS,
        path,
    );
}

/// The 8-bit header with pixel data a third as long as a frame needs.
pub fn mono8_cut_short(path: &Path) {
    let mut pixels = mono_pixels();
    pixels.truncate(pixels.len() / 3);
    write(
        mono_header("MONOCHROME2"),
        native8(pixels),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        path,
    );
}

/// Bits Allocated 12, which no standard image has.
pub fn bits_allocated_12(path: &Path) {
    let mut obj = mono_header("MONOCHROME2");
    depth(&mut obj, 1, 12, 12, false);
    write(
        obj,
        native8(vec![0; 96 * 64 * 2]),
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        path,
    );
}

/// A JPEG Baseline file whose stream stops in its header.
pub fn corrupt_jpeg(path: &Path) {
    let mut obj = mono_header("MONOCHROME2");
    obj.put(DataElement::new(
        tags::LOSSY_IMAGE_COMPRESSION,
        VR::CS,
        PrimitiveValue::from("01"),
    ));
    write(
        obj,
        encapsulated(vec![vec![0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x01]]),
        uids::JPEG_BASELINE8_BIT,
        path,
    );
}

/// The CT image's size.
pub const CT_SIZE: u16 = 64;

/// A 16-bit signed CT-like image: Hounsfield units stored as they are (-1000 at the left to
/// about +1000 at the right), window centre 40 and width 400.
pub fn ct16(path: &Path) {
    let mut obj = base("CT", uids::CT_IMAGE_STORAGE, "MONOCHROME2", CT_SIZE, CT_SIZE);
    depth(&mut obj, 1, 16, 16, true);
    let mut ds = |tag: Tag, v: &str| obj.put(DataElement::new(tag, VR::DS, PrimitiveValue::from(v)));
    ds(tags::WINDOW_CENTER, "40\\-600");
    ds(tags::WINDOW_WIDTH, "400\\1500");
    ds(tags::RESCALE_INTERCEPT, "0");
    ds(tags::RESCALE_SLOPE, "1");
    let n = i32::from(CT_SIZE);
    let values: Vec<i16> = (0..n * n)
        .map(|i| (-1000 + (i % n) * 2000 / (n - 1)) as i16)
        .collect();
    let pixel = DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::I16(values.into()));
    write(obj, pixel, uids::EXPLICIT_VR_LITTLE_ENDIAN, path);
}

/// The multi-frame image's size and frames.
pub const MULTI_COLUMNS: u16 = 48;
pub const MULTI_ROWS: u16 = 32;
pub const MULTI_FRAMES: u32 = 3;

/// The value of every pixel of frame `f` (0-based) of the multi-frame image, but its marker.
pub fn multi_value(f: u32) -> u8 {
    (30 + 80 * f) as u8
}

/// A 3-frame 8-bit image whose frames differ: each a different grey.
pub fn multiframe(path: &Path) {
    let mut obj = base(
        "US",
        uids::ULTRASOUND_MULTI_FRAME_IMAGE_STORAGE,
        "MONOCHROME2",
        MULTI_ROWS,
        MULTI_COLUMNS,
    );
    depth(&mut obj, 1, 8, 8, false);
    obj.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from("3"),
    ));
    let n = usize::from(MULTI_ROWS) * usize::from(MULTI_COLUMNS);
    let mut bytes = Vec::new();
    for f in 0..MULTI_FRAMES {
        bytes.extend(std::iter::repeat_n(multi_value(f), n));
    }
    // The window is the full 8-bit range: frames show as their values.
    let mut ds = |tag: Tag, v: &str| obj.put(DataElement::new(tag, VR::DS, PrimitiveValue::from(v)));
    ds(tags::WINDOW_CENTER, "128");
    ds(tags::WINDOW_WIDTH, "256");
    write(obj, native8(bytes), uids::EXPLICIT_VR_LITTLE_ENDIAN, path);
}

/// The colour images' size.
pub const COLOUR_SIZE: u16 = 64;

/// An RGB image in quadrants: red top left, green top right, blue bottom left, white bottom
/// right.
pub fn rgb(path: &Path) {
    let mut obj = base(
        "XC",
        uids::VL_PHOTOGRAPHIC_IMAGE_STORAGE,
        "RGB",
        COLOUR_SIZE,
        COLOUR_SIZE,
    );
    depth(&mut obj, 3, 8, 8, false);
    let n = u32::from(COLOUR_SIZE);
    let mut bytes = Vec::new();
    for y in 0..n {
        for x in 0..n {
            bytes.extend(match (x < n / 2, y < n / 2) {
                (true, true) => [255, 0, 0],
                (false, true) => [0, 255, 0],
                (true, false) => [0, 0, 255],
                (false, false) => [255, 255, 255],
            });
        }
    }
    write(obj, native8(bytes), uids::EXPLICIT_VR_LITTLE_ENDIAN, path);
}

/// The palette's colour of an index: red rises with it, green falls, no blue.
pub fn palette_colour(index: u8) -> [u8; 3] {
    [index, 255 - index, 0]
}

/// A PALETTE COLOR image: index 10 in the left half, 200 in the right, through 256-entry
/// 16-bit tables.
pub fn palette(path: &Path) {
    let mut obj = base(
        "US",
        uids::ULTRASOUND_IMAGE_STORAGE,
        "PALETTE COLOR",
        COLOUR_SIZE,
        COLOUR_SIZE,
    );
    depth(&mut obj, 1, 8, 8, false);
    for (descriptor, data, channel) in [
        (
            tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            0,
        ),
        (
            tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            1,
        ),
        (
            tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR,
            tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA,
            2,
        ),
    ] {
        obj.put(DataElement::new(
            descriptor,
            VR::US,
            PrimitiveValue::U16(vec![256, 0, 16].into()),
        ));
        let table: Vec<u16> = (0..=255u8)
            .map(|i| u16::from(palette_colour(i)[channel]) * 257)
            .collect();
        obj.put(DataElement::new(data, VR::OW, PrimitiveValue::U16(table.into())));
    }
    let n = usize::from(COLOUR_SIZE);
    let bytes: Vec<u8> = (0..n * n).map(|i| if i % n < n / 2 { 10 } else { 200 }).collect();
    write(obj, native8(bytes), uids::EXPLICIT_VR_LITTLE_ENDIAN, path);
}

/// A large 16-bit image, slow to read and decode in a debug build.
pub fn large16(path: &Path, size: u16) {
    let mut obj = base(
        "CR",
        uids::COMPUTED_RADIOGRAPHY_IMAGE_STORAGE,
        "MONOCHROME2",
        size,
        size,
    );
    depth(&mut obj, 1, 16, 12, false);
    let n = usize::from(size);
    let values: Vec<u16> = (0..n * n).map(|i| (i % 4096) as u16).collect();
    let pixel = DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(values.into()));
    write(obj, pixel, uids::EXPLICIT_VR_LITTLE_ENDIAN, path);
}

/// A header claiming 65535 × 65535 pixels over a few bytes of RLE data: a decoder that
/// trusted it would ask for gigabytes.
pub fn huge_rle(path: &Path) {
    let mut obj = base(
        "US",
        uids::ULTRASOUND_IMAGE_STORAGE,
        "MONOCHROME2",
        u16::MAX,
        u16::MAX,
    );
    depth(&mut obj, 1, 8, 8, false);
    let mut fragment = Vec::new();
    fragment.extend(1u32.to_le_bytes());
    fragment.extend(64u32.to_le_bytes());
    fragment.extend([0u8; 56]);
    fragment.extend([0u8, 7]);
    write(obj, encapsulated(vec![fragment]), uids::RLE_LOSSLESS, path);
}

/// The same claim over a few bytes of native data.
pub fn huge_native(path: &Path) {
    let mut obj = base(
        "US",
        uids::ULTRASOUND_IMAGE_STORAGE,
        "MONOCHROME2",
        u16::MAX,
        u16::MAX,
    );
    depth(&mut obj, 1, 8, 8, false);
    write(obj, native8(vec![7; 64]), uids::EXPLICIT_VR_LITTLE_ENDIAN, path);
}

/// Pure red in YCbCr (PS3.3 C.7.6.3.1.2, full range).
pub const RED_YBR: [u8; 3] = [76, 85, 255];

/// A red native YBR_FULL_422 image: two luminance samples share a Cb and a Cr.
pub fn ybr_422(path: &Path) {
    let mut obj = base(
        "XC",
        uids::VL_PHOTOGRAPHIC_IMAGE_STORAGE,
        "YBR_FULL_422",
        COLOUR_SIZE,
        COLOUR_SIZE,
    );
    depth(&mut obj, 3, 8, 8, false);
    let n = usize::from(COLOUR_SIZE) * usize::from(COLOUR_SIZE);
    let [y, cb, cr] = RED_YBR;
    let bytes: Vec<u8> = (0..n / 2).flat_map(|_| [y, y, cb, cr]).collect();
    write(obj, native8(bytes), uids::EXPLICIT_VR_LITTLE_ENDIAN, path);
}

/// A red native YBR_FULL image, planar (all Y, then all Cb, then all Cr).
pub fn ybr_full_planar(path: &Path) {
    let mut obj = base(
        "XC",
        uids::VL_PHOTOGRAPHIC_IMAGE_STORAGE,
        "YBR_FULL",
        COLOUR_SIZE,
        COLOUR_SIZE,
    );
    depth(&mut obj, 3, 8, 8, false);
    obj.put(DataElement::new(
        tags::PLANAR_CONFIGURATION,
        VR::US,
        PrimitiveValue::from(1u16),
    ));
    let n = usize::from(COLOUR_SIZE) * usize::from(COLOUR_SIZE);
    let bytes: Vec<u8> = RED_YBR.iter().flat_map(|&v| std::iter::repeat_n(v, n)).collect();
    write(obj, native8(bytes), uids::EXPLICIT_VR_LITTLE_ENDIAN, path);
}

/// The JPEG 2000 image's pixels: 16 × 16, a ramp up in the top half and down in the bottom.
pub fn j2k_pixels() -> Vec<u8> {
    (0..16u32)
        .flat_map(|y| {
            (0..16u32).map(move |x| {
                if y < 8 {
                    (x * 16) as u8
                } else {
                    (255 - x * 16) as u8
                }
            })
        })
        .collect()
}

/// Those pixels as a lossless JPEG 2000 codestream, made once with OpenJPEG
/// (`opj_compress -i ramp.pgm -o ramp.j2k -n 2`): no pure-Rust encoder is at hand, and the
/// test checks the decoded pixels against [`j2k_pixels`], so the bytes cannot lie.
const J2K_RAMP: &[u8] = &[
    0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x01, 0xFF, 0x52, 0x00, 0x0C, 0x00, 0x00,
    0x00, 0x01, 0x00, 0x01, 0x04, 0x04, 0x00, 0x01, 0xFF, 0x5C, 0x00, 0x07, 0x40, 0x40, 0x48, 0x48, 0x50,
    0xFF, 0x64, 0x00, 0x25, 0x00, 0x01, 0x43, 0x72, 0x65, 0x61, 0x74, 0x65, 0x64, 0x20, 0x62, 0x79, 0x20,
    0x4F, 0x70, 0x65, 0x6E, 0x4A, 0x50, 0x45, 0x47, 0x20, 0x76, 0x65, 0x72, 0x73, 0x69, 0x6F, 0x6E, 0x20,
    0x32, 0x2E, 0x35, 0x2E, 0x30, 0xFF, 0x90, 0x00, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x62, 0x00, 0x01,
    0xFF, 0x93, 0xDF, 0x81, 0x98, 0x11, 0x66, 0xAD, 0x35, 0x25, 0xE8, 0x04, 0xC0, 0x32, 0x39, 0xD4, 0x40,
    0x2B, 0x4A, 0x02, 0x99, 0xEB, 0x62, 0xDD, 0x6D, 0xDF, 0x9C, 0x49, 0x76, 0x90, 0x66, 0xBD, 0x24, 0x60,
    0xAB, 0xB8, 0x5F, 0xBC, 0xF7, 0x07, 0xFB, 0x04, 0xC8, 0xE3, 0xA5, 0x3C, 0x30, 0x2C, 0xCF, 0x7E, 0xD0,
    0x18, 0x21, 0xF0, 0x8D, 0x3F, 0xC1, 0xF3, 0x87, 0x8F, 0xB4, 0x2E, 0x07, 0xCE, 0x0C, 0x36, 0x9D, 0x94,
    0x14, 0xB3, 0x78, 0x6F, 0x00, 0xA3, 0x76, 0xB1, 0xDE, 0x2F, 0x79, 0x2E, 0x23, 0x0B, 0x2B, 0x38, 0xF3,
    0x21, 0xFF, 0xD9,
];

/// A 16 × 16 8-bit image in JPEG 2000 Lossless.
pub fn j2k(path: &Path) {
    let mut obj = base("OT", uids::SECONDARY_CAPTURE_IMAGE_STORAGE, "MONOCHROME2", 16, 16);
    depth(&mut obj, 1, 8, 8, false);
    let mut stream = J2K_RAMP.to_vec();
    if stream.len() % 2 == 1 {
        stream.push(0);
    }
    write(obj, encapsulated(vec![stream]), uids::JPEG2000_LOSSLESS, path);
}
