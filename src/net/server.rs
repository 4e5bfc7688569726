//! The zlist server: a ZeroMQ ROUTER socket doing REP's envelope handling itself, so that
//! REQ clients (the seed's included) see a REP server, while a broken peer on the raw TCP
//! port cannot stall it (a plain REP socket can be wedged that way; see
//! `docs/protocol.md`). Runs on its own thread until stopped.

mod outbox;
mod publisher;
mod security;

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::net::access::{AccessPolicy, Permission};
use crate::net::backend::redis::{Follower, RedisBackend, RedisOptions};
use crate::net::backend::{BackendError, ListBackend};
use crate::net::curve::{self, CurveError};
use crate::net::endpoint::{self, EndpointError, Role};
use crate::net::key_service::KeyService;
use crate::net::list::RemoteList;
use crate::net::live;
use crate::net::monitor::PeerCounter;
use crate::net::protocol;
use crate::net::service::{DEFAULT_MAX_REQUEST_BYTES, Limits, ListService};
use crate::net::store::{Storage, Store, StoreError};

use outbox::{Admission, Outbox};
pub use outbox::{Budgets, DEFAULT_MAX_QUEUED, DEFAULT_MAX_QUEUED_PER_CLIENT};
use publisher::Publisher;
use security::{ZapHandler, configure_access};

/// The seed's address: every interface, port 1234.
pub const DEFAULT_BIND: &str = "tcp://0.0.0.0:1234";

/// How long a reply may wait to be sent to a peer that stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_millis(100);

/// How the request trail's log lines start: the request, then its reply.
pub const LOG_REQUEST: &str = "request received: ";
/// See [`LOG_REQUEST`].
pub const LOG_REPLY: &str = "reply: ";

/// Whether and where a server publishes live updates (see `docs/protocol.md`, "Live
/// updates").
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Publish {
    /// No publisher: clients fall back to refreshing (the seed's way).
    #[default]
    Off,
    /// On the request address's host, one port up (`tcp://0.0.0.0:1234` publishes on
    /// `tcp://0.0.0.0:1235`); port 0 (or `*`) stays port 0: any free port, announced to
    /// clients. When the next port is in use, a free port instead, with a warning. Not
    /// possible for a non-TCP bind address (then off, with a warning).
    NextPort,
    /// On this address (`tcp://HOST:PORT`; port 0 picks a free one).
    Endpoint(String),
}

impl Publish {
    /// The address to bind the publisher to, for a server bound to `bind` (normalised);
    /// `None` when off.
    fn resolve(&self, bind: &str) -> Result<Option<String>, ServerError> {
        match self {
            Self::Off => Ok(None),
            Self::Endpoint(endpoint) => Ok(Some(endpoint::normalize(endpoint, Role::Bind)?)),
            Self::NextPort => {
                let Some(host) = endpoint::host(bind) else {
                    tracing::warn!(
                        "live updates are off: {bind} is not a TCP address, so there is no \
                         \"next port\" to publish on (give --publish tcp://HOST:PORT)"
                    );
                    return Ok(None);
                };
                let port = match bind.rsplit_once(':').map(|(_, port)| port) {
                    Some("0" | "*") => 0,
                    _ => match endpoint::port(bind).and_then(|p| p.checked_add(1)) {
                        Some(port) => port,
                        None => {
                            tracing::warn!(
                                "live updates are off: {bind} has no next port (give \
                                 --publish tcp://HOST:PORT)"
                            );
                            return Ok(None);
                        }
                    },
                };
                Ok(Some(format!("tcp://{host}:{port}")))
            }
        }
    }
}

/// How a server is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen, e.g. `tcp://0.0.0.0:1234`; port 0 picks a free one.
    pub bind: String,
    /// Largest request answered with a reply; up to twice this is read and refused with an
    /// error reply, anything larger drops the sender's connection.
    pub max_request_bytes: usize,
    /// Where the list is kept: in memory (the default, as the seed) or in a data directory.
    pub storage: Storage,
    /// Who may connect: token, allow list, protected mode.
    pub access: AccessPolicy,
    /// Caps on the list's size and on each element.
    pub limits: Limits,
    /// Budgets for replies waiting to be sent (to clients that do not read them).
    pub reply_budgets: Budgets,
    /// Keep the list in this Redis (shared with other servers) instead of `storage`.
    pub redis: Option<RedisOptions>,
    /// Live updates: off by default for the library (`zlist server` and the desktop app's
    /// embedded server turn them on, one port up).
    pub publish: Publish,
    /// Test knob: do not publish every Nth update (counting from the first), as if the
    /// publisher had dropped it, so that tests can check that subscribers notice the gap
    /// and resync. `None` (the default) publishes every update. Only in builds with the
    /// `test-hooks` feature, which the test suite turns on.
    #[cfg(feature = "test-hooks")]
    pub skip_every_nth_update: Option<u64>,
}

impl ServerConfig {
    /// The test knob [`ServerConfig::skip_every_nth_update`], `None` in real builds.
    fn skip_every_nth_update(&self) -> Option<u64> {
        #[cfg(feature = "test-hooks")]
        return self.skip_every_nth_update;
        #[cfg(not(feature = "test-hooks"))]
        None
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: DEFAULT_BIND.to_owned(),
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            storage: Storage::Memory,
            redis: None,
            access: AccessPolicy::default(),
            limits: Limits::default(),
            reply_budgets: Budgets::default(),
            publish: Publish::Off,
            #[cfg(feature = "test-hooks")]
            skip_every_nth_update: None,
        }
    }
}

/// Why a server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The bind address is malformed.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
    /// The address is in use, not on this machine, or not allowed.
    #[error("cannot listen on {endpoint}: {source}{hint}", hint = bind_hint(*.source))]
    Bind {
        /// The address.
        endpoint: String,
        /// What libzmq said.
        source: zmq::Error,
    },
    /// The live-update publisher's address is in use, not on this machine, or not allowed.
    #[error(
        "cannot publish live updates on {endpoint}: {source}{hint}; choose another address \
         with --publish tcp://HOST:PORT, or turn live updates off with --publish off",
        hint = bind_hint(*.source)
    )]
    PublishBind {
        /// The address.
        endpoint: String,
        /// What libzmq said.
        source: zmq::Error,
    },
    /// A libzmq call failed while setting up or serving.
    #[error("ZeroMQ failed while {doing}: {source}")]
    Zmq {
        /// What the server was doing.
        doing: &'static str,
        /// What libzmq said.
        source: zmq::Error,
    },
    /// The data directory could not be loaded, or the final snapshot not written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The Redis store could not be set up.
    #[error(transparent)]
    Redis(#[from] crate::net::backend::redis::RedisStoreError),
    /// CURVE was asked for and this build cannot encrypt.
    #[error(transparent)]
    Curve(#[from] CurveError),
    /// A token and CURVE were both asked for.
    #[error(
        "a token and CURVE encryption cannot be combined (a connection uses one ZeroMQ \
         mechanism): with CURVE, admit clients by their public keys (--curve-clients)"
    )]
    TokenWithCurve,
    /// The server thread panicked (a bug).
    #[error("the server thread stopped unexpectedly")]
    Panicked,
}

impl From<BackendError> for ServerError {
    fn from(error: BackendError) -> Self {
        match error {
            BackendError::Store(error) => Self::Store(error),
            BackendError::Redis(error) => Self::Redis(error),
        }
    }
}

fn bind_hint(error: zmq::Error) -> &'static str {
    match error {
        zmq::Error::EADDRINUSE => {
            " (another program, perhaps another zlist server, is using that port: stop it or choose another port)"
        }
        zmq::Error::EADDRNOTAVAIL => {
            " (that address is not one of this machine's: use 0.0.0.0 for every interface or 127.0.0.1 for this machine only)"
        }
        zmq::Error::EACCES => {
            " (ports below 1024 need administrator rights: choose a port above 1024)"
        }
        _ => "",
    }
}

fn zmq_error(doing: &'static str) -> impl FnOnce(zmq::Error) -> ServerError {
    move |source| ServerError::Zmq { doing, source }
}

/// A running server. Dropping it stops it.
pub struct Server {
    endpoint: String,
    publish_endpoint: Option<String>,
    /// Serves a CURVE server's public key for key discovery; stops when the server drops.
    key_service: Option<KeyService>,
    /// The server's own connection to its ROUTER, over which it is told to stop.
    control: Option<zmq::Socket>,
    thread: Option<JoinHandle<Result<RemoteList, ServerError>>>,
    /// Answers authentication requests; stops after the request loop.
    zap: Option<ZapHandler>,
    /// A shared store's change-feed follower, stopped after the server loop.
    follower: Option<Follower>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("endpoint", &self.endpoint)
            .field("publish_endpoint", &self.publish_endpoint)
            .finish()
    }
}

impl Server {
    /// Binds and starts serving `list`. Returns once the server is listening, so bind
    /// errors (port in use, bad address) come back here.
    ///
    /// With [`Storage::Disk`], the data directory is locked and loaded first (errors such
    /// as damage or a directory in use come back here too), and `list` is only the initial
    /// list of a new, empty data directory: one that already holds a list ignores it.
    pub fn start(config: ServerConfig, list: RemoteList) -> Result<Self, ServerError> {
        let bind = endpoint::normalize(&config.bind, Role::Bind)?;
        if config.access.curve.is_some() {
            if config.access.token.is_some() {
                return Err(ServerError::TokenWithCurve);
            }
            if !curve::available() {
                return Err(CurveError::Unavailable.into());
            }
        }
        if let Some(options) = &config.redis {
            let backend = RedisBackend::open(options)?;
            let from = backend.live_position();
            let service = ListService::with_backend(backend, config.max_request_bytes);
            let redis = options.clone();
            return Self::serve_with(config, bind, service, move |context| {
                let (feed, feed_id) = control_peer(context, "feed")?;
                let follower = Follower::start(&redis, from, feed)?;
                Ok(Some((feed_id, follower)))
            });
        }
        let service = match &config.storage {
            Storage::Memory => ListService::new(list, config.max_request_bytes),
            Storage::Disk(options) => {
                let (store, recovered) = Store::open(options)?;
                tracing::info!(
                    "{}; journal flushed to disk: {}",
                    recovered.report,
                    options.fsync
                );
                ListService::with_store(store, recovered, list, config.max_request_bytes)?
            }
        };
        Self::serve_with(config, bind, service, |_| Ok(None))
    }

    /// Starts serving `service` on `bind`; `feed` starts a shared store's follower, whose
    /// changes the server publishes: it returns the routing id of the follower's control
    /// connection, on which they arrive.
    fn serve_with<B: ListBackend>(
        config: ServerConfig,
        bind: String,
        service: ListService<B>,
        feed: impl FnOnce(&zmq::Context) -> Result<Option<(Vec<u8>, Follower)>, ServerError>,
    ) -> Result<Self, ServerError> {
        let mut service = service;
        service.set_limits(config.limits);
        let context = zmq::Context::new();
        let (feed_id, follower) = feed(&context)?.unzip();
        // The ZAP handler must be bound before the server socket, so that no connection is
        // ever let in unchecked.
        let zap = ZapHandler::start(&context, &config.access)?;
        let router = context
            .socket(zmq::ROUTER)
            .map_err(zmq_error("creating the server socket"))?;
        configure_router(&router, &bind, config.max_request_bytes)?;
        configure_access(&router, &config.access)?;
        router.bind(&bind).map_err(|source| ServerError::Bind {
            endpoint: bind.clone(),
            source,
        })?;
        let endpoint = router
            .get_last_endpoint()
            .map_err(zmq_error("reading the bound address"))?
            .unwrap_or_else(|raw| String::from_utf8_lossy(&raw).into_owned());
        let start_publisher = |address: &str| {
            Publisher::start(
                &context,
                address,
                &config.access,
                service.epoch(),
                config.skip_every_nth_update(),
            )
        };
        let publisher = match config.publish.resolve(&bind)? {
            None => None,
            Some(address) => match start_publisher(&address) {
                // The next port is only a default: when something else holds it, any free
                // port will do (clients learn it from `zlist.hello`).
                Err(ServerError::PublishBind {
                    source: zmq::Error::EADDRINUSE,
                    ..
                }) if config.publish == Publish::NextPort => {
                    let fallback = match address.rsplit_once(':') {
                        Some((host, _)) => format!("{host}:0"),
                        None => address.clone(),
                    };
                    let publisher = start_publisher(&fallback)?;
                    tracing::warn!(
                        "{address} is in use, so live updates are published on {} instead \
                         (clients learn the port from the server; behind a firewall, open it \
                         or choose a port with --publish)",
                        publisher.endpoint
                    );
                    Some(publisher)
                }
                other => Some(other?),
            },
        };
        // Key discovery (src/net/key_service.rs): a CURVE server's public key, in plain
        // text on a port of its own, on its own thread (after the publisher,
        // whose address the operator may have chosen).
        let key_service = KeyService::beside(
            &bind,
            &endpoint,
            config.access.curve.as_ref().map(|c| &c.keys.public),
        );
        let peers = Peers {
            clients: PeerCounter::start(&context, &router, "requests")
                .map_err(zmq_error("monitoring the server socket"))?,
            subscribers: match &publisher {
                Some(publisher) => Some(
                    PeerCounter::start(&context, &publisher.socket, "updates")
                        .map_err(zmq_error("monitoring the publisher socket"))?,
                ),
                None => None,
            },
            next_drain: Instant::now() + PEER_DRAIN_INTERVAL,
        };
        service.set_access(&config.access.label());
        let publish_endpoint = publisher.as_ref().map(|p| p.endpoint.clone());
        if let Some(publish_endpoint) = &publish_endpoint {
            // Only the port: a client reaches it at the host it reached the server at, so
            // wildcard binds and NAT (an EC2 public address) work.
            let announced = match endpoint::port(publish_endpoint) {
                Some(port) if endpoint::host(publish_endpoint).is_some() => port.to_string(),
                _ => publish_endpoint.clone(),
            };
            service.announce("pub", &announced);
            tracing::info!(endpoint = %publish_endpoint, "publishing live updates");
        }

        router
            .bind(CONTROL_ENDPOINT)
            .map_err(zmq_error("binding the control endpoint"))?;
        let (control, stop_id) = control_peer(&context, "stop")?;
        let control_ids = ControlIds {
            stop: stop_id,
            feed: feed_id,
        };

        tracing::info!(%endpoint, "server listening");
        let thread = std::thread::Builder::new()
            .name("zlist-server".to_owned())
            .spawn(move || {
                let mut router = router;
                serve(
                    &mut router,
                    &control_ids,
                    publisher,
                    peers,
                    service,
                    Outbox::new(config.reply_budgets),
                )
            })
            .map_err(|_| ServerError::Panicked)?;
        Ok(Self {
            endpoint,
            publish_endpoint,
            key_service,
            control: Some(control),
            thread: Some(thread),
            zap,
            follower,
        })
    }

    /// The address the server listens on, with the real port when 0 was asked for
    /// (e.g. `tcp://127.0.0.1:41234`).
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The address a client on this machine can connect to: the bound address, with a
    /// wildcard host (`0.0.0.0`, `*`, `[::]`) replaced by loopback.
    pub fn local_endpoint(&self) -> String {
        loopback_for(&self.endpoint)
    }

    /// Where live updates are published (the real port when 0 was asked for), when they
    /// are.
    pub fn publish_endpoint(&self) -> Option<&str> {
        self.publish_endpoint.as_deref()
    }

    /// Where a CURVE server serves its public key for key discovery (the real port when 0
    /// was asked for); `None` when it does not encrypt or the key port could not be bound.
    pub fn key_endpoint(&self) -> Option<&str> {
        self.key_service.as_ref().map(KeyService::endpoint)
    }

    /// Stops serving and returns the list as it was at the end.
    pub fn stop(mut self) -> Result<RemoteList, ServerError> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> Result<RemoteList, ServerError> {
        if let Some(control) = self.control.take() {
            // If the thread already ended, nobody reads this and that is fine.
            let _ = control.send_multipart([&b""[..], STOP], zmq::DONTWAIT);
        }
        let list = match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| ServerError::Panicked)?,
            None => Ok(RemoteList::default()),
        };
        self.zap = None;
        self.follower = None;
        list
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Err(error) = self.shut_down() {
            tracing::error!("server stopped with an error: {error}");
        }
    }
}

/// A bound address with a wildcard host replaced by loopback.
fn loopback_for(bound: &str) -> String {
    match endpoint::host(bound) {
        Some(wildcard @ ("0.0.0.0" | "*")) => bound.replacen(wildcard, "127.0.0.1", 1),
        Some("[::]") => bound.replacen("[::]", "[::1]", 1),
        _ => bound.to_owned(),
    }
}

fn configure_router(
    router: &zmq::Socket,
    bind: &str,
    max_request_bytes: usize,
) -> Result<(), ServerError> {
    router.set_linger(0).map_err(zmq_error("setting linger"))?;
    router
        .set_sndtimeo(SEND_TIMEOUT.as_millis() as i32)
        .map_err(zmq_error("setting the send timeout"))?;
    // Requests up to twice the limit are read and refused with a reply; beyond that libzmq
    // drops the connection without buffering the message.
    let hard_limit = i64::try_from(max_request_bytes.saturating_mul(2)).unwrap_or(i64::MAX);
    router
        .set_maxmsgsize(hard_limit)
        .map_err(zmq_error("setting the message size limit"))?;
    if endpoint::is_ipv6(bind) {
        router.set_ipv6(true).map_err(zmq_error("enabling IPv6"))?;
    }
    Ok(())
}

/// How often the server takes in its sockets' monitor events when nobody asks for the
/// status (their queue has no limit, so that libzmq's I/O thread never waits on it).
const PEER_DRAIN_INTERVAL: Duration = Duration::from_secs(1);

/// Who is connected: counted from the sockets' monitors, for `zlist.status`. The monitors
/// are not polled with the request socket (every polled socket costs every request more
/// syscalls): they are read when a status is asked for, and once a second.
struct Peers {
    clients: PeerCounter,
    subscribers: Option<PeerCounter>,
    next_drain: Instant,
}

impl Peers {
    /// Takes in the monitors' news and tells the service the counts.
    fn report<B: ListBackend>(&mut self, service: &mut ListService<B>) {
        let subscribers = self.subscribers.as_mut().map(PeerCounter::count);
        service.set_peers(self.clients.count(), subscribers);
        self.next_drain = Instant::now() + PEER_DRAIN_INTERVAL;
    }

    /// Reports the counts when the periodic drain is due; says whether it was.
    fn tick<B: ListBackend>(&mut self, now: Instant, service: &mut ListService<B>) -> bool {
        let due = now >= self.next_drain;
        if due {
            self.report(service);
        }
        due
    }
}

/// How soon the server looks again at the requests it holds back, while it holds some:
/// a client's replies leave while libzmq's I/O thread writes them, which nothing signals
/// to this thread.
const HELD_RETRY_INTERVAL: Duration = Duration::from_millis(2);

/// The in-process endpoint of the ROUTER over which the server's owner stops it (the
/// context is the server's own, so the name is unique).
const CONTROL_ENDPOINT: &str = "inproc://zlist-server-control";

/// What the owner sends over the control connection to stop the loop.
const STOP: &[u8] = b"stop";

/// The routing ids of the server's own in-process connections to its ROUTER.
struct ControlIds {
    /// The owner's: a message on it stops the loop.
    stop: Vec<u8>,
    /// A shared store's follower's: each message on it is a live update or heartbeat to
    /// publish.
    feed: Option<Vec<u8>>,
}

/// A DEALER of the server's own connected to [`CONTROL_ENDPOINT`] (bound by the ROUTER
/// before or after), with a random routing id that no remote peer can know: `zlist-ROLE-`
/// and random hex. Returns it and its id. In-process connections skip ZAP and encryption:
/// only this process can make one.
fn control_peer(context: &zmq::Context, role: &str) -> Result<(zmq::Socket, Vec<u8>), ServerError> {
    let control = context
        .socket(zmq::DEALER)
        .map_err(zmq_error("creating a control socket"))?;
    control.set_linger(0).map_err(zmq_error("setting linger"))?;
    // A routing id that starts with a zero byte is reserved to libzmq: this one is text.
    let id = format!("zlist-{role}-{:016x}", live::Epoch::random().0).into_bytes();
    control
        .set_identity(&id)
        .map_err(zmq_error("setting a control routing id"))?;
    control
        .connect(CONTROL_ENDPOINT)
        .map_err(zmq_error("connecting a control socket"))?;
    Ok((control, id))
}

/// The server loop: answers requests, publishes every applied change and a heartbeat a
/// second, until its owner says stop over the control connection. It blocks in one
/// receive on the ROUTER (with a timeout at the next timer: the store's flush, the
/// heartbeat, the peer count, held requests), which is as few system calls per request as
/// a bare REP echo makes.
fn serve<B: ListBackend>(
    router: &mut zmq::Socket,
    control: &ControlIds,
    mut publisher: Option<Publisher>,
    mut peers: Peers,
    mut service: ListService<B>,
    mut outbox: Outbox,
) -> Result<RemoteList, ServerError> {
    let mut timeout = -1;
    loop {
        let now = Instant::now();
        let wait = [
            service.next_tick(),
            publisher
                .as_ref()
                .map(|p| p.next_wake().saturating_duration_since(now)),
            Some(peers.next_drain.saturating_duration_since(now)),
            outbox.has_held().then_some(HELD_RETRY_INTERVAL),
        ]
        .into_iter()
        .flatten()
        .min();
        // Rounded up to whole milliseconds so the loop never spins.
        let wanted = wait.map_or(-1, |wait| {
            i32::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
        });
        if wanted != timeout {
            router
                .set_rcvtimeo(wanted)
                .map_err(zmq_error("setting the receive timeout"))?;
            timeout = wanted;
        }
        let mut received = match recv_request(router) {
            Ok(request) => Some(request),
            Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => None,
            Err(source) => {
                return Err(ServerError::Zmq {
                    doing: "receiving a request",
                    source,
                });
            }
        };
        if let Some(frames) = &received
            && let Some(id) = frames.first()
        {
            if id[..] == control.stop[..] {
                break;
            }
            if control.feed.as_deref() == Some(&id[..]) {
                forward_feed(&frames[1..], &mut service, publisher.as_mut());
                received = None;
            }
        }
        service.tick();
        let now = Instant::now();
        if peers.tick(now, &mut service) {
            outbox.sweep();
            service.set_reply_queue(outbox.status());
        }
        if let Some(publisher) = &mut publisher {
            publisher.tick(now, service.version());
        }
        let mut server = Serving {
            router: &mut *router,
            service: &mut service,
            publisher: publisher.as_mut(),
            peers: &mut peers,
            outbox: &mut outbox,
        };
        // First the held requests whose clients have read since, in their order.
        for id in server.outbox.holding() {
            while let Some(request) = server.outbox.release(&id) {
                server.answer(request);
            }
        }
        if let Some(request) = received {
            match server.outbox.admit(request) {
                Admission::Now(request) => server.answer(request),
                Admission::Held | Admission::Dropped => {}
            }
        }
    }
    let list = service.close()?;
    tracing::info!("server stopped");
    Ok(list)
}

/// Publishes a live update or heartbeat that a shared store's follower read from its change
/// feed, and notes how far the server's live updates now are.
fn forward_feed<B: ListBackend>(
    frames: &[zmq::Message],
    service: &mut ListService<B>,
    publisher: Option<&mut Publisher>,
) {
    match live::decode(frames) {
        Ok(live::Published::Update(update)) => {
            service.backend_mut().followed(update.epoch, update.version);
            if let Some(publisher) = publisher {
                publisher.set_epoch(update.epoch);
                publisher.publish(update.version, &update.effect);
            }
        }
        Ok(live::Published::Heartbeat { epoch, version }) => {
            service.backend_mut().followed(epoch, version);
            if let Some(publisher) = publisher {
                publisher.set_epoch(epoch);
            }
        }
        Ok(live::Published::Welcome) | Err(_) => {}
    }
}

/// Receives one whole message as its frames, waiting up to the socket's receive timeout
/// for its first frame (the rest of a message arrives with its first frame).
fn recv_request(router: &zmq::Socket) -> Result<outbox::Request, zmq::Error> {
    let mut frames = Vec::with_capacity(3);
    loop {
        let mut frame = zmq::Message::new();
        router.recv(&mut frame, 0)?;
        let more = frame.get_more();
        frames.push(frame);
        if !more {
            return Ok(frames);
        }
    }
}

/// What answering a request needs, borrowed from the server loop.
struct Serving<'a, B: ListBackend> {
    router: &'a mut zmq::Socket,
    service: &'a mut ListService<B>,
    publisher: Option<&'a mut Publisher>,
    peers: &'a mut Peers,
    outbox: &'a mut Outbox,
}

impl<B: ListBackend> Serving<'_, B> {
    /// Handles one message from the ROUTER socket: `[peer id, envelope..., "", body...]`.
    /// A change it applied is published just before the reply goes out: libzmq's I/O
    /// thread then usually wakes once for both (each wake-up of another thread costs more
    /// than the publishing itself, in a VM especially).
    fn answer(&mut self, mut frames: outbox::Request) {
        // REP's rule: everything up to and including the first empty frame is the envelope.
        let Some(delimiter) = frames.iter().position(|frame| frame.is_empty()) else {
            tracing::debug!(
                frames = frames.len(),
                "dropped a message with no REQ envelope"
            );
            return;
        };
        let mut body = frames.split_off(delimiter + 1);
        // What the connection may do, from the user id its ZAP handshake gave it (carried
        // by the frames that came off the wire, not by the routing id ROUTER adds).
        let permission =
            Permission::of_user_id(body.last_mut().and_then(|frame| frame.gets("User-Id")));
        let Some(request) = body.last() else {
            // A REQ peer always sends a body; this is some other kind of peer.
            tracing::debug!("dropped a message with an envelope but no body");
            return;
        };
        if let Some(publisher) = &mut self.publisher {
            publisher.before_request(request);
        }
        if protocol::is_status(request) {
            // The asker's own connection is counted too: its handshake event is queued
            // before its request.
            self.peers.report(self.service);
            self.service.set_reply_queue(self.outbox.status());
        }
        if let [request] = body.as_slice() {
            trail(request, LOG_REQUEST, request);
        }
        let body: Vec<&[u8]> = body.iter().map(|frame| &frame[..]).collect();
        let handled = self.service.handle_frames_as(&body, permission);
        // A shared store's changes are published from its feed, in the store's order.
        if let (Some(publisher), Some(effect), false) =
            (&mut self.publisher, &handled.effect, B::SHARED)
        {
            publisher.publish(self.service.version(), effect);
        }
        if let Some(request) = body.last() {
            trail(request, LOG_REPLY, handled.outcome.text.as_bytes());
        }
        let id = frames[0].to_vec();
        let sent = frames
            .into_iter()
            .try_for_each(|frame| self.router.send(frame, zmq::SNDMORE))
            .and_then(|()| {
                self.outbox
                    .send_reply(self.router, &id, handled.outcome.text)
            });
        if let Err(error) = sent {
            // The peer is gone or not reading; its reply is dropped, as REP would drop it.
            tracing::debug!("reply not delivered: {error}");
        }
    }
}

/// Logs one line of the request trail: at DEBUG, except for status requests (a status
/// window asks every few seconds), which go to TRACE.
fn trail(request: &[u8], prefix: &str, text: &[u8]) {
    if protocol::is_status(request) {
        tracing::trace!("{prefix}{}", Abbreviated(text));
    } else {
        tracing::debug!("{prefix}{}", Abbreviated(text));
    }
}

/// Shows a request or reply in a log line, shortened when long.
struct Abbreviated<'a>(&'a [u8]);

impl std::fmt::Display for Abbreviated<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 200;
        let text = String::from_utf8_lossy(&self.0[..self.0.len().min(SHOWN)]);
        if self.0.len() > SHOWN {
            write!(f, "{text}… ({} bytes)", self.0.len())
        } else {
            f.write_str(&text)
        }
    }
}
