//! Trust on first use, as SSH does: before connecting to a server whose key is not typed
//! in, a worker thread asks the server's key port and compares the answer with the
//! known-servers file (`known_servers::resolve`, which may wait 1.5 s: never on the UI
//! thread). Its outcome arrives through a channel and decides: the remembered key connects
//! encrypted, a server that does not encrypt connects plainly, a new key asks the user
//! ("Trust this server?"), and a changed key is refused loudly, with nothing sent.

use std::path::{Path, PathBuf};

use crossbeam_channel::{Receiver, TryRecvError};

use crate::net::curve::CurveKey;
use crate::net::endpoint::{self, Role};
use crate::net::known_servers::{self, KnownServers, KnownServersError, TrustError};
use crate::ui::app::App;
use crate::ui::app::dialogs::{self, Confirmation};
use crate::ui::app::notice::Notice;
use crate::ui::app::session::Encryption;
use crate::ui::i18n::Language;

/// What the key check says.
type Checked = Result<Option<CurveKey>, TrustError>;

/// Where the key check of the connection being made stands.
#[derive(Debug, Default)]
pub(crate) enum KeyCheck {
    /// No check: connected, or not connecting.
    #[default]
    Idle,
    /// The worker asks the server for its key.
    Checking {
        /// The endpoint as typed.
        endpoint: String,
        /// Its answer, once.
        outcome: Receiver<Checked>,
    },
    /// First contact: the trust dialog asks the user.
    Asking {
        /// The endpoint as typed.
        endpoint: String,
        /// `HOST:PORT`.
        server: String,
        /// The key it presents.
        key: CurveKey,
    },
}

impl KeyCheck {
    /// Whether a check or a question is under way.
    pub(crate) fn is_busy(&self) -> bool {
        !matches!(self, Self::Idle)
    }
}

/// The known servers at `path` (the platform's file when `None`).
fn open_known(path: Option<&Path>) -> Result<KnownServers, KnownServersError> {
    match path {
        Some(path) => KnownServers::open(path),
        None => KnownServers::open_default(),
    }
}

/// Starts the key check of `endpoint` on a worker thread; `waker` is called once its
/// outcome is in the channel.
fn check_in_background(
    endpoint: String,
    known: Option<PathBuf>,
    waker: impl Fn() + Send + 'static,
) -> std::io::Result<Receiver<Checked>> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("zlist-key-check".to_owned())
        .spawn(move || {
            let checked = open_known(known.as_deref())
                .map_err(TrustError::from)
                .and_then(|known| {
                    known_servers::resolve(&endpoint, &known, known_servers::DISCOVERY_TIMEOUT)
                });
            // A check nobody waits for any more (the user went elsewhere) is dropped.
            if tx.send(checked).is_ok() {
                waker();
            }
        })?;
    Ok(rx)
}

impl App {
    /// Connects to the endpoint in the field: at once with a typed (pinned) key or an
    /// endpoint the engine will refuse with its own words; otherwise after the key check.
    pub(crate) fn connect_remote(&mut self) {
        let endpoint = self.settings.endpoint.trim().to_owned();
        self.session.disconnect();
        self.key_check = KeyCheck::Idle;
        self.key_changed = None;
        self.keep_token();
        if !self.settings.server_key.trim().is_empty()
            || endpoint::normalize(&endpoint, Role::Connect).is_err()
        {
            self.connect(&endpoint, false, Encryption::Typed);
            return;
        }
        let ctx = self.ctx.clone();
        let known = self.known_servers.clone();
        match check_in_background(endpoint.clone(), known, move || ctx.request_repaint()) {
            Ok(outcome) => {
                self.key_check = KeyCheck::Checking {
                    endpoint: endpoint.clone(),
                    outcome,
                };
                self.notify(Notice::CheckingKey(endpoint));
            }
            Err(error) => self.notify(Notice::ClientFailed(error.to_string())),
        }
    }

    /// Acts on the key check's outcome once it arrived.
    pub(crate) fn poll_key_check(&mut self) {
        let KeyCheck::Checking { endpoint, outcome } = &self.key_check else {
            return;
        };
        let checked = match outcome.try_recv() {
            Ok(checked) => checked,
            Err(TryRecvError::Empty) => return,
            Err(TryRecvError::Disconnected) => {
                self.key_check = KeyCheck::Idle;
                self.notify(Notice::KeyCheckStopped);
                return;
            }
        };
        let endpoint = endpoint.clone();
        self.key_check = KeyCheck::Idle;
        match checked {
            Ok(Some(key)) => self.connect(&endpoint, false, Encryption::Key(key)),
            Ok(None) => self.connect(&endpoint, false, Encryption::Plain),
            Err(TrustError::Unknown { server, key }) => {
                self.key_check = KeyCheck::Asking {
                    endpoint,
                    server,
                    key,
                };
            }
            Err(TrustError::Changed {
                server,
                remembered,
                presented,
            }) => {
                self.key_changed = Some(server.clone());
                self.notify(Notice::KeyChanged {
                    server,
                    remembered,
                    presented,
                });
            }
            Err(error) => self.notify(Notice::KeyCheckFailed(error.to_string())),
        }
    }

    /// The trust dialog, while it asks; returns the user's answer.
    pub(crate) fn trust_dialog_ui(&self, ctx: &egui::Context, language: Language) -> Option<bool> {
        let KeyCheck::Asking { server, key, .. } = &self.key_check else {
            return None;
        };
        dialogs::trust_ui(ctx, server, key, language)
    }

    /// The user's answer to the trust dialog: trusted, the key is remembered and the
    /// connection made with it; otherwise nothing is connected.
    pub(crate) fn answer_trust(&mut self, trusted: bool) {
        let KeyCheck::Asking {
            endpoint,
            server,
            key,
        } = std::mem::take(&mut self.key_check)
        else {
            return;
        };
        if !trusted {
            self.notify(Notice::TrustDeclined(server));
            return;
        }
        let remembered = open_known(self.known_servers.as_deref())
            .and_then(|mut known| known.remember(&endpoint, key));
        match remembered {
            Ok(()) => self.notify(Notice::Trusted { server, key }),
            Err(error) => self.notify(Notice::RememberFailed(error.to_string())),
        }
        self.connect(&endpoint, false, Encryption::Key(key));
    }

    /// Asks before forgetting the key of the server whose key changed.
    pub(crate) fn ask_forget_key(&mut self) {
        if let Some(server) = self.key_changed.clone() {
            self.confirm = Some(Confirmation::ForgetKey(server));
        }
    }

    /// Forgets the key remembered for `server` (`HOST:PORT`), as confirmed.
    pub(crate) fn forget_key(&mut self, server: &str) {
        let forgotten =
            open_known(self.known_servers.as_deref()).and_then(|mut known| known.forget(server));
        match forgotten {
            Ok(_) => {
                self.key_changed = None;
                self.notify(Notice::KeyForgotten(server.to_owned()));
            }
            Err(error) => self.notify(Notice::KeyForgetFailed(error.to_string())),
        }
    }
}
