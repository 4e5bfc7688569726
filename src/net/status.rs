//! `zlist.status`: a running server's health (uptime, clients, counts), as one reply line
//! of `key=value` words that scripts and the GUI read back.

use std::fmt;
use std::time::Duration;

use crate::net::curve::CurveKey;
use crate::net::protocol::STATUS;

/// What a server says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerStatus {
    /// The server's software and version, e.g. `zlist/0.1.0`.
    pub server: String,
    /// How long it has been running (whole seconds).
    pub uptime: Duration,
    /// Open connections to the request port (each client keeps one).
    pub clients: usize,
    /// Open connections to the live-update port; `None` when the server does not publish.
    pub subscribers: Option<usize>,
    /// Elements in the list.
    pub elements: usize,
    /// The list's size: the UTF-8 bytes of all its elements.
    pub bytes: usize,
    /// Changes applied since the start.
    pub changes: u64,
    /// Requests answered since the start.
    pub requests: u64,
    /// Of those, how many got an error reply.
    pub errors: u64,
    /// Where the list is kept: `memory` or `disk`.
    pub storage: String,
    /// Who may connect: `open`, `loopback-only` (protected mode), `token` or `client-keys`
    /// (CURVE), with `+allow-list` when an allow list applies too.
    pub access: String,
}

/// Why a reply is not a status line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    /// The reply does not start with `zlist.status` (a seed server answers
    /// `Comando inválido.`).
    #[error("the server does not report its status (it answered {0:?})")]
    NotStatus(String),
    /// A key the status needs is missing or its value is not what it should be.
    #[error("the server's status has no valid {0:?}")]
    BadField(&'static str),
}

impl ServerStatus {
    /// Reads the reply to `zlist.status`. Unknown keys are skipped, so that a newer server
    /// can say more.
    pub fn parse(reply: &str) -> Result<Self, StatusError> {
        let mut words = reply.split(' ');
        if words.next() != Some(STATUS) {
            return Err(StatusError::NotStatus(reply.chars().take(80).collect()));
        }
        let pairs: Vec<(&str, &str)> = words.filter_map(|w| w.split_once('=')).collect();
        let subscribers = if pairs.iter().any(|(k, _)| *k == "subscribers") {
            Some(field(&pairs, "subscribers")?)
        } else {
            None
        };
        Ok(Self {
            server: field(&pairs, "server")?,
            uptime: Duration::from_secs(field(&pairs, "uptime")?),
            clients: field(&pairs, "clients")?,
            subscribers,
            elements: field(&pairs, "elements")?,
            bytes: field(&pairs, "bytes")?,
            changes: field(&pairs, "changes")?,
            requests: field(&pairs, "requests")?,
            errors: field(&pairs, "errors")?,
            storage: field(&pairs, "storage")?,
            access: field(&pairs, "access")?,
        })
    }

    /// The status as an aligned table for a terminal, one fact per line.
    pub fn table(&self) -> String {
        let clients = match self.subscribers {
            Some(subscribers) => format!(
                "{} connected, {subscribers} subscribed to live updates",
                self.clients
            ),
            None => format!("{} connected (live updates off)", self.clients),
        };
        let rows = [
            ("server", self.server.clone()),
            ("uptime", Uptime(self.uptime).to_string()),
            ("clients", clients),
            (
                "list",
                format!(
                    "{} {}, {} bytes",
                    self.elements,
                    if self.elements == 1 {
                        "element"
                    } else {
                        "elements"
                    },
                    self.bytes
                ),
            ),
            ("changes", format!("{} since the start", self.changes)),
            (
                "requests",
                format!("{} answered, {} with an error", self.requests, self.errors),
            ),
            ("storage", self.storage.clone()),
            ("access", self.access.clone()),
        ];
        rows.iter()
            .map(|(key, value)| format!("{key:<9}{value}\n"))
            .collect()
    }
}

/// The server's CURVE public key, from a status reply's `curve=KEY` word (after `access`):
/// `None` when the server does not encrypt (or is older than this word), an error when the
/// word holds no key.
pub fn server_key(reply: &str) -> Result<Option<CurveKey>, StatusError> {
    match reply
        .split(' ')
        .find_map(|word| word.strip_prefix("curve="))
    {
        Some(text) => CurveKey::parse(text)
            .map(Some)
            .map_err(|_| StatusError::BadField("curve")),
        None => Ok(None),
    }
}

/// The value of `key` among a status line's `key=value` words, read as a `T`.
fn field<T: std::str::FromStr>(
    pairs: &[(&str, &str)],
    key: &'static str,
) -> Result<T, StatusError> {
    pairs
        .iter()
        .find(|(k, _)| *k == key)
        .and_then(|(_, value)| value.parse().ok())
        .ok_or(StatusError::BadField(key))
}

/// The reply line: `zlist.status key=value ...`.
impl fmt::Display for ServerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{STATUS} server={} uptime={} clients={}",
            self.server,
            self.uptime.as_secs(),
            self.clients
        )?;
        if let Some(subscribers) = self.subscribers {
            write!(f, " subscribers={subscribers}")?;
        }
        write!(
            f,
            " elements={} bytes={} changes={} requests={} errors={} storage={} access={}",
            self.elements,
            self.bytes,
            self.changes,
            self.requests,
            self.errors,
            self.storage,
            self.access
        )
    }
}

/// A duration as people read an uptime: `3 d 4 h 5 min 6 s`, largest unit first, zero
/// units left out (`0 s` for nothing).
#[derive(Debug, Clone, Copy)]
pub struct Uptime(pub Duration);

impl fmt::Display for Uptime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.0.as_secs();
        let parts = [
            (total / 86_400, "d"),
            (total / 3600 % 24, "h"),
            (total / 60 % 60, "min"),
            (total % 60, "s"),
        ];
        let mut shown = parts.iter().filter(|(n, _)| *n > 0).peekable();
        if shown.peek().is_none() {
            return f.write_str("0 s");
        }
        let words: Vec<String> = shown.map(|(n, unit)| format!("{n} {unit}")).collect();
        f.write_str(&words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> ServerStatus {
        ServerStatus {
            server: "zlist/0.1.0".into(),
            uptime: Duration::from_secs(3725),
            clients: 2,
            subscribers: Some(1),
            elements: 5,
            bytes: 40,
            changes: 12,
            requests: 80,
            errors: 3,
            storage: "disk".into(),
            access: "token".into(),
        }
    }

    #[test]
    fn the_reply_line_reads_back_to_the_same_status() {
        let status = example();
        let line = status.to_string();
        assert_eq!(
            line,
            "zlist.status server=zlist/0.1.0 uptime=3725 clients=2 subscribers=1 elements=5 \
             bytes=40 changes=12 requests=80 errors=3 storage=disk access=token"
        );
        assert_eq!(ServerStatus::parse(&line), Ok(status));
        let quiet = ServerStatus {
            subscribers: None,
            ..example()
        };
        assert_eq!(ServerStatus::parse(&quiet.to_string()), Ok(quiet));
    }

    #[test]
    fn unknown_keys_are_skipped_and_missing_or_bad_ones_named() {
        let newer = format!("{} cpu=3 ok", example());
        assert_eq!(ServerStatus::parse(&newer), Ok(example()));
        let without = example().to_string().replace(" elements=5", "");
        assert_eq!(
            ServerStatus::parse(&without),
            Err(StatusError::BadField("elements"))
        );
        let bad = example().to_string().replace("clients=2", "clients=two");
        assert_eq!(
            ServerStatus::parse(&bad),
            Err(StatusError::BadField("clients"))
        );
        assert_eq!(
            ServerStatus::parse("Comando inválido."),
            Err(StatusError::NotStatus("Comando inválido.".into()))
        );
        assert_eq!(
            StatusError::NotStatus("Comando inválido.".into()).to_string(),
            "the server does not report its status (it answered \"Comando inválido.\")"
        );
    }

    #[test]
    fn an_encrypting_server_s_key_follows_its_access_word_and_older_readers_skip_it() {
        let key = crate::net::curve::KeyPair::example().public;
        let line = format!(
            "{}",
            ServerStatus {
                access: format!("token curve={key}"),
                ..example()
            }
        );
        assert!(
            line.ends_with(&format!("access=token curve={key}")),
            "{line}"
        );
        assert_eq!(ServerStatus::parse(&line), Ok(example()));
        assert_eq!(server_key(&line), Ok(Some(key)));
        assert_eq!(server_key(&example().to_string()), Ok(None));
        assert_eq!(
            server_key(&format!("{} curve=nokey", example())),
            Err(StatusError::BadField("curve"))
        );
    }

    #[test]
    fn uptime_reads_largest_unit_first_without_zero_units() {
        let read = |secs| Uptime(Duration::from_secs(secs)).to_string();
        assert_eq!(read(0), "0 s");
        assert_eq!(read(59), "59 s");
        assert_eq!(read(3725), "1 h 2 min 5 s");
        assert_eq!(read(86_400 * 3 + 60), "3 d 1 min");
    }

    #[test]
    fn the_table_says_each_fact_on_its_own_line() {
        let table = example().table();
        assert_eq!(
            table,
            "server   zlist/0.1.0\n\
             uptime   1 h 2 min 5 s\n\
             clients  2 connected, 1 subscribed to live updates\n\
             list     5 elements, 40 bytes\n\
             changes  12 since the start\n\
             requests 80 answered, 3 with an error\n\
             storage  disk\n\
             access   token\n"
        );
    }
}
