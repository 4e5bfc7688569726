//! The servers a client talks to: one, or several of one list that it fails over between
//! (the ZeroMQ Guide's Freelance pattern, round robin): which one is in use, and which did
//! not answer since one last did. Pure bookkeeping: the worker opens the sockets.

use crate::net::endpoint;

/// The endpoint list, normalised, with the one in use.
#[derive(Debug, Clone)]
pub(super) struct Servers {
    /// At least one ([`endpoint::normalize_list`] never returns an empty list).
    endpoints: Vec<String>,
    /// The server in use: an index into `endpoints`.
    current: usize,
    /// Servers that did not answer since one last did (indices, in the order they failed).
    unanswered: Vec<usize>,
}

impl Servers {
    /// The servers in the order they are tried; the first is in use.
    pub(super) fn new(endpoints: Vec<String>) -> Self {
        Self {
            endpoints,
            current: 0,
            unanswered: Vec::new(),
        }
    }

    /// The server in use.
    pub(super) fn in_use(&self) -> &str {
        self.endpoints.get(self.current).map_or("", String::as_str)
    }

    /// All of them, normalised, in order.
    pub(super) fn all(&self) -> &[String] {
        &self.endpoints
    }

    /// Whether there are several servers to fail over between.
    pub(super) fn several(&self) -> bool {
        self.endpoints.len() > 1
    }

    /// The server in use, for the trail lines that name it only when there are several
    /// (with one, the trail is the seed's, word for word).
    pub(super) fn named(&self) -> Option<&str> {
        self.several().then(|| self.in_use())
    }

    /// The list as one text (`tcp://a:1,tcp://b:1`), for failures about all of them.
    pub(super) fn joined(&self) -> String {
        endpoint::join(&self.endpoints)
    }

    /// How many tries a request gets: `tries` at each server.
    pub(super) fn total_tries(&self, tries: u32) -> u32 {
        let count = u32::try_from(self.endpoints.len()).unwrap_or(u32::MAX);
        tries.saturating_mul(count.max(1))
    }

    /// Whether every server failed to answer since one last did.
    pub(super) fn none_answered(&self) -> bool {
        self.unanswered.len() >= self.endpoints.len()
    }

    /// The server in use did not answer: the next one (round robin) is in use from now on.
    /// With one server, nothing changes.
    pub(super) fn pass_over(&mut self) {
        if !self.several() {
            return;
        }
        if !self.unanswered.contains(&self.current) {
            self.unanswered.push(self.current);
        }
        self.current = (self.current + 1) % self.endpoints.len();
    }

    /// The server in use answered: the servers that did not before it, when there were
    /// any (the client switched), else `None`.
    pub(super) fn answered(&mut self) -> Option<Vec<String>> {
        let current = self.current;
        let unanswered: Vec<String> = std::mem::take(&mut self.unanswered)
            .into_iter()
            .filter(|&index| index != current)
            .filter_map(|index| self.endpoints.get(index).cloned())
            .collect();
        (!unanswered.is_empty()).then_some(unanswered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn servers(names: &[&str]) -> Servers {
        Servers::new(names.iter().map(|name| (*name).to_owned()).collect())
    }

    #[test]
    fn a_server_that_does_not_answer_is_passed_over_round_robin() {
        let mut list = servers(&["a", "b", "c"]);
        assert_eq!(list.in_use(), "a");
        list.pass_over();
        assert_eq!(list.in_use(), "b");
        list.pass_over();
        list.pass_over();
        assert_eq!(list.in_use(), "a", "round robin");
        assert!(list.none_answered());
    }

    #[test]
    fn an_answer_after_a_switch_names_the_servers_that_did_not_answer_once() {
        let mut list = servers(&["a", "b", "c"]);
        list.pass_over();
        list.pass_over();
        assert_eq!(list.answered(), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(list.in_use(), "c", "it stays in use");
        assert_eq!(list.answered(), None, "said once");
        assert!(!list.none_answered());
    }

    #[test]
    fn after_a_full_round_the_first_server_answering_names_the_others() {
        let mut list = servers(&["a", "b"]);
        list.pass_over();
        list.pass_over();
        assert_eq!(list.in_use(), "a");
        assert_eq!(list.answered(), Some(vec!["b".to_owned()]));
        let mut list = servers(&["a", "b"]);
        assert_eq!(list.answered(), None);
    }

    #[test]
    fn one_server_never_switches_and_is_not_named() {
        let mut list = servers(&["tcp://a:1"]);
        list.pass_over();
        assert_eq!(list.in_use(), "tcp://a:1");
        assert_eq!(list.answered(), None);
        assert_eq!(list.named(), None);
        assert_eq!(list.total_tries(3), 3);
        assert_eq!(list.joined(), "tcp://a:1");
    }

    #[test]
    fn each_server_gets_the_tries() {
        let list = servers(&["tcp://a:1", "tcp://b:1"]);
        assert_eq!(list.total_tries(3), 6);
        assert_eq!(list.total_tries(u32::MAX), u32::MAX);
        assert_eq!(list.named(), Some("tcp://a:1"));
        assert_eq!(list.joined(), "tcp://a:1,tcp://b:1");
    }
}
