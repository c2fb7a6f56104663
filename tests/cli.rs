//! The command-line contract (design.md "Command line"): one test per exit
//! code, what `--check`, `--format json` and `--report` do, refusing to
//! write into or over the inputs, per-file failures and the config file.
//!
//! Exit codes: 0 done, 1 `--check` found changes, 2 some file failed (the
//! rest done), 64 usage, 66 missing input, 73 cannot create the output or
//! report folder, 78 config error.

mod common;

use std::path::PathBuf;

use common::*;

fn args(v: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<std::ffi::OsString> {
    v.iter().map(|a| a.as_ref().to_os_string()).collect()
}

#[test]
fn exit_0_cleans_and_writes_report_beside_out() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let out = tmp.path().join("clean");
    clean(&input, &out, &[], 0);
    let a = std::fs::read_to_string(out.join("a.txt")).unwrap();
    assert!(!a.contains("   \n"), "trailing spaces kept: {a:?}");
    let b = std::fs::read_to_string(out.join("b.txt")).unwrap();
    assert!(!b.contains(PARA_B), "duplicate paragraph kept: {b:?}");
    // Report defaults to <OUT>.report, a sibling, never inside the corpus.
    let report = tmp.path().join("clean.report");
    assert!(report.join("summary.json").is_file());
    assert!(report.join("changes.jsonl").is_file());
    assert!(report.join("changes.diff").is_file());
    assert_eq!(
        tree(&out).keys().collect::<Vec<_>>(),
        ["a.txt", "b.txt"],
        "only the cleaned corpus in --out"
    );
    let s = summary(&report);
    assert_eq!(s["schema_version"], 1);
    assert_eq!(s["totals"]["cleaned"], 2);
}

#[test]
fn explicit_report_folder_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let out = tmp.path().join("out");
    let report = tmp.path().join("elsewhere/rep");
    clean(&input, &out, &["--report", report.to_str().unwrap()], 0);
    assert!(report.join("summary.json").is_file());
    assert!(!report_of(&out).exists());
}

#[test]
fn exit_1_check_finds_changes_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let before = tree(tmp.path());
    // Without --out.
    let o = newsclean(args(&[&"clean", &input, &"--check"]));
    assert_code(&o, 1);
    // With --out: still nothing written.
    let out = tmp.path().join("out");
    let o = newsclean(args(&[&"clean", &input, &"--check", &"--out", &out]));
    assert_code(&o, 1);
    assert!(!out.exists(), "--check created the output folder");
    assert!(
        !report_of(&out).exists(),
        "--check created the report folder"
    );
    assert_eq!(tree(tmp.path()), before, "--check wrote or changed files");
}

#[test]
fn exit_0_check_on_already_clean_input() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    let o = newsclean(args(&[&"clean", &out, &"--check"]));
    assert_code(&o, 0);
}

#[test]
fn exit_2_when_a_file_cannot_be_read_and_the_rest_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let out = tmp.path().join("out");
    // chmod 000 is the natural unreadable file, but root (as in the CI
    // container) reads it anyway. Then use a file that no one can read:
    // /proc/self/mem read from offset 0 fails with EIO. Given as a second
    // input, it lands at out/proc/<pid>/mem and the folder under
    // out/<its canonical path>/ (each input's path below the common root,
    // here `/`).
    let in_below_root = input
        .canonicalize()
        .unwrap()
        .strip_prefix("/")
        .unwrap()
        .display()
        .to_string();
    let (extra, failed_rel, good_prefix) = if permissions_are_ignored(tmp.path()) {
        (
            Some(PathBuf::from("/proc/self/mem")),
            None,
            format!("{in_below_root}/"),
        )
    } else {
        use std::os::unix::fs::PermissionsExt;
        write(&input, "locked.txt", PARA_A);
        std::fs::set_permissions(
            input.join("locked.txt"),
            std::fs::Permissions::from_mode(0o000),
        )
        .unwrap();
        (None, Some("locked.txt".to_string()), String::new())
    };
    let mut a = args(&[&"clean", &input]);
    a.extend(extra.iter().map(|p| p.as_os_str().to_os_string()));
    a.extend(args(&[&"--out", &out, &"--quiet"]));
    let o = newsclean(&a);
    assert_code(&o, 2);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let s = summary(&report_of(&out));
    let failed_rel = failed_rel.unwrap_or_else(|| {
        let rows = s["files"].as_array().unwrap();
        let row = rows
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with("/mem"))
            .expect("a row for /proc/self/mem");
        let p = row["path"].as_str().unwrap().to_string();
        assert!(p.starts_with("proc/"), "{p}");
        p
    });
    // stderr names the file as given: the input path joined with the path
    // below it.
    let shown = match &extra {
        Some(p) => p.display().to_string(),
        None => input.join(&failed_rel).display().to_string(),
    };
    assert!(
        stderr.contains(&format!("newsclean: {shown}: ")),
        "failure not named as given on stderr: {stderr}"
    );
    let row = file_row(&s, &failed_rel);
    assert_eq!(row["status"], "failed", "{row}");
    assert!(
        row["reason"].as_str().is_some_and(|r| r.contains("read")),
        "{row}"
    );
    for f in ["a.txt", "b.txt"] {
        assert!(
            out.join(format!("{good_prefix}{f}")).is_file(),
            "{f} not written after another file failed"
        );
    }
}

#[test]
fn exit_64_for_bad_arguments() {
    for bad in [
        &["clean"][..],                                       // no input
        &["clean", "x", "--out", "y", "--bogus"][..],         // unknown flag
        &["clean", "x", "--out", "y", "--jobs", "many"][..],  // bad number
        &["clean", "x", "--out", "y", "--format", "xml"][..], // bad value
        &["clean", "x"][..],                                  // neither --out nor --check
        &["frobnicate"][..],                                  // unknown command
    ] {
        let o = newsclean(bad);
        assert_code(&o, 64);
        assert!(!o.stderr.is_empty(), "{bad:?}: no message");
    }
}

#[test]
fn exit_64_for_out_inside_input() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let before = tree(&input);
    let out = input.join("cleaned");
    let o = newsclean(args(&[&"clean", &input, &"--out", &out]));
    assert_code(&o, 64);
    assert!(!out.exists());
    // The report folder inside the input is refused too.
    let o = newsclean(args(&[
        &"clean",
        &input,
        &"--out",
        &tmp.path().join("o"),
        &"--report",
        &input.join("r"),
    ]));
    assert_code(&o, 64);
    assert_eq!(tree(&input), before, "input changed");
}

#[test]
fn exit_64_refuses_to_write_over_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let before = tree(&input);
    // --out is the input itself, or contains it.
    for out in [input.clone(), tmp.path().to_path_buf()] {
        let o = newsclean(args(&[&"clean", &input, &"--out", &out]));
        assert_code(&o, 64);
    }
    // A single input file and --out its own folder.
    let o = newsclean(args(&[&"clean", &input.join("a.txt"), &"--out", &input]));
    assert_code(&o, 64);
    assert_eq!(tree(&input), before, "an input was overwritten");
}

#[test]
fn exit_66_for_missing_input() {
    let tmp = tempfile::tempdir().unwrap();
    let o = newsclean(args(&[
        &"clean",
        &tmp.path().join("nope"),
        &"--out",
        &tmp.path().join("out"),
    ]));
    assert_code(&o, 66);
    assert!(!tmp.path().join("out").exists());
}

#[test]
fn exit_73_when_output_folder_cannot_be_created() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let file = tmp.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    // --out under a regular file.
    let o = newsclean(args(&[&"clean", &input, &"--out", &file.join("out")]));
    assert_code(&o, 73);
    // --report under a regular file.
    let o = newsclean(args(&[
        &"clean",
        &input,
        &"--out",
        &tmp.path().join("o"),
        &"--report",
        &file.join("r"),
    ]));
    assert_code(&o, 73);
}

#[test]
fn exit_78_for_config_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let out = tmp.path().join("out");
    for (name, text) in [
        ("unknown-key.toml", "[rules]\ndisabel = [\"dedup.*\"]\n"),
        ("unknown-table.toml", "[dedupe]\nmin_chars = 4\n"),
        ("not-toml.toml", "[rules\n"),
        ("bad-value.toml", "[dedup]\nmin_chars = 0\n"),
    ] {
        let cfg = tmp.path().join(name);
        std::fs::write(&cfg, text).unwrap();
        let o = newsclean(args(&[&"clean", &input, &"--out", &out, &"--config", &cfg]));
        assert_code(&o, 78);
        assert!(
            !out.exists(),
            "{name}: output written despite a config error"
        );
    }
    let o = newsclean(args(&[
        &"clean",
        &input,
        &"--out",
        &out,
        &"--config",
        &tmp.path().join("missing.toml"),
    ]));
    assert_code(&o, 78);
}

#[test]
fn config_can_disable_dedup() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let cfg = tmp.path().join("newsclean.toml");
    std::fs::write(&cfg, "[rules]\ndisable = [\"dedup.*\"]\n").unwrap();
    let out = tmp.path().join("out");
    clean(&input, &out, &["--config", cfg.to_str().unwrap()], 0);
    let b = std::fs::read_to_string(out.join("b.txt")).unwrap();
    assert!(b.contains(PARA_B), "dedup ran although disabled: {b:?}");
    let report = report_of(&out);
    assert!(changes(&report)
        .iter()
        .all(|c| !c["rule"].as_str().unwrap().starts_with("dedup.")));
    let s = summary(&report);
    assert_eq!(s["totals"]["duplicates_removed"], 0);
    assert_eq!(s["rules"]["dedup.paragraph"], 0);
    // Other rules still run.
    assert!(!std::fs::read_to_string(out.join("a.txt"))
        .unwrap()
        .contains("   \n"));
}

#[test]
fn format_json_prints_one_parseable_object() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let out = tmp.path().join("out");
    let o = newsclean(args(&[
        &"clean",
        &input,
        &"--out",
        &out,
        &"--format",
        &"json",
    ]));
    assert_code(&o, 0);
    let stdout = String::from_utf8(o.stdout).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["totals"]["files_seen"], 2);
    assert_eq!(v["totals"]["cleaned"], 2);
}

#[test]
fn human_format_prints_one_line_and_quiet_prints_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let o = newsclean(args(&[&"clean", &input, &"--out", &tmp.path().join("o1")]));
    assert_code(&o, 0);
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
    let o = newsclean(args(&[
        &"clean",
        &input,
        &"--out",
        &tmp.path().join("o2"),
        &"--quiet",
    ]));
    assert_code(&o, 0);
    assert!(
        o.stdout.is_empty() && o.stderr.is_empty(),
        "--quiet printed something"
    );
}

#[test]
fn rules_lists_every_rule_id() {
    let o = newsclean(["rules"]);
    assert_code(&o, 0);
    let out = String::from_utf8(o.stdout).unwrap();
    for id in ["dedup.paragraph", "dedup.line"] {
        assert!(
            out.lines().any(|l| l.starts_with(id)),
            "{id} missing from `newsclean rules`"
        );
    }
    for r in newsclean::rules::all() {
        assert!(out.contains(r.id), "{} missing", r.id);
    }
}

/// Cleaned files go into a corpus other people and jobs read; they should
/// get the usual permissions (0644 under umask 022), not the 0600 of a
/// temporary file.
#[test]
fn output_files_get_normal_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    let mode = std::fs::metadata(out.join("a.txt"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(
        mode & 0o044,
        0o044,
        "cleaned file mode {mode:o} is not group/other readable"
    );
}

#[test]
fn exit_64_for_report_inside_out() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let out = tmp.path().join("out");
    let o = newsclean(args(&[
        &"clean",
        &input,
        &"--out",
        &out,
        &"--report",
        &out.join("report"),
    ]));
    assert_code(&o, 64);
    assert!(
        !out.exists(),
        "output written although the report would land inside it"
    );
}

#[test]
fn include_and_exclude_globs_select_files() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    write(&input, "notes.md", format!("{PARA_A}   \n"));
    write(&input, "skip/c.txt", format!("{PARA_A}   \n"));
    let out = tmp.path().join("out");
    // Default: *.txt at any depth.
    clean(&input, &out, &[], 0);
    assert_eq!(
        tree(&out).keys().collect::<Vec<_>>(),
        ["a.txt", "b.txt", "skip/c.txt"]
    );
    let out2 = tmp.path().join("out2");
    clean(
        &input,
        &out2,
        &[
            "--include",
            "*.md",
            "--include",
            "*.txt",
            "--exclude",
            "skip/**",
        ],
        0,
    );
    assert_eq!(
        tree(&out2).keys().collect::<Vec<_>>(),
        ["a.txt", "b.txt", "notes.md"]
    );
}
