//! The in-memory index of one run: what `resolve` uses without `--index`.
//!
//! One map entry per kept key, `Key → Here`: 20 bytes (the 96-bit key as
//! three `u32`s, so that nothing pads it to 16, and the kept copy's
//! document and line) plus the table's control byte. The table hashes
//! nothing: a key already is a uniformly distributed hash, so its 64-bit
//! `hash` is the table's hash and the `check` is only compared. It never
//! answers [`Origin::Earlier`]: it starts empty, and everything in it was
//! inserted by this run. Repeat counts ([`SeenIndex::repeats`]) are a
//! second, small table: only keys that some document repeated.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use super::{count_repeats, Here, Key, KeyHasher, Origin, Repeats, SeenIndex};

/// The index of one run, in memory.
#[derive(Default, Debug)]
pub struct MemoryIndex {
    map: HashMap<Packed, Here, BuildHasherDefault<KeyHasher>>,
    repeats: Repeats,
}

/// A [`Key`] as three `u32`s (align 4: an entry is 20 bytes, not 24).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed([u32; 3]);

impl From<Key> for Packed {
    fn from(k: Key) -> Packed {
        Packed([k.hash as u32, (k.hash >> 32) as u32, k.check])
    }
}

impl Hash for Packed {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_u64(u64::from(self.0[0]) | (u64::from(self.0[1]) << 32));
    }
}

impl MemoryIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every repeat count ([`SeenIndex::repeats`]), in no particular order.
    pub fn repeat_counts(&self) -> impl Iterator<Item = (Key, u32)> + '_ {
        self.repeats.iter().map(|(&k, &n)| (k, n))
    }

    /// Every key held with its kept copy, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = (Key, Here)> + '_ {
        self.map.iter().map(|(p, &h)| {
            let k = p.0;
            (
                Key {
                    hash: u64::from(k[0]) | (u64::from(k[1]) << 32),
                    check: k[2],
                },
                h,
            )
        })
    }
}

impl SeenIndex for MemoryIndex {
    fn lookup(&self, key: Key) -> Option<Origin> {
        self.map
            .get(&Packed::from(key))
            .map(|&h| Origin::ThisRun(h))
    }

    fn insert(&mut self, key: Key, at: Here) {
        self.map.entry(Packed::from(key)).or_insert(at);
    }

    fn inserted(&self) -> usize {
        self.map.len()
    }

    fn repeats(&self, key: Key) -> u32 {
        self.repeats.get(&key).copied().unwrap_or(0)
    }

    fn add_repeats(&mut self, keys: &[Key]) {
        count_repeats(&mut self.repeats, keys);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(hash: u64, check: u32) -> Key {
        Key { hash, check }
    }

    #[test]
    fn an_entry_is_twenty_bytes() {
        assert_eq!(std::mem::size_of::<(Packed, Here)>(), 20);
    }

    #[test]
    fn first_insert_wins_and_check_is_compared() {
        let mut ix = MemoryIndex::new();
        let at = |doc, line| Here { doc, line };
        assert_eq!(ix.lookup(key(7, 1)), None);
        ix.insert(key(7, 1), at(0, 3));
        ix.insert(key(7, 1), at(2, 9));
        assert_eq!(ix.lookup(key(7, 1)), Some(Origin::ThisRun(at(0, 3))));
        // Same 64-bit hash, other check: another key.
        assert_eq!(ix.lookup(key(7, 2)), None);
        ix.insert(key(7, 2), at(1, 1));
        assert_eq!(ix.lookup(key(7, 2)), Some(Origin::ThisRun(at(1, 1))));
        assert_eq!(ix.inserted(), 2);
        // Repeats are counted per call, per key.
        assert_eq!(ix.repeats(key(7, 1)), 0);
        ix.add_repeats(&[key(7, 1), key(7, 2)]);
        ix.add_repeats(&[key(7, 1)]);
        assert_eq!((ix.repeats(key(7, 1)), ix.repeats(key(7, 2))), (2, 1));
        assert_eq!(ix.repeats(key(8, 1)), 0);
    }
}
