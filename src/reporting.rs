//! The driver's [`Report`] seam: what happens to each file's row, change
//! records and diff, in corpus order, and at the end of the run. A thin
//! layer over `report::` (which writes the files): [`FolderReport`], the
//! report folder of a run (`changes.jsonl`, the review pages of kept
//! copies, `index.html`, `summary.json`), which also hands every file's
//! records and diff to the caller when streaming (`--diff`, `--format
//! jsonl`). Diffs and pages of changed files are written while the files
//! are emitted, in parallel (`pipeline.rs`).
//!
//! A report file that cannot be written does not stop the run: the first
//! such error is kept, every file is still processed and listed, and no
//! `summary.json` is written (exit 73).

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use rayon::prelude::*;

use crate::emit::{AtomicFile, Durability, Tree};
use crate::pipeline::{Progress, RunError};
use crate::report::summary::Summary;
use crate::report::{html, FileReport, Status};
use crate::source::DocSource;

/// One file's report parts, from the emit phase: its row, its
/// `changes.jsonl` lines, its unified diff (for a stream), and the file a
/// huge file's lines were spilled to.
pub(crate) type Emitted = (
    FileReport,
    serde_json::Result<Vec<u8>>,
    String,
    Option<std::fs::File>,
);

/// What the driver tells the reports.
pub(crate) trait Report {
    /// Are change records serialised (a `changes.jsonl` or a stream)?
    fn wants_records(&self) -> bool;
    /// One file done, in corpus order.
    fn file(&mut self, parts: Emitted);
    /// Documents (by order key) that hold a kept copy of a removed block.
    fn kept(&mut self, docs: &mut dyn Iterator<Item = u32>);
    /// The rows so far, in corpus order.
    fn rows(&self) -> &[FileReport];
    /// A report error found elsewhere (a prune that failed): kept if first.
    fn error(&mut self, e: String);
    /// End of the run: the pages of unchanged kept copies (read again from
    /// `source`), `changes.jsonl` committed, the summary made of the rows
    /// (`summary`), then `index.html` and, after `sync` (the output folder,
    /// then the report folder, flushed), `summary.json`. Returns the
    /// summary and why the report is incomplete, if it is.
    fn finish(
        &mut self,
        source: &dyn DocSource,
        summary: &mut dyn FnMut(Vec<FileReport>) -> Summary,
        sync: Option<&Tree>,
    ) -> (Summary, Option<String>);
}

/// The report folder of a run (none with `--check`: then only the rows,
/// and the stream).
pub(crate) struct FolderReport<'a> {
    tree: Option<&'a Tree>,
    changes: Option<std::io::BufWriter<AtomicFile<'a>>>,
    stream: bool,
    progress: &'a (dyn Fn(Progress<'_>) + Sync),
    rows: Vec<FileReport>,
    has_page: HashSet<u32>,
    kept: HashSet<u32>,
    error: Option<String>,
}

impl<'a> FolderReport<'a> {
    /// Start the reports in `tree` (opened and locked): the old
    /// `summary.json` goes first (durably), so a report folder never claims
    /// a run complete whose files are being rewritten; temp files of killed
    /// runs go; the assets are written and `changes.jsonl` created.
    pub(crate) fn start(
        tree: Option<&'a Tree>,
        stream: bool,
        progress: &'a (dyn Fn(Progress<'_>) + Sync),
        files: usize,
    ) -> Result<Self, RunError> {
        let changes = match tree {
            Some(t) => {
                let err = |e: std::io::Error| {
                    RunError::CantCreate(format!("{}: {e}", t.path().display()))
                };
                t.remove(Path::new("summary.json"), true).map_err(|e| {
                    RunError::CantCreate(format!(
                        "{}: cannot remove the old summary.json: {e}",
                        t.path().display()
                    ))
                })?;
                t.scan().map_err(err)?;
                html::write_assets(t).map_err(|e| {
                    RunError::CantCreate(format!(
                        "{}: cannot write assets: {e}",
                        t.path().display()
                    ))
                })?;
                let f = t.create(Path::new("changes.jsonl")).map_err(err)?;
                Some(std::io::BufWriter::with_capacity(1 << 16, f))
            }
            None => None,
        };
        Ok(FolderReport {
            tree,
            changes,
            stream,
            progress,
            rows: Vec::with_capacity(files),
            has_page: HashSet::new(),
            kept: HashSet::new(),
            error: None,
        })
    }
}

impl Report for FolderReport<'_> {
    fn wants_records(&self) -> bool {
        self.changes.is_some() || self.stream
    }

    fn file(&mut self, (r, jsonl, diff, mut spilled): Emitted) {
        if self.stream {
            // A huge file's lines were spilled to a file: read them back
            // for the stream, then rewind it for changes.jsonl.
            let mut huge = Vec::new();
            if let Some(f) = spilled.as_mut() {
                use std::io::{Read, Seek};
                let _ = f.read_to_end(&mut huge).and_then(|_| f.rewind());
            }
            let lines = match &jsonl {
                Ok(j) if huge.is_empty() => j.as_slice(),
                Ok(_) => huge.as_slice(),
                Err(_) => &[],
            };
            (self.progress)(Progress::File(&r, lines, &diff));
        }
        if let Some(w) = self.changes.as_mut() {
            // A full report filesystem does not stop the run: every file
            // is still cleaned and listed; the report is then incomplete
            // (exit 73).
            let written = jsonl
                .map_err(std::io::Error::from)
                .and_then(|j| w.write_all(&j))
                .and_then(|()| match spilled {
                    Some(mut f) => std::io::copy(&mut f, w).map(drop),
                    None => Ok(()),
                });
            if let Err(e) = written {
                self.error.get_or_insert(format!("changes.jsonl: {e}"));
                self.changes = None;
            }
        }
        if r.status == Status::Cleaned {
            self.has_page.insert(self.rows.len() as u32);
        }
        self.rows.push(r);
    }

    fn kept(&mut self, docs: &mut dyn Iterator<Item = u32>) {
        self.kept.extend(docs);
    }

    fn rows(&self) -> &[FileReport] {
        &self.rows
    }

    fn error(&mut self, e: String) {
        self.error.get_or_insert(e);
    }

    fn finish(
        &mut self,
        source: &dyn DocSource,
        summary: &mut dyn FnMut(Vec<FileReport>) -> Summary,
        sync: Option<&Tree>,
    ) -> (Summary, Option<String>) {
        let Some(rt) = self.tree else {
            return (summary(std::mem::take(&mut self.rows)), self.error.take());
        };
        // Pages for unchanged files that hold the kept copy of a
        // duplicate, so every "kept copy" link opens something.
        let mut missing: Vec<u32> = self.kept.difference(&self.has_page).copied().collect();
        missing.sort_unstable();
        missing.par_iter().for_each(|&id| {
            if let Some(text) = source.text_again(id) {
                let _ = html::write_file_page(rt, source.name(id), &text, &[]);
            }
        });
        if let Some(w) = self.changes.take() {
            let committed = w
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.commit(Durability::Deferred));
            if let Err(e) = committed {
                self.error.get_or_insert(format!("changes.jsonl: {e}"));
            }
        }
        let summary = summary(std::mem::take(&mut self.rows));
        let Some(e) = self.error.take() else {
            let finished = html::write_index(rt, &summary)
                .map_err(|e| format!("index.html: {e}"))
                .and_then(|()| {
                    // Cleaned copies and report files were linked into
                    // place without their own fsync (see emit.rs): flush
                    // them all at once, then write summary.json, fsynced,
                    // as the marker of a complete run.
                    for t in sync.into_iter().chain([rt]) {
                        t.sync()
                            .map_err(|e| format!("{}: sync: {e}", t.path().display()))?;
                    }
                    let json = serde_json::to_vec_pretty(&summary)
                        .map_err(|e| format!("summary.json: {e}"))?;
                    rt.write(Path::new("summary.json"), &json, Durability::Fsync)
                        .map_err(|e| format!("summary.json: {e}"))
                });
            let error = finished
                .err()
                .map(|e| format!("{}: {e}", rt.path().display()));
            return (summary, error);
        };
        (summary, Some(format!("{}: {e}", rt.path().display())))
    }
}
