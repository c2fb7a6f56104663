//! Duplicates across and within files (design.md "Blocks and duplicates",
//! issue 2 "Exact duplicates"): the first copy in sorted path order
//! survives, every later copy is removed with `duplicate_of` = file and
//! 1-based line of the kept copy in its original; datelines, bylines and
//! short blocks are never removed; the key ignores punctuation width.
//! The mechanics are tested under `[dedup] scope = "all"` (every repeat
//! across files is a duplicate); what `scope = "passage"` (the default)
//! keeps of a formulaic sentence two articles share is at the end, on two
//! real xwlb transcripts.

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

/// A config file under `dir` with `[dedup] scope = "all"` and `extra`
/// lines of `[dedup]`; the arguments naming it.
fn scope_all(dir: &Path, extra: &str) -> Vec<String> {
    let cfg = dir.join("newsclean.toml");
    std::fs::write(&cfg, format!("[dedup]\nscope = \"all\"\n{extra}")).unwrap();
    vec!["--config".into(), cfg.to_str().unwrap().into()]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
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

/// The exact-duplicate records (`dedup.line`, `dedup.paragraph`,
/// `dedup.document`): the small files here share most of their text, so
/// the near-duplicate rules flag some of them as edited copies too.
fn dedup_records(report: &Path) -> Vec<(String, String, usize)> {
    changes(report)
        .iter()
        .filter(|c| {
            c["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("dedup.") && !r.starts_with("dedup.near-"))
        })
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
    clean(&input, &out, &strs(&scope_all(tmp.path(), "")), 0);
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
    clean(&input, &out, &strs(&scope_all(tmp.path(), "")), 0);
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
    let args = scope_all(tmp.path(), "min_chars = 4\n");
    let out = tmp.path().join("out");
    clean(&input, &out, &strs(&args), 0);
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

// ---- `[dedup] scope`: which repeats across documents are duplicates ----

fn scope_fixture(name: &str) -> String {
    std::fs::read_to_string(root().join("fixtures/scope").join(name)).unwrap()
}

/// The paragraphs of `text`, trimmed.
fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// The 2018 and 2023 NPC election transcripts (`fixtures/scope`), and a
/// later file built of the 2018 one: a copied passage (three consecutive
/// paragraphs), a long paragraph alone, a formulaic sentence alone, and
/// a sentence of the 2018 text twice in itself.
fn election_corpus(dir: &Path) -> (PathBuf, Vec<String>) {
    let y2018 = scope_fixture("xwlb-20180317.txt");
    let p: Vec<String> = paragraphs(&y2018).iter().map(|s| s.to_string()).collect();
    let find = |start: &str| {
        p.iter()
            .find(|x| x.starts_with(start))
            .unwrap_or_else(|| panic!("no paragraph {start:?} in the 2018 text"))
            .clone()
    };
    let passage = [
        find("10时49分，中国人民解放军军乐团号手"),
        find("12名陆海空三军仪仗兵"),
        find("全体起立。主席台上"),
    ];
    let long = find("现在播送中华人民共和国全国人民代表大会公告第二号");
    let formula = find("工作人员宣读计票结果。");
    let twice = find("铿锵有力的宣誓声响彻人民大会堂。");
    let later = [
        "本台记者今天在人民大会堂采访了多位全国人大代表，听取他们对政府工作的意见。",
        &passage[0],
        &passage[1],
        &passage[2],
        "代表们表示，将把会议精神带回各地，认真贯彻落实，推动经济社会高质量发展。",
        &long,
        "一些代表还就科技创新、乡村振兴等议题提出了具体建议，受到有关部门重视。",
        &formula,
        "大会秘书处工作人员介绍，本次会议各项议程安排紧凑，组织工作有序高效。",
        &twice,
        "会议期间，新闻中心共接待中外记者数千人次，举办记者会和集体采访数十场。",
        &twice,
        "各代表团审议讨论气氛热烈，代表们畅所欲言，提出了许多有价值的意见建议。",
    ]
    .join("\n\n")
        + "\n";
    let input = dir.join("in");
    write(&input, "20180317.txt", &y2018);
    write(&input, "20230310.txt", scope_fixture("xwlb-20230310.txt"));
    write(&input, "20230311.txt", &later);
    let gone = passage.iter().cloned().chain([long]).collect();
    (input, gone)
}

/// Block removals (rule, line, kept file) of `file`.
fn removals_of(report: &Path, file: &str) -> Vec<(String, u64, String)> {
    changes(report)
        .iter()
        .filter(|c| {
            c["file"] == file
                && c["rule"]
                    .as_str()
                    .is_some_and(|r| r == "dedup.paragraph" || r == "dedup.line")
        })
        .map(|c| {
            (
                c["rule"].as_str().unwrap().to_string(),
                c["line"].as_u64().unwrap(),
                c["duplicate_of"]["file"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn passage_scope_keeps_the_formulaic_sentences_of_the_2023_election_article() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, gone) = election_corpus(tmp.path());
    let out = tmp.path().join("out");
    clean(&input, &out, &["--no-config"], 0);
    let report = report_of(&out);
    // The default scope: the 2023 article loses nothing to the 2018 one.
    assert_eq!(removals_of(&report, "20230310.txt"), vec![]);
    let y2023 = std::fs::read_to_string(out.join("20230310.txt")).unwrap();
    for s in [
        "当这一选举结果宣布时，全场爆发出长时间热烈的掌声。",
        "工作人员宣读计票结果。",
        "在军乐团伴奏下，全场高唱中华人民共和国国歌。",
        "铿锵有力的宣誓声响彻人民大会堂。",
        "每一项选举结果宣布时，现场都响起热烈掌声。",
    ] {
        assert!(y2023.contains(s), "the 2023 article lost {s:?}");
    }
    // The copied passage and the long paragraph go; the formulaic sentence
    // alone stays (a third article has it); the sentence this file has
    // twice goes the second time, naming the first copy in corpus order.
    let later = std::fs::read_to_string(out.join("20230311.txt")).unwrap();
    for g in &gone {
        assert!(!later.contains(g.as_str()), "kept: {g:?}\n{later}");
    }
    assert!(later.contains("工作人员宣读计票结果。"), "{later}");
    assert_eq!(
        later.matches("铿锵有力的宣誓声响彻人民大会堂。").count(),
        1,
        "{later}"
    );
    let mut rm = removals_of(&report, "20230311.txt");
    rm.sort();
    let lines: Vec<u64> = rm.iter().map(|r| r.1).collect();
    assert_eq!(lines, vec![3, 5, 7, 11, 23], "{rm:?}");
    assert!(
        rm.iter()
            .all(|r| r.0 == "dedup.paragraph" && r.2 == "20180317.txt"),
        "{rm:?}"
    );
}

#[test]
fn all_scope_removes_every_repeat_across_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, _) = election_corpus(tmp.path());
    let out = tmp.path().join("out");
    clean(&input, &out, &strs(&scope_all(tmp.path(), "")), 0);
    let report = report_of(&out);
    let rm = removals_of(&report, "20230310.txt");
    // Today's holes: one-sentence paragraphs of the ceremony, all named
    // after the 2018 copy.
    assert!(rm.len() >= 12, "{rm:?}");
    assert!(rm.iter().all(|r| r.2 == "20180317.txt"), "{rm:?}");
    let y2023 = std::fs::read_to_string(out.join("20230310.txt")).unwrap();
    assert!(!y2023.contains("工作人员宣读计票结果。"), "{y2023}");
    let later = std::fs::read_to_string(out.join("20230311.txt")).unwrap();
    assert!(!later.contains("工作人员宣读计票结果。"), "{later}");
}

#[test]
fn passage_thresholds_are_configurable() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, _) = election_corpus(tmp.path());
    // Runs of two repeated paragraphs are passages too, and 80-character
    // paragraphs long: the 2023 article loses its pairs of ceremony
    // sentences and the biography paragraph, but no isolated sentence.
    let cfg = tmp.path().join("newsclean.toml");
    std::fs::write(&cfg, "[dedup]\npassage_blocks = 2\nlong_chars = 80\n").unwrap();
    let out = tmp.path().join("out");
    clean(&input, &out, &["--config", cfg.to_str().unwrap()], 0);
    let y2023 = std::fs::read_to_string(out.join("20230310.txt")).unwrap();
    assert!(
        !y2023.contains("在军乐团伴奏下，全场高唱中华人民共和国国歌。"),
        "{y2023}"
    );
    assert!(!y2023.contains("习近平，男，汉族，1953年6月生"), "{y2023}");
    assert!(y2023.contains("工作人员宣读计票结果。"), "{y2023}");
    assert!(
        y2023.contains("当这一选举结果宣布时，全场爆发出长时间热烈的掌声。"),
        "{y2023}"
    );
    // passage_blocks = 1 would be scope = "all": refused.
    std::fs::write(&cfg, "[dedup]\npassage_blocks = 1\n").unwrap();
    let o = clean(
        &input,
        &tmp.path().join("out1"),
        &["--config", cfg.to_str().unwrap()],
        78,
    );
    assert!(
        stderr(&o).contains("passage_blocks must be at least 2"),
        "{}",
        stderr(&o)
    );
}

// ---- `[dedup] many_documents`: a block repeated in many documents ----

/// The twelve meeting reports of `fixtures/scope/many` (each ends in
/// `会议还研究了其他事项。`, line 5) as a corpus, and their names in order.
fn many_corpus(dir: &Path) -> (PathBuf, Vec<String>) {
    let from = root().join("fixtures/scope/many");
    let input = dir.join("in");
    copy_tree(&from, &input);
    let mut names: Vec<String> = std::fs::read_dir(&from)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 12);
    (input, names)
}

/// The files that lost the shared sentence, each record's kept copy.
fn lost_formula(report: &Path) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = changes(report)
        .iter()
        .filter(|c| {
            c["before"]
                .as_str()
                .is_some_and(|b| b.contains("会议还研究了其他事项。"))
        })
        .map(|c| {
            assert_eq!(c["rule"], "dedup.paragraph", "{c}");
            (
                c["file"].as_str().unwrap().to_string(),
                c["duplicate_of"]["file"].as_str().unwrap().to_string(),
                c["duplicate_of"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_sentence_in_many_documents_goes_from_the_tenth_on() {
    let tmp = tempfile::tempdir().unwrap();
    let (input, names) = many_corpus(tmp.path());
    // The default (many_documents = 10): the first nine reports keep the
    // formulaic sentence (one other report having it is no boilerplate),
    // the tenth to twelfth lose it, naming the first copy.
    let out = tmp.path().join("out");
    clean(&input, &out, &["--no-config"], 0);
    let want: Vec<_> = names[9..]
        .iter()
        .map(|n| (n.clone(), names[0].clone(), 5))
        .collect();
    assert_eq!(lost_formula(&report_of(&out)), want);
    for (k, n) in names.iter().enumerate() {
        let text = std::fs::read_to_string(out.join(n)).unwrap();
        assert_eq!(text.contains("会议还研究了其他事项。"), k < 9, "{n}");
        // The report's own text stays whole.
        assert!(text.lines().filter(|l| !l.trim().is_empty()).count() >= 2);
    }
    // A second run over the cleaned copies removes nothing more.
    let again = tmp.path().join("again");
    clean(&out, &again, &["--no-config"], 0);
    assert_eq!(lost_formula(&report_of(&again)), vec![]);
    // Configurable: from the fifth on; 0 turns it off; 2 is refused.
    let cfg = tmp.path().join("newsclean.toml");
    std::fs::write(&cfg, "[dedup]\nmany_documents = 5\n").unwrap();
    let five = tmp.path().join("five");
    clean(&input, &five, &["--config", cfg.to_str().unwrap()], 0);
    let got: Vec<String> = lost_formula(&report_of(&five))
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(got, names[4..].to_vec());
    std::fs::write(&cfg, "[dedup]\nmany_documents = 0\n").unwrap();
    let off = tmp.path().join("off");
    clean(&input, &off, &["--config", cfg.to_str().unwrap()], 0);
    assert_eq!(lost_formula(&report_of(&off)), vec![]);
    std::fs::write(&cfg, "[dedup]\nmany_documents = 2\n").unwrap();
    let o = clean(
        &input,
        &tmp.path().join("two"),
        &["--config", cfg.to_str().unwrap()],
        78,
    );
    assert!(
        stderr(&o).contains("many_documents must be 0 (off) or at least 3"),
        "{}",
        stderr(&o)
    );
}
