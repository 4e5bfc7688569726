//! The "Server status" window: what a zlist server says about itself when asked
//! `zlist.status` (uptime, connected clients, live subscribers, the list's size, request
//! counts, storage, access). While the window is open it asks again every
//! [`PERIOD`], one request at a time; closed, it asks nothing. A seed server does not
//! answer the request: the window says so instead of showing numbers.

use crate::net::client::{RequestFailure, RequestId};
use crate::net::protocol::STATUS;
use crate::net::status::{ServerStatus, StatusError, Uptime};
use crate::ui::i18n::Language;
use crate::ui::status_history::StatusHistory;
use std::time::{Duration, Instant};

/// How often the open window asks the server again.
pub const PERIOD: Duration = Duration::from_secs(2);

/// What the user asked in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerInfoIntent {
    /// Ask the server for its status now.
    Refresh,
}

/// Why the window shows no (fresh) status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusProblem {
    /// The server answered, but not with a status (a seed server: `Comando inválido.`).
    NotReported(StatusError),
    /// The request got no reply.
    Failed(RequestFailure),
}

/// When the window should ask the server next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextAsk {
    /// Now.
    Now,
    /// After this long.
    After(Duration),
    /// Not by itself: the window is closed, a request is in flight (its reply wakes the
    /// app), or the server does not report its status.
    Idle,
}

/// What the window needs to know besides its own state.
#[derive(Debug, Clone, Copy)]
pub struct ServerInfoView<'a> {
    /// Whether a client runs (requests can be sent).
    pub connected: bool,
    /// The server's address, when connected.
    pub endpoint: Option<&'a str>,
}

/// The window's state: the last status, why there is none, and the request in flight.
#[derive(Debug, Default)]
pub struct ServerInfo {
    open: bool,
    status: Option<ServerStatus>,
    problem: Option<StatusProblem>,
    fetched_at: Option<Instant>,
    in_flight: Option<RequestId>,
    asked_at: Option<Instant>,
    history: StatusHistory,
}

impl ServerInfo {
    /// Opens the window; it asks at once.
    pub fn open(&mut self) {
        self.open = true;
        self.asked_at = None;
    }

    /// Whether the window is open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// The status the server last reported.
    pub fn status(&self) -> Option<&ServerStatus> {
        self.status.as_ref()
    }

    /// Why the last request brought no status, if it did not.
    pub fn problem(&self) -> Option<&StatusProblem> {
        self.problem.as_ref()
    }

    /// Whether a status request waits for its reply.
    pub fn is_asking(&self) -> bool {
        self.in_flight.is_some()
    }

    /// What the server reported over the last minutes.
    pub fn history(&self) -> &StatusHistory {
        &self.history
    }

    /// When the status last arrived.
    pub fn fetched_at(&self) -> Option<Instant> {
        self.fetched_at
    }

    /// Forgets everything the last server said (a new connection, or none).
    pub fn forget(&mut self) {
        *self = Self {
            open: self.open,
            ..Self::default()
        };
    }

    /// The user asked for a fresh status: ask now, or as soon as the request in flight
    /// is answered (one at a time).
    pub fn refresh(&mut self) {
        self.asked_at = None;
    }

    /// When to ask next, `now`.
    pub fn next_ask(&self, now: Instant) -> NextAsk {
        if !self.open || self.in_flight.is_some() {
            return NextAsk::Idle;
        }
        let Some(asked_at) = self.asked_at else {
            return NextAsk::Now;
        };
        if matches!(self.problem, Some(StatusProblem::NotReported(_))) {
            return NextAsk::Idle;
        }
        let since = now.saturating_duration_since(asked_at);
        if since >= PERIOD {
            NextAsk::Now
        } else {
            NextAsk::After(PERIOD - since)
        }
    }

    /// The request `id` was sent `now`.
    pub fn asked(&mut self, id: RequestId, now: Instant) {
        self.in_flight = Some(id);
        self.asked_at = Some(now);
    }

    /// Whether a reply to `id` (with request text `request`) belongs to the window.
    pub fn owns(&self, id: RequestId, request: &str) -> bool {
        self.in_flight == Some(id) || request == STATUS
    }

    /// A reply to a status request came.
    pub fn answered(&mut self, id: RequestId, text: &str, now: Instant) {
        if self.in_flight == Some(id) {
            self.in_flight = None;
        }
        match ServerStatus::parse(text) {
            Ok(status) => {
                self.history.record(&status, now);
                self.status = Some(status);
                self.problem = None;
                self.fetched_at = Some(now);
            }
            Err(error) => {
                self.status = None;
                self.problem = Some(StatusProblem::NotReported(error));
            }
        }
    }

    /// A status request got no reply; the last status stays, marked as old by the
    /// problem.
    pub fn failed(&mut self, id: RequestId, failure: RequestFailure) {
        if self.in_flight == Some(id) {
            self.in_flight = None;
        }
        if failure != RequestFailure::Stopped {
            self.problem = Some(StatusProblem::Failed(failure));
        }
    }

    /// Requests were dropped from the engine's queue (a cancelled paste).
    pub fn cancelled(&mut self, ids: &[RequestId]) {
        if self.in_flight.is_some_and(|id| ids.contains(&id)) {
            self.in_flight = None;
        }
    }

    /// Draws the window when it is open; returns what the user asked.
    pub fn window_ui(
        &mut self,
        ctx: &egui::Context,
        view: ServerInfoView<'_>,
        language: Language,
    ) -> Option<ServerInfoIntent> {
        if !self.open {
            return None;
        }
        let t = language.texts();
        let mut open = true;
        let mut intent = None;
        egui::Window::new(t.server_status_title)
            .id(egui::Id::unique("zlist-server-status"))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| intent = self.server_info_ui(ui, view, language));
        self.open = open;
        intent
    }

    /// The window's contents: the status as a grid, or why there is none.
    pub fn server_info_ui(
        &self,
        ui: &mut egui::Ui,
        view: ServerInfoView<'_>,
        language: Language,
    ) -> Option<ServerInfoIntent> {
        let t = language.texts();
        let mut intent = None;
        ui.set_min_width(360.0);
        if !view.connected {
            ui.label(t.need_connection);
        } else {
            if let Some(endpoint) = view.endpoint {
                ui.label(egui::RichText::new(endpoint).weak());
            }
            if let Some(problem) = &self.problem {
                let (text, colour) = match problem {
                    StatusProblem::NotReported(error) => (
                        language.status_not_reported(error),
                        ui.visuals().warn_fg_color,
                    ),
                    StatusProblem::Failed(failure) => (
                        language.request_failure(STATUS, failure),
                        ui.visuals().error_fg_color,
                    ),
                };
                ui.add(egui::Label::new(egui::RichText::new(text).color(colour)).wrap());
            }
            match &self.status {
                Some(status) => {
                    status_grid_ui(ui, status, language);
                    ui.add_space(6.0);
                    self.history.plots_ui(ui, language);
                }
                None if self.in_flight.is_some() => {
                    ui.horizontal(|ui| {
                        ui.add(egui::Spinner::new());
                        ui.label(t.server_status_asking);
                    });
                }
                None => {}
            }
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            let refresh = ui
                .add_enabled(view.connected, egui::Button::new(t.server_status_refresh))
                .on_hover_text(t.server_status_tip)
                .on_disabled_hover_text(t.need_connection);
            if refresh.clicked() {
                intent = Some(ServerInfoIntent::Refresh);
            }
            if view.connected
                && let Some(at) = self.fetched_at
            {
                ui.label(egui::RichText::new(language.status_updated(at.elapsed())).weak());
            }
            if self.in_flight.is_some() && self.status.is_some() {
                ui.add(egui::Spinner::new().size(12.0));
            }
        });
        // The "updated … ago" label moves on by itself.
        ui.ctx().request_repaint_after(Duration::from_secs(1));
        intent
    }
}

/// One row per fact the server reported.
fn status_grid_ui(ui: &mut egui::Ui, status: &ServerStatus, language: Language) {
    let t = language.texts();
    let subscribers = match status.subscribers {
        Some(count) => count.to_string(),
        None => t.status_live_off.to_owned(),
    };
    let rows = [
        (t.status_server, status.server.clone()),
        (t.status_uptime, Uptime(status.uptime).to_string()),
        (t.status_clients, status.clients.to_string()),
        (t.status_subscribers, subscribers),
        (t.status_elements, status.elements.to_string()),
        (t.status_bytes, status.bytes.to_string()),
        (t.status_changes, status.changes.to_string()),
        (
            t.status_requests,
            format!("{} / {}", status.requests, status.errors),
        ),
        (t.status_storage, language.storage_name(&status.storage)),
        (t.status_access, language.access_name(&status.access)),
    ];
    egui::Grid::new("zlist-server-status-grid")
        .num_columns(2)
        .striped(true)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            for (key, value) in rows {
                ui.label(egui::RichText::new(key).strong());
                ui.label(value);
                ui.end_row();
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "zlist.status server=zlist/0.1.0 uptime=3725 clients=2 subscribers=1 \
                        elements=5 bytes=40 changes=12 requests=80 errors=3 storage=disk \
                        access=token";

    #[test]
    fn the_open_window_asks_at_once_then_every_period_one_at_a_time() {
        let mut info = ServerInfo::default();
        let start = Instant::now();
        assert_eq!(
            info.next_ask(start),
            NextAsk::Idle,
            "closed, it asks nothing"
        );
        info.open();
        assert_eq!(info.next_ask(start), NextAsk::Now);
        info.asked(RequestId(1), start);
        assert!(info.is_asking());
        assert_eq!(
            info.next_ask(start + PERIOD * 3),
            NextAsk::Idle,
            "one in flight"
        );
        info.answered(RequestId(1), LINE, start);
        assert_eq!(info.status().map(|s| s.elements), Some(5));
        assert_eq!(
            info.next_ask(start + Duration::from_millis(500)),
            NextAsk::After(PERIOD - Duration::from_millis(500))
        );
        assert_eq!(info.next_ask(start + PERIOD), NextAsk::Now);
        info.refresh();
        assert_eq!(info.next_ask(start), NextAsk::Now, "refresh asks at once");
        info.open = false;
        assert_eq!(info.next_ask(start + PERIOD), NextAsk::Idle);
    }

    #[test]
    fn a_seed_server_is_asked_once_and_a_failure_keeps_the_last_status() {
        let mut info = ServerInfo::default();
        let start = Instant::now();
        info.open();
        info.asked(RequestId(1), start);
        info.answered(RequestId(1), LINE, start);
        info.asked(RequestId(2), start);
        let failure = RequestFailure::NoReply {
            endpoint: "tcp://127.0.0.1:1".to_owned(),
            tries: 1,
            timeout: Duration::from_secs(1),
        };
        info.failed(RequestId(2), failure.clone());
        assert!(info.status().is_some(), "the last status stays");
        assert_eq!(info.problem(), Some(&StatusProblem::Failed(failure)));
        assert_eq!(info.next_ask(start + PERIOD), NextAsk::Now);

        info.asked(RequestId(3), start);
        info.answered(RequestId(3), "Comando inválido.", start);
        assert!(info.status().is_none());
        assert!(matches!(
            info.problem(),
            Some(StatusProblem::NotReported(StatusError::NotStatus(_)))
        ));
        assert_eq!(info.next_ask(start + PERIOD * 10), NextAsk::Idle);
        info.refresh();
        assert_eq!(info.next_ask(start), NextAsk::Now, "the button still asks");

        info.asked(RequestId(4), start);
        info.cancelled(&[RequestId(4)]);
        assert!(!info.is_asking());
        info.forget();
        assert!(info.is_open() && info.problem().is_none() && info.status().is_none());
    }
}
