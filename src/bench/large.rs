//! Large lists: the seed commands whose cost grows with the list (`mostrar`, a
//! `pesquisar` that finds nothing, `insert 0`, `remover`, the sorts), timed end to end
//! through a REQ socket to an in-process zlist server holding N distinct elements, and
//! timed again on the list itself with no sockets, to show where the time goes; plus the
//! memory the list takes.
//!
//! The list is built as a seed user builds one, by appending `"0"`, `"1"`, ... in order
//! (and its vector grew by appends too, so it has their spare capacity). The order
//! matters to sorting and to anything that reads the elements' text, so `mostrar`,
//! `pesquisar` and `ordenar_cresc` are timed again on the same elements shuffled.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::bench::measure::{BenchError, Count, connect, median, request, resident_bytes, shorten};
use crate::bench::python::SeedServer;
use crate::bench::redis_baseline::RedisBaseline;

mod table;
use crate::net::list::RemoteList;
use crate::net::protocol::NOT_FOUND;
use crate::net::repr;
use crate::net::server::{Server, ServerConfig};
use crate::net::service::{DEFAULT_MAX_REQUEST_BYTES, ListService};

/// List sizes measured by default.
pub const DEFAULT_SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// Repeats of every measurement by default (the median is reported).
pub const DEFAULT_REPEATS: usize = 3;

/// Largest list accepted.
pub const MAX_SIZE: usize = 20_000_000;

/// How long one request to a large list may take before the benchmark fails.
const REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// The element `insert 0` adds (and the next step removes).
pub(crate) const INSERTED: &str = "zlist-bench-new";

/// What the large-list benchmark runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeConfig {
    /// List sizes, one set of measurements each.
    pub sizes: Vec<usize>,
    /// Repeats of each measurement; the median is reported.
    pub repeats: usize,
}

impl Default for LargeConfig {
    fn default() -> Self {
        Self {
            sizes: DEFAULT_SIZES.to_vec(),
            repeats: DEFAULT_REPEATS,
        }
    }
}

/// The order of the list's elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `"0"` to `"N-1"` in the order they were appended.
    Appended,
    /// The same elements in a fixed shuffled order.
    Shuffled,
}

/// The operations timed, in the order they run on each fresh list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `mostrar`: the whole list as Python's repr.
    Show,
    /// `pesquisar` of an element that is not there, as long as the longest elements (so
    /// that their text is compared, not only their lengths): a scan of the whole list.
    SearchMissing,
    /// `insert 0 X`: every element moves up one place.
    InsertFirst,
    /// `remover X` of the first element (the one just inserted): found at once, every
    /// other element moves down.
    RemoveFirst,
    /// `remover X` of the last element: a scan of the whole list.
    RemoveLast,
    /// `append X` (the element just removed).
    Append,
    /// `ordenar_cresc` of the list in the order it was built.
    SortAscending,
    /// `ordenar_desc` of the list just sorted ascending.
    SortDescending,
    /// `mostrar` of the shuffled list.
    ShowShuffled,
    /// `pesquisar` of a missing element in the shuffled list.
    SearchMissingShuffled,
    /// `ordenar_cresc` of the shuffled list.
    SortShuffled,
}

impl Operation {
    /// What runs on the list as it was appended, in order.
    pub const ON_APPENDED: [Operation; 8] = [
        Self::Show,
        Self::SearchMissing,
        Self::InsertFirst,
        Self::RemoveFirst,
        Self::RemoveLast,
        Self::Append,
        Self::SortAscending,
        Self::SortDescending,
    ];

    /// What runs on the shuffled list, in order.
    pub const ON_SHUFFLED: [Operation; 3] = [
        Self::ShowShuffled,
        Self::SearchMissingShuffled,
        Self::SortShuffled,
    ];

    /// What the table calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Show => "mostrar",
            Self::SearchMissing => "pesquisar (missing element)",
            Self::InsertFirst => "insert 0",
            Self::RemoveFirst => "remover (first element)",
            Self::RemoveLast => "remover (last element)",
            Self::Append => "append",
            Self::SortAscending => "ordenar_cresc",
            Self::SortDescending => "ordenar_desc (after ordenar_cresc)",
            Self::ShowShuffled => "mostrar (shuffled list)",
            Self::SearchMissingShuffled => "pesquisar (missing, shuffled list)",
            Self::SortShuffled => "ordenar_cresc (shuffled list)",
        }
    }

    /// The request text, given the list's last and a missing element.
    fn request(self, last: &str, missing: &str) -> String {
        match self {
            Self::Show | Self::ShowShuffled => "mostrar".to_owned(),
            Self::SearchMissing | Self::SearchMissingShuffled => format!("pesquisar {missing}"),
            Self::InsertFirst => format!("insert 0 {INSERTED}"),
            Self::RemoveFirst => format!("remover {INSERTED}"),
            Self::RemoveLast => format!("remover {last}"),
            Self::Append => format!("append {last}"),
            Self::SortAscending | Self::SortShuffled => "ordenar_cresc".to_owned(),
            Self::SortDescending => "ordenar_desc".to_owned(),
        }
    }

    /// Whether `reply` is the right answer (the `mostrar` reply is checked by length).
    fn accepts(self, reply: &str, show_len: usize) -> bool {
        match self {
            Self::Show | Self::ShowShuffled => reply.len() == show_len,
            Self::SearchMissing | Self::SearchMissingShuffled => reply == NOT_FOUND,
            Self::InsertFirst => reply.ends_with("' inserido na posição 0."),
            Self::RemoveFirst | Self::RemoveLast => reply.ends_with("' removido."),
            Self::Append => reply.ends_with("' adicionado."),
            Self::SortAscending | Self::SortShuffled => reply == "Lista ordenada crescentemente.",
            Self::SortDescending => reply == "Lista ordenada decrescentemente.",
        }
    }
}

/// One operation on one list size, median of the repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationResult {
    /// Which operation.
    pub operation: Operation,
    /// From sending the request on a REQ socket to holding the whole reply.
    pub end_to_end: Duration,
    /// The server's handler alone (`ListService::handle_text`, no sockets).
    pub in_list: Duration,
    /// Size of the reply.
    pub reply_bytes: usize,
    /// The same work in Python as the seed's server does it, measured in the same run
    /// (`None` without `python3`).
    pub python: Option<Duration>,
    /// End to end against the seed's server (python3) holding the same list, this run
    /// (`None` without `python3` and pyzmq).
    pub seed: Option<Duration>,
    /// End to end against Redis holding the same list, this run (`None` without
    /// `redis-server`).
    pub redis: Option<Duration>,
}

/// Everything measured on one list size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeResult {
    /// Elements in the list.
    pub size: usize,
    /// Bytes of text in the elements.
    pub text_bytes: u64,
    /// The operations: `Operation::ON_APPENDED`, then `Operation::ON_SHUFFLED`.
    pub operations: Vec<OperationResult>,
    /// A client's work on the `mostrar` reply: parsing the repr back into a list
    /// (`repr::parse_list_repr`, as the zlist client does).
    pub parse_reply: Duration,
    /// Growth of this process's resident memory when the server got its list (`None`
    /// where it cannot be read). The server runs in this process, so this is its memory.
    pub rss_growth: Option<u64>,
    /// The list's heap bytes by its own accounting (text arenas, end offsets,
    /// fingerprints, chunk table).
    pub heap_estimate: u64,
    /// Growth of Redis's `used_memory` when it got the same list.
    pub redis_memory: Option<u64>,
}

impl SizeResult {
    /// The result for one operation.
    pub fn operation(&self, operation: Operation) -> Option<&OperationResult> {
        self.operations.iter().find(|r| r.operation == operation)
    }
}

/// Everything the large-list benchmark measured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeReport {
    /// The configuration it ran.
    pub config: LargeConfig,
    /// One entry per size, in the configured order.
    pub results: Vec<SizeResult>,
    /// The version of the Redis measured beside zlist (`None`: no Redis column).
    pub redis_version: Option<String>,
}

/// `n` distinct short elements, `"0"` to `"n-1"`, in `order` (the shuffled order is the
/// same on every run and machine), in a vector grown by pushes as appends grow it.
pub fn list_items(n: usize, order: Order) -> Vec<String> {
    let mut items = Vec::new();
    for i in 0..n {
        items.push(i.to_string());
    }
    if order == Order::Shuffled {
        // Fisher-Yates with xorshift64*.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for i in (1..items.len()).rev() {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            let random = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
            let j = (random % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
    items
}

/// A copy of `items` with the spare capacity a list grown by appends has (a plain
/// `clone` has none, and the first insert would then pay for growing the vector).
pub(crate) fn appended_copy(items: &[String]) -> Vec<String> {
    let mut copy = Vec::new();
    for item in items {
        copy.push(item.clone());
    }
    copy
}

/// Runs the large-list benchmark; `progress` hears what starts next.
pub fn run(
    config: &LargeConfig,
    progress: &mut dyn FnMut(&str),
) -> Result<LargeReport, BenchError> {
    if config.sizes.is_empty() || config.repeats == 0 {
        return Err(BenchError::Config(
            "give at least one list size and one repeat".to_owned(),
        ));
    }
    if let Some(&size) = config.sizes.iter().find(|&&n| n == 0 || n > MAX_SIZE) {
        return Err(BenchError::Config(format!(
            "a list of {size} elements: give 1 to {MAX_SIZE}"
        )));
    }
    let mut redis = RedisBaseline::start();
    let mut results = Vec::with_capacity(config.sizes.len());
    for &size in &config.sizes {
        progress(&format!("large list: {} elements", Count(size as u64)));
        results.push(measure_size(
            size,
            config.repeats,
            redis.as_mut(),
            progress,
        )?);
    }
    Ok(LargeReport {
        config: config.clone(),
        results,
        redis_version: redis.map(|r| r.version().to_owned()),
    })
}

/// The timings of one pass over some operations.
#[derive(Default)]
struct Samples {
    end_to_end: Vec<Vec<Duration>>,
    in_list: Vec<Vec<Duration>>,
    reply_bytes: Vec<usize>,
    parse_reply: Vec<Duration>,
    /// The heap bytes of the list the handler ran on, by its own accounting.
    list_heap: usize,
}

/// One list of one size, and what is known about it.
pub(crate) struct Fixture<'a> {
    pub(crate) items: &'a [String],
    last: String,
    missing: String,
    show_len: usize,
}

impl<'a> Fixture<'a> {
    pub(crate) fn new(items: &'a [String]) -> Self {
        let last = items.last().cloned().unwrap_or_default();
        Self {
            items,
            missing: missing_element(items),
            show_len: repr::list_repr(items).len(),
            last,
        }
    }
}

/// An element that is not in `items` (all digits), as long as the longest ones (so that
/// their text is compared, not only their lengths).
pub(crate) fn missing_element(items: &[String]) -> String {
    let longest = items.iter().map(String::len).max().unwrap_or(1).max(1);
    format!("x{}", "9".repeat(longest - 1))
}

fn measure_size(
    size: usize,
    repeats: usize,
    redis: Option<&mut RedisBaseline>,
    progress: &mut dyn FnMut(&str),
) -> Result<SizeResult, BenchError> {
    let appended = list_items(size, Order::Appended);
    let shuffled = list_items(size, Order::Shuffled);
    let on_appended = Fixture::new(&appended);
    let on_shuffled = Fixture::new(&shuffled);
    let mut first = Samples::default();
    let mut second = Samples::default();
    let mut rss_growth = None;
    for repeat in 0..repeats {
        let growth = time_operations(&on_appended, &Operation::ON_APPENDED, &mut first)?;
        if repeat == 0 {
            rss_growth = growth;
        }
        time_operations(&on_shuffled, &Operation::ON_SHUFFLED, &mut second)?;
    }
    progress("  the same in python3, in the list and through the seed's server");
    let python = crate::bench::python::in_list(size, repeats);
    let seed = seed_server_times(&on_appended, &on_shuffled, repeats);
    let redis = redis.and_then(|redis| {
        progress("  the same in Redis");
        redis.measure(&appended, &shuffled, repeats)
    });
    let operations = Operation::ON_APPENDED
        .into_iter()
        .zip(summarise(&first))
        .chain(Operation::ON_SHUFFLED.into_iter().zip(summarise(&second)))
        .map(
            |(operation, (end_to_end, in_list, reply_bytes))| OperationResult {
                operation,
                end_to_end,
                in_list,
                reply_bytes,
                python: python.as_ref().and_then(|p| p.get(&operation).copied()),
                seed: seed.as_ref().and_then(|s| s.get(&operation).copied()),
                redis: redis
                    .as_ref()
                    .and_then(|r| r.operations.get(&operation).copied()),
            },
        )
        .collect();
    Ok(SizeResult {
        size,
        text_bytes: appended.iter().map(|s| s.len() as u64).sum(),
        operations,
        parse_reply: median(&first.parse_reply),
        rss_growth,
        heap_estimate: first.list_heap as u64,
        redis_memory: redis.and_then(|r| r.memory),
    })
}

/// Each operation's median time end to end against the seed's server, a fresh one per
/// repeat and list order as zlist's; `None` (with a warning) when it cannot run.
fn seed_server_times(
    on_appended: &Fixture<'_>,
    on_shuffled: &Fixture<'_>,
    repeats: usize,
) -> Option<HashMap<Operation, Duration>> {
    let mut samples: HashMap<Operation, Vec<Duration>> = HashMap::new();
    for _ in 0..repeats {
        for (fixture, operations, order) in [
            (on_appended, &Operation::ON_APPENDED[..], Order::Appended),
            (on_shuffled, &Operation::ON_SHUFFLED[..], Order::Shuffled),
        ] {
            let mut server = SeedServer::start(fixture.items.len(), order)?;
            if !server.wait_ready(REPLY_TIMEOUT) {
                return None;
            }
            let timed = time_requests(server.endpoint(), fixture, operations, None)
                .inspect_err(|error| tracing::warn!("no seed-server column: {error}"))
                .ok()?;
            for (operation, time) in operations.iter().zip(timed) {
                samples.entry(*operation).or_default().push(time);
            }
        }
    }
    Some(
        samples
            .into_iter()
            .map(|(op, times)| (op, median(&times)))
            .collect(),
    )
}

/// Sends each operation's request to the list server at `endpoint` once the server
/// answers, checks each reply, and returns each one's time, end to end; with `parse`, also
/// times the client's parse of the `mostrar` reply into it.
pub(crate) fn time_requests(
    endpoint: &str,
    fixture: &Fixture<'_>,
    operations: &[Operation],
    mut parse: Option<&mut Vec<Duration>>,
) -> Result<Vec<Duration>, BenchError> {
    let socket = connect(endpoint, REPLY_TIMEOUT)?;
    // The server is up (and has its list) once this is answered.
    warm_up(&socket)?;
    let mut times = Vec::with_capacity(operations.len());
    for &operation in operations {
        let text = operation.request(&fixture.last, &fixture.missing);
        // The same untimed no-op first, so that the time is the operation's and not the
        // wake-up of threads that slept (or freed a large reply) since the last one.
        warm_up(&socket)?;
        let started = Instant::now();
        let reply = request(&socket, REPLY_TIMEOUT, &text)?;
        times.push(started.elapsed());
        check(operation, &text, &reply, fixture.show_len)?;
        if operation == Operation::Show
            && let Some(parse) = parse.as_deref_mut()
        {
            let started = Instant::now();
            let parsed = repr::parse_list_repr(&reply);
            parse.push(started.elapsed());
            if parsed.as_ref().map(Vec::len).ok() != Some(fixture.items.len()) {
                return Err(BenchError::UnexpectedReply {
                    request: text,
                    reply: shorten(reply.as_bytes()),
                });
            }
        }
    }
    Ok(times)
}

/// A request answered at once without a change: the seed and zlist both refuse a negative
/// position.
const WARM_UP: &str = "insert -1 zlist-bench-warm-up";

/// Sends [`WARM_UP`] and checks its refusal.
fn warm_up(socket: &zmq::Socket) -> Result<(), BenchError> {
    let reply = request(socket, REPLY_TIMEOUT, WARM_UP)?;
    if reply != "Posição inválida: -1" {
        return Err(BenchError::UnexpectedReply {
            request: WARM_UP.to_owned(),
            reply: shorten(reply.as_bytes()),
        });
    }
    Ok(())
}

/// Medians of each operation's timings, and its reply size.
fn summarise(samples: &Samples) -> Vec<(Duration, Duration, usize)> {
    samples
        .end_to_end
        .iter()
        .zip(&samples.in_list)
        .zip(&samples.reply_bytes)
        .map(|((wire, list), &bytes)| (median(wire), median(list), bytes))
        .collect()
}

/// Times `operations` on a fresh server holding the fixture's list, then on the handler
/// alone; returns how much this process's resident memory grew when the server got the
/// list.
fn time_operations(
    fixture: &Fixture<'_>,
    operations: &[Operation],
    samples: &mut Samples,
) -> Result<Option<u64>, BenchError> {
    samples.end_to_end.resize(operations.len(), Vec::new());
    samples.in_list.resize(operations.len(), Vec::new());
    samples.reply_bytes.resize(operations.len(), 0);

    // Through the server.
    crate::platform::release_free_memory();
    let before = resident_bytes();
    let server = Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".to_owned(),
            ..ServerConfig::default()
        },
        RemoteList::from_items(appended_copy(fixture.items)),
    )?;
    let growth = before
        .zip(resident_bytes())
        .map(|(before, after)| after.saturating_sub(before));
    let times = time_requests(
        server.endpoint(),
        fixture,
        operations,
        Some(&mut samples.parse_reply),
    )?;
    for (samples, time) in samples.end_to_end.iter_mut().zip(times) {
        samples.push(time);
    }
    server.stop()?;

    // The handler alone, on the same list and in the same order.
    let list = RemoteList::from_items(appended_copy(fixture.items));
    samples.list_heap = list.heap_bytes();
    let mut service = ListService::new(list, DEFAULT_MAX_REQUEST_BYTES);
    for (i, &operation) in operations.iter().enumerate() {
        let text = operation.request(&fixture.last, &fixture.missing);
        let started = Instant::now();
        let handled = service.handle_text(&text);
        samples.in_list[i].push(started.elapsed());
        check(operation, &text, &handled.outcome.text, fixture.show_len)?;
        samples.reply_bytes[i] = handled.outcome.text.len();
    }
    Ok(growth)
}

fn check(operation: Operation, text: &str, reply: &str, show_len: usize) -> Result<(), BenchError> {
    if operation.accepts(reply, show_len) {
        Ok(())
    } else {
        Err(BenchError::UnexpectedReply {
            request: text.to_owned(),
            reply: shorten(reply.as_bytes()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_distinct_and_shuffled_the_same_way_every_time() {
        let appended = list_items(1000, Order::Appended);
        assert_eq!(appended[..3], ["0", "1", "2"]);
        let items = list_items(1000, Order::Shuffled);
        let mut sorted: Vec<usize> = items.iter().map(|s| s.parse().unwrap()).collect();
        assert_ne!(sorted, (0..1000).collect::<Vec<_>>(), "shuffled");
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>(), "distinct, all there");
        assert_eq!(items, list_items(1000, Order::Shuffled));
    }

    #[test]
    fn sizes_out_of_range_are_refused() {
        let mut progress = |_: &str| {};
        for sizes in [vec![], vec![0], vec![MAX_SIZE + 1]] {
            let config = LargeConfig { sizes, repeats: 1 };
            assert!(matches!(
                run(&config, &mut progress),
                Err(BenchError::Config(_))
            ));
        }
    }
}
