//! The worker's rules, as pure functions: which requests are tagged (`zlist.req`), which
//! may be tried again, which are never sent to a seed server, how loud each trail line is,
//! and which connection states a later event may replace. The worker asks; nothing here
//! touches a socket.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use super::ConnectionState;
use crate::net::protocol::{self, RequestError, ServerKind};

/// Whether the server answering `zlist.hello` takes tagged changes (`zlist.req`) and so
/// applies a resent change at most once. A seed server (or none known yet) does not.
pub(super) fn server_tags(server: Option<&ServerKind>) -> bool {
    server.is_some_and(|kind| kind.feature("tags").is_some_and(|v| v != "0"))
}

/// What to do with a request on one try, once the server is known.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Plan {
    /// Send it as the user wrote it.
    Plain,
    /// Send it tagged, so that the server applies it at most once however often it comes.
    Tagged,
    /// Do not send it: it is a change that went out tagged, and now a seed server answers,
    /// which would apply a plain resend a second time. It fails as not retried.
    NotResent,
    /// Do not send it: a seed server would crash on it. Answer with this refusal instead.
    AnswerLocally(RequestError),
}

/// Plans one try of request `text` (`is_change`: it changes the list) for a server that
/// tags or not; `sent_tagged`: an earlier try sent it tagged.
pub(super) fn plan(text: &str, is_change: bool, server_tags: bool, sent_tagged: bool) -> Plan {
    if server_tags {
        return if is_change { Plan::Tagged } else { Plan::Plain };
    }
    if is_change && sent_tagged {
        return Plan::NotResent;
    }
    match seed_would_crash(text) {
        Some(refusal) => Plan::AnswerLocally(refusal),
        None => Plan::Plain,
    }
}

/// Whether a request whose try timed out may be tried again: not a change sent to a server
/// that does not tag, which cannot tell a retry from a new request (the user decides).
pub(super) fn may_retry(is_change: bool, server_tags: bool) -> bool {
    !is_change || server_tags
}

/// The wire text of a tagged change: `zlist.req CLIENT:SEQ COMMAND`.
pub(super) fn tag(client_id: &str, seq: u64, text: &str) -> String {
    format!("{} {client_id}:{seq} {text}", protocol::TAGGED)
}

/// The tag of a tagged wire text (`zlist.req CLIENT:SEQ`), for the trail.
pub(super) fn tag_of(wire: &str) -> String {
    wire.split(' ').take(2).collect::<Vec<_>>().join(" ")
}

/// Requests that the seed's server cannot survive: it raises on them and never answers
/// again (`docs/protocol.md`). Only unknown command words get its `Comando inválido.`.
pub(super) fn seed_would_crash(text: &str) -> Option<RequestError> {
    match protocol::parse_command(text) {
        Ok(_) | Err(RequestError::UnknownCommand) => None,
        Err(error) => Some(error),
    }
}

/// The level of a request's trail (sending, waiting, received): DEBUG, as the seed's
/// `[DEBUG]` lines; TRACE for `zlist.status`, a health probe that a status window or a
/// monitor repeats every few seconds and that would bury the rest at the usual level.
pub(super) fn trail_level(request: &str) -> tracing::Level {
    if protocol::is_status(request.as_bytes()) {
        tracing::Level::TRACE
    } else {
        tracing::Level::DEBUG
    }
}

/// Whether the state is a verdict ("unreachable", "refused") that reconnection attempts,
/// retry timers and lost connections say nothing new about.
pub(super) fn state_sticks(state: ConnectionState) -> bool {
    matches!(
        state,
        ConnectionState::Unreachable { .. }
            | ConnectionState::AuthFailed
            | ConnectionState::HandshakeFailed
    )
}

/// Whether a monitor event that puts the connection in `new` is news while it is in
/// `current`: not a repeat (a retry every 100 ms while nothing listens would flood the
/// trail), and not a retry timer or a lost connection after a verdict ("unreachable" stays
/// until something definite happens).
pub(super) fn is_news(current: ConnectionState, new: ConnectionState) -> bool {
    let keeps_verdict = state_sticks(current)
        && matches!(
            new,
            ConnectionState::Retrying | ConnectionState::Disconnected
        );
    !keeps_verdict && current != new
}

/// The trail level of a monitor event's line: WARN for a refusal, INFO for other state
/// changes, DEBUG for the rest (a TCP connection, say).
pub(super) fn monitor_level(state: Option<ConnectionState>) -> tracing::Level {
    match state {
        Some(ConnectionState::HandshakeFailed | ConnectionState::AuthFailed) => {
            tracing::Level::WARN
        }
        Some(_) => tracing::Level::INFO,
        None => tracing::Level::DEBUG,
    }
}

/// A random id for this client session, from std's randomly keyed hasher, the time, the
/// process id and a counter: 32 hex digits.
pub(super) fn random_client_id() -> String {
    use std::hash::{BuildHasher as _, Hasher as _};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut words = [0u64; 2];
    for (i, word) in words.iter_mut().enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u32(std::process::id());
        hasher.write_u64(count);
        hasher.write_usize(i);
        *word = hasher.finish();
    }
    format!("{:016x}{:016x}", words[0], words[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zlist(tags: &str) -> ServerKind {
        ServerKind::from_hello_reply(&format!("{} 1 tags={tags}", protocol::HELLO_REPLY))
    }

    #[test]
    fn only_a_zlist_server_that_announces_tags_takes_them() {
        assert!(server_tags(Some(&zlist("1"))));
        assert!(!server_tags(Some(&zlist("0"))));
        assert!(!server_tags(Some(&ServerKind::Seed)));
        assert!(!server_tags(None));
    }

    #[test]
    fn changes_go_tagged_to_a_tagging_server_and_the_rest_plain() {
        assert_eq!(plan("append x", true, true, false), Plan::Tagged);
        assert_eq!(plan("append x", true, true, true), Plan::Tagged);
        assert_eq!(plan("mostrar", false, true, false), Plan::Plain);
        assert_eq!(plan("append x", true, false, false), Plan::Plain);
        assert_eq!(plan("mostrar", false, false, true), Plan::Plain);
    }

    #[test]
    fn a_change_sent_tagged_is_never_resent_plain() {
        assert_eq!(plan("append x", true, false, true), Plan::NotResent);
    }

    #[test]
    fn requests_that_crash_a_seed_are_answered_locally_only_for_a_seed() {
        assert!(matches!(
            plan("insert abc x", false, false, false),
            Plan::AnswerLocally(_)
        ));
        // A zlist server answers them itself.
        assert_eq!(plan("insert abc x", false, true, false), Plan::Plain);
    }

    #[test]
    fn changes_are_retried_only_where_they_apply_once() {
        assert!(may_retry(false, false));
        assert!(may_retry(false, true));
        assert!(may_retry(true, true));
        assert!(!may_retry(true, false));
    }

    #[test]
    fn tags_read_back_as_the_protocol_defines_them() {
        let wire = tag("c0ffee", 7, "insert 0 a b");
        assert_eq!(wire, "zlist.req c0ffee:7 insert 0 a b");
        assert_eq!(tag_of(&wire), "zlist.req c0ffee:7");
    }

    #[test]
    fn client_ids_are_valid_tags_and_differ() {
        let a = random_client_id();
        let b = random_client_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        let tagged = tag(&a, 1, "append x");
        assert!(matches!(
            protocol::Request::parse(&tagged),
            Ok(protocol::Request::Tagged { .. })
        ));
    }

    #[test]
    fn status_probes_trail_at_trace_and_everything_else_at_debug() {
        assert_eq!(trail_level("zlist.status"), tracing::Level::TRACE);
        assert_eq!(trail_level(" zlist.status "), tracing::Level::TRACE);
        assert_eq!(trail_level("mostrar"), tracing::Level::DEBUG);
        assert_eq!(trail_level("append zlist.status"), tracing::Level::DEBUG);
        assert_eq!(trail_level("zlist.statusx"), tracing::Level::DEBUG);
    }

    #[test]
    fn only_requests_that_crash_the_seed_are_answered_locally() {
        for crashing in [
            "",
            "  ",
            "append",
            "insert",
            "insert 1",
            "insert abc x",
            "remover",
        ] {
            assert!(seed_would_crash(crashing).is_some(), "{crashing:?}");
        }
        for fine in ["mostrar", "append 3", "sair", "zlist.hello", "insert -1 x"] {
            assert!(seed_would_crash(fine).is_none(), "{fine:?}");
        }
    }

    #[test]
    fn verdicts_stay_until_something_definite_happens() {
        use ConnectionState as S;
        let unreachable = S::Unreachable { tries: 3 };
        for verdict in [unreachable, S::AuthFailed, S::HandshakeFailed] {
            assert!(state_sticks(verdict));
            assert!(!is_news(verdict, S::Retrying));
            assert!(!is_news(verdict, S::Disconnected));
            assert!(is_news(verdict, S::Connected));
        }
        assert!(!state_sticks(S::Connected));
        assert!(is_news(S::Connected, S::Disconnected));
        assert!(!is_news(S::Retrying, S::Retrying), "repeats are no news");
    }

    #[test]
    fn refusals_are_warnings() {
        use ConnectionState as S;
        assert_eq!(monitor_level(Some(S::AuthFailed)), tracing::Level::WARN);
        assert_eq!(
            monitor_level(Some(S::HandshakeFailed)),
            tracing::Level::WARN
        );
        assert_eq!(monitor_level(Some(S::Connected)), tracing::Level::INFO);
        assert_eq!(monitor_level(None), tracing::Level::DEBUG);
    }
}
