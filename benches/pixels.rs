//! Blanking burned-in text (the Clean Pixel Data Option): how fast regions are blanked in
//! every frame of native and of JPEG Baseline pixel data, next to what a plain JPEG decode
//! and re-encode of the same frames costs (the least any pixel-changing tool that keeps JPEG
//! would pay).
//!
//! `cargo bench --bench pixels`. Figures are machine-dependent: compare runs on one machine.

use std::hint::black_box;

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

criterion_group!(pixels, benches);
criterion_main!(pixels);
