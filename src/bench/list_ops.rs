//! Single-element operations on a large list, in process (the server's time, no socket):
//! each timed at its worst place (`insert` at 0 and in the middle, `append`, `pesquisar`
//! and `remover` of the last element and of a missing one, `remove_at` 0, `replace_at` in
//! the middle, `move` from 0 to the end), the median of repeats; plus the list's memory
//! per element by its own accounting of its heap bytes.

use std::fmt;
use std::time::{Duration, Instant};

use crate::bench::large::{Order, list_items};
use crate::bench::measure::{Time, median};
use crate::net::list::RemoteList;
use crate::net::protocol::{Command, Position};

/// Repeats of each operation (the median and the slowest are reported).
pub const REPEATS: usize = 31;

/// An element no list of the benchmark holds.
const MISSING: &str = "zlist-bench-missing";
/// The element the inserts add and the replace puts in.
const NEW: &str = "zlist-bench-new";

/// One operation's times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpTime {
    /// What was timed, e.g. `insert 0`.
    pub name: String,
    /// The median over the repeats.
    pub median: Duration,
    /// The slowest repeat.
    pub max: Duration,
    /// The reply to the last repeat (what the operation answered).
    pub reply: String,
}

/// What [`measure`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct ListOpsReport {
    /// Elements in the list.
    pub size: usize,
    /// The operations, in the order they ran.
    pub ops: Vec<OpTime>,
    /// The list's heap bytes once built, by its own accounting.
    pub heap_bytes: usize,
    /// `heap_bytes` per element.
    pub bytes_per_element: f64,
    /// Whether the list was left as it was built (every operation was undone).
    pub intact: bool,
}

/// Builds a list of `size` short distinct elements (`"0"` to `"size-1"`, at least one)
/// and times each single-element operation on it at its worst place.
pub fn measure(size: usize) -> ListOpsReport {
    let size = size.max(1);
    let mut list = RemoteList::from_items(list_items(size, Order::Appended));
    let heap_bytes = list.heap_bytes();
    let first = "0".to_owned();
    let last = (size - 1).to_string();
    let middle = size / 2;
    let at_middle = middle.to_string();
    let insert = |index: usize| Command::Insert {
        position: Position::from_index(index),
        element: NEW.to_owned(),
    };
    let remove_new = |index: usize| Command::RemoveAt {
        index,
        expected: NEW.to_owned(),
    };
    // What is timed, and the untimed command that undoes it.
    let cases: Vec<(&str, Command, Option<Command>)> = vec![
        ("insert 0", insert(0), Some(remove_new(0))),
        ("insert middle", insert(middle), Some(remove_new(middle))),
        (
            "append",
            Command::Append(NEW.to_owned()),
            Some(remove_new(size)),
        ),
        ("pesquisar last", Command::Search(last.clone()), None),
        (
            "pesquisar missing",
            Command::Search(MISSING.to_owned()),
            None,
        ),
        (
            "remover last",
            Command::Remove(last.clone()),
            Some(Command::Append(last.clone())),
        ),
        ("remover missing", Command::Remove(MISSING.to_owned()), None),
        (
            "remove_at 0",
            Command::RemoveAt {
                index: 0,
                expected: first.clone(),
            },
            Some(Command::Insert {
                position: Position::from_index(0),
                element: first.clone(),
            }),
        ),
        (
            "replace_at middle",
            Command::ReplaceAt {
                index: middle,
                expected: at_middle.clone(),
                element: NEW.to_owned(),
            },
            Some(Command::ReplaceAt {
                index: middle,
                expected: NEW.to_owned(),
                element: at_middle,
            }),
        ),
        (
            "move 0 -> end",
            Command::Move {
                from: 0,
                to: size - 1,
                expected: first.clone(),
            },
            Some(Command::Move {
                from: size - 1,
                to: 0,
                expected: first,
            }),
        ),
    ];
    let mut ops = Vec::with_capacity(cases.len());
    for (name, command, undo) in cases {
        let mut times = Vec::with_capacity(REPEATS);
        let mut reply = String::new();
        // One untimed round first: the allocator's one-off work after the build (glibc
        // consolidates the ten million small blocks the build freed at the first large
        // allocation, a quarter of a second at ten million) is not the operation's.
        for round in 0..=REPEATS {
            let started = Instant::now();
            let (outcome, _) = list.execute(&command);
            if round > 0 {
                times.push(started.elapsed());
            }
            reply = outcome.text.as_str().to_owned();
            if let Some(undo) = &undo {
                list.execute(undo);
            }
        }
        ops.push(OpTime {
            name: name.to_owned(),
            median: median(&times),
            max: times.iter().copied().max().unwrap_or_default(),
            reply,
        });
    }
    ops.extend(churn(&mut list));
    let intact = list.len() == size
        && list.get(0) == Some("0")
        && list.get(middle).is_some_and(|x| x == middle.to_string())
        && list
            .get(size - 1)
            .is_some_and(|x| x == size.saturating_sub(1).to_string());
    ListOpsReport {
        size,
        ops,
        heap_bytes,
        bytes_per_element: heap_bytes as f64 / size as f64,
        intact,
    }
}

/// A chunk's worth of `insert 0` in a row, then as many `zlist.remove_at 0`: every one
/// timed, so the slowest includes the chunk splits and merges they cause.
fn churn(list: &mut RemoteList) -> [OpTime; 2] {
    let mut row = |name: &str, command: &Command| {
        let mut times = Vec::with_capacity(CHURN);
        let mut reply = String::new();
        for _ in 0..CHURN {
            let started = Instant::now();
            let (outcome, _) = list.execute(command);
            times.push(started.elapsed());
            reply = outcome.text.as_str().to_owned();
        }
        OpTime {
            name: name.to_owned(),
            median: median(&times),
            max: times.iter().copied().max().unwrap_or_default(),
            reply,
        }
    };
    let inserts = row(
        "insert 0, 5000 in a row",
        &Command::Insert {
            position: Position::from_index(0),
            element: NEW.to_owned(),
        },
    );
    let removals = row(
        "remove_at 0, 5000 in a row",
        &Command::RemoveAt {
            index: 0,
            expected: NEW.to_owned(),
        },
    );
    [inserts, removals]
}

/// How many changes [`churn`] makes in a row: more than a chunk holds.
const CHURN: usize = 5000;

impl fmt::Display for ListOpsReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Single-element operations at {} elements (in process, median of {REPEATS})",
            self.size
        )?;
        writeln!(f, "| operation | median | slowest |")?;
        writeln!(f, "|---|---|---|")?;
        for op in &self.ops {
            writeln!(
                f,
                "| {} | {} | {} |",
                op.name,
                Time(op.median),
                Time(op.max)
            )?;
        }
        writeln!(
            f,
            "memory: {:.1} bytes per element ({} heap bytes)",
            self.bytes_per_element, self.heap_bytes
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_timed_with_its_seed_reply_and_the_list_is_left_intact() {
        let report = measure(20_000);
        let names: Vec<&str> = report.ops.iter().map(|op| op.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "insert 0",
                "insert middle",
                "append",
                "pesquisar last",
                "pesquisar missing",
                "remover last",
                "remover missing",
                "remove_at 0",
                "replace_at middle",
                "move 0 -> end",
                "insert 0, 5000 in a row",
                "remove_at 0, 5000 in a row",
            ]
        );
        let replies: Vec<&str> = report.ops.iter().map(|op| op.reply.as_str()).collect();
        assert_eq!(
            replies[0],
            "Elemento 'zlist-bench-new' inserido na posição 0."
        );
        assert_eq!(replies[3], "Encontrado");
        assert_eq!(replies[4], "Não encontrado");
        assert_eq!(replies[5], "Elemento '19999' removido.");
        assert_eq!(
            replies[9],
            "Elemento '0' movido da posição 0 para a posição 19999."
        );
        assert!(report.intact);
        assert!(report.ops.iter().all(|op| op.median <= op.max));
        assert!(
            report.bytes_per_element > 4.0 && report.bytes_per_element < 56.0,
            "{}",
            report.bytes_per_element
        );
        let table = report.to_string();
        assert!(table.contains("| move 0 -> end |"), "{table}");
    }

    /// `cargo test --release --lib list_ops -- --ignored --nocapture` prints the table at
    /// ten million elements.
    #[test]
    #[ignore = "builds a ten-million-element list: run in a release build"]
    fn ten_million_elements_take_under_a_millisecond_per_operation() {
        let report = measure(10_000_000);
        println!("{report}");
        assert!(report.intact);
        for op in &report.ops {
            assert!(
                op.median < Duration::from_millis(1),
                "{}: {:?}",
                op.name,
                op.median
            );
        }
        assert!(report.bytes_per_element < 56.0);
    }
}
