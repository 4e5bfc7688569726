//! Access control end to end: tokens (ZAP + PLAIN), the allow list, protected mode (in
//! network namespaces the test creates), limits, and a flood that must not starve others.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use zlist::net::access::{AccessPolicy, Token, parse_allow_list};
use zlist::net::client::{
    self, ClientEvent, ClientHandle, ClientOptions, ConnectionState, RequestFailure,
};
use zlist::net::server::{Server, ServerConfig};
use zlist::net::service::Limits;

use crate::support::{req_socket, request, start_server_with};

const SECRET: &str = "correct horse battery staple";

fn server_with(access: AccessPolicy) -> Server {
    start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        access,
        ..ServerConfig::default()
    })
}

fn token_server() -> Server {
    server_with(AccessPolicy::for_bind(
        "tcp://127.0.0.1:0",
        Token::new(SECRET),
        vec![],
        false,
    ))
}

fn client(endpoint: &str, token: Option<&str>) -> (ClientHandle, Receiver<ClientEvent>) {
    client::spawn(
        ClientOptions {
            endpoint: endpoint.to_owned(),
            timeout: Duration::from_millis(1000),
            tries: 3,
            token: token.and_then(Token::new),
            curve: None,
            live: false,
        },
        Box::new(|| {}),
    )
    .expect("client starts")
}

/// What became of one request, and the connection states seen on the way.
#[derive(Debug)]
pub(crate) enum Ending {
    Reply(String),
    Failed(RequestFailure),
}

pub(crate) fn outcome(
    handle: &ClientHandle,
    events: &Receiver<ClientEvent>,
    text: &str,
) -> (Ending, Vec<ConnectionState>) {
    let id = handle.send_text(text);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut states = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events
            .recv_timeout(left)
            .expect("the request ends within 10 s")
        {
            ClientEvent::Reply(reply) if reply.id == id => {
                return (Ending::Reply(reply.text), states);
            }
            ClientEvent::Failed {
                id: failed, error, ..
            } if failed == id => return (Ending::Failed(error), states),
            ClientEvent::Connection(state) => states.push(state),
            _ => {}
        }
    }
}

#[test]
fn the_right_token_gets_service() {
    let server = token_server();
    let (handle, events) = client(server.endpoint(), Some(SECRET));
    let (ending, states) = outcome(&handle, &events, "append x");
    assert!(
        matches!(ending, Ending::Reply(ref r) if r == "Elemento 'x' adicionado."),
        "{ending:?}"
    );
    assert!(states.contains(&ConnectionState::Connected), "{states:?}");
}

#[test]
fn a_wrong_token_is_refused_as_an_authentication_failure() {
    let server = token_server();
    let (handle, events) = client(server.endpoint(), Some("wrong"));
    let (ending, states) = outcome(&handle, &events, "limpar");
    assert!(
        matches!(ending, Ending::Failed(RequestFailure::Refused { .. })),
        "{ending:?}"
    );
    assert!(states.contains(&ConnectionState::AuthFailed), "{states:?}");
    let message = match ending {
        Ending::Failed(error) => error.to_string(),
        Ending::Reply(_) => unreachable!(),
    };
    assert!(message.contains("wrong or missing token"), "{message}");
    drop(handle);
    assert!(server.stop().unwrap().is_empty(), "nothing was changed");
}

#[test]
fn a_refusal_that_comes_before_the_request_fails_it_at_once_and_again_later() {
    let server = token_server();
    let (handle, events) = client::spawn(
        ClientOptions {
            endpoint: server.endpoint().to_owned(),
            timeout: Duration::from_secs(8),
            tries: 1,
            token: Token::new("wrong"),
            curve: None,
            live: false,
        },
        Box::new(|| {}),
    )
    .expect("client starts");
    // The client connects as it starts: the refusal comes while it has nothing to send.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !matches!(
        events.recv_timeout(deadline.saturating_duration_since(Instant::now())),
        Ok(ClientEvent::Connection(ConnectionState::AuthFailed))
    ) {
        assert!(Instant::now() < deadline, "the refusal never came");
    }
    for text in ["limpar", "mostrar"] {
        let started = Instant::now();
        let (ending, _) = outcome(&handle, &events, text);
        assert!(
            matches!(ending, Ending::Failed(RequestFailure::Refused { .. })),
            "{text}: {ending:?}"
        );
        // Not the 8 s timeout waited out.
        assert!(started.elapsed() < Duration::from_secs(4), "{text}");
    }
    drop(handle);
    assert!(server.stop().unwrap().is_empty(), "nothing was changed");
}

#[test]
fn a_missing_token_gets_no_service() {
    let server = token_server();
    let (handle, events) = client(server.endpoint(), None);
    let (ending, states) = outcome(&handle, &events, "limpar");
    assert!(
        matches!(
            ending,
            Ending::Failed(RequestFailure::HandshakeFailed { .. })
        ),
        "{ending:?}"
    );
    assert!(
        states.contains(&ConnectionState::HandshakeFailed),
        "{states:?}"
    );
    assert!(!states.contains(&ConnectionState::Connected), "{states:?}");
    // A seed-style REQ socket without credentials gets nothing either.
    let context = zmq::Context::new();
    let plain = req_socket(&context, server.endpoint());
    plain.set_rcvtimeo(300).unwrap();
    plain.send("mostrar", 0).unwrap();
    assert!(plain.recv_bytes(0).is_err());
}

#[test]
fn the_allow_list_admits_only_its_networks() {
    let elsewhere = server_with(AccessPolicy::for_bind(
        "tcp://127.0.0.1:0",
        None,
        parse_allow_list("10.0.0.0/8").unwrap(),
        false,
    ));
    let (handle, events) = client(elsewhere.endpoint(), None);
    let (ending, _) = outcome(&handle, &events, "limpar");
    assert!(
        matches!(ending, Ending::Failed(RequestFailure::Refused { .. })),
        "{ending:?}"
    );

    let here = server_with(AccessPolicy::for_bind(
        "tcp://127.0.0.1:0",
        None,
        parse_allow_list("10.0.0.0/8,127.0.0.0/8").unwrap(),
        false,
    ));
    let (handle, events) = client(here.endpoint(), None);
    let (ending, _) = outcome(&handle, &events, "mostrar");
    assert!(
        matches!(ending, Ending::Reply(ref r) if r == "[]"),
        "{ending:?}"
    );
}

#[test]
fn protected_mode_still_serves_loopback_clients() {
    // Bound to every interface, no token: only loopback peers get in. This test connects
    // over loopback only; the refusal of other addresses is checked in network namespaces.
    let server = start_server_with(ServerConfig {
        bind: "tcp://0.0.0.0:0".into(),
        access: AccessPolicy::for_bind("tcp://0.0.0.0:0", None, vec![], false),
        ..ServerConfig::default()
    });
    assert!(server.local_endpoint().starts_with("tcp://127.0.0.1:"));
    let context = zmq::Context::new();
    let socket = req_socket(&context, &server.local_endpoint());
    assert_eq!(request(&socket, "append x"), "Elemento 'x' adicionado.");
}

#[test]
fn limits_refuse_oversized_elements_and_a_full_list_while_serving_on() {
    let server = start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        limits: Limits {
            max_elements: 2,
            max_element_bytes: 8,
            ..Limits::default()
        },
        ..ServerConfig::default()
    });
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    assert!(request(&socket, "append 123456789").starts_with("Erro: o elemento tem 9 bytes"));
    assert_eq!(request(&socket, "append a"), "Elemento 'a' adicionado.");
    assert_eq!(request(&socket, "append b"), "Elemento 'b' adicionado.");
    assert!(request(&socket, "append c").starts_with("Erro: a lista já tem 2 elementos"));
    assert_eq!(request(&socket, "mostrar"), "['a', 'b']");
}

#[test]
fn a_flood_from_one_client_does_not_starve_another() {
    let server = start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        ..ServerConfig::default()
    });
    let context = zmq::Context::new();
    {
        let seeder = req_socket(&context, server.endpoint());
        for i in 0..2000 {
            request(&seeder, &format!("append item{i}"));
        }
    }
    // A DEALER pipelines thousands of REQ-framed searches without waiting for replies.
    let flooder = context.socket(zmq::DEALER).unwrap();
    flooder.set_linger(0).unwrap();
    flooder.set_sndhwm(0).unwrap();
    flooder.connect(server.endpoint()).unwrap();
    const FLOOD: usize = 20_000;
    for _ in 0..FLOOD {
        flooder
            .send_multipart([&b""[..], b"pesquisar nothing-here"], 0)
            .unwrap();
    }
    let victim = req_socket(&context, server.endpoint());
    let mut slowest = Duration::ZERO;
    for i in 0..50 {
        let started = Instant::now();
        assert_eq!(
            request(&victim, &format!("pesquisar item{i}")),
            "Encontrado"
        );
        slowest = slowest.max(started.elapsed());
    }
    assert!(
        slowest < Duration::from_secs(1),
        "the other client waited {slowest:?} for one reply behind the flood"
    );
    // The flooder is served too, in the end.
    flooder.set_rcvtimeo(10_000).unwrap();
    for _ in 0..FLOOD {
        let reply = flooder
            .recv_multipart(0)
            .expect("every flooded request is answered");
        assert_eq!(reply[1], "Não encontrado".as_bytes());
    }
}

/// Runs `zlist ARGS` to completion (bounded) with extra environment.
pub(crate) fn run_zlist(args: &[&str], envs: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zlist"));
    // The servers a test trusts never mix with the user's own (`--known-servers` wins).
    let known = std::env::temp_dir().join(format!("zlist-test-known-{}", std::process::id()));
    command
        .args(args)
        .env_remove("ZLIST_TOKEN")
        .env_remove("ZLIST_TOKEN_FILE")
        .env_remove("ZLIST_CONNECT")
        .env("ZLIST_KNOWN_SERVERS", known);
    for (key, value) in envs {
        command.env(key, value);
    }
    run_bounded(&mut command, args)
}

/// Runs a prepared command to completion, failing the test if it runs over 30 s.
fn run_bounded(command: &mut Command, args: &[&str]) -> std::process::Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "zlist {args:?} hangs"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

/// A `zlist server` process and its log, read until it says where it listens.
pub(crate) struct ServerProcess {
    child: Child,
    pub(crate) endpoint: String,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl ServerProcess {
    /// `zlist server --memory ARGS`, run after `prefix` (e.g. `ip netns exec NAME`).
    pub(crate) fn start(prefix: &[&str], args: &[&str], envs: &[(&str, &str)]) -> Self {
        Self::start_with_storage(prefix, &["--memory"], args, envs)
    }

    /// `zlist server STORAGE ARGS` (`--memory`, or `--data DIR`).
    pub(crate) fn start_with_storage(
        prefix: &[&str],
        storage: &[&str],
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Self {
        let (program, rest) = match prefix.split_first() {
            Some((program, rest)) => (program.to_string(), rest.to_vec()),
            None => (env!("CARGO_BIN_EXE_zlist").to_owned(), vec![]),
        };
        let mut command = Command::new(program);
        command.args(rest);
        if !prefix.is_empty() {
            command.arg(env!("CARGO_BIN_EXE_zlist"));
        }
        command
            .arg("server")
            .args(storage)
            .args(args)
            .env("RUST_LOG", "trace")
            .env_remove("ZLIST_TOKEN")
            .env_remove("ZLIST_TOKEN_FILE")
            .stderr(Stdio::piped());
        for (key, value) in envs {
            command.env(key, value);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("ready on ").nth(1) {
                    let _ =
                        ready_tx.try_send(rest.split(';').next().unwrap_or_default().to_owned());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let endpoint = ready_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the server says where it listens");
        Self {
            child,
            endpoint,
            log,
        }
    }

    pub(crate) fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let started = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(50));
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_token_never_appears_in_logs() {
    let server = ServerProcess::start(
        &[],
        &["--bind", "tcp://127.0.0.1:0"],
        &[("ZLIST_TOKEN", SECRET)],
    );
    let endpoint = server.endpoint.clone();
    let good = run_zlist(
        &["send", "-v", "--connect", &endpoint, "append", "x"],
        &[("ZLIST_TOKEN", SECRET), ("RUST_LOG", "trace")],
    );
    assert_eq!(good.status.code(), Some(0), "{good:?}");
    let bad = run_zlist(
        &[
            "send",
            "-v",
            "--connect",
            &endpoint,
            "--tries",
            "1",
            // The refusal comes at the handshake; the rest is room for a loaded machine.
            "--timeout",
            "5",
            "limpar",
        ],
        &[("ZLIST_TOKEN", "not-the-token-42"), ("RUST_LOG", "trace")],
    );
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let bad_stderr = String::from_utf8_lossy(&bad.stderr).into_owned();
    assert!(
        bad_stderr.contains("wrong or missing token"),
        "{bad_stderr}"
    );
    // The CLI, not the library, says which flags give the token.
    assert!(bad_stderr.contains("--token-file"), "{bad_stderr}");
    let log = server.stop();
    assert!(log.contains("ready on"), "the log was captured: {log}");
    assert!(
        log.contains("wrong or missing token"),
        "the refusal is logged: {log}"
    );
    for output in [
        log,
        bad_stderr,
        String::from_utf8_lossy(&good.stderr).into_owned(),
        String::from_utf8_lossy(&good.stdout).into_owned(),
        String::from_utf8_lossy(&bad.stdout).into_owned(),
    ] {
        assert!(!output.contains(SECRET), "token leaked: {output}");
        assert!(
            !output.contains("not-the-token-42"),
            "token leaked: {output}"
        );
    }
}

/// Two network namespaces joined by a veth pair, made (and removed) by the test itself, so
/// that a client can reach the server from an address that is not loopback without any
/// traffic leaving this test's own hosts.
struct Namespaces {
    server: String,
    client: String,
    server_address: &'static str,
}

impl Namespaces {
    fn create() -> Option<Self> {
        let is_root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
        let has_ip = Command::new("ip")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        if !is_root || !has_ip {
            eprintln!("skipped: network namespaces need root and iproute2 (`ip`)");
            return None;
        }
        let tag = std::process::id() % 100_000;
        let namespaces = Self {
            server: format!("zls{tag}"),
            client: format!("zlc{tag}"),
            server_address: "10.213.7.1",
        };
        let (vs, vc) = (format!("vs{tag}"), format!("vc{tag}"));
        let steps: Vec<Vec<String>> = [
            vec!["netns", "add", &namespaces.server],
            vec!["netns", "add", &namespaces.client],
            vec!["link", "add", &vs, "type", "veth", "peer", "name", &vc],
            vec!["link", "set", &vs, "netns", &namespaces.server],
            vec!["link", "set", &vc, "netns", &namespaces.client],
            vec![
                "-n",
                &namespaces.server,
                "addr",
                "add",
                "10.213.7.1/24",
                "dev",
                &vs,
            ],
            vec![
                "-n",
                &namespaces.client,
                "addr",
                "add",
                "10.213.7.2/24",
                "dev",
                &vc,
            ],
            vec!["-n", &namespaces.server, "link", "set", &vs, "up"],
            vec!["-n", &namespaces.client, "link", "set", &vc, "up"],
            vec!["-n", &namespaces.server, "link", "set", "lo", "up"],
            vec!["-n", &namespaces.client, "link", "set", "lo", "up"],
        ]
        .iter()
        .map(|step| step.iter().map(|s| s.to_string()).collect())
        .collect();
        for step in steps {
            let output = Command::new("ip").args(&step).output().unwrap();
            if !output.status.success() {
                eprintln!(
                    "skipped: cannot set up network namespaces (ip {}: {})",
                    step.join(" "),
                    String::from_utf8_lossy(&output.stderr).trim()
                );
                return None;
            }
        }
        Some(namespaces)
    }

    fn exec(&self, namespace: &str, args: &[&str]) -> std::process::Output {
        let mut full = vec!["netns", "exec", namespace, env!("CARGO_BIN_EXE_zlist")];
        full.extend_from_slice(args);
        let mut command = Command::new("ip");
        command
            .args(&full)
            .env_remove("ZLIST_TOKEN")
            .env_remove("ZLIST_CONNECT");
        run_bounded(&mut command, args)
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for namespace in [&self.server, &self.client] {
            let _ = Command::new("ip")
                .args(["netns", "del", namespace])
                .status();
        }
    }
}

#[test]
fn protected_mode_refuses_other_hosts_and_a_token_admits_them() {
    let Some(hosts) = Namespaces::create() else {
        return;
    };
    let remote = format!("tcp://{}:41234", hosts.server_address);
    // The server encrypts (a public bind): clients trust its key, made anew each run.
    let trust = tempfile::tempdir().unwrap();
    let first_run = trust.path().join("first").to_string_lossy().into_owned();
    let second_run = trust.path().join("second").to_string_lossy().into_owned();
    let wipe_remotely = [
        "send",
        "--trust-new",
        "--known-servers",
        first_run.as_str(),
        "--connect",
        remote.as_str(),
        // The refusal comes as soon as the handshake is denied and ends the request. The
        // tries are room for a loaded machine, where the new link may come up late: each
        // try connects afresh instead of waiting for TCP's next SYN.
        "--timeout",
        "3",
        "--tries",
        "3",
        "limpar",
    ];
    let server = ServerProcess::start(
        &["ip", "netns", "exec", &hosts.server],
        &["--bind", "tcp://0.0.0.0:41234"],
        &[],
    );
    let wipe = hosts.exec(&hosts.client, &wipe_remotely);
    assert_eq!(wipe.status.code(), Some(2), "{wipe:?}");
    assert!(
        String::from_utf8_lossy(&wipe.stderr).contains("refused"),
        "{wipe:?}"
    );
    let local = hosts.exec(
        &hosts.server,
        &[
            "send",
            "--trust-new",
            "--known-servers",
            &first_run,
            "--connect",
            "tcp://127.0.0.1:41234",
            "append",
            "kept",
        ],
    );
    assert_eq!(local.status.code(), Some(0), "{local:?}");
    let log = server.stop();
    assert!(
        log.contains("protected mode"),
        "the operator is told: {log}"
    );
    assert!(
        log.contains("10.213.7.2"),
        "the refused peer is logged: {log}"
    );

    let server = ServerProcess::start(
        &["ip", "netns", "exec", &hosts.server],
        &["--bind", "tcp://0.0.0.0:41234"],
        &[("ZLIST_TOKEN", SECRET)],
    );
    let mut without = wipe_remotely;
    without[3] = &second_run;
    let without = hosts.exec(&hosts.client, &without);
    assert_eq!(without.status.code(), Some(2), "{without:?}");
    let mut with = vec![
        "send",
        "--known-servers",
        &second_run,
        "--connect",
        remote.as_str(),
        "--token",
        SECRET,
        "append",
        "x",
    ];
    let admitted = hosts.exec(&hosts.client, &with);
    assert_eq!(admitted.status.code(), Some(0), "{admitted:?}");
    assert_eq!(
        String::from_utf8_lossy(&admitted.stdout).trim(),
        "Elemento 'x' adicionado."
    );
    with.truncate(7);
    with.push("mostrar");
    let shown = hosts.exec(&hosts.client, &with);
    assert_eq!(String::from_utf8_lossy(&shown.stdout).trim(), "['x']");
    server.stop();
}
