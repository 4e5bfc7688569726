//! `zlist forget-server HOST:PORT`: removes a server's remembered key, for a server that
//! was reinstalled (a new key), so the next connection trusts it anew.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::net::known_servers::{KNOWN_SERVERS_ENV, KnownServers};

/// `zlist forget-server HOST:PORT`.
#[derive(Debug, Clone, Args)]
pub struct ForgetArgs {
    /// The server, as it was connected to: HOST:PORT or tcp://HOST:PORT.
    #[arg(value_name = "HOST:PORT")]
    pub server: String,

    /// The file of servers this client trusts [default: known_servers in the platform's
    /// config directory].
    #[arg(long, value_name = "FILE", env = KNOWN_SERVERS_ENV)]
    pub known_servers: Option<std::path::PathBuf>,
}

/// Runs `zlist forget-server`: exit 0 when the server was forgotten, 1 when it was not
/// known.
pub fn run(args: &ForgetArgs) -> anyhow::Result<ExitCode> {
    let mut known = match &args.known_servers {
        Some(path) => KnownServers::open(path),
        None => KnownServers::open_default(),
    }
    .context("cannot read the servers this client trusts")?;
    if known
        .forget(&args.server)
        .context("cannot forget the server")?
    {
        println!(
            "forgot {}'s key; the next connection shows its key's fingerprint to trust anew",
            args.server
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "zlist: {} is not among the servers this client trusts ({})",
            args.server,
            known
                .path()
                .map_or_else(|| "no file".to_owned(), |p| p.display().to_string())
        );
        Ok(ExitCode::from(1))
    }
}
