//! Durability: `zlist server --data DIR` keeps the list across restarts, `kill -9`, torn
//! and damaged files, compaction and a full disk; and two servers never share a directory.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zlist::net::list::RemoteList;
use zlist::net::server::{Server, ServerConfig};
use zlist::net::store::{DiskOptions, FsyncPolicy, Storage, Store};

use crate::support::{req_socket, request};

/// How long a server process may take to start or stop.
const PROCESS_BOUND: Duration = Duration::from_secs(30);

/// A `zlist server` process, so that it can really be killed; killed when dropped.
struct ServerProcess {
    child: Child,
    endpoint: String,
    log: Arc<Mutex<String>>,
}

impl ServerProcess {
    /// Starts `zlist server --bind tcp://127.0.0.1:0 --data DATA ARGS`.
    fn start(data: &Path, args: &[&str]) -> Self {
        let mut command = zlist_server(data, args);
        Self::spawn(&mut command)
    }

    fn spawn(command: &mut Command) -> Self {
        let mut child = command
            .stderr(Stdio::piped())
            .spawn()
            .expect("zlist starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = crossbeam_channel::bounded(1);
        let thread_log = Arc::clone(&log);
        std::thread::spawn(move || {
            // Reads to the end, so the server never blocks on a full pipe.
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("ready on ").nth(1) {
                    let _ = tx.try_send(rest.split(';').next().unwrap_or_default().to_owned());
                }
                thread_log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let endpoint = match rx.recv_timeout(PROCESS_BOUND) {
            Ok(endpoint) => endpoint,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not start:\n{}", log.lock().unwrap());
            }
        };
        Self {
            child,
            endpoint,
            log,
        }
    }

    /// A plain REQ socket to it.
    fn socket(&self, context: &zmq::Context) -> zmq::Socket {
        req_socket(context, &self.endpoint)
    }

    /// SIGKILL: no shutdown code runs.
    fn kill_9(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.log()
    }

    /// SIGTERM, and waits for the exit; returns the exit code and the log.
    fn stop(mut self) -> (Option<i32>, String) {
        let status = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The reader thread may still be copying the last lines.
                std::thread::sleep(Duration::from_millis(100));
                return (status.code(), self.log());
            }
            assert!(started.elapsed() < PROCESS_BOUND, "the server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn zlist_server(data: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_zlist"));
    command
        .args(["server", "--bind", "tcp://127.0.0.1:0", "--data"])
        .arg(data)
        .args(args)
        .env("RUST_LOG", "info")
        .env_remove("ZLIST_BIND")
        .env_remove("ZLIST_DATA")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    command
}

/// Runs a server that must fail to start; returns its exit code and stderr.
fn start_must_fail(data: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = zlist_server(data, args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            let output = child.wait_with_output().unwrap();
            return (
                output.status.code(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            );
        }
        if started.elapsed() > PROCESS_BOUND {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "the server should have refused to start:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The elements of a `mostrar` reply whose elements hold no quote, comma or backslash.
fn parse_simple_repr(repr: &str) -> Vec<String> {
    let inner = repr.strip_prefix('[').unwrap().strip_suffix(']').unwrap();
    if inner.is_empty() {
        return Vec::new();
    }
    inner
        .split(", ")
        .map(|quoted| quoted.trim_matches('\'').to_owned())
        .collect()
}

fn journal_of(data: &Path) -> PathBuf {
    let mut journals: Vec<PathBuf> = std::fs::read_dir(data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("journal-")
        })
        .collect();
    journals.sort();
    journals.pop().expect("a journal")
}

#[test]
fn restart_keeps_the_list_for_every_command_kind_after_a_kill_and_after_a_clean_stop() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let context = zmq::Context::new();

    let server = ServerProcess::start(&data, &[]);
    let socket = server.socket(&context);
    let session = [
        ("append olá mundo", "Elemento 'olá mundo' adicionado."),
        (
            "append 😀 emoji ∑ 漢字",
            "Elemento '😀 emoji ∑ 漢字' adicionado.",
        ),
        (
            "append aspas 'simples' e \"duplas\" \\ barra",
            "Elemento 'aspas 'simples' e \"duplas\" \\ barra' adicionado.",
        ),
        ("append x", "Elemento 'x' adicionado."),
        (
            "insert 0 primeiro elemento",
            "Elemento 'primeiro elemento' inserido na posição 0.",
        ),
        (
            "insert 002 ç\u{301}",
            "Elemento 'ç\u{301}' inserido na posição 2.",
        ),
        (
            "zlist.req c1:1 append tagged",
            "Elemento 'tagged' adicionado.",
        ),
        ("remover x", "Elemento 'x' removido."),
        ("ordenar_cresc", "Lista ordenada crescentemente."),
    ];
    for (req, expected) in session {
        assert_eq!(request(&socket, req), expected, "{req}");
    }
    let before_kill = request(&socket, "mostrar");
    drop(socket);
    server.kill_9();

    // Killed: the journal alone brings everything back, tags included.
    let server = ServerProcess::start(&data, &[]);
    let socket = server.socket(&context);
    assert_eq!(request(&socket, "mostrar"), before_kill);
    assert_eq!(request(&socket, "pesquisar 😀 emoji ∑ 漢字"), "Encontrado");
    assert_eq!(
        request(&socket, "zlist.req c1:1 append tagged"),
        "Elemento 'tagged' adicionado."
    );
    assert_eq!(
        request(&socket, "mostrar"),
        before_kill,
        "not applied twice"
    );
    assert_eq!(request(&socket, "limpar"), "Lista limpa.");
    drop(socket);
    server.kill_9();

    // The empty list is kept too.
    let server = ServerProcess::start(&data, &[]);
    let socket = server.socket(&context);
    assert_eq!(request(&socket, "mostrar"), "[]");
    for req in [
        "append b\tcom tab",
        "append a\u{0}nul",
        "append z",
        "ordenar_desc",
    ] {
        request(&socket, req);
    }
    let before_stop = request(&socket, "mostrar");
    assert_eq!(before_stop, "['z', 'b\\tcom tab', 'a\\x00nul']");
    drop(socket);
    let (code, log) = server.stop();
    assert_eq!(code, Some(0), "{log}");

    // Stopped cleanly: a snapshot brings it back, with no journal to replay.
    let server = ServerProcess::start(&data, &[]);
    let socket = server.socket(&context);
    assert_eq!(request(&socket, "mostrar"), before_stop);
    let log = server.log();
    assert!(log.contains("loaded 3 elements from"), "{log}");
    assert!(log.contains("+ 0 journal records"), "{log}");
    assert!(log.contains("journal flushed to disk: everysec"), "{log}");
}

#[test]
fn row_exact_changes_are_journaled_and_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let context = zmq::Context::new();
    let server = ServerProcess::start(&data, &[]);
    let socket = server.socket(&context);
    for req in ["append a", "append b", "append a", "append c"] {
        request(&socket, req);
    }
    let session = [
        (
            r#"zlist.remove_at 2 "a""#,
            "Elemento 'a' removido da posição 2.",
        ),
        (
            r#"zlist.req c9:1 zlist.replace_at 0 "a" " spaced 'é' \"q\" ""#,
            "Elemento da posição 0 alterado de 'a' para ' spaced 'é' \"q\" '.",
        ),
        (
            r#"zlist.move 2 0 "c""#,
            "Elemento 'c' movido da posição 2 para a posição 0.",
        ),
        (
            r#"zlist.remove_at 1 "a""#,
            "Erro: a lista mudou: a posição 1 tem ' spaced 'é' \"q\" ', não 'a'. Atualize a \
             lista e tente de novo.",
        ),
    ];
    for (req, expected) in session {
        assert_eq!(request(&socket, req), expected, "{req}");
    }
    let before_kill = request(&socket, "mostrar");
    assert_eq!(before_kill, r#"['c', ' spaced \'é\' "q" ', 'b']"#);
    drop(socket);
    server.kill_9();

    let server = ServerProcess::start(&data, &[]);
    let socket = server.socket(&context);
    assert_eq!(request(&socket, "mostrar"), before_kill);
    // The tagged replace is remembered: retried, it is not applied again.
    assert_eq!(
        request(
            &socket,
            r#"zlist.req c9:1 zlist.replace_at 0 "a" " spaced 'é' \"q\" ""#
        ),
        "Elemento da posição 0 alterado de 'a' para ' spaced 'é' \"q\" '."
    );
    assert_eq!(request(&socket, "mostrar"), before_kill);
}

#[test]
fn kill_9_while_two_clients_append_loses_no_acknowledged_append() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = ServerProcess::start(&data, &[]);
    let endpoint = server.endpoint.clone();
    let acked: Vec<_> = (0..2).map(|_| Arc::new(Mutex::new(0_u64))).collect();
    let clients: Vec<_> = (0..2)
        .map(|k| {
            let endpoint = endpoint.clone();
            let acked = Arc::clone(&acked[k]);
            std::thread::spawn(move || {
                let context = zmq::Context::new();
                let socket = context.socket(zmq::REQ).unwrap();
                socket.set_linger(0).unwrap();
                socket.set_rcvtimeo(2000).unwrap();
                socket.set_sndtimeo(2000).unwrap();
                socket.connect(&endpoint).unwrap();
                for n in 1.. {
                    let req = format!("zlist.req client{k}:{n} append k{k}-{n}");
                    if socket.send(req.as_bytes(), 0).is_err() {
                        return n;
                    }
                    match socket.recv_string(0) {
                        Ok(Ok(reply)) => {
                            assert_eq!(reply, format!("Elemento 'k{k}-{n}' adicionado."));
                            *acked.lock().unwrap() = n;
                        }
                        // No reply: the server was killed with this request in flight.
                        _ => return n,
                    }
                }
                unreachable!()
            })
        })
        .collect();
    // Let both clients get well going, then kill mid-stream.
    let started = Instant::now();
    while acked.iter().any(|a| *a.lock().unwrap() < 300) {
        assert!(
            started.elapsed() < PROCESS_BOUND,
            "the clients are too slow"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill_9();
    let in_flight: Vec<u64> = clients.into_iter().map(|c| c.join().unwrap()).collect();

    let server = ServerProcess::start(&data, &[]);
    let context = zmq::Context::new();
    let socket = server.socket(&context);
    // Each client retries its unanswered request, as the client engine does: it is
    // recognised if it was journaled just before the kill, and applied otherwise.
    for (k, n) in in_flight.iter().enumerate() {
        assert_eq!(
            request(&socket, &format!("zlist.req client{k}:{n} append k{k}-{n}")),
            format!("Elemento 'k{k}-{n}' adicionado.")
        );
    }
    let list = parse_simple_repr(&request(&socket, "mostrar"));
    for (k, &n) in in_flight.iter().enumerate() {
        let acknowledged = *acked[k].lock().unwrap();
        assert!(
            acknowledged + 1 == n,
            "client {k}: acked {acknowledged}, in flight {n}"
        );
        let mine: Vec<&String> = list
            .iter()
            .filter(|x| x.starts_with(&format!("k{k}-")))
            .collect();
        let expected: Vec<String> = (1..=n).map(|i| format!("k{k}-{i}")).collect();
        assert_eq!(
            mine,
            expected.iter().collect::<Vec<_>>(),
            "client {k}: every acknowledged append, in order, once"
        );
    }
}

#[test]
fn a_torn_last_record_is_dropped_with_a_warning_and_the_rest_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let context = zmq::Context::new();
    let server = ServerProcess::start(&data, &[]);
    let socket = server.socket(&context);
    request(&socket, "append a");
    request(&socket, "append b");
    drop(socket);
    server.kill_9();
    // A crash in the middle of writing a third record.
    let journal = journal_of(&data);
    let good_len = std::fs::metadata(&journal).unwrap().len();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&journal)
        .unwrap();
    file.write_all(&[20, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 5])
        .unwrap();
    drop(file);

    let server = ServerProcess::start(&data, &[]);
    let socket = server.socket(&context);
    assert_eq!(request(&socket, "mostrar"), "['a', 'b']");
    let log = server.log();
    assert!(log.contains("WARN"), "{log}");
    assert!(
        log.contains(&format!(
            "dropped an interrupted last write of 10 bytes at byte {good_len}"
        )),
        "{log}"
    );
    request(&socket, "append c");
    drop(socket);
    server.kill_9();
    let server = ServerProcess::start(&data, &[]);
    assert_eq!(
        request(&server.socket(&context), "mostrar"),
        "['a', 'b', 'c']"
    );
}

#[test]
fn a_corrupted_middle_record_refuses_to_start_naming_the_file_offset_and_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let context = zmq::Context::new();
    let server = ServerProcess::start(&data, &[]);
    let socket = server.socket(&context);
    request(&socket, "append um");
    let journal = journal_of(&data);
    let second = std::fs::metadata(&journal).unwrap().len();
    request(&socket, "append dois");
    request(&socket, "append três");
    drop(socket);
    server.kill_9();
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes[second as usize + 12] ^= 0xff;
    std::fs::write(&journal, &bytes).unwrap();

    let (code, stderr) = start_must_fail(&data, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} is damaged at byte {second}",
            journal.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("will not start rather than drop data"),
        "{stderr}"
    );
    let cut = format!("truncate -s {second} {}", journal.display());
    assert!(stderr.contains(&cut), "{stderr}");
    assert_eq!(std::fs::read(&journal).unwrap(), bytes, "left untouched");

    // Following the advice: the changes from the damaged record on are lost, the rest kept.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&journal)
        .unwrap();
    file.set_len(second).unwrap();
    drop(file);
    let server = ServerProcess::start(&data, &[]);
    assert_eq!(request(&server.socket(&context), "mostrar"), "['um']");
}

#[test]
fn a_second_server_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = ServerProcess::start(&data, &[]);
    let (code, stderr) = start_must_fail(&data, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    let expected = format!(
        "data directory {} is in use by another zlist server (process {}) (lock file {}); \
         stop it or choose another --data",
        data.display(),
        first.child.id(),
        data.join("lock").display()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    // The first one is unharmed, and once it is gone the directory is free.
    let context = zmq::Context::new();
    assert_eq!(
        request(&first.socket(&context), "append x"),
        "Elemento 'x' adicionado."
    );
    let (code, _) = first.stop();
    assert_eq!(code, Some(0));
    let second = ServerProcess::start(&data, &[]);
    assert_eq!(request(&second.socket(&context), "mostrar"), "['x']");
}

#[test]
fn compaction_under_load_loses_nothing_and_keeps_disk_use_small() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut options = DiskOptions::new(&data);
    options.compact_after_bytes = 4096;
    let server = Server::start(
        ServerConfig {
            bind: "tcp://127.0.0.1:0".into(),
            storage: Storage::Disk(options),
            ..ServerConfig::default()
        },
        RemoteList::default(),
    )
    .unwrap();
    let endpoint = server.endpoint().to_owned();
    let clients: Vec<_> = (0..2)
        .map(|k| {
            let endpoint = endpoint.clone();
            std::thread::spawn(move || {
                let context = zmq::Context::new();
                let socket = req_socket(&context, &endpoint);
                for n in 0..1500 {
                    let req = format!("zlist.req c{k}:{n} append c{k}-{n}");
                    assert_eq!(
                        request(&socket, &req),
                        format!("Elemento 'c{k}-{n}' adicionado.")
                    );
                    if n % 300 == 299 {
                        // A history longer than the list: compaction has work to do.
                        request(&socket, &format!("remover c{k}-{}", n - 150));
                    }
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    let generation = wait_for_one_generation(&data);
    assert!(
        generation >= 2,
        "compacted during the load: generation {generation}"
    );
    // The journal may have grown past its threshold while the last snapshot was being
    // written; if so, the next change compacts it.
    let context = zmq::Context::new();
    let socket = req_socket(&context, &endpoint);
    request(&socket, "append fim");
    let served = request(&socket, "mostrar");
    let settled = wait_for_one_generation(&data);
    assert!(settled >= generation);

    // Read the directory as a restart after a kill would: without the final snapshot of
    // a clean stop.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, copy.join(path.file_name().unwrap())).unwrap();
    }
    let (_, recovered) = Store::open(&DiskOptions::new(&copy)).unwrap();
    assert_eq!(recovered.list.repr(), served);
    let list = parse_simple_repr(&served);
    assert_eq!(list.len(), 2 * (1500 - 5) + 1);
    let removed: Vec<u64> = (1..=5).map(|i| i * 300 - 1 - 150).collect();
    for k in 0..2 {
        let expected: Vec<String> = (0..1500)
            .filter(|n| !removed.contains(n))
            .map(|n| format!("c{k}-{n}"))
            .collect();
        let mine: Vec<String> = list
            .iter()
            .filter(|x| x.starts_with(&format!("c{k}-")))
            .cloned()
            .collect();
        assert_eq!(mine, expected, "client {k}");
    }
    // Disk use follows the list, not the history (3,000 tagged changes, over 200 KB of
    // journal): one snapshot, and a journal of at most twice its size (or 4 KiB).
    let sizes: Vec<(String, u64)> = std::fs::read_dir(&copy)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            (name, e.metadata().unwrap().len())
        })
        .collect();
    let total: u64 = sizes.iter().map(|(_, len)| len).sum();
    let snapshot = sizes
        .iter()
        .find(|(name, _)| name.starts_with("snapshot-"))
        .map_or(0, |(_, len)| *len);
    assert!(total < 3 * snapshot + 4096 + 200, "{sizes:?}");
    assert!(total < 200_000, "{sizes:?}");
    drop(socket);
    let list = server.stop().unwrap();
    assert_eq!(list.repr(), served);
}

/// Waits until a compaction running in `data` has finished (one snapshot and one journal
/// left, no temporary file) and returns their generation.
fn wait_for_one_generation(data: &Path) -> u64 {
    let started = Instant::now();
    loop {
        let names: Vec<String> = std::fs::read_dir(data)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let generation = |prefix: &str| -> Vec<u64> {
            names
                .iter()
                .filter_map(|n| n.strip_prefix(prefix)?.strip_suffix(".zlist")?.parse().ok())
                .collect()
        };
        let (snapshots, journals) = (generation("snapshot-"), generation("journal-"));
        if names.len() == 3 && snapshots.len() == 1 && snapshots == journals {
            return snapshots[0];
        }
        assert!(
            started.elapsed() < PROCESS_BOUND,
            "no settled compaction: {names:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_full_disk_refuses_changes_with_an_error_reply_and_keeps_serving_reads() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A file size limit (RLIMIT_FSIZE) stands in for a full disk: writes past 16 KiB fail
    // with EFBIG, as root too, and SIGXFSZ is ignored so the write returns the error.
    let exe = env!("CARGO_BIN_EXE_zlist");
    let script = format!(
        "trap '' XFSZ; ulimit -f 16; exec '{exe}' server --bind tcp://127.0.0.1:0 --data '{}'",
        data.display()
    );
    let mut command = Command::new("bash");
    command
        .args(["-c", &script])
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null());
    let server = ServerProcess::spawn(&mut command);
    let context = zmq::Context::new();
    let socket = server.socket(&context);
    let big = "x".repeat(1000);
    let mut acknowledged = Vec::new();
    let mut refusals = 0;
    for n in 0..40 {
        let reply = request(&socket, &format!("append {n}{big}"));
        if reply == format!("Elemento '{n}{big}' adicionado.") {
            assert_eq!(refusals, 0, "no change is accepted after the first refusal");
            acknowledged.push(format!("{n}{big}"));
        } else {
            assert!(
                reply.starts_with(
                    "Erro: não foi possível gravar a alteração no disco (File too large"
                ),
                "{reply}"
            );
            assert!(reply.ends_with("); nada foi alterado."), "{reply}");
            refusals += 1;
        }
    }
    assert!(
        acknowledged.len() >= 10 && refusals >= 10,
        "{} acknowledged",
        acknowledged.len()
    );
    // Reads keep working, and the list holds exactly what was acknowledged.
    let expected = RemoteList::from_items(acknowledged.clone()).repr();
    assert_eq!(request(&socket, "mostrar"), expected);
    assert_eq!(request(&socket, &format!("pesquisar 0{big}")), "Encontrado");
    // A small change still fits: nothing half-written was left in the way.
    assert_eq!(request(&socket, "append ok"), "Elemento 'ok' adicionado.");
    acknowledged.push("ok".into());
    drop(socket);
    let (code, log) = server.stop();
    // The limit is per file, and the final snapshot (no per-record framing) is smaller
    // than the journal, so the clean stop succeeds.
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(
        log.matches("changes are refused until the disk accepts writes again")
            .count(),
        1,
        "logged once: {log}"
    );
    assert!(log.contains("File too large"), "{log}");
    assert!(log.contains("the journal accepts changes again"), "{log}");

    let server = ServerProcess::start(&data, &[]);
    assert_eq!(
        request(&server.socket(&context), "mostrar"),
        RemoteList::from_items(acknowledged).repr()
    );
}

#[test]
fn memory_mode_and_the_default_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("xdg");
    let run = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_zlist"));
        command
            .args(["server", "--bind", "tcp://127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .env("XDG_DATA_HOME", &home)
            .env_remove("ZLIST_DATA")
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        ServerProcess::spawn(&mut command)
    };
    let server = run(&["--memory"]);
    assert!(server.log().contains("in memory only"), "{}", server.log());
    let (code, _) = server.stop();
    assert_eq!(code, Some(0));
    assert!(!home.exists(), "--memory writes nothing");

    let server = run(&["--fsync", "always"]);
    let context = zmq::Context::new();
    request(&server.socket(&context), "append persisted");
    let log = server.log();
    assert!(
        log.contains(&format!(
            "new data directory {}",
            home.join("zlist").display()
        )),
        "{log}"
    );
    assert!(log.contains("journal flushed to disk: always"), "{log}");
    server.kill_9();
    let server = run(&["--fsync", "never"]);
    assert_eq!(
        request(&server.socket(&context), "mostrar"),
        "['persisted']"
    );

    let (code, stderr) = start_must_fail(&home, &["--memory"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    let (code, stderr) = start_must_fail(&home, &["--fsync", "sometimes"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("[possible values: always, everysec, never]"),
        "{stderr}"
    );
}

#[test]
fn an_in_process_server_reports_a_directory_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let config = || ServerConfig {
        bind: "tcp://127.0.0.1:0".into(),
        storage: Storage::Disk(DiskOptions {
            fsync: FsyncPolicy::Never,
            ..DiskOptions::new(dir.path())
        }),
        ..ServerConfig::default()
    };
    let first = Server::start(config(), RemoteList::default()).unwrap();
    let error = Server::start(config(), RemoteList::default())
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("is in use by another zlist server"),
        "{error}"
    );
    drop(first);
    assert!(Server::start(config(), RemoteList::default()).is_ok());
}

/// The durability benchmark (docs/benchmarks.md), until `zlist bench` runs it:
/// `cargo test --release --test it -- --ignored durability_bench --nocapture`.
#[test]
#[ignore = "a benchmark: run it with --release -- --ignored durability_bench --nocapture"]
fn durability_bench() {
    // ZLIST_BENCH_ROUNDS, ZLIST_BENCH_SECONDS, ZLIST_BENCH_CLIENTS override the defaults.
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f64>().ok());
    let mut config = zlist::bench::durability::DurabilityConfig::default();
    if let Some(rounds) = env("ZLIST_BENCH_ROUNDS") {
        config.rounds = rounds as usize;
    }
    if let Some(seconds) = env("ZLIST_BENCH_SECONDS") {
        config.run_time = Duration::from_secs_f64(seconds);
    }
    if let Some(clients) = env("ZLIST_BENCH_CLIENTS") {
        config.clients = clients as usize;
    }
    let report = zlist::bench::durability::run(&config).unwrap();
    println!("{report}");
}
