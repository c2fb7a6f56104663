//! Near-duplicates (issue 16): edited copies of documents and paragraphs,
//! found by MinHash and LSH, and **verified exactly** before any decision.
//!
//! ```text
//!  fingerprint (per document, parallel)          resolve (one thread, corpus order)
//!  ─────────────────────────────────────         ─────────────────────────────────────
//!  each paragraph: tokens → shingle set          document: LSH candidates among kept
//!   (sorted 32-bit hashes) → MinHash;             documents → exact Jaccard and
//!   ≥ min_shingles: its band keys                 containment → remove / flag / nothing
//!  document: min of the paragraphs'              paragraph (survived exact dedup):
//!   signatures → band keys                        LSH candidates among kept paragraphs
//!                                                 → exact check → flag / remove
//! ```
//!
//! - Shingles ([`shingle`]): the block's text read as its fingerprint key
//!   reads it; Han characters are tokens, numbers are tokens, and so is
//!   each Latin letter (with the letters before it, [`shingle::LATIN_SPAN`]);
//!   a shingle is `ngram` consecutive tokens (character n-grams on
//!   Han, letter n-grams on Latin). Digits are kept: a figure is a token.
//! - MinHash ([`minhash`]): one-permutation MinHash of `permutations`
//!   bins with optimal densification (one multiply per shingle; see its
//!   module doc for the measurement); LSH: `bands` bands of
//!   `permutations / bands` rows for paragraphs, `document_bands` for
//!   documents. A document's raw bins are the element-wise minimum of its
//!   paragraphs'.
//! - Verification: every candidate is compared on the shingle sets
//!   themselves (`similarity` = Jaccard, `containment` = share of this
//!   copy's shingles in the kept one); LSH only proposes.
//! - Decisions (first copy in corpus order kept; only kept copies are
//!   candidates, so nothing is removed through a chain A~B~C):
//!   an exact copy of a kept document is left to exact dedup; a document
//!   with similarity ≥ `threshold` to a kept one is removed
//!   (`dedup.near-document`, status `duplicate`) when it is not longer than
//!   the kept one (in shingles), contained in it (≥ [`CONTAINMENT`]) and
//!   has no shingle with a figure that the kept one lacks (a changed
//!   figure makes such shingles); otherwise it is flagged (text
//!   untouched). A document at `flag_threshold` or more but below
//!   `threshold` is flagged, never removed (document signatures are
//!   banded apart, `document_bands`, so that such copies are
//!   candidates). A paragraph of ≥ `min_shingles` shingles that survived
//!   exact dedup and is similar to a kept paragraph is flagged
//!   (`dedup.near-paragraph`), or removed with `near_paragraph = "remove"`
//!   under the same conditions as a document; a paragraph is also
//!   near-identical when one of the two is contained in the other (≥
//!   [`CONTAINMENT`]) at similarity ≥ [`CONTAINED_SIMILARITY`] (a clause
//!   dropped or added). A paragraph of two or more sentence lines is
//!   compared line by line ([`units`]), each line flagged at most.
//! - Memory of one run ([`NearIndex`]): the shingle sets of every kept
//!   document (4 bytes a shingle, about one shingle per Han character),
//!   a record per paragraph, and two LSH tables (open addressing, 8 bytes
//!   a band key of a kept item, at most 3/4 full). On xwlb (112 MB):
//!   31.2 M shingles (125 MB), 403 k paragraphs, 10.5 M paragraph band
//!   entries in 16.8 M slots (134 MB); `NEWSCLEAN_NEAR_PROFILE=1` prints
//!   these and the time split.
//!
//! Nightly runs (`--index`): the index holds, per run, the documents its
//! near index held as kept ([`NearIndex::export`], the store's near file,
//! made in chunks of [`Body`] at the end of the run while the index frees
//! what it held); a run's near index first holds those of the latest
//! `index_runs` live earlier runs, oldest first ([`NearIndex::add_past`]):
//! their band keys in the LSH tables, their shingle sets left in the open
//! near file and read by offset when one is a candidate. Candidates are
//! met in the order one run over all the nights meets them, and a match
//! names the earlier run ([`Origin::Earlier`]). Staged runs do the same
//! (their `apply` holds the earlier nights first, their `report` commits
//! the run's file).
//!
//! Staged and distributed runs (`staged.rs`): a shard's near index first
//! holds every earlier shard's documents ([`Earlier`], written by
//! `fingerprint`, [`NearIndex::add_earlier`]) and tells what it did
//! ([`NearOutcome`]: the earlier items that were candidates, what it held
//! itself); `report` applies a shard again when a candidate turned out not
//! to be kept. Items are numbered in corpus order and candidates visited
//! in that order, so only such a candidate can change a decision. This
//! holds every earlier shard's shingle sets in each `apply`; the shape
//! that scales past one machine's memory (a shuffle by band key, the
//! candidate pairs verified where both sets are, one sequential pass over
//! the verified pairs) is sketched in `docs/scale-out.md`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::index::{Here, Origin};
use crate::segment::{Block, BlockKind};

pub(crate) mod minhash;
pub(crate) mod shingle;

// The ids and descriptions of this module's rules: the rule catalog
// (`src/rules/catalog.rs`); its settings: `crate::config`.
pub use crate::config::{NearConfig, NearMode, MAX_NGRAM, MAX_ROWS};
/// Containment a copy needs in the kept one to be removed.
pub const CONTAINMENT: f32 = 0.9;
/// Paragraphs with fewer shingles are left to exact dedup.
pub const MIN_SHINGLES: u32 = 20;
/// Version of the shingles, MinHash and band keys: a change to any of them
/// makes signatures an index holds incomparable (bump it then). 2: Latin
/// letters are tokens (`shingle::LATIN_SPAN`), not words. 3: a paragraph
/// of sentence lines is compared line by line ([`units`]).
pub const SIGNATURE_VERSION: u32 = 3;

/// What `resolve` applies of the near settings (part of
/// [`crate::stage::DedupRules`]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NearRules {
    /// `dedup.near-document` is on.
    pub document: bool,
    /// `dedup.near-paragraph` is on, and what it does.
    pub paragraph: Option<NearMode>,
    /// [`NearConfig::threshold`].
    pub threshold: f32,
    /// [`NearConfig::ngram`].
    pub ngram: u32,
    /// [`NearConfig::permutations`].
    pub permutations: u32,
    /// [`NearConfig::bands`].
    pub bands: u32,
    /// [`NearConfig::flag_threshold`], at most `threshold`.
    pub flag_threshold: f32,
    /// [`NearConfig::document_bands`].
    pub document_bands: u32,
}

impl Eq for NearRules {}

impl Default for NearRules {
    /// Both rules off.
    fn default() -> Self {
        let n = NearConfig::default();
        NearRules {
            document: false,
            paragraph: None,
            threshold: n.threshold,
            ngram: n.ngram,
            permutations: n.permutations,
            bands: n.bands,
            flag_threshold: n.flag_threshold,
            document_bands: n.document_bands,
        }
    }
}

impl NearRules {
    /// Fingerprint of the settings the signatures depend on (what an
    /// index's near file was made with; see `index/store/near.rs`).
    pub fn settings(&self) -> u64 {
        let mut b = Vec::with_capacity(24);
        for x in [
            SIGNATURE_VERSION,
            self.ngram,
            self.permutations,
            self.bands,
            self.document_bands,
            MIN_SHINGLES,
        ] {
            b.extend_from_slice(&x.to_le_bytes());
        }
        xxhash_rust::xxh3::xxh3_64(&b)
    }

    /// The near rules of `cfg`.
    pub fn of(cfg: &crate::config::Config) -> NearRules {
        let n = cfg.near;
        NearRules {
            document: n.enabled && cfg.on("dedup.near-document"),
            paragraph: (n.enabled && cfg.on("dedup.near-paragraph")).then_some(cfg.near_paragraph),
            threshold: n.threshold,
            ngram: n.ngram,
            permutations: n.permutations,
            bands: n.bands,
            flag_threshold: n.flag_threshold.min(n.threshold),
            document_bands: n.document_bands,
        }
    }

    /// Rows a band of a paragraph signature.
    pub fn rows(&self) -> usize {
        (self.permutations / self.bands) as usize
    }

    /// Rows a band of a document signature.
    pub fn document_rows(&self) -> usize {
        (self.permutations / self.document_bands) as usize
    }

    /// Either rule is on.
    pub fn any(&self) -> bool {
        self.document || self.paragraph.is_some()
    }
}

/// How similar a copy is to its kept one, and how that was measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Similarity {
    /// Jaccard similarity of the two shingle sets.
    pub similarity: f32,
    /// Share of this copy's shingles that are in the kept copy.
    pub containment: f32,
    /// How: e.g. `exact: 5-gram shingle sets`.
    pub measured: String,
}

impl Eq for Similarity {}

/// A verified near-duplicate: the kept copy, the scores, and whether it
/// goes (else it is flagged).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearMatch {
    /// Index of the paragraph block (for a document: 0).
    pub block: usize,
    /// The kept copy.
    pub kept: Origin,
    /// Scores.
    pub score: Similarity,
    /// Removed (else flagged).
    pub remove: bool,
}

/// One paragraph's part of [`NearPrints`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParaPrint {
    /// Its block index.
    pub block: u32,
    /// Its shingle set: `NearPrints::shingles[sh..sh + n]`.
    pub sh: u32,
    /// Size of its shingle set.
    pub n: u32,
    /// Its shingles that hold a figure: `NearPrints::figures[fig..fig +
    /// figs]`.
    pub fig: u32,
    /// How many of its shingles hold a figure.
    pub figs: u32,
    /// Its band keys, `NearPrints::bands[band..band + bands]`, when it has
    /// at least [`MIN_SHINGLES`] shingles; `u32::MAX` otherwise.
    pub band: u32,
}

/// The near-duplicate fingerprints of one document, computed by
/// `stage::fingerprint` (in parallel) for `resolve`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NearPrints {
    /// Each paragraph's shingle set (sorted), one after the other.
    pub shingles: Vec<u32>,
    /// Each paragraph's shingles that hold a figure (sorted, unique), one
    /// after the other.
    pub figures: Vec<u32>,
    /// The paragraphs, in text order.
    pub paras: Vec<ParaPrint>,
    /// Band keys of the paragraphs that have them.
    pub bands: Vec<u32>,
    /// Band keys of the document (empty: fewer than [`MIN_SHINGLES`]).
    pub doc_bands: Vec<u32>,
}

/// Time spent, in nanoseconds of elapsed time summed over threads (on a
/// loaded machine it counts time the thread waited for a core too):
/// shingling (tokens and shingle sets), hashing (MinHash and bands),
/// verification and the rest of the near part of resolve. Printed by the
/// binary with `NEWSCLEAN_NEAR_PROFILE=1`.
pub static TIMES: [AtomicU64; 3] = [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)];

/// What the run's near index held at its end ([`NearIndex::sizes`]),
/// printed with [`TIMES`] under `NEWSCLEAN_NEAR_PROFILE=1`.
pub static SIZES: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());

/// The three times of [`TIMES`], in seconds.
pub fn times() -> [f64; 3] {
    [0, 1, 2].map(|i| TIMES[i].load(Relaxed) as f64 / 1e9)
}

/// The near-duplicate prints of the paragraphs `blocks` of `text`.
pub fn prints(text: &str, blocks: &[Block], rules: &NearRules) -> NearPrints {
    let (mut shingling, mut hashing) = (0u64, 0u64);
    let mut out = NearPrints::default();
    let mut toks = shingle::Tokens::default();
    let k = rules.permutations as usize;
    let mut doc_raw = vec![minhash::EMPTY; k];
    let mut raw = vec![minhash::EMPTY; k];
    let mut sig = vec![0u32; k];
    let mut total = 0u32;
    for i in units(text, blocks) {
        let b = &blocks[i];
        let t0 = Instant::now();
        toks.read(&text[b.start..b.end]);
        let (sh, fig) = (out.shingles.len(), out.figures.len());
        let n = shingle::shingles(
            &toks,
            rules.ngram as usize,
            &mut out.shingles,
            &mut out.figures,
        );
        let t1 = Instant::now();
        let set = &out.shingles[sh..];
        let band = if n as u32 >= MIN_SHINGLES && rules.paragraph.is_some() {
            raw.fill(minhash::EMPTY);
            minhash::update(set, &mut raw);
            for (d, r) in doc_raw.iter_mut().zip(&raw) {
                *d = (*d).min(*r);
            }
            minhash::densify(&raw, &mut sig);
            let at = out.bands.len() as u32;
            minhash::band_keys(&sig, rules.bands as usize, rules.rows(), &mut out.bands);
            at
        } else {
            if rules.document {
                minhash::update(set, &mut doc_raw);
            }
            u32::MAX
        };
        total += n as u32;
        out.paras.push(ParaPrint {
            block: i as u32,
            sh: sh as u32,
            n: n as u32,
            fig: fig as u32,
            figs: (out.figures.len() - fig) as u32,
            band,
        });
        shingling += (t1 - t0).as_nanos() as u64;
        hashing += t1.elapsed().as_nanos() as u64;
    }
    if rules.document && total >= MIN_SHINGLES {
        let t1 = Instant::now();
        minhash::densify(&doc_raw, &mut sig);
        minhash::band_keys(
            &sig,
            rules.document_bands as usize,
            rules.document_rows(),
            &mut out.doc_bands,
        );
        hashing += t1.elapsed().as_nanos() as u64;
    }
    TIMES[0].fetch_add(shingling, Relaxed);
    TIMES[1].fetch_add(hashing, Relaxed);
    out
}

/// The blocks compared as paragraphs, in text order: each paragraph,
/// except that a paragraph of two or more lines each of which ends a
/// sentence (`segment::ends_sentence`) is compared line by line. Dumps
/// often put a paragraph or two on adjacent lines at the head of a file
/// whose other paragraphs are blank-line separated (a dateline paragraph,
/// then the lead): a copy of one of those lines elsewhere measures J ≈ 0.4
/// against the two lines together. A line's match is only ever flagged
/// (see `NearIndex::paragraph`).
pub(crate) fn units<'a>(text: &'a str, blocks: &'a [Block]) -> impl Iterator<Item = usize> + 'a {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < blocks.len() && blocks[i].kind != BlockKind::Paragraph {
            i += 1;
        }
        let p = i;
        let mut j = p + 1;
        while j < blocks.len() && blocks[j].kind == BlockKind::Line {
            j += 1;
        }
        if p >= blocks.len() {
            return None;
        }
        i = j;
        let lines = p + 1..j;
        if lines.len() >= 2
            && blocks[lines.clone()]
                .iter()
                .all(|l| crate::segment::ends_sentence(&text[l.start..l.end]))
        {
            Some(lines)
        } else {
            Some(p..p + 1)
        }
    })
    .flatten()
}

/// A kept paragraph.
#[derive(Clone, Copy, Debug)]
struct ParaRec {
    /// Where it is kept.
    at: Here,
    /// Its document in `NearIndex::sets`.
    doc: u32,
    /// Its shingle set in that document's `shingles`.
    sh: u32,
    n: u32,
    /// Its exact key's hash (an exact repeat is exact dedup's).
    key: u64,
    /// Its number among its document's paragraphs.
    k: u32,
    /// Kept on an earlier run: its document in `NearIndex::past`
    /// ([`THIS_RUN`] otherwise).
    past: u32,
}

/// `past` of an item kept in this run (or an earlier shard of it).
const THIS_RUN: u32 = u32::MAX;

/// A kept document's shingle sets (every paragraph's, one after the
/// other): held in memory, each allocated at its size (one growing arena
/// would copy everything at each doubling and hold both copies then), or,
/// for a document of an earlier run, where they are in that run's near
/// file, read when the document or one of its paragraphs is a candidate
/// (so earlier nights cost memory only for their LSH entries).
#[derive(Debug)]
enum DocSets {
    Held(Box<[u32]>),
    Past {
        /// Its near file in `NearIndex::past_files`.
        file: u32,
        /// Offset of the first shingle in the file.
        at: u64,
    },
}

/// A near file of an earlier run, open (see [`DocSets::Past`]).
#[derive(Debug)]
struct PastFile {
    file: std::sync::Mutex<std::fs::File>,
    /// Its path, for the message if a read fails.
    path: String,
}

/// A kept document: where it starts, its paragraphs in `NearIndex::paras`.
#[derive(Clone, Copy, Debug)]
struct DocRec {
    at: Here,
    para: u32,
    paras: u32,
    /// Its document key's hash: an exact copy is `dedup.document`'s (or,
    /// with that rule off, kept), never a near-duplicate.
    key: Option<u64>,
    /// See `ParaRec::past`.
    past: u32,
}

/// A document kept on an earlier run (`--index`), as its run recorded it.
#[derive(Debug)]
struct PastDoc {
    /// That run's id.
    run: std::sync::Arc<str>,
    /// Its path relative to that run's input, as recorded then.
    path: String,
}

/// An LSH table: band key → the kept items with that key. One open-
/// addressing table of `key << 32 | item + 1` words (0: empty slot),
/// linear probing, at most 3/4 full: an item under each of its keys,
/// found by walking from the key's home slot to the next empty one. A
/// paragraph asks for its 32 keys at once, so their home slots are
/// loaded together first (the table is far larger than the caches; each
/// lookup is a miss, and misses issued together overlap), and inserting
/// after asking walks chains the lookup has just brought into cache.
#[derive(Default)]
struct Lsh {
    slots: Vec<u64>,
    /// Occupied slots.
    len: usize,
}

impl Lsh {
    /// The home slot of `key` in a table of `slots` (a power of two).
    fn home(key: u32, slots: usize) -> usize {
        // Band keys are hashes already; the multiply spreads them over
        // the high bits the shift keeps.
        let h = u64::from(key).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> (64 - slots.trailing_zeros())) as usize
    }

    /// Load the home slot of each key, all before any is used: the loads
    /// are independent, so their cache misses overlap, and the walks that
    /// follow find the slots in cache.
    fn prefetch(&self, keys: &[u32]) {
        if self.slots.is_empty() {
            return;
        }
        let n = self.slots.len();
        let heads = keys
            .iter()
            .fold(0u64, |x, &k| x ^ self.slots[Self::home(k, n)]);
        std::hint::black_box(heads);
    }

    fn put(slots: &mut [u64], word: u64) {
        let mask = slots.len() - 1;
        let mut i = Self::home((word >> 32) as u32, slots.len());
        while slots[i] != 0 {
            i = (i + 1) & mask;
        }
        slots[i] = word;
    }

    fn insert(&mut self, keys: &[u32], item: u32) {
        if (self.len + keys.len()) * 4 > self.slots.len() * 3 {
            let size = ((self.len + keys.len()) * 2).next_power_of_two().max(1024);
            let mut slots = vec![0u64; size];
            for &w in self.slots.iter().filter(|&&w| w != 0) {
                Self::put(&mut slots, w);
            }
            self.slots = slots;
        }
        self.prefetch(keys);
        let tag = u64::from(item) + 1;
        for &k in keys {
            Self::put(&mut self.slots, u64::from(k) << 32 | tag);
        }
        self.len += keys.len();
    }

    /// The items sharing a band key with `keys`, ascending, unique.
    fn candidates(&self, keys: &[u32], out: &mut Vec<u32>) {
        out.clear();
        if self.slots.is_empty() {
            return;
        }
        self.prefetch(keys);
        let mask = self.slots.len() - 1;
        for &k in keys {
            let mut i = Self::home(k, self.slots.len());
            loop {
                let w = self.slots[i];
                if w == 0 {
                    break;
                }
                if (w >> 32) as u32 == k {
                    out.push((w as u32).wrapping_sub(1));
                }
                i = (i + 1) & mask;
            }
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// The near-duplicate memory of one run: every kept document's shingle
/// sets, and the LSH tables of kept documents and paragraphs.
#[derive(Default)]
pub struct NearIndex {
    sets: Vec<DocSets>,
    paras: Vec<ParaRec>,
    docs: Vec<DocRec>,
    doc_lsh: Lsh,
    para_lsh: Lsh,
    cand: Vec<u32>,
    scratch: Vec<u32>,
    /// Documents (`docs`) and paragraphs (`paras`) below these numbers are
    /// an earlier shard's ([`NearIndex::add_earlier`]).
    earlier_docs: u32,
    earlier_paras: u32,
    /// What [`NearIndex::outcome`] tells: the earlier shards' items that
    /// were candidates, and this run's documents held.
    consulted: Vec<(u32, u32)>,
    added: Vec<u32>,
    /// Documents kept on earlier runs (`--index`, [`NearIndex::add_past`]),
    /// held before everything else: items below `past_docs` and
    /// `past_paras` are theirs.
    past: Vec<PastDoc>,
    past_docs: u32,
    past_paras: u32,
    /// The earlier runs' near files, open, their sets read on demand.
    past_files: Vec<PastFile>,
    /// The first read of an earlier run's sets that failed (file and
    /// reason); see [`NearIndex::failure`].
    failure: std::cell::RefCell<Option<(String, String)>>,
    /// Where an earlier run's sets are read into.
    read_buf: Vec<u32>,
    read_bytes: std::cell::RefCell<Vec<u8>>,
    /// With `--index` (not `--check`): what this run holds, for the store
    /// ([`NearIndex::export`]).
    export: Option<Export>,
    /// Per paragraph of this run (from `earlier_paras` on): 0 without
    /// bands, 1 with bands, 2 in the paragraph LSH table.
    state: Vec<u8>,
}

/// What [`NearIndex::export`] writes: each held document encoded as an
/// [`Earlier`] when it was added but for its shingles (they are in
/// `NearIndex::sets` already, and go in between at export), with its
/// order, its first paragraph number, its number of paragraphs, its sets
/// and where its bytes are (chunk, start, where the shingles go, end).
#[derive(Default)]
struct Export {
    bytes: Body,
    docs: Vec<ExportDoc>,
}

#[derive(Clone, Copy)]
struct ExportDoc {
    doc: u32,
    first: u32,
    n: u32,
    sets: u32,
    chunk: u32,
    start: usize,
    shingles: usize,
    end: usize,
}

/// Bytes in chunks of at most [`Body::CHUNK`] (or one record, if larger):
/// a run's near file body, or what it is made of, grows without ever
/// being copied to a larger buffer (a doubling buffer of the body of a
/// run over xwlb would hold 384 MB to give 192).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Body {
    chunks: Vec<Vec<u8>>,
}

impl Body {
    /// Bytes a chunk is made for.
    pub const CHUNK: usize = 8 << 20;

    /// The chunk to append a record of `len` bytes to (the last, or a new
    /// one when the record does not fit in it).
    pub fn room(&mut self, len: usize) -> &mut Vec<u8> {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.len() + len <= c.capacity());
        if !fits {
            self.chunks.push(Vec::with_capacity(len.max(Self::CHUNK)));
        }
        let last = self.chunks.len() - 1;
        &mut self.chunks[last]
    }

    /// Its chunks, in order.
    pub fn parts(&self) -> impl Iterator<Item = &[u8]> {
        self.chunks.iter().map(Vec::as_slice)
    }

    /// All of it in one buffer (tests, small bodies).
    pub fn to_vec(&self) -> Vec<u8> {
        self.chunks.concat()
    }
}

/// A document of an earlier shard of a staged run, as the near index
/// holds a kept one: written by `fingerprint` for each document with
/// paragraphs, read by the `apply` of every later shard (`staged.rs`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Earlier {
    /// Where it starts (its order key and first line).
    pub at: Here,
    /// Its document key's hash (see `DocRec::key`).
    pub key: Option<u64>,
    /// Its prints.
    pub prints: NearPrints,
    /// Per paragraph of `prints.paras`: its line.
    pub lines: Vec<u32>,
    /// Per paragraph of `prints.paras`: its block's key hash.
    pub keys: Vec<u64>,
}

/// The bytes of [`Earlier::encode`], from its parts: `line_of(k)` and
/// `key_of(k)` are paragraph `k`'s line and block key hash. Without
/// `shingles`, the shingles are left out (the sizes still say how many
/// there are; the export puts them in later). Returns where in `out` the
/// shingles start (or belong).
fn encode_parts(
    at: Here,
    key: Option<u64>,
    p: &NearPrints,
    line_of: impl Fn(usize) -> u32,
    key_of: impl Fn(usize) -> u64,
    shingles: bool,
    out: &mut Vec<u8>,
) -> usize {
    let mut u = |x: u32| out.extend_from_slice(&x.to_le_bytes());
    u(at.doc);
    u(at.line);
    u(u32::from(key.is_some()));
    for n in [
        p.paras.len(),
        p.shingles.len(),
        p.figures.len(),
        p.bands.len(),
        p.doc_bands.len(),
    ] {
        u(n as u32);
    }
    out.extend_from_slice(&key.unwrap_or(0).to_le_bytes());
    for (k, x) in p.paras.iter().enumerate() {
        for v in [x.block, x.sh, x.n, x.fig, x.figs, x.band, line_of(k)] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&key_of(k).to_le_bytes());
    }
    let at_shingles = out.len();
    if shingles {
        put_words(&p.shingles, out);
    }
    for v in [&p.figures, &p.bands, &p.doc_bands] {
        put_words(v, out);
    }
    at_shingles
}

fn put_words(v: &[u32], out: &mut Vec<u8>) {
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// Append one record of a run's near file (what [`NearIndex::add_past`]
/// reads): the document's name, the document as [`Earlier::encode`]
/// writes it (`encode`), and one byte a paragraph, 1 when it was held as
/// kept (`kept`, in paragraph order). `encoded` is the length `encode`
/// writes: the record goes whole into one chunk of `body`. Written by
/// [`NearIndex::export`] and by a staged run's `report`.
pub fn push_past_record(
    body: &mut Body,
    name: &str,
    encoded: usize,
    encode: impl FnOnce(&mut Vec<u8>),
    kept: impl ExactSizeIterator<Item = bool>,
) {
    let out = body.room(4 + name.len() + encoded + kept.len());
    out.extend_from_slice(&(name.len() as u32).to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    encode(out);
    out.extend(kept.map(u8::from));
}

impl Earlier {
    /// The document `prints` (paragraph blocks `blocks` at `lines`) that
    /// starts at `at`, with document key `key`.
    pub fn of(
        prints: &NearPrints,
        blocks: &[Block],
        lines: &[u32],
        at: Here,
        key: Option<u64>,
    ) -> Earlier {
        Earlier {
            at,
            key,
            prints: prints.clone(),
            lines: prints
                .paras
                .iter()
                .map(|x| lines[x.block as usize])
                .collect(),
            keys: prints
                .paras
                .iter()
                .map(|x| blocks[x.block as usize].key.hash)
                .collect(),
        }
    }

    /// The length of the encoding of a document of prints `p`.
    pub fn encoded_len(p: &NearPrints) -> usize {
        40 + 36 * p.paras.len()
            + 4 * (p.shingles.len() + p.figures.len() + p.bands.len() + p.doc_bands.len())
    }

    /// Append its bytes (little-endian) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_parts(
            self.at,
            self.key,
            &self.prints,
            |k| self.lines[k],
            |k| self.keys[k],
            true,
            out,
        );
    }

    /// `Earlier::of(prints, blocks, lines, at, key).encode(out)`, without
    /// making the copy (a staged run's fingerprint).
    pub fn encode_of(
        prints: &NearPrints,
        blocks: &[Block],
        lines: &[u32],
        at: Here,
        key: Option<u64>,
        out: &mut Vec<u8>,
    ) {
        let block = |k: usize| prints.paras[k].block as usize;
        encode_parts(
            at,
            key,
            prints,
            |k| lines[block(k)],
            |k| blocks[block(k)].key.hash,
            true,
            out,
        );
    }

    /// Read one from the start of `b`: it and the bytes it took, or why
    /// not (too short, or sizes that do not fit).
    pub fn decode(b: &[u8]) -> Result<(Earlier, usize), String> {
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8], String> {
            let s = b.get(at..at + n).ok_or("truncated near-duplicate prints")?;
            at += n;
            Ok(s)
        };
        let mut head = [0u32; 8];
        for h in &mut head {
            *h = u32::from_le_bytes(take(4)?.try_into().expect("4"));
        }
        let key = u64::from_le_bytes(take(8)?.try_into().expect("8"));
        let [doc, line, has_key, np, ns, nf, nb, nd] = head.map(|x| x as usize);
        let mut e = Earlier {
            at: Here {
                doc: doc as u32,
                line: line as u32,
            },
            key: (has_key == 1).then_some(key),
            ..Earlier::default()
        };
        for _ in 0..np {
            let r = take(36)?;
            let v = |i: usize| u32::from_le_bytes(r[4 * i..4 * i + 4].try_into().expect("4"));
            let x = ParaPrint {
                block: v(0),
                sh: v(1),
                n: v(2),
                fig: v(3),
                figs: v(4),
                band: v(5),
            };
            if x.sh as usize + x.n as usize > ns
                || x.fig as usize + x.figs as usize > nf
                || (x.band != u32::MAX && x.band as usize >= nb)
            {
                return Err("near-duplicate prints out of range".into());
            }
            e.prints.paras.push(x);
            e.lines.push(v(6));
            e.keys
                .push(u64::from_le_bytes(r[28..36].try_into().expect("8")));
        }
        let mut words = |n: usize| -> Result<Vec<u32>, String> {
            Ok(take(4 * n)?
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes(c.try_into().expect("4")))
                .collect())
        };
        e.prints.shingles = words(ns)?;
        e.prints.figures = words(nf)?;
        e.prints.bands = words(nb)?;
        e.prints.doc_bands = words(nd)?;
        Ok((e, at))
    }
}

/// What a run's near index did that a staged run's `report` checks
/// (`staged.rs`): the earlier shards' documents and paragraphs that were
/// candidates (`(document, paragraph number)`; `u32::MAX` for the
/// document itself), this run's documents held (those with paragraphs),
/// and its paragraphs with bands that were not held as kept (they went,
/// or were not asked about: a line of them removed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NearOutcome {
    /// Earlier shards' items that were candidates, sorted.
    pub consulted: Vec<(u32, u32)>,
    /// This run's documents held, in order.
    pub added: Vec<u32>,
    /// This run's paragraphs with bands not held as kept, in order.
    pub dropped: Vec<(u32, u32)>,
}

/// `|a ∩ b|` of two sorted sets.
fn intersection(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

/// Is every element of sorted `a` in sorted `b`?
fn subset(a: &[u32], b: &[u32]) -> bool {
    intersection(a, b) == a.len()
}

/// Round to three decimals (what the reports show).
fn round3(x: f64) -> f32 {
    ((x * 1000.0).round() / 1000.0) as f32
}

/// Sorted union of the slices `parts` into `out`.
fn union_into<'a>(parts: impl Iterator<Item = &'a [u32]>, out: &mut Vec<u32>) {
    out.clear();
    for p in parts {
        out.extend_from_slice(p);
    }
    out.sort_unstable();
    out.dedup();
}

/// Least similarity at which a paragraph contained in the other (a clause
/// dropped or added) is near-identical below the threshold.
pub const CONTAINED_SIMILARITY: f32 = 0.5;

/// The verdict on a copy `a` (its shingles that hold a figure: `af`)
/// against a kept `b`: `None` when not near-identical (similarity below
/// the threshold; for a paragraph, unless one of the two is contained in
/// the other at ≥ [`CONTAINMENT`] and the similarity is at least
/// [`CONTAINED_SIMILARITY`]); else the scores and whether it may go: not
/// longer, contained, and every shingle with a figure in the kept copy
/// (a changed figure makes shingles the kept copy lacks).
fn verdict(
    a: &[u32],
    af: &[u32],
    b: &[u32],
    rules: &NearRules,
    paragraph: bool,
) -> Option<(Similarity, bool)> {
    let i = intersection(a, b);
    let union = a.len() + b.len() - i;
    if union == 0 {
        return None;
    }
    let j = i as f64 / union as f64;
    let c = i as f64 / a.len() as f64;
    let cb = i as f64 / b.len() as f64;
    let contained =
        paragraph && j as f32 >= CONTAINED_SIMILARITY && (c.max(cb) as f32) >= CONTAINMENT;
    let near = j as f32 >= rules.threshold || contained;
    // A document below the threshold but at `flag_threshold` or more: an
    // edited copy, flagged for review, never removed.
    let similar = !paragraph && j as f32 >= rules.flag_threshold;
    if !near && !similar {
        return None;
    }
    let remove = near && a.len() <= b.len() && c as f32 >= CONTAINMENT && subset(af, b);
    let mut measured = format!("exact: {}-gram shingle sets, this run", rules.ngram);
    if !near {
        measured.push_str(&format!(
            "; below the threshold {} (at least {}): a review flag only",
            rules.threshold, rules.flag_threshold
        ));
    }
    Some((
        Similarity {
            similarity: round3(j),
            containment: round3(c),
            measured,
        },
        remove,
    ))
}

impl NearIndex {
    /// An empty index.
    pub fn new() -> NearIndex {
        NearIndex::default()
    }

    /// Keep what this run holds as kept, for [`NearIndex::export`] (a
    /// nightly run that commits; before any document is added).
    pub fn enable_export(&mut self) {
        self.export = Some(Export::default());
    }

    /// The documents this run held as kept, for the index (`--index`),
    /// each with its shown name (`name_of` its order in the run) and
    /// which of its paragraphs were held as kept: the body of the run's
    /// near file (see [`NearIndex::add_past`] for the reading side).
    /// Returns the number of documents and the body; none without
    /// [`NearIndex::enable_export`] or when nothing was held. The end of
    /// the run: what the index held is freed as the body is made (ask
    /// nothing of it after this).
    pub fn export(&mut self, name_of: &dyn Fn(u32) -> String) -> (u64, Body) {
        let Some(mut x) = self.export.take() else {
            return (0, Body::default());
        };
        // The end of the run: the tables go first, and each document's
        // sets once written, so the body is never held beside all of them.
        self.para_lsh = Lsh::default();
        self.doc_lsh = Lsh::default();
        let mut out = Body::default();
        let base = self.earlier_paras as usize;
        let mut freed = 0;
        for d in &x.docs {
            // The chunks before this one are written out: freed as the
            // output grows, so the two are never both held whole.
            while freed < d.chunk as usize {
                x.bytes.chunks[freed] = Vec::new();
                freed += 1;
            }
            let bytes = &x.bytes.chunks[d.chunk as usize];
            let DocSets::Held(shingles) = &self.sets[d.sets as usize] else {
                unreachable!("this run's sets are held");
            };
            let name = name_of(d.doc);
            let (first, n) = (d.first as usize, d.n as usize);
            let held = (0..n).map(|i| self.state[first + i - base] == 2);
            push_past_record(
                &mut out,
                &name,
                d.end - d.start + 4 * shingles.len(),
                |o| {
                    o.extend_from_slice(&bytes[d.start..d.shingles]);
                    put_words(shingles, o);
                    o.extend_from_slice(&bytes[d.shingles..d.end]);
                },
                held,
            );
            self.sets[d.sets as usize] = DocSets::Held(Box::default());
        }
        (x.docs.len() as u64, out)
    }

    /// Hold the documents an earlier run kept (`body`: the run's near
    /// file, [`NearIndex::export`] of that run) as kept, before anything
    /// of this run: their sets, their document bands, the bands of the
    /// paragraphs that run held as kept. A match against one names that
    /// run, the document's path and line ([`Origin::Earlier`]). Runs are
    /// added in the order they ran, so candidates are visited in the order
    /// one run over all the nights would meet them.
    pub fn add_past(
        &mut self,
        run: &str,
        body: &[u8],
        rules: &NearRules,
        file: Option<(std::fs::File, u64, String)>,
    ) -> Result<usize, String> {
        debug_assert!(self.added.is_empty() && self.state.is_empty());
        debug_assert!(self.earlier_docs == self.past_docs);
        let run: std::sync::Arc<str> = run.into();
        let source = file.map(|(f, body_at, path)| {
            self.past_files.push(PastFile {
                file: std::sync::Mutex::new(f),
                path,
            });
            (self.past_files.len() as u32 - 1, body_at)
        });
        let mut at = 0usize;
        let mut n = 0usize;
        while at < body.len() {
            let len = body
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes(b.try_into().expect("4")) as usize)
                .ok_or("truncated near-duplicate record")?;
            at += 4;
            let name = body
                .get(at..at + len)
                .and_then(|b| std::str::from_utf8(b).ok())
                .ok_or("a near-duplicate record's name is cut or not UTF-8")?;
            at += len;
            let (e, used) = Earlier::decode(&body[at..])?;
            // The shingles follow the 40-byte head and 36 bytes a
            // paragraph (see `encode_parts`).
            let shingles_at = at + 40 + 36 * e.prints.paras.len();
            debug_assert!(e
                .prints
                .shingles
                .first()
                .is_none_or(|&s| { body[shingles_at..shingles_at + 4] == s.to_le_bytes() }));
            at += used;
            let np = e.prints.paras.len();
            let mask = body
                .get(at..at + np)
                .ok_or("truncated near-duplicate record")?;
            at += np;
            let past = self.past.len() as u32;
            self.past.push(PastDoc {
                run: run.clone(),
                path: name.to_string(),
            });
            let (d0, p0) = (self.docs.len(), self.paras.len());
            let sets = match source {
                Some((file, body_at)) => DocSets::Past {
                    file,
                    at: body_at + shingles_at as u64,
                },
                None => DocSets::Held(e.prints.shingles.as_slice().into()),
            };
            self.hold_earlier(&e, rules, &|k| mask[k as usize] == 1, sets);
            for d in &mut self.docs[d0..] {
                d.past = past;
            }
            for r in &mut self.paras[p0..] {
                r.past = past;
            }
            n += 1;
        }
        self.past_docs = self.docs.len() as u32;
        self.past_paras = self.paras.len() as u32;
        Ok(n)
    }

    /// The kept copy an item names.
    fn origin(&self, at: Here, past: u32) -> Origin {
        match self.past.get(past as usize) {
            None => Origin::ThisRun(at),
            Some(d) => Origin::Earlier {
                run: d.run.to_string(),
                path: d.path.clone(),
                line: at.line,
            },
        }
    }

    /// The shingle sets held, in bytes (for the memory figures).
    pub fn bytes(&self) -> usize {
        self.held_shingles() * 4 + self.paras.capacity() * std::mem::size_of::<ParaRec>()
    }

    fn held_shingles(&self) -> usize {
        self.sets
            .iter()
            .map(|d| match d {
                DocSets::Held(s) => s.len(),
                DocSets::Past { .. } => 0,
            })
            .sum()
    }

    /// The shingles `sh..sh + n` of kept document `doc`: held, or read
    /// from its run's near file into `buf`. `None` if that read fails
    /// (the first failure is kept for [`NearIndex::failure`]).
    fn shingles_of<'a>(
        &'a self,
        doc: u32,
        sh: u32,
        n: u32,
        buf: &'a mut Vec<u32>,
    ) -> Option<&'a [u32]> {
        match &self.sets[doc as usize] {
            DocSets::Held(s) => Some(&s[sh as usize..(sh + n) as usize]),
            &DocSets::Past { file, at } => {
                let f = &self.past_files[file as usize];
                let mut bytes = self.read_bytes.borrow_mut();
                bytes.resize(n as usize * 4, 0);
                let read = (|| {
                    use std::io::{Read, Seek, SeekFrom};
                    let mut h = f.file.lock().unwrap_or_else(|e| e.into_inner());
                    h.seek(SeekFrom::Start(at + 4 * u64::from(sh)))?;
                    h.read_exact(&mut bytes)
                })();
                if let Err(e) = read {
                    let mut failure = self.failure.borrow_mut();
                    if failure.is_none() {
                        *failure =
                            Some((f.path.clone(), format!("reading near-duplicate sets: {e}")));
                    }
                    return None;
                }
                buf.clear();
                buf.extend(
                    bytes
                        .chunks_exact(4)
                        .map(|c| u32::from_le_bytes(c.try_into().expect("4"))),
                );
                Some(buf)
            }
        }
    }

    /// The first read of an earlier run's near file that failed during
    /// the run (its path and why): a candidate of that run could not be
    /// verified, so the run's decisions must not be trusted.
    pub fn failure(&self) -> Option<(String, String)> {
        self.failure.borrow().clone()
    }

    /// What the index holds, for `NEWSCLEAN_NEAR_PROFILE`: shingles held,
    /// paragraphs and documents, LSH entries and table slots.
    pub fn sizes(&self) -> String {
        let shingles = self.held_shingles();
        let lsh = |l: &Lsh| format!("{} entries ({} slots)", l.len, l.slots.len());
        format!(
            "{} shingles held in {} documents, {} paragraphs; paragraph LSH {}; document LSH {}",
            shingles,
            self.sets.len(),
            self.paras.len(),
            lsh(&self.para_lsh),
            lsh(&self.doc_lsh)
        )
    }

    /// Hold a document of an earlier shard as kept (before any document
    /// of this run): its sets, its bands, and the bands of its paragraphs
    /// for which `kept_para` (its paragraph number) says they were kept.
    pub fn add_earlier(&mut self, e: &Earlier, rules: &NearRules, kept_para: &dyn Fn(u32) -> bool) {
        let sets = DocSets::Held(e.prints.shingles.as_slice().into());
        self.hold_earlier(e, rules, kept_para, sets);
    }

    fn hold_earlier(
        &mut self,
        e: &Earlier,
        rules: &NearRules,
        kept_para: &dyn Fn(u32) -> bool,
        sets: DocSets,
    ) {
        debug_assert!(self.added.is_empty() && self.state.is_empty());
        let p = &e.prints;
        let first = self.paras.len() as u32;
        let doc = self.sets.len() as u32;
        self.sets.push(sets);
        for (k, x) in p.paras.iter().enumerate() {
            self.paras.push(ParaRec {
                at: Here {
                    doc: e.at.doc,
                    line: e.lines[k],
                },
                doc,
                sh: x.sh,
                n: x.n,
                key: e.keys[k],
                k: k as u32,
                past: THIS_RUN,
            });
        }
        if !p.doc_bands.is_empty() {
            let d = self.docs.len() as u32;
            self.docs.push(DocRec {
                at: e.at,
                para: first,
                paras: p.paras.len() as u32,
                key: e.key,
                past: THIS_RUN,
            });
            self.doc_lsh.insert(&p.doc_bands, d);
        }
        let nb = rules.bands as usize;
        for (k, x) in p.paras.iter().enumerate() {
            // (Bands past the end: prints of another config, which the
            // stage files' config hash rules out; held without them.)
            let bands = p
                .bands
                .get(x.band as usize..(x.band as usize).saturating_add(nb));
            if let Some(bands) = bands.filter(|_| x.band != u32::MAX && kept_para(k as u32)) {
                self.para_lsh.insert(bands, first + k as u32);
            }
        }
        self.earlier_docs = self.docs.len() as u32;
        self.earlier_paras = self.paras.len() as u32;
    }

    /// What this run's near index did (see [`NearOutcome`]).
    pub fn outcome(&self) -> NearOutcome {
        let mut consulted = self.consulted.clone();
        consulted.sort_unstable();
        consulted.dedup();
        let base = self.earlier_paras as usize;
        let dropped = self
            .state
            .iter()
            .enumerate()
            .filter(|&(_, &st)| st == 1)
            .map(|(i, _)| {
                let r = &self.paras[base + i];
                (r.at.doc, r.k)
            })
            .collect();
        NearOutcome {
            consulted,
            added: self.added.clone(),
            dropped,
        }
    }

    /// Is document `p` (order `order`) a near copy of a kept document? The
    /// earliest kept document it may be removed against, else the
    /// earliest it is similar to (a flag).
    pub fn document(
        &mut self,
        p: &NearPrints,
        key: Option<u64>,
        rules: &NearRules,
        order: u32,
    ) -> Option<NearMatch> {
        if p.doc_bands.is_empty() {
            return None;
        }
        let t0 = Instant::now();
        let mut cand = std::mem::take(&mut self.cand);
        self.doc_lsh.candidates(&p.doc_bands, &mut cand);
        for &d in cand
            .iter()
            .skip_while(|&&d| d < self.past_docs)
            .take_while(|&&d| d < self.earlier_docs)
        {
            self.consulted
                .push((self.docs[d as usize].at.doc, u32::MAX));
        }
        let mut found: Option<NearMatch> = None;
        // An exact copy of a kept document (it shares all its bands, so it
        // is a candidate) is exact dedup's alone: `dedup.document`, or
        // with that rule off kept; never removed as a near copy of
        // another.
        let exact = key.is_some() && cand.iter().any(|&d| self.docs[d as usize].key == key);
        if !cand.is_empty() && !exact {
            let mut a = Vec::new();
            union_into(
                p.paras
                    .iter()
                    .map(|x| &p.shingles[x.sh as usize..(x.sh + x.n) as usize]),
                &mut a,
            );
            let mut af = Vec::new();
            union_into(
                p.paras
                    .iter()
                    .map(|x| &p.figures[x.fig as usize..(x.fig + x.figs) as usize]),
                &mut af,
            );
            let mut b = std::mem::take(&mut self.scratch);
            let mut buf = std::mem::take(&mut self.read_buf);
            for &d in &cand {
                let rec = self.docs[d as usize];
                debug_assert!(rec.past != THIS_RUN || rec.at.doc < order);
                let ps = &self.paras[rec.para as usize..(rec.para + rec.paras) as usize];
                // The document's sets are one run of shingles from its
                // first paragraph's on.
                let (Some(p0), Some(pn)) = (ps.first(), ps.last()) else {
                    continue;
                };
                let (lo, hi) = (p0.sh, pn.sh + pn.n);
                let Some(all) = self.shingles_of(p0.doc, lo, hi - lo, &mut buf) else {
                    continue;
                };
                union_into(
                    ps.iter()
                        .map(|x| &all[(x.sh - lo) as usize..(x.sh - lo + x.n) as usize]),
                    &mut b,
                );
                if let Some((score, remove)) = verdict(&a, &af, &b, rules, false) {
                    let m = NearMatch {
                        block: 0,
                        kept: self.origin(rec.at, rec.past),
                        score,
                        remove,
                    };
                    if settle(&mut found, m, rules.threshold) {
                        break;
                    }
                }
            }
            self.scratch = b;
            self.read_buf = buf;
        }
        self.cand = cand;
        TIMES[2].fetch_add(t0.elapsed().as_nanos() as u64, Relaxed);
        found
    }

    /// Hold a kept document's shingle sets (every paragraph's, for later
    /// documents to be verified against) and its bands. Returns the number
    /// of its first paragraph (see [`NearIndex::paragraph`]).
    pub fn add_document(
        &mut self,
        p: &NearPrints,
        blocks: &[Block],
        key: Option<u64>,
        at: Here,
        lines: &[u32],
    ) -> u32 {
        let first = self.paras.len() as u32;
        let doc = self.sets.len() as u32;
        self.sets.push(DocSets::Held(p.shingles.as_slice().into()));
        if !p.paras.is_empty() {
            self.added.push(at.doc);
            if let Some(x) = self.export.as_mut() {
                let room = x.bytes.room(Earlier::encoded_len(p) - 4 * p.shingles.len());
                let start = room.len();
                let block = |k: usize| p.paras[k].block as usize;
                let shingles = encode_parts(
                    at,
                    key,
                    p,
                    |k| lines[block(k)],
                    |k| blocks[block(k)].key.hash,
                    false,
                    room,
                );
                let end = room.len();
                x.docs.push(ExportDoc {
                    doc: at.doc,
                    first,
                    n: p.paras.len() as u32,
                    sets: doc,
                    chunk: x.bytes.chunks.len() as u32 - 1,
                    start,
                    shingles,
                    end,
                });
            }
        }
        for (k, x) in p.paras.iter().enumerate() {
            self.paras.push(ParaRec {
                at: Here {
                    doc: at.doc,
                    line: lines[x.block as usize],
                },
                doc,
                sh: x.sh,
                n: x.n,
                key: blocks[x.block as usize].key.hash,
                k: k as u32,
                past: THIS_RUN,
            });
            self.state.push(u8::from(x.band != u32::MAX));
        }
        if !p.doc_bands.is_empty() {
            let d = self.docs.len() as u32;
            self.docs.push(DocRec {
                at,
                para: first,
                paras: p.paras.len() as u32,
                key,
                past: THIS_RUN,
            });
            self.doc_lsh.insert(&p.doc_bands, d);
        }
        first
    }

    /// Paragraph `k` of `p` (held at paragraph number `first + k` by
    /// [`NearIndex::add_document`]), which survived exact dedup: its
    /// verdict against the kept paragraphs; it is remembered as kept
    /// unless it goes. `line_of`: `k` is a line compared on its own
    /// ([`units`]) and its paragraph's first line is paragraph `line_of`
    /// of `p`; such a line is only flagged (its paragraph stays), and
    /// never against another line of its paragraph (a lead repeating its
    /// headline, `[视频]国际锐评：…吗?⏎央视网消息…播发国际锐评《…》。`).
    pub fn paragraph(
        &mut self,
        p: &NearPrints,
        k: usize,
        first: u32,
        rules: &NearRules,
        line_of: Option<usize>,
    ) -> Option<NearMatch> {
        let x = p.paras[k];
        let mode = rules.paragraph?;
        if x.band == u32::MAX {
            return None;
        }
        let t0 = Instant::now();
        let bands = &p.bands[x.band as usize..x.band as usize + rules.bands as usize];
        let mut cand = std::mem::take(&mut self.cand);
        self.para_lsh.candidates(bands, &mut cand);
        for &c in cand
            .iter()
            .skip_while(|&&c| c < self.past_paras)
            .take_while(|&&c| c < self.earlier_paras)
        {
            let r = &self.paras[c as usize];
            self.consulted.push((r.at.doc, r.k));
        }
        let me = self.paras[(first as usize) + k];
        let a = &p.shingles[x.sh as usize..(x.sh + x.n) as usize];
        let af = &p.figures[x.fig as usize..(x.fig + x.figs) as usize];
        let mut found: Option<NearMatch> = None;
        let mut buf = std::mem::take(&mut self.read_buf);
        let siblings = first + line_of.unwrap_or(k) as u32;
        for &c in &cand {
            let rec = self.paras[c as usize];
            if rec.key == me.key || c >= siblings {
                continue;
            }
            let Some(b) = self.shingles_of(rec.doc, rec.sh, rec.n, &mut buf) else {
                continue;
            };
            if let Some((score, removable)) = verdict(a, af, b, rules, true) {
                let remove = removable && line_of.is_none() && mode == NearMode::Remove;
                let m = NearMatch {
                    block: x.block as usize,
                    kept: self.origin(rec.at, rec.past),
                    score,
                    remove,
                };
                if settle(&mut found, m, rules.threshold) {
                    break;
                }
            }
        }
        self.cand = cand;
        self.read_buf = buf;
        if !found.as_ref().is_some_and(|m| m.remove) {
            self.para_lsh.insert(bands, first + k as u32);
            self.state[(first as usize) + k - self.earlier_paras as usize] = 2;
        }
        TIMES[2].fetch_add(t0.elapsed().as_nanos() as u64, Relaxed);
        found
    }
}

/// The match a candidate gives, against the best so far: the first
/// removing match wins at once (true: look no further), else the first
/// flagging one at the threshold, else the first below it (`threshold`).
fn settle(found: &mut Option<NearMatch>, m: NearMatch, threshold: f32) -> bool {
    if m.remove {
        *found = Some(m);
        return true;
    }
    match found {
        Some(f) if f.score.similarity < threshold && m.score.similarity >= threshold => {
            *found = Some(m)
        }
        Some(_) => {}
        None => *found = Some(m),
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The LSH table gives every item filed under any of the asked keys,
    /// ascending and once, across its growth, and nothing else.
    #[test]
    fn lsh_finds_every_item_of_a_key_across_growth() {
        let mut l = Lsh::default();
        let mut out = vec![9];
        l.candidates(&[1, 2], &mut out);
        assert!(out.is_empty());
        // 5,000 items of 32 keys each; key k*7 % 1000 shared by many, and
        // key 0 (the empty word's high half) used too.
        for item in 0..5000u32 {
            let keys: Vec<u32> = (0..32)
                .map(|j| {
                    if j == 0 {
                        item % 1000 * 7
                    } else {
                        item * 64 + j + 7000
                    }
                })
                .collect();
            l.insert(&keys, item);
        }
        assert_eq!(l.len, 5000 * 32);
        assert!(l.slots.len() * 3 >= l.len * 4);
        l.candidates(&[0], &mut out);
        assert_eq!(out, vec![0, 1000, 2000, 3000, 4000]);
        l.candidates(&[7 * 3, 42 * 64 + 5 + 7000, 7 * 3], &mut out);
        assert_eq!(out, vec![3, 42, 1003, 2003, 3003, 4003]);
        l.candidates(&[6, 1_000_000_000], &mut out);
        assert!(out.is_empty());
    }

    /// The blocks and near prints of an xwlb fixture file, and the rules
    /// they were made with (both levels on).
    fn fixture_prints() -> (Vec<Block>, NearRules, NearPrints) {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/corpus/xwlb/2018/20180910.txt"
        ))
        .unwrap();
        let blocks = crate::segment::blocks(&text);
        let rules = NearRules {
            document: true,
            paragraph: Some(NearMode::Flag),
            ..NearRules::default()
        };
        let p = prints(&text, &blocks, &rules);
        (blocks, rules, p)
    }

    /// An earlier run's documents are held by their place in its near file
    /// and read from it when they are candidates: a copy finds the
    /// document and a paragraph of it, nothing of their sets is held in
    /// memory, and a file that can no longer be read is a failure the run
    /// is told of (the candidate is not taken), never a panic.
    #[test]
    fn an_earlier_runs_sets_are_read_from_its_near_file() {
        use std::io::Write;
        let (blocks, rules, p) = fixture_prints();
        let lines: Vec<u32> = (0..blocks.len() as u32).map(|i| 2 * i + 1).collect();
        let e = Earlier::of(&p, &blocks, &lines, Here { doc: 0, line: 1 }, Some(42));
        let mut chunks = Body::default();
        let held = p.paras.iter().map(|x| x.band != u32::MAX);
        let len = Earlier::encoded_len(&p);
        push_past_record(&mut chunks, "a/b.txt", len, |o| e.encode(o), held);
        let body = chunks.to_vec();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("near");
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(b"12345678").unwrap();
        f.write_all(&body).unwrap();
        drop(f);
        let open = || {
            let f = std::fs::File::open(&path).unwrap();
            Some((f, 8, path.display().to_string()))
        };
        let mut near = NearIndex::new();
        assert_eq!(near.add_past("night-1", &body, &rules, open()), Ok(1));
        assert_eq!(
            near.bytes(),
            near.paras.capacity() * std::mem::size_of::<ParaRec>()
        );
        let earlier = Origin::Earlier {
            run: "night-1".into(),
            path: "a/b.txt".into(),
            line: 1,
        };
        let m = near.document(&p, Some(43), &rules, 0).expect("a near copy");
        assert_eq!((m.kept, m.remove), (earlier, true));
        let k = p.paras.iter().position(|x| x.band != u32::MAX).unwrap();
        let first = near.add_document(&p, &blocks, Some(43), Here { doc: 0, line: 1 }, &lines);
        // (The same paragraph is exact dedup's; another key is asked for.)
        near.paras[first as usize + k].key ^= 1;
        let m = near
            .paragraph(&p, k, first, &rules, None)
            .expect("a near paragraph");
        assert_eq!(
            m.kept,
            Origin::Earlier {
                run: "night-1".into(),
                path: "a/b.txt".into(),
                line: lines[p.paras[k].block as usize]
            }
        );
        assert_eq!(near.failure(), None);
        // The file cut short under the open handle: not found, and told.
        let mut near = NearIndex::new();
        near.add_past("night-1", &body, &rules, open()).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(8)
            .unwrap();
        assert!(near.document(&p, Some(43), &rules, 0).is_none());
        let (file, why) = near.failure().expect("the failed read is told");
        assert!(
            file.ends_with("near") && why.contains("reading near-duplicate sets"),
            "{why}"
        );
    }

    /// An earlier shard's document goes through its bytes unchanged, and
    /// cut bytes are an error, never a panic.
    #[test]
    fn earlier_documents_round_trip_their_bytes() {
        let (blocks, rules, p) = fixture_prints();
        assert!(p.paras.len() > 10 && !p.doc_bands.is_empty());
        let lines: Vec<u32> = (0..blocks.len() as u32).map(|i| 2 * i + 1).collect();
        let at = Here { doc: 7, line: 1 };
        let e = Earlier::of(&p, &blocks, &lines, at, Some(42));
        let mut b = Vec::new();
        e.encode(&mut b);
        e.encode(&mut b);
        let (got, used) = Earlier::decode(&b).unwrap();
        assert_eq!((&got, used * 2), (&e, b.len()));
        // Encoded from the parts, without the copy: the same bytes.
        let mut direct = Vec::new();
        Earlier::encode_of(&p, &blocks, &lines, at, Some(42), &mut direct);
        assert_eq!(direct, b[..used]);
        assert_eq!(Earlier::decode(&b[used..]).unwrap().0, e);
        for cut in [0, 5, 40, used / 2, used - 1] {
            assert!(Earlier::decode(&b[..cut]).is_err(), "cut at {cut}");
        }
        // Held as kept: a copy finds it, and the outcome names it as a
        // candidate (the copy itself was not held).
        let mut near = NearIndex::new();
        near.add_earlier(&e, &rules, &|_| true);
        let m = near.document(&p, Some(43), &rules, 8).expect("a near copy");
        assert_eq!((m.kept, m.remove), (Origin::ThisRun(at), true));
        let o = near.outcome();
        assert_eq!(o.consulted, vec![(7, u32::MAX)]);
        assert!(o.added.is_empty() && o.dropped.is_empty());
    }

    #[test]
    fn intersection_of_sorted_sets() {
        assert_eq!(intersection(&[1, 3, 5, 7], &[3, 4, 5, 8]), 2);
        assert_eq!(intersection(&[], &[1]), 0);
        assert!(subset(&[2, 4], &[1, 2, 3, 4]));
        assert!(!subset(&[2, 5], &[1, 2, 3, 4]));
    }

    #[test]
    fn verdict_removes_only_a_contained_copy_with_the_same_figures() {
        let rules = NearRules {
            document: true,
            paragraph: Some(NearMode::Flag),
            threshold: 0.8,
            ngram: 5,
            permutations: 128,
            bands: 20,
            flag_threshold: 0.5,
            document_bands: 32,
        };
        let kept: Vec<u32> = (0..100).collect();
        // 95 of the kept 100 (5 with a figure, all kept): J 0.95, contained.
        let part: Vec<u32> = (5..100).collect();
        let (s, remove) = verdict(&part, &[10, 11], &kept, &rules, false).unwrap();
        assert_eq!((s.similarity, s.containment, remove), (0.95, 1.0, true));
        // Longer than the kept one: flagged.
        let (_, remove) = verdict(&kept, &[], &part, &rules, false).unwrap();
        assert!(!remove);
        // A shingle with a figure that the kept copy lacks: flagged.
        let mut changed = part.clone();
        changed[0] = 1000;
        changed.sort_unstable();
        let (_, remove) = verdict(&changed, &[1000], &kept, &rules, false).unwrap();
        assert!(!remove);
        // Half the same (J 0.33): nothing.
        let half: Vec<u32> = (50..150).collect();
        assert!(verdict(&half, &[], &kept, &rules, true).is_none());
        assert!(verdict(&half, &[], &kept, &rules, false).is_none());
        // A paragraph with a quarter dropped (J 0.75, contained): near,
        // removable; a document at that similarity is only flagged, and
        // says why.
        let three: Vec<u32> = (0..75).collect();
        assert!(verdict(&three, &[], &kept, &rules, true).unwrap().1);
        let (s, remove) = verdict(&three, &[], &kept, &rules, false).unwrap();
        assert!(
            !remove && s.measured.contains("below the threshold 0.8"),
            "{s:?}"
        );
        // A document with a quarter of its text its own (J 0.6): flagged;
        // below flag_threshold (J 0.45): nothing.
        let other: Vec<u32> = (25..125).collect();
        assert!(!verdict(&other, &[], &kept, &rules, false).unwrap().1);
        let less: Vec<u32> = (38..138).collect();
        assert!(verdict(&less, &[], &kept, &rules, false).is_none());
        // One with a quarter added: near, flagged (longer).
        assert!(!verdict(&kept, &[], &three, &rules, true).unwrap().1);
    }

    #[test]
    fn config_is_validated() {
        assert!(NearConfig::default().validate().is_ok());
        let bad = |f: fn(&mut NearConfig)| {
            let mut c = NearConfig::default();
            f(&mut c);
            c.validate().is_err()
        };
        assert!(bad(|c| c.threshold = 0.0));
        assert!(bad(|c| c.flag_threshold = 1.5));
        assert!(bad(|c| c.flag_threshold = 0.0));
        assert!(bad(|c| c.document_bands = 0));
        assert!(bad(|c| c.document_bands = 1));
        assert!(bad(|c| c.threshold = 1.5));
        assert!(bad(|c| c.ngram = 0));
        assert!(bad(|c| c.bands = 0));
        assert!(bad(|c| c.bands = 200));
        assert!(bad(|c| c.permutations = 0));
    }
}
