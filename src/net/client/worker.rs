//! The worker thread: owns the REQ socket and its monitor (and, for a live client, the SUB
//! socket of the server's updates) and runs queued requests one at a time, Lazy Pirate
//! style (poll with a timeout, then close, reopen and retry). Given several endpoints, a
//! try that times out moves on to the next one (the Guide's Freelance pattern, round
//! robin): the same request, with the same tag, goes to the next server, which stays the
//! server in use while it answers.
//!
//! The worker never blocks for long: when idle it polls its wake-up socket (the handle
//! pings it after every order), the monitor and the SUB socket in short slices; while a
//! request is in flight it polls the REQ, monitor and SUB sockets in short slices and reads
//! new orders between slices. So updates flow while a request waits for its reply. Closing
//! the order channel (dropping the handle) stops it within one slice.
//!
//! What it decides is in [`super::rules`] (tagging, retries, seed safety), the live
//! subscription in [`super::live_link`], what a monitor event means in
//! [`crate::net::monitor`], and every line it writes to the trail in [`super::trail`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, TryRecvError};

use super::live_link::Live;
use super::rules::{self, Plan};
use super::servers::Servers;
use super::{
    ClientEvent, ConnectionState, DebugLine, Order, Queued, Reply, RequestFailure, RequestId,
    Waker, trail,
};
use crate::net::access::{self, Token};
use crate::net::curve::ClientKeys;
use crate::net::endpoint;
use crate::net::monitor::{self, MonitorEvent, parse_monitor_frame};
use crate::net::protocol::{self, Command, RequestError, ServerKind};
use crate::net::repr;

/// The longest the worker goes without looking at its orders and the monitor.
const SLICE: Duration = Duration::from_millis(25);

/// How long a live client waits before asking `zlist.hello` again when nobody answered.
const HELLO_RETRY: Duration = Duration::from_secs(5);

/// Every socket instance gets its own monitor address.
static MONITOR_SERIAL: AtomicU64 = AtomicU64::new(0);

/// The worker's settings, already checked.
pub(crate) struct Config {
    /// The servers, normalised, in the order they are tried (at least one).
    pub(crate) endpoints: Vec<String>,
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
    /// Events go to `tx`; `waker` runs after each one.
    pub(crate) fn new(tx: Sender<ClientEvent>, waker: Waker) -> Self {
        Self { tx, waker }
    }

    /// Sends an event and wakes the driver.
    pub(super) fn emit(&self, event: ClientEvent) {
        // A driver that dropped its receiver no longer cares; the worker goes on until
        // the handle is dropped.
        if self.tx.send(event).is_ok() {
            (self.waker)();
        }
    }

    /// Sends a line of the debug trail.
    pub(super) fn debug(&self, level: tracing::Level, text: impl Into<String>) {
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
        client_id: rules::random_client_id(),
        seq: 0,
        servers: Servers::new(config.endpoints.clone()),
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
        live: Live::default(),
    };
    worker.events.emit(ClientEvent::Connection(worker.state));
    let connecting = match worker.servers.all() {
        [one] => trail::connecting(one),
        several => trail::connecting_list(several),
    };
    worker.events.debug(tracing::Level::DEBUG, connecting);
    worker.reopen();
    worker.serve();
    worker.stop();
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

/// Why a handshake failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// The server refused authentication (wrong or missing token, address not admitted).
    Auth,
    /// The peer does not complete a ZeroMQ handshake with us (another security mechanism,
    /// i.e. a token we did not give, or no ZeroMQ server at all).
    Handshake,
}

/// How one exchange (one request sent, one reply awaited) ended.
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
    /// The servers, and the one in use.
    servers: Servers,
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
    live: Live,
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
            } else if self.live.snapshot_due() {
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
        items.extend(self.live.poll_item());
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
        self.live.drain(&self.events);
        self.live.check_silence(&self.events);
    }

    /// Reports everything unfinished as stopped and closes the sockets.
    fn stop(&mut self) {
        for request in std::mem::take(&mut self.queue) {
            self.fail(request.id, &request.text, RequestFailure::Stopped);
        }
        self.socket = None;
        self.live.stop();
    }

    fn take_order(&mut self, order: Order) {
        match order {
            Order::Request(request) => self.queue.push_back(request),
            Order::CancelQueued => {
                let ids: Vec<RequestId> = self.queue.drain(..).map(|r| r.id).collect();
                if !ids.is_empty() {
                    self.events
                        .debug(tracing::Level::INFO, trail::cancelled(ids.len()));
                    self.events.emit(ClientEvent::Cancelled(ids));
                }
            }
            Order::Resync => self.live.resync_ordered(&self.events),
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
            trail::request_failed(request, &error),
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
        let tries = self.servers.total_tries(self.config.tries);
        for attempt in 1..=tries {
            match self.ensure_server(attempt) {
                Hello::Known => {}
                Hello::TimedOut => continue,
                Hello::Refused(refusal) => return self.refused(id, &text, refusal),
                Hello::Stop => return self.stopped(id, &text),
            }
            let server_tags = rules::server_tags(self.server.as_ref());
            let wire = match rules::plan(&text, is_change, server_tags, tagged_wire.is_some()) {
                Plan::Plain => text.clone(),
                Plan::Tagged => tagged_wire
                    .get_or_insert_with(|| {
                        self.seq += 1;
                        rules::tag(&self.client_id, self.seq, &text)
                    })
                    .clone(),
                // Sent tagged to a zlist server, and now a seed server answers: resending
                // plain could apply it twice.
                Plan::NotResent => return self.change_not_retried(id, &text),
                Plan::AnswerLocally(refusal) => {
                    self.answer_locally(id, &text, command, &refusal);
                    return Flow::Continue;
                }
            };
            self.events.debug(
                rules::trail_level(&text),
                trail::sending(&text, self.servers.named()),
            );
            if wire != text {
                self.events
                    .debug(tracing::Level::DEBUG, trail::tagged(&rules::tag_of(&wire)));
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
                    if !rules::may_retry(is_change, server_tags) {
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
                endpoint: self.servers.joined(),
                tries,
                timeout: self.config.timeout,
            },
        );
        Flow::Continue
    }

    fn refused(&mut self, id: RequestId, text: &str, refusal: Refusal) -> Flow {
        let endpoint = self.servers.in_use().to_owned();
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
                endpoint: self.servers.in_use().to_owned(),
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
                let from = self.servers.in_use().to_owned();
                self.servers.pass_over();
                let line = if self.servers.several() {
                    // The next server is asked at once, until none of the list answered.
                    if !self.servers.none_answered() {
                        self.hello_due = Some(Instant::now());
                    }
                    trail::switching(
                        &from,
                        self.config.timeout,
                        None,
                        Some(self.servers.in_use()),
                    )
                } else {
                    trail::hello_unanswered(&from, self.config.timeout, HELLO_RETRY)
                };
                self.events.debug(tracing::Level::WARN, line);
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
    /// announces, or says there is none.
    fn follow(&mut self, kind: &ServerKind) {
        if !self.config.live {
            return;
        }
        self.hello_due = None;
        let server = self.servers.in_use().to_owned();
        self.live
            .follow(kind, &server, &self.context, &self.config, &self.events);
    }

    /// Fetches a snapshot through the request socket, with the usual tries.
    fn run_snapshot(&mut self) -> Flow {
        let tries = self.servers.total_tries(self.config.tries);
        for attempt in 1..=tries {
            match self.ensure_server(attempt) {
                Hello::Known => {}
                Hello::TimedOut => continue,
                Hello::Refused(_) => {
                    self.live
                        .snapshot_failed(trail::SNAPSHOT_REFUSED.to_owned(), &self.events);
                    return Flow::Continue;
                }
                Hello::Stop => return Flow::Stop,
            }
            // The hello may have turned live updates off, or moved them.
            if !self.live.snapshot_due() {
                return Flow::Continue;
            }
            self.events
                .debug(tracing::Level::DEBUG, trail::asking_snapshot());
            match self.exchange(protocol::SNAPSHOT) {
                Exchange::Reply { text, round_trip } => {
                    self.live.take_snapshot(&text, round_trip, &self.events);
                    return Flow::Continue;
                }
                Exchange::TimedOut => self.timed_out(attempt),
                Exchange::Refused(_) => {
                    self.live
                        .snapshot_failed(trail::SNAPSHOT_REFUSED.to_owned(), &self.events);
                    return Flow::Continue;
                }
                Exchange::Stop => return Flow::Stop,
            }
        }
        self.set_state(ConnectionState::Unreachable { tries });
        self.live.snapshot_failed(
            trail::snapshot_unanswered(&self.servers.joined(), tries),
            &self.events,
        );
        Flow::Continue
    }

    /// Asks the server which protocol it speaks.
    fn hello(&mut self) -> Exchange {
        self.events
            .debug(tracing::Level::DEBUG, trail::asking_hello());
        self.exchange(protocol::HELLO)
    }

    fn announce_server(&self, kind: &ServerKind) {
        self.events.debug(tracing::Level::INFO, trail::server(kind));
        self.events.emit(ClientEvent::Server(kind.clone()));
    }

    /// After a try without reply: Lazy Pirate's close and reopen; with several endpoints,
    /// on the next one (Freelance).
    fn timed_out(&mut self, attempt: u32) {
        let total = self.servers.total_tries(self.config.tries);
        let line = if self.servers.several() {
            let from = self.servers.in_use().to_owned();
            self.servers.pass_over();
            let to = (attempt < total).then(|| self.servers.in_use());
            trail::switching(&from, self.config.timeout, Some((attempt, total)), to)
        } else {
            trail::timed_out(self.config.timeout, attempt, total)
        };
        self.events.debug(tracing::Level::WARN, line);
        self.reopen();
    }

    /// The server in use answered: after others did not, says it switched.
    fn answered(&mut self) {
        let Some(unanswered) = self.servers.answered() else {
            return;
        };
        let answered = self.servers.in_use().to_owned();
        self.events.debug(
            tracing::Level::INFO,
            trail::switched(&answered, &unanswered),
        );
        self.events.emit(ClientEvent::Switched {
            answered,
            unanswered,
        });
    }

    /// Answers a request without sending it: a seed server would crash on it.
    fn answer_locally(
        &mut self,
        id: RequestId,
        text: &str,
        command: Option<Command>,
        refusal: &RequestError,
    ) {
        self.events
            .debug(tracing::Level::WARN, trail::answered_locally(text, refusal));
        self.events.emit(ClientEvent::Reply(Reply {
            id,
            request: text.to_owned(),
            command,
            text: refusal.to_string(),
            endpoint: self.servers.in_use().to_owned(),
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
            rules::trail_level(&request),
            trail::received(&text, self.servers.named()),
        );
        let mut is_error = protocol::is_error_reply(command.as_ref(), &text);
        let mut items = None;
        if command == Some(Command::Show) && !is_error {
            match repr::parse_list_repr(&text) {
                Ok(list) => items = Some(list),
                Err(error) => {
                    is_error = true;
                    self.events
                        .debug(tracing::Level::ERROR, trail::not_a_list(&error));
                }
            }
        }
        self.events.emit(ClientEvent::Reply(Reply {
            id,
            request,
            command,
            text,
            endpoint: self.servers.in_use().to_owned(),
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
                Err(error) => self
                    .events
                    .debug(tracing::Level::ERROR, trail::send_failed(&error)),
            }
        }
        if sent {
            self.events.debug(rules::trail_level(wire), trail::WAITING);
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
            items.extend(self.live.poll_item());
            let millis = i64::try_from(slice.as_millis()).unwrap_or(i64::MAX).max(1);
            if let Err(error) = zmq::poll(&mut items, millis) {
                if error != zmq::Error::EINTR {
                    self.events
                        .debug(tracing::Level::ERROR, trail::wait_failed(&error));
                    std::thread::sleep(slice);
                }
                continue;
            }
            let (reply_ready, monitor_ready) = (items[0].is_readable(), items[1].is_readable());
            let live_ready = items.get(2).is_some_and(zmq::PollItem::is_readable);
            drop(items);
            if live_ready {
                self.live.drain(&self.events);
            }
            self.live.check_silence(&self.events);
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
                                self.events.debug(tracing::Level::WARN, trail::NOT_UTF8);
                                String::from_utf8_lossy(error.as_bytes()).into_owned()
                            }
                        };
                        let round_trip = started.elapsed();
                        self.answered();
                        return Exchange::Reply { text, round_trip };
                    }
                    Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => {}
                    Err(error) => {
                        self.events
                            .debug(tracing::Level::ERROR, trail::receive_failed(&error));
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
            Err((doing, error)) => self
                .events
                .debug(tracing::Level::ERROR, trail::open_failed(doing, &error)),
        }
        if !rules::state_sticks(self.state) {
            self.set_state(ConnectionState::Connecting);
        }
    }

    fn open(&self) -> Result<Link, (&'static str, zmq::Error)> {
        let req = self
            .context
            .socket(zmq::REQ)
            .map_err(|e| (trail::CREATE_REQ, e))?;
        req.set_linger(0).map_err(|e| ("ZMQ_LINGER", e))?;
        set_credentials(&req, &self.config)?;
        let server = self.servers.in_use();
        if endpoint::is_ipv6(server) {
            req.set_ipv6(true).map_err(|e| ("ZMQ_IPV6", e))?;
        }
        let address = format!(
            "inproc://zlist-client-monitor-{}",
            MONITOR_SERIAL.fetch_add(1, Ordering::Relaxed)
        );
        let monitor = monitor::attach(&self.context, &req, &address, zmq::SocketEvent::ALL as i32)
            .map_err(|e| ("ZMQ monitor", e))?;
        req.connect(server).map_err(|e| ("connect", e))?;
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

    /// Takes one monitor event: a line in the trail and a new state, when it is news.
    fn monitor_event(&mut self, event: u16, value: u32) {
        let MonitorEvent::Known(event) = MonitorEvent::from_raw(event) else {
            return;
        };
        let Some(line) = trail::monitor_event(event, value, self.servers.in_use()) else {
            return;
        };
        match event {
            // Whoever answers after a reconnection may be another server.
            zmq::SocketEvent::DISCONNECTED => {
                self.server = None;
                // A live client with servers to fail over to asks at once whether this one
                // is still there, so that its updates follow the next one if not.
                if self.config.live && self.servers.several() {
                    self.hello_due = Some(Instant::now());
                }
            }
            zmq::SocketEvent::HANDSHAKE_FAILED_NO_DETAIL
            | zmq::SocketEvent::HANDSHAKE_FAILED_PROTOCOL => {
                self.refused.get_or_insert(Refusal::Handshake);
            }
            zmq::SocketEvent::HANDSHAKE_FAILED_AUTH => self.refused = Some(Refusal::Auth),
            _ => {}
        }
        let state = MonitorEvent::Known(event).connection_state();
        if let Some(state) = state
            && !rules::is_news(self.state, state)
        {
            return;
        }
        // The line goes first: whoever waits for the new state has its explanation already.
        self.events.debug(rules::monitor_level(state), line);
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

/// What a socket presents in its handshake: the token (PLAIN), CURVE keys, or nothing
/// (NULL, as the seed's client).
pub(super) fn set_credentials(
    socket: &zmq::Socket,
    config: &Config,
) -> Result<(), (&'static str, zmq::Error)> {
    if let Some(token) = &config.token {
        socket
            .set_plain_username(Some(access::PLAIN_USER))
            .map_err(|e| ("ZMQ_PLAIN_USERNAME", e))?;
        socket
            .set_plain_password(Some(token.expose()))
            .map_err(|e| ("ZMQ_PLAIN_PASSWORD", e))?;
    }
    if let Some(keys) = &config.curve {
        keys.apply(socket).map_err(|e| ("ZMQ_CURVE_SERVERKEY", e))?;
    }
    Ok(())
}
