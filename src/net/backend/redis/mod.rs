//! The Redis store: the list kept in Redis or Valkey, shared by any number of zlist
//! servers. Each command is one Lua script (`change.lua`, run by `EVALSHA`): the request
//! tag's check, the limits, the seed's rules, the change, its number (`INCR`), its entry
//! in the change stream (`XADD`) and the reply recorded under the tag, atomically. Reads
//! render Python's repr here from what Redis holds. Each server follows the change stream
//! (`follower.rs`) and publishes it as its live updates.

mod follower;
mod link;

use std::time::Duration;

use crate::net::backend::{BackendError, Executed, ListBackend, Rendered, Size, success_reply};
use crate::net::list::{Effect, Outcome, RemoteList};
use crate::net::live::{self, Epoch};
use crate::net::protocol::{Command, RequestTag, replies};
use crate::net::service::{Limits, TAG_MEMORY};

pub use follower::Follower;
use link::{COMMAND_TIMEOUT, Link};

/// The default `--redis-key`: the name the list's keys start with.
pub const DEFAULT_KEY: &str = "zlist";

/// How many changes the stream keeps (about: `XADD ... MAXLEN ~`); a server whose
/// follower falls further behind has its subscribers resync from a snapshot.
pub const STREAM_LENGTH: usize = 10_000;

/// How long a tagged reply is kept in Redis: longer than a server keeps it in memory, so
/// a client retrying through another server within its retry window always finds it.
pub const TAG_EXPIRY: Duration = Duration::from_secs(2 * TAG_MEMORY.as_secs());

/// The change script (its SHA-1 computed once).
static CHANGE_SCRIPT: std::sync::LazyLock<redis::Script> =
    std::sync::LazyLock::new(|| redis::Script::new(include_str!("change.lua")));

/// Which Redis holds the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedisTarget {
    /// `redis://[user:pass@]HOST:PORT[/DB]`, or `rediss://` for TLS.
    Url(String),
    /// The primary that these Sentinels (`HOST:PORT`) know as `master`.
    Sentinel {
        /// The Sentinels' addresses.
        sentinels: Vec<String>,
        /// The primary's name in their configuration.
        master: String,
    },
}

/// How a server uses Redis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisOptions {
    /// Which Redis.
    pub target: RedisTarget,
    /// The list's name: its keys are `{NAME}:list`, `{NAME}:version`, ... (one hash slot).
    pub key: String,
    /// Wait after each change until this many replicas have it (`WAIT`), at most this
    /// long.
    pub wait: Option<(usize, Duration)>,
}

impl RedisOptions {
    /// Options for the Redis at `url`, list name [`DEFAULT_KEY`], no `WAIT`.
    pub fn url(url: &str) -> Self {
        Self {
            target: RedisTarget::Url(url.to_owned()),
            key: DEFAULT_KEY.to_owned(),
            wait: None,
        }
    }
}

/// Why the Redis store could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum RedisStoreError {
    /// The URL or the Sentinel list is not usable.
    #[error("invalid Redis address: {source}")]
    Url {
        /// What the redis crate said.
        source: redis::RedisError,
    },
    /// The list's name cannot be a Redis hash tag.
    #[error(
        "invalid Redis key name {0:?}: give a non-empty name without braces, e.g. zlist or \
         class-3b"
    )]
    Key(String),
    /// The follower thread could not be started.
    #[error("cannot start the Redis follower thread: {0}")]
    Thread(String),
}

/// The keys of one list, sharing the hash tag `{NAME}` (one Cluster slot).
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    list: String,
    version: String,
    epoch: String,
    changes: String,
    bytes: String,
    tag_prefix: String,
}

impl Keys {
    pub(crate) fn new(name: &str) -> Result<Self, RedisStoreError> {
        if name.is_empty() || name.contains(['{', '}']) || name.chars().any(char::is_control) {
            return Err(RedisStoreError::Key(name.to_owned()));
        }
        let base = format!("{{{name}}}");
        Ok(Self {
            list: format!("{base}:list"),
            version: format!("{base}:version"),
            epoch: format!("{base}:epoch"),
            changes: format!("{base}:changes"),
            bytes: format!("{base}:bytes"),
            tag_prefix: format!("{base}:tag:"),
        })
    }

    /// The list's key (`{NAME}:list`).
    #[cfg(test)]
    pub fn list(&self) -> &str {
        &self.list
    }
}

/// The list in Redis.
pub struct RedisBackend {
    link: Link,
    keys: Keys,
    wait: Option<(usize, Duration)>,
    /// The epoch this server offers a store that has none yet (new on each connection).
    new_epoch: Epoch,
    /// The live updates this server has published (from its follower).
    live: (Epoch, u64),
}

impl std::fmt::Debug for RedisBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBackend")
            .field("link", &self.link)
            .field("key", &self.keys.list)
            .finish()
    }
}

/// How a failed Redis command left the list.
enum Failure {
    /// Nothing was sent, or Redis refused it: nothing changed.
    Unchanged(String),
    /// The connection failed after the command went out: it may have been applied.
    Unknown(String),
}

impl Failure {
    fn reason(self) -> String {
        match self {
            Self::Unchanged(why) | Self::Unknown(why) => why,
        }
    }
}

impl RedisBackend {
    /// A store on the Redis `options` names. Connects at once to learn where the list's
    /// live updates are; when Redis does not answer yet, the server starts anyway and
    /// connects later.
    pub fn open(options: &RedisOptions) -> Result<Self, RedisStoreError> {
        let mut backend = Self {
            link: Link::new(options, Some(COMMAND_TIMEOUT))?,
            keys: Keys::new(&options.key)?,
            wait: options.wait,
            new_epoch: Epoch::random(),
            live: (Epoch(0), 0),
        };
        backend.live.0 = backend.new_epoch;
        match backend.position() {
            Ok(position) => {
                backend.live = position;
                tracing::info!(
                    "the list is kept in Redis ({}), key {}: version {}",
                    backend.link.describe(),
                    backend.keys.list,
                    position.1
                );
            }
            Err(_) => tracing::warn!(
                "Redis ({}) does not answer yet: the server starts, answers with an error \
                 until it does, and connects by itself",
                backend.link.describe()
            ),
        }
        Ok(backend)
    }

    /// Runs `query` on the connection; on a fresh connection, first makes sure the store
    /// has an epoch (this server's, when it has none).
    fn run<T>(
        &mut self,
        query: impl FnOnce(&mut redis::Connection, &Keys) -> redis::RedisResult<T>,
    ) -> Result<T, Failure> {
        let (connection, fresh) = self.link.connection().map_err(Failure::Unchanged)?;
        if fresh {
            // A store found empty (a Redis restarted without persistence, or flushed)
            // starts a new epoch, so that subscribers resync rather than take its new
            // versions for the old ones.
            self.new_epoch = Epoch::random();
        }
        let result = if fresh {
            redis::cmd("SET")
                .arg(&self.keys.epoch)
                .arg(self.new_epoch.to_string())
                .arg("NX")
                .exec(connection)
                .map_err(|error| (error, false))
                .and_then(|()| query(connection, &self.keys).map_err(|error| (error, true)))
        } else {
            query(connection, &self.keys).map_err(|error| (error, true))
        };
        match result {
            Ok(value) => {
                self.link.worked();
                Ok(value)
            }
            Err((error, sent)) => {
                let why = error.to_string();
                let answered = matches!(
                    error.kind(),
                    redis::ErrorKind::Server(_) | redis::ErrorKind::Extension
                );
                if answered {
                    tracing::warn!("Redis refused a command: {why}");
                    // A replica's refusal (after a failover) or a busy script: a new
                    // connection finds the primary.
                    self.link.broke(&error);
                    Err(Failure::Unchanged(why))
                } else {
                    self.link.broke(&error);
                    if sent {
                        Err(Failure::Unknown(why))
                    } else {
                        Err(Failure::Unchanged(why))
                    }
                }
            }
        }
    }

    /// The error reply to a read that Redis could not answer.
    fn read_error(why: &str) -> Outcome {
        Outcome::error(format!(
            "Erro: o servidor não conseguiu ler a lista no Redis ({why}); tente de novo em \
             instantes."
        ))
    }

    /// The error reply to a change that failed.
    fn change_error(failure: Failure) -> Outcome {
        Outcome::error(match failure {
            Failure::Unchanged(why) => format!(
                "Erro: o servidor não conseguiu gravar a alteração no Redis ({why}); nada foi \
                 alterado. Tente de novo em instantes."
            ),
            Failure::Unknown(why) => format!(
                "Erro: a conexão com o Redis caiu durante a alteração ({why}); ela pode ou não \
                 ter sido aplicada. Veja a lista antes de repeti-la."
            ),
        })
    }

    /// Waits for the replicas `--redis-wait` asks for; the refusal when too few have the
    /// change in time.
    fn wait_for_replicas(&mut self) -> Option<Outcome> {
        let (replicas, timeout) = self.wait?;
        let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        let acked = self.run(|connection, _| {
            redis::cmd("WAIT")
                .arg(replicas)
                .arg(millis)
                .query::<usize>(connection)
        });
        match acked {
            Ok(acked) if acked >= replicas => None,
            Ok(acked) => Some(Outcome::error(format!(
                "Erro: a alteração foi feita no Redis principal, mas só {acked} de {replicas} \
                 réplicas a confirmaram em {millis} ms; ela pode se perder se o principal \
                 falhar agora."
            ))),
            Err(failure) => Some(Outcome::error(format!(
                "Erro: a alteração foi feita no Redis principal, mas não se sabe se as \
                 réplicas a têm ({}); ela pode se perder se o principal falhar agora.",
                failure.reason()
            ))),
        }
    }
}

/// The script's operation and arguments for `command`.
fn operation(command: &Command) -> (&'static str, Vec<String>) {
    match command {
        Command::Show => ("search", vec![String::new()]),
        Command::Search(x) => ("search", vec![x.clone()]),
        Command::Append(x) => ("append", vec![x.clone()]),
        Command::Insert { position, element } => (
            "insert",
            vec![
                // Past a Lua number's exact range is past any list's end anyway.
                position
                    .index()
                    .map_or_else(|| "-1".to_owned(), |i| i.to_string()),
                element.clone(),
            ],
        ),
        Command::Remove(x) => ("remove", vec![x.clone()]),
        Command::SortAscending => ("sort_asc", Vec::new()),
        Command::SortDescending => ("sort_desc", Vec::new()),
        Command::Clear => ("clear", Vec::new()),
        Command::RemoveAt { index, expected } => {
            ("remove_at", vec![index.to_string(), expected.clone()])
        }
        Command::ReplaceAt {
            index,
            expected,
            element,
        } => (
            "replace_at",
            vec![index.to_string(), expected.clone(), element.clone()],
        ),
        Command::Move { from, to, expected } => (
            "move",
            vec![from.to_string(), to.to_string(), expected.clone()],
        ),
    }
}

/// The element a change adds, for the words of a limit's refusal.
fn added_element(command: &Command) -> &str {
    match command {
        Command::Append(x)
        | Command::Insert { element: x, .. }
        | Command::ReplaceAt { element: x, .. } => x,
        _ => "",
    }
}

/// The row a row-exact command names, and what the client saw there.
fn named_row(command: &Command) -> (usize, &str) {
    match command {
        Command::RemoveAt { index, expected }
        | Command::ReplaceAt {
            index, expected, ..
        } => (*index, expected),
        Command::Move { from, expected, .. } => (*from, expected),
        _ => (0, ""),
    }
}

/// The reply to a refusal the script gave as `code` and `value`, in the words the
/// in-process store uses.
fn refusal(command: &Command, limits: &Limits, code: &str, value: &str) -> Outcome {
    let number = || value.parse::<usize>().unwrap_or(0);
    let element = added_element(command);
    let (row, expected) = named_row(command);
    let text = match code {
        "too_big" => return limits.too_big_reply(element.len()),
        "full" => return Limits::full(number()),
        "over_bytes" => return limits.over_bytes_reply(number(), element.len()),
        "position" => match command {
            Command::Insert { position, .. } => replies::invalid_position(position),
            _ => format!("Erro: recusa inesperada do Redis ({code})."),
        },
        "absent" => match command {
            Command::Remove(x) => replies::not_present(x),
            _ => format!("Erro: recusa inesperada do Redis ({code})."),
        },
        "stale_index" => replies::stale_index(row, number()),
        "stale_row" => replies::stale_row(row, expected, value),
        "stale_target" => match command {
            Command::Move { to, .. } => replies::stale_target(*to, number()),
            _ => format!("Erro: recusa inesperada do Redis ({code})."),
        },
        _ => format!("Erro: recusa inesperada do Redis ({code})."),
    };
    Outcome::error(text)
}

/// The effect an applied change's result names (`op`, `a`, `b`, as in the stream).
pub(crate) fn effect_of(op: &str, a: &str, b: &str) -> Option<Effect> {
    let index = |text: &str| text.parse::<usize>().ok();
    Some(match op {
        live::op::APPEND => Effect::Append(a.to_owned()),
        live::op::INSERT => Effect::Insert(index(a)?, b.to_owned()),
        live::op::REMOVE => Effect::RemoveAt(index(a)?),
        live::op::REPLACE => Effect::Replace(index(a)?, b.to_owned()),
        live::op::MOVE => Effect::Move(index(a)?, index(b)?),
        live::op::SORT_ASCENDING => Effect::SortAscending,
        live::op::SORT_DESCENDING => Effect::SortDescending,
        live::op::CLEAR => Effect::Clear,
        _ => return None,
    })
}

/// The reply (and, when it was applied just now, the change) the script's `result` means.
fn interpret(
    result: &[String],
    command: &Command,
    tag: Option<&RequestTag>,
    limits: &Limits,
) -> Executed {
    let field = |i: usize| result.get(i).map_or("", String::as_str);
    match field(0) {
        "ok" => {
            let outcome = Outcome::ok(success_reply(command, true));
            let version = field(1).parse::<u64>().ok();
            let effect = effect_of(field(3), field(4), field(5));
            Executed {
                outcome,
                effect: version.zip(effect),
            }
        }
        "found" => Executed::answer(Outcome::ok(success_reply(command, true))),
        "not_found" => Executed::answer(Outcome::ok(success_reply(command, false))),
        "err" => Executed::answer(refusal(command, limits, field(1), field(2))),
        "stale" => {
            let last = field(1).parse::<u64>().unwrap_or(0);
            Executed::answer(match tag {
                Some(tag) => crate::net::backend::memory::stale_tag(tag, last),
                None => Outcome::error("Erro: pedido antigo; não foi aplicado.".to_owned()),
            })
        }
        "repeat" => {
            tracing::debug!("repeated request: answered again, not applied again");
            // In the words of the command recorded with the tag (a client that reuses a
            // tag for another command gets the first one's reply, as in process).
            let recorded = crate::net::protocol::parse_command(field(1)).ok();
            let recorded = recorded.as_ref().unwrap_or(command);
            let rest = result.get(2..).unwrap_or_default();
            Executed::answer(interpret(rest, recorded, tag, limits).outcome)
        }
        other => Executed::answer(Outcome::error(format!(
            "Erro: resposta inesperada do Redis ({other})."
        ))),
    }
}

impl ListBackend for RedisBackend {
    const SHARED: bool = true;

    fn execute(
        &mut self,
        command: &Command,
        tag: Option<&RequestTag>,
        limits: &Limits,
    ) -> Executed {
        let (op, args) = operation(command);
        let (client, seq, text) = match tag {
            Some(tag) => (
                tag.client.as_str(),
                tag.seq.to_string(),
                command.to_string(),
            ),
            None => ("", String::new(), String::new()),
        };
        let new_epoch = self.new_epoch.to_string();
        let result = self.run(|connection, keys| {
            let mut invocation = CHANGE_SCRIPT.prepare_invoke();
            invocation
                .key(&keys.list)
                .key(&keys.version)
                .key(&keys.epoch)
                .key(&keys.changes)
                .key(&keys.bytes)
                .key(format!("{}{client}", keys.tag_prefix))
                .arg(op)
                .arg(&seq)
                .arg(TAG_EXPIRY.as_secs())
                .arg(STREAM_LENGTH)
                .arg(limits.max_element_bytes)
                .arg(limits.max_elements)
                .arg(limits.max_list_bytes)
                .arg(&new_epoch)
                .arg(&text);
            for arg in &args {
                invocation.arg(arg);
            }
            invocation.invoke::<Vec<String>>(connection)
        });
        match result {
            Ok(result) => {
                let executed = interpret(&result, command, tag, limits);
                if executed.effect.is_some()
                    && let Some(refusal) = self.wait_for_replicas()
                {
                    return Executed {
                        outcome: refusal,
                        effect: executed.effect,
                    };
                }
                executed
            }
            Err(failure) if command.is_change() => Executed::answer(Self::change_error(failure)),
            Err(failure) => Executed::answer(Self::read_error(&failure.reason())),
        }
    }

    /// A tagged `mostrar` is not recorded in Redis (a read applies nothing, so reading
    /// again is its faithful repeat); only a tag older than the client's last is refused.
    fn recall(&mut self, tag: &RequestTag) -> Option<Outcome> {
        let key = format!("{}{}", self.keys.tag_prefix, tag.client);
        let seen: Option<String> = self
            .run(|connection, _| redis::cmd("GET").arg(&key).query(connection))
            .ok()?;
        let last = seen?.split_once('\n')?.0.parse::<u64>().ok()?;
        (last > tag.seq).then(|| crate::net::backend::memory::stale_tag(tag, last))
    }

    fn remember_read(&mut self, _tag: &RequestTag, _outcome: &Outcome) {}

    fn position(&mut self) -> Result<(Epoch, u64), Outcome> {
        let (epoch, version) = self
            .run(|connection, keys| {
                redis::pipe()
                    .get(&keys.epoch)
                    .get(&keys.version)
                    .query::<(Option<String>, Option<u64>)>(connection)
            })
            .map_err(|failure| Self::read_error(&failure.reason()))?;
        let epoch = epoch
            .as_deref()
            .and_then(Epoch::parse)
            .unwrap_or(self.new_epoch);
        Ok((epoch, version.unwrap_or(0)))
    }

    fn render(&mut self) -> Result<Rendered, Outcome> {
        // One transaction: the elements are exactly those of the version read with them.
        let (epoch, version, items) = self
            .run(|connection, keys| {
                redis::pipe()
                    .atomic()
                    .get(&keys.epoch)
                    .get(&keys.version)
                    .lrange(&keys.list, 0, -1)
                    .query::<(Option<String>, Option<u64>, Vec<String>)>(connection)
            })
            .map_err(|failure| Self::read_error(&failure.reason()))?;
        let epoch = epoch
            .as_deref()
            .and_then(Epoch::parse)
            .unwrap_or(self.new_epoch);
        let version = version.unwrap_or(0);
        let (whole, list_start) = live::snapshot_reply_of_items(epoch, version, &items);
        Ok(Rendered {
            epoch,
            version,
            whole,
            list_start,
        })
    }

    fn size(&mut self) -> Option<Size> {
        let (elements, bytes) = self
            .run(|connection, keys| {
                redis::pipe()
                    .llen(&keys.list)
                    .get(&keys.bytes)
                    .query::<(usize, Option<usize>)>(connection)
            })
            .ok()?;
        Some(Size {
            elements,
            bytes: bytes.unwrap_or(0),
        })
    }

    fn live_position(&self) -> (Epoch, u64) {
        self.live
    }

    fn followed(&mut self, epoch: Epoch, version: u64) {
        self.live = (epoch, version);
    }

    fn storage(&self) -> &'static str {
        // One word, as `zlist.status` carries it.
        if self.link.is_up() {
            "redis"
        } else {
            "redis-unreachable"
        }
    }

    fn close(self) -> Result<RemoteList, BackendError> {
        Ok(RemoteList::default())
    }
}

#[cfg(test)]
mod tests;
