//! A run's near-duplicate signatures (`near-NNNNNNNNNN.ncn`): the
//! documents the run kept that have paragraphs, as its near index held
//! them (shingle sets, band keys, which paragraphs were kept), each with
//! its path relative to the run's input; what a later run's near index
//! holds before its first document (`NearIndex::add_past`), so that
//! nightly runs find the near copies one run over all the nights finds.
//!
//! ```text
//! header  magic "NCNEAR\0\0" (8) · version u32 · reserved u32 · documents u64
//!         · settings u64 · xxh3-64 of the body u64                 = 40 bytes
//! body    per document: name length u32 · name (UTF-8) · the document as a
//!         staged run's near prints encode it (`near::Earlier`) · one byte a
//!         paragraph, 1 when it was held as kept
//! ```
//!
//! `settings` fingerprints the `[dedup.near]` settings the signatures
//! depend on (n-gram, permutations, bands, document bands): a run with
//! other settings cannot compare its signatures with these and does not
//! read them (it says so). The files of the live runs are read whole and
//! verified when a run opens the index; a run dropped or replaced by a
//! re-run takes its file with it. Written to its final name, fsync'd,
//! before the manifest that names it (with its exact length) is renamed
//! into place; a file no manifest names is removed by the next writer.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use super::IndexError;

const MAGIC: &[u8; 8] = b"NCNEAR\0\0";
const VERSION: u32 = 1;
const HEADER: usize = 40;

/// A run's near file, as the manifest names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearMeta {
    /// File name in the index folder.
    pub file: String,
    /// Documents listed.
    pub documents: u64,
    /// Exact length in bytes.
    pub bytes: u64,
    /// The settings fingerprint its signatures were made with (also in
    /// its header): a run with other settings does not read it.
    pub settings: u64,
}

/// A live earlier run's near file, read and verified.
#[derive(Debug)]
pub struct PastNear {
    /// The run's id.
    pub run: String,
    /// The file (for messages).
    pub path: PathBuf,
    /// The settings fingerprint it was written with.
    pub settings: u64,
    /// Its body.
    pub body: Vec<u8>,
    /// The file, still open, and where the body starts in it: a reader
    /// may read parts of the body again from it (the bytes checked).
    pub file: std::fs::File,
    /// Offset of the body in `file`.
    pub body_at: u64,
}

/// Whether `name` is a near file's name.
pub(super) fn is_near_name(name: &str) -> bool {
    name.strip_prefix("near-")
        .and_then(|n| n.strip_suffix(".ncn"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// The file name of near file number `n`.
pub(super) fn near_name(n: u64) -> String {
    format!("near-{n:010}.ncn")
}

/// Writes `body` (of `documents` documents, made with `settings`) to
/// `dir/name` and fsyncs it.
pub(super) fn write(
    dir: &Path,
    name: &str,
    settings: u64,
    documents: u64,
    body: &crate::near::Body,
) -> Result<NearMeta, IndexError> {
    let mut bytes = Vec::with_capacity(HEADER);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&VERSION.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&documents.to_le_bytes());
    bytes.extend_from_slice(&settings.to_le_bytes());
    let mut sum = xxhash_rust::xxh3::Xxh3::new();
    for p in body.parts() {
        sum.update(p);
    }
    bytes.extend_from_slice(&sum.digest().to_le_bytes());
    let parts: Vec<&[u8]> = std::iter::once(bytes.as_slice())
        .chain(body.parts())
        .collect();
    let written = super::write_data_file(dir, name, &parts)?;
    Ok(NearMeta {
        file: name.to_string(),
        documents,
        bytes: written,
        settings,
    })
}

/// Reads the file `meta` names in `dir` (of run `run`), every byte checked.
pub(super) fn read(dir: &Path, meta: &NearMeta, run: &str) -> Result<PastNear, IndexError> {
    let (path, mut bytes, file) =
        super::read_data_file_open(dir, &meta.file, MAGIC, (HEADER, VERSION), "near-duplicate")?;
    let corrupt = |why: String| IndexError::corrupt(&path, why);
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().expect("8 bytes"));
    if bytes.len() as u64 != meta.bytes || u64_at(16) != meta.documents {
        return Err(corrupt(format!(
            "truncated or damaged: {} bytes and {} documents, the manifest says {} bytes and {} documents",
            bytes.len(),
            u64_at(16),
            meta.bytes,
            meta.documents
        )));
    }
    let (settings, sum) = (u64_at(24), u64_at(32));
    if settings != meta.settings {
        return Err(corrupt(format!(
            "settings {settings:016x} in the header, {:016x} in the manifest",
            meta.settings
        )));
    }
    if xxh3_64(&bytes[HEADER..]) != sum {
        return Err(corrupt("checksum mismatch (truncated or damaged)".into()));
    }
    bytes.drain(..HEADER);
    Ok(PastNear {
        run: run.to_string(),
        path,
        settings,
        body: bytes,
        file,
        body_at: HEADER as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_written_file_reads_back_and_damage_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        // Two chunks: the file holds them one after the other, with the
        // checksum of the whole.
        let mut chunks = crate::near::Body::default();
        chunks.room(15).extend_from_slice(b"some body bytes");
        let big = crate::near::Body::CHUNK;
        chunks.room(big).extend((0..big).map(|i| i as u8));
        assert_eq!(chunks.parts().count(), 2);
        let body = chunks.to_vec();
        let meta = write(dir.path(), &near_name(7), 42, 3, &chunks).unwrap();
        assert_eq!((meta.documents, meta.bytes), (3, 40 + 15 + big as u64));
        assert!(is_near_name(&meta.file) && !is_near_name("rep-0000000007.ncr"));
        let file = fs::read(dir.path().join(&meta.file)).unwrap();
        assert_eq!(file[32..40], xxh3_64(&body).to_le_bytes());
        let back = read(dir.path(), &meta, "night-1").unwrap();
        assert_eq!(
            (back.settings, back.body, back.run),
            (42, body, "night-1".into())
        );
        // One byte changed: refused, naming the file.
        let path = dir.path().join(&meta.file);
        let mut bytes = fs::read(&path).unwrap();
        bytes[45] ^= 1;
        fs::write(&path, &bytes).unwrap();
        let e = read(dir.path(), &meta, "n").unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
        assert!(e.to_string().contains("near-0000000007.ncn"), "{e}");
        // Truncated: refused too.
        fs::write(&path, &bytes[..50]).unwrap();
        let e = read(dir.path(), &meta, "n").unwrap_err();
        assert!(e.to_string().contains("truncated"), "{e}");
    }
}
