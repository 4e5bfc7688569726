//! The data directory's files: their names by generation, listing them, removing the
//! generations a snapshot covers, the lock that keeps a second server out, and fsync of
//! the directory itself.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{JOURNAL_PREFIX, LOCK_FILE, SNAPSHOT_PREFIX, SUFFIX, StoreError, TEMPORARY_SUFFIX};

pub(super) fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// Fsyncs a directory, so that names created or renamed in it survive a power loss.
pub(super) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(StoreError::io("sync the directory", dir))
    }
    #[cfg(not(unix))]
    {
        // Windows cannot open a directory as a file; NTFS journals its metadata.
        let _ = dir;
        Ok(())
    }
}

/// The generation numbers of the files in a data directory.
#[derive(Debug, Default)]
pub(super) struct Listing {
    pub(super) snapshots: Vec<u64>,
    pub(super) journals: Vec<u64>,
    pub(super) temporary: Vec<PathBuf>,
}

pub(super) fn list_dir(dir: &Path) -> Result<Listing, StoreError> {
    let mut listing = Listing::default();
    let entries = fs::read_dir(dir).map_err(StoreError::io("list the data directory", dir))?;
    for entry in entries {
        let entry = entry.map_err(StoreError::io("list the data directory", dir))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.ends_with(TEMPORARY_SUFFIX) && name.starts_with(SNAPSHOT_PREFIX) {
            listing.temporary.push(entry.path());
        } else if let Some(generation) = parse_name(name, SNAPSHOT_PREFIX) {
            listing.snapshots.push(generation);
        } else if let Some(generation) = parse_name(name, JOURNAL_PREFIX) {
            listing.journals.push(generation);
        }
    }
    listing.snapshots.sort_unstable();
    listing.journals.sort_unstable();
    Ok(listing)
}

pub(super) fn parse_name(name: &str, prefix: &str) -> Option<u64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(SUFFIX)?;
    digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse().ok())?
}

pub(super) fn snapshot_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("{SNAPSHOT_PREFIX}{generation:08}{SUFFIX}"))
}

pub(super) fn journal_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("{JOURNAL_PREFIX}{generation:08}{SUFFIX}"))
}

/// Removes the files of generations before `generation`: they are covered by its snapshot.
pub(super) fn remove_older(dir: &Path, generation: u64) {
    let Ok(listing) = list_dir(dir) else { return };
    let old_snapshots = listing
        .snapshots
        .iter()
        .map(|&g| (g, snapshot_path(dir, g)));
    let old_journals = listing.journals.iter().map(|&g| (g, journal_path(dir, g)));
    for (_, path) in old_snapshots
        .chain(old_journals)
        .filter(|(g, _)| *g < generation)
    {
        match fs::remove_file(&path) {
            Ok(()) => tracing::debug!(path = %path.display(), "removed an old data file"),
            // Harmless: the next compaction tries again, and loading ignores old files.
            Err(error) => {
                tracing::warn!(path = %path.display(), "cannot remove an old data file: {error}")
            }
        }
    }
}

/// Locks the data directory for this process, or says who holds it.
pub(super) fn lock_dir(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(StoreError::io("open the lock file", &path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let holder = fs::read_to_string(&path)
                .ok()
                .and_then(|text| text.trim().parse::<u32>().ok())
                .map(|pid| format!(" (process {pid})"))
                .unwrap_or_default();
            return Err(StoreError::Locked {
                dir: dir.to_owned(),
                lock: path,
                holder,
            });
        }
        Err(fs::TryLockError::Error(source)) => {
            return Err(StoreError::Io {
                doing: "lock",
                path,
                source,
            });
        }
    }
    // Only informative (the lock is what counts), so a failure here is not an error.
    if let Err(error) = file
        .set_len(0)
        .and_then(|()| writeln!(file, "{}", std::process::id()))
    {
        tracing::debug!(path = %path.display(), "cannot write the process id into the lock file: {error}");
    }
    Ok(file)
}
