//! The desktop app driven headless with egui_kittest (no display, no GPU): the real `App`
//! against a real embedded server on `tcp://127.0.0.1:0` (its "Local server" switch), and
//! against the seed's Python server when python3 has pyzmq. Every wait is a bounded loop
//! of frames with a deadline.

use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use zlist::net::client::{ConnectionState, LiveState};
use zlist::net::protocol::ServerKind;
use zlist::ui::connection_bar::Link;
use zlist::ui::i18n::Language;
use zlist::ui::settings::{LocalServerSettings, Settings};
use zlist::ui::status::StatusKind;
use zlist::ui::{App, Keep};

/// How long any one wait may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(15);

/// English, a local server on a free loopback port kept in memory, short timeouts.
pub(crate) fn test_settings() -> Settings {
    Settings {
        language: Some(Language::En),
        local_server: LocalServerSettings {
            bind: "tcp://127.0.0.1:0".to_owned(),
            persist: false,
        },
        timeout_ms: 1500,
        tries: 2,
        ..Settings::default()
    }
}

/// The app in a harness, keeping its trusted servers and its token in a temporary folder
/// of its own (never the user's files or keychain), removed with it.
pub(crate) struct Gui {
    harness: Harness<'static, App>,
    dir: tempfile::TempDir,
}

impl std::ops::Deref for Gui {
    type Target = Harness<'static, App>;
    fn deref(&self) -> &Self::Target {
        &self.harness
    }
}

impl std::ops::DerefMut for Gui {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.harness
    }
}

pub(crate) fn gui(settings: Settings) -> Gui {
    gui_in(settings, tempfile::tempdir().unwrap())
}

/// The app keeping its trusted servers and token in `dir`.
fn gui_in(settings: Settings, dir: tempfile::TempDir) -> Gui {
    let keep = Keep::in_dir(dir.path());
    let harness = Harness::<App>::builder()
        .with_size(egui::vec2(1280.0, 820.0))
        .build_eframe(move |cc| App::new_for_test(cc, settings, keep));
    Gui { harness, dir }
}

/// Steps frames until `done` holds; fails with the status line and console otherwise.
pub(crate) fn wait_for(harness: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        harness.step();
        if done(harness.state()) {
            return;
        }
        if Instant::now() > deadline {
            let status = harness.state().status().clone();
            let console = harness.state_mut().console_text();
            panic!("timed out waiting for {what}; status: {status:?}\nconsole:\n{console}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Waits until every request has its reply and the list shown is the server's.
pub(crate) fn settle(harness: &mut Harness<'_, App>) {
    wait_for(harness, "no request pending", |app| {
        app.pending_requests() == 0 && app.has_list()
    });
    // A change's refresh is sent in the frame after its reply: make sure it came back.
    harness.step();
    wait_for(harness, "the refresh", |app| app.pending_requests() == 0);
    // Live, a change comes back as an update on another socket, a moment after its reply
    // (or, right after connecting, with the first snapshot).
    wait_for(harness, "the live state", |app| {
        app.live_state() != Some(&LiveState::Resyncing)
    });
    if harness.state().live_state() == Some(&LiveState::Live) {
        let endpoint = harness
            .state()
            .local_endpoint()
            .unwrap_or_else(|| harness.state().settings().endpoint.clone());
        let expected = server_list(&endpoint);
        wait_for(harness, "the server's list", |app| {
            app.list_items() == expected
        });
    }
}

/// The server's list, asked the seed's way on a socket of its own.
fn server_list(endpoint: &str) -> Vec<String> {
    let endpoint = zlist::net::endpoint::normalize(endpoint, zlist::net::endpoint::Role::Connect)
        .expect("a valid endpoint");
    let context = zmq::Context::new();
    let socket = crate::support::req_socket(&context, &endpoint);
    zlist::net::repr::parse_list_repr(&crate::support::request(&socket, "mostrar"))
        .expect("mostrar parses")
}

/// Clicks a button; two frames let what it opens (a modal, a popup) appear.
pub(crate) fn click_button(harness: &mut Harness<'_, App>, label: &str) {
    harness.get_by_role_and_label(Role::Button, label).click();
    harness.step();
    harness.step();
}

pub(crate) fn set_field(harness: &mut Harness<'_, App>, label: &str, text: &str) {
    replace_text(harness, Role::TextInput, label, text);
}

/// Selects all of a text field's content and types `text` over it, as a user would.
fn replace_text(harness: &mut Harness<'_, App>, role: Role, label: &str, text: &str) {
    harness.get_by_role_and_label(role, label).focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.key_press(egui::Key::Backspace);
    harness.step();
    if !text.is_empty() {
        harness.get_by_role_and_label(role, label).type_text(text);
        harness.step();
    }
}

/// Switches the local server on and waits for its (empty) list.
pub(crate) fn start_local_server(harness: &mut Harness<'_, App>) {
    harness
        .get_by_role_and_label(Role::CheckBox, "Local server")
        .click();
    wait_for(harness, "the local server's list", |app| {
        app.has_list() && app.link() == Link::Engine(ConnectionState::Connected)
    });
    settle(harness);
}

/// Appends elements by typing them and pressing Enter, as a user would.
pub(crate) fn append_typed(harness: &mut Harness<'_, App>, elements: &[&str]) {
    for element in elements {
        set_field(harness, "Value", element);
        harness.key_press(egui::Key::Enter);
        harness.step();
        settle(harness);
    }
    let expected: Vec<String> = elements.iter().map(|e| (*e).to_owned()).collect();
    assert!(
        harness.state().list_items().ends_with(&expected),
        "{:?}",
        harness.state().list_items()
    );
}

pub(crate) fn items(harness: &Harness<'_, App>) -> Vec<String> {
    harness.state().list_items().to_vec()
}

pub(crate) fn status_text(harness: &Harness<'_, App>) -> String {
    harness.state().status().text.clone()
}

#[test]
fn gui_append_by_typing_and_enter_shows_the_servers_list() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    assert!(
        harness
            .query_by_label_contains("The list is empty")
            .is_some(),
        "an empty list says so"
    );

    set_field(&mut harness, "Value", "hello world");
    harness.key_press(egui::Key::Enter);
    harness.step();
    settle(&mut harness);
    assert_eq!(items(&harness), ["hello world"]);
    assert!(
        status_text(&harness).contains("Elemento 'hello world' adicionado."),
        "{}",
        status_text(&harness)
    );
    assert!(
        harness.query_by_label("hello world").is_some(),
        "the row is shown"
    );
    // The field is emptied and keeps the focus, ready for the next element.
    let field = harness.get_by_role_and_label(Role::TextInput, "Value");
    assert_eq!(field.value().as_deref(), Some(""));
    assert!(field.is_focused());
    harness
        .get_by_role_and_label(Role::TextInput, "Value")
        .type_text("second");
    harness.step();
    harness.key_press(egui::Key::Enter);
    harness.step();
    settle(&mut harness);
    assert_eq!(items(&harness), ["hello world", "second"]);
    harness.run_ok();
    harness.check_accessibility();
}

#[test]
fn gui_insert_at_a_position_and_from_a_selected_row() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["a", "c"]);

    set_field(&mut harness, "Value", "b");
    set_field(&mut harness, "Position", "1");
    click_button(&mut harness, "Insert");
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b", "c"]);
    assert!(status_text(&harness).contains("inserido na posição 1"));

    // Clicking a row selects it and prefills the position and the value.
    harness.get_by_label("c").click();
    harness.step();
    harness.step();
    assert_eq!(harness.state().selected_row(), Some(2));
    assert_eq!(
        harness
            .get_by_role_and_label(Role::TextInput, "Position")
            .value()
            .as_deref(),
        Some("2")
    );
    set_field(&mut harness, "Value", "before c");
    click_button(&mut harness, "Insert");
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b", "before c", "c"]);
}

#[test]
fn gui_remove_takes_out_the_first_occurrence() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["x", "y", "x"]);
    assert!(
        harness
            .query_by_label_contains("first occurrence")
            .is_some(),
        "the panel says that only the first occurrence goes"
    );

    set_field(&mut harness, "Value", "x");
    click_button(&mut harness, "Remove");
    settle(&mut harness);
    assert_eq!(items(&harness), ["y", "x"]);
    assert!(status_text(&harness).contains("Elemento 'x' removido."));

    // The selected row's value is removed when nothing is typed.
    set_field(&mut harness, "Value", "");
    harness.get_by_label("y").click();
    harness.step();
    set_field(&mut harness, "Value", "");
    click_button(&mut harness, "Remove");
    settle(&mut harness);
    assert_eq!(items(&harness), ["x"]);

    // Something absent is the server's error, shown as an error.
    set_field(&mut harness, "Value", "zzz");
    click_button(&mut harness, "Remove");
    settle(&mut harness);
    assert_eq!(harness.state().status().kind, StatusKind::Error);
    assert!(status_text(&harness).contains("Elemento 'zzz' não encontrado."));
}

#[test]
fn gui_search_shows_the_servers_answer_and_highlights_every_match() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["3", "5", "3"]);

    set_field(&mut harness, "Value", "3");
    click_button(&mut harness, "Search");
    wait_for(&mut harness, "the search reply", |app| {
        app.pending_requests() == 0 && !app.highlighted_rows().is_empty()
    });
    assert_eq!(harness.state().highlighted_rows(), vec![0, 2]);
    assert!(status_text(&harness).contains("» Encontrado"));
    assert!(harness.query_by_label("Encontrado").is_some());

    set_field(&mut harness, "Value", "9");
    click_button(&mut harness, "Search");
    wait_for(&mut harness, "the second search reply", |app| {
        app.pending_requests() == 0 && app.highlighted_rows().is_empty()
    });
    assert!(status_text(&harness).contains("» Não encontrado"));
}

#[test]
fn gui_sorts_ascending_and_descending_by_code_point() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["b", "10", "a", "9"]);

    click_button(&mut harness, "Sort ascending");
    settle(&mut harness);
    assert_eq!(items(&harness), ["10", "9", "a", "b"]);
    assert!(status_text(&harness).contains("Lista ordenada crescentemente."));

    click_button(&mut harness, "Sort descending");
    settle(&mut harness);
    assert_eq!(items(&harness), ["b", "a", "9", "10"]);
    assert!(status_text(&harness).contains("Lista ordenada decrescentemente."));
}

#[test]
fn gui_clear_asks_for_confirmation_first() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["a", "b"]);

    click_button(&mut harness, "Clear…");
    assert!(harness.state().is_confirming_clear());
    assert!(harness.query_by_label("Clear the list?").is_some());
    click_button(&mut harness, "Cancel");
    assert!(!harness.state().is_confirming_clear());
    click_button(&mut harness, "Refresh");
    settle(&mut harness);
    assert_eq!(items(&harness), ["a", "b"], "cancel keeps the list");

    click_button(&mut harness, "Clear…");
    click_button(&mut harness, "Yes, clear the list");
    settle(&mut harness);
    assert!(items(&harness).is_empty());
    assert!(status_text(&harness).contains("Lista limpa."));
    assert!(
        harness
            .query_by_label_contains("The list is empty")
            .is_some()
    );
}

#[test]
fn gui_an_invalid_position_shows_the_error() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["a"]);

    // Out of range: the server's own error, in red, and the list unchanged.
    set_field(&mut harness, "Value", "x");
    set_field(&mut harness, "Position", "99");
    click_button(&mut harness, "Insert");
    wait_for(&mut harness, "the error reply", |app| {
        app.pending_requests() == 0 && app.status().kind == StatusKind::Error
    });
    assert!(
        status_text(&harness).contains("Posição inválida: 99"),
        "{}",
        status_text(&harness)
    );
    assert_eq!(items(&harness), ["a"]);

    // Not a number: refused before sending (a seed server would crash on it).
    set_field(&mut harness, "Position", "abc");
    click_button(&mut harness, "Insert");
    assert_eq!(harness.state().pending_requests(), 0);
    assert_eq!(harness.state().status().kind, StatusKind::Error);
    assert!(status_text(&harness).contains("“abc” is not a whole number"));
}

#[test]
fn gui_without_a_server_turns_unreachable_and_stays_responsive() {
    let port = crate::support::free_port();
    let mut settings = test_settings();
    settings.endpoint = format!("127.0.0.1:{port}");
    // A UI that waited on the engine would freeze for a whole try (1 s) at least once.
    settings.timeout_ms = 1000;
    settings.tries = 2;
    let mut harness = gui(settings);

    // Controls that need a connection are disabled until then.
    assert!(
        harness
            .get_by_role_and_label(Role::Button, "Append")
            .accesskit_node()
            .is_disabled()
    );
    click_button(&mut harness, "Connect");
    harness
        .get_by_role_and_label(Role::TextInput, "Value")
        .focus();
    harness.step();
    let deadline = Instant::now() + DEADLINE;
    let mut slowest = Duration::ZERO;
    let mut typed = String::new();
    while !matches!(
        harness.state().link(),
        Link::Engine(ConnectionState::Unreachable { .. })
    ) {
        assert!(Instant::now() < deadline, "never unreachable");
        // The UI keeps taking input while the engine waits for the missing server.
        if typed.len() < 20 {
            harness
                .get_by_role_and_label(Role::TextInput, "Value")
                .type_text("k");
            typed.push('k');
        }
        let started = Instant::now();
        harness.step();
        slowest = slowest.max(started.elapsed());
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        slowest < Duration::from_millis(800),
        "a frame took {slowest:?}"
    );
    assert_eq!(
        harness
            .get_by_role_and_label(Role::TextInput, "Value")
            .value()
            .as_deref(),
        Some(typed.as_str())
    );
    let status = harness.state().status().clone();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("no reply from"), "{}", status.text);
    assert!(
        status.text.contains("Is the server running?"),
        "{}",
        status.text
    );
    assert!(
        harness
            .query_by_label_contains("Unreachable (no reply after 2 tries)")
            .is_some()
    );

    click_button(&mut harness, "Disconnect");
    assert_eq!(harness.state().link(), Link::Idle);
    harness.run_ok();
}

#[test]
fn gui_language_switch_changes_the_labels() {
    let mut harness = gui(test_settings());
    harness.step();
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Connect")
            .is_some()
    );
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Conectar")
            .is_none()
    );

    harness
        .get_by_role_and_label(Role::ComboBox, "Language")
        .click();
    harness.step();
    harness.step();
    harness.get_by_label("Português (Brasil)").click();
    harness.step();
    harness.step();

    assert_eq!(harness.state().settings().language, Some(Language::PtBr));
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Conectar")
            .is_some()
    );
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Connect")
            .is_none()
    );
    assert!(
        harness
            .query_by_role_and_label(Role::CheckBox, "Servidor local")
            .is_some()
    );
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Adicionar")
            .is_some()
    );
    harness.run_ok();
    harness.check_accessibility();
}

#[test]
fn gui_local_server_on_a_port_in_use_says_so_clearly() {
    let busy = zlist::net::server::Server::start(
        zlist::net::server::ServerConfig {
            bind: "tcp://127.0.0.1:0".to_owned(),
            ..Default::default()
        },
        zlist::net::list::RemoteList::default(),
    )
    .expect("a server starts");
    let mut settings = test_settings();
    settings.local_server.bind = busy.endpoint().to_owned();
    let mut harness = gui(settings);

    harness
        .get_by_role_and_label(Role::CheckBox, "Local server")
        .click();
    harness.step();
    harness.step();
    let status = harness.state().status().clone();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(
        status.text.contains("Cannot start the local server"),
        "{}",
        status.text
    );
    assert!(status.text.contains("in use"), "{}", status.text);
    assert_eq!(harness.state().link(), Link::Idle);
    assert!(harness.state().local_endpoint().is_none());
    drop(busy);
}

#[test]
fn gui_binding_every_interface_shows_a_warning() {
    let mut settings = test_settings();
    settings.local_server.bind = "tcp://0.0.0.0:1234".to_owned();
    let mut harness = gui(settings);
    harness.step();
    assert!(
        harness
            .query_by_label_contains("listening on every interface")
            .is_some()
    );
}

#[test]
fn gui_pasting_many_lines_appends_them_all() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);

    harness
        .get_by_role_and_label(Role::TextInput, "Value")
        .focus();
    harness.step();
    harness.event(egui::Event::Paste("one\ntwo words\n\nthree\n".to_owned()));
    harness.step();
    harness.step();
    assert!(harness.query_by_label("3 lines to append").is_some());
    click_button(&mut harness, "Append all");
    wait_for(&mut harness, "the paste to finish", |app| {
        !app.is_pasting() && app.pending_requests() == 0 && app.list_items().len() == 3
    });
    settle(&mut harness);
    assert_eq!(items(&harness), ["one", "two words", "three"]);
    assert!(
        status_text(&harness).contains("Paste finished: 3 appended, 0 failed, 0 cancelled."),
        "{}",
        status_text(&harness)
    );
}

#[test]
fn gui_console_shows_the_engines_trail_and_can_be_hidden() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["7"]);
    let console = harness.state_mut().console_text();
    assert!(console.contains("append 7"), "{console}");

    harness
        .get_by_role_and_label(Role::Button, "Hide console")
        .click();
    harness.step();
    assert!(!harness.state().settings().console_visible);
    harness.run_steps(2);
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Hide console")
            .is_none()
    );
    harness.key_press(egui::Key::F12);
    harness.step();
    assert!(harness.state().settings().console_visible);
}

/// The app, connected to the seed's Python server and showing its list.
pub(crate) fn connected_to_seed(seed: &crate::client::SeedServer) -> Gui {
    let mut settings = test_settings();
    settings.endpoint = seed.endpoint.clone();
    settings.timeout_ms = 3000;
    let mut harness = gui(settings);
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the seed server's list", |app| {
        app.has_list() && app.server_kind() == Some(&ServerKind::Seed)
    });
    harness
}

#[test]
fn gui_every_seed_operation_works_against_the_seeds_python_server() {
    let Some(seed) = crate::client::SeedServer::start() else {
        return;
    };
    let mut harness = connected_to_seed(&seed);
    settle(&mut harness);
    assert!(
        harness
            .query_by_label_contains("classroom server")
            .is_some()
    );
    wait_for(&mut harness, "the seed mode verdict", |app| {
        matches!(app.live_state(), Some(LiveState::Unavailable(_)))
    });
    harness.step();
    assert!(
        harness.query_by_label("· seed mode").is_some(),
        "the bar says seed mode"
    );

    append_typed(&mut harness, &["3", "5", "7"]);
    set_field(&mut harness, "Value", "4");
    set_field(&mut harness, "Position", "1");
    click_button(&mut harness, "Insert");
    settle(&mut harness);
    assert_eq!(items(&harness), ["3", "4", "5", "7"]);

    set_field(&mut harness, "Value", "5");
    click_button(&mut harness, "Search");
    wait_for(&mut harness, "the search reply", |app| {
        app.pending_requests() == 0 && app.highlighted_rows() == [2]
    });
    assert!(status_text(&harness).contains("» Encontrado"));

    click_button(&mut harness, "Sort descending");
    settle(&mut harness);
    assert_eq!(items(&harness), ["7", "5", "4", "3"]);
    click_button(&mut harness, "Sort ascending");
    settle(&mut harness);
    assert_eq!(items(&harness), ["3", "4", "5", "7"]);

    set_field(&mut harness, "Value", "4");
    click_button(&mut harness, "Remove");
    settle(&mut harness);
    assert_eq!(items(&harness), ["3", "5", "7"]);

    click_button(&mut harness, "Clear…");
    click_button(&mut harness, "Yes, clear the list");
    settle(&mut harness);
    assert!(items(&harness).is_empty());
    assert!(status_text(&harness).contains("Lista limpa."));
}

#[test]
fn gui_cancelling_a_big_paste_drops_the_queued_appends() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);

    let lines: String = (0..3000).map(|i| format!("line{i}\n")).collect();
    harness
        .get_by_role_and_label(Role::TextInput, "Value")
        .focus();
    harness.step();
    harness.event(egui::Event::Paste(lines));
    harness.run_steps(2);
    assert!(harness.query_by_label("3000 lines to append").is_some());
    harness
        .get_by_role_and_label(Role::Button, "Append all")
        .click();
    harness.run_steps(2);
    assert!(harness.state().is_pasting());
    assert!(
        harness
            .query_all_by_role(Role::ProgressIndicator)
            .any(|node| format!("{node:?}").contains("Appending")),
        "a progress bar shows"
    );
    click_button(&mut harness, "Cancel paste");
    wait_for(&mut harness, "the paste to end", |app| !app.is_pasting());
    settle(&mut harness);
    let status = status_text(&harness);
    assert!(status.contains("Paste finished"), "{status}");
    let appended: usize = status
        .split("Paste finished: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the count of appended lines");
    assert!(appended < 3000, "{status}");
    assert_eq!(harness.state().list_items().len(), appended, "{status}");
}

#[test]
fn gui_a_malformed_endpoint_says_what_is_expected() {
    let mut settings = test_settings();
    settings.endpoint = "localhost".to_owned();
    let mut harness = gui(settings);
    click_button(&mut harness, "Connect");
    let status = harness.state().status().clone();
    assert_eq!(status.kind, StatusKind::Error);
    assert!(status.text.contains("tcp://HOST:PORT"), "{}", status.text);
    assert_eq!(harness.state().link(), Link::Idle);
}

#[cfg(target_os = "linux")]
#[test]
fn gui_without_a_display_explains_the_terminal_commands() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_zlist"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("zlist runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("zlist server"), "{stderr}");
    assert!(stderr.contains("zlist shell"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("backtrace"), "{stderr}");
}

/// Replaces the token field's text (a password field: its text is never shown).
fn set_token(harness: &mut Harness<'_, App>, token: &str) {
    replace_text(harness, Role::PasswordInput, "Token", token);
    assert_eq!(harness.state().settings().token, token);
}

#[test]
fn gui_explains_a_refused_token_in_words_and_connects_with_the_right_one() {
    use zlist::net::access::{AccessPolicy, Token};
    use zlist::net::server::{Server, ServerConfig};
    let server = Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            access: AccessPolicy::for_bind(
                "tcp://127.0.0.1:0",
                Token::new("s3cret"),
                vec![],
                false,
            ),
            ..ServerConfig::default()
        },
        Default::default(),
    )
    .unwrap();
    let mut settings = test_settings();
    settings.endpoint = server.endpoint().to_owned();
    settings.token = "wrong".to_owned();
    let mut harness = gui(settings);
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the refusal", |app| {
        app.status().text.contains("wrong or missing token")
    });
    assert_eq!(harness.state().status().kind, StatusKind::Error);
    assert!(
        harness
            .query_all_by_label_contains("Wrong or missing token")
            .next()
            .is_some(),
        "the status light says why"
    );

    click_button(&mut harness, "Disconnect");
    set_token(&mut harness, "");
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the handshake failure", |app| {
        app.status().text.contains("requires a token")
    });

    click_button(&mut harness, "Disconnect");
    set_token(&mut harness, "s3cret");
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the list", |app| {
        app.has_list() && app.link() == Link::Engine(ConnectionState::Connected)
    });
    harness.run_ok();
}

/// How many times the app's engine sent `mostrar`, from its debug trail.
fn mostrar_sent(harness: &mut Harness<'_, App>) -> usize {
    harness
        .state_mut()
        .console_text()
        .matches("Enviando comando ao servidor: mostrar")
        .count()
}

/// Steps two apps together until `done` holds for `watched`'s side.
fn wait_both(
    watched: &mut Harness<'_, App>,
    other: &mut Harness<'_, App>,
    what: &str,
    done: impl Fn(&App) -> bool,
) {
    let deadline = Instant::now() + DEADLINE;
    loop {
        other.step();
        watched.step();
        if done(watched.state()) {
            return;
        }
        if Instant::now() > deadline {
            let items = watched.state().list_items().to_vec();
            let console = watched.state_mut().console_text();
            panic!("timed out waiting for {what}; list {items:?}\nconsole:\n{console}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn gui_two_windows_on_one_server_show_each_others_changes_live() {
    let mut a = gui(test_settings());
    start_local_server(&mut a);
    let endpoint = a.state().local_endpoint().expect("the local server runs");
    let mut settings = test_settings();
    settings.endpoint = endpoint;
    let mut b = gui(settings);
    click_button(&mut b, "Connect");
    wait_both(&mut b, &mut a, "B live", |app| {
        app.live_state() == Some(&LiveState::Live) && app.has_list()
    });
    wait_for(&mut a, "A live", |app| {
        app.live_state() == Some(&LiveState::Live)
    });
    let b_asked = mostrar_sent(&mut b);
    let a_asked = mostrar_sent(&mut a);
    assert!(b.query_by_label("· live").is_some(), "the bar says live");

    // A appends: B's table shows it, and B asks for nothing.
    set_field(&mut a, "Value", "from A");
    a.key_press(egui::Key::Enter);
    a.step();
    wait_both(&mut b, &mut a, "A's append in B's table", |app| {
        app.list_items() == ["from A"]
    });
    assert!(b.query_by_label("from A").is_some(), "B shows the row");
    assert_eq!(b.state().pending_requests(), 0, "B sent nothing");

    // And the other way round, with the table filtered in A.
    set_field(&mut a, "Filter (this view only)", "from");
    set_field(&mut b, "Value", "from B");
    b.key_press(egui::Key::Enter);
    b.step();
    wait_both(&mut a, &mut b, "B's append in A's table", |app| {
        app.list_items() == ["from A", "from B"]
    });
    set_field(&mut b, "Value", "x");
    click_button(&mut b, "Sort descending");
    wait_both(&mut a, &mut b, "B's sort in A's table", |app| {
        app.list_items() == ["from B", "from A"]
    });
    assert!(a.query_by_label("from B").is_some());

    // Own changes came back as updates too: neither side fetched the list again.
    assert_eq!(mostrar_sent(&mut b), b_asked, "B never refreshed");
    assert_eq!(mostrar_sent(&mut a), a_asked, "A never refreshed");
    assert_eq!(
        server_list(a.state().local_endpoint().as_deref().unwrap_or_default()),
        ["from B", "from A"]
    );
}

#[test]
fn gui_without_live_updates_says_so_and_refreshes_after_changes_and_periodically() {
    let server = zlist::net::server::Server::start(
        zlist::net::server::ServerConfig {
            bind: "tcp://127.0.0.1:0".to_owned(),
            ..Default::default()
        },
        zlist::net::list::RemoteList::default(),
    )
    .expect("a server without a publisher");
    let mut settings = test_settings();
    settings.endpoint = server.endpoint().to_owned();
    settings.auto_refresh = zlist::ui::settings::AutoRefresh::Every2s;
    let mut harness = gui(settings);
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the list without live updates", |app| {
        app.has_list() && matches!(app.live_state(), Some(LiveState::Unavailable(_)))
    });
    harness.step();
    assert!(
        harness.query_by_label("· no live updates").is_some(),
        "the bar says there are no live updates"
    );

    // Its own change is followed by a mostrar, as before.
    append_typed(&mut harness, &["mine"]);

    // Another client's change shows by the periodic refresh (every 2 s).
    let context = zmq::Context::new();
    let other = crate::support::req_socket(&context, server.endpoint());
    crate::support::request(&other, "append theirs");
    wait_for(&mut harness, "the periodic refresh", |app| {
        app.list_items() == ["mine", "theirs"]
    });
}

/// Opens View › Server status… as a user would.
pub(crate) fn open_server_status(harness: &mut Harness<'_, App>) {
    click_button(harness, "View");
    click_button(harness, "Server status…");
    assert!(harness.state().server_info().is_open());
}

#[test]
fn gui_server_status_window_shows_the_servers_counts_and_refreshes() {
    let mut harness = gui(test_settings());
    start_local_server(&mut harness);
    append_typed(&mut harness, &["one"]);
    let status_before = harness.state().status().clone();

    open_server_status(&mut harness);
    wait_for(&mut harness, "the server's status", |app| {
        app.server_status()
            .is_some_and(|status| status.elements == 1 && status.clients >= 1)
    });
    harness.step();
    let status = harness.state().server_status().cloned().expect("a status");
    assert_eq!(status.bytes, 3);
    assert_eq!(status.storage, "memory");
    for label in [
        "Uptime",
        "Clients connected",
        "Live-update subscribers",
        "Elements",
        "Requests answered / with an error",
    ] {
        assert!(harness.query_by_label(label).is_some(), "no {label:?} row");
    }
    let server = format!("zlist/{}", env!("CARGO_PKG_VERSION"));
    assert!(
        harness.query_by_label(&server).is_some(),
        "the server's name"
    );
    assert!(
        harness
            .query_by_label_contains("memory (the list is lost")
            .is_some(),
        "the storage, in words"
    );

    // Another client's append shows by itself: the open window asks every 2 s.
    let endpoint = harness.state().local_endpoint().expect("the local server");
    let context = zmq::Context::new();
    let other = crate::support::req_socket(&context, &endpoint);
    crate::support::request(&other, "append two");
    wait_for(&mut harness, "the periodic status", |app| {
        app.server_status()
            .is_some_and(|status| status.elements == 2 && status.bytes == 6)
    });
    // Refresh asks again at once.
    let answered = harness.state().server_status().map_or(0, |s| s.requests);
    click_button(&mut harness, "Refresh status");
    wait_for(&mut harness, "the refreshed status", |app| {
        app.server_status().is_some_and(|s| s.requests > answered)
    });

    // None of it touched the status line, the spinner or the console at its usual level.
    assert_eq!(harness.state().status(), &status_before);
    assert_eq!(harness.state().pending_requests(), 0);
    let usual = harness
        .state_mut()
        .console_text_at(zlist::ui::settings::ConsoleLevel::Debug);
    assert!(!usual.contains("zlist.status"), "{usual}");
    assert!(harness.state_mut().console_text().contains("zlist.status"));

    // Closed, it asks nothing more.
    click_button(&mut harness, "Close window");
    assert!(!harness.state().server_info().is_open());
    wait_for(&mut harness, "the last status reply", |app| {
        !app.server_info().is_asking()
    });
    let last = harness.state().server_info().fetched_at();
    let until = Instant::now() + Duration::from_millis(2500);
    while Instant::now() < until {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!harness.state().server_info().is_asking());
    assert_eq!(harness.state().server_info().fetched_at(), last);
    harness.run_ok();
}

#[test]
fn gui_server_status_window_without_a_connection_says_to_connect_first() {
    let mut harness = gui(test_settings());
    harness.step();
    open_server_status(&mut harness);
    assert!(
        harness.query_by_label("Server status").is_some(),
        "the window"
    );
    assert!(
        harness
            .query_all_by_label_contains("Connect to a server first")
            .next()
            .is_some()
    );
    assert!(
        harness
            .get_by_role_and_label(Role::Button, "Refresh status")
            .accesskit_node()
            .is_disabled()
    );
    harness.run_steps(3);
    assert!(harness.state().server_status().is_none());
    assert!(!harness.state().server_info().is_asking());
    harness.check_accessibility();
}

#[test]
fn gui_server_status_window_explains_that_the_seed_does_not_report_it() {
    let Some(seed) = crate::client::SeedServer::start() else {
        return;
    };
    let mut harness = connected_to_seed(&seed);
    let status_before = harness.state().status().clone();
    open_server_status(&mut harness);
    wait_for(&mut harness, "the seed's answer", |app| {
        app.server_info().problem().is_some()
    });
    harness.step();
    assert!(harness.state().server_status().is_none());
    assert!(
        harness
            .query_by_label_contains("This server (the seed's) does not report its status")
            .is_some()
    );
    assert!(
        harness
            .query_by_label_contains("Comando inválido.")
            .is_some()
    );
    assert_eq!(harness.state().status(), &status_before);
    // It asked once: the seed will not answer differently later.
    harness.run_steps(3);
    assert!(!harness.state().server_info().is_asking());
}

#[test]
fn gui_a_typed_server_key_pins_it_and_encrypts_with_no_question() {
    use zlist::net::curve::KeyPair;
    let keys = KeyPair::generate().unwrap();
    let server = crate::curve::curve_server(&keys, None);
    let mut settings = test_settings();
    settings.endpoint = server.endpoint().to_owned();
    settings.server_key = "not a key".to_owned();
    let mut harness = gui(settings);
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the bad key's error", |app| {
        app.status().text.contains("Cannot use the CURVE key")
    });
    assert!(
        status_text(&harness).contains("not a CURVE key"),
        "{}",
        status_text(&harness)
    );

    replace_text(
        &mut harness,
        Role::TextInput,
        "Server key",
        &keys.public.to_string(),
    );
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the encrypted connection", |app| {
        app.has_list() && app.link() == Link::Engine(ConnectionState::Connected)
    });
    set_field(&mut harness, "Value", "cifrado");
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the element", |app| {
        app.list_items() == ["cifrado"]
    });
    assert!(!harness.state().is_asking_trust());
    drop(harness);
    assert_eq!(server.stop().unwrap().to_vec(), ["cifrado"]);
}

// ---- Encrypted by default: trust on first use, the local server's key, the token ----

/// A loopback port whose next two ports (updates, and the key port) are free too.
fn port_with_key_port() -> u16 {
    loop {
        let port = crate::support::free_port();
        if std::net::TcpListener::bind(("127.0.0.1", port + 2)).is_ok() {
            return port;
        }
    }
}

/// An encrypting server with `keys` on 127.0.0.1, serving its key on the request port + 2
/// as `zlist server` does, where the app looks for it.
fn encrypting_server(keys: &zlist::net::curve::KeyPair) -> zlist::net::server::Server {
    use zlist::net::access::AccessPolicy;
    use zlist::net::curve::ServerKeys;
    use zlist::net::server::{Publish, Server, ServerConfig};
    let port = port_with_key_port();
    let bind = format!("tcp://127.0.0.1:{port}");
    let access = AccessPolicy::for_bind(&bind, None, vec![], false)
        .with_curve(ServerKeys {
            keys: keys.clone(),
            clients: None,
        })
        .unwrap();
    let server = Server::start(
        ServerConfig {
            bind,
            access,
            publish: Publish::NextPort,
            ..ServerConfig::default()
        },
        Default::default(),
    )
    .unwrap();
    assert_eq!(
        server.key_endpoint(),
        Some(format!("tcp://127.0.0.1:{}", port + 2).as_str())
    );
    server
}

/// The requests `server` (whose key is `key`) handled so far, asked over CURVE with
/// `zlist.status` (which does not count itself).
fn requests_handled(server: &zlist::net::server::Server, key: zlist::net::curve::CurveKey) -> u64 {
    use zlist::net::curve::{ClientKeys, KeyPair};
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket
        .set_rcvtimeo(crate::support::REPLY_TIMEOUT.as_millis() as i32)
        .unwrap();
    ClientKeys {
        server: key,
        own: KeyPair::generate().unwrap(),
    }
    .apply(&socket)
    .unwrap();
    socket.connect(server.endpoint()).unwrap();
    let reply = crate::support::request(&socket, zlist::net::protocol::STATUS);
    zlist::net::status::ServerStatus::parse(&reply)
        .unwrap()
        .requests
}

/// The known-servers file of the app in `dir`.
fn known_in(dir: &std::path::Path) -> zlist::net::known_servers::KnownServers {
    zlist::net::known_servers::KnownServers::open(&dir.join(zlist::net::known_servers::FILE_NAME))
        .unwrap()
}

/// Connected to the server, with its list.
fn connected(app: &App) -> bool {
    app.has_list() && app.link() == Link::Engine(ConnectionState::Connected)
}

#[test]
fn gui_first_contact_asks_to_trust_the_fingerprint_and_the_remembered_key_asks_no_more() {
    use zlist::net::curve::KeyPair;
    let keys = KeyPair::generate().unwrap();
    let server = encrypting_server(&keys);
    let mut settings = test_settings();
    settings.endpoint = server.endpoint().to_owned();
    let mut harness = gui(settings.clone());
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the trust dialog", App::is_asking_trust);
    harness.step();
    assert!(harness.query_by_label("Trust this server?").is_some());
    assert!(
        harness.query_by_label(&keys.public.fingerprint()).is_some(),
        "the dialog shows the fingerprint"
    );
    assert!(
        harness.query_by_label(&keys.public.to_string()).is_some(),
        "and the whole key"
    );
    let server_name = server.endpoint().trim_start_matches("tcp://").to_owned();
    assert!(harness.query_by_label(&server_name).is_some());
    assert_eq!(harness.state().link(), Link::CheckingKey);
    assert_eq!(known_in(harness.dir.path()).lookup(server.endpoint()), None);

    click_button(&mut harness, "Trust");
    wait_for(&mut harness, "the encrypted connection", connected);
    assert_eq!(
        known_in(harness.dir.path()).lookup(server.endpoint()),
        Some(keys.public)
    );
    harness.step();
    assert!(
        harness.query_by_label("· encrypted").is_some(),
        "the bar says so"
    );
    let console = harness.state_mut().console_text();
    assert!(console.contains("(encrypted, CURVE)"), "{console}");
    assert!(console.contains(&keys.public.fingerprint()), "{console}");
    set_field(&mut harness, "Value", "cifrado");
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the element", |app| {
        app.list_items() == ["cifrado"]
    });

    // Again, and from a new window on the same known servers: no question.
    click_button(&mut harness, "Disconnect");
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the second connection", |app| {
        assert!(
            !app.is_asking_trust(),
            "a remembered key is not asked about"
        );
        connected(app)
    });
    let Gui { harness, dir } = harness;
    drop(harness);
    let mut harness = gui_in(settings, dir);
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "a new window's connection", |app| {
        assert!(
            !app.is_asking_trust(),
            "a remembered key is not asked about"
        );
        connected(app) && app.list_items() == ["cifrado"]
    });
    drop(harness);
    assert_eq!(server.stop().unwrap().to_vec(), ["cifrado"]);
}

#[test]
fn gui_a_changed_key_is_refused_loudly_and_forgotten_only_after_confirming() {
    use zlist::net::curve::KeyPair;
    let keys = KeyPair::generate().unwrap();
    let server = encrypting_server(&keys);
    let dir = tempfile::tempdir().unwrap();
    let impostor = KeyPair::generate().unwrap().public;
    known_in(dir.path())
        .remember(server.endpoint(), impostor)
        .unwrap();
    let mut settings = test_settings();
    settings.endpoint = server.endpoint().to_owned();
    let mut harness = gui_in(settings, dir);
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the refusal", |app| {
        app.status().text.contains("The server's key has changed")
    });
    let status = status_text(&harness);
    assert_eq!(harness.state().status().kind, StatusKind::Error);
    assert!(status.contains("someone may be intercepting"), "{status}");
    assert!(status.contains(&keys.public.fingerprint()), "{status}");
    assert!(status.contains(&impostor.fingerprint()), "{status}");
    assert!(status.contains("Nothing was sent"), "{status}");
    // Nothing was connected, nor sent: no engine ran, its trail is empty.
    harness.run_steps(3);
    assert_eq!(harness.state().link(), Link::Idle);
    assert!(!harness.state().is_asking_trust());
    assert_eq!(harness.state().server_kind(), None);
    let console = harness.state_mut().console_text();
    assert!(
        console.contains("The server's key has changed"),
        "{console}"
    );
    assert!(!console.contains("Enviando comando"), "{console}");
    assert_eq!(
        requests_handled(&server, keys.public),
        0,
        "nothing was sent"
    );

    // Forgetting asks first; backing out keeps the key.
    click_button(&mut harness, "Forget its key…");
    assert!(harness.state().is_confirming_forget_key());
    click_button(&mut harness, "Cancel");
    assert!(!harness.state().is_confirming_forget_key());
    assert_eq!(
        known_in(harness.dir.path()).lookup(server.endpoint()),
        Some(impostor)
    );
    click_button(&mut harness, "Forget its key…");
    let server_name = server.endpoint().trim_start_matches("tcp://").to_owned();
    assert!(
        harness
            .query_by_label_contains(&format!(
                "The app forgets the key remembered for {server_name}"
            ))
            .is_some()
    );
    click_button(&mut harness, "Forget the key");
    assert_eq!(known_in(harness.dir.path()).lookup(server.endpoint()), None);
    assert!(status_text(&harness).contains("is forgotten"));
    assert!(
        harness
            .query_by_role_and_label(Role::Button, "Forget its key…")
            .is_none()
    );

    // Connecting again asks; Cancel connects nothing and remembers nothing.
    click_button(&mut harness, "Connect");
    wait_for(&mut harness, "the trust dialog", App::is_asking_trust);
    harness.step();
    assert!(harness.query_by_label(&keys.public.fingerprint()).is_some());
    click_button(&mut harness, "Cancel");
    harness.run_steps(3);
    assert!(!harness.state().is_asking_trust());
    assert_eq!(harness.state().link(), Link::Idle);
    assert!(status_text(&harness).contains("was not trusted"));
    assert_eq!(known_in(harness.dir.path()).lookup(server.endpoint()), None);
    let console = harness.state_mut().console_text();
    assert!(!console.contains("Enviando comando"), "{console}");
    assert_eq!(
        requests_handled(&server, keys.public),
        1,
        "only the status asked above"
    );
    drop(harness);
    server.stop().unwrap();
}

#[test]
fn gui_the_local_server_beyond_loopback_encrypts_and_the_app_uses_its_key_unasked() {
    let mut settings = test_settings();
    settings.local_server.bind = "tcp://0.0.0.0:0".to_owned();
    let mut harness = gui(settings);
    harness
        .get_by_role_and_label(Role::CheckBox, "Local server")
        .click();
    wait_for(&mut harness, "the local server's list", |app| {
        assert!(!app.is_asking_trust(), "its own server is not asked about");
        connected(app)
    });
    let console = harness.state_mut().console_text();
    assert!(
        console.contains("encrypted, CURVE; fingerprint SHA256:"),
        "{console}"
    );
    assert!(console.contains("(encrypted, CURVE)…"), "{console}");
    set_field(&mut harness, "Value", "local");
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the element", |app| {
        app.list_items() == ["local"]
    });
    // A plain client (the seed's) gets nothing from it.
    assert!(harness.query_by_label("· encrypted").is_some());
    let endpoint = harness.state().local_endpoint().unwrap();
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.set_rcvtimeo(500).unwrap();
    socket.connect(&endpoint).unwrap();
    socket.send("mostrar", 0).unwrap();
    assert!(
        socket.recv_bytes(0).is_err(),
        "a plain client is not served"
    );

    // On loopback it stays plain, as the seed's clients expect.
    harness
        .get_by_role_and_label(Role::CheckBox, "Local server")
        .click();
    harness.run_steps(2);
    set_field(&mut harness, "Listen on", "tcp://127.0.0.1:0");
    start_local_server(&mut harness);
    let console = harness.state_mut().console_text();
    let since_restart = console
        .rsplit("Local server listening on")
        .next()
        .unwrap_or_default();
    assert!(!since_restart.contains("encrypted"), "{console}");
    assert!(harness.query_by_label("· encrypted").is_none());
}

/// Settings kept in memory, as eframe keeps them in its file.
#[derive(Default)]
pub(crate) struct MemoryStorage(std::collections::HashMap<String, String>);

impl eframe::Storage for MemoryStorage {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

/// What the app writes to its settings file now.
pub(crate) fn saved_settings(harness: &mut Harness<'_, App>) -> String {
    let mut storage = MemoryStorage::default();
    eframe::App::save(harness.state_mut(), &mut storage);
    let text: Vec<String> = storage.0.into_values().collect();
    assert!(!text.is_empty(), "the settings are saved");
    text.join("\n")
}

/// The token file of the app in `dir`, once its keeper wrote `token` there.
fn wait_for_token_file(harness: &mut Harness<'_, App>, dir: &std::path::Path, token: &str) {
    let path = dir.join(zlist::ui::secrets::FILE_NAME);
    wait_for(harness, "the token file", |_| {
        std::fs::read_to_string(&path).is_ok_and(|text| text == token)
    });
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
}

#[test]
fn gui_the_token_is_kept_in_a_private_file_without_a_keychain_never_in_the_settings() {
    let mut settings = test_settings();
    settings.endpoint = format!("127.0.0.1:{}", crate::support::free_port());
    // Nobody listens there: a long timeout keeps "no reply" from replacing the note in the
    // status line on a slow machine before the test reads it.
    settings.timeout_ms = 60_000;
    let mut harness = gui(settings.clone());
    harness.step();
    set_token(&mut harness, "s3cret-token");
    click_button(&mut harness, "Connect");
    let dir = harness.dir.path().to_owned();
    wait_for_token_file(&mut harness, &dir, "s3cret-token");
    // The note goes to the status line and the console; the status line may have moved on
    // to the connection by now, the console keeps it.
    let deadline = Instant::now() + DEADLINE;
    let note = loop {
        harness.step();
        let console = harness.state_mut().console_text();
        if let Some(line) = console
            .lines()
            .find(|line| line.contains("No OS keychain available"))
        {
            break line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no note on the keychain:\n{console}"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(note.contains(&dir.display().to_string()), "{note}");
    assert!(note.contains("WARN"), "{note}");
    click_button(&mut harness, "Disconnect");
    let saved = saved_settings(&mut harness);
    assert!(!saved.contains("s3cret-token"), "{saved}");

    // The next run reads it from the store.
    let Gui { harness, dir } = harness;
    drop(harness);
    let mut harness = gui_in(settings, dir);
    harness.step();
    assert_eq!(harness.state().settings().token, "s3cret-token");
    // Cleared, it is kept nowhere.
    set_token(&mut harness, "");
    let _ = saved_settings(&mut harness);
    let path = harness.dir.path().join(zlist::ui::secrets::FILE_NAME);
    wait_for(&mut harness, "the token file's removal", |_| !path.exists());
}

#[test]
fn gui_a_token_in_old_settings_moves_to_the_store_and_leaves_the_settings() {
    /// The settings as an older zlist wrote them, token included.
    #[derive(serde::Serialize)]
    struct OldSettings {
        token: String,
        language: Option<Language>,
    }
    let mut old = MemoryStorage::default();
    eframe::set_value(
        &mut old,
        eframe::APP_KEY,
        &OldSettings {
            token: "old-token".to_owned(),
            language: Some(Language::En),
        },
    );
    assert!(old.0.values().any(|text| text.contains("old-token")));
    let dir = tempfile::tempdir().unwrap();
    let keep = Keep::in_dir(dir.path());
    let mut harness = Harness::<App>::builder()
        .with_size(egui::vec2(1280.0, 820.0))
        .build_eframe(move |cc| App::restored_for_test(cc, &old, keep));
    assert_eq!(harness.state().settings().token, "old-token");
    wait_for_token_file(&mut harness, dir.path(), "old-token");
    let saved = saved_settings(&mut harness);
    assert!(!saved.contains("old-token"), "{saved}");
    assert_eq!(harness.state().language(), Language::En);
}

#[test]
fn gui_a_token_goes_inside_the_local_servers_encryption_beyond_loopback() {
    let mut settings = test_settings();
    settings.local_server.bind = "tcp://0.0.0.0:0".to_owned();
    settings.token = "class-token".to_owned();
    let mut harness = gui(settings);
    harness
        .get_by_role_and_label(Role::CheckBox, "Local server")
        .click();
    wait_for(&mut harness, "the local server's list", connected);
    assert!(harness.query_by_label("· encrypted").is_some());
    set_field(&mut harness, "Value", "with-token");
    harness.key_press(egui::Key::Enter);
    wait_for(&mut harness, "the element", |app| {
        app.list_items() == ["with-token"]
    });
    // A client with the server's key but without the token is refused.
    let endpoint = harness.state().local_endpoint().unwrap();
    let server = harness.state().local_key().expect("it encrypts");
    let status = zlist::net::client::spawn(
        zlist::net::client::ClientOptions {
            endpoint,
            timeout: Duration::from_millis(500),
            tries: 1,
            token: None,
            curve: Some(zlist::net::curve::ClientKeys {
                server,
                own: zlist::net::curve::KeyPair::generate().unwrap(),
            }),
            live: false,
        },
        Box::new(|| {}),
    );
    let (handle, events) = status.unwrap();
    let id = handle.send(zlist::net::protocol::Command::Show);
    let deadline = Instant::now() + DEADLINE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left).expect("an answer or a failure") {
            zlist::net::client::ClientEvent::Failed {
                id: failed, error, ..
            } if failed == id => {
                use zlist::net::client::RequestFailure;
                assert!(
                    matches!(
                        error,
                        RequestFailure::Refused { .. } | RequestFailure::HandshakeFailed { .. }
                    ),
                    "{error:?}"
                );
                break;
            }
            zlist::net::client::ClientEvent::Reply(reply) if reply.id == id => {
                panic!("served without the token: {reply:?}")
            }
            _ => {}
        }
    }
}

#[test]
fn gui_the_trust_dialog_speaks_portuguese_and_cancel_remembers_nothing() {
    use zlist::net::curve::KeyPair;
    let keys = KeyPair::generate().unwrap();
    let server = encrypting_server(&keys);
    let mut settings = test_settings();
    settings.language = Some(Language::PtBr);
    settings.endpoint = server.endpoint().to_owned();
    let mut harness = gui(settings);
    click_button(&mut harness, "Conectar");
    wait_for(&mut harness, "the trust dialog", App::is_asking_trust);
    harness.step();
    assert!(harness.query_by_label("Confiar neste servidor?").is_some());
    assert!(harness.query_by_label("Impressão digital").is_some());
    assert!(harness.query_by_label(&keys.public.fingerprint()).is_some());
    click_button(&mut harness, "Cancelar");
    harness.run_steps(2);
    assert_eq!(harness.state().link(), Link::Idle);
    assert!(status_text(&harness).contains("não foi aceita"));
    assert_eq!(known_in(harness.dir.path()).lookup(server.endpoint()), None);
    drop(harness);
    server.stop().unwrap();
}
