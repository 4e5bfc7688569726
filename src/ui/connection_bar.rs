//! The connection bar: the server's endpoint (with recent ones), Connect/Disconnect, a
//! status light driven by the engine's real connection state, the kind of server and the
//! last round-trip time; below it, the embedded "local server" switch and its options.

use std::time::Duration;

use crate::net::client::{ConnectionState, LiveState};
use crate::net::protocol::ServerKind;
use crate::ui::embedded::binds_every_interface;
use crate::ui::i18n::Language;
use crate::ui::settings::Settings;
use crate::ui::shortcuts::{self, Shortcut};

/// What the user asked of the connection bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionIntent {
    /// Connect to the endpoint in the field.
    Connect,
    /// Close the connection.
    Disconnect,
    /// Switch the embedded server on or off.
    LocalServer(bool),
    /// Forget the key remembered for the server whose key changed (asks first).
    ForgetKey,
}

/// The connection as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// No client runs.
    Idle,
    /// The server's key is checked (or the user asked to trust it) before connecting.
    CheckingKey,
    /// A client runs; this is the engine's last word on its connection.
    Engine(ConnectionState),
}

/// What the bar shows besides the settings it edits.
#[derive(Debug, Clone, Copy)]
pub struct BarView<'a> {
    /// The connection.
    pub link: Link,
    /// The server kind, once known.
    pub server: Option<&'a ServerKind>,
    /// Whether the list follows the server live, once the engine said.
    pub live: Option<&'a LiveState>,
    /// The last reply's round trip.
    pub round_trip: Option<Duration>,
    /// The server's key, while the connection is encrypted.
    pub server_key: Option<&'a crate::net::curve::CurveKey>,
    /// The embedded server's address, when it runs.
    pub local_endpoint: Option<&'a str>,
    /// Where the embedded server keeps its list on disk, when there is a data folder.
    pub data_dir: Option<&'a std::path::Path>,
    /// The server (`HOST:PORT`) whose key changed at the last attempt, if any.
    pub key_changed: Option<&'a str>,
}

/// The colour of the status light and the text beside it.
pub fn light(link: Link, language: Language) -> (egui::Color32, String) {
    let t = language.texts();
    let green = egui::Color32::from_rgb(40, 170, 80);
    let amber = egui::Color32::from_rgb(230, 160, 20);
    let red = egui::Color32::from_rgb(210, 50, 50);
    match link {
        Link::Idle => (egui::Color32::GRAY, t.state_idle.to_owned()),
        Link::CheckingKey => (amber, t.state_checking_key.to_owned()),
        Link::Engine(state) => {
            let colour = match state {
                ConnectionState::Connected => green,
                ConnectionState::Connecting | ConnectionState::Retrying => amber,
                ConnectionState::Disconnected
                | ConnectionState::HandshakeFailed
                | ConnectionState::AuthFailed
                | ConnectionState::Unreachable { .. } => red,
            };
            (colour, language.connection_state(state))
        }
    }
}

/// Draws the bar; returns what the user asked.
pub fn connection_bar_ui(
    ui: &mut egui::Ui,
    settings: &mut Settings,
    view: BarView<'_>,
    language: Language,
) -> Option<ConnectionIntent> {
    let t = language.texts();
    let mut intent = None;
    let running = view.link != Link::Idle;
    let local_running = view.local_endpoint.is_some();

    // Wrapped rather than clipped: in pt-BR the bar is wider than the default window.
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(t.server_label);
        let field = ui
            .add_enabled(
                !running,
                egui::TextEdit::singleline(&mut settings.endpoint)
                    .hint_text("host:port")
                    .desired_width(220.0),
            )
            .labelled_by(label.id)
            .accessible_name(t.server_label)
            .on_hover_text(t.endpoint_tip);
        if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) && !running {
            intent = Some(ConnectionIntent::Connect);
        }
        ui.add_enabled_ui(!running, |ui| {
            ui.menu_button(t.recent, |ui| {
                if settings.recent_endpoints.is_empty() {
                    ui.label(t.recent_empty);
                }
                let mut chosen = None;
                for endpoint in &settings.recent_endpoints {
                    if ui.button(endpoint).clicked() {
                        chosen = Some(endpoint.clone());
                    }
                }
                if let Some(endpoint) = chosen {
                    settings.endpoint = endpoint;
                    intent = Some(ConnectionIntent::Connect);
                    ui.close();
                }
            })
            .response
            .on_hover_text(t.recent_tip);
        });

        let token_label = ui.label(t.token_label);
        ui.add_enabled(
            !running,
            egui::TextEdit::singleline(&mut settings.token)
                .password(true)
                .hint_text(t.token_hint)
                .desired_width(110.0),
        )
        .labelled_by(token_label.id)
        .accessible_name(t.token_label)
        .on_hover_text(t.token_tip);

        let key_label = ui.label(t.server_key_label);
        ui.add_enabled(
            !running,
            egui::TextEdit::singleline(&mut settings.server_key)
                .hint_text(t.server_key_hint)
                .desired_width(110.0),
        )
        .labelled_by(key_label.id)
        .accessible_name(t.server_key_label)
        .on_hover_text(t.server_key_tip);

        if running {
            if ui
                .button(t.disconnect)
                .on_hover_text(shortcuts::tip(
                    ui.ctx(),
                    t.disconnect_tip,
                    Shortcut::ToggleConnection,
                ))
                .clicked()
            {
                intent = Some(ConnectionIntent::Disconnect);
            }
        } else if ui
            .button(t.connect)
            .on_hover_text(shortcuts::tip(
                ui.ctx(),
                t.connect_tip,
                Shortcut::ToggleConnection,
            ))
            .clicked()
        {
            intent = Some(ConnectionIntent::Connect);
        }

        ui.separator();
        let (colour, text) = light(view.link, language);
        status_light(ui, colour, &text, t.status_light);
        ui.label(egui::RichText::new(&text).color(colour));
        if let Some(kind) = view.server {
            let name = match kind {
                ServerKind::Zlist { .. } => t.server_zlist,
                ServerKind::Seed => t.server_seed,
            };
            ui.label(egui::RichText::new(format!("· {name}")).weak());
            if kind.is_read_only() {
                ui.label(
                    egui::RichText::new(format!("· {}", t.read_only))
                        .color(ui.visuals().warn_fg_color),
                )
                .on_hover_text(t.read_only_why);
            }
            if let Some(live) = view.live {
                let (text, tip) = live_label(kind, live, language);
                ui.label(egui::RichText::new(format!("· {text}")).weak())
                    .on_hover_text(tip);
            }
        }
        if let Some(key) = view.server_key {
            ui.label(egui::RichText::new(format!("· {}", t.encrypted)).weak())
                .on_hover_text(language.encrypted_tip(&key.fingerprint()));
        }
        if let Some(rtt) = view.round_trip {
            ui.label(egui::RichText::new(language.round_trip(rtt)).weak())
                .on_hover_text(t.round_trip_tip);
        }
        if view.key_changed.is_some() && !running {
            let text = egui::RichText::new(t.forget_key).color(ui.visuals().error_fg_color);
            if ui.button(text).on_hover_text(t.forget_key_tip).clicked() {
                intent = Some(ConnectionIntent::ForgetKey);
            }
        }
    });

    ui.horizontal_wrapped(|ui| {
        let mut on = local_running;
        if ui
            .checkbox(&mut on, t.local_server)
            .on_hover_text(t.local_server_tip)
            .changed()
        {
            intent = Some(ConnectionIntent::LocalServer(on));
        }
        let bind_label = ui.label(t.bind_label);
        ui.add_enabled(
            !local_running,
            egui::TextEdit::singleline(&mut settings.local_server.bind)
                .hint_text("tcp://127.0.0.1:1234")
                .desired_width(200.0),
        )
        .labelled_by(bind_label.id)
        .accessible_name(t.bind_label)
        .on_hover_text(t.bind_tip);
        if let Some(dir) = view.data_dir {
            ui.add_enabled(
                !local_running,
                egui::Checkbox::new(&mut settings.local_server.persist, t.persist),
            )
            .on_hover_text(format!("{}: {}", t.persist_tip, dir.display()));
        }
        if let Some(endpoint) = view.local_endpoint {
            ui.label(egui::RichText::new(language.local_server_on(endpoint)).weak());
        }
        if binds_every_interface(&settings.local_server.bind) {
            let warning = if settings.token.trim().is_empty() {
                t.bind_protected
            } else {
                t.bind_warning
            };
            ui.label(egui::RichText::new(warning).color(ui.visuals().warn_fg_color));
        }
    });
    intent
}

/// The live-update mode beside the server kind, and its tooltip: "live", "syncing…", or
/// "seed mode" / "no live updates" with why and what the app does instead.
pub fn live_label(server: &ServerKind, live: &LiveState, language: Language) -> (String, String) {
    let t = language.texts();
    match live {
        LiveState::Live => (t.live_on.to_owned(), t.live_on_tip.to_owned()),
        LiveState::Resyncing => (t.live_syncing.to_owned(), t.live_syncing_tip.to_owned()),
        LiveState::Unavailable(why) => {
            let text = match server {
                ServerKind::Seed => t.seed_mode,
                ServerKind::Zlist { .. } => t.live_off,
            };
            (text.to_owned(), language.live_unavailable(why))
        }
    }
}

/// A filled circle in the state's colour, with the state as its tooltip.
fn status_light(ui: &mut egui::Ui, colour: egui::Color32, text: &str, name: &str) {
    let size = ui.spacing().interact_size.y * 0.6;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    ui.painter()
        .circle_filled(rect.center(), size / 2.0, colour);
    response.on_hover_text(format!("{name}: {text}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_light_is_green_only_when_connected() {
        let (green, text) = light(Link::Engine(ConnectionState::Connected), Language::En);
        assert_eq!(text, "Connected");
        let (red, text) = light(
            Link::Engine(ConnectionState::Unreachable { tries: 3 }),
            Language::PtBr,
        );
        assert!(text.contains("3 tentativas"), "{text}");
        assert_ne!(green, red);
        let (grey, _) = light(Link::Idle, Language::En);
        assert_eq!(grey, egui::Color32::GRAY);
    }
}
