//! The list itself: what each seed command does to it, split into a check that changes
//! nothing and an effect that cannot fail, so that a change can be made durable between
//! the two.

use std::cmp::Ordering;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

use crate::net::protocol::{Command, FOUND, NOT_FOUND, replies};
use crate::net::repr;

mod chunked;
mod fingerprints;
#[cfg(test)]
mod model_tests;

use chunked::Chunked;

/// A resolved change to the list: applying it cannot fail, and replaying the same effects
/// in the same order rebuilds the same list (a journal or a subscriber relies on that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Add at the end.
    Append(String),
    /// Add before this index (at most the length).
    Insert(usize, String),
    /// Remove the element at this index (below the length).
    RemoveAt(usize),
    /// Put this element in place of the one at this index (below the length).
    Replace(usize, String),
    /// Take the element at the first index out and put it back at the second, an index of
    /// the list without it (both below the length).
    Move(usize, usize),
    /// Sort by code point.
    SortAscending,
    /// Sort by code point, reversed.
    SortDescending,
    /// Remove everything.
    Clear,
}

/// What a command would do to the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing changes; this is the whole reply (`mostrar`, `pesquisar`, or a refusal such
    /// as `Posição inválida: P`).
    Answer(Outcome),
    /// Applying `effect` gives `reply`.
    Change {
        /// The change.
        effect: Effect,
        /// The reply, once the change is applied.
        reply: String,
    },
}

/// A reply text and whether it reports an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The reply, exactly as it goes on the wire.
    pub text: ReplyText,
    /// Whether it is an error reply (see `protocol::is_error_reply`).
    pub is_error: bool,
}

impl Outcome {
    /// A successful answer.
    pub fn ok(text: impl Into<ReplyText>) -> Self {
        Self {
            text: text.into(),
            is_error: false,
        }
    }

    /// An error reply.
    pub fn error(text: impl Into<ReplyText>) -> Self {
        Self {
            text: text.into(),
            is_error: true,
        }
    }
}

/// A reply's text: its own, or the tail of a rendering shared with other replies (the
/// server renders a list version's `zlist.snapshot` reply once, and every `mostrar` of that
/// version is its tail), so that cloning it, or sending it, never copies the text.
#[derive(Clone)]
pub struct ReplyText(Text);

#[derive(Clone)]
enum Text {
    /// A text of its own.
    Owned(String),
    /// `whole[start..]`, where `start` is a character boundary of `whole` (checked by
    /// [`ReplyText::shared`], the only way to make one).
    Shared { whole: Arc<String>, start: usize },
}

impl ReplyText {
    /// The tail of `whole` from byte `start`; `None` when `start` is not a character
    /// boundary of `whole` (or past its end).
    pub fn shared(whole: Arc<String>, start: usize) -> Option<Self> {
        whole
            .is_char_boundary(start)
            .then_some(Self(Text::Shared { whole, start }))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Text::Owned(text) => text,
            Text::Shared { whole, start } => &whole[*start..],
        }
    }

    /// The shared rendering this text is the tail of, and where it starts in it; `None`
    /// for a text of its own.
    pub fn shared_parts(&self) -> Option<(&Arc<String>, usize)> {
        match &self.0 {
            Text::Owned(_) => None,
            Text::Shared { whole, start } => Some((whole, *start)),
        }
    }

    /// The text's bytes, as an owned buffer (a copy when the text is shared).
    pub fn into_bytes(self) -> Vec<u8> {
        match self.0 {
            Text::Owned(text) => text.into_bytes(),
            Text::Shared { whole, start } => whole.as_bytes()[start..].to_vec(),
        }
    }
}

impl Deref for ReplyText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for ReplyText {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for ReplyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ReplyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq for ReplyText {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ReplyText {}

impl PartialEq<str> for ReplyText {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ReplyText {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for ReplyText {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl From<String> for ReplyText {
    fn from(text: String) -> Self {
        Self(Text::Owned(text))
    }
}

impl From<&str> for ReplyText {
    fn from(text: &str) -> Self {
        Self(Text::Owned(text.to_owned()))
    }
}

/// The list of strings the server keeps, with the UTF-8 bytes of its elements counted as
/// it changes (so that a cap on them costs nothing per request). The elements are kept in
/// chunks (`list/chunked.rs`): every single-element change and search takes time that does
/// not grow with the list's length, well under a millisecond at ten million elements.
#[derive(Clone, Default)]
pub struct RemoteList {
    items: Chunked,
    bytes: usize,
}

impl PartialEq for RemoteList {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.bytes == other.bytes && self.iter().eq(other.iter())
    }
}

impl Eq for RemoteList {}

impl fmt::Debug for RemoteList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl RemoteList {
    /// A list with these elements.
    pub fn from_items(items: Vec<String>) -> Self {
        let bytes = items.iter().map(String::len).sum();
        let items = Chunked::from_iter(items.iter().map(String::as_str));
        Self { items, bytes }
    }

    /// A list with these elements in chunks of at most `max_items` elements and about
    /// `max_bytes` bytes: small chunks put the split and merge edges within a test's reach.
    #[cfg(test)]
    fn with_chunk_limits(items: Vec<String>, max_items: usize, max_bytes: usize) -> Self {
        let bytes = items.iter().map(String::len).sum();
        let limits = chunked::Limits {
            max_items,
            max_bytes,
        };
        let items = Chunked::with_limits(items.iter().map(String::as_str), limits);
        Self { items, bytes }
    }

    /// The element at `index`.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.items.get(index)
    }

    /// The elements, in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.items.iter()
    }

    /// The elements, copied out in order.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }

    /// The elements, taken out of the list.
    pub fn into_items(self) -> Vec<String> {
        self.to_vec()
    }

    /// The list's size: the UTF-8 bytes of all its elements.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The heap bytes the list holds for its elements (text arenas, offsets, fingerprints,
    /// chunk table): its memory, by its own accounting.
    pub fn heap_bytes(&self) -> usize {
        self.items.heap_bytes()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the list has no elements.
    pub fn is_empty(&self) -> bool {
        self.items.len() == 0
    }

    /// Python's repr of the list: the reply to `mostrar`.
    pub fn repr(&self) -> String {
        let capacity = (self.bytes + 4 * self.len()).saturating_sub(2) + 2;
        let mut out = String::with_capacity(capacity);
        self.write_repr(&mut out);
        out
    }

    /// Appends Python's repr of the list to `out`, chunk by chunk.
    pub fn write_repr(&self, out: &mut String) {
        out.push('[');
        for (i, item) in self.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            repr::write_str_repr(item, out);
        }
        out.push(']');
    }

    /// Works out what `command` does, without changing the list.
    pub fn plan(&self, command: &Command) -> Plan {
        match command {
            Command::Show => Plan::Answer(Outcome::ok(self.repr())),
            Command::Search(x) => Plan::Answer(Outcome::ok(if self.items.position(x).is_some() {
                FOUND
            } else {
                NOT_FOUND
            })),
            Command::Append(x) => Plan::Change {
                reply: replies::appended(x),
                effect: Effect::Append(x.clone()),
            },
            Command::Insert { position, element } => {
                match position.index().filter(|&i| i <= self.items.len()) {
                    Some(index) => Plan::Change {
                        reply: replies::inserted(element, position),
                        effect: Effect::Insert(index, element.clone()),
                    },
                    None => Plan::Answer(Outcome::error(replies::invalid_position(position))),
                }
            }
            Command::Remove(x) => match self.items.position(x) {
                Some(index) => Plan::Change {
                    reply: replies::removed(x),
                    effect: Effect::RemoveAt(index),
                },
                None => Plan::Answer(Outcome::error(replies::not_present(x))),
            },
            Command::SortAscending => Plan::Change {
                reply: replies::SORTED_ASCENDING.to_owned(),
                effect: Effect::SortAscending,
            },
            Command::SortDescending => Plan::Change {
                reply: replies::SORTED_DESCENDING.to_owned(),
                effect: Effect::SortDescending,
            },
            Command::Clear => Plan::Change {
                reply: replies::CLEARED.to_owned(),
                effect: Effect::Clear,
            },
            Command::RemoveAt { index, expected } => match self.check_row(*index, expected) {
                Err(stale) => Plan::Answer(stale),
                Ok(()) => Plan::Change {
                    reply: replies::removed_at(expected, *index),
                    effect: Effect::RemoveAt(*index),
                },
            },
            Command::ReplaceAt {
                index,
                expected,
                element,
            } => match self.check_row(*index, expected) {
                Err(stale) => Plan::Answer(stale),
                Ok(()) => Plan::Change {
                    reply: replies::replaced(*index, expected, element),
                    effect: Effect::Replace(*index, element.clone()),
                },
            },
            Command::Move { from, to, expected } => match self.check_row(*from, expected) {
                Err(stale) => Plan::Answer(stale),
                Ok(()) if *to >= self.items.len() => {
                    Plan::Answer(Outcome::error(replies::stale_target(*to, self.items.len())))
                }
                Ok(()) => Plan::Change {
                    reply: replies::moved(expected, *from, *to),
                    effect: Effect::Move(*from, *to),
                },
            },
        }
    }

    /// Whether the row at `index` holds `expected`, as the client that names it believes;
    /// otherwise the refusal that says what is there now.
    fn check_row(&self, index: usize, expected: &str) -> Result<(), Outcome> {
        match self.items.get(index) {
            Some(found) if found == expected => Ok(()),
            Some(found) => Err(Outcome::error(replies::stale_row(index, expected, found))),
            None => Err(Outcome::error(replies::stale_index(
                index,
                self.items.len(),
            ))),
        }
    }

    /// Applies a planned effect. An effect whose index does not fit this list (one that
    /// was planned against another state) is refused and changes nothing.
    pub fn apply(&mut self, effect: Effect) -> Result<(), EffectError> {
        let len = self.items.len();
        match effect {
            Effect::Append(x) => {
                self.bytes += x.len();
                self.items.push(&x);
            }
            Effect::Insert(index, x) if index <= len => {
                self.bytes += x.len();
                self.items.insert(index, &x);
            }
            Effect::RemoveAt(index) if index < len => {
                let removed = self.items.remove(index).map_or(0, |removed| removed.len());
                self.bytes -= removed;
            }
            Effect::Replace(index, x) if index < len => {
                self.bytes += x.len();
                self.bytes -= self.items.replace(index, &x).unwrap_or(0);
            }
            Effect::Move(from, to) if from < len && to < len => {
                if let Some(element) = self.items.remove(from) {
                    self.items.insert(to, &element);
                }
            }
            Effect::Insert(index, _)
            | Effect::RemoveAt(index)
            | Effect::Replace(index, _)
            | Effect::Move(index, _) => {
                return Err(EffectError::IndexOutOfRange { index, len });
            }
            // UTF-8 byte order is code point order, which is Python's `str` order.
            Effect::SortAscending => self.sort(Ordering::Less),
            Effect::SortDescending => self.sort(Ordering::Greater),
            Effect::Clear => {
                self.items.clear();
                self.bytes = 0;
            }
        }
        Ok(())
    }

    /// Sorts: the elements collected, sorted, and put in new chunks (the list is left as
    /// it was when it is already in order).
    fn sort(&mut self, order: Ordering) {
        let mut items: Vec<&str> = self.items.iter().collect();
        if sort(&mut items, order) {
            self.items = self.items.rebuilt(&items);
        }
    }

    /// Plans and applies a command in one step: the reply, and whether the list changed.
    pub fn execute(&mut self, command: &Command) -> (Outcome, Option<Effect>) {
        match self.plan(command) {
            Plan::Answer(outcome) => (outcome, None),
            Plan::Change { effect, reply } => {
                // A plan made against this very list always fits it.
                let applied = self.apply(effect.clone()).is_ok();
                debug_assert!(applied, "a fresh plan always applies");
                (Outcome::ok(reply), applied.then_some(effect))
            }
        }
    }
}

/// Sorts so that neighbours compare as `order` (or equal), by code point (UTF-8 byte
/// order, Python's `str` order). Adaptive, as Python's timsort is: a list already in order,
/// or in the exact reverse, takes one pass; a list of few ascending runs (a list appended
/// in order: `"0".."9"`, `"10".."99"`, ...) goes to the standard stable sort, which merges
/// its runs; anything else is sorted by 8-byte prefixes, the whole strings compared only
/// where prefixes tie, on both halves at once when the list is large. Says whether
/// anything moved.
fn sort<S: AsRef<str> + Ord + Default + Sync>(items: &mut [S], order: Ordering) -> bool {
    // One pass over the neighbours: how often the list goes down, and up.
    let (descents, ascents) =
        items
            .windows(2)
            .fold((0, 0), |(down, up), pair| match pair[0].cmp(&pair[1]) {
                Ordering::Greater => (down + 1, up),
                Ordering::Less => (down, up + 1),
                Ordering::Equal => (down, up),
            });
    let (against, along) = if order == Ordering::Less {
        (descents, ascents)
    } else {
        (ascents, descents)
    };
    if against == 0 {
        return false;
    }
    if along == 0 {
        items.reverse();
        return true;
    }
    // Equal strings are indistinguishable: descending is ascending reversed.
    if descents.min(ascents) <= items.len() / FEW_RUNS {
        if descents <= ascents {
            items.sort();
        } else {
            items.sort_by(|a, b| b.cmp(a));
            items.reverse();
        }
    } else {
        sort_by_prefix(items);
    }
    if order == Ordering::Greater {
        items.reverse();
    }
    true
}

/// A list with at most one descent in this many neighbours counts as "few runs".
const FEW_RUNS: usize = 64;
/// Lists at least this long are sorted on two threads.
const PARALLEL_FROM: usize = 65_536;

/// Sorts ascending through (prefix, index) keys: eight bytes compared as one integer, the
/// strings themselves only on equal prefixes; then moves each string to its place once.
fn sort_by_prefix<S: AsRef<str> + Ord + Default + Sync>(items: &mut [S]) {
    let prefix = |s: &str| {
        let mut bytes = [0u8; 8];
        let n = s.len().min(8);
        bytes[..n].copy_from_slice(&s.as_bytes()[..n]);
        u64::from_be_bytes(bytes)
    };
    let mut keys: Vec<(u64, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, s)| (prefix(s.as_ref()), i))
        .collect();
    {
        let strings: &[S] = items;
        let compare = |a: &(u64, usize), b: &(u64, usize)| {
            a.0.cmp(&b.0).then_with(|| strings[a.1].cmp(&strings[b.1]))
        };
        if keys.len() >= PARALLEL_FROM {
            let middle = keys.len() / 2;
            let (left, right) = keys.split_at_mut(middle);
            std::thread::scope(|scope| {
                scope.spawn(|| left.sort_unstable_by(compare));
                right.sort_unstable_by(compare);
            });
            keys = merge(&keys[..middle], &keys[middle..], compare);
        } else {
            keys.sort_unstable_by(compare);
        }
    }
    let mut taken: Vec<S> = items.iter_mut().map(std::mem::take).collect();
    for (slot, (_, from)) in items.iter_mut().zip(keys) {
        *slot = std::mem::take(&mut taken[from]);
    }
}

/// Merges two sorted runs of keys.
fn merge<T: Copy>(left: &[T], right: &[T], compare: impl Fn(&T, &T) -> Ordering) -> Vec<T> {
    let mut merged = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if compare(&right[j], &left[i]) == Ordering::Less {
            merged.push(right[j]);
            j += 1;
        } else {
            merged.push(left[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&left[i..]);
    merged.extend_from_slice(&right[j..]);
    merged
}

/// An effect that does not fit the list it is applied to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EffectError {
    /// Insert or remove past the end.
    #[error("index {index} is out of range for a list of {len} elements")]
    IndexOutOfRange {
        /// The effect's index.
        index: usize,
        /// The list's length.
        len: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::protocol::parse_command;

    fn run(list: &mut RemoteList, text: &str) -> String {
        list.execute(&parse_command(text).unwrap())
            .0
            .text
            .as_str()
            .to_owned()
    }

    #[test]
    fn row_exact_changes_hit_the_named_row_or_say_the_list_changed() {
        let mut list = RemoteList::from_items(vec!["a".into(), "b".into(), "a".into()]);
        let remove_third = Command::RemoveAt {
            index: 2,
            expected: "a".into(),
        };
        let (outcome, effect) = list.execute(&remove_third);
        assert_eq!(outcome.text.as_str(), "Elemento 'a' removido da posição 2.");
        assert_eq!(effect, Some(Effect::RemoveAt(2)));
        assert_eq!(
            list.to_vec(),
            ["a", "b"],
            "the third row, not the first 'a'"
        );

        let (stale, effect) = list.execute(&remove_third);
        assert!(stale.is_error && effect.is_none());
        assert_eq!(
            stale.text.as_str(),
            "Erro: a lista mudou: a posição 2 não existe (a lista tem 2 elementos). Atualize \
             a lista e tente de novo."
        );
        let (stale, _) = list.execute(&Command::ReplaceAt {
            index: 1,
            expected: "a".into(),
            element: "c".into(),
        });
        assert_eq!(
            stale.text.as_str(),
            "Erro: a lista mudou: a posição 1 tem 'b', não 'a'. Atualize a lista e tente de \
             novo."
        );
        let (replaced, _) = list.execute(&Command::ReplaceAt {
            index: 1,
            expected: "b".into(),
            element: "c d".into(),
        });
        assert_eq!(
            replaced.text.as_str(),
            "Elemento da posição 1 alterado de 'b' para 'c d'."
        );
        assert_eq!(list.to_vec(), ["a", "c d"]);
        assert_eq!(list.bytes(), 4);
        let (moved, effect) = list.execute(&Command::Move {
            from: 1,
            to: 0,
            expected: "c d".into(),
        });
        assert_eq!(
            moved.text.as_str(),
            "Elemento 'c d' movido da posição 1 para a posição 0."
        );
        assert_eq!(effect, Some(Effect::Move(1, 0)));
        assert_eq!(list.to_vec(), ["c d", "a"]);
        let (past, _) = list.execute(&Command::Move {
            from: 0,
            to: 2,
            expected: "c d".into(),
        });
        assert!(
            past.text
                .as_str()
                .starts_with(crate::net::protocol::STALE_PREFIX)
        );
        assert_eq!(list.to_vec(), ["c d", "a"]);
    }

    proptest::proptest! {
        #[test]
        fn moves_and_replaces_match_the_vec_model(
            items in proptest::collection::vec("[a-c]{0,2}", 1..8),
            from in 0usize..8,
            to in 0usize..8,
        ) {
            let mut list = RemoteList::from_items(items.clone());
            let mut model = items.clone();
            let fits = from < model.len() && to < model.len();
            let applied = list.apply(Effect::Move(from, to));
            proptest::prop_assert_eq!(applied.is_ok(), fits);
            if fits {
                let element = model.remove(from);
                model.insert(to, element);
            }
            proptest::prop_assert_eq!(list.to_vec(), model.as_slice());
            let bytes: usize = model.iter().map(String::len).sum();
            proptest::prop_assert_eq!(list.bytes(), bytes);
            if from < model.len() {
                list.apply(Effect::Replace(from, "xyz".into())).unwrap();
                model[from] = "xyz".into();
            }
            proptest::prop_assert_eq!(list.to_vec(), model.as_slice());
            let bytes: usize = model.iter().map(String::len).sum();
            proptest::prop_assert_eq!(list.bytes(), bytes);
        }
    }

    #[test]
    fn seed_document_session_gives_the_seed_replies() {
        let mut list = RemoteList::default();
        let session = [
            ("mostrar", "[]"),
            ("append 3", "Elemento '3' adicionado."),
            ("append 3", "Elemento '3' adicionado."),
            ("append 5", "Elemento '5' adicionado."),
            ("append 7", "Elemento '7' adicionado."),
            ("append 9", "Elemento '9' adicionado."),
            ("append 3", "Elemento '3' adicionado."),
            ("append 5", "Elemento '5' adicionado."),
            ("mostrar", "['3', '3', '5', '7', '9', '3', '5']"),
            ("insert 4 5", "Elemento '5' inserido na posição 4."),
            ("remover 5", "Elemento '5' removido."),
            ("pesquisar 6", "Não encontrado"),
            ("ordenar_cresc", "Lista ordenada crescentemente."),
            ("mostrar", "['3', '3', '3', '5', '5', '7', '9']"),
            ("ordenar_desc", "Lista ordenada decrescentemente."),
            ("mostrar", "['9', '7', '5', '5', '3', '3', '3']"),
            ("limpar", "Lista limpa."),
            ("mostrar", "[]"),
        ];
        for (request, reply) in session {
            assert_eq!(run(&mut list, request), reply, "{request}");
        }
    }

    #[test]
    fn insert_accepts_zero_to_len_and_refuses_the_rest_unchanged() {
        let mut list = RemoteList::from_items(vec!["a".into()]);
        assert_eq!(run(&mut list, "insert 2 x"), "Posição inválida: 2");
        assert_eq!(run(&mut list, "insert -1 x"), "Posição inválida: -1");
        assert_eq!(
            run(&mut list, "insert 99999999999999999999 x"),
            "Posição inválida: 99999999999999999999"
        );
        assert_eq!(list.to_vec(), ["a"]);
        assert_eq!(
            run(&mut list, "insert 1 z"),
            "Elemento 'z' inserido na posição 1."
        );
        assert_eq!(
            run(&mut list, "insert 0 y"),
            "Elemento 'y' inserido na posição 0."
        );
        assert_eq!(list.to_vec(), ["y", "a", "z"]);
    }

    #[test]
    fn remove_takes_the_first_occurrence_only() {
        let mut list = RemoteList::from_items(vec!["a".into(), "b".into(), "a".into()]);
        assert_eq!(run(&mut list, "remover a"), "Elemento 'a' removido.");
        assert_eq!(list.to_vec(), ["b", "a"]);
        assert_eq!(run(&mut list, "remover c"), "Elemento 'c' não encontrado.");
        assert_eq!(list.to_vec(), ["b", "a"]);
    }

    #[test]
    fn sorting_is_by_code_point_like_python() {
        let mut list = RemoteList::default();
        for x in ["9", "10", "b", "B", "é", "e", "😀", "z"] {
            run(&mut list, &format!("append {x}"));
        }
        run(&mut list, "ordenar_cresc");
        assert_eq!(list.to_vec(), ["10", "9", "B", "b", "e", "z", "é", "😀"]);
        run(&mut list, "ordenar_desc");
        assert_eq!(list.to_vec(), ["😀", "é", "z", "e", "b", "B", "9", "10"]);
    }

    /// A deterministic shuffle (xorshift), so the tests need no random source.
    fn shuffled(mut items: Vec<String>, seed: u64) -> Vec<String> {
        let mut state = seed.max(1);
        for i in (1..items.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            items.swap(i, (state % (i as u64 + 1)) as usize);
        }
        items
    }

    #[test]
    fn every_sort_path_gives_code_point_order() {
        // Long shared prefixes (ties on the 8-byte key), empty-ish and multi-byte strings,
        // duplicates; small, and large enough for the two-thread path.
        let base: Vec<String> = (0..100_000)
            .map(|i| match i % 5 {
                0 => format!("prefix-{}", i % 977),
                1 => format!("prefix-{i}"),
                2 => format!("é{}", i % 31),
                3 => "x".repeat(i % 9 + 1),
                _ => i.to_string(),
            })
            .collect();
        for (name, input) in [
            ("shuffled", shuffled(base.clone(), 7)),
            ("appended order (few runs)", base.clone()),
            ("few runs reversed", base.iter().rev().cloned().collect()),
            ("small shuffled", shuffled(base[..1000].to_vec(), 3)),
        ] {
            let mut want = input.clone();
            want.sort();
            for order in [Ordering::Less, Ordering::Greater] {
                let mut items = input.clone();
                sort(&mut items, order);
                let mut want = want.clone();
                if order == Ordering::Greater {
                    want.reverse();
                }
                assert!(items == want, "{name}, {order:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_scan_finds_the_first_equal_element(
            items in proptest::collection::vec("[ab\\u{e9}]{0,3}", 0..40),
            x in "[ab\\u{e9}]{0,3}",
        ) {
            proptest::prop_assert_eq!(
                RemoteList::from_items(items.clone()).items.position(&x),
                items.iter().position(|item| *item == x)
            );
        }

        #[test]
        fn sorting_matches_the_standard_sort(
            items in proptest::collection::vec("(ab){0,5}[a-c\\u{e9}]{0,4}", 0..200)
        ) {
            for order in [Ordering::Less, Ordering::Greater] {
                let mut sorted = items.clone();
                sort(&mut sorted, order);
                let mut want = items.clone();
                want.sort();
                if order == Ordering::Greater {
                    want.reverse();
                }
                proptest::prop_assert_eq!(sorted, want);
            }
        }
    }

    #[test]
    fn sorting_sorted_reversed_and_duplicate_heavy_lists_gives_python_order() {
        let cases: [&[&str]; 5] = [
            &["a", "b", "c"],
            &["c", "b", "a"],
            &["b", "a", "b", "a"],
            &["x", "x", "x"],
            &["b", "b", "a", "a"],
        ];
        for case in cases {
            let mut expected: Vec<String> = case.iter().map(|s| s.to_string()).collect();
            expected.sort();
            let mut list = RemoteList::from_items(case.iter().map(|s| s.to_string()).collect());
            list.apply(Effect::SortAscending).unwrap();
            assert_eq!(list.to_vec(), expected, "ascending {case:?}");
            expected.reverse();
            list.apply(Effect::SortDescending).unwrap();
            assert_eq!(list.to_vec(), expected, "descending {case:?}");
            let mut list = RemoteList::from_items(case.iter().map(|s| s.to_string()).collect());
            list.apply(Effect::SortDescending).unwrap();
            assert_eq!(list.to_vec(), expected, "descending first {case:?}");
        }
    }

    #[test]
    fn multi_word_elements_are_kept_whole() {
        let mut list = RemoteList::default();
        assert_eq!(
            run(&mut list, "append hello world"),
            "Elemento 'hello world' adicionado."
        );
        assert_eq!(run(&mut list, "pesquisar hello world"), "Encontrado");
        assert_eq!(run(&mut list, "pesquisar hello"), "Não encontrado");
        assert_eq!(list.repr(), "['hello world']");
    }

    #[test]
    fn effects_that_do_not_fit_are_refused_and_change_nothing() {
        let mut list = RemoteList::from_items(vec!["a".into()]);
        assert!(list.apply(Effect::Insert(2, "x".into())).is_err());
        assert!(list.apply(Effect::RemoveAt(1)).is_err());
        assert_eq!(list.to_vec(), ["a"]);
    }

    #[test]
    fn the_byte_count_follows_every_change() {
        let mut list = RemoteList::from_items(vec!["ab".into(), "é".into()]);
        assert_eq!(list.bytes(), 4);
        let effects = [
            Effect::Append("xyz".into()),
            Effect::Insert(1, "😀".into()),
            Effect::RemoveAt(0),
            Effect::SortDescending,
            Effect::Insert(9, "refused".into()),
            Effect::RemoveAt(9),
        ];
        for effect in effects {
            let _ = list.apply(effect);
            let counted: usize = list.to_vec().iter().map(String::len).sum();
            assert_eq!(list.bytes(), counted, "{:?}", list.to_vec());
        }
        list.apply(Effect::Clear).unwrap();
        assert_eq!(list.bytes(), 0);
    }

    #[test]
    fn a_shared_reply_text_is_the_tail_of_its_rendering_and_compares_as_text() {
        let whole = Arc::new("prefix ['a']".to_owned());
        let text = ReplyText::shared(whole.clone(), 7).unwrap();
        assert_eq!(text, "['a']");
        assert_eq!(text, ReplyText::from("['a']"));
        assert_eq!(text.clone().into_bytes(), b"['a']");
        assert_eq!(format!("{text} {text:?}"), "['a'] \"['a']\"");
        let accented = Arc::new("é".to_owned());
        assert!(ReplyText::shared(accented.clone(), 1).is_none());
        assert!(ReplyText::shared(accented, 3).is_none());
    }

    #[test]
    fn only_successful_changes_report_an_effect() {
        let mut list = RemoteList::default();
        let (_, effect) = list.execute(&parse_command("remover x").unwrap());
        assert_eq!(effect, None);
        let (_, effect) = list.execute(&parse_command("append x").unwrap());
        assert_eq!(effect, Some(Effect::Append("x".into())));
        let (outcome, effect) = list.execute(&parse_command("insert 5 x").unwrap());
        assert!(outcome.is_error);
        assert_eq!(effect, None);
    }
}
