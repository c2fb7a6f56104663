//! No input lost or overwritten, whatever the paths, names, links, file
//! types, re-runs, signals, concurrent runs and full or read-only
//! filesystems (issue 10, rows 1-4, 10-12). Every test runs the real
//! binary on real files, links and FIFOs in temp folders.

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::*;

const PARA_A: &str = "国家统计局今天发布数据，七月份全国居民消费价格同比上涨百分之一。";
const PARA_B: &str = "中央气象台预计，未来三天华北地区将有一次明显降雨过程。";

/// Every entry under `dir` with its bytes (links: their target path),
/// outside the folders in `except`.
fn snapshot(dir: &Path, except: &[&Path]) -> Vec<(PathBuf, Vec<u8>)> {
    entries(dir)
        .into_iter()
        .filter(|p| !except.iter().any(|e| dir.join(p).starts_with(e)))
        .map(|p| {
            let full = dir.join(&p);
            let m = std::fs::symlink_metadata(&full).unwrap();
            let bytes = if m.file_type().is_symlink() {
                std::fs::read_link(&full)
                    .unwrap()
                    .into_os_string()
                    .into_vec()
            } else if m.is_file() {
                std::fs::read(&full).unwrap()
            } else {
                b"<special>".to_vec()
            };
            (p, bytes)
        })
        .collect()
}

/// Row 1: `cd p/cwd && newsclean clean .. /X/q --out /X/o` wrote outside
/// --out and over an input. Now `..` is resolved first and each input
/// keeps its own path below the common folder.
#[test]
fn dot_dot_input_writes_only_below_out() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    write(t, "p/a.txt", format!("{PARA_A}   \n"));
    write(t, "p/cwd/c.txt", format!("{PARA_B}   \n"));
    write(
        t,
        "X/q/a.txt",
        "记者从交通运输部获悉，暑运期间铁路累计发送旅客六亿人次。\n",
    );
    let before = snapshot(t, &[]);
    let o = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .current_dir(t.join("p/cwd"))
        .args(os(&[
            &"clean",
            &"..",
            &t.join("X/q"),
            &"--out",
            &t.join("X/o"),
            &"-q",
        ]))
        .output()
        .unwrap();
    assert_code(&o, 0);
    let out = t.join("X/o");
    let report = t.join("X/o.report");
    assert_eq!(
        snapshot(t, &[&out, &report]),
        before,
        "something outside --out and --report changed"
    );
    let names: Vec<String> = tree(&out).into_keys().collect();
    assert_eq!(names, ["X/q/a.txt", "p/a.txt", "p/cwd/c.txt"]);
    assert_eq!(
        std::fs::read_to_string(out.join("p/a.txt")).unwrap(),
        format!("{PARA_A}\n")
    );
    let s = summary(&report);
    let rows: Vec<&str> = s["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(rows, ["X/q/a.txt", "p/a.txt", "p/cwd/c.txt"]);
    for e in entries(&report) {
        let s = e.to_string_lossy();
        assert!(!s.contains(".."), "report path {s}");
    }
}

/// Row 2: a link inside the output folder to an input folder was followed
/// and the input overwritten in place. Now it is not followed: the file
/// behind it fails (exit 2) and the input stays byte for byte. The same
/// for a link inside the report folder.
#[test]
fn links_inside_out_and_report_are_never_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    // GBK text: overwriting it with the cleaned UTF-8 copy would show.
    let gbk: &[u8] = b"\xd6\xd0\xb9\xfa\xbe\xad\xbc\xc3\xb7\xa2\xd5\xb9\xa3\xac\xbd\xf1\xc4\xea\
\xc9\xcf\xb0\xeb\xc4\xea\xc7\xe9\xbf\xf6\xba\xc3\xa1\xa3   \n";
    write(t, "in/sub/b.txt", gbk);
    write(t, "in/a.txt", format!("{PARA_A}   \n"));
    write(t, "victim/keep.txt", "report victim");
    std::fs::create_dir_all(t.join("out")).unwrap();
    std::os::unix::fs::symlink("../in/sub", t.join("out/sub")).unwrap();
    std::fs::create_dir_all(t.join("out.report")).unwrap();
    std::os::unix::fs::symlink("../victim", t.join("out.report/files")).unwrap();
    let before_in = snapshot(&t.join("in"), &[]);
    let before_victim = snapshot(&t.join("victim"), &[]);
    let o = newsclean(os(&[
        &"clean",
        &t.join("in"),
        &"--out",
        &t.join("out"),
        &"-q",
    ]));
    // The review pages would go through the link: the report is
    // incomplete (73), nothing behind the link is touched.
    assert_code(&o, 73);
    assert!(stderr(&o).contains("files/0000.html"), "{}", stderr(&o));
    assert_eq!(snapshot(&t.join("in"), &[]), before_in, "an input changed");
    assert_eq!(
        snapshot(&t.join("victim"), &[]),
        before_victim,
        "a file behind a link in the report folder changed"
    );
    std::fs::remove_file(t.join("out.report/files")).unwrap();
    let o = clean(&t.join("in"), &t.join("out"), &[], 2);
    let s = summary(&t.join("out.report"));
    let row = file_row(&s, "sub/b.txt");
    assert_eq!(row["status"], "failed", "{row}");
    assert!(
        row["reason"].as_str().unwrap().contains("not followed"),
        "{row}"
    );
    assert!(stderr(&o).contains("sub/b.txt"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(t.join("out/a.txt")).unwrap(),
        format!("{PARA_A}\n")
    );
    assert_eq!(file_row(&s, "a.txt")["status"], "cleaned");
    // The link is not this run's output: reported stale; --prune removes
    // the link itself, never what it points to.
    assert_eq!(s["stale"], serde_json::json!(["sub"]));
    clean(&t.join("in"), &t.join("out"), &["--prune"], 2);
    assert!(std::fs::symlink_metadata(t.join("out/sub")).is_err());
    assert_eq!(snapshot(&t.join("in"), &[]), before_in);
    clean(&t.join("in"), &t.join("out"), &[], 0);
    assert!(t.join("out/sub/b.txt").is_file());
    assert_eq!(snapshot(&t.join("in"), &[]), before_in);
}

/// Row 3: `a/data b/data` (or `a/x.txt b/x.txt`) both mapped to `data/…`
/// and the second input's files were dropped. Now each input keeps its
/// path below the common folder.
#[test]
fn inputs_with_the_same_name_get_distinct_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    write(t, "a/data/x.txt", format!("{PARA_A}\n"));
    write(t, "b/data/x.txt", format!("{PARA_B}\n"));
    let out = t.join("o");
    let o = newsclean(os(&[
        &"clean",
        &t.join("a/data"),
        &t.join("b/data"),
        &"--out",
        &out,
        &"-q",
    ]));
    assert_code(&o, 0);
    let got = tree(&out);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        ["a/data/x.txt", "b/data/x.txt"]
    );
    assert_eq!(got["a/data/x.txt"], format!("{PARA_A}\n").as_bytes());
    assert_eq!(got["b/data/x.txt"], format!("{PARA_B}\n").as_bytes());
    assert_eq!(summary(&report_of(&out))["totals"]["files_seen"], 2);

    let out = t.join("o2");
    let o = newsclean(os(&[
        &"clean",
        &t.join("a/data/x.txt"),
        &t.join("b/data/x.txt"),
        &"--out",
        &out,
        &"-q",
    ]));
    assert_code(&o, 0);
    assert_eq!(
        tree(&out).keys().collect::<Vec<_>>(),
        ["a/data/x.txt", "b/data/x.txt"]
    );
    // The same file through two inputs is one row, not a collision.
    let out = t.join("o3");
    let o = newsclean(os(&[
        &"clean",
        &t.join("a"),
        &t.join("a/data"),
        &"--out",
        &out,
        &"-q",
    ]));
    assert_code(&o, 0);
    assert_eq!(summary(&report_of(&out))["totals"]["files_seen"], 1);
    assert_eq!(tree(&out).keys().collect::<Vec<_>>(), ["a/data/x.txt"]);
}

/// Row 4: `bad\xff.txt` and `bad\xfe.txt` became one `bad\u{FFFD}.txt`.
/// Now names are byte-exact in the output and escaped in every report;
/// bidi controls in names are escaped too (no spoofing on the page).
#[test]
fn non_utf8_and_bidi_names_are_kept_and_shown_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let ff = OsString::from_vec(b"bad\xff.txt".to_vec());
    let fe = OsString::from_vec(b"bad\xfe.txt".to_vec());
    let bidi = "invoice\u{202E}txt.exe.txt";
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join(&ff), format!("{PARA_A}   \n")).unwrap();
    std::fs::write(input.join(&fe), format!("{PARA_B}   \n")).unwrap();
    std::fs::write(input.join(bidi), format!("{PARA_A}\n\n{PARA_B}   \n")).unwrap();
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    let mut names: Vec<Vec<u8>> = entries(&out)
        .iter()
        .map(|p| p.as_os_str().as_bytes().to_vec())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            b"bad\xfe.txt".to_vec(),
            b"bad\xff.txt".to_vec(),
            bidi.as_bytes().to_vec()
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join(&ff)).unwrap(),
        format!("{PARA_A}\n")
    );
    assert_eq!(
        std::fs::read_to_string(out.join(&fe)).unwrap(),
        format!("{PARA_B}\n")
    );
    let report = report_of(&out);
    let s = summary(&report);
    for shown in [
        "bad\\xFF.txt",
        "bad\\xFE.txt",
        "invoice\\u{202E}txt.exe.txt",
    ] {
        assert_eq!(file_row(&s, shown)["status"], "cleaned", "{shown}");
        let page = std::fs::read_to_string(report.join("files/0000.html")).unwrap();
        assert!(
            page.contains(&format!("<h2 class=\"mono fname\">{shown}</h2>")),
            "no section for {shown}"
        );
    }
    let files: Vec<String> = changes(&report)
        .iter()
        .map(|c| c["file"].as_str().unwrap().to_string())
        .collect();
    assert!(files.contains(&"bad\\xFF.txt".to_string()), "{files:?}");
    // No report file holds the raw bidi override or U+FFFD for a name.
    for e in entries(&report) {
        let text = String::from_utf8_lossy(&std::fs::read(report.join(&e)).unwrap()).into_owned();
        assert!(!text.contains('\u{202E}'), "raw U+202E in {}", e.display());
        assert!(!text.contains('\u{FFFD}'), "U+FFFD in {}", e.display());
    }
    let index = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(index.contains("invoice\\\\u{202E}txt") || index.contains("invoice\\u{202E}txt"));
}

/// Row 12 (and 6): FIFOs, sockets and devices in the walked tree were
/// silently ignored (or would block the read). Now each gets a `skipped`
/// row and the run does not hang.
#[test]
fn fifos_sockets_and_devices_in_the_tree_get_a_row() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", format!("{PARA_A}\n"));
    let fifo = input.join("pipe.txt");
    let mk = Command::new("mkfifo").arg(&fifo).output().unwrap();
    assert!(mk.status.success(), "mkfifo: {mk:?}");
    let _sock = std::os::unix::net::UnixListener::bind(input.join("sock.txt")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", input.join("zero.txt")).unwrap();
    std::os::unix::fs::symlink(&fifo, input.join("to-pipe.txt")).unwrap();
    let out = tmp.path().join("out");
    let o = newsclean_within(60, os(&[&"clean", &input, &"--out", &out, &"-q"]));
    assert_code(&o, 0);
    let s = summary(&report_of(&out));
    for name in ["pipe.txt", "sock.txt", "zero.txt", "to-pipe.txt"] {
        let row = file_row(&s, name);
        assert_eq!(row["status"], "skipped", "{row}");
        assert!(
            row["reason"]
                .as_str()
                .unwrap()
                .contains("not a regular file"),
            "{row}"
        );
    }
    assert_eq!(file_row(&s, "a.txt")["status"], "unchanged");
    assert_eq!(tree(&out).keys().collect::<Vec<_>>(), ["a.txt"]);
}

/// Row 10: a re-run interrupted by SIGINT (or SIGTERM) left the previous
/// run's summary.json beside rewritten files, and temp files no run
/// removed. Now the old summary goes before the first write, the temp
/// files go on the signal and at the next start, the exit is 130 / 143.
#[test]
fn interrupted_rerun_leaves_no_summary_and_no_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    let input = big_corpus(tmp.path(), 30);
    let out = tmp.path().join("out");
    let report = report_of(&out);
    let a = os(&[&"clean", &input, &"--out", &out, &"-q", &"-j", &"2"]);
    assert_code(&newsclean(&a), 0);
    let reference = tree(&out);
    // With named temp files (the path without O_TMPFILE) many exist at
    // any moment: the signal handler must remove them.
    let portable = [(newsclean::emit::PORTABLE_ENV, "1")];
    for (sig, want, env) in [
        ("-INT", 130, &[][..]),
        ("-TERM", 143, &[][..]),
        ("-INT", 130, &portable[..]),
    ] {
        assert_code(&newsclean(&a), 0);
        assert!(report.join("summary.json").is_file());
        // A temp file a SIGKILLed run would leave: removed at the start.
        std::fs::write(out.join("c00/.newsclean-tmp-999999-1"), "partial").unwrap();
        let child = spawn_env(&a, env);
        wait_for(60, "the old summary.json to go", || {
            !report.join("summary.json").exists()
        });
        std::thread::sleep(Duration::from_millis(50));
        signal(&child, sig);
        let o = child.wait_with_output().unwrap();
        assert_code(&o, want);
        assert!(
            stderr(&o).contains("interrupted"),
            "no message: {}",
            stderr(&o)
        );
        assert!(
            !report.join("summary.json").exists(),
            "an interrupted run left a summary.json"
        );
        assert_eq!(temp_files(&out), Vec::<PathBuf>::new());
        assert_eq!(temp_files(&report), Vec::<PathBuf>::new());
        // Every output name holds a complete file.
        for (rel, bytes) in tree(&out) {
            assert_eq!(Some(&bytes), reference.get(&rel), "{rel} is partial");
        }
    }
    assert_code(&newsclean(&a), 0);
    assert_eq!(tree(&out), reference);
    assert!(report.join("summary.json").is_file());
}

/// Row 10: outputs of files no longer in the input stayed, unmentioned.
/// Now they are listed as `stale`; `--prune` removes them.
#[test]
fn stale_outputs_are_listed_and_pruned() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", format!("{PARA_A}\n"));
    write(&input, "old/b.txt", format!("{PARA_B}\n"));
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    assert_eq!(summary(&report_of(&out))["stale"], serde_json::json!([]));
    std::fs::remove_dir_all(input.join("old")).unwrap();
    write(&out, "by-hand.md", "notes");
    clean(&input, &out, &[], 0);
    let s = summary(&report_of(&out));
    assert_eq!(s["stale"], serde_json::json!(["by-hand.md", "old/b.txt"]));
    assert_eq!(s["run"]["prune"], false);
    assert!(out.join("old/b.txt").is_file(), "removed without --prune");
    clean(&input, &out, &["--prune"], 0);
    let s = summary(&report_of(&out));
    assert_eq!(s["run"]["prune"], true);
    assert_eq!(s["stale"], serde_json::json!(["by-hand.md", "old/b.txt"]));
    assert_eq!(tree(&out).keys().collect::<Vec<_>>(), ["a.txt"]);
    clean(&input, &out, &[], 0);
    assert_eq!(summary(&report_of(&out))["stale"], serde_json::json!([]));
    let o = newsclean(os(&[&"clean", &input, &"--check", &"--prune"]));
    assert_code(&o, 64);
}

/// Row 11: two runs into one --out at once mixed their files. Now the
/// second is refused with exit 75 while the first holds the folder's lock;
/// the lock is no file in the corpus.
#[test]
fn a_second_run_into_the_same_out_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", format!("{PARA_A}   \n"));
    let out = tmp.path().join("out");
    // Held exactly as a run holds it.
    let held = newsclean::emit::Tree::open(&out).unwrap();
    assert!(held.lock().unwrap());
    let o = newsclean(os(&[&"clean", &input, &"--out", &out]));
    assert_code(&o, 75);
    assert!(
        stderr(&o).contains("another newsclean run"),
        "{}",
        stderr(&o)
    );
    assert!(entries(&out).is_empty(), "written while locked");
    drop(held);
    // The report folder is locked too.
    let held = newsclean::emit::Tree::open(&report_of(&out)).unwrap();
    assert!(held.lock().unwrap());
    assert_code(&newsclean(os(&[&"clean", &input, &"--out", &out])), 75);
    drop(held);

    // Two real runs: while the first runs, the second is refused.
    let big = big_corpus(tmp.path(), 30);
    let out = tmp.path().join("out2");
    let a = os(&[&"clean", &big, &"--out", &out, &"-q", &"-j", &"1"]);
    let first = spawn(&a);
    wait_for(60, "the first run to start", || report_of(&out).exists());
    std::thread::sleep(Duration::from_millis(20));
    let second = newsclean(&a);
    let first = first.wait_with_output().unwrap();
    assert_code(&first, 0);
    assert_code(&second, 75);
    // No lock file or other stray file: a re-run finds nothing stale.
    clean(&big, &out, &[], 0);
    assert_eq!(summary(&report_of(&out))["stale"], serde_json::json!([]));
}

/// Row 12: `--out` inside `--report`, `-j 1000000`: refused with 64.
#[test]
fn out_inside_report_and_absurd_jobs_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", format!("{PARA_A}\n"));
    let r = tmp.path().join("r");
    let o = newsclean(os(&[
        &"clean",
        &input,
        &"--out",
        &r.join("o"),
        &"--report",
        &r,
    ]));
    assert_code(&o, 64);
    assert!(!r.exists());
    let out = tmp.path().join("out");
    for j in ["1000000", "1025"] {
        let o = newsclean(os(&[&"clean", &input, &"--out", &out, &"-j", &j]));
        assert_code(&o, 64);
        assert!(stderr(&o).contains("1024"), "{}", stderr(&o));
    }
    assert!(!out.exists());
}

/// Row 12: changes.jsonl was 0600 while every other file is 0644.
#[test]
fn every_written_file_is_0644() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", format!("{PARA_A}   \n"));
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    for dir in [out.clone(), report_of(&out)] {
        for e in entries(&dir) {
            let mode = std::fs::metadata(dir.join(&e))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o644, "{} has mode {mode:o}", e.display());
        }
    }
    assert!(report_of(&out).join("changes.jsonl").is_file());
}

/// Row 12: a read-only output (or report) folder exited 2 with every file
/// failed; the README says 73. Now the run stops before any file with 73.
#[test]
fn read_only_output_or_report_stops_early_with_73() {
    let Some(fs) = Tmpfs::mount("1m") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", format!("{PARA_A}   \n"));
    write(&input, "b.txt", format!("{PARA_B}   \n"));
    std::fs::create_dir(fs.path().join("out")).unwrap();
    std::fs::create_dir(fs.path().join("rep")).unwrap();
    fs.read_only();
    let o = newsclean(os(&[&"clean", &input, &"--out", &fs.path().join("out")]));
    assert_code(&o, 73);
    assert!(stderr(&o).contains("cannot"), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).lines().count(),
        1,
        "one message, not one per file: {}",
        stderr(&o)
    );
    let o = newsclean(os(&[
        &"clean",
        &input,
        &"--out",
        &tmp.path().join("out"),
        &"--report",
        &fs.path().join("rep"),
    ]));
    assert_code(&o, 73);
    assert!(entries(&tmp.path().join("out")).is_empty());
}

/// The reference output of `input` (an uninterrupted run elsewhere).
fn reference(
    input: &Path,
    config: &Path,
    scratch: &Path,
) -> std::collections::BTreeMap<String, Vec<u8>> {
    let out = scratch.join("reference");
    let o = newsclean(os(&[
        &"clean", &input, &"--out", &out, &"-q", &"-c", &config,
    ]));
    assert_code(&o, 0);
    tree(&out)
}

/// Row 12: a full report filesystem stopped the run after ~512 files
/// without listing the failures. Now every file is still processed, each
/// failure is listed on stderr, no partial file is left and the exit is 73
/// (report incomplete, no summary.json). A full output filesystem: each
/// file that could not be written is failed and listed, the summary says
/// so, exit 2.
#[test]
fn full_filesystems_list_every_failed_file() {
    let Some(fs) = Tmpfs::mount("600k") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // Without duplicate removal, so that the copies fill the output.
    let input = big_corpus(tmp.path(), 16);
    let config = tmp.path().join("newsclean.toml");
    std::fs::write(&config, "[rules]\ndisable = [\"dedup.*\"]\n").unwrap();
    let want = reference(&input, &config, tmp.path());
    let total: usize = want.values().map(Vec::len).sum();
    assert!(
        total > 600_000,
        "corpus too small to fill the tmpfs: {total}"
    );

    // Output on the full filesystem, report elsewhere.
    let out = fs.path().join("out");
    let report = tmp.path().join("rep");
    let o = newsclean(os(&[
        &"clean",
        &input,
        &"--out",
        &out,
        &"--report",
        &report,
        &"-c",
        &config,
    ]));
    assert_code(&o, 2);
    let err = stderr(&o);
    let s = summary(&report);
    let got = tree(&out);
    let mut failed = 0;
    for row in s["files"].as_array().unwrap() {
        let rel = row["path"].as_str().unwrap();
        if row["status"] == "failed" {
            failed += 1;
            // Named as given: the input joined with the path below it.
            assert!(
                err.contains(&format!("newsclean: {}/{rel}: ", input.display())),
                "{rel} not on stderr"
            );
            assert!(!got.contains_key(rel), "{rel} failed but written");
        } else {
            assert_eq!(got.get(rel), want.get(rel), "{rel} missing or partial");
        }
    }
    assert!(failed > 0, "the filesystem never filled");
    assert_eq!(temp_files(&out), Vec::<PathBuf>::new());
    let _ = std::fs::remove_dir_all(&out);

    // Report on the full filesystem, output elsewhere.
    let out = tmp.path().join("out");
    let report = fs.path().join("rep");
    let o = newsclean(os(&[
        &"clean",
        &input,
        &"--out",
        &out,
        &"--report",
        &report,
        &"--format",
        &"json",
        &"-c",
        &config,
    ]));
    assert_code(&o, 73);
    let err = stderr(&o);
    assert!(err.contains("report is incomplete"), "{err}");
    assert!(!report.join("summary.json").exists());
    // The report files are the run's (changes.jsonl, changes.diff, the
    // pages): a full report filesystem fails none of the files.
    let printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(printed["totals"]["failed"], 0, "{printed}");
    assert!(err.contains("No space left"), "{err}");
    // The cleaned copies are all there and complete.
    assert_eq!(tree(&out), want);
    assert_eq!(temp_files(&report), Vec::<PathBuf>::new());
}
