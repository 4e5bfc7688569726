//! The Help menu's windows: the keyboard shortcuts (written from the one shortcut table,
//! with the platform's modifier names) and About.

use crate::ui::i18n::Language;
use crate::ui::shortcuts;

/// Draws the shortcuts window while `open`; its close button clears `open`.
pub(crate) fn shortcuts_window(ctx: &egui::Context, open: &mut bool, language: Language) {
    let t = language.texts();
    let lines = shortcuts::help_lines(language, &egui::ModifierNames::NAMES, ctx.os().is_mac());
    help_window(t.shortcuts, "zlist-shortcuts", open).show(ctx, |ui| {
        egui::Grid::new("zlist-shortcut-grid")
            .striped(true)
            .show(ui, |ui| {
                for (keys, action) in &lines {
                    ui.monospace(keys);
                    ui.label(*action);
                    ui.end_row();
                }
            });
    });
}

/// Draws the About window while `open`; its close button clears `open`.
pub(crate) fn about_window(ctx: &egui::Context, open: &mut bool, language: Language) {
    let t = language.texts();
    help_window(t.about, "zlist-about", open).show(ctx, |ui| {
        ui.heading(format!("zlist {}", env!("CARGO_PKG_VERSION")));
        ui.label(t.about_text);
        ui.label(t.curve_available_line);
        ui.label(
            egui::RichText::new(format!("commit {}", crate::cli::version::GIT_COMMIT))
                .small()
                .weak(),
        );
    });
}

/// A fixed-size window with a close button that clears `open`.
fn help_window<'a>(title: &str, id: &str, open: &'a mut bool) -> egui::Window<'a> {
    egui::Window::new(title)
        .id(egui::Id::unique(id))
        .open(open)
        .collapsible(false)
        .resizable(false)
}
