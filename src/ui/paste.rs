//! Appending many pasted lines: one `append` per non-empty line, queued in the client
//! engine at once, with progress tracked by reply ids and a cancel that drops the rest of
//! the queue.

use std::collections::HashSet;

use crate::net::client::RequestId;

/// The elements a pasted text appends: its non-empty lines, trimmed (the server trims the
/// element too).
pub fn lines_to_append(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A bulk append in progress.
#[derive(Debug, Default)]
pub struct PasteJob {
    waiting: HashSet<RequestId>,
    total: usize,
    appended: usize,
    failed: usize,
    cancelled: usize,
}

impl PasteJob {
    /// Tracks the appends with these ids.
    pub fn new(ids: impl IntoIterator<Item = RequestId>) -> Self {
        let waiting: HashSet<RequestId> = ids.into_iter().collect();
        Self {
            total: waiting.len(),
            waiting,
            ..Self::default()
        }
    }

    /// Whether a request belongs to this job.
    pub fn owns(&self, id: RequestId) -> bool {
        self.waiting.contains(&id)
    }

    /// A reply came: `ok` unless it was an error reply. Returns whether it was this job's.
    pub fn answered(&mut self, id: RequestId, ok: bool) -> bool {
        if !self.waiting.remove(&id) {
            return false;
        }
        if ok {
            self.appended += 1;
        } else {
            self.failed += 1;
        }
        true
    }

    /// Requests were dropped from the queue.
    pub fn cancelled(&mut self, ids: &[RequestId]) {
        for id in ids {
            if self.waiting.remove(id) {
                self.cancelled += 1;
            }
        }
    }

    /// Whether every request has an outcome.
    pub fn is_done(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Requests with an outcome, and the total.
    pub fn progress(&self) -> (usize, usize) {
        (self.total - self.waiting.len(), self.total)
    }

    /// Appended, failed and cancelled counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        (self.appended, self.failed, self.cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_are_skipped_and_lines_trimmed() {
        assert_eq!(
            lines_to_append("a\r\n\n  b c  \n\t\nd"),
            vec!["a", "b c", "d"]
        );
        assert!(lines_to_append("\n \n").is_empty());
    }

    #[test]
    fn progress_counts_replies_failures_and_cancellations() {
        let mut job = PasteJob::new((1..=4).map(RequestId));
        assert!(job.answered(RequestId(1), true));
        assert!(job.answered(RequestId(2), false));
        assert!(!job.answered(RequestId(9), true));
        assert_eq!(job.progress(), (2, 4));
        job.cancelled(&[RequestId(3), RequestId(4), RequestId(7)]);
        assert!(job.is_done());
        assert_eq!(job.counts(), (1, 1, 2));
    }
}
