//! `zlist keygen`: makes a CURVE key pair in ZeroMQ's certificate files, for a server
//! (`--curve-secret-file`) or a client (`--key-file`).

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::net::curve::KeyPair;

/// `zlist keygen NAME`: writes NAME.key and NAME.key_secret.
#[derive(Debug, Clone, Args)]
pub struct KeygenArgs {
    /// Where to write, without the ending: `server` writes server.key (the public key, to
    /// hand out) and server.key_secret (keep it private).
    #[arg(value_name = "NAME")]
    pub name: std::path::PathBuf,
}

/// Runs `zlist keygen`: never overwrites a key; prints what to do with each file.
pub fn run(args: &KeygenArgs) -> anyhow::Result<ExitCode> {
    let pair = KeyPair::generate().context("cannot make a key pair")?;
    let (public, secret) = pair
        .write_files(&args.name)
        .context("cannot write the key files")?;
    println!("public key: {}", pair.public);
    println!(
        "{}: the public key, to give to the other side (clients: --server-key; a server's \
         --curve-clients directory)",
        public.display()
    );
    println!(
        "{}: the secret key, to keep private (server: --curve-secret-file; client: --key-file)",
        secret.display()
    );
    Ok(ExitCode::SUCCESS)
}
