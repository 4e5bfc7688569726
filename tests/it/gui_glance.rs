//! The app seen at a glance (egui_kittest, a real embedded server on loopback): the list's
//! size and live state in the window title and the status line, the zoom kept between
//! runs, the connection bar inside the default window in both languages, and the server
//! status window's plots.

use std::time::Duration;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use zlist::ui::App;
use zlist::ui::i18n::Language;

use crate::gui::{
    MemoryStorage, append_typed, click_button, gui, open_server_status, settle, start_local_server,
    test_settings, wait_for,
};

fn press_command(harness: &mut Harness<'_, App>, key: egui::Key) {
    harness.key_press_modifiers(egui::Modifiers::COMMAND, key);
    harness.step();
    harness.step();
}

#[test]
fn gui_title_and_status_line_show_the_list_size_and_whether_it_is_live() {
    let mut harness = gui(test_settings());
    assert_eq!(harness.state().window_title(), "zlist");
    start_local_server(&mut harness);
    append_typed(&mut harness, &["a", "b"]);
    let endpoint = harness.state().local_endpoint().expect("the local server");
    wait_for(&mut harness, "the title", |app| {
        app.window_title().ends_with("2 elements · live")
    });
    let title = harness.state().window_title().to_owned();
    assert!(title.starts_with("zlist — "), "{title}");
    assert!(
        title.contains(endpoint.trim_start_matches("tcp://")),
        "{title} names {endpoint}"
    );
    assert!(
        harness.query_by_label("2 elements · live").is_some(),
        "the status line's summary"
    );
    click_button(&mut harness, "Disconnect");
    wait_for(&mut harness, "the plain title", |app| {
        app.window_title() == "zlist"
    });
}

#[test]
fn gui_ctrl_plus_and_minus_zoom_the_whole_ui_and_the_zoom_is_remembered() {
    let mut harness = gui(test_settings());
    harness.run_steps(2);
    assert_eq!(harness.ctx.zoom_factor(), 1.0);
    press_command(&mut harness, egui::Key::Plus);
    press_command(&mut harness, egui::Key::Equals);
    assert!((harness.state().settings().zoom - 1.2).abs() < 1e-4);
    assert!((harness.ctx.zoom_factor() - 1.2).abs() < 1e-4);
    press_command(&mut harness, egui::Key::Minus);
    assert!((harness.ctx.zoom_factor() - 1.1).abs() < 1e-4);

    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    let dir = tempfile::tempdir().unwrap();
    let keep = zlist::ui::Keep::in_dir(dir.path());
    let mut restored = Harness::<App>::builder()
        .with_size(egui::vec2(1280.0, 820.0))
        .build_eframe(move |cc| App::restored_for_test(cc, &storage, keep));
    restored.run_steps(2);
    assert!(
        (restored.ctx.zoom_factor() - 1.1).abs() < 1e-4,
        "remembered"
    );
    press_command(&mut restored, egui::Key::Num0);
    assert_eq!(restored.ctx.zoom_factor(), 1.0);
}

#[test]
fn gui_the_connection_bar_fits_the_default_window_in_both_languages() {
    for language in Language::ALL {
        let mut settings = test_settings();
        settings.language = Some(language);
        // The window's default size (src/ui/mod.rs).
        let dir = tempfile::tempdir().unwrap();
        let keep = zlist::ui::Keep::in_dir(dir.path());
        let mut harness = Harness::<App>::builder()
            .with_size(egui::vec2(1120.0, 720.0))
            .build_eframe(move |cc| App::new_for_test(cc, settings, keep));
        let local = language.texts().local_server;
        harness.get_by_role_and_label(Role::CheckBox, local).click();
        wait_for(&mut harness, "a round trip", |app| app.has_list());
        harness.run_steps(3);
        let rtt = harness
            .query_by_label_contains("RTT ")
            .expect("the round trip is shown");
        let right = rtt.rect().right();
        assert!(right <= 1120.0, "{language:?}: the RTT ends at {right}");
    }
}

#[test]
fn gui_server_status_window_plots_requests_clients_and_size_over_time() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["x"]);
    open_server_status(&mut harness);
    wait_for(&mut harness, "a first status", |app| {
        app.server_info().history().len() == 1
    });
    std::thread::sleep(Duration::from_millis(50));
    click_button(&mut harness, "Refresh status");
    wait_for(&mut harness, "a second status", |app| {
        app.server_info().history().len() >= 2
    });
    harness.run_steps(2);
    assert!(harness.query_by_label("Requests per second").is_some());
    let history = harness.state().server_info().history();
    assert_eq!(history.elements().last().map(|p| p[1]), Some(1.0));
    let rates = history.request_rates();
    assert!(
        rates.last().is_some_and(|p| p[1] > 0.0),
        "the status request itself counts: {rates:?}"
    );
}

#[test]
fn gui_rows_other_clients_add_are_highlighted_for_a_moment_and_its_own_are_not() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["mine"]);
    settle(&mut harness);
    assert_eq!(
        harness.state().rows_changed_by_others(),
        Vec::<usize>::new()
    );

    let endpoint = harness.state().local_endpoint().expect("the local server");
    let context = zmq::Context::new();
    let other = crate::support::req_socket(&context, &endpoint);
    crate::support::request(&other, "append theirs");
    crate::support::request(&other, "insert 0 early");
    wait_for(&mut harness, "the other client's rows", |app| {
        app.list_items() == ["early", "mine", "theirs"]
    });
    assert_eq!(harness.state().rows_changed_by_others(), vec![0, 2]);
    append_typed(&mut harness, &["mine too"]);
    assert_eq!(harness.state().rows_changed_by_others(), vec![0, 2]);

    // The highlight fades away by itself.
    std::thread::sleep(zlist::ui::list_table::CHANGED_FOR);
    harness.step();
    assert_eq!(
        harness.state().rows_changed_by_others(),
        Vec::<usize>::new()
    );
}
