//! Key discovery: a CURVE server tells its public key, in plain text, on a port of its own
//! (the request port + 2 by default: 1236 beside 1234 and the live updates' 1235), so a
//! client that has never seen it can show its fingerprint and trust it on first use, as
//! SSH shows a new host key. That first answer is exactly as exposed as SSH's first
//! contact: someone in the middle could hand out another key then, and only then; once
//! remembered, the key is checked in every CURVE handshake, which only the holder of the
//! secret key can complete. See `docs/protocol.md`, "Key discovery".
//!
//! The port serves nothing else: one request word, `zlist.key`, answered with
//! `zlist.key 1 KEY` (KEY in Z85). It runs on its own thread and libzmq context, so the
//! request loop never sees it.

use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::{Duration, Instant};

use crate::net::curve::{CurveError, CurveKey};
use crate::net::endpoint::{self, EndpointError, Role};
use crate::net::inproc::StoppableThread;

/// The one request the key port answers.
pub const KEY_REQUEST: &str = "zlist.key";

/// How far above the request port the key port is.
pub const KEY_PORT_OFFSET: u16 = 2;

/// The reply's version word, after `zlist.key`.
const VERSION: &str = "1";

/// What the key port answers to anything but [`KEY_REQUEST`].
pub const ONLY_KEYS: &str =
    "Erro: esta porta só responde a zlist.key (a chave pública do servidor).";

/// Largest message read on the key port; a larger one drops that connection.
const MAX_REQUEST_BYTES: i64 = 256;

/// How long a reply may wait for a peer that does not read.
const SEND_TIMEOUT_MS: i32 = 100;

/// Why key discovery could not start or did not work.
#[derive(Debug, thiserror::Error)]
pub enum KeyServiceError {
    /// The address is malformed.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The address has no port to add [`KEY_PORT_OFFSET`] to.
    #[error("{0} has no port after which to serve the server's key")]
    NoPort(String),
    /// libzmq failed.
    #[error("ZeroMQ failed while {doing} (key discovery on {endpoint}): {source}")]
    Zmq {
        /// What was being done.
        doing: &'static str,
        /// The key port's address.
        endpoint: String,
        /// What libzmq said.
        source: zmq::Error,
    },
    /// The key port answered something that is no key.
    #[error("the key port {endpoint} answered {reply:?}, which holds no server key: {source}")]
    BadReply {
        /// The key port's address.
        endpoint: String,
        /// The first characters of the reply.
        reply: String,
        /// Why it is no key.
        source: CurveError,
    },
}

/// The key port of a server reached or bound at `endpoint` (`tcp://HOST:PORT`): the same
/// host, the port + [`KEY_PORT_OFFSET`]; port 0 (any free port) stays 0.
pub fn key_endpoint(endpoint: &str, role: Role) -> Result<String, KeyServiceError> {
    let normalized = endpoint::normalize(endpoint, role)?;
    let (Some(host), Some(port)) = (endpoint::host(&normalized), endpoint::port(&normalized))
    else {
        return Err(KeyServiceError::NoPort(normalized));
    };
    let key_port = match port {
        0 => 0,
        port => port
            .checked_add(KEY_PORT_OFFSET)
            .ok_or_else(|| KeyServiceError::NoPort(normalized.clone()))?,
    };
    Ok(format!("tcp://{host}:{key_port}"))
}

/// A running key port. Dropping it stops it.
pub struct KeyService {
    endpoint: String,
    _thread: StoppableThread,
    _context: zmq::Context,
}

impl std::fmt::Debug for KeyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyService")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl KeyService {
    /// Serves `key` on `address` (`tcp://HOST:PORT`; port 0 picks a free one).
    pub fn start(address: &str, key: CurveKey) -> Result<Self, KeyServiceError> {
        let address = endpoint::normalize(address, Role::Bind)?;
        let zmq_error = |doing| zmq_error(doing, &address);
        let context = zmq::Context::new();
        let router = context
            .socket(zmq::ROUTER)
            .map_err(zmq_error("creating the socket"))?;
        router.set_linger(0).map_err(zmq_error("setting linger"))?;
        router
            .set_sndtimeo(SEND_TIMEOUT_MS)
            .map_err(zmq_error("setting the send timeout"))?;
        router
            .set_maxmsgsize(MAX_REQUEST_BYTES)
            .map_err(zmq_error("setting the message size limit"))?;
        if endpoint::is_ipv6(&address) {
            router.set_ipv6(true).map_err(zmq_error("enabling IPv6"))?;
        }
        router.bind(&address).map_err(zmq_error("binding"))?;
        let endpoint = router
            .get_last_endpoint()
            .map_err(zmq_error("reading the bound address"))?
            .unwrap_or_else(|raw| String::from_utf8_lossy(&raw).into_owned());
        // Each key port has its own context, so this in-process address is its own.
        let reply = format!("{KEY_REQUEST} {VERSION} {key}");
        let thread = StoppableThread::spawn(
            &context,
            "inproc://zlist-key-service-stop",
            "zlist-key-service",
            router,
            move |router| serve(router, &reply),
        )
        .map_err(|(doing, source)| zmq_error(doing)(source))?;
        tracing::info!(%endpoint, "the server's public key is served for key discovery");
        Ok(Self {
            endpoint,
            _thread: thread,
            _context: context,
        })
    }

    /// Serves a CURVE server's key beside it: `bind` is the request socket's address as
    /// asked for, `bound` as bound (with the real port). A server that does not encrypt
    /// gets none. Never fails the server: a key port that cannot be bound is a warning
    /// (clients then need the key given with `--server-key`).
    pub fn beside(bind: &str, bound: &str, key: Option<&CurveKey>) -> Option<Self> {
        let key = key?;
        // Port 0 was asked for: any free port for the key too (tests; clients then learn
        // it from `Server::key_endpoint`).
        let asked = if endpoint::port(bind) == Some(0) {
            bind
        } else {
            bound
        };
        let started = key_endpoint(asked, Role::Bind).and_then(|address| {
            let address = match (endpoint::host(bind), endpoint::port(&address)) {
                // The bind's host (a wildcard stays a wildcard), the key's port.
                (Some(host), Some(port)) => format!("tcp://{host}:{port}"),
                _ => address,
            };
            Self::start(&address, *key)
        });
        match started {
            Ok(service) => Some(service),
            Err(error) => {
                tracing::warn!(
                    "{error}; clients that do not know the server's key yet must be given it \
                     (--server-key {key})"
                );
                None
            }
        }
    }

    /// Where the key is served, with the real port.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

/// Answers the `zlist.key` requests queued now (a bounded batch).
fn serve(router: &zmq::Socket, reply: &str) {
    for _ in 0..256 {
        let mut frames = match router.recv_multipart(zmq::DONTWAIT) {
            Ok(frames) => frames,
            Err(zmq::Error::EINTR) => continue,
            Err(_) => break,
        };
        // REP's envelope: up to and including the first empty frame.
        let Some(delimiter) = frames.iter().position(Vec::is_empty) else {
            continue;
        };
        let body = frames.split_off(delimiter + 1);
        let answer = match body.as_slice() {
            [request] if request.trim_ascii() == KEY_REQUEST.as_bytes() => reply,
            _ => ONLY_KEYS,
        };
        frames.push(answer.as_bytes().to_vec());
        if let Err(error) = router.send_multipart(frames, 0) {
            tracing::debug!("key reply not delivered: {error}");
        }
    }
}

/// Asks the key port of the server at `endpoint` for its public key, waiting at most
/// `timeout`. `Ok(None)`: nothing there answers `zlist.key` (a server that does not
/// encrypt, the seed's, or a key port a firewall blocks).
pub fn discover(endpoint: &str, timeout: Duration) -> Result<Option<CurveKey>, KeyServiceError> {
    discover_at(&key_endpoint(endpoint, Role::Connect)?, timeout)
}

/// [`discover`] on the key port's own address.
pub fn discover_at(key_port: &str, timeout: Duration) -> Result<Option<CurveKey>, KeyServiceError> {
    let deadline = Instant::now() + timeout;
    // A plain TCP connection first: a closed port says so at once, where libzmq would
    // quietly retry until the timeout.
    if !accepts_connections(key_port, timeout) {
        return Ok(None);
    }
    let zmq_error = |doing| zmq_error(doing, key_port);
    let context = zmq::Context::new();
    let req = context
        .socket(zmq::REQ)
        .map_err(zmq_error("creating the socket"))?;
    req.set_linger(0).map_err(zmq_error("setting linger"))?;
    if endpoint::is_ipv6(key_port) {
        req.set_ipv6(true).map_err(zmq_error("enabling IPv6"))?;
    }
    req.connect(key_port).map_err(zmq_error("connecting"))?;
    req.send(KEY_REQUEST, zmq::DONTWAIT)
        .map_err(zmq_error("asking for the key"))?;
    let left = deadline.saturating_duration_since(Instant::now());
    let millis = i64::try_from(left.as_millis()).unwrap_or(i64::MAX).max(1);
    if req.poll(zmq::POLLIN, millis).unwrap_or(0) == 0 {
        return Ok(None);
    }
    let reply = match req.recv_bytes(zmq::DONTWAIT) {
        Ok(reply) => String::from_utf8_lossy(&reply).into_owned(),
        Err(_) => return Ok(None),
    };
    parse_reply(&reply).map_err(|source| KeyServiceError::BadReply {
        endpoint: key_port.to_owned(),
        reply: reply.chars().take(80).collect(),
        source,
    })
}

/// Turns a libzmq error while `doing` something on the key port `endpoint` into a
/// [`KeyServiceError`].
fn zmq_error(doing: &'static str, endpoint: &str) -> impl FnOnce(zmq::Error) -> KeyServiceError {
    let endpoint = endpoint.to_owned();
    move |source| KeyServiceError::Zmq {
        doing,
        endpoint,
        source,
    }
}

/// Reads `zlist.key 1 KEY`; another first word (not a key port) is no key at all.
fn parse_reply(reply: &str) -> Result<Option<CurveKey>, CurveError> {
    let mut words = reply.split_ascii_whitespace();
    if words.next() != Some(KEY_REQUEST) {
        return Ok(None);
    }
    match (words.next(), words.next()) {
        (Some(VERSION), Some(key)) => CurveKey::parse(key).map(Some),
        _ => Err(CurveError::BadKey(reply.chars().take(60).collect())),
    }
}

/// Whether something accepts TCP connections at `tcp://HOST:PORT` within `timeout`.
fn accepts_connections(address: &str, timeout: Duration) -> bool {
    let Some(host_port) = address.strip_prefix("tcp://") else {
        return true; // not TCP: let libzmq try
    };
    let host_port = host_port.replace(['[', ']'], "");
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) => (host.to_owned(), port.parse::<u16>().unwrap_or(0)),
        None => return false,
    };
    let Ok(addresses) = (host.as_str(), port).to_socket_addrs() else {
        return false;
    };
    addresses
        .into_iter()
        .any(|address| TcpStream::connect_timeout(&address, timeout).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_port_is_two_above_the_request_port() {
        assert_eq!(
            key_endpoint("tcp://0.0.0.0:1234", Role::Bind).unwrap(),
            "tcp://0.0.0.0:1236"
        );
        assert_eq!(
            key_endpoint("203.0.113.10:1234", Role::Connect).unwrap(),
            "tcp://203.0.113.10:1236"
        );
        assert_eq!(
            key_endpoint("tcp://127.0.0.1:0", Role::Bind).unwrap(),
            "tcp://127.0.0.1:0"
        );
        assert!(key_endpoint("tcp://127.0.0.1:65535", Role::Connect).is_err());
    }

    #[test]
    fn replies_are_read_as_a_key_no_key_or_a_clear_error() {
        let key = crate::net::curve::KeyPair::example().public;
        assert_eq!(
            parse_reply(&format!("zlist.key 1 {key}")).unwrap(),
            Some(key)
        );
        assert_eq!(parse_reply("Comando inválido.").unwrap(), None);
        for bad in ["zlist.key", "zlist.key 2 x", "zlist.key 1 not-a-key"] {
            assert!(parse_reply(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_key_port_answers_its_key_and_nothing_else() {
        let key = crate::net::curve::KeyPair::example().public;
        let service = KeyService::start("tcp://127.0.0.1:0", key).unwrap();
        let timeout = Duration::from_secs(5);
        assert_eq!(discover_at(service.endpoint(), timeout).unwrap(), Some(key));
        let context = zmq::Context::new();
        let req = context.socket(zmq::REQ).unwrap();
        req.set_rcvtimeo(5000).unwrap();
        req.connect(service.endpoint()).unwrap();
        req.send("mostrar", 0).unwrap();
        assert_eq!(req.recv_string(0).unwrap().unwrap(), ONLY_KEYS);
        let address = service.endpoint().to_owned();
        drop(service);
        let started = Instant::now();
        assert_eq!(discover_at(&address, timeout).unwrap(), None);
        assert!(started.elapsed() < timeout, "a closed port says so at once");
    }
}
