//! Integration tests: real servers on `tcp://127.0.0.1:0`, real clients, the real binary.

// All of this crate is test code, its helpers too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod bench;
mod cli_client;
mod cli_server;
mod client;
mod curve;
mod durability;
mod exhaustion;
mod failover;
mod fuzz_corpus;
mod gui;
mod gui_glance;
mod gui_import;
mod gui_rows;
mod history;
mod live;
mod read_only;
mod redis;
mod server;
mod server_process;
mod status;
mod support;
mod torture;
mod trust;
