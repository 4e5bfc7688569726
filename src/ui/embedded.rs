//! The embedded ("local") server: a zlist server running inside the app, for the
//! single-machine demo. Starting it binds synchronously (so "port in use" comes back at
//! once as a clear error) and serving happens on the server's own thread. Listening beyond
//! loopback it encrypts (CURVE) with its host key (`server_key::for_storage`: kept in its
//! data directory, or made for this run when the list is in memory); the app connects to
//! it with that key, with no question asked.

use std::path::PathBuf;

use crate::net::access::{self, AccessPolicy, Token};
use crate::net::curve::{CurveKey, ServerKeys};
use crate::net::endpoint::{self, Role};
use crate::net::list::RemoteList;
use crate::net::server::{Publish, Server, ServerConfig};
use crate::net::server_key;
use crate::net::store::Storage;
use crate::ui::settings::LocalServerSettings;

/// The subfolder of the platform data folder where the embedded server keeps its list.
pub const DATA_SUBDIR: &str = "embedded";

/// Where the embedded server keeps its list when asked to: `embedded` under the platform's
/// data folder (e.g. `~/.local/share/zlist/embedded`); `None` when there is no home folder.
pub fn default_data_dir() -> Option<PathBuf> {
    Storage::default_dir().map(|dir| dir.join(DATA_SUBDIR))
}

/// The embedded server, when it runs.
#[derive(Debug, Default)]
pub struct LocalServer {
    server: Option<Server>,
    /// The token clients must present; `None`: none (loopback-only when bound publicly).
    token: Option<Token>,
    /// Its public key, while it runs encrypted.
    key: Option<CurveKey>,
}

impl LocalServer {
    /// Sets the token the server requires from the next start on.
    pub fn set_token(&mut self, token: Option<Token>) {
        self.token = token;
    }

    /// Starts a server (publishing live updates one port up) with these options, keeping
    /// the list in [`default_data_dir`] when `settings.persist` is set; returns the endpoint a client on this machine connects
    /// to (the real port when port 0 was asked for). The error is ready to show.
    pub fn start(&mut self, settings: &LocalServerSettings) -> Result<String, String> {
        self.start_in(settings, default_data_dir())
    }

    /// As [`Self::start`], keeping the list in `data_dir` when `settings.persist` is set
    /// (in memory when it is not, or when `data_dir` is `None`).
    pub fn start_in(
        &mut self,
        settings: &LocalServerSettings,
        data_dir: Option<PathBuf>,
    ) -> Result<String, String> {
        self.stop();
        let storage = match data_dir {
            Some(dir) if settings.persist => Storage::disk(dir),
            _ => Storage::Memory,
        };
        let bind = settings.bind.trim().to_owned();
        let mut access = AccessPolicy::for_bind(&bind, self.token.clone(), Vec::new(), false);
        // Beyond loopback, encrypted with the server's own key pair (its host key).
        let key = if access::is_loopback_bind(&bind) {
            None
        } else {
            let (keys, origin) =
                server_key::for_storage(&storage).map_err(|error| error.to_string())?;
            let public = keys.public;
            access = access
                .with_curve(ServerKeys {
                    keys,
                    clients: None,
                })
                .map_err(|error| error.to_string())?;
            tracing::info!(
                key = %public,
                fingerprint = public.fingerprint(),
                ?origin,
                "the local server encrypts (CURVE)"
            );
            Some(public)
        };
        let config = ServerConfig {
            access,
            bind,
            storage,
            // Live updates one port up (or on a free port when the bind port is 0), so
            // that windows on one server show each other's changes.
            publish: Publish::NextPort,
            ..ServerConfig::default()
        };
        let server =
            Server::start(config, RemoteList::default()).map_err(|error| error.to_string())?;
        let local = server.local_endpoint();
        tracing::info!(endpoint = server.endpoint(), "local server started");
        self.server = Some(server);
        self.key = key;
        Ok(local)
    }

    /// Stops the server if it runs (joins its thread; its list is dropped).
    pub fn stop(&mut self) {
        self.key = None;
        if let Some(server) = self.server.take() {
            match server.stop() {
                Ok(list) => tracing::info!(elements = list.len(), "local server stopped"),
                Err(error) => tracing::error!("local server stopped with an error: {error}"),
            }
        }
    }

    /// Whether the server runs.
    pub fn is_running(&self) -> bool {
        self.server.is_some()
    }

    /// The address it listens on, when it runs.
    pub fn endpoint(&self) -> Option<&str> {
        self.server.as_ref().map(Server::endpoint)
    }

    /// Its public key, when it runs encrypted (it listens beyond loopback).
    pub fn key(&self) -> Option<CurveKey> {
        self.key
    }

    /// The address a client on this machine uses, when it runs.
    pub fn local_endpoint(&self) -> Option<String> {
        self.server.as_ref().map(Server::local_endpoint)
    }
}

/// Whether a bind address listens on every interface (`0.0.0.0`, `*`, `[::]`), which
/// exposes the list to anyone who can reach the port.
pub fn binds_every_interface(bind: &str) -> bool {
    let Ok(normalized) = endpoint::normalize(bind, Role::Bind) else {
        return false;
    };
    matches!(
        endpoint::host(&normalized),
        Some("0.0.0.0" | "*" | "[::]" | "[::0]" | "[0:0:0:0:0:0:0:0]")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_recognised() {
        assert!(binds_every_interface("tcp://0.0.0.0:1234"));
        assert!(binds_every_interface("*:1234"));
        assert!(binds_every_interface("tcp://[::]:1234"));
        assert!(!binds_every_interface("tcp://127.0.0.1:1234"));
        assert!(!binds_every_interface("garbage"));
    }

    fn in_memory(bind: &str) -> LocalServerSettings {
        LocalServerSettings {
            bind: bind.to_owned(),
            persist: false,
        }
    }

    #[test]
    fn a_port_in_use_is_a_clear_error_not_a_crash() {
        let mut first = LocalServer::default();
        let endpoint = first.start(&in_memory("tcp://127.0.0.1:0")).unwrap();
        let mut second = LocalServer::default();
        let error = second.start(&in_memory(&endpoint)).unwrap_err();
        assert!(error.contains("in use"), "{error}");
        assert!(!second.is_running());
        first.stop();
        assert!(!first.is_running());
    }

    #[test]
    fn beyond_loopback_it_encrypts_with_the_host_key_in_its_data_directory() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join(DATA_SUBDIR);
        let mut server = LocalServer::default();
        server.start(&in_memory("tcp://127.0.0.1:0")).unwrap();
        assert_eq!(server.key(), None, "loopback stays plain");
        let settings = LocalServerSettings {
            bind: "tcp://0.0.0.0:0".to_owned(),
            persist: true,
        };
        server.start_in(&settings, Some(data.clone())).unwrap();
        let key = server.key().expect("a public bind encrypts");
        let (pair, _) = server_key::load_or_create(&data).unwrap();
        assert_eq!(pair.public, key);
        server.stop();
        assert_eq!(server.key(), None);
        server.start_in(&settings, Some(data)).unwrap();
        assert_eq!(server.key(), Some(key), "the same key on every start");
        server.stop();
    }

    #[test]
    fn a_malformed_bind_address_says_what_is_expected() {
        let error = LocalServer::default()
            .start(&in_memory("nonsense"))
            .unwrap_err();
        assert!(error.contains("tcp://HOST:PORT"), "{error}");
    }

    #[test]
    fn the_persisted_embedded_list_survives_a_restart() {
        use crate::net::client::{self, ClientEvent, ClientOptions};
        use crate::net::protocol::Command;

        let dir = tempfile::tempdir().unwrap();
        let settings = LocalServerSettings {
            bind: "tcp://127.0.0.1:0".to_owned(),
            persist: true,
        };
        let mut server = LocalServer::default();
        // Starts the server on the data directory and a client of it.
        let start = |server: &mut LocalServer| {
            let endpoint = server
                .start_in(&settings, Some(dir.path().join(DATA_SUBDIR)))
                .unwrap();
            let options = ClientOptions {
                endpoint,
                ..ClientOptions::default()
            };
            client::spawn(options, Box::new(|| {})).unwrap()
        };
        let (handle, events) = start(&mut server);
        let id = handle.send(Command::Append("kept".to_owned()));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match events.recv_timeout(left).expect("no reply to append") {
                ClientEvent::Reply(reply) if reply.id == id => break,
                _ => {}
            }
        }
        drop(handle);
        server.stop();

        let (handle, events) = start(&mut server);
        handle.send(Command::Show);
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if let ClientEvent::List { items, .. } =
                events.recv_timeout(left).expect("no list after restart")
            {
                assert_eq!(items, ["kept"]);
                break;
            }
        }
        drop(handle);
        server.stop();
    }
}
