//! Tests of the review pages.

use super::*;

#[test]
fn page_cut_stops_at_a_line_end_within_the_cap() {
    let line = "一二三四五六七八九十。".repeat(PAGE_CAP / 30 + 1);
    assert!(line.len() > PAGE_CAP);
    let one = page_cut(&line);
    assert!(one <= PAGE_CAP && one > PAGE_CAP - 4 && line.is_char_boundary(one));
    let short = "短行。\n".repeat(PAGE_CAP / 10 + 1);
    let c = page_cut(&short);
    assert!(c <= PAGE_CAP && short[..c].ends_with('\n') && c + 10 > PAGE_CAP);
    assert_eq!(page_cut("小文件。\n"), "小文件。\n".len());
}

#[test]
fn escaping_and_numbers_match_the_plain_forms() {
    let naive = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    };
    let parts = [
        "中文",
        "<",
        ">",
        "&",
        "\"",
        "'",
        "a",
        "0",
        "（",
        " ",
        "?",
        "é",
        "\u{1F600}",
    ];
    let mut s = String::new();
    for k in 0..400 {
        s.push_str(parts[(k * 7 + k / 3) % parts.len()]);
        assert_eq!(escape_html(&s), naive(&s), "{s:?}");
    }
    for n in [0usize, 7, 10, 99, 100, 12345, usize::MAX] {
        let mut o = String::new();
        push_num(&mut o, n);
        assert_eq!(o, n.to_string());
    }
}
use crate::report::KeptCopy;

fn rec(orig: &str, start: usize, end: usize, after: &str, rule: &'static str) -> ChangeRecord {
    let line = orig[..start].matches('\n').count() + 1;
    ChangeRecord {
        file: "a/b.txt".into(),
        record: None,
        line,
        column: 1,
        start,
        end,
        rule,
        before: orig[start..end].into(),
        after: after.into(),
        duplicate_of: None,
        detail: None,
    }
}

#[test]
fn script_json_cannot_close_the_script() {
    let s = script_json(&["</script><!-- & \u{2028}"]);
    assert!(!s.contains('<') && !s.contains('>') && !s.contains('&') && !s.contains('\u{2028}'));
    let back: Vec<String> = serde_json::from_str(&s).unwrap();
    assert_eq!(back[0], "</script><!-- & \u{2028}");
}

#[test]
fn hrefs_are_encoded_and_relative() {
    assert_eq!(
        page_href("a b/c#1.txt", Some(3)),
        "files/a%20b/c%231.txt.html#L3"
    );
    assert_eq!(page_href("x.txt", None), "files/x.txt.html");
    assert_eq!(root_prefix("x.txt"), "../");
    assert_eq!(root_prefix("a/b/x.txt"), "../../../");
}

#[test]
fn visible_whitespace() {
    assert_eq!(visible(" \u{3000}\t\n\u{200B}\u{a0}"), "·□→⏎⟨U+200B⟩⍽");
}

#[test]
fn file_page_escapes_and_anchors() {
    let orig = "一<script>x</script>,二\n\n三 \n第四行";
    let c = orig.find(',').unwrap();
    let t = orig.find(" \n").unwrap();
    let mut dup = rec(
        orig,
        orig.find("第四行").unwrap(),
        orig.len(),
        "",
        "dedup.paragraph",
    );
    dup.duplicate_of = Some(KeptCopy {
        run: None,
        file: "k/<x>.txt".into(),
        line: 7,
    });
    let recs = vec![
        rec(orig, c, c + 1, "，", "punct.comma"),
        rec(orig, t, t + 1, "", "whitespace.trailing"),
        dup,
    ];
    let html = render_file_page("a/b.txt", orig, &recs, None).unwrap();
    assert!(!html.contains("<script>x"));
    assert!(html.contains("&lt;script&gt;x"));
    // The ids the page script gives: every line (the removed duplicate's
    // row stands for line 4), every edit.
    let ids = anchors(&html);
    assert_eq!(ids, ["L1", "e0", "L2", "L3", "e1", "L4", "e2"], "{html}");
    assert!(html.contains(&format!(
        "href=\"../../{}\"",
        crate::report::kept::kept_href("k/<x>.txt", 7)
    )));
    assert!(html.contains("<del>,</del><ins>，</ins>"));
    assert!(html.contains("<s>·</s>"));
}

#[test]
fn multi_line_edit_is_cut_per_line() {
    let orig = "甲\n乙\n乙\n丙";
    let s = orig.find("乙\n丙").unwrap();
    let recs = [rec(orig, s, s + "乙\n".len(), "", "dedup.line")];
    let rows = build_rows(
        orig,
        &{
            let r = &recs[0];
            vec![Span {
                i: 0,
                start: r.start,
                end: r.end,
                del_start: r.start,
                del_end: r.end,
                ins: String::new(),
                flag: false,
                rule: r.rule,
                dup: None,
                dup_row: None,
            }]
        },
        &recs,
    );
    assert_eq!(rows.len(), 4);
    assert!(rows[2].x && !rows[3].x);
    assert_eq!(rows[2].pieces[0].s, "乙⏎");
    let orig = "a\nb";
    let spans = vec![Span {
        i: 0,
        start: 0,
        end: 3,
        del_start: 1,
        del_end: 2,
        ins: String::new(),
        flag: false,
        rule: "layout.join",
        dup: None,
        dup_row: None,
    }];
    let rows = build_rows(orig, &spans, &[]);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].pieces[0].pre.as_str(), rows[0].pieces[0].s.as_str()),
        ("a", "⏎")
    );
    assert!(rows[1].x);
    assert_eq!(rows[1].pieces[0].post, "b");
}

proptest::proptest! {
    /// Rows give back the original text (every line once, every edit
    /// drawn with its first part focusable and its insertion last).
    #[test]
    fn rows_cover_the_original(
        text in "[ab中\n]{0,40}",
        cuts in proptest::collection::vec((0usize..50, 0usize..4, 0usize..3), 0..6),
    ) {
        let chars: Vec<usize> = text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let mut recs = Vec::new();
        let mut pos = 0usize;
        let mut sorted = cuts.clone();
        sorted.sort();
        for (at, len, kind) in sorted {
            let a = chars[at.min(chars.len() - 1)];
            if a < pos { continue; }
            let ai = chars.iter().position(|&c| c == a).unwrap();
            let b = chars[(ai + len).min(chars.len() - 1)];
            let after = ["", "X", "，"][kind];
            let rule = if a == b && after.is_empty() { "punct.quote-imbalance" } else { "punct.comma" };
            recs.push(rec(&text, a, b, after, rule));
            pos = b.max(a + 1);
        }
        let html = render_file_page("t.txt", &text, &recs, None).unwrap();
        let ids = anchors(&html);
        let spans: Vec<Span> = recs.iter().enumerate().map(|(i, r)| Span {
            i, start: r.start, end: r.end, del_start: r.start, del_end: r.end,
            ins: r.after.clone(), flag: r.after.is_empty() && r.start == r.end, rule: r.rule, dup: None, dup_row: None,
        }).collect();
        let rows = build_rows(&text, &spans, &recs);
        let mut back = Vec::new();
        let mut firsts = vec![0; recs.len()];
        let mut lasts = vec![0; recs.len()];
        for r in &rows {
            let mut line = String::new();
            for p in &r.pieces {
                line.push_str(&p.pre);
                line.push_str(&p.s.replace('⏎', ""));
                line.push_str(&p.post);
                if let Some(i) = p.i {
                    firsts[i] += p.first as usize;
                    lasts[i] += (!p.a.is_empty()) as usize;
                }
            }
            back.push(line);
        }
        let expect = if rows.len() == text.matches('\n').count() { text.strip_suffix('\n').unwrap() } else { text.as_str() };
        proptest::prop_assert_eq!(back.join("\n"), expect);
        proptest::prop_assert!(firsts.iter().all(|&n| n == 1), "{:?}", firsts);
        // The page script numbers the rows shown and the edits as they are.
        let lines: Vec<String> = compact(rows).iter().filter(|r| r.gap == 0).map(|r| format!("L{}", r.n)).collect();
        let shown: Vec<String> = ids.iter().filter(|a| a.starts_with('L')).cloned().collect();
        proptest::prop_assert_eq!(shown, lines, "{}", html);
        let edits: Vec<String> = ids.iter().filter(|a| a.starts_with('e')).cloned().collect();
        let expect: Vec<String> = (0..recs.len()).map(|i| format!("e{i}")).collect();
        proptest::prop_assert_eq!(edits, expect);
        for (i, r) in recs.iter().enumerate() {
            proptest::prop_assert_eq!(lasts[i], (!r.after.is_empty()) as usize);
        }
    }
}

fn near_member(file: &str, line: usize, rule: &'static str, flag: bool, text: &str) -> NearMember {
    NearMember {
        kept: KeptCopy {
            run: None,
            file: "k/<kept>.txt".into(),
            line: 3,
        },
        file: file.into(),
        line,
        rule,
        flag,
        similarity: Some(0.93),
        containment: Some(0.97),
        reason: "removed whole: <contained>".into(),
        text: text.into(),
        cut: false,
    }
}

use crate::report::kept::{near_href, near_in, NearMember};

#[test]
fn char_spans_group_changes_between_equal_text() {
    let kept = "全国居民消费价格同比上涨0.9%，环比下降0.1%。";
    let copy = "全国居民消費价格同比上涨1.9%，环比下降0.1%！";
    let spans = near::char_spans(kept, copy, "dedup.near-document");
    let got: Vec<(&str, &str)> = spans
        .iter()
        .map(|s| (&kept[s.start..s.end], s.ins.as_str()))
        .collect();
    assert_eq!(got, [("费", "費"), ("0", "1"), ("。", "！")]);
    assert!(near::char_spans(kept, kept, "dedup.near-document").is_empty());
    // A dropped and an added clause are one span each.
    let spans = near::char_spans("甲乙丙丁戊", "甲丁戊己", "dedup.near-paragraph");
    let got: Vec<(usize, usize, &str)> = spans
        .iter()
        .map(|s| (s.start, s.end, s.ins.as_str()))
        .collect();
    assert_eq!(got, [(3, 9, ""), (15, 15, "己")]);
}

#[test]
fn near_card_shows_kept_copy_members_scores_and_character_diff() {
    let kept_text =
        "国家统计局今天发布数据显示，全国居民消费价格同比上涨0.9%。\n\n<b>环比</b>下降0.1%。";
    let copy =
        "国家统计局今天发布数据显示，全国居民消费价格同比上涨1.9%。\n\n<b>环比</b>下降0.1%。";
    let doc = near_member("c/<copy>.txt", 1, "dedup.near-document", false, copy);
    let mut para = near_member(
        "d.txt",
        9,
        "dedup.near-paragraph",
        true,
        "全国居民消费价格同比上涨0.9%。",
    );
    para.similarity = None;
    para.reason = "flagged".into();
    let card = NearCard {
        anchor: "nabcL3".into(),
        kept: &doc.kept,
        kept_page: Some("files/0000.html#f2.L3".into()),
        kept_text: Some((kept_text.to_string(), false)),
        members: vec![(&doc, Some("files/0001.html#f4.L1".into())), (&para, None)],
    };
    let html = near_page("07", &[card]);
    // The kept copy, named and linked.
    assert!(html.contains("<section class=\"near\" id=\"nabcL3\">"));
    assert!(html.contains("<h2>Kept: <span class=\"mono\">k/&lt;kept&gt;.txt</span> line 3</h2>"));
    assert!(html.contains("href=\"../files/0000.html#f2.L3\""));
    // Each member: rule, scores, reason, link to its row.
    assert!(html
        .contains("<div class=\"member\" data-rule=\"dedup.near-document\" data-sim=\"0.9300\">"));
    assert!(
        html.contains("<div class=\"member\" data-rule=\"dedup.near-paragraph\" data-sim=\"\">")
    );
    assert!(html.contains("Removed: <a href=\"../files/0001.html#f4.L1\"><span class=\"mono\">c/&lt;copy&gt;.txt</span> line 1</a>"));
    assert!(html.contains("Flagged: <span class=\"mono\">d.txt</span> line 9"));
    assert!(html.contains("similarity 0.930") && html.contains("containment 0.970"));
    assert!(html.contains("similarity –"));
    assert!(html.contains("removed whole: &lt;contained&gt;"));
    // The diff at character level: only the figure differs.
    assert!(html.contains("<del>0</del><ins>1</ins>"), "{html}");
    // The paragraph copy is shorter: what only the kept copy has is struck.
    let m1 = &html[html.find("data-p=\"c0m1.\"").expect("member 1's rows")..];
    assert!(anchors(m1).contains(&"e0".to_string()), "{m1}");
    // Filters, one option per rule present.
    assert!(
        html.contains("<option>dedup.near-document</option><option>dedup.near-paragraph</option>")
    );
    // Escaped, offline, only its own script.
    assert!(!html.contains("<b>") && html.contains("&lt;b&gt;"));
    assert!(!html.contains("http:") && !html.contains("https:"));
    assert_eq!(html.matches("<script>").count(), 1);
    assert!(html.contains(&escape_html(&csp(near::NEAR_JS))));
    let index = near_index(&[("07.html".into(), 1, 2)]);
    assert!(index.contains(
        "<a href=\"07.html\">07.html</a></td><td class=\"num\">1</td><td class=\"num\">2</td>"
    ));
    assert!(index.contains("script-src 'none'"));
}

#[test]
fn near_records_become_members_with_their_block() {
    let orig = "标题\n\n第一段，没有改动的文字。\n\n全国居民消费价格同比上涨1.9%，环比下降0.1%。\n第二行。\n\n末段。\n";
    let at = orig.find("全国").unwrap();
    let mut flag = rec(orig, at, at, "", "dedup.near-paragraph");
    flag.duplicate_of = Some(KeptCopy {
        run: None,
        file: "k.txt".into(),
        line: 5,
    });
    let mut exact = rec(
        orig,
        orig.find("末段").unwrap(),
        orig.len(),
        "",
        "dedup.paragraph",
    );
    exact.duplicate_of = Some(KeptCopy {
        run: None,
        file: "k.txt".into(),
        line: 9,
    });
    let mut doc = rec(orig, 0, orig.len(), "", "dedup.near-document");
    doc.duplicate_of = Some(KeptCopy {
        run: Some("night-2".into()),
        file: "old.txt".into(),
        line: 1,
    });
    let changes = vec![flag, exact, doc];
    let m = near_in(&changes, orig);
    assert_eq!(m.len(), 2);
    assert_eq!(
        (m[0].rule, m[0].flag, m[0].line),
        ("dedup.near-paragraph", true, 5)
    );
    assert_eq!(
        m[0].text,
        "全国居民消费价格同比上涨1.9%，环比下降0.1%。\n第二行。"
    );
    assert!(m[0].reason.contains("flagged"));
    assert_eq!((m[1].flag, m[1].text.as_str()), (false, orig.trim_end()));
    // A removed paragraph's text leaves out the separator before it.
    let mut gone = rec(
        orig,
        at - 2,
        orig.find("\n\n末段").unwrap(),
        "",
        "dedup.near-paragraph",
    );
    gone.duplicate_of = changes[0].duplicate_of.clone();
    let g = near_in(&[gone], orig);
    assert_eq!(g[0].text, m[0].text);
    assert!(!g[0].flag && g[0].reason.starts_with("removed"));
    assert_eq!(m[1].kept.run.as_deref(), Some("night-2"));
    // The exact duplicate stays a kept-copy entry, the near ones do not.
    let removed = crate::report::removed_in(&changes);
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].1.line, 9);
    // On the file's page, the flag keeps its text and links the card.
    let html = render_file_page("a/b.txt", orig, &changes[..1], None).unwrap();
    assert!(html.contains(&format!(
        "href=\"../../{}\"",
        near_href(
            &changes[0].duplicate_of.clone().unwrap(),
            "dedup.near-paragraph"
        )
    )));
    assert!(
        !html.contains("removed: near-duplicate of")
            && !html.contains("<b class=\"r0 d")
            && html.contains("<b class=\"r0 f\">"),
        "{html}"
    );
    assert!(html.contains("<mark>⚑</mark>"));
}
