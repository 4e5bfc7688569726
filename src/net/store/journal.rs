//! Journals: every change to the list since a snapshot, one record each, appended with a
//! single write(2) before the change's reply is sent.
//!
//! ```text
//! journal = "ZLISTJNL" header change...                 (records, see record.rs)
//! ```
//!
//! A failed write is undone by cutting the file back to its last complete record, so a
//! refused change leaves nothing behind.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::net::list::Effect;
use crate::net::store::record::{self, Record, Stop, TagEntry};
use crate::net::store::{StoreError, sync_dir};

/// The first bytes of every journal file.
pub const MAGIC: &[u8; 8] = b"ZLISTJNL";

/// What replaying a journal found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    /// Change records replayed.
    pub records: u64,
    /// Bytes up to the end of the last intact record; 0 when not even the header is.
    pub good_len: u64,
    /// An interrupted last write that was dropped: its offset and length.
    pub torn: Option<(u64, u64)>,
}

/// Reads the journal at `path` (generation `generation`) and hands each change to `apply`,
/// in order. A torn tail is tolerated only in the `last` journal; damage anywhere, or an
/// error from `apply`, is an error naming the file and offset.
pub fn replay(
    path: &Path,
    generation: u64,
    last: bool,
    mut apply: impl FnMut(Effect, Option<TagEntry>) -> Result<(), String>,
) -> Result<Replayed, StoreError> {
    let bytes = fs::read(path).map_err(StoreError::io("read the journal", path))?;
    let damaged = |offset, problem| StoreError::damaged_journal(path, offset, problem);
    let magic_len = MAGIC.len().min(bytes.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(damaged(
            0,
            "it is not a zlist journal (it does not start with ZLISTJNL)".to_owned(),
        ));
    }
    let mut header_end = None;
    let mut records = 0;
    let mut newer = None;
    let stop = if bytes.len() < MAGIC.len() {
        Some(Stop::TornTail {
            offset: 0,
            len: bytes.len() as u64,
        })
    } else {
        record::scan(
            &bytes[MAGIC.len()..],
            MAGIC.len() as u64,
            |offset, payload| {
                match (record::decode(payload)?, header_end) {
                    (
                        Record::JournalHeader {
                            version,
                            generation: found,
                        },
                        None,
                    ) => {
                        record::check_header(version, found, generation, &mut newer)?;
                        header_end = Some(offset + (record::HEADER_LEN + payload.len()) as u64);
                    }
                    (_, None) => {
                        return Err("the journal does not start with its header".to_owned());
                    }
                    (Record::Change { effect, tag }, Some(_)) => {
                        apply(effect, tag)?;
                        records += 1;
                    }
                    (other, Some(_)) => {
                        return Err(format!("a record out of place in a journal: {other:?}"));
                    }
                }
                Ok(())
            },
        )
    };
    StoreError::newer_format(path, newer)?;
    let end = bytes.len() as u64;
    match stop {
        None => {}
        Some(Stop::Damaged { offset, problem }) => return Err(damaged(offset, problem)),
        Some(Stop::TornTail { offset, len }) if last => {
            return Ok(Replayed {
                records,
                // Without an intact header the whole file is rewritten.
                good_len: if header_end.is_some() { offset } else { 0 },
                torn: Some((offset, len)),
            });
        }
        Some(Stop::TornTail { offset, len }) => {
            return Err(damaged(
                offset,
                format!(
                    "the last {len} bytes are not a complete record, yet a later journal \
                     exists, so this is not an interrupted last write"
                ),
            ));
        }
    }
    match header_end {
        Some(_) => Ok(Replayed {
            records,
            good_len: end,
            torn: None,
        }),
        None if last => Ok(Replayed {
            records,
            good_len: 0,
            torn: Some((0, end)),
        }),
        None => Err(damaged(end, "the journal has no header".to_owned())),
    }
}

/// An open journal that changes are appended to.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
    generation: u64,
    /// Bytes up to the end of the last complete record.
    len: u64,
    /// Whether records were written since the last fsync.
    unsynced: bool,
    /// Whether a failed write could not be undone: the file may end in a partial record.
    broken: bool,
    buf: Vec<u8>,
}

impl Journal {
    /// Creates generation `generation`'s journal in `dir`, replacing any file there, and
    /// makes it durable (file and directory synced).
    pub fn create(dir: &Path, path: PathBuf, generation: u64) -> Result<Self, StoreError> {
        let mut buf = MAGIC.to_vec();
        record::push_journal_header(&mut buf, generation);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .open(&path)
            .map_err(StoreError::io("create the journal", &path))?;
        let written = file
            .write_all(&buf)
            .and_then(|()| file.sync_all())
            .map_err(StoreError::io("write the journal", &path))
            .and_then(|()| sync_dir(dir));
        if let Err(error) = written {
            drop(file);
            // Best effort: a journal without its header is rewritten at the next start.
            let _ = fs::remove_file(&path);
            return Err(error);
        }
        let file = Self::open_for_append(&path)?;
        Ok(Self {
            path,
            file,
            generation,
            len: buf.len() as u64,
            unsynced: false,
            broken: false,
            buf: Vec::new(),
        })
    }

    /// Opens an existing journal, already replayed, to append to it; a torn tail is cut
    /// off first (and a journal without an intact header is created afresh).
    pub fn open(
        dir: &Path,
        path: PathBuf,
        generation: u64,
        replayed: &Replayed,
    ) -> Result<Self, StoreError> {
        if replayed.good_len == 0 {
            return Self::create(dir, path, generation);
        }
        let file = Self::open_for_append(&path)?;
        if replayed.torn.is_some() {
            file.set_len(replayed.good_len)
                .and_then(|()| file.sync_all())
                .map_err(StoreError::io("cut the interrupted last record off", &path))?;
        }
        Ok(Self {
            path,
            file,
            generation,
            len: replayed.good_len,
            unsynced: false,
            broken: false,
            buf: Vec::new(),
        })
    }

    fn open_for_append(path: &Path) -> Result<File, StoreError> {
        OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(StoreError::io("open the journal", path))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its generation: the snapshot it follows.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether records were written since the last fsync.
    pub fn unsynced(&self) -> bool {
        self.unsynced
    }

    /// Appends one change with one write(2), and fsyncs it too when `sync` is set. On any
    /// failure the file is cut back to where it was: the change is not in the journal.
    pub fn append(
        &mut self,
        effect: &Effect,
        tag: Option<&TagEntry>,
        sync: bool,
    ) -> Result<(), StoreError> {
        if self.broken {
            self.file
                .set_len(self.len)
                .map_err(StoreError::io("cut a failed write off", &self.path))?;
            self.broken = false;
        }
        self.buf.clear();
        record::push_change(&mut self.buf, effect, tag)?;
        let mut result = (&self.file).write_all(&self.buf);
        if result.is_ok() && sync {
            result = self.file.sync_data();
        }
        if let Err(source) = result {
            if self.file.set_len(self.len).is_err() {
                // Retried before the next write; until then the file may end in a
                // partial record, which a restart drops as a torn tail.
                self.broken = true;
            }
            return Err(StoreError::Write {
                path: self.path.clone(),
                source,
            });
        }
        self.len += self.buf.len() as u64;
        self.unsynced = !sync;
        Ok(())
    }

    /// Flushes written records to the disk.
    pub fn sync(&mut self) -> Result<(), StoreError> {
        if self.unsynced {
            self.file
                .sync_data()
                .map_err(StoreError::io("sync the journal", &self.path))?;
            self.unsynced = false;
        }
        Ok(())
    }

    /// Replaces the file handle, so tests can make writes fail.
    #[cfg(test)]
    pub fn replace_file_for_test(&mut self, file: File) {
        self.file = file;
    }
}
