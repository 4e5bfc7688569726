//! Storage torture: a data directory written by real requests, then cut at every byte of
//! its last records and at random places elsewhere, and with bytes flipped at random. For
//! every case the store either loads exactly the list after some prefix of the
//! acknowledged changes, or refuses to load with its damage message; it never panics and
//! never loads anything else. The same for the snapshot a clean stop writes.

use std::fs;
use std::path::{Path, PathBuf};

use zlist::net::list::RemoteList;
use zlist::net::service::ListService;
use zlist::net::store::{DiskOptions, Store, StoreError};

/// A small deterministic generator (xorshift64*): the same cases on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Real requests, tagged and not, that change the list (and a few that do not).
fn requests() -> Vec<String> {
    let mut requests = Vec::new();
    for i in 0..12 {
        requests.push(format!("append elemento {i} olá 😀"));
        requests.push(format!("zlist.req torture:{} insert {} x{i}", i + 1, i / 2));
        if i % 3 == 2 {
            requests.push(format!("remover x{}", i - 1));
            requests.push("pesquisar x1".to_owned());
        }
        if i % 4 == 3 {
            requests.push("ordenar_desc".to_owned());
        }
    }
    requests.push("ordenar_cresc".to_owned());
    requests.push("remover não está".to_owned());
    requests.push(format!("append {}", "longo ".repeat(300)));
    requests.push("limpar".to_owned());
    requests.push("append depois de limpar".to_owned());
    requests
}

/// What the requests left behind: the data directory's files, the list after each
/// acknowledged change (`states[k]`: after the first k), and the journal's length after
/// each (`ends[k]`).
struct Written {
    dir: tempfile::TempDir,
    states: Vec<Vec<String>>,
    ends: Vec<u64>,
}

fn journal_of(dir: &Path) -> PathBuf {
    newest(dir, "journal-")
}

fn newest(dir: &Path, prefix: &str) -> PathBuf {
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with(prefix))
        })
        .collect();
    paths.sort();
    paths
        .pop()
        .unwrap_or_else(|| panic!("no {prefix} file in {}", dir.display()))
}

/// Runs the requests on a service over a new data directory, killed at the end (no
/// final snapshot) unless `stop_cleanly`.
fn write(stop_cleanly: bool) -> Written {
    let dir = tempfile::tempdir().unwrap();
    let (store, recovered) = Store::open(&DiskOptions::new(dir.path())).unwrap();
    let mut service = ListService::with_store(store, recovered, RemoteList::default(), 1 << 20)
        .expect("a new data directory loads");
    let mut states = vec![Vec::new()];
    let mut ends = vec![fs::metadata(journal_of(dir.path())).unwrap().len()];
    for request in requests() {
        let handled = service.handle_text(&request);
        if handled.effect.is_some() {
            states.push(service.list().to_vec());
            ends.push(fs::metadata(journal_of(dir.path())).unwrap().len());
        }
    }
    if stop_cleanly {
        service.close().unwrap();
    } else {
        drop(service);
    }
    Written { dir, states, ends }
}

/// A copy of `from`'s files (without its lock) in a new directory, with `file` replaced
/// by `bytes`.
fn damaged_copy(from: &Path, file: &Path, bytes: &[u8]) -> tempfile::TempDir {
    let to = tempfile::tempdir().unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if name == "lock" {
            continue;
        }
        if path == file {
            fs::write(to.path().join(name), bytes).unwrap();
        } else {
            fs::copy(&path, to.path().join(name)).unwrap();
        }
    }
    to
}

/// What loading a damaged directory gave.
#[derive(Debug, PartialEq, Eq)]
enum Loaded {
    /// The list after the first k acknowledged changes.
    Prefix(usize),
    /// Refused, with the store's damage message.
    Refused,
}

/// Loads `dir` and checks the outcome is a prefix of `states` or a refusal that says what
/// is damaged.
fn load(dir: &Path, states: &[Vec<String>], case: &str) -> Loaded {
    match Store::open(&DiskOptions::new(dir)) {
        Ok((_, recovered)) => {
            let k = states
                .iter()
                .rposition(|state| *state == recovered.list.to_vec())
                .unwrap_or_else(|| {
                    panic!(
                        "{case}: loaded a list that no prefix of the acknowledged changes \
                         made: {:?}",
                        recovered.list.to_vec()
                    )
                });
            Loaded::Prefix(k)
        }
        Err(error @ (StoreError::Damaged { .. } | StoreError::NewerFormat { .. })) => {
            let message = error.to_string();
            assert!(
                message.contains("damaged at byte") || message.contains("newer zlist"),
                "{case}: {message}"
            );
            Loaded::Refused
        }
        Err(other) => panic!("{case}: refused without a damage message: {other}"),
    }
}

#[test]
fn a_journal_cut_anywhere_loads_exactly_the_changes_before_the_cut() {
    let written = write(false);
    let journal = journal_of(written.dir.path());
    let bytes = fs::read(&journal).unwrap();
    let acknowledged = written.states.len() - 1;
    assert_eq!(*written.ends.last().unwrap(), bytes.len() as u64);
    // Every byte of the last three records, and 60 random places before them.
    let last_three = written.ends[acknowledged - 3] as usize;
    let mut rng = Rng(0x5eed_0001);
    let mut cuts: Vec<usize> = (last_three..=bytes.len()).collect();
    cuts.extend((0..60).map(|_| rng.below(last_three)));
    for cut in cuts {
        let copy = damaged_copy(written.dir.path(), &journal, &bytes[..cut]);
        let expected = written.ends.iter().rposition(|&end| end as usize <= cut);
        let loaded = load(copy.path(), &written.states, &format!("cut at {cut}"));
        match expected {
            Some(k) => assert_eq!(loaded, Loaded::Prefix(k), "cut at {cut}"),
            // Inside the header: a journal that never held a change.
            None => assert_eq!(loaded, Loaded::Prefix(0), "cut at {cut}"),
        }
    }
}

#[test]
fn a_journal_with_flipped_bytes_loads_a_prefix_or_refuses_never_anything_else() {
    let written = write(false);
    let journal = journal_of(written.dir.path());
    let bytes = fs::read(&journal).unwrap();
    let mut rng = Rng(0x5eed_0002);
    let mut refused = 0;
    for case in 0..300 {
        let mut damaged = bytes.clone();
        let flips = 1 + rng.below(3);
        let mut first = damaged.len();
        for _ in 0..flips {
            let at = rng.below(damaged.len());
            damaged[at] ^= 1 + rng.below(255) as u8;
            first = first.min(at);
        }
        let copy = damaged_copy(written.dir.path(), &journal, &damaged);
        let label = format!("case {case}: {flips} flips from byte {first}");
        match load(copy.path(), &written.states, &label) {
            // Nothing from the first damaged record on may be loaded.
            Loaded::Prefix(k) => assert!(
                written.ends[k] as usize <= first.max(written.ends[0] as usize),
                "{label}: loaded {k} changes, the last ending at {}",
                written.ends[k]
            ),
            Loaded::Refused => refused += 1,
        }
    }
    assert!(refused > 0, "damage in the middle is refused, not skipped");
}

#[test]
fn a_snapshot_cut_or_flipped_loads_its_list_or_refuses() {
    let written = write(true);
    let snapshot = newest(written.dir.path(), "snapshot-");
    let bytes = fs::read(&snapshot).unwrap();
    let last = written.states.len() - 1;
    let intact = damaged_copy(written.dir.path(), &snapshot, &bytes);
    assert_eq!(
        load(intact.path(), &written.states, "intact"),
        Loaded::Prefix(last)
    );
    let mut rng = Rng(0x5eed_0003);
    let tail = bytes.len().saturating_sub(64);
    let mut cuts: Vec<usize> = (tail..bytes.len()).collect();
    cuts.extend((0..60).map(|_| rng.below(bytes.len())));
    for cut in cuts {
        let copy = damaged_copy(written.dir.path(), &snapshot, &bytes[..cut]);
        assert_eq!(
            load(
                copy.path(),
                &written.states,
                &format!("snapshot cut at {cut}")
            ),
            Loaded::Refused,
            "a snapshot is written whole or not at all: a short one is damage (cut at {cut})"
        );
    }
    for case in 0..200 {
        let mut damaged = bytes.clone();
        let at = rng.below(damaged.len());
        damaged[at] ^= 1 + rng.below(255) as u8;
        let copy = damaged_copy(written.dir.path(), &snapshot, &damaged);
        assert_eq!(
            load(
                copy.path(),
                &written.states,
                &format!("snapshot flip {case} at {at}")
            ),
            Loaded::Refused,
            "snapshot flip {case} at byte {at}"
        );
    }
}
