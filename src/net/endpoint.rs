//! ZeroMQ endpoints as users type them: `host:port`, `tcp://host:port`, `[::1]:port`,
//! checked and normalised to what libzmq takes, with errors that show the expected form;
//! and lists of them separated by commas (`tcp://a:1234,tcp://b:1234`), for a client that
//! fails over from one server to the next.

/// An endpoint string that does not name a TCP (or ipc/inproc) address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "endpoint {input:?} should look like tcp://HOST:PORT (for example tcp://127.0.0.1:1234): {problem}"
)]
pub struct EndpointError {
    /// What the user gave.
    pub input: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

/// Whether the endpoint is for `bind` (port 0 or `*` allowed) or `connect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A server's address: `tcp://0.0.0.0:0` and `tcp://*:1234` are fine.
    Bind,
    /// A server to reach: needs a host and a port from 1 to 65535.
    Connect,
}

/// Checks an endpoint and returns it in libzmq's form (`tcp://` added when missing).
pub fn normalize(input: &str, role: Role) -> Result<String, EndpointError> {
    let error = |problem| EndpointError {
        input: input.to_owned(),
        problem,
    };
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(error("it is empty"));
    }
    if let Some((scheme, rest)) = trimmed.split_once("://") {
        match scheme {
            "tcp" => {}
            "ipc" | "inproc" if !rest.is_empty() => return Ok(trimmed.to_owned()),
            "ipc" | "inproc" => return Err(error("the address after :// is missing")),
            _ => return Err(error("the scheme must be tcp://, ipc:// or inproc://")),
        }
    }
    let address = trimmed.strip_prefix("tcp://").unwrap_or(trimmed);
    let (host, port) = address
        .rsplit_once(':')
        .ok_or_else(|| error("the :PORT is missing"))?;
    if host.is_empty() {
        return Err(error("the HOST is missing"));
    }
    if host.contains(char::is_whitespace) || host.contains('/') {
        return Err(error("the HOST has spaces or slashes"));
    }
    let bracketed = host.starts_with('[') && host.ends_with(']');
    if host.contains(':') && !bracketed {
        return Err(error("an IPv6 HOST must be in brackets, like [::1]"));
    }
    match (port, role) {
        ("*", Role::Bind) => {}
        _ => match port.parse::<u16>() {
            Ok(0) if role == Role::Connect => return Err(error("the PORT must be 1 to 65535")),
            Ok(_) => {}
            Err(_) => return Err(error("the PORT must be a number from 1 to 65535")),
        },
    }
    if host == "*" && role == Role::Connect {
        return Err(error(
            "'*' only means every interface when binding a server",
        ));
    }
    Ok(format!("tcp://{host}:{port}"))
}

/// The separator of an endpoint list, as users type it and as [`join`] writes it.
pub const LIST_SEPARATOR: char = ',';

/// Checks a list of endpoints separated by commas (spaces around them allowed) and returns
/// each in libzmq's form, in the order given; a repeat of one already listed (after
/// normalising: `a:1` and `tcp://a:1` are one) is dropped. A single endpoint is a list of
/// one. Fails on the first bad endpoint, naming it, or on an empty place in the list.
pub fn normalize_list(input: &str, role: Role) -> Result<Vec<String>, EndpointError> {
    if !input.contains(LIST_SEPARATOR) {
        return normalize(input, role).map(|one| vec![one]);
    }
    let mut list: Vec<String> = Vec::new();
    for piece in input.split(LIST_SEPARATOR) {
        if piece.trim().is_empty() {
            return Err(EndpointError {
                input: input.trim().to_owned(),
                problem: "an endpoint of the comma-separated list is empty (two commas in a \
                          row, or one at an end)",
            });
        }
        let endpoint = normalize(piece.trim(), role)?;
        if !list.contains(&endpoint) {
            list.push(endpoint);
        }
    }
    Ok(list)
}

/// An endpoint list as one text, `tcp://a:1234,tcp://b:1234` ([`normalize_list`] reads it
/// back as it was).
pub fn join(endpoints: &[String]) -> String {
    endpoints.join(&LIST_SEPARATOR.to_string())
}

/// Whether a TCP endpoint's host is an IPv6 literal (the socket then needs `ZMQ_IPV6`).
pub fn is_ipv6(endpoint: &str) -> bool {
    endpoint
        .strip_prefix("tcp://")
        .is_some_and(|address| address.starts_with('['))
}

/// The port of a `tcp://HOST:PORT` endpoint.
pub fn port(endpoint: &str) -> Option<u16> {
    endpoint.rsplit_once(':')?.1.parse().ok()
}

/// The host of a `tcp://HOST:PORT` endpoint, brackets kept.
pub fn host(endpoint: &str) -> Option<&str> {
    let address = endpoint.strip_prefix("tcp://")?;
    Some(address.rsplit_once(':')?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port_get_the_tcp_scheme() {
        assert_eq!(
            normalize("127.0.0.1:1234", Role::Connect).unwrap(),
            "tcp://127.0.0.1:1234"
        );
        assert_eq!(
            normalize(" tcp://example.org:80 ", Role::Connect).unwrap(),
            "tcp://example.org:80"
        );
        assert_eq!(
            normalize("[::1]:1234", Role::Connect).unwrap(),
            "tcp://[::1]:1234"
        );
    }

    #[test]
    fn bind_allows_port_zero_and_wildcards() {
        assert_eq!(
            normalize("tcp://127.0.0.1:0", Role::Bind).unwrap(),
            "tcp://127.0.0.1:0"
        );
        assert_eq!(normalize("tcp://*:*", Role::Bind).unwrap(), "tcp://*:*");
        assert!(normalize("tcp://127.0.0.1:0", Role::Connect).is_err());
        assert!(normalize("tcp://*:1234", Role::Connect).is_err());
    }

    #[test]
    fn malformed_endpoints_say_what_is_expected() {
        for bad in [
            "",
            "localhost",
            "tcp://:1234",
            "tcp://host:abc",
            "tcp://host:70000",
            "http://x:1",
            "::1:80",
            "a b:1",
        ] {
            let err = normalize(bad, Role::Connect).unwrap_err().to_string();
            assert!(
                err.contains("should look like tcp://HOST:PORT"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_list_is_split_on_commas_and_each_endpoint_normalised() {
        assert_eq!(
            normalize_list("tcp://a:1234,tcp://b:1234", Role::Connect).unwrap(),
            ["tcp://a:1234", "tcp://b:1234"]
        );
        assert_eq!(
            normalize_list(" a:1234 , [::1]:5555 ", Role::Connect).unwrap(),
            ["tcp://a:1234", "tcp://[::1]:5555"]
        );
        let list = normalize_list("a:1,b:2,c:3", Role::Connect).unwrap();
        assert_eq!(
            normalize_list(&join(&list), Role::Connect).unwrap(),
            list,
            "join reads back"
        );
    }

    #[test]
    fn one_endpoint_is_a_list_of_one_normalised_as_before() {
        for one in [
            "127.0.0.1:1234",
            " tcp://example.org:80 ",
            "[::1]:1",
            "ipc:///tmp/x",
        ] {
            assert_eq!(
                normalize_list(one, Role::Connect).unwrap(),
                [normalize(one, Role::Connect).unwrap()]
            );
        }
        assert_eq!(
            normalize_list("localhost", Role::Connect),
            normalize("localhost", Role::Connect).map(|one| vec![one])
        );
    }

    #[test]
    fn repeats_in_a_list_are_collapsed_keeping_the_first_place() {
        assert_eq!(
            normalize_list("b:2, a:1, tcp://b:2,a:1", Role::Connect).unwrap(),
            ["tcp://b:2", "tcp://a:1"]
        );
    }

    #[test]
    fn a_bad_endpoint_in_a_list_is_named() {
        let err = normalize_list("a:1, b:x, c:3", Role::Connect).unwrap_err();
        assert_eq!(err.input, "b:x");
        let text = err.to_string();
        assert!(text.contains("b:x") && !text.contains("c:3"), "{text}");
        assert!(text.contains("should look like tcp://HOST:PORT"), "{text}");
        for gaps in ["a:1,,b:2", "a:1,", ",a:1", " , "] {
            let err = normalize_list(gaps, Role::Connect).unwrap_err();
            assert!(err.problem.contains("empty"), "{gaps}: {err}");
        }
        // An IPv6 host without brackets cannot be told from a list: it is refused.
        assert!(normalize_list("::1:80,a:1", Role::Connect).is_err());
    }

    #[test]
    fn parts_of_an_endpoint_are_read_back() {
        assert_eq!(port("tcp://127.0.0.1:1234"), Some(1234));
        assert_eq!(host("tcp://[::1]:1"), Some("[::1]"));
        assert!(is_ipv6("tcp://[::1]:1"));
        assert!(!is_ipv6("tcp://127.0.0.1:1"));
    }
}
