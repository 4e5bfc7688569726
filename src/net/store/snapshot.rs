//! Snapshots: the whole list and the remembered request tags at one moment, written whole
//! and atomically (temporary file, fsync, rename, fsync of the directory), so a snapshot
//! file is either complete or absent.
//!
//! ```text
//! snapshot = "ZLISTSNP" header items... tag... end      (records, see record.rs)
//! ```

use std::fs::{self, File};
use std::io::Write as _;
use std::path::Path;

use crate::net::store::record::{self, EncodeError, Record, Stop, TagEntry};
use crate::net::store::{StoreError, sync_dir};

/// The first bytes of every snapshot file.
pub const MAGIC: &[u8; 8] = b"ZLISTSNP";

/// About how many bytes of elements go into one record: small enough that a damaged
/// record points close to the damage, large enough that the checksums cost nothing.
const RUN_BYTES: usize = 64 * 1024;

/// Serialises a snapshot of `items` and `tags` as generation `generation`.
pub fn encode(
    generation: u64,
    items: &[impl AsRef<str>],
    tags: &[TagEntry],
) -> Result<Vec<u8>, EncodeError> {
    let item_bytes: usize = items.iter().map(|item| item.as_ref().len() + 4).sum();
    let mut out = Vec::with_capacity(item_bytes + item_bytes / RUN_BYTES * 16 + 256);
    out.extend_from_slice(MAGIC);
    record::push_snapshot_header(&mut out, generation, items.len() as u64, tags.len() as u64);
    let mut start = 0;
    let mut run = 0;
    for (i, item) in items.iter().enumerate() {
        let item = item.as_ref();
        if i > start && run + item.len() + 4 > RUN_BYTES {
            record::push_snapshot_items(&mut out, &items[start..i])?;
            start = i;
            run = 0;
        }
        run += item.len() + 4;
    }
    if start < items.len() {
        record::push_snapshot_items(&mut out, &items[start..])?;
    }
    for tag in tags {
        record::push_snapshot_tag(&mut out, tag)?;
    }
    record::push_snapshot_end(&mut out);
    Ok(out)
}

/// What a snapshot holds.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The list's elements, in order.
    pub items: Vec<String>,
    /// The remembered request tags.
    pub tags: Vec<TagEntry>,
}

/// Reads and checks the snapshot at `path`, which must be generation `generation`.
pub fn read(path: &Path, generation: u64) -> Result<Loaded, StoreError> {
    let bytes = fs::read(path).map_err(StoreError::io("read the snapshot", path))?;
    decode(path, &bytes, generation)
}

fn decode(path: &Path, bytes: &[u8], generation: u64) -> Result<Loaded, StoreError> {
    let damaged =
        |offset: u64, problem: String| StoreError::damaged_snapshot(path, offset, problem);
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(damaged(
            0,
            "it is not a zlist snapshot (it does not start with ZLISTSNP)".to_owned(),
        ));
    }
    let mut loaded = Loaded::default();
    let mut expected: Option<(u64, u64)> = None;
    let mut ended = false;
    let mut newer = None;
    let stop = record::scan(&bytes[MAGIC.len()..], MAGIC.len() as u64, |_, payload| {
        let record = record::decode(payload)?;
        if ended {
            return Err("a record after the snapshot's end record".to_owned());
        }
        match (record, expected) {
            (
                Record::SnapshotHeader {
                    version,
                    generation: found,
                    items,
                    tags,
                },
                None,
            ) => {
                record::check_header(version, found, generation, &mut newer)?;
                // Reserve for what the header announces, within what the file can hold.
                let room = bytes.len() / 4;
                loaded
                    .items
                    .reserve(usize::try_from(items).unwrap_or(room).min(room));
                expected = Some((items, tags));
            }
            (_, None) => return Err("the snapshot does not start with its header".to_owned()),
            (Record::SnapshotItems(run), Some(_)) if loaded.tags.is_empty() => {
                loaded.items.extend(run.into_iter().map(str::to_owned));
            }
            (Record::SnapshotTag(tag), Some(_)) => loaded.tags.push(tag),
            (Record::SnapshotEnd, Some(_)) => ended = true,
            (other, Some(_)) => {
                return Err(format!("a record out of place in a snapshot: {other:?}"));
            }
        }
        Ok(())
    });
    StoreError::newer_format(path, newer)?;
    match stop {
        None => {}
        Some(Stop::Damaged { offset, problem }) => return Err(damaged(offset, problem)),
        // A snapshot is written whole before it gets its name: any cut is damage.
        Some(Stop::TornTail { offset, len }) => {
            return Err(damaged(
                offset,
                format!("the last {len} bytes are not a complete record"),
            ));
        }
    }
    let end = bytes.len() as u64;
    let Some((items, tags)) = expected else {
        return Err(damaged(end, "the snapshot has no header".to_owned()));
    };
    if !ended {
        return Err(damaged(
            end,
            format!(
                "the snapshot stops before its end record ({} of {items} elements read)",
                loaded.items.len()
            ),
        ));
    }
    if loaded.items.len() as u64 != items || loaded.tags.len() as u64 != tags {
        return Err(damaged(
            end,
            format!(
                "the header announces {items} elements and {tags} tags, but the snapshot \
                 holds {} and {}",
                loaded.items.len(),
                loaded.tags.len()
            ),
        ));
    }
    Ok(loaded)
}

/// Writes `bytes` as `path` atomically: to a temporary file first, synced, then renamed
/// into place, and the directory synced so the new name survives a power loss.
pub fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(super::TEMPORARY_SUFFIX);
    let temporary = Path::new(&temporary);
    let result = (|| {
        let mut file =
            File::create(temporary).map_err(StoreError::io("create the snapshot", temporary))?;
        file.write_all(bytes)
            .map_err(StoreError::io("write the snapshot", temporary))?;
        file.sync_all()
            .map_err(StoreError::io("sync the snapshot", temporary))?;
        drop(file);
        fs::rename(temporary, path).map_err(StoreError::io("rename the snapshot to", path))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        // Best effort: a leftover temporary file is removed at the next start anyway.
        let _ = fs::remove_file(temporary);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::list::Outcome;

    fn tag() -> TagEntry {
        TagEntry {
            client: "c".into(),
            seq: 4,
            outcome: Outcome::ok("Lista limpa."),
            unix_ms: 5,
        }
    }

    #[test]
    fn a_snapshot_reads_back_what_was_written() {
        let items: Vec<String> = (0..50_000).map(|i| format!("elemento {i} é")).collect();
        let bytes = encode(7, &items, &[tag()]).unwrap();
        let loaded = decode(Path::new("s"), &bytes, 7).unwrap();
        assert_eq!(loaded.items, items);
        assert_eq!(loaded.tags, [tag()]);
        let empty = encode(0, &[""; 0], &[]).unwrap();
        let loaded = decode(Path::new("s"), &empty, 0).unwrap();
        assert!(loaded.items.is_empty() && loaded.tags.is_empty());
    }

    #[test]
    fn a_cut_or_damaged_snapshot_is_refused_with_its_name_and_offset() {
        let items: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
        let bytes = encode(2, &items, &[tag()]).unwrap();
        let path = Path::new("/data/snapshot-2.zlist");
        for cut in [0, 5, 8, 30, bytes.len() / 2, bytes.len() - 1] {
            let error = decode(path, &bytes[..cut], 2).unwrap_err().to_string();
            assert!(
                error.contains("/data/snapshot-2.zlist is damaged at byte"),
                "{error}"
            );
        }
        let mut flipped = bytes.clone();
        flipped[bytes.len() / 3] ^= 1;
        let error = decode(path, &flipped, 2).unwrap_err().to_string();
        assert!(error.contains("checksum does not match"), "{error}");
        assert!(error.contains("restore"), "{error}");
    }

    #[test]
    fn a_snapshot_with_another_generation_is_refused() {
        let bytes = encode(3, &[""; 0], &[]).unwrap();
        let error = decode(Path::new("s"), &bytes, 4).unwrap_err().to_string();
        assert!(
            error.contains("generation 3, but its name says 4"),
            "{error}"
        );
    }

    #[test]
    fn a_snapshot_from_a_newer_format_asks_for_a_newer_zlist() {
        let mut bytes = MAGIC.to_vec();
        record::push_snapshot_header(&mut bytes, 0, 0, 0);
        // The version field follows the 8-byte frame header and the kind byte.
        let version_at = MAGIC.len() + record::HEADER_LEN + 1;
        let mut forged = MAGIC.to_vec();
        let mut payload = bytes[MAGIC.len() + record::HEADER_LEN..].to_vec();
        payload[version_at - MAGIC.len() - record::HEADER_LEN] = 9;
        let len = (payload.len() as u32).to_le_bytes();
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&len);
        hasher.update(&payload);
        forged.extend_from_slice(&len);
        forged.extend_from_slice(&hasher.finalize().to_le_bytes());
        forged.extend_from_slice(&payload);
        let error = decode(Path::new("s"), &forged, 0).unwrap_err();
        assert!(
            matches!(error, StoreError::NewerFormat { version: 9, .. }),
            "{error}"
        );
        assert!(error.to_string().contains("newer zlist"), "{error}");
    }
}
