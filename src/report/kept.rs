//! The pages of kept copies: `kept/NNN.html`.
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

/// Write the kept-copy pages of a run from what `writers` gathered:
/// `text(path)` reads a kept file's decoded original again for the preview
/// of each kept line; `rows` (the run's rows) say which files have a
/// review page. A page that cannot be written is a report error.
pub fn write_kept_pages(
    report: &Tree,
    writers: &mut super::Writers<'_>,
    text: &(dyn Fn(&str) -> Option<String> + Sync),
    rows: &[super::FileReport],
) {
    if writers.kept.is_empty() {
        return;
    }
    let pages: HashMap<&str, &super::FileReport> =
        rows.iter().map(|r| (r.path.as_str(), r)).collect();
    let page = |rel: &str| pages.get(rel).and_then(|r| r.page.clone());
    if let Err(e) = writers.kept.write_pages(report, text, &page) {
        writers.error.get_or_insert(format!("kept copies: {e}"));
    }
}
