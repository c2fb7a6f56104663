//! The staged run (`fingerprint`, `resolve`, `apply`, `report`) gives the
//! output folder and the report folder of one `clean`, byte for byte, for
//! N ∈ {1, 3, 7} shards and P ∈ {1, 4} buckets: on the example corpus, and
//! on a corpus with duplicates planted across shards (paragraphs of later
//! files copied into the first one, a whole file copied to the end, lines
//! of a multi-line paragraph repeating other files' paragraphs) and a file
//! that fails (invalid UTF-8). What differs, and only that is masked:
//! `run.started` and `run.duration_ms` of `summary.json`, and the line of
//! `index.html` that shows them (start time and duration).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::{assert_code, copy_tree, corpus, file_row, root, tree, write};
use serde_json::Value;

thread_local! {
    /// Environment of the commands a test runs (on its own thread).
    static ENV: std::cell::RefCell<Vec<(&'static str, &'static str)>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

fn run_in(cwd: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args(args)
        .envs(ENV.with(|e| e.borrow().clone()))
        .current_dir(cwd)
        .output()
        .expect("run newsclean")
}

/// `clean INPUT --out out` in `cwd`, with `cfg` (`--config FILE` or
/// nothing): (output tree, report tree, exit code).
fn one_machine(cwd: &Path, input: &Path, cfg: &[&str]) -> (Trees, i32) {
    std::fs::create_dir_all(cwd).unwrap();
    let i = input.to_str().unwrap();
    let mut args = vec!["clean", i, "--out", "out", "-j", "2", "-q"];
    args.extend_from_slice(cfg);
    let o = run_in(cwd, &args);
    let code = common::code(&o);
    assert!(code == 0 || code == 2, "clean: {o:?}");
    (trees(cwd), code)
}

type Trees = (BTreeMap<String, Vec<u8>>, BTreeMap<String, Vec<u8>>);

/// The output tree (with the attribute files of `--attributes attrs`, as
/// `attrs:PATH`, when there are any) and the report tree under `cwd`.
fn trees(cwd: &Path) -> Trees {
    let mut out = tree(&cwd.join("out"));
    if cwd.join("attrs").is_dir() {
        out.extend(
            tree(&cwd.join("attrs"))
                .into_iter()
                .map(|(rel, b)| (format!("attrs:{rel}"), b)),
        );
    }
    (out, tree(&cwd.join("out.report")))
}

/// `--config FILE` for `[dedup] scope = "all"` (every repeat across files
/// a duplicate), written under `dir`: the planted copies below are single
/// paragraphs, which the default scope keeps.
fn scope_all(dir: &Path) -> String {
    let f = dir.join("scope-all.toml");
    std::fs::write(&f, "[dedup]\nscope = \"all\"\n").unwrap();
    f.to_str().unwrap().to_string()
}

/// The four stages in `cwd`, as a cluster would run them (each task its
/// own process), with `cfg` for `fingerprint` and `apply`: (output tree,
/// report tree, exit code of `report`).
fn staged(cwd: &Path, input: &Path, n: u32, p: u32, cfg: &[&str]) -> (Trees, i32) {
    std::fs::create_dir_all(cwd).unwrap();
    let i = input.to_str().unwrap();
    for s in 0..n {
        let shard = format!("{s}/{n}");
        let buckets = p.to_string();
        let mut args = vec![
            "fingerprint",
            i,
            "--work",
            "work",
            "--shard",
            &shard,
            "--buckets",
            &buckets,
            "-j",
            "2",
        ];
        args.extend_from_slice(cfg);
        let o = run_in(cwd, &args);
        assert_code(&o, 0);
    }
    for b in 0..p {
        let bucket = format!("{b}/{p}");
        let o = run_in(cwd, &["resolve", "--work", "work", "--bucket", &bucket]);
        assert_code(&o, 0);
    }
    for s in 0..n {
        let shard = format!("{s}/{n}");
        let mut args = vec![
            "apply", i, "--work", "work", "--shard", &shard, "--out", "out", "-j", "2",
        ];
        args.extend_from_slice(cfg);
        let o = run_in(cwd, &args);
        let c = common::code(&o);
        assert!(c == 0 || c == 2, "apply {shard}: {o:?}");
    }
    let o = run_in(cwd, &["report", "--work", "work", "--report", "out.report"]);
    (trees(cwd), common::code(&o))
}

/// `summary.json` without the two run fields that depend on the clock.
fn without_clock(summary: &[u8]) -> Value {
    let mut v: Value = serde_json::from_slice(summary).unwrap();
    let run = v["run"].as_object_mut().unwrap();
    for k in ["started", "duration_ms"] {
        assert!(run.remove(k).is_some(), "run.{k} missing");
    }
    v
}

/// `index.html` without its line of start time and duration.
fn without_run_line(page: &[u8]) -> String {
    let page = String::from_utf8_lossy(page);
    let masked = page
        .lines()
        .map(|l| match l.contains(" · started ") {
            true => "<run line>",
            false => l,
        })
        .collect::<Vec<_>>();
    assert!(masked.contains(&"<run line>"), "no run line in index.html");
    masked.join("\n")
}

fn assert_same(what: &str, a: &Trees, b: &Trees) {
    assert_eq!(
        a.0.keys().collect::<Vec<_>>(),
        b.0.keys().collect::<Vec<_>>(),
        "{what}: output files differ"
    );
    for (rel, x) in &a.0 {
        assert!(x == &b.0[rel], "{what}: output {rel} differs");
    }
    assert_eq!(
        a.1.keys().collect::<Vec<_>>(),
        b.1.keys().collect::<Vec<_>>(),
        "{what}: report files differ"
    );
    for (rel, x) in &a.1 {
        let y = &b.1[rel];
        match rel.as_str() {
            "summary.json" => assert_eq!(without_clock(x), without_clock(y), "{what}: {rel}"),
            "index.html" => assert_eq!(without_run_line(x), without_run_line(y), "{what}: {rel}"),
            _ => assert!(
                x == y,
                "{what}: report file {rel} differs:\n{}",
                common::text_diff(
                    &String::from_utf8_lossy(x),
                    &String::from_utf8_lossy(y),
                    rel
                )
            ),
        }
    }
}

fn paragraphs(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let sep = if text.contains("\n\n") { "\n\n" } else { "\n" };
    text.split(sep)
        .map(|p| p.trim().to_string())
        .filter(|p| p.chars().count() >= 30)
        .collect()
}

/// The example corpus with duplicates planted across its shards, and a
/// file that fails.
fn planted(dir: &Path) -> PathBuf {
    let c = dir.join("corpus");
    copy_tree(&corpus(), &c);
    let seed = c.join("seed/xinhua-2021-08-05-dump.txt");
    let xwlb = c.join("xwlb/2018/20180910.txt");
    let bbc = c.join("bbc/sport/052.txt");
    let (s, x, b) = (paragraphs(&seed), paragraphs(&xwlb), paragraphs(&bbc));
    assert!(s.len() > 8 && x.len() > 8 && b.len() > 1, "fixture text");
    // First in corpus order: later files' paragraphs, so their copies in
    // later shards go and name this file.
    write(
        &c,
        "aa/first.txt",
        format!(
            "开头的新段落，不在别处出现，写在这里作为本文件自己的内容。\n\n{}\n\n{}\n\n{}\n\n{}\n",
            x[3], s[5], b[1], x[6]
        ),
    );
    // In the middle: a multi-line paragraph whose lines repeat paragraphs
    // of the seed (before and after it), and one repeating itself.
    write(
        &c,
        "mm/lines.txt",
        format!(
            "中间文件的第一段，它是新的内容，只在这里出现一次而已。\n\n{}\n{}\n{}\n\n{}\n\n{}\n",
            s[2], x[7], s[3], x[8], s[2]
        ),
    );
    // Last: a whole file again (a duplicate document), and another file's
    // paragraphs in another order with new text between them.
    std::fs::create_dir_all(c.join("zz")).unwrap();
    std::fs::copy(&xwlb, c.join("zz/copy.txt")).unwrap();
    write(
        &c,
        "zz/mixed.txt",
        format!(
            "{}\n\n结尾文件的新段落，它也只在这里出现，不是任何段落的副本。\n\n{}\n\n{}\n",
            s[8], x[2], s[5]
        ),
    );
    // A file that cannot be decoded: a per-file failure, as on one machine.
    std::fs::copy(
        root().join("fixtures/encodings/invalid-utf8.txt"),
        c.join("mm/invalid-utf8.txt"),
    )
    .unwrap();
    c
}

fn every_split(input: &Path, tmp: &Path, want_code: i32, cfg: &[&str]) {
    let (reference, code) = one_machine(&tmp.join("clean"), input, cfg);
    assert_eq!(code, want_code, "clean's exit code");
    for n in [1, 3, 7] {
        for p in [1, 4] {
            let what = format!("{n} shards, {p} buckets");
            let (got, code) = staged(&tmp.join(format!("n{n}p{p}")), input, n, p, cfg);
            assert_eq!(code, want_code, "{what}: report's exit code");
            assert_same(&what, &reference, &got);
        }
    }
}

/// Near-duplicates staged (`fixtures/near`: planted edited copies of
/// documents and paragraphs, see its SOURCES.md): a shard's near index
/// holds the earlier shards' documents, and `report` applies a shard
/// again when one of them it was compared with was not kept; the removals,
/// flags and cluster cards of one `clean`, byte for byte.
#[test]
fn near_duplicates_across_shards_staged_are_clean_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("fixtures/near/corpus");
    let (reference, code) = one_machine(&tmp.path().join("probe"), &input, &[]);
    let s: Value = serde_json::from_slice(&reference.1["summary.json"]).unwrap();
    for rule in ["dedup.near-document", "dedup.near-paragraph"] {
        assert!(
            s["rules"][rule].as_u64() > Some(5),
            "{rule}: {}",
            s["rules"]
        );
    }
    assert!(
        reference.1.keys().any(|k| k.starts_with("near/")),
        "cluster cards"
    );
    every_split(&input, tmp.path(), code, &[]);
}

/// A near copy compared with an earlier shard's document that was not
/// kept: `y` (shard 1) is `x` (shard 0) without its last paragraph,
/// removed as its near copy; `z` (shard 2) is `y` with two paragraphs of
/// its own, near `y` (similarity ~0.83) and less so `x` (~0.72, below the
/// threshold: a review flag). One `clean` compares `z` with `x` only (`y`
/// went) and flags it against `x`; a first `apply` of shard 2 holds `y` as
/// kept and flags `z` against `y` (a match at the threshold comes first),
/// so `report` applies it again with what shard 1 kept.
#[test]
fn a_near_copy_of_a_removed_document_in_another_shard_is_settled() {
    let tmp = tempfile::tempdir().unwrap();
    let c = tmp.path().join("corpus");
    let ps = paragraphs(&corpus().join("xwlb/2018/20180910.txt"));
    assert!(ps.len() > 22, "fixture text");
    let base = [1, 2, 3, 4, 5, 10, 14, 15, 17]
        .map(|i| ps[i].as_str())
        .join("\n\n");
    write(&c, "a/x.txt", format!("{base}\n\n{}\n", ps[16]));
    write(&c, "b/y.txt", format!("{base}\n"));
    write(
        &c,
        "c/z.txt",
        format!("{base}\n\n{}\n\n{}\n", ps[21], ps[22]),
    );
    let (reference, code) = one_machine(&tmp.path().join("probe"), &c, &[]);
    let changes = String::from_utf8_lossy(&reference.1["changes.jsonl"]).into_owned();
    let near: Vec<&str> = changes
        .lines()
        .filter(|l| l.contains("dedup.near-"))
        .collect();
    assert_eq!(near.len(), 2, "{near:?}");
    assert!(near[0].starts_with("{\"file\":\"b/y.txt\""), "{near:?}");
    assert!(
        near[1].starts_with("{\"file\":\"c/z.txt\"")
            && near[1].contains("\"duplicate_of\":{\"file\":\"a/x.txt\""),
        "{near:?}"
    );
    every_split(&c, tmp.path(), code, &[]);
    let settled: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("n3p1/work/report.json")).unwrap())
            .unwrap();
    assert_eq!(settled["applied_again"], serde_json::json!([[2]]));
}

#[test]
fn the_example_corpus_staged_is_clean_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    every_split(&corpus(), tmp.path(), 0, &[]);
}

/// The planted corpus under `tmp`, the `scope = "all"` config file, and
/// one `clean` of it with that config.
fn planted_scope_all(tmp: &Path) -> (PathBuf, String, Trees) {
    let input = planted(tmp);
    let all = scope_all(tmp);
    let (reference, _) = one_machine(&tmp.join("probe"), &input, &["--config", all.as_str()]);
    (input, all, reference)
}

#[test]
fn planted_duplicates_across_shards_and_a_bad_file_staged_are_clean_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    // The planted copies are removed across shards, naming files of other
    // shards (under `scope = "all"`: they are single paragraphs); the
    // whole copy goes as a document; the bad file fails.
    let (input, all, reference) = planted_scope_all(tmp.path());
    let all = ["--config", all.as_str()];
    let s: Value = serde_json::from_slice(&reference.1["summary.json"]).unwrap();
    let row = |p: &str| file_row(&s, p).clone();
    assert_eq!(row("zz/copy.txt")["status"], "duplicate");
    assert_eq!(row("mm/invalid-utf8.txt")["status"], "failed");
    assert!(row("zz/mixed.txt")["duplicates_removed"].as_u64().unwrap() >= 2);
    let changes = String::from_utf8_lossy(&reference.1["changes.jsonl"]).into_owned();
    assert!(
        changes.contains("\"file\":\"aa/first.txt\""),
        "a copy names the first file"
    );
    every_split(&input, &tmp.path().join("all"), 2, &all);
    // The default scope keeps them: staged still equals clean.
    every_split(&input, &tmp.path().join("passage"), 2, &[]);
}

/// Files above the window threshold, cleaned in windows (`window.rs`;
/// here windows of 2 KiB, so files over 8 KiB: the seed dump, a sogouc
/// article, an xwlb day and its copy), staged: each window's blocks are
/// candidates as a file's are, so the copies of their paragraphs go
/// across shards as in one `clean`.
#[test]
fn huge_files_cleaned_in_windows_staged_are_clean_byte_for_byte() {
    ENV.with(|e| e.borrow_mut().push(("NEWSCLEAN_WINDOW", "2048")));
    let tmp = tempfile::tempdir().unwrap();
    let (input, all, reference) = planted_scope_all(tmp.path());
    let all = ["--config", all.as_str()];
    let s: Value = serde_json::from_slice(&reference.1["summary.json"]).unwrap();
    let row = |p: &str| file_row(&s, p).clone();
    // Cleaned in windows, the copy of a whole file has no document key:
    // it is cleaned, its paragraphs removed as copies of the first.
    assert_eq!(row("zz/copy.txt")["status"], "cleaned");
    assert!(row("zz/copy.txt")["duplicates_removed"].as_u64().unwrap() > 10);
    assert!(
        row("xwlb/2018/20180910.txt")["duplicates_removed"]
            .as_u64()
            .unwrap()
            >= 2
    );
    every_split(&input, &tmp.path().join("all"), 2, &all);
}

#[test]
fn a_stage_with_other_options_or_a_missing_shard_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let c = corpus();
    let i = c.to_str().unwrap();
    let fp = |shard: &str, extra: &[&str]| {
        let mut a = vec!["fingerprint", i, "--work", "work", "--shard", shard];
        a.extend_from_slice(extra);
        run_in(cwd, &a)
    };
    assert_code(&fp("0/2", &["--buckets", "2"]), 0);
    // Shard 1 not fingerprinted yet: resolve says which.
    let o = run_in(cwd, &["resolve", "--work", "work", "--bucket", "0/2"]);
    assert_code(&o, 64);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("shard 1/2 has not been fingerprinted"),
        "{err}"
    );
    // Shard 1 with another config: refused when the shards are compared.
    assert_code(&fp("1/2", &["--buckets", "2", "--disable", "punct.*"]), 0);
    let o = run_in(cwd, &["resolve", "--work", "work", "--bucket", "0/2"]);
    assert_code(&o, 64);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("another config"), "{err}");
    assert_code(&fp("1/2", &["--buckets", "2"]), 0);
    for b in ["0/2", "1/2"] {
        assert_code(
            &run_in(cwd, &["resolve", "--work", "work", "--bucket", b]),
            0,
        );
    }
    // apply with another config than the fingerprints: refused, nothing written.
    let o = run_in(
        cwd,
        &[
            "apply",
            i,
            "--work",
            "work",
            "--shard",
            "0/2",
            "--out",
            "out",
            "--disable",
            "punct.*",
        ],
    );
    assert_code(&o, 64);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("config"), "{err}");
    assert!(!cwd.join("out").exists());
    // report before every shard is applied: refused.
    let o = run_in(cwd, &["report", "--work", "work", "--report", "out.report"]);
    assert_code(&o, 64);
    // A shard's near-duplicate prints cut short: refused by the apply of
    // a later shard, naming the file.
    let w2 = cwd.join("w2");
    for s in ["0/2", "1/2"] {
        let o = run_in(cwd, &["fingerprint", i, "--work", "w2", "--shard", s]);
        assert_code(&o, 0);
    }
    let o = run_in(cwd, &["resolve", "--work", "w2", "--bucket", "0/1"]);
    assert_code(&o, 0);
    let near = w2.join("fingerprint/shard-00000-of-00002.near");
    let b = std::fs::read(&near).unwrap();
    std::fs::write(&near, &b[..b.len() - 3]).unwrap();
    let o = run_in(
        cwd,
        &["apply", i, "--work", "w2", "--shard", "1/2", "--out", "o2"],
    );
    assert_code(&o, 64);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("shard-00000-of-00002.near") && err.contains("truncated"),
        "{err}"
    );
}

/// Under `scope = "all"` (the copies are single paragraphs and
/// lines): `b.txt`'s two-line paragraph repeats two paragraphs of `a.txt`: it goes
/// whole, and its key is remembered at the kept copy of its first line
/// (`a.txt` line 1), not at itself. `c.txt` holds that paragraph as one
/// line. With `b.txt` and `c.txt` in different shards, `c.txt` is first
/// told the key's first candidate (`b.txt`); `report` finds that `b.txt`'s
/// shard kept it elsewhere, applies `c.txt`'s shard again, and the run is
/// still `clean`'s byte for byte.
#[test]
fn a_decision_that_moves_across_shards_is_settled() {
    let tmp = tempfile::tempdir().unwrap();
    let c = tmp.path().join("corpus");
    let p1 = "国务院常务会议今天召开，部署进一步做好稳就业工作，推动经济平稳运行。";
    let p2 = "会议指出，要加大对中小企业的支持力度，帮助企业渡过难关并稳定岗位。";
    write(&c, "a.txt", format!("{p1}\n\n{p2}\n"));
    write(
        &c,
        "b.txt",
        format!("新的开头段落，只在这个文件里出现一次。\n\n{p1}\n{p2}\n"),
    );
    write(
        &c,
        "c.txt",
        format!("另一个新的开头段落，也只出现一次。\n\n{p1}{p2}\n"),
    );
    // `d.txt`: a three-line paragraph whose first line repeats `a.txt`;
    // what is left (`q1⏎q2`) is remembered as a paragraph of its own, and
    // `e.txt`'s paragraph `q1⏎q2` goes naming it, although no fingerprint
    // lists that key for `d.txt`.
    let q1 = "记者从有关部门获悉，今年以来全国新增就业岗位保持稳定增长的态势。";
    let q2 = "专家表示，这一数据说明宏观政策的效果正在持续显现，市场预期向好。";
    write(
        &c,
        "d.txt",
        format!("第四个文件的开头段落，也是新的。\n\n{p1}\n{q1}\n{q2}\n"),
    );
    write(
        &c,
        "e.txt",
        format!("第五个文件的开头段落，同样是新的。\n\n{q1}\n{q2}\n"),
    );
    let all = scope_all(tmp.path());
    let all = ["--config", all.as_str()];
    let (reference, code) = one_machine(&tmp.path().join("clean"), &c, &all);
    assert_eq!(code, 0);
    let changes = String::from_utf8_lossy(&reference.1["changes.jsonl"]).into_owned();
    let names = |file: &str, kept: &str| {
        changes.lines().any(|l| {
            l.starts_with(&format!("{{\"file\":\"{file}\""))
                && l.contains(&format!("\"duplicate_of\":{kept}"))
        })
    };
    assert!(
        names("c.txt", "{\"file\":\"a.txt\",\"line\":1}"),
        "c.txt's copy names a.txt line 1:\n{changes}"
    );
    assert!(
        names("e.txt", "{\"file\":\"d.txt\",\"line\":4}"),
        "e.txt's copy names d.txt line 4:\n{changes}"
    );
    for (n, p, again) in [
        (1, 1, "[]"),
        (3, 2, "[]"),
        (5, 1, "[[2,4]]"),
        (5, 4, "[[2,4]]"),
    ] {
        let what = format!("{n} shards, {p} buckets");
        let cwd = tmp.path().join(format!("n{n}p{p}"));
        let (got, code) = staged(&cwd, &c, n, p, &all);
        assert_eq!(code, 0, "{what}");
        assert_same(&what, &reference, &got);
        let settled: Value =
            serde_json::from_slice(&std::fs::read(cwd.join("work/report.json")).unwrap()).unwrap();
        assert_eq!(settled["applied_again"].to_string(), again, "{what}");
    }
    // A shard applied again (a retried task) first takes the report's
    // summary.json away, as `clean` does; report then gives the same bytes.
    let cwd = tmp.path().join("n1p1");
    let i = c.to_str().unwrap();
    let o = run_in(
        &cwd,
        &[
            "apply", i, "--work", "work", "--shard", "0/1", "--out", "out", "-j", "2", all[0],
            all[1],
        ],
    );
    assert_code(&o, 0);
    assert!(!cwd.join("out.report/summary.json").exists());
    let o = run_in(
        &cwd,
        &["report", "--work", "work", "--report", "out.report"],
    );
    assert_code(&o, 0);
    assert_same("applied again", &reference, &trees(&cwd));
}

/// JSONL shards are documents of corpus order too: a shard (all its
/// records) is in one task, its output shard written by it; with more
/// tasks than files some tasks have no documents. The example corpus's
/// texts as files beside the shards: their records repeat the files
/// across tasks.
#[test]
fn jsonl_shards_beside_files_staged_are_clean_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let c = tmp.path().join("corpus");
    copy_tree(&root().join("fixtures/shards"), &c.join("shards"));
    copy_tree(&corpus().join("xwlb"), &c.join("texts/xwlb"));
    let (reference, code) = one_machine(&tmp.path().join("probe"), &c, &[]);
    let s: Value = serde_json::from_slice(&reference.1["summary.json"]).unwrap();
    assert!(
        s["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "shards/xwlb.jsonl" && f["records"]["records"].as_u64() > Some(1)),
        "a shard's row with its records"
    );
    assert!(
        s["totals"]["duplicate"].as_u64() > Some(0),
        "the texts repeat the records: {}",
        s["totals"]
    );
    every_split(&c, tmp.path(), code, &[]);
    // The output options of shards: a record that repeats an earlier one
    // (a shard copied whole) kept with its field, an attribute file per
    // shard, each written by the task that writes its shard.
    std::fs::create_dir_all(c.join("zz")).unwrap();
    std::fs::copy(c.join("shards/xwlb.jsonl"), c.join("zz/again.jsonl")).unwrap();
    let opts = ["--keep-duplicates", "--attributes", "attrs"];
    let (reference, code) = one_machine(&tmp.path().join("options"), &c, &opts);
    let attrs = reference.0.keys().filter(|k| k.starts_with("attrs:"));
    assert_eq!(attrs.count(), 4, "one attribute file per shard");
    let again = String::from_utf8_lossy(&reference.0["zz/again.jsonl"]).into_owned();
    assert_eq!(
        again.lines().count(),
        again.matches("\"newsclean_duplicate_of\"").count(),
        "every record of the copy kept with its kept copy named: {again}"
    );
    for (n, p) in [(3, 4), (7, 1)] {
        let what = format!("--keep-duplicates --attributes, {n} shards, {p} buckets");
        let cwd = tmp.path().join(format!("o{n}p{p}"));
        let (got, c2) = staged(&cwd, &c, n, p, &opts);
        assert_eq!(c2, code, "{what}: report's exit code");
        assert_same(&what, &reference, &got);
        if n == 3 {
            // Documents removed whole (the texts and the copy repeat the
            // records) list block keys in the fingerprints but are not
            // resolved block by block, so the repeat counts a shard is
            // first told (`many_documents`) are too high: shard 2, holding
            // `zz/again.jsonl`, is applied again by `report`, and writes it
            // with `--keep-duplicates` as apply did.
            let settled: Value =
                serde_json::from_slice(&std::fs::read(cwd.join("work/report.json")).unwrap())
                    .unwrap();
            assert_eq!(settled["applied_again"], serde_json::json!([[2]]), "{what}");
        }
    }
}

/// Nightly runs staged: two nights with `--index` (given to `fingerprint`
/// and `apply`, as the Ray driver passes the options; `report` commits
/// into the store the shards read) clean as two nights of `clean
/// --index`, byte for byte: night 2's copies of night 1's paragraphs and
/// of its whole files go, naming night 1's kept copies, in 3 shards as in
/// one. The store then knows both nights (a third `clean` night finds
/// night 2's new text).
#[test]
fn nightly_runs_staged_with_an_index_are_clean_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let night1 = planted(tmp.path());
    let s = paragraphs(&night1.join("seed/xinhua-2021-08-05-dump.txt"));
    let x = paragraphs(&night1.join("xwlb/2018/20180910.txt"));
    let night2 = tmp.path().join("night2");
    write(
        &night2,
        "a/again.txt",
        format!(
            "第二天的新段落，只在第二天出现，是这一夜自己的内容。\n\n{}\n\n{}\n\n{}\n",
            s[4], x[5], s[6]
        ),
    );
    std::fs::create_dir_all(night2.join("b")).unwrap();
    std::fs::copy(
        night1.join("xwlb/2018/20180910.txt"),
        night2.join("b/copy.txt"),
    )
    .unwrap();
    write(
        &night2,
        "c/new.txt",
        "第二天另一篇文章的第一段，也是全新的内容，不与第一天重复。\n\n第二天另一篇文章的第二段，同样是新的，只出现这一次而已。\n",
    );
    let all = scope_all(tmp.path());
    let nights = [(&night1, "n1"), (&night2, "n2")];
    for (what, idx) in [("clean", "clean.index"), ("staged", "staged.index")] {
        let idx = tmp.path().join(idx);
        for (k, (input, id)) in nights.iter().enumerate() {
            let cfg = [
                "--config",
                all.as_str(),
                "--index",
                idx.to_str().unwrap(),
                "--run-id",
                id,
            ];
            let cwd = tmp.path().join(format!("{what}{k}"));
            let (got, code) = match what {
                "clean" => one_machine(&cwd, input, &cfg),
                _ => staged(&cwd, input, 3, 2, &cfg),
            };
            assert_eq!(code, if k == 0 { 2 } else { 0 }, "{what} night {k}");
            if what == "staged" {
                let reference = trees(&tmp.path().join(format!("clean{k}")));
                assert_same(&format!("night {k}"), &reference, &got);
            }
        }
    }
    // Night 2 removed what night 1 kept: the copied file went whole.
    let s2 = common::summary(&tmp.path().join("staged1/out.report"));
    let copy = s2["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "b/copy.txt")
        .unwrap();
    assert_eq!(copy["status"], "duplicate", "{copy}");
    // Both nights are in the staged store: a third night repeating night
    // 2's new file loses it.
    let night3 = tmp.path().join("night3");
    copy_tree(&night2.join("c"), &night3);
    let idx = tmp.path().join("staged.index");
    let (_, code) = one_machine(
        &tmp.path().join("third"),
        &night3,
        &["--index", idx.to_str().unwrap(), "--run-id", "n3"],
    );
    assert_eq!(code, 0);
    let s3 = common::summary(&tmp.path().join("third/out.report"));
    assert_eq!(s3["files"][0]["status"], "duplicate", "{}", s3["files"]);
}

/// A run that commits into the index between `apply` and `report` would
/// make the shards' lookups stale: `report` refuses (exit 64, naming the
/// index) and commits nothing; applied again, the shards report.
#[test]
fn an_index_changed_after_apply_is_refused_by_report() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path().join("run");
    std::fs::create_dir_all(&cwd).unwrap();
    let input = corpus();
    let i = input.to_str().unwrap();
    let idx = tmp.path().join("index");
    let x = idx.to_str().unwrap();
    let o = run_in(
        &cwd,
        &["fingerprint", i, "--work", "work", "--shard", "0/1"],
    );
    assert_code(&o, 0);
    let o = run_in(&cwd, &["resolve", "--work", "work", "--bucket", "0/1"]);
    assert_code(&o, 0);
    let apply = [
        "apply", i, "--work", "work", "--shard", "0/1", "--out", "out", "--index", x, "--run-id",
        "night",
    ];
    let o = run_in(&cwd, &apply);
    assert!(matches!(common::code(&o), 0 | 2), "{o:?}");
    let other = tmp.path().join("other");
    write(
        &other,
        "a.txt",
        "另一次运行的文本，在两步之间写进了同一个索引里面。\n",
    );
    let o = run_in(
        tmp.path(),
        &[
            "clean",
            other.to_str().unwrap(),
            "--out",
            "other.out",
            "--index",
            x,
            "-q",
        ],
    );
    assert_code(&o, 0);
    let o = run_in(
        &cwd,
        &["report", "--work", "work", "--report", "out.report"],
    );
    assert_code(&o, 64);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("another run committed into the index"),
        "{err}"
    );
    assert!(!cwd.join("out.report/summary.json").exists());
    let o = run_in(&cwd, &apply);
    assert!(matches!(common::code(&o), 0 | 2), "{o:?}");
    let o = run_in(
        &cwd,
        &["report", "--work", "work", "--report", "out.report", "-q"],
    );
    assert!(matches!(common::code(&o), 0 | 2), "{o:?}");
    assert!(cwd.join("out.report/summary.json").exists());
}

/// `[dedup] many_documents` staged: the repeat counts a shard is told
/// come from the fingerprints (the documents of earlier shards that list
/// a key), and a document removed whole lists its keys but is no repeat.
/// Here the second report is copied whole (`dedup.document`), so shards
/// after it are told one document too many, and `report` applies them
/// again with the counts the shards before them made: one `clean`, byte
/// for byte, with the shared sentence gone from the tenth report on.
#[test]
fn repeat_counts_across_shards_are_settled() {
    let tmp = tempfile::tempdir().unwrap();
    let c = tmp.path().join("corpus");
    copy_tree(&root().join("fixtures/scope/many"), &c);
    let second = std::fs::read_to_string(c.join("xwlb-20151123.txt")).unwrap();
    write(&c, "xwlb-20151123b.txt", &second);
    let (reference, code) = one_machine(&tmp.path().join("probe"), &c, &[]);
    assert_eq!(code, 0);
    let changes = String::from_utf8_lossy(&reference.1["changes.jsonl"]).into_owned();
    let lost: Vec<&str> = changes
        .lines()
        .filter(|l| l.contains("会议还研究了其他事项。") && l.contains("\"dedup.paragraph\""))
        .map(|l| &l[9..l.find(".txt").unwrap() + 4])
        .collect();
    // Thirteen files, one a copy: the tenth report counted is the
    // eleventh file (counting the copy, it would be `xwlb-20160214.txt`).
    assert_eq!(
        lost,
        [
            "xwlb-20160222.txt",
            "xwlb-20160224.txt",
            "xwlb-20160325.txt"
        ],
        "{changes}"
    );
    assert!(changes.contains("\"dedup.document\""), "{changes}");
    every_split(&c, tmp.path(), code, &[]);
    let settled: Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("n3p1/work/report.json")).unwrap())
            .unwrap();
    assert_ne!(settled["applied_again"], serde_json::json!([]), "{settled}");
}

/// Near-duplicates across nights staged: `fixtures/near` over three nights
/// (originals, their edited copies, the documents hosting copied
/// paragraphs and the negatives), each night staged in 3 shards with
/// `--index`, clean as three nights of `clean --index`, byte for byte:
/// the shards hold the earlier nights' signatures, `report` commits the
/// night's, and the next night reads them as it reads `clean`'s.
#[test]
fn near_duplicates_across_nights_staged_are_clean_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = common::near_nights(tmp.path());
    for (what, idx) in [("clean", "clean.index"), ("staged", "staged.index")] {
        let idx = tmp.path().join(idx);
        for (k, input) in nights.iter().enumerate() {
            let id = format!("n{}", k + 1);
            let cfg = ["--index", idx.to_str().unwrap(), "--run-id", id.as_str()];
            let cwd = tmp.path().join(format!("{what}{k}"));
            let (got, code) = match what {
                "clean" => one_machine(&cwd, input, &cfg),
                _ => staged(&cwd, input, 3, 2, &cfg),
            };
            assert_eq!(code, 0, "{what} night {k}");
            if what == "staged" {
                let reference = trees(&tmp.path().join(format!("clean{k}")));
                assert_same(&format!("night {k}"), &reference, &got);
            }
        }
    }
    // Nights 2 and 3 found near copies of night 1's documents and
    // paragraphs, staged as in one machine.
    for k in [1, 2] {
        let recs = common::changes(&tmp.path().join(format!("staged{k}/out.report")));
        assert!(
            recs.iter()
                .any(|r| r["rule"].as_str().unwrap().starts_with("dedup.near-")
                    && r["duplicate_of"]["run"] == "n1"),
            "night {}: a near copy of night 1",
            k + 1
        );
    }
}
