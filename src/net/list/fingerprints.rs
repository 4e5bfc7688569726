//! A chunk's fingerprints: a small counting set of its elements' 32-bit hashes, so that a
//! search asks each chunk "may it hold this value?" with one probe and scans only the
//! chunks that may.

/// A counting set of 32-bit hashes: open addressing with linear probing, a count per
/// distinct hash (so a value repeated in the chunk takes one slot), and backward-shift
/// deletion (no tombstones, so probe runs never grow with churn).
#[derive(Debug, Clone, Default)]
pub(super) struct Fingerprints {
    /// The hashes; 0 marks an empty slot (a hash of 0 is stored as 1). The length is 0 or
    /// a power of two.
    slots: Vec<u32>,
    /// How many of the chunk's elements have the hash in the same slot. A chunk holds at
    /// most `chunked::MAX_ITEMS + 1` elements, far below `u16::MAX`.
    counts: Vec<u16>,
    /// Occupied slots.
    used: usize,
}

/// The smallest table.
const MIN_SLOTS: usize = 8;

/// The stored form of a hash: never 0, the empty slot.
fn stored(hash: u32) -> u32 {
    hash.max(1)
}

/// A table size that holds `distinct` hashes at most three quarters full.
fn slots_for(distinct: usize) -> usize {
    (distinct * 4 / 3 + 1).next_power_of_two().max(MIN_SLOTS)
}

impl Fingerprints {
    /// Whether some element may have this hash (exact on the 32-bit hash).
    pub(super) fn contains(&self, hash: u32) -> bool {
        self.find(stored(hash)).is_some()
    }

    /// Counts one more element with this hash.
    pub(super) fn add(&mut self, hash: u32) {
        self.add_count(stored(hash), 1);
    }

    /// Counts one element with this hash less; false when none was counted.
    pub(super) fn remove(&mut self, hash: u32) -> bool {
        let Some(slot) = self.find(stored(hash)) else {
            return false;
        };
        if self.counts[slot] > 1 {
            self.counts[slot] -= 1;
            return true;
        }
        self.delete_slot(slot);
        if self.slots.len() > MIN_SLOTS && self.used * 8 < self.slots.len() {
            self.resize(slots_for(self.used));
        }
        true
    }

    /// Takes in every count of `other` (a neighbour chunk merged into this one).
    pub(super) fn absorb(&mut self, other: &Fingerprints) {
        for (&hash, &count) in other.slots.iter().zip(&other.counts) {
            if hash != 0 {
                self.add_count(hash, count);
            }
        }
    }

    /// The heap bytes the table holds.
    pub(super) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<u32>() + self.counts.capacity() * size_of::<u16>()
    }

    /// The total count (the number of elements counted).
    #[cfg(test)]
    pub(super) fn total(&self) -> usize {
        self.counts.iter().map(|&c| usize::from(c)).sum()
    }

    fn find(&self, hash: u32) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            match self.slots[slot] {
                found if found == hash => return Some(slot),
                0 => return None,
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    fn add_count(&mut self, hash: u32, count: u16) {
        if (self.used + 1) * 4 > self.slots.len() * 3 {
            self.resize(slots_for(self.used + 1));
        }
        let mask = self.slots.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            match self.slots[slot] {
                found if found == hash => {
                    self.counts[slot] += count;
                    return;
                }
                0 => {
                    self.slots[slot] = hash;
                    self.counts[slot] = count;
                    self.used += 1;
                    return;
                }
                _ => slot = (slot + 1) & mask,
            }
        }
    }

    /// Empties `slot`, shifting back the entries after it that probed past it.
    fn delete_slot(&mut self, slot: usize) {
        let mask = self.slots.len() - 1;
        let mut hole = slot;
        let mut next = (slot + 1) & mask;
        while self.slots[next] != 0 {
            let home = self.slots[next] as usize & mask;
            // The entry may fill the hole when the hole lies between its home and it.
            if next.wrapping_sub(home) & mask >= next.wrapping_sub(hole) & mask {
                self.slots[hole] = self.slots[next];
                self.counts[hole] = self.counts[next];
                hole = next;
            }
            next = (next + 1) & mask;
        }
        self.slots[hole] = 0;
        self.counts[hole] = 0;
        self.used -= 1;
    }

    fn resize(&mut self, slots: usize) {
        let old_slots = std::mem::replace(&mut self.slots, vec![0; slots]);
        let old_counts = std::mem::replace(&mut self.counts, vec![0; slots]);
        self.used = 0;
        for (hash, count) in old_slots.into_iter().zip(old_counts) {
            if hash != 0 {
                self.add_count(hash, count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    proptest::proptest! {
        #[test]
        fn the_table_counts_hashes_like_a_map(
            // Few distinct hashes, many colliding home slots (small values, and values
            // equal modulo 8), zero among them.
            operations in proptest::collection::vec((proptest::bool::ANY, 0u32..40), 0..400),
        ) {
            let mut table = Fingerprints::default();
            let mut model: HashMap<u32, usize> = HashMap::new();
            for (add, value) in operations {
                let hash = value * 8 + value % 3;
                if add {
                    table.add(hash);
                    *model.entry(stored(hash)).or_default() += 1;
                } else {
                    let had = model.get(&stored(hash)).copied().unwrap_or(0);
                    proptest::prop_assert_eq!(table.remove(hash), had > 0);
                    if had == 1 {
                        model.remove(&stored(hash));
                    } else if had > 1 {
                        model.insert(stored(hash), had - 1);
                    }
                }
                for probe in 0..40 {
                    let hash = probe * 8 + probe % 3;
                    proptest::prop_assert_eq!(
                        table.contains(hash),
                        model.contains_key(&stored(hash))
                    );
                }
                proptest::prop_assert_eq!(table.total(), model.values().sum::<usize>());
            }
        }
    }

    #[test]
    fn hash_zero_and_one_share_a_slot_and_both_are_found() {
        let mut table = Fingerprints::default();
        table.add(0);
        assert!(table.contains(0) && table.contains(1));
        table.add(1);
        assert!(table.remove(0));
        assert!(table.contains(1));
        assert!(table.remove(1));
        assert!(!table.contains(0) && !table.remove(1));
    }

    #[test]
    fn the_table_shrinks_when_emptied_and_absorbs_a_neighbour() {
        let mut table = Fingerprints::default();
        for hash in 1..=1000 {
            table.add(hash);
        }
        let full = table.heap_bytes();
        for hash in 1..=990 {
            assert!(table.remove(hash));
        }
        assert!(
            table.heap_bytes() < full / 8,
            "{} of {full}",
            table.heap_bytes()
        );
        let mut other = Fingerprints::default();
        other.add(5);
        other.add(995);
        table.absorb(&other);
        assert_eq!(table.total(), 12);
        assert!(table.contains(5) && table.contains(1000) && !table.contains(6));
    }
}
