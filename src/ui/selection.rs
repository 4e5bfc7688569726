//! The table's selection: a set of rows (list indices) with a cursor, extended with
//! Shift and Ctrl/Cmd as desktop lists do, and kept on its rows when other clients'
//! changes shift them.

use std::collections::BTreeSet;

/// The rows as the table shows them: a place in view for each shown index, and back.
pub trait View {
    /// Where the row with this list index is shown, if it is.
    fn place_of(&self, index: usize) -> Option<usize>;
    /// The list index shown at this place.
    fn index_at(&self, place: usize) -> Option<usize>;
}

/// Selected rows, the cursor (the row the keyboard moves and edits) and the anchor a
/// Shift-extension starts from.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Selection {
    rows: BTreeSet<usize>,
    cursor: Option<usize>,
    anchor: Option<usize>,
}

impl Selection {
    /// The cursor row.
    pub fn cursor(&self) -> Option<usize> {
        self.cursor
    }

    /// Whether `index` is selected.
    pub fn contains(&self, index: usize) -> bool {
        self.rows.contains(&index)
    }

    /// The selected rows, in list order.
    pub fn rows(&self) -> impl DoubleEndedIterator<Item = usize> + '_ {
        self.rows.iter().copied()
    }

    /// How many rows are selected.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Selects only `index` (or nothing).
    pub fn set(&mut self, index: Option<usize>) {
        self.rows.clear();
        self.rows.extend(index);
        self.cursor = index;
        self.anchor = index;
    }

    /// A click on `index`: alone it selects that row only; with Ctrl/Cmd (`toggle`) it adds
    /// or takes away that row; with Shift (`extend`) it selects the rows from the anchor
    /// to it in the order the view shows them (`view` maps a row's index to its place in
    /// view and back: the filter's visible rows).
    pub fn click(&mut self, index: usize, toggle: bool, extend: bool, view: &(impl View + ?Sized)) {
        match (extend, toggle) {
            (true, _) => self.extend_to(index, view),
            (false, true) => {
                if !self.rows.remove(&index) {
                    self.rows.insert(index);
                }
                self.cursor = Some(index);
                self.anchor = Some(index);
            }
            (false, false) => self.set(Some(index)),
        }
    }

    /// Selects the rows from the anchor to `index` in view order; the cursor goes there.
    pub fn extend_to(&mut self, index: usize, view: &(impl View + ?Sized)) {
        let anchor = self.anchor.unwrap_or(index);
        self.rows.clear();
        match (view.place_of(anchor), view.place_of(index)) {
            (Some(a), Some(b)) => {
                self.rows
                    .extend((a.min(b)..=a.max(b)).filter_map(|place| view.index_at(place)));
            }
            _ => {
                self.rows.insert(index);
            }
        }
        self.cursor = Some(index);
        self.anchor = Some(anchor);
    }

    /// Moves every row as `shift` says (`None`: the row is gone).
    pub fn shift(&mut self, shift: impl Fn(usize) -> Option<usize>) {
        self.rows = self.rows.iter().filter_map(|&i| shift(i)).collect();
        self.cursor = self.cursor.and_then(&shift);
        self.anchor = self.anchor.and_then(&shift);
        if self.cursor.is_none() {
            self.cursor = self.rows.first().copied();
        }
    }

    /// Keeps only rows below `len`.
    pub fn truncate(&mut self, len: usize) {
        self.shift(|i| (i < len).then_some(i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(selection: &Selection) -> Vec<usize> {
        selection.rows().collect()
    }

    impl View for [usize] {
        fn place_of(&self, index: usize) -> Option<usize> {
            self.iter().position(|&i| i == index)
        }
        fn index_at(&self, place: usize) -> Option<usize> {
            self.get(place).copied()
        }
    }

    #[test]
    fn click_selects_one_ctrl_click_toggles_and_shift_click_extends_in_view_order() {
        let view: &[usize] = &[0, 2, 4, 6, 8];
        let mut selection = Selection::default();
        selection.click(2, false, false, view);
        assert_eq!(rows(&selection), [2]);
        selection.click(6, false, true, view);
        assert_eq!(rows(&selection), [2, 4, 6], "only the rows in view");
        assert_eq!(selection.cursor(), Some(6));
        selection.click(0, false, true, view);
        assert_eq!(rows(&selection), [0, 2], "from the same anchor");
        selection.click(8, true, false, view);
        assert_eq!(rows(&selection), [0, 2, 8]);
        selection.click(2, true, false, view);
        assert_eq!(rows(&selection), [0, 8]);
        selection.click(4, false, false, view);
        assert_eq!(rows(&selection), [4]);
    }

    #[test]
    fn the_selection_follows_its_rows_when_others_insert_or_remove() {
        let mut selection = Selection::default();
        selection.set(Some(3));
        selection.click(5, true, false, &[3_usize, 5][..]);
        // Someone inserted at 0: every row moves down one.
        selection.shift(|i| Some(i + 1));
        assert_eq!(rows(&selection), [4, 6]);
        assert_eq!(selection.cursor(), Some(6));
        // Someone removed row 6: the cursor falls back to what is left.
        selection.shift(|i| (i != 6).then_some(if i > 6 { i - 1 } else { i }));
        assert_eq!(rows(&selection), [4]);
        assert_eq!(selection.cursor(), Some(4));
        selection.truncate(3);
        assert!(selection.is_empty() && selection.cursor().is_none());
    }
}
