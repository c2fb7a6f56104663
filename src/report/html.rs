//! The review page: `index.html` plus one page per changed file.
//!
//! A reviewer opens `<report>/index.html` from the file system (no server,
//! no network) and sees what changed in the corpus (totals, edits per rule
//! with each rule's description, skipped and failed files), a sortable and
//! filterable table of files, and for each file a page showing its
//! *original* text with every edit highlighted in place at character level
//! (Chinese has no spaces, so a word diff would be useless).
//!
//! Why it is built this way:
//!
//! - **Everything from the corpus is hostile.** The index is rendered
//!   through a minijinja template with HTML auto-escaping; file pages (one
//!   per changed file, the bulk of the work) are written directly, every
//!   corpus string through the same escaper (`escape_html`); data embedded in a
//!   `<script>` block is JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped
//!   ([`script_json`]), and the page JavaScript only ever uses
//!   `textContent`/`createElement` on it. A Content-Security-Policy meta tag
//!   forbids any network access and foreign scripts.
//! - **Large corpora.** The index embeds one compact JSON row per file that
//!   is not unchanged (unchanged files are only counted), and a few lines of
//!   vanilla JS render, sort, filter and paginate the table; the text of the
//!   files lives in the per-file pages, written in parallel by the pipeline.
//! - **Links land.** Every row of a file page carries `id="L<n>"` (1-based
//!   line of the original), so a removed duplicate's link to its kept copy
//!   (file and line) opens the right place; the pipeline also writes pages
//!   for unchanged files that hold a kept copy.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::OnceLock;

use minijinja::value::Serde;
use minijinja::{context, AutoEscape, Environment, Value};
use serde::Serialize;

use super::summary::Summary;
use super::{ChangeRecord, Status};
use crate::edit::Detail;
use crate::emit::{Durability, Tree};

const INDEX_TEMPLATE: &str = include_str!("templates/index.html");
const STYLE: &str = include_str!("templates/style.css");
const FILE_JS: &str = include_str!("templates/file.js");
const INDEX_JS: &str = include_str!("templates/index.js");

/// The shared style sheet, written once per run to `<report>/assets/` and
/// linked by relative URL from every page (instead of 6.6 KB inline in each
/// of thousands of pages). The page scripts stay inline: their CSP names
/// them by hash, which an external file:// script cannot use in Chromium
/// (subresource integrity fails on file://), and `'self'` would let any
/// local `.js` file run if escaping ever failed.
pub const STYLE_ASSET: &str = "assets/style.css";

/// Whether file pages link their own `diffs/<path>.diff` (set for a run
/// with `--report-diffs per-file` by [`super::Writers::open`]) instead of
/// `changes.diff`.
pub static PER_FILE_DIFFS: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

/// The Content-Security-Policy of every page: no network, style only from
/// the report's own style sheet (`'self'`, which Chromium matches for
/// file:// pages; no inline styles), images only as `data:` URLs, and only
/// the page's own static script runs, named by its SHA-256 hash. Escaping is what keeps corpus markup
/// inert; the policy is the second line of defence (an injected `<script>`
/// or `onerror=` handler does not match the hash, so it would not run even
/// if escaping failed). A hash, unlike a random nonce, keeps every page
/// byte-identical between runs.
pub fn csp(script: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script.as_bytes()));
    format!("default-src 'none'; style-src 'self'; script-src 'sha256-{hash}'; img-src data:")
}

fn file_csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| csp(FILE_JS))
}

fn env() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        // Auto-escaping follows the extension: the template is `.html`.
        // Strings are escaped like minijinja does, except that `/` stays as
        // it is (every attribute is quoted, so `/` is harmless), which keeps
        // paths and links readable in the source.
        env.set_formatter(|out, state, value| {
            if matches!(state.auto_escape(), AutoEscape::Html) && !value.is_safe() {
                if let Some(s) = value.as_str() {
                    return out
                        .write_str(&escape_html(s))
                        .map_err(minijinja::Error::from);
                }
            }
            minijinja::escape_formatter(out, state, value)
        });
        env.add_template("index.html", INDEX_TEMPLATE)
            .expect("index.html template parses");
        env
    })
}

fn render(name: &str, ctx: Value) -> io::Result<String> {
    env()
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| io::Error::other(format!("template {name}: {e:#}")))
}

/// Write the page of one file: `<report>/files/<rel>.html`. `original` is
/// the decoded original text; `changes` its edits in original coordinates
/// (empty for an unchanged file that holds a kept copy of a duplicate).
///
/// A page shows at most [`PAGE_CAP`] bytes of text: for a longer file it
/// shows the lines that fit and the changes in them, and says so (see
/// [`write_file_page_part`]).
pub fn write_file_page(
    report: &Tree,
    rel: &str,
    original: &str,
    changes: &[ChangeRecord],
) -> io::Result<()> {
    write_file_page_part(report, rel, original, changes)
}

/// Most bytes of original text one file page shows: a page for a bigger
/// file is of no use in a browser (one row element per line, every edit a
/// few elements more). The rest of such a file is reviewed in its diff and
/// `changes.jsonl`.
pub const PAGE_CAP: usize = 1 << 20;

/// Where the page of `original` stops: its length when it fits in
/// [`PAGE_CAP`], else after the last line break within the cap (or at the
/// cap's character boundary when the first line alone is longer).
pub fn page_cut(original: &str) -> usize {
    if original.len() <= PAGE_CAP {
        return original.len();
    }
    match original.as_bytes()[..PAGE_CAP]
        .iter()
        .rposition(|&b| b == b'\n')
    {
        Some(i) => i + 1,
        None => (0..=PAGE_CAP)
            .rev()
            .find(|&i| original.is_char_boundary(i))
            .unwrap_or(0),
    }
}

/// [`write_file_page`] for a file of which `changes` are the first
/// records (at least those that end within [`page_cut`]): the page shows
/// the text up to the cut and the changes that end within it, with a
/// notice when the file is longer.
pub fn write_file_page_part(
    report: &Tree,
    rel: &str,
    original: &str,
    changes: &[ChangeRecord],
) -> io::Result<()> {
    let cut = page_cut(original);
    let html = if cut == original.len() {
        render_file_page(rel, original, changes, None)?
    } else {
        let shown: Vec<ChangeRecord> = changes
            .iter()
            .take_while(|c| c.end <= cut)
            .cloned()
            .collect();
        let lines = original[..cut].bytes().filter(|&b| b == b'\n').count();
        let notice = format!(
            "This file is {:.1} MB, too big for one page: this page shows its first {} lines ({:.1} MB) \
             and the {} changes in them. changes.jsonl (and the unified diff of a changed file) has every change.",
            original.len() as f64 / 1e6,
            lines,
            cut as f64 / 1e6,
            shown.len(),
        );
        render_file_page(rel, &original[..cut], &shown, Some(&notice))?
    };
    report.write(
        &Path::new("files").join(format!("{rel}.html")),
        html.as_bytes(),
        Durability::Deferred,
    )
}

/// Write the shared assets (`assets/style.css`) into the report folder.
/// Called once per run, before any page.
pub fn write_assets(report: &Tree) -> io::Result<()> {
    report.write(
        Path::new(STYLE_ASSET),
        STYLE.as_bytes(),
        Durability::Deferred,
    )
}

/// Relative URL (from the report root) of a file's page, with a line anchor.
///
/// Each path segment is percent-encoded like JavaScript's
/// `encodeURIComponent`, so names with `#`, `?`, `%` or spaces still link.
pub fn page_href(rel: &str, line: Option<usize>) -> String {
    let mut s = String::from("files/");
    s.push_str(&encode_path(rel));
    s.push_str(".html");
    if let Some(l) = line {
        s.push_str(&format!("#L{l}"));
    }
    s
}

/// Write `<report>/index.html` from the summary.
pub fn write_index(report: &Tree, summary: &Summary) -> io::Result<()> {
    let html = render_index(report.path(), summary)?;
    report.write(
        Path::new("index.html"),
        html.as_bytes(),
        Durability::Deferred,
    )
}

/// JSON for a `<script type="application/json">` block: `<`, `>`, `&`,
/// U+2028 and U+2029 are written as `\uXXXX` escapes, so no corpus text can
/// close the script element or open a comment. These characters only occur
/// inside JSON strings, where the escapes mean the same thing.
pub fn script_json<T: Serialize + ?Sized>(value: &T) -> String {
    let raw = serde_json::to_string(value).expect("report data serializes");
    let mut out = String::with_capacity(raw.len() + raw.len() / 16);
    for c in raw.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Escape text for HTML element content and quoted attribute values.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    escape_into(&mut out, s);
    out
}

/// [`escape_html`] appending to `out`; copies runs without special
/// characters in one go.
pub(crate) fn escape_into(out: &mut String, s: &str) {
    const TOP3: u64 = 0xE0E0_E0E0_E0E0_E0E0;
    const X20: u64 = 0x2020_2020_2020_2020;
    let b = s.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        // The five special bytes are all in 0x20..=0x3F: skip eight bytes
        // at a time while none of them is (Chinese text is mostly ≥ 0x80).
        if i + 8 <= b.len() {
            let w = u64::from_le_bytes(b[i..i + 8].try_into().expect("eight bytes"));
            if !crate::segment::has_zero_byte((w & TOP3) ^ X20) {
                i += 8;
                continue;
            }
        }
        let rep = match b[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        i += 1;
        last = i;
    }
    out.push_str(&s[last..]);
}

/// Append the decimal digits of `n` (what `write!(o, "{n}")` writes,
/// without the formatting machinery).
fn push_num(out: &mut String, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut k = buf.len();
    loop {
        k -= 1;
        buf[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &buf[k..] {
        out.push(d as char);
    }
}

/// The rows of the "All changes" table, one `<tr>` per change, each ended
/// by `\n`. Written by hand for speed, like [`rows_html`]; every string
/// goes through [`escape_into`].
fn changes_html(list: &[Change]) -> String {
    let size: usize = list
        .iter()
        .map(|c| 240 + c.before.len() + c.after.len())
        .sum();
    let mut o = String::with_capacity(size);
    for c in list {
        o.push_str("<tr id=\"c");
        push_num(&mut o, c.i);
        o.push_str("\"><td class=\"mono\"><a href=\"");
        if c.shown {
            o.push_str("#e");
            push_num(&mut o, c.i);
        } else {
            o.push_str("#L");
            push_num(&mut o, c.line);
        }
        o.push_str("\">");
        push_num(&mut o, c.line);
        o.push(':');
        push_num(&mut o, c.col);
        o.push_str("</a><td><span class=\"tag f-");
        escape_into(&mut o, &c.fam);
        o.push_str("\">");
        escape_into(&mut o, c.rule);
        o.push_str("</span><td class=\"ba b\">");
        escape_into(&mut o, &c.before);
        o.push_str("<td class=\"ba a\">");
        if c.flag {
            o.push_str("<i class=\"mut\">flag</i>");
        } else if !c.after.is_empty() {
            escape_into(&mut o, &c.after);
        } else {
            o.push_str("<i class=\"mut\">removed</i>");
        }
        o.push_str("<td>");
        if let Some(d) = &c.dup {
            o.push_str("duplicate of <a class=\"dup\" href=\"");
            escape_into(&mut o, &d.href);
            o.push_str("\">");
            escape_into(&mut o, &d.file);
            o.push(':');
            push_num(&mut o, d.line);
            o.push_str("</a>");
        } else if let Some(e) = &c.echo {
            o.push_str("<a href=\"");
            escape_into(&mut o, e);
            o.push_str("\">");
            if let Some(d) = &c.detail {
                escape_into(&mut o, d);
            }
            o.push_str("</a>");
        } else if let Some(d) = &c.detail {
            escape_into(&mut o, d);
        }
        o.push('\n');
    }
    o
}

/// The rows of the text view, one `<div class="r">` per line of the
/// original. Written by hand rather than by the template engine: a page has
/// one row per line and this loop was the bulk of the rendering time. It
/// produces exactly what the former template loop did (the same escaping,
/// one `\n` after each row).
fn rows_html(rows: &[Row]) -> String {
    let size: usize = rows
        .iter()
        .map(|r| 64 + r.pieces.iter().map(|p| p.s.len() + 96).sum::<usize>())
        .sum();
    let mut o = String::with_capacity(size);
    for r in rows {
        if r.gap > 0 {
            o.push_str("<div class=\"r g\"><span class=\"n\"></span><div class=\"c\">⋯ ");
            push_num(&mut o, r.gap);
            o.push_str(if r.gap == 1 {
                " unchanged line"
            } else {
                " unchanged lines"
            });
            o.push_str("</div></div>\n");
            continue;
        }
        if let Some(d) = &r.dup {
            o.push_str("<div class=\"r x d\" id=\"L");
            push_num(&mut o, r.n);
            o.push_str("\"><span class=\"n\">");
            push_num(&mut o, r.n);
            o.push_str("</span><div class=\"c\"><span class=\"e dup\" id=\"e");
            push_num(&mut o, d.i);
            o.push_str("\" tabindex=\"0\" data-rule=\"");
            escape_into(&mut o, d.rule);
            o.push_str("\">");
            o.push_str(d.kind);
            o.push_str(" removed: duplicate of <a class=\"dup\" href=\"");
            escape_into(&mut o, &d.link.href);
            o.push_str("\">");
            escape_into(&mut o, &d.link.file);
            o.push_str(" line ");
            push_num(&mut o, d.link.line);
            o.push_str("</a> <q>");
            escape_into(&mut o, &d.preview);
            o.push_str("</q></span></div></div>\n");
            continue;
        }
        o.push_str("<div class=\"r");
        if r.x {
            o.push_str(" x");
        }
        o.push_str("\" id=\"L");
        push_num(&mut o, r.n);
        o.push_str("\"><span class=\"n\">");
        push_num(&mut o, r.n);
        o.push_str("</span><div class=\"c\">");
        let last = r.pieces.len().saturating_sub(1);
        for (k, p) in r.pieces.iter().enumerate() {
            let Some(i) = p.i else {
                escape_into(&mut o, &elide(&p.s, k == 0, k == last));
                continue;
            };
            o.push_str("<span class=\"e");
            if p.flag {
                o.push_str(" flag");
            }
            o.push('"');
            if p.first {
                o.push_str(" id=\"e");
                push_num(&mut o, i);
                o.push_str("\" tabindex=\"0\"");
            } else {
                o.push_str(" data-i=\"");
                push_num(&mut o, i);
                o.push('"');
            }
            o.push_str(" data-rule=\"");
            escape_into(&mut o, p.rule);
            o.push_str("\">");
            escape_into(&mut o, &p.pre);
            if !p.s.is_empty() {
                o.push_str(if p.ws { "<del class=\"ws\">" } else { "<del>" });
                escape_into(&mut o, &p.s);
                o.push_str("</del>");
            }
            if p.nl {
                o.push_str("<span class=\"j\" title=\"joined with the next line\">↪</span>");
            }
            if !p.a.is_empty() {
                o.push_str("<ins>");
                escape_into(&mut o, &p.a);
                o.push_str("</ins>");
            }
            if p.flag {
                o.push_str("<mark>&#9873;</mark>");
            }
            escape_into(&mut o, &p.post);
            if let Some(d) = &p.dup {
                o.push_str("<a class=\"dup\" href=\"");
                escape_into(&mut o, d);
                o.push_str("\">&#8674; kept copy</a>");
            }
            o.push_str("</span>");
        }
        o.push_str("</div></div>\n");
    }
    o
}

/// Percent-encode each `/`-separated segment (unreserved characters of
/// `encodeURIComponent` stay as they are).
fn encode_path(rel: &str) -> String {
    let mut out = String::with_capacity(rel.len());
    for (i, seg) in rel.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        for &b in seg.as_bytes() {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// `../` repeated to climb from a file page (`files/<rel>.html`) to the
/// report root.
fn root_prefix(rel: &str) -> String {
    "../".repeat(rel.matches('/').count() + 1)
}

/// Rule family (first dotted part), used for colours.
fn family(rule: &str) -> &str {
    rule.split('.').next().unwrap_or(rule)
}

/// Make whitespace and invisible characters of an edited span visible:
/// `·` space, `□` full-width space, `→` tab, `⏎` line break, and
/// `⟨U+XXXX⟩` for other invisible or control characters.
fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            ' ' => out.push('·'),
            '\u{3000}' => out.push('□'),
            '\t' => out.push('→'),
            '\n' => out.push('⏎'),
            '\r' => out.push_str("⟨CR⟩"),
            c if c.is_control() || is_invisible(c) => {
                out.push_str(&format!("⟨U+{:04X}⟩", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{180E}'
        | '\u{2000}'..='\u{200F}' | '\u{2028}'..='\u{202F}' | '\u{205F}'..='\u{206F}' | '\u{3164}' | '\u{FEFF}' | '\u{FFA0}')
}

/// `1.2 MB`, `340 kB`, `12 B`.
fn human_bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} kB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

/// Rule description for the reports ("" for an unknown id).
fn rule_doc(id: &str) -> &'static str {
    crate::rules::get(id).map(|r| r.doc).unwrap_or("")
}

/// A description split at backticks: `(is code, text)` parts, so the
/// templates can show `` `,` `` as code without trusting any markup.
fn doc_parts(doc: &str) -> Vec<(bool, &str)> {
    doc.split('`')
        .enumerate()
        .filter(|(_, t)| !t.is_empty())
        .map(|(i, t)| (i % 2 == 1, t))
        .collect()
}

// ---------------------------------------------------------------- file page

/// One piece of a row of the text: plain text, or (a part of) an edit.
#[derive(Serialize)]
struct Piece {
    /// Plain text, or the deleted text of an edit (visible form).
    s: String,
    /// Edit index (absent for plain text).
    #[serde(skip_serializing_if = "Option::is_none")]
    i: Option<usize>,
    /// Unchanged text inside the edit before the deletion (first part only).
    #[serde(skip_serializing_if = "String::is_empty")]
    pre: String,
    /// Unchanged text inside the edit after the insertion (last part only).
    #[serde(skip_serializing_if = "String::is_empty")]
    post: String,
    /// Inserted text (visible form), on the last part of an edit.
    #[serde(skip_serializing_if = "String::is_empty")]
    a: String,
    /// The deleted text is only whitespace (drawn as a box, not struck).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ws: bool,
    /// The deletion ends with a line break (the line is joined with the
    /// next one in the cleaned text).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    nl: bool,
    /// First part of the edit: carries the `id` and is focusable.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    first: bool,
    /// The edit is a flag (marks a place, changes nothing).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    flag: bool,
    /// Rule id.
    #[serde(skip_serializing_if = "str::is_empty")]
    rule: &'static str,
    /// Rule family (for colours).
    #[serde(skip_serializing_if = "str::is_empty")]
    fam: &'static str,
    /// Link to the kept copy (last part of a removed duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    dup: Option<String>,
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
struct Row {
    /// 1-based line number.
    n: usize,
    /// The line holds (part of) an edit.
    x: bool,
    pieces: Vec<Piece>,
    /// A removed duplicate shown as one line instead of its text.
    #[serde(skip)]
    dup: Option<DupRow>,
    /// Unchanged lines left out here (the row stands for them).
    gap: usize,
}

/// The one row of a removed duplicate: which edit, where its kept copy is,
/// and the first characters of the removed text.
struct DupRow {
    i: usize,
    rule: &'static str,
    kind: &'static str,
    link: DupLink,
    preview: String,
}

/// One entry of the list of changes under the text.
struct Change {
    i: usize,
    line: usize,
    col: usize,
    rule: &'static str,
    fam: String,
    before: String,
    after: String,
    flag: bool,
    /// Shown in the text (false when the span is not on character
    /// boundaries or overlaps an earlier edit: then it is only listed).
    shown: bool,
    detail: Option<String>,
    /// In-page link for an echo's source line.
    echo: Option<String>,
    dup: Option<DupLink>,
}

/// Where a removed duplicate's kept copy is, for its link.
struct DupLink {
    href: String,
    file: String,
    line: usize,
}

/// The rows of a page's rules table (rule, count, description), each
/// ended by `\n`; descriptions have their backtick spans as `<code>`.
fn rules_html(counts: BTreeMap<&'static str, usize>) -> String {
    let mut o = String::new();
    for (id, n) in counts {
        o.push_str("<tr data-rule=\"");
        escape_into(&mut o, id);
        o.push_str("\"><td><span class=\"tag f-");
        escape_into(&mut o, family(id));
        o.push_str("\">");
        escape_into(&mut o, id);
        o.push_str("</span></td><td class=\"num\">");
        push_num(&mut o, n);
        o.push_str("</td><td class=\"doc\">");
        for (code, part) in doc_parts(rule_doc(id)) {
            if code {
                o.push_str("<code>");
                escape_into(&mut o, part);
                o.push_str("</code>");
            } else {
                escape_into(&mut o, part);
            }
        }
        o.push_str("</td></tr>\n");
    }
    o
}

/// An edit to draw: the changed part of a record after trimming the text
/// common to `before` and `after` (so `“abc”`→`「abc」` highlights only the
/// quotes' neighbourhood), in byte offsets of the original.
struct Span {
    i: usize,
    /// Edit span (whole record).
    start: usize,
    end: usize,
    /// Changed part inside `start..end`.
    del_start: usize,
    del_end: usize,
    /// Replacement of the changed part.
    ins: String,
    flag: bool,
    rule: &'static str,
    dup: Option<String>,
    /// A removed duplicate: drawn as one [`DupRow`], its text left out.
    dup_row: Option<DupLink>,
}

/// Common prefix and suffix lengths (bytes, on char boundaries) of `a` and `b`.
fn common_affixes(a: &str, b: &str) -> (usize, usize) {
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

fn render_file_page(
    rel: &str,
    original: &str,
    changes: &[ChangeRecord],
    notice: Option<&str>,
) -> io::Result<String> {
    let root = root_prefix(rel);
    let mut list = Vec::with_capacity(changes.len());
    let mut spans = Vec::with_capacity(changes.len());
    let mut pos = 0usize;
    for (i, c) in changes.iter().enumerate() {
        let flag = c.start == c.end && c.after.is_empty();
        let dup = c.duplicate_of.as_ref().map(|k| DupLink {
            href: format!("{root}{}", super::kept::kept_href(&k.file, k.line)),
            file: k.file.clone(),
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
                Some(format!("#L{line}")),
            ),
            Some(Detail::Note { text }) => (Some(text.clone()), None),
            Some(Detail::DuplicateOf { file, line }) => {
                (Some(format!("duplicate of {file}:{line}")), None)
            }
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
                dup_row: dup.as_ref().map(|d| DupLink {
                    href: d.href.clone(),
                    file: d.file.clone(),
                    line: d.line,
                }),
            });
            pos = c.end;
        }
        list.push(Change {
            i,
            line: c.line,
            col: c.column,
            rule: c.rule,
            fam: family(c.rule).to_string(),
            before: if c.duplicate_of.is_some() {
                preview(&c.before)
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
    let rules_html = rules_html(counts);
    let edits = changes
        .iter()
        .filter(|c| !(c.start == c.end && c.after.is_empty()))
        .count();
    let flags = changes.len() - edits;
    let dups = changes.iter().filter(|c| c.duplicate_of.is_some()).count();
    let rows_html = rows_html(&rows);
    let changes_html = changes_html(&list);
    // Written directly rather than through a template: rendering the page
    // with the template engine was a tenth of its cost. Every corpus
    // string goes through `escape_into`.
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    let mut o = String::with_capacity(rows_html.len() + changes_html.len() + 4096 + FILE_JS.len());
    o.push_str(FILE_HEAD_1);
    escape_into(&mut o, file_csp());
    o.push_str(FILE_HEAD_2);
    escape_into(&mut o, rel);
    o.push_str(" · newsclean review</title>\n\n<link rel=\"stylesheet\" href=\"");
    escape_into(&mut o, &format!("{root}{STYLE_ASSET}"));
    o.push_str("\">\n</head>\n<body>\n<header class=\"top\">\n  <a href=\"");
    escape_into(&mut o, &format!("{root}index.html"));
    o.push_str("\" class=\"noprint\">&larr; all files</a>\n  <h1 class=\"mono\">");
    escape_into(&mut o, rel);
    o.push_str("</h1>\n  <span class=\"mut\">");
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
    push_num(
        &mut o,
        original.matches('\n').count()
            + usize::from(!original.ends_with('\n') && !original.is_empty()),
    );
    o.push_str(" lines</span>\n");
    o.push_str(FILE_TOOLS);
    o.push_str("    ");
    if edits > 0 {
        o.push_str("<a href=\"");
        if PER_FILE_DIFFS.load(std::sync::atomic::Ordering::Relaxed) {
            escape_into(&mut o, &format!("{root}diffs/{}.diff", encode_path(rel)));
            o.push_str("\">unified diff</a>");
        } else {
            escape_into(&mut o, &format!("{root}changes.diff"));
            o.push_str("\">unified diff (all files)</a>");
        }
    }
    o.push_str("\n  </span>\n</header>\n<main>\n");
    if !rules_html.is_empty() {
        o.push_str("\n<table id=\"rules\">\n");
        o.push_str(&rules_html);
        o.push_str("</table>\n");
    }
    o.push('\n');
    o.push_str(FILE_LEGEND);
    if let Some(n) = notice {
        o.push_str("<p class=\"banner\" id=\"capped\">");
        escape_into(&mut o, n);
        o.push_str("</p>\n");
    } else if edits == 0 {
        o.push_str(FILE_BANNER);
    }
    o.push_str("\n<div id=\"text\" lang=\"zh\">\n<div id=\"cols\" aria-hidden=\"true\"><span></span><span>original</span><span>cleaned</span></div>\n");
    o.push_str(&rows_html);
    o.push_str("</div>\n");
    if !list.is_empty() {
        o.push_str("\n<h2>All changes (");
        push_num(&mut o, list.len());
        o.push_str(")</h2>\n<table id=\"changes\">\n<thead><tr><th>line:col</th><th>rule</th><th>before</th><th>after</th><th>detail</th></tr></thead>\n<tbody>\n");
        o.push_str(&changes_html);
        o.push_str("</tbody>\n</table>\n");
    }
    o.push_str("\n</main>\n<div id=\"tip\" role=\"tooltip\" hidden></div>\n<script>");
    o.push_str(FILE_JS);
    o.push_str("</script>\n</body>\n</html>");
    Ok(o)
}

/// Fixed parts of a file page (see [`render_file_page`]).
const FILE_HEAD_1: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"";
const FILE_HEAD_2: &str = "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>";
const FILE_TOOLS: &str = "  <span class=\"noprint\" id=\"tools\">\n    <button type=\"button\" id=\"prev\" title=\"previous change (p or k)\">&uarr; prev</button>\n    <button type=\"button\" id=\"next\" title=\"next change (n or j)\">&darr; next</button>\n    <button type=\"button\" id=\"v-inline\" aria-pressed=\"true\" title=\"inline view (v)\">inline</button>\n    <button type=\"button\" id=\"v-sbs\" aria-pressed=\"false\" title=\"side by side view (v)\">side by side</button>\n    <button type=\"button\" id=\"only\" aria-pressed=\"false\" title=\"show only changed lines (c)\">changed lines only</button>\n";
const FILE_LEGEND: &str = "<p class=\"legend\">Original text. <span class=\"e\"><del>deleted</del></span> <span class=\"e\"><del class=\"ws\">·⏎</del></span> deleted whitespace <span class=\"e\"><ins>inserted</ins></span> <span class=\"e flag\"><mark>&#9873;</mark></span> flag (nothing changed) · whitespace shown as <code>·</code> space, <code>□</code> full-width space, <code>→</code> tab, <code>⏎</code> line break, <code>⟨U+00A0⟩</code> another invisible character by its code point (U+00A0 is a no-break space) · <span class=\"e dup\">paragraph removed</span> a removed duplicate, one line, linked to its kept copy · <code>⋯</code> unchanged lines left out, <code>…</code> text far from an edit left out (the diff has it all) · hover or focus an edit for its rule <span class=\"noprint\">· keys: <span class=\"kbd\">n</span>/<span class=\"kbd\">j</span> next, <span class=\"kbd\">p</span>/<span class=\"kbd\">k</span> previous, <span class=\"kbd\">v</span> view, <span class=\"kbd\">c</span> changed lines only</span></p>\n";
const FILE_BANNER: &str =
    "<p class=\"banner\">No edits in this file: only flags, which change nothing.</p>";

/// Split the original into rows (lines without their `\n`) and place the
/// spans, cutting an edit that crosses lines into one part per line. A
/// removed duplicate is not drawn: the lines it covers whole get no row,
/// and one [`DupRow`] stands at the line of the removed block instead
/// (`changes` gives its line and text).
fn build_rows(text: &str, spans: &[Span], changes: &[ChangeRecord]) -> Vec<Row> {
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
const PAGE_CONTEXT: usize = 2;

/// Keep the rows with a change and [`PAGE_CONTEXT`] rows on each side; each
/// run of other rows becomes one gap row that counts them.
fn compact(rows: Vec<Row>) -> Vec<Row> {
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
const SHOWN_CHARS: usize = 30;

/// `s`, plain text of a row, with what lies farther than [`SHOWN_CHARS`]
/// from an edit left out: `first` (nothing before it on its line) keeps
/// its end, `last` (nothing after it) its start, a piece between two edits
/// both ends; an unchanged line (`first` and `last`) keeps its start.
fn elide(s: &str, first: bool, last: bool) -> std::borrow::Cow<'_, str> {
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
const PREVIEW_CHARS: usize = 40;

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
fn push_text(text: &str, a: usize, b: usize, row: &mut Row) {
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
fn span_part(text: &str, s: &Span, from: usize, le: usize, first: bool, row: &mut Row) -> usize {
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

fn start_span(text: &str, s: &Span, le: usize, row: &mut Row) -> usize {
    span_part(text, s, s.start, le, true, row)
}

fn continue_span(text: &str, s: &Span, ls: usize, le: usize, row: &mut Row) -> usize {
    span_part(text, s, ls, le, false, row)
}

// -------------------------------------------------------------------- index

#[derive(Serialize)]
struct RuleRow {
    id: &'static str,
    fam: String,
    spec: &'static str,
    doc: Vec<(bool, &'static str)>,
    n: usize,
    /// Files in which the rule fired.
    files: usize,
}

#[derive(Serialize)]
struct Problem {
    path: String,
    status: &'static str,
    reason: String,
}

/// One row of the files table (see [`TableData`]).
type FileRow<'a> = (&'a str, u8, usize, usize, usize, Vec<usize>, u8);

/// The files table data, embedded as JSON: `rules` names the rule ids once;
/// each file row is `[path, status, edits, flags, duplicates, [rule index,
/// count, …], has page]` with status 0 cleaned, 1 unchanged, 2 skipped,
/// 3 failed.
#[derive(Serialize)]
struct TableData<'a> {
    rules: Vec<&'static str>,
    files: Vec<FileRow<'a>>,
}

fn render_index(report_dir: &Path, summary: &Summary) -> io::Result<String> {
    let mut files_per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &summary.files {
        for &(id, n) in &f.rules {
            if n > 0 {
                *files_per_rule.entry(id).or_default() += 1;
            }
        }
    }
    let nfiles = |id: &str| files_per_rule.get(id).copied().unwrap_or(0);
    let mut rule_ids: Vec<&'static str> = Vec::new();
    let mut rule_rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in crate::rules::all() {
        seen.insert(r.id);
        rule_ids.push(r.id);
        let n = summary.rules.get(r.id).copied().unwrap_or(0);
        rule_rows.push(RuleRow {
            id: r.id,
            fam: family(r.id).to_string(),
            spec: r.spec,
            doc: doc_parts(r.doc),
            n,
            files: nfiles(r.id),
        });
    }
    // Counted ids the registry does not know (should not happen; shown anyway).
    for (&id, &n) in &summary.rules {
        if seen.insert(id) {
            rule_ids.push(id);
            rule_rows.push(RuleRow {
                id,
                fam: family(id).to_string(),
                spec: "",
                doc: Vec::new(),
                n,
                files: nfiles(id),
            });
        }
    }
    let rule_index: BTreeMap<&str, usize> = rule_ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i))
        .collect();

    let mut problems = Vec::new();
    let mut files = Vec::new();
    let mut unchanged_hidden = 0usize;
    for f in &summary.files {
        let st = match f.status {
            Status::Cleaned => 0,
            Status::Unchanged => 1,
            Status::Skipped => 2,
            Status::Failed => 3,
        };
        let has_page = match f.status {
            Status::Cleaned => report_dir
                .join("files")
                .join(format!("{}.html", f.path))
                .is_file(),
            Status::Unchanged => {
                // Listed only when it holds a kept copy (then it has a
                // page) or carries flags for the reviewer.
                let page = report_dir
                    .join("files")
                    .join(format!("{}.html", f.path))
                    .is_file();
                if !page && f.flags == 0 {
                    unchanged_hidden += 1;
                    continue;
                }
                page
            }
            _ => false,
        };
        if matches!(f.status, Status::Skipped | Status::Failed) {
            problems.push(Problem {
                path: f.path.clone(),
                status: if f.status == Status::Skipped {
                    "skipped"
                } else {
                    "failed"
                },
                reason: f.reason.clone().unwrap_or_default(),
            });
        }
        let mut rr = Vec::with_capacity(f.rules.len() * 2);
        for &(id, n) in &f.rules {
            if let Some(&ix) = rule_index.get(id) {
                rr.push(ix);
                rr.push(n);
            }
        }
        files.push((
            f.path.as_str(),
            st,
            f.edits,
            f.flags,
            f.duplicates_removed,
            rr,
            has_page as u8,
        ));
    }
    let data = TableData {
        rules: rule_ids,
        files,
    };
    let walk_errors: Vec<Problem> = summary
        .walk_errors
        .iter()
        .map(|w| Problem {
            path: w.path.clone(),
            status: "unreadable",
            reason: w.reason.clone(),
        })
        .collect();
    let t = &summary.totals;
    let ctx = context! {
        csp => csp(INDEX_JS),
        run => Value::from(Serde(&summary.run)),
        totals => Value::from(Serde(&t)),
        schema_version => summary.schema_version,
        size_in => human_bytes(t.bytes_in),
        size_out => human_bytes(t.bytes_out),
        duration => format!("{:.1} s", summary.run.duration_ms as f64 / 1000.0),
        rules => Value::from(Serde(&rule_rows)),
        problems => Value::from(Serde(&problems)),
        walk_errors => Value::from(Serde(&walk_errors)),
        listed => data.files.len(),
        unchanged_hidden => unchanged_hidden,
        data => Value::from_safe_string(script_json(&data)),
        style_href => STYLE_ASSET,
        script => Value::from_safe_string(INDEX_JS.to_string()),
    };
    render("index.html", ctx)
}

#[cfg(test)]
mod tests {
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
        assert!(
            !s.contains('<') && !s.contains('>') && !s.contains('&') && !s.contains('\u{2028}')
        );
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
        assert_eq!(visible(" \u{3000}\t\n\u{200B}"), "·□→⏎⟨U+200B⟩");
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
        for n in 1..=4 {
            assert!(html.contains(&format!("id=\"L{n}\"")), "line {n}");
        }
        assert!(!html.contains("id=\"L5\""));
        assert!(html.contains(&format!(
            "href=\"../../{}\"",
            crate::report::kept::kept_href("k/<x>.txt", 7)
        )));
        assert!(html.contains("<del>,</del><ins>，</ins>"));
        assert!(html.contains("<del class=\"ws\">·</del>"));
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
            proptest::prop_assert!(recs.is_empty() || html.contains("id=\"L"));
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
            for (i, r) in recs.iter().enumerate() {
                proptest::prop_assert_eq!(lasts[i], (!r.after.is_empty()) as usize);
            }
        }
    }
}
