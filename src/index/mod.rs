//! The index of kept blocks: the one interface `resolve` uses to ask "was
//! this key kept before?" (see "Where the house is going" in the design).
//!
//! A run without `--index` uses an in-memory index that starts empty; a
//! nightly run uses the on-disk store, which answers for every earlier run
//! and remembers this run's kept keys until the run commits. The pipeline
//! only sees [`SeenIndex`], so it does not know which one it has.
//!
//! Keys are 96 bits ([`Key`]): at 10⁹ stored keys and 10⁷ lookups a night,
//! 64 bits alone would give about one false removal in two thousand nights.

use serde::{Deserialize, Serialize};

/// A block (or document) fingerprint: a 64-bit hash and a 32-bit check
/// hash of the same key text, compared together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Key {
    /// Main hash (also what buckets and tables are keyed on).
    pub hash: u64,
    /// Independent check hash: two keys are equal only if both agree.
    pub check: u32,
}

/// A kept copy in the current run: the document's number in corpus order
/// and the 1-based line of the block in that document's original text.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Here {
    /// Document number in corpus order (0-based).
    pub doc: u32,
    /// 1-based line in the document's original text.
    pub line: u32,
}

/// Where the kept copy of a key is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// Kept earlier in this run.
    ThisRun(Here),
    /// Kept by an earlier run.
    Earlier {
        /// That run's id (`--run-id`).
        run: String,
        /// The document's path relative to that run's input, as recorded then.
        path: String,
        /// 1-based line in that document's original text.
        line: u32,
    },
}

/// What `resolve` needs of an index. Lookups see every earlier run first
/// and then what this run has inserted; the first insert of a key wins.
pub trait SeenIndex {
    /// The kept copy of `key`, if one was kept before this point.
    fn lookup(&self, key: Key) -> Option<Origin>;
    /// Remember `key` as kept at `at` in this run. A key already known
    /// (from an earlier run or an earlier insert) is left as it is.
    fn insert(&mut self, key: Key, at: Here);
    /// Number of keys this run has inserted.
    fn inserted(&self) -> usize;
    /// How many documents after the kept copy's repeated `key` so far
    /// (earlier runs' included): the documents that have a block are the
    /// kept copy's and these. Counted by [`add_repeats`](Self::add_repeats),
    /// for `[dedup] many_documents`.
    fn repeats(&self, key: Key) -> u32;
    /// One more document repeated each of `keys`: distinct keys of its
    /// blocks that were kept in another document before it (asked before
    /// the document inserted anything).
    fn add_repeats(&mut self, keys: &[Key]);
}

/// A table of repeat counts, keyed on the key's hash.
pub(crate) type Repeats =
    std::collections::HashMap<Key, u32, std::hash::BuildHasherDefault<KeyHasher>>;

/// Add one to each of `keys` in `table`.
pub(crate) fn count_repeats(table: &mut Repeats, keys: &[Key]) {
    for &k in keys {
        let n = table.entry(k).or_insert(0);
        *n = n.saturating_add(1);
    }
}

/// Hasher of the index tables, whose keys are hashes already: no second
/// hashing. A [`Key`]'s `Hash` writes its `hash` (taken as it is) and
/// its `check` (mixed in); a table keyed on the 64-bit hash alone, with
/// the check compared by `Eq`, gets the hash unchanged.
#[derive(Default)]
pub(crate) struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not reached for keys; any other input still hashes.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
    fn write_u32(&mut self, n: u32) {
        self.0 ^= u64::from(n).rotate_left(29);
    }
}

pub mod memory;
pub mod nightly;
pub mod store;
