//! Clients that send requests and never read the replies: the `zlist server` process stays
//! within its budgets and keeps serving an ordinary client (issue 13's attack, scaled for a
//! 2-core CI machine; `scripts/attack.sh` runs it at full size).
//!
//! `ZLIST_ATTACK_ELEMENTS` sets the list's size (default 200,000 short elements); the
//! memory bound grows with it: the server's resident memory before the attack plus 300 MB
//! per million elements.

use std::time::{Duration, Instant};

use zlist::net::status::ServerStatus;
use zlist::net::store::{DiskOptions, Store};

use crate::server_process::ServerProcess;
use crate::support::{req_socket, request};

/// A DEALER that looks like a REQ client to the server (an empty delimiter before each
/// request) but takes at most one reply into its queue and never reads.
fn attacker(context: &zmq::Context, endpoint: &str) -> zmq::Socket {
    let socket = context.socket(zmq::DEALER).unwrap();
    socket.set_linger(0).unwrap();
    socket.set_rcvhwm(1).unwrap();
    socket.set_rcvbuf(64 * 1024).unwrap();
    socket.set_rcvtimeo(30_000).unwrap();
    socket.connect(endpoint).unwrap();
    socket
}

fn send_show(socket: &zmq::Socket, times: usize) {
    for _ in 0..times {
        socket.send_multipart([&b""[..], b"mostrar"], 0).unwrap();
    }
}

/// The list's size for these tests: `ZLIST_ATTACK_ELEMENTS`, or 200,000.
fn elements() -> usize {
    std::env::var("ZLIST_ATTACK_ELEMENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000)
}

/// A data directory holding a list of `elements` short elements.
fn data_dir(elements: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _) = Store::open(&DiskOptions::new(dir.path())).unwrap();
    let items: Vec<String> = (0..elements).map(|i| format!("elemento{i}")).collect();
    store.snapshot_now(&items, &[]).unwrap();
    dir
}

#[test]
fn clients_that_never_read_cannot_grow_the_server_or_starve_an_ordinary_client() {
    let elements = elements();
    let dir = data_dir(elements);
    let server = ServerProcess::start(dir.path(), "tcp://127.0.0.1:0", &[]);
    let context = zmq::Context::new();
    let honest = req_socket(&context, &server.endpoint);
    // The first `mostrar` renders the list; the next ones share that rendering.
    let started = Instant::now();
    let shown = request(&honest, "mostrar");
    let rendered_in = started.elapsed();
    let started = Instant::now();
    let again = request(&honest, "mostrar");
    let cached_in = started.elapsed();
    assert_eq!(shown, again);
    let started = Instant::now();
    let copy = shown.as_bytes().to_vec();
    let copied_in = started.elapsed();
    assert_eq!(copy.len(), shown.len());
    let before = server.rss();
    let reply_bytes = shown.len();
    drop((shown, again, copy));

    let bound = before + 300_000_000 * elements / 1_000_000;
    let many: Vec<zmq::Socket> = (0..20)
        .map(|_| attacker(&context, &server.endpoint))
        .collect();
    let one = attacker(&context, &server.endpoint);
    for socket in &many {
        send_show(socket, 20);
    }
    send_show(&one, 1000);

    // Watch the server while the attack sits there, asking what an ordinary client asks.
    let mut peak = before;
    let mut slowest = Duration::ZERO;
    let watch_until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < watch_until {
        let started = Instant::now();
        assert_eq!(request(&honest, "pesquisar elemento7"), "Encontrado");
        slowest = slowest.max(started.elapsed());
        peak = peak.max(server.rss());
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = ServerStatus::parse(&request(&honest, "zlist.status")).unwrap();
    let queue = status.replies.expect("the server reports its reply queue");
    println!(
        "{elements} elements, mostrar reply {reply_bytes} bytes: rendered in {rendered_in:?}, \
         served from the cache in {cached_in:?} (a copy of it takes {copied_in:?}); \
         server RSS {before} bytes before the attack, peak {peak} during it (bound {bound}); \
         slowest pesquisar {slowest:?}; status: {queue:?}"
    );
    assert!(
        peak <= bound,
        "the server grew to {peak} bytes (bound {bound})"
    );
    assert!(
        slowest < Duration::from_secs(1),
        "pesquisar took {slowest:?}"
    );
    assert!(
        queue.held > 900,
        "the requests not read are held: {queue:?}"
    );
    assert!(
        queue.queued <= queue.max_queued + 21 * reply_bytes,
        "{queue:?}"
    );
    let warnings: Vec<String> = server.log.try_iter().collect();
    assert!(
        warnings
            .iter()
            .any(|line| line.contains("client 127.0.0.1 (connection ")
                && line.contains("does not read")),
        "the server names the clients it holds back: {warnings:#?}"
    );

    // A client that starts reading gets every reply it asked for, in full.
    let reader = &many[0];
    for _ in 0..20 {
        let frames = reader.recv_multipart(0).expect("a held reply arrives");
        assert_eq!(frames[1].len(), reply_bytes);
    }
}

#[test]
fn replies_of_ever_new_versions_stay_within_the_budgets() {
    // Every `mostrar` after an `append` is a new rendering, so the replies waiting share
    // nothing: only the budgets bound them. Scaled to the list like the bound above.
    let elements = elements();
    let dir = data_dir(elements);
    let (total, per_client) = (25 * elements / 200, 3 * elements / 200);
    let server = ServerProcess::start(
        dir.path(),
        "tcp://127.0.0.1:0",
        &[
            "--max-queued-bytes",
            &(total * 1000).to_string(),
            "--max-queued-client-bytes",
            &(per_client * 1000).to_string(),
        ],
    );
    let context = zmq::Context::new();
    let honest = req_socket(&context, &server.endpoint);
    let reply_bytes = request(&honest, "mostrar").len();
    let before = server.rss();
    let attackers: Vec<zmq::Socket> = (0..5)
        .map(|_| attacker(&context, &server.endpoint))
        .collect();
    for round in 0..10 {
        for (n, socket) in attackers.iter().enumerate() {
            let append = format!("append novo{n}-{round}");
            socket
                .send_multipart([&b""[..], append.as_bytes()], 0)
                .unwrap();
            send_show(socket, 1);
        }
    }
    let mut peak = before;
    let watch_until = Instant::now() + Duration::from_secs(2);
    while Instant::now() < watch_until {
        assert_eq!(request(&honest, "pesquisar elemento7"), "Encontrado");
        peak = peak.max(server.rss());
        std::thread::sleep(Duration::from_millis(20));
    }
    // The budget in all, one reply over it for each attacker, and the current rendering.
    let bound = before + total * 1000 + 6 * reply_bytes + 10_000_000;
    let status = ServerStatus::parse(&request(&honest, "zlist.status")).unwrap();
    println!(
        "new versions: RSS {before} before, peak {peak} (bound {bound}); {:?}",
        status.replies
    );
    assert!(
        peak <= bound,
        "the server grew to {peak} bytes (bound {bound})"
    );
    assert!(status.replies.unwrap().held > 0);
}
