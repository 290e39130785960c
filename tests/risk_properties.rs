//! Property: the risk score is monotone. Removing a set of elements (at any depth) never
//! scores higher than removing a subset of it, on every valid fixture.

use std::path::{Path, PathBuf};

use dicom_core::value::Value;
use dicom_object::InMemDicomObject;
use dpk::risk::{score, Weights};
use proptest::prelude::*;

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out: Vec<PathBuf> = [
        "ct_explicit_le.dcm",
        "mr_implicit_le.dcm",
        "demo.dcm",
        "us_multiframe.dcm",
        "pn_utf8.dcm",
    ]
    .iter()
    .map(|n| root.join(n))
    .collect();
    out.push(root.join("study/series2/img1.dcm"));
    out
}

/// How many elements the dataset has, counting nested ones, in walk order.
fn count(obj: &InMemDicomObject) -> usize {
    obj.iter()
        .map(|el| {
            1 + match el.value() {
                Value::Sequence(s) => s.items().iter().map(count).sum(),
                _ => 0,
            }
        })
        .sum()
}

/// A copy without the elements whose walk-order index is in `drop` (a dropped sequence takes
/// its contents with it).
fn without(obj: &InMemDicomObject, drop: &[bool], next: &mut usize) -> InMemDicomObject {
    let mut out = InMemDicomObject::new_empty();
    for el in obj.iter() {
        let index = *next;
        *next += 1;
        let skip_below = |next: &mut usize, el: &dicom_object::mem::InMemElement| {
            if let Value::Sequence(s) = el.value() {
                *next += s.items().iter().map(count).sum::<usize>();
            }
        };
        if drop.get(index).copied().unwrap_or(false) {
            skip_below(next, el);
            continue;
        }
        match el.value() {
            Value::Sequence(s) => {
                let items: Vec<InMemDicomObject> =
                    s.items().iter().map(|item| without(item, drop, next)).collect();
                out.put(dicom_core::DataElement::new(
                    el.header().tag,
                    el.vr(),
                    dicom_core::value::DataSetSequence::from(items),
                ));
            }
            _ => {
                out.put(el.clone());
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn removing_more_never_scores_higher(
        file in 0usize..6,
        picks in proptest::collection::vec((any::<bool>(), any::<bool>()), 400),
    ) {
        let weights = Weights::builtin();
        let original = dpk::dataset::open(&fixtures()[file]).unwrap().into_inner();
        let n = count(&original);
        // `smaller` drops a subset of what `larger` drops.
        let larger: Vec<bool> = (0..n).map(|i| picks[i % picks.len()].0).collect();
        let smaller: Vec<bool> = (0..n).map(|i| larger[i] && picks[i % picks.len()].1).collect();
        let s_none = score(&original, &weights).score;
        let s_small = score(&without(&original, &smaller, &mut 0), &weights).score;
        let s_large = score(&without(&original, &larger, &mut 0), &weights).score;
        prop_assert!(s_small <= s_none, "{s_small} > {s_none}");
        prop_assert!(s_large <= s_small, "{s_large} > {s_small}");
    }
}

#[test]
fn the_removal_helper_removes() {
    let weights = Weights::builtin();
    let original = dpk::dataset::open(&fixtures()[0]).unwrap().into_inner();
    let n = count(&original);
    assert!(n > 100, "{n}");
    let kept = without(&original, &vec![false; n], &mut 0);
    assert_eq!(count(&kept), n);
    assert_eq!(score(&kept, &weights).score, score(&original, &weights).score);
    let emptied = without(&original, &vec![true; n], &mut 0);
    assert_eq!(count(&emptied), 0);
    assert_eq!(score(&emptied, &weights).score, 0.0);
}
