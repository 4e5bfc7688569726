//! Small operations: N concurrent REQ clients send a mix of seed commands to the zlist
//! server, and in the same run the same clients send the same requests to a bare libzmq
//! REQ/REP echo (the floor), to a ROUTER echo, and to zlist's request handler behind a
//! minimal ROUTER loop; each one's throughput is reported as a ratio to the floor's.
//!
//! Each client count is measured in many short rounds that alternate the order of the
//! servers (floor, zlist, ROUTER echo, ROUTER+list, then the reverse, ...), so that a
//! drift or a burst of load from other processes falls on all of them alike; the floor
//! and zlist always run back to back, and their ratio is taken round by round. Every server is started afresh
//! for every run, on `tcp://127.0.0.1:0`, in this process, with its own ZeroMQ context
//! (one I/O thread); the clients share another context.

use std::fmt;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::bench::echo::EchoServer;
use crate::bench::measure::{
    BenchError, Bytes, Count, LatencySummary, Time, connect_in, process_cpu_time, shorten,
    thread_cpu_time,
};
use crate::bench::mix::{MIX_DESCRIPTION, Mix};
use crate::net::endpoint::{self, Role};
use crate::net::list::RemoteList;
use crate::net::server::{Server, ServerConfig};

/// Client counts measured by default.
pub const DEFAULT_CLIENTS: [usize; 3] = [1, 4, 16];

/// How long each run lasts by default.
pub const DEFAULT_RUN_TIME: Duration = Duration::from_millis(500);

/// How many alternating rounds each client count gets by default. Many short rounds
/// rather than a few long ones: a burst of load from elsewhere then spoils one round of
/// every server rather than one server's whole measurement.
pub const DEFAULT_ROUNDS: usize = 10;

/// Most clients a run may have: each is a thread with a socket.
pub const MAX_CLIENTS: usize = 256;

/// Longest run accepted.
pub const MAX_RUN_TIME: Duration = Duration::from_secs(600);

/// Elements of the list the zlist server starts each run with.
pub const BASE_LIST_LEN: usize = 10;

/// How long a client waits for one reply by default before the run fails.
pub const DEFAULT_REPLY_TIMEOUT: Duration = Duration::from_secs(5);

/// The name of the zlist server's thread (`net::server`).
const SERVER_THREAD: &str = "zlist-server";

/// What the round-trip benchmark runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundTripConfig {
    /// Client counts, one set of runs each.
    pub clients: Vec<usize>,
    /// Duration of one run (one server, one client count, one round).
    pub run_time: Duration,
    /// Alternating rounds per client count; their results are merged.
    pub rounds: usize,
    /// Measure this list server (`tcp://HOST:PORT`, e.g. the seed's Python server) instead
    /// of an in-process zlist server. Its list gets the mix's elements added and removed
    /// again, and is sorted.
    pub connect: Option<String>,
    /// Safety bound on the requests one client sends in one run.
    pub max_requests_per_client: u64,
    /// How long a client waits for one reply before the run fails.
    pub reply_timeout: Duration,
}

impl Default for RoundTripConfig {
    fn default() -> Self {
        Self {
            clients: DEFAULT_CLIENTS.to_vec(),
            run_time: DEFAULT_RUN_TIME,
            rounds: DEFAULT_ROUNDS,
            connect: None,
            max_requests_per_client: 10_000_000,
            reply_timeout: DEFAULT_REPLY_TIMEOUT,
        }
    }
}

/// The servers a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The floor: a bare libzmq REP socket that sends each request back.
    RepEcho,
    /// A ROUTER socket that handles the REQ envelope in Rust as the zlist server does
    /// (`recv_multipart`, `send_multipart`) and sends the request back.
    RouterEcho,
    /// zlist's request handler (`ListService`) behind a minimal ROUTER loop that blocks
    /// in `recv`: zlist's work on a request without the zlist server's loop (which polls
    /// its stop socket too), so the two can be told apart.
    RouterList,
    /// The list server under test: zlist in memory, or the `--connect` target.
    ListServer,
}

impl Subject {
    /// Short name for the tables.
    pub fn label(self, external: bool) -> &'static str {
        match self {
            Self::RepEcho => "REP echo",
            Self::RouterEcho => "ROUTER echo",
            Self::RouterList => "ROUTER+list",
            Self::ListServer if external => "target",
            Self::ListServer => "zlist",
        }
    }
}

/// The measurements of one server with one client count, all rounds merged.
#[derive(Debug, Clone, PartialEq)]
pub struct RunStats {
    /// Which server.
    pub subject: Subject,
    /// Concurrent clients.
    pub clients: usize,
    /// Round trips completed.
    pub requests: u64,
    /// Replies that were not what the server must answer (must be 0).
    pub unexpected: u64,
    /// Wall time of the runs, from the clients' common start to the last one's end.
    pub elapsed: Duration,
    /// Round-trip latency as one client sees it.
    pub latency: LatencySummary,
    /// Request bytes sent.
    pub request_bytes: u64,
    /// Reply bytes received.
    pub reply_bytes: u64,
    /// Round trips per second of each round, in order.
    pub round_throughputs: Vec<f64>,
    /// CPU time the whole process (clients, server, their I/O threads) used during the
    /// runs; `None` where it cannot be read.
    pub cpu: Option<Duration>,
    /// CPU time of the server's own thread (the one that receives, answers and sends;
    /// not libzmq's I/O thread) during the runs; `None` for an external target or where
    /// it cannot be read.
    pub server_cpu: Option<Duration>,
}

impl RunStats {
    /// Round trips per second, over all rounds.
    pub fn throughput(&self) -> f64 {
        per_second(self.requests, self.elapsed)
    }

    /// Mean request size in bytes.
    pub fn mean_request_bytes(&self) -> f64 {
        self.request_bytes as f64 / self.requests.max(1) as f64
    }

    /// Mean reply size in bytes.
    pub fn mean_reply_bytes(&self) -> f64 {
        self.reply_bytes as f64 / self.requests.max(1) as f64
    }

    /// CPU time of the whole process per round trip: the clients' share is the same for
    /// every server, so differences between servers are the servers' own costs.
    pub fn cpu_per_round_trip(&self) -> Option<Duration> {
        per_request(self.cpu?, self.requests)
    }

    /// CPU time of the server's own thread per round trip: what the server does with a
    /// request, from libzmq handing it over to libzmq taking the reply.
    pub fn server_cpu_per_round_trip(&self) -> Option<Duration> {
        per_request(self.server_cpu?, self.requests)
    }
}

fn per_request(total: Duration, requests: u64) -> Option<Duration> {
    (requests > 0).then(|| Duration::from_secs_f64(total.as_secs_f64() / requests as f64))
}

fn per_second(count: u64, elapsed: Duration) -> f64 {
    if elapsed.is_zero() {
        0.0
    } else {
        count as f64 / elapsed.as_secs_f64()
    }
}

/// The servers measured with one client count.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientsResult {
    /// Concurrent clients.
    pub clients: usize,
    /// The bare REP echo: the floor.
    pub floor: RunStats,
    /// The ROUTER echo.
    pub router: RunStats,
    /// zlist's handler behind a minimal ROUTER loop.
    pub router_list: RunStats,
    /// The list server.
    pub server: RunStats,
}

impl ClientsResult {
    /// The list server's throughput as a fraction of the floor's (1.0 = as fast): the
    /// median over rounds of the ratio within a round, so that one disturbed round does
    /// not decide it.
    pub fn ratio(&self) -> f64 {
        median_ratio(&self.server, &self.floor)
    }

    /// The ROUTER echo's throughput as a fraction of the floor's, as `ratio`.
    pub fn router_ratio(&self) -> f64 {
        median_ratio(&self.router, &self.floor)
    }

    /// The ROUTER+list server's throughput as a fraction of the floor's, as `ratio`.
    pub fn router_list_ratio(&self) -> f64 {
        median_ratio(&self.router_list, &self.floor)
    }

    /// Every server's measurements, in the order of the tables.
    pub fn all(&self) -> [&RunStats; 4] {
        [&self.floor, &self.router, &self.router_list, &self.server]
    }

    /// The list server's ratio to the floor in each round, lowest and highest: how much
    /// the ratio moved between rounds.
    pub fn ratio_range(&self) -> (f64, f64) {
        round_ratios(&self.server, &self.floor)
            .into_iter()
            .fold((f64::INFINITY, 0.0_f64), |(lo, hi), r| {
                (lo.min(r), hi.max(r))
            })
    }
}

/// `subject`'s throughput divided by `floor`'s, round by round.
pub(crate) fn round_ratios(subject: &RunStats, floor: &RunStats) -> Vec<f64> {
    subject
        .round_throughputs
        .iter()
        .zip(&floor.round_throughputs)
        .map(|(&subject, &floor)| ratio(subject, floor))
        .collect()
}

/// The median of the per-round ratios (the mean of the middle two for an even count).
pub(crate) fn median_ratio(subject: &RunStats, floor: &RunStats) -> f64 {
    let mut ratios = round_ratios(subject, floor);
    ratios.sort_by(f64::total_cmp);
    match ratios.len() {
        0 => 0.0,
        n if n % 2 == 1 => ratios[n / 2],
        n => (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0,
    }
}

fn ratio(subject: f64, floor: f64) -> f64 {
    if floor > 0.0 { subject / floor } else { 0.0 }
}

/// Everything the round-trip benchmark measured.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundTripReport {
    /// The configuration it ran.
    pub config: RoundTripConfig,
    /// One entry per client count, in the configured order.
    pub results: Vec<ClientsResult>,
}

/// Runs the round-trip benchmark; `progress` hears what starts next.
pub fn run(
    config: &RoundTripConfig,
    progress: &mut dyn FnMut(&str),
) -> Result<RoundTripReport, BenchError> {
    check(config)?;
    let target = match &config.connect {
        Some(address) => Some(
            endpoint::normalize(address, Role::Connect)
                .map_err(|error| BenchError::Config(error.to_string()))?,
        ),
        None => None,
    };
    let mut results = Vec::with_capacity(config.clients.len());
    for &clients in &config.clients {
        let mut runs: [Vec<RawRun>; 4] = Default::default();
        for round in 0..config.rounds {
            // The floor and the list server run next to each other, so that their ratio
            // compares runs as close in time as possible.
            let mut order = [
                Subject::RepEcho,
                Subject::ListServer,
                Subject::RouterEcho,
                Subject::RouterList,
            ];
            if round % 2 == 1 {
                order.reverse();
            }
            for subject in order {
                progress(&format!(
                    "round trips: {clients} client(s), {}, round {}/{}",
                    subject.label(target.is_some()),
                    round + 1,
                    config.rounds
                ));
                let raw = measure(subject, target.as_deref(), clients, config)?;
                runs[subject as usize].push(raw);
            }
        }
        let [floor, router, router_list, server] = runs;
        results.push(ClientsResult {
            clients,
            floor: merge(Subject::RepEcho, clients, floor),
            router: merge(Subject::RouterEcho, clients, router),
            router_list: merge(Subject::RouterList, clients, router_list),
            server: merge(Subject::ListServer, clients, server),
        });
    }
    Ok(RoundTripReport {
        config: config.clone(),
        results,
    })
}

fn check(config: &RoundTripConfig) -> Result<(), BenchError> {
    let problem = if config.clients.is_empty() {
        Some("no client counts given".to_owned())
    } else if let Some(&n) = config.clients.iter().find(|&&n| n == 0 || n > MAX_CLIENTS) {
        Some(format!("{n} clients: give 1 to {MAX_CLIENTS}"))
    } else if config.run_time.is_zero() || config.run_time > MAX_RUN_TIME {
        Some(format!(
            "a run of {:?}: give more than 0 and at most {MAX_RUN_TIME:?}",
            config.run_time
        ))
    } else if config.reply_timeout.is_zero() {
        Some("a reply timeout of 0: give more".to_owned())
    } else if config.rounds == 0 {
        Some("0 rounds: give at least 1".to_owned())
    } else {
        None
    };
    match problem {
        Some(problem) => Err(BenchError::Config(problem)),
        None => Ok(()),
    }
}

/// One run's measurements, before rounds are merged.
#[derive(Debug, Default)]
pub(crate) struct RawRun {
    requests: u64,
    unexpected: u64,
    elapsed: Duration,
    nanos: Vec<u64>,
    request_bytes: u64,
    reply_bytes: u64,
    cpu: Option<Duration>,
    server_cpu: Option<Duration>,
}

pub(crate) fn merge(subject: Subject, clients: usize, runs: Vec<RawRun>) -> RunStats {
    let round_throughputs = runs
        .iter()
        .map(|run| per_second(run.requests, run.elapsed))
        .collect();
    let mut nanos = Vec::with_capacity(runs.iter().map(|run| run.nanos.len()).sum());
    let mut stats = RunStats {
        subject,
        clients,
        requests: 0,
        unexpected: 0,
        elapsed: Duration::ZERO,
        latency: LatencySummary::default(),
        request_bytes: 0,
        reply_bytes: 0,
        cpu: Some(Duration::ZERO),
        server_cpu: Some(Duration::ZERO),
        round_throughputs,
    };
    for run in runs {
        stats.requests += run.requests;
        stats.unexpected += run.unexpected;
        stats.elapsed += run.elapsed;
        stats.request_bytes += run.request_bytes;
        stats.reply_bytes += run.reply_bytes;
        stats.cpu = stats.cpu.zip(run.cpu).map(|(a, b)| a + b);
        stats.server_cpu = stats.server_cpu.zip(run.server_cpu).map(|(a, b)| a + b);
        nanos.extend(run.nanos);
    }
    stats.latency = LatencySummary::from_nanos(&mut nanos);
    stats
}

/// Starts `subject` (unless it is an external target), runs the clients against it and
/// stops it.
fn measure(
    subject: Subject,
    target: Option<&str>,
    clients: usize,
    config: &RoundTripConfig,
) -> Result<RawRun, BenchError> {
    match (subject, target) {
        (Subject::ListServer, Some(target)) => {
            run_clients(subject, &[target], None, clients, config)
        }
        (Subject::ListServer, None) => {
            let server = Server::start(
                ServerConfig {
                    bind: "tcp://127.0.0.1:0".to_owned(),
                    ..ServerConfig::default()
                },
                RemoteList::from_items(base_list()),
            )?;
            let result = run_clients(
                subject,
                &[server.endpoint()],
                Some(SERVER_THREAD),
                clients,
                config,
            );
            server.stop()?;
            result
        }
        (Subject::RepEcho | Subject::RouterEcho | Subject::RouterList, _) => {
            let echo = EchoServer::start(subject)?;
            let result = run_clients(
                subject,
                &[&echo.endpoint],
                Some(crate::bench::echo::ECHO_THREAD),
                clients,
                config,
            );
            echo.stop()?;
            result
        }
    }
}

/// The list the in-process zlist server starts each run with.
pub(crate) fn base_list() -> Vec<String> {
    (0..BASE_LIST_LEN).map(|i| format!("item{i}")).collect()
}

/// Runs `clients` REQ clients against `endpoints` (client `i` on endpoint `i % len`: split
/// evenly) for one run and adds up what they saw; `server_thread` names the server's thread
/// when it runs in this process.
pub(crate) fn run_clients(
    subject: Subject,
    endpoints: &[&str],
    server_thread: Option<&str>,
    clients: usize,
    config: &RoundTripConfig,
) -> Result<RawRun, BenchError> {
    if endpoints.is_empty() {
        return Err(BenchError::Config(
            "no server to send requests to".to_owned(),
        ));
    }
    let context = zmq::Context::new();
    // The clients and this thread, which reads the CPU clock when they start.
    let start_line = Arc::new(Barrier::new(clients + 1));
    let mut threads = Vec::with_capacity(clients);
    for index in 0..clients {
        let client = Client {
            context: context.clone(),
            endpoint: endpoints[index % endpoints.len()].to_owned(),
            echo: matches!(subject, Subject::RepEcho | Subject::RouterEcho),
            index,
            run_time: config.run_time,
            max_requests: config.max_requests_per_client,
            reply_timeout: config.reply_timeout,
            start_line: Arc::clone(&start_line),
        };
        let thread = std::thread::Builder::new()
            .name(format!("zlist-bench-client-{index}"))
            .spawn(move || client.run())
            .map_err(|_| BenchError::Panicked)?;
        threads.push(thread);
    }
    start_line.wait();
    let cpu_before = process_cpu_time();
    let server_cpu_before = server_thread.and_then(thread_cpu_time);
    let mut total = RawRun::default();
    let mut first_error = None;
    let mut span: Option<(Instant, Instant)> = None;
    for thread in threads {
        match thread.join() {
            Ok(Ok(run)) => {
                span = Some(match span {
                    None => (run.started, run.ended),
                    Some((s, e)) => (s.min(run.started), e.max(run.ended)),
                });
                total.requests += run.requests;
                total.unexpected += run.unexpected;
                total.request_bytes += run.request_bytes;
                total.reply_bytes += run.reply_bytes;
                total.nanos.extend(run.nanos);
            }
            Ok(Err(error)) => {
                first_error.get_or_insert(error);
            }
            Err(_) => {
                first_error.get_or_insert(BenchError::Panicked);
            }
        }
    }
    if let Some(error) = first_error {
        return Err(error);
    }
    let since = |before: Option<Duration>, after: Option<Duration>| {
        before
            .zip(after)
            .map(|(before, after)| after.saturating_sub(before))
    };
    total.cpu = since(cpu_before, process_cpu_time());
    total.server_cpu = since(server_cpu_before, server_thread.and_then(thread_cpu_time));
    total.elapsed = span.map_or(Duration::ZERO, |(s, e)| e.duration_since(s));
    Ok(total)
}

/// One client thread of a run.
struct Client {
    context: zmq::Context,
    endpoint: String,
    /// Talking to an echo server: the reply must be the request.
    echo: bool,
    index: usize,
    run_time: Duration,
    max_requests: u64,
    reply_timeout: Duration,
    start_line: Arc<Barrier>,
}

/// What one client measured.
struct ClientRun {
    requests: u64,
    unexpected: u64,
    started: Instant,
    ended: Instant,
    nanos: Vec<u64>,
    request_bytes: u64,
    reply_bytes: u64,
}

impl Client {
    fn run(self) -> Result<ClientRun, BenchError> {
        let socket = self.connect();
        // Every client waits at the start line, even one whose socket failed, so that
        // the others are not left waiting for it.
        let socket = socket.and_then(|socket| {
            // One round trip before the clock starts: the connection is then up.
            let mut reply = zmq::Message::new();
            round_trip(
                &socket,
                b"pesquisar zlist-bench-warmup",
                &mut reply,
                self.reply_timeout,
            )?;
            Ok(socket)
        });
        self.start_line.wait();
        let socket = socket?;

        let mut mix = Mix::new(self.index);
        let mut request = String::with_capacity(64);
        let mut reply = zmq::Message::new();
        let mut run = ClientRun {
            requests: 0,
            unexpected: 0,
            started: Instant::now(),
            ended: Instant::now(),
            nanos: Vec::with_capacity(1 << 16),
            request_bytes: 0,
            reply_bytes: 0,
        };
        let deadline = run.started + self.run_time;
        while run.requests < self.max_requests {
            let sent = Instant::now();
            // Past the deadline, the cycle is finished first: the list is then left as
            // the mix found it (as a set).
            if sent >= deadline && mix.at_cycle_start() {
                break;
            }
            let expect = mix.next_request(&mut request);
            round_trip(&socket, request.as_bytes(), &mut reply, self.reply_timeout)?;
            let nanos = sent.elapsed().as_nanos();
            run.nanos.push(u64::try_from(nanos).unwrap_or(u64::MAX));
            run.requests += 1;
            run.request_bytes += request.len() as u64;
            run.reply_bytes += reply.len() as u64;
            let expected = if self.echo {
                &reply[..] == request.as_bytes()
            } else {
                expect.matches(&reply)
            };
            if !expected {
                if run.unexpected == 0 {
                    tracing::warn!("unexpected reply to {:?}: {:?}", request, shorten(&reply));
                }
                run.unexpected += 1;
            }
        }
        run.ended = Instant::now();
        Ok(run)
    }

    fn connect(&self) -> Result<zmq::Socket, BenchError> {
        connect_in(&self.context, &self.endpoint, self.reply_timeout)
    }
}

/// Sends one request and waits for its reply (at most the socket's receive timeout,
/// `timeout`).
fn round_trip(
    socket: &zmq::Socket,
    request: &[u8],
    reply: &mut zmq::Message,
    timeout: Duration,
) -> Result<(), BenchError> {
    let no_reply = |source| BenchError::NoReply {
        request: shorten(request),
        timeout,
        source,
    };
    socket.send(request, 0).map_err(no_reply)?;
    socket.recv(reply, 0).map_err(no_reply)
}

impl fmt::Display for RoundTripReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let external = self.config.connect.is_some();
        let rounds = self.config.rounds;
        writeln!(
            f,
            "Round trips: concurrent REQ clients (threads of this process), {} per run, \
             {rounds} round{} per server alternating the order.",
            Time(self.config.run_time),
            if rounds == 1 { "" } else { "s" },
        )?;
        writeln!(
            f,
            "  REP echo     the floor: a bare libzmq REP socket sending each request back"
        )?;
        writeln!(
            f,
            "  ROUTER echo  a ROUTER socket handling the envelope in Rust as zlist does, \
             sending each request back"
        )?;
        writeln!(
            f,
            "  ROUTER+list  zlist's request handler behind a minimal ROUTER loop (blocking recv, \
             no stop socket to poll)"
        )?;
        match &self.config.connect {
            Some(target) => writeln!(f, "  target       the list server at {target}")?,
            None => writeln!(
                f,
                "  zlist        the zlist server (ServerConfig::default(): in memory, no live-update \
                 publisher), starting each run with {BASE_LIST_LEN} elements"
            )?,
        }
        writeln!(f, "  mix          {MIX_DESCRIPTION}")?;
        writeln!(
            f,
            "  The echo clients send the same requests; every server runs on 127.0.0.1 \
             (the target wherever it is)."
        )?;
        writeln!(
            f,
            "  round trips/s and latencies: all rounds together; vs floor: median over rounds \
             of round trips/s divided by the floor's in the same round (lowest-highest in \
             brackets); CPU/rt: CPU time per round trip of this whole process (clients \
             included); srv CPU: the same for the server's own thread."
        )?;
        writeln!(f)?;
        writeln!(
            f,
            "{:>7}  {:<11}  {:>13}  {:>9}  {:>9}  {:>9}  {:>5}  {:>7}  {:>9}  {:>8}  {:>8}  (rounds)",
            "clients",
            "server",
            "round trips/s",
            "p50",
            "p99",
            "max",
            "req B",
            "reply B",
            "CPU/rt",
            "srv CPU",
            "vs floor",
        )?;
        for result in &self.results {
            for stats in result.all() {
                let vs_floor = match stats.subject {
                    Subject::RepEcho => "1.00".to_owned(),
                    Subject::RouterEcho => format!("{:.2}", result.router_ratio()),
                    Subject::RouterList => format!("{:.2}", result.router_list_ratio()),
                    Subject::ListServer => format!("{:.2}", result.ratio()),
                };
                let rounds = if stats.subject == Subject::ListServer && rounds > 1 {
                    let (lo, hi) = result.ratio_range();
                    format!("({lo:.2}-{hi:.2})")
                } else {
                    String::new()
                };
                let cpu = stats
                    .cpu_per_round_trip()
                    .map_or("n/a".to_owned(), |cpu| Time(cpu).to_string());
                let server_cpu = stats
                    .server_cpu_per_round_trip()
                    .map_or("n/a".to_owned(), |cpu| Time(cpu).to_string());
                writeln!(
                    f,
                    "{:>7}  {:<11}  {:>13}  {:>9}  {:>9}  {:>9}  {:>5.0}  {:>7.0}  {:>9}  {:>8}  {:>8}  {}",
                    result.clients,
                    stats.subject.label(external),
                    Count(stats.throughput().round() as u64),
                    Time(stats.latency.p50),
                    Time(stats.latency.p99),
                    Time(stats.latency.max),
                    stats.mean_request_bytes(),
                    stats.mean_reply_bytes(),
                    cpu,
                    server_cpu,
                    vs_floor,
                    rounds,
                )?;
                if stats.unexpected > 0 {
                    writeln!(
                        f,
                        "         ^ {} unexpected replies (see the log)",
                        Count(stats.unexpected)
                    )?;
                }
            }
        }
        let total: u64 = self
            .results
            .iter()
            .flat_map(ClientsResult::all)
            .map(|s| s.requests)
            .sum();
        write!(
            f,
            "{} round trips in all, {} of traffic",
            Count(total),
            Bytes(
                self.results
                    .iter()
                    .flat_map(ClientsResult::all)
                    .map(|s| s.request_bytes + s.reply_bytes)
                    .sum()
            )
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_leaves_the_list_as_it_found_it() {
        let mut list = RemoteList::from_items(base_list());
        let mut mixes = [Mix::new(0), Mix::new(1)];
        let mut request = String::new();
        for _ in 0..3 * 8 {
            for mix in &mut mixes {
                let expect = mix.next_request(&mut request);
                let command = crate::net::protocol::parse_command(&request).unwrap();
                let (outcome, _) = list.execute(&command);
                assert!(
                    expect.matches(outcome.text.as_bytes()),
                    "{request} -> {}",
                    outcome.text
                );
            }
        }
        let mut expected = base_list();
        expected.sort();
        assert_eq!(list.to_vec(), expected);
    }

    #[test]
    fn bad_configurations_are_refused_before_running() {
        let mut progress = |_: &str| {};
        for config in [
            RoundTripConfig {
                clients: vec![],
                ..RoundTripConfig::default()
            },
            RoundTripConfig {
                clients: vec![0],
                ..RoundTripConfig::default()
            },
            RoundTripConfig {
                run_time: Duration::ZERO,
                ..RoundTripConfig::default()
            },
            RoundTripConfig {
                rounds: 0,
                ..RoundTripConfig::default()
            },
            RoundTripConfig {
                connect: Some("localhost".into()),
                ..RoundTripConfig::default()
            },
        ] {
            let error = run(&config, &mut progress).unwrap_err();
            assert!(matches!(error, BenchError::Config(_)), "{error}");
        }
    }
}
