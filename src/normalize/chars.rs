//! Stage 1: character-level repairs that need no context beyond a neighbour.
//!
//! - D-1 line endings: CRLF, CR, VT, FF, NEL and U+2028 become `\n`,
//!   U+2029 becomes a blank line;
//! - U-3 NFC (never NFKC), which also maps CJK compatibility ideographs;
//! - control characters: NUL and the other C0 controls but TAB and the
//!   line breaks, DEL and the C1 controls but NEL are deleted
//!   (`whitespace.control`, wherever they are: NUL padding at the end of
//!   a scraped article, a stray ESC or BEL inside it);
//! - D-4 zero-width, bidi and other invisible characters are deleted
//!   (ZWJ/ZWNJ only next to Han or ASCII, so emoji sequences survive;
//!   a soft hyphen at a line end is left for de-hyphenation);
//! - D-3 space-like characters (NBSP, U+2000–200A, …) become U+0020;
//! - A-W1…A-W4 width: full-width ASCII letters, digits and symbols become
//!   ASCII; half-width CJK marks become their full forms.
//!
//! U+3000 and TAB are left alone: the layout stage reads indentation and
//! tables, and the whitespace stage tidies them afterwards. The scan is one
//! pass over the text with a fast path for the common characters.

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

use super::han::is_han;
use crate::config::Config;
use crate::edit::{push_merged, Edit};

// The ids and descriptions of this module's rules: the rule catalog
// (`src/rules/catalog.rs`).
pub use crate::rules::catalog::chars::RULES;

/// Stage 1 edits of `text`.
pub fn edits(text: &str, _cfg: &Config) -> Vec<Edit> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    // Byte loop: printable ASCII and U+4E00..=U+9FFF (lead E4 with second
    // byte ≥ B8, or E5..E9) are passed over without decoding; any other
    // character is decoded, with its neighbours read from the text.
    let mut i = 0;
    while i < bytes.len() {
        let x = bytes[i];
        if x < 0x80 {
            match x {
                b'\r' => {
                    let end = if bytes.get(i + 1) == Some(&b'\n') {
                        i + 2
                    } else {
                        i + 1
                    };
                    push_merged(&mut out, Edit::new(i, end, "\n", "whitespace.line-ending"));
                    i = end;
                    continue;
                }
                0x0B | 0x0C => {
                    push_merged(
                        &mut out,
                        Edit::new(i, i + 1, "\n", "whitespace.line-ending"),
                    );
                }
                0x00..=0x08 | 0x0E..=0x1F | 0x7F => {
                    push_merged(&mut out, Edit::new(i, i + 1, "", "whitespace.control"));
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        if crate::segment::uro_at(bytes, i) {
            i += 3;
            continue;
        }
        let c = text[i..].chars().next().expect("char boundary");
        let len = c.len_utf8();
        let next = text[i + len..].chars().next();
        let repl: Option<(&str, &'static str)> = match c {
            '\u{85}' | '\u{2028}' => Some(("\n", "whitespace.line-ending")),
            '\u{80}'..='\u{84}' | '\u{86}'..='\u{9F}' => Some(("", "whitespace.control")),
            '\u{2029}' => Some(("\n\n", "whitespace.line-ending")),
            '\u{200B}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{2061}'..='\u{2064}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{180E}' => Some(("", "whitespace.zero-width")),
            '\u{AD}' => {
                // A soft hyphen at a line end, after a letter, is a
                // hyphenation point (C-H1). After a space or another soft
                // hyphen it is not: a join would leave it inside a line
                // for the next run to delete.
                let after_letter = text[..i]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphabetic);
                if after_letter && matches!(next, Some('\n') | Some('\r') | None) {
                    None
                } else {
                    Some(("", "whitespace.zero-width"))
                }
            }
            '\u{200C}' | '\u{200D}' => {
                if keeps_joiner(text, i, len) {
                    None
                } else {
                    Some(("", "whitespace.zero-width"))
                }
            }
            '\u{A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{1680}' => {
                Some((" ", "whitespace.space-like"))
            }
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                push_merged(
                    &mut out,
                    Edit::new(i, i + len, ascii_of(c).to_string(), "punct.width"),
                );
                i += len;
                continue;
            }
            // A-W2: ＃＄％＆＊＋－／＜＝＞＠＼＾｀｜ (＿ U+FF3F is kept: proper-noun mark).
            '\u{FF03}' | '\u{FF04}' | '\u{FF05}' | '\u{FF06}' | '\u{FF0A}' | '\u{FF0B}'
            | '\u{FF0D}' | '\u{FF0F}' | '\u{FF1C}' | '\u{FF1D}' | '\u{FF1E}' | '\u{FF20}'
            | '\u{FF3C}' | '\u{FF3E}' | '\u{FF40}' | '\u{FF5C}' => {
                push_merged(
                    &mut out,
                    Edit::new(i, i + len, ascii_of(c).to_string(), "punct.width"),
                );
                i += len;
                continue;
            }
            '\u{FF61}' => Some(("。", "punct.width")),
            '\u{FF62}' => Some(("「", "punct.width")),
            '\u{FF63}' => Some(("」", "punct.width")),
            '\u{FF64}' => Some(("、", "punct.width")),
            // A-W4: ：and ． between digits (of either width) are time/decimal marks.
            // Neighbours as they will be: characters deleted here skipped
            // (a joiner next to a digit or a full-width mark is deleted).
            '\u{FF1A}' | '\u{FF0E}'
                if is_digit_any(text[..i].chars().rev().find(|&c| !vanishes_near_digit(c)))
                    && is_digit_any(text[i + len..].chars().find(|&c| !vanishes_near_digit(c))) =>
            {
                Some((if c == '\u{FF1A}' { ":" } else { "." }, "punct.width"))
            }
            _ => None,
        };
        if let Some((r, rule)) = repl {
            push_merged(&mut out, Edit::new(i, i + len, r, rule));
        }
        i += len;
    }
    out
}

/// Is the ZWJ/ZWNJ at `i` one that joins (an emoji ZWJ sequence, Indic or
/// Persian letters)? It must be the first of its run of joiners, and the
/// nearest characters on both sides that stay in the text (skipping
/// characters this stage deletes) must be joinable: not ASCII, Han, space,
/// punctuation or full-width forms. Deciding on what stays, not on the
/// raw neighbours, keeps a second run from finding more to delete (a ZWJ
/// after a deleted ZWSP or after another ZWJ used to be kept, then deleted
/// on the next run).
fn keeps_joiner(text: &str, i: usize, len: usize) -> bool {
    let is_joiner = |c: char| matches!(c, '\u{200C}' | '\u{200D}');
    let mut before = text[..i].chars().rev().filter(|&c| !vanishes(c));
    if before.clone().next().is_some_and(is_joiner) {
        return false;
    }
    let prev = before.next();
    let next = text[i + len..]
        .chars()
        .find(|&c| !vanishes(c) && !is_joiner(c));
    prev.is_some_and(joinable) && next.is_some_and(joinable)
}

/// Characters this stage always deletes (controls, zero-width and bidi
/// characters, a soft hyphen inside a line).
fn vanishes(c: char) -> bool {
    matches!(c,
        '\0'..='\u{08}' | '\u{0E}'..='\u{1F}' | '\u{7F}'..='\u{84}' | '\u{86}'..='\u{9F}'
        | '\u{AD}' | '\u{200B}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{200E}'
        | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{180E}')
}

fn vanishes_near_digit(c: char) -> bool {
    vanishes(c) || matches!(c, '\u{200C}' | '\u{200D}')
}

/// Can a joiner stand next to `c`: not ASCII, Han, a space, punctuation or
/// a full-width form (what the other rules map into each other).
fn joinable(c: char) -> bool {
    !(c.is_ascii()
        || is_han(c)
        || c.is_whitespace()
        || matches!(c as u32,
            0xA0..=0xBF
            | 0x2000..=0x206F
            | 0x2E00..=0x2E7F
            | 0x3000..=0x303F
            | 0xFE10..=0xFE1F
            | 0xFE30..=0xFE6F
            | 0xFF00..=0xFFEF))
}

fn ascii_of(c: char) -> char {
    char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
}

fn is_digit_any(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit() || ('\u{FF10}'..='\u{FF19}').contains(&c))
}

/// Stage 0: NFC (U-3), one edit per changed run, found per line. A stage of
/// its own so that the character rules below see composed text.
pub fn nfc(text: &str, _cfg: &Config) -> Vec<Edit> {
    let mut out = Vec::new();
    if nfc_quick_yes(text) {
        return out;
    }
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if !nfc_quick_yes(line) {
            let nfc: String = line.nfc().collect();
            if nfc != line {
                // Trim the common prefix and suffix (on char boundaries).
                let pre = common_prefix(line, &nfc);
                let suf = common_suffix(&line[pre..], &nfc[pre..]);
                out.push(Edit::new(
                    start + pre,
                    start + line.len() - suf,
                    &nfc[pre..nfc.len() - suf],
                    "punct.nfc",
                ));
            }
        }
        start += line.len();
    }
    out
}

/// Is `s` certainly NFC? The NFC quick check of `unicode_normalization`,
/// with the characters that dominate Chinese news skipped first: ASCII, CJK
/// Unified Ideographs, CJK and general punctuation and full-width forms are
/// all starters (combining class 0) with NFC_QC=Yes (a unit test checks
/// every one), so dropping them can only turn a "yes" into "maybe" (two
/// combining marks brought together), never a "no" or "maybe" into "yes";
/// a "maybe" is settled by the full normalization, which finds no change.
fn nfc_quick_yes(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = skip_nfc_safe(b, 0);
    if i == b.len() {
        return true;
    }
    // The characters that are not [`nfc_safe`], found by the byte scan
    // (decoding only them: one unusual character no longer sends the
    // whole text through `chars()`).
    let rest = std::iter::from_fn(|| {
        let c = s[i..].chars().next()?;
        i = skip_nfc_safe(b, i + c.len_utf8());
        Some(c)
    });
    is_nfc_quick(rest) == IsNormalized::Yes
}

/// [`nfc_safe`] for every character, read from the UTF-8 bytes without
/// decoding (a `false` only means "look closer").
#[cfg(test)]
fn all_nfc_safe(b: &[u8]) -> bool {
    skip_nfc_safe(b, 0) == b.len()
}

/// The first character boundary at or after `i` (a boundary of valid
/// UTF-8 `b`) where a character that is not [`nfc_safe`] starts, read
/// from the bytes without decoding; `b.len()` when there is none.
fn skip_nfc_safe(b: &[u8], mut i: usize) -> usize {
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            i += 1;
            continue;
        }
        if x == 0xC2 || x == 0xC3 {
            // U+0080..=U+00FF (NBSP and `·` are frequent in news text)
            i += 2;
            continue;
        }
        let safe = match x {
            // U+4E00..=U+9FFF
            0xE4 => b[i + 1] >= 0xB8,
            0xE5..=0xE9 => true,
            // U+2010..=U+2027, U+2030..=U+205E
            0xE2 => match b[i + 1] {
                0x80 => matches!(b[i + 2], 0x90..=0xA7 | 0xB0..=0xBF),
                0x81 => b[i + 2] <= 0x9E,
                _ => false,
            },
            // U+3000..=U+3029, U+3030..=U+303F
            0xE3 => b[i + 1] == 0x80 && matches!(b[i + 2], 0x80..=0xA9 | 0xB0..=0xBF),
            // U+FF01..=U+FF64
            0xEF => match b[i + 1] {
                0xBC => b[i + 2] >= 0x81,
                0xBD => b[i + 2] <= 0xA4,
                _ => false,
            },
            _ => false,
        };
        if !safe {
            return i;
        }
        i += 3;
    }
    b.len()
}

/// A starter with NFC_QC=Yes, from the blocks frequent in news text
/// (the definition [`skip_nfc_safe`] reads from the bytes).
#[cfg(test)]
fn nfc_safe(c: char) -> bool {
    matches!(c as u32,
        0x00..=0xFF
        | 0x4E00..=0x9FFF
        | 0x2010..=0x2027
        | 0x2030..=0x205E
        | 0x3000..=0x3029
        | 0x3030..=0x303F
        | 0xFF01..=0xFF64)
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|&((_, x), y)| x != y)
        .map(|((i, _), _)| i)
        .unwrap_or_else(|| a.len().min(b.len()))
}

fn common_suffix(a: &str, b: &str) -> usize {
    let mut n = 0;
    for (x, y) in a.chars().rev().zip(b.chars().rev()) {
        if x != y {
            break;
        }
        n += x.len_utf8();
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply;

    #[test]
    fn byte_safety_test_agrees_with_char_test() {
        for c in (0..0x3_0000u32).filter_map(char::from_u32) {
            let mut buf = [0u8; 4];
            let b = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(all_nfc_safe(b), nfc_safe(c), "U+{:04X}", c as u32);
        }
    }

    fn run(s: &str) -> String {
        let cfg = Config::default();
        let t = apply(s, &nfc(s, &cfg));
        apply(&t, &edits(&t, &cfg))
    }

    #[test]
    fn quick_check_sees_the_unsafe_characters_in_order() {
        // The quick check over the characters the byte scan stops at is
        // the one over `chars()` with the safe ones filtered out.
        let parts = [
            "中文", "e", "\u{301}", "\u{327}", "，", "ㄅ", "①", "\u{0344}", "가", "\u{1100}",
            "\u{1161}", "한", "\u{FB2A}", "Å", "𠀀", "\u{3099}", "か", " ", "\n", "·",
        ];
        let mut seed = 7u32;
        for _ in 0..2000 {
            let mut s = String::new();
            for _ in 0..6 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                s.push_str(parts[(seed >> 16) as usize % parts.len()]);
            }
            let filtered = s.chars().filter(|&c| !nfc_safe(c));
            assert_eq!(
                nfc_quick_yes(&s),
                is_nfc_quick(filtered) == IsNormalized::Yes,
                "{s:?}"
            );
        }
    }

    #[test]
    fn nfc_safe_chars_are_yes_starters() {
        use unicode_normalization::char::canonical_combining_class;
        for c in (0..0x11_0000)
            .filter_map(char::from_u32)
            .filter(|&c| nfc_safe(c))
        {
            assert_eq!(canonical_combining_class(c), 0, "U+{:04X}", c as u32);
            assert_eq!(
                is_nfc_quick(std::iter::once(c)),
                IsNormalized::Yes,
                "U+{:04X}",
                c as u32
            );
            let s = c.to_string();
            assert_eq!(s.nfc().collect::<String>(), s, "U+{:04X}", c as u32);
        }
        assert!(!nfc_quick_yes("e\u{301}"));
        assert!(!nfc_quick_yes("中文e\u{301}，"));
        assert!(nfc_quick_yes("中文，“引号”……abc"));
    }

    #[test]
    fn line_endings() {
        assert_eq!(
            run("a\r\nb\rc\u{2028}d\u{85}e\u{2029}f\u{0C}g"),
            "a\nb\nc\nd\ne\n\nf\ng"
        );
    }

    #[test]
    fn zero_width_deleted_but_emoji_joiner_kept() {
        assert_eq!(run("中\u{200B}文\u{FEFF}测试"), "中文测试");
        let family = "👨\u{200D}👩\u{200D}👧 全家福";
        assert_eq!(run(family), family);
    }

    /// Issue 10 row 7: NUL padding and stray control bytes are deleted by
    /// a rule of their own, one merged edit per run.
    #[test]
    fn control_characters_deleted() {
        assert_eq!(run("正文。\n\0\0\0\0"), "正文。\n");
        assert_eq!(run("a\x01b\x08c\x1bd\x7fe\u{80}f\u{9f}g"), "abcdefg");
        assert_eq!(run("tab\tkept\nline\u{85}nel"), "tab\tkept\nline\nnel");
        let e = edits("正文\0\0\0", &Config::default());
        assert_eq!(e, [Edit::new(6, 9, "", "whitespace.control")]);
    }

    #[test]
    fn soft_hyphen_at_line_end_kept() {
        assert_eq!(run("infor\u{AD}\nmation"), "infor\u{AD}\nmation");
        assert_eq!(run("infor\u{AD}mation"), "information");
        // Not after a letter (fuzz: ` \u{AD}\u{AD}⏎` was joined to ` \u{AD} `).
        assert_eq!(run("as well as a \u{AD}\u{AD}\r\n"), "as well as a \n");
    }

    #[test]
    fn nbsp_to_space_but_ideographic_space_kept() {
        assert_eq!(run("RCEP\u{A0}贸易"), "RCEP 贸易");
        assert_eq!(run("\u{3000}\u{3000}江山"), "\u{3000}\u{3000}江山");
    }

    #[test]
    fn width() {
        assert_eq!(
            run("ＲＣＥＰ贸易伙伴进出口１１８４．７亿元"),
            "RCEP贸易伙伴进出口1184.7亿元"
        );
        assert_eq!(run("在１６：３２分出发"), "在16:32分出发");
        // Digits across a deleted character (fuzz: `３．\u{80}１４` gave
        // `3．14`, then `3.14` on the next run).
        assert_eq!(run("３．\u{80}１４"), "3.14");
        assert_eq!(run("３\0\0．\u{2066}１４"), "3.14");
        assert_eq!(run("祝贺３．\u{200c}\u{200c}１４"), "祝贺3.14");
        // Chinese marks stay full width (A-W5).
        assert_eq!(run("他说：（测试）！，；？～"), "他说：（测试）！，；？～");
        assert_eq!(run("｢你好｣､"), "「你好」、");
        assert_eq!(run("专名＿号"), "专名＿号");
    }

    #[test]
    fn nfc_maps_compatibility_ideographs() {
        assert_eq!(run("\u{F900}e\u{301}"), "\u{8C48}\u{E9}");
    }

    #[test]
    fn merged_runs_are_one_edit() {
        let e = edits("ＲＣＥＰ", &Config::default());
        assert_eq!(e.len(), 1);
    }
}
