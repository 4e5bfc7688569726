//! The app's log file: what the stderr log shows, also written to a file in the app's data
//! folder ([`crate::platform::log_dir`]), one file a day, the last week kept. A
//! double-clicked app has no console (Windows frees it), so this is where its warnings go;
//! Help → Open log folder shows it.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_appender::rolling::{RollingFileAppender, Rotation};

/// The log files' names: `zlist.YYYY-MM-DD.log`.
const PREFIX: &str = "zlist";
/// See [`PREFIX`].
const SUFFIX: &str = "log";
/// How many daily files are kept.
const KEEP_FILES: usize = 7;
/// What the file records unless `RUST_LOG` says otherwise: zlist's own events from INFO
/// up (not the per-request trail), others' warnings.
pub const DEFAULT_FILTER: &str = "warn,zlist=info";

/// An open log file. Dropping it flushes what is still buffered.
#[derive(Debug)]
pub struct LogFile {
    dir: PathBuf,
    writer: Option<NonBlocking>,
    _flush_on_drop: WorkerGuard,
}

/// Why the log file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LogFileError {
    /// The folder could not be made.
    #[error("cannot make the log folder {dir}: {source}")]
    Folder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file could not be opened.
    #[error("cannot open a log file in {dir}: {source}")]
    File {
        /// The folder.
        dir: PathBuf,
        /// Why.
        #[source]
        source: tracing_appender::rolling::InitError,
    },
}

impl LogFile {
    /// Opens (creating the folder) today's log file in `dir`; writes go through a
    /// background thread, so logging never waits for the disk.
    pub fn open(dir: &Path) -> Result<Self, LogFileError> {
        // Made here rather than by the appender, which would first look for old files to
        // prune in a folder that does not exist yet, and say so on stderr.
        std::fs::create_dir_all(dir).map_err(|source| LogFileError::Folder {
            dir: dir.to_owned(),
            source,
        })?;
        let appender = RollingFileAppender::builder()
            .rotation(Rotation::DAILY)
            .filename_prefix(PREFIX)
            .filename_suffix(SUFFIX)
            .max_log_files(KEEP_FILES)
            .build(dir)
            .map_err(|source| LogFileError::File {
                dir: dir.to_owned(),
                source,
            })?;
        let (writer, guard) = tracing_appender::non_blocking(appender);
        Ok(Self {
            dir: dir.to_owned(),
            writer: Some(writer),
            _flush_on_drop: guard,
        })
    }

    /// The folder the files are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The writer for a `tracing_subscriber` layer; `None` once taken.
    pub fn take_writer(&mut self) -> Option<NonBlocking> {
        self.writer.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn lines_written_reach_a_dated_file_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        let mut file = LogFile::open(&logs).unwrap();
        assert_eq!(file.dir(), logs);
        let mut writer = file.take_writer().unwrap();
        assert!(file.take_writer().is_none());
        writer.write_all(b"a warning for the file\n").unwrap();
        drop(writer);
        drop(file); // flushes
        let names: Vec<String> = std::fs::read_dir(&logs)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(
            names[0].starts_with("zlist.") && names[0].ends_with(".log"),
            "{names:?}"
        );
        let text = std::fs::read_to_string(logs.join(&names[0])).unwrap();
        assert_eq!(text, "a warning for the file\n");
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_an_error_that_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("not-a-folder");
        std::fs::write(&blocker, "x").unwrap();
        let error = LogFile::open(&blocker.join("logs")).unwrap_err();
        assert!(error.to_string().contains("not-a-folder"), "{error}");
    }
}
