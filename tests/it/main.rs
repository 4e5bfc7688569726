//! Integration tests: real servers on `tcp://127.0.0.1:0`, real clients, the real binary.

mod cli_server;
mod server;
mod support;
