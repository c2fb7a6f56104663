//! Join recall of English breaks on real BBC text (`fixtures/layout-recall`,
//! see its SOURCES.md), damaged as `scripts/layout-eval` damages it: a
//! page-number line inside a sentence is looked across (C-R4) when A ends
//! on a word that ends no sentence or is longer than any heading, and the
//! head of a cut paragraph is not read as a title-case heading (C-R3) when
//! it ends on a function word or the next line goes on in lowercase. A
//! headline before a page-number line stays apart.

use newsclean::normalize::normalize;
use newsclean::Config;

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/fixtures/layout-recall/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `text` with `ins` put after the first occurrence of `a` (which must
/// occur, followed by `skip` bytes that are dropped: the space of a cut).
fn cut(text: &str, a: &str, skip: usize, ins: &str) -> String {
    let at = text
        .find(a)
        .unwrap_or_else(|| panic!("{a:?} in the fixture"))
        + a.len();
    format!("{}{ins}{}", &text[..at], &text[at + skip..])
}

fn clean(text: &str) -> String {
    normalize(text, &Config::default()).text
}

#[test]
fn a_page_number_inside_a_sentence_is_looked_across() {
    let t = fixture("bbc-business-001.txt");
    // After a preposition (B opens with a capital: no C-R4 before).
    let d = cut(&t, "Quarterly profits at", 1, "\n\n- 7 -\n\n");
    let out = clean(&d);
    assert!(
        out.contains("Quarterly profits at US media giant"),
        "{out:?}"
    );
    assert!(!out.contains("- 7 -"), "page number removed: {out:?}");
    // After a line of more than ten words that ends without a mark.
    let d = cut(&t, "a profit dip at Warner", 1, "\n\n12\n\n");
    let out = clean(&d);
    assert!(out.contains("a profit dip at Warner Bros, and"), "{out:?}");
}

#[test]
fn a_headline_before_a_page_number_stays_apart() {
    let t = fixture("bbc-business-001.txt");
    let d = cut(&t, "Ad sales boost Time Warner profit", 2, "\n\n- 7 -\n\n");
    let out = clean(&d);
    assert!(
        out.starts_with("Ad sales boost Time Warner profit\n\nQuarterly profits"),
        "{out:?}"
    );
}

#[test]
fn the_head_of_a_cut_paragraph_is_no_heading() {
    let t = fixture("bbc-business-249.txt");
    let d = cut(&t, "President Bush", 1, "\n");
    let out = clean(&d);
    assert!(out.contains("President Bush has presented"), "{out:?}");
    assert!(
        out.starts_with("Bush budget seeks deep cutbacks\n\n"),
        "{out:?}"
    );
    // A paragraph whose first line is `The` (a function word): `The⏎
    // President…` is the same sentence, though B opens with a capital.
    let d = t.replacen("President Bush has", "The\nPresident has", 1);
    let out = clean(&d);
    assert!(out.contains("The President has presented"), "{out:?}");
}

/// The xwlb excerpt (a headline, its lead, four paragraphs).
fn xwlb() -> String {
    fixture("xwlb/20120811-excerpt.txt")
}

#[test]
fn a_page_number_inside_a_chinese_sentence_is_a_page_break() {
    let t = xwlb();
    // After a Han character: without the page line, a blank line before
    // a B that carries the paragraph indent is kept (a transcript drops
    // its final `。`, B-R13); without the indent B goes on with the
    // indented A (B-S8cont); with the page line, joined.
    let indent = "\u{a0} \u{a0} \u{a0} \u{a0} ";
    let blank = cut(&t, "刚刚进入新集体时，肖加", 0, &format!("\n\n{indent}"));
    assert!(
        !clean(&blank).contains("肖加泽朗心里"),
        "a blank line and the indent stay a paragraph end"
    );
    let blank = cut(&t, "刚刚进入新集体时，肖加", 0, "\n\n");
    assert!(
        clean(&blank).contains("肖加泽朗心里"),
        "{:?}",
        clean(&blank)
    );
    let d = cut(&t, "刚刚进入新集体时，肖加", 0, "\n\n- 7 -\n\n");
    let out = clean(&d);
    assert!(
        out.contains("刚刚进入新集体时，肖加泽朗心里却有些忐忑"),
        "{out:?}"
    );
    assert!(!out.contains("- 7 -"), "page number removed: {out:?}");
    // After `，` (B-R5 off across the page line).
    let d = cut(&t, "刚刚进入新集体时，", 0, "\n\n12\n\n");
    let out = clean(&d);
    assert!(out.contains("刚刚进入新集体时，肖加泽朗心里"), "{out:?}");
    // After `，`, before a clause that reads like an opener (`在…，`, B-R9
    // off across the page line).
    let d = cut(&t, "9+3，", 0, "\n\n- 7 -\n\n");
    let out = clean(&d);
    assert!(out.contains("9+3，在数学上是一个"), "{out:?}");
}

#[test]
fn a_chinese_headline_before_a_page_number_stays_apart() {
    let t = xwlb();
    let h = "9+3的故事：梦想在异乡起航";
    let d = cut(&t, h, 1, "\n\n第7页\n\n");
    let out = clean(&d);
    let at = out.find(h).expect("headline kept") + h.len();
    assert!(out[at..].starts_with("\n\n"), "{:?}", &out[..at + 40]);
}

#[test]
fn a_whole_word_across_the_break_lifts_the_glued_headline_veto() {
    let t = fixture("xwlb/20120702-excerpt.txt");
    let d = cut(&t, "重启了大饭核电站3号机", 0, "\n\n");
    let out = clean(&d);
    assert!(
        out.contains("大饭核电站3号机组反应堆，从而结束了"),
        "{out:?}"
    );
    assert!(
        out.contains("日本重启核电站 结束“零核电”状态\n\n7月1号"),
        "the subhead stays apart: {out:?}"
    );
}

#[test]
fn the_indented_head_of_a_paragraph_is_no_headline() {
    // In a file whose paragraphs carry the indent, B without it goes on
    // with the indented A (B-S8cont), and a whole word across lifts the
    // headline veto although the rest of the paragraph repeats A's
    // bigrams (`建设`).
    let t = fixture("xwlb/20120920-excerpt.txt");
    let out = cut_and_clean(
        &t,
        "贾庆林非常重视城乡建设和民",
        "城乡建设和民生改善。他强调",
    );
    // After `，` too: the transcript prior that reads a blank line after a
    // pause mark as a paragraph end (B-R5) is off before a B without the
    // indent.
    cut_and_clean(&t, "山东调研时强调，", "调研时强调，要深入学习");
    // And after a head that reads like a bare name (a byline, B-D2).
    cut_and_clean(&t, "　　贾庆林", "贾庆林非常重视");
    assert!(
        out.starts_with("[视频]贾庆林在江苏和山东调研\n央视网消息"),
        "the headline stays apart: {out:?}"
    );
}

#[test]
fn a_news_source_label_is_no_speaker_label() {
    // `央视网消息(新闻联播)：` opens a lead, not a speaker's words: a lead
    // broken off unfinished is joined (B-R8 vetoed it).
    let t = fixture("xwlb/20121030-excerpt.txt");
    cut_and_clean(&t, "加速推进农村", "加速推进农村危房改造。");
}

/// `text` cut by a blank line after `at`, cleaned: the output, which
/// must hold `joined` (the break repaired).
fn cut_and_clean(text: &str, at: &str, joined: &str) -> String {
    let out = clean(&cut(text, at, 0, "\n\n"));
    assert!(out.contains(joined), "cut after {at:?}: {out:?}");
    out
}

#[test]
fn an_indented_subhead_over_its_lead_stays_apart() {
    let t = fixture("xwlb/20120728-excerpt.txt");
    let out = clean(&t);
    assert!(
        out.contains("叙政府军与反对派激战阿勒颇\n\n27号，"),
        "{out:?}"
    );
}
