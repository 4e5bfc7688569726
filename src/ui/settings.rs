//! What the app remembers between runs (eframe persistence): endpoint, recent endpoints,
//! embedded server options, console, theme and language. The window size is remembered by
//! eframe itself. Channels, handles and fetched data are kept out of here, and so is the
//! token: it is kept in the OS keychain (`secrets.rs`), never in the settings file.

use serde::{Deserialize, Serialize};

use crate::ui::i18n::Language;

/// The endpoint field's default: the seed's port on this machine.
pub const DEFAULT_ENDPOINT: &str = "127.0.0.1:1234";

/// The embedded server's default bind address: this machine only.
pub const DEFAULT_LOCAL_BIND: &str = "tcp://127.0.0.1:1234";

/// How many recent endpoints are remembered.
pub const MAX_RECENT: usize = 8;

/// The key under which eframe stores the settings.
pub const STORAGE_KEY: &str = eframe::APP_KEY;

/// The colour theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ThemeChoice {
    /// Follow the operating system's light or dark mode.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

impl ThemeChoice {
    /// egui's preference for this choice.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            Self::System => egui::ThemePreference::System,
            Self::Light => egui::ThemePreference::Light,
            Self::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// The least severe console level shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub enum ConsoleLevel {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// Information and above.
    Info,
    /// Everything but tracing detail (the seed's `[DEBUG]` trail).
    #[default]
    Debug,
    /// Everything.
    Trace,
}

impl ConsoleLevel {
    /// Every level, most severe first.
    pub const ALL: [Self; 5] = [
        Self::Error,
        Self::Warn,
        Self::Info,
        Self::Debug,
        Self::Trace,
    ];

    /// The level's name, as tracing spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Error => "ERROR",
            Self::Warn => "WARN",
            Self::Info => "INFO",
            Self::Debug => "DEBUG",
            Self::Trace => "TRACE",
        }
    }

    /// Whether a line of `level` is shown at this setting.
    pub fn shows(self, level: tracing::Level) -> bool {
        // tracing orders levels by verbosity: ERROR < WARN < ... < TRACE.
        level <= self.as_level()
    }

    fn as_level(self) -> tracing::Level {
        match self {
            Self::Error => tracing::Level::ERROR,
            Self::Warn => tracing::Level::WARN,
            Self::Info => tracing::Level::INFO,
            Self::Debug => tracing::Level::DEBUG,
            Self::Trace => tracing::Level::TRACE,
        }
    }
}

/// How often the list is fetched when it is not followed live (a seed server, or a
/// blocked publish port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AutoRefresh {
    /// Only after each of this app's changes.
    #[default]
    Off,
    /// Every 2 seconds.
    Every2s,
    /// Every 5 seconds.
    Every5s,
    /// Every 10 seconds.
    Every10s,
}

impl AutoRefresh {
    /// Every choice, in menu order.
    pub const ALL: [Self; 4] = [Self::Off, Self::Every2s, Self::Every5s, Self::Every10s];

    /// The period, when on.
    pub fn period(self) -> Option<std::time::Duration> {
        let secs = match self {
            Self::Off => return None,
            Self::Every2s => 2,
            Self::Every5s => 5,
            Self::Every10s => 10,
        };
        Some(std::time::Duration::from_secs(secs))
    }
}

/// The embedded ("local") server's options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocalServerSettings {
    /// Where it listens.
    pub bind: String,
    /// Whether its list is kept on disk (under the platform data folder, subfolder
    /// `embedded`), when this build's server supports storage.
    pub persist: bool,
}

impl Default for LocalServerSettings {
    fn default() -> Self {
        Self {
            bind: DEFAULT_LOCAL_BIND.to_owned(),
            persist: true,
        }
    }
}

/// Everything the app persists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The endpoint field, as the user typed it.
    pub endpoint: String,
    /// Endpoints that connected, most recent first (at most [`MAX_RECENT`]).
    pub recent_endpoints: Vec<String>,
    /// The embedded server.
    pub local_server: LocalServerSettings,
    /// The access token for servers that require one (empty: none). Also required of
    /// clients by the embedded server when set. Never written to the settings file (the
    /// app keeps it in the OS keychain); read from an old file only, to move it there.
    #[serde(skip_serializing)]
    pub token: String,
    /// The CURVE server key (Z85 text or a .key file's path); empty: no encryption.
    pub server_key: String,
    /// This client's CURVE secret key file; empty: a new key pair per connection.
    pub key_file: String,
    /// How long one try waits for a reply, in milliseconds.
    pub timeout_ms: u64,
    /// How many times a request is tried.
    pub tries: u32,
    /// Whether the debug console is shown.
    pub console_visible: bool,
    /// The console's level filter.
    pub console_level: ConsoleLevel,
    /// Whether the console follows new lines.
    pub console_auto_scroll: bool,
    /// Light, dark or the system's.
    pub theme: ThemeChoice,
    /// The UI language; `None` follows the OS locale.
    pub language: Option<Language>,
    /// How often to fetch the list when it is not followed live.
    pub auto_refresh: AutoRefresh,
    /// The whole UI's zoom factor (Ctrl +, Ctrl -; 1 is 100 %).
    pub zoom: f32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            recent_endpoints: Vec::new(),
            local_server: LocalServerSettings::default(),
            token: String::new(),
            server_key: String::new(),
            key_file: String::new(),
            timeout_ms: 2500,
            tries: 3,
            console_visible: true,
            console_level: ConsoleLevel::default(),
            console_auto_scroll: true,
            theme: ThemeChoice::default(),
            language: None,
            auto_refresh: AutoRefresh::default(),
            zoom: 1.0,
        }
    }
}

impl Settings {
    /// Reads the settings saved by a previous run; defaults when there are none or they
    /// cannot be read (a newer or damaged file never stops the app from starting).
    pub fn load(storage: Option<&dyn eframe::Storage>) -> Self {
        storage
            .and_then(|storage| eframe::get_value::<Self>(storage, STORAGE_KEY))
            .map(Self::sanitized)
            .unwrap_or_default()
    }

    /// Writes the settings for the next run.
    pub fn save(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, self);
    }

    /// Puts an endpoint first in the recent list (once), keeping at most [`MAX_RECENT`].
    pub fn remember_endpoint(&mut self, endpoint: &str) {
        let endpoint = endpoint.trim();
        if endpoint.is_empty() {
            return;
        }
        self.recent_endpoints.retain(|e| e != endpoint);
        self.recent_endpoints.insert(0, endpoint.to_owned());
        self.recent_endpoints.truncate(MAX_RECENT);
    }

    /// Repairs values a hand-edited or old settings file may hold.
    fn sanitized(mut self) -> Self {
        self.timeout_ms = self.timeout_ms.clamp(50, 60_000);
        self.tries = self.tries.clamp(1, 20);
        self.recent_endpoints.truncate(MAX_RECENT);
        self.zoom = crate::ui::zoom::clamped(self.zoom);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_endpoints_are_unique_newest_first_and_bounded() {
        let mut settings = Settings::default();
        for i in 0..12 {
            settings.remember_endpoint(&format!("10.0.0.{i}:1234"));
        }
        settings.remember_endpoint("10.0.0.5:1234");
        assert_eq!(settings.recent_endpoints.len(), MAX_RECENT);
        assert_eq!(settings.recent_endpoints[0], "10.0.0.5:1234");
        assert_eq!(
            settings
                .recent_endpoints
                .iter()
                .filter(|e| *e == "10.0.0.5:1234")
                .count(),
            1
        );
    }

    #[test]
    fn settings_survive_a_round_trip_and_missing_fields_take_defaults() {
        let settings = Settings {
            endpoint: "3.221.106.59:1234".to_owned(),
            language: Some(Language::PtBr),
            ..Settings::default()
        };
        let json = serde_json::to_string(&settings).unwrap();
        let back: Settings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, settings);

        let partial: Settings = serde_json::from_str(r#"{"endpoint":"h:1"}"#).unwrap();
        assert_eq!(partial.endpoint, "h:1");
        assert_eq!(partial.local_server.bind, DEFAULT_LOCAL_BIND);
    }

    #[test]
    fn the_token_is_never_written_but_an_old_files_token_is_read_to_move_it() {
        let settings = Settings {
            token: "s3cret-token".to_owned(),
            ..Settings::default()
        };
        let json = serde_json::to_string(&settings).unwrap();
        assert!(!json.contains("s3cret-token"), "{json}");
        assert!(!json.contains("\"token\""), "{json}");
        let old: Settings = serde_json::from_str(r#"{"token":"old-one"}"#).unwrap();
        assert_eq!(old.token, "old-one");
    }

    #[test]
    fn absurd_saved_values_are_repaired() {
        let settings = Settings {
            timeout_ms: 0,
            tries: 0,
            ..Settings::default()
        }
        .sanitized();
        assert_eq!(settings.timeout_ms, 50);
        assert_eq!(settings.tries, 1);
    }

    #[test]
    fn console_levels_show_what_is_at_least_as_severe() {
        assert!(ConsoleLevel::Warn.shows(tracing::Level::ERROR));
        assert!(ConsoleLevel::Warn.shows(tracing::Level::WARN));
        assert!(!ConsoleLevel::Warn.shows(tracing::Level::INFO));
        assert!(ConsoleLevel::Trace.shows(tracing::Level::TRACE));
    }
}
