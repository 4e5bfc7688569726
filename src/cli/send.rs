//! `zlist send <command...>`: one request, its reply on stdout, and an exit code a script
//! can test (0 success, 1 error reply, 2 no server).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::{ConnectArgs, Outcome, ask_once, failure_text};

/// Exit code when the server answered with an error reply.
pub const EXIT_ERROR_REPLY: u8 = 1;
/// Exit code when the server could not be reached (or the options are wrong).
pub const EXIT_UNREACHABLE: u8 = 2;

/// `zlist send`: sends one request and prints the reply.
#[derive(Debug, Clone, Args)]
pub struct SendArgs {
    /// Where the server is, and how patiently to wait.
    #[command(flatten)]
    pub connection: ConnectArgs,

    /// Also print the debug trail (the seed's `[DEBUG]` lines and connection events) on stderr.
    #[arg(short, long)]
    pub verbose: bool,

    /// The request, e.g. `append 3` or `insert 0 x`; several words are joined with spaces.
    #[arg(
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<String>,
}

/// Runs `zlist send`. The reply goes to stdout (error replies too, with exit code 1); when
/// no server answers, a message on stderr and exit code 2.
pub fn run(args: SendArgs) -> anyhow::Result<ExitCode> {
    let outcome = ask_once(&args.connection, args.command.join(" "), args.verbose)?;
    match outcome {
        Outcome::Reply(reply) => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{}", reply.text)
                .and_then(|()| stdout.flush())
                .context("cannot write the reply to stdout")?;
            Ok(if reply.is_error {
                ExitCode::from(EXIT_ERROR_REPLY)
            } else {
                ExitCode::SUCCESS
            })
        }
        Outcome::Failed(error) => {
            eprintln!("{}", failure_text(&error));
            Ok(ExitCode::from(EXIT_UNREACHABLE))
        }
        Outcome::Lost => {
            anyhow::bail!("the client stopped without an answer for the request (a bug in zlist)")
        }
    }
}
