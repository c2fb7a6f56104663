//! Source encodings and bad input, on the committed files of
//! `fixtures/encodings` (written by `scripts/make-encoding-fixtures`, which
//! also records each file's text and encoding in `texts.json`).
//!
//! Contract (design.md "Bad input", issue 2 "Decode"): output is always
//! UTF-8 with the decoded text; the summary records the source encoding;
//! binary files are skipped (reported, not written); a file that cannot
//! be decoded is reported as failed and copied through byte for byte, the
//! run exits 2 and every other file is still cleaned.

mod common;

use std::path::Path;

use common::*;
use newsclean::pipeline::clean_str;
use newsclean::Config;
use serde_json::Value;

fn fixtures() -> std::path::PathBuf {
    root().join("fixtures/encodings")
}

fn texts() -> serde_json::Map<String, Value> {
    let s = std::fs::read_to_string(fixtures().join("texts.json")).expect("texts.json");
    serde_json::from_str::<Value>(&s)
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

/// One run over the whole folder, shared by the checks below.
fn run(dir: &Path) -> (std::path::PathBuf, Value) {
    let out = dir.join("out");
    // invalid-utf8.txt fails: exit 2, the rest done.
    clean(&fixtures(), &out, &[], 2);
    let s = summary(&report_of(&out));
    (out, s)
}

#[test]
fn every_encoding_is_decoded_to_utf8_with_the_right_text() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, s) = run(tmp.path());
    let cfg = Config::default();
    let texts = texts();
    assert_eq!(
        texts.len(),
        6,
        "gbk, big5, utf-16le/be, utf-8 with and without BOM"
    );
    for (name, t) in &texts {
        let text = t["text"].as_str().unwrap();
        let bytes =
            std::fs::read(out.join(name)).unwrap_or_else(|e| panic!("{name}: not written: {e}"));
        let got =
            String::from_utf8(bytes).unwrap_or_else(|_| panic!("{name}: output is not UTF-8"));
        assert!(
            !got.starts_with('\u{feff}'),
            "{name}: BOM kept in the output"
        );
        assert_eq!(got, clean_str(text, &cfg), "{name}: wrong text");
        let row = file_row(&s, name);
        assert_eq!(
            row["encoding"], t["encoding"],
            "{name}: source encoding not recorded: {row}"
        );
        assert!(
            matches!(row["status"].as_str(), Some("cleaned" | "unchanged")),
            "{row}"
        );
    }
}

#[test]
fn binary_file_is_skipped_and_not_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, s) = run(tmp.path());
    let row = file_row(&s, "binary.txt");
    assert_eq!(row["status"], "skipped", "{row}");
    assert!(
        row["reason"].as_str().is_some_and(|r| r.contains("binary")),
        "{row}"
    );
    assert!(
        !out.join("binary.txt").exists(),
        "a skipped binary file was written"
    );
    assert_eq!(s["totals"]["skipped"], 1);
}

#[test]
fn invalid_utf8_fails_and_is_copied_through_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, s) = run(tmp.path());
    let row = file_row(&s, "invalid-utf8.txt");
    assert_eq!(row["status"], "failed", "{row}");
    assert!(
        row["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{row}"
    );
    let original = std::fs::read(fixtures().join("invalid-utf8.txt")).unwrap();
    let copied = std::fs::read(out.join("invalid-utf8.txt")).expect("failed file copied through");
    assert!(
        original == copied,
        "invalid-utf8.txt not copied byte for byte"
    );
    assert_eq!(s["totals"]["failed"], 1);
    // No change records for a file that was not decoded.
    let recs = changes(&report_of(&out));
    assert!(recs.iter().all(|c| c["file"] != "invalid-utf8.txt"));
}

#[test]
fn empty_file_is_written_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, s) = run(tmp.path());
    let row = file_row(&s, "empty.txt");
    assert_eq!(row["status"], "unchanged", "{row}");
    assert_eq!(
        std::fs::read(out.join("empty.txt")).expect("empty.txt written"),
        b""
    );
}

#[test]
fn failure_of_one_file_leaves_the_others_done() {
    let tmp = tempfile::tempdir().unwrap();
    let (out, s) = run(tmp.path());
    let t = &s["totals"];
    assert_eq!(t["files_seen"], 9, "{t}");
    assert_eq!(t["failed"], 1, "{t}");
    assert_eq!(t["skipped"], 1, "{t}");
    assert_eq!(
        t["cleaned"].as_u64().unwrap() + t["unchanged"].as_u64().unwrap(),
        7,
        "{t}"
    );
    // 6 texts + empty + the copied-through file; never the binary one.
    assert_eq!(tree(&out).len(), 8);
}

/// With only the good files (exclude the broken one), the run exits 0.
#[test]
fn without_the_broken_file_the_run_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    clean(&fixtures(), &out, &["--exclude", "invalid-utf8.txt"], 0);
}
