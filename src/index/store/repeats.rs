//! A run's repeat counts (`rep-NNNNNNNNNN.ncr`): for each key that the
//! run's documents repeated (kept before in another document, this run or
//! an earlier one), in how many of its documents; what
//! [`SeenIndex::repeats`](crate::index::SeenIndex::repeats) sums over the
//! live runs for `[dedup] many_documents`.
//!
//! Only repeated keys are listed (a key's first document is its kept
//! copy's entry in a segment), so a file is small: on a night of xwlb a
//! few hundred keys. The files of the live runs are read whole at open
//! and summed into one table in memory.
//!
//! ```text
//! header  magic "NCREPS\0\0" (8) · version u32 · reserved u32 · records u64 · xxh3-64 of the records u64
//! record  key hash u64 · key check u32 · documents u32   = 16 bytes, sorted by key
//! ```
//!
//! A run dropped (`index drop`) or replaced by a re-run takes its counts
//! with it; a later run's repeats of a key whose kept copy went with a
//! dropped run still count (the key is new again, its count is not).
//!
//! Written to its final name, fsync'd, before the manifest that names it
//! (with its exact length and checksum) is renamed into place; a file no
//! manifest names is removed by the next writer, as a segment is.

use std::path::Path;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use super::IndexError;
use crate::index::{Key, Repeats};

const MAGIC: &[u8; 8] = b"NCREPS\0\0";
const VERSION: u32 = 1;
const HEADER: usize = 32;
const RECORD: usize = 16;

/// A run's repeat file, as the manifest names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatsMeta {
    /// File name in the index folder.
    pub file: String,
    /// Keys listed.
    pub keys: u64,
    /// Exact length in bytes.
    pub bytes: u64,
}

/// Whether `name` is a repeat file's name.
pub(super) fn is_repeats_name(name: &str) -> bool {
    name.strip_prefix("rep-")
        .and_then(|n| n.strip_suffix(".ncr"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The file name of repeat file number `n`.
pub(super) fn repeats_name(n: u64) -> String {
    format!("rep-{n:010}.ncr")
}

/// Writes `table` (sorted by key) to `dir/name` and fsyncs it.
pub(super) fn write(dir: &Path, name: &str, table: &Repeats) -> Result<RepeatsMeta, IndexError> {
    let mut recs: Vec<(Key, u32)> = table.iter().map(|(&k, &n)| (k, n)).collect();
    recs.sort_unstable();
    let mut body = Vec::with_capacity(recs.len() * RECORD);
    for (k, n) in &recs {
        body.extend_from_slice(&k.hash.to_le_bytes());
        body.extend_from_slice(&k.check.to_le_bytes());
        body.extend_from_slice(&n.to_le_bytes());
    }
    let mut bytes = Vec::with_capacity(HEADER + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&(recs.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&xxh3_64(&body).to_le_bytes());
    bytes.extend_from_slice(&body);
    let written = super::write_data_file(dir, name, &[&bytes])?;
    Ok(RepeatsMeta {
        file: name.to_string(),
        keys: recs.len() as u64,
        bytes: written,
    })
}

/// Reads the file `meta` names in `dir`, every byte checked, and adds its
/// counts to `into`.
pub(super) fn read_into(
    dir: &Path,
    meta: &RepeatsMeta,
    into: &mut Repeats,
) -> Result<(), IndexError> {
    let (path, bytes) =
        super::read_data_file(dir, &meta.file, MAGIC, (HEADER, VERSION), "repeat-count")?;
    let corrupt = |why: String| IndexError::corrupt(&path, why);
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().expect("8 bytes"));
    let records = u64_at(16);
    let want = (HEADER as u64).checked_add(records.saturating_mul(RECORD as u64));
    if want != Some(bytes.len() as u64) || bytes.len() as u64 != meta.bytes {
        return Err(corrupt(format!(
            "truncated or damaged: {} bytes, the header says {records} records and the manifest {} bytes",
            bytes.len(),
            meta.bytes
        )));
    }
    let body = &bytes[HEADER..];
    if xxh3_64(body) != u64_at(24) {
        return Err(corrupt("checksum mismatch (truncated or damaged)".into()));
    }
    for r in body.chunks_exact(RECORD) {
        let key = Key {
            hash: u64::from_le_bytes(r[..8].try_into().expect("8 bytes")),
            check: u32::from_le_bytes(r[8..12].try_into().expect("4 bytes")),
        };
        let n = u32::from_le_bytes(r[12..16].try_into().expect("4 bytes"));
        let slot = into.entry(key).or_insert(0);
        *slot = slot.saturating_add(n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_written_file_reads_back_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut t = Repeats::default();
        let k = |h| Key { hash: h, check: 7 };
        t.insert(k(9), 2);
        t.insert(k(3), 1);
        let meta = write(dir.path(), &repeats_name(4), &t).unwrap();
        assert_eq!((meta.keys, meta.bytes), (2, 64));
        assert!(is_repeats_name(&meta.file) && !is_repeats_name("seg-0000000004.ncx"));
        let mut back = Repeats::default();
        back.insert(k(9), 5);
        read_into(dir.path(), &meta, &mut back).unwrap();
        assert_eq!((back[&k(9)], back[&k(3)]), (7, 1));
        // One byte changed: refused, naming the file.
        let path = dir.path().join(&meta.file);
        let mut bytes = fs::read(&path).unwrap();
        bytes[40] ^= 1;
        fs::write(&path, &bytes).unwrap();
        let e = read_into(dir.path(), &meta, &mut Repeats::default()).unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
        assert!(e.to_string().contains("rep-0000000004.ncr"), "{e}");
        // Truncated: refused too.
        fs::write(&path, &bytes[..50]).unwrap();
        let e = read_into(dir.path(), &meta, &mut Repeats::default()).unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }
}
