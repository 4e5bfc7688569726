//! Logging for the terminal commands: stderr, with `RUST_LOG` overriding the default.

use std::io::IsTerminal as _;

/// Logs to stderr; RUST_LOG overrides the default (the server's request trail, or only
/// warnings with `quiet`).
pub fn init(quiet: bool) {
    let default = if quiet { "warn" } else { "info,zlist=debug" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal; none in a log file or the journal.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
