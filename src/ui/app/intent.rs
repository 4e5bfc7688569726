//! What the user asked during a frame, and how the app carries it out. Drawing only
//! collects [`Intent`]s; [`App::apply`] acts on them once the frame is drawn, as egui's
//! demo app does with its commands.

use crate::net::protocol::{Command, Position, ServerKind};
use crate::ui::actions::ActionIntent;
use crate::ui::app::App;
use crate::ui::app::dialogs::Confirmation;
use crate::ui::app::menu::MenuIntent;
use crate::ui::app::notice::Notice;
use crate::ui::app::session::{self, Encryption};
use crate::ui::app::trust::KeyCheck;
use crate::ui::connection_bar::ConnectionIntent;
use crate::ui::export::{ExportFormat, ExportJob};
use crate::ui::import::ImportIntent;
use crate::ui::list_table::{RowCaps, TableIntent};
use crate::ui::paste;
use crate::ui::server_info::ServerInfoIntent;
use crate::ui::shortcuts::Shortcut;
use crate::ui::zoom;

/// One thing the user asked, from any part of the window.
#[derive(Debug, Clone)]
pub(crate) enum Intent {
    /// From the connection bar.
    Connection(ConnectionIntent),
    /// From the operations panel.
    Action(ActionIntent),
    /// A keyboard shortcut.
    Shortcut(Shortcut),
    /// From the menu bar.
    Menu(MenuIntent),
    /// From the table: a row selected, rows deleted, a value edited, a row moved.
    Table(TableIntent),
    /// The status line's Cancel: stop the bulk paste.
    CancelPaste,
    /// The console's close button.
    HideConsole,
    /// From the server status window.
    ServerInfo(ServerInfoIntent),
    /// The answer to a confirmation: go ahead or not.
    Confirmed(Confirmation, bool),
    /// The answer to the trust dialog: trust the new server's key or not.
    Trust(bool),
    /// The paste window's answer: append its lines or not.
    Paste(bool),
    /// Several lines were pasted outside the paste window: open it with them.
    Pasted(String),
    /// The import dialog's answer.
    Import(ImportIntent),
}

impl App {
    /// Carries out one intent.
    pub(crate) fn apply(&mut self, intent: Intent) {
        match intent {
            Intent::Connection(intent) => self.on_connection_intent(intent),
            Intent::Action(intent) => self.on_action(intent),
            Intent::Shortcut(shortcut) => self.on_shortcut(shortcut),
            Intent::Menu(intent) => self.on_menu(intent),
            Intent::Table(intent) => self.on_table(intent),
            Intent::CancelPaste => self.session.cancel_paste(),
            Intent::HideConsole => self.settings.console_visible = false,
            Intent::ServerInfo(ServerInfoIntent::Refresh) => {
                self.session.refresh_server_status();
            }
            Intent::Confirmed(what, yes) => {
                self.confirm = None;
                if yes {
                    match what {
                        Confirmation::Clear => {
                            self.session.send(Command::Clear);
                        }
                        Confirmation::ForgetKey(server) => self.forget_key(&server),
                    }
                }
            }
            Intent::Trust(trusted) => self.answer_trust(trusted),
            Intent::Paste(start) => {
                if let Some(text) = self.paste_text.take()
                    && start
                {
                    self.session.start_paste(&paste::lines_to_append(&text));
                }
            }
            Intent::Pasted(text) => self.paste_text = Some(text),
            Intent::Import(intent) => {
                self.import = None;
                if let ImportIntent::Start(elements) = intent {
                    // The same bulk append as a paste: progress bar, Cancel, one summary.
                    self.session.start_paste(&elements);
                }
            }
        }
        self.flush_notices();
    }

    /// Starts an engine for `endpoint` with the settings' options, encrypted as
    /// `encryption` says.
    pub(crate) fn connect(&mut self, endpoint: &str, local: bool, encryption: Encryption) {
        self.session.disconnect();
        match session::client_options(&self.settings, endpoint, encryption) {
            Ok(options) => self.session.connect(options, local),
            Err(error) => self.notify(Notice::CurveKey(format!("{error:#}"))),
        }
    }

    fn on_connection_intent(&mut self, intent: ConnectionIntent) {
        match intent {
            ConnectionIntent::Connect => self.connect_remote(),
            ConnectionIntent::Disconnect => {
                self.key_check = KeyCheck::Idle;
                self.session.disconnect();
                self.notify(Notice::Disconnected);
            }
            ConnectionIntent::ForgetKey => self.ask_forget_key(),
            ConnectionIntent::LocalServer(true) => {
                self.session.disconnect();
                self.key_check = KeyCheck::Idle;
                self.keep_token();
                let dir = self.local_data_dir.clone();
                self.local
                    .set_token(crate::net::access::Token::new(&self.settings.token));
                match self.local.start_in(&self.settings.local_server, dir) {
                    Ok(endpoint) => {
                        self.settings.endpoint = endpoint.clone();
                        // Its own server: the app knows the key, nothing to ask.
                        let key = self.local.key();
                        let encryption = key.map_or(Encryption::Plain, Encryption::Key);
                        self.connect(&endpoint, true, encryption);
                        let bound = self.local.endpoint().unwrap_or(&endpoint).to_owned();
                        self.notify(Notice::LocalServerOn {
                            endpoint: bound,
                            key,
                        });
                        self.inputs.focus_value = true;
                    }
                    Err(error) => self.notify(Notice::LocalServerFailed(error)),
                }
            }
            ConnectionIntent::LocalServer(false) => {
                if self.session.is_local() {
                    self.session.disconnect();
                }
                self.local.stop();
                self.notify(Notice::LocalServerOff);
            }
        }
    }

    /// The element for remove and search: the value typed, or else the selected row's.
    fn element_or_selected(&self) -> Option<String> {
        let typed = self.inputs.value.trim();
        if !typed.is_empty() {
            return Some(typed.to_owned());
        }
        let list = self.session.list();
        list.selected()
            .and_then(|i| list.items().get(i))
            .filter(|v| !v.trim().is_empty())
            .cloned()
    }

    /// Sends `command` with the element typed or selected, or says that one is needed.
    fn send_element(&mut self, command: fn(String) -> Command) {
        match self.element_or_selected() {
            Some(element) => {
                self.session.send(command(element));
            }
            None => self.notify(Notice::NeedValue),
        }
    }

    /// The value typed, or says that one is needed.
    fn value_typed(&mut self) -> Option<String> {
        let value = self.inputs.value.trim().to_owned();
        if value.is_empty() {
            self.notify(Notice::NeedValue);
            return None;
        }
        Some(value)
    }

    /// The position typed, else the selected row's; or says what is wrong.
    fn position(&mut self) -> Option<Position> {
        let typed = self.inputs.position.trim().to_owned();
        if typed.is_empty() {
            let selected = self.session.list().selected().map(Position::from_index);
            if selected.is_none() {
                self.notify(Notice::NeedPosition);
            }
            return selected;
        }
        let parsed = Position::parse(&typed);
        if parsed.is_none() {
            let len = self.session.list().items().len();
            self.notify(Notice::PositionNotANumber { typed, len });
        }
        parsed
    }

    fn on_action(&mut self, intent: ActionIntent) {
        if intent.changes_the_list() && self.session.is_read_only() {
            // Shortcuts reach here too, with the buttons disabled.
            self.notify(Notice::ReadOnly);
            return;
        }
        match intent {
            ActionIntent::Append => {
                let Some(value) = self.value_typed() else {
                    return;
                };
                if self.session.send(Command::Append(value.clone())).is_some() {
                    self.inputs.value.clear();
                    self.session.warn_if_seed_keeps_first_word(&value);
                }
            }
            ActionIntent::Insert => {
                let Some(value) = self.value_typed() else {
                    return;
                };
                let Some(position) = self.position() else {
                    return;
                };
                let command = Command::Insert {
                    position,
                    element: value.clone(),
                };
                if self.session.send(command).is_some() {
                    self.session.warn_if_seed_keeps_first_word(&value);
                }
            }
            ActionIntent::Remove => self.send_element(Command::Remove),
            ActionIntent::Search => self.send_element(Command::Search),
            ActionIntent::SortAscending => {
                self.session.send(Command::SortAscending);
            }
            ActionIntent::SortDescending => {
                self.session.send(Command::SortDescending);
            }
            ActionIntent::AskClear => {
                if self.session.is_connected() {
                    self.confirm = Some(Confirmation::Clear);
                }
            }
            ActionIntent::Refresh => self.session.refresh(),
            ActionIntent::OpenPaste => {
                if self.session.is_connected() && self.paste_text.is_none() {
                    self.paste_text = Some(String::new());
                }
            }
            ActionIntent::Export(format) => self.start_export(format),
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
                let intent = if self.link() != crate::ui::connection_bar::Link::Idle {
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
            Shortcut::ZoomIn => self.settings.zoom = zoom::zoomed_in(self.settings.zoom),
            Shortcut::ZoomOut => self.settings.zoom = zoom::zoomed_out(self.settings.zoom),
            Shortcut::ZoomReset => self.settings.zoom = 1.0,
            Shortcut::Undo => self.session.undo(false),
            Shortcut::Redo => self.session.undo(true),
        }
    }

    fn on_menu(&mut self, intent: MenuIntent) {
        match intent {
            MenuIntent::Export(format) => self.start_export(format),
            MenuIntent::Import => self.start_import(None),
            MenuIntent::Undo => self.session.undo(false),
            MenuIntent::Redo => self.session.undo(true),
            MenuIntent::Row(action) => {
                if let Some(intent) = self.session.list_mut().row_action(action) {
                    self.on_table(intent);
                }
            }
            MenuIntent::Quit => self.ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            MenuIntent::ServerStatus => self.session.open_server_status(),
            MenuIntent::Shortcuts => self.show_shortcuts = true,
            MenuIntent::About => self.show_about = true,
            MenuIntent::OpenLogFolder => self.open_log_folder(),
        }
    }

    /// Opens the folder of the app's log files (made if missing) in the file manager.
    fn open_log_folder(&mut self) {
        let Some(dir) = crate::platform::log_dir() else {
            self.notify(Notice::LogFolderFailed(None));
            return;
        };
        let opened =
            std::fs::create_dir_all(&dir).and_then(|()| crate::platform::open_folder(&dir));
        if let Err(error) = opened {
            let error = format!("{}: {error}", dir.display());
            self.notify(Notice::LogFolderFailed(Some(error)));
        }
    }

    fn start_export(&mut self, format: ExportFormat) {
        let list = self.session.list();
        if self.export.is_some() || !list.has_list() {
            return;
        }
        let language = self.language();
        let ctx = self.ctx.clone();
        match ExportJob::start(
            list.items().to_vec(),
            format,
            language.texts().export.trim_end_matches('…').to_owned(),
            move || ctx.request_repaint(),
        ) {
            Ok(job) => self.export = Some(job),
            Err(error) => self.notify(Notice::ExportFailed(error.to_string())),
        }
    }

    fn on_table(&mut self, intent: TableIntent) {
        if self.session.is_read_only() && !matches!(intent, TableIntent::Select(_)) {
            self.notify(Notice::ReadOnly);
            return;
        }
        match intent {
            TableIntent::Select(index) => self.select(index),
            TableIntent::Delete(rows) => self.session.delete_rows(&rows),
            TableIntent::Row(command) => self.session.send_row_change(command),
        }
    }

    /// What the server lets the table's row actions do.
    pub(crate) fn row_caps(&self) -> RowCaps {
        RowCaps {
            exact: self.session.server_kind() != Some(&ServerKind::Seed),
            read_only: self.session.is_read_only(),
        }
    }

    /// The cursor went to a row: fill the position and value from it.
    fn select(&mut self, index: usize) {
        let list = self.session.list();
        if let Some(value) = list.items().get(index) {
            self.inputs.value = value.clone();
        }
        self.inputs.position = index.to_string();
    }
}
