//! A `redis-server` process of its own on a free loopback port, with no persistence, for
//! the benchmarks (the Redis column) and the tests that need a real Redis: started from the
//! `redis-server` on the PATH, stopped (killed) when dropped.

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a new `redis-server` may take to answer `PING`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a `redis-server` could not be started.
#[derive(Debug, thiserror::Error)]
pub enum RedisProcessError {
    /// No `redis-server` on the PATH (or it could not be run).
    #[error(
        "cannot run redis-server ({0}); install it (Debian/Ubuntu: apt-get install redis-server)"
    )]
    NotInstalled(std::io::Error),
    /// No `redis-server` on the PATH of a CI run, which must have one.
    #[error("redis-server is missing in CI (scripts/test.sh installs it with apt-get)")]
    MissingInCi,
    /// No free loopback port could be found.
    #[error("no free loopback port for redis-server: {0}")]
    NoPort(std::io::Error),
    /// It started but did not answer in time.
    #[error("redis-server on port {port} did not answer PING within {START_TIMEOUT:?}")]
    NotAnswering {
        /// Its port.
        port: u16,
    },
}

/// A running `redis-server`, killed on drop.
#[derive(Debug)]
pub struct RedisProcess {
    child: Child,
    port: u16,
}

impl RedisProcess {
    /// Whether a `redis-server` can be run here.
    pub fn available() -> bool {
        Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    /// For tests that need a `redis-server`: whether one can run here. Where none is
    /// installed this says so on stderr and gives `false` (the test skips), except in CI
    /// (env `CI` set), where `scripts/test.sh` installs it and its absence is an error.
    pub fn available_for_tests() -> Result<bool, RedisProcessError> {
        if Self::available() {
            return Ok(true);
        }
        if std::env::var_os("CI").is_some() {
            return Err(RedisProcessError::MissingInCi);
        }
        eprintln!("skipped: redis-server is not installed");
        Ok(false)
    }

    /// Starts `redis-server` on a free port of 127.0.0.1, in `dir` (its working
    /// directory), with no snapshots and no append-only file, plus `extra` arguments
    /// (`["--replicaof", "127.0.0.1", "6379"]`, ...); returns once it answers `PING`.
    pub fn start(dir: &Path, extra: &[&str]) -> Result<Self, RedisProcessError> {
        let port = free_port().map_err(RedisProcessError::NoPort)?;
        Self::start_on(dir, port, extra)
    }

    /// [`RedisProcess::start`] on this port (a Redis restarted where it was).
    pub fn start_on(dir: &Path, port: u16, extra: &[&str]) -> Result<Self, RedisProcessError> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--dir", &dir.to_string_lossy()])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(RedisProcessError::NotInstalled)?;
        let process = Self { child, port };
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if process.ping() {
                return Ok(process);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(RedisProcessError::NotAnswering { port })
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its URL, `redis://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Whether it answers `PING` now.
    pub fn ping(&self) -> bool {
        redis::Client::open(self.url())
            .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(1)))
            .and_then(|mut connection| redis::cmd("PING").query::<String>(&mut connection))
            .is_ok()
    }

    /// Kills it at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        // Already gone is fine: the point is that it is not running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A loopback port nobody listens on now (the OS's pick; free again once this returns).
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_started_redis_answers_and_is_gone_once_killed() {
        if !RedisProcess::available() {
            // CI installs redis-server (scripts/test.sh); elsewhere its absence is said.
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is missing in CI"
            );
            eprintln!("skipped: redis-server is not installed");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut redis = RedisProcess::start(dir.path(), &[]).unwrap();
        assert!(redis.ping());
        redis.kill();
        assert!(!redis.ping());
    }
}
