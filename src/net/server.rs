//! The zlist server: a ZeroMQ ROUTER socket doing REP's envelope handling itself, so that
//! REQ clients (the seed's included) see a REP server, while a broken peer on the raw TCP
//! port cannot stall it (a plain REP socket can be wedged that way; see
//! `docs/protocol.md`). Runs on its own thread until stopped.

use std::thread::JoinHandle;
use std::time::Duration;

use crate::net::access::{self, AccessPolicy};
use crate::net::endpoint::{self, EndpointError, Role};
use crate::net::list::RemoteList;
use crate::net::service::{DEFAULT_MAX_REQUEST_BYTES, Limits, ListService};
use crate::net::store::{Storage, Store, StoreError};

/// The seed's address: every interface, port 1234.
pub const DEFAULT_BIND: &str = "tcp://0.0.0.0:1234";

/// How long a reply may wait to be sent to a peer that stopped reading.
const SEND_TIMEOUT: Duration = Duration::from_millis(100);

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
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            bind: DEFAULT_BIND.to_owned(),
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            storage: Storage::Memory,
            access: AccessPolicy::default(),
            limits: Limits::default(),
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
    /// The server thread panicked (a bug).
    #[error("the server thread stopped unexpectedly")]
    Panicked,
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
    stop: Option<zmq::Socket>,
    thread: Option<JoinHandle<Result<RemoteList, ServerError>>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("endpoint", &self.endpoint)
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
        let mut service = service;
        service.set_limits(config.limits);
        let context = zmq::Context::new();
        // The ZAP handler must be bound before the server socket, so that no connection is
        // ever let in unchecked.
        let zap = start_zap_handler(&context, &config.access)?;
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

        let stop_address = "inproc://zlist-server-stop";
        let stop_rx = context
            .socket(zmq::PAIR)
            .map_err(zmq_error("creating the stop socket"))?;
        stop_rx
            .bind(stop_address)
            .map_err(zmq_error("binding the stop socket"))?;
        let stop_tx = context
            .socket(zmq::PAIR)
            .map_err(zmq_error("creating the stop socket"))?;
        stop_tx
            .connect(stop_address)
            .map_err(zmq_error("connecting the stop socket"))?;

        tracing::info!(%endpoint, "server listening");
        let thread = std::thread::Builder::new()
            .name("zlist-server".to_owned())
            .spawn(move || {
                serve(
                    &router,
                    &stop_rx,
                    zap.map(|zap| (zap, config.access)),
                    service,
                )
            })
            .map_err(|_| ServerError::Panicked)?;
        Ok(Self {
            endpoint,
            stop: Some(stop_tx),
            thread: Some(thread),
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
        match endpoint::host(&self.endpoint) {
            Some(wildcard @ ("0.0.0.0" | "*")) => self.endpoint.replacen(wildcard, "127.0.0.1", 1),
            Some("[::]") => self.endpoint.replacen("[::]", "[::1]", 1),
            _ => self.endpoint.clone(),
        }
    }

    /// Stops serving and returns the list as it was at the end.
    pub fn stop(mut self) -> Result<RemoteList, ServerError> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> Result<RemoteList, ServerError> {
        if let Some(stop) = self.stop.take() {
            // If the thread already ended, nobody reads this and that is fine.
            let _ = stop.send("", zmq::DONTWAIT);
        }
        match self.thread.take() {
            Some(thread) => thread.join().map_err(|_| ServerError::Panicked)?,
            None => Ok(RemoteList::default()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Err(error) = self.shut_down() {
            tracing::error!("server stopped with an error: {error}");
        }
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

/// Binds the ZAP handler's socket when the policy needs one.
fn start_zap_handler(
    context: &zmq::Context,
    policy: &AccessPolicy,
) -> Result<Option<zmq::Socket>, ServerError> {
    if !policy.needs_handler() {
        return Ok(None);
    }
    let zap = context
        .socket(zmq::REP)
        .map_err(zmq_error("creating the authentication socket"))?;
    zap.set_linger(0).map_err(zmq_error("setting linger"))?;
    zap.bind(access::ZAP_ENDPOINT)
        .map_err(zmq_error("binding the authentication socket"))?;
    Ok(Some(zap))
}

/// Turns on authentication on the server socket: every connection goes through ZAP, and
/// with a token the PLAIN mechanism is required.
fn configure_access(router: &zmq::Socket, policy: &AccessPolicy) -> Result<(), ServerError> {
    if !policy.needs_handler() {
        return Ok(());
    }
    router
        .set_zap_domain(access::ZAP_DOMAIN)
        .map_err(zmq_error("setting the ZAP domain"))?;
    if policy.needs_plain() {
        router
            .set_plain_server(true)
            .map_err(zmq_error("enabling PLAIN authentication"))?;
    }
    Ok(())
}

/// The server loop: answers requests (and authentication requests) until the stop socket
/// speaks.
fn serve(
    router: &zmq::Socket,
    stop: &zmq::Socket,
    zap: Option<(zmq::Socket, AccessPolicy)>,
    mut service: ListService,
) -> Result<RemoteList, ServerError> {
    loop {
        let mut items = vec![
            router.as_poll_item(zmq::POLLIN),
            stop.as_poll_item(zmq::POLLIN),
        ];
        if let Some((zap, _)) = &zap {
            items.push(zap.as_poll_item(zmq::POLLIN));
        }
        // Wake up for the store's periodic work (the `everysec` flush), rounded up to whole
        // milliseconds so the loop never spins.
        let timeout = service.next_tick().map_or(-1, |wait| {
            i64::try_from(wait.as_micros().div_ceil(1000)).unwrap_or(i64::MAX)
        });
        zmq::poll(&mut items, timeout).map_err(zmq_error("waiting for requests"))?;
        service.tick();
        if items[1].is_readable() {
            break;
        }
        if let Some((zap, policy)) = &zap
            && items[2].is_readable()
        {
            answer_zap(zap, policy)?;
        }
        // Answer what is queued now, a bounded batch, then look at the stop socket again.
        for _ in 0..256 {
            match router.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => answer(router, &mut service, frames),
                Err(zmq::Error::EAGAIN) => break,
                Err(zmq::Error::EINTR) => continue,
                Err(source) => {
                    return Err(ServerError::Zmq {
                        doing: "receiving a request",
                        source,
                    });
                }
            }
        }
    }
    let list = service.close()?;
    tracing::info!("server stopped");
    Ok(list)
}

/// Answers one authentication request from libzmq.
fn answer_zap(zap: &zmq::Socket, policy: &AccessPolicy) -> Result<(), ServerError> {
    let request = match zap.recv_multipart(zmq::DONTWAIT) {
        Ok(request) => request,
        Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => return Ok(()),
        Err(source) => {
            return Err(ServerError::Zmq {
                doing: "receiving an authentication request",
                source,
            });
        }
    };
    zap.send_multipart(policy.answer_zap(&request), 0)
        .map_err(zmq_error("answering an authentication request"))
}

/// Handles one message from the ROUTER socket: `[peer id, envelope..., "", body...]`.
fn answer(router: &zmq::Socket, service: &mut ListService, mut frames: Vec<Vec<u8>>) {
    // REP's rule: everything up to and including the first empty frame is the envelope.
    let Some(delimiter) = frames.iter().position(Vec::is_empty) else {
        tracing::debug!(
            frames = frames.len(),
            "dropped a message with no REQ envelope"
        );
        return;
    };
    let body = frames.split_off(delimiter + 1);
    let handled = if body.is_empty() {
        // A REQ peer always sends a body; this is some other kind of peer.
        tracing::debug!("dropped a message with an envelope but no body");
        return;
    } else {
        if let [request] = body.as_slice() {
            tracing::debug!("request received: {}", Abbreviated(request));
        }
        service.handle_frames(&body)
    };
    tracing::debug!("reply: {}", Abbreviated(handled.outcome.text.as_bytes()));
    frames.push(handled.outcome.text.into_bytes());
    if let Err(error) = router.send_multipart(frames, 0) {
        // The peer is gone or not reading; its reply is dropped, as REP would drop it.
        tracing::debug!("reply not delivered: {error}");
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
