//! The status line at the bottom of the window: what just happened (errors in red, saying
//! what happened and what to try), a spinner while requests wait, and the progress of a
//! bulk paste with its Cancel button.

use crate::ui::i18n::Language;

/// How a status message should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    /// Neutral news.
    Info,
    /// A request succeeded.
    Success,
    /// Worth attention, nothing failed.
    Warning,
    /// Something failed.
    Error,
}

/// The last status message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// How it looks.
    pub kind: StatusKind,
    /// What it says.
    pub text: String,
}

/// What the status line shows besides the message.
#[derive(Debug, Clone, Copy)]
pub struct StatusView<'a> {
    /// Requests waiting for replies.
    pub pending: usize,
    /// A bulk paste's (done, total), when one runs.
    pub paste: Option<(usize, usize)>,
    /// The list's size and whether it is live ([`Language::list_summary`]), once a list
    /// arrived.
    pub summary: Option<&'a str>,
    /// The server that answered last, when the client has several to fail over between.
    pub server: Option<&'a str>,
}

/// What the user asked in the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusIntent {
    /// Stop the bulk paste: drop the appends still queued.
    CancelPaste,
}

/// The colour of a status kind in the current theme.
pub fn colour(ui: &egui::Ui, kind: StatusKind) -> egui::Color32 {
    match kind {
        StatusKind::Info => ui.visuals().text_color(),
        StatusKind::Success => {
            if ui.visuals().dark_mode {
                egui::Color32::from_rgb(110, 200, 120)
            } else {
                egui::Color32::from_rgb(20, 120, 40)
            }
        }
        StatusKind::Warning => ui.visuals().warn_fg_color,
        StatusKind::Error => ui.visuals().error_fg_color,
    }
}

/// Draws the status line; returns what the user asked.
pub fn status_ui(
    ui: &mut egui::Ui,
    status: &Status,
    view: StatusView<'_>,
    language: Language,
) -> Option<StatusIntent> {
    let t = language.texts();
    let mut intent = None;
    ui.horizontal(|ui| {
        if let Some((done, total)) = view.paste {
            let fraction = if total == 0 {
                1.0
            } else {
                done as f32 / total as f32
            };
            ui.add(
                egui::ProgressBar::new(fraction)
                    .desired_width(220.0)
                    .text(language.paste_progress(done, total)),
            );
            if ui.button(t.paste_cancel).clicked() {
                intent = Some(StatusIntent::CancelPaste);
            }
            ui.separator();
        }
        if let Some(summary) = view.summary {
            ui.label(egui::RichText::new(summary).strong());
            ui.separator();
        }
        if let Some(server) = view.server {
            ui.label(egui::RichText::new(language.server_in_use(server)).weak())
                .on_hover_text(t.server_in_use_tip);
            ui.separator();
        }
        if view.pending > 0 {
            ui.add(egui::Spinner::new());
            ui.label(egui::RichText::new(language.waiting(view.pending)).weak());
            ui.separator();
        }
        ui.add(
            egui::Label::new(egui::RichText::new(&status.text).color(colour(ui, status.kind)))
                .truncate(),
        );
    });
    intent
}
