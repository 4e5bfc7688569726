//! The app's modal dialogs: one confirmation modal for every question that needs a yes
//! (clearing the list, forgetting a server's key), the trust dialog for a new server's key,
//! and the paste window. Each returns the user's answer; the app acts on it.

use crate::net::curve::CurveKey;
use crate::ui::i18n::Language;
use crate::ui::paste;

/// A question the app asks before doing something that cannot be undone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Confirmation {
    /// Clear the whole list.
    Clear,
    /// Forget the key remembered for this server (`HOST:PORT`).
    ForgetKey(String),
}

/// The words of a confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfirmText {
    /// The heading.
    pub title: &'static str,
    /// What will happen, asked as a question.
    pub question: String,
    /// The button that goes ahead (drawn in the error colour).
    pub confirm: &'static str,
    /// The button that backs out.
    pub cancel: &'static str,
}

impl Confirmation {
    /// Its words in `language`, for a list of `len` elements.
    pub(crate) fn text(&self, language: Language, len: usize) -> ConfirmText {
        let t = language.texts();
        match self {
            Self::Clear => ConfirmText {
                title: t.clear_title,
                question: language.clear_question(len),
                confirm: t.clear_confirm,
                cancel: t.cancel,
            },
            Self::ForgetKey(server) => ConfirmText {
                title: t.forget_key_title,
                question: language.forget_key_question(server),
                confirm: t.forget_key_confirm,
                cancel: t.cancel,
            },
        }
    }
}

/// Draws the confirmation modal for `what`; returns `Some(true)` when the user goes ahead,
/// `Some(false)` when they back out (the cancel button, Escape or a click outside), `None`
/// while they have not answered.
pub(crate) fn confirm_ui(
    ctx: &egui::Context,
    what: &Confirmation,
    text: &ConfirmText,
) -> Option<bool> {
    modal_ui(ctx, egui::Id::unique(("zlist-confirm", what)), |ui| {
        ui.set_max_width(420.0);
        ui.heading(text.title);
        ui.label(&text.question);
        ui.add_space(8.0);
        let confirm = egui::RichText::new(text.confirm).color(ui.visuals().error_fg_color);
        answer_ui(ui, egui::Button::new(confirm), true, text.cancel)
    })
}

/// Draws the trust dialog for the server `server` (`HOST:PORT`) presenting `key` for the
/// first time; returns `Some(true)` to trust it, `Some(false)` not to (Cancel, Escape or a
/// click outside), `None` while the user has not answered.
pub(crate) fn trust_ui(
    ctx: &egui::Context,
    server: &str,
    key: &CurveKey,
    language: Language,
) -> Option<bool> {
    let t = language.texts();
    modal_ui(ctx, egui::Id::unique("zlist-trust"), |ui| {
        ui.set_max_width(520.0);
        ui.heading(t.trust_title);
        ui.label(t.trust_explain);
        ui.add_space(6.0);
        egui::Grid::new("zlist-trust-grid")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                ui.label(t.server_label);
                ui.label(egui::RichText::new(server).monospace().strong());
                ui.end_row();
                ui.label(t.trust_fingerprint);
                ui.add(
                    egui::Label::new(egui::RichText::new(key.fingerprint()).monospace().strong())
                        .selectable(true),
                );
                ui.end_row();
                ui.label(t.trust_key);
                ui.add(
                    egui::Label::new(egui::RichText::new(key.to_string()).monospace())
                        .selectable(true),
                );
                ui.end_row();
            });
        ui.add_space(8.0);
        answer_ui(ui, egui::Button::new(t.trust_confirm), true, t.cancel)
    })
}

/// Draws the paste window over `text` (which the user edits); returns `Some(true)` to
/// append its lines, `Some(false)` to close it, `None` while it stays open.
pub(crate) fn paste_ui(ctx: &egui::Context, text: &mut String, language: Language) -> Option<bool> {
    let t = language.texts();
    modal_ui(ctx, egui::Id::unique("zlist-paste"), |ui| {
        ui.set_width(520.0);
        ui.heading(t.paste_title);
        ui.label(t.paste_help);
        egui::ScrollArea::vertical()
            .max_height(320.0)
            .show(ui, |ui| {
                ui.add(
                    egui::TextEdit::multiline(text)
                        .desired_rows(12)
                        .desired_width(f32::INFINITY)
                        .code_editor(),
                )
                .accessible_name(t.paste_box);
            });
        let count = paste::lines_to_append(text).len();
        ui.label(language.paste_count(count));
        answer_ui(ui, egui::Button::new(t.paste_start), count > 0, t.cancel)
    })
}

/// A modal whose `contents` return the user's answer; Escape or a click outside answers
/// `Some(false)`.
fn modal_ui(
    ctx: &egui::Context,
    id: egui::Id,
    contents: impl FnOnce(&mut egui::Ui) -> Option<bool>,
) -> Option<bool> {
    let modal = egui::Modal::new(id).show(ctx, contents);
    match modal.inner {
        None if modal.should_close() => Some(false),
        answer => answer,
    }
}

/// The go-ahead button (enabled or not) and the cancel button, side by side.
fn answer_ui(
    ui: &mut egui::Ui,
    confirm: egui::Button<'_>,
    enabled: bool,
    cancel: &str,
) -> Option<bool> {
    ui.horizontal(|ui| {
        if ui.add_enabled(enabled, confirm).clicked() {
            Some(true)
        } else if ui.button(cancel).clicked() {
            Some(false)
        } else {
            None
        }
    })
    .inner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgetting_a_key_names_the_server_in_both_languages() {
        for language in Language::ALL {
            let text = Confirmation::ForgetKey("10.0.0.1:1234".to_owned()).text(language, 0);
            assert!(text.question.contains("10.0.0.1:1234"), "{}", text.question);
            assert_eq!(text.confirm, language.texts().forget_key_confirm);
        }
    }

    #[test]
    fn the_clear_confirmation_names_the_list_size_in_both_languages() {
        for language in Language::ALL {
            let text = Confirmation::Clear.text(language, 3);
            assert_eq!(text.question, language.clear_question(3));
            assert_eq!(text.confirm, language.texts().clear_confirm);
        }
    }
}
