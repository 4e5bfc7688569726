//! The seed's list work in Python, measured in the same run as zlist's: the same elements
//! in the same orders, each large-list operation done as the seed's server does it (`str`
//! of the list, `in`, `insert`, `remove`, `append`, `sort`), no sockets. This is the
//! baseline the large-list table's ratios are taken against; it needs `python3`.

use std::collections::HashMap;
use std::io::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::bench::large::Operation;
use crate::bench::measure::median;

/// Python that builds `appended` from `n` and defines `shuffled`, as `large::list_items`
/// does (the same xorshift shuffle).
macro_rules! lists {
    () => {
        r#"
M = (1 << 64) - 1
def shuffled(items):
    state = 0x9E3779B97F4A7C15
    for i in range(len(items) - 1, 0, -1):
        state ^= state >> 12
        state ^= (state << 25) & M
        state ^= state >> 27
        j = ((state * 0x2545F4914F6CDD1D) & M) % (i + 1)
        items[i], items[j] = items[j], items[i]
    return items
appended = []
for i in range(n):
    appended.append(str(i))
"#
    };
}

/// The Python side: builds the lists as `large::list_items` does (the same xorshift
/// shuffle), times each operation per repeat, prints `LABEL SECONDS` lines.
const SCRIPT: &str = concat!(
    r#"
import sys, time
n, repeats = int(sys.argv[1]), int(sys.argv[2])
"#,
    lists!(),
    r#"
mixed = shuffled(appended[:])
last = appended[-1]
missing = "x" + "9" * (max(len(s) for s in appended) - 1)
def timed(label, f):
    s = time.perf_counter(); f(); print(label, time.perf_counter() - s)
for _ in range(repeats):
    a = appended[:]
    timed("show", lambda: str(a))
    timed("search", lambda: missing in a)
    timed("insert_first", lambda: a.insert(0, "zlist-bench-new"))
    timed("remove_first", lambda: a.remove("zlist-bench-new"))
    timed("remove_last", lambda: a.remove(last))
    timed("append", lambda: a.append(last))
    timed("sort_asc", lambda: a.sort())
    timed("sort_desc", lambda: a.sort(reverse=True))
    b = mixed[:]
    timed("show_shuffled", lambda: str(b))
    timed("search_shuffled", lambda: missing in b)
    timed("sort_shuffled", lambda: b.sort())
    sys.stdout.flush()
"#
);

/// The seed's server (the reconstruction the compatibility tests run), serving a list of
/// `n` elements in the given order (`appended` or `shuffled`) on 127.0.0.1:PORT, its
/// `[DEBUG]` lines printed as the seed prints them (to nowhere here).
const SEED_SERVER: &str = concat!(
    r#"
import sys
n, order, port = int(sys.argv[1]), sys.argv[2], sys.argv[3]
"#,
    lists!(),
    r#"
items = shuffled(appended) if order == "shuffled" else appended
source = sys.stdin.read()
assert "lista = []" in source, "the seed server's list is not where it was"
sys.argv = ["servidorZMQ.py", port]
exec(source.replace("lista = []", "lista = items", 1), {"__name__": "__main__", "items": items})
"#
);

/// The seed's server, as tests/seed/servidorZMQ.py has it.
const SEED_SOURCE: &str = include_str!("../../tests/seed/servidorZMQ.py");

/// The label the script prints for an operation.
fn label(operation: Operation) -> &'static str {
    match operation {
        Operation::Show => "show",
        Operation::SearchMissing => "search",
        Operation::InsertFirst => "insert_first",
        Operation::RemoveFirst => "remove_first",
        Operation::RemoveLast => "remove_last",
        Operation::Append => "append",
        Operation::SortAscending => "sort_asc",
        Operation::SortDescending => "sort_desc",
        Operation::ShowShuffled => "show_shuffled",
        Operation::SearchMissingShuffled => "search_shuffled",
        Operation::SortShuffled => "sort_shuffled",
    }
}

/// Python's time for each operation on `size` elements (median of `repeats`); `None` when
/// `python3` is not there or did not run the script (the table then says n/a).
pub fn in_list(size: usize, repeats: usize) -> Option<HashMap<Operation, Duration>> {
    let output = Command::new("python3")
        .args(["-c", SCRIPT, &size.to_string(), &repeats.to_string()])
        .output()
        .ok()?;
    if !output.status.success() {
        tracing::warn!(
            "the Python baseline failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        return None;
    }
    Some(parse(&String::from_utf8_lossy(&output.stdout)))
}

/// The seed's server in python3, holding a list of N elements from its start, on a free
/// loopback port; killed when dropped.
pub struct SeedServer {
    child: Child,
    endpoint: String,
}

impl SeedServer {
    /// Starts it with `size` elements in `order`; `None`, with a warning logged, without
    /// `python3`. It may still be building its list when this returns: see
    /// [`SeedServer::wait_ready`].
    pub fn start(size: usize, order: crate::bench::large::Order) -> Option<Self> {
        let started = (|| -> std::io::Result<Self> {
            let port = crate::bench::redis_process::free_port()?;
            let order = match order {
                crate::bench::large::Order::Appended => "appended",
                crate::bench::large::Order::Shuffled => "shuffled",
            };
            let mut child = Command::new("python3")
                .args([
                    "-c",
                    SEED_SERVER,
                    &size.to_string(),
                    order,
                    &port.to_string(),
                ])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(SEED_SOURCE.as_bytes())?;
            }
            Ok(Self {
                child,
                endpoint: format!("tcp://127.0.0.1:{port}"),
            })
        })();
        started
            .inspect_err(|error| tracing::warn!("no seed-server column: python3: {error}"))
            .ok()
    }

    /// Where it listens.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Waits until it listens (its list is built first), at most `timeout`; false, with a
    /// warning logged, when it exited first (no pyzmq, say) or took too long.
    pub fn wait_ready(&mut self, timeout: Duration) -> bool {
        let address = self.endpoint.trim_start_matches("tcp://");
        let started = std::time::Instant::now();
        while started.elapsed() < timeout {
            if let Ok(Some(status)) = self.child.try_wait() {
                tracing::warn!(
                    "no seed-server column: the seed's server exited ({status}); it needs \
                     pyzmq (python3 -m pip install pyzmq)"
                );
                return false;
            }
            if std::net::TcpStream::connect(address).is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        tracing::warn!("no seed-server column: the seed's server did not listen in {timeout:?}");
        false
    }
}

impl Drop for SeedServer {
    fn drop(&mut self) {
        // Already gone is fine: the point is that it is not running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Each operation's median from the script's `LABEL SECONDS` lines.
fn parse(output: &str) -> HashMap<Operation, Duration> {
    let mut samples: HashMap<&str, Vec<Duration>> = HashMap::new();
    for line in output.lines() {
        let mut words = line.split_whitespace();
        if let (Some(name), Some(Ok(seconds))) = (words.next(), words.next().map(str::parse))
            && let Ok(time) = Duration::try_from_secs_f64(seconds)
        {
            samples.entry(name).or_default().push(time);
        }
    }
    Operation::ON_APPENDED
        .into_iter()
        .chain(Operation::ON_SHUFFLED)
        .filter_map(|op| Some((op, median(samples.get(label(op))?))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_lines_give_each_operations_median() {
        let times = parse("show 0.5\nshow 0.1\nshow 0.3\nsort_shuffled 2\nnoise\nsearch x\n");
        assert_eq!(times[&Operation::Show], Duration::from_millis(300));
        assert_eq!(times[&Operation::SortShuffled], Duration::from_secs(2));
        assert!(!times.contains_key(&Operation::SearchMissing));
    }

    #[test]
    fn python_builds_the_same_shuffled_list_as_the_bench() {
        // The script's shuffle, run for 10 elements, against list_items's.
        let script = SCRIPT.replace(
            "for _ in range(repeats):",
            "print(*mixed)\nfor _ in range(0):",
        );
        let Ok(output) = Command::new("python3")
            .args(["-c", &script, "10", "0"])
            .output()
        else {
            eprintln!("skipped: no python3");
            return;
        };
        let printed = String::from_utf8_lossy(&output.stdout);
        let expected = crate::bench::large::list_items(10, crate::bench::large::Order::Shuffled);
        assert_eq!(printed.split_whitespace().collect::<Vec<_>>(), expected);
    }
}
