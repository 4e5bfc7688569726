//! The debug console: the client engine's trail, the embedded server's log and the app's
//! own messages, timestamped, coloured by level, filterable and searchable, with bounded
//! memory (old lines are dropped, long lines are cut).

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::Level;

use crate::ui::i18n::Language;
use crate::ui::list_table::truncate_chars;
use crate::ui::settings::ConsoleLevel;

/// Lines kept; older ones are dropped.
pub const MAX_LINES: usize = 10_000;
/// Characters kept of one line.
pub const MAX_LINE_CHARS: usize = 1_000;

/// Where a console line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The client engine (the seed client's `[DEBUG]` trail).
    Client,
    /// The embedded server (its request log).
    Server,
    /// The app itself (status messages, errors).
    App,
}

/// One console line.
#[derive(Debug, Clone)]
pub struct ConsoleLine {
    /// When it happened.
    pub at: SystemTime,
    /// How much it matters.
    pub level: Level,
    /// Who said it.
    pub source: Source,
    /// What was said (cut to [`MAX_LINE_CHARS`]).
    pub text: String,
}

/// What the user asked of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleIntent {
    /// Hide the console panel.
    Hide,
}

/// The console's lines and view state.
#[derive(Debug)]
pub struct Console {
    lines: VecDeque<ConsoleLine>,
    capacity: usize,
    dropped: u64,
    /// Lines ever pushed; with `dropped`, keys the cached view.
    pushed: u64,
    search: String,
    /// Indices into `lines` that pass the level and search filters, and what they were
    /// computed for.
    view: Vec<usize>,
    view_key: Option<(u64, u64, ConsoleLevel, String)>,
}

impl Default for Console {
    fn default() -> Self {
        Self::with_capacity(MAX_LINES)
    }
}

impl Console {
    /// A console that keeps at most `capacity` lines.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            lines: VecDeque::new(),
            capacity: capacity.max(1),
            dropped: 0,
            pushed: 0,
            search: String::new(),
            view: Vec::new(),
            view_key: None,
        }
    }

    /// Adds a line, dropping the oldest when full.
    pub fn push(&mut self, at: SystemTime, level: Level, source: Source, text: &str) {
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
            self.dropped += 1;
        }
        let mut kept = truncate_chars(text, MAX_LINE_CHARS).to_owned();
        if kept.len() < text.len() {
            let _ = write!(kept, "… ({} bytes)", text.len());
        }
        // Sources are drained one after the other each frame: keep the lines in time order.
        let mut at_index = self.lines.len();
        while at_index > 0 && self.lines[at_index - 1].at > at {
            at_index -= 1;
        }
        self.lines.insert(
            at_index,
            ConsoleLine {
                at,
                level,
                source,
                text: kept,
            },
        );
        self.pushed += 1;
    }

    /// Adds a line from the app, timestamped now.
    pub fn note(&mut self, level: Level, text: &str) {
        self.push(SystemTime::now(), level, Source::App, text);
    }

    /// Every line kept, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = &ConsoleLine> {
        self.lines.iter()
    }

    /// How many lines are kept.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line is kept.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Forgets every line.
    pub fn clear(&mut self) {
        self.lines.clear();
        self.view.clear();
        self.view_key = None;
    }

    /// Recomputes the filtered view when the lines or filters changed since last time.
    fn refresh_view(&mut self, level: ConsoleLevel) {
        let key = (self.pushed, self.dropped, level, self.search.clone());
        if self.view_key.as_ref() == Some(&key) && self.view.len() <= self.lines.len() {
            return;
        }
        let needle = self.search.trim().to_lowercase();
        self.view = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, line)| level.shows(line.level))
            .filter(|(_, line)| needle.is_empty() || line.text.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect();
        self.view_key = Some(key);
    }

    /// The visible lines as plain text, one per line (what Copy copies).
    pub fn visible_text(&mut self, level: ConsoleLevel, language: Language) -> String {
        self.refresh_view(level);
        let mut out = String::new();
        for &i in &self.view {
            if let Some(line) = self.lines.get(i) {
                let _ = writeln!(
                    out,
                    "{} {:5} [{}] {}",
                    clock(line.at),
                    line.level,
                    source_name(line.source, language),
                    line.text
                );
            }
        }
        out
    }

    /// Draws the console: toolbar, then the lines (only visible ones are laid out).
    pub fn console_ui(
        &mut self,
        ui: &mut egui::Ui,
        language: Language,
        level: &mut ConsoleLevel,
        auto_scroll: &mut bool,
    ) -> Option<ConsoleIntent> {
        let t = language.texts();
        let mut intent = None;
        ui.horizontal(|ui| {
            ui.strong(t.console_title);
            ui.separator();
            let level_label = ui.label(t.console_level);
            egui::ComboBox::from_id_salt("zlist-console-level")
                .selected_text(level.name())
                .show_ui(ui, |ui| {
                    for choice in ConsoleLevel::ALL {
                        ui.selectable_value(level, choice, choice.name());
                    }
                })
                .response
                .labelled_by(level_label.id);
            ui.add(
                egui::TextEdit::singleline(&mut self.search)
                    .hint_text(t.console_search)
                    .desired_width(180.0),
            )
            .accessible_name(t.console_search);
            ui.checkbox(auto_scroll, t.console_auto_scroll);
            if ui
                .button(t.console_copy)
                .on_hover_text(t.console_copy_tip)
                .clicked()
            {
                let text = self.visible_text(*level, language);
                ui.ctx().copy_text(text);
            }
            if ui.button(t.console_clear).clicked() {
                self.clear();
            }
            self.refresh_view(*level);
            ui.label(
                egui::RichText::new(language.console_count(
                    self.view.len(),
                    self.lines.len(),
                    self.dropped,
                ))
                .weak(),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("×")
                    .on_hover_text(t.console_hide)
                    .accessible_name(t.console_hide)
                    .clicked()
                {
                    intent = Some(ConsoleIntent::Hide);
                }
            });
        });
        ui.separator();

        self.refresh_view(*level);
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace) + 2.0;
        let rows = self.view.len();
        egui::ScrollArea::vertical()
            .id_salt("zlist-console-lines")
            .auto_shrink([false, false])
            .stick_to_bottom(*auto_scroll)
            .show_rows(ui, row_height, rows, |ui, range| {
                for row in range {
                    let Some(line) = self.view.get(row).and_then(|&i| self.lines.get(i)) else {
                        continue;
                    };
                    line_ui(ui, line, language);
                }
            });
        intent
    }
}

fn line_ui(ui: &mut egui::Ui, line: &ConsoleLine, language: Language) {
    let colour = level_colour(ui, line.level);
    let mut job = egui::text::LayoutJob::default();
    let mono = egui::TextStyle::Monospace.resolve(ui.style());
    let weak = ui.visuals().weak_text_color();
    let format = |color| egui::TextFormat::simple(mono.clone(), color);
    job.append(&clock(line.at), 0.0, format(weak));
    job.append(&format!(" {:5} ", line.level), 0.0, format(colour));
    job.append(
        &format!("[{}] ", source_name(line.source, language)),
        0.0,
        format(weak),
    );
    job.append(&line.text, 0.0, format(colour));
    job.wrap = egui::text::TextWrapping::truncate_at_width(ui.available_width());
    ui.add(egui::Label::new(job).selectable(true));
}

fn level_colour(ui: &egui::Ui, level: Level) -> egui::Color32 {
    let dark = ui.visuals().dark_mode;
    match level {
        Level::ERROR => ui.visuals().error_fg_color,
        Level::WARN => ui.visuals().warn_fg_color,
        Level::INFO => ui.visuals().strong_text_color(),
        Level::DEBUG => ui.visuals().text_color(),
        _ if dark => egui::Color32::from_gray(120),
        _ => egui::Color32::from_gray(140),
    }
}

fn source_name(source: Source, language: Language) -> &'static str {
    let t = language.texts();
    match source {
        Source::Client => t.source_client,
        Source::Server => t.source_server,
        Source::App => t.source_app,
    }
}

/// `HH:MM:SS.mmm` in UTC.
pub fn clock(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_console_keeps_a_bounded_number_of_lines() {
        let mut console = Console::with_capacity(3);
        for i in 0..5 {
            console.note(Level::INFO, &format!("line {i}"));
        }
        assert_eq!(console.len(), 3);
        assert_eq!(console.dropped, 2);
        assert_eq!(console.lines().next().unwrap().text, "line 2");
    }

    #[test]
    fn lines_from_different_sources_are_kept_in_time_order() {
        let mut console = Console::default();
        let start = UNIX_EPOCH + Duration::from_secs(100);
        console.push(
            start + Duration::from_millis(5),
            Level::DEBUG,
            Source::Client,
            "b",
        );
        console.push(
            start + Duration::from_millis(9),
            Level::DEBUG,
            Source::Client,
            "d",
        );
        console.push(start, Level::INFO, Source::Server, "a");
        console.push(
            start + Duration::from_millis(7),
            Level::INFO,
            Source::Server,
            "c",
        );
        let texts: Vec<&str> = console.lines().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c", "d"]);
    }

    #[test]
    fn long_lines_are_cut_and_say_how_long_they_were() {
        let mut console = Console::default();
        console.note(Level::DEBUG, &"x".repeat(MAX_LINE_CHARS * 3));
        let line = &console.lines().next().unwrap().text;
        assert!(line.len() < MAX_LINE_CHARS + 40, "{}", line.len());
        assert!(line.ends_with(&format!("({} bytes)", MAX_LINE_CHARS * 3)));
    }

    #[test]
    fn level_and_search_filter_what_is_copied() {
        let mut console = Console::default();
        console.note(Level::ERROR, "boom");
        console.note(Level::DEBUG, "Mensagem recebida: append 3");
        console.note(Level::WARN, "retrying");
        let warn = console.visible_text(ConsoleLevel::Warn, Language::En);
        assert!(warn.contains("boom") && warn.contains("retrying"));
        assert!(!warn.contains("append 3"));
        console.search = "APPEND".to_owned();
        let found = console.visible_text(ConsoleLevel::Trace, Language::En);
        assert_eq!(found.lines().count(), 1, "{found}");
        assert!(found.contains("[app] Mensagem recebida: append 3"));
    }

    #[test]
    fn clock_shows_utc_time_of_day_with_milliseconds() {
        let at = UNIX_EPOCH + Duration::from_millis(((13 * 60 + 5) * 60 + 9) * 1000 + 42);
        assert_eq!(clock(at), "13:05:09.042");
    }
}
