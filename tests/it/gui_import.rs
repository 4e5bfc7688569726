//! File -> Import... in the app (egui_kittest, a real embedded server on loopback): a file
//! with bad lines says which and imports nothing until told to skip them; CSV takes the
//! chosen column; what is imported is appended through the bulk paste's path.

use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

use crate::gui::{Gui, click_button, gui, settle, start_local_server, test_settings, wait_for};

/// The app connected to its local server, with the import dialog open on a file `name`
/// holding `content` (the directory lives as long as the returned guard).
fn importing(name: &str, content: &[u8]) -> (Gui, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    harness.state_mut().import_file_for_test(path);
    wait_for(&mut harness, "the import dialog", |app| app.is_importing());
    settle(&mut harness);
    (harness, dir)
}

#[test]
fn gui_import_of_a_text_file_with_a_bad_line_names_it_and_imports_nothing_until_told_to_skip() {
    let (mut harness, _dir) = importing("words.txt", b"one\ntwo words\n\xff\xfe\nthree\n");
    assert!(
        harness
            .query_by_label_contains(
                "1 line cannot be imported: 3 (not UTF-8 text). Nothing is imported"
            )
            .is_some(),
        "the bad line is named"
    );
    assert!(
        harness
            .get_by_role_and_label(Role::Button, "Import")
            .accesskit_node()
            .is_disabled(),
        "Import is disabled while a bad line is not skipped"
    );
    harness
        .get_by_role_and_label(Role::CheckBox, "Skip the bad lines and import the rest")
        .click();
    settle(&mut harness);
    click_button(&mut harness, "Import");
    wait_for(&mut harness, "the import to finish", |app| {
        !app.is_importing()
            && !app.is_pasting()
            && app.pending_requests() == 0
            && app.list_items().len() == 3
    });
    settle(&mut harness);
    assert_eq!(harness.state().list_items(), ["one", "two words", "three"]);
}

#[test]
fn gui_import_of_a_csv_file_appends_the_chosen_column() {
    let (mut harness, _dir) = importing(
        "people.csv",
        b"name,city\r\nAna,\"S\xc3\xa3o Paulo\"\r\nBo,\"Rio, RJ\"\r\n",
    );
    assert!(
        harness
            .query_by_label("2 elements to append to the list")
            .is_some()
    );
    harness
        .get_by_role_and_label(Role::ComboBox, "Column")
        .click();
    settle(&mut harness);
    harness.get_by_label("city").click();
    settle(&mut harness);
    click_button(&mut harness, "Import");
    wait_for(&mut harness, "the import to finish", |app| {
        !app.is_importing() && app.pending_requests() == 0 && app.list_items().len() == 2
    });
    assert_eq!(harness.state().list_items(), ["São Paulo", "Rio, RJ"]);
}

#[test]
fn gui_import_cancel_closes_the_dialog_and_changes_nothing() {
    let (mut harness, _dir) = importing("list.json", br#"["x", "y"]"#);
    assert!(
        harness
            .query_by_label("2 elements to append to the list")
            .is_some()
    );
    harness
        .get_by_role_and_label(Role::Button, "Cancel")
        .click();
    settle(&mut harness);
    assert!(!harness.state().is_importing());
    assert!(harness.state().list_items().is_empty());
}
