//! `zlist server`: the headless list server's options, what they mean for access,
//! encryption and storage (told to the operator at start), and its run until a signal.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;

use crate::net::backend::redis::{RedisOptions, RedisTarget};
use crate::net::list::RemoteList;
use crate::net::server::{DEFAULT_BIND, Publish, Server, ServerConfig};
use crate::net::service::DEFAULT_MAX_REQUEST_BYTES;

/// The options of `zlist server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
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
    token: crate::cli::TokenArgs,

    /// A file whose first line is a second, read-only token: clients that present it may
    /// show and search the list and follow its live updates, and every change they send
    /// gets an error reply. Needs a token (--token-file) beside it.
    #[arg(long, value_name = "FILE", env = "ZLIST_READ_TOKEN_FILE")]
    read_token_file: Option<std::path::PathBuf>,

    /// Encrypt with CURVE, with this secret key file (NAME.key_secret from `zlist keygen`)
    /// instead of the data directory's key pair. A token still works: it is checked inside
    /// the encrypted connection.
    #[arg(long, value_name = "FILE", env = "ZLIST_CURVE_SECRET_FILE")]
    curve_secret_file: Option<std::path::PathBuf>,

    /// Encrypt, and admit only these client keys (and clients with the token, if one is
    /// set): a directory of .key files, or a file with one public key per line [default:
    /// any client that has the server's public key].
    #[arg(long, value_name = "DIR|FILE", env = "ZLIST_CURVE_CLIENTS")]
    curve_clients: Option<std::path::PathBuf>,

    /// Admit only clients from these networks, comma-separated (e.g. 10.0.0.0/8,192.0.2.7).
    #[arg(long, value_name = "CIDR,...", env = "ZLIST_ALLOW")]
    allow: Option<String>,

    /// On a non-loopback bind, keep the seed's plain, unencrypted port (for its Python
    /// clients) and, with no token, serve every address (protected mode off: anyone who
    /// reaches the port can read and wipe the list).
    #[arg(long, conflicts_with_all = ["encrypt", "curve_secret_file", "curve_clients"])]
    insecure: bool,

    /// Most elements the list may hold.
    #[arg(long, default_value_t = crate::net::service::DEFAULT_MAX_ELEMENTS, value_name = "N")]
    max_elements: usize,

    /// Largest element accepted, in bytes.
    #[arg(long, default_value_t = crate::net::service::DEFAULT_MAX_ELEMENT_BYTES, value_name = "BYTES")]
    max_element_bytes: usize,

    /// Encrypt with CURVE even on a loopback address (a server bound to any other address
    /// encrypts unless --insecure), with the server's key pair from the data directory
    /// (made on the first start) or --curve-secret-file.
    #[arg(long, env = "ZLIST_ENCRYPT")]
    encrypt: bool,

    /// Most bytes the list may hold (the UTF-8 bytes of all its elements, as `zlist
    /// status` counts them); past it `append` and `insert` get an error reply, reads go on
    /// [default: a quarter of this machine's physical memory, read from /proc/meminfo on
    /// Linux; 1 GiB where it cannot be read].
    #[arg(long, value_name = "BYTES")]
    max_list_bytes: Option<usize>,

    /// Most bytes of replies waiting to be sent to one client (one that does not read
    /// them); past it, that client's requests wait until it reads. A client with nothing
    /// waiting is always answered, whatever the reply's size.
    #[arg(long, default_value_t = crate::net::server::DEFAULT_MAX_QUEUED_PER_CLIENT, value_name = "BYTES")]
    max_queued_client_bytes: usize,

    /// Most bytes of replies waiting to be sent, every client together; past it, clients
    /// that already have a reply waiting get no more until it is sent.
    #[arg(long, default_value_t = crate::net::server::DEFAULT_MAX_QUEUED, value_name = "BYTES")]
    max_queued_bytes: usize,

    /// Where to publish live updates (PUB/SUB): tcp://HOST:PORT, or off [default: the
    /// --bind address one port up, e.g. tcp://0.0.0.0:1235; port 0 with a --bind port 0].
    #[arg(long, value_name = "ENDPOINT|off", env = "ZLIST_PUBLISH", value_parser = parse_publish)]
    publish: Option<Publish>,

    /// Keep the list in Redis or Valkey instead of this process, so that any number of
    /// zlist servers serve one list: redis://[USER:PASS@]HOST:PORT[/DB], or rediss:// for
    /// TLS. The server then keeps nothing of the list itself (--data only holds its key).
    #[arg(long, value_name = "URL", env = "ZLIST_REDIS", conflicts_with_all = ["memory", "redis_sentinel"])]
    redis: Option<String>,

    /// The list's name in Redis: its keys are {NAME}:list, {NAME}:version, ... (one hash
    /// slot), so several lists can share one Redis.
    #[arg(long, value_name = "NAME", default_value = crate::net::backend::redis::DEFAULT_KEY, env = "ZLIST_REDIS_KEY")]
    redis_key: String,

    /// Find the Redis primary through these Sentinels (comma-separated HOST:PORT), and
    /// follow it to a new primary after a failover. Needs --redis-master.
    #[arg(
        long,
        value_name = "HOST:PORT,...",
        env = "ZLIST_REDIS_SENTINEL",
        requires = "redis_master",
        conflicts_with = "memory"
    )]
    redis_sentinel: Option<String>,

    /// The primary's name in the Sentinels' configuration (`sentinel monitor NAME ...`).
    #[arg(
        long,
        value_name = "NAME",
        env = "ZLIST_REDIS_MASTER",
        requires = "redis_sentinel"
    )]
    redis_master: Option<String>,

    /// Before replying to a change, wait until this many Redis replicas have it (Redis
    /// WAIT); a change too few replicas confirm in time gets an error reply saying so.
    #[arg(long, value_name = "N")]
    redis_wait: Option<usize>,

    /// How long --redis-wait waits for the replicas, in milliseconds.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 1000,
        requires = "redis_wait"
    )]
    redis_wait_timeout: u64,
}

/// The Redis store `--redis` or `--redis-sentinel` asks for, if any.
fn server_redis(args: &ServerArgs) -> anyhow::Result<Option<RedisOptions>> {
    let target = match (&args.redis, &args.redis_sentinel, &args.redis_master) {
        (Some(url), _, _) => RedisTarget::Url(url.trim().to_owned()),
        (None, Some(sentinels), Some(master)) => {
            let sentinels: Vec<String> = sentinels
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            anyhow::ensure!(
                !sentinels.is_empty(),
                "--redis-sentinel needs at least one HOST:PORT"
            );
            RedisTarget::Sentinel {
                sentinels,
                master: master.clone(),
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(RedisOptions {
        target,
        key: args.redis_key.clone(),
        wait: args.redis_wait.map(|replicas| {
            (
                replicas,
                std::time::Duration::from_millis(args.redis_wait_timeout),
            )
        }),
    }))
}

/// Reads `--publish`: `off`, or an address to bind the publisher to.
fn parse_publish(text: &str) -> Result<Publish, String> {
    if text.trim().eq_ignore_ascii_case("off") {
        return Ok(Publish::Off);
    }
    crate::net::endpoint::normalize(text, crate::net::endpoint::Role::Bind)
        .map(Publish::Endpoint)
        .map_err(|error| format!("{error}; or `off` for no live updates"))
}

/// Who may use the server, from `--token`, `--allow`, `--insecure` and the encryption
/// options, with the operator told at start what that means.
fn server_access(
    args: &ServerArgs,
    storage: &crate::net::store::Storage,
) -> anyhow::Result<crate::net::access::AccessPolicy> {
    use crate::net::access::{AccessPolicy, Token, is_loopback_bind, parse_allow_list};
    let token = args
        .token
        .resolve()
        .context("cannot read the access token")?;
    let allow = match &args.allow {
        Some(list) => parse_allow_list(list).context("invalid --allow")?,
        None => Vec::new(),
    };
    let mut policy = AccessPolicy::for_bind(&args.bind, token, allow, args.insecure);
    if let Some(path) = &args.read_token_file {
        let read_token = Token::from_file(path)
            .context("cannot read the read-only token")?
            .with_context(|| format!("the read-only token file {} is empty", path.display()))?;
        policy = policy.with_read_token(read_token).context(
            "invalid --read-token-file (give the token that may change the list with \
             --token-file FILE or ZLIST_TOKEN)",
        )?;
        tracing::info!("clients with the read-only token may read but not change the list");
    }
    // Encrypted by default beyond loopback; --insecure keeps the seed's plain port.
    let encrypt = args.curve_secret_file.is_some()
        || args.curve_clients.is_some()
        || args.encrypt
        || (!args.insecure && !is_loopback_bind(&args.bind));
    if encrypt {
        policy = policy
            .with_curve(server_curve(args, storage)?)
            .context("cannot check tokens over CURVE")?;
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
    } else if policy.token_key.is_some() {
        tracing::info!(
            "clients must present the access token; it is checked inside the encrypted \
             CURVE handshake and never crosses the network"
        );
    } else if policy.needs_plain() {
        tracing::info!("clients must present the access token (ZeroMQ PLAIN mechanism)");
    } else if policy.curve.as_ref().is_some_and(|c| c.clients.is_none()) {
        tracing::info!(
            "any client that has the server's public key is admitted (a token or \
             --curve-clients would ask for more)"
        );
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
    if policy.curve.is_none() && !is_loopback_bind(&args.bind) {
        tracing::warn!(
            "--insecure: the {} and the list cross the network unencrypted, as the seed's \
             Python clients need; without --insecure the server encrypts (CURVE), or use an \
             SSH tunnel (docs/deploy-ec2.md)",
            if policy.needs_plain() {
                "token"
            } else {
                "requests"
            }
        );
    } else if policy.curve.is_none() {
        tracing::info!("encryption (CURVE): off on this loopback address (--encrypt turns it on)");
    }
    Ok(policy)
}

/// The server's CURVE keys (from `--curve-secret-file`, else the data directory's key pair,
/// made on the first start) and the client keys it admits, told to the operator.
fn server_curve(
    args: &ServerArgs,
    storage: &crate::net::store::Storage,
) -> anyhow::Result<crate::net::curve::ServerKeys> {
    use crate::net::curve::{self, KeyPair, ServerKeys};
    use crate::net::server_key::{self, Origin};
    let keys = match (&args.curve_secret_file, storage) {
        (Some(path), _) => {
            KeyPair::from_secret_file(path).context("invalid --curve-secret-file")?
        }
        (None, storage) => {
            let (keys, origin) = server_key::for_storage(storage)
                .context("cannot read or make the server's key pair")?;
            match origin {
                Origin::Created(secret) => tracing::info!(
                    "made the server's key pair on this first start: {} (private, keep it) \
                     and its public key beside it",
                    secret.display()
                ),
                Origin::Loaded(secret) => {
                    tracing::info!("the server's key pair: {}", secret.display());
                }
                Origin::ThisRun => tracing::warn!(
                    "--memory: a new key pair for this run only (nothing is written to disk), \
                     so clients that trusted an earlier run will be told its key changed; for \
                     a key that lasts, use a data directory (--data) or --curve-secret-file"
                ),
            }
            keys
        }
    };
    let clients = args
        .curve_clients
        .as_deref()
        .map(curve::load_authorized)
        .transpose()
        .context("invalid --curve-clients")?;
    tracing::info!(
        "traffic is encrypted (CURVE); server key {} (fingerprint {}); clients check it on \
         first contact, or are given it with --server-key",
        keys.public,
        keys.public.fingerprint()
    );
    if let Some(clients) = &clients {
        tracing::info!("{} client keys admitted", clients.len());
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

impl From<FsyncArg> for crate::net::store::FsyncPolicy {
    fn from(arg: FsyncArg) -> Self {
        match arg {
            FsyncArg::Always => Self::Always,
            FsyncArg::Everysec => Self::EverySec,
            FsyncArg::Never => Self::Never,
        }
    }
}

/// Where `zlist server` keeps its list, from `--memory`, `--data` and `--fsync`.
fn server_storage(args: &ServerArgs) -> anyhow::Result<crate::net::store::Storage> {
    use crate::net::store::{DiskOptions, Storage};
    // With Redis, a data directory (only for the server's key) is used when given.
    if args.memory
        || (args.data.is_none() && (args.redis.is_some() || args.redis_sentinel.is_some()))
    {
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

/// Runs `zlist server` until Ctrl-C or SIGTERM.
pub fn run(args: ServerArgs) -> anyhow::Result<ExitCode> {
    let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(1);
    ctrlc::set_handler(move || {
        let _ = stop_tx.try_send(());
    })
    .context("cannot install the Ctrl-C/SIGTERM handler")?;

    let storage = server_storage(&args)?;
    let redis = server_redis(&args)?;
    if redis.is_none() && storage == crate::net::store::Storage::Memory {
        tracing::info!(
            "the list is kept in memory only (--memory): it is lost when the server stops"
        );
    }
    let access = server_access(&args, &storage)?;
    let config = ServerConfig {
        bind: args.bind,
        max_request_bytes: args.max_request_bytes,
        storage,
        redis,
        access,
        limits: crate::net::service::Limits {
            max_elements: args.max_elements,
            max_element_bytes: args.max_element_bytes,
            max_list_bytes: args
                .max_list_bytes
                .unwrap_or_else(crate::net::service::default_max_list_bytes),
        },
        reply_budgets: crate::net::server::Budgets {
            per_client: args.max_queued_client_bytes,
            total: args.max_queued_bytes,
        },
        publish: args.publish.unwrap_or(Publish::NextPort),
        ..ServerConfig::default()
    };
    let server = Server::start(config, RemoteList::default()).context("cannot start the server")?;
    tracing::info!(
        "zlist server ready on {}; stop it with Ctrl-C",
        server.endpoint()
    );
    if let Some(key_endpoint) = server.key_endpoint() {
        tracing::info!(
            "the server's public key is served on {key_endpoint} for clients to trust on \
             first use (open this port too, or give clients the key with --server-key)"
        );
    }
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
