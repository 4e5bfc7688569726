//! The table's row actions: what Delete, edit in place and move do to the selection, why
//! one cannot run (read-only, the seed's server, no row), the keys and menus that ask for
//! them, and the cell that edits a value in place.

use crate::net::protocol::Command;
use crate::ui::i18n::Language;
use crate::ui::list_table::{ListView, TableIntent};

use RowAction as Action;

/// Rows the keyboard's Page Up / Page Down move by.
const PAGE_ROWS: usize = 20;

/// A row action, from the table's keys, the Edit menu or a row's context menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowAction {
    /// Delete the selected rows.
    Delete,
    /// Edit the cursor's row in place.
    Edit,
    /// Move the cursor's row one place up.
    MoveUp,
    /// Move the cursor's row one place down.
    MoveDown,
}

impl RowAction {
    /// Every action, in the menus' order.
    pub const ALL: [Self; 4] = [Self::Delete, Self::Edit, Self::MoveUp, Self::MoveDown];

    /// The action's name in the menus.
    fn label(self, language: Language) -> &'static str {
        let t = language.texts();
        match self {
            Self::Delete => t.delete_rows,
            Self::Edit => t.edit_row,
            Self::MoveUp => t.move_row_up,
            Self::MoveDown => t.move_row_down,
        }
    }

    /// The key that does it in the table, as the platform names it.
    fn keys(self, is_mac: bool) -> String {
        use egui::{Key, KeyboardShortcut, ModifierNames, Modifiers};
        let (modifiers, key) = match self {
            Self::Delete => (Modifiers::NONE, Key::Delete),
            Self::Edit => (Modifiers::NONE, Key::F2),
            Self::MoveUp => (Modifiers::ALT, Key::ArrowUp),
            Self::MoveDown => (Modifiers::ALT, Key::ArrowDown),
        };
        KeyboardShortcut::new(modifiers, key).format(&ModifierNames::NAMES, is_mac)
    }
}

/// What the server lets the row actions do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCaps {
    /// The server knows the row-exact requests (a zlist server; the seed's does not).
    pub exact: bool,
    /// The server admitted this client to read only.
    pub read_only: bool,
}

/// A value being edited in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RowEdit {
    /// The row, following other clients' changes.
    pub(super) index: usize,
    /// Its value when the edit began (what the change will name).
    pub(super) original: String,
    /// The text typed.
    pub(super) text: String,
    /// Whether another client changed, moved or removed the row since.
    pub(super) changed_under: bool,
    /// Whether the field still has to take the keyboard focus.
    pub(super) focus: bool,
}

impl ListView {
    /// Why `action` cannot be done on the selection now, in words; `None` when it can.
    pub fn row_action_blocked(
        &self,
        action: RowAction,
        caps: RowCaps,
        language: Language,
    ) -> Option<&'static str> {
        let t = language.texts();
        let cursor = self.selection.cursor().filter(|&i| i < self.items().len());
        if caps.read_only {
            return Some(t.read_only_why);
        }
        if cursor.is_none() {
            return Some(t.no_row_selected);
        }
        let last = self.items().len().saturating_sub(1);
        match action {
            Action::Delete if !caps.exact => {
                let rows = self.selected_values();
                first_occurrence_removals(&rows, self.items())
                    .is_none()
                    .then_some(t.seed_not_exact)
            }
            Action::Delete => None,
            _ if !caps.exact => Some(t.needs_zlist),
            Action::MoveUp if cursor == Some(0) => Some(t.row_at_top),
            Action::MoveDown if cursor == Some(last) => Some(t.row_at_bottom),
            _ => None,
        }
    }

    /// Does `action` on the selection: the change to send (an edit starts here, and is sent
    /// when confirmed).
    pub fn row_action(&mut self, action: RowAction) -> Option<TableIntent> {
        let cursor = self.selection.cursor()?;
        match action {
            Action::Delete => {
                let rows = self.selected_values();
                if rows.is_empty() {
                    return None;
                }
                // The cursor goes to the row after the deleted ones (or before them), named
                // by its index now: the deletions' updates shift it onto its place.
                let next = self.selection.rows().last().and_then(|last| {
                    (last + 1..self.items().len())
                        .chain((0..last).rev())
                        .find(|&i| !self.selection.contains(i) && self.row_of(i).is_some())
                });
                self.selection.set(next);
                Some(TableIntent::Delete(rows))
            }
            Action::Edit => {
                self.start_edit(cursor);
                None
            }
            Action::MoveUp | Action::MoveDown => {
                let expected = self.items().get(cursor)?.clone();
                let to = if action == Action::MoveUp {
                    cursor.checked_sub(1)?
                } else {
                    Some(cursor + 1).filter(|&to| to < self.items().len())?
                };
                // The selection follows the row when the move's update comes.
                self.scroll_to = Some(to);
                Some(TableIntent::Row(Command::Move {
                    from: cursor,
                    to,
                    expected,
                }))
            }
        }
    }

    /// The selected rows with their values, in list order.
    fn selected_values(&self) -> Vec<(usize, String)> {
        self.selection
            .rows()
            .filter_map(|i| Some((i, self.items().get(i)?.clone())))
            .collect()
    }

    /// Starts editing the value at `index` in place.
    pub fn start_edit(&mut self, index: usize) {
        if let Some(value) = self.items().get(index) {
            self.editing = Some(RowEdit {
                index,
                original: value.clone(),
                text: value.clone(),
                changed_under: false,
                focus: true,
            });
        }
    }

    /// The row being edited and whether it changed under the edit.
    pub fn editing(&self) -> Option<(usize, bool)> {
        self.editing
            .as_ref()
            .map(|edit| (edit.index, edit.changed_under))
    }

    /// Stops editing.
    pub fn cancel_edit(&mut self) {
        self.editing = None;
    }

    /// The table's keys, when no text field has the keyboard: arrows, Page Up/Down,
    /// Home/End move the cursor (Shift extends the selection), Delete removes the selected
    /// rows, F2 or Enter edits the cursor's row, Alt+Up/Down moves it.
    pub(super) fn keys_ui(&mut self, ui: &egui::Ui) -> Option<TableIntent> {
        if ui.ctx().egui_wants_keyboard_input() || self.editing.is_some() {
            return None;
        }
        use egui::{Key, Modifiers};
        let rows = self.visible_len();
        let cursor = self.selection.cursor();
        let place = cursor.and_then(|i| self.row_of(i));
        let (modifiers, key) = ui.input(|input| {
            let keys = [
                Key::ArrowUp,
                Key::ArrowDown,
                Key::PageUp,
                Key::PageDown,
                Key::Home,
                Key::End,
                Key::Delete,
                Key::F2,
                Key::Enter,
            ];
            (
                input.modifiers,
                keys.into_iter().find(|key| input.key_pressed(*key)),
            )
        });
        let key = key?;
        if modifiers.command {
            // Ctrl/Cmd with these keys are the app's shortcuts (sorting, removing by value).
            return None;
        }
        let action = match key {
            Key::ArrowUp if modifiers.alt => Some(Action::MoveUp),
            Key::ArrowDown if modifiers.alt => Some(Action::MoveDown),
            _ if modifiers.alt => return None,
            Key::Delete if modifiers == Modifiers::NONE => Some(Action::Delete),
            Key::F2 | Key::Enter => Some(Action::Edit),
            _ => None,
        };
        if let Some(action) = action {
            return self.row_action(action);
        }
        if matches!(key, Key::Delete | Key::F2 | Key::Enter) {
            return None;
        }
        let last = rows.saturating_sub(1);
        let target = match key {
            Key::ArrowUp => place.map_or(0, |p| p.saturating_sub(1)),
            Key::ArrowDown => place.map_or(0, |p| (p + 1).min(last)),
            Key::PageUp => place.map_or(0, |p| p.saturating_sub(PAGE_ROWS)),
            Key::PageDown => place.map_or(0, |p| (p + PAGE_ROWS).min(last)),
            Key::Home => 0,
            _ => last,
        };
        let index = self.item_at(target)?;
        if modifiers.shift {
            let mut selection = std::mem::take(&mut self.selection);
            selection.extend_to(index, self);
            self.selection = selection;
        } else {
            self.selection.set(Some(index));
        }
        self.scroll_to = Some(index);
        Some(TableIntent::Select(index))
    }
}

/// The row actions as menu items (a row's context menu, the Edit menu), each disabled with
/// the reason when the selection or the server does not allow it; returns the one picked.
pub fn row_menu_ui(
    ui: &mut egui::Ui,
    list: &ListView,
    caps: RowCaps,
    language: Language,
) -> Option<RowAction> {
    let mut picked = None;
    for action in RowAction::ALL {
        let blocked = list.row_action_blocked(action, caps, language);
        let keys = action.keys(ui.ctx().os().is_mac());
        let button = egui::Button::new(action.label(language)).shortcut_text(keys);
        let response = ui.add_enabled(blocked.is_none(), button);
        let response = match blocked {
            Some(why) => response.on_disabled_hover_text(why),
            None => response,
        };
        if response.clicked() {
            picked = Some(action);
            ui.close();
        }
    }
    picked
}

/// A value being edited: Enter confirms (the change to send), Escape or a click elsewhere
/// cancels (`Some(None)`); `None` while editing goes on.
pub(super) fn edit_cell(
    ui: &mut egui::Ui,
    edit: &mut RowEdit,
    language: Language,
) -> Option<Option<TableIntent>> {
    let t = language.texts();
    if edit.changed_under {
        ui.label(
            egui::RichText::new("!")
                .strong()
                .color(ui.visuals().warn_fg_color),
        )
        .on_hover_text(t.row_changed_under);
    }
    let response = ui.add(
        egui::TextEdit::singleline(&mut edit.text)
            .desired_width(f32::INFINITY)
            .id_salt("zlist-row-edit"),
    );
    let response = response.on_hover_text(if edit.changed_under {
        t.row_changed_under
    } else {
        t.row_edit_tip
    });
    if std::mem::take(&mut edit.focus) {
        response.request_focus();
    }
    if !response.lost_focus() {
        return None;
    }
    let confirmed = ui.input(|i| i.key_pressed(egui::Key::Enter));
    let element = edit.text.trim();
    Some(
        (confirmed && !element.is_empty() && element != edit.original).then(|| {
            TableIntent::Row(Command::ReplaceAt {
                index: edit.index,
                expected: edit.original.clone(),
                element: element.to_owned(),
            })
        }),
    )
}

/// The `remover X` requests that remove exactly `rows` from `items` on the seed's server
/// (which removes the first `X`): one per row, when for every value the rows are its first
/// occurrences; `None` when some row is not, so `remover` would hit another row.
pub fn first_occurrence_removals(
    rows: &[(usize, String)],
    items: &[String],
) -> Option<Vec<String>> {
    let mut values = Vec::with_capacity(rows.len());
    for (index, value) in rows {
        if items.get(*index) != Some(value) {
            return None;
        }
        let chosen = |i: usize| rows.iter().any(|(row, _)| *row == i);
        let before_all_chosen = items[..*index]
            .iter()
            .enumerate()
            .filter(|(_, item)| *item == value)
            .all(|(i, _)| chosen(i));
        if !before_all_chosen {
            return None;
        }
        values.push(value.clone());
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::list_table::tests::view;

    #[test]
    fn row_actions_say_why_they_cannot_run() {
        let mut view = view(&["a", "b", "a"]);
        let zlist = RowCaps {
            exact: true,
            read_only: false,
        };
        let seed = RowCaps {
            exact: false,
            read_only: false,
        };
        let t = Language::En.texts();
        assert_eq!(
            view.row_action_blocked(RowAction::Delete, zlist, Language::En),
            Some(t.no_row_selected)
        );
        view.select(Some(2));
        assert_eq!(
            view.row_action_blocked(RowAction::Delete, zlist, Language::En),
            None
        );
        assert_eq!(
            view.row_action_blocked(RowAction::Delete, seed, Language::En),
            Some(t.seed_not_exact),
            "remover a would take row 0"
        );
        assert_eq!(
            view.row_action_blocked(RowAction::Edit, seed, Language::En),
            Some(t.needs_zlist)
        );
        assert_eq!(
            view.row_action_blocked(RowAction::MoveDown, zlist, Language::En),
            Some(t.row_at_bottom)
        );
        let read_only = RowCaps {
            exact: true,
            read_only: true,
        };
        assert_eq!(
            view.row_action_blocked(RowAction::MoveUp, read_only, Language::En),
            Some(t.read_only_why)
        );
        assert_eq!(
            view.row_action(RowAction::MoveUp),
            Some(TableIntent::Row(Command::Move {
                from: 2,
                to: 1,
                expected: "a".into()
            }))
        );
        view.select(Some(1));
        assert_eq!(view.row_action(RowAction::Edit), None);
        assert_eq!(view.editing(), Some((1, false)));
    }

    #[test]
    fn the_seed_server_can_delete_only_rows_that_are_their_values_first_occurrences() {
        let items: Vec<String> = ["a", "b", "a", "c"].map(str::to_owned).to_vec();
        let row = |i: usize| (i, items[i].clone());
        assert_eq!(
            first_occurrence_removals(&[row(1)], &items),
            Some(vec!["b".to_owned()])
        );
        assert_eq!(
            first_occurrence_removals(&[row(0)], &items),
            Some(vec!["a".to_owned()])
        );
        assert_eq!(
            first_occurrence_removals(&[row(2)], &items),
            None,
            "remover a hits row 0"
        );
        assert_eq!(
            first_occurrence_removals(&[row(0), row(2), row(3)], &items),
            Some(vec!["a".to_owned(), "a".to_owned(), "c".to_owned()])
        );
        assert_eq!(
            first_occurrence_removals(&[(1, "x".to_owned())], &items),
            None,
            "a stale view"
        );
    }
}
