//! Keyboard shortcuts for the main actions (Ctrl is Cmd on macOS): the one table of keys,
//! which turns key presses into intents and writes the keys the help window (and the
//! README, which a test keeps in step) lists, with the platform's modifier names.

use egui::{Key, KeyboardShortcut, ModifierNames, Modifiers};

use crate::ui::i18n::Language;

/// An action a shortcut asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortcut {
    /// Insert at the position.
    Insert,
    /// Remove the value.
    Remove,
    /// Search the value.
    Search,
    /// Sort ascending.
    SortAscending,
    /// Sort descending.
    SortDescending,
    /// Clear (asks first).
    Clear,
    /// Refresh.
    Refresh,
    /// Paste many lines.
    PasteLines,
    /// Focus the filter box.
    Filter,
    /// Export.
    Export,
    /// Connect or disconnect.
    ToggleConnection,
    /// Show or hide the console.
    ToggleConsole,
    /// Show the shortcuts.
    Help,
    /// Make the whole UI larger.
    ZoomIn,
    /// Make the whole UI smaller.
    ZoomOut,
    /// Back to 100 %.
    ZoomReset,
    /// Undo this app's last change.
    Undo,
    /// Redo the last undone change.
    Redo,
}

impl Shortcut {
    /// Whether a focused text field keeps these keys (its own undo and redo of typing).
    fn yields_to_text_fields(self) -> bool {
        matches!(self, Self::Undo | Self::Redo)
    }
}

/// What the table's own keys do (the table handles them while it has the keyboard; the
/// help lists them after the shortcuts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKey {
    /// Delete the selected rows.
    Delete,
    /// Edit the cursor's row in place.
    Edit,
    /// Move the cursor's row up or down.
    Move,
    /// Move the cursor, extending the selection.
    Extend,
}

const SHIFT: Modifiers = Modifiers::SHIFT;

/// The table's keys, in the order the help writes them.
pub const ROW_KEYS: [(&[KeyboardShortcut], RowKey); 4] = [
    (
        &[KeyboardShortcut::new(Modifiers::NONE, Key::Delete)],
        RowKey::Delete,
    ),
    (
        &[
            KeyboardShortcut::new(Modifiers::NONE, Key::F2),
            KeyboardShortcut::new(Modifiers::NONE, Key::Enter),
        ],
        RowKey::Edit,
    ),
    (
        &[
            KeyboardShortcut::new(Modifiers::ALT, Key::ArrowUp),
            KeyboardShortcut::new(Modifiers::ALT, Key::ArrowDown),
        ],
        RowKey::Move,
    ),
    (
        &[
            KeyboardShortcut::new(SHIFT, Key::ArrowUp),
            KeyboardShortcut::new(SHIFT, Key::ArrowDown),
        ],
        RowKey::Extend,
    ),
];

const CTRL: Modifiers = Modifiers::COMMAND;
const CTRL_SHIFT: Modifiers = Modifiers {
    shift: true,
    ..Modifiers::COMMAND
};

/// Every shortcut and its keys; more specific (more modifiers) first, so that
/// Ctrl+Shift+Delete is not taken for Ctrl+Delete. An action with several keys lists them
/// in the order the help writes them.
pub const TABLE: [(KeyboardShortcut, Shortcut); 21] = [
    (
        KeyboardShortcut::new(CTRL_SHIFT, Key::Delete),
        Shortcut::Clear,
    ),
    (
        KeyboardShortcut::new(CTRL_SHIFT, Key::V),
        Shortcut::PasteLines,
    ),
    (KeyboardShortcut::new(CTRL_SHIFT, Key::F), Shortcut::Filter),
    (KeyboardShortcut::new(CTRL_SHIFT, Key::Z), Shortcut::Redo),
    (KeyboardShortcut::new(CTRL, Key::Y), Shortcut::Redo),
    (KeyboardShortcut::new(CTRL, Key::Z), Shortcut::Undo),
    (KeyboardShortcut::new(CTRL, Key::I), Shortcut::Insert),
    (KeyboardShortcut::new(CTRL, Key::Delete), Shortcut::Remove),
    (KeyboardShortcut::new(CTRL, Key::F), Shortcut::Search),
    (
        KeyboardShortcut::new(CTRL, Key::ArrowUp),
        Shortcut::SortAscending,
    ),
    (
        KeyboardShortcut::new(CTRL, Key::ArrowDown),
        Shortcut::SortDescending,
    ),
    (
        KeyboardShortcut::new(Modifiers::NONE, Key::F5),
        Shortcut::Refresh,
    ),
    (KeyboardShortcut::new(CTRL, Key::R), Shortcut::Refresh),
    (KeyboardShortcut::new(CTRL, Key::S), Shortcut::Export),
    (
        KeyboardShortcut::new(CTRL, Key::K),
        Shortcut::ToggleConnection,
    ),
    (
        KeyboardShortcut::new(Modifiers::NONE, Key::F12),
        Shortcut::ToggleConsole,
    ),
    (
        KeyboardShortcut::new(Modifiers::NONE, Key::F1),
        Shortcut::Help,
    ),
    // The keys egui suggests, as browsers have them (Ctrl = for Ctrl + without Shift).
    (egui::gui_zoom::kb_shortcuts::ZOOM_IN, Shortcut::ZoomIn),
    (
        egui::gui_zoom::kb_shortcuts::ZOOM_IN_SECONDARY,
        Shortcut::ZoomIn,
    ),
    (egui::gui_zoom::kb_shortcuts::ZOOM_OUT, Shortcut::ZoomOut),
    (
        egui::gui_zoom::kb_shortcuts::ZOOM_RESET,
        Shortcut::ZoomReset,
    ),
];

/// Takes this frame's shortcut presses out of the input (so text fields do not see them),
/// but leaves a focused text field its own undo and redo.
pub fn pressed(ctx: &egui::Context) -> Vec<Shortcut> {
    let typing = ctx.egui_wants_keyboard_input();
    ctx.input_mut(|input| {
        TABLE
            .iter()
            .filter(|(_, shortcut)| !(typing && shortcut.yields_to_text_fields()))
            .filter(|(keys, _)| input.consume_shortcut(keys))
            .map(|(_, shortcut)| *shortcut)
            .collect()
    })
}

/// Every key combination for `shortcut`, written with `names` for the platform
/// (`F5 / Ctrl+R`; Cmd instead of Ctrl when `is_mac`).
pub fn keys_text(shortcut: Shortcut, names: &ModifierNames<'_>, is_mac: bool) -> String {
    TABLE
        .iter()
        .filter(|(_, action)| *action == shortcut)
        .map(|(keys, _)| keys.format(names, is_mac))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// A tooltip that ends with the shortcut's keys, as the platform names them: e.g.
/// `Sends pesquisar X (Ctrl+F)`, or `(Cmd+F)` on macOS.
pub fn tip(ctx: &egui::Context, text: &str, shortcut: Shortcut) -> String {
    format!("{text} ({})", keys_for(ctx, shortcut))
}

/// [`keys_text`] for the platform `ctx` runs on.
pub fn keys_for(ctx: &egui::Context, shortcut: Shortcut) -> String {
    keys_text(shortcut, &ModifierNames::NAMES, ctx.os().is_mac())
}

/// The help's lines, `(keys, what they do)`: Enter in the value field first (the field's
/// own key, not a shortcut), then every shortcut in the language's order, its keys from
/// [`TABLE`] written with `names` for the platform, then the table's keys ([`ROW_KEYS`]).
pub fn help_lines(
    language: Language,
    names: &ModifierNames<'_>,
    is_mac: bool,
) -> Vec<(String, &'static str)> {
    let t = language.texts();
    let enter = format!("{} ({})", Key::Enter.name(), t.shortcut_enter_where);
    std::iter::once((enter, t.shortcut_enter_action))
        .chain(
            t.shortcut_lines
                .iter()
                .map(|(shortcut, action)| (keys_text(*shortcut, names, is_mac), *action)),
        )
        .chain(t.row_key_lines.iter().map(|(row_key, action)| {
            let keys = ROW_KEYS
                .iter()
                .filter(|(_, key)| key == row_key)
                .flat_map(|(keys, _)| keys.iter())
                .map(|keys| keys.format(names, is_mac))
                .collect::<Vec<_>>()
                .join(" / ");
            (format!("{keys} ({})", t.shortcut_table_where), *action)
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every action, for the tests that check each is listed.
    const ALL: [Shortcut; 18] = [
        Shortcut::Insert,
        Shortcut::Remove,
        Shortcut::Search,
        Shortcut::SortAscending,
        Shortcut::SortDescending,
        Shortcut::Clear,
        Shortcut::Refresh,
        Shortcut::PasteLines,
        Shortcut::Filter,
        Shortcut::Export,
        Shortcut::ToggleConnection,
        Shortcut::ToggleConsole,
        Shortcut::Help,
        Shortcut::ZoomIn,
        Shortcut::ZoomOut,
        Shortcut::ZoomReset,
        Shortcut::Undo,
        Shortcut::Redo,
    ];

    #[test]
    fn every_shortcut_has_keys_and_each_language_lists_it_once() {
        for shortcut in ALL {
            assert!(!keys_text(shortcut, &ModifierNames::NAMES, false).is_empty());
            for language in Language::ALL {
                let listed = language
                    .texts()
                    .shortcut_lines
                    .iter()
                    .filter(|(s, _)| *s == shortcut)
                    .count();
                assert_eq!(listed, 1, "{shortcut:?} in {language:?}");
            }
        }
    }

    #[test]
    fn the_help_says_cmd_on_macos_and_ctrl_elsewhere() {
        let names = ModifierNames::NAMES;
        assert_eq!(keys_text(Shortcut::Refresh, &names, false), "F5 / Ctrl+R");
        assert_eq!(keys_text(Shortcut::Refresh, &names, true), "F5 / Cmd+R");
        assert_eq!(
            keys_text(Shortcut::Clear, &names, false),
            "Ctrl+Shift+Delete"
        );
        assert_eq!(keys_text(Shortcut::Clear, &names, true), "Shift+Cmd+Delete");
        let mac = help_lines(Language::PtBr, &names, true);
        assert!(
            mac.iter().all(|(keys, _)| !keys.contains("Ctrl")),
            "{mac:?}"
        );
    }

    /// The rows of the README's shortcut table, `(keys, action)`.
    fn readme_rows() -> Vec<(String, String)> {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
            .expect("the README is readable");
        readme
            .lines()
            .skip_while(|line| line.trim() != "| Shortcut | Action |")
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .map(|line| {
                let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
                assert_eq!(cells.len(), 2, "a shortcut row has two cells: {line}");
                (cells[0].trim().to_owned(), cells[1].trim().to_owned())
            })
            .collect()
    }

    #[test]
    fn the_readme_lists_the_shortcut_table_as_the_english_help_does() {
        let help: Vec<(String, String)> = help_lines(Language::En, &ModifierNames::NAMES, false)
            .into_iter()
            .map(|(keys, action)| (keys, action.to_owned()))
            .collect();
        assert_eq!(readme_rows(), help);
    }

    #[test]
    fn tooltips_name_their_keys_from_the_table_and_only_there() {
        // The texts carry no key names: `tip` adds them from the table, for the platform.
        for language in Language::ALL {
            let t = language.texts();
            for text in [
                t.export_tip,
                t.connect_tip,
                t.disconnect_tip,
                t.filter_tip,
                t.insert_tip,
                t.remove_tip,
                t.search_tip,
                t.sort_ascending_tip,
                t.sort_descending_tip,
                t.clear_tip,
                t.paste_lines_tip,
                t.refresh_tip,
            ] {
                assert!(!text.contains("Ctrl") && !text.contains("(F"), "{text:?}");
            }
        }
        let ctx = egui::Context::default();
        let text = tip(&ctx, "Sends pesquisar X", Shortcut::Search);
        let keys = keys_text(Shortcut::Search, &ModifierNames::NAMES, ctx.os().is_mac());
        assert_eq!(text, format!("Sends pesquisar X ({keys})"));
        let mac = keys_text(Shortcut::Search, &ModifierNames::NAMES, true);
        assert!(mac.contains("Cmd") && !mac.contains("Ctrl"), "{mac}");
    }

    #[test]
    fn ctrl_shift_delete_clears_and_ctrl_delete_removes() {
        let ctx = egui::Context::default();
        let press = |modifiers: Modifiers| egui::RawInput {
            events: vec![egui::Event::Key {
                key: Key::Delete,
                physical_key: None,
                pressed: true,
                repeat: false,
                modifiers,
            }],
            ..Default::default()
        };
        let mut got = Vec::new();
        let mut output = ctx.run_ui(press(CTRL_SHIFT), |ui| got = pressed(ui.ctx()));
        output.textures_delta.clear();
        assert_eq!(got, vec![Shortcut::Clear]);
        let mut output = ctx.run_ui(press(CTRL), |ui| got = pressed(ui.ctx()));
        output.textures_delta.clear();
        assert_eq!(got, vec![Shortcut::Remove]);
    }
}
