//! Property: for any valid dataset — a random mix of PS3.15 Table E.1-1 attributes with values
//! valid for their VR, sequences nested up to three deep, private blocks with and without their
//! creators, multi-valued strings — written as a real file in Explicit VR Little Endian,
//! Implicit VR Little Endian and Explicit VR Big Endian, the Basic Profile
//! - writes an output that opens again and passes `dpk verify`;
//! - leaves no attribute it removes (X, or a combined code that resolves to X) at any depth,
//!   as decided by the profile itself;
//! - gives byte-identical outputs for the same salt;
//! - gives other new UIDs for another salt.
//!
//! Each dataset starts from a real file meta group and SOP Class of the CT or US fixture.

use std::path::{Path, PathBuf};

use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::meta::FileMetaTable;
use dicom_object::InMemDicomObject;
use dpk::confidentiality::iod;
use dpk::dataset::{self, private, strings_of, Snapshot, TagPath};
use dpk::diff::ChangeKind;
use dpk::profile::{ElementContext, SelectorKind};
use dpk::{Action, Context, Profile, ResolvedProfile, Salt};
use proptest::prelude::*;

const SALT: &[u8] = b"random-datasets-salt-0001";
const OTHER_SALT: &[u8] = b"random-datasets-salt-0002";

/// The three transfer syntaxes dicom-object writes natively.
const SYNTAXES: [(&str, &str); 3] = [
    ("1.2.840.10008.1.2.1", "explicit-le"),
    ("1.2.840.10008.1.2", "implicit-le"),
    ("1.2.840.10008.1.2.2", "explicit-be"),
];

/// Attributes whose Value Multiplicity is 1-n (PS3.6), which get one to three values.
const MULTI_VALUED: &[&str] = &[
    "OtherPatientNames",
    "PatientTelephoneNumbers",
    "PerformingPhysicianName",
    "OperatorsName",
    "NameOfPhysiciansReadingStudy",
    "PhysiciansOfRecord",
    "ReferringPhysicianTelephoneNumbers",
    "IrradiationEventUID",
    "AdmittingDiagnosesDescription",
];

/// The VRs this generator writes values for.
const VALUE_VRS: [VR; 12] = [
    VR::PN,
    VR::LO,
    VR::SH,
    VR::CS,
    VR::DA,
    VR::TM,
    VR::DT,
    VR::UI,
    VR::AS,
    VR::LT,
    VR::ST,
    VR::UT,
];

/// What the generator draws from: the Basic Profile resolved, and its Table E.1-1 rows that
/// name one public attribute of an exact VR, split into value attributes and sequences.
struct Pool {
    profile: ResolvedProfile,
    values: Vec<(Tag, VR)>,
    sequences: Vec<Tag>,
    bases: Vec<Base>,
}

/// A fixture's file meta group and SOP Class, the frame of every generated file.
struct Base {
    meta: FileMetaTable,
    sop_class: String,
    modality: String,
}

fn pool() -> &'static Pool {
    static POOL: std::sync::OnceLock<Pool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        let basic = Profile::builtin("basic").unwrap();
        let (mut values, mut sequences) = (Vec::new(), Vec::new());
        for rule in &basic.rules {
            let SelectorKind::Tag(tag) = rule.select.kind() else {
                continue;
            };
            // The frame of the file (SOP Class and Instance, character set) is set apart.
            if matches!(
                *tag,
                tags::SOP_CLASS_UID | tags::SOP_INSTANCE_UID | tags::SPECIFIC_CHARACTER_SET
            ) || tag.group() == 0x0002
            {
                continue;
            }
            match dataset::dictionary_vr(*tag) {
                Some(VR::SQ) => sequences.push(*tag),
                Some(vr) if VALUE_VRS.contains(&vr) => values.push((*tag, vr)),
                _ => {}
            }
        }
        assert!(values.len() > 200, "only {} value attributes", values.len());
        assert!(sequences.len() > 30, "only {} sequences", sequences.len());
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let bases = ["ct_explicit_le.dcm", "us_multiframe.dcm"]
            .iter()
            .map(|name| {
                let file = dataset::open(root.join(name)).unwrap();
                Base {
                    meta: file.meta().clone(),
                    sop_class: dataset::sop_class_uid(&file).unwrap(),
                    modality: dataset::text_of(&file, tags::MODALITY).unwrap(),
                }
            })
            .collect();
        Pool {
            profile: Profile::builtin("basic").unwrap().resolve().unwrap(),
            values,
            sequences,
            bases,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The generated datasets
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Node {
    /// A value attribute (index into the pool) and its values.
    Value(usize, Vec<String>),
    /// A sequence (index into the pool) and its items.
    Sequence(usize, Vec<Vec<Node>>),
    /// A private block of an odd group: its creator, absent for an orphaned block, and its
    /// elements by offset.
    Private {
        group: u16,
        block: u8,
        creator: Option<String>,
        elements: Vec<(u8, VR, String)>,
    },
}

#[derive(Clone, Debug)]
struct Spec {
    base: usize,
    utf8: bool,
    sop_instance: String,
    nodes: Vec<Node>,
}

fn uid() -> impl Strategy<Value = String> {
    proptest::collection::vec(1u32..=999_999, 1..5)
        .prop_map(|parts| {
            let tail: Vec<String> = parts.iter().map(u32::to_string).collect();
            format!("1.2.826.0.1.3680043.10.543.{}", tail.join("."))
        })
        .boxed()
}

fn date() -> impl Strategy<Value = String> {
    (1900u32..=2099, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}{m:02}{d:02}"))
}

fn time() -> impl Strategy<Value = String> {
    (
        0u32..24,
        0u32..60,
        0u32..60,
        proptest::option::of(0u32..1_000_000),
    )
        .prop_map(|(h, m, s, f)| match f {
            Some(f) => format!("{h:02}{m:02}{s:02}.{f:06}"),
            None => format!("{h:02}{m:02}{s:02}"),
        })
}

/// Invented person names: ASCII, or with Latin and Japanese letters when the dataset is UTF-8.
fn name_part(utf8: bool) -> BoxedStrategy<String> {
    if utf8 {
        prop_oneof![
            "[A-Z][a-z]{1,7}",
            Just("Müllerová".to_string()),
            Just("Åsgård".to_string()),
            Just("志村".to_string()),
        ]
        .boxed()
    } else {
        "[A-Z][a-z]{1,7}".boxed()
    }
}

fn person_name(utf8: bool) -> impl Strategy<Value = String> {
    proptest::collection::vec(name_part(utf8), 1..=5).prop_map(|parts| parts.join("^"))
}

fn value(vr: VR, utf8: bool) -> BoxedStrategy<String> {
    match vr {
        VR::PN => person_name(utf8).boxed(),
        VR::LO => "[A-Za-z0-9][A-Za-z0-9 ,.()-]{0,40}".boxed(),
        VR::SH => "[A-Za-z0-9][A-Za-z0-9 .-]{0,14}".boxed(),
        VR::CS => "[A-Z0-9_]{1,16}".boxed(),
        VR::DA => date().boxed(),
        VR::TM => time().boxed(),
        VR::DT => (
            date(),
            time(),
            proptest::option::of(prop_oneof![Just("+0100"), Just("-0500"), Just("+0000")]),
        )
            .prop_map(|(d, t, z)| format!("{d}{t}{}", z.unwrap_or_default()))
            .boxed(),
        VR::UI => uid().boxed(),
        VR::AS => (
            0u32..=120,
            prop_oneof![Just('D'), Just('W'), Just('M'), Just('Y')],
        )
            .prop_map(|(n, unit)| format!("{n:03}{unit}"))
            .boxed(),
        _ => "[A-Za-z0-9][A-Za-z0-9 ,.:;()-]{0,120}".boxed(),
    }
}

fn value_node(utf8: bool) -> impl Strategy<Value = Node> {
    let pool = pool();
    (0..pool.values.len()).prop_flat_map(move |i| {
        let (tag, vr) = pool.values[i];
        let multi = dataset::keyword(tag).is_some_and(|k| MULTI_VALUED.contains(&k));
        let count = if multi { 1..4 } else { 1..2 };
        proptest::collection::vec(value(vr, utf8), count).prop_map(move |v| Node::Value(i, v))
    })
}

fn private_node() -> impl Strategy<Value = Node> {
    let element = (
        0x00u8..=0xFF,
        prop_oneof![Just(VR::LO), Just(VR::DS), Just(VR::UI), Just(VR::SH)],
    )
        .prop_flat_map(|(offset, vr)| {
            let text = match vr {
                VR::DS => "-?[0-9]{1,6}(\\.[0-9]{1,4})?".boxed(),
                VR::UI => uid().boxed(),
                _ => "[A-Za-z0-9][A-Za-z0-9 ^-]{0,14}".boxed(),
            };
            text.prop_map(move |t| (offset, vr, t))
        });
    (
        (0x0009u16..=0x0033).prop_map(|g| g | 1),
        0x10u8..=0x13,
        proptest::option::of("[A-Z]{2,6}_[A-Z]{2,6}_[0-9]{2}"),
        proptest::collection::vec(element, 1..4),
    )
        .prop_map(|(group, block, creator, elements)| Node::Private {
            group,
            block,
            creator,
            elements,
        })
}

/// The elements of one dataset or item, with sequences nesting exactly `depth` levels below
/// it (an empty sequence or item ends a branch early).
fn item(depth: u32, utf8: bool) -> BoxedStrategy<Vec<Node>> {
    let leaves = proptest::collection::vec(prop_oneof![3 => value_node(utf8), 1 => private_node()], 0..6);
    if depth == 0 {
        return leaves.boxed();
    }
    let pool = pool();
    let items = prop_oneof![
        1 => Just(Vec::new()),
        4 => proptest::collection::vec(item(depth - 1, utf8), 1..3),
    ];
    let sequence = (0..pool.sequences.len(), items).prop_map(|(i, items)| Node::Sequence(i, items));
    (leaves, proptest::collection::vec(sequence, 1..3))
        .prop_map(|(mut nodes, sequences)| {
            nodes.extend(sequences);
            nodes
        })
        .boxed()
}

fn spec() -> impl Strategy<Value = Spec> {
    (0..2usize, any::<bool>(), uid(), 0u32..=3).prop_flat_map(|(base, utf8, sop_instance, depth)| {
        item(depth, utf8).prop_map(move |nodes| Spec {
            base,
            utf8,
            sop_instance: sop_instance.clone(),
            nodes,
        })
    })
}

fn build(nodes: &[Node]) -> InMemDicomObject {
    let pool = pool();
    let mut obj = InMemDicomObject::new_empty();
    for node in nodes {
        match node {
            Node::Value(i, values) => {
                let (tag, vr) = pool.values[*i];
                let value = match values.as_slice() {
                    [one] => PrimitiveValue::from(one.as_str()),
                    many => PrimitiveValue::Strs(many.iter().cloned().collect()),
                };
                obj.put(DataElement::new(tag, vr, value));
            }
            Node::Sequence(i, items) => {
                let items: Vec<InMemDicomObject> = items.iter().map(|item| build(item)).collect();
                obj.put(DataElement::new(
                    pool.sequences[*i],
                    VR::SQ,
                    DataSetSequence::from(items),
                ));
            }
            Node::Private {
                group,
                block,
                creator,
                elements,
            } => {
                if let Some(c) = creator {
                    obj.put(DataElement::new(
                        Tag(*group, u16::from(*block)),
                        VR::LO,
                        PrimitiveValue::from(c.as_str()),
                    ));
                }
                for (offset, vr, text) in elements {
                    let tag = Tag(*group, u16::from(*block) << 8 | u16::from(*offset));
                    obj.put(DataElement::new(tag, *vr, PrimitiveValue::from(text.as_str())));
                }
            }
        }
    }
    obj
}

/// Writes the dataset of `spec` in each transfer syntax; returns the files.
fn write(spec: &Spec, dir: &Path) -> Vec<PathBuf> {
    let base = &pool().bases[spec.base];
    let mut obj = build(&spec.nodes);
    obj.put(DataElement::new(
        tags::SOP_CLASS_UID,
        VR::UI,
        PrimitiveValue::from(base.sop_class.as_str()),
    ));
    obj.put(DataElement::new(
        tags::SOP_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::from(spec.sop_instance.as_str()),
    ));
    obj.put(DataElement::new(
        tags::MODALITY,
        VR::CS,
        PrimitiveValue::from(base.modality.as_str()),
    ));
    if spec.utf8 {
        obj.put(DataElement::new(
            tags::SPECIFIC_CHARACTER_SET,
            VR::CS,
            PrimitiveValue::from("ISO_IR 192"),
        ));
    }
    SYNTAXES
        .iter()
        .map(|(ts, name)| {
            let mut meta = base.meta.clone();
            meta.transfer_syntax = ts.to_string();
            meta.media_storage_sop_instance_uid = spec.sop_instance.clone();
            meta.update_information_group_length();
            let path = dir.join(format!("{name}.dcm"));
            obj.clone()
                .with_exact_meta(meta)
                .write_to_file(&path)
                .unwrap_or_else(|e| panic!("write {name}: {e}"));
            path
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

/// Every element of `obj` at every depth, with its path and the item holding it.
fn each_element<'a>(
    obj: &'a InMemDicomObject,
    parent: Option<(&TagPath, u32)>,
    out: &mut Vec<(TagPath, &'a InMemDicomObject)>,
) {
    for el in obj.iter() {
        let tag = el.header().tag;
        let path = parent.map_or_else(|| TagPath::root(tag), |(p, i)| p.child(i, tag));
        out.push((path.clone(), obj));
        if let Value::Sequence(seq) = el.value() {
            for (i, item) in seq.items().iter().enumerate() {
                each_element(item, Some((&path, i as u32)), out);
            }
        }
    }
}

/// The paths of the elements the profile removes, as it decides them (combined codes resolved
/// by the file's IOD).
fn removed_by_profile(obj: &InMemDicomObject, profile: &ResolvedProfile) -> Vec<TagPath> {
    let sop_class = dataset::sop_class_uid(obj);
    let mut all = Vec::new();
    each_element(obj, None, &mut all);
    all.into_iter()
        .filter(|(path, item)| {
            let creator = private::creator_of(item, path.tag);
            let ctx = ElementContext {
                path,
                creator: creator.as_deref(),
            };
            let action = profile.decide(&ctx).map_or(Action::Keep, |m| m.action);
            let action = if action.is_combined() {
                iod::resolve(action, sop_class.as_deref(), path).action
            } else {
                action
            };
            action == Action::Remove
        })
        .map(|(path, _)| path)
        .collect()
}

fn ctx(salt: &[u8]) -> Context {
    Context::new(Salt::new(salt.to_vec()).unwrap())
}

/// The text values of the element at `path`.
fn values_at(obj: &InMemDicomObject, path: &TagPath) -> Vec<String> {
    dataset::item_at(obj, path)
        .and_then(|item| item.get(path.tag))
        .and_then(|el| el.value().primitive().map(strings_of))
        .unwrap_or_default()
}

fn check_one(input: &Path, out_dir: &Path) -> Result<(), TestCaseError> {
    let pool = pool();
    let name = input.file_name().unwrap().to_string_lossy().into_owned();
    let original = dataset::open(input).map_err(|e| TestCaseError::fail(format!("input: {e}")))?;
    let planned_removals = removed_by_profile(&original, &pool.profile);

    let out_a = out_dir.join(format!("a-{name}"));
    let plan = dpk::anonymize_file(input, &out_a, &pool.profile, &ctx(SALT))
        .map_err(|e| TestCaseError::fail(format!("a valid dataset is refused: {e}")))?;

    // It opens again, with dpk and with dicom-object, and passes verification.
    let output = dataset::open(&out_a).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    dicom_object::open_file(&out_a).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
    let violations = dpk::verify::verify_file(&out_a, &pool.profile, None);
    prop_assert!(violations.is_empty(), "{name}: {violations:?}");

    // Nothing the profile removes is left, at any depth.
    let left = removed_by_profile(&output, &pool.profile);
    prop_assert!(left.is_empty(), "{name}: removed attributes remain: {left:?}");
    for path in &planned_removals {
        let entry = plan.entry(path);
        // No entry: inside a sequence that is removed or emptied.
        prop_assert!(
            entry.is_none_or(|e| e.kind == ChangeKind::Removed),
            "{name}: {path} is to be removed, the plan says {:?}",
            entry.map(|e| e.kind)
        );
    }

    // The same salt, the same bytes.
    let out_b = out_dir.join(format!("b-{name}"));
    dpk::anonymize_file(input, &out_b, &pool.profile, &ctx(SALT))
        .map_err(|e| TestCaseError::fail(format!("{e}")))?;
    prop_assert!(
        std::fs::read(&out_a).unwrap() == std::fs::read(&out_b).unwrap(),
        "{name}: two runs with the same salt differ"
    );

    // Another salt, other new UIDs wherever the plan replaced one.
    let out_c = out_dir.join(format!("c-{name}"));
    dpk::anonymize_file(input, &out_c, &pool.profile, &ctx(OTHER_SALT))
        .map_err(|e| TestCaseError::fail(format!("{e}")))?;
    let remapped: Vec<&TagPath> = plan
        .entries
        .iter()
        .filter(|e| e.kind == ChangeKind::Replaced)
        .filter(|e| {
            e.decision
                .as_ref()
                .is_some_and(|d| d.action == Action::ReplaceUid)
        })
        .map(|e| &e.path)
        .collect();
    prop_assert!(
        remapped.iter().any(|p| p.tag == tags::SOP_INSTANCE_UID),
        "{name}: SOP Instance UID not remapped"
    );
    let other = dataset::open(&out_c).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    for path in remapped {
        let (a, c) = (values_at(&output, path), values_at(&other, path));
        prop_assert!(!a.is_empty(), "{name}: {path} missing from the output");
        prop_assert_ne!(&a, &c, "{}: {} is the same under two salts", name, path);
        let before = match plan.entry(path).and_then(|e| e.before.as_ref()) {
            Some(Snapshot::Primitive(p)) => strings_of(p),
            _ => Vec::new(),
        };
        for v in &a {
            prop_assert!(!before.contains(v), "{name}: {path} keeps {v}");
            prop_assert!(dataset::valid_uid(v), "{name}: {path} = {v:?} is not a UID");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn basic_profile_holds_on_random_valid_datasets(spec in spec()) {
        let dir = tempfile::tempdir().unwrap();
        let out_dir = dir.path().join("out");
        std::fs::create_dir(&out_dir).unwrap();
        for input in write(&spec, dir.path()) {
            check_one(&input, &out_dir)?;
        }
    }
}
