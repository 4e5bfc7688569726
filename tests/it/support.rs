//! Helpers shared by the integration tests.

use std::time::Duration;

use zlist::net::list::RemoteList;
use zlist::net::server::{Server, ServerConfig};

/// How long a test waits for any one reply before failing (never forever).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5);

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
