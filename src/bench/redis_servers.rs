//! `zlist bench --only redis`: zlist servers keeping the list in Redis, against the
//! in-process server, in one run with a `redis-server` of the bench's own on loopback.
//!
//! - Small operations: the round-trip mix (`mix.rs`) at each client count, sent to the
//!   in-process server (memory), to one zlist server over the Redis, and to two zlist
//!   servers over the same Redis (clients split half each), in alternating rounds as the
//!   round-trip benchmark does; each as a ratio to the in-process server.
//! - `redis-benchmark` (RPUSH, LRANGE_100) against the same Redis at the same client
//!   counts: Redis's own protocol, no zlist in between (skipped, said, when missing).
//! - The large-list operations (`large.rs`) through one zlist server over the Redis,
//!   against the in-process server, on the same lists.

use std::collections::HashMap;
use std::fmt;
use std::process::Command;
use std::time::Duration;

use anyhow::Context as _;

use crate::bench::large::{self, Fixture, Operation, Order};
use crate::bench::measure::{Count, Time, median};
use crate::bench::mix::MIX_DESCRIPTION;
use crate::bench::redis_process::RedisProcess;
use crate::bench::roundtrip::{self, RawRun, RoundTripConfig, RunStats, Subject};
use crate::net::backend::redis::RedisOptions;
use crate::net::list::RemoteList;
use crate::net::server::{Server, ServerConfig};

/// List sizes of the large-list part by default.
pub const DEFAULT_SIZES: [usize; 1] = [1_000_000];

/// The list name (`--redis-key`) of the small-operation runs.
const SMALL_KEY: &str = "zlist-bench-small";

/// The list name of the large-list runs.
const LARGE_KEY: &str = "zlist-bench-large";

/// Elements per `RPUSH` while loading a large list.
const LOAD_BATCH: usize = 10_000;

/// How long one Redis command of the loading may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// `redis-benchmark` requests per client count: about this many per second of the
/// round-trip runs at that client count, at least [`MIN_BENCHMARK_REQUESTS`].
const BENCHMARK_REQUESTS_PER_SECOND: f64 = 50_000.0;

/// Fewest `redis-benchmark` requests per test.
const MIN_BENCHMARK_REQUESTS: u64 = 1_000;

/// What `zlist bench --only redis` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisBenchConfig {
    /// Client counts, run time and rounds of the small operations (`connect` is ignored).
    pub roundtrip: RoundTripConfig,
    /// List sizes of the large-list part.
    pub sizes: Vec<usize>,
    /// Repeats of each large-list measurement; the median is reported.
    pub repeats: usize,
}

/// The servers the small operations are sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    /// The zlist server in memory, in this process.
    InProcess,
    /// One zlist server keeping the list in the Redis.
    OneOnRedis,
    /// Two zlist servers keeping the list in the same Redis, clients split half each.
    TwoOnRedis,
}

impl Setup {
    /// Short name for the table.
    pub fn label(self) -> &'static str {
        match self {
            Self::InProcess => "in-process",
            Self::OneOnRedis => "1 on Redis",
            Self::TwoOnRedis => "2 on Redis",
        }
    }
}

/// `redis-benchmark`'s requests per second at one client count.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchmarkRates {
    /// `RPUSH` requests per second.
    pub rpush: f64,
    /// `LRANGE key 0 99` requests per second.
    pub lrange_100: f64,
}

/// Everything measured with one client count.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientsRow {
    /// Concurrent clients.
    pub clients: usize,
    /// The in-process server.
    pub in_process: RunStats,
    /// One zlist server on Redis.
    pub one: RunStats,
    /// Two zlist servers on the same Redis.
    pub two: RunStats,
    /// `redis-benchmark` against the same Redis (`None`: not installed or it failed).
    pub redis_benchmark: Option<BenchmarkRates>,
}

impl ClientsRow {
    /// A setup's measurements.
    pub fn stats(&self, setup: Setup) -> &RunStats {
        match setup {
            Setup::InProcess => &self.in_process,
            Setup::OneOnRedis => &self.one,
            Setup::TwoOnRedis => &self.two,
        }
    }

    /// A setup's throughput as a fraction of the in-process server's: the median over
    /// rounds of the ratio within a round.
    pub fn ratio(&self, setup: Setup) -> f64 {
        roundtrip::median_ratio(self.stats(setup), &self.in_process)
    }

    /// A `redis-benchmark` rate as a fraction of the in-process server's round trips/s.
    pub fn benchmark_ratio(&self, rate: f64) -> f64 {
        let base = self.in_process.throughput();
        if base > 0.0 { rate / base } else { 0.0 }
    }
}

/// One large-list operation, median of the repeats, end to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeOperation {
    /// Which operation.
    pub operation: Operation,
    /// Against the in-process server.
    pub in_process: Duration,
    /// Through one zlist server on the Redis.
    pub on_redis: Duration,
}

/// The large-list operations on one list size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeRow {
    /// Elements in the list.
    pub size: usize,
    /// `Operation::ON_APPENDED`, then `Operation::ON_SHUFFLED`.
    pub operations: Vec<LargeOperation>,
}

/// Everything `zlist bench --only redis` measured.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisBenchReport {
    /// The configuration it ran.
    pub config: RedisBenchConfig,
    /// The Redis version, as `INFO` says.
    pub redis_version: String,
    /// Why there is no `redis-benchmark` column, if there is none.
    pub benchmark_note: Option<String>,
    /// One row per client count.
    pub rows: Vec<ClientsRow>,
    /// One row per list size.
    pub large: Vec<LargeRow>,
}

/// Runs the benchmark; `progress` hears what starts next.
pub fn run(
    config: &RedisBenchConfig,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<RedisBenchReport> {
    if config.roundtrip.clients.is_empty() || config.roundtrip.rounds == 0 {
        anyhow::bail!("give at least one client count and one round");
    }
    if let Some(&n) = config
        .roundtrip
        .clients
        .iter()
        .find(|&&n| n == 0 || n > roundtrip::MAX_CLIENTS)
    {
        anyhow::bail!("{n} clients: give 1 to {}", roundtrip::MAX_CLIENTS);
    }
    if config.sizes.is_empty() || config.repeats == 0 {
        anyhow::bail!("give at least one list size and one repeat");
    }
    if let Some(&size) = config
        .sizes
        .iter()
        .find(|&&n| n == 0 || n > large::MAX_SIZE)
    {
        anyhow::bail!("a list of {size} elements: give 1 to {}", large::MAX_SIZE);
    }
    progress("Redis: starting redis-server on 127.0.0.1");
    let redis = RedisProcess::start(&std::env::temp_dir(), &["--maxmemory", "0"])
        .context("starting redis-server")?;
    let mut connection = connect(&redis)?;
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query(&mut connection)
        .context("Redis INFO server")?;
    let redis_version = info
        .lines()
        .find_map(|line| line.strip_prefix("redis_version:"))
        .unwrap_or("?")
        .trim()
        .to_owned();
    load(&mut connection, SMALL_KEY, &roundtrip::base_list())?;
    let benchmark_note = benchmark_missing();
    let mut rows = Vec::with_capacity(config.roundtrip.clients.len());
    for &clients in &config.roundtrip.clients {
        rows.push(measure_clients(
            &redis,
            clients,
            &config.roundtrip,
            progress,
        )?);
        let row = rows.last_mut().context("a row was just added")?;
        if benchmark_note.is_none() {
            progress(&format!("Redis: redis-benchmark, {clients} client(s)"));
            row.redis_benchmark = Some(
                redis_benchmark(&redis, clients, &config.roundtrip)
                    .context("redis-benchmark failed")?,
            );
        }
    }
    let mut large = Vec::with_capacity(config.sizes.len());
    for &size in &config.sizes {
        progress(&format!(
            "Redis: large list of {} elements",
            Count(size as u64)
        ));
        large.push(measure_large(
            &redis,
            &mut connection,
            size,
            config.repeats,
        )?);
    }
    Ok(RedisBenchReport {
        config: config.clone(),
        redis_version,
        benchmark_note,
        rows,
        large,
    })
}

fn connect(redis: &RedisProcess) -> anyhow::Result<redis::Connection> {
    let client = redis::Client::open(redis.url()).context("the Redis URL")?;
    let connection = client
        .get_connection_with_timeout(COMMAND_TIMEOUT)
        .context("connecting to redis-server")?;
    connection
        .set_read_timeout(Some(COMMAND_TIMEOUT))
        .context("setting the Redis read timeout")?;
    Ok(connection)
}

/// Empties the Redis and gives the list `name` these elements, as a list loaded by hand
/// (zlist counts its bytes on the first change).
fn load(connection: &mut redis::Connection, name: &str, items: &[String]) -> anyhow::Result<()> {
    redis::cmd("FLUSHALL")
        .exec(connection)
        .context("Redis FLUSHALL")?;
    let key = format!("{{{name}}}:list");
    for batch in items.chunks(LOAD_BATCH) {
        redis::cmd("RPUSH")
            .arg(&key)
            .arg(batch)
            .exec(connection)
            .context("loading the list into Redis (RPUSH)")?;
    }
    Ok(())
}

/// A zlist server on a free loopback port: in memory holding `list`, or keeping the list
/// `name` in `redis`.
fn start_server(redis: Option<(&RedisProcess, &str)>, list: Vec<String>) -> anyhow::Result<Server> {
    let options = redis.map(|(redis, name)| RedisOptions {
        key: name.to_owned(),
        ..RedisOptions::url(&redis.url())
    });
    Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".to_owned(),
            redis: options,
            ..ServerConfig::default()
        },
        RemoteList::from_items(list),
    )
    .context("starting a zlist server")
}

/// The three setups at one client count, `config.rounds` rounds alternating their order.
fn measure_clients(
    redis: &RedisProcess,
    clients: usize,
    config: &RoundTripConfig,
    progress: &mut dyn FnMut(&str),
) -> anyhow::Result<ClientsRow> {
    let mut runs: [Vec<RawRun>; 3] = Default::default();
    for round in 0..config.rounds {
        let mut order = [Setup::InProcess, Setup::OneOnRedis, Setup::TwoOnRedis];
        if round % 2 == 1 {
            order.reverse();
        }
        for setup in order {
            progress(&format!(
                "Redis: {clients} client(s), {}, round {}/{}",
                setup.label(),
                round + 1,
                config.rounds
            ));
            let servers = match setup {
                Setup::InProcess => vec![start_server(None, roundtrip::base_list())?],
                Setup::OneOnRedis => vec![start_server(Some((redis, SMALL_KEY)), Vec::new())?],
                Setup::TwoOnRedis => vec![
                    start_server(Some((redis, SMALL_KEY)), Vec::new())?,
                    start_server(Some((redis, SMALL_KEY)), Vec::new())?,
                ],
            };
            let endpoints: Vec<&str> = servers.iter().map(Server::endpoint).collect();
            let result =
                roundtrip::run_clients(Subject::ListServer, &endpoints, None, clients, config);
            for server in servers {
                server.stop().context("stopping a zlist server")?;
            }
            let raw = result.with_context(|| format!("{} clients, {}", clients, setup.label()))?;
            runs[setup as usize].push(raw);
        }
    }
    let [in_process, one, two] =
        runs.map(|runs| roundtrip::merge(Subject::ListServer, clients, runs));
    for (setup, stats) in [
        (Setup::InProcess, &in_process),
        (Setup::OneOnRedis, &one),
        (Setup::TwoOnRedis, &two),
    ] {
        if stats.unexpected > 0 {
            anyhow::bail!(
                "{}: {} unexpected replies to the mix (see the log)",
                setup.label(),
                stats.unexpected
            );
        }
    }
    Ok(ClientsRow {
        clients,
        in_process,
        one,
        two,
        redis_benchmark: None,
    })
}

/// Why `redis-benchmark` cannot run here, or `None` when it can.
fn benchmark_missing() -> Option<String> {
    match Command::new("redis-benchmark").arg("--version").output() {
        Ok(output) if output.status.success() => None,
        Ok(output) => Some(format!(
            "redis-benchmark --version failed ({})",
            output.status
        )),
        Err(error) => Some(format!(
            "redis-benchmark is not installed ({error}); Debian/Ubuntu: apt-get install \
             redis-tools"
        )),
    }
}

/// `redis-benchmark -t rpush,lrange_100` with `clients` connections against `redis`.
fn redis_benchmark(
    redis: &RedisProcess,
    clients: usize,
    config: &RoundTripConfig,
) -> anyhow::Result<BenchmarkRates> {
    let seconds = config.run_time.as_secs_f64() * config.rounds as f64;
    let requests = ((seconds * BENCHMARK_REQUESTS_PER_SECOND) as u64).max(MIN_BENCHMARK_REQUESTS);
    let output = Command::new("redis-benchmark")
        .args(["-h", "127.0.0.1", "-p", &redis.port().to_string()])
        .args(["-c", &clients.to_string(), "-n", &requests.to_string()])
        .args(["-t", "rpush,lrange_100", "--csv"])
        .output()
        .context("running redis-benchmark")?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        anyhow::bail!(
            "redis-benchmark exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let rates = parse_benchmark_csv(&stdout);
    let rate = |test: &str| {
        rates
            .get(test)
            .copied()
            .with_context(|| format!("no {test} line in redis-benchmark's output: {stdout}"))
    };
    Ok(BenchmarkRates {
        rpush: rate("RPUSH")?,
        lrange_100: rate("LRANGE_100")?,
    })
}

/// The requests/s of each test in `redis-benchmark --csv` output, by the test's first word
/// (`"RPUSH","98039.22",...`, `"LRANGE_100 (first 100 elements)","27397.26",...`).
fn parse_benchmark_csv(csv: &str) -> HashMap<String, f64> {
    csv.lines()
        .filter_map(|line| {
            let mut fields = line.split(',').map(|field| field.trim().trim_matches('"'));
            let test = fields.next()?.split_whitespace().next()?.to_owned();
            let rate = fields.next()?.parse::<f64>().ok()?;
            Some((test, rate))
        })
        .collect()
}

/// The large-list operations on `size` elements, against the in-process server and
/// through one zlist server on `redis`, each on a fresh list per repeat and order.
fn measure_large(
    redis: &RedisProcess,
    connection: &mut redis::Connection,
    size: usize,
    repeats: usize,
) -> anyhow::Result<LargeRow> {
    let appended = large::list_items(size, Order::Appended);
    let shuffled = large::list_items(size, Order::Shuffled);
    let mut in_process: HashMap<Operation, Vec<Duration>> = HashMap::new();
    let mut on_redis: HashMap<Operation, Vec<Duration>> = HashMap::new();
    for _ in 0..repeats {
        for (items, operations) in [
            (&appended, &Operation::ON_APPENDED[..]),
            (&shuffled, &Operation::ON_SHUFFLED[..]),
        ] {
            let fixture = Fixture::new(items);
            let server = start_server(None, large::appended_copy(items))?;
            let times = large::time_requests(server.endpoint(), &fixture, operations, None);
            server.stop().context("stopping the in-process server")?;
            let times = times.context("the large-list operations, in process")?;
            for (&operation, time) in operations.iter().zip(times) {
                in_process.entry(operation).or_default().push(time);
            }

            load(connection, LARGE_KEY, items)?;
            let server = start_server(Some((redis, LARGE_KEY)), Vec::new())?;
            let times = large::time_requests(server.endpoint(), &fixture, operations, None);
            server
                .stop()
                .context("stopping the zlist server on Redis")?;
            let times = times.context("the large-list operations, on Redis")?;
            for (&operation, time) in operations.iter().zip(times) {
                on_redis.entry(operation).or_default().push(time);
            }
        }
    }
    redis::cmd("FLUSHALL")
        .exec(connection)
        .context("Redis FLUSHALL")?;
    let operations = Operation::ON_APPENDED
        .into_iter()
        .chain(Operation::ON_SHUFFLED)
        .map(|operation| LargeOperation {
            operation,
            in_process: median(in_process.get(&operation).map_or(&[], Vec::as_slice)),
            on_redis: median(on_redis.get(&operation).map_or(&[], Vec::as_slice)),
        })
        .collect();
    Ok(LargeRow { size, operations })
}

impl fmt::Display for RedisBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.config.roundtrip;
        let rounds = config.rounds;
        writeln!(
            f,
            "Redis: zlist servers keeping the list in one redis-server {} on 127.0.0.1 \
             (no persistence), {} per run, {rounds} round{} per setup alternating the order.",
            self.redis_version,
            Time(config.run_time),
            if rounds == 1 { "" } else { "s" },
        )?;
        writeln!(
            f,
            "  in-process   the zlist server in memory, starting each run with {} elements",
            roundtrip::BASE_LIST_LEN
        )?;
        writeln!(
            f,
            "  1 on Redis   one zlist server keeping the list in the Redis (each change: one \
             Lua script with its XADD; each request: a Redis round trip)"
        )?;
        writeln!(
            f,
            "  2 on Redis   two zlist servers over the same Redis, the clients split half each"
        )?;
        writeln!(
            f,
            "  redis-bench  redis-benchmark -t rpush,lrange_100 against the same Redis with as \
             many connections: Redis's own protocol, no zlist in between (requests/s)"
        )?;
        writeln!(f, "  mix          {MIX_DESCRIPTION}")?;
        writeln!(
            f,
            "  vs in-proc: median over rounds of round trips/s divided by the in-process \
             server's in the same round (lowest-highest in brackets); redis-benchmark: its \
             requests/s divided by the in-process round trips/s."
        )?;
        if let Some(note) = &self.benchmark_note {
            writeln!(f, "  no redis-benchmark column: {note}")?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:>7}  {:<22}  {:>13}  {:>9}  {:>9}  {:>10}  (rounds)",
            "clients", "server", "round trips/s", "p50", "p99", "vs in-proc"
        )?;
        for row in &self.rows {
            for setup in [Setup::InProcess, Setup::OneOnRedis, Setup::TwoOnRedis] {
                let stats = row.stats(setup);
                let range = if setup != Setup::InProcess && rounds > 1 {
                    let ratios = roundtrip::round_ratios(stats, &row.in_process);
                    let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = ratios.iter().copied().fold(0.0, f64::max);
                    format!("({lo:.2}-{hi:.2})")
                } else {
                    String::new()
                };
                writeln!(
                    f,
                    "{:>7}  {:<22}  {:>13}  {:>9}  {:>9}  {:>10.2}  {range}",
                    row.clients,
                    setup.label(),
                    Count(stats.throughput().round() as u64),
                    Time(stats.latency.p50),
                    Time(stats.latency.p99),
                    row.ratio(setup),
                )?;
            }
            if let Some(rates) = &row.redis_benchmark {
                for (test, rate) in [("RPUSH", rates.rpush), ("LRANGE_100", rates.lrange_100)] {
                    writeln!(
                        f,
                        "{:>7}  {:<22}  {:>13}  {:>9}  {:>9}  {:>10.2}",
                        row.clients,
                        format!("redis-bench {test}"),
                        Count(rate.round() as u64),
                        "",
                        "",
                        row.benchmark_ratio(rate),
                    )?;
                }
            }
        }
        let repeats = self.config.repeats;
        writeln!(f)?;
        writeln!(
            f,
            "Large lists through one zlist server on the Redis against the in-process server, \
             end to end from a REQ client (median of {repeats}); x in-proc: the time on Redis \
             divided by the in-process time."
        )?;
        for row in &self.large {
            writeln!(f, "N = {}", Count(row.size as u64))?;
            writeln!(
                f,
                "  {:<36}  {:>10}  {:>10}  {:>10}",
                "operation", "in-process", "on Redis", "x in-proc"
            )?;
            for op in &row.operations {
                let times = if op.in_process.is_zero() {
                    0.0
                } else {
                    op.on_redis.as_secs_f64() / op.in_process.as_secs_f64()
                };
                writeln!(
                    f,
                    "  {:<36}  {:>10}  {:>10}  {:>10.1}",
                    op.operation.label(),
                    Time(op.in_process),
                    Time(op.on_redis),
                    times,
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_benchmark_csv_gives_each_tests_rate_by_its_first_word() {
        let csv = "\"test\",\"rps\",\"avg_latency_ms\"\n\
                   \"RPUSH\",\"19417.48\",\"0.082\"\n\
                   \"LPUSH (needed to benchmark LRANGE)\",\"37735.85\",\"0.038\"\n\
                   \"LRANGE_100 (first 100 elements)\",\"27397.26\",\"0.049\"\n";
        let rates = parse_benchmark_csv(csv);
        assert_eq!(rates.get("RPUSH"), Some(&19417.48));
        assert_eq!(rates.get("LRANGE_100"), Some(&27397.26));
        assert_eq!(rates.get("test"), None, "the header is no test");
    }

    #[test]
    fn bad_configurations_are_refused_before_redis_starts() {
        let good = RedisBenchConfig {
            roundtrip: RoundTripConfig::default(),
            sizes: vec![10],
            repeats: 1,
        };
        let mut progress = |_: &str| {};
        for config in [
            RedisBenchConfig {
                roundtrip: RoundTripConfig {
                    clients: vec![0],
                    ..RoundTripConfig::default()
                },
                ..good.clone()
            },
            RedisBenchConfig {
                sizes: vec![],
                ..good.clone()
            },
            RedisBenchConfig {
                repeats: 0,
                ..good.clone()
            },
            RedisBenchConfig {
                sizes: vec![large::MAX_SIZE + 1],
                ..good.clone()
            },
        ] {
            let error = run(&config, &mut progress).unwrap_err().to_string();
            assert!(
                error.starts_with("give") || error.contains(": give"),
                "{error}"
            );
        }
    }
}
