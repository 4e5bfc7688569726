//! The worker thread: owns the REQ socket and its monitor (and, for a live client, the SUB
//! socket of the server's updates) and runs queued requests one at a time, Lazy Pirate
//! style (poll with a timeout, then close, reopen and retry).
//!
//! The worker never blocks for long: when idle it polls its wake-up socket (the handle
//! pings it after every order), the monitor and the SUB socket in short slices; while a
//! request is in flight it polls the REQ, monitor and SUB sockets in short slices and reads
//! new orders between slices. So updates flow while a request waits for its reply. Closing
//! the order channel (dropping the handle) stops it within one slice.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use super::{
    ClientEvent, ConnectionState, DebugLine, LiveState, NotLive, Order, Queued, Reply,
    RequestFailure, RequestId, Waker,
};
use crate::net::access::{self, Token};
use crate::net::curve::ClientKeys;
use crate::net::endpoint::{self, Role};
use crate::net::live::{self, Step, Tracker};
use crate::net::monitor::{self, parse_monitor_frame};
use crate::net::protocol::{self, Command, RequestError, ServerKind};
use crate::net::repr;

/// The longest the worker goes without looking at its orders and the monitor.
const SLICE: Duration = Duration::from_millis(25);

/// How long a live client waits before asking again after a failed snapshot.
const SNAPSHOT_RETRY: Duration = Duration::from_secs(2);

/// How long a live client waits before asking `zlist.hello` again when nobody answered.
const HELLO_RETRY: Duration = Duration::from_secs(5);

/// Most published messages read in one go (then orders and the REQ socket get a look).
const LIVE_BATCH: usize = 10_000;

/// Unreadable published messages are reported at most this often.
const BAD_MESSAGE_REPORT: Duration = Duration::from_secs(5);

/// Every socket instance gets its own monitor address.
static MONITOR_SERIAL: AtomicU64 = AtomicU64::new(0);

/// The worker's settings, already checked.
pub(crate) struct Config {
    pub(crate) endpoint: String,
    pub(crate) timeout: Duration,
    pub(crate) tries: u32,
    pub(crate) token: Option<Token>,
    pub(crate) curve: Option<ClientKeys>,
    pub(crate) live: bool,
}

/// The event channel and the waker.
pub(crate) struct Events {
    tx: Sender<ClientEvent>,
    waker: Waker,
}

impl Events {
    pub(crate) fn new(tx: Sender<ClientEvent>, waker: Waker) -> Self {
        Self { tx, waker }
    }

    fn emit(&self, event: ClientEvent) {
        // A driver that dropped its receiver no longer cares; the worker goes on until
        // the handle is dropped.
        if self.tx.send(event).is_ok() {
            (self.waker)();
        }
    }

    fn debug(&self, level: tracing::Level, text: impl Into<String>) {
        self.emit(ClientEvent::Debug(DebugLine {
            at: SystemTime::now(),
            level,
            text: text.into(),
        }));
    }
}

/// Runs the worker until the order channel closes. `wake` is the PULL end the handle
/// pings after every order.
pub(crate) fn run(
    config: Config,
    context: zmq::Context,
    wake: zmq::Socket,
    orders: Receiver<Order>,
    events: Events,
) {
    let mut worker = Worker {
        context,
        client_id: random_client_id(),
        seq: 0,
        socket: None,
        server: None,
        state: ConnectionState::Connecting,
        refused: None,
        queue: VecDeque::new(),
        orders,
        events,
        hello_due: config.live.then(Instant::now),
        config,
        wake,
        live: None,
        live_state: None,
    };
    worker.events.emit(ClientEvent::Connection(worker.state));
    worker.events.debug(
        tracing::Level::DEBUG,
        format!(
            "Cliente tentando conectar ao servidor {}",
            worker.config.endpoint
        ),
    );
    worker.reopen();
    worker.serve();
    worker.stop();
}

/// The subscription to a server's live updates.
struct LiveLink {
    sub: zmq::Socket,
    /// The publisher's address.
    endpoint: String,
    tracker: Tracker,
    /// Whether anything came since subscribing: the subscription is in place, so a
    /// snapshot asked for now is followed by every later update.
    heard: bool,
    /// When the last message came (or the subscription was opened).
    heard_at: Instant,
    /// Nothing came for [`live::SILENCE_LIMIT`].
    silent: bool,
    /// The last snapshot failed, and why; no snapshot is asked for before `retry_at`.
    failure: Option<NotLive>,
    retry_at: Instant,
    /// Unreadable messages not reported yet, and when the last report was.
    bad_unreported: u64,
    bad_reported_at: Option<Instant>,
}

impl LiveLink {
    fn new(sub: zmq::Socket, endpoint: String) -> Self {
        let now = Instant::now();
        Self {
            sub,
            endpoint,
            tracker: Tracker::default(),
            heard: false,
            heard_at: now,
            silent: false,
            failure: None,
            retry_at: now,
            bad_unreported: 0,
            bad_reported_at: None,
        }
    }

    /// What the driver is told about it.
    fn state(&self) -> LiveState {
        if self.silent {
            LiveState::Unavailable(NotLive::Silent {
                endpoint: self.endpoint.clone(),
                after: live::SILENCE_LIMIT,
            })
        } else if let Some(failure) = &self.failure {
            LiveState::Unavailable(failure.clone())
        } else if self.tracker.is_waiting() {
            LiveState::Resyncing
        } else {
            LiveState::Live
        }
    }
}

/// Whether the server is known, after asking if needed.
enum Hello {
    Known,
    TimedOut,
    Refused(Refusal),
    Stop,
}

/// A REQ socket and the PAIR socket that reads its monitor.
struct Link {
    req: zmq::Socket,
    monitor: zmq::Socket,
}

impl Drop for Link {
    fn drop(&mut self) {
        // The monitor stops before either socket closes: an event sent to a reader that is
        // gone would wedge the context, and every later socket with it.
        monitor::stop(&mut self.req);
    }
}

/// How one exchange (one request sent, one reply awaited) ended.
/// Why a handshake failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// The server refused authentication (wrong or missing token, address not admitted).
    Auth,
    /// The peer does not complete a ZeroMQ handshake with us (another security mechanism,
    /// i.e. a token we did not give, or no ZeroMQ server at all).
    Handshake,
}

enum Exchange {
    Reply {
        text: String,
        round_trip: Duration,
    },
    TimedOut,
    /// The handshake failed: retrying would fail the same way.
    Refused(Refusal),
    Stop,
}

/// Whether the worker goes on after a request.
enum Flow {
    Continue,
    Stop,
}

struct Worker {
    context: zmq::Context,
    client_id: String,
    seq: u64,
    socket: Option<Link>,
    /// Who answered `zlist.hello` on this connection; `None` until asked.
    server: Option<ServerKind>,
    state: ConnectionState,
    /// Set when the handshake fails during the current exchange.
    refused: Option<Refusal>,
    queue: VecDeque<Queued>,
    orders: Receiver<Order>,
    events: Events,
    config: Config,
    /// Pinged by the handle after every order.
    wake: zmq::Socket,
    /// A live client asks `zlist.hello` by itself at this time, if no request did.
    hello_due: Option<Instant>,
    /// The subscription to the server's updates (live clients of a publishing server).
    live: Option<LiveLink>,
    /// The live state last reported.
    live_state: Option<LiveState>,
}

impl Worker {
    /// The main loop: wait for orders, run requests in order; between requests, fetch a
    /// snapshot when the live list needs one.
    fn serve(&mut self) {
        loop {
            if !self.drain_orders() {
                return;
            }
            let flow = if let Some(request) = self.queue.pop_front() {
                self.run_request(request)
            } else if self.snapshot_due() {
                self.run_snapshot()
            } else if self.hello_due() {
                self.run_eager_hello()
            } else {
                self.wait_idle();
                Flow::Continue
            };
            if let Flow::Stop = flow {
                return;
            }
        }
    }

    /// Waits at most a slice for a wake-up, a monitor event or a published message, and
    /// handles the last two.
    fn wait_idle(&mut self) {
        let mut items = vec![self.wake.as_poll_item(zmq::POLLIN)];
        if let Some(link) = &self.socket {
            items.push(link.monitor.as_poll_item(zmq::POLLIN));
        }
        if let Some(live) = &self.live {
            items.push(live.sub.as_poll_item(zmq::POLLIN));
        }
        let millis = i64::try_from(SLICE.as_millis()).unwrap_or(i64::MAX);
        if let Err(error) = zmq::poll(&mut items, millis)
            && error != zmq::Error::EINTR
        {
            tracing::warn!("cannot wait for the client's sockets: {error}");
            std::thread::sleep(SLICE);
        }
        drop(items);
        // The wake-ups carry nothing: the orders are on the channel.
        while self.wake.recv_bytes(zmq::DONTWAIT).is_ok() {}
        self.drain_monitor();
        self.drain_live();
        self.check_live_silence();
    }

    /// Reports everything unfinished as stopped and closes the sockets.
    fn stop(&mut self) {
        for request in std::mem::take(&mut self.queue) {
            self.fail(request.id, &request.text, RequestFailure::Stopped);
        }
        self.socket = None;
        self.live = None;
    }

    fn take_order(&mut self, order: Order) {
        match order {
            Order::Request(request) => self.queue.push_back(request),
            Order::CancelQueued => {
                let ids: Vec<RequestId> = self.queue.drain(..).map(|r| r.id).collect();
                if !ids.is_empty() {
                    self.events.debug(
                        tracing::Level::INFO,
                        format!("{} pedido(s) na fila cancelado(s).", ids.len()),
                    );
                    self.events.emit(ClientEvent::Cancelled(ids));
                }
            }
            Order::Resync => {
                if let Some(live) = &mut self.live {
                    live.tracker.want_snapshot();
                    live.failure = None;
                    live.retry_at = Instant::now();
                    self.events.debug(
                        tracing::Level::INFO,
                        "Nova cópia da lista pedida pelo programa.",
                    );
                    self.report_live();
                }
            }
        }
    }

    /// Reads the orders that arrived; `false` when the handle is gone.
    fn drain_orders(&mut self) -> bool {
        loop {
            match self.orders.try_recv() {
                Ok(order) => self.take_order(order),
                Err(TryRecvError::Empty) => return true,
                Err(TryRecvError::Disconnected) => return false,
            }
        }
    }

    fn fail(&self, id: RequestId, request: &str, error: RequestFailure) {
        self.events.debug(
            tracing::Level::ERROR,
            format!("Pedido '{request}' falhou: {}", failure_pt(&error)),
        );
        self.events.emit(ClientEvent::Failed {
            id,
            request: request.to_owned(),
            error,
        });
    }

    /// Runs one request through all its tries.
    fn run_request(&mut self, request: Queued) -> Flow {
        let Queued { id, text, command } = request;
        let is_change = command.as_ref().is_some_and(Command::is_change);
        // Set once the change has gone out: from then on only a tagged retry may resend it.
        let mut tagged_wire: Option<String> = None;
        let tries = self.config.tries;
        for attempt in 1..=tries {
            match self.ensure_server(attempt) {
                Hello::Known => {}
                Hello::TimedOut => continue,
                Hello::Refused(refusal) => return self.refused(id, &text, refusal),
                Hello::Stop => return self.stopped(id, &text),
            }
            let server_tags = self
                .server
                .as_ref()
                .is_some_and(|kind| kind.feature("tags").is_some_and(|v| v != "0"));
            if is_change && !server_tags && tagged_wire.is_some() {
                // Sent tagged to a zlist server, and now a seed server answers: resending
                // plain could apply it twice.
                return self.change_not_retried(id, &text);
            }
            if !server_tags && let Some(refusal) = seed_would_crash(&text) {
                self.answer_locally(id, &text, command, &refusal);
                return Flow::Continue;
            }
            let wire = if is_change && server_tags {
                tagged_wire
                    .get_or_insert_with(|| {
                        self.seq += 1;
                        format!(
                            "{} {}:{} {text}",
                            protocol::TAGGED,
                            self.client_id,
                            self.seq
                        )
                    })
                    .clone()
            } else {
                text.clone()
            };
            self.events.debug(
                trail_level(&text),
                format!("Enviando comando ao servidor: {text}"),
            );
            if wire != text {
                self.events.debug(
                    tracing::Level::DEBUG,
                    format!(
                        "(etiquetado para o servidor zlist, aplicado no máximo uma vez: {})",
                        wire.split(' ').take(2).collect::<Vec<_>>().join(" ")
                    ),
                );
            }
            match self.exchange(&wire) {
                Exchange::Reply {
                    text: reply,
                    round_trip,
                } => {
                    self.deliver(id, text, command, reply, round_trip, attempt);
                    return Flow::Continue;
                }
                Exchange::TimedOut => {
                    self.timed_out(attempt);
                    if is_change && !server_tags {
                        return self.change_not_retried(id, &text);
                    }
                }
                Exchange::Refused(refusal) => return self.refused(id, &text, refusal),
                Exchange::Stop => return self.stopped(id, &text),
            }
        }
        self.set_state(ConnectionState::Unreachable { tries });
        self.fail(
            id,
            &text,
            RequestFailure::NoReply {
                endpoint: self.config.endpoint.clone(),
                tries,
                timeout: self.config.timeout,
            },
        );
        Flow::Continue
    }

    fn refused(&mut self, id: RequestId, text: &str, refusal: Refusal) -> Flow {
        let endpoint = self.config.endpoint.clone();
        let error = match refusal {
            Refusal::Auth => RequestFailure::Refused { endpoint },
            Refusal::Handshake => RequestFailure::HandshakeFailed { endpoint },
        };
        self.fail(id, text, error);
        Flow::Continue
    }

    fn stopped(&mut self, id: RequestId, text: &str) -> Flow {
        self.fail(id, text, RequestFailure::Stopped);
        Flow::Stop
    }

    fn change_not_retried(&mut self, id: RequestId, text: &str) -> Flow {
        self.fail(
            id,
            text,
            RequestFailure::ChangeNotRetried {
                endpoint: self.config.endpoint.clone(),
                timeout: self.config.timeout,
            },
        );
        Flow::Continue
    }

    /// Asks `zlist.hello` unless this connection's server is known already.
    fn ensure_server(&mut self, attempt: u32) -> Hello {
        if self.server.is_some() {
            return Hello::Known;
        }
        match self.hello() {
            Exchange::Reply { text: reply, .. } => {
                self.learn_server(&reply);
                Hello::Known
            }
            Exchange::TimedOut => {
                self.timed_out(attempt);
                Hello::TimedOut
            }
            Exchange::Refused(refusal) => Hello::Refused(refusal),
            Exchange::Stop => Hello::Stop,
        }
    }

    /// Takes the reply to `zlist.hello`: reports the server, and follows its updates.
    fn learn_server(&mut self, reply: &str) {
        let kind = ServerKind::from_hello_reply(reply);
        self.announce_server(&kind);
        self.follow(&kind);
        self.server = Some(kind);
    }

    /// Whether a live client should ask `zlist.hello` by itself now.
    fn hello_due(&self) -> bool {
        self.server.is_none() && self.hello_due.is_some_and(|due| Instant::now() >= due)
    }

    /// A live client's own `zlist.hello`, so that it subscribes without waiting for a
    /// request. One try: nobody answering is tried again a while later, quietly (the
    /// connection state and the next request say the rest), so a request queued meanwhile
    /// waits at most one timeout.
    fn run_eager_hello(&mut self) -> Flow {
        self.hello_due = Some(Instant::now() + HELLO_RETRY);
        match self.hello() {
            Exchange::Reply { text: reply, .. } => self.learn_server(&reply),
            Exchange::TimedOut => {
                self.events.debug(
                    tracing::Level::WARN,
                    format!(
                        "Sem resposta de {} a {} em {}; nova tentativa em {}.",
                        self.config.endpoint,
                        protocol::HELLO,
                        super::Secs(self.config.timeout),
                        super::Secs(HELLO_RETRY)
                    ),
                );
                // A REQ socket that got no reply cannot send again.
                self.reopen();
            }
            // The state says why; the next request reports it in words.
            Exchange::Refused(_) => self.hello_due = None,
            Exchange::Stop => return Flow::Stop,
        }
        Flow::Continue
    }

    /// After a `zlist.hello`: a live client subscribes to the publisher the server
    /// announces (keeping a subscription to the same one), or says there is none.
    fn follow(&mut self, kind: &ServerKind) {
        if !self.config.live {
            return;
        }
        self.hello_due = None;
        let Some(announced) = kind.feature("pub") else {
            if self.live.take().is_some() {
                self.events.debug(
                    tracing::Level::INFO,
                    "O servidor não publica mais atualizações; assinatura encerrada.",
                );
            }
            self.set_live(LiveState::Unavailable(NotLive::NotPublished));
            return;
        };
        let Some(endpoint) = publisher_endpoint(&self.config.endpoint, announced) else {
            self.live = None;
            self.set_live(LiveState::Unavailable(NotLive::BadAnnouncement(
                announced.to_owned(),
            )));
            return;
        };
        if self.live.as_ref().is_some_and(|l| l.endpoint == endpoint) {
            return;
        }
        self.live = None;
        match self.subscribe(&endpoint) {
            Ok(sub) => {
                self.events.debug(
                    tracing::Level::INFO,
                    format!(
                        "Assinando as atualizações ao vivo em {endpoint} (PUB/SUB); a lista \
                         vem inteira uma vez (zlist.snapshot) e depois só as mudanças."
                    ),
                );
                self.live = Some(LiveLink::new(sub, endpoint));
                self.report_live();
            }
            Err((doing, error)) => {
                self.set_live(LiveState::Unavailable(NotLive::Subscribe {
                    endpoint,
                    reason: format!("{doing}: {error}"),
                }));
            }
        }
    }

    /// A SUB socket on the publisher, with the same credentials as the REQ socket.
    fn subscribe(&self, endpoint: &str) -> Result<zmq::Socket, (&'static str, zmq::Error)> {
        let sub = self
            .context
            .socket(zmq::SUB)
            .map_err(|e| ("criar o socket SUB", e))?;
        sub.set_linger(0).map_err(|e| ("ZMQ_LINGER", e))?;
        sub.set_rcvhwm(live::HIGH_WATER_MARK)
            .map_err(|e| ("ZMQ_RCVHWM", e))?;
        self.set_credentials(&sub)?;
        if endpoint::is_ipv6(endpoint) {
            sub.set_ipv6(true).map_err(|e| ("ZMQ_IPV6", e))?;
        }
        sub.set_subscribe(b"").map_err(|e| ("ZMQ_SUBSCRIBE", e))?;
        sub.connect(endpoint).map_err(|e| ("connect", e))?;
        Ok(sub)
    }

    /// Whether the live list needs a snapshot and may ask for one now.
    fn snapshot_due(&self) -> bool {
        self.live.as_ref().is_some_and(|live| {
            live.heard && live.tracker.is_waiting() && Instant::now() >= live.retry_at
        })
    }

    /// Fetches a snapshot through the request socket, with the usual tries.
    fn run_snapshot(&mut self) -> Flow {
        let tries = self.config.tries;
        for attempt in 1..=tries {
            match self.ensure_server(attempt) {
                Hello::Known => {}
                Hello::TimedOut => continue,
                Hello::Refused(_) => {
                    self.snapshot_failed("a conexão foi recusada".to_owned());
                    return Flow::Continue;
                }
                Hello::Stop => return Flow::Stop,
            }
            // The hello may have turned live updates off, or moved them.
            if !self.snapshot_due() {
                return Flow::Continue;
            }
            self.events.debug(
                tracing::Level::DEBUG,
                format!(
                    "Pedindo a lista com sua versão ({}) para acompanhar as mudanças ao vivo",
                    protocol::SNAPSHOT
                ),
            );
            match self.exchange(protocol::SNAPSHOT) {
                Exchange::Reply { text, round_trip } => {
                    self.take_snapshot(&text, round_trip);
                    return Flow::Continue;
                }
                Exchange::TimedOut => self.timed_out(attempt),
                Exchange::Refused(_) => {
                    self.snapshot_failed("a conexão foi recusada".to_owned());
                    return Flow::Continue;
                }
                Exchange::Stop => return Flow::Stop,
            }
        }
        self.set_state(ConnectionState::Unreachable { tries });
        self.snapshot_failed(format!(
            "sem resposta de {} após {tries} tentativa(s)",
            self.config.endpoint
        ));
        Flow::Continue
    }

    /// Reads the reply to `zlist.snapshot`, hands the list and the updates held since to
    /// the driver.
    fn take_snapshot(&mut self, text: &str, round_trip: Duration) {
        let snapshot = match live::parse_snapshot_reply(text) {
            Ok(snapshot) => snapshot,
            Err(error) => {
                self.snapshot_failed(error.to_string());
                return;
            }
        };
        let Some(link) = &mut self.live else { return };
        let after =
            link.tracker
                .on_snapshot(snapshot.epoch, snapshot.version, snapshot.items.len());
        link.failure = None;
        self.events.debug(
            tracing::Level::INFO,
            format!(
                "Lista recebida: {} elemento(s), versão {} do servidor (época {}), em {} ms; \
                 {} atualização(ões) guardada(s) aplicada(s) por cima.",
                snapshot.items.len(),
                snapshot.version,
                snapshot.epoch,
                round_trip.as_millis(),
                after.deliver.len()
            ),
        );
        self.events.emit(ClientEvent::Snapshot {
            epoch: snapshot.epoch,
            version: snapshot.version,
            items: snapshot.items,
        });
        for (version, effect) in after.deliver {
            self.events.emit(ClientEvent::Update { version, effect });
        }
        if let Some(why) = after.resync {
            self.resync_needed(&why);
        }
        self.report_live();
    }

    /// A snapshot could not be had: say why, and ask again a little later.
    fn snapshot_failed(&mut self, reason: String) {
        self.events.debug(
            tracing::Level::ERROR,
            format!(
                "Não foi possível obter a lista com sua versão ({}): {reason}. Nova \
                 tentativa em {}.",
                protocol::SNAPSHOT,
                super::Secs(SNAPSHOT_RETRY)
            ),
        );
        if let Some(live) = &mut self.live {
            live.failure = Some(NotLive::Snapshot(reason));
            live.retry_at = Instant::now() + SNAPSHOT_RETRY;
        }
        self.report_live();
    }

    /// Reads the published messages waiting (a bounded batch).
    fn drain_live(&mut self) {
        for _ in 0..LIVE_BATCH {
            let Some(live) = &mut self.live else { return };
            let frames = match live.sub.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => frames,
                Err(zmq::Error::EAGAIN) => break,
                Err(zmq::Error::EINTR) => continue,
                Err(error) => {
                    tracing::warn!("cannot read the update subscription: {error}");
                    break;
                }
            };
            live.heard = true;
            live.heard_at = Instant::now();
            live.silent = false;
            match live::decode(&frames) {
                Ok(message) => match live.tracker.on_published(message) {
                    Step::Deliver(version, effect) => {
                        self.events.emit(ClientEvent::Update { version, effect });
                    }
                    Step::Nothing => {}
                    Step::Resync(why) => self.resync_needed(&why),
                },
                Err(error) => self.bad_message(&error),
            }
        }
        self.report_live();
    }

    fn resync_needed(&self, why: &live::Resync) {
        let why = match why {
            live::Resync::Gap { expected, got } => {
                format!("chegou a atualização {got} quando se esperava a {expected}")
            }
            live::Resync::Behind { have, server } => format!(
                "o servidor está na versão {server} e este cliente na {have} (atualização perdida)"
            ),
            live::Resync::NewEpoch => "o servidor reiniciou (nova época)".to_owned(),
            live::Resync::Reconnected => {
                "a assinatura reconectou (atualizações podem ter se perdido)".to_owned()
            }
            live::Resync::Misfit(error) => {
                format!("uma atualização não cabe na lista ({error})")
            }
        };
        self.events.debug(
            tracing::Level::INFO,
            format!("Ressincronizando: {why}; pedindo a lista de novo."),
        );
    }

    /// An unreadable published message: reported (at most every few seconds), then
    /// ignored. If it was an update, the gap shows at the next one and the list resyncs.
    fn bad_message(&mut self, error: &live::LiveError) {
        let Some(live) = &mut self.live else { return };
        live.bad_unreported += 1;
        let now = Instant::now();
        if live
            .bad_reported_at
            .is_some_and(|at| now.duration_since(at) < BAD_MESSAGE_REPORT)
        {
            return;
        }
        let count = std::mem::take(&mut live.bad_unreported);
        live.bad_reported_at = Some(now);
        let endpoint = live.endpoint.clone();
        self.events.debug(
            tracing::Level::WARN,
            format!(
                "Mensagem inválida de {endpoint} ignorada ({count} desde o último aviso): \
                 {error}. Se era uma atualização, a lista será pedida de novo."
            ),
        );
    }

    /// Says the publisher is silent once nothing came for [`live::SILENCE_LIMIT`].
    fn check_live_silence(&mut self) {
        let Some(live) = &mut self.live else { return };
        if !live.silent && live.heard_at.elapsed() >= live::SILENCE_LIMIT {
            live.silent = true;
            self.report_live();
        }
    }

    /// Reports the live state if it changed.
    fn report_live(&mut self) {
        if let Some(state) = self.live.as_ref().map(LiveLink::state) {
            self.set_live(state);
        }
    }

    /// Records and reports a new live state, with a line in the trail.
    fn set_live(&mut self, state: LiveState) {
        if self.live_state.as_ref() == Some(&state) {
            return;
        }
        let (level, line) = match &state {
            LiveState::Live => (
                tracing::Level::INFO,
                "Lista ao vivo: as mudanças de todos os clientes chegam sozinhas.".to_owned(),
            ),
            LiveState::Resyncing => (
                tracing::Level::DEBUG,
                "Sincronizando a lista ao vivo...".to_owned(),
            ),
            LiveState::Unavailable(why) => (tracing::Level::WARN, not_live_pt(why)),
        };
        self.events.debug(level, line);
        self.live_state = Some(state.clone());
        self.events.emit(ClientEvent::Live(state));
    }

    /// Asks the server which protocol it speaks.
    fn hello(&mut self) -> Exchange {
        self.events.debug(
            tracing::Level::DEBUG,
            format!(
                "Perguntando ao servidor qual protocolo ele fala ({})",
                protocol::HELLO
            ),
        );
        self.exchange(protocol::HELLO)
    }

    fn announce_server(&self, kind: &ServerKind) {
        let line = match kind {
            ServerKind::Zlist { version, .. } => format!(
                "Servidor zlist (extensões versão {version}): alterações vão etiquetadas e \
                 nunca são aplicadas duas vezes."
            ),
            ServerKind::Seed => "Servidor do protocolo original (seed): uma alteração sem \
                                 resposta não será reenviada automaticamente."
                .to_owned(),
        };
        self.events.debug(tracing::Level::INFO, line);
        self.events.emit(ClientEvent::Server(kind.clone()));
    }

    /// After a try without reply: Lazy Pirate's close and reopen.
    fn timed_out(&mut self, attempt: u32) {
        let more = if attempt < self.config.tries {
            "reabrindo o socket e tentando de novo"
        } else {
            "desistindo"
        };
        self.events.debug(
            tracing::Level::WARN,
            format!(
                "Sem resposta em {} (tentativa {attempt} de {}); {more}.",
                super::Secs(self.config.timeout),
                self.config.tries
            ),
        );
        self.reopen();
    }

    /// Answers a request without sending it: a seed server would crash on it.
    fn answer_locally(
        &mut self,
        id: RequestId,
        text: &str,
        command: Option<Command>,
        refusal: &RequestError,
    ) {
        self.events.debug(
            tracing::Level::WARN,
            format!(
                "Pedido {text:?} não enviado: o servidor original (seed) travaria com ele. {refusal}"
            ),
        );
        self.events.emit(ClientEvent::Reply(Reply {
            id,
            request: text.to_owned(),
            command,
            text: refusal.to_string(),
            is_error: true,
            round_trip: Duration::ZERO,
            tries: 0,
        }));
    }

    fn deliver(
        &mut self,
        id: RequestId,
        request: String,
        command: Option<Command>,
        text: String,
        round_trip: Duration,
        tries: u32,
    ) {
        self.events.debug(
            trail_level(&request),
            format!("Resposta recebida do servidor: {text}"),
        );
        let mut is_error = protocol::is_error_reply(command.as_ref(), &text);
        let mut items = None;
        if command == Some(Command::Show) && !is_error {
            match repr::parse_list_repr(&text) {
                Ok(list) => items = Some(list),
                Err(error) => {
                    is_error = true;
                    self.events.debug(
                        tracing::Level::ERROR,
                        format!(
                            "A resposta a {} não é uma lista no formato esperado \
                             (['a', 'b']): {error}",
                            protocol::SHOW
                        ),
                    );
                }
            }
        }
        self.events.emit(ClientEvent::Reply(Reply {
            id,
            request,
            command,
            text,
            is_error,
            round_trip,
            tries,
        }));
        if let Some(items) = items {
            self.events.emit(ClientEvent::List { id, items });
        }
    }

    /// Sends one request and waits at most the timeout for its reply.
    fn exchange(&mut self, wire: &str) -> Exchange {
        let started = Instant::now();
        let deadline = started + self.config.timeout;
        if self.socket.is_none() {
            self.reopen();
        }
        // A refusal may have come before anything was sent (while idle, say): this
        // connection will not be served, so nothing is sent on it.
        self.drain_monitor();
        if let Some(refusal) = self.refused.take() {
            return self.refused_on_this_socket(refusal);
        }
        let mut sent = false;
        if let Some(link) = &self.socket {
            match link.req.send(wire, zmq::DONTWAIT) {
                Ok(()) => sent = true,
                Err(error) => self.events.debug(
                    tracing::Level::ERROR,
                    format!("Não foi possível enviar o pedido: {error}"),
                ),
            }
        }
        if sent {
            self.events
                .debug(trail_level(wire), "Aguardando resposta do servidor...");
        }
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Exchange::TimedOut;
            }
            let slice = (deadline - now).min(SLICE);
            if !self.drain_orders() {
                return Exchange::Stop;
            }
            let Some(link) = &self.socket else {
                std::thread::sleep(slice);
                continue;
            };
            let mut items = vec![
                link.req.as_poll_item(zmq::POLLIN),
                link.monitor.as_poll_item(zmq::POLLIN),
            ];
            if let Some(live) = &self.live {
                items.push(live.sub.as_poll_item(zmq::POLLIN));
            }
            let millis = i64::try_from(slice.as_millis()).unwrap_or(i64::MAX).max(1);
            if let Err(error) = zmq::poll(&mut items, millis) {
                if error != zmq::Error::EINTR {
                    self.events.debug(
                        tracing::Level::ERROR,
                        format!("Erro ao aguardar a resposta: {error}"),
                    );
                    std::thread::sleep(slice);
                }
                continue;
            }
            let (reply_ready, monitor_ready) = (items[0].is_readable(), items[1].is_readable());
            let live_ready = items.get(2).is_some_and(zmq::PollItem::is_readable);
            drop(items);
            if live_ready {
                self.drain_live();
            }
            self.check_live_silence();
            if monitor_ready {
                self.drain_monitor();
                if let Some(refusal) = self.refused.take() {
                    return self.refused_on_this_socket(refusal);
                }
            }
            if reply_ready && let Some(link) = &self.socket {
                match link.req.recv_multipart(zmq::DONTWAIT) {
                    Ok(frames) => {
                        let bytes = frames.concat();
                        let text = match String::from_utf8(bytes) {
                            Ok(text) => text,
                            Err(error) => {
                                self.events.debug(
                                    tracing::Level::WARN,
                                    "A resposta não é texto UTF-8 válido; \
                                     bytes inválidos trocados por \u{fffd}.",
                                );
                                String::from_utf8_lossy(error.as_bytes()).into_owned()
                            }
                        };
                        return Exchange::Reply {
                            text,
                            round_trip: started.elapsed(),
                        };
                    }
                    Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => {}
                    Err(error) => {
                        self.events.debug(
                            tracing::Level::ERROR,
                            format!("Erro ao receber a resposta: {error}"),
                        );
                    }
                }
            }
        }
    }

    /// After the server refused this socket's connection: the socket goes (a REQ socket
    /// that sent cannot send again without a reply), and the next exchange connects afresh.
    fn refused_on_this_socket(&mut self, refusal: Refusal) -> Exchange {
        self.socket = None;
        Exchange::Refused(refusal)
    }

    /// Closes the current socket (if any) and opens a fresh one, with its monitor.
    fn reopen(&mut self) {
        self.socket = None;
        self.server = None;
        // A refusal is about one connection; the new socket has none yet.
        self.refused = None;
        match self.open() {
            Ok(link) => self.socket = Some(link),
            Err((doing, error)) => self.events.debug(
                tracing::Level::ERROR,
                format!("Não foi possível abrir o socket ({doing}): {error}"),
            ),
        }
        if !self.state_sticks() {
            self.set_state(ConnectionState::Connecting);
        }
    }

    /// Whether the state is a verdict ("unreachable", "refused") that reconnection
    /// attempts, retry timers and lost connections say nothing new about.
    fn state_sticks(&self) -> bool {
        matches!(
            self.state,
            ConnectionState::Unreachable { .. }
                | ConnectionState::AuthFailed
                | ConnectionState::HandshakeFailed
        )
    }

    /// What the socket presents in its handshake: the token (PLAIN), CURVE keys, or
    /// nothing (NULL, as the seed's client).
    fn set_credentials(&self, socket: &zmq::Socket) -> Result<(), (&'static str, zmq::Error)> {
        if let Some(token) = &self.config.token {
            socket
                .set_plain_username(Some(access::PLAIN_USER))
                .map_err(|e| ("ZMQ_PLAIN_USERNAME", e))?;
            socket
                .set_plain_password(Some(token.expose()))
                .map_err(|e| ("ZMQ_PLAIN_PASSWORD", e))?;
        }
        if let Some(keys) = &self.config.curve {
            keys.apply(socket).map_err(|e| ("ZMQ_CURVE_SERVERKEY", e))?;
        }
        Ok(())
    }

    fn open(&self) -> Result<Link, (&'static str, zmq::Error)> {
        let req = self
            .context
            .socket(zmq::REQ)
            .map_err(|e| ("criar o socket REQ", e))?;
        req.set_linger(0).map_err(|e| ("ZMQ_LINGER", e))?;
        self.set_credentials(&req)?;
        if endpoint::is_ipv6(&self.config.endpoint) {
            req.set_ipv6(true).map_err(|e| ("ZMQ_IPV6", e))?;
        }
        let address = format!(
            "inproc://zlist-client-monitor-{}",
            MONITOR_SERIAL.fetch_add(1, Ordering::Relaxed)
        );
        let monitor = monitor::attach(&self.context, &req, &address, zmq::SocketEvent::ALL as i32)
            .map_err(|e| ("ZMQ monitor", e))?;
        req.connect(&self.config.endpoint)
            .map_err(|e| ("connect", e))?;
        Ok(Link { req, monitor })
    }

    /// Reads every monitor event waiting and turns them into state changes.
    fn drain_monitor(&mut self) {
        loop {
            let Some(link) = &self.socket else { return };
            let frames = match link.monitor.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => frames,
                Err(zmq::Error::EAGAIN) => return,
                Err(zmq::Error::EINTR) => continue,
                Err(error) => {
                    tracing::warn!("cannot read the socket monitor: {error}");
                    return;
                }
            };
            let Some((event, value)) = frames.first().and_then(|f| parse_monitor_frame(f)) else {
                tracing::warn!(
                    "unexpected socket monitor message ({} frames)",
                    frames.len()
                );
                continue;
            };
            self.monitor_event(event, value);
        }
    }

    fn monitor_event(&mut self, event: u16, value: u32) {
        use zmq::SocketEvent as E;
        let event = MonitorEvent::from_raw(event);
        let state = event.state();
        let endpoint = &self.config.endpoint;
        let line = match event {
            MonitorEvent::Known(E::CONNECTED) => {
                format!("Conexão TCP aberta com {endpoint}; aguardando o handshake ZeroMQ...")
            }
            MonitorEvent::Known(E::CONNECT_RETRIED) => {
                format!("Sem conexão com {endpoint}; nova tentativa em {value} ms.")
            }
            MonitorEvent::Known(E::HANDSHAKE_SUCCEEDED) => {
                format!("Conexão estabelecida com {endpoint} (handshake ZeroMQ concluído).")
            }
            MonitorEvent::Known(E::DISCONNECTED) => {
                // Whoever answers after a reconnection may be another server.
                self.server = None;
                format!("Conexão com {endpoint} perdida.")
            }
            MonitorEvent::Known(E::HANDSHAKE_FAILED_NO_DETAIL | E::HANDSHAKE_FAILED_PROTOCOL) => {
                self.refused.get_or_insert(Refusal::Handshake);
                format!(
                    "Handshake ZeroMQ com {endpoint} falhou: o servidor exige um token que \
                     não foi dado, cifra com CURVE e a chave do servidor não confere, ou o \
                     outro lado não é um servidor ZeroMQ compatível."
                )
            }
            MonitorEvent::Known(E::HANDSHAKE_FAILED_AUTH) => {
                self.refused = Some(Refusal::Auth);
                format!(
                    "O servidor {endpoint} recusou a autenticação (token errado ou ausente, ou \
                     chave CURVE não admitida)."
                )
            }
            MonitorEvent::Known(_) | MonitorEvent::Other => return,
        };
        if let Some(state) = state {
            // "Unreachable" stays until something definite happens: a retry timer or a
            // lost connection says nothing new about a server that did not answer.
            let keep_unreachable = self.state_sticks()
                && matches!(
                    state,
                    ConnectionState::Retrying | ConnectionState::Disconnected
                );
            // Repeats (a retry every 100 ms while nothing listens) would flood the trail.
            if keep_unreachable || self.state == state {
                return;
            }
        }
        let level = match state {
            Some(ConnectionState::HandshakeFailed | ConnectionState::AuthFailed) => {
                tracing::Level::WARN
            }
            Some(_) => tracing::Level::INFO,
            None => tracing::Level::DEBUG,
        };
        // The line goes first: whoever waits for the new state has its explanation already.
        self.events.debug(level, line);
        if let Some(state) = state {
            self.set_state(state);
        }
    }

    /// Records and reports a new state; a repeat of the current one says nothing.
    fn set_state(&mut self, state: ConnectionState) {
        if self.state != state {
            self.state = state;
            self.events.emit(ClientEvent::Connection(state));
        }
    }
}

/// A monitor event number, known to this build or not.
enum MonitorEvent {
    Known(zmq::SocketEvent),
    Other,
}

impl MonitorEvent {
    /// Like `zmq::SocketEvent::from_raw`, without its panic on numbers it does not know.
    fn from_raw(raw: u16) -> Self {
        use zmq::SocketEvent as E;
        [
            E::CONNECTED,
            E::CONNECT_DELAYED,
            E::CONNECT_RETRIED,
            E::LISTENING,
            E::BIND_FAILED,
            E::ACCEPTED,
            E::ACCEPT_FAILED,
            E::CLOSED,
            E::CLOSE_FAILED,
            E::DISCONNECTED,
            E::MONITOR_STOPPED,
            E::HANDSHAKE_FAILED_NO_DETAIL,
            E::HANDSHAKE_SUCCEEDED,
            E::HANDSHAKE_FAILED_PROTOCOL,
            E::HANDSHAKE_FAILED_AUTH,
        ]
        .into_iter()
        .find(|event| event.to_raw() == raw)
        .map_or(Self::Other, Self::Known)
    }

    /// The connection state this event puts the socket in, if it says anything about it.
    /// A TCP connection (`CONNECTED`) and a connection in progress (`CONNECT_DELAYED`, which
    /// libzmq reports for every non-blocking connect) are not yet a server: no change.
    fn state(&self) -> Option<ConnectionState> {
        use zmq::SocketEvent as E;
        match self {
            Self::Known(E::HANDSHAKE_SUCCEEDED) => Some(ConnectionState::Connected),
            Self::Known(E::DISCONNECTED) => Some(ConnectionState::Disconnected),
            Self::Known(E::CONNECT_RETRIED) => Some(ConnectionState::Retrying),
            Self::Known(E::HANDSHAKE_FAILED_NO_DETAIL | E::HANDSHAKE_FAILED_PROTOCOL) => {
                Some(ConnectionState::HandshakeFailed)
            }
            Self::Known(E::HANDSHAKE_FAILED_AUTH) => Some(ConnectionState::AuthFailed),
            Self::Known(_) | Self::Other => None,
        }
    }
}

/// Where to subscribe, from the `pub=` a server announced: a port (on the host this client
/// reached the server at, so wildcard binds and NAT work), or a full `tcp://` address.
fn publisher_endpoint(server: &str, announced: &str) -> Option<String> {
    if let Ok(port) = announced.parse::<u16>() {
        let host = endpoint::host(server)?;
        return (port != 0).then(|| format!("tcp://{host}:{port}"));
    }
    announced
        .contains("://")
        .then(|| endpoint::normalize(announced, Role::Connect).ok())
        .flatten()
}

/// Why the list is not live, in the debug trail's language.
fn not_live_pt(why: &NotLive) -> String {
    match why {
        NotLive::NotPublished => "Sem atualizações ao vivo: o servidor não as publica (servidor \
                                  seed, ou zlist com --publish off). A lista é atualizada \
                                  pedindo-a (mostrar)."
            .to_owned(),
        NotLive::Silent { endpoint, after } => format!(
            "Nada chegou de {endpoint} em {}: a porta de publicação parece inacessível \
             (firewall, ou security group da EC2 só com a porta de pedidos). Sem atualizações \
             ao vivo até que cheguem; a lista é atualizada pedindo-a (mostrar).",
            super::Secs(*after)
        ),
        NotLive::BadAnnouncement(announced) => format!(
            "O servidor anunciou as atualizações como {announced:?}, que este cliente não sabe \
             usar; a lista é atualizada pedindo-a (mostrar)."
        ),
        NotLive::Subscribe { endpoint, reason } => format!(
            "Não foi possível assinar as atualizações em {endpoint}: {reason}. A lista é \
             atualizada pedindo-a (mostrar)."
        ),
        NotLive::Snapshot(reason) => format!(
            "A lista ao vivo está parada: não foi possível obter a cópia da lista ({reason})."
        ),
    }
}

/// A failure explained in the debug trail's language.
fn failure_pt(failure: &RequestFailure) -> String {
    match failure {
        RequestFailure::NoReply {
            endpoint,
            tries,
            timeout,
        } => format!(
            "sem resposta de {endpoint} após {tries} tentativa(s) de {}; o servidor está rodando?",
            super::Secs(*timeout)
        ),
        RequestFailure::ChangeNotRetried { endpoint, timeout } => format!(
            "sem resposta de {endpoint} em {}. O servidor fala só o protocolo original (seed), \
             então a alteração não foi reenviada (pode ter sido aplicada ou não): confira a \
             lista e envie de novo se precisar.",
            super::Secs(*timeout)
        ),
        RequestFailure::HandshakeFailed { endpoint } => format!(
            "o handshake ZeroMQ com {endpoint} falhou: o servidor exige um token que não foi \
             dado, cifra com CURVE e a chave do servidor falta ou não confere, ou não é um \
             servidor ZeroMQ."
        ),
        RequestFailure::Refused { endpoint } => format!(
            "o servidor {endpoint} recusou a conexão: token errado ou ausente, chave CURVE não \
             admitida, ou este \
             endereço não é permitido."
        ),
        RequestFailure::Stopped => "o cliente parou antes da resposta.".to_owned(),
    }
}

/// The level of a request's trail (sending, waiting, received): DEBUG, as the seed's
/// `[DEBUG]` lines; TRACE for `zlist.status`, a health probe that a status window or a
/// monitor repeats every few seconds and that would bury the rest at the usual level.
fn trail_level(request: &str) -> tracing::Level {
    if protocol::is_status(request.as_bytes()) {
        tracing::Level::TRACE
    } else {
        tracing::Level::DEBUG
    }
}

/// Requests that the seed's server cannot survive: it raises on them and never answers
/// again (`docs/protocol.md`). Only unknown command words get its `Comando inválido.`.
fn seed_would_crash(text: &str) -> Option<RequestError> {
    match protocol::parse_command(text) {
        Ok(_) | Err(RequestError::UnknownCommand) => None,
        Err(error) => Some(error),
    }
}

/// A random id for this client session, from std's randomly keyed hasher, the time, the
/// process id and a counter: 32 hex digits.
fn random_client_id() -> String {
    use std::hash::{BuildHasher as _, Hasher as _};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut words = [0u64; 2];
    for (i, word) in words.iter_mut().enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        hasher.write_u64(count);
        hasher.write_usize(i);
        *word = hasher.finish();
    }
    format!("{:016x}{:016x}", words[0], words[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_publisher_is_reached_at_the_servers_host() {
        assert_eq!(
            publisher_endpoint("tcp://3.221.106.59:1234", "1235").as_deref(),
            Some("tcp://3.221.106.59:1235")
        );
        assert_eq!(
            publisher_endpoint("tcp://[::1]:1234", "41000").as_deref(),
            Some("tcp://[::1]:41000")
        );
        assert_eq!(
            publisher_endpoint("tcp://h:1", "tcp://10.0.0.1:5000").as_deref(),
            Some("tcp://10.0.0.1:5000")
        );
        for bad in ["0", "-1", "70000", "nonsense", "tcp://*:1", ""] {
            assert_eq!(publisher_endpoint("tcp://h:1", bad), None, "{bad}");
        }
        assert_eq!(publisher_endpoint("ipc:///tmp/x", "1235"), None);
    }

    #[test]
    fn client_ids_are_valid_tags_and_differ() {
        let a = random_client_id();
        let b = random_client_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        let tagged = format!("zlist.req {a}:1 append x");
        assert!(matches!(
            protocol::Request::parse(&tagged),
            Ok(protocol::Request::Tagged { .. })
        ));
    }

    #[test]
    fn status_probes_trail_at_trace_and_everything_else_at_debug() {
        assert_eq!(trail_level("zlist.status"), tracing::Level::TRACE);
        assert_eq!(trail_level(" zlist.status "), tracing::Level::TRACE);
        assert_eq!(trail_level("mostrar"), tracing::Level::DEBUG);
        assert_eq!(trail_level("append zlist.status"), tracing::Level::DEBUG);
        assert_eq!(trail_level("zlist.statusx"), tracing::Level::DEBUG);
    }

    #[test]
    fn only_a_succeeded_handshake_means_connected() {
        use zmq::SocketEvent as E;
        let state = |event: E| MonitorEvent::from_raw(event.to_raw()).state();
        assert_eq!(state(E::CONNECTED), None);
        assert_eq!(state(E::CONNECT_DELAYED), None);
        assert_eq!(
            state(E::HANDSHAKE_SUCCEEDED),
            Some(ConnectionState::Connected)
        );
        assert_eq!(state(E::CONNECT_RETRIED), Some(ConnectionState::Retrying));
        assert_eq!(state(E::DISCONNECTED), Some(ConnectionState::Disconnected));
        assert_eq!(
            state(E::HANDSHAKE_FAILED_PROTOCOL),
            Some(ConnectionState::HandshakeFailed)
        );
        assert_eq!(
            state(E::HANDSHAKE_FAILED_NO_DETAIL),
            Some(ConnectionState::HandshakeFailed)
        );
        assert_eq!(
            state(E::HANDSHAKE_FAILED_AUTH),
            Some(ConnectionState::AuthFailed)
        );
        assert_eq!(state(E::MONITOR_STOPPED), None);
    }

    #[test]
    fn unknown_monitor_events_do_not_panic() {
        assert!(matches!(
            MonitorEvent::from_raw(0x8000),
            MonitorEvent::Other
        ));
        assert!(matches!(
            MonitorEvent::from_raw(zmq::SocketEvent::HANDSHAKE_FAILED_AUTH.to_raw()),
            MonitorEvent::Known(zmq::SocketEvent::HANDSHAKE_FAILED_AUTH)
        ));
    }

    #[test]
    fn only_requests_that_crash_the_seed_are_answered_locally() {
        for crashing in [
            "",
            "  ",
            "append",
            "insert",
            "insert 1",
            "insert abc x",
            "remover",
        ] {
            assert!(seed_would_crash(crashing).is_some(), "{crashing:?}");
        }
        for fine in ["mostrar", "append 3", "sair", "zlist.hello", "insert -1 x"] {
            assert!(seed_would_crash(fine).is_none(), "{fine:?}");
        }
    }
}
