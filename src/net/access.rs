//! Who may talk to the server: a ZAP handler (ZeroMQ RFC 27) that checks a shared token
//! (with the PLAIN mechanism, or with CURVE as the client key the token stands for), CURVE
//! client keys, an optional allow list of networks, and "protected mode", which keeps a
//! server bound to a public address without a token reachable from loopback only.

use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use subtle::ConstantTimeEq as _;

use crate::net::curve::{CurveError, CurveKey, KeyPair, ServerKeys};

/// The address ZeroMQ sends authentication requests to, inside the server's context.
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";
/// The ZAP domain the server socket uses.
pub const ZAP_DOMAIN: &str = "zlist";
/// The user id a connection admitted with the read-only token carries (ZAP, RFC 27): the
/// server reads it off each request and refuses changes from it.
pub const READ_ONLY_USER: &str = "zlist-read";

/// What a connection may do, as the user id its ZAP handshake gave it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Permission {
    /// Read and change the list.
    #[default]
    ReadWrite,
    /// Read the list and follow its live updates only (the read-only token).
    ReadOnly,
}

impl Permission {
    /// The role of a connection whose ZAP user id is `user` (none without a ZAP handler).
    pub fn of_user_id(user: Option<&str>) -> Self {
        if user == Some(READ_ONLY_USER) {
            Self::ReadOnly
        } else {
            Self::ReadWrite
        }
    }
}

/// The PLAIN user name zlist clients present; the token is the password.
pub const PLAIN_USER: &str = "zlist";
/// Environment variable holding the token.
pub const TOKEN_ENV: &str = "ZLIST_TOKEN";
/// Environment variable naming a file whose first line is the token.
pub const TOKEN_FILE_ENV: &str = "ZLIST_TOKEN_FILE";

/// A secret that never shows in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token; empty or blank text is no token.
    pub fn new(text: &str) -> Option<Self> {
        let text = text.trim();
        (!text.is_empty()).then(|| Self(text.to_owned()))
    }

    /// The secret itself, for handing to libzmq.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Compares in time that does not depend on where the texts differ.
    pub fn matches(&self, presented: &[u8]) -> bool {
        bool::from(self.0.as_bytes().ct_eq(presented))
    }

    /// Reads the token from the first line of a file.
    pub fn from_file(path: &std::path::Path) -> Result<Option<Self>, AccessError> {
        let text = std::fs::read_to_string(path).map_err(|source| AccessError::TokenFile {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self::new(text.lines().next().unwrap_or_default()))
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<hidden>)")
    }
}

/// Problems with the access settings.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// The token file cannot be read.
    #[error("cannot read the token file {path}: {source}")]
    TokenFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An allow-list entry is not an address or network.
    #[error(
        "{0:?} in the allow list should be an address or a network like 10.0.0.0/8 or 2001:db8::/32"
    )]
    BadNetwork(String),
    /// A read-only token was given without the token that may change the list.
    #[error("a read-only token needs a token that may change the list too")]
    ReadTokenAlone,
    /// The read-only token is the token itself.
    #[error("the read-only token must differ from the token")]
    SameTokens,
}

/// Parses a comma-separated allow list (`10.0.0.0/8,192.168.1.7`).
pub fn parse_allow_list(text: &str) -> Result<Vec<IpNet>, AccessError> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| AccessError::BadNetwork(entry.to_owned()))
        })
        .collect()
}

/// Who may connect.
#[derive(Debug, Clone, Default)]
pub struct AccessPolicy {
    /// Clients must present this token (PLAIN password); `None`: no token needed, or (with
    /// CURVE) the token is checked as [`AccessPolicy::token_key`].
    pub token: Option<Token>,
    /// When not empty, only peers in these networks may connect.
    pub allow: Vec<IpNet>,
    /// Refuse every peer that is not on loopback (protected mode).
    pub loopback_only: bool,
    /// Encrypt with CURVE, and admit only the client keys listed (and the token's), if any.
    pub curve: Option<ServerKeys>,
    /// With CURVE and a token: the client public key the token stands for
    /// ([`KeyPair::for_token`]); a client that presents it knows the token.
    pub token_key: Option<CurveKey>,
    /// A second token that may read and follow live updates but change nothing (checked
    /// as [`AccessPolicy::read_token_key`] with CURVE). Only with [`AccessPolicy::token`].
    pub read_token: Option<Token>,
    /// With CURVE and a read-only token: the client public key it stands for.
    pub read_token_key: Option<CurveKey>,
}

/// What a peer presented in its handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    /// Nothing (the NULL mechanism, as the seed's client).
    Null,
    /// A PLAIN password: the token.
    Plain(&'a [u8]),
    /// A CURVE client's public key (32 bytes).
    Curve(&'a [u8]),
}

/// A ZAP decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Let the peer in.
    Allow,
    /// Let the peer in to read only: it presented the read-only token.
    AllowReadOnly,
    /// Refuse it, with the reason (logged, and sent to the peer as the ZAP status text).
    Deny(&'static str),
}

impl AccessPolicy {
    /// The policy for a server bound to `bind`: protected mode (loopback peers only) when the
    /// address is not loopback, no token is set and `insecure` was not asked for.
    pub fn for_bind(bind: &str, token: Option<Token>, allow: Vec<IpNet>, insecure: bool) -> Self {
        let loopback_only = token.is_none() && !insecure && !is_loopback_bind(bind);
        Self {
            token,
            allow,
            loopback_only,
            curve: None,
            token_key: None,
            read_token: None,
            read_token_key: None,
        }
    }

    /// Adds a read-only token, which needs a token: [`AccessError::ReadTokenAlone`]
    /// otherwise, and [`AccessError::SameTokens`] when the two are the same.
    pub fn with_read_token(mut self, read_token: Token) -> Result<Self, AccessError> {
        match &self.token {
            None => Err(AccessError::ReadTokenAlone),
            Some(token) if token.matches(read_token.expose().as_bytes()) => {
                Err(AccessError::SameTokens)
            }
            Some(_) => {
                self.read_token = Some(read_token);
                Ok(self)
            }
        }
    }

    /// Adds CURVE encryption. A list of admitted client keys lifts protected mode, as a
    /// token does; without either, any client that knows the server's public key gets in.
    /// A token is then checked inside CURVE: clients present the key it stands for
    /// ([`KeyPair::for_token`]) instead of a PLAIN password, so it is never sent at all.
    pub fn with_curve(mut self, keys: ServerKeys) -> Result<Self, CurveError> {
        if keys.clients.is_some() {
            self.loopback_only = false;
        }
        if let Some(token) = self.token.take() {
            self.token_key = Some(KeyPair::for_token(&token, &keys.keys.public)?.public);
        }
        if let Some(token) = self.read_token.take() {
            self.read_token_key = Some(KeyPair::for_token(&token, &keys.keys.public)?.public);
        }
        self.curve = Some(keys);
        Ok(self)
    }

    /// Who may connect, as `zlist.status` says it: one word, `token` (`token+read-token`
    /// with a read-only token too), `client-keys`, `loopback-only` (protected mode) or
    /// `open`, with `+allow-list` when an allow list applies too; with CURVE, followed by
    /// the word `curve=KEY` (the server's public key).
    pub fn label(&self) -> String {
        let base = if self.read_token.is_some() || self.read_token_key.is_some() {
            "token+read-token"
        } else if self.token.is_some() || self.token_key.is_some() {
            "token"
        } else if self.curve.as_ref().is_some_and(|c| c.clients.is_some()) {
            "client-keys"
        } else if self.loopback_only {
            "loopback-only"
        } else {
            "open"
        };
        let allow = if self.allow.is_empty() {
            ""
        } else {
            "+allow-list"
        };
        match &self.curve {
            Some(keys) => format!("{base}{allow} curve={}", keys.keys.public),
            None => format!("{base}{allow}"),
        }
    }

    /// Whether the server must run the PLAIN mechanism (a token without CURVE).
    pub fn needs_plain(&self) -> bool {
        self.token.is_some() && self.curve.is_none()
    }

    /// Whether a ZAP handler must run at all.
    pub fn needs_handler(&self) -> bool {
        self.token.is_some()
            || self.token_key.is_some()
            || self.loopback_only
            || !self.allow.is_empty()
            || self.curve.as_ref().is_some_and(|c| c.clients.is_some())
    }

    /// Decides on one peer, from its address and what it presented.
    pub fn check(&self, address: Option<IpAddr>, credential: Credential<'_>) -> Verdict {
        if self.loopback_only && !address.is_some_and(|a| is_loopback(&a)) {
            return Verdict::Deny(
                "protected mode: only loopback clients until the server has a token",
            );
        }
        if !self.allow.is_empty()
            && !address.is_some_and(|a| self.allow.iter().any(|net| net.contains(&a)))
        {
            return Verdict::Deny("address not in the allow list");
        }
        if let Some(token) = &self.token {
            let password = match credential {
                Credential::Plain(password) => password,
                Credential::Null | Credential::Curve(_) => &[],
            };
            // Check every time, both tokens, whatever the outcome, so the timing says nothing.
            let writes = token.matches(password);
            let reads = self
                .read_token
                .as_ref()
                .is_some_and(|read| read.matches(password));
            match (writes, reads) {
                (true, _) => {}
                (false, true) => return Verdict::AllowReadOnly,
                (false, false) => return Verdict::Deny("wrong or missing token"),
            }
        }
        let listed = self.curve.as_ref().and_then(|c| c.clients.as_ref());
        if self.token_key.is_none() && listed.is_none() {
            return Verdict::Allow;
        }
        let presented = match credential {
            Credential::Curve(key) => <[u8; 32]>::try_from(key).ok(),
            Credential::Null | Credential::Plain(_) => None,
        };
        let presented = presented.unwrap_or_default();
        // The token's key is compared in constant time, every time, as a token is.
        let by_token = self
            .token_key
            .is_some_and(|key| bool::from(key.bytes().ct_eq(&presented)));
        let by_read_token = self
            .read_token_key
            .is_some_and(|key| bool::from(key.bytes().ct_eq(&presented)));
        let by_list = listed.is_some_and(|keys| keys.contains(&CurveKey::from_bytes(presented)));
        if by_read_token && !by_token && !by_list {
            return Verdict::AllowReadOnly;
        }
        match (
            by_token || by_list,
            self.token_key.is_some(),
            listed.is_some(),
        ) {
            (true, _, _) => Verdict::Allow,
            (false, true, false) => Verdict::Deny("wrong or missing token"),
            (false, false, _) => Verdict::Deny("client key not admitted"),
            (false, true, true) => {
                Verdict::Deny("wrong or missing token, and client key not admitted")
            }
        }
    }

    /// Answers one ZAP request (RFC 27): `[version, request id, domain, address, identity,
    /// mechanism, credentials...]` -> `[version, request id, status, text, user id, metadata]`.
    pub fn answer_zap(&self, request: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let frame = |i: usize| request.get(i).map(Vec::as_slice).unwrap_or_default();
        let request_id = frame(1).to_vec();
        let reply = |code: &str, text: &str, user: &str| {
            vec![
                b"1.0".to_vec(),
                request_id.clone(),
                code.as_bytes().to_vec(),
                text.as_bytes().to_vec(),
                user.as_bytes().to_vec(),
                Vec::new(),
            ]
        };
        if frame(0) != b"1.0" || request.len() < 6 {
            return reply("500", "malformed ZAP request", "");
        }
        let address = std::str::from_utf8(frame(3))
            .ok()
            .and_then(|a| a.parse::<IpAddr>().ok());
        let credential = match frame(5) {
            b"PLAIN" => Credential::Plain(frame(7)),
            b"CURVE" => Credential::Curve(frame(6)),
            b"NULL" => Credential::Null,
            _ => return reply("400", "unsupported security mechanism", ""),
        };
        match self.check(address, credential) {
            Verdict::Allow => reply("200", "OK", PLAIN_USER),
            Verdict::AllowReadOnly => reply("200", "OK", READ_ONLY_USER),
            Verdict::Deny(reason) => {
                let shown = address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
                tracing::warn!(peer = %shown, "connection refused: {reason}");
                reply("400", reason, "")
            }
        }
    }
}

fn is_loopback(address: &IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Whether a bind endpoint listens on loopback only (`127.x.x.x`, `[::1]`, `localhost`,
/// or a non-TCP transport).
pub fn is_loopback_bind(bind: &str) -> bool {
    let Some(address) = bind.strip_prefix("tcp://") else {
        return true; // ipc:// and inproc:// never leave the machine
    };
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost" || host.parse::<IpAddr>().is_ok_and(|a| is_loopback(&a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    fn zap(mechanism: &str, address: &str, password: &str) -> Vec<Vec<u8>> {
        let mut request: Vec<Vec<u8>> = ["1.0", "7", ZAP_DOMAIN, address, "", mechanism]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        if mechanism == "PLAIN" {
            request.push(PLAIN_USER.as_bytes().to_vec());
            request.push(password.as_bytes().to_vec());
        }
        request
    }

    #[test]
    fn loopback_binds_are_recognised() {
        for bind in [
            "tcp://127.0.0.1:1234",
            "tcp://127.1.2.3:1",
            "tcp://[::1]:1",
            "tcp://localhost:1",
            "ipc:///tmp/x",
        ] {
            assert!(is_loopback_bind(bind), "{bind}");
        }
        for bind in [
            "tcp://0.0.0.0:1234",
            "tcp://*:1",
            "tcp://[::]:1",
            "tcp://10.0.0.5:1",
            "tcp://example.org:1",
        ] {
            assert!(!is_loopback_bind(bind), "{bind}");
        }
    }

    #[test]
    fn public_bind_without_token_is_protected_mode() {
        let policy = AccessPolicy::for_bind("tcp://0.0.0.0:1234", None, vec![], false);
        assert!(policy.loopback_only && policy.needs_handler());
        assert_eq!(
            policy.check(ip("127.0.0.1"), Credential::Null),
            Verdict::Allow
        );
        assert_eq!(policy.check(ip("::1"), Credential::Null), Verdict::Allow);
        assert_eq!(
            policy.check(ip("::ffff:127.0.0.1"), Credential::Null),
            Verdict::Allow
        );
        assert!(matches!(
            policy.check(ip("203.0.113.9"), Credential::Null),
            Verdict::Deny(_)
        ));
        assert!(matches!(
            policy.check(None, Credential::Null),
            Verdict::Deny(_)
        ));
    }

    #[test]
    fn insecure_or_token_or_loopback_bind_lift_protected_mode() {
        assert!(!AccessPolicy::for_bind("tcp://0.0.0.0:1", None, vec![], true).loopback_only);
        assert!(
            !AccessPolicy::for_bind("tcp://0.0.0.0:1", Token::new("s"), vec![], false)
                .loopback_only
        );
        let local = AccessPolicy::for_bind("tcp://127.0.0.1:1", None, vec![], false);
        assert!(!local.loopback_only && !local.needs_handler());
    }

    #[test]
    fn token_must_match_exactly() {
        let policy = AccessPolicy::for_bind("tcp://0.0.0.0:1", Token::new("s3cret"), vec![], false);
        assert_eq!(
            policy.check(ip("203.0.113.9"), Credential::Plain(b"s3cret")),
            Verdict::Allow
        );
        assert_eq!(
            policy.check(ip("203.0.113.9"), Credential::Plain(b"s3cre")),
            Verdict::Deny("wrong or missing token")
        );
        assert_eq!(
            policy.check(ip("203.0.113.9"), Credential::Plain(b"s3cret ")),
            Verdict::Deny("wrong or missing token")
        );
        assert_eq!(
            policy.check(ip("127.0.0.1"), Credential::Null),
            Verdict::Deny("wrong or missing token")
        );
    }

    #[test]
    fn curve_client_keys_admit_only_the_listed_keys_and_lift_protected_mode() {
        let admitted = [7u8; 32];
        let keys = ServerKeys {
            keys: crate::net::curve::KeyPair::example(),
            clients: Some(std::collections::HashSet::from([CurveKey::from_bytes(
                admitted,
            )])),
        };
        let policy = AccessPolicy::for_bind("tcp://0.0.0.0:1", None, vec![], false);
        assert!(policy.loopback_only);
        let policy = policy.with_curve(keys.clone()).unwrap();
        assert!(!policy.loopback_only && policy.needs_handler() && !policy.needs_plain());
        let server_key = keys.keys.public;
        assert_eq!(policy.label(), format!("client-keys curve={server_key}"));
        let far = ip("203.0.113.9");
        assert_eq!(
            policy.check(far, Credential::Curve(&admitted)),
            Verdict::Allow
        );
        for refused in [
            Credential::Curve(&[8u8; 32]),
            Credential::Curve(&[7u8; 31]),
            Credential::Null,
            Credential::Plain(b"x"),
        ] {
            assert_eq!(
                policy.check(far, refused),
                Verdict::Deny("client key not admitted"),
                "{refused:?}"
            );
        }
        // Without a list, CURVE only encrypts: protected mode stays.
        let open =
            AccessPolicy::for_bind("tcp://0.0.0.0:1", None, vec![], false).with_curve(ServerKeys {
                clients: None,
                ..keys
            });
        let open = open.unwrap();
        assert!(open.loopback_only);
        assert_eq!(open.label(), format!("loopback-only curve={server_key}"));
        assert_eq!(
            open.check(ip("127.0.0.1"), Credential::Curve(&[8u8; 32])),
            Verdict::Allow
        );
    }

    #[test]
    fn a_token_with_curve_admits_the_key_it_stands_for_and_never_asks_for_plain() {
        let server = crate::net::curve::KeyPair::example();
        let token = Token::new("s3cret").unwrap();
        let policy = AccessPolicy::for_bind("tcp://0.0.0.0:1", Some(token.clone()), vec![], false)
            .with_curve(ServerKeys {
                keys: server.clone(),
                clients: None,
            })
            .unwrap();
        assert!(!policy.needs_plain() && policy.needs_handler() && !policy.loopback_only);
        assert!(
            policy.token.is_none(),
            "the token itself is not kept for PLAIN"
        );
        assert!(
            policy.label().starts_with("token curve="),
            "{}",
            policy.label()
        );
        let far = ip("203.0.113.9");
        let right = KeyPair::for_token(&token, &server.public).unwrap().public;
        let wrong = KeyPair::for_token(&Token::new("s3cre").unwrap(), &server.public)
            .unwrap()
            .public;
        assert_eq!(
            policy.check(far, Credential::Curve(right.bytes())),
            Verdict::Allow
        );
        for refused in [
            Credential::Curve(wrong.bytes()),
            Credential::Null,
            Credential::Plain(b"s3cret"),
        ] {
            assert_eq!(
                policy.check(far, refused),
                Verdict::Deny("wrong or missing token"),
                "{refused:?}"
            );
        }
        // With client keys too, either admits.
        let listed = [7u8; 32];
        let both = AccessPolicy::for_bind("tcp://0.0.0.0:1", Some(token), vec![], false)
            .with_curve(ServerKeys {
                keys: server,
                clients: Some(std::collections::HashSet::from([CurveKey::from_bytes(
                    listed,
                )])),
            })
            .unwrap();
        assert_eq!(both.check(far, Credential::Curve(&listed)), Verdict::Allow);
        assert_eq!(
            both.check(far, Credential::Curve(right.bytes())),
            Verdict::Allow
        );
        assert!(matches!(
            both.check(far, Credential::Curve(wrong.bytes())),
            Verdict::Deny(_)
        ));
    }

    #[test]
    fn allow_list_admits_only_its_networks() {
        let allow = parse_allow_list("10.0.0.0/8, 192.0.2.7,2001:db8::/32").unwrap();
        let policy = AccessPolicy::for_bind("tcp://0.0.0.0:1", None, allow, true);
        assert_eq!(
            policy.check(ip("10.1.2.3"), Credential::Null),
            Verdict::Allow
        );
        assert_eq!(
            policy.check(ip("192.0.2.7"), Credential::Null),
            Verdict::Allow
        );
        assert_eq!(
            policy.check(ip("2001:db8::1"), Credential::Null),
            Verdict::Allow
        );
        assert!(matches!(
            policy.check(ip("192.0.2.8"), Credential::Null),
            Verdict::Deny(_)
        ));
        assert!(matches!(
            policy.check(ip("127.0.0.1"), Credential::Null),
            Verdict::Deny(_)
        ));
    }

    #[test]
    fn bad_allow_list_entries_say_what_is_expected() {
        let error = parse_allow_list("10.0.0.0/8,bogus")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("\"bogus\"") && error.contains("10.0.0.0/8"),
            "{error}"
        );
        assert!(parse_allow_list("10.0.0.0/33").is_err());
    }

    #[test]
    fn zap_replies_follow_rfc_27() {
        let policy = AccessPolicy::for_bind("tcp://0.0.0.0:1", Token::new("t"), vec![], false);
        let ok = policy.answer_zap(&zap("PLAIN", "198.51.100.1", "t"));
        assert_eq!(ok[0], b"1.0");
        assert_eq!(ok[1], b"7");
        assert_eq!(ok[2], b"200");
        assert_eq!(ok.len(), 6);
        assert_eq!(
            policy.answer_zap(&zap("PLAIN", "198.51.100.1", "x"))[2],
            b"400"
        );
        assert_eq!(policy.answer_zap(&zap("NULL", "127.0.0.1", ""))[2], b"400");
        assert_eq!(policy.answer_zap(&zap("CURVE", "127.0.0.1", ""))[2], b"400");
        assert_eq!(policy.answer_zap(&[b"2.0".to_vec()])[2], b"500");
        assert_eq!(policy.answer_zap(&[])[2], b"500");
    }

    #[test]
    fn the_read_only_token_admits_to_read_and_the_token_to_change() {
        let policy = AccessPolicy::for_bind("tcp://0.0.0.0:1", Token::new("writer"), vec![], false)
            .with_read_token(Token::new("reader").unwrap())
            .unwrap();
        let from = ip("198.51.100.7");
        assert_eq!(
            policy.check(from, Credential::Plain(b"writer")),
            Verdict::Allow
        );
        assert_eq!(
            policy.check(from, Credential::Plain(b"reader")),
            Verdict::AllowReadOnly
        );
        assert_eq!(
            policy.check(from, Credential::Plain(b"other")),
            Verdict::Deny("wrong or missing token")
        );
        assert_eq!(policy.label(), "token+read-token");
        let answer = policy.answer_zap(&zap("PLAIN", "198.51.100.7", "reader"));
        assert_eq!(answer[2], b"200");
        assert_eq!(answer[4], READ_ONLY_USER.as_bytes());
        let answer = policy.answer_zap(&zap("PLAIN", "198.51.100.7", "writer"));
        assert_eq!(answer[4], PLAIN_USER.as_bytes());
    }

    #[test]
    fn the_read_only_token_over_curve_admits_the_key_it_stands_for_to_read() {
        let server = crate::net::curve::KeyPair::example();
        let policy = AccessPolicy::for_bind("tcp://0.0.0.0:1", Token::new("writer"), vec![], false)
            .with_read_token(Token::new("reader").unwrap())
            .unwrap()
            .with_curve(ServerKeys {
                keys: server.clone(),
                clients: None,
            })
            .unwrap();
        let key = |token: &str| {
            KeyPair::for_token(&Token::new(token).unwrap(), &server.public)
                .unwrap()
                .public
        };
        let from = ip("198.51.100.7");
        assert_eq!(
            policy.check(from, Credential::Curve(key("writer").bytes())),
            Verdict::Allow
        );
        assert_eq!(
            policy.check(from, Credential::Curve(key("reader").bytes())),
            Verdict::AllowReadOnly
        );
        assert_eq!(
            policy.check(from, Credential::Curve(key("other").bytes())),
            Verdict::Deny("wrong or missing token")
        );
        assert!(policy.label().starts_with("token+read-token curve="));
    }

    #[test]
    fn a_read_only_token_needs_a_different_token_beside_it() {
        let alone = AccessPolicy::for_bind("tcp://127.0.0.1:1", None, vec![], false)
            .with_read_token(Token::new("reader").unwrap());
        assert!(matches!(alone, Err(AccessError::ReadTokenAlone)));
        let same = AccessPolicy::for_bind("tcp://127.0.0.1:1", Token::new("x"), vec![], false)
            .with_read_token(Token::new("x").unwrap());
        assert!(matches!(same, Err(AccessError::SameTokens)));
    }

    #[test]
    fn token_never_shows_in_debug_output() {
        let policy =
            AccessPolicy::for_bind("tcp://0.0.0.0:1", Token::new("hunter2"), vec![], false);
        assert!(!format!("{policy:?}").contains("hunter2"));
        assert_eq!(Token::new("  \n"), None);
    }
}
