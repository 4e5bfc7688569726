//! `zlist status`: asks a server how it is (`zlist.status`) and prints the answer, with an
//! exit code a health check can test (0 healthy, 1 no status, 2 no server).

use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use super::send::{EXIT_ERROR_REPLY, EXIT_UNREACHABLE};
use super::{ConnectArgs, Outcome, ask_once, failure_text};
use crate::net::protocol::STATUS;
use crate::net::status::{ServerStatus, server_key};

/// `zlist status`: the server's uptime, clients and counts.
#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Where the server is, and how patiently to wait.
    #[command(flatten)]
    pub connection: ConnectArgs,

    /// Print the reply line as the server sent it (`zlist.status key=value ...`), for scripts.
    #[arg(long)]
    pub raw: bool,

    /// Also print the debug trail on stderr.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Runs `zlist status`: a table on stdout and exit code 0; a server that does not report
/// its status (the seed's) gets a message on stderr and 1; no server, 2.
pub fn run(args: StatusArgs) -> anyhow::Result<ExitCode> {
    let reply = match ask_once(&args.connection, STATUS.to_owned(), args.verbose)? {
        Outcome::Reply(reply) => reply,
        Outcome::Failed(error) => {
            eprintln!("{}", failure_text(&error));
            return Ok(ExitCode::from(EXIT_UNREACHABLE));
        }
        Outcome::Lost => {
            anyhow::bail!("the client stopped without an answer for the request (a bug in zlist)")
        }
    };
    let status = match ServerStatus::parse(&reply.text) {
        Ok(status) => status,
        Err(error) => {
            eprintln!(
                "zlist: {} is up, but {error}; a seed server does not have this command",
                args.connection.connect
            );
            return Ok(ExitCode::from(EXIT_ERROR_REPLY));
        }
    };
    let text = if args.raw {
        format!("{}\n", reply.text)
    } else {
        let encryption = match server_key(&reply.text) {
            Ok(Some(key)) => format!(
                "CURVE (key fingerprint {})\nkey      {key}\n",
                key.fingerprint()
            ),
            Ok(None) => "off (plain text)\n".to_owned(),
            Err(error) => format!("unknown ({error})\n"),
        };
        format!("{}encrypt  {encryption}", status.table())
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write the status to stdout")?;
    Ok(ExitCode::SUCCESS)
}
