//! What the user should hear of, as data: the session and the app's intents emit
//! [`Notice`]s; [`Notice::worded`] turns one into a status line in the user's language
//! (every word of it from [`crate::ui::i18n`]).

use crate::net::client::{ConnectionState, DebugLine, NotLive, RequestFailure};
use crate::net::curve::CurveKey;
use crate::ui::app::history::Refusal;
use crate::ui::i18n::Language;
use crate::ui::status::StatusKind;

/// Something that happened, for the status line and the console.
#[derive(Debug, Clone)]
pub(crate) enum Notice {
    // ---- From the session ----
    /// An engine started for this (normalized) endpoint.
    Connecting {
        /// Where it connects.
        endpoint: String,
        /// Whether with CURVE.
        encrypted: bool,
    },
    /// The connection is up (remember the endpoint unless it is the embedded server).
    Connected {
        /// Whether it is the embedded server.
        local: bool,
    },
    /// Several servers: this one answered after those did not.
    Switched {
        /// The server that answered.
        answered: String,
        /// The servers that did not.
        unanswered: Vec<String>,
    },
    /// The endpoint typed is not one the engine can use.
    BadEndpoint(String),
    /// The engine could not start.
    ClientFailed(String),
    /// The engine's thread stopped by itself.
    ClientGone,
    /// A request needs a connection first.
    NeedConnection,
    /// The server refused the connection (token, CURVE key, or not ZeroMQ).
    Refused(ConnectionState),
    /// Live updates stopped arriving.
    LiveUnavailable(NotLive),
    /// The list turned live for the first time since connecting.
    LiveOn,
    /// The list the user asked for arrived.
    ListRefreshed(usize),
    /// A live update did not fit the list shown: the session resyncs (console only).
    UpdateMisfit {
        /// The update's version.
        version: u64,
        /// Why it did not fit.
        error: String,
    },
    /// A request got no reply and will not be tried again.
    RequestFailed {
        /// The request as the user would read it.
        request: String,
        /// Why.
        error: RequestFailure,
    },
    /// The server answered with an error.
    ErrorReply {
        /// The request.
        request: String,
        /// The server's reply.
        text: String,
    },
    /// The server answered a search.
    Searched {
        /// The request.
        request: String,
        /// The server's reply.
        reply: String,
        /// Rows highlighted.
        found: usize,
    },
    /// The server applied a change.
    Changed {
        /// The request.
        request: String,
        /// The server's reply.
        reply: String,
    },
    /// The server answered a request that is not one of the list's commands.
    Answered {
        /// The request.
        request: String,
        /// The server's reply.
        reply: String,
    },
    /// A bulk paste ended.
    PasteDone {
        /// Appends the server answered.
        appended: usize,
        /// Appends that failed.
        failed: usize,
        /// Appends cancelled before they were sent.
        cancelled: usize,
    },
    /// The seed's server stores only the first word of this element.
    SeedKeepsFirstWord(String),
    /// One line of the engine's trail (console only).
    Trail(DebugLine),

    // ---- From the app's intents ----
    /// The CURVE key in the settings cannot be used.
    CurveKey(String),
    /// An operation needs a value.
    NeedValue,
    /// Insert needs a position (typed, or a selected row).
    NeedPosition,
    /// The position typed is not a number.
    PositionNotANumber {
        /// What was typed.
        typed: String,
        /// The list's length.
        len: usize,
    },
    /// The user disconnected.
    Disconnected,
    /// The embedded server listens here (encrypted with this key, beyond loopback).
    LocalServerOn {
        /// Where.
        endpoint: String,
        /// Its public key when it encrypts.
        key: Option<CurveKey>,
    },
    /// The embedded server could not start.
    LocalServerFailed(String),
    /// The embedded server stopped.
    LocalServerOff,
    /// The list was exported.
    Exported {
        /// Elements written.
        count: usize,
        /// Where.
        path: String,
    },
    /// The user cancelled the export's file dialog.
    ExportCancelled,
    /// The export failed.
    ExportFailed(String),
    /// A file to import could not be read.
    ImportFailed(String),
    /// A change asked of a server that admitted this client to read only.
    ReadOnly,
    /// A row-exact change was refused: the list had changed (the server's words).
    StaleRow {
        /// The reply.
        reply: String,
    },
    /// Deleting these rows on the seed's server would remove other rows.
    SeedNotExact,
    /// An edit in place or a move, which the seed's server cannot do.
    NeedsZlist,
    /// Undo or redo asked without live updates.
    UndoNeedsLive,
    /// Undo or redo asked while a bulk paste runs.
    UndoWaitsForPaste,
    /// An undo or redo not sent: it would hit another row now.
    UndoRefused {
        /// Redo rather than undo.
        redo: bool,
        /// Why.
        refusal: Refusal,
    },
    /// An undo or redo was sent as this many requests.
    Undone {
        /// Redo rather than undo.
        redo: bool,
        /// How many requests.
        requests: usize,
    },
    /// The server refused an undo's or redo's request: the entry left the history.
    UndoDropped,
    /// The server's key is being checked before connecting to this endpoint.
    CheckingKey(String),
    /// The server presents another key than the one remembered: refused, nothing sent.
    KeyChanged {
        /// `HOST:PORT`.
        server: String,
        /// The key remembered.
        remembered: CurveKey,
        /// The key presented.
        presented: CurveKey,
    },
    /// The server's key could not be checked (a corrupt known-servers file, a key port
    /// answering nonsense): not connected.
    KeyCheckFailed(String),
    /// The key check's thread ended without an answer: not connected.
    KeyCheckStopped,
    /// The user did not trust this new server (`HOST:PORT`).
    TrustDeclined(String),
    /// The user trusted this server's key, now remembered.
    Trusted {
        /// `HOST:PORT`.
        server: String,
        /// The key.
        key: CurveKey,
    },
    /// A trusted key could not be remembered.
    RememberFailed(String),
    /// The key remembered for this server (`HOST:PORT`) was forgotten.
    KeyForgotten(String),
    /// Forgetting a key failed.
    KeyForgetFailed(String),
    /// No keychain: the token is kept in this file, for this reason.
    TokenInFile {
        /// The file.
        path: String,
        /// What the keychain said.
        why: Option<String>,
    },
    /// The token could not be kept.
    TokenKeepFailed(String),
    /// The log folder could not be opened: the error, or `None` with no home folder to
    /// put it in.
    LogFolderFailed(Option<String>),
}

impl Notice {
    /// A note about the app itself rather than about what the user just did (where the
    /// token is kept): it never replaces an error in the status line, only joins the
    /// console.
    pub(crate) fn is_background(&self) -> bool {
        matches!(self, Self::TokenInFile { .. })
    }

    /// The status line for this notice, in `language`; `None` for what only the app acts
    /// on ([`Notice::Connected`]) or only the console shows ([`Notice::UpdateMisfit`],
    /// [`Notice::Trail`]).
    pub(crate) fn worded(&self, language: Language) -> Option<(StatusKind, String)> {
        use StatusKind::{Error, Info, Success, Warning};
        let t = language.texts();
        let worded = match self {
            Self::Connected { .. } | Self::UpdateMisfit { .. } | Self::Trail(_) => return None,
            Self::Connecting {
                endpoint,
                encrypted,
            } => (Info, language.connecting_to(endpoint, *encrypted)),
            Self::Switched {
                answered,
                unanswered,
            } => (Warning, language.switched(answered, unanswered)),
            Self::BadEndpoint(error) => (Error, language.bad_endpoint(error)),
            Self::ClientFailed(error) => (Error, language.client_failed(error)),
            Self::ClientGone => (Error, t.client_gone.to_owned()),
            Self::NeedConnection => (Error, t.need_connection.to_owned()),
            Self::Refused(state) => (Error, language.connection_state(*state)),
            Self::LiveUnavailable(why) => (Warning, language.live_unavailable(why)),
            Self::LiveOn => (Info, t.live_on_tip.to_owned()),
            Self::ListRefreshed(len) => (Success, language.list_refreshed(*len)),
            Self::RequestFailed { request, error } => {
                (Error, language.request_failure(request, error))
            }
            Self::ErrorReply { request, text } => (Error, language.error_reply(request, text)),
            Self::Searched {
                request,
                reply,
                found,
            } => (
                Info,
                format!("{request} » {reply}  ({})", language.highlighted(*found)),
            ),
            Self::Changed { request, reply } => (Success, format!("{request} » {reply}")),
            Self::Answered { request, reply } => (Info, format!("{request} » {reply}")),
            Self::PasteDone {
                appended,
                failed,
                cancelled,
            } => (
                if *failed > 0 { Warning } else { Success },
                language.paste_done(*appended, *failed, *cancelled),
            ),
            Self::SeedKeepsFirstWord(element) => (Warning, language.seed_first_word(element)),
            Self::CurveKey(error) => (Error, format!("{}: {error}", t.curve_key_error)),
            Self::NeedValue => (Error, t.need_value.to_owned()),
            Self::NeedPosition => (Error, t.need_position.to_owned()),
            Self::PositionNotANumber { typed, len } => {
                (Error, language.position_not_a_number(typed, *len))
            }
            Self::Disconnected => (Info, t.disconnected.to_owned()),
            Self::LocalServerOn { endpoint, key } => {
                let encrypted = key
                    .map(|key| language.local_server_encrypted(&key.fingerprint()))
                    .unwrap_or_default();
                (
                    Success,
                    format!("{}{encrypted}", language.local_server_on(endpoint)),
                )
            }
            Self::LocalServerFailed(error) => (Error, language.local_server_failed(error)),
            Self::LocalServerOff => (Info, t.local_server_off.to_owned()),
            Self::Exported { count, path } => (Success, language.exported(*count, path)),
            Self::ExportCancelled => (Info, t.export_cancelled.to_owned()),
            Self::ExportFailed(error) => (Error, language.export_failed(error)),
            Self::ImportFailed(error) => (Error, language.import_failed(error)),
            Self::ReadOnly => (Error, t.read_only_why.to_owned()),
            Self::StaleRow { reply } => (Error, language.stale_row(reply)),
            Self::SeedNotExact => (Error, t.seed_not_exact.to_owned()),
            Self::NeedsZlist => (Error, t.needs_zlist.to_owned()),
            Self::UndoNeedsLive => (Error, t.undo_needs_live.to_owned()),
            Self::UndoWaitsForPaste => (Error, t.undo_waits_for_paste.to_owned()),
            Self::UndoRefused { redo, refusal } => (Error, language.undo_refused(*redo, refusal)),
            Self::Undone { redo, requests } => (Info, language.undone(*redo, *requests)),
            Self::UndoDropped => (Error, t.undo_dropped.to_owned()),
            Self::CheckingKey(endpoint) => (Info, language.checking_key(endpoint)),
            Self::KeyChanged {
                server,
                remembered,
                presented,
            } => (
                Error,
                language.key_changed(server, &remembered.fingerprint(), &presented.fingerprint()),
            ),
            Self::KeyCheckFailed(error) => (Error, language.key_check_failed(error)),
            Self::KeyCheckStopped => (Error, t.key_check_stopped.to_owned()),
            Self::TrustDeclined(server) => (Warning, language.trust_declined(server)),
            Self::Trusted { server, key } => {
                (Success, language.trusted(server, &key.fingerprint()))
            }
            Self::RememberFailed(error) => (Warning, language.remember_failed(error)),
            Self::KeyForgotten(server) => (Info, language.key_forgotten(server)),
            Self::KeyForgetFailed(error) => (Error, language.key_forget_failed(error)),
            Self::TokenInFile { path, why } => {
                (Warning, language.token_in_file(path, why.as_deref()))
            }
            Self::TokenKeepFailed(error) => (Error, language.token_keep_failed(error)),
            Self::LogFolderFailed(error) => (Error, language.log_folder_failed(error.as_deref())),
        };
        Some(worded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paste_with_failures_is_a_warning_and_without_a_success() {
        let done = |failed| Notice::PasteDone {
            appended: 3,
            failed,
            cancelled: 0,
        };
        for language in Language::ALL {
            assert_eq!(
                done(1).worded(language).map(|(kind, _)| kind),
                Some(StatusKind::Warning)
            );
            assert_eq!(
                done(0).worded(language).map(|(kind, _)| kind),
                Some(StatusKind::Success)
            );
        }
    }

    #[test]
    fn a_changed_key_is_an_error_naming_both_fingerprints_in_both_languages() {
        let remembered = CurveKey::from_bytes([1; 32]);
        let presented = CurveKey::from_bytes([2; 32]);
        let notice = Notice::KeyChanged {
            server: "10.0.0.1:1234".to_owned(),
            remembered,
            presented,
        };
        for language in Language::ALL {
            let (kind, text) = notice.worded(language).unwrap();
            assert_eq!(kind, StatusKind::Error);
            assert!(text.contains("10.0.0.1:1234"), "{text}");
            assert!(text.contains(&remembered.fingerprint()), "{text}");
            assert!(text.contains(&presented.fingerprint()), "{text}");
            assert!(text.contains(language.texts().forget_key), "{text}");
        }
    }

    #[test]
    fn what_only_the_app_or_the_console_takes_has_no_status_line() {
        let misfit = Notice::UpdateMisfit {
            version: 7,
            error: "index 9 out of range".to_owned(),
        };
        assert!(misfit.worded(Language::En).is_none());
        assert!(
            Notice::Connected { local: false }
                .worded(Language::En)
                .is_none()
        );
    }
}
