//! Fuzz driver: `cargo run --release --example fuzz -- [N] [--seed S]
//! [--jobs J] [--bound-ms MS] [--only I] [--corpus DIR]…` (or
//! `scripts/fuzz [N] …`).
//!
//! Runs inputs `0..N` of seed `S` (see `harness.rs`) on `J` threads and
//! prints the totals: inputs, panics, hangs, idempotence failures, rebuild
//! failures. Each failing input is written to `target/fuzz-failures/` with
//! the command that replays it. An input slower than the bound counts as a
//! hang; one that has not returned after 30 s stops the run (its bytes are
//! saved first). Exit 0 when nothing failed, 1 otherwise.
//!
//! The mutated texts are `fixtures/corpus`, or with `--corpus DIR`
//! (repeatable) the files below those folders, e.g. the unpacked corpora
//! (`harness::corpus_texts`); a replay with `--only` needs the same
//! `--corpus` folders, and the failure file names carry a `c` for them.
#![allow(missing_docs)]

mod harness;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::{check, corpus_texts, input, seed_texts, Fault, Totals};
use newsclean::Config;

struct Args {
    n: u64,
    seed: u64,
    jobs: usize,
    bound: Duration,
    only: Option<u64>,
    corpus: Vec<PathBuf>,
    minimise: Option<PathBuf>,
}

fn parse() -> Args {
    let mut a = Args {
        n: 1_000_000,
        seed: 1,
        jobs: 2,
        // Release build; a debug build is 10–20× slower.
        bound: Duration::from_millis(if cfg!(debug_assertions) { 30_000 } else { 2000 }),
        only: None,
        corpus: Vec::new(),
        minimise: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut val = |name: &str| -> u64 {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        if x == "--minimise" {
            let f = it.next().expect("--minimise needs a file");
            a.minimise = Some(PathBuf::from(f));
            continue;
        }
        if x == "--corpus" {
            let d = it.next().expect("--corpus needs a folder");
            a.corpus.push(PathBuf::from(d));
            continue;
        }
        match x.as_str() {
            "--seed" => a.seed = val("--seed"),
            "--jobs" => a.jobs = val("--jobs").max(1) as usize,
            "--bound-ms" => a.bound = Duration::from_millis(val("--bound-ms")),
            "--only" => a.only = Some(val("--only")),
            n => {
                a.n = n
                    .replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("unknown argument {n}"))
            }
        }
    }
    a
}

fn save(dir: &Path, kind: &str, seed: u64, i: u64, bytes: &[u8]) -> PathBuf {
    let _ = std::fs::create_dir_all(dir);
    let p = dir.join(format!("{kind}-{seed}-{i}.bin"));
    let _ = std::fs::write(&p, bytes);
    p
}

/// `--minimise FILE`: the shortest input found, removing lines, then
/// pieces of halving size, then single characters, that still fails the
/// same way as FILE (a saved failure), and for an idempotence failure
/// with the same rule changing the text on the second run; printed as a
/// Rust string literal and saved beside FILE as `.min`.
/// `NEWSCLEAN_MIN_LINES=1` removes whole lines only.
fn minimise(f: &Path, cfg: &Config, bound: Duration) {
    let b = std::fs::read(f).expect("read the file to minimise");
    let kind = match check(&b, cfg, bound) {
        Err(fault) => fault.kind(),
        Ok(_) => {
            println!("{} passes: nothing to minimise", f.display());
            return;
        }
    };
    // For an idempotence failure, also the rule that changes the text on
    // the second run: else the input shrinks to another fault.
    let second = |x: &[u8]| -> Option<&'static str> {
        let newsclean::decode::Decoded::Text { text, .. } = newsclean::decode::decode(x) else {
            return None;
        };
        let once = newsclean::pipeline::clean_str(&text, cfg);
        let (_, edits) = newsclean::pipeline::clean_edits(&once, cfg);
        edits.iter().find(|e| !e.is_flag()).map(|e| e.rule)
    };
    let rule = second(&b);
    let fails = |x: &[u8]| {
        matches!(check(x, cfg, bound), Err(e) if e.kind() == kind)
            && (rule.is_none() || second(x) == rule)
    };
    // Pieces: lines first, then byte runs cut at char boundaries.
    let mut cur = b;
    let split = |x: &[u8], size: usize| -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < x.len() {
            let mut j = if size == 0 {
                x[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(x.len(), |k| i + k + 1)
            } else {
                (i + size).min(x.len())
            };
            while j < x.len() && (0x80..0xC0).contains(&x[j]) {
                j += 1;
            }
            out.push(x[i..j].to_vec());
            i = j;
        }
        out
    };
    let mut sizes = vec![0usize];
    // NEWSCLEAN_MIN_LINES=1: whole lines only (a readable case).
    let mut s = if std::env::var_os("NEWSCLEAN_MIN_LINES").is_some() {
        0
    } else {
        cur.len() / 2
    };
    while s >= 1 {
        sizes.push(s);
        s /= 2;
    }
    loop {
        let before = cur.len();
        for &size in &sizes {
            let mut parts = split(&cur, size);
            let mut k = 0;
            while k < parts.len() {
                let mut trial = parts.clone();
                trial.remove(k);
                let joined: Vec<u8> = trial.concat();
                if fails(&joined) {
                    parts = trial;
                    cur = joined;
                } else {
                    k += 1;
                }
            }
        }
        if cur.len() == before {
            break;
        }
    }
    let out = f.with_extension("min");
    let _ = std::fs::write(&out, &cur);
    println!(
        "{kind} ({}), {} bytes, saved {}: {:?}",
        rule.unwrap_or("-"),
        cur.len(),
        out.display(),
        String::from_utf8_lossy(&cur)
    );
    if std::str::from_utf8(&cur).is_err() {
        println!("bytes: {cur:?}");
    }
}

fn main() {
    let args = parse();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let seeds = Arc::new(if args.corpus.is_empty() {
        seed_texts(&root)
    } else {
        let s = corpus_texts(&args.corpus, 3000);
        assert!(!s.is_empty(), "no text below the --corpus folders");
        eprintln!(
            "fuzz: {} seed texts from {} folders",
            s.len(),
            args.corpus.len()
        );
        s
    });
    let tag = if args.corpus.is_empty() { "" } else { "c" };
    // The `--corpus` arguments of a replay command.
    let extra: Arc<str> = args
        .corpus
        .iter()
        .map(|d| format!(" --corpus {}", d.display()))
        .collect::<String>()
        .into();
    let fail_dir = root.join("target/fuzz-failures");
    let cfg = Arc::new(Config::default());
    // Panics are caught and counted per input; keep stderr readable.
    std::panic::set_hook(Box::new(|_| {}));

    if let Some(f) = &args.minimise {
        minimise(f, &cfg, args.bound);
        return;
    }

    if let Some(i) = args.only {
        let b = input(args.seed, i, &seeds);
        let r = check(&b, &cfg, args.bound);
        println!(
            "input {i} ({} bytes): {:?}",
            b.len(),
            String::from_utf8_lossy(&b)
        );
        if let Err(f) = &r {
            // Saved as in a run, for `--minimise`.
            let p = save(&fail_dir, &format!("{}{tag}", f.kind()), args.seed, i, &b);
            println!("saved {}", p.display());
        }
        match &r {
            Err(Fault::Idempotence { once, twice } | Fault::DedupIdempotence { once, twice }) => {
                println!(
                    "result: {}: {}",
                    r.as_ref().unwrap_err().kind(),
                    harness::difference(once, twice)
                )
            }
            other => println!("result: {other:?}"),
        }
        // What a second clean would still change, rule by rule.
        if let newsclean::decode::Decoded::Text { text, .. } = newsclean::decode::decode(&b) {
            let once = newsclean::pipeline::clean_str(&text, &cfg);
            let (_, edits) = newsclean::pipeline::clean_edits(&once, &cfg);
            for e in edits.iter().filter(|e| !e.is_flag()) {
                println!(
                    "second run: {} {}..{} {:?} -> {:?}",
                    e.rule,
                    e.start,
                    e.end,
                    once[e.start..e.end].chars().take(60).collect::<String>(),
                    e.replacement.chars().take(60).collect::<String>()
                );
            }
        }
        std::process::exit(if r.is_ok() { 0 } else { 1 });
    }

    let start = Instant::now();
    // Per worker: the index of its current input and when it started (ms
    // since `start`), for the watchdog.
    let current: Arc<Vec<(AtomicU64, AtomicU64)>> = Arc::new(
        (0..args.jobs)
            .map(|_| (AtomicU64::new(u64::MAX), AtomicU64::new(0)))
            .collect(),
    );
    {
        let current = current.clone();
        let seeds = seeds.clone();
        let fail_dir = fail_dir.clone();
        let extra = extra.clone();
        let seed = args.seed;
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            let now = start.elapsed().as_millis() as u64;
            for (idx, since) in current.iter() {
                let i = idx.load(Ordering::Acquire);
                if i != u64::MAX && now.saturating_sub(since.load(Ordering::Acquire)) > 30_000 {
                    let p = save(
                        &fail_dir,
                        &format!("hang{tag}"),
                        seed,
                        i,
                        &input(seed, i, &seeds),
                    );
                    eprintln!(
                        "fuzz: input {i} has run for 30 s: hang; saved {} (replay: scripts/fuzz --seed {seed} --only {i}{extra})",
                        p.display()
                    );
                    std::process::exit(3);
                }
            }
        });
    }

    let workers: Vec<_> = (0..args.jobs)
        .map(|w| {
            let (seeds, cfg, current, fail_dir, extra) = (
                seeds.clone(),
                cfg.clone(),
                current.clone(),
                fail_dir.clone(),
                extra.clone(),
            );
            let (n, seed, jobs, bound) = (args.n, args.seed, args.jobs as u64, args.bound);
            std::thread::spawn(move || {
                let mut t = Totals::default();
                let mut i = w as u64;
                while i < n {
                    let b = input(seed, i, &seeds);
                    current[w]
                        .1
                        .store(start.elapsed().as_millis() as u64, Ordering::Release);
                    current[w].0.store(i, Ordering::Release);
                    let t0 = Instant::now();
                    let r = check(&b, &cfg, bound);
                    let took = t0.elapsed();
                    current[w].0.store(u64::MAX, Ordering::Release);
                    t.add(b.len(), &r, took);
                    if let Err(f) = &r {
                        let p = save(&fail_dir, &format!("{}{tag}", f.kind()), seed, i, &b);
                        let what = match f {
                            Fault::Idempotence { once, twice }
                            | Fault::DedupIdempotence { once, twice } => {
                                harness::difference(once, twice)
                            }
                            other => format!("{other:?}"),
                        };
                        eprintln!(
                            "fuzz: input {i}: {} — saved {} (replay: scripts/fuzz --seed {seed} --only {i}{extra})\n  {}",
                            f.kind(),
                            p.display(),
                            what.chars().take(600).collect::<String>()
                        );
                    }
                    if w == 0 && i % 100_000 < jobs {
                        eprintln!("fuzz: {i}/{n} after {:.0} s", start.elapsed().as_secs_f64());
                    }
                    i += jobs;
                }
                t
            })
        })
        .collect();
    let mut total = Totals::default();
    for h in workers {
        total.merge(&h.join().expect("worker"));
    }
    println!(
        "fuzz: seed {} in {:.1} s on {} threads: {}",
        args.seed,
        start.elapsed().as_secs_f64(),
        args.jobs,
        total.line()
    );
    std::process::exit(if total.faults() == 0 { 0 } else { 1 });
}
