//! `zlist bench`: the benchmarks from the command line, with the machine they ran on.

use std::time::Duration;

use anyhow::Context as _;

use crate::bench::durability::{self, DurabilityConfig};
use crate::bench::large::{self, LargeConfig};
use crate::bench::list_ops;
use crate::bench::live::{self, LiveConfig};
use crate::bench::plot;
use crate::bench::redis_servers::{self, RedisBenchConfig};
use crate::bench::roundtrip::{self, RoundTripConfig, RoundTripReport};

/// Round-trip runs of `--quick`, in seconds.
const QUICK_SECONDS: f64 = 0.25;

/// Rounds of `--quick`.
const QUICK_ROUNDS: usize = 3;

/// List sizes of `--quick`.
const QUICK_SIZES: [usize; 2] = [10_000, 1_000_000];

/// The list size of the single-element operations when --sizes is not given.
const OPS_SIZE: usize = 10_000_000;

/// ... and with --quick.
const QUICK_OPS_SIZE: usize = 1_000_000;

/// zlist's target: at least this fraction of the bare echo's throughput.
pub const TARGET_RATIO: f64 = 0.95;

/// Which benchmarks to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// Small operations: throughput and latency against the bare echo floor.
    Roundtrip,
    /// Large lists: mostrar, pesquisar, insert, remover, sorts and memory.
    Large,
    /// Live updates at a million elements: change-to-table latency, bytes per change.
    Live,
    /// The desktop app's frame cost, headless: a million rows, and a full debug console.
    Gui,
    /// Durability: throughput with each fsync policy against the in-memory server, and
    /// the load time of a million-element list.
    Durability,
    /// Single-element operations (insert, append, pesquisar, remover, row-exact changes)
    /// on the largest list of --sizes (default 10,000,000), in process, and the list's
    /// memory per element.
    Ops,
    /// zlist servers keeping the list in a redis-server of the bench's own: the mix against
    /// the in-process server and redis-benchmark, and the large lists (only when asked for).
    Redis,
}

/// Options of `zlist bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Concurrent REQ clients of the round-trip runs, comma-separated [default: 1,4,16].
    #[arg(long, value_delimiter = ',', value_name = "N,...")]
    pub clients: Option<Vec<usize>>,

    /// Seconds per round-trip run (one server, one client count, one round) [default: 0.5;
    /// 0.25 with --quick].
    #[arg(long, value_name = "SECONDS")]
    pub seconds: Option<f64>,

    /// Alternating rounds per client count [default: 10; 3 with --quick].
    #[arg(long)]
    pub rounds: Option<usize>,

    /// List sizes of the large-list runs, comma-separated
    /// [default: 10000,100000,1000000; 10000,1000000 with --quick].
    #[arg(long, value_delimiter = ',', value_name = "N,...")]
    pub sizes: Option<Vec<usize>>,

    /// Repeats of each large-list measurement (the median is shown) [default: 3; 1 with
    /// --quick].
    #[arg(long)]
    pub repeats: Option<usize>,

    /// A short run (about 15 seconds): shorter runs, fewer rounds and sizes.
    #[arg(long)]
    pub quick: bool,

    /// Measure the list server at this address (e.g. the seed's Python server) in the
    /// round-trip runs instead of an in-process zlist server. Its list is sorted, and
    /// gets elements added and removed.
    #[arg(long, value_name = "ENDPOINT")]
    pub connect: Option<String>,

    /// Run only this part.
    #[arg(long, value_enum)]
    pub only: Option<Part>,

    /// Also draw the round-trip and large-list results as SVG charts in this directory
    /// (made if missing).
    #[arg(long, value_name = "DIR")]
    pub plot: Option<std::path::PathBuf>,
}

impl BenchArgs {
    /// The round-trip configuration these options ask for.
    pub fn roundtrip_config(&self) -> anyhow::Result<RoundTripConfig> {
        let seconds = self.seconds.unwrap_or(if self.quick {
            QUICK_SECONDS
        } else {
            roundtrip::DEFAULT_RUN_TIME.as_secs_f64()
        });
        let run_time = Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|d| !d.is_zero())
            .with_context(|| format!("--seconds {seconds}: give a positive number"))?;
        Ok(RoundTripConfig {
            clients: self
                .clients
                .clone()
                .unwrap_or_else(|| roundtrip::DEFAULT_CLIENTS.to_vec()),
            run_time,
            rounds: self.rounds.unwrap_or(if self.quick {
                QUICK_ROUNDS
            } else {
                roundtrip::DEFAULT_ROUNDS
            }),
            connect: self.connect.clone(),
            ..RoundTripConfig::default()
        })
    }

    /// The large-list configuration these options ask for.
    pub fn large_config(&self) -> LargeConfig {
        LargeConfig {
            sizes: self.sizes.clone().unwrap_or_else(|| {
                if self.quick {
                    QUICK_SIZES.to_vec()
                } else {
                    large::DEFAULT_SIZES.to_vec()
                }
            }),
            repeats: self.repeats.unwrap_or(if self.quick {
                1
            } else {
                large::DEFAULT_REPEATS
            }),
        }
    }
}

impl BenchArgs {
    /// The live-update configuration these options ask for (fewer changes with --quick;
    /// always a million elements).
    pub fn live_config(&self) -> LiveConfig {
        if self.quick {
            LiveConfig {
                changes: 50,
                cost_requests: 1_000,
                cost_rounds: 1,
                ..LiveConfig::default()
            }
        } else {
            LiveConfig::default()
        }
    }

    /// The list size of the single-element operations: the largest of --sizes.
    pub fn ops_size(&self) -> usize {
        match &self.sizes {
            Some(sizes) => sizes.iter().copied().max().unwrap_or(OPS_SIZE),
            None if self.quick => QUICK_OPS_SIZE,
            None => OPS_SIZE,
        }
    }

    /// The configuration of `--only redis`: the round-trip options, and the large-list
    /// options with a million elements by default.
    pub fn redis_config(&self) -> anyhow::Result<RedisBenchConfig> {
        Ok(RedisBenchConfig {
            roundtrip: self.roundtrip_config()?,
            sizes: self
                .sizes
                .clone()
                .unwrap_or_else(|| redis_servers::DEFAULT_SIZES.to_vec()),
            repeats: self.large_config().repeats,
        })
    }

    /// Whether `part` runs: every part but Redis (which needs a redis-server and takes
    /// minutes) when `--only` is not given.
    fn runs(&self, part: Part) -> bool {
        match self.only {
            Some(only) => only == part,
            None => part != Part::Redis,
        }
    }
}

/// Runs what `args` asks for, printing the tables to stdout and progress to stderr.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let roundtrip_config = args.roundtrip_config()?;
    let large_config = args.large_config();
    println!("{}", machine_summary());
    if cfg!(debug_assertions) {
        println!(
            "warning: this is a debug build; the numbers mean little. \
             Use `cargo run --release -- bench`."
        );
    }
    let mut progress = |what: &str| eprintln!("… {what}");
    let mut roundtrip_report = None;
    if args.runs(Part::Roundtrip) {
        let report = roundtrip::run(&roundtrip_config, &mut progress)
            .context("the round-trip benchmark failed")?;
        println!();
        println!("{report}");
        println!("{}", verdict(&report));
        roundtrip_report = Some(report);
    }
    let mut large_report = None;
    if args.runs(Part::Large) {
        let report =
            large::run(&large_config, &mut progress).context("the large-list benchmark failed")?;
        println!();
        print!("{report}");
        large_report = Some(report);
    }
    if args.runs(Part::Live) {
        let report = live::run(&args.live_config(), &mut progress)
            .context("the live-update benchmark failed")?;
        println!();
        print!("{report}");
    }
    if args.runs(Part::Gui) {
        progress("GUI: building frames headless");
        println!();
        println!("{}", gui_frame_costs());
    }
    if args.runs(Part::Durability) {
        progress("durability: in memory against each fsync policy, then loading");
        let config = if args.quick {
            DurabilityConfig {
                run_time: std::time::Duration::from_millis(500),
                rounds: 2,
                ..DurabilityConfig::default()
            }
        } else {
            DurabilityConfig::default()
        };
        let report = durability::run(&config).context("the durability benchmark failed")?;
        println!();
        print!("{report}");
    }
    if args.runs(Part::Ops) {
        let size = args.ops_size();
        if size > large::MAX_SIZE {
            anyhow::bail!("--sizes {size}: give 1 to {}", large::MAX_SIZE);
        }
        progress(&format!("single-element operations at {size} elements"));
        println!();
        print!("{}", list_ops::measure(size));
    }
    if args.runs(Part::Redis) {
        let report = redis_servers::run(&args.redis_config()?, &mut progress)
            .context("the Redis benchmark failed")?;
        println!();
        print!("{report}");
    }
    if let Some(dir) = &args.plot {
        let files = plot::draw(dir, roundtrip_report.as_ref(), large_report.as_ref())
            .context("--plot: the charts could not be drawn")?;
        println!();
        for file in files {
            println!("chart: {}", file.display());
        }
    }
    Ok(())
}

/// The median time to build and tessellate one 1280x800 frame of the app, for a small list,
/// a million rows, and a million rows with the debug console full; against the 16.7 ms a
/// 60 Hz display allows.
fn gui_frame_costs() -> String {
    let full_console = crate::ui::console::MAX_LINES;
    let cases = [
        ("30 rows, empty console", 30, 0),
        ("1,000,000 rows, empty console", 1_000_000, 0),
        ("1,000,000 rows, console full", 1_000_000, full_console),
    ];
    let mut table = String::from(
        "GUI frame cost (headless build + tessellation of one 1280x800 frame, median of 10)\n",
    );
    for (what, rows, lines) in cases {
        let cost = crate::ui::frame_cost_bench(rows, lines);
        let share = cost.as_secs_f64() / (1.0 / 60.0) * 100.0;
        table.push_str(&format!(
            "  {what:<32} {:>8.2} ms  ({share:.1} % of a 60 Hz frame)\n",
            cost.as_secs_f64() * 1000.0
        ));
    }
    table
}

/// Whether the list server kept up with the floor, per client count.
pub fn verdict(report: &RoundTripReport) -> String {
    let ratios: Vec<String> = report
        .results
        .iter()
        .map(|r| {
            let mark = if r.ratio() >= TARGET_RATIO {
                "met"
            } else {
                "MISSED"
            };
            format!("{} clients {:.2} {mark}", r.clients, r.ratio())
        })
        .collect();
    format!(
        "Target: the list server at >= {TARGET_RATIO:.2} x the REP echo floor: {}",
        ratios.join(", ")
    )
}

/// zlist's and libzmq's versions, the build, and the machine's CPUs and memory.
pub fn machine_summary() -> String {
    let (major, minor, patch) = zmq::version();
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map_or("unknown CPU", |(_, model)| model.trim());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find(|line| line.starts_with("MemTotal:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<u64>().ok())
        .map_or("unknown".to_owned(), |kib| {
            format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0))
        });
    format!(
        "zlist {} bench ({} build), libzmq {major}.{minor}.{patch}; {cpus} CPUs ({model}), \
         {memory} memory, {}",
        env!("CARGO_PKG_VERSION"),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        std::env::consts::OS,
    )
}
