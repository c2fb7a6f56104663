//! Blocks (paragraphs and lines) of a cleaned text, with fingerprint keys.
//!
//! A paragraph is a run of non-blank lines between blank lines. A file that
//! has no blank line between its lines uses one paragraph per line (common
//! in Chinese dumps, and what reflowed English becomes); there each line is
//! a paragraph. Lines inside multi-line paragraphs are also blocks, for
//! line-level duplicates.
//!
//! Keys are computed on the *cleaned* text, so a second run over the output
//! sees the same keys (idempotence). Key = NFKC + case-fold, dropping every
//! character that is not alphanumeric (whitespace and punctuation of both
//! widths), digits kept; where two digits had anything dropped between them
//! a placeholder stays ([`DIGIT_GAP`]), so `11-38` and `1-138`, `3.15` and
//! `31.5` never share a key; then xxh3-128, of which 96 bits are kept (`index::Key`). ASCII and the common CJK block
//! take a fast path that needs no normalization (tested against the
//! character-by-character definition).

use unicode_normalization::char::decompose_compatible;
use xxhash_rust::xxh3::xxh3_128;

use crate::dateline::is_furniture;
use crate::index::Key as BlockKey;

/// What kind of block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    /// A whole paragraph.
    Paragraph,
    /// One line inside a multi-line paragraph.
    Line,
}

/// A block of the cleaned text.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Block {
    /// Paragraph or line.
    pub kind: BlockKind,
    /// Byte range in the cleaned text (without the final newline).
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// Index of the paragraph this block belongs to (itself for paragraphs).
    pub para: usize,
    /// Fingerprint (xxh3-128 of the key, 96 bits kept).
    pub key: BlockKey,
    /// Characters in the key.
    pub key_chars: u32,
    /// For lines: does it read as a sentence (ends with terminal punctuation,
    /// or is long)? Headline-like lines are never removed on their own.
    pub sentence_like: bool,
    /// A dateline, byline or credit (or a paragraph made only of them):
    /// these recur legitimately and are never removed.
    pub furniture: bool,
}

/// Byte spans `(start, end)` of the lines of `text`, without their `\n`.
/// A final line without a newline is included; a final newline adds no
/// empty line.
pub fn line_spans(text: &str) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut s = 0;
    for_each_newline(text.as_bytes(), |i| {
        lines.push((s, i));
        s = i + 1;
    });
    if s < text.len() {
        lines.push((s, text.len()));
    }
    lines
}

/// Whether some byte of the word `w` is zero (the classic bit trick: exact
/// for "some", not for "which").
pub(crate) fn has_zero_byte(w: u64) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    w.wrapping_sub(LO) & !w & HI != 0
}

/// Call `f` with the offset of every `\n` in `b`, in order. One pass, eight
/// bytes at a time (a word with no `\n` costs a few instructions), with no
/// per-line call: searching line by line (`str::find`, `split('\n')`) paid a
/// setup per line, and half the lines of a news text are blank.
pub fn for_each_newline(b: &[u8], mut f: impl FnMut(usize)) {
    const NL: u64 = 0x0A0A_0A0A_0A0A_0A0A;
    let mut chunks = b.chunks_exact(8);
    let mut base = 0;
    for c in &mut chunks {
        // After the XOR, a zero byte is a `\n` in `c`.
        if has_zero_byte(u64::from_le_bytes(c.try_into().expect("eight bytes")) ^ NL) {
            for (k, &x) in c.iter().enumerate() {
                if x == b'\n' {
                    f(base + k);
                }
            }
        }
        base += 8;
    }
    for (k, &x) in chunks.remainder().iter().enumerate() {
        if x == b'\n' {
            f(base + k);
        }
    }
}

/// The lines of `text` split at `\n` (like `text.split('\n')`, a final
/// empty line included), each with its byte offset.
pub fn split_lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let mut s = 0;
    for_each_newline(text.as_bytes(), |i| {
        lines.push((s, &text[s..i]));
        s = i + 1;
    });
    lines.push((s, &text[s..]));
    lines
}

/// Split cleaned text into paragraph blocks (and line blocks of multi-line
/// paragraphs), in text order: a paragraph, then its lines.
pub fn blocks(text: &str) -> Vec<Block> {
    blocks_in(text, None)
}

/// Does `text` have a blank line (empty or only whitespace)? A text
/// without one uses one paragraph per line.
pub fn has_blank_line(text: &str) -> bool {
    let mut s = 0;
    let mut found = false;
    for_each_newline(text.as_bytes(), |i| {
        found = found || text[s..i].trim().is_empty();
        s = i + 1;
    });
    found || (s < text.len() && text[s..].trim().is_empty())
}

/// [`blocks`] with the paragraph convention given (`per_line`: each line
/// is a paragraph) instead of read from `text`: a piece of a file is
/// segmented with the convention of the whole file (see `window.rs`).
pub fn blocks_with(text: &str, per_line: bool) -> Vec<Block> {
    blocks_in(text, Some(per_line))
}

fn blocks_in(text: &str, per_line: Option<bool>) -> Vec<Block> {
    let lines = line_spans(text);
    let is_blank = |l: &(usize, usize)| text[l.0..l.1].trim().is_empty();
    let per_line = per_line.unwrap_or_else(|| !lines.iter().any(is_blank));
    let mut out = Vec::new();
    let mut buf = String::new();
    let mut i = 0;
    while i < lines.len() {
        if is_blank(&lines[i]) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        if !per_line {
            while j < lines.len() && !is_blank(&lines[j]) {
                j += 1;
            }
        }
        let (ps, pe) = (lines[i].0, lines[j - 1].1);
        let para = out.len();
        let (key, key_chars) = fingerprint(&text[ps..pe], &mut buf);
        let furniture = lines[i..j]
            .iter()
            .all(|&(ls, le)| is_furniture(&text[ls..le]));
        out.push(Block {
            kind: BlockKind::Paragraph,
            start: ps,
            end: pe,
            para,
            key,
            key_chars,
            // A paragraph none of whose lines reads as a sentence is a
            // headline, a label or a headline block: never removed.
            sentence_like: lines[i..j]
                .iter()
                .any(|&(ls, le)| sentence_like(&text[ls..le])),
            furniture,
        });
        if j - i > 1 {
            for &(ls, le) in &lines[i..j] {
                let (key, key_chars) = fingerprint(&text[ls..le], &mut buf);
                out.push(Block {
                    kind: BlockKind::Line,
                    start: ls,
                    end: le,
                    para,
                    key,
                    key_chars,
                    sentence_like: sentence_like(&text[ls..le]),
                    furniture: is_furniture(&text[ls..le]),
                });
            }
        }
        i = j;
    }
    out
}

/// Does a line read as a sentence (terminal punctuation, or ≥ 40 chars)?
pub(crate) fn sentence_like(line: &str) -> bool {
    ends_sentence(line) || trim_closers(line).chars().nth(39).is_some()
}

/// `line` without the closing quotes and brackets at its end.
fn trim_closers(line: &str) -> &str {
    line.trim_end_matches(['”', '’', '」', '』', '）', ')', '"', '\''])
}

/// Does `line` end with a sentence's last mark (`。！？…` and their ASCII
/// forms, `；`), closing quotes and brackets after it allowed?
pub(crate) fn ends_sentence(line: &str) -> bool {
    trim_closers(line).ends_with(['。', '！', '？', '…', '.', '!', '?', '；', ';'])
}

/// Fingerprint of a block: (96 bits of the xxh3-128 of the key, key
/// length in characters).
/// `buf` is a scratch buffer reused between calls.
///
/// The key is the stream of `key_chars` of the text, except that where a
/// digit and the next digit had dropped characters between them (`11-38`,
/// `3.15`, `10:30`, `1 000`), one [`DIGIT_GAP`] stands for the gap: without
/// it `编号11-38` and `编号1-138` would have the same key. Only the gap between
/// two digits is marked, so `央视网消息（新闻联播）` and `央视网消息(新闻联播)`
/// still share a key; full-width digits are the same digits after NFKC.
pub fn fingerprint(text: &str, buf: &mut String) -> (BlockKey, u32) {
    buf.clear();
    let mut k = KeyBuilder {
        buf,
        n: 0,
        last_digit: false,
        gap: false,
    };
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            if x.is_ascii_alphanumeric() {
                k.keep(x.to_ascii_lowercase() as char);
            } else {
                k.drop();
            }
            i += 1;
        } else if uro_at(b, i) {
            // U+4E00..=U+9FFF (E4 B8 80 ..= E9 BF BF): copied as it is, a
            // whole run at a time (no digit among them).
            let run = i;
            while i < b.len() && uro_at(b, i) {
                k.n += 1;
                i += 3;
            }
            k.buf.push_str(&text[run..i]);
            k.last_digit = false;
            k.gap = false;
        } else {
            let c = text[i..].chars().next().expect("char boundary");
            key_events(c, |e| match e {
                Some(c) => k.keep(c),
                None => k.drop(),
            });
            i += c.len_utf8();
        }
    }
    (key_of(k.buf.as_bytes()), k.n)
}

/// The [`BlockKey`] of a key text: xxh3-128, its low 64 bits the hash and 32
/// of its high bits the check (independent bits of one well-mixed hash).
pub(crate) fn key_of(key_text: &[u8]) -> BlockKey {
    let h = xxh3_128(key_text);
    BlockKey {
        hash: h as u64,
        check: (h >> 64) as u32,
    }
}

/// What stands in the key for dropped characters between two digits: not
/// alphanumeric, so no key character can be confused with it.
pub const DIGIT_GAP: char = '_';

/// The key under construction: kept characters, and whether a digit gap
/// is open (the last kept character is a digit and something was dropped
/// since).
struct KeyBuilder<'a> {
    buf: &'a mut String,
    n: u32,
    last_digit: bool,
    gap: bool,
}

impl KeyBuilder<'_> {
    #[inline]
    fn keep(&mut self, c: char) {
        let digit = c.is_numeric();
        if digit && self.gap {
            self.buf.push(DIGIT_GAP);
        }
        self.buf.push(c);
        self.n += 1;
        self.last_digit = digit;
        self.gap = false;
    }

    #[inline]
    fn drop(&mut self) {
        self.gap = self.last_digit;
    }
}

/// Does a character of U+4E00..=U+9FFF start at byte `i` (a lead byte of
/// valid UTF-8)?
#[inline]
pub(crate) fn uro_at(b: &[u8], i: usize) -> bool {
    let x = b[i];
    (0xE5..=0xE9).contains(&x) || (x == 0xE4 && b[i + 1] >= 0xB8)
}

/// The key events of one character: NFKC decomposition, lowercased; each
/// alphanumeric is kept (`Some`), anything else dropped (`None`).
fn key_chars(c: char, mut push: impl FnMut(Option<char>)) {
    decompose_compatible(c, |d| {
        for l in d.to_lowercase() {
            push(l.is_alphanumeric().then_some(l));
        }
    });
}

/// Precomputed [`key_chars`] of one character: at most two kept
/// characters, and where characters were dropped (before the first kept
/// one, between the two, after the last; for a character that keeps
/// nothing, `drop_before` says whether it dropped anything).
#[derive(Clone, Copy)]
struct Key {
    chars: [char; 2],
    len: u8,
    drop_before: bool,
    drop_between: bool,
    drop_after: bool,
}

impl Key {
    /// The events of [`key_chars`], a run of drops as one.
    #[inline]
    fn events(&self, mut push: impl FnMut(Option<char>)) {
        if self.drop_before {
            push(None);
        }
        if self.len > 0 {
            push(Some(self.chars[0]));
        }
        if self.len > 1 {
            if self.drop_between {
                push(None);
            }
            push(Some(self.chars[1]));
        }
        if self.drop_after {
            push(None);
        }
    }
}

/// The key events of one character ([`key_chars`]), through the
/// precomputed table for the frequent blocks: what the fingerprint key and
/// the near-duplicate shingles (`near::shingle`) both read.
#[inline]
pub(crate) fn key_events(c: char, push: impl FnMut(Option<char>)) {
    match common_key(c) {
        Some(t) => t.events(push),
        None => key_chars(c, push),
    }
}

/// The blocks whose characters are frequent in Chinese news besides Han:
/// general punctuation (U+2000–206F), CJK symbols and punctuation
/// (U+3000–303F) and half-/full-width forms (U+FF00–FFEF). Their keys are
/// computed once by [`key_chars`] itself, so the table cannot disagree
/// with the slow path.
const TABLE_RANGES: [(u32, u32); 3] = [(0x2000, 0x2070), (0x3000, 0x3040), (0xFF00, 0xFFF0)];

fn common_key(c: char) -> Option<Key> {
    static TABLE: std::sync::OnceLock<Vec<Option<Key>>> = std::sync::OnceLock::new();
    let u = c as u32;
    let mut base = 0usize;
    let mut slot = None;
    for (lo, hi) in TABLE_RANGES {
        if (lo..hi).contains(&u) {
            slot = Some(base + (u - lo) as usize);
            break;
        }
        base += (hi - lo) as usize;
    }
    let slot = slot?;
    let table = TABLE.get_or_init(|| {
        TABLE_RANGES
            .iter()
            .flat_map(|&(lo, hi)| lo..hi)
            .map(|u| {
                let c = char::from_u32(u)?;
                let mut k = Key {
                    chars: ['\0'; 2],
                    len: 0,
                    drop_before: false,
                    drop_between: false,
                    drop_after: false,
                };
                let mut fits = true;
                key_chars(c, |e| match e {
                    Some(x) if (k.len as usize) < k.chars.len() => {
                        if k.drop_after {
                            if k.len == 0 {
                                k.drop_before = true;
                            } else {
                                k.drop_between = true;
                            }
                            k.drop_after = false;
                        }
                        k.chars[k.len as usize] = x;
                        k.len += 1;
                    }
                    Some(_) => fits = false,
                    None => k.drop_after = true,
                });
                if k.len == 0 && k.drop_after {
                    k.drop_before = true;
                    k.drop_after = false;
                }
                fits.then_some(k)
            })
            .collect()
    });
    table[slot]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newline_scan_matches_split() {
        for t in [
            "",
            "\n",
            "a",
            "a\n",
            "\n\n\n",
            "一二三四五六七八\n\n九十\n",
            "0123456\n89abcdef\n0123456789abcdef\n\n",
            "x\u{0A}\u{8A}\u{0A}",
        ] {
            let want: Vec<(usize, &str)> = {
                let mut at = 0;
                t.split('\n')
                    .map(|l| {
                        let r = (at, l);
                        at += l.len() + 1;
                        r
                    })
                    .collect()
            };
            assert_eq!(split_lines(t), want, "{t:?}");
            let mut nl = Vec::new();
            for_each_newline(t.as_bytes(), |i| nl.push(i));
            let want_nl: Vec<usize> = t.match_indices('\n').map(|(i, _)| i).collect();
            assert_eq!(nl, want_nl, "{t:?}");
        }
    }

    fn key(s: &str) -> BlockKey {
        fingerprint(s, &mut String::new()).0
    }

    /// The key by the definition, one character at a time through
    /// [`key_chars`] (no byte fast path, no table): the kept characters,
    /// with [`DIGIT_GAP`] between two digits that had something dropped
    /// between them.
    fn slow_key(s: &str) -> (String, u32) {
        let mut kept: Vec<(char, bool)> = Vec::new();
        let mut dropped = false;
        for c in s.chars() {
            key_chars(c, |e| match e {
                Some(k) => {
                    kept.push((k, dropped));
                    dropped = false;
                }
                None => dropped = true,
            });
        }
        let mut out = String::new();
        for (i, &(c, gap)) in kept.iter().enumerate() {
            if gap && i > 0 && kept[i - 1].0.is_numeric() && c.is_numeric() {
                out.push(DIGIT_GAP);
            }
            out.push(c);
        }
        (out, kept.len() as u32)
    }

    fn assert_fast_equals_slow(s: &str) {
        let mut buf = String::new();
        let (h, n) = fingerprint(s, &mut buf);
        let (slow, m) = slow_key(s);
        assert_eq!(buf, slow, "{s:?}");
        assert_eq!((h, n), (key_of(slow.as_bytes()), m), "{s:?}");
    }

    #[test]
    fn key_ignores_width_and_punctuation_but_keeps_digits() {
        assert_eq!(key("央视网消息（新闻联播）"), key("央视网消息(新闻联播)"));
        assert_eq!(key("ＲＣＥＰ 贸易"), key("rcep贸易"));
        assert_ne!(key("增长36.4%"), key("增长36.5%"));
    }

    #[test]
    fn numbers_separated_by_punctuation_never_run_together() {
        // Each pair had one key when the gap between digit runs was dropped.
        for (a, b) in [
            (
                "本次抽检的样品编号11-38均为合格产品。",
                "本次抽检的样品编号1-138均为合格产品。",
            ),
            (
                "今年3.15晚会曝光了多家企业。",
                "今年31.5晚会曝光了多家企业。",
            ),
            ("会议定于10:30在北京举行。", "会议定于1:030在北京举行。"),
            ("全年增长1 000万吨。", "全年增长10 00万吨。"),
        ] {
            assert_ne!(key(a), key(b), "{a} / {b}");
        }
        // The same numbers in other punctuation, width or spacing are one key.
        let k = key("本次抽检的样品编号11-38均为合格产品。");
        for same in [
            "本次抽检的样品编号１１－３８均为合格产品。",
            "本次抽检的样品编号11—38均为合格产品",
            "本次抽检的样品编号11 - 38，均为合格产品。",
            "本次抽检的样品编号 11-38 均为合格产品。",
        ] {
            assert_eq!(key(same), k, "{same}");
        }
        assert_eq!(
            key("会议定于10:30在北京举行。"),
            key("会议定于１０：３０在北京举行。")
        );
        assert_eq!(key("今年3.15晚会"), key("今年３．１５晚会"));
        // Letters and Han around digits need no gap: only digit|digit.
        assert_eq!(key("G20峰会"), key("G-20 峰会"));
        assert_eq!(
            key("央视网消息（新闻联播）：10月1日"),
            key("央视网消息(新闻联播):10月1日")
        );
        // The gap marks a place, it is no key character (dedup.min_chars).
        assert_eq!(fingerprint("11-38", &mut String::new()).1, 4);
    }

    #[test]
    fn byte_fast_path_matches_char_by_char_key() {
        for s in [
            "央视网消息（新闻联播）：ABC abc 123 ＡＢＣ ﹐ 㐀䷀一鿿\u{fa0e}ｶﾞ é e\u{301} Ⅻ ①",
            "编号11-38，３．１５ 10:30 1\u{3000}2 ½ 1½2 ⑴2 ⒈2 1‥2 ١٢-٣ 12一34 1\u{200b}2",
            "",
            "-",
            "1",
            "1-",
            "-1-2-",
        ] {
            assert_fast_equals_slow(s);
        }
        // Real text: every fixture file, whole and line by line.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus");
        let mut seen = 0;
        for e in walkdir::WalkDir::new(dir) {
            let e = e.unwrap();
            if let Ok(t) = std::fs::read_to_string(e.path()) {
                assert_fast_equals_slow(&t);
                for l in t.lines() {
                    assert_fast_equals_slow(l);
                }
                seen += 1;
            }
        }
        assert!(seen > 5, "fixture corpus not found in {dir}");
    }

    #[test]
    fn key_table_agrees_with_the_slow_path() {
        for (lo, hi) in TABLE_RANGES {
            for c in (lo..hi).filter_map(char::from_u32) {
                // Alone and between digits, letters and Han: the table
                // must mark drops where the slow path has them.
                for s in [
                    c.to_string(),
                    format!("1{c}2"),
                    format!("1{c}"),
                    format!("{c}2"),
                    format!("a{c}b"),
                    format!("中{c}1"),
                ] {
                    assert_fast_equals_slow(&s);
                }
            }
        }
    }

    #[test]
    fn per_line_convention() {
        let b = blocks("第一段。\n第二段。\n");
        assert_eq!(b.len(), 2);
        assert!(b.iter().all(|b| b.kind == BlockKind::Paragraph));
    }

    #[test]
    fn blank_line_convention_with_lines() {
        let b = blocks("标题\n正文第一段。\n\n第二段。");
        assert_eq!(
            b.iter().filter(|b| b.kind == BlockKind::Paragraph).count(),
            2
        );
        assert_eq!(b.iter().filter(|b| b.kind == BlockKind::Line).count(), 2);
        assert!(!b[1].sentence_like);
        assert!(b[2].sentence_like);
    }
}
