//! Duplicates across and within files (design.md "Blocks and duplicates",
//! issue 2 "Exact duplicates"): the first copy in sorted path order
//! survives, every later copy is removed with `duplicate_of` = file and
//! 1-based line of the kept copy in its original; datelines, bylines and
//! short blocks are never removed; the key ignores punctuation width.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const DATELINE: &str = "新华社北京8月5日电";
const BYLINE: &str = "记者 张三 李四";
const CREDIT: &str = "新华社发";
/// 5 key characters: below the default minimum of 8.
const SHORT: &str = "会议结束了。";
const SHARED: &str =
    "国家统计局今天发布数据，七月份全国居民消费价格同比上涨百分之一，环比上涨百分之零点三。";
const WITHIN: &str = "中央气象台预计，未来三天华北地区将有一次明显降雨过程，请注意防范。";
const WIDE: &str = "央视网消息（新闻联播）：国务院今天召开常务会议，部署进一步做好稳就业工作。";
const NARROW: &str = "央视网消息(新闻联播)：国务院今天召开常务会议，部署进一步做好稳就业工作。";
/// Same words as SHARED, other numbers: not a duplicate.
const OTHER_NUMBERS: &str =
    "国家统计局今天发布数据，八月份全国居民消费价格同比上涨百分之二，环比上涨百分之零点五。";

/// (relative path, text). Line numbers used by the assertions are noted.
fn files() -> Vec<(&'static str, String)> {
    let a = [
        DATELINE, // 1
        SHARED,   // 3
        WITHIN,   // 5
        CREDIT,   // 7
        WITHIN,   // 9: duplicate of line 5 in the same file
        BYLINE,   // 11
        SHORT,    // 13
        WIDE,     // 15
    ]
    .join("\n\n")
        + "\n";
    let b = [
        DATELINE,                                                       // 1: kept (dateline)
        "本文件自己的第一段内容，讲述了一件完全不同的事情，没有重复。", // 3
        SHARED,                                                         // 5: dup of a/1.txt:3
        CREDIT,                                                         // 7: kept (credit)
        BYLINE,                                                         // 9: kept (byline)
        SHORT,                                                          // 11: kept (short)
        NARROW,                                                         // 13: dup of a/1.txt:15
        OTHER_NUMBERS,                                                  // 15: kept (other numbers)
    ]
    .join("\n\n")
        + "\n";
    // One paragraph per line, indented with U+3000, like the xwlb dumps.
    let c = format!(
        "标题：某地举行活动\n\u{3000}\u{3000}{SHARED}\n\u{3000}\u{3000}本段为c文件独有的段落，内容和其他文件都不一样，是一段新的文字。\n\u{3000}\u{3000}{WITHIN}\n"
    );
    vec![("a/1.txt", a), ("b/0.txt", b), ("c.txt", c)]
}

/// Write the corpus in the given order of creation.
fn make_corpus(dir: &Path, order: &[usize]) -> PathBuf {
    let input = dir.join("in");
    let fs = files();
    for &i in order {
        write(&input, fs[i].0, &fs[i].1);
    }
    input
}

fn dedup_records(report: &Path) -> Vec<(String, String, usize)> {
    changes(report)
        .iter()
        .filter(|c| c["rule"].as_str().is_some_and(|r| r.starts_with("dedup.")))
        .map(|c: &Value| {
            let d = &c["duplicate_of"];
            assert!(d.is_object(), "dedup record without duplicate_of: {c}");
            (
                c["file"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

fn removed_texts(report: &Path, file: &str) -> Vec<String> {
    changes(report)
        .iter()
        .filter(|c| {
            c["file"] == file && c["rule"].as_str().is_some_and(|r| r.starts_with("dedup."))
        })
        .map(|c| c["before"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn first_copy_in_sorted_order_survives_and_later_copies_point_at_it() {
    let tmp = tempfile::tempdir().unwrap();
    // Created c.txt, b/0.txt, a/1.txt: the reverse of the sorted order.
    let input = make_corpus(tmp.path(), &[2, 1, 0]);
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    let report = report_of(&out);
    let mut got = dedup_records(&report);
    got.sort();
    let mut want: Vec<(String, String, usize)> = [
        ("a/1.txt", "a/1.txt", 5),  // WITHIN, second copy in the same file
        ("b/0.txt", "a/1.txt", 3),  // SHARED
        ("b/0.txt", "a/1.txt", 15), // NARROW == WIDE
        ("c.txt", "a/1.txt", 3),    // SHARED
        ("c.txt", "a/1.txt", 5),    // WITHIN
    ]
    .iter()
    .map(|&(f, k, l)| (f.to_string(), k.to_string(), l))
    .collect();
    want.sort();
    assert_eq!(got, want);

    let a = std::fs::read_to_string(out.join("a/1.txt")).unwrap();
    assert_eq!(
        a.matches(SHARED).count(),
        1,
        "first copy of SHARED must stay in a/1.txt:\n{a}"
    );
    assert_eq!(
        a.matches(WITHIN).count(),
        1,
        "the first WITHIN stays, the second goes:\n{a}"
    );
    for (rel, text) in [("b/0.txt", SHARED), ("c.txt", SHARED), ("c.txt", WITHIN)] {
        let t = std::fs::read_to_string(out.join(rel)).unwrap();
        assert!(!t.contains(text), "{rel}: later copy kept:\n{t}");
    }
    // The removed spans are the duplicate paragraphs themselves.
    assert!(removed_texts(&report, "b/0.txt")
        .iter()
        .any(|b| b.contains(NARROW)));
    assert!(removed_texts(&report, "c.txt")
        .iter()
        .any(|b| b.contains(SHARED)));
}

#[test]
fn datelines_bylines_and_short_blocks_are_never_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let input = make_corpus(tmp.path(), &[0, 1, 2]);
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    for rel in ["a/1.txt", "b/0.txt"] {
        let t = std::fs::read_to_string(out.join(rel)).unwrap();
        for keep in [DATELINE, BYLINE, CREDIT, SHORT] {
            assert!(t.contains(keep), "{rel}: {keep:?} removed:\n{t}");
        }
    }
    let b = std::fs::read_to_string(out.join("b/0.txt")).unwrap();
    assert!(
        b.contains(OTHER_NUMBERS),
        "a paragraph with other numbers is not a duplicate:\n{b}"
    );
    let s = summary(&report_of(&out));
    assert_eq!(s["totals"]["duplicates_removed"], 5);
}

#[test]
fn short_block_threshold_is_configurable() {
    let tmp = tempfile::tempdir().unwrap();
    let input = make_corpus(tmp.path(), &[0, 1, 2]);
    let cfg = tmp.path().join("newsclean.toml");
    std::fs::write(&cfg, "[dedup]\nmin_chars = 4\n").unwrap();
    let out = tmp.path().join("out");
    clean(&input, &out, &["--config", cfg.to_str().unwrap()], 0);
    let b = std::fs::read_to_string(out.join("b/0.txt")).unwrap();
    assert!(
        !b.contains(SHORT),
        "with min_chars = 4 the 5-char sentence is a duplicate:\n{b}"
    );
    // Datelines and bylines stay whatever the threshold.
    assert!(
        b.contains(DATELINE) && b.contains(BYLINE) && b.contains(CREDIT),
        "{b}"
    );
    let recs = dedup_records(&report_of(&out));
    assert!(
        recs.contains(&("b/0.txt".into(), "a/1.txt".into(), 13)),
        "{recs:?}"
    );
}

#[test]
fn creation_order_does_not_matter() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for (k, order) in [[0, 1, 2], [2, 1, 0], [1, 2, 0]].iter().enumerate() {
        let dir = tmp.path().join(format!("run{k}"));
        let input = make_corpus(&dir, order);
        let out = dir.join("out");
        clean(&input, &out, &["--jobs", "2"], 0);
        outputs.push((
            tree(&out),
            std::fs::read(report_of(&out).join("changes.jsonl")).unwrap(),
        ));
    }
    assert!(
        outputs.windows(2).all(|w| w[0] == w[1]),
        "output depends on file creation order"
    );
}

#[test]
fn width_variants_are_the_same_block() {
    let text = format!("{WIDE}\n\n{NARROW}\n");
    let cleaned = newsclean::pipeline::clean_str(&text, &newsclean::Config::default());
    assert_eq!(
        cleaned.matches("国务院今天召开常务会议").count(),
        1,
        "{cleaned}"
    );
}

#[test]
fn within_file_duplicates_in_one_paragraph_per_line_files() {
    let text = format!(
        "标题\n\u{3000}\u{3000}{SHARED}\n\u{3000}\u{3000}{WITHIN}\n\u{3000}\u{3000}{SHARED}\n"
    );
    let cleaned = newsclean::pipeline::clean_str(&text, &newsclean::Config::default());
    assert_eq!(cleaned.matches(SHARED).count(), 1, "{cleaned}");
    assert!(
        cleaned.contains(WITHIN) && cleaned.starts_with("标题\n"),
        "{cleaned}"
    );
}

/// Hard-wrapped paragraphs (blank-line convention) whose lines end in a
/// full stop: a line repeated inside another paragraph goes on its own
/// (`dedup.line`), pointing at the line of the first copy.
#[test]
fn repeated_line_inside_another_paragraph_is_removed_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let text = format!(
        "标题\n\n甲乙丙丁的第一句话在这里结束了。\n{SHARED}\n\n另一段的开头这一句也很完整。\n{SHARED}\n另一段最后一句话也在这里结束。\n"
    );
    write(&input, "a.txt", &text);
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    let recs: Vec<Value> = changes(&report_of(&out))
        .into_iter()
        .filter(|c| c["rule"].as_str().is_some_and(|r| r.starts_with("dedup.")))
        .collect();
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(recs[0]["rule"], "dedup.line");
    assert_eq!(recs[0]["line"], 7);
    assert_eq!(
        recs[0]["duplicate_of"],
        serde_json::json!({"file": "a.txt", "line": 4})
    );
    let cleaned = std::fs::read_to_string(out.join("a.txt")).unwrap();
    assert_eq!(cleaned.matches(SHARED).count(), 1, "{cleaned}");
    assert!(
        cleaned.contains("另一段的开头这一句也很完整。\n另一段最后一句话也在这里结束。"),
        "{cleaned}"
    );
}
