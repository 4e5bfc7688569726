//! The reference servers the round-trip benchmark measures zlist against: a bare REP
//! echo (the floor), a ROUTER echo, and zlist's request handler behind a minimal ROUTER
//! loop, each on its own thread and ZeroMQ context.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::bench::measure::{BenchError, zmq_error};
use crate::bench::roundtrip::{Subject, base_list};
use crate::net::list::RemoteList;
use crate::net::service::{DEFAULT_MAX_REQUEST_BYTES, ListService};

/// The name of an echo server's thread.
pub(crate) const ECHO_THREAD: &str = "zlist-echo";

/// How long an echo server blocks in `recv` before looking at its stop flag.
const ECHO_POLL: Duration = Duration::from_millis(50);

/// A bare echo server on its own thread and ZeroMQ context.
pub(crate) struct EchoServer {
    /// Where the echo listens.
    pub(crate) endpoint: String,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Result<(), BenchError>>,
}

impl EchoServer {
    /// Starts a REP echo, a ROUTER echo, or zlist's handler behind a ROUTER
    /// (`Subject::RouterList`).
    pub(crate) fn start(subject: Subject) -> Result<Self, BenchError> {
        let router = subject != Subject::RepEcho;
        let context = zmq::Context::new();
        let socket = context
            .socket(if router { zmq::ROUTER } else { zmq::REP })
            .map_err(zmq_error("creating the echo socket"))?;
        socket.set_linger(0).map_err(zmq_error("setting linger"))?;
        socket
            .set_rcvtimeo(ECHO_POLL.as_millis() as i32)
            .map_err(zmq_error("setting the receive timeout"))?;
        socket
            .bind("tcp://127.0.0.1:0")
            .map_err(zmq_error("binding the echo socket"))?;
        let endpoint = socket
            .get_last_endpoint()
            .map_err(zmq_error("reading the echo address"))?
            .unwrap_or_else(|raw| String::from_utf8_lossy(&raw).into_owned());
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name(ECHO_THREAD.to_owned())
            .spawn(move || {
                // The context lives as long as the socket, on this thread.
                let _context = context;
                if subject == Subject::RouterList {
                    let list = RemoteList::from_items(base_list());
                    router_list(
                        &socket,
                        &stopped,
                        ListService::new(list, DEFAULT_MAX_REQUEST_BYTES),
                    )
                } else if router {
                    router_echo(&socket, &stopped)
                } else {
                    rep_echo(&socket, &stopped)
                }
            })
            .map_err(|_| BenchError::Panicked)?;
        Ok(Self {
            endpoint,
            stop,
            thread,
        })
    }

    /// Stops the echo and joins its thread.
    pub(crate) fn stop(self) -> Result<(), BenchError> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().map_err(|_| BenchError::Panicked)?
    }
}

/// The floor: what the seed's server does, minus the list.
fn rep_echo(socket: &zmq::Socket, stop: &AtomicBool) -> Result<(), BenchError> {
    let mut message = zmq::Message::new();
    while !stop.load(Ordering::Relaxed) {
        match socket.recv(&mut message, 0) {
            Ok(()) => {
                let reply = std::mem::replace(&mut message, zmq::Message::new());
                socket
                    .send(reply, 0)
                    .map_err(zmq_error("sending an echo"))?;
            }
            Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => {}
            Err(source) => return Err(zmq_error("receiving a request")(source)),
        }
    }
    Ok(())
}

/// zlist's socket handling with no list: envelope and body sent back as received.
fn router_echo(socket: &zmq::Socket, stop: &AtomicBool) -> Result<(), BenchError> {
    while !stop.load(Ordering::Relaxed) {
        match socket.recv_multipart(0) {
            Ok(frames) => {
                // A peer that is gone loses its reply, as with REP.
                let _ = socket.send_multipart(frames, 0);
            }
            Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => {}
            Err(source) => return Err(zmq_error("receiving a request")(source)),
        }
    }
    Ok(())
}

/// zlist's handler behind the simplest ROUTER loop: blocking `recv`, REP's envelope
/// rule, one reply.
fn router_list(
    socket: &zmq::Socket,
    stop: &AtomicBool,
    mut service: ListService,
) -> Result<(), BenchError> {
    while !stop.load(Ordering::Relaxed) {
        match socket.recv_multipart(0) {
            Ok(mut frames) => {
                let Some(delimiter) = frames.iter().position(Vec::is_empty) else {
                    continue;
                };
                let body = frames.split_off(delimiter + 1);
                let handled = service.handle_frames(&body);
                frames.push(handled.outcome.text.into_bytes());
                // A peer that is gone loses its reply, as with REP.
                let _ = socket.send_multipart(frames, 0);
            }
            Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => {}
            Err(source) => return Err(zmq_error("receiving a request")(source)),
        }
    }
    Ok(())
}
