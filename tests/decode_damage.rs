//! Damaged input, decoded honestly (issue 10, rows 5 and 7).
//!
//! Row 5: a GBK file cut inside a character, UTF-8 and GBK mixed in one
//! file, a cut Big5 file and a short GBK file were decoded as windows-1252
//! or koi8-u mojibake, status `cleaned`, exit 0. Now: the cut files are GBK
//! / Big5 with a `decode.replacement` flag at the bad bytes (U+FFFD in the
//! text) and exit 2; the mixed file is `failed` and copied through byte
//! for byte; the short file is GBK.
//!
//! Row 7: real articles with NUL padding at the end (sogouc C000023/12.txt
//! and 13.txt, in `fixtures/damage`) were skipped as binary and not copied;
//! a NUL after the first 8 KiB was removed without a record. Now the
//! `whitespace.control` rule deletes them with an edit each, wherever they
//! are.
//!
//! The damaged legacy files are made here from real text of
//! `fixtures/corpus`.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use newsclean::decode::{decode, Decoded};
use newsclean::pipeline::clean_str;
use newsclean::Config;
use serde_json::Value;

/// A real xwlb day, without its final line break.
fn xwlb_day() -> String {
    let t = std::fs::read_to_string(corpus().join("xwlb/2016/20161027.txt")).unwrap();
    t.trim_end().to_string()
}

fn gb18030(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

fn original(bytes: &[u8]) -> String {
    match decode(bytes) {
        Decoded::Text { text, .. } => text,
        other => panic!("not text: {other:?}"),
    }
}

fn records_of<'a>(recs: &'a [Value], file: &str, rule: &str) -> Vec<&'a Value> {
    recs.iter()
        .filter(|c| c["file"] == file && c["rule"] == rule)
        .collect()
}

/// A GBK copy of a real article with its last character cut in half, and a
/// good UTF-8 file beside it.
fn cut_gbk_input(dir: &Path) -> (PathBuf, Vec<u8>) {
    let input = dir.join("in");
    let mut b = gb18030(&xwlb_day());
    b.pop(); // the day ends in `。` (A1 A3): A1 stays, a cut character
    write(&input, "cut-gbk.txt", &b);
    write(
        &input,
        "good.txt",
        "记者从交通运输部获悉,今年暑运期间全国铁路累计发送旅客六亿人次。\n",
    );
    (input, b)
}

#[test]
fn gbk_cut_inside_its_last_character_is_gbk_with_the_bad_byte_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, bytes) = cut_gbk_input(tmp.path());
    let out = tmp.path().join("out");
    // Decoded with a replacement: the file is done, the exit code says so.
    let o = clean(&input, &out, &[], 2);
    let s = summary(&report_of(&out));
    let row = file_row(&s, "cut-gbk.txt");
    assert_eq!(row["encoding"], "gbk", "{row}");
    assert_eq!(row["status"], "cleaned", "{row}");
    assert!(row["flags"].as_u64().unwrap() >= 1, "{row}");
    assert!(
        row["reason"]
            .as_str()
            .is_some_and(|r| r.contains("1 malformed gbk byte sequence")),
        "{row}"
    );
    let cleaned = std::fs::read_to_string(out.join("cut-gbk.txt")).unwrap();
    assert!(
        cleaned.ends_with('\u{FFFD}'),
        "{:?}",
        &cleaned[cleaned.len() - 40..]
    );
    assert!(
        cleaned.contains("央视网消息（新闻联播）"),
        "not decoded as GBK"
    );
    // One flag, at the U+FFFD of the decoded original, naming the byte.
    let orig = original(&bytes);
    let recs = changes(&report_of(&out));
    let flags = records_of(&recs, "cut-gbk.txt", "decode.replacement");
    assert_eq!(flags.len(), 1, "{flags:?}");
    let f = flags[0];
    let at = f["start"].as_u64().unwrap() as usize;
    assert_eq!(f["end"], f["start"]);
    assert_eq!(&orig[at..], "\u{FFFD}");
    let note = f["detail"]["text"].as_str().unwrap();
    assert_eq!(
        note,
        format!(
            "malformed gbk bytes A1 at byte {}, decoded as U+FFFD",
            bytes.len() - 1
        )
    );
    assert_eq!(s["rules"]["decode.replacement"], 1);
    // Named on stderr, like a failure; the good file is cleaned.
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("cut-gbk.txt: 1 malformed gbk byte sequence"),
        "{stderr}"
    );
    assert_eq!(file_row(&s, "good.txt")["status"], "cleaned");
    assert_eq!(s["totals"]["failed"], 0);
}

#[test]
fn cut_big5_is_big5_with_the_bad_byte_flagged() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let text = "新華社北京8月5日電，記者從中國科學院廣州地球化學研究所獲悉，\
                該所研究人員在黑龍江省發現了一個隕石坑。研究人員說，這是我國東北地區首次確認的隕石撞擊坑。";
    let mut b = encoding_rs::BIG5.encode(text).0.into_owned();
    b.pop();
    write(&input, "cut-big5.txt", &b);
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 2);
    let s = summary(&report_of(&out));
    let row = file_row(&s, "cut-big5.txt");
    assert_eq!(row["encoding"], "big5", "{row}");
    let cleaned = std::fs::read_to_string(out.join("cut-big5.txt")).unwrap();
    assert_eq!(
        cleaned,
        format!("{}\u{FFFD}", text.strip_suffix('。').unwrap())
    );
    assert_eq!(s["rules"]["decode.replacement"], 1);
}

#[test]
fn utf8_and_gbk_mixed_fails_and_is_copied_through_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let day = xwlb_day();
    let (head, tail) = day.split_at(day.char_indices().nth(200).unwrap().0);
    let mut b = head.as_bytes().to_vec();
    b.extend(gb18030(tail));
    write(&input, "mixed.txt", &b);
    write(
        &input,
        "good.txt",
        "记者从交通运输部获悉,今年暑运期间全国铁路累计发送旅客六亿人次。\n",
    );
    let out = tmp.path().join("out");
    let o = clean(&input, &out, &[], 2);
    let s = summary(&report_of(&out));
    let row = file_row(&s, "mixed.txt");
    assert_eq!(row["status"], "failed", "{row}");
    assert!(
        row["reason"]
            .as_str()
            .is_some_and(|r| r.contains("mixed encodings")),
        "{row}"
    );
    assert!(std::fs::read(out.join("mixed.txt")).unwrap() == b);
    assert!(changes(&report_of(&out))
        .iter()
        .all(|c| c["file"] != "mixed.txt"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("mixed.txt: mixed encodings"));
    assert_eq!(file_row(&s, "good.txt")["status"], "cleaned");
}

#[test]
fn short_gbk_files_are_gbk_and_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let texts = ["新闻联播\n", "国内新闻", "央视网消息：", "习近平会见"];
    for (i, t) in texts.iter().enumerate() {
        write(&input, &format!("{i}.txt"), gb18030(t));
    }
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    let s = summary(&report_of(&out));
    let cfg = Config::default();
    for (i, t) in texts.iter().enumerate() {
        let name = format!("{i}.txt");
        assert_eq!(file_row(&s, &name)["encoding"], "gbk");
        assert_eq!(
            std::fs::read_to_string(out.join(&name)).unwrap(),
            clean_str(t, &cfg)
        );
    }
}

/// The two sogouc articles with NUL padding are cleaned: NULs deleted with
/// `whitespace.control` edits, the rest as for the text without them.
#[test]
fn sogouc_articles_with_nul_padding_are_cleaned_not_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("fixtures/damage");
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    let s = summary(&report_of(&out));
    let recs = changes(&report_of(&out));
    let cfg = Config::default();
    for (rel, nuls) in [
        ("sogouc/C000023/12.txt", 2usize),
        ("sogouc/C000023/13.txt", 311),
    ] {
        let row = file_row(&s, rel);
        assert_eq!(row["status"], "cleaned", "{row}");
        let bytes = std::fs::read(input.join(rel)).unwrap();
        assert_eq!(bytes.iter().filter(|&&b| b == 0).count(), nuls);
        let cleaned = std::fs::read_to_string(out.join(rel)).unwrap();
        assert!(!cleaned.contains('\0'));
        let without: String = String::from_utf8(bytes).unwrap().replace('\0', "");
        assert_eq!(cleaned, clean_str(&without, &cfg), "{rel}");
        // Each NUL is in the `before` of a record (padding that the
        // whitespace stage trims too may be absorbed into its edit), and
        // there is at least one whitespace.control edit.
        assert!(!records_of(&recs, rel, "whitespace.control").is_empty());
        let recorded: usize = recs
            .iter()
            .filter(|c| c["file"] == rel)
            .map(|c| c["before"].as_str().unwrap().matches('\0').count())
            .sum();
        assert_eq!(recorded, nuls, "{rel}");
    }
}

/// A NUL and other control bytes deep in a long file (past the 8 KiB the
/// old binary test looked at) are deleted with a record each, and
/// `--check` counts them as a change.
#[test]
fn control_bytes_anywhere_are_deleted_with_records() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let day = std::fs::read_to_string(corpus().join("seed/xinhua-2021-08-05-dump.txt")).unwrap();
    assert!(day.len() > 9000);
    let at = |n: usize| day.char_indices().find(|&(i, _)| i >= n).unwrap().0;
    let (b100, cut) = (at(100), at(9000));
    let text = format!("{}\x07{}\0{}", &day[..b100], &day[b100..cut], &day[cut..]);
    write(&input, "day.txt", &text);
    let o = newsclean(["clean".as_ref(), input.as_os_str(), "--check".as_ref()]);
    assert_code(&o, 1);
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    let recs = changes(&report_of(&out));
    let ctl = records_of(&recs, "day.txt", "whitespace.control");
    let spans: Vec<(u64, &str)> = ctl
        .iter()
        .map(|c| (c["start"].as_u64().unwrap(), c["before"].as_str().unwrap()))
        .collect();
    assert_eq!(spans, [(b100 as u64, "\x07"), (cut as u64 + 1, "\0")]);
    let cleaned = std::fs::read_to_string(out.join("day.txt")).unwrap();
    assert_eq!(cleaned, clean_str(&day, &Config::default()));
}
