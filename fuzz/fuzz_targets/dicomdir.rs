//! DICOMDIRs built from the fuzzer's bytes, through the whole flow (open → plan → apply →
//! offsets worked out anew → write), and the fuzzer's bytes read as a DICOMDIR's records.
//!
//! The bytes choose the records (their types, file IDs with hostile components, names and
//! IDs) and where each offset points: at a record (forwards, backwards, itself), at nothing,
//! or at a byte no record starts at. Refusals are fine; a panic, an abort or a timeout is a
//! finding. What is written must open again, and its offsets must name records as written.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::InMemDicomObject;
use dpk::engine::dicomdir::record_positions;
use dpk::{Context, Profile, ResolvedProfile, Salt};
use libfuzzer_sys::fuzz_target;

struct Engine {
    profile: ResolvedProfile,
    ctx: Context,
    dir: tempfile::TempDir,
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine {
        profile: Profile::builtin("basic")
            .and_then(|p| p.resolve())
            .expect("the basic profile resolves"),
        ctx: Context::new(Salt::new(b"fuzzing-salt-0123456789".to_vec()).expect("salt")),
        dir: tempfile::tempdir().expect("a temporary folder"),
    })
}

/// The fuzzer's bytes, taken a few at a time; zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A short text: mostly letters and digits, sometimes what a file ID must not hold.
    fn text(&mut self) -> String {
        const CHARS: &[u8] = b"ABCZ019_ -./\\.:\x00a*?\xe9";
        let n = usize::from(self.u8() % 12);
        (0..n)
            .map(|_| char::from(CHARS[usize::from(self.u8()) % CHARS.len()]))
            .collect()
    }
}

const RECORD_TYPES: &[&str] = &["PATIENT", "STUDY", "SERIES", "IMAGE", "PRIVATE", "", "SR DOCUMENT"];

fn text(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn ul(tag: Tag, value: u32) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::UL, PrimitiveValue::from(value))
}

/// Where an offset points, as the bytes choose: a record by its place, 0, or a raw number.
#[derive(Clone, Copy)]
enum Target {
    Record(usize),
    Zero,
    Raw(u32),
}

fn target(b: &mut Bytes, records: usize) -> Target {
    match b.u8() % 8 {
        0 => Target::Zero,
        1 => Target::Raw(b.u32()),
        n => Target::Record(usize::from(n) * 7 % records.max(1)),
    }
}

fn build(data: &[u8], positions: Option<&[u64]>) -> (InMemDicomObject, Vec<[Target; 2]>, [Target; 2]) {
    let mut b = Bytes(data);
    let n = usize::from(b.u8() % 9);
    let resolve = |t: Target| -> u32 {
        match (t, positions) {
            (Target::Zero, _) => 0,
            (Target::Raw(v), _) => v,
            (Target::Record(i), Some(p)) => p.get(i).map_or(1, |&v| u32::try_from(v).unwrap_or(u32::MAX)),
            (Target::Record(_), None) => 0,
        }
    };
    let root = [target(&mut b, n), target(&mut b, n)];
    let mut links = Vec::new();
    let mut items = Vec::new();
    for i in 0..n {
        let kind = RECORD_TYPES[usize::from(b.u8()) % RECORD_TYPES.len()];
        let link = [target(&mut b, n), target(&mut b, n)];
        let mut item = InMemDicomObject::from_element_iter([
            ul(tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD, resolve(link[0])),
            DataElement::new(tags::RECORD_IN_USE_FLAG, VR::US, PrimitiveValue::from(0xFFFFu16)),
            ul(tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY, resolve(link[1])),
            text(tags::DIRECTORY_RECORD_TYPE, VR::CS, kind),
        ]);
        let flags = b.u8();
        if flags & 1 != 0 {
            item.put(text(tags::PATIENT_NAME, VR::PN, &format!("FICTIVE^{}", b.text())));
            item.put(text(tags::PATIENT_ID, VR::LO, &format!("PA{i}{}", b.text())));
        }
        if flags & 2 != 0 {
            let parts: Vec<String> = (0..(b.u8() % 5)).map(|_| b.text()).collect();
            item.put(DataElement::new(
                tags::REFERENCED_FILE_ID,
                VR::CS,
                PrimitiveValue::Strs(parts.into()),
            ));
            item.put(text(tags::REFERENCED_SOP_CLASS_UID_IN_FILE, VR::UI, uids::CT_IMAGE_STORAGE));
            item.put(text(
                tags::REFERENCED_SOP_INSTANCE_UID_IN_FILE,
                VR::UI,
                &format!("2.25.{}", b.u32()),
            ));
        }
        if flags & 4 != 0 {
            item.put(text(tags::STUDY_DATE, VR::DA, "20240211"));
            item.put(text(tags::STUDY_INSTANCE_UID, VR::UI, &format!("2.25.9{}", b.u32())));
        }
        items.push(item);
        links.push(link);
    }
    let obj = InMemDicomObject::from_element_iter([
        text(tags::FILE_SET_ID, VR::CS, "FUZZ"),
        ul(
            tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
            resolve(root[0]),
        ),
        ul(
            tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
            resolve(root[1]),
        ),
        DataElement::new(tags::FILE_SET_CONSISTENCY_FLAG, VR::US, PrimitiveValue::from(0u16)),
        DataElement::new(
            tags::DIRECTORY_RECORD_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(items),
        ),
    ]);
    (obj, links, root)
}

fn write(obj: InMemDicomObject, path: &Path) -> Option<Vec<u8>> {
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(uids::MEDIA_STORAGE_DIRECTORY_STORAGE)
        .media_storage_sop_instance_uid("2.25.1234567")
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .build()
        .ok()?;
    obj.with_exact_meta(meta).write_to_file(path).ok()?;
    std::fs::read(path).ok()
}

fuzz_target!(|data: &[u8]| {
    // The bytes as a DICOMDIR of their own: positions or an error, never a panic.
    let _ = record_positions(data);

    let e = engine();
    let input = e.dir.path().join("DICOMDIR");
    let output = e.dir.path().join("out").join("DICOMDIR");
    let _ = std::fs::remove_dir_all(e.dir.path().join("out"));
    std::fs::create_dir_all(e.dir.path().join("out")).expect("output folder");
    // Written once to learn where the records are, then again with offsets that point there
    // (UL values keep their length, so the records do not move).
    let (first, _, _) = build(data, None);
    let Some(bytes) = write(first, &input) else { return };
    let Ok(positions) = record_positions(&bytes) else { return };
    let (obj, _, _) = build(data, Some(&positions));
    let Some(bytes) = write(obj, &input) else { return };
    assert_eq!(record_positions(&bytes).ok().as_deref(), Some(positions.as_slice()));

    let Ok(_plan) = dpk::anonymize_file(&input, &output, &e.profile, &e.ctx) else {
        let left: Vec<_> = std::fs::read_dir(e.dir.path().join("out"))
            .expect("list")
            .flatten()
            .map(|d| d.file_name())
            .collect();
        assert!(left.is_empty(), "a refusal left {left:?}");
        return;
    };
    let written = std::fs::read(&output).expect("the output");
    let out = dpk::dataset::open(&output).unwrap_or_else(|err| panic!("the output does not open: {err}"));
    let starts = record_positions(&written).unwrap_or_else(|err| panic!("the output's records: {err}"));
    let names_a_record = |v: u32| v == 0 || starts.contains(&u64::from(v));
    let offset = |obj: &InMemDicomObject, tag: Tag| obj.get(tag).and_then(|el| el.to_int::<u32>().ok());
    for tag in [
        tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
        tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
    ] {
        if let Some(v) = offset(&out, tag) {
            assert!(names_a_record(v), "root offset {v} names no record of {starts:?}");
        }
    }
    for item in out.get(tags::DIRECTORY_RECORD_SEQUENCE).and_then(|e| e.items()).unwrap_or(&[]) {
        for tag in [
            tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD,
            tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY,
        ] {
            if let Some(v) = offset(item, tag) {
                assert!(names_a_record(v), "offset {v} names no record of {starts:?}");
            }
        }
    }
});
