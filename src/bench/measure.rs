//! What the benchmarks share: their error type, latency percentiles, the process's
//! resident memory, and the number formats of the result tables.

use std::fmt;
use std::time::Duration;

use crate::net::server::ServerError;

/// Why a benchmark could not run to the end.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The zlist server under test did not start.
    #[error("cannot start the zlist server: {0}")]
    Server(#[from] ServerError),
    /// A libzmq call failed.
    #[error("ZeroMQ failed while {doing}: {source}")]
    Zmq {
        /// What the benchmark was doing.
        doing: &'static str,
        /// What libzmq said.
        source: zmq::Error,
    },
    /// A request got no reply in time (the server is gone, stuck, or not a list server).
    #[error("no reply to {request:?} within {timeout:?}: {source} (is the server running?)")]
    NoReply {
        /// The request, shortened.
        request: String,
        /// How long the benchmark waited.
        timeout: Duration,
        /// What libzmq said.
        source: zmq::Error,
    },
    /// A reply that is not what the list server must answer.
    #[error("unexpected reply to {request:?}: {reply:?}")]
    UnexpectedReply {
        /// The request, shortened.
        request: String,
        /// The reply, shortened.
        reply: String,
    },
    /// The configuration cannot be run (no client counts, zero clients, ...).
    #[error("invalid benchmark configuration: {0}")]
    Config(String),
    /// A benchmark thread panicked (a bug).
    #[error("a benchmark thread stopped unexpectedly")]
    Panicked,
}

/// A `map_err` adapter for libzmq errors.
pub(crate) fn zmq_error(doing: &'static str) -> impl FnOnce(zmq::Error) -> BenchError {
    move |source| BenchError::Zmq { doing, source }
}

/// Text for an error message: at most 80 characters of `bytes`.
pub(crate) fn shorten(bytes: &[u8]) -> String {
    const SHOWN: usize = 80;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(SHOWN)]);
    if bytes.len() > SHOWN {
        format!("{text}… ({} bytes)", bytes.len())
    } else {
        text.into_owned()
    }
}

/// Latency percentiles of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LatencySummary {
    /// How many latencies were measured.
    pub count: usize,
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
    /// Mean.
    pub mean: Duration,
}

impl LatencySummary {
    /// Summarises latencies given in nanoseconds (sorted in place).
    pub fn from_nanos(nanos: &mut [u64]) -> Self {
        nanos.sort_unstable();
        let count = nanos.len();
        if count == 0 {
            return Self::default();
        }
        let total: u128 = nanos.iter().map(|&n| u128::from(n)).sum();
        let mean = u64::try_from(total / count as u128).unwrap_or(u64::MAX);
        Self {
            count,
            p50: Duration::from_nanos(percentile(nanos, 50.0)),
            p99: Duration::from_nanos(percentile(nanos, 99.0)),
            max: Duration::from_nanos(nanos[count - 1]),
            mean: Duration::from_nanos(mean),
        }
    }
}

/// The nearest-rank percentile `p` (0 to 100) of sorted, non-empty values.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The median of some durations (the lower middle one for an even count); zero for none.
pub fn median(durations: &[Duration]) -> Duration {
    let mut sorted = durations.to_vec();
    sorted.sort_unstable();
    match sorted.len() {
        0 => Duration::ZERO,
        n => sorted[(n - 1) / 2],
    }
}

/// This process's resident memory in bytes (`VmRSS`); `None` where it cannot be read
/// (systems other than Linux).
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// CPU time this process has used so far, all its threads (ended ones included), user
/// and system; `None` where it cannot be read (systems other than Linux). The kernel
/// counts it in ticks of 10 ms.
pub fn process_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from the
    // last ')'. utime and stime are fields 14 and 15, in ticks of 1/100 s (USER_HZ).
    let after_name = &stat[stat.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((user + system) * 10))
}

/// CPU time used so far by this process's threads named `name` (as the kernel keeps the
/// name: at most 15 bytes), read from the scheduler's nanosecond counters; `None` where
/// they cannot be read (systems other than Linux) or no thread has that name.
pub fn thread_cpu_time(name: &str) -> Option<Duration> {
    let mut total = None;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let path = task.path();
        let named = std::fs::read_to_string(path.join("comm"))
            .is_ok_and(|comm| comm.trim_end_matches('\n') == name);
        if !named {
            continue;
        }
        // The first field is the time spent on a CPU, in nanoseconds.
        let nanos = std::fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|stat| stat.split_whitespace().next()?.parse::<u64>().ok());
        if let Some(nanos) = nanos {
            *total.get_or_insert(Duration::ZERO) += Duration::from_nanos(nanos);
        }
    }
    total
}

/// A duration with a unit that keeps 3 significant digits: `812 ns`, `75.3 µs`, `1.20 ms`.
pub struct Time(pub Duration);

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0.as_nanos() as f64;
        let text = if nanos < 1e3 {
            format!("{nanos:.0} ns")
        } else if nanos < 1e6 {
            format!("{} µs", three_digits(nanos / 1e3))
        } else if nanos < 1e9 {
            format!("{} ms", three_digits(nanos / 1e6))
        } else {
            format!("{} s", three_digits(nanos / 1e9))
        };
        f.pad(&text)
    }
}

/// A byte count in B, KB, MB or GB (powers of 1000), 3 significant digits.
pub struct Bytes(pub u64);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0 as f64;
        let text = if bytes < 1e3 {
            format!("{bytes:.0} B")
        } else if bytes < 1e6 {
            format!("{} KB", three_digits(bytes / 1e3))
        } else if bytes < 1e9 {
            format!("{} MB", three_digits(bytes / 1e6))
        } else {
            format!("{} GB", three_digits(bytes / 1e9))
        };
        f.pad(&text)
    }
}

/// A count with thousands separators: `12,345`.
pub struct Count(pub u64);

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.to_string();
        let mut text = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                text.push(',');
            }
            text.push(digit);
        }
        f.pad(&text)
    }
}

fn three_digits(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.2}")
    } else if value < 100.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    }
}

/// A REQ socket connected to `endpoint` that waits at most `timeout` to send or receive,
/// in a ZeroMQ context of its own.
pub(crate) fn connect(endpoint: &str, timeout: Duration) -> Result<zmq::Socket, BenchError> {
    connect_in(&zmq::Context::new(), endpoint, timeout)
}

/// [`connect`], in `context` (clients that share one libzmq I/O thread).
pub(crate) fn connect_in(
    context: &zmq::Context,
    endpoint: &str,
    timeout: Duration,
) -> Result<zmq::Socket, BenchError> {
    let socket = context
        .socket(zmq::REQ)
        .map_err(zmq_error("creating a client socket"))?;
    let millis = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    socket.set_linger(0).map_err(zmq_error("setting linger"))?;
    socket
        .set_rcvtimeo(millis)
        .map_err(zmq_error("setting the receive timeout"))?;
    socket
        .set_sndtimeo(millis)
        .map_err(zmq_error("setting the send timeout"))?;
    if crate::net::endpoint::is_ipv6(endpoint) {
        socket.set_ipv6(true).map_err(zmq_error("enabling IPv6"))?;
    }
    socket
        .connect(endpoint)
        .map_err(zmq_error("connecting a client"))?;
    Ok(socket)
}

/// Sends one request on a socket from [`connect`] and returns its reply as text; `timeout`
/// is the socket's, named in the error.
pub(crate) fn request(
    socket: &zmq::Socket,
    timeout: Duration,
    text: &str,
) -> Result<String, BenchError> {
    let no_reply = |source| BenchError::NoReply {
        request: shorten(text.as_bytes()),
        timeout,
        source,
    };
    socket.send(text, 0).map_err(no_reply)?;
    let reply = socket.recv_bytes(0).map_err(no_reply)?;
    String::from_utf8(reply).map_err(|error| BenchError::UnexpectedReply {
        request: text.to_owned(),
        reply: shorten(error.as_bytes()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut nanos: Vec<u64> = (1..=100).rev().collect();
        let summary = LatencySummary::from_nanos(&mut nanos);
        assert_eq!(summary.count, 100);
        assert_eq!(summary.p50, Duration::from_nanos(50));
        assert_eq!(summary.p99, Duration::from_nanos(99));
        assert_eq!(summary.max, Duration::from_nanos(100));
        assert_eq!(summary.mean, Duration::from_nanos(50));
        let one = LatencySummary::from_nanos(&mut [7]);
        let seven = Duration::from_nanos(7);
        assert_eq!((one.p50, one.p99, one.max), (seven, seven, seven));
    }

    #[test]
    fn no_latencies_summarise_to_zero() {
        assert_eq!(
            LatencySummary::from_nanos(&mut []),
            LatencySummary::default()
        );
    }

    #[test]
    fn median_takes_the_middle() {
        let ms = Duration::from_millis;
        assert_eq!(median(&[ms(3), ms(1), ms(2)]), ms(2));
        assert_eq!(median(&[ms(4), ms(1), ms(2), ms(3)]), ms(2));
        assert_eq!(median(&[]), Duration::ZERO);
    }

    #[test]
    fn numbers_print_with_units_and_separators() {
        assert_eq!(Time(Duration::from_nanos(812)).to_string(), "812 ns");
        assert_eq!(Time(Duration::from_nanos(75_340)).to_string(), "75.3 µs");
        assert_eq!(Time(Duration::from_micros(1_204)).to_string(), "1.20 ms");
        assert_eq!(Time(Duration::from_millis(126)).to_string(), "126 ms");
        assert_eq!(Bytes(14).to_string(), "14 B");
        assert_eq!(Bytes(6_888_890).to_string(), "6.89 MB");
        assert_eq!(Count(0).to_string(), "0");
        assert_eq!(Count(12_345).to_string(), "12,345");
        assert_eq!(Count(1_000_000).to_string(), "1,000,000");
        assert_eq!(format!("{:>8}", Count(1_000)), "   1,000");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn cpu_time_grows_with_work() {
        let before = process_cpu_time().expect("/proc/self/stat is readable");
        let started = std::time::Instant::now();
        let mut x = 0_u64;
        while process_cpu_time().unwrap() < before + Duration::from_millis(30) {
            x = std::hint::black_box(x.wrapping_add(1));
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "CPU time never grew"
            );
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_named_thread_cpu_time_is_read_on_linux() {
        let (busy_tx, busy_rx) = std::sync::mpsc::channel::<()>();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("zlist-cpu-test".to_owned())
            .spawn(move || {
                let started = std::time::Instant::now();
                // Work until the counter says 15 ms (or give up after 10 s of waiting).
                while thread_cpu_time("zlist-cpu-test").unwrap_or_default()
                    < Duration::from_millis(15)
                    && started.elapsed() < Duration::from_secs(10)
                {
                    std::hint::black_box(started);
                }
                busy_tx.send(()).unwrap();
                let _ = done_rx.recv();
            })
            .unwrap();
        busy_rx.recv().unwrap();
        let cpu = thread_cpu_time("zlist-cpu-test");
        done_tx.send(()).unwrap();
        thread.join().unwrap();
        let cpu = cpu.expect("the thread's schedstat is readable");
        assert!(cpu >= Duration::from_millis(15), "{cpu:?}");
        assert_eq!(thread_cpu_time("zlist-no-such-thread"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn resident_memory_is_read_on_linux() {
        let rss = resident_bytes().expect("VmRSS is in /proc/self/status");
        assert!(rss > 1024 * 1024, "{rss}");
    }
}
