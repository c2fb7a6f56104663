//! MinHash signatures and LSH band keys.
//!
//! Permutation `i` of a 32-bit shingle hash `x` (itself an xxh3 hash, so
//! uniform) is the multiply-shift hash `((x ⊕ sᵢ)·aᵢ) >> 32` of 32-bit
//! values (the high half of a 32×32-bit product; Dietzfelbinger's
//! scheme), its `aᵢ` (odd) and `sᵢ` drawn from xxh3 with the
//! permutation's own seed. The inner loop is the same arithmetic over all
//! permutations of one shingle, written as a plain loop over slices so
//! that the compiler vectorises it for the target it builds for (a 32×32
//! → 64-bit multiply is one SSE2 instruction for two lanes); no runtime
//! feature detection (not measured to pay on this code).
//!
//! A document's signature is the element-wise minimum of its paragraphs'
//! signatures (the minimum over the union of their shingle sets), so one
//! pass over the shingles gives both levels.

use std::sync::OnceLock;

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The permutations' multipliers and offsets.
pub(crate) struct Perms {
    a: Vec<u32>,
    s: Vec<u32>,
}

impl Perms {
    fn new(n: usize) -> Perms {
        let draw = |i: usize| xxh3_64_with_seed(b"newsclean minhash", i as u64);
        Perms {
            a: (0..n).map(|i| draw(i) as u32 | 1).collect(),
            s: (0..n).map(|i| (draw(i) >> 32) as u32).collect(),
        }
    }

    /// The `n` permutations (built once per count).
    pub(crate) fn get(n: usize) -> &'static Perms {
        static P: OnceLock<std::sync::Mutex<Vec<&'static Perms>>> = OnceLock::new();
        let m = P.get_or_init(Default::default);
        let mut m = m.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = m.iter().find(|p| p.a.len() == n) {
            return p;
        }
        let p: &'static Perms = Box::leak(Box::new(Perms::new(n)));
        m.push(p);
        p
    }

    /// Number of permutations.
    pub(crate) fn len(&self) -> usize {
        self.a.len()
    }

    /// Lower `sig` (one value per permutation) to the MinHash of `set`.
    pub(crate) fn update(&self, set: &[u32], sig: &mut [u32]) {
        let (a, s) = (&self.a[..sig.len()], &self.s[..sig.len()]);
        for &x in set {
            for ((m, &a), &s) in sig.iter_mut().zip(a).zip(s) {
                let h = ((u64::from(x ^ s) * u64::from(a)) >> 32) as u32;
                *m = (*m).min(h);
            }
        }
    }
}

/// Append the `bands` band keys of `sig` (`rows` values each) to `out`:
/// xxh3 of the band's values seeded with the band's number, 32 bits kept
/// (a chance collision only adds a candidate, which is verified).
pub(crate) fn band_keys(sig: &[u32], bands: usize, rows: usize, out: &mut Vec<u32>) {
    let mut buf = [0u8; 4 * super::MAX_ROWS];
    for j in 0..bands {
        let vals = &sig[j * rows..(j + 1) * rows];
        for (k, v) in vals.iter().enumerate() {
            buf[k * 4..k * 4 + 4].copy_from_slice(&v.to_le_bytes());
        }
        out.push(xxh3_64_with_seed(&buf[..rows * 4], j as u64) as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Estimated Jaccard (share of equal signature values).
    fn estimate(a: &[u32], b: &[u32]) -> f64 {
        a.iter().zip(b).filter(|(x, y)| x == y).count() as f64 / a.len() as f64
    }

    fn sig(set: &[u32]) -> Vec<u32> {
        let mut s = vec![u32::MAX; 128];
        Perms::get(128).update(set, &mut s);
        s
    }

    #[test]
    fn signature_estimates_jaccard() {
        // |A ∩ B| = 800, |A ∪ B| = 1200: J = 2/3.
        let a: Vec<u32> = (0..1000).map(|i| i * 7919).collect();
        let b: Vec<u32> = (200..1200).map(|i| i * 7919).collect();
        let e = estimate(&sig(&a), &sig(&b));
        assert!((e - 2.0 / 3.0).abs() < 0.12, "{e}");
        assert_eq!(sig(&a), sig(&a));
        // Disjoint sets share (almost) nothing.
        let c: Vec<u32> = (5000..6000).map(|i| i * 7919).collect();
        assert!(estimate(&sig(&a), &sig(&c)) < 0.05);
    }

    #[test]
    fn a_union_is_the_minimum_of_the_parts() {
        let a: Vec<u32> = (0..300).collect();
        let b: Vec<u32> = (300..500).collect();
        let mut s = sig(&a);
        Perms::get(128).update(&b, &mut s);
        let both: Vec<u32> = (0..500).collect();
        assert_eq!(s, sig(&both));
        let m: Vec<u32> = sig(&a)
            .iter()
            .zip(sig(&b))
            .map(|(x, y)| (*x).min(y))
            .collect();
        assert_eq!(m, s);
    }

    #[test]
    fn equal_signatures_equal_bands() {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        let s = sig(&[1, 2, 3]);
        band_keys(&s, 20, 6, &mut x);
        band_keys(&s, 20, 6, &mut y);
        assert_eq!(x, y);
        assert_eq!(x.len(), 20);
    }
}
