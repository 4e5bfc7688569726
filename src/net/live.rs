//! Live updates, the ZeroMQ Guide's "Clone" pattern (chapter 5): the wire form of what a
//! server publishes on its PUB socket (numbered updates and heartbeats), the reply to
//! `zlist.snapshot`, and the client-side logic that joins a snapshot and the updates
//! around it into one gap-free, duplicate-free sequence. No sockets here but
//! [`send_update`] and [`send_heartbeat`]; `docs/protocol.md` ("Live updates") is the
//! reference.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use crate::net::list::{Effect, EffectError, RemoteList};
use crate::net::protocol::SNAPSHOT;
use crate::net::repr;

/// How often a publishing server sends a heartbeat.
pub const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(1);

/// How long a subscribed client waits for any message (a heartbeat at least) before it
/// says live updates are unavailable and its driver falls back to refreshing.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(3);

/// How many messages the publisher queues per subscriber (and a subscriber per
/// publisher) before it drops: a burst of changes (a bulk paste) fits, and a subscriber
/// that falls further behind notices the gap and fetches a snapshot.
pub const HIGH_WATER_MARK: i32 = 100_000;

/// Most updates a client keeps while it waits for a snapshot; the oldest go first (the
/// snapshot then shows a gap and is asked for again).
pub const BUFFER_LIMIT: usize = 100_000;

/// The first frame of an update.
pub const KIND_UPDATE: &[u8] = b"u";
/// The first frame of a heartbeat.
pub const KIND_HEARTBEAT: &[u8] = b"h";
/// The whole of the welcome each new subscriber gets first (XPUB's welcome message): its
/// subscription is in place, so a snapshot asked for now is followed by every update.
pub const KIND_WELCOME: &[u8] = b"w";

/// Operation words, the fourth frame of an update.
pub mod op {
    /// `Effect::Append`: one argument, the element.
    pub const APPEND: &str = "append";
    /// `Effect::Insert`: the index (decimal), then the element.
    pub const INSERT: &str = "insert";
    /// `Effect::RemoveAt`: the index (decimal).
    pub const REMOVE: &str = "remove";
    /// `Effect::Replace`: the index (decimal), then the new element.
    pub const REPLACE: &str = "replace";
    /// `Effect::Move`: the index it leaves, then the index it goes to (decimal).
    pub const MOVE: &str = "move";
    /// `Effect::SortAscending`.
    pub const SORT_ASCENDING: &str = "sort_asc";
    /// `Effect::SortDescending`.
    pub const SORT_DESCENDING: &str = "sort_desc";
    /// `Effect::Clear`.
    pub const CLEAR: &str = "clear";
}

/// A server run's identity: random per start, so a client can tell a restarted server
/// (whose versions start again) from the one it followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Epoch(pub u64);

impl Epoch {
    /// A fresh random epoch (std's randomly keyed hasher, the time and the process id).
    pub fn random() -> Self {
        use std::hash::{BuildHasher as _, Hasher as _};
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        Self(hasher.finish())
    }

    /// Reads the 16 hex digits of the wire form.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(text, 16).ok().map(Self))
            .flatten()
    }
}

/// 16 lower-case hex digits, as on the wire.
impl fmt::Display for Epoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Why a published message or a snapshot reply could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiveError {
    /// The message has no frames or a first frame that is neither `u` nor `h`.
    #[error("not a zlist update or heartbeat (first frame {0:?})")]
    UnknownKind(String),
    /// Too few or too many frames for its kind and operation.
    #[error("{what} has {frames} frames; expected {expected}")]
    FrameCount {
        /// What the message claims to be.
        what: &'static str,
        /// How many frames it has.
        frames: usize,
        /// How many it should have.
        expected: usize,
    },
    /// The epoch is not 16 hex digits.
    #[error("the epoch {0:?} is not 16 hex digits")]
    BadEpoch(String),
    /// The version is not a decimal number.
    #[error("the version {0:?} is not a whole number")]
    BadVersion(String),
    /// The operation word is unknown.
    #[error("unknown operation {0:?}")]
    UnknownOperation(String),
    /// An index that is not a decimal number.
    #[error("the index {0:?} is not a whole number")]
    BadIndex(String),
    /// A frame that should be text is not UTF-8.
    #[error("a frame is not UTF-8 text")]
    NotUtf8,
    /// The reply to `zlist.snapshot` does not have the expected form.
    #[error(
        "the reply to {SNAPSHOT} is not `{SNAPSHOT} EPOCH VERSION [...]` ({0}); it starts {1:?}"
    )]
    BadSnapshot(&'static str, String),
}

/// A list and the position it has in a server's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The server run it comes from.
    pub epoch: Epoch,
    /// How many changes that run had applied.
    pub version: u64,
    /// The elements.
    pub items: Vec<String>,
}

/// The reply to `zlist.snapshot`: `zlist.snapshot EPOCH VERSION ['a', 'b']`.
pub fn snapshot_reply(epoch: Epoch, version: u64, items: &[String]) -> String {
    snapshot_reply_of_items(epoch, version, items).0
}

/// [`snapshot_reply_and_list_start`] of elements in a slice (a list read from Redis).
pub fn snapshot_reply_of_items<S: AsRef<str>>(
    epoch: Epoch,
    version: u64,
    items: &[S],
) -> (String, usize) {
    let list_bytes = items.iter().map(|i| i.as_ref().len() + 4).sum();
    snapshot_reply_with(epoch, version, list_bytes, |out| {
        repr::write_list_repr(items, out);
    })
}

/// The reply to `zlist.snapshot`, and where its `LIST` starts: the tail from there is the
/// reply to `mostrar`, so the server renders both with one pass over the list.
pub fn snapshot_reply_and_list_start(
    epoch: Epoch,
    version: u64,
    list: &RemoteList,
) -> (String, usize) {
    let list_bytes = list.bytes() + 4 * list.len();
    snapshot_reply_with(epoch, version, list_bytes, |out| list.write_repr(out))
}

/// The reply to `zlist.snapshot` with the list written by `write_list` (about
/// `list_bytes` long), and where the list starts.
fn snapshot_reply_with(
    epoch: Epoch,
    version: u64,
    list_bytes: usize,
    write_list: impl FnOnce(&mut String),
) -> (String, usize) {
    let mut out = String::with_capacity(64 + list_bytes);
    out.push_str(SNAPSHOT);
    out.push(' ');
    out.push_str(&epoch.to_string());
    out.push(' ');
    out.push_str(&version.to_string());
    out.push(' ');
    let list_start = out.len();
    write_list(&mut out);
    (out, list_start)
}

/// Reads a reply to `zlist.snapshot`.
pub fn parse_snapshot_reply(text: &str) -> Result<Snapshot, LiveError> {
    let bad = |why| LiveError::BadSnapshot(why, abbreviate(text));
    let rest = text
        .strip_prefix(SNAPSHOT)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(|| bad("wrong first word"))?;
    let (epoch, rest) = rest.split_once(' ').ok_or_else(|| bad("no version"))?;
    let (version, list) = rest.split_once(' ').ok_or_else(|| bad("no list"))?;
    let epoch = Epoch::parse(epoch).ok_or_else(|| bad("the epoch is not 16 hex digits"))?;
    let version = parse_decimal(version).ok_or_else(|| bad("the version is not a number"))?;
    let items = repr::parse_list_repr(list).map_err(|_| bad("the list does not parse"))?;
    Ok(Snapshot {
        epoch,
        version,
        items,
    })
}

/// The first characters of a text, for an error message.
fn abbreviate(text: &str) -> String {
    const SHOWN: usize = 60;
    match text.char_indices().nth(SHOWN) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Digits only (no sign, no spaces), as the wire writes numbers.
fn parse_decimal<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// One message from a publishing server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// A change, the `version`-th of its server run.
    Update(Update),
    /// The greeting a new subscriber gets first: its subscription is in place.
    Welcome,
    /// "I am run `epoch` and have applied `version` changes": sent every second.
    Heartbeat {
        /// The server run.
        epoch: Epoch,
        /// Its changes so far.
        version: u64,
    },
}

/// A numbered change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    /// The server run.
    pub epoch: Epoch,
    /// Its number in that run: the first change is 1.
    pub version: u64,
    /// What it did.
    pub effect: Effect,
}

/// Calls `send` with the frames of an update: `u`, epoch, version, operation, arguments.
fn with_update_frames<R>(
    epoch: &str,
    version: u64,
    effect: &Effect,
    send: impl FnOnce(&[&[u8]]) -> R,
) -> R {
    let version = version.to_string();
    let head = [KIND_UPDATE, epoch.as_bytes(), version.as_bytes()];
    match effect {
        Effect::Append(x) => send(&[
            head[0],
            head[1],
            head[2],
            op::APPEND.as_bytes(),
            x.as_bytes(),
        ]),
        Effect::Insert(index, x) => {
            let index = index.to_string();
            send(&[
                head[0],
                head[1],
                head[2],
                op::INSERT.as_bytes(),
                index.as_bytes(),
                x.as_bytes(),
            ])
        }
        Effect::RemoveAt(index) => {
            let index = index.to_string();
            send(&[
                head[0],
                head[1],
                head[2],
                op::REMOVE.as_bytes(),
                index.as_bytes(),
            ])
        }
        Effect::Replace(index, x) => {
            let index = index.to_string();
            send(&[
                head[0],
                head[1],
                head[2],
                op::REPLACE.as_bytes(),
                index.as_bytes(),
                x.as_bytes(),
            ])
        }
        Effect::Move(from, to) => {
            let (from, to) = (from.to_string(), to.to_string());
            send(&[
                head[0],
                head[1],
                head[2],
                op::MOVE.as_bytes(),
                from.as_bytes(),
                to.as_bytes(),
            ])
        }
        Effect::SortAscending => send(&[head[0], head[1], head[2], op::SORT_ASCENDING.as_bytes()]),
        Effect::SortDescending => {
            send(&[head[0], head[1], head[2], op::SORT_DESCENDING.as_bytes()])
        }
        Effect::Clear => send(&[head[0], head[1], head[2], op::CLEAR.as_bytes()]),
    }
}

/// The frames of an update, owned (tests, measurements).
pub fn encode_update(epoch: Epoch, version: u64, effect: &Effect) -> Vec<Vec<u8>> {
    with_update_frames(&epoch.to_string(), version, effect, |frames| {
        frames.iter().map(|f| f.to_vec()).collect()
    })
}

/// The frames of a heartbeat.
pub fn encode_heartbeat(epoch: Epoch, version: u64) -> Vec<Vec<u8>> {
    vec![
        KIND_HEARTBEAT.to_vec(),
        epoch.to_string().into_bytes(),
        version.to_string().into_bytes(),
    ]
}

/// Publishes an update without blocking (a PUB socket drops it for a subscriber that is
/// too far behind; that subscriber sees the gap and resyncs). `epoch` is the
/// [`Epoch`]'s text, formatted once by the caller.
pub fn send_update(
    socket: &zmq::Socket,
    epoch: &str,
    version: u64,
    effect: &Effect,
) -> Result<(), zmq::Error> {
    with_update_frames(epoch, version, effect, |frames| {
        socket.send_multipart(frames.iter().copied(), zmq::DONTWAIT)
    })
}

/// Publishes a heartbeat without blocking.
pub fn send_heartbeat(socket: &zmq::Socket, epoch: &str, version: u64) -> Result<(), zmq::Error> {
    let version = version.to_string();
    socket.send_multipart(
        [KIND_HEARTBEAT, epoch.as_bytes(), version.as_bytes()],
        zmq::DONTWAIT,
    )
}

/// Reads one published message.
pub fn decode<F: std::ops::Deref<Target = [u8]>>(frames: &[F]) -> Result<Published, LiveError> {
    fn text(frame: &[u8]) -> Result<&str, LiveError> {
        std::str::from_utf8(frame).map_err(|_| LiveError::NotUtf8)
    }
    let kind = frames.first().map(|frame| &**frame).unwrap_or_default();
    let count = |what, expected| {
        if frames.len() == expected {
            Ok(())
        } else {
            Err(LiveError::FrameCount {
                what,
                frames: frames.len(),
                expected,
            })
        }
    };
    if kind == KIND_WELCOME {
        count("a welcome", 1)?;
        return Ok(Published::Welcome);
    }
    let (epoch, version) = match (kind, frames.get(1), frames.get(2)) {
        (KIND_UPDATE | KIND_HEARTBEAT, Some(epoch), Some(version)) => {
            let epoch = text(epoch)?;
            let version = text(version)?;
            (
                Epoch::parse(epoch).ok_or_else(|| LiveError::BadEpoch(abbreviate(epoch)))?,
                parse_decimal(version).ok_or_else(|| LiveError::BadVersion(abbreviate(version)))?,
            )
        }
        (KIND_UPDATE | KIND_HEARTBEAT, ..) => {
            let (what, expected) = if kind == KIND_UPDATE {
                ("an update", 4)
            } else {
                ("a heartbeat", 3)
            };
            return Err(LiveError::FrameCount {
                what,
                frames: frames.len(),
                expected,
            });
        }
        _ => {
            return Err(LiveError::UnknownKind(abbreviate(
                &String::from_utf8_lossy(kind),
            )));
        }
    };
    if kind == KIND_HEARTBEAT {
        count("a heartbeat", 3)?;
        return Ok(Published::Heartbeat { epoch, version });
    }
    let operation = text(frames.get(3).ok_or(LiveError::FrameCount {
        what: "an update",
        frames: frames.len(),
        expected: 4,
    })?)?;
    let index = |frame: &[u8]| {
        let frame = text(frame)?;
        parse_decimal::<usize>(frame).ok_or_else(|| LiveError::BadIndex(abbreviate(frame)))
    };
    let element = |frame: &[u8]| text(frame).map(str::to_owned);
    let effect = match operation {
        op::APPEND => {
            count("an append", 5)?;
            Effect::Append(element(&frames[4])?)
        }
        op::INSERT => {
            count("an insert", 6)?;
            Effect::Insert(index(&frames[4])?, element(&frames[5])?)
        }
        op::REMOVE => {
            count("a remove", 5)?;
            Effect::RemoveAt(index(&frames[4])?)
        }
        op::REPLACE => {
            count("a replace", 6)?;
            Effect::Replace(index(&frames[4])?, element(&frames[5])?)
        }
        op::MOVE => {
            count("a move", 6)?;
            Effect::Move(index(&frames[4])?, index(&frames[5])?)
        }
        op::SORT_ASCENDING => {
            count("a sort", 4)?;
            Effect::SortAscending
        }
        op::SORT_DESCENDING => {
            count("a sort", 4)?;
            Effect::SortDescending
        }
        op::CLEAR => {
            count("a clear", 4)?;
            Effect::Clear
        }
        other => return Err(LiveError::UnknownOperation(abbreviate(other))),
    };
    Ok(Published::Update(Update {
        epoch,
        version,
        effect,
    }))
}

/// Why a replica must fetch a fresh snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resync {
    /// An update skipped a version: one was lost (dropped by the publisher, or sent
    /// before the subscription reached it).
    Gap {
        /// The version the replica expected next.
        expected: u64,
        /// The version that came.
        got: u64,
    },
    /// A heartbeat says the server applied more changes than arrived.
    Behind {
        /// The replica's version.
        have: u64,
        /// The server's.
        server: u64,
    },
    /// Another server run (a restart): its versions start again.
    NewEpoch,
    /// The subscription was made again (a reconnection, perhaps to a restarted server):
    /// updates may have been lost meanwhile.
    Reconnected,
    /// An update does not fit the list (an index past its end): the publisher is not
    /// following the list it announced.
    Misfit(EffectError),
}

impl fmt::Display for Resync {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Gap { expected, got } => {
                write!(f, "update {got} arrived while {expected} was expected")
            }
            Self::Behind { have, server } => write!(
                f,
                "the server is at version {server} and this client at {have}"
            ),
            Self::NewEpoch => f.write_str("the server restarted (a new epoch)"),
            Self::Reconnected => f.write_str("the subscription reconnected"),
            Self::Misfit(error) => write!(f, "an update does not fit the list: {error}"),
        }
    }
}

/// What to do with a published message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Hand this update (its version and effect) to the driver.
    Deliver(u64, Effect),
    /// Nothing to do: a heartbeat that agrees, an old duplicate, or an update kept until
    /// the snapshot comes.
    Nothing,
    /// Fetch a fresh snapshot.
    Resync(Resync),
}

/// Where a replica stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// No snapshot yet, or the last one is known to be stale: updates are kept, not
    /// delivered.
    Waiting,
    /// The replica holds the list after `version` changes of run `epoch`; `len` is its
    /// length, to check every index before an update is delivered.
    Synced {
        epoch: Epoch,
        version: u64,
        len: usize,
    },
}

/// The client-side half of the Clone pattern, with no sockets and no list: it tracks the
/// replica's epoch, version and length, keeps updates that arrive before a snapshot, and
/// turns every published message into "deliver", "nothing" or "resync". What it delivers
/// is gap-free and duplicate-free, and every delivered effect fits the list.
#[derive(Debug)]
pub struct Tracker {
    position: Position,
    buffer: VecDeque<Update>,
}

impl Default for Tracker {
    fn default() -> Self {
        Self {
            position: Position::Waiting,
            buffer: VecDeque::new(),
        }
    }
}

impl Tracker {
    /// Whether the replica waits for a snapshot.
    pub fn is_waiting(&self) -> bool {
        self.position == Position::Waiting
    }

    /// The replica's epoch and version, once synced.
    pub fn position(&self) -> Option<(Epoch, u64)> {
        match self.position {
            Position::Waiting => None,
            Position::Synced { epoch, version, .. } => Some((epoch, version)),
        }
    }

    /// Forgets the position (a new subscription): the next snapshot starts again.
    pub fn reset(&mut self) {
        self.position = Position::Waiting;
        self.buffer.clear();
    }

    /// Marks the replica stale; updates are kept from now on until the next snapshot.
    pub fn want_snapshot(&mut self) {
        self.position = Position::Waiting;
    }

    /// How many updates are kept for the next snapshot.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Takes one published message.
    pub fn on_published(&mut self, message: Published) -> Step {
        match message {
            Published::Update(update) => self.on_update(update),
            // The first welcome comes before any snapshot; a later one means the
            // subscription was made again.
            Published::Welcome => match self.position {
                Position::Waiting => Step::Nothing,
                Position::Synced { .. } => self.resync(Resync::Reconnected),
            },
            Published::Heartbeat { epoch, version } => match self.position {
                Position::Waiting => Step::Nothing,
                Position::Synced {
                    epoch: have_epoch,
                    version: have,
                    ..
                } => {
                    if epoch != have_epoch {
                        self.resync(Resync::NewEpoch)
                    } else if version > have {
                        // Lower is no loss: the snapshot came from a shared store (Redis)
                        // ahead of what this server had published yet; those updates follow.
                        self.resync(Resync::Behind {
                            have,
                            server: version,
                        })
                    } else {
                        Step::Nothing
                    }
                }
            },
        }
    }

    fn on_update(&mut self, update: Update) -> Step {
        let Position::Synced { epoch, version, .. } = self.position else {
            self.keep(update);
            return Step::Nothing;
        };
        if update.epoch != epoch {
            self.keep(update);
            return self.resync(Resync::NewEpoch);
        }
        if update.version <= version {
            return Step::Nothing;
        }
        if update.version > version + 1 {
            let got = update.version;
            self.keep(update);
            return self.resync(Resync::Gap {
                expected: version + 1,
                got,
            });
        }
        match self.advance(update) {
            Ok((version, effect)) => Step::Deliver(version, effect),
            Err(error) => self.resync(Resync::Misfit(error)),
        }
    }

    /// Takes a snapshot: the replica is now at its version, and the updates kept since
    /// that follow it are delivered. A gap among them (or an update that does not fit)
    /// asks for another snapshot, after delivering what came before it.
    pub fn on_snapshot(&mut self, epoch: Epoch, version: u64, len: usize) -> AfterSnapshot {
        self.position = Position::Synced {
            epoch,
            version,
            len,
        };
        let mut deliver = Vec::new();
        while let Some(update) = self.buffer.pop_front() {
            let Position::Synced { version, .. } = self.position else {
                break;
            };
            if update.epoch != epoch || update.version <= version {
                continue;
            }
            if update.version > version + 1 {
                let got = update.version;
                self.buffer.push_front(update);
                self.position = Position::Waiting;
                let resync = Resync::Gap {
                    expected: version + 1,
                    got,
                };
                return AfterSnapshot {
                    deliver,
                    resync: Some(resync),
                };
            }
            match self.advance(update) {
                Ok(update) => deliver.push(update),
                Err(error) => {
                    self.position = Position::Waiting;
                    return AfterSnapshot {
                        deliver,
                        resync: Some(Resync::Misfit(error)),
                    };
                }
            }
        }
        AfterSnapshot {
            deliver,
            resync: None,
        }
    }

    /// Checks the next update against the list's length and moves past it. Only called
    /// when synced, with the update that follows the replica's version.
    fn advance(&mut self, update: Update) -> Result<(u64, Effect), EffectError> {
        let Position::Synced {
            epoch,
            version,
            len,
        } = self.position
        else {
            return Err(EffectError::IndexOutOfRange { index: 0, len: 0 });
        };
        let len = match update.effect {
            Effect::Append(_) => len + 1,
            Effect::Insert(index, _) if index <= len => len + 1,
            Effect::RemoveAt(index) if index < len => len - 1,
            Effect::Replace(index, _) if index < len => len,
            Effect::Move(from, to) if from < len && to < len => len,
            Effect::Insert(index, _)
            | Effect::RemoveAt(index)
            | Effect::Replace(index, _)
            | Effect::Move(index, _) => {
                return Err(EffectError::IndexOutOfRange { index, len });
            }
            Effect::SortAscending | Effect::SortDescending => len,
            Effect::Clear => 0,
        };
        self.position = Position::Synced {
            epoch,
            version: version + 1,
            len,
        };
        Ok((update.version, update.effect))
    }

    fn keep(&mut self, update: Update) {
        if self.buffer.len() >= BUFFER_LIMIT {
            self.buffer.pop_front();
        }
        self.buffer.push_back(update);
    }

    fn resync(&mut self, why: Resync) -> Step {
        self.position = Position::Waiting;
        Step::Resync(why)
    }
}

/// What a snapshot gives: the kept updates that follow it, to deliver in order, and
/// whether another snapshot is needed (a gap or a misfit among the kept updates; what
/// came before it is still delivered, and the next snapshot replaces the list anyway).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterSnapshot {
    /// Updates to hand to the driver after the snapshot, in order.
    pub deliver: Vec<(u64, Effect)>,
    /// Why another snapshot is needed, if it is.
    pub resync: Option<Resync>,
}

/// A list kept current from a client engine's `Snapshot` and `Update` events: what a
/// driver holds. Checks that updates come one version at a time.
#[derive(Debug, Default, Clone)]
pub struct Replica {
    list: RemoteList,
    position: Option<(Epoch, u64)>,
}

/// An update a [`Replica`] cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplicaError {
    /// No snapshot came yet.
    #[error("an update came before any snapshot")]
    NoSnapshot,
    /// Not the next version: one was skipped or repeated.
    #[error("update {got} came after version {have}")]
    OutOfOrder {
        /// The replica's version.
        have: u64,
        /// The update's.
        got: u64,
    },
    /// It does not fit the list.
    #[error(transparent)]
    Misfit(#[from] EffectError),
}

impl Replica {
    /// Replaces the list with a snapshot's.
    pub fn snapshot(&mut self, epoch: Epoch, version: u64, items: Vec<String>) {
        self.list = RemoteList::from_items(items);
        self.position = Some((epoch, version));
    }

    /// Applies the next update.
    pub fn update(&mut self, version: u64, effect: Effect) -> Result<(), ReplicaError> {
        let (epoch, have) = self.position.ok_or(ReplicaError::NoSnapshot)?;
        if version != have + 1 {
            return Err(ReplicaError::OutOfOrder { have, got: version });
        }
        self.list.apply(effect)?;
        self.position = Some((epoch, version));
        Ok(())
    }

    /// The list.
    pub fn list(&self) -> &RemoteList {
        &self.list
    }

    /// The epoch and version the list reflects, once a snapshot came.
    pub fn position(&self) -> Option<(Epoch, u64)> {
        self.position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E: Epoch = Epoch(0x0123_4567_89ab_cdef);

    fn update(version: u64, effect: Effect) -> Published {
        Published::Update(Update {
            epoch: E,
            version,
            effect,
        })
    }

    fn append(version: u64, x: &str) -> Published {
        update(version, Effect::Append(x.to_owned()))
    }

    fn done(deliver: Vec<(u64, Effect)>) -> AfterSnapshot {
        AfterSnapshot {
            deliver,
            resync: None,
        }
    }

    fn frames(parts: &[&str]) -> Vec<Vec<u8>> {
        parts.iter().map(|p| p.as_bytes().to_vec()).collect()
    }

    #[test]
    fn every_effect_survives_encoding_and_decoding() {
        for effect in [
            Effect::Append("hello world".into()),
            Effect::Append(String::new()),
            Effect::Insert(7, "ação 😀".into()),
            Effect::RemoveAt(0),
            Effect::Replace(2, "novo valor 😀".into()),
            Effect::Move(4, 1),
            Effect::SortAscending,
            Effect::SortDescending,
            Effect::Clear,
        ] {
            let encoded = encode_update(E, 42, &effect);
            assert_eq!(encoded[0], b"u");
            assert_eq!(encoded[1], b"0123456789abcdef");
            assert_eq!(encoded[2], b"42");
            assert_eq!(decode(&encoded), Ok(update(42, effect)));
        }
        assert_eq!(decode(&frames(&["w"])), Ok(Published::Welcome));
        assert_eq!(
            decode(&encode_heartbeat(E, 9)),
            Ok(Published::Heartbeat {
                epoch: E,
                version: 9
            })
        );
    }

    #[test]
    fn the_wire_form_is_the_documented_one() {
        assert_eq!(
            encode_update(E, 3, &Effect::Insert(2, "x".into())),
            frames(&["u", "0123456789abcdef", "3", "insert", "2", "x"])
        );
        assert_eq!(
            encode_heartbeat(E, 0),
            frames(&["h", "0123456789abcdef", "0"])
        );
    }

    #[test]
    fn malformed_messages_are_refused_with_a_reason_and_never_panic() {
        let e = "0123456789abcdef";
        let cases: Vec<(Vec<Vec<u8>>, &str)> = vec![
            (vec![], "not a zlist update"),
            (frames(&["x", e, "1"]), "not a zlist update"),
            (frames(&["w", "extra"]), "frames"),
            (frames(&["u"]), "frames"),
            (frames(&["h", e]), "frames"),
            (frames(&["h", e, "1", "extra"]), "frames"),
            (frames(&["u", e, "1"]), "frames"),
            (frames(&["u", "xyz", "1", "clear"]), "epoch"),
            (frames(&["u", e, "-1", "clear"]), "version"),
            (frames(&["u", e, "1", "explode"]), "unknown operation"),
            (frames(&["u", e, "1", "append"]), "frames"),
            (frames(&["u", e, "1", "insert", "x", "y"]), "index"),
            (frames(&["u", e, "1", "remove", "+1"]), "index"),
            (frames(&["u", e, "1", "clear", "extra"]), "frames"),
            (
                frames(&["u", e, "99999999999999999999999", "clear"]),
                "version",
            ),
            (
                vec![
                    b"u".to_vec(),
                    e.into(),
                    b"1".to_vec(),
                    b"append".to_vec(),
                    vec![0xff],
                ],
                "UTF-8",
            ),
        ];
        for (message, expected) in cases {
            let error = decode(&message).unwrap_err().to_string();
            assert!(error.contains(expected), "{message:?}: {error}");
        }
    }

    #[test]
    fn snapshot_replies_round_trip_and_bad_ones_say_why() {
        let items = vec!["a".to_owned(), "it's".to_owned()];
        let reply = snapshot_reply(E, 12, &items);
        assert_eq!(reply, "zlist.snapshot 0123456789abcdef 12 ['a', \"it's\"]");
        assert_eq!(
            parse_snapshot_reply(&reply),
            Ok(Snapshot {
                epoch: E,
                version: 12,
                items
            })
        );
        for bad in [
            "Comando inválido.",
            "zlist.snapshot",
            "zlist.snapshot 0123456789abcdef",
            "zlist.snapshot 0123456789abcdef 1",
            "zlist.snapshot zz 1 []",
            "zlist.snapshot 0123456789abcdef x []",
            "zlist.snapshot 0123456789abcdef 1 ['unterminated",
            "zlist.snapshot 0123456789abcdef 1 [] trailing",
        ] {
            let error = parse_snapshot_reply(bad).unwrap_err().to_string();
            assert!(
                error.contains("zlist.snapshot EPOCH VERSION"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn updates_before_the_snapshot_are_kept_and_those_after_it_delivered_once() {
        let mut t = Tracker::default();
        assert_eq!(t.on_published(append(4, "d")), Step::Nothing);
        assert_eq!(t.on_published(append(5, "e")), Step::Nothing);
        assert_eq!(t.on_published(append(6, "f")), Step::Nothing);
        // The snapshot already has 4 and 5.
        assert_eq!(
            t.on_snapshot(E, 5, 5),
            done(vec![(6, Effect::Append("f".into()))])
        );
        assert_eq!(t.buffered(), 0);
        // A repeat of an old one is ignored; the next one is delivered.
        assert_eq!(t.on_published(append(6, "f")), Step::Nothing);
        assert_eq!(
            t.on_published(append(7, "g")),
            Step::Deliver(7, Effect::Append("g".into()))
        );
        assert_eq!(t.position(), Some((E, 7)));
    }

    #[test]
    fn a_gap_asks_for_a_snapshot_and_the_update_is_kept_for_after_it() {
        let mut t = Tracker::default();
        t.on_snapshot(E, 1, 1);
        assert_eq!(
            t.on_published(append(3, "c")),
            Step::Resync(Resync::Gap {
                expected: 2,
                got: 3
            })
        );
        assert!(t.is_waiting());
        assert_eq!(t.on_published(append(4, "d")), Step::Nothing);
        assert_eq!(
            t.on_snapshot(E, 2, 2),
            done(vec![
                (3, Effect::Append("c".into())),
                (4, Effect::Append("d".into()))
            ])
        );
    }

    #[test]
    fn a_gap_among_the_kept_updates_asks_again() {
        let mut t = Tracker::default();
        t.on_published(append(2, "b"));
        t.on_published(append(4, "d"));
        assert_eq!(
            t.on_snapshot(E, 1, 1),
            AfterSnapshot {
                deliver: vec![(2, Effect::Append("b".into()))],
                resync: Some(Resync::Gap {
                    expected: 3,
                    got: 4
                })
            }
        );
        assert!(t.is_waiting());
        assert_eq!(
            t.on_snapshot(E, 3, 3),
            done(vec![(4, Effect::Append("d".into()))])
        );
    }

    #[test]
    fn heartbeats_reveal_a_lost_last_update_and_a_restarted_server() {
        let mut t = Tracker::default();
        assert_eq!(
            t.on_published(Published::Heartbeat {
                epoch: E,
                version: 3
            }),
            Step::Nothing
        );
        t.on_snapshot(E, 3, 0);
        let beat = |epoch, version| Published::Heartbeat { epoch, version };
        assert_eq!(t.on_published(beat(E, 3)), Step::Nothing);
        assert_eq!(
            t.on_published(beat(E, 2)),
            Step::Nothing,
            "a lagging publisher"
        );
        assert_eq!(
            t.on_published(beat(E, 4)),
            Step::Resync(Resync::Behind { have: 3, server: 4 })
        );
        t.on_snapshot(E, 4, 0);
        assert_eq!(
            t.on_published(beat(Epoch(1), 0)),
            Step::Resync(Resync::NewEpoch)
        );
        // Updates of the new run kept while waiting come after its snapshot; the old
        // run's are dropped.
        t.on_published(Published::Update(Update {
            epoch: Epoch(1),
            version: 1,
            effect: Effect::Clear,
        }));
        t.on_published(append(5, "old"));
        assert_eq!(
            t.on_snapshot(Epoch(1), 0, 9),
            done(vec![(1, Effect::Clear)])
        );
    }

    #[test]
    fn a_welcome_after_the_snapshot_means_a_reconnection() {
        let mut t = Tracker::default();
        assert_eq!(t.on_published(Published::Welcome), Step::Nothing);
        t.on_snapshot(E, 0, 0);
        assert_eq!(
            t.on_published(Published::Welcome),
            Step::Resync(Resync::Reconnected)
        );
        assert!(t.is_waiting());
    }

    #[test]
    fn an_update_of_another_epoch_asks_for_a_snapshot() {
        let mut t = Tracker::default();
        t.on_snapshot(E, 10, 0);
        let other = Published::Update(Update {
            epoch: Epoch(7),
            version: 1,
            effect: Effect::Append("x".into()),
        });
        assert_eq!(t.on_published(other), Step::Resync(Resync::NewEpoch));
        assert_eq!(
            t.on_snapshot(Epoch(7), 0, 0),
            done(vec![(1, Effect::Append("x".into()))])
        );
    }

    #[test]
    fn an_update_past_the_end_of_the_list_is_not_delivered() {
        let mut t = Tracker::default();
        t.on_snapshot(E, 0, 1);
        assert_eq!(
            t.on_published(update(1, Effect::RemoveAt(0))),
            Step::Deliver(1, Effect::RemoveAt(0))
        );
        assert!(matches!(
            t.on_published(update(2, Effect::RemoveAt(0))),
            Step::Resync(Resync::Misfit(_))
        ));
        t.on_snapshot(E, 1, 0);
        assert!(matches!(
            t.on_published(update(2, Effect::Insert(1, "x".into()))),
            Step::Resync(Resync::Misfit(_))
        ));
    }

    #[test]
    fn the_buffer_keeps_the_newest_updates_when_full() {
        let mut t = Tracker::default();
        for version in 1..=(BUFFER_LIMIT as u64 + 5) {
            t.on_published(update(version, Effect::Clear));
        }
        assert_eq!(t.buffered(), BUFFER_LIMIT);
        // The oldest were dropped: a snapshot from before them shows the gap.
        assert!(matches!(
            t.on_snapshot(E, 0, 0).resync,
            Some(Resync::Gap { .. })
        ));
    }

    #[test]
    fn a_replica_takes_updates_one_version_at_a_time() {
        let mut r = Replica::default();
        assert_eq!(r.update(1, Effect::Clear), Err(ReplicaError::NoSnapshot));
        r.snapshot(E, 5, vec!["a".into()]);
        r.update(6, Effect::Append("b".into())).unwrap();
        assert_eq!(
            r.update(6, Effect::Clear),
            Err(ReplicaError::OutOfOrder { have: 6, got: 6 })
        );
        assert!(matches!(
            r.update(7, Effect::RemoveAt(5)),
            Err(ReplicaError::Misfit(_))
        ));
        assert_eq!(r.list().to_vec(), ["a", "b"]);
        assert_eq!(r.position(), Some((E, 6)));
    }
}
