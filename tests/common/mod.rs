//! Helpers shared by the integration tests: run the real binary, read its
//! reports, walk output trees.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (where Cargo.toml is).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example corpus shipped in `fixtures/corpus`.
pub(crate) fn corpus() -> PathBuf {
    root().join("fixtures/corpus")
}

/// `newsclean` with the given arguments; never inherits a terminal, so no
/// progress bar.
pub(crate) fn newsclean<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args(args)
        .output()
        .expect("run newsclean")
}

/// Exit code, with stdout and stderr in the panic message when absent.
pub(crate) fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal; stderr:\n{}",
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// Assert the exit code, showing both streams on failure.
pub(crate) fn assert_code(o: &Output, want: i32) {
    assert_eq!(
        code(o),
        want,
        "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `clean <input> --out <out> --quiet [extra...]`, asserting the exit code.
pub(crate) fn clean(input: &Path, out: &Path, extra: &[&str], want: i32) -> Output {
    let mut args: Vec<std::ffi::OsString> = vec![
        "clean".into(),
        input.into(),
        "--out".into(),
        out.into(),
        "--quiet".into(),
    ];
    args.extend(extra.iter().map(|s| s.into()));
    let o = newsclean(&args);
    assert_code(&o, want);
    o
}

/// The default report folder of an output folder: `<OUT>.report`.
pub(crate) fn report_of(out: &Path) -> PathBuf {
    let mut name = out.file_name().expect("out has a name").to_os_string();
    name.push(".report");
    out.with_file_name(name)
}

/// Parsed `summary.json`.
pub(crate) fn summary(report: &Path) -> serde_json::Value {
    let s = std::fs::read_to_string(report.join("summary.json")).expect("summary.json");
    serde_json::from_str(&s).expect("summary.json is JSON")
}

/// Parsed `changes.jsonl`, one value per line.
pub(crate) fn changes(report: &Path) -> Vec<serde_json::Value> {
    let s = std::fs::read_to_string(report.join("changes.jsonl")).expect("changes.jsonl");
    s.lines()
        .map(|l| serde_json::from_str(l).expect("changes.jsonl line is JSON"))
        .collect()
}

/// The summary row of one file.
pub(crate) fn file_row<'a>(summary: &'a serde_json::Value, rel: &str) -> &'a serde_json::Value {
    summary["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == rel)
        .unwrap_or_else(|| panic!("no summary row for {rel}"))
}

/// Every regular file under `dir`, relative path (with `/`) → bytes.
pub(crate) fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    for e in walk(dir) {
        let rel = e
            .strip_prefix(dir)
            .expect("under dir")
            .to_string_lossy()
            .replace('\\', "/");
        out.insert(rel, std::fs::read(&e).expect("read output file"));
    }
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("dir entry").path();
            let ft = std::fs::symlink_metadata(&p).expect("metadata").file_type();
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Copy a folder tree (regular files and folders only).
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in tree(from) {
        let p = to.join(&rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, bytes).expect("write");
    }
}

/// Write `text` at `dir/rel`, creating folders.
pub(crate) fn write(dir: &Path, rel: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

/// Unified line diff of two texts, for failure messages.
pub(crate) fn text_diff(expected: &str, actual: &str, name: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(2)
        .header(&format!("expected/{name}"), &format!("actual/{name}"))
        .to_string()
}

/// Does this process ignore file permissions (root, CAP_DAC_OVERRIDE)?
/// Probed, not assumed: make a file unreadable and try to read it.
pub(crate) fn permissions_are_ignored(scratch: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let p = scratch.join(".probe-unreadable");
    std::fs::write(&p, "x").expect("write probe");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).expect("chmod probe");
    let readable = std::fs::read(&p).is_ok();
    let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644));
    let _ = std::fs::remove_file(&p);
    readable
}

/// Every entry under `dir` that is not a folder (files, links, FIFOs…),
/// byte-exact relative paths, sorted; links are not followed.
pub(crate) fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd {
            let p = e.expect("dir entry").path();
            let ft = std::fs::symlink_metadata(&p).expect("metadata").file_type();
            if ft.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// Temp files (`.newsclean-tmp-*`) under `dir`.
pub(crate) fn temp_files(dir: &Path) -> Vec<PathBuf> {
    entries(dir)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(".newsclean-"))
        })
        .collect()
}

/// `copies` copies of `fixtures/corpus` under `dir/c00…`: a corpus that
/// takes a debug build about a second per 30 copies.
pub(crate) fn big_corpus(dir: &Path, copies: usize) -> PathBuf {
    let input = dir.join("big");
    let files = tree(&corpus());
    for i in 0..copies {
        for (rel, bytes) in &files {
            write(&input, &format!("c{i:02}/{rel}"), bytes);
        }
    }
    input
}

/// A tmpfs mounted on a fresh folder (root only), unmounted on drop.
pub(crate) struct Tmpfs {
    pub(crate) dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mount a tmpfs of `size` (mount's syntax, e.g. `300k`); `None` (and
    /// a loud line on stderr) where this process cannot mount.
    pub(crate) fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("tempdir");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!("SKIPPED: cannot mount tmpfs (needs root and mount rights)");
            return None;
        }
        Some(Tmpfs { dir })
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Remount read-only.
    pub(crate) fn read_only(&self) {
        let o = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.path())
            .output()
            .expect("mount");
        assert!(o.status.success(), "remount ro: {o:?}");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .output();
    }
}

/// Run `newsclean` with `args`, killing it (and failing) after `secs`.
pub(crate) fn newsclean_within<I, S>(secs: u64, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let child = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn newsclean");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(o) => o.expect("wait newsclean"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .output();
            panic!("newsclean did not finish within {secs} s (hung)");
        }
    }
}

/// A paragraph long enough (≥ 8 key chars) and sentence-like, so that a
/// second copy is removed as a duplicate.
pub(crate) const PARA_A: &str = "国家统计局今天发布数据，七月份全国居民消费价格同比上涨百分之一。";
/// Another such paragraph.
/// A long paragraph (111 key characters, `fixtures/scope/xwlb-20180317.txt`):
/// a repeat of it in another file is a duplicate in every `[dedup] scope`.
pub(crate) const PARA_B: &str = "现在播送中华人民共和国全国人民代表大会公告第二号：第十三届全国人民代表大会第一次会议于2018年3月17日选举习近平为中华人民共和国主席。现予公告。中华人民共和国第十三届全国人民代表大会第一次会议主席团2018年3月17日于北京。";

/// A corpus with work to do, `<dir>/in`: `a.txt` with trailing spaces
/// (whitespace.trailing) and `b.txt` repeating a paragraph of `a.txt`
/// (dedup.paragraph).
pub(crate) fn dirty_corpus(dir: &Path) -> PathBuf {
    let input = dir.join("in");
    write(&input, "a.txt", format!("{PARA_A}   \n\n{PARA_B}\n"));
    write(
        &input,
        "b.txt",
        format!("{PARA_B}\n\n记者从交通运输部获悉，暑运期间铁路累计发送旅客六亿人次。\n"),
    );
    input
}

/// Arguments of mixed types (`&str`, paths) as one list.
pub(crate) fn os(v: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<std::ffi::OsString> {
    v.iter().map(|a| a.as_ref().to_os_string()).collect()
}

/// Standard output, which must be UTF-8.
pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

/// Standard error, lossily decoded.
pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The report files that must match between runs: everything but
/// `index.html` (it shows the run's time and paths) and `summary.json`
/// (compared without its `run` block: [`summary_without_run`]).
pub(crate) fn report_files(report: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut t = tree(report);
    t.remove("index.html");
    t.remove("summary.json");
    t
}

/// `summary.json` without its `run` block (times, paths).
pub(crate) fn summary_without_run(report: &Path) -> serde_json::Value {
    let mut s = summary(report);
    s.as_object_mut().unwrap().remove("run");
    s
}

/// Wait until `cond` holds, or panic after `secs`.
pub(crate) fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// `newsclean` started with `args`, stdout to /dev/null, stderr piped.
pub(crate) fn spawn(args: &[std::ffi::OsString]) -> std::process::Child {
    spawn_env(args, &[])
}

/// [`spawn`] with more environment variables.
pub(crate) fn spawn_env(args: &[std::ffi::OsString], env: &[(&str, &str)]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Send `sig` (`-INT`, `-TERM` …) to `child`.
pub(crate) fn signal(child: &std::process::Child, sig: &str) {
    let o = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .output()
        .unwrap();
    assert!(o.status.success(), "kill {sig}: {o:?}");
}

/// xorshift64*: enough randomness for kill moments, no dependency.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Start `cmd` (stdout and stderr to /dev/null), SIGKILL it at a random
/// moment within 1.2 × `run_time` (how long an uninterrupted run took),
/// and reap it. Whether it was still running when killed.
pub(crate) fn kill_at_random(
    cmd: &mut Command,
    run_time: std::time::Duration,
    rng: &mut Rng,
) -> bool {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let max_us = (run_time.as_micros() as u64).max(1) * 6 / 5;
    std::thread::sleep(std::time::Duration::from_micros(rng.next() % max_us));
    let landed = child.try_wait().unwrap().is_none();
    let _ = child.kill(); // SIGKILL
    let _ = child.wait();
    landed
}

/// The planted near-duplicates of `fixtures/near` (edited copies of
/// documents and paragraphs of real news, see its SOURCES.md) over three
/// nights `n1`..`n3` under `root`: the originals on night 1, their edited
/// copies on night 2, the documents hosting copied paragraphs and the
/// negatives on night 3.
pub(crate) fn near_nights(root: &Path) -> [PathBuf; 3] {
    let corpus = self::root().join("fixtures/near/corpus");
    let nights = [root.join("n1"), root.join("n2"), root.join("n3")];
    for (night, part) in [
        (&nights[0], "0base"),
        (&nights[1], "1copy"),
        (&nights[2], "2host"),
        (&nights[2], "3neg"),
    ] {
        copy_tree(&corpus.join(part), &night.join(part));
    }
    nights
}
