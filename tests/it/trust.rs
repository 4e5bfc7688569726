//! Encrypted by default, with trust on first use: the server's key pair made on its first
//! start and reused, its key port, and the terminal clients that show a new server's
//! fingerprint, remember it, and refuse a server whose key changed.

use std::path::Path;
use std::time::Duration;

use zlist::net::curve::{CurveKey, KeyPair};
use zlist::net::key_service;
use zlist::net::known_servers::{KnownServers, TrustError, resolve};

use crate::access::{ServerProcess, run_zlist};
use crate::curve::curve_server;
use crate::support::free_port;

/// A loopback port with the two after it free too (updates and the key port).
fn free_port_for_keys() -> u16 {
    loop {
        let port = free_port();
        if std::net::TcpListener::bind(("127.0.0.1", port + 2)).is_ok() {
            return port;
        }
    }
}

/// An encrypting `zlist server` on 127.0.0.1:`port` keeping its list and key in `data`.
fn encrypting_server(data: &Path, port: u16, envs: &[(&str, &str)]) -> ServerProcess {
    let bind = format!("tcp://127.0.0.1:{port}");
    ServerProcess::start_with_storage(
        &[],
        &["--data", &data.to_string_lossy()],
        &["--bind", &bind, "--encrypt"],
        envs,
    )
}

/// `zlist send` with this known-servers file and these extra arguments, then the request.
fn send(known: &Path, endpoint: &str, extra: &[&str], request: &[&str]) -> std::process::Output {
    let known = known.to_string_lossy();
    let mut args = vec![
        "send",
        "--known-servers",
        &known,
        "--connect",
        endpoint,
        "--timeout",
        "5",
        "--tries",
        "1",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(request);
    run_zlist(&args, &[])
}

/// The server key the log shows: `server key KEY (fingerprint ...)`.
fn logged_key(log: &str) -> CurveKey {
    let text = log
        .split("server key ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the log shows the server key: {log}"));
    CurveKey::parse(text).unwrap()
}

#[test]
fn a_server_makes_its_key_on_first_start_and_a_trusted_client_is_served_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let known = dir.path().join("known_servers");
    let port = free_port_for_keys();
    let endpoint = format!("tcp://127.0.0.1:{port}");

    let server = encrypting_server(&data, port, &[]);
    let first = send(&known, &endpoint, &["--trust-new"], &["append", "cifrado"]);
    assert_eq!(first.status.code(), Some(0), "{first:?}");
    let said = String::from_utf8_lossy(&first.stderr);
    assert!(
        said.contains(&format!("trusting 127.0.0.1:{port}")),
        "{said}"
    );
    let status = run_zlist(
        &[
            "status",
            "--known-servers",
            &known.to_string_lossy(),
            "--connect",
            &endpoint,
        ],
        &[],
    );
    assert_eq!(status.status.code(), Some(0), "{status:?}");
    let log = server.stop();
    assert!(log.contains("made the server's key pair"), "{log}");
    let key = logged_key(&log);
    assert!(log.contains(&key.fingerprint()), "{log}");
    let table = String::from_utf8_lossy(&status.stdout);
    assert!(table.contains("encrypt  CURVE"), "{table}");
    assert!(table.contains(&key.to_string()), "{table}");
    assert!(table.contains(&key.fingerprint()), "{table}");
    assert!(said.contains(&key.fingerprint()), "{said}");
    assert_eq!(
        KnownServers::open(&known).unwrap().lookup(&endpoint),
        Some(key)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let secret = data.join("server.key_secret");
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    // The next start reuses the key: the remembered key serves without asking again.
    let server = encrypting_server(&data, port, &[]);
    let again = send(&known, &endpoint, &[], &["mostrar"]);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert_eq!(String::from_utf8_lossy(&again.stdout).trim(), "['cifrado']");
    assert!(!String::from_utf8_lossy(&again.stderr).contains("trusting"));
    let log = server.stop();
    assert!(!log.contains("made the server's key pair"), "{log}");
    assert_eq!(logged_key(&log), key);
}

#[test]
fn a_new_server_is_not_trusted_without_a_terminal_or_trust_new_and_a_changed_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_servers");
    let port = free_port_for_keys();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let server = encrypting_server(&dir.path().join("data"), port, &[]);

    let untrusted = send(&known, &endpoint, &[], &["limpar"]);
    assert_eq!(untrusted.status.code(), Some(2), "{untrusted:?}");
    let said = String::from_utf8_lossy(&untrusted.stderr);
    assert!(said.contains("is new to this client"), "{said}");
    assert!(said.contains("SHA256:"), "{said}");
    assert!(said.contains("--trust-new"), "{said}");
    assert!(!known.exists(), "nothing remembered");

    // Someone else's key remembered for this server: refused, loudly.
    let mut store = KnownServers::open(&known).unwrap();
    store
        .remember(&endpoint, KeyPair::generate().unwrap().public)
        .unwrap();
    for extra in [&[][..], &["--trust-new"][..]] {
        let changed = send(&known, &endpoint, extra, &["limpar"]);
        assert_eq!(changed.status.code(), Some(2), "{changed:?}");
        let said = String::from_utf8_lossy(&changed.stderr);
        assert!(said.contains("the server's key has changed"), "{said}");
        assert!(said.contains("someone may be intercepting"), "{said}");
        assert!(
            said.contains(&format!("zlist forget-server 127.0.0.1:{port}")),
            "{said}"
        );
    }

    // Forgotten, it is trusted anew.
    let known_arg = known.to_string_lossy().into_owned();
    let forget = |server: &str| {
        run_zlist(
            &["forget-server", "--known-servers", &known_arg, server],
            &[],
        )
    };
    let forgot = forget(&format!("127.0.0.1:{port}"));
    assert_eq!(forgot.status.code(), Some(0), "{forgot:?}");
    assert_eq!(forget(&format!("127.0.0.1:{port}")).status.code(), Some(1));
    let trusted = send(&known, &endpoint, &["--trust-new"], &["append", "x"]);
    assert_eq!(trusted.status.code(), Some(0), "{trusted:?}");
    let log = server.stop();
    assert!(!log.contains("Lista limpa"), "no limpar got through: {log}");
}

#[test]
fn resolve_tells_first_contact_the_remembered_key_a_changed_key_and_a_plain_server_apart() {
    let dir = tempfile::tempdir().unwrap();
    let mut known = KnownServers::open(&dir.path().join("known")).unwrap();
    let keys = KeyPair::generate().unwrap();
    let server = curve_server(&keys, None);
    let key_port = server
        .key_endpoint()
        .expect("a CURVE server serves its key");
    let timeout = Duration::from_secs(5);
    assert_eq!(
        key_service::discover_at(key_port, timeout).unwrap(),
        Some(keys.public)
    );
    // Clients find the key port two above the request port; this server's ports were
    // both free ones, so ask through a server name whose key port is this one.
    let key_port_number = zlist::net::endpoint::port(key_port).unwrap();
    let name = format!("tcp://127.0.0.1:{}", key_port_number - 2);
    match resolve(&name, &known, timeout) {
        Err(TrustError::Unknown { server, key }) => {
            assert_eq!(key, keys.public);
            assert_eq!(server, format!("127.0.0.1:{}", key_port_number - 2));
        }
        other => panic!("first contact: {other:?}"),
    }
    known.remember(&name, keys.public).unwrap();
    assert_eq!(resolve(&name, &known, timeout).unwrap(), Some(keys.public));
    let other = KeyPair::generate().unwrap().public;
    known.remember(&name, other).unwrap();
    assert!(matches!(
        resolve(&name, &known, timeout),
        Err(TrustError::Changed { remembered, presented, .. })
            if remembered == other && presented == keys.public
    ));
    // A server that does not encrypt has no key port: plain, at once.
    let plain = crate::support::start_server();
    assert_eq!(plain.key_endpoint(), None);
    let started = std::time::Instant::now();
    assert_eq!(resolve(plain.endpoint(), &known, timeout).unwrap(), None);
    assert!(started.elapsed() < timeout, "{:?}", started.elapsed());
}

#[test]
fn a_public_bind_encrypts_by_default_and_insecure_keeps_the_seeds_plain_port_with_a_warning() {
    let context = zmq::Context::new();
    let local = |endpoint: &str| endpoint.replace("0.0.0.0", "127.0.0.1");
    let plain_reply = |endpoint: &str| {
        let socket = context.socket(zmq::REQ).unwrap();
        socket.set_linger(0).unwrap();
        socket.set_rcvtimeo(1000).unwrap();
        socket.connect(&local(endpoint)).unwrap();
        socket.send("mostrar", 0).unwrap();
        socket.recv_string(0).ok().and_then(Result::ok)
    };

    let encrypted = ServerProcess::start(&[], &["--bind", "tcp://0.0.0.0:0"], &[]);
    assert_eq!(
        plain_reply(&encrypted.endpoint),
        None,
        "the seed's client gets nothing"
    );
    let log = encrypted.stop();
    assert!(log.contains("traffic is encrypted (CURVE)"), "{log}");
    assert!(log.contains("a new key pair for this run only"), "{log}");

    let insecure = ServerProcess::start(&[], &["--bind", "tcp://0.0.0.0:0", "--insecure"], &[]);
    assert_eq!(plain_reply(&insecure.endpoint).as_deref(), Some("[]"));
    let log = insecure.stop();
    assert!(!log.contains("traffic is encrypted"), "{log}");
    assert!(log.contains("cross the network unencrypted"), "{log}");
}

#[test]
fn a_token_and_a_secret_key_file_work_together_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_servers");
    let keys = run_zlist(
        &["keygen", &dir.path().join("server").to_string_lossy()],
        &[],
    );
    assert_eq!(keys.status.code(), Some(0), "{keys:?}");
    let secret = dir.path().join("server.key_secret");
    let port = free_port_for_keys();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let bind = endpoint.clone();
    let server = ServerProcess::start(
        &[],
        &[
            "--bind",
            &bind,
            "--curve-secret-file",
            &secret.to_string_lossy(),
        ],
        &[("ZLIST_TOKEN", "turma-2026")],
    );
    let with_token = run_zlist(
        &[
            "send",
            "--known-servers",
            &known.to_string_lossy(),
            "--trust-new",
            "--connect",
            &endpoint,
            "--timeout",
            "5",
            "--tries",
            "1",
            "append",
            "x",
        ],
        &[("ZLIST_TOKEN", "turma-2026")],
    );
    assert_eq!(with_token.status.code(), Some(0), "{with_token:?}");
    let without = send(&known, &endpoint, &[], &["mostrar"]);
    assert_ne!(without.status.code(), Some(0), "{without:?}");
    let log = server.stop();
    assert!(log.contains("traffic is encrypted (CURVE)"), "{log}");
}

#[test]
fn insecure_cannot_be_combined_with_an_encryption_option() {
    for option in [
        vec!["--encrypt"],
        vec!["--curve-clients", "clients"],
        vec!["--curve-secret-file", "server.key_secret"],
    ] {
        let mut args = vec![
            "server",
            "--memory",
            "--bind",
            "tcp://127.0.0.1:0",
            "--insecure",
        ];
        args.extend(option.iter().copied());
        let output = run_zlist(&args, &[]);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains("cannot be used with"), "{said}");
    }
}
