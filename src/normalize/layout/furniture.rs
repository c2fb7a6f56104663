//! Page furniture (spec C-P1, C-P2, C-P3, B-P1): page-number lines
//! (`- 7 -`, `第 3 页`, `Page 3 of 9`), jump lines (`（下转第4版）`) and
//! running headers (≥ 3 identical short lines with Han and a digit, none of
//! them going on into the line under it: a figure or date cut in two, or a
//! full line of a hard-wrapped file). They are found before any
//! boundary is decided, removed, and the boundaries are then scored across
//! them, so a paragraph broken by a page break can still be joined.

use super::*;
use std::borrow::Cow;

/// Skip ASCII spaces from `i` in `s` (char-wise on ASCII).
pub(super) fn skip_sp(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && s[i] == b' ' {
        i += 1;
    }
    i
}

pub(super) fn digits(s: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < s.len() && s[j].is_ascii_digit() {
        j += 1;
    }
    j - i
}

/// C-P1 patterns that need an isolated line (a bare number, `- 7 -`, `3/12`).
pub(super) fn is_bare_page_number(t: &str) -> bool {
    // Spaces of any kind around the number and its dashes: stages 3 and 4
    // remove U+3000 and TAB there (`0　——` → `0——`), and a second run must
    // see the same page number as the first (idempotence).
    let t = t.trim_matches(is_ws);
    let t = t
        .trim_start_matches(['-', '–', '—'])
        .trim_end_matches(['-', '–', '—'])
        .trim_matches(is_ws);
    let b = t.as_bytes();
    let n = digits(b, 0);
    if n == 0 || n > 4 {
        return false;
    }
    if n == b.len() {
        return true;
    }
    // `\d+\s*/\s*\d+`
    let i = skip_sp(b, n);
    if i < b.len() && b[i] == b'/' {
        let j = skip_sp(b, i + 1);
        let m = digits(b, j);
        return m > 0 && j + m == b.len();
    }
    false
}

/// C-P1 patterns that are unambiguous anywhere: `第 3 页`, `Page 3 of 9`, `共5页第2页`.
pub(super) fn is_named_page_number(t: &str) -> bool {
    // Every pattern starts with one of these (cheap rejection).
    if !t
        .trim_start_matches(' ')
        .starts_with(['第', '共', 'P', 'p'])
    {
        return false;
    }
    let compact: String = t.chars().filter(|&c| c != ' ').collect();
    let s = compact.as_str();
    // 第N页( [/／共] N页)?
    if let Some(r) = s.strip_prefix('第') {
        let b = r.as_bytes();
        let n = digits(b, 0);
        if n > 0 {
            if let Some(rest) = r[n..].strip_prefix('页') {
                if rest.is_empty() {
                    return true;
                }
                let rest = rest.trim_start_matches(['/', '／', '共']);
                let m = digits(rest.as_bytes(), 0);
                return m > 0 && &rest[m..] == "页";
            }
        }
        return false;
    }
    if let Some(r) = s.strip_prefix('共') {
        let n = digits(r.as_bytes(), 0);
        if n > 0 {
            if let Some(r) = r[n..].strip_prefix("页第") {
                let m = digits(r.as_bytes(), 0);
                return m > 0 && &r[m..] == "页";
            }
        }
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("page") {
        r
    } else if let Some(r) = lower.strip_prefix("p.") {
        r
    } else {
        return false;
    };
    let b = rest.as_bytes();
    let n = digits(b, 0);
    if n == 0 {
        return false;
    }
    let r2 = &rest[n..];
    if r2.is_empty() {
        return true;
    }
    let r3 = r2.strip_prefix("of").or_else(|| r2.strip_prefix('/'));
    match r3 {
        Some(r3) => {
            let m = digits(r3.as_bytes(), 0);
            m > 0 && m == r3.len()
        }
        None => false,
    }
}

/// C-P3: a jump marker `[（(](上接|下转|转|接)第?[A-Z]?\d+版[）)]` at the
/// start of `s`; returns its byte length.
pub(super) fn jump_marker_at(s: &str) -> Option<usize> {
    let mut it = s.char_indices().peekable();
    let (_, c) = it.next()?;
    if c != '（' && c != '(' {
        return None;
    }
    let rest = &s[c.len_utf8()..];
    let kw = ["上接", "下转", "转", "接"]
        .into_iter()
        .find(|k| rest.starts_with(k))?;
    let mut r = &rest[kw.len()..];
    r = r.strip_prefix('第').unwrap_or(r);
    if r.as_bytes().first().is_some_and(|b| b.is_ascii_uppercase()) {
        r = &r[1..];
    }
    let n = digits(r.as_bytes(), 0);
    if n == 0 {
        return None;
    }
    r = r[n..].strip_prefix('版')?;
    let close = first_char(r)?;
    if close != '）' && close != ')' {
        return None;
    }
    r = &r[close.len_utf8()..];
    Some(s.len() - r.len())
}

/// Find a jump marker at the end of `s`: byte offset where it starts.
pub(super) fn jump_marker_at_end(s: &str) -> Option<usize> {
    if !(s.ends_with('）') || s.ends_with(')')) {
        return None;
    }
    // The marker is at most ~20 bytes of ASCII/CJK; scan the last few opens.
    for (i, c) in s.char_indices().rev().take(16) {
        if (c == '（' || c == '(') && jump_marker_at(&s[i..]) == Some(s.len() - i) {
            return Some(i);
        }
    }
    None
}

pub(super) fn find_furniture(text: &str, lines: &mut [Line], cfg: &Config) {
    let n = lines.len();
    let blank_or_edge = |lines: &[Line], i: usize, dir: isize| -> bool {
        let j = i as isize + dir;
        j < 0 || j as usize >= lines.len() || lines[j as usize].blank
    };
    // Running-header candidates (C-P2 step 5), keyed by the line as the
    // output will have it ([`header_key`]).
    let mut counts: HashMap<Cow<str>, usize> = HashMap::new();
    let mut keys: Vec<Option<Cow<str>>> = vec![None; n];
    if cfg.on(RUNNING_HEADER) {
        for (i, l) in lines.iter().enumerate().filter(|(_, l)| !l.blank) {
            let key = header_key(&text[l.cs..l.ce], cfg);
            if header_candidate(&key) {
                *counts.entry(key.clone()).or_insert(0) += 1;
                keys[i] = Some(key);
            }
        }
    }
    // Only lines seen three times or more are running headers, and not
    // a line that the line right under it continues at any of them: a
    // figure or a date cut by a hard wrap (`央视网消息（新闻联播）：国家主席
    // 习近平2⏎5日在人民大会堂会见…`, the lead of ten items of one xwlb day
    // wrapped at 40 cells) is the first line of a paragraph, not page
    // furniture.
    // So is a line that fills a hard-wrapped file's width with a line
    // right under it (`中华人民共和国成立70⏎周年大会…`, three times in one
    // wrapped xwlb day).
    counts.retain(|_, n| *n >= 3);
    if !counts.is_empty() {
        let width = |i: usize| {
            let l = &lines[i];
            geometry::width_cjk(&text[l.start..l.cs]) + geometry::width_cjk(&text[l.cs..l.ce])
        };
        let widths: Vec<usize> = (0..n).filter(|&i| !lines[i].blank).map(width).collect();
        let wrap = geometry::wrap_width_of(&widths);
        for i in 0..n.saturating_sub(1) {
            let Some(k) = keys[i].as_ref().filter(|k| counts.contains_key(k.as_ref())) else {
                continue;
            };
            let (t, next) = (
                &text[lines[i].cs..lines[i].ce],
                &text[lines[i + 1].cs..lines[i + 1].ce],
            );
            if !lines[i + 1].blank
                && (continues_into(t, next) || wrap.is_some_and(|w| fills_wrap(width(i), w)))
            {
                let k = k.clone();
                counts.remove(k.as_ref());
            }
        }
    }
    for i in 0..n {
        if lines[i].blank {
            continue;
        }
        let t = &text[lines[i].cs..lines[i].ce];
        if cfg.on(PAGE_NUMBER)
            && (is_named_page_number(t)
                || (is_bare_page_number(t)
                    && blank_or_edge(lines, i, -1)
                    && blank_or_edge(lines, i, 1)))
        {
            lines[i].furniture = Furniture::PageNumber;
            continue;
        }
        if cfg.on(JUMP_LINE) {
            if jump_marker_at(t) == Some(t.len()) {
                lines[i].furniture = Furniture::Jump;
                continue;
            }
            // Inline markers at the start or the end of a line.
            if let Some(k) = jump_marker_at(t) {
                let mut cs = lines[i].cs + k;
                while let Some(c) = first_char(&text[cs..lines[i].ce]).filter(|&c| is_ws(c)) {
                    cs += c.len_utf8();
                }
                lines[i].cs = cs;
            }
            let t = &text[lines[i].cs..lines[i].ce];
            if let Some(k) = jump_marker_at_end(t) {
                let ce = lines[i].cs + t[..k].trim_end_matches(is_ws).len();
                lines[i].ce = ce;
            }
        }
        if keys[i].as_ref().is_some_and(|k| counts.contains_key(k)) {
            lines[i].furniture = Furniture::Header;
        }
    }
}

/// The line under `t` goes on with it: a figure cut in two (B-S7n,
/// `…习近平2⏎5日…`), or a month or year before the day or month that B
/// opens with (`…当地时间5月⏎9日…`).
fn continues_into(t: &str, next: &str) -> bool {
    if number_across(t, next) {
        return true;
    }
    let lead = next.chars().take_while(|&c| is_digit(c)).count();
    lead > 0
        && matches!(last_char(t), Some('年' | '月'))
        && t.chars().rev().nth(1).is_some_and(is_digit)
        && matches!(next.chars().nth(lead), Some('日' | '月' | '号'))
}

/// A line's running-header key: its content as stages 3 and 4 will write
/// it when it has Han, a space, TAB or U+3000 and no more than 40 other
/// characters (a header candidate's length), the content as it is
/// otherwise. Three lines that differ only in spacing
/// (`…意向        。…` and `…意向。…`), or one that is short only once its
/// spaces are gone, are running headers on the first run as they would
/// be on the second (issue 10, fuzz). Lines without Han are keyed as they
/// are: they are never candidates ([`header_candidate`]).
fn header_key<'t>(t: &'t str, cfg: &Config) -> Cow<'t, str> {
    let spaced = t.bytes().any(|b| b == b' ' || b == b'\t') || t.contains('\u{3000}');
    if !spaced || t.chars().filter(|&c| !is_ws(c)).take(41).count() > 40 || !has_han(t) {
        return Cow::Borrowed(t);
    }
    Cow::Owned(output_form(t, cfg))
}

/// C-P2 without page boundaries: ≤ 40 chars, no terminal or pause mark at
/// the end, has Han or a digit, and is not a structure line that repeats
/// legitimately (bylines, datelines, section markers, list items).
pub(super) fn header_candidate(t: &str) -> bool {
    // A char is 1–4 bytes: decide the length test from the byte length
    // when it can, before counting.
    if t.len() < 5 || t.len() > 160 {
        return false;
    }
    let n = t.chars().count();
    if !(5..=40).contains(&n) {
        return false;
    }
    let Some(last) = last_char(t) else {
        return false;
    };
    if is_stop(last) || is_pause(last) || ends_terminal(t) {
        return false;
    }
    // Page headers carry a date or a page number (`人民日报 2021年8月6日
    // 星期五`, `第4版：要闻`); calibrated on xwlb, where per-story credits
    // `(视频编辑：… 文字编辑：…)` and programme lines `CCTV-新闻` repeat
    // without being page furniture. A line without Han is never one: in
    // English news the short lines that repeat with a digit are content
    // (Reuters `Record March 31`, `Pay April 30`, the column heads
    // `1986/87 1985/86` of its tables, 496 lines of reuters and bbc), and
    // they are keyed as they are ([`header_key`]), so spacing variants
    // that the output makes identical were removed only by a second run.
    let has_digit = t.chars().any(|c| c.is_ascii_digit());
    if !has_digit || !has_han(t) {
        return false;
    }
    // A date at the start is a signature or dateline (`2018年3月18日于北京`).
    let d = digits(t.as_bytes(), 0);
    if d > 0 && t[d..].starts_with(['年', '月', '日']) {
        return false;
    }
    !(t.starts_with("[视频]")
        || t.starts_with(['(', '（', '[', '【'])
        || is_byline(t)
        || dateline_end(t).is_some()
        || enumerator_len(t).is_some()
        || is_lead_dash(t))
}
