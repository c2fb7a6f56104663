//! Build info for `newsclean -V` (`build/version.rs`, shared with the
//! Python package's build script).
//!
//! Also the word table of B-S9 (`src/normalize/layout/words.rs`): the
//! words and frequencies of `data/jieba-words.txt` as an `fst` map in
//! `OUT_DIR/words.fst` (embedded in the binary, read in place), and the
//! dictionary's total frequency in `OUT_DIR/words_total.rs`.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

#[path = "build/version.rs"]
mod version;

fn main() {
    word_table(Path::new("data/jieba-words.txt"));
    version::emit(Path::new(env!("CARGO_MANIFEST_DIR")));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/version.rs");
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
