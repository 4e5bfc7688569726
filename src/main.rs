//! The `zlist` command: parses the command line and hands it to the desktop app
//! ([`zlist::ui`]), the headless server or a terminal client ([`zlist::cli`]).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use zlist::cli;

/// A list that lives on a remote machine, shared over ZeroMQ.
///
/// With no command, opens the desktop app.
#[derive(Debug, Parser)]
#[command(name = "zlist", version, long_version = cli::version::long(), about, long_about = None)]
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
    Server(cli::server::ServerArgs),
    /// Measure round trips against a bare libzmq echo, and large lists (see docs/benchmarks.md).
    Bench(zlist::bench::cli::BenchArgs),
    /// Send one request and print the reply (exit 0 success, 1 error reply, 2 no server).
    Send(cli::send::SendArgs),
    /// The seed client's numbered menu in the terminal; other input is sent as a raw command.
    Shell(cli::shell::ShellArgs),
    /// Show a server's health: uptime, clients, list size, requests (exit 0 healthy, 1 no
    /// status, 2 no server).
    Status(cli::status::StatusArgs),
    /// Make a CURVE key pair (NAME.key, NAME.key_secret) for encrypted connections.
    Keygen(cli::keygen::KeygenArgs),
    /// Forget a server's remembered key (after the server was reinstalled), so the next
    /// connection asks to trust it anew.
    ForgetServer(cli::forget::ForgetArgs),
}

/// Exit codes: those of the command; 2 for an error, printed once with its causes.
fn main() -> ExitCode {
    let args = Cli::parse();
    // The benchmarks run servers in this process: their per-request log would be measured.
    // The desktop app installs its own logging (stderr and its debug console).
    if args.command.is_some() {
        cli::logging::init(args.quiet || matches!(args.command, Some(Command::Bench(_))));
    }
    let result = match args.command {
        Some(Command::Server(args)) => cli::server::run(args),
        Some(Command::Bench(args)) => zlist::bench::cli::run(&args).map(|()| ExitCode::SUCCESS),
        Some(Command::Send(args)) => cli::send::run(args),
        Some(Command::Shell(args)) => cli::shell::run(args),
        Some(Command::Status(args)) => cli::status::run(args),
        Some(Command::Keygen(args)) => cli::keygen::run(&args),
        Some(Command::ForgetServer(args)) => cli::forget::run(&args),
        None => zlist::ui::run(args.quiet),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("zlist: error: {error:#}");
            ExitCode::from(2)
        }
    }
}
