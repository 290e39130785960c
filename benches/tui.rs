//! The inspector's per-keypress work on a 2,000-element dataset: re-plan, re-score, and draw a
//! 160x48 frame, measured as a whole and step by step; and the time from `dpk-tui FILE` to its
//! first frame on a 200 MB multi-frame file, whose pixel data is never read.
//!
//! `cargo bench --bench tui`. Figures are machine-dependent: compare runs on one machine.

use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Parser;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dpk::dataset::DicomFile;
use dpk::engine::{Context, Salt};
use dpk::risk::{score, Weights};
use dpk::tui::app::{Action, App};
use dpk::tui::{view, DEMO};
use dpk::Profile;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

#[path = "../tests/support/large_files.rs"]
mod large_files;

/// The demo header grown to about 2,000 elements with a kept sequence of coded items.
fn big() -> DicomFile {
    let mut file = dpk::dataset::open_bytes(DEMO, "demo.dcm").expect("demo");
    let items: Vec<InMemDicomObject> = (0..620)
        .map(|i| {
            InMemDicomObject::from_element_iter([
                DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(format!("C{i}"))),
                DataElement::new(
                    tags::CODING_SCHEME_DESIGNATOR,
                    VR::SH,
                    PrimitiveValue::from("99DPK"),
                ),
                DataElement::new(
                    tags::CODE_MEANING,
                    VR::LO,
                    PrimitiveValue::from(format!("finding {i}")),
                ),
            ])
        })
        .collect();
    file.put(DataElement::new(
        tags::ANATOMIC_REGION_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(items),
    ));
    file
}

fn benches(c: &mut Criterion) {
    let ctx = || Context::new(Salt::new(b"benchmark-salt-0000000001".to_vec()).expect("salt"));
    let mut app = App::new(
        "big".into(),
        big(),
        Profile::builtin("basic").expect("basic"),
        ctx(),
        false,
    )
    .expect("app");
    assert!(
        app.doc.plan.entries.len() >= 2000,
        "{}",
        app.doc.plan.entries.len()
    );
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");

    c.bench_function(
        "keypress: cycle action, re-plan, re-score, draw (2,000 elements, 160x48)",
        |b| {
            b.iter(|| {
                app.update(Action::CycleAction);
                terminal.draw(|f| view::draw(f, &app)).expect("draw");
            })
        },
    );

    let file = big();
    let profile = Profile::builtin("basic")
        .and_then(|p| p.resolve())
        .expect("profile");
    let context = ctx();
    let weights = Weights::builtin();
    let plan = dpk::plan(&file, &profile, &context).expect("plan");
    c.bench_function("  step: plan", |b| {
        b.iter(|| dpk::plan(black_box(&file), &profile, &context))
    });
    c.bench_function("  step: apply (clone of the header included)", |b| {
        b.iter(|| dpk::apply(black_box(&plan), file.clone()))
    });
    let after = dpk::apply(&plan, file.clone()).expect("apply").into_inner();
    c.bench_function("  step: score after", |b| {
        b.iter(|| score(black_box(&after), &weights))
    });
    c.bench_function("  step: draw 160x48", |b| {
        b.iter(|| {
            let _ = terminal.draw(|f| view::draw(f, &app)).expect("draw");
        })
    });
}

/// The ultrasound fixture's header as a multi-frame image of 640 × 480 8-bit frames, about
/// `bytes` of native pixel data in all. The header goes through the DICOM writer (explicit VR
/// little endian); the pixel data element is appended after it a frame at a time, so that
/// making the file holds one frame in memory, not the whole value.
fn multiframe(dir: &Path, bytes: u64) -> PathBuf {
    use dicom_encoding::TransferSyntaxIndex;
    let frame = vec![0x5Au8; 640 * 480];
    let frames = bytes.div_ceil(frame.len() as u64);
    let pixel_bytes = u32::try_from(frames * frame.len() as u64).expect("under 4 GiB");
    let mut file = dpk::dataset::open(large_files::fixture("us_multiframe.dcm")).expect("fixture");
    large_files::set_size(&mut file, 480, 640);
    file.put(DataElement::new(
        tags::NUMBER_OF_FRAMES,
        VR::IS,
        PrimitiveValue::from(frames.to_string()),
    ));
    file.remove_element(tags::PIXEL_DATA);
    let explicit_le = dicom_transfer_syntax_registry::TransferSyntaxRegistry
        .get(large_files::EXPLICIT_LE)
        .expect("explicit VR little endian");
    file.meta_mut().set_transfer_syntax(explicit_le);
    let path = dir.join("multiframe.dcm");
    let mut out = BufWriter::new(std::fs::File::create(&path).expect("create"));
    file.write_all(&mut out).expect("header");
    // (7FE0,0010) OB: tag, VR, two reserved bytes and a 4-byte length, little endian.
    let mut element_header = vec![0xE0, 0x7F, 0x10, 0x00, b'O', b'B', 0, 0];
    element_header.extend_from_slice(&pixel_bytes.to_le_bytes());
    out.write_all(&element_header).expect("pixel data header");
    for _ in 0..frames {
        out.write_all(&frame).expect("frame");
    }
    out.flush().expect("flush");
    path
}

/// What `dpk-tui FILE` does before its first frame on a 200 MB multi-frame file (read the
/// header around the pixel data, plan and score, draw 160x48), as a whole and step by step.
fn first_frame(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = multiframe(dir.path(), 200 << 20);
    let size = std::fs::metadata(&path).expect("file").len();
    assert!(size >= 200 << 20, "{size} bytes");
    let header = dpk::dataset::open_header(&path).expect("header");
    assert!(header.pixel_data.is_some(), "the pixel data was read into memory");
    let args = dpk::tui::Args::try_parse_from([Path::new("dpk-tui"), &path]).expect("arguments");

    c.bench_function("open to first frame (200 MB multi-frame)", |b| {
        b.iter(|| {
            let mut app = dpk::tui::open(&args).expect("open");
            app.update(Action::Resize(160, 48));
            let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
            terminal.draw(|f| view::draw(f, &app)).expect("draw");
        })
    });

    let new_app = |header: dpk::dataset::Header| {
        let ctx = Context::new(Salt::new(b"benchmark-salt-0000000001".to_vec()).expect("salt"));
        App::new(
            "multiframe.dcm".into(),
            header,
            Profile::builtin("basic").expect("basic"),
            ctx,
            true,
        )
        .expect("app")
    };
    let open_header = || dpk::dataset::open_header(&path).expect("header");
    c.bench_function("  step: open_header (200 MB multi-frame)", |b| {
        b.iter(open_header)
    });
    c.bench_function("  step: App::new (plan, apply, score)", |b| {
        b.iter_batched(open_header, new_app, BatchSize::SmallInput)
    });
    c.bench_function("  step: first draw 160x48", |b| {
        b.iter_batched(
            || new_app(open_header()),
            |mut app| {
                app.update(Action::Resize(160, 48));
                let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
                terminal.draw(|f| view::draw(f, &app)).expect("draw");
                app
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(tui, benches, first_frame);
criterion_main!(tui);
