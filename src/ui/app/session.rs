//! The session with a server: the client engine, the requests waiting for replies, the
//! refresh and live policy, and what the engine reports. It never draws and never words a
//! message: what the user should hear of comes out as typed [`Notice`]s, which the app
//! words in the user's language.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};

use crate::net::client::{
    self, ClientEvent, ClientHandle, ClientOptions, ConnectionState, LiveState, NotLive, Reply,
    RequestFailure, RequestId,
};
use crate::net::curve::{ClientKeys, CurveKey, KeyPair};
use crate::net::list::Effect;
use crate::net::protocol::{self, Command, ServerKind};
use crate::ui::app::history::History;
use crate::ui::app::notice::Notice;
use crate::ui::connection_bar::Link;
use crate::ui::list_table::ListView;
use crate::ui::paste::PasteJob;
use crate::ui::server_info::{NextAsk, ServerInfo};
use crate::ui::settings::Settings;

mod edits;

/// Engine events handled per frame at most; the rest wait for the next frame, so a flood
/// (a bulk paste's replies) never makes one frame slow.
const EVENTS_PER_FRAME: usize = 5_000;

/// How long this app waits for its own change's live update before it forgets the change.
const OWN_CHANGE_WAIT: Duration = Duration::from_secs(10);

/// How many of this app's oldest changes an update is compared with.
const OWN_CHANGES_LOOKED_AT: usize = 256;

/// A running client engine.
struct Client {
    handle: ClientHandle,
    events: Receiver<ClientEvent>,
    /// Connected to the embedded server (not remembered as a recent endpoint).
    local: bool,
    /// The server's key, when the connection is encrypted.
    server_key: Option<CurveKey>,
}

/// Which server key a connection encrypts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encryption {
    /// The key typed in the Server key field (pinned), or none when it is empty.
    Typed,
    /// This key: remembered, just trusted, or the embedded server's own.
    Key(CurveKey),
    /// None: a server that does not encrypt.
    Plain,
}

/// The engine's options for `endpoint`, from the settings: timeouts, token, and CURVE keys
/// as `encryption` says (a token goes inside CURVE when both are set).
pub(crate) fn client_options(
    settings: &Settings,
    endpoint: &str,
    encryption: Encryption,
) -> anyhow::Result<ClientOptions> {
    let server = match encryption {
        Encryption::Typed => typed_key(settings)?,
        Encryption::Key(key) => Some(key),
        Encryption::Plain => None,
    };
    let curve = match server {
        Some(server) => Some(ClientKeys {
            server,
            own: own_keys(settings)?,
        }),
        None => None,
    };
    Ok(ClientOptions {
        endpoint: endpoint.to_owned(),
        timeout: Duration::from_millis(settings.timeout_ms),
        tries: settings.tries,
        token: crate::net::access::Token::new(&settings.token),
        curve,
        live: true,
    })
}

/// The server key typed in the settings (Z85 text or a key file), `None` when empty.
fn typed_key(settings: &Settings) -> anyhow::Result<Option<CurveKey>> {
    let server_key = settings.server_key.trim();
    if server_key.is_empty() {
        return Ok(None);
    }
    Ok(Some(CurveKey::from_text_or_file(server_key)?))
}

/// This client's key pair: from its key file, or a new one.
fn own_keys(settings: &Settings) -> anyhow::Result<KeyPair> {
    let key_file = settings.key_file.trim();
    Ok(if key_file.is_empty() {
        KeyPair::generate()?
    } else {
        KeyPair::from_secret_file(std::path::Path::new(key_file))?
    })
}

/// The client engine and everything known about the server through it.
pub(crate) struct Session {
    /// Asked for a repaint when there is more to do in a later frame.
    ctx: egui::Context,
    client: Option<Client>,
    link: Link,
    server_kind: Option<ServerKind>,
    round_trip: Option<Duration>,
    /// The server that answered last (the engine's endpoint in use).
    answered_by: Option<String>,
    /// Requests sent and not answered yet, with their commands.
    pending: BTreeMap<RequestId, Option<Command>>,
    /// A change succeeded: fetch the list once no other change is waiting.
    refresh_wanted: bool,
    /// The user asked for this `mostrar`: say so when the list arrives.
    user_refresh: Option<RequestId>,
    /// The user asked for a fresh snapshot of the live list: say so when it arrives.
    user_resync: bool,
    /// Whether the list follows the server live, as the engine last said.
    live: Option<LiveState>,
    /// Whether the list was announced as live, since connecting.
    live_announced: bool,
    /// When the list last arrived whole (for the automatic refresh without live updates).
    last_refresh_at: Option<Instant>,
    /// The list as the server sent it, with the table's view of it.
    list: ListView,
    /// The server's reply to the last search.
    last_search: Option<String>,
    /// A bulk paste's appends, while they are answered.
    paste: Option<PasteJob>,
    /// The server status window (`zlist.status`), open or not.
    server_info: ServerInfo,
    /// What happened since the app last took them.
    notices: Vec<Notice>,
    /// This app's changes whose live update has not come yet, oldest first: an update
    /// that matches none of them is another client's, and its row is highlighted.
    own_changes: VecDeque<(RequestId, Command, Instant)>,
    /// This app's changes, for undo and redo.
    history: History,
    /// The history entry the changes sent now belong to (one user action of several
    /// requests: a multi-row delete); `None`: each change is an entry of its own.
    action: Option<u64>,
}

impl Session {
    /// No engine yet; `ctx` is woken when the engine reports.
    pub(crate) fn new(ctx: &egui::Context) -> Self {
        Self {
            ctx: ctx.clone(),
            client: None,
            link: Link::Idle,
            server_kind: None,
            round_trip: None,
            answered_by: None,
            pending: BTreeMap::new(),
            refresh_wanted: false,
            user_refresh: None,
            user_resync: false,
            live: None,
            live_announced: false,
            last_refresh_at: None,
            list: ListView::default(),
            last_search: None,
            paste: None,
            server_info: ServerInfo::default(),
            notices: Vec::new(),
            own_changes: VecDeque::new(),
            history: History::default(),
            action: None,
        }
    }

    // ---- What the app reads --------------------------------------------------------------

    /// Whether an engine runs (requests can be sent).
    pub(crate) fn is_connected(&self) -> bool {
        self.client.is_some()
    }

    /// Whether the engine runs against the embedded server.
    pub(crate) fn is_local(&self) -> bool {
        self.client.as_ref().is_some_and(|c| c.local)
    }

    /// The engine's endpoint, normalized, while it runs.
    pub(crate) fn endpoint(&self) -> Option<&str> {
        self.client.as_ref().map(|c| c.handle.endpoint())
    }

    /// The server that answered last, when the engine has several to fail over between.
    pub(crate) fn server_in_use(&self) -> Option<&str> {
        let several = self
            .client
            .as_ref()
            .is_some_and(|c| c.handle.endpoints().len() > 1);
        self.answered_by.as_deref().filter(|_| several)
    }

    /// The connection as the status light shows it.
    pub(crate) fn link(&self) -> Link {
        self.link
    }

    /// The kind of server, once known.
    pub(crate) fn server_kind(&self) -> Option<&ServerKind> {
        self.server_kind.as_ref()
    }

    /// Whether the server admitted this client to read only (its read-only token).
    pub(crate) fn is_read_only(&self) -> bool {
        self.server_kind
            .as_ref()
            .is_some_and(ServerKind::is_read_only)
    }

    /// Whether the list follows the server live, once the engine said.
    pub(crate) fn live(&self) -> Option<&LiveState> {
        self.live.as_ref()
    }

    /// The server's key, while the engine runs encrypted.
    pub(crate) fn server_key(&self) -> Option<CurveKey> {
        self.client.as_ref().and_then(|c| c.server_key)
    }

    /// The last reply's round trip.
    pub(crate) fn round_trip(&self) -> Option<Duration> {
        self.round_trip
    }

    /// Requests waiting for replies (the server status window's are not counted).
    pub(crate) fn pending(&self) -> usize {
        self.pending.len()
    }

    /// A bulk paste's (done, total), while one runs.
    pub(crate) fn paste_progress(&self) -> Option<(usize, usize)> {
        self.paste.as_ref().map(PasteJob::progress)
    }

    /// The list shown.
    pub(crate) fn list(&self) -> &ListView {
        &self.list
    }

    /// The list shown, for the table (selection, filter) and the benchmarks.
    pub(crate) fn list_mut(&mut self) -> &mut ListView {
        &mut self.list
    }

    /// The server's reply to the last search.
    pub(crate) fn last_search(&self) -> Option<&str> {
        self.last_search.as_deref()
    }

    /// The server status window.
    pub(crate) fn server_info(&self) -> &ServerInfo {
        &self.server_info
    }

    /// The server status window, to draw it.
    pub(crate) fn server_info_mut(&mut self) -> &mut ServerInfo {
        &mut self.server_info
    }

    /// Takes what happened since the last call, oldest first.
    pub(crate) fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    /// Whether changes arrive as live updates (so the list is not fetched after each).
    fn is_following(&self) -> bool {
        self.live.as_ref().is_some_and(LiveState::is_following)
    }

    fn notify(&mut self, notice: Notice) {
        self.notices.push(notice);
    }

    // ---- What the app asks -----------------------------------------------------------------

    /// Starts an engine with `options` (stopping the one before) and asks for the list.
    pub(crate) fn connect(&mut self, options: ClientOptions, local: bool) {
        self.disconnect();
        let ctx = self.ctx.clone();
        let server_key = options.curve.as_ref().map(|curve| curve.server);
        match client::spawn(options, Box::new(move || ctx.request_repaint())) {
            Ok((handle, events)) => {
                let endpoint = handle.endpoint().to_owned();
                self.client = Some(Client {
                    handle,
                    events,
                    local,
                    server_key,
                });
                self.link = Link::Engine(ConnectionState::Connecting);
                self.notify(Notice::Connecting {
                    endpoint,
                    encrypted: server_key.is_some(),
                });
                self.send(Command::Show);
            }
            Err(client::ClientError::Endpoint(error)) => {
                self.notify(Notice::BadEndpoint(error.to_string()));
            }
            Err(error) => self.notify(Notice::ClientFailed(error.to_string())),
        }
    }

    /// Stops the engine (joining its thread) and forgets everything it reported.
    pub(crate) fn disconnect(&mut self) {
        self.client = None;
        self.link = Link::Idle;
        self.server_kind = None;
        self.round_trip = None;
        self.answered_by = None;
        self.pending.clear();
        self.refresh_wanted = false;
        self.user_refresh = None;
        self.user_resync = false;
        self.live = None;
        self.live_announced = false;
        self.last_refresh_at = None;
        self.paste = None;
        self.last_search = None;
        self.own_changes.clear();
        self.history.clear();
        self.list.forget();
        self.server_info.forget();
    }

    /// Whether there is a change of this app's to undo.
    pub(crate) fn can_undo(&self) -> bool {
        self.history.can_undo()
    }

    /// Whether there is an undone change to redo.
    pub(crate) fn can_redo(&self) -> bool {
        self.history.can_redo()
    }

    /// Sends a request; without an engine, says that a connection is needed. A change is
    /// the user's: kept for undo once its live update shows what it did.
    pub(crate) fn send(&mut self, command: Command) -> Option<RequestId> {
        let change = command.is_change();
        let id = self.send_untracked(command)?;
        if change && self.is_following() {
            let entry = match self.action {
                Some(entry) => entry,
                None => self.history.new_entry(),
            };
            self.history.sent(id, entry);
        }
        Some(id)
    }

    /// Sends a request that the history does not keep (an undo's or redo's).
    fn send_untracked(&mut self, command: Command) -> Option<RequestId> {
        let Some(client) = &self.client else {
            self.notify(Notice::NeedConnection);
            return None;
        };
        if command.is_change() && self.is_read_only() {
            self.notify(Notice::ReadOnly);
            return None;
        }
        let id = client.handle.send(command.clone());
        self.note_own_change(id, &command);
        self.pending.insert(id, Some(command));
        Some(id)
    }

    /// The user's refresh: live, a fresh versioned snapshot (so that updates keep applying
    /// on top of it); otherwise `mostrar`. Either way, says so when the list arrives.
    pub(crate) fn refresh(&mut self) {
        if let Some(client) = &self.client
            && self.is_following()
        {
            client.handle.resync();
            self.user_resync = true;
        } else {
            self.user_refresh = self.send(Command::Show);
        }
    }

    /// Appends every line, as one paste whose progress the status line shows (and one
    /// change to undo).
    pub(crate) fn start_paste(&mut self, lines: &[String]) {
        if self.is_read_only() {
            self.notify(Notice::ReadOnly);
            return;
        }
        let ids = self.paste(lines);
        if self.is_following() && !ids.is_empty() {
            let entry = self.history.new_entry();
            for id in ids {
                self.history.sent(id, entry);
            }
        }
    }

    /// Sends the appends of a paste; returns their request ids.
    fn paste(&mut self, lines: &[String]) -> Vec<RequestId> {
        let Some(client) = &self.client else {
            return Vec::new();
        };
        if lines.is_empty() {
            return Vec::new();
        }
        let mut ids = Vec::with_capacity(lines.len());
        for line in lines {
            let command = Command::Append(line.clone());
            let id = client.handle.send(command.clone());
            if self.is_following() {
                self.own_changes
                    .push_back((id, command.clone(), Instant::now()));
            }
            self.pending.insert(id, Some(command));
            ids.push(id);
        }
        self.paste = Some(PasteJob::new(ids.clone()));
        if let Some(line) = lines.iter().find(|l| l.split_whitespace().nth(1).is_some()) {
            self.warn_if_seed_keeps_first_word(line);
        }
        ids
    }

    /// Drops the appends still queued (the paste then ends with what was answered).
    pub(crate) fn cancel_paste(&mut self) {
        if let Some(client) = &self.client {
            client.handle.cancel_queued();
        }
    }

    /// The seed's server stores only the first word of an element: says so.
    pub(crate) fn warn_if_seed_keeps_first_word(&mut self, element: &str) {
        if self.server_kind == Some(ServerKind::Seed) && element.split_whitespace().nth(1).is_some()
        {
            self.notify(Notice::SeedKeepsFirstWord(element.to_owned()));
        }
    }

    /// Opens the server status window and asks at once (when connected).
    pub(crate) fn open_server_status(&mut self) {
        self.server_info.open();
        self.poll_server_status();
    }

    /// Asks the server status window's question again now.
    pub(crate) fn refresh_server_status(&mut self) {
        self.server_info.refresh();
        self.poll_server_status();
    }

    // ---- Each frame ----------------------------------------------------------------------

    /// Handles what the engine reported since the last frame, then what follows from it:
    /// the paste's end, the refresh after changes, the automatic refresh every
    /// `auto_refresh` without live updates, the server status window's next question.
    pub(crate) fn update(&mut self, auto_refresh: Option<Duration>) {
        self.drain_events();
        if let Some(job) = &self.paste
            && job.is_done()
        {
            let (appended, failed, cancelled) = job.counts();
            self.paste = None;
            self.refresh_wanted = !self.is_following();
            self.notify(Notice::PasteDone {
                appended,
                failed,
                cancelled,
            });
        }
        self.refresh_after_changes();
        if let Some(period) = auto_refresh {
            self.auto_refresh(period);
        }
        self.poll_server_status();
    }

    fn drain_events(&mut self) {
        let mut events = Vec::new();
        let mut gone = false;
        if let Some(client) = &self.client {
            while events.len() < EVENTS_PER_FRAME {
                match client.events.try_recv() {
                    Ok(event) => events.push(event),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        gone = true;
                        break;
                    }
                }
            }
            if events.len() == EVENTS_PER_FRAME {
                self.ctx.request_repaint();
            }
        }
        for event in events {
            self.on_event(event);
        }
        if gone {
            self.disconnect();
            self.notify(Notice::ClientGone);
        }
    }

    /// A change succeeded: fetch the list once no other change (and no `mostrar`) waits.
    fn refresh_after_changes(&mut self) {
        if !self.refresh_wanted || self.client.is_none() {
            return;
        }
        let change_waiting = self
            .pending
            .values()
            .any(|c| c.as_ref().is_some_and(Command::is_change));
        if !change_waiting && !self.show_waiting() {
            self.refresh_wanted = false;
            self.send(Command::Show);
        }
    }

    fn show_waiting(&self) -> bool {
        self.pending.values().any(|c| *c == Some(Command::Show))
    }

    /// Without live updates, fetches the list every `period`.
    fn auto_refresh(&mut self, period: Duration) {
        if self.client.is_none() || self.server_kind.is_none() || self.is_following() {
            return;
        }
        let now = Instant::now();
        let since = self.last_refresh_at.map(|at| now.duration_since(at));
        if since.is_none_or(|since| since >= period) {
            if !self.show_waiting() {
                self.send(Command::Show);
            }
            self.last_refresh_at = Some(now);
            self.ctx.request_repaint_after(period);
        } else if let Some(since) = since {
            self.ctx.request_repaint_after(period.saturating_sub(since));
        }
    }

    /// While the server status window is open, asks for the status every
    /// [`crate::ui::server_info::PERIOD`], one request at a time; closed, asks nothing.
    fn poll_server_status(&mut self) {
        let Some(client) = &self.client else {
            return;
        };
        let now = Instant::now();
        match self.server_info.next_ask(now) {
            // Kept out of `pending`: it never shows in the status line.
            NextAsk::Now if !self.server_info.is_asking() => {
                let id = client.handle.send_text(protocol::STATUS);
                self.server_info.asked(id, now);
            }
            NextAsk::Now | NextAsk::Idle => {}
            NextAsk::After(wait) => self.ctx.request_repaint_after(wait),
        }
    }

    fn on_event(&mut self, event: ClientEvent) {
        match event {
            // The server status window's requests: to the window, never the status line.
            ClientEvent::Reply(reply)
                if reply.command.is_none() && self.server_info.owns(reply.id, &reply.request) =>
            {
                self.round_trip = Some(reply.round_trip);
                self.answered_by = Some(reply.endpoint.clone());
                self.server_info
                    .answered(reply.id, &reply.text, Instant::now());
            }
            ClientEvent::Failed { id, request, error } if self.server_info.owns(id, &request) => {
                self.server_info.failed(id, error);
            }
            ClientEvent::Reply(reply) => self.on_reply(reply),
            ClientEvent::Failed { id, request, error } => {
                self.pending.remove(&id);
                if self.history.failed(id) {
                    self.notify(Notice::UndoDropped);
                }
                if let Some(job) = &mut self.paste {
                    job.answered(id, false);
                }
                if matches!(error, RequestFailure::ChangeNotRetried { .. }) {
                    self.refresh_wanted = true;
                }
                if error != RequestFailure::Stopped {
                    self.notify(Notice::RequestFailed { request, error });
                }
            }
            ClientEvent::Cancelled(ids) => {
                self.server_info.cancelled(&ids);
                for id in &ids {
                    self.pending.remove(id);
                }
                if let Some(job) = &mut self.paste {
                    job.cancelled(&ids);
                }
            }
            ClientEvent::List { id, items } => {
                self.pending.remove(&id);
                let len = items.len();
                // A live list is current already; a `mostrar` reply may be older or newer
                // than the updates applied to it, so it must not replace it.
                if self.live != Some(LiveState::Live) {
                    self.list.set_items(items);
                    self.last_refresh_at = Some(Instant::now());
                }
                if self.user_refresh == Some(id) {
                    self.user_refresh = None;
                    self.notify(Notice::ListRefreshed(len));
                }
            }
            ClientEvent::Snapshot { items, .. } => {
                let len = items.len();
                self.list.set_items(items);
                self.last_refresh_at = Some(Instant::now());
                if std::mem::take(&mut self.user_resync) {
                    self.notify(Notice::ListRefreshed(len));
                }
            }
            ClientEvent::Update { version, effect } => {
                let own = self.take_own_change(&effect);
                if let Some(id) = own {
                    self.history.record(id, &effect, self.list.items());
                }
                let theirs = own.is_none();
                let added_at = match &effect {
                    Effect::Append(_) => Some(self.list.items().len()),
                    Effect::Insert(index, _) => Some(*index),
                    _ => None,
                };
                match self.list.apply(effect) {
                    Ok(()) => {
                        if theirs && let Some(index) = added_at {
                            self.list.mark_changed_by_others(index, Instant::now());
                        }
                    }
                    Err(error) => {
                        self.notify(Notice::UpdateMisfit {
                            version,
                            error: error.to_string(),
                        });
                        if let Some(client) = &self.client {
                            client.handle.resync();
                        }
                    }
                }
            }
            ClientEvent::Live(state) => self.on_live(state),
            ClientEvent::Server(kind) => self.server_kind = Some(kind),
            ClientEvent::Switched {
                answered,
                unanswered,
            } => {
                self.answered_by = Some(answered.clone());
                self.notify(Notice::Switched {
                    answered,
                    unanswered,
                });
            }
            ClientEvent::Connection(state) => self.on_connection(state),
            ClientEvent::Debug(line) => self.notify(Notice::Trail(line)),
        }
    }

    fn on_connection(&mut self, state: ConnectionState) {
        let before = self.link;
        self.link = Link::Engine(state);
        match state {
            ConnectionState::Connected => {
                if let Some(client) = &self.client {
                    let local = client.local;
                    self.notify(Notice::Connected { local });
                }
            }
            ConnectionState::AuthFailed | ConnectionState::HandshakeFailed => {
                if before != self.link {
                    self.notify(Notice::Refused(state));
                }
            }
            ConnectionState::Connecting
            | ConnectionState::Disconnected
            | ConnectionState::Retrying
            | ConnectionState::Unreachable { .. } => {}
        }
    }

    fn on_live(&mut self, state: LiveState) {
        if self.is_following() && !state.is_following() {
            // Updates stopped: catch up by asking, as the seed does.
            self.refresh_wanted = true;
        }
        if let LiveState::Unavailable(why @ NotLive::Silent { .. }) = &state {
            self.notify(Notice::LiveUnavailable(why.clone()));
        }
        if state == LiveState::Live && !std::mem::replace(&mut self.live_announced, true) {
            self.notify(Notice::LiveOn);
        }
        self.live = Some(state);
    }

    /// Remembers a change this app sent, while the list is followed live, to tell its
    /// update from other clients' ones.
    fn note_own_change(&mut self, id: RequestId, command: &Command) {
        if command.is_change() && self.is_following() {
            self.own_changes
                .push_back((id, command.clone(), Instant::now()));
        }
    }

    /// Which of this app's own changes `effect` is, if one (which is then forgotten).
    /// Only the oldest few are looked at: this app's updates come in the order it sent
    /// them. Changes older than [`OWN_CHANGE_WAIT`] are forgotten (their update is lost).
    fn take_own_change(&mut self, effect: &Effect) -> Option<RequestId> {
        let now = Instant::now();
        while self
            .own_changes
            .front()
            .is_some_and(|(_, _, at)| now.saturating_duration_since(*at) > OWN_CHANGE_WAIT)
        {
            self.own_changes.pop_front();
        }
        let items = self.list.items();
        let found = self
            .own_changes
            .iter()
            .take(OWN_CHANGES_LOOKED_AT)
            .position(|(_, command, _)| is_effect_of(command, effect, items));
        found
            .and_then(|i| self.own_changes.remove(i))
            .map(|(id, _, _)| id)
    }

    fn on_reply(&mut self, reply: Reply) {
        self.round_trip = Some(reply.round_trip);
        if reply.tries > 0 {
            self.answered_by = Some(reply.endpoint.clone());
        }
        self.pending.remove(&reply.id);
        if reply.is_error || !self.is_following() {
            // No update will come for it.
            self.own_changes.retain(|(id, _, _)| *id != reply.id);
        }
        if reply.is_error && self.history.failed(reply.id) {
            self.notify(Notice::UndoDropped);
        }
        let in_paste = self
            .paste
            .as_mut()
            .is_some_and(|job| job.answered(reply.id, !reply.is_error));
        if reply.is_error && reply.text.starts_with(protocol::STALE_PREFIX) {
            // Planned on a list that has changed since: nothing was applied. Show the list
            // as it is now (live, it is already).
            if !self.is_following() {
                self.refresh_wanted = true;
            }
            self.notify(Notice::StaleRow { reply: reply.text });
            return;
        }
        if reply.is_error {
            self.notify(Notice::ErrorReply {
                request: reply.request,
                text: reply.text,
            });
            return;
        }
        match &reply.command {
            Some(Command::Show) => {}
            Some(Command::Search(element)) => {
                self.list.highlight(element);
                self.last_search = Some(reply.text.clone());
                let found = self.list.highlighted_rows().len();
                self.notify(Notice::Searched {
                    request: reply.request,
                    reply: reply.text,
                    found,
                });
            }
            Some(command) => {
                // Live, the change comes back as an update; otherwise fetch the list.
                if command.is_change() && !self.is_following() {
                    self.refresh_wanted = true;
                }
                if !in_paste {
                    self.notify(Notice::Changed {
                        request: reply.request,
                        reply: reply.text,
                    });
                }
            }
            None => self.notify(Notice::Answered {
                request: reply.request,
                reply: reply.text,
            }),
        }
    }
}

/// Whether `effect`, applied to `items`, is what `command` does: the same element added,
/// the element it names removed, the same sort, a clear.
fn is_effect_of(command: &Command, effect: &Effect, items: &[String]) -> bool {
    match (command, effect) {
        (Command::Append(sent), Effect::Append(added))
        | (Command::Insert { element: sent, .. }, Effect::Insert(_, added)) => {
            sent.trim() == added.trim()
        }
        (Command::Remove(sent), Effect::RemoveAt(index)) => items
            .get(*index)
            .is_some_and(|removed| removed.trim() == sent.trim()),
        (Command::RemoveAt { index, .. }, Effect::RemoveAt(removed)) => index == removed,
        (Command::ReplaceAt { index, element, .. }, Effect::Replace(replaced, new)) => {
            index == replaced && element == new
        }
        (Command::Move { from, to, .. }, Effect::Move(left, went)) => from == left && to == went,
        (Command::SortAscending, Effect::SortAscending)
        | (Command::SortDescending, Effect::SortDescending)
        | (Command::Clear, Effect::Clear) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_is_told_apart_as_this_apps_change_by_what_it_does() {
        let items = ["a".to_owned(), "b".to_owned()];
        let append = Command::Append("x".to_owned());
        assert!(is_effect_of(
            &append,
            &Effect::Append("x".to_owned()),
            &items
        ));
        assert!(!is_effect_of(
            &append,
            &Effect::Append("y".to_owned()),
            &items
        ));
        assert!(!is_effect_of(
            &append,
            &Effect::Insert(0, "x".to_owned()),
            &items
        ));
        let remove = Command::Remove("b".to_owned());
        assert!(is_effect_of(&remove, &Effect::RemoveAt(1), &items));
        assert!(!is_effect_of(&remove, &Effect::RemoveAt(0), &items));
        assert!(!is_effect_of(&remove, &Effect::RemoveAt(9), &items));
        assert!(is_effect_of(&Command::Clear, &Effect::Clear, &items));
        assert!(!is_effect_of(
            &Command::SortAscending,
            &Effect::SortDescending,
            &items
        ));
    }
}
