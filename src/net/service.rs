//! The server's request handler, with no sockets: one request message in, exactly one
//! reply out, and the list changed only by a valid command.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::net::list::{Effect, Outcome, RemoteList};
use crate::net::protocol::{self, Command, Request, RequestError, RequestTag};

/// Default largest request accepted, in bytes.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// How long a client's last tagged reply is kept for a retry.
pub const TAG_MEMORY: Duration = Duration::from_secs(10 * 60);

/// How many clients' last tagged replies are kept at most.
pub const TAG_MEMORY_CLIENTS: usize = 100_000;

/// What a handled request gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// The reply to send.
    pub outcome: Outcome,
    /// The change applied to the list, if any.
    pub effect: Option<Effect>,
}

impl Handled {
    fn answer(outcome: Outcome) -> Self {
        Self {
            outcome,
            effect: None,
        }
    }

    fn refused(error: &RequestError) -> Self {
        Self::answer(Outcome::error(error.to_string()))
    }
}

/// The list and everything needed to answer requests about it.
#[derive(Debug)]
pub struct ListService {
    list: RemoteList,
    max_request_bytes: usize,
    tags: TagMemory,
    features: Vec<(String, String)>,
}

impl ListService {
    /// A service over `list` that refuses requests over `max_request_bytes`.
    pub fn new(list: RemoteList, max_request_bytes: usize) -> Self {
        Self {
            list,
            max_request_bytes,
            tags: TagMemory::default(),
            features: vec![("tags".to_owned(), "1".to_owned())],
        }
    }

    /// Announces a `key=value` feature in the reply to `zlist.hello`.
    pub fn announce(&mut self, key: &str, value: &str) {
        self.features.push((key.to_owned(), value.to_owned()));
    }

    /// The list as it is now.
    pub fn list(&self) -> &RemoteList {
        &self.list
    }

    /// The largest request accepted, in bytes.
    pub fn max_request_bytes(&self) -> usize {
        self.max_request_bytes
    }

    /// Answers one request message, given as its frames (a seed client sends one).
    pub fn handle_frames<F: AsRef<[u8]>>(&mut self, frames: &[F]) -> Handled {
        match frames {
            [frame] => self.handle_bytes(frame.as_ref()),
            [] => Handled::refused(&RequestError::Empty),
            _ => Handled::refused(&RequestError::Multipart(frames.len())),
        }
    }

    /// Answers one single-frame request.
    pub fn handle_bytes(&mut self, bytes: &[u8]) -> Handled {
        if bytes.len() > self.max_request_bytes {
            return Handled::refused(&RequestError::TooLarge {
                size: bytes.len(),
                limit: self.max_request_bytes,
            });
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => self.handle_text(text),
            Err(_) => Handled::refused(&RequestError::InvalidUtf8),
        }
    }

    /// Answers one request text.
    pub fn handle_text(&mut self, text: &str) -> Handled {
        match Request::parse(text) {
            Ok(Request::Seed(command)) => self.execute(&command),
            Ok(Request::Hello) => {
                let features: Vec<(&str, &str)> = self
                    .features
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                Handled::answer(Outcome::ok(protocol::hello_reply(&features)))
            }
            Ok(Request::Tagged { tag, command }) => self.execute_tagged(tag, &command),
            Err(error) => Handled::refused(&error),
        }
    }

    fn execute(&mut self, command: &Command) -> Handled {
        let (outcome, effect) = self.list.execute(command);
        Handled { outcome, effect }
    }

    fn execute_tagged(&mut self, tag: RequestTag, command: &Command) -> Handled {
        let now = Instant::now();
        match self.tags.recall(&tag, now) {
            Recall::Repeat(outcome) => {
                tracing::debug!(%tag, "repeated request: answered again, not applied again");
                Handled::answer(outcome)
            }
            Recall::Stale { last } => Handled::answer(Outcome::error(format!(
                "Erro: o pedido {tag} é mais antigo que o último deste cliente ({last}); \
                 não foi aplicado."
            ))),
            Recall::New => {
                let handled = self.execute(command);
                self.tags.remember(tag, handled.outcome.clone(), now);
                handled
            }
        }
    }
}

/// Each client's last tagged request and its reply, for answering retries.
#[derive(Debug, Default)]
struct TagMemory {
    last: HashMap<String, Remembered>,
}

#[derive(Debug)]
struct Remembered {
    seq: u64,
    outcome: Outcome,
    at: Instant,
}

enum Recall {
    New,
    Repeat(Outcome),
    Stale { last: u64 },
}

impl TagMemory {
    fn recall(&self, tag: &RequestTag, now: Instant) -> Recall {
        match self.last.get(&tag.client) {
            Some(r) if now.duration_since(r.at) > TAG_MEMORY => Recall::New,
            Some(r) if r.seq == tag.seq => Recall::Repeat(r.outcome.clone()),
            Some(r) if r.seq > tag.seq => Recall::Stale { last: r.seq },
            _ => Recall::New,
        }
    }

    fn remember(&mut self, tag: RequestTag, outcome: Outcome, now: Instant) {
        if self.last.len() >= TAG_MEMORY_CLIENTS && !self.last.contains_key(&tag.client) {
            self.last
                .retain(|_, r| now.duration_since(r.at) <= TAG_MEMORY);
            if self.last.len() >= TAG_MEMORY_CLIENTS {
                // Still full of live clients: forget the one heard from longest ago.
                let oldest = self
                    .last
                    .iter()
                    .min_by_key(|(_, r)| r.at)
                    .map(|(client, _)| client.clone());
                if let Some(oldest) = oldest {
                    self.last.remove(&oldest);
                }
            }
        }
        self.last.insert(
            tag.client,
            Remembered {
                seq: tag.seq,
                outcome,
                at: now,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> ListService {
        ListService::new(RemoteList::default(), 64)
    }

    fn reply(service: &mut ListService, text: &str) -> String {
        service.handle_text(text).outcome.text
    }

    #[test]
    fn a_repeated_tag_is_answered_again_but_applied_once() {
        let mut s = service();
        let first = reply(&mut s, "zlist.req c1:1 append x");
        let again = reply(&mut s, "zlist.req c1:1 append x");
        assert_eq!(first, "Elemento 'x' adicionado.");
        assert_eq!(again, first);
        assert_eq!(s.list().items(), ["x"]);
        reply(&mut s, "zlist.req c1:2 append x");
        assert_eq!(s.list().items(), ["x", "x"]);
    }

    #[test]
    fn clients_have_separate_sequences() {
        let mut s = service();
        reply(&mut s, "zlist.req a:1 append x");
        reply(&mut s, "zlist.req b:1 append y");
        assert_eq!(s.list().items(), ["x", "y"]);
    }

    #[test]
    fn a_stale_tag_is_refused_and_not_applied() {
        let mut s = service();
        reply(&mut s, "zlist.req a:5 append x");
        let stale = s.handle_text("zlist.req a:4 append y");
        assert!(stale.outcome.is_error);
        assert!(stale.outcome.text.starts_with("Erro: o pedido a:4"));
        assert_eq!(s.list().items(), ["x"]);
    }

    #[test]
    fn frames_that_are_not_one_utf8_text_get_one_error_reply() {
        let mut s = service();
        let multi = s.handle_frames(&[b"append".as_slice(), b"x"]);
        assert_eq!(
            multi.outcome.text,
            "Erro: a mensagem tem 2 partes; envie o comando numa única parte."
        );
        let bad = s.handle_frames(&[&[0xff_u8, 0xfe][..]]);
        assert_eq!(
            bad.outcome.text,
            "Erro: a mensagem não é texto UTF-8 válido."
        );
        let big = s.handle_bytes(&[b'a'; 65]);
        assert_eq!(
            big.outcome.text,
            "Erro: a mensagem tem 65 bytes; o limite é 64 bytes."
        );
        assert!(multi.outcome.is_error && bad.outcome.is_error && big.outcome.is_error);
        assert!(s.list().is_empty());
    }

    #[test]
    fn hello_announces_zlist_and_its_features() {
        let mut s = service();
        s.announce("pub", "tcp://127.0.0.1:1235");
        let hello = reply(&mut s, "zlist.hello");
        assert!(hello.starts_with("zlist.ok 1 zlist/"), "{hello}");
        assert!(
            hello.ends_with(" tags=1 pub=tcp://127.0.0.1:1235"),
            "{hello}"
        );
    }

    #[test]
    fn tag_memory_stays_bounded() {
        let mut memory = TagMemory::default();
        let now = Instant::now();
        for i in 0..TAG_MEMORY_CLIENTS + 10 {
            let tag = RequestTag {
                client: format!("c{i}"),
                seq: 1,
            };
            memory.remember(tag, Outcome::ok("ok"), now);
        }
        assert_eq!(memory.last.len(), TAG_MEMORY_CLIENTS);
    }
}
