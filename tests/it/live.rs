//! Live updates end to end (`docs/protocol.md`, "Live updates"): servers publishing on
//! loopback, live client engines, and the list each driver builds from the engine's
//! `Snapshot` and `Update` events. Every driver's list is checked against the server's
//! `mostrar`; every update must come exactly once and in order (the `Replica` refuses
//! anything else). A scripted fake server sends malformed messages and snapshot replies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use zlist::net::access::{AccessPolicy, Token};
use zlist::net::client::{
    self, ClientEvent, ClientHandle, ClientOptions, LiveState, NotLive, RequestId,
};
use zlist::net::list::{Effect, RemoteList};
use zlist::net::live::{self, Epoch, Replica};
use zlist::net::protocol::Command;
use zlist::net::repr;
use zlist::net::server::{Publish, Server, ServerConfig};

use crate::support::{req_socket, request};

/// The longest any one wait may take.
const WAIT: Duration = Duration::from_secs(15);

/// A server on a free loopback port, publishing on another free loopback port.
fn publishing_server(config: ServerConfig) -> Server {
    Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            publish: Publish::Endpoint("tcp://127.0.0.1:0".into()),
            ..config
        },
        RemoteList::default(),
    )
    .expect("server starts")
}

/// The server's list, asked the seed's way.
fn server_list(endpoint: &str) -> Vec<String> {
    let context = zmq::Context::new();
    let socket = req_socket(&context, endpoint);
    repr::parse_list_repr(&request(&socket, "mostrar")).expect("mostrar parses")
}

/// A live client engine and what its driver has seen: the list built from its events,
/// the live states, the replies and the debug trail.
pub(crate) struct Follower {
    handle: ClientHandle,
    events: Receiver<ClientEvent>,
    replica: Replica,
    snapshots: usize,
    states: Vec<LiveState>,
    replies: HashMap<RequestId, String>,
    trail: Vec<String>,
}

impl Follower {
    pub(crate) fn start(endpoint: &str) -> Self {
        Self::with_token(endpoint, None)
    }

    fn with_token(endpoint: &str, token: Option<&str>) -> Self {
        let (handle, events) = client::spawn(
            ClientOptions {
                endpoint: endpoint.to_owned(),
                timeout: Duration::from_millis(1500),
                tries: 3,
                token: token.and_then(Token::new),
                curve: None,
                live: true,
            },
            Box::new(|| {}),
        )
        .expect("client starts");
        Self {
            handle,
            events,
            replica: Replica::default(),
            snapshots: 0,
            states: Vec::new(),
            replies: HashMap::new(),
            trail: Vec::new(),
        }
    }

    fn take(&mut self, event: ClientEvent) {
        match event {
            ClientEvent::Snapshot {
                epoch,
                version,
                items,
            } => {
                self.snapshots += 1;
                self.replica.snapshot(epoch, version, items);
            }
            ClientEvent::Update { version, effect } => {
                if let Err(error) = self.replica.update(version, effect) {
                    panic!(
                        "the engine broke its promise: {error}\ntrail:\n{}",
                        self.trail.join("\n")
                    );
                }
            }
            ClientEvent::Live(state) => self.states.push(state),
            ClientEvent::Reply(reply) => {
                self.replies.insert(reply.id, reply.text);
            }
            ClientEvent::Failed { id, error, .. } => {
                self.replies.insert(id, format!("FAILED: {error}"));
            }
            ClientEvent::Debug(line) => self.trail.push(line.text),
            _ => {}
        }
    }

    /// Handles events until `done` holds; fails the test after [`WAIT`].
    fn wait_until(&mut self, what: &str, done: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + WAIT;
        while !done(self) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .events
                .recv_timeout(left.min(Duration::from_millis(50)))
            {
                Ok(event) => self.take(event),
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
                Err(error) => panic!(
                    "{what}: not within {WAIT:?} ({error}); list {:?}, states {:?}\ntrail:\n{}",
                    self.items(),
                    self.states,
                    self.trail.join("\n")
                ),
            }
        }
    }

    /// Handles the events that come within `wait`.
    fn pump_for(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        while let Ok(event) = self
            .events
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.take(event);
        }
    }

    fn state(&self) -> Option<&LiveState> {
        self.states.last()
    }

    pub(crate) fn wait_live(&mut self) {
        self.wait_until("the live state", |f| {
            f.state() == Some(&LiveState::Live) && f.replica.position().is_some()
        });
    }

    fn items(&self) -> Vec<String> {
        self.replica.list().to_vec()
    }

    /// Waits until this driver's list is the server's.
    pub(crate) fn wait_converged(&mut self, server: &str) {
        let mut expected = server_list(server);
        let deadline = Instant::now() + WAIT;
        while self.items() != expected {
            assert!(
                Instant::now() < deadline,
                "never converged: list {:?}, server {expected:?}, states {:?}\ntrail:\n{}",
                self.items(),
                self.states,
                self.trail.join("\n")
            );
            self.pump_for(Duration::from_millis(50));
            expected = server_list(server);
        }
    }

    pub(crate) fn send(&self, command: Command) -> RequestId {
        self.handle.send(command)
    }

    /// Waits for the reply to `id`.
    pub(crate) fn reply(&mut self, id: RequestId) -> String {
        self.wait_until("a reply", |f| f.replies.contains_key(&id));
        self.replies[&id].clone()
    }

    /// Whether this engine sent a `mostrar` (it should not need to).
    pub(crate) fn asked_for_the_list(&self) -> bool {
        self.trail
            .iter()
            .any(|line| line.contains("Enviando comando ao servidor: mostrar"))
    }
}

fn append(x: &str) -> Command {
    Command::Append(x.to_owned())
}

#[test]
fn a_change_by_one_client_appears_in_anothers_list_without_it_asking() {
    let server = publishing_server(ServerConfig::default());
    let endpoint = server.endpoint().to_owned();
    let mut a = Follower::start(&endpoint);
    let mut b = Follower::start(&endpoint);
    a.wait_live();
    b.wait_live();
    assert_eq!(b.items(), Vec::<String>::new());

    let id = a.send(append("hello world"));
    assert_eq!(a.reply(id), "Elemento 'hello world' adicionado.");
    b.wait_until("A's append in B's list", |b| b.items() == ["hello world"]);
    // A's own change comes back to A as an update too.
    a.wait_until("A's append in A's list", |a| a.items() == ["hello world"]);

    for command in [
        Command::Insert {
            position: zlist::net::protocol::Position::from_index(0),
            element: "first".into(),
        },
        append("z"),
        Command::SortDescending,
        Command::Remove("first".into()),
        Command::SortAscending,
        Command::ReplaceAt {
            index: 1,
            expected: "z".into(),
            element: " 'z' é \"?".into(),
        },
        Command::Move {
            from: 1,
            to: 0,
            expected: " 'z' é \"?".into(),
        },
        Command::Move {
            from: 0,
            to: 1,
            expected: " 'z' é \"?".into(),
        },
        Command::ReplaceAt {
            index: 1,
            expected: " 'z' é \"?".into(),
            element: "z".into(),
        },
    ] {
        let id = a.send(command);
        a.reply(id);
        b.wait_converged(&endpoint);
    }
    assert_eq!(b.items(), ["hello world", "z"]);
    let id = a.send(Command::Clear);
    a.reply(id);
    b.wait_converged(&endpoint);
    assert!(b.items().is_empty());

    assert!(!b.asked_for_the_list(), "B never sent mostrar");
    assert!(b.replies.is_empty(), "B sent no request at all");
    assert_eq!(b.snapshots, 1, "one snapshot, then only updates");
    assert_eq!(
        b.replica.position().map(|(_, version)| version),
        Some(11),
        "11 changes, 11 updates"
    );
}

#[test]
fn a_client_that_joins_late_converges_and_then_follows() {
    let server = publishing_server(ServerConfig::default());
    let endpoint = server.endpoint().to_owned();
    let context = zmq::Context::new();
    let a = req_socket(&context, &endpoint);
    for i in 0..100 {
        request(&a, &format!("append {i}"));
    }
    request(&a, "remover 50");
    request(&a, "ordenar_desc");

    let mut b = Follower::start(&endpoint);
    b.wait_live();
    assert_eq!(b.items(), server_list(&endpoint));
    assert_eq!(b.replica.position().map(|(_, v)| v), Some(102));

    for i in 0..10 {
        request(&a, &format!("insert {i} late{i}"));
    }
    b.wait_converged(&endpoint);
    assert_eq!(b.items()[..2], ["late0", "late1"]);
    assert!(!b.asked_for_the_list());
}

#[test]
fn a_dropped_update_is_noticed_and_the_client_resyncs() {
    // The publisher "drops" every 3rd update (a test knob): 3, 6 and 9 never go out. The
    // last change (9) is only revealed by the next heartbeat.
    let server = publishing_server(ServerConfig {
        skip_every_nth_update: Some(3),
        ..ServerConfig::default()
    });
    let endpoint = server.endpoint().to_owned();
    let mut b = Follower::start(&endpoint);
    b.wait_live();
    let context = zmq::Context::new();
    let a = req_socket(&context, &endpoint);
    for i in 1..=9 {
        request(&a, &format!("append {i}"));
    }
    b.wait_until("the list with every element", |b| {
        b.items().len() == 9 && b.state() == Some(&LiveState::Live)
    });
    assert_eq!(b.items(), server_list(&endpoint));
    assert!(
        b.snapshots >= 2,
        "at least one resync: {} snapshots",
        b.snapshots
    );
    assert!(
        b.states.contains(&LiveState::Resyncing),
        "states: {:?}",
        b.states
    );
    assert!(
        b.trail.iter().any(|line| line.contains("Ressincronizando")),
        "the trail says why it resynced"
    );
}

#[test]
fn clients_resync_to_a_restarted_server() {
    let first = publishing_server(ServerConfig::default());
    let endpoint = first.endpoint().to_owned();
    let publish = first.publish_endpoint().expect("publishing").to_owned();
    let mut a = Follower::start(&endpoint);
    let mut b = Follower::start(&endpoint);
    a.wait_live();
    b.wait_live();
    let id = a.send(append("before"));
    a.reply(id);
    b.wait_until("the change before the restart", |b| b.items() == ["before"]);
    let (old_epoch, _) = b.replica.position().expect("synced");

    // Same ports, memory storage: the new run starts empty, with a new epoch.
    first.stop().expect("stops");
    let second = Server::start(
        ServerConfig {
            bind: endpoint.clone(),
            publish: Publish::Endpoint(publish),
            ..ServerConfig::default()
        },
        RemoteList::from_items(vec!["restarted".into()]),
    )
    .expect("the ports are free again");
    // Nobody asks: the new run's heartbeat tells both clients.
    for follower in [&mut a, &mut b] {
        follower.wait_until("the restarted server's list", |f| {
            f.items() == ["restarted"]
                && f.replica
                    .position()
                    .is_some_and(|(epoch, _)| epoch != old_epoch)
        });
    }
    let id = a.send(append("after"));
    assert_eq!(a.reply(id), "Elemento 'after' adicionado.");
    b.wait_converged(second.endpoint());
    assert_eq!(b.items(), ["restarted", "after"]);
    assert!(!b.asked_for_the_list());
}

/// A tiny deterministic random number generator (xorshift64).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[test]
fn after_a_long_random_mix_from_three_clients_every_list_is_the_servers() {
    let server = publishing_server(ServerConfig::default());
    let endpoint = server.endpoint().to_owned();
    let mut clients: Vec<Follower> = (0..3).map(|_| Follower::start(&endpoint)).collect();
    for client in &mut clients {
        client.wait_live();
    }
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut sent: Vec<Vec<RequestId>> = vec![Vec::new(); clients.len()];
    let mut approximate_len = 0u64;
    // Every client's requests are queued at once, so the three engines run concurrently
    // and their changes interleave at the server.
    for round in 0..600 {
        let who = (rng.below(3)) as usize;
        let command = match rng.below(100) {
            0..=44 => {
                approximate_len += 1;
                append(&format!("v{}", rng.below(40)))
            }
            45..=64 => {
                approximate_len += 1;
                Command::Insert {
                    position: zlist::net::protocol::Position::from_index(
                        rng.below(approximate_len + 2) as usize,
                    ),
                    element: format!("i{round}"),
                }
            }
            65..=84 => {
                approximate_len = approximate_len.saturating_sub(1);
                Command::Remove(format!("v{}", rng.below(40)))
            }
            85..=89 => Command::SortAscending,
            90..=94 => Command::SortDescending,
            95..=96 => {
                approximate_len = 0;
                Command::Clear
            }
            _ => Command::Search(format!("v{}", rng.below(40))),
        };
        sent[who].push(clients[who].send(command));
    }
    // So that the end state is never trivially empty.
    for (who, client) in clients.iter().enumerate() {
        sent[who].push(client.send(append(&format!("end{who}"))));
    }
    for (client, ids) in clients.iter_mut().zip(&sent) {
        for id in ids {
            let reply = client.reply(*id);
            assert!(!reply.starts_with("FAILED"), "{reply}");
        }
    }
    let expected = server_list(&endpoint);
    for client in &mut clients {
        client.wait_converged(&endpoint);
        assert_eq!(client.items(), expected);
        assert!(!client.asked_for_the_list());
    }
    assert!(!expected.is_empty(), "the mix left something to compare");
}

#[test]
fn a_server_that_does_not_publish_leaves_the_client_refreshing_by_asking() {
    let server = Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )
    .unwrap();
    assert_eq!(server.publish_endpoint(), None);
    let mut b = Follower::start(server.endpoint());
    b.wait_until("the verdict", |b| b.state().is_some());
    assert_eq!(
        b.state(),
        Some(&LiveState::Unavailable(NotLive::NotPublished))
    );
    assert!(b.snapshots == 0);
    // Requests work as ever.
    let id = b.send(append("x"));
    assert_eq!(b.reply(id), "Elemento 'x' adicionado.");
}

#[test]
fn live_updates_need_the_token_too() {
    let server = publishing_server(ServerConfig {
        access: AccessPolicy::for_bind("tcp://127.0.0.1:0", Token::new("s3cret"), vec![], false),
        ..ServerConfig::default()
    });
    let endpoint = server.endpoint().to_owned();
    let mut b = Follower::with_token(&endpoint, Some("s3cret"));
    b.wait_live();
    let mut a = Follower::with_token(&endpoint, Some("s3cret"));
    let id = a.send(append("secret"));
    a.reply(id);
    b.wait_until("the change", |b| b.items() == ["secret"]);

    // Without the token, a client gets neither replies nor updates.
    let mut intruder = Follower::start(&endpoint);
    intruder.pump_for(Duration::from_millis(800));
    assert!(intruder.replica.position().is_none());
}

#[test]
fn raw_tcp_garbage_on_the_publish_port_does_not_stop_the_updates() {
    use std::io::Write as _;
    let server = publishing_server(ServerConfig::default());
    let endpoint = server.endpoint().to_owned();
    let publish = server.publish_endpoint().unwrap().to_owned();
    let port = zlist::net::endpoint::port(&publish).unwrap();
    let mut b = Follower::start(&endpoint);
    b.wait_live();
    for payload in [
        &b"\x01\x02\x03garbage"[..],
        b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f",
        &[0u8; 600][..],
    ] {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _ = stream.write_all(payload);
    }
    let context = zmq::Context::new();
    let a = req_socket(&context, &endpoint);
    request(&a, "append still-live");
    b.wait_until("the change after the garbage", |b| {
        b.items() == ["still-live"]
    });
}

#[test]
fn a_publish_port_in_use_is_a_clear_error() {
    let first = publishing_server(ServerConfig::default());
    let error = Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            publish: Publish::Endpoint(first.publish_endpoint().unwrap().to_owned()),
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("cannot publish live updates on tcp://127.0.0.1:"),
        "{error}"
    );
    assert!(error.contains("in use"), "{error}");
    assert!(error.contains("--publish off"), "{error}");
}

#[test]
fn the_next_port_is_the_default_for_zlist_server_and_port_0_stays_0() {
    let server = Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            publish: Publish::NextPort,
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )
    .unwrap();
    let publish = server.publish_endpoint().expect("publishing");
    assert!(publish.starts_with("tcp://127.0.0.1:"), "{publish}");
    assert_ne!(publish, server.endpoint());
    // The hello announces only the port.
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    let hello = request(&socket, "zlist.hello");
    let port = zlist::net::endpoint::port(publish).unwrap();
    assert!(hello.ends_with(&format!(" pub={port}")), "{hello}");

    // A fixed port publishes one up. Another program may take the next port between our
    // look and the server's bind (then the server rightly falls back), so a few tries are
    // allowed; one must get the next port.
    let next_port_used = (0..10).any(|_| {
        let free = crate::support::free_port();
        let fixed = Server::start(
            ServerConfig {
                bind: format!("tcp://127.0.0.1:{free}"),
                publish: Publish::NextPort,
                ..ServerConfig::default()
            },
            RemoteList::default(),
        );
        fixed.is_ok_and(|fixed| {
            fixed.publish_endpoint() == Some(format!("tcp://127.0.0.1:{}", free + 1).as_str())
        })
    });
    assert!(
        next_port_used,
        "no server on a fixed port published on the next one"
    );

    // When the next port is taken, a free one is used instead (the default only).
    let taken = zlist::net::endpoint::port(publish).unwrap();
    if let Ok(below) = Server::start(
        ServerConfig {
            bind: format!("tcp://127.0.0.1:{}", taken - 1),
            publish: Publish::NextPort,
            ..ServerConfig::default()
        },
        RemoteList::default(),
    ) {
        let moved = below.publish_endpoint().expect("still publishing");
        assert_ne!(moved, publish);
        let mut follower = Follower::start(below.endpoint());
        follower.wait_live();
    }
}

/// A scripted zlist look-alike: a ROUTER that answers with `answer`, and a PUB on which
/// it sends a heartbeat every 50 ms (while `beat` is set) and whatever the test queues.
struct FakeServer {
    endpoint: String,
    publish: crossbeam_channel::Sender<Vec<Vec<u8>>>,
    beat: Arc<Mutex<Option<(Epoch, u64)>>>,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FakeServer {
    /// `answer` gets each request and the publisher's port.
    fn start(mut answer: impl FnMut(&str, u16) -> String + Send + 'static) -> Self {
        let context = zmq::Context::new();
        let router = context.socket(zmq::ROUTER).unwrap();
        router.set_linger(0).unwrap();
        router.bind("tcp://127.0.0.1:0").unwrap();
        let endpoint = router.get_last_endpoint().unwrap().unwrap();
        let publisher = context.socket(zmq::PUB).unwrap();
        publisher.set_linger(0).unwrap();
        publisher.bind("tcp://127.0.0.1:0").unwrap();
        let port =
            zlist::net::endpoint::port(&publisher.get_last_endpoint().unwrap().unwrap()).unwrap();
        let (publish, queued) = crossbeam_channel::unbounded::<Vec<Vec<u8>>>();
        let beat = Arc::new(Mutex::new(None::<(Epoch, u64)>));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (beating, seen, stopped) = (beat.clone(), requests.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let _context = context;
            let mut last_beat = Instant::now();
            while !stopped.load(Ordering::Relaxed) {
                if router.poll(zmq::POLLIN, 10).unwrap() > 0 {
                    let mut frames = router.recv_multipart(0).unwrap();
                    let body = String::from_utf8_lossy(&frames.pop().unwrap()).into_owned();
                    seen.lock().unwrap().push(body.clone());
                    frames.push(answer(&body, port).into_bytes());
                    let _ = router.send_multipart(frames, 0);
                }
                while let Ok(message) = queued.try_recv() {
                    publisher.send_multipart(message, 0).unwrap();
                }
                if last_beat.elapsed() >= Duration::from_millis(50) {
                    last_beat = Instant::now();
                    if let Some((epoch, version)) = *beating.lock().unwrap() {
                        publisher
                            .send_multipart(live::encode_heartbeat(epoch, version), 0)
                            .unwrap();
                    }
                }
            }
        });
        Self {
            endpoint,
            publish,
            beat,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    fn beat(&self, epoch: Epoch, version: u64) {
        *self.beat.lock().unwrap() = Some((epoch, version));
    }

    fn send(&self, frames: Vec<Vec<u8>>) {
        self.publish.send(frames).unwrap();
    }

    fn snapshot_requests(&self) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.as_str() == "zlist.snapshot")
            .count()
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const FAKE_EPOCH: Epoch = Epoch(0x00c0_ffee_0000_0001);

fn hello(port: u16) -> String {
    format!("zlist.ok 1 zlist/fake tags=1 pub={port}")
}

#[test]
fn malformed_published_messages_are_ignored_and_the_list_resyncs() {
    let version = Arc::new(Mutex::new(0u64));
    let current = version.clone();
    let fake = FakeServer::start(move |request, port| match request {
        "zlist.hello" => hello(port),
        "zlist.snapshot" => {
            let version = *current.lock().unwrap();
            let items: Vec<String> = (0..version).map(|i| format!("e{i}")).collect();
            live::snapshot_reply(FAKE_EPOCH, version, &items)
        }
        _ => "Comando inválido.".to_owned(),
    });
    fake.beat(FAKE_EPOCH, 0);
    let mut b = Follower::start(&fake.endpoint);
    b.wait_live();

    let e = FAKE_EPOCH.to_string();
    let frames = |parts: &[&[u8]]| parts.iter().map(|p| p.to_vec()).collect::<Vec<_>>();
    for garbage in [
        frames(&[b"u"]),
        frames(&[b"zzz", b"1", b"2"]),
        frames(&[b"u", e.as_bytes(), b"1", b"explode"]),
        frames(&[b"u", b"not-an-epoch", b"1", b"clear"]),
        frames(&[b"u", e.as_bytes(), b"1", b"append", b"\xff\xfe"]),
        frames(&[b"h", e.as_bytes(), b"-3"]),
        frames(&[b"u", e.as_bytes(), b"1", b"remove", b"99"]),
    ] {
        fake.send(garbage);
    }
    // The last one was readable but did not fit the list: a resync. Then a real update.
    *version.lock().unwrap() = 1;
    fake.send(live::encode_update(
        FAKE_EPOCH,
        1,
        &Effect::Append("e0".into()),
    ));
    fake.beat(FAKE_EPOCH, 1);
    b.wait_until("the list after the garbage", |b| {
        b.items() == ["e0"] && b.state() == Some(&LiveState::Live)
    });
    assert!(
        b.trail
            .iter()
            .any(|line| line.contains("Mensagem inválida") && line.contains("ignorada")),
        "the trail reports the bad messages"
    );
    assert!(
        b.trail
            .iter()
            .any(|line| line.contains("não cabe na lista")),
        "and the update that did not fit"
    );
}

#[test]
fn a_snapshot_reply_that_does_not_parse_is_reported_and_asked_again() {
    let answered = Arc::new(Mutex::new(0usize));
    let count = answered.clone();
    let fake = FakeServer::start(move |request, port| match request {
        "zlist.hello" => hello(port),
        "zlist.snapshot" => {
            let mut count = count.lock().unwrap();
            *count += 1;
            if *count == 1 {
                "zlist.snapshot 00c0ffee00000001 0 ['unterminated".to_owned()
            } else {
                live::snapshot_reply(FAKE_EPOCH, 0, &["ok".to_owned()])
            }
        }
        _ => "Comando inválido.".to_owned(),
    });
    fake.beat(FAKE_EPOCH, 0);
    let mut b = Follower::start(&fake.endpoint);
    b.wait_until("the failure", |b| {
        matches!(
            b.state(),
            Some(LiveState::Unavailable(NotLive::Snapshot(_)))
        )
    });
    if let Some(LiveState::Unavailable(why)) = b.state() {
        assert!(why.to_string().contains("does not parse"), "{why}");
    }
    b.wait_live();
    assert_eq!(b.items(), ["ok"]);
    assert_eq!(fake.snapshot_requests(), 2);
}

#[test]
fn a_publisher_that_cannot_be_reached_is_reported_and_requests_still_work() {
    let closed = crate::support::free_port();
    let fake = FakeServer::start(move |request, _| match request {
        "zlist.hello" => hello(closed),
        other if other.ends_with("append x") => "Elemento 'x' adicionado.".to_owned(),
        _ => "Comando inválido.".to_owned(),
    });
    let started = Instant::now();
    let mut b = Follower::start(&fake.endpoint);
    b.wait_until("the silence verdict", |b| {
        matches!(
            b.state(),
            Some(LiveState::Unavailable(NotLive::Silent { .. }))
        )
    });
    assert!(started.elapsed() < live::SILENCE_LIMIT + Duration::from_secs(3));
    if let Some(LiveState::Unavailable(why)) = b.state() {
        let text = why.to_string();
        assert!(text.contains(&format!("127.0.0.1:{closed}")), "{text}");
        assert!(text.contains("security group"), "{text}");
    }
    assert!(
        b.trail
            .iter()
            .any(|line| line.contains("porta de publicação parece inacessível")),
        "the trail says so"
    );
    let id = b.send(append("x"));
    assert_eq!(b.reply(id), "Elemento 'x' adicionado.");
}

#[test]
fn the_live_benchmark_runs_and_adds_up() {
    use zlist::bench::live::{LiveConfig, run};
    let config = LiveConfig {
        size: 10_000,
        changes: 20,
        cost_requests: 200,
        cost_rounds: 1,
    };
    let report = run(&config, &mut |_| {}).expect("the benchmark runs");
    assert_eq!(report.latency.count, 20);
    assert!(report.latency.p50 > Duration::ZERO && report.latency.p50 <= report.latency.p99);
    assert_eq!(report.resyncs, 0);
    assert!(
        (30.0..80.0).contains(&report.update_wire_bytes),
        "{report:?}"
    );
    assert_eq!(
        report.mostrar_bytes,
        repr::list_repr(&zlist::bench::large::list_items(
            10_000,
            zlist::bench::large::Order::Appended
        ))
        .len()
    );
    assert!(report.snapshot_bytes > report.mostrar_bytes);
    assert!(report.publish_call > Duration::ZERO);
    let text = report.to_string();
    for expected in [
        "change to B's table",
        "bytes per change",
        "joining",
        "request path",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

/// `zlist server` as a child process, killed when dropped (a failing test leaks nothing).
struct ServerChild(std::process::Child);

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `zlist server ARGS` (in memory, on a free loopback port) and returns it with
/// its log lines up to the one that says whether live updates are published.
fn zlist_server(args: &[&str]) -> (ServerChild, Vec<String>) {
    use std::io::BufRead as _;
    let mut child = ServerChild(
        std::process::Command::new(env!("CARGO_BIN_EXE_zlist"))
            .args(["server", "--bind", "tcp://127.0.0.1:0", "--memory"])
            .args(args)
            .env("RUST_LOG", "info")
            .env_remove("ZLIST_PUBLISH")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("zlist server starts"),
    );
    let stderr = child.0.stderr.take().expect("piped stderr");
    let (tx, rx) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + WAIT;
    let said =
        |l: &String| l.contains("live updates published on") || l.contains("live updates are off");
    while !lines.iter().any(said) {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => lines.push(line),
            Err(_) => panic!("zlist server said nothing about live updates: {lines:#?}"),
        }
    }
    (child, lines)
}

#[test]
fn zlist_server_publishes_by_default_and_publish_off_turns_it_off() {
    let (child, lines) = zlist_server(&[]);
    let ready = lines
        .iter()
        .find_map(|l| l.split("ready on ").nth(1))
        .and_then(|rest| rest.split(';').next())
        .expect("the server says where it listens")
        .to_owned();
    let published = lines
        .iter()
        .find_map(|l| l.split("live updates published on ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .expect("the server says where it publishes")
        .to_owned();
    assert!(published.starts_with("tcp://127.0.0.1:"), "{published}");
    let mut follower = Follower::start(&ready);
    follower.wait_live();
    let context = zmq::Context::new();
    request(&req_socket(&context, &ready), "append from-the-binary");
    follower.wait_until("the change", |f| f.items() == ["from-the-binary"]);
    drop(child);

    let (_child, lines) = zlist_server(&["--publish", "off"]);
    assert!(
        lines.iter().any(|l| l.contains("live updates are off")),
        "{lines:#?}"
    );
}
