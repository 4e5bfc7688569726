//! Histories checked, not just spot checks: several clients send random seed commands
//! (changes tagged, as zlist's client sends them) to one `zlist server` process through a
//! proxy that drops, delays and duplicates messages, while the server is killed with
//! SIGKILL and restarted on its data. Every call is recorded with its start, its end and
//! its reply (or unknown, when the client gave up), and the whole history is checked
//! against the list's sequential semantics with a Wing & Gong search (memoised on the
//! set of calls done and the list, as Porcupine does).
//!
//! `ZLIST_HISTORY_CALLS` sets the calls per client (default 12, 3 clients; the checker
//! takes at most 64 calls), `ZLIST_HISTORY_SEED` the random choices (default 0: the same
//! commands and faults every run, only the timing differs).

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use zlist::net::list::RemoteList;
use zlist::net::protocol::parse_command;

use crate::server_process::ServerProcess;
use crate::support::{free_port, proxy_sockets};

/// One call as a client saw it.
#[derive(Debug, Clone)]
struct Call {
    /// The seed command (without the tag).
    command: String,
    /// When it was first sent, and when its reply arrived (`u64::MAX`: never), in
    /// microseconds since the run began.
    start: u64,
    end: u64,
    /// The reply, `None` when unknown.
    reply: Option<String>,
}

/// Whether some order of the calls, each placed between its start and its end, gives every
/// known reply when run one at a time on a list that starts empty.
fn linearizable(calls: &[Call]) -> bool {
    assert!(calls.len() <= 64, "the checker takes at most 64 calls");
    let all = if calls.len() == 64 {
        u64::MAX
    } else {
        (1u64 << calls.len()) - 1
    };
    let mut seen = HashSet::new();
    search(calls, 0, all, &RemoteList::default(), &mut seen)
}

fn search(
    calls: &[Call],
    done: u64,
    all: u64,
    list: &RemoteList,
    seen: &mut HashSet<(u64, Vec<String>)>,
) -> bool {
    if done == all {
        return true;
    }
    if !seen.insert((done, list.to_vec())) {
        return false;
    }
    let pending = || (0..calls.len()).filter(move |&i| done & (1 << i) == 0);
    // A call may come next only if no pending call ended before it started.
    let first_end = pending().map(|i| calls[i].end).min().unwrap_or(u64::MAX);
    for i in pending().filter(|&i| calls[i].start < first_end || calls[i].end == first_end) {
        let mut next = list.clone();
        let command = parse_command(&calls[i].command).expect("the test sends valid commands");
        let (outcome, _) = next.execute(&command);
        if calls[i]
            .reply
            .as_deref()
            .is_some_and(|reply| reply != outcome.text.as_str())
        {
            continue;
        }
        if search(calls, done | (1 << i), all, &next, seen) {
            return true;
        }
    }
    false
}

/// A proxy between the clients and the server that loses, delays and duplicates messages
/// both ways (frames forwarded verbatim: a ROUTER for the clients, a DEALER to the server).
fn start_proxy(
    context: &zmq::Context,
    server: String,
    seed: u64,
    stop: Arc<AtomicBool>,
) -> (String, std::thread::JoinHandle<()>) {
    let (front, endpoint, back) = proxy_sockets(context, &server);
    let thread = std::thread::spawn(move || {
        let mut rng = 0x9e37_79b9_7f4a_7c15_u64 ^ seed.wrapping_mul(0x2545_f491);
        let mut random = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        // (when to send, towards the server?, frames)
        let mut queue: Vec<(Instant, bool, Vec<Vec<u8>>)> = Vec::new();
        while !stop.load(Ordering::Relaxed) {
            let mut items = [
                front.as_poll_item(zmq::POLLIN),
                back.as_poll_item(zmq::POLLIN),
            ];
            zmq::poll(&mut items, 1).unwrap();
            for (socket, to_server) in [(&front, true), (&back, false)] {
                while let Ok(frames) = socket.recv_multipart(zmq::DONTWAIT) {
                    let copies = match random(10) {
                        0 => 0,
                        1 => 2,
                        _ => 1,
                    };
                    for _ in 0..copies {
                        let delay = Duration::from_millis(random(20));
                        queue.push((Instant::now() + delay, to_server, frames.clone()));
                    }
                }
            }
            let now = Instant::now();
            let (due, later): (Vec<_>, Vec<_>) = queue.drain(..).partition(|(at, ..)| *at <= now);
            queue = later;
            for (_, to_server, frames) in due {
                let socket = if to_server { &back } else { &front };
                let _ = socket.send_multipart(frames, zmq::DONTWAIT);
            }
        }
    });
    (endpoint, thread)
}

/// One client's calls: random seed commands, changes tagged, each retried on the same
/// REQ socket (relaxed and correlated, so a late or duplicated reply to an earlier try is
/// dropped) until a reply comes or it gives up.
fn run_client(endpoint: &str, id: usize, calls: usize, seed: u64, t0: Instant) -> Vec<Call> {
    let context = zmq::Context::new();
    let socket = context.socket(zmq::REQ).unwrap();
    socket.set_linger(0).unwrap();
    socket.set_req_relaxed(true).unwrap();
    socket.set_req_correlate(true).unwrap();
    socket.set_rcvtimeo(150).unwrap();
    socket.connect(endpoint).unwrap();
    let mut rng =
        0x2545_f491_4f6c_dd1d_u64 ^ (id as u64 + 1 + (seed << 8)).wrapping_mul(0x9e37_79b9);
    let mut random = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let micros = |at: Instant| at.duration_since(t0).as_micros() as u64;
    let mut history = Vec::new();
    for seq in 1..=calls {
        // Paced, so that the calls span the server's kills.
        std::thread::sleep(Duration::from_millis(30 + random(50)));
        let value = format!("c{id}v{}", random(4));
        let (command, changes) = match random(10) {
            0..=2 => (format!("append {value}"), true),
            3 => (format!("insert 0 {value}"), true),
            4 | 5 => (format!("remover {value}"), true),
            6 => (format!("pesquisar {value}"), false),
            7 => ("ordenar_desc".to_owned(), true),
            _ => ("mostrar".to_owned(), false),
        };
        let request = if changes {
            format!("zlist.req h{id}:{seq} {command}")
        } else {
            command.clone()
        };
        let start = Instant::now();
        let mut reply = None;
        for _ in 0..40 {
            socket.send(request.as_bytes(), 0).unwrap();
            if let Ok(bytes) = socket.recv_bytes(0) {
                reply = Some(String::from_utf8(bytes).unwrap());
                break;
            }
        }
        let end = reply.as_ref().map_or(u64::MAX, |_| micros(Instant::now()));
        history.push(Call {
            command,
            start: micros(start),
            end,
            reply,
        });
    }
    history
}

#[test]
fn the_history_through_lost_delayed_and_duplicated_messages_and_kills_is_linearizable() {
    let calls: usize = std::env::var("ZLIST_HISTORY_CALLS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(12);
    let seed: u64 = std::env::var("ZLIST_HISTORY_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let dir = tempfile::tempdir().unwrap();
    let bind = format!("tcp://127.0.0.1:{}", free_port());
    let options = ["--fsync", "always"];
    let mut server = Some(ServerProcess::start(dir.path(), &bind, &options));
    let context = zmq::Context::new();
    let stop = Arc::new(AtomicBool::new(false));
    let (proxy, proxy_thread) = start_proxy(&context, bind.clone(), seed, stop.clone());
    let t0 = Instant::now();
    let clients: Vec<_> = (0..3)
        .map(|id| {
            let proxy = proxy.clone();
            std::thread::spawn(move || run_client(&proxy, id, calls, seed, t0))
        })
        .collect();
    // Killed twice while the clients run, restarted on the same data and port.
    let mut last_kill = 0;
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(150));
        last_kill = t0.elapsed().as_micros() as u64;
        drop(server.take());
        server = Some(ServerProcess::start(dir.path(), &bind, &options));
    }
    let mut history: Vec<Call> = clients
        .into_iter()
        .flat_map(|client| client.join().unwrap())
        .collect();
    stop.store(true, Ordering::Relaxed);
    proxy_thread.join().unwrap();
    history.sort_by_key(|call| call.start);
    let unknown = history.iter().filter(|call| call.reply.is_none()).count();
    let across = history
        .iter()
        .filter(|call| call.start < last_kill && call.end > last_kill)
        .count();
    println!(
        "{} calls, {unknown} unknown, {across} across the last kill",
        history.len()
    );
    assert!(
        history.iter().any(|call| call.start > last_kill),
        "the clients were still calling when the server was killed the last time"
    );
    assert!(
        linearizable(&history),
        "no order of the calls explains the replies: {history:#?}"
    );
}

fn call(command: &str, start: u64, end: u64, reply: Option<&str>) -> Call {
    Call {
        command: command.to_owned(),
        start,
        end,
        reply: reply.map(str::to_owned),
    }
}

#[test]
fn the_checker_accepts_overlapping_calls_in_either_order_and_unknown_ones_anywhere() {
    let history = [
        call("append a", 0, 10, Some("Elemento 'a' adicionado.")),
        call("mostrar", 5, 20, Some("[]")),
        call("append b", 12, u64::MAX, None),
        call("mostrar", 30, 40, Some("['a', 'b']")),
    ];
    assert!(linearizable(&history));
    let never_applied = [
        call("append b", 0, u64::MAX, None),
        call("mostrar", 30, 40, Some("[]")),
    ];
    assert!(linearizable(&never_applied));
}

#[test]
fn the_checker_refuses_a_read_of_a_change_that_came_later_or_a_change_seen_twice() {
    let stale = [
        call("append a", 0, 10, Some("Elemento 'a' adicionado.")),
        call("mostrar", 20, 30, Some("[]")),
    ];
    assert!(!linearizable(&stale));
    let future = [
        call("mostrar", 0, 10, Some("['a']")),
        call("append a", 20, 30, Some("Elemento 'a' adicionado.")),
    ];
    assert!(!linearizable(&future));
    let twice = [
        call("append a", 0, 10, Some("Elemento 'a' adicionado.")),
        call("mostrar", 20, 30, Some("['a', 'a']")),
    ];
    assert!(!linearizable(&twice));
}
