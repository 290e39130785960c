//! The inspector's per-keypress work on a 2,000-element dataset: re-plan, re-score, and draw a
//! 160x48 frame, measured as a whole and step by step.
//!
//! `cargo bench --bench tui`. Figures are machine-dependent: compare runs on one machine.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
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
    assert!(app.plan.entries.len() >= 2000, "{}", app.plan.entries.len());
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");

    c.bench_function(
        "keypress: cycle action, re-plan, re-score, draw (2,000 elements, 160x48)",
        |b| {
            b.iter(|| {
                app.update(Action::CycleAction);
                terminal.draw(|f| view::draw(f, &mut app)).expect("draw");
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
            let _ = terminal.draw(|f| view::draw(f, &mut app)).expect("draw");
        })
    });
}

criterion_group!(tui, benches);
criterion_main!(tui);
