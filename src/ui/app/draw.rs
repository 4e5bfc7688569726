//! Drawing one frame: the panels in their places, each a small `*_ui` function, and the
//! windows over them. Drawing changes nothing but the fields the widgets edit in place
//! (the settings, the inputs, the filter); everything the user asks is collected as an
//! [`Intent`] for [`App::apply`].

use crate::net::client::LiveState;
use crate::ui::actions::{self, ActionsView};
use crate::ui::app::App;
use crate::ui::app::dialogs;
use crate::ui::app::help;
use crate::ui::app::intent::Intent;
use crate::ui::app::menu::{self, MenuView};
use crate::ui::connection_bar::{self, BarView};
use crate::ui::console::ConsoleIntent;
use crate::ui::i18n::Language;
use crate::ui::paste;
use crate::ui::server_info::ServerInfoView;
use crate::ui::shortcuts::{self, Shortcut};
use crate::ui::status::{self, StatusIntent, StatusView};
use crate::ui::zoom;

impl App {
    /// Draws the window and returns what the user asked in it, in order.
    pub(crate) fn frame_ui(&mut self, ui: &mut egui::Ui) -> Vec<Intent> {
        let ctx = ui.ctx().clone();
        if self.applied_theme != Some(self.settings.theme) {
            ctx.set_theme(self.settings.theme.preference());
            self.applied_theme = Some(self.settings.theme);
        }
        zoom::apply(&ctx, self.settings.zoom);
        let language = self.language();
        let summary = self.list_summary(language);
        self.title_ui(&ctx, summary.as_deref());
        let mut intents = Vec::new();
        let modal_open = self.confirm.is_some()
            || self.paste_text.is_some()
            || self.import.is_some()
            || self.is_asking_trust();
        if !modal_open {
            intents.extend(shortcuts::pressed(&ctx).into_iter().map(Intent::Shortcut));
            if self.session.is_connected()
                && let Some(text) = take_multiline_paste(&ctx)
            {
                intents.push(Intent::Pasted(text));
            }
        }

        egui::Panel::top("zlist-menu").show(ui, |ui| {
            let view = MenuView {
                has_list: self.session.list().has_list(),
                connected: self.session.is_connected(),
                read_only: self.session.is_read_only(),
                os_language: self.os_language,
                can_undo: self.session.can_undo(),
                can_redo: self.session.can_redo(),
                rows: self.row_caps(),
            };
            let list = self.session.list();
            let intent = menu::menu_ui(ui, &mut self.settings, view, list, language);
            intents.extend(intent.map(Intent::Menu));
        });
        egui::Panel::top("zlist-connection").show(ui, |ui| {
            ui.add_space(4.0);
            intents.extend(self.connection_ui(ui, language));
            ui.add_space(2.0);
        });
        egui::Panel::bottom("zlist-status").show(ui, |ui| {
            let view = StatusView {
                pending: self.session.pending(),
                paste: self.session.paste_progress(),
                summary: summary.as_deref(),
                server: self.session.server_in_use(),
            };
            if status::status_ui(ui, &self.status, view, language)
                == Some(StatusIntent::CancelPaste)
            {
                intents.push(Intent::CancelPaste);
            }
        });
        if self.settings.console_visible {
            egui::Panel::bottom("zlist-console")
                .resizable(true)
                .default_size(180.0)
                .min_size(80.0)
                .show(ui, |ui| {
                    let intent = self.console.console_ui(
                        ui,
                        language,
                        &mut self.settings.console_level,
                        &mut self.settings.console_auto_scroll,
                    );
                    if intent == Some(ConsoleIntent::Hide) {
                        intents.push(Intent::HideConsole);
                    }
                });
        }
        egui::Panel::right("zlist-actions")
            .resizable(true)
            .default_size(260.0)
            .min_size(200.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let view = ActionsView {
                        connected: self.session.is_connected(),
                        has_list: self.session.list().has_list(),
                        last_search: self.session.last_search(),
                        busy: self.session.pending() > 0,
                        read_only: self.session.is_read_only(),
                    };
                    let intent = actions::actions_ui(ui, &mut self.inputs, view, language);
                    intents.extend(intent.map(Intent::Action));
                });
            });
        egui::CentralPanel::default().show(ui, |ui| {
            intents.extend(self.list_ui(ui, language));
        });

        self.windows_ui(&ctx, language, &mut intents);
        intents
    }

    /// The list's size and whether it is live, once a list arrived.
    fn list_summary(&self, language: Language) -> Option<String> {
        let list = self.session.list();
        if !list.has_list() {
            return None;
        }
        let live = self
            .session
            .live()
            .map(|live| !matches!(live, LiveState::Unavailable(_)));
        Some(language.list_summary(list.items().len(), live))
    }

    /// The window title: `zlist`, and while connected the server and the list at a
    /// glance. Sent to the window only when it changes.
    fn title_ui(&mut self, ctx: &egui::Context, summary: Option<&str>) {
        let title = match (self.session.endpoint(), summary) {
            (Some(endpoint), Some(summary)) => format!("zlist — {endpoint} — {summary}"),
            (Some(endpoint), None) => format!("zlist — {endpoint}"),
            (None, _) => "zlist".to_owned(),
        };
        if self.window_title != title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.window_title = title;
        }
    }

    /// The connection bar.
    fn connection_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<Intent> {
        let local_endpoint = self.local.endpoint().map(str::to_owned);
        let server_key = self.session.server_key();
        let view = BarView {
            link: self.link(),
            server: self.session.server_kind(),
            live: self.session.live(),
            round_trip: self.session.round_trip(),
            server_key: server_key.as_ref(),
            local_endpoint: local_endpoint.as_deref(),
            data_dir: self.local_data_dir.as_deref(),
            key_changed: self.key_changed.as_deref(),
        };
        connection_bar::connection_bar_ui(ui, &mut self.settings, view, language)
            .map(Intent::Connection)
    }

    /// The filter box, the element count and the table.
    fn list_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<Intent> {
        let t = language.texts();
        ui.horizontal(|ui| {
            let filter = ui
                .add(
                    egui::TextEdit::singleline(&mut self.filter)
                        .hint_text(t.filter_hint)
                        .desired_width(240.0),
                )
                .accessible_name(t.filter_hint)
                .on_hover_text(shortcuts::tip(ui.ctx(), t.filter_tip, Shortcut::Filter));
            if std::mem::take(&mut self.focus_filter) {
                filter.request_focus();
            }
            let list = self.session.list_mut();
            list.set_filter(&self.filter);
            if list.has_list() {
                let count = language.element_count(
                    list.visible_len(),
                    list.items().len(),
                    !list.filter().trim().is_empty(),
                );
                ui.label(egui::RichText::new(count).weak());
            }
        });
        ui.add_space(4.0);
        let caps = self.row_caps();
        let intent = self.session.list_mut().table_ui(ui, caps, language);
        intent.map(Intent::Table)
    }

    /// The windows over the panels: the confirmation, the paste window, help, the server
    /// status.
    fn windows_ui(&mut self, ctx: &egui::Context, language: Language, intents: &mut Vec<Intent>) {
        if let Some(what) = &self.confirm {
            let text = what.text(language, self.session.list().items().len());
            if let Some(yes) = dialogs::confirm_ui(ctx, what, &text) {
                intents.push(Intent::Confirmed(what.clone(), yes));
            }
        }
        if let Some(trusted) = self.trust_dialog_ui(ctx, language) {
            intents.push(Intent::Trust(trusted));
        }
        if let Some(text) = &mut self.paste_text
            && let Some(start) = dialogs::paste_ui(ctx, text, language)
        {
            intents.push(Intent::Paste(start));
        }
        if let Some(dialog) = &mut self.import
            && let Some(intent) = dialog.import_ui(ctx, language)
        {
            intents.push(Intent::Import(intent));
        }
        help::shortcuts_window(ctx, &mut self.show_shortcuts, language);
        help::about_window(ctx, &mut self.show_about, language);
        let endpoint = self.session.endpoint().map(str::to_owned);
        let view = ServerInfoView {
            connected: self.session.is_connected(),
            endpoint: endpoint.as_deref(),
        };
        let intent = self
            .session
            .server_info_mut()
            .window_ui(ctx, view, language);
        intents.extend(intent.map(Intent::ServerInfo));
    }
}

/// Takes a paste of several lines out of this frame's input (so no text field gets it).
fn take_multiline_paste(ctx: &egui::Context) -> Option<String> {
    ctx.input_mut(|input| {
        let mut found = None;
        input.events.retain(|event| match event {
            egui::Event::Paste(text) if paste::lines_to_append(text).len() > 1 => {
                found = Some(text.clone());
                false
            }
            _ => true,
        });
        found
    })
}
