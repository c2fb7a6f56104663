//! A file's section of a review page: its rules, its rows ([`super::rows`])
//! and the table of all its changes.

use super::*;

/// One entry of the list of changes under the text.
pub(super) struct Change {
    pub(super) line: usize,
    pub(super) col: usize,
    pub(super) rule: &'static str,
    pub(super) before: String,
    pub(super) after: String,
    pub(super) flag: bool,
    /// Shown in the text (false when the span is not on character
    /// boundaries or overlaps an earlier edit: then it is only listed).
    pub(super) shown: bool,
    pub(super) detail: Option<String>,
    /// In-page link for an echo's source line.
    pub(super) echo: Option<String>,
    pub(super) dup: Option<DupLink>,
}

/// Where a removed duplicate's kept copy is, for its link.
pub(super) struct DupLink {
    pub(super) href: String,
    pub(super) file: String,
    pub(super) line: usize,
}

/// The rows of a section's rules table, each ended by `\n`: a rule and
/// its count only (`<tr data-rule="id"><td class="num">n</td></tr>`); the
/// page script adds the rule's tag and its description from the page's
/// one table of the descriptions of its rules ([`rule_docs`]), instead of
/// each of a page's sections repeating them.
pub(super) fn rules_html(counts: BTreeMap<&'static str, usize>) -> String {
    let mut o = String::new();
    for (id, n) in counts {
        o.push_str("<tr data-rule=\"");
        escape_into(&mut o, id);
        o.push_str("\"><td class=\"num\">");
        push_num(&mut o, n);
        o.push_str("</td></tr>\n");
    }
    o
}

/// The rule ids of the rules tables in `html` (sections as
/// [`render_section`] writes them), added to `to`.
pub(super) fn rules_in(html: &str, to: &mut std::collections::BTreeSet<String>) {
    const KEY: &str = "<tr data-rule=\"";
    for (at, _) in html.match_indices(KEY) {
        let rest = &html[at + KEY.len()..];
        if let Some(end) = rest.find('"') {
            if !to.contains(&rest[..end]) {
                to.insert(rest[..end].to_string());
            }
        }
    }
}

/// The descriptions of `rules` (ids as [`rules_in`] reads them: rule ids
/// have no character to escape)
/// for the page script: `<table id="rule-docs" hidden>` of
/// `<tr data-rule="id"><td>description</td></tr>`, backtick spans as
/// `<code>`.
pub(super) fn rule_docs(o: &mut String, rules: &std::collections::BTreeSet<String>) {
    o.push_str("<table id=\"rule-docs\" hidden>\n");
    for id in rules {
        o.push_str("<tr data-rule=\"");
        o.push_str(id);
        o.push_str("\"><td>");
        for (code, part) in doc_parts(rule_doc(id)) {
            if code {
                o.push_str("<code>");
                escape_into(o, part);
                o.push_str("</code>");
            } else {
                escape_into(o, part);
            }
        }
        o.push_str("</td></tr>\n");
    }
    o.push_str("</table>\n");
}

/// The "All changes" table as JSON for a `<script type="application/json">`
/// data block ([`script_json`]: it cannot close the element). The page
/// script renders one `<tr id="P c i">` per change from it, every string
/// through `textContent`: the table written as HTML was a third of a
/// page's bytes. One array per change, in order (its index is `i`):
/// `[line, col, rule, before, after, bits, kept, echo, detail]`, trailing
/// defaults left out; `rule` indexes the section's rules table (`rules`,
/// sorted as that table is); `bits` is 1 for a flag, 2 for a change only
/// listed (not drawn in the text); `kept` is a removed duplicate's
/// `[href, file, line]`; before and after are cut to [`LISTED_CHARS`]
/// (the diff and `changes.jsonl` have them whole).
pub(super) fn changes_data(list: &[Change], rules: &[&str]) -> String {
    use serde_json::{json, Value};
    let data: Vec<Value> = list
        .iter()
        .map(|c| {
            let r = rules.binary_search(&c.rule).unwrap_or(0);
            let bits = u8::from(c.flag) | (u8::from(!c.shown) << 1);
            let kept = c
                .dup
                .as_ref()
                .map_or(Value::Null, |d| json!([d.href, d.file, d.line]));
            let (echo, detail) = if c.dup.is_some() {
                (None, None)
            } else {
                (c.echo.as_deref(), c.detail.as_deref())
            };
            let after = if c.flag { "" } else { c.after.as_str() };
            let mut v = vec![
                json!(c.line),
                json!(c.col),
                json!(r),
                json!(cut(&c.before)),
                json!(cut(after)),
                json!(bits),
                kept,
                echo.map_or(Value::Null, |e| json!(e)),
                detail.map_or(Value::Null, |d| json!(d)),
            ];
            while v.len() > 3 {
                let default = match v.last() {
                    Some(Value::Null) => true,
                    Some(Value::String(s)) => s.is_empty(),
                    Some(Value::Number(n)) => n.as_u64() == Some(0),
                    _ => false,
                };
                if !default {
                    break;
                }
                v.pop();
            }
            Value::Array(v)
        })
        .collect();
    script_json(&data)
}

/// Characters of an edit's before and after text listed in the changes
/// table; the rest is left out (`…`).
pub(super) const LISTED_CHARS: usize = 60;

fn cut(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(LISTED_CHARS) {
        Some((i, _)) => std::borrow::Cow::Owned(format!("{}…", &s[..i])),
        None => std::borrow::Cow::Borrowed(s),
    }
}

/// A page of its own for one file (`files/<rel>.html`, a file cleaned in
/// windows): the page head, the file's section, the page script.
pub(super) fn render_file_page(
    rel: &str,
    original: &str,
    changes: &[ChangeRecord],
    notice: Option<&str>,
) -> io::Result<String> {
    let root = root_prefix(rel);
    let section = render_section("", &root, rel, original, changes, notice);
    let mut o = String::with_capacity(section.len() + 8192);
    page_head(&mut o, rel, &root);
    o.push_str(&section);
    let mut rules = std::collections::BTreeSet::new();
    rules_in(&section, &mut rules);
    page_tail(&mut o, &rules);
    Ok(o)
}

/// The head of a review page (`title`, links from `root`): the policy,
/// the style sheet, the top bar with the tools, the legend.
pub(super) fn page_head(o: &mut String, title: &str, root: &str) {
    o.push_str(FILE_HEAD_1);
    escape_into(o, file_csp());
    o.push_str(FILE_HEAD_2);
    escape_into(o, title);
    o.push_str(" · newsclean review</title>\n\n<link rel=\"stylesheet\" href=\"");
    escape_into(o, &format!("{root}{STYLE_ASSET}"));
    o.push_str("\">\n</head>\n<body>\n<header class=\"top\">\n  <a href=\"");
    escape_into(o, &format!("{root}index.html"));
    o.push_str("\" class=\"noprint\">&larr; all files</a>\n  <h1 class=\"mono\">");
    escape_into(o, title);
    o.push_str("</h1>\n");
    o.push_str(FILE_TOOLS);
    o.push_str("  </span>\n</header>\n<main>\n");
    o.push_str(FILE_LEGEND);
}

/// The end of a review page: the descriptions of its `rules`
/// ([`rule_docs`]), the tooltip and the page script.
pub(super) fn page_tail(o: &mut String, rules: &std::collections::BTreeSet<String>) {
    o.push_str("\n</main>\n");
    rule_docs(o, rules);
    o.push_str("<div id=\"tip\" role=\"tooltip\" hidden></div>\n<script>");
    o.push_str(FILE_JS);
    o.push_str("</script>\n</body>\n</html>");
}

/// One file's section of a review page: its name and counts, its rules,
/// its rows, the table of its changes. Every id in it starts with
/// `prefix` (`f12.` on a page of several files, empty on a page of its
/// own); links to the report start from `root`.
pub(super) fn render_section(
    prefix: &str,
    root: &str,
    rel: &str,
    original: &str,
    changes: &[ChangeRecord],
    notice: Option<&str>,
) -> String {
    let root = root.to_string();
    let mut list = Vec::with_capacity(changes.len());
    let mut spans = Vec::with_capacity(changes.len());
    let mut pos = 0usize;
    for (i, c) in changes.iter().enumerate() {
        let flag = c.start == c.end && c.after.is_empty();
        let near = crate::report::kept::is_near(c.rule);
        let dup = c.duplicate_of.as_ref().map(|k| DupLink {
            // Kept on an earlier run: named, not linked (its report is
            // not this run's). A near-duplicate links its cluster's card.
            href: match &k.run {
                _ if near => format!("{root}{}", crate::report::kept::near_href(k, c.rule)),
                None => format!("{root}{}", crate::report::kept::kept_href(&k.file, k.line)),
                Some(_) => "#".to_string(),
            },
            file: match &k.run {
                None => k.file.clone(),
                Some(run) => format!("the copy kept on run {run}, {}", k.file),
            },
            line: k.line,
        });
        let (detail, echo) = match &c.detail {
            Some(Detail::Join { score, signals }) => (
                Some(format!(
                    "join score {score}; signals: {}",
                    signals.join(", ")
                )),
                None,
            ),
            Some(Detail::EchoOf { line }) => (
                Some(format!("echo of line {line}")),
                Some(format!("#{prefix}L{line}")),
            ),
            Some(Detail::Note { text }) => (Some(text.clone()), None),
            Some(Detail::DuplicateOf { file, line, .. }) => {
                (Some(format!("duplicate of {file}:{line}")), None)
            }
            Some(Detail::NearDuplicateOf {
                file, line, score, ..
            }) => (
                Some(format!(
                    "near-duplicate of {file}:{line} (similarity {}, containment {}; {})",
                    score.similarity, score.containment, score.measured
                )),
                None,
            ),
            Some(Detail::Similarity(s)) => (
                Some(format!(
                    "similarity {}, containment {} ({})",
                    s.similarity, s.containment, s.measured
                )),
                None,
            ),
            None => (None, None),
        };
        let ok = c.start >= pos
            && c.start <= c.end
            && c.end <= original.len()
            && original.is_char_boundary(c.start)
            && original.is_char_boundary(c.end);
        if ok {
            let before = &original[c.start..c.end];
            let (pre, suf) = if flag {
                (0, 0)
            } else {
                common_affixes(before, &c.after)
            };
            // Keep at least something to mark when the record is a pure no-op.
            let (pre, suf) = if pre + suf >= before.len() && pre + suf >= c.after.len() {
                (0, 0)
            } else {
                (pre, suf)
            };
            spans.push(Span {
                i,
                start: c.start,
                end: c.end,
                del_start: c.start + pre,
                del_end: c.end - suf,
                ins: c.after[pre..c.after.len() - suf].to_string(),
                flag,
                rule: c.rule,
                dup: dup.as_ref().map(|d| d.href.clone()),
                // A flagged near-duplicate keeps its text: a flag with a
                // link, not a removed row.
                dup_row: dup.as_ref().filter(|_| !flag).map(|d| DupLink {
                    href: d.href.clone(),
                    file: d.file.clone(),
                    line: d.line,
                }),
            });
            pos = c.end;
        }
        list.push(Change {
            line: c.line,
            col: c.column,
            rule: c.rule,
            // A removed duplicate's text: its row shows the start.
            before: if c.duplicate_of.is_some() {
                String::new()
            } else {
                visible(&c.before)
            },
            after: visible(&c.after),
            flag,
            shown: ok,
            detail,
            echo,
            dup,
        });
    }
    let rows = compact(build_rows(original, &spans, changes));

    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for c in changes {
        *counts.entry(c.rule).or_default() += 1;
    }
    let rule_ids: Vec<&str> = counts.keys().copied().collect();
    let rules_html = rules_html(counts);
    let edits = changes
        .iter()
        .filter(|c| !(c.start == c.end && c.after.is_empty()))
        .count();
    let flags = changes.len() - edits;
    let dups = changes.iter().filter(|c| c.duplicate_of.is_some()).count();
    let mut text = String::new();
    rows_html(&mut text, &rows, &rule_ids);
    let changes_data = changes_data(&list, &rule_ids);
    // Written directly rather than through a template: rendering the page
    // with the template engine was a tenth of its cost. Every corpus
    // string goes through `escape_into`.
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut o = String::with_capacity(text.len() + changes_data.len() + 1024);
    o.push_str("<section class=\"file\"");
    if let Some(id) = prefix.strip_suffix('.') {
        o.push_str(" id=\"");
        o.push_str(id);
        o.push('"');
    }
    o.push_str(" data-p=\"");
    o.push_str(prefix);
    o.push_str("\">\n<h2 class=\"mono fname\">");
    escape_into(&mut o, rel);
    o.push_str("</h2>\n<p class=\"mut\">");
    push_num(&mut o, edits);
    o.push_str(" edit");
    o.push_str(plural(edits));
    if flags > 0 {
        o.push_str(", ");
        push_num(&mut o, flags);
        o.push_str(" flag");
        o.push_str(plural(flags));
    }
    if dups > 0 {
        o.push_str(", ");
        push_num(&mut o, dups);
        o.push_str(" duplicate");
        o.push_str(plural(dups));
        o.push_str(" removed");
    }
    o.push_str(" · ");
    push_num(&mut o, crate::stage::count_lines(original));
    o.push_str(" lines");
    if edits > 0 {
        o.push_str(" · <a href=\"");
        if PER_FILE_DIFFS.load(std::sync::atomic::Ordering::Relaxed) {
            escape_into(&mut o, &format!("{root}diffs/{}.diff", encode_path(rel)));
            o.push_str("\">unified diff</a>");
        } else {
            escape_into(&mut o, &format!("{root}changes.diff"));
            o.push_str("\">unified diff (all files)</a>");
        }
    }
    o.push_str("</p>\n");
    if !rules_html.is_empty() {
        o.push_str("<table class=\"rules\">\n");
        o.push_str(&rules_html);
        o.push_str("</table>\n");
    }
    if let Some(n) = notice {
        o.push_str("<p class=\"banner capped\">");
        escape_into(&mut o, n);
        o.push_str("</p>\n");
    } else if edits == 0 {
        o.push_str(FILE_BANNER);
    }
    o.push_str("\n<div class=\"text\" lang=\"zh\">\n<div class=\"cols\" aria-hidden=\"true\"><span></span><span>original</span><span>cleaned</span></div>\n");
    o.push_str(&text);
    o.push_str("</div>\n");
    if !list.is_empty() {
        o.push_str("\n<h3>All changes (");
        push_num(&mut o, list.len());
        o.push_str(")</h3>\n<table class=\"changes\">\n<thead><tr><th>line:col</th><th>rule</th><th>before</th><th>after</th><th>detail</th></tr></thead>\n<tbody></tbody>\n</table>\n<script type=\"application/json\" class=\"cdata\">");
        o.push_str(&changes_data);
        o.push_str("</script>\n");
    }
    o.push_str("</section>\n");
    o
}

/// Fixed parts of a file page (see [`render_file_page`]).
pub(super) const FILE_HEAD_1: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"";
pub(super) const FILE_HEAD_2: &str = "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>";
pub(super) const FILE_TOOLS: &str = "  <span class=\"noprint\" id=\"tools\">\n    <button type=\"button\" id=\"prev\" title=\"previous change (p or k)\">&uarr; prev</button>\n    <button type=\"button\" id=\"next\" title=\"next change (n or j)\">&darr; next</button>\n    <button type=\"button\" id=\"v-inline\" aria-pressed=\"true\" title=\"inline view (v)\">inline</button>\n    <button type=\"button\" id=\"v-sbs\" aria-pressed=\"false\" title=\"side by side view (v)\">side by side</button>\n    <button type=\"button\" id=\"only\" aria-pressed=\"false\" title=\"show only changed lines (c)\">changed lines only</button>\n";
pub(super) const FILE_LEGEND: &str = "<p class=\"legend\">Original text. <span class=\"e\"><del>deleted</del></span> <span class=\"e\"><s>·⏎</s></span> deleted whitespace <span class=\"e\"><ins>inserted</ins></span> <span class=\"e flag\"><mark>⚑</mark></span> flag (nothing changed) · whitespace shown as <code>·</code> space, <code>□</code> full-width space, <code>→</code> tab, <code>⏎</code> line break, <code>⍽</code> no-break space (U+00A0), <code>⟨U+200B⟩</code> another invisible character by its code point (U+200B is a zero-width space) · <span class=\"e dup\">paragraph removed</span> a removed duplicate, one line, linked to its kept copy · <code>⋯</code> unchanged lines left out, <code>…</code> text far from an edit left out (the diff has it all) · hover or focus an edit for its rule <span class=\"noprint\">· keys: <span class=\"kbd\">n</span>/<span class=\"kbd\">j</span> next, <span class=\"kbd\">p</span>/<span class=\"kbd\">k</span> previous, <span class=\"kbd\">v</span> view, <span class=\"kbd\">c</span> changed lines only</span></p>\n";
pub(super) const FILE_BANNER: &str =
    "<p class=\"banner\">No edits in this file: only flags, which change nothing.</p>";
