//! The menu bar: File (import, export, quit), View (console, server status, theme, request
//! settings, automatic refresh), Help, and the language at the right. Settings it shows
//! are edited in place; everything else comes back as a [`MenuIntent`].

use crate::ui::actions;
use crate::ui::export::ExportFormat;
use crate::ui::i18n::Language;
use crate::ui::list_table::{ListView, RowAction, RowCaps, row_menu_ui};
use crate::ui::settings::{AutoRefresh, Settings, ThemeChoice};
use crate::ui::shortcuts::{self, Shortcut};

/// What the user picked in the menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MenuIntent {
    /// Export the list in this format.
    Export(ExportFormat),
    /// Choose a file to import.
    Import,
    /// Close the window.
    Quit,
    /// Open the server status window.
    ServerStatus,
    /// Show the keyboard shortcuts.
    Shortcuts,
    /// Show the About window.
    About,
    /// Open the folder of the app's log files in the file manager.
    OpenLogFolder,
    /// Undo this app's last change.
    Undo,
    /// Redo the last undone change.
    Redo,
    /// A row action on the table's selection.
    Row(RowAction),
}

/// What the menu needs to know besides the settings it edits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MenuView {
    /// Whether a list arrived (something to export).
    pub has_list: bool,
    /// Whether changes can be sent (something to import into).
    pub connected: bool,
    /// Whether the server admitted this client to read only.
    pub read_only: bool,
    /// The operating system's language (named beside "Automatic").
    pub os_language: Language,
    /// Whether a change of this app's can be undone.
    pub can_undo: bool,
    /// Whether an undone change can be redone.
    pub can_redo: bool,
    /// What the server lets the row actions do.
    pub rows: RowCaps,
}

/// Draws the menu bar; returns what the user picked.
pub(crate) fn menu_ui(
    ui: &mut egui::Ui,
    settings: &mut Settings,
    view: MenuView,
    list: &ListView,
    language: Language,
) -> Option<MenuIntent> {
    let t = language.texts();
    let mut intent = None;
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button(t.menu_file, |ui| {
            if ui
                .add_enabled(
                    view.connected && !view.read_only,
                    egui::Button::new(t.import),
                )
                .on_disabled_hover_text(if view.connected {
                    t.read_only_why
                } else {
                    t.need_connection
                })
                .clicked()
            {
                intent = Some(MenuIntent::Import);
                ui.close();
            }
            ui.separator();
            for format in ExportFormat::ALL {
                let label = format!("{} {}", t.export, actions::format_name(format, language));
                if ui
                    .add_enabled(view.has_list, egui::Button::new(label))
                    .clicked()
                {
                    intent = Some(MenuIntent::Export(format));
                    ui.close();
                }
            }
            ui.separator();
            if ui.button(t.quit).clicked() {
                intent = Some(MenuIntent::Quit);
            }
        });
        ui.menu_button(t.menu_edit, |ui| {
            if let Some(picked) = edit_menu_ui(ui, view, list, language) {
                intent = Some(picked);
            }
        });
        ui.menu_button(t.menu_view, |ui| {
            if let Some(picked) = view_menu_ui(ui, settings, language) {
                intent = Some(picked);
            }
        });
        ui.menu_button(t.menu_help, |ui| {
            let keys = shortcuts::keys_for(ui.ctx(), Shortcut::Help);
            if ui.button(format!("{} ({keys})", t.shortcuts)).clicked() {
                intent = Some(MenuIntent::Shortcuts);
                ui.close();
            }
            if ui.button(t.open_log_folder).clicked() {
                intent = Some(MenuIntent::OpenLogFolder);
                ui.close();
            }
            if ui.button(t.about).clicked() {
                intent = Some(MenuIntent::About);
                ui.close();
            }
        });
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            language_ui(ui, &mut settings.language, view.os_language, language);
        });
    });
    intent
}

/// The Edit menu's contents: Undo and Redo, then the row actions.
fn edit_menu_ui(
    ui: &mut egui::Ui,
    view: MenuView,
    list: &ListView,
    language: Language,
) -> Option<MenuIntent> {
    let t = language.texts();
    let mut intent = None;
    let why_not = |can: bool, nothing: &'static str| {
        if !view.connected {
            t.need_connection
        } else if view.read_only {
            t.read_only_why
        } else if can {
            ""
        } else {
            nothing
        }
    };
    let items = [
        (
            t.undo,
            Shortcut::Undo,
            view.can_undo,
            t.nothing_to_undo,
            MenuIntent::Undo,
        ),
        (
            t.redo,
            Shortcut::Redo,
            view.can_redo,
            t.nothing_to_redo,
            MenuIntent::Redo,
        ),
    ];
    for (label, shortcut, can, nothing, picked) in items {
        let enabled = view.connected && !view.read_only && can;
        let button =
            egui::Button::new(label).shortcut_text(shortcuts::keys_for(ui.ctx(), shortcut));
        if ui
            .add_enabled(enabled, button)
            .on_disabled_hover_text(why_not(can, nothing))
            .clicked()
        {
            intent = Some(picked);
            ui.close();
        }
    }
    ui.separator();
    if let Some(action) = row_menu_ui(ui, list, view.rows, language) {
        intent = Some(MenuIntent::Row(action));
    }
    intent
}

/// The View menu's contents.
fn view_menu_ui(
    ui: &mut egui::Ui,
    settings: &mut Settings,
    language: Language,
) -> Option<MenuIntent> {
    let t = language.texts();
    let mut intent = None;
    ui.checkbox(&mut settings.console_visible, t.show_console);
    if ui
        .button(t.server_status_menu)
        .on_hover_text(t.server_status_tip)
        .clicked()
    {
        intent = Some(MenuIntent::ServerStatus);
        ui.close();
    }
    ui.separator();
    ui.label(t.theme);
    ui.radio_value(&mut settings.theme, ThemeChoice::System, t.theme_system);
    ui.radio_value(&mut settings.theme, ThemeChoice::Light, t.theme_light);
    ui.radio_value(&mut settings.theme, ThemeChoice::Dark, t.theme_dark);
    ui.separator();
    crate::ui::zoom::zoom_ui(ui, &mut settings.zoom, language);
    ui.separator();
    ui.label(t.request_settings);
    ui.horizontal(|ui| {
        let label = ui.label(t.timeout_label);
        ui.add(
            egui::DragValue::new(&mut settings.timeout_ms)
                .range(50..=60_000)
                .speed(50),
        )
        .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        let label = ui.label(t.tries_label);
        ui.add(egui::DragValue::new(&mut settings.tries).range(1..=20))
            .labelled_by(label.id);
    });
    ui.horizontal(|ui| {
        let label = ui.label(t.key_file_label);
        ui.add(egui::TextEdit::singleline(&mut settings.key_file).desired_width(160.0))
            .labelled_by(label.id)
            .on_hover_text(t.key_file_tip);
    });
    ui.label(egui::RichText::new(t.applies_next_connect).small().weak());
    ui.separator();
    ui.label(t.auto_refresh).on_hover_text(t.auto_refresh_tip);
    for choice in AutoRefresh::ALL {
        let name = match choice.period() {
            None => t.auto_refresh_off.to_owned(),
            Some(period) => language.auto_refresh_every(period.as_secs()),
        };
        ui.radio_value(&mut settings.auto_refresh, choice, name);
    }
    intent
}

/// The language picker: automatic (the OS's) or one of the languages.
fn language_ui(
    ui: &mut egui::Ui,
    choice: &mut Option<Language>,
    os_language: Language,
    language: Language,
) {
    let t = language.texts();
    let selected = match *choice {
        None => format!("{} · {}", t.language_auto, os_language.native_name()),
        Some(language) => language.native_name().to_owned(),
    };
    egui::ComboBox::from_id_salt("zlist-language")
        .selected_text(selected)
        .show_ui(ui, |ui| {
            ui.selectable_value(choice, None, t.language_auto);
            for language in Language::ALL {
                ui.selectable_value(choice, Some(language), language.native_name());
            }
        })
        .response
        .accessible_name(t.language)
        .on_hover_text(t.language);
    ui.label(t.language);
}
