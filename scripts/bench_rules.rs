//! Rule stages alone, in bytes per second on one core:
//! `cargo bench --bench rules`.
//!
//! The text is real news: every file of `fixtures/corpus` (the seed and the
//! xwlb, sogouc and bbc samples), or every `*.txt` under the folder named by
//! `NEWSCLEAN_BENCH_TEXT` (e.g. `target/bench/corpus/xwlb`). Each stage is
//! fed what it sees in a real run (the text after the stages before it),
//! file by file; the counter is the bytes of the decoded originals, so
//! every line reads as MB/s of corpus per core.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use newsclean::config::Config;
use newsclean::edit::{apply, Edit};
use newsclean::normalize::{self, chars, layout, punct, whitespace};
use newsclean::segment;

fn main() {
    divan::main();
}

/// Per file: the input of each stage (index 0 = original, 1 = after NFC,
/// 2 = after chars, 3 = after layout, 4 = after whitespace, 5 = after punct).
struct Texts {
    stages: Vec<[String; 6]>,
    bytes: usize,
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut es: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    es.sort();
    for p in es {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "txt") {
            out.push(p);
        }
    }
}

fn texts() -> &'static Texts {
    static T: OnceLock<Texts> = OnceLock::new();
    T.get_or_init(|| {
        let dir = std::env::var_os("NEWSCLEAN_BENCH_TEXT")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus"));
        let mut paths = Vec::new();
        files(&dir, &mut paths);
        let cfg = Config::default();
        let mut stages = Vec::new();
        let mut bytes = 0;
        for p in paths {
            let Ok(b) = std::fs::read(&p) else { continue };
            let newsclean::decode::Decoded::Text { text, .. } = newsclean::decode::decode(&b)
            else {
                continue;
            };
            bytes += text.len();
            let s1 = apply(&text, &on(chars::nfc(&text, &cfg), &cfg));
            let s2 = apply(&s1, &on(chars::edits(&s1, &cfg), &cfg));
            let s3 = apply(&s2, &on(layout::edits(&s2, &cfg), &cfg));
            let s4 = apply(&s3, &on(whitespace::edits(&s3, &cfg), &cfg));
            let s5 = apply(&s4, &on(punct::edits(&s4, &cfg), &cfg));
            stages.push([text, s1, s2, s3, s4, s5]);
        }
        assert!(bytes > 0, "no text found under {}", dir.display());
        Texts { stages, bytes }
    })
}

fn on(mut e: Vec<Edit>, cfg: &Config) -> Vec<Edit> {
    e.retain(|e| cfg.on(e.rule));
    e
}

fn stage(b: Bencher, input: usize, f: fn(&str, &Config) -> Vec<Edit>) {
    let t = texts();
    let cfg = Config::default();
    b.counter(BytesCount::new(t.bytes)).bench(|| {
        for s in &t.stages {
            black_box(f(black_box(&s[input]), &cfg));
        }
    });
}

#[divan::bench]
fn s1_nfc(b: Bencher) {
    stage(b, 0, chars::nfc);
}

#[divan::bench]
fn s2_chars(b: Bencher) {
    stage(b, 1, chars::edits);
}

#[divan::bench]
fn s3_layout(b: Bencher) {
    stage(b, 2, layout::edits);
}

#[divan::bench]
fn s4_whitespace(b: Bencher) {
    stage(b, 3, whitespace::edits);
}

#[divan::bench]
fn s5_punct(b: Bencher) {
    stage(b, 4, punct::edits);
}

#[divan::bench]
fn s6_flags_punct(b: Bencher) {
    stage(b, 5, punct::flags);
}

#[divan::bench]
fn s6_flags_layout(b: Bencher) {
    stage(b, 5, layout::flags);
}

/// Paragraph/line blocks with their fingerprint keys (the dedup input).
#[divan::bench]
fn s7_segment(b: Bencher) {
    let t = texts();
    b.counter(BytesCount::new(t.bytes)).bench(|| {
        for s in &t.stages {
            black_box(segment::blocks(black_box(&s[5])));
        }
    });
}

/// Every stage composed onto the original, as the pipeline runs it.
#[divan::bench]
fn all_normalize(b: Bencher) {
    let t = texts();
    let cfg = Config::default();
    b.counter(BytesCount::new(t.bytes)).bench(|| {
        for s in &t.stages {
            black_box(normalize::normalize(black_box(&s[0]), &cfg));
        }
    });
}
