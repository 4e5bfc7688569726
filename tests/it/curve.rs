//! CURVE encryption: encrypted service, admitted and refused client keys, a wrong server
//! key, live updates, and the binary's key files. These need a zlist linked against a
//! libzmq with CURVE (`scripts/curve.sh test` runs them so); in the default build they are
//! skipped, and the test of what the default build says instead runs.

use std::collections::HashSet;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use zlist::net::access::{AccessPolicy, Token};
use zlist::net::client::{
    self, ClientError, ClientEvent, ClientHandle, ClientOptions, ConnectionState, RequestFailure,
};
use zlist::net::curve::{self, ClientKeys, CurveError, KeyPair, ServerKeys};
use zlist::net::list::RemoteList;
use zlist::net::server::{Publish, Server, ServerConfig, ServerError};

use crate::access::{Ending, ServerProcess, outcome, run_zlist};
use crate::support::start_server_with;

/// Whether this build can encrypt; when it cannot, says the test is skipped. Under
/// `scripts/curve.sh test` (ZLIST_EXPECT_CURVE=1) a build without CURVE fails instead.
fn curve_or_skip() -> bool {
    if curve::available() {
        return true;
    }
    assert!(
        std::env::var_os("ZLIST_EXPECT_CURVE").is_none(),
        "ZLIST_EXPECT_CURVE is set but this build's libzmq has no CURVE"
    );
    eprintln!("skipped: this build's libzmq has no CURVE (scripts/curve.sh test runs this)");
    false
}

/// A CURVE server with these keys, admitting only `clients` when given, publishing.
pub(crate) fn curve_server(
    keys: &KeyPair,
    clients: Option<HashSet<zlist::net::curve::CurveKey>>,
) -> Server {
    start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        access: AccessPolicy::default().with_curve(ServerKeys {
            keys: keys.clone(),
            clients,
        }),
        publish: Publish::NextPort,
        ..ServerConfig::default()
    })
}

fn curve_client(
    endpoint: &str,
    curve: Option<ClientKeys>,
    live: bool,
) -> (ClientHandle, Receiver<ClientEvent>) {
    client::spawn(
        ClientOptions {
            endpoint: endpoint.to_owned(),
            timeout: Duration::from_millis(1000),
            tries: 2,
            token: None,
            curve,
            live,
        },
        Box::new(|| {}),
    )
    .expect("client starts")
}

/// A TCP relay between a client and a server that keeps every byte it passes on.
struct Tap {
    endpoint: String,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Tap {
    fn start(server: &str) -> Self {
        let target = server.trim_start_matches("tcp://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("tcp://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                let Ok(server) = TcpStream::connect(&target) else {
                    continue;
                };
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let sink = sink.clone();
                    std::thread::spawn(move || {
                        let mut buffer = [0u8; 4096];
                        while let Ok(n @ 1..) = from.read(&mut buffer) {
                            sink.lock().unwrap().extend_from_slice(&buffer[..n]);
                            if to.write_all(&buffer[..n]).is_err() {
                                break;
                            }
                        }
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Self { endpoint, seen }
    }

    fn saw(&self, needle: &[u8]) -> bool {
        self.seen
            .lock()
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle)
    }
}

/// The public key of libzmq's zmq_curve(7) example pair.
const EXAMPLE_PUBLIC: &str = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";

/// Runs `zlist ARGS`, which must fail with exit code 2 and say `words` on stderr.
fn fails_saying(args: &[&str], words: &str) {
    let output = run_zlist(args, &[]);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(words),
        "{args:?}: {output:?}"
    );
}

/// A secret key file written by hand, as another zlist or pyzmq would have made it (the
/// example keys of libzmq's zmq_curve(7) manual): no CURVE needed to make it.
fn manual_key_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("manual.key_secret");
    std::fs::write(
        &path,
        "curve\n    public-key = \"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID\"\n    \
         secret-key = \"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs\"\n",
    )
    .unwrap();
    path
}

/// Why a server with this access policy does not start (it must not).
fn server_refused(access: AccessPolicy) -> ServerError {
    Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            access,
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )
    .unwrap_err()
}

/// Why a client of its own public key, with `token` if any, does not start (it must not).
fn client_refused(keys: KeyPair, token: Option<Token>) -> ClientError {
    client::spawn(
        ClientOptions {
            token,
            curve: Some(ClientKeys {
                server: keys.public,
                own: keys,
            }),
            ..ClientOptions::default()
        },
        Box::new(|| {}),
    )
    .unwrap_err()
}

#[test]
fn curve_encrypts_what_crosses_the_wire_where_the_seed_protocol_shows_it() {
    if !curve_or_skip() {
        return;
    }
    const SECRET: &[u8] = b"segredo-da-turma";
    let text = "append segredo-da-turma";
    // In clear: the element is readable on the wire.
    let plain = start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        ..ServerConfig::default()
    });
    let tap = Tap::start(plain.endpoint());
    let (handle, events) = curve_client(&tap.endpoint, None, false);
    assert!(matches!(
        outcome(&handle, &events, text).0,
        Ending::Reply(_)
    ));
    assert!(tap.saw(SECRET), "the clear-text control shows the element");

    let keys = KeyPair::generate().unwrap();
    let server = curve_server(&keys, None);
    let tap = Tap::start(server.endpoint());
    let own = KeyPair::generate().unwrap();
    let (handle, events) = curve_client(
        &tap.endpoint,
        Some(ClientKeys {
            server: keys.public,
            own,
        }),
        false,
    );
    let (ending, _) = outcome(&handle, &events, text);
    assert!(
        matches!(&ending, Ending::Reply(r) if r == "Elemento 'segredo-da-turma' adicionado."),
        "{ending:?}"
    );
    let (ending, _) = outcome(&handle, &events, "mostrar");
    assert!(
        matches!(&ending, Ending::Reply(r) if r == "['segredo-da-turma']"),
        "{ending:?}"
    );
    assert!(
        !tap.saw(SECRET),
        "encrypted: the element never shows on the wire"
    );
    assert!(!tap.saw(b"mostrar"));
}

#[test]
fn curve_admits_listed_client_keys_and_refuses_others_as_an_authentication_failure() {
    if !curve_or_skip() {
        return;
    }
    let keys = KeyPair::generate().unwrap();
    let (alice, mallory) = (KeyPair::generate().unwrap(), KeyPair::generate().unwrap());
    let server = curve_server(&keys, Some(HashSet::from([alice.public])));
    let (handle, events) = curve_client(
        server.endpoint(),
        Some(ClientKeys {
            server: keys.public,
            own: alice,
        }),
        false,
    );
    let (ending, _) = outcome(&handle, &events, "append a");
    assert!(matches!(ending, Ending::Reply(_)), "{ending:?}");

    let (handle, events) = curve_client(
        server.endpoint(),
        Some(ClientKeys {
            server: keys.public,
            own: mallory,
        }),
        false,
    );
    let (ending, states) = outcome(&handle, &events, "limpar");
    assert!(
        matches!(&ending, Ending::Failed(RequestFailure::Refused { .. })),
        "{ending:?}"
    );
    assert!(states.contains(&ConnectionState::AuthFailed), "{states:?}");
    assert!(!states.contains(&ConnectionState::Connected), "{states:?}");
    assert_eq!(
        server.stop().unwrap().items(),
        ["a"],
        "the refused limpar did nothing"
    );
}

#[test]
fn curve_with_a_wrong_server_key_or_none_fails_clearly_instead_of_hanging() {
    if !curve_or_skip() {
        return;
    }
    let keys = KeyPair::generate().unwrap();
    let server = curve_server(&keys, None);
    let impostor = KeyPair::generate().unwrap().public;
    for curve in [
        Some(ClientKeys {
            server: impostor,
            own: KeyPair::generate().unwrap(),
        }),
        None,
    ] {
        let started = Instant::now();
        let (handle, events) = curve_client(server.endpoint(), curve.clone(), false);
        let (ending, states) = outcome(&handle, &events, "limpar");
        assert!(
            matches!(
                &ending,
                Ending::Failed(
                    RequestFailure::HandshakeFailed { .. } | RequestFailure::NoReply { .. }
                )
            ),
            "{curve:?}: {ending:?}"
        );
        assert!(!states.contains(&ConnectionState::Connected), "{states:?}");
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{:?}",
            started.elapsed()
        );
    }
}

#[test]
fn curve_carries_live_updates_to_an_encrypted_subscriber() {
    if !curve_or_skip() {
        return;
    }
    let keys = KeyPair::generate().unwrap();
    let server = curve_server(&keys, None);
    let keys_for = || {
        Some(ClientKeys {
            server: keys.public,
            own: KeyPair::generate().unwrap(),
        })
    };
    let (_watcher, watched) = curve_client(server.endpoint(), keys_for(), true);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut live = false;
    while !live {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = watched.recv_timeout(left).expect("the watcher goes live");
        live = matches!(
            event,
            ClientEvent::Live(zlist::net::client::LiveState::Live)
        );
    }
    let (writer, written) = curve_client(server.endpoint(), keys_for(), false);
    assert!(matches!(
        outcome(&writer, &written, "append novo").0,
        Ending::Reply(_)
    ));
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if let ClientEvent::Update { effect, .. } =
            watched.recv_timeout(left).expect("the update arrives")
        {
            assert_eq!(effect, zlist::net::list::Effect::Append("novo".into()));
            break;
        }
    }
}

#[test]
fn curve_key_files_from_zlist_keygen_serve_the_binary_end_to_end() {
    if !curve_or_skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let clients = dir.path().join("clients");
    std::fs::create_dir(&clients).unwrap();
    for (name, base) in [("server", path("server")), ("alice", path("clients/alice"))] {
        let made = run_zlist(&["keygen", &base], &[]);
        assert_eq!(made.status.code(), Some(0), "{name}: {made:?}");
        let said = String::from_utf8_lossy(&made.stdout);
        assert!(said.starts_with("public key: "), "{said}");
    }
    // Keys are never overwritten.
    let again = run_zlist(&["keygen", &path("server")], &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    let server = ServerProcess::start(
        &[],
        &[
            "--bind",
            "tcp://127.0.0.1:0",
            "--curve-secret-file",
            &path("server.key_secret"),
            "--curve-clients",
            &path("clients"),
        ],
        &[],
    );
    let endpoint = server.endpoint.clone();
    let alice = path("clients/alice.key_secret");
    let server_key = path("server.key");
    let sent = run_zlist(
        &[
            "send",
            "--connect",
            &endpoint,
            "--server-key",
            &server_key,
            "--key-file",
            &alice,
            "append",
            "cifrado",
        ],
        &[],
    );
    assert_eq!(sent.status.code(), Some(0), "{sent:?}");
    let status = run_zlist(
        &["status", "--connect", &endpoint, "--key-file", &alice],
        &[("ZLIST_SERVER_KEY", server_key.as_str())],
    );
    let table = String::from_utf8_lossy(&status.stdout);
    assert!(table.contains("access   client-keys"), "{status:?}");
    assert!(table.contains("list     1 element,"), "{table}");
    // A client with no listed key (a fresh one per run) is refused, and told why.
    let stranger = run_zlist(
        &[
            "send",
            "--connect",
            &endpoint,
            "--server-key",
            &server_key,
            // The refusal comes at the handshake; the rest is room for a loaded machine.
            "--timeout",
            "5",
            "--tries",
            "1",
            "limpar",
        ],
        &[],
    );
    assert_eq!(stranger.status.code(), Some(2), "{stranger:?}");
    let said = String::from_utf8_lossy(&stranger.stderr);
    assert!(said.contains("a CURVE key it does not admit"), "{said}");
    let log = server.stop();
    assert!(log.contains("traffic is encrypted (CURVE)"), "{log}");
    assert!(log.contains("1 client keys admitted"), "{log}");
}

#[test]
fn without_curve_every_way_to_ask_for_encryption_says_how_to_get_it() {
    if curve::available() {
        eprintln!("skipped: this build has CURVE (the test of the build without it)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("k");
    fails_saying(
        &["keygen", &base.to_string_lossy()],
        "scripts/curve.sh build",
    );
    assert!(!dir.path().join("k.key").exists(), "no half-made key");

    let secret = manual_key_file(dir.path());
    let secret_path = secret.to_string_lossy();
    fails_saying(
        &[
            "server",
            "--memory",
            "--bind",
            "tcp://127.0.0.1:0",
            "--curve-secret-file",
            &secret_path,
        ],
        "its libzmq has no CURVE",
    );
    fails_saying(
        &[
            "send",
            "--connect",
            "tcp://127.0.0.1:1",
            "--server-key",
            EXAMPLE_PUBLIC,
            "mostrar",
        ],
        "scripts/curve.sh build",
    );

    // The library says so too, before binding anything.
    let keys = KeyPair::from_secret_file(&secret).unwrap();
    let refused = server_refused(AccessPolicy::default().with_curve(ServerKeys {
        keys: keys.clone(),
        clients: None,
    }));
    assert!(
        matches!(refused, ServerError::Curve(CurveError::Unavailable)),
        "{refused:?}"
    );
    let refused = client_refused(keys, None);
    assert!(
        matches!(refused, ClientError::Curve(CurveError::Unavailable)),
        "{refused:?}"
    );
}

#[test]
fn curve_and_a_token_together_are_refused_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let keys = KeyPair::from_secret_file(&manual_key_file(dir.path())).unwrap();
    let mut access = AccessPolicy::for_bind("tcp://127.0.0.1:0", Token::new("t"), vec![], false);
    access = access.with_curve(ServerKeys {
        keys: keys.clone(),
        clients: None,
    });
    let refused = server_refused(access);
    assert!(
        matches!(refused, ServerError::TokenWithCurve),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("--curve-clients"), "{refused}");
    let refused = client_refused(keys, Token::new("t"));
    assert!(matches!(refused, ClientError::Options(_)), "{refused:?}");
    fails_saying(
        &[
            "send",
            "--token",
            "t",
            "--server-key",
            EXAMPLE_PUBLIC,
            "mostrar",
        ],
        "cannot be used with",
    );
}
