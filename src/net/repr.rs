//! Python `repr` of a list of `str`: the text the seed's `mostrar` reply carries.
//!
//! The writer is byte-identical to CPython 3.11's `repr(list_of_str)` (`unicode_repr` in
//! `Objects/unicodeobject.c`); the parser reads that text back, and also accepts the rest
//! of Python's string-literal escapes, so text from any Python server can be read.

use super::printable_table::NON_PRINTABLE;

/// Lowercase hex digits, as CPython writes them in `\x`, `\u` and `\U` escapes.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// CPython 3.11 `str.isprintable()` for one character.
///
/// False for categories Cc, Cf, Cs, Co, Cn, Zl, Zp and for every Zs except the ASCII
/// space, following the Unicode 14 tables of CPython 3.11 (see `printable_table.rs`).
#[inline]
pub fn is_printable(c: char) -> bool {
    let cp = u32::from(c);
    if cp < 0x80 {
        return (0x20..0x7F).contains(&cp);
    }
    NON_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Appends `\` + `marker` + `cp` as `digits` lowercase hex digits.
fn push_hex_escape(out: &mut String, marker: char, cp: u32, digits: u32) {
    out.push('\\');
    out.push(marker);
    for shift in (0..digits).rev() {
        // The index is masked to 0..16, so it is always in bounds.
        out.push(char::from(HEX[((cp >> (4 * shift)) & 0xF) as usize]));
    }
}

/// Appends Python's repr of one str (with quotes) to `out`.
///
/// Single quotes unless the text contains `'` and no `"`; `\\`, the chosen quote, `\n`,
/// `\r` and `\t` are escaped, other non-printable characters become `\xNN`, `\uNNNN` or
/// `\UNNNNNNNN`, and everything printable is kept as is.
pub fn write_str_repr(s: &str, out: &mut String) {
    // Fast path, the common case: printable ASCII with no backslash and no single quote
    // needs no escaping and takes single quotes (a double quote is then kept as is).
    // Branch-free so that the compiler can vectorise it.
    let plain = s.bytes().fold(true, |ok, b| {
        ok & (b.wrapping_sub(0x20) < 0x5F) & (b != b'\\') & (b != b'\'')
    });
    if plain {
        out.reserve(s.len() + 2);
        out.push('\'');
        out.push_str(s);
        out.push('\'');
        return;
    }
    let has_single = s.as_bytes().contains(&b'\'');
    let has_double = s.as_bytes().contains(&b'"');
    let quote = if has_single && !has_double { '"' } else { '\'' };
    out.reserve(s.len() + 2);
    out.push(quote);
    let mut run_start = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&str> = match c {
            '\\' => Some("\\\\"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '\'' if quote == '\'' => Some("\\'"),
            // A double quote is never the chosen quote while the text holds one.
            _ if is_printable(c) => continue,
            _ => None,
        };
        out.push_str(&s[run_start..i]);
        run_start = i + c.len_utf8();
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let cp = u32::from(c);
                if cp <= 0xFF {
                    push_hex_escape(out, 'x', cp, 2);
                } else if cp <= 0xFFFF {
                    push_hex_escape(out, 'u', cp, 4);
                } else {
                    push_hex_escape(out, 'U', cp, 8);
                }
            }
        }
    }
    out.push_str(&s[run_start..]);
    out.push(quote);
}

/// Appends Python's repr of a list of str, e.g. `['a', "it's"]`, to `out`.
///
/// Items are joined by `, `; an empty list is `[]`.
pub fn write_list_repr<S: AsRef<str>>(items: &[S], out: &mut String) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_str_repr(item.as_ref(), out);
    }
    out.push(']');
}

/// Convenience: the repr as a new String (reserve a good capacity estimate).
///
/// The estimate is exact for lists of plain printable ASCII: every item's length plus two
/// quotes and a `, ` separator, plus the brackets.
pub fn list_repr<S: AsRef<str>>(items: &[S]) -> String {
    let capacity = items
        .iter()
        .map(|s| s.as_ref().len() + 4)
        .sum::<usize>()
        .saturating_sub(2)
        + 2;
    let mut out = String::with_capacity(capacity);
    write_list_repr(items, &mut out);
    out
}

/// Why [`parse_list_repr`] rejected a text. Every variant carries the byte offset, in the
/// parsed text, where the problem was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReprError {
    /// Something other than what the grammar allows at this point (a missing bracket,
    /// comma or opening quote).
    #[error("expected {expected} at byte {offset}, found {}", describe_found(*.found))]
    Expected {
        /// Byte offset of the unexpected character (the text's length at the end).
        offset: usize,
        /// What the grammar allows here, e.g. `',' or ']'`.
        expected: &'static str,
        /// The character found instead, `None` at the end of the text.
        found: Option<char>,
    },
    /// A string whose closing quote never comes (before the end of the text or a raw
    /// line break, which a single-quoted Python string cannot hold).
    #[error("unterminated string starting at byte {offset}: expected a closing {quote}")]
    UnterminatedString {
        /// Byte offset of the opening quote.
        offset: usize,
        /// The opening (and expected closing) quote.
        quote: char,
    },
    /// A backslash followed by something that is not a Python string escape.
    #[error(
        "bad escape '\\{found}' at byte {offset}: expected one of \\\\ \\' \\\" \\a \\b \\f \\n \\r \\t \\v \\ooo \\xhh \\uhhhh \\Uhhhhhhhh"
    )]
    BadEscape {
        /// Byte offset of the backslash.
        offset: usize,
        /// The character after the backslash.
        found: char,
    },
    /// A `\N{name}` escape: Unicode character names are not supported.
    #[error("unsupported escape '\\N{{...}}' at byte {offset}: character names are not supported")]
    NamedEscape {
        /// Byte offset of the backslash.
        offset: usize,
    },
    /// A `\x`, `\u` or `\U` escape without its full count of hex digits.
    #[error("bad escape at byte {offset}: expected {digits} hex digits after '\\{kind}'")]
    BadHexDigits {
        /// Byte offset of the backslash.
        offset: usize,
        /// `x`, `u` or `U`.
        kind: char,
        /// How many hex digits the escape needs: 2, 4 or 8.
        digits: u8,
    },
    /// An escape naming a surrogate code point (U+D800 to U+DFFF), which Python allows in
    /// a `str` but a Rust `String` cannot hold.
    #[error(
        "escape at byte {offset} names surrogate U+{code:04X}: expected a code point outside U+D800..U+DFFF"
    )]
    SurrogateEscape {
        /// Byte offset of the backslash.
        offset: usize,
        /// The code point named.
        code: u32,
    },
    /// A `\U` escape beyond the last Unicode code point.
    #[error("escape at byte {offset} names U+{code:X}: expected a code point up to U+10FFFF")]
    CodePointTooLarge {
        /// Byte offset of the backslash.
        offset: usize,
        /// The value named.
        code: u32,
    },
    /// Text other than white space after the closing `]`.
    #[error("trailing text at byte {offset}: expected nothing after the closing ']'")]
    TrailingText {
        /// Byte offset of the first character after the list.
        offset: usize,
    },
}

impl ReprError {
    /// The byte offset, in the parsed text, where the problem was found.
    pub fn offset(&self) -> usize {
        match *self {
            Self::Expected { offset, .. }
            | Self::UnterminatedString { offset, .. }
            | Self::BadEscape { offset, .. }
            | Self::NamedEscape { offset }
            | Self::BadHexDigits { offset, .. }
            | Self::SurrogateEscape { offset, .. }
            | Self::CodePointTooLarge { offset, .. }
            | Self::TrailingText { offset } => offset,
        }
    }
}

/// `'x'` for a found character, `end of text` for none.
fn describe_found(found: Option<char>) -> String {
    match found {
        Some(c) => format!("{c:?}"),
        None => "end of text".to_owned(),
    }
}

/// Parses what `write_list_repr` (or CPython) writes back into the strings.
///
/// Accepts Python list-of-str literal syntax: white space (space, tab, line breaks, form
/// feed) around the brackets, items and commas, an optional trailing comma, single- or
/// double-quoted strings, and the escapes `\\ \' \" \a \b \f \n \r \t \v`, octal `\ooo`,
/// `\xhh`, `\uhhhh`, `\Uhhhhhhhh` and backslash-newline. Rejects `\N{...}`, unknown
/// escapes, surrogates and anything else with a [`ReprError`]. Never panics.
pub fn parse_list_repr(text: &str) -> Result<Vec<String>, ReprError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
    };
    p.skip_ws();
    if !p.eat(b'[') {
        return Err(p.expected("'['"));
    }
    let mut items = Vec::new();
    p.skip_ws();
    if !p.eat(b']') {
        loop {
            items.push(p.string()?);
            p.skip_ws();
            if p.eat(b']') {
                break;
            }
            if !p.eat(b',') {
                return Err(p.expected("',' or ']'"));
            }
            p.skip_ws();
            if p.eat(b']') {
                break;
            }
        }
    }
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(ReprError::TrailingText { offset: p.pos });
    }
    Ok(items)
}

/// A cursor over the text being parsed. `pos` always sits on a char boundary: it only
/// ever steps over ASCII bytes or over whole runs that end before an ASCII byte.
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Consumes `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Skips Python white space between tokens.
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0C') = self.peek() {
            self.pos += 1;
        }
    }

    /// An `Expected` error at the current position.
    fn expected(&self, expected: &'static str) -> ReprError {
        ReprError::Expected {
            offset: self.pos,
            expected,
            found: self
                .text
                .get(self.pos..)
                .and_then(|rest| rest.chars().next()),
        }
    }

    /// Parses one quoted string at the current position.
    fn string(&mut self) -> Result<String, ReprError> {
        let start = self.pos;
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => return Err(self.expected("a quoted string or ']'")),
        };
        let unterminated = ReprError::UnterminatedString {
            offset: start,
            quote: char::from(quote),
        };
        self.pos += 1;
        // The common case, a string with no escape: found with one vectorised search and
        // copied at once.
        let rest = &self.bytes[self.pos..];
        if let Some(end) = memchr::memchr3(quote, b'\\', b'\n', rest)
            && rest[end] == quote
            && memchr::memchr(b'\r', &rest[..end]).is_none()
        {
            // The quote is ASCII: the run ends on a char boundary.
            let s = self.text.get(self.pos..self.pos + end).unwrap_or_default();
            self.pos += end + 1;
            return Ok(s.to_owned());
        }
        let mut s = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == quote || b == b'\\' || b == b'\n' || b == b'\r' {
                    break;
                }
                self.pos += 1;
            }
            // The run stops at an ASCII byte or at the end: both are char boundaries.
            s.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
            match self.peek() {
                Some(b'\\') => self.escape(&mut s, &unterminated)?,
                Some(b) if b == quote => {
                    self.pos += 1;
                    return Ok(s);
                }
                _ => return Err(unterminated),
            }
        }
    }

    /// Parses the escape whose backslash is at the current position, appending the
    /// character it stands for (if any) to `s`.
    fn escape(&mut self, s: &mut String, unterminated: &ReprError) -> Result<(), ReprError> {
        let offset = self.pos;
        self.pos += 1;
        let Some(b) = self.peek() else {
            return Err(unterminated.clone());
        };
        let simple = match b {
            b'\\' => Some('\\'),
            b'\'' => Some('\''),
            b'"' => Some('"'),
            b'a' => Some('\x07'),
            b'b' => Some('\x08'),
            b'f' => Some('\x0C'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'v' => Some('\x0B'),
            _ => None,
        };
        if let Some(c) = simple {
            self.pos += 1;
            s.push(c);
            return Ok(());
        }
        match b {
            // Backslash-newline: a line continuation, standing for nothing.
            b'\n' => self.pos += 1,
            b'\r' => {
                self.pos += 1;
                self.eat(b'\n');
            }
            b'0'..=b'7' => {
                let mut value = 0u32;
                let mut count = 0;
                while let Some(d @ b'0'..=b'7') = self.peek() {
                    if count == 3 {
                        break;
                    }
                    value = value * 8 + u32::from(d - b'0');
                    count += 1;
                    self.pos += 1;
                }
                // At most 0o777 = 511: always a valid char, never a surrogate.
                s.push(char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            b'x' | b'u' | b'U' => {
                let digits: u8 = match b {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let kind = char::from(b);
                self.pos += 1;
                let mut value = 0u32;
                for _ in 0..digits {
                    let d = self.peek().and_then(|d| char::from(d).to_digit(16)).ok_or(
                        ReprError::BadHexDigits {
                            offset,
                            kind,
                            digits,
                        },
                    )?;
                    value = (value << 4) | d;
                    self.pos += 1;
                }
                if (0xD800..=0xDFFF).contains(&value) {
                    return Err(ReprError::SurrogateEscape {
                        offset,
                        code: value,
                    });
                }
                let c = char::from_u32(value).ok_or(ReprError::CodePointTooLarge {
                    offset,
                    code: value,
                })?;
                s.push(c);
            }
            b'N' => return Err(ReprError::NamedEscape { offset }),
            _ => {
                let found = self
                    .text
                    .get(self.pos..)
                    .and_then(|rest| rest.chars().next())
                    .unwrap_or(char::REPLACEMENT_CHARACTER);
                return Err(ReprError::BadEscape { offset, found });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn repr(items: &[&str]) -> String {
        list_repr(items)
    }

    fn roundtrip(items: &[&str]) {
        let text = repr(items);
        let parsed = parse_list_repr(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(parsed, items, "via {text:?}");
    }

    #[test]
    fn empty_list_is_two_brackets() {
        assert_eq!(repr(&[]), "[]");
        assert_eq!(parse_list_repr("[]"), Ok(Vec::new()));
    }

    #[test]
    fn empty_string_item_is_two_single_quotes() {
        assert_eq!(repr(&[""]), "['']");
        assert_eq!(repr(&["", ""]), "['', '']");
        roundtrip(&["", ""]);
    }

    #[test]
    fn items_are_joined_by_comma_space() {
        assert_eq!(repr(&["3", "3", "5"]), "['3', '3', '5']");
    }

    #[test]
    fn single_quotes_by_default() {
        assert_eq!(repr(&["abc"]), "['abc']");
        assert_eq!(repr(&["say \"hi\""]), "['say \"hi\"']");
    }

    #[test]
    fn double_quotes_when_text_has_single_quote_only() {
        assert_eq!(repr(&["it's"]), "[\"it's\"]");
        assert_eq!(repr(&["'"]), "[\"'\"]");
    }

    #[test]
    fn single_quote_escaped_when_text_has_both_quotes() {
        assert_eq!(repr(&["'\""]), "['\\'\"']");
        assert_eq!(repr(&["\"\"'"]), "['\"\"\\'']");
        roundtrip(&["'\"", "\"\"'"]);
    }

    #[test]
    fn backslash_is_doubled() {
        assert_eq!(repr(&["a\\b"]), "['a\\\\b']");
    }

    #[test]
    fn newline_return_tab_use_letter_escapes() {
        assert_eq!(repr(&["a\nb\rc\td"]), "['a\\nb\\rc\\td']");
    }

    #[test]
    fn control_and_latin1_nonprintables_use_x_escapes() {
        assert_eq!(repr(&["\x00"]), "['\\x00']");
        assert_eq!(repr(&["\x1b[0m"]), "['\\x1b[0m']");
        assert_eq!(repr(&["\x7f"]), "['\\x7f']");
        assert_eq!(repr(&["\u{a0}"]), "['\\xa0']");
        assert_eq!(repr(&["\u{ad}"]), "['\\xad']");
    }

    #[test]
    fn bmp_nonprintables_use_u_escapes() {
        assert_eq!(repr(&["\u{200b}"]), "['\\u200b']");
        assert_eq!(repr(&["\u{feff}"]), "['\\ufeff']");
        assert_eq!(repr(&["\u{2028}"]), "['\\u2028']");
        assert_eq!(repr(&["\u{3000}"]), "['\\u3000']");
        assert_eq!(repr(&["\u{d7ff}"]), "['\\ud7ff']");
    }

    #[test]
    fn astral_nonprintables_use_capital_u_escapes() {
        assert_eq!(repr(&["\u{e0001}"]), "['\\U000e0001']");
        assert_eq!(repr(&["\u{10ffff}"]), "['\\U0010ffff']");
    }

    #[test]
    fn accents_and_emoji_are_kept() {
        assert_eq!(repr(&["ação", "über"]), "['ação', 'über']");
        assert_eq!(repr(&["😀"]), "['😀']");
        assert_eq!(repr(&["posição"]), "['posição']");
    }

    #[test]
    fn write_str_repr_appends() {
        let mut out = String::from("x=");
        write_str_repr("it's", &mut out);
        assert_eq!(out, "x=\"it's\"");
    }

    #[test]
    fn list_repr_capacity_is_exact_for_plain_ascii() {
        let items = ["a", "bc", "def"];
        let text = list_repr(&items);
        assert_eq!(text.len(), text.capacity());
        let one = list_repr(&["x"]);
        assert_eq!(one.len(), one.capacity());
        let none = list_repr::<&str>(&[]);
        assert_eq!(none.len(), none.capacity());
    }

    /// `(items, CPython's repr(items))`, generated with CPython 3.11.7 by running
    /// `python3 vec.py` on this script:
    /// ```text
    /// import random
    /// random.seed(11)
    /// P = "ab '\"'\" '\"\\\n\r\t\x00\x07\x1b\x7f\x80\x9f\xa0\xad\xe9\u0378\u200b\u2028\u3000\ud7ff\ue000\ufeff\uffff\U0001f600\U000e0001\U0010ffff"
    /// E = {'"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0'}
    /// def rs(s):
    ///     return '"' + ''.join(E.get(c) or (c if ' ' <= c <= '~' or (c > '~' and c.isprintable()) else '\\u{%x}' % ord(c)) for c in s) + '"'
    /// for _ in range(30):
    ///     items = [''.join(random.choice(P) for _ in range(random.randint(0, 5))) for _ in range(random.randint(1, 3))]
    ///     print('(&[%s], %s),' % (', '.join(map(rs, items)), rs(repr(items))))
    /// ```
    const CPYTHON_VECTORS: &[(&[&str], &str)] = &[
        (
            &["\u{feff}\u{e000}\u{e0001}\r", "\u{e0001}"],
            "['\\ufeff\\ue000\\U000e0001\\r', '\\U000e0001']",
        ),
        (&["\n\"\u{e000}\u{9f}\"", ""], "['\\n\"\\ue000\\x9f\"', '']"),
        (
            &[" \u{2028}\u{e000}\\a", "\"' \r", "b"],
            "[' \\u2028\\ue000\\\\a', '\"\\' \\r', 'b']",
        ),
        (
            &["\u{e000}\r", "\0\u{80}😀a"],
            "['\\ue000\\r', '\\x00\\x80😀a']",
        ),
        (
            &["", "\u{7f}\u{3000}'", "\u{1b}\u{a0}\0\u{e0001}\u{80}"],
            "['', \"\\x7f\\u3000'\", '\\x1b\\xa0\\x00\\U000e0001\\x80']",
        ),
        (&[""], "['']"),
        (&["", "\"\u{80}\u{200b}", ""], "['', '\"\\x80\\u200b', '']"),
        (&["a\t\t'\u{ffff}"], "[\"a\\t\\t'\\uffff\"]"),
        (
            &["\u{2028}\u{3000}\"\r\u{7f}", "'\u{9f}"],
            "['\\u2028\\u3000\"\\r\\x7f', \"'\\x9f\"]",
        ),
        (&["", " '\u{7}"], "['', \" '\\x07\"]"),
        (&["", "", ""], "['', '', '']"),
        (
            &["\n\r\u{e000}", "\r'\u{3000}\u{200b}"],
            "['\\n\\r\\ue000', \"\\r'\\u3000\\u200b\"]",
        ),
        (&["\u{3000}\ta"], "['\\u3000\\ta']"),
        (&["\u{9f}b\t\n", "\" \""], "['\\x9fb\\t\\n', '\" \"']"),
        (&["\u{1b}a\u{ad}"], "['\\x1ba\\xad']"),
        (&["\"\"'", "\u{7}"], "['\"\"\\'', '\\x07']"),
        (&["\u{378}\u{378}\u{feff}'"], "[\"\\u0378\\u0378\\ufeff'\"]"),
        (
            &["'\u{200b}\n", "\"\u{9f}\0\u{7}\r", "\r"],
            "[\"'\\u200b\\n\", '\"\\x9f\\x00\\x07\\r', '\\r']",
        ),
        (
            &["\u{ffff}'\u{3000}", "", ""],
            "[\"\\uffff'\\u3000\", '', '']",
        ),
        (&[""], "['']"),
        (
            &["\u{7}\u{2028}", "\u{3000}😀", "\u{10ffff}\n"],
            "['\\x07\\u2028', '\\u3000😀', '\\U0010ffff\\n']",
        ),
        (&["", "\0", "\"\u{7f}\t"], "['', '\\x00', '\"\\x7f\\t']"),
        (&["b\"\u{7f}\u{3000}\u{e000}"], "['b\"\\x7f\\u3000\\ue000']"),
        (&[""], "['']"),
        (&["\u{80}"], "['\\x80']"),
        (
            &["''\u{378}'", "\u{ad}\u{10ffff}'"],
            "[\"''\\u0378'\", \"\\xad\\U0010ffff'\"]",
        ),
        (&["", "", "é\u{9f} "], "['', '', 'é\\x9f ']"),
        (&["\"\u{ffff}\"\u{9f}"], "['\"\\uffff\"\\x9f']"),
        (&["\"", ""], "['\"', '']"),
        (
            &["\u{378} '\u{ad}", "'\u{ffff}"],
            "[\"\\u0378 '\\xad\", \"'\\uffff\"]",
        ),
    ];

    #[test]
    fn matches_cpython_vectors() {
        for &(items, expected) in CPYTHON_VECTORS {
            assert_eq!(list_repr(items), expected, "items {items:?}");
        }
    }

    #[test]
    fn parses_cpython_vectors() {
        for &(items, text) in CPYTHON_VECTORS {
            let parsed = parse_list_repr(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert_eq!(parsed, items, "text {text:?}");
        }
    }

    /// `(code point, chr(cp).isprintable())`, generated with CPython 3.11.7 by:
    /// ```text
    /// import random
    /// random.seed(3)
    /// pts = [0x0, 0x9, 0xa, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0x9f, 0xa0, 0xa1, 0xac, 0xad, 0xae, 0xe9, 0xff, 0x100, 0x377, 0x378, 0x61c, 0x1680, 0x180e, 0x2000, 0x200a, 0x200b, 0x200d, 0x2028, 0x2029, 0x202f, 0x205f, 0x2060, 0x2064, 0x3000, 0x3001, 0xd7ff, 0xe000, 0xf8ff, 0xf900, 0xfeff, 0xfffd, 0xfffe, 0xffff, 0x10000, 0x1f600, 0x1faf0, 0x1faf8, 0x20000, 0x2a6df, 0x2a6e0, 0x30000, 0x3134a, 0x3134b, 0xe0001, 0xe0020, 0xe0100, 0xefffd, 0xf0000, 0x10fffd, 0x10ffff]
    /// pts += random.sample([c for c in range(0x10000) if not 0xd800 <= c <= 0xdfff], 36) + random.sample(range(0x10000, 0x30000), 24)
    /// out = ["(0x%X, %s)" % (p, 'true' if chr(p).isprintable() else 'false') for p in sorted(set(pts))]
    /// for i in range(0, len(out), 6): print(", ".join(out[i:i+6]) + ",")
    /// ```
    const CPYTHON_PRINTABLE: &[(u32, bool)] = &[
        (0x0, false),
        (0x9, false),
        (0xA, false),
        (0x1F, false),
        (0x20, true),
        (0x21, true),
        (0x7E, true),
        (0x7F, false),
        (0x80, false),
        (0x9F, false),
        (0xA0, false),
        (0xA1, true),
        (0xAC, true),
        (0xAD, false),
        (0xAE, true),
        (0xE9, true),
        (0xFF, true),
        (0x100, true),
        (0x35E, true),
        (0x377, true),
        (0x378, false),
        (0x61C, false),
        (0x10C6, false),
        (0x1680, false),
        (0x180E, false),
        (0x2000, false),
        (0x200A, false),
        (0x200B, false),
        (0x200D, false),
        (0x2028, false),
        (0x2029, false),
        (0x202F, false),
        (0x205F, false),
        (0x2060, false),
        (0x2064, false),
        (0x2163, true),
        (0x268E, true),
        (0x26D0, true),
        (0x3000, false),
        (0x3001, true),
        (0x3116, true),
        (0x3B5F, true),
        (0x3BFD, true),
        (0x3CEB, true),
        (0x4265, true),
        (0x5EB5, true),
        (0x65AA, true),
        (0x781F, true),
        (0x7863, true),
        (0x795B, true),
        (0x79F2, true),
        (0x85EF, true),
        (0x8A7D, true),
        (0x8B52, true),
        (0x8CB4, true),
        (0x8D00, true),
        (0x94B2, true),
        (0x97B7, true),
        (0x9A9A, true),
        (0x9B08, true),
        (0xA02F, true),
        (0xA286, true),
        (0xA399, true),
        (0xB797, true),
        (0xD622, true),
        (0xD664, true),
        (0xD7FF, false),
        (0xE000, false),
        (0xE46B, false),
        (0xE638, false),
        (0xF0A8, false),
        (0xF27B, false),
        (0xF503, false),
        (0xF8FF, false),
        (0xF900, true),
        (0xFEFF, false),
        (0xFFFD, true),
        (0xFFFE, false),
        (0xFFFF, false),
        (0x10000, true),
        (0x10F82, true),
        (0x11FC1, true),
        (0x124BF, true),
        (0x12BD0, false),
        (0x14191, false),
        (0x163CB, false),
        (0x1895E, true),
        (0x18B3B, true),
        (0x1A339, false),
        (0x1DE31, false),
        (0x1F600, true),
        (0x1FAF0, true),
        (0x1FAF8, false),
        (0x20000, true),
        (0x2082C, true),
        (0x213E5, true),
        (0x23440, true),
        (0x2347F, true),
        (0x2764A, true),
        (0x28CE9, true),
        (0x28F4B, true),
        (0x29471, true),
        (0x2A6DF, true),
        (0x2A6E0, false),
        (0x2AF41, true),
        (0x2B52E, true),
        (0x2BEA1, true),
        (0x2C74A, true),
        (0x2E418, true),
        (0x2FAC2, false),
        (0x30000, true),
        (0x3134A, true),
        (0x3134B, false),
        (0xE0001, false),
        (0xE0020, false),
        (0xE0100, true),
        (0xEFFFD, false),
        (0xF0000, false),
        (0x10FFFD, false),
        (0x10FFFF, false),
    ];

    #[test]
    fn is_printable_agrees_with_cpython_spot_checks() {
        for &(cp, expected) in CPYTHON_PRINTABLE {
            let c = char::from_u32(cp).unwrap_or_else(|| panic!("U+{cp:04X} is not a char"));
            assert_eq!(is_printable(c), expected, "U+{cp:04X}");
        }
    }

    #[test]
    fn is_printable_ascii_fast_path_agrees_with_table() {
        for cp in 0u32..0x80 {
            let in_table = NON_PRINTABLE
                .iter()
                .any(|&(lo, hi)| (lo..=hi).contains(&cp));
            let c = char::from(cp as u8);
            assert_eq!(is_printable(c), !in_table, "U+{cp:04X}");
        }
    }

    #[test]
    fn printable_table_is_sorted_disjoint_and_merged() {
        assert!(!NON_PRINTABLE.is_empty());
        for &(lo, hi) in NON_PRINTABLE {
            assert!(lo <= hi && hi <= 0x10FFFF);
        }
        for pair in NON_PRINTABLE.windows(2) {
            // Adjacent ranges would have been merged by the generator.
            assert!(pair[0].1 + 1 < pair[1].0, "{pair:?}");
        }
        // Surrogates are Cs: inside the table (no char can reach them, but the
        // generator must have seen them as non-printable).
        assert!(
            NON_PRINTABLE
                .iter()
                .any(|&(lo, hi)| lo <= 0xD800 && 0xDFFF <= hi)
        );
    }

    #[test]
    fn parse_tolerates_white_space_around_items_and_commas() {
        assert_eq!(
            parse_list_repr("[ 'a' ,'b' ]"),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(
            parse_list_repr("\n [\t'a',\r\n  \"b\"\x0c] \n"),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(parse_list_repr(" [ ] "), Ok(Vec::new()));
    }

    #[test]
    fn parse_accepts_trailing_comma_like_python() {
        assert_eq!(parse_list_repr("['a',]"), Ok(vec!["a".to_owned()]));
        assert_eq!(parse_list_repr("['a' , ]"), Ok(vec!["a".to_owned()]));
    }

    #[test]
    fn parse_accepts_other_python_escapes() {
        let parsed = parse_list_repr(r#"['\a\b\f\v', '\0\07\101\777', "\'\"", '\X41'"#);
        assert!(parsed.is_err(), "\\X is not an escape");
        assert_eq!(
            parse_list_repr(
                r#"['\a\b\f\v', '\0\07\101\777\1234', "\'\"", '\x41\u00e9\U0001F600']"#
            ),
            Ok(vec![
                "\x07\x08\x0c\x0b".to_owned(),
                "\0\x07A\u{1ff}\u{53}4".to_owned(),
                "'\"".to_owned(),
                "Aé😀".to_owned(),
            ])
        );
    }

    #[test]
    fn parse_accepts_backslash_newline_continuation() {
        assert_eq!(
            parse_list_repr("['ab\\\ncd', 'e\\\r\nf']"),
            Ok(vec!["abcd".to_owned(), "ef".to_owned()])
        );
    }

    #[test]
    fn parse_keeps_raw_unicode_and_other_quote() {
        assert_eq!(
            parse_list_repr("['😀 \"x\" \u{200b}', \"it's\"]"),
            Ok(vec!["😀 \"x\" \u{200b}".to_owned(), "it's".to_owned()])
        );
    }

    #[test]
    fn parse_rejects_missing_open_bracket() {
        let err = parse_list_repr("'a']").unwrap_err();
        assert_eq!(
            err,
            ReprError::Expected {
                offset: 0,
                expected: "'['",
                found: Some('\'')
            }
        );
        assert_eq!(err.to_string(), "expected '[' at byte 0, found '\\''");
        assert_eq!(
            parse_list_repr("").unwrap_err().to_string(),
            "expected '[' at byte 0, found end of text"
        );
    }

    #[test]
    fn parse_rejects_missing_close_bracket() {
        assert_eq!(
            parse_list_repr("['a', 'b'").unwrap_err(),
            ReprError::Expected {
                offset: 9,
                expected: "',' or ']'",
                found: None
            }
        );
        assert_eq!(
            parse_list_repr("[").unwrap_err().to_string(),
            "expected a quoted string or ']' at byte 1, found end of text"
        );
        assert_eq!(parse_list_repr("['a', ").unwrap_err().offset(), 6);
    }

    #[test]
    fn parse_rejects_missing_comma() {
        let err = parse_list_repr("['a', 'b' 'c']").unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected ',' or ']' at byte 10, found '\\''"
        );
        assert_eq!(err.offset(), 10);
    }

    #[test]
    fn parse_rejects_bare_words_and_prefixes() {
        assert_eq!(parse_list_repr("[a]").unwrap_err().offset(), 1);
        assert_eq!(parse_list_repr("[u'a']").unwrap_err().offset(), 1);
        assert_eq!(parse_list_repr("[,]").unwrap_err().offset(), 1);
        assert_eq!(parse_list_repr("['a',,]").unwrap_err().offset(), 5);
    }

    #[test]
    fn parse_rejects_trailing_text() {
        assert_eq!(
            parse_list_repr("['a'] x"),
            Err(ReprError::TrailingText { offset: 6 })
        );
        assert_eq!(
            parse_list_repr("[][]"),
            Err(ReprError::TrailingText { offset: 2 })
        );
    }

    #[test]
    fn parse_rejects_unterminated_string() {
        let err = parse_list_repr("['a', 'bc").unwrap_err();
        assert_eq!(
            err,
            ReprError::UnterminatedString {
                offset: 6,
                quote: '\''
            }
        );
        assert_eq!(
            err.to_string(),
            "unterminated string starting at byte 6: expected a closing '"
        );
        assert_eq!(
            parse_list_repr("['a\nb']").unwrap_err().offset(),
            1,
            "a raw line break ends a single-quoted string"
        );
        assert_eq!(parse_list_repr("['a\\").unwrap_err().offset(), 1);
        assert_eq!(parse_list_repr("[\"a']").unwrap_err().offset(), 1);
    }

    #[test]
    fn parse_rejects_unknown_escape() {
        let err = parse_list_repr("['a\\qb']").unwrap_err();
        assert_eq!(
            err,
            ReprError::BadEscape {
                offset: 3,
                found: 'q'
            }
        );
        assert!(
            err.to_string()
                .starts_with("bad escape '\\q' at byte 3: expected one of")
        );
        assert_eq!(
            parse_list_repr("['\\é']"),
            Err(ReprError::BadEscape {
                offset: 2,
                found: 'é'
            })
        );
    }

    #[test]
    fn parse_rejects_named_escape_clearly() {
        let err = parse_list_repr("['\\N{BULLET}']").unwrap_err();
        assert_eq!(err, ReprError::NamedEscape { offset: 2 });
        assert!(err.to_string().contains("not supported"));
    }

    #[test]
    fn parse_rejects_short_or_invalid_hex_escapes() {
        assert_eq!(
            parse_list_repr("['\\x4']"),
            Err(ReprError::BadHexDigits {
                offset: 2,
                kind: 'x',
                digits: 2
            })
        );
        assert_eq!(
            parse_list_repr("['\\u12g4']").unwrap_err().to_string(),
            "bad escape at byte 2: expected 4 hex digits after '\\u'"
        );
        assert_eq!(
            parse_list_repr("['\\U0001F60']"),
            Err(ReprError::BadHexDigits {
                offset: 2,
                kind: 'U',
                digits: 8
            })
        );
        assert_eq!(
            parse_list_repr("['\\x"),
            Err(ReprError::BadHexDigits {
                offset: 2,
                kind: 'x',
                digits: 2
            })
        );
        assert!(parse_list_repr("['\\x+1']").is_err());
    }

    #[test]
    fn parse_rejects_surrogates_and_too_large_code_points() {
        assert_eq!(
            parse_list_repr("['\\ud800']"),
            Err(ReprError::SurrogateEscape {
                offset: 2,
                code: 0xD800
            })
        );
        assert_eq!(
            parse_list_repr("['ab\\U0000DFFF']"),
            Err(ReprError::SurrogateEscape {
                offset: 4,
                code: 0xDFFF
            })
        );
        assert_eq!(
            parse_list_repr("['\\U00110000']"),
            Err(ReprError::CodePointTooLarge {
                offset: 2,
                code: 0x110000
            })
        );
        assert_eq!(parse_list_repr("['\\Uffffffff']").unwrap_err().offset(), 2);
    }

    #[test]
    fn error_offsets_are_byte_offsets_not_char_indices() {
        // 'é' and '😀' take 2 and 4 bytes.
        let err = parse_list_repr("['é😀' x]").unwrap_err();
        assert_eq!(err.offset(), 10);
        assert_eq!(&"['é😀' x]"[err.offset()..], "x]");
    }

    #[test]
    fn million_short_ascii_items_serialise_quickly() {
        let items: Vec<String> = (0..1_000_000).map(|i| format!("item{i}")).collect();
        let started = std::time::Instant::now();
        let text = list_repr(&items);
        let elapsed = started.elapsed();
        assert!(text.starts_with("['item0', 'item1', "));
        assert!(text.ends_with(", 'item999999']"));
        assert_eq!(text.len(), text.capacity(), "capacity estimate is exact");
        // A few ms in release; a generous bound keeps debug builds and slow CI green.
        assert!(elapsed.as_secs() < 5, "took {elapsed:?}");
        assert_eq!(parse_list_repr(&text).map(|v| v.len()), Ok(1_000_000));
    }

    /// Characters that exercise every branch of the writer: quotes, backslash, the
    /// letter escapes, each hex escape width, and printable non-ASCII.
    fn tricky_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => any::<char>(),
            2 => prop::sample::select(vec![
                '\'', '"', '\\', '\n', '\r', '\t', '\0', '\x7f', '\u{a0}', '\u{ad}', 'é',
                '\u{200b}', '\u{2028}', '\u{feff}', '\u{ffff}', '😀', '\u{e0001}', '\u{10ffff}',
            ]),
            2 => prop::char::range(' ', '~'),
        ]
    }

    fn tricky_list() -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(
            prop::collection::vec(tricky_char(), 0..12).prop_map(String::from_iter),
            0..8,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn parse_of_write_is_identity(items in tricky_list()) {
            let text = list_repr(&items);
            prop_assert_eq!(parse_list_repr(&text), Ok(items));
        }

        #[test]
        fn parse_of_write_is_identity_for_any_strings(items in any::<Vec<String>>()) {
            let text = list_repr(&items);
            prop_assert_eq!(parse_list_repr(&text), Ok(items));
        }

        #[test]
        fn written_repr_escapes_every_nonprintable(items in tricky_list()) {
            let text = list_repr(&items);
            prop_assert!(text.chars().all(is_printable), "{:?}", text);
        }

        #[test]
        fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
            if let Err(e) = parse_list_repr(&text) {
                prop_assert!(e.offset() <= text.len());
            }
        }

        #[test]
        fn parse_never_panics_on_repr_like_text(
            text in "[\\[\\]'\" ,\\\\xuUN0-9a-fA-F{}\n\r\té😀\u{200b}]{0,40}"
        ) {
            if let Err(e) = parse_list_repr(&text) {
                prop_assert!(e.offset() <= text.len());
                prop_assert!(text.is_char_boundary(e.offset()));
            }
        }

        #[test]
        fn parse_never_panics_on_mangled_repr(items in tricky_list(), cut in any::<prop::sample::Index>(), junk in tricky_char()) {
            let mut text = list_repr(&items);
            let mut at = cut.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert(at, junk);
            let _ = parse_list_repr(&text);
            text.truncate(at);
            let _ = parse_list_repr(&text);
        }
    }
}
