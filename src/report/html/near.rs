//! The near-duplicate cluster cards: `near/NN.html` and `near/index.html`.
//!
//! One card per cluster: its kept copy (run, file, line, a link to that
//! line on its file's page) and every copy removed or flagged because of
//! it, each with its rule, similarity and containment (as the record's
//! `detail` has them), the reason of the decision, a link to its row on
//! its file's page, and its text diffed against the kept copy's at
//! character level. The diff is drawn with the file pages' rows
//! ([`super::rows`]: the kept text with what only it has struck and what
//! only the copy has inserted, unchanged lines collapsed, long lines
//! elided), so it reads as the file pages do. The cards are gathered by
//! [`crate::report::kept::NearRefs`]; a page's script adds the line
//! numbers and filters the members by rule and by least similarity.
//!
//! Every corpus string is escaped ([`escape_into`]); the page runs only its
//! own script, named by hash in its Content-Security-Policy.

use super::*;
use crate::report::kept::{NearMember, NEAR_TEXT_CHARS};
use crate::report::KeptCopy;

/// The cards' script: the rows' reader shared with the file pages and the
/// filters, in one function.
pub(super) const NEAR_JS: &str = concat!(
    "(function(){\n\"use strict\";\n",
    include_str!("../templates/rows.js"),
    include_str!("near.js"),
    "})();"
);

fn near_csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| csp(NEAR_JS))
}

/// One cluster, as [`near_page`] draws it.
pub struct NearCard<'a> {
    /// The card's id on its page.
    pub anchor: String,
    /// The kept copy.
    pub kept: &'a KeptCopy,
    /// The kept line on its file's review page (from the report root).
    pub kept_page: Option<String>,
    /// The kept copy's text (its block) and whether it was cut; `None`
    /// when it cannot be read (kept on an earlier run, or gone).
    pub kept_text: Option<(String, bool)>,
    /// The members in corpus order, each with the link to its row on its
    /// file's page.
    pub members: Vec<(&'a NearMember, Option<String>)>,
}

/// The character-level difference from `kept` to `copy` as spans over
/// `kept` (Myers on characters; each run of changes between equal text is
/// one span: what `kept` has there, struck, and what `copy` has instead).
pub(super) fn char_spans(kept: &str, copy: &str, rule: &'static str) -> Vec<Span> {
    let a: Vec<char> = kept.chars().collect();
    let b: Vec<char> = copy.chars().collect();
    // Byte offset of each character of `kept` (and its end).
    let mut at: Vec<usize> = kept.char_indices().map(|(i, _)| i).collect();
    at.push(kept.len());
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &a, &b);
    let mut spans: Vec<Span> = Vec::new();
    let mut open: Option<(usize, usize, String)> = None; // kept chars a..b, inserted text
    let close = |open: &mut Option<(usize, usize, String)>, spans: &mut Vec<Span>| {
        if let Some((x, y, ins)) = open.take() {
            spans.push(Span {
                i: spans.len(),
                start: at[x],
                end: at[y],
                del_start: at[x],
                del_end: at[y],
                ins,
                flag: false,
                rule,
                dup: None,
                dup_row: None,
            });
        }
    };
    for op in ops {
        let (tag, old, new) = op.as_tag_tuple();
        match tag {
            similar::DiffTag::Equal => close(&mut open, &mut spans),
            _ => {
                let o = open.get_or_insert((old.start, old.start, String::new()));
                o.1 = old.end.max(o.1);
                o.2.extend(&b[new]);
            }
        }
    }
    close(&mut open, &mut spans);
    spans
}

/// The rows of the diff of `copy` against `kept` ([`rows_html`]), numbered
/// from `first` (the kept copy's line in its file).
pub(super) fn diff_rows(kept: &str, copy: &str, rule: &'static str, first: usize) -> String {
    let spans = char_spans(kept, copy, rule);
    if spans.is_empty() {
        return "<pre class=\"rows\">\n<i class=\"g\">the same text as the kept copy</i>\n</pre>\n"
            .to_string();
    }
    let mut rows = build_rows(kept, &spans, &[]);
    for r in &mut rows {
        r.n += first.saturating_sub(1);
    }
    let mut o = String::new();
    rows_html(&mut o, &compact(rows), &[rule]);
    o
}

fn score(o: &mut String, name: &str, v: Option<f64>) {
    o.push_str("<span class=\"score\">");
    o.push_str(name);
    o.push(' ');
    match v {
        Some(v) => o.push_str(&format!("{v:.3}")),
        None => o.push('–'),
    }
    o.push_str("</span>");
}

fn kept_name(o: &mut String, k: &KeptCopy) {
    if let Some(run) = &k.run {
        o.push_str("run <span class=\"mono\">");
        escape_into(o, run);
        o.push_str("</span>, ");
    }
    o.push_str("<span class=\"mono\">");
    escape_into(o, &k.file);
    o.push_str("</span> line ");
    push_num(o, k.line);
}

/// One card.
fn card(o: &mut String, n: usize, c: &NearCard<'_>) {
    let rules: std::collections::BTreeSet<&str> = c.members.iter().map(|(m, _)| m.rule).collect();
    o.push_str("<section class=\"near\" id=\"");
    o.push_str(&c.anchor);
    o.push_str("\">\n<h2>Kept: ");
    kept_name(o, c.kept);
    o.push_str("</h2>\n<p class=\"mut\">");
    push_num(o, c.members.len());
    o.push_str(if c.members.len() == 1 {
        " near-duplicate"
    } else {
        " near-duplicates"
    });
    for r in &rules {
        o.push_str(" <span class=\"tag f-dedup\">");
        escape_into(o, r);
        o.push_str("</span>");
    }
    if let Some(p) = &c.kept_page {
        o.push_str(" · <a class=\"to-page\" href=\"../");
        escape_into(o, p);
        o.push_str("\">the kept copy on its file's review page</a>");
    }
    o.push_str("</p>\n");
    match &c.kept_text {
        Some((t, cut)) => {
            o.push_str("<p class=\"preview\" lang=\"zh\">");
            escape_into(o, &preview(t));
            o.push_str("</p>\n");
            if *cut {
                cut_note(o, "kept copy");
            }
        }
        None if c.kept.run.is_some() => o.push_str(
            "<p class=\"banner\">Kept on an earlier run: its text is not in this run, so the copies below are shown without a diff.</p>\n",
        ),
        None => o.push_str(
            "<p class=\"banner\">The kept copy could not be read again: the copies below are shown without a diff.</p>\n",
        ),
    }
    for (k, (m, href)) in c.members.iter().enumerate() {
        o.push_str("<div class=\"member\" data-rule=\"");
        escape_into(o, m.rule);
        o.push_str("\" data-sim=\"");
        if let Some(s) = m.similarity {
            o.push_str(&format!("{s:.4}"));
        }
        o.push_str("\">\n<h3>");
        o.push_str(if m.flag { "Flagged: " } else { "Removed: " });
        match href {
            Some(h) => {
                o.push_str("<a href=\"../");
                escape_into(o, h);
                o.push_str("\"><span class=\"mono\">");
                escape_into(o, &m.file);
                o.push_str("</span> line ");
                push_num(o, m.line);
                o.push_str("</a>");
            }
            None => {
                o.push_str("<span class=\"mono\">");
                escape_into(o, &m.file);
                o.push_str("</span> line ");
                push_num(o, m.line);
            }
        }
        o.push_str(" <span class=\"tag f-dedup\">");
        escape_into(o, m.rule);
        o.push_str("</span></h3>\n<p class=\"scores\">");
        score(o, "similarity", m.similarity);
        score(o, "containment", m.containment);
        o.push_str(" <span class=\"reason\">");
        escape_into(o, &m.reason);
        o.push_str("</span></p>\n");
        if m.cut {
            cut_note(o, "copy");
        }
        // The rows' ids start with `c<n>m<k>.` (the script reads the
        // prefix from `data-p`).
        o.push_str("<div class=\"text\" lang=\"zh\" data-p=\"c");
        push_num(o, n);
        o.push('m');
        push_num(o, k);
        o.push_str(".\">\n");
        match &c.kept_text {
            Some((t, _)) => o.push_str(&diff_rows(t, &m.text, m.rule, c.kept.line)),
            None => {
                // No kept text: the copy's own lines, unmarked and whole
                // (nothing in them is a change to collapse around).
                let rows = build_rows(&m.text, &[], &[]);
                rows_html(o, &rows, &[m.rule]);
            }
        }
        o.push_str("</div>\n</div>\n");
    }
    o.push_str("</section>\n");
}

fn cut_note(o: &mut String, what: &str) {
    o.push_str("<p class=\"mut\">The ");
    o.push_str(what);
    o.push_str("'s text is longer than ");
    push_num(o, NEAR_TEXT_CHARS);
    o.push_str(
        " characters: its diff stops there (changes.diff and changes.jsonl have it all).</p>\n",
    );
}

/// The page `near/NN.html` (`name` is NN) of `cards`.
pub fn near_page(name: &str, cards: &[NearCard<'_>]) -> String {
    let mut o = String::with_capacity(8192);
    o.push_str(FILE_HEAD_1);
    escape_into(&mut o, near_csp());
    o.push_str(FILE_HEAD_2);
    o.push_str("Near-duplicates ");
    escape_into(&mut o, name);
    o.push_str(" · newsclean review</title>\n<link rel=\"stylesheet\" href=\"../");
    o.push_str(STYLE_ASSET);
    o.push_str("\">\n</head>\n<body>\n<header class=\"top\"><a href=\"../index.html\" class=\"noprint\">&larr; all files</a> <a href=\"index.html\" class=\"noprint\">all near-duplicate pages</a>\n<h1>Near-duplicates</h1>\n<span class=\"noprint\" id=\"n-filters\"><label>rule <select id=\"n-rule\"><option value=\"\">any</option>");
    let rules: std::collections::BTreeSet<&str> = cards
        .iter()
        .flat_map(|c| c.members.iter().map(|(m, _)| m.rule))
        .collect();
    for r in rules {
        o.push_str("<option>");
        escape_into(&mut o, r);
        o.push_str("</option>");
    }
    o.push_str("</select></label> <label>similarity at least <input id=\"n-sim\" type=\"number\" min=\"0\" max=\"1\" step=\"0.05\" value=\"0\"></label> <span id=\"n-count\" class=\"mut\"></span></span></header>\n<main>\n");
    o.push_str("<p class=\"legend\">One card per cluster: the kept copy, then each copy removed or flagged because of it, with its scores and the reason, and its text against the kept copy's: <span class=\"e\"><del>only in the kept copy</del></span> <span class=\"e\"><ins>only in this copy</ins></span> · <code>⋯</code> lines the same in both left out, <code>…</code> text far from a difference left out.</p>\n");
    for (n, c) in cards.iter().enumerate() {
        card(&mut o, n, c);
    }
    o.push_str("</main>\n<script>");
    o.push_str(NEAR_JS);
    o.push_str("</script>\n</body>\n</html>\n");
    o
}

/// `near/index.html`: the card pages, each with its clusters and copies.
pub fn near_index(pages: &[(String, usize, usize)]) -> String {
    let mut o = String::with_capacity(1024 + 64 * pages.len());
    o.push_str(FILE_HEAD_1);
    o.push_str("default-src 'none'; style-src 'self'; script-src 'none'; img-src data:");
    o.push_str(FILE_HEAD_2);
    o.push_str("Near-duplicates · newsclean review</title>\n<link rel=\"stylesheet\" href=\"../");
    o.push_str(STYLE_ASSET);
    o.push_str("\">\n</head>\n<body>\n<header class=\"top\"><a href=\"../index.html\" class=\"noprint\">&larr; all files</a>\n<h1>Near-duplicates</h1></header>\n<main>\n<table>\n<thead><tr><th>page</th><th class=\"num\">clusters</th><th class=\"num\">copies</th></tr></thead>\n<tbody>\n");
    for (name, clusters, members) in pages {
        o.push_str("<tr><td><a href=\"");
        escape_into(&mut o, name);
        o.push_str("\">");
        escape_into(&mut o, name);
        o.push_str("</a></td><td class=\"num\">");
        push_num(&mut o, *clusters);
        o.push_str("</td><td class=\"num\">");
        push_num(&mut o, *members);
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
    o
}
