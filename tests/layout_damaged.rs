//! Damage the layout stage reads from the file in front of it. Real xwlb
//! files (`fixtures/layout-damaged`, see its SOURCES.md) whose own breaks
//! say they are damaged: the stage joins the breaks a transcript's priors
//! would keep, and still keeps a credit line apart. A headline whose tail
//! a page break repeated as a line of its own (an xwlb headline and lead,
//! the echo made here): the echo goes, the headline stays. A sogouc film
//! page: a line that opens with a label in lenticular brackets
//! (`【剧情简介】`) stays apart from the credits line before it. Seed
//! paragraphs hard-wrapped before their marks were made full-width come
//! back whole.

use newsclean::normalize::normalize;
use newsclean::Config;

fn fixture(name: &str) -> String {
    fixture_at(&format!("xwlb/2013/{name}"))
}

/// A file of `fixtures/layout-damaged`, by its path there.
fn fixture_at(rel: &str) -> String {
    let path = format!(
        "{}/fixtures/layout-damaged/{rel}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Byte offsets where a `layout.join` edit starts.
fn joins(text: &str) -> Vec<usize> {
    normalize(text, &Config::default())
        .edits
        .iter()
        .filter(|p| p.edit.rule == "layout.join")
        .map(|p| p.edit.start)
        .collect()
}

/// The offset just after `a` (which must occur once in `text`).
fn after(text: &str, a: &str) -> usize {
    assert_eq!(text.matches(a).count(), 1, "{a:?} occurs once");
    text.find(a).unwrap() + a.len()
}

#[test]
fn a_damaged_transcript_joins_after_a_pause_mark_and_inside_words() {
    let t = fixture("20131222.txt");
    let j = joins(&t);
    for a in ["剩下的5000多万元，裴春亮表示，这些年，", "扰乱正常"] {
        let at = after(&t, a);
        assert!(j.contains(&at), "break after {a:?} joined: {j:?}");
    }
    let out = normalize(&t, &Config::default()).text;
    assert!(out.contains("这些年，自己企业干得不错"), "joined text");
    assert!(out.contains("扰乱正常医疗秩序违法犯罪活动"), "joined text");
}

#[test]
fn a_credit_line_stays_apart_though_a_word_spans_its_break() {
    let t = fixture("20131226.txt");
    let at = after(&t, "国防部新闻发言人\u{3000}耿雁生");
    assert!(
        t[at..].starts_with("\n\n\u{3000}\u{3000}日方调整"),
        "the fixture has the credit before 日方调整"
    );
    assert!(
        !joins(&t).contains(&at),
        "国防部新闻发言人　耿雁生 kept apart from 日方调整…"
    );
}

#[test]
fn the_tail_of_a_headline_repeated_as_its_own_line_is_an_echo() {
    let headline = "外交部长王毅召见日驻华大使向日方提出严正交涉和强烈抗议";
    let lead = "\u{3000}\u{3000}央视网消息（新闻联播）：中国外交部部长王毅26号下午召见日本驻华大使木寺昌人，代表中国政府提出严正交涉和强烈抗议。";
    let text = format!("{headline}\n\n日驻华大使向日方提出严正交涉和强烈抗议\n\n{lead}\n");
    let out = normalize(&text, &Config::default());
    let echoes: Vec<_> = out
        .edits
        .iter()
        .filter(|p| p.edit.rule == "layout.echo")
        .collect();
    assert_eq!(echoes.len(), 1, "{:?}", out.text);
    assert!(
        out.text.starts_with(&format!("{headline}\n\n央视网消息")),
        "{:?}",
        out.text
    );
    // The headline's tail alone after a paragraph (not a headline) is
    // not taken for an echo: it reads as the next story's headline.
    let para = "中国外交部部长王毅二十六日下午召见日本驻华大使木寺昌人，代表中国政府就此向日方提出严正交涉和强烈抗议";
    let text = format!("{para}\n\n向日方提出严正交涉和强烈抗议\n\n{lead}\n");
    let out = normalize(&text, &Config::default());
    assert!(
        out.edits.iter().all(|p| p.edit.rule != "layout.echo"),
        "{:?}",
        out.text
    );
}

#[test]
fn a_line_opening_with_a_bracketed_label_stays_apart() {
    let t = fixture_at("sogouc/C000023/17.txt");
    let at = after(&t, "最佳造型设计、最佳电影音乐");
    let j = joins(&t);
    assert!(!j.contains(&at), "joined before 【剧情简介】: {j:?}");
}

/// Seed paragraphs hard-wrapped at 37 cells while their marks were still
/// ASCII (`fixtures/layout-damaged/seed/wrapped-37.txt`, see SOURCES.md):
/// the output's `，` take two cells, so by the output's widths the lines
/// that filled the width scatter over 36–40 cells and a full line reads
/// short (`拉家常、代办低保、解决供暖问题、报销⏎医药费…` was kept as a
/// headline). Read at the widths as they are, every paragraph comes back
/// whole, and a second run changes nothing.
#[test]
fn a_file_wrapped_before_its_marks_were_made_full_width_comes_back_whole() {
    let t = fixture_at("seed/wrapped-37.txt");
    let blocks: Vec<&str> = t.split("\n\n").filter(|b| !b.trim().is_empty()).collect();
    assert!(
        blocks.iter().filter(|b| b.lines().count() >= 3).count() >= 6,
        "the fixture is hard-wrapped"
    );
    let out = normalize(&t, &Config::default()).text;
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), blocks.len(), "one line per paragraph:\n{out}");
    assert!(out.contains("解决供暖问题、报销医药费……由内蒙古自治区包头市固阳县新建村"));
    assert!(out.contains("66岁的袁宝柱“感觉亲人们来了”。"));
    assert_eq!(normalize(&out, &Config::default()).text, out, "idempotent");
}

/// A headline hard-wrapped with its paragraphs ends on a short line; the
/// paragraph mark after it (a blank line, or the next line's indent) ends
/// its paragraph, whatever the line's last character (B-S8end). Where the
/// last line is as full as the width, its lines read together are a
/// headline (B-D3wrap). xwlb paragraphs wrapped as `scripts/layout-eval`
/// wraps them (`fixtures/layout-damaged/xwlb/…-wrapped.txt`, see
/// SOURCES.md).
#[test]
fn a_wrapped_headline_is_not_run_into_its_lead() {
    for (name, headline, lead) in [
        (
            "2014/20141207-wrapped.txt",
            "2015年春运首日车票今起发售",
            "春运首日，即明年2月4日的火车票今天",
        ),
        (
            "2013/20131212-wrapped.txt",
            "美国政府拟遏制养殖业使用抗生素",
            "为避免食用畜禽产品的人出现",
        ),
        // Its last line as full as the width (B-D3wrap).
        (
            "2022/20220126-wrapped.txt",
            "全国双拥办开展“情系边海防官兵”春节慰问活动",
            "近日，全国双拥办组织开展",
        ),
    ] {
        let t = fixture_at(&format!("xwlb/{name}"));
        let out = normalize(&t, &Config::default()).text;
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines.contains(&headline),
            "{name}: the headline whole on a line of its own:\n{out}"
        );
        assert!(
            lines.iter().any(|l| l.starts_with(lead)),
            "{name}: the lead joined and on its own line:\n{out}"
        );
        assert_eq!(
            normalize(&out, &Config::default()).text,
            out,
            "{name}: idempotent"
        );
    }
}

/// Three items of one xwlb day whose leads wrap alike
/// (`fixtures/layout-damaged/xwlb/2019/20190425-wrapped.txt`): the line
/// `央视网消息（新闻联播）：国家主席习近平2` is seen three times, but each
/// time the line under it goes on with it (`…习近平2⏎5日在人民大会堂…`):
/// text, not a running header. It is joined, never removed.
#[test]
fn a_lead_line_repeated_by_a_hard_wrap_is_no_running_header() {
    let t = fixture_at("xwlb/2019/20190425-wrapped.txt");
    assert_eq!(
        t.matches("央视网消息（新闻联播）：国家主席习近平2\n")
            .count(),
        3
    );
    let c = normalize(&t, &Config::default());
    assert!(
        !c.edits
            .iter()
            .any(|p| p.edit.rule == "layout.running-header"),
        "no line removed as page furniture"
    );
    for who in ["塞尔维亚总统", "肯尼亚总统", "乌兹别克斯坦总统"] {
        let lead = format!("央视网消息（新闻联播）：国家主席习近平25日在人民大会堂会见{who}");
        assert!(c.text.contains(&lead), "{lead} whole:\n{}", c.text);
    }
    assert_eq!(
        normalize(&c.text, &Config::default()).text,
        c.text,
        "idempotent"
    );
}

/// A headline hard-wrapped onto two lines whose lead opens with the same
/// words (`fixtures/layout-damaged/xwlb/2014/20140302-wrapped.txt`):
/// read on both its lines it is a headline, not an echo of its lead
/// (B-E2), and it stays.
#[test]
fn a_wrapped_headline_is_no_echo_of_its_lead() {
    let t = fixture_at("xwlb/2014/20140302-wrapped.txt");
    let c = normalize(&t, &Config::default());
    assert!(
        !c.edits.iter().any(|p| p.edit.rule == "layout.echo"),
        "no echo removed"
    );
    let lines: Vec<&str> = c.text.lines().collect();
    assert!(
        lines.contains(&"全国首批新版营业执照在上海颁发"),
        "{}",
        c.text
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("全国首批新版营业执照在上海颁发，标识着")));
    assert_eq!(
        normalize(&c.text, &Config::default()).text,
        c.text,
        "idempotent"
    );
}
