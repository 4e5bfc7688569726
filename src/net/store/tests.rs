//! The store against real files in a temporary directory: reopening, torn tails, damage,
//! compaction, locking and failed writes.

use std::fs;
use std::io::Write as _;

use super::*;
use crate::net::list::Outcome;
use std::fs::OpenOptions;

fn options(dir: &Path) -> DiskOptions {
    DiskOptions::new(dir)
}

fn open(dir: &Path) -> (Store, Recovered) {
    Store::open(&options(dir)).unwrap()
}

fn append(store: &mut Store, x: &str) {
    store.append(&Effect::Append(x.to_owned()), None).unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn tag(client: &str, seq: u64) -> TagEntry {
    TagEntry {
        client: client.to_owned(),
        seq,
        outcome: Outcome::ok(format!("reply {seq}")),
        unix_ms: 1_700_000_000_000 + seq,
    }
}

#[test]
fn a_new_directory_starts_empty_and_reopening_replays_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nested/data");
    let (mut store, recovered) = Store::open(&options(&data)).unwrap();
    assert!(recovered.report.fresh);
    assert!(recovered.list.is_empty());
    let effects = [
        Effect::Append("b".into()),
        Effect::Append(String::new()),
        Effect::Insert(0, "olá 😀".into()),
        Effect::Append("a a".into()),
        Effect::SortDescending,
        Effect::RemoveAt(1),
        Effect::SortAscending,
    ];
    let mut expected = RemoteList::default();
    for effect in &effects {
        store.append(effect, Some(&tag("c", 1))).unwrap();
        expected.apply(effect.clone()).unwrap();
    }
    // Dropped without `close`, as a killed process would be: only the journal is there.
    drop(store);
    assert_eq!(names(&data), ["journal-00000000.zlist", "lock"]);
    let (mut store, recovered) = open(&data);
    assert_eq!(recovered.list, expected);
    assert_eq!(recovered.report.journal_records, effects.len() as u64);
    assert!(!recovered.report.fresh);
    assert_eq!(recovered.tags, [tag("c", 1)]);
    store.append(&Effect::Clear, None).unwrap();
    drop(store);
    assert!(open(&data).1.list.is_empty());
}

#[test]
fn close_writes_a_snapshot_that_the_next_open_loads_without_replaying() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = open(dir.path());
    for i in 0..100 {
        append(&mut store, &i.to_string());
    }
    let items: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    store.close(&items, &[tag("x", 3)]).unwrap();
    assert_eq!(
        names(dir.path()),
        ["journal-00000001.zlist", "lock", "snapshot-00000001.zlist"]
    );
    let (store, recovered) = open(dir.path());
    assert_eq!(recovered.list.to_vec(), items);
    assert_eq!(recovered.tags, [tag("x", 3)]);
    assert_eq!(recovered.report.snapshot_items, 100);
    assert_eq!(recovered.report.journal_records, 0);
    let line = recovered.report.to_string();
    assert!(line.contains("loaded 100 elements"), "{line}");
    assert!(line.contains("snapshot-00000001.zlist"), "{line}");
    // Nothing changed since: closing again writes no new snapshot.
    store.close(&items, &[]).unwrap();
    assert_eq!(names(dir.path()).len(), 3);
}

/// Appends `len` bytes that begin like a record but stop short: a write cut by a crash.
fn append_torn_record(path: &Path, len: usize) {
    let mut record = Vec::new();
    record::push_change(
        &mut record,
        &Effect::Append("never acknowledged".into()),
        None,
    )
    .unwrap();
    let mut file = OpenOptions::new().append(true).open(path).unwrap();
    file.write_all(&record[..len.min(record.len() - 1)])
        .unwrap();
}

#[test]
fn a_torn_last_record_is_dropped_and_the_journal_continues_after_the_good_ones() {
    for torn_len in [1, 7, 8, 20] {
        let dir = tempfile::tempdir().unwrap();
        let (mut store, _) = open(dir.path());
        append(&mut store, "um");
        append(&mut store, "dois");
        let journal = store.journal_path().to_owned();
        drop(store);
        let good_len = fs::metadata(&journal).unwrap().len();
        append_torn_record(&journal, torn_len);

        let (mut store, recovered) = open(dir.path());
        assert_eq!(recovered.list.to_vec(), ["um", "dois"], "torn {torn_len}");
        let (path, offset, len) = recovered.report.torn_tail.clone().unwrap();
        assert_eq!((path, offset), (journal.clone(), good_len));
        assert_eq!(len, torn_len as u64);
        assert_eq!(fs::metadata(&journal).unwrap().len(), good_len);
        append(&mut store, "três");
        drop(store);
        let (_, recovered) = open(dir.path());
        assert_eq!(recovered.list.to_vec(), ["um", "dois", "três"]);
        assert_eq!(recovered.report.torn_tail, None);
    }
}

#[test]
fn a_journal_cut_inside_its_header_is_started_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open(dir.path());
    let journal = store.journal_path().to_owned();
    drop(store);
    for len in [0, 3, 12] {
        let bytes = fs::read(&journal).unwrap();
        let cut = len.min(bytes.len());
        fs::write(&journal, &bytes[..cut]).unwrap();
        let (mut store, recovered) = open(dir.path());
        assert!(recovered.list.is_empty());
        append(&mut store, "x");
        drop(store);
        let (mut store, recovered) = open(dir.path());
        assert_eq!(recovered.list.to_vec(), ["x"], "cut at {len}");
        store.append(&Effect::Clear, None).unwrap();
    }
}

#[test]
fn a_damaged_middle_record_refuses_to_load_naming_the_file_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = open(dir.path());
    append(&mut store, "um");
    let journal = store.journal_path().to_owned();
    let second = fs::metadata(&journal).unwrap().len();
    append(&mut store, "dois");
    append(&mut store, "três");
    drop(store);
    let mut bytes = fs::read(&journal).unwrap();
    // A byte inside the second record's payload.
    bytes[second as usize + record::HEADER_LEN + 3] ^= 0x20;
    fs::write(&journal, &bytes).unwrap();

    let error = Store::open(&options(dir.path())).unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(&error, StoreError::Damaged { path, offset, .. } if *path == journal && *offset == second),
        "{text}"
    );
    assert!(text.contains(&journal.display().to_string()), "{text}");
    assert!(
        text.contains(&format!("damaged at byte {second}")),
        "{text}"
    );
    assert!(text.contains("checksum does not match"), "{text}");
    assert!(
        text.contains(&format!("truncate -s {second} {}", journal.display())),
        "{text}"
    );
    // Refusing changed nothing: the file is as it was, and the lock was released.
    assert_eq!(fs::read(&journal).unwrap(), bytes);
    assert!(matches!(
        Store::open(&options(dir.path())),
        Err(StoreError::Damaged { .. })
    ));
}

#[test]
fn a_damaged_snapshot_refuses_to_load() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = open(dir.path());
    let items: Vec<String> = (0..10_000).map(|i| format!("item {i}")).collect();
    drop(store);
    let (mut store, _) = open(dir.path());
    store.snapshot_now(&items, &[]).unwrap();
    drop(store);
    let snapshot = snapshot_path(dir.path(), 1);
    let mut bytes = fs::read(&snapshot).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&snapshot, &bytes).unwrap();
    let text = Store::open(&options(dir.path())).unwrap_err().to_string();
    assert!(
        text.contains("snapshot-00000001.zlist is damaged at byte"),
        "{text}"
    );
    assert!(text.contains("restore"), "{text}");
}

#[test]
fn a_missing_journal_or_snapshot_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = open(dir.path());
    append(&mut store, "a");
    store.compact(&["a"], &[]).unwrap();
    append(&mut store, "b");
    drop(store);
    // Generation 1's journal exists, so its snapshot must too.
    fs::remove_file(snapshot_path(dir.path(), 1)).unwrap();
    let text = Store::open(&options(dir.path())).unwrap_err().to_string();
    assert!(
        text.contains("snapshot-00000001.zlist is missing"),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    fs::write(journal_path(dir.path(), 0), b"").unwrap();
    fs::write(journal_path(dir.path(), 2), b"").unwrap();
    let text = Store::open(&options(dir.path())).unwrap_err().to_string();
    assert!(text.contains("journal-00000001.zlist is missing"), "{text}");
}

#[test]
fn compaction_keeps_the_list_and_tags_and_removes_older_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.compact_after_bytes = 2000;
    let (mut store, _) = Store::open(&opts).unwrap();
    let mut list = RemoteList::default();
    let mut compactions = 0;
    for i in 0..2000 {
        // A long history over a short list: it is cleared every 50 changes.
        let effect = if i % 50 == 49 {
            Effect::Clear
        } else {
            Effect::Append(format!("elemento {i}"))
        };
        store.append(&effect, Some(&tag("c", i))).unwrap();
        list.apply(effect).unwrap();
        if store.wants_compaction() {
            store.compact(&list.to_vec(), &[tag("c", i)]).unwrap();
            // Finished before the next change, so that every threshold is reached.
            store.reap_compaction(true);
            compactions += 1;
        }
    }
    assert!(compactions >= 3, "{compactions} compactions");
    drop(store);
    let files = names(dir.path());
    assert!(files.len() <= 4, "old generations are removed: {files:?}");
    let (_, recovered) = Store::open(&opts).unwrap();
    assert_eq!(recovered.list, list);
    assert_eq!(recovered.tags, [tag("c", 1999)]);
    // Disk use follows the list, not its history.
    let total: u64 = files
        .iter()
        .map(|f| fs::metadata(dir.path().join(f)).unwrap().len())
        .sum();
    let snapshot = fs::metadata(snapshot_path(dir.path(), compactions))
        .unwrap()
        .len();
    assert!(
        total < snapshot * 4 + 4000,
        "{total} bytes for a {snapshot}-byte snapshot"
    );
}

#[test]
fn an_interrupted_compaction_loads_from_the_older_snapshot_and_every_journal_since() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = open(dir.path());
    append(&mut store, "a");
    store.snapshot_now(&["a"], &[]).unwrap();
    append(&mut store, "b");
    drop(store);
    // As if compaction to generation 2 had started journal 2 and died writing snapshot 2.
    let dir_path = dir.path();
    let journal = Journal::create(dir_path, journal_path(dir_path, 2), 2).unwrap();
    drop(journal);
    let (mut store, recovered) = open(dir_path);
    assert_eq!(recovered.list.to_vec(), ["a", "b"]);
    append(&mut store, "c");
    drop(store);
    fs::write(dir_path.join("snapshot-00000002.zlist.tmp"), b"half").unwrap();
    let (_, recovered) = open(dir_path);
    assert_eq!(recovered.list.to_vec(), ["a", "b", "c"]);
    assert_eq!(recovered.report.journal_records, 2);
    assert!(!names(dir_path).iter().any(|n| n.ends_with(".tmp")));
}

#[test]
fn a_second_store_on_the_same_directory_is_refused_until_the_first_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = open(dir.path());
    let error = Store::open(&options(dir.path())).unwrap_err().to_string();
    let lock = dir.path().join("lock");
    assert_eq!(
        error,
        format!(
            "data directory {} is in use by another zlist server (process {}) (lock file {}); \
             stop it or choose another --data",
            dir.path().display(),
            std::process::id(),
            lock.display()
        )
    );
    drop(first);
    assert!(Store::open(&options(dir.path())).is_ok());
}

#[test]
fn a_file_from_a_newer_zlist_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = journal::MAGIC.to_vec();
    let mut payload = vec![0x40];
    payload.extend_from_slice(&99_u32.to_le_bytes());
    payload.extend_from_slice(&0_u64.to_le_bytes());
    let len = (payload.len() as u32).to_le_bytes();
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&len);
    hasher.update(&payload);
    bytes.extend_from_slice(&len);
    bytes.extend_from_slice(&hasher.finalize().to_le_bytes());
    bytes.extend_from_slice(&payload);
    fs::write(journal_path(dir.path(), 0), &bytes).unwrap();
    let text = Store::open(&options(dir.path())).unwrap_err().to_string();
    assert!(
        text.contains("written by a newer zlist (format version 99"),
        "{text}"
    );
}

#[test]
fn a_file_that_is_not_a_zlist_journal_is_refused_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = journal_path(dir.path(), 0);
    fs::write(&path, b"some other program's file").unwrap();
    let text = Store::open(&options(dir.path())).unwrap_err().to_string();
    assert!(text.contains("is not a zlist journal"), "{text}");
    assert_eq!(fs::read(&path).unwrap(), b"some other program's file");
}

#[test]
fn a_failed_write_records_nothing_and_the_next_good_write_lands_after_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = open(dir.path());
    append(&mut store, "antes");
    let path = store.journal_path().to_owned();
    let good = fs::read(&path).unwrap();
    store.break_journal_for_test();
    let error = store
        .append(&Effect::Append("perdido".into()), None)
        .unwrap_err();
    assert!(matches!(error, StoreError::Write { .. }), "{error}");
    assert_eq!(fs::read(&path).unwrap(), good);
    drop(store);
    let (mut store, recovered) = open(dir.path());
    assert_eq!(recovered.list.to_vec(), ["antes"]);
    append(&mut store, "depois");
    drop(store);
    assert_eq!(open(dir.path()).1.list.to_vec(), ["antes", "depois"]);
}

#[test]
fn a_final_snapshot_that_cannot_be_written_is_an_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A directory where the snapshot's temporary file must go: creating it fails, as
    // root too.
    fs::create_dir(dir.path().join("snapshot-00000001.zlist.tmp")).unwrap();
    let (mut store, _) = open(dir.path());
    append(&mut store, "a");
    append(&mut store, "b");
    let error = store.close(&["a", "b"], &[]).unwrap_err().to_string();
    assert!(
        error.contains("cannot write the final snapshot: cannot create the snapshot"),
        "{error}"
    );
    assert!(error.contains("no change is lost"), "{error}");
    let (_, recovered) = open(dir.path());
    assert_eq!(recovered.list.to_vec(), ["a", "b"]);
    assert_eq!(recovered.report.journal_records, 2);
}

#[test]
fn everysec_flushes_on_the_tick_and_always_flushes_on_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = open(dir.path());
    let start = Instant::now();
    assert_eq!(store.next_tick(start), None, "nothing to flush yet");
    append(&mut store, "a");
    let wait = store.next_tick(start).unwrap();
    assert!(wait <= EVERYSEC_INTERVAL, "{wait:?}");
    store.tick(start + EVERYSEC_INTERVAL);
    assert_eq!(store.next_tick(start + EVERYSEC_INTERVAL), None);
    drop(store);

    let dir = tempfile::tempdir().unwrap();
    let mut opts = options(dir.path());
    opts.fsync = FsyncPolicy::Always;
    let (mut store, _) = Store::open(&opts).unwrap();
    append(&mut store, "a");
    assert_eq!(store.next_tick(Instant::now()), None, "already flushed");
    opts.fsync = FsyncPolicy::Never;
    drop(store);
    let (mut store, _) = Store::open(&opts).unwrap();
    append(&mut store, "b");
    assert_eq!(store.next_tick(Instant::now()), None, "left to the OS");
}

#[test]
fn the_default_data_directory_is_the_platforms() {
    if let Some(dir) = Storage::default_dir() {
        assert!(
            dir.ends_with("zlist") || dir.ends_with("zlist/data"),
            "{dir:?}"
        );
    }
    assert_eq!(Storage::default(), Storage::Memory);
    assert_eq!(FsyncPolicy::default(), FsyncPolicy::EverySec);
    assert_eq!(
        serde_json::to_string(&FsyncPolicy::EverySec).unwrap(),
        "\"everysec\""
    );
}
