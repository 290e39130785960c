//! The per-keypress work of the TUI and the per-file work of a batch, on the CT fixture
//! (a typical ~150-element header): plan, apply, score and diff, and the whole pipeline of
//! one file from its bytes to the bytes of its anonymization.
//!
//! `cargo bench --bench engine`. Figures are machine-dependent: compare runs on one machine.

use std::hint::black_box;

#[path = "../tests/support/deid_text.rs"]
mod deid_text;

use criterion::{criterion_group, criterion_main, Criterion};
use dpk::dataset::{self, DicomFile};
use dpk::diff::diff_files;
use dpk::risk::{score, Weights};
use dpk::{Context, Profile, Salt};

const CT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/ct_explicit_le.dcm");

fn ct() -> DicomFile {
    dataset::open(CT).expect("fixture")
}

fn benches(c: &mut Criterion) {
    let profile = Profile::builtin("basic")
        .and_then(|p| p.resolve())
        .expect("basic");
    let ctx = Context::new(Salt::new(b"benchmark-salt-0000000001".to_vec()).expect("salt"));
    let weights = Weights::builtin();
    let original = ct();
    let plan = dpk::plan(&original, &profile, &ctx).expect("plan");
    let anonymized = dpk::apply(&plan, ct()).expect("apply");

    c.bench_function("plan (CT header, basic)", |b| {
        b.iter(|| dpk::plan(black_box(&original), &profile, &ctx).expect("plan"))
    });
    c.bench_function("plan + apply (CT header, basic)", |b| {
        b.iter_batched(
            ct,
            |file| {
                let plan = dpk::plan(&file, &profile, &ctx).expect("plan");
                dpk::apply(&plan, file).expect("apply")
            },
            criterion::BatchSize::SmallInput,
        )
    });
    // The second half of the above alone, on the same fresh inputs.
    c.bench_function("apply (CT header, basic)", |b| {
        b.iter_batched(
            ct,
            |file| dpk::apply(&plan, file).expect("apply"),
            criterion::BatchSize::SmallInput,
        )
    });
    // Parse, plan, apply and encode, as a batch does for each file, without the disk.
    let bytes = std::fs::read(CT).expect("fixture");
    let mut encoded = Vec::with_capacity(2 * bytes.len());
    c.bench_function(
        "whole file in memory (CT bytes → anonymized bytes, basic)",
        |b| {
            b.iter(|| {
                let file = dataset::open_bytes(black_box(&bytes), CT).expect("parse");
                let plan = dpk::plan(&file, &profile, &ctx).expect("plan");
                let out = dpk::apply(&plan, file).expect("apply");
                encoded.clear();
                out.write_all(&mut encoded).expect("encode");
                encoded.len()
            })
        },
    );
    c.bench_function("score (CT header, before)", |b| {
        b.iter(|| score(black_box(&original), &weights))
    });
    c.bench_function("score (CT header, after basic)", |b| {
        b.iter(|| score(black_box(&anonymized), &weights))
    });
    c.bench_function("diff (CT header vs its anonymization)", |b| {
        b.iter(|| diff_files(black_box(&original), black_box(&anonymized)))
    });
    // Clean (PS3.15 C) at scale: linear in the text, whatever the number of names.
    let people = deid_text::many_people(50_000);
    let ids = dpk::engine::clean::Identifiers::gather(&people);
    let text = deid_text::long_text(4 << 20, 50_000, 7);
    let mut group = c.benchmark_group("clean");
    group.sample_size(10);
    group.bench_function("clean (50,000 names, 4 MB text)", |b| {
        b.iter(|| ids.clean(black_box(&text), dicom_core::VR::UT))
    });
    group.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
