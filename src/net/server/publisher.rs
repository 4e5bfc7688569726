//! The live-update publisher: an XPUB socket the server loop publishes every applied change
//! and a heartbeat on, looking at its subscribers only when it must.

use std::time::{Duration, Instant};

use crate::net::access::AccessPolicy;
use crate::net::endpoint;
use crate::net::list::Effect;
use crate::net::live::{self, Epoch};
use crate::net::protocol;

use super::security::configure_access;
use super::{ServerError, zmq_error};

/// Largest message a subscriber may send the publisher (a subscription is 1 byte plus its
/// topic); a larger one drops that connection. libzmq applies it to the handshake's
/// commands too, and CURVE's INITIATE is about 300 bytes.
const MAX_SUBSCRIPTION_BYTES: i64 = 1024;

/// How many updates are published between two reads of the subscriptions.
const SUBSCRIPTION_READS_EVERY: u64 = 64;

/// How often the publisher looks at its subscribers (greets new ones, notices the last one
/// leaving) when nothing else makes it.
const MAINTENANCE_INTERVAL: Duration = Duration::from_millis(100);

/// How often it looks right after a `zlist.hello`, when a live client is about to
/// subscribe, so that the new subscriber is welcomed within milliseconds.
const EXPECTING_INTERVAL: Duration = Duration::from_millis(2);

/// How long it keeps looking that often after a `zlist.hello`.
const EXPECTING_FOR: Duration = Duration::from_millis(250);

/// Most distinct subscription topics tracked; past it, the publisher assumes someone
/// always listens.
const MAX_TRACKED_TOPICS: usize = 1024;

/// The live-update publisher: an XPUB socket (a PUB that greets each new subscriber with a
/// welcome message, so it knows its subscription is in place, and reports the first
/// subscription to a topic and the last one leaving), the run's epoch, and when the next
/// heartbeat is due.
///
/// It costs the request path as little as it can: it is not polled with the request socket
/// (each polled socket costs every request two more syscalls); it looks at its
/// subscribers every [`MAINTENANCE_INTERVAL`] (every [`EXPECTING_INTERVAL`] for a moment
/// after a `zlist.hello`, when a live client is about to subscribe), before each
/// `zlist.snapshot`, at each heartbeat and every few updates; and with nobody subscribed it
/// does not even encode the updates (a subscriber arriving then is greeted at the next
/// look, and asks for its snapshot only after that).
pub(super) struct Publisher {
    pub(super) socket: zmq::Socket,
    pub(super) endpoint: String,
    /// The epoch's wire text, formatted once.
    epoch: String,
    next_heartbeat: Instant,
    next_maintenance: Instant,
    /// Until when it looks at its subscribers often (a live client said hello).
    expecting_until: Instant,
    /// Updates published (or skipped) so far.
    published: u64,
    /// The topics somebody subscribes to (clients subscribe to all: the empty topic).
    topics: std::collections::HashSet<Vec<u8>>,
    /// Too many topics to track: assume someone listens.
    always_listening: bool,
    /// Test knob: skip every Nth update.
    skip_every: Option<u64>,
}

impl Publisher {
    pub(super) fn start(
        context: &zmq::Context,
        address: &str,
        policy: &AccessPolicy,
        epoch: Epoch,
        skip_every: Option<u64>,
    ) -> Result<Self, ServerError> {
        let socket = context
            .socket(zmq::XPUB)
            .map_err(zmq_error("creating the publisher socket"))?;
        socket.set_linger(0).map_err(zmq_error("setting linger"))?;
        socket
            .set_sndhwm(live::HIGH_WATER_MARK)
            .map_err(zmq_error("setting the publisher's queue size"))?;
        socket
            .set_maxmsgsize(MAX_SUBSCRIPTION_BYTES)
            .map_err(zmq_error("setting the subscription size limit"))?;
        let welcome = std::str::from_utf8(live::KIND_WELCOME).unwrap_or("w");
        socket
            .set_xpub_welcome_msg(Some(welcome))
            .map_err(zmq_error("setting the welcome message"))?;
        if endpoint::is_ipv6(address) {
            socket.set_ipv6(true).map_err(zmq_error("enabling IPv6"))?;
        }
        configure_access(&socket, policy)?;
        socket
            .bind(address)
            .map_err(|source| ServerError::PublishBind {
                endpoint: address.to_owned(),
                source,
            })?;
        let endpoint = socket
            .get_last_endpoint()
            .map_err(zmq_error("reading the publisher's bound address"))?
            .unwrap_or_else(|raw| String::from_utf8_lossy(&raw).into_owned());
        Ok(Self {
            socket,
            endpoint,
            epoch: epoch.to_string(),
            next_heartbeat: Instant::now(),
            next_maintenance: Instant::now(),
            expecting_until: Instant::now(),
            published: 0,
            topics: std::collections::HashSet::new(),
            always_listening: false,
            skip_every: skip_every.filter(|&n| n > 0),
        })
    }

    /// Publishes the change that made `version`. Never blocks: a subscriber too far
    /// behind misses it and resyncs.
    pub(super) fn publish(&mut self, version: u64, effect: &Effect) {
        if !self.is_listened_to() {
            return;
        }
        self.published += 1;
        if self.published.is_multiple_of(SUBSCRIPTION_READS_EVERY) {
            self.take_subscriptions();
        }
        if self.skip_every.is_some_and(|n| version.is_multiple_of(n)) {
            tracing::debug!(version, "update not published (test knob)");
            return;
        }
        if let Err(error) = live::send_update(&self.socket, &self.epoch, version, effect) {
            tracing::debug!("update {version} not published: {error}");
        }
    }

    /// Publishes as `epoch` from now on (a shared store's epoch can change).
    pub(super) fn set_epoch(&mut self, epoch: Epoch) {
        let text = epoch.to_string();
        if text != self.epoch {
            self.epoch = text;
        }
    }

    /// Called for each request before it is answered: a `zlist.hello` may announce a
    /// new subscriber (look often for a moment); before a `zlist.snapshot`, take in the
    /// subscriptions, so that every update after the snapshot's version goes out.
    pub(super) fn before_request(&mut self, body: &[u8]) {
        match body.trim_ascii() {
            b if b == protocol::HELLO.as_bytes() => {
                let now = Instant::now();
                self.expecting_until = now + EXPECTING_FOR;
                self.next_maintenance = self.next_maintenance.min(now + EXPECTING_INTERVAL);
            }
            b if b == protocol::SNAPSHOT.as_bytes() => self.take_subscriptions(),
            _ => {}
        }
    }

    /// Whether anybody subscribes.
    fn is_listened_to(&self) -> bool {
        self.always_listening || !self.topics.is_empty()
    }

    /// When [`Publisher::tick`] has work next.
    pub(super) fn next_wake(&self) -> Instant {
        self.next_heartbeat.min(self.next_maintenance)
    }

    /// Looks at the subscribers and sends the heartbeat, when due.
    pub(super) fn tick(&mut self, now: Instant, version: u64) {
        if now >= self.next_maintenance {
            self.take_subscriptions();
            self.next_maintenance = now
                + if now < self.expecting_until {
                    EXPECTING_INTERVAL
                } else {
                    MAINTENANCE_INTERVAL
                };
        }
        if now >= self.next_heartbeat {
            if let Err(error) = live::send_heartbeat(&self.socket, &self.epoch, version) {
                tracing::debug!("heartbeat not published: {error}");
            }
            self.next_heartbeat = now + live::HEARTBEAT_INTERVAL;
        }
    }

    /// Reads the (un)subscriptions the XPUB queued: the first subscription to a topic
    /// (`1` and the topic) and the last one leaving (`0` and the topic). Reading also has
    /// libzmq take in new subscribers, which sends them their welcome.
    fn take_subscriptions(&mut self) {
        for _ in 0..100_000 {
            match self.socket.recv_bytes(zmq::DONTWAIT) {
                Ok(message) => match message.split_first() {
                    Some((1, topic)) if self.topics.len() < MAX_TRACKED_TOPICS => {
                        self.topics.insert(topic.to_vec());
                    }
                    Some((1, _)) => self.always_listening = true,
                    Some((0, topic)) => {
                        self.topics.remove(topic);
                    }
                    _ => {}
                },
                Err(zmq::Error::EINTR) => {}
                Err(_) => break,
            }
        }
    }
}
