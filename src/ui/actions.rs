//! The operations panel: a control for every seed operation (append, insert, remove,
//! search, both sorts, clear, refresh), bulk paste and export. Widgets only report what the
//! user asked; the app validates the input and sends the command through the engine.

use crate::ui::export::ExportFormat;
use crate::ui::i18n::Language;
use crate::ui::shortcuts::{self, Shortcut};

/// What the user asked in the operations panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionIntent {
    /// `append` the value.
    Append,
    /// `insert` the value at the position.
    Insert,
    /// `remover` the value.
    Remove,
    /// `pesquisar` the value.
    Search,
    /// `ordenar_cresc`.
    SortAscending,
    /// `ordenar_desc`.
    SortDescending,
    /// `limpar`, once confirmed.
    AskClear,
    /// `mostrar`.
    Refresh,
    /// Open the paste-many-lines window.
    OpenPaste,
    /// Export the list.
    Export(ExportFormat),
}

impl ActionIntent {
    /// Whether the action changes the list (so needs more than the read-only token).
    pub fn changes_the_list(self) -> bool {
        !matches!(self, Self::Search | Self::Refresh | Self::Export(_))
    }
}

/// The operations panel's fields.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ActionInputs {
    /// The element typed (or taken from the selected row).
    pub value: String,
    /// The insert position typed (or taken from the selected row).
    pub position: String,
    /// Set to put the keyboard focus in the value field on the next frame.
    pub focus_value: bool,
}

/// What the panel needs to know besides its fields.
#[derive(Debug, Clone, Copy)]
pub struct ActionsView<'a> {
    /// Whether a client runs (requests can be sent).
    pub connected: bool,
    /// Whether a list arrived (something to export).
    pub has_list: bool,
    /// The server's reply to the last search, exactly.
    pub last_search: Option<&'a str>,
    /// Whether requests are waiting for replies.
    pub busy: bool,
    /// Whether the server admitted this client to read only (changes are disabled).
    pub read_only: bool,
}

/// Draws the panel; returns what the user asked.
pub fn actions_ui(
    ui: &mut egui::Ui,
    inputs: &mut ActionInputs,
    view: ActionsView<'_>,
    language: Language,
) -> Option<ActionIntent> {
    let t = language.texts();
    let mut intent = None;
    let on = view.connected;
    let why = t.need_connection;
    // The actions that change the list: off when not connected or only reading.
    let change = on && !view.read_only;
    let why_not_change = if on { t.read_only_why } else { why };
    let full = egui::vec2(ui.available_width(), 0.0);

    ui.horizontal(|ui| {
        ui.heading(t.actions_heading);
        if view.busy {
            ui.add(egui::Spinner::new());
        }
    });
    ui.add_space(4.0);

    let value_label = ui.label(t.value_label);
    let value = ui
        .add(
            egui::TextEdit::singleline(&mut inputs.value)
                .hint_text(t.value_hint)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(value_label.id)
        .accessible_name(t.value_label);
    if std::mem::take(&mut inputs.focus_value) {
        value.request_focus();
    }
    if value.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        if change {
            intent = Some(ActionIntent::Append);
        }
        // Ready for the next element.
        value.request_focus();
    }

    ui.columns(2, |cols| {
        if command_button(
            &mut cols[0],
            change,
            t.append,
            t.append_tip,
            None,
            why_not_change,
        ) {
            intent = Some(ActionIntent::Append);
        }
        if command_button(
            &mut cols[1],
            on,
            t.search,
            t.search_tip,
            Some(Shortcut::Search),
            why,
        ) {
            intent = Some(ActionIntent::Search);
        }
    });

    ui.add_space(6.0);
    let position_label = ui.label(t.position_label);
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut inputs.position)
                .hint_text(t.position_hint)
                .desired_width(80.0),
        )
        .labelled_by(position_label.id)
        .accessible_name(t.position_label);
        if command_button(
            ui,
            change,
            t.insert,
            t.insert_tip,
            Some(Shortcut::Insert),
            why_not_change,
        ) {
            intent = Some(ActionIntent::Insert);
        }
    });

    ui.add_space(6.0);
    if command_button(
        ui,
        change,
        t.remove,
        t.remove_tip,
        Some(Shortcut::Remove),
        why_not_change,
    ) {
        intent = Some(ActionIntent::Remove);
    }
    ui.label(egui::RichText::new(t.remove_note).small().weak());

    ui.separator();
    if command_button(
        ui,
        change,
        t.sort_ascending,
        t.sort_ascending_tip,
        Some(Shortcut::SortAscending),
        why_not_change,
    ) {
        intent = Some(ActionIntent::SortAscending);
    }
    if command_button(
        ui,
        change,
        t.sort_descending,
        t.sort_descending_tip,
        Some(Shortcut::SortDescending),
        why_not_change,
    ) {
        intent = Some(ActionIntent::SortDescending);
    }
    ui.columns(2, |cols| {
        if command_button(
            &mut cols[0],
            on,
            t.refresh,
            t.refresh_tip,
            Some(Shortcut::Refresh),
            why,
        ) {
            intent = Some(ActionIntent::Refresh);
        }
        if command_button(
            &mut cols[1],
            change,
            t.clear,
            t.clear_tip,
            Some(Shortcut::Clear),
            why_not_change,
        ) {
            intent = Some(ActionIntent::AskClear);
        }
    });

    ui.separator();
    if ui
        .add_enabled(change, egui::Button::new(t.paste_lines).min_size(full))
        .on_hover_text(shortcuts::tip(
            ui.ctx(),
            t.paste_lines_tip,
            Shortcut::PasteLines,
        ))
        .on_disabled_hover_text(why_not_change)
        .clicked()
    {
        intent = Some(ActionIntent::OpenPaste);
    }
    ui.add_enabled_ui(view.has_list, |ui| {
        let button = egui::Button::new(t.export).min_size(full);
        egui::containers::menu::MenuButton::from_button(button)
            .ui(ui, |ui| {
                for format in ExportFormat::ALL {
                    if ui.button(format_name(format, language)).clicked() {
                        intent = Some(ActionIntent::Export(format));
                        ui.close();
                    }
                }
            })
            .0
            .on_hover_text(shortcuts::tip(ui.ctx(), t.export_tip, Shortcut::Export));
    });

    if let Some(reply) = view.last_search {
        ui.separator();
        ui.horizontal_wrapped(|ui| {
            ui.label(t.last_search);
            ui.strong(reply);
        });
    }
    intent
}

/// The menu name of an export format.
pub fn format_name(format: ExportFormat, language: Language) -> &'static str {
    let t = language.texts();
    match format {
        ExportFormat::Text => t.export_text,
        ExportFormat::Csv => t.export_csv,
        ExportFormat::Json => t.export_json,
    }
}

/// A full-width button that sends a command; disabled, with the reason, without a client.
fn command_button(
    ui: &mut egui::Ui,
    enabled: bool,
    text: &str,
    tip: &str,
    shortcut: Option<Shortcut>,
    why: &str,
) -> bool {
    let tip = match shortcut {
        Some(shortcut) => shortcuts::tip(ui.ctx(), tip, shortcut),
        None => tip.to_owned(),
    };
    let width = ui.available_width();
    ui.add_enabled(
        enabled,
        egui::Button::new(text).min_size(egui::vec2(width, 0.0)),
    )
    .on_hover_text(tip)
    .on_disabled_hover_text(why)
    .clicked()
}
