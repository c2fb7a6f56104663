//! Huge files are cleaned in windows (`src/window.rs`). These tests run
//! the real binary with tiny windows (`NEWSCLEAN_WINDOW`, the hidden
//! setting) on real text and compare with the whole-file path: the same
//! cleaned files and duplicate decisions, change records that rebuild both
//! ways, diffs that apply, a second run that changes nothing; and the
//! documented difference (a line cut in pieces keeps its duplicate).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use newsclean::edit::{apply, invert, Edit};
use serde_json::Value;

/// Every file bigger than 4 × 200 bytes is windowed; no fixture line is
/// longer than the long-line limit.
const TINY: &str = "200,1000000";

fn run(input: &Path, out: &Path, window: Option<&str>, want: i32) {
    // A copied passage (`[dedup] scope = "passage"`, the default) is found
    // within a window, and a window is "the document" for a repeat an
    // earlier file also has: every repeat across files a duplicate
    // (`scope = "all"`) where the two are compared.
    let cfg = out.with_extension("scope-all.toml");
    std::fs::write(&cfg, "[dedup]\nscope = \"all\"\n").unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_newsclean"));
    c.args([
        "clean".as_ref(),
        input.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
        // Files are removed whole (dedup.document) and near-duplicates
        // decided only when read whole, never when cleaned in windows:
        // off where the two are compared.
        "--disable".as_ref(),
        "dedup.document".as_ref(),
        "--disable".as_ref(),
        "dedup.near-*".as_ref(),
        "--config".as_ref(),
        cfg.as_os_str(),
    ]);
    match window {
        Some(w) => c.env("NEWSCLEAN_WINDOW", w),
        None => c.env_remove("NEWSCLEAN_WINDOW"),
    };
    let o = c.output().expect("run newsclean");
    assert_code(&o, want);
}

/// Records of `changes.jsonl` applied to each decoded original give the
/// cleaned file; inverted on the cleaned file they give the original.
fn check_rebuild(input: &Path, out: &Path) -> usize {
    let report = report_of(out);
    let recs = changes(&report);
    let s = summary(&report);
    let mut checked = 0;
    for row in s["files"].as_array().unwrap() {
        if row["status"] != "cleaned" {
            continue;
        }
        let rel = row["path"].as_str().unwrap();
        let original = std::fs::read_to_string(input.join(rel)).unwrap();
        let cleaned = std::fs::read_to_string(out.join(rel)).unwrap();
        let mine: Vec<&Value> = recs.iter().filter(|c| c["file"] == rel).collect();
        let num = |c: &Value, k: &str| c[k].as_u64().unwrap() as usize;
        let edits: Vec<Edit> = mine
            .iter()
            .map(|c| {
                assert_eq!(
                    &original[num(c, "start")..num(c, "end")],
                    c["before"].as_str().unwrap(),
                    "{rel}: {c}"
                );
                Edit::new(
                    num(c, "start"),
                    num(c, "end"),
                    c["after"].as_str().unwrap(),
                    "t",
                )
            })
            .collect();
        assert!(
            apply(&original, &edits) == cleaned,
            "{rel}: original + records != cleaned"
        );
        let tuples: Vec<(usize, usize, &str, &str)> = mine
            .iter()
            .map(|c| {
                (
                    num(c, "start"),
                    num(c, "end"),
                    c["before"].as_str().unwrap(),
                    c["after"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(
            invert(&cleaned, &tuples) == original,
            "{rel}: records do not rebuild the original"
        );
        checked += 1;
    }
    checked
}

/// Apply every diff of the report to a copy of the input with `patch`;
/// the result must be the cleaned tree. Skipped (returns false) without
/// patch(1). (Default fuzz, as in `tests/fixtures.rs`.)
fn diffs_apply(input: &Path, out: &Path, scratch: &Path) -> bool {
    if Command::new("patch").arg("--version").output().is_err() {
        eprintln!("patch(1) not installed: diff check skipped");
        return false;
    }
    let copy = scratch.join("patched");
    copy_tree(input, &copy);
    let diff = report_of(out).join("changes.diff");
    let st = Command::new("patch")
        .args(["-p0", "-s", "-i"])
        .arg(&diff)
        .current_dir(&copy)
        .status()
        .unwrap();
    assert!(st.success(), "changes.diff does not apply");
    let want = tree(out);
    for (rel, bytes) in &want {
        assert!(
            tree(&copy).get(rel) == Some(bytes),
            "{rel}: patched copy != cleaned"
        );
    }
    true
}

fn rows(out: &Path) -> Vec<Value> {
    summary(&report_of(out))["files"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn windowed_corpus_run_equals_the_whole_file_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (whole, win) = (tmp.path().join("whole"), tmp.path().join("win"));
    run(&corpus(), &whole, None, 0);
    run(&corpus(), &win, Some(TINY), 0);
    assert!(tree(&whole) == tree(&win), "cleaned files differ");
    for (a, b) in rows(&whole).iter().zip(rows(&win)) {
        for k in [
            "path",
            "status",
            "bytes_out",
            "duplicates_removed",
            "blocks",
        ] {
            assert_eq!(a[k], b[k], "{} {k}", a["path"]);
        }
    }
    assert!(check_rebuild(&corpus(), &win) >= 10);
    diffs_apply(&corpus(), &win, tmp.path());
}

/// One file holding an article twice, other articles between: the second
/// copy goes, in windows as whole, and the run is idempotent.
#[test]
fn duplicates_are_found_across_windows_of_one_file() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let read = |rel: &str| std::fs::read_to_string(corpus().join(rel)).unwrap();
    let a = read("xwlb/2014/20140311.txt");
    let dump = [
        a.as_str(),
        &read("xwlb/2018/20180910.txt"),
        &read("sogouc/C000008/10.txt"),
        &a,
    ]
    .map(|t| t.trim_end_matches('\n'))
    .join("\n\n")
        + "\n";
    write(&input, "dump.txt", &dump);
    let (whole, win) = (tmp.path().join("whole"), tmp.path().join("win"));
    run(&input, &whole, None, 0);
    run(&input, &win, Some(TINY), 0);
    assert!(tree(&whole) == tree(&win), "cleaned dump differs");
    let removed = rows(&win)[0]["duplicates_removed"].as_u64().unwrap();
    assert!(removed >= 10, "{removed} duplicates removed");
    assert_eq!(
        rows(&whole)[0]["duplicates_removed"],
        rows(&win)[0]["duplicates_removed"]
    );
    assert_eq!(check_rebuild(&input, &win), 1);
    diffs_apply(&input, &win, tmp.path());
    // A second windowed run over the output changes nothing.
    let again = tmp.path().join("again");
    run(&win, &again, Some(TINY), 0);
    assert_eq!(rows(&again)[0]["status"], "unchanged");
    assert!(tree(&again) == tree(&win));
}

/// The documented difference: a line longer than the long-line limit is
/// cut in pieces, which are never removed, so a repeated long line stays.
#[test]
fn a_repeated_line_too_long_to_hold_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let text = std::fs::read_to_string(corpus().join("sogouc/C000008/10.txt")).unwrap();
    let line: String = text.lines().map(str::trim).collect();
    write(&input, "long.txt", format!("{line}\n{line}\n"));
    let (whole, win) = (tmp.path().join("whole"), tmp.path().join("win"));
    run(&input, &whole, None, 0);
    run(&input, &win, Some("300,300"), 0);
    assert_eq!(rows(&whole)[0]["duplicates_removed"], 1);
    assert_eq!(rows(&win)[0]["duplicates_removed"], 0);
    let kept = std::fs::read_to_string(win.join("long.txt")).unwrap();
    assert_eq!(kept.lines().count(), 2);
    assert_eq!(check_rebuild(&input, &win), 1);
    diffs_apply(&input, &win, tmp.path());
}

/// A hunk bigger than the diff cap (a dump that is one long line): no
/// diff is written, the row says why and the file is still `cleaned` with
/// exit 0; the cleaned copy and the change records are whole.
#[test]
fn a_file_whose_diff_hunk_is_too_big_gets_no_diff_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let text = std::fs::read_to_string(corpus().join("sogouc/C000008/10.txt")).unwrap();
    // One line, with ASCII commas between Han for punct.comma to change.
    let line: String = text.lines().map(str::trim).collect::<Vec<_>>().join(",");
    assert!(line.len() > 3000, "{}", line.len());
    write(&input, "long.txt", format!("{line}\n"));
    let (capped, open) = (tmp.path().join("capped"), tmp.path().join("open"));
    run(&input, &capped, Some("300,300,1000"), 0);
    run(&input, &open, Some("300,300"), 0);
    let row = &rows(&capped)[0];
    assert_eq!(row["status"], "cleaned", "{row}");
    assert!(
        row["reason"]
            .as_str()
            .unwrap()
            .starts_with("no diff: one hunk would hold more than 1000 bytes of text"),
        "{row}"
    );
    let report = report_of(&capped);
    let names_long = |r: &Path| {
        std::fs::read_to_string(r.join("changes.diff"))
            .unwrap()
            .contains("--- long.txt\n")
    };
    assert!(!names_long(&report));
    assert!(names_long(&report_of(&open)));
    assert!(rows(&open)[0].get("reason").is_none());
    assert!(
        std::fs::read(capped.join("long.txt")).unwrap()
            == std::fs::read(open.join("long.txt")).unwrap()
    );
    assert_eq!(check_rebuild(&input, &capped), 1);
}

/// The review page of a file bigger than the page cap shows its start and
/// says so; the diff has every change.
#[test]
fn the_page_of_a_huge_file_is_capped() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let mut big = String::new();
    let mut k = 0;
    while big.len() < 1_400_000 {
        for (rel, t) in tree(&corpus().join("xwlb")) {
            let t = String::from_utf8(t).unwrap();
            // Numbered, so the copies are not duplicates of each other.
            big.push_str(&format!(
                "第{k}期 {rel}\n\n{}\n\n",
                t.replace("新闻联播", &format!("新闻联播{k}")).trim_end()
            ));
            k += 1;
        }
    }
    write(&input, "big.txt", &big);
    let out = tmp.path().join("out");
    run(&input, &out, Some("65536"), 0);
    let page = std::fs::read_to_string(report_of(&out).join("files/big.txt.html")).unwrap();
    assert!(
        page.contains("class=\"banner capped\""),
        "no notice on the capped page"
    );
    assert!(page.contains("too big for one page"));
    assert!(page.len() < 8 << 20, "page of {} bytes", page.len());
    let ids = newsclean::report::html::anchors(&page);
    assert!(ids.iter().any(|a| a.starts_with('L')), "rows shown");
    assert!(
        !ids.contains(&format!("L{}", big.lines().count())),
        "last line shown"
    );
    assert_eq!(check_rebuild(&input, &out), 1);
    diffs_apply(&input, &out, tmp.path());
}

/// A huge file goes through the same decoding as any other: a GBK day with
/// its last character cut and NUL bytes inside gets, in windows as whole,
/// the same `decode.replacement` flag and `whitespace.control` edits, the
/// same reason, exit code and cleaned copy.
#[test]
fn a_windowed_file_is_decoded_as_any_other() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let day = std::fs::read_to_string(corpus().join("xwlb/2016/20161027.txt")).unwrap();
    let day = day.trim_end();
    let mid = day.char_indices().nth(day.chars().count() / 2).unwrap().0;
    let text = format!("{}\0\0{}", &day[..mid], &day[mid..]);
    let mut b = encoding_rs::GB18030.encode(&text).0.into_owned();
    b.pop(); // the day ends in `。` (A1 A3): A1 stays, a cut character
    assert!(b.len() > 4 * 200, "windowed with {TINY}");
    write(&input, "cut-gbk.txt", &b);
    let (whole, win) = (tmp.path().join("whole"), tmp.path().join("win"));
    run(&input, &whole, None, 2);
    run(&input, &win, Some(TINY), 2);
    assert!(tree(&whole) == tree(&win), "cleaned files differ");
    let (a, b) = (&rows(&whole)[0], &rows(&win)[0]);
    for k in ["status", "reason", "encoding", "flags", "bytes_out"] {
        assert_eq!(a[k], b[k], "{k}");
    }
    let pick = |out: &Path, rule: &str| -> Vec<Value> {
        changes(&report_of(out))
            .into_iter()
            .filter(|c| c["rule"] == rule)
            .collect()
    };
    for rule in ["decode.replacement", "whitespace.control"] {
        let (w, v) = (pick(&whole, rule), pick(&win, rule));
        assert!(!v.is_empty(), "{rule}: no record in windows");
        assert_eq!(w, v, "{rule}");
    }
    assert_eq!(pick(&win, "decode.replacement").len(), 1);
}

/// A full report filesystem does not stop a windowed run either: every
/// file is still cleaned and its copy complete, diffs, pages and spilled
/// records that do not fit are report errors (exit 73, no summary.json),
/// and no temp file is left in the report folder.
#[test]
fn a_full_report_filesystem_does_not_stop_windowed_files() {
    let Some(fs) = Tmpfs::mount("300k") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let want = tmp.path().join("want");
    run(&corpus(), &want, Some(TINY), 0);
    let (out, report) = (tmp.path().join("out"), fs.path().join("rep"));
    let o = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args(["clean".as_ref(), corpus().as_os_str(), "--out".as_ref()])
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .arg("--quiet")
        // The scope `run` used.
        .arg("--config")
        .arg(want.with_extension("scope-all.toml"))
        .env("NEWSCLEAN_WINDOW", TINY)
        .output()
        .expect("run newsclean");
    assert_code(&o, 73);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("report is incomplete"), "{err}");
    assert!(!report.join("summary.json").exists());
    assert!(tree(&out) == tree(&want), "cleaned copies differ");
    assert_eq!(temp_files(&report), Vec::<std::path::PathBuf>::new());
}

/// Reuters bodies (`fixtures/reuters`, hard-wrapped, paragraphs indented,
/// each article ending `REUTER` before a `### N TITLE` line) cleaned in
/// windows whose long-line limit is shorter than the window: a window
/// ends between articles (the heading) or after an indented paragraph's
/// `.`, and a second run in windows changes nothing. It used to find no
/// cut in English and end each window inside a paragraph at the limit,
/// a place that moves once the text is reflowed: the second run joined
/// there (48 `layout.reflow` and 29 `whitespace.blank-lines` edits on the
/// 17 MB Reuters file of the shared corpora).
#[test]
fn english_windows_end_between_paragraphs_and_a_second_run_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(
        root().join("fixtures/reuters/reuters21578-50.txt"),
        input.join("bodies.txt"),
    )
    .unwrap();
    let (once, twice) = (tmp.path().join("once"), tmp.path().join("twice"));
    run(&input, &once, Some("6000,3000"), 0);
    run(&once, &twice, Some("6000,3000"), 0);
    let recs = changes(&report_of(&twice));
    assert!(recs.is_empty(), "{recs:?}");
    assert!(!changes(&report_of(&once)).is_empty());
}

/// The huge-file hook (`newsclean::set_huge_file_hook`, with which the
/// binary has mimalloc return freed memory at once) is called for a file
/// cleaned in windows, and not for a run of ordinary files.
#[test]
fn the_huge_file_hook_is_called_for_huge_files_only() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    fn hook() {
        CALLS.fetch_add(1, Ordering::SeqCst);
    }
    newsclean::set_huge_file_hook(hook);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let small = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/corpus/xwlb/2018/20180910.txt"
    ))
    .unwrap();
    std::fs::write(input.join("small.txt"), &small).unwrap();
    let run = |out: &str| {
        let opts = newsclean::RunOptions {
            inputs: vec![input.clone()],
            out: Some(dir.path().join(out)),
            report: None,
            include: Vec::new(),
            exclude: Vec::new(),
            shards: Default::default(),
            jobs: 2,
            check: false,
            prune: false,
            config: newsclean::Config::default(),
            config_file: None,
            allow_empty: false,
            stream: false,
            reports: Default::default(),
            index: None,
        };
        newsclean::run(&opts, &|_| {}).expect("the run");
    };
    run("out1");
    assert_eq!(CALLS.load(Ordering::SeqCst), 0, "no huge file, no call");
    // Over the 2 MiB threshold: the same text, distinct paragraphs.
    let mut big = String::new();
    let mut n = 0;
    while big.len() < 3 << 20 {
        n += 1;
        big.push_str(&format!("第{n}段。\n\n{small}\n\n"));
    }
    std::fs::write(input.join("big.txt"), &big).unwrap();
    run("out2");
    assert_eq!(CALLS.load(Ordering::SeqCst), 1, "one huge file, one call");
}
