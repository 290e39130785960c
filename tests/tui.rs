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
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::draw(f, app)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn changing_an_action_replans_and_rescores_and_reset_undoes_it() {
    let mut app = demo();
    assert_eq!(app.before.level.label(), "CRITICAL");
    assert_eq!(app.after.score, 0.0);
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
    assert!(app.after.score > 0.0);
    assert!(app
        .after
        .findings
        .iter()
        .any(|f| f.keyword == Some("PatientName")));
    // Patient Identity Removed follows: the profile now keeps a direct identifier.
    let marker = app
        .plan
        .entries
        .iter()
        .find(|c| c.keyword == "PatientIdentityRemoved")
        .unwrap();
    assert!(format!("{:?}", marker.after).contains("NO"));

    app.update(Action::ResetAction);
    assert!(!app.is_overridden(app.selected_entry().unwrap()));
    assert_eq!(app.after.score, 0.0);
}

#[test]
fn the_edited_profile_gives_the_plan_the_screen_showed() {
    let mut app = demo();
    select(&mut app, "StudyDescription");
    app.update(Action::CycleAction);
    let shown: Vec<_> = app
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
    assert_eq!(kinds(&plan), kinds(&app.plan));

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
    for action in [Action::Save, Action::Write] {
        app.update(action);
        assert!(app.prompt.is_none());
        assert!(app.message.contains("--salt-file"), "{}", app.message);
    }
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
    assert!(app.rows.iter().all(|r| app.element(r.entry).unwrap().is_change()));
    // Every element that changes, those removed with their sequence included.
    assert_eq!(changed, app.elements().filter(|c| c.is_change()).count());
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
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| view::draw(f, &mut app)).unwrap();
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
    let count = app.plan.change_count();
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| view::draw(f, &mut app)).unwrap();
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
    terminal.draw(|f| view::draw(f, &mut app)).unwrap();
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
    assert!(screen(&mut app, 160, 48).contains("[GEMS_ACQU_01]"));
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
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|f| view::draw(f, &mut app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let (x, y) = find_cells(&buffer, "│ (0008,0020) StudyDate").unwrap();
    app.update(Action::Click(x + 4, y));
    assert_eq!(app.selected_entry().unwrap().keyword, "StudyDate");
    let before = app.selected_entry().unwrap().decision.as_ref().unwrap().action;
    let badge = app.tree_rows.x + dpk::tui::view::badge_column(0) as u16;
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
    app.source = Some(input.clone());
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
        assert!(app.plan.entry(&c.path).is_none(), "the plan itself is unchanged");
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
    let plan = dpk::plan(&file, &app.profile, &ctx).unwrap();
    assert_eq!(plan.entries, app.plan.entries);
    assert_eq!(app.element_count(), plan.entries.len() + 32);

    // On screen: nested under the sequence, with its badge, the value before and the rule.
    select_path(&mut app, "(0008,1140)[0].(0040,A170)[0].(0008,0104)");
    let text = screen(&mut app, 160, 48);
    for shown in [
        "Tags — 193 elements, 193 shown",
        "│▾(0008,1140) ReferencedImageSequence",
        "│   (0008,1155) ReferencedSOPInstanceUID   UI remove      2.25.1837621",
        "│  ▾(0040,A170) PurposeOfReferenceCodeSequ SQ remove      1 item",
        "│     (0008,0104) CodeMeaning              LO remove      Localizer",
        "before: Localizer",
        "after:  (removed)",
        "rule: removed with sequence (0008,1140)",
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
    let top = app.plan.entry(&"(0008,0050)".parse().unwrap()).unwrap();
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
        bottom.contains("quit (asks first") && !bottom.contains("previous element"),
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
