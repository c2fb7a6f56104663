//! Benchmark of the on-disk index (`scripts/bench-index` runs it):
//! builds an index of synthetic nights (each night: NIGHT keys looked up
//! and inserted as resolve does, a tenth of them repeats of an earlier
//! night), and at 1 M, 5 M, 10 M, 25 M and 50 M keys times 1 M lookups
//! (half of them hits), then the commit of an xwlb-sized night (300 000
//! keys). Prints peak RSS (and the night of the build that reached it)
//! and bytes per key at the end.
//!
//! `cargo run --release --example bench_index -- DIR [TOTAL_KEYS] [NIGHT]`

use std::path::PathBuf;
use std::time::Instant;

use newsclean::index::store::{self, DiskIndex, RunRecord};
use newsclean::index::{Here, Key, SeenIndex};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

fn key(night: u32, i: u32) -> Key {
    let b = [night.to_le_bytes(), i.to_le_bytes()].concat();
    Key {
        hash: xxh3_64(&b),
        check: xxh3_64_with_seed(&b, 7) as u32,
    }
}

fn status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds (user + system) of this thread so far, from
/// /proc/thread-self/stat: on a loaded machine the wall time of a step
/// says little, its CPU time does.
fn cpu() -> f64 {
    let s = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = s.rsplit(')').next().unwrap_or("");
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // Fields 14 and 15 of the file (utime, stime), 11 and 12 after ')'.
    (f.get(11).unwrap_or(&0) + f.get(12).unwrap_or(&0)) as f64 / 100.0
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// One night `n` of `keys` keys: lookups then inserts of the misses, as
/// resolve does; returns (lookup+insert seconds, commit seconds, merge
/// seconds after the commit, segments merged).
fn night(dir: &std::path::Path, n: u32, keys: u32, rng: &mut Rng) -> (f64, f64, f64, usize) {
    let mut ix = DiskIndex::open(dir, &format!("night-{n:04}"), false).expect("open");
    let t = Instant::now();
    for i in 0..keys {
        // A tenth repeat a random earlier night's key.
        let k = if n > 0 && i % 10 == 0 {
            let m = (rng.next() % u64::from(n)) as u32;
            key(m, (rng.next() % u64::from(keys)) as u32)
        } else {
            key(n, i)
        };
        if ix.lookup(k).is_none() {
            ix.insert(
                k,
                Here {
                    doc: i / 40,
                    line: i % 40 + 1,
                },
            );
        }
    }
    let looked = t.elapsed().as_secs_f64();
    let docs = (0..keys.div_ceil(40))
        .map(|d| format!("xinhua/{n:04}/{d:05}.txt"))
        .collect();
    let r = ix
        .commit(RunRecord {
            date: "2026-12-01T02:00:00Z".into(),
            inputs: vec![format!("dumps/{n:04}")],
            docs,
            blocks_added: 0,
            near: None,
            near_keep: None,
        })
        .expect("commit");
    (looked, r.commit_secs, r.merge_secs, r.merged)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = PathBuf::from(args.get(1).expect("usage: bench_index DIR [TOTAL] [NIGHT]"));
    let total: u64 = args
        .get(2)
        .map_or(50_000_000, |v| v.parse().expect("TOTAL"));
    let per_night: u32 = args.get(3).map_or(500_000, |v| v.parse().expect("NIGHT"));
    let checkpoints = [1_000_000u64, 5_000_000, 10_000_000, 25_000_000, 50_000_000];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut n = 0u32;
    let mut keys = 0u64;
    let (mut commits, mut merge_commits) = (Vec::new(), Vec::new());
    // The night during which peak RSS last grew, and what it merged.
    let mut peak_night = (0u64, 0u32, 0usize);
    let started = Instant::now();
    for &cp in checkpoints.iter().filter(|&&c| c <= total) {
        while keys < cp {
            let (_, c, mg, merged) = night(&dir, n, per_night, &mut rng);
            let hwm = status("VmHWM:");
            if hwm > peak_night.0 {
                peak_night = (hwm, n, merged);
            }
            commits.push(c);
            if merged > 0 {
                merge_commits.push(mg);
            }
            n += 1;
            keys = store::stats(&dir).expect("stats").keys;
        }
        // 1 M lookups: half keys of random earlier nights, half new.
        let ix = DiskIndex::open_read_only(&dir, "probe").expect("open");
        let probes: Vec<Key> = (0..1_000_000u32)
            .map(|i| {
                if i % 2 == 0 {
                    key(
                        (rng.next() % u64::from(n)) as u32,
                        (rng.next() % u64::from(per_night)) as u32,
                    )
                } else {
                    key(u32::MAX, i)
                }
            })
            .collect();
        let (t, c) = (Instant::now(), cpu());
        let hits = probes.iter().filter(|&&k| ix.lookup(k).is_some()).count();
        let (secs, cpu_secs) = (t.elapsed().as_secs_f64(), cpu() - c);
        // Baseline in the same run: the same probes against a hash set
        // of (at most 1 M of) the keys in memory.
        let set: std::collections::HashSet<Key> = (0..keys.min(1_000_000) as u32)
            .map(|i| key(i % n, i / n))
            .collect();
        let (tb, cb) = (Instant::now(), cpu());
        let base_hits = probes.iter().filter(|k| set.contains(k)).count();
        let (base, base_cpu) = (tb.elapsed().as_secs_f64(), cpu() - cb);
        drop(set);
        let s = store::stats(&dir).expect("stats");
        println!(
            "{keys:>10} keys, {:>2} segments: 1M lookups {secs:.3} s wall, {cpu_secs:.2} s CPU ({hits} hits); in-memory hash set of ≤1M keys: {base:.3} s wall, {base_cpu:.2} s CPU ({base_hits} hits); {:.1} bytes/key",
            s.segments,
            s.bytes as f64 / s.keys as f64
        );
        println!(
            "           peak RSS so far {} MiB (now: anon {} MiB, file-backed {} MiB)",
            status("VmHWM:") / 1024,
            status("RssAnon:") / 1024,
            status("RssFile:") / 1024
        );
    }
    println!(
        "built {keys} keys in {n} nights of {per_night} in {:.0} s; peak RSS of the nights {} MiB, reached in night {} (its commit merged {} segments)",
        started.elapsed().as_secs_f64(),
        peak_night.0 / 1024,
        peak_night.1,
        peak_night.2
    );
    let mut all = commits.clone();
    all.sort_by(f64::total_cmp);
    merge_commits.sort_by(f64::total_cmp);
    if !all.is_empty() {
        println!(
            "commit of a {per_night}-key night (to the commit point): median {:.3} s, max {:.3} s ({} commits)",
            all[all.len() / 2],
            all[all.len() - 1],
            all.len()
        );
    }
    if !merge_commits.is_empty() {
        println!(
            "merges after a commit: median {:.3} s, max {:.3} s ({} of the commits)",
            merge_commits[merge_commits.len() / 2],
            merge_commits[merge_commits.len() - 1],
            merge_commits.len()
        );
    }
    // An xwlb-sized night against the full index.
    let (c0, t0) = (cpu(), Instant::now());
    let (looked, commit, mg, merged) = night(&dir, n, 300_000, &mut rng);
    println!(
        "xwlb-sized night (300000 keys) against {keys} keys: lookups+inserts {looked:.3} s, commit {commit:.3} s, then merges {mg:.3} s ({merged} segments); {:.2} s CPU, {:.2} s wall in all",
        cpu() - c0,
        t0.elapsed().as_secs_f64()
    );
    println!(
        "peak RSS before verify {} MiB (now: anon {} MiB, file-backed {} MiB)",
        status("VmHWM:") / 1024,
        status("RssAnon:") / 1024,
        status("RssFile:") / 1024
    );
    let t = Instant::now();
    let v = store::verify(&dir).expect("verify");
    println!(
        "verify: {} keys, {} segments in {:.1} s",
        v.keys,
        v.segments,
        t.elapsed().as_secs_f64()
    );
    println!(
        "peak RSS {} MiB (now: anon {} MiB, file-backed {} MiB)",
        status("VmHWM:") / 1024,
        status("RssAnon:") / 1024,
        status("RssFile:") / 1024
    );
}
