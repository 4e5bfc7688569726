//! libzmq's socket monitor: its event frames and events, what an event means for a
//! client's connection, and a count of the peers a socket has.

use crate::net::client::ConnectionState;

/// The first frame of a monitor message: the event (u16 LE) and its value (u32 LE).
pub(crate) fn parse_monitor_frame(frame: &[u8]) -> Option<(u16, u32)> {
    let event = u16::from_le_bytes(frame.get(0..2)?.try_into().ok()?);
    let value = u32::from_le_bytes(frame.get(2..6)?.try_into().ok()?);
    Some((event, value))
}

/// A monitor event number, known to this build or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MonitorEvent {
    /// An event `zmq::SocketEvent` names.
    Known(zmq::SocketEvent),
    /// A number this build does not know (a newer libzmq's draft events).
    Other,
}

impl MonitorEvent {
    /// Like `zmq::SocketEvent::from_raw`, without its panic on numbers it does not know.
    pub(crate) fn from_raw(raw: u16) -> Self {
        use zmq::SocketEvent as E;
        [
            E::CONNECTED,
            E::CONNECT_DELAYED,
            E::CONNECT_RETRIED,
            E::LISTENING,
            E::BIND_FAILED,
            E::ACCEPTED,
            E::ACCEPT_FAILED,
            E::CLOSED,
            E::CLOSE_FAILED,
            E::DISCONNECTED,
            E::MONITOR_STOPPED,
            E::HANDSHAKE_FAILED_NO_DETAIL,
            E::HANDSHAKE_SUCCEEDED,
            E::HANDSHAKE_FAILED_PROTOCOL,
            E::HANDSHAKE_FAILED_AUTH,
        ]
        .into_iter()
        .find(|event| event.to_raw() == raw)
        .map_or(Self::Other, Self::Known)
    }

    /// The connection state this event puts a client's socket in, if it says anything
    /// about it. A TCP connection (`CONNECTED`) and a connection in progress
    /// (`CONNECT_DELAYED`, which libzmq reports for every non-blocking connect) are not yet
    /// a server: no change.
    pub(crate) fn connection_state(self) -> Option<ConnectionState> {
        use zmq::SocketEvent as E;
        match self {
            Self::Known(E::HANDSHAKE_SUCCEEDED) => Some(ConnectionState::Connected),
            Self::Known(E::DISCONNECTED) => Some(ConnectionState::Disconnected),
            Self::Known(E::CONNECT_RETRIED) => Some(ConnectionState::Retrying),
            Self::Known(E::HANDSHAKE_FAILED_NO_DETAIL | E::HANDSHAKE_FAILED_PROTOCOL) => {
                Some(ConnectionState::HandshakeFailed)
            }
            Self::Known(E::HANDSHAKE_FAILED_AUTH) => Some(ConnectionState::AuthFailed),
            Self::Known(_) | Self::Other => None,
        }
    }
}

/// Starts libzmq's monitor of `socket` on the in-process `address` (unique within the
/// context) and returns the socket that reads its events.
///
/// The reader's queue has no limit: libzmq sends events with blocking sends from its own
/// I/O thread, so a full queue would stall every socket of the context until someone
/// reads. Before closing `socket` while its context lives on, call [`stop`]; a context
/// being terminated (a server stopping) interrupts such a send by itself.
pub(crate) fn attach(
    context: &zmq::Context,
    socket: &zmq::Socket,
    address: &str,
    events: i32,
) -> Result<zmq::Socket, zmq::Error> {
    socket.monitor(address, events)?;
    let reader = context.socket(zmq::PAIR)?;
    reader.set_linger(0)?;
    reader.set_rcvhwm(0)?;
    reader.connect(address)?;
    Ok(reader)
}

/// Stops libzmq's monitor of `socket` now, while its reader is still connected.
///
/// Without this, libzmq stops a monitor only when it finally destroys the socket, some
/// time after `zmq_close`, and meanwhile its I/O thread still reports events (a retry, a
/// closed connection). One sent after the reader has gone blocks that thread for good, and
/// with it every socket of the context: a client would never connect again.
#[allow(unsafe_code)] // The one call the zmq bindings cannot make.
pub(crate) fn stop(socket: &mut zmq::Socket) {
    // SAFETY: the pointer is a live socket, borrowed mutably for the call; a null
    // endpoint is libzmq's documented way to stop monitoring (zmq_socket_monitor(3)).
    let rc = unsafe { zmq_sys::zmq_socket_monitor(socket.as_mut_ptr(), std::ptr::null(), 0) };
    if rc != 0 {
        // Only when the context is being terminated, which stops the monitor anyway.
        tracing::debug!("cannot stop a socket monitor (libzmq returned {rc})");
    }
}

/// How many peers a bound socket has right now: connections it accepted that have not
/// closed since. A peer refused by authentication is closed at once, so it counts only for
/// that moment. (libzmq tells which connection an accept or a disconnection is about, by
/// its file descriptor, but not which one a successful handshake is about.)
pub(crate) struct PeerCounter {
    monitor: zmq::Socket,
    /// The file descriptors of the connections counted (the monitor's event value).
    peers: std::collections::HashSet<u32>,
}

impl PeerCounter {
    /// Starts monitoring `socket`; `name` makes the monitor's in-process address unique
    /// within the context.
    pub(crate) fn start(
        context: &zmq::Context,
        socket: &zmq::Socket,
        name: &str,
    ) -> Result<Self, zmq::Error> {
        let address = format!("inproc://zlist-monitor-{name}");
        let events = zmq::SocketEvent::ACCEPTED as i32 | zmq::SocketEvent::DISCONNECTED as i32;
        // The queue has no limit: the reader drains it only now and then.
        let monitor = attach(context, socket, &address, events)?;
        Ok(Self {
            monitor,
            peers: std::collections::HashSet::new(),
        })
    }

    /// Takes in every event waiting and returns the count.
    pub(crate) fn count(&mut self) -> usize {
        loop {
            match self.monitor.recv_multipart(zmq::DONTWAIT) {
                Ok(frames) => {
                    let Some((event, fd)) = frames.first().and_then(|f| parse_monitor_frame(f))
                    else {
                        tracing::debug!("unexpected socket monitor message");
                        continue;
                    };
                    if event == zmq::SocketEvent::ACCEPTED.to_raw() {
                        self.peers.insert(fd);
                    } else if event == zmq::SocketEvent::DISCONNECTED.to_raw() {
                        self.peers.remove(&fd);
                    }
                }
                Err(zmq::Error::EINTR) => {}
                Err(zmq::Error::EAGAIN) => break,
                Err(error) => {
                    tracing::debug!("cannot read the socket monitor: {error}");
                    break;
                }
            }
        }
        self.peers.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn count_becomes(counter: &mut PeerCounter, expected: usize) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if counter.count() == expected {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    #[test]
    fn counts_connected_peers_and_forgets_the_ones_that_leave() {
        let context = zmq::Context::new();
        let server = context.socket(zmq::ROUTER).unwrap();
        server.bind("tcp://127.0.0.1:0").unwrap();
        let endpoint = server.get_last_endpoint().unwrap().unwrap();
        let mut counter = PeerCounter::start(&context, &server, "test").unwrap();
        assert_eq!(counter.count(), 0);
        let peers: Vec<zmq::Socket> = (0..3)
            .map(|_| {
                let peer = context.socket(zmq::REQ).unwrap();
                peer.set_linger(0).unwrap();
                peer.connect(&endpoint).unwrap();
                peer
            })
            .collect();
        assert!(count_becomes(&mut counter, 3), "{}", counter.count());
        drop(peers);
        assert!(count_becomes(&mut counter, 0), "{}", counter.count());
    }

    #[test]
    fn events_nobody_reads_for_a_while_never_stall_the_socket() {
        let context = zmq::Context::new();
        let server = context.socket(zmq::ROUTER).unwrap();
        server.bind("tcp://127.0.0.1:0").unwrap();
        let endpoint = server.get_last_endpoint().unwrap().unwrap();
        let address: std::net::SocketAddr = endpoint.trim_start_matches("tcp://").parse().unwrap();
        let mut counter = PeerCounter::start(&context, &server, "storm").unwrap();
        // 2 events per connection: past libzmq's default queue of 1,000 + 1,000 messages,
        // where its I/O thread would wait for a reader.
        for _ in 0..1500 {
            let connection = std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2));
            drop(connection.expect("the socket keeps accepting"));
        }
        let late = context.socket(zmq::REQ).unwrap();
        late.set_linger(0).unwrap();
        late.connect(&endpoint).unwrap();
        assert!(count_becomes(&mut counter, 1), "{}", counter.count());
    }

    /// Opens and closes monitored sockets that keep retrying a port where nobody listens,
    /// closing each with `close`; then asks whether the context still connects.
    fn context_still_connects_after(close: impl Fn(zmq::Socket, zmq::Socket)) -> bool {
        let context = zmq::Context::new();
        let nobody = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead = format!("tcp://{}", nobody.local_addr().unwrap());
        drop(nobody);
        for round in 0..60u64 {
            let req = context.socket(zmq::REQ).unwrap();
            req.set_linger(0).unwrap();
            let reader = attach(
                &context,
                &req,
                &format!("inproc://wedge-{round}"),
                zmq::SocketEvent::ALL as i32,
            )
            .unwrap();
            req.connect(&dead).unwrap();
            // Retries come every 100 to 200 ms; close at different points among them.
            std::thread::sleep(Duration::from_millis(round * 7 % 130));
            close(req, reader);
        }
        let server_context = zmq::Context::new();
        let server = server_context.socket(zmq::REP).unwrap();
        server.bind("tcp://127.0.0.1:0").unwrap();
        let endpoint = server.get_last_endpoint().unwrap().unwrap();
        let req = context.socket(zmq::REQ).unwrap();
        req.set_linger(0).unwrap();
        req.connect(&endpoint).unwrap();
        req.send("ping", 0).unwrap();
        server.set_rcvtimeo(5000).unwrap();
        server.recv_bytes(0).is_ok()
    }

    #[test]
    fn closing_monitored_sockets_after_stopping_their_monitor_never_wedges_the_context() {
        assert!(context_still_connects_after(|mut req, reader| {
            stop(&mut req);
            drop(req);
            drop(reader);
        }));
    }

    /// What [`stop`] is for (libzmq 4.3.4's behaviour, not zlist's): a race, lost in a
    /// few of these rounds on the machines tried, so it is not part of the suite.
    #[test]
    #[ignore = "shows the libzmq behaviour `stop` prevents; run with --ignored"]
    fn closing_monitored_sockets_without_stopping_their_monitor_wedges_the_context() {
        assert!(!context_still_connects_after(|req, reader| {
            drop(req);
            drop(reader);
        }));
    }

    #[test]
    fn only_a_succeeded_handshake_means_connected() {
        use zmq::SocketEvent as E;
        let state = |event: E| MonitorEvent::from_raw(event.to_raw()).connection_state();
        assert_eq!(state(E::CONNECTED), None);
        assert_eq!(state(E::CONNECT_DELAYED), None);
        assert_eq!(
            state(E::HANDSHAKE_SUCCEEDED),
            Some(ConnectionState::Connected)
        );
        assert_eq!(state(E::CONNECT_RETRIED), Some(ConnectionState::Retrying));
        assert_eq!(state(E::DISCONNECTED), Some(ConnectionState::Disconnected));
        assert_eq!(
            state(E::HANDSHAKE_FAILED_PROTOCOL),
            Some(ConnectionState::HandshakeFailed)
        );
        assert_eq!(
            state(E::HANDSHAKE_FAILED_NO_DETAIL),
            Some(ConnectionState::HandshakeFailed)
        );
        assert_eq!(
            state(E::HANDSHAKE_FAILED_AUTH),
            Some(ConnectionState::AuthFailed)
        );
        assert_eq!(state(E::MONITOR_STOPPED), None);
    }

    #[test]
    fn unknown_monitor_events_do_not_panic() {
        assert_eq!(MonitorEvent::from_raw(0x8000), MonitorEvent::Other);
        assert_eq!(
            MonitorEvent::from_raw(zmq::SocketEvent::HANDSHAKE_FAILED_AUTH.to_raw()),
            MonitorEvent::Known(zmq::SocketEvent::HANDSHAKE_FAILED_AUTH)
        );
    }

    #[test]
    fn monitor_frames_are_read_little_endian_and_short_ones_refused() {
        let mut frame = zmq::SocketEvent::HANDSHAKE_SUCCEEDED
            .to_raw()
            .to_le_bytes()
            .to_vec();
        frame.extend_from_slice(&7u32.to_le_bytes());
        assert_eq!(
            parse_monitor_frame(&frame),
            Some((zmq::SocketEvent::HANDSHAKE_SUCCEEDED.to_raw(), 7))
        );
        assert_eq!(parse_monitor_frame(&frame[..5]), None);
        assert_eq!(parse_monitor_frame(&[]), None);
    }
}
