//! MinHash signatures and LSH band keys.
//!
//! One-permutation MinHash (Li, Owen & Zhang 2012) with optimal
//! densification (Shrivastava 2017): a shingle hash `x` (a 32-bit xxh3
//! hash) is mixed once, `y = x·A mod 2³²` (a bijection, `A` odd), and
//! falls into bin `⌊y·k / 2³²⌋` of the `k` bins (`permutations`), each
//! keeping the least `y`; an empty bin then takes the value of the first
//! non-empty bin of a fixed pseudo-random sequence of its own. Each value
//! of the signature equals between two sets with probability their
//! Jaccard similarity, as with `k` independent permutations, for one
//! multiply per shingle instead of `k` (measured on xwlb: the 128
//! multiply-shift permutations it replaced were 44% of the near-duplicate
//! time, about 2 s of CPU of a 14 s run).
//!
//! The bins before densification of a union are the bin-wise minimum of
//! the parts', so a document's signature is the element-wise minimum of
//! its paragraphs' raw bins, densified: one pass over the shingles gives
//! both levels.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The mixing multiplier (odd).
const A: u32 = 0x9E37_79B1;

/// An empty bin.
pub(crate) const EMPTY: u32 = u32::MAX;

/// Lower the raw bins `bins` (all [`EMPTY`] for an empty set) by the
/// shingles of `set`.
pub(crate) fn update(set: &[u32], bins: &mut [u32]) {
    let k = bins.len() as u64;
    for &x in set {
        let y = x.wrapping_mul(A);
        let b = ((u64::from(y) * k) >> 32) as usize;
        // A y of u32::MAX (one shingle in 2³²) reads as empty and its bin
        // is densified: the same for every set, so still consistent.
        bins[b] = bins[b].min(y);
    }
}

/// How many targets of each bin's probe sequence [`densify`] reads from a
/// table instead of hashing: with 20 shingles in 128 bins about 110 bins
/// are empty and each needs ~7 probes, ~760 xxh3 calls a paragraph (6% of
/// a run's CPU on xwlb); the sequences depend on the bin and `k` alone.
/// One sequence in ~250 needs more than 32 probes at that fill, and goes
/// on hashing past the table.
const TABLED_PROBES: usize = 32;

/// Target `t` of bin `i`'s probe sequence among `k` bins.
#[inline]
fn probe(i: usize, t: u64, k: u64) -> usize {
    let h = xxh3_64_with_seed(&t.to_le_bytes(), i as u64);
    (((h >> 32) * k) >> 32) as usize
}

/// The first [`TABLED_PROBES`] targets of every bin's probe sequence for
/// one `k`, both ways round.
#[derive(Default)]
struct Probes {
    /// The `k` they were built for (0: none yet).
    k: usize,
    /// Bin `i`'s targets at `i * TABLED_PROBES..`.
    targets: Vec<u32>,
    /// The probes that land on bin `j`, as `t << 16 | i`, at
    /// `landing[start[j]..start[j + 1]]` (`k` ≤ 1024 bins).
    start: Vec<u32>,
    landing: Vec<u32>,
    /// Per bin, the least `t << 32 | value` of the sparse pass (scratch).
    best: Vec<u64>,
}

impl Probes {
    fn build(&mut self, k: usize) {
        assert!(k <= 1 << 16, "a bin number fits 16 bits");
        self.targets.clear();
        for i in 0..k {
            self.targets
                .extend((0..TABLED_PROBES as u64).map(|t| probe(i, t, k as u64) as u32));
        }
        let mut by_bin: Vec<Vec<u32>> = vec![Vec::new(); k];
        for (n, &j) in self.targets.iter().enumerate() {
            let (i, t) = (n / TABLED_PROBES, n % TABLED_PROBES);
            by_bin[j as usize].push(((t as u32) << 16) | i as u32);
        }
        self.start.clear();
        self.landing.clear();
        for l in &by_bin {
            self.start.push(self.landing.len() as u32);
            self.landing.extend_from_slice(l);
        }
        self.start.push(self.landing.len() as u32);
        self.best = vec![u64::MAX; k];
        self.k = k;
    }
}

thread_local! {
    /// The probe tables of this thread (a few tens of KiB for k = 128;
    /// rebuilt when another `k` comes).
    static PROBES: std::cell::RefCell<Probes> = std::cell::RefCell::new(Probes::default());
}

/// The densified signature of the raw bins `raw` into `sig` (same
/// length): a non-empty bin as it is, an empty one the value of the first
/// non-empty bin of its own probe sequence. All bins empty: all [`EMPTY`].
///
/// Two ways to the same values: with few bins filled (most paragraphs:
/// ~18 of 128 for 20 shingles) each filled bin `j` lowers the bins whose
/// sequences land on it, keeping the least `t` (a branch-free minimum of
/// `t << 32 | value`: one `t` of a bin lands on one `j` only); otherwise
/// each empty bin walks its own sequence. A bin none of whose first
/// [`TABLED_PROBES`] targets is filled goes on hashing from there.
pub(crate) fn densify(raw: &[u32], sig: &mut [u32]) {
    sig.copy_from_slice(raw);
    let k = raw.len();
    let filled = raw.iter().filter(|&&v| v != EMPTY).count();
    if filled == 0 {
        return;
    }
    PROBES.with_borrow_mut(|p| {
        if p.k != k {
            p.build(k);
        }
        let hashed_from_table_end = |i: usize| -> u32 {
            let mut t = TABLED_PROBES as u64;
            loop {
                let j = probe(i, t, k as u64);
                if raw[j] != EMPTY {
                    return raw[j];
                }
                t += 1;
            }
        };
        if filled * 4 < k {
            p.best.fill(u64::MAX);
            for (j, &v) in raw.iter().enumerate() {
                if v == EMPTY {
                    continue;
                }
                let (a, b) = (p.start[j] as usize, p.start[j + 1] as usize);
                for &e in &p.landing[a..b] {
                    let (t, i) = (u64::from(e >> 16), (e & 0xFFFF) as usize);
                    p.best[i] = p.best[i].min(t << 32 | u64::from(v));
                }
            }
            for (i, s) in sig.iter_mut().enumerate() {
                if *s == EMPTY {
                    *s = match p.best[i] {
                        u64::MAX => hashed_from_table_end(i),
                        b => b as u32,
                    };
                }
            }
            return;
        }
        for (i, s) in sig.iter_mut().enumerate() {
            if *s != EMPTY {
                continue;
            }
            let tabled = &p.targets[i * TABLED_PROBES..(i + 1) * TABLED_PROBES];
            *s = match tabled.iter().find(|&&j| raw[j as usize] != EMPTY) {
                Some(&j) => raw[j as usize],
                None => hashed_from_table_end(i),
            };
        }
    });
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

    fn raw(set: &[u32]) -> Vec<u32> {
        let mut r = vec![EMPTY; 128];
        update(set, &mut r);
        r
    }

    fn sig(set: &[u32]) -> Vec<u32> {
        let mut s = vec![0; 128];
        densify(&raw(set), &mut s);
        s
    }

    /// Well-spread 32-bit values, as shingle hashes are.
    fn hashes(r: std::ops::Range<u32>) -> Vec<u32> {
        r.map(|i| xxh3_64_with_seed(&i.to_le_bytes(), 7) as u32)
            .collect()
    }

    #[test]
    fn signature_estimates_jaccard() {
        // |A ∩ B| = 800, |A ∪ B| = 1200: J = 2/3.
        let (a, b) = (hashes(0..1000), hashes(200..1200));
        let e = estimate(&sig(&a), &sig(&b));
        assert!((e - 2.0 / 3.0).abs() < 0.12, "{e}");
        assert_eq!(sig(&a), sig(&a));
        // Disjoint sets share (almost) nothing.
        assert!(estimate(&sig(&a), &sig(&hashes(5000..6000))) < 0.05);
        // Small sets (most bins empty, densified): still an estimate.
        let (c, d) = (hashes(0..30), hashes(3..33));
        let e = estimate(&sig(&c), &sig(&d));
        assert!((e - 27.0 / 33.0).abs() < 0.2, "{e}");
        assert!(sig(&c).iter().all(|&v| v != EMPTY));
    }

    #[test]
    fn a_union_is_the_minimum_of_the_parts() {
        let (a, b) = (hashes(0..300), hashes(300..500));
        let m: Vec<u32> = raw(&a)
            .iter()
            .zip(raw(&b))
            .map(|(x, y)| (*x).min(y))
            .collect();
        assert_eq!(m, raw(&hashes(0..500)));
    }

    /// The densification of the probe sequences hashed one by one, as
    /// `densify` read them before its table.
    fn densify_hashed(raw: &[u32]) -> Vec<u32> {
        let k = raw.len() as u64;
        if raw.iter().all(|&v| v == EMPTY) {
            return raw.to_vec();
        }
        (0..raw.len())
            .map(|i| {
                if raw[i] != EMPTY {
                    return raw[i];
                }
                (0u64..)
                    .map(|t| raw[probe(i, t, k)])
                    .find(|&v| v != EMPTY)
                    .expect("a non-empty bin")
            })
            .collect()
    }

    #[test]
    fn tabled_probes_densify_as_hashed_ones() {
        // From one shingle (probe sequences far past the table) to full,
        // both sides of the sparse pass's threshold (32 of 128 bins), and
        // another k after the first (the tables rebuilt).
        for k in [128usize, 64, 128, 7, 1024] {
            for n in [1u32, 2, 5, 20, 30, 34, 40, 100, 1000] {
                let set = hashes(0..n);
                let mut r = vec![EMPTY; k];
                update(&set, &mut r);
                let mut s = vec![0; k];
                densify(&r, &mut s);
                assert_eq!(s, densify_hashed(&r), "k {k}, {n} shingles");
            }
        }
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
