//! The list as the server last sent it, and its table: virtualised (only visible rows are
//! built, so a million elements cost what thirty do), striped, selectable, with a local
//! filter and search highlights computed once per change rather than per frame.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use egui_extras::{Column, TableBuilder};

use crate::net::list::{Effect, EffectError};
use crate::net::protocol::Command;
use crate::ui::i18n::Language;
use crate::ui::selection::Selection;

mod rows;

pub use rows::{RowAction, RowCaps, first_occurrence_removals, row_menu_ui};
use rows::{RowEdit, edit_cell};

/// Characters of a value laid out in a cell; longer values are cut (the tooltip shows more).
const CELL_CHARS: usize = 500;
/// Characters of a value shown in its tooltip.
const TOOLTIP_CHARS: usize = 5_000;
/// How long a row another client changed stays highlighted (fading out).
pub const CHANGED_FOR: Duration = Duration::from_secs(3);

/// What the user did in the table. Rows are named by index and by the value the table
/// showed there, so that a change planned on a stale view is refused, not misapplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableIntent {
    /// The cursor went to a row (click or keys): its index in the list.
    Select(usize),
    /// Delete: remove exactly these rows (index, value), in list order.
    Delete(Vec<(usize, String)>),
    /// A row-exact change to send: an edit in place confirmed (`Command::ReplaceAt`) or a
    /// row moved (`Command::Move`), naming the value the table showed there.
    Row(Command),
}

/// The list and how it is viewed.
#[derive(Debug, Default)]
pub struct ListView {
    /// The server's list, once one arrived.
    items: Option<Vec<String>>,
    /// The filter the `visible` indices were computed for.
    filter: String,
    /// Indices of the rows the filter lets through; `None` when there is no filter.
    visible: Option<Vec<usize>>,
    /// The last searched element.
    search: Option<String>,
    /// Indices of the rows equal to the searched element.
    highlighted: HashSet<usize>,
    /// The selected rows and the cursor, as indices in the list.
    selection: Selection,
    /// The value being edited in place, if any.
    editing: Option<RowEdit>,
    /// A row (index in the list) to bring into view on the next frame.
    scroll_to: Option<usize>,
    /// Rows another client changed lately, and when.
    changed: Vec<(usize, Instant)>,
}

impl ListView {
    /// The list, empty before the first one arrived.
    pub fn items(&self) -> &[String] {
        self.items.as_deref().unwrap_or_default()
    }

    /// Whether a list arrived from a server.
    pub fn has_list(&self) -> bool {
        self.items.is_some()
    }

    /// Replaces the list with the server's; filter and highlights are recomputed once.
    pub fn set_items(&mut self, items: Vec<String>) {
        self.items = Some(items);
        self.recompute_filter();
        self.recompute_highlights(false);
        let len = self.items().len();
        self.selection.truncate(len);
        if let Some(edit) = &mut self.editing
            && self.items.as_ref().and_then(|items| items.get(edit.index)) != Some(&edit.original)
        {
            edit.changed_under = true;
        }
    }

    /// Applies one live update to the list. Filter matches, search highlights, the rows
    /// other clients changed lately and the selection follow the rows they were on; an
    /// append, insert or remove touches only the indices after it (never the whole list's
    /// text), a sort or clear recomputes them. An update that does not fit changes nothing.
    pub fn apply(&mut self, effect: Effect) -> Result<(), EffectError> {
        let items = self.items.get_or_insert_with(Vec::new);
        let len = items.len();
        let misfit = match &effect {
            Effect::Insert(index, _) => (*index > len).then_some(*index),
            Effect::RemoveAt(index) | Effect::Replace(index, _) => {
                (*index >= len).then_some(*index)
            }
            Effect::Move(from, to) => (*from >= len || *to >= len).then_some(*from.max(to)),
            Effect::Append(_) | Effect::SortAscending | Effect::SortDescending | Effect::Clear => {
                None
            }
        };
        if let Some(index) = misfit {
            return Err(EffectError::IndexOutOfRange { index, len });
        }
        let needle = self.filter.trim().to_lowercase();
        let search = self.search.as_deref().map(|s| s.trim().to_owned());
        let search = search.as_deref();
        match effect {
            Effect::Append(x) => {
                if let Some(visible) = &mut self.visible
                    && contains_ignoring_case(&x, &needle)
                {
                    visible.push(len);
                }
                if search == Some(x.as_str()) {
                    self.highlighted.insert(len);
                }
                items.push(x);
            }
            Effect::Insert(index, x) => {
                self.shift_rows(|i| Some(if i >= index { i + 1 } else { i }));
                if let Some(visible) = &mut self.visible
                    && contains_ignoring_case(&x, &needle)
                {
                    let at = visible.partition_point(|&i| i < index);
                    visible.insert(at, index);
                }
                if search == Some(x.as_str()) {
                    self.highlighted.insert(index);
                }
                self.items.get_or_insert_with(Vec::new).insert(index, x);
            }
            Effect::RemoveAt(index) => {
                items.remove(index);
                self.shift_rows(|i| {
                    if i > index {
                        Some(i - 1)
                    } else {
                        (i < index).then_some(i)
                    }
                });
            }
            Effect::Replace(index, x) => {
                if let Some(edit) = &mut self.editing
                    && edit.index == index
                {
                    edit.changed_under = true;
                }
                if search == Some(x.as_str()) {
                    self.highlighted.insert(index);
                } else {
                    self.highlighted.remove(&index);
                }
                items[index] = x;
                if self.visible.is_some() {
                    self.recompute_filter();
                }
            }
            Effect::Move(from, to) => {
                let element = items.remove(from);
                items.insert(to, element);
                self.shift_rows(|i| {
                    if i == from {
                        return Some(to);
                    }
                    let without = if i > from { i - 1 } else { i };
                    Some(if without >= to { without + 1 } else { without })
                });
                if self.visible.is_some() {
                    // Moved rows keep the filter's order only by chance.
                    self.recompute_filter();
                }
            }
            Effect::SortAscending | Effect::SortDescending | Effect::Clear => {
                match effect {
                    // UTF-8 byte order is code point order, Python's `str` order; the
                    // standard sort takes one pass over a list already in (either) order.
                    Effect::SortAscending => items.sort(),
                    Effect::SortDescending => items.sort_by(|a, b| b.cmp(a)),
                    _ => items.clear(),
                }
                self.recompute_filter();
                self.recompute_highlights(false);
                self.selection.set(None);
                if let Some(edit) = &mut self.editing {
                    edit.changed_under = true;
                }
                self.changed.clear();
            }
        }
        Ok(())
    }

    /// Moves every remembered row index as `shift` says (`None`: the row is gone).
    fn shift_rows(&mut self, shift: impl Fn(usize) -> Option<usize>) {
        if let Some(visible) = &mut self.visible {
            *visible = visible.iter().filter_map(|&i| shift(i)).collect();
        }
        if !self.highlighted.is_empty() {
            self.highlighted = self.highlighted.iter().filter_map(|&i| shift(i)).collect();
        }
        self.selection.shift(&shift);
        if let Some(edit) = &mut self.editing {
            match shift(edit.index) {
                Some(index) => edit.index = index,
                None => edit.changed_under = true,
            }
        }
        self.changed = self
            .changed
            .iter()
            .filter_map(|&(i, at)| shift(i).map(|i| (i, at)))
            .collect();
    }

    /// Another client changed the row at `index` (added it): it is highlighted for a
    /// moment ([`CHANGED_FOR`]).
    pub fn mark_changed_by_others(&mut self, index: usize, at: Instant) {
        self.changed.retain(|(i, _)| *i != index);
        self.changed.push((index, at));
    }

    /// The rows other clients changed within [`CHANGED_FOR`] of `now`, in order.
    pub fn changed_by_others(&self, now: Instant) -> Vec<usize> {
        let mut rows: Vec<usize> = self
            .changed
            .iter()
            .filter(|(_, at)| now.saturating_duration_since(*at) < CHANGED_FOR)
            .map(|(i, _)| *i)
            .collect();
        rows.sort_unstable();
        rows
    }

    /// Forgets the list (disconnected).
    pub fn forget(&mut self) {
        *self = Self {
            filter: std::mem::take(&mut self.filter),
            ..Self::default()
        };
        self.recompute_filter();
    }

    /// The filter text in effect.
    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// Applies a filter (rows containing the text, case-insensitively); recomputes only
    /// when it changed.
    pub fn set_filter(&mut self, filter: &str) {
        if filter != self.filter {
            filter.clone_into(&mut self.filter);
            self.recompute_filter();
        }
    }

    /// Highlights every row equal to `element` (what `pesquisar` looks for) and scrolls to
    /// the first.
    pub fn highlight(&mut self, element: &str) {
        self.search = Some(element.to_owned());
        self.recompute_highlights(true);
    }

    /// Indices of the highlighted rows, in order.
    pub fn highlighted_rows(&self) -> Vec<usize> {
        let mut rows: Vec<usize> = self.highlighted.iter().copied().collect();
        rows.sort_unstable();
        rows
    }

    /// The cursor row's index (the row last clicked or moved to).
    pub fn selected(&self) -> Option<usize> {
        self.selection.cursor()
    }

    /// The selected rows, in list order.
    pub fn selected_rows(&self) -> Vec<usize> {
        self.selection.rows().collect()
    }

    /// Selects one row (or none).
    pub fn select(&mut self, index: Option<usize>) {
        self.selection
            .set(index.filter(|&i| i < self.items().len()));
    }

    /// How many rows the filter lets through.
    pub fn visible_len(&self) -> usize {
        self.visible
            .as_ref()
            .map_or_else(|| self.items().len(), Vec::len)
    }

    /// The list index shown at a visible row.
    fn item_at(&self, row: usize) -> Option<usize> {
        match &self.visible {
            Some(visible) => visible.get(row).copied(),
            None => (row < self.items().len()).then_some(row),
        }
    }

    /// The visible row showing a list index.
    fn row_of(&self, index: usize) -> Option<usize> {
        match &self.visible {
            Some(visible) => visible.binary_search(&index).ok(),
            None => (index < self.items().len()).then_some(index),
        }
    }

    fn recompute_filter(&mut self) {
        let needle = self.filter.trim().to_lowercase();
        self.visible = (!needle.is_empty()).then(|| {
            self.items()
                .iter()
                .enumerate()
                .filter(|(_, item)| contains_ignoring_case(item, &needle))
                .map(|(i, _)| i)
                .collect()
        });
    }

    fn recompute_highlights(&mut self, scroll: bool) {
        self.highlighted.clear();
        let Some(search) = &self.search else {
            return;
        };
        let element = search.trim();
        self.highlighted = self
            .items()
            .iter()
            .enumerate()
            .filter(|(_, item)| item.as_str() == element)
            .map(|(i, _)| i)
            .collect();
        if scroll {
            self.scroll_to = self.highlighted.iter().copied().min();
        }
    }

    /// Draws the table (or says why there is none). Returns what the user did. `caps`
    /// says which row actions the server allows (the rest are shown disabled, with why).
    pub fn table_ui(
        &mut self,
        ui: &mut egui::Ui,
        caps: RowCaps,
        language: Language,
    ) -> Option<TableIntent> {
        let t = language.texts();
        if !self.has_list() {
            centered_note(ui, t.no_list_yet);
            return None;
        }
        if self.items().is_empty() {
            centered_note(ui, t.empty_list);
            return None;
        }
        let rows = self.visible_len();
        if rows == 0 {
            centered_note(ui, &language.no_match(&self.filter));
            return None;
        }

        let text_height = egui::TextStyle::Body
            .resolve(ui.style())
            .size
            .max(ui.spacing().interact_size.y);
        let row_height = text_height + 4.0;
        // The position column is as wide as the largest index needs: `Column::auto` would
        // only measure the rows it has seen.
        let digits = self.items().len().to_string().len().max(3) as f32;
        let mono = egui::TextStyle::Monospace.resolve(ui.style());
        let digit_width = ui.ctx().fonts_mut(|f| f.glyph_width(&mono, '0'));
        let position_width = (digits + 1.0) * digit_width + 16.0;
        let highlight = highlight_colour(ui);
        let dark = ui.visuals().dark_mode;
        let now = Instant::now();
        self.changed
            .retain(|(_, at)| now.saturating_duration_since(*at) < CHANGED_FOR);
        if !self.changed.is_empty() {
            // The highlight fades: draw again soon.
            ui.ctx().request_repaint_after(Duration::from_millis(50));
        }

        let drop_stroke = ui.visuals().selection.stroke;
        let mut intent = self.keys_ui(ui);
        let mut editing = self.editing.take();
        let mut clicked = None;
        let mut double_clicked = None;
        let mut right_clicked = None;
        let mut menu_action = None;
        let mut dropped = None;
        let mut table = TableBuilder::new(ui)
            .id_salt("zlist-list-table")
            .striped(true)
            .resizable(false)
            .sense(egui::Sense::click_and_drag())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::exact(position_width))
            .column(Column::remainder().clip(true))
            .min_scrolled_height(0.0);
        if let Some(index) = self.scroll_to.take()
            && let Some(row) = self.row_of(index)
        {
            table = table.scroll_to_row(row, Some(egui::Align::Center));
        }
        table
            .header(row_height, |mut header| {
                header.col(|ui| {
                    ui.strong(t.col_position);
                });
                header.col(|ui| {
                    ui.strong(t.col_value);
                });
            })
            .body(|body| {
                body.rows(row_height, rows, |mut row| {
                    let Some(index) = self.item_at(row.index()) else {
                        return;
                    };
                    let value = self.items().get(index).map_or("", String::as_str);
                    let band = if self.highlighted.contains(&index) {
                        Some(highlight)
                    } else {
                        self.changed
                            .iter()
                            .find(|(i, _)| *i == index)
                            .map(|(_, at)| changed_colour(dark, now.saturating_duration_since(*at)))
                    };
                    row.set_selected(self.selection.contains(index));
                    row.col(|ui| {
                        if let Some(colour) = band {
                            paint_highlight(ui, colour);
                        }
                        ui.monospace(index.to_string());
                    });
                    row.col(|ui| {
                        if let Some(colour) = band {
                            paint_highlight(ui, colour);
                        }
                        match &mut editing {
                            Some(edit) if edit.index == index => {
                                if let Some(done) = edit_cell(ui, edit, language) {
                                    intent = done;
                                    editing = None;
                                }
                            }
                            _ => value_cell(ui, value),
                        }
                    });
                    let response = row.response();
                    if response.double_clicked() {
                        double_clicked = Some(index);
                    } else if response.clicked() {
                        clicked = Some(index);
                    } else if response.secondary_clicked() {
                        right_clicked = Some(index);
                    }
                    response.context_menu(|ui| {
                        menu_action = row_menu_ui(ui, self, caps, language).or(menu_action);
                    });
                    // Dragging a row onto another moves it there.
                    response.dnd_set_drag_payload(index);
                    if let Some(from) = response.dnd_release_payload::<usize>() {
                        dropped = Some((*from, index));
                    } else if response.dnd_hover_payload::<usize>().is_some() {
                        let rect = response.rect;
                        response.ctx.layer_painter(response.layer_id).hline(
                            rect.x_range(),
                            rect.center().y,
                            drop_stroke,
                        );
                    }
                });
            });
        // An edit whose row scrolled out of view goes on when it comes back.
        if self.editing.is_none() {
            self.editing = editing;
        }
        if let Some(index) = clicked {
            let modifiers = ui.input(|i| i.modifiers);
            let mut selection = std::mem::take(&mut self.selection);
            selection.click(index, modifiers.command, modifiers.shift, self);
            self.selection = selection;
            intent = Some(TableIntent::Select(index));
        }
        if let Some(index) = double_clicked {
            self.selection.set(Some(index));
            self.start_edit(index);
            intent = Some(TableIntent::Select(index));
        }
        if let Some(index) = right_clicked
            && !self.selection.contains(index)
        {
            // The context menu is about the row right-clicked.
            self.selection.set(Some(index));
            intent = Some(TableIntent::Select(index));
        }
        if let Some(action) = menu_action {
            intent = self.row_action(action);
        }
        if let Some((from, to)) = dropped
            && from != to
            && let Some(expected) = self.items().get(from).cloned()
        {
            intent = Some(TableIntent::Row(Command::Move { from, to, expected }));
        }
        intent
    }
}

impl crate::ui::selection::View for ListView {
    fn place_of(&self, index: usize) -> Option<usize> {
        self.row_of(index)
    }

    fn index_at(&self, place: usize) -> Option<usize> {
        self.item_at(place)
    }
}

/// One value cell: elided to one line, the full text (up to a bound) on hover.
fn value_cell(ui: &mut egui::Ui, value: &str) {
    let shown = truncate_chars(value, CELL_CHARS);
    let response = ui.add(egui::Label::new(shown).truncate().selectable(false));
    if shown.len() < value.len() {
        let tip = truncate_chars(value, TOOLTIP_CHARS);
        let more = value.chars().count().saturating_sub(TOOLTIP_CHARS);
        response.on_hover_text(if more > 0 {
            format!("{tip}… (+{more})")
        } else {
            tip.to_owned()
        });
    }
}

/// The first `max` characters of `text`.
pub fn truncate_chars(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn contains_ignoring_case(haystack: &str, lowercase_needle: &str) -> bool {
    if haystack.is_ascii() && lowercase_needle.is_ascii() {
        haystack
            .as_bytes()
            .windows(lowercase_needle.len())
            .any(|w| w.eq_ignore_ascii_case(lowercase_needle.as_bytes()))
    } else {
        haystack.to_lowercase().contains(lowercase_needle)
    }
}

/// Fills the cell, and half the gap to its neighbours, so a highlighted row is one band.
fn paint_highlight(ui: &egui::Ui, colour: egui::Color32) {
    let gap = ui.spacing().item_spacing.x / 2.0;
    let rect = ui.max_rect().expand2(egui::vec2(gap, 0.0));
    let mut painter = ui.painter().clone();
    // The cell's own clip stops at its edge; the band must cover the gap too.
    painter.set_clip_rect(rect.intersect(ui.clip_rect().expand2(egui::vec2(gap, 0.0))));
    painter.rect_filled(rect, 0.0, colour);
}

fn highlight_colour(ui: &egui::Ui) -> egui::Color32 {
    if ui.visuals().dark_mode {
        egui::Color32::from_rgba_unmultiplied(200, 160, 0, 70)
    } else {
        egui::Color32::from_rgba_unmultiplied(255, 210, 0, 110)
    }
}

/// A row another client changed `age` ago: blue, fading out over [`CHANGED_FOR`].
fn changed_colour(dark: bool, age: Duration) -> egui::Color32 {
    let left = 1.0 - (age.as_secs_f32() / CHANGED_FOR.as_secs_f32()).clamp(0.0, 1.0);
    let alpha = if dark { 90.0 } else { 120.0 };
    egui::Color32::from_rgba_unmultiplied(60, 140, 255, (alpha * left) as u8)
}

fn centered_note(ui: &mut egui::Ui, text: &str) {
    ui.vertical_centered(|ui| {
        ui.add_space(ui.available_height() * 0.3);
        ui.label(egui::RichText::new(text).italics().weak());
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A view of a list holding `items` (also for the row actions' tests).
    pub(super) fn view(items: &[&str]) -> ListView {
        let mut view = ListView::default();
        view.set_items(items.iter().map(|s| (*s).to_owned()).collect());
        view
    }

    #[test]
    fn the_filter_keeps_rows_containing_the_text_ignoring_case() {
        let mut view = view(&["Apple", "banana", "PINEAPPLE", "cherry"]);
        view.set_filter("apple");
        assert_eq!(view.visible_len(), 2);
        assert_eq!(view.item_at(1), Some(2));
        view.set_filter("");
        assert_eq!(view.visible_len(), 4);
        view.set_filter("ção");
        assert_eq!(view.visible_len(), 0);
    }

    #[test]
    fn search_highlights_equal_rows_and_scrolls_to_the_first() {
        let mut view = view(&["3", "5", "3", "33"]);
        view.highlight("3");
        assert_eq!(view.highlighted_rows(), vec![0, 2]);
        assert_eq!(view.scroll_to, Some(0));
        // A new list keeps the highlight of the last search, recomputed.
        view.set_items(vec!["1".into(), "3".into()]);
        assert_eq!(view.highlighted_rows(), vec![1]);
    }

    #[test]
    fn selection_is_dropped_when_the_list_shrinks_below_it() {
        let mut view = view(&["a", "b", "c"]);
        view.select(Some(2));
        view.set_items(vec!["a".into()]);
        assert_eq!(view.selected(), None);
    }

    /// The view after `effect`, compared with a view built from scratch on the same list.
    fn check_against_fresh(view: &ListView) {
        let mut fresh = ListView::default();
        fresh.set_filter(&view.filter);
        fresh.set_items(view.items().to_vec());
        if let Some(search) = &view.search {
            fresh.highlight(search);
        }
        assert_eq!(view.visible, fresh.visible, "filter indices");
        assert_eq!(view.highlighted, fresh.highlighted, "highlights");
    }

    #[test]
    fn live_updates_keep_filter_highlights_and_selection_on_their_rows() {
        let mut view = view(&["apple", "b", "apple pie", "c"]);
        view.set_filter("APPLE");
        view.highlight("b");
        view.select(Some(3));
        let steps = [
            (Effect::Append("apple".into()), Some(3)),
            (Effect::Insert(0, "b".into()), Some(4)),
            (Effect::Insert(2, "pineapple".into()), Some(5)),
            (Effect::RemoveAt(1), Some(4)),
            (Effect::RemoveAt(4), None),
            (Effect::Append("b".into()), None),
            (Effect::SortDescending, None),
            (Effect::Insert(6, "x".into()), None),
        ];
        for (effect, selected) in steps {
            view.apply(effect.clone()).unwrap();
            check_against_fresh(&view);
            assert_eq!(view.selected(), selected, "after {effect:?}");
        }
        assert_eq!(
            view.items(),
            ["pineapple", "b", "b", "b", "apple pie", "apple", "x"]
        );
        view.apply(Effect::Clear).unwrap();
        check_against_fresh(&view);
        assert_eq!(view.visible_len(), 0);
    }

    #[test]
    fn replaces_and_moves_keep_selection_and_edit_on_their_rows_and_flag_an_edited_row() {
        let mut view = view(&["a", "b", "c", "d"]);
        view.set_filter("b");
        view.select(Some(1));
        view.start_edit(1);
        view.apply(Effect::Move(1, 3)).unwrap();
        check_against_fresh(&view);
        assert_eq!(view.items(), ["a", "c", "d", "b"]);
        assert_eq!(view.selected(), Some(3), "the selection went with its row");
        assert_eq!(view.editing(), Some((3, false)), "so did the edit");
        view.apply(Effect::Move(0, 1)).unwrap();
        assert_eq!(view.selected(), Some(3), "rows moving around it leave it");
        view.apply(Effect::Replace(0, "bb".into())).unwrap();
        check_against_fresh(&view);
        assert_eq!(view.editing(), Some((3, false)));
        view.apply(Effect::Replace(3, "other".into())).unwrap();
        check_against_fresh(&view);
        assert_eq!(view.editing(), Some((3, true)), "changed under the edit");
        view.apply(Effect::RemoveAt(3)).unwrap();
        assert_eq!(view.selected(), None);
        assert!(view.apply(Effect::Move(0, 3)).is_err(), "past the end");
    }

    #[test]
    fn an_update_that_does_not_fit_changes_nothing() {
        let mut view = view(&["a"]);
        assert!(view.apply(Effect::RemoveAt(1)).is_err());
        assert!(view.apply(Effect::Insert(2, "x".into())).is_err());
        assert_eq!(view.items(), ["a"]);
    }

    #[test]
    fn long_values_are_cut_on_character_boundaries() {
        assert_eq!(truncate_chars("ação", 2), "aç");
        assert_eq!(truncate_chars("abc", 10), "abc");
    }
}
