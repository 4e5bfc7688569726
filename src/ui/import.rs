//! File -> Import...: a text file (one element a line), a CSV file (a chosen column) or a
//! JSON file (an array of strings) appended as one bulk paste (the same progress bar and
//! Cancel). The file is chosen and read on a thread; what it holds is checked before
//! anything is sent: a file with bad lines says which, and imports nothing unless the user
//! ticks "skip the bad lines".

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use crate::net::service::DEFAULT_MAX_ELEMENT_BYTES;
use crate::ui::i18n::Language;

/// Bad lines listed by number in the dialog at most (the count says the rest).
const LISTED_BAD_LINES: usize = 8;

/// How the file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// One element a line; blank lines are skipped.
    Text,
    /// One column of a CSV file.
    Csv,
    /// A JSON array of strings.
    Json,
}

impl ImportFormat {
    /// Every format, in the dialog's order.
    pub const ALL: [Self; 3] = [Self::Text, Self::Csv, Self::Json];

    /// The format a file name suggests (text unless it ends in `.csv` or `.json`).
    pub fn from_path(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("csv") => Self::Csv,
            Some("json") => Self::Json,
            _ => Self::Text,
        }
    }

    /// The format's name in the dialog.
    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "TXT",
            Self::Csv => "CSV",
            Self::Json => "JSON",
        }
    }
}

/// Why a line (or a JSON array entry) cannot be imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadReason {
    /// Its bytes are not UTF-8 text.
    NotUtf8,
    /// Empty (a CSV cell, a JSON string).
    Empty,
    /// Longer than a server takes by default.
    TooLong,
    /// A CSV row without the chosen column.
    NoSuchColumn,
    /// A JSON entry that is not a string.
    NotAString,
    /// A CSV row the reader could not parse.
    Malformed,
}

/// A line that cannot be imported: its number (from 1; for JSON, the entry's) and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadLine {
    /// Line (or entry) number, from 1.
    pub line: usize,
    /// Why.
    pub why: BadReason,
}

/// What a file holds, read in a format.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The elements to append, in order.
    pub elements: Vec<String>,
    /// The lines that cannot be imported.
    pub bad: Vec<BadLine>,
    /// The whole file cannot be read this way (JSON that is not an array, say).
    pub fatal: Option<String>,
    /// A CSV file's columns: its header's names, or `1`, `2`, ... without one.
    pub columns: Vec<String>,
}

/// How a CSV file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// The column taken, from 0.
    pub column: usize,
    /// Whether the first row names the columns (and is not imported).
    pub header: bool,
}

/// Reads `bytes` as `format`.
pub fn parse(bytes: &[u8], format: ImportFormat, csv: CsvOptions) -> Parsed {
    match format {
        ImportFormat::Text => parse_text(bytes),
        ImportFormat::Csv => parse_csv(bytes, csv),
        ImportFormat::Json => parse_json(bytes),
    }
}

/// Checks one element, trimmed as the server trims it.
fn element(raw: &[u8], line: usize, parsed: &mut Parsed, blank_is_bad: bool) {
    let why = match std::str::from_utf8(raw) {
        Err(_) => BadReason::NotUtf8,
        Ok(text) => {
            let text = text.trim();
            if text.is_empty() {
                if !blank_is_bad {
                    return;
                }
                BadReason::Empty
            } else if text.len() > DEFAULT_MAX_ELEMENT_BYTES {
                BadReason::TooLong
            } else {
                parsed.elements.push(text.to_owned());
                return;
            }
        }
    };
    parsed.bad.push(BadLine { line, why });
}

fn parse_text(bytes: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        element(line, i + 1, &mut parsed, false);
    }
    parsed
}

fn parse_csv(bytes: &[u8], options: CsvOptions) -> Parsed {
    let mut parsed = Parsed::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(options.header)
        .flexible(true)
        .from_reader(bytes);
    let mut widest = 0;
    if options.header {
        match reader.byte_headers() {
            Ok(header) => {
                parsed.columns = header
                    .iter()
                    .map(|name| String::from_utf8_lossy(name).trim().to_owned())
                    .collect();
            }
            Err(error) => {
                parsed.fatal = Some(error.to_string());
                return parsed;
            }
        }
    }
    let mut record = csv::ByteRecord::new();
    let mut lines = Lines::new(bytes);
    loop {
        // Lines are counted from byte offsets: the csv crate's own line numbers lag by one
        // after a CRLF line end.
        let before = lines.at(reader.position().byte());
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record
                    .position()
                    .map_or(before, |position| lines.at(position.byte()));
                widest = widest.max(record.len());
                match record.get(options.column) {
                    Some(cell) => element(cell, line, &mut parsed, true),
                    None => parsed.bad.push(BadLine {
                        line,
                        why: BadReason::NoSuchColumn,
                    }),
                }
            }
            Err(_) => parsed.bad.push(BadLine {
                line: before,
                why: BadReason::Malformed,
            }),
        }
    }
    if !options.header {
        parsed.columns = (1..=widest.max(1)).map(|n| n.to_string()).collect();
    }
    parsed
}

/// Line numbers of byte offsets that only grow, counted once over the text.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The 1-based line of the text that starts at `byte`, or at the first byte after it
    /// that is not a line end.
    fn at(&mut self, byte: u64) -> usize {
        let mut target = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while self
            .bytes
            .get(target)
            .is_some_and(|b| *b == b'\r' || *b == b'\n')
        {
            target += 1;
        }
        if target > self.at {
            self.line += self.bytes[self.at..target]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.at = target;
        }
        self.line
    }
}

fn parse_json(bytes: &[u8]) -> Parsed {
    let mut parsed = Parsed::default();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match serde_json::from_slice::<Vec<serde_json::Value>>(bytes) {
        Ok(values) => {
            for (i, value) in values.into_iter().enumerate() {
                match value {
                    serde_json::Value::String(text) => {
                        element(text.as_bytes(), i + 1, &mut parsed, true);
                    }
                    _ => parsed.bad.push(BadLine {
                        line: i + 1,
                        why: BadReason::NotAString,
                    }),
                }
            }
        }
        Err(error) => parsed.fatal = Some(error.to_string()),
    }
    parsed
}

/// The import dialog: the file, how it is read, and what that gives.
#[derive(Debug)]
pub struct ImportDialog {
    path: PathBuf,
    bytes: Vec<u8>,
    format: ImportFormat,
    csv: CsvOptions,
    /// Import the good lines of a file with bad ones.
    pub skip_bad: bool,
    parsed: Parsed,
}

/// What the user asked in the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportIntent {
    /// Append these elements.
    Start(Vec<String>),
    /// Close the dialog.
    Cancel,
}

impl ImportDialog {
    /// The dialog for a file read into `bytes`, in the format its name suggests (a CSV
    /// file's `value` column when its header has one, as zlist's export writes).
    pub fn new(path: PathBuf, bytes: Vec<u8>) -> Self {
        let format = ImportFormat::from_path(&path);
        let mut dialog = Self {
            path,
            bytes,
            format,
            csv: CsvOptions {
                column: 0,
                header: true,
            },
            skip_bad: false,
            parsed: Parsed::default(),
        };
        dialog.reparse();
        if let Some(value) = dialog.parsed.columns.iter().position(|c| c == "value") {
            dialog.csv.column = value;
            dialog.reparse();
        }
        dialog
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the file gives as it is read now.
    pub fn parsed(&self) -> &Parsed {
        &self.parsed
    }

    /// Reads the file another way.
    pub fn set_format(&mut self, format: ImportFormat, csv: CsvOptions) {
        if (format, csv) != (self.format, self.csv) {
            self.format = format;
            self.csv = csv;
            self.reparse();
        }
    }

    fn reparse(&mut self) {
        self.parsed = parse(&self.bytes, self.format, self.csv);
    }

    /// The elements an import appends now: none while there are bad lines the user has
    /// not chosen to skip, or the file cannot be read at all.
    pub fn importable(&self) -> Option<&[String]> {
        let parsed = &self.parsed;
        let blocked = parsed.fatal.is_some() || (!parsed.bad.is_empty() && !self.skip_bad);
        (!blocked && !parsed.elements.is_empty()).then_some(parsed.elements.as_slice())
    }

    /// Draws the dialog; returns what the user asked.
    pub fn import_ui(&mut self, ctx: &egui::Context, language: Language) -> Option<ImportIntent> {
        let t = language.texts();
        let mut intent = None;
        let mut open = true;
        egui::Window::new(t.import_title)
            .id(egui::Id::unique("zlist-import"))
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| intent = self.contents_ui(ui, language));
        if !open {
            intent = Some(ImportIntent::Cancel);
        }
        intent
    }

    fn contents_ui(&mut self, ui: &mut egui::Ui, language: Language) -> Option<ImportIntent> {
        let t = language.texts();
        ui.set_min_width(380.0);
        ui.label(egui::RichText::new(self.path.display().to_string()).weak());
        let (mut format, mut csv) = (self.format, self.csv);
        ui.horizontal(|ui| {
            ui.label(t.import_format);
            for choice in ImportFormat::ALL {
                ui.radio_value(&mut format, choice, choice.name());
            }
        });
        if format == ImportFormat::Csv {
            ui.horizontal(|ui| {
                ui.checkbox(&mut csv.header, t.import_header);
                let label = ui.label(t.import_column);
                let name = |i: usize| {
                    self.parsed
                        .columns
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| (i + 1).to_string())
                };
                egui::ComboBox::from_id_salt("zlist-import-column")
                    .selected_text(name(csv.column))
                    .show_ui(ui, |ui| {
                        for i in 0..self.parsed.columns.len().max(1) {
                            ui.selectable_value(&mut csv.column, i, name(i));
                        }
                    })
                    .response
                    .labelled_by(label.id);
            });
        }
        self.set_format(format, csv);

        let parsed = &self.parsed;
        if let Some(fatal) = &parsed.fatal {
            ui.colored_label(
                ui.visuals().error_fg_color,
                language.import_unreadable(format.name(), fatal),
            );
        } else {
            ui.label(language.import_ready(parsed.elements.len()));
        }
        if !parsed.bad.is_empty() {
            let listed: Vec<String> = parsed
                .bad
                .iter()
                .take(LISTED_BAD_LINES)
                .map(|bad| language.import_bad_line(bad.line, bad.why))
                .collect();
            let text = language.import_bad_lines(parsed.bad.len(), &listed.join("; "));
            ui.add(
                egui::Label::new(egui::RichText::new(text).color(ui.visuals().warn_fg_color))
                    .wrap(),
            );
            ui.checkbox(&mut self.skip_bad, t.import_skip_bad);
        }
        ui.add_space(6.0);
        let mut intent = None;
        ui.horizontal(|ui| {
            // The elements are copied only on the click: a file may hold millions.
            if ui
                .add_enabled(
                    self.importable().is_some(),
                    egui::Button::new(t.import_start),
                )
                .clicked()
            {
                intent = self
                    .importable()
                    .map(|elements| ImportIntent::Start(elements.to_vec()));
            }
            if ui.button(t.cancel).clicked() {
                intent = Some(ImportIntent::Cancel);
            }
        });
        intent
    }
}

/// The file dialog and the read, on a thread.
#[derive(Debug)]
pub struct ImportPick {
    outcome: Receiver<PickOutcome>,
    thread: Option<JoinHandle<()>>,
}

/// How choosing a file ended.
#[derive(Debug)]
pub enum PickOutcome {
    /// Read.
    Read(PathBuf, Vec<u8>),
    /// The user closed the dialog.
    Cancelled,
    /// The file could not be read (its path and why).
    Failed(String),
}

impl ImportPick {
    /// Reads `path` on a thread (`None`: asks with the native open dialog first); `wake`
    /// is called when done.
    pub fn start(
        path: Option<PathBuf>,
        title: String,
        wake: impl Fn() + Send + 'static,
    ) -> std::io::Result<Self> {
        let (sender, outcome) = crossbeam_channel::bounded(1);
        let thread = std::thread::Builder::new()
            .name("zlist-import".to_owned())
            .spawn(move || pick(path, &title, &sender, &wake))?;
        Ok(Self {
            outcome,
            thread: Some(thread),
        })
    }

    /// The outcome, once there is one.
    pub fn poll(&mut self) -> Option<PickOutcome> {
        let outcome = self.outcome.try_recv().ok()?;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            return Some(PickOutcome::Failed("the import thread panicked".into()));
        }
        Some(outcome)
    }
}

fn pick(path: Option<PathBuf>, title: &str, sender: &Sender<PickOutcome>, wake: &dyn Fn()) {
    let path = path.or_else(|| {
        rfd::FileDialog::new()
            .set_title(title)
            .add_filter("TXT, CSV, JSON", &["txt", "csv", "json"])
            .pick_file()
    });
    let outcome = match path {
        None => PickOutcome::Cancelled,
        Some(path) => match std::fs::read(&path) {
            Ok(bytes) => PickOutcome::Read(path, bytes),
            Err(error) => PickOutcome::Failed(format!("{}: {error}", path.display())),
        },
    };
    // The app may be gone; then nobody needs the outcome.
    let _ = sender.send(outcome);
    wake();
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: CsvOptions = CsvOptions {
        column: 1,
        header: true,
    };

    #[test]
    fn a_text_file_gives_one_trimmed_element_a_line_and_skips_blank_lines() {
        let parsed = parse(
            b"\xEF\xBB\xBFone\r\n  two words  \n\n\xFFbad\nl\xC3\xA1\n",
            ImportFormat::Text,
            CSV,
        );
        assert_eq!(parsed.elements, ["one", "two words", "lá"]);
        assert_eq!(
            parsed.bad,
            [BadLine {
                line: 4,
                why: BadReason::NotUtf8
            }]
        );
    }

    #[test]
    fn a_csv_file_gives_the_chosen_column_and_names_rows_without_it() {
        let file = b"position,value\r\n0,a\r\n1,\"b, with \"\"quotes\"\"\"\r\n2\r\n3,\r\n";
        let parsed = parse(file, ImportFormat::Csv, CSV);
        assert_eq!(parsed.columns, ["position", "value"]);
        assert_eq!(parsed.elements, ["a", "b, with \"quotes\""]);
        assert_eq!(
            parsed.bad,
            [
                BadLine {
                    line: 4,
                    why: BadReason::NoSuchColumn
                },
                BadLine {
                    line: 5,
                    why: BadReason::Empty
                }
            ]
        );
        let first = parse(
            b"x,y\nz,w\n",
            ImportFormat::Csv,
            CsvOptions {
                column: 0,
                header: false,
            },
        );
        assert_eq!(first.elements, ["x", "z"]);
        assert_eq!(first.columns, ["1", "2"]);
    }

    #[test]
    fn a_json_file_must_be_an_array_and_non_strings_are_bad_entries() {
        let parsed = parse(br#"["a", 3, "", "b"]"#, ImportFormat::Json, CSV);
        assert_eq!(parsed.elements, ["a", "b"]);
        assert_eq!(
            parsed
                .bad
                .iter()
                .map(|b| (b.line, b.why))
                .collect::<Vec<_>>(),
            [(2, BadReason::NotAString), (3, BadReason::Empty)]
        );
        let object = parse(br#"{"a": 1}"#, ImportFormat::Json, CSV);
        assert!(object.fatal.is_some() && object.elements.is_empty());
        let broken = parse(b"[\"a\", ", ImportFormat::Json, CSV);
        assert!(broken.fatal.is_some());
    }

    #[test]
    fn a_file_with_bad_lines_imports_nothing_unless_they_are_skipped() {
        let mut dialog = ImportDialog::new("list.txt".into(), b"a\n\xFF\nb\n".to_vec());
        assert_eq!(dialog.parsed().bad.len(), 1);
        assert_eq!(dialog.importable(), None);
        dialog.skip_bad = true;
        assert_eq!(
            dialog.importable(),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        let empty = ImportDialog::new("empty.txt".into(), b"\n\n".to_vec());
        assert_eq!(empty.importable(), None, "nothing to import");
    }

    #[test]
    fn the_export_formats_read_back_as_the_list_they_came_from() {
        let items: Vec<String> = ["a", "b, c", "with \"quotes\"", "olá"]
            .map(str::to_owned)
            .to_vec();
        for format in crate::ui::export::ExportFormat::ALL {
            let file = crate::ui::export::render(&items, format);
            let path = PathBuf::from(format!("list.{}", format.extension()));
            let dialog = ImportDialog::new(path, file.into_bytes());
            assert_eq!(dialog.importable(), Some(&items[..]), "{format:?}");
        }
    }
}
