//! The app's two languages, Brazilian Portuguese and English: every UI string lives here.
//!
//! Plain strings are fields of [`Texts`] (so the compiler checks that both languages have
//! each one); messages with values in them are methods on [`Language`] with an exhaustive
//! `match`. Protocol words and the server's reply texts are never translated.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::net::client::{ConnectionState, NotLive, RequestFailure, trail};
use crate::net::status::StatusError;
use crate::ui::shortcuts::Shortcut;

/// A language the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Language {
    /// Português (Brasil).
    PtBr,
    /// English.
    En,
}

impl Language {
    /// Every language, in menu order.
    pub const ALL: [Self; 2] = [Self::PtBr, Self::En];

    /// Picks the language for an OS locale such as `pt-BR`, `pt_PT.UTF-8` or `en-US`:
    /// Portuguese for any `pt` locale, English otherwise (and when the OS does not say).
    pub fn from_locale(locale: Option<&str>) -> Self {
        match locale {
            Some(locale) if locale.to_ascii_lowercase().starts_with("pt") => Self::PtBr,
            _ => Self::En,
        }
    }

    /// The language of the operating system's locale.
    pub fn from_os() -> Self {
        Self::from_locale(sys_locale::get_locale().as_deref())
    }

    /// The language's own name, as shown in the language menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::PtBr => "Português (Brasil)",
            Self::En => "English",
        }
    }

    /// The plain strings of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::PtBr => &PT_BR,
            Self::En => &EN,
        }
    }

    /// The status light's text for a connection state.
    pub fn connection_state(self, state: ConnectionState) -> String {
        let t = self.texts();
        match state {
            ConnectionState::Connecting => t.state_connecting.to_owned(),
            ConnectionState::Connected => t.state_connected.to_owned(),
            ConnectionState::Disconnected => t.state_lost.to_owned(),
            ConnectionState::Retrying => t.state_retrying.to_owned(),
            ConnectionState::HandshakeFailed => t.state_handshake_failed.to_owned(),
            ConnectionState::AuthFailed => t.state_auth_failed.to_owned(),
            ConnectionState::Unreachable { tries } => match self {
                Self::PtBr => format!("Inalcançável (sem resposta após {tries} tentativas)"),
                Self::En => format!("Unreachable (no reply after {tries} tries)"),
            },
        }
    }

    /// What a request failure means and what to try, for the status line: the failure as
    /// the client engine words it in this language (the English `#[error]` of
    /// [`RequestFailure`], or [`trail::failure`]), and the app's own advice (its fields).
    pub fn request_failure(self, request: &str, failure: &RequestFailure) -> String {
        let wording = match self {
            Self::PtBr => trail::failure(failure),
            Self::En => failure.to_string(),
        };
        let t = self.texts();
        let advice = match (self, failure) {
            (Self::PtBr, RequestFailure::NoReply { .. }) => " Confira o endereço e a porta \
                                                             (numa EC2, a porta liberada no \
                                                             security group)."
                .to_owned(),
            (Self::En, RequestFailure::NoReply { .. }) => " Check the address and port (on \
                                                           EC2, the port must be open in the \
                                                           security group)."
                .to_owned(),
            (
                Self::PtBr,
                RequestFailure::Refused { .. } | RequestFailure::HandshakeFailed { .. },
            ) => {
                format!(
                    " Confira o campo {} e, para CURVE, a {} (e o arquivo de chave do cliente).",
                    t.token_label, t.server_key_label
                )
            }
            (Self::En, RequestFailure::Refused { .. } | RequestFailure::HandshakeFailed { .. }) => {
                format!(
                    " Check the {} field and, for CURVE, the {} (and the client's key file).",
                    t.token_label, t.server_key_label
                )
            }
            (_, RequestFailure::ChangeNotRetried { .. } | RequestFailure::Stopped) => String::new(),
        };
        format!("“{request}”: {}{advice}", trail::sentences(&wording))
    }

    /// Why the list is not live (as the client engine words it in this language), and what
    /// the app does instead (a tooltip).
    pub fn live_unavailable(self, why: &NotLive) -> String {
        let (why, fallback) = match self {
            Self::PtBr => (
                trail::not_live(why),
                "A lista é pedida de novo depois de cada mudança sua (e, se escolhido em \
                 Exibir, de tempos em tempos).",
            ),
            Self::En => (
                why.to_string(),
                "The list is fetched again after each of your changes (and every few seconds \
                 if chosen under View).",
            ),
        };
        format!("{} {fallback}", trail::capitalized(&trail::sentences(&why)))
    }

    /// An automatic refresh period, for the View menu.
    pub fn auto_refresh_every(self, secs: u64) -> String {
        match self {
            Self::PtBr => format!("A cada {secs} s"),
            Self::En => format!("Every {secs} s"),
        }
    }

    /// An error reply from the server: its text exactly, then what it means.
    pub fn error_reply(self, request: &str, reply: &str) -> String {
        match self {
            Self::PtBr => format!("{request} » {reply}  (o servidor recusou; a lista não mudou)"),
            Self::En => {
                format!("{request} » {reply}  (the server refused it; the list did not change)")
            }
        }
    }

    /// A malformed endpoint or bind address.
    pub fn bad_endpoint(self, error: &str) -> String {
        match self {
            Self::PtBr => format!("Endereço inválido: {error}"),
            Self::En => format!("Invalid address: {error}"),
        }
    }

    /// The client engine could not start.
    pub fn client_failed(self, error: &str) -> String {
        match self {
            Self::PtBr => format!("Não foi possível iniciar o cliente: {error}"),
            Self::En => format!("Cannot start the client: {error}"),
        }
    }

    /// Connecting to an endpoint.
    pub fn connecting_to(self, endpoint: &str) -> String {
        match self {
            Self::PtBr => format!("Conectando a {endpoint}…"),
            Self::En => format!("Connecting to {endpoint}…"),
        }
    }

    /// The embedded server is up.
    pub fn local_server_on(self, endpoint: &str) -> String {
        match self {
            Self::PtBr => format!("Servidor local escutando em {endpoint}"),
            Self::En => format!("Local server listening on {endpoint}"),
        }
    }

    /// The embedded server could not start.
    pub fn local_server_failed(self, error: &str) -> String {
        match self {
            Self::PtBr => format!("Não foi possível iniciar o servidor local: {error}"),
            Self::En => format!("Cannot start the local server: {error}"),
        }
    }

    /// A typed position that is not a whole number.
    pub fn position_not_a_number(self, text: &str, len: usize) -> String {
        match self {
            Self::PtBr => format!(
                "A posição “{text}” não é um número inteiro: digite um número de 0 a {len}."
            ),
            Self::En => format!("Position “{text}” is not a whole number: type 0 to {len}."),
        }
    }

    /// `count` elements, with the noun in the singular for one.
    pub fn elements(self, count: usize) -> String {
        match (self, count) {
            (Self::PtBr, 1) => "1 elemento".to_owned(),
            (Self::PtBr, _) => format!("{count} elementos"),
            (Self::En, 1) => "1 element".to_owned(),
            (Self::En, _) => format!("{count} elements"),
        }
    }

    /// The list arrived.
    pub fn list_refreshed(self, len: usize) -> String {
        let elements = self.elements(len);
        match self {
            Self::PtBr => format!("Lista atualizada: {elements}."),
            Self::En => format!("List refreshed: {elements}."),
        }
    }

    /// The element count under the table.
    pub fn element_count(self, shown: usize, total: usize, filtered: bool) -> String {
        let elements = self.elements(total);
        match (self, filtered) {
            (_, false) => elements,
            (Self::PtBr, true) => format!("{shown} de {elements}"),
            (Self::En, true) => format!("{shown} of {elements}"),
        }
    }

    /// No row contains the filter text.
    pub fn no_match(self, filter: &str) -> String {
        match self {
            Self::PtBr => format!("Nenhum elemento contém “{filter}”."),
            Self::En => format!("No element contains “{filter}”."),
        }
    }

    /// How many rows a search highlighted.
    pub fn highlighted(self, count: usize) -> String {
        match (self, count) {
            (Self::PtBr, 1) => "1 linha destacada".to_owned(),
            (Self::PtBr, _) => format!("{count} linhas destacadas"),
            (Self::En, 1) => "1 row highlighted".to_owned(),
            (Self::En, _) => format!("{count} rows highlighted"),
        }
    }

    /// The clear confirmation's body.
    pub fn clear_question(self, len: usize) -> String {
        match self {
            Self::PtBr => format!(
                "Isto apaga os {len} elementos da lista no servidor, para todos os clientes. \
                 Não dá para desfazer."
            ),
            Self::En => format!(
                "This removes all {len} elements from the list on the server, for every \
                 client. It cannot be undone."
            ),
        }
    }

    /// Lines waiting in the paste box.
    pub fn paste_count(self, lines: usize) -> String {
        match self {
            Self::PtBr => format!("{lines} linhas para adicionar"),
            Self::En => format!("{lines} lines to append"),
        }
    }

    /// Progress of a bulk append.
    pub fn paste_progress(self, done: usize, total: usize) -> String {
        match self {
            Self::PtBr => format!("Adicionando {done}/{total}"),
            Self::En => format!("Appending {done}/{total}"),
        }
    }

    /// A bulk append finished.
    pub fn paste_done(self, appended: usize, failed: usize, cancelled: usize) -> String {
        match self {
            Self::PtBr => format!(
                "Colagem terminada: {appended} adicionadas, {failed} com erro, {cancelled} canceladas."
            ),
            Self::En => format!(
                "Paste finished: {appended} appended, {failed} failed, {cancelled} cancelled."
            ),
        }
    }

    /// A seed server keeps only the first word of an element.
    pub fn seed_first_word(self, element: &str) -> String {
        match self {
            Self::PtBr => format!(
                "Atenção: este servidor só fala o protocolo da aula e guarda só a primeira \
                 palavra de “{element}”."
            ),
            Self::En => format!(
                "Note: this server speaks only the classroom protocol and keeps only the first \
                 word of “{element}”."
            ),
        }
    }

    /// The list was written to a file.
    pub fn exported(self, count: usize, path: &str) -> String {
        match self {
            Self::PtBr => match count {
                1 => format!("1 elemento exportado para {path}"),
                _ => format!("{count} elementos exportados para {path}"),
            },
            Self::En => format!("Exported {} to {path}", self.elements(count)),
        }
    }

    /// The export failed.
    pub fn export_failed(self, error: &str) -> String {
        match self {
            Self::PtBr => format!("Não foi possível exportar: {error}"),
            Self::En => format!("Export failed: {error}"),
        }
    }

    /// The console's note when a live update does not fit the list shown (the app then
    /// fetches the list afresh); `error` is the library's reason.
    pub fn update_misfit(self, version: u64, error: &str) -> String {
        match self {
            Self::PtBr => format!(
                "a atualização {version} não se aplica à lista mostrada ({error}); buscando a lista de novo"
            ),
            Self::En => {
                format!("update {version} does not fit the list shown ({error}); resyncing")
            }
        }
    }

    /// The log folder could not be opened: why, or `None` when there is no home folder.
    pub fn log_folder_failed(self, error: Option<&str>) -> String {
        match (self, error) {
            (Self::PtBr, Some(error)) => format!("Não foi possível abrir a pasta de logs: {error}"),
            (Self::PtBr, None) => {
                "Não foi possível abrir a pasta de logs: não há pasta pessoal (home)".to_owned()
            }
            (Self::En, Some(error)) => format!("Could not open the log folder: {error}"),
            (Self::En, None) => "Could not open the log folder: there is no home folder".to_owned(),
        }
    }

    /// The console's line count.
    pub fn console_count(self, shown: usize, total: usize, dropped: u64) -> String {
        match self {
            Self::PtBr if dropped > 0 => {
                format!("{shown}/{total} linhas ({dropped} antigas descartadas)")
            }
            Self::En if dropped > 0 => {
                format!("{shown}/{total} lines ({dropped} old ones dropped)")
            }
            Self::PtBr => format!("{shown}/{total} linhas"),
            Self::En => format!("{shown}/{total} lines"),
        }
    }

    /// The round-trip time label.
    pub fn round_trip(self, rtt: Duration) -> String {
        let ms = rtt.as_secs_f64() * 1000.0;
        match self {
            Self::PtBr => format!("RTT {ms:.1} ms"),
            Self::En => format!("RTT {ms:.1} ms"),
        }
    }

    /// Why the server status window shows no status: the server answered something else.
    pub fn status_not_reported(self, error: &StatusError) -> String {
        match (self, error) {
            (Self::PtBr, StatusError::NotStatus(answer)) => format!(
                "Este servidor (o da aula, seed) não informa seu estado: respondeu “{answer}” \
                 a zlist.status. Só um servidor zlist responde a esse pedido."
            ),
            (Self::En, StatusError::NotStatus(answer)) => format!(
                "This server (the seed's) does not report its status: it answered “{answer}” \
                 to zlist.status. Only a zlist server answers that request."
            ),
            (Self::PtBr, StatusError::BadField(field)) => format!(
                "O estado enviado pelo servidor não pôde ser lido: “{field}” falta ou é \
                 inválido."
            ),
            (Self::En, StatusError::BadField(field)) => {
                format!("The server's status could not be read: “{field}” is missing or invalid.")
            }
        }
    }

    /// How long ago the server status arrived.
    pub fn status_updated(self, ago: Duration) -> String {
        let secs = ago.as_secs();
        match self {
            Self::PtBr => format!("Atualizado há {secs} s"),
            Self::En => format!("Updated {secs} s ago"),
        }
    }

    /// Where a server keeps its list, as `zlist.status` says it (`memory`, `disk`);
    /// unknown words are shown as they are.
    pub fn storage_name(self, storage: &str) -> String {
        match (self, storage) {
            (Self::PtBr, "memory") => "memória (a lista se perde quando o servidor para)",
            (Self::En, "memory") => "memory (the list is lost when the server stops)",
            (Self::PtBr, "disk") => "disco (a lista sobrevive a um reinício)",
            (Self::En, "disk") => "disk (the list survives a restart)",
            (_, other) => other,
        }
        .to_owned()
    }

    /// Who may connect, as `zlist.status` says it (`token`, `loopback-only`, `open`, with
    /// `+allow-list`); unknown words are shown as they are.
    pub fn access_name<'a>(self, access: &'a str) -> String {
        let word = |word: &'a str| -> &'a str {
            match (self, word) {
                (Self::PtBr, "token") => "exige token",
                (Self::En, "token") => "token required",
                (Self::PtBr, "loopback-only") => "só esta máquina (sem token: modo protegido)",
                (Self::En, "loopback-only") => "this machine only (no token: protected mode)",
                (Self::PtBr, "open") => "aberto a quem alcançar a porta",
                (Self::En, "open") => "open to anyone who reaches the port",
                (Self::PtBr, "allow-list") => "lista de endereços permitidos",
                (Self::En, "allow-list") => "allow list of addresses",
                (_, other) => other,
            }
        };
        access.split('+').map(word).collect::<Vec<_>>().join(" + ")
    }

    /// Waiting for replies.
    pub fn waiting(self, pending: usize) -> String {
        match self {
            Self::PtBr => format!("Aguardando {pending} respostas…"),
            Self::En => format!("Waiting for {pending} replies…"),
        }
    }
}

/// Every plain UI string of one language.
#[derive(Debug)]
pub struct Texts {
    /// Menu: File.
    pub menu_file: &'static str,
    /// Menu: View.
    pub menu_view: &'static str,
    /// Menu: Help.
    pub menu_help: &'static str,
    /// Export the list.
    pub export: &'static str,
    /// Export tooltip.
    pub export_tip: &'static str,
    /// Export as plain text.
    pub export_text: &'static str,
    /// Export as CSV.
    pub export_csv: &'static str,
    /// Export as JSON.
    pub export_json: &'static str,
    /// Export cancelled.
    pub export_cancelled: &'static str,
    /// Quit.
    pub quit: &'static str,
    /// Console visibility toggle.
    pub show_console: &'static str,
    /// Theme menu.
    pub theme: &'static str,
    /// Follow the OS theme.
    pub theme_system: &'static str,
    /// Light theme.
    pub theme_light: &'static str,
    /// Dark theme.
    pub theme_dark: &'static str,
    /// Language menu.
    pub language: &'static str,
    /// Follow the OS language.
    pub language_auto: &'static str,
    /// Shortcuts window title.
    pub shortcuts: &'static str,
    /// About window title.
    pub about: &'static str,
    /// Help menu: open the folder of the app's log files.
    pub open_log_folder: &'static str,
    /// About text.
    pub about_text: &'static str,
    /// Close a window.
    pub close: &'static str,
    /// Request settings menu entry.
    pub request_settings: &'static str,
    /// Timeout per try.
    pub timeout_label: &'static str,
    /// Tries per request.
    pub tries_label: &'static str,
    /// Applies on the next connect.
    pub applies_next_connect: &'static str,

    /// The endpoint field's label.
    pub server_label: &'static str,
    /// The endpoint field's tooltip.
    pub endpoint_tip: &'static str,
    /// Recent endpoints menu.
    pub recent: &'static str,
    /// Recent endpoints tooltip.
    pub recent_tip: &'static str,
    /// Nothing in the recent list.
    pub recent_empty: &'static str,
    /// Connect.
    pub connect: &'static str,
    /// Connect tooltip.
    pub connect_tip: &'static str,
    /// Disconnect.
    pub disconnect: &'static str,
    /// Disconnect tooltip.
    pub disconnect_tip: &'static str,
    /// No client running.
    pub state_idle: &'static str,
    /// Connecting.
    pub state_connecting: &'static str,
    /// Connected.
    pub state_connected: &'static str,
    /// Connection lost.
    pub state_lost: &'static str,
    /// libzmq retrying.
    pub state_retrying: &'static str,
    /// ZMTP handshake failed.
    pub state_handshake_failed: &'static str,
    /// Authentication refused.
    pub state_auth_failed: &'static str,
    /// The token field's label.
    pub token_label: &'static str,
    /// The token field's hint.
    pub token_hint: &'static str,
    /// The token field's tooltip.
    pub token_tip: &'static str,
    /// The CURVE server key field's label.
    pub server_key_label: &'static str,
    /// Its hint when empty.
    pub server_key_hint: &'static str,
    /// Its tooltip, when this build can encrypt.
    pub server_key_tip: &'static str,
    /// Its tooltip, when this build cannot.
    pub curve_unavailable: &'static str,
    /// Its hint, when this build cannot.
    pub curve_unavailable_hint: &'static str,
    /// The client key file field's label (View menu).
    pub key_file_label: &'static str,
    /// Its tooltip.
    pub key_file_tip: &'static str,
    /// Prefix of the error for a server key or key file that cannot be used.
    pub curve_key_error: &'static str,
    /// The About window's line when this build can encrypt.
    pub curve_available_line: &'static str,
    /// The status light's accessible name.
    pub status_light: &'static str,
    /// A zlist server answered.
    pub server_zlist: &'static str,
    /// A seed-only server answered.
    pub server_seed: &'static str,
    /// Round-trip tooltip.
    pub round_trip_tip: &'static str,
    /// The list follows the server live.
    pub live_on: &'static str,
    /// Its tooltip.
    pub live_on_tip: &'static str,
    /// The live list is fetching a fresh snapshot.
    pub live_syncing: &'static str,
    /// Its tooltip.
    pub live_syncing_tip: &'static str,
    /// A seed server: no live updates, the list is fetched after each change.
    pub seed_mode: &'static str,
    /// A zlist server without (reachable) live updates.
    pub live_off: &'static str,
    /// Automatic refresh setting (without live updates).
    pub auto_refresh: &'static str,
    /// Its tooltip.
    pub auto_refresh_tip: &'static str,
    /// Automatic refresh off.
    pub auto_refresh_off: &'static str,

    /// The embedded server switch.
    pub local_server: &'static str,
    /// Its tooltip.
    pub local_server_tip: &'static str,
    /// The bind address label.
    pub bind_label: &'static str,
    /// The bind address tooltip.
    pub bind_tip: &'static str,
    /// Binding every interface.
    pub bind_warning: &'static str,
    /// Shown instead of the warning when every interface is bound without a token.
    pub bind_protected: &'static str,
    /// Keep the embedded list on disk.
    pub persist: &'static str,
    /// Persist tooltip.
    pub persist_tip: &'static str,
    /// The embedded server stopped.
    pub local_server_off: &'static str,

    /// Table header: position.
    pub col_position: &'static str,
    /// Table header: value.
    pub col_value: &'static str,
    /// The list is empty.
    pub empty_list: &'static str,
    /// Nothing to show yet.
    pub no_list_yet: &'static str,
    /// The filter box hint.
    pub filter_hint: &'static str,
    /// The filter box tooltip.
    pub filter_tip: &'static str,
    /// Table accessible name.
    pub table_name: &'static str,

    /// The actions panel heading.
    pub actions_heading: &'static str,
    /// Value field label.
    pub value_label: &'static str,
    /// Value field hint.
    pub value_hint: &'static str,
    /// Position field label.
    pub position_label: &'static str,
    /// Position field hint.
    pub position_hint: &'static str,
    /// Append button.
    pub append: &'static str,
    /// Append tooltip.
    pub append_tip: &'static str,
    /// Insert button.
    pub insert: &'static str,
    /// Insert tooltip.
    pub insert_tip: &'static str,
    /// Remove button.
    pub remove: &'static str,
    /// Remove tooltip.
    pub remove_tip: &'static str,
    /// The protocol removes the first occurrence.
    pub remove_note: &'static str,
    /// Search button.
    pub search: &'static str,
    /// Search tooltip.
    pub search_tip: &'static str,
    /// Sort ascending button.
    pub sort_ascending: &'static str,
    /// Sort ascending tooltip.
    pub sort_ascending_tip: &'static str,
    /// Sort descending button.
    pub sort_descending: &'static str,
    /// Sort descending tooltip.
    pub sort_descending_tip: &'static str,
    /// Clear button.
    pub clear: &'static str,
    /// Clear tooltip.
    pub clear_tip: &'static str,
    /// Refresh button.
    pub refresh: &'static str,
    /// Refresh tooltip.
    pub refresh_tip: &'static str,
    /// Paste lines button.
    pub paste_lines: &'static str,
    /// Paste lines tooltip.
    pub paste_lines_tip: &'static str,
    /// Why a control is disabled: no connection.
    pub need_connection: &'static str,
    /// A value is needed.
    pub need_value: &'static str,
    /// A position is needed.
    pub need_position: &'static str,
    /// The server's answer to the last search.
    pub last_search: &'static str,

    /// Clear confirmation title.
    pub clear_title: &'static str,
    /// Clear confirmation button.
    pub clear_confirm: &'static str,
    /// Cancel.
    pub cancel: &'static str,

    /// Paste window title.
    pub paste_title: &'static str,
    /// Paste window help.
    pub paste_help: &'static str,
    /// Paste box accessible name.
    pub paste_box: &'static str,
    /// Start the bulk append.
    pub paste_start: &'static str,
    /// Cancel the bulk append.
    pub paste_cancel: &'static str,

    /// Console heading.
    pub console_title: &'static str,
    /// Level filter label.
    pub console_level: &'static str,
    /// Console search hint.
    pub console_search: &'static str,
    /// Copy the console.
    pub console_copy: &'static str,
    /// Copy tooltip.
    pub console_copy_tip: &'static str,
    /// Clear the console.
    pub console_clear: &'static str,
    /// Auto-scroll toggle.
    pub console_auto_scroll: &'static str,
    /// Hide the console.
    pub console_hide: &'static str,
    /// Console line source: the client engine.
    pub source_client: &'static str,
    /// Console line source: the embedded server.
    pub source_server: &'static str,
    /// Console line source: the app.
    pub source_app: &'static str,
    /// Time column note.
    pub console_time_tip: &'static str,

    /// Menu entry that opens the server status window.
    pub server_status_menu: &'static str,
    /// The server status window's title.
    pub server_status_title: &'static str,
    /// What the window shows, and how often it asks.
    pub server_status_tip: &'static str,
    /// Ask the server for its status now.
    pub server_status_refresh: &'static str,
    /// Waiting for the first status.
    pub server_status_asking: &'static str,
    /// Status row: the server's software and version.
    pub status_server: &'static str,
    /// Status row: how long the server has been running.
    pub status_uptime: &'static str,
    /// Status row: connected clients.
    pub status_clients: &'static str,
    /// Status row: live-update subscribers.
    pub status_subscribers: &'static str,
    /// The server does not publish live updates.
    pub status_live_off: &'static str,
    /// Status row: elements in the list.
    pub status_elements: &'static str,
    /// Status row: the list's size in bytes.
    pub status_bytes: &'static str,
    /// Status row: changes since the start.
    pub status_changes: &'static str,
    /// Status row: requests answered / with an error.
    pub status_requests: &'static str,
    /// Status row: where the list is kept.
    pub status_storage: &'static str,
    /// Status row: who may connect.
    pub status_access: &'static str,

    /// Nothing happened yet.
    pub ready: &'static str,
    /// The client worker stopped.
    pub client_gone: &'static str,
    /// Disconnected by the user.
    pub disconnected: &'static str,
    /// Shortcut help, first line: where Enter appends ("Enter (in the Value field)").
    pub shortcut_enter_where: &'static str,
    /// Shortcut help, first line: what Enter does there.
    pub shortcut_enter_action: &'static str,
    /// Shortcut help: what each shortcut does, in the order listed (the keys come from
    /// [`crate::ui::shortcuts::TABLE`]).
    pub shortcut_lines: &'static [(Shortcut, &'static str)],
}

/// Brazilian Portuguese.
pub static PT_BR: Texts = Texts {
    menu_file: "Arquivo",
    menu_view: "Exibir",
    menu_help: "Ajuda",
    export: "Exportar…",
    export_tip: "Salva a lista num arquivo de texto, CSV ou JSON",
    export_text: "Texto (um elemento por linha)",
    export_csv: "CSV (posição, valor)",
    export_json: "JSON (lista de textos)",
    export_cancelled: "Exportação cancelada.",
    quit: "Sair",
    show_console: "Console de depuração (F12)",
    theme: "Tema",
    theme_system: "Seguir o sistema",
    theme_light: "Claro",
    theme_dark: "Escuro",
    language: "Idioma",
    language_auto: "Automático (do sistema)",
    shortcuts: "Atalhos de teclado",
    about: "Sobre o zlist",
    open_log_folder: "Abrir a pasta de logs",
    about_text: "zlist: uma lista guardada num servidor e compartilhada via ZeroMQ. \
                 Compatível com o programa \"Lista Remota\" da aula (servidorZMQ.py / clienteZMQ.py).",
    close: "Fechar",
    request_settings: "Pedidos",
    timeout_label: "Espera por tentativa (ms)",
    tries_label: "Tentativas por pedido",
    applies_next_connect: "Vale na próxima conexão.",

    server_label: "Servidor",
    endpoint_tip: "Endereço do servidor: HOST:PORTA ou tcp://HOST:PORTA (ex.: 127.0.0.1:1234, ou o IP público da EC2 e a porta 1234)",
    recent: "Recentes",
    recent_tip: "Servidores a que você já se conectou",
    recent_empty: "(nenhum ainda)",
    connect: "Conectar",
    connect_tip: "Conecta ao servidor deste endereço",
    disconnect: "Desconectar",
    disconnect_tip: "Fecha a conexão; pedidos na fila são descartados",
    state_idle: "Desconectado",
    state_connecting: "Conectando… (ainda sem resposta do servidor)",
    state_connected: "Conectado",
    state_lost: "Conexão perdida",
    state_retrying: "Tentando conectar… (ninguém respondeu ainda nesse endereço)",
    state_handshake_failed: "Handshake ZeroMQ falhou: o servidor exige token? É um servidor ZeroMQ?",
    state_auth_failed: "Token errado ou ausente: o servidor recusou a autenticação",
    token_label: "Token",
    token_hint: "(nenhum)",
    token_tip: "O segredo que o servidor exige (zlist server --token-file). Vazio: sem token. \
                Com o servidor local ligado, os clientes também precisam dele.",
    server_key_label: "Chave do servidor",
    server_key_hint: "(sem cifra)",
    server_key_tip: "Cifra a conexão com CURVE: a chave pública do servidor (o zlist server a \
                     mostra ao iniciar) ou o caminho do seu arquivo .key. Vazio: sem cifra. \
                     Não se combina com um token.",
    curve_unavailable_hint: "(indisponível)",
    curve_unavailable: "Este zlist não cifra: sua libzmq não tem CURVE. Para cifrar, compile com \
                        scripts/curve.sh build (veja o README, \"Encryption\").",
    key_file_label: "Meu arquivo de chave (CURVE)",
    key_file_tip: "O arquivo NOME.key_secret feito por zlist keygen, para servidores que só \
                   admitem chaves listadas. Vazio: uma chave nova a cada conexão.",
    curve_key_error: "Não foi possível usar a chave CURVE",
    curve_available_line: "Cifra (CURVE): disponível neste build.",
    status_light: "Estado da conexão",
    server_zlist: "servidor zlist",
    server_seed: "servidor da aula (só o protocolo seed)",
    round_trip_tip: "Tempo de ida e volta da última resposta",
    live_on: "ao vivo",
    live_on_tip: "Ao vivo: as mudanças de todos os clientes aparecem aqui sozinhas \
                  (atualizações publicadas pelo servidor, PUB/SUB); a lista não é pedida de \
                  novo depois de cada mudança.",
    live_syncing: "sincronizando…",
    live_syncing_tip: "Buscando a lista com sua versão; as mudanças que chegarem enquanto \
                       isso são aplicadas por cima.",
    seed_mode: "modo seed",
    live_off: "sem ao vivo",
    auto_refresh: "Atualização automática sem ao vivo",
    auto_refresh_tip: "Sem atualizações ao vivo (servidor seed, ou porta de publicação \
                       bloqueada), pede a lista de tempos em tempos para ver as mudanças dos \
                       outros.",
    auto_refresh_off: "Desligada",

    local_server: "Servidor local",
    local_server_tip: "Liga um servidor zlist dentro deste app e conecta a ele: a demonstração numa máquina só",
    bind_label: "Escutar em",
    bind_tip: "Onde o servidor local escuta: tcp://127.0.0.1:1234 só esta máquina; tcp://0.0.0.0:1234 todas as interfaces; porta 0 escolhe uma livre",
    bind_warning: "Atenção: escutando em todas as interfaces: quem alcançar esta porta e tiver o token pode ler e apagar a lista.",
    bind_protected: "Atenção: escutando em todas as interfaces sem token: modo protegido, só esta máquina é atendida. Defina um token para abrir a outras máquinas.",
    persist: "Guardar no disco",
    persist_tip: "Guarda a lista do servidor local na pasta de dados do usuário (subpasta \"embedded\"), para reabrir com ela",
    local_server_off: "Servidor local desligado.",

    col_position: "Posição",
    col_value: "Valor",
    empty_list: "A lista está vazia. Digite um valor e tecle Enter para adicionar.",
    no_list_yet: "Conecte-se a um servidor, ou ligue o \"Servidor local\", para ver a lista.",
    filter_hint: "Filtrar (só nesta tela)",
    filter_tip: "Mostra só as linhas que contêm este texto; a lista no servidor não muda",
    table_name: "Lista",

    actions_heading: "Operações",
    value_label: "Valor",
    value_hint: "elemento (Enter adiciona)",
    position_label: "Posição",
    position_hint: "0, 1, 2…",
    append: "Adicionar",
    append_tip: "Envia append X: adiciona o valor no fim (Enter no campo Valor)",
    insert: "Inserir",
    insert_tip: "Envia insert P X: insere o valor antes da posição P",
    remove: "Remover",
    remove_tip: "Envia remover X: remove a primeira ocorrência do valor",
    remove_note: "Remover apaga só a primeira ocorrência do valor (regra do protocolo).",
    search: "Pesquisar",
    search_tip: "Envia pesquisar X; o servidor responde Encontrado ou Não encontrado, e as linhas iguais ficam destacadas",
    sort_ascending: "Ordenar crescente",
    sort_ascending_tip: "Envia ordenar_cresc: ordem crescente por código Unicode, '10' antes de '9'",
    sort_descending: "Ordenar decrescente",
    sort_descending_tip: "Envia ordenar_desc: ordem decrescente",
    clear: "Limpar…",
    clear_tip: "Envia limpar: apaga a lista inteira, depois de confirmar",
    refresh: "Atualizar",
    refresh_tip: "Envia mostrar e mostra a lista do servidor",
    paste_lines: "Colar linhas…",
    paste_lines_tip: "Adiciona várias linhas de uma vez, uma por append",
    need_connection: "Conecte-se a um servidor primeiro (Conectar, ou ligue o Servidor local).",
    need_value: "Digite um valor primeiro.",
    need_position: "Digite uma posição (0 = início) ou selecione uma linha.",
    last_search: "Última pesquisa:",

    clear_title: "Limpar a lista?",
    clear_confirm: "Sim, limpar a lista",
    cancel: "Cancelar",

    paste_title: "Adicionar várias linhas",
    paste_help: "Cole o texto abaixo: cada linha não vazia vira um append, na ordem.",
    paste_box: "Linhas para adicionar",
    paste_start: "Adicionar todas",
    paste_cancel: "Cancelar colagem",

    console_title: "Console de depuração",
    console_level: "Nível",
    console_search: "Procurar no console",
    console_copy: "Copiar",
    console_copy_tip: "Copia as linhas visíveis para a área de transferência",
    console_clear: "Limpar console",
    console_auto_scroll: "Rolar sozinho",
    console_hide: "Esconder console",
    source_client: "cliente",
    source_server: "servidor",
    source_app: "app",
    console_time_tip: "Horário UTC",

    server_status_menu: "Estado do servidor…",
    server_status_title: "Estado do servidor",
    server_status_tip: "Pergunta ao servidor como ele está (zlist.status): tempo no ar, clientes, \
                        tamanho da lista, pedidos. Com a janela aberta, pergunta de novo a cada 2 s.",
    server_status_refresh: "Atualizar estado",
    server_status_asking: "Perguntando ao servidor…",
    status_server: "Servidor",
    status_uptime: "Tempo no ar",
    status_clients: "Clientes conectados",
    status_subscribers: "Inscritos nas atualizações ao vivo",
    status_live_off: "atualizações ao vivo desligadas",
    status_elements: "Elementos",
    status_bytes: "Tamanho em bytes",
    status_changes: "Mudanças desde o início",
    status_requests: "Pedidos respondidos / com erro",
    status_storage: "Armazenamento",
    status_access: "Acesso",

    ready: "Pronto.",
    client_gone: "O cliente parou inesperadamente: clique em Conectar de novo.",
    disconnected: "Desconectado.",
    shortcut_enter_where: "no campo Valor",
    shortcut_enter_action: "Adicionar (append)",
    shortcut_lines: &[
        (Shortcut::Insert, "Inserir na posição"),
        (Shortcut::Remove, "Remover"),
        (Shortcut::Search, "Pesquisar"),
        (Shortcut::SortAscending, "Ordenar crescente"),
        (Shortcut::SortDescending, "Ordenar decrescente"),
        (Shortcut::Clear, "Limpar (pede confirmação)"),
        (Shortcut::Refresh, "Atualizar"),
        (Shortcut::PasteLines, "Colar várias linhas"),
        (Shortcut::Filter, "Filtrar"),
        (Shortcut::Export, "Exportar (texto)"),
        (Shortcut::ToggleConnection, "Conectar / desconectar"),
        (Shortcut::ToggleConsole, "Mostrar / esconder o console"),
        (Shortcut::Help, "Atalhos de teclado"),
    ],
};

/// English.
pub static EN: Texts = Texts {
    menu_file: "File",
    menu_view: "View",
    menu_help: "Help",
    export: "Export…",
    export_tip: "Save the list to a text, CSV or JSON file",
    export_text: "Text (one element per line)",
    export_csv: "CSV (position, value)",
    export_json: "JSON (array of strings)",
    export_cancelled: "Export cancelled.",
    quit: "Quit",
    show_console: "Debug console (F12)",
    theme: "Theme",
    theme_system: "Follow the system",
    theme_light: "Light",
    theme_dark: "Dark",
    language: "Language",
    language_auto: "Automatic (system)",
    shortcuts: "Keyboard shortcuts",
    about: "About zlist",
    open_log_folder: "Open log folder",
    about_text: "zlist: a list kept by a server and shared over ZeroMQ. Compatible with the \
                 classroom \"Lista Remota\" program (servidorZMQ.py / clienteZMQ.py).",
    close: "Close",
    request_settings: "Requests",
    timeout_label: "Wait per try (ms)",
    tries_label: "Tries per request",
    applies_next_connect: "Applies on the next connect.",

    server_label: "Server",
    endpoint_tip: "The server's address: HOST:PORT or tcp://HOST:PORT (e.g. 127.0.0.1:1234, or the EC2 VM's public IP and port 1234)",
    recent: "Recent",
    recent_tip: "Servers you connected to before",
    recent_empty: "(none yet)",
    connect: "Connect",
    connect_tip: "Connect to the server at this address",
    disconnect: "Disconnect",
    disconnect_tip: "Close the connection; queued requests are dropped",
    state_idle: "Not connected",
    state_connecting: "Connecting… (no answer from the server yet)",
    state_connected: "Connected",
    state_lost: "Connection lost",
    state_retrying: "Trying to connect… (nobody has answered at that address yet)",
    state_handshake_failed: "ZeroMQ handshake failed: does the server require a token? Is it a ZeroMQ server?",
    state_auth_failed: "Wrong or missing token: the server refused authentication",
    token_label: "Token",
    token_hint: "(none)",
    token_tip: "The secret the server requires (zlist server --token-file). Empty: no token. \
                With the local server on, clients need it too.",
    server_key_label: "Server key",
    server_key_hint: "(no encryption)",
    server_key_tip: "Encrypts the connection with CURVE: the server's public key (zlist server \
                     shows it at start) or the path of its .key file. Empty: no encryption. \
                     Not combined with a token.",
    curve_unavailable_hint: "(unavailable)",
    curve_unavailable: "This zlist cannot encrypt: its libzmq has no CURVE. To encrypt, build \
                        with scripts/curve.sh build (see the README, \"Encryption\").",
    key_file_label: "My key file (CURVE)",
    key_file_tip: "The NAME.key_secret file made by zlist keygen, for servers that admit only \
                   listed keys. Empty: a new key for each connection.",
    curve_key_error: "Cannot use the CURVE key",
    curve_available_line: "Encryption (CURVE): available in this build.",
    status_light: "Connection state",
    server_zlist: "zlist server",
    server_seed: "classroom server (seed protocol only)",
    round_trip_tip: "Round-trip time of the last reply",
    live_on: "live",
    live_on_tip: "Live: every client's changes appear here by themselves (updates the server \
                  publishes, PUB/SUB); the list is not fetched again after each change.",
    live_syncing: "syncing…",
    live_syncing_tip: "Fetching the list with its version; changes that arrive meanwhile are \
                       applied on top.",
    seed_mode: "seed mode",
    live_off: "no live updates",
    auto_refresh: "Automatic refresh without live updates",
    auto_refresh_tip: "Without live updates (a seed server, or a blocked publish port), fetch \
                       the list every few seconds to see other clients' changes.",
    auto_refresh_off: "Off",

    local_server: "Local server",
    local_server_tip: "Start a zlist server inside this app and connect to it: the single-machine demo",
    bind_label: "Listen on",
    bind_tip: "Where the local server listens: tcp://127.0.0.1:1234 this machine only; tcp://0.0.0.0:1234 every interface; port 0 picks a free one",
    bind_warning: "Warning: listening on every interface: anyone who can reach this port and has the token can read and wipe the list.",
    bind_protected: "Warning: listening on every interface without a token: protected mode, only this machine is served. Set a token to open it to other machines.",
    persist: "Keep on disk",
    persist_tip: "Keep the local server's list in the user data folder (subfolder \"embedded\"), to reopen with it",
    local_server_off: "Local server stopped.",

    col_position: "Position",
    col_value: "Value",
    empty_list: "The list is empty. Type a value and press Enter to append it.",
    no_list_yet: "Connect to a server, or switch on \"Local server\", to see the list.",
    filter_hint: "Filter (this view only)",
    filter_tip: "Show only the rows that contain this text; the server's list does not change",
    table_name: "List",

    actions_heading: "Operations",
    value_label: "Value",
    value_hint: "element (Enter appends)",
    position_label: "Position",
    position_hint: "0, 1, 2…",
    append: "Append",
    append_tip: "Sends append X: adds the value at the end (Enter in the Value field)",
    insert: "Insert",
    insert_tip: "Sends insert P X: inserts the value before position P",
    remove: "Remove",
    remove_tip: "Sends remover X: removes the first occurrence of the value",
    remove_note: "Remove deletes only the first occurrence of the value (protocol rule).",
    search: "Search",
    search_tip: "Sends pesquisar X; the server answers Encontrado or Não encontrado, and equal rows are highlighted",
    sort_ascending: "Sort ascending",
    sort_ascending_tip: "Sends ordenar_cresc: ascending Unicode code point order, '10' before '9'",
    sort_descending: "Sort descending",
    sort_descending_tip: "Sends ordenar_desc: descending order",
    clear: "Clear…",
    clear_tip: "Sends limpar: removes the whole list, after you confirm",
    refresh: "Refresh",
    refresh_tip: "Sends mostrar and shows the server's list",
    paste_lines: "Paste lines…",
    paste_lines_tip: "Append many lines at once, one append each",
    need_connection: "Connect to a server first (Connect, or switch on Local server).",
    need_value: "Type a value first.",
    need_position: "Type a position (0 = start) or select a row.",
    last_search: "Last search:",

    clear_title: "Clear the list?",
    clear_confirm: "Yes, clear the list",
    cancel: "Cancel",

    paste_title: "Append many lines",
    paste_help: "Paste text below: every non-empty line becomes one append, in order.",
    paste_box: "Lines to append",
    paste_start: "Append all",
    paste_cancel: "Cancel paste",

    console_title: "Debug console",
    console_level: "Level",
    console_search: "Search the console",
    console_copy: "Copy",
    console_copy_tip: "Copy the visible lines to the clipboard",
    console_clear: "Clear console",
    console_auto_scroll: "Auto-scroll",
    console_hide: "Hide console",
    source_client: "client",
    source_server: "server",
    source_app: "app",
    console_time_tip: "UTC time",

    server_status_menu: "Server status…",
    server_status_title: "Server status",
    server_status_tip: "Ask the server how it is doing (zlist.status): uptime, clients, list \
                        size, requests. While the window is open, it asks again every 2 s.",
    server_status_refresh: "Refresh status",
    server_status_asking: "Asking the server…",
    status_server: "Server",
    status_uptime: "Uptime",
    status_clients: "Clients connected",
    status_subscribers: "Live-update subscribers",
    status_live_off: "live updates off",
    status_elements: "Elements",
    status_bytes: "Size in bytes",
    status_changes: "Changes since start",
    status_requests: "Requests answered / with an error",
    status_storage: "Storage",
    status_access: "Access",

    ready: "Ready.",
    client_gone: "The client stopped unexpectedly: click Connect again.",
    disconnected: "Disconnected.",
    shortcut_enter_where: "in the Value field",
    shortcut_enter_action: "Append",
    shortcut_lines: &[
        (Shortcut::Insert, "Insert at position"),
        (Shortcut::Remove, "Remove"),
        (Shortcut::Search, "Search"),
        (Shortcut::SortAscending, "Sort ascending"),
        (Shortcut::SortDescending, "Sort descending"),
        (Shortcut::Clear, "Clear (asks first)"),
        (Shortcut::Refresh, "Refresh"),
        (Shortcut::PasteLines, "Paste many lines"),
        (Shortcut::Filter, "Filter"),
        (Shortcut::Export, "Export (text)"),
        (Shortcut::ToggleConnection, "Connect / disconnect"),
        (Shortcut::ToggleConsole, "Show / hide the console"),
        (Shortcut::Help, "Keyboard shortcuts"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_of_one_read_in_the_singular() {
        assert_eq!(Language::En.element_count(1, 1, false), "1 element");
        assert_eq!(Language::En.element_count(0, 2, true), "0 of 2 elements");
        assert_eq!(
            Language::PtBr.list_refreshed(1),
            "Lista atualizada: 1 elemento."
        );
        assert_eq!(
            Language::PtBr.list_refreshed(0),
            "Lista atualizada: 0 elementos."
        );
        assert_eq!(Language::En.highlighted(1), "1 row highlighted");
        assert_eq!(Language::PtBr.highlighted(3), "3 linhas destacadas");
        assert_eq!(
            Language::PtBr.exported(1, "a.txt"),
            "1 elemento exportado para a.txt"
        );
        assert_eq!(
            Language::En.exported(2, "a.txt"),
            "Exported 2 elements to a.txt"
        );
    }

    #[test]
    fn portuguese_locales_pick_portuguese_and_others_english() {
        assert_eq!(Language::from_locale(Some("pt-BR")), Language::PtBr);
        assert_eq!(Language::from_locale(Some("pt_PT.UTF-8")), Language::PtBr);
        assert_eq!(Language::from_locale(Some("PT")), Language::PtBr);
        assert_eq!(Language::from_locale(Some("en-US")), Language::En);
        assert_eq!(Language::from_locale(Some("de-DE")), Language::En);
        assert_eq!(Language::from_locale(None), Language::En);
    }

    #[test]
    fn the_two_languages_differ_in_their_main_labels() {
        assert_ne!(PT_BR.connect, EN.connect);
        assert_ne!(PT_BR.append, EN.append);
        assert_ne!(PT_BR.value_label, EN.value_label);
        assert_eq!(PT_BR.shortcut_lines.len(), EN.shortcut_lines.len());
    }

    /// Every character the UI may draw, besides the language tables.
    pub(crate) const SYMBOLS: &str = "×»…“”·";

    #[test]
    fn every_ui_character_is_in_the_bundled_fonts() {
        let ctx = egui::Context::default();
        let mut output = ctx.run_ui(egui::RawInput::default(), |_| {});
        output.textures_delta.clear();
        let mut missing = std::collections::BTreeSet::new();
        let all = format!("{PT_BR:?}{EN:?}{SYMBOLS}");
        ctx.fonts_mut(|fonts| {
            for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
                let font = egui::FontId::new(14.0, family);
                for c in all.chars() {
                    if !fonts.has_glyph(&font, c) {
                        missing.insert(c);
                    }
                }
            }
        });
        assert!(missing.is_empty(), "no glyph for {missing:?}");
    }

    #[test]
    fn failures_name_the_endpoint_and_what_to_try() {
        let failure = RequestFailure::NoReply {
            endpoint: "tcp://10.0.0.1:1234".to_owned(),
            tries: 3,
            timeout: Duration::from_millis(2500),
        };
        for language in Language::ALL {
            let text = language.request_failure("mostrar", &failure);
            assert!(text.contains("tcp://10.0.0.1:1234"), "{text}");
            assert!(text.contains("2.5 s"), "{text}");
            assert!(text.contains("security group"), "{text}");
        }
    }

    #[test]
    fn refusals_mention_curve_keys_and_no_command_line_flags() {
        let endpoint = "tcp://10.0.0.1:1234";
        for failure in trail::refusals(endpoint) {
            for language in Language::ALL {
                let text = language.request_failure("limpar", &failure);
                assert!(text.contains(endpoint), "{text}");
                assert!(text.contains("CURVE"), "{text}");
                assert!(text.contains(language.texts().token_label), "{text}");
                assert!(!text.contains("--"), "{text}");
            }
        }
    }
}
