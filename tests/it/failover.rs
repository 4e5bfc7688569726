//! Clients that fail over (`--connect a,b`, the app's Server field with several servers):
//! the endpoint list as typed, real zlist servers on loopback that stop, scripted ROUTER
//! stubs that read a request and never answer it (to see the wire), the live subscription
//! following the server in use, and the app's status line naming the server that answered.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use zlist::net::client::RequestFailure;
use zlist::net::client::{self, ClientError, ClientEvent, ClientOptions, ConnectionState};
use zlist::net::list::RemoteList;
use zlist::net::live::Replica;
use zlist::net::protocol::Command;
use zlist::net::server::{Publish, Server, ServerConfig};

use crate::client::{debug_texts, outcome, reply, spawn_client, wait_event};
use crate::support::{free_port, req_socket, request, start_server};

/// The longest any one wait may take.
const WAIT: Duration = Duration::from_secs(15);

/// An endpoint where nothing listens.
fn nobody() -> String {
    format!("tcp://127.0.0.1:{}", free_port())
}

fn append(x: &str) -> Command {
    Command::Append(x.to_owned())
}

/// The `Switched` events among `seen`: (answered, unanswered).
fn switches(seen: &[ClientEvent]) -> Vec<(String, Vec<String>)> {
    seen.iter()
        .filter_map(|event| match event {
            ClientEvent::Switched {
                answered,
                unanswered,
            } => Some((answered.clone(), unanswered.clone())),
            _ => None,
        })
        .collect()
}

/// The server's list, asked the seed's way.
fn server_items(endpoint: &str) -> Vec<String> {
    let context = zmq::Context::new();
    let socket = req_socket(&context, endpoint);
    zlist::net::repr::parse_list_repr(&request(&socket, "mostrar")).expect("mostrar parses")
}

/// A ROUTER socket on a loopback port that answers `zlist.hello` with `hello` and reads
/// every other request without ever answering it, keeping what it read.
struct Stub {
    endpoint: String,
    heard: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Stub {
    fn start(hello: &str) -> Self {
        let context = zmq::Context::new();
        let router = context.socket(zmq::ROUTER).unwrap();
        router.set_linger(0).unwrap();
        router.set_rcvtimeo(20).unwrap();
        router.bind("tcp://127.0.0.1:0").unwrap();
        let endpoint = router.get_last_endpoint().unwrap().unwrap();
        let heard = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (hello, kept, stopping) = (hello.to_owned(), heard.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let _context = context;
            while !stopping.load(Ordering::Relaxed) {
                let Ok(frames) = router.recv_multipart(0) else {
                    continue;
                };
                // REQ's envelope: the peer's id, an empty frame, the request.
                let [peer, empty, body] = frames.as_slice() else {
                    continue;
                };
                let body = String::from_utf8_lossy(body).into_owned();
                if body == zlist::net::protocol::HELLO {
                    let reply = [peer.as_slice(), empty.as_slice(), hello.as_bytes()];
                    router.send_multipart(reply, 0).unwrap();
                } else {
                    kept.lock().unwrap().push(body);
                }
            }
        });
        Self {
            endpoint,
            heard,
            stop,
            thread: Some(thread),
        }
    }

    fn heard(&self) -> Vec<String> {
        self.heard.lock().unwrap().clone()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

/// What a zlist server answers `zlist.hello` (without the publisher: no live updates).
fn zlist_hello(server: &str) -> String {
    let context = zmq::Context::new();
    let hello = request(&req_socket(&context, server), zlist::net::protocol::HELLO);
    hello
        .split(' ')
        .filter(|word| !word.starts_with("pub="))
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn an_endpoint_list_with_spaces_and_repeats_is_normalised_for_the_engine() {
    let (handle, _events) = spawn_client(
        "127.0.0.1:5001 , tcp://127.0.0.1:5002,127.0.0.1:5001",
        200,
        1,
    );
    assert_eq!(
        handle.endpoints(),
        ["tcp://127.0.0.1:5001", "tcp://127.0.0.1:5002"]
    );
    assert_eq!(
        handle.endpoint(),
        "tcp://127.0.0.1:5001,tcp://127.0.0.1:5002"
    );
    let (one, _events) = spawn_client("127.0.0.1:5001", 200, 1);
    assert_eq!(
        one.endpoint(),
        "tcp://127.0.0.1:5001",
        "one endpoint as before"
    );
}

#[test]
fn a_bad_endpoint_in_the_list_is_refused_by_name() {
    for (list, bad) in [
        ("127.0.0.1:5001,127.0.0.1:x", "127.0.0.1:x"),
        ("http://h:1, 127.0.0.1:5001", "http://h:1"),
        (
            "127.0.0.1:5001,,127.0.0.1:5002",
            "127.0.0.1:5001,,127.0.0.1:5002",
        ),
    ] {
        let error = client::spawn(
            ClientOptions {
                endpoint: list.to_owned(),
                ..ClientOptions::default()
            },
            Box::new(|| {}),
        )
        .unwrap_err();
        let ClientError::Endpoint(error) = error else {
            panic!("{list}: not an endpoint error: {error}");
        };
        assert_eq!(error.input, bad, "{list}");
        assert!(error.to_string().contains("tcp://HOST:PORT"), "{error}");
    }
}

#[test]
fn when_the_first_server_stops_the_second_answers_and_the_event_says_so() {
    let a = start_server();
    let b = start_server();
    let (a_endpoint, b_endpoint) = (a.endpoint().to_owned(), b.endpoint().to_owned());
    let (handle, events) = spawn_client(&format!("{a_endpoint},{b_endpoint}"), 300, 2);
    let first = reply(&events, handle.send(append("one")));
    assert_eq!(first.endpoint, a_endpoint);
    assert_eq!(server_items(&a_endpoint), ["one"]);

    a.stop().unwrap();
    let id = handle.send(append("two"));
    let (result, seen) = outcome(&events, id);
    let second = result.unwrap_or_else(|error| panic!("{error}; seen: {seen:#?}"));
    assert_eq!(second.text, "Elemento 'two' adicionado.");
    assert_eq!(second.endpoint, b_endpoint);
    assert_eq!(
        switches(&seen),
        [(b_endpoint.clone(), vec![a_endpoint.clone()])]
    );
    let expected = format!("Servidor {b_endpoint} respondeu ({a_endpoint} não respondeu)");
    assert!(
        debug_texts(&seen).contains(&expected),
        "{:#?}",
        debug_texts(&seen)
    );
    assert_eq!(server_items(&b_endpoint), ["two"], "applied once, at B");

    // B is the server in use now: the next request goes straight to it.
    let started = Instant::now();
    let third = reply(&events, handle.send(Command::Show));
    assert_eq!(third.endpoint, b_endpoint);
    assert_eq!(third.tries, 1);
    assert!(
        started.elapsed() < Duration::from_millis(300),
        "no timeout first"
    );
}

#[test]
fn a_first_server_that_never_started_is_passed_over() {
    let b = start_server();
    let absent = nobody();
    let (handle, events) = spawn_client(&format!("{absent}, {}", b.endpoint()), 200, 1);
    let (result, seen) = outcome(&events, handle.send(append("x")));
    let answered = result.unwrap();
    assert_eq!(answered.endpoint, b.endpoint());
    assert_eq!(answered.tries, 2, "one try at each");
    assert_eq!(switches(&seen), [(b.endpoint().to_owned(), vec![absent])]);
    assert_eq!(server_items(b.endpoint()), ["x"]);
}

#[test]
fn a_tagged_change_whose_reply_was_lost_goes_to_the_next_server_with_the_same_tag() {
    let b = start_server();
    let stub = Stub::start(&zlist_hello(b.endpoint()));
    let (handle, events) = spawn_client(&format!("{},{}", stub.endpoint, b.endpoint()), 400, 1);
    let (result, seen) = outcome(&events, handle.send(append("x")));
    let answered = result.unwrap_or_else(|error| panic!("{error}; seen: {seen:#?}"));
    assert_eq!(answered.endpoint, b.endpoint());
    assert_eq!(answered.text, "Elemento 'x' adicionado.");

    // The stub read the change, tagged, and never answered it.
    let heard = stub.heard();
    let [wire] = heard.as_slice() else {
        panic!("the stub heard {heard:?}");
    };
    assert!(
        wire.starts_with("zlist.req ") && wire.ends_with(" append x"),
        "{wire}"
    );
    let tag = wire.split(' ').take(2).collect::<Vec<_>>().join(" ");
    let tagged: Vec<String> = debug_texts(&seen)
        .into_iter()
        .filter(|line| line.contains("zlist.req"))
        .collect();
    assert_eq!(tagged.len(), 2, "sent twice: {tagged:#?}");
    assert!(tagged.iter().all(|line| line.contains(&tag)), "{tagged:#?}");

    // B took that very tag: sent again, it answers from its record and applies nothing.
    let context = zmq::Context::new();
    let again = request(&req_socket(&context, b.endpoint()), wire);
    assert_eq!(again, "Elemento 'x' adicionado.");
    assert_eq!(server_items(b.endpoint()), ["x"], "applied once");
}

#[test]
fn a_change_sent_tagged_is_not_resent_to_a_seed_server_of_the_list() {
    let zlist = start_server();
    let tagging = Stub::start(&zlist_hello(zlist.endpoint()));
    // The seed's server answers `zlist.hello` as any unknown command.
    let seed = Stub::start("Comando inválido.");
    let list = format!("{},{}", tagging.endpoint, seed.endpoint);
    let (handle, events) = spawn_client(&list, 300, 2);
    let (result, seen) = outcome(&events, handle.send(append("x")));
    match result {
        Err(RequestFailure::ChangeNotRetried { endpoint, .. }) => {
            assert_eq!(endpoint, seed.endpoint);
        }
        other => panic!("{other:?}; seen: {seen:#?}"),
    }
    assert_eq!(tagging.heard().len(), 1);
    assert!(seed.heard().is_empty(), "the seed got {:?}", seed.heard());
}

#[test]
fn when_no_server_of_the_list_answers_the_request_fails_as_usual_without_hanging() {
    let (first, second) = (nobody(), nobody());
    let (handle, events) = spawn_client(&format!("{first},{second}"), 200, 2);
    let started = Instant::now();
    let (result, seen) = outcome(&events, handle.send(Command::Show));
    let elapsed = started.elapsed();
    assert_eq!(
        result.unwrap_err(),
        RequestFailure::NoReply {
            endpoint: format!("{first},{second}"),
            tries: 4,
            timeout: Duration::from_millis(200),
        }
    );
    // Each try waits for `zlist.hello` at most once: four tries of 200 ms.
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert!(
        seen.iter().any(|event| matches!(
            event,
            ClientEvent::Connection(ConnectionState::Unreachable { tries: 4 })
        )),
        "{seen:#?}"
    );
    assert!(switches(&seen).is_empty(), "nobody answered");
    // And the engine goes on: the next request is tried again, and fails the same way.
    let (again, _) = outcome(&events, handle.send(Command::Show));
    assert!(matches!(
        again,
        Err(RequestFailure::NoReply { tries: 4, .. })
    ));
}

/// A server on a loopback port that publishes its changes.
fn publishing_server() -> Server {
    Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            publish: Publish::Endpoint("tcp://127.0.0.1:0".into()),
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )
    .expect("server starts")
}

/// Handles a live client's events into `replica` until `done` holds.
fn follow_until(
    events: &Receiver<ClientEvent>,
    replica: &mut Replica,
    seen: &mut Vec<ClientEvent>,
    what: &str,
    done: impl Fn(&Replica, &[ClientEvent]) -> bool,
) {
    let deadline = Instant::now() + WAIT;
    while !done(replica, seen) {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left.min(Duration::from_millis(50))) {
            Ok(event) => {
                match &event {
                    ClientEvent::Snapshot {
                        epoch,
                        version,
                        items,
                    } => replica.snapshot(*epoch, *version, items.clone()),
                    ClientEvent::Update { version, effect } => {
                        replica.update(*version, effect.clone()).unwrap();
                    }
                    _ => {}
                }
                seen.push(event);
            }
            Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
            Err(error) => panic!("{what}: not within {WAIT:?} ({error}); seen: {seen:#?}"),
        }
    }
}

#[test]
fn the_live_subscription_follows_the_server_in_use_and_resyncs() {
    let a = publishing_server();
    let b = publishing_server();
    let (a_endpoint, b_endpoint) = (a.endpoint().to_owned(), b.endpoint().to_owned());
    let context = zmq::Context::new();
    request(&req_socket(&context, &a_endpoint), "append at-a");
    request(&req_socket(&context, &b_endpoint), "append at-b");
    let (handle, events) = client::spawn(
        ClientOptions {
            endpoint: format!("{a_endpoint},{b_endpoint}"),
            timeout: Duration::from_millis(400),
            tries: 2,
            live: true,
            ..ClientOptions::default()
        },
        Box::new(|| {}),
    )
    .unwrap();
    let mut replica = Replica::default();
    let mut seen = Vec::new();
    follow_until(&events, &mut replica, &mut seen, "A's list", |r, _| {
        r.list().to_vec() == ["at-a"]
    });

    // A stops: with no request in flight, the engine notices, asks B, and follows it.
    a.stop().unwrap();
    follow_until(&events, &mut replica, &mut seen, "B's list", |r, seen| {
        r.list().to_vec() == ["at-b"] && !switches(seen).is_empty()
    });
    assert_eq!(switches(&seen), [(b_endpoint.clone(), vec![a_endpoint])]);
    let subscribed = format!(
        "Assinando as atualizações ao vivo em {}",
        b.publish_endpoint().unwrap()
    );
    assert!(
        debug_texts(&seen)
            .iter()
            .any(|line| line.starts_with(&subscribed)),
        "{:#?}",
        debug_texts(&seen)
    );

    // A change another client makes on B reaches this client's list as an update.
    request(&req_socket(&context, &b_endpoint), "append from-elsewhere");
    follow_until(&events, &mut replica, &mut seen, "B's update", |r, _| {
        r.list().to_vec() == ["at-b", "from-elsewhere"]
    });
    // And its own requests go to B.
    let id = handle.send(append("mine"));
    let (answered, _) = wait_event(&events, |event| match event {
        ClientEvent::Reply(reply) if reply.id == id => Some(reply.endpoint.clone()),
        _ => None,
    });
    assert_eq!(answered, b_endpoint);
}

#[test]
fn zlist_send_with_several_endpoints_gets_its_reply_from_the_one_that_answers() {
    let b = start_server();
    let connect = format!("{}, {}", nobody(), b.endpoint());
    let output = crate::cli_client::zlist(
        &[
            "send",
            "--connect",
            &connect,
            "--timeout",
            "0.3",
            "append",
            "x",
        ],
        &[],
        "",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(stdout.trim(), "Elemento 'x' adicionado.");
    assert_eq!(server_items(b.endpoint()), ["x"]);

    let output = crate::cli_client::zlist(
        &["send", "--connect", "127.0.0.1:1,127.0.0.1:nope", "mostrar"],
        &[],
        "",
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("\"127.0.0.1:nope\""), "{stderr}");
}

#[test]
fn gui_status_line_names_the_server_that_answered_after_the_first_did_not() {
    use crate::gui::{gui, test_settings, wait_for};
    use egui_kittest::kittest::Queryable as _;

    let b = start_server();
    let absent = nobody();
    let mut settings = test_settings();
    settings.endpoint = format!("{absent}, {}", b.endpoint());
    settings.timeout_ms = 300;
    let typed = settings.endpoint.clone();
    let mut harness = gui(settings);
    harness.run_steps(2);
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, "Connect")
        .click();
    wait_for(&mut harness, "the list from B", |app| app.has_list());
    harness.run_steps(2);
    let in_use = format!("Server: {}", b.endpoint());
    assert!(
        harness.query_by_label(&in_use).is_some(),
        "no {in_use:?} in the status line"
    );
    let console = harness.state_mut().console_text();
    let said = format!(
        "Server {} answered ({absent} did not answer).",
        b.endpoint()
    );
    assert!(console.contains(&said), "{console}");
    assert_eq!(harness.state().settings().endpoint, typed, "kept as typed");
    assert!(
        harness.state().settings().recent_endpoints.contains(&typed),
        "remembered as typed"
    );
}
