//! The local driver: discover → analyse (parallel) → decide (sequential) →
//! emit (parallel) → report, over the per-document core of [`crate::stage`].
//!
//! [`run`] resolves the options into a plan (`plan.rs`), discovers the
//! files, and hands three seams to the driver (`Run::drive`): a
//! `DocSource` (`source.rs`: the input tree, read, decoded and
//! fingerprinted per document; `shard.rs`: the records of its JSONL shards
//! beside its files), a `DocSink` (`sink.rs`: the output folder)
//! and a `Report` (`reporting.rs`: rows, `changes.jsonl`, the stream, and
//! at the end the pages of kept copies, `index.html` and `summary.json`,
//! over the `report::` writers). Documents are processed in chunks of
//! corpus order. Each chunk is analysed in
//! parallel (read, decode, [`stage::fingerprint`]), then decided in one
//! thread ([`stage::resolve_document`], then [`stage::resolve`], against
//! the run's index, which holds everything before it: a [`MemoryIndex`],
//! or with `--index` the on-disk store of earlier runs, see
//! `index/nightly.rs`), then emitted in
//! parallel ([`stage::apply`], cleaned file, diff, review page, serialized
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
//! cleaned copy that cannot be written) are data: the cause is a
//! `FileError` until it becomes the row's reason, the file is copied
//! through byte for byte where possible (the reason says what was written:
//! after a panic while applying edits, the decoded text; nothing when the
//! copy failed, and then no `bytes_out`), and the run goes on.
//!
//! A file bigger than `window::Settings::threshold` is not read when its
//! chunk is analysed: it is read (regular files only, as any other) and
//! cleaned window by window when the chunk is decided (`window.rs`), in
//! corpus order, so at most one such file is in memory; its outputs are
//! written through the same [`Tree`]s, and its row and spilled records
//! pass through emit.
//!
//! Setup, before any file is written ([`run`]): the index is opened
//! (`--index`: busy 75, damaged 78), the paths are checked
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

use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use rayon::prelude::*;

use crate::config::Config;
use crate::discover;
use crate::edit::Edit;
use crate::emit::Tree;
use crate::index::nightly::{IndexOptions, RunIndex};
use crate::index::store::{CommitReport, DiskIndex, IndexError};
use crate::index::{memory::MemoryIndex, SeenIndex};
use crate::plan::Plan;
use crate::report::summary::{rfc3339, RunInfo, Summary};
use crate::report::{change_records, diff, FileReport, Status};
use crate::reporting::{Emitted, FolderReport, Report};
use crate::sink::{fail_row, open_tree, DocSink, Fallback, TreeSink};
use crate::source::{Analysis, DocSource, FileError, TextFile};
use crate::stage::{self, Doc, DocDecisions, DocId};
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
    /// The text and id fields of JSONL shards' records.
    pub shards: crate::shard::ShardOptions,
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
    /// The on-disk index of a nightly run (`--index`); `None`: this run
    /// alone, in memory.
    pub index: Option<IndexOptions>,
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
    /// The index (`--index`) met damage while the run read it, or its
    /// commit failed: nothing was committed, no `summary.json` was
    /// written; exit [`IndexError::exit_code`].
    pub index_error: Option<IndexError>,
    /// What the index commit did (`--index`, not `--check`).
    pub index_commit: Option<CommitReport>,
    /// Things the user should know that did not fail the run (printed on
    /// stderr): an earlier run's near-duplicate signatures not used.
    pub warnings: Vec<String>,
    /// Input `-`: the output of the text read on stdin (its cleaned text,
    /// or its bytes unchanged when it failed), for stdout; `None` with
    /// `check` or other inputs.
    pub stdout: Option<Vec<u8>>,
}

impl RunOutcome {
    /// Did any file get (or, with `--check`, would get) a text change?
    pub fn changed(&self) -> bool {
        self.summary.totals.cleaned > 0 || self.summary.totals.duplicate > 0
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
    /// The index (`--index`) cannot be opened: 75 in use, 78 damaged or
    /// newer, 73 cannot be created.
    Index(IndexError),
}

impl RunError {
    /// Process exit code (sysexits).
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Usage(_) => 64,
            RunError::NoInput(_) => 66,
            RunError::CantCreate(_) => 73,
            RunError::Busy(_) => 75,
            RunError::Index(e) => i32::from(e.exit_code()),
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
            RunError::Index(e) => e.fmt(f),
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

/// A chunk analysed and decided, waiting to be emitted.
type Decided = (Range<u32>, Vec<Analysis>, Vec<DocDecisions>);

/// Run the pipeline: the options resolved into a plan, the documents of
/// the input tree through the stages (`drive`), the stale outputs listed,
/// the reports finished.
pub fn run(
    opts: &RunOptions,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<RunOutcome, RunError> {
    let (started, clock) = (SystemTime::now(), Instant::now());
    let plan = Plan::new(opts)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.jobs)
        .build()
        .map_err(|e| RunError::Usage(format!("cannot start {} threads: {e}", plan.jobs)))?;
    let (mut source, walk_errors) = open_source(opts, &plan)?;
    progress(Progress::Discovered(source.len()));
    let (out_dir, report_dir) = (plan.out_dir.as_deref(), plan.report_dir.as_deref());
    let mut index = RunIndex::open(opts.index.as_ref(), out_dir, report_dir, opts.check)?;
    let (mut near, warnings) = near_index(&index, &opts.config)?;
    let (out_tree, report_tree) = (
        open_opt(out_dir, "output")?,
        open_opt(report_dir, "report")?,
    );
    if let Some(d) = opts.shards.attributes.as_deref() {
        if out_tree.is_some() {
            source.set_attributes(Some(open_tree(d, "attributes")?));
        }
    }
    // Before the first write: what is already in the output folder is
    // listed (to report what this run did not write), the old summary.json
    // goes; temp files of killed runs go from both.
    source.set_writes(out_tree.is_some());
    let sink = TreeSink::new(out_tree)?;
    let rt = report_tree.as_ref();
    let mut report = FolderReport::start(rt, opts.reports, opts.stream, progress, source.len())?;
    let doc_keys = pool.install(|| {
        let run = Run {
            source: &source,
            sink: &sink,
            rt,
            cfg: &opts.config,
            progress,
            want_diff: opts.stream,
            reports: opts.reports,
            doc_keys: Default::default(),
        };
        run.drive(0..source.len() as u32, &mut report, index.seen(), &mut near);
        run.doc_keys.into_inner()
    });
    if std::env::var_os("NEWSCLEAN_NEAR_PROFILE").is_some() {
        *crate::near::SIZES.lock().unwrap_or_else(|e| e.into_inner()) = near.sizes();
    }
    let near_failure = near.failure();
    let near_export = near_export(&mut near, &opts.config, &source);
    drop(near);
    // What was in the output folder before this run and is not one of its
    // outputs: listed as stale, removed with --prune.
    let ours = source.outputs(report.rows());
    let (stale, prune_error) = sink.stale(&ours, opts.prune);
    if let Some(e) = prune_error {
        report.error(e);
    }
    // Block keys only, as before document keys existed (those are counted
    // by the rows with status `duplicate` and the index commit).
    let inserted = index.inserted() - doc_keys as usize;
    // An earlier night's near file that could not be read again: the
    // run's near decisions are not trusted; nothing is committed.
    let (index_commit, index_error) = match near_failure {
        Some((file, why)) => (None, Some(IndexError::corrupt(Path::new(&file), why))),
        None => commit_index(index, opts, &plan, &source, started, doc_keys, near_export),
    };
    if let Some(e) = &index_error {
        report.error(format!("index not committed: {e}"));
    }
    let mut parts = Some((walk_errors, stale));
    let mut summary = |rows: Vec<FileReport>| {
        let (walk_errors, stale) = parts.take().expect("one summary");
        let run = run_info(opts, &plan, started, clock);
        let rows = source.shard_rows(rows);
        let mut s = Summary::new(run, rows, walk_errors, inserted);
        s.stale = stale;
        s
    };
    let (summary, report_error) =
        pool.install(|| report.finish(&source, &mut summary, sink.tree()));
    Ok(RunOutcome {
        summary,
        report_dir: plan.report_dir.clone(),
        report_error,
        index_error,
        index_commit,
        warnings,
        stdout: source.take_stdout(),
    })
}

/// The run's documents: the one text on stdin (input `-`, cleaned for
/// stdout), or the files and shards found under the inputs, in corpus
/// order, with what the walk could not read.
fn open_source(
    opts: &RunOptions,
    plan: &Plan,
) -> Result<(crate::shard::Corpus, Vec<discover::WalkError>), RunError> {
    if plan.stdin {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .map_err(|e| RunError::NoInput(format!("-: cannot read stdin: {e}")))?;
        return Ok((crate::shard::stdin_corpus(bytes, !opts.check), Vec::new()));
    }
    let (files, walk_errors) =
        discover::discover(&opts.inputs, &plan.include, &plan.exclude).map_err(RunError::Usage)?;
    plan.check_found(opts, &files)?;
    Ok((crate::shard::corpus(files, &opts.shards), walk_errors))
}

/// [`open_tree`] of a folder the run may not have (`--check`: none).
fn open_opt(dir: Option<&Path>, what: &str) -> Result<Option<Tree>, RunError> {
    dir.map(|d| open_tree(d, what)).transpose()
}

/// The index after resolve: its health asked, then the run committed
/// (before `summary.json` is written; see `index/nightly.rs`).
pub(crate) fn commit_index(
    index: RunIndex,
    opts: &RunOptions,
    plan: &Plan,
    source: &dyn DocSource,
    started: SystemTime,
    doc_keys: u64,
    near: Option<(u64, u64, crate::near::Body)>,
) -> (Option<CommitReport>, Option<IndexError>) {
    if let Err(e) = index.health() {
        return (None, Some(e));
    }
    let info = run_info(opts, plan, started, Instant::now());
    let docs = (0..source.len() as u32)
        .map(|i| source.name(i).to_string())
        .collect();
    let blocks = index.inserted() as u64 - doc_keys;
    // With near-duplicates on, the near files of runs older than the
    // window the next run reads go.
    let near_keep = crate::near::NearRules::of(&opts.config)
        .any()
        .then_some(opts.config.near.index_runs as usize);
    match index.commit(info.started, info.inputs, docs, blocks, near, near_keep) {
        Ok(c) => (c, None),
        Err(e) => (None, Some(e)),
    }
}

/// The run's near index: with `--index`, first the documents of the
/// earlier nights ([`add_past_nights`]); set to export what this run keeps
/// when the run will commit. Returns it and the warnings.
fn near_index(
    index: &RunIndex,
    cfg: &crate::Config,
) -> Result<(crate::near::NearIndex, Vec<String>), RunError> {
    let mut near = crate::near::NearIndex::new();
    let warnings = match index.disk() {
        Some(d) => add_past_nights(&mut near, d, cfg)?,
        None => Vec::new(),
    };
    if index.commits() && crate::near::NearRules::of(cfg).any() {
        near.enable_export();
    }
    Ok((near, warnings))
}

/// Hold every document the latest `[dedup.near] index_runs` live earlier
/// runs of `index` kept (their near files, oldest commit first, one read
/// at a time), before anything of this run, so near copies are found
/// across nights as one run over them finds them. A run whose signatures
/// were made with other near settings cannot be compared: it is not read,
/// and a warning says so (returned).
pub(crate) fn add_past_nights(
    near: &mut crate::near::NearIndex,
    index: &DiskIndex,
    cfg: &crate::Config,
) -> Result<Vec<String>, RunError> {
    let rules = crate::near::NearRules::of(cfg);
    if !rules.any() {
        return Ok(Vec::new());
    }
    let (past, warnings) = past_nights(index, cfg);
    for (run, meta) in past {
        let p = index.read_near(&run, &meta).map_err(RunError::Index)?;
        let file = (p.file, p.body_at, p.path.display().to_string());
        near.add_past(&p.run, &p.body, &rules, Some(file))
            .map_err(|why| RunError::Index(IndexError::corrupt(&p.path, why)))?;
    }
    Ok(warnings)
}

/// The near files [`add_past_nights`] reads (those made with this run's
/// settings) and the warnings about the others.
pub(crate) fn past_nights(
    index: &DiskIndex,
    cfg: &crate::Config,
) -> (Vec<(String, crate::index::store::NearMeta)>, Vec<String>) {
    let rules = crate::near::NearRules::of(cfg);
    if !rules.any() {
        return (Vec::new(), Vec::new());
    }
    let settings = rules.settings();
    let (same, other): (Vec<_>, Vec<_>) = index
        .past_near(cfg.near.index_runs as usize)
        .into_iter()
        .partition(|(_, m)| m.settings == settings);
    let warnings = other
        .into_iter()
        .map(|(run, m)| {
            format!(
                "{}: run {run:?} made its near-duplicate signatures with other [dedup.near] settings (ngram, permutations, bands, document_bands) or an older shingling of newsclean; they are not used, near copies of its documents are not found",
                index.dir().join(&m.file).display()
            )
        })
        .collect();
    (same, warnings)
}

/// What the run's near index exports for the index commit (see
/// [`near_index`]): settings fingerprint, documents, body.
fn near_export(
    near: &mut crate::near::NearIndex,
    cfg: &crate::Config,
    source: &dyn DocSource,
) -> Option<(u64, u64, crate::near::Body)> {
    let (docs, body) = near.export(&|i| source.name(i).to_string());
    (docs > 0).then(|| (crate::near::NearRules::of(cfg).settings(), docs, body))
}

/// The summary's run block.
pub(crate) fn run_info(
    opts: &RunOptions,
    plan: &Plan,
    started: SystemTime,
    clock: Instant,
) -> RunInfo {
    RunInfo {
        version: env!("CARGO_PKG_VERSION"),
        config_hash: format!("{:016x}", opts.config.hash),
        started: rfc3339(
            started
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        ),
        duration_ms: clock.elapsed().as_millis() as u64,
        threads: plan.jobs,
        inputs: opts
            .inputs
            .iter()
            .map(|p| match p.to_str() {
                Some("-") if plan.stdin => "-".to_string(),
                _ => discover::escape_path(&discover::canonical_input(p)),
            })
            .collect(),
        config: opts
            .config_file
            .as_deref()
            .map(|p| discover::escape_path(&as_given_absolute(p))),
        out: plan.out_dir.as_deref().map(discover::escape_path),
        report: plan.report_dir.as_deref().map(discover::escape_path),
        check: opts.check,
        prune: opts.prune,
    }
}

/// What every phase of one run reads.
struct Run<'a> {
    source: &'a dyn DocSource,
    sink: &'a dyn DocSink,
    /// The report folder (diffs, pages, spilled records).
    rt: Option<&'a Tree>,
    cfg: &'a Config,
    progress: &'a (dyn Fn(Progress<'_>) + Sync),
    /// Build every changed file's unified diff (a stream wants it).
    want_diff: bool,
    /// Which reports are written.
    reports: crate::report::Plan,
    /// Document keys inserted into the index (the rest are block keys).
    doc_keys: std::sync::atomic::AtomicU64,
}

impl Run<'_> {
    /// The local driver. Three chunks of corpus order move through the
    /// stages at once: in each round chunk k+2 is analysed and chunk k
    /// emitted (one parallel pass over both, so neither waits for the
    /// other's slowest file) while, on one thread, the reports of chunk
    /// k-1 are appended in corpus order and chunk k+1 is decided against
    /// the index of everything before it. Deciding is sequential by
    /// nature; run this way it does not leave the other cores idle between
    /// rounds. At most three chunks of text are held.
    fn drive(
        &self,
        docs: Range<u32>,
        report: &mut (dyn Report + Send),
        index: &mut (dyn SeenIndex + Send),
        near: &mut crate::near::NearIndex,
    ) {
        let n = docs.end;
        let mut chunks = docs.step_by(CHUNK).map(|s| s..(s + CHUNK as u32).min(n));
        let records = report.wants_records();
        let mut undecided: Option<(Range<u32>, Vec<Analysis>)> = None;
        let mut pending: Option<Decided> = None;
        let mut unwritten: Option<Vec<Emitted>> = None;
        loop {
            let next = chunks.next();
            if next.is_none() && pending.is_none() && undecided.is_none() && unwritten.is_none() {
                break;
            }
            let ((analysed, emitted), decided) = rayon::join(
                || {
                    rayon::join(
                        || next.clone().map(|c| self.analyse(c)),
                        || pending.take().map(|d| self.emit(d, records)),
                    )
                },
                || {
                    for parts in unwritten.take().into_iter().flatten() {
                        report.file(parts);
                    }
                    undecided
                        .take()
                        .map(|(c, a)| self.decide(c, a, index, near, records))
                },
            );
            pending = decided;
            unwritten = emitted;
            undecided = next.zip(analysed);
        }
    }

    /// Analyse a chunk (parallel): read, decode, fingerprint.
    fn analyse(&self, chunk: Range<u32>) -> Vec<Analysis> {
        chunk
            .into_par_iter()
            .map(|i| self.source.analyse(i, self.cfg))
            .collect()
    }

    /// Decide a chunk (one thread, corpus order): resolve each document
    /// against the index; a huge file is read and cleaned here, in
    /// windows, so that one at most is in memory.
    fn decide(
        &self,
        chunk: Range<u32>,
        mut analyses: Vec<Analysis>,
        index: &mut dyn SeenIndex,
        near: &mut crate::near::NearIndex,
        records: bool,
    ) -> Decided {
        let decisions: Vec<DocDecisions> = chunk
            .clone()
            .zip(&mut analyses)
            .map(|(i, a)| match a {
                Analysis::Text(t) => {
                    let (d, doc_key) = stage::resolve_run(index, near, &t.prints);
                    if doc_key {
                        self.doc_keys
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    d
                }
                Analysis::Huge => {
                    *a = self.clean_huge(i, index, records);
                    DocDecisions::default()
                }
                _ => DocDecisions::default(),
            })
            .collect();
        (chunk, analyses, decisions)
    }

    /// Emit a chunk (parallel): apply, write, and each file's report parts.
    fn emit(&self, (chunk, analyses, decisions): Decided, records: bool) -> Vec<Emitted> {
        chunk
            .into_par_iter()
            .zip(analyses)
            .zip(decisions)
            .map(|((i, a), d)| {
                let parts = self.emit_one(i, a, &d, records);
                (self.progress)(Progress::FileDone);
                parts
            })
            .collect()
    }

    fn emit_one(&self, i: u32, a: Analysis, d: &DocDecisions, records: bool) -> Emitted {
        if let Analysis::Windowed(w) = a {
            // Cleaned and written when decided. Records that could not be
            // spilled: a report error, as for any file's lines.
            let (row, spilled) = *w;
            return match spilled {
                Ok(f) => (row, Ok(Vec::new()), String::new(), f),
                Err(e) => {
                    let e = serde_json::Error::io(std::io::Error::other(e));
                    (row, Err(e), String::new(), None)
                }
            };
        }
        let out = self.sink.tree();
        let (mut r, diff) = emit_file(
            self.source,
            i,
            a,
            d,
            out,
            self.rt,
            self.cfg,
            self.want_diff,
            self.reports,
        );
        let jsonl = if records {
            change_lines(&r.changes)
        } else {
            Ok(Vec::new())
        };
        r.changes = Vec::new();
        (r, jsonl, diff, None)
    }

    /// Read a huge file and clean it in windows (deciding its duplicates
    /// against `index`), write its cleaned copy and reports: the analysis
    /// the emit phase passes through.
    fn clean_huge(&self, i: u32, index: &mut dyn SeenIndex, records: bool) -> Analysis {
        window::huge_file_ahead();
        let (original, encoding, replaced, bytes_in) = match self.source.read(i) {
            Ok(x) => x,
            Err(a) => return a,
        };
        let flags = crate::source::replacement_flags(&replaced, &encoding);
        drop(replaced);
        let rel = self.source.name(i);
        let sinks = window::Sinks {
            out: self.sink.tree(),
            out_rel: self.source.out_rel(i),
            report: self.rt,
            records,
        };
        let kept_path = |id: u32| self.source.name(id).to_string();
        let s = window::Settings::get();
        let job = window::Job {
            original: &original,
            flags: &flags,
            file: i,
            rel,
            cfg: self.cfg,
            kept_path: &kept_path,
            settings: &s,
        };
        let result = window::clean(&job, index, &sinks);
        let (row, spilled) = window::report_row(rel, encoding, bytes_in, result, &original, &sinks);
        Analysis::Windowed(Box::new((row, spilled)))
    }
}

/// The local driver over the documents `docs` of `source` only (one
/// shard of a staged run, `staged.rs`): the same rounds as [`run`]'s,
/// against `index`, the reports of each document handed to `report`.
/// Returns the document keys remembered.
#[allow(clippy::too_many_arguments)]
pub(crate) fn drive_range(
    source: &dyn DocSource,
    sink: &dyn DocSink,
    rt: Option<&Tree>,
    cfg: &Config,
    reports: crate::report::Plan,
    docs: Range<u32>,
    report: &mut (dyn Report + Send),
    index: &mut (dyn SeenIndex + Send),
    near: &mut crate::near::NearIndex,
) -> u64 {
    let progress = |_: Progress<'_>| {};
    let run = Run {
        source,
        sink,
        rt,
        cfg,
        progress: &progress,
        want_diff: false,
        reports,
        doc_keys: Default::default(),
    };
    run.drive(docs, report, index, near);
    run.doc_keys.into_inner()
}

/// `p` made absolute against the current folder (`..` and links kept).
fn as_given_absolute(p: &Path) -> PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
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
pub(crate) fn change_lines(changes: &[crate::report::ChangeRecord]) -> serde_json::Result<Vec<u8>> {
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
pub(crate) fn emit_file(
    source: &dyn DocSource,
    order: u32,
    a: Analysis,
    decisions: &DocDecisions,
    out: Option<&Tree>,
    report: Option<&Tree>,
    cfg: &Config,
    want_diff: bool,
    plan: crate::report::Plan,
) -> (FileReport, String) {
    let rel = source.name(order);
    let kept_path = |id: u32| source.name(id).to_string();
    let mut row = FileReport::new(rel.to_string());
    // Where the output goes: the output folder, or a source that writes
    // its own (stdin's text, for stdout); `None`: nothing is written.
    let put = |b: &[u8], fallback: bool| match out {
        Some(t) => Some(source.write(order, t, b, fallback)),
        None if source.writes_own() => Some(source.write_own(order, b)),
        None => None,
    };
    let write = |b: &[u8]| put(b, true).unwrap_or(Ok(()));
    let fallback_out =
        (out.is_some() || source.writes_own()).then_some(&write as crate::sink::WriteOut<'_>);
    let t = match a {
        Analysis::Text(t) => t,
        Analysis::Skipped { reason, bytes_in } => {
            row.status = Status::Skipped;
            row.reason = Some(reason);
            row.bytes_in = bytes_in;
            return (row, String::new());
        }
        Analysis::Failed {
            error,
            bytes,
            bytes_in,
        } => {
            row.bytes_in = bytes_in;
            let what = match bytes {
                Some(_) => Fallback::Bytes,
                None => Fallback::Nothing,
            };
            fail_row(&mut row, &error, bytes.as_deref(), what, fallback_out);
            return (row, String::new());
        }
        // Decided (and so cleaned) before emit; passed through by the caller.
        Analysis::Huge | Analysis::Windowed(_) => {
            unreachable!("a huge file is cleaned when decided")
        }
    };
    let TextFile {
        doc,
        encoding,
        prints,
        bytes_in,
    } = *t;
    row.encoding = Some(encoding);
    row.bytes_in = bytes_in;
    row.blocks = prints.blocks.len();
    let original: &str = &doc.text;
    let whole = match (&decisions.document, &decisions.near_document) {
        (Some(kept), _) => Some((
            crate::dedup::document_edit(original, kept, &kept_path),
            kept,
        )),
        (None, Some(m)) if m.remove => Some((
            crate::dedup::near_document_edit(original, m, &kept_path),
            &m.kept,
        )),
        _ => None,
    };
    if let Some((edits, kept)) = whole {
        let (mut row, d) = duplicate_file(source, row, original, edits, report, plan, order);
        if let Some(Err(e)) = out.map(|t| source.omit(order, t, kept)) {
            row.status = Status::Failed;
            row.reason = Some(format!("cannot write its shard: {e}"));
        }
        return (row, if want_diff { d } else { String::new() });
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        stage::apply(&doc, prints, decisions, cfg, &kept_path)
    }));
    let stage::Cleaned {
        text: cleaned,
        edits,
        ..
    } = match result {
        Ok(x) => x,
        Err(p) => {
            let error = FileError::Apply(panic_message(&p));
            fail_row(
                &mut row,
                &error,
                Some(original.as_bytes()),
                Fallback::Decoded,
                fallback_out,
            );
            return (row, String::new());
        }
    };
    let mut tally = stage::Tally::default();
    tally.add(&edits);
    row.flags = tally.flags;
    row.edits = tally.edits;
    row.duplicates_removed = tally.duplicates_removed;
    row.reason = tally.replacement_reason(row.encoding.as_deref());
    row.rules = tally.rules.into_iter().collect();
    if row.edits > 0 {
        row.status = Status::Cleaned;
    }
    row.changes = change_records(rel, original, &edits);
    crate::shard::in_shard(source, order, original, &mut row.changes);
    if let Some(written) = put(cleaned.as_bytes(), false) {
        match written {
            Ok(()) => row.bytes_out = cleaned.len() as u64,
            Err(e) => {
                row.status = Status::Failed;
                row.reason = Some(format!("cannot write cleaned copy: {e}"));
            }
        }
    }
    let d = if row.edits > 0 && (want_diff || (report.is_some() && plan.diff)) {
        diff::unified(rel, original, &edits)
    } else {
        String::new()
    };
    if let Some(rd) = report {
        if let Err(e) = crate::report::write_file_reports(rd, plan, order, &mut row, original, &d) {
            row.status = Status::Failed;
            row.reason = Some(e);
        }
    }
    (row, d)
}

/// A file removed as one unit (`dedup.document`, `dedup.near-document`):
/// no output file, one removal of its whole text (`edits`) naming the
/// kept file, status `duplicate`.
#[allow(clippy::too_many_arguments)]
fn duplicate_file(
    source: &dyn DocSource,
    mut row: FileReport,
    original: &str,
    edits: Vec<Edit>,
    report: Option<&Tree>,
    plan: crate::report::Plan,
    order: u32,
) -> (FileReport, String) {
    row.status = Status::Duplicate;
    row.edits = edits.len();
    row.duplicates_removed = 1;
    row.rules = vec![(edits[0].rule, 1)];
    row.changes = change_records(&row.path, original, &edits);
    crate::shard::in_shard(source, order, original, &mut row.changes);
    let d = diff::unified(&row.path, original, &edits);
    if let Some(rd) = report {
        if let Err(e) = crate::report::write_file_reports(rd, plan, order, &mut row, original, &d) {
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
    let doc = Doc::new(DocId::text(""), 0, text);
    let (c, _) = stage::clean_doc(&doc, &mut MemoryIndex::new(), cfg, &|_| String::new());
    (c.text, c.edits)
}

/// The per-rule test entry point: the edits (and flags) that `rule`
/// alone makes on `input`, every other rule off ([`Config::only`]), in
/// original byte offsets. `tests/rule_cases.rs` snapshot-tests it over
/// `tests/rule-cases/RULE-ID.txt`, so a new rule is its code and one file
/// of cases.
///
/// The text rules (`whitespace.*`, `punct.*`, `layout.*`), and
/// `dedup.paragraph` and `dedup.line` within `input` (a block seen
/// earlier in the same text, through the whole per-document core).
/// `decode.*` rules read bytes, `dedup.document` and the near-duplicate
/// rules compare whole files with each other, so they answer with `None`
/// ([`NOT_ALONE`](crate::rules::NOT_ALONE) names their tests).
///
/// [`Config::only`]: crate::Config::only
pub fn edits_alone(rule: crate::rules::RuleId, input: &str) -> Option<Vec<crate::edit::Edit>> {
    if rule.family() == "decode"
        || crate::rules::NOT_ALONE
            .iter()
            .any(|(id, _)| *id == rule.as_str())
    {
        return None;
    }
    let cfg = crate::Config::only(rule);
    if rule.family() == "dedup" {
        return Some(clean_edits(input, &cfg).1);
    }
    let c = crate::normalize::normalize(input, &cfg);
    Some(c.edits.into_iter().map(|p| p.edit).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_rule_alone_makes_only_its_own_edits() {
        let comma = crate::rule_id!("punct.comma");
        let edits = super::edits_alone(comma, "我们,你们。今天,明天.").unwrap();
        assert_eq!(edits.len(), 2, "{edits:?}");
        assert!(edits
            .iter()
            .all(|e| e.rule == "punct.comma" && e.replacement == "，"));
        assert!(super::edits_alone(crate::rule_id!("dedup.document"), "x").is_none());
        assert!(super::edits_alone(crate::rule_id!("decode.replacement"), "x").is_none());
        assert!(
            super::edits_alone(crate::rule_id!("whitespace.trailing"), "我们,你们。")
                .unwrap()
                .is_empty()
        );
    }
}
