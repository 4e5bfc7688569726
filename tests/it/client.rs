//! The client engine (`zlist::net::client`) against real servers on loopback: a zlist
//! server, a server that is absent or killed, a proxy that loses a reply, and the seed's
//! Python server (`tests/seed/servidorZMQ.py`, when python3 has pyzmq).

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command as Process, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use zlist::net::client::{
    self, ClientError, ClientEvent, ClientHandle, ClientOptions, ConnectionState, Reply,
    RequestFailure, RequestId,
};
use zlist::net::list::RemoteList;
use zlist::net::protocol::{Command, ServerKind};
use zlist::net::server::{Server, ServerConfig};

use crate::support::{free_port, start_server};

/// The longest any test waits for one expected event.
pub(crate) const EVENT_WAIT: Duration = Duration::from_secs(10);

/// A client engine with a short timeout, and a no-op waker.
pub(crate) fn spawn_client(
    endpoint: &str,
    timeout_ms: u64,
    tries: u32,
) -> (ClientHandle, Receiver<ClientEvent>) {
    client::spawn(
        ClientOptions {
            endpoint: endpoint.to_owned(),
            timeout: Duration::from_millis(timeout_ms),
            tries,
            token: None,
            curve: None,
            live: false,
        },
        Box::new(|| {}),
    )
    .expect("client starts")
}

/// Waits (at most [`EVENT_WAIT`]) for the first event `pick` accepts; returns what it
/// picked and every event seen up to it.
pub(crate) fn wait_event<T>(
    events: &Receiver<ClientEvent>,
    mut pick: impl FnMut(&ClientEvent) -> Option<T>,
) -> (T, Vec<ClientEvent>) {
    let deadline = Instant::now() + EVENT_WAIT;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(event) => {
                let picked = pick(&event);
                seen.push(event);
                if let Some(picked) = picked {
                    return (picked, seen);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("the expected event did not come within {EVENT_WAIT:?}; seen: {seen:#?}")
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the worker stopped before the expected event; seen: {seen:#?}")
            }
        }
    }
}

/// How request `id` ended, and the events seen until then.
pub(crate) fn outcome(
    events: &Receiver<ClientEvent>,
    id: RequestId,
) -> (Result<Reply, RequestFailure>, Vec<ClientEvent>) {
    wait_event(events, |event| match event {
        ClientEvent::Reply(reply) if reply.id == id => Some(Ok(reply.clone())),
        ClientEvent::Failed {
            id: failed, error, ..
        } if *failed == id => Some(Err(error.clone())),
        _ => None,
    })
}

/// The reply to request `id`; fails the test if it failed.
pub(crate) fn reply(events: &Receiver<ClientEvent>, id: RequestId) -> Reply {
    match outcome(events, id) {
        (Ok(reply), _) => reply,
        (Err(error), seen) => panic!("request {id} failed: {error}; seen: {seen:#?}"),
    }
}

/// The list parsed from the reply to the `mostrar` request `id`.
fn list(events: &Receiver<ClientEvent>, id: RequestId) -> Vec<String> {
    wait_event(events, |event| match event {
        ClientEvent::List { id: listed, items } if *listed == id => Some(items.clone()),
        _ => None,
    })
    .0
}

fn states(seen: &[ClientEvent]) -> Vec<ConnectionState> {
    seen.iter()
        .filter_map(|event| match event {
            ClientEvent::Connection(state) => Some(*state),
            _ => None,
        })
        .collect()
}

pub(crate) fn debug_texts(seen: &[ClientEvent]) -> Vec<String> {
    seen.iter()
        .filter_map(|event| match event {
            ClientEvent::Debug(line) => Some(line.text.clone()),
            _ => None,
        })
        .collect()
}

/// Events that come within `wait` (for checking that something does NOT happen).
fn events_within(events: &Receiver<ClientEvent>, wait: Duration) -> Vec<ClientEvent> {
    let deadline = Instant::now() + wait;
    let mut seen = Vec::new();
    while let Ok(event) = events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        seen.push(event);
    }
    seen
}

/// A ROUTER/DEALER proxy in front of a server that drops the reply to the first request
/// containing a given text, and records every request that passes.
pub(crate) struct LossyProxy {
    /// Where clients connect.
    pub(crate) endpoint: String,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl LossyProxy {
    pub(crate) fn start(backend: &str, drop_reply_to: &str) -> Self {
        let context = zmq::Context::new();
        let (front, endpoint, back) = crate::support::proxy_sockets(&context, backend);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopped, pattern) = (requests.clone(), stop.clone(), drop_reply_to.to_owned());
        let thread = std::thread::spawn(move || {
            let _context = context;
            // The request each client (by ROUTER identity) is waiting on.
            let mut pending: HashMap<Vec<u8>, String> = HashMap::new();
            let mut dropped = false;
            while !stopped.load(Ordering::Relaxed) {
                let mut items = [
                    front.as_poll_item(zmq::POLLIN),
                    back.as_poll_item(zmq::POLLIN),
                ];
                zmq::poll(&mut items, 20).unwrap();
                if items[0].is_readable() {
                    let frames = front.recv_multipart(0).unwrap();
                    let body = String::from_utf8_lossy(frames.last().unwrap()).into_owned();
                    seen.lock().unwrap().push(body.clone());
                    pending.insert(frames[0].clone(), body);
                    back.send_multipart(frames, 0).unwrap();
                }
                if items[1].is_readable() {
                    let frames = back.recv_multipart(0).unwrap();
                    let request = pending.remove(&frames[0]).unwrap_or_default();
                    if !dropped && request.contains(&pattern) {
                        dropped = true;
                        continue;
                    }
                    // A client that went away (a reopened REQ socket) is simply not routed.
                    let _ = front.send_multipart(frames, 0);
                }
            }
        });
        Self {
            endpoint,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// Every request that went through, as the server received it.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for LossyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.join().unwrap();
        }
    }
}

/// The seed's Python server (reconstructed) on a free loopback port.
pub(crate) struct SeedServer {
    pub(crate) endpoint: String,
    child: Child,
    log: Receiver<String>,
}

impl SeedServer {
    /// Starts it, or prints why it is skipped and returns `None` when python3 has no pyzmq.
    pub(crate) fn start() -> Option<Self> {
        let has_pyzmq = Process::new("python3")
            .args(["-c", "import zmq"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !has_pyzmq {
            eprintln!(
                "skipped: python3 with pyzmq is not available for the seed server \
                 (scripts/test.sh installs it)"
            );
            return None;
        }
        // The port may be taken between our look and Python's bind (which comes after
        // the interpreter starts): then another one is tried.
        for _ in 0..5 {
            let mut server = Self::spawn(free_port());
            match server.try_wait_log("Servidor ZeroMQ iniciado") {
                Ok(_) => return Some(server),
                Err(output) if output.contains("Address already in use") => continue,
                Err(output) => panic!("the seed server did not start: {output}"),
            }
        }
        panic!("the seed server found no free port in 5 tries");
    }

    fn spawn(port: u16) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/seed/servidorZMQ.py");
        let mut child = Process::new("python3")
            .args(["-u", script, &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let (tx, log) = crossbeam_channel::unbounded();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            endpoint: format!("tcp://127.0.0.1:{port}"),
            child,
            log,
        }
    }

    /// Waits for a line of the server's trail containing `text`; returns the lines seen.
    pub(crate) fn wait_log(&mut self, text: &str) -> Vec<String> {
        self.try_wait_log(text)
            .unwrap_or_else(|output| panic!("the seed server never printed {text:?}: {output}"))
    }

    /// As [`Self::wait_log`]; when the line does not come, kills the server and returns
    /// what it printed.
    fn try_wait_log(&mut self, text: &str) -> Result<Vec<String>, String> {
        let deadline = Instant::now() + EVENT_WAIT;
        let mut lines = Vec::new();
        loop {
            match self
                .log
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => {
                    let found = line.contains(text);
                    lines.push(line);
                    if found {
                        return Ok(lines);
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    let mut stderr = String::new();
                    if let Some(mut pipe) = self.child.stderr.take() {
                        let _ = pipe.read_to_string(&mut stderr);
                    }
                    return Err(format!("its output: {lines:#?}\n{stderr}"));
                }
            }
        }
    }
}

impl Drop for SeedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `zlist server` as a separate process, so that it can really be killed.
struct ServerProcess {
    endpoint: String,
    child: Child,
    log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Starts `zlist server --bind BIND --data DATA`.
    fn start(bind: &str, data: &std::path::Path) -> Self {
        let mut child = Process::new(env!("CARGO_BIN_EXE_zlist"))
            .args(["server", "--bind", bind, "--data"])
            .arg(data)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("zlist server starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = crossbeam_channel::bounded(1);
        let log = Arc::new(Mutex::new(Vec::new()));
        let keep = log.clone();
        std::thread::spawn(move || {
            // Reads to the end, so the server never blocks on a full pipe.
            let mut sent = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                keep.lock().unwrap().push(line.clone());
                if !sent && let Some(rest) = line.split("ready on ").nth(1) {
                    let endpoint = rest.split(';').next().unwrap_or_default().to_owned();
                    sent = tx.send(endpoint).is_ok();
                }
            }
        });
        let endpoint = match rx.recv_timeout(EVENT_WAIT) {
            Ok(endpoint) => endpoint,
            Err(_) => {
                let _ = child.kill();
                panic!("zlist server did not say where it listens");
            }
        };
        Self {
            endpoint,
            child,
            log,
        }
    }

    /// What the server has logged so far.
    fn log(&self) -> Vec<String> {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    /// SIGKILL: no goodbye, no closing handshake.
    fn kill(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.endpoint.clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn connection_state_is_connecting_until_the_handshake_succeeds() {
    let server = start_server();
    let (_client, events) = spawn_client(server.endpoint(), 300, 3);
    let (first, _) = wait_event(&events, |event| match event {
        ClientEvent::Connection(state) => Some(*state),
        _ => None,
    });
    assert_eq!(first, ConnectionState::Connecting);
    let (_, seen) = wait_event(&events, |event| {
        matches!(event, ClientEvent::Connection(ConnectionState::Connected)).then_some(())
    });
    // Success is said once, by the line that comes right before the state turns.
    let trail = debug_texts(&seen);
    let said = trail
        .iter()
        .filter(|t| t.starts_with("Conexão estabelecida com"))
        .count();
    assert_eq!(said, 1, "{trail:#?}");
    assert!(
        matches!(&seen[seen.len() - 2], ClientEvent::Debug(line) if line.text.starts_with("Conexão estabelecida com")),
        "{seen:#?}"
    );
    drop(server);
    wait_event(&events, |event| {
        matches!(
            event,
            ClientEvent::Connection(ConnectionState::Disconnected)
        )
        .then_some(())
    });
}

#[test]
fn replies_carry_the_request_and_mostrar_gives_the_parsed_list() {
    let server = start_server();
    let (client, events) = spawn_client(server.endpoint(), 2000, 3);
    let append = client.send(Command::Append("hello world".into()));
    let missing = client.send_text("remover nada");
    let show = client.send(Command::Show);

    let (kind, _) = wait_event(&events, |event| match event {
        ClientEvent::Server(kind) => Some(kind.clone()),
        _ => None,
    });
    assert!(
        matches!(kind, ServerKind::Zlist { version: 1, .. }),
        "{kind:?}"
    );

    let first = reply(&events, append);
    assert_eq!(first.text, "Elemento 'hello world' adicionado.");
    assert_eq!(
        first.request, "append hello world",
        "the plain command, not zlist.req"
    );
    assert_eq!(first.command, Some(Command::Append("hello world".into())));
    assert!(!first.is_error);
    assert_eq!(first.tries, 1);
    assert!(first.round_trip < Duration::from_secs(2));

    let second = reply(&events, missing);
    assert_eq!(second.text, "Elemento 'nada' não encontrado.");
    assert!(second.is_error);

    let third = reply(&events, show);
    assert_eq!(third.text, "['hello world']");
    assert_eq!(list(&events, show), ["hello world"]);
    assert!(
        append < missing && missing < show,
        "ids increase in queue order"
    );
}

#[test]
fn the_debug_trail_follows_the_seed_lines() {
    let server = start_server();
    let (client, events) = spawn_client(server.endpoint(), 2000, 3);
    let id = client.send(Command::Append("3".into()));
    let (_, seen) = outcome(&events, id);
    let trail = debug_texts(&seen);
    let position = |needle: &str| {
        trail
            .iter()
            .position(|t| t == needle)
            .unwrap_or_else(|| panic!("{needle:?} not in {trail:#?}"))
    };
    let sending = position("Enviando comando ao servidor: append 3");
    let received = position("Resposta recebida do servidor: Elemento '3' adicionado.");
    assert!(sending < received);
    assert!(
        trail[sending..received].contains(&"Aguardando resposta do servidor...".to_owned()),
        "{trail:#?}"
    );
}

#[test]
fn waker_is_called_once_for_every_event() {
    let server = start_server();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let (client, events) = client::spawn(
        ClientOptions {
            endpoint: server.endpoint().to_owned(),
            ..ClientOptions::default()
        },
        Box::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }),
    )
    .unwrap();
    let id = client.send(Command::Show);
    let (_, mut seen) = outcome(&events, id);
    // Dropping the handle joins the worker: every event and its waker call are done.
    drop(client);
    seen.extend(events.try_iter());
    assert!(seen.len() >= 4, "{seen:#?}");
    assert_eq!(calls.load(Ordering::SeqCst), seen.len());
}

#[test]
fn absent_server_fails_the_request_clearly_and_a_server_started_later_answers() {
    let port = free_port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let (client, events) = spawn_client(&endpoint, 1000, 3);
    let started = Instant::now();
    let lost = client.send(Command::Append("X".into()));
    let (result, seen) = outcome(&events, lost);
    let error = result.expect_err("nobody is listening");
    assert_eq!(
        error,
        RequestFailure::NoReply {
            endpoint: endpoint.clone(),
            tries: 3,
            timeout: Duration::from_millis(1000)
        }
    );
    assert_eq!(
        error.to_string(),
        format!("no reply from {endpoint} after 3 tries of 1 s; is the server running?")
    );
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "{:?}",
        started.elapsed()
    );
    let states = states(&seen);
    assert_eq!(
        states.last(),
        Some(&ConnectionState::Unreachable { tries: 3 })
    );
    assert!(!states.contains(&ConnectionState::Connected), "{states:?}");

    let server = start_server_on(&endpoint);
    // The server answers (however slow the machine); then so must the client, whose
    // socket has been failing to connect all along.
    let probe = crate::support::req_socket(&zmq::Context::new(), &endpoint);
    assert_eq!(crate::support::request(&probe, "mostrar"), "[]");
    let later = client.send(Command::Append("Y".into()));
    let (answer, seen) = outcome(&events, later);
    let answer = answer.unwrap_or_else(|error| panic!("{error}; events: {seen:#?}"));
    assert_eq!(answer.text, "Elemento 'Y' adicionado.");
    assert!(connected_seen_or_soon(&seen, &events), "{seen:#?}");
    drop(client);
    assert_eq!(
        server.stop().unwrap().to_vec(),
        ["Y"],
        "X never reached a server"
    );
}

/// A server on `endpoint`, a port that was free for a client to find nobody at.
fn start_server_on(endpoint: &str) -> Server {
    Server::start(
        ServerConfig {
            bind: endpoint.to_owned(),
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )
    .expect("the port is still free")
}

/// Whether `seen` holds the state `Connected`, or it arrives within a few seconds (the
/// handshake event may trail the reply).
fn connected_seen_or_soon(seen: &[ClientEvent], events: &Receiver<ClientEvent>) -> bool {
    let connected =
        |event: &ClientEvent| matches!(event, ClientEvent::Connection(ConnectionState::Connected));
    let deadline = Instant::now() + Duration::from_secs(5);
    seen.iter().any(connected)
        || std::iter::from_fn(|| {
            events
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .ok()
        })
        .any(|event| connected(&event))
}

#[test]
fn a_socket_reopened_many_times_while_nobody_listens_still_reaches_a_server_later() {
    // Every try that times out closes the socket while libzmq is still retrying its
    // connection and reporting that to the socket's monitor.
    let endpoint = format!("tcp://127.0.0.1:{}", free_port());
    let (client, events) = spawn_client(&endpoint, 60, 40);
    let lost = client.send(Command::Show);
    assert!(outcome(&events, lost).0.is_err(), "nobody is listening");
    let _server = start_server_on(&endpoint);
    let later = client.send(Command::Show);
    let (answer, seen) = outcome(&events, later);
    let answer = answer.unwrap_or_else(|error| panic!("{error}; events: {seen:#?}"));
    assert_eq!(answer.text, "[]");
}

#[test]
fn killed_server_is_retried_until_it_restarts_and_nothing_freezes() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start("tcp://127.0.0.1:0", data.path());
    let (client, events) = spawn_client(&server.endpoint, 300, 20);
    assert_eq!(
        reply(&events, client.send(Command::Append("A".into()))).text,
        "Elemento 'A' adicionado."
    );
    let endpoint = server.kill();
    wait_event(&events, |event| {
        matches!(
            event,
            ClientEvent::Connection(ConnectionState::Disconnected)
        )
        .then_some(())
    });

    let during = client.send(Command::Append("B".into()));
    // Let at least one try time out while the server is gone.
    let (_, seen) = wait_event(&events, |event| match event {
        ClientEvent::Debug(line) if line.text.starts_with("Sem resposta em 0.3 s") => Some(()),
        _ => None,
    });
    assert!(
        !seen.iter().any(|e| matches!(e, ClientEvent::Failed { .. })),
        "{seen:#?}"
    );
    // The driver is never blocked: queueing while the worker retries returns at once,
    // not after the seconds the retried request may still take (the bound is loose for
    // loaded machines).
    let queued_at = Instant::now();
    let after = client.send(Command::Show);
    assert!(queued_at.elapsed() < Duration::from_secs(1));

    let restarted = ServerProcess::start(&endpoint, data.path());
    let answer = match outcome(&events, during) {
        (Ok(reply), _) => reply,
        (Err(error), seen) => panic!(
            "{error}; the restarted server's log: {:#?}; events: {seen:#?}",
            restarted.log()
        ),
    };
    assert_eq!(answer.text, "Elemento 'B' adicionado.");
    assert!(answer.tries >= 2, "{answer:?}");
    assert_eq!(
        list(&events, after),
        ["A", "B"],
        "A recovered from disk, B applied once"
    );
}

#[test]
fn lost_reply_to_append_leaves_exactly_one_element_on_a_zlist_server() {
    let server = start_server();
    let proxy = LossyProxy::start(server.endpoint(), "append X");
    let (client, events) = spawn_client(&proxy.endpoint, 1000, 3);
    let id = client.send(Command::Append("X".into()));
    let answer = reply(&events, id);
    assert_eq!(answer.text, "Elemento 'X' adicionado.");
    assert!(!answer.is_error);
    // The first reply was lost; a slow machine may need one more try.
    assert!(answer.tries >= 2, "{answer:?}");
    assert_eq!(answer.request, "append X");

    let show = client.send(Command::Show);
    assert_eq!(list(&events, show), ["X"]);

    let appends: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.contains("append X"))
        .collect();
    assert!(appends.len() >= 2, "{appends:?}");
    assert!(appends[0].starts_with("zlist.req "), "{appends:?}");
    assert!(
        appends.iter().all(|a| *a == appends[0]),
        "every retry reuses the tag: {appends:?}"
    );
    drop(client);
    drop(proxy);
    assert_eq!(server.stop().unwrap().to_vec(), ["X"]);
}

#[test]
fn malformed_endpoints_and_options_are_refused_with_what_is_expected() {
    for bad in [
        "localhost",
        "tcp://127.0.0.1",
        "http://x:1",
        "tcp://host:99999",
        "",
    ] {
        let error = client::spawn(
            ClientOptions {
                endpoint: bad.to_owned(),
                ..ClientOptions::default()
            },
            Box::new(|| {}),
        )
        .expect_err(bad);
        assert!(
            matches!(error, ClientError::Endpoint(_)),
            "{bad}: {error:?}"
        );
        assert!(
            error
                .to_string()
                .contains("should look like tcp://HOST:PORT"),
            "{bad}: {error}"
        );
    }
    let zero_tries = client::spawn(
        ClientOptions {
            tries: 0,
            ..ClientOptions::default()
        },
        Box::new(|| {}),
    );
    assert!(matches!(zero_tries, Err(ClientError::Options(_))));
    let zero_timeout = client::spawn(
        ClientOptions {
            timeout: Duration::ZERO,
            ..ClientOptions::default()
        },
        Box::new(|| {}),
    );
    assert!(matches!(zero_timeout, Err(ClientError::Options(_))));
}

#[test]
fn host_port_without_scheme_is_accepted_and_normalised() {
    let server = start_server();
    let bare = server.endpoint().trim_start_matches("tcp://").to_owned();
    let (client, events) = spawn_client(&bare, 2000, 1);
    assert_eq!(client.endpoint(), server.endpoint());
    assert_eq!(reply(&events, client.send(Command::Show)).text, "[]");
}

#[test]
fn dropping_the_handle_mid_request_stops_the_worker_promptly() {
    let endpoint = format!("tcp://127.0.0.1:{}", free_port());
    let (client, events) = spawn_client(&endpoint, 10_000, 3);
    let id = client.send(Command::Show);
    wait_event(&events, |event| match event {
        ClientEvent::Debug(line) if line.text == "Aguardando resposta do servidor..." => Some(()),
        _ => None,
    });
    let started = Instant::now();
    drop(client);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let (result, _) = outcome(&events, id);
    assert_eq!(result.unwrap_err(), RequestFailure::Stopped);
}

#[test]
fn cancel_queued_drops_waiting_requests_but_not_the_one_in_flight() {
    let endpoint = format!("tcp://127.0.0.1:{}", free_port());
    let (client, events) = spawn_client(&endpoint, 5_000, 1);
    let in_flight = client.send(Command::Show);
    wait_event(&events, |event| match event {
        ClientEvent::Debug(line) if line.text == "Aguardando resposta do servidor..." => Some(()),
        _ => None,
    });
    let second = client.send(Command::Append("x".into()));
    let third = client.send_text("limpar");
    client.cancel_queued();
    let (cancelled, seen) = wait_event(&events, |event| match event {
        ClientEvent::Cancelled(ids) => Some(ids.clone()),
        _ => None,
    });
    assert_eq!(cancelled, [second, third]);
    assert!(
        !seen.iter().any(|e| matches!(e, ClientEvent::Failed { .. })),
        "the request in flight goes on: {seen:#?}"
    );
    drop(client);
    assert_eq!(
        outcome(&events, in_flight).0.unwrap_err(),
        RequestFailure::Stopped
    );
}

/// A REP server that answers everything with a fixed text, like a broken or foreign server.
fn fixed_reply_server(reply: &'static str) -> (String, Arc<AtomicBool>, JoinHandle<()>) {
    let context = zmq::Context::new();
    let rep = context.socket(zmq::REP).unwrap();
    rep.set_linger(0).unwrap();
    rep.set_rcvtimeo(20).unwrap();
    rep.bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = rep.get_last_endpoint().unwrap().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let thread = std::thread::spawn(move || {
        let _context = context;
        while !stopped.load(Ordering::Relaxed) {
            if rep.recv_bytes(0).is_ok() {
                rep.send(reply, 0).unwrap();
            }
        }
    });
    (endpoint, stop, thread)
}

#[test]
fn a_reply_to_mostrar_that_is_no_list_is_flagged_as_an_error() {
    let (endpoint, stop, thread) = fixed_reply_server("isto não é uma lista");
    let (client, events) = spawn_client(&endpoint, 2000, 1);
    let id = client.send(Command::Show);
    let (result, seen) = outcome(&events, id);
    let answer = result.unwrap();
    assert_eq!(answer.text, "isto não é uma lista");
    assert!(answer.is_error);
    let trail = debug_texts(&seen);
    assert!(
        trail
            .iter()
            .any(|t| t.contains("não é uma lista no formato esperado")),
        "{trail:#?}"
    );
    let later = events_within(&events, Duration::from_millis(200));
    assert!(
        !later.iter().any(|e| matches!(e, ClientEvent::List { .. })),
        "{later:#?}"
    );
    drop(client);
    stop.store(true, Ordering::Relaxed);
    thread.join().unwrap();
}

#[test]
fn a_peer_that_fails_the_zeromq_handshake_is_reported_as_such() {
    // Speaks ZMTP 3.0 but asks for the PLAIN mechanism, which the client does not use.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let thread = std::thread::spawn(move || {
        let mut greeting = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 0];
        let mut mechanism = b"PLAIN".to_vec();
        mechanism.resize(20, 0);
        greeting.extend(mechanism);
        greeting.push(0);
        greeting.resize(64, 0);
        let mut peers = Vec::new();
        while !stopped.load(Ordering::Relaxed) {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    use std::io::Write as _;
                    let _ = stream.write_all(&greeting);
                    peers.push(stream);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
    });
    let (client, events) = spawn_client(&format!("tcp://127.0.0.1:{port}"), 300, 1);
    let (_, seen) = wait_event(&events, |event| {
        matches!(
            event,
            ClientEvent::Connection(ConnectionState::HandshakeFailed)
        )
        .then_some(())
    });
    assert!(
        !states(&seen).contains(&ConnectionState::Connected),
        "{seen:#?}"
    );
    drop(client);
    stop.store(true, Ordering::Relaxed);
    thread.join().unwrap();
}

#[test]
fn ipv6_loopback_servers_are_reached() {
    let Ok(server) = Server::start(
        ServerConfig {
            bind: "tcp://[::1]:0".into(),
            ..ServerConfig::default()
        },
        RemoteList::default(),
    ) else {
        eprintln!("skipped: this machine has no IPv6 loopback");
        return;
    };
    let (client, events) = spawn_client(server.endpoint(), 2000, 2);
    assert_eq!(reply(&events, client.send(Command::Show)).text, "[]");
}

#[test]
fn seed_server_is_detected_and_gets_plain_seed_commands() {
    let Some(mut seed) = SeedServer::start() else {
        return;
    };
    let (client, events) = spawn_client(&seed.endpoint, 2000, 2);
    let id = client.send(Command::Append("3".into()));
    let (kind, _) = wait_event(&events, |event| match event {
        ClientEvent::Server(kind) => Some(kind.clone()),
        _ => None,
    });
    assert_eq!(kind, ServerKind::Seed);
    let answer = reply(&events, id);
    assert_eq!(answer.text, "Elemento '3' adicionado.");
    assert!(!answer.is_error);
    let log = seed.wait_log("Mensagem recebida: append 3");
    assert!(!log.iter().any(|l| l.contains("zlist.req")), "{log:#?}");
    let show = client.send(Command::Show);
    assert_eq!(list(&events, show), ["3"]);
}

#[test]
fn timed_out_change_is_not_resent_to_a_seed_server() {
    let Some(seed) = SeedServer::start() else {
        return;
    };
    let proxy = LossyProxy::start(&seed.endpoint, "append X");
    let (client, events) = spawn_client(&proxy.endpoint, 1000, 3);
    let id = client.send(Command::Append("X".into()));
    let (result, _) = outcome(&events, id);
    let error = result.unwrap_err();
    assert_eq!(
        error,
        RequestFailure::ChangeNotRetried {
            endpoint: proxy.endpoint.clone(),
            timeout: Duration::from_millis(1000)
        }
    );
    assert!(error.to_string().contains("was not resent"), "{error}");
    let show = client.send(Command::Show);
    assert_eq!(list(&events, show), ["X"], "applied exactly once");
    let appends: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.contains("append"))
        .collect();
    assert_eq!(appends, ["append X"], "sent once, plain");
}

#[test]
fn lost_reply_to_a_read_is_retried_against_a_seed_server() {
    let Some(seed) = SeedServer::start() else {
        return;
    };
    let proxy = LossyProxy::start(&seed.endpoint, "mostrar");
    let (client, events) = spawn_client(&proxy.endpoint, 1000, 3);
    let answer = reply(&events, client.send(Command::Show));
    assert_eq!(answer.text, "[]");
    assert!(answer.tries >= 2, "the first reply was lost: {answer:?}");
}

#[test]
fn requests_that_would_crash_the_seed_server_are_not_sent_to_it() {
    let Some(mut seed) = SeedServer::start() else {
        return;
    };
    let (client, events) = spawn_client(&seed.endpoint, 2000, 2);
    for (text, expected) in [
        ("append", "Erro: falta o elemento. Uso: append X"),
        (
            "insert abc x",
            "Erro: a posição 'abc' não é um número inteiro. Uso: insert P X",
        ),
        ("", "Erro: mensagem vazia."),
    ] {
        let answer = reply(&events, client.send_text(text));
        assert!(answer.text.starts_with(expected), "{text:?}: {answer:?}");
        assert!(answer.is_error);
        assert_eq!(answer.tries, 0, "answered without sending");
    }
    // An unknown word is harmless to the seed: it is sent and answered there.
    let unknown = reply(&events, client.send_text("sair"));
    assert_eq!(
        (unknown.text.as_str(), unknown.tries),
        ("Comando inválido.", 1)
    );
    // The seed server is still alive.
    assert_eq!(reply(&events, client.send(Command::Show)).text, "[]");
    let log = seed.wait_log("Mensagem recebida: mostrar");
    assert!(
        !log.iter().any(|l| l.contains("Mensagem recebida: append")),
        "{log:#?}"
    );
}
