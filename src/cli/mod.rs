//! The terminal clients, `zlist send` and `zlist shell`, on top of the client engine
//! ([`crate::net::client`]), with the options they share.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use crossbeam_channel::{Receiver, RecvTimeoutError};

use crate::net::access::{AccessError, TOKEN_ENV, TOKEN_FILE_ENV, Token};
use crate::net::client::{
    self, ClientEvent, ClientOptions, DEFAULT_ENDPOINT, DEFAULT_TRIES, DebugLine, ENDPOINT_ENV,
    Reply, RequestFailure, RequestId,
};
use crate::net::curve::{ClientKeys, CurveKey, KEY_FILE_ENV, KeyPair, SERVER_KEY_ENV};
use crate::net::endpoint::{self, Role};
use crate::net::known_servers::{self, KNOWN_SERVERS_ENV, KnownServers, TrustError};

pub mod forget;
pub mod keygen;
pub mod logging;
pub mod send;
pub mod server;
pub mod shell;
pub mod status;
pub mod version;

/// The longest `--timeout` accepted, in seconds (an hour).
const MAX_TIMEOUT_SECS: f64 = 3600.0;

/// Where the server is and how patiently to wait for it.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// The server to talk to: tcp://HOST:PORT (or HOST:PORT); or several servers of one
    /// list separated by commas (tcp://a:1234,tcp://b:1234), each tried in turn when the one
    /// in use does not answer.
    #[arg(long, value_name = "tcp://HOST:PORT[,...]", env = ENDPOINT_ENV, default_value = DEFAULT_ENDPOINT)]
    pub connect: String,

    /// Seconds to wait for each reply before trying again (e.g. 2.5 or 0.3).
    #[arg(long, value_name = "SECONDS", default_value = "2.5", value_parser = parse_seconds)]
    pub timeout: Duration,

    /// How many times a request is tried before giving up (1 to 100), at each server of
    /// --connect.
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_TRIES,
        value_parser = clap::value_parser!(u32).range(1..=100)
    )]
    pub tries: u32,

    /// The access token, if the server wants one.
    #[command(flatten)]
    pub token: TokenArgs,

    /// CURVE encryption, if the server uses it.
    #[command(flatten)]
    pub curve: CurveArgs,
}

/// CURVE encryption: the server's key, pinned or trusted on first use.
#[derive(Debug, Clone, Args)]
pub struct CurveArgs {
    /// The server's public key (40 characters of Z85, which the server logs at start) or
    /// the path of its .key file: pins it, instead of the key remembered for the server
    /// or learned on first contact.
    #[arg(long, value_name = "KEY|FILE", env = SERVER_KEY_ENV)]
    pub server_key: Option<String>,

    /// This client's secret key file (NAME.key_secret from `zlist keygen`), for a server that
    /// admits only listed client keys [default: a new key pair for this run].
    #[arg(long, value_name = "FILE", env = KEY_FILE_ENV, conflicts_with_all = ["token", "token_file"])]
    pub key_file: Option<std::path::PathBuf>,

    /// Trust a server this client has not seen before without asking, and remember its key
    /// (for scripts; a terminal asks instead). A known server whose key changed is refused
    /// all the same.
    #[arg(long)]
    pub trust_new: bool,

    /// The file of servers this client trusts [default: known_servers in the platform's
    /// config directory, e.g. ~/.config/zlist/known_servers].
    #[arg(long, value_name = "FILE", env = KNOWN_SERVERS_ENV)]
    pub known_servers: Option<std::path::PathBuf>,
}

impl CurveArgs {
    /// The CURVE keys to use with the server at `endpoint`: the pinned key, else the key
    /// remembered for it or learned on first contact (asked on a terminal, or trusted with
    /// --trust-new); `None` for a server that does not encrypt. Several servers (a list
    /// separated by commas) must share one key, or all not encrypt.
    pub fn resolve(&self, endpoint: &str, timeout: Duration) -> anyhow::Result<Option<ClientKeys>> {
        let server = match &self.server_key {
            Some(key) => CurveKey::from_text_or_file(key).context("invalid --server-key")?,
            None => match self.shared_key(endpoint, timeout)? {
                Some(key) => key,
                None => return Ok(None),
            },
        };
        let own = match &self.key_file {
            Some(path) => KeyPair::from_secret_file(path).context("invalid --key-file")?,
            None => KeyPair::generate().context("cannot encrypt")?,
        };
        Ok(Some(ClientKeys { server, own }))
    }

    /// The known-servers file to use.
    fn known(&self) -> anyhow::Result<KnownServers> {
        match &self.known_servers {
            Some(path) => KnownServers::open(path),
            None => KnownServers::open_default(),
        }
        .context("cannot read the servers this client trusts")
    }

    /// Trust on first use for each server of the list: their one key, or `None` when none
    /// encrypts; servers with different keys (or some without one) are refused, naming them.
    fn shared_key(&self, connect: &str, timeout: Duration) -> anyhow::Result<Option<CurveKey>> {
        let timeout = timeout.min(known_servers::DISCOVERY_TIMEOUT);
        if !connect.contains(endpoint::LIST_SEPARATOR) {
            // One server, checked as it always was.
            return self.trusted_key(connect, timeout);
        }
        let endpoints =
            endpoint::normalize_list(connect, Role::Connect).context("invalid --connect")?;
        if let [one] = endpoints.as_slice() {
            return self.trusted_key(one, timeout);
        }
        let mut keys = Vec::with_capacity(endpoints.len());
        for endpoint in &endpoints {
            keys.push(self.trusted_key(endpoint, timeout)?);
        }
        if keys.windows(2).all(|pair| pair[0] == pair[1]) {
            return Ok(keys.first().copied().flatten());
        }
        let each = endpoints
            .iter()
            .zip(&keys)
            .map(|(endpoint, key)| match key {
                Some(key) => format!("{endpoint} has key {}", key.fingerprint()),
                None => format!("{endpoint} does not encrypt"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        anyhow::bail!(
            "the servers of --connect do not share one CURVE key ({each}); servers of one list \
             that clients fail over between need the same key pair (zlist server \
             --curve-secret-file), or give it with --server-key"
        )
    }

    /// Trust on first use: the server's key, checked against the known servers.
    fn trusted_key(&self, endpoint: &str, timeout: Duration) -> anyhow::Result<Option<CurveKey>> {
        let mut known = self.known()?;
        match known_servers::resolve(endpoint, &known, timeout) {
            Ok(key) => Ok(key),
            Err(TrustError::Unknown { server, key }) => {
                if !self.trust_new && !confirm_new_server(&server, &key)? {
                    anyhow::bail!(
                        "the server {server} is new to this client and was not trusted (its \
                         key's fingerprint is {}); to trust it, answer yes on a terminal, or \
                         pass --trust-new (scripts), or give its key with --server-key",
                        key.fingerprint()
                    );
                }
                known
                    .remember(&server, key)
                    .context("cannot remember the server's key")?;
                eprintln!(
                    "zlist: trusting {server} (key fingerprint {}) from now on; remembered in {}",
                    key.fingerprint(),
                    known
                        .path()
                        .map_or_else(String::new, |p| p.display().to_string())
                );
                Ok(Some(key))
            }
            Err(error) => Err(anyhow::Error::new(error)),
        }
    }
}

/// Asks on the terminal whether to trust a new server; `false` without a terminal.
fn confirm_new_server(server: &str, key: &CurveKey) -> anyhow::Result<bool> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return Ok(false);
    }
    let mut stderr = std::io::stderr().lock();
    write!(
        stderr,
        "The server {server} is new to this client. Its key's fingerprint is\n    {}\n\
         Compare it with the one the server shows (its log at start, or `zlist status` on \
         the server's machine).\nTrust this server and remember its key? [y/N] ",
        key.fingerprint()
    )
    .and_then(|()| stderr.flush())
    .context("cannot ask on the terminal")?;
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .context("cannot read the answer")?;
    Ok(matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "yes" | "s" | "sim"
    ))
}

/// The shared secret, from the command line, the environment or a file.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The access token (prefer ZLIST_TOKEN or --token-file: the command line is visible to
    /// other users and kept in the shell history).
    #[arg(long, value_name = "SECRET", env = TOKEN_ENV, hide_env_values = true, conflicts_with = "token_file")]
    pub token: Option<String>,

    /// A file whose first line is the access token.
    #[arg(long, value_name = "FILE", env = TOKEN_FILE_ENV)]
    pub token_file: Option<std::path::PathBuf>,
}

impl TokenArgs {
    /// The token given, if any; an unreadable token file is an error.
    pub fn resolve(&self) -> Result<Option<Token>, AccessError> {
        match (&self.token, &self.token_file) {
            (Some(text), _) => Ok(Token::new(text)),
            (None, Some(path)) => Token::from_file(path),
            (None, None) => Ok(None),
        }
    }
}

impl ConnectArgs {
    /// The client engine's options for these arguments, with the server's key trusted (see
    /// [`CurveArgs::resolve`]); fails on an unreadable token or key file, a key that is no
    /// key, a new server not trusted, or a server whose key changed.
    pub fn options(&self) -> anyhow::Result<ClientOptions> {
        Ok(ClientOptions {
            endpoint: self.connect.clone(),
            timeout: self.timeout,
            tries: self.tries,
            token: self
                .token
                .resolve()
                .context("cannot read the access token")?,
            curve: self.curve.resolve(&self.connect, self.timeout)?,
            live: false,
        })
    }
}

/// Reads `--timeout`: seconds, fractions allowed, more than 0 and at most an hour.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let expected = format!(
        "expected a number of seconds greater than 0 and at most {MAX_TIMEOUT_SECS}, such as 2.5"
    );
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number: {expected}"))?;
    if !(seconds > 0.0 && seconds <= MAX_TIMEOUT_SECS) {
        return Err(format!("{text:?} is out of range: {expected}"));
    }
    let duration = Duration::from_secs_f64(seconds);
    if duration < Duration::from_millis(1) {
        return Err(format!("{text:?} is under a millisecond: {expected}"));
    }
    Ok(duration)
}

/// Where a terminal client's user gives what a server that refused wants, in English:
/// the flags and variables behind a refusal (the library's error names no flags).
fn flag_hint(failure: &RequestFailure) -> Option<&'static str> {
    match failure {
        RequestFailure::Refused { .. } => Some(
            "give the token with --token, ZLIST_TOKEN or --token-file; for CURVE, a client key \
             the server admits with --key-file",
        ),
        RequestFailure::HandshakeFailed { .. } => Some(
            "give the token with --token, ZLIST_TOKEN or --token-file; for CURVE, the server's \
             key with --server-key, or open its key port (the request port + 2) for this \
             client to learn it",
        ),
        RequestFailure::NoReply { .. }
        | RequestFailure::ChangeNotRetried { .. }
        | RequestFailure::Stopped => None,
    }
}

/// The same advice in Portuguese, for `zlist shell`.
pub(crate) fn flag_hint_pt(failure: &RequestFailure) -> Option<&'static str> {
    match failure {
        RequestFailure::Refused { .. } => Some(
            "informe o token com --token, ZLIST_TOKEN ou --token-file; para CURVE, uma chave \
             de cliente que o servidor admite com --key-file",
        ),
        RequestFailure::HandshakeFailed { .. } => Some(
            "informe o token com --token, ZLIST_TOKEN ou --token-file; para CURVE, a chave do \
             servidor com --server-key, ou abra a porta da chave (a porta dos pedidos + 2) \
             para este cliente conhecê-la",
        ),
        RequestFailure::NoReply { .. }
        | RequestFailure::ChangeNotRetried { .. }
        | RequestFailure::Stopped => None,
    }
}

/// A failed request as `zlist send` and `zlist status` report it on stderr: the failure,
/// then (for a refusal) which flags give what the server wants.
pub(crate) fn failure_text(failure: &RequestFailure) -> String {
    match flag_hint(failure) {
        Some(hint) => format!("zlist: {failure} ({hint})"),
        None => format!("zlist: {failure}"),
    }
}

/// How a request ended, as the terminal clients see it.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The server answered (or the worker answered for a seed server that would crash).
    Reply(Reply),
    /// No reply.
    Failed(RequestFailure),
    /// The worker said nothing in time, or stopped: a bug, reported as such.
    Lost,
}

/// The longest a request can take: every try, at every server of the list, may wait twice
/// (`zlist.hello`, then the request), plus slack.
pub(crate) fn request_bound(options: &ClientOptions) -> Duration {
    let servers = endpoint::normalize_list(&options.endpoint, Role::Connect)
        .map_or(1, |list| u32::try_from(list.len()).unwrap_or(u32::MAX));
    options
        .timeout
        .saturating_mul(options.tries.saturating_mul(servers).saturating_mul(2))
        .saturating_add(Duration::from_secs(5))
}

/// Sends one request text with a fresh client and waits for it to end; with `verbose`,
/// the debug trail goes to stderr on the way.
pub(crate) fn ask_once(
    connection: &ConnectArgs,
    text: String,
    verbose: bool,
) -> anyhow::Result<Outcome> {
    let options = connection.options()?;
    let bound = request_bound(&options);
    let (handle, events) =
        client::spawn(options, Box::new(|| {})).context("cannot start the client")?;
    let id = handle.send_text(text);
    Ok(wait_for(&events, id, bound, |event| {
        if verbose && let ClientEvent::Debug(line) = event {
            eprintln!("{}", format_debug(line));
        }
    }))
}

/// Waits for request `id` to end, showing every other event to `seen` on the way.
pub(crate) fn wait_for(
    events: &Receiver<ClientEvent>,
    id: RequestId,
    bound: Duration,
    mut seen: impl FnMut(&ClientEvent),
) -> Outcome {
    let deadline = Instant::now() + bound;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = match events.recv_timeout(left) {
            Ok(event) => event,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                return Outcome::Lost;
            }
        };
        seen(&event);
        match event {
            ClientEvent::Reply(reply) if reply.id == id => return Outcome::Reply(reply),
            ClientEvent::Failed {
                id: failed, error, ..
            } if failed == id => {
                return Outcome::Failed(error);
            }
            _ => {}
        }
    }
}

/// A debug line as the terminal shows it: `[DEBUG] Enviando comando ao servidor: ...`.
pub fn format_debug(line: &DebugLine) -> String {
    let tag = match line.level {
        tracing::Level::ERROR => "ERRO",
        tracing::Level::WARN => "AVISO",
        tracing::Level::INFO => "INFO",
        _ => "DEBUG",
    };
    format!("[{tag}] {}", line.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_positive_seconds_with_fractions() {
        assert_eq!(parse_seconds("2.5"), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_seconds("0.3"), Ok(Duration::from_millis(300)));
        assert_eq!(parse_seconds("1"), Ok(Duration::from_secs(1)));
        for bad in ["0", "-1", "abc", "", "NaN", "inf", "3601", "0.0000001"] {
            let error = parse_seconds(bad).unwrap_err();
            assert!(
                error.contains("expected a number of seconds"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn refusals_name_the_flags_that_give_a_token_or_a_key() {
        let [refused, handshake] = client::trail::refusals("tcp://10.0.0.1:1234");
        let text = failure_text(&refused);
        assert!(text.starts_with(&format!("zlist: {refused} (")), "{text}");
        for flag in ["--token", "ZLIST_TOKEN", "--token-file", "--key-file"] {
            assert!(text.contains(flag), "{text}");
        }
        let text = failure_text(&handshake);
        assert!(text.contains("--server-key"), "{text}");
        assert!(text.contains("--token-file"), "{text}");
        for failure in [refused, handshake] {
            assert!(flag_hint_pt(&failure).is_some_and(|hint| hint.contains("--token-file")));
        }
        assert_eq!(
            failure_text(&RequestFailure::Stopped),
            format!("zlist: {}", RequestFailure::Stopped)
        );
    }

    #[test]
    fn debug_lines_are_tagged_by_level_like_the_seed() {
        let line = |level, text: &str| DebugLine {
            at: std::time::SystemTime::now(),
            level,
            text: text.to_owned(),
        };
        assert_eq!(
            format_debug(&line(
                tracing::Level::DEBUG,
                "Aguardando resposta do servidor..."
            )),
            "[DEBUG] Aguardando resposta do servidor..."
        );
        assert_eq!(format_debug(&line(tracing::Level::WARN, "x")), "[AVISO] x");
        assert_eq!(format_debug(&line(tracing::Level::ERROR, "x")), "[ERRO] x");
    }
}
