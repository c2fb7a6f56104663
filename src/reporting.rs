//! The driver's [`Report`] seam: what happens to each file's row, change
//! records and diff, in corpus order, and at the end of the run. A thin
//! layer over `report::` (which writes the files): [`FolderReport`], the
//! report folder of a run (the reports of `report::Plan`: `changes.jsonl`,
//! `changes.diff`, the grouped review pages and the kept-copy pages,
//! `index.html`, `summary.json`, appended in corpus order through
//! `report::Writers`), which also hands every file's records and diff to
//! the caller when streaming (`--diff`, `--format jsonl`). Each file's
//! page section (and its own diff with `--report-diffs per-file`) is made
//! while the files are emitted, in parallel (`pipeline.rs`).
//!
//! A report file that cannot be written does not stop the run: the first
//! such error is kept, every file is still processed and listed, and no
//! `summary.json` is written (exit 73).

use std::collections::HashMap;
use std::path::Path;

use crate::emit::{Durability, Tree};
use crate::pipeline::{Progress, RunError};
use crate::report::summary::Summary;
use crate::report::{html, FileReport, Writers};
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
    /// The rows so far, in corpus order.
    fn rows(&self) -> &[FileReport];
    /// A report error found elsewhere (a prune that failed): kept if first.
    fn error(&mut self, e: String);
    /// End of the run: the report files committed, the kept-copy pages
    /// (kept lines read again from `source`), the summary made of the rows
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
    writers: Option<Writers<'a>>,
    plan: crate::report::Plan,
    stream: bool,
    progress: &'a (dyn Fn(Progress<'_>) + Sync),
    rows: Vec<FileReport>,
    error: Option<String>,
}

impl<'a> FolderReport<'a> {
    /// Start the reports in `tree` (opened and locked): the old
    /// `summary.json` goes first (durably), so a report folder never claims
    /// a run complete whose files are being rewritten; temp files of killed
    /// runs go; the report files of `plan` are opened.
    pub(crate) fn start(
        tree: Option<&'a Tree>,
        plan: crate::report::Plan,
        stream: bool,
        progress: &'a (dyn Fn(Progress<'_>) + Sync),
        files: usize,
    ) -> Result<Self, RunError> {
        let writers = match tree {
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
                Some(Writers::open(t, plan, files).map_err(err)?)
            }
            None => None,
        };
        Ok(FolderReport {
            tree,
            writers,
            plan,
            stream,
            progress,
            rows: Vec::with_capacity(files),
            error: None,
        })
    }
}

impl Report for FolderReport<'_> {
    fn wants_records(&self) -> bool {
        self.writers.as_ref().is_some_and(|w| w.wants_records()) || self.stream
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
        let mut r = r;
        if let Some(w) = self.writers.as_mut() {
            // A full report filesystem does not stop the run: every file
            // is still cleaned and listed; the report is then incomplete
            // (exit 73).
            let jsonl = jsonl
                .as_deref()
                .map_err(|e| std::io::Error::other(e.to_string()));
            w.append(&mut r, jsonl, &diff, spilled.as_mut());
        }
        self.rows.push(r);
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
        if let Some(mut w) = self.writers.take() {
            w.commit();
            if w.plan().html {
                // Kept copies are named by their shown name; their lines
                // are read again for the previews.
                let order: HashMap<&str, u32> = (0..source.len() as u32)
                    .map(|i| (source.name(i), i))
                    .collect();
                // A source that reads texts again best in corpus order
                // (shards: a stream each) has them read first, in order.
                let ahead: Option<HashMap<&str, Option<String>>> =
                    source.rereads_in_order().then(|| {
                        let mut want: Vec<(u32, &str)> = w
                            .kept
                            .kept_files()
                            .chain(w.near.kept_files())
                            .filter_map(|n| order.get_key_value(n).map(|(&n, &o)| (o, n)))
                            .collect();
                        want.sort_unstable();
                        want.dedup();
                        want.into_iter()
                            .map(|(o, n)| (n, source.text_again(o)))
                            .collect()
                    });
                let text = |name: &str| match &ahead {
                    Some(m) => m.get(name).cloned().flatten(),
                    None => source.text_again(*order.get(name)?),
                };
                crate::report::kept::write_kept_pages(rt, &mut w, &text, &self.rows);
            }
            if let Some(e) = w.error.take() {
                self.error.get_or_insert(e);
            }
        }
        let summary = summary(std::mem::take(&mut self.rows));
        let Some(e) = self.error.take() else {
            let index = match self.plan.html {
                true => html::write_index(rt, &summary),
                false => Ok(()),
            };
            let finished = index
                .map_err(|e| format!("index.html: {e}"))
                .and_then(|()| {
                    // Cleaned copies and report files were linked into
                    // place without waiting for their flush (see emit.rs):
                    // wait for those flushes, then write summary.json,
                    // fsynced, as the marker of a complete run.
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
