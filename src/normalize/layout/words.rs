//! B-S9 with a real word list: is the break inside a word?
//!
//! The characters around the break (up to six Han characters on each side,
//! stopping at the first non-Han character) are segmented on the maximum-
//! probability path over the jieba dictionary (no HMM, so only dictionary
//! words count). The break is inside a word when no token boundary falls
//! on it: `国务院价格主管部⏎门统一负责` → `部门`, `（记者诸⏎葛仓麟）` → `诸葛`,
//! `体贴乘⏎客的心理` → `乘客`. A break that the segmenter puts between two
//! words (`继续⏎把农业`) gives no evidence.
//!
//! The dictionary (`data/jieba-words.txt`, 350k words with frequencies) is
//! an `fst` map that build.rs writes and the binary embeds: it is read in
//! place, so nothing is loaded or allocated up front and only the pages a
//! lookup walks through count towards memory (jieba-rs's own loaded
//! dictionary was a fixed ~55 MB of peak RSS). The segmentation is jieba's
//! `cut(…, false)` exactly — the same runs of CJK ideographs, the same word
//! candidates, the same floating-point sums and tie-break — which the tests
//! check against jieba-rs itself.

use std::ops::Range;
use std::sync::OnceLock;

use fst::raw::Output;
use fst::Map;

use crate::normalize::han::is_han;

include!(concat!(env!("OUT_DIR"), "/words_total.rs"));

/// The word table: every dictionary word and its frequency.
fn table() -> &'static Map<&'static [u8]> {
    static T: OnceLock<Map<&'static [u8]>> = OnceLock::new();
    T.get_or_init(|| {
        Map::new(&include_bytes!(concat!(env!("OUT_DIR"), "/words.fst"))[..])
            .expect("build.rs writes a well-formed word table")
    })
}

/// Is `word` in the dictionary?
fn has_word(word: &str) -> bool {
    table().contains_key(word)
}

/// The characters jieba segments with its dictionary (its CJK ideograph
/// ranges; jieba also takes ASCII alphanumerics and `+#&._%-`, which never
/// reach here because the window is Han only). Any other character is a
/// token of its own.
fn in_block(c: char) -> bool {
    matches!(c,
        '\u{4E00}'..='\u{9FFF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2A6DF}'
        | '\u{2A700}'..='\u{2EBEF}'
        | '\u{2F800}'..='\u{2FA1F}')
}

/// The tokens of `s` as byte ranges, in order: jieba's maximum-probability
/// segmentation without the HMM.
fn segment(s: &str) -> Vec<Range<usize>> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| chars.get(i).map_or(s.len(), |&(b, _)| b);
    let mut tokens = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if !in_block(chars[i].1) {
            tokens.push(at(i)..at(i + 1));
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && in_block(chars[i].1) {
            i += 1;
        }
        let block = &chars[start..i];
        let mut x = 0;
        let route = best_route(block);
        while x < block.len() {
            let y = route[x];
            tokens.push(at(start + x)..at(start + y));
            x = y;
        }
    }
    tokens
}

/// For every character of `block`, the end of the word the best path takes
/// from it (jieba's `calc`): the path maximises the sum of
/// `ln(freq) - ln(total)` over its words, a character with no dictionary
/// word starting at it being a word of frequency 1, and of two paths that
/// score the same the one with the longer first word wins.
fn best_route(block: &[(usize, char)]) -> Vec<usize> {
    routes(block).into_iter().map(|(_, end)| end).collect()
}

/// The log-probability of the best path over `block`.
fn best_score(block: &[(usize, char)]) -> f64 {
    routes(block)[0].0
}

/// For every position of `block`, the score of the best path from it and
/// the end of that path's first word (`best_route`).
fn routes(block: &[(usize, char)]) -> Vec<(f64, usize)> {
    let n = block.len();
    let log_total = (TOTAL as f64).ln();
    let log1 = 0.0f64 - log_total;
    let fst = table().as_fst();
    // (score of the best path from here, end of its first word)
    let mut route = vec![(0.0f64, n); n + 1];
    let mut buf = [0u8; 4];
    for idx in (0..n).rev() {
        let mut best: Option<(f64, usize)> = None;
        let mut node = fst.root();
        let mut out = Output::zero();
        'walk: for (j, &(_, c)) in block.iter().enumerate().skip(idx) {
            for &byte in c.encode_utf8(&mut buf).as_bytes() {
                let Some(t) = node.find_input(byte) else {
                    break 'walk;
                };
                let tr = node.transition(t);
                out = out.cat(tr.out);
                node = fst.node(tr.addr);
            }
            if node.is_final() {
                let freq = out.cat(node.final_output()).value();
                let end = j + 1;
                let prob = (freq as f64).ln() - log_total + route[end].0;
                if best.is_none_or(|(p, e)| prob > p || (prob == p && end > e)) {
                    best = Some((prob, end));
                }
            }
        }
        route[idx] = best.unwrap_or((log1 + route[idx + 1].0, idx + 1));
    }
    route
}

/// The dictionary word that spans the break between `ta` and `tb`, if the
/// segmenter puts one there.
pub(super) fn word_across(ta: &str, tb: &str) -> Option<String> {
    let (tail, head) = halves(ta, tb)?;
    let mut s: String = tail.iter().collect();
    let cut = s.len();
    s.extend(head.iter());
    segment(&s)
        .into_iter()
        .find(|t| t.start < cut && t.end > cut)
        .map(|t| s[t].to_string())
}

/// How much likelier the segmenter finds the text across the break read
/// as one run than cut at the break: the best path's log-probability over
/// A's Han tail and B's Han head (six characters each) minus the best
/// paths of the two halves apart (natural log; 0 when a token boundary of
/// the best path falls on the break, or either side has no Han).
pub(super) fn join_gain(ta: &str, tb: &str) -> f64 {
    let Some((tail, head)) = halves(ta, tb) else {
        return 0.0;
    };
    let left: Vec<(usize, char)> = tail.iter().copied().enumerate().collect();
    let right: Vec<(usize, char)> = head.iter().copied().enumerate().collect();
    let whole: Vec<(usize, char)> = tail
        .iter()
        .chain(head.iter())
        .copied()
        .enumerate()
        .collect();
    (best_score(&whole) - best_score(&left) - best_score(&right)).max(0.0)
}

/// The Han characters around the break that the word tests read: up to
/// six at the end of `ta` (in reading order) and six at the start of `tb`,
/// stopping at the first non-Han character; `None` when a side has none.
fn halves(ta: &str, tb: &str) -> Option<(Vec<char>, Vec<char>)> {
    let mut tail: Vec<char> = ta
        .chars()
        .rev()
        .take_while(|&c| is_han(c))
        .take(6)
        .collect();
    tail.reverse();
    let head: Vec<char> = tb.chars().take_while(|&c| is_han(c)).take(6).collect();
    (!tail.is_empty() && !head.is_empty()).then_some((tail, head))
}

/// A word across the break that does not fall apart into two dictionary
/// words of two or more characters each at the break (`部|门`, `评|价`,
/// `诸|葛`; not `第三|世界`, where a headline ends and the lead begins).
pub(super) fn whole_word_across(ta: &str, tb: &str) -> Option<String> {
    let w = word_across(ta, tb)?;
    let tail: String = ta
        .chars()
        .rev()
        .take_while(|&c| is_han(c))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    // The part of `w` in A is a suffix of A's Han tail.
    let k = (1..w.len())
        .filter(|&i| w.is_char_boundary(i))
        .find(|&i| tail.ends_with(&w[..i]))?;
    let (x, y) = w.split_at(k);
    if x.chars().count() >= 2 && y.chars().count() >= 2 && has_word(x) && has_word(y) {
        return None;
    }
    Some(w)
}

/// Frequency of a single character read as a word of its own below which
/// it is a bound morpheme (`执`, `委`, `招`: the first character of a word,
/// almost never a word by itself; `人`, `大`, `生` are far above it).
pub(super) const BOUND_CHAR_FREQ: u64 = 10_000;

/// Is `c` seldom a word by itself (frequency below [`BOUND_CHAR_FREQ`])?
/// With a whole word across the break ([`whole_word_across`]) after it,
/// A ends inside that word: `…第十一届执⏎行委员会…`, `…全美第三大机⏎
/// 场…`, `…第十届中央委⏎员会…`, `…国庆招⏎待会…`. A headline ends with a
/// word, so it almost never ends with such a character: of the 9,517
/// indented lines of xwlb without a final stop that an indented line
/// follows (headlines, list items, names), three do (`泽曼`, `急停⏎当地
/// 时间`, `办春⏎晚”`, the last a real cut), two of them set aside by the
/// guards of the caller (a space in A, a lead opener in B).
pub(super) fn is_bound_char(c: char) -> bool {
    let mut buf = [0u8; 4];
    table().get(c.encode_utf8(&mut buf).as_bytes()).unwrap_or(0) < BOUND_CHAR_FREQ
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use jieba_rs::Jieba;
    use proptest::prelude::*;

    use super::{has_word, segment, whole_word_across, word_across};

    /// B-S9's word test as it was written over jieba-rs, the reference
    /// the table must reproduce.
    mod reference {
        use std::sync::OnceLock;

        use jieba_rs::Jieba;

        use crate::normalize::han::is_han;

        pub(super) fn jieba() -> &'static Jieba {
            static J: OnceLock<Jieba> = OnceLock::new();
            J.get_or_init(Jieba::new)
        }

        pub(super) fn word_across(ta: &str, tb: &str) -> Option<String> {
            let tail: Vec<char> = ta
                .chars()
                .rev()
                .take_while(|&c| is_han(c))
                .take(6)
                .collect();
            let head: Vec<char> = tb.chars().take_while(|&c| is_han(c)).take(6).collect();
            if tail.is_empty() || head.is_empty() {
                return None;
            }
            let mut s: String = tail.iter().rev().collect();
            let cut = s.len();
            s.extend(head.iter());
            let mut pos = 0;
            for tok in jieba().cut(&s, false) {
                let end = pos + tok.word.len();
                if pos < cut && end > cut {
                    return Some(tok.word.to_string());
                }
                pos = end;
            }
            None
        }

        pub(super) fn whole_word_across(ta: &str, tb: &str) -> Option<String> {
            let w = word_across(ta, tb)?;
            let tail: String = ta
                .chars()
                .rev()
                .take_while(|&c| is_han(c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let k = (1..w.len())
                .filter(|&i| w.is_char_boundary(i))
                .find(|&i| tail.ends_with(&w[..i]))?;
            let (x, y) = w.split_at(k);
            let j = jieba();
            if x.chars().count() >= 2 && y.chars().count() >= 2 && j.has_word(x) && j.has_word(y) {
                return None;
            }
            Some(w)
        }
    }

    /// jieba-rs's tokens of `s` as byte ranges.
    fn jieba_tokens(j: &Jieba, s: &str) -> Vec<std::ops::Range<usize>> {
        j.cut(s, false)
            .iter()
            .map(|t| t.byte_start..t.byte_end)
            .collect()
    }

    /// Compare the table with jieba-rs at the break `ta|tb`: the whole
    /// segmentation of the window and both decisions. True when the
    /// window had Han text on both sides (a real comparison).
    fn same_at(ta: &str, tb: &str) -> bool {
        let j = reference::jieba();
        assert_eq!(
            word_across(ta, tb),
            reference::word_across(ta, tb),
            "word_across at {ta:?} | {tb:?}"
        );
        assert_eq!(
            whole_word_across(ta, tb),
            reference::whole_word_across(ta, tb),
            "whole_word_across at {ta:?} | {tb:?}"
        );
        let tail: Vec<char> = ta
            .chars()
            .rev()
            .take_while(|&c| crate::normalize::han::is_han(c))
            .take(6)
            .collect();
        let head: String = tb
            .chars()
            .take_while(|&c| crate::normalize::han::is_han(c))
            .take(6)
            .collect();
        let s: String = tail
            .iter()
            .rev()
            .chain(head.chars().collect::<Vec<_>>().iter())
            .collect();
        assert_eq!(segment(&s), jieba_tokens(j, &s), "segmentation of {s:?}");
        !tail.is_empty() && !head.is_empty()
    }

    /// Every break of `text`: between consecutive lines and inside each
    /// line at every character. Returns (windows compared, words found).
    fn same_everywhere(text: &str) -> (usize, usize) {
        let (mut compared, mut words) = (0, 0);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let mut at = |ta: &str, tb: &str| {
            if same_at(ta, tb) {
                compared += 1;
                words += usize::from(word_across(ta, tb).is_some());
            }
        };
        for w in lines.windows(2) {
            at(w[0], w[1]);
        }
        for line in &lines {
            for (i, _) in line.char_indices().skip(1) {
                at(&line[..i], &line[i..]);
            }
        }
        (compared, words)
    }

    #[test]
    fn words_across_the_break() {
        assert_eq!(
            word_across("国务院价格主管部", "门统一负责").as_deref(),
            Some("主管部门")
        );
        assert_eq!(word_across("体贴乘", "客的心理").as_deref(), Some("乘客"));
        assert!(word_across("（记者诸", "葛仓麟）").is_some());
        assert_eq!(word_across("明确提出继续", "把农业放在"), None);
        assert_eq!(word_across("增长。", "今年"), None);
        assert!(whole_word_across("双方高度评", "价中欧关系").is_some());
        assert_eq!(whole_word_across("跃升世界第三", "世界知识产权组织"), None);
    }

    #[test]
    fn a_bound_character_before_the_break() {
        let b = |ta: &str, tb| {
            let last = ta.chars().next_back().unwrap();
            whole_word_across(ta, tb).filter(|_| super::is_bound_char(last))
        };
        assert_eq!(
            b("全国工商联第十一届执", "行委员会。").as_deref(),
            Some("执行")
        );
        assert_eq!(b("全美第三大机", "场，也是").as_deref(), Some("机场"));
        assert!(b("民盟第十届中央委", "员会的工作报告").is_some());
        // A word of its own at A's end: `人为`, `大为`, `生日` read as words
        // across a headline and its lead, but `人`, `大`, `生` end words.
        assert_eq!(b("抓捕巴方80人", "为寻求3名失踪的"), None);
        assert_eq!(b("百姓宣讲迎接十八大", "为迎接党的十八大"), None);
        assert_eq!(b("国防部新闻发言人耿雁生", "日方调整军事"), None);
        // No word across the break at all.
        assert_eq!(b("每天都穿梭", "在小区里"), None);
    }

    #[test]
    fn the_table_holds_exactly_the_word_list() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let list = std::fs::read_to_string(root.join("data/jieba-words.txt")).unwrap();
        let j = reference::jieba();
        let mut n = 0;
        let mut total = 0u64;
        for line in list.lines().filter(|l| !l.starts_with('#')) {
            let (w, f) = line.split_once(' ').unwrap();
            let f: u64 = f.parse().unwrap();
            assert!(j.has_word(w), "{w:?} in jieba-rs");
            assert_eq!(super::table().get(w), Some(f), "{w:?}");
            total += f;
            n += 1;
        }
        assert_eq!(n, super::table().len());
        assert_eq!(total, super::TOTAL);
        for w in ["部门口", "诸葛仓", "世界第", "中"] {
            assert_eq!(has_word(w), j.has_word(w), "{w:?}");
        }
    }

    #[test]
    fn same_as_jieba_on_the_calibration_fixtures() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let text =
            std::fs::read_to_string(root.join("fixtures/calibration/boundaries.jsonl")).unwrap();
        let (mut compared, mut words) = (0, 0);
        for line in text.lines() {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let (a, b) = (case["a"].as_str().unwrap(), case["b"].as_str().unwrap());
            if same_at(a, b) {
                compared += 1;
                words += usize::from(word_across(a, b).is_some());
            }
            let (c, w) = same_everywhere(&format!("{a}\n{b}"));
            compared += c;
            words += w;
        }
        assert!(
            compared > 10_000 && words > 1_000,
            "{compared} windows, {words} words"
        );
    }

    #[test]
    fn same_as_jieba_on_the_fixture_corpus() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus");
        let (mut compared, mut words) = (0, 0);
        for e in walkdir::WalkDir::new(root).sort_by_file_name() {
            let e = e.unwrap();
            if e.path().extension().is_some_and(|x| x == "txt") {
                let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
                let (c, w) = same_everywhere(&text);
                compared += c;
                words += w;
            }
        }
        assert!(
            compared > 10_000 && words > 1_000,
            "{compared} windows, {words} words"
        );
    }

    /// Every line break and every 7th in-line position of the text files
    /// under `NEWSCLEAN_WORDS_CORPUS` (e.g. the shared corpora unpacked):
    /// `NEWSCLEAN_WORDS_CORPUS=DIR cargo nextest run --run-ignored only -E
    /// 'test(same_as_jieba_on_a_corpus)'`.
    #[test]
    #[ignore = "needs NEWSCLEAN_WORDS_CORPUS, a folder of text files"]
    #[allow(clippy::print_stderr)] // the counts are the result of this run
    fn same_as_jieba_on_a_corpus() {
        let dir = std::env::var_os("NEWSCLEAN_WORDS_CORPUS")
            .expect("NEWSCLEAN_WORDS_CORPUS names a folder of text files");
        let (mut compared, mut words, mut files) = (0usize, 0usize, 0usize);
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.unwrap();
            if e.path().extension().is_none_or(|x| x != "txt") {
                continue;
            }
            files += 1;
            let text = String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned();
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let mut at = |ta: &str, tb: &str| {
                if same_at(ta, tb) {
                    compared += 1;
                    words += usize::from(word_across(ta, tb).is_some());
                }
            };
            for w in lines.windows(2) {
                at(w[0], w[1]);
            }
            for line in &lines {
                for (i, _) in line.char_indices().skip(1).step_by(7) {
                    at(&line[..i], &line[i..]);
                }
            }
        }
        eprintln!("{files} files, {compared} windows compared, {words} with a word across");
        assert!(compared > 0);
    }

    /// Characters of real words, two that jieba leaves out of its blocks
    /// (`〇`, `々`) and a CJK Extension G one, so that random windows meet
    /// dictionary words, unknown characters and block edges.
    const ALPHABET: &str = "国务院价格主管部门统一负责体贴乘客的心理诸葛亮评价中欧关系第三世界知识产权组织新闻联播人民共和〇々\u{30000}";

    proptest! {
        #[test]
        fn segments_like_jieba(picks in prop::collection::vec(0usize..1000, 1..=12)) {
            let alphabet: Vec<char> = ALPHABET.chars().collect();
            let s: String = picks.iter().map(|&i| alphabet[i % alphabet.len()]).collect();
            prop_assert_eq!(segment(&s), jieba_tokens(reference::jieba(), &s), "{:?}", s);
            let cut = s.char_indices().nth(s.chars().count() / 2).map_or(0, |(b, _)| b);
            let (ta, tb) = s.split_at(cut);
            prop_assert_eq!(word_across(ta, tb), reference::word_across(ta, tb));
            prop_assert_eq!(whole_word_across(ta, tb), reference::whole_word_across(ta, tb));
        }
    }
}
