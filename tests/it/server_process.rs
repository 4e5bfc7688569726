//! A `zlist server` process for the tests that need one apart from theirs: to read its
//! memory, or to kill it.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `zlist server` process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    /// Where it listens.
    pub endpoint: String,
    /// Its log lines, as they come.
    pub log: std::sync::mpsc::Receiver<String>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ServerProcess {
    /// Starts `zlist server` on the list in `dir`, bound to `bind`, with these more
    /// options, and waits until it listens.
    pub fn start(dir: &std::path::Path, bind: &str, options: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_zlist"))
            .args(["server", "--bind", bind, "--publish", "off"])
            .args(options)
            .arg("--data")
            .arg(dir)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, log) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let endpoint = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = log
                .recv_timeout(left)
                .expect("the server says where it listens");
            if let Some(rest) = line.split("ready on ").nth(1) {
                break rest.split(';').next().unwrap().to_owned();
            }
        };
        Self {
            child,
            endpoint,
            log,
        }
    }

    /// Its resident memory now, in bytes (Linux's `/proc/PID/status`).
    pub fn rss(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * 1024
    }
}
