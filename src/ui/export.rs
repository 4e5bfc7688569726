//! Exporting the list to a text, CSV or JSON file. The native save dialog and the write
//! run on a named thread, so the window never waits on them; the outcome comes back
//! through a channel and wakes the UI.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

/// A file format for the exported list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One element per line (an element with a line break in it spans lines).
    Text,
    /// `position,value` rows with a header, quoted as RFC 4180 says.
    Csv,
    /// A JSON array of strings.
    Json,
}

impl ExportFormat {
    /// Every format, in menu order.
    pub const ALL: [Self; 3] = [Self::Text, Self::Csv, Self::Json];

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Text => "txt",
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }
}

/// How an export ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportOutcome {
    /// Written.
    Saved {
        /// Where.
        path: PathBuf,
        /// How many elements.
        count: usize,
    },
    /// The user closed the dialog.
    Cancelled,
    /// The file could not be written.
    Failed(String),
}

/// Renders the list in a format.
pub fn render(items: &[String], format: ExportFormat) -> String {
    match format {
        ExportFormat::Text => {
            let mut out = String::with_capacity(items.iter().map(|i| i.len() + 1).sum());
            for item in items {
                out.push_str(item);
                out.push('\n');
            }
            out
        }
        ExportFormat::Csv => {
            let mut out = String::from("position,value\r\n");
            for (position, item) in items.iter().enumerate() {
                out.push_str(&position.to_string());
                out.push(',');
                out.push_str(&csv_field(item));
                out.push_str("\r\n");
            }
            out
        }
        ExportFormat::Json => {
            // Serialising strings cannot fail; an empty array is a correct fallback anyway.
            let mut out = serde_json::to_string_pretty(items).unwrap_or_else(|_| "[]".into());
            out.push('\n');
            out
        }
    }
}

fn csv_field(value: &str) -> String {
    let needs_quotes = value.contains([',', '"', '\n', '\r'])
        || value.starts_with(char::is_whitespace)
        || value.ends_with(char::is_whitespace);
    if needs_quotes {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// Writes the list to `path` in `format`.
pub fn write(path: &Path, items: &[String], format: ExportFormat) -> std::io::Result<()> {
    std::fs::write(path, render(items, format))
}

/// An export in progress: the dialog is open or the file is being written.
#[derive(Debug)]
pub struct ExportJob {
    outcome: Receiver<ExportOutcome>,
    thread: Option<JoinHandle<()>>,
}

impl ExportJob {
    /// Opens the save dialog and writes the list on a thread; `wake` is called when done.
    pub fn start(
        items: Vec<String>,
        format: ExportFormat,
        title: String,
        wake: impl Fn() + Send + 'static,
    ) -> std::io::Result<Self> {
        let (sender, outcome) = crossbeam_channel::bounded(1);
        let thread = std::thread::Builder::new()
            .name("zlist-export".to_owned())
            .spawn(move || run(&items, format, &title, &sender, &wake))?;
        Ok(Self {
            outcome,
            thread: Some(thread),
        })
    }

    /// The outcome, once there is one.
    pub fn poll(&mut self) -> Option<ExportOutcome> {
        let outcome = self.outcome.try_recv().ok()?;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            return Some(ExportOutcome::Failed("the export thread panicked".into()));
        }
        Some(outcome)
    }
}

impl Drop for ExportJob {
    fn drop(&mut self) {
        // A thread still showing the dialog waits on the user: it is not joined then (the
        // dialog closes with the process); a finished one is.
        if let Some(thread) = self.thread.take()
            && thread.is_finished()
        {
            let _ = thread.join();
        }
    }
}

fn run(
    items: &[String],
    format: ExportFormat,
    title: &str,
    sender: &Sender<ExportOutcome>,
    wake: &dyn Fn(),
) {
    let dialog = rfd::FileDialog::new()
        .set_title(title)
        .set_file_name(format!("zlist.{}", format.extension()))
        .add_filter(format.extension().to_uppercase(), &[format.extension()]);
    let outcome = match dialog.save_file() {
        None => ExportOutcome::Cancelled,
        Some(path) => match write(&path, items, format) {
            Ok(()) => ExportOutcome::Saved {
                path,
                count: items.len(),
            },
            Err(error) => ExportOutcome::Failed(format!("{}: {error}", path.display())),
        },
    };
    let _ = sender.send(outcome);
    wake();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn text_export_is_one_element_per_line() {
        assert_eq!(
            render(&items(&["3", "hello world"]), ExportFormat::Text),
            "3\nhello world\n"
        );
        assert_eq!(render(&[], ExportFormat::Text), "");
    }

    #[test]
    fn csv_export_quotes_what_needs_quoting() {
        let csv = render(
            &items(&["plain", "a,b", "say \"hi\"", " padded"]),
            ExportFormat::Csv,
        );
        assert_eq!(
            csv,
            "position,value\r\n0,plain\r\n1,\"a,b\"\r\n2,\"say \"\"hi\"\"\"\r\n3,\" padded\"\r\n"
        );
    }

    #[test]
    fn json_export_reads_back_as_the_same_list() {
        let list = items(&["ação", "quote\"", "new\nline"]);
        let json = render(&list, ExportFormat::Json);
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, list);
    }

    #[test]
    fn write_puts_the_rendering_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.csv");
        write(&path, &items(&["x"]), ExportFormat::Csv).unwrap();
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            "position,value\r\n0,x\r\n"
        );
    }
}
