//! Replies on their way out, counted per connection and in total, so that no client can
//! make the server hold more than its budgets by not reading.
//!
//! libzmq says nothing about how much a ROUTER peer has queued (its high-water mark counts
//! messages, whatever their size, and a ROUTER drops silently when it is reached), so the
//! server counts for itself: every reply is handed to libzmq without a copy
//! (`zmq_msg_init_data`), with a free callback that libzmq calls once it is done with the
//! bytes (written to the kernel, or dropped with a closed connection). The callback gives
//! the reply's bytes back to its connection's count and to the total. A connection whose
//! count is over its budget, or that has a reply waiting while the total is over its own,
//! has its requests held back, in order, until its replies leave (it reads them); past
//! [`MAX_HELD_PER_CLIENT`] held requests, more are dropped, with a log line naming the
//! client's address. A connection with nothing waiting is always served, so a REQ client
//! (one request at a time, each reply read before the next request) never waits for
//! another's budget.

use std::collections::{HashMap, VecDeque};
use std::ffi::c_void;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::net::list::ReplyText;
use crate::net::status::ReplyQueue;

/// Default budget of reply bytes waiting to be sent to one connection.
pub const DEFAULT_MAX_QUEUED_PER_CLIENT: usize = 16 * 1024 * 1024;

/// Default budget of reply bytes waiting to be sent, every connection together.
pub const DEFAULT_MAX_QUEUED: usize = 128 * 1024 * 1024;

/// Most requests held back for one connection; more are dropped.
pub const MAX_HELD_PER_CLIENT: usize = 1024;

/// Most bytes of requests held back, every connection together; more are dropped.
pub const MAX_HELD_BYTES: usize = 64 * 1024 * 1024;

/// The budgets for replies waiting to be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budgets {
    /// Past this many bytes waiting for one connection, it is served no more until it reads.
    pub per_client: usize,
    /// Past this many bytes waiting in all, a connection that has a reply waiting is served
    /// no more until that reply leaves.
    pub total: usize,
}

impl Default for Budgets {
    fn default() -> Self {
        Self {
            per_client: DEFAULT_MAX_QUEUED_PER_CLIENT,
            total: DEFAULT_MAX_QUEUED,
        }
    }
}

/// One request: its frames as received (routing id, envelope, body).
pub type Request = Vec<zmq::Message>;

/// What became of a request given to [`Outbox::admit`].
#[derive(Debug)]
pub enum Admission {
    /// Answer it now.
    Now(Request),
    /// Held back until its connection reads.
    Held,
    /// Dropped: its connection has too many held back already.
    Dropped,
}

/// A connection's count of reply bytes waiting, and the requests held back for it.
#[derive(Debug, Default)]
struct Peer {
    /// Reply bytes handed to libzmq and not yet released by it.
    queued: Arc<AtomicUsize>,
    held: VecDeque<Request>,
    held_bytes: usize,
    /// The client's address, looked up (and logged) when its requests are first held.
    address: Option<String>,
    /// Whether dropping its requests has been logged in this episode.
    told_dropping: bool,
}

/// The replies waiting to be sent and the requests held back, per connection.
#[derive(Debug)]
pub struct Outbox {
    budgets: Budgets,
    total: Arc<AtomicUsize>,
    peers: HashMap<Vec<u8>, Peer>,
    held: usize,
    held_bytes: usize,
    dropped: u64,
}

impl Outbox {
    /// An empty outbox with these budgets.
    pub fn new(budgets: Budgets) -> Self {
        Self {
            budgets,
            total: Arc::new(AtomicUsize::new(0)),
            peers: HashMap::new(),
            held: 0,
            held_bytes: 0,
            dropped: 0,
        }
    }

    /// Whether a connection with `queued` bytes waiting must wait before more replies.
    fn over(&self, queued: usize) -> bool {
        queued > 0
            && (queued >= self.budgets.per_client
                || self.total.load(Ordering::Acquire) >= self.budgets.total)
    }

    /// Takes in a request: it may be answered now, unless its connection is over budget or
    /// already has requests held back (they go first).
    pub fn admit(&mut self, mut request: Request) -> Admission {
        let Some(id) = request.first() else {
            return Admission::Now(request);
        };
        let Some(peer) = self.peers.get(&id[..]) else {
            return Admission::Now(request);
        };
        if peer.held.is_empty() && !self.over(peer.queued.load(Ordering::Acquire)) {
            return Admission::Now(request);
        }
        let size: usize = request.iter().map(|frame| frame.len()).sum();
        let id = id.to_vec();
        let room = self.held_bytes.saturating_add(size) <= MAX_HELD_BYTES;
        let address = peer
            .address
            .is_none()
            .then(|| request.last_mut().map(peer_address))
            .flatten();
        let peer = self.peers.entry(id.clone()).or_default();
        let queued = peer.queued.load(Ordering::Acquire);
        if let Some(address) = address {
            tracing::warn!(
                "client {address} (connection {}) has {queued} bytes of replies it does not \
                 read; its requests wait until it reads them (at most {MAX_HELD_PER_CLIENT}, \
                 more are dropped)",
                Hex(&id)
            );
            peer.address = Some(address);
        }
        if peer.held.len() >= MAX_HELD_PER_CLIENT || !room {
            self.dropped += 1;
            if !peer.told_dropping {
                peer.told_dropping = true;
                tracing::warn!(
                    "client {} (connection {}) has {} requests waiting and {queued} bytes of \
                     replies it does not read: its further requests are dropped until it reads",
                    peer.address.as_deref().unwrap_or("?"),
                    Hex(&id),
                    peer.held.len()
                );
            }
            return Admission::Dropped;
        }
        peer.held.push_back(request);
        peer.held_bytes += size;
        self.held += 1;
        self.held_bytes += size;
        Admission::Held
    }

    /// The connections that have requests held back.
    pub fn holding(&self) -> Vec<Vec<u8>> {
        if self.held == 0 {
            return Vec::new();
        }
        self.peers
            .iter()
            .filter(|(_, peer)| !peer.held.is_empty())
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Whether any request is held back (the server then looks again soon).
    pub fn has_held(&self) -> bool {
        self.held > 0
    }

    /// The next request held back for connection `id`, once it may be answered.
    pub fn release(&mut self, id: &[u8]) -> Option<Request> {
        let queued = self.peers.get(id)?.queued.load(Ordering::Acquire);
        if self.over(queued) {
            return None;
        }
        let peer = self.peers.get_mut(id)?;
        let request = peer.held.pop_front()?;
        let size: usize = request.iter().map(|frame| frame.len()).sum();
        peer.held_bytes -= size;
        if peer.held.is_empty() {
            // The episode is over: a new one is logged again.
            peer.address = None;
            peer.told_dropping = false;
        }
        self.held -= 1;
        self.held_bytes -= size;
        Some(request)
    }

    /// Forgets connections with nothing waiting and nothing held (closed ones included).
    pub fn sweep(&mut self) {
        self.peers
            .retain(|_, peer| !peer.held.is_empty() || peer.queued.load(Ordering::Acquire) > 0);
    }

    /// The numbers `zlist.status` reports.
    pub fn status(&self) -> ReplyQueue {
        ReplyQueue {
            queued: self.total.load(Ordering::Acquire),
            max_queued: self.budgets.total,
            max_queued_per_client: self.budgets.per_client,
            held: self.held,
            dropped: self.dropped,
        }
    }

    /// Sends `reply` as the last frame of a message to connection `id` (whose routing id
    /// and envelope the caller has sent already, with `SNDMORE`), without copying it, and
    /// counts its bytes until libzmq releases them.
    pub fn send_reply(
        &mut self,
        socket: &mut zmq::Socket,
        id: &[u8],
        reply: ReplyText,
    ) -> Result<(), zmq::Error> {
        if reply.is_empty() {
            return socket.send(zmq::Message::new(), 0);
        }
        let peer = match self.peers.get(id) {
            Some(peer) => peer,
            None => self.peers.entry(id.to_vec()).or_default(),
        };
        let ticket = Ticket::new(reply.len(), peer.queued.clone(), self.total.clone());
        send_counted(socket, Box::new(InFlight { reply, ticket }))
    }
}

/// The address of the client that sent `frame` (libzmq's `Peer-Address` property), or
/// `?` when libzmq does not know it.
fn peer_address(frame: &mut zmq::Message) -> String {
    frame.gets("Peer-Address").unwrap_or("?").to_owned()
}

/// A routing id in hex, to tell connections from one address apart in the log.
struct Hex<'a>(&'a [u8]);

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

/// A reply's bytes counted against its connection and the total, until dropped.
#[derive(Debug)]
struct Ticket {
    len: usize,
    peer: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
}

impl Ticket {
    fn new(len: usize, peer: Arc<AtomicUsize>, total: Arc<AtomicUsize>) -> Self {
        peer.fetch_add(len, Ordering::AcqRel);
        total.fetch_add(len, Ordering::AcqRel);
        Self { len, peer, total }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        self.peer.fetch_sub(self.len, Ordering::AcqRel);
        self.total.fetch_sub(self.len, Ordering::AcqRel);
    }
}

/// A reply handed to libzmq: its text (kept alive, unmoved, until libzmq is done with it)
/// and its ticket.
struct InFlight {
    reply: ReplyText,
    #[allow(dead_code)] // Held for its `Drop`, which gives the bytes back.
    ticket: Ticket,
}

/// libzmq's free callback for a message made by [`send_counted`]: drops its [`InFlight`]
/// (on libzmq's I/O thread, or on the server's when the send fails or the connection
/// closes).
#[allow(unsafe_code)] // A C callback for libzmq: the bindings cannot send without a copy.
unsafe extern "C" fn release_in_flight(_data: *mut c_void, hint: *mut c_void) {
    // SAFETY: `hint` is the `Box<InFlight>` that `send_counted` leaked for this message,
    // and libzmq calls the free callback exactly once per message (zmq_msg_init_data(3)).
    drop(unsafe { Box::from_raw(hint.cast::<InFlight>()) });
}

/// Sends the reply in `in_flight` as the last frame of a message, pointing libzmq at its
/// bytes instead of copying them; `in_flight` is dropped when libzmq releases them.
#[allow(unsafe_code)] // zmq_msg_init_data and zmq_msg_send, which the bindings do not wrap.
fn send_counted(socket: &mut zmq::Socket, in_flight: Box<InFlight>) -> Result<(), zmq::Error> {
    let (data, len) = {
        let text = in_flight.reply.as_str();
        (text.as_ptr(), text.len())
    };
    let hint = Box::into_raw(in_flight);
    let mut message = zmq_sys::zmq_msg_t::default();
    // SAFETY: `data` points at `len` bytes owned by the `ReplyText` inside `hint`, which
    // stays alive and unmoved (a `String` in an `Arc`, or an owned `String`, in a leaked
    // box) until libzmq calls `release_in_flight` with `hint`, after its last use of the
    // bytes. libzmq only reads them.
    let rc = unsafe {
        zmq_sys::zmq_msg_init_data(
            &mut message,
            data.cast_mut().cast::<c_void>(),
            len,
            Some(release_in_flight),
            hint.cast::<c_void>(),
        )
    };
    if rc != 0 {
        let error = zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() });
        // SAFETY: libzmq did not take the box (the message was not made): it is ours.
        drop(unsafe { Box::from_raw(hint) });
        return Err(error);
    }
    // SAFETY: `message` was just initialised; the socket pointer is live and borrowed
    // mutably for the call. On success libzmq owns the message.
    let rc = unsafe { zmq_sys::zmq_msg_send(&mut message, socket.as_mut_ptr(), 0) };
    if rc < 0 {
        let error = zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() });
        // SAFETY: a failed send leaves the message with us; closing it calls
        // `release_in_flight`, which frees the box.
        unsafe { zmq_sys::zmq_msg_close(&mut message) };
        return Err(error);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budgets(per_client: usize, total: usize) -> Budgets {
        Budgets { per_client, total }
    }

    fn request(id: &[u8], body: &str) -> Request {
        vec![
            zmq::Message::from(id),
            zmq::Message::new(),
            zmq::Message::from(body),
        ]
    }

    /// A ROUTER bound to loopback, and a DEALER connected to it that has said hello (so
    /// the ROUTER knows its routing id, returned).
    fn pair(context: &zmq::Context) -> (zmq::Socket, zmq::Socket, Vec<u8>) {
        let router = context.socket(zmq::ROUTER).unwrap();
        router.set_linger(0).unwrap();
        router.bind("tcp://127.0.0.1:0").unwrap();
        let endpoint = router.get_last_endpoint().unwrap().unwrap();
        let dealer = context.socket(zmq::DEALER).unwrap();
        dealer.set_linger(0).unwrap();
        dealer.connect(&endpoint).unwrap();
        dealer.send_multipart([&b""[..], b"hi"], 0).unwrap();
        let frames = router.recv_multipart(0).unwrap();
        (router, dealer, frames[0].clone())
    }

    fn send(outbox: &mut Outbox, router: &mut zmq::Socket, id: &[u8], text: ReplyText) {
        router.send(id, zmq::SNDMORE).unwrap();
        router.send(&b""[..], zmq::SNDMORE).unwrap();
        outbox.send_reply(router, id, text).unwrap();
    }

    fn wait_until(mut done: impl FnMut() -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !done() {
            assert!(std::time::Instant::now() < deadline, "timed out");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    #[test]
    fn a_reply_is_counted_until_the_client_has_it_and_arrives_intact() {
        let context = zmq::Context::new();
        let (mut router, dealer, id) = pair(&context);
        let mut outbox = Outbox::new(Budgets::default());
        let whole = Arc::new(format!("prefix {}", "x".repeat(1 << 20)));
        let text = ReplyText::shared(whole.clone(), 7).unwrap();
        send(&mut outbox, &mut router, &id, text);
        let frames = dealer.recv_multipart(0).unwrap();
        assert_eq!(frames[1], whole.as_bytes()[7..]);
        wait_until(|| outbox.status().queued == 0);
        wait_until(|| Arc::strong_count(&whole) == 1);
        outbox.sweep();
        assert!(
            outbox.peers.is_empty(),
            "a connection with nothing waiting is forgotten"
        );
    }

    #[test]
    fn a_client_over_its_budget_is_held_in_order_until_it_reads_and_others_go_on() {
        let context = zmq::Context::new();
        let (mut router, dealer, id) = pair(&context);
        dealer.set_rcvhwm(1).unwrap();
        let mut outbox = Outbox::new(budgets(4 << 20, 1 << 30));
        let big: ReplyText = "y".repeat(8 << 20).into();
        // Nothing waiting: served whatever the size.
        assert!(matches!(outbox.admit(request(&id, "1")), Admission::Now(_)));
        send(&mut outbox, &mut router, &id, big.clone());
        send(&mut outbox, &mut router, &id, big.clone());
        send(&mut outbox, &mut router, &id, big.clone());
        // The dealer takes at most one into its queue: most of the rest waits here.
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(outbox.status().queued >= 4 << 20, "{:?}", outbox.status());
        for body in ["2", "3"] {
            assert!(matches!(outbox.admit(request(&id, body)), Admission::Held));
        }
        assert_eq!(outbox.status().held, 2);
        assert!(outbox.release(&id).is_none(), "still over its budget");
        // Another connection is served meanwhile.
        assert!(matches!(
            outbox.admit(request(b"other", "x")),
            Admission::Now(_)
        ));
        for _ in 0..3 {
            assert_eq!(dealer.recv_multipart(0).unwrap()[1].len(), 8 << 20);
        }
        wait_until(|| outbox.status().queued == 0);
        assert_eq!(outbox.holding(), vec![id.clone()]);
        let bodies: Vec<Vec<u8>> = std::iter::from_fn(|| outbox.release(&id))
            .map(|frames| frames[2].to_vec())
            .collect();
        assert_eq!(bodies, [b"2".to_vec(), b"3".to_vec()], "in the order sent");
        assert!(!outbox.has_held());
    }

    #[test]
    fn past_its_held_limit_a_clients_requests_are_dropped_and_counted() {
        let mut outbox = Outbox::new(budgets(1, 1 << 30));
        let peer = outbox.peers.entry(b"a".to_vec()).or_default();
        let _waiting = Ticket::new(10, peer.queued.clone(), outbox.total.clone());
        for _ in 0..MAX_HELD_PER_CLIENT {
            assert!(matches!(
                outbox.admit(request(b"a", "mostrar")),
                Admission::Held
            ));
        }
        assert!(matches!(
            outbox.admit(request(b"a", "mostrar")),
            Admission::Dropped
        ));
        let status = outbox.status();
        assert_eq!(
            (status.held, status.dropped, status.queued),
            (MAX_HELD_PER_CLIENT, 1, 10)
        );
    }

    #[test]
    fn over_the_total_only_clients_with_replies_waiting_are_held() {
        let mut outbox = Outbox::new(budgets(1 << 30, 100));
        let peer = outbox.peers.entry(b"a".to_vec()).or_default();
        let _waiting = Ticket::new(150, peer.queued.clone(), outbox.total.clone());
        assert!(matches!(outbox.admit(request(b"a", "x")), Admission::Held));
        outbox.peers.entry(b"b".to_vec()).or_default();
        assert!(matches!(
            outbox.admit(request(b"b", "x")),
            Admission::Now(_)
        ));
        assert!(matches!(
            outbox.admit(request(b"new", "x")),
            Admission::Now(_)
        ));
    }
}
