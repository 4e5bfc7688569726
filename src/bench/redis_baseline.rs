//! Redis's side of the large-list table: the same operations on the same elements in a
//! Redis list, measured in the same run as zlist's, end to end from a client on loopback.
//! Redis is a `redis-server` of the bench's own (`redis_process.rs`), started when one is
//! installed; the table says n/a otherwise.
//!
//! | operation | Redis |
//! |---|---|
//! | `mostrar` | `LRANGE key 0 -1` |
//! | `pesquisar` | `LPOS key X` |
//! | `insert 0 X` | `LINSERT key BEFORE first X` |
//! | `remover X` | `LREM key 1 X` |
//! | `append X` | `RPUSH key X` |
//! | the sorts | `SORT key ALPHA [DESC] STORE key` (byte order, as Python's) |

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::bench::large::{INSERTED, Operation};
use crate::bench::measure::median;
use crate::bench::redis_process::RedisProcess;

/// The key the list is kept under.
const KEY: &str = "zlist-bench";

/// Elements per `RPUSH` while loading.
const LOAD_BATCH: usize = 10_000;

/// How long one command may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

/// What Redis measured on one list size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisTimes {
    /// Each operation's median time, end to end.
    pub operations: HashMap<Operation, Duration>,
    /// Growth of Redis's `used_memory` when the list was loaded.
    pub memory: Option<u64>,
}

/// A Redis of the bench's own, and a connection to it.
pub struct RedisBaseline {
    // Kept for its drop: the process is stopped with the baseline.
    _process: RedisProcess,
    connection: redis::Connection,
    version: String,
}

impl RedisBaseline {
    /// Starts a `redis-server` and connects to it; `None`, with a warning logged, when
    /// there is none to start or it does not answer.
    pub fn start() -> Option<Self> {
        match Self::try_start() {
            Ok(baseline) => Some(baseline),
            Err(error) => {
                tracing::warn!("no Redis column: {error:#}");
                None
            }
        }
    }

    fn try_start() -> anyhow::Result<Self> {
        use anyhow::Context as _;
        // With no snapshots and no append-only file it writes nothing in its directory.
        let process = RedisProcess::start(&std::env::temp_dir(), &["--maxmemory", "0"])?;
        let client = redis::Client::open(process.url()).context("the Redis URL")?;
        let mut connection = client
            .get_connection_with_timeout(COMMAND_TIMEOUT)
            .context("connecting to redis-server")?;
        connection
            .set_read_timeout(Some(COMMAND_TIMEOUT))
            .context("setting the read timeout")?;
        let info: String = redis::cmd("INFO")
            .arg("server")
            .query(&mut connection)
            .context("INFO server")?;
        let version = info_field(&info, "redis_version").unwrap_or("?").to_owned();
        Ok(Self {
            _process: process,
            connection,
            version,
        })
    }

    /// The Redis version, as `INFO` says.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Times every operation on `appended` (then on `shuffled`, as zlist's table does),
    /// `repeats` times; `None`, with a warning logged, if Redis failed.
    pub fn measure(
        &mut self,
        appended: &[String],
        shuffled: &[String],
        repeats: usize,
    ) -> Option<RedisTimes> {
        match self.try_measure(appended, shuffled, repeats) {
            Ok(times) => Some(times),
            Err(error) => {
                tracing::warn!("the Redis column failed: {error}");
                None
            }
        }
    }

    fn try_measure(
        &mut self,
        appended: &[String],
        shuffled: &[String],
        repeats: usize,
    ) -> redis::RedisResult<RedisTimes> {
        let mut samples: HashMap<Operation, Vec<Duration>> = HashMap::new();
        let mut memory = None;
        let missing = crate::bench::large::missing_element(appended);
        for repeat in 0..repeats {
            let before = self.used_memory()?;
            self.load(appended)?;
            if repeat == 0 {
                memory = self.used_memory()?.checked_sub(before);
            }
            let (first, last) = ends(appended);
            for operation in Operation::ON_APPENDED {
                let time = self.time(operation, first, last, &missing)?;
                samples.entry(operation).or_default().push(time);
            }
            self.load(shuffled)?;
            let (first, last) = ends(shuffled);
            for operation in Operation::ON_SHUFFLED {
                let time = self.time(operation, first, last, &missing)?;
                samples.entry(operation).or_default().push(time);
            }
        }
        redis::cmd("DEL").arg(KEY).exec(&mut self.connection)?;
        Ok(RedisTimes {
            operations: samples
                .into_iter()
                .map(|(op, times)| (op, median(&times)))
                .collect(),
            memory,
        })
    }

    /// Replaces the list with `items`, pushed in batches.
    fn load(&mut self, items: &[String]) -> redis::RedisResult<()> {
        redis::cmd("DEL").arg(KEY).exec(&mut self.connection)?;
        for batch in items.chunks(LOAD_BATCH) {
            redis::cmd("RPUSH")
                .arg(KEY)
                .arg(batch)
                .exec(&mut self.connection)?;
        }
        Ok(())
    }

    fn used_memory(&mut self) -> redis::RedisResult<u64> {
        let info: String = redis::cmd("INFO")
            .arg("memory")
            .query(&mut self.connection)?;
        Ok(info_field(&info, "used_memory")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }

    /// Runs one operation and checks its answer; its time, end to end.
    fn time(
        &mut self,
        operation: Operation,
        first: &str,
        last: &str,
        missing: &str,
    ) -> redis::RedisResult<Duration> {
        let command = match operation {
            Operation::Show | Operation::ShowShuffled => {
                let mut c = redis::cmd("LRANGE");
                c.arg(KEY).arg(0).arg(-1);
                c
            }
            Operation::SearchMissing | Operation::SearchMissingShuffled => {
                let mut c = redis::cmd("LPOS");
                c.arg(KEY).arg(missing);
                c
            }
            Operation::InsertFirst => {
                let mut c = redis::cmd("LINSERT");
                c.arg(KEY).arg("BEFORE").arg(first).arg(INSERTED);
                c
            }
            Operation::RemoveFirst => {
                let mut c = redis::cmd("LREM");
                c.arg(KEY).arg(1).arg(INSERTED);
                c
            }
            Operation::RemoveLast => {
                let mut c = redis::cmd("LREM");
                c.arg(KEY).arg(1).arg(last);
                c
            }
            Operation::Append => {
                let mut c = redis::cmd("RPUSH");
                c.arg(KEY).arg(last);
                c
            }
            Operation::SortAscending | Operation::SortShuffled => {
                let mut c = redis::cmd("SORT");
                c.arg(KEY).arg("ALPHA").arg("STORE").arg(KEY);
                c
            }
            Operation::SortDescending => {
                let mut c = redis::cmd("SORT");
                c.arg(KEY).arg("ALPHA").arg("DESC").arg("STORE").arg(KEY);
                c
            }
        };
        let started = Instant::now();
        let answer: redis::Value = command.query(&mut self.connection)?;
        let elapsed = started.elapsed();
        check(operation, &answer)?;
        Ok(elapsed)
    }
}

/// The first and last elements of `items` (empty strings for an empty list).
fn ends(items: &[String]) -> (&str, &str) {
    (
        items.first().map_or("", String::as_str),
        items.last().map_or("", String::as_str),
    )
}

/// Whether Redis answered what the operation must give: the missing element not found,
/// one element removed, a list back.
fn check(operation: Operation, answer: &redis::Value) -> redis::RedisResult<()> {
    let fine = match operation {
        Operation::Show | Operation::ShowShuffled => matches!(answer, redis::Value::Array(_)),
        Operation::SearchMissing | Operation::SearchMissingShuffled => {
            matches!(answer, redis::Value::Nil)
        }
        Operation::RemoveFirst | Operation::RemoveLast => matches!(answer, redis::Value::Int(1)),
        Operation::InsertFirst | Operation::Append => {
            matches!(answer, redis::Value::Int(n) if *n > 0)
        }
        Operation::SortAscending | Operation::SortDescending | Operation::SortShuffled => {
            matches!(answer, redis::Value::Int(_))
        }
    };
    if fine {
        Ok(())
    } else {
        Err(redis::RedisError::from((
            redis::ErrorKind::UnexpectedReturnType,
            "unexpected answer",
            format!("{} got {answer:?}", operation.label()),
        )))
    }
}

/// A field of Redis's `INFO` text (`name:value` lines).
fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::large::{Order, list_items};

    #[test]
    fn info_fields_are_read_by_exact_name() {
        let info = "# Memory\r\nused_memory:1024\r\nused_memory_rss:4096\r\n";
        assert_eq!(info_field(info, "used_memory"), Some("1024"));
        assert_eq!(info_field(info, "used_memory_rss"), Some("4096"));
        assert_eq!(info_field(info, "used"), None);
    }

    #[test]
    fn redis_times_every_operation_on_a_real_redis() {
        if !RedisProcess::available() {
            eprintln!("skipped: redis-server is not installed");
            return;
        }
        let mut redis = RedisBaseline::start().unwrap();
        let appended = list_items(1000, Order::Appended);
        let shuffled = list_items(1000, Order::Shuffled);
        let times = redis.measure(&appended, &shuffled, 2).unwrap();
        for op in Operation::ON_APPENDED
            .into_iter()
            .chain(Operation::ON_SHUFFLED)
        {
            assert!(times.operations.contains_key(&op), "{op:?}");
        }
        assert!(times.memory.unwrap() > 1000 * 4);
        assert!(redis.version().starts_with(char::is_numeric));
    }
}
