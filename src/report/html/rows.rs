//! The rows of a file's text on its review page: the original split into
//! lines with every edit placed in them (cut per line), removed duplicates
//! as one row each, unchanged runs collapsed and long lines elided far
//! from the edits; and their HTML.

use super::*;

/// One piece of a row of the text: plain text, or (a part of) an edit.
#[derive(Serialize)]
pub(super) struct Piece {
    /// Plain text, or the deleted text of an edit (visible form).
    pub(super) s: String,
    /// Edit index (absent for plain text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) i: Option<usize>,
    /// Unchanged text inside the edit before the deletion (first part only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(super) pre: String,
    /// Unchanged text inside the edit after the insertion (last part only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(super) post: String,
    /// Inserted text (visible form), on the last part of an edit.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(super) a: String,
    /// The deleted text is only whitespace (drawn as a box, not struck).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) ws: bool,
    /// The deletion ends with a line break (the line is joined with the
    /// next one in the cleaned text).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) nl: bool,
    /// First part of the edit: carries the `id` and is focusable.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) first: bool,
    /// The edit is a flag (marks a place, changes nothing).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(super) flag: bool,
    /// Rule id.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) rule: &'static str,
    /// Rule family (for colours).
    #[serde(skip_serializing_if = "str::is_empty")]
    pub(super) fam: &'static str,
    /// Link to the kept copy (last part of a removed duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) dup: Option<String>,
}

impl Piece {
    fn text(s: &str) -> Piece {
        Piece {
            s: s.to_string(),
            i: None,
            pre: String::new(),
            post: String::new(),
            a: String::new(),
            ws: false,
            nl: false,
            first: false,
            flag: false,
            rule: "",
            fam: "",
            dup: None,
        }
    }
}

/// One line of the original, a removed duplicate (one row for all its
/// lines) or a run of unchanged lines left out.
#[derive(Serialize)]
pub(super) struct Row {
    /// 1-based line number.
    pub(super) n: usize,
    /// The line holds (part of) an edit.
    pub(super) x: bool,
    pub(super) pieces: Vec<Piece>,
    /// A removed duplicate shown as one line instead of its text.
    #[serde(skip)]
    pub(super) dup: Option<DupRow>,
    /// Unchanged lines left out here (the row stands for them).
    pub(super) gap: usize,
}

/// The one row of a removed duplicate: which edit, where its kept copy is,
/// and the first characters of the removed text.
pub(super) struct DupRow {
    pub(super) i: usize,
    pub(super) rule: &'static str,
    pub(super) kind: &'static str,
    pub(super) link: DupLink,
    pub(super) preview: String,
}

/// An edit to draw: the changed part of a record after trimming the text
/// common to `before` and `after` (so `“abc”`→`「abc」` highlights only the
/// quotes' neighbourhood), in byte offsets of the original.
pub(super) struct Span {
    pub(super) i: usize,
    /// Edit span (whole record).
    pub(super) start: usize,
    pub(super) end: usize,
    /// Changed part inside `start..end`.
    pub(super) del_start: usize,
    pub(super) del_end: usize,
    /// Replacement of the changed part.
    pub(super) ins: String,
    pub(super) flag: bool,
    pub(super) rule: &'static str,
    pub(super) dup: Option<String>,
    /// A removed duplicate: drawn as one [`DupRow`], its text left out.
    pub(super) dup_row: Option<DupLink>,
}

/// Common prefix and suffix lengths (bytes, on char boundaries) of `a` and `b`.
pub(super) fn common_affixes(a: &str, b: &str) -> (usize, usize) {
    let pre: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    let (ra, rb) = (&a[pre..], &b[pre..]);
    let suf: usize = ra
        .chars()
        .rev()
        .zip(rb.chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    (pre, suf)
}

/// Split the original into rows (lines without their `\n`) and place the
/// spans, cutting an edit that crosses lines into one part per line. A
/// removed duplicate is not drawn: the lines it covers whole get no row,
/// and one [`DupRow`] stands at the line of the removed block instead
/// (`changes` gives its line and text).
pub(super) fn build_rows(text: &str, spans: &[Span], changes: &[ChangeRecord]) -> Vec<Row> {
    // Line starts; a final empty line only when an edit sits at the very end.
    let mut starts = vec![0usize];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    if starts.last() == Some(&text.len())
        && starts.len() > 1
        && !spans.iter().any(|s| s.start == text.len())
    {
        starts.pop();
    }
    let mut rows: Vec<Row> = Vec::with_capacity(starts.len());
    let mut si = 0usize; // next span
                         // The removed duplicate that covers the text from `hide.0` to `hide.1`.
    let mut hide: (usize, usize) = (0, 0);
    for (li, &ls) in starts.iter().enumerate() {
        let le = starts.get(li + 1).copied().unwrap_or(text.len()); // includes the '\n'
        let mut row = Row {
            n: li + 1,
            x: false,
            pieces: Vec::new(),
            dup: None,
            gap: 0,
        };
        let mut p = ls;
        // A span that started on an earlier line and continues here.
        if si > 0 {
            let s = &spans[si - 1];
            if s.end > ls && s.start < ls && s.dup_row.is_none() {
                p = continue_span(text, s, ls, le, &mut row);
            }
        }
        let is_last = li + 1 == starts.len();
        let mut dups: Vec<Row> = Vec::new();
        while let Some(s) = spans.get(si) {
            // A span starting at a line end (after its `\n`) belongs to the
            // next line, except at the very end of the text.
            if s.start < ls || s.start > le || (s.start == le && !is_last) {
                break;
            }
            push_text(text, p, s.start, &mut row);
            p = match &s.dup_row {
                Some(link) => {
                    let c = &changes[s.i];
                    dups.push(Row {
                        n: c.line,
                        x: true,
                        pieces: Vec::new(),
                        dup: Some(DupRow {
                            i: s.i,
                            rule: s.rule,
                            kind: if s.rule == "dedup.line" {
                                "line"
                            } else if s.rule == "dedup.near-document" {
                                "document"
                            } else {
                                "paragraph"
                            },
                            link: DupLink {
                                href: link.href.clone(),
                                file: link.file.clone(),
                                line: link.line,
                            },
                            preview: preview(&c.before),
                        }),
                        gap: 0,
                    });
                    hide = (s.start, s.end);
                    s.end.min(le)
                }
                None => start_span(text, s, le, &mut row),
            };
            si += 1;
        }
        // Text of this line after a removed duplicate that goes on past it
        // is hidden too.
        if p < hide.1 && p >= hide.0 {
            p = hide.1.min(le);
        }
        push_text(text, p, le, &mut row);
        // A line covered whole by a removed duplicate has no row of its own.
        let covered = ls >= hide.0 && le <= hide.1 && hide.1 > hide.0;
        if !(covered || (row.pieces.is_empty() && !dups.is_empty() && ls >= hide.0)) {
            rows.push(row);
        }
        rows.append(&mut dups);
    }
    rows
}

/// Context lines kept on each side of a changed line.
pub(super) const PAGE_CONTEXT: usize = 2;

/// Keep the rows with a change and [`PAGE_CONTEXT`] rows on each side; each
/// run of other rows becomes one gap row that counts them.
pub(super) fn compact(rows: Vec<Row>) -> Vec<Row> {
    let n = rows.len();
    let mut keep = vec![false; n];
    for (i, r) in rows.iter().enumerate() {
        if r.x {
            for k in keep
                .iter_mut()
                .take((i + PAGE_CONTEXT + 1).min(n))
                .skip(i.saturating_sub(PAGE_CONTEXT))
            {
                *k = true;
            }
        }
    }
    let mut out = Vec::with_capacity(n.min(64));
    let mut gap: Option<Row> = None;
    for (r, k) in rows.into_iter().zip(keep) {
        if k {
            out.extend(gap.take());
            out.push(r);
        } else {
            match &mut gap {
                Some(g) => g.gap += 1,
                None => {
                    gap = Some(Row {
                        n: r.n,
                        x: false,
                        pieces: Vec::new(),
                        dup: None,
                        gap: 1,
                    })
                }
            }
        }
    }
    out.extend(gap);
    out
}

/// Characters of unchanged text shown on each side of an edit (and at the
/// start of an unchanged context line): the rest of a long line is left
/// out (`…`), so a page grows with the edits, not with the length of the
/// lines they are in. The full text is in the diff.
pub(super) const SHOWN_CHARS: usize = 30;

/// `s`, plain text of a row, with what lies farther than [`SHOWN_CHARS`]
/// from an edit left out: `first` (nothing before it on its line) keeps
/// its end, `last` (nothing after it) its start, a piece between two edits
/// both ends; an unchanged line (`first` and `last`) keeps its start.
pub(super) fn elide(s: &str, first: bool, last: bool) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    let keep = if first && last {
        2 * SHOWN_CHARS
    } else {
        SHOWN_CHARS
    };
    if n <= keep + 1 || (!first && !last && n <= 2 * SHOWN_CHARS + 1) {
        return std::borrow::Cow::Borrowed(s);
    }
    let head = |k: usize| s.char_indices().nth(k).map_or(s.len(), |(i, _)| i);
    let out = match (first, last) {
        (true, false) => format!("…{}", &s[head(n - SHOWN_CHARS)..]),
        (false, true) | (true, true) => format!("{}…", &s[..head(keep)]),
        (false, false) => format!(
            "{}…{}",
            &s[..head(SHOWN_CHARS)],
            &s[head(n - SHOWN_CHARS)..]
        ),
    };
    std::borrow::Cow::Owned(out)
}

/// Characters of a removed duplicate shown in its row.
pub(super) const PREVIEW_CHARS: usize = 40;

/// The first [`PREVIEW_CHARS`] characters of `s` after its leading white
/// space, line breaks shown as `⏎`, with `…` when there is more.
pub(crate) fn preview(s: &str) -> String {
    let t = s.trim_start();
    let mut out: String = t.chars().take(PREVIEW_CHARS).collect();
    if out.len() < t.len() {
        out.push('…');
    }
    out.replace('\n', "⏎")
}

/// Plain text `a..b` (a trailing `\n` is the row's end, not text).
pub(super) fn push_text(text: &str, a: usize, b: usize, row: &mut Row) {
    if a >= b {
        return;
    }
    let s = text[a..b].strip_suffix('\n').unwrap_or(&text[a..b]);
    if s.is_empty() {
        return;
    }
    match row.pieces.last_mut() {
        Some(last) if last.i.is_none() => last.s.push_str(s),
        _ => row.pieces.push(Piece::text(s)),
    }
}

/// The part of span `s` from `from` up to the line end `le`; returns where
/// plain text resumes.
pub(super) fn span_part(
    text: &str,
    s: &Span,
    from: usize,
    le: usize,
    first: bool,
    row: &mut Row,
) -> usize {
    let to = s.end.min(le);
    let last = s.end <= le;
    let clip = |a: usize, b: usize| (a.clamp(from, to), b.clamp(from, to));
    let (pa, pb) = clip(s.start, s.del_start);
    let (da, db) = clip(s.del_start, s.del_end);
    let (qa, qb) = clip(s.del_end, s.end);
    row.x = true;
    row.pieces.push(Piece {
        s: visible(&text[da..db]),
        ws: text[da..db].chars().all(char::is_whitespace),
        nl: text[da..db].ends_with('\n') && !s.ins.contains('\n'),
        i: Some(s.i),
        pre: text[pa..pb].trim_end_matches('\n').to_string(),
        post: if last {
            text[qa..qb].trim_end_matches('\n').to_string()
        } else {
            String::new()
        },
        a: if last { visible(&s.ins) } else { String::new() },
        first,
        flag: s.flag,
        rule: s.rule,
        fam: family(s.rule),
        dup: if last { s.dup.clone() } else { None },
    });
    to
}

pub(super) fn start_span(text: &str, s: &Span, le: usize, row: &mut Row) -> usize {
    span_part(text, s, s.start, le, true, row)
}

pub(super) fn continue_span(text: &str, s: &Span, ls: usize, le: usize, row: &mut Row) -> usize {
    span_part(text, s, ls, le, false, row)
}

/// The rows of the text view as the page writes them: a
/// `<pre class="rows">` whose lines are the rows, which the page script
/// (`templates/rows.js`) turns into one `<div class="r">` per row with its
/// line number, its id and its text's box. Written by hand rather than by
/// the template engine (this loop was the bulk of the rendering time), and
/// as little markup per row as the script can read back, since a page has
/// a row per shown line and an element per edit:
///
/// - a row is its text and a `\n` (a blank line is one byte); its line is
///   the previous row's plus one (plus a gap row's count), else it starts
///   with `<i data-n="N"></i>` (after a removed duplicate, at the start of
///   a near-duplicate's diff);
/// - a gap row is `<i class="g">⋯ N unchanged lines</i>`, no number;
/// - an edit is `<b class="rK">` (`K` indexes `rules`, the section's rules
///   table, sorted) with the tokens `f` (a flag), `c` (a part continued
///   from the line above), `d` (a removed duplicate's row) and `iN` (its
///   index among the section's changes, written only when it is not the
///   previous edit's plus one, or for `c` not the previous edit's);
///   inside, `<del>` deleted text, `<s>` deleted whitespace, `<ins>`
///   inserted text;
/// - the script gives an edit `class="e"` (with `flag`, `dup`), its
///   `data-rule`, `id="Pe<i>"` and `tabindex="0"` on its first part
///   (`data-i` on the others), and a row `id="PL<n>"`; the removed
///   duplicates after the first one of a run sharing a row are
///   `<i data-n="N"></i>` (and `data-e` when their index is not the next),
///   which become the anchors `PL<n>` and `Pe<i>`.
///
/// [`anchors`] reads the ids back the way the script does (for the tests;
/// `scripts/browser-test` checks the script).
pub(super) fn rows_html(o: &mut String, rows: &[Row], rules: &[&str]) {
    let size: usize = rows
        .iter()
        .map(|r| 4 + r.pieces.iter().map(|p| p.s.len() + 24).sum::<usize>())
        .sum();
    o.reserve(size + 32);
    o.push_str("<pre class=\"rows\">\n");
    let rule_of = |rule: &str| rules.binary_search(&rule).unwrap_or(0);
    // The line the script expects next, and the index of the last edit.
    let mut line = 1usize;
    let mut last: Option<usize> = None;
    let mut k = 0;
    while k < rows.len() {
        let r = &rows[k];
        k += 1;
        if r.gap > 0 {
            if r.n != line {
                line_mark(o, r.n);
            }
            o.push_str("<i class=\"g\">⋯ ");
            push_num(o, r.gap);
            o.push_str(if r.gap == 1 {
                " unchanged line"
            } else {
                " unchanged lines"
            });
            o.push_str("</i>\n");
            line = r.n + r.gap;
            continue;
        }
        if r.n != line {
            line_mark(o, r.n);
        }
        line = r.n + 1;
        if let Some(d) = &r.dup {
            // Removed duplicates one after the other, kept in one file, share
            // one row (a file removed whole is one line): the others leave
            // only their anchors.
            let run = rows[k..]
                .iter()
                .take_while(|n| n.dup.as_ref().is_some_and(|e| e.link.file == d.link.file))
                .count();
            let end = rows[k - 1 + run].dup.as_ref().expect("a duplicate row");
            o.push_str("<b class=\"r");
            push_num(o, rule_of(d.rule));
            o.push_str(" d");
            index_token(o, &mut last, d.i);
            o.push_str("\">");
            if run == 0 {
                o.push_str(d.kind);
                o.push_str(if crate::report::kept::is_near(d.rule) {
                    " removed: near-duplicate of <a class=\"dup\" href=\""
                } else {
                    " removed: duplicate of <a class=\"dup\" href=\""
                });
            } else {
                push_num(o, run + 1);
                o.push_str(" blocks removed: duplicates of <a class=\"dup\" href=\"");
            }
            escape_into(o, &d.link.href);
            o.push_str("\">");
            escape_into(o, &d.link.file);
            o.push_str(" line ");
            push_num(o, d.link.line);
            o.push_str("</a>");
            if run > 0 {
                o.push_str(" to <a class=\"dup\" href=\"");
                escape_into(o, &end.link.href);
                o.push_str("\">line ");
                push_num(o, end.link.line);
                o.push_str("</a>");
            }
            o.push_str(" <q>");
            escape_into(o, &d.preview);
            o.push_str("</q></b>");
            for n in &rows[k..k + run] {
                let e = n.dup.as_ref().expect("a duplicate row");
                o.push_str("<i data-n=\"");
                push_num(o, n.n);
                o.push('"');
                if last.map_or(0, |l| l + 1) != e.i {
                    o.push_str(" data-e=\"");
                    push_num(o, e.i);
                    o.push('"');
                }
                last = Some(e.i);
                o.push_str("></i>");
            }
            o.push('\n');
            k += run;
            continue;
        }
        let end = r.pieces.len().saturating_sub(1);
        for (k, p) in r.pieces.iter().enumerate() {
            let Some(i) = p.i else {
                escape_row(o, &elide(&p.s, k == 0, k == end));
                continue;
            };
            o.push_str("<b class=");
            let quoted = p.flag || !p.first || last.map_or(0, |l| l + 1) != i;
            if quoted {
                o.push('"');
            }
            o.push('r');
            push_num(o, rule_of(p.rule));
            if p.flag {
                o.push_str(" f");
            }
            if p.first {
                index_token(o, &mut last, i);
            } else {
                o.push_str(" c");
                if last != Some(i) {
                    o.push_str(" i");
                    push_num(o, i);
                }
            }
            if quoted {
                o.push('"');
            }
            o.push('>');
            escape_row(o, &p.pre);
            if !p.s.is_empty() {
                o.push_str(if p.ws { "<s>" } else { "<del>" });
                escape_row(o, &p.s);
                o.push_str(if p.ws { "</s>" } else { "</del>" });
            }
            if p.nl {
                o.push_str("<span class=\"j\" title=\"joined with the next line\">↪</span>");
            }
            if !p.a.is_empty() {
                o.push_str("<ins>");
                escape_row(o, &p.a);
                o.push_str("</ins>");
            }
            if p.flag {
                o.push_str("<mark>⚑</mark>");
            }
            escape_row(o, &p.post);
            if let Some(d) = &p.dup {
                o.push_str("<a class=\"dup\" href=\"");
                escape_into(o, d);
                o.push_str("\">⇢ kept copy</a>");
            }
            o.push_str("</b>");
        }
        o.push('\n');
    }
    o.push_str("</pre>\n");
}

/// The ` iN` token of an edit's first part when its index `i` is not the
/// one after `last`; `last` becomes `i`.
fn index_token(o: &mut String, last: &mut Option<usize>, i: usize) {
    if last.map_or(0, |l| l + 1) != i {
        o.push_str(" i");
        push_num(o, i);
    }
    *last = Some(i);
}

/// `<i data-n="N"></i>`: the row that follows is line `n`.
fn line_mark(o: &mut String, n: usize) {
    o.push_str("<i data-n=\"");
    push_num(o, n);
    o.push_str("\"></i>");
}

/// Corpus text inside the rows' `<pre>`: [`escape_into`], and a carriage
/// return as `&#13;` (the HTML parser reads a raw one as a line break,
/// which would start a row).
fn escape_row(o: &mut String, s: &str) {
    let mut rest = s;
    while let Some(at) = rest.find('\r') {
        escape_into(o, &rest[..at]);
        o.push_str("&#13;");
        rest = &rest[at + 1..];
    }
    escape_into(o, rest);
}

/// The ids the page script gives the rows of `html` (one section's or
/// card's `<pre class="rows">`, as [`rows_html`] writes it), in order:
/// `L<n>` for a row, `e<i>` for an edit's first part or a removed
/// duplicate's anchor, without the prefix. What the tests read instead of
/// running the script.
pub fn anchors(html: &str) -> Vec<String> {
    let Some(at) = html.find("<pre class=\"rows\">\n") else {
        return Vec::new();
    };
    let body = &html[at + "<pre class=\"rows\">\n".len()..];
    let body = &body[..body.find("</pre>").unwrap_or(body.len())];
    let num = |s: &str, key: &str| -> Option<usize> {
        let a = s.find(key)? + key.len();
        let t = &s[a..];
        t[..t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len())]
            .parse()
            .ok()
    };
    let mut out = Vec::new();
    let (mut line, mut last): (usize, Option<usize>) = (1, None);
    for row in body.split_terminator('\n') {
        let mut rest = row;
        if rest.starts_with("<i data-n=\"") {
            let end = rest.find("</i>").expect("a closed mark") + 4;
            line = num(rest, "data-n=\"").expect("a line");
            rest = &rest[end..];
        }
        if rest.starts_with("<i class=\"g\">") {
            line += num(rest, "⋯ ").unwrap_or(0);
            continue;
        }
        out.push(format!("L{line}"));
        line += 1;
        let mut t = rest;
        while let Some(b) = t.find("<b class=") {
            t = &t[b + "<b class=".len()..];
            let cls = t[..t.find('>').expect("a closed tag")].trim_matches('"');
            let toks: Vec<&str> = cls.split(' ').collect();
            let explicit = toks
                .iter()
                .find_map(|k| k.strip_prefix('i').and_then(|n| n.parse::<usize>().ok()));
            if toks.contains(&"c") {
                continue;
            }
            let i = explicit.unwrap_or(last.map_or(0, |l| l + 1));
            last = Some(i);
            out.push(format!("e{i}"));
        }
        let mut t = rest;
        while let Some(m) = t.find("<i data-n=\"") {
            t = &t[m..];
            let n = num(t, "data-n=\"").expect("a line");
            let end = t.find("</i>").expect("a closed mark");
            let i = num(&t[..end], "data-e=\"").unwrap_or(last.map_or(0, |l| l + 1));
            last = Some(i);
            out.push(format!("L{n}"));
            out.push(format!("e{i}"));
            t = &t[end..];
        }
    }
    out
}
