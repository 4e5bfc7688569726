//! The session's row-exact edits: deleting the selected rows (exactly, or on the seed's
//! server only where `remover` is exact), edits in place and moves, and undo and redo of
//! this app's own changes through the history.

use crate::net::protocol::{Command, ServerKind};
use crate::ui::app::history::Op;
use crate::ui::app::notice::Notice;
use crate::ui::app::session::Session;
use crate::ui::list_table::first_occurrence_removals;

impl Session {
    /// Removes exactly these rows (index and the value the table showed there). A zlist
    /// server gets one row-exact request per row, the last row first so that the indices
    /// before it still hold; the seed's server only `remover X`, which removes the first
    /// `X`, so there the rows must be their values' first occurrences.
    pub(crate) fn delete_rows(&mut self, rows: &[(usize, String)]) {
        match self.server_kind {
            Some(ServerKind::Seed) => match first_occurrence_removals(rows, self.list.items()) {
                Some(values) => {
                    for value in values {
                        self.send(Command::Remove(value));
                    }
                }
                None => self.notify(Notice::SeedNotExact),
            },
            _ => {
                // One action: undone as one.
                self.action = Some(self.history.new_entry());
                for (index, expected) in rows.iter().rev() {
                    self.send(Command::RemoveAt {
                        index: *index,
                        expected: expected.clone(),
                    });
                }
                self.action = None;
            }
        }
    }

    /// Undoes this app's last change (`redo`: redoes the last undone one), after checking
    /// that its requests would hit the rows it changed.
    pub(crate) fn undo(&mut self, redo: bool) {
        if self.client.is_none() {
            self.notify(Notice::NeedConnection);
            return;
        }
        if self.is_read_only() {
            self.notify(Notice::ReadOnly);
            return;
        }
        if !self.is_following() {
            self.notify(Notice::UndoNeedsLive);
            return;
        }
        if self.paste.is_some() {
            self.notify(Notice::UndoWaitsForPaste);
            return;
        }
        let items = self.list.items();
        let planned = if redo {
            self.history.redo(items)
        } else {
            self.history.undo(items)
        };
        let planned = match planned {
            None => return,
            Some(Err(refusal)) => {
                self.notify(Notice::UndoRefused { redo, refusal });
                return;
            }
            Some(Ok(planned)) => planned,
        };
        let mut ids = Vec::new();
        for op in &planned.ops {
            match op {
                Op::Send(command) => ids.extend(self.send_untracked(command.clone())),
                Op::Restore(before) => {
                    ids.extend(self.send_untracked(Command::Clear));
                    ids.extend(self.paste(before));
                }
            }
        }
        self.history.sent_plan(&planned, ids.iter().copied());
        self.notify(Notice::Undone {
            redo,
            requests: ids.len(),
        });
    }

    /// Sends a row-exact change (an edit in place, a move), which only a zlist server knows.
    pub(crate) fn send_row_change(&mut self, command: Command) {
        if self.server_kind == Some(ServerKind::Seed) {
            self.notify(Notice::NeedsZlist);
            return;
        }
        self.send(command);
    }
}
