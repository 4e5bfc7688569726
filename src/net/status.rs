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
    /// The most bytes the list may hold (`max-bytes`); `None` from a server that does not
    /// say (an older zlist).
    pub max_bytes: Option<usize>,
    /// The replies waiting to be sent and their budgets; `None` from a server that does
    /// not say (an older zlist, or a server with no socket).
    pub replies: Option<ReplyQueue>,
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

/// Replies the server has handed to ZeroMQ and that are not yet on their way (the client
/// is not reading them), against their budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyQueue {
    /// Bytes of replies waiting to be sent, every connection together (`queued`).
    pub queued: usize,
    /// Past this many bytes waiting in all, a connection with a reply still waiting is
    /// served no more until that one is sent (`max-queued`).
    pub max_queued: usize,
    /// Past this many bytes waiting for one connection, it is served no more until it
    /// reads (`max-queued-client`).
    pub max_queued_per_client: usize,
    /// Requests held back, now, from connections over their budget (`held`).
    pub held: usize,
    /// Requests dropped since the start because their connection had too many held back
    /// (`dropped`).
    pub dropped: u64,
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
        let has = |key: &str| pairs.iter().any(|(k, _)| *k == key);
        let subscribers = if has("subscribers") {
            Some(field(&pairs, "subscribers")?)
        } else {
            None
        };
        let max_bytes = if has("max-bytes") {
            Some(field(&pairs, "max-bytes")?)
        } else {
            None
        };
        let replies = if has("queued") {
            Some(ReplyQueue {
                queued: field(&pairs, "queued")?,
                max_queued: field(&pairs, "max-queued")?,
                max_queued_per_client: field(&pairs, "max-queued-client")?,
                held: field(&pairs, "held")?,
                dropped: field(&pairs, "dropped")?,
            })
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
            max_bytes,
            replies,
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
                    "{} {}, {} bytes{}",
                    self.elements,
                    if self.elements == 1 {
                        "element"
                    } else {
                        "elements"
                    },
                    self.bytes,
                    self.max_bytes
                        .map(|max| format!(" (at most {})", Size(max)))
                        .unwrap_or_default()
                ),
            ),
            ("changes", format!("{} since the start", self.changes)),
            ("replies", self.replies_row()),
            (
                "requests",
                format!("{} answered, {} with an error", self.requests, self.errors),
            ),
            ("storage", self.storage.clone()),
            ("access", self.access.clone()),
        ];
        rows.iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| format!("{key:<9}{value}\n"))
            .collect()
    }

    /// The table's `replies` row: empty (left out) when the server does not say.
    fn replies_row(&self) -> String {
        let Some(q) = self.replies else {
            return String::new();
        };
        format!(
            "{} waiting to be sent (at most {} in all, {} a client); {} requests held back, \
             {} dropped",
            Size(q.queued),
            Size(q.max_queued),
            Size(q.max_queued_per_client),
            q.held,
            q.dropped
        )
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
        )?;
        // After the older keys, so that a client that reads them by position (none does;
        // they are `key=value` words) would still find them where they were.
        if let Some(max) = self.max_bytes {
            write!(f, " max-bytes={max}")?;
        }
        if let Some(q) = self.replies {
            write!(
                f,
                " queued={} max-queued={} max-queued-client={} held={} dropped={}",
                q.queued, q.max_queued, q.max_queued_per_client, q.held, q.dropped
            )?;
        }
        Ok(())
    }
}

/// A size as people read it: exact bytes below 1 KiB, else in the largest binary unit
/// that keeps a number of at least 1, with one decimal (`5.9 GiB`).
#[derive(Debug, Clone, Copy)]
pub struct Size(pub usize);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
        if self.0 < 1024 {
            return write!(f, "{} bytes", self.0);
        }
        // Precise enough for a status line.
        #[allow(clippy::cast_precision_loss)]
        let mut value = self.0 as f64 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit + 1 < UNITS.len() {
            value /= 1024.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
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
            max_bytes: Some(1000),
            replies: Some(ReplyQueue {
                queued: 2048,
                max_queued: 4096,
                max_queued_per_client: 1024,
                held: 3,
                dropped: 1,
            }),
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
             bytes=40 changes=12 requests=80 errors=3 storage=disk access=token max-bytes=1000 \
             queued=2048 max-queued=4096 max-queued-client=1024 held=3 dropped=1"
        );
        assert_eq!(ServerStatus::parse(&line), Ok(status));
        let quiet = ServerStatus {
            subscribers: None,
            ..example()
        };
        assert_eq!(ServerStatus::parse(&quiet.to_string()), Ok(quiet));
    }

    #[test]
    fn an_older_servers_line_without_the_budgets_still_parses_and_shows() {
        let older = "zlist.status server=zlist/0.1.0 uptime=3725 clients=2 subscribers=1 \
                     elements=5 bytes=40 changes=12 requests=80 errors=3 storage=disk \
                     access=token";
        let status = ServerStatus::parse(older).unwrap();
        assert_eq!((status.max_bytes, status.replies), (None, None));
        assert_eq!(status.to_string(), older, "and writes back the same line");
        assert!(status.table().contains("list     5 elements, 40 bytes\n"));
        assert!(!status.table().contains("replies"));
        let half = format!("{older} queued=12");
        assert_eq!(
            ServerStatus::parse(&half),
            Err(StatusError::BadField("max-queued"))
        );
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
            line.contains(&format!(" access=token curve={key}")),
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
    fn sizes_read_in_the_largest_unit_with_one_decimal() {
        let read = |n| Size(n).to_string();
        assert_eq!(read(0), "0 bytes");
        assert_eq!(read(1023), "1023 bytes");
        assert_eq!(read(1536), "1.5 KiB");
        assert_eq!(read(256 << 20), "256.0 MiB");
        assert_eq!(read(6_319_125_504), "5.9 GiB");
        assert_eq!(read(usize::MAX), "16777216.0 TiB");
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
             list     5 elements, 40 bytes (at most 1000 bytes)\n\
             changes  12 since the start\n\
             replies  2.0 KiB waiting to be sent (at most 4.0 KiB in all, 1.0 KiB a client); \
             3 requests held back, 1 dropped\n\
             requests 80 answered, 3 with an error\n\
             storage  disk\n\
             access   token\n"
        );
    }
}
