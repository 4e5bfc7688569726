//! Helpers shared by the integration tests.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use zlist::net::list::RemoteList;
use zlist::net::server::{Server, ServerConfig};

/// How long a test waits for any one reply before failing (never forever).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// A loopback port that is free now, below the kernel's ephemeral range: the servers
/// other tests bind to port 0, and their outgoing connections, never take it. So nobody
/// answers there unless this test starts a server there, and that server is its own. The
/// port after it was free too (for the next-port default). Ports differ within a run.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32768);
    let low = 10_000;
    let span = ephemeral_low.saturating_sub(low + 2).max(100);
    let start = std::process::id().wrapping_mul(7919) % span;
    let bindable = |port: u32| std::net::TcpListener::bind(("127.0.0.1", port as u16)).is_ok();
    loop {
        let step = NEXT.fetch_add(2, Ordering::Relaxed);
        assert!(step < span, "no free port below the ephemeral range");
        let port = low + (start + step) % span;
        if bindable(port) && bindable(port + 1) {
            return port as u16;
        }
    }
}

/// A server on a free loopback port with an empty list.
pub fn start_server() -> Server {
    start_server_with(ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        ..ServerConfig::default()
    })
}

/// A server with this configuration and an empty list.
pub fn start_server_with(config: ServerConfig) -> Server {
    Server::start(config, RemoteList::default()).expect("server starts")
}

/// A plain REQ socket, like the seed's client, connected to `endpoint`.
pub fn req_socket(context: &zmq::Context, endpoint: &str) -> zmq::Socket {
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket
        .set_rcvtimeo(REPLY_TIMEOUT.as_millis() as i32)
        .unwrap();
    socket
        .set_sndtimeo(REPLY_TIMEOUT.as_millis() as i32)
        .unwrap();
    socket.connect(endpoint).unwrap();
    socket
}

/// Sends one request and returns its one reply.
pub fn request(socket: &zmq::Socket, text: &str) -> String {
    request_bytes(socket, text.as_bytes())
}

/// Sends one single-frame request of raw bytes and returns its reply.
pub fn request_bytes(socket: &zmq::Socket, bytes: &[u8]) -> String {
    socket.send(bytes, 0).expect("request sent");
    let reply = socket
        .recv_bytes(0)
        .unwrap_or_else(|e| panic!("no reply within {REPLY_TIMEOUT:?}: {e}"));
    assert!(!socket.get_rcvmore().unwrap(), "a reply is one frame");
    String::from_utf8(reply).expect("replies are UTF-8")
}

/// The two sockets of a proxy between clients and `backend`: a ROUTER bound to a free
/// loopback port (returned with its address) for the clients, and a DEALER connected to
/// `backend`. Frames go through verbatim, so REQ envelopes come back to the right client.
pub fn proxy_sockets(context: &zmq::Context, backend: &str) -> (zmq::Socket, String, zmq::Socket) {
    let front = context.socket(zmq::ROUTER).unwrap();
    front.set_linger(0).unwrap();
    front.bind("tcp://127.0.0.1:0").unwrap();
    let endpoint = front.get_last_endpoint().unwrap().unwrap();
    let back = context.socket(zmq::DEALER).unwrap();
    back.set_linger(0).unwrap();
    back.connect(backend).unwrap();
    (front, endpoint, back)
}
