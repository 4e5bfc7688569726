//! The seed's text protocol: requests parsed into typed commands, and every reply text.
//!
//! A request is one UTF-8 frame. Its first word (split on white space as Python's
//! `str.split()` does) is the command; the element is the rest of the request after the
//! command word (and the position, for `insert`), with surrounding white space trimmed.
//! zlist's own extensions use command words that start with `zlist.`, which the seed's
//! server answers with `Comando inválido.` and so never mistakes for a change.
//! `docs/protocol.md` is the reference for everything here.

use std::fmt;

/// The seed's command words, in menu order.
pub const SHOW: &str = "mostrar";
/// `append X`.
pub const APPEND: &str = "append";
/// `insert P X`.
pub const INSERT: &str = "insert";
/// `remover X`.
pub const REMOVE: &str = "remover";
/// `pesquisar X`.
pub const SEARCH: &str = "pesquisar";
/// `ordenar_cresc`.
pub const SORT_ASCENDING: &str = "ordenar_cresc";
/// `ordenar_desc`.
pub const SORT_DESCENDING: &str = "ordenar_desc";
/// `limpar`.
pub const CLEAR: &str = "limpar";

/// `zlist.remove_at INDEX "EXPECTED"`: remove the row at INDEX if it still holds EXPECTED.
pub const REMOVE_AT: &str = "zlist.remove_at";
/// `zlist.replace_at INDEX "EXPECTED" "NEW"`: put NEW in place of the row at INDEX if it
/// still holds EXPECTED.
pub const REPLACE_AT: &str = "zlist.replace_at";
/// `zlist.move FROM TO "EXPECTED"`: move the row at FROM (if it still holds EXPECTED) to
/// TO, an index of the list without it.
pub const MOVE: &str = "zlist.move";
/// The start of every refusal of a row-exact change planned on a list that has changed
/// since: the client refreshes and tells the user.
pub const STALE_PREFIX: &str = "Erro: a lista mudou: ";

/// `zlist.hello`: asks a server which protocol it speaks.
pub const HELLO: &str = "zlist.hello";
/// `zlist.req CLIENT:SEQ COMMAND`: a command tagged for exactly-once retries.
pub const TAGGED: &str = "zlist.req";
/// The reply to `zlist.hello` starts with this word.
pub const HELLO_REPLY: &str = "zlist.ok";
/// `zlist.snapshot`: asks for the list with its epoch and version (live updates); the reply
/// starts with the same word. See `docs/protocol.md`, "Live updates".
pub const SNAPSHOT: &str = "zlist.snapshot";
/// `zlist.status`: asks a server for its health (uptime, clients, counts); the reply
/// starts with the same word. See [`crate::net::status`].
pub const STATUS: &str = "zlist.status";
/// The `zlist.hello` announcement of what the asking connection may do: `access=read`
/// for a connection admitted with the read-only token (absent: it may change the list).
pub const ACCESS_FEATURE: &str = "access";
/// The value of [`ACCESS_FEATURE`] for a read-only connection.
pub const ACCESS_READ_ONLY: &str = "read";
/// The version of zlist's protocol extensions that this build speaks.
pub const EXTENSION_VERSION: u32 = 1;

/// The prefix of every error reply zlist adds to the seed's own.
pub const ERROR_PREFIX: &str = "Erro: ";
/// The seed's reply to an unknown command word.
pub const INVALID_COMMAND: &str = "Comando inválido.";
/// The seed's reply to `pesquisar` when the element is there.
pub const FOUND: &str = "Encontrado";
/// The seed's reply to `pesquisar` when the element is not there.
pub const NOT_FOUND: &str = "Não encontrado";

/// Longest client id accepted in a tagged request.
pub const MAX_CLIENT_ID_LEN: usize = 64;

/// One of the seed's eight operations on the list, or one of zlist's row-exact changes
/// (which name the row by index and the value the client saw there; see
/// `docs/protocol.md`, "Row-exact changes").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `mostrar`: the whole list, as Python's repr.
    Show,
    /// `append X`: add at the end.
    Append(String),
    /// `insert P X`: add before position P.
    Insert {
        /// Where, as Python's `int()` read it.
        position: Position,
        /// What.
        element: String,
    },
    /// `remover X`: remove the first occurrence.
    Remove(String),
    /// `pesquisar X`: is it there?
    Search(String),
    /// `ordenar_cresc`: sort by code point.
    SortAscending,
    /// `ordenar_desc`: sort by code point, reversed.
    SortDescending,
    /// `limpar`: remove everything.
    Clear,
    /// `zlist.remove_at`: remove the row at `index`, if it holds `expected`.
    RemoveAt {
        /// The row.
        index: usize,
        /// What the client saw there.
        expected: String,
    },
    /// `zlist.replace_at`: put `element` in place of the row at `index`, if it holds
    /// `expected`.
    ReplaceAt {
        /// The row.
        index: usize,
        /// What the client saw there.
        expected: String,
        /// The new value.
        element: String,
    },
    /// `zlist.move`: move the row at `from`, if it holds `expected`, to `to` (an index of
    /// the list without it).
    Move {
        /// The row.
        from: usize,
        /// Where it goes.
        to: usize,
        /// What the client saw at `from`.
        expected: String,
    },
}

impl Command {
    /// Whether a successful run of this command can change the list.
    pub fn is_change(&self) -> bool {
        !matches!(self, Self::Show | Self::Search(_))
    }

    /// The command word on the wire.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Show => SHOW,
            Self::Append(_) => APPEND,
            Self::Insert { .. } => INSERT,
            Self::Remove(_) => REMOVE,
            Self::Search(_) => SEARCH,
            Self::SortAscending => SORT_ASCENDING,
            Self::SortDescending => SORT_DESCENDING,
            Self::Clear => CLEAR,
            Self::RemoveAt { .. } => REMOVE_AT,
            Self::ReplaceAt { .. } => REPLACE_AT,
            Self::Move { .. } => MOVE,
        }
    }

    /// Whether only a zlist server understands it (a seed server answers
    /// `Comando inválido.`).
    pub fn is_extension(&self) -> bool {
        matches!(
            self,
            Self::RemoveAt { .. } | Self::ReplaceAt { .. } | Self::Move { .. }
        )
    }
}

/// Formats the command as the request text the seed's client sends (`insert 4 5`).
impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Append(x) | Self::Remove(x) | Self::Search(x) => write!(f, "{} {x}", self.word()),
            Self::Insert { position, element } => write!(f, "{INSERT} {position} {element}"),
            Self::Show | Self::SortAscending | Self::SortDescending | Self::Clear => {
                f.write_str(self.word())
            }
            Self::RemoveAt { .. } | Self::ReplaceAt { .. } | Self::Move { .. } => {
                // Always some for these (a true invariant of encode_row_command).
                f.write_str(&encode_row_command(self).unwrap_or_default())
            }
        }
    }
}

/// An `insert` position as Python's `int()` reads it: it may be negative or larger than
/// any list, and it prints back normalised (`007` -> `7`, `-0` -> `0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The integer in canonical decimal form, with a `-` only for negative values.
    decimal: String,
}

impl Position {
    /// The position of a non-negative index.
    pub fn from_index(index: usize) -> Self {
        Self {
            decimal: index.to_string(),
        }
    }

    /// The index this position names, when it is non-negative and fits in `usize`.
    pub fn index(&self) -> Option<usize> {
        self.decimal.parse().ok()
    }

    /// Reads a word as Python's `int(word)` does: optional sign, decimal digits of any
    /// script, single underscores between digits. `None` where Python raises ValueError.
    pub fn parse(word: &str) -> Option<Self> {
        let (negative, digits) = match word.as_bytes().first()? {
            b'-' => (true, &word[1..]),
            b'+' => (false, &word[1..]),
            _ => (false, word),
        };
        let mut decimal = String::with_capacity(digits.len() + 1);
        let mut previous_was_digit = false;
        for c in digits.chars() {
            if c == '_' {
                if !previous_was_digit {
                    return None;
                }
                previous_was_digit = false;
                continue;
            }
            let digit = decimal_digit(c)?;
            if !(decimal.is_empty() && digit == 0) {
                decimal.push(char::from(b'0' + digit));
            }
            previous_was_digit = true;
        }
        if !previous_was_digit {
            // Empty, a lone sign, or a trailing underscore.
            return None;
        }
        // CPython refuses to convert more than 4300 digits (sys.int_info.default_max_str_digits).
        if digits.chars().filter(|&c| c != '_').count() > 4300 {
            return None;
        }
        if decimal.is_empty() {
            decimal.push('0');
        } else if negative {
            decimal.insert(0, '-');
        }
        Some(Self { decimal })
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decimal)
    }
}

/// The first code point of every run of ten decimal digits (Unicode category Nd) in the
/// Unicode 14 tables of CPython 3.11, which `int()` accepts in any script.
/// Generated with `python3 -c "import unicodedata as u; print([hex(i) for i in range(0x110000)
/// if u.category(chr(i)) == 'Nd' and u.decimal(chr(i)) == 0])"`.
const DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a decimal digit of any script, as Python's `int()` sees it.
fn decimal_digit(c: char) -> Option<u8> {
    if c.is_ascii_digit() {
        return Some(c as u8 - b'0');
    }
    let code = c as u32;
    let run = DIGIT_ZEROS
        .partition_point(|&zero| zero <= code)
        .checked_sub(1)?;
    let offset = code - DIGIT_ZEROS[run];
    // The offset is below 10, so the conversion cannot truncate.
    (offset < 10).then_some(offset as u8)
}

/// Python's `str.isspace()`: Rust's Unicode `White_Space` plus the four ASCII separators
/// U+001C..U+001F, which Python's `str.split()` also splits on.
pub fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Whether a text starts with the word `zlist.status` (after any ASCII white space): a
/// status request, as [`Request::parse`] reads it, or its reply. Cheap on any other text:
/// only its first bytes are looked at.
pub fn is_status(text: &[u8]) -> bool {
    text.trim_ascii_start()
        .strip_prefix(STATUS.as_bytes())
        .is_some_and(|rest| {
            // The next character, whole (at most 4 bytes), must end the word.
            rest.is_empty()
                || String::from_utf8_lossy(&rest[..rest.len().min(4)])
                    .chars()
                    .next()
                    .is_some_and(is_python_space)
        })
}

/// Splits off the first white-space separated word; returns it and the rest, untrimmed.
fn next_word(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start_matches(is_python_space);
    if text.is_empty() {
        return None;
    }
    let end = text.find(is_python_space).unwrap_or(text.len());
    Some((&text[..end], &text[end..]))
}

/// A client's tag on a changing request: who sent it and its number in that client's
/// sequence. A server answers a repeated tag with the reply it gave, without applying the
/// change again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RequestTag {
    /// The client's id: 1 to 64 ASCII letters, digits, `-` or `_`.
    pub client: String,
    /// The request's number; a client never reuses one.
    pub seq: u64,
}

impl fmt::Display for RequestTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.client, self.seq)
    }
}

impl RequestTag {
    fn parse(word: &str) -> Option<Self> {
        let (client, seq) = word.split_once(':')?;
        let client_ok = !client.is_empty()
            && client.len() <= MAX_CLIENT_ID_LEN
            && client
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        let seq = seq
            .parse()
            .ok()
            .filter(|_| seq.bytes().all(|b| b.is_ascii_digit()))?;
        client_ok.then(|| Self {
            client: client.to_owned(),
            seq,
        })
    }
}

/// Everything a zlist server understands: the seed's commands and zlist's extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// A plain seed command.
    Seed(Command),
    /// `zlist.hello`: which protocol does the server speak?
    Hello,
    /// `zlist.snapshot`: the list with the epoch and version it has (live updates).
    Snapshot,
    /// `zlist.status`: the server's health.
    Status,
    /// `zlist.req CLIENT:SEQ COMMAND`: a seed command that must apply at most once.
    Tagged {
        /// Who sent it, and its number.
        tag: RequestTag,
        /// What to do.
        command: Command,
    },
}

impl Request {
    /// Parses one request text.
    pub fn parse(text: &str) -> Result<Self, RequestError> {
        let Some((word, rest)) = next_word(text) else {
            return Err(RequestError::Empty);
        };
        match word {
            HELLO => Ok(Self::Hello),
            SNAPSHOT => Ok(Self::Snapshot),
            STATUS => Ok(Self::Status),
            TAGGED => {
                let (tag, command) = next_word(rest).ok_or(RequestError::BadTag)?;
                let tag = RequestTag::parse(tag).ok_or(RequestError::BadTag)?;
                let command = parse_command(command)?;
                Ok(Self::Tagged { tag, command })
            }
            _ => parse_command(text).map(Self::Seed),
        }
    }
}

/// Parses a seed command, as the seed does for every request it accepts, and with a
/// clear error for every request it would have choked on.
pub fn parse_command(text: &str) -> Result<Command, RequestError> {
    let (word, rest) = next_word(text).ok_or(RequestError::Empty)?;
    let element = |usage: &'static str| {
        let element = rest.trim_matches(is_python_space);
        if element.is_empty() {
            Err(RequestError::MissingElement { usage })
        } else {
            Ok(element.to_owned())
        }
    };
    Ok(match word {
        SHOW => Command::Show,
        APPEND => Command::Append(element(USAGE_APPEND)?),
        REMOVE => Command::Remove(element(USAGE_REMOVE)?),
        SEARCH => Command::Search(element(USAGE_SEARCH)?),
        SORT_ASCENDING => Command::SortAscending,
        SORT_DESCENDING => Command::SortDescending,
        CLEAR => Command::Clear,
        REMOVE_AT | REPLACE_AT | MOVE => return parse_row_command(word, rest),
        INSERT => {
            let (position, rest) = next_word(rest).ok_or(RequestError::MissingPosition)?;
            let position = Position::parse(position)
                .ok_or_else(|| RequestError::PositionNotInteger(position.to_owned()))?;
            let element = rest.trim_matches(is_python_space);
            if element.is_empty() {
                return Err(RequestError::MissingElement {
                    usage: USAGE_INSERT,
                });
            }
            Command::Insert {
                position,
                element: element.to_owned(),
            }
        }
        _ => return Err(RequestError::UnknownCommand),
    })
}

/// Parses a row-exact change: indices as plain decimal numbers, values as JSON strings (so
/// that spaces, quotes and any Unicode are unambiguous).
fn parse_row_command(word: &str, rest: &str) -> Result<Command, RequestError> {
    let usage = match word {
        REMOVE_AT => USAGE_REMOVE_AT,
        REPLACE_AT => USAGE_REPLACE_AT,
        _ => USAGE_MOVE,
    };
    let bad = || RequestError::BadRowCommand { usage };
    let mut rest = rest;
    let mut index = || -> Result<usize, RequestError> {
        let (word, after) = next_word(rest).ok_or_else(bad)?;
        rest = after;
        if !word.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        word.parse().map_err(|_| bad())
    };
    let first = index()?;
    let second = if word == MOVE { Some(index()?) } else { None };
    let values = json_strings(rest).ok_or_else(bad)?;
    Ok(match (word, second, values.as_slice()) {
        (REMOVE_AT, None, [expected]) => Command::RemoveAt {
            index: first,
            expected: expected.clone(),
        },
        (REPLACE_AT, None, [expected, element]) if !element.is_empty() => Command::ReplaceAt {
            index: first,
            expected: expected.clone(),
            element: element.clone(),
        },
        (MOVE, Some(to), [expected]) => Command::Move {
            from: first,
            to,
            expected: expected.clone(),
        },
        _ => return Err(bad()),
    })
}

/// Reads white-space-separated JSON string literals, and nothing else.
fn json_strings(text: &str) -> Option<Vec<String>> {
    let mut values = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<serde_json::Value>();
    for value in &mut stream {
        match value.ok()? {
            serde_json::Value::String(value) => values.push(value),
            _ => return None,
        }
    }
    Some(values)
}

/// A row-exact change's words, as the server sends them.
pub fn encode_row_command(command: &Command) -> Option<String> {
    let quote = |text: &str| serde_json::Value::from(text).to_string();
    Some(match command {
        Command::RemoveAt { index, expected } => {
            format!("{REMOVE_AT} {index} {}", quote(expected))
        }
        Command::ReplaceAt {
            index,
            expected,
            element,
        } => format!(
            "{REPLACE_AT} {index} {} {}",
            quote(expected),
            quote(element)
        ),
        Command::Move { from, to, expected } => {
            format!("{MOVE} {from} {to} {}", quote(expected))
        }
        _ => return None,
    })
}

const USAGE_REMOVE_AT: &str = "zlist.remove_at ÍNDICE \"VALOR\"";
const USAGE_REPLACE_AT: &str = "zlist.replace_at ÍNDICE \"VALOR\" \"NOVO\"";
const USAGE_MOVE: &str = "zlist.move DE PARA \"VALOR\"";
const USAGE_APPEND: &str = "append X";
const USAGE_INSERT: &str = "insert P X";
const USAGE_REMOVE: &str = "remover X";
const USAGE_SEARCH: &str = "pesquisar X";
const USAGE_ALL: &str = "mostrar, append X, insert P X, remover X, pesquisar X, \
                         ordenar_cresc, ordenar_desc, limpar";

/// Why a request was refused. The `Display` text is the reply the client gets: Portuguese,
/// in the seed's style, saying what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Empty or blank message.
    #[error("Erro: mensagem vazia. Comandos: {USAGE_ALL}.")]
    Empty,
    /// A first word that is no command: the seed's own reply.
    #[error("Comando inválido.")]
    UnknownCommand,
    /// `append`, `insert P`, `remover` or `pesquisar` with nothing after it.
    #[error("Erro: falta o elemento. Uso: {usage}")]
    MissingElement {
        /// The command's usage line.
        usage: &'static str,
    },
    /// `insert` with nothing after it.
    #[error("Erro: faltam a posição e o elemento. Uso: {USAGE_INSERT}")]
    MissingPosition,
    /// `insert abc x`.
    #[error("Erro: a posição '{0}' não é um número inteiro. Uso: {USAGE_INSERT}")]
    PositionNotInteger(String),
    /// `zlist.req` with a malformed tag.
    #[error(
        "Erro: etiqueta de pedido inválida. Uso: {TAGGED} CLIENTE:SEQ COMANDO \
         (CLIENTE: 1 a {MAX_CLIENT_ID_LEN} letras, dígitos, - ou _; SEQ: número inteiro)"
    )]
    BadTag,
    /// A row-exact change whose words do not fit its usage.
    #[error(
        "Erro: uso: {usage} (índices: números inteiros a partir de 0; valores: strings JSON \
         entre aspas duplas; o novo valor não pode ser vazio)"
    )]
    BadRowCommand {
        /// The command's usage line.
        usage: &'static str,
    },
    /// A change from a connection admitted with the read-only token.
    #[error(
        "Erro: este cliente entrou com o token de leitura: pode ler a lista e seguir as \
         atualizações, mas não alterá-la; alterações precisam do token de escrita."
    )]
    ReadOnly,
    /// The request's bytes are not UTF-8.
    #[error("Erro: a mensagem não é texto UTF-8 válido.")]
    InvalidUtf8,
    /// More than one frame.
    #[error("Erro: a mensagem tem {0} partes; envie o comando numa única parte.")]
    Multipart(usize),
    /// Over the size limit.
    #[error("Erro: a mensagem tem {size} bytes; o limite é {limit} bytes.")]
    TooLarge {
        /// The request's size in bytes.
        size: usize,
        /// The server's limit in bytes.
        limit: usize,
    },
}

/// Whether a reply to `command` reports a failure. zlist's own errors start with
/// [`ERROR_PREFIX`]; the seed's are `Comando inválido.`, `Posição inválida: P` and,
/// after `remover`, `Elemento 'X' não encontrado.`. `Não encontrado` after `pesquisar`
/// is an answer, not an error.
pub fn is_error_reply(command: Option<&Command>, reply: &str) -> bool {
    reply.starts_with(ERROR_PREFIX)
        || reply == INVALID_COMMAND
        || reply.starts_with(INVALID_POSITION_PREFIX)
            && matches!(command, None | Some(Command::Insert { .. }))
        || reply.starts_with("Elemento '")
            && reply.ends_with("' não encontrado.")
            && matches!(command, None | Some(Command::Remove(_)))
}

const INVALID_POSITION_PREFIX: &str = "Posição inválida: ";

/// The seed's reply texts, byte for byte.
pub mod replies {
    use super::Position;

    /// `append X`.
    pub fn appended(element: &str) -> String {
        format!("Elemento '{element}' adicionado.")
    }

    /// `insert P X` within range.
    pub fn inserted(element: &str, position: &Position) -> String {
        format!("Elemento '{element}' inserido na posição {position}.")
    }

    /// `insert P X` out of range.
    pub fn invalid_position(position: &Position) -> String {
        format!("{}{position}", super::INVALID_POSITION_PREFIX)
    }

    /// `remover X` when X is there.
    pub fn removed(element: &str) -> String {
        format!("Elemento '{element}' removido.")
    }

    /// `zlist.remove_at`.
    pub fn removed_at(element: &str, index: usize) -> String {
        format!("Elemento '{element}' removido da posição {index}.")
    }

    /// `zlist.replace_at`.
    pub fn replaced(index: usize, old: &str, new: &str) -> String {
        format!("Elemento da posição {index} alterado de '{old}' para '{new}'.")
    }

    /// `zlist.move`.
    pub fn moved(element: &str, from: usize, to: usize) -> String {
        format!("Elemento '{element}' movido da posição {from} para a posição {to}.")
    }

    /// A row-exact change whose row holds another value now.
    pub fn stale_row(index: usize, expected: &str, found: &str) -> String {
        format!(
            "{}a posição {index} tem '{found}', não '{expected}'. Atualize a lista e tente \
             de novo.",
            super::STALE_PREFIX
        )
    }

    /// A row-exact change whose row is past the end now.
    pub fn stale_index(index: usize, len: usize) -> String {
        format!(
            "{}a posição {index} não existe (a lista tem {len} elementos). Atualize a lista \
             e tente de novo.",
            super::STALE_PREFIX
        )
    }

    /// A move whose target is past the end of the list without the row.
    pub fn stale_target(to: usize, len: usize) -> String {
        format!(
            "{}a posição de destino {to} não existe (a lista tem {len} elementos). Atualize \
             a lista e tente de novo.",
            super::STALE_PREFIX
        )
    }

    /// `remover X` when X is not there.
    pub fn not_present(element: &str) -> String {
        format!("Elemento '{element}' não encontrado.")
    }

    /// `ordenar_cresc`.
    pub const SORTED_ASCENDING: &str = "Lista ordenada crescentemente.";
    /// `ordenar_desc`.
    pub const SORTED_DESCENDING: &str = "Lista ordenada decrescentemente.";
    /// `limpar`.
    pub const CLEARED: &str = "Lista limpa.";
}

/// The reply to `zlist.hello`: `zlist.ok 1 VERSION`, then `key=value` words.
pub fn hello_reply(features: &[(&str, &str)]) -> String {
    let mut reply = format!(
        "{HELLO_REPLY} {EXTENSION_VERSION} zlist/{}",
        env!("CARGO_PKG_VERSION")
    );
    for (key, value) in features {
        reply.push(' ');
        reply.push_str(key);
        reply.push('=');
        reply.push_str(value);
    }
    reply
}

/// What a client learns from the reply to `zlist.hello`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerKind {
    /// A zlist server: it knows tagged requests and the other extensions.
    Zlist {
        /// Its extension version.
        version: u32,
        /// Its `key=value` announcements.
        features: Vec<(String, String)>,
    },
    /// A server that speaks only the seed's protocol.
    Seed,
}

impl ServerKind {
    /// Reads the reply a server gave to `zlist.hello`.
    pub fn from_hello_reply(reply: &str) -> Self {
        let mut words = reply.split(' ');
        if words.next() != Some(HELLO_REPLY) {
            return Self::Seed;
        }
        let Some(version) = words.next().and_then(|v| v.parse().ok()) else {
            return Self::Seed;
        };
        let features = words
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Self::Zlist { version, features }
    }

    /// Whether the server admitted this client with its read-only token (`access=read`):
    /// it may read and follow live updates but not change the list.
    pub fn is_read_only(&self) -> bool {
        self.feature(ACCESS_FEATURE) == Some(ACCESS_READ_ONLY)
    }

    /// A feature's value, for a zlist server that announced it.
    pub fn feature(&self, key: &str) -> Option<&str> {
        match self {
            Self::Zlist { features, .. } => features
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str()),
            Self::Seed => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(text: &str) -> Command {
        parse_command(text).unwrap()
    }

    fn pos(text: &str) -> String {
        Position::parse(text).unwrap().to_string()
    }

    #[test]
    fn row_exact_commands_round_trip_any_value_unambiguously() {
        let tricky = [
            "a b",
            "",
            "  spaces  ",
            "\"quoted\" 'single'",
            "olá 😀 \u{0} \n \\",
            "zlist.move 1 2 \"x\"",
        ];
        for expected in tricky {
            for element in ["novo", "com \"aspas\" e espaços ", "ação\t😀"] {
                let commands = [
                    Command::RemoveAt {
                        index: 3,
                        expected: expected.to_owned(),
                    },
                    Command::ReplaceAt {
                        index: 0,
                        expected: expected.to_owned(),
                        element: element.to_owned(),
                    },
                    Command::Move {
                        from: 7,
                        to: 0,
                        expected: expected.to_owned(),
                    },
                ];
                for command in commands {
                    let text = command.to_string();
                    assert_eq!(cmd(&text), command, "{text}");
                    let tagged = format!("{TAGGED} app:9 {text}");
                    assert_eq!(
                        Request::parse(&tagged),
                        Ok(Request::Tagged {
                            tag: RequestTag::parse("app:9").unwrap(),
                            command,
                        })
                    );
                }
            }
        }
    }

    #[test]
    fn malformed_row_exact_commands_say_what_is_expected() {
        for bad in [
            "zlist.remove_at",
            "zlist.remove_at 1",
            "zlist.remove_at -1 \"a\"",
            "zlist.remove_at x \"a\"",
            "zlist.remove_at 1 a",
            "zlist.remove_at 1 \"a\" \"b\"",
            "zlist.remove_at 1 \"a",
            "zlist.remove_at 1 [\"a\"]",
            "zlist.remove_at 99999999999999999999999 \"a\"",
            "zlist.replace_at 1 \"a\"",
            "zlist.replace_at 1 \"a\" \"\"",
            "zlist.move 1 \"a\"",
            "zlist.move 1 2 3",
        ] {
            let error = parse_command(bad).unwrap_err();
            assert!(
                matches!(error, RequestError::BadRowCommand { .. }),
                "{bad}: {error:?}"
            );
            assert!(
                error.to_string().starts_with("Erro: uso: zlist."),
                "{error}"
            );
        }
    }

    #[test]
    fn status_requests_and_replies_are_told_by_their_first_word() {
        for request in ["zlist.status", " zlist.status \n", "zlist.status\u{a0}x"] {
            assert!(is_status(request.as_bytes()), "{request:?}");
            assert_eq!(Request::parse(request), Ok(Request::Status), "{request:?}");
        }
        assert!(is_status(b"zlist.status server=zlist/0.1.0 uptime=3"));
        for text in [
            "zlist.statusx",
            "zlist.status\u{e9}",
            "append zlist.status",
            "zlist.stat",
            "",
        ] {
            assert!(!is_status(text.as_bytes()), "{text:?}");
            assert_ne!(Request::parse(text), Ok(Request::Status), "{text:?}");
        }
    }

    #[test]
    fn every_seed_command_parses() {
        assert_eq!(cmd("mostrar"), Command::Show);
        assert_eq!(cmd("append 3"), Command::Append("3".into()));
        assert_eq!(
            cmd("insert 4 5"),
            Command::Insert {
                position: Position::from_index(4),
                element: "5".into()
            }
        );
        assert_eq!(cmd("remover 5"), Command::Remove("5".into()));
        assert_eq!(cmd("pesquisar 6"), Command::Search("6".into()));
        assert_eq!(cmd("ordenar_cresc"), Command::SortAscending);
        assert_eq!(cmd("ordenar_desc"), Command::SortDescending);
        assert_eq!(cmd("limpar"), Command::Clear);
    }

    #[test]
    fn element_is_the_trimmed_rest_of_the_request() {
        assert_eq!(
            cmd("append hello world"),
            Command::Append("hello world".into())
        );
        assert_eq!(cmd("  append \t a  b \n"), Command::Append("a  b".into()));
        assert_eq!(
            cmd("insert 0   two words "),
            Command::Insert {
                position: Position::from_index(0),
                element: "two words".into()
            }
        );
        // Python splits on U+001C..U+001F and U+00A0 too.
        assert_eq!(cmd("append\u{1f}x\u{a0}"), Command::Append("x".into()));
    }

    #[test]
    fn arguments_after_a_no_argument_command_are_ignored_like_the_seed() {
        assert_eq!(cmd("mostrar tudo"), Command::Show);
        assert_eq!(cmd("limpar agora"), Command::Clear);
    }

    #[test]
    fn command_words_are_case_sensitive() {
        assert_eq!(parse_command("Mostrar"), Err(RequestError::UnknownCommand));
        assert_eq!(parse_command("APPEND x"), Err(RequestError::UnknownCommand));
    }

    #[test]
    fn position_reads_like_python_int() {
        assert_eq!(pos("007"), "7");
        assert_eq!(pos("+3"), "3");
        assert_eq!(pos("-0"), "0");
        assert_eq!(pos("-007"), "-7");
        assert_eq!(pos("1_0"), "10");
        assert_eq!(pos("00"), "0");
        assert_eq!(pos("١٢"), "12");
        assert_eq!(pos("99999999999999999999999"), "99999999999999999999999");
        for bad in [
            "", "-", "+", "abc", "0x10", "1__0", "_1", "1_", "1.5", "--1", "1e3",
        ] {
            assert_eq!(Position::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Position::parse(&"1".repeat(4301)), None);
        assert!(Position::parse(&"1".repeat(4300)).is_some());
    }

    #[test]
    fn position_index_is_none_when_negative_or_huge() {
        assert_eq!(Position::parse("-1").unwrap().index(), None);
        assert_eq!(
            Position::parse("99999999999999999999999").unwrap().index(),
            None
        );
        assert_eq!(Position::parse("12").unwrap().index(), Some(12));
    }

    #[test]
    fn malformed_requests_get_errors_that_say_what_was_expected() {
        let err = |t: &str| parse_command(t).unwrap_err().to_string();
        assert!(err("").starts_with("Erro: mensagem vazia. Comandos: mostrar, append X"));
        assert_eq!(err(" \t\n"), err(""));
        assert_eq!(err("append"), "Erro: falta o elemento. Uso: append X");
        assert_eq!(err("append   "), "Erro: falta o elemento. Uso: append X");
        assert_eq!(err("remover"), "Erro: falta o elemento. Uso: remover X");
        assert_eq!(err("pesquisar"), "Erro: falta o elemento. Uso: pesquisar X");
        assert_eq!(
            err("insert"),
            "Erro: faltam a posição e o elemento. Uso: insert P X"
        );
        assert_eq!(err("insert 3"), "Erro: falta o elemento. Uso: insert P X");
        assert_eq!(
            err("insert abc x"),
            "Erro: a posição 'abc' não é um número inteiro. Uso: insert P X"
        );
        assert_eq!(err("sair"), "Comando inválido.");
    }

    #[test]
    fn replies_are_the_seeds_texts() {
        let p = Position::parse("007").unwrap();
        assert_eq!(replies::appended("3"), "Elemento '3' adicionado.");
        assert_eq!(
            replies::inserted("x", &p),
            "Elemento 'x' inserido na posição 7."
        );
        assert_eq!(
            replies::invalid_position(&Position::parse("-1").unwrap()),
            "Posição inválida: -1"
        );
        assert_eq!(replies::removed("5"), "Elemento '5' removido.");
        assert_eq!(replies::not_present("5"), "Elemento '5' não encontrado.");
        assert_eq!(replies::SORTED_ASCENDING, "Lista ordenada crescentemente.");
        assert_eq!(
            replies::SORTED_DESCENDING,
            "Lista ordenada decrescentemente."
        );
        assert_eq!(replies::CLEARED, "Lista limpa.");
    }

    #[test]
    fn commands_format_back_to_request_text() {
        for text in [
            "mostrar",
            "append a b",
            "insert 7 x",
            "remover y",
            "pesquisar z",
            "limpar",
        ] {
            assert_eq!(cmd(text).to_string(), text);
        }
        assert_eq!(cmd("insert 007 x").to_string(), "insert 7 x");
    }

    #[test]
    fn error_replies_are_told_apart_from_answers() {
        let remove = cmd("remover x");
        let search = cmd("pesquisar x");
        let insert = cmd("insert 9 x");
        assert!(is_error_reply(
            Some(&remove),
            "Elemento 'x' não encontrado."
        ));
        assert!(!is_error_reply(Some(&remove), "Elemento 'x' removido."));
        assert!(!is_error_reply(Some(&search), NOT_FOUND));
        assert!(!is_error_reply(Some(&search), FOUND));
        assert!(is_error_reply(Some(&insert), "Posição inválida: 9"));
        assert!(is_error_reply(None, INVALID_COMMAND));
        assert!(is_error_reply(
            None,
            "Erro: falta o elemento. Uso: append X"
        ));
        // An appended element that looks like an error is still a success.
        let tricky = cmd("append x' não encontrado.");
        assert!(!is_error_reply(
            Some(&tricky),
            &replies::appended("x' não encontrado.")
        ));
        assert!(!is_error_reply(Some(&cmd("mostrar")), "['Erro: x']"));
    }

    #[test]
    fn tagged_requests_carry_a_client_and_sequence() {
        assert_eq!(
            Request::parse("zlist.req abc-1:42 append x y"),
            Ok(Request::Tagged {
                tag: RequestTag {
                    client: "abc-1".into(),
                    seq: 42
                },
                command: Command::Append("x y".into())
            })
        );
        for bad in [
            "zlist.req",
            "zlist.req abc append x",
            "zlist.req :1 append x",
            "zlist.req a:b append x",
            "zlist.req a:+1 append x",
            "zlist.req a!:1 append x",
        ] {
            assert_eq!(Request::parse(bad), Err(RequestError::BadTag), "{bad}");
        }
        let long = format!("zlist.req {}:1 limpar", "a".repeat(65));
        assert_eq!(Request::parse(&long), Err(RequestError::BadTag));
        assert_eq!(
            Request::parse("zlist.req a:1 append"),
            Err(RequestError::MissingElement { usage: "append X" })
        );
    }

    #[test]
    fn hello_reply_tells_a_zlist_server_from_a_seed_server() {
        let reply = hello_reply(&[("pub", "tcp://x:1235")]);
        let kind = ServerKind::from_hello_reply(&reply);
        assert!(matches!(kind, ServerKind::Zlist { version: 1, .. }));
        assert_eq!(kind.feature("pub"), Some("tcp://x:1235"));
        assert_eq!(
            ServerKind::from_hello_reply(INVALID_COMMAND),
            ServerKind::Seed
        );
        assert_eq!(Request::parse("zlist.hello"), Ok(Request::Hello));
        assert_eq!(Request::parse(" zlist.snapshot "), Ok(Request::Snapshot));
    }
}
