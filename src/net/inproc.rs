//! In-process PAIR sockets that tell a serving thread to stop: the thread polls the
//! receiving end, its owner sends on the other; and [`StoppableThread`], such a thread
//! serving one socket, stopped and joined when dropped.

use std::thread::JoinHandle;

/// A bound receiving end and a connected sending end on `address` (an `inproc://` name,
/// unique within `context`); the error says which step failed.
pub(crate) fn stop_pair(
    context: &zmq::Context,
    address: &str,
) -> Result<(zmq::Socket, zmq::Socket), (&'static str, zmq::Error)> {
    let create = |source| ("creating the stop socket", source);
    let rx = context.socket(zmq::PAIR).map_err(create)?;
    rx.bind(address)
        .map_err(|source| ("binding the stop socket", source))?;
    let tx = context.socket(zmq::PAIR).map_err(create)?;
    tx.connect(address)
        .map_err(|source| ("connecting the stop socket", source))?;
    Ok((rx, tx))
}

/// A thread that serves one socket until told to stop; dropping this stops and joins it.
pub(crate) struct StoppableThread {
    stop: Option<zmq::Socket>,
    thread: Option<JoinHandle<()>>,
    name: &'static str,
}

impl StoppableThread {
    /// Starts thread `name` running `serve(socket)` each time `socket` is readable, until
    /// the stop pair bound at `address` (unique within `context`) speaks or polling fails.
    pub(crate) fn spawn(
        context: &zmq::Context,
        address: &str,
        name: &'static str,
        socket: zmq::Socket,
        mut serve: impl FnMut(&zmq::Socket) + Send + 'static,
    ) -> Result<Self, (&'static str, zmq::Error)> {
        let (stop_rx, stop_tx) = stop_pair(context, address)?;
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                while wait_readable(&socket, &stop_rx, name) {
                    serve(&socket);
                }
            })
            .map_err(|_| ("starting the thread", zmq::Error::EAGAIN))?;
        Ok(Self {
            stop: Some(stop_tx),
            thread: Some(thread),
            name,
        })
    }
}

impl Drop for StoppableThread {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            // The thread may be gone already; then there is nothing to stop.
            let _ = stop.send(&[][..], zmq::DONTWAIT);
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the {} thread panicked", self.name);
        }
    }
}

/// Waits until `socket` is readable (true) or `stop` speaks or polling fails (false).
fn wait_readable(socket: &zmq::Socket, stop: &zmq::Socket, name: &str) -> bool {
    loop {
        let mut items = [
            socket.as_poll_item(zmq::POLLIN),
            stop.as_poll_item(zmq::POLLIN),
        ];
        match zmq::poll(&mut items, -1) {
            Ok(_) if items[1].is_readable() => return false,
            Ok(_) if items[0].is_readable() => return true,
            Ok(_) | Err(zmq::Error::EINTR) => {}
            Err(error) => {
                tracing::error!("{name} stopped: {error}");
                return false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_sent_on_one_end_arrives_on_the_other() {
        let context = zmq::Context::new();
        let (rx, tx) = stop_pair(&context, "inproc://zlist-test-stop").unwrap();
        tx.send("stop", 0).unwrap();
        assert_eq!(rx.recv_bytes(0).unwrap(), b"stop");
        let Err((doing, _)) = stop_pair(&context, "inproc://zlist-test-stop") else {
            panic!("an address in use cannot be bound twice");
        };
        assert_eq!(doing, "binding the stop socket");
    }

    #[test]
    fn a_stoppable_thread_serves_its_socket_until_dropped() {
        let context = zmq::Context::new();
        let pull = context.socket(zmq::PULL).unwrap();
        pull.bind("inproc://zlist-test-served").unwrap();
        let (seen_tx, seen_rx) = crossbeam_channel::unbounded();
        let thread = StoppableThread::spawn(
            &context,
            "inproc://zlist-test-thread-stop",
            "test",
            pull,
            move |socket| {
                let message = socket.recv_bytes(zmq::DONTWAIT).unwrap();
                seen_tx.send(message).unwrap();
            },
        )
        .unwrap();
        let push = context.socket(zmq::PUSH).unwrap();
        push.connect("inproc://zlist-test-served").unwrap();
        push.send("one", 0).unwrap();
        let timeout = std::time::Duration::from_secs(5);
        assert_eq!(seen_rx.recv_timeout(timeout).unwrap(), b"one");
        drop(thread);
        // Stopped and joined: its end of the channel is gone with it.
        assert!(seen_rx.recv_timeout(timeout).is_err());
    }
}
