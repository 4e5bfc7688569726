//! Servers that keep the list in Redis (`zlist server --redis`), against real
//! `redis-server` processes on loopback ports: the same replies as the in-process store,
//! several servers as one list, live updates across servers, exactly-once retries through
//! another server, Redis killed and restarted, and a million elements.

use std::time::{Duration, Instant};

use zlist::bench::redis_process::RedisProcess;
use zlist::net::backend::redis::RedisOptions;
use zlist::net::list::{Effect, RemoteList};
use zlist::net::live::{self, Published};
use zlist::net::protocol::Command;
use zlist::net::server::{Publish, Server, ServerConfig};

use crate::live::Follower as LiveClient;
use crate::server::SEED_SESSION;
use crate::support::{req_socket, request, start_server};

/// A `redis-server` of its own, or `None` (said) where none is installed; in CI
/// (`scripts/test.sh` installs it) its absence fails the test.
fn redis() -> Option<(tempfile::TempDir, RedisProcess)> {
    RedisProcess::available_for_tests().unwrap().then(|| {
        let dir = tempfile::tempdir().unwrap();
        let process = RedisProcess::start(dir.path(), &[]).unwrap();
        (dir, process)
    })
}

/// A zlist server on a free loopback port keeping its list in the Redis at `url`,
/// publishing live updates on another free port.
fn redis_server(url: &str) -> Server {
    Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            publish: Publish::Endpoint("tcp://127.0.0.1:0".into()),
            redis: Some(RedisOptions::url(url)),
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )
    .expect("server starts")
}

/// A deterministic random session (xorshift) of seed commands, row-exact commands and
/// tagged requests (some repeated, some stale), over a small alphabet so that searches,
/// removals and row checks both hit and miss.
fn random_session(seed: u64, length: usize) -> Vec<String> {
    const ELEMENTS: &[&str] = &["a", "b", "B", "10", "9", "é", "😀", "it's", "x y", "\"q\""];
    let mut state = seed.max(1);
    let mut next = move |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % below as u64).unwrap_or(0)
    };
    let mut session = Vec::with_capacity(length);
    let mut seq = 0u64;
    for _ in 0..length {
        let element = ELEMENTS[next(ELEMENTS.len())].to_owned();
        let (index, other) = (next(12), next(12));
        let text = match next(20) {
            0..=4 => format!("append {element}"),
            5 | 6 => format!("insert {} {element}", index as i64 - 2),
            7 | 8 => format!("remover {element}"),
            9 => format!("pesquisar {element}"),
            10 => "ordenar_cresc".to_owned(),
            11 => "ordenar_desc".to_owned(),
            12 if next(4) == 0 => "limpar".to_owned(),
            12 | 13 => "mostrar".to_owned(),
            14 => Command::RemoveAt {
                index,
                expected: element,
            }
            .to_string(),
            15 => Command::ReplaceAt {
                index,
                expected: element,
                element: ELEMENTS[next(ELEMENTS.len())].to_owned(),
            }
            .to_string(),
            16 => Command::Move {
                from: index,
                to: other,
                expected: element,
            }
            .to_string(),
            17 => {
                seq += 1;
                format!("zlist.req client:{seq} append {element}")
            }
            18 => format!("zlist.req client:{seq} append {element}"),
            _ => format!(
                "zlist.req client:{} remover {element}",
                seq.saturating_sub(1)
            ),
        };
        session.push(text);
    }
    session
}

#[test]
fn the_seed_document_session_gets_the_seed_replies_from_a_redis_server() {
    let Some((_dir, redis)) = redis() else { return };
    let server = redis_server(&redis.url());
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    for (req, expected) in SEED_SESSION {
        assert_eq!(&request(&socket, req), expected, "reply to {req:?}");
    }
}

#[test]
fn a_random_session_gets_byte_identical_replies_from_redis_and_in_process() {
    let Some((_dir, redis)) = redis() else { return };
    let shared = redis_server(&redis.url());
    let local = start_server();
    let context = zmq::Context::new();
    let shared_socket = req_socket(&context, shared.endpoint());
    let local_socket = req_socket(&context, local.endpoint());
    for (i, text) in random_session(7, 800).iter().enumerate() {
        let want = request(&local_socket, text);
        assert_eq!(request(&shared_socket, text), want, "request {i}: {text}");
    }
}

#[test]
fn two_servers_on_one_redis_answer_alternately_as_one_in_process_server() {
    let Some((_dir, redis)) = redis() else { return };
    let (a, b) = (redis_server(&redis.url()), redis_server(&redis.url()));
    let local = start_server();
    let context = zmq::Context::new();
    let sockets = [
        req_socket(&context, a.endpoint()),
        req_socket(&context, b.endpoint()),
    ];
    let local_socket = req_socket(&context, local.endpoint());
    for (i, text) in random_session(1234, 1500).iter().enumerate() {
        let want = request(&local_socket, text);
        assert_eq!(request(&sockets[i % 2], text), want, "request {i}: {text}");
    }
}

/// A SUB socket on `server`'s live updates, past its welcome.
fn subscriber(context: &zmq::Context, server: &Server) -> zmq::Socket {
    let socket = context.socket(zmq::SUB).unwrap();
    socket.set_linger(0).unwrap();
    socket.set_rcvtimeo(10_000).unwrap();
    socket.set_subscribe(b"").unwrap();
    socket.connect(server.publish_endpoint().unwrap()).unwrap();
    let welcome = socket.recv_multipart(0).expect("the welcome");
    assert_eq!(welcome, [live::KIND_WELCOME.to_vec()]);
    socket
}

/// The next update `socket` receives (heartbeats skipped).
fn next_update(socket: &zmq::Socket) -> live::Update {
    loop {
        let frames = socket.recv_multipart(0).expect("an update within 10 s");
        if let Ok(Published::Update(update)) = live::decode(&frames) {
            return update;
        }
    }
}

#[test]
fn a_change_through_one_server_is_seen_live_by_a_subscriber_of_the_other() {
    let Some((_dir, redis)) = redis() else { return };
    let (a, b) = (redis_server(&redis.url()), redis_server(&redis.url()));
    let context = zmq::Context::new();
    let of_b = subscriber(&context, &b);
    let of_a = subscriber(&context, &a);
    let socket = req_socket(&context, a.endpoint());
    assert_eq!(request(&socket, "append x"), "Elemento 'x' adicionado.");
    assert_eq!(
        request(&socket, "insert 0 y"),
        "Elemento 'y' inserido na posição 0."
    );
    for of in [&of_b, &of_a] {
        let first = next_update(of);
        assert_eq!(
            (first.version, first.effect),
            (1, Effect::Append("x".into()))
        );
        let second = next_update(of);
        assert_eq!(
            (second.epoch, second.version, second.effect),
            (first.epoch, 2, Effect::Insert(0, "y".into()))
        );
    }
    // A snapshot through B matches what its subscribers were told.
    let snapshot = live::parse_snapshot_reply(&request(
        &req_socket(&context, b.endpoint()),
        "zlist.snapshot",
    ))
    .unwrap();
    assert_eq!(snapshot.version, 2);
    assert_eq!(snapshot.items, ["y", "x"]);
}

#[test]
fn a_tagged_retry_through_the_other_server_gives_one_copy() {
    let Some((_dir, redis)) = redis() else { return };
    let (a, b) = (redis_server(&redis.url()), redis_server(&redis.url()));
    let context = zmq::Context::new();
    let (to_a, to_b) = (
        req_socket(&context, a.endpoint()),
        req_socket(&context, b.endpoint()),
    );
    let first = request(&to_a, "zlist.req c0ffee:3 append x");
    assert_eq!(first, "Elemento 'x' adicionado.");
    assert_eq!(request(&to_b, "zlist.req c0ffee:3 append x"), first);
    assert_eq!(request(&to_b, "mostrar"), "['x']");
    assert_eq!(request(&to_a, "mostrar"), "['x']");
}

#[test]
fn redis_killed_gives_error_replies_and_restarted_on_its_port_it_works_again() {
    let Some((dir, mut redis)) = redis() else {
        return;
    };
    let server = redis_server(&redis.url());
    let context = zmq::Context::new();
    let live = subscriber(&context, &server);
    let socket = req_socket(&context, server.endpoint());
    assert_eq!(request(&socket, "append a"), "Elemento 'a' adicionado.");
    let before = next_update(&live).epoch;
    redis.kill();
    for text in ["append b", "mostrar", "zlist.req c:1 append c"] {
        let reply = request(&socket, text);
        assert!(reply.starts_with("Erro: "), "{text}: {reply}");
        assert!(!reply.contains("adicionado"), "{text}: {reply}");
    }
    let status = request(&socket, "zlist.status");
    assert!(status.contains("storage=redis-unreachable"), "{status}");
    let _restarted = RedisProcess::start_on(dir.path(), redis.port(), &[]).unwrap();
    let started = Instant::now();
    loop {
        let reply = request(&socket, "append d");
        if reply == "Elemento 'd' adicionado." {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still failing: {reply}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // No persistence: the restarted Redis is empty but for what came since, a new epoch,
    // which the subscribers are told (so they resync instead of keeping 'a').
    assert_eq!(request(&socket, "mostrar"), "['d']");
    let snapshot = live::parse_snapshot_reply(&request(&socket, "zlist.snapshot")).unwrap();
    assert_ne!(snapshot.epoch, before);
    let started = Instant::now();
    loop {
        let frames = live.recv_multipart(0).expect("live messages go on");
        match live::decode(&frames) {
            Ok(Published::Heartbeat { epoch, .. }) if epoch == snapshot.epoch => break,
            Ok(Published::Update(update)) if update.epoch == snapshot.epoch => break,
            _ => assert!(started.elapsed() < Duration::from_secs(10), "no new epoch"),
        }
    }
    assert!(request(&socket, "zlist.status").contains("storage=redis "));
}

#[test]
fn a_million_element_list_answers_show_search_and_both_sorts() {
    let Some((_dir, redis)) = redis() else { return };
    let items: Vec<String> = (0..1_000_000_u64)
        .map(|i| format!("{}", (i * 7919) % 1_000_003))
        .collect();
    let client = ::redis::Client::open(redis.url()).unwrap();
    let mut connection = client.get_connection().unwrap();
    for chunk in items.chunks(10_000) {
        ::redis::cmd("RPUSH")
            .arg("{zlist}:list")
            .arg(chunk)
            .exec(&mut connection)
            .unwrap();
    }
    let server = redis_server(&redis.url());
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    socket.set_rcvtimeo(60_000).unwrap();
    assert_eq!(
        request(&socket, "mostrar"),
        zlist::net::repr::list_repr(&items)
    );
    assert_eq!(
        request(&socket, &format!("pesquisar {}", items[999_999])),
        "Encontrado"
    );
    assert_eq!(request(&socket, "pesquisar nada"), "Não encontrado");
    let mut sorted = items.clone();
    sorted.sort();
    assert_eq!(
        request(&socket, "ordenar_cresc"),
        "Lista ordenada crescentemente."
    );
    assert_eq!(
        request(&socket, "mostrar"),
        zlist::net::repr::list_repr(&sorted)
    );
    sorted.reverse();
    assert_eq!(
        request(&socket, "ordenar_desc"),
        "Lista ordenada decrescentemente."
    );
    assert_eq!(
        request(&socket, "mostrar"),
        zlist::net::repr::list_repr(&sorted)
    );
    assert_eq!(request(&socket, "remover 0"), "Elemento '0' removido.");
}

/// A Redis Sentinel on a free loopback port watching the primary at `primary` as `zl`
/// (quorum 2, down after 1 s), killed on drop.
struct Sentinel {
    child: std::process::Child,
    port: u16,
}

impl Sentinel {
    fn start(dir: &std::path::Path, primary: u16) -> Self {
        let port = zlist::bench::redis_process::free_port().unwrap();
        let config = dir.join(format!("sentinel-{port}.conf"));
        std::fs::write(
            &config,
            format!(
                "port {port}\nbind 127.0.0.1\ndir {}\n\
                 sentinel monitor zl 127.0.0.1 {primary} 2\n\
                 sentinel down-after-milliseconds zl 1000\n\
                 sentinel failover-timeout zl 5000\n",
                dir.display()
            ),
        )
        .unwrap();
        let child = std::process::Command::new("redis-server")
            .arg(&config)
            .arg("--sentinel")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        Self { child, port }
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends `text` until the reply is `want` (a failover in progress gets error replies).
fn until_reply(socket: &zmq::Socket, text: &str, want: &str, within: Duration) {
    let started = Instant::now();
    loop {
        let reply = request(socket, text);
        if reply == want {
            return;
        }
        assert!(reply.starts_with("Erro: "), "{text}: {reply}");
        assert!(started.elapsed() < within, "{text}: still {reply}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn through_sentinel_the_server_survives_a_failover_and_keeps_every_waited_change() {
    let Some((dir, mut primary)) = redis() else {
        return;
    };
    let port = primary.port().to_string();
    let replicas: Vec<RedisProcess> = (0..2)
        .map(|_| RedisProcess::start(dir.path(), &["--replicaof", "127.0.0.1", &port]).unwrap())
        .collect();
    let sentinels: Vec<Sentinel> = (0..3)
        .map(|_| Sentinel::start(dir.path(), primary.port()))
        .collect();
    let mut options = RedisOptions::url("redis://unused");
    options.target = zlist::net::backend::redis::RedisTarget::Sentinel {
        sentinels: sentinels
            .iter()
            .map(|s| format!("127.0.0.1:{}", s.port))
            .collect(),
        master: "zl".into(),
    };
    options.wait = Some((1, Duration::from_secs(1)));
    let server = Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            redis: Some(options),
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )
    .expect("server starts");
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let element = format!("antes-{i}");
        until_reply(
            &socket,
            &format!("append {element}"),
            &format!("Elemento '{element}' adicionado."),
            Duration::from_secs(10),
        );
        acknowledged.push(element);
    }
    primary.kill();
    until_reply(
        &socket,
        "append depois",
        "Elemento 'depois' adicionado.",
        Duration::from_secs(30),
    );
    acknowledged.push("depois".into());
    let shown = request(&socket, "mostrar");
    let list = zlist::net::repr::parse_list_repr(&shown).unwrap();
    for element in &acknowledged {
        assert!(list.contains(element), "{element} lost: {shown}");
    }
    drop(replicas);
}

/// Runs `zlist server` with `args` and the Redis variables of the environment removed;
/// returns whether it succeeded and what it wrote to stderr.
fn zlist_server_refusing(args: &[&str]) -> (bool, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_zlist"))
        .arg("server")
        .args(args)
        .env_remove("ZLIST_REDIS")
        .env_remove("ZLIST_REDIS_SENTINEL")
        .env_remove("ZLIST_REDIS_MASTER")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn zlist_server_refuses_incomplete_or_bad_redis_options_saying_what_is_expected() {
    let (ok, stderr) = zlist_server_refusing(&["--redis-master", "zl"]);
    assert!(!ok);
    assert!(stderr.contains("--redis-sentinel"), "{stderr}");
    let (ok, stderr) = zlist_server_refusing(&[
        "--bind",
        "tcp://127.0.0.1:0",
        "--redis",
        "redis://127.0.0.1:1",
        "--redis-key",
        "a{b",
    ]);
    assert!(!ok);
    assert!(stderr.contains("invalid Redis key name"), "{stderr}");
    let (ok, stderr) = zlist_server_refusing(&["--redis", "not a url", "--memory"]);
    assert!(!ok);
    assert!(stderr.contains("--memory"), "{stderr}");
    let (ok, stderr) =
        zlist_server_refusing(&["--bind", "tcp://127.0.0.1:0", "--redis", "not a url"]);
    assert!(!ok);
    assert!(stderr.contains("invalid Redis address"), "{stderr}");
}

#[test]
fn live_clients_of_two_servers_on_one_redis_follow_every_change_made_through_either() {
    let Some((_dir, redis)) = redis() else { return };
    let servers = [redis_server(&redis.url()), redis_server(&redis.url())];
    let mut clients: Vec<LiveClient> = servers
        .iter()
        .map(|server| LiveClient::start(server.endpoint()))
        .collect();
    for client in &mut clients {
        client.wait_live();
    }
    for i in 0..300_usize {
        let command = match i % 5 {
            0..=2 => Command::Append(format!("e{i}")),
            3 => Command::Insert {
                position: zlist::net::protocol::Position::from_index(i % 7),
                element: format!("i{i}"),
            },
            _ => Command::Remove(format!("e{}", i - 4)),
        };
        let client = &mut clients[i % 2];
        let id = client.send(command);
        let reply = client.reply(id);
        assert!(
            !reply.starts_with("Erro") && !reply.starts_with("FAILED"),
            "{reply}"
        );
    }
    for (client, server) in clients.iter_mut().zip(&servers) {
        client.wait_converged(server.endpoint());
        assert!(!client.asked_for_the_list(), "followed without asking");
    }
}

/// Clients given both servers of one Redis list keep appending while server A is stopped
/// under them: every change is acknowledged (through B once A is gone, resent with its
/// tag) and the list holds each exactly once: nothing acknowledged lost, nothing doubled.
#[test]
fn killing_one_of_two_servers_under_load_loses_and_doubles_nothing_for_clients_with_both() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let Some((_dir, redis)) = redis() else {
        return;
    };
    let a = redis_server(&redis.url());
    let b = redis_server(&redis.url());
    let endpoints = format!("{},{}", a.endpoint(), b.endpoint());
    const CLIENTS: usize = 4;
    const EACH: usize = 60;
    let sent = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (endpoints, sent) = (endpoints.clone(), sent.clone());
            std::thread::spawn(move || {
                let (handle, events) = crate::client::spawn_client(&endpoints, 300, 3);
                (0..EACH)
                    .map(|n| {
                        let value = format!("c{c}-{n}");
                        let id = handle.send(Command::Append(value.clone()));
                        let (result, _) = crate::client::outcome(&events, id);
                        sent.fetch_add(1, Ordering::Relaxed);
                        (value, result.map(|reply| (reply.text, reply.endpoint)))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    // A goes away with a quarter of the changes made, the clients still sending.
    let started = Instant::now();
    while sent.load(Ordering::Relaxed) < CLIENTS * EACH / 4 {
        assert!(started.elapsed() < Duration::from_secs(60), "no progress");
        std::thread::sleep(Duration::from_millis(2));
    }
    drop(a);
    let results: Vec<(String, Result<(String, String), _>)> = clients
        .into_iter()
        .flat_map(|client| client.join().unwrap())
        .collect();
    let context = zmq::Context::new();
    let socket = req_socket(&context, b.endpoint());
    let items = zlist::net::repr::parse_list_repr(&request(&socket, "mostrar")).unwrap();
    let mut through_b = 0;
    for (value, result) in &results {
        let (reply, endpoint) = result
            .as_ref()
            .unwrap_or_else(|error| panic!("{value} was not acknowledged: {error}"));
        assert_eq!(reply, &format!("Elemento '{value}' adicionado."));
        through_b += usize::from(endpoint == b.endpoint());
        let copies = items.iter().filter(|item| *item == value).count();
        assert_eq!(copies, 1, "{value} is in the list {copies} times");
    }
    assert_eq!(items.len(), CLIENTS * EACH, "nothing else in the list");
    // Every client went on through B once A was gone (it was stopped with most to send).
    assert!(
        through_b >= CLIENTS * EACH / 2,
        "{through_b} replies came from B"
    );
}
