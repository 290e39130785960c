//! Blanking regions of every frame of an image.
//!
//! Native pixel data is blanked where it lies; RLE Lossless and JPEG Baseline pixel data is
//! decoded first and written native (Explicit VR Little Endian), so no lossy step is added.
//! [`blank_pixel_data`] works on pixel data held in memory whole; [`FrameMask`] blanks native
//! little-endian frames one at a time as they are copied.

use std::borrow::Cow;

use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::rules::Region;

/// Explicit VR Little Endian: what decoded pixel data is written as.
pub const EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1";
const NATIVE: &[&str] = &[
    "1.2.840.10008.1.2",
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.2",
    "1.2.840.10008.1.2.1.99",
];
/// The most decoded (RLE or JPEG) pixel data dpk holds in memory to clean it.
const MAX_DECODED_BYTES: u64 = 4 << 30;
const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";
const JPEG_BASELINE: &str = "1.2.840.10008.1.2.4.50";

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
    /// The pixels were decoded from JPEG, a lossy compression.
    pub from_lossy: bool,
    /// The value the regions were set to, in words.
    pub fill: String,
    /// Frames blanked.
    pub frames: u32,
}

/// The attributes that say how pixels are laid out (PS3.3 C.7.6.3).
#[derive(Clone, Debug)]
struct Layout {
    rows: usize,
    columns: usize,
    samples: usize,
    bits_allocated: u16,
    bits_stored: u16,
    signed: bool,
    planar: u16,
    photometric: String,
    frames: usize,
}

fn number(obj: &InMemDicomObject, tag: dicom_core::Tag) -> Option<u32> {
    let el = obj.get(tag)?;
    el.value().to_int::<u32>().ok()
}

impl Layout {
    fn of(obj: &InMemDicomObject) -> Result<Layout, MaskError> {
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

    fn frame_samples(&self) -> usize {
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
        fill: String::new(),
        frames: layout.frames as u32,
    };
    let mut samples = if NATIVE.contains(&ts) {
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
    } else if ts == RLE_LOSSLESS || ts == JPEG_BASELINE {
        // Decoded pixels are held whole: refuse sizes no real image has before reserving them.
        match layout.total_bytes() {
            Some(n) if n <= MAX_DECODED_BYTES => {}
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
        }
        let (Some(fragments), Some(offsets)) = (element.value().fragments(), element.value().offset_table())
        else {
            return fail(format!("pixel data in transfer syntax {ts} is not encapsulated"));
        };
        let frames = split_frames(fragments, offsets, layout.frames, ts == JPEG_BASELINE)?;
        let decoded = if ts == RLE_LOSSLESS {
            decode_rle(&frames, &layout)?
        } else {
            blanked.from_lossy = true;
            decode_jpeg(&frames, &mut layout)?
        };
        if layout.samples == 3 {
            if layout.planar != 0 {
                blanked.planar_configuration = Some(0);
            }
            layout.planar = 0;
        }
        if ts == JPEG_BASELINE && layout.samples == 3 && layout.photometric != "RGB" {
            layout.photometric = "RGB".into();
            blanked.photometric = Some("RGB");
        }
        blanked.transfer_syntax = Some(EXPLICIT_VR_LITTLE_ENDIAN);
        decoded
    } else {
        return fail(format!(
            "cannot clean pixels of transfer syntax {} (dpk cleans native, RLE Lossless and JPEG Baseline pixel data)",
            crate::terminal_text::escape(ts)
        ));
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

/// Native little-endian pixel data blanked a frame at a time as it is copied, so that
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
        let x0 = (region.x as usize).min(columns);
        let x1 = (region.x as usize)
            .saturating_add(region.width as usize)
            .min(columns);
        let y0 = (region.y as usize).min(rows);
        let y1 = (region.y as usize)
            .saturating_add(region.height as usize)
            .min(rows);
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

/// The bytes of each frame of encapsulated pixel data (PS3.5 A.4): one fragment per frame,
/// all fragments for a single frame, the Basic Offset Table's grouping, or for JPEG without
/// a table, fragments up to each one that ends a JPEG stream (EOI, FFD9, maybe padded).
fn split_frames<'f>(
    fragments: &'f [Vec<u8>],
    offsets: &[u32],
    frames: usize,
    jpeg: bool,
) -> Result<Vec<Cow<'f, [u8]>>, MaskError> {
    if fragments.len() == frames {
        return Ok(fragments.iter().map(|f| Cow::Borrowed(f.as_slice())).collect());
    }
    if frames == 1 {
        return Ok(vec![Cow::Owned(fragments.concat())]);
    }
    if offsets.is_empty() && jpeg {
        let ends_stream = |f: &[u8]| {
            let f = f.strip_suffix(&[0]).unwrap_or(f);
            f.ends_with(&[0xFF, 0xD9])
        };
        let mut out: Vec<Cow<'f, [u8]>> = Vec::with_capacity(frames);
        let mut current = Vec::new();
        for fragment in fragments {
            current.extend_from_slice(fragment);
            if ends_stream(fragment) {
                out.push(Cow::Owned(std::mem::take(&mut current)));
            }
        }
        if out.len() == frames && current.is_empty() {
            return Ok(out);
        }
    }
    if offsets.len() != frames {
        return fail(format!(
            "{} fragments hold {frames} frames and no Basic Offset Table says which is which",
            fragments.len()
        ));
    }
    let mut out: Vec<Vec<u8>> = vec![Vec::new(); frames];
    let mut position = 0u64;
    for fragment in fragments {
        let frame = offsets
            .iter()
            .rposition(|&o| u64::from(o) <= position)
            .unwrap_or(0);
        out[frame].extend_from_slice(fragment);
        position += fragment.len() as u64 + 8;
    }
    Ok(out.into_iter().map(Cow::Owned).collect())
}

/// Decodes RLE Lossless frames (PS3.5 Annex G) into interleaved native samples.
fn decode_rle(frames: &[Cow<'_, [u8]>], layout: &Layout) -> Result<Samples, MaskError> {
    let bytes_per_sample = usize::from(layout.bits_allocated / 8);
    let pixels = layout.rows * layout.columns;
    let mut out = match bytes_per_sample {
        1 => Samples::Bytes(Vec::with_capacity(pixels * layout.samples * frames.len())),
        _ => Samples::Words(Vec::with_capacity(pixels * layout.samples * frames.len())),
    };
    for (f, frame) in frames.iter().enumerate() {
        let header = |i: usize| {
            frame
                .get(i * 4..i * 4 + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        let count = header(0).ok_or_else(|| MaskError(format!("RLE frame {} has no header", f + 1)))?;
        if count != layout.samples * bytes_per_sample {
            return fail(format!(
                "RLE frame {} has {count} segments; {} samples of {} bytes need {}",
                f + 1,
                layout.samples,
                bytes_per_sample,
                layout.samples * bytes_per_sample
            ));
        }
        let mut segments = Vec::with_capacity(count);
        for k in 0..count {
            let start = header(k + 1).unwrap_or(0);
            let end = if k + 1 < count {
                header(k + 2).unwrap_or(0)
            } else {
                frame.len()
            };
            let data = frame
                .get(start..end.max(start).min(frame.len()))
                .filter(|_| start >= 64)
                .ok_or_else(|| MaskError(format!("RLE frame {} segment {} lies outside it", f + 1, k + 1)))?;
            segments.push(
                unpack_bits(data, pixels).ok_or_else(|| {
                    MaskError(format!("RLE frame {} segment {} decodes short", f + 1, k + 1))
                })?,
            );
        }
        // Segments are sample by sample, most significant byte first (PS3.5 G.2).
        let segments = &segments;
        match &mut out {
            Samples::Bytes(b) => b.extend((0..pixels).flat_map(|p| segments.iter().map(move |seg| seg[p]))),
            Samples::Words(w) => w.extend((0..pixels).flat_map(|p| {
                segments
                    .chunks_exact(2)
                    .map(move |pair| u16::from_be_bytes([pair[0][p], pair[1][p]]))
            })),
        }
    }
    Ok(out)
}

/// One RLE segment (PackBits, PS3.5 G.3.1), `len` bytes long; `None` when it decodes short.
fn unpack_bits(data: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(len);
    let mut i = 0;
    while out.len() < len && i < data.len() {
        let n = data[i] as i8;
        i += 1;
        match n {
            0..=127 => {
                let run = data.get(i..i + n as usize + 1)?;
                out.extend_from_slice(run);
                i += n as usize + 1;
            }
            -127..=-1 => {
                let b = *data.get(i)?;
                out.extend(std::iter::repeat_n(b, 1 + (-(n as i16)) as usize));
                i += 1;
            }
            -128 => {}
        }
    }
    (out.len() >= len).then(|| {
        out.truncate(len);
        out
    })
}

/// Decodes JPEG Baseline frames (ISO 10918-1, 8-bit) into interleaved samples; colour comes
/// out as RGB, which `layout` then says.
fn decode_jpeg(frames: &[Cow<'_, [u8]>], layout: &mut Layout) -> Result<Samples, MaskError> {
    use jpeg_decoder::{ColorTransform, Decoder, PixelFormat};
    if layout.bits_allocated != 8 {
        return fail(format!(
            "JPEG Baseline pixel data with Bits Allocated {}",
            layout.bits_allocated
        ));
    }
    let mut out = Vec::with_capacity(layout.frame_samples() * frames.len());
    for (f, frame) in frames.iter().enumerate() {
        let mut decoder = Decoder::new(frame.as_ref());
        // YBR_FULL_422 says the stream is YCbCr. Under another name (RGB, which some
        // writers use for YCbCr streams too) the stream's own markers decide (JFIF, Adobe,
        // component identifiers), as libjpeg reads them.
        if layout.samples == 3 && layout.photometric.starts_with("YBR") {
            decoder.set_color_transform(ColorTransform::YCbCr);
        }
        let pixels = decoder
            .decode()
            .map_err(|e| MaskError(format!("JPEG frame {} does not decode: {e}", f + 1)))?;
        let Some(info) = decoder.info() else {
            return fail(format!("JPEG frame {} has no frame header", f + 1));
        };
        let samples = match info.pixel_format {
            PixelFormat::L8 => 1,
            PixelFormat::RGB24 => 3,
            other => return fail(format!("JPEG frame {} decodes to {other:?}", f + 1)),
        };
        if usize::from(info.width) != layout.columns
            || usize::from(info.height) != layout.rows
            || samples != layout.samples
        {
            return fail(format!(
                "JPEG frame {} is {}×{}×{samples}; the data set says {}×{}×{}",
                f + 1,
                info.width,
                info.height,
                layout.columns,
                layout.rows,
                layout.samples
            ));
        }
        out.extend_from_slice(&pixels);
    }
    Ok(Samples::Bytes(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packbits_runs_and_literals_decode() {
        // literal 3 bytes, run of 4 × 9, no-op, literal 1
        let data = [2, 1, 2, 3, (-3i8) as u8, 9, 0x80, 0, 7];
        assert_eq!(unpack_bits(&data, 8), Some(vec![1, 2, 3, 9, 9, 9, 9, 7]));
        assert_eq!(unpack_bits(&data, 9), None);
    }

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
