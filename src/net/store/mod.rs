//! Durability: the server's list kept on disk as a snapshot plus a journal of the changes
//! since, the way Redis keeps its append-only file.
//!
//! A data directory holds
//!
//! - `lock`: held (`flock`) by the one server using the directory;
//! - `snapshot-G.zlist`: the list and the remembered request tags at the start of
//!   generation G, written atomically;
//! - `journal-G.zlist`: every change made in generation G, each written to the file before
//!   its reply is sent.
//!
//! Loading reads the newest snapshot S and replays the journals S, S+1, ... in order.
//! Compaction starts journal G+1 and writes snapshot G+1 of the list as it is at that
//! moment (on a background thread), then removes the files of older generations; if it is
//! interrupted, the older snapshot and every journal since are still there. Every record
//! carries a CRC-32: an interrupted last write (a torn tail) is dropped with a warning,
//! because it was never acknowledged, and damage anywhere else stops the load with the
//! file, the offset and how to recover.

mod dir;
mod journal;
mod record;
mod snapshot;

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use record::{EncodeError, FORMAT_VERSION, TagEntry};

use crate::net::list::{Effect, RemoteList};
use dir::{journal_path, list_dir, lock_dir, parent, remove_older, snapshot_path, sync_dir};
use journal::Journal;

/// How often the `everysec` policy flushes the journal to the disk.
pub const EVERYSEC_INTERVAL: Duration = Duration::from_secs(1);

/// By default, a journal is compacted once it is larger than this, or than twice the last
/// snapshot, whichever is more: disk use stays proportional to the list.
pub const DEFAULT_COMPACT_AFTER_BYTES: u64 = 64 * 1024 * 1024;

/// The lock file's name in a data directory.
pub const LOCK_FILE: &str = "lock";

const SNAPSHOT_PREFIX: &str = "snapshot-";
const JOURNAL_PREFIX: &str = "journal-";
const SUFFIX: &str = ".zlist";
const TEMPORARY_SUFFIX: &str = ".tmp";

/// When the journal is flushed to the disk (fsync), as Redis's `appendfsync`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FsyncPolicy {
    /// After every change, before its reply: no acknowledged change is lost even on power
    /// loss. The slowest.
    Always,
    /// About once a second: a power loss loses at most the last second or so.
    #[default]
    #[serde(rename = "everysec")]
    EverySec,
    /// When the operating system decides (usually within 30 s on Linux).
    Never,
}

impl FsyncPolicy {
    /// The policy's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Always => "always",
            Self::EverySec => "everysec",
            Self::Never => "never",
        }
    }
}

impl fmt::Display for FsyncPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a server keeps its list.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Storage {
    /// In memory only, as the seed does: everything is lost when the server stops.
    #[default]
    Memory,
    /// In a data directory, surviving restarts and crashes.
    Disk(DiskOptions),
}

impl Storage {
    /// On disk in `dir`, with the default policy (`everysec`).
    pub fn disk(dir: impl Into<PathBuf>) -> Self {
        Self::Disk(DiskOptions::new(dir))
    }

    /// The platform's data directory for zlist: `~/.local/share/zlist` on Linux (or
    /// `$XDG_DATA_HOME/zlist`), `~/Library/Application Support/zlist` on macOS,
    /// `%APPDATA%\zlist\data` on Windows. `None` when the home directory is unknown.
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "zlist").map(|dirs| dirs.data_dir().to_owned())
    }
}

/// How a list is kept on disk.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DiskOptions {
    /// The data directory; created if missing.
    pub dir: PathBuf,
    /// When the journal is flushed to the disk.
    pub fsync: FsyncPolicy,
    /// The journal is compacted once larger than this and than twice the last snapshot.
    pub compact_after_bytes: u64,
}

impl DiskOptions {
    /// In `dir`, flushed every second, compacted after the default size.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            fsync: FsyncPolicy::default(),
            compact_after_bytes: DEFAULT_COMPACT_AFTER_BYTES,
        }
    }
}

/// Why the store could not load, or could not record a change.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another server holds the directory's lock.
    #[error(
        "data directory {} is in use by another zlist server{holder} (lock file {}); \
         stop it or choose another --data",
        .dir.display(), .lock.display()
    )]
    Locked {
        /// The data directory.
        dir: PathBuf,
        /// Its lock file.
        lock: PathBuf,
        /// ` (process N)` when the lock file names the holder, else empty.
        holder: String,
    },
    /// A file operation failed.
    #[error("cannot {doing} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        doing: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A change could not be written to the journal; it was not applied.
    #[error("cannot write to the journal {}: {source}", .path.display())]
    Write {
        /// The journal.
        path: PathBuf,
        /// What the system said.
        source: io::Error,
    },
    /// A change too large for the journal format.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// A file is damaged somewhere other than an interrupted last write.
    #[error(
        "{} is damaged at byte {offset}: {problem}. The server will not start rather than \
         drop data. To recover: {recovery}",
        .path.display()
    )]
    Damaged {
        /// The damaged file.
        path: PathBuf,
        /// Where the damaged record starts.
        offset: u64,
        /// What is wrong.
        problem: String,
        /// What the user can do.
        recovery: String,
    },
    /// A file written by a newer zlist.
    #[error(
        "{} was written by a newer zlist (format version {version}; this one reads up to \
         {FORMAT_VERSION}): run a newer zlist, or choose another --data",
        .path.display()
    )]
    NewerFormat {
        /// The file.
        path: PathBuf,
        /// Its format version.
        version: u32,
    },
    /// A file that must be there is not.
    #[error("{} is missing: {why}. To recover: {recovery}", .path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// Why it is needed.
        why: String,
        /// What the user can do.
        recovery: String,
    },
    /// The snapshot of a clean stop could not be written; nothing is lost.
    #[error(
        "cannot write the final snapshot: {0}; no change is lost: the journals keep every \
         change, and the next start replays them"
    )]
    FinalSnapshot(Box<StoreError>),
    /// The snapshot thread panicked (a bug).
    #[error("the snapshot thread stopped unexpectedly")]
    Panicked,
}

impl StoreError {
    /// A `map_err` adapter for I/O errors on `path`.
    fn io(doing: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io {
            doing,
            path,
            source,
        }
    }

    fn damaged_journal(path: &Path, offset: u64, problem: String) -> Self {
        let dir = parent(path);
        let recovery = format!(
            "copy {dir} somewhere safe first; then either cut the journal at the damaged \
             record with `truncate -s {offset} {path}` (the changes recorded from there on \
             are lost) and start again, or restore {dir} from a backup. See \"Durability\" \
             in zlist's README.",
            dir = dir.display(),
            path = path.display()
        );
        Self::damaged(path, offset, problem, recovery)
    }

    fn damaged_snapshot(path: &Path, offset: u64, problem: String) -> Self {
        let dir = parent(path);
        let recovery = format!(
            "copy {dir} somewhere safe first; then restore {dir} from a backup, or move \
             {dir} aside to start with an empty list. See \"Durability\" in zlist's README.",
            dir = dir.display()
        );
        Self::damaged(path, offset, problem, recovery)
    }

    fn damaged(path: &Path, offset: u64, problem: String, recovery: String) -> Self {
        Self::Damaged {
            path: path.to_owned(),
            offset,
            problem,
            recovery,
        }
    }

    /// The error for a file written by a newer zlist (format `version`), if it was.
    fn newer_format(path: &Path, version: Option<u32>) -> Result<(), Self> {
        match version {
            Some(version) => Err(Self::NewerFormat {
                path: path.to_owned(),
                version,
            }),
            None => Ok(()),
        }
    }
}

/// What loading found, for the start-up log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadReport {
    /// The data directory.
    pub dir: PathBuf,
    /// Whether the directory held no list yet.
    pub fresh: bool,
    /// The snapshot loaded, if any.
    pub snapshot: Option<PathBuf>,
    /// Elements in the snapshot.
    pub snapshot_items: usize,
    /// Journal records replayed on top of it.
    pub journal_records: u64,
    /// An interrupted last write that was dropped: file, offset and length.
    pub torn_tail: Option<(PathBuf, u64, u64)>,
    /// Elements in the list as loaded.
    pub items: usize,
    /// How long loading took.
    pub elapsed: Duration,
}

impl fmt::Display for LoadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.fresh {
            return write!(f, "new data directory {}", self.dir.display());
        }
        write!(
            f,
            "loaded {} elements from {}: ",
            self.items,
            self.dir.display()
        )?;
        match &self.snapshot {
            Some(path) => write!(
                f,
                "snapshot {} ({} elements)",
                path.file_name().unwrap_or_default().to_string_lossy(),
                self.snapshot_items
            )?,
            None => f.write_str("no snapshot")?,
        }
        write!(
            f,
            " + {} journal records, in {:.0?}",
            self.journal_records, self.elapsed
        )
    }
}

/// A loaded data directory: the list, the remembered request tags, and what was found.
#[derive(Debug)]
pub struct Recovered {
    /// The list as it was after the last journaled change.
    pub list: RemoteList,
    /// Each client's last journaled request tag.
    pub tags: Vec<TagEntry>,
    /// What loading found.
    pub report: LoadReport,
}

/// A data directory in use: the journal being appended to, and the compaction running in
/// the background, if any. Dropping it without [`Store::close`] flushes the journal
/// but writes no snapshot.
#[derive(Debug)]
pub struct Store {
    options: DiskOptions,
    journal: Journal,
    /// Size of the newest complete snapshot, in bytes.
    snapshot_len: u64,
    /// Changes journaled since the newest complete snapshot.
    changes_since_snapshot: u64,
    /// The journal size under which no compaction is tried (raised after a failure).
    compact_floor: u64,
    compaction: Option<Compaction>,
    last_sync: Instant,
    sync_failing: bool,
    /// Held for the store's life: the directory's lock.
    _lock: File,
}

#[derive(Debug)]
struct Compaction {
    /// Changes journaled before the snapshot being written.
    covers: u64,
    thread: JoinHandle<Result<u64, StoreError>>,
}

impl Store {
    /// Locks and loads the data directory (created if missing). Fails with a clear error
    /// when another server holds it or a file is damaged; an interrupted last write is
    /// dropped with a warning.
    pub fn open(options: &DiskOptions) -> Result<(Self, Recovered), StoreError> {
        let started = Instant::now();
        let dir = options.dir.as_path();
        fs::create_dir_all(dir).map_err(StoreError::io("create the data directory", dir))?;
        let lock = lock_dir(dir)?;
        let listing = list_dir(dir)?;
        for path in &listing.temporary {
            // Left by an interrupted compaction; never renamed, so never used.
            if let Err(error) = fs::remove_file(path) {
                tracing::warn!(path = %path.display(), "cannot remove an unfinished snapshot: {error}");
            }
        }

        let base = listing.snapshots.last().copied();
        if let (None, Some(&generation)) = (base, listing.journals.first())
            && generation > 0
        {
            return Err(StoreError::Missing {
                path: snapshot_path(dir, generation),
                why: format!(
                    "{} holds the changes made after it",
                    journal_path(dir, generation).display()
                ),
                recovery: format!(
                    "put the file back, or restore {} from a backup",
                    dir.display()
                ),
            });
        }
        let first = base.unwrap_or(0);
        let (mut items, mut tags, snapshot_len) = match base {
            Some(generation) => {
                let path = snapshot_path(dir, generation);
                let loaded = snapshot::read(&path, generation)?;
                let len = fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
                let tags: HashMap<String, TagEntry> = loaded
                    .tags
                    .into_iter()
                    .map(|tag| (tag.client.clone(), tag))
                    .collect();
                (loaded.items, tags, len)
            }
            None => (Vec::new(), HashMap::new(), 0),
        };
        let snapshot_items = items.len();

        let journals: Vec<u64> = listing
            .journals
            .iter()
            .copied()
            .filter(|&g| g >= first)
            .collect();
        for (expected, &generation) in (first..).zip(&journals) {
            if generation != expected {
                let missing = journal_path(dir, expected);
                return Err(StoreError::Missing {
                    why: format!(
                        "the journals must follow one another from generation {first} on, \
                         and {} exists",
                        journal_path(dir, generation).display()
                    ),
                    recovery: format!(
                        "put the file back, or restore {} from a backup",
                        dir.display()
                    ),
                    path: missing,
                });
            }
        }

        let mut list = RemoteList::from_items(std::mem::take(&mut items));
        let mut journal_records = 0;
        let mut torn_tail = None;
        let mut last_replay = None;
        for (i, &generation) in journals.iter().enumerate() {
            let path = journal_path(dir, generation);
            let last = i + 1 == journals.len();
            let replayed = journal::replay(&path, generation, last, |effect, tag| {
                list.apply(effect).map_err(|error| {
                    format!("the change does not fit the list as loaded ({error})")
                })?;
                if let Some(tag) = tag {
                    tags.insert(tag.client.clone(), tag);
                }
                Ok(())
            })?;
            journal_records += replayed.records;
            if let Some((offset, len)) = replayed.torn {
                tracing::warn!(
                    path = %path.display(),
                    "dropped an interrupted last write of {len} bytes at byte {offset} \
                     (a crash or power loss mid-write; it was never acknowledged)"
                );
                torn_tail = Some((path.clone(), offset, len));
            }
            if last {
                last_replay = Some((path, generation, replayed));
            }
        }

        let journal = match last_replay {
            Some((path, generation, replayed)) => Journal::open(dir, path, generation, &replayed)?,
            None => Journal::create(dir, journal_path(dir, first), first)?,
        };
        // Only now that everything loaded: older generations are covered by the snapshot.
        remove_older(dir, first);

        let report = LoadReport {
            dir: dir.to_owned(),
            fresh: base.is_none() && journals.is_empty(),
            snapshot: base.map(|g| snapshot_path(dir, g)),
            snapshot_items,
            journal_records,
            torn_tail,
            items: list.len(),
            elapsed: started.elapsed(),
        };
        let store = Self {
            options: options.clone(),
            journal,
            snapshot_len,
            changes_since_snapshot: journal_records,
            compact_floor: 0,
            compaction: None,
            last_sync: Instant::now(),
            sync_failing: false,
            _lock: lock,
        };
        let recovered = Recovered {
            list,
            tags: tags.into_values().collect(),
            report,
        };
        Ok((store, recovered))
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.options.dir
    }

    /// The flush policy.
    pub fn fsync(&self) -> FsyncPolicy {
        self.options.fsync
    }

    /// The journal being appended to.
    pub fn journal_path(&self) -> &Path {
        self.journal.path()
    }

    /// Records one change, before it is applied and acknowledged: written to the file (so a
    /// killed process loses nothing), and flushed to the disk under `--fsync always`. On
    /// failure nothing is recorded, and the change must not be applied.
    pub fn append(&mut self, effect: &Effect, tag: Option<&TagEntry>) -> Result<(), StoreError> {
        let sync = self.options.fsync == FsyncPolicy::Always;
        self.journal.append(effect, tag, sync)?;
        self.changes_since_snapshot += 1;
        Ok(())
    }

    /// How long until [`Store::tick`] has work to do, if it has any.
    pub fn next_tick(&self, now: Instant) -> Option<Duration> {
        let flush = (self.options.fsync == FsyncPolicy::EverySec && self.journal.unsynced())
            .then(|| (self.last_sync + EVERYSEC_INTERVAL).saturating_duration_since(now));
        // A finished compaction is collected on the next tick.
        let compaction = self.compaction.as_ref().map(|_| Duration::from_millis(100));
        match (flush, compaction) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Periodic work: the `everysec` flush, and collecting a finished compaction. Failures
    /// are logged (once per run of failures): the changes are still in the file.
    pub fn tick(&mut self, now: Instant) {
        self.reap_compaction(false);
        if self.options.fsync == FsyncPolicy::EverySec
            && self.journal.unsynced()
            && now.saturating_duration_since(self.last_sync) >= EVERYSEC_INTERVAL
        {
            self.last_sync = now;
            match self.journal.sync() {
                Ok(()) if self.sync_failing => {
                    self.sync_failing = false;
                    tracing::info!("flushing the journal to the disk works again");
                }
                Ok(()) => {}
                Err(error) if !self.sync_failing => {
                    self.sync_failing = true;
                    tracing::error!("{error}; retrying every second");
                }
                Err(_) => {}
            }
        }
    }

    /// Whether the journal has grown enough to be compacted, and no compaction is running.
    pub fn wants_compaction(&mut self) -> bool {
        self.reap_compaction(false);
        let threshold = self
            .options
            .compact_after_bytes
            .max(self.snapshot_len.saturating_mul(2))
            .max(self.compact_floor);
        self.compaction.is_none() && self.journal.len() > threshold
    }

    /// Starts a compaction: a new journal now, and a snapshot of `items` and `tags` (the
    /// state after every change journaled so far) written on a background thread.
    pub fn compact(
        &mut self,
        items: &[impl AsRef<str>],
        tags: &[TagEntry],
    ) -> Result<(), StoreError> {
        self.reap_compaction(true);
        let result = self.start_compaction(items, tags);
        if result.is_err() {
            // Not again until the journal has grown by another threshold.
            self.compact_floor = self.journal.len() + self.options.compact_after_bytes;
        }
        result
    }

    fn start_compaction(
        &mut self,
        items: &[impl AsRef<str>],
        tags: &[TagEntry],
    ) -> Result<(), StoreError> {
        let started = Instant::now();
        let dir = self.options.dir.clone();
        let generation = self.journal.generation() + 1;
        let bytes = snapshot::encode(generation, items, tags)?;
        // The older journal must be complete on disk before the newer one holds anything,
        // or a power loss could leave a gap between the two.
        self.journal.sync()?;
        self.journal = Journal::create(&dir, journal_path(&dir, generation), generation)?;
        tracing::debug!(
            generation,
            bytes = bytes.len(),
            "compaction: new journal started in {:.1?}",
            started.elapsed()
        );
        let path = snapshot_path(&dir, generation);
        let thread = std::thread::Builder::new()
            .name("zlist-snapshot".to_owned())
            .spawn(move || {
                let started = Instant::now();
                snapshot::write_atomic(&dir, &path, &bytes)?;
                remove_older(&dir, generation);
                tracing::debug!(
                    path = %path.display(),
                    "snapshot written in {:.1?}",
                    started.elapsed()
                );
                Ok(bytes.len() as u64)
            })
            .map_err(StoreError::io(
                "start the snapshot thread for",
                &self.options.dir,
            ))?;
        self.compaction = Some(Compaction {
            covers: self.changes_since_snapshot,
            thread,
        });
        Ok(())
    }

    /// Collects the compaction if it finished (or waits for it when `wait`): `None` when
    /// none was running or it is still running.
    fn collect_compaction(&mut self, wait: bool) -> Option<Result<(), StoreError>> {
        if !wait && !self.compaction.as_ref()?.thread.is_finished() {
            return None;
        }
        let compaction = self.compaction.take()?;
        let result = compaction
            .thread
            .join()
            .unwrap_or(Err(StoreError::Panicked));
        Some(match result {
            Ok(len) => {
                self.snapshot_len = len;
                self.changes_since_snapshot -= compaction.covers.min(self.changes_since_snapshot);
                self.compact_floor = 0;
                Ok(())
            }
            Err(error) => {
                // Not again until the journal has grown by another threshold.
                self.compact_floor = self.journal.len() + self.options.compact_after_bytes;
                Err(error)
            }
        })
    }

    /// Collects a finished (or, with `wait`, running) compaction, and logs a failure: the
    /// journals still hold every change, and the next compaction tries again.
    fn reap_compaction(&mut self, wait: bool) {
        if let Some(Err(error)) = self.collect_compaction(wait) {
            tracing::error!(
                "compaction failed: {error}; no change is lost (the journals keep them), \
                 and the next compaction tries again"
            );
        }
    }

    /// Writes a snapshot of `items` and `tags` now and waits for it (used for a new data
    /// directory's initial list, and at shutdown).
    pub fn snapshot_now(
        &mut self,
        items: &[impl AsRef<str>],
        tags: &[TagEntry],
    ) -> Result<(), StoreError> {
        self.reap_compaction(true);
        self.start_compaction(items, tags)?;
        self.collect_compaction(true).unwrap_or(Ok(()))
    }

    /// Shuts down cleanly: waits for a running compaction, then writes a final snapshot if
    /// anything changed since the last one, so the next start loads fast. On error nothing
    /// is lost: the journals still hold every change.
    pub fn close(mut self, items: &[impl AsRef<str>], tags: &[TagEntry]) -> Result<(), StoreError> {
        self.reap_compaction(true);
        if self.changes_since_snapshot == 0 {
            return self.journal.sync();
        }
        self.snapshot_now(items, tags)
            .map_err(|error| StoreError::FinalSnapshot(Box::new(error)))
    }

    /// Makes journal writes fail, for tests of the error path.
    #[cfg(test)]
    pub(crate) fn break_journal_for_test(&mut self) {
        let Ok(file) = File::open(self.journal.path()) else {
            panic!("cannot reopen the journal read-only");
        };
        self.journal.replace_file_for_test(file);
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // After `close` there is nothing left to do; otherwise flush what can be flushed.
        self.reap_compaction(true);
        if let Err(error) = self.journal.sync() {
            tracing::error!("{error}");
        }
    }
}

#[cfg(test)]
mod tests;
