//! Nightly runs against an on-disk index (`clean --index`, issue 15):
//! three nights in order remove what one run over all three removes and
//! name the same kept copies (with the run that kept them); a re-run of a
//! night is identical; a dropped night's blocks are new again; a second
//! writer is refused with exit 75; a killed night leaves a sound index and
//! its re-run is the uninterrupted night; a damaged index is a clear error.
//!
//! The nights are built of real text: the paragraphs of the Xinhua dump in
//! `fixtures/corpus/seed` dealt into overlapping stories (each night's
//! `story.txt`, so the same relative path is in every night), with the
//! `xwlb` transcripts of `fixtures/corpus` around them, one of them
//! scraped again on a later night, one copied whole within its night and
//! one story copied whole to a later night.

mod common;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use newsclean::index::store::DiskIndex;
use serde_json::Value;

use common::*;

fn seed_paragraphs() -> Vec<String> {
    let text = std::fs::read_to_string(corpus().join("seed/xinhua-2021-08-05-dump.txt")).unwrap();
    text.split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn xwlb(rel: &str) -> String {
    std::fs::read_to_string(corpus().join("xwlb").join(rel)).unwrap()
}

/// Three nights under `root`: `n1`, `n2`, `n3`.
fn make_nights(root: &Path) -> [PathBuf; 3] {
    let p = seed_paragraphs();
    assert!(p.len() > 60, "the seed dump has {} paragraphs", p.len());
    let story = |parts: &[(usize, usize)]| {
        let mut s = parts
            .iter()
            .flat_map(|&(a, b)| p[a..b].iter().cloned())
            .collect::<Vec<_>>()
            .join("\n\n");
        s.push('\n');
        s
    };
    let n = p.len();
    let nights = [root.join("n1"), root.join("n2"), root.join("n3")];
    write(&nights[0], "story.txt", story(&[(0, n / 2)]));
    write(&nights[0], "cctv/a.txt", xwlb("2014/20140311.txt"));
    // The same transcript twice in one night, and night 1's story again on
    // night 3: documents removed whole.
    write(&nights[0], "cctv/z-copy.txt", xwlb("2014/20140311.txt"));
    write(&nights[2], "old/story.txt", story(&[(0, n / 2)]));
    write(&nights[1], "story.txt", story(&[(n / 3, n * 3 / 4)]));
    write(&nights[1], "cctv/b.txt", xwlb("2014/20140312.txt"));
    // Scraped again with a new item appended.
    write(
        &nights[1],
        "cctv/a-again.txt",
        format!(
            "{}\n{}",
            xwlb("2014/20140311.txt"),
            xwlb("2016/20161027.txt")
        ),
    );
    write(&nights[2], "story.txt", story(&[(n * 2 / 3, n), (2, 8)]));
    write(&nights[2], "cctv/c.txt", xwlb("2018/20180910.txt"));
    // `[dedup] scope`: the 2018 NPC election report on night 1, a passage
    // copied from it (three paragraphs) beside a sentence of it alone on
    // night 2. (Not the 2023 report: its near-identical paragraphs are
    // flagged within a night only, so one run would differ.)
    let y2018 = election("xwlb-20180317.txt");
    write(&nights[0], "npc/2018.txt", &y2018);
    let p18: Vec<&str> = y2018.split("\n\n").map(str::trim).collect();
    let at = |start: &str| *p18.iter().find(|x| x.starts_with(start)).unwrap();
    let copied = [
        "本台记者今天在人民大会堂采访了多位全国人大代表，听取他们对政府工作的意见。",
        at("10时49分，中国人民解放军军乐团号手"),
        at("12名陆海空三军仪仗兵"),
        at("全体起立。主席台上"),
        "代表们表示，将把会议精神带回各地，认真贯彻落实，推动经济社会高质量发展。",
        at("工作人员宣读计票结果。"),
    ];
    write(&nights[1], "npc/copied.txt", copied.join("\n\n") + "\n");
    // `[dedup] many_documents` (10): twelve meeting reports ending in the
    // same formulaic sentence, four a night; the tenth on is boilerplate.
    for (k, (name, text)) in many_fixture().into_iter().enumerate() {
        write(&nights[k / 4], &format!("many/{name}"), text);
    }
    nights
}

/// The twelve reports of `fixtures/scope/many`, in name order.
fn many_fixture() -> Vec<(String, String)> {
    let dir = root().join("fixtures/scope/many");
    let mut v: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    v.sort();
    assert_eq!(v.len(), 12, "fixtures/scope/many");
    v
}

fn election(name: &str) -> String {
    std::fs::read_to_string(root().join("fixtures/scope").join(name)).unwrap()
}

fn run_night(night: &Path, out: &Path, index: &Path, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "clean".as_ref(),
        night.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--index".as_ref(),
        index.as_os_str(),
        "--quiet".as_ref(),
    ];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    let o = newsclean(&args);
    assert_code(&o, 0);
    o
}

/// `changes.jsonl` records of a night in the names of a run over all
/// nights: `night/` before each file, and a kept copy of an earlier run
/// named `run/file` (the run ids are the night names).
fn as_one_run(night: &str, records: Vec<Value>) -> Vec<Value> {
    records
        .into_iter()
        .map(|mut r| {
            let file = format!("{night}/{}", r["file"].as_str().unwrap());
            r["file"] = file.into();
            if let Some(d) = r.get_mut("duplicate_of").and_then(Value::as_object_mut) {
                let run = d.remove("run").map(|v| v.as_str().unwrap().to_string());
                let kept = format!(
                    "{}/{}",
                    run.as_deref().unwrap_or(night),
                    d["file"].as_str().unwrap()
                );
                d.insert("file".into(), kept.into());
            }
            r
        })
        .collect()
}

/// One run over `nights` together (into `tmp/all`), then the nights in
/// order against one index (into `tmp/clean/nK`, run id `nK`), each
/// night's cleaned copies checked against the one run's. Returns the one
/// run's output folder and each night's name and output folder.
fn one_run_and_nights(tmp: &Path, nights: &[PathBuf]) -> (PathBuf, Vec<(String, PathBuf)>) {
    let all = tmp.join("all");
    let mut args: Vec<OsString> = vec!["clean".into()];
    args.extend(nights.iter().map(|n| n.clone().into_os_string()));
    args.extend(["--out".into(), all.clone().into(), "--quiet".into()]);
    assert_code(&newsclean(&args), 0);
    let all_out = tree(&all);
    let ix = tmp.join("index");
    let mut outs = Vec::new();
    for (k, night) in nights.iter().enumerate() {
        let name = format!("n{}", k + 1);
        let out = tmp.join("clean").join(&name);
        run_night(night, &out, &ix, &[]);
        // Same cleaned copies as the one run.
        for (rel, bytes) in tree(&out) {
            let want = all_out
                .get(&format!("{name}/{rel}"))
                .unwrap_or_else(|| panic!("{name}/{rel} not in the one run"));
            assert!(*want == bytes, "{name}/{rel} differs from the one run");
        }
        outs.push((name, out));
    }
    (all, outs)
}

fn index_cmd(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let mut a: Vec<&std::ffi::OsStr> = vec!["index".as_ref()];
    a.extend_from_slice(args);
    newsclean(&a)
}

#[test]
fn three_nights_in_order_equal_one_run_over_all() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = make_nights(&tmp.path().join("dumps"));
    let (all, outs) = one_run_and_nights(tmp.path(), &nights);
    let all_out = tree(&all);
    let all_changes = changes(&report_of(&all));
    assert!(all_out.contains_key("n1/story.txt"), "{:?}", all_out.keys());
    let mut nightly_changes = Vec::new();
    let mut earlier = 0;
    for (name, out) in &outs {
        let recs = changes(&report_of(out));
        earlier += recs
            .iter()
            .filter(|r| r["duplicate_of"].get("run").is_some())
            .count();
        nightly_changes.extend(as_one_run(name, recs));
    }
    let nightly_files: usize = (1..=3)
        .map(|k| tree(&tmp.path().join(format!("clean/n{k}"))).len())
        .sum();
    assert_eq!(all_out.len(), nightly_files, "every file is in some night");
    assert!(
        earlier >= 10,
        "the nights repeat blocks of earlier nights: {earlier}"
    );
    // Near-duplicates too (their signatures are in the index): the one
    // run flags `n2/cctv/a-again.txt` (night 1's transcript with an item
    // appended) as an edited copy of `n1/cctv/a.txt`, and night 2 does so
    // against night 1's copy, naming the run.
    let near_flags = |v: &[Value]| {
        v.iter()
            .filter(|r| {
                r["rule"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("dedup.near-"))
            })
            .count()
    };
    assert!(
        near_flags(&all_changes) > 0,
        "the one run finds near copies"
    );
    assert_eq!(near_flags(&nightly_changes), near_flags(&all_changes));
    assert_eq!(nightly_changes.len(), all_changes.len());
    for (a, b) in nightly_changes.iter().zip(&all_changes) {
        assert_eq!(a, b);
    }
    // The scope across nights: the copied passage goes, naming night 1;
    // a sentence of 2018 alone stays.
    let n2 = changes(&report_of(&tmp.path().join("clean/n2")));
    let passage: Vec<&Value> = n2
        .iter()
        .filter(|r| r["file"] == "npc/copied.txt" && r["rule"] == "dedup.paragraph")
        .collect();
    assert_eq!(passage.len(), 3, "{passage:?}");
    assert!(passage
        .iter()
        .all(|r| r["duplicate_of"]["run"] == "n1" && r["duplicate_of"]["file"] == "npc/2018.txt"));
    let copied = String::from_utf8(all_out["n2/npc/copied.txt"].clone()).unwrap();
    assert!(copied.contains("工作人员宣读计票结果。"), "{copied}");
    // Boilerplate across nights: the sentence the twelve reports share
    // goes from the tenth on (night 3's last three), naming night 1's
    // first copy; the counts of nights 1 and 2 came from the index.
    let n3 = changes(&report_of(&tmp.path().join("clean/n3")));
    let mut many: Vec<&str> = n3
        .iter()
        .filter(|r| {
            r["before"]
                .as_str()
                .is_some_and(|b| b.contains("会议还研究了其他事项。"))
        })
        .map(|r| {
            assert_eq!(r["duplicate_of"]["run"], "n1", "{r}");
            assert_eq!(r["duplicate_of"]["file"], "many/xwlb-20151104.txt", "{r}");
            r["file"].as_str().unwrap()
        })
        .collect();
    many.sort();
    let names: Vec<String> = many_fixture().into_iter().map(|(n, _)| n).collect();
    let want: Vec<String> = names[9..].iter().map(|n| format!("many/{n}")).collect();
    assert_eq!(many, want);
    // Provenance names the run, the file as it recorded it, and the line;
    // night 3 repeats paragraphs 2..8 of night 1's story.
    let n3 = changes(&report_of(&tmp.path().join("clean/n3")));
    let from_n1 = n3
        .iter()
        .find(|r| {
            r["duplicate_of"]["run"] == "n1"
                && r["rule"] != "dedup.document"
                && r["file"] == "story.txt"
        })
        .expect("night 3 removes a block kept on night 1");
    assert_eq!(from_n1["duplicate_of"]["file"], "story.txt");
    assert!(from_n1["duplicate_of"]["line"].as_u64().unwrap() > 1);
    // The review page says where.
    let pages: Vec<String> = tree(&report_of(&tmp.path().join("clean/n3")))
        .into_iter()
        .filter(|(rel, _)| rel.starts_with("files/"))
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    assert!(
        pages
            .iter()
            .any(|p| p.contains("the copy kept on run n1, story.txt line ")),
        "the review page names the earlier run"
    );
}

#[test]
fn rerun_of_a_night_is_identical_and_a_dropped_night_is_new_again() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = make_nights(&tmp.path().join("dumps"));
    let ix = tmp.path().join("index");
    let out = |k: usize| tmp.path().join(format!("n{k}"));
    run_night(&nights[0], &out(1), &ix, &[]);
    run_night(&nights[1], &out(2), &ix, &[]);
    let (want_out, want_report, want_summary) = (
        tree(&out(2)),
        report_files(&report_of(&out(2))),
        summary_without_run(&report_of(&out(2))),
    );
    let from_n1 = |recs: &[Value]| {
        recs.iter()
            .filter(|r| r["duplicate_of"]["run"] == "n1")
            .count()
    };
    let before = from_n1(&changes(&report_of(&out(2))));
    assert!(before > 5, "night 2 repeats night 1: {before}");

    // Again, the same id (the default: the final component of --out).
    run_night(&nights[1], &out(2), &ix, &[]);
    assert!(tree(&out(2)) == want_out, "re-run output differs");
    assert!(report_files(&report_of(&out(2))) == want_report);
    assert_eq!(summary_without_run(&report_of(&out(2))), want_summary);
    let stats = index_cmd(&["stats".as_ref(), ix.as_os_str()]);
    assert_code(&stats, 0);
    let stats = String::from_utf8_lossy(&stats.stdout).to_string();
    assert!(stats.contains("2 runs"), "{stats}");

    // Night 1 dropped: what night 2 repeated of it is new again.
    assert_code(
        &index_cmd(&["drop".as_ref(), ix.as_os_str(), "n1".as_ref()]),
        0,
    );
    run_night(&nights[1], &out(2), &ix, &[]);
    let after = changes(&report_of(&out(2)));
    assert_eq!(from_n1(&after), 0);
    let removed = |s: &Value| s["totals"]["duplicates_removed"].as_u64().unwrap();
    let s = summary(&report_of(&out(2)));
    // The blocks night 1 kept stay now (a second copy of one of them in
    // night 2 goes, as a repeat within the night).
    let (now, then) = (removed(&s), removed(&want_summary));
    assert!(
        now < then && now + before as u64 >= then,
        "{now} vs {then} - {before}"
    );
    // And night 2's own file that repeats night 1's is what keeps them.
    let story = String::from_utf8(tree(&out(2))["story.txt"].clone()).unwrap();
    assert!(
        story.len()
            > String::from_utf8(want_out["story.txt"].clone())
                .unwrap()
                .len()
    );
}

#[test]
fn a_second_writer_exits_75_at_once_and_wait_waits() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = make_nights(&tmp.path().join("dumps"));
    let ix = tmp.path().join("index");
    let held = DiskIndex::open(&ix, "night-a", false).unwrap();
    let out = tmp.path().join("n1");
    let t0 = Instant::now();
    let o = newsclean([
        "clean".as_ref(),
        nights[0].as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--index".as_ref(),
        ix.as_os_str(),
    ]);
    let took = t0.elapsed();
    assert_code(&o, 75);
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let err = stderr(&o);
    assert!(
        err.contains(&ix.display().to_string()) && err.contains("run night-a"),
        "{err}"
    );
    assert!(!out.exists(), "nothing written by the refused run");

    // --wait: runs once the first writer is gone.
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args([
            "clean".as_ref(),
            nights[0].as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
            "--index".as_ref(),
            ix.as_os_str(),
            "--wait".as_ref(),
            "--quiet".as_ref(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.try_wait().unwrap().is_none(), "--wait did not wait");
    drop(held);
    let o = child.wait_with_output().unwrap();
    assert_code(&o, 0);
    assert_code(&index_cmd(&["verify".as_ref(), ix.as_os_str()]), 0);
}

#[test]
fn killed_nights_leave_a_sound_index_and_the_rerun_is_the_uninterrupted_night() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = make_nights(&tmp.path().join("dumps"));
    // Night 3 made long enough to be killed in its middle: ten copies of
    // the fixture corpus besides it.
    for k in 0..10 {
        copy_tree(&corpus(), &nights[2].join(format!("bulk/{k}")));
    }
    let ix = tmp.path().join("index");
    run_night(&nights[0], &tmp.path().join("n1"), &ix, &[]);
    run_night(&nights[1], &tmp.path().join("n2"), &ix, &[]);
    let base = tmp.path().join("index-ref");
    copy_tree(&ix, &base);
    let reference = tmp.path().join("ref/n3");
    let t0 = Instant::now();
    run_night(&nights[2], &reference, &base, &[]);
    let run_time = t0.elapsed();
    let want_out = tree(&reference);
    let want_changes = std::fs::read(report_of(&reference).join("changes.jsonl")).unwrap();

    let out = tmp.path().join("n3");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15u64 ^ std::process::id() as u64);
    let mut landed = 0;
    for _ in 0..10 {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsclean"));
        cmd.args(os(&[
            &"clean", &nights[2], &"--out", &out, &"--index", &ix, &"-q",
        ]));
        landed += u32::from(kill_at_random(&mut cmd, run_time, &mut rng));
        let v = index_cmd(&["verify".as_ref(), ix.as_os_str()]);
        assert_code(&v, 0);
        let stats = String::from_utf8_lossy(&index_cmd(&["stats".as_ref(), ix.as_os_str()]).stdout)
            .to_string();
        assert!(
            stats.contains("\nn1 ") && stats.contains("\nn2 "),
            "{stats}"
        );
    }
    assert!(landed > 0, "no kill landed during a run");
    run_night(&nights[2], &out, &ix, &[]);
    assert!(tree(&out) == want_out, "the re-run's output differs");
    let got = std::fs::read(report_of(&out).join("changes.jsonl")).unwrap();
    assert!(got == want_changes, "the re-run's changes.jsonl differs");
}

#[test]
fn a_damaged_index_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = make_nights(&tmp.path().join("dumps"));
    let ix = tmp.path().join("index");
    run_night(&nights[0], &tmp.path().join("n1"), &ix, &[]);
    let seg = std::fs::read_dir(&ix)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "ncx"))
        .expect("a segment file");
    let good = std::fs::read(&seg).unwrap();
    let n2 = tmp.path().join("n2");
    let refused = |what: &str| {
        let o = newsclean([
            "clean".as_ref(),
            nights[1].as_os_str(),
            "--out".as_ref(),
            n2.as_os_str(),
            "--index".as_ref(),
            ix.as_os_str(),
        ]);
        let err = stderr(&o);
        assert_code(&o, 78);
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert!(
            !report_of(&n2).join("summary.json").exists(),
            "{what}: a summary.json"
        );
        err
    };
    // Truncated: refused when opened, before anything is written.
    std::fs::write(&seg, &good[..good.len() - 7]).unwrap();
    let err = refused("truncated");
    assert!(err.contains(&seg.display().to_string()), "{err}");
    assert!(!n2.exists());
    // A flipped byte among the entries: found by a lookup, so the run's
    // decisions are not trusted and nothing is committed.
    let mut bad = good.clone();
    bad[40] ^= 0x55;
    std::fs::write(&seg, &bad).unwrap();
    let err = refused("flipped");
    assert!(err.contains("damaged index file"), "{err}");
    assert_code(&index_cmd(&["verify".as_ref(), ix.as_os_str()]), 78);
    // The run's repeat counts (`many_documents`) damaged: refused when
    // opened, naming the file; `index verify` finds it too.
    std::fs::write(&seg, &good).unwrap();
    let rep = ix.join("rep-0000000001.ncr");
    let counts = std::fs::read(&rep).expect("night 1's repeat file");
    let mut bad = counts.clone();
    *bad.last_mut().unwrap() ^= 1;
    std::fs::write(&rep, &bad).unwrap();
    let err = refused("repeats");
    assert!(err.contains("rep-0000000001.ncr"), "{err}");
    assert_code(&index_cmd(&["verify".as_ref(), ix.as_os_str()]), 78);
    std::fs::write(&rep, &counts).unwrap();
    assert_code(&index_cmd(&["verify".as_ref(), ix.as_os_str()]), 0);
    // The run's near-duplicate signatures damaged: the same.
    let near = std::fs::read_dir(&ix)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "ncn"))
        .expect("night 1's near file");
    let sigs = std::fs::read(&near).unwrap();
    let mut bad = sigs.clone();
    bad[sigs.len() / 2] ^= 1;
    std::fs::write(&near, &bad).unwrap();
    let err = refused("near");
    assert!(err.contains(&near.display().to_string()), "{err}");
    assert_code(&index_cmd(&["verify".as_ref(), ix.as_os_str()]), 78);
    std::fs::write(&near, &sigs).unwrap();
    assert_code(&index_cmd(&["verify".as_ref(), ix.as_os_str()]), 0);
    // A manifest that is not one.
    std::fs::write(ix.join("MANIFEST"), "garbage\n").unwrap();
    let err = refused("manifest");
    assert!(err.contains("MANIFEST"), "{err}");
}

#[test]
fn a_file_that_repeats_a_kept_file_goes_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = make_nights(&tmp.path().join("dumps"));
    let ix = tmp.path().join("index");
    let (n1, n3) = (tmp.path().join("n1"), tmp.path().join("n3"));
    run_night(&nights[0], &n1, &ix, &[]);
    run_night(&nights[1], &tmp.path().join("n2"), &ix, &[]);
    run_night(&nights[2], &n3, &ix, &[]);
    let check = |out: &Path, rel: &str, run: Option<&str>, kept: &str| {
        let s = summary(&report_of(out));
        let row = file_row(&s, rel);
        assert_eq!(row["status"], "duplicate", "{rel}: {row}");
        assert_eq!(row["bytes_out"], 0);
        assert!(s["totals"]["duplicate"].as_u64().unwrap() >= 1);
        assert!(!out.join(rel).exists(), "{rel}: an output file");
        let recs: Vec<Value> = changes(&report_of(out))
            .into_iter()
            .filter(|r| r["file"] == rel)
            .collect();
        assert_eq!(recs.len(), 1, "{rel}: one record");
        let r = &recs[0];
        assert_eq!(r["rule"], "dedup.document");
        assert_eq!(r["start"], 0);
        let text =
            std::fs::read_to_string(nights[if run.is_some() { 2 } else { 0 }].join(rel)).unwrap();
        assert_eq!(r["end"].as_u64().unwrap() as usize, text.len());
        assert_eq!(r["duplicate_of"]["file"], kept);
        assert_eq!(r["duplicate_of"].get("run").and_then(Value::as_str), run);
        // The kept file is an output.
        if run.is_none() {
            assert!(out.join(kept).exists());
        }
    };
    check(&n1, "cctv/z-copy.txt", None, "cctv/a.txt");
    // The index counts block keys apart from document keys: night 1's
    // seven kept files (story.txt, cctv/a.txt, npc/2018.txt, the four
    // many/ reports; not the copy) have one document key each; the
    // sentence the reports share is its one repeated key (three
    // repeats), kept in its repeat file.
    let stats = index_cmd(&["stats".as_ref(), ix.as_os_str(), "--json".as_ref()]);
    assert_code(&stats, 0);
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    let run1 = &stats["runs"][0];
    assert_eq!(run1["id"], "n1");
    assert_eq!(
        run1["keys"].as_u64().unwrap() - run1["blocks_added"].as_u64().unwrap(),
        7,
        "{run1}"
    );
    assert_eq!(run1["repeats"]["keys"], 1, "{run1}");
    let listed: u64 = stats["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["repeats"]["keys"].as_u64().unwrap_or(0))
        .sum();
    assert!(listed > 1, "nights 2 and 3 repeat night 1: {stats}");
    assert_eq!(stats["repeated_keys"], listed, "{stats}");
    // Each night's near-duplicate signatures: the documents it kept with
    // paragraphs, counted and sized.
    let near: u64 = stats["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["near"]["documents"].as_u64().unwrap_or(0))
        .sum();
    assert!(near >= 6, "{stats}");
    assert_eq!(stats["near_documents"], near, "{stats}");
    assert!(stats["near_bytes"].as_u64().unwrap() < stats["bytes"].as_u64().unwrap());
    check(&n3, "old/story.txt", Some("n1"), "story.txt");
    let rules = newsclean(["rules"]);
    assert!(String::from_utf8_lossy(&rules.stdout).contains("dedup.document"));
}

#[test]
fn check_reads_the_index_and_never_writes_it_and_names_are_the_shown_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = make_nights(&tmp.path().join("dumps"));
    let ix = tmp.path().join("index");
    // Two inputs in one run, each with a story.txt: recorded by the names
    // the reports use (n1/story.txt, n2/story.txt).
    let both = tmp.path().join("both");
    let o = newsclean([
        "clean".as_ref(),
        nights[0].as_os_str(),
        nights[1].as_os_str(),
        "--out".as_ref(),
        both.as_os_str(),
        "--index".as_ref(),
        ix.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_code(&o, 0);
    let before = tree(&ix);
    let o = newsclean([
        "clean".as_ref(),
        nights[2].as_os_str(),
        "--check".as_ref(),
        "--index".as_ref(),
        ix.as_os_str(),
        "--run-id".as_ref(),
        "n3".as_ref(),
        "--format".as_ref(),
        "jsonl".as_ref(),
    ]);
    assert_code(&o, 1);
    assert!(tree(&ix) == before, "--check wrote the index");
    let recs: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kept: Vec<&str> = recs
        .iter()
        .filter(|r| r["duplicate_of"]["run"] == "both")
        .map(|r| r["duplicate_of"]["file"].as_str().unwrap())
        .collect();
    assert!(kept.contains(&"n1/story.txt"), "{kept:?}");
    // --check on a folder that is no index yet: read as empty, not created.
    let none = tmp.path().join("no-index");
    let o = newsclean([
        "clean".as_ref(),
        nights[2].as_os_str(),
        "--check".as_ref(),
        "--index".as_ref(),
        none.as_os_str(),
        "--run-id".as_ref(),
        "n3".as_ref(),
    ]);
    assert_code(&o, 1);
    assert!(!none.exists());
}

#[test]
fn near_duplicates_across_nights_equal_one_run_over_all() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = near_nights(&tmp.path().join("dumps"));
    let (all, outs) = one_run_and_nights(tmp.path(), &nights);
    let all_changes = changes(&report_of(&all));
    let all_rows = summary(&report_of(&all));
    let mut nightly_changes = Vec::new();
    let mut duplicates = 0;
    for (name, out) in &outs {
        // The same documents removed whole as the one run removes.
        let s = summary(&report_of(out));
        for row in s["files"].as_array().unwrap() {
            let rel = format!("{name}/{}", row["path"].as_str().unwrap());
            assert_eq!(row["status"], file_row(&all_rows, &rel)["status"], "{rel}");
            duplicates += usize::from(row["status"] == "duplicate");
        }
        nightly_changes.extend(as_one_run(name, changes(&report_of(out))));
    }
    assert!(
        duplicates >= 10,
        "edited copies removed whole: {duplicates}"
    );
    // Every record the same, near ones included, kept copies on earlier
    // nights named with their run.
    let near = |v: &[Value], rule: &str| v.iter().filter(|r| r["rule"] == rule).count();
    for rule in ["dedup.near-document", "dedup.near-paragraph"] {
        assert!(near(&all_changes, rule) > 0, "the one run has {rule}");
        assert_eq!(
            near(&nightly_changes, rule),
            near(&all_changes, rule),
            "{rule}"
        );
    }
    assert_eq!(nightly_changes.len(), all_changes.len());
    for (a, b) in nightly_changes.iter().zip(&all_changes) {
        assert_eq!(a, b);
    }
    let n2 = changes(&report_of(&tmp.path().join("clean/n2")));
    let across = n2
        .iter()
        .find(|r| r["rule"] == "dedup.near-document")
        .expect("night 2 has near copies of night 1's documents");
    assert_eq!(across["duplicate_of"]["run"], "n1", "{across}");
    assert!(
        across["duplicate_of"]["file"]
            .as_str()
            .unwrap()
            .starts_with("0base/"),
        "{across}"
    );
    // The review page's card of a paragraph kept on night 1 names the run
    // and shows the flagged copy's text (there is no kept text to diff).
    let flag = changes(&report_of(&tmp.path().join("clean/n3")))
        .into_iter()
        .find(|r| r["rule"] == "dedup.near-paragraph" && r["duplicate_of"]["run"] == "n1")
        .expect("night 3 flags a paragraph kept on night 1");
    let text = std::fs::read_to_string(nights[2].join(flag["file"].as_str().unwrap())).unwrap();
    let line = text
        .lines()
        .nth(flag["line"].as_u64().unwrap() as usize - 1)
        .unwrap();
    let piece: String = line.trim().chars().take(12).collect();
    let pages: Vec<String> = tree(&report_of(&tmp.path().join("clean/n3")))
        .into_iter()
        .filter(|(rel, _)| rel.starts_with("near/"))
        .map(|(_, b)| String::from_utf8(b).unwrap())
        .collect();
    assert!(
        pages
            .iter()
            .any(|p| p.contains("Kept: run <span class=\"mono\">n1</span>") && p.contains(&piece)),
        "a near card names night 1 and shows {piece:?}"
    );
}

#[test]
fn near_signatures_of_other_settings_are_not_used_and_a_warning_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = near_nights(&tmp.path().join("dumps"));
    let ix = tmp.path().join("index");
    let cfg = tmp.path().join("other.toml");
    std::fs::write(&cfg, "[dedup.near]\nbands = 16\n").unwrap();
    let other = ["--config", cfg.to_str().unwrap()];
    let out = |n: &str| tmp.path().join(n);
    let near_of_n1 = |n: &str| {
        changes(&report_of(&out(n)))
            .iter()
            .filter(|r| {
                r["rule"].as_str().unwrap().starts_with("dedup.near-")
                    && r["duplicate_of"]["run"] == "n1"
            })
            .count()
    };
    run_night(&nights[0], &out("n1"), &ix, &[]);
    // Night 3 with other settings; night 2 with night 1's: it finds the
    // near copies of night 1 and says night 3's signatures are not used.
    let o = run_night(&nights[2], &out("n3"), &ix, &other);
    let err = stderr(&o);
    assert!(
        err.contains("warning") && err.contains("run \"n1\"") && err.contains("[dedup.near]"),
        "{err}"
    );
    let o = run_night(&nights[1], &out("n2"), &ix, &[]);
    let err = stderr(&o);
    assert!(
        err.contains("run \"n3\"") && !err.contains("run \"n1\""),
        "{err}"
    );
    assert!(near_of_n1("n2") > 0, "night 2 finds night 1's near copies");
    // Night 2 again with the other settings: none of night 1's found.
    assert_code(
        &index_cmd(&["drop".as_ref(), ix.as_os_str(), "n2".as_ref()]),
        0,
    );
    let o = run_night(&nights[1], &out("n2"), &ix, &other);
    assert!(stderr(&o).contains("run \"n1\""), "{}", stderr(&o));
    assert_eq!(
        near_of_n1("n2"),
        0,
        "no near copy of night 1 with other settings"
    );
}

#[test]
fn near_candidates_across_nights_are_the_latest_index_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let nights = near_nights(&tmp.path().join("dumps"));
    let near_of = |out: &Path, run: &str| {
        changes(&report_of(out))
            .iter()
            .filter(|r| {
                r["rule"].as_str().unwrap().starts_with("dedup.near-")
                    && r["duplicate_of"]["run"] == run
            })
            .count()
    };
    let mut found = Vec::new();
    for runs in ["7", "1"] {
        let ix = tmp.path().join(format!("index-{runs}"));
        let cfg = tmp.path().join(format!("runs-{runs}.toml"));
        std::fs::write(&cfg, format!("[dedup.near]\nindex_runs = {runs}\n")).unwrap();
        let c = ["--config", cfg.to_str().unwrap()];
        let out = |k: usize| tmp.path().join(format!("{runs}/n{k}"));
        for (k, night) in nights.iter().enumerate() {
            run_night(night, &out(k + 1), &ix, &c);
        }
        // Night 2 always sees night 1; night 3 sees night 1's
        // documents only while it is among the latest `index_runs`.
        assert!(near_of(&out(2), "n1") > 0, "index_runs {runs}");
        found.push(near_of(&out(3), "n1"));
        // The near files no later run reads are gone with the commit
        // that put them out of the window: the index keeps the latest
        // `index_runs` runs' signatures (and every run's keys).
        let near_files = std::fs::read_dir(&ix)
            .unwrap()
            .filter(|e| {
                let name = e.as_ref().unwrap().file_name();
                let name = name.to_string_lossy();
                name.starts_with("near-") && name.ends_with(".ncn")
            })
            .count();
        assert_eq!(
            near_files,
            nights.len().min(runs.parse().unwrap()),
            "index_runs {runs}"
        );
    }
    assert!(
        found[0] > 0,
        "night 3 has near copies of night 1: {found:?}"
    );
    assert_eq!(found[1], 0, "with index_runs = 1 night 1 is out of reach");
}
