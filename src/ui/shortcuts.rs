//! Keyboard shortcuts for the main actions (Ctrl is Cmd on macOS). The help window lists
//! them from the language tables; this module turns key presses into intents.

use egui::{Key, KeyboardShortcut, Modifiers};

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
}

const CTRL: Modifiers = Modifiers::COMMAND;
const CTRL_SHIFT: Modifiers = Modifiers {
    shift: true,
    ..Modifiers::COMMAND
};

/// Every shortcut and its keys; more specific (more modifiers) first, so that
/// Ctrl+Shift+Delete is not taken for Ctrl+Delete.
const TABLE: [(KeyboardShortcut, Shortcut); 14] = [
    (
        KeyboardShortcut::new(CTRL_SHIFT, Key::Delete),
        Shortcut::Clear,
    ),
    (
        KeyboardShortcut::new(CTRL_SHIFT, Key::V),
        Shortcut::PasteLines,
    ),
    (KeyboardShortcut::new(CTRL_SHIFT, Key::F), Shortcut::Filter),
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
    (KeyboardShortcut::new(CTRL, Key::R), Shortcut::Refresh),
    (
        KeyboardShortcut::new(Modifiers::NONE, Key::F5),
        Shortcut::Refresh,
    ),
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
];

/// Takes this frame's shortcut presses out of the input (so text fields do not see them).
pub fn pressed(ctx: &egui::Context) -> Vec<Shortcut> {
    ctx.input_mut(|input| {
        TABLE
            .iter()
            .filter(|(keys, _)| input.consume_shortcut(keys))
            .map(|(_, shortcut)| *shortcut)
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
