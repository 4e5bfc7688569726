//! The store interface: where the list lives and how a command is carried out on it. Two
//! implementations: [`memory::MemoryBackend`] (the list in this process, with its journal
//! when there is a data directory: the default) and [`redis::RedisBackend`] (the list in
//! Redis or Valkey, shared by any number of servers). The request handling, replies,
//! limits' words and status stay in `service.rs`, shared by both.

pub mod memory;
pub mod redis;

use crate::net::list::{Effect, Outcome, RemoteList};
use crate::net::live::Epoch;
use crate::net::protocol::{Command, FOUND, NOT_FOUND, RequestTag, replies};
use crate::net::service::Limits;

/// What a store did with one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Executed {
    /// The reply.
    pub outcome: Outcome,
    /// The change applied, with the version it made, if any.
    pub effect: Option<(u64, Effect)>,
}

impl Executed {
    /// An answer that changed nothing.
    pub fn answer(outcome: Outcome) -> Self {
        Self {
            outcome,
            effect: None,
        }
    }
}

/// The rendering of one list version: its `zlist.snapshot` reply, whose tail from
/// `list_start` is its `mostrar` reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The epoch the version belongs to.
    pub epoch: Epoch,
    /// The version.
    pub version: u64,
    /// The `zlist.snapshot` reply.
    pub whole: String,
    /// Where the `mostrar` reply starts in `whole`.
    pub list_start: usize,
}

/// The list's size, for `zlist.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Size {
    /// Number of elements.
    pub elements: usize,
    /// UTF-8 bytes of all elements.
    pub bytes: usize,
}

/// Where the list lives: one implementation per kind of store. Every method answers; a
/// store that cannot do what was asked says so in an error reply (`Erro: ...`).
pub trait ListBackend: Send + 'static {
    /// Whether the store is shared with other servers: then its changes are published
    /// from its change feed (in the store's order), not as this server makes them.
    const SHARED: bool = false;

    /// Carries out one seed command (or a zlist row-exact one), `tag` being the request's
    /// tag (`zlist.req`) if it has one: a repeated tag gets the recorded reply and nothing
    /// is applied again; an older one is refused. `limits` caps what a change may add.
    /// `Command::Show` is not given here (see [`ListBackend::render`]).
    fn execute(&mut self, command: &Command, tag: Option<&RequestTag>, limits: &Limits)
    -> Executed;

    /// For a tagged read the service answers itself (`mostrar`): the reply to give
    /// instead of reading, when the tag is older than the client's last (a refusal) or
    /// is its last, whose reply is recorded here.
    fn recall(&mut self, tag: &RequestTag) -> Option<Outcome>;

    /// Records the reply to a tagged read the service answered itself (`mostrar`).
    fn remember_read(&mut self, tag: &RequestTag, outcome: &Outcome);

    /// The epoch and version of the list as it is now (cheap: a rendering of that
    /// version can be reused).
    fn position(&mut self) -> Result<(Epoch, u64), Outcome>;

    /// Renders the list as it is now.
    fn render(&mut self) -> Result<Rendered, Outcome>;

    /// The list's size now; `None` when the store cannot tell.
    fn size(&mut self) -> Option<Size>;

    /// The epoch and version of live updates this server publishes.
    fn live_position(&self) -> (Epoch, u64);

    /// Notes that this server published the live update that made `version` of `epoch`
    /// (a shared store's feed).
    fn followed(&mut self, _epoch: Epoch, _version: u64) {}

    /// What `zlist.status` says of the storage (one word: `memory`, `disk`, `redis`, ...).
    fn storage(&self) -> &'static str;

    /// How long until [`ListBackend::tick`] has work to do, if it has any.
    fn next_tick(&self) -> Option<std::time::Duration> {
        None
    }

    /// Periodic work (the journal's `everysec` flush).
    fn tick(&mut self) {}

    /// Stops; returns the list this process held (empty for a store outside it).
    fn close(self) -> Result<RemoteList, BackendError>;
}

/// Why a store could not be opened or closed.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The data directory failed.
    #[error(transparent)]
    Store(#[from] crate::net::store::StoreError),
    /// Redis failed.
    #[error(transparent)]
    Redis(#[from] redis::RedisStoreError),
}

/// The reply to `command` once its change is applied (or, for `pesquisar`, the answer
/// given whether it was `found`): the same words [`RemoteList::plan`] gives, for a store
/// that carries the change out elsewhere.
pub fn success_reply(command: &Command, found: bool) -> String {
    match command {
        Command::Show => String::new(),
        Command::Search(_) => (if found { FOUND } else { NOT_FOUND }).to_owned(),
        Command::Append(x) => replies::appended(x),
        Command::Insert { position, element } => replies::inserted(element, position),
        Command::Remove(x) => replies::removed(x),
        Command::SortAscending => replies::SORTED_ASCENDING.to_owned(),
        Command::SortDescending => replies::SORTED_DESCENDING.to_owned(),
        Command::Clear => replies::CLEARED.to_owned(),
        Command::RemoveAt { index, expected } => replies::removed_at(expected, *index),
        Command::ReplaceAt {
            index,
            expected,
            element,
        } => replies::replaced(*index, expected, element),
        Command::Move { from, to, expected } => replies::moved(expected, *from, *to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::list::Plan;
    use crate::net::protocol::parse_command;

    #[test]
    fn success_replies_are_the_words_the_in_process_list_gives() {
        let list = RemoteList::from_items(vec!["a".into(), "b".into()]);
        for text in [
            "append x y",
            "insert 1 z",
            "insert 2 z",
            "remover a",
            "ordenar_cresc",
            "ordenar_desc",
            "limpar",
            r#"zlist.remove_at 1 "b""#,
            r#"zlist.replace_at 0 "a" "c""#,
            r#"zlist.move 0 1 "a""#,
        ] {
            let command = parse_command(text).unwrap();
            let Plan::Change { reply, .. } = list.plan(&command) else {
                panic!("{text} is a change here");
            };
            assert_eq!(success_reply(&command, true), reply, "{text}");
        }
        for (text, found) in [("pesquisar a", true), ("pesquisar q", false)] {
            let command = parse_command(text).unwrap();
            let Plan::Answer(outcome) = list.plan(&command) else {
                panic!("a search answers");
            };
            assert_eq!(success_reply(&command, found), outcome.text.as_str());
        }
    }
}
