//! The pipeline: discover → analyse (parallel) → decide (sequential) →
//! emit (parallel) → report.
//!
//! Files are processed in chunks of corpus order. Each chunk is analysed in
//! parallel (read, decode, normalize, fingerprint), then decided in one
//! thread against the index of everything before it, then emitted in
//! parallel (removal edits, cleaned file, diff, review page, serialized
//! change records), and its records are appended to the reports in corpus
//! order. The phases of different chunks overlap: in one round chunk k+2
//! is analysed and chunk k emitted by the thread pool while one thread
//! appends the records of chunk k-1 and decides chunk k+1. Memory
//! therefore holds at most three chunks of texts plus the fingerprint
//! index, never the corpus, and the output does not depend on the number
//! of threads: the only order-dependent step (which copy is first) runs
//! sequentially in corpus order.
//!
//! Per-file failures (unreadable, undecodable, a panic inside a rule, a
//! cleaned copy that cannot be written) are data: the file is reported
//! with its reason, copied through byte for byte where possible, and the
//! run goes on.
//!
//! A file bigger than `window::Settings::threshold` is not read when its
//! chunk is analysed: it is read (regular files only, as any other) and
//! cleaned window by window when the chunk is decided (`window.rs`), in
//! corpus order, so at most one such file is in memory; its outputs are
//! written through the same [`Tree`]s, and its row and spilled records
//! pass through emit.
//!
//! Setup, before any file is written ([`run`]): the paths are checked
//! (outputs never inside inputs, `--out` and `--report` never inside each
//! other: 64), the output and report folders are opened as
//! [`Tree`]s, locked (another run holds one: 75) and probed (no file can be
//! created: 73); then the old `summary.json` is removed durably, the temp
//! files of killed runs are removed and the files already in `--out` are
//! listed. At the end those that this run did not write are the `stale`
//! list of the summary (removed with `prune`). A report file that cannot
//! be written (a full filesystem) does not stop the run: every file is
//! still processed and listed, and [`RunOutcome::report_error`] says why
//! no `summary.json` was written.

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use rayon::prelude::*;

use crate::config::Config;
use crate::decode::{decode, plain_utf8, Decoded, Replacement};
use crate::dedup::{self, Index, Removal};
use crate::discover::{self, SourceFile};
use crate::edit::{Composed, Edit};
use crate::emit::{Durability, Tree};
use crate::normalize;
use crate::report::summary::{rfc3339, RunInfo, Summary};
use crate::report::{change_records, diff, html, FileReport, Status};
use crate::segment::{self, Block};
use crate::window;

/// Files per chunk: enough to keep every core busy, small enough to bound
/// memory by a few megabytes of text per thread.
const CHUNK: usize = 256;

/// Most worker threads `--jobs` accepts: more only costs memory (a stack
/// and a chunk of text each) on any machine this runs on.
pub const MAX_JOBS: usize = 1024;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Input folders or files.
    pub inputs: Vec<PathBuf>,
    /// Output folder; `None` with `check`.
    pub out: Option<PathBuf>,
    /// Report folder; defaults to `<out>.report`.
    pub report: Option<PathBuf>,
    /// Include globs (default `*.txt`).
    pub include: Vec<String>,
    /// Exclude globs.
    pub exclude: Vec<String>,
    /// Worker threads (0 = all cores).
    pub jobs: usize,
    /// Write nothing; report whether anything would change.
    pub check: bool,
    /// Remove files in the output folder that this run did not write.
    pub prune: bool,
    /// Rules and thresholds.
    pub config: Config,
    /// The config file `config` was read from (recorded in the summary).
    pub config_file: Option<PathBuf>,
    /// An input with no matching file is not an error.
    pub allow_empty: bool,
    /// Hand every file's change records and unified diff to the caller
    /// ([`Progress::File`]), in corpus order, also with `check`.
    pub stream: bool,
    /// Which reports to write (`--reports`, `--report-diffs`).
    pub reports: crate::report::Plan,
}

/// Result of a run.
#[derive(Debug)]
pub struct RunOutcome {
    /// The summary (also written to `summary.json`).
    pub summary: Summary,
    /// Report folder actually used.
    pub report_dir: Option<PathBuf>,
    /// The report could not be completed (a report file could not be
    /// written, e.g. a full filesystem): no `summary.json` was written;
    /// exit 73. The per-file rows in `summary` are still right.
    pub report_error: Option<String>,
}

impl RunOutcome {
    /// Did any file get (or, with `--check`, would get) a text change?
    pub fn changed(&self) -> bool {
        self.summary.totals.cleaned > 0
    }

    /// Did any file fail, or was decoded with malformed bytes replaced
    /// (`decode.replacement`)? Both exit 2.
    pub fn failed(&self) -> bool {
        self.summary.totals.failed > 0
            || !self.summary.walk_errors.is_empty()
            || self
                .summary
                .rules
                .get("decode.replacement")
                .is_some_and(|&n| n > 0)
    }
}

/// Errors that stop the whole run (exit codes 64+).
#[derive(Debug)]
pub enum RunError {
    /// Bad arguments (e.g. output inside an input folder): 64.
    Usage(String),
    /// An input does not exist: 66.
    NoInput(String),
    /// The output or report folder cannot be written: 73.
    CantCreate(String),
    /// Another run holds the output or report folder: 75.
    Busy(String),
}

impl RunError {
    /// Process exit code (sysexits).
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Usage(_) => 64,
            RunError::NoInput(_) => 66,
            RunError::CantCreate(_) => 73,
            RunError::Busy(_) => 75,
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Usage(m)
            | RunError::NoInput(m)
            | RunError::CantCreate(m)
            | RunError::Busy(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for RunError {}

/// Progress events for the binary's progress bar.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// Discovery done: this many files.
    Discovered(usize),
    /// One more file done.
    FileDone,
    /// With [`RunOptions::stream`], in corpus order: a file's row, its
    /// `changes.jsonl` lines and its unified diff (empty when unchanged).
    File(&'a FileReport, &'a [u8], &'a str),
}

/// Analysis of one file: everything that depends only on its bytes.
enum Analysis {
    Text(Box<TextFile>),
    Skipped {
        reason: String,
        bytes_in: u64,
    },
    /// Copied through unchanged (undecodable, or a rule panicked).
    Failed {
        reason: String,
        bytes: Option<Vec<u8>>,
        bytes_in: u64,
    },
    /// Too big to hold whole: read and cleaned in windows when decided.
    Huge,
    /// A huge file, cleaned and written: its row and spilled records (or
    /// why they could not be spilled).
    Windowed(Box<(FileReport, Result<Option<std::fs::File>, String>)>),
}

/// A chunk analysed and decided, waiting to be emitted.
type Decided<'a> = (&'a [SourceFile], Vec<Analysis>, Vec<Vec<Removal>>);

/// A file's report row, its `changes.jsonl` lines and its diff (for
/// `--diff`), from the emit phase (a huge file's lines are in a file of
/// their own, and its diff is only in the report).
type Emitted = (
    FileReport,
    serde_json::Result<Vec<u8>>,
    String,
    Option<std::fs::File>,
);

struct TextFile {
    original: String,
    encoding: String,
    composed: Composed,
    blocks: Vec<Block>,
    block_lines: Vec<u32>,
    bytes_in: u64,
}

/// Run the pipeline.
pub fn run(
    opts: &RunOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<RunOutcome, RunError> {
    let started = SystemTime::now();
    let clock = Instant::now();
    check_paths(opts)?;
    let include = if opts.include.is_empty() {
        vec!["*.txt".to_string()]
    } else {
        opts.include.clone()
    };
    let include = discover::globs(&include).map_err(RunError::Usage)?;
    let exclude = discover::globs(&opts.exclude).map_err(RunError::Usage)?;
    if opts.jobs > MAX_JOBS {
        return Err(RunError::Usage(format!(
            "--jobs {}: at most {MAX_JOBS} threads",
            opts.jobs
        )));
    }
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        opts.jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| RunError::Usage(format!("cannot start {jobs} threads: {e}")))?;

    let (files, walk_errors) =
        discover::discover(&opts.inputs, &include, &exclude).map_err(RunError::Usage)?;
    if !opts.allow_empty {
        for input in &opts.inputs {
            let canon = discover::canonical_input(input);
            if canon.is_dir() && !files.iter().any(|f| f.path.starts_with(&canon)) {
                return Err(RunError::NoInput(format!(
                    "{}: no file matches --include ({}); --allow-empty accepts an empty input",
                    discover::escape_path(input),
                    if opts.include.is_empty() {
                        "*.txt".to_string()
                    } else {
                        opts.include.join(", ")
                    }
                )));
            }
        }
    }
    progress(Progress::Discovered(files.len()));

    let out_dir = if opts.check { None } else { opts.out.clone() };
    let report_dir = if opts.check {
        None
    } else {
        Some(report_dir_for(opts))
    };
    let out_tree = out_dir
        .as_deref()
        .map(|d| open_tree(d, "output"))
        .transpose()?;
    let report_tree = report_dir
        .as_deref()
        .map(|d| open_tree(d, "report"))
        .transpose()?;
    // Before the first write: the old summary.json goes (durably), so a
    // report folder never claims a run complete whose files are being
    // rewritten; temp files of killed runs go; what is already in the
    // output folder is listed, to report what this run did not write.
    let mut existing: Vec<PathBuf> = Vec::new();
    if let Some(t) = &out_tree {
        existing = t
            .scan()
            .map_err(|e| RunError::CantCreate(format!("{}: {e}", t.path().display())))?
            .entries;
    }
    if let Some(t) = &report_tree {
        t.remove(Path::new("summary.json"), true).map_err(|e| {
            RunError::CantCreate(format!(
                "{}: cannot remove the old summary.json: {e}",
                t.path().display()
            ))
        })?;
        t.scan()
            .map_err(|e| RunError::CantCreate(format!("{}: {e}", t.path().display())))?;
    }
    let mut writers = match &report_tree {
        Some(t) => Some(
            crate::report::Writers::open(t, opts.reports, files.len())
                .map_err(|e| RunError::CantCreate(format!("{}: {e}", t.path().display())))?,
        ),
        None => None,
    };
    let mut report_error: Option<String> = None;

    let cfg = &opts.config;
    let mut index = Index::default();
    let mut rows: Vec<FileReport> = Vec::with_capacity(files.len());
    let mut kept_refs: HashSet<u32> = HashSet::new();
    let paths: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
    let kept_path = |id: u32| paths[id as usize].to_string();

    // Three chunks move through the pipeline at once: in each round chunk
    // k+2 is analysed and chunk k emitted (one parallel pass over both, so
    // neither waits for the other's slowest file) while, on one thread, the
    // records of chunk k-1 are appended in corpus order and chunk k+1 is
    // decided against the index of everything before it. Deciding is
    // sequential by nature; run this way it no longer leaves the other
    // cores idle between rounds. At most three chunks of text are held.
    let with_records = writers.as_ref().is_some_and(|w| w.wants_records()) || opts.stream;
    pool.install(|| -> Result<(), RunError> {
        let mut pending: Option<Decided> = None;
        let mut undecided: Option<(&[SourceFile], Vec<Analysis>)> = None;
        let mut unwritten: Option<Vec<Emitted>> = None;
        let mut chunks = files.chunks(CHUNK);
        loop {
            let next = chunks.next();
            if next.is_none() && pending.is_none() && undecided.is_none() && unwritten.is_none() {
                break;
            }
            let ((analyses, reports), decided) = rayon::join(
                || {
                    rayon::join(
                        || {
                            next.map(|chunk| {
                                chunk
                                    .par_iter()
                                    .map(|f| analyse(f, cfg))
                                    .collect::<Vec<Analysis>>()
                            })
                        },
                        || {
                            pending.take().map(|(chunk, analyses, decisions)| {
                                chunk
                                    .par_iter()
                                    .zip(analyses)
                                    .zip(decisions)
                                    .map(|((f, a), d)| {
                                        let (a, spilled) = match a {
                                            Analysis::Windowed(w) => {
                                                let (row, spilled) = *w;
                                                progress(Progress::FileDone);
                                                // Records that could not be
                                                // spilled: a report error,
                                                // as for any file's lines.
                                                return match spilled {
                                                    Ok(f) => {
                                                        (row, Ok(Vec::new()), String::new(), f)
                                                    }
                                                    Err(e) => (
                                                        row,
                                                        Err(serde_json::Error::io(
                                                            std::io::Error::other(e),
                                                        )),
                                                        String::new(),
                                                        None,
                                                    ),
                                                };
                                            }
                                            a => (a, None),
                                        };
                                        let (mut r, diff) = emit_file(
                                            f,
                                            a,
                                            &d,
                                            out_tree.as_ref(),
                                            report_tree.as_ref(),
                                            &kept_path,
                                            cfg,
                                            opts.stream,
                                            opts.reports,
                                        );
                                        progress(Progress::FileDone);
                                        let jsonl = if with_records {
                                            change_lines(&r.changes)
                                        } else {
                                            Ok(Vec::new())
                                        };
                                        r.changes = Vec::new();
                                        (r, jsonl, diff, spilled)
                                    })
                                    .collect::<Vec<Emitted>>()
                            })
                        },
                    )
                },
                || -> Result<Option<Decided>, RunError> {
                    for (r, jsonl, diff, mut spilled) in unwritten.take().into_iter().flatten() {
                        if opts.stream {
                            // A huge file's lines were spilled to a file:
                            // read them back for the stream, then rewind it
                            // for changes.jsonl.
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
                            progress(Progress::File(&r, lines, &diff));
                        }
                        if let Some(w) = writers.as_mut() {
                            // A full report filesystem does not stop the
                            // run: every file is still cleaned and listed;
                            // the report is then incomplete (exit 73).
                            let mut r = r;
                            let jsonl = jsonl
                                .as_deref()
                                .map_err(|e| std::io::Error::other(e.to_string()));
                            w.append(&mut r, jsonl, &diff, spilled.as_mut());
                            rows.push(r);
                        } else {
                            rows.push(r);
                        }
                    }
                    Ok(undecided.take().map(|(chunk, mut analyses)| {
                        let decisions: Vec<Vec<Removal>> = chunk
                            .iter()
                            .zip(&mut analyses)
                            .map(|(f, a)| match a {
                                Analysis::Text(t) => dedup::decide_in_text(
                                    &mut index,
                                    f.id,
                                    &t.composed.text,
                                    &t.blocks,
                                    &t.block_lines,
                                    cfg,
                                ),
                                Analysis::Huge => {
                                    // In corpus order, like every decision;
                                    // one huge file in memory at a time.
                                    *a = clean_huge(
                                        f,
                                        cfg,
                                        &mut index,
                                        &kept_path,
                                        out_tree.as_ref(),
                                        report_tree.as_ref(),
                                        with_records,
                                        &mut kept_refs,
                                    );
                                    Vec::new()
                                }
                                _ => Vec::new(),
                            })
                            .collect();
                        for d in &decisions {
                            kept_refs.extend(d.iter().map(|r| r.kept.0));
                        }
                        (chunk, analyses, decisions)
                    }))
                },
            );
            pending = decided?;
            unwritten = reports;
            undecided = next.zip(analyses);
        }
        Ok(())
    })?;

    // What was in the output folder before this run and is not one of its
    // outputs: listed as stale, removed with --prune.
    let mut stale: Vec<String> = Vec::new();
    if let Some(t) = &out_tree {
        let ours: HashSet<&Path> = files
            .iter()
            .zip(&rows)
            .filter(|(_, r)| r.status != Status::Skipped)
            .map(|(f, _)| f.out_rel.as_path())
            .collect();
        for e in existing.iter().filter(|e| !ours.contains(e.as_path())) {
            stale.push(discover::display_rel(e));
            if opts.prune {
                if let Err(err) = t.remove(e, false) {
                    report_error.get_or_insert(format!(
                        "{}: cannot prune: {err}",
                        discover::display_rel(e)
                    ));
                }
            }
        }
    }

    if let Some(rt) = &report_tree {
        if let Some(w) = writers.as_mut() {
            w.commit();
            if w.plan().html {
                pool.install(|| crate::report::kept::write_kept_pages(rt, w, &files, &rows));
            }
            if let Some(e) = w.error.take() {
                report_error.get_or_insert(e);
            }
        }
    }

    let run = RunInfo {
        version: env!("CARGO_PKG_VERSION"),
        config_hash: format!("{:016x}", cfg.hash),
        started: rfc3339(
            started
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        ),
        duration_ms: clock.elapsed().as_millis() as u64,
        threads: jobs,
        inputs: opts
            .inputs
            .iter()
            .map(|p| discover::escape_path(&discover::canonical_input(p)))
            .collect(),
        config: opts
            .config_file
            .as_deref()
            .map(|p| discover::escape_path(&as_given_absolute(p))),
        out: out_dir.as_deref().map(discover::escape_path),
        report: report_dir.as_deref().map(discover::escape_path),
        check: opts.check,
        prune: opts.prune,
    };
    let mut summary = Summary::new(run, rows, walk_errors, index.len());
    summary.stale = stale;
    if let (Some(rt), None) = (&report_tree, &report_error) {
        let index = match opts.reports.html {
            true => html::write_index(rt, &summary),
            false => Ok(()),
        };
        let finished = index
            .map_err(|e| format!("index.html: {e}"))
            .and_then(|()| {
                // Cleaned copies and report files were linked into place
                // without waiting for their flush (see emit.rs): wait for
                // those flushes, then write summary.json, fsynced, as the
                // marker of a complete run.
                for t in out_tree.iter().chain([rt]) {
                    t.sync()
                        .map_err(|e| format!("{}: sync: {e}", t.path().display()))?;
                }
                let json = serde_json::to_vec_pretty(&summary)
                    .map_err(|e| format!("summary.json: {e}"))?;
                rt.write(Path::new("summary.json"), &json, Durability::Fsync)
                    .map_err(|e| format!("summary.json: {e}"))
            });
        if let Err(e) = finished {
            report_error = Some(format!("{}: {e}", rt.path().display()));
        }
    } else if let (Some(rt), Some(e)) = (&report_tree, &mut report_error) {
        *e = format!("{}: {e}", rt.path().display());
    }
    Ok(RunOutcome {
        summary,
        report_dir,
        report_error,
    })
}

/// `p` made absolute against the current folder (`..` and links kept).
fn as_given_absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Open (creating it) the output or report folder, lock it for the run
/// and check that a file can be created in it.
fn open_tree(dir: &Path, what: &str) -> Result<Tree, RunError> {
    let t = Tree::open(dir).map_err(|e| {
        RunError::CantCreate(format!(
            "{}: cannot create {what} folder: {e}",
            discover::escape_path(dir)
        ))
    })?;
    match t.lock() {
        Ok(true) => {}
        Ok(false) => {
            return Err(RunError::Busy(format!(
                "{}: another newsclean run is writing this {what} folder; try again when it has finished",
                discover::escape_path(dir)
            )))
        }
        Err(e) => {
            return Err(RunError::CantCreate(format!(
                "{}: cannot lock {what} folder: {e}",
                discover::escape_path(dir)
            )))
        }
    }
    t.probe().map_err(|e| {
        RunError::CantCreate(format!(
            "{}: cannot write in {what} folder: {e}",
            discover::escape_path(dir)
        ))
    })?;
    Ok(t)
}

/// Default report folder: `<out>.report`.
fn report_dir_for(opts: &RunOptions) -> PathBuf {
    if let Some(r) = &opts.report {
        return r.clone();
    }
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("newsclean-out"));
    let mut name = out
        .file_name()
        .map(|s| s.to_os_string())
        .unwrap_or_else(|| "newsclean-out".into());
    name.push(".report");
    out.with_file_name(name)
}

/// Refuse outputs inside inputs (and the reverse), before anything runs.
fn check_paths(opts: &RunOptions) -> Result<(), RunError> {
    if opts.inputs.is_empty() {
        return Err(RunError::Usage("no input given".into()));
    }
    for i in &opts.inputs {
        if !i.exists() {
            return Err(RunError::NoInput(format!(
                "{}: no such file or folder",
                discover::escape_path(i)
            )));
        }
    }
    if opts.check {
        return Ok(());
    }
    let out = opts
        .out
        .as_ref()
        .ok_or_else(|| RunError::Usage("--out is required (or use --check)".into()))?;
    let out_abs = absolute(out);
    let report_abs = absolute(&report_dir_for(opts));
    for i in &opts.inputs {
        let in_abs = absolute(i);
        for (what, p) in [("output", &out_abs), ("report", &report_abs)] {
            if p.starts_with(&in_abs) {
                return Err(RunError::Usage(format!(
                    "{what} folder {} is inside input {}: refusing to write into the corpus",
                    discover::escape_path(p),
                    discover::escape_path(i)
                )));
            }
            if in_abs.starts_with(p) {
                return Err(RunError::Usage(format!(
                    "input {} is inside the {what} folder {}: refusing to overwrite inputs",
                    discover::escape_path(i),
                    discover::escape_path(p)
                )));
            }
        }
    }
    if report_abs.starts_with(&out_abs) {
        return Err(RunError::Usage(format!(
            "report folder {} is inside the output folder {}: keep reports out of the cleaned corpus",
            discover::escape_path(&report_abs),
            discover::escape_path(&out_abs)
        )));
    }
    if out_abs.starts_with(&report_abs) {
        return Err(RunError::Usage(format!(
            "output folder {} is inside the report folder {}: keep the cleaned corpus out of the reports",
            discover::escape_path(&out_abs),
            discover::escape_path(&report_abs)
        )));
    }
    Ok(())
}

/// Canonical form of a path that may not exist yet: canonicalize the
/// nearest existing ancestor and append the rest.
fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut existing = p.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return p,
        }
    }
}

/// Analyse one file: read, decode, normalize, segment. Pure but for the read.
/// A file too big to hold whole is only marked (see `window.rs`).
fn analyse(f: &SourceFile, cfg: &Config) -> Analysis {
    if std::fs::metadata(&f.path)
        .is_ok_and(|m| m.is_file() && m.len() > window::Settings::get().threshold())
    {
        return Analysis::Huge;
    }
    let (original, encoding, replaced, bytes_in) = match read_text(f) {
        Ok(x) => x,
        Err(a) => return a,
    };
    let result = catch_unwind(AssertUnwindSafe(|| {
        let flags = replacement_flags(&replaced, &encoding);
        let composed = normalize::normalize_flagged(&original, cfg, flags);
        let blocks = segment::blocks(&composed.text);
        let block_lines = original_lines(&original, &composed, &blocks);
        (composed, blocks, block_lines)
    }));
    match result {
        Ok((composed, blocks, block_lines)) => Analysis::Text(Box::new(TextFile {
            original,
            encoding,
            composed,
            blocks,
            block_lines,
            bytes_in,
        })),
        Err(panic) => Analysis::Failed {
            reason: format!(
                "internal error in a rule: {}; copied through unchanged",
                panic_message(&panic)
            ),
            bytes: crate::read::read_regular(&f.path).ok(),
            bytes_in,
        },
    }
}

/// A decoded file: text, encoding, the malformed sequences decoded as
/// U+FFFD, and the bytes read.
type Read = (String, String, Vec<Replacement>, u64);

/// Read (regular files only, see `read.rs`) and decode one file, or the
/// analysis of a file that is not text.
fn read_text(f: &SourceFile) -> Result<Read, Analysis> {
    let bytes = match crate::read::read_regular(&f.path) {
        Ok(b) => b,
        Err(e @ crate::read::ReadError::NotRegular(_)) => {
            return Err(Analysis::Skipped {
                reason: e.to_string(),
                bytes_in: 0,
            })
        }
        Err(e) => {
            return Err(Analysis::Failed {
                reason: e.to_string(),
                bytes: None,
                bytes_in: 0,
            })
        }
    };
    let bytes_in = bytes.len() as u64;
    match plain_utf8(bytes) {
        Ok(text) => Ok((text, "utf-8".to_string(), Vec::new(), bytes_in)),
        Err(bytes) => match decode(&bytes) {
            Decoded::Text {
                text,
                encoding,
                replaced,
            } => Ok((text, encoding, replaced, bytes_in)),
            Decoded::Binary { reason } => Err(Analysis::Skipped { reason, bytes_in }),
            Decoded::Undecodable { reason } => Err(Analysis::Failed {
                reason: format!("{reason}; copied through unchanged"),
                bytes: Some(bytes),
                bytes_in,
            }),
        },
    }
}

/// The `decode.replacement` flags of a decoded text.
pub(crate) fn replacement_flags(replaced: &[Replacement], encoding: &str) -> Vec<Edit> {
    replaced
        .iter()
        .map(|r| Edit::flag(r.at, "decode.replacement", r.note(encoding)))
        .collect()
}

/// Read a huge file and clean it in windows (deciding its duplicates
/// against `index`), write its cleaned copy and reports: the analysis
/// the emit phase passes through.
#[allow(clippy::too_many_arguments)]
fn clean_huge(
    f: &SourceFile,
    cfg: &Config,
    index: &mut Index,
    kept_path: &(dyn Fn(u32) -> String + Sync),
    out: Option<&Tree>,
    report: Option<&Tree>,
    records: bool,
    kept_refs: &mut HashSet<u32>,
) -> Analysis {
    let (original, encoding, replaced, bytes_in) = match read_text(f) {
        Ok(x) => x,
        Err(a) => return a,
    };
    let flags = replacement_flags(&replaced, &encoding);
    drop(replaced);
    let sinks = window::Sinks {
        out,
        out_rel: &f.out_rel,
        report,
        records,
    };
    let s = window::Settings::get();
    let result = window::clean(
        &original, &flags, f.id, &f.rel, cfg, index, kept_path, &sinks, &s,
    );
    let (row, spilled, kept) =
        window::report_row(&f.rel, encoding, bytes_in, result, &original, &sinks);
    kept_refs.extend(kept);
    Analysis::Windowed(Box::new((row, spilled)))
}

/// 1-based line in the original of each block's first character.
pub(crate) fn original_lines(original: &str, composed: &Composed, blocks: &[Block]) -> Vec<u32> {
    let nl: Vec<usize> = original
        .bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i)
        .collect();
    blocks
        .iter()
        .map(|b| {
            let pos = composed.to_original(b.start);
            (nl.partition_point(|&n| n < pos) + 1) as u32
        })
        .collect()
}

pub(crate) fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".into()
    }
}

/// The `changes.jsonl` lines of one file's records.
fn change_lines(changes: &[crate::report::ChangeRecord]) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(changes.len() * 160);
    for c in changes {
        serde_json::to_writer(&mut out, c)?;
        out.push(b'\n');
    }
    Ok(out)
}

/// Emit one file: apply the duplicate removals, write the cleaned copy,
/// the diff and the review page, and build its report row; the unified
/// diff is returned too (built when there is a report or `want_diff`).
#[allow(clippy::too_many_arguments)]
fn emit_file(
    f: &SourceFile,
    a: Analysis,
    removals: &[Removal],
    out: Option<&Tree>,
    report: Option<&Tree>,
    kept_path: &(dyn Fn(u32) -> String + Sync),
    cfg: &Config,
    want_diff: bool,
    plan: crate::report::Plan,
) -> (FileReport, String) {
    let mut row = FileReport::new(f.rel.clone());
    let t = match a {
        Analysis::Text(t) => t,
        Analysis::Skipped { reason, bytes_in } => {
            row.status = Status::Skipped;
            row.reason = Some(reason);
            row.bytes_in = bytes_in;
            return (row, String::new());
        }
        Analysis::Failed {
            reason,
            bytes,
            bytes_in,
        } => {
            row.status = Status::Failed;
            row.bytes_in = bytes_in;
            let mut reason = reason;
            if let (Some(bytes), Some(out)) = (bytes, out) {
                if let Err(e) = out.write(&f.out_rel, &bytes, Durability::Deferred) {
                    reason.push_str(&format!("; copy failed: {e}"));
                }
                row.bytes_out = bytes_in;
            }
            row.reason = Some(reason);
            return (row, String::new());
        }
        // Decided (and so cleaned) before emit; passed through by the caller.
        Analysis::Huge | Analysis::Windowed(_) => {
            unreachable!("a huge file is cleaned when decided")
        }
    };
    let TextFile {
        original,
        encoding,
        mut composed,
        blocks,
        block_lines: _,
        bytes_in,
    } = *t;
    row.encoding = Some(encoding);
    row.bytes_in = bytes_in;
    row.blocks = blocks.len();
    let result = catch_unwind(AssertUnwindSafe(|| {
        if !removals.is_empty() {
            let rm = dedup::removal_edits(&composed.text, &blocks, removals, kept_path);
            composed.push_stage(&original, rm);
            normalize::renormalize(&mut composed, &original, cfg);
        }
        let (cleaned, edits) = composed.into_edits();
        (cleaned, edits)
    }));
    let (cleaned, edits): (String, Vec<Edit>) = match result {
        Ok(x) => x,
        Err(p) => {
            row.status = Status::Failed;
            row.reason = Some(format!(
                "internal error applying edits: {}; copied through unchanged",
                panic_message(&p)
            ));
            if let Some(out) = out {
                match out.write(&f.out_rel, original.as_bytes(), Durability::Deferred) {
                    Ok(()) => row.bytes_out = original.len() as u64,
                    Err(e) => row
                        .reason
                        .as_mut()
                        .expect("reason set above")
                        .push_str(&format!("; copy failed: {e}")),
                }
            }
            return (row, String::new());
        }
    };
    row.flags = edits.iter().filter(|e| e.is_flag()).count();
    row.edits = edits.len() - row.flags;
    row.duplicates_removed = edits
        .iter()
        .filter(|e| e.rule.starts_with("dedup."))
        .count();
    let mut counts: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for e in &edits {
        *counts.entry(e.rule).or_default() += 1;
    }
    if let Some(&n) = counts.get("decode.replacement") {
        row.reason = Some(format!(
            "{n} malformed {} byte sequence{} decoded as U+FFFD (decode.replacement flags)",
            row.encoding.as_deref().unwrap_or("source"),
            if n == 1 { "" } else { "s" }
        ));
    }
    row.rules = counts.into_iter().collect();
    if row.edits > 0 {
        row.status = Status::Cleaned;
    }
    row.changes = change_records(&f.rel, &original, &edits);
    if let Some(out) = out {
        match out.write(&f.out_rel, cleaned.as_bytes(), Durability::Deferred) {
            Ok(()) => row.bytes_out = cleaned.len() as u64,
            Err(e) => {
                row.status = Status::Failed;
                row.reason = Some(format!("cannot write cleaned copy: {e}"));
            }
        }
    }
    let d = if row.edits > 0 && (want_diff || (report.is_some() && plan.diff)) {
        diff::unified(&f.rel, &original, &edits)
    } else {
        String::new()
    };
    if let Some(rd) = report {
        if let Err(e) = crate::report::write_file_reports(rd, plan, f.id, &mut row, &original, &d) {
            row.status = Status::Failed;
            row.reason = Some(e);
        }
    }
    (row, d)
}

/// Clean one text as a one-file corpus (normalization, then duplicates
/// within the text). For tests, examples and library users.
pub fn clean_str(text: &str, cfg: &Config) -> String {
    clean_edits(text, cfg).0
}

/// [`clean_str`] with its edits (flags included) in coordinates of `text`,
/// as `changes.jsonl` records them: the fuzz harness checks that they
/// rebuild both texts.
pub fn clean_edits(text: &str, cfg: &Config) -> (String, Vec<Edit>) {
    let mut composed = normalize::normalize(text, cfg);
    let blocks = segment::blocks(&composed.text);
    let lines = original_lines(text, &composed, &blocks);
    let removals = dedup::decide_in_text(
        &mut Index::default(),
        0,
        &composed.text,
        &blocks,
        &lines,
        cfg,
    );
    if !removals.is_empty() {
        let rm = dedup::removal_edits(&composed.text, &blocks, &removals, &|_| String::new());
        composed.push_stage(text, rm);
        normalize::renormalize(&mut composed, text, cfg);
    }
    composed.into_edits()
}
