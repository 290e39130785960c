//! Images with burned-in "text" (a bright block pattern) in known rectangles, written as
//! real DICOM files: native grey and colour of 8 and 16 bits, multi-frame, RLE Lossless and
//! JPEG Baseline. Names and devices are invented.

#![allow(dead_code)]

use std::path::Path;

use dicom_core::value::{PixelFragmentSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

/// A rectangle: x, y, width, height.
pub type Rect = (usize, usize, usize, usize);

/// What an image is and how it is stored.
#[derive(Clone, Debug)]
pub struct Image {
    pub modality: &'static str,
    pub manufacturer: &'static str,
    pub model: &'static str,
    pub sop_class: &'static str,
    pub rows: usize,
    pub columns: usize,
    pub samples: usize,
    pub bits: u16,
    pub planar: u16,
    pub photometric: &'static str,
    pub frames: usize,
    pub burned_in: Option<&'static str>,
    pub transfer_syntax: &'static str,
    /// Where the text is.
    pub text: Vec<Rect>,
    pub instance: u32,
}

impl Image {
    /// A 3-frame 8-bit ultrasound, text along the top.
    pub fn ultrasound() -> Image {
        Image {
            modality: "US",
            manufacturer: "Fictive Sonics",
            model: "EchoView 9",
            sop_class: uids::ULTRASOUND_MULTI_FRAME_IMAGE_STORAGE,
            rows: 48,
            columns: 64,
            samples: 1,
            bits: 8,
            planar: 0,
            photometric: "MONOCHROME2",
            frames: 3,
            burned_in: Some("YES"),
            transfer_syntax: uids::EXPLICIT_VR_LITTLE_ENDIAN,
            text: vec![(0, 0, 64, 8), (40, 40, 20, 6)],
            instance: 1,
        }
    }

    /// A secondary capture.
    pub fn secondary_capture() -> Image {
        Image {
            modality: "OT",
            manufacturer: "Example Screens",
            model: "Grabber 2",
            sop_class: uids::SECONDARY_CAPTURE_IMAGE_STORAGE,
            frames: 1,
            burned_in: None,
            text: vec![(4, 2, 30, 6)],
            instance: 2,
            ..Image::ultrasound()
        }
    }

    fn number_of_samples(&self) -> usize {
        self.rows * self.columns * self.samples
    }

    /// Whether pixel (x, y) lies in a text rectangle.
    pub fn in_text(&self, x: usize, y: usize) -> bool {
        self.text
            .iter()
            .any(|&(rx, ry, w, h)| x >= rx && x < rx + w && y >= ry && y < ry + h)
    }

    /// The samples, interleaved (planar configuration 0), frame after frame: a background
    /// that differs at every pixel and frame and is never 0 nor the maximum, with the text
    /// pattern (2×2 blocks at the maximum) in the text rectangles.
    pub fn samples_interleaved(&self) -> Vec<u16> {
        let max: u16 = if self.bits == 8 { 255 } else { 4095 };
        let mut out = Vec::with_capacity(self.number_of_samples() * self.frames);
        for f in 0..self.frames {
            for y in 0..self.rows {
                for x in 0..self.columns {
                    for s in 0..self.samples {
                        let v = if self.in_text(x, y) && ((x / 2) + (y / 2)) % 2 == 0 {
                            max
                        } else if self.bits == 8 {
                            (20 + (x * 3 + y * 2 + f * 11 + s * 40) % 200) as u16
                        } else {
                            (1000 + (x * 31 + y * 17 + f * 101 + s * 7) % 3000) as u16
                        };
                        out.push(v);
                    }
                }
            }
        }
        out
    }

    /// The samples as stored: planes apart when Planar Configuration is 1.
    pub fn samples_stored(&self) -> Vec<u16> {
        self.to_stored(self.samples_interleaved())
    }

    /// Interleaved samples laid out as this image stores them.
    pub fn to_stored(&self, interleaved: Vec<u16>) -> Vec<u16> {
        if self.planar == 0 || self.samples == 1 {
            return interleaved;
        }
        let n = self.rows * self.columns;
        let mut out = Vec::with_capacity(interleaved.len());
        for f in 0..self.frames {
            let frame = &interleaved[f * n * self.samples..(f + 1) * n * self.samples];
            for s in 0..self.samples {
                out.extend((0..n).map(|p| frame[p * self.samples + s]));
            }
        }
        out
    }

    /// The data set without its pixel data.
    pub fn header(&self) -> InMemDicomObject {
        let uid = format!("2.25.4242{}", self.instance);
        let mut obj = InMemDicomObject::new_empty();
        let mut s = |tag: Tag, vr: VR, v: &str| obj.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
        s(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
        s(tags::SOP_CLASS_UID, VR::UI, self.sop_class);
        s(tags::SOP_INSTANCE_UID, VR::UI, &format!("{uid}.3"));
        s(tags::STUDY_DATE, VR::DA, "20240102");
        s(tags::MODALITY, VR::CS, self.modality);
        s(tags::MANUFACTURER, VR::LO, self.manufacturer);
        s(tags::INSTITUTION_NAME, VR::LO, "Saint Example Hospital");
        s(tags::MANUFACTURER_MODEL_NAME, VR::LO, self.model);
        s(tags::PATIENT_NAME, VR::PN, "FICTIVE^ALMA");
        s(tags::PATIENT_ID, VR::LO, "PID-4242");
        s(tags::STUDY_INSTANCE_UID, VR::UI, &format!("{uid}.1"));
        s(tags::SERIES_INSTANCE_UID, VR::UI, &format!("{uid}.2"));
        s(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, self.photometric);
        if let Some(b) = self.burned_in {
            s(tags::BURNED_IN_ANNOTATION, VR::CS, b);
        }
        if self.frames > 1 {
            s(tags::NUMBER_OF_FRAMES, VR::IS, &self.frames.to_string());
        }
        if self.transfer_syntax == uids::JPEG_BASELINE8_BIT {
            s(tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "01");
            s(tags::LOSSY_IMAGE_COMPRESSION_RATIO, VR::DS, "8.5");
        }
        let mut us = |tag: Tag, v: u16| obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
        us(tags::SAMPLES_PER_PIXEL, self.samples as u16);
        if self.samples == 3 {
            us(tags::PLANAR_CONFIGURATION, self.planar);
        }
        us(tags::ROWS, self.rows as u16);
        us(tags::COLUMNS, self.columns as u16);
        us(tags::BITS_ALLOCATED, self.bits);
        us(tags::BITS_STORED, if self.bits == 8 { 8 } else { 12 });
        us(tags::HIGH_BIT, if self.bits == 8 { 7 } else { 11 });
        us(tags::PIXEL_REPRESENTATION, 0);
        obj
    }

    /// Writes the image to `path` in its transfer syntax.
    pub fn write(&self, path: &Path) {
        let mut obj = self.header();
        let stored = self.samples_stored();
        let pixel = match self.transfer_syntax {
            uids::JPEG_BASELINE8_BIT => {
                let frames = self.jpeg_frames();
                DataElement::new(
                    tags::PIXEL_DATA,
                    VR::OB,
                    PixelFragmentSequence::new(Vec::<u32>::new(), frames),
                )
            }
            uids::RLE_LOSSLESS => DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                PixelFragmentSequence::new(Vec::<u32>::new(), self.rle_frames()),
            ),
            "1.2.840.10008.1.2.4.90" => DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                PixelFragmentSequence::new(Vec::<u32>::new(), vec![vec![0xFF, 0x4F, 0xFF, 0x51]]),
            ),
            _ if self.bits == 8 => {
                let mut bytes: Vec<u8> = stored.iter().map(|&v| v as u8).collect();
                if bytes.len() % 2 == 1 {
                    bytes.push(0);
                }
                DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::U8(bytes.into()))
            }
            _ => DataElement::new(tags::PIXEL_DATA, VR::OW, PrimitiveValue::U16(stored.into())),
        };
        obj.put(pixel);
        let meta = FileMetaTableBuilder::new()
            .media_storage_sop_class_uid(self.sop_class)
            .media_storage_sop_instance_uid(format!("2.25.4242{}.3", self.instance))
            .transfer_syntax(self.transfer_syntax);
        let file = obj.with_meta(meta).expect("meta group");
        file.write_to_file(path).expect("fixture written");
    }

    /// One JPEG Baseline stream per frame (colour as YCbCr, as YBR_FULL_422 says).
    pub fn jpeg_frames(&self) -> Vec<Vec<u8>> {
        let interleaved = self.samples_interleaved();
        let n = self.number_of_samples();
        (0..self.frames)
            .map(|f| {
                let bytes: Vec<u8> = interleaved[f * n..(f + 1) * n].iter().map(|&v| v as u8).collect();
                let mut out = Vec::new();
                let color = if self.samples == 3 {
                    jpeg_encoder::ColorType::Rgb
                } else {
                    jpeg_encoder::ColorType::Luma
                };
                jpeg_encoder::Encoder::new(&mut out, 85)
                    .encode(&bytes, self.columns as u16, self.rows as u16, color)
                    .expect("JPEG encoded");
                if out.len() % 2 == 1 {
                    out.push(0);
                }
                out
            })
            .collect()
    }

    /// One RLE Lossless fragment per frame (PS3.5 Annex G), literal runs only.
    pub fn rle_frames(&self) -> Vec<Vec<u8>> {
        let interleaved = self.samples_interleaved();
        let n = self.rows * self.columns;
        let bytes_per_sample = usize::from(self.bits / 8);
        (0..self.frames)
            .map(|f| {
                let frame = &interleaved[f * n * self.samples..(f + 1) * n * self.samples];
                let mut segments = Vec::new();
                for s in 0..self.samples {
                    for b in (0..bytes_per_sample).rev() {
                        let plane: Vec<u8> = (0..n)
                            .map(|p| (frame[p * self.samples + s] >> (8 * b)) as u8)
                            .collect();
                        let mut seg = Vec::new();
                        for chunk in plane.chunks(128) {
                            seg.push((chunk.len() - 1) as u8);
                            seg.extend_from_slice(chunk);
                        }
                        if seg.len() % 2 == 1 {
                            seg.push(0x80);
                        }
                        segments.push(seg);
                    }
                }
                crate::rle::frame(segments)
            })
            .collect()
    }
}

/// Decodes JPEG frames as a viewer would (colour to RGB), concatenated.
pub fn decode_jpeg(frames: &[Vec<u8>]) -> Vec<u8> {
    frames
        .iter()
        .flat_map(|f| {
            let mut d = jpeg_decoder::Decoder::new(f.as_slice());
            d.decode().expect("JPEG decodes")
        })
        .collect()
}

/// An item of a code sequence, for comparisons.
pub fn code_values(obj: &InMemDicomObject) -> Vec<String> {
    let Some(el) = obj.get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE) else {
        return Vec::new();
    };
    el.items()
        .unwrap_or(&[])
        .iter()
        .filter_map(|item| {
            item.get(tags::CODE_VALUE)?
                .to_str()
                .ok()
                .map(|s| s.trim().to_string())
        })
        .collect()
}
