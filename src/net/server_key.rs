//! The server's own CURVE key pair, kept like an SSH host key: made on the first start in
//! the data directory (`server.key_secret`, readable by its owner only, and `server.key`
//! beside it), and the same one on every start after, so clients that trusted it once
//! keep trusting it.

use std::path::{Path, PathBuf};

use crate::net::curve::{CurveError, KeyPair};
use crate::net::store::Storage;

/// The key files' name in the data directory, without their endings: `server.key` (the
/// public key) and `server.key_secret` (both keys).
pub const KEY_BASE_NAME: &str = "server";

/// Where the key pair came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Read from this secret key file: a key made on an earlier start.
    Loaded(PathBuf),
    /// Made now and written to this secret key file (the first start with this data
    /// directory).
    Created(PathBuf),
    /// Made now for this run only: the server keeps nothing on disk (`--memory`), so its
    /// clients will see another key after a restart.
    ThisRun,
}

/// The key pair of a server that keeps its list in `storage`: the data directory's
/// ([`load_or_create`]), or, for a server in memory only, a new one for this run (nothing
/// is written to disk).
pub fn for_storage(storage: &Storage) -> Result<(KeyPair, Origin), CurveError> {
    match storage {
        Storage::Disk(options) => load_or_create(&options.dir),
        Storage::Memory => Ok((KeyPair::generate()?, Origin::ThisRun)),
    }
}

/// The secret key file in `dir`.
pub fn secret_path(dir: &Path) -> PathBuf {
    dir.join(format!("{KEY_BASE_NAME}.key_secret"))
}

/// The server's key pair in `dir`: read when `server.key_secret` exists, made (and
/// written, the secret file mode 0600 on Unix) otherwise. A data directory that holds a
/// `server.key` but no secret key is an error: that key cannot be used, and replacing it
/// silently would look like an intercepted server to every client that trusted it.
pub fn load_or_create(dir: &Path) -> Result<(KeyPair, Origin), CurveError> {
    let secret = secret_path(dir);
    if secret.exists() {
        warn_if_readable_by_others(&secret);
        return Ok((KeyPair::from_secret_file(&secret)?, Origin::Loaded(secret)));
    }
    std::fs::create_dir_all(dir).map_err(|source| CurveError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let pair = KeyPair::generate()?;
    pair.write_files(&dir.join(KEY_BASE_NAME))?;
    Ok((pair, Origin::Created(secret)))
}

/// Logs a warning when the secret key file can be read by other users (Unix), as SSH
/// complains about a host key with loose permissions.
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "{} can be read by other users: anyone who reads it can pose as this server \
                 (chmod 600 it)",
                path.display()
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_start_makes_a_private_key_pair_and_later_starts_reuse_it() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (made, origin) = load_or_create(&data).unwrap();
        assert_eq!(origin, Origin::Created(secret_path(&data)));
        assert!(data.join("server.key").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(secret_path(&data))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        let (again, origin) = load_or_create(&data).unwrap();
        assert_eq!(origin, Origin::Loaded(secret_path(&data)));
        assert_eq!(again, made);
        let disk = Storage::Disk(crate::net::store::DiskOptions::new(data.clone()));
        assert_eq!(for_storage(&disk).unwrap().0, made);
        let (in_memory, origin) = for_storage(&Storage::Memory).unwrap();
        assert_eq!(origin, Origin::ThisRun);
        assert_ne!(in_memory, made);
    }

    #[test]
    fn a_public_key_without_its_secret_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("server.key"), "old").unwrap();
        let error = load_or_create(dir.path()).unwrap_err();
        assert!(matches!(error, CurveError::Exists(_)), "{error:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("server.key")).unwrap(),
            "old"
        );
    }
}
