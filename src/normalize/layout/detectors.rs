//! Structure detectors (spec B-D, B-R): datelines, bylines, markers,
//! enumerators, headlines and decks, captions, attributions, speaker
//! labels, parallel items, sentence openers and the other shapes of a line
//! that decide whether it can continue or be continued. Most are vetoes:
//! a false join glues a headline or a byline onto a paragraph, which every
//! reader sees, while a missed join only leaves a seam.

use super::*;

// B-D1 datelines and B-D2 bylines live in `crate::dateline`: dedup's
// furniture test (`segment`) uses the same detectors.
pub(super) use crate::dateline::{dateline_end, is_byline, is_dateline_line};

/// B-D4: a 1–2 Han section marker (`加`, `减`, `一`, `前言`).
pub(super) fn is_marker(t: &str, next: Option<&str>) -> bool {
    let n = t.chars().count();
    if !(1..=2).contains(&n) || !t.chars().all(is_han) {
        return false;
    }
    const TOKENS: &[&str] = &[
        "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "加", "减",
        "乘", "除", "上", "中", "下", "甲", "乙", "丙", "丁", "壹", "贰", "叁", "肆", "伍", "前言",
        "结语", "附录", "引言",
    ];
    TOKENS.contains(&t) || next.is_some_and(is_lead_dash)
}

/// B-D5: the line starts with a dash (`——`).
pub(super) fn is_lead_dash(t: &str) -> bool {
    t.starts_with("——") || t.starts_with("――") || t.starts_with("--") || t.starts_with("—")
}

/// Bytes of the run of Chinese or ASCII digits at the start of `r`.
fn numeral_len(r: &str) -> usize {
    r.chars()
        .take_while(|&c| is_cn_numeral(c) || c.is_ascii_digit())
        .map(char::len_utf8)
        .sum()
}

/// B-D6 enumerators (and B-R headings): byte length of the enumerator.
pub(super) fn enumerator_len(t: &str) -> Option<usize> {
    // [一二…十]+、
    let cn: usize = t
        .chars()
        .take_while(|&c| is_cn_numeral(c))
        .map(char::len_utf8)
        .sum();
    if cn > 0 && t[cn..].starts_with('、') {
        return Some(cn + '、'.len_utf8());
    }
    // 第[一…十\d]+[章节条部分编篇款]
    if let Some(r) = t.strip_prefix('第') {
        let k = numeral_len(r);
        if k > 0 {
            if let Some(c) = first_char(&r[k..]) {
                if matches!(c, '章' | '节' | '条' | '部' | '编' | '篇' | '款') {
                    return Some('第'.len_utf8() + k + c.len_utf8());
                }
            }
        }
    }
    // （[一…十\d]+） or ([…])
    if let Some(open) = first_char(t).filter(|&c| c == '（' || c == '(') {
        let r = &t[open.len_utf8()..];
        let k = numeral_len(r);
        if k > 0 {
            if let Some(c) = first_char(&r[k..]).filter(|&c| c == '）' || c == ')') {
                return Some(open.len_utf8() + k + c.len_utf8());
            }
        }
    }
    // \d{1,2}[.、．](?!\d)
    let b = t.as_bytes();
    let d = digits(b, 0);
    if (1..=2).contains(&d) {
        let r = &t[d..];
        if let Some(c) = first_char(r).filter(|&c| matches!(c, '.' | '、' | '．')) {
            let after = &r[c.len_utf8()..];
            if !first_char(after).is_some_and(|x| x.is_ascii_digit()) {
                return Some(d + c.len_utf8());
            }
        }
    }
    // ①…⑳
    if let Some(c) = first_char(t).filter(|&c| ('\u{2460}'..='\u{2473}').contains(&c)) {
        return Some(c.len_utf8());
    }
    None
}

/// B-R: a numbered row (`2 切沃VS佛罗伦`, `12 杜伊斯VS美因兹 13日21时`):
/// 1–3 digits, a space (ASCII or U+3000, which stage 3 makes one space),
/// then no digit; a veto after a line that does not end in Han (the end of
/// the previous row, `0/3`), not after `…井外余绳⏎4 尺`. Rows of scraped
/// tables carry the row indent too, which a second run no longer sees.
pub(super) fn numbered_row(t: &str) -> bool {
    let d = digits(t.as_bytes(), 0);
    if !(1..=3).contains(&d) {
        return false;
    }
    let r = t[d..].trim_start_matches([' ', '\u{3000}']);
    // The cell after the number starts with a letter or Han: a space before
    // punctuation (`0 ,一`) is removed by stage 4 (`0，一`), and a second
    // run must not decide differently (idempotence).
    r.len() < t.len() - d
        && first_char(r).is_some_and(|c| !c.is_ascii_digit() && c.is_alphanumeric())
}

/// B-R: a biography/chronology line `2003－2007年　…`, `1998年起 …`.
pub(super) fn is_year_range(t: &str) -> bool {
    let b = t.as_bytes();
    if digits(b, 0) != 4 {
        return false;
    }
    let r = &t[4..];
    r.starts_with(['-', '－', '—', '–'])
        || r.starts_with("年起")
        || r.starts_with("年　")
        || r.starts_with("年 ")
}

/// B-R: a line that is only a date or time (`2019年1月21日` under a letter,
/// `6月19日19:38` in a programme schedule, the table cell `14日21时` of
/// sogouc `C000014/19`).
pub(super) fn is_date_line(t: &str) -> bool {
    t.chars().any(|c| c.is_ascii_digit())
        && t.chars().all(|c| {
            c.is_ascii_digit()
                || matches!(
                    c,
                    '年' | '月' | '日' | '号' | '时' | '分' | ':' | '：' | ' ' | '-' | '.'
                )
        })
}

/// B-R10: the lead paragraph repeats the headline. A short line A that
/// shares a run of ≥ 4 Han/alphanumeric characters with the start of B is a
/// headline followed by its lead (`…登山大会开赛` / `…登山大会今天举行`).
pub(super) fn lead_repeats(ta: &str, tb: &str) -> bool {
    let a: Vec<char> = ta.chars().collect();
    if a.len() > 50 {
        return false;
    }
    let b: Vec<char> = tb.chars().take(60).collect();
    let ok = |c: char| is_han(c) || c.is_alphanumeric();
    // Longest common run, O(|a|·|b|) on ≤ 50×60 chars.
    let mut prev = vec![0u8; b.len() + 1];
    let mut cur = vec![0u8; b.len() + 1];
    for &ca in &a {
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = if ca == cb && ok(ca) {
                prev[j].saturating_add(1)
            } else {
                0
            };
            if cur[j + 1] >= 4 {
                return true;
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    false
}

/// `t` has a run of ASCII spaces that stage 4 keeps: not one after an
/// opening, pause or stop mark nor before a closing, pause or stop mark,
/// which A-Z1 removes (`“ 记党量的` reads `“记党量的` in the output, and a
/// second run reads it so; fuzz).
pub(super) fn kept_space(t: &str) -> bool {
    use crate::normalize::marks::{is_full_close, is_full_open, is_full_pause, is_full_stop};
    let b = t.as_bytes();
    let mut i = 0;
    while let Some(k) = b[i..].iter().position(|&c| c == b' ') {
        let start = i + k;
        let mut end = start;
        while end < b.len() && b[end] == b' ' {
            end += 1;
        }
        let before = t[..start].chars().next_back();
        let after = t[end..].chars().next();
        let gone_after =
            before.is_some_and(|c| is_full_open(c) || is_full_pause(c) || is_full_stop(c));
        let gone_before = after
            .is_some_and(|c| is_full_close(c) || is_full_pause(c) || is_full_stop(c) || c == '…');
        if !gone_after && !gone_before {
            return true;
        }
        i = end;
    }
    false
}

/// B-D3/B-H1 headline shape (without the position test) and B-H2.
pub(super) fn headline_shape(t: &str) -> bool {
    // Ellipses, dots and dashes change their length in stage 4 (`...` →
    // `……`, `-` → `——`): not counted, so a second run measures the same.
    let Some(last) = last_char(t) else {
        return false;
    };
    if is_stop(last) || is_pause(last) {
        return false;
    }
    if !has_han_count(t, 4) {
        return false;
    }
    let n = t
        .chars()
        .filter(|c| !matches!(c, '…' | '⋯' | '.' | '-' | '—' | '–' | '―'))
        .count();
    // B-H2: a dangling function character means the line is cut mid-phrase.
    // Calibrated on xwlb headlines: 地 得 及 在 对 为 是 一 个 了 过 与 将 向
    // 之 其 着 end common words (高地, 获得, 埃及, 存在, 应对, 成为, 统一,
    // 为了, 通过, 参与, 方向, 尤其, 意味着), so only the characters that
    // practically never end a headline count as dangling.
    // `…是不可能的`, `…具有军事目的`, `普京：…的`: a complete headline.
    let de_complete = last == '的'
        && (t.contains('：') || t.contains(':') || kept_space(t) || t.ends_with("目的") || {
            let tail: Vec<char> = t.chars().rev().take(8).collect();
            tail.contains(&'是')
        });
    if matches!(last, '的' | '和' | '把' | '被' | '从' | '这' | '那' | '或') && !de_complete
    {
        return false;
    }
    let mut depth = 0i32;
    let t_outside: String = t
        .chars()
        .filter(|&c| {
            match c {
                '《' => depth += 1,
                '》' => depth -= 1,
                _ => {}
            }
            depth == 0
        })
        .collect();
    let t = t_outside.as_str();
    // A `.` between Han becomes `。` in stage 4: count it already
    // (idempotence); a decimal point or `U.S.` stays.
    let mut prev = ' ';
    let mut inner_punct = false;
    let mut it = t.chars().peekable();
    while let Some(c) = it.next() {
        let next = it.peek().copied().unwrap_or(' ');
        if matches!(c, '，' | '。' | '；' | ',' | ';')
            || (c == '.' && !(prev.is_ascii_alphanumeric() && next.is_ascii_alphanumeric()))
        {
            inner_punct = true;
            break;
        }
        prev = c;
    }
    if n <= 40 {
        return !inner_punct;
    }
    // B-R: longer headlines, only without any pause or stop inside.
    n <= 64 && !t.chars().any(|c| is_pause(c) || is_stop(c))
}

/// B-R: a short subhead deck with one comma (`全球品牌，本土特色`,
/// `坚持，给我力量`), only tested on a line that starts a unit.
pub(super) fn short_deck(t: &str) -> bool {
    // At most 16 characters (checked below) is at most 64 bytes.
    if t.len() > 64 {
        return false;
    }
    let n = t.chars().count();
    let commas = t.chars().filter(|&c| c == '，' || c == ',').count();
    let others = t
        .chars()
        .any(|c| (is_pause(c) && c != '，' && c != ',') || is_stop(c));
    let dash = t.contains("——");
    (5..=if dash { 16 } else { 14 }).contains(&n)
        && (commas == 1 || (dash && commas <= 1))
        && !others
        && !t.ends_with(['，', ','])
        && has_han_count(t, 4)
}

/// B-R: a photo credit at the end of a caption (`…活动。　王世义 摄`, `…新华社发`).
pub(super) fn ends_with_credit(t: &str) -> bool {
    if t.ends_with("新华社发") || t.ends_with("新华社记者摄") {
        return true;
    }
    let Some(r) = t.strip_suffix('摄') else {
        return false;
    };
    r.ends_with([' ', '\u{3000}'])
}

/// B-R10 for a headline glued to the end of the previous paragraph
/// (`…景区公园。2014中国黄山国际登山大会开赛` / `2014中国黄山国际登山大会今天…`):
/// the segment of A after its last stop repeats in B's lead.
pub(super) fn glued_headline(ta: &str, tb: &str, a_starts_unit: bool) -> bool {
    // Without a stop in A the segment is the whole line, which only holds
    // when A starts a unit: after a join (or on a second run) it would
    // reach into the line before (idempotence).
    let seg = match ta.char_indices().rfind(|&(_, c)| is_stop(c)) {
        Some((i, c)) => &ta[i + c.len_utf8()..],
        None if a_starts_unit => ta,
        None => return false,
    };
    // A headline may hold one `，` (`引领金砖合作，带动全球治理变革`).
    let commas = seg.chars().filter(|&c| c == '，' || c == ',').count();
    let others = seg
        .chars()
        .any(|c| (is_pause(c) && c != '，' && c != ',') || is_stop(c));
    if seg.is_empty() || others || commas > 1 || (commas == 1 && seg.chars().count() > 24) {
        return false;
    }
    // A clause before its `，` that reports or sets the scene opens a
    // sentence, not a headline (`…据福克斯新闻报道，亚利桑那州近两周新增确诊
    // 病例⏎和住院人数…`, `…普京去年底曾表示，俄日之间不存在领土⏎问题…`,
    // `随着…，`): a headline's two parts are parallel phrases.
    if commas == 1 {
        let first = seg.split(['，', ',']).next().unwrap_or_default();
        if ["据", "随着"].iter().any(|p| first.starts_with(p))
            || ["表示", "称", "说", "报道", "指出", "认为", "强调"]
                .iter()
                .any(|v| first.ends_with(v))
        {
            return false;
        }
    }
    lead_repeats(seg, tb)
}

/// B-D3 soft: does B's lead (its first 120 characters) repeat a Han
/// bigram of A? A lead restates its headline (`洞庭湖江豚搁浅 渔政人员成功
/// 救助` / `…洞庭湖…江豚…`): on a tenth of xwlb, 98% of the lines of a
/// headline's shape share a bigram with the line after them, where the
/// first half of a paragraph cut at a random point shares none with the
/// rest about half the time (`　　当天的枪击⏎事件发生在上午9点20分…`).
pub(super) fn lead_shares_bigram(ta: &str, tb: &str) -> bool {
    let a: Vec<char> = ta.chars().collect();
    let pairs: Vec<(char, char)> = a
        .windows(2)
        .filter(|w| is_han(w[0]) && is_han(w[1]))
        .map(|w| (w[0], w[1]))
        .collect();
    let mut prev = None;
    for c in tb.chars().take(120) {
        if let Some(p) = prev {
            if pairs.contains(&(p, c)) {
                return true;
            }
        }
        prev = is_han(c).then_some(c);
    }
    false
}

/// B's lead (its first 120 characters) repeats three Han characters of A
/// in a row: a lead retelling its headline (`港珠澳大桥沉管隧道最终接头起运⏎
/// 港珠澳大桥沉管隧道最终接头今天…`), more than the chance bigram a
/// paragraph's own continuation shares with its head.
pub(super) fn lead_shares_trigram(ta: &str, tb: &str) -> bool {
    let a: Vec<char> = ta.chars().collect();
    let grams: Vec<&[char]> = a
        .windows(3)
        .filter(|w| w.iter().all(|&c| is_han(c)))
        .collect();
    let b: Vec<char> = tb.chars().take(120).collect();
    b.windows(3).any(|w| grams.contains(&w))
}

/// The part of `t` after its last stop mark (all of `t` without one).
pub(super) fn after_last_stop(t: &str) -> &str {
    match t.char_indices().rfind(|&(_, c)| is_stop(c)) {
        Some((i, c)) => &t[i + c.len_utf8()..],
        None => t,
    }
}

/// B-R11 interview caption (`福建省漳州市三坪村　村民　许进和`): a short line
/// with ideographic or double spaces between its fields.
pub(super) fn is_caption_label(t: &str) -> bool {
    // Photo captions: `资料图：…`, `图为…`, `图片：…`.
    if [
        "资料图",
        "图为",
        "图：",
        "图:",
        "图片：",
        "图片:",
        "（图",
        "(图",
    ]
    .iter()
    .any(|p| t.starts_with(p))
    {
        return true;
    }
    // Fields separated by spaces (stage 3 turns U+3000 into one space, so
    // the test must hold for both forms): ≥ 3 fields, all Han.
    let fields: Vec<&str> = t
        .split([' ', '\u{3000}'])
        .filter(|f| !f.is_empty())
        .collect();
    t.chars().count() <= 30 && fields.len() >= 3 && fields.iter().all(|f| f.chars().all(is_han))
}

/// B-R11 attribution after a quotation (`…”——美国记者哈里森·索尔兹伯里`).
pub(super) fn is_attribution(t: &str) -> bool {
    match t.rfind("——") {
        Some(i) if i > 0 => {
            let tail = &t[i + "——".len()..];
            // Spaces do not count (stage 3 removes them); a name has letters.
            let n = tail.chars().filter(|&c| !is_ws(c)).count();
            (2..=20).contains(&n)
                && tail.chars().any(char::is_alphanumeric)
                && !tail.chars().any(|c| is_pause(c) || is_stop(c))
        }
        _ => false,
    }
}

/// B-R4 parallel items: A and B open with the same two characters, both
/// are short and A ends with a pause or stop (`任命…为…部长，` ⏎ `任命…`).
pub(super) fn is_parallel_item(ta: &str, tb: &str) -> bool {
    let mut a = ta.chars();
    let mut b = tb.chars();
    let (Some(a1), Some(a2)) = (a.next(), a.next()) else {
        return false;
    };
    b.next() == Some(a1)
        && b.next() == Some(a2)
        && ta.chars().count() <= 30
        && tb.chars().count() <= 30
        && last_char(ta).is_some_and(|c| is_pause(c) || is_stop(c))
}

/// B-R8: a speaker label at the start (`记者：`, `…工程师 柯胜边：`).
pub(super) fn is_speaker_label(t: &str) -> bool {
    for (n, (i, c)) in t.char_indices().enumerate() {
        if n > 20 {
            return false;
        }
        if c == '：' || c == ':' {
            let rest = &t[i + c.len_utf8()..];
            // A colon between digits is a score, ratio or time (`以2：0的
            // 比分`, `20：05`), not a label's; read on.
            if t[..i].ends_with(is_digit) && rest.starts_with(is_digit) {
                continue;
            }
            // `https://` is not a label.
            return i > 0 && !rest.is_empty() && !rest.starts_with('/');
        }
        // Both widths: stage 4 converts the ASCII marks (idempotence).
        if is_stop(c) || matches!(c, '，' | ',' | '；' | ';' | '“' | '"' | '、') {
            return false;
        }
    }
    false
}

/// A line that opens with a news source's label (`央视网消息（新闻联播）：`,
/// `本台消息：`, `新华网消息：`): the lead of a story, not a speaker's
/// words, so a line of that shape that breaks off unfinished is not kept
/// apart as a speaker label is (B-R8 reads A only past such a label).
pub(super) fn starts_with_source_label(t: &str) -> bool {
    let Some(i) = t
        .find(['：', ':'])
        .filter(|&i| t[..i].chars().count() <= 20)
    else {
        return false;
    };
    let label = t[..i].trim_end();
    let label = match label.strip_suffix(['）', ')']) {
        Some(l) => l.rfind(['（', '(']).map_or(l, |o| &l[..o]),
        None => label,
    };
    label.trim_end().ends_with("消息")
}

/// A reads as the head of a paragraph, not as a headline or a deck: it
/// opens with a lead's source label (`央视网消息(新闻联播)：应斐济总理姆⏎
/// 拜尼马拉马…`), or the label runs across the break (`央视网消息⏎
/// （新闻联播）：…`), or its first clause, ended by a mark inside A, is an
/// opener a sentence starts with (`目前，沙特方面⏎正在…`, `奥朗德说，乌克兰
/// 危机⏎升级…`, `第一，大力⏎推进…`). Headlines and decks do not open like
/// that: a deck's clauses are parallel phrases (`全球品牌，本土特色`).
pub(super) fn opens_paragraph(ta: &str, tb: &str) -> bool {
    if starts_with_source_label(ta) {
        return true;
    }
    if !ta.contains(['：', ':']) && ta.chars().count() <= 20 && ta.ends_with("消息") {
        let label_across = tb.starts_with(['（', '('])
            && tb.find(['）', ')']).is_some_and(|i| {
                tb[i..]
                    .chars()
                    .nth(1)
                    .is_some_and(|c| matches!(c, '：' | ':'))
            });
        if label_across {
            return true;
        }
    }
    let (clause, mark) = first_clause(ta);
    matches!(mark, Some('，' | ','))
        && (starts_new_sentence(ta) || OPENERS.iter().any(|o| clause.starts_with(o)))
}

/// B-R7: B opens a new sentence in the way paragraphs usually start.
pub(super) fn starts_with_opener(t: &str) -> bool {
    if OPENERS.iter().any(|o| t.starts_with(o)) {
        return true;
    }
    // `5日，` `2015年，` `12月15日，` `0点30分，`: a date or time opener.
    let d = digits(t.as_bytes(), 0);
    if d > 0 && t[d..].starts_with(['日', '号', '年', '月', '点', '时']) {
        return true;
    }
    subject_dated(t)
}

/// A lead that names its subject, then the day with its date in brackets
/// (`北京冬奥组委今天（6月1日）组织…`, `国务院总理李克强昨天（3月5日）…`), the
/// way a news item opens: Han characters only before `今天（` or `昨天（`,
/// at most 16 of them.
fn subject_dated(t: &str) -> bool {
    let mut n = 0;
    for (i, c) in t.char_indices() {
        if t[i..].starts_with("今天（") || t[i..].starts_with("昨天（") {
            return n >= 2;
        }
        n += 1;
        if !is_han(c) || n > 16 {
            return false;
        }
    }
    false
}

/// The openers of [`starts_with_opener`].
const OPENERS: &[&str] = &[
    "据",
    "记者",
    "今天",
    "昨天",
    "近日",
    "日前",
    "目前",
    "当前",
    "此外",
    "另外",
    "同时",
    "与此同时",
    "截至",
    "今年",
    "去年",
    "明年",
    "此前",
    "随后",
    "其中",
    "对此",
    "为此",
    "然而",
    "不过",
    "如今",
    "现在",
    "当时",
    "此次",
    "过去",
    "眼下",
    "近期",
    "最近",
    "今后",
    "未来",
    "另据",
    "据悉",
    "这些年",
    "于是",
    "昨晚",
    "今晚",
    "当天",
    "次日",
    "这几天",
    "这两天",
    "那么",
    "这个",
    "那个",
    "这次",
    "本次",
    "新华社",
    "央视",
    "会议",
    "会上",
    "专家",
    "数据显示",
    "统计显示",
    "记者从",
    "他说",
    "她说",
    "他表示",
    "她表示",
    "他指出",
    "近年来",
    "多年来",
    "长期以来",
    "下一步",
    "接下来",
    "总之",
    "首先",
    "其次",
    "最后",
    "第一",
    "第二",
    "第三",
    "整个",
];

/// The first clause of `t` (up to the first pause or stop mark) and the
/// mark that ends it.
pub(super) fn first_clause(t: &str) -> (&str, Option<char>) {
    match t
        .char_indices()
        .find(|&(_, c)| (is_pause(c) && c != '、') || is_stop(c))
    {
        Some((i, c)) => (&t[..i], Some(c)),
        None => (t, None),
    }
}

/// B-R9: B's first clause is a sentence-initial adverbial (`在…，`, `受…影响，`,
/// `事故发生后，`, `两年前，`) or reports speech (`齐骥表示，`): B starts a
/// sentence of its own, as paragraphs do.
pub(super) fn starts_new_sentence(t: &str) -> bool {
    let (clause, mark) = first_clause(t);
    let n = clause.chars().count();
    if n == 0 {
        return false;
    }
    if mark == Some('，') || mark == Some(',') {
        const PREP: &[&str] = &[
            "在", "受", "随着", "为了", "根据", "按照", "针对", "面对", "对于", "作为", "经过",
            "由于", "因为", "虽然", "尽管", "如果", "自从", "当", "从", "就", "为", "经", "据",
        ];
        if n >= 3 && PREP.iter().any(|p| clause.starts_with(p)) {
            return true;
        }
        if n <= 6 && clause.ends_with(['后', '前', '时', '中', '里', '间', '天', '外', '内', '来'])
        {
            return true;
        }
        if n <= 12
            && ["同时", "之后", "以后", "以来", "期间", "时候", "之际"]
                .iter()
                .any(|x| clause.ends_with(x))
        {
            return true;
        }
    }
    // `X表示，` `X说：`: reported speech opens the sentence.
    matches!(mark, Some('，' | ',' | '：' | ':'))
        && n <= 40
        && [
            "表示",
            "说",
            "指出",
            "认为",
            "介绍",
            "强调",
            "告诉记者",
            "称",
            "显示",
            "提出",
            "宣布",
            "获悉",
            "了解到",
            "报道",
        ]
        .iter()
        .any(|v| clause.ends_with(v))
}

/// Characters before the first mark of any kind (`上门、` → 2).
pub(super) fn head_fragment_len(t: &str) -> usize {
    t.chars()
        .take_while(|&c| !(is_pause(c) || is_stop(c) || is_ws(c)))
        .count()
}

/// B-S9 (built-in word list): A's last and B's first character form a word
/// across the break (`今|年`, `中国|共产党`).
pub(super) fn word_across(ca: char, cb: char) -> bool {
    time_word_across(ca, cb) || b_s9::PAIRS.binary_search(&(ca, cb)).is_ok()
}

/// B-S9 time words (`今|年`, `当|天`): they hold even when B then reads
/// as a sentence opener (`今⏎⏎年以来，`).
pub(super) fn time_word_across(ca: char, cb: char) -> bool {
    matches!(
        (ca, cb),
        (
            '今' | '去' | '明' | '前' | '当' | '近' | '全' | '同' | '每',
            '年'
        )
    ) || matches!(
        (ca, cb),
        ('今' | '昨' | '明' | '当' | '每' | '前', '天' | '日')
    )
}

/// B-S7b: B opens with a number and a classifier or unit (`1500家`, `75%`,
/// `10多个`), not a date or time (`5日，` opens paragraphs): the count or
/// amount of something A started to say.
pub(super) fn starts_with_quantity(t: &str) -> bool {
    let d = digits(t.as_bytes(), 0);
    if d == 0 {
        return false;
    }
    let r = &t[d..];
    let r = r.strip_prefix(['.', ',']).map_or(r, |x| {
        let k = digits(x.as_bytes(), 0);
        if k > 0 {
            &x[k..]
        } else {
            r
        }
    });
    r.starts_with([
        '%', '％', '家', '个', '万', '亿', '名', '项', '倍', '元', '多', '余', '吨', '米', '公',
        '千', '百', '人', '件', '辆', '架', '只', '头', '座', '所', '条', '份',
    ])
}

/// B-R15: A ends with an auxiliary or adverb that needs its verb
/// (`…公司现在正要⏎　　引进一批毕业生`, sogouc `C000022/14.txt`).
pub(super) fn ends_with_auxiliary(t: &str) -> bool {
    [
        "正要", "将要", "就要", "快要", "正在", "已经", "曾经", "必须", "应当", "必将", "仍将",
        "即将",
    ]
    .iter()
    .any(|x| t.ends_with(x))
}

/// B-R14: B opens with a predicate that needs the subject A was saying
/// (`…新设企业⏎同比增长47%`).
pub(super) fn starts_with_predicate(t: &str) -> bool {
    ["同比", "环比", "分别为", "分别是", "分别达到"]
        .iter()
        .any(|p| t.starts_with(p))
}

/// B-R6: continuation words that cannot start a paragraph after `，`.
pub(super) fn starts_with_continuation(t: &str) -> bool {
    const CONT: &[&str] = &[
        "也",
        "而",
        "并",
        "但",
        "且",
        "从而",
        "进而",
        "使",
        "让",
        "就",
        "都",
        "还",
        "又",
        "才",
        "则",
        "却",
        "即",
        "便",
        "比",
        "和",
        "与",
        "及",
        "所以",
        "因此",
        "致使",
        "导致",
        "造成",
        "以及",
        "甚至",
        "乃至",
        "或",
        "更",
        "再",
        "不仅",
        "而且",
        "并且",
        "同时也",
    ];
    CONT.iter().any(|o| t.starts_with(o))
}

/// B-S7 units and classifiers after a digit.
pub(super) fn is_unit(c: char) -> bool {
    matches!(
        c,
        '年' | '月'
            | '日'
            | '时'
            | '分'
            | '秒'
            | '亿'
            | '万'
            | '元'
            | '%'
            | '个'
            | '家'
            | '名'
            | '项'
            | '倍'
            | '千'
            | '百'
            | '余'
            | '多'
    ) || c == '％'
}

/// Script of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Script {
    Cjk,
    Latin,
    Other,
}

/// `char::is_alphabetic` with fast answers for ASCII and the CJK and
/// general punctuation that fills Chinese lines (the Unicode table lookup
/// is slow); everything else goes to the table.
pub(super) fn is_alpha(c: char) -> bool {
    match c {
        _ if c.is_ascii() => c.is_ascii_alphabetic(),
        '\u{3000}'..='\u{3004}'
        | '\u{3008}'..='\u{3020}'
        | '\u{2000}'..='\u{206F}'
        | '\u{FF01}'..='\u{FF20}'
        | '\u{FF3B}'..='\u{FF40}'
        | '\u{FF5B}'..='\u{FF65}' => false,
        _ => c.is_alphabetic(),
    }
}

pub(super) fn script(t: &str) -> Script {
    let (mut han, mut letters) = (0usize, 0usize);
    for c in t.chars() {
        if is_han(c) {
            han += 1;
            letters += 1;
        } else if is_alpha(c) {
            letters += 1;
        }
    }
    if han > 0 && han * 10 >= letters * 3 {
        Script::Cjk
    } else if han == 0 && letters > 0 {
        Script::Latin
    } else {
        Script::Other
    }
}

/// How long the string across the break must be for
/// [`repeated_across`]: with four characters, two words that merely meet
/// elsewhere count (`…高质量发展⏎中国证监会…`, `发展中国`), and the People's
/// Daily check of `scripts/layout-eval` (never tuned on) got 4 more false
/// joins for 17 joins; with five, 10 joins and no false one there, and
/// on xwlb (tuned on) recall +0.2 pt, no false join.
pub(super) const REPEATED_LEN: usize = 5;

/// [`REPEATED_LEN`] characters across the break, one or more from each
/// side (all Han), occur in one piece elsewhere in the file (`text`): a
/// name, a term or a phrase that the break cut (`在阿里⏎纳斯罚失两球后`
/// with `阿里纳斯罚` elsewhere, `全国人民代表大会⏎第四次会议` with
/// `代表大会第四` in another story of the day). The file is its own
/// dictionary of the names and phrases it uses.
pub(super) fn repeated_across(text: &str, ta: &str, tb: &str) -> bool {
    let n = REPEATED_LEN;
    let mut tail: Vec<char> = ta
        .chars()
        .rev()
        .take(n - 1)
        .take_while(|&c| is_han(c))
        .collect();
    tail.reverse();
    let head: Vec<char> = tb.chars().take(n - 1).take_while(|&c| is_han(c)).collect();
    let mut s = String::new();
    (1..n).any(|k| {
        k <= tail.len() && n - k <= head.len() && {
            s.clear();
            s.extend(&tail[tail.len() - k..]);
            s.extend(&head[..n - k]);
            text.contains(s.as_str())
        }
    })
}

/// B-S7n: a number cut by the break. A ends with a run of one to four
/// digits right after a Han character and B opens with digits right
/// before a Han character (`…土耳其外长恰武什奥卢1⏎6号宣布…`, `…众议院以
/// 21⏎7票对213票…`, `…广东130⏎7万亩早稻…`): the number began in A's
/// sentence and its unit is in B. Read on xwlb, sogouc and the seed
/// (every pair of consecutive non-blank lines): no real line pair has
/// this shape; a headline ending in a figure has a Latin or digit
/// neighbour (`国产大飞机C919`) or a unit after it.
pub(super) fn number_across(ta: &str, tb: &str) -> bool {
    let digits = ta.chars().rev().take_while(|&c| is_digit(c)).count();
    if !(1..=4).contains(&digits) || !ta.chars().rev().nth(digits).is_some_and(is_han) {
        return false;
    }
    let lead = tb.chars().take_while(|&c| is_digit(c)).count();
    lead > 0 && tb.chars().nth(lead).is_some_and(is_han)
}

/// A digit of either width (`7`, `７`).
pub(super) fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}
