//! One segment file: an immutable sorted run of entries with its tables
//! and a key filter.
//!
//! Layout of format version 2 (all integers little-endian; `E` entries,
//! `B = ceil(E / 256)` blocks, `D` documents, `P` bytes of path text, `F`
//! filter blocks):
//!
//! ```text
//! offset            size     what
//! 0                 8        magic "NCIXSEG\0"
//! 8                 4        format version (2)
//! 12                4        entries per block (256)
//! 16                8        E
//! 24                8        B
//! 32                8        D
//! 40                8        P
//! 48                8        tables checksum: xxh3-64 of bytes 0..48 and
//!                            56..64, then of every byte from the fence to
//!                            the end (the filter included)
//! 56                8        F (0 exactly when E is 0)
//! 64                20·E     entries, sorted by (hash, check, run seq):
//!                            hash u64, check u32, doc u32, line u32
//! 64+20E            8·B      fence: the hash of each block's first entry
//! …                 8·B      block checksums: xxh3-64 of each block's
//!                            entries (256 of them, fewer in the last)
//! …                 12·D     documents: run seq u32, path offset u32,
//!                            path length u32 (into the path text)
//! …                 P        path text (UTF-8, paths relative to that
//!                            run's input)
//! …                 64·F     key filter: F blocks of 8 u64 words (below)
//! ```
//!
//! Version 1 is the same without the filter: bytes 56..64 are zero, the
//! file ends after the path text and the tables checksum covers bytes
//! 0..48 and the fence to the end. Version-1 segments are still opened
//! and searched (every lookup probes them); merges and commits write
//! version 2.
//!
//! # The key filter
//!
//! A split-block Bloom filter of about 10 bits per entry (F =
//! ⌈10 · entries / 512⌉ blocks of 512 bits, sized by the writer's
//! expected entry count): a key's `hash` (uniform already, no hashing
//! again) picks one block, by its high bits as `hash · F / 2⁶⁴`, and
//! its mix (the `splitmix64` finalizer) gives 8 six-bit positions, one bit
//! in each of the block's 8 words. A key whose 8 bits are not all set is
//! not in the segment; the false-positive rate is about 1% (measured by
//! the unit test below). So a lookup touches only the segments that may
//! hold the key: a miss (half of a night's lookups) reads one cache line
//! of each segment's filter and no entries at all. The filter is read
//! into memory at open (1.25 bytes a key: 62 MiB at 50 M keys).
//!
//! # Checks
//!
//! The file's length must be exactly what the header says. Opening checks
//! the magic, the version (a newer one is refused, never read), the length
//! and the tables checksum, so everything but the entries is verified
//! before use (the filter too); each block of entries is verified against
//! its checksum the first time a lookup reads it (a bitmap remembers the
//! verified ones), and `index verify` and every merge read and verify all
//! of them. A lookup therefore never acts on a byte that was not verified
//! (segment files are written once and never modified, so a block read
//! again, or part of it, reads the same bytes).
//!
//! # Reading
//!
//! The file is read with positioned reads (`pread`) into buffers of the
//! reader's own, never mapped: at open the header and the tables (the
//! filter in 1 MiB pieces, straight into its words); a lookup reads its
//! key's block of entries into a buffer on its stack, whole (256 · 20
//! bytes) the first time to verify it, later only `WINDOW` entries
//! around the key's place in it; merges and verify read the entries in
//! order ([`SegmentReader`]). So the process holds only what it keeps
//! (the fence, the block checksums, the document table and its paths,
//! the filter: see [`Segment`]), never the entries, whatever the size of
//! the index: the file's pages are the page cache's.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use xxhash_rust::xxh3::{xxh3_64, Xxh3};

use super::IndexError;
use crate::index::Key;

/// Magic bytes at the start of every segment file.
const MAGIC: &[u8; 8] = b"NCIXSEG\0";
/// The segment format this build writes (it reads this one and 1).
pub(crate) const VERSION: u32 = 2;
/// Entries per block (one fence key and one checksum each).
const BLOCK: u64 = 256;
const HEADER: u64 = 64;
const ENTRY: u64 = 20;
const DOC: u64 = 12;
/// Filter bits per expected entry.
const FILTER_BITS: u64 = 10;
/// Bytes of one filter block (8 u64 words, one cache line).
const FILTER_BLOCK: u64 = 64;

/// One stored entry: a key, the document (index into the segment's
/// document table) and the 1-based line of the kept copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) key: Key,
    pub(crate) doc: u32,
    pub(crate) line: u32,
}

impl Entry {
    fn encode(&self, out: &mut [u8]) {
        out[0..8].copy_from_slice(&self.key.hash.to_le_bytes());
        out[8..12].copy_from_slice(&self.key.check.to_le_bytes());
        out[12..16].copy_from_slice(&self.doc.to_le_bytes());
        out[16..20].copy_from_slice(&self.line.to_le_bytes());
    }

    fn decode(b: &[u8]) -> Entry {
        Entry {
            key: Key {
                hash: u64_at(b, 0),
                check: u32_at(b, 8),
            },
            doc: u32_at(b, 12),
            line: u32_at(b, 16),
        }
    }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

/// The split-block Bloom filter of a segment (see the module doc): 8
/// words per block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Filter {
    words: Vec<u64>,
}

impl Filter {
    /// The number of blocks for `expected` entries (at least one).
    fn blocks_for(expected: u64) -> u64 {
        (expected.max(1) * FILTER_BITS).div_ceil(FILTER_BLOCK * 8)
    }

    fn with_blocks(blocks: u64) -> Filter {
        Filter {
            words: vec![0; (blocks * 8) as usize],
        }
    }

    fn blocks(&self) -> u64 {
        (self.words.len() / 8) as u64
    }

    /// The first word of `hash`'s block, and its 8 bit positions (six
    /// bits each of the mixed hash).
    fn place(&self, hash: u64) -> (usize, u64) {
        let block = ((u128::from(hash) * u128::from(self.blocks())) >> 64) as usize;
        // splitmix64's finalizer: the block took the high bits of the
        // hash, the bits come from all of them mixed.
        let mut z = hash;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (block * 8, z ^ (z >> 31))
    }

    fn insert(&mut self, hash: u64) {
        let (at, bits) = self.place(hash);
        for (j, w) in self.words[at..at + 8].iter_mut().enumerate() {
            *w |= 1 << ((bits >> (6 * j)) & 63);
        }
    }

    /// False only if no key with this hash was inserted.
    pub(crate) fn may_contain(&self, hash: u64) -> bool {
        let (at, bits) = self.place(hash);
        self.words[at..at + 8]
            .iter()
            .enumerate()
            .all(|(j, w)| w & (1 << ((bits >> (6 * j)) & 63)) != 0)
    }
}

/// What the manifest records of a segment file, checked when it is opened.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct SegMeta {
    /// File name inside the index folder.
    pub(crate) file: String,
    /// Exact length in bytes.
    pub(crate) bytes: u64,
    /// Number of entries.
    pub(crate) entries: u64,
    /// The tables checksum of its header.
    pub(crate) tables_sum: u64,
    /// The run seqs its documents belong to.
    pub(crate) seqs: Vec<u32>,
}

/// The sizes a header declares, checked against each other and the file.
#[derive(Clone, Copy, Debug)]
struct Shape {
    version: u32,
    entries: u64,
    blocks: u64,
    docs: u64,
    paths: u64,
    tables_sum: u64,
    /// Filter blocks (0 in version 1).
    filters: u64,
}

impl Shape {
    fn fence_off(&self) -> u64 {
        HEADER + ENTRY * self.entries
    }
    fn sums_off(&self) -> u64 {
        self.fence_off() + 8 * self.blocks
    }
    fn docs_off(&self) -> u64 {
        self.sums_off() + 8 * self.blocks
    }
    fn paths_off(&self) -> u64 {
        self.docs_off() + DOC * self.docs
    }
    fn filter_off(&self) -> u64 {
        self.paths_off() + self.paths
    }
    fn len(&self) -> u64 {
        self.filter_off() + FILTER_BLOCK * self.filters
    }

    /// The header's fields, or why they cannot describe a file of `len`
    /// bytes. Checked arithmetic: a damaged header never overflows.
    fn parse(h: &[u8], len: u64, file: &Path) -> Result<Shape, IndexError> {
        let corrupt = |why: String| IndexError::corrupt(file, why);
        if h.len() < HEADER as usize {
            return Err(corrupt(format!(
                "truncated: {len} bytes, shorter than the 64-byte header"
            )));
        }
        if &h[0..8] != MAGIC {
            return Err(corrupt("not a newsclean index segment (bad magic)".into()));
        }
        let version = u32_at(h, 8);
        if version > VERSION {
            return Err(IndexError::NewerFormat {
                file: file.to_path_buf(),
                found: version,
                supported: VERSION,
            });
        }
        if version == 0 {
            return Err(corrupt(format!("unknown segment version {version}")));
        }
        if u64::from(u32_at(h, 12)) != BLOCK {
            return Err(corrupt(format!(
                "block size {} (this build reads {BLOCK})",
                u32_at(h, 12)
            )));
        }
        let s = Shape {
            version,
            entries: u64_at(h, 16),
            blocks: u64_at(h, 24),
            docs: u64_at(h, 32),
            paths: u64_at(h, 40),
            tables_sum: u64_at(h, 48),
            filters: u64_at(h, 56),
        };
        if version == 1 && s.filters != 0 {
            return Err(corrupt("reserved header field is not zero".into()));
        }
        if version >= 2 && (s.filters == 0) != (s.entries == 0) {
            return Err(corrupt(format!(
                "header says {} entries and {} filter blocks",
                s.entries, s.filters
            )));
        }
        if s.blocks != s.entries.div_ceil(BLOCK) {
            return Err(corrupt(format!(
                "header says {} entries in {} blocks",
                s.entries, s.blocks
            )));
        }
        let want = ENTRY
            .checked_mul(s.entries)
            .and_then(|v| v.checked_add(16u64.checked_mul(s.blocks)?))
            .and_then(|v| v.checked_add(DOC.checked_mul(s.docs)?))
            .and_then(|v| v.checked_add(s.paths))
            .and_then(|v| v.checked_add(FILTER_BLOCK.checked_mul(s.filters)?))
            .and_then(|v| v.checked_add(HEADER));
        match want {
            Some(w) if w == len => Ok(s),
            Some(w) if w > len => Err(corrupt(format!(
                "truncated: {len} bytes, the header describes {w}"
            ))),
            Some(w) => Err(corrupt(format!(
                "{len} bytes, the header describes {w} (trailing bytes)"
            ))),
            None => Err(corrupt("header sizes overflow".into())),
        }
    }
}

/// The tables checksum of a file: of `header` (bytes 0..48, and 56..64
/// from version 2) and of `tables` (from the fence to the end).
fn tables_digest(version: u32, header: &[u8], tables: &[u8]) -> u64 {
    let mut h = tables_hasher(version, header);
    h.update(tables);
    h.digest()
}

/// The tables checksum's hasher, fed with the header's part of it.
fn tables_hasher(version: u32, header: &[u8]) -> Xxh3 {
    let mut h = Xxh3::new();
    h.update(&header[0..48]);
    if version >= 2 {
        h.update(&header[56..64]);
    }
    h
}

/// Writes one segment: entries are pushed in sorted order and streamed to
/// the file; the tables follow them, then the header is written last.
pub(crate) struct SegmentWriter {
    path: PathBuf,
    out: BufWriter<File>,
    docs: Vec<(u32, String)>,
    entries: u64,
    fence: Vec<u64>,
    sums: Vec<u64>,
    block: Xxh3,
    filter: Filter,
    last: Option<(Key, u32)>,
}

impl SegmentWriter {
    /// Creates (or truncates) `path` for a segment with this document
    /// table (run seq, path) and a filter sized for `expected` entries
    /// (more or fewer may be pushed; fewer leave it emptier, more fuller).
    pub(crate) fn create(
        path: &Path,
        docs: Vec<(u32, String)>,
        expected: u64,
    ) -> Result<Self, IndexError> {
        let file = File::create(path).map_err(|e| IndexError::io(path, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(&[0u8; HEADER as usize])
            .map_err(|e| IndexError::io(path, e))?;
        Ok(SegmentWriter {
            path: path.to_path_buf(),
            out,
            docs,
            entries: 0,
            fence: Vec::new(),
            sums: Vec::new(),
            block: Xxh3::new(),
            filter: Filter::with_blocks(Filter::blocks_for(expected)),
            last: None,
        })
    }

    /// Appends one entry; entries come sorted by (key, run seq).
    pub(crate) fn push(&mut self, e: Entry) -> Result<(), IndexError> {
        let seq = self.docs[e.doc as usize].0;
        debug_assert!(self.last.is_none_or(|l| l < (e.key, seq)), "unsorted push");
        self.last = Some((e.key, seq));
        if self.entries.is_multiple_of(BLOCK) {
            if self.entries > 0 {
                self.sums.push(self.block.digest());
                self.block.reset();
            }
            self.fence.push(e.key.hash);
        }
        self.filter.insert(e.key.hash);
        let mut b = [0u8; ENTRY as usize];
        e.encode(&mut b);
        self.block.update(&b);
        self.out
            .write_all(&b)
            .map_err(|err| IndexError::io(&self.path, err))?;
        self.entries += 1;
        Ok(())
    }

    /// Writes the tables and the header and fsyncs the file; returns what
    /// the manifest records of it.
    pub(crate) fn finish(mut self) -> Result<SegMeta, IndexError> {
        let io = |p: &Path, e| IndexError::io(p, e);
        if self.entries > 0 {
            // The last block's checksum (the others were taken as the
            // next block began).
            self.sums.push(self.block.digest());
        }
        let mut tables = Vec::with_capacity(16 * self.fence.len() + 12 * self.docs.len());
        for f in &self.fence {
            tables.extend_from_slice(&f.to_le_bytes());
        }
        for s in &self.sums {
            tables.extend_from_slice(&s.to_le_bytes());
        }
        let mut text = Vec::new();
        for (seq, path) in &self.docs {
            let off = u32::try_from(text.len())
                .map_err(|_| IndexError::corrupt(&self.path, "path text over 4 GiB".into()))?;
            tables.extend_from_slice(&seq.to_le_bytes());
            tables.extend_from_slice(&off.to_le_bytes());
            tables.extend_from_slice(&(path.len() as u32).to_le_bytes());
            text.extend_from_slice(path.as_bytes());
        }
        tables.extend_from_slice(&text);
        let filters = if self.entries > 0 {
            self.filter.blocks()
        } else {
            0
        };
        if filters > 0 {
            for w in &self.filter.words {
                tables.extend_from_slice(&w.to_le_bytes());
            }
        }
        let shape = Shape {
            version: VERSION,
            entries: self.entries,
            blocks: self.fence.len() as u64,
            docs: self.docs.len() as u64,
            paths: text.len() as u64,
            tables_sum: 0,
            filters,
        };
        let mut header = [0u8; HEADER as usize];
        header[0..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&VERSION.to_le_bytes());
        header[12..16].copy_from_slice(&(BLOCK as u32).to_le_bytes());
        header[16..24].copy_from_slice(&shape.entries.to_le_bytes());
        header[24..32].copy_from_slice(&shape.blocks.to_le_bytes());
        header[32..40].copy_from_slice(&shape.docs.to_le_bytes());
        header[40..48].copy_from_slice(&shape.paths.to_le_bytes());
        header[56..64].copy_from_slice(&shape.filters.to_le_bytes());
        let tables_sum = tables_digest(VERSION, &header, &tables);
        header[48..56].copy_from_slice(&tables_sum.to_le_bytes());
        self.out.write_all(&tables).map_err(|e| io(&self.path, e))?;
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| io(&self.path, e.into_error()))?;
        file.seek(SeekFrom::Start(0))
            .and_then(|_| file.write_all(&header))
            .and_then(|_| file.sync_all())
            .map_err(|e| io(&self.path, e))?;
        let mut seqs: Vec<u32> = self.docs.iter().map(|d| d.0).collect();
        seqs.sort_unstable();
        seqs.dedup();
        Ok(SegMeta {
            file: file_name(&self.path),
            bytes: shape.len(),
            entries: self.entries,
            tables_sum,
            seqs,
        })
    }
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// An open segment: its file, the tables it keeps in memory and the
/// verified-block bitmap.
pub(crate) struct Segment {
    path: PathBuf,
    /// Read with positioned reads (`pread`): blocks of entries by lookups
    /// (merges and verify read it in order, [`SegmentReader`]).
    file: File,
    shape: Shape,
    verified: Vec<AtomicU64>,
    /// The fence, read into memory at open (8 bytes per 256 entries:
    /// 1.6 MB at 50 M keys).
    fence: Vec<u64>,
    /// The block checksums, read the same way.
    sums: Vec<u64>,
    /// The document table (12 bytes a document: run seq, path offset,
    /// length) and the path text after it, read into memory at open and
    /// checked then, so that a lookup tells a live entry from a dead one
    /// and names the kept copy's path without reading the file (at 50 M
    /// keys of 5 000-document nights of xwlb, about 500 000 documents:
    /// some 16 MiB).
    docs: Vec<u8>,
    /// The key filter, read into memory at open; `None` in a version-1
    /// segment (every key may be in it).
    filter: Option<Filter>,
}

/// Bytes of one block of entries (the buffer a lookup reads it into).
const BLOCK_BYTES: usize = (BLOCK * ENTRY) as usize;
/// Entries a lookup reads of a verified block: around the place the
/// key's hash gives it in the block, which is off by about 8 entries
/// (the standard deviation of uniform hashes among 256), so ±24 miss it
/// about once in 400 lookups (then the whole block is read). 960 bytes
/// instead of 5 120: most of a `pread`'s cost is the copy and the pages
/// it looks up.
const WINDOW: usize = 48;

/// Fills `buf` from `at` in `file` as far as the file goes; returns how
/// many bytes were read (fewer than `buf.len()` only at the end).
fn read_full_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], at + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Document `d` of a document table (`rows`: 12 bytes a document) and its
/// path text: its run seq and path, or what is wrong with it.
fn doc_in<'t>(rows: &[u8], text: &'t [u8], d: u32) -> Result<(u32, &'t str), String> {
    let at = DOC as usize * d as usize;
    if at + DOC as usize > rows.len() {
        return Err(format!(
            "entry names document {d}, the table has {}",
            rows.len() / DOC as usize
        ));
    }
    let seq = u32_at(rows, at);
    let off = u32_at(rows, at + 4) as usize;
    let len = u32_at(rows, at + 8) as usize;
    let path = text
        .get(off..off + len)
        .ok_or_else(|| format!("document {d}'s path lies outside the path text"))?;
    let path =
        std::str::from_utf8(path).map_err(|_| format!("document {d}'s path is not UTF-8"))?;
    Ok((seq, path))
}

impl Segment {
    /// Opens `dir/meta.file` and checks it against the manifest's record
    /// and its own header and tables checksum; reads the fence, the block
    /// checksums, the document table and paths and the filter into memory.
    pub(crate) fn open(dir: &Path, meta: &SegMeta) -> Result<Segment, IndexError> {
        let path = dir.join(&meta.file);
        let io = |e| IndexError::io(&path, e);
        let file = File::open(&path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut header = [0u8; HEADER as usize];
        let got = read_full_at(&file, &mut header, 0).map_err(io)?;
        let shape = Shape::parse(&header[..got], len, &path)?;
        // Fence and block checksums in one read, the documents and paths
        // in another (kept as read); the filter in pieces, straight into
        // its words (no second copy of it).
        let mut tables = vec![0u8; (shape.docs_off() - shape.fence_off()) as usize];
        file.read_exact_at(&mut tables, shape.fence_off())
            .map_err(io)?;
        let mut docs = vec![0u8; (shape.filter_off() - shape.docs_off()) as usize];
        file.read_exact_at(&mut docs, shape.docs_off())
            .map_err(io)?;
        let mut sum = tables_hasher(shape.version, &header);
        sum.update(&tables);
        sum.update(&docs);
        let mut words = Vec::with_capacity((8 * shape.filters) as usize);
        let mut piece = vec![0u8; (1 << 20).min(FILTER_BLOCK * shape.filters) as usize];
        let mut at = shape.filter_off();
        while at < shape.len() {
            let n = (shape.len() - at).min(piece.len() as u64) as usize;
            file.read_exact_at(&mut piece[..n], at).map_err(io)?;
            sum.update(&piece[..n]);
            words.extend(piece[..n].chunks_exact(8).map(|w| u64_at(w, 0)));
            at += n as u64;
        }
        if sum.digest() != shape.tables_sum {
            return Err(IndexError::corrupt(
                &path,
                "tables checksum mismatch (fence, block checksums, documents or filter damaged)"
                    .into(),
            ));
        }
        if len != meta.bytes || shape.entries != meta.entries || shape.tables_sum != meta.tables_sum
        {
            return Err(IndexError::corrupt(
                &path,
                format!(
                    "does not match the manifest ({len} bytes, {} entries; manifest: {} bytes, {} entries)",
                    shape.entries, meta.bytes, meta.entries
                ),
            ));
        }
        let blocks = shape.blocks as usize;
        let fence: Vec<u64> = (0..blocks).map(|b| u64_at(&tables, 8 * b)).collect();
        let sums = (0..blocks)
            .map(|b| u64_at(&tables, 8 * (blocks + b)))
            .collect();
        // Fence ascending, every document's path inside the text and UTF-8.
        if let Some(b) = (1..blocks).find(|&b| fence[b] < fence[b - 1]) {
            return Err(IndexError::corrupt(
                &path,
                format!("fence not sorted at block {b}"),
            ));
        }
        let (rows, text) = docs.split_at((DOC * shape.docs) as usize);
        if let Err(why) = (0..shape.docs as u32).try_for_each(|d| doc_in(rows, text, d).map(|_| ()))
        {
            return Err(IndexError::corrupt(&path, why));
        }
        Ok(Segment {
            verified: (0..shape.blocks.div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
            fence,
            sums,
            docs,
            filter: (shape.filters > 0).then_some(Filter { words }),
            path,
            file,
            shape,
        })
    }

    fn damaged(&self, why: String) -> IndexError {
        IndexError::corrupt(&self.path, why)
    }

    fn io(&self, e: std::io::Error) -> IndexError {
        IndexError::io(&self.path, e)
    }

    /// The segment file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// False only if the segment holds no entry of this key (always true
    /// for a version-1 segment, which has no filter).
    pub(crate) fn may_contain(&self, key: Key) -> bool {
        self.filter.as_ref().is_none_or(|f| f.may_contain(key.hash))
    }

    /// Number of entries.
    pub(crate) fn entries(&self) -> u64 {
        self.shape.entries
    }

    fn fence(&self, b: u64) -> u64 {
        self.fence[b as usize]
    }

    /// Each document's run seq, in document order.
    pub(crate) fn seqs(&self) -> impl Iterator<Item = u32> + '_ {
        self.docs[..(DOC * self.shape.docs) as usize]
            .chunks_exact(DOC as usize)
            .map(|row| u32_at(row, 0))
    }

    /// Document `d`: its run seq and path (from memory, checked at open).
    pub(crate) fn doc(&self, d: u32) -> Result<(u32, &str), IndexError> {
        let (rows, text) = self.docs.split_at((DOC * self.shape.docs) as usize);
        doc_in(rows, text, d).map_err(|why| self.damaged(why))
    }

    /// Document `d`'s run seq.
    pub(crate) fn seq(&self, d: u32) -> Result<u32, IndexError> {
        self.doc(d).map(|(seq, _)| seq)
    }

    /// Number of documents in its table.
    pub(crate) fn docs(&self) -> u32 {
        self.shape.docs as u32
    }

    /// Number of entries in block `b`.
    fn block_len(&self, b: u64) -> usize {
        BLOCK.min(self.shape.entries - b * BLOCK) as usize
    }

    fn is_verified(&self, b: u64) -> bool {
        self.verified[(b / 64) as usize].load(Ordering::Relaxed) & 1 << (b % 64) != 0
    }

    /// Reads entries `lo..hi` of block `b` into the start of `buf`. A block
    /// not verified yet must be read whole, and is verified against its
    /// checksum (and remembered as verified).
    fn read(
        &self,
        b: u64,
        lo: usize,
        hi: usize,
        buf: &mut [u8; BLOCK_BYTES],
    ) -> Result<(), IndexError> {
        let whole = lo == 0 && hi == self.block_len(b);
        debug_assert!(whole || self.is_verified(b), "part of an unverified block");
        let bytes = &mut buf[..ENTRY as usize * (hi - lo)];
        self.file
            .read_exact_at(bytes, HEADER + ENTRY * (b * BLOCK + lo as u64))
            .map_err(|e| self.io(e))?;
        if whole && !self.is_verified(b) {
            if xxh3_64(bytes) != self.sums[b as usize] {
                return Err(self.damaged(format!("checksum mismatch in block {b} of entries")));
            }
            self.verified[(b / 64) as usize].fetch_or(1 << (b % 64), Ordering::Relaxed);
        }
        Ok(())
    }

    /// Every entry with this key, in stored order (ascending run seq).
    ///
    /// Reads the key's block whole the first time (to verify it), and
    /// after that only [`WINDOW`] entries around where the key's hash says
    /// it lies (the whole block when the key is not inside them).
    pub(crate) fn lookup(&self, key: Key, out: &mut Vec<Entry>) -> Result<(), IndexError> {
        let blocks = self.shape.blocks;
        if blocks == 0 {
            return Ok(());
        }
        // Hashes are uniform, so the position of a key is about
        // hash / 2⁶⁴ of the way: search outward from there (a few probes
        // near the guess instead of a binary search's cache misses).
        // First block whose fence is ≥ the hash; equal hashes may begin at
        // the end of the block before it.
        let guess = ((u128::from(key.hash) * u128::from(blocks)) >> 64) as u64;
        let lb = gallop(blocks, guess, |b| self.fence(b) < key.hash);
        let mut b = lb.saturating_sub(1);
        let mut n = self.block_len(b);
        let first = self.fence(b);
        let next = if b + 1 < blocks {
            self.fence(b + 1)
        } else {
            u64::MAX
        };
        let span = u128::from(next - first) + 1;
        let guess = (u128::from(key.hash.saturating_sub(first)) * n as u128 / span) as usize;
        let guess = guess.min(n);
        let at = |buf: &[u8], i: usize| Entry::decode(&buf[i * ENTRY as usize..]);
        let mut buf = [0u8; BLOCK_BYTES];
        // `buf` holds entries lo..hi of block b; `i` is the next one to
        // compare (lo ≤ i ≤ hi).
        let mut placed = None;
        if self.is_verified(b) {
            let lo = guess
                .saturating_sub(WINDOW / 2)
                .min(n.saturating_sub(WINDOW));
            let hi = (lo + WINDOW).min(n);
            self.read(b, lo, hi, &mut buf)?;
            let p = lo
                + gallop((hi - lo) as u64, (guess - lo) as u64, |j| {
                    at(&buf, j as usize).key < key
                }) as usize;
            // The key's place is known when an entry below it, or the
            // block's start, is inside the window, and an entry not
            // below it, or the block's end.
            if (p > lo || lo == 0) && (p < hi || hi == n) {
                placed = Some((lo, hi, p));
            }
        }
        let (mut lo, mut hi, mut i) = match placed {
            Some(p) => p,
            None => {
                self.read(b, 0, n, &mut buf)?;
                let p = gallop(n as u64, guess as u64, |j| at(&buf, j as usize).key < key);
                (0, n, p as usize)
            }
        };
        loop {
            if i == hi {
                if hi < n {
                    // The rest of this (verified) block.
                    self.read(b, hi, n, &mut buf)?;
                    (lo, hi) = (hi, n);
                } else {
                    b += 1;
                    if b == blocks {
                        return Ok(());
                    }
                    n = self.block_len(b);
                    self.read(b, 0, n, &mut buf)?;
                    (lo, hi, i) = (0, n, 0);
                }
            }
            let e = at(&buf, i - lo);
            if e.key != key {
                return Ok(());
            }
            out.push(e);
            i += 1;
        }
    }

    /// A sequential reader of all entries through buffered reads,
    /// verifying every block.
    pub(crate) fn reader(&self) -> Result<SegmentReader, IndexError> {
        let mut file = File::open(&self.path).map_err(|e| IndexError::io(&self.path, e))?;
        file.seek(SeekFrom::Start(HEADER))
            .map_err(|e| IndexError::io(&self.path, e))?;
        Ok(SegmentReader {
            path: self.path.clone(),
            file: BufReader::with_capacity(1 << 20, file),
            sums: self.sums.clone(),
            entries: self.shape.entries,
            next: 0,
            buf: Vec::new(),
            at: 0,
            last: None,
        })
    }
}

/// Reads a segment's entries in order, a verified block at a time.
pub(crate) struct SegmentReader {
    path: PathBuf,
    file: BufReader<File>,
    sums: Vec<u64>,
    entries: u64,
    next: u64,
    buf: Vec<u8>,
    at: usize,
    last: Option<Key>,
}

impl SegmentReader {
    /// The next entry, or `None` at the end. Checks each block's checksum
    /// and that keys never go down.
    pub(crate) fn next_entry(&mut self) -> Result<Option<Entry>, IndexError> {
        if self.at == self.buf.len() {
            if self.next == self.entries {
                return Ok(None);
            }
            let b = self.next / BLOCK;
            let n = BLOCK.min(self.entries - self.next);
            self.buf.resize((ENTRY * n) as usize, 0);
            self.file
                .read_exact(&mut self.buf)
                .map_err(|e| IndexError::io(&self.path, e))?;
            if xxh3_64(&self.buf) != self.sums[b as usize] {
                return Err(IndexError::corrupt(
                    &self.path,
                    format!("checksum mismatch in block {b} of entries"),
                ));
            }
            self.next += n;
            self.at = 0;
        }
        let e = Entry::decode(&self.buf[self.at..]);
        self.at += ENTRY as usize;
        if self.last.is_some_and(|l| l > e.key) {
            return Err(IndexError::corrupt(
                &self.path,
                "entries out of order".into(),
            ));
        }
        self.last = Some(e.key);
        Ok(Some(e))
    }
}

/// The first index in `0..n` where `less` is false (`less` is true on a
/// prefix), searching outward from `guess` by doubling steps, then by
/// halving inside the last step.
fn gallop(n: u64, guess: u64, less: impl Fn(u64) -> bool) -> u64 {
    let guess = guess.min(n);
    // `lo` is an index known to be `less` (or -1 as 0 with `lo_ok`
    // false); `hi` one known not `less` (or n).
    let (mut lo, mut hi);
    if guess < n && less(guess) {
        lo = guess + 1;
        let mut step = 1;
        loop {
            let probe = guess + step;
            if probe >= n {
                hi = n;
                break;
            }
            if !less(probe) {
                hi = probe;
                break;
            }
            lo = probe + 1;
            step *= 2;
        }
    } else {
        hi = guess;
        let mut step = 1;
        loop {
            if step > guess {
                lo = 0;
                break;
            }
            let probe = guess - step;
            if less(probe) {
                lo = probe + 1;
                break;
            }
            hi = probe;
            step *= 2;
        }
    }
    // Invariant: everything below `lo` is less, everything from `hi` not.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if less(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Lookups find every key present and none absent, across block
    /// edges, the first time a block is read (verified) and again (read
    /// into the buffer anew, already verified); the documents read back.
    #[test]
    fn lookups_find_every_key_read_after_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seg-0000000000.ncx");
        let docs = vec![(3, "a/1.txt".to_string()), (3, "a/2.txt".to_string())];
        let mut keys: Vec<Key> = (0..5000u32)
            .map(|i| Key {
                hash: xxh3_64(&i.to_le_bytes()),
                check: i,
            })
            .collect();
        keys.sort();
        let mut w = SegmentWriter::create(&path, docs, 5000).unwrap();
        for (i, &key) in keys.iter().enumerate() {
            w.push(Entry {
                key,
                doc: (i % 2) as u32,
                line: i as u32 + 1,
            })
            .unwrap();
        }
        let meta = w.finish().unwrap();
        assert_eq!(meta.entries, 5000);
        assert_eq!(meta.seqs, [3]);
        let seg = Segment::open(dir.path(), &meta).unwrap();
        for round in 0..2 {
            for (i, &key) in keys.iter().enumerate() {
                let mut found = Vec::new();
                seg.lookup(key, &mut found).unwrap();
                assert_eq!(found.len(), 1, "round {round}, key {i}");
                assert_eq!(found[0].line, i as u32 + 1);
                assert_absent(&seg, key);
            }
            assert_eq!(seg.doc(1).unwrap(), (3, "a/2.txt"));
            assert_eq!(seg.seq(0).unwrap(), 3);
            assert!(seg.doc(2).is_err());
            assert_eq!(seg.seqs().collect::<Vec<_>>(), [3, 3]);
        }
    }

    /// `key` with another check hash is not found (a 64-bit collision
    /// is no false pair).
    fn assert_absent(seg: &Segment, key: Key) {
        let mut none = Vec::new();
        let other = Key {
            check: key.check ^ 1 << 31,
            ..key
        };
        seg.lookup(other, &mut none).unwrap();
        assert!(none.is_empty(), "{other:?}");
    }

    fn key(i: u64) -> Key {
        Key {
            hash: xxh3_64(&i.to_le_bytes()),
            check: i as u32,
        }
    }

    /// Writes a segment of `keys` (sorted here, one document) and opens it.
    fn written(dir: &Path, mut keys: Vec<Key>, expected: u64) -> (SegMeta, Segment) {
        keys.sort();
        keys.dedup();
        let path = dir.join("seg-0000000001.ncx");
        let mut w = SegmentWriter::create(&path, vec![(0, "d.txt".into())], expected).unwrap();
        for (i, &key) in keys.iter().enumerate() {
            w.push(Entry {
                key,
                doc: 0,
                line: i as u32 + 1,
            })
            .unwrap();
        }
        let meta = w.finish().unwrap();
        let seg = Segment::open(dir, &meta).unwrap();
        (meta, seg)
    }

    /// A key stored for many runs (more entries than a lookup's window,
    /// some across a block edge) is found whole, its entries in run
    /// order, on the first lookup (blocks read whole) and on later ones
    /// (windows); so is every key of a segment whose hashes are far from
    /// uniform (where the window misses the key and the block is read
    /// whole), and absent keys are not.
    #[test]
    fn lookups_find_runs_of_one_key_and_skewed_hashes_past_the_window() {
        for skewed in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("seg-0000000002.ncx");
            let runs = 70u32;
            let docs: Vec<(u32, String)> = (0..runs).map(|q| (q, format!("{q}.txt"))).collect();
            let hash = |i: u64| {
                if skewed {
                    // Dense at the start, sparse at the end of the space.
                    (i * i * i) << 20
                } else {
                    xxh3_64(&i.to_le_bytes())
                }
            };
            let mut keys: Vec<Key> = (0..3000u64)
                .map(|i| Key {
                    hash: hash(i),
                    check: i as u32,
                })
                .collect();
            keys.sort();
            // Keys stored once for every run: spread over the segment.
            let many: Vec<Key> = [5, 255, 700, 1800, 2999].map(|i| keys[i]).to_vec();
            let mut w = SegmentWriter::create(&path, docs, 3000 + 5 * u64::from(runs)).unwrap();
            for &key in &keys {
                let count = if many.contains(&key) { runs } else { 1 };
                for q in 0..count {
                    w.push(Entry {
                        key,
                        doc: q,
                        line: q + 1,
                    })
                    .unwrap();
                }
            }
            let meta = w.finish().unwrap();
            let seg = Segment::open(dir.path(), &meta).unwrap();
            for round in 0..2 {
                for &key in &keys {
                    let mut found = Vec::new();
                    seg.lookup(key, &mut found).unwrap();
                    let want = if many.contains(&key) { runs } else { 1 };
                    assert_eq!(found.len(), want as usize, "skewed {skewed} round {round}");
                    assert!(found
                        .iter()
                        .zip(0..)
                        .all(|(e, q)| e.key == key && e.doc == q));
                    assert_absent(&seg, key);
                }
            }
        }
    }

    /// The filter's false-positive rate at the sizing the writer uses
    /// (10 bits a key) is about 1%: what makes a miss skip the segment.
    #[test]
    fn the_filter_passes_about_one_key_in_a_hundred_that_is_absent() {
        let dir = tempfile::tempdir().unwrap();
        let (_, seg) = written(dir.path(), (0..100_000).map(key).collect(), 100_000);
        assert_eq!(seg.filter.as_ref().unwrap().blocks(), 1954);
        let passed = (1_000_000..1_200_000)
            .filter(|&i| seg.may_contain(key(i)))
            .count();
        let rate = passed as f64 / 200_000.0;
        assert!((0.003..0.02).contains(&rate), "false-positive rate {rate}");
    }

    /// A version-1 file (the same bytes without the filter, as an older
    /// build wrote them) opens, and every lookup probes it.
    #[test]
    fn a_version_1_segment_opens_and_finds_its_keys() {
        let dir = tempfile::tempdir().unwrap();
        let keys: Vec<Key> = (0..3000).map(key).collect();
        let (meta, seg) = written(dir.path(), keys.clone(), 3000);
        let filters = seg.shape.filters;
        drop(seg);
        let path = dir.path().join(&meta.file);
        let mut b = std::fs::read(&path).unwrap();
        b.truncate(b.len() - (FILTER_BLOCK * filters) as usize);
        b[8..12].copy_from_slice(&1u32.to_le_bytes());
        b[56..64].fill(0);
        let fence = (HEADER + ENTRY * 3000) as usize;
        let sum = tables_digest(1, &b, &b[fence..]);
        b[48..56].copy_from_slice(&sum.to_le_bytes());
        std::fs::write(&path, &b).unwrap();
        let v1 = SegMeta {
            bytes: b.len() as u64,
            tables_sum: sum,
            ..meta
        };
        let seg = Segment::open(dir.path(), &v1).unwrap();
        assert_eq!(seg.shape.version, 1);
        assert!(seg.filter.is_none());
        for &k in &keys {
            let mut found = Vec::new();
            assert!(seg.may_contain(k));
            seg.lookup(k, &mut found).unwrap();
            assert_eq!(found.len(), 1);
        }
        // A filter block count in a version-1 header is damage.
        b[56] = 1;
        std::fs::write(&path, &b).unwrap();
        assert!(Segment::open(dir.path(), &v1).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// No false negatives: every key written passes the filter, with
        /// the filter sized for the entries or for many more or fewer.
        #[test]
        fn the_filter_never_refuses_a_key_it_holds(
            hashes in proptest::collection::vec(any::<u64>(), 1..2000),
            expected in 0u64..5000,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let keys: Vec<Key> = hashes.iter().map(|&h| Key { hash: h, check: h as u32 }).collect();
            let (_, seg) = written(dir.path(), keys.clone(), expected);
            for k in keys {
                prop_assert!(seg.may_contain(k), "{:?}", k);
            }
        }

        /// The outward search finds what a binary search finds, from any
        /// guess (good, bad or past the end).
        #[test]
        fn gallop_is_partition_point(mut v in proptest::collection::vec(any::<u16>(), 0..300),
                                     target in any::<u16>(), guess in 0u64..400) {
            v.sort_unstable();
            let want = v.partition_point(|&x| x < target) as u64;
            prop_assert_eq!(gallop(v.len() as u64, guess, |i| v[i as usize] < target), want);
        }
    }
}
