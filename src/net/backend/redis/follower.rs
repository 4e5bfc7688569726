//! The change feed's follower: a thread of each server that reads the list's change
//! stream (`XREAD BLOCK` on a connection of its own) from the last change it saw, and
//! hands each change, in order, to its server's publisher as a live update, so that a
//! client of any server sees every change made through any other. After a lost
//! connection it catches up from the stream; a gap (the stream trimmed past what it saw)
//! reaches the subscribers as one, and they resync from a snapshot. A new epoch (Redis
//! emptied) is told as a heartbeat of the new epoch, which makes them resync too.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use redis::streams::StreamReadReply;

use crate::net::backend::redis::link::Link;
use crate::net::backend::redis::{Keys, RedisOptions, RedisStoreError, effect_of};
use crate::net::live::{self, Epoch};

/// How long one `XREAD` blocks: how soon the thread notices it should stop.
const BLOCK: Duration = Duration::from_millis(500);

/// Most entries read at once.
const BATCH: usize = 1000;

/// How often the store's epoch is checked (a Redis emptied or replaced).
const EPOCH_CHECK: Duration = Duration::from_secs(1);

/// How long to wait before reconnecting after a failure.
const RECONNECT_AFTER: Duration = Duration::from_millis(250);

/// A running follower; dropping it stops it.
pub struct Follower {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower").finish_non_exhaustive()
    }
}

impl Follower {
    /// Follows the change stream of the list `options` names from `from` (the epoch and
    /// version the server's live updates are at), sending each change as a live update's
    /// frames (and a new epoch as a heartbeat's) on `feed`, an in-process socket the
    /// server loop reads.
    pub fn start(
        options: &RedisOptions,
        from: (Epoch, u64),
        feed: zmq::Socket,
    ) -> Result<Self, RedisStoreError> {
        // The read timeout leaves the blocking read its time.
        let link = Link::new(options, Some(BLOCK + Duration::from_secs(5)))?;
        let keys = Keys::new(&options.key)?;
        let stop = Arc::new(AtomicBool::new(false));
        let running = Following {
            link,
            keys,
            at: from,
            feed,
            stop: stop.clone(),
            next_epoch_check: Instant::now(),
        };
        let thread = std::thread::Builder::new()
            .name("zlist-redis-follower".to_owned())
            .spawn(move || running.run())
            .map_err(|error| RedisStoreError::Thread(error.to_string()))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the Redis follower thread panicked");
        }
    }
}

/// The follower thread's state.
struct Following {
    link: Link,
    keys: Keys,
    /// The last change handed on.
    at: (Epoch, u64),
    feed: zmq::Socket,
    stop: Arc<AtomicBool>,
    next_epoch_check: Instant,
}

impl Following {
    fn run(mut self) {
        while !self.stop.load(Ordering::Relaxed) {
            if let Err(error) = self.step() {
                self.link.broke(&error);
                std::thread::sleep(RECONNECT_AFTER);
            }
        }
    }

    /// One blocking read of the stream (and the epoch check when due).
    fn step(&mut self) -> redis::RedisResult<()> {
        let (connection, fresh) = match self.link.connection() {
            Ok(connection) => connection,
            Err(_) => {
                // Logged by the link; tried again shortly.
                std::thread::sleep(RECONNECT_AFTER);
                return Ok(());
            }
        };
        if fresh || Instant::now() >= self.next_epoch_check {
            self.next_epoch_check = Instant::now() + EPOCH_CHECK;
            let (epoch, version): (Option<String>, Option<u64>) = redis::pipe()
                .get(&self.keys.epoch)
                .get(&self.keys.version)
                .query(connection)?;
            if let Some(epoch) = epoch.as_deref().and_then(Epoch::parse)
                && epoch != self.at.0
            {
                tracing::info!(%epoch, "the list in Redis has a new epoch: subscribers resync");
                self.at = (epoch, version.unwrap_or(0));
                hand_on(
                    &self.feed,
                    &self.stop,
                    live::encode_heartbeat(self.at.0, self.at.1),
                );
            }
        }
        let reply: Option<StreamReadReply> = redis::cmd("XREAD")
            .arg("COUNT")
            .arg(BATCH)
            .arg("BLOCK")
            .arg(u64::try_from(BLOCK.as_millis()).unwrap_or(1000))
            .arg("STREAMS")
            .arg(&self.keys.changes)
            .arg(format!("{}-1", self.at.1))
            .query(connection)?;
        self.link.worked();
        for entry in reply.into_iter().flat_map(|r| r.keys).flat_map(|k| k.ids) {
            let Some(version) = entry
                .id
                .split_once('-')
                .and_then(|(version, _)| version.parse::<u64>().ok())
            else {
                tracing::warn!(id = %entry.id, "skipped a change stream entry with a foreign id");
                continue;
            };
            let field = |name: &str| entry.get::<String>(name).unwrap_or_default();
            let epoch = Epoch::parse(&field("e")).unwrap_or(self.at.0);
            if version > self.at.1 + 1 && epoch == self.at.0 {
                tracing::debug!(
                    from = self.at.1,
                    to = version,
                    "changes left the stream before this server read them: subscribers resync"
                );
            }
            self.at = (epoch, version);
            match effect_of(&field("op"), &field("a"), &field("b")) {
                Some(effect) => hand_on(
                    &self.feed,
                    &self.stop,
                    live::encode_update(epoch, version, &effect),
                ),
                None => tracing::warn!(version, "skipped a change stream entry it cannot read"),
            }
        }
        Ok(())
    }
}

/// Hands frames to the server loop on `feed` (waits while it is busy, until `stop`).
fn hand_on(feed: &zmq::Socket, stop: &AtomicBool, frames: Vec<Vec<u8>>) {
    loop {
        match feed.send_multipart(frames.iter().map(Vec::as_slice), zmq::DONTWAIT) {
            Ok(()) => return,
            Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(error) => {
                tracing::debug!("live update not handed to the server: {error}");
                return;
            }
        }
    }
}
