//! Undo and redo of this app's own changes. Each change the server applied, seen as its
//! live update, is kept with its inverse as row-exact requests; before an undo or redo is
//! sent, its requests are checked against the list as it is now, so that one that would
//! hit another row is refused with the reason instead of guessed (and the server checks
//! each row again when it arrives).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::net::client::RequestId;
use crate::net::list::Effect;
use crate::net::protocol::{Command, Position};

/// How many changes (user actions: one paste, one multi-row delete count as one) the
/// history keeps.
pub(crate) const DEPTH: usize = 200;
/// Elements kept in whole-list copies (the lists before sorts and clears), in all; the
/// oldest changes are forgotten past it.
const WHOLE_BUDGET: usize = 4_000_000;
/// Requests in flight the history remembers at most.
const MAX_IN_FLIGHT: usize = 1 << 20;

/// A request an undo or redo sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// One change.
    Send(Command),
    /// Gives the list back as it was: `limpar`, then every element appended in order.
    Restore(Arc<Vec<String>>),
}

/// Why an undo or redo was not sent: the list changed since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A row holds another value than the step left there.
    RowChanged {
        /// The row.
        index: usize,
        /// What the step left there.
        expected: String,
        /// What is there now.
        found: String,
    },
    /// A row the step needs is past the list's end now.
    PastEnd {
        /// The row.
        index: usize,
        /// The list's length now.
        len: usize,
    },
    /// A sort or clear cannot be undone (or redone): the list is no longer what it left.
    ListChanged,
}

/// One change, undone and redone.
#[derive(Debug, Clone)]
enum Step {
    /// A row added, removed, replaced or moved: the row-exact requests that undo and redo it.
    Row { undo: Command, redo: Command },
    /// A sort or a clear: the list before and after, and the command.
    Whole {
        before: Arc<Vec<String>>,
        after: Arc<Vec<String>>,
        command: Command,
    },
}

impl Step {
    /// The step for `effect`, applied to `before`; `None` when it does not fit (then the
    /// update will not apply either, and the list is fetched again).
    fn of(effect: &Effect, before: &[String]) -> Option<Self> {
        let row = |undo, redo| Some(Self::Row { undo, redo });
        match effect {
            Effect::Append(element) => {
                let index = before.len();
                row(remove_at(index, element), insert(index, element.clone()))
            }
            Effect::Insert(index, element) => {
                row(remove_at(*index, element), insert(*index, element.clone()))
            }
            Effect::RemoveAt(index) => {
                let element = before.get(*index)?;
                row(insert(*index, element.clone()), remove_at(*index, element))
            }
            Effect::Replace(index, element) => {
                let old = before.get(*index)?;
                row(
                    Command::ReplaceAt {
                        index: *index,
                        expected: element.clone(),
                        element: old.clone(),
                    },
                    Command::ReplaceAt {
                        index: *index,
                        expected: old.clone(),
                        element: element.clone(),
                    },
                )
            }
            Effect::Move(from, to) => {
                let element = before.get(*from)?;
                row(
                    Command::Move {
                        from: *to,
                        to: *from,
                        expected: element.clone(),
                    },
                    Command::Move {
                        from: *from,
                        to: *to,
                        expected: element.clone(),
                    },
                )
            }
            Effect::SortAscending | Effect::SortDescending | Effect::Clear => {
                let mut after = before.to_vec();
                let command = match effect {
                    Effect::SortAscending => {
                        after.sort();
                        Command::SortAscending
                    }
                    Effect::SortDescending => {
                        after.sort_by(|a, b| b.cmp(a));
                        Command::SortDescending
                    }
                    _ => {
                        after.clear();
                        Command::Clear
                    }
                };
                Some(Self::Whole {
                    before: Arc::new(before.to_vec()),
                    after: Arc::new(after),
                    command,
                })
            }
        }
    }

    /// Elements this step keeps copies of.
    fn kept(&self) -> usize {
        match self {
            Self::Row { .. } => 0,
            Self::Whole { before, after, .. } => before.len() + after.len(),
        }
    }

    /// The requests that undo it, checked against (and applied to) `items`.
    fn undo(&self, items: &mut Vec<String>) -> Result<Op, Refusal> {
        match self {
            Self::Row { undo, .. } => play(undo, items),
            Self::Whole { before, after, .. } => {
                if items != after.as_ref() {
                    return Err(Refusal::ListChanged);
                }
                items.clone_from(before);
                Ok(Op::Restore(Arc::clone(before)))
            }
        }
    }

    /// The requests that redo it, checked against (and applied to) `items`.
    fn redo(&self, items: &mut Vec<String>) -> Result<Op, Refusal> {
        match self {
            Self::Row { redo, .. } => play(redo, items),
            Self::Whole {
                before,
                after,
                command,
            } => {
                if items != before.as_ref() {
                    return Err(Refusal::ListChanged);
                }
                items.clone_from(after);
                Ok(Op::Send(command.clone()))
            }
        }
    }
}

fn remove_at(index: usize, element: &str) -> Command {
    Command::RemoveAt {
        index,
        expected: element.to_owned(),
    }
}

fn insert(index: usize, element: String) -> Command {
    Command::Insert {
        position: Position::from_index(index),
        element,
    }
}

/// Checks that a row command would do to `items` what it did when it was recorded.
fn check_row(command: &Command, items: &[String]) -> Result<(), Refusal> {
    let holds = |index: usize, expected: &str| match items.get(index) {
        Some(found) if found == expected => Ok(()),
        Some(found) => Err(Refusal::RowChanged {
            index,
            expected: expected.to_owned(),
            found: found.clone(),
        }),
        None => Err(Refusal::PastEnd {
            index,
            len: items.len(),
        }),
    };
    let within = |index: usize, len: usize| {
        if index > len {
            Err(Refusal::PastEnd {
                index,
                len: items.len(),
            })
        } else {
            Ok(())
        }
    };
    match command {
        Command::RemoveAt { index, expected }
        | Command::ReplaceAt {
            index, expected, ..
        } => holds(*index, expected),
        Command::Move { from, to, expected } => {
            holds(*from, expected)?;
            // `to` is an index of the list without the row.
            within(*to, items.len().saturating_sub(1))
        }
        // Only ever made from an index (`Step::of`); past the end, the seed's rule would
        // put the element at another index than the one it had.
        Command::Insert { position, .. } => {
            within(position.index().unwrap_or(usize::MAX), items.len())
        }
        _ => Ok(()),
    }
}

/// Checks a row command against `items` and applies it there, as the server would.
fn play(command: &Command, items: &mut Vec<String>) -> Result<Op, Refusal> {
    check_row(command, items)?;
    match command {
        Command::RemoveAt { index, .. } => {
            items.remove(*index);
        }
        Command::ReplaceAt { index, element, .. } => element.clone_into(&mut items[*index]),
        Command::Move { from, to, .. } => {
            let element = items.remove(*from);
            items.insert(*to, element);
        }
        Command::Insert { position, element } => {
            if let Some(index) = position.index() {
                items.insert(index, element.clone());
            }
        }
        _ => {}
    }
    Ok(Op::Send(command.clone()))
}

/// A user action's changes, as one entry.
#[derive(Debug)]
struct Entry {
    id: u64,
    steps: Vec<Step>,
}

impl Entry {
    fn kept(&self) -> usize {
        self.steps.iter().map(Step::kept).sum()
    }
}

/// What a request sent is to the history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A user's change, part of this entry.
    Change(u64),
    /// A request undoing this entry.
    Undo(u64),
    /// A request redoing this entry.
    Redo(u64),
}

/// An undo or redo, checked: the requests to send, in order.
#[derive(Debug)]
pub(crate) struct Planned {
    entry: u64,
    redo: bool,
    /// What to send, in order.
    pub ops: Vec<Op>,
}

/// The undo and redo stacks of this app's own changes.
#[derive(Debug, Default)]
pub(crate) struct History {
    undo: Vec<Entry>,
    redo: Vec<Entry>,
    next_entry: u64,
    /// What the requests in flight are to the history (ids grow: the oldest first).
    requests: BTreeMap<RequestId, Role>,
}

impl History {
    /// A new entry for one user action; its requests are told with [`History::sent`].
    pub(crate) fn new_entry(&mut self) -> u64 {
        self.next_entry += 1;
        self.next_entry
    }

    /// A user's change was sent as `id`, part of `entry`.
    pub(crate) fn sent(&mut self, id: RequestId, entry: u64) {
        self.requests.insert(id, Role::Change(entry));
        // A change whose update never came (the connection dropped it) is not waited for
        // forever.
        while self.requests.len() > MAX_IN_FLIGHT {
            self.requests.pop_first();
        }
    }

    /// An undo's or redo's requests were sent as `ids`.
    pub(crate) fn sent_plan(
        &mut self,
        planned: &Planned,
        ids: impl IntoIterator<Item = RequestId>,
    ) {
        let role = if planned.redo {
            Role::Redo(planned.entry)
        } else {
            Role::Undo(planned.entry)
        };
        for id in ids {
            self.requests.insert(id, role);
        }
    }

    /// The live update of request `id`'s change came: `effect`, applied to `before`. A
    /// user's change is kept for undo (and what was undone can no longer be redone); an
    /// undo's or redo's own changes are not kept again.
    pub(crate) fn record(&mut self, id: RequestId, effect: &Effect, before: &[String]) {
        let Some(Role::Change(entry)) = self.requests.remove(&id) else {
            return;
        };
        let Some(step) = Step::of(effect, before) else {
            return;
        };
        self.redo.clear();
        match self.undo.iter_mut().rev().find(|e| e.id == entry) {
            Some(found) => found.steps.push(step),
            None => self.undo.push(Entry {
                id: entry,
                steps: vec![step],
            }),
        }
        self.trim();
    }

    /// Request `id` failed or was refused. A user's change is simply not kept; when an
    /// undo's or redo's request fails, that entry is dropped (part of it may not have
    /// been applied, so it cannot be undone or redone again): returns whether one was.
    pub(crate) fn failed(&mut self, id: RequestId) -> bool {
        let (stack, entry) = match self.requests.remove(&id) {
            Some(Role::Undo(entry)) => (&mut self.redo, entry),
            Some(Role::Redo(entry)) => (&mut self.undo, entry),
            Some(Role::Change(_)) | None => return false,
        };
        let before = stack.len();
        stack.retain(|e| e.id != entry);
        stack.len() != before
    }

    /// Whether there is something to undo.
    pub(crate) fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Whether there is something to redo.
    pub(crate) fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// The last change, undone: its steps' inverses, last step first, checked against
    /// `items`. The entry moves to the redo stack; refused, it is dropped (the list changed
    /// under it for good).
    pub(crate) fn undo(&mut self, items: &[String]) -> Option<Result<Planned, Refusal>> {
        self.replay(false, items)
    }

    /// The last undone change, done again, checked against `items`.
    pub(crate) fn redo(&mut self, items: &[String]) -> Option<Result<Planned, Refusal>> {
        self.replay(true, items)
    }

    fn replay(&mut self, redo: bool, items: &[String]) -> Option<Result<Planned, Refusal>> {
        let (from, to) = if redo {
            (&mut self.redo, &mut self.undo)
        } else {
            (&mut self.undo, &mut self.redo)
        };
        let entry = from.pop()?;
        let steps: Vec<&Step> = if redo {
            entry.steps.iter().collect()
        } else {
            entry.steps.iter().rev().collect()
        };
        let ops = check(items, &steps, redo);
        Some(ops.map(|ops| {
            let planned = Planned {
                entry: entry.id,
                redo,
                ops,
            };
            to.push(entry);
            planned
        }))
    }

    /// Forgets everything (another server, or none).
    pub(crate) fn clear(&mut self) {
        *self = Self {
            next_entry: self.next_entry,
            ..Self::default()
        };
    }

    /// Keeps at most [`DEPTH`] entries and [`WHOLE_BUDGET`] elements of copies.
    fn trim(&mut self) {
        let excess = self.undo.len().saturating_sub(DEPTH);
        self.undo.drain(..excess);
        let mut kept: usize = self.undo.iter().map(Entry::kept).sum();
        while kept > WHOLE_BUDGET && !self.undo.is_empty() {
            kept -= self.undo.remove(0).kept();
        }
    }
}

/// Each step's requests, checked in order against `items` as the earlier ones leave it
/// (a single row step is checked on the list itself, without copying a large list).
fn check(items: &[String], steps: &[&Step], redo: bool) -> Result<Vec<Op>, Refusal> {
    if let [Step::Row { undo, redo: again }] = steps {
        let command = if redo { again } else { undo };
        check_row(command, items)?;
        return Ok(vec![Op::Send(command.clone())]);
    }
    let mut scratch = items.to_vec();
    steps
        .iter()
        .map(|step| {
            if redo {
                step.redo(&mut scratch)
            } else {
                step.undo(&mut scratch)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::list::RemoteList;
    use proptest::prelude::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    /// A user's change, its live update recorded the way the session does, then applied.
    fn change(history: &mut History, entry: u64, id: u64, effect: Effect, items: &mut Vec<String>) {
        history.sent(RequestId(id), entry);
        history.record(RequestId(id), &effect, items);
        let mut remote = RemoteList::from_items(std::mem::take(items));
        remote.apply(effect).expect("the effect fits");
        *items = remote.to_vec();
    }

    /// What the server does with an undo's or redo's requests.
    fn send(ops: &[Op], items: &mut Vec<String>) {
        for op in ops {
            match op {
                Op::Send(command) => {
                    let mut remote = RemoteList::from_items(std::mem::take(items));
                    let (outcome, _) = remote.execute(command);
                    assert!(!outcome.is_error, "{command:?}: {}", outcome.text.as_str());
                    *items = remote.to_vec();
                }
                Op::Restore(before) => items.clone_from(before),
            }
        }
    }

    #[test]
    fn each_kind_of_row_change_is_undone_and_redone() {
        let start = list(&["a", "b", "a"]);
        let effects = [
            Effect::Append("c".into()),
            Effect::Insert(1, "x y".into()),
            Effect::RemoveAt(2),
            Effect::Replace(0, "'quoted' é".into()),
            Effect::Move(0, 2),
            Effect::SortDescending,
            Effect::Clear,
        ];
        for effect in effects {
            let mut history = History::default();
            let mut items = start.clone();
            let entry = history.new_entry();
            change(&mut history, entry, 1, effect.clone(), &mut items);
            let after = items.clone();
            let undo = history.undo(&items).expect("one entry").expect("fits");
            send(&undo.ops, &mut items);
            assert_eq!(items, start, "undo of {effect:?}");
            assert!(history.can_redo() && !history.can_undo());
            let redo = history.redo(&items).expect("one entry").expect("fits");
            send(&redo.ops, &mut items);
            assert_eq!(items, after, "redo of {effect:?}");
        }
    }

    #[test]
    fn one_action_of_many_requests_is_undone_as_one() {
        let mut history = History::default();
        let mut items = list(&["a", "b", "c", "d"]);
        // Deleting rows 1 and 3, last first, as the table does.
        let entry = history.new_entry();
        change(&mut history, entry, 1, Effect::RemoveAt(3), &mut items);
        change(&mut history, entry, 2, Effect::RemoveAt(1), &mut items);
        assert_eq!(items, ["a", "c"]);
        let undo = history.undo(&items).unwrap().unwrap();
        assert_eq!(undo.ops.len(), 2);
        send(&undo.ops, &mut items);
        assert_eq!(items, ["a", "b", "c", "d"]);
        assert!(!history.can_undo());
    }

    #[test]
    fn an_undo_that_would_hit_another_row_is_refused_and_dropped() {
        let mut history = History::default();
        let mut items = list(&["a", "b"]);
        let entry = history.new_entry();
        change(
            &mut history,
            entry,
            1,
            Effect::Replace(1, "B".into()),
            &mut items,
        );
        // Another client changes the row.
        items[1] = "other".into();
        assert_eq!(
            history.undo(&items).unwrap().unwrap_err(),
            Refusal::RowChanged {
                index: 1,
                expected: "B".into(),
                found: "other".into()
            }
        );
        assert!(!history.can_undo() && !history.can_redo());

        // A removed row cannot go back past the end of a list that shrank.
        let entry = history.new_entry();
        let mut items = list(&["a", "b", "c"]);
        change(&mut history, entry, 2, Effect::RemoveAt(2), &mut items);
        items.clear();
        assert_eq!(
            history.undo(&items).unwrap().unwrap_err(),
            Refusal::PastEnd { index: 2, len: 0 }
        );

        // A sort is undone only on the list it left.
        let entry = history.new_entry();
        let mut items = list(&["b", "a"]);
        change(&mut history, entry, 3, Effect::SortAscending, &mut items);
        items.push("z".into());
        assert_eq!(
            history.undo(&items).unwrap().unwrap_err(),
            Refusal::ListChanged
        );
    }

    #[test]
    fn a_new_change_ends_redo_and_an_undone_request_refused_drops_its_entry() {
        let mut history = History::default();
        let mut items = list(&[]);
        for id in 1..=2 {
            let entry = history.new_entry();
            change(
                &mut history,
                entry,
                id,
                Effect::Append(id.to_string()),
                &mut items,
            );
        }
        let undo = history.undo(&items).unwrap().unwrap();
        // Sent as two requests (say, a clear and an append).
        history.sent_plan(&undo, [RequestId(10), RequestId(11)]);
        send(&undo.ops, &mut items);
        assert!(history.can_redo());
        // The undo's own update is not kept as a change.
        history.record(RequestId(10), &Effect::RemoveAt(1), &items);
        assert_eq!(history.undo.len(), 1);
        // The server refused the other: it cannot be redone.
        assert!(history.failed(RequestId(11)));
        assert!(!history.can_redo());

        let undo = history.undo(&items).unwrap().unwrap();
        send(&undo.ops, &mut items);
        assert!(history.can_redo());
        let entry = history.new_entry();
        change(
            &mut history,
            entry,
            3,
            Effect::Append("new".into()),
            &mut items,
        );
        assert!(
            !history.can_redo(),
            "a new change ends what could be redone"
        );
        // A user's change refused by the server is just not kept.
        assert!(!history.failed(RequestId(4)));
    }

    #[test]
    fn the_history_keeps_its_depth_and_forgets_the_oldest() {
        let mut history = History::default();
        let mut items = Vec::new();
        for id in 0..(DEPTH as u64 + 50) {
            let entry = history.new_entry();
            change(
                &mut history,
                entry,
                id,
                Effect::Append(id.to_string()),
                &mut items,
            );
        }
        let mut undone = 0;
        while let Some(planned) = history.undo(&items) {
            send(&planned.unwrap().ops, &mut items);
            undone += 1;
        }
        assert_eq!(undone, DEPTH);
        assert_eq!(items.len(), 50);
        history.clear();
        assert!(!history.can_redo());
    }

    fn effect_strategy() -> impl Strategy<Value = (u8, usize, usize, String)> {
        (0u8..8, 0usize..12, 0usize..12, "[a-c ]{1,3}")
    }

    proptest! {
        /// Any run of one's own changes, undone one by one, gives back each list it went
        /// through, and redone, gives back the last.
        #[test]
        fn undoing_everything_walks_back_through_every_list(
            start in proptest::collection::vec("[a-c]{1,2}", 0..6),
            changes in proptest::collection::vec(effect_strategy(), 1..20),
        ) {
            let mut history = History::default();
            let mut items = start.clone();
            let mut seen = vec![items.clone()];
            for (id, (kind, i, j, x)) in changes.into_iter().enumerate() {
                let len = items.len();
                let x = x.trim().to_owned();
                let effect = match kind {
                    0 => Effect::Append(if x.is_empty() { "e".into() } else { x }),
                    1 => Effect::Insert(i.min(len), if x.is_empty() { "e".into() } else { x }),
                    2 if len > 0 => Effect::RemoveAt(i % len),
                    3 if len > 0 => Effect::Replace(i % len, format!("r{x}")),
                    4 if len > 0 => Effect::Move(i % len, j % len),
                    5 => Effect::SortAscending,
                    6 => Effect::SortDescending,
                    7 => Effect::Clear,
                    _ => continue,
                };
                let entry = history.new_entry();
                change(&mut history, entry, id as u64, effect, &mut items);
                seen.push(items.clone());
            }
            let last = items.clone();
            seen.pop();
            while let Some(planned) = history.undo(&items) {
                send(&planned.expect("own changes only: never stale").ops, &mut items);
                prop_assert_eq!(Some(&items), seen.last());
                seen.pop();
            }
            prop_assert_eq!(&items, &start);
            while let Some(planned) = history.redo(&items) {
                send(&planned.expect("never stale").ops, &mut items);
            }
            prop_assert_eq!(items, last);
        }
    }
}
