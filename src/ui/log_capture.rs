//! Captures zlist's own tracing events (the embedded server's request trail among them) for
//! the debug console: a small [`tracing_subscriber::Layer`] that formats each event and
//! hands it to a bounded channel, waking the UI. When the channel is full, lines are
//! dropped and counted rather than blocking the thread that logged.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use crossbeam_channel::{Receiver, Sender, TrySendError};
use tracing::Level;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;

use crate::ui::console::Source;

/// Lines waiting for the console at most.
pub const CAPACITY: usize = 10_000;

/// The target the app logs its own messages under; the console has them already.
pub const APP_TARGET: &str = "zlist::ui::app";

/// The client engine's module: its trail reaches the console as its own events.
const ENGINE_TARGET: &str = "zlist::net::client";

/// One captured event.
#[derive(Debug, Clone)]
pub struct CapturedLine {
    /// When it was logged.
    pub at: SystemTime,
    /// Its level.
    pub level: tracing::Level,
    /// Its target, e.g. `zlist::net::server`.
    pub target: String,
    /// The message, then `key=value` for the other fields.
    pub text: String,
}

type Waker = Box<dyn Fn() + Send + Sync>;

/// The tracing layer: install it in the subscriber (see [`capture`]).
pub struct CaptureLayer {
    sender: Sender<CapturedLine>,
    waker: Arc<OnceLock<Waker>>,
    dropped: Arc<AtomicU64>,
}

/// The console's end: drain it each frame.
#[derive(Clone)]
pub struct LogFeed {
    receiver: Receiver<CapturedLine>,
    waker: Arc<OnceLock<Waker>>,
    dropped: Arc<AtomicU64>,
}

impl std::fmt::Debug for LogFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogFeed")
            .field("waiting", &self.receiver.len())
            .finish_non_exhaustive()
    }
}

/// A capture layer and its feed, with room for `capacity` waiting lines.
pub fn capture(capacity: usize) -> (CaptureLayer, LogFeed) {
    let (sender, receiver) = crossbeam_channel::bounded(capacity.max(1));
    let waker = Arc::new(OnceLock::new());
    let dropped = Arc::new(AtomicU64::new(0));
    (
        CaptureLayer {
            sender,
            waker: Arc::clone(&waker),
            dropped: Arc::clone(&dropped),
        },
        LogFeed {
            receiver,
            waker,
            dropped,
        },
    )
}

impl LogFeed {
    /// Sets what is called after each captured line (the GUI asks for a repaint). Only
    /// the first call has an effect.
    pub fn set_waker(&self, waker: impl Fn() + Send + Sync + 'static) {
        let _ = self.waker.set(Box::new(waker));
    }

    /// Takes up to `max` waiting lines.
    pub fn drain(&self, max: usize) -> Vec<CapturedLine> {
        self.receiver.try_iter().take(max).collect()
    }

    /// Lines lost because the console did not keep up.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CaptureLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let mut text = FieldText::default();
        event.record(&mut text);
        let line = CapturedLine {
            at: SystemTime::now(),
            level: *metadata.level(),
            target: metadata.target().to_owned(),
            text: text.finish(),
        };
        match self.sender.try_send(line) {
            Ok(()) => {
                if let Some(wake) = self.waker.get() {
                    wake();
                }
            }
            Err(TrySendError::Full(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
            // The app is gone; nothing to tell.
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

/// Where a captured line goes in the console: its source and the level it shows at, or
/// `None` when the console has it from elsewhere. The app's own messages are noted as they
/// are set; the client engine's trail below WARN arrives as its events
/// ([`crate::net::client::ClientEvent::Debug`]), but every engine warning or error logged
/// here is shown. The rest is the embedded server's log (which logs the status window's
/// probes, every 2 s, at TRACE itself).
pub fn console_route(line: &CapturedLine) -> Option<(Source, Level)> {
    let within = |module: &str| {
        line.target
            .strip_prefix(module)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    };
    if within(APP_TARGET) {
        return None;
    }
    if within(ENGINE_TARGET) {
        return (line.level <= Level::WARN).then_some((Source::Client, line.level));
    }
    Some((Source::Server, line.level))
}

/// The filter the GUI installs with the layer: zlist's own events, TRACE (the embedded
/// server's status probes) and above.
pub fn zlist_targets() -> tracing_subscriber::filter::Targets {
    tracing_subscriber::filter::Targets::new().with_target("zlist", tracing::Level::TRACE)
}

/// Formats an event's fields: the message first, then the others as `key=value`.
#[derive(Default)]
struct FieldText {
    message: String,
    fields: String,
}

impl FieldText {
    fn finish(mut self) -> String {
        if !self.fields.is_empty() {
            if !self.message.is_empty() {
                self.message.push(' ');
            }
            self.message.push_str(&self.fields);
        }
        self.message
    }

    fn field(&mut self, name: &str) {
        if !self.fields.is_empty() {
            self.fields.push(' ');
        }
        self.fields.push_str(name);
        self.fields.push('=');
    }
}

impl Visit for FieldText {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.field(field.name());
            self.fields.push_str(value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.field(field.name());
            let _ = write!(self.fields, "{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;

    #[test]
    fn zlist_events_reach_the_feed_with_their_fields() {
        let (layer, feed) = capture(16);
        let subscriber = tracing_subscriber::registry().with(
            tracing_subscriber::Layer::with_filter(layer, zlist_targets()),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "zlist::net::server", endpoint = "tcp://127.0.0.1:5", "server listening");
            tracing::debug!(target: "zlist::net::server", "request received: append 3");
            tracing::debug!(target: "winit", "not ours");
            tracing::trace!(target: "zlist::net::server", "request received: zlist.status");
            tracing::trace!(target: "wgpu", "not ours either");
        });
        let lines = feed.drain(100);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "server listening endpoint=tcp://127.0.0.1:5",
                "request received: append 3",
                "request received: zlist.status"
            ]
        );
        assert_eq!(lines[0].level, tracing::Level::INFO);
    }

    fn line(level: Level, target: &str, text: &str) -> CapturedLine {
        CapturedLine {
            at: SystemTime::now(),
            level,
            target: target.to_owned(),
            text: text.to_owned(),
        }
    }

    #[test]
    fn engine_warnings_reach_the_console_and_its_trail_does_not_twice() {
        let worker = "zlist::net::client::worker";
        let warning = line(
            Level::WARN,
            worker,
            "cannot read the socket monitor: EFAULT",
        );
        assert_eq!(console_route(&warning), Some((Source::Client, Level::WARN)));
        let error = line(
            Level::ERROR,
            "zlist::net::client",
            "the client thread panicked",
        );
        assert_eq!(console_route(&error), Some((Source::Client, Level::ERROR)));
        for level in [Level::INFO, Level::DEBUG, Level::TRACE] {
            assert_eq!(console_route(&line(level, worker, "mostrar")), None);
        }
        // The app's own messages are in the console already.
        assert_eq!(
            console_route(&line(Level::WARN, APP_TARGET, "no reply")),
            None
        );
    }

    #[test]
    fn the_embedded_servers_log_is_shown_at_the_level_it_was_logged() {
        let server = "zlist::net::server";
        assert_eq!(
            console_route(&line(Level::DEBUG, server, "request received: append 3")),
            Some((Source::Server, Level::DEBUG))
        );
        // The server logs status probes at TRACE itself.
        assert_eq!(
            console_route(&line(
                Level::TRACE,
                server,
                "request received: zlist.status"
            )),
            Some((Source::Server, Level::TRACE))
        );
        // A module whose name only starts like the engine's is not the engine.
        assert_eq!(
            console_route(&line(Level::DEBUG, "zlist::net::clientele", "x")),
            Some((Source::Server, Level::DEBUG))
        );
    }

    #[test]
    fn a_full_feed_drops_and_counts_instead_of_blocking() {
        let (layer, feed) = capture(2);
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            for i in 0..5 {
                tracing::info!(target: "zlist", "line {i}");
            }
        });
        assert_eq!(feed.drain(100).len(), 2);
        assert_eq!(feed.dropped(), 3);
    }
}
