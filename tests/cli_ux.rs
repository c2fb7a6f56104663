//! The command line a ruff/rustfmt/typos user expects (issue 13): config
//! discovery and its precedence, `--no-config`, `--disable`/`--enable`
//! against the file, `--check` listing files, `--diff` that `git apply`
//! accepts, `--quiet` never hiding asked-for output, `--format json` rows
//! and `--format jsonl` records, a closed stdout and a full one, an empty
//! input (66) and `--allow-empty`, paths named as given, completions, the
//! man page, `-V`, `--help` and `--color`. Every test runs the real binary.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::*;

/// newsclean run in `cwd`.
fn run_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .current_dir(cwd)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run newsclean")
}

/// The summary JSON printed by `--format json`.
fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(o).trim()).expect("stdout is one JSON object")
}

/// Which rules made edits, from a `--format json` run.
fn rules_used(v: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> = v["files"]
        .as_array()
        .expect("files rows")
        .iter()
        .flat_map(|f| f["rules"].as_array().cloned().unwrap_or_default())
        .map(|pair| pair[0].as_str().expect("rule id").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

fn canon(p: &Path) -> String {
    p.canonicalize().unwrap().display().to_string()
}

#[test]
fn config_beside_the_input_wins_over_the_current_folder_and_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let proj = tmp.path().join("proj");
    let input = dirty_corpus(&proj);
    std::fs::write(
        proj.join("newsclean.toml"),
        "[rules]\ndisable = [\"whitespace.*\"]\n",
    )
    .unwrap();
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::write(
        elsewhere.join("newsclean.toml"),
        "[rules]\ndisable = [\"dedup.*\"]\n",
    )
    .unwrap();
    let inp = input.to_str().unwrap();
    let o = run_in(&elsewhere, &["clean", inp, "--check", "--format", "json"]);
    assert_code(&o, 1);
    let v = json(&o);
    assert_eq!(
        v["run"]["config"],
        canon(&proj.join("newsclean.toml")),
        "{v}"
    );
    let used = rules_used(&v);
    assert!(
        !used.iter().any(|r| r.starts_with("whitespace.")),
        "{used:?}"
    );
    assert!(used.contains(&"dedup.paragraph".to_string()), "{used:?}");

    // No config above the input: the current folder's is used.
    std::fs::remove_file(proj.join("newsclean.toml")).unwrap();
    let o = run_in(&elsewhere, &["clean", inp, "--check", "--format", "json"]);
    assert_code(&o, 1);
    let v = json(&o);
    assert_eq!(
        v["run"]["config"],
        canon(&elsewhere.join("newsclean.toml")),
        "{v}"
    );
    let used = rules_used(&v);
    assert!(!used.iter().any(|r| r.starts_with("dedup.")), "{used:?}");
    assert!(
        used.contains(&"whitespace.trailing".to_string()),
        "{used:?}"
    );
}

#[test]
fn config_in_a_parent_of_the_input_is_found_and_recorded_in_summary_json() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(&tmp.path().join("proj/deep"));
    std::fs::write(
        tmp.path().join("proj/newsclean.toml"),
        "[rules]\ndisable = [\"whitespace.trailing\"]\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    clean(&input, &out, &[], 0);
    let s = summary(&report_of(&out));
    assert_eq!(
        s["run"]["config"],
        canon(&tmp.path().join("proj/newsclean.toml"))
    );
    assert_eq!(s["rules"]["whitespace.trailing"], 0, "{}", s["rules"]);
    // Inputs are recorded canonical, whatever was typed.
    assert_eq!(s["run"]["inputs"][0], canon(&input));
    let o = run_in(
        tmp.path(),
        &["clean", "proj/deep/../deep/in", "--out", "o2", "-q"],
    );
    assert_code(&o, 0);
    let s = summary(&tmp.path().join("o2.report"));
    assert_eq!(s["run"]["inputs"][0], canon(&input));
    assert_eq!(s["run"]["out"], "o2");
}

#[test]
fn no_config_and_config_flag_override_discovery() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    std::fs::write(
        tmp.path().join("newsclean.toml"),
        "[rules]\ndisable = [\"whitespace.*\"]\n",
    )
    .unwrap();
    let other = tmp.path().join("other.toml");
    std::fs::write(&other, "[rules]\ndisable = [\"dedup.*\"]\n").unwrap();
    let inp = input.to_str().unwrap();

    let o = run_in(
        tmp.path(),
        &["clean", inp, "--check", "--format", "json", "--no-config"],
    );
    assert_code(&o, 1);
    let v = json(&o);
    assert!(v["run"]["config"].is_null(), "{v}");
    let used = rules_used(&v);
    assert!(
        used.contains(&"whitespace.trailing".to_string()),
        "{used:?}"
    );
    assert!(used.contains(&"dedup.paragraph".to_string()), "{used:?}");

    let o = run_in(
        tmp.path(),
        &[
            "clean",
            inp,
            "--check",
            "--format",
            "json",
            "--config",
            other.to_str().unwrap(),
        ],
    );
    assert_code(&o, 1);
    let v = json(&o);
    assert_eq!(v["run"]["config"], canon(&other));
    let used = rules_used(&v);
    assert!(
        used.contains(&"whitespace.trailing".to_string()),
        "{used:?}"
    );
    assert!(!used.iter().any(|r| r.starts_with("dedup.")), "{used:?}");

    // Both at once is a usage error.
    let o = run_in(
        tmp.path(),
        &["clean", inp, "--check", "--no-config", "--config", "x.toml"],
    );
    assert_code(&o, 64);
}

#[test]
fn inputs_with_different_configs_are_a_config_error() {
    let tmp = tempfile::tempdir().unwrap();
    let a = dirty_corpus(&tmp.path().join("a"));
    let b = dirty_corpus(&tmp.path().join("b"));
    std::fs::write(tmp.path().join("a/newsclean.toml"), "").unwrap();
    std::fs::write(tmp.path().join("b/newsclean.toml"), "").unwrap();
    let o = run_in(
        tmp.path(),
        &["clean", a.to_str().unwrap(), b.to_str().unwrap(), "--check"],
    );
    assert_code(&o, 78);
    assert!(
        stderr(&o).contains("different config files"),
        "{}",
        stderr(&o)
    );
    // An input that finds none does not disagree: the other's is used.
    std::fs::remove_file(tmp.path().join("b/newsclean.toml")).unwrap();
    let o = run_in(
        tmp.path(),
        &[
            "clean",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--check",
            "--format",
            "json",
        ],
    );
    assert_code(&o, 1);
    assert_eq!(
        json(&o)["run"]["config"],
        canon(&tmp.path().join("a/newsclean.toml"))
    );
}

#[test]
fn disable_and_enable_flags_apply_after_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    std::fs::write(
        tmp.path().join("newsclean.toml"),
        "[rules]\ndisable = [\"whitespace.*\"]\n",
    )
    .unwrap();
    let inp = input.to_str().unwrap();
    // --enable brings back one rule the file switched off; --disable
    // switches off one it left on.
    let o = run_in(
        tmp.path(),
        &[
            "clean",
            inp,
            "--check",
            "--format",
            "json",
            "--enable",
            "whitespace.trailing",
            "--disable",
            "dedup.*",
        ],
    );
    assert_code(&o, 1);
    let used = rules_used(&json(&o));
    assert!(
        used.contains(&"whitespace.trailing".to_string()),
        "{used:?}"
    );
    assert!(!used.iter().any(|r| r.starts_with("dedup.")), "{used:?}");
    // Repeatable, and with every rule off nothing would change.
    let o = run_in(
        tmp.path(),
        &[
            "clean",
            inp,
            "--check",
            "--disable",
            "dedup.*",
            "--disable",
            "*",
        ],
    );
    assert_code(&o, 0);
    // A pattern matching no rule is a config error, as in the file.
    for flag in ["--disable", "--enable"] {
        let o = run_in(tmp.path(), &["clean", inp, "--check", flag, "punkt.*"]);
        assert_code(&o, 78);
        assert!(stderr(&o).contains("matches no rule"), "{}", stderr(&o));
        assert!(stderr(&o).contains(flag), "{}", stderr(&o));
    }
}

#[test]
fn check_lists_each_file_that_would_change_as_given_even_with_quiet() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    write(
        &input,
        "clean.txt",
        "上海市今天举行新闻发布会，介绍城市更新工作的最新进展情况。\n",
    );
    let before = tree(tmp.path());
    for extra in [&[][..], &["-q"][..]] {
        let mut a = vec!["clean", "in", "--check", "--no-config"];
        a.extend_from_slice(extra);
        let o = run_in(tmp.path(), &a);
        assert_code(&o, 1);
        assert_eq!(stdout(&o), "in/a.txt\nin/b.txt\n", "{}", stderr(&o));
        if extra.is_empty() {
            assert!(stderr(&o).contains("would clean"), "{}", stderr(&o));
        } else {
            assert_eq!(stderr(&o), "");
        }
    }
    assert_eq!(tree(tmp.path()), before, "--check wrote files");
}

#[test]
fn diff_writes_a_patch_that_git_apply_accepts_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    dirty_corpus(tmp.path());
    let before = tree(tmp.path());
    let o = run_in(tmp.path(), &["clean", "in", "--diff", "--no-config"]);
    assert_code(&o, 1);
    assert_eq!(tree(tmp.path()), before, "--diff wrote files");
    let patch = stdout(&o);
    assert!(
        patch.starts_with("--- a/in/a.txt\n+++ b/in/a.txt\n"),
        "{patch}"
    );
    std::fs::write(tmp.path().join("p.diff"), &patch).unwrap();
    let g = Command::new("git")
        .current_dir(tmp.path())
        .args(["apply", "p.diff"])
        .output()
        .expect("git");
    assert!(
        g.status.success(),
        "git apply: {}",
        String::from_utf8_lossy(&g.stderr)
    );
    std::fs::remove_file(tmp.path().join("p.diff")).unwrap();
    // Patched inputs are what newsclean writes, and nothing is left to do.
    let out = tmp.path().join("out");
    clean(&tmp.path().join("in"), &out, &["--no-config"], 0);
    let cleaned = tree(&out);
    let patched = tree(&tmp.path().join("in"));
    assert_eq!(cleaned, patched);
    let o = run_in(tmp.path(), &["clean", "in", "--check", "--no-config"]);
    assert_code(&o, 0);
    assert_eq!(stdout(&o), "");
    // stdout holds the patch alone: no other format beside it.
    let o = run_in(tmp.path(), &["clean", "in", "--diff", "--format", "json"]);
    assert_code(&o, 64);
    let o = run_in(tmp.path(), &["clean", "in", "--diff", "--check"]);
    assert_code(&o, 64);
}

#[test]
fn quiet_format_json_prints_the_json_with_file_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    let out = tmp.path().join("out");
    let o = clean(&input, &out, &["--format", "json", "--no-config"], 0);
    let v = json(&o);
    assert_eq!(v["totals"]["files_seen"], 2);
    let rows = v["files"].as_array().expect("files");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["path"], "a.txt");
    assert_eq!(rows[0]["status"], "cleaned");
    // The same rows as summary.json.
    assert_eq!(v["files"], summary(&report_of(&out))["files"]);
}

#[test]
fn format_jsonl_streams_the_records_of_changes_jsonl() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = clean(&corpus(), &out, &["--format", "jsonl", "--no-config"], 0);
    let got: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record a line"))
        .collect();
    assert!(got.len() > 100, "{}", got.len());
    assert_eq!(got, changes(&report_of(&out)));
    // And with --check (nothing written).
    let o = newsclean([
        "clean",
        corpus().to_str().unwrap(),
        "--check",
        "--format",
        "jsonl",
        "--no-config",
    ]);
    assert_code(&o, 1);
    let again: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(again, got);
}

/// Run with stdout a pipe whose reading end is closed before the child
/// writes.
fn closed_stdout(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let o = closed_stdout(&["rules"]);
    assert_code(&o, 0);
    assert_eq!(stderr(&o), "");
    // More than a pipe buffer of records: the write fails for sure; the
    // exit code is still the run's (1: would change).
    let c = corpus();
    let o = closed_stdout(&[
        "clean",
        c.to_str().unwrap(),
        "--check",
        "--format",
        "jsonl",
        "-q",
        "--no-config",
    ]);
    assert_code(&o, 1);
    assert_eq!(stderr(&o), "");
}

#[test]
fn a_closed_stderr_is_no_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    write(&input, "bin.txt", b"\0binary");
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args(["clean", input.to_str().unwrap(), "--check", "--no-config"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stderr.take());
    let status = child.wait().expect("wait");
    // The run's own code (1: would change), not a panic's 101.
    assert_eq!(status.code(), Some(1));
}

#[test]
fn a_full_stdout_is_exit_74_with_a_message() {
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    let o = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .arg("rules")
        .stdout(full())
        .output()
        .unwrap();
    assert_code(&o, 74);
    assert!(
        stderr(&o).contains("cannot write to stdout"),
        "{}",
        stderr(&o)
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args([
            "clean",
            corpus().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-config",
        ])
        .stdout(full())
        .output()
        .unwrap();
    assert_code(&o, 74);
    assert!(stderr(&o).contains("No space left"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    // The work itself was done.
    assert!(report_of(&out).join("summary.json").exists());
}

#[test]
fn an_input_without_matching_files_is_66_unless_allow_empty() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("dump");
    write(&empty, "notes.md", "not a txt\n");
    let full = dirty_corpus(tmp.path());
    let out = tmp.path().join("out");
    let args = os(&[&"clean", &full, &empty, &"--out", &out]);
    let o = newsclean(&args);
    assert_code(&o, 66);
    assert!(
        stderr(&o).contains("dump: no file matches --include"),
        "{}",
        stderr(&o)
    );
    assert!(
        !out.exists(),
        "an empty input still wrote {}",
        out.display()
    );
    let mut allow = args.clone();
    allow.push("--allow-empty".into());
    let o = newsclean(&allow);
    assert_code(&o, 0);
    // The same folder with a matching glob is not empty.
    let mut md = args.clone();
    md.extend([
        "--include".into(),
        "*.md".into(),
        "--include".into(),
        "*.txt".into(),
    ]);
    let o = newsclean(&md);
    assert_code(&o, 0);
}

#[test]
fn messages_name_paths_as_given() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    write(&input, "sub/bin.txt", b"\0\x01binary");
    let o = run_in(
        tmp.path(),
        &["clean", "./in", "--out", "out", "--no-config"],
    );
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("newsclean: ./in/sub/bin.txt: skipped"),
        "{}",
        stderr(&o)
    );
    // Several inputs: each file under the input it came from.
    let other = tmp.path().join("other");
    write(&other, "c.bin.txt", b"\0binary");
    let o = run_in(
        tmp.path(),
        &["clean", "in", "other/", "--out", "out2", "--no-config"],
    );
    assert_code(&o, 0);
    let e = stderr(&o);
    assert!(e.contains("newsclean: in/sub/bin.txt: skipped"), "{e}");
    assert!(e.contains("newsclean: other/c.bin.txt: skipped"), "{e}");
}

#[test]
fn completions_and_man_page_generate() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = newsclean(["completions", shell]);
        assert_code(&o, 0);
        let s = stdout(&o);
        assert!(s.contains("newsclean"), "{shell}: {s}");
        assert!(
            s.contains("allow-empty"),
            "{shell} completions lack clean's flags"
        );
    }
    let o = newsclean(["completions", "tcsh"]);
    assert_code(&o, 64);
    let o = newsclean(["man"]);
    assert_code(&o, 0);
    let s = stdout(&o);
    assert!(s.starts_with(".ie") || s.contains(".TH newsclean"), "{s}");
    assert!(s.contains("CLEAN OPTIONS"), "{s}");
    assert!(s.contains("allow\\-empty"), "clean's flags missing: {s}");
    assert!(s.contains("EXIT STATUS"), "{s}");
}

#[test]
fn version_names_the_commit_and_build_date() {
    let o = newsclean(["-V"]);
    assert_code(&o, 0);
    let s = stdout(&o);
    let rest = s
        .strip_prefix(&format!("newsclean {} (", env!("CARGO_PKG_VERSION")))
        .unwrap_or_else(|| panic!("{s}"));
    let (commit, date) = rest
        .trim_end()
        .trim_end_matches(')')
        .rsplit_once(' ')
        .unwrap();
    let in_git = Command::new("git")
        .current_dir(root())
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success());
    if in_git.is_some() {
        assert!(
            commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{s}"
        );
    }
    assert!(
        date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-',
        "{s}"
    );
}

#[test]
fn help_shows_out_required_and_one_jobs_default() {
    let o = newsclean(["clean", "--help"]);
    assert_code(&o, 0);
    let h = stdout(&o);
    let usage = h.lines().find(|l| l.starts_with("Usage:")).unwrap();
    assert!(usage.contains("--out <DIR>"), "{usage}");
    let jobs: String = h
        .split("--jobs <N>")
        .nth(1)
        .unwrap()
        .split("\n  -")
        .next()
        .unwrap()
        .to_string();
    assert_eq!(jobs.matches("[default").count(), 1, "{jobs}");
}

#[test]
fn human_summary_uses_singulars() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    write(&input, "a.txt", format!("{PARA_A}  \n"));
    let o = run_in(
        tmp.path(),
        &["clean", "in", "--out", "out", "--jobs", "1", "--no-config"],
    );
    assert_code(&o, 0);
    let line = stdout(&o);
    assert!(line.starts_with("newsclean: 1 file: 1 cleaned"), "{line}");
    assert!(line.contains("1 edit,"), "{line}");
    assert!(line.contains("with 1 thread "), "{line}");
}

#[test]
fn rules_columns_are_aligned() {
    let o = newsclean(["rules"]);
    assert_code(&o, 0);
    let s = stdout(&o);
    // Columns counted in characters (spec references hold `…`): each
    // starts at the same place in every line, two spaces at least after
    // the widest entry of the column before.
    let lines: Vec<Vec<char>> = s.lines().map(|l| l.chars().collect()).collect();
    assert!(lines.len() > 20);
    let field = |l: &[char], from: usize| -> usize {
        (from..l.len())
            .find(|&i| l[i] == ' ' && l.get(i + 1) == Some(&' '))
            .expect("two spaces after a column")
            - from
    };
    let w_id = lines.iter().map(|l| field(l, 0)).max().unwrap();
    let w_spec = lines.iter().map(|l| field(l, w_id + 2)).max().unwrap();
    for l in &lines {
        let text: String = l.iter().collect();
        assert_eq!(l[w_id..w_id + 2], [' ', ' '], "{text}");
        assert_ne!(l[w_id + 2], ' ', "{text}");
        let doc = w_id + 2 + w_spec + 2;
        assert_eq!(l[doc - 2..doc], [' ', ' '], "{text}");
        assert_ne!(l[doc], ' ', "{text}");
    }
}

#[test]
fn color_always_and_never() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    write(&input, "bin.txt", b"\0binary");
    let inp = input.to_str().unwrap();
    let o = run_in(
        tmp.path(),
        &["--color", "always", "clean", inp, "--check", "--no-config"],
    );
    assert_code(&o, 1);
    assert!(stderr(&o).contains("\x1b["), "{}", stderr(&o));
    // NO_COLOR does not override an explicit --color always; never is plain.
    let o = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args(["clean", inp, "--check", "--no-config", "--color", "never"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_code(&o, 1);
    assert!(!stderr(&o).contains('\x1b'), "{}", stderr(&o));
    // clap's usage errors follow --color too.
    let o = newsclean(["--color", "always", "clean", "--bogus"]);
    assert_code(&o, 64);
    assert!(stderr(&o).contains("\x1b["), "{}", stderr(&o));
    let o = newsclean(["--color=never", "clean", "--bogus"]);
    assert_code(&o, 64);
    assert!(!stderr(&o).contains('\x1b'), "{}", stderr(&o));
    // auto and not a terminal: plain.
    let o = run_in(tmp.path(), &["clean", inp, "--check", "--no-config"]);
    assert!(!stderr(&o).contains('\x1b'), "{}", stderr(&o));
}

/// `newsclean ARGS` on a terminal (util-linux `script` gives it a pty),
/// with `NO_COLOR` set or not; what the terminal showed.
fn on_a_terminal(cwd: &Path, args: &str, no_color: bool) -> String {
    let bin = env!("CARGO_BIN_EXE_newsclean");
    let mut c = Command::new("script");
    c.current_dir(cwd)
        .args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .env_remove("NO_COLOR")
        .stdin(Stdio::null());
    if no_color {
        c.env("NO_COLOR", "1");
    }
    let o = c.output().expect("script (util-linux) runs");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn color_auto_on_a_terminal_and_no_color() {
    let tmp = tempfile::tempdir().unwrap();
    let input = dirty_corpus(tmp.path());
    write(&input, "bin.txt", b"\0binary");
    // Green "cleaned" count in the summary line, yellow skipped note.
    let shown = on_a_terminal(tmp.path(), "clean in --out out --no-config", false);
    assert!(shown.contains("\x1b[32m2 cleaned\x1b[0m"), "{shown:?}");
    assert!(
        shown.contains("\x1b[33mnewsclean:\x1b[0m in/bin.txt: skipped"),
        "{shown:?}"
    );
    // NO_COLOR: the same lines, plain (the progress bar still redraws).
    let shown = on_a_terminal(tmp.path(), "clean in --out out2 --no-config", true);
    assert!(
        shown.contains("newsclean: 3 files: 2 cleaned,"),
        "{shown:?}"
    );
    assert!(
        shown.contains("newsclean: in/bin.txt: skipped"),
        "{shown:?}"
    );
    assert!(
        !shown.contains("\x1b[32m") && !shown.contains("\x1b[33m"),
        "{shown:?}"
    );
    // --color always beats NO_COLOR.
    let shown = on_a_terminal(
        tmp.path(),
        "--color always clean in --out out3 --no-config",
        true,
    );
    assert!(shown.contains("\x1b[32m2 cleaned"), "{shown:?}");
}
