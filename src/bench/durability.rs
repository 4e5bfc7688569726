//! What durability costs: small-operation throughput of the in-memory server against the
//! same server journaling to disk under each `--fsync` policy, measured in the same run
//! (rounds alternate the order, every server starts afresh); and how long a
//! million-element list takes to load from a snapshot, to replay from a journal, and to
//! snapshot.
//!
//! Every request of the throughput runs is a change (`append` and `remover` in turn), so
//! every one is journaled: the worst case for the disk. Reads are not journaled and cost
//! the same with or without a store.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::bench::measure::{self, BenchError, Bytes, Count, Time, connect_in, median};
use crate::net::list::{Effect, RemoteList};
use crate::net::server::{Server, ServerConfig, ServerError};
use crate::net::store::{DiskOptions, FsyncPolicy, Storage, Store, StoreError};

/// The cost target: disk throughput with the default policy, as a fraction of memory's.
pub const TARGET_RATIO: f64 = 0.8;

/// Elements of the list whose load time is measured by default.
pub const DEFAULT_LOAD_ITEMS: usize = 1_000_000;

/// How long a client waits for one reply before the run fails.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// What to measure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DurabilityConfig {
    /// Concurrent REQ clients of the throughput runs.
    pub clients: usize,
    /// How long each throughput run lasts.
    pub run_time: Duration,
    /// Rounds: each runs every mode once, in an order that alternates between rounds.
    pub rounds: usize,
    /// Elements of the list whose load is timed (0 skips the load measurements).
    pub load_items: usize,
    /// Where the data directories go (a fresh directory inside it, removed afterwards);
    /// the system's temporary directory by default. Put it on the disk you care about:
    /// a tmpfs makes fsync free.
    pub dir: Option<PathBuf>,
}

impl Default for DurabilityConfig {
    fn default() -> Self {
        Self {
            clients: 4,
            run_time: Duration::from_secs(2),
            rounds: 5,
            load_items: DEFAULT_LOAD_ITEMS,
            dir: None,
        }
    }
}

/// Why the benchmark could not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum DurabilityBenchError {
    /// A server under test did not start or stop cleanly.
    #[error("zlist server: {0}")]
    Server(#[from] ServerError),
    /// A data directory could not be loaded or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The benchmark's own directory could not be made or removed.
    #[error("cannot {doing} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        doing: &'static str,
        /// The directory.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// A client failed, got a wrong reply, or the configuration cannot be run.
    #[error(transparent)]
    Bench(#[from] BenchError),
}

/// How a measured server keeps its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// In memory (`--memory`): the baseline.
    Memory,
    /// Journaled to disk with this policy.
    Disk(FsyncPolicy),
}

impl Mode {
    /// Every mode, the baseline first.
    pub const ALL: [Self; 4] = [
        Self::Memory,
        Self::Disk(FsyncPolicy::EverySec),
        Self::Disk(FsyncPolicy::Never),
        Self::Disk(FsyncPolicy::Always),
    ];
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Memory => f.pad("memory"),
            Self::Disk(policy) => f.pad(&format!("disk, --fsync {policy}")),
        }
    }
}

/// One mode's throughput over the rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct ModeResult {
    /// The mode.
    pub mode: Mode,
    /// Requests per second in each round.
    pub per_round: Vec<f64>,
    /// Its throughput divided by the memory server's in the same round, per round.
    pub ratios: Vec<f64>,
}

impl ModeResult {
    /// The median throughput, in requests per second.
    pub fn throughput(&self) -> f64 {
        median_f64(&self.per_round)
    }

    /// The median of the per-round ratios to the memory server.
    pub fn ratio(&self) -> f64 {
        median_f64(&self.ratios)
    }
}

fn median_f64(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n => sorted[(n - 1) / 2],
    }
}

/// Load and snapshot times of a large list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadResult {
    /// Elements in the list.
    pub items: usize,
    /// Size of its snapshot.
    pub snapshot_bytes: u64,
    /// Writing the snapshot (serialise, write, fsync, rename), median.
    pub snapshot_write: Duration,
    /// What a compaction holds up requests for: serialising the list and starting the new
    /// journal (the write itself is on a background thread), median.
    pub compaction_stall: Duration,
    /// Loading the snapshot (server start), median, warm page cache.
    pub snapshot_load: Duration,
    /// Size of a journal of as many appends.
    pub journal_bytes: u64,
    /// Replaying that journal (no snapshot), median, warm page cache.
    pub journal_replay: Duration,
}

/// Everything the benchmark measured.
#[derive(Debug, Clone, PartialEq)]
pub struct DurabilityReport {
    /// What was run.
    pub config: DurabilityConfig,
    /// Where the data directories were.
    pub dir: PathBuf,
    /// Throughput per mode, the memory baseline first.
    pub modes: Vec<ModeResult>,
    /// Large-list times, when measured.
    pub load: Option<LoadResult>,
}

/// Runs the durability benchmark.
pub fn run(config: &DurabilityConfig) -> Result<DurabilityReport, DurabilityBenchError> {
    if config.clients == 0 || config.rounds == 0 || config.run_time.is_zero() {
        return Err(BenchError::Config(
            "clients, rounds and run time must be above zero".to_owned(),
        )
        .into());
    }
    let parent = config.dir.clone().unwrap_or_else(std::env::temp_dir);
    let dir = parent.join(format!("zlist-durability-bench-{}", std::process::id()));
    fs::create_dir_all(&dir).map_err(io_error("create", &dir))?;
    let result = run_in(config, &dir);
    // Best effort: the directory only holds this run's data.
    let _ = fs::remove_dir_all(&dir);
    let (modes, load) = result?;
    Ok(DurabilityReport {
        config: config.clone(),
        dir: parent,
        modes,
        load,
    })
}

fn io_error(
    doing: &'static str,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> DurabilityBenchError {
    let path = path.to_owned();
    move |source| DurabilityBenchError::Io {
        doing,
        path,
        source,
    }
}

type Measured = (Vec<ModeResult>, Option<LoadResult>);

fn run_in(config: &DurabilityConfig, dir: &Path) -> Result<Measured, DurabilityBenchError> {
    let mut modes: Vec<ModeResult> = Mode::ALL
        .iter()
        .map(|&mode| ModeResult {
            mode,
            per_round: Vec::new(),
            ratios: Vec::new(),
        })
        .collect();
    let mut run_number = 0;
    for round in 0..config.rounds {
        let mut order: Vec<usize> = (0..modes.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        let mut round_throughput = vec![0.0; modes.len()];
        for i in order {
            run_number += 1;
            let storage = match modes[i].mode {
                Mode::Memory => Storage::Memory,
                Mode::Disk(policy) => {
                    let mut options = DiskOptions::new(dir.join(format!("run-{run_number}")));
                    options.fsync = policy;
                    Storage::Disk(options)
                }
            };
            round_throughput[i] = throughput(storage, config)?;
        }
        let baseline = round_throughput[0];
        for (result, &value) in modes.iter_mut().zip(&round_throughput) {
            result.per_round.push(value);
            result.ratios.push(if baseline > 0.0 {
                value / baseline
            } else {
                0.0
            });
        }
    }
    let load = if config.load_items > 0 {
        Some(load_times(config.load_items, dir)?)
    } else {
        None
    };
    Ok((modes, load))
}

/// One run: a fresh server with `storage`, `clients` REQ clients changing its list for
/// `run_time`; requests per second.
fn throughput(storage: Storage, config: &DurabilityConfig) -> Result<f64, DurabilityBenchError> {
    let server = Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".to_owned(),
            storage,
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )?;
    let endpoint = server.endpoint().to_owned();
    let context = zmq::Context::new();
    // Each client waits for one message to start; dropping the sender instead sends them
    // all home (if a thread could not be started).
    let (start, start_line) = crossbeam_channel::unbounded::<()>();
    let threads: Vec<_> = (0..config.clients)
        .map(|index| {
            let context = context.clone();
            let endpoint = endpoint.clone();
            let start_line = start_line.clone();
            let run_time = config.run_time;
            std::thread::Builder::new()
                .name(format!("zlist-durability-client-{index}"))
                .spawn(move || change_loop(&context, &endpoint, index, run_time, &start_line))
        })
        .collect();
    if threads.iter().all(Result::is_ok) {
        for _ in 0..config.clients {
            // The clients hold the receiver until they have read their message.
            let _ = start.send(());
        }
    }
    drop(start);
    let started = Instant::now();
    let mut requests = 0;
    let mut first_error = None;
    for thread in threads {
        match thread.map(|t| t.join()) {
            Ok(Ok(Ok(count))) => requests += count,
            Ok(Ok(Err(error))) => {
                first_error.get_or_insert(error);
            }
            Ok(Err(_)) | Err(_) => {
                first_error.get_or_insert(BenchError::Panicked.into());
            }
        }
    }
    let elapsed = started.elapsed();
    // Stopping (and the final snapshot) is not part of the measurement.
    server.stop()?;
    if let Some(error) = first_error {
        return Err(error);
    }
    Ok(requests as f64 / elapsed.as_secs_f64())
}

/// One client: `append` then `remover` of its own element, until the time is up.
fn change_loop(
    context: &zmq::Context,
    endpoint: &str,
    index: usize,
    run_time: Duration,
    start_line: &crossbeam_channel::Receiver<()>,
) -> Result<u64, DurabilityBenchError> {
    let socket = connect_in(context, endpoint, REPLY_TIMEOUT)?;
    let append = format!("append client{index}");
    let remove = format!("remover client{index}");
    let appended = format!("Elemento 'client{index}' adicionado.");
    let removed = format!("Elemento 'client{index}' removido.");
    if start_line.recv().is_err() {
        return Ok(0);
    }
    let deadline = Instant::now() + run_time;
    let mut requests = 0;
    while Instant::now() < deadline {
        for (request, expected) in [(&append, &appended), (&remove, &removed)] {
            let reply = measure::request(&socket, REPLY_TIMEOUT, request)?;
            if &reply != expected {
                return Err(BenchError::UnexpectedReply {
                    request: request.clone(),
                    reply,
                }
                .into());
            }
            requests += 1;
        }
    }
    Ok(requests)
}

/// Repeats of each load measurement (the median is kept).
const LOAD_REPEATS: usize = 3;

/// Times writing, loading and replaying a list of `items` elements.
fn load_times(items: usize, dir: &Path) -> Result<LoadResult, DurabilityBenchError> {
    let elements: Vec<String> = (0..items).map(|i| format!("element {i}")).collect();

    // Snapshot: written by a new data directory's first start, then loaded.
    let snapshot_dir = dir.join("load-snapshot");
    let options = DiskOptions::new(&snapshot_dir);
    let mut writes = Vec::new();
    let mut stalls = Vec::new();
    {
        let (mut store, _) = Store::open(&options)?;
        for _ in 0..LOAD_REPEATS {
            let started = Instant::now();
            store.snapshot_now(&elements, &[])?;
            writes.push(started.elapsed());
            let started = Instant::now();
            store.compact(&elements, &[])?;
            stalls.push(started.elapsed());
        }
        store.close(&elements, &[])?;
    }
    let snapshot_bytes = dir_bytes(&snapshot_dir, "snapshot-")?;
    let mut loads = Vec::new();
    for _ in 0..LOAD_REPEATS {
        let started = Instant::now();
        let (store, recovered) = Store::open(&options)?;
        loads.push(started.elapsed());
        if recovered.list.len() != items {
            return Err(BenchError::UnexpectedReply {
                request: "load".to_owned(),
                reply: format!("{} elements instead of {items}", recovered.list.len()),
            }
            .into());
        }
        drop(store);
    }

    // Journal: as many appends, no snapshot (a server killed before any compaction).
    let journal_dir = dir.join("load-journal");
    let mut options = DiskOptions::new(&journal_dir);
    options.fsync = FsyncPolicy::Never;
    options.compact_after_bytes = u64::MAX;
    {
        let (mut store, _) = Store::open(&options)?;
        for element in &elements {
            store.append(&Effect::Append(element.clone()), None)?;
        }
    }
    let journal_bytes = dir_bytes(&journal_dir, "journal-")?;
    let mut replays = Vec::new();
    for _ in 0..LOAD_REPEATS {
        let started = Instant::now();
        let (store, recovered) = Store::open(&options)?;
        replays.push(started.elapsed());
        if recovered.list.len() != items {
            return Err(BenchError::UnexpectedReply {
                request: "replay".to_owned(),
                reply: format!("{} elements instead of {items}", recovered.list.len()),
            }
            .into());
        }
        drop(store);
    }
    Ok(LoadResult {
        items,
        snapshot_bytes,
        snapshot_write: median(&writes),
        compaction_stall: median(&stalls),
        snapshot_load: median(&loads),
        journal_bytes,
        journal_replay: median(&replays),
    })
}

/// Total size of the files in `dir` whose names start with `prefix`.
fn dir_bytes(dir: &Path, prefix: &str) -> Result<u64, DurabilityBenchError> {
    let mut total = 0;
    for entry in fs::read_dir(dir).map_err(io_error("list", dir))? {
        let entry = entry.map_err(io_error("list", dir))?;
        if entry.file_name().to_string_lossy().starts_with(prefix) {
            total += entry.metadata().map_err(io_error("measure", dir))?.len();
        }
    }
    Ok(total)
}

impl fmt::Display for DurabilityReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Durability: {} REQ clients, every request a change (append/remover), {} rounds \
             of {:?} per mode, data in {}",
            self.config.clients,
            self.config.rounds,
            self.config.run_time,
            self.dir.display()
        )?;
        writeln!(
            f,
            "{:<24} {:>12} {:>8} {:>16}",
            "mode", "requests/s", "ratio", "ratio per round"
        )?;
        for result in &self.modes {
            let rounds: Vec<String> = result.ratios.iter().map(|r| format!("{r:.2}")).collect();
            writeln!(
                f,
                "{:<24} {:>12} {:>8.2} {:>16}",
                result.mode,
                Count(result.throughput().round() as u64),
                result.ratio(),
                rounds.join(" ")
            )?;
        }
        if let Some(everysec) = self
            .modes
            .iter()
            .find(|m| m.mode == Mode::Disk(FsyncPolicy::EverySec))
        {
            let verdict = if everysec.ratio() >= TARGET_RATIO {
                "met"
            } else {
                "NOT met"
            };
            writeln!(
                f,
                "target: --fsync everysec at >= {TARGET_RATIO}x memory: {verdict} ({:.2}x)",
                everysec.ratio()
            )?;
        }
        if let Some(load) = &self.load {
            writeln!(
                f,
                "{} elements: snapshot {} written in {}; a compaction holds requests for {}; \
                 loaded in {}; a journal of as many appends ({}) replays in {}",
                Count(load.items as u64),
                Bytes(load.snapshot_bytes),
                Time(load.snapshot_write),
                Time(load.compaction_stall),
                Time(load.snapshot_load),
                Bytes(load.journal_bytes),
                Time(load.journal_replay)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_run_measures_every_mode_and_the_load() {
        let dir = tempfile::tempdir().unwrap();
        let config = DurabilityConfig {
            clients: 2,
            run_time: Duration::from_millis(100),
            rounds: 2,
            load_items: 1000,
            dir: Some(dir.path().to_owned()),
        };
        let report = run(&config).unwrap();
        assert_eq!(report.modes.len(), 4);
        for mode in &report.modes {
            assert_eq!(mode.per_round.len(), 2);
            assert!(mode.throughput() > 0.0, "{mode:?}");
        }
        assert_eq!(report.modes[0].ratio(), 1.0);
        let load = report.load.clone().unwrap();
        assert_eq!(load.items, 1000);
        assert!(load.snapshot_bytes > 1000 && load.journal_bytes > load.snapshot_bytes);
        let text = report.to_string();
        assert!(text.contains("disk, --fsync everysec"), "{text}");
        assert!(text.contains("1,000 elements"), "{text}");
        // Its data directories are gone.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_impossible_configuration_is_refused() {
        let config = DurabilityConfig {
            clients: 0,
            ..DurabilityConfig::default()
        };
        assert!(matches!(
            run(&config),
            Err(DurabilityBenchError::Bench(BenchError::Config(_)))
        ));
    }
}
