//! The desktop app: its state, and one frame's order of work. [`eframe::App::logic`]
//! lets the session (`session.rs`) handle what the client engine reported (the engine owns
//! the socket; nothing here blocks on the network), then words its notices into the
//! status line and the console. `App::draw` draws the window, collecting what the user
//! asks as intents, and applies them once the frame is drawn.
//!
//! The parts: `session` (engine, requests, refresh and live policy), `notice` (what
//! happened, worded through i18n), `intent` (what the user asked, and how it is carried
//! out), `draw` (the panels), `menu`, `dialogs` (the one confirmation modal, the trust
//! dialog, the paste window), `trust` (the server's key checked before connecting, trust
//! on first use) and `help`.

mod dialogs;
mod draw;
mod help;
pub(crate) mod history;
mod intent;
mod menu;
mod notice;
mod session;
mod trust;

use std::path::{Path, PathBuf};

use tracing::Level;

use crate::net::client::LiveState;
use crate::net::protocol::ServerKind;
use crate::net::status::ServerStatus;
use crate::ui::actions::ActionInputs;
use crate::ui::connection_bar::Link;
use crate::ui::console::{Console, Source};
use crate::ui::embedded::LocalServer;
use crate::ui::export::{ExportJob, ExportOutcome};
use crate::ui::i18n::Language;
use crate::ui::import::{ImportDialog, ImportPick, PickOutcome};
use crate::ui::log_capture::{self, LogFeed};
use crate::ui::secrets::{Place, SecretStore, TokenKeeper};
use crate::ui::server_info::ServerInfo;
use crate::ui::settings::{ConsoleLevel, Settings, ThemeChoice};
use crate::ui::status::{Status, StatusKind};

use dialogs::Confirmation;
use notice::Notice;
use session::Session;
use trust::KeyCheck;

/// Where the app keeps what it remembers outside its settings file: the servers it trusts
/// (their keys) and its token.
#[derive(Debug, Clone)]
pub struct Keep {
    /// The known-servers file; `None`: the platform's (`KnownServers::open_default`).
    pub known_servers: Option<PathBuf>,
    /// The token's store.
    pub secrets: SecretStore,
}

impl Keep {
    /// The platform's places: the known-servers file next to the settings, the token in
    /// the OS keychain (or a private file in the config folder without one).
    pub fn platform() -> Self {
        Self {
            known_servers: None,
            secrets: SecretStore::platform(),
        }
    }

    /// Everything in `dir`, and never the OS keychain (tests): `known_servers`, and the
    /// token in the file `token`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            known_servers: Some(dir.join(crate::net::known_servers::FILE_NAME)),
            secrets: SecretStore::file_only(dir.join(crate::ui::secrets::FILE_NAME)),
        }
    }

    /// No token is read or kept (benchmarks, which never connect).
    pub fn nowhere() -> Self {
        Self {
            known_servers: None,
            secrets: SecretStore::nowhere(),
        }
    }
}

/// Captured log lines moved to the console per frame at most.
const LOG_LINES_PER_FRAME: usize = 2_000;

/// The zlist desktop app.
pub struct App {
    settings: Settings,
    os_language: Language,
    ctx: egui::Context,
    /// The client engine and what it reported.
    session: Session,
    filter: String,
    focus_filter: bool,
    inputs: ActionInputs,
    console: Console,
    log_feed: Option<LogFeed>,
    status: Status,
    local: LocalServer,
    /// Where the embedded server keeps its list when asked to.
    local_data_dir: Option<std::path::PathBuf>,
    /// The paste window's text, while it is open.
    paste_text: Option<String>,
    /// The question the confirmation modal asks, while it is open.
    confirm: Option<Confirmation>,
    /// The known-servers file (`None`: the platform's).
    known_servers: Option<PathBuf>,
    /// The key check before connecting, or the trust dialog.
    key_check: KeyCheck,
    /// The server (`HOST:PORT`) whose key changed at the last attempt.
    key_changed: Option<String>,
    /// Keeps the token in the OS keychain (or its fallback file).
    tokens: TokenKeeper,
    /// The fallback file was announced this run.
    token_fallback_noted: bool,
    export: Option<ExportJob>,
    /// The file to import being chosen and read.
    import_pick: Option<ImportPick>,
    /// The import dialog, while it is open.
    import: Option<ImportDialog>,
    show_shortcuts: bool,
    show_about: bool,
    applied_theme: Option<ThemeChoice>,
    /// The window title last sent.
    window_title: String,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("settings", &self.settings)
            .field("link", &self.session.link())
            .field("pending", &self.session.pending())
            .field("items", &self.session.list().items().len())
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
        Self::with_settings(&cc.egui_ctx, settings, log_feed, Keep::platform())
    }

    /// The app with the given settings, ignoring persistence, keeping its trusted servers
    /// and token as `keep` says (tests: a temporary folder).
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn new_for_test(cc: &eframe::CreationContext<'_>, settings: Settings, keep: Keep) -> Self {
        Self::with_settings(&cc.egui_ctx, settings, None, keep)
    }

    /// The app with the settings `storage` holds, as [`App::new`] opens it, keeping its
    /// trusted servers and token as `keep` says (tests: a temporary folder).
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn restored_for_test(
        cc: &eframe::CreationContext<'_>,
        storage: &dyn eframe::Storage,
        keep: Keep,
    ) -> Self {
        Self::with_settings(&cc.egui_ctx, Settings::load(Some(storage)), None, keep)
    }

    /// The app with these settings. A token in them (from an old settings file) moves to
    /// the token's store; without one, the store's token is read.
    pub(crate) fn with_settings(
        ctx: &egui::Context,
        mut settings: Settings,
        log_feed: Option<LogFeed>,
        keep: Keep,
    ) -> Self {
        let os_language = Language::from_os();
        let language = settings.language.unwrap_or(os_language);
        let mut startup = Vec::new();
        let mut kept = String::new();
        if settings.token.trim().is_empty() {
            match keep.secrets.load() {
                Ok(Some((token, place))) => {
                    settings.token.clone_from(&token);
                    match place {
                        Place::File {
                            path,
                            why: Some(why),
                        } => {
                            startup.push(Notice::TokenInFile {
                                path: path.display().to_string(),
                                why: Some(why),
                            });
                            kept = token;
                        }
                        // In the file from a run without a keychain, and the keychain
                        // works now: `kept` stays empty, so it moves there below.
                        Place::File { why: None, .. } => {}
                        Place::Keychain | Place::Nowhere => kept = token,
                    }
                }
                Ok(None) => {}
                Err(error) => startup.push(Notice::TokenKeepFailed(error.to_string())),
            }
        }
        let waker_ctx = ctx.clone();
        let tokens = TokenKeeper::start(keep.secrets, kept, move || waker_ctx.request_repaint());
        let mut app = Self {
            settings,
            os_language,
            ctx: ctx.clone(),
            session: Session::new(ctx),
            filter: String::new(),
            focus_filter: false,
            inputs: ActionInputs::default(),
            console: Console::default(),
            log_feed,
            status: Status {
                kind: StatusKind::Info,
                text: language.texts().ready.to_owned(),
            },
            local: LocalServer::default(),
            local_data_dir: crate::ui::embedded::default_data_dir(),
            paste_text: None,
            confirm: None,
            export: None,
            import_pick: None,
            import: None,
            show_shortcuts: false,
            show_about: false,
            applied_theme: None,
            window_title: "zlist".to_owned(),
            known_servers: keep.known_servers,
            key_check: KeyCheck::Idle,
            key_changed: None,
            token_fallback_noted: startup
                .iter()
                .any(|n| matches!(n, Notice::TokenInFile { .. })),
            tokens,
        };
        // An old settings file's token: into the store (the settings never write it).
        app.keep_token();
        for notice in startup {
            app.notify(notice);
        }
        app
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
        self.session.list().items()
    }

    /// Whether a list arrived since connecting.
    pub fn has_list(&self) -> bool {
        self.session.list().has_list()
    }

    /// Indices of the rows highlighted by the last search.
    pub fn highlighted_rows(&self) -> Vec<usize> {
        self.session.list().highlighted_rows()
    }

    /// The rows other clients added within the last moments (briefly highlighted).
    pub fn rows_changed_by_others(&self) -> Vec<usize> {
        self.session
            .list()
            .changed_by_others(std::time::Instant::now())
    }

    /// The selected row (the cursor).
    pub fn selected_row(&self) -> Option<usize> {
        self.session.list().selected()
    }

    /// Every selected row, in list order.
    pub fn selected_rows(&self) -> Vec<usize> {
        self.session.list().selected_rows()
    }

    /// The row being edited in place, and whether another client changed it meanwhile.
    pub fn editing_row(&self) -> Option<(usize, bool)> {
        self.session.list().editing()
    }

    /// Whether Undo (and Redo) have something to do.
    pub fn can_undo_redo(&self) -> (bool, bool) {
        (self.session.can_undo(), self.session.can_redo())
    }

    /// The window title as the app set it.
    pub fn window_title(&self) -> &str {
        &self.window_title
    }

    /// The status line.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// The connection as the status light shows it.
    pub fn link(&self) -> Link {
        if self.key_check.is_busy() {
            Link::CheckingKey
        } else {
            self.session.link()
        }
    }

    /// Whether the trust dialog asks about a new server's key.
    pub fn is_asking_trust(&self) -> bool {
        matches!(self.key_check, KeyCheck::Asking { .. })
    }

    /// Whether the forget-key confirmation is open.
    pub fn is_confirming_forget_key(&self) -> bool {
        matches!(self.confirm, Some(Confirmation::ForgetKey(_)))
    }

    /// The kind of server, once known.
    pub fn server_kind(&self) -> Option<&ServerKind> {
        self.session.server_kind()
    }

    /// Whether the list follows the server live, once the engine said.
    pub fn live_state(&self) -> Option<&LiveState> {
        self.session.live()
    }

    /// What the server last reported in the server status window, once it did.
    pub fn server_status(&self) -> Option<&ServerStatus> {
        self.session.server_info().status()
    }

    /// The server status window: open or not, its status, why there is none.
    pub fn server_info(&self) -> &ServerInfo {
        self.session.server_info()
    }

    /// Requests waiting for replies (the server status window's are not counted: they
    /// never show in the status line).
    pub fn pending_requests(&self) -> usize {
        self.session.pending()
    }

    /// Whether a bulk paste runs.
    pub fn is_pasting(&self) -> bool {
        self.session.paste_progress().is_some()
    }

    /// Whether the clear confirmation is open.
    pub fn is_confirming_clear(&self) -> bool {
        self.confirm == Some(Confirmation::Clear)
    }

    /// The embedded server's address for local clients, when it runs.
    pub fn local_endpoint(&self) -> Option<String> {
        self.local.local_endpoint()
    }

    /// The embedded server's public key, when it runs encrypted.
    pub fn local_key(&self) -> Option<crate::net::curve::CurveKey> {
        self.local.key()
    }

    /// The console's lines as text (all levels).
    pub fn console_text(&mut self) -> String {
        self.console_text_at(ConsoleLevel::Trace)
    }

    /// The console's lines as text, as the console shows them at `level`.
    pub fn console_text_at(&mut self, level: ConsoleLevel) -> String {
        let language = self.language();
        self.console.visible_text(level, language)
    }

    /// Replaces the list shown, as if the server had sent it (benchmarks).
    pub(crate) fn show_list(&mut self, items: Vec<String>) {
        self.session.list_mut().set_items(items);
    }

    /// The console, to fill it (benchmarks).
    pub(crate) fn console_mut(&mut self) -> &mut Console {
        &mut self.console
    }

    // ---- One frame ---------------------------------------------------------------------

    /// Handles what arrived since the last frame: the engine's events, the captured log,
    /// the export's outcome.
    fn update(&mut self) {
        self.session.update(self.settings.auto_refresh.period());
        self.flush_notices();
        self.poll_key_check();
        self.poll_tokens();
        self.drain_log();
        self.poll_export();
        self.poll_import();
    }

    /// Draws one frame and then carries out what the user asked in it (everything but
    /// the drain of what arrived, which [`eframe::App::logic`] does). When the user asked
    /// something, the frame is drawn once more at once with what that changed (egui's
    /// second pass), so that what a click opens shows in the same frame.
    pub(crate) fn draw(&mut self, ui: &mut egui::Ui) {
        let intents = self.frame_ui(ui);
        if intents.is_empty() {
            return;
        }
        for intent in intents {
            self.apply(intent);
        }
        ui.ctx()
            .request_discard("the user's intents changed the app");
    }

    // ---- Messages ------------------------------------------------------------------------

    /// Words the session's notices, oldest first.
    fn flush_notices(&mut self) {
        for notice in self.session.take_notices() {
            self.on_notice(notice);
        }
    }

    /// Words a notice of the app's own, after the session's earlier ones.
    fn notify(&mut self, notice: Notice) {
        self.flush_notices();
        self.on_notice(notice);
    }

    fn on_notice(&mut self, notice: Notice) {
        match notice {
            Notice::Connected { local } => {
                if !local {
                    let endpoint = self.settings.endpoint.clone();
                    self.settings.remember_endpoint(&endpoint);
                }
            }
            Notice::Trail(line) => {
                self.console
                    .push(line.at, line.level, Source::Client, &line.text);
            }
            Notice::UpdateMisfit { version, error } => self.console.note(
                Level::WARN,
                &self.language().update_misfit(version, &error.to_string()),
            ),
            notice => {
                let background = notice.is_background();
                if let Some((kind, text)) = notice.worded(self.language()) {
                    if background && self.status.kind == StatusKind::Error {
                        // An error the user has not acted on yet keeps the status line.
                        self.console.note(Level::WARN, &text);
                    } else {
                        self.set_status(kind, text);
                    }
                }
            }
        }
    }

    fn set_status(&mut self, kind: StatusKind, text: String) {
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

    /// Hands the token to its store when it changed (the worker keeps it).
    pub(crate) fn keep_token(&mut self) {
        self.tokens.keep(&self.settings.token);
    }

    /// Says where the token went: once per run when it is in the fallback file; always
    /// when it could not be kept.
    fn poll_tokens(&mut self) {
        for outcome in self.tokens.outcomes() {
            match outcome {
                Ok(Place::File { path, why }) => {
                    if !std::mem::replace(&mut self.token_fallback_noted, true) {
                        self.notify(Notice::TokenInFile {
                            path: path.display().to_string(),
                            why,
                        });
                    }
                }
                Ok(Place::Keychain | Place::Nowhere) => {}
                Err(error) => self.notify(Notice::TokenKeepFailed(error.to_string())),
            }
        }
    }

    /// The chosen file, read: open the import dialog on it.
    fn poll_import(&mut self) {
        let Some(outcome) = self.import_pick.as_mut().and_then(ImportPick::poll) else {
            return;
        };
        self.import_pick = None;
        match outcome {
            PickOutcome::Read(path, bytes) => self.import = Some(ImportDialog::new(path, bytes)),
            PickOutcome::Cancelled => {}
            PickOutcome::Failed(error) => self.notify(Notice::ImportFailed(error)),
        }
    }

    /// Reads `path` (`None`: asks for a file first) and opens the import dialog on it.
    pub(crate) fn start_import(&mut self, path: Option<PathBuf>) {
        if self.import_pick.is_some() || self.import.is_some() {
            return;
        }
        let ctx = self.ctx.clone();
        let title = self
            .language()
            .texts()
            .import
            .trim_end_matches('…')
            .to_owned();
        match ImportPick::start(path, title, move || ctx.request_repaint()) {
            Ok(pick) => self.import_pick = Some(pick),
            Err(error) => self.notify(Notice::ImportFailed(error.to_string())),
        }
    }

    /// Opens the import dialog on a file, as if the user had chosen it (tests).
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn import_file_for_test(&mut self, path: PathBuf) {
        self.start_import(Some(path));
    }

    /// Whether the import dialog is open.
    pub fn is_importing(&self) -> bool {
        self.import.is_some()
    }

    fn poll_export(&mut self) {
        let Some(outcome) = self.export.as_mut().and_then(ExportJob::poll) else {
            return;
        };
        self.export = None;
        let notice = match outcome {
            ExportOutcome::Saved { path, count } => Notice::Exported {
                count,
                path: path.display().to_string(),
            },
            ExportOutcome::Cancelled => Notice::ExportCancelled,
            ExportOutcome::Failed(error) => Notice::ExportFailed(error),
        };
        self.notify(notice);
    }
}

impl eframe::App for App {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.update();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        self.keep_token();
        self.settings.save(storage);
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // The client first, so it does not retry against a server that is going away.
        self.session.disconnect();
        self.local.stop();
        // The token as typed last; the keeper's own drop waits for it to be written.
        self.keep_token();
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    /// An English app whose console is fed by a capture layer, and the subscriber that
    /// feeds it (install it around what should be logged).
    fn app_with_log() -> (App, impl tracing::Subscriber) {
        let (layer, feed) = log_capture::capture(16);
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::Layer::with_filter(layer, log_capture::zlist_targets()),
        );
        let settings = Settings {
            language: Some(Language::En),
            ..Settings::default()
        };
        let app = App::with_settings(
            &egui::Context::default(),
            settings,
            Some(feed),
            Keep::nowhere(),
        );
        (app, subscriber)
    }

    #[test]
    fn a_note_about_the_token_store_never_hides_an_error_in_the_status_line() {
        let (mut app, _subscriber) = app_with_log();
        let token_note = || Notice::TokenInFile {
            path: "/tmp/zlist-token".to_owned(),
            why: None,
        };
        app.notify(Notice::LogFolderFailed(None));
        let error = app.status().clone();
        assert_eq!(error.kind, StatusKind::Error);
        app.notify(token_note());
        assert_eq!(app.status(), &error, "the error keeps the status line");
        assert!(app.console_text().contains("/tmp/zlist-token"));
        // With no error showing, the note takes the status line as any other.
        app.set_status(StatusKind::Info, "ready".to_owned());
        app.notify(token_note());
        assert_eq!(app.status().kind, StatusKind::Warning);
    }

    #[test]
    fn the_engines_warnings_reach_the_console_once_and_its_trail_only_as_events() {
        let (mut app, subscriber) = app_with_log();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "zlist::net::client::worker", "cannot read the socket monitor");
            tracing::debug!(target: "zlist::net::client::worker", "Cliente enviou: mostrar");
        });
        app.update();
        let console = app.console_text();
        assert_eq!(
            console.matches("cannot read the socket monitor").count(),
            1,
            "{console}"
        );
        assert!(!console.contains("Cliente enviou"), "{console}");
        assert!(console.contains("WARN"), "{console}");
    }

    #[test]
    fn a_status_message_is_noted_in_the_console_once() {
        let (mut app, subscriber) = app_with_log();
        tracing::subscriber::with_default(subscriber, || app.notify(Notice::NeedValue));
        app.update();
        let need_value = Language::En.texts().need_value;
        assert_eq!(app.status().text, need_value);
        let console = app.console_text();
        assert_eq!(console.matches(need_value).count(), 1, "{console}");
    }
}
