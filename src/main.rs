//! The `zlist` command: the desktop app, the headless server and the terminal clients.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use zlist::net::list::RemoteList;
use zlist::net::server::{DEFAULT_BIND, Server, ServerConfig};
use zlist::net::service::DEFAULT_MAX_REQUEST_BYTES;

/// A list that lives on a remote machine, shared over ZeroMQ.
///
/// With no command, opens the desktop app.
#[derive(Debug, Parser)]
#[command(name = "zlist", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Log only warnings and errors (RUST_LOG overrides).
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the list server headless (no display needed), e.g. on an EC2 VM.
    Server(ServerArgs),
}

#[derive(Debug, Args)]
struct ServerArgs {
    /// Address to listen on: tcp://HOST:PORT (0.0.0.0 = every interface, port 0 = any free port).
    #[arg(long, default_value = DEFAULT_BIND, env = "ZLIST_BIND")]
    bind: String,

    /// Largest request, in bytes, answered with a reply.
    #[arg(long, default_value_t = DEFAULT_MAX_REQUEST_BYTES, value_name = "BYTES")]
    max_request_bytes: usize,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.quiet);
    let result = match cli.command {
        Some(Command::Server(args)) => run_server(args),
        None => {
            eprintln!(
                "zlist: the desktop app is not built yet; run `zlist server` for the server."
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("zlist: error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs to stderr; RUST_LOG overrides the default (the server's request trail, or only
/// warnings with `--quiet`).
fn init_logging(quiet: bool) {
    let default = if quiet { "warn" } else { "info,zlist=debug" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run_server(args: ServerArgs) -> anyhow::Result<ExitCode> {
    let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(1);
    ctrlc::set_handler(move || {
        let _ = stop_tx.try_send(());
    })
    .context("cannot install the Ctrl-C/SIGTERM handler")?;

    let config = ServerConfig {
        bind: args.bind,
        max_request_bytes: args.max_request_bytes,
    };
    let server = Server::start(config, RemoteList::default()).context("cannot start the server")?;
    tracing::info!(
        "zlist server ready on {}; stop it with Ctrl-C",
        server.endpoint()
    );
    // Either a signal arrived or the handler is gone; both mean stop.
    let _ = stop_rx.recv();
    tracing::info!("stopping");
    server.stop().context("the server stopped with an error")?;
    Ok(ExitCode::SUCCESS)
}
