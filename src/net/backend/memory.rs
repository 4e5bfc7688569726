//! The in-process store: the list in this process's memory ([`RemoteList`]), every change
//! journaled first when there is a data directory, and each client's last tagged reply
//! remembered here (and in the journal) for retries. The default, as the seed.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use crate::net::backend::{BackendError, Executed, ListBackend, Rendered, Size};
use crate::net::list::{Outcome, Plan, RemoteList};
use crate::net::live::{self, Epoch};
use crate::net::protocol::{Command, RequestTag};
use crate::net::service::{Limits, TAG_MEMORY, TAG_MEMORY_CLIENTS};
use crate::net::store::{Recovered, Store, StoreError, TagEntry};

/// The list in this process, with its journal when there is one.
#[derive(Debug)]
pub struct MemoryBackend {
    list: RemoteList,
    tags: TagMemory,
    /// Where changes are journaled; `None` keeps the list in memory only.
    store: Option<Store>,
    /// Whether the last journal write failed (so the failure is logged once per run).
    store_failing: bool,
    /// This run's identity, random per start (live updates).
    epoch: Epoch,
    /// How many changes this run has applied: the list's version (live updates).
    version: u64,
}

impl MemoryBackend {
    /// `list`, in memory only.
    pub fn new(list: RemoteList) -> Self {
        Self {
            list,
            tags: TagMemory::default(),
            store: None,
            store_failing: false,
            epoch: Epoch::random(),
            version: 0,
        }
    }

    /// A loaded data directory: the recovered list, and the recovered request tags (so a
    /// retry reaching the restarted server is still recognised). A new, empty data
    /// directory starts with `initial` instead (written as its first snapshot); a
    /// directory that already holds a list ignores `initial`.
    pub fn with_store(
        mut store: Store,
        recovered: Recovered,
        initial: RemoteList,
    ) -> Result<Self, StoreError> {
        let mut list = recovered.list;
        if recovered.report.fresh && !initial.is_empty() {
            store.snapshot_now(&initial.iter().collect::<Vec<_>>(), &[])?;
            list = initial;
        }
        let mut backend = Self::new(list);
        let (now, unix_ms) = (Instant::now(), unix_ms_now());
        for tag in recovered.tags {
            backend.tags.restore(tag, now, unix_ms);
        }
        backend.store = Some(store);
        Ok(backend)
    }

    /// The list as it is now.
    pub fn list(&self) -> &RemoteList {
        &self.list
    }

    /// The store changes are journaled to, if any.
    pub fn store(&self) -> Option<&Store> {
        self.store.as_ref()
    }

    /// The journal, for tests that break it.
    #[cfg(test)]
    pub(crate) fn store_mut(&mut self) -> Option<&mut Store> {
        self.store.as_mut()
    }

    /// Plans the command, journals the change (when there is a store), applies it, and
    /// remembers the reply for the request's tag, if any. A change that could not be
    /// journaled is refused and its tag not remembered, so that a retry can still apply it.
    fn run(
        &mut self,
        command: &Command,
        tag: Option<(RequestTag, Instant)>,
        limits: &Limits,
    ) -> Executed {
        let plan = match limits.refusal(command, self.list.len(), self.list.bytes()) {
            Some(refusal) => Plan::Answer(refusal),
            None => self.list.plan(command),
        };
        let (effect, reply) = match plan {
            Plan::Answer(outcome) => {
                if let Some((tag, now)) = tag {
                    self.tags.remember(tag, outcome.clone(), now);
                }
                return Executed::answer(outcome);
            }
            Plan::Change { effect, reply } => (effect, reply),
        };
        if let Some(store) = &mut self.store {
            let stamp = tag.as_ref().map(|(tag, _)| TagEntry {
                client: tag.client.clone(),
                seq: tag.seq,
                outcome: Outcome::ok(reply.clone()),
                unix_ms: unix_ms_now(),
            });
            if let Err(error) = store.append(&effect, stamp.as_ref()) {
                let reason = match &error {
                    StoreError::Write { source, .. } | StoreError::Io { source, .. } => {
                        source.to_string()
                    }
                    other => other.to_string(),
                };
                if self.store_failing {
                    tracing::debug!("change refused: {error}");
                } else {
                    self.store_failing = true;
                    tracing::error!(
                        "{error}; changes are refused until the disk accepts writes again, \
                         reads keep working"
                    );
                }
                let text = format!(
                    "Erro: não foi possível gravar a alteração no disco ({reason}); nada foi \
                     alterado."
                );
                return Executed::answer(Outcome::error(text));
            }
            if self.store_failing {
                self.store_failing = false;
                tracing::info!("the journal accepts changes again");
            }
        }
        // Planned against this very list a moment ago, so it fits (a true invariant).
        let applied = self.list.apply(effect.clone());
        debug_assert!(applied.is_ok(), "a fresh plan always applies");
        if applied.is_ok() {
            self.version += 1;
        }
        // Remembered before a compaction, so the snapshot has it with the change it made.
        if let Some((tag, now)) = tag {
            self.tags.remember(tag, Outcome::ok(reply.clone()), now);
        }
        if let Some(store) = &mut self.store
            && store.wants_compaction()
        {
            let tags = self.tags.entries(Instant::now(), unix_ms_now());
            if let Err(error) = store.compact(&self.list.iter().collect::<Vec<_>>(), &tags) {
                tracing::error!(
                    "cannot compact the journal: {error}; no change is lost (the journal \
                     keeps them), and compaction is tried again later"
                );
            }
        }
        Executed {
            outcome: Outcome::ok(reply),
            effect: applied.is_ok().then_some((self.version, effect)),
        }
    }
}

impl ListBackend for MemoryBackend {
    fn execute(
        &mut self,
        command: &Command,
        tag: Option<&RequestTag>,
        limits: &Limits,
    ) -> Executed {
        let Some(tag) = tag else {
            return self.run(command, None, limits);
        };
        let now = Instant::now();
        match self.tags.recall(tag, now) {
            Recall::Repeat(outcome) => {
                tracing::debug!(%tag, "repeated request: answered again, not applied again");
                Executed::answer(outcome)
            }
            Recall::Stale { last } => Executed::answer(stale_tag(tag, last)),
            Recall::New => self.run(command, Some((tag.clone(), now)), limits),
        }
    }

    fn recall(&mut self, tag: &RequestTag) -> Option<Outcome> {
        match self.tags.recall(tag, Instant::now()) {
            Recall::Repeat(outcome) => Some(outcome),
            Recall::Stale { last } => Some(stale_tag(tag, last)),
            Recall::New => None,
        }
    }

    fn remember_read(&mut self, tag: &RequestTag, outcome: &Outcome) {
        self.tags
            .remember(tag.clone(), outcome.clone(), Instant::now());
    }

    fn position(&mut self) -> Result<(Epoch, u64), Outcome> {
        Ok((self.epoch, self.version))
    }

    fn render(&mut self) -> Result<Rendered, Outcome> {
        let (whole, list_start) =
            live::snapshot_reply_and_list_start(self.epoch, self.version, &self.list);
        Ok(Rendered {
            epoch: self.epoch,
            version: self.version,
            whole,
            list_start,
        })
    }

    fn size(&mut self) -> Option<Size> {
        Some(Size {
            elements: self.list.len(),
            bytes: self.list.bytes(),
        })
    }

    fn live_position(&self) -> (Epoch, u64) {
        (self.epoch, self.version)
    }

    fn storage(&self) -> &'static str {
        match self.store {
            Some(_) => "disk",
            None => "memory",
        }
    }

    fn next_tick(&self) -> Option<Duration> {
        self.store.as_ref()?.next_tick(Instant::now())
    }

    fn tick(&mut self) {
        if let Some(store) = &mut self.store {
            store.tick(Instant::now());
        }
    }

    /// With a store, writes a final snapshot (see [`Store::close`]).
    fn close(self) -> Result<RemoteList, BackendError> {
        if let Some(store) = self.store {
            let tags = self.tags.entries(Instant::now(), unix_ms_now());
            store.close(&self.list.iter().collect::<Vec<_>>(), &tags)?;
        }
        Ok(self.list)
    }
}

/// The refusal of a tagged request older than the client's last one.
pub fn stale_tag(tag: &RequestTag, last: u64) -> Outcome {
    Outcome::error(format!(
        "Erro: o pedido {tag} é mais antigo que o último deste cliente ({last}); \
         não foi aplicado."
    ))
}

/// Each client's last tagged request and its reply, for answering retries.
#[derive(Debug, Default)]
struct TagMemory {
    last: HashMap<String, Remembered>,
}

#[derive(Debug)]
struct Remembered {
    seq: u64,
    outcome: Outcome,
    at: Instant,
}

enum Recall {
    New,
    Repeat(Outcome),
    Stale { last: u64 },
}

/// Now, in milliseconds since the Unix epoch (0 if the clock is before 1970).
fn unix_ms_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
impl TagMemory {
    /// Remembers a tag loaded from disk, as of when it was answered; one older than
    /// [`TAG_MEMORY`] is forgotten already.
    fn restore(&mut self, entry: TagEntry, now: Instant, now_unix_ms: u64) {
        let age = Duration::from_millis(now_unix_ms.saturating_sub(entry.unix_ms));
        if age > TAG_MEMORY {
            return;
        }
        let tag = RequestTag {
            client: entry.client,
            seq: entry.seq,
        };
        self.remember(tag, entry.outcome, now.checked_sub(age).unwrap_or(now));
    }

    /// The tags still remembered, with when each was answered, for a snapshot.
    fn entries(&self, now: Instant, now_unix_ms: u64) -> Vec<TagEntry> {
        self.last
            .iter()
            .filter(|(_, r)| now.duration_since(r.at) <= TAG_MEMORY)
            .map(|(client, r)| {
                let age = u64::try_from(now.duration_since(r.at).as_millis()).unwrap_or(u64::MAX);
                TagEntry {
                    client: client.clone(),
                    seq: r.seq,
                    outcome: r.outcome.clone(),
                    unix_ms: now_unix_ms.saturating_sub(age),
                }
            })
            .collect()
    }

    fn recall(&self, tag: &RequestTag, now: Instant) -> Recall {
        match self.last.get(&tag.client) {
            Some(r) if now.duration_since(r.at) > TAG_MEMORY => Recall::New,
            Some(r) if r.seq == tag.seq => Recall::Repeat(r.outcome.clone()),
            Some(r) if r.seq > tag.seq => Recall::Stale { last: r.seq },
            _ => Recall::New,
        }
    }

    fn remember(&mut self, tag: RequestTag, outcome: Outcome, now: Instant) {
        if self.last.len() >= TAG_MEMORY_CLIENTS && !self.last.contains_key(&tag.client) {
            self.last
                .retain(|_, r| now.duration_since(r.at) <= TAG_MEMORY);
            if self.last.len() >= TAG_MEMORY_CLIENTS {
                // Still full of live clients: forget the one heard from longest ago.
                let oldest = self
                    .last
                    .iter()
                    .min_by_key(|(_, r)| r.at)
                    .map(|(client, _)| client.clone());
                if let Some(oldest) = oldest {
                    self.last.remove(&oldest);
                }
            }
        }
        self.last.insert(
            tag.client,
            Remembered {
                seq: tag.seq,
                outcome,
                at: now,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_memory_stays_bounded() {
        let mut memory = TagMemory::default();
        let now = Instant::now();
        for i in 0..TAG_MEMORY_CLIENTS + 10 {
            let tag = RequestTag {
                client: format!("c{i}"),
                seq: 1,
            };
            memory.remember(tag, Outcome::ok("ok"), now);
        }
        assert_eq!(memory.last.len(), TAG_MEMORY_CLIENTS);
    }
}
