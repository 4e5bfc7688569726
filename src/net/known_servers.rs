//! The servers a client trusts, as SSH's `known_hosts`: one line per server, `HOST:PORT
//! KEY` (the server's CURVE public key in Z85), in a `known_servers` file in the platform's
//! config directory, next to the app's settings. A server is remembered the first time its
//! user trusts it (trust on first use); after that, a server that presents another key is
//! refused, never silently accepted.
//!
//! [`resolve`] is the whole client-side check: it asks the server's key port
//! ([`crate::net::key_service`]) and compares with what is remembered.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::net::curve::{CurveError, CurveKey};
use crate::net::endpoint::{self, EndpointError, Role};
use crate::net::key_service::{self, KeyServiceError};

/// Environment variable naming the known-servers file (instead of the platform's default).
pub const KNOWN_SERVERS_ENV: &str = "ZLIST_KNOWN_SERVERS";

/// How long a client waits for a server's key port before taking it for a server that does
/// not encrypt (at most; a closed port says so at once). Pass it to [`resolve`].
pub const DISCOVERY_TIMEOUT: Duration = Duration::from_millis(1500);

/// The file's name in the platform's config directory.
pub const FILE_NAME: &str = "known_servers";

/// Why the known-servers file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KnownServersError {
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A line that is not `HOST:PORT KEY`.
    #[error(
        "{}, line {line}: {text:?} is not a known server (expected `HOST:PORT KEY`, the key \
         being 40 characters of Z85, or a `#` comment); fix or delete that line",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// The line, shortened.
        text: String,
    },
    /// There is no config directory to keep the file in (no home directory).
    #[error(
        "cannot tell where the platform's config directory is (no home directory?): set \
         {KNOWN_SERVERS_ENV} to a file for the servers this client trusts"
    )]
    NoPlace,
    /// The server's address is malformed.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
}

/// The servers this client trusts, and the file they are kept in.
#[derive(Debug, Clone)]
pub struct KnownServers {
    /// `None`: no place to keep it (no home directory); nothing can be remembered.
    path: Option<PathBuf>,
    entries: BTreeMap<String, CurveKey>,
}

impl KnownServers {
    /// Where the file is: `$ZLIST_KNOWN_SERVERS`, else `known_servers` in the platform's
    /// config directory (e.g. `~/.config/zlist/known_servers` on Linux).
    pub fn default_path() -> Result<PathBuf, KnownServersError> {
        if let Some(path) = std::env::var_os(KNOWN_SERVERS_ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        directories::ProjectDirs::from("", "", "zlist")
            .map(|dirs| dirs.config_dir().join(FILE_NAME))
            .ok_or(KnownServersError::NoPlace)
    }

    /// The file at [`KnownServers::default_path`]. With no place for it (no home
    /// directory, as for some services), an empty list: servers that do not encrypt and
    /// pinned keys still work, and [`KnownServers::remember`] says how to give it a file.
    pub fn open_default() -> Result<Self, KnownServersError> {
        match Self::default_path() {
            Ok(path) => Self::open(&path),
            Err(KnownServersError::NoPlace) => Ok(Self {
                path: None,
                entries: BTreeMap::new(),
            }),
            Err(error) => Err(error),
        }
    }

    /// Reads the file at `path`; a file that does not exist yet is an empty list.
    pub fn open(path: &Path) -> Result<Self, KnownServersError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(KnownServersError::Io {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let mut entries = BTreeMap::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let corrupt = || KnownServersError::Corrupt {
                path: path.to_owned(),
                line: index + 1,
                text: line.chars().take(80).collect(),
            };
            let mut words = line.split_ascii_whitespace();
            let (Some(server), Some(key), None) = (words.next(), words.next(), words.next()) else {
                return Err(corrupt());
            };
            let server = server_name(server).map_err(|_| corrupt())?;
            let key = CurveKey::parse(key).map_err(|_| corrupt())?;
            entries.insert(server, key);
        }
        Ok(Self {
            path: Some(path.to_owned()),
            entries,
        })
    }

    /// The file this list is kept in (`None` when there is no place for it).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The key remembered for the server at `endpoint` (`tcp://HOST:PORT` or `HOST:PORT`).
    pub fn lookup(&self, endpoint: &str) -> Option<CurveKey> {
        let name = server_name(endpoint).ok()?;
        self.entries.get(&name).copied()
    }

    /// Remembers `key` for the server at `endpoint` (replacing any other) and saves the file.
    pub fn remember(&mut self, endpoint: &str, key: CurveKey) -> Result<(), KnownServersError> {
        self.entries.insert(server_name(endpoint)?, key);
        self.save()
    }

    /// Forgets the server at `endpoint` and saves the file; `false` when it was not known.
    pub fn forget(&mut self, endpoint: &str) -> Result<bool, KnownServersError> {
        let known = self.entries.remove(&server_name(endpoint)?).is_some();
        if known {
            self.save()?;
        }
        Ok(known)
    }

    /// Writes the file (and its directory), through a temporary file renamed over it.
    fn save(&self) -> Result<(), KnownServersError> {
        let Some(path) = &self.path else {
            return Err(KnownServersError::NoPlace);
        };
        let io = |source| KnownServersError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut text = String::from(
            "# Servers this zlist client trusts: HOST:PORT and the server's CURVE public key.\n\
             # Remove a line (or run `zlist forget-server HOST:PORT`) when a server was \
             reinstalled.\n",
        );
        for (server, key) in &self.entries {
            text.push_str(&format!("{server} {key}\n"));
        }
        let mut temporary = path.clone().into_os_string();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        std::fs::write(&temporary, text).map_err(io)?;
        std::fs::rename(&temporary, path).map_err(io)
    }
}

/// How a server is named in the file: `HOST:PORT`, from `tcp://HOST:PORT` or `HOST:PORT`.
pub fn server_name(endpoint: &str) -> Result<String, EndpointError> {
    let normalized = endpoint::normalize(endpoint, Role::Connect)?;
    Ok(normalized
        .strip_prefix("tcp://")
        .unwrap_or(&normalized)
        .to_owned())
}

/// Why a server's key is not trusted (yet).
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// First contact: the server presents a key this client has never seen. Show the
    /// fingerprint, and if the user trusts it, [`KnownServers::remember`] it.
    #[error(
        "the server {server} is new to this client; its key's fingerprint is {fingerprint}",
        fingerprint = key.fingerprint()
    )]
    Unknown {
        /// `HOST:PORT`.
        server: String,
        /// The key it presents.
        key: CurveKey,
    },
    /// The server presents another key than the one remembered: refuse.
    #[error(
        "the server's key has changed: someone may be intercepting the connection to {server}! \
         It presents the key {presented_fingerprint}, but {remembered_fingerprint} is \
         remembered. If the server was reinstalled (its data directory or key file \
         replaced), forget its key with `zlist forget-server {server}` and connect again",
        presented_fingerprint = presented.fingerprint(),
        remembered_fingerprint = remembered.fingerprint()
    )]
    Changed {
        /// `HOST:PORT`.
        server: String,
        /// The key remembered.
        remembered: CurveKey,
        /// The key it presents now.
        presented: CurveKey,
    },
    /// The key port answered nonsense.
    #[error(transparent)]
    Discovery(#[from] KeyServiceError),
    /// The known-servers file.
    #[error(transparent)]
    Known(#[from] KnownServersError),
    /// Encryption cannot be set up.
    #[error(transparent)]
    Curve(#[from] CurveError),
}

/// Which key to connect to the server at `endpoint` with: asks its key port (waiting at
/// most `timeout`) and compares with `known`.
///
/// - `Ok(Some(key))`: the server presents the remembered key, or its key port does not
///   answer and a key is remembered (the CURVE handshake then checks it);
/// - `Ok(None)`: no key port answers and none is remembered: a server that does not
///   encrypt (the seed's, or `zlist server --insecure`);
/// - [`TrustError::Unknown`]: first contact; ask the user, then remember the key;
/// - [`TrustError::Changed`]: refuse, and say so loudly.
pub fn resolve(
    endpoint: &str,
    known: &KnownServers,
    timeout: Duration,
) -> Result<Option<CurveKey>, TrustError> {
    let server = server_name(endpoint).map_err(KnownServersError::from)?;
    let remembered = known.lookup(&server);
    let presented = key_service::discover(endpoint, timeout)?;
    match (remembered, presented) {
        (remembered, None) => Ok(remembered),
        (Some(remembered), Some(presented)) if remembered == presented => Ok(Some(remembered)),
        (Some(remembered), Some(presented)) => Err(TrustError::Changed {
            server,
            remembered,
            presented,
        }),
        (None, Some(key)) => Err(TrustError::Unknown { server, key }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> CurveKey {
        CurveKey::from_bytes([byte; 32])
    }

    #[test]
    fn servers_are_remembered_per_host_and_port_and_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("known_servers");
        let mut known = KnownServers::open(&path).unwrap();
        assert_eq!(known.lookup("10.0.0.1:1234"), None);
        known.remember("tcp://10.0.0.1:1234", key(1)).unwrap();
        known.remember("10.0.0.1:1240", key(2)).unwrap();
        let again = KnownServers::open(&path).unwrap();
        assert_eq!(again.lookup("10.0.0.1:1234"), Some(key(1)));
        assert_eq!(again.lookup("tcp://10.0.0.1:1240"), Some(key(2)));
        assert_eq!(again.lookup("10.0.0.2:1234"), None);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(&format!("10.0.0.1:1234 {}\n", key(1))),
            "{text}"
        );
        let mut known = again;
        assert!(known.forget("10.0.0.1:1234").unwrap());
        assert!(!known.forget("10.0.0.1:1234").unwrap());
        assert_eq!(
            KnownServers::open(&path).unwrap().lookup("10.0.0.1:1234"),
            None
        );
    }

    #[test]
    fn a_corrupt_file_is_refused_naming_the_line_and_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_servers");
        for bad in [
            "10.0.0.1:1234",
            "10.0.0.1:1234 not-a-key",
            "a b c",
            "nohost KEY",
        ] {
            std::fs::write(&path, format!("# ok\n\n{bad}\n")).unwrap();
            let error = KnownServers::open(&path).unwrap_err();
            let text = error.to_string();
            assert!(
                matches!(error, KnownServersError::Corrupt { line: 3, .. }),
                "{text}"
            );
            assert!(text.contains("expected `HOST:PORT KEY`"), "{text}");
        }
    }

    #[test]
    fn a_changed_key_message_says_what_may_be_happening_and_how_to_forget() {
        let error = TrustError::Changed {
            server: "10.0.0.1:1234".into(),
            remembered: key(1),
            presented: key(2),
        };
        let text = error.to_string();
        assert!(text.contains("the server's key has changed"), "{text}");
        assert!(text.contains("someone may be intercepting"), "{text}");
        assert!(text.contains("zlist forget-server 10.0.0.1:1234"), "{text}");
        assert!(text.contains(&key(2).fingerprint()), "{text}");
    }
}
