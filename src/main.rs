//! The `zlist` command: the desktop app, the headless server and the terminal clients.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use zlist::net::list::RemoteList;
use zlist::net::server::{DEFAULT_BIND, Publish, Server, ServerConfig};
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
    /// Measure round trips against a bare libzmq echo, and large lists (see docs/benchmarks.md).
    Bench(zlist::bench::cli::BenchArgs),
    /// Send one request and print the reply (exit 0 success, 1 error reply, 2 no server).
    Send(zlist::cli::send::SendArgs),
    /// The seed client's numbered menu in the terminal; other input is sent as a raw command.
    Shell(zlist::cli::shell::ShellArgs),
    /// Show a server's health: uptime, clients, list size, requests (exit 0 healthy, 1 no
    /// status, 2 no server).
    Status(zlist::cli::status::StatusArgs),
    /// Make a CURVE key pair (NAME.key, NAME.key_secret) for encrypted connections.
    Keygen(zlist::cli::keygen::KeygenArgs),
}

#[derive(Debug, Args)]
struct ServerArgs {
    /// Address to listen on: tcp://HOST:PORT (0.0.0.0 = every interface, port 0 = any free port).
    #[arg(long, default_value = DEFAULT_BIND, env = "ZLIST_BIND")]
    bind: String,

    /// Largest request, in bytes, answered with a reply.
    #[arg(long, default_value_t = DEFAULT_MAX_REQUEST_BYTES, value_name = "BYTES")]
    max_request_bytes: usize,

    /// Data directory where the list is kept [default: the platform's data directory, e.g.
    /// ~/.local/share/zlist on Linux]. Only one server may use a directory at a time.
    #[arg(
        long,
        value_name = "DIR",
        env = "ZLIST_DATA",
        conflicts_with = "memory"
    )]
    data: Option<std::path::PathBuf>,

    /// Keep the list in memory only, as the seed does: it is lost when the server stops.
    #[arg(long)]
    memory: bool,

    /// When the journal is flushed to disk: always (no acknowledged change lost even on
    /// power loss), everysec (at most about a second lost on power loss), never (the OS
    /// decides). A killed server loses nothing acknowledged with any of them.
    #[arg(long, value_enum, default_value_t = FsyncArg::Everysec, value_name = "POLICY")]
    fsync: FsyncArg,

    #[command(flatten)]
    token: zlist::cli::TokenArgs,

    /// Encrypt with CURVE, with the server's secret key file (NAME.key_secret from `zlist
    /// keygen`); clients then need the public key (--server-key). Excludes a token.
    #[arg(
        long,
        value_name = "FILE",
        env = "ZLIST_CURVE_SECRET_FILE",
        conflicts_with_all = ["token", "token_file"]
    )]
    curve_secret_file: Option<std::path::PathBuf>,

    /// With CURVE, admit only these client keys: a directory of .key files, or a file with
    /// one public key per line [default: any client that has the server's public key].
    #[arg(
        long,
        value_name = "DIR|FILE",
        env = "ZLIST_CURVE_CLIENTS",
        requires = "curve_secret_file"
    )]
    curve_clients: Option<std::path::PathBuf>,

    /// Admit only clients from these networks, comma-separated (e.g. 10.0.0.0/8,192.0.2.7).
    #[arg(long, value_name = "CIDR,...", env = "ZLIST_ALLOW")]
    allow: Option<String>,

    /// Serve every address with no token, on a non-loopback bind (turns protected mode off:
    /// anyone who reaches the port can read and wipe the list).
    #[arg(long)]
    insecure: bool,

    /// Most elements the list may hold.
    #[arg(long, default_value_t = zlist::net::service::DEFAULT_MAX_ELEMENTS, value_name = "N")]
    max_elements: usize,

    /// Largest element accepted, in bytes.
    #[arg(long, default_value_t = zlist::net::service::DEFAULT_MAX_ELEMENT_BYTES, value_name = "BYTES")]
    max_element_bytes: usize,

    /// Where to publish live updates (PUB/SUB): tcp://HOST:PORT, or off [default: the
    /// --bind address one port up, e.g. tcp://0.0.0.0:1235; port 0 with a --bind port 0].
    #[arg(long, value_name = "ENDPOINT|off", env = "ZLIST_PUBLISH", value_parser = parse_publish)]
    publish: Option<Publish>,
}

/// Reads `--publish`: `off`, or an address to bind the publisher to.
fn parse_publish(text: &str) -> Result<Publish, String> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(Publish::Off);
    }
    zlist::net::endpoint::normalize(text, zlist::net::endpoint::Role::Bind)
        .map(Publish::Endpoint)
        .map_err(|error| format!("{error}; or `off` for no live updates"))
}

/// Who may use the server, from `--token`, `--allow` and `--insecure`, with the operator
/// told at start what that means.
fn server_access(args: &ServerArgs) -> anyhow::Result<zlist::net::access::AccessPolicy> {
    use zlist::net::access::{AccessPolicy, parse_allow_list};
    let token = args
        .token
        .resolve()
        .context("cannot read the access token")?;
    let allow = match &args.allow {
        Some(list) => parse_allow_list(list).context("invalid --allow")?,
        None => Vec::new(),
    };
    let mut policy = AccessPolicy::for_bind(&args.bind, token, allow, args.insecure);
    if let Some(path) = &args.curve_secret_file {
        policy = policy.with_curve(server_curve(path, args.curve_clients.as_deref())?);
    }
    if policy.loopback_only {
        tracing::warn!(
            "protected mode: {} is not a loopback address and no token is set, so only \
             clients on this machine are served. To open it to others, set a token \
             (--token-file FILE or ZLIST_TOKEN) and give it to your clients, or admit CURVE \
             client keys (--curve-clients), or, knowing that \
             anyone who reaches the port can then read and wipe the list, pass --insecure",
            args.bind
        );
    } else if policy.needs_plain() {
        tracing::info!("clients must present the access token (ZeroMQ PLAIN mechanism)");
    } else if args.insecure {
        tracing::warn!(
            "--insecure: no token, every address admitted: anyone who reaches {} can read and \
             wipe the list",
            args.bind
        );
    }
    if !policy.allow.is_empty() {
        tracing::info!(
            "only clients from {} are admitted",
            args.allow.as_deref().unwrap_or_default()
        );
    }
    if policy.curve.is_none() {
        tracing::info!(
            "encryption (CURVE): {}",
            if zlist::net::curve::available() {
                "available in this build, off (--curve-secret-file turns it on)"
            } else {
                "not in this build (scripts/curve.sh build makes one that has it)"
            }
        );
    }
    if policy.needs_plain() {
        tracing::warn!(
            "the token and the list cross the network unencrypted (this libzmq build has \
             CURVE: {}); encrypt with --curve-secret-file, or use an SSH tunnel \
             (docs/deploy-ec2.md)",
            zlist::net::curve::available()
        );
    }
    Ok(policy)
}

/// The server's CURVE keys and the client keys it admits, told to the operator.
fn server_curve(
    secret_file: &std::path::Path,
    clients: Option<&std::path::Path>,
) -> anyhow::Result<zlist::net::curve::ServerKeys> {
    use zlist::net::curve::{self, KeyPair, ServerKeys};
    if !curve::available() {
        anyhow::bail!(
            "--curve-secret-file: this zlist cannot encrypt (its libzmq has no CURVE); {}",
            curve::HOW_TO_GET_CURVE
        );
    }
    let keys = KeyPair::from_secret_file(secret_file).context("invalid --curve-secret-file")?;
    let clients = clients
        .map(curve::load_authorized)
        .transpose()
        .context("invalid --curve-clients")?;
    tracing::info!(
        "traffic is encrypted (CURVE); clients connect with --server-key {}",
        keys.public
    );
    match &clients {
        Some(clients) => tracing::info!("{} client keys admitted", clients.len()),
        None => tracing::info!(
            "any client that has the server's public key is admitted (--curve-clients limits \
             that to listed keys)"
        ),
    }
    Ok(ServerKeys { keys, clients })
}

/// `--fsync`'s choices, as Redis's `appendfsync`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FsyncArg {
    /// Flush every change before its reply.
    Always,
    /// Flush about once a second.
    Everysec,
    /// Leave flushing to the operating system.
    Never,
}

impl From<FsyncArg> for zlist::net::store::FsyncPolicy {
    fn from(arg: FsyncArg) -> Self {
        match arg {
            FsyncArg::Always => Self::Always,
            FsyncArg::Everysec => Self::EverySec,
            FsyncArg::Never => Self::Never,
        }
    }
}

/// Where `zlist server` keeps its list, from `--memory`, `--data` and `--fsync`.
fn server_storage(args: &ServerArgs) -> anyhow::Result<zlist::net::store::Storage> {
    use zlist::net::store::{DiskOptions, Storage};
    if args.memory {
        return Ok(Storage::Memory);
    }
    let dir = match &args.data {
        Some(dir) => dir.clone(),
        None => Storage::default_dir().context(
            "cannot tell where the platform's data directory is (no home directory?): \
             choose one with --data DIR, or use --memory",
        )?,
    };
    let mut options = DiskOptions::new(dir);
    options.fsync = args.fsync.into();
    Ok(Storage::Disk(options))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The benchmarks run servers in this process: their per-request log would be measured.
    // The desktop app installs its own logging (stderr and its debug console).
    if cli.command.is_some() {
        init_logging(cli.quiet || matches!(cli.command, Some(Command::Bench(_))));
    }
    let result = match cli.command {
        Some(Command::Server(args)) => run_server(args),
        Some(Command::Bench(args)) => zlist::bench::cli::run(&args).map(|()| ExitCode::SUCCESS),
        Some(Command::Send(args)) => zlist::cli::send::run(args),
        Some(Command::Shell(args)) => zlist::cli::shell::run(args),
        Some(Command::Status(args)) => zlist::cli::status::run(args),
        Some(Command::Keygen(args)) => zlist::cli::keygen::run(&args),
        None => zlist::ui::run(cli.quiet),
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
        // Colours for a person at a terminal; none in a log file or the journal.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn run_server(args: ServerArgs) -> anyhow::Result<ExitCode> {
    let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(1);
    ctrlc::set_handler(move || {
        let _ = stop_tx.try_send(());
    })
    .context("cannot install the Ctrl-C/SIGTERM handler")?;

    let storage = server_storage(&args)?;
    if storage == zlist::net::store::Storage::Memory {
        tracing::info!(
            "the list is kept in memory only (--memory): it is lost when the server stops"
        );
    }
    let access = server_access(&args)?;
    let config = ServerConfig {
        bind: args.bind,
        max_request_bytes: args.max_request_bytes,
        storage,
        access,
        limits: zlist::net::service::Limits {
            max_elements: args.max_elements,
            max_element_bytes: args.max_element_bytes,
        },
        publish: args.publish.unwrap_or(Publish::NextPort),
        skip_every_nth_update: None,
    };
    let server = Server::start(config, RemoteList::default()).context("cannot start the server")?;
    tracing::info!(
        "zlist server ready on {}; stop it with Ctrl-C",
        server.endpoint()
    );
    match server.publish_endpoint() {
        Some(publish) => tracing::info!(
            "live updates published on {publish} (open this port too for remote clients; \
             without it they fall back to refreshing)"
        ),
        None => tracing::info!("live updates are off: clients refresh by asking (mostrar)"),
    }
    // Either a signal arrived or the handler is gone; both mean stop.
    let _ = stop_rx.recv();
    tracing::info!("stopping");
    server.stop().context("the server stopped with an error")?;
    Ok(ExitCode::SUCCESS)
}
