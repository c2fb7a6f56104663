//! The example corpus (`fixtures/corpus`: the seed and excerpts of sogouc,
//! xwlb and bbc) cleaned by the real binary must match its insta snapshots
//! (`tests/snapshots/fixtures__*.snap`) exactly: every cleaned file byte
//! for byte, every change record, and the summary's totals, rule counts
//! and file rows.
//!
//! The snapshots are never typed by hand: `scripts/regen-expected` writes
//! them from the current binary (insta, `INSTA_UPDATE=always`), and a
//! person reviews the diff before committing (`git diff tests/snapshots`,
//! or `cargo insta review` where cargo-insta is installed). A rule that
//! changes on purpose therefore shows up here as a reviewed snapshot
//! change.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::*;
use serde_json::Value;

/// The summary as the snapshot keeps it: no `run` block (timings, paths),
/// only rules that made at least one edit.
fn stable_summary(mut s: Value) -> Value {
    let obj = s.as_object_mut().expect("summary is an object");
    obj.remove("run");
    if let Some(Value::Object(rules)) = obj.get_mut("rules") {
        rules.retain(|_, v| v.as_u64() != Some(0));
    }
    s
}

fn run_corpus(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let out = dir.join("out");
    let report = dir.join("report");
    let o = newsclean([
        "clean".as_ref(),
        corpus().as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--report".as_ref(),
        report.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_code(&o, 0);
    (out, report)
}

/// A tree of text files as one exact, readable text: per file a `== PATH
/// (N bytes)` line, then its lines as `|…¶` (`¶` where the line ended with
/// a line feed, none on a last line without one; backslash, `¶` and every
/// control character but the line feed escaped as `\u{…}`). Two trees
/// render the same exactly when they hold the same bytes.
fn render_tree(dir: &Path) -> String {
    let mut out = String::new();
    for (rel, bytes) in tree(dir) {
        let text = String::from_utf8(bytes.clone())
            .unwrap_or_else(|e| panic!("{rel}: the cleaned copy is not UTF-8: {e}"));
        writeln!(out, "== {rel} ({} bytes)", bytes.len()).unwrap();
        for line in text.split_inclusive('\n') {
            let (body, ended) = match line.strip_suffix('\n') {
                Some(b) => (b, true),
                None => (line, false),
            };
            out.push('|');
            for c in body.chars() {
                if c == '\\' || c == '¶' || c.is_control() {
                    write!(out, "\\u{{{:x}}}", c as u32).unwrap();
                } else {
                    out.push(c);
                }
            }
            out.push_str(if ended { "¶\n" } else { "\n" });
        }
    }
    out
}

#[test]
fn render_tree_is_exact() {
    let t = tempfile::tempdir().unwrap();
    let files: [(&str, &[u8]); 4] = [
        ("a.txt", b"x\n"),
        ("b.txt", b"x"),
        ("c.txt", "y\\ \u{b6}\r\t\n\n".as_bytes()),
        ("d/e.txt", b""),
    ];
    for (rel, bytes) in files {
        std::fs::create_dir_all(t.path().join(rel).parent().unwrap()).unwrap();
        std::fs::write(t.path().join(rel), bytes).unwrap();
    }
    assert_eq!(
        render_tree(t.path()),
        "== a.txt (2 bytes)\n|x¶\n== b.txt (1 bytes)\n|x\n\
         == c.txt (9 bytes)\n|y\\u{5c} \\u{b6}\\u{d}\\u{9}¶\n|¶\n== d/e.txt (0 bytes)\n"
    );
}

#[test]
fn cleaned_corpus_matches_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = run_corpus(tmp.path());
    insta::assert_snapshot!("out", render_tree(&out));
}

#[test]
fn change_records_match_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, report) = run_corpus(tmp.path());
    // one record a line, keys sorted (serde_json's map is ordered)
    let records: String = changes(&report)
        .iter()
        .map(|r| r.to_string() + "\n")
        .collect();
    insta::assert_snapshot!("changes", records);
}

#[test]
fn summary_matches_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, report) = run_corpus(tmp.path());
    let s = stable_summary(summary(&report));
    insta::assert_snapshot!("summary", serde_json::to_string_pretty(&s).unwrap());
}

/// Facts about the example corpus that must hold whatever the punctuation
/// and layout rules do: every file is UTF-8 and processed, the second copy
/// of each known duplicate is removed, pointing at the first copy.
#[test]
fn corpus_duplicates_point_at_first_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, report) = run_corpus(tmp.path());
    let s = summary(&report);
    assert_eq!(s["totals"]["failed"], 0);
    assert_eq!(s["totals"]["skipped"], 0);
    for f in s["files"].as_array().unwrap() {
        assert_eq!(f["encoding"], "utf-8", "{f}");
    }
    let all = changes(&report);
    // (later copy, first copy): exact duplicate documents.
    for (later, first) in [
        ("bbc/sport/084.txt", "bbc/sport/052.txt"),
        ("bbc/entertainment/350.txt", "bbc/entertainment/073.txt"),
        ("sogouc/C000022/17.txt", "sogouc/C000022/14.txt"),
    ] {
        let dups: Vec<&Value> = all
            .iter()
            .filter(|c| {
                c["file"] == later && c["rule"].as_str().unwrap_or("").starts_with("dedup.")
            })
            .collect();
        assert!(!dups.is_empty(), "{later}: no duplicate removed");
        for d in dups {
            assert_eq!(d["duplicate_of"]["file"], first, "{d}");
        }
        // The first copy keeps its text.
        let kept = std::fs::read_to_string(out.join(first)).unwrap();
        assert!(kept.len() > 100, "{first}: kept copy lost its text");
    }
}

/// `changes.diff` applies with `patch -p0` in a copy of the input tree
/// and gives the cleaned files.
#[test]
fn diffs_apply_with_patch() {
    if std::process::Command::new("patch")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("patch not installed; skipping (install the Debian package `patch`)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (out, report) = run_corpus(tmp.path());
    let copy = tmp.path().join("copy");
    copy_tree(&corpus(), &copy);
    let o = std::process::Command::new("patch")
        .args(["-p0", "--quiet", "-i"])
        .arg(report.join("changes.diff"))
        .current_dir(&copy)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "patch -p0 < changes.diff: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let changed: Vec<String> = std::fs::read_to_string(report.join("changes.diff"))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("+++ "))
        .map(|l| l.trim_end_matches('\t').to_string())
        .collect();
    assert!(changed.len() > 5);
    for file in &changed {
        let patched = std::fs::read(copy.join(file)).unwrap();
        let cleaned = std::fs::read(out.join(file)).unwrap();
        assert!(
            patched == cleaned,
            "{file}: patched original differs from cleaned output"
        );
    }
}
