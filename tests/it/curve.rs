//! CURVE encryption (in every build): encrypted service, admitted and refused client keys,
//! a wrong server key and plain clients refused while others are served, live updates, a
//! token checked inside CURVE, the binary's key files, and a binary that carries its own
//! libzmq and libsodium.

use std::collections::HashSet;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use zlist::net::access::{AccessPolicy, Token};
use zlist::net::client::{
    self, ClientEvent, ClientHandle, ClientOptions, ConnectionState, LiveState, RequestFailure,
};
use zlist::net::curve::{self, ClientKeys, CurveKey, KeyPair, ServerKeys};
use zlist::net::server::{Publish, Server, ServerConfig};

use crate::access::{Ending, ServerProcess, outcome, run_zlist};
use crate::support::start_server_with;

/// A CURVE server with these keys, admitting only `clients` when given, publishing.
pub(crate) fn curve_server(keys: &KeyPair, clients: Option<HashSet<CurveKey>>) -> Server {
    curve_server_with_token(keys, clients, None)
}

/// A CURVE server that also wants `token` (checked inside CURVE), publishing.
fn curve_server_with_token(
    keys: &KeyPair,
    clients: Option<HashSet<CurveKey>>,
    token: Option<Token>,
) -> Server {
    start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        access: AccessPolicy::for_bind("tcp://127.0.0.1:0", token, vec![], false)
            .with_curve(ServerKeys {
                keys: keys.clone(),
                clients,
            })
            .unwrap(),
        publish: Publish::NextPort,
        ..ServerConfig::default()
    })
}

fn curve_client(
    endpoint: &str,
    curve: Option<ClientKeys>,
    live: bool,
) -> (ClientHandle, Receiver<ClientEvent>) {
    token_client(endpoint, curve, None, live)
}

/// A client with these keys and this token (over CURVE when both are given).
pub(crate) fn token_client(
    endpoint: &str,
    curve: Option<ClientKeys>,
    token: Option<&str>,
    live: bool,
) -> (ClientHandle, Receiver<ClientEvent>) {
    client::spawn(
        ClientOptions {
            endpoint: endpoint.to_owned(),
            timeout: Duration::from_millis(1000),
            tries: 2,
            token: token.and_then(Token::new),
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

#[test]
fn curve_encrypts_what_crosses_the_wire_where_the_seed_protocol_shows_it() {
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
        server.stop().unwrap().to_vec(),
        ["a"],
        "the refused limpar did nothing"
    );
}

#[test]
fn curve_with_a_wrong_server_key_or_none_fails_clearly_instead_of_hanging() {
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

/// Client keys for a server with this public key: a fresh pair of the client's own.
fn keys_for(server: CurveKey) -> Option<ClientKeys> {
    Some(ClientKeys {
        server,
        own: KeyPair::generate().unwrap(),
    })
}

#[test]
fn a_token_over_curve_admits_its_holders_and_never_crosses_the_wire() {
    const TOKEN: &str = "senha-da-turma-2026";
    let keys = KeyPair::generate().unwrap();
    let server = curve_server_with_token(&keys, None, Token::new(TOKEN));
    let tap = Tap::start(server.endpoint());
    let (handle, events) = token_client(&tap.endpoint, keys_for(keys.public), Some(TOKEN), false);
    let (ending, states) = outcome(&handle, &events, "append com-token");
    assert!(
        matches!(&ending, Ending::Reply(r) if r == "Elemento 'com-token' adicionado."),
        "{ending:?}"
    );
    assert!(states.contains(&ConnectionState::Connected), "{states:?}");
    assert!(
        !tap.saw(TOKEN.as_bytes()),
        "the token never shows on the wire"
    );
    assert!(!tap.saw(b"com-token"), "nor the list");

    for wrong in [Some("senha-errada"), None] {
        let (handle, events) = token_client(server.endpoint(), keys_for(keys.public), wrong, false);
        let (ending, states) = outcome(&handle, &events, "limpar");
        assert!(
            matches!(&ending, Ending::Failed(RequestFailure::Refused { .. })),
            "{wrong:?}: {ending:?}"
        );
        assert!(states.contains(&ConnectionState::AuthFailed), "{states:?}");
    }
    // Live updates go through the same check.
    let (_watcher, watched) =
        token_client(server.endpoint(), keys_for(keys.public), Some(TOKEN), true);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match watched
            .recv_timeout(left)
            .expect("the token holder goes live")
        {
            ClientEvent::Live(LiveState::Live) => break,
            ClientEvent::Live(LiveState::Unavailable(why)) => panic!("not live: {why}"),
            _ => {}
        }
    }
    // A token and listed client keys together: either gets in.
    let alice = KeyPair::generate().unwrap();
    let both = curve_server_with_token(
        &keys,
        Some(HashSet::from([alice.public])),
        Token::new(TOKEN),
    );
    let listed = Some(ClientKeys {
        server: keys.public,
        own: alice,
    });
    for (curve, token) in [(listed, None), (keys_for(keys.public), Some(TOKEN))] {
        let (handle, events) = token_client(both.endpoint(), curve, token, false);
        let (ending, _) = outcome(&handle, &events, "mostrar");
        assert!(matches!(ending, Ending::Reply(_)), "{token:?}: {ending:?}");
    }
    assert_eq!(server.stop().unwrap().to_vec(), ["com-token"]);
}

#[test]
fn a_wrong_server_key_and_a_plain_client_are_refused_while_others_are_served() {
    let keys = KeyPair::generate().unwrap();
    let server = curve_server(&keys, None);
    let (good, good_events) = curve_client(server.endpoint(), keys_for(keys.public), false);
    let (ending, _) = outcome(&good, &good_events, "append 1");
    assert!(matches!(ending, Ending::Reply(_)), "{ending:?}");

    // The seed's client: a plain REQ socket gets no reply, and changes nothing.
    let context = zmq::Context::new();
    let plain = context.socket(zmq::REQ).unwrap();
    plain.set_linger(0).unwrap();
    plain.set_rcvtimeo(500).unwrap();
    plain.connect(server.endpoint()).unwrap();
    plain.send("limpar", zmq::DONTWAIT).unwrap();
    let impostor = KeyPair::generate().unwrap().public;
    let (wrong, wrong_events) = curve_client(server.endpoint(), keys_for(impostor), false);
    std::thread::scope(|scope| {
        let refused = scope.spawn(|| outcome(&wrong, &wrong_events, "limpar"));
        // Meanwhile the good client goes on being served.
        for n in 2..=4 {
            let (ending, _) = outcome(&good, &good_events, &format!("append {n}"));
            assert!(matches!(ending, Ending::Reply(_)), "{n}: {ending:?}");
        }
        assert!(
            plain.recv_bytes(0).is_err(),
            "the plain client gets nothing"
        );
        let (ending, states) = refused.join().unwrap();
        assert!(matches!(ending, Ending::Failed(_)), "{ending:?}");
        assert!(!states.contains(&ConnectionState::Connected), "{states:?}");
    });
    assert_eq!(server.stop().unwrap().to_vec(), ["1", "2", "3", "4"]);
}

/// The shared libraries an ELF64 little-endian executable asks the loader for (its
/// `DT_NEEDED` entries), read from its dynamic section.
#[cfg(target_os = "linux")]
fn needed_libraries(elf: &[u8]) -> Vec<String> {
    let u16_at = |at: usize| u16::from_le_bytes(elf[at..at + 2].try_into().unwrap()) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(elf[at..at + 4].try_into().unwrap()) as usize;
    let u64_at = |at: usize| u64::from_le_bytes(elf[at..at + 8].try_into().unwrap()) as usize;
    assert_eq!(&elf[..4], b"\x7fELF", "an ELF file");
    assert_eq!((elf[4], elf[5]), (2, 1), "64-bit little-endian");
    let (sections, size, count) = (u64_at(0x28), u16_at(0x3a), u16_at(0x3c));
    let section = |i: usize| sections + i * size;
    let mut needed = Vec::new();
    for i in 0..count {
        const SHT_DYNAMIC: usize = 6;
        if u32_at(section(i) + 4) != SHT_DYNAMIC {
            continue;
        }
        let (offset, length) = (u64_at(section(i) + 0x18), u64_at(section(i) + 0x20));
        let strings = u64_at(section(u32_at(section(i) + 0x28)) + 0x18);
        for entry in (offset..offset + length).step_by(16) {
            const DT_NEEDED: usize = 1;
            if u64_at(entry) == DT_NEEDED {
                let name = &elf[strings + u64_at(entry + 8)..];
                let end = name.iter().position(|&b| b == 0).unwrap();
                needed.push(String::from_utf8_lossy(&name[..end]).into_owned());
            }
        }
    }
    needed
}

#[cfg(target_os = "linux")]
#[test]
fn the_binary_carries_its_own_libzmq_and_libsodium() {
    let elf = std::fs::read(env!("CARGO_BIN_EXE_zlist")).unwrap();
    let needed = needed_libraries(&elf);
    assert!(
        needed.iter().any(|lib| lib.starts_with("libc.so")),
        "the dynamic section was read: {needed:?}"
    );
    for lib in &needed {
        assert!(
            !lib.contains("zmq") && !lib.contains("sodium"),
            "zlist links a shared {lib}: {needed:?}"
        );
    }
    assert!(curve::available());
}
