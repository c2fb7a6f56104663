//! The example corpus (`fixtures/corpus`: the seed and excerpts of sogouc,
//! xwlb and bbc) cleaned by the real binary must match `fixtures/expected`
//! exactly: every cleaned file byte for byte, every change record, and the
//! summary's totals, rule counts and file rows.
//!
//! The expected files are never typed by hand: `scripts/regen-expected`
//! writes them from the current binary, and a person reviews the diff
//! before committing (`git diff fixtures/expected`). A rule that changes
//! on purpose therefore shows up here as a reviewed fixture change.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

const HINT: &str = "if the change is intended, run scripts/regen-expected and review `git diff fixtures/expected` before committing";

/// The summary as `scripts/regen-expected` keeps it: no `run` block
/// (timings, paths), only rules that made at least one edit.
fn stable_summary(mut s: Value) -> Value {
    let obj = s.as_object_mut().expect("summary is an object");
    obj.remove("run");
    if let Some(Value::Object(rules)) = obj.get_mut("rules") {
        rules.retain(|_, v| v.as_u64() != Some(0));
    }
    s
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("serialize") + "\n"
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

#[test]
fn cleaned_corpus_matches_expected_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, _) = run_corpus(tmp.path());
    let expected = tree(&root().join("fixtures/expected/out"));
    let actual = tree(&out);
    assert!(
        !expected.is_empty(),
        "fixtures/expected/out is empty; {HINT}"
    );
    let mut problems = Vec::new();
    for (rel, want) in &expected {
        match actual.get(rel) {
            None => problems.push(format!("{rel}: expected output file missing")),
            Some(got) if got != want => problems.push(format!(
                "{rel}: differs\n{}",
                text_diff(
                    &String::from_utf8_lossy(want),
                    &String::from_utf8_lossy(got),
                    rel
                )
            )),
            Some(_) => {}
        }
    }
    for rel in actual.keys().filter(|r| !expected.contains_key(*r)) {
        problems.push(format!("{rel}: written but not in fixtures/expected/out"));
    }
    assert!(problems.is_empty(), "{}\n\n{HINT}", problems.join("\n"));
}

#[test]
fn change_records_match_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, report) = run_corpus(tmp.path());
    let want_text =
        std::fs::read_to_string(root().join("fixtures/expected/changes.jsonl")).unwrap();
    let want: Vec<Value> = want_text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got = changes(&report);
    if want != got {
        let show = |v: &[Value]| v.iter().map(|x| x.to_string() + "\n").collect::<String>();
        panic!(
            "changes.jsonl differs\n{}\n{HINT}",
            text_diff(&show(&want), &show(&got), "changes.jsonl")
        );
    }
}

#[test]
fn summary_matches_expected() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, report) = run_corpus(tmp.path());
    let want: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/expected/summary.json")).unwrap(),
    )
    .unwrap();
    let got = stable_summary(summary(&report));
    if want != got {
        panic!(
            "summary.json differs\n{}\n{HINT}",
            text_diff(&pretty(&want), &pretty(&got), "summary.json")
        );
    }
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
