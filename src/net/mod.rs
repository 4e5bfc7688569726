//! The wire and the list: protocol, list model, server and client worker, with no UI.
pub mod access;
pub mod backend;
pub mod client;
pub mod curve;
pub mod endpoint;
mod inproc;
pub mod key_service;
pub mod known_servers;
pub mod list;
pub mod live;
mod monitor;
pub mod protocol;
pub mod repr;
pub mod server;
pub mod server_key;
pub mod service;
pub mod status;
pub mod store;

mod printable_table;
