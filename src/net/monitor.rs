//! libzmq's socket monitor: its event frames, and a count of the peers a socket has.

/// The first frame of a monitor message: the event (u16 LE) and its value (u32 LE).
pub(crate) fn parse_monitor_frame(frame: &[u8]) -> Option<(u16, u32)> {
    let event = u16::from_le_bytes(frame.get(0..2)?.try_into().ok()?);
    let value = u32::from_le_bytes(frame.get(2..6)?.try_into().ok()?);
    Some((event, value))
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
        socket.monitor(&address, events)?;
        let monitor = context.socket(zmq::PAIR)?;
        monitor.set_linger(0)?;
        // No limit on the queue: libzmq's I/O thread would wait on a full one, and the
        // reader drains it only now and then.
        monitor.set_rcvhwm(0)?;
        monitor.connect(&address)?;
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
