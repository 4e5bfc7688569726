//! Live updates at scale: a server holding N elements (a million by default), client B
//! following it live through the client engine into a table model (the desktop app's
//! `ListView`), client A appending on a REQ socket. Measured: the time from A's send to
//! the change being in B's table, the bytes one change costs on the PUB socket against
//! the `mostrar` reply a seed client fetches to see it, what joining costs (one snapshot),
//! and what publishing costs the request path (appends with and without a subscriber).

use std::fmt;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::bench::large::{Order, list_items};
use crate::bench::measure::{
    BenchError, Bytes, Count, LatencySummary, Time, connect, median, request, shorten,
    thread_cpu_time, zmq_error,
};
use crate::net::client::{self, ClientEvent, ClientHandle, ClientOptions, LiveState};
use crate::net::list::{Effect, RemoteList};
use crate::net::live::{self, Epoch};
use crate::net::repr;
use crate::net::server::{Publish, Server, ServerConfig};
use crate::ui::list_table::ListView;

/// Elements in the list by default.
pub const DEFAULT_SIZE: usize = 1_000_000;

/// Changes timed by default.
pub const DEFAULT_CHANGES: usize = 200;

/// Appends per run of the publishing-cost comparison by default.
pub const DEFAULT_COST_REQUESTS: usize = 5_000;

/// Alternating rounds of the publishing-cost comparison by default.
pub const DEFAULT_COST_ROUNDS: usize = 3;

/// Elements of the list in the publishing-cost comparison.
const COST_LIST: usize = 1_000;

/// How long any one step may take before the benchmark fails (a snapshot of a large list
/// included).
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// What the live-update benchmark runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveConfig {
    /// Elements in the list.
    pub size: usize,
    /// Appends timed from A's send to B's table.
    pub changes: usize,
    /// Appends per run when comparing the request path with and without publishing.
    pub cost_requests: usize,
    /// Alternating rounds of that comparison (the median is reported).
    pub cost_rounds: usize,
}

impl Default for LiveConfig {
    fn default() -> Self {
        Self {
            size: DEFAULT_SIZE,
            changes: DEFAULT_CHANGES,
            cost_requests: DEFAULT_COST_REQUESTS,
            cost_rounds: DEFAULT_COST_ROUNDS,
        }
    }
}

/// Why the live-update benchmark could not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum LiveBenchError {
    /// The shared benchmark failures (server, sockets, replies).
    #[error(transparent)]
    Bench(#[from] BenchError),
    /// The client engine did not start.
    #[error("cannot start the live client: {0}")]
    Client(#[from] client::ClientError),
    /// The live client did not get where it had to in time.
    #[error("the live client {what} within {timeout:?}")]
    Stalled {
        /// What did not happen.
        what: &'static str,
        /// How long the benchmark waited.
        timeout: Duration,
    },
}

/// Everything the live-update benchmark measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveReport {
    /// The configuration it ran.
    pub config: LiveConfig,
    /// From starting B's engine to its table holding the list, live (hello, subscribe,
    /// snapshot, parse, table).
    pub join: Duration,
    /// The reply to `zlist.snapshot` at N elements (what joining transfers, once).
    pub snapshot_bytes: usize,
    /// The reply to `mostrar` at N elements (what a seed client fetches to see a change).
    pub mostrar_bytes: usize,
    /// From A's send to the change in B's table.
    pub latency: LatencySummary,
    /// Mean bytes of one update's frames (payload only).
    pub update_payload_bytes: f64,
    /// Mean bytes of one update on the wire, with ZMTP's frame headers.
    pub update_wire_bytes: f64,
    /// Bytes of one heartbeat on the wire (one a second, whatever the traffic).
    pub heartbeat_wire_bytes: usize,
    /// Snapshots B fetched after joining (0: no update was lost).
    pub resyncs: usize,
    /// Mean round trip of an append with no publisher (median of the rounds).
    pub append_unpublished: Duration,
    /// Mean round trip of an append with a publisher and no subscriber.
    pub append_published_idle: Duration,
    /// Mean round trip of an append with a publisher and one live subscriber (whose
    /// threads share this machine's CPUs with the server and A).
    pub append_published: Duration,
    /// The server thread's CPU time per append, in the same three setups (no publisher,
    /// publishing to nobody, to one subscriber): what the load on the machine does not
    /// blur. `None` where the scheduler's counters cannot be read.
    pub server_cpu: [Option<Duration>; 3],
    /// What publishing one change costs the server's thread: one `send_update` call on
    /// a publisher with a subscriber (mean).
    pub publish_call: Duration,
}

/// The bytes of a message's frames on the wire (ZMTP 3): a flags byte and a 1-byte size
/// per frame up to 255 bytes, an 8-byte size above.
pub fn wire_bytes(frames: &[Vec<u8>]) -> usize {
    frames
        .iter()
        .map(|f| f.len() + if f.len() <= 255 { 2 } else { 9 })
        .sum()
}

/// What B's table thread reports.
enum Seen {
    /// B's table holds the list, live.
    Live { version: u64 },
    /// Version `0` is in the table since `1`.
    Applied(u64, Instant),
    /// A snapshot after the first.
    Resync,
}

/// Runs the benchmark; `progress` hears what starts next.
pub fn run(
    config: &LiveConfig,
    progress: &mut dyn FnMut(&str),
) -> Result<LiveReport, LiveBenchError> {
    if config.size == 0 || config.changes == 0 || config.cost_requests == 0 {
        return Err(BenchError::Config(
            "give a list size, changes and cost requests above 0".to_owned(),
        )
        .into());
    }
    progress(&format!(
        "live updates: a list of {} elements, {} appends followed by another client",
        Count(config.size as u64),
        Count(config.changes as u64)
    ));
    let items = list_items(config.size, Order::Appended);
    let mostrar_bytes = repr::list_repr(&items).len();
    let snapshot_bytes = live::snapshot_reply(Epoch(0), 0, &items).len();
    let server = start_server(RemoteList::from_items(items))?;
    let endpoint = server.endpoint().to_owned();

    let joined = Instant::now();
    let (b, events) = follower(&endpoint)?;
    let (seen_tx, seen) = crossbeam_channel::unbounded();
    let table = std::thread::Builder::new()
        .name("zlist-bench-table".to_owned())
        .spawn(move || follow_into_table(&events, &seen_tx))
        .map_err(|_| BenchError::Panicked)?;
    let base = match seen.recv_timeout(STEP_TIMEOUT) {
        Ok(Seen::Live { version }) => version,
        _ => {
            return Err(LiveBenchError::Stalled {
                what: "did not get the list",
                timeout: STEP_TIMEOUT,
            });
        }
    };
    let join = joined.elapsed();

    let a = connect(&endpoint, STEP_TIMEOUT)?;
    let mut nanos = Vec::with_capacity(config.changes);
    let mut payload = 0usize;
    let mut wire = 0usize;
    let mut resyncs = 0;
    for k in 1..=config.changes {
        let element = format!("live-{k}");
        let frames =
            live::encode_update(Epoch(0), base + k as u64, &Effect::Append(element.clone()));
        payload += frames.iter().map(Vec::len).sum::<usize>();
        wire += wire_bytes(&frames);
        let text = format!("append {element}");
        let sent = Instant::now();
        let reply = request(&a, STEP_TIMEOUT, &text)?;
        if !reply.ends_with(" adicionado.") {
            return Err(BenchError::UnexpectedReply {
                request: text,
                reply: shorten(reply.as_bytes()),
            }
            .into());
        }
        let deadline = sent + STEP_TIMEOUT;
        loop {
            match seen.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Seen::Applied(version, at)) if version == base + k as u64 => {
                    let latency = at.saturating_duration_since(sent);
                    nanos.push(u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX));
                    break;
                }
                Ok(Seen::Resync) => resyncs += 1,
                Ok(_) => {}
                Err(_) => {
                    return Err(LiveBenchError::Stalled {
                        what: "did not show an append",
                        timeout: STEP_TIMEOUT,
                    });
                }
            }
        }
    }
    drop(b);
    table.join().map_err(|_| BenchError::Panicked)?;
    drop(server);

    progress("live updates: the request path with and without publishing");
    let ([append_unpublished, append_published_idle, append_published], server_cpu) =
        publishing_cost(config)?;
    let publish_call = publish_call_cost(config.cost_requests.max(10_000))?;
    Ok(LiveReport {
        config: config.clone(),
        join,
        snapshot_bytes,
        mostrar_bytes,
        latency: LatencySummary::from_nanos(&mut nanos),
        update_payload_bytes: payload as f64 / config.changes as f64,
        update_wire_bytes: wire as f64 / config.changes as f64,
        heartbeat_wire_bytes: wire_bytes(&live::encode_heartbeat(Epoch(0), base)),
        resyncs,
        append_unpublished,
        append_published_idle,
        append_published,
        server_cpu,
        publish_call,
    })
}

/// A server on loopback publishing on a free port.
fn start_server(list: RemoteList) -> Result<Server, BenchError> {
    Ok(Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".to_owned(),
            publish: Publish::Endpoint("tcp://127.0.0.1:0".to_owned()),
            ..ServerConfig::default()
        },
        list,
    )?)
}

/// A live client engine, patient enough for a large snapshot.
fn follower(endpoint: &str) -> Result<(ClientHandle, Receiver<ClientEvent>), LiveBenchError> {
    Ok(client::spawn(
        ClientOptions {
            endpoint: endpoint.to_owned(),
            timeout: STEP_TIMEOUT,
            tries: 1,
            token: None,
            curve: None,
            live: true,
        },
        Box::new(|| {}),
    )?)
}

/// B's driver: puts the engine's snapshots and updates into a table model, as the app
/// does, and says when each version is in it. Ends when the engine stops.
fn follow_into_table(events: &Receiver<ClientEvent>, seen: &crossbeam_channel::Sender<Seen>) {
    let mut table = ListView::default();
    let mut version = None;
    let mut live = false;
    let mut announced = false;
    loop {
        let event = match events.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        match event {
            ClientEvent::Snapshot {
                version: at, items, ..
            } => {
                table.set_items(items);
                if version.is_some() {
                    let _ = seen.send(Seen::Resync);
                }
                version = Some(at);
            }
            ClientEvent::Update {
                version: at,
                effect,
            } => {
                // The engine only delivers updates that fit.
                let _ = table.apply(effect);
                version = Some(at);
                let _ = seen.send(Seen::Applied(at, Instant::now()));
            }
            ClientEvent::Live(state) => live = state == LiveState::Live,
            _ => {}
        }
        if live
            && !announced
            && let Some(version) = version
        {
            announced = true;
            let _ = seen.send(Seen::Live { version });
        }
    }
}

/// How the request path is set up in the publishing-cost comparison.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Publishing {
    Off,
    NoSubscriber,
    OneSubscriber,
}

/// Mean append round trips (and the server thread's CPU per append) with no publisher, a
/// publisher and no subscriber, and a publisher with one live subscriber: medians of
/// alternating rounds.
#[allow(clippy::type_complexity)]
fn publishing_cost(
    config: &LiveConfig,
) -> Result<([Duration; 3], [Option<Duration>; 3]), LiveBenchError> {
    let variants = [
        Publishing::Off,
        Publishing::NoSubscriber,
        Publishing::OneSubscriber,
    ];
    let mut means: [Vec<Duration>; 3] = Default::default();
    let mut cpu: [Vec<Duration>; 3] = Default::default();
    for round in 0..config.cost_rounds.max(1) {
        // Each round starts with another variant, so that none always runs first.
        for step in 0..variants.len() {
            let index = (round + step) % variants.len();
            let variant = &variants[index];
            let list = RemoteList::from_items(list_items(COST_LIST, Order::Appended));
            let server = if *variant == Publishing::Off {
                Server::start(
                    ServerConfig {
                        bind: "tcp://127.0.0.1:0".to_owned(),
                        ..ServerConfig::default()
                    },
                    list,
                )
                .map_err(BenchError::from)?
            } else {
                start_server(list)?
            };
            let subscriber = if *variant == Publishing::OneSubscriber {
                let (handle, events) = follower(server.endpoint())?;
                wait_live(&events)?;
                Some((handle, drain(events)))
            } else {
                None
            };
            let a = connect(server.endpoint(), STEP_TIMEOUT)?;
            let requests = u32::try_from(config.cost_requests).unwrap_or(u32::MAX);
            // A few requests first: the connection is made, and the server's thread has
            // run (and named itself: only this server's thread has the name now).
            for _ in 0..10 {
                request(&a, STEP_TIMEOUT, "pesquisar warm-up")?;
            }
            let cpu_before = thread_cpu_time("zlist-server");
            let started = Instant::now();
            for i in 0..config.cost_requests {
                request(&a, STEP_TIMEOUT, &format!("append c{i}"))?;
            }
            means[index].push(started.elapsed() / requests);
            if let (Some(before), Some(after)) = (cpu_before, thread_cpu_time("zlist-server")) {
                cpu[index].push(after.saturating_sub(before) / requests);
            }
            if let Some((handle, drainer)) = subscriber {
                drop(handle);
                drainer.join().map_err(|_| BenchError::Panicked)?;
            }
        }
    }
    let cpu = cpu.map(|c| (!c.is_empty()).then(|| median(&c)));
    Ok((means.map(|m| median(&m)), cpu))
}

/// The mean time of one `send_update` call (what the server's thread spends per change)
/// on an XPUB socket with one subscriber reading on loopback TCP.
fn publish_call_cost(calls: usize) -> Result<Duration, LiveBenchError> {
    let context = zmq::Context::new();
    let publisher = context
        .socket(zmq::XPUB)
        .map_err(zmq_error("creating a publisher"))?;
    publisher
        .set_sndhwm(live::HIGH_WATER_MARK)
        .map_err(zmq_error("setting the publisher's queue"))?;
    publisher
        .set_linger(0)
        .map_err(zmq_error("setting linger"))?;
    publisher
        .bind("tcp://127.0.0.1:0")
        .map_err(zmq_error("binding a publisher"))?;
    let address = publisher
        .get_last_endpoint()
        .map_err(zmq_error("reading the publisher's address"))?
        .unwrap_or_default();
    let reader_context = zmq::Context::new();
    let subscriber = reader_context
        .socket(zmq::SUB)
        .map_err(zmq_error("creating a subscriber"))?;
    subscriber
        .set_subscribe(b"")
        .map_err(zmq_error("subscribing"))?;
    subscriber
        .set_rcvtimeo(200)
        .map_err(zmq_error("setting the receive timeout"))?;
    subscriber
        .connect(&address)
        .map_err(zmq_error("connecting a subscriber"))?;
    // The subscription arrives at the XPUB: from then on every message goes out.
    publisher
        .recv_bytes(0)
        .map_err(zmq_error("waiting for the subscription"))?;
    let reader = std::thread::spawn(move || {
        let _context = reader_context;
        while subscriber.recv_multipart(0).is_ok() {}
    });
    let epoch = Epoch(0x1234).to_string();
    let effect = Effect::Append("1000000".to_owned());
    let started = Instant::now();
    for version in 1..=calls as u64 {
        live::send_update(&publisher, &epoch, version, &effect).map_err(zmq_error("publishing"))?;
    }
    let mean = started.elapsed() / u32::try_from(calls).unwrap_or(u32::MAX);
    reader.join().map_err(|_| BenchError::Panicked)?;
    Ok(mean)
}

/// Waits until the engine says the list is live.
fn wait_live(events: &Receiver<ClientEvent>) -> Result<(), LiveBenchError> {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(ClientEvent::Live(LiveState::Live)) => return Ok(()),
            Ok(_) => {}
            Err(_) => {
                return Err(LiveBenchError::Stalled {
                    what: "did not become live",
                    timeout: STEP_TIMEOUT,
                });
            }
        }
    }
}

/// Reads a live subscriber's events on a thread of its own (as a driver would), until the
/// engine stops.
fn drain(events: Receiver<ClientEvent>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || while events.recv().is_ok() {})
}

impl fmt::Display for LiveReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = Count(self.config.size as u64);
        writeln!(
            f,
            "Live updates: an in-process server with {n} elements over tcp://127.0.0.1; B \
             follows it live (client engine, into the app's table model); A appends on a \
             REQ socket, one change at a time."
        )?;
        writeln!(
            f,
            "  change to B's table (A's send to the change in B's table), {} appends: \
             p50 {}, p99 {}, max {}",
            Count(self.latency.count as u64),
            Time(self.latency.p50),
            Time(self.latency.p99),
            Time(self.latency.max),
        )?;
        writeln!(
            f,
            "  bytes per change: {:.0} B on the PUB socket ({:.0} B of frames), against {} \
             for the mostrar a seed client fetches to see it ({:.0}x less)",
            self.update_wire_bytes,
            self.update_payload_bytes,
            Bytes(self.mostrar_bytes as u64),
            self.mostrar_bytes as f64 / self.update_wire_bytes.max(1.0),
        )?;
        writeln!(
            f,
            "  heartbeat: {} B a second; resyncs during the run: {}",
            self.heartbeat_wire_bytes, self.resyncs
        )?;
        writeln!(
            f,
            "  joining: {} (hello, subscribe, one {} snapshot, parse, table)",
            Time(self.join),
            Bytes(self.snapshot_bytes as u64),
        )?;
        let change = |with: Duration| {
            (with.as_secs_f64() / self.append_unpublished.as_secs_f64().max(1e-12) - 1.0) * 100.0
        };
        writeln!(
            f,
            "  request path, append round trip on a list of {} (median of {} rounds of \
             {}): {} without publishing, {} publishing to nobody ({:+.1}%), {} publishing \
             to one subscriber in this process ({:+.1}%: its threads share the CPUs)",
            Count(COST_LIST as u64),
            self.config.cost_rounds,
            Count(self.config.cost_requests as u64),
            Time(self.append_unpublished),
            Time(self.append_published_idle),
            change(self.append_published_idle),
            Time(self.append_published),
            change(self.append_published),
        )?;
        let cpu = |c: Option<Duration>| c.map_or_else(|| "n/a".to_owned(), |c| Time(c).to_string());
        writeln!(
            f,
            "  the server thread's CPU per append: {} without publishing, {} publishing to \
             nobody, {} to one subscriber",
            cpu(self.server_cpu[0]),
            cpu(self.server_cpu[1]),
            cpu(self.server_cpu[2]),
        )?;
        writeln!(
            f,
            "  publishing one change costs the server's thread {} (one send_update call)",
            Time(self.publish_call)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_bytes_count_zmtp_frame_headers() {
        assert_eq!(wire_bytes(&[b"u".to_vec(), vec![0; 300]]), 3 + 309);
        let frames = live::encode_update(Epoch(1), 7, &Effect::Append("1000000".into()));
        // u, 16 hex digits, "7", "append", the element: 31 bytes and 5 two-byte headers.
        assert_eq!(wire_bytes(&frames), 31 + 10);
    }

    #[test]
    fn empty_runs_are_refused() {
        let config = LiveConfig {
            changes: 0,
            ..LiveConfig::default()
        };
        assert!(matches!(
            run(&config, &mut |_| {}),
            Err(LiveBenchError::Bench(BenchError::Config(_)))
        ));
    }
}
