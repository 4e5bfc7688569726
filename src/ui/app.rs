//! The desktop app: state, the per-frame drain of the client engine's events, and the
//! layout that puts the small `*_ui` functions together. Widgets return intents; the app
//! turns them into commands for the client engine, which owns the socket. Nothing here
//! blocks on the network.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};
use tracing::Level;

use crate::net::client::{
    self, ClientEvent, ClientHandle, ClientOptions, ConnectionState, LiveState, NotLive, Reply,
    RequestFailure, RequestId,
};
use crate::net::curve::{ClientKeys, CurveKey, KeyPair};
use crate::net::protocol::{self, Command, Position, ServerKind};
use crate::net::status::ServerStatus;
use crate::ui::actions::{self, ActionInputs, ActionIntent, ActionsView};
use crate::ui::connection_bar::{self, BarView, ConnectionIntent, Link};
use crate::ui::console::{Console, ConsoleIntent, Source};
use crate::ui::embedded::LocalServer;
use crate::ui::export::{ExportFormat, ExportJob, ExportOutcome};
use crate::ui::i18n::Language;
use crate::ui::list_table::{ListView, TableIntent};
use crate::ui::log_capture::{self, LogFeed};
use crate::ui::paste::{self, PasteJob};
use crate::ui::server_info::{NextAsk, ServerInfo, ServerInfoIntent, ServerInfoView};
use crate::ui::settings::{AutoRefresh, Settings, ThemeChoice};
use crate::ui::shortcuts::{self, Shortcut};
use crate::ui::status::{self, Status, StatusIntent, StatusKind, StatusView};

/// Engine events handled per frame at most; the rest wait for the next frame, so a flood
/// (a bulk paste's replies) never makes one frame slow.
const EVENTS_PER_FRAME: usize = 5_000;
/// Captured log lines moved to the console per frame at most.
const LOG_LINES_PER_FRAME: usize = 2_000;

/// A running client engine.
struct Client {
    handle: ClientHandle,
    events: Receiver<ClientEvent>,
    /// Connected to the embedded server (not remembered as a recent endpoint).
    local: bool,
}

/// The zlist desktop app.
pub struct App {
    settings: Settings,
    os_language: Language,
    ctx: egui::Context,
    client: Option<Client>,
    link: Link,
    server_kind: Option<ServerKind>,
    round_trip: Option<Duration>,
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
    /// Whether the status line said the list is live, since connecting.
    live_announced: bool,
    /// When the list last arrived whole (for the automatic refresh without live updates).
    last_refresh_at: Option<Instant>,
    list: ListView,
    filter: String,
    focus_filter: bool,
    inputs: ActionInputs,
    last_search: Option<String>,
    console: Console,
    log_feed: Option<LogFeed>,
    status: Status,
    local: LocalServer,
    /// Where the embedded server keeps its list when asked to.
    local_data_dir: Option<std::path::PathBuf>,
    paste: Option<PasteJob>,
    /// The paste window's text, while it is open.
    paste_text: Option<String>,
    confirm_clear: bool,
    export: Option<ExportJob>,
    show_shortcuts: bool,
    show_about: bool,
    /// The server status window (`zlist.status`), open or not.
    server_info: ServerInfo,
    applied_theme: Option<ThemeChoice>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("settings", &self.settings)
            .field("link", &self.link)
            .field("pending", &self.pending.len())
            .field("items", &self.list.items().len())
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl App {
    /// The app as `zlist` opens it: settings from the last run, the console fed by the
    /// captured log.
    pub fn new(cc: &eframe::CreationContext<'_>, log_feed: Option<LogFeed>) -> Self {
        let settings = Settings::load(cc.storage);
        if let Some(feed) = &log_feed {
            let ctx = cc.egui_ctx.clone();
            feed.set_waker(move || ctx.request_repaint());
        }
        Self::with_settings(&cc.egui_ctx, settings, log_feed)
    }

    /// The app with the given settings, ignoring persistence (tests, benchmarks).
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn new_for_test(cc: &eframe::CreationContext<'_>, settings: Settings) -> Self {
        Self::with_settings(&cc.egui_ctx, settings, None)
    }

    pub(crate) fn with_settings(
        ctx: &egui::Context,
        settings: Settings,
        log_feed: Option<LogFeed>,
    ) -> Self {
        let os_language = Language::from_os();
        let language = settings.language.unwrap_or(os_language);
        Self {
            settings,
            os_language,
            ctx: ctx.clone(),
            client: None,
            link: Link::Idle,
            server_kind: None,
            round_trip: None,
            pending: BTreeMap::new(),
            refresh_wanted: false,
            user_refresh: None,
            user_resync: false,
            live: None,
            live_announced: false,
            last_refresh_at: None,
            list: ListView::default(),
            filter: String::new(),
            focus_filter: false,
            inputs: ActionInputs::default(),
            last_search: None,
            console: Console::default(),
            log_feed,
            status: Status {
                kind: StatusKind::Info,
                text: language.texts().ready.to_owned(),
            },
            local: LocalServer::default(),
            local_data_dir: crate::ui::embedded::default_data_dir(),
            paste: None,
            paste_text: None,
            confirm_clear: false,
            export: None,
            show_shortcuts: false,
            show_about: false,
            server_info: ServerInfo::default(),
            applied_theme: None,
        }
    }

    // ---- What tests and benchmarks read -------------------------------------------------

    /// The settings as they are now.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The language the UI speaks now.
    pub fn language(&self) -> Language {
        self.settings.language.unwrap_or(self.os_language)
    }

    /// The list as the server last sent it.
    pub fn list_items(&self) -> &[String] {
        self.list.items()
    }

    /// Whether a list arrived since connecting.
    pub fn has_list(&self) -> bool {
        self.list.has_list()
    }

    /// Indices of the rows highlighted by the last search.
    pub fn highlighted_rows(&self) -> Vec<usize> {
        self.list.highlighted_rows()
    }

    /// The selected row.
    pub fn selected_row(&self) -> Option<usize> {
        self.list.selected()
    }

    /// The status line.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The connection as the status light shows it.
    pub fn link(&self) -> Link {
        self.link
    }

    /// The kind of server, once known.
    pub fn server_kind(&self) -> Option<&ServerKind> {
        self.server_kind.as_ref()
    }

    /// Whether the list follows the server live, once the engine said.
    pub fn live_state(&self) -> Option<&LiveState> {
        self.live.as_ref()
    }

    /// Whether changes arrive as live updates (so the list is not fetched after each).
    fn is_following(&self) -> bool {
        self.live.as_ref().is_some_and(LiveState::is_following)
    }

    /// What the server last reported in the server status window, once it did.
    pub fn server_status(&self) -> Option<&ServerStatus> {
        self.server_info.status()
    }

    /// The server status window: open or not, its status, why there is none.
    pub fn server_info(&self) -> &ServerInfo {
        &self.server_info
    }

    /// Requests waiting for replies (the server status window's are not counted: they
    /// never show in the status line).
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }

    /// Whether a bulk paste runs.
    pub fn is_pasting(&self) -> bool {
        self.paste.is_some()
    }

    /// Whether the clear confirmation is open.
    pub fn is_confirming_clear(&self) -> bool {
        self.confirm_clear
    }

    /// The embedded server's address for local clients, when it runs.
    pub fn local_endpoint(&self) -> Option<String> {
        self.local.local_endpoint()
    }

    /// The console's lines as text (all levels).
    pub fn console_text(&mut self) -> String {
        self.console_text_at(crate::ui::settings::ConsoleLevel::Trace)
    }

    /// The console's lines as text, as the console shows them at `level`.
    pub fn console_text_at(&mut self, level: crate::ui::settings::ConsoleLevel) -> String {
        let language = self.language();
        self.console.visible_text(level, language)
    }

    /// Replaces the list shown, as if the server had sent it (benchmarks).
    pub(crate) fn show_list(&mut self, items: Vec<String>) {
        self.list.set_items(items);
    }

    /// The console, to fill it (benchmarks).
    pub(crate) fn console_mut(&mut self) -> &mut Console {
        &mut self.console
    }

    // ---- Messages ------------------------------------------------------------------------

    fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        let text = text.into();
        let level = match kind {
            StatusKind::Error => Level::ERROR,
            StatusKind::Warning => Level::WARN,
            StatusKind::Info | StatusKind::Success => Level::INFO,
        };
        if kind == StatusKind::Error {
            tracing::warn!(target: log_capture::APP_TARGET, "{text}");
        }
        self.console.note(level, &text);
        self.status = Status { kind, text };
    }

    // ---- The engine ------------------------------------------------------------------------

    fn connect(&mut self, endpoint: &str, local: bool) {
        self.disconnect_quietly();
        let language = self.language();
        // The embedded server does not encrypt: the key is for remote servers.
        let curve = if local { Ok(None) } else { self.curve_keys() };
        let curve = match curve {
            Ok(curve) => curve,
            Err(error) => {
                let text = format!("{}: {error:#}", language.texts().curve_key_error);
                self.set_status(StatusKind::Error, text);
                return;
            }
        };
        let options = ClientOptions {
            endpoint: endpoint.to_owned(),
            timeout: Duration::from_millis(self.settings.timeout_ms),
            tries: self.settings.tries,
            token: crate::net::access::Token::new(&self.settings.token),
            curve,
            live: true,
        };
        let ctx = self.ctx.clone();
        match client::spawn(options, Box::new(move || ctx.request_repaint())) {
            Ok((handle, events)) => {
                let normalized = handle.endpoint().to_owned();
                self.client = Some(Client {
                    handle,
                    events,
                    local,
                });
                self.link = Link::Engine(ConnectionState::Connecting);
                self.set_status(StatusKind::Info, language.connecting_to(&normalized));
                self.send(Command::Show);
            }
            Err(client::ClientError::Endpoint(error)) => {
                self.set_status(StatusKind::Error, language.bad_endpoint(&error.to_string()));
            }
            Err(error) => {
                self.set_status(
                    StatusKind::Error,
                    language.client_failed(&error.to_string()),
                );
            }
        }
    }

    /// The CURVE keys the settings ask for: none without a server key; this client's key
    /// file, or a new key pair.
    fn curve_keys(&self) -> anyhow::Result<Option<ClientKeys>> {
        let server_key = self.settings.server_key.trim();
        if server_key.is_empty() {
            return Ok(None);
        }
        let server = CurveKey::from_text_or_file(server_key)?;
        let key_file = self.settings.key_file.trim();
        let own = if key_file.is_empty() {
            KeyPair::generate()?
        } else {
            KeyPair::from_secret_file(std::path::Path::new(key_file))?
        };
        Ok(Some(ClientKeys { server, own }))
    }

    /// Stops the engine (joining its thread) and forgets everything it reported.
    fn disconnect_quietly(&mut self) {
        self.client = None;
        self.link = Link::Idle;
        self.server_kind = None;
        self.round_trip = None;
        self.pending.clear();
        self.refresh_wanted = false;
        self.user_refresh = None;
        self.user_resync = false;
        self.live = None;
        self.live_announced = false;
        self.last_refresh_at = None;
        self.paste = None;
        self.last_search = None;
        self.list.forget();
        self.server_info.forget();
    }

    fn send(&mut self, command: Command) -> Option<RequestId> {
        let Some(client) = &self.client else {
            let why = self.language().texts().need_connection;
            self.set_status(StatusKind::Error, why);
            return None;
        };
        let id = client.handle.send(command.clone());
        self.pending.insert(id, Some(command));
        Some(id)
    }

    /// Handles what the engine reported since the last frame.
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
            self.disconnect_quietly();
            let text = self.language().texts().client_gone;
            self.set_status(StatusKind::Error, text);
        }

        if let Some(job) = &self.paste
            && job.is_done()
        {
            let (appended, failed, cancelled) = job.counts();
            self.paste = None;
            self.refresh_wanted = !self.is_following();
            let kind = if failed > 0 {
                StatusKind::Warning
            } else {
                StatusKind::Success
            };
            let text = self.language().paste_done(appended, failed, cancelled);
            self.set_status(kind, text);
        }

        if self.refresh_wanted && self.client.is_some() {
            let change_waiting = self
                .pending
                .values()
                .any(|c| c.as_ref().is_some_and(Command::is_change));
            let show_waiting = self.pending.values().any(|c| *c == Some(Command::Show));
            if !change_waiting && !show_waiting {
                self.refresh_wanted = false;
                self.send(Command::Show);
            }
        }

        self.auto_refresh();
        self.poll_server_status();
        self.drain_log();
        self.poll_export();
    }

    /// Without live updates, fetches the list every few seconds when the settings ask.
    fn auto_refresh(&mut self) {
        let Some(period) = self.settings.auto_refresh.period() else {
            return;
        };
        if self.client.is_none() || self.server_kind.is_none() || self.is_following() {
            return;
        }
        let now = Instant::now();
        let since = self.last_refresh_at.map(|at| now.duration_since(at));
        if since.is_none_or(|since| since >= period) {
            if !self.pending.values().any(|c| *c == Some(Command::Show)) {
                self.send(Command::Show);
            }
            self.last_refresh_at = Some(now);
            self.ctx.request_repaint_after(period);
        } else if let Some(since) = since {
            self.ctx.request_repaint_after(period.saturating_sub(since));
        }
    }

    /// While the server status window is open, asks for the status every
    /// [`server_info::PERIOD`], one request at a time; closed, asks nothing.
    fn poll_server_status(&mut self) {
        if self.client.is_none() {
            return;
        }
        let now = Instant::now();
        match self.server_info.next_ask(now) {
            NextAsk::Now => self.ask_server_status(now),
            NextAsk::After(wait) => self.ctx.request_repaint_after(wait),
            NextAsk::Idle => {}
        }
    }

    /// Sends `zlist.status` for the window. Kept out of [`Self::pending`]: it never shows
    /// in the status line.
    fn ask_server_status(&mut self, now: Instant) {
        if let Some(client) = &self.client
            && !self.server_info.is_asking()
        {
            let id = client.handle.send_text(protocol::STATUS);
            self.server_info.asked(id, now);
        }
    }

    fn on_server_info_intent(&mut self, intent: ServerInfoIntent) {
        match intent {
            ServerInfoIntent::Refresh => {
                self.server_info.refresh();
                self.poll_server_status();
            }
        }
    }

    /// Moves captured log lines to the console (see [`log_capture::console_route`]).
    fn drain_log(&mut self) {
        let Some(feed) = &self.log_feed else {
            return;
        };
        let lines = feed.drain(LOG_LINES_PER_FRAME);
        if lines.len() == LOG_LINES_PER_FRAME {
            self.ctx.request_repaint();
        }
        for line in lines {
            if let Some((source, level)) = log_capture::console_route(&line) {
                self.console.push(line.at, level, source, &line.text);
            }
        }
    }

    fn on_event(&mut self, event: ClientEvent) {
        let language = self.language();
        match event {
            // The server status window's requests: to the window, never the status line.
            ClientEvent::Reply(reply)
                if reply.command.is_none() && self.server_info.owns(reply.id, &reply.request) =>
            {
                self.round_trip = Some(reply.round_trip);
                self.server_info
                    .answered(reply.id, &reply.text, Instant::now());
            }
            ClientEvent::Failed { id, request, error } if self.server_info.owns(id, &request) => {
                self.server_info.failed(id, error);
            }
            ClientEvent::Reply(reply) => self.on_reply(reply),
            ClientEvent::Failed { id, request, error } => {
                self.pending.remove(&id);
                if let Some(job) = &mut self.paste {
                    job.answered(id, false);
                }
                if matches!(error, RequestFailure::ChangeNotRetried { .. }) {
                    self.refresh_wanted = true;
                }
                if error != RequestFailure::Stopped {
                    self.set_status(
                        StatusKind::Error,
                        language.request_failure(&request, &error),
                    );
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
                    self.set_status(StatusKind::Success, language.list_refreshed(len));
                }
            }
            ClientEvent::Snapshot { items, .. } => {
                let len = items.len();
                self.list.set_items(items);
                self.last_refresh_at = Some(Instant::now());
                if std::mem::take(&mut self.user_resync) {
                    self.set_status(StatusKind::Success, language.list_refreshed(len));
                }
            }
            ClientEvent::Update { version, effect } => {
                if let Err(error) = self.list.apply(effect) {
                    self.console.note(
                        Level::WARN,
                        &format!(
                            "update {version} does not fit the list shown ({error}); resyncing"
                        ),
                    );
                    if let Some(client) = &self.client {
                        client.handle.resync();
                    }
                }
            }
            ClientEvent::Live(state) => self.on_live(state),
            ClientEvent::Server(kind) => self.server_kind = Some(kind),
            ClientEvent::Connection(state) => self.on_connection(state),
            ClientEvent::Debug(line) => {
                self.console
                    .push(line.at, line.level, Source::Client, &line.text);
            }
        }
    }

    fn on_connection(&mut self, state: ConnectionState) {
        let language = self.language();
        let before = self.link;
        self.link = Link::Engine(state);
        match state {
            ConnectionState::Connected => {
                if let Some(client) = &self.client
                    && !client.local
                {
                    let endpoint = self.settings.endpoint.clone();
                    self.settings.remember_endpoint(&endpoint);
                }
            }
            ConnectionState::AuthFailed | ConnectionState::HandshakeFailed => {
                if before != self.link {
                    self.set_status(StatusKind::Error, language.connection_state(state));
                }
            }
            ConnectionState::Connecting
            | ConnectionState::Disconnected
            | ConnectionState::Retrying
            | ConnectionState::Unreachable { .. } => {}
        }
    }

    fn on_live(&mut self, state: LiveState) {
        let was_following = self.is_following();
        if was_following && !state.is_following() {
            // Updates stopped: catch up by asking, as the seed does.
            self.refresh_wanted = true;
        }
        if let LiveState::Unavailable(why @ NotLive::Silent { .. }) = &state {
            let text = self.language().live_unavailable(why);
            self.set_status(StatusKind::Warning, text);
        }
        if state == LiveState::Live && !std::mem::replace(&mut self.live_announced, true) {
            let text = self.language().texts().live_on_tip;
            self.set_status(StatusKind::Info, text);
        }
        self.live = Some(state);
    }

    fn on_reply(&mut self, reply: Reply) {
        let language = self.language();
        self.round_trip = Some(reply.round_trip);
        self.pending.remove(&reply.id);
        let in_paste = self
            .paste
            .as_mut()
            .is_some_and(|job| job.answered(reply.id, !reply.is_error));
        if reply.is_error {
            self.set_status(
                StatusKind::Error,
                language.error_reply(&reply.request, &reply.text),
            );
            return;
        }
        match &reply.command {
            Some(Command::Show) => {}
            Some(Command::Search(element)) => {
                self.list.highlight(element);
                self.last_search = Some(reply.text.clone());
                let found = self.list.highlighted_rows().len();
                let text = format!(
                    "{} » {}  ({})",
                    reply.request,
                    reply.text,
                    language.highlighted(found)
                );
                self.set_status(StatusKind::Info, text);
            }
            Some(command) => {
                // Live, the change comes back as an update; otherwise fetch the list.
                if command.is_change() && !self.is_following() {
                    self.refresh_wanted = true;
                }
                if !in_paste {
                    self.set_status(
                        StatusKind::Success,
                        format!("{} » {}", reply.request, reply.text),
                    );
                }
            }
            None => {
                self.set_status(
                    StatusKind::Info,
                    format!("{} » {}", reply.request, reply.text),
                );
            }
        }
    }

    fn poll_export(&mut self) {
        let Some(outcome) = self.export.as_mut().and_then(ExportJob::poll) else {
            return;
        };
        self.export = None;
        let language = self.language();
        match outcome {
            ExportOutcome::Saved { path, count } => self.set_status(
                StatusKind::Success,
                language.exported(count, &path.display().to_string()),
            ),
            ExportOutcome::Cancelled => {
                self.set_status(StatusKind::Info, language.texts().export_cancelled);
            }
            ExportOutcome::Failed(error) => {
                self.set_status(StatusKind::Error, language.export_failed(&error));
            }
        }
    }

    // ---- Intents -----------------------------------------------------------------------

    fn on_connection_intent(&mut self, intent: ConnectionIntent) {
        let language = self.language();
        match intent {
            ConnectionIntent::Connect => {
                let endpoint = self.settings.endpoint.trim().to_owned();
                self.connect(&endpoint, false);
            }
            ConnectionIntent::Disconnect => {
                self.disconnect_quietly();
                self.set_status(StatusKind::Info, language.texts().disconnected);
            }
            ConnectionIntent::LocalServer(true) => {
                self.disconnect_quietly();
                let dir = self.local_data_dir.clone();
                self.local
                    .set_token(crate::net::access::Token::new(&self.settings.token));
                match self.local.start_in(&self.settings.local_server, dir) {
                    Ok(endpoint) => {
                        self.settings.endpoint = endpoint.clone();
                        self.connect(&endpoint, true);
                        let bound = self.local.endpoint().unwrap_or(&endpoint).to_owned();
                        self.set_status(StatusKind::Success, language.local_server_on(&bound));
                        self.inputs.focus_value = true;
                    }
                    Err(error) => {
                        self.set_status(StatusKind::Error, language.local_server_failed(&error));
                    }
                }
            }
            ConnectionIntent::LocalServer(false) => {
                if self.client.as_ref().is_some_and(|c| c.local) {
                    self.disconnect_quietly();
                }
                self.local.stop();
                self.set_status(StatusKind::Info, language.texts().local_server_off);
            }
        }
    }

    /// The element for remove and search: the value typed, or else the selected row's.
    fn element_or_selected(&self) -> Option<String> {
        let typed = self.inputs.value.trim();
        if !typed.is_empty() {
            return Some(typed.to_owned());
        }
        self.list
            .selected()
            .and_then(|i| self.list.items().get(i))
            .filter(|v| !v.trim().is_empty())
            .cloned()
    }

    fn on_action(&mut self, intent: ActionIntent) {
        let language = self.language();
        let t = language.texts();
        match intent {
            ActionIntent::Append => {
                let value = self.inputs.value.trim().to_owned();
                if value.is_empty() {
                    self.set_status(StatusKind::Error, t.need_value);
                    return;
                }
                if self.send(Command::Append(value.clone())).is_some() {
                    self.inputs.value.clear();
                    self.warn_if_seed_keeps_first_word(&value);
                }
            }
            ActionIntent::Insert => {
                let value = self.inputs.value.trim().to_owned();
                if value.is_empty() {
                    self.set_status(StatusKind::Error, t.need_value);
                    return;
                }
                let typed = self.inputs.position.trim().to_owned();
                let position = if typed.is_empty() {
                    match self.list.selected() {
                        Some(index) => Position::from_index(index),
                        None => {
                            self.set_status(StatusKind::Error, t.need_position);
                            return;
                        }
                    }
                } else {
                    match Position::parse(&typed) {
                        Some(position) => position,
                        None => {
                            let len = self.list.items().len();
                            self.set_status(
                                StatusKind::Error,
                                language.position_not_a_number(&typed, len),
                            );
                            return;
                        }
                    }
                };
                if self
                    .send(Command::Insert {
                        position,
                        element: value.clone(),
                    })
                    .is_some()
                {
                    self.warn_if_seed_keeps_first_word(&value);
                }
            }
            ActionIntent::Remove => match self.element_or_selected() {
                Some(value) => {
                    self.send(Command::Remove(value));
                }
                None => self.set_status(StatusKind::Error, t.need_value),
            },
            ActionIntent::Search => match self.element_or_selected() {
                Some(value) => {
                    self.send(Command::Search(value));
                }
                None => self.set_status(StatusKind::Error, t.need_value),
            },
            ActionIntent::SortAscending => {
                self.send(Command::SortAscending);
            }
            ActionIntent::SortDescending => {
                self.send(Command::SortDescending);
            }
            ActionIntent::AskClear => {
                if self.client.is_some() {
                    self.confirm_clear = true;
                }
            }
            ActionIntent::Refresh => {
                if let Some(client) = &self.client
                    && self.is_following()
                {
                    // A versioned snapshot, so that updates keep applying on top of it.
                    client.handle.resync();
                    self.user_resync = true;
                } else {
                    self.user_refresh = self.send(Command::Show);
                }
            }
            ActionIntent::OpenPaste => {
                if self.client.is_some() && self.paste_text.is_none() {
                    self.paste_text = Some(String::new());
                }
            }
            ActionIntent::Export(format) => self.start_export(format),
        }
    }

    fn warn_if_seed_keeps_first_word(&mut self, element: &str) {
        if self.server_kind == Some(ServerKind::Seed) && element.split_whitespace().nth(1).is_some()
        {
            let text = self.language().seed_first_word(element);
            self.set_status(StatusKind::Warning, text);
        }
    }

    fn start_paste(&mut self, text: &str) {
        let lines = paste::lines_to_append(text);
        if lines.is_empty() {
            return;
        }
        let Some(client) = &self.client else {
            return;
        };
        let mut ids = Vec::with_capacity(lines.len());
        for line in &lines {
            let command = Command::Append(line.clone());
            let id = client.handle.send(command.clone());
            self.pending.insert(id, Some(command));
            ids.push(id);
        }
        self.paste = Some(PasteJob::new(ids));
        if let Some(line) = lines.iter().find(|l| l.split_whitespace().nth(1).is_some()) {
            self.warn_if_seed_keeps_first_word(&line.clone());
        }
    }

    fn cancel_paste(&mut self) {
        if let Some(client) = &self.client {
            client.handle.cancel_queued();
        }
    }

    fn start_export(&mut self, format: ExportFormat) {
        if self.export.is_some() || !self.list.has_list() {
            return;
        }
        let language = self.language();
        let ctx = self.ctx.clone();
        match ExportJob::start(
            self.list.items().to_vec(),
            format,
            language.texts().export.trim_end_matches('…').to_owned(),
            move || ctx.request_repaint(),
        ) {
            Ok(job) => self.export = Some(job),
            Err(error) => {
                self.set_status(
                    StatusKind::Error,
                    language.export_failed(&error.to_string()),
                );
            }
        }
    }

    fn on_shortcut(&mut self, shortcut: Shortcut) {
        match shortcut {
            Shortcut::Insert => self.on_action(ActionIntent::Insert),
            Shortcut::Remove => self.on_action(ActionIntent::Remove),
            Shortcut::Search => {
                if self.element_or_selected().is_some() {
                    self.on_action(ActionIntent::Search);
                } else {
                    self.inputs.focus_value = true;
                }
            }
            Shortcut::SortAscending => self.on_action(ActionIntent::SortAscending),
            Shortcut::SortDescending => self.on_action(ActionIntent::SortDescending),
            Shortcut::Clear => self.on_action(ActionIntent::AskClear),
            Shortcut::Refresh => self.on_action(ActionIntent::Refresh),
            Shortcut::PasteLines => self.on_action(ActionIntent::OpenPaste),
            Shortcut::Filter => self.focus_filter = true,
            Shortcut::Export => self.on_action(ActionIntent::Export(ExportFormat::Text)),
            Shortcut::ToggleConnection => {
                let intent = if self.client.is_some() {
                    ConnectionIntent::Disconnect
                } else {
                    ConnectionIntent::Connect
                };
                self.on_connection_intent(intent);
            }
            Shortcut::ToggleConsole => {
                self.settings.console_visible = !self.settings.console_visible;
            }
            Shortcut::Help => self.show_shortcuts = !self.show_shortcuts,
        }
    }

    fn select(&mut self, index: usize) {
        self.list.select(Some(index));
        self.inputs.position = index.to_string();
        if let Some(value) = self.list.items().get(index) {
            self.inputs.value = value.clone();
        }
    }

    // ---- Drawing -------------------------------------------------------------------------

    /// Draws one frame (everything but the event drain, which [`eframe::App::logic`] does).
    pub(crate) fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if self.applied_theme != Some(self.settings.theme) {
            ctx.set_theme(self.settings.theme.preference());
            self.applied_theme = Some(self.settings.theme);
        }
        let modal_open = self.confirm_clear || self.paste_text.is_some();
        if !modal_open {
            for shortcut in shortcuts::pressed(&ctx) {
                self.on_shortcut(shortcut);
            }
            self.take_multiline_paste(&ctx);
        }
        let language = self.language();

        egui::Panel::top("zlist-menu").show(ui, |ui| self.menu_ui(ui));
        egui::Panel::top("zlist-connection").show(ui, |ui| {
            ui.add_space(4.0);
            let local_endpoint = self.local.endpoint().map(str::to_owned);
            let view = BarView {
                link: self.link,
                server: self.server_kind.as_ref(),
                live: self.live.as_ref(),
                round_trip: self.round_trip,
                local_endpoint: local_endpoint.as_deref(),
                data_dir: self.local_data_dir.as_deref(),
            };
            let intent = connection_bar::connection_bar_ui(ui, &mut self.settings, view, language);
            ui.add_space(2.0);
            if let Some(intent) = intent {
                self.on_connection_intent(intent);
            }
        });
        egui::Panel::bottom("zlist-status").show(ui, |ui| {
            let view = StatusView {
                pending: self.pending.len(),
                paste: self.paste.as_ref().map(PasteJob::progress),
            };
            if status::status_ui(ui, &self.status, view, language)
                == Some(StatusIntent::CancelPaste)
            {
                self.cancel_paste();
            }
        });
        if self.settings.console_visible {
            egui::Panel::bottom("zlist-console")
                .resizable(true)
                .default_size(180.0)
                .min_size(80.0)
                .show(ui, |ui| {
                    let intent = self.console.console_ui(
                        ui,
                        language,
                        &mut self.settings.console_level,
                        &mut self.settings.console_auto_scroll,
                    );
                    if intent == Some(ConsoleIntent::Hide) {
                        self.settings.console_visible = false;
                    }
                });
        }
        egui::Panel::right("zlist-actions")
            .resizable(true)
            .default_size(260.0)
            .min_size(200.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let view = ActionsView {
                        connected: self.client.is_some(),
                        has_list: self.list.has_list(),
                        last_search: self.last_search.as_deref(),
                        busy: !self.pending.is_empty(),
                    };
                    if let Some(intent) = actions::actions_ui(ui, &mut self.inputs, view, language)
                    {
                        self.on_action(intent);
                    }
                });
            });
        egui::CentralPanel::default().show(ui, |ui| self.list_ui(ui, language));

        self.clear_dialog(&ctx, language);
        self.paste_dialog(&ctx, language);
        self.help_windows(&ctx, language);
        let endpoint = self.client.as_ref().map(|c| c.handle.endpoint().to_owned());
        let view = ServerInfoView {
            connected: self.client.is_some(),
            endpoint: endpoint.as_deref(),
        };
        if let Some(intent) = self.server_info.window_ui(&ctx, view, language) {
            self.on_server_info_intent(intent);
        }
    }

    fn list_ui(&mut self, ui: &mut egui::Ui, language: Language) {
        let t = language.texts();
        ui.horizontal(|ui| {
            let filter = ui
                .add(
                    egui::TextEdit::singleline(&mut self.filter)
                        .hint_text(t.filter_hint)
                        .desired_width(240.0),
                )
                .accessible_name(t.filter_hint)
                .on_hover_text(t.filter_tip);
            if std::mem::take(&mut self.focus_filter) {
                filter.request_focus();
            }
            self.list.set_filter(&self.filter);
            if self.list.has_list() {
                ui.label(
                    egui::RichText::new(language.element_count(
                        self.list.visible_len(),
                        self.list.items().len(),
                        !self.list.filter().trim().is_empty(),
                    ))
                    .weak(),
                );
            }
        });
        ui.add_space(4.0);
        if let Some(TableIntent::Select(index)) = self.list.table_ui(ui, language) {
            self.select(index);
        }
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui) {
        let language = self.language();
        let t = language.texts();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button(t.menu_file, |ui| {
                for format in ExportFormat::ALL {
                    let enabled = self.list.has_list();
                    if ui
                        .add_enabled(
                            enabled,
                            egui::Button::new(format!(
                                "{} {}",
                                t.export,
                                actions::format_name(format, language)
                            )),
                        )
                        .clicked()
                    {
                        self.start_export(format);
                        ui.close();
                    }
                }
                ui.separator();
                if ui.button(t.quit).clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button(t.menu_view, |ui| {
                ui.checkbox(&mut self.settings.console_visible, t.show_console);
                if ui
                    .button(t.server_status_menu)
                    .on_hover_text(t.server_status_tip)
                    .clicked()
                {
                    self.open_server_status();
                    ui.close();
                }
                ui.separator();
                ui.label(t.theme);
                ui.radio_value(
                    &mut self.settings.theme,
                    ThemeChoice::System,
                    t.theme_system,
                );
                ui.radio_value(&mut self.settings.theme, ThemeChoice::Light, t.theme_light);
                ui.radio_value(&mut self.settings.theme, ThemeChoice::Dark, t.theme_dark);
                ui.separator();
                ui.label(t.request_settings);
                ui.horizontal(|ui| {
                    let label = ui.label(t.timeout_label);
                    ui.add(
                        egui::DragValue::new(&mut self.settings.timeout_ms)
                            .range(50..=60_000)
                            .speed(50),
                    )
                    .labelled_by(label.id);
                });
                ui.horizontal(|ui| {
                    let label = ui.label(t.tries_label);
                    ui.add(egui::DragValue::new(&mut self.settings.tries).range(1..=20))
                        .labelled_by(label.id);
                });
                let can_encrypt = crate::net::curve::available();
                ui.horizontal(|ui| {
                    let label = ui.label(t.key_file_label);
                    ui.add_enabled(
                        can_encrypt,
                        egui::TextEdit::singleline(&mut self.settings.key_file)
                            .desired_width(160.0),
                    )
                    .labelled_by(label.id)
                    .on_hover_text(t.key_file_tip)
                    .on_disabled_hover_text(t.curve_unavailable);
                });
                ui.label(egui::RichText::new(t.applies_next_connect).small().weak());
                ui.separator();
                ui.label(t.auto_refresh).on_hover_text(t.auto_refresh_tip);
                for choice in AutoRefresh::ALL {
                    let name = match choice.period() {
                        None => t.auto_refresh_off.to_owned(),
                        Some(period) => language.auto_refresh_every(period.as_secs()),
                    };
                    ui.radio_value(&mut self.settings.auto_refresh, choice, name);
                }
            });
            ui.menu_button(t.menu_help, |ui| {
                let keys = shortcuts::keys_for(ui.ctx(), Shortcut::Help);
                if ui.button(format!("{} ({keys})", t.shortcuts)).clicked() {
                    self.show_shortcuts = true;
                    ui.close();
                }
                if ui.button(t.about).clicked() {
                    self.show_about = true;
                    ui.close();
                }
            });

            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let mut choice = self.settings.language;
                let selected = match choice {
                    None => format!("{} · {}", t.language_auto, self.os_language.native_name()),
                    Some(language) => language.native_name().to_owned(),
                };
                egui::ComboBox::from_id_salt("zlist-language")
                    .selected_text(selected)
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut choice, None, t.language_auto);
                        for language in Language::ALL {
                            ui.selectable_value(
                                &mut choice,
                                Some(language),
                                language.native_name(),
                            );
                        }
                    })
                    .response
                    .accessible_name(t.language)
                    .on_hover_text(t.language);
                self.settings.language = choice;
                ui.label(t.language);
            });
        });
    }

    /// Opens the server status window and asks at once (when connected).
    fn open_server_status(&mut self) {
        self.server_info.open();
        self.poll_server_status();
    }

    fn clear_dialog(&mut self, ctx: &egui::Context, language: Language) {
        if !self.confirm_clear {
            return;
        }
        let t = language.texts();
        let len = self.list.items().len();
        let mut decision = None;
        let modal = egui::Modal::new(egui::Id::unique("zlist-clear-confirm")).show(ctx, |ui| {
            ui.set_max_width(420.0);
            ui.heading(t.clear_title);
            ui.label(language.clear_question(len));
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                let confirm = egui::Button::new(
                    egui::RichText::new(t.clear_confirm).color(ui.visuals().error_fg_color),
                );
                if ui.add(confirm).clicked() {
                    decision = Some(true);
                }
                if ui.button(t.cancel).clicked() {
                    decision = Some(false);
                }
            });
        });
        if modal.should_close() && decision.is_none() {
            decision = Some(false);
        }
        match decision {
            Some(true) => {
                self.confirm_clear = false;
                self.send(Command::Clear);
            }
            Some(false) => self.confirm_clear = false,
            None => {}
        }
    }

    fn paste_dialog(&mut self, ctx: &egui::Context, language: Language) {
        let Some(mut text) = self.paste_text.take() else {
            return;
        };
        let t = language.texts();
        let mut decision = None;
        let modal = egui::Modal::new(egui::Id::unique("zlist-paste")).show(ctx, |ui| {
            ui.set_width(520.0);
            ui.heading(t.paste_title);
            ui.label(t.paste_help);
            egui::ScrollArea::vertical()
                .max_height(320.0)
                .show(ui, |ui| {
                    ui.add(
                        egui::TextEdit::multiline(&mut text)
                            .desired_rows(12)
                            .desired_width(f32::INFINITY)
                            .code_editor(),
                    )
                    .accessible_name(t.paste_box);
                });
            let count = paste::lines_to_append(&text).len();
            ui.label(language.paste_count(count));
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(count > 0, egui::Button::new(t.paste_start))
                    .clicked()
                {
                    decision = Some(true);
                }
                if ui.button(t.cancel).clicked() {
                    decision = Some(false);
                }
            });
        });
        if modal.should_close() && decision.is_none() {
            decision = Some(false);
        }
        match decision {
            Some(true) => self.start_paste(&text),
            Some(false) => {}
            None => self.paste_text = Some(text),
        }
    }

    /// A multi-line paste outside the paste window opens it with the pasted text.
    fn take_multiline_paste(&mut self, ctx: &egui::Context) {
        if self.client.is_none() {
            return;
        }
        let pasted = ctx.input_mut(|input| {
            let mut found = None;
            input.events.retain(|event| match event {
                egui::Event::Paste(text) if paste::lines_to_append(text).len() > 1 => {
                    found = Some(text.clone());
                    false
                }
                _ => true,
            });
            found
        });
        if let Some(text) = pasted {
            self.paste_text = Some(text);
        }
    }

    fn help_windows(&mut self, ctx: &egui::Context, language: Language) {
        let t = language.texts();
        let lines = shortcuts::help_lines(language, &egui::ModifierNames::NAMES, ctx.os().is_mac());
        egui::Window::new(t.shortcuts)
            .id(egui::Id::unique("zlist-shortcuts"))
            .open(&mut self.show_shortcuts)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                egui::Grid::new("zlist-shortcut-grid")
                    .striped(true)
                    .show(ui, |ui| {
                        for (keys, action) in &lines {
                            ui.monospace(keys);
                            ui.label(*action);
                            ui.end_row();
                        }
                    });
            });
        egui::Window::new(t.about)
            .id(egui::Id::unique("zlist-about"))
            .open(&mut self.show_about)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.heading(format!("zlist {}", env!("CARGO_PKG_VERSION")));
                ui.label(t.about_text);
                ui.label(if crate::net::curve::available() {
                    t.curve_available_line
                } else {
                    t.curve_unavailable
                });
            });
    }
}

impl eframe::App for App {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain_events();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.settings.save(storage);
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // The client first, so it does not retry against a server that is going away.
        self.client = None;
        self.local.stop();
    }
}
