//! The inspector's plan of a file a pixel rule matches is the plan `dpk anonymize` carries
//! out: the Pixel Data entry says `clean` with the rule and its regions, Burned In Annotation
//! becomes NO, and the risk after drops with the cleaned-pixels reason.

#[path = "support/image_gen.rs"]
mod image_gen;

use dicom_dictionary_std::tags;
use dpk::dataset::TagPath;
use dpk::diff::ChangeKind;
use dpk::engine::{Context, Salt};
use dpk::risk::{Category, Reason};
use dpk::tui::app::App;
use dpk::tui::view;
use dpk::Profile;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn open(path: &std::path::Path, profile: Profile) -> App {
    let header = dpk::dataset::open_header(path).expect("the header opens");
    let ctx = Context::new(Salt::new(b"tui-pixel-plan-salt-0001".to_vec()).expect("salt"));
    App::new("us.dcm".into(), header, profile, ctx, false).expect("the inspector opens")
}

#[test]
fn a_matching_pixel_rule_shows_in_the_plan_and_lowers_the_risk_after() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("us.dcm");
    image_gen::mono8(&path);
    let ron = r#"(name: "site-us", extends: "basic", options: ["clean-pixel-data"],
        pixel_rules: [(name: "banner", signature: (manufacturer: "fictive echo"),
                       regions: [(x: 0, y: 0, width: 40, height: 16)])])"#;
    let profile_path = dir.path().join("site-us.ron");
    std::fs::write(&profile_path, ron).expect("profile written");
    let with_rule = open(&path, Profile::load(&profile_path).expect("profile loads"));
    let without = open(&path, Profile::builtin("basic").expect("basic"));

    let pixel = with_rule
        .doc
        .plan
        .entry(&TagPath::root(tags::PIXEL_DATA))
        .expect("a Pixel Data entry");
    assert_eq!(pixel.kind, ChangeKind::Replaced);
    let rule = pixel.decision.as_ref().expect("decided").rule.to_string();
    assert!(
        rule.starts_with("clean-pixel-data: banner") && rule.contains("(0,0,40,16)"),
        "{rule}"
    );
    let burned_in = with_rule
        .doc
        .plan
        .entry(&TagPath::root(tags::BURNED_IN_ANNOTATION))
        .expect("Burned In Annotation planned");
    assert_eq!(
        burned_in
            .after
            .as_ref()
            .map(|a| dpk::dataset::render(a, burned_in.vr, 0)),
        Some("NO".to_string())
    );

    let cleaned: Vec<_> = with_rule
        .doc
        .after
        .in_category(Category::BurnedInAnnotation)
        .collect();
    assert!(
        cleaned.len() == 1 && cleaned[0].reason == Reason::BurnedInCleaned { regions: 1 },
        "{cleaned:?}"
    );
    assert!(
        with_rule.doc.after.score < without.doc.after.score,
        "{} < {}",
        with_rule.doc.after.score,
        without.doc.after.score
    );

    // The tree shows the action on the Pixel Data row.
    let mut app = with_rule;
    let mut terminal = Terminal::new(TestBackend::new(150, 40)).expect("terminal");
    app.update(dpk::tui::app::Action::Bottom);
    terminal.draw(|f| view::draw(f, &app)).expect("drawn");
    let shown = terminal.backend().to_string();
    assert!(
        shown
            .lines()
            .any(|l| l.contains("PixelData") && l.contains("clean")),
        "{shown}"
    );
}
