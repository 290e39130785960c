//! Blanking burned-in text (the Clean Pixel Data Option): how fast regions are blanked in
//! every frame of native and of JPEG Baseline pixel data, next to what a plain JPEG decode
//! and re-encode of the same frames costs (the least any pixel-changing tool that keeps JPEG
//! would pay); and the frame-by-frame cleaning of RLE and JPEG files (`anonymize_file`: each
//! frame read from the file, decoded, blanked and written native) against decoding and
//! encoding the same frames alone, printed as a ratio at the end.
//!
//! `cargo bench --bench pixels`. Figures are machine-dependent: compare runs on one machine.

#[path = "../tests/support/frames_gen.rs"]
mod frames_gen;
#[path = "../tests/support/rle.rs"]
mod rle;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dicom_core::value::{PixelFragmentSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dpk::pixels::{blank_pixel_data, Region};

const ROWS: u16 = 480;
const COLUMNS: u16 = 640;
const FRAMES: usize = 10;

/// A frame of an ultrasound-like picture: a gradient with a bright text band.
fn frame(samples: usize, f: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(usize::from(ROWS) * usize::from(COLUMNS) * samples);
    for y in 0..usize::from(ROWS) {
        for x in 0..usize::from(COLUMNS) {
            for s in 0..samples {
                let text = y < 40 && (x / 3 + y / 3) % 2 == 0;
                out.push(if text {
                    255
                } else {
                    ((x + y * 2 + f * 5 + s * 30) % 220) as u8
                });
            }
        }
    }
    out
}

fn header(samples: u16, photometric: &str) -> InMemDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    let us = |tag: Tag, v: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(v));
    obj.put(us(tags::SAMPLES_PER_PIXEL, samples));
    obj.put(us(tags::ROWS, ROWS));
    obj.put(us(tags::COLUMNS, COLUMNS));
    obj.put(us(tags::BITS_ALLOCATED, 8));
    obj.put(us(tags::BITS_STORED, 8));
    obj.put(us(tags::PLANAR_CONFIGURATION, 0));
    obj.put(DataElement::new(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        PrimitiveValue::from(photometric),
    ));
    obj.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from(FRAMES.to_string()),
    ));
    obj
}

fn jpeg(frame: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 90)
        .encode(frame, COLUMNS, ROWS, jpeg_encoder::ColorType::Rgb)
        .expect("encoded");
    out
}

fn benches(c: &mut Criterion) {
    let regions = [
        Region {
            x: 0,
            y: 0,
            width: 640,
            height: 40,
        },
        Region {
            x: 500,
            y: 420,
            width: 140,
            height: 60,
        },
    ];
    let mut native = header(1, "MONOCHROME2");
    let pixels: Vec<u8> = (0..FRAMES).flat_map(|f| frame(1, f)).collect();
    native.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PrimitiveValue::U8(pixels.into()),
    ));

    let rgb_frames: Vec<Vec<u8>> = (0..FRAMES).map(|f| frame(3, f)).collect();
    let jpeg_frames: Vec<Vec<u8>> = rgb_frames.iter().map(|f| jpeg(f)).collect();
    let mut encapsulated = header(3, "YBR_FULL_422");
    encapsulated.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(Vec::<u32>::new(), jpeg_frames.clone()),
    ));

    let mut group = c.benchmark_group("clean pixels, 10 frames of 640x480");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(
        (usize::from(ROWS) * usize::from(COLUMNS) * FRAMES) as u64,
    ));
    group.bench_function("native grey: blank", |b| {
        b.iter(|| {
            blank_pixel_data(black_box(&native), uids::EXPLICIT_VR_LITTLE_ENDIAN, &regions).expect("blanked")
        })
    });
    group.throughput(Throughput::Bytes(
        (usize::from(ROWS) * usize::from(COLUMNS) * 3 * FRAMES) as u64,
    ));
    group.bench_function("JPEG colour: decode, blank, write native", |b| {
        b.iter(|| {
            blank_pixel_data(black_box(&encapsulated), uids::JPEG_BASELINE8_BIT, &regions).expect("blanked")
        })
    });
    group.bench_function("JPEG colour: plain decode + encode", |b| {
        b.iter(|| {
            jpeg_frames
                .iter()
                .map(|f| {
                    let mut d = jpeg_decoder::Decoder::new(f.as_slice());
                    let pixels = d.decode().expect("decoded");
                    jpeg(&pixels)
                })
                .collect::<Vec<_>>()
        })
    });
    group.finish();
}

/// One RLE-encoded and one JPEG (YBR_FULL_422) file of the same cine, the profile that
/// cleans them, and their frames encoded.
struct Files {
    _dir: tempfile::TempDir,
    rle: std::path::PathBuf,
    jpeg: std::path::PathBuf,
    out: std::path::PathBuf,
    profile: dpk::ResolvedProfile,
    grey: frames_gen::Picture,
    colour: frames_gen::Picture,
    rle_frames: Vec<Vec<u8>>,
    jpeg_frames: Vec<Vec<u8>>,
}

fn files() -> Files {
    let dir = tempfile::tempdir().expect("temp dir");
    let grey = frames_gen::Picture::grey(usize::from(ROWS), usize::from(COLUMNS), FRAMES);
    let colour = frames_gen::Picture {
        samples: 3,
        photometric: "YBR_FULL_422",
        ..grey.clone()
    };
    let rle_frames: Vec<Vec<u8>> = (0..FRAMES).map(|f| grey.rle(&grey.frame(f))).collect();
    let jpeg_frames: Vec<Vec<u8>> = (0..FRAMES).map(|f| colour.jpeg(&colour.frame(f))).collect();
    let rle = dir.path().join("rle.dcm");
    let jpeg = dir.path().join("jpeg.dcm");
    frames_gen::write_encapsulated(
        &rle,
        grey.header(1),
        uids::RLE_LOSSLESS,
        frames_gen::Encapsulated::one_per_frame(rle_frames.clone()),
    );
    frames_gen::write_encapsulated(
        &jpeg,
        colour.header(2),
        uids::JPEG_BASELINE8_BIT,
        frames_gen::Encapsulated::one_per_frame(jpeg_frames.clone()),
    );
    let regions = [(0, 0, usize::from(COLUMNS), 40), (500, 420, 140, 60)];
    let profile = dpk::Profile::from_ron(&frames_gen::profile_ron(&grey, &regions), "bench.ron")
        .expect("profile")
        .resolve()
        .expect("resolves");
    let out = dir.path().join("out.dcm");
    Files {
        _dir: dir,
        rle,
        jpeg,
        out,
        profile,
        grey,
        colour,
        rle_frames,
        jpeg_frames,
    }
}

fn ctx() -> dpk::Context {
    dpk::Context::new(dpk::Salt::new(b"pixel-bench-salt-of-32-bytes-xyz".to_vec()).expect("salt"))
}

/// Cleans `input` frame by frame into `out`.
fn clean_file(input: &Path, out: &Path, profile: &dpk::ResolvedProfile, ctx: &dpk::Context) {
    dpk::anonymize_file(input, out, profile, ctx).expect("cleaned");
}

/// Decodes every RLE frame (dpk's decoder) and encodes it again: what any tool that keeps RLE
/// pays.
fn rle_decode_encode(f: &Files) -> usize {
    let header = f.grey.header(1);
    let form = dpk::pixels::FrameForm::of(&header, uids::RLE_LOSSLESS).expect("form");
    f.rle_frames
        .iter()
        .map(|frame| {
            let native = form.native(frame.clone()).expect("decoded");
            let samples: Vec<u16> = native.iter().map(|&b| u16::from(b)).collect();
            f.grey.rle(&samples).len()
        })
        .sum()
}

/// Decodes every JPEG frame and encodes it again.
fn jpeg_decode_encode(f: &Files) -> usize {
    f.jpeg_frames
        .iter()
        .map(|frame| {
            let mut d = jpeg_decoder::Decoder::new(frame.as_slice());
            let pixels: Vec<u16> = d.decode().expect("decoded").into_iter().map(u16::from).collect();
            f.colour.jpeg(&pixels).len()
        })
        .sum()
}

fn frame_by_frame(c: &mut Criterion) {
    let f = files();
    let ctx = ctx();
    let mut group = c.benchmark_group("frame by frame, 10 frames of 640x480");
    group.sample_size(10);
    group.bench_function("RLE grey: clean the file frame by frame", |b| {
        b.iter(|| clean_file(&f.rle, &f.out, &f.profile, &ctx))
    });
    group.bench_function("RLE grey: decode + encode alone", |b| {
        b.iter(|| rle_decode_encode(black_box(&f)))
    });
    group.bench_function("JPEG colour: clean the file frame by frame", |b| {
        b.iter(|| clean_file(&f.jpeg, &f.out, &f.profile, &ctx))
    });
    group.bench_function("JPEG colour: decode + encode alone", |b| {
        b.iter(|| jpeg_decode_encode(black_box(&f)))
    });
    group.finish();
    // The ratio, by the median of a few runs of each.
    let median = |work: &mut dyn FnMut()| {
        let mut times: Vec<Duration> = (0..5)
            .map(|_| {
                let start = Instant::now();
                work();
                start.elapsed()
            })
            .collect();
        times.sort();
        times[2].as_secs_f64()
    };
    let rle_clean = median(&mut || clean_file(&f.rle, &f.out, &f.profile, &ctx));
    let rle_codec = median(&mut || {
        black_box(rle_decode_encode(&f));
    });
    let jpeg_clean = median(&mut || clean_file(&f.jpeg, &f.out, &f.profile, &ctx));
    let jpeg_codec = median(&mut || {
        black_box(jpeg_decode_encode(&f));
    });
    println!(
        "frame-by-frame cleaning / (decode + encode alone): RLE {:.2} ({:.1} ms / {:.1} ms), JPEG {:.2} ({:.1} ms / {:.1} ms)",
        rle_clean / rle_codec,
        rle_clean * 1e3,
        rle_codec * 1e3,
        jpeg_clean / jpeg_codec,
        jpeg_clean * 1e3,
        jpeg_codec * 1e3
    );
}

criterion_group!(pixels, benches, frame_by_frame);
criterion_main!(pixels);
