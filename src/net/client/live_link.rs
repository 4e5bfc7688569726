//! A live client's subscription to the server's updates: the SUB socket, the tracker that
//! keeps the list's versions in order, the snapshot it waits for, and the live state the
//! driver is told. The worker fetches snapshots through its request socket and hands the
//! replies here; everything published is read here.

use std::time::{Duration, Instant};

use super::trail;
use super::worker::{Config, Events, set_credentials};
use super::{ClientEvent, LiveState, NotLive};
use crate::net::endpoint::{self, Role};
use crate::net::live::{self, Step, Tracker};
use crate::net::protocol::ServerKind;

/// How long a live client waits before asking again after a failed snapshot.
const SNAPSHOT_RETRY: Duration = Duration::from_secs(2);

/// Most published messages read in one go (then orders and the REQ socket get a look).
const LIVE_BATCH: usize = 10_000;

/// Unreadable published messages are reported at most this often.
const BAD_MESSAGE_REPORT: Duration = Duration::from_secs(5);

/// The live side of a worker: the subscription, if any, and the state last reported.
#[derive(Default)]
pub(super) struct Live {
    link: Option<LiveLink>,
    reported: Option<LiveState>,
}

/// The subscription to a server's live updates.
struct LiveLink {
    sub: zmq::Socket,
    /// The publisher's address.
    endpoint: String,
    tracker: Tracker,
    /// Whether anything came since subscribing: the subscription is in place, so a
    /// snapshot asked for now is followed by every later update.
    heard: bool,
    /// When the last message came (or the subscription was opened).
    heard_at: Instant,
    /// Nothing came for [`live::SILENCE_LIMIT`].
    silent: bool,
    /// The last snapshot failed, and why; no snapshot is asked for before `retry_at`.
    failure: Option<NotLive>,
    retry_at: Instant,
    /// Unreadable messages not reported yet, and when the last report was.
    bad_unreported: u64,
    bad_reported_at: Option<Instant>,
}

impl LiveLink {
    fn new(sub: zmq::Socket, endpoint: String) -> Self {
        let now = Instant::now();
        Self {
            sub,
            endpoint,
            tracker: Tracker::default(),
            heard: false,
            heard_at: now,
            silent: false,
            failure: None,
            retry_at: now,
            bad_unreported: 0,
            bad_reported_at: None,
        }
    }

    /// What the driver is told about it.
    fn state(&self) -> LiveState {
        if self.silent {
            LiveState::Unavailable(NotLive::Silent {
                endpoint: self.endpoint.clone(),
                after: live::SILENCE_LIMIT,
            })
        } else if let Some(failure) = &self.failure {
            LiveState::Unavailable(failure.clone())
        } else if self.tracker.is_waiting() {
            LiveState::Resyncing
        } else {
            LiveState::Live
        }
    }
}

impl Live {
    /// The SUB socket's poll item, when subscribed.
    pub(super) fn poll_item(&self) -> Option<zmq::PollItem<'_>> {
        self.link
            .as_ref()
            .map(|link| link.sub.as_poll_item(zmq::POLLIN))
    }

    /// Drops the subscription.
    pub(super) fn stop(&mut self) {
        self.link = None;
    }

    /// After a `zlist.hello` answered by `kind` at `server` (the endpoint in use): subscribes
    /// to the publisher it announces (keeping a subscription to the same one; another
    /// server's publisher starts afresh, from a snapshot), or says there is none.
    pub(super) fn follow(
        &mut self,
        kind: &ServerKind,
        server: &str,
        context: &zmq::Context,
        config: &Config,
        events: &Events,
    ) {
        let Some(announced) = kind.feature("pub") else {
            if self.link.take().is_some() {
                events.debug(tracing::Level::INFO, trail::PUBLISHER_GONE);
            }
            self.set(LiveState::Unavailable(NotLive::NotPublished), events);
            return;
        };
        let Some(endpoint) = publisher_endpoint(server, announced) else {
            self.link = None;
            self.set(
                LiveState::Unavailable(NotLive::BadAnnouncement(announced.to_owned())),
                events,
            );
            return;
        };
        if self.link.as_ref().is_some_and(|l| l.endpoint == endpoint) {
            return;
        }
        self.link = None;
        match subscribe(context, config, &endpoint) {
            Ok(sub) => {
                events.debug(tracing::Level::INFO, trail::subscribed(&endpoint));
                self.link = Some(LiveLink::new(sub, endpoint));
                self.report(events);
            }
            Err((doing, error)) => {
                self.set(
                    LiveState::Unavailable(NotLive::Subscribe {
                        endpoint,
                        reason: format!("{doing}: {error}"),
                    }),
                    events,
                );
            }
        }
    }

    /// The driver asked for a fresh snapshot: wanted now, whatever failed before.
    pub(super) fn resync_ordered(&mut self, events: &Events) {
        if let Some(link) = &mut self.link {
            link.tracker.want_snapshot();
            link.failure = None;
            link.retry_at = Instant::now();
            events.debug(tracing::Level::INFO, trail::RESYNC_ORDERED);
            self.report(events);
        }
    }

    /// Whether the live list needs a snapshot and may ask for one now.
    pub(super) fn snapshot_due(&self) -> bool {
        self.link.as_ref().is_some_and(|link| {
            link.heard && link.tracker.is_waiting() && Instant::now() >= link.retry_at
        })
    }

    /// Reads the reply to `zlist.snapshot`, hands the list and the updates held since to
    /// the driver.
    pub(super) fn take_snapshot(&mut self, text: &str, round_trip: Duration, events: &Events) {
        let snapshot = match live::parse_snapshot_reply(text) {
            Ok(snapshot) => snapshot,
            Err(error) => {
                self.snapshot_failed(error.to_string(), events);
                return;
            }
        };
        let Some(link) = &mut self.link else { return };
        let after =
            link.tracker
                .on_snapshot(snapshot.epoch, snapshot.version, snapshot.items.len());
        link.failure = None;
        events.debug(
            tracing::Level::INFO,
            trail::snapshot_taken(
                snapshot.items.len(),
                snapshot.version,
                snapshot.epoch,
                round_trip,
                after.deliver.len(),
            ),
        );
        events.emit(ClientEvent::Snapshot {
            epoch: snapshot.epoch,
            version: snapshot.version,
            items: snapshot.items,
        });
        for (version, effect) in after.deliver {
            events.emit(ClientEvent::Update { version, effect });
        }
        if let Some(why) = after.resync {
            events.debug(tracing::Level::INFO, trail::resyncing(&why));
        }
        self.report(events);
    }

    /// A snapshot could not be had: say why, and ask again a little later.
    pub(super) fn snapshot_failed(&mut self, reason: String, events: &Events) {
        events.debug(
            tracing::Level::ERROR,
            trail::snapshot_failed(&reason, SNAPSHOT_RETRY),
        );
        if let Some(link) = &mut self.link {
            link.failure = Some(NotLive::Snapshot(reason));
            link.retry_at = Instant::now() + SNAPSHOT_RETRY;
        }
        self.report(events);
    }

    /// Reads the published messages waiting (a bounded batch).
    pub(super) fn drain(&mut self, events: &Events) {
        for _ in 0..LIVE_BATCH {
            let Some(link) = &mut self.link else { return };
            let frames = match link.sub.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => frames,
                Err(zmq::Error::EAGAIN) => break,
                Err(zmq::Error::EINTR) => continue,
                Err(error) => {
                    tracing::warn!("cannot read the update subscription: {error}");
                    break;
                }
            };
            link.heard = true;
            link.heard_at = Instant::now();
            link.silent = false;
            match live::decode(&frames) {
                Ok(message) => match link.tracker.on_published(message) {
                    Step::Deliver(version, effect) => {
                        events.emit(ClientEvent::Update { version, effect });
                    }
                    Step::Nothing => {}
                    Step::Resync(why) => {
                        events.debug(tracing::Level::INFO, trail::resyncing(&why));
                    }
                },
                Err(error) => link.bad_message(&error, events),
            }
        }
        self.report(events);
    }

    /// Says the publisher is silent once nothing came for [`live::SILENCE_LIMIT`].
    pub(super) fn check_silence(&mut self, events: &Events) {
        let Some(link) = &mut self.link else { return };
        if !link.silent && link.heard_at.elapsed() >= live::SILENCE_LIMIT {
            link.silent = true;
            self.report(events);
        }
    }

    /// Reports the live state if it changed.
    fn report(&mut self, events: &Events) {
        if let Some(state) = self.link.as_ref().map(LiveLink::state) {
            self.set(state, events);
        }
    }

    /// Records and reports a new live state, with a line in the trail.
    fn set(&mut self, state: LiveState, events: &Events) {
        if self.reported.as_ref() == Some(&state) {
            return;
        }
        let (level, line) = match &state {
            LiveState::Live => (tracing::Level::INFO, trail::LIVE.to_owned()),
            LiveState::Resyncing => (tracing::Level::DEBUG, trail::RESYNCING.to_owned()),
            LiveState::Unavailable(why) => (tracing::Level::WARN, trail::unavailable(why)),
        };
        events.debug(level, line);
        self.reported = Some(state.clone());
        events.emit(ClientEvent::Live(state));
    }
}

impl LiveLink {
    /// An unreadable published message: reported (at most every few seconds), then
    /// ignored. If it was an update, the gap shows at the next one and the list resyncs.
    fn bad_message(&mut self, error: &live::LiveError, events: &Events) {
        self.bad_unreported += 1;
        let now = Instant::now();
        if self
            .bad_reported_at
            .is_some_and(|at| now.duration_since(at) < BAD_MESSAGE_REPORT)
        {
            return;
        }
        let count = std::mem::take(&mut self.bad_unreported);
        self.bad_reported_at = Some(now);
        events.debug(
            tracing::Level::WARN,
            trail::bad_message(&self.endpoint, count, error),
        );
    }
}

/// A SUB socket on the publisher, with the same credentials as the REQ socket.
fn subscribe(
    context: &zmq::Context,
    config: &Config,
    endpoint: &str,
) -> Result<zmq::Socket, (&'static str, zmq::Error)> {
    let sub = context
        .socket(zmq::SUB)
        .map_err(|e| (trail::CREATE_SUB, e))?;
    sub.set_linger(0).map_err(|e| ("ZMQ_LINGER", e))?;
    sub.set_rcvhwm(live::HIGH_WATER_MARK)
        .map_err(|e| ("ZMQ_RCVHWM", e))?;
    set_credentials(&sub, config)?;
    if endpoint::is_ipv6(endpoint) {
        sub.set_ipv6(true).map_err(|e| ("ZMQ_IPV6", e))?;
    }
    sub.set_subscribe(b"").map_err(|e| ("ZMQ_SUBSCRIBE", e))?;
    sub.connect(endpoint).map_err(|e| ("connect", e))?;
    Ok(sub)
}

/// Where to subscribe, from the `pub=` a server announced: a port (on the host this client
/// reached the server at, so wildcard binds and NAT work), or a full `tcp://` address.
fn publisher_endpoint(server: &str, announced: &str) -> Option<String> {
    if let Ok(port) = announced.parse::<u16>() {
        let host = endpoint::host(server)?;
        return (port != 0).then(|| format!("tcp://{host}:{port}"));
    }
    announced
        .contains("://")
        .then(|| endpoint::normalize(announced, Role::Connect).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_publisher_is_reached_at_the_servers_host() {
        assert_eq!(
            publisher_endpoint("tcp://3.221.106.59:1234", "1235").as_deref(),
            Some("tcp://3.221.106.59:1235")
        );
        assert_eq!(
            publisher_endpoint("tcp://[::1]:1234", "41000").as_deref(),
            Some("tcp://[::1]:41000")
        );
        assert_eq!(
            publisher_endpoint("tcp://h:1", "tcp://10.0.0.1:5000").as_deref(),
            Some("tcp://10.0.0.1:5000")
        );
        for bad in ["0", "-1", "70000", "nonsense", "tcp://*:1", ""] {
            assert_eq!(publisher_endpoint("tcp://h:1", bad), None, "{bad}");
        }
        assert_eq!(publisher_endpoint("ipc:///tmp/x", "1235"), None);
    }
}
