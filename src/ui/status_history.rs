//! The server status window's history: what the server reported over the last minutes
//! (requests per second, connected clients, the list's size), kept while the window asks,
//! and drawn as small plots (`egui_plot`) below the figures.

use std::collections::VecDeque;
use std::time::Instant;

use crate::net::status::ServerStatus;
use crate::ui::i18n::Language;

/// How far back the plots go, in seconds.
pub const SPAN_SECS: f64 = 600.0;

/// One report: when it came (seconds since the first) and its figures.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Sample {
    at: f64,
    requests: u64,
    clients: usize,
    elements: usize,
}

/// The reports of the last [`SPAN_SECS`] from one server run.
#[derive(Debug, Default)]
pub struct StatusHistory {
    start: Option<Instant>,
    samples: VecDeque<Sample>,
}

impl StatusHistory {
    /// Adds a report that came `now`. A report whose request count went down comes from
    /// a restarted server: the history starts again from it.
    pub fn record(&mut self, status: &ServerStatus, now: Instant) {
        if self
            .samples
            .back()
            .is_some_and(|last| status.requests < last.requests)
        {
            self.clear();
        }
        let start = *self.start.get_or_insert(now);
        let at = now.saturating_duration_since(start).as_secs_f64();
        self.samples.push_back(Sample {
            at,
            requests: status.requests,
            clients: status.clients,
            elements: status.elements,
        });
        while self
            .samples
            .front()
            .is_some_and(|first| at - first.at > SPAN_SECS)
        {
            self.samples.pop_front();
        }
    }

    /// Forgets everything (another server, or none).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// How many reports it holds.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Requests per second between consecutive reports, at the later one's time.
    pub fn request_rates(&self) -> Vec<[f64; 2]> {
        self.samples
            .iter()
            .zip(self.samples.iter().skip(1))
            .filter(|(before, after)| after.at > before.at)
            .map(|(before, after)| {
                let requests = after.requests.saturating_sub(before.requests) as f64;
                [after.at, requests / (after.at - before.at)]
            })
            .collect()
    }

    /// Connected clients at each report.
    pub fn clients(&self) -> Vec<[f64; 2]> {
        self.samples
            .iter()
            .map(|s| [s.at, s.clients as f64])
            .collect()
    }

    /// The list's size at each report.
    pub fn elements(&self) -> Vec<[f64; 2]> {
        self.samples
            .iter()
            .map(|s| [s.at, s.elements as f64])
            .collect()
    }

    /// Three small plots, one above the other: requests per second, clients, elements.
    pub fn plots_ui(&self, ui: &mut egui::Ui, language: Language) {
        if self.samples.len() < 2 {
            return;
        }
        let t = language.texts();
        let link = egui::Id::unique("zlist-status-history");
        for (name, points) in [
            (t.history_requests_per_second, self.request_rates()),
            (t.status_clients, self.clients()),
            (t.status_elements, self.elements()),
        ] {
            ui.label(egui::RichText::new(name).strong());
            egui_plot::Plot::new(("zlist-status-plot", name))
                .height(70.0)
                .link_axis(link, [true, false])
                .include_y(0.0)
                .allow_zoom(false)
                .allow_scroll(false)
                .allow_drag(false)
                .allow_boxed_zoom(false)
                .show_x(true)
                .show_y(true)
                .x_axis_label(t.history_seconds)
                .show(ui, |plot| {
                    plot.line(egui_plot::Line::new(name, points));
                });
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn status(requests: u64, clients: usize, elements: usize) -> ServerStatus {
        let line = format!(
            "zlist.status server=zlist/0.1.0 uptime=1 clients={clients} elements={elements} \
             bytes=0 changes=0 requests={requests} errors=0 storage=memory access=open"
        );
        ServerStatus::parse(&line).expect("a valid status line")
    }

    #[test]
    fn request_rates_are_the_count_between_reports_over_their_distance() {
        let mut history = StatusHistory::default();
        let start = Instant::now();
        history.record(&status(100, 1, 5), start);
        history.record(&status(120, 2, 6), start + Duration::from_secs(2));
        history.record(&status(180, 2, 9), start + Duration::from_secs(4));
        assert_eq!(history.request_rates(), vec![[2.0, 10.0], [4.0, 30.0]]);
        assert_eq!(history.clients(), vec![[0.0, 1.0], [2.0, 2.0], [4.0, 2.0]]);
        assert_eq!(history.elements()[2], [4.0, 9.0]);
    }

    #[test]
    fn a_restarted_server_starts_the_history_again() {
        let mut history = StatusHistory::default();
        let start = Instant::now();
        history.record(&status(500, 1, 5), start);
        history.record(&status(510, 1, 5), start + Duration::from_secs(2));
        history.record(&status(3, 1, 0), start + Duration::from_secs(4));
        assert_eq!(history.len(), 1);
        assert!(history.request_rates().is_empty());
    }

    #[test]
    fn reports_older_than_the_span_are_dropped() {
        let mut history = StatusHistory::default();
        let start = Instant::now();
        for i in 0..400u64 {
            history.record(&status(i, 1, 1), start + Duration::from_secs(2 * i));
        }
        let clients = history.clients();
        let first = clients.first().map(|p| p[0]).unwrap_or_default();
        let last = clients.last().map(|p| p[0]).unwrap_or_default();
        assert!(last - first <= SPAN_SECS, "{first}..{last}");
        assert_eq!(history.len(), 301);
    }
}
