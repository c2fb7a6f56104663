//! The review page: `index.html`, pages of file sections, kept copies.
//!
//! A reviewer opens `<report>/index.html` from the file system (no server,
//! no network) and sees what changed in the corpus (totals, edits per rule
//! with each rule's description, skipped and failed files), a sortable and
//! filterable table of files, and for each file with an edit or a flag its
//! section of a review page: the changed lines of its *original* text with
//! every edit highlighted in place at character level (Chinese has no
//! spaces, so a word diff would be useless), two lines of context around
//! them, the rest collapsed.
//!
//! Rooms: `rows` (a file's text as rows: edits placed per line, removed
//! duplicates as one row, unchanged runs collapsed, long lines elided),
//! `page` (a file's section and the page around it), `index`, `near` (the
//! near-duplicate cluster cards, a member's text diffed against its kept
//! copy's with the rows of `rows`), and `super::kept` (the kept-copy pages
//! and the gathering of the cards).
//!
//! Why it is built this way:
//!
//! - **Everything from the corpus is hostile.** The index is rendered
//!   through a minijinja template with HTML auto-escaping; file sections
//!   (the bulk of the work) are written directly, every corpus string
//!   through the same escaper (`escape_html`); data embedded in a
//!   `<script>` block is JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped
//!   ([`script_json`]), and the page JavaScript only ever uses
//!   `textContent`/`createElement` on it. A Content-Security-Policy meta tag
//!   forbids any network access and foreign scripts.
//! - **Large corpora.** The report grows with the decisions, not with the
//!   bytes: a section holds the changed lines (cut to `rows::SHOWN_CHARS` (30)
//!   characters around each edit) and a removed duplicate's first
//!   characters only (its text is in `changes.jsonl` and `changes.diff`);
//!   the table of a section's changes is a JSON data block the page script
//!   renders (`page::changes_data`); the text is a `<pre>` of one line
//!   per row with each edit a `<b class="rK">` (`K` indexing the section's
//!   rules table), and the script makes the rows, their line numbers and
//!   ids, and each edit's class, rule, id and focus (`rows::rows_html` has
//!   the format: markup was more than half of a page); a rule's
//!   description is written once per page (`page::rule_docs`), not per
//!   section;
//!   sections are rendered in parallel as files are emitted and appended in
//!   corpus order to pages of up to [`GROUP_FILES`] files ([`Pages`]), so a
//!   corpus of thousands of files has a few hundred pages. The index embeds
//!   one compact JSON row per file that is not unchanged (unchanged files
//!   are only counted, unless flagged), and a few lines of vanilla JS
//!   render, sort, filter and paginate the table.
//! - **Links land.** Every row of a section gets `id="f<id>.L<n>"`
//!   (1-based line of the original) from the page script, which then
//!   scrolls to the link's target itself (the parser looked for it before
//!   the ids were there) and marks it `tgt`; a removed duplicate's row names its
//!   kept copy's file and line and links its entry on a kept-copy page,
//!   which links that line on its own page and back to every removed copy.

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

mod index;
mod near;
mod page;
mod rows;
#[cfg(test)]
mod tests;

use index::*;
pub use near::{near_index, near_page, NearCard};
use page::*;
pub use rows::anchors;
pub(crate) use rows::preview;
use rows::*;

const INDEX_TEMPLATE: &str = include_str!("templates/index.html");
const STYLE: &str = include_str!("templates/style.css");
/// The review pages' script: the rows' reader (`rows.js`, shared with the
/// near-duplicate pages) and the page's own code, in one function.
const FILE_JS: &str = concat!(
    "(function(){\n\"use strict\";\n",
    include_str!("templates/rows.js"),
    include_str!("templates/file.js"),
    "})();"
);
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
    let html = match capped(original, changes) {
        None => render_file_page(rel, original, changes, None)?,
        Some((cut, shown, notice)) => {
            render_file_page(rel, &original[..cut], &shown, Some(&notice))?
        }
    };
    report.write(
        &Path::new("files").join(format!("{rel}.html")),
        html.as_bytes(),
        Durability::Deferred,
    )
}

/// For a text longer than [`PAGE_CAP`]: where its page stops, the changes
/// shown and the notice that says so.
fn capped(original: &str, changes: &[ChangeRecord]) -> Option<(usize, Vec<ChangeRecord>, String)> {
    let cut = page_cut(original);
    if cut == original.len() {
        return None;
    }
    let shown: Vec<ChangeRecord> = changes
        .iter()
        .take_while(|c| c.end <= cut)
        .cloned()
        .collect();
    let lines = crate::stage::count_breaks(&original[..cut]);
    let notice = format!(
        "This file is {:.1} MB, too big for one page: this page shows its first {} lines ({:.1} MB) \
         and the {} changes in them. changes.jsonl (and the unified diff of a changed file) has every change.",
        original.len() as f64 / 1e6,
        lines,
        cut as f64 / 1e6,
        shown.len(),
    );
    Some((cut, shown, notice))
}

/// Files on one page of several files, at most.
pub const GROUP_FILES: usize = 50;
/// A page of several files is closed once it holds this many bytes: what
/// the browser spends opening a page grows with its rows (a 1 MB page of
/// today's markup is ~10,000 rows, twice the 1 MB of the markup before it,
/// and took 2 s of script and layout in headless Chromium against 1 s), so
/// the cap keeps a page near 5,000 rows.
pub const GROUP_BYTES: usize = 1 << 19;

/// The section of file `id` (corpus order) for a page of several files
/// ([`Pages`]): ids prefixed `f<id>.`, links from `files/`; a text longer
/// than [`PAGE_CAP`] shows its start, as [`write_file_page_part`] does.
pub fn file_section(id: u32, rel: &str, original: &str, changes: &[ChangeRecord]) -> String {
    let prefix = format!("f{id}.");
    match capped(original, changes) {
        None => render_section(&prefix, "../", rel, original, changes, None),
        Some((cut, shown, notice)) => {
            render_section(&prefix, "../", rel, &original[..cut], &shown, Some(&notice))
        }
    }
}

/// The review pages of several files each, `files/0000.html`,
/// `files/0001.html`, …: sections are appended in corpus order
/// ([`Pages::push`]); a page is closed after [`GROUP_FILES`] files or
/// [`GROUP_BYTES`] bytes, and named when complete.
pub struct Pages<'t> {
    report: &'t Tree,
    next: u32,
    open: Option<Open<'t>>,
}

/// The page being written: its name, files and bytes so far, the rules of
/// its sections (for their descriptions in its tail), the file.
struct Open<'t> {
    name: String,
    files: usize,
    bytes: usize,
    rules: std::collections::BTreeSet<String>,
    w: io::BufWriter<crate::emit::AtomicFile<'t>>,
}

impl<'t> Pages<'t> {
    /// No page yet.
    pub fn new(report: &'t Tree) -> Pages<'t> {
        Pages {
            report,
            next: 0,
            open: None,
        }
    }

    /// Append a file's section ([`file_section`]); returns the page it is
    /// on, relative to the report root (`files/0003.html`).
    pub fn push(&mut self, section: &str) -> io::Result<String> {
        use std::io::Write as _;
        if self.open.is_none() {
            let name = format!("files/{:04}.html", self.next);
            self.next += 1;
            let f = self.report.create(Path::new(&name))?;
            let mut w = io::BufWriter::with_capacity(1 << 16, f);
            let mut head = String::new();
            page_head(&mut head, &format!("review page {}", self.next), "../");
            w.write_all(head.as_bytes())?;
            self.open = Some(Open {
                name,
                files: 0,
                bytes: 0,
                rules: Default::default(),
                w,
            });
        }
        let p = self.open.as_mut().expect("opened above");
        p.w.write_all(section.as_bytes())?;
        rules_in(section, &mut p.rules);
        p.files += 1;
        p.bytes += section.len();
        let name = p.name.clone();
        if p.files >= GROUP_FILES || p.bytes >= GROUP_BYTES {
            self.close()?;
        }
        Ok(name)
    }

    /// Close the open page: its tail, its name.
    pub fn close(&mut self) -> io::Result<()> {
        use std::io::Write as _;
        let Some(Open { rules, mut w, .. }) = self.open.take() else {
            return Ok(());
        };
        let mut tail = String::new();
        page_tail(&mut tail, &rules);
        w.write_all(tail.as_bytes())?;
        w.into_inner()
            .map_err(|e| e.into_error())?
            .commit(Durability::Deferred)
    }
}

/// The link to line `line` of a file whose page is `page` (a row's
/// [`super::FileReport::page`]).
pub fn line_href(page: &str, line: usize) -> String {
    if page.contains('#') {
        format!("{page}.L{line}")
    } else {
        format!("{page}#L{line}")
    }
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
    let html = render_index(summary)?;
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
/// `·` space, `□` full-width space, `→` tab, `⏎` line break, `⍽` no-break
/// space (U+00A0, the commonest invisible one in news text: three bytes
/// instead of the twelve of its code point), and `⟨U+XXXX⟩` for other
/// invisible or control characters.
fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            ' ' => out.push('·'),
            '\u{3000}' => out.push('□'),
            '\t' => out.push('→'),
            '\n' => out.push('⏎'),
            '\u{00A0}' => out.push('⍽'),
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
