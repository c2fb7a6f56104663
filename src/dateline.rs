//! Datelines, bylines and credits (spec B-D1, B-D2): the short lines that
//! recur in every article of a wire (`新华社北京8月5日电`, `记者 董素玉 屈辰
//! 乌梦达`, `新华社发`, `（责任编辑：王五）`).
//!
//! One set of detectors for the two places that need them: layout's join
//! vetoes (`normalize::layout`: a dateline or a byline is never glued onto
//! a paragraph) and dedup's furniture (`segment`: a block made only of such
//! lines is never removed as a duplicate, B-D1 and B-D2 of the dedup rules).

use crate::normalize::han::is_han;
use crate::normalize::marks::{is_pause, is_stop};

/// The number of ASCII digits at the start of `s`.
fn leading_digits(s: &[u8]) -> usize {
    s.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// A dateline, byline or credit line (surrounding whitespace ignored):
/// [`is_dateline_line`] or [`is_credit`]. These recur legitimately and are
/// never removed as duplicates.
pub(crate) fn is_furniture(line: &str) -> bool {
    let t = line.trim();
    is_dateline_line(t) || is_credit(t)
}

/// B-D1: the byte length of a dateline at the start of `t`
/// (`(据)?(新华社|…)?地名{0,12}\d{1,2}月\d{1,2}日(电|讯)`, optionally in brackets).
pub(crate) fn dateline_end(t: &str) -> Option<usize> {
    let mut s = t;
    s = s
        .strip_prefix('（')
        .or_else(|| s.strip_prefix('('))
        .unwrap_or(s);
    s = s.strip_prefix('据').unwrap_or(s);
    let mut hans = 0;
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if is_han(c) && hans < 18 {
            hans += 1;
            rest = &rest[c.len_utf8()..];
        } else {
            break;
        }
    }
    let b = rest.as_bytes();
    let n = leading_digits(b);
    if n == 0 || n > 2 {
        return None;
    }
    let r = rest[n..].strip_prefix('月')?;
    let m = leading_digits(r.as_bytes());
    if m == 0 || m > 2 {
        return None;
    }
    let r = r[m..].strip_prefix('日')?;
    let r = r.strip_prefix('电').or_else(|| r.strip_prefix('讯'))?;
    Some(t.len() - r.len())
}

/// B-D1: the whole line is a dateline (`新华社北京8月5日电`, `(新华社北京8月5日电)`).
pub(crate) fn is_dateline_line(t: &str) -> bool {
    match dateline_end(t) {
        Some(k) => matches!(&t[k..], "" | "）" | ")"),
        None => false,
    }
}

/// A personal name token: 2–4 Han (or `·`), starting with Han.
pub(crate) fn is_name(tok: &str) -> bool {
    let n = tok.chars().count();
    (2..=4).contains(&n)
        && tok.chars().next().is_some_and(is_han)
        && tok.chars().all(|c| is_han(c) || c == '·')
}

/// Names separated by spaces (and, after a `记者` keyword, `、` `，`).
pub(crate) fn is_name_list(s: &str, commas: bool) -> bool {
    let mut any = false;
    let seps: &[char] = if commas {
        &[' ', '、', '，', ',', '\u{3000}']
    } else {
        &[' ', '\u{3000}']
    };
    for tok in s.split(seps).filter(|t| !t.is_empty()) {
        if !is_name(tok) {
            return false;
        }
        any = true;
    }
    any
}

/// B-D2 bylines and credits ([`is_credit`]), and B-R author lines
/// ([`is_author_line`]): what layout never joins.
pub(crate) fn is_byline(t: &str) -> bool {
    is_credit(t) || is_author_line(t)
}

/// B-D2 bylines and credits: a keyword (`记者`, `通讯员`, `摄影`, `责任编辑：`,
/// `来源：` …) with names, or `新华社发`, `新华社记者 李贺摄`.
pub(crate) fn is_credit(t: &str) -> bool {
    // (本报|新华社)?(记者|…)[：: ]*names
    let mut s = t;
    s = s
        .strip_prefix("本报")
        .or_else(|| s.strip_prefix("新华社"))
        .unwrap_or(s);
    for kw in ["特约记者", "记者", "通讯员", "实习生", "摄影", "摄"] {
        if let Some(r) = s.strip_prefix(kw) {
            let r = r.trim_start_matches(['：', ':', ' ']);
            // A photo credit ends in 摄: `本报记者 司汉科 摄`.
            let photo = r.strip_suffix('摄').map(str::trim_end);
            if is_name_list(r, true) || photo.is_some_and(|r| is_name_list(r, true)) {
                return true;
            }
        }
    }
    // 新华社(记者 ?name ?)?(发|摄)
    if let Some(r) = t.strip_prefix("新华社") {
        let r = r.strip_suffix('发').or_else(|| r.strip_suffix('摄'));
        if let Some(r) = r {
            let r = r.trim();
            if r.is_empty() {
                return true;
            }
            if let Some(n) = r.strip_prefix("记者") {
                if is_name(n.trim()) {
                    return true;
                }
            }
        }
    }
    // (责任编辑|编辑|校对|审核|来源)[：:]
    let s = t
        .strip_prefix('（')
        .or_else(|| t.strip_prefix('('))
        .unwrap_or(t);
    for kw in ["责任编辑", "编辑", "校对", "审核", "来源"] {
        if let Some(r) = s.strip_prefix(kw) {
            if r.starts_with('：') || r.starts_with(':') {
                return true;
            }
        }
    }
    // `本报记者范松璐发自上海`, `记者张三报道`.
    (t.starts_with("本报记者") || t.starts_with("记者") || t.starts_with("本报讯"))
        && (t.contains("发自") || t.ends_with("报道"))
        && t.chars().count() <= 24
        && !t.chars().any(|c| is_pause(c) || is_stop(c))
}

/// B-R author line: a bare name list (`董素玉 屈辰`), optionally followed
/// by 摄. A bare 2–4 Han line (`专家介绍`, `姚明`) has the same shape, so
/// it is a veto for layout only, not furniture.
pub(crate) fn is_author_line(t: &str) -> bool {
    let s = t.strip_suffix('摄').map(str::trim_end).unwrap_or(t);
    is_name_list(s, false) && s.chars().count() <= 16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn furniture_lines() {
        for l in [
            "新华社北京8月5日电",
            "（新华社北京8月5日电）",
            "(新华社北京8月5日电)",
            "据新华社广州8月5日电",
            "  新华社北京8月5日电\u{3000}",
            "记者 董素玉 屈辰 乌梦达",
            "本报记者 张三",
            "本报记者 司汉科 摄",
            "记者 张三、李四 摄",
            "新华社发",
            "新华社记者 李贺摄",
            "责任编辑：张三",
            "（责任编辑：王五）",
        ] {
            assert!(is_furniture(l), "{l}");
        }
        for l in [
            "新华社北京8月5日电 《中国共产党党内法规体系》单行本，已由人民出版社出版。",
            "动能加快培育",
            "记者从中国科学院广州地球化学研究所获悉，该所研究人员在黑龙江省发现了第一个形状罕见的陨石坑。",
            // Short sentences that only start or end like a credit.
            "记者从国务院获悉",
            "国务院办公厅印发",
            "新华社记者日前深入北京",
            // A bare 2–4 Han line: a layout veto (an author line), but
            // as often a heading.
            "专家介绍",
            "董素玉 屈辰",
        ] {
            assert!(!is_furniture(l), "{l}");
        }
    }

    #[test]
    fn dateline_and_byline_shapes() {
        assert!(is_dateline_line("新华社北京8月5日电"));
        assert!(is_dateline_line("(新华社北京8月5日电)"));
        assert!(!is_dateline_line("新华社北京8月5日电 (记者陆浩)"));
        assert_eq!(
            dateline_end("据新华社广州8月5日电 (记者陆浩 胡拿云)记者"),
            Some("据新华社广州8月5日电".len())
        );
        assert!(is_byline("本报记者范松璐发自上海"));
        assert!(!is_byline("新华社记者日前深入北京"));
        assert!(is_byline("董素玉 屈辰") && is_author_line("董素玉 屈辰"));
        assert!(!is_credit("董素玉 屈辰"));
    }
}
