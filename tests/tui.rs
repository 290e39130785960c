//! The inspector as a user meets it: its state after key actions, and its screens drawn on a
//! TestBackend (snapshots in tests/snapshots/).

#[path = "support/large_files.rs"]
mod large_files;

use dpk::engine::{Context, Salt};
use dpk::tui::app::{Action, App};
use dpk::tui::keys::action_for;
use dpk::tui::{view, DEMO};
use dpk::Profile;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

fn demo() -> App {
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"tui-test-salt-000000001".to_vec()).unwrap());
    App::new(
        "demo.dcm".into(),
        file,
        Profile::builtin("basic").unwrap(),
        ctx,
        false,
    )
    .unwrap()
}

fn select(app: &mut App, keyword: &str) {
    app.update(Action::Top);
    while app.selected_entry().map(|c| c.keyword) != Some(keyword) {
        let before = app.selected;
        app.update(Action::Down);
        assert_ne!(app.selected, before, "{keyword} not found");
    }
}

fn screen(app: &mut App, width: u16, height: u16) -> String {
    app.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn changing_an_action_replans_and_rescores_and_reset_undoes_it() {
    let mut app = demo();
    assert_eq!(app.doc.before.level.label(), "CRITICAL");
    assert_eq!(app.doc.after.score, 0.0);
    select(&mut app, "PatientName");
    // Cycle Patient's Name until the profile keeps it: the name is then a finding again.
    for _ in 0..8 {
        if app
            .selected_entry()
            .and_then(|c| c.decision.as_ref())
            .map(|d| d.action)
            == Some(dpk::Action::Keep)
        {
            break;
        }
        app.update(Action::CycleAction);
    }
    let entry = app.selected_entry().unwrap().clone();
    assert_eq!(entry.keyword, "PatientName", "selection stays on the element");
    assert_eq!(entry.decision.as_ref().unwrap().action, dpk::Action::Keep);
    assert!(app.is_overridden(&entry));
    assert!(app.doc.after.score > 0.0);
    assert!(app
        .doc
        .after
        .findings
        .iter()
        .any(|f| f.keyword == Some("PatientName")));
    // Patient Identity Removed follows: the profile now keeps a direct identifier.
    let marker = app
        .doc
        .plan
        .entries
        .iter()
        .find(|c| c.keyword == "PatientIdentityRemoved")
        .unwrap();
    assert!(format!("{:?}", marker.after).contains("NO"));

    app.update(Action::ResetAction);
    assert!(!app.is_overridden(app.selected_entry().unwrap()));
    assert_eq!(app.doc.after.score, 0.0);
}

#[test]
fn the_edited_profile_gives_the_plan_the_screen_showed() {
    let mut app = demo();
    select(&mut app, "StudyDescription");
    app.update(Action::CycleAction);
    let shown: Vec<_> = app
        .doc
        .plan
        .entries
        .iter()
        .map(|c| (c.path.clone(), c.kind, c.after.clone()))
        .collect();
    let text = app.current_profile().to_ron();
    let reloaded = Profile::from_ron(&text, "saved.ron").unwrap().resolve().unwrap();
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"tui-test-salt-000000001".to_vec()).unwrap());
    let plan = dpk::plan(&file, &reloaded, &ctx).unwrap();
    let again: Vec<_> = plan
        .entries
        .iter()
        .map(|c| (c.path.clone(), c.kind, c.after.clone()))
        .collect();
    assert_eq!(shown, again);
}

#[test]
fn sequences_fold_and_unfold() {
    let mut app = demo();
    select(&mut app, "ProcedureCodeSequence");
    let rows = app.rows.len();
    app.update(Action::Collapse);
    assert!(app.rows.len() < rows);
    assert_eq!(app.selected_entry().unwrap().keyword, "ProcedureCodeSequence");
    app.update(Action::Expand);
    assert_eq!(app.rows.len(), rows);
    app.update(Action::Down);
    app.update(Action::Collapse); // on a child: goes to the parent
    assert_eq!(app.selected_entry().unwrap().keyword, "ProcedureCodeSequence");
}

#[test]
fn main_screen() {
    let mut app = demo();
    select(&mut app, "PatientName");
    insta::assert_snapshot!(screen(&mut app, 160, 48));
}

/// The demo as `dpk-tui --demo` opens it: with the preview salt.
fn demo_with_preview_salt() -> App {
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"dpk-preview-salt-not-secret".to_vec()).unwrap());
    App::new(
        "demo.dcm (bundled)".into(),
        file,
        Profile::builtin("basic").unwrap(),
        ctx,
        true,
    )
    .unwrap()
}

#[test]
fn main_screen_80x24() {
    let mut app = demo_with_preview_salt();
    select(&mut app, "PatientName");
    let text = screen(&mut app, 80, 24);
    for shown in [
        "? help",
        "q quit",
        "PREVIEW SALT",
        "Tag",
        "Keyword",
        "Value before",
    ] {
        assert!(text.contains(shown), "{shown:?} not on screen:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn main_screen_120x30() {
    let mut app = demo_with_preview_salt();
    select(&mut app, "PatientName");
    let text = screen(&mut app, 120, 30);
    for shown in ["? help", "q quit", "PREVIEW SALT (--salt-file to use yours)"] {
        assert!(text.contains(shown), "{shown:?} not on screen:\n{text}");
    }
    insta::assert_snapshot!(text);
}

#[test]
fn help_overlay() {
    let mut app = demo();
    app.update(Action::ToggleHelp);
    let text = screen(&mut app, 120, 40);
    for b in dpk::tui::keys::BINDINGS {
        assert!(text.contains(b.help), "{} missing from the help", b.help);
    }
    insta::assert_snapshot!(text);
}

#[test]
fn narrow_terminal_stacks_the_panes() {
    let mut app = demo();
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("Tags") && text.contains("Risk") && text.contains("Change"));
    insta::assert_snapshot!(text);
}

fn type_path(app: &mut App, path: &std::path::Path) {
    app.update(Action::ClearLine);
    for c in path.display().to_string().chars() {
        app.update(Action::Input(c));
    }
}

#[test]
fn saving_asks_for_a_path_confirms_overwriting_and_reloads_to_the_same_plan() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("my-profile.ron");
    let mut app = demo();
    select(&mut app, "StudyDescription");
    app.update(Action::CycleAction);
    assert!(app.unsaved());

    app.update(Action::Save);
    assert!(
        app.prompt.as_ref().unwrap().input.ends_with(".ron"),
        "a sensible default"
    );
    type_path(&mut app, &target);
    app.update(Action::Submit);
    assert!(app.prompt.is_none(), "{}", app.message);
    assert!(app.message.contains("saved"), "{}", app.message);
    assert!(!app.unsaved());

    // The saved file, loaded as `dpk anonymize --profile FILE` loads it, gives the plan shown.
    let loaded = Profile::load(&target).unwrap().resolve().unwrap();
    let ctx = Context::new(Salt::new(b"tui-test-salt-000000001".to_vec()).unwrap());
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let plan = dpk::plan(&file, &loaded, &ctx).unwrap();
    let kinds = |p: &dpk::Plan| {
        p.entries
            .iter()
            .map(|c| (c.path.clone(), c.kind, c.after.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(&plan), kinds(&app.doc.plan));

    // Saving again over it asks first; anything but y keeps the file.
    app.update(Action::CycleAction);
    app.update(Action::Save);
    type_path(&mut app, &target);
    app.update(Action::Submit);
    assert!(app.prompt.as_ref().unwrap().confirm);
    app.update(Action::Input('n'));
    assert_eq!(app.message, "not overwritten");
    let before = std::fs::read_to_string(&target).unwrap();
    app.update(Action::Save);
    type_path(&mut app, &target);
    app.update(Action::Submit);
    app.update(Action::Input('y'));
    assert_ne!(std::fs::read_to_string(&target).unwrap(), before);
}

#[test]
fn the_prompt_edits_like_a_shell_line() {
    let mut app = demo();
    app.update(Action::Save);
    app.update(Action::ClearLine);
    for c in "out/dir/name.ron".chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::DeleteWord);
    assert_eq!(app.prompt.as_ref().unwrap().input, "out/dir/");
    app.update(Action::Backspace);
    assert_eq!(app.prompt.as_ref().unwrap().input, "out/dir");
    app.update(Action::Cancel);
    assert!(app.prompt.is_none());
}

#[test]
fn a_preview_salt_refuses_saving_and_writing_and_says_how() {
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"dpk-preview-salt-not-secret".to_vec()).unwrap());
    let mut app = App::new("demo".into(), file, Profile::builtin("basic").unwrap(), ctx, true).unwrap();
    // Writing needs the user's salt; a profile holds none, so saving does not.
    app.update(Action::Write);
    assert!(app.prompt.is_none());
    assert!(app.message.contains("--salt-file"), "{}", app.message);
    app.update(Action::Save);
    assert_eq!(
        app.prompt.as_ref().map(|p| p.kind),
        Some(dpk::tui::app::PromptKind::SaveProfile),
        "{}",
        app.message
    );
}

#[test]
fn writing_produces_the_de_identified_file_with_its_pixel_data() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("demo_anon.dcm");
    let mut app = demo();
    app.update(Action::Write);
    type_path(&mut app, &target);
    app.update(Action::Submit);
    assert!(app.message.starts_with("wrote"), "{}", app.message);
    let out = dpk::dataset::open(&target).unwrap();
    let original = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let pixels = dicom_dictionary_std::tags::PIXEL_DATA;
    assert_eq!(
        out.get(pixels).unwrap().to_bytes().unwrap(),
        original.get(pixels).unwrap().to_bytes().unwrap()
    );
    assert!(dpk::dataset::text_of(&out, dicom_dictionary_std::tags::PATIENT_NAME).is_none());
}

/// The explain panel over the main screen, for Patient's Birth Date under the Basic Profile.
#[test]
fn explain_panel() {
    let mut app = demo();
    select(&mut app, "PatientBirthDate");
    app.update(Action::Explain);
    insta::assert_snapshot!(screen(&mut app, 160, 48));
}

#[test]
fn explain_and_unsaved_quit() {
    let mut app = demo();
    select(&mut app, "PatientBirthDate");
    app.update(Action::Explain);
    let text = app.explain.clone().unwrap();
    assert!(
        text.contains("Patient Birth Date") && text.contains("PHI category"),
        "{text}"
    );
    let screen_text = screen(&mut app, 160, 48);
    assert!(screen_text.contains("Explain (e or Esc closes)"));
    app.update(Action::Cancel);
    assert!(app.explain.is_none());

    app.update(Action::CycleAction);
    app.update(Action::Quit);
    assert!(!app.quit && app.message.contains("unsaved"), "{}", app.message);
    app.update(Action::Quit);
    assert!(app.quit);
}

#[test]
fn undo_and_redo_walk_the_changes() {
    let mut app = demo();
    select(&mut app, "PatientName");
    let action = |app: &App| app.selected_entry().unwrap().decision.as_ref().unwrap().action;
    let first = action(&app);
    app.update(Action::CycleAction);
    let second = action(&app);
    app.update(Action::CycleAction);
    let third = action(&app);
    assert!(first != second && second != third);
    app.update(Action::Undo);
    assert_eq!(action(&app), second);
    app.update(Action::Undo);
    assert_eq!(action(&app), first);
    assert!(!app.unsaved());
    app.update(Action::Undo);
    assert_eq!(app.message, "nothing to undo");
    app.update(Action::Redo);
    app.update(Action::Redo);
    assert_eq!(action(&app), third);
    // A new change after an undo drops what could have been redone.
    app.update(Action::Undo);
    app.update(Action::ResetAction);
    app.update(Action::Redo);
    assert_eq!(app.message, "nothing to redo");
}

/// Searches for `text` as a user does: `/`, the text, Enter.
fn search_for(app: &mut App, text: &str) {
    app.update(Action::Search);
    app.update(Action::ClearLine);
    for c in text.chars() {
        app.update(Action::Input(c));
    }
    app.update(Action::Submit);
}

#[test]
fn search_finds_tag_keyword_and_value_and_wraps() {
    let mut app = demo();
    search_for(&mut app, "robert");
    // Any case, inside a value: the station is named after someone.
    assert_eq!(app.selected_entry().unwrap().keyword, "StationName");
    search_for(&mut app, "EXAMPLE^robert");
    let first = app.selected_entry().unwrap().path.clone();
    assert_eq!(first.to_string(), "(0010,0010)");
    app.update(Action::NextMatch);
    assert_ne!(app.selected_entry().unwrap().path, first);
    app.update(Action::PrevMatch);
    assert_eq!(app.selected_entry().unwrap().path, first);
    search_for(&mut app, "(0020,000d)");
    assert_eq!(app.selected_entry().unwrap().keyword, "StudyInstanceUID");
}

#[test]
fn the_filter_shows_phi_then_changes_then_all() {
    let mut app = demo();
    // Keep Patient's Name: still PHI, no longer a change.
    select(&mut app, "PatientName");
    while app.selected_entry().unwrap().decision.as_ref().unwrap().action != dpk::Action::Keep {
        app.update(Action::CycleAction);
    }
    let all = app.rows.len();
    app.update(Action::CycleFilter);
    let phi = app.rows.len();
    app.update(Action::CycleFilter);
    let changed = app.rows.len();
    assert!(changed < phi && phi < all, "{changed} {phi} {all}");
    // Every element shown changes, or is a sequence that leads to one that does.
    let shown: Vec<&dpk::diff::Change> = app
        .rows
        .iter()
        .filter(|r| r.item.is_none())
        .map(|r| app.element(r.entry).unwrap())
        .collect();
    for c in &shown {
        assert!(
            c.is_change()
                || shown
                    .iter()
                    .any(|d| d.is_change() && d.path.items.first().is_some_and(|s| s.sequence == c.path.tag)),
            "{} shown but unchanged",
            c.path
        );
    }
    // Every element that changes, those removed with their sequence included.
    assert_eq!(
        shown.iter().filter(|c| c.is_change()).count(),
        app.elements().filter(|c| c.is_change()).count()
    );
    app.update(Action::CycleFilter);
    assert_eq!(app.rows.len(), all);
}

#[test]
fn light_theme_and_theme_cycling() {
    let mut app = demo();
    app.theme = dpk::tui::theme::Theme::builtin("light").unwrap();
    // Patient's Name on screen, unselected: the row above it is selected.
    select(&mut app, "PatientName");
    let _ = screen(&mut app, 120, 40);
    // The view keeps its scroll position: one row up, Patient's Name is still on screen.
    app.update(Action::Up);
    app.update(Action::Resize(120, 40));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    // The "empty" badge of Patient's Name is drawn in the light theme's colour for empty.
    let (x, row) = find_cells(&buffer, "│ (0010,0010) PatientName").unwrap();
    let badge = (x..buffer.area.width)
        .find(|&c| cells_spell(&buffer, c, row, "empty"))
        .unwrap();
    let x = badge;
    let colour = app.theme.badge(dpk::Action::Empty);
    assert_eq!(buffer[(x, row)].fg, colour);
    assert_eq!(colour, ratatui::style::Color::Rgb(0x8e, 0x24, 0xaa));
    // The selected row uses the theme's selection colours.
    assert_eq!(buffer[(2, row - 1)].bg, app.theme.selection_bg);
    assert_ne!(buffer[(2, row)].bg, app.theme.selection_bg);
    insta::assert_debug_snapshot!(buffer);

    app.update(Action::CycleTheme);
    assert_eq!(app.theme.name, "high-contrast");
    app.update(Action::CycleTheme);
    app.update(Action::CycleTheme);
    assert_eq!(app.theme.name, "dark");
}

/// Whether the cells from (x, y) rightwards show `text`, one character per cell.
fn cells_spell(buffer: &ratatui::buffer::Buffer, x: u16, y: u16, text: &str) -> bool {
    text.chars().enumerate().all(|(i, ch)| {
        let cx = x + i as u16;
        cx < buffer.area.width && buffer[(cx, y)].symbol() == ch.to_string()
    })
}

/// The first cell (column, row) where `text` is shown.
fn find_cells(buffer: &ratatui::buffer::Buffer, text: &str) -> Option<(u16, u16)> {
    (0..buffer.area.height)
        .flat_map(|y| (0..buffer.area.width).map(move |x| (x, y)))
        .find(|&(x, y)| cells_spell(buffer, x, y, text))
}

/// `c` turns the diff pane into the list of every change the profile makes, the selected
/// element's highlighted; a change of action updates the list in the same frame.
#[test]
fn the_diff_pane_lists_every_change_and_follows_the_selection() {
    let mut app = demo();
    select(&mut app, "PatientName");
    app.update(Action::ToggleChangeList);
    assert!(app.change_list);
    let count = app.doc.plan.change_count();
    app.update(Action::Resize(160, 48));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let title = format!("Changes — {count} in the plan");
    assert!(find_cells(&buffer, &title).is_some(), "{}", terminal.backend());
    let (x, y) = find_cells(&buffer, "(0010,0010) PatientName: ").expect("Patient's Name is listed");
    assert_eq!(
        buffer[(x, y)].bg,
        app.theme.selection_bg,
        "the selected element is highlighted"
    );
    let birth = find_cells(&buffer, "(0010,0030) PatientBirthDate: ").expect("the birth date is listed");
    assert_ne!(buffer[(birth.0, birth.1)].bg, app.theme.selection_bg);
    insta::assert_snapshot!(terminal.backend().to_string());

    // Keep Patient's Name: it leaves the list, which says one change fewer.
    while app.selected_entry().unwrap().decision.as_ref().unwrap().action != dpk::Action::Keep {
        app.update(Action::CycleAction);
    }
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    assert!(
        find_cells(&buffer, "PatientName: ").is_none(),
        "{}",
        terminal.backend()
    );
    assert!(find_cells(&buffer, &format!("Changes — {} in the plan", count - 1)).is_some());

    app.update(Action::ToggleChangeList);
    let text = screen(&mut app, 160, 48);
    assert!(
        text.contains("Change — ") && text.contains("changes (c: all)"),
        "{text}"
    );
}

#[test]
fn the_action_menu_offers_what_fits_the_vr() {
    let mut app = demo();
    select(&mut app, "SOPInstanceUID");
    app.update(Action::ActionMenu);
    let labels = menu_labels(&app);
    assert!(
        labels.contains(&"new uid".to_string()) && !labels.contains(&"hash".to_string()),
        "{labels:?}"
    );
    select_menu(&mut app, "keep");
    assert_eq!(
        app.selected_entry().unwrap().decision.as_ref().unwrap().action,
        dpk::Action::Keep
    );
    assert!(app.menu.is_none());
}

/// The labels of the open menu.
fn menu_labels(app: &App) -> Vec<String> {
    app.menu
        .as_ref()
        .unwrap()
        .items
        .iter()
        .map(|(l, _)| l.clone())
        .collect()
}

fn select_menu(app: &mut App, label: &str) {
    for _ in 0..app.menu.as_ref().unwrap().items.len() {
        app.update(Action::MenuUp);
    }
    while app.menu.as_ref().unwrap().items[app.menu.as_ref().unwrap().selected].0 != label {
        let before = app.menu.as_ref().unwrap().selected;
        app.update(Action::MenuDown);
        assert_ne!(
            app.menu.as_ref().unwrap().selected,
            before,
            "{label} not in the menu"
        );
    }
    app.update(Action::MenuPick);
}

#[test]
fn options_toggle_and_a_saved_profile_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = demo();
    select(&mut app, "StudyDate");
    app.update(Action::OptionsMenu);
    select_menu(&mut app, "retain-long-modified-dates");
    let menu = app.menu.as_ref().unwrap();
    assert_eq!(
        menu.items[menu.selected].1,
        Some(true),
        "toggled on, menu stays open"
    );
    let date = app.selected_entry().unwrap().clone();
    assert_eq!(date.decision.as_ref().unwrap().action, dpk::Action::Clean);
    assert!(format!("{:?}", date.after).contains("Primitive"), "{date:?}");
    // The alternative option is refused while this one is on.
    select_menu(&mut app, "retain-long-full-dates");
    assert!(app.message.contains("alternatives"), "{}", app.message);
    app.update(Action::Cancel);

    let target = dir.path().join("with-options.ron");
    app.update(Action::Save);
    type_path(&mut app, &target);
    app.update(Action::Submit);
    let saved = Profile::load(&target).unwrap();
    assert_eq!(saved.options, vec!["retain-long-modified-dates".to_string()]);
}

#[test]
fn the_profile_menu_switches_the_base() {
    let mut app = demo();
    app.update(Action::ProfileMenu);
    let labels = menu_labels(&app);
    assert_eq!(labels[0], "basic");
    assert!(labels.iter().any(|l| l.ends_with("hash-name.ron")), "{labels:?}");
    assert!(!labels.iter().any(|l| l.ends_with("basic.ron")), "{labels:?}");
    let hash_name = labels
        .iter()
        .find(|l| l.ends_with("hash-name.ron"))
        .unwrap()
        .clone();
    select_menu(&mut app, &hash_name);
    select(&mut app, "PatientName");
    assert_eq!(
        app.selected_entry().unwrap().decision.as_ref().unwrap().action,
        dpk::Action::Hash
    );
}

#[test]
fn a_change_to_a_private_element_is_a_rule_by_creator() {
    let mut app = demo();
    app.update(Action::Top);
    while app.selected_entry().unwrap().path.to_string() != "(0019,1023)" {
        app.update(Action::Down);
    }
    let entry = app.selected_entry().unwrap().clone();
    assert_eq!(app.creator(&entry).as_deref(), Some("GEMS_ACQU_01"));
    let shown = screen(&mut app, 160, 48);
    assert!(shown.contains("[GEMS_ACQU_01]"), "{shown}");
    // Named as PS3.15's table of safe private attributes names it, after its creator.
    assert!(shown.contains("[GEMS_ACQU_01] Table Speed"), "{shown}");
    while app.selected_entry().unwrap().decision.as_ref().unwrap().action != dpk::Action::Keep {
        app.update(Action::CycleAction);
    }
    let saved = app.current_profile();
    assert!(
        saved
            .rules
            .iter()
            .any(|r| r.select.as_str() == "(0019,xx23,GEMS_ACQU_01)" && r.action == dpk::Action::Keep),
        "{:?}",
        saved.rules
    );
    // Its creator stays with it, and the rule holds where the block has another number.
    let creator = app
        .doc
        .plan
        .entries
        .iter()
        .find(|c| c.path.to_string() == "(0019,0010)")
        .unwrap();
    assert_eq!(creator.decision.as_ref().unwrap().action, dpk::Action::Keep);
    let other = dpk::dataset::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/study/series2/img1.dcm"
    ))
    .unwrap();
    let ctx = Context::new(Salt::new(b"tui-test-salt-000000001".to_vec()).unwrap());
    let plan = dpk::plan(&other, &saved.resolve().unwrap(), &ctx).unwrap();
    let moved = plan
        .entries
        .iter()
        .find(|c| c.path.to_string() == "(0019,1123)")
        .unwrap();
    assert_eq!(moved.decision.as_ref().unwrap().action, dpk::Action::Keep);
}

#[test]
fn mouse_clicks_select_and_cycle_and_the_wheel_scrolls() {
    let mut app = demo();
    app.update(Action::Resize(160, 48));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let (x, y) = find_cells(&buffer, "│ (0008,0020) StudyDate").unwrap();
    app.update(Action::Click(x + 4, y));
    assert_eq!(app.selected_entry().unwrap().keyword, "StudyDate");
    let before = app.selected_entry().unwrap().decision.as_ref().unwrap().action;
    let badge = app.tree_rows.x + dpk::tui::view::badge_column(app.tree_name_width, 0) as u16;
    assert!(
        cells_spell(&buffer, badge, y, before.label()),
        "the badge is where clicks expect it"
    );
    app.update(Action::Click(badge + 1, y));
    let after = app.selected_entry().unwrap().decision.as_ref().unwrap().action;
    assert_ne!(before, after, "a click on the badge cycles the action");
    let at = app.selected;
    app.update(Action::ScrollDown);
    assert_eq!(app.selected, at + 3);
    app.update(Action::Click(0, 0)); // on the border: nothing
    assert_eq!(app.selected, at + 3);
}

#[test]
fn a_change_at_one_place_in_the_sequences_stays_there() {
    let mut app = demo();
    // Study Instance UID appears at the top level and inside Related Series Sequence.
    app.update(Action::Top);
    while app.selected_entry().unwrap().path.to_string() != "(0008,1250)[0].(0020,000D)" {
        app.update(Action::Down);
    }
    app.update(Action::CycleActionAtPath);
    let nested = app.selected_entry().unwrap().clone();
    assert_eq!(nested.decision.as_ref().unwrap().action, dpk::Action::Keep);
    assert!(app.is_overridden(&nested));
    assert!(app.message.contains("this place only"), "{}", app.message);
    let top = app
        .doc
        .plan
        .entries
        .iter()
        .find(|c| c.path.to_string() == "(0020,000D)")
        .unwrap();
    assert_eq!(
        top.decision.as_ref().unwrap().action,
        dpk::Action::ReplaceUid,
        "the top level keeps its rule"
    );
    assert!(app
        .current_profile()
        .rules
        .iter()
        .any(|r| r.select.as_str() == "(0008,1250)[0].(0020,000D)"));
    app.update(Action::ResetAction);
    assert!(!app.is_overridden(app.selected_entry().unwrap()));
    assert!(app.current_profile().rules.is_empty());
}

#[test]
fn pixel_data_left_in_the_file_shows_its_size_and_frames_and_is_written_whole() {
    let dir = tempfile::tempdir().unwrap();
    let input = large_files::large_jpeg(dir.path(), false);
    let header = dpk::dataset::open_header(&input).unwrap();
    assert!(header.pixel_data.is_some(), "pixel data read into memory");
    let ctx = Context::new(Salt::new(b"tui-test-salt-000000001".to_vec()).unwrap());
    let mut app = App::new(
        "jpeg.dcm".into(),
        header,
        Profile::builtin("basic").unwrap(),
        ctx,
        false,
    )
    .unwrap();
    app.doc.source = Some(input.clone());
    select(&mut app, "PixelData");
    let text = screen(&mut app, 160, 40);
    assert!(text.contains("encapsulated, 40 fragments,"), "{text}");
    assert!(text.contains("40 frames"), "{text}");

    let target = dir.path().join("jpeg_anon.dcm");
    app.update(Action::Write);
    type_path(&mut app, &target);
    app.update(Action::Submit);
    assert!(app.message.starts_with("wrote"), "{}", app.message);
    let pixels = dicom_dictionary_std::tags::PIXEL_DATA;
    let fragments = |path: &std::path::Path| {
        dpk::dataset::open(path)
            .unwrap()
            .get(pixels)
            .unwrap()
            .fragments()
            .unwrap()
            .to_vec()
    };
    assert_eq!(fragments(&target), fragments(&input));
}

/// Selects the row of the element at `path` (written as `TagPath` displays it).
fn select_path(app: &mut App, path: &str) {
    app.update(Action::Top);
    while app.selected_entry().unwrap().path.to_string() != path {
        let before = app.selected;
        app.update(Action::Down);
        assert_ne!(app.selected, before, "{path} not in the tree");
    }
}

#[test]
fn elements_inside_a_removed_sequence_are_listed_nested_and_marked_removed() {
    let mut app = demo();
    // Basic removes Referenced Image Sequence; the plan stops at it.
    select(&mut app, "ReferencedImageSequence");
    let sequence = app.selected_entry().unwrap().clone();
    assert_eq!(sequence.kind, dpk::diff::ChangeKind::Removed);
    assert!(
        app.rows[app.selected].has_children,
        "the removed sequence can fold"
    );
    let inside: Vec<(usize, dpk::diff::Change, bool)> = app.rows[app.selected + 1..]
        .iter()
        .map(|r| (r.depth, app.element(r.entry).unwrap().clone(), r.with_sequence))
        .take_while(|(depth, _, _)| *depth > 0)
        .collect();
    let paths: Vec<String> = inside.iter().map(|(_, c, _)| c.path.to_string()).collect();
    assert_eq!(
        paths,
        [
            "(0008,1140)[0].(0008,1150)",
            "(0008,1140)[0].(0008,1155)",
            "(0008,1140)[0].(0040,A170)",
            "(0008,1140)[0].(0040,A170)[0].(0008,0100)",
            "(0008,1140)[0].(0040,A170)[0].(0008,0102)",
            "(0008,1140)[0].(0040,A170)[0].(0008,0104)",
        ],
        "every element inside, in file order, nested sequences too"
    );
    for (depth, c, with_sequence) in &inside {
        assert_eq!(*depth, c.path.depth());
        assert!(with_sequence, "{}", c.path);
        assert_eq!(c.kind, dpk::diff::ChangeKind::Removed, "{}", c.path);
        assert_eq!(c.after, None);
        let decision = c.decision.as_ref().unwrap();
        assert_eq!(decision.action, dpk::Action::Remove);
        assert_eq!(decision.rule, "removed with sequence (0008,1140)");
        assert!(
            app.doc.plan.entry(&c.path).is_none(),
            "the plan itself is unchanged"
        );
    }
    // The original values are shown as they were, and what the element's own rule would do.
    let (_, uid, _) = &inside[1];
    assert_eq!(uid.keyword, "ReferencedSOPInstanceUID");
    assert!(format!("{:?}", uid.before).contains("2.25.1837621485943855178"));
    assert_eq!(
        uid.decision.as_ref().unwrap().note.as_deref(),
        Some("if the sequence is kept: new uid (by basic: (0008,1155))")
    );

    // The plan is the same as the engine's, and the tree lists more than the plan.
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"tui-test-salt-000000001".to_vec()).unwrap());
    let plan = dpk::plan(&file, &app.doc.profile, &ctx).unwrap();
    assert_eq!(plan.entries, app.doc.plan.entries);
    assert_eq!(app.element_count(), plan.entries.len() + 32);

    // On screen: nested under the sequence, with its badge, the value before and the rule.
    select_path(&mut app, "(0008,1140)[0].(0040,A170)[0].(0008,0104)");
    let text = screen(&mut app, 160, 48);
    for shown in [
        "Tags — 193 elements, 193 shown",
        "│▾(0008,1140) ReferencedImageSequence",
        "│   (0008,1155) ReferencedSOPInstanceUID   UI remove      2.25.1837621",
        "│  ▾(0040,A170) PurposeOfReferenceCodeSeq… SQ remove      1 item",
        "│     (0008,0104) CodeMeaning              LO remove      Localizer",
        "before: Localizer",
        "after:  (removed)",
        "rule: removed with sequence",
        "Change — 105 changes (c: all)",
    ] {
        assert!(text.contains(shown), "{shown:?} not on screen:\n{text}");
    }
}

#[test]
fn collapsing_a_removed_sequence_hides_what_goes_with_it() {
    let mut app = demo();
    select_path(&mut app, "(0040,0275)");
    let under = |app: &App| {
        app.rows
            .iter()
            .filter(|r| {
                app.element(r.entry)
                    .unwrap()
                    .path
                    .to_string()
                    .starts_with("(0040,0275)[0].")
            })
            .count()
    };
    assert_eq!(under(&app), 17, "four levels deep, all listed");
    let rows = app.rows.len();
    app.update(Action::Collapse);
    assert_eq!(under(&app), 0);
    assert_eq!(app.rows.len(), rows - 17);
    assert_eq!(app.selected_entry().unwrap().path.to_string(), "(0040,0275)");
    app.update(Action::Expand);
    assert_eq!(under(&app), 17);
    // A nested sequence inside folds on its own; left on a child goes to its parent.
    select_path(&mut app, "(0040,0275)[0].(0040,0008)[0].(0040,0440)");
    app.update(Action::Collapse);
    assert_eq!(under(&app), 17 - 6);
    app.update(Action::Collapse);
    assert_eq!(
        app.selected_entry().unwrap().path.to_string(),
        "(0040,0275)[0].(0040,0008)"
    );
}

#[test]
fn a_change_inside_a_removed_sequence_is_a_rule_by_tag_that_waits_for_the_sequence() {
    let mut app = demo();
    select_path(&mut app, "(0040,0275)[0].(0008,0050)");
    let entry = app.selected_entry().unwrap().clone();
    // Its own rule would empty it; the first press gives the next action after that.
    assert_eq!(
        entry.decision.as_ref().unwrap().requested,
        Some(dpk::Action::Empty)
    );
    app.update(Action::CycleAction);
    assert!(
        app.message
            .contains("takes effect only if the sequence (0040,0275) is kept (now removed)"),
        "{}",
        app.message
    );
    let chosen = app.current_profile().rules[0].clone();
    assert_eq!(chosen.select.as_str(), "(0008,0050)");
    assert_ne!(chosen.action, dpk::Action::Empty);
    // Still removed with its sequence, marked as the user's, its note saying what would apply.
    let entry = app.selected_entry().unwrap().clone();
    assert_eq!(entry.path.to_string(), "(0040,0275)[0].(0008,0050)");
    assert_eq!(entry.kind, dpk::diff::ChangeKind::Removed);
    assert!(app.is_overridden(&entry));
    assert_eq!(entry.decision.as_ref().unwrap().requested, Some(chosen.action));
    // The rule by tag holds at the top level at once.
    let top = app.doc.plan.entry(&"(0008,0050)".parse().unwrap()).unwrap();
    assert_eq!(top.decision.as_ref().unwrap().action, chosen.action);
    // A second press moves on from the user's action, not from the sequence's.
    app.update(Action::CycleAction);
    assert_ne!(app.current_profile().rules[0].action, chosen.action);
    app.update(Action::Undo);

    // Keep the sequence: the plan now descends into it and the rule applies there.
    select_path(&mut app, "(0040,0275)");
    while app.selected_entry().unwrap().decision.as_ref().unwrap().action != dpk::Action::Keep {
        app.update(Action::CycleAction);
    }
    let inside = app
        .doc
        .plan
        .entry(&"(0040,0275)[0].(0008,0050)".parse().unwrap())
        .unwrap();
    assert_eq!(inside.decision.as_ref().unwrap().action, chosen.action);
    let still_going_with_it = app.rows.iter().filter(|r| r.with_sequence).any(|r| {
        app.element(r.entry)
            .unwrap()
            .path
            .to_string()
            .starts_with("(0040,0275)")
    });
    assert!(
        !still_going_with_it,
        "a kept sequence's elements are the plan's own"
    );
}

#[test]
fn search_and_explain_reach_inside_removed_sequences() {
    let mut app = demo();
    search_for(&mut app, "sps-5501");
    assert_eq!(
        app.selected_entry().unwrap().path.to_string(),
        "(0040,0275)[0].(0040,0009)"
    );
    select_path(&mut app, "(0008,1110)[0].(0008,1155)");
    app.update(Action::Explain);
    let text = app.explain.clone().unwrap();
    for place in ["(0008,1110)[0].(0008,1155)", "(0008,2112)[0].(0008,1155)"] {
        assert!(text.contains(place), "{place} missing:\n{text}");
    }
    assert!(text.contains("removed with sequence (0008,1110)"), "{text}");
}

#[test]
fn an_emptied_sequence_lists_its_items_as_removed_with_them() {
    let mut app = demo();
    select_path(&mut app, "(0008,1110)");
    app.update(Action::ActionMenu);
    select_menu(&mut app, "empty");
    assert_eq!(app.selected_entry().unwrap().kind, dpk::diff::ChangeKind::Emptied);
    app.update(Action::Down);
    let inside = app.selected_entry().unwrap().clone();
    assert_eq!(inside.path.to_string(), "(0008,1110)[0].(0008,1150)");
    assert_eq!(inside.kind, dpk::diff::ChangeKind::Removed);
    assert_eq!(
        inside.decision.as_ref().unwrap().rule,
        "removed with the items of sequence (0008,1110)"
    );
    app.update(Action::CycleActionAtPath);
    assert!(
        app.message
            .ends_with("takes effect only if the sequence (0008,1110) is kept (now emptied)"),
        "{}",
        app.message
    );
    assert!(app.message.contains("(this place only)"), "{}", app.message);
}

/// On a screen too small for it, an explanation scrolls with the moving keys, says which
/// rows show, and the tree beneath does not move; closed, the keys move the tree again.
#[test]
fn an_explanation_taller_than_the_screen_scrolls() {
    let mut app = demo();
    select(&mut app, "PatientBirthDate");
    let selected = app.selected;
    app.update(Action::Explain);
    // 60 columns wrap the explanation to 14 rows; 8 lines of screen show 6 of them.
    let top = screen(&mut app, 60, 8);
    assert!(top.contains("rows 1–6 of 14"), "{top}");
    assert!(
        top.contains("(0010,0030) Patient Birth Date") && !top.contains("19520229"),
        "{top}"
    );
    app.update(Action::Down);
    assert!(screen(&mut app, 60, 8).contains("rows 2–7 of 14"));
    app.update(Action::Bottom);
    let bottom = screen(&mut app, 60, 8);
    assert!(bottom.contains("rows 9–14 of 14"), "{bottom}");
    assert!(
        bottom.contains("Score of this file:") && bottom.contains("Score after the profile: not counted"),
        "{bottom}"
    );
    assert!(!bottom.contains("keyword PatientBirthDate"), "{bottom}");
    // Scrolling past either end stays at it.
    app.update(Action::PageDown);
    assert!(screen(&mut app, 60, 8).contains("rows 9–14 of 14"));
    app.update(Action::PageUp);
    app.update(Action::PageUp);
    assert!(screen(&mut app, 60, 8).contains("rows 1–6 of 14"));
    assert_eq!(app.selected, selected, "the tree moved under the explanation");
    // Where it fits, it says nothing of rows.
    assert!(!screen(&mut app, 60, 18).contains("rows "));

    app.update(Action::Cancel);
    assert!(app.explain.is_none());
    app.update(Action::Down);
    assert_eq!(app.selected, selected + 1);
    app.update(Action::Up);
    app.update(Action::Explain);
    assert!(
        screen(&mut app, 60, 8).contains("rows 1–6 of 14"),
        "opens at its top"
    );
}

/// The help on an 80 × 24 terminal scrolls to its last key; `e` over it shows the
/// explanation instead, and `?` over that the help again.
#[test]
fn the_help_scrolls_on_a_small_terminal_and_gives_way_to_an_explanation() {
    let mut app = demo();
    app.update(Action::ToggleHelp);
    let top = screen(&mut app, 80, 24);
    assert!(
        top.contains("previous element") && !top.contains("quit (asks first"),
        "{top}"
    );
    app.update(Action::Bottom);
    let bottom = screen(&mut app, 80, 24);
    assert!(
        bottom.contains("quit at once, unsaved or not") && !bottom.contains("previous element"),
        "{bottom}"
    );
    app.update(Action::Explain);
    assert!(!app.help && app.explain.is_some());
    app.update(Action::ToggleHelp);
    assert!(app.help && app.explain.is_none());
    assert!(
        screen(&mut app, 80, 24).contains("previous element"),
        "the help opens at its top"
    );
    let q = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    app.update(action_for(q, app.mode()).expect("q does something"));
    assert!(!app.help && !app.quit, "q closes the help, it does not quit");
}

/// Ctrl-C leaves at once wherever the user is: in a menu, in a prompt, over the help, with
/// unsaved changes.
#[test]
fn ctrl_c_quits_from_anywhere() {
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let places = ["a menu", "a prompt", "the help", "the unsaved question"];
    for what in places {
        let mut app = demo();
        select(&mut app, "PatientName");
        app.update(Action::CycleAction);
        match what {
            "a menu" => app.update(Action::OptionsMenu),
            "a prompt" => app.update(Action::Search),
            "the help" => app.update(Action::ToggleHelp),
            _ => app.update(Action::Quit),
        }
        assert!(!app.quit, "{what}: opening it quit");
        let action = action_for(ctrl_c, app.mode()).expect("Ctrl-C does something");
        app.update(action);
        assert!(app.quit, "{what}: Ctrl-C did not quit");
    }
}

// ---------------------------------------------------------------------------------------------
// Readable at every size, and honest
// ---------------------------------------------------------------------------------------------

#[path = "support/tui_files.rs"]
mod tui_files;

use tui_files::{ct_file, sequence, text};

/// Opens `bytes` as a file on disk, as `dpk-tui FILE` does.
fn open_file(bytes: &[u8]) -> App {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.dcm");
    std::fs::write(&path, bytes).unwrap();
    let header = dpk::dataset::open_header(&path).unwrap();
    let ctx = Context::new(Salt::new(b"tui-test-salt-000000001".to_vec()).unwrap());
    App::new(
        "file.dcm".into(),
        header,
        Profile::builtin("basic").unwrap(),
        ctx,
        false,
    )
    .unwrap()
}

/// Every value shown in the tree at `width` × `height`: the text of its value column, and the
/// full value as the screen would show it uncut.
fn shown_values(app: &mut App, width: u16, height: u16) -> Vec<(String, String)> {
    app.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let area = app.tree_rows;
    let offset = app.list_state.offset();
    let mut out = Vec::new();
    for (i, row) in app
        .rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(usize::from(area.height))
    {
        if row.item.is_some() {
            continue;
        }
        let c = app.element(row.entry).unwrap();
        let Some(before) = &c.before else { continue };
        let full = app.value_text(c, before, 0);
        let start = view::badge_column(app.tree_name_width, row.depth) + view::BADGE_WIDTH + 2;
        let y = area.y + (i - offset) as u16;
        let mut cells = String::new();
        let mut x = area.x + start as u16;
        while x < area.x + area.width {
            cells.push_str(buffer[(x, y)].symbol());
            x += 1;
        }
        out.push((cells.trim_end().to_string(), full));
    }
    out
}

/// A shown value is the whole value, or a start of it ended with `…`.
fn assert_honest(values: &[(String, String)]) {
    assert!(!values.is_empty());
    for (shown, full) in values {
        let whole = shown == full.trim_end();
        let cut = shown
            .strip_suffix('…')
            .is_some_and(|start| full.starts_with(start) && shown.chars().count() <= full.chars().count());
        assert!(whole || cut, "{full:?} shown as {shown:?}");
    }
}

#[test]
fn no_value_is_cut_without_an_ellipsis_at_any_size() {
    for (width, height) in [(80, 24), (100, 30), (110, 30), (120, 30), (160, 48), (60, 20)] {
        let mut app = demo();
        let mut seen = 0;
        // Every page of the tree.
        loop {
            let values = shown_values(&mut app, width, height);
            assert_honest(&values);
            seen += values.len();
            let before = app.selected;
            app.update(Action::PageDown);
            if app.selected == before {
                break;
            }
        }
        assert!(seen >= 150, "{width}×{height}: {seen} values seen");
    }
    // At 110 columns a date is drawn whole.
    let mut app = demo();
    select(&mut app, "StudyDate");
    let text = screen(&mut app, 110, 30);
    let row = text
        .lines()
        .find(|l| l.contains("(0008,0020) StudyDate"))
        .unwrap();
    assert!(row.contains("20230917"), "{row}");
}

#[test]
fn keywords_cut_to_their_column_end_with_an_ellipsis() {
    let mut app = demo();
    select(&mut app, "ReferringPhysicianTelephoneNumbers");
    let text = screen(&mut app, 80, 24);
    assert!(text.contains("ReferringPhysicianTelephone… SH"), "{text}");
    assert!(!text.contains("ReferringPhysicianTelephoneN "), "{text}");
}

#[test]
fn the_layout_is_chosen_by_what_fits() {
    let mut app = demo();
    // 120 columns: the tree keeps a full keyword column and a value column of 20 beside the
    // risk and change panes.
    let wide = screen(&mut app, 120, 30);
    let first = wide.lines().next().unwrap();
    assert!(first.contains("Tags") && first.contains("Risk"), "{first}");
    assert!(wide.contains("2.25.18376214859438"), "{wide}");
    // 100 columns: stacked, the tree over the risk and change panes.
    let narrow = screen(&mut app, 100, 30);
    let first = narrow.lines().next().unwrap();
    assert!(first.contains("Tags") && !first.contains("Risk"), "{first}");
    // 80 × 24: the tree keeps most of the rows.
    let tags = screen(&mut app, 80, 24)
        .lines()
        .filter(|l| l.contains("│ (00"))
        .count();
    assert!(tags >= 12, "{tags} rows of tags at 80×24");
}

#[test]
fn the_change_pane_wraps_a_value_whole() {
    let mut app = demo();
    select(&mut app, "StudyDescription");
    let full = {
        let c = app.selected_entry().unwrap();
        app.value_text(c, c.before.as_ref().unwrap(), 0)
    };
    assert!(full.len() > 30, "{full}");
    let text = screen(&mut app, 120, 30);
    // The pane's rows, joined, hold the whole value.
    let pane: String = text
        .lines()
        .map(|l| l.trim_matches('"'))
        .filter_map(|l| {
            l.rsplit_once("││")
                .map(|(_, r)| r.trim_end_matches('│').trim_end().to_string())
        })
        .collect::<Vec<_>>()
        .join(" ");
    let flat: String = pane.split_whitespace().collect::<Vec<_>>().join("");
    let want: String = full.split_whitespace().collect::<Vec<_>>().join("");
    assert!(
        flat.contains(&want),
        "{want:?} not whole in the change pane:\n{text}"
    );
}

#[test]
fn the_hints_keep_help_and_quit_and_the_status_keeps_the_preview_warning() {
    for width in [40, 60, 80, 120] {
        let hints = view::hints(width);
        assert!(
            hints.contains("? help") && hints.contains("q quit"),
            "{width}: {hints}"
        );
        assert!(dpk::tui::text::width(&hints) <= width.max(15), "{width}: {hints}");
    }
    // Lower priorities go first: at 80 columns the action and search hints stay.
    let at80 = view::hints(80);
    assert!(
        at80.contains("Space action") && at80.contains("/ search"),
        "{at80}"
    );
    assert!(!at80.contains("o options"), "{at80}");
    // A long path is shortened from the left before the warning goes.
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"dpk-preview-salt-not-secret".to_vec()).unwrap());
    let long = "/srv/pacs/archive/2023/09/17/site-nordstadt/ct/series-0001/instance-0001.dcm";
    let mut app = App::new(long.into(), file, Profile::builtin("basic").unwrap(), ctx, true).unwrap();
    for width in [80, 120] {
        let text = screen(&mut app, width, 24);
        let status = text.lines().nth(22).unwrap();
        assert!(status.contains("PREVIEW SALT"), "{width}: {status}");
        assert!(
            status.contains("…") && status.contains("instance-0001.dcm"),
            "{width}: {status}"
        );
    }
    // A message leaves room for the two hints.
    app.update(Action::CycleFilter);
    let text = screen(&mut app, 80, 24);
    let hints = text.lines().nth(23).unwrap();
    assert!(
        hints.contains("showing") && hints.contains("? help  q quit"),
        "{hints}"
    );
}

#[test]
fn the_findings_list_opens_whole_and_scrolls() {
    let mut app = demo();
    // Keep every direct identifier's rule from applying: many findings.
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"tui-test-salt-000000001".to_vec()).unwrap());
    let keep_all = Profile::from_ron("(name: \"keep\", rules: [])", "keep.ron").unwrap();
    let mut kept = App::new("demo".into(), file, keep_all, ctx, false).unwrap();
    let total = kept.doc.after.findings.len();
    assert!(total > 10, "{total}");
    let text = screen(&mut kept, 80, 24);
    assert!(text.contains(&format!("F lists all {total}")), "{text}");
    // The pane scrolls to the selected element's finding.
    let last = kept.doc.after.findings.last().unwrap().path.clone();
    let first = kept.doc.after.findings[0].path.clone();
    kept.update(Action::Top);
    while kept.selected_entry().map(|c| &c.path) != Some(&last) {
        kept.update(Action::Down);
    }
    let text = screen(&mut kept, 80, 24);
    let pane: Vec<&str> = text.lines().skip(17).collect();
    assert!(pane.iter().any(|l| l.contains(&format!(" {last} "))), "{text}");
    assert!(!pane.iter().any(|l| l.contains(&format!(" {first} "))), "{text}");
    kept.update(Action::Top);
    kept.update(Action::ToggleFindings);
    assert_eq!(kept.mode(), dpk::tui::app::Mode::Overlay);
    let top = screen(&mut kept, 80, 24);
    assert!(top.contains(&format!("Findings — {total} left")), "{top}");
    assert!(top.contains("rows 1–"), "{top}");
    kept.update(Action::Bottom);
    let bottom = screen(&mut kept, 80, 24);
    let last = kept.doc.after.findings.last().unwrap().path.to_string();
    assert!(bottom.contains(&last) && !bottom.contains("rows 1–"), "{bottom}");
    kept.update(Action::Cancel);
    assert_eq!(kept.mode(), dpk::tui::app::Mode::Normal);
    // F is in the help.
    app.update(Action::ToggleHelp);
    assert!(dpk::tui::keys::help_text().contains("every finding left"));
}

/// The demo file's multi-item sequence stand-in: three items of Other Patient IDs, a text
/// with control characters, a long keyword.
fn many_items() -> Vec<u8> {
    let id = |n: &[u8]| {
        vec![
            text(0x0010, 0x0020, b"LO", n),
            text(0x0010, 0x0022, b"CS", b"TEXT"),
        ]
    };
    ct_file(
        Some(b"ISO_IR 100"),
        vec![
            text(0x0008, 0x0094, b"SH", b"+1-555-0100"),
            text(0x0008, 0x1030, b"LO", b"Chest\x1b[2J\x07 view"),
            sequence(
                0x0008,
                0x1250,
                vec![
                    vec![
                        text(0x0020, 0x000D, b"UI", b"2.25.1"),
                        text(0x0020, 0x000E, b"UI", b"2.25.2"),
                    ],
                    vec![
                        text(0x0020, 0x000D, b"UI", b"2.25.3"),
                        text(0x0020, 0x000E, b"UI", b"2.25.4"),
                    ],
                ],
            ),
            text(0x0010, 0x0010, b"PN", b"FICTIVE^ALMA"),
            sequence(0x0010, 0x1002, vec![id(b"FICT-1"), id(b"FICT-2"), id(b"FICT-3")]),
        ],
    )
}

#[test]
fn multi_item_sequences_show_where_each_item_starts_and_fold_marks_tell_open_from_folded() {
    let mut app = open_file(&many_items());
    let text = screen(&mut app, 120, 40);
    for shown in [
        "┄ Item 1 of 2 ┄",
        "┄ Item 2 of 2 ┄",
        "┄ Item 2 of 3 ┄",
        "┄ Item 3 of 3 ┄",
    ] {
        assert!(text.contains(shown), "{shown:?} not on screen:\n{text}");
    }
    assert!(text.contains("│▾(0008,1250) RelatedSeriesSequence"), "{text}");
    select(&mut app, "RelatedSeriesSequence");
    app.update(Action::Collapse);
    let text = screen(&mut app, 120, 40);
    assert!(text.contains("│▸(0008,1250) RelatedSeriesSequence"), "{text}");
    assert!(!text.contains("Item 2 of 2"), "{text}");
    // An item's row is no element: the change pane says which item it is, and Space on it
    // changes nothing.
    app.update(Action::Expand);
    app.update(Action::Down);
    assert!(app.selected_entry().is_none());
    assert_eq!(app.rows[app.selected].item, Some(0));
    let rules = app.current_profile().rules.len();
    app.update(Action::CycleAction);
    assert_eq!(app.current_profile().rules.len(), rules);
    assert!(screen(&mut app, 120, 40).contains("item 1 of 2 of (0008,1250)"));
    // ← on an item goes to its sequence.
    app.update(Action::Collapse);
    assert_eq!(app.selected_entry().unwrap().keyword, "RelatedSeriesSequence");
}

#[test]
fn control_characters_in_values_are_shown_never_sent() {
    let mut app = open_file(&many_items());
    select(&mut app, "StudyDescription");
    let text = screen(&mut app, 120, 40);
    assert!(text.contains("Chest␛[2J␇ view"), "{text}");
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "raw control characters on screen"
    );
}

#[test]
fn the_changed_only_filter_keeps_the_sequences_that_lead_to_its_elements() {
    let mut app = demo();
    app.update(Action::CycleFilter);
    app.update(Action::CycleFilter);
    assert_eq!(app.filter, dpk::tui::app::Filter::Changed);
    let paths: Vec<String> = app
        .rows
        .iter()
        .filter(|r| r.item.is_none())
        .map(|r| app.element(r.entry).unwrap().path.to_string())
        .collect();
    // Related Series Sequence is kept; the Study Instance UID inside it changes.
    let sequence = paths
        .iter()
        .position(|p| p == "(0008,1250)")
        .expect("the sequence is kept on screen");
    assert_eq!(paths[sequence + 1], "(0008,1250)[0].(0020,000D)");
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("Keyword") && text.contains("Value before") && text.contains("Action"));
}

/// Specific Character Set, the bytes of a person's name in it, and the name as text.
const CHARACTER_SETS: &[(&[u8], &[u8], &str)] = &[
    (
        b"\\ISO 2022 IR 87",
        b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B",
        "Yamada^Tarou=山田^太郎=やまだ^たろう",
    ),
    (
        b"\\ISO 2022 IR 149",
        b"Hong^Gildong=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf",
        "Hong^Gildong=홍^길동",
    ),
    (
        b"\\ISO 2022 IR 58",
        b"Wang^XiaoMing=\x1b$)A\xcd\xf5^\x1b$)A\xd0\xa1\xc3\xf7",
        "Wang^XiaoMing=王^小明",
    ),
    (
        b"GB18030",
        b"Wang^XiaoMing=\xcd\xf5^\xd0\xa1\xc3\xf7",
        "Wang^XiaoMing=王^小明",
    ),
    (
        b"GBK",
        b"Wang^XiaoMing=\xcd\xf5^\xd0\xa1\xc3\xf7",
        "Wang^XiaoMing=王^小明",
    ),
    (
        b"ISO_IR 192",
        "Sato^Hanako=佐藤^花子".as_bytes(),
        "Sato^Hanako=佐藤^花子",
    ),
    (b"ISO_IR 100", b"M\xfcller^J\xfcrgen", "Müller^Jürgen"),
    (
        b"ISO 2022 IR 100\\ISO 2022 IR 87",
        b"M\xfcller=\x1b$B;3ED\x1b(B",
        "Müller=山田",
    ),
];

#[test]
fn every_character_set_reads_as_text() {
    for (charset, name, want) in CHARACTER_SETS {
        let bytes = ct_file(
            Some(charset),
            vec![
                text(0x0010, 0x0010, b"PN", name),
                text(0x0010, 0x0020, b"LO", b"FICT-77"),
            ],
        );
        let label = String::from_utf8_lossy(charset);
        let mut app = open_file(&bytes);
        select(&mut app, "PatientName");
        let c = app.selected_entry().unwrap();
        assert_eq!(app.value_text(c, c.before.as_ref().unwrap(), 0), *want, "{label}");
        let screen_text = screen(&mut app, 120, 30);
        assert!(screen_text.contains(want), "{label}:\n{screen_text}");
        // Search reads the same text.
        let given = want.split('=').next_back().unwrap();
        app.update(Action::Top);
        search_for(&mut app, given);
        assert_eq!(app.selected_entry().unwrap().keyword, "PatientName", "{label}");
    }
}

#[test]
fn a_search_is_new_each_time_reaches_every_element_and_counts_its_matches() {
    let mut app = demo();
    search_for(&mut app, "robert");
    assert_eq!(app.selected_entry().unwrap().keyword, "StationName");
    // `/` starts an empty line, not the last search.
    app.update(Action::Search);
    assert_eq!(app.prompt.as_ref().unwrap().input, "");
    app.update(Action::Cancel);
    // Attribute names, any case.
    search_for(&mut app, "patient's birth date");
    assert_eq!(app.selected_entry().unwrap().keyword, "PatientBirthDate");
    search_for(&mut app, "referring physician name");
    assert_eq!(app.selected_entry().unwrap().keyword, "ReferringPhysicianName");
    // The count, and the wrap.
    // Study Instance UID is at the top level and in two sequences.
    search_for(&mut app, "studyinstanceuid");
    let mut places = vec![app.selected_entry().unwrap().path.clone()];
    assert!(app.message.contains("match 1/3"), "{}", app.message);
    app.update(Action::NextMatch);
    assert!(app.message.contains("match 2/3"), "{}", app.message);
    places.push(app.selected_entry().unwrap().path.clone());
    app.update(Action::NextMatch);
    places.push(app.selected_entry().unwrap().path.clone());
    places.dedup();
    assert_eq!(places.len(), 3, "{places:?}");
    assert!(
        app.message.contains("match 3/3") && !app.message.contains("wrapped"),
        "{}",
        app.message
    );
    app.update(Action::NextMatch);
    assert!(
        app.message.contains("1/3") && app.message.contains("wrapped to the top"),
        "{}",
        app.message
    );
    app.update(Action::PrevMatch);
    assert!(
        app.message.contains("3/3") && app.message.contains("wrapped to the bottom"),
        "{}",
        app.message
    );
    // Whatever the filter: a kept element is found under "changed only", which gives way.
    app.update(Action::CycleFilter);
    app.update(Action::CycleFilter);
    search_for(&mut app, "acme medical");
    assert_eq!(app.selected_entry().unwrap().keyword, "Manufacturer");
    assert_eq!(app.filter, dpk::tui::app::Filter::All);
    // An empty Enter repeats the last search.
    app.update(Action::Search);
    app.update(Action::Submit);
    assert!(app.message.contains("'acme medical': match"), "{}", app.message);
    // The match is highlighted on screen.
    app.update(Action::Resize(120, 30));
    let mut terminal = Terminal::new(TestBackend::new(120, 30)).unwrap();
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    let buffer = terminal.backend().buffer();
    let tree = app.tree_rows;
    let (x, y) = (tree.y..tree.y + tree.height)
        .flat_map(|y| (tree.x..tree.x + tree.width).map(move |x| (x, y)))
        .find(|&(x, y)| cells_spell(buffer, x, y, "ACME Medical"))
        .expect("the match in the tree");
    assert!(buffer[(x, y)]
        .modifier
        .contains(ratatui::style::Modifier::UNDERLINED));
    assert!(buffer[(x + 11, y)]
        .modifier
        .contains(ratatui::style::Modifier::UNDERLINED));
    assert!(!buffer[(x + 12, y)]
        .modifier
        .contains(ratatui::style::Modifier::UNDERLINED));
}

#[test]
fn one_space_is_a_rule_for_the_tag_at_every_depth_and_says_how_many_it_touches() {
    let mut app = demo();
    select(&mut app, "StudyInstanceUID");
    app.update(Action::CycleAction);
    assert!(
        app.message.contains("at every depth") && app.message.contains("3 elements"),
        "{}",
        app.message
    );
}

#[test]
fn an_action_that_breaks_the_image_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let input = large_files::large_jpeg(dir.path(), false);
    let header = dpk::dataset::open_header(&input).unwrap();
    let ctx = Context::new(Salt::new(b"tui-test-salt-000000001".to_vec()).unwrap());
    let mut app = App::new(
        "jpeg.dcm".into(),
        header,
        Profile::builtin("basic").unwrap(),
        ctx,
        false,
    )
    .unwrap();
    select(&mut app, "PixelData");
    let before = app.current_profile().rules.clone();
    app.update(Action::CycleAction);
    assert_eq!(app.mode(), dpk::tui::app::Mode::Prompt);
    assert!(screen(&mut app, 120, 30).contains("no usable image"));
    app.update(Action::Input('n'));
    assert_eq!(app.current_profile().rules, before, "no changed its action");
    app.update(Action::CycleAction);
    app.update(Action::Input('y'));
    assert_ne!(app.current_profile().rules, before);
    assert_eq!(app.mode(), dpk::tui::app::Mode::Normal);
}

#[test]
fn menus_say_what_each_choice_does_and_mark_the_current_one() {
    let mut app = demo();
    select(&mut app, "PatientName");
    app.update(Action::ActionMenu);
    let menu = app.menu.clone().unwrap();
    let empty = menu.items.iter().position(|(l, _)| l == "empty").unwrap();
    assert_eq!(menu.current, Some(empty));
    assert_eq!(menu.selected, empty);
    assert!(menu.about.iter().all(|a| !a.is_empty()));
    let text = screen(&mut app, 120, 30);
    assert!(text.contains("● empty"), "{text}");
    assert!(text.contains("keep the element with an empty value"), "{text}");
    app.update(Action::Cancel);
    app.update(Action::OptionsMenu);
    let text = screen(&mut app, 120, 30);
    assert!(
        text.contains("[ ] retain-uids") && text.contains("keep the UIDs"),
        "{text}"
    );
}

#[test]
fn save_offers_the_loaded_profile_and_needs_no_salt() {
    let file = dpk::dataset::open_bytes(DEMO, "demo.dcm").unwrap();
    let ctx = Context::new(Salt::new(b"dpk-preview-salt-not-secret".to_vec()).unwrap());
    let mut app = App::new("demo".into(), file, Profile::builtin("basic").unwrap(), ctx, true).unwrap();
    app.update(Action::Save);
    assert_eq!(app.prompt.as_ref().unwrap().input, "basic-edited.ron");
    app.update(Action::Cancel);
    app.doc.edits.profile_file = Some("profiles/site-ct.ron".into());
    app.update(Action::Save);
    assert_eq!(app.prompt.as_ref().unwrap().input, "profiles/site-ct.ron");
    // Saved under the preview salt: the profile holds no salt.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.ron");
    type_path(&mut app, &path);
    app.update(Action::Submit);
    let saved = std::fs::read_to_string(&path).unwrap();
    assert!(!saved.contains("dpk-preview-salt"), "{saved}");
    assert!(Profile::from_ron(&saved, "saved.ron").is_ok());
}

/// Every key any mode dispatches, as a user could press it.
fn probe_keys() -> Vec<KeyEvent> {
    let mut codes: Vec<KeyCode> = (0x20u8..0x7f).map(|b| KeyCode::Char(b as char)).collect();
    codes.extend([
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Backspace,
        KeyCode::Tab,
        KeyCode::Delete,
        KeyCode::Insert,
    ]);
    codes.extend((1..=12).map(KeyCode::F));
    codes
        .into_iter()
        .flat_map(|c| {
            let mut keys = vec![
                KeyEvent::new(c, KeyModifiers::NONE),
                KeyEvent::new(c, KeyModifiers::CONTROL),
            ];
            // Shift is a flag for keys other than characters (arrows size a region).
            if !matches!(c, KeyCode::Char(_)) {
                keys.push(KeyEvent::new(c, KeyModifiers::SHIFT));
                keys.push(KeyEvent::new(c, KeyModifiers::CONTROL | KeyModifiers::SHIFT));
            }
            keys
        })
        .collect()
}

/// How the help writes a key.
fn key_label(key: &KeyEvent) -> String {
    let name = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Enter => "⏎".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Backspace => "Backspace".into(),
        other => format!("{other:?}"),
    };
    let shift = if key.modifiers.contains(KeyModifiers::SHIFT) {
        "Shift-"
    } else {
        ""
    };
    if key.modifiers.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{shift}{name}")
    } else {
        format!("{shift}{name}")
    }
}

/// The keys a help label names: `Shift-← → ↑ ↓` names Shift with each arrow.
fn label_keys(label: &str) -> Vec<String> {
    let arrows = ["←", "→", "↑", "↓"];
    let mut prefix = String::new();
    label
        .split(' ')
        .map(|token| {
            if let Some(arrow) = arrows.iter().find(|a| token.ends_with(*a)) {
                if token.len() > arrow.len() {
                    prefix = token[..token.len() - arrow.len()].to_string();
                    return token.to_string();
                }
                return format!("{prefix}{token}");
            }
            prefix.clear();
            token.to_string()
        })
        .collect()
}

#[test]
fn every_key_that_does_something_is_in_the_help() {
    use dpk::tui::app::Mode;
    let help = dpk::tui::keys::help_text();
    // The help's sections, each with the labels of its lines.
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    for line in help.lines() {
        if let Some(title) = line.strip_suffix(':') {
            sections.push((title.to_string(), Vec::new()));
        } else if let Some(rest) = line.strip_prefix("  ") {
            let label = rest.split("  ").next().unwrap_or_default().trim().to_string();
            sections.last_mut().unwrap().1.push(label);
        }
    }
    let section_of = |mode: Mode| -> &[&str] {
        match mode {
            Mode::Normal => &["Main screen"],
            Mode::Overlay => &["Help, explanation, findings"],
            Mode::Menu => &["Menus"],
            Mode::Prompt => &["Prompts (any other key types itself)"],
            Mode::Browser => &["Folder (dpk-tui DIR)"],
            Mode::Image => &["Image (v)", "Main screen"],
            Mode::Draw => &["Drawing a region (b)"],
            Mode::Form => &["Pixel rule form (R; any other key types itself)"],
        }
    };
    let mut checked = 0;
    for mode in [
        Mode::Normal,
        Mode::Overlay,
        Mode::Menu,
        Mode::Prompt,
        Mode::Browser,
        Mode::Image,
        Mode::Draw,
        Mode::Form,
    ] {
        for key in probe_keys() {
            let Some(action) = action_for(key, mode) else {
                continue;
            };
            if matches!(action, Action::Input(_)) {
                continue; // typing, which the prompt section's title says
            }
            // A key with Shift that does what it does without is the key without.
            let unshifted = KeyEvent::new(key.code, key.modifiers - KeyModifiers::SHIFT);
            let same =
                key.modifiers.contains(KeyModifiers::SHIFT) && action_for(unshifted, mode) == Some(action);
            let label = key_label(if same { &unshifted } else { &key });
            let listed = sections
                .iter()
                .filter(|(title, _)| section_of(mode).contains(&title.as_str()) || title == "Anywhere")
                .flat_map(|(_, labels)| labels)
                .any(|l| label_keys(l).contains(&label));
            assert!(
                listed,
                "{label} ({action:?}) in {mode:?} is not in the help:\n{help}"
            );
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked}");
}

/// The README's tour block: the screen after its keys.
fn readme_tour() -> (String, Vec<String>) {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let tour = readme
        .split("### A short tour")
        .nth(1)
        .expect("a tour in the README");
    let block = tour
        .split("```text\n")
        .nth(1)
        .unwrap()
        .split("\n```")
        .next()
        .unwrap();
    (
        readme.clone(),
        block.lines().map(|l| l.trim_end().to_string()).collect(),
    )
}

/// Presses `keys` as the terminal would send them.
fn press(app: &mut App, keys: &str) {
    for c in keys.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        if let Some(action) = action_for(KeyEvent::new(code, KeyModifiers::NONE), app.mode()) {
            app.update(action);
        }
    }
}

#[test]
fn the_readme_tour_and_workshop_match_the_screen() {
    let (readme, tour) = readme_tour();
    let mut app = demo_with_preview_salt();
    // The tour's keys: `/PatientName⏎` and four presses of Space.
    press(&mut app, "/PatientName\n    ");
    let text = screen(&mut app, 120, 30);
    let shown: Vec<String> = text
        .lines()
        .map(|l| l.trim_matches('"').trim_end().to_string())
        .collect();
    assert_eq!(
        tour,
        shown,
        "the README's tour is not the screen; the screen:\n{}",
        shown.join("\n")
    );
    // The workshop's figures, on the demo as it opens.
    let mut app = demo_with_preview_salt();
    let count = app.element_count();
    press(&mut app, "ff");
    let changes = app.doc.plan.change_count();
    let figure = format!("{changes} of {count} elements");
    assert!(readme.contains(&figure), "the workshop should say {figure:?}");
    assert!(readme.contains(&format!("Tags — {count} elements")));
}

#[test]
fn every_size_draws_without_a_panic() {
    let mut app = demo_with_preview_salt();
    select(&mut app, "PatientName");
    for width in [1u16, 5, 12, 20, 33, 47, 59, 79, 80, 118, 119, 200] {
        for height in [1u16, 3, 5, 8, 13, 24, 60] {
            screen(&mut app, width, height);
            app.update(Action::ToggleFindings);
            screen(&mut app, width, height);
            app.update(Action::Cancel);
            app.update(Action::ActionMenu);
            screen(&mut app, width, height);
            app.update(Action::Cancel);
            app.update(Action::Search);
            screen(&mut app, width, height);
            app.update(Action::Cancel);
        }
    }
}
