//! The chunked list against the plain `Vec` model it replaced: random command sequences
//! (every command kind, positions negative, past the end and huge, duplicates, unicode,
//! empty strings) must give the same replies, the same effects and the same elements,
//! with chunks small enough that every split and merge edge is reached.

use proptest::prelude::*;

use super::*;
use crate::net::protocol::Position;

/// The list as it was, a `Vec<String>`, with the seed's replies: what every command must
/// still answer, byte for byte.
fn model_execute(items: &mut Vec<String>, command: &Command) -> (Outcome, Option<Effect>) {
    let stale = |items: &[String], index: usize, expected: &str| match items.get(index) {
        Some(found) if found == expected => None,
        Some(found) => Some(Outcome::error(replies::stale_row(index, expected, found))),
        None => Some(Outcome::error(replies::stale_index(index, items.len()))),
    };
    let changed = |reply: String, effect: Effect| (Outcome::ok(reply), Some(effect));
    match command {
        Command::Show => (Outcome::ok(repr::list_repr(items)), None),
        Command::Search(x) => (
            Outcome::ok(if items.contains(x) { FOUND } else { NOT_FOUND }),
            None,
        ),
        Command::Append(x) => {
            items.push(x.clone());
            changed(replies::appended(x), Effect::Append(x.clone()))
        }
        Command::Insert { position, element } => {
            match position.index().filter(|&i| i <= items.len()) {
                Some(i) => {
                    items.insert(i, element.clone());
                    changed(
                        replies::inserted(element, position),
                        Effect::Insert(i, element.clone()),
                    )
                }
                None => (Outcome::error(replies::invalid_position(position)), None),
            }
        }
        Command::Remove(x) => match items.iter().position(|item| item == x) {
            Some(i) => {
                items.remove(i);
                changed(replies::removed(x), Effect::RemoveAt(i))
            }
            None => (Outcome::error(replies::not_present(x)), None),
        },
        Command::SortAscending => {
            items.sort();
            changed(replies::SORTED_ASCENDING.to_owned(), Effect::SortAscending)
        }
        Command::SortDescending => {
            items.sort_by(|a, b| b.cmp(a));
            changed(
                replies::SORTED_DESCENDING.to_owned(),
                Effect::SortDescending,
            )
        }
        Command::Clear => {
            items.clear();
            changed(replies::CLEARED.to_owned(), Effect::Clear)
        }
        Command::RemoveAt { index, expected } => match stale(items, *index, expected) {
            Some(refusal) => (refusal, None),
            None => {
                items.remove(*index);
                changed(
                    replies::removed_at(expected, *index),
                    Effect::RemoveAt(*index),
                )
            }
        },
        Command::ReplaceAt {
            index,
            expected,
            element,
        } => match stale(items, *index, expected) {
            Some(refusal) => (refusal, None),
            None => {
                items[*index] = element.clone();
                changed(
                    replies::replaced(*index, expected, element),
                    Effect::Replace(*index, element.clone()),
                )
            }
        },
        Command::Move { from, to, expected } => match stale(items, *from, expected) {
            Some(refusal) => (refusal, None),
            None if *to >= items.len() => (
                Outcome::error(replies::stale_target(*to, items.len())),
                None,
            ),
            None => {
                let element = items.remove(*from);
                items.insert(*to, element);
                changed(
                    replies::moved(expected, *from, *to),
                    Effect::Move(*from, *to),
                )
            }
        },
    }
}

/// Short elements from a small alphabet (so duplicates are common): ASCII, an accent, an
/// emoji, a quote, a space, and the empty string.
fn element() -> impl Strategy<Value = String> {
    "[ab\u{e9}\u{1f600}' ]{0,3}"
}

/// A position as a client may type it: near the list's length, negative, or huge.
fn position() -> impl Strategy<Value = Position> {
    prop_oneof![
        6 => (0usize..40).prop_map(Position::from_index),
        1 => (1u32..5).prop_map(|n| Position::parse(&format!("-{n}")).unwrap()),
        1 => Just(Position::parse("99999999999999999999").unwrap()),
    ]
}

/// Any command, weighted towards changes that grow the list so that chunks fill, split
/// and then empty again.
fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        1 => Just(Command::Show),
        3 => element().prop_map(Command::Search),
        4 => element().prop_map(Command::Append),
        6 => (position(), element())
            .prop_map(|(position, element)| Command::Insert { position, element }),
        4 => element().prop_map(Command::Remove),
        1 => Just(Command::SortAscending),
        1 => Just(Command::SortDescending),
        1 => (0u32..30).prop_map(|n| if n == 0 { Command::Clear } else { Command::Show }),
        3 => (0usize..40, element())
            .prop_map(|(index, expected)| Command::RemoveAt { index, expected }),
        2 => (0usize..40, element(), element()).prop_map(|(index, expected, element)| {
            Command::ReplaceAt { index, expected, element }
        }),
        2 => (0usize..40, 0usize..40, element())
            .prop_map(|(from, to, expected)| Command::Move { from, to, expected }),
    ]
}

/// The element at a row of the model, so that row-exact commands mostly name what is
/// there (and so are applied, not refused).
fn aimed(command: Command, items: &[String]) -> Command {
    let at = |index: usize| items.get(index).cloned();
    match command {
        Command::RemoveAt { index, expected } if index % 4 != 0 => Command::RemoveAt {
            index,
            expected: at(index).unwrap_or(expected),
        },
        Command::ReplaceAt {
            index,
            expected,
            element,
        } if index % 4 != 0 => Command::ReplaceAt {
            index,
            expected: at(index).unwrap_or(expected),
            element,
        },
        Command::Move { from, to, expected } if from % 4 != 0 => Command::Move {
            from,
            to,
            expected: at(from).unwrap_or(expected),
        },
        Command::Remove(x) if x.len() % 2 == 1 && !items.is_empty() => {
            Command::Remove(items[x.len() % items.len()].clone())
        }
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_command_answers_and_changes_the_list_as_the_vec_model(
        start in proptest::collection::vec(element(), 0..30),
        commands in proptest::collection::vec(command(), 1..160),
        max_items in 1usize..6,
        max_bytes in 1usize..24,
    ) {
        let mut list = RemoteList::with_chunk_limits(start.clone(), max_items, max_bytes);
        let mut model = start;
        list.items.check();
        for command in commands {
            let command = aimed(command, &model);
            let want = model_execute(&mut model, &command);
            let got = list.execute(&command);
            prop_assert_eq!(&got, &want, "{:?}", command);
            prop_assert_eq!(list.to_vec(), model.clone(), "{:?}", command);
            prop_assert_eq!(list.len(), model.len());
            prop_assert_eq!(list.bytes(), model.iter().map(String::len).sum::<usize>());
            list.items.check();
        }
        prop_assert_eq!(list.repr(), repr::list_repr(&model));
    }

    #[test]
    fn replaying_the_effects_on_a_copy_gives_the_same_list(
        commands in proptest::collection::vec(command(), 1..100),
    ) {
        let mut list = RemoteList::with_chunk_limits(Vec::new(), 3, 8);
        let mut replica = RemoteList::default();
        let mut model = Vec::new();
        for command in commands {
            let command = aimed(command, &model);
            model_execute(&mut model, &command);
            if let (_, Some(effect)) = list.execute(&command) {
                prop_assert!(replica.apply(effect).is_ok());
            }
        }
        prop_assert_eq!(&replica, &list);
        prop_assert_eq!(replica.to_vec(), model);
    }
}

#[test]
fn a_value_repeated_across_many_chunks_is_found_and_removed_first_occurrence_first() {
    let mut items: Vec<String> = (0..10_000).map(|i| (i % 3).to_string()).collect();
    items[7_777] = "needle".into();
    items[9_999] = "needle".into();
    let mut list = RemoteList::with_chunk_limits(items, 64, 1 << 16);
    assert_eq!(list.items.position("needle"), Some(7_777));
    assert_eq!(list.items.position("2"), Some(2));
    assert_eq!(list.items.position("3"), None);
    let (outcome, effect) = list.execute(&Command::Remove("needle".into()));
    assert_eq!(outcome.text, "Elemento 'needle' removido.");
    assert_eq!(effect, Some(Effect::RemoveAt(7_777)));
    assert_eq!(list.items.position("needle"), Some(9_998));
    list.items.check();
}

#[test]
fn appends_fill_each_chunk_before_starting_the_next() {
    let items: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    let list = RemoteList::with_chunk_limits(items, 4, 1 << 16);
    assert_eq!(list.items.chunk_lens(), [4, 4, 2]);
}

#[test]
fn an_insert_into_a_full_chunk_splits_it_in_two_halves() {
    let items: Vec<String> = (0..8).map(|i| i.to_string()).collect();
    let mut list = RemoteList::with_chunk_limits(items, 4, 1 << 16);
    list.apply(Effect::Insert(1, "x".into())).unwrap();
    assert_eq!(list.items.chunk_lens(), [2, 3, 4]);
    assert_eq!(list.to_vec(), ["0", "x", "1", "2", "3", "4", "5", "6", "7"]);
    list.items.check();
}

#[test]
fn a_chunk_past_its_bytes_splits_and_a_long_element_gets_a_chunk_of_its_own() {
    let mut list = RemoteList::with_chunk_limits(vec!["ab".into(); 4], 8, 10);
    assert_eq!(list.items.chunk_lens(), [4]);
    list.apply(Effect::Insert(2, "x".repeat(30))).unwrap();
    list.items.check();
    assert!(
        list.items.chunk_lens().contains(&1),
        "{:?}",
        list.items.chunk_lens()
    );
    assert_eq!(list.get(2), Some("x".repeat(30).as_str()));
    list.apply(Effect::Replace(0, "y".repeat(25))).unwrap();
    list.items.check();
    assert_eq!(list.bytes(), 6 + 30 + 25);
}

#[test]
fn removals_merge_a_small_chunk_into_its_neighbour_and_drop_an_empty_one() {
    let items: Vec<String> = (0..16).map(|i| i.to_string()).collect();
    let mut list = RemoteList::with_chunk_limits(items, 8, 1 << 16);
    assert_eq!(list.items.chunk_lens(), [8, 8]);
    for _ in 0..6 {
        list.apply(Effect::RemoveAt(0)).unwrap();
    }
    // 2 left in the first chunk: 2 + 8 elements do not fit in 6, so it stays.
    assert_eq!(list.items.chunk_lens(), [2, 8]);
    for _ in 0..4 {
        list.apply(Effect::RemoveAt(5)).unwrap();
    }
    assert_eq!(list.items.chunk_lens(), [2, 4]);
    // Below a quarter of a chunk, and 1 + 4 fit in three quarters of 8: merged.
    list.apply(Effect::RemoveAt(0)).unwrap();
    assert_eq!(list.items.chunk_lens(), [5]);
    assert_eq!(list.to_vec(), ["7", "8", "9", "10", "15"]);
    list.items.check();
    while !list.is_empty() {
        list.apply(Effect::RemoveAt(0)).unwrap();
    }
    assert!(list.items.chunk_lens().is_empty());
    list.apply(Effect::Insert(0, "again".into())).unwrap();
    assert_eq!(list.to_vec(), ["again"]);
}

#[test]
fn lists_with_the_same_elements_are_equal_whatever_their_chunks() {
    let items: Vec<String> = (0..20).map(|i| i.to_string()).collect();
    let a = RemoteList::with_chunk_limits(items.clone(), 3, 1 << 16);
    let b = RemoteList::from_items(items);
    assert_eq!(a, b);
    assert_eq!(format!("{a:?}").len(), format!("{:?}", b.to_vec()).len());
}

#[test]
fn a_long_list_sorted_is_rebuilt_on_two_threads_into_one_searchable_list() {
    let items: Vec<String> = (0..100_000u64)
        .map(|i| (i * 7_919 % 100_003).to_string())
        .collect();
    let mut list = RemoteList::with_chunk_limits(items.clone(), 64, 1 << 16);
    list.apply(Effect::SortDescending).unwrap();
    let mut want = items;
    want.sort_by(|a, b| b.cmp(a));
    assert_eq!(list.to_vec(), want);
    list.items.check();
    assert_eq!(list.items.position(&want[99_999]), Some(99_999));
    assert_eq!(list.items.position(&want[50_000]), Some(50_000));
    assert_eq!(list.items.chunk_lens().iter().max(), Some(&64));
}
