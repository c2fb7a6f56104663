//! Build info for `newsclean -V`: the commit (`git describe`) and the
//! build date (SOURCE_DATE_EPOCH when set, else now). No network; outside
//! a git checkout (a tarball) both fall back cleanly.
//!
//! Also the word table of B-S9 (`src/normalize/layout/words.rs`): the
//! words and frequencies of `data/jieba-words.txt` as an `fst` map in
//! `OUT_DIR/words.fst` (embedded in the binary, read in place), and the
//! dictionary's total frequency in `OUT_DIR/words_total.rs`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    word_table(Path::new("data/jieba-words.txt"));
    // Only this project's own checkout: a tarball unpacked inside some
    // other repository must not report that repository's commit.
    let own = git(&["rev-parse", "--show-toplevel"])
        .zip(std::env::var_os("CARGO_MANIFEST_DIR"))
        .is_some_and(|(top, dir)| {
            let canon = |p: PathBuf| p.canonicalize().unwrap_or(p);
            canon(PathBuf::from(top)) == canon(PathBuf::from(dir))
        });
    let git = |args: &[&str]| if own { git(args) } else { None };
    let commit =
        git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown commit".into());
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        });
    println!("cargo:rustc-env=NEWSCLEAN_COMMIT={commit}");
    println!("cargo:rustc-env=NEWSCLEAN_BUILD_DATE={}", date(secs));
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");
    // Rerun when HEAD moves: HEAD itself (a branch switch) and the branch
    // it names (a commit). In a worktree .git is a file: git says where.
    if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
        println!("cargo:rerun-if-changed={head}");
    }
    if let Some(branch) =
        git(&["rev-parse", "--symbolic-full-name", "HEAD"]).filter(|r| r.starts_with("refs/"))
    {
        // A packed ref has no file of its own: watch packed-refs then
        // (a path that does not exist would rerun this every build).
        let loose = git(&["rev-parse", "--git-path", &branch]).map(PathBuf::from);
        let packed =
            git(&["rev-parse", "--git-common-dir"]).map(|d| PathBuf::from(d).join("packed-refs"));
        if let Some(p) = loose.into_iter().chain(packed).find(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}

/// Build the word table from `src` (`word frequency` lines, `#` comments).
fn word_table(src: &Path) {
    println!("cargo:rerun-if-changed={}", src.display());
    let text = std::fs::read_to_string(src)
        .unwrap_or_else(|e| panic!("{}: cannot read the word list: {e}", src.display()));
    let mut words: Vec<(&str, u64)> = Vec::with_capacity(350_000);
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split_ascii_whitespace();
        let (Some(word), Some(freq), None) = (cols.next(), cols.next(), cols.next()) else {
            panic!(
                "{}:{}: expected `word frequency`, got {line:?}",
                src.display(),
                i + 1
            );
        };
        let freq: u64 = freq.parse().unwrap_or_else(|e| {
            panic!(
                "{}:{}: frequency {freq:?} is not a whole number: {e}",
                src.display(),
                i + 1
            )
        });
        words.push((word, freq));
    }
    // jieba sums every word's frequency, so does this; a word listed twice
    // would be counted twice there but is one key here: refuse it.
    let total: u64 = words.iter().map(|&(_, f)| f).sum();
    words.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    if let Some(w) = words.windows(2).find(|w| w[0].0 == w[1].0) {
        panic!("{}: the word {:?} is listed twice", src.display(), w[0].0);
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let file = std::fs::File::create(out.join("words.fst")).expect("create OUT_DIR/words.fst");
    let mut map = fst::MapBuilder::new(BufWriter::new(file)).expect("start the word table");
    for (word, freq) in words {
        map.insert(word, freq)
            .expect("words are sorted and distinct");
    }
    map.into_inner()
        .and_then(|mut w| w.flush().map_err(fst::Error::from))
        .expect("write OUT_DIR/words.fst");
    std::fs::write(
        out.join("words_total.rs"),
        format!(
            "/// The sum of all word frequencies of the dictionary.\nconst TOTAL: u64 = {total};\n"
        ),
    )
    .expect("write OUT_DIR/words_total.rs");
}

/// The trimmed stdout of a successful git command.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// YYYY-MM-DD (UTC) from seconds since the epoch.
fn date(secs: u64) -> String {
    let t = i64::try_from(secs)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .unwrap_or(jiff::Timestamp::MAX);
    t.strftime("%Y-%m-%d").to_string()
}
