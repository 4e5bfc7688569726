//! The desktop app (eframe/egui): `zlist` with no arguments opens it.
//!
//! The UI never touches a socket: it talks to the client engine
//! ([`crate::net::client`]) through its handle and drains the engine's events each frame;
//! the engine wakes the UI with a repaint request. Each part of the window is a small
//! `*_ui` function that returns what the user asked (an intent); [`app::App`] collects
//! them while it draws and acts on them once the frame is drawn.

pub mod actions;
pub mod app;
pub mod connection_bar;
pub mod console;
pub mod embedded;
pub mod export;
pub mod i18n;
pub mod icon;
pub mod import;
pub mod list_table;
pub mod log_capture;
pub mod log_file;
pub mod paste;
pub mod perf;
pub mod secrets;
pub mod selection;
pub mod server_info;
pub mod settings;
pub mod shortcuts;
pub mod status;
pub mod status_history;
pub mod zoom;

use std::io::IsTerminal as _;
use std::process::ExitCode;

pub use app::{App, Keep};
pub use perf::frame_cost_bench;
pub use settings::Settings;

/// The window title and the name eframe stores the settings under.
pub const APP_NAME: &str = "zlist";

/// The exit code when no window can be opened (no display).
pub const EXIT_NO_DISPLAY: u8 = 2;

/// Opens the desktop app and returns when its window closes.
///
/// Sets up logging first: warnings (or more with `RUST_LOG`) to stderr and to the log file
/// in the app's data folder, and zlist's own events to the debug console. Without a
/// display it explains how to use `zlist server` or `zlist shell` instead, and returns
/// exit code 2.
pub fn run(quiet: bool) -> anyhow::Result<ExitCode> {
    crate::platform::release_own_console();
    // Kept open (and flushed when dropped) until the window closes.
    let (feed, _log_file) = init_logging(quiet);
    if let Some(reason) = crate::platform::missing_display() {
        eprintln!("{}", no_display_message(reason));
        return Ok(ExitCode::from(EXIT_NO_DISPLAY));
    }
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(APP_NAME)
        .with_app_id(APP_NAME)
        .with_inner_size([1120.0, 720.0])
        .with_min_inner_size([640.0, 420.0]);
    match icon::window_icon() {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(error) => tracing::warn!("the app icon could not be decoded: {error}"),
    }
    let options = eframe::NativeOptions {
        viewport,
        persist_window: true,
        ..Default::default()
    };
    let result = eframe::run_native(
        APP_NAME,
        options,
        Box::new(move |cc| Ok(Box::new(App::new(cc, Some(feed))))),
    );
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(error) => {
            eprintln!("{}", no_display_message(&error.to_string()));
            Ok(ExitCode::from(EXIT_NO_DISPLAY))
        }
    }
}

/// What `zlist` says when it cannot open its window.
pub fn no_display_message(reason: &str) -> String {
    format!(
        "zlist: cannot open the desktop window ({reason}).\n\
         \n\
         Without a display, use the terminal instead:\n\
         \x20 zlist server                      run the list server (e.g. on a headless VM)\n\
         \x20 zlist shell --connect HOST:PORT   the classroom menu in the terminal\n\
         \n\
         On a remote machine, connect with `ssh -X` or run the app on your own computer and\n\
         connect it to the server's address. `zlist --help` lists every command."
    )
}

/// Installs the logging: stderr for the user (warnings by default, `RUST_LOG` overrides),
/// the log file (zlist's notable events and everyone's warnings, [`log_file`]), and
/// zlist's events for the debug console.
fn init_logging(quiet: bool) -> (log_capture::LogFeed, Option<log_file::LogFile>) {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let env_or = |default: &str| {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default))
    };
    let (layer, feed) = log_capture::capture(log_capture::CAPACITY);
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(env_or(if quiet { "error" } else { "warn" }));
    let mut file = crate::platform::log_dir().map(|dir| log_file::LogFile::open(&dir));
    let file_layer = match file.as_mut() {
        Some(Ok(open)) => open.take_writer().map(|writer| {
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(env_or(log_file::DEFAULT_FILTER))
        }),
        _ => None,
    };
    let installed = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .with(layer.with_filter(log_capture::zlist_targets()))
        .try_init();
    if installed.is_err() {
        // Someone (a test, an embedding program) already installed a subscriber: the
        // console then shows only the engine's trail.
        tracing::debug!("a tracing subscriber was already installed");
    }
    let file = match file {
        Some(Ok(open)) => {
            tracing::info!(
                "started zlist {} (log folder {})",
                crate::cli::version::long().replace('\n', "; "),
                open.dir().display()
            );
            Some(open)
        }
        Some(Err(error)) => {
            tracing::warn!("no log file: {error}");
            None
        }
        None => {
            tracing::warn!("no log file: there is no home folder to keep it in");
            None
        }
    };
    (feed, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_display_message_names_the_terminal_commands() {
        let text = no_display_message("neither DISPLAY nor WAYLAND_DISPLAY is set");
        assert!(text.contains("zlist server"));
        assert!(text.contains("zlist shell"));
        assert!(text.contains("DISPLAY"));
    }
}
