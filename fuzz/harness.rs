//! Fuzz harness on stable Rust: mutated real text through the decoder and
//! the whole cleaning core, with the tool's invariants checked per input.
//!
//! Shared by `fuzz/main.rs` (`scripts/fuzz [N]`, release build, 10⁶
//! inputs by default) and `tests/fuzz.rs` (a few seconds in the suite, and
//! the recorded regression inputs). No nightly and no cargo-fuzz: inputs
//! come from a seeded generator, so input `i` of seed `s` is the same on
//! every machine and a failure is replayed with `--seed s --only i`.
//!
//! An input is an excerpt of a file of `fixtures/corpus` (real news,
//! Chinese and English) with one to six mutations: byte flips, control
//! characters, combining marks (also after full-width letters), ZWJ / ZWNJ
//! / zero-width runs, NBSP and other spaces, ASCII and full-width
//! punctuation, cut UTF-8, GBK or Big5 bytes (a piece, or the whole
//! excerpt, sometimes cut), long lines, repeated blocks, line-ending soup,
//! emoji sequences. Each input is checked for:
//!
//! - no panic (decode, normalize, dedup, edit composition);
//! - no hang: the time of each input is measured against a bound (a slow
//!   input counts as a hang), and the driver's watchdog ends the process,
//!   saving the input, if one never returns;
//! - rebuild: the edits applied to the decoded text give the cleaned text,
//!   and inverted on the cleaned text give the decoded text back;
//! - idempotence: cleaning the cleaned text changes nothing, and the
//!   cleaned text, written as UTF-8, decodes to itself.
#![allow(dead_code, unreachable_pub)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::time::{Duration, Instant};

use newsclean::decode::{decode, Decoded};
use newsclean::edit::{apply, invert, Edit};
use newsclean::pipeline::{clean_edits, clean_str};
use newsclean::Config;

/// SplitMix64: small, fast, good enough to drive mutations.
pub struct Rng(u64);

impl Rng {
    /// The generator of input `index` of run `seed`.
    pub fn for_input(seed: u64, index: u64) -> Self {
        let mut r = Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// The texts mutated: every `*.txt` of `fixtures/corpus`.
pub fn seed_texts(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.join("fixtures/corpus")];
    let mut files = Vec::new();
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("fixtures/corpus") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "txt") {
                files.push(p);
            }
        }
    }
    files.sort();
    for f in files {
        out.push(std::fs::read_to_string(&f).expect("corpus text is UTF-8"));
    }
    out
}

/// The texts mutated when the driver is given `--corpus DIR` (repeated):
/// every file below each folder, decoded as the tool decodes it (binary
/// and undecodable files left out), cut at line ends into pieces of about
/// 16 KiB so a single large file (Reuters) is many seeds, and at most
/// `per_dir` pieces of each folder, taken evenly through it, so that no
/// corpus drowns the others. Sorted walk: the same seeds on every machine
/// for the same folders.
pub fn corpus_texts(dirs: &[std::path::PathBuf], per_dir: usize) -> Vec<String> {
    let mut out = Vec::new();
    for dir in dirs {
        let mut stack = vec![dir.clone()];
        let mut files = Vec::new();
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.is_file() {
                    files.push(p);
                }
            }
        }
        files.sort();
        let mut pieces = Vec::new();
        for f in files {
            let Ok(bytes) = std::fs::read(&f) else {
                continue;
            };
            let Decoded::Text { text, .. } = decode(&bytes) else {
                continue;
            };
            let mut rest = text.as_str();
            while !rest.is_empty() {
                let mut cut = boundary(rest.as_bytes(), 16 * 1024);
                if cut < rest.len() {
                    cut = rest[..cut].rfind('\n').map_or(cut, |k| k + 1);
                    if cut == 0 {
                        cut = boundary(rest.as_bytes(), 16 * 1024).max(1);
                    }
                }
                while !rest.is_char_boundary(cut) {
                    cut += 1;
                }
                pieces.push(rest[..cut].to_string());
                rest = &rest[cut..];
            }
        }
        let n = pieces.len();
        let keep = n.min(per_dir.max(1));
        out.extend(
            pieces
                .into_iter()
                .enumerate()
                .filter(|(k, _)| keep == n || (k * keep / n) != ((k + 1) * keep / n))
                .map(|(_, p)| p),
        );
    }
    out
}

/// Nearest char boundary at or before `i` in (mostly) UTF-8 bytes.
fn boundary(b: &[u8], mut i: usize) -> usize {
    i = i.min(b.len());
    while i > 0 && i < b.len() && (0x80..0xC0).contains(&b[i]) {
        i -= 1;
    }
    i
}

fn excerpt(rng: &mut Rng, seeds: &[String]) -> Vec<u8> {
    let t = rng.pick(seeds).as_bytes();
    let max = *rng.pick(&[64usize, 200, 600, 1500, 4000]);
    let start = boundary(t, rng.below(t.len().max(1)));
    let end = boundary(t, start + rng.below(max + 1));
    t[start..end.max(start)].to_vec()
}

const CONTROLS: &[&str] = &[
    "\0", "\0\0\0\0", "\x01", "\x07", "\x08", "\x1b", "\x1b[0m", "\x7f", "\u{80}", "\u{85}",
    "\u{9f}", "\x0b", "\x0c", "\r",
];
const COMBINING: &[&str] = &[
    "\u{300}",
    "\u{301}",
    "\u{308}",
    "\u{327}",
    "\u{20dd}",
    "\u{3099}",
    "\u{302}\u{323}",
    "Ａ\u{308}",
    "ｅ\u{301}",
    "Ｏ\u{302}\u{301}",
    "\u{ff21}\u{30a}",
];
const INVISIBLE: &[&str] = &[
    "\u{200d}", "\u{200c}", "\u{200b}", "\u{feff}", "\u{2060}", "\u{200e}", "\u{202e}", "\u{2066}",
    "\u{ad}", "\u{180e}",
];
const SPACES: &[&str] = &[
    " ",
    "  ",
    "\u{a0}",
    "\u{3000}",
    "\u{3000}\u{3000}",
    "\t",
    "\u{2002}",
    "\u{202f}",
    "\u{205f}",
    "\u{1680}",
];
const PUNCT: &[&str] = &[
    ",", ".", ";", ":", "!", "?", "(", ")", "\"", "'", "-", "/", "...", "--", "，", "。", "；",
    "：", "！", "？", "（", "）", "“", "”", "‘", "’", "「", "」", "《", "》", "、", "…", "——",
    "．", "｡", "､", "＃", "％", "＿",
];
const BREAKS: &[&str] = &[
    "\n",
    "\n\n",
    "\n\n\n",
    "\r\n",
    "\r",
    "\u{2028}",
    "\u{2029}",
    "\n\u{3000}\u{3000}",
    "\n    ",
    "\x0c",
];
const EMOJI: &[&str] = &[
    "👨\u{200d}👩\u{200d}👧",
    "❤\u{fe0f}",
    "🇨🇳",
    "👍🏽",
    "\u{1f3f3}\u{fe0f}\u{200d}\u{1f308}",
];
const WIDTH: &[&str] = &[
    "１６：３２",
    "３．１４",
    "ＲＣＥＰ",
    "１１８４．７亿元",
    "ＡＢＣ１２３",
];

fn insert_at_char(rng: &mut Rng, b: &mut Vec<u8>, s: &[u8]) {
    let at = boundary(b, rng.below(b.len() + 1));
    b.splice(at..at, s.iter().copied());
}

fn piece(rng: &mut Rng, set: &[&str], max_repeat: usize) -> Vec<u8> {
    let s = rng.pick(set).as_bytes();
    let n = 1 + rng.below(max_repeat);
    s.repeat(n)
}

/// Apply one random mutation.
fn mutate_once(rng: &mut Rng, b: &mut Vec<u8>, seeds: &[String]) {
    match rng.below(17) {
        0 if !b.is_empty() => {
            let i = rng.below(b.len());
            b[i] ^= 1 + rng.below(255) as u8;
        }
        1 => {
            let p = piece(rng, CONTROLS, 3);
            if rng.chance(30) {
                b.extend(std::iter::repeat_n(0u8, 1 + rng.below(400)));
            } else {
                insert_at_char(rng, b, &p);
            }
        }
        2 => {
            let p = piece(rng, COMBINING, 3);
            insert_at_char(rng, b, &p);
        }
        3 => {
            let p = piece(rng, INVISIBLE, 40);
            insert_at_char(rng, b, &p);
        }
        4 => {
            let p = piece(rng, SPACES, 4);
            insert_at_char(rng, b, &p);
        }
        5 => {
            let p = piece(rng, PUNCT, 3);
            insert_at_char(rng, b, &p);
        }
        6 if !b.is_empty() => {
            // Cut UTF-8: truncate anywhere, or drop one byte.
            let i = rng.below(b.len());
            if rng.chance(50) {
                b.truncate(i);
            } else {
                b.remove(i);
            }
        }
        7 => {
            // A piece of the text in GBK (two encodings mixed).
            let s = String::from_utf8_lossy(b).into_owned();
            let at = boundary(s.as_bytes(), rng.below(s.len() + 1));
            let end = boundary(s.as_bytes(), at + rng.below(200));
            let gbk = encoding_rs::GB18030
                .encode(&s[at..end.max(at)])
                .0
                .into_owned();
            let mut out = s.as_bytes()[..at].to_vec();
            out.extend(gbk);
            out.extend(&s.as_bytes()[end.max(at)..]);
            *b = out;
        }
        8 => {
            // The whole excerpt in GBK or Big5, sometimes cut or with a bad byte.
            let s = String::from_utf8_lossy(b).into_owned();
            let enc = if rng.chance(70) {
                encoding_rs::GB18030
            } else {
                encoding_rs::BIG5
            };
            *b = enc.encode(&s).0.into_owned();
            if !b.is_empty() && rng.chance(50) {
                if rng.chance(50) {
                    b.pop();
                } else {
                    let i = rng.below(b.len());
                    b[i] = 0xFF;
                }
            }
        }
        9 => {
            // A long line: newlines removed, or one line repeated.
            if rng.chance(50) {
                b.retain(|&x| x != b'\n');
            } else {
                let line: Vec<u8> = b.split(|&x| x == b'\n').next().unwrap_or(&[]).to_vec();
                let n = (20_000 / line.len().max(1)).clamp(1, 2000);
                for _ in 0..n {
                    b.extend(&line);
                }
            }
        }
        10 => {
            // A block repeated, as scrapes repeat paragraphs.
            let s = String::from_utf8_lossy(b).into_owned();
            let paras: Vec<&str> = s.split("\n\n").filter(|p| !p.trim().is_empty()).collect();
            if !paras.is_empty() {
                let p = rng.pick(&paras).to_string();
                let mut out = s.clone();
                for _ in 0..1 + rng.below(6) {
                    let sep: &str = rng.pick::<&str>(&["\n\n", "\n", "\r\n\r\n"]);
                    out.push_str(sep);
                    out.push_str(&p);
                }
                *b = out.into_bytes();
            }
        }
        11 => {
            let p = piece(rng, BREAKS, 3);
            insert_at_char(rng, b, &p);
        }
        12 => {
            let p = piece(rng, EMOJI, 2);
            insert_at_char(rng, b, &p);
        }
        13 => {
            let p = piece(rng, WIDTH, 1);
            insert_at_char(rng, b, &p);
        }
        14 => {
            // A random character from a random range.
            let ranges = [
                (0x20u32, 0x7F),
                (0xA0, 0x250),
                (0x370, 0x530),
                (0x2000, 0x2070),
                (0x3000, 0x3100),
                (0x4E00, 0x9FFF),
                (0xAC00, 0xD7A3),
                (0xE000, 0xE100),
                (0xF900, 0xFB00),
                (0xFE00, 0xFFFF),
                (0x1F300, 0x1FAFF),
                (0x20000, 0x2A6DF),
            ];
            let &(lo, hi) = rng.pick(&ranges);
            if let Some(c) = char::from_u32(lo + rng.below((hi - lo) as usize) as u32) {
                let mut buf = [0u8; 4];
                insert_at_char(rng, b, c.encode_utf8(&mut buf).as_bytes());
            }
        }
        15 if !b.is_empty() => {
            // Delete a range.
            let a = boundary(b, rng.below(b.len()));
            let e = boundary(b, a + rng.below(300));
            b.drain(a..e.max(a));
        }
        _ => {
            // Splice in another excerpt.
            let other = excerpt(rng, seeds);
            insert_at_char(rng, b, &other);
        }
    }
}

/// Input `index` of run `seed`.
pub fn input(seed: u64, index: u64, seeds: &[String]) -> Vec<u8> {
    let mut rng = Rng::for_input(seed, index);
    let mut b = excerpt(&mut rng, seeds);
    for _ in 0..1 + rng.below(6) {
        mutate_once(&mut rng, &mut b, seeds);
    }
    b
}

/// How an input failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    Panic(String),
    Hang(Duration),
    /// A second clean changed the text, also with `dedup.*` switched off.
    Idempotence {
        once: String,
        twice: String,
    },
    /// A second clean changed the text only with duplicate removal on: a
    /// removal made neighbours that the layout stage then joined into a
    /// new duplicate (decided once per run; see the report).
    DedupIdempotence {
        once: String,
        twice: String,
    },
    Rebuild(String),
}

impl Fault {
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Panic(_) => "panic",
            Fault::Hang(_) => "hang",
            Fault::Idempotence { .. } => "idempotence",
            Fault::DedupIdempotence { .. } => "dedup-idempotence",
            Fault::Rebuild(_) => "rebuild",
        }
    }
}

/// How an input was decoded (for the totals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Replaced,
    Binary,
    Undecodable,
}

/// Check one input (see the module doc). `bound` is the time it may take.
pub fn check(bytes: &[u8], cfg: &Config, bound: Duration) -> Result<Kind, Fault> {
    let start = Instant::now();
    let r = catch_unwind(AssertUnwindSafe(|| check_inner(bytes, cfg)));
    let took = start.elapsed();
    let r = match r {
        Ok(r) => r,
        Err(p) => Err(Fault::Panic(
            p.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into()),
        )),
    };
    if r.is_ok() && took > bound {
        return Err(Fault::Hang(took));
    }
    r
}

fn check_inner(bytes: &[u8], cfg: &Config) -> Result<Kind, Fault> {
    let (text, kind) = match decode(bytes) {
        Decoded::Text { text, replaced, .. } => {
            for r in &replaced {
                if text.get(r.at..r.at + 3) != Some("\u{FFFD}") {
                    return Err(Fault::Rebuild(format!(
                        "replacement at {} is not a U+FFFD of the text",
                        r.at
                    )));
                }
            }
            let k = if replaced.is_empty() {
                Kind::Text
            } else {
                Kind::Replaced
            };
            (text, k)
        }
        Decoded::Binary { .. } => return Ok(Kind::Binary),
        Decoded::Undecodable { .. } => return Ok(Kind::Undecodable),
    };
    let (cleaned, edits) = clean_edits(&text, cfg);
    rebuild(&text, &cleaned, &edits)?;
    let twice = clean_str(&cleaned, cfg);
    if twice != cleaned {
        let nd = no_dedup();
        let once_nd = clean_str(&text, nd);
        let twice_nd = clean_str(&once_nd, nd);
        if twice_nd != once_nd {
            return Err(Fault::Idempotence {
                once: once_nd,
                twice: twice_nd,
            });
        }
        return Err(Fault::DedupIdempotence {
            once: cleaned,
            twice,
        });
    }
    // The cleaned file, read back by a second run, is the same text.
    match decode(cleaned.as_bytes()) {
        Decoded::Text { text: t, .. } if t == cleaned => {}
        other => {
            return Err(Fault::Idempotence {
                once: cleaned,
                twice: format!("decoded again as {other:?}"),
            })
        }
    }
    Ok(kind)
}

/// The default config with `dedup.*` switched off.
pub fn no_dedup() -> &'static Config {
    static CFG: std::sync::OnceLock<Config> = std::sync::OnceLock::new();
    CFG.get_or_init(|| {
        let file = toml::from_str("[rules]\ndisable = [\"dedup.*\"]\n").expect("config");
        Config::from_file_config(file).expect("valid config")
    })
}

fn rebuild(original: &str, cleaned: &str, edits: &[Edit]) -> Result<(), Fault> {
    let mut pos = 0;
    for e in edits {
        if e.start < pos
            || e.end < e.start
            || e.end > original.len()
            || !original.is_char_boundary(e.start)
            || !original.is_char_boundary(e.end)
        {
            return Err(Fault::Rebuild(format!(
                "edit {}..{} ({}) out of order or off a char boundary",
                e.start, e.end, e.rule
            )));
        }
        pos = e.end;
    }
    let real: Vec<Edit> = edits.iter().filter(|e| !e.is_flag()).cloned().collect();
    let applied = apply(original, &real);
    if applied != cleaned {
        return Err(Fault::Rebuild("original + edits != cleaned".into()));
    }
    let tuples: Vec<(usize, usize, &str, &str)> = real
        .iter()
        .map(|e| {
            (
                e.start,
                e.end,
                &original[e.start..e.end],
                e.replacement.as_str(),
            )
        })
        .collect();
    let back = catch_unwind(AssertUnwindSafe(|| invert(cleaned, &tuples)))
        .map_err(|_| Fault::Rebuild("invert panicked".into()))?;
    if back != original {
        return Err(Fault::Rebuild("invert(cleaned, edits) != original".into()));
    }
    Ok(())
}

/// Where two texts first differ, with some context of each.
pub fn difference(once: &str, twice: &str) -> String {
    let at = once
        .char_indices()
        .zip(twice.chars())
        .find(|&((_, a), b)| a != b)
        .map(|((i, _), _)| i)
        .unwrap_or(once.len().min(twice.len()));
    let ctx = |s: &str| -> String {
        let from = s[..at.min(s.len())]
            .char_indices()
            .rev()
            .nth(30)
            .map_or(0, |(i, _)| i);
        s[from..].chars().take(90).collect()
    };
    format!(
        "first difference at byte {at}:\n  once  {:?}\n  twice {:?}",
        ctx(once),
        ctx(twice)
    )
}

/// Totals of a run.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    pub inputs: u64,
    pub bytes: u64,
    pub text: u64,
    pub replaced: u64,
    pub binary: u64,
    pub undecodable: u64,
    pub panics: u64,
    pub hangs: u64,
    pub idempotence: u64,
    pub dedup_idempotence: u64,
    pub rebuild: u64,
    pub slowest: Duration,
}

impl Totals {
    pub fn add(&mut self, bytes: usize, r: &Result<Kind, Fault>, took: Duration) {
        self.inputs += 1;
        self.bytes += bytes as u64;
        self.slowest = self.slowest.max(took);
        match r {
            Ok(Kind::Text) => self.text += 1,
            Ok(Kind::Replaced) => self.replaced += 1,
            Ok(Kind::Binary) => self.binary += 1,
            Ok(Kind::Undecodable) => self.undecodable += 1,
            Err(Fault::Panic(_)) => self.panics += 1,
            Err(Fault::Hang(_)) => self.hangs += 1,
            Err(Fault::Idempotence { .. }) => self.idempotence += 1,
            Err(Fault::DedupIdempotence { .. }) => self.dedup_idempotence += 1,
            Err(Fault::Rebuild(_)) => self.rebuild += 1,
        }
    }

    pub fn merge(&mut self, o: &Totals) {
        self.inputs += o.inputs;
        self.bytes += o.bytes;
        self.text += o.text;
        self.replaced += o.replaced;
        self.binary += o.binary;
        self.undecodable += o.undecodable;
        self.panics += o.panics;
        self.hangs += o.hangs;
        self.idempotence += o.idempotence;
        self.dedup_idempotence += o.dedup_idempotence;
        self.rebuild += o.rebuild;
        self.slowest = self.slowest.max(o.slowest);
    }

    pub fn faults(&self) -> u64 {
        self.panics + self.hangs + self.idempotence + self.dedup_idempotence + self.rebuild
    }

    pub fn line(&self) -> String {
        format!(
            "inputs {} ({:.1} MB; text {}, with replacements {}, binary {}, undecodable {}): \
             panics {}, hangs {}, idempotence failures {} (+{} only after duplicate removal), \
             rebuild failures {}; slowest input {} ms",
            self.inputs,
            self.bytes as f64 / 1e6,
            self.text,
            self.replaced,
            self.binary,
            self.undecodable,
            self.panics,
            self.hangs,
            self.idempotence,
            self.dedup_idempotence,
            self.rebuild,
            self.slowest.as_millis()
        )
    }
}
