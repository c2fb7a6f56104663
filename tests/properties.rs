//! Invariants of the whole tool (design.md "The edit is the unit of
//! truth"), checked on the real example corpus and on random texts:
//!
//! - idempotence: cleaning the cleaned output changes nothing;
//! - rebuild: the edits of `changes.jsonl` applied to the decoded original
//!   give the cleaned file, and `edit::invert` gives the original back;
//! - determinism: `--jobs 1` and `--jobs 2` give byte-identical output
//!   trees and reports (apart from run.duration_ms, run.started,
//!   run.threads, and the line of `index.html` that shows them);
//! - a number of a real Chinese line cut by a break never comes back with
//!   a space inside it.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use newsclean::decode::{decode, Decoded};
use newsclean::edit::{apply, invert, Edit};
use newsclean::pipeline::clean_str;
use newsclean::Config;
use proptest::prelude::*;
use serde_json::Value;

fn is_flag(c: &Value) -> bool {
    c["start"] == c["end"] && c["after"] == ""
}

fn decoded(path: &Path) -> Option<String> {
    match decode(&std::fs::read(path).unwrap()) {
        Decoded::Text { text, .. } => Some(text),
        _ => None,
    }
}

// ---------------------------------------------------------------- idempotence

#[test]
fn cleaning_the_cleaned_corpus_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out1 = tmp.path().join("once");
    let out2 = tmp.path().join("twice");
    clean(&corpus(), &out1, &[], 0);
    clean(&out1, &out2, &[], 0);
    let s = summary(&report_of(&out2));
    let edits: Vec<Value> = changes(&report_of(&out2))
        .into_iter()
        .filter(|c| !is_flag(c))
        .collect();
    assert!(
        edits.is_empty(),
        "second run made {} edits, e.g.\n{}",
        edits.len(),
        edits
            .iter()
            .take(10)
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(s["totals"]["edits"], 0);
    assert_eq!(s["totals"]["cleaned"], 0);
    let (t1, t2) = (tree(&out1), tree(&out2));
    for (rel, bytes) in &t1 {
        let again = t2
            .get(rel)
            .unwrap_or_else(|| panic!("{rel} missing after the second run"));
        assert!(
            again == bytes,
            "{rel} changed on the second run\n{}",
            text_diff(
                &String::from_utf8_lossy(bytes),
                &String::from_utf8_lossy(again),
                rel
            )
        );
    }
    assert_eq!(t1.len(), t2.len());
}

/// Lines of the example corpus, as material for random texts.
fn corpus_lines() -> Vec<String> {
    let mut lines = Vec::new();
    for (rel, bytes) in tree(&corpus()) {
        if !rel.ends_with(".txt") {
            continue;
        }
        let text = String::from_utf8(bytes).expect("corpus is UTF-8");
        lines.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string),
        );
    }
    lines
}

/// Pieces that exercise every rule family: Han and Latin text, both widths
/// of punctuation, quotes and brackets, digits and URLs, every kind of
/// space, indentation, line endings, zero-width characters.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[\u{4e00}-\u{4e80}]{1,12}",
        2 => "[a-zA-Z]{1,8}",
        1 => "[0-9]{1,4}(\\.[0-9]{1,2})?%?",
        3 => prop::sample::select(vec![
            ",", "，", ".", "。", ";", "；", ":", "：", "!", "！", "?", "？", "(", ")", "（", "）",
            "\"", "“", "”", "'", "‘", "’", "「", "」", "《", "》", "、", "…", "——", "-", "/",
        ])
        .prop_map(str::to_string),
        2 => prop::sample::select(vec![
            " ", "  ", "\u{3000}", "\u{3000}\u{3000}", "\u{a0}", "\t", "\u{200b}", "\u{feff}", "\u{200e}",
        ])
        .prop_map(str::to_string),
        2 => prop::sample::select(vec!["\n", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "\n\u{3000}\u{3000}", "\n    "])
            .prop_map(str::to_string),
        1 => prop::sample::select(vec!["https://news.cn/a,b.html", "3.14", "1,000", "8月5日", "ＡＢＣ１２３"])
            .prop_map(str::to_string),
    ]
}

fn random_text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..60).prop_map(|v| v.concat())
}

/// Real lines of the corpus, shuffled and joined with random separators,
/// sometimes cut inside a line (mid-sentence breaks, repeated paragraphs).
fn corpus_text(lines: Vec<String>) -> impl Strategy<Value = String> {
    let n = lines.len();
    prop::collection::vec(
        (
            0..n,
            prop::sample::select(vec!["\n", "\n\n", "\r\n", "\n\n\n", "\n\u{3000}\u{3000}"]),
            any::<prop::sample::Index>(),
            any::<bool>(),
        ),
        1..12,
    )
    .prop_map(move |picks| {
        let mut s = String::new();
        for (i, sep, cut, do_cut) in picks {
            let line = &lines[i];
            if do_cut {
                let chars: Vec<char> = line.chars().collect();
                let k = cut.index(chars.len() + 1);
                s.extend(&chars[..k]);
                s.push_str(sep);
                s.extend(&chars[k..]);
            } else {
                s.push_str(line);
            }
            s.push_str(sep);
        }
        s
    })
}

/// The edits of the normalization, applied to the original, give the
/// cleaned text, and inverting them gives the original back.
fn check_rebuild(text: &str, cfg: &Config) -> Result<(), TestCaseError> {
    let (cleaned, edits) = newsclean::normalize::normalize(text, cfg).into_edits();
    let real: Vec<Edit> = edits.into_iter().filter(|e| !e.is_flag()).collect();
    prop_assert_eq!(&apply(text, &real), &cleaned);
    let tuples: Vec<(usize, usize, &str, &str)> = real
        .iter()
        .map(|e| {
            (
                e.start,
                e.end,
                &text[e.start..e.end],
                e.replacement.as_str(),
            )
        })
        .collect();
    prop_assert_eq!(invert(&cleaned, &tuples), text);
    Ok(())
}

/// The punctuation rules lengthen a line the layout stage has read
/// (`：` before Latin becomes `: `, 40 characters become 41, past the
/// speaker-label veto): the layout stage reads their output again in the
/// same run, and joins then, not on a second run (found by the property
/// below).
#[test]
fn the_layout_stage_reads_what_the_punctuation_rules_wrote() {
    let text = ":一一一一一一一一一一一一一一一一一一一一一一一一:aaaaa：aAaAAaaa\n0%A一";
    let cfg = Config::default();
    let once = clean_str(text, &cfg);
    assert!(!once.contains('\n'), "{once:?}");
    assert_eq!(clean_str(&once, &cfg), once);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    #[test]
    fn clean_str_is_idempotent_on_random_text(text in random_text()) {
        let cfg = Config::default();
        let once = clean_str(&text, &cfg);
        let twice = clean_str(&once, &cfg);
        prop_assert_eq!(twice, once, "input: {:?}", text);
    }

    #[test]
    fn edits_rebuild_random_text(text in random_text()) {
        check_rebuild(&text, &Config::default())?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(128), ..ProptestConfig::default() })]

    #[test]
    fn clean_str_is_idempotent_on_corpus_text(text in corpus_text(corpus_lines())) {
        let cfg = Config::default();
        let once = clean_str(&text, &cfg);
        let twice = clean_str(&once, &cfg);
        prop_assert_eq!(twice, once, "input: {:?}", text);
    }

    #[test]
    fn edits_rebuild_corpus_text(text in corpus_text(corpus_lines())) {
        check_rebuild(&text, &Config::default())?;
    }
}

// -------------------------------------------------------------------- rebuild

/// For every file of a run: apply the records of `changes.jsonl` (start,
/// end, after) to the decoded original → the cleaned file; invert them on
/// the cleaned file → the decoded original. `before` is the original span.
fn check_records_rebuild(input: &Path, out: &Path) -> usize {
    let report = report_of(out);
    let mut by_file: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for c in changes(&report) {
        by_file
            .entry(c["file"].as_str().unwrap().to_string())
            .or_default()
            .push(c);
    }
    let s = summary(&report);
    let mut checked = 0;
    for row in s["files"].as_array().unwrap() {
        let status = row["status"].as_str();
        if !matches!(status, Some("cleaned" | "unchanged" | "duplicate")) {
            continue;
        }
        let rel = row["path"].as_str().unwrap();
        let original = decoded(&input.join(rel)).unwrap_or_else(|| panic!("{rel}: not decodable"));
        // A file removed whole (`dedup.document`) has no output: its
        // records take all of it.
        let cleaned = match status {
            Some("duplicate") => {
                assert!(!out.join(rel).exists(), "{rel}: an output of a duplicate");
                String::new()
            }
            _ => std::fs::read_to_string(out.join(rel)).unwrap(),
        };
        let recs = by_file.remove(rel).unwrap_or_default();
        let mut edits = Vec::new();
        for c in &recs {
            let (start, end) = (
                c["start"].as_u64().unwrap() as usize,
                c["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(
                &original[start..end],
                c["before"].as_str().unwrap(),
                "{rel}: `before` is not the original span: {c}"
            );
            edits.push(Edit::new(start, end, c["after"].as_str().unwrap(), "test"));
        }
        let rebuilt = apply(&original, &edits);
        assert!(
            rebuilt == cleaned,
            "{rel}: original + changes.jsonl != cleaned\n{}",
            text_diff(&cleaned, &rebuilt, rel)
        );
        let tuples: Vec<(usize, usize, &str, &str)> = recs
            .iter()
            .map(|c| {
                (
                    c["start"].as_u64().unwrap() as usize,
                    c["end"].as_u64().unwrap() as usize,
                    c["before"].as_str().unwrap(),
                    c["after"].as_str().unwrap(),
                )
            })
            .collect();
        let back = invert(&cleaned, &tuples);
        assert!(
            back == original,
            "{rel}: invert(cleaned, records) != original\n{}",
            text_diff(&original, &back, rel)
        );
        checked += 1;
    }
    assert!(
        by_file.is_empty(),
        "records for files without a cleaned row: {:?}",
        by_file.keys()
    );
    checked
}

#[test]
fn change_records_rebuild_cleaned_and_original_on_the_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    clean(&corpus(), &out, &[], 0);
    assert_eq!(check_records_rebuild(&corpus(), &out), 15);
}

#[test]
fn change_records_rebuild_legacy_encodings() {
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("fixtures/encodings");
    let out = tmp.path().join("out");
    clean(&input, &out, &["--exclude", "invalid-utf8.txt"], 0);
    assert!(check_records_rebuild(&input, &out) >= 7);
}

// -------------------------------------------------------------- determinism

/// A corpus of many small files (300: more than one chunk of 256 files in the pipeline)
/// built from corpus lines with a fixed seed, full of cross-file
/// duplicates, so that thread scheduling would show if it mattered.
fn many_files(dir: &Path) -> PathBuf {
    let lines = corpus_lines();
    let input = dir.join("many");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for f in 0..300 {
        let mut text = String::new();
        for _ in 0..(2 + next() % 4) {
            text.push_str(&lines[(next() % 200) as usize % lines.len()]);
            text.push_str(if next() % 2 == 0 { "\n\n" } else { "\n" });
        }
        write(&input, &format!("d{}/{f:04}.txt", f % 7), text);
    }
    input
}

/// Run in `dir` with relative output paths, so the two runs' summaries can
/// be compared field by field.
fn run_in(
    dir: &Path,
    input: &Path,
    jobs: &str,
) -> (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>) {
    std::fs::create_dir_all(dir).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args([
            "clean".as_ref(),
            input.as_os_str(),
            "--out".as_ref(),
            "out".as_ref(),
            "--quiet".as_ref(),
            "--jobs".as_ref(),
            jobs.as_ref(),
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_code(&o, 0);
    (tree(&dir.join("out")), tree(&dir.join("out.report")))
}

fn without_timings(summary: &[u8]) -> Value {
    let mut v: Value = serde_json::from_slice(summary).unwrap();
    let run = v["run"].as_object_mut().unwrap();
    for k in ["duration_ms", "started", "threads"] {
        assert!(run.remove(k).is_some(), "run.{k} missing");
    }
    v
}

/// `index.html` shows the run's start, duration and thread count: leave
/// that line out, compare the rest byte for byte.
fn mask_html(page: &[u8]) -> String {
    String::from_utf8_lossy(page)
        .lines()
        .map(|line| {
            if line.contains("started") && line.contains("thread") {
                "<run info>"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_same_runs(input: &Path, tmp: &Path) {
    let (out1, rep1) = run_in(&tmp.join("j1"), input, "1");
    let (out2, rep2) = run_in(&tmp.join("j2"), input, "2");
    assert_eq!(
        out1.keys().collect::<Vec<_>>(),
        out2.keys().collect::<Vec<_>>()
    );
    for (rel, a) in &out1 {
        assert!(
            a == &out2[rel],
            "{rel}: output differs between --jobs 1 and --jobs 2"
        );
    }
    assert_eq!(
        rep1.keys().collect::<Vec<_>>(),
        rep2.keys().collect::<Vec<_>>(),
        "report files differ"
    );
    for (rel, a) in &rep1 {
        if rel == "summary.json" {
            assert_eq!(
                without_timings(a),
                without_timings(&rep2[rel]),
                "summary.json differs beyond timings"
            );
        } else if rel.ends_with(".html") {
            let (x, y) = (mask_html(a), mask_html(&rep2[rel]));
            assert!(
                x == y,
                "report {rel} differs between --jobs 1 and --jobs 2\n{}",
                text_diff(&x, &y, rel)
            );
        } else {
            assert!(
                a == &rep2[rel],
                "report {rel} differs between --jobs 1 and --jobs 2\n{}",
                text_diff(
                    &String::from_utf8_lossy(a),
                    &String::from_utf8_lossy(&rep2[rel]),
                    rel
                )
            );
        }
    }
}

#[test]
fn jobs_1_and_2_give_identical_output_on_the_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    assert_same_runs(&corpus(), tmp.path());
}

#[test]
fn jobs_1_and_2_give_identical_output_across_chunks() {
    let tmp = tempfile::tempdir().unwrap();
    let input = many_files(tmp.path());
    assert_same_runs(&input, tmp.path());
    // The corpus really is full of duplicates across files.
    let s = summary(&tmp.path().join("j2/out.report"));
    assert!(
        s["totals"]["duplicates_removed"].as_u64().unwrap() > 50,
        "{}",
        s["totals"]
    );
}

// ------------------------------------------- duplicates across documents

/// Paragraphs of the 2018 and 2023 NPC election transcripts
/// (`fixtures/scope`), which share many one-sentence paragraphs: the
/// first 12 of 2018 (short and long ones, its headline block) and 4 of
/// 2023, few enough that documents drawn from them repeat each other
/// often, alone and in runs.
fn election_paragraphs() -> Vec<String> {
    let mut v = Vec::new();
    for (f, n) in [("xwlb-20180317.txt", 12), ("xwlb-20230310.txt", 4)] {
        let t = std::fs::read_to_string(root().join("fixtures/scope").join(f)).unwrap();
        v.extend(
            t.split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .take(n)
                .map(str::to_string),
        );
    }
    v
}

/// 2–5 documents of paragraphs drawn from `pool` (so that they repeat
/// each other, alone and in runs), mostly between blank lines, sometimes
/// as lines of one paragraph.
fn corpus_docs(pool: Vec<String>) -> impl Strategy<Value = Vec<String>> {
    let n = pool.len();
    let doc = prop::collection::vec(
        (0..n, prop_oneof![4 => Just("\n\n"), 1 => Just("\n")]),
        1..12,
    );
    prop::collection::vec(doc, 2..6).prop_map(move |docs| {
        docs.into_iter()
            .map(|picks| {
                let mut s = String::new();
                for (i, sep) in picks {
                    s.push_str(&pool[i]);
                    s.push_str(sep);
                }
                s
            })
            .collect()
    })
}

/// Clean `docs` as one corpus, in slice order, against one in-memory
/// index (the stages `clean` runs); fails when a kept copy is a block
/// that was removed.
fn clean_corpus(docs: &[String], cfg: &Config) -> Result<Vec<String>, TestCaseError> {
    use newsclean::index::{memory::MemoryIndex, Origin};
    use newsclean::stage::{self, Doc, DocId};
    let mut index = MemoryIndex::new();
    let mut removed: Vec<Vec<u32>> = Vec::new();
    let mut kept = Vec::new();
    let mut out = Vec::new();
    for (i, text) in docs.iter().enumerate() {
        let doc = Doc::new(DocId::text(format!("d{i}.txt")), i as u32, text.as_str());
        let prints = stage::fingerprint(&doc, cfg);
        let d = stage::resolve(&mut index, &prints);
        let mut lines = Vec::new();
        for r in &d.removals {
            // The removed block, and the lines of a removed paragraph.
            for (k, b) in prints.blocks.iter().enumerate() {
                if k == r.block || (b.para == r.block && k > r.block) {
                    lines.push(prints.lines[k]);
                }
            }
            if let Origin::ThisRun(h) = r.kept {
                kept.push((i, h));
            }
        }
        removed.push(lines);
        out.push(stage::apply(&doc, prints, &d, cfg, &|k| format!("d{k}.txt")).text);
    }
    for (i, h) in kept {
        prop_assert!(
            !removed[h.doc as usize].contains(&h.line),
            "d{i}.txt names d{}.txt line {}, which was removed",
            h.doc,
            h.line
        );
    }
    Ok(out)
}

/// `default` cases, or `PROPTEST_CASES` when set (a long local search;
/// the suite runs the default).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn scope_config(toml: &str) -> Config {
    Config::from_file_config(toml::from_str(toml).unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), ..ProptestConfig::default() })]

    /// Under every scope, a second run over the cleaned documents removes
    /// nothing more, and every kept copy is a block that survives.
    #[test]
    fn documents_sharing_paragraphs_clean_idempotently(
        docs in corpus_docs(election_paragraphs()),
        scope in prop::sample::select(vec![
            "",
            "[dedup]\nscope = \"all\"\n",
            "[dedup]\npassage_blocks = 2\n",
            "[dedup]\nlong_chars = 30\n",
        ]),
    ) {
        let cfg = scope_config(scope);
        let once = clean_corpus(&docs, &cfg)?;
        let twice = clean_corpus(&once, &cfg)?;
        for (i, (a, b)) in once.iter().zip(&twice).enumerate() {
            prop_assert_eq!(a, b, "d{}.txt changed on the second run", i);
        }
    }
}
/// Three corpora the property above found, each cleaned twice the same.
/// In the first, the last document's blank lines all go with its first
/// paragraph: what is left, one paragraph of three lines, is one
/// paragraph per line in the cleaned text, three lines kept in earlier
/// documents, a passage; the first run, counting lines, sees the same
/// passage (it used to count one repeated paragraph after another, two).
/// In the second a line repeats a line of its own paragraph that stays
/// although an earlier document has it: the later copy goes (as it does
/// once the paragraph is one line per paragraph). In the third a
/// repeated paragraph whose lines are not known on their own (its
/// earlier copy was one line) goes, and joins the repeated lines around
/// it into a passage of 2: its lines count as repeated.
#[test]
fn paragraphs_per_line_or_between_blank_lines_decide_the_same() {
    let p = election_paragraphs();
    let find = |start: &str| p.iter().find(|x| x.starts_with(start)).unwrap().clone();
    let v14 = find("[视频]十四届");
    let v13 = find("[视频]十三届");
    let votes = find("会议表决通过了十三届");
    let plan = find("会议首先表决通过了");
    let applause = find("当这一选举结果宣布时");
    let also = find("会议还同时选举栗战书");
    let present = find("会议应出席代表");
    let corpora: [(Vec<String>, &str); 3] = [
        (
            vec![
                format!("{votes}\n\n"),
                format!("{v14}\n\n{v13}\n\n"),
                format!("{v14}\n\n{v14}\n{votes}\n\n"),
            ],
            "",
        ),
        (
            vec![
                format!("{v13}\n\n{plan}\n\n{applause}\n\n"),
                format!("{plan}\n\n{also}\n{applause}\n{applause}\n\n"),
            ],
            "[dedup]\nlong_chars = 30\n",
        ),
        (
            vec![
                format!("{v14}\n\n{also}\n\n{v13}\n\n{present}\n\n{v14}\n\n"),
                format!("{present}\n\n{v14}\n\n{also}\n\n"),
            ],
            "[dedup]\npassage_blocks = 2\n",
        ),
    ];
    let expect_last = ["", &format!("{also}\n{applause}\n"), ""];
    for ((docs, scope), last) in corpora.iter().zip(expect_last) {
        let cfg = scope_config(scope);
        let once = clean_corpus(docs, &cfg).unwrap();
        assert_eq!(once.last().unwrap(), last, "{scope:?}");
        let twice = clean_corpus(&once, &cfg).unwrap();
        assert_eq!(once, twice, "{scope:?}");
    }
}

/// A paragraph that repeats one of its own document counts toward a run
/// (it goes in any scope): in `X S₁ X S₂`, with `S₁`, `S₂` kept in an
/// earlier document and passages of 2, the run `S₁ X S₂` is a passage.
/// Were the second `X` to break it, `S₁` and `S₂` would stay, and be a
/// passage of two in the cleaned text, removed by a second run.
#[test]
fn a_repeat_within_the_document_extends_a_passage() {
    let p = election_paragraphs();
    let d1 = format!("{}\n\n{}\n\n{}\n", p[3], p[5], p[4]);
    let d2 = format!("{}\n\n{}\n\n{}\n\n{}\n", p[6], p[3], p[6], p[4]);
    let cfg = scope_config("[dedup]\npassage_blocks = 2\nlong_chars = 100\n");
    let once = clean_corpus(&[d1, d2], &cfg).unwrap();
    assert_eq!(once[1], format!("{}\n", p[6]), "the passage goes");
    let twice = clean_corpus(&once, &cfg).unwrap();
    assert_eq!(once, twice);
}

// ------------------------------------------------- numbers cut by a break

/// Every place in a real Chinese corpus line where a break can cut an
/// ASCII number that follows a Han character: (line, byte offset of the
/// cut, the digits before it, the digits after it).
fn number_cuts() -> Vec<(String, usize, String, String)> {
    let mut cuts = Vec::new();
    for line in corpus_lines() {
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        for (k, &(_, c)) in chars.iter().enumerate() {
            if !(0x4e00..=0x9fff).contains(&(c as u32)) {
                continue;
            }
            let run: Vec<&(usize, char)> = chars[k + 1..]
                .iter()
                .take_while(|(_, d)| d.is_ascii_digit())
                .collect();
            for cut in 1..run.len() {
                let (start, end) = (run[0].0, run[run.len() - 1].0 + 1);
                let at = run[cut].0;
                cuts.push((
                    line.clone(),
                    at,
                    line[start..at].to_string(),
                    line[at..end].to_string(),
                ));
            }
        }
    }
    cuts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    /// A number of a real line cut by a hard wrap or a paragraph break
    /// (`7月3⏎1日`) never comes back with a space inside it, whether the
    /// break is joined or kept.
    #[test]
    fn a_number_cut_by_a_break_never_gets_a_space(
        cut in prop::sample::select(number_cuts()),
        sep in prop::sample::select(vec!["\n", "\n\n", "\n\u{3000}\u{3000}"]),
    ) {
        let (line, at, left, right) = cut;
        let text = format!("{}{sep}{}\n", &line[..at], &line[at..]);
        let out = clean_str(&text, &Config::default());
        let spaced = format!("{left} {right}");
        prop_assert!(!out.contains(&spaced), "{:?} -> {:?}", text, out);
    }
}
