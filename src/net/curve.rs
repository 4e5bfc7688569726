//! CURVE encryption (ZeroMQ's CurveZMQ): whether this build has it, keys in Z85 text, and
//! key files in ZeroMQ's certificate format (the one CZMQ's `zcert` and pyzmq's
//! `zmq.auth.create_certificates` write, so keys made by either work here), fingerprints
//! as people compare them, and the client keys a token stands for.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

/// Z85's alphabet (ZeroMQ RFC 32): a key is 40 of these characters.
const Z85_ALPHABET: &str =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Length of a key in Z85 text.
pub const KEY_TEXT_LEN: usize = 40;

/// Environment variable with the server's public key (or the path of its `.key` file).
pub const SERVER_KEY_ENV: &str = "ZLIST_SERVER_KEY";
/// Environment variable with the path of the client's secret key file.
pub const KEY_FILE_ENV: &str = "ZLIST_KEY_FILE";

/// How a key's fingerprint starts: the hash it is made with, as SSH writes it.
pub const FINGERPRINT_PREFIX: &str = "SHA256:";

/// Whether the libzmq this binary runs with can encrypt (CURVE). Every zlist build can: its
/// libzmq is built with libsodium (`patches/zmq-sys`); this checks that the build did.
pub fn available() -> bool {
    zmq::has("curve").unwrap_or(false)
}

/// Why a key or key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum CurveError {
    /// This build's libzmq has no CURVE (a broken build: every zlist is built with it).
    #[error(
        "this zlist cannot encrypt: its libzmq was built without CURVE (a broken build; \
         zlist builds libzmq with libsodium, see patches/zmq-sys)"
    )]
    Unavailable,
    /// Text that is not a key.
    #[error(
        "{0:?} is not a CURVE key: expected {KEY_TEXT_LEN} characters of Z85 text (as in a \
         .key file made by `zlist keygen`), or the path of such a file"
    )]
    BadKey(String),
    /// A key file that could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A file with no key of the kind needed.
    #[error("{} has no {what} (expected a line such as `{what} = \"...\"`)", path.display())]
    NoKey {
        /// The file.
        path: PathBuf,
        /// `public-key` or `secret-key`.
        what: &'static str,
    },
    /// A key directory or file that lists no key at all.
    #[error("{} lists no client key", .0.display())]
    NoClients(PathBuf),
    /// `zlist keygen` would overwrite a key.
    #[error("{} already exists; choose another name or move it away", .0.display())]
    Exists(PathBuf),
    /// libzmq could not make a key pair.
    #[error("cannot generate a key pair: {0}")]
    Generate(zmq::Error),
    /// libzmq could not compute a public key from a secret one.
    #[error("cannot derive a public key: libzmq returned {0}")]
    Derive(i32),
}

/// A 32-byte CURVE key (public or secret); shown as Z85 text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CurveKey([u8; 32]);

impl CurveKey {
    /// Reads a key from its 40 characters of Z85 text (white space around is ignored).
    pub fn parse(text: &str) -> Result<Self, CurveError> {
        let trimmed = text.trim();
        let valid =
            trimmed.len() == KEY_TEXT_LEN && trimmed.chars().all(|c| Z85_ALPHABET.contains(c));
        let bytes = valid
            .then(|| zmq::z85_decode(trimmed).ok())
            .flatten()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok());
        bytes
            .map(Self)
            .ok_or_else(|| CurveError::BadKey(text.chars().take(60).collect()))
    }

    /// Reads a public key given as its text or as the path of a key file (public or secret).
    pub fn from_text_or_file(arg: &str) -> Result<Self, CurveError> {
        if let Ok(key) = Self::parse(arg) {
            return Ok(key);
        }
        let path = Path::new(arg.trim());
        if !path.exists() {
            return Err(CurveError::BadKey(arg.chars().take(60).collect()));
        }
        let text = read(path)?;
        Ok(Certificate::parse(&text, path)?.public)
    }

    /// A key from its raw 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw 32 bytes, as libzmq's socket options take them.
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A short text to compare a key by, as SSH shows host keys: `SHA256:` and the first
    /// 16 bytes of the key's SHA-256 hash in hex, in groups of four (e.g.
    /// `SHA256:3f9a-0c17-d2e4-b851-a0b1-c2d3-e4f5-0617`). 128 bits: nobody can make
    /// another key with the same fingerprint.
    pub fn fingerprint(&self) -> String {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(self.0);
        let groups: Vec<String> = hash[..16]
            .chunks(2)
            .map(|pair| format!("{:02x}{:02x}", pair[0], pair[1]))
            .collect();
        format!("{FINGERPRINT_PREFIX}{}", groups.join("-"))
    }
}

impl fmt::Display for CurveKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 32 bytes are a multiple of 4, the only way encoding can fail.
        match zmq::z85_encode(&self.0) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl fmt::Debug for CurveKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CurveKey({self})")
    }
}

/// A public key and its secret key.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPair {
    /// The part that is given to others.
    pub public: CurveKey,
    secret: CurveKey,
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("public", &self.public)
            .field("secret", &"(hidden)")
            .finish()
    }
}

impl KeyPair {
    /// A new random key pair (needs CURVE).
    pub fn generate() -> Result<Self, CurveError> {
        if !available() {
            return Err(CurveError::Unavailable);
        }
        let pair = zmq::CurveKeyPair::new().map_err(CurveError::Generate)?;
        Ok(Self {
            public: CurveKey(pair.public_key),
            secret: CurveKey(pair.secret_key),
        })
    }

    /// The key pair whose secret key is `secret` (X25519: the public key is computed).
    #[allow(unsafe_code)] // zmq_curve_public, which the zmq bindings do not wrap.
    pub fn from_secret(secret: CurveKey) -> Result<Self, CurveError> {
        if !available() {
            return Err(CurveError::Unavailable);
        }
        let secret_text = std::ffi::CString::new(secret.to_string())
            .map_err(|_| CurveError::BadKey("(a secret key)".to_owned()))?;
        let mut public_text = [0u8; KEY_TEXT_LEN + 1];
        // SAFETY: `public_text` has room for the 40 characters and the terminating NUL
        // zmq_curve_public(3) writes; `secret_text` is a NUL-terminated 40-character Z85
        // key that lives across the call. libzmq keeps neither pointer.
        let rc = unsafe {
            zmq_sys::zmq_curve_public(public_text.as_mut_ptr().cast(), secret_text.as_ptr())
        };
        if rc != 0 {
            return Err(CurveError::Derive(rc));
        }
        let public = std::str::from_utf8(&public_text[..KEY_TEXT_LEN])
            .map_err(|_| CurveError::Derive(rc))
            .and_then(CurveKey::parse)?;
        Ok(Self { public, secret })
    }

    /// The client key pair that a token stands for on the server whose public key is
    /// `server`: the secret key is SHA-256 of a fixed label, the server's key and the
    /// token. A CURVE server with a token admits exactly that client key, so the token
    /// itself never crosses the network, and is checked in the handshake (ZAP) like any
    /// client key. See `docs/protocol.md`, "Encryption and authentication".
    pub fn for_token(
        token: &crate::net::access::Token,
        server: &CurveKey,
    ) -> Result<Self, CurveError> {
        use sha2::Digest as _;
        let mut hash = sha2::Sha256::new();
        hash.update(TOKEN_KEY_LABEL);
        hash.update(server.bytes());
        hash.update(token.expose().as_bytes());
        Self::from_secret(CurveKey(hash.finalize().into()))
    }

    /// The client key pair of libzmq's zmq_curve(7) manual, for tests (no CURVE needed).
    #[cfg(test)]
    pub(crate) fn example() -> Self {
        Self {
            public: CurveKey::parse(tests::PUBLIC).unwrap(),
            secret: CurveKey::parse(tests::SECRET).unwrap(),
        }
    }

    /// Reads a secret key file (`NAME.key_secret`).
    pub fn from_secret_file(path: &Path) -> Result<Self, CurveError> {
        let text = read(path)?;
        let certificate = Certificate::parse(&text, path)?;
        let secret = certificate.secret.ok_or_else(|| CurveError::NoKey {
            path: path.to_owned(),
            what: "secret-key",
        })?;
        Ok(Self {
            public: certificate.public,
            secret,
        })
    }

    /// Writes `BASE.key` (the public key, to hand out) and `BASE.key_secret` (both keys,
    /// readable by the owner only on Unix). Never overwrites: an existing file is an error.
    pub fn write_files(&self, base: &Path) -> Result<(PathBuf, PathBuf), CurveError> {
        let with_suffix = |suffix: &str| {
            let mut name = base.as_os_str().to_owned();
            name.push(suffix);
            PathBuf::from(name)
        };
        let (public_path, secret_path) = (with_suffix(".key"), with_suffix(".key_secret"));
        for path in [&public_path, &secret_path] {
            if path.exists() {
                return Err(CurveError::Exists(path.clone()));
            }
        }
        let body = |secret: bool| {
            let mut text = format!(
                "#   ****  Generated by zlist {}  ****\n",
                env!("CARGO_PKG_VERSION")
            );
            if secret {
                text.push_str(
                    "#   ZeroMQ CURVE **Secret** Certificate\n\
                     #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n",
                );
            } else {
                text.push_str(
                    "#   ZeroMQ CURVE Public Certificate\n\
                     #   Exchange securely, or use a secure mechanism to verify the contents\n\
                     #   of this file after exchange.\n",
                );
            }
            text.push_str(&format!(
                "\nmetadata\ncurve\n    public-key = \"{}\"\n",
                self.public
            ));
            if secret {
                text.push_str(&format!("    secret-key = \"{}\"\n", self.secret));
            }
            text
        };
        write_new(&secret_path, &body(true), true)?;
        write_new(&public_path, &body(false), false)?;
        Ok((public_path, secret_path))
    }
}

/// What a token's client key is derived from, before the server's key and the token.
const TOKEN_KEY_LABEL: &[u8] = b"zlist token key v1\0";

/// The keys in a certificate file.
struct Certificate {
    public: CurveKey,
    secret: Option<CurveKey>,
}

impl Certificate {
    /// Reads `public-key = "..."` and `secret-key = "..."` lines; a file holding only a
    /// key's text is a public key.
    fn parse(text: &str, path: &Path) -> Result<Self, CurveError> {
        let field = |name: &'static str| -> Result<Option<CurveKey>, CurveError> {
            let line = text.lines().find_map(|line| {
                let (key, value) = line.split_once('=')?;
                (key.trim() == name).then_some(value)
            });
            line.map(|value| CurveKey::parse(value.trim().trim_matches('"')))
                .transpose()
        };
        let public = match field("public-key")? {
            Some(key) => key,
            None => CurveKey::parse(text).map_err(|_| CurveError::NoKey {
                path: path.to_owned(),
                what: "public-key",
            })?,
        };
        Ok(Self {
            public,
            secret: field("secret-key")?,
        })
    }
}

/// Reads the client keys a server admits: a directory of public key files (`*.key`, as
/// `zlist keygen` or pyzmq write them), or one file with a key per line (`#` comments and
/// blank lines skipped). An empty list is an error: it would admit nobody.
pub fn load_authorized(path: &Path) -> Result<HashSet<CurveKey>, CurveError> {
    let mut keys = HashSet::new();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).map_err(io_error(path))? {
            let entry = entry.map_err(io_error(path))?;
            let file = entry.path();
            if file.extension().is_some_and(|ext| ext == "key") {
                keys.insert(Certificate::parse(&read(&file)?, &file)?.public);
            }
        }
    } else {
        for line in read(path)?.lines() {
            let line = line.trim();
            if !line.is_empty() && !line.starts_with('#') {
                keys.insert(CurveKey::parse(line)?);
            }
        }
    }
    if keys.is_empty() {
        return Err(CurveError::NoClients(path.to_owned()));
    }
    Ok(keys)
}

/// A server's CURVE setup.
#[derive(Debug, Clone)]
pub struct ServerKeys {
    /// The server's key pair; clients need its public key.
    pub keys: KeyPair,
    /// The client public keys admitted; `None` admits any client that knows the server's
    /// public key (encryption without authentication).
    pub clients: Option<HashSet<CurveKey>>,
}

impl ServerKeys {
    /// Makes `socket` a CURVE server with these keys.
    pub fn apply(&self, socket: &zmq::Socket) -> Result<(), zmq::Error> {
        socket.set_curve_server(true)?;
        socket.set_curve_secretkey(self.keys.secret.bytes())
    }
}

/// A client's CURVE setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeys {
    /// The server's public key.
    pub server: CurveKey,
    /// The client's own key pair (a fresh one per run does when the server admits any).
    pub own: KeyPair,
}

impl ClientKeys {
    /// The same server, with the client key pair `token` stands for on it instead of
    /// `own`.
    pub fn with_token(self, token: &crate::net::access::Token) -> Result<Self, CurveError> {
        Ok(Self {
            own: KeyPair::for_token(token, &self.server)?,
            server: self.server,
        })
    }

    /// Makes `socket` a CURVE client of the server.
    pub fn apply(&self, socket: &zmq::Socket) -> Result<(), zmq::Error> {
        socket.set_curve_serverkey(self.server.bytes())?;
        socket.set_curve_publickey(self.own.public.bytes())?;
        socket.set_curve_secretkey(self.own.secret.bytes())
    }
}

/// Turns an I/O error on `path` into a [`CurveError`] that names the file.
fn io_error(path: &Path) -> impl Fn(std::io::Error) -> CurveError + Copy + '_ {
    move |source| CurveError::Io {
        path: path.to_owned(),
        source,
    }
}

fn read(path: &Path) -> Result<String, CurveError> {
    std::fs::read_to_string(path).map_err(io_error(path))
}

fn write_new(path: &Path, text: &str, private: bool) -> Result<(), CurveError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let io = io_error(path);
    let mut file = options.open(path).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The client key pair of libzmq's zmq_curve(7) manual.
    pub(crate) const PUBLIC: &str = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    pub(crate) const SECRET: &str = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";

    fn pair() -> KeyPair {
        KeyPair::example()
    }

    #[test]
    fn keys_read_back_as_the_same_z85_text() {
        let key = CurveKey::parse(&format!("  {PUBLIC}\n")).unwrap();
        assert_eq!(key.to_string(), PUBLIC);
    }

    #[test]
    fn text_that_is_no_key_is_refused_saying_what_a_key_is() {
        for bad in [
            "",
            "abc",
            &PUBLIC[1..],
            &format!("{PUBLIC}x"),
            &PUBLIC.replace('Y', "~"),
        ] {
            let error = CurveKey::parse(bad).unwrap_err();
            assert!(
                error
                    .to_string()
                    .contains("expected 40 characters of Z85 text"),
                "{bad:?}: {error}"
            );
        }
    }

    #[test]
    fn key_files_round_trip_and_the_secret_one_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("server");
        let (public, secret) = pair().write_files(&base).unwrap();
        assert_eq!(public, dir.path().join("server.key"));
        assert_eq!(secret, dir.path().join("server.key_secret"));
        assert_eq!(KeyPair::from_secret_file(&secret).unwrap(), pair());
        let public_text = std::fs::read_to_string(&public).unwrap();
        assert!(!public_text.contains(SECRET), "{public_text}");
        assert_eq!(
            CurveKey::from_text_or_file(public.to_str().unwrap()).unwrap(),
            pair().public
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        // Never overwritten.
        assert!(matches!(
            pair().write_files(&base),
            Err(CurveError::Exists(path)) if path == public || path == secret
        ));
        // A public file is no secret key.
        assert!(matches!(
            KeyPair::from_secret_file(&public),
            Err(CurveError::NoKey {
                what: "secret-key",
                ..
            })
        ));
    }

    #[test]
    fn pyzmq_certificates_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client.key_secret");
        std::fs::write(
            &path,
            format!(
                "#   ****  Generated on 2026-11-27 14:00:00.000000 by pyzmq  ****\n\
                 #   ZeroMQ CURVE **Secret** Certificate\n\
                 #   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.\n\n\
                 metadata\ncurve\n    public-key = \"{PUBLIC}\"\n    secret-key = \"{SECRET}\"\n"
            ),
        )
        .unwrap();
        assert_eq!(KeyPair::from_secret_file(&path).unwrap(), pair());
    }

    #[test]
    fn authorized_keys_come_from_a_directory_of_key_files_or_a_list() {
        let dir = tempfile::tempdir().unwrap();
        pair().write_files(&dir.path().join("alice")).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "not a key").unwrap();
        let keys = load_authorized(dir.path()).unwrap();
        assert_eq!(keys, HashSet::from([pair().public]));

        let list = dir.path().join("clients.txt");
        std::fs::write(&list, format!("# the class\n\n{PUBLIC}\n")).unwrap();
        assert_eq!(
            load_authorized(&list).unwrap(),
            HashSet::from([pair().public])
        );

        std::fs::write(&list, "# nobody yet\n").unwrap();
        assert!(matches!(
            load_authorized(&list),
            Err(CurveError::NoClients(_))
        ));
        std::fs::write(&list, "not-a-key\n").unwrap();
        assert!(matches!(load_authorized(&list), Err(CurveError::BadKey(_))));
        let missing = dir.path().join("missing");
        assert!(matches!(
            load_authorized(&missing),
            Err(CurveError::Io { .. })
        ));
    }

    #[test]
    fn every_build_generates_keys() {
        assert!(available(), "this build's libzmq has no CURVE");
        let pair = KeyPair::generate().unwrap();
        assert_ne!(pair.public, pair.secret);
    }

    #[test]
    fn the_public_key_is_derived_from_the_secret_one() {
        let derived = KeyPair::from_secret(CurveKey::parse(SECRET).unwrap()).unwrap();
        assert_eq!(derived, pair());
    }

    #[test]
    fn a_token_stands_for_one_client_key_per_server() {
        use crate::net::access::Token;
        let server = pair().public;
        let other_server = CurveKey::from_bytes([9; 32]);
        let token = Token::new("segredo").unwrap();
        let key = KeyPair::for_token(&token, &server).unwrap();
        assert_eq!(key, KeyPair::for_token(&token, &server).unwrap());
        assert_ne!(key, KeyPair::for_token(&token, &other_server).unwrap());
        let other_token = Token::new("segredO").unwrap();
        assert_ne!(key, KeyPair::for_token(&other_token, &server).unwrap());
    }

    #[test]
    fn fingerprints_are_sha256_in_short_groups() {
        let key = pair().public;
        let shown = key.fingerprint();
        // SHA-256 of the 32 key bytes, first 16 bytes in hex.
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(key.bytes());
        let hex: String = hash[..16].iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(shown.replace('-', ""), format!("SHA256:{hex}"));
        assert_eq!(shown.len(), "SHA256:".len() + 32 + 7, "{shown}");
        assert_ne!(shown, CurveKey::from_bytes([0; 32]).fingerprint());
    }

    #[test]
    fn a_key_pair_never_shows_its_secret() {
        let shown = format!("{:?}", pair());
        assert!(shown.contains(PUBLIC) && !shown.contains(SECRET), "{shown}");
    }
}
