//! The client engine: a worker thread that owns the REQ socket and talks to its driver
//! (the GUI, the terminal clients, tests) only through crossbeam channels.
//!
//! The worker follows the ZeroMQ Guide's Lazy Pirate pattern: each try waits at most
//! [`ClientOptions::timeout`]; after a timeout the REQ socket is closed and reopened and
//! the request is tried again, up to [`ClientOptions::tries`] times. Changes are never
//! applied twice: a zlist server gets them tagged (`zlist.req CLIENT:SEQ COMMAND`), and a
//! seed server never gets a change resent (the user decides). See `docs/protocol.md`.
//!
//! Given several endpoints, it fails over as the Guide's Freelance pattern does: a try
//! that times out moves on to the next server of the list (round robin), which gets the
//! same request with the same tag, so servers that share one list apply it at most once;
//! [`ClientEvent::Switched`] says which server answered instead of which.
//!
//! This file holds the driver's API (options, handle, events, errors); `worker` the poll
//! loop, `rules` what it decides, `live_link` the live subscription, and [`trail`] every
//! Portuguese word the engine writes, failures included.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use crossbeam_channel::{Receiver, Sender};

use crate::net::access::Token;
use crate::net::curve::{self, ClientKeys, CurveError};
use crate::net::endpoint::{self, EndpointError, Role};
use crate::net::list::Effect;
use crate::net::live::Epoch;
use crate::net::protocol::{self, Command, ServerKind};

mod live_link;
mod rules;
mod servers;
pub mod trail;
mod worker;

/// The environment variable that gives the terminal clients' default `--connect`.
pub const ENDPOINT_ENV: &str = "ZLIST_CONNECT";

/// The seed's server address as seen from the same machine.
pub const DEFAULT_ENDPOINT: &str = "tcp://127.0.0.1:1234";

/// How long one try waits for a reply by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(2500);

/// How many times a request is tried by default.
pub const DEFAULT_TRIES: u32 = 3;

/// Called after every event the worker sends (the GUI passes `move || ctx.request_repaint()`).
pub type Waker = Box<dyn Fn() + Send + 'static>;

/// Where and how patiently to talk to a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// `tcp://HOST:PORT` or `HOST:PORT`, or several separated by commas (servers of one
    /// list, tried in turn when one does not answer); normalised by [`spawn`]
    /// ([`endpoint::normalize_list`]).
    pub endpoint: String,
    /// How long one try waits for a reply.
    pub timeout: Duration,
    /// How many times a request is tried at each endpoint before it fails (at least 1).
    pub tries: u32,
    /// The server's access token, presented with ZeroMQ's PLAIN mechanism; `None` connects
    /// without one (the NULL mechanism, as the seed's client does).
    pub token: Option<Token>,
    /// Encrypt with CURVE: the server's public key and this client's keys. With a token
    /// too, the client's own keys are the ones the token stands for
    /// ([`crate::net::curve::KeyPair::for_token`]), so the token is checked inside the
    /// encrypted handshake. [`crate::net::known_servers::resolve`] finds the server's key
    /// (trust on first use).
    pub curve: Option<ClientKeys>,
    /// Follow the list live: ask which server this is as soon as the worker starts, and
    /// when it publishes updates, subscribe and report [`ClientEvent::Snapshot`],
    /// [`ClientEvent::Update`] and [`ClientEvent::Live`]. Off by default: a one-shot
    /// client (`zlist send`) needs none of it.
    pub live: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            tries: DEFAULT_TRIES,
            token: None,
            curve: None,
            live: false,
        }
    }
}

/// Why the client engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The endpoint is malformed.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The options make no sense (zero tries, zero timeout).
    #[error("invalid client option: {0}")]
    Options(&'static str),
    /// The operating system refused to start the worker thread.
    #[error("cannot start the client thread: {0}")]
    Thread(#[source] std::io::Error),
    /// libzmq could not create the worker's wake-up sockets (too many open files?).
    #[error("cannot create the client's sockets: {0}")]
    Socket(#[source] zmq::Error),
    /// CURVE was asked for and this build cannot encrypt.
    #[error(transparent)]
    Curve(#[from] CurveError),
}

/// A request's number, unique within one [`ClientHandle`], increasing in queue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// What the worker tells its driver.
#[derive(Debug, Clone)]
pub enum ClientEvent {
    /// A server answered a request.
    Reply(Reply),
    /// A request got no answer and will not be tried again.
    Failed {
        /// Which request.
        id: RequestId,
        /// Its text, as the user would read it (never the `zlist.req` wrapper).
        request: String,
        /// Why it failed.
        error: RequestFailure,
    },
    /// Requests dropped from the queue by [`ClientHandle::cancel_queued`].
    Cancelled(Vec<RequestId>),
    /// The list, parsed from the reply to `mostrar` (sent after that [`ClientEvent::Reply`]).
    List {
        /// The `mostrar` request it answers.
        id: RequestId,
        /// The elements, in order.
        items: Vec<String>,
    },
    /// What answered `zlist.hello`, once per connection.
    Server(ServerKind),
    /// Several endpoints: a server answered after others did not (the engine went on to
    /// it). Its later replies come from it too, until it does not answer in turn.
    Switched {
        /// The server that answered (normalised).
        answered: String,
        /// The servers that did not answer before it, in the order they were tried.
        unanswered: Vec<String>,
    },
    /// The connection's state changed.
    Connection(ConnectionState),
    /// One line of the debug trail, like the seed's `[DEBUG]` lines.
    Debug(DebugLine),
    /// Live updates (with [`ClientOptions::live`]): the whole list, at a version of a
    /// server run. It replaces the list; the [`ClientEvent::Update`]s that follow apply
    /// to it, one version at a time, with none missed or repeated, until the next
    /// `Snapshot`.
    Snapshot {
        /// The server run.
        epoch: Epoch,
        /// How many changes that run had applied.
        version: u64,
        /// The elements.
        items: Vec<String>,
    },
    /// Live updates: the next change to the list, made by any client. Always the version
    /// after the last `Snapshot` or `Update`, and always fits the list.
    Update {
        /// Its version: the previous one plus 1.
        version: u64,
        /// What it does to the list ([`crate::net::list::RemoteList::apply`]).
        effect: Effect,
    },
    /// Live updates: whether the list is being followed live (reported when it changes).
    Live(LiveState),
}

/// Whether the list is followed live (see `docs/protocol.md`, "Live updates").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveState {
    /// Subscribed and current: every change, this client's own included, arrives as a
    /// [`ClientEvent::Update`]; no need to ask for the list.
    Live,
    /// Subscribed, and fetching a fresh snapshot (first sync, a lost update, a restarted
    /// server); updates are held until it comes.
    Resyncing,
    /// No live updates: the driver refreshes by asking (`mostrar`), as with the seed.
    Unavailable(NotLive),
}

/// Why the list is not followed live.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotLive {
    /// The server announces no publisher: the seed's server, or a zlist server with
    /// `--publish off`.
    #[error(
        "the server does not publish its changes (the classroom's seed server, or zlist server \
         --publish off)"
    )]
    NotPublished,
    /// Nothing came from the publisher for a while: its port is probably not reachable.
    #[error(
        "nothing arrived from the update publisher {endpoint} in {secs}: its port seems \
         blocked (a firewall, or the EC2 security group opens only the request port: open \
         this one too)",
        secs = Secs(*after)
    )]
    Silent {
        /// The publisher's address.
        endpoint: String,
        /// How long it was silent.
        after: Duration,
    },
    /// The server announced its publisher in a form this client cannot use.
    #[error("the server announced its update publisher as {0:?}, which this client cannot use")]
    BadAnnouncement(String),
    /// The subscription socket could not be set up.
    #[error("cannot subscribe to {endpoint}: {reason}")]
    Subscribe {
        /// The publisher's address.
        endpoint: String,
        /// What went wrong.
        reason: String,
    },
    /// The snapshot could not be fetched or read; it is asked for again shortly.
    #[error("the list's snapshot could not be fetched ({0}); trying again shortly")]
    Snapshot(String),
}

impl LiveState {
    /// Whether updates flow (or will once the snapshot comes): the driver need not ask
    /// for the list after a change.
    pub fn is_following(&self) -> bool {
        matches!(self, Self::Live | Self::Resyncing)
    }
}

/// A server's answer to one request.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Which request.
    pub id: RequestId,
    /// The request as the user would read it (never the `zlist.req` wrapper).
    pub request: String,
    /// The request as a typed command, when it parses as one.
    pub command: Option<Command>,
    /// The reply text, as the server sent it.
    pub text: String,
    /// The server that answered (normalised); for a request answered without sending
    /// (`tries` 0), the one it was meant for.
    pub endpoint: String,
    /// Whether the reply reports a failure ([`protocol::is_error_reply`]).
    pub is_error: bool,
    /// From the last try's send to its reply.
    pub round_trip: Duration,
    /// How many tries it took (1 when the first one was answered). 0 when the worker
    /// answered itself without sending: a seed server would have crashed on the request
    /// (see `docs/protocol.md`, "Clients: retries and server detection").
    pub tries: u32,
}

/// Why a request got no reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestFailure {
    /// Every try timed out (with several endpoints, at each of them).
    #[error(
        "no reply from {endpoint} after {tries} {tries_word} of {secs}; is the server running?",
        tries_word = if *tries == 1 { "try" } else { "tries" },
        secs = Secs(*timeout)
    )]
    NoReply {
        /// The server's address; several endpoints are joined with commas.
        endpoint: String,
        /// How many tries were made (at all endpoints together).
        tries: u32,
        /// How long each try waited.
        timeout: Duration,
    },
    /// A seed server did not answer a change in time; it was not resent, because the seed
    /// cannot tell a retry from a new request and might apply it twice.
    #[error(
        "no reply from {endpoint} within {secs}; this server speaks only the seed's \
         protocol, so the change was not resent (it may or may not have been applied): \
         check the list and send it again if needed",
        secs = Secs(*timeout)
    )]
    ChangeNotRetried {
        /// The server's address.
        endpoint: String,
        /// How long the try waited.
        timeout: Duration,
    },
    /// The server refused the connection: wrong or missing token, or an address it does
    /// not admit (protected mode, allow list).
    #[error(
        "the server at {endpoint} refused the connection: wrong or missing token, a CURVE key \
         it does not admit, or this address is not allowed"
    )]
    Refused {
        /// The server's address.
        endpoint: String,
    },
    /// The ZeroMQ handshake failed: the server wants a security mechanism this client did
    /// not offer (a token), or it is no ZeroMQ server.
    #[error(
        "the ZeroMQ handshake with {endpoint} failed: the server requires a token that was not \
         given, it encrypts with CURVE and its server key is missing or not its key, or it is \
         not a ZeroMQ server"
    )]
    HandshakeFailed {
        /// The server's address.
        endpoint: String,
    },
    /// The client was shut down before the request was answered.
    #[error("the client stopped before the request was answered")]
    Stopped,
}

/// Shows a duration in seconds as people write it: `2.5 s`, `0.3 s`, `1 s`.
pub(crate) struct Secs(pub(crate) Duration);

impl std::fmt::Display for Secs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} s", self.0.as_secs_f64())
    }
}

/// The connection as libzmq's socket monitor reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionState {
    /// Initial: the socket is open but no handshake has succeeded yet. Not connected.
    Connecting,
    /// The ZMTP handshake with the server succeeded.
    Connected,
    /// The connection was lost.
    Disconnected,
    /// libzmq is retrying the TCP connection (`CONNECT_RETRIED`: nothing listened there).
    /// `CONNECT_DELAYED` is not a retry (libzmq reports it for every non-blocking connect)
    /// and leaves the state as it was.
    Retrying,
    /// The peer did not complete a ZMTP handshake (not a ZeroMQ server?).
    HandshakeFailed,
    /// The server refused the handshake: wrong or missing token, or a CURVE key it does not
    /// admit.
    AuthFailed,
    /// The last request got no reply after all tries (at every endpoint).
    Unreachable {
        /// How many tries were made, at all endpoints together.
        tries: u32,
    },
}

impl ConnectionState {
    /// Whether a server is known to be there right now.
    pub fn is_connected(self) -> bool {
        self == Self::Connected
    }

    /// A short Portuguese label, for the terminal clients and the debug trail
    /// ([`trail::connection_state`]).
    pub fn label(self) -> String {
        trail::connection_state(self)
    }
}

/// One line of the debug trail.
#[derive(Debug, Clone)]
pub struct DebugLine {
    /// When it happened.
    pub at: SystemTime,
    /// How much it matters: DEBUG for the seed's trail, INFO for connection news, WARN for
    /// timeouts and retries, ERROR for failed requests.
    pub level: tracing::Level,
    /// The line, in Portuguese like the seed's trail (without the `[DEBUG]` prefix).
    pub text: String,
}

/// A request waiting in the worker's queue.
#[derive(Debug)]
pub(crate) struct Queued {
    pub(crate) id: RequestId,
    pub(crate) text: String,
    pub(crate) command: Option<Command>,
}

/// What the handle tells the worker.
#[derive(Debug)]
pub(crate) enum Order {
    Request(Queued),
    CancelQueued,
    /// Fetch a fresh snapshot (the driver's copy went wrong, or the user asked).
    Resync,
}

/// Every worker gets its own wake-up address.
static WAKE_SERIAL: AtomicU64 = AtomicU64::new(0);

/// The driver's side of a running client worker. Dropping it stops the worker: a request
/// in flight is abandoned (reported as [`RequestFailure::Stopped`]) and the thread is
/// joined, within a fraction of a second.
pub struct ClientHandle {
    endpoint: String,
    endpoints: Vec<String>,
    orders: Option<Sender<Order>>,
    next_id: AtomicU64,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Wakes the idle worker at once after an order (it waits on its sockets, not on the
    /// order channel). Declared before the context: dropped before it.
    wake: Mutex<zmq::Socket>,
    _context: zmq::Context,
}

impl std::fmt::Debug for ClientHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientHandle")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// Starts the worker thread. Fails only for malformed options (a bad endpoint in the list,
/// zero tries or a zero timeout) or when the thread cannot start.
pub fn spawn(
    options: ClientOptions,
    waker: Waker,
) -> Result<(ClientHandle, Receiver<ClientEvent>), ClientError> {
    let endpoints = endpoint::normalize_list(&options.endpoint, Role::Connect)?;
    if options.tries == 0 {
        return Err(ClientError::Options("at least 1 try is needed"));
    }
    if options.timeout.is_zero() {
        return Err(ClientError::Options("the timeout must be more than 0"));
    }
    if options.curve.is_some() && !curve::available() {
        return Err(CurveError::Unavailable.into());
    }
    // A token over CURVE travels as the client key it stands for (checked by the server's
    // ZAP handler), never as a PLAIN password.
    let (token, curve) = match (options.token, options.curve) {
        (Some(token), Some(keys)) => (None, Some(keys.with_token(&token)?)),
        other => other,
    };
    let (order_tx, order_rx) = crossbeam_channel::unbounded();
    let (event_tx, event_rx) = crossbeam_channel::unbounded();
    let context = zmq::Context::new();
    let (wake_tx, wake_rx) = wake_pair(&context).map_err(ClientError::Socket)?;
    let config = worker::Config {
        endpoints: endpoints.clone(),
        timeout: options.timeout,
        tries: options.tries,
        token,
        curve,
        live: options.live,
    };
    let worker_context = context.clone();
    let thread = std::thread::Builder::new()
        .name("zlist-client".to_owned())
        .spawn(move || {
            worker::run(
                config,
                worker_context,
                wake_rx,
                order_rx,
                worker::Events::new(event_tx, waker),
            );
        })
        .map_err(ClientError::Thread)?;
    let handle = ClientHandle {
        endpoint: endpoint::join(&endpoints),
        endpoints,
        orders: Some(order_tx),
        next_id: AtomicU64::new(1),
        thread: Some(thread),
        wake: Mutex::new(wake_tx),
        _context: context,
    };
    Ok((handle, event_rx))
}

/// The handle's wake-up socket and the worker's end of it (inproc PUSH to PULL).
fn wake_pair(context: &zmq::Context) -> Result<(zmq::Socket, zmq::Socket), zmq::Error> {
    let address = format!(
        "inproc://zlist-client-wake-{}",
        WAKE_SERIAL.fetch_add(1, Ordering::Relaxed)
    );
    let rx = context.socket(zmq::PULL)?;
    rx.set_linger(0)?;
    rx.bind(&address)?;
    let tx = context.socket(zmq::PUSH)?;
    tx.set_linger(0)?;
    // One pending wake-up is enough; more are dropped (EAGAIN) without blocking.
    tx.set_sndhwm(16)?;
    tx.connect(&address)?;
    Ok((tx, rx))
}

impl ClientHandle {
    /// Queues a typed seed command; returns its id at once (never blocks).
    pub fn send(&self, command: Command) -> RequestId {
        let text = command.to_string();
        self.queue(text, Some(command))
    }

    /// Queues raw request text typed by a user (sent as is; the server judges it).
    pub fn send_text(&self, text: impl Into<String>) -> RequestId {
        let text = text.into();
        let command = protocol::parse_command(&text).ok();
        self.queue(text, command)
    }

    /// Drops every request still queued (not the one in flight); they are reported as
    /// [`ClientEvent::Cancelled`].
    pub fn cancel_queued(&self) {
        if let Some(orders) = &self.orders {
            // The worker only stops when this handle drops, so the send cannot fail here.
            let _ = orders.send(Order::CancelQueued);
        }
        self.wake();
    }

    /// Asks for a fresh snapshot of a live list (with [`ClientOptions::live`], when the
    /// server publishes): a [`ClientEvent::Snapshot`] follows. Does nothing otherwise.
    pub fn resync(&self) {
        if let Some(orders) = &self.orders {
            // The worker only stops when this handle drops, so the send cannot fail here.
            let _ = orders.send(Order::Resync);
        }
        self.wake();
    }

    /// Wakes the worker if it is idle. A wake-up that cannot be queued is not needed:
    /// one is pending already.
    fn wake(&self) {
        if let Ok(wake) = self.wake.lock() {
            let _ = wake.send(&[][..], zmq::DONTWAIT);
        }
    }

    /// The server's address, normalised (`tcp://HOST:PORT`); several are joined with
    /// commas ([`endpoint::join`]).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The servers' addresses, normalised, in the order they are tried.
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    fn queue(&self, text: String, command: Option<Command>) -> RequestId {
        let id = RequestId(self.next_id.fetch_add(1, Ordering::Relaxed));
        if let Some(orders) = &self.orders {
            // The worker only stops when this handle drops, so the send cannot fail here.
            let _ = orders.send(Order::Request(Queued { id, text, command }));
        }
        self.wake();
        id
    }
}

impl Drop for ClientHandle {
    fn drop(&mut self) {
        // Closing the channel is the stop signal.
        self.orders = None;
        self.wake();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the client thread panicked");
        }
    }
}
