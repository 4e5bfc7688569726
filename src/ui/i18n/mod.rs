//! The app's two languages, Brazilian Portuguese and English: every UI string lives here.
//!
//! Plain strings are fields of [`Texts`] (so the compiler checks that both languages have
//! each one), one file per language ([`PT_BR`], [`EN`]); messages with values in them are
//! methods on [`Language`] with an exhaustive `match`, here. The client engine's pt-BR
//! wording of its failures lives with its trail ([`crate::net::client::trail`]) and is
//! called from here. Protocol words and the server's reply texts are never translated.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::net::client::{ConnectionState, NotLive, RequestFailure, trail};
use crate::net::status::StatusError;
use crate::ui::app::history::Refusal;

mod en;
mod pt_br;
mod texts;

pub use en::EN;
pub use pt_br::PT_BR;
pub use texts::Texts;

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

    /// Connecting to an endpoint (encrypted or not).
    pub fn connecting_to(self, endpoint: &str, encrypted: bool) -> String {
        match (self, encrypted) {
            (Self::PtBr, false) => format!("Conectando a {endpoint}…"),
            (Self::PtBr, true) => format!("Conectando a {endpoint} (cifrado, CURVE)…"),
            (Self::En, false) => format!("Connecting to {endpoint}…"),
            (Self::En, true) => format!("Connecting to {endpoint} (encrypted, CURVE)…"),
        }
    }

    /// Several servers: `answered` answered after the `unanswered` did not (the client went
    /// on to it).
    pub fn switched(self, answered: &str, unanswered: &[String]) -> String {
        match self {
            Self::PtBr => format!("{}.", trail::switched(answered, unanswered)),
            Self::En => format!(
                "Server {answered} answered ({} did not answer).",
                trail::list_words(unanswered, "and")
            ),
        }
    }

    /// The status line's mark of the server in use, when the client has several.
    pub fn server_in_use(self, endpoint: &str) -> String {
        match self {
            Self::PtBr => format!("Servidor: {endpoint}"),
            Self::En => format!("Server: {endpoint}"),
        }
    }

    /// The encrypted mark's tooltip: the server key's fingerprint.
    pub fn encrypted_tip(self, fingerprint: &str) -> String {
        match self {
            Self::PtBr => format!(
                "Conexão cifrada (CURVE). Impressão digital da chave do servidor: {fingerprint}"
            ),
            Self::En => {
                format!("Encrypted connection (CURVE). The server key's fingerprint: {fingerprint}")
            }
        }
    }

    /// Asking a server for its key before connecting.
    pub fn checking_key(self, endpoint: &str) -> String {
        match self {
            Self::PtBr => format!("Conferindo a chave do servidor {endpoint}…"),
            Self::En => format!("Checking the server's key at {endpoint}…"),
        }
    }

    /// A server presents another key than the one remembered: refused, loudly.
    pub fn key_changed(self, server: &str, remembered: &str, presented: &str) -> String {
        let t = self.texts();
        match self {
            Self::PtBr => format!(
                "A chave do servidor mudou: alguém pode estar interceptando a conexão com \
                 {server}! Ele apresenta a chave {presented}, mas a lembrada é {remembered}. \
                 Nada foi enviado. Se o servidor foi reinstalado (pasta de dados ou arquivo \
                 de chave trocados), use “{}” e conecte de novo.",
                t.forget_key
            ),
            Self::En => format!(
                "The server's key has changed: someone may be intercepting the connection to \
                 {server}! It presents the key {presented}, but {remembered} is remembered. \
                 Nothing was sent. If the server was reinstalled (its data directory or key \
                 file replaced), use “{}” and connect again.",
                t.forget_key
            ),
        }
    }

    /// The server's key could not be checked: not connected.
    pub fn key_check_failed(self, error: &str) -> String {
        match self {
            Self::PtBr => {
                format!("Não foi possível conferir a chave do servidor: {error}. Não conectado.")
            }
            Self::En => format!("Cannot check the server's key: {error}. Not connected."),
        }
    }

    /// The user did not trust a new server.
    pub fn trust_declined(self, server: &str) -> String {
        match self {
            Self::PtBr => format!("Não conectado: a chave de {server} não foi aceita."),
            Self::En => format!("Not connected: the key of {server} was not trusted."),
        }
    }

    /// The user trusted a new server: its key is remembered.
    pub fn trusted(self, server: &str, fingerprint: &str) -> String {
        match self {
            Self::PtBr => format!("Chave de {server} lembrada ({fingerprint})."),
            Self::En => format!("The key of {server} is remembered ({fingerprint})."),
        }
    }

    /// A trusted key could not be written to the known-servers file.
    pub fn remember_failed(self, error: &str) -> String {
        match self {
            Self::PtBr => format!(
                "Conectando com a chave aceita, mas ela não pôde ser lembrada ({error}): da \
                 próxima vez o app perguntará de novo."
            ),
            Self::En => format!(
                "Connecting with the trusted key, but it could not be remembered ({error}): \
                 the app will ask again next time."
            ),
        }
    }

    /// The forget confirmation's question.
    pub fn forget_key_question(self, server: &str) -> String {
        match self {
            Self::PtBr => format!(
                "O app esquece a chave lembrada para {server}. Na próxima conexão ele mostra a \
                 impressão digital do servidor para você aceitar de novo. Faça isso só se \
                 souber que o servidor foi reinstalado: senão, alguém pode estar no meio."
            ),
            Self::En => format!(
                "The app forgets the key remembered for {server}. The next connection shows \
                 the server's fingerprint for you to trust again. Do this only if you know \
                 the server was reinstalled: otherwise someone may be in the middle."
            ),
        }
    }

    /// A remembered key was forgotten.
    pub fn key_forgotten(self, server: &str) -> String {
        match self {
            Self::PtBr => format!(
                "A chave de {server} foi esquecida: a próxima conexão pedirá para confiar nele."
            ),
            Self::En => format!(
                "The key of {server} is forgotten: the next connection asks you to trust it."
            ),
        }
    }

    /// The known-servers file could not be changed.
    pub fn key_forget_failed(self, error: &str) -> String {
        match self {
            Self::PtBr => format!("Não foi possível esquecer a chave: {error}"),
            Self::En => format!("Cannot forget the key: {error}"),
        }
    }

    /// No keychain: the token is kept in a private file instead.
    pub fn token_in_file(self, path: &str, why: Option<&str>) -> String {
        let why = why.map(|why| format!(" ({why})")).unwrap_or_default();
        match self {
            Self::PtBr => format!(
                "Nenhum chaveiro do sistema disponível{why}: o token fica em {path}, legível \
                 só por você."
            ),
            Self::En => format!(
                "No OS keychain available{why}: the token is kept in {path}, readable only by \
                 you."
            ),
        }
    }

    /// The token could not be kept.
    pub fn token_keep_failed(self, error: &str) -> String {
        match self {
            Self::PtBr => format!("Não foi possível guardar o token: {error}"),
            Self::En => format!("Cannot keep the token: {error}"),
        }
    }

    /// The embedded server encrypts: its key's fingerprint, to compare.
    pub fn local_server_encrypted(self, fingerprint: &str) -> String {
        match self {
            Self::PtBr => format!(" (cifrado, CURVE; impressão digital {fingerprint})"),
            Self::En => format!(" (encrypted, CURVE; fingerprint {fingerprint})"),
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

    /// The list at a glance, for the status line and the window title: its size and
    /// whether it follows the server live (`None`: not known yet).
    pub fn list_summary(self, len: usize, live: Option<bool>) -> String {
        let elements = self.elements(len);
        match (self, live) {
            (_, None) => elements,
            (Self::PtBr, Some(true)) => format!("{elements} · ao vivo"),
            (Self::PtBr, Some(false)) => format!("{elements} · sem atualização ao vivo"),
            (Self::En, Some(true)) => format!("{elements} · live"),
            (Self::En, Some(false)) => format!("{elements} · not live"),
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

    /// How many elements an import appends.
    pub fn import_ready(self, count: usize) -> String {
        match self {
            Self::PtBr => format!("{} para adicionar ao fim da lista", self.elements(count)),
            Self::En => format!("{} to append to the list", self.elements(count)),
        }
    }

    /// A file that cannot be read in the chosen format at all.
    pub fn import_unreadable(self, format: &str, error: &str) -> String {
        match self {
            Self::PtBr => format!("O arquivo não pode ser lido como {format}: {error}"),
            Self::En => format!("The file cannot be read as {format}: {error}"),
        }
    }

    /// One bad line and why, for the import dialog's list.
    pub fn import_bad_line(self, line: usize, why: crate::ui::import::BadReason) -> String {
        use crate::ui::import::BadReason::{
            Empty, Malformed, NoSuchColumn, NotAString, NotUtf8, TooLong,
        };
        let why = match (self, why) {
            (Self::PtBr, NotUtf8) => "não é texto UTF-8",
            (Self::PtBr, Empty) => "vazia",
            (Self::PtBr, TooLong) => "maior que 64 KiB",
            (Self::PtBr, NoSuchColumn) => "não tem a coluna escolhida",
            (Self::PtBr, NotAString) => "não é uma string",
            (Self::PtBr, Malformed) => "CSV malformado",
            (Self::En, NotUtf8) => "not UTF-8 text",
            (Self::En, Empty) => "empty",
            (Self::En, TooLong) => "longer than 64 KiB",
            (Self::En, NoSuchColumn) => "no such column",
            (Self::En, NotAString) => "not a string",
            (Self::En, Malformed) => "malformed CSV",
        };
        format!("{line} ({why})")
    }

    /// A row-exact change refused because the list changed first.
    pub fn stale_row(self, reply: &str) -> String {
        match self {
            Self::PtBr => format!(
                "A lista mudou antes da alteração chegar; nada foi alterado. A tabela mostra a \
                 lista atual: confira e tente de novo. ({reply})"
            ),
            Self::En => format!(
                "The list changed before the change arrived; nothing was changed. The table \
                 shows the list as it is now: check and try again. ({reply})"
            ),
        }
    }

    /// An undo (or redo) not sent: the list changed since, and it would hit another row.
    pub(crate) fn undo_refused(self, redo: bool, refusal: &Refusal) -> String {
        let why = match (self, refusal) {
            (
                Self::PtBr,
                Refusal::RowChanged {
                    index,
                    expected,
                    found,
                },
            ) => format!("a linha {index} agora contém '{found}', não '{expected}'"),
            (
                Self::En,
                Refusal::RowChanged {
                    index,
                    expected,
                    found,
                },
            ) => format!("row {index} now holds '{found}', not '{expected}'"),
            (Self::PtBr, Refusal::PastEnd { index, len }) => {
                format!("a posição {index} passa do fim da lista ({len} elementos)")
            }
            (Self::En, Refusal::PastEnd { index, len }) => {
                format!("position {index} is past the end of the list ({len} elements)")
            }
            (Self::PtBr, Refusal::ListChanged) => {
                "a lista não é mais a que a ordenação ou a limpeza deixou".to_owned()
            }
            (Self::En, Refusal::ListChanged) => {
                "the list is no longer the one the sort or clear left".to_owned()
            }
        };
        match (self, redo) {
            (Self::PtBr, false) => {
                format!("Não desfeito: {why}. Nada foi alterado; essa alteração saiu do histórico.")
            }
            (Self::PtBr, true) => {
                format!("Não refeito: {why}. Nada foi alterado; essa alteração saiu do histórico.")
            }
            (Self::En, false) => {
                format!(
                    "Not undone: {why}. Nothing was changed; that change is gone from the history."
                )
            }
            (Self::En, true) => {
                format!(
                    "Not redone: {why}. Nothing was changed; that change is gone from the history."
                )
            }
        }
    }

    /// An undo (or redo) sent as this many requests.
    pub fn undone(self, redo: bool, requests: usize) -> String {
        match (self, redo) {
            (Self::PtBr, false) => format!("Desfazendo a última alteração ({requests} pedido(s))."),
            (Self::PtBr, true) => format!("Refazendo a alteração desfeita ({requests} pedido(s))."),
            (Self::En, false) => format!("Undoing the last change ({requests} request(s))."),
            (Self::En, true) => format!("Redoing the undone change ({requests} request(s))."),
        }
    }

    /// The import dialog's warning: how many lines are bad, the first ones listed.
    pub fn import_bad_lines(self, count: usize, listed: &str) -> String {
        match (self, count) {
            (Self::PtBr, 1) => format!(
                "1 linha não pode ser importada: {listed}. Nada é importado a menos que você \
                 escolha pulá-la."
            ),
            (Self::PtBr, _) => format!(
                "{count} linhas não podem ser importadas (as primeiras: {listed}). Nada é \
                 importado a menos que você escolha pulá-las."
            ),
            (Self::En, 1) => format!(
                "1 line cannot be imported: {listed}. Nothing is imported unless you choose to \
                 skip it."
            ),
            (Self::En, _) => format!(
                "{count} lines cannot be imported (the first: {listed}). Nothing is imported \
                 unless you choose to skip them."
            ),
        }
    }

    /// A file to import could not be read.
    pub fn import_failed(self, error: &str) -> String {
        match self {
            Self::PtBr => format!("Não foi possível ler o arquivo: {error}"),
            Self::En => format!("The file could not be read: {error}"),
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
        match (self, pending) {
            (Self::PtBr, 1) => "Aguardando 1 resposta…".to_owned(),
            (Self::En, 1) => "Waiting for 1 reply…".to_owned(),
            (Self::PtBr, _) => format!("Aguardando {pending} respostas…"),
            (Self::En, _) => format!("Waiting for {pending} replies…"),
        }
    }
}

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
    fn a_switch_is_said_in_both_languages() {
        let unanswered = ["tcp://a:1".to_owned()];
        assert_eq!(
            Language::PtBr.switched("tcp://b:1", &unanswered),
            "Servidor tcp://b:1 respondeu (tcp://a:1 não respondeu)."
        );
        assert_eq!(
            Language::En.switched("tcp://b:1", &unanswered),
            "Server tcp://b:1 answered (tcp://a:1 did not answer)."
        );
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
