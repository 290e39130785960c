//! Blanking regions of every frame of an image.
//!
//! Native pixel data is blanked where it lies. Compressed pixel data (RLE, JPEG, JPEG 2000:
//! see [`super::decode`]) is decoded a frame at a time and written native, in Explicit VR
//! Little Endian, so that no lossy step is added. [`blank_pixel_data`] works on pixel data
//! held in memory whole; [`FrameMask`] blanks frames one at a time as they are copied or
//! decoded, and [`FrameForm`] says how a file's frames become native samples.

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::decode::{self, Compression};
use super::rules::Region;

/// Explicit VR Little Endian: what decoded pixel data is written as.
pub const EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1";
/// The most decoded pixel data dpk holds in memory whole to clean it (a file that cannot be
/// read a frame at a time: deflated, or not as a writer writes it).
const MAX_DECODED_BYTES: u64 = 4 << 30;

/// Why an image's pixels cannot be cleaned.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MaskError(pub String);

fn fail<T>(message: impl Into<String>) -> Result<T, MaskError> {
    Err(MaskError(message.into()))
}

/// The cleaned pixel data and what else in the file must change to describe it.
#[derive(Clone, Debug, PartialEq)]
pub struct Blanked {
    /// The new Pixel Data value: `U8` (OB) for 8 bits allocated, `U16` (OW) for 16.
    pub value: PrimitiveValue,
    /// Its VR.
    pub vr: VR,
    /// The transfer syntax to write, when the input's was encapsulated.
    pub transfer_syntax: Option<&'static str>,
    /// A new Photometric Interpretation (decoded JPEG colour is RGB).
    pub photometric: Option<&'static str>,
    /// A new Planar Configuration (decoded colour is interleaved).
    pub planar_configuration: Option<u16>,
    /// The pixels were decoded from a lossy compression.
    pub from_lossy: bool,
    /// Then, the Lossy Image Compression Method (0028,2114) term naming it.
    pub lossy_method: Option<&'static str>,
    /// The value the regions were set to, in words.
    pub fill: String,
    /// Frames blanked.
    pub frames: u32,
}

/// The attributes that say how pixels are laid out (PS3.3 C.7.6.3).
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    pub(crate) rows: usize,
    pub(crate) columns: usize,
    pub(crate) samples: usize,
    pub(crate) bits_allocated: u16,
    pub(crate) bits_stored: u16,
    pub(crate) signed: bool,
    pub(crate) planar: u16,
    pub(crate) photometric: String,
    pub(crate) frames: usize,
}

fn number(obj: &InMemDicomObject, tag: dicom_core::Tag) -> Option<u32> {
    let el = obj.get(tag)?;
    el.value().to_int::<u32>().ok()
}

impl Layout {
    pub(crate) fn of(obj: &InMemDicomObject) -> Result<Layout, MaskError> {
        let need = |tag, name: &str| {
            number(obj, tag).ok_or_else(|| MaskError(format!("{name} is missing or not a number")))
        };
        let rows = need(tags::ROWS, "Rows")? as usize;
        let columns = need(tags::COLUMNS, "Columns")? as usize;
        let samples = number(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1) as usize;
        let bits_allocated = need(tags::BITS_ALLOCATED, "Bits Allocated")?;
        let bits_stored = number(obj, tags::BITS_STORED).unwrap_or(bits_allocated);
        let frames = crate::dataset::frame_count(obj).max(1) as usize;
        let photometric = crate::dataset::text_of(obj, tags::PHOTOMETRIC_INTERPRETATION)
            .unwrap_or_default()
            .to_ascii_uppercase();
        if !matches!(bits_allocated, 8 | 16) {
            return fail(format!(
                "cannot clean pixels of Bits Allocated {bits_allocated} (dpk cleans 8 and 16)"
            ));
        }
        if !matches!(samples, 1 | 3) {
            return fail(format!("cannot clean pixels of Samples per Pixel {samples}"));
        }
        // Both are US (PS3.3 C.7.6.3): a larger number is a damaged file.
        if rows == 0 || columns == 0 || rows > 0xFFFF || columns > 0xFFFF {
            return fail(format!("Rows {rows} and Columns {columns} are not an image's"));
        }
        Ok(Layout {
            rows,
            columns,
            samples,
            bits_allocated: bits_allocated as u16,
            bits_stored: (bits_stored.clamp(1, bits_allocated)) as u16,
            signed: number(obj, tags::PIXEL_REPRESENTATION) == Some(1),
            planar: number(obj, tags::PLANAR_CONFIGURATION).unwrap_or(0) as u16,
            photometric,
            frames,
        })
    }

    /// Bytes of native pixel data all frames take; `None` past what a `u64` counts.
    fn total_bytes(&self) -> Option<u64> {
        [
            self.columns,
            self.samples,
            usize::from(self.bits_allocated / 8),
            self.frames,
        ]
        .into_iter()
        .try_fold(self.rows as u64, |n, f| n.checked_mul(f as u64))
    }

    pub(crate) fn frame_samples(&self) -> usize {
        self.rows * self.columns * self.samples
    }

    /// The value each sample of a blanked pixel takes: black as the image is displayed.
    fn fill(&self) -> Result<([u16; 3], String), MaskError> {
        let bits = u32::from(self.bits_stored);
        let width_mask = if self.bits_allocated == 8 { 0xFF } else { 0xFFFF };
        let signed_min = (-(1i32 << (bits - 1))) as u32 & width_mask;
        let signed_max = (1u32 << (bits - 1)) - 1;
        let unsigned_max = ((1u32 << bits) - 1) & width_mask;
        let (v, words) = match (self.photometric.as_str(), self.signed) {
            ("MONOCHROME2", false) => ([0, 0, 0], "0 (black, MONOCHROME2)".to_string()),
            ("MONOCHROME2", true) => (
                [signed_min as u16; 3],
                format!(
                    "the lowest stored value, {} (black, MONOCHROME2)",
                    -(1i32 << (bits - 1))
                ),
            ),
            ("MONOCHROME1", false) => (
                [unsigned_max as u16; 3],
                format!("the highest stored value, {unsigned_max} (black, MONOCHROME1)"),
            ),
            ("MONOCHROME1", true) => (
                [signed_max as u16; 3],
                format!("the highest stored value, {signed_max} (black, MONOCHROME1)"),
            ),
            ("RGB", _) => ([0, 0, 0], "0 in each sample (black, RGB)".to_string()),
            ("YBR_FULL", _) => {
                let mid = (1u32 << (bits - 1)) as u16;
                ([0, mid, mid], format!("Y 0, Cb and Cr {mid} (black, YBR_FULL)"))
            }
            ("PALETTE COLOR", _) => ([0, 0, 0], "index 0 (the palette's first entry)".to_string()),
            (other, _) => {
                return fail(format!(
                    "cannot clean pixels of Photometric Interpretation '{}' stored this way",
                    crate::terminal_text::escape(other)
                ))
            }
        };
        Ok((v, words))
    }
}

/// Samples of one pixel data value, by the width Bits Allocated gives them.
enum Samples {
    Bytes(Vec<u8>),
    Words(Vec<u16>),
}

impl Samples {
    fn len(&self) -> usize {
        match self {
            Samples::Bytes(b) => b.len(),
            Samples::Words(w) => w.len(),
        }
    }

    /// Native pixel data as read: its samples whatever VR it was read with (OB holds 16-bit
    /// samples little-endian first; OW holds 8-bit ones two to a word, low byte first).
    fn from_native(p: &PrimitiveValue, bits_allocated: u16) -> Result<Samples, MaskError> {
        Ok(match (p, bits_allocated) {
            (PrimitiveValue::U8(b), 8) => Samples::Bytes(b.to_vec()),
            (PrimitiveValue::U8(b), _) => Samples::Words(
                b.chunks(2)
                    .map(|c| u16::from_le_bytes([c[0], c.get(1).copied().unwrap_or(0)]))
                    .collect(),
            ),
            (PrimitiveValue::U16(w), 16) => Samples::Words(w.to_vec()),
            (PrimitiveValue::U16(w), _) => Samples::Bytes(w.iter().flat_map(|x| x.to_le_bytes()).collect()),
            (PrimitiveValue::I16(w), 16) => Samples::Words(w.iter().map(|&x| x as u16).collect()),
            (PrimitiveValue::Empty, _) => return fail("the pixel data is empty"),
            _ => return fail("the pixel data is not made of bytes or words"),
        })
    }

    fn into_value(self) -> (PrimitiveValue, VR) {
        match self {
            Samples::Bytes(mut b) => {
                if b.len() % 2 == 1 {
                    b.push(0);
                }
                (PrimitiveValue::U8(b.into()), VR::OB)
            }
            Samples::Words(w) => (PrimitiveValue::U16(w.into()), VR::OW),
        }
    }
}

/// Blanks `regions` in every frame of the data set's pixel data, whose transfer syntax is
/// `transfer_syntax`.
pub fn blank_pixel_data(
    obj: &InMemDicomObject,
    transfer_syntax: &str,
    regions: &[Region],
) -> Result<Blanked, MaskError> {
    let ts = transfer_syntax.trim_end_matches(['\0', ' ']);
    let mut layout = Layout::of(obj)?;
    let Some(element) = obj.get(tags::PIXEL_DATA) else {
        return fail("there is no Pixel Data (7FE0,0010) to clean");
    };
    let mut blanked = Blanked {
        value: PrimitiveValue::Empty,
        vr: VR::OB,
        transfer_syntax: None,
        photometric: None,
        planar_configuration: None,
        from_lossy: false,
        lossy_method: None,
        fill: String::new(),
        frames: layout.frames as u32,
    };
    let compression = decode::compression_of(ts)?;
    let mut samples = match &compression {
        None => {
            let Value::Primitive(p) = element.value() else {
                return fail("native pixel data is encapsulated");
            };
            if layout.photometric.ends_with("_422") || layout.photometric.ends_with("_420") {
                return fail(format!(
                    "cannot clean pixels of Photometric Interpretation {} in native form",
                    layout.photometric
                ));
            }
            Samples::from_native(p, layout.bits_allocated)?
        }
        Some(compression) => {
            // Decoded pixels are held whole: refuse sizes no real image has before reserving
            // them.
            let total = match layout.total_bytes() {
                Some(n) if n <= MAX_DECODED_BYTES => n as usize,
                _ => {
                    return fail(format!(
                        "{} frames of {}×{}×{} decode to more than the {} GiB dpk decodes in memory",
                        layout.frames,
                        layout.columns,
                        layout.rows,
                        layout.samples,
                        MAX_DECODED_BYTES >> 30
                    ))
                }
            };
            let frame_len = layout.frame_samples() * usize::from(layout.bits_allocated / 8);
            let limit = crate::limits::max_value_bytes();
            if frame_len as u64 > limit {
                return fail(format!(
                    "a frame of {}×{}×{} samples would decode to more than the {limit} bytes one value may hold in memory",
                    layout.columns, layout.rows, layout.samples
                ));
            }
            let (Some(fragments), Some(offsets)) =
                (element.value().fragments(), element.value().offset_table())
            else {
                return fail(format!("pixel data in transfer syntax {ts} is not encapsulated"));
            };
            let groups = crate::dataset::frames::group_in_memory(obj, ts, fragments, offsets, layout.frames)
                .map_err(MaskError)?;
            let mut bytes = Vec::with_capacity(total);
            for (k, group) in groups.into_iter().enumerate() {
                let frame: Vec<u8> = fragments[group].concat();
                let decoded = decode::decode_frame(&layout, compression, frame)
                    .map_err(|e| MaskError(format!("frame {}: {e}", k + 1)))?;
                bytes.extend_from_slice(&decoded);
            }
            let photometric = decode::decoded_photometric(&layout, compression);
            if photometric != layout.photometric {
                blanked.photometric = Some("RGB");
                layout.photometric = photometric;
            }
            if layout.samples > 1 && layout.planar != 0 {
                blanked.planar_configuration = Some(0);
            }
            layout.planar = 0;
            blanked.from_lossy = compression.lossy_method.is_some();
            blanked.lossy_method = compression.lossy_method;
            blanked.transfer_syntax = Some(EXPLICIT_VR_LITTLE_ENDIAN);
            if layout.bits_allocated == 8 {
                Samples::Bytes(bytes)
            } else {
                Samples::Words(
                    bytes
                        .chunks_exact(2)
                        .map(|c| u16::from_le_bytes([c[0], c[1]]))
                        .collect(),
                )
            }
        }
    };
    let (fill, words) = layout.fill()?;
    let need = layout.frame_samples().saturating_mul(layout.frames);
    if samples.len() < need {
        return fail(format!(
            "the pixel data holds {} samples; {} frames of {}×{}×{} need {need}",
            samples.len(),
            layout.frames,
            layout.rows,
            layout.columns,
            layout.samples
        ));
    }
    for frame in 0..layout.frames {
        let start = frame * layout.frame_samples();
        let range = start..start + layout.frame_samples();
        match &mut samples {
            Samples::Bytes(b) => blank_frame(&mut b[range], &layout, regions, fill.map(|v| v as u8)),
            Samples::Words(w) => blank_frame(&mut w[range], &layout, regions, fill),
        }
    }
    let (value, vr) = samples.into_value();
    blanked.value = value;
    blanked.vr = vr;
    blanked.fill = words;
    Ok(blanked)
}

/// How the frames of one image become native samples: as they are (native pixel data,
/// little-endian sample bytes as [`crate::dataset::FrameReader`] reads them) or decoded
/// (compressed pixel data, see [`decode`]), and what the image is then.
#[derive(Clone, Debug)]
pub struct FrameForm {
    source: Layout,
    output: Layout,
    compression: Option<Compression>,
}

impl FrameForm {
    /// The form of a data set's frames in transfer syntax `transfer_syntax`: refused when
    /// dpk cannot clean them (a layout or syntax it does not read, or frames larger than
    /// [`crate::limits::max_value_bytes`] decoded).
    pub fn of(obj: &InMemDicomObject, transfer_syntax: &str) -> Result<FrameForm, MaskError> {
        let source = Layout::of(obj)?;
        let compression = decode::compression_of(transfer_syntax)?;
        let mut output = source.clone();
        match &compression {
            None if source.photometric.ends_with("_422") || source.photometric.ends_with("_420") => {
                return fail(format!(
                    "cannot clean pixels of Photometric Interpretation {} in native form",
                    source.photometric
                ))
            }
            None => {}
            Some(c) => {
                output.photometric = decode::decoded_photometric(&source, c);
                output.planar = 0;
            }
        }
        let form = FrameForm {
            source,
            output,
            compression,
        };
        let limit = crate::limits::max_value_bytes();
        if form.frame_len() as u64 > limit {
            return fail(format!(
                "a frame of {}×{}×{} samples would decode to more than the {limit} bytes one value may hold in memory",
                form.output.columns, form.output.rows, form.output.samples
            ));
        }
        Ok(form)
    }

    /// The compression the frames are decoded from; `None` for native frames.
    pub fn compression(&self) -> Option<&Compression> {
        self.compression.as_ref()
    }

    /// Frames, by Number of Frames.
    pub fn frames(&self) -> usize {
        self.output.frames
    }

    /// Bytes of one native frame.
    pub fn frame_len(&self) -> usize {
        self.output.frame_samples() * usize::from(self.output.bits_allocated / 8)
    }

    /// Bits Allocated.
    pub fn bits_allocated(&self) -> u16 {
        self.output.bits_allocated
    }

    /// The Photometric Interpretation of the native frames, when it is not the stored one
    /// (colour decoded from JPEG or JPEG 2000 is RGB).
    pub fn new_photometric(&self) -> Option<&str> {
        (self.output.photometric != self.source.photometric).then_some(self.output.photometric.as_str())
    }

    /// The Planar Configuration of the native frames, when it is not the stored one
    /// (decoded colour is interleaved).
    pub fn new_planar_configuration(&self) -> Option<u16> {
        (self.output.samples > 1 && self.output.planar != self.source.planar).then_some(self.output.planar)
    }

    /// One frame as native samples: decoded from `frame` (its fragments joined), or, native,
    /// `frame` itself once its length is checked.
    pub fn native(&self, frame: Vec<u8>) -> Result<Vec<u8>, MaskError> {
        match &self.compression {
            Some(c) => decode::decode_frame(&self.source, c, frame),
            None if frame.len() == self.frame_len() => Ok(frame),
            None => fail(format!(
                "a frame of {} bytes; {} are needed",
                frame.len(),
                self.frame_len()
            )),
        }
    }

    /// The mask that blanks `regions` in these native frames.
    pub fn mask(&self, regions: &[Region]) -> Result<FrameMask, MaskError> {
        let (fill, fill_words) = self.output.fill()?;
        Ok(FrameMask {
            layout: self.output.clone(),
            regions: regions.to_vec(),
            fill,
            fill_words,
        })
    }

    /// Whether every pixel of `region` (clamped to the image, as the mask clamps it) holds
    /// the same samples in one native frame: what a blanked region is.
    pub fn uniform(&self, frame: &[u8], region: &Region) -> bool {
        let l = &self.output;
        let width = usize::from(l.bits_allocated / 8);
        let (x0, x1, y0, y1) = clamp(region, l);
        let sample = |x: usize, y: usize, s: usize| {
            let index = if l.planar == 1 && l.samples > 1 {
                s * l.rows * l.columns + y * l.columns + x
            } else {
                (y * l.columns + x) * l.samples + s
            };
            frame.get(index * width..(index + 1) * width)
        };
        if x0 >= x1 || y0 >= y1 {
            return true;
        }
        (0..l.samples).all(|s| {
            let first = sample(x0, y0, s);
            first.is_some() && (y0..y1).all(|y| (x0..x1).all(|x| sample(x, y, s) == first))
        })
    }
}

/// A region's columns and rows (x0..x1, y0..y1) clamped to the image.
fn clamp(region: &Region, layout: &Layout) -> (usize, usize, usize, usize) {
    let x0 = (region.x as usize).min(layout.columns);
    let x1 = (region.x as usize)
        .saturating_add(region.width as usize)
        .min(layout.columns);
    let y0 = (region.y as usize).min(layout.rows);
    let y1 = (region.y as usize)
        .saturating_add(region.height as usize)
        .min(layout.rows);
    (x0, x1, y0, y1)
}

/// Frames of native samples blanked one at a time as they are copied or decoded, so that
/// memory holds one frame whatever the number of frames.
#[derive(Clone, Debug)]
pub struct FrameMask {
    layout: Layout,
    regions: Vec<Region>,
    fill: [u16; 3],
    fill_words: String,
}

/// The little-endian native transfer syntaxes: their pixel bytes are the same whatever VR
/// (OB or OW) holds them.
const NATIVE_LITTLE_ENDIAN: &[&str] = &["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"];

impl FrameMask {
    /// The mask for a data set's pixel data, when it can be blanked frame by frame (native,
    /// little endian, a layout dpk cleans); `None` when it cannot be so (the whole pixel data
    /// then goes through [`blank_pixel_data`]).
    pub fn new(obj: &InMemDicomObject, transfer_syntax: &str, regions: &[Region]) -> Option<FrameMask> {
        let ts = transfer_syntax.trim_end_matches(['\0', ' ']);
        if !NATIVE_LITTLE_ENDIAN.contains(&ts) {
            return None;
        }
        let layout = Layout::of(obj).ok()?;
        if layout.photometric.ends_with("_422") || layout.photometric.ends_with("_420") {
            return None;
        }
        let (fill, fill_words) = layout.fill().ok()?;
        Some(FrameMask {
            layout,
            regions: regions.to_vec(),
            fill,
            fill_words,
        })
    }

    /// Bytes in one frame.
    pub fn frame_len(&self) -> usize {
        self.layout.frame_samples() * usize::from(self.layout.bits_allocated / 8)
    }

    /// Bytes all frames take (`None`: more than a `u64` counts, so more than any file holds).
    pub fn total_len(&self) -> Option<u64> {
        self.layout.total_bytes()
    }

    /// Frames, by Number of Frames.
    pub fn frames(&self) -> usize {
        self.layout.frames
    }

    /// The value regions are set to, in words.
    pub fn fill(&self) -> &str {
        &self.fill_words
    }

    /// Blanks the regions in one frame's bytes ([`FrameMask::frame_len`] of them).
    pub fn blank(&self, frame: &mut [u8]) {
        if self.layout.bits_allocated == 8 {
            blank_frame(frame, &self.layout, &self.regions, self.fill.map(|v| v as u8));
        } else {
            let (words, _) = frame.as_chunks_mut::<2>();
            blank_frame(
                words,
                &self.layout,
                &self.regions,
                self.fill.map(u16::to_le_bytes),
            );
        }
    }
}

/// Sets each region of one frame (regions clamped to the image) to `fill`, sample by sample.
fn blank_frame<T: Copy>(frame: &mut [T], layout: &Layout, regions: &[Region], fill: [T; 3]) {
    let (rows, columns, spp) = (layout.rows, layout.columns, layout.samples);
    for region in regions {
        let (x0, x1, y0, y1) = clamp(region, layout);
        for y in y0..y1 {
            if layout.planar == 1 && spp > 1 {
                for (s, value) in fill.iter().enumerate().take(spp) {
                    let line = s * rows * columns + y * columns;
                    frame[line + x0..line + x1].fill(*value);
                }
            } else {
                let line = y * columns * spp;
                for x in x0..x1 {
                    for s in 0..spp {
                        frame[line + x * spp + s] = fill[s];
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_clamped_and_planes_kept_apart() {
        let layout = Layout {
            rows: 2,
            columns: 3,
            samples: 3,
            bits_allocated: 8,
            bits_stored: 8,
            signed: false,
            planar: 1,
            photometric: "RGB".into(),
            frames: 1,
        };
        let mut frame = vec![7u8; 18];
        let region = Region {
            x: 2,
            y: 1,
            width: 100,
            height: 100,
        };
        blank_frame(&mut frame, &layout, &[region], [1, 2, 3]);
        // Each plane: pixel (2,1) only, the sixth of six.
        let expect: Vec<u8> = [1u8, 2, 3].iter().flat_map(|&v| [7, 7, 7, 7, 7, v]).collect();
        assert_eq!(frame, expect);
    }
}
