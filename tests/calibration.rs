//! Calibration of the layout join decision (spec B-S, B-R) on real
//! boundaries from the corpora, labelled by reading them:
//! `fixtures/calibration/boundaries.jsonl`. Each boundary is run through
//! the whole pipeline as `a⏎⏎b` (or `a⏎b` when there was no blank line) and
//! counted as joined when a layout join edit was made.

use newsclean::normalize::normalize;
use newsclean::Config;

const JOIN_RULES: &[&str] = &["layout.join", "layout.reflow", "layout.dehyphen"];

#[test]
fn join_precision_and_recall() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/calibration/boundaries.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("calibration fixture");
    let cfg = Config::default();
    let (mut tp, mut fp, mut fn_, mut tn) = (0usize, 0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("valid JSON line");
        let a = v["a"].as_str().unwrap();
        let b = v["b"].as_str().unwrap();
        let sep = if v["blank"].as_bool().unwrap() {
            "\n\n"
        } else {
            "\n"
        };
        let want = v["join"].as_bool().unwrap();
        let out = normalize(&format!("{a}{sep}{b}"), &cfg);
        let got = out.edits.iter().any(|p| JOIN_RULES.contains(&p.edit.rule));
        match (want, got) {
            (true, true) => tp += 1,
            (false, true) => {
                fp += 1;
                misses.push(format!("FALSE JOIN {}", v["source"]));
            }
            (true, false) => {
                fn_ += 1;
                misses.push(format!("MISSED     {}", v["source"]));
            }
            (false, false) => tn += 1,
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    eprintln!(
        "calibration: {} boundaries ({} true breaks): tp {tp} fp {fp} fn {fn_} tn {tn}; precision {precision:.3}, recall {recall:.3}",
        tp + fp + fn_ + tn,
        tp + fn_
    );
    for m in &misses {
        eprintln!("  {m}");
    }
    assert!(
        tp + fn_ >= 40,
        "need at least 40 true breaks in the fixture"
    );
    assert!(precision >= 0.98, "precision {precision:.3} below 0.98");
    assert!(recall >= 0.90, "recall {recall:.3} below 0.90");
}

/// Timing harness for the layout stage alone, on one thread:
/// `NEWSCLEAN_BENCH=/tmp/corpora/xwlb cargo test --release --test calibration -- --ignored --nocapture layout_speed`.
#[test]
#[ignore = "timing harness; needs a corpus folder in NEWSCLEAN_BENCH"]
fn layout_speed() {
    let dir = std::env::var("NEWSCLEAN_BENCH").unwrap_or_else(|_| "/tmp/corpora/xwlb".into());
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readable folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "txt") {
                if let Ok(t) = std::fs::read_to_string(&p) {
                    files.push(t.replace("\r\n", "\n"));
                }
            }
        }
    }
    let cfg = Config::default();
    let bytes: usize = files.iter().map(String::len).sum();
    let t0 = std::time::Instant::now();
    let mut n = 0usize;
    for f in &files {
        n += newsclean::normalize::layout::edits(f, &cfg).len();
    }
    let s = t0.elapsed().as_secs_f64();
    eprintln!(
        "layout: {} files, {:.1} MB, {n} edits, {s:.2} s, {:.1} MB/s",
        files.len(),
        bytes as f64 / 1e6,
        bytes as f64 / 1e6 / s
    );
}
