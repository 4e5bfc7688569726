//! The connection to Redis: opened from a URL (`redis://`, `rediss://`) or through
//! Sentinel (the current primary), with time limits, reopened after a failure (not more
//! often than [`RETRY_AFTER`]), its state logged once per change and told to
//! `zlist status`.

use std::time::{Duration, Instant};

use redis::sentinel::{SentinelClient, SentinelServerType};

use crate::net::backend::redis::{RedisOptions, RedisStoreError, RedisTarget};

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// How long one command may take (a sort of a million elements takes about a second).
pub(super) const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// How long after a failed attempt the next one is made (requests meanwhile get their
/// error reply at once).
const RETRY_AFTER: Duration = Duration::from_millis(250);

/// Where connections come from.
enum Source {
    Direct(Box<redis::Client>),
    Sentinel(Box<SentinelClient>),
}

/// A connection to the Redis that holds the list, opened when needed.
pub(super) struct Link {
    source: Source,
    /// What the operator gave, for log lines.
    describe: String,
    connection: Option<redis::Connection>,
    /// When the last attempt to connect failed, and why.
    failed: Option<(Instant, String)>,
    /// Whether the link worked the last time it was used (logged when it changes).
    up: bool,
    /// Read timeout of this link's connections (`None`: none, for blocking reads).
    read_timeout: Option<Duration>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("redis", &self.describe)
            .field("up", &self.up)
            .finish()
    }
}

impl Link {
    /// A link to the Redis `options` names (no connection yet).
    pub(super) fn new(
        options: &RedisOptions,
        read_timeout: Option<Duration>,
    ) -> Result<Self, RedisStoreError> {
        let (source, describe) = match &options.target {
            RedisTarget::Url(url) => {
                let client = redis::Client::open(url.as_str())
                    .map_err(|source| RedisStoreError::Url { source })?;
                (Source::Direct(Box::new(client)), redact(url))
            }
            RedisTarget::Sentinel { sentinels, master } => {
                let urls: Vec<String> = sentinels
                    .iter()
                    .map(|address| format!("redis://{address}"))
                    .collect();
                let client =
                    SentinelClient::build(urls, master.clone(), None, SentinelServerType::Master)
                        .map_err(|source| RedisStoreError::Url { source })?;
                (
                    Source::Sentinel(Box::new(client)),
                    format!("primary {master} of Sentinels {}", sentinels.join(",")),
                )
            }
        };
        Ok(Self {
            source,
            describe,
            connection: None,
            failed: None,
            up: true,
            read_timeout,
        })
    }

    /// What this link reaches, in words for the log.
    pub(super) fn describe(&self) -> &str {
        &self.describe
    }

    /// Whether the last use of the link worked.
    pub(super) fn is_up(&self) -> bool {
        self.up
    }

    /// The open connection, opened now if needed; `Err` with the reason (in words) when
    /// Redis cannot be reached. Nothing has been sent when this fails.
    pub(super) fn connection(&mut self) -> Result<(&mut redis::Connection, bool), String> {
        let fresh = self.connection.is_none();
        if fresh {
            if let Some((at, why)) = &self.failed
                && at.elapsed() < RETRY_AFTER
            {
                return Err(why.clone());
            }
            match self.open() {
                Ok(connection) => {
                    self.failed = None;
                    self.connection = Some(connection);
                }
                Err(error) => {
                    let why = error.to_string();
                    self.failed = Some((Instant::now(), why.clone()));
                    self.went_down(&why);
                    return Err(why);
                }
            }
        }
        match self.connection.as_mut() {
            Some(connection) => Ok((connection, fresh)),
            None => Err("no connection".to_owned()),
        }
    }

    fn open(&mut self) -> redis::RedisResult<redis::Connection> {
        let connection = match &mut self.source {
            Source::Direct(client) => client.get_connection_with_timeout(CONNECT_TIMEOUT)?,
            Source::Sentinel(client) => client.get_connection()?,
        };
        connection.set_read_timeout(self.read_timeout)?;
        connection.set_write_timeout(Some(COMMAND_TIMEOUT))?;
        Ok(connection)
    }

    /// Notes that a command worked.
    pub(super) fn worked(&mut self) {
        if !self.up {
            self.up = true;
            tracing::info!("Redis ({}) answers again", self.describe);
        }
    }

    /// Drops the connection after `error`, so the next use opens a new one (after a
    /// failover, through Sentinel: to the new primary).
    pub(super) fn broke(&mut self, error: &redis::RedisError) {
        self.connection = None;
        self.went_down(&error.to_string());
    }

    fn went_down(&mut self, why: &str) {
        if self.up {
            self.up = false;
            tracing::error!(
                "cannot reach Redis ({}): {why}; requests get an error reply until it \
                 answers again (reconnecting by itself)",
                self.describe
            );
        } else {
            tracing::debug!("Redis ({}) still unreachable: {why}", self.describe);
        }
    }
}

/// A URL with its password replaced by `***`, for the log.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact("redis://user:secret@host:6379/0"),
            "redis://user:***@host:6379/0"
        );
        assert_eq!(redact("rediss://:secret@host"), "rediss://:***@host");
        assert_eq!(redact("redis://host:6379"), "redis://host:6379");
    }
}
