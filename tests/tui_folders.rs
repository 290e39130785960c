//! The study browser (`dpk-tui DIR`): a folder's files grouped by study and series, the
//! profile being built applied to every file, incremental loading. Drawn on a TestBackend
//! (snapshots in tests/snapshots/).

#[path = "support/browser_folder.rs"]
mod browser_folder;

use dpk::engine::{Context, Salt};
use dpk::tui::app::{Action, Mode};
use dpk::tui::browser::{Browser, BrowserRow, Inspector, Mapped};
use dpk::tui::document::Edits;
use dpk::tui::{browser_view, keys};
use dpk::Profile;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

fn edits() -> Edits {
    let ctx = Context::new(Salt::new(b"folder-test-salt-0000001".to_vec()).unwrap());
    Edits::new(Profile::builtin("basic").unwrap(), ctx, false)
}

/// A browser on `dir`, titled `title` so that screens do not show the temporary path.
fn inspector(dir: &std::path::Path) -> Inspector {
    let browser = Browser::open("study-folder".into(), vec![dir.to_path_buf()], edits()).unwrap();
    Inspector::of_folder(browser)
}

fn browser(i: &Inspector) -> &Browser {
    i.browser.as_ref().unwrap()
}

fn settle(i: &mut Inspector) {
    i.browser.as_mut().unwrap().settle();
}

fn screen(i: &mut Inspector, width: u16, height: u16) -> String {
    i.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| browser_view::draw(f, i)).unwrap();
    terminal.backend().to_string()
}

/// Selects the browser row of the file named `name`.
fn select_file(i: &mut Inspector, name: &str) -> usize {
    let b = i.browser.as_mut().unwrap();
    let index = b
        .files
        .iter()
        .position(|f| f.path.file_name().unwrap() == name)
        .unwrap_or_else(|| panic!("{name} not loaded"));
    b.select_file(index);
    assert_eq!(b.selected_file(), Some(index));
    index
}

/// In the open tree, selects the element `keyword`.
fn select_element(i: &mut Inspector, keyword: &str) {
    let app = i.app_mut().expect("a tree is open");
    app.update(Action::Top);
    while app.selected_entry().map(|c| c.keyword) != Some(keyword) {
        let before = app.selected;
        app.update(Action::Down);
        assert_ne!(app.selected, before, "{keyword} not found");
    }
}

fn action_of(plan: &dpk::Plan, keyword: &str) -> dpk::Action {
    plan.entries
        .iter()
        .find(|c| c.keyword == keyword)
        .and_then(|c| c.decision.as_ref())
        .map(|d| d.action)
        .unwrap_or_else(|| panic!("{keyword} not in the plan"))
}

#[test]
fn the_folder_is_grouped_by_study_and_series_with_counts() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    let mut i = inspector(dir.path());
    settle(&mut i);
    let b = browser(&i);
    assert!(b.loaded());
    assert_eq!(b.files.len(), 6);
    assert_eq!(b.studies.len(), 2);
    assert_eq!(b.series_count(), 3);
    assert_eq!(b.studies[0].series.len(), 2);
    assert_eq!(b.studies[1].series.len(), 1);
    let kinds: Vec<&str> = b
        .rows
        .iter()
        .map(|r| match r {
            BrowserRow::Study(_) => "study",
            BrowserRow::Series(..) => "series",
            BrowserRow::File(_) => "file",
            BrowserRow::Failed(_) => "failed",
        })
        .collect();
    assert_eq!(
        kinds,
        ["study", "series", "file", "file", "series", "file", "file", "study", "series", "file", "file"]
    );
    let text = screen(&mut i, 80, 24);
    assert!(text.contains("2 studies · 3 series · 6 files"), "{text}");
    assert!(text.contains("Study Head CT · 2 series · 4 files"), "{text}");
    // Every file is CRITICAL before (a name, an ID, a birth date) and LOW after.
    assert!(text.contains("worst CRITICAL → LOW"), "{text}");
    assert!(text.contains("files before: 6 CRITICAL · after: 6 LOW"), "{text}");
}

#[test]
fn browser_80x24() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    let mut i = inspector(dir.path());
    settle(&mut i);
    insta::assert_snapshot!(screen(&mut i, 80, 24));
}

#[test]
fn browser_120x30() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    let mut i = inspector(dir.path());
    settle(&mut i);
    // A series selected: its study's and its own new UIDs in the details pane.
    i.update(Action::Down);
    insta::assert_snapshot!(screen(&mut i, 120, 30));
}

#[test]
fn enter_opens_a_file_and_esc_comes_back_to_it() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    let mut i = inspector(dir.path());
    settle(&mut i);
    let index = select_file(&mut i, "IM121.dcm");
    i.update(Action::Open);
    assert_eq!(i.mode(), Mode::Normal);
    let app = i.app().expect("the file's tree");
    assert!(app.doc.file_name.ends_with("IM121.dcm"), "{}", app.doc.file_name);
    let text = screen(&mut i, 80, 24);
    assert!(text.contains("Tags —"), "{text}");
    // Esc over the help closes the help only; then back to the folder, on the same file.
    i.update(Action::ToggleHelp);
    i.update(Action::Cancel);
    assert!(i.app().is_some());
    i.update(Action::Cancel);
    assert!(i.app().is_none());
    assert_eq!(i.mode(), Mode::Browser);
    assert_eq!(browser(&i).selected_file(), Some(index));
    // The file's header came back: it opens again.
    i.update(Action::Open);
    assert!(i.app().is_some());
}

#[test]
fn a_change_made_in_one_file_applies_to_every_file() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    let mut i = inspector(dir.path());
    settle(&mut i);
    let other = select_file(&mut i, "IM211.dcm");
    let before_change = browser(&i).files[other].assessment.after.clone().unwrap();
    let original = action_of(&browser(&i).plan_of(other).unwrap(), "PatientName");
    assert_ne!(original, dpk::Action::Keep);
    // In the first study's file: keep Patient's Name.
    select_file(&mut i, "IM111.dcm");
    i.update(Action::Open);
    select_element(&mut i, "PatientName");
    let mut changes = 0;
    for _ in 0..8 {
        let app = i.app().unwrap();
        if app
            .selected_entry()
            .and_then(|c| c.decision.as_ref())
            .map(|d| d.action)
            == Some(dpk::Action::Keep)
        {
            break;
        }
        i.update(Action::CycleAction);
        changes += 1;
    }
    assert!(i.app().unwrap().unsaved());
    i.update(Action::Cancel);
    assert!(i.app().is_none());
    // The other study's file, never opened: its plan keeps the name, its risk went up.
    let b = browser(&i);
    assert_eq!(
        action_of(&b.plan_of(other).unwrap(), "PatientName"),
        dpk::Action::Keep
    );
    assert!(b.stale() > 0, "every file is re-planned");
    settle(&mut i);
    let b = browser(&i);
    assert_eq!(b.stale(), 0);
    let after_change = b.files[other].assessment.after.clone().unwrap();
    assert!(
        after_change.0 > before_change.0,
        "{after_change:?} vs {before_change:?}"
    );
    // And its tree shows the change as the user's.
    select_file(&mut i, "IM211.dcm");
    i.update(Action::Open);
    select_element(&mut i, "PatientName");
    let app = i.app().unwrap();
    let entry = app.selected_entry().unwrap().clone();
    assert_eq!(entry.decision.as_ref().unwrap().action, dpk::Action::Keep);
    assert!(app.is_overridden(&entry));
    // Undo there undoes it for every file.
    for _ in 0..changes {
        i.update(Action::Undo);
    }
    i.update(Action::Cancel);
    settle(&mut i);
    assert_eq!(
        action_of(&browser(&i).plan_of(other).unwrap(), "PatientName"),
        original
    );
    assert_eq!(
        browser(&i).files[other].assessment.after.clone().unwrap(),
        before_change
    );
}

#[test]
fn a_study_uid_shared_by_files_maps_to_one_new_uid() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    let mut i = inspector(dir.path());
    settle(&mut i);
    let b = browser(&i);
    let first: Vec<usize> = b.studies[0].files().collect();
    assert_eq!(first.len(), 4);
    let news: Vec<String> = first
        .iter()
        .map(|&f| b.files[f].assessment.study_uid.clone().expect("a new Study UID"))
        .collect();
    assert!(news.iter().all(|n| *n == news[0]), "{news:?}");
    assert_ne!(Some(&news[0]), b.studies[0].uid.as_ref(), "the UID is replaced");
    assert!(news[0].starts_with("2.25."), "{}", news[0]);
    // The plans agree with what the browser shows.
    for &f in &first {
        let plan = b.plan_of(f).unwrap();
        let entry = plan
            .entries
            .iter()
            .find(|c| c.keyword == "StudyInstanceUID")
            .unwrap();
        assert!(format!("{:?}", entry.after).contains(&news[0]));
    }
    assert_eq!(
        b.mapped(first.iter().copied(), |a| &a.study_uid),
        Mapped::One(news[0].clone())
    );
    // The other study maps to another UID; a series' files to one series UID.
    let second = b.files[b.studies[1].files().next().unwrap()]
        .assessment
        .study_uid
        .clone()
        .unwrap();
    assert_ne!(second, news[0]);
    let series = &b.studies[0].series[0].files;
    assert!(matches!(
        b.mapped(series.iter().copied(), |a| &a.series_uid),
        Mapped::One(_)
    ));
    assert!(matches!(
        b.mapped(first.iter().copied(), |a| &a.series_uid),
        Mapped::Several(2)
    ));
    // On screen, with the study selected.
    let text = screen(&mut i, 120, 30);
    assert!(text.contains(&format!("→ {}", news[0])), "{text}");
    assert!(text.contains("(the same in all 4 files)"), "{text}");
}

#[test]
fn unreadable_files_are_listed_by_name_and_loading_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    // Sorted between the two studies' folders; a name with an escape character in it.
    std::fs::write(
        dir.path().join("a_not_dicom\x1b[31m.txt"),
        b"plain text, not DICOM",
    )
    .unwrap();
    // A file cut in the middle of its meta group.
    let whole = browser_folder::instance_bytes(&browser_folder::Instance {
        patient: "FICTIVE^DORA",
        patient_id: "PID-DORA-04",
        study: 400,
        study_description: "Cut",
        series: 410,
        series_number: "1",
        modality: "CT",
        series_description: "Cut",
        instance: 411,
    });
    std::fs::write(dir.path().join("a_short.dcm"), &whole[..150]).unwrap();
    let mut i = inspector(dir.path());
    settle(&mut i);
    let b = browser(&i);
    let names: Vec<_> = b.files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(b.files.len(), 6, "every readable file still loads: {names:?}");
    assert_eq!(b.failures.len(), 2);
    let text = screen(&mut i, 120, 30);
    assert!(text.contains("2 unreadable"), "{text}");
    assert!(text.contains("a_not_dicom"), "{text}");
    assert!(text.contains("a_short.dcm"), "{text}");
    assert!(!text.contains('\x1b'), "the escape character is shown, not sent");
    assert!(text.contains("a_not_dicom␛[31m.txt"), "{text}");
}

#[test]
fn loading_two_thousand_files_never_blocks_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::many(dir.path(), 2000);
    let mut i = inspector(dir.path());
    // The first frame comes before anything is taken from the loader.
    let first = screen(&mut i, 80, 24);
    assert!(browser(&i).files.is_empty());
    assert!(!browser(&i).loaded());
    assert!(first.contains("study-folder"), "{first}");
    // Each tick takes what has arrived, never more than the channel holds: the worker waits
    // for the screen, never the screen for the worker.
    let mut frames = 1;
    let mut seen = Vec::new();
    while i.tick() {
        let b = browser(&i);
        seen.push(b.files.len());
        screen(&mut i, 80, 24);
        frames += 1;
        if seen.len() == 1 {
            assert!(
                seen[0] <= dpk::tui::folder::CHANNEL_DEPTH + 1,
                "one tick took {} files",
                seen[0]
            );
        }
        if !browser(&i).loaded() {
            std::thread::yield_now();
        }
    }
    let b = browser(&i);
    assert!(b.loaded());
    assert_eq!(b.files.len(), 2000);
    assert!(b.failures.is_empty());
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "files only arrive");
    assert!(
        seen.iter().filter(|n| **n < 2000).count() > 1,
        "frames were drawn while loading: {frames}"
    );
    let last = screen(&mut i, 80, 24);
    assert!(last.contains("1 study · 1 series · 2000 files"), "{last}");
}

#[test]
fn the_browser_keys_are_in_the_help_and_the_hints() {
    let help = keys::help_text();
    assert!(help.contains("Folder (dpk-tui DIR):"), "{help}");
    for b in keys::BROWSER_BINDINGS {
        assert!(help.contains(b.help), "{} missing from the help", b.label);
    }
    let hints = dpk::tui::view::hints_of(keys::BROWSER_BINDINGS, 80);
    assert!(hints.contains("⏎ open"), "{hints}");
    assert!(hints.contains("? help"), "{hints}");
    // The help opens over the browser, and Esc closes it.
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    let mut i = inspector(dir.path());
    settle(&mut i);
    i.update(Action::ToggleHelp);
    assert_eq!(i.mode(), Mode::Overlay);
    let text = screen(&mut i, 80, 24);
    assert!(text.contains("Keys (? closes)"), "{text}");
    i.update(Action::Cancel);
    assert_eq!(i.mode(), Mode::Browser);
}

#[test]
fn studies_and_series_fold() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::two_studies(dir.path());
    let mut i = inspector(dir.path());
    settle(&mut i);
    assert_eq!(browser(&i).rows.len(), 11);
    i.update(Action::Collapse);
    assert_eq!(browser(&i).rows.len(), 5, "the first study folded");
    i.update(Action::Expand);
    assert_eq!(browser(&i).rows.len(), 11);
    // Enter on a series folds it; on a file, ← goes to its series.
    i.update(Action::Down);
    i.update(Action::Open);
    assert_eq!(browser(&i).rows.len(), 9);
    assert!(i.app().is_none());
    i.update(Action::Open);
    i.update(Action::Down);
    i.update(Action::Collapse);
    assert_eq!(browser(&i).selected, 1);
}

#[test]
fn what_goes_with_a_removed_sequence_shows_the_engines_decision_for_it_kept() {
    // A rule asking to clean a value that cannot be cleaned in place (a UID): the engine
    // removes it instead. Inside a removed sequence the tree must say so, not echo the rule.
    let ron = r#"(
        name: "clean-uids",
        extends: "basic",
        rules: [(select: "ReferencedSOPInstanceUID", action: Clean)],
    )"#;
    let profile = Profile::from_ron(ron, "clean-uids.ron").unwrap();
    let file = dpk::dataset::open_bytes(dpk::tui::DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"folder-test-salt-0000001".to_vec()).unwrap());
    let app = dpk::tui::app::App::new("demo.dcm".into(), file, profile, ctx, false).unwrap();
    let inside: Vec<_> = app
        .elements()
        .filter(|c| c.keyword == "ReferencedSOPInstanceUID" && c.path.depth() == 1)
        .filter(|c| {
            c.decision
                .as_ref()
                .is_some_and(|d| d.rule.to_string().starts_with("removed with"))
        })
        .collect();
    assert!(!inside.is_empty(), "the demo has UIDs inside removed sequences");
    for c in inside {
        let d = c.decision.as_ref().unwrap();
        assert_eq!(d.action, dpk::Action::Remove);
        assert_eq!(d.requested, None, "kept, the engine would remove it too: {d:?}");
        let note = d.note.as_ref().unwrap().to_string();
        assert!(note.starts_with("if the sequence is kept: remove"), "{note}");
    }
}

#[test]
fn files_read_after_a_change_are_scored_with_the_changed_profile() {
    let dir = tempfile::tempdir().unwrap();
    browser_folder::many(dir.path(), 300);
    let mut i = inspector(dir.path());
    while browser(&i).files.is_empty() {
        i.tick();
        std::thread::yield_now();
    }
    let loaded_before_change = browser(&i).files.len();
    assert!(!browser(&i).loaded());
    // Keep Patient's Name in the first file, back to the folder.
    i.browser.as_mut().unwrap().select_file(0);
    i.update(Action::Open);
    select_element(&mut i, "PatientName");
    for _ in 0..8 {
        let app = i.app().unwrap();
        if app
            .selected_entry()
            .and_then(|c| c.decision.as_ref())
            .map(|d| d.action)
            == Some(dpk::Action::Keep)
        {
            break;
        }
        i.update(Action::CycleAction);
    }
    i.update(Action::Cancel);
    assert!(browser(&i).edits.generation > 0);
    let generation = browser(&i).edits.generation;
    settle(&mut i);
    let b = browser(&i);
    assert_eq!(b.files.len(), 300);
    assert!(b.files.iter().all(|f| f.assessment.generation == generation));
    // Only what was read before the change (in the screen's hands or the channel's) was
    // re-planned by the screen; the loader scored the rest with the changed profile.
    assert!(
        b.replanned <= loaded_before_change + dpk::tui::folder::CHANNEL_DEPTH + 2,
        "{} re-planned, {loaded_before_change} loaded before the change",
        b.replanned
    );
    assert!(b.replanned < 300);
}

#[cfg(unix)]
#[test]
fn a_link_to_a_file_is_read_and_a_link_to_a_folder_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let paths = browser_folder::two_studies(dir.path());
    let links = dir.path().join("c_links");
    std::fs::create_dir(&links).unwrap();
    std::os::unix::fs::symlink(&paths[0], links.join("linked.dcm")).unwrap();
    // A loop: followed, it would never end.
    std::os::unix::fs::symlink(dir.path(), links.join("loop")).unwrap();
    let mut i = inspector(dir.path());
    settle(&mut i);
    let b = browser(&i);
    assert_eq!(b.files.len(), 7);
    assert!(b.files.iter().any(|f| f.path.ends_with("c_links/linked.dcm")));
    assert!(b.failures.is_empty(), "{:?}", b.failures);
    // The linked file is the same instance: its study has one more file.
    assert_eq!(b.studies.len(), 2);
    assert_eq!(b.studies[0].files().count(), 5);
}
