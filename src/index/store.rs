//! The on-disk index (`--index DIR`): every block and document key kept by
//! earlier runs, with where its kept copy is, behind [`SeenIndex`].
//!
//! # Folder
//!
//! ```text
//! DIR/MANIFEST        the commit point: which runs and segment files make
//!                     up the index (below)
//! DIR/LOCK            the writer lock (`flock`); holds the text "run ID
//!                     (pid N)" of the last writer, for the busy message
//! DIR/seg-NNNNNNNNNN.ncx
//!                     immutable sorted segment files (layout in
//!                     `segment.rs`): 20 bytes an entry (u64 hash, u32
//!                     check, u32 document, u32 line) plus a fence key and
//!                     a checksum per 256 entries, a table of the
//!                     documents (run seq, path) and a key filter (a
//!                     Bloom filter of 10 bits a key; format version 2,
//!                     version-1 files without it are still read)
//! DIR/rep-NNNNNNNNNN.ncr
//!                     a run's repeat counts (`repeats.rs`): the keys its
//!                     documents repeated and in how many, for `[dedup]
//!                     many_documents`; named by its run in the manifest,
//!                     read whole at open
//! DIR/near-NNNNNNNNNN.ncn
//!                     a run's near-duplicate signatures (`near.rs`): the
//!                     documents it kept, as its near index held them;
//!                     named by its run in the manifest, read whole and
//!                     checked when a run's near index is made (and its
//!                     shingle sets read again, by offset, from the open
//!                     file when candidates); only the latest
//!                     `[dedup.near] index_runs` runs keep theirs (a
//!                     commit unnames the older ones)
//! DIR/MANIFEST.tmp    only between writing and renaming a manifest
//! ```
//!
//! The `MANIFEST` is one header line, `newsclean-index VERSION SUM`, where
//! `SUM` is the xxh3-64 (16 hex digits) of the rest, then JSON: the next
//! run seq and file number, the runs (seq, id, date, inputs, files,
//! blocks added, keys) and the segment files (name, exact length, entry
//! count, tables checksum, run seqs). A run's entries carry its *seq*, a
//! number never reused; an entry counts only while the manifest lists its
//! seq, so dropping a run or replacing it by a re-run of the same id is a
//! manifest change, and the dead entries go at the next merge of their
//! segment (`index drop` rewrites the affected segments at once).
//!
//! # Commit protocol
//!
//! A run's inserts stay in memory. [`DiskIndex::commit`] then (1) writes
//! the run's keys, sorted, as a new segment under a fresh file number
//! (and its repeat counts as a repeat file) and fsyncs them and the
//! folder; (2) writes `MANIFEST.tmp`, fsyncs it, renames it over
//! `MANIFEST` and fsyncs the folder: the run is
//! committed. Then, as upkeep, (3) it merges segments where the size
//! tiers call for it (four segments of one tier, a tier being a power of
//! four in entries, become one; entries of dropped or replaced runs are
//! left out), writing and fsyncing new files the same way, and commits
//! that by (2) again; (4) it unlinks the segment files the manifest no
//! longer names.
//!
//! Why it is crash-safe: nothing that the current `MANIFEST` names is
//! ever modified or removed before a rename in (2) replaces it, and the
//! rename is atomic. Killed before it, the old manifest still describes
//! the old index exactly (the new files are unnamed by it and are removed
//! by the next writer); killed after it, the new one is complete, because
//! every file it names and its own bytes were fsync'd before the rename,
//! and the folder was fsync'd after it, so a power loss too leaves the old
//! index or the new one. A new index gets an empty `MANIFEST` before any
//! segment is written, so a folder with segment files and no `MANIFEST` is
//! damage, never taken for an empty index.
//!
//! # Reading
//!
//! Segments are read with positioned reads (`pread`), never mapped: a
//! lookup reads what it needs into a buffer of its own, so the process's
//! memory does not grow with the index (the file's pages stay in the
//! kernel's page cache, not in the process). At open each segment's
//! header and tables are read and checked, and the fence, the block
//! checksums (16 bytes per 256 keys), the document table and its paths
//! (12 bytes a document and its path) and the key filter (a Bloom filter
//! of 10 bits a key) are kept in memory; only the entries stay in the
//! file. A lookup asks
//! each segment's filter first and searches only the segments it passes:
//! the one that holds the key, and about 1% of the others, so a miss
//! reads no entries at all. In a segment it picks the block from the
//! fence (near where the key's hash says it lies: hashes are uniform) and
//! reads that block of entries with one `pread`: whole (5 KiB) the
//! first time, to verify it, then only the 48 entries around the key's
//! place (960 bytes; the whole block if the key is not among them). A
//! segment holding no live run for this open (only dropped runs, or this
//! run id's earlier attempt that a re-run replaces) is not searched at
//! all. The answers of the segments are remembered for the last few
//! thousand keys (a slot per key hash, `MEMO_SLOTS`): resolve asks
//! about most keys more than once, a few hundred lookups apart.
//! Version-1 segments (no filter) are searched on every lookup. Every
//! byte is checked before use: at open the header, the exact length, the
//! version and the checksum of the tables; each block of entries on the
//! first lookup that reads it. A
//! damaged block found by a lookup cannot be reported through
//! [`SeenIndex::lookup`]; it is remembered, [`DiskIndex::health`] returns
//! it and [`DiskIndex::commit`] refuses to commit.
//!
//! A lookup answers the kept copy of the oldest committed run that holds
//! the key, never one of a run with the opening run's id (so a re-run
//! does not see its own earlier attempt), and then this run's inserts.
//!
//! # Use from a run
//!
//! ```text
//! let mut ix = DiskIndex::open(dir, run_id, wait)?;      // --check: open_read_only
//! …resolve: ix.lookup(key), and ix.insert(key, here) on a miss…
//! ix.health()?;                                         // before writing outputs
//! ix.commit(RunRecord { date, inputs, docs, blocks_added, near, near_keep })?;
//! ```
//!
//! The run's near index is made first from [`DiskIndex::past_near`] (the
//! live earlier runs' near files) and its export is the record's `near`.
//!
//! `docs[i]` is the path of document `i` ([`Here::doc`]) relative to its
//! input, as `duplicate_of` of a later run will name it. Dropping the
//! index without `commit` (an error, a kill) leaves the index unchanged.
//!
//! # Errors and exit codes
//!
//! [`IndexError::exit_code`]: 75 the index is in use by another writer
//! (cron's "try again later"); 78 a file written by a newer format, or a
//! damaged or truncated file (the message names the file and what is
//! wrong; nothing is read from it); 73 the folder cannot be created or
//! written; 66 no index in that folder (`index stats`, `verify`, `drop`);
//! 64 `index drop` of a run the index does not have.

mod near;
mod repeats;
mod segment;

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::hash::BuildHasherDefault;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use super::{count_repeats, Here, Key, KeyHasher, Origin, Repeats, SeenIndex};
pub use near::{NearMeta, PastNear};
use repeats::is_repeats_name;
pub use repeats::RepeatsMeta;
use segment::{Entry, SegMeta, Segment, SegmentWriter};

/// The index format this build writes; it reads this one and refuses
/// newer ones.
pub const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "MANIFEST";
const MANIFEST_TMP: &str = "MANIFEST.tmp";
const LOCK: &str = "LOCK";
const MAGIC_LINE: &str = "newsclean-index";
/// Slots of [`DiskIndex`]'s memo of segment answers (a power of two).
/// Measured on a night of xwlb (1.16 M segment lookups of 518 k keys):
/// 54% of the lookups ask a key asked within the last 256, 55% within
/// the last 65 536.
const MEMO_SLOTS: usize = 4096;
/// Segments of one size tier merged together.
const MERGE_FAN: usize = 4;

/// Why the index cannot be opened, read or committed.
#[derive(Debug)]
pub enum IndexError {
    /// Another writer holds the index.
    Busy {
        /// The index folder.
        index: PathBuf,
        /// Who holds it, as it wrote in `LOCK` ("run ID (pid N)").
        holder: String,
    },
    /// A file written by a newer index format.
    NewerFormat {
        /// The file.
        file: PathBuf,
        /// Its format version.
        found: u32,
        /// The newest this build reads.
        supported: u32,
    },
    /// A damaged or truncated file.
    Corrupt {
        /// The file.
        file: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A filesystem error.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// No index in this folder.
    Missing {
        /// The folder.
        index: PathBuf,
    },
    /// `index drop` of a run the index does not have.
    UnknownRun {
        /// The index folder.
        index: PathBuf,
        /// The run id asked for.
        run: String,
    },
    /// The caller's [`RunRecord`] does not fit the inserts (a bug).
    BadRecord(String),
}

impl IndexError {
    pub(crate) fn corrupt(file: &Path, reason: String) -> IndexError {
        IndexError::Corrupt {
            file: file.to_path_buf(),
            reason,
        }
    }

    pub(crate) fn io(path: &Path, source: io::Error) -> IndexError {
        IndexError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// The process exit code for this error (see the module doc).
    pub fn exit_code(&self) -> u8 {
        match self {
            IndexError::Busy { .. } => 75,
            IndexError::NewerFormat { .. } | IndexError::Corrupt { .. } => 78,
            IndexError::Io { .. } => 73,
            IndexError::Missing { .. } => 66,
            IndexError::UnknownRun { .. } => 64,
            IndexError::BadRecord(_) => 70,
        }
    }
}

impl fmt::Display for IndexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndexError::Busy { index, holder } => write!(
                f,
                "index {} is in use by {holder}; try again later (or wait for it with --wait)",
                index.display()
            ),
            IndexError::NewerFormat {
                file,
                found,
                supported,
            } => write!(
                f,
                "{}: written by a newer newsclean (index format {found}, this one reads up to {supported}); not read",
                file.display()
            ),
            IndexError::Corrupt { file, reason } => {
                write!(f, "{}: damaged index file: {reason}", file.display())
            }
            IndexError::Io { path, source } => write!(f, "{}: {source}", path.display()),
            IndexError::Missing { index } => {
                write!(f, "{}: no newsclean index here (no MANIFEST)", index.display())
            }
            IndexError::UnknownRun { index, run } => {
                write!(f, "index {} has no run {run:?}", index.display())
            }
            IndexError::BadRecord(why) => write!(f, "index commit: {why}"),
        }
    }
}

impl std::error::Error for IndexError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IndexError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// One committed run, as the manifest records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Internal number of this commit (never reused).
    pub seq: u32,
    /// The run id (`--run-id`).
    pub id: String,
    /// When it ran (as the caller gave it, RFC 3339).
    pub date: String,
    /// Its inputs, as given.
    pub inputs: Vec<String>,
    /// Number of documents it read.
    pub files: u64,
    /// Block keys it added (the rest of `keys` are document keys).
    pub blocks_added: u64,
    /// Keys it added.
    pub keys: u64,
    /// Its repeat counts (`[dedup] many_documents`): the keys its
    /// documents repeated and in how many; none when it repeated nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeats: Option<RepeatsMeta>,
    /// Its near-duplicate signatures: the documents it kept; none when
    /// the near rules were off or it kept no document with paragraphs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<NearMeta>,
}

/// What a run tells [`DiskIndex::commit`] about itself.
#[derive(Clone, Debug, Default)]
pub struct RunRecord {
    /// When it ran (RFC 3339).
    pub date: String,
    /// Its inputs, as given.
    pub inputs: Vec<String>,
    /// Each document's path relative to its input, indexed by
    /// [`Here::doc`]; its length is the run's file count.
    pub docs: Vec<String>,
    /// How many of the inserted keys are block keys.
    pub blocks_added: u64,
    /// Its near-duplicate signatures (`NearIndex::export`): the settings
    /// fingerprint, the number of documents and the body; none to write
    /// no near file.
    pub near: Option<(u64, u64, crate::near::Body)>,
    /// Keep the near files of only the latest this many runs, this one
    /// included (`[dedup.near] index_runs`: the runs a later run reads);
    /// the older runs' go (their keys stay). `None`: keep all.
    pub near_keep: Option<usize>,
}

/// What a commit did.
#[derive(Clone, Debug, PartialEq)]
pub struct CommitReport {
    /// Keys this run added.
    pub keys: u64,
    /// Segment files the index has now.
    pub segments: usize,
    /// Segment files merged after the commit.
    pub merged: usize,
    /// Seconds to the commit point (the run's keys durable).
    pub commit_secs: f64,
    /// Seconds of merging after it.
    pub merge_secs: f64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Manifest {
    next_seq: u32,
    next_file: u64,
    runs: Vec<RunInfo>,
    segments: Vec<SegMeta>,
}

fn read_manifest(dir: &Path) -> Result<Option<Manifest>, IndexError> {
    let path = dir.join(MANIFEST);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(IndexError::io(&path, e)),
    };
    let corrupt = |why: &str| IndexError::corrupt(&path, why.to_string());
    let nl = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| corrupt("truncated: no header line"))?;
    let head = std::str::from_utf8(&bytes[..nl]).map_err(|_| corrupt("header is not text"))?;
    let mut words = head.split(' ');
    if words.next() != Some(MAGIC_LINE) {
        return Err(corrupt("not a newsclean index manifest"));
    }
    let version: u32 = words
        .next()
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| corrupt("no format version in the header"))?;
    if version > FORMAT_VERSION {
        return Err(IndexError::NewerFormat {
            file: path,
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if version != FORMAT_VERSION {
        return Err(corrupt(&format!("unknown format version {version}")));
    }
    let sum = words
        .next()
        .and_then(|s| u64::from_str_radix(s, 16).ok())
        .ok_or_else(|| corrupt("no checksum in the header"))?;
    let body = &bytes[nl + 1..];
    if xxh3_64(body) != sum {
        return Err(corrupt("checksum mismatch (truncated or damaged)"));
    }
    let m: Manifest =
        serde_json::from_slice(body).map_err(|e| corrupt(&format!("unreadable: {e}")))?;
    let mut seqs = HashSet::new();
    for r in &m.runs {
        if r.seq >= m.next_seq || !seqs.insert(r.seq) {
            return Err(corrupt(&format!("run {:?} has a bad seq {}", r.id, r.seq)));
        }
    }
    for s in &m.segments {
        if !is_segment_name(&s.file) {
            return Err(corrupt(&format!("bad segment file name {:?}", s.file)));
        }
    }
    for r in &m.runs {
        if let Some(f) = r.repeats.as_ref().filter(|f| !is_repeats_name(&f.file)) {
            return Err(corrupt(&format!("bad repeat file name {:?}", f.file)));
        }
        if let Some(f) = r.near.as_ref().filter(|f| !near::is_near_name(&f.file)) {
            return Err(corrupt(&format!(
                "bad near-duplicate file name {:?}",
                f.file
            )));
        }
    }
    Ok(Some(m))
}

/// Reads the data file `dir/file` whole (a repeat or near file): at
/// least `header` bytes, starting with `magic` and a format version (u32
/// at byte 8) this build reads, else an error naming it (`what` says
/// which kind of file it should be). Returns its path and bytes.
fn read_data_file(
    dir: &Path,
    file: &str,
    magic: &[u8; 8],
    header: (usize, u32),
    what: &str,
) -> Result<(PathBuf, Vec<u8>), IndexError> {
    read_data_file_open(dir, file, magic, header, what).map(|(p, b, _)| (p, b))
}

/// [`read_data_file`], also giving the file it read, still open (a reader
/// that reads parts again later reads the bytes it checked: a file of the
/// store is replaced by renaming a new one over it, never rewritten).
fn read_data_file_open(
    dir: &Path,
    file: &str,
    magic: &[u8; 8],
    (header, version): (usize, u32),
    what: &str,
) -> Result<(PathBuf, Vec<u8>, File), IndexError> {
    let path = dir.join(file);
    let mut f = File::open(&path).map_err(|e| IndexError::io(&path, e))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)
        .map_err(|e| IndexError::io(&path, e))?;
    if bytes.len() < header || &bytes[..8] != magic {
        return Err(IndexError::corrupt(
            &path,
            format!("not a newsclean {what} file"),
        ));
    }
    let found = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if found > version {
        return Err(IndexError::NewerFormat {
            file: path,
            found,
            supported: version,
        });
    }
    Ok((path, bytes, f))
}

/// Writes `parts` one after the other to `dir/name` and fsyncs it; its
/// length.
fn write_data_file(dir: &Path, name: &str, parts: &[&[u8]]) -> Result<u64, IndexError> {
    let path = dir.join(name);
    let mut f = File::create(&path).map_err(|e| IndexError::io(&path, e))?;
    for p in parts {
        f.write_all(p).map_err(|e| IndexError::io(&path, e))?;
    }
    f.sync_all().map_err(|e| IndexError::io(&path, e))?;
    Ok(parts.iter().map(|p| p.len() as u64).sum())
}

fn is_segment_name(name: &str) -> bool {
    name.strip_prefix("seg-")
        .and_then(|n| n.strip_suffix(".ncx"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn sync_dir(dir: &Path) -> Result<(), IndexError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| IndexError::io(dir, e))
}

/// Writes `MANIFEST.tmp`, fsyncs it, renames it over `MANIFEST`, fsyncs
/// the folder: the commit point.
fn write_manifest(dir: &Path, m: &Manifest) -> Result<(), IndexError> {
    let body = serde_json::to_vec_pretty(m).map_err(|e| IndexError::BadRecord(e.to_string()))?;
    let mut bytes = format!("{MAGIC_LINE} {FORMAT_VERSION} {:016x}\n", xxh3_64(&body)).into_bytes();
    bytes.extend_from_slice(&body);
    let tmp = dir.join(MANIFEST_TMP);
    let mut f = File::create(&tmp).map_err(|e| IndexError::io(&tmp, e))?;
    f.write_all(&bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| IndexError::io(&tmp, e))?;
    drop(f);
    let path = dir.join(MANIFEST);
    fs::rename(&tmp, &path).map_err(|e| IndexError::io(&path, e))?;
    sync_dir(dir)
}

type KeyMap<V> = HashMap<Key, V, BuildHasherDefault<KeyHasher>>;

/// A key and the earlier runs' answer for it.
type Answer = (Key, Option<Origin>);

/// The on-disk index of one run: earlier runs' keys from the segment
/// files, this run's inserts in memory until [`commit`](Self::commit).
pub struct DiskIndex {
    dir: PathBuf,
    run_id: String,
    /// The writer lock; `None` when opened read-only.
    lock: Option<File>,
    manifest: Manifest,
    segments: Vec<Segment>,
    /// Live run seqs (other than this run id's) → index into `manifest.runs`.
    live: HashMap<u32, usize>,
    /// Whether `segments[i]` holds a document of a live run: a segment
    /// that holds only dropped runs or this run id's earlier attempt (a
    /// re-run's own last try) is never searched, its entries could not
    /// answer.
    searched: Vec<bool>,
    mine: KeyMap<Here>,
    /// The live earlier runs' repeat counts, summed (read at open).
    earlier_repeats: Repeats,
    /// This run's repeat counts, committed with its keys.
    my_repeats: Repeats,
    /// The segments' last answers, one slot per [`MEMO_SLOTS`] (picked by
    /// the key's hash): resolve asks about most keys twice or more (a
    /// lookup for the decision, an insert once the paragraph stays, and a
    /// line's key may be a paragraph's), within a few hundred lookups.
    memo: Mutex<Vec<Option<Answer>>>,
    /// The first damage a lookup met (file, reason).
    failure: Mutex<Option<(PathBuf, String)>>,
}

// Resolve may hold the index across threads.
const _: fn() = || {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<DiskIndex>();
};

impl fmt::Debug for DiskIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiskIndex")
            .field("dir", &self.dir)
            .field("run_id", &self.run_id)
            .field("writer", &self.lock.is_some())
            .field("runs", &self.manifest.runs.len())
            .field("segments", &self.segments.len())
            .field("inserted", &self.mine.len())
            .finish()
    }
}

/// Tries of the writer lock, 10 ms apart, before another writer is
/// reported as holding it.
const BUSY_RETRIES: u32 = 20;

/// Takes the writer lock of `dir` (created if missing) for `holder`.
fn lock_dir(dir: &Path, holder: &str, wait: bool) -> Result<File, IndexError> {
    if !dir.exists() {
        fs::create_dir_all(dir).map_err(|e| IndexError::io(dir, e))?;
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    let path = dir.join(LOCK);
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| IndexError::io(&path, e))?;
    // A lock the holder has just released can still be held for a moment
    // by a child process forked from another thread of the holder before
    // it runs its program (the lock belongs to the open file, which the
    // child shares until exec): a few short retries before "busy".
    let mut got = f.try_lock();
    let mut tries = 0;
    while !wait && tries < BUSY_RETRIES && matches!(got, Err(fs::TryLockError::WouldBlock)) {
        std::thread::sleep(std::time::Duration::from_millis(10));
        got = f.try_lock();
        tries += 1;
    }
    match got {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) if wait => {
            f.lock().map_err(|e| IndexError::io(&path, e))?;
        }
        Err(fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            let _ = f.read_to_string(&mut text);
            let holder = text.trim();
            return Err(IndexError::Busy {
                index: dir.to_path_buf(),
                holder: if holder.is_empty() {
                    "another process".into()
                } else {
                    holder.to_string()
                },
            });
        }
        Err(fs::TryLockError::Error(e)) => return Err(IndexError::io(&path, e)),
    }
    let text = format!("{holder} (pid {})\n", std::process::id());
    f.set_len(0)
        .and_then(|_| f.seek(SeekFrom::Start(0)))
        .and_then(|_| f.write_all(text.as_bytes()))
        .map_err(|e| IndexError::io(&path, e))?;
    Ok(f)
}

/// The manifest of `dir`, or an empty one for a folder that is not yet an
/// index (missing, empty, or only a `LOCK`/`MANIFEST.tmp` of a first run
/// killed before its first manifest). A folder with other files and no
/// manifest is refused.
fn manifest_or_new(dir: &Path) -> Result<(Manifest, bool), IndexError> {
    if let Some(m) = read_manifest(dir)? {
        return Ok((m, false));
    }
    let entries = match fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Manifest::default(), true)),
        Err(e) => return Err(IndexError::io(dir, e)),
    };
    for e in entries {
        let e = e.map_err(|e| IndexError::io(dir, e))?;
        let name = e.file_name();
        if name != LOCK && name != MANIFEST_TMP {
            return Err(IndexError::corrupt(
                &dir.join(MANIFEST),
                format!(
                    "missing, and the folder holds other files ({name:?}): not an index, or a damaged one"
                ),
            ));
        }
    }
    Ok((Manifest::default(), true))
}

/// The files `m` names: its segments and its runs' repeat and near files.
fn named_files(m: &Manifest) -> HashSet<&str> {
    m.segments
        .iter()
        .map(|s| s.file.as_str())
        .chain(
            m.runs
                .iter()
                .filter_map(|r| Some(r.repeats.as_ref()?.file.as_str())),
        )
        .chain(
            m.runs
                .iter()
                .filter_map(|r| Some(r.near.as_ref()?.file.as_str())),
        )
        .collect()
}

/// Whether `name` is an index data file (a segment, a repeat or a near file).
fn is_data_name(name: &str) -> bool {
    is_segment_name(name) || is_repeats_name(name) || near::is_near_name(name)
}

/// Removes segment, repeat and near files the manifest does not name, and a
/// stale `MANIFEST.tmp` (only with the writer lock held).
fn remove_unnamed(dir: &Path, m: &Manifest) -> Result<(), IndexError> {
    let named = named_files(m);
    for e in fs::read_dir(dir).map_err(|e| IndexError::io(dir, e))? {
        let e = e.map_err(|e| IndexError::io(dir, e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if (is_data_name(&name) && !named.contains(name.as_str())) || name == MANIFEST_TMP {
            let p = dir.join(&name);
            fs::remove_file(&p).map_err(|e| IndexError::io(&p, e))?;
        }
    }
    Ok(())
}

fn open_segments(dir: &Path, m: &Manifest) -> Result<Vec<Segment>, IndexError> {
    m.segments.iter().map(|s| Segment::open(dir, s)).collect()
}

/// The repeat counts of `m`'s runs other than `run_id` (whose earlier
/// attempt a re-run replaces), summed.
fn load_repeats(dir: &Path, m: &Manifest, run_id: &str) -> Result<Repeats, IndexError> {
    let mut t = Repeats::default();
    for r in m.runs.iter().filter(|r| r.id != run_id) {
        if let Some(f) = &r.repeats {
            repeats::read_into(dir, f, &mut t)?;
        }
    }
    Ok(t)
}

impl DiskIndex {
    /// Opens (creating it on first use) the index in `dir` for run
    /// `run_id`, as its one writer. Another writer makes this fail within
    /// 0.2 s (a few retries, for a lock a forked child still shares) with
    /// [`IndexError::Busy`] (exit 75), or, with `wait`, wait for it.
    /// Entries of an earlier attempt of the same run id are not seen: the
    /// commit replaces them.
    pub fn open(dir: &Path, run_id: &str, wait: bool) -> Result<DiskIndex, IndexError> {
        let lock = lock_dir(dir, &format!("run {run_id}"), wait)?;
        let (manifest, new) = manifest_or_new(dir)?;
        if new {
            write_manifest(dir, &manifest)?;
        }
        remove_unnamed(dir, &manifest)?;
        let segments = open_segments(dir, &manifest)?;
        let reps = load_repeats(dir, &manifest, run_id)?;
        Ok(DiskIndex::assemble(
            dir,
            run_id,
            Some(lock),
            (manifest, segments, reps),
        ))
    }

    /// Opens the index in `dir` for reading only (`--check`): no lock, no
    /// file written; a folder that is not an index yet reads as empty.
    pub fn open_read_only(dir: &Path, run_id: &str) -> Result<DiskIndex, IndexError> {
        let (manifest, segments) = read_snapshot(dir)?;
        let reps = load_repeats(dir, &manifest, run_id)?;
        Ok(DiskIndex::assemble(
            dir,
            run_id,
            None,
            (manifest, segments, reps),
        ))
    }

    fn assemble(
        dir: &Path,
        run_id: &str,
        lock: Option<File>,
        (manifest, segments, earlier_repeats): (Manifest, Vec<Segment>, Repeats),
    ) -> DiskIndex {
        let live: HashMap<u32, usize> = manifest
            .runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id != run_id)
            .map(|(i, r)| (r.seq, i))
            .collect();
        let searched = segments
            .iter()
            .map(|s| s.seqs().any(|q| live.contains_key(&q)))
            .collect();
        DiskIndex {
            dir: dir.to_path_buf(),
            run_id: run_id.to_string(),
            lock,
            segments,
            live,
            searched,
            mine: KeyMap::default(),
            earlier_repeats,
            my_repeats: Repeats::default(),
            memo: Mutex::new(vec![None; MEMO_SLOTS]),
            failure: Mutex::new(None),
            manifest,
        }
    }

    /// The near files of the latest `runs` live runs other than this run
    /// id (whose earlier attempt a re-run replaces), oldest commit first,
    /// with their run ids (read each with [`DiskIndex::read_near`]).
    pub fn past_near(&self, runs: usize) -> Vec<(String, NearMeta)> {
        let earlier: Vec<&RunInfo> = self
            .manifest
            .runs
            .iter()
            .filter(|r| r.id != self.run_id)
            .collect();
        let from = earlier.len().saturating_sub(runs);
        earlier
            .into_iter()
            .skip(from)
            .filter_map(|r| Some((r.id.clone(), r.near.clone()?)))
            .collect()
    }

    /// The index folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Run `run`'s near file `meta`, read whole and verified.
    pub fn read_near(&self, run: &str, meta: &NearMeta) -> Result<PastNear, IndexError> {
        near::read(&self.dir, meta, run)
    }

    /// The committed runs (oldest commit first).
    pub fn runs(&self) -> &[RunInfo] {
        &self.manifest.runs
    }

    /// `Err` if a lookup met a damaged block (its answers may then have
    /// missed keys of that block): the run must not trust its decisions.
    pub fn health(&self) -> Result<(), IndexError> {
        match &*self.failure.lock().unwrap_or_else(|p| p.into_inner()) {
            Some((file, reason)) => Err(IndexError::corrupt(file, reason.clone())),
            None => Ok(()),
        }
    }

    fn fail(&self, e: IndexError) {
        let mut f = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        if f.is_none() {
            *f = Some(match e {
                IndexError::Corrupt { file, reason } => (file, reason),
                other => (self.dir.clone(), other.to_string()),
            });
        }
    }

    /// The kept copy of `key` in an earlier run: of the live entries, the
    /// one of the oldest commit.
    fn lookup_earlier(&self, key: Key) -> Option<Origin> {
        // (run seq, segment, entry) of the oldest live entry so far; its
        // path is read once, at the end.
        let mut best: Option<(u32, &Segment, Entry)> = None;
        let mut found = Vec::new();
        for (seg, _) in self.segments.iter().zip(&self.searched).filter(|s| *s.1) {
            // Its filter says the key is not there: nothing of its
            // entries is read.
            if !seg.may_contain(key) {
                continue;
            }
            found.clear();
            if let Err(e) = seg.lookup(key, &mut found) {
                self.fail(e);
                continue;
            }
            for e in &found {
                match seg.seq(e.doc) {
                    Ok(seq) => {
                        if !self.live.contains_key(&seq) {
                            continue;
                        }
                        if best.as_ref().is_none_or(|b| seq < b.0) {
                            best = Some((seq, seg, *e));
                        }
                        // Stored in ascending seq: the first live one is
                        // this segment's oldest.
                        break;
                    }
                    Err(err) => self.fail(err),
                }
            }
        }
        let (seq, seg, e) = best?;
        match seg.doc(e.doc) {
            Ok((_, path)) => Some(Origin::Earlier {
                run: self.manifest.runs[self.live[&seq]].id.clone(),
                path: path.to_string(),
                line: e.line,
            }),
            Err(err) => {
                self.fail(err);
                None
            }
        }
    }

    /// Writes this run's inserts as a committed run of the index and
    /// releases the lock (see the module doc for the protocol). An earlier
    /// run with the same id is replaced.
    pub fn commit(self, rec: RunRecord) -> Result<CommitReport, IndexError> {
        let started = std::time::Instant::now();
        self.health()?;
        if self.lock.is_none() {
            return Err(IndexError::BadRecord(
                "the index was opened read-only".into(),
            ));
        }
        let dir = self.dir.clone();
        let mut m = self.manifest.clone();
        // This run's documents that hold a kept key, renumbered densely.
        let seq = m.next_seq;
        let mut used: Vec<u32> = self.mine.values().map(|h| h.doc).collect();
        used.sort_unstable();
        used.dedup();
        let mut renumber = HashMap::with_capacity(used.len());
        let mut docs = Vec::with_capacity(used.len());
        for d in used {
            let path = rec.docs.get(d as usize).ok_or_else(|| {
                IndexError::BadRecord(format!(
                    "an insert names document {d}, the record lists {}",
                    rec.docs.len()
                ))
            })?;
            renumber.insert(d, docs.len() as u32);
            docs.push((seq, path.clone()));
        }
        let mut entries: Vec<Entry> = self
            .mine
            .iter()
            .map(|(&key, h)| Entry {
                key,
                doc: renumber[&h.doc],
                line: h.line,
            })
            .collect();
        entries.sort_unstable_by_key(|e| e.key);
        m.runs.retain(|r| r.id != self.run_id);
        m.runs.push(RunInfo {
            seq,
            id: self.run_id.clone(),
            date: rec.date,
            inputs: rec.inputs,
            files: rec.docs.len() as u64,
            blocks_added: rec.blocks_added,
            keys: entries.len() as u64,
            repeats: None,
            near: None,
        });
        m.next_seq = seq
            .checked_add(1)
            .ok_or_else(|| IndexError::BadRecord("run seq overflow".into()))?;
        let mut segments: Vec<Segment> = self.segments;
        if !entries.is_empty() {
            let path = dir.join(segment_name(m.next_file));
            m.next_file += 1;
            let mut w = SegmentWriter::create(&path, docs, entries.len() as u64)?;
            for e in entries {
                w.push(e)?;
            }
            let meta = w.finish()?;
            segments.push(Segment::open(&dir, &meta)?);
            m.segments.push(meta);
        }
        if !self.my_repeats.is_empty() {
            let name = repeats::repeats_name(m.next_file);
            m.next_file += 1;
            let meta = repeats::write(&dir, &name, &self.my_repeats)?;
            m.runs.last_mut().expect("pushed above").repeats = Some(meta);
        }
        if let Some((settings, documents, body)) = rec.near.filter(|n| n.1 > 0) {
            let name = near::near_name(m.next_file);
            m.next_file += 1;
            let meta = near::write(&dir, &name, settings, documents, &body)?;
            m.runs.last_mut().expect("pushed above").near = Some(meta);
        }
        // Near files no later run reads (older than its window) go with
        // this commit: the index grows with the window, not every night.
        if let Some(keep) = rec.near_keep {
            let old = m.runs.len().saturating_sub(keep);
            for r in &mut m.runs[..old] {
                r.near = None;
            }
        }
        // The run is committed here; merging is upkeep after it, with a
        // commit of its own, so a night's commit never waits for a merge
        // of the large tiers (and a kill during one loses nothing).
        sync_dir(&dir)?;
        write_manifest(&dir, &m)?;
        let committed = started.elapsed();
        let listed = m.segments.clone();
        let merged = compact(&dir, &mut m, &mut segments, None)?;
        if m.segments != listed {
            sync_dir(&dir)?;
            write_manifest(&dir, &m)?;
        }
        drop(segments);
        // The old files are unnamed now; failing to remove one only
        // leaves it for the next writer.
        let _ = remove_unnamed(&dir, &m);
        Ok(CommitReport {
            keys: m.runs.last().map_or(0, |r| r.keys),
            segments: m.segments.len(),
            merged,
            commit_secs: committed.as_secs_f64(),
            merge_secs: (started.elapsed() - committed).as_secs_f64(),
        })
    }
}

fn segment_name(n: u64) -> String {
    format!("seg-{n:010}.ncx")
}

/// The manifest and its opened segments, for readers without the lock: a
/// writer may remove a segment between our reading the manifest and
/// opening it, so a missing segment with a changed manifest is retried.
fn read_snapshot(dir: &Path) -> Result<(Manifest, Vec<Segment>), IndexError> {
    let mut tries = 0;
    loop {
        let (manifest, _) = manifest_or_new(dir)?;
        match open_segments(dir, &manifest) {
            Ok(s) => return Ok((manifest, s)),
            Err(IndexError::Io { source, .. })
                if source.kind() == io::ErrorKind::NotFound && tries < 5 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Size tier of a segment: ⌊log₄ entries⌋.
fn tier(entries: u64) -> u32 {
    (63 - entries.max(1).leading_zeros()) / 2
}

/// Drops segments with no live run, rewrites `rewrite` ones (those that
/// hold a dropped run) and merges each size tier that has `MERGE_FAN`
/// segments, until none has. Returns the number of segments merged away.
fn compact(
    dir: &Path,
    m: &mut Manifest,
    segments: &mut Vec<Segment>,
    rewrite: Option<u32>,
) -> Result<usize, IndexError> {
    let live: HashSet<u32> = m.runs.iter().map(|r| r.seq).collect();
    let mut merged = 0;
    // Segments whose runs are all gone.
    let mut i = 0;
    while i < m.segments.len() {
        if m.segments[i].seqs.iter().all(|s| !live.contains(s)) {
            m.segments.remove(i);
            segments.remove(i);
        } else {
            i += 1;
        }
    }
    if let Some(dead) = rewrite {
        let mut i = 0;
        while i < m.segments.len() {
            if m.segments[i].seqs.contains(&dead) {
                let meta = merge(dir, m, &[&segments[i]], &live)?;
                segments[i] = Segment::open(dir, &meta)?;
                m.segments[i] = meta;
            }
            i += 1;
        }
    }
    loop {
        let mut by_tier: HashMap<u32, Vec<usize>> = HashMap::new();
        for (i, s) in m.segments.iter().enumerate() {
            by_tier.entry(tier(s.entries)).or_default().push(i);
        }
        let Some(group) = by_tier
            .into_values()
            .filter(|g| g.len() >= MERGE_FAN)
            .min_by_key(|g| g[0])
        else {
            return Ok(merged);
        };
        let inputs: Vec<&Segment> = group.iter().map(|&i| &segments[i]).collect();
        let meta = merge(dir, m, &inputs, &live)?;
        let seg = Segment::open(dir, &meta)?;
        for &i in group.iter().rev() {
            m.segments.remove(i);
            segments.remove(i);
        }
        merged += group.len();
        m.segments.push(meta);
        segments.push(seg);
    }
}

/// Merges `inputs` into one new segment holding their live entries, in
/// (key, run seq) order; reads them sequentially, verifying every block.
fn merge(
    dir: &Path,
    m: &mut Manifest,
    inputs: &[&Segment],
    live: &HashSet<u32>,
) -> Result<SegMeta, IndexError> {
    let mut docs = Vec::new();
    let mut remap: Vec<Vec<Option<u32>>> = Vec::with_capacity(inputs.len());
    for seg in inputs {
        let mut r = Vec::with_capacity(seg.docs() as usize);
        for d in 0..seg.docs() {
            let (seq, path) = seg.doc(d)?;
            if live.contains(&seq) {
                r.push(Some(docs.len() as u32));
                docs.push((seq, path.to_string()));
            } else {
                r.push(None);
            }
        }
        remap.push(r);
    }
    let seqs: Vec<u32> = docs.iter().map(|d| d.0).collect();
    let path = dir.join(segment_name(m.next_file));
    m.next_file += 1;
    // Sized for all input entries: those of dead runs, left out, only
    // make the filter a little emptier.
    let expected = inputs.iter().map(|s| s.entries()).sum();
    let mut w = SegmentWriter::create(&path, docs, expected)?;
    let mut readers = inputs
        .iter()
        .map(|s| s.reader())
        .collect::<Result<Vec<_>, _>>()?;
    let mut heap = BinaryHeap::new();
    let mut heads: Vec<Option<Entry>> = vec![None; inputs.len()];
    let advance = |i: usize,
                   readers: &mut Vec<segment::SegmentReader>,
                   heap: &mut BinaryHeap<std::cmp::Reverse<(Key, u32, usize)>>,
                   heads: &mut Vec<Option<Entry>>|
     -> Result<(), IndexError> {
        loop {
            let Some(e) = readers[i].next_entry()? else {
                heads[i] = None;
                return Ok(());
            };
            let new_doc = *remap[i].get(e.doc as usize).ok_or_else(|| {
                IndexError::corrupt(
                    inputs[i].path(),
                    format!(
                        "entry names document {}, the table has {}",
                        e.doc,
                        remap[i].len()
                    ),
                )
            })?;
            if let Some(d) = new_doc {
                heads[i] = Some(Entry { doc: d, ..e });
                heap.push(std::cmp::Reverse((e.key, seqs[d as usize], i)));
                return Ok(());
            }
        }
    };
    for i in 0..inputs.len() {
        advance(i, &mut readers, &mut heap, &mut heads)?;
    }
    let mut last: Option<(Key, u32)> = None;
    while let Some(std::cmp::Reverse((key, seq, i))) = heap.pop() {
        let e = heads[i].take().expect("a heap item has its head");
        if last.is_some_and(|l| l >= (key, seq)) {
            return Err(IndexError::corrupt(
                inputs[i].path(),
                "entries out of order (a key stored twice for one run)".into(),
            ));
        }
        last = Some((key, seq));
        w.push(e)?;
        advance(i, &mut readers, &mut heap, &mut heads)?;
    }
    w.finish()
}

impl DiskIndex {
    /// The earlier runs' answer for `key`: from the memo, or searched
    /// and remembered there. (The segments do not change during a run.)
    fn earlier(&self, key: Key) -> Option<Origin> {
        let slot = key.hash as usize & (MEMO_SLOTS - 1);
        if let Some((k, answer)) = &self.memo.lock().unwrap_or_else(|p| p.into_inner())[slot] {
            if *k == key {
                return answer.clone();
            }
        }
        let answer = self.lookup_earlier(key);
        self.memo.lock().unwrap_or_else(|p| p.into_inner())[slot] = Some((key, answer.clone()));
        answer
    }
}

impl SeenIndex for DiskIndex {
    fn lookup(&self, key: Key) -> Option<Origin> {
        if let Some(o) = self.earlier(key) {
            return Some(o);
        }
        self.mine.get(&key).map(|&h| Origin::ThisRun(h))
    }

    fn insert(&mut self, key: Key, at: Here) {
        if self.mine.contains_key(&key) || self.earlier(key).is_some() {
            return;
        }
        self.mine.insert(key, at);
    }

    fn inserted(&self) -> usize {
        self.mine.len()
    }

    fn repeats(&self, key: Key) -> u32 {
        let earlier = self.earlier_repeats.get(&key).copied().unwrap_or(0);
        earlier.saturating_add(self.my_repeats.get(&key).copied().unwrap_or(0))
    }

    fn add_repeats(&mut self, keys: &[Key]) {
        count_repeats(&mut self.my_repeats, keys);
    }
}

/// `newsclean index stats`: the runs, the keys and the bytes on disk.
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    /// Format version of the index.
    pub format: u32,
    /// Committed runs, oldest commit first.
    pub runs: Vec<RunInfo>,
    /// Live keys (sum over the runs).
    pub keys: u64,
    /// Entries stored, live or not yet merged away.
    pub entries: u64,
    /// Segment files.
    pub segments: usize,
    /// Keys listed in the runs' repeat files (`[dedup] many_documents`),
    /// summed over the runs.
    pub repeated_keys: u64,
    /// Documents in the runs' near files (near-duplicate signatures).
    pub near_documents: u64,
    /// Bytes of the near files.
    pub near_bytes: u64,
    /// Bytes of the manifest, the segment, repeat and near files.
    pub bytes: u64,
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<20}  {:<25}  {:>8}  {:>12}  {:>12}  inputs",
            "run", "date", "files", "blocks added", "keys"
        )?;
        for r in &self.runs {
            writeln!(
                f,
                "{:<20}  {:<25}  {:>8}  {:>12}  {:>12}  {}",
                r.id,
                r.date,
                r.files,
                r.blocks_added,
                r.keys,
                r.inputs.join(" ")
            )?;
        }
        let per_key = if self.keys > 0 {
            format!(
                " ({:.1} bytes a key without the signatures)",
                (self.bytes - self.near_bytes) as f64 / self.keys as f64
            )
        } else {
            String::new()
        };
        write!(
            f,
            "{} runs, {} keys ({} entries stored) in {} segment files, {} repeat counts, near-duplicate signatures of {} documents ({} bytes), {} bytes on disk{per_key}, format {}",
            self.runs.len(),
            self.keys,
            self.entries,
            self.segments,
            self.repeated_keys,
            self.near_documents,
            self.near_bytes,
            self.bytes,
            self.format
        )
    }
}

fn existing(dir: &Path) -> Result<(Manifest, Vec<Segment>), IndexError> {
    if !dir.join(MANIFEST).exists() {
        // A damaged folder still says why; an absent index is "missing".
        manifest_or_new(dir)?;
        return Err(IndexError::Missing {
            index: dir.to_path_buf(),
        });
    }
    read_snapshot(dir)
}

/// Reads the statistics of the index in `dir` (no lock, nothing written).
pub fn stats(dir: &Path) -> Result<Stats, IndexError> {
    let (m, segs) = existing(dir)?;
    let mut bytes = fs::metadata(dir.join(MANIFEST)).map_or(0, |md| md.len());
    bytes += m.segments.iter().map(|s| s.bytes).sum::<u64>();
    bytes += m
        .runs
        .iter()
        .filter_map(|r| Some(r.repeats.as_ref()?.bytes))
        .sum::<u64>();
    let near_bytes = m
        .runs
        .iter()
        .filter_map(|r| Some(r.near.as_ref()?.bytes))
        .sum::<u64>();
    bytes += near_bytes;
    Ok(Stats {
        format: FORMAT_VERSION,
        keys: m.runs.iter().map(|r| r.keys).sum(),
        entries: segs.iter().map(|s| s.entries()).sum(),
        segments: m.segments.len(),
        repeated_keys: m
            .runs
            .iter()
            .filter_map(|r| Some(r.repeats.as_ref()?.keys))
            .sum(),
        near_documents: m
            .runs
            .iter()
            .filter_map(|r| Some(r.near.as_ref()?.documents))
            .sum(),
        near_bytes,
        runs: m.runs,
        bytes,
    })
}

/// What `newsclean index verify` checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// Runs checked.
    pub runs: usize,
    /// Segment files checked, every block against its checksum.
    pub segments: usize,
    /// Live keys found (equal to the sum of the runs' key counts).
    pub keys: u64,
    /// A digest of the live content (key, run id, path, line), the same
    /// whatever the segment layout: two indexes with equal digests hold
    /// the same entries.
    pub digest: u64,
    /// Files in the folder that no manifest names (left by a killed
    /// writer; the next writer removes them).
    pub unnamed: Vec<String>,
}

/// Checks every segment file of the index in `dir` completely: header,
/// tables checksum, every block's checksum, key order, document
/// references, and that each run has exactly the keys the manifest says.
pub fn verify(dir: &Path) -> Result<Verified, IndexError> {
    let (m, segs) = existing(dir)?;
    let runs: HashMap<u32, &RunInfo> = m.runs.iter().map(|r| (r.seq, r)).collect();
    let mut counts: HashMap<u32, u64> = HashMap::new();
    let mut digest = 0u64;
    let mut buf = Vec::new();
    for seg in &segs {
        let mut rd = seg.reader()?;
        let mut last: Option<(Key, u32)> = None;
        while let Some(e) = rd.next_entry()? {
            let (seq, path) = seg.doc(e.doc)?;
            if last.is_some_and(|l| l >= (e.key, seq)) {
                return Err(IndexError::corrupt(
                    seg.path(),
                    "entries out of order".into(),
                ));
            }
            last = Some((e.key, seq));
            let Some(run) = runs.get(&seq) else {
                continue;
            };
            *counts.entry(seq).or_default() += 1;
            buf.clear();
            buf.extend_from_slice(&e.key.hash.to_le_bytes());
            buf.extend_from_slice(&e.key.check.to_le_bytes());
            buf.extend_from_slice(&e.line.to_le_bytes());
            buf.extend_from_slice(run.id.as_bytes());
            buf.push(0);
            buf.extend_from_slice(path.as_bytes());
            digest = digest.wrapping_add(xxh3_64(&buf));
        }
    }
    let manifest = dir.join(MANIFEST);
    // The near files: read whole, checksum and length checked.
    for r in &m.runs {
        if let Some(f) = &r.near {
            near::read(dir, f, &r.id)?;
        }
    }
    for r in &m.runs {
        let Some(f) = &r.repeats else { continue };
        let mut t = Repeats::default();
        repeats::read_into(dir, f, &mut t)?;
        for (k, n) in t {
            buf.clear();
            buf.extend_from_slice(b"repeats\0");
            buf.extend_from_slice(&k.hash.to_le_bytes());
            buf.extend_from_slice(&k.check.to_le_bytes());
            buf.extend_from_slice(&n.to_le_bytes());
            buf.extend_from_slice(r.id.as_bytes());
            digest = digest.wrapping_add(xxh3_64(&buf));
        }
    }
    for r in &m.runs {
        let found = counts.get(&r.seq).copied().unwrap_or(0);
        if found != r.keys {
            return Err(IndexError::corrupt(
                &manifest,
                format!(
                    "run {:?} should have {} keys, the segment files hold {found}",
                    r.id, r.keys
                ),
            ));
        }
    }
    let named = named_files(&m);
    let mut unnamed = Vec::new();
    for e in fs::read_dir(dir).map_err(|e| IndexError::io(dir, e))? {
        let name = e
            .map_err(|e| IndexError::io(dir, e))?
            .file_name()
            .to_string_lossy()
            .into_owned();
        if (is_data_name(&name) && !named.contains(name.as_str())) || name == MANIFEST_TMP {
            unnamed.push(name);
        }
    }
    unnamed.sort();
    Ok(Verified {
        runs: m.runs.len(),
        segments: segs.len(),
        keys: counts.values().sum(),
        digest,
        unnamed,
    })
}

/// Forgets run `run_id` (e.g. a withdrawn dump): removes it from the
/// manifest and rewrites the segment files that hold its entries, as one
/// commit under the writer lock.
pub fn drop_run(dir: &Path, run_id: &str, wait: bool) -> Result<RunInfo, IndexError> {
    if !dir.join(MANIFEST).exists() {
        existing(dir)?;
    }
    let _lock = lock_dir(
        dir,
        &format!("`newsclean index drop` of run {run_id}"),
        wait,
    )?;
    let mut m = read_manifest(dir)?.ok_or_else(|| IndexError::Missing {
        index: dir.to_path_buf(),
    })?;
    remove_unnamed(dir, &m)?;
    let pos = m
        .runs
        .iter()
        .position(|r| r.id == run_id)
        .ok_or_else(|| IndexError::UnknownRun {
            index: dir.to_path_buf(),
            run: run_id.to_string(),
        })?;
    let gone = m.runs.remove(pos);
    let mut segments = open_segments(dir, &m)?;
    compact(dir, &mut m, &mut segments, Some(gone.seq))?;
    sync_dir(dir)?;
    write_manifest(dir, &m)?;
    drop(segments);
    let _ = remove_unnamed(dir, &m);
    Ok(gone)
}
