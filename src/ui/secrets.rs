//! The app's token at rest: in the OS keychain (macOS Keychain, Windows Credential
//! Manager, the Secret Service on Linux) through the `keyring` crate; where no keychain
//! runs (a headless machine, a desktop without a Secret Service), in a file only its owner
//! can read (mode 0600 on Unix) in the app's config folder. Never in the settings file.
//!
//! A keychain call may wait on the OS (D-Bus on Linux), so saving runs on a worker thread
//! ([`TokenKeeper`]) and reports where the token went through a channel; the token is read
//! once, when the app opens.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

/// The keychain entry's service name.
pub const SERVICE: &str = "zlist";
/// The keychain entry's account name.
pub const ACCOUNT: &str = "token";
/// The fallback file's name in the app's config folder.
pub const FILE_NAME: &str = "token";

/// Where the token is kept.
#[derive(Debug, Clone)]
pub struct SecretStore {
    /// Whether the OS keychain is tried first (never in tests: not the user's keychain).
    keychain: bool,
    /// The file used without a keychain; `None` with no config folder.
    file: Option<PathBuf>,
}

/// Where a token was found or put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The OS keychain.
    Keychain,
    /// The fallback file, and why the keychain was not used (`None`: the file held it
    /// from an earlier run).
    File {
        /// The file.
        path: PathBuf,
        /// What the keychain said.
        why: Option<String>,
    },
    /// No token: nothing is kept anywhere.
    Nowhere,
}

/// Why the token could not be kept or read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// Reading or writing the fallback file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// No keychain and no config folder.
    #[error("no keychain ({why}) and no config folder to keep the token in")]
    NoPlace {
        /// What the keychain said.
        why: String,
    },
}

/// What a store without the OS keychain says for it.
const KEYCHAIN_NOT_USED: &str = "this app instance does not use the OS keychain";

impl SecretStore {
    /// The OS keychain, falling back to `token` in the platform's config folder (e.g.
    /// `~/.config/zlist/token`).
    pub fn platform() -> Self {
        Self {
            keychain: true,
            file: directories::ProjectDirs::from("", "", "zlist")
                .map(|dirs| dirs.config_dir().join(FILE_NAME)),
        }
    }

    /// This file only, never the keychain (tests).
    pub fn file_only(path: PathBuf) -> Self {
        Self {
            keychain: false,
            file: Some(path),
        }
    }

    /// Nowhere: nothing is read, and saving a token fails (benchmarks, which never save).
    pub fn nowhere() -> Self {
        Self {
            keychain: false,
            file: None,
        }
    }

    /// The fallback file.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    fn entry(&self) -> Result<keyring::Entry, String> {
        if !self.keychain {
            return Err(KEYCHAIN_NOT_USED.to_owned());
        }
        keyring::Entry::new(SERVICE, ACCOUNT).map_err(|error| error.to_string())
    }

    /// The token kept by an earlier run, and where it was; `None` when there is none.
    pub fn load(&self) -> Result<Option<(String, Place)>, SecretError> {
        let why = match self.entry() {
            Ok(entry) => match entry.get_password() {
                Ok(token) if !token.trim().is_empty() => {
                    return Ok(Some((token, Place::Keychain)));
                }
                Ok(_) | Err(keyring::Error::NoEntry) => None,
                Err(error) => Some(error.to_string()),
            },
            Err(why) => Some(why),
        };
        let Some(path) = &self.file else {
            return Ok(None);
        };
        match std::fs::read_to_string(path) {
            Ok(text) if text.trim().is_empty() => Ok(None),
            Ok(text) => Ok(Some((
                text.trim().to_owned(),
                Place::File {
                    path: path.clone(),
                    why,
                },
            ))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(SecretError::Io {
                path: path.clone(),
                source,
            }),
        }
    }

    /// Keeps `token` (an empty one removes what was kept): in the keychain when it works
    /// (removing an earlier fallback file), else in the file.
    pub fn save(&self, token: &str) -> Result<Place, SecretError> {
        let token = token.trim();
        if token.is_empty() {
            if let Ok(entry) = self.entry() {
                // No entry, or no keychain: nothing to remove there.
                let _ = entry.delete_credential();
            }
            self.remove_file()?;
            return Ok(Place::Nowhere);
        }
        let why = match self.entry() {
            Ok(entry) => match entry.set_password(token) {
                Ok(()) => {
                    self.remove_file()?;
                    return Ok(Place::Keychain);
                }
                Err(error) => error.to_string(),
            },
            Err(why) => why,
        };
        let Some(path) = &self.file else {
            return Err(SecretError::NoPlace { why });
        };
        write_private(path, token).map_err(|source| SecretError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(Place::File {
            path: path.clone(),
            why: Some(why),
        })
    }

    fn remove_file(&self) -> Result<(), SecretError> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(SecretError::Io {
                path: path.clone(),
                source,
            }),
        }
    }
}

/// Writes `text` to `path` readable by its owner only (mode 0600 on Unix), through a
/// temporary file renamed over it.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = PathBuf::from(temporary);
    match std::fs::remove_file(&temporary) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// What came of keeping a token.
pub type Kept = Result<Place, SecretError>;

/// Keeps the token on a worker thread: [`TokenKeeper::keep`] hands a changed token over,
/// [`TokenKeeper::outcomes`] says where each went. Dropping it waits for the last save.
#[derive(Debug)]
pub struct TokenKeeper {
    orders: Option<Sender<String>>,
    outcomes: Receiver<Kept>,
    /// Saves inline when the thread could not start.
    inline: Option<(SecretStore, Sender<Kept>)>,
    thread: Option<JoinHandle<()>>,
    /// The token last handed over (or read at start).
    kept: String,
}

impl TokenKeeper {
    /// A keeper for `store`, which holds `kept` now; `waker` is called after each save.
    pub fn start(store: SecretStore, kept: String, waker: impl Fn() + Send + 'static) -> Self {
        let (order_tx, order_rx) = crossbeam_channel::unbounded::<String>();
        let (outcome_tx, outcome_rx) = crossbeam_channel::unbounded();
        let worker_store = store.clone();
        let worker_tx = outcome_tx.clone();
        let spawned = std::thread::Builder::new()
            .name("zlist-token-keeper".to_owned())
            .spawn(move || {
                while let Ok(mut token) = order_rx.recv() {
                    // Only the newest of the tokens waiting matters.
                    while let Ok(newer) = order_rx.try_recv() {
                        token = newer;
                    }
                    if worker_tx.send(worker_store.save(&token)).is_ok() {
                        waker();
                    }
                }
            });
        match spawned {
            Ok(thread) => Self {
                orders: Some(order_tx),
                outcomes: outcome_rx,
                inline: None,
                thread: Some(thread),
                kept,
            },
            Err(error) => {
                tracing::warn!("cannot start the token keeper thread ({error}): saving inline");
                Self {
                    orders: None,
                    outcomes: outcome_rx,
                    inline: Some((store, outcome_tx)),
                    thread: None,
                    kept,
                }
            }
        }
    }

    /// Keeps `token` if it differs from the one kept.
    pub fn keep(&mut self, token: &str) {
        let token = token.trim();
        if token == self.kept {
            return;
        }
        self.kept = token.to_owned();
        if let Some(orders) = &self.orders
            && orders.send(self.kept.clone()).is_ok()
        {
            return;
        }
        if let Some((store, outcomes)) = &self.inline {
            // The receiver lives in `self`: this cannot fail.
            let _ = outcomes.send(store.save(token));
        }
    }

    /// Where the tokens handed over since the last call went, oldest first.
    pub fn outcomes(&self) -> Vec<Kept> {
        self.outcomes.try_iter().collect()
    }
}

impl Drop for TokenKeeper {
    fn drop(&mut self) {
        self.orders = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the token keeper thread panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_keychain_the_token_goes_to_a_private_file_and_an_empty_one_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        let store = SecretStore::file_only(path.clone());
        assert_eq!(store.load().unwrap(), None);
        let place = store.save(" s3cret \n").unwrap();
        assert!(
            matches!(&place, Place::File { path: p, why: Some(_) } if *p == path),
            "{place:?}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "s3cret");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        let (token, place) = store.load().unwrap().unwrap();
        assert_eq!(token, "s3cret");
        assert!(matches!(place, Place::File { .. }), "{place:?}");
        store.save("other").unwrap();
        assert_eq!(store.load().unwrap().unwrap().0, "other");
        assert_eq!(store.save("").unwrap(), Place::Nowhere);
        assert!(!path.exists());
        assert_eq!(store.load().unwrap(), None);
    }

    #[test]
    fn a_store_with_no_place_says_so_when_saving_and_reads_nothing() {
        let store = SecretStore::nowhere();
        assert_eq!(store.load().unwrap(), None);
        let error = store.save("s3cret").unwrap_err();
        assert!(matches!(error, SecretError::NoPlace { .. }), "{error:?}");
        assert_eq!(store.save("").unwrap(), Place::Nowhere);
    }

    #[test]
    fn the_keeper_saves_changed_tokens_on_its_thread_and_finishes_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut keeper =
            TokenKeeper::start(SecretStore::file_only(path.clone()), String::new(), || {});
        keeper.keep("");
        keeper.keep("first");
        keeper.keep("first");
        keeper.keep("second");
        drop(keeper);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
    }
}
