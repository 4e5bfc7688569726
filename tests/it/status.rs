//! `zlist.status` and `zlist status`: a server's health, from a raw socket and the binary.

use std::time::{Duration, Instant};

use zlist::net::server::{Publish, ServerConfig};
use zlist::net::status::ServerStatus;

use crate::cli_client::{text, zlist};
use crate::client::SeedServer;
use crate::support::free_port;
use crate::support::{req_socket, request, start_server, start_server_with};

/// Asks until the status satisfies `done` (peers are counted as their connections come and
/// go), and returns the last one.
fn status_until(socket: &zmq::Socket, done: impl Fn(&ServerStatus) -> bool) -> ServerStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = ServerStatus::parse(&request(socket, "zlist.status")).expect("a status");
        if done(&status) || Instant::now() > deadline {
            return status;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn status_counts_clients_and_subscribers_as_they_come_and_go() {
    let server = start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        publish: Publish::NextPort,
        ..ServerConfig::default()
    });
    let context = zmq::Context::new();
    let asker = req_socket(&context, server.endpoint());
    // The asker's own connection is always counted.
    let alone = ServerStatus::parse(&request(&asker, "zlist.status")).unwrap();
    assert_eq!((alone.clients, alone.subscribers), (1, Some(0)));

    let others: Vec<zmq::Socket> = (0..3)
        .map(|_| {
            let socket = req_socket(&context, server.endpoint());
            request(&socket, "mostrar");
            socket
        })
        .collect();
    let subscriber = context.socket(zmq::SUB).unwrap();
    subscriber.set_linger(0).unwrap();
    subscriber.set_subscribe(b"").unwrap();
    subscriber
        .connect(server.publish_endpoint().unwrap())
        .unwrap();
    let busy = status_until(&asker, |s| s.subscribers == Some(1));
    assert_eq!((busy.clients, busy.subscribers), (4, Some(1)));

    drop(others);
    drop(subscriber);
    let quiet = status_until(&asker, |s| s.clients == 1 && s.subscribers == Some(0));
    assert_eq!((quiet.clients, quiet.subscribers), (1, Some(0)));
}

#[test]
fn status_reports_the_list_and_the_requests_without_changing_anything() {
    let server = start_server();
    let context = zmq::Context::new();
    let socket = req_socket(&context, server.endpoint());
    for text in ["append um", "append dois", "insert x y", "mostrar"] {
        request(&socket, text);
    }
    let status = ServerStatus::parse(&request(&socket, "  zlist.status ")).unwrap();
    assert_eq!((status.elements, status.bytes), (2, 6));
    assert_eq!(status.changes, 2);
    assert_eq!((status.requests, status.errors), (4, 1));
    assert_eq!(status.subscribers, None, "this server does not publish");
    assert_eq!(
        (status.storage.as_str(), status.access.as_str()),
        ("memory", "open")
    );
    assert_eq!(request(&socket, "mostrar"), "['um', 'dois']");
}

#[test]
fn zlist_status_prints_a_table_and_exit_codes_tell_healthy_seed_and_no_server() {
    let server = start_server();
    let context = zmq::Context::new();
    request(&req_socket(&context, server.endpoint()), "append abc");

    let healthy = zlist(&["status", "--connect", server.endpoint()], &[], "");
    assert_eq!(healthy.status.code(), Some(0), "{}", text(&healthy.stderr));
    let table = text(&healthy.stdout);
    for line in [
        "server   zlist/",
        "uptime   ",
        "clients  ",
        "list     1 element, 3 bytes (at most ",
        "changes  1 since the start\n",
        "replies  0 bytes waiting to be sent (at most 128.0 MiB in all, 16.0 MiB a client); \
         0 requests held back, 0 dropped\n",
        "storage  memory\n",
        "access   open\n",
    ] {
        assert!(table.contains(line), "{line:?} missing from:\n{table}");
    }

    let raw = zlist(
        &["status", "--raw", "--connect", server.endpoint()],
        &[],
        "",
    );
    assert_eq!(raw.status.code(), Some(0));
    let line = text(&raw.stdout);
    assert!(line.starts_with("zlist.status server=zlist/"), "{line}");
    assert!(ServerStatus::parse(line.trim_end()).is_ok(), "{line}");

    let nobody = format!("tcp://127.0.0.1:{}", free_port());
    let absent = zlist(
        &[
            "status",
            "--connect",
            &nobody,
            "--timeout",
            "0.3",
            "--tries",
            "1",
        ],
        &[],
        "",
    );
    assert_eq!(absent.status.code(), Some(2));
    assert!(
        text(&absent.stderr).contains("is the server running?"),
        "{}",
        text(&absent.stderr)
    );

    if let Some(seed) = SeedServer::start() {
        let old = zlist(&["status", "--connect", &seed.endpoint], &[], "");
        assert_eq!(old.status.code(), Some(1));
        assert!(old.stdout.is_empty());
        assert!(
            text(&old.stderr).contains("a seed server does not have this command"),
            "{}",
            text(&old.stderr)
        );
    }
}
