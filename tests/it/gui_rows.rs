//! Editing the rows one sees (egui_kittest, a real embedded server on loopback): click and
//! Delete removes exactly that row, Ctrl+click and Shift+click select several, a
//! double-click or F2 edits in place, Alt+arrows and dragging move a row, Ctrl+Z undoes and
//! Ctrl+Shift+Z redoes; another client changing a row first makes the change refused, not
//! misapplied; against the seed's server only what it can do exactly is allowed.

use egui::accesskit::Role;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use zlist::ui::App;

use crate::gui::{
    append_typed, click_button, connected_to_seed, gui, items, settle, start_local_server,
    status_text, test_settings, wait_for,
};

/// Clicks the `nth` row showing `value` (0: the first), with `modifiers`.
fn click_row(harness: &mut Harness<'_, App>, value: &str, nth: usize, modifiers: Modifiers) {
    let node = harness
        .get_all_by_label(value)
        .nth(nth)
        .unwrap_or_else(|| panic!("a row {nth} showing {value:?}"));
    node.click_modifiers(modifiers);
    harness.step();
    harness.step();
}

fn press(harness: &mut Harness<'_, App>, modifiers: Modifiers, key: Key) {
    harness.key_press_modifiers(modifiers, key);
    harness.step();
    harness.step();
}

/// The app on its embedded server, holding `elements`.
fn app_with(elements: &[&str]) -> crate::gui::Gui {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, elements);
    harness
}

/// Types `text` over the value being edited in place (it has the focus).
fn retype_edit(harness: &mut Harness<'_, App>, text: &str) {
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness.step();
    harness.event(egui::Event::Text(text.to_owned()));
    harness.step();
}

/// Whether the menu button whose label contains `text` is disabled.
fn menu_item_disabled(harness: &Harness<'_, App>, text: &str) -> bool {
    harness
        .get_by(|node| {
            node.role() == Role::Button && node.label().is_some_and(|label| label.contains(text))
        })
        .accesskit_node()
        .is_disabled()
}

/// Clicks the menu button whose label contains `text`.
fn click_menu_item(harness: &mut Harness<'_, App>, text: &str) {
    harness
        .get_by(|node| {
            node.role() == Role::Button && node.label().is_some_and(|label| label.contains(text))
        })
        .click();
    harness.step();
    harness.step();
}

/// Another client's request, on a socket of its own.
fn other_client(harness: &Harness<'_, App>, request: &str) -> String {
    let endpoint = harness.state().local_endpoint().expect("the local server");
    let context = zmq::Context::new();
    let socket = crate::support::req_socket(&context, &endpoint);
    crate::support::request(&socket, request)
}

#[test]
fn gui_clicking_the_third_row_and_pressing_delete_removes_that_row_and_ctrl_z_brings_it_back() {
    let mut harness = app_with(&["a", "b", "a"]);
    click_row(&mut harness, "a", 1, Modifiers::NONE);
    assert_eq!(harness.state().selected_rows(), vec![2]);
    press(&mut harness, Modifiers::NONE, Key::Delete);
    settle(&mut harness);
    assert_eq!(
        items(&harness),
        ["a", "b"],
        "the third row, not the first 'a'"
    );

    press(&mut harness, Modifiers::COMMAND, Key::Z);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b", "a"], "undone");
    assert_eq!(harness.state().can_undo_redo(), (true, true));

    let redo = Modifiers::COMMAND | Modifiers::SHIFT;
    press(&mut harness, redo, Key::Z);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b"], "redone");
    press(&mut harness, Modifiers::COMMAND, Key::Z);
    settle(&mut harness);
    press(&mut harness, Modifiers::COMMAND, Key::Y);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b"], "Ctrl+Y redoes too");
}

#[test]
fn gui_ctrl_click_selects_two_rows_and_delete_removes_both_undone_as_one() {
    let mut harness = app_with(&["a", "b", "c", "d"]);
    click_row(&mut harness, "b", 0, Modifiers::NONE);
    click_row(&mut harness, "d", 0, Modifiers::COMMAND);
    assert_eq!(harness.state().selected_rows(), vec![1, 3]);
    press(&mut harness, Modifiers::NONE, Key::Delete);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "c"]);
    assert_eq!(
        harness.state().selected_rows(),
        vec![1],
        "\"c\", the row between the deleted ones, is selected"
    );
    press(&mut harness, Modifiers::COMMAND, Key::Z);
    settle(&mut harness);
    assert_eq!(
        items(&harness),
        ["a", "b", "c", "d"],
        "one undo for both rows"
    );
}

#[test]
fn gui_shift_click_and_shift_arrows_extend_the_selection_and_keys_move_the_cursor() {
    let mut harness = app_with(&["a", "b", "c", "d", "e"]);
    click_row(&mut harness, "b", 0, Modifiers::NONE);
    click_row(&mut harness, "d", 0, Modifiers::SHIFT);
    assert_eq!(harness.state().selected_rows(), vec![1, 2, 3]);
    press(&mut harness, Modifiers::SHIFT, Key::ArrowDown);
    assert_eq!(harness.state().selected_rows(), vec![1, 2, 3, 4]);
    press(&mut harness, Modifiers::NONE, Key::Home);
    assert_eq!(harness.state().selected_rows(), vec![0]);
    press(&mut harness, Modifiers::NONE, Key::ArrowDown);
    assert_eq!(harness.state().selected_row(), Some(1));
    press(&mut harness, Modifiers::NONE, Key::End);
    assert_eq!(harness.state().selected_row(), Some(4));
    press(&mut harness, Modifiers::NONE, Key::PageUp);
    assert_eq!(harness.state().selected_row(), Some(0));
}

#[test]
fn gui_double_click_edits_in_place_enter_sends_and_escape_cancels() {
    let mut harness = app_with(&["a", "b", "a"]);
    // A double-click: two clicks 0.1 s apart (the harness's frames are 0.25 s apart).
    harness.input_mut().time = Some(1000.0);
    harness.get_all_by_label("a").nth(1).unwrap().click();
    harness.step();
    harness.input_mut().time = Some(1000.1);
    harness.get_all_by_label("a").nth(1).unwrap().click();
    harness.step();
    harness.input_mut().time = None;
    harness.step();
    assert_eq!(harness.state().editing_row(), Some((2, false)));
    retype_edit(&mut harness, "new value, with 'quotes' e ção");
    press(&mut harness, Modifiers::NONE, Key::Enter);
    settle(&mut harness);
    assert_eq!(
        items(&harness),
        ["a", "b", "new value, with 'quotes' e ção"]
    );
    assert_eq!(harness.state().editing_row(), None);

    // F2 edits the selected row; Escape gives up, nothing is sent.
    click_row(&mut harness, "b", 0, Modifiers::NONE);
    press(&mut harness, Modifiers::NONE, Key::F2);
    assert_eq!(harness.state().editing_row(), Some((1, false)));
    retype_edit(&mut harness, "never sent");
    press(&mut harness, Modifiers::NONE, Key::Escape);
    settle(&mut harness);
    assert_eq!(harness.state().editing_row(), None);
    assert_eq!(items(&harness)[1], "b");

    // The edit is undone like any change.
    press(&mut harness, Modifiers::COMMAND, Key::Z);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b", "a"]);
}

#[test]
fn gui_alt_arrows_and_dragging_move_a_row() {
    let mut harness = app_with(&["a", "b", "c"]);
    click_row(&mut harness, "a", 0, Modifiers::NONE);
    press(&mut harness, Modifiers::ALT, Key::ArrowDown);
    settle(&mut harness);
    assert_eq!(items(&harness), ["b", "a", "c"]);
    assert_eq!(
        harness.state().selected_row(),
        Some(1),
        "the selection follows"
    );
    press(&mut harness, Modifiers::ALT, Key::ArrowUp);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b", "c"]);

    // Dragging row "a" onto row "c" puts it there.
    let from = harness.get_by_label("a").rect().center();
    let to = harness.get_by_label("c").rect().center();
    harness.drag_at(from);
    harness.step();
    for step in 1..=5 {
        harness.hover_at(from + (to - from) * (step as f32 / 5.0));
        harness.step();
    }
    harness.drop_at(to);
    harness.step();
    harness.step();
    settle(&mut harness);
    assert_eq!(items(&harness), ["b", "c", "a"]);
}

#[test]
fn gui_a_row_another_client_changed_first_is_refused_not_misapplied() {
    let mut harness = app_with(&["a", "b", "c"]);
    click_row(&mut harness, "b", 0, Modifiers::NONE);
    press(&mut harness, Modifiers::NONE, Key::F2);
    retype_edit(&mut harness, "mine");
    // Another client replaces row 1 while it is being edited: the edit says so.
    assert_eq!(
        other_client(&harness, r#"zlist.replace_at 1 "b" "theirs""#),
        "Elemento da posição 1 alterado de 'b' para 'theirs'."
    );
    wait_for(&mut harness, "the other client's change", |app| {
        app.list_items()[1] == "theirs"
    });
    assert_eq!(harness.state().editing_row(), Some((1, true)));
    press(&mut harness, Modifiers::NONE, Key::Enter);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "theirs", "c"], "their value stays");
    assert!(
        status_text(&harness).contains("The list changed"),
        "{}",
        status_text(&harness)
    );

    // The same race on Delete: the row is named by its value, so a stale one is refused.
    click_row(&mut harness, "c", 0, Modifiers::NONE);
    other_client(&harness, "insert 0 z");
    // Whether or not the app saw the insert before Delete, row "c" goes or nothing does:
    // the request names "c", and the server refuses it at any other row.
    press(&mut harness, Modifiers::NONE, Key::Delete);
    settle(&mut harness);
    let list = items(&harness);
    assert!(
        list == ["z", "a", "theirs"] || list == ["z", "a", "theirs", "c"],
        "{list:?}"
    );
}

#[test]
fn gui_an_undo_that_would_hit_another_row_is_refused_with_the_reason() {
    let mut harness = app_with(&["a", "b"]);
    click_row(&mut harness, "b", 0, Modifiers::NONE);
    press(&mut harness, Modifiers::NONE, Key::Delete);
    settle(&mut harness);
    other_client(&harness, "limpar");
    wait_for(&mut harness, "the clear", |app| app.list_items().is_empty());
    press(&mut harness, Modifiers::COMMAND, Key::Z);
    settle(&mut harness);
    assert!(items(&harness).is_empty(), "nothing guessed");
    let status = status_text(&harness);
    assert!(
        status.starts_with("Not undone: position 1 is past the end"),
        "{status}"
    );
}

#[test]
fn gui_the_edit_menu_and_a_rows_context_menu_hold_undo_and_the_row_actions() {
    let mut harness = app_with(&["x", "y"]);
    click_button(&mut harness, "Edit");
    assert!(!menu_item_disabled(&harness, "Undo"), "an append to undo");
    assert!(menu_item_disabled(&harness, "Redo"), "nothing undone yet");
    click_menu_item(&mut harness, "Undo");
    settle(&mut harness);
    assert_eq!(items(&harness), ["x"]);

    harness.get_by_label("x").click_secondary();
    harness.step();
    harness.step();
    assert_eq!(harness.state().selected_rows(), vec![0]);
    click_menu_item(&mut harness, "Delete selected rows");
    settle(&mut harness);
    assert!(items(&harness).is_empty());
}

#[test]
fn gui_against_the_seed_only_exact_deletes_are_allowed_and_edits_say_why_not() {
    let Some(seed) = crate::client::SeedServer::start() else {
        return;
    };
    let mut harness = connected_to_seed(&seed);
    settle(&mut harness);
    append_typed(&mut harness, &["a", "b", "a"]);
    // The second "a" cannot be removed exactly: `remover a` would take the first.
    click_row(&mut harness, "a", 1, Modifiers::NONE);
    press(&mut harness, Modifiers::NONE, Key::Delete);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b", "a"]);
    assert!(status_text(&harness).contains("first occurrence"));
    harness
        .get_all_by_label("a")
        .nth(1)
        .unwrap()
        .click_secondary();
    harness.step();
    harness.step();
    assert!(
        menu_item_disabled(&harness, "Delete selected"),
        "disabled, with why on hover"
    );
    assert!(menu_item_disabled(&harness, "Edit row"));
    harness.key_press(Key::Escape);
    harness.step();

    // "b" occurs once: deleting it is exact.
    click_row(&mut harness, "b", 0, Modifiers::NONE);
    press(&mut harness, Modifiers::NONE, Key::Delete);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "a"]);
    // Moving needs a zlist server.
    click_row(&mut harness, "a", 1, Modifiers::NONE);
    press(&mut harness, Modifiers::ALT, Key::ArrowUp);
    assert!(status_text(&harness).contains("cannot edit or move"));
    assert_eq!(items(&harness), ["a", "a"]);
}

#[test]
fn gui_a_sort_a_clear_and_a_bulk_paste_are_each_undone_as_one_change() {
    let mut harness = app_with(&["b", "c", "a"]);
    // Typing left the Value field with the keyboard, where Ctrl+Z undoes typing: the
    // table takes it back.
    click_row(&mut harness, "a", 0, Modifiers::NONE);
    press(&mut harness, Modifiers::COMMAND, Key::ArrowUp);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b", "c"]);
    press(&mut harness, Modifiers::COMMAND, Key::Z);
    wait_for(&mut harness, "the order before the sort", |app| {
        app.list_items() == ["b", "c", "a"] && app.pending_requests() == 0
    });

    click_button(&mut harness, "Clear…");
    click_button(&mut harness, "Yes, clear the list");
    settle(&mut harness);
    assert!(items(&harness).is_empty());
    press(&mut harness, Modifiers::COMMAND, Key::Z);
    wait_for(&mut harness, "the list before the clear", |app| {
        app.list_items() == ["b", "c", "a"] && app.pending_requests() == 0
    });

    harness
        .get_by_role_and_label(Role::TextInput, "Value")
        .focus();
    harness.step();
    harness.event(egui::Event::Paste("one\ntwo words\nthree\n".to_owned()));
    harness.step();
    harness.step();
    click_button(&mut harness, "Append all");
    wait_for(&mut harness, "the paste", |app| {
        !app.is_pasting() && app.list_items().len() == 6
    });
    settle(&mut harness);
    click_row(&mut harness, "a", 0, Modifiers::NONE);
    press(&mut harness, Modifiers::COMMAND, Key::Z);
    settle(&mut harness);
    assert_eq!(
        items(&harness),
        ["b", "c", "a"],
        "the three pasted rows, in one undo"
    );
    press(&mut harness, Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    settle(&mut harness);
    assert_eq!(
        items(&harness),
        ["b", "c", "a", "one", "two words", "three"]
    );
}

#[test]
fn gui_ctrl_z_in_a_text_field_undoes_typing_not_the_list() {
    let mut harness = app_with(&["a"]);
    // The Value field still has the keyboard after typing "a" and Enter.
    press(&mut harness, Modifiers::COMMAND, Key::Z);
    settle(&mut harness);
    assert_eq!(items(&harness), ["a"]);
    assert_eq!(harness.state().can_undo_redo(), (true, false));
}
