//! The read-only token end to end: a real server with two tokens, real clients with each
//! (PLAIN, and inside CURVE), the binary's flags, and the app showing "read-only".

use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use zlist::net::access::{AccessPolicy, Token};
use zlist::net::client::{ClientEvent, ClientHandle, LiveState};
use zlist::net::curve::{ClientKeys, KeyPair, ServerKeys};
use zlist::net::protocol::ServerKind;
use zlist::net::server::{Publish, Server, ServerConfig};

use crate::access::{Ending, outcome, run_zlist};
use crate::curve::token_client;
use crate::gui::{click_button, gui, test_settings, wait_for};
use crate::support::start_server_with;

const WRITER: &str = "token-que-altera";
const READER: &str = "token-que-so-le";
const READ_ONLY_REPLY: &str = "Erro: este cliente entrou com o token de leitura: pode ler a \
                               lista e seguir as atualizações, mas não alterá-la; alterações \
                               precisam do token de escrita.";

fn two_token_policy() -> AccessPolicy {
    AccessPolicy::for_bind("tcp://127.0.0.1:0", Token::new(WRITER), vec![], false)
        .with_read_token(Token::new(READER).unwrap())
        .unwrap()
}

fn server(access: AccessPolicy) -> Server {
    start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        access,
        publish: Publish::NextPort,
        ..ServerConfig::default()
    })
}

fn client(
    endpoint: &str,
    token: &str,
    curve: Option<ClientKeys>,
    live: bool,
) -> (ClientHandle, Receiver<ClientEvent>) {
    token_client(endpoint, curve, Some(token), live)
}

fn reply(handle: &ClientHandle, events: &Receiver<ClientEvent>, text: &str) -> String {
    match outcome(handle, events, text).0 {
        Ending::Reply(reply) => reply,
        Ending::Failed(failure) => panic!("{text}: {failure:?}"),
    }
}

/// Waits for the engine's event that `found` picks.
fn wait_event<T>(
    events: &Receiver<ClientEvent>,
    what: &str,
    found: impl Fn(ClientEvent) -> Option<T>,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = events
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("{what} within 10 s"));
        if let Some(value) = found(event) {
            return value;
        }
    }
}

#[test]
fn the_read_only_token_reads_and_every_change_it_sends_is_refused_in_words() {
    let server = server(two_token_policy());
    let (writer, writer_events) = client(server.endpoint(), WRITER, None, false);
    assert_eq!(
        reply(&writer, &writer_events, "append a b"),
        "Elemento 'a b' adicionado."
    );
    let (reader, reader_events) = client(server.endpoint(), READER, None, false);
    assert_eq!(reply(&reader, &reader_events, "mostrar"), "['a b']");
    assert_eq!(
        reply(&reader, &reader_events, "pesquisar a b"),
        "Encontrado"
    );
    for change in [
        "append x",
        "insert 0 x",
        "remover a b",
        "ordenar_cresc",
        "ordenar_desc",
        "limpar",
        "zlist.req leitor:1 limpar",
    ] {
        assert_eq!(
            reply(&reader, &reader_events, change),
            READ_ONLY_REPLY,
            "{change}"
        );
    }
    assert_eq!(
        reply(&writer, &writer_events, "mostrar"),
        "['a b']",
        "nothing changed"
    );
    let hello = reply(&reader, &reader_events, "zlist.hello");
    assert!(
        ServerKind::from_hello_reply(&hello).is_read_only(),
        "{hello}"
    );
    let hello = reply(&writer, &writer_events, "zlist.hello");
    assert!(
        !ServerKind::from_hello_reply(&hello).is_read_only(),
        "{hello}"
    );
    let status = reply(&writer, &writer_events, "zlist.status");
    assert!(status.contains("access=token+read-token"), "{status}");
}

#[test]
fn the_read_only_token_inside_curve_follows_live_updates_but_changes_nothing() {
    let keys = KeyPair::generate().unwrap();
    let server = server(
        two_token_policy()
            .with_curve(ServerKeys {
                keys: keys.clone(),
                clients: None,
            })
            .unwrap(),
    );
    let curve = || {
        Some(ClientKeys {
            server: keys.public,
            own: KeyPair::generate().unwrap(),
        })
    };
    let (reader, reader_events) = client(server.endpoint(), READER, curve(), true);
    let kind = wait_event(&reader_events, "the server's kind", |event| match event {
        ClientEvent::Server(kind) => Some(kind),
        _ => None,
    });
    assert!(kind.is_read_only(), "{kind:?}");
    wait_event(&reader_events, "live updates", |event| match event {
        ClientEvent::Live(LiveState::Live) => Some(()),
        ClientEvent::Live(LiveState::Unavailable(why)) => panic!("not live: {why}"),
        _ => None,
    });
    assert_eq!(reply(&reader, &reader_events, "append x"), READ_ONLY_REPLY);
    let (writer, writer_events) = client(server.endpoint(), WRITER, curve(), false);
    assert_eq!(
        reply(&writer, &writer_events, "append y"),
        "Elemento 'y' adicionado."
    );
    let effect = wait_event(
        &reader_events,
        "the writer's change, live",
        |event| match event {
            ClientEvent::Update { effect, .. } => Some(effect),
            _ => None,
        },
    );
    assert!(format!("{effect:?}").contains("\"y\""), "{effect:?}");
}

#[test]
fn a_read_only_token_without_a_token_or_equal_to_it_stops_the_server_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let read = dir.path().join("read-token");
    std::fs::write(&read, "somente-leitura\n").unwrap();
    let read = read.to_str().unwrap();
    let cases = [
        (
            None,
            "a read-only token needs a token that may change the list too",
        ),
        (
            Some("somente-leitura"),
            "the read-only token must differ from the token",
        ),
    ];
    for (token, reason) in cases {
        let envs: Vec<(&str, &str)> = token.map(|t| ("ZLIST_TOKEN", t)).into_iter().collect();
        let output = run_zlist(
            &[
                "server",
                "--bind",
                "tcp://127.0.0.1:0",
                "--memory",
                "--read-token-file",
                read,
            ],
            &envs,
        );
        assert!(!output.status.success());
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains(reason), "{said}");
    }
}

#[test]
fn gui_with_the_read_only_token_shows_read_only_and_disables_every_change() {
    let server = server(two_token_policy());
    let mut settings = test_settings();
    settings.endpoint = server.endpoint().to_owned();
    settings.token = READER.to_owned();
    let mut harness = gui(settings);
    click_button(&mut harness, "Connect");
    // Live, so that the "live" notice cannot come after the refusal below and take the
    // status line from it.
    wait_for(&mut harness, "the live list", |app| {
        app.has_list() && app.live_state() == Some(&LiveState::Live)
    });
    harness.run_steps(3);
    assert!(harness.query_by_label("· read-only").is_some());
    for action in ["Append", "Insert", "Remove", "Sort ascending", "Clear…"] {
        assert!(
            harness
                .get_by_role_and_label(Role::Button, action)
                .accesskit_node()
                .is_disabled(),
            "{action} is disabled"
        );
    }
    assert!(
        !harness
            .get_by_role_and_label(Role::Button, "Refresh")
            .accesskit_node()
            .is_disabled(),
        "reading still works"
    );
    // A shortcut reaches the action with its button disabled: refused in words.
    harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Delete,
    );
    harness.run_steps(3);
    assert!(
        harness.state().status().text.starts_with("Read-only:"),
        "{}",
        harness.state().status().text
    );
    assert_eq!(harness.state().pending_requests(), 0);
}
