//! The risk model on real DICOM bytes: the fixtures before and after the Basic Profile,
//! planted PHI, the safe private list, monotonicity, the weights file.

use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Length, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::mem::InMemElement;
use dicom_object::InMemDicomObject;

use super::*;
use crate::dataset::DicomFile;

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

const FIXTURES: &[&str] = &[
    "ct_explicit_le.dcm",
    "ct_explicit_be.dcm",
    "ct_deflated.dcm",
    "mr_implicit_le.dcm",
    "us_multiframe.dcm",
    "sc_jpeg_baseline.dcm",
    "pn_utf8.dcm",
    "demo.dcm",
    "study/series1/img1.dcm",
    "study/series1/img2.dcm",
    "study/series2/img1.dcm",
    "study/series2/img2.dcm",
];

fn fixture(name: &str) -> DicomFile {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    crate::dataset::open(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn anonymized_with(file: DicomFile, profile: crate::Profile) -> crate::Result<DicomFile> {
    let profile = profile.resolve()?;
    let ctx = crate::Context::new(crate::Salt::new(b"risk-test-salt-000001".to_vec())?);
    let plan = crate::plan(&file, &profile, &ctx)?;
    crate::apply(&plan, file)
}

fn basic(file: DicomFile) -> crate::Result<DicomFile> {
    anonymized_with(file, crate::Profile::builtin("basic")?)
}

fn builtin_score(obj: &InMemDicomObject) -> RiskReport {
    score(obj, &Weights::builtin())
}

fn text(tag: Tag, vr: VR, value: &str) -> InMemElement {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

#[test]
fn builtin_weights_are_complete_and_lists_resolve() {
    let w = Weights::builtin();
    for c in Category::ALL {
        assert!(
            BUILTIN_WEIGHTS.contains(&format!("\"{}\"", c.key())),
            "risk-weights.ron names no weight for {c}"
        );
        assert!(w.category(c).weight > 0.0 && w.category(c).cap > 0.0, "{c}");
    }
    for (category, list) in categories::LISTS {
        for keyword in *list {
            assert!(
                crate::dataset::tag_of_keyword(keyword).is_some(),
                "{category}: unknown keyword {keyword}"
            );
        }
    }
    for keyword in categories::RECORD_IDENTIFIERS {
        assert!(crate::dataset::tag_of_keyword(keyword).is_some(), "{keyword}");
    }
    assert!(
        safe_private::len() > 400,
        "the safe list has {} entries",
        safe_private::len()
    );
    assert_eq!(w.weight_of(tags::PATIENT_NAME, Category::DirectIdentifier), 0.9);
}

#[test]
fn levels_and_words() {
    assert_eq!(Level::of(0.0), Level::Low);
    assert_eq!(Level::of(24.9), Level::Low);
    assert_eq!(Level::of(25.0), Level::Medium);
    assert_eq!(Level::of(49.9), Level::Medium);
    assert_eq!(Level::of(50.0), Level::High);
    assert_eq!(Level::of(75.0), Level::Critical);
    assert_eq!(Level::of(100.0).label(), "CRITICAL");
    assert_eq!(words("PatientBirthDate"), "Patient Birth Date");
    assert_eq!(words("OtherPatientIDs"), "Other Patient IDs");
    assert_eq!(words("SOPInstanceUID"), "SOP Instance UID");
    assert_eq!(words("PatientID"), "Patient ID");
    assert_eq!(words("UID"), "UID");
}

/// Every valid fixture scores higher before the Basic Profile than after, and LOW after,
/// except us_multiframe.dcm, whose only remaining finding is its burned-in annotation.
#[test]
fn basic_profile_lowers_every_fixture_to_low() -> TestResult {
    for name in FIXTURES {
        let before = builtin_score(&fixture(name));
        let after = builtin_score(&basic(fixture(name))?.into_inner());
        eprintln!(
            "{name:28} before {:5.1} {:8}  after {:5.1} {:8} {:?}",
            before.score,
            before.level.label(),
            after.score,
            after.level.label(),
            after
                .findings
                .iter()
                .map(|f| f.path.to_string())
                .collect::<Vec<_>>()
        );
        assert!(
            before.score > after.score,
            "{name}: {} ≤ {}",
            before.score,
            after.score
        );
        assert!(before.level >= Level::High, "{name}: before {}", before.score);
        if *name == "us_multiframe.dcm" {
            assert_eq!(after.findings.len(), 1, "{name}: {:#?}", after.findings);
            let f = &after.findings[0];
            assert_eq!(f.path, TagPath::root(tags::BURNED_IN_ANNOTATION));
            assert_eq!(f.category, Category::BurnedInAnnotation);
            assert_eq!(f.reason, Reason::BurnedInYes);
            assert_eq!(after.level, Level::High);
        } else {
            assert_eq!(after.level, Level::Low, "{name}: {:#?}", after.findings);
            assert!(
                after
                    .findings
                    .iter()
                    .all(|f| f.category == Category::BurnedInAnnotation),
                "{name}: {:#?}",
                after.findings
            );
        }
    }
    Ok(())
}

#[test]
fn ct_findings_before_cover_every_category_but_burned_in() {
    let report = builtin_score(&fixture("ct_explicit_le.dcm"));
    assert_eq!(report.level, Level::Critical);
    for c in Category::ALL {
        let n = report.in_category(c).count();
        if c == Category::BurnedInAnnotation || c == Category::Uid {
            // CT: no burned-in suspicion; fixture UIDs are 2.25 and not declared retained.
            assert_eq!(n, 0, "{c}");
        } else {
            assert!(n > 0, "no {c} finding");
        }
    }
    let name = &report.findings[0];
    assert_eq!(name.path, TagPath::root(tags::PATIENT_NAME));
    assert_eq!(name.keyword, Some("PatientName"));
    assert_eq!(name.category, Category::DirectIdentifier);
    assert_eq!(name.weight, 0.9);
    assert_eq!(
        name.reason.to_string(),
        "Patient Name identifies the patient directly"
    );
    // Sorted: weight descending, then path.
    for pair in report.findings.windows(2) {
        assert!(
            pair[0].weight > pair[1].weight
                || (pair[0].weight == pair[1].weight && pair[0].path <= pair[1].path)
        );
    }
    // Study Description "CT chest for Doe, MRN PID12345" names the patient.
    let sd = report
        .findings
        .iter()
        .find(|f| f.path == TagPath::root(tags::STUDY_DESCRIPTION))
        .expect("Study Description");
    assert_eq!(sd.category, Category::FreeText);
    assert_eq!(sd.reason, Reason::IdentifyingText("StudyDescription"));
}

#[test]
fn a_name_planted_in_study_description_is_a_free_text_finding() -> TestResult {
    let mut obj = basic(fixture("ct_explicit_le.dcm"))?.into_inner();
    let clean = builtin_score(&obj);
    obj.put(text(tags::STUDY_DESCRIPTION, VR::LO, "CT chest"));
    obj.put(text(tags::PATIENT_NAME, VR::PN, "Doe^Jane"));
    let without = builtin_score(&obj);
    let f = without
        .findings
        .iter()
        .find(|f| f.path == TagPath::root(tags::STUDY_DESCRIPTION))
        .expect("free text finding");
    assert_eq!(f.category, Category::FreeText);
    assert_eq!(f.reason, Reason::FreeText("StudyDescription"));
    assert!(f.weight < 0.1);

    obj.put(text(tags::STUDY_DESCRIPTION, VR::LO, "CT chest for DOE, Jane"));
    let with = builtin_score(&obj);
    let f = with
        .findings
        .iter()
        .find(|f| f.path == TagPath::root(tags::STUDY_DESCRIPTION))
        .expect("free text finding");
    assert_eq!(f.category, Category::FreeText);
    assert_eq!(f.weight, 0.8);
    assert_eq!(
        f.reason.to_string(),
        "Study Description contains identifying text (a name, ID or date of this file, or a date or e-mail)"
    );
    assert!(with.score > without.score && without.score > clean.score);
    Ok(())
}

#[test]
fn private_elements_off_the_safe_list_are_findings_on_it_are_not() -> TestResult {
    for name in ["ct_explicit_le.dcm", "mr_implicit_le.dcm"] {
        let report = builtin_score(&fixture(name));
        let private: Vec<&Finding> = report.in_category(Category::PrivateData).collect();
        for offset in [0x1023, 0x1024, 0x1027] {
            assert!(
                !private
                    .iter()
                    .any(|f| f.path == TagPath::root(Tag(0x0019, offset))),
                "{name}: GEMS_ACQU_01 (0019,{offset:04X}) is on the safe list"
            );
        }
        let acme = private
            .iter()
            .find(|f| f.path == TagPath::root(Tag(0x0029, 0x1003)))
            .expect("ACME_PHI_01 UIDs");
        assert_eq!(
            acme.reason.to_string(),
            "private element of creator ACME_PHI_01, not on the PS3.15 safe list: its content is unknown"
        );
        assert_eq!(acme.keyword, None);
        // The patient's name in a private LO (UN in implicit VR) is identifying text.
        let named = private
            .iter()
            .find(|f| f.path == TagPath::root(Tag(0x0029, 0x1001)))
            .expect("ACME_PHI_01 name");
        assert!(
            matches!(named.reason, Reason::PrivateIdentifying(Some(ref c)) if c == "ACME_PHI_01"),
            "{name}: {:?}",
            named.reason
        );
        assert!(private
            .iter()
            .all(|f| f.path.tag.group() != 0x0019 || f.path.tag.element() < 0x1000));
    }
    // Safe creator at block 0x11, unsafe one at 0x10: matching goes by creator.
    let report = builtin_score(&fixture("study/series2/img1.dcm"));
    let paths: Vec<String> = report
        .in_category(Category::PrivateData)
        .map(|f| f.path.to_string())
        .collect();
    for safe in ["(0019,1123)", "(0019,1124)", "(0019,1127)"] {
        assert!(!paths.iter().any(|p| p == safe), "{safe} in {paths:?}");
    }
    assert!(paths.iter().any(|p| p.starts_with("(0019,10")), "{paths:?}");

    // A private element planted outside the list is a finding; one on the list is not.
    let mut obj = basic(fixture("ct_explicit_le.dcm"))?.into_inner();
    obj.put(text(Tag(0x0043, 0x0010), VR::LO, "GEMS_PARM_01"));
    obj.put(text(Tag(0x0043, 0x1027), VR::SH, "1.375:1"));
    assert!(builtin_score(&obj).findings.is_empty());
    obj.put(text(Tag(0x0043, 0x1028), VR::SH, "1.375:1"));
    let report = builtin_score(&obj);
    assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
    assert_eq!(report.findings[0].path, TagPath::root(Tag(0x0043, 0x1028)));
    Ok(())
}

#[test]
fn retained_uids_score_higher_than_remapped_ones() -> TestResult {
    let remapped = builtin_score(&basic(fixture("ct_explicit_le.dcm"))?.into_inner());
    let retained = builtin_score(
        &anonymized_with(
            fixture("ct_explicit_le.dcm"),
            crate::Profile::extending("keep-uids", "basic").with_option("retain-uids"),
        )?
        .into_inner(),
    );
    assert_eq!(remapped.in_category(Category::Uid).count(), 0);
    assert!(retained.in_category(Category::Uid).count() >= 5);
    assert!(
        retained.score > remapped.score,
        "{} ≤ {}",
        retained.score,
        remapped.score
    );
    assert_eq!(retained.level, Level::Medium);

    // An organisation root counts whatever the markers say.
    let mut obj = basic(fixture("ct_explicit_le.dcm"))?.into_inner();
    obj.put(text(
        tags::STUDY_INSTANCE_UID,
        VR::UI,
        "1.2.826.0.1.3680043.2.1125.1",
    ));
    let report = builtin_score(&obj);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].category, Category::Uid);
    assert_eq!(report.findings[0].reason, Reason::UidOrgRoot("StudyInstanceUID"));
    Ok(())
}

#[test]
fn dummies_markers_and_empty_values_are_not_findings() -> TestResult {
    let mut obj = basic(fixture("ct_explicit_le.dcm"))?.into_inner();
    obj.put(text(tags::PATIENT_NAME, VR::PN, "ANONYMIZED"));
    obj.put(text(tags::PATIENT_ID, VR::LO, ""));
    obj.put(text(tags::STUDY_DATE, VR::DA, "20000101"));
    obj.put(text(tags::STUDY_INSTANCE_UID, VR::UI, "2.25.0"));
    obj.put(text(tags::PATIENT_IDENTITY_REMOVED, VR::CS, "YES"));
    assert!(builtin_score(&obj).findings.is_empty());
    assert_eq!(builtin_score(&obj).score, 0.0);
    Ok(())
}

/// Rebuilds `obj` with the element at `path` removed (`empty` false) or emptied.
fn without(obj: &InMemDicomObject, path: &TagPath, depth: usize, empty: bool) -> InMemDicomObject {
    let target = path.items.get(depth).map(|s| s.sequence).unwrap_or(path.tag);
    let last = depth == path.items.len();
    let mut out = Vec::new();
    for el in obj.iter() {
        let tag = el.header().tag;
        if tag != target {
            out.push(el.clone());
            continue;
        }
        let vr = el.header().vr;
        if last {
            if empty {
                let value = match el.value() {
                    Value::Sequence(_) => {
                        Value::Sequence(DataSetSequence::new(Vec::new(), Length::UNDEFINED))
                    }
                    _ => Value::Primitive(PrimitiveValue::Empty),
                };
                out.push(DataElement::new(tag, vr, value));
            }
            continue;
        }
        let step = path.items[depth];
        let Value::Sequence(seq) = el.value() else {
            out.push(el.clone());
            continue;
        };
        let items: Vec<InMemDicomObject> = seq
            .items()
            .iter()
            .enumerate()
            .map(|(i, item)| {
                if i as u32 == step.item {
                    without(item, path, depth + 1, empty)
                } else {
                    item.clone()
                }
            })
            .collect();
        out.push(DataElement::new(
            tag,
            vr,
            Value::Sequence(DataSetSequence::new(items, Length::UNDEFINED)),
        ));
    }
    InMemDicomObject::from_element_iter(out)
}

fn all_paths(obj: &InMemDicomObject, prefix: &[ItemStep], out: &mut Vec<TagPath>) {
    for el in obj.iter() {
        let tag = el.header().tag;
        out.push(TagPath {
            items: prefix.to_vec(),
            tag,
        });
        if let Value::Sequence(seq) = el.value() {
            for (i, item) in seq.items().iter().enumerate() {
                let mut p = prefix.to_vec();
                p.push(ItemStep {
                    sequence: tag,
                    item: i as u32,
                });
                all_paths(item, &p, out);
            }
        }
    }
}

/// Removing or emptying any element, at any depth, never raises the score — before and after
/// the Basic Profile and after Retain UIDs (whose markers switch on UID findings).
#[test]
fn removing_or_emptying_any_element_never_raises_the_score() -> TestResult {
    let weights = Weights::builtin();
    let mut checked = 0;
    for name in FIXTURES {
        let retained = anonymized_with(
            fixture(name),
            crate::Profile::extending("keep-uids", "basic").with_option("retain-uids"),
        )?;
        for (label, obj) in [
            ("before", fixture(name).into_inner()),
            ("basic", basic(fixture(name))?.into_inner()),
            ("retain-uids", retained.into_inner()),
        ] {
            let base = score(&obj, &weights).score;
            let mut paths = Vec::new();
            all_paths(&obj, &[], &mut paths);
            for path in &paths {
                for empty in [false, true] {
                    let changed = without(&obj, path, 0, empty);
                    let s = score(&changed, &weights).score;
                    assert!(
                        s <= base,
                        "{name} ({label}): {} {path} raises the score {base} → {s}",
                        if empty { "emptying" } else { "removing" }
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 2000, "{checked}");
    Ok(())
}

#[test]
fn json_has_a_stable_shape() -> TestResult {
    let report = builtin_score(&fixture("ct_explicit_le.dcm"));
    let json = serde_json::to_value(&report)?;
    let obj = json.as_object().ok_or("not an object")?;
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["findings", "level", "score"]);
    assert_eq!(json["level"], "CRITICAL");
    assert!(json["score"].is_f64());
    let first = &json["findings"][0];
    assert_eq!(first["path"], "(0010,0010)");
    assert_eq!(first["keyword"], "PatientName");
    assert_eq!(first["category"], "direct-identifier");
    assert_eq!(first["weight"], 0.9);
    assert_eq!(first["reason"], "Patient Name identifies the patient directly");
    let private = json["findings"]
        .as_array()
        .ok_or("no findings")?
        .iter()
        .find(|f| f["category"] == "private-data")
        .ok_or("no private finding")?;
    assert!(private["keyword"].is_null());
    Ok(())
}

#[test]
fn a_user_file_changes_only_what_it_names() -> TestResult {
    let w = Weights::from_ron(
        r#"(keywords: {"PatientSex": 0.4}, categories: {"date": (cap: 0.2)})"#,
        "mine.ron",
    )?;
    let builtin = Weights::builtin();
    assert_eq!(w.weight_of(tags::PATIENT_SEX, Category::QuasiIdentifier), 0.4);
    assert_eq!(w.weight_of(tags::PATIENT_NAME, Category::DirectIdentifier), 0.9);
    assert_eq!(w.category(Category::Date).cap, 0.2);
    assert_eq!(
        w.category(Category::Date).weight,
        builtin.category(Category::Date).weight
    );
    assert_eq!(w.category(Category::Uid), builtin.category(Category::Uid));

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("w.ron");
    std::fs::write(
        &path,
        "(\n    identifying_text: 0.5,\n    keywords: {\"PatientSex\" 0.4},\n)\n",
    )?;
    match Weights::load(&path) {
        Err(WeightsError::Syntax { line, column, .. }) => assert_eq!((line, column), (3, 28)),
        other => panic!("{other:?}"),
    }
    std::fs::write(
        &path,
        "(\n  categories: {\n    \"dates\": (weight: 0.2),\n  },\n)\n",
    )?;
    match Weights::load(&path) {
        Err(
            e @ WeightsError::Invalid {
                line: 3, column: 5, ..
            },
        ) => {
            assert!(e.to_string().contains("unknown category 'dates'"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Weights::from_ron(r#"(keywords: {"PatientName": 1.5})"#, "x"),
        Err(WeightsError::Invalid { .. })
    ));
    assert!(matches!(
        Weights::from_ron(r#"(keywords: {"Rows": 0.5})"#, "x"),
        Err(WeightsError::Invalid { .. })
    ));
    assert!(matches!(
        Weights::from_ron("(colour: 1)", "x"),
        Err(WeightsError::Syntax { .. })
    ));
    assert!(matches!(
        Weights::load(dir.path().join("none.ron")),
        Err(WeightsError::Io { .. })
    ));

    // Changed weights change the score.
    let obj = basic(fixture("us_multiframe.dcm"))?.into_inner();
    let lower = Weights::from_ron(r#"(categories: {"burned-in-annotation": (weight: 0.2)})"#, "x")?;
    assert_eq!(score(&obj, &lower).score, 20.0);
    Ok(())
}

/// Shifted dates take their own weight, which a user file can change; a date the marker does
/// not call modified is a real date.
#[test]
fn shifted_dates_take_their_own_weight() -> TestResult {
    let mut obj = fixture("ct_explicit_le.dcm").into_inner();
    let real: Vec<f64> = score(&obj, &Weights::builtin())
        .in_category(Category::Date)
        .map(|f| f.weight)
        .collect();
    assert!(!real.is_empty() && real.iter().all(|w| *w >= 0.1), "{real:?}");
    obj.put(text(
        tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
        VR::CS,
        "MODIFIED",
    ));
    let builtin = score(&obj, &Weights::builtin());
    let dates: Vec<&Finding> = builtin.in_category(Category::Date).collect();
    assert_eq!(dates.len(), real.len());
    assert!(dates
        .iter()
        .all(|f| f.weight == 0.01 && matches!(f.reason, Reason::ShiftedDate(_))));
    let mine = Weights::from_ron("(shifted_date: 0.05)", "mine.ron")?;
    assert!(score(&obj, &mine)
        .in_category(Category::Date)
        .all(|f| f.weight == 0.05));
    assert!(matches!(
        Weights::from_ron("(shifted_date: 2.0)", "x"),
        Err(WeightsError::Invalid { .. })
    ));
    // UNMODIFIED (or anything else) is no claim of shifting.
    obj.put(text(
        tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
        VR::CS,
        "UNMODIFIED",
    ));
    assert!(score(&obj, &Weights::builtin())
        .in_category(Category::Date)
        .all(|f| matches!(f.reason, Reason::Date(_))));
    Ok(())
}

/// A file whose pixels a rule cleaned says so, and its burned-in suspicion falls to the
/// weight of what rules may miss, with that reason; without the named regions the claim is
/// not taken and the suspicion is back.
#[test]
fn a_file_cleaned_by_pixel_rules_scores_lower_and_says_why() -> TestResult {
    use crate::pixels::rules::{DeviceSignature, PixelRuleRon};
    use crate::pixels::Region;

    let mut profile = crate::Profile::extending("us-clean", "basic").with_option("clean-pixel-data");
    profile.pixel_rules.push(PixelRuleRon {
        name: "banner".into(),
        signature: DeviceSignature {
            modality: Some("US".into()),
            ..DeviceSignature::default()
        },
        regions: vec![Region {
            x: 0,
            y: 0,
            width: 8,
            height: 4,
        }],
    });
    let ctx = crate::Context::new(crate::Salt::new(b"risk-test-salt-000001".to_vec())?);
    let dir = tempfile::tempdir()?;
    let output = dir.path().join("us.dcm");
    let input = format!("{}/fixtures/us_multiframe.dcm", env!("CARGO_MANIFEST_DIR"));
    crate::anonymize_file(input.as_ref(), &output, &profile.resolve()?, &ctx)?;
    let mut cleaned = crate::dataset::open(&output)?.into_inner();
    let plain = basic(fixture("us_multiframe.dcm"))?.into_inner();

    let burned_in = |obj: &InMemDicomObject| -> (f64, Option<Finding>) {
        let report = builtin_score(obj);
        let finding = report.in_category(Category::BurnedInAnnotation).next().cloned();
        (report.score, finding)
    };
    let (plain_score, plain_finding) = burned_in(&plain);
    let (cleaned_score, cleaned_finding) = burned_in(&cleaned);
    // The fixture says YES; de-identified without a rule it still does.
    assert!(
        matches!(
            plain_finding.as_ref().map(|f| &f.reason),
            Some(Reason::BurnedInYes)
        ),
        "{plain_finding:?}"
    );
    let finding = cleaned_finding.expect("a finding for what rules may miss");
    assert_eq!(finding.reason, Reason::BurnedInCleaned { regions: 1 });
    assert_eq!(finding.weight, 0.03);
    assert!(
        finding.reason.to_string().contains("1 region blanked"),
        "{}",
        finding.reason
    );
    assert!(cleaned_score < plain_score, "{cleaned_score} < {plain_score}");

    // A user file can weigh it differently.
    let mine = Weights::from_ron("(burned_in_cleaned: 0.2)", "mine.ron")?;
    assert!(score(&cleaned, &mine)
        .in_category(Category::BurnedInAnnotation)
        .all(|f| f.weight == 0.2));

    // The code without the regions it blanked is no claim dpk can check.
    cleaned.remove_element(tags::DEIDENTIFICATION_METHOD);
    let (_, unnamed) = burned_in(&cleaned);
    assert!(
        matches!(
            unnamed.as_ref().map(|f| &f.reason),
            Some(Reason::BurnedInModality { .. })
        ),
        "{unnamed:?}"
    );
    Ok(())
}
