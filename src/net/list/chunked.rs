//! The list's storage: elements in chunks of a few thousand, each chunk one text arena
//! (the elements' UTF-8 bytes back to back, with their end offsets) and the fingerprints
//! of its elements, so that every single-element change touches one chunk and a search
//! probes each chunk once and scans only the chunks that may hold the value.

use std::hash::BuildHasher;
use std::hash::RandomState;

use super::fingerprints::Fingerprints;

/// A chunk holds at most this many elements (one more only between an insert and its split).
pub(super) const MAX_ITEMS: usize = 4096;
/// A chunk of two or more elements is split when its text grows past this many bytes.
pub(super) const MAX_BYTES: usize = 64 * 1024;

/// Lists at least this long are rebuilt (after a sort) on two threads.
const PARALLEL_BUILD_FROM: usize = 65_536;

/// How big a chunk may grow. A chunk with fewer than a quarter of `max_items` elements is
/// merged into a neighbour when they fit together in three quarters of a chunk (so the
/// merged chunk is not split again soon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Limits {
    /// At most this many elements (at most `MAX_ITEMS`: the fingerprints count in `u16`).
    pub(super) max_items: usize,
    /// Split a chunk of two or more elements past this many bytes of text.
    pub(super) max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_items: MAX_ITEMS,
            max_bytes: MAX_BYTES,
        }
    }
}

/// Elements in order, in chunks.
#[derive(Debug, Clone, Default)]
pub(super) struct Chunked {
    chunks: Vec<Chunk>,
    len: usize,
    limits: Limits,
    /// Hashes the elements for the fingerprints (keyed per list: a client cannot choose
    /// values that collide).
    hasher: RandomState,
}

/// Consecutive elements: their text in one arena.
#[derive(Debug, Clone, Default)]
struct Chunk {
    /// The elements' bytes, back to back (each element a whole UTF-8 string).
    text: String,
    /// Where each element ends in `text`; element `k` starts where `k - 1` ends. A chunk's
    /// text stays within `MAX_BYTES` plus one element, and an element is at most a request
    /// (or a journal record) long, far below 4 GiB.
    ends: Vec<u32>,
    /// The hashes of the elements.
    prints: Fingerprints,
}

/// An offset in a chunk's text as stored (see [`Chunk::ends`] for why it fits).
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

impl Chunk {
    fn len(&self) -> usize {
        self.ends.len()
    }

    fn start(&self, k: usize) -> usize {
        if k == 0 { 0 } else { self.ends[k - 1] as usize }
    }

    fn span(&self, k: usize) -> (usize, usize) {
        (self.start(k), self.ends[k] as usize)
    }

    fn get(&self, k: usize) -> &str {
        let (start, end) = self.span(k);
        &self.text[start..end]
    }

    /// Adds `delta` bytes to the ends from element `k` on.
    fn shift_ends(&mut self, k: usize, grow: usize, shrink: usize) {
        for end in &mut self.ends[k..] {
            *end = offset(*end as usize + grow - shrink);
        }
    }

    fn push(&mut self, x: &str, hash: u32) {
        self.text.push_str(x);
        self.ends.push(offset(self.text.len()));
        self.prints.add(hash);
    }

    fn insert(&mut self, k: usize, x: &str, hash: u32) {
        let at = self.start(k);
        self.text.insert_str(at, x);
        self.ends.insert(k, offset(at));
        self.shift_ends(k, x.len(), 0);
        self.prints.add(hash);
    }

    fn remove(&mut self, k: usize, hasher: &RandomState) -> String {
        let (start, end) = self.span(k);
        let removed: String = self.text.drain(start..end).collect();
        self.ends.remove(k);
        self.shift_ends(k, 0, end - start);
        self.prints.remove(hash(hasher, &removed));
        removed
    }

    fn replace(&mut self, k: usize, x: &str, hasher: &RandomState) -> usize {
        let (start, end) = self.span(k);
        self.prints.remove(hash(hasher, &self.text[start..end]));
        self.prints.add(hash(hasher, x));
        self.text.replace_range(start..end, x);
        self.shift_ends(k, x.len(), end - start);
        end - start
    }

    /// The first element equal to `x` in this chunk. Most elements differ from `x` in
    /// length or first byte, so those are compared first.
    fn position(&self, x: &str) -> Option<usize> {
        let x = x.as_bytes();
        let text = self.text.as_bytes();
        let mut start = 0;
        for (k, &end) in self.ends.iter().enumerate() {
            let end = end as usize;
            if end - start == x.len()
                && x.first().is_none_or(|&first| text[start] == first)
                && &text[start..end] == x
            {
                return Some(k);
            }
            start = end;
        }
        None
    }

    /// Whether this chunk should be split: too many elements, or too many bytes in two
    /// or more elements.
    fn oversized(&self, limits: Limits) -> bool {
        self.len() > limits.max_items || (self.len() > 1 && self.text.len() > limits.max_bytes)
    }

    /// Takes out the elements from `k` on as a new chunk.
    fn split_off(&mut self, k: usize, hasher: &RandomState) -> Chunk {
        let at = self.start(k);
        let mut tail = Chunk {
            text: self.text[at..].to_owned(),
            ends: self.ends[k..].iter().map(|&end| end - offset(at)).collect(),
            prints: Fingerprints::default(),
        };
        for j in 0..tail.len() {
            let h = hash(hasher, tail.get(j));
            self.prints.remove(h);
            tail.prints.add(h);
        }
        self.text.truncate(at);
        self.text.shrink_to_fit();
        self.ends.truncate(k);
        self.ends.shrink_to_fit();
        tail
    }

    /// Appends the elements of `next` (its neighbour on the right).
    fn absorb(&mut self, next: &Chunk) {
        let at = self.text.len();
        self.text.push_str(&next.text);
        self.ends
            .extend(next.ends.iter().map(|&end| offset(end as usize + at)));
        self.prints.absorb(&next.prints);
    }

    /// Where to split: by bytes when there are too many of them, else in the middle.
    fn split_point(&self, limits: Limits) -> usize {
        let n = self.len();
        if self.text.len() <= limits.max_bytes {
            return n / 2;
        }
        let half = self.text.len() / 2;
        let k = self.ends.partition_point(|&end| (end as usize) < half);
        k.clamp(1, n - 1)
    }

    fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.ends.capacity() * size_of::<u32>() + self.prints.heap_bytes()
    }
}

/// A 32-bit hash of an element.
fn hash(hasher: &RandomState, x: &str) -> u32 {
    let h = hasher.hash_one(x.as_bytes());
    (h ^ (h >> 32)) as u32
}

impl Chunked {
    /// The elements of `items`, in full chunks.
    pub(super) fn from_iter<'a>(items: impl IntoIterator<Item = &'a str>) -> Self {
        Self::with_limits(items, Limits::default())
    }

    /// The elements of `items`, in full chunks of at most these limits.
    pub(super) fn with_limits<'a>(
        items: impl IntoIterator<Item = &'a str>,
        limits: Limits,
    ) -> Self {
        Self::build(items, limits, RandomState::new())
    }

    /// The elements of `items`, in full chunks, their fingerprints hashed by `hasher`.
    fn build<'a>(
        items: impl IntoIterator<Item = &'a str>,
        limits: Limits,
        hasher: RandomState,
    ) -> Self {
        let mut list = Self {
            limits: Limits {
                max_items: limits.max_items.clamp(1, MAX_ITEMS),
                max_bytes: limits.max_bytes,
            },
            hasher,
            ..Self::default()
        };
        for x in items {
            list.push(x);
        }
        for chunk in &mut list.chunks {
            chunk.text.shrink_to_fit();
            chunk.ends.shrink_to_fit();
        }
        list
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The element at `index`.
    pub(super) fn get(&self, index: usize) -> Option<&str> {
        let (c, k) = self.locate(index)?;
        Some(self.chunks[c].get(k))
    }

    /// The elements in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.chunks
            .iter()
            .flat_map(|chunk| (0..chunk.len()).map(move |k| chunk.get(k)))
    }

    /// The chunk holding `index` and the index within it.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        let mut base = 0;
        for (c, chunk) in self.chunks.iter().enumerate() {
            if index < base + chunk.len() {
                return Some((c, index - base));
            }
            base += chunk.len();
        }
        None
    }

    /// Adds at the end: to the last chunk until it is full.
    pub(super) fn push(&mut self, x: &str) {
        let h = hash(&self.hasher, x);
        let limits = self.limits;
        let full = self.chunks.last().is_none_or(|last| {
            last.len() >= limits.max_items
                || (last.len() > 0 && last.text.len() + x.len() > limits.max_bytes)
        });
        if full {
            self.chunks.push(Chunk::default());
        }
        let last = self.chunks.len() - 1;
        self.chunks[last].push(x, h);
        self.len += 1;
    }

    /// Adds before `index` (at most the length; past it, nothing is added: the caller
    /// checks).
    pub(super) fn insert(&mut self, index: usize, x: &str) {
        if index == self.len {
            self.push(x);
            return;
        }
        let Some((c, k)) = self.locate(index) else {
            return;
        };
        let h = hash(&self.hasher, x);
        self.chunks[c].insert(k, x, h);
        self.len += 1;
        self.split(c);
    }

    /// Removes the element at `index` (below the length).
    pub(super) fn remove(&mut self, index: usize) -> Option<String> {
        let (c, k) = self.locate(index)?;
        let removed = self.chunks[c].remove(k, &self.hasher);
        self.len -= 1;
        self.merge(c);
        Some(removed)
    }

    /// Puts `x` in place of the element at `index`; the length of the element replaced.
    pub(super) fn replace(&mut self, index: usize, x: &str) -> Option<usize> {
        let (c, k) = self.locate(index)?;
        let old = self.chunks[c].replace(k, x, &self.hasher);
        self.split(c);
        self.merge(c);
        Some(old)
    }

    /// The index of the first element equal to `x`.
    pub(super) fn position(&self, x: &str) -> Option<usize> {
        let h = hash(&self.hasher, x);
        let mut base = 0;
        for chunk in &self.chunks {
            if chunk.prints.contains(h)
                && let Some(k) = chunk.position(x)
            {
                return Some(base + k);
            }
            base += chunk.len();
        }
        None
    }

    /// Removes everything.
    pub(super) fn clear(&mut self) {
        self.chunks = Vec::new();
        self.len = 0;
    }

    /// The same elements, in new chunks of this list's limits.
    /// Each half is built on its own thread when there are many (the two halves' chunks,
    /// one after the other, are a valid list: only its last chunks may be less than full).
    pub(super) fn rebuilt(&self, items: &[&str]) -> Self {
        let build =
            |items: &[&str]| Self::build(items.iter().copied(), self.limits, self.hasher.clone());
        if items.len() < PARALLEL_BUILD_FROM {
            return build(items);
        }
        let (left, right) = items.split_at(items.len() / 2);
        let (mut list, right) = std::thread::scope(|scope| {
            let right = scope.spawn(|| build(right));
            (build(left), right.join())
        });
        match right {
            Ok(right) => {
                list.chunks.extend(right.chunks);
                list.len += right.len;
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
        list
    }

    /// Splits chunk `c` while it is oversized.
    fn split(&mut self, c: usize) {
        if !self.chunks[c].oversized(self.limits) {
            return;
        }
        let at = self.chunks[c].split_point(self.limits);
        let tail = self.chunks[c].split_off(at, &self.hasher);
        self.chunks.insert(c + 1, tail);
        self.split(c + 1);
        self.split(c);
    }

    /// Drops chunk `c` when empty, or merges it into a neighbour when it is small and they
    /// fit together in three quarters of a chunk.
    fn merge(&mut self, c: usize) {
        let Some(chunk) = self.chunks.get(c) else {
            return;
        };
        if chunk.len() == 0 {
            self.chunks.remove(c);
            return;
        }
        let limits = self.limits;
        if chunk.len() * 4 >= limits.max_items {
            return;
        }
        let fits = |a: &Chunk, b: &Chunk| {
            (a.len() + b.len()) * 4 <= limits.max_items * 3
                && (a.text.len() + b.text.len()) * 4 <= limits.max_bytes * 3
        };
        let left = c
            .checked_sub(1)
            .filter(|&l| fits(&self.chunks[l], &self.chunks[c]));
        let pair = left.or(Some(c).filter(|&c| {
            self.chunks
                .get(c + 1)
                .is_some_and(|next| fits(&self.chunks[c], next))
        }));
        if let Some(l) = pair {
            let next = self.chunks.remove(l + 1);
            self.chunks[l].absorb(&next);
        }
    }

    /// The heap bytes the list holds (its own accounting: arenas, offsets, fingerprints
    /// and the chunk table).
    pub(super) fn heap_bytes(&self) -> usize {
        self.chunks.capacity() * size_of::<Chunk>()
            + self.chunks.iter().map(Chunk::heap_bytes).sum::<usize>()
    }

    /// The number of elements of each chunk, for tests of the split and merge edges.
    #[cfg(test)]
    pub(super) fn chunk_lens(&self) -> Vec<usize> {
        self.chunks.iter().map(Chunk::len).collect()
    }

    /// Checks the invariants: lengths add up, offsets grow, fingerprints count each
    /// element, no chunk is empty or oversized.
    #[cfg(test)]
    pub(super) fn check(&self) {
        assert_eq!(self.chunks.iter().map(Chunk::len).sum::<usize>(), self.len);
        for chunk in &self.chunks {
            assert!(chunk.len() > 0, "an empty chunk");
            assert!(!chunk.oversized(self.limits), "oversized: {}", chunk.len());
            assert!(chunk.ends.is_sorted());
            assert_eq!(
                chunk.ends.last().map(|&e| e as usize),
                Some(chunk.text.len())
            );
            assert_eq!(chunk.prints.total(), chunk.len());
            for k in 0..chunk.len() {
                assert!(chunk.prints.contains(hash(&self.hasher, chunk.get(k))));
            }
        }
    }
}
