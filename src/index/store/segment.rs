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
//! of each segment's filter and no entries at all. The filter is copied
//! out of the mapping at open (1.25 bytes a key: 62 MiB at 50 M keys),
//! so checking it never faults on a released page.
//!
//! # Checks
//!
//! The file's length must be exactly what the header says. Opening checks
//! the magic, the version (a newer one is refused, never read), the length
//! and the tables checksum, so everything but the entries is verified
//! before use (the filter too); each block of entries is verified against
//! its checksum the first time a lookup touches it (a bitmap remembers the
//! verified ones), and `index verify` and every merge read and verify all
//! of them. A lookup therefore never acts on a byte that was not verified.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use memmap2::Mmap;
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
    let mut h = Xxh3::new();
    h.update(&header[0..48]);
    if version >= 2 {
        h.update(&header[56..64]);
    }
    h.update(tables);
    h.digest()
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

/// An open segment: its mapping and the verified-block bitmap.
pub(crate) struct Segment {
    path: PathBuf,
    map: Mmap,
    shape: Shape,
    verified: Vec<AtomicU64>,
    /// The fence, copied out of the mapping (8 bytes per 256 entries:
    /// 1.6 MB at 50 M keys), so that a search never faults on it.
    fence: Vec<u64>,
    /// The block checksums, copied out the same way (a lookup would
    /// otherwise fault a page of them for each block it reads).
    sums: Vec<u64>,
    /// The key filter, copied out of the mapping; `None` in a version-1
    /// segment (every key may be in it).
    filter: Option<Filter>,
}

impl Segment {
    /// Maps `dir/meta.file` and checks it against the manifest's record
    /// and its own header and tables checksum.
    pub(crate) fn open(dir: &Path, meta: &SegMeta) -> Result<Segment, IndexError> {
        let path = dir.join(&meta.file);
        let file = File::open(&path).map_err(|e| IndexError::io(&path, e))?;
        let len = file.metadata().map_err(|e| IndexError::io(&path, e))?.len();
        let map = map_file(&file, &path)?;
        // Lookups jump around: no read-ahead around each touched page.
        let _ = map.advise(memmap2::Advice::Random);
        let shape = Shape::parse(&map[..map.len().min(HEADER as usize)], len, &path)?;
        if tables_digest(shape.version, &map, &map[shape.fence_off() as usize..])
            != shape.tables_sum
        {
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
        let seg = Segment {
            verified: (0..shape.blocks.div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
            fence: (0..shape.blocks)
                .map(|b| u64_at(&map, (shape.fence_off() + 8 * b) as usize))
                .collect(),
            sums: (0..shape.blocks)
                .map(|b| u64_at(&map, (shape.sums_off() + 8 * b) as usize))
                .collect(),
            filter: (shape.filters > 0).then(|| Filter {
                words: map[shape.filter_off() as usize..shape.len() as usize]
                    .chunks_exact(8)
                    .map(|w| u64_at(w, 0))
                    .collect(),
            }),
            path,
            map,
            shape,
        };
        // Fence ascending, every document's path inside the text and UTF-8.
        for b in 1..shape.blocks {
            if seg.fence(b) < seg.fence(b - 1) {
                return Err(seg.damaged(format!("fence not sorted at block {b}")));
            }
        }
        for d in 0..shape.docs {
            seg.doc(d as u32)?;
        }
        // The checks above touched all the tables: let them go.
        release(&seg.map);
        Ok(seg)
    }

    fn damaged(&self, why: String) -> IndexError {
        IndexError::corrupt(&self.path, why)
    }

    /// Gives back the pages of the mapping this process touched (they
    /// stay in the page cache).
    pub(crate) fn release(&self) {
        release(&self.map);
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

    /// Number of documents in its table.
    pub(crate) fn docs(&self) -> u32 {
        self.shape.docs as u32
    }

    fn fence(&self, b: u64) -> u64 {
        self.fence[b as usize]
    }

    /// Document `d`: its run seq and path.
    pub(crate) fn doc(&self, d: u32) -> Result<(u32, &str), IndexError> {
        if u64::from(d) >= self.shape.docs {
            return Err(self.damaged(format!(
                "entry names document {d}, the table has {}",
                self.shape.docs
            )));
        }
        let at = (self.shape.docs_off() + DOC * u64::from(d)) as usize;
        let seq = u32_at(&self.map, at);
        let off = u64::from(u32_at(&self.map, at + 4));
        let len = u64::from(u32_at(&self.map, at + 8));
        if off + len > self.shape.paths {
            return Err(self.damaged(format!("document {d}'s path lies outside the path text")));
        }
        let start = (self.shape.paths_off() + off) as usize;
        let text = std::str::from_utf8(&self.map[start..start + len as usize])
            .map_err(|_| self.damaged(format!("document {d}'s path is not UTF-8")))?;
        Ok((seq, text))
    }

    /// Block `b`'s entries, verified against its checksum the first time.
    fn block(&self, b: u64) -> Result<&[u8], IndexError> {
        let first = b * BLOCK;
        let n = BLOCK.min(self.shape.entries - first);
        let start = (HEADER + ENTRY * first) as usize;
        let bytes = &self.map[start..start + (ENTRY * n) as usize];
        let (word, bit) = ((b / 64) as usize, 1u64 << (b % 64));
        if self.verified[word].load(Ordering::Relaxed) & bit == 0 {
            if xxh3_64(bytes) != self.sums[b as usize] {
                return Err(self.damaged(format!("checksum mismatch in block {b} of entries")));
            }
            self.verified[word].fetch_or(bit, Ordering::Relaxed);
        }
        Ok(bytes)
    }

    /// Every entry with this key, in stored order (ascending run seq).
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
        let bytes = self.block(b)?;
        let n = (bytes.len() / ENTRY as usize) as u64;
        let first = self.fence(b);
        let next = if b + 1 < blocks {
            self.fence(b + 1)
        } else {
            u64::MAX
        };
        let span = u128::from(next - first) + 1;
        let guess = (u128::from(key.hash.saturating_sub(first)) * u128::from(n) / span) as u64;
        let at = |i: u64| Entry::decode(&bytes[(i * ENTRY) as usize..]);
        let lo = gallop(n, guess.min(n), |i| at(i).key < key) as usize;
        let mut i = lo;
        let mut bytes = bytes;
        loop {
            if i == bytes.len() / ENTRY as usize {
                b += 1;
                if b == blocks {
                    return Ok(());
                }
                bytes = self.block(b)?;
                i = 0;
            }
            let e = Entry::decode(&bytes[i * ENTRY as usize..]);
            if e.key != key {
                return Ok(());
            }
            out.push(e);
            i += 1;
        }
    }

    /// A sequential reader of all entries through ordinary reads (not the
    /// mapping, so a merge or a verify does not fill the process's memory
    /// with the file), verifying every block.
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

/// Lets the kernel take back the pages of `map` that this process has
/// touched (`madvise(MADV_DONTNEED)`): a lookup touches a page or two of
/// each segment, and without this a night of lookups would make most of
/// the index resident in the process (file-backed RSS). The pages stay in
/// the page cache; the next touch maps them again.
#[allow(unsafe_code)]
fn release(map: &Mmap) {
    // SAFETY: `Mmap::map` makes a read-only shared mapping of a file that
    // is never modified (see `map_file`), so after MADV_DONTNEED every
    // byte reads back exactly as before, from the file's pages; nothing
    // is lost (that loss is what makes the advice unsafe for private or
    // written mappings). A failure only leaves the pages mapped.
    let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
}

/// Maps a segment file read-only.
#[allow(unsafe_code)]
fn map_file(file: &File, path: &Path) -> Result<Mmap, IndexError> {
    // SAFETY: `Mmap::map` is unsafe because the mapped bytes change (or a
    // shrinking file raises SIGBUS) if the file is modified while mapped.
    // Segment files are written once under a fresh name before the
    // manifest names them and are never opened for writing again: merges
    // and drops write new files, and an old file is only unlinked, which
    // leaves an existing mapping intact. Nothing here writes through the
    // mapping. Only a foreign process truncating the file in place could
    // break this; every read of the mapping is bounds-checked against the
    // length checked at open.
    unsafe { Mmap::map(file) }.map_err(|e| IndexError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Lookups answer the same before and after the mapped pages are
    /// given back, for keys present and absent, across block edges.
    #[test]
    fn lookups_survive_releasing_the_pages() {
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
                let mut none = Vec::new();
                seg.lookup(
                    Key {
                        check: key.check ^ 1 << 31,
                        ..key
                    },
                    &mut none,
                )
                .unwrap();
                assert!(none.is_empty());
            }
            assert_eq!(seg.doc(1).unwrap(), (3, "a/2.txt"));
            seg.release();
        }
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
