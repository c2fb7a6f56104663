//! The pages of kept copies, `kept/NNN.html`, and the near-duplicate
//! cluster cards, `near/NN.html` ([`NearRefs`]: gathered here, drawn by
//! [`super::html::near_page`]).
//!
//! A removed duplicate's row on its file's page links to its kept copy
//! ([`kept_href`]): an entry on a kept-copy page that names the file and
//! line of the kept copy, shows its first characters, links to that line
//! on the file's own page when it has one, and lists every copy removed
//! because of it, each linked to its row. The link is known when the
//! removing file's page is written (it depends only on the kept copy's
//! path and line); the pages are written at the end of the run, when every
//! removed copy is known ([`KeptRefs::write_pages`]).
//!
//! What they hold grows with the decisions, not with the bytes: per kept
//! copy, its place, [`super::html`]'s preview of its first characters and
//! one link per removed copy; the paths are interned, so the run holds 16
//! bytes per removed duplicate. The entries are spread over at most
//! [`KEPT_PAGES`] pages by a hash of the kept file's path.
//!
//! Near-duplicates (`dedup.near-*`) are not kept-copy entries: each is a
//! member of the card of its kept copy, which shows its text diffed
//! against the kept copy's (each text cut at [`NEAR_TEXT_CHARS`]), its
//! scores and the reason of the decision. A member's link is known when
//! its file's page is written ([`near_href`]: a hash of the kept file's
//! path picks one of [`NEAR_PAGES`] pages); the cards are written at the
//! end of the run, the kept copies' texts read again then.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;

use rayon::prelude::*;

use super::html::{escape_into, line_href, preview, STYLE_ASSET};
use super::KeptCopy;
use crate::emit::{Durability, Tree};

/// Most kept-copy pages a run writes.
pub const KEPT_PAGES: u64 = 256;

/// The page of the kept copies in `file`.
fn page_of(file: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(file.as_bytes()) % KEPT_PAGES
}

/// The anchor of the kept copy at `file` line `line`.
fn anchor(file: &str, line: usize) -> String {
    format!(
        "k{:016x}L{line}",
        xxhash_rust::xxh3::xxh3_64_with_seed(file.as_bytes(), 1)
    )
}

/// Relative URL (from the report root) of the kept copy at `file` line
/// `line`.
pub fn kept_href(file: &str, line: usize) -> String {
    format!("kept/{:03}.html#{}", page_of(file), anchor(file, line))
}

/// Every removed duplicate of a run with its kept copy, in corpus order.
#[derive(Debug, Default)]
pub struct KeptRefs {
    paths: Vec<String>,
    ids: HashMap<String, u32>,
    /// (kept file, kept line, removed file, removed line).
    refs: Vec<(u32, u32, u32, u32)>,
}

impl KeptRefs {
    /// No reference yet; `files` is a hint of the number of files.
    pub fn new(files: usize) -> KeptRefs {
        KeptRefs {
            paths: Vec::new(),
            ids: HashMap::with_capacity(files.min(1 << 16)),
            refs: Vec::new(),
        }
    }

    fn id(&mut self, path: &str) -> u32 {
        if let Some(&i) = self.ids.get(path) {
            return i;
        }
        let i = self.paths.len() as u32;
        self.paths.push(path.to_string());
        self.ids.insert(path.to_string(), i);
        i
    }

    /// The removed duplicates of the file `file`: (its line, kept copy).
    pub fn add(&mut self, file: &str, removed: Vec<(usize, KeptCopy)>) {
        if removed.is_empty() {
            return;
        }
        let r = self.id(file);
        for (line, k) in removed {
            let kid = self.id(&k.file);
            self.refs.push((kid, k.line as u32, r, line as u32));
        }
    }

    /// Removed duplicates recorded.
    pub fn len(&self) -> usize {
        self.refs.len()
    }

    /// The kept files the pages show (once each per removed copy).
    pub fn kept_files(&self) -> impl Iterator<Item = &str> {
        self.refs.iter().map(|r| self.paths[r.0 as usize].as_str())
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// Write the kept-copy pages. `text(path)` reads the decoded original
    /// of a kept file (`None` when it cannot be read any more: the entry
    /// then has no preview); `page(path)` is where a file's review page is
    /// ([`super::FileReport::page`]).
    pub fn write_pages(
        &self,
        report: &Tree,
        text: &(dyn Fn(&str) -> Option<String> + Sync),
        page: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> io::Result<()> {
        // page → kept file → kept line → removed copies
        type Lines = BTreeMap<u32, Vec<(u32, u32)>>;
        let mut pages: BTreeMap<u64, BTreeMap<&str, (u32, Lines)>> = BTreeMap::new();
        for &(k, kl, r, rl) in &self.refs {
            let file = self.paths[k as usize].as_str();
            pages
                .entry(page_of(file))
                .or_default()
                .entry(file)
                .or_insert((k, BTreeMap::new()))
                .1
                .entry(kl)
                .or_default()
                .push((r, rl));
        }
        let pages: Vec<_> = pages.into_iter().collect();
        pages.par_iter().try_for_each(|(n, files)| {
            let mut o = String::with_capacity(4096);
            o.push_str(HEAD);
            for (&file, (_, lines)) in files {
                let original = text(file);
                let starts: Vec<usize> = original.as_deref().map_or_else(Vec::new, |t| {
                    std::iter::once(0)
                        .chain(t.match_indices('\n').map(|(i, _)| i + 1))
                        .collect()
                });
                let linked = page(file);
                for (&line, removed) in lines {
                    o.push_str("<section class=\"kept\" id=\"");
                    o.push_str(&anchor(file, line as usize));
                    o.push_str("\">\n<h2><span class=\"mono\">");
                    escape_into(&mut o, file);
                    o.push_str("</span> line ");
                    o.push_str(&line.to_string());
                    o.push_str("</h2>\n");
                    if let (Some(t), Some(&a)) = (&original, starts.get(line as usize - 1)) {
                        let b = starts.get(line as usize).copied().unwrap_or(t.len());
                        o.push_str("<p class=\"preview\" lang=\"zh\">");
                        escape_into(&mut o, &preview(&t[a..b]));
                        o.push_str("</p>\n");
                    }
                    if let Some(p) = &linked {
                        o.push_str("<p><a class=\"to-page\" href=\"../");
                        escape_into(&mut o, &line_href(p, line as usize));
                        o.push_str("\">this line on its file's review page</a></p>\n");
                    }
                    o.push_str("<p>Kept copy of ");
                    o.push_str(&removed.len().to_string());
                    o.push_str(if removed.len() == 1 {
                        " removed duplicate:"
                    } else {
                        " removed duplicates:"
                    });
                    o.push_str("</p>\n<ul class=\"removed\">\n");
                    for &(r, rl) in removed {
                        let rf = &self.paths[r as usize];
                        o.push_str("<li>");
                        if let Some(p) = page(rf) {
                            o.push_str("<a class=\"back\" href=\"../");
                            escape_into(&mut o, &line_href(&p, rl as usize));
                            o.push_str("\">");
                        } else {
                            o.push_str("<a>");
                        }
                        o.push_str("<span class=\"mono\">");
                        escape_into(&mut o, rf);
                        o.push_str("</span> line ");
                        o.push_str(&rl.to_string());
                        o.push_str("</a></li>\n");
                    }
                    o.push_str("</ul>\n</section>\n");
                }
            }
            o.push_str("</main>\n</body>\n</html>\n");
            report.write(
                &Path::new("kept").join(format!("{n:03}.html")),
                o.as_bytes(),
                Durability::Deferred,
            )
        })
    }
}

/// The head of a kept-copy page: no script at all (`script-src 'none'`).
const HEAD: &str = concat!(
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self'; script-src 'none'; img-src data:\">\n",
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
    "<meta name=\"referrer\" content=\"no-referrer\">\n",
    "<title>Kept copies · newsclean review</title>\n<link rel=\"stylesheet\" href=\"../",
    "assets/style.css",
    "\">\n</head>\n<body>\n<header class=\"top\"><a href=\"../index.html\" class=\"noprint\">&larr; all files</a>\n",
    "<h1>Kept copies</h1><span class=\"mut\">each text below was kept; the copies listed under it were removed as its duplicates</span></header>\n<main>\n",
);

const _: () = assert!(matches!(STYLE_ASSET.as_bytes(), b"assets/style.css"));

/// Write the kept-copy pages and the near-duplicate cards of a run from
/// what `writers` gathered:
/// `text(path)` reads a kept file's decoded original again for the preview
/// of each kept line; `rows` (the run's rows) say which files have a
/// review page. A page that cannot be written is a report error.
pub fn write_kept_pages(
    report: &Tree,
    writers: &mut super::Writers<'_>,
    text: &(dyn Fn(&str) -> Option<String> + Sync),
    rows: &[super::FileReport],
) {
    if writers.kept.is_empty() && writers.near.is_empty() {
        return;
    }
    let pages: HashMap<&str, &super::FileReport> =
        rows.iter().map(|r| (r.path.as_str(), r)).collect();
    let page = |rel: &str| pages.get(rel).and_then(|r| r.page.clone());
    if !writers.kept.is_empty() {
        if let Err(e) = writers.kept.write_pages(report, text, &page) {
            writers.error.get_or_insert(format!("kept copies: {e}"));
        }
    }
    if !writers.near.is_empty() {
        if let Err(e) = writers.near.write_pages(report, text, &page) {
            writers
                .error
                .get_or_insert(format!("near-duplicate cards: {e}"));
        }
    }
}

/// Rule ids of near-duplicate records (issue 16): they are shown as
/// cluster cards on `near/NN.html`, not as kept-copy entries.
pub fn is_near(rule: &str) -> bool {
    rule.starts_with("dedup.near-")
}

/// Most near-duplicate card pages a run writes.
pub const NEAR_PAGES: u64 = 64;

/// Most characters of a member's (and of its kept copy's) text a card
/// diffs: a near-duplicate is a news article or a paragraph; a longer
/// text is cut there, and the card says so.
pub const NEAR_TEXT_CHARS: usize = 6000;

/// The card page of the cluster kept at `file`.
fn near_page_of(file: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(file.as_bytes(), 2) % NEAR_PAGES
}

/// The anchor of the cluster of rule `rule` whose kept copy is at `file`
/// line `line` (kept on run `run`, or in this run).
fn near_anchor(run: Option<&str>, file: &str, line: usize, rule: &str) -> String {
    let mut key = Vec::with_capacity(file.len() + 32);
    key.extend_from_slice(rule.as_bytes());
    key.push(0);
    if let Some(r) = run {
        key.extend_from_slice(r.as_bytes());
    }
    key.push(0);
    key.extend_from_slice(file.as_bytes());
    format!(
        "n{:016x}L{line}",
        xxhash_rust::xxh3::xxh3_64_with_seed(&key, 3)
    )
}

/// Relative URL (from the report root) of the card of the cluster of
/// rule `rule` kept at `kept`. Known when the member's page is written: it
/// depends only on the kept copy and the rule.
pub fn near_href(kept: &KeptCopy, rule: &str) -> String {
    format!(
        "near/{:02}.html#{}",
        near_page_of(&kept.file),
        near_anchor(kept.run.as_deref(), &kept.file, kept.line, rule)
    )
}

/// A removed or flagged near-duplicate, as its cluster's card shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct NearMember {
    /// The cluster: the kept copy it was measured against.
    pub kept: KeptCopy,
    /// Shown name of the member's file.
    pub file: String,
    /// 1-based line of the member in its file.
    pub line: usize,
    /// `dedup.near-document` or `dedup.near-paragraph`.
    pub rule: &'static str,
    /// A flag (text untouched) rather than a removal.
    pub flag: bool,
    /// `detail.similarity`, `detail.containment`.
    pub similarity: Option<f64>,
    /// See `similarity`.
    pub containment: Option<f64>,
    /// Why it was removed or only flagged (the record's own words when its
    /// detail has them).
    pub reason: String,
    /// The member's text (cut at [`NEAR_TEXT_CHARS`]).
    pub text: String,
    /// Whether `text` was cut.
    pub cut: bool,
}

/// `s` cut at [`NEAR_TEXT_CHARS`] characters; whether it was.
fn cut_text(s: &str) -> (String, bool) {
    match s.char_indices().nth(NEAR_TEXT_CHARS) {
        Some((i, _)) => (s[..i].to_string(), true),
        None => (s.to_string(), false),
    }
}

/// The block of `text` that starts at byte `at` (a line start): a whole
/// document for `dedup.near-document`, else the paragraph (up to a blank
/// line; in a text without blank lines, the line).
fn block_at<'a>(text: &'a str, at: usize, rule: &str) -> &'a str {
    if rule == "dedup.near-document" {
        return text;
    }
    let at = (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let rest = &text[at..];
    let rest = rest.trim_start_matches(['\n', '\r']);
    let end = if text.contains("\n\n") || text.contains("\n\r\n") {
        let mut end = rest.len();
        let mut off = 0;
        for line in rest.split_inclusive('\n') {
            if off > 0 && line.trim().is_empty() {
                end = off;
                break;
            }
            off += line.len();
        }
        end
    } else {
        rest.find('\n').unwrap_or(rest.len())
    };
    rest[..end].trim_end()
}

/// The block of `text` at 1-based `line` ([`block_at`]).
fn block_at_line<'a>(text: &'a str, line: usize, rule: &str) -> Option<&'a str> {
    let start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    Some(block_at(text, start, rule))
}

/// A number of the record's detail, by name.
fn detail_number(d: &serde_json::Value, name: &str) -> Option<f64> {
    d.get(name).and_then(serde_json::Value::as_f64)
}

/// The near-duplicate records among `changes` (of the file whose decoded
/// original is `original`), as card members.
pub fn near_in(changes: &[super::ChangeRecord], original: &str) -> Vec<NearMember> {
    changes
        .iter()
        .filter(|c| is_near(c.rule))
        .filter_map(|c| {
            let kept = c.duplicate_of.clone()?;
            let flag = c.start == c.end && c.before.is_empty() && c.after.is_empty();
            let d = c
                .detail
                .as_ref()
                .and_then(|d| serde_json::to_value(d).ok())
                .unwrap_or(serde_json::Value::Null);
            let similarity = detail_number(&d, "similarity");
            let containment = detail_number(&d, "containment");
            let own = ["reason", "decision", "text", "note"]
                .iter()
                .find_map(|k| d.get(*k).and_then(serde_json::Value::as_str))
                .map(str::to_string);
            let mut reason = own.unwrap_or_else(|| default_reason(c.rule, flag));
            if let Some(how) = d.get("measured").and_then(serde_json::Value::as_str) {
                reason.push_str("; measured: ");
                reason.push_str(how);
            }
            let text = if c.record.is_some() {
                // A shard's record: its text is the record's, not the
                // shard's lines; a removal names it, a flag cannot.
                c.before
                    .trim_start_matches(['\n', '\r'])
                    .trim_end()
                    .to_string()
            } else if flag {
                block_at(original, c.start, c.rule).trim_end().to_string()
            } else {
                // A removal can start with the separator before its block.
                c.before
                    .trim_start_matches(['\n', '\r'])
                    .trim_end()
                    .to_string()
            };
            let (text, cut) = cut_text(&text);
            Some(NearMember {
                kept,
                file: c.file.clone(),
                line: c.line,
                rule: c.rule,
                flag,
                similarity,
                containment,
                reason,
                text,
                cut,
            })
        })
        .collect()
}

/// The reason of a decision whose record does not give one.
fn default_reason(rule: &str, flag: bool) -> String {
    match (rule, flag) {
        ("dedup.near-document", false) => {
            "removed whole: not longer than the kept copy and contained in it".into()
        }
        ("dedup.near-document", true) => {
            "flagged, kept: near the kept copy but longer, not contained enough or differing in a figure".into()
        }
        (_, true) => "flagged, text untouched ([dedup] near_paragraph = \"flag\")".into(),
        (_, false) => "removed ([dedup] near_paragraph = \"remove\")".into(),
    }
}

/// The near-duplicate members of a run, in corpus order.
#[derive(Debug, Default)]
pub struct NearRefs {
    members: Vec<NearMember>,
}

impl NearRefs {
    /// The kept files of this run the cards show (once each per member).
    pub fn kept_files(&self) -> impl Iterator<Item = &str> {
        self.members
            .iter()
            .filter(|m| m.kept.run.is_none())
            .map(|m| m.kept.file.as_str())
    }

    /// Add a file's members ([`near_in`]).
    pub fn add(&mut self, members: Vec<NearMember>) {
        self.members.extend(members);
    }

    /// Members recorded.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Write `near/NN.html` (the cards of the clusters whose kept file
    /// hashes to page NN, in kept file and line order) and `near/index.html`
    /// (the pages, with their counts). `text(path)` reads a kept file's
    /// decoded original again; `page(path)` is where a file's review page is.
    pub fn write_pages(
        &self,
        report: &Tree,
        text: &(dyn Fn(&str) -> Option<String> + Sync),
        page: &(dyn Fn(&str) -> Option<String> + Sync),
    ) -> io::Result<()> {
        type Cluster<'a> = Vec<&'a NearMember>;
        // page → (kept file, run, kept line, rule) → members: a kept
        // document and a kept paragraph at its first line are two clusters.
        type Key<'a> = (&'a str, Option<&'a str>, usize, &'static str);
        let mut pages: BTreeMap<u64, BTreeMap<Key<'_>, Cluster<'_>>> = BTreeMap::new();
        for m in &self.members {
            pages
                .entry(near_page_of(&m.kept.file))
                .or_default()
                .entry((
                    m.kept.file.as_str(),
                    m.kept.run.as_deref(),
                    m.kept.line,
                    m.rule,
                ))
                .or_default()
                .push(m);
        }
        let pages: Vec<_> = pages.into_iter().collect();
        pages.par_iter().try_for_each(|(n, clusters)| {
            let mut cards = Vec::with_capacity(clusters.len());
            let mut texts: HashMap<&str, Option<String>> = HashMap::new();
            for (&(file, run, line, rule), members) in clusters {
                // A copy kept on an earlier run is not read again: its
                // file is that run's.
                let kept_text = match run {
                    Some(_) => None,
                    None => texts
                        .entry(file)
                        .or_insert_with(|| text(file))
                        .as_deref()
                        .and_then(|t| block_at_line(t, line, rule))
                        .map(|b| cut_text(b.trim_end())),
                };
                let card = super::html::NearCard {
                    anchor: near_anchor(run, file, line, rule),
                    kept: &members[0].kept,
                    kept_page: run
                        .is_none()
                        .then(|| page(file))
                        .flatten()
                        .map(|p| super::html::line_href(&p, line)),
                    kept_text,
                    members: members
                        .iter()
                        .map(|m| {
                            (
                                *m,
                                page(&m.file).map(|p| super::html::line_href(&p, m.line)),
                            )
                        })
                        .collect(),
                };
                cards.push(card);
            }
            let html = super::html::near_page(&format!("{n:02}"), &cards);
            report.write(
                &Path::new("near").join(format!("{n:02}.html")),
                html.as_bytes(),
                Durability::Deferred,
            )
        })?;
        let counts: Vec<(String, usize, usize)> = pages
            .iter()
            .map(|(n, c)| {
                (
                    format!("{n:02}.html"),
                    c.len(),
                    c.values().map(Vec::len).sum(),
                )
            })
            .collect();
        report.write(
            Path::new("near/index.html"),
            super::html::near_index(&counts).as_bytes(),
            Durability::Deferred,
        )
    }
}
