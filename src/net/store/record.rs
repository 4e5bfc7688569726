//! The on-disk record shared by journals and snapshots: a length, a CRC-32 and a payload
//! whose first byte says what it holds; and the scan that tells an interrupted last write
//! (a torn tail) from damage.
//!
//! ```text
//! record  = len:u32le crc:u32le payload          (crc = CRC-32 of len's 4 bytes + payload)
//! payload = kind:u8 fields...
//! string  = len:u32le UTF-8 bytes                (client ids: len:u8)
//! ```

use crate::net::list::{Effect, Outcome};

/// Bytes before a record's payload: its length and checksum.
pub const HEADER_LEN: usize = 8;

/// The version of the record format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Set on a change's kind byte when the change carries a client's request tag.
const TAGGED: u8 = 0x80;

const APPEND: u8 = 0x01;
const INSERT: u8 = 0x02;
const REMOVE_AT: u8 = 0x03;
const SORT_ASCENDING: u8 = 0x04;
const SORT_DESCENDING: u8 = 0x05;
const CLEAR: u8 = 0x06;
const REPLACE: u8 = 0x07;
const MOVE: u8 = 0x08;
/// The highest change kind.
const LAST_CHANGE: u8 = MOVE;
const JOURNAL_HEADER: u8 = 0x40;
const SNAPSHOT_HEADER: u8 = 0x41;
const SNAPSHOT_ITEMS: u8 = 0x42;
const SNAPSHOT_TAG: u8 = 0x43;
const SNAPSHOT_END: u8 = 0x44;

/// A client's remembered tagged request: who, which request, its reply and when it was
/// answered. Journaled with the change it made, and kept in snapshots, so that a retry
/// reaching a restarted server is still recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagEntry {
    /// The client's id.
    pub client: String,
    /// The request's number in the client's sequence.
    pub seq: u64,
    /// The reply the request got.
    pub outcome: Outcome,
    /// When it was answered, in milliseconds since the Unix epoch.
    pub unix_ms: u64,
}

/// One decoded record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    /// First record of a journal.
    JournalHeader {
        /// Format version.
        version: u32,
        /// The journal's generation (the snapshot it follows).
        generation: u64,
    },
    /// A change to the list, with the tag of the request that made it, if any.
    Change {
        /// The change.
        effect: Effect,
        /// The request that made it, when it was tagged.
        tag: Option<TagEntry>,
    },
    /// First record of a snapshot.
    SnapshotHeader {
        /// Format version.
        version: u32,
        /// The snapshot's generation.
        generation: u64,
        /// How many elements follow.
        items: u64,
        /// How many remembered tags follow.
        tags: u64,
    },
    /// A run of consecutive elements of the list.
    SnapshotItems(Vec<&'a str>),
    /// One remembered tag.
    SnapshotTag(TagEntry),
    /// Last record of a complete snapshot.
    SnapshotEnd,
}

/// A record that cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A field longer than the format allows.
    #[error("a {what} of {len} bytes is larger than the journal format allows ({max} bytes)")]
    TooLong {
        /// Which field.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The most allowed.
        max: usize,
    },
}

/// Appends one framed record to `out`; `fill` writes the payload.
fn push_record(
    out: &mut Vec<u8>,
    fill: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_LEN]);
    if let Err(error) = fill(out) {
        out.truncate(start);
        return Err(error);
    }
    let payload_len = out.len() - start - HEADER_LEN;
    let Ok(len) = u32::try_from(payload_len) else {
        out.truncate(start);
        return Err(EncodeError::TooLong {
            what: "record",
            len: payload_len,
            max: u32::MAX as usize,
        });
    };
    let len = len.to_le_bytes();
    let crc = checksum(len, &out[start + HEADER_LEN..]);
    out[start..start + 4].copy_from_slice(&len);
    out[start + 4..start + HEADER_LEN].copy_from_slice(&crc.to_le_bytes());
    Ok(())
}

fn checksum(len: [u8; 4], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&len);
    hasher.update(payload);
    hasher.finalize()
}

fn put_u32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_u64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, text: &str) -> Result<(), EncodeError> {
    let len = u32::try_from(text.len()).map_err(|_| EncodeError::TooLong {
        what: "text",
        len: text.len(),
        max: u32::MAX as usize,
    })?;
    put_u32(out, len);
    out.extend_from_slice(text.as_bytes());
    Ok(())
}

fn put_tag(out: &mut Vec<u8>, tag: &TagEntry) -> Result<(), EncodeError> {
    let len = u8::try_from(tag.client.len()).map_err(|_| EncodeError::TooLong {
        what: "client id",
        len: tag.client.len(),
        max: u8::MAX as usize,
    })?;
    out.push(len);
    out.extend_from_slice(tag.client.as_bytes());
    put_u64(out, tag.seq);
    put_u64(out, tag.unix_ms);
    out.push(u8::from(tag.outcome.is_error));
    put_str(out, &tag.outcome.text)
}

/// Appends a journal's header record.
pub fn push_journal_header(out: &mut Vec<u8>, generation: u64) {
    // Fixed-size fields: this cannot fail.
    let _ = push_record(out, |out| {
        out.push(JOURNAL_HEADER);
        put_u32(out, FORMAT_VERSION);
        put_u64(out, generation);
        Ok(())
    });
}

/// Appends a change record: the effect, and the request tag that made it.
pub fn push_change(
    out: &mut Vec<u8>,
    effect: &Effect,
    tag: Option<&TagEntry>,
) -> Result<(), EncodeError> {
    push_record(out, |out| {
        let (kind, index, text) = match effect {
            Effect::Append(x) => (APPEND, None, Some(x)),
            Effect::Insert(index, x) => (INSERT, Some(*index), Some(x)),
            Effect::RemoveAt(index) => (REMOVE_AT, Some(*index), None),
            Effect::Replace(index, x) => (REPLACE, Some(*index), Some(x)),
            Effect::Move(from, to) => {
                out.push(if tag.is_some() { MOVE | TAGGED } else { MOVE });
                if let Some(tag) = tag {
                    put_tag(out, tag)?;
                }
                // usize is at most 64 bits on every supported platform.
                put_u64(out, *from as u64);
                put_u64(out, *to as u64);
                return Ok(());
            }
            Effect::SortAscending => (SORT_ASCENDING, None, None),
            Effect::SortDescending => (SORT_DESCENDING, None, None),
            Effect::Clear => (CLEAR, None, None),
        };
        out.push(if tag.is_some() { kind | TAGGED } else { kind });
        if let Some(tag) = tag {
            put_tag(out, tag)?;
        }
        if let Some(index) = index {
            // usize is at most 64 bits on every supported platform.
            put_u64(out, index as u64);
        }
        if let Some(text) = text {
            put_str(out, text)?;
        }
        Ok(())
    })
}

/// Appends a snapshot's header record.
pub fn push_snapshot_header(out: &mut Vec<u8>, generation: u64, items: u64, tags: u64) {
    // Fixed-size fields: this cannot fail.
    let _ = push_record(out, |out| {
        out.push(SNAPSHOT_HEADER);
        put_u32(out, FORMAT_VERSION);
        put_u64(out, generation);
        put_u64(out, items);
        put_u64(out, tags);
        Ok(())
    });
}

/// Appends a record holding `items`, consecutive elements of the list.
pub fn push_snapshot_items(
    out: &mut Vec<u8>,
    items: &[impl AsRef<str>],
) -> Result<(), EncodeError> {
    push_record(out, |out| {
        out.push(SNAPSHOT_ITEMS);
        let count = u32::try_from(items.len()).map_err(|_| EncodeError::TooLong {
            what: "run of elements",
            len: items.len(),
            max: u32::MAX as usize,
        })?;
        put_u32(out, count);
        items
            .iter()
            .try_for_each(|item| put_str(out, item.as_ref()))
    })
}

/// Appends a record holding one remembered tag.
pub fn push_snapshot_tag(out: &mut Vec<u8>, tag: &TagEntry) -> Result<(), EncodeError> {
    push_record(out, |out| {
        out.push(SNAPSHOT_TAG);
        put_tag(out, tag)
    })
}

/// Appends the record that closes a complete snapshot.
pub fn push_snapshot_end(out: &mut Vec<u8>) {
    // No fields: this cannot fail.
    let _ = push_record(out, |out| {
        out.push(SNAPSHOT_END);
        Ok(())
    });
}

/// Reads the fields of one payload.
struct Fields<'a> {
    bytes: &'a [u8],
}

impl<'a> Fields<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err(format!(
                "the record ends inside a field ({n} bytes expected, {} left)",
                self.bytes.len()
            ));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let mut bytes = [0; 8];
        bytes.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(bytes))
    }

    fn index(&mut self) -> Result<usize, String> {
        let index = self.u64()?;
        usize::try_from(index).map_err(|_| format!("position {index} does not fit this machine"))
    }

    fn text(&mut self, len: usize) -> Result<&'a str, String> {
        std::str::from_utf8(self.take(len)?).map_err(|_| "a text is not valid UTF-8".to_owned())
    }

    fn str(&mut self) -> Result<&'a str, String> {
        let len = self.u32()? as usize;
        self.text(len)
    }

    fn tag(&mut self) -> Result<TagEntry, String> {
        let len = usize::from(self.u8()?);
        let client = self.text(len)?.to_owned();
        let seq = self.u64()?;
        let unix_ms = self.u64()?;
        let is_error = match self.u8()? {
            0 => false,
            1 => true,
            other => return Err(format!("an error flag of {other} (0 or 1 expected)")),
        };
        let text = self.str()?.to_owned();
        Ok(TagEntry {
            client,
            seq,
            outcome: Outcome {
                text: text.into(),
                is_error,
            },
            unix_ms,
        })
    }

    fn finish<T>(self, value: T) -> Result<T, String> {
        if self.bytes.is_empty() {
            Ok(value)
        } else {
            Err(format!(
                "{} unexpected bytes after the record's fields",
                self.bytes.len()
            ))
        }
    }
}

/// Checks a file header's format version and generation against the file's name: a newer
/// format is noted in `newer` (the caller says "run a newer zlist"), and either mismatch is
/// the reason the file cannot be read.
pub fn check_header(
    version: u32,
    found: u64,
    generation: u64,
    newer: &mut Option<u32>,
) -> Result<(), String> {
    if version > FORMAT_VERSION {
        *newer = Some(version);
        return Err(format!("format version {version}"));
    }
    if found != generation {
        return Err(format!(
            "it says it is generation {found}, but its name says {generation}"
        ));
    }
    Ok(())
}

/// Decodes one payload (whose checksum already matched). The error says what is wrong.
pub fn decode(payload: &[u8]) -> Result<Record<'_>, String> {
    let mut fields = Fields { bytes: payload };
    let kind = fields.u8()?;
    let tag = if kind & TAGGED != 0 && kind & !TAGGED <= LAST_CHANGE {
        Some(fields.tag()?)
    } else {
        None
    };
    let record = match kind & !TAGGED {
        APPEND => Record::Change {
            effect: Effect::Append(fields.str()?.to_owned()),
            tag,
        },
        INSERT => {
            let index = fields.index()?;
            Record::Change {
                effect: Effect::Insert(index, fields.str()?.to_owned()),
                tag,
            }
        }
        REMOVE_AT => Record::Change {
            effect: Effect::RemoveAt(fields.index()?),
            tag,
        },
        REPLACE => {
            let index = fields.index()?;
            Record::Change {
                effect: Effect::Replace(index, fields.str()?.to_owned()),
                tag,
            }
        }
        MOVE => {
            let from = fields.index()?;
            Record::Change {
                effect: Effect::Move(from, fields.index()?),
                tag,
            }
        }
        SORT_ASCENDING => Record::Change {
            effect: Effect::SortAscending,
            tag,
        },
        SORT_DESCENDING => Record::Change {
            effect: Effect::SortDescending,
            tag,
        },
        CLEAR => Record::Change {
            effect: Effect::Clear,
            tag,
        },
        _ if kind & TAGGED != 0 => return Err(format!("unknown record kind 0x{kind:02x}")),
        JOURNAL_HEADER => Record::JournalHeader {
            version: fields.u32()?,
            generation: fields.u64()?,
        },
        SNAPSHOT_HEADER => Record::SnapshotHeader {
            version: fields.u32()?,
            generation: fields.u64()?,
            items: fields.u64()?,
            tags: fields.u64()?,
        },
        SNAPSHOT_ITEMS => {
            let count = fields.u32()? as usize;
            // Every element takes at least its 4 length bytes: a count beyond that is a lie,
            // and must not make us reserve memory for it.
            let mut items = Vec::with_capacity(count.min(fields.bytes.len() / 4));
            for _ in 0..count {
                items.push(fields.str()?);
            }
            Record::SnapshotItems(items)
        }
        SNAPSHOT_TAG => Record::SnapshotTag(fields.tag()?),
        SNAPSHOT_END => Record::SnapshotEnd,
        _ => return Err(format!("unknown record kind 0x{kind:02x}")),
    };
    fields.finish(record)
}

/// Where reading a file's records stopped early.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The bytes from `offset` to the end hold no complete, intact record: the last write
    /// was interrupted (a crash or power loss mid-write). Nothing in them was acknowledged.
    TornTail {
        /// Where the torn record starts.
        offset: u64,
        /// How many bytes it has.
        len: u64,
    },
    /// The record at `offset` is damaged, and intact records follow it: this is not an
    /// interrupted write, and dropping it would lose acknowledged data.
    Damaged {
        /// Where the damaged record starts.
        offset: u64,
        /// What is wrong with it.
        problem: String,
    },
}

/// Checks the record framed at `at`: its payload when the whole record is there and its
/// checksum matches; otherwise why not.
fn record_at(bytes: &[u8], at: usize) -> Result<(&[u8], usize), String> {
    let left = bytes.len() - at;
    if left < HEADER_LEN {
        return Err(format!(
            "the file ends {left} bytes into a record's {HEADER_LEN}-byte header"
        ));
    }
    let len_bytes = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
    let crc = u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]);
    let len = u32::from_le_bytes(len_bytes) as usize;
    if len == 0 {
        return Err("a record with an empty payload".to_owned());
    }
    if len > left - HEADER_LEN {
        return Err(format!(
            "a record of {len} bytes, but the file ends {} bytes into it",
            left - HEADER_LEN
        ));
    }
    let payload = &bytes[at + HEADER_LEN..at + HEADER_LEN + len];
    if checksum(len_bytes, payload) != crc {
        return Err("the checksum does not match the record's contents".to_owned());
    }
    Ok((payload, at + HEADER_LEN + len))
}

/// Reads the records in `bytes`, which start at file offset `base`, calling `visit` with
/// each intact record's file offset and payload, in order. Stops at the first record that
/// is not intact and says why: a torn tail when no intact record follows it, damage
/// otherwise. An error from `visit` stops the scan as damage at that record.
pub fn scan(
    bytes: &[u8],
    base: u64,
    mut visit: impl FnMut(u64, &[u8]) -> Result<(), String>,
) -> Option<Stop> {
    let mut at = 0;
    while at < bytes.len() {
        let offset = base + at as u64;
        match record_at(bytes, at) {
            Ok((payload, next)) => {
                if let Err(problem) = visit(offset, payload) {
                    return Some(Stop::Damaged { offset, problem });
                }
                at = next;
            }
            Err(problem) => {
                return Some(match next_intact_record(bytes, at + 1) {
                    Some(found) => Stop::Damaged {
                        offset,
                        problem: format!(
                            "{problem}, and an intact record follows at byte {}",
                            base + found as u64
                        ),
                    },
                    None => Stop::TornTail {
                        offset,
                        len: (bytes.len() - at) as u64,
                    },
                });
            }
        }
    }
    None
}

/// The first offset from `from` on where an intact record starts, if any.
fn next_intact_record(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len().saturating_sub(HEADER_LEN)).find(|&at| record_at(bytes, at).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(client: &str, seq: u64, text: &str) -> TagEntry {
        TagEntry {
            client: client.to_owned(),
            seq,
            outcome: Outcome::ok(text),
            unix_ms: 1_700_000_000_000,
        }
    }

    fn every_effect() -> Vec<Effect> {
        vec![
            Effect::Append("x".into()),
            Effect::Append(String::new()),
            Effect::Append("olá mundo 😀 \u{0} \n 'aspas' \"duplas\"".into()),
            Effect::Insert(0, "primeiro".into()),
            Effect::Insert(usize::MAX, "\u{10ffff}".into()),
            Effect::RemoveAt(7),
            Effect::Replace(3, "novo 'valor' 😀".into()),
            Effect::Move(9, 0),
            Effect::SortAscending,
            Effect::SortDescending,
            Effect::Clear,
        ]
    }

    fn payloads(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut found = Vec::new();
        let stop = scan(bytes, 0, |_, payload| {
            found.push(payload.to_vec());
            Ok(())
        });
        assert_eq!(stop, None);
        found
    }

    #[test]
    fn every_change_decodes_to_what_was_encoded_with_and_without_a_tag() {
        for effect in every_effect() {
            for tag in [
                None,
                Some(tag("c-1_x", u64::MAX, "Elemento 'x' adicionado.")),
            ] {
                let mut out = Vec::new();
                push_change(&mut out, &effect, tag.as_ref()).unwrap();
                let [payload] = payloads(&out).try_into().unwrap();
                assert_eq!(
                    decode(&payload),
                    Ok(Record::Change {
                        effect: effect.clone(),
                        tag: tag.clone()
                    })
                );
            }
        }
    }

    #[test]
    fn snapshot_records_decode_to_what_was_encoded() {
        let mut out = Vec::new();
        push_snapshot_header(&mut out, 3, 2, 1);
        push_snapshot_items(&mut out, &["a".into(), String::new(), "é 😀".into()]).unwrap();
        let mut error_tag = tag("z", 9, "Erro: x");
        error_tag.outcome.is_error = true;
        push_snapshot_tag(&mut out, &error_tag).unwrap();
        push_snapshot_end(&mut out);
        push_journal_header(&mut out, 4);
        let decoded: Vec<_> = payloads(&out)
            .iter()
            .map(|p| format!("{:?}", decode(p).unwrap()))
            .collect();
        assert_eq!(
            decoded,
            [
                format!(
                    "{:?}",
                    Record::SnapshotHeader {
                        version: FORMAT_VERSION,
                        generation: 3,
                        items: 2,
                        tags: 1
                    }
                ),
                format!("{:?}", Record::SnapshotItems(vec!["a", "", "é 😀"])),
                format!("{:?}", Record::SnapshotTag(error_tag)),
                format!("{:?}", Record::SnapshotEnd),
                format!(
                    "{:?}",
                    Record::JournalHeader {
                        version: FORMAT_VERSION,
                        generation: 4
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_client_id_too_long_for_the_format_is_refused_and_writes_nothing() {
        let mut out = vec![1, 2, 3];
        let error = push_change(
            &mut out,
            &Effect::Clear,
            Some(&tag(&"a".repeat(300), 1, "x")),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("client id of 300 bytes"),
            "{error}"
        );
        assert_eq!(out, [1, 2, 3]);
    }

    #[test]
    fn payloads_with_bad_fields_are_refused_with_what_is_wrong() {
        let cases: &[(&[u8], &str)] = &[
            (&[0x99], "unknown record kind 0x99"),
            (&[0x80 | 0x40], "unknown record kind 0xc0"),
            (&[APPEND, 5, 0, 0, 0, b'a'], "ends inside a field"),
            (&[APPEND, 1, 0, 0, 0, 0xff], "not valid UTF-8"),
            (&[CLEAR, 0], "unexpected bytes"),
            (
                &[SNAPSHOT_ITEMS, 0xff, 0xff, 0xff, 0xff],
                "ends inside a field",
            ),
        ];
        for (payload, expected) in cases {
            let error = decode(payload).unwrap_err();
            assert!(error.contains(expected), "{payload:?}: {error}");
        }
    }

    fn three_records() -> (Vec<u8>, Vec<usize>) {
        let mut out = Vec::new();
        let mut starts = Vec::new();
        for x in ["uno", "dos", "tres"] {
            starts.push(out.len());
            push_change(&mut out, &Effect::Append(x.into()), None).unwrap();
        }
        (out, starts)
    }

    #[test]
    fn a_last_record_cut_anywhere_is_a_torn_tail() {
        let (bytes, starts) = three_records();
        for cut in starts[2] + 1..bytes.len() {
            let mut seen = 0;
            let stop = scan(&bytes[..cut], 100, |_, _| {
                seen += 1;
                Ok(())
            });
            assert_eq!(
                stop,
                Some(Stop::TornTail {
                    offset: 100 + starts[2] as u64,
                    len: (cut - starts[2]) as u64
                }),
                "cut at {cut}"
            );
            assert_eq!(seen, 2);
        }
    }

    #[test]
    fn zeros_or_garbage_after_the_last_record_are_a_torn_tail() {
        let (mut bytes, _) = three_records();
        let end = bytes.len() as u64;
        bytes.extend_from_slice(&[0; 4096]);
        assert_eq!(
            scan(&bytes, 0, |_, _| Ok(())),
            Some(Stop::TornTail {
                offset: end,
                len: 4096
            })
        );
        let (mut bytes, starts) = three_records();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x55;
        assert!(matches!(
            scan(&bytes, 0, |_, _| Ok(())),
            Some(Stop::TornTail { offset, .. }) if offset == starts[2] as u64
        ));
    }

    #[test]
    fn a_damaged_record_followed_by_intact_ones_is_damage_at_its_offset() {
        let (bytes, starts) = three_records();
        // Every single-byte change of the first two records, length bytes included.
        for at in 0..starts[2] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            let record = if at < starts[1] { starts[0] } else { starts[1] };
            match scan(&damaged, 16, |_, _| Ok(())) {
                Some(Stop::Damaged { offset, problem }) => {
                    assert_eq!(offset, 16 + record as u64, "byte {at}");
                    assert!(problem.contains("an intact record follows"), "{problem}");
                }
                other => panic!("byte {at}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_visit_error_is_damage_at_that_record() {
        let (bytes, starts) = three_records();
        let stop = scan(&bytes, 0, |offset, _| {
            if offset == starts[1] as u64 {
                Err("no".to_owned())
            } else {
                Ok(())
            }
        });
        assert_eq!(
            stop,
            Some(Stop::Damaged {
                offset: starts[1] as u64,
                problem: "no".into()
            })
        );
    }
}
