//! The server's request handler, with no sockets: one request message in, exactly one
//! reply out, and the list changed only by a valid command. With a store, every change is
//! journaled before it is applied and acknowledged.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::net::access::Permission;
use crate::net::backend::memory::MemoryBackend;
use crate::net::backend::{BackendError, ListBackend};
use crate::net::list::{Effect, Outcome, RemoteList, ReplyText};
use crate::net::live::Epoch;
use crate::net::protocol::{self, Command, Request, RequestError, RequestTag};
use crate::net::status::{ReplyQueue, ServerStatus};
use crate::net::store::{Recovered, Store, StoreError};

/// Default largest request accepted, in bytes.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// How long a client's last tagged reply is kept for a retry.
pub const TAG_MEMORY: Duration = Duration::from_secs(10 * 60);

/// How many clients' last tagged replies are kept at most.
pub const TAG_MEMORY_CLIENTS: usize = 100_000;

/// Default cap on the number of elements in the list.
pub const DEFAULT_MAX_ELEMENTS: usize = 10_000_000;

/// Default cap on one element's size, in bytes.
pub const DEFAULT_MAX_ELEMENT_BYTES: usize = 64 * 1024;

/// The fixed default of `--max-list-bytes` where the machine's memory cannot be read (off
/// Linux): 1 GiB.
pub const FALLBACK_MAX_LIST_BYTES: usize = 1 << 30;

/// The default cap on the list's bytes: a quarter of the machine's physical memory (as
/// Redis's `maxmemory` is usually set), read from `/proc/meminfo` on Linux;
/// [`FALLBACK_MAX_LIST_BYTES`] elsewhere or when it cannot be read. A quarter, because the
/// server holds more than the elements: their `String`s, the rendered `mostrar` text of the
/// current version (about as large again) and replies on their way out.
pub fn default_max_list_bytes() -> usize {
    static DEFAULT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *DEFAULT.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| mem_total_bytes(&text))
            .map_or(FALLBACK_MAX_LIST_BYTES, |total| total / 4)
    })
}

/// The `MemTotal` line of `/proc/meminfo` (`MemTotal:  16314640 kB`), in bytes.
fn mem_total_bytes(meminfo: &str) -> Option<usize> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut words = line["MemTotal:".len()..].split_whitespace();
    let kib: usize = words.next()?.parse().ok()?;
    (words.next() == Some("kB"))
        .then_some(kib)?
        .checked_mul(1024)
}

/// Caps that keep one client from exhausting the server's memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most elements the list may hold; `append` and `insert` beyond it are refused.
    pub max_elements: usize,
    /// Largest element accepted, in bytes of UTF-8.
    pub max_element_bytes: usize,
    /// Most bytes (UTF-8, all elements together) the list may hold; an `append` or
    /// `insert` that would pass it is refused.
    pub max_list_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_elements: DEFAULT_MAX_ELEMENTS,
            max_element_bytes: DEFAULT_MAX_ELEMENT_BYTES,
            max_list_bytes: default_max_list_bytes(),
        }
    }
}

impl Limits {
    /// The error reply for a command that would break a limit on a list of `len`
    /// elements and `bytes` bytes.
    pub(crate) fn refusal(&self, command: &Command, len: usize, bytes: usize) -> Option<Outcome> {
        let element = match command {
            Command::Append(element) | Command::Insert { element, .. } => element,
            Command::ReplaceAt {
                element, expected, ..
            } => {
                // The list keeps its length; only the bytes it gains count.
                let growth = element.len().saturating_sub(expected.len());
                return self
                    .too_big(element.len())
                    .or_else(|| self.over_bytes(bytes, growth, element.len()));
            }
            _ => return None,
        };
        if let Some(refusal) = self.too_big(element.len()) {
            return Some(refusal);
        }
        if len >= self.max_elements {
            return Some(Self::full(len));
        }
        self.over_bytes(bytes, element.len(), element.len())
    }

    /// The refusal of a change to a list that already has `len` elements, the most it may.
    pub(crate) fn full(len: usize) -> Outcome {
        Outcome::error(format!(
            "Erro: a lista já tem {len} elementos, o máximo deste servidor; \
             remova algum antes de acrescentar."
        ))
    }

    /// The refusal of an element of `size` bytes, when that is over the size cap.
    pub(crate) fn too_big(&self, size: usize) -> Option<Outcome> {
        (size > self.max_element_bytes).then(|| self.too_big_reply(size))
    }

    /// The refusal of an element of `size` bytes, over the size cap.
    pub(crate) fn too_big_reply(&self, size: usize) -> Outcome {
        Outcome::error(format!(
            "Erro: o elemento tem {size} bytes; o máximo deste servidor é {} bytes.",
            self.max_element_bytes
        ))
    }

    /// The refusal of a change that would grow a list of `bytes` by `growth` bytes past
    /// the cap on its total size (`element` bytes is the size of the element it adds).
    pub(crate) fn over_bytes(
        &self,
        bytes: usize,
        growth: usize,
        element: usize,
    ) -> Option<Outcome> {
        (bytes.saturating_add(growth) > self.max_list_bytes)
            .then(|| self.over_bytes_reply(bytes, element))
    }

    /// The refusal of an element of `element` bytes added to a list of `bytes`, past the
    /// cap on its total size.
    pub(crate) fn over_bytes_reply(&self, bytes: usize, element: usize) -> Outcome {
        Outcome::error(format!(
            "Erro: a lista já tem {bytes} bytes e o elemento tem {element}; o máximo deste \
             servidor é {} bytes; remova algum antes de acrescentar.",
            self.max_list_bytes
        ))
    }
}

/// The rendering of one list version: its `zlist.snapshot` reply, whose tail from
/// `list_start` is its `mostrar` reply. Built at the first read of a version and shared by
/// every reply until the list changes.
#[derive(Debug)]
struct Rendering {
    epoch: Epoch,
    version: u64,
    whole: Arc<String>,
    list_start: usize,
}

/// What a handled request gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The reply to send.
    pub outcome: Outcome,
    /// The change applied to the list, if any.
    pub effect: Option<Effect>,
}

impl Handled {
    fn answer(outcome: Outcome) -> Self {
        Self {
            outcome,
            effect: None,
        }
    }

    fn refused(error: &RequestError) -> Self {
        Self::answer(Outcome::error(error.to_string()))
    }
}

/// The list's store and everything needed to answer requests about it.
#[derive(Debug)]
pub struct ListService<B: ListBackend = MemoryBackend> {
    /// Where the list lives.
    backend: B,
    max_request_bytes: usize,
    features: Vec<(String, String)>,
    /// Caps on the list and its elements.
    limits: Limits,
    /// When this run started (`zlist.status`).
    started: Instant,
    /// Requests answered, and how many of them with an error (`zlist.status`).
    requests: u64,
    errors: u64,
    /// Connected clients and live-update subscribers, as the server last counted them.
    clients: usize,
    subscribers: Option<usize>,
    /// Who may connect, in words (`zlist.status`).
    access: String,
    /// The replies waiting to be sent, as the server last counted them (`zlist.status`).
    reply_queue: Option<ReplyQueue>,
    /// The current version's rendering, once a read asked for it.
    rendering: Option<Rendering>,
}

impl ListService<MemoryBackend> {
    /// A service over `list`, in this process's memory, that refuses requests over
    /// `max_request_bytes`.
    pub fn new(list: RemoteList, max_request_bytes: usize) -> Self {
        Self::with_backend(MemoryBackend::new(list), max_request_bytes)
    }

    /// A service over a loaded data directory (see [`MemoryBackend::with_store`]).
    pub fn with_store(
        store: Store,
        recovered: Recovered,
        initial: RemoteList,
        max_request_bytes: usize,
    ) -> Result<Self, StoreError> {
        let backend = MemoryBackend::with_store(store, recovered, initial)?;
        Ok(Self::with_backend(backend, max_request_bytes))
    }

    /// The store changes are journaled to, if any.
    pub fn store(&self) -> Option<&Store> {
        self.backend.store()
    }

    /// The list as it is now.
    pub fn list(&self) -> &RemoteList {
        self.backend.list()
    }
}

impl<B: ListBackend> ListService<B> {
    /// A service over `backend` that refuses requests over `max_request_bytes`.
    pub fn with_backend(backend: B, max_request_bytes: usize) -> Self {
        Self {
            backend,
            max_request_bytes,
            features: vec![("tags".to_owned(), "1".to_owned())],
            limits: Limits::default(),
            started: Instant::now(),
            requests: 0,
            errors: 0,
            clients: 0,
            subscribers: None,
            access: "open".to_owned(),
            reply_queue: None,
            rendering: None,
        }
    }

    /// The store.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The store, to tell it what the server saw (a shared store's change feed).
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// How long until [`ListService::tick`] has work to do, if it has any.
    pub fn next_tick(&self) -> Option<Duration> {
        self.backend.next_tick()
    }

    /// Periodic work of the store (the `everysec` flush); call it at least as often as
    /// [`ListService::next_tick`] asks.
    pub fn tick(&mut self) {
        self.backend.tick();
    }

    /// Stops: with a data directory, writes a final snapshot. Returns the list this
    /// process held at the end (empty for a store outside it).
    pub fn close(self) -> Result<RemoteList, BackendError> {
        self.backend.close()
    }

    /// Announces a `key=value` feature in the reply to `zlist.hello`.
    pub fn announce(&mut self, key: &str, value: &str) {
        self.features.push((key.to_owned(), value.to_owned()));
    }

    /// The epoch of the live updates this server publishes: random per start of an
    /// in-process list, so clients can tell a restarted server.
    pub fn epoch(&self) -> Epoch {
        self.backend.live_position().0
    }

    /// The version of the live updates this server publishes: for an in-process list,
    /// how many changes this run has applied (0 at start). The change a [`Handled`]
    /// reports is the one that made this version.
    pub fn version(&self) -> u64 {
        self.backend.live_position().1
    }

    /// Sets the caps on the list's size and on each element.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Records how many clients are connected and, when the server publishes, how many
    /// subscribe to live updates (reported by `zlist.status`).
    pub fn set_peers(&mut self, clients: usize, subscribers: Option<usize>) {
        self.clients = clients;
        self.subscribers = subscribers;
    }

    /// Records the replies waiting to be sent and their budgets (reported by
    /// `zlist.status`).
    pub fn set_reply_queue(&mut self, queue: ReplyQueue) {
        self.reply_queue = Some(queue);
    }

    /// The current version's rendering: its `zlist.snapshot` reply, whose tail is its
    /// `mostrar` reply; rendered at the first read of the version, then shared.
    fn rendering(&mut self) -> Result<&Rendering, Outcome> {
        let position = self.backend.position()?;
        let cached = self
            .rendering
            .as_ref()
            .is_some_and(|r| (r.epoch, r.version) == position);
        if !cached {
            // Dropped first: only replies still on their way out keep the old text alive.
            self.rendering = None;
            let rendered = self.backend.render()?;
            self.rendering = Some(Rendering {
                epoch: rendered.epoch,
                version: rendered.version,
                whole: Arc::new(rendered.whole),
                list_start: rendered.list_start,
            });
        }
        self.rendering.as_ref().ok_or_else(|| {
            Outcome::error("Erro: a lista não pôde ser lida; tente de novo.".to_owned())
        })
    }

    /// The reply to `mostrar`, shared with every other read of this version.
    fn show_reply(&mut self) -> Outcome {
        match self.rendering() {
            Ok(rendering) => {
                let (whole, start) = (&rendering.whole, rendering.list_start);
                // `list_start` is where the list's text was appended, a character
                // boundary: the copy is never made.
                Outcome::ok(
                    ReplyText::shared(whole.clone(), start)
                        .unwrap_or_else(|| whole[start..].into()),
                )
            }
            Err(error) => error,
        }
    }

    /// The reply to `zlist.snapshot`, shared with every other read of this version.
    fn snapshot_reply(&mut self) -> Outcome {
        match self.rendering() {
            Ok(rendering) => {
                let whole = rendering.whole.clone();
                // Position 0 is always a character boundary.
                Outcome::ok(
                    ReplyText::shared(whole.clone(), 0).unwrap_or_else(|| whole.as_str().into()),
                )
            }
            Err(error) => error,
        }
    }

    /// Says who may connect, for `zlist.status` (e.g. `token`).
    pub fn set_access(&mut self, access: &str) {
        access.clone_into(&mut self.access);
    }

    /// The server's health as `zlist.status` reports it.
    pub fn status(&mut self) -> ServerStatus {
        let size = self.backend.size().unwrap_or_default();
        ServerStatus {
            server: format!("zlist/{}", env!("CARGO_PKG_VERSION")),
            uptime: Duration::from_secs(self.started.elapsed().as_secs()),
            clients: self.clients,
            subscribers: self.subscribers,
            elements: size.elements,
            bytes: size.bytes,
            max_bytes: Some(self.limits.max_list_bytes),
            replies: self.reply_queue,
            changes: self.version(),
            requests: self.requests,
            errors: self.errors,
            storage: self.backend.storage().to_owned(),
            access: self.access.clone(),
        }
    }

    /// The largest request accepted, in bytes.
    pub fn max_request_bytes(&self) -> usize {
        self.max_request_bytes
    }

    /// Answers one request message, given as its frames (a seed client sends one). This is
    /// the server's entry point: the requests and errors `zlist.status` reports are counted
    /// here.
    pub fn handle_frames<F: AsRef<[u8]>>(&mut self, frames: &[F]) -> Handled {
        self.handle_frames_as(frames, Permission::ReadWrite)
    }

    /// [`ListService::handle_frames`] for a connection that may do only what `permission` allows.
    pub fn handle_frames_as<F: AsRef<[u8]>>(
        &mut self,
        frames: &[F],
        permission: Permission,
    ) -> Handled {
        let handled = match frames {
            [frame] => self.handle_bytes_as(frame.as_ref(), permission),
            [] => Handled::refused(&RequestError::Empty),
            _ => Handled::refused(&RequestError::Multipart(frames.len())),
        };
        self.requests += 1;
        self.errors += u64::from(handled.outcome.is_error);
        handled
    }

    /// Answers one single-frame request.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Handled {
        self.handle_bytes_as(bytes, Permission::ReadWrite)
    }

    fn handle_bytes_as(&mut self, bytes: &[u8], permission: Permission) -> Handled {
        if bytes.len() > self.max_request_bytes {
            return Handled::refused(&RequestError::TooLarge {
                size: bytes.len(),
                limit: self.max_request_bytes,
            });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => self.handle_text_as(text, permission),
            Err(_) => Handled::refused(&RequestError::InvalidUtf8),
        }
    }

    /// Answers one request text.
    pub fn handle_text(&mut self, text: &str) -> Handled {
        self.handle_text_as(text, Permission::ReadWrite)
    }

    fn handle_text_as(&mut self, text: &str, permission: Permission) -> Handled {
        let request = match Request::parse(text) {
            Ok(Request::Seed(command) | Request::Tagged { command, .. })
                if permission == Permission::ReadOnly && command.is_change() =>
            {
                return Handled::refused(&RequestError::ReadOnly);
            }
            Ok(request) => request,
            Err(error) => return Handled::refused(&error),
        };
        match request {
            Request::Seed(command) => self.execute(&command, None),
            Request::Hello => {
                let mut features: Vec<(&str, &str)> = self
                    .features
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                if permission == Permission::ReadOnly {
                    features.push((protocol::ACCESS_FEATURE, protocol::ACCESS_READ_ONLY));
                }
                Handled::answer(Outcome::ok(protocol::hello_reply(&features)))
            }
            Request::Snapshot => Handled::answer(self.snapshot_reply()),
            Request::Status => Handled::answer(Outcome::ok(self.status().to_string())),
            Request::Tagged { tag, command } => self.execute(&command, Some(&tag)),
        }
    }

    /// Carries out one command through the store; `mostrar` is answered from the shared
    /// rendering of the list's version (and, tagged, recorded as a read).
    fn execute(&mut self, command: &Command, tag: Option<&RequestTag>) -> Handled {
        if !matches!(command, Command::Show) {
            let executed = self.backend.execute(command, tag, &self.limits);
            return Handled {
                outcome: executed.outcome,
                effect: executed.effect.map(|(_, effect)| effect),
            };
        }
        if let Some(tag) = tag
            && let Some(outcome) = self.backend.recall(tag)
        {
            return Handled::answer(outcome);
        }
        let outcome = self.show_reply();
        if let Some(tag) = tag {
            self.backend.remember_read(tag, &outcome);
        }
        Handled::answer(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::live;

    fn service() -> ListService {
        ListService::new(RemoteList::default(), 64)
    }

    fn reply(service: &mut ListService, text: &str) -> String {
        service.handle_text(text).outcome.text.as_str().to_owned()
    }

    #[test]
    fn changes_over_the_limits_are_refused_and_reads_still_work() {
        let mut s = service();
        s.set_limits(Limits {
            max_elements: 2,
            max_element_bytes: 5,
            max_list_bytes: 1000,
        });
        assert_eq!(
            reply(&mut s, "append abcdef"),
            "Erro: o elemento tem 6 bytes; o máximo deste servidor é 5 bytes."
        );
        assert_eq!(
            reply(&mut s, "insert 0 abcdef"),
            "Erro: o elemento tem 6 bytes; o máximo deste servidor é 5 bytes."
        );
        reply(&mut s, "append a");
        reply(&mut s, "append b");
        let full = s.handle_text("insert 0 c");
        assert!(full.outcome.is_error);
        assert!(
            full.outcome
                .text
                .starts_with("Erro: a lista já tem 2 elementos")
        );
        assert_eq!(reply(&mut s, "remover a"), "Elemento 'a' removido.");
        assert_eq!(
            reply(&mut s, "append abcde"),
            "Elemento 'abcde' adicionado."
        );
        assert_eq!(reply(&mut s, "mostrar"), "['b', 'abcde']");
    }

    /// The shared rendering a reply is the tail of, if any.
    fn rendering_of(handled: &Handled) -> Option<Arc<String>> {
        handled
            .outcome
            .text
            .shared_parts()
            .map(|(whole, _)| whole.clone())
    }

    #[test]
    fn one_rendering_per_version_serves_every_show_and_snapshot_until_a_change() {
        let mut s = service();
        reply(&mut s, "append a");
        reply(&mut s, "append it's");
        let first = s.handle_text("mostrar");
        let second = s.handle_text("mostrar");
        let snapshot = s.handle_text("zlist.snapshot");
        assert_eq!(first.outcome.text, "['a', \"it's\"]");
        assert_eq!(second.outcome.text, first.outcome.text);
        let rendering = rendering_of(&first).expect("a shared reply");
        for other in [&second, &snapshot] {
            let shared = rendering_of(other).expect("a shared reply");
            assert!(Arc::ptr_eq(&rendering, &shared), "rendered once");
        }
        assert_eq!(
            snapshot.outcome.text.as_str(),
            live::snapshot_reply(s.epoch(), 2, &s.list().to_vec())
        );
        // A read or a refusal keeps it; a change makes a new one.
        reply(&mut s, "pesquisar a");
        reply(&mut s, "remover zz");
        let again = s.handle_text("mostrar");
        assert!(Arc::ptr_eq(&rendering, &rendering_of(&again).unwrap()));
        reply(&mut s, "remover a");
        let changed = s.handle_text("mostrar");
        assert_eq!(changed.outcome.text, "[\"it's\"]");
        assert!(!Arc::ptr_eq(&rendering, &rendering_of(&changed).unwrap()));
        drop((first, second, snapshot, again));
        assert_eq!(
            Arc::strong_count(&rendering),
            1,
            "the service let go of the old one"
        );
    }

    #[test]
    fn past_the_list_byte_cap_changes_are_refused_in_words_and_reads_go_on() {
        let mut s = service();
        s.set_limits(Limits {
            max_list_bytes: 10,
            ..Limits::default()
        });
        assert_eq!(
            reply(&mut s, "append abcdef"),
            "Elemento 'abcdef' adicionado."
        );
        let refused = s.handle_text("insert 0 abcde");
        assert!(refused.outcome.is_error);
        assert_eq!(
            refused.outcome.text,
            "Erro: a lista já tem 6 bytes e o elemento tem 5; o máximo deste servidor é 10 \
             bytes; remova algum antes de acrescentar."
        );
        assert_eq!(refused.effect, None);
        assert_eq!(reply(&mut s, "append 1234"), "Elemento '1234' adicionado.");
        assert!(reply(&mut s, "append x").starts_with("Erro: a lista já tem 10 bytes"));
        assert_eq!(reply(&mut s, "mostrar"), "['abcdef', '1234']");
        assert_eq!(reply(&mut s, "pesquisar 1234"), "Encontrado");
        assert_eq!(
            reply(&mut s, "remover abcdef"),
            "Elemento 'abcdef' removido."
        );
        assert_eq!(reply(&mut s, "append xyz"), "Elemento 'xyz' adicionado.");
        let status = ServerStatus::parse(&reply(&mut s, "zlist.status")).unwrap();
        assert_eq!((status.bytes, status.max_bytes), (7, Some(10)));
    }

    #[test]
    fn the_default_list_byte_cap_is_a_quarter_of_memtotal() {
        let meminfo = "MemTotal:       16314640 kB\nMemFree:         1000 kB\n";
        assert_eq!(mem_total_bytes(meminfo), Some(16_314_640 * 1024));
        assert_eq!(mem_total_bytes("MemTotal: lots\n"), None);
        assert_eq!(mem_total_bytes("MemTotal: 12 MB\n"), None);
        assert_eq!(mem_total_bytes(""), None);
        let default = default_max_list_bytes();
        match std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| mem_total_bytes(&t))
        {
            Some(total) => assert_eq!(default, total / 4),
            None => assert_eq!(default, FALLBACK_MAX_LIST_BYTES),
        }
    }

    #[test]
    fn a_repeated_tag_is_answered_again_but_applied_once() {
        let mut s = service();
        let first = reply(&mut s, "zlist.req c1:1 append x");
        let again = reply(&mut s, "zlist.req c1:1 append x");
        assert_eq!(first, "Elemento 'x' adicionado.");
        assert_eq!(again, first);
        assert_eq!(s.list().to_vec(), ["x"]);
        reply(&mut s, "zlist.req c1:2 append x");
        assert_eq!(s.list().to_vec(), ["x", "x"]);
    }

    #[test]
    fn clients_have_separate_sequences() {
        let mut s = service();
        reply(&mut s, "zlist.req a:1 append x");
        reply(&mut s, "zlist.req b:1 append y");
        assert_eq!(s.list().to_vec(), ["x", "y"]);
    }

    #[test]
    fn a_stale_tag_is_refused_and_not_applied() {
        let mut s = service();
        reply(&mut s, "zlist.req a:5 append x");
        let stale = s.handle_text("zlist.req a:4 append y");
        assert!(stale.outcome.is_error);
        assert!(stale.outcome.text.starts_with("Erro: o pedido a:4"));
        assert_eq!(s.list().to_vec(), ["x"]);
    }

    #[test]
    fn frames_that_are_not_one_utf8_text_get_one_error_reply() {
        let mut s = service();
        let multi = s.handle_frames(&[b"append".as_slice(), b"x"]);
        assert_eq!(
            multi.outcome.text,
            "Erro: a mensagem tem 2 partes; envie o comando numa única parte."
        );
        let bad = s.handle_frames(&[&[0xff_u8, 0xfe][..]]);
        assert_eq!(
            bad.outcome.text,
            "Erro: a mensagem não é texto UTF-8 válido."
        );
        let big = s.handle_bytes(&[b'a'; 65]);
        assert_eq!(
            big.outcome.text,
            "Erro: a mensagem tem 65 bytes; o limite é 64 bytes."
        );
        assert!(multi.outcome.is_error && bad.outcome.is_error && big.outcome.is_error);
        assert!(s.list().is_empty());
    }

    #[test]
    fn hello_announces_zlist_and_its_features() {
        let mut s = service();
        s.announce("pub", "tcp://127.0.0.1:1235");
        let hello = reply(&mut s, "zlist.hello");
        assert!(hello.starts_with("zlist.ok 1 zlist/"), "{hello}");
        assert!(
            hello.ends_with(" tags=1 pub=tcp://127.0.0.1:1235"),
            "{hello}"
        );
    }

    #[test]
    fn status_counts_requests_errors_elements_and_bytes() {
        let mut s = service();
        s.set_access("token");
        s.set_peers(3, Some(1));
        for text in ["append ab", "append çd", "mostrar", "bogus", "remover zz"] {
            s.handle_frames(&[text.as_bytes()]);
        }
        s.handle_frames::<&[u8]>(&[]);
        let handled = s.handle_frames(&[b"zlist.status"]);
        assert!(!handled.outcome.is_error);
        assert_eq!(handled.effect, None, "asking changes nothing");
        let status = ServerStatus::parse(&handled.outcome.text).unwrap();
        assert_eq!(status.server, concat!("zlist/", env!("CARGO_PKG_VERSION")));
        assert_eq!((status.clients, status.subscribers), (3, Some(1)));
        assert_eq!((status.elements, status.bytes), (2, 5), "ç is 2 bytes");
        assert_eq!(status.changes, 2);
        assert_eq!((status.requests, status.errors), (6, 3));
        assert_eq!(
            (status.storage.as_str(), status.access.as_str()),
            ("memory", "token")
        );
        assert!(status.uptime < Duration::from_secs(60));
    }

    #[test]
    fn the_version_counts_applied_changes_and_the_snapshot_carries_it() {
        let mut s = service();
        assert_eq!(s.version(), 0);
        reply(&mut s, "append a");
        reply(&mut s, "remover zz");
        reply(&mut s, "insert 9 x");
        reply(&mut s, "mostrar");
        reply(&mut s, "zlist.req c:1 append b");
        reply(&mut s, "zlist.req c:1 append b");
        assert_eq!(s.version(), 2, "refusals, reads and repeats change nothing");
        let snapshot = live::parse_snapshot_reply(&reply(&mut s, "zlist.snapshot")).unwrap();
        assert_eq!(snapshot.epoch, s.epoch());
        assert_eq!(snapshot.version, 2);
        assert_eq!(snapshot.items, ["a", "b"]);
        assert_ne!(service().epoch(), s.epoch(), "every run has its own epoch");
    }

    fn disk_service(dir: &std::path::Path) -> ListService {
        let (store, recovered) =
            Store::open(&crate::net::store::DiskOptions::new(dir)).expect("store opens");
        ListService::with_store(store, recovered, RemoteList::default(), 64).expect("loads")
    }

    #[test]
    fn a_change_that_cannot_be_journaled_is_refused_unapplied_and_reads_still_work() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = disk_service(dir.path());
        reply(&mut s, "append antes");
        if let Some(store) = s.backend.store_mut() {
            store.break_journal_for_test();
        }
        let first = s.handle_text("append x").outcome.text;
        assert!(
            first.starts_with(
                "Erro: não foi possível gravar a alteração no disco (Bad file descriptor"
            ),
            "{first}"
        );
        for request in [
            "append x",
            "zlist.req c:1 append y",
            "limpar",
            "ordenar_desc",
        ] {
            let handled = s.handle_text(request);
            assert!(handled.outcome.is_error, "{request}");
            assert!(
                handled
                    .outcome
                    .text
                    .starts_with("Erro: não foi possível gravar a alteração no disco ("),
                "{}",
                handled.outcome.text
            );
            assert!(
                handled.outcome.text.ends_with("); nada foi alterado."),
                "{}",
                handled.outcome.text
            );
            assert_eq!(handled.effect, None);
        }
        assert_eq!(reply(&mut s, "mostrar"), "['antes']");
        assert_eq!(reply(&mut s, "pesquisar antes"), "Encontrado");
        // A refusal that needs no write is still the seed's reply.
        assert_eq!(reply(&mut s, "remover z"), "Elemento 'z' não encontrado.");
        // The failed tagged request was not remembered: its retry, once the disk works
        // again (here: after a restart), is applied.
        drop(s);
        let mut s = disk_service(dir.path());
        assert_eq!(
            reply(&mut s, "zlist.req c:1 append y"),
            "Elemento 'y' adicionado."
        );
        assert_eq!(s.list().to_vec(), ["antes", "y"]);
    }

    #[test]
    fn a_tagged_change_is_recognised_after_a_restart_from_the_journal_or_a_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = disk_service(dir.path());
        assert_eq!(
            reply(&mut s, "zlist.req c:7 append x"),
            "Elemento 'x' adicionado."
        );
        // Killed: no snapshot, the journal has it.
        drop(s);
        let mut s = disk_service(dir.path());
        assert_eq!(
            reply(&mut s, "zlist.req c:7 append x"),
            "Elemento 'x' adicionado."
        );
        assert_eq!(s.list().to_vec(), ["x"]);
        assert!(reply(&mut s, "zlist.req c:6 append z").starts_with("Erro: o pedido c:6"));
        reply(&mut s, "zlist.req c:8 insert 0 w");
        // Stopped cleanly: a snapshot has it.
        s.close().unwrap();
        let mut s = disk_service(dir.path());
        assert_eq!(
            reply(&mut s, "zlist.req c:8 insert 0 w"),
            "Elemento 'w' inserido na posição 0."
        );
        assert_eq!(s.list().to_vec(), ["w", "x"]);
    }

    #[test]
    fn a_new_data_directory_starts_with_the_initial_list_and_a_used_one_ignores_it() {
        let dir = tempfile::tempdir().unwrap();
        let open = |initial: &[&str]| {
            let (store, recovered) =
                Store::open(&crate::net::store::DiskOptions::new(dir.path())).unwrap();
            let initial = RemoteList::from_items(initial.iter().map(|&x| x.to_owned()).collect());
            ListService::with_store(store, recovered, initial, 64).unwrap()
        };
        let s = open(&["a", "b"]);
        assert_eq!(s.list().to_vec(), ["a", "b"]);
        drop(s);
        let s = open(&["other"]);
        assert_eq!(s.list().to_vec(), ["a", "b"]);
    }
}
