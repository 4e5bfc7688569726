//! The `zlist server` binary, run as a user would.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::support::{req_socket, request};

#[test]
fn zlist_server_serves_on_the_asked_port_and_exits_cleanly_on_sigterm() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zlist"))
        // In memory: the test must not touch the real data directory.
        .args(["server", "--bind", "tcp://127.0.0.1:0", "--memory"])
        .env("RUST_LOG", "info")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut endpoint = None;
    let mut line = String::new();
    while endpoint.is_none() && stderr.read_line(&mut line).unwrap() > 0 {
        // Written to a pipe (a log file, the journal), the log has no colour codes.
        assert!(!line.contains('\x1b'), "{line:?}");
        if let Some(rest) = line.split("ready on ").nth(1) {
            endpoint = rest.split(';').next().map(str::to_owned);
        }
        line.clear();
    }
    let endpoint = endpoint.expect("the server says where it listens");

    let context = zmq::Context::new();
    let socket = req_socket(&context, &endpoint);
    assert_eq!(request(&socket, "append 3"), "Elemento '3' adicionado.");
    assert_eq!(request(&socket, "mostrar"), "['3']");

    // SIGTERM, as systemd or `kill` sends it.
    let status = Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "server did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn zlist_server_with_a_bad_bind_address_says_what_is_expected() {
    let output = Command::new(env!("CARGO_BIN_EXE_zlist"))
        .args(["server", "--bind", "localhost"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("should look like tcp://HOST:PORT"),
        "{stderr}"
    );
}
