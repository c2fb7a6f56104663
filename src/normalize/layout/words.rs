//! B-S9 with a real word list: is the break inside a word?
//!
//! The characters around the break (up to six Han characters on each side,
//! stopping at the first non-Han character) are segmented with jieba's
//! maximum-probability path over its dictionary (no HMM, so only
//! dictionary words count). The break is inside a word when no token
//! boundary falls on it: `国务院价格主管部⏎门统一负责` → `部门`,
//! `（记者诸⏎葛仓麟）` → `诸葛`, `体贴乘⏎客的心理` → `乘客`. A break that the
//! segmenter puts between two words (`继续⏎把农业`) gives no evidence.
//!
//! The dictionary is built once per process, on the first boundary that
//! asks (about 0.2 s); most boundaries end a sentence and never ask.

use std::sync::OnceLock;

use jieba_rs::Jieba;

use crate::normalize::han::is_han;

fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

/// The dictionary word that spans the break between `ta` and `tb`, if the
/// segmenter puts one there.
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
    let j = jieba();
    if x.chars().count() >= 2 && y.chars().count() >= 2 && j.has_word(x) && j.has_word(y) {
        return None;
    }
    Some(w)
}

#[cfg(test)]
mod tests {
    use super::word_across;

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
        assert!(super::whole_word_across("双方高度评", "价中欧关系").is_some());
        assert_eq!(
            super::whole_word_across("跃升世界第三", "世界知识产权组织"),
            None
        );
    }
}
