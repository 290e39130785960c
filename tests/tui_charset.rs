//! Text under ISO 2022 code extensions in the inspector's tag tree: a Japanese name whose
//! kanji hold the byte 0x5C (the value delimiter's) reads whole, not split where the DICOM
//! reader splits values. The file is written here byte for byte, with invented names.

#[path = "support/tuifix.rs"]
mod tuifix;

use dpk::engine::{Context, Salt};
use dpk::tui::app::{Action, App};
use dpk::tui::view;
use dpk::Profile;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const SALT: &[u8] = b"tui-charset-test-salt-0000001";

/// The screen of `path`'s tag tree at `width` × `height`.
fn screen(path: &std::path::Path, width: u16, height: u16) -> String {
    let header = dpk::dataset::open_header(path).expect("the header opens");
    let ctx = Context::new(Salt::new(SALT.to_vec()).unwrap());
    let mut app = App::new(
        "japanese.dcm".into(),
        header,
        Profile::builtin("basic").unwrap(),
        ctx,
        false,
    )
    .expect("the inspector opens");
    app.doc.source = Some(path.to_path_buf());
    app.update(Action::Resize(width, height));
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    terminal.backend().to_string()
}

/// The tag tree's row that names `keyword`: its line up to the tree's right border.
fn row_of<'a>(screen: &'a str, keyword: &str) -> &'a str {
    let line = screen
        .lines()
        .find(|l| l.contains(keyword))
        .unwrap_or_else(|| panic!("no {keyword} on the screen:\n{screen}"));
    line.split("││").next().unwrap_or(line)
}

#[test]
fn a_japanese_name_whose_kanji_hold_the_delimiter_byte_reads_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("japanese.dcm");
    tuifix::japanese_names(&path);
    // The reader does split the name at the 0x5C bytes of 宮 and 本.
    let file = dpk::dataset::open(&path).unwrap();
    let name = file.element(dicom_dictionary_std::tags::PATIENT_NAME).unwrap();
    assert_eq!(name.value().multiplicity(), 3, "the reader's split");

    let screen = screen(&path, 150, 40);
    let name = row_of(&screen, "PatientName");
    assert!(name.contains("宮本^花子"), "{name}");
    let institution = row_of(&screen, "InstitutionName");
    assert!(institution.contains("宮本病院"), "{institution}");
    for row in [name, institution] {
        assert!(
            !row.contains('$') && !row.contains('␛') && !row.contains('\\'),
            "escape sequences or a split shown: {row}"
        );
    }
}
