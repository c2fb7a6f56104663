//! The staged run: `clean` cut into four commands that can run on many
//! machines (Slurm arrays, Kubernetes indexed jobs, the Ray driver), with
//! the same output and reports as one `clean`, byte for byte (the start
//! time and duration aside; `run.threads` is `apply`'s `--jobs`).
//!
//! ```text
//! fingerprint --shard i/N --buckets P   (N tasks)  documents of shard i → pairs, one file per bucket
//! resolve     --bucket j/P              (P tasks)  pairs of bucket j from every shard → decisions per shard
//! apply       --shard i/N --out OUT     (N tasks)  the driver of `clean` on shard i, against the decisions
//! report      --report REPORT           (1 task)   shard parts → the report folder of one run
//! ```
//!
//! **Shards** are contiguous ranges of the sorted corpus order that `clean`
//! uses (the input files sorted, a JSONL shard's records in line order):
//! the files (a JSONL shard with all its records, so that its output shard
//! is written by one task) are cut into N ranges of nearly equal count.
//! `i/N` and `j/P` count from 0 (as `SLURM_ARRAY_TASK_ID` and
//! `JOB_COMPLETION_INDEX` do). Every task reads the same sorted input list;
//! the corpus hash below makes sure they do.
//!
//! **What is decided globally.** Resolving is "the first kept copy in
//! corpus order wins" (`stage/resolve.rs`). Every eligible block key (and
//! document key, `dedup.document`) of a document is a *candidate* with its
//! order key `(document number, line)`, packed in 8 bytes (lines grow with
//! block numbers, so this orders blocks as their numbers do, and it is the
//! kept copy's `Here` as it is). `fingerprint` keeps per shard and key the
//! smallest order key and writes it to bucket `hash % P`; `resolve` takes
//! per key the smallest over all shards (the 32-bit check hash of
//! [`Key`] is compared too, so a 64-bit collision is no false pair) and
//! writes, for each shard that holds a key also held by another shard, the
//! key and its first order key. A key held by one shard only needs no
//! decision: the shard's own sequential resolve gets it right.
//!
//! **Apply** runs the very driver of `clean` (`pipeline::drive_range`) on
//! the shard's documents, in order, against a [`SeenIndex`] that answers
//! for the keys first kept by an earlier shard from the decisions, and
//! for everything else from an index of this shard's own kept keys. That
//! is the one-machine run exactly when each shard-crossing key's first
//! candidate is also where the one-machine run first *kept* it. Almost
//! always it is; it is not when the first copy itself went (the lines of
//! a paragraph removed whole, a duplicate document's blocks), when a
//! paragraph's key is remembered at the kept copy of its content, or for
//! the key of what is left of a paragraph (`resolve_rest`), which no
//! fingerprint can list. So each shard's parts end with where it kept its
//! shard-crossing keys and its remainder keys, and `report` *settles*
//! (`settle`): a shard that was told otherwise than what the shards
//! before it kept (or that holds another shard's remainder key) is applied
//! again, in the report task, with what they kept, until no shard's answers
//! change. Shard 0 asks no one, so this ends after at most N rounds; on
//! xwlb in 7 shards one round applies 2 shards again. `WORK/report.json`
//! lists the shards applied again per round.
//!
//! **Repeat counts** (`[dedup] many_documents`: a block goes from the
//! N-th document that has it on): each pair also carries the number of
//! the shard's documents that list the key, and each decision the sum
//! over the shards before the one it is for; apply takes that, less the
//! kept copy's document (unless an earlier run kept it), as the repeats
//! of the earlier shards. A document removed whole lists its keys but is
//! no repeat, so the parts' trailer lists the repeats the shard counted
//! and the counts it was told, and `settle` applies a shard again when
//! what it was told differs, up to N, from what the shards before it
//! counted. With `--index`, `report` commits the shards' counts as the
//! run's.
//!
//! **Report** replays the shard parts (each document's row, its review-page
//! section, `changes.jsonl` lines and diff, as the driver's `Report` got
//! them) through the report folder of `clean` (`reporting::FolderReport`),
//! in corpus order, and finishes it as `clean` does: the kept-copy pages,
//! the `stale` list of `--out`, `index.html`, `summary.json`.
//!
//! Near-duplicates across nights (`--index`): each `apply` holds the
//! earlier nights' documents first, as `clean` does
//! (`pipeline::add_past_nights`, before the earlier shards'; they are
//! fixed, never candidates `report` settles), and `report` commits the
//! run's near file from the shards' near files and settled trailers
//! ([`staged_near_export`]: the documents held as kept, with the
//! paragraphs kept), so a later night reads a staged night as a `clean`
//! one.
//!
//! **`--index`** (nightly runs): `apply` opens the store read-only and
//! looks every key up there first (a key kept on an earlier run is
//! `Origin::Earlier`, whatever the shards decided; no shard remembers
//! it); its parts list every key the shard kept, and the `MANIFEST` it
//! read. `report` opens the store as its one writer before it writes
//! anything, refuses (exit 64) when another run committed since the
//! shards read it, inserts the shards' kept keys in shard order (a key
//! kept by two is remembered at the first) and commits the run as
//! `clean` does, before `summary.json`. The lookups are in `apply`, not
//! in `resolve` (partitioned by bucket, as docs/scale-out.md first
//! sketched): every shard reads the whole store (positioned reads), which a
//! shared filesystem serves to every node; `resolve` stays a pure
//! function of the fingerprints.
//!
//! **Files above the window threshold** are cleaned in windows by `apply`
//! as by `clean` (`window.rs`); `fingerprint` lists the blocks of each
//! window (`window::window_prints`: the windows and their fingerprints as
//! `clean` makes them; a windowed file has no document key).
//! `--keep-duplicates` and `--attributes` work as in `clean`: a JSONL
//! shard's output shard and attribute file are written by the one task
//! that holds the shard.
//!
//! **Near-duplicates** (`dedup.near-*`) compare a document with every kept
//! document before it, not one key per fingerprint. `fingerprint` writes
//! the near prints of each document with paragraphs (`near::Earlier`: its
//! shingle sets, figures, bands, paragraph lines and keys) to the shard's
//! `.near` file; `apply` of shard i holds those of shards 0..i in its near
//! index before its first document, each held as kept, and its parts'
//! trailer lists the earlier documents and paragraphs that were LSH
//! candidates here (`near_consulted`), the documents it held itself and
//! its paragraphs with bands it did not hold (`near_added`,
//! `near_dropped`: removed or not asked). A candidate that was not kept
//! is the only way a shard's near decisions can differ from one run's
//! (candidates are visited in corpus order and each verdict reads only
//! the pair), so `report` ([`settle`]) applies such a shard again, told
//! exactly what the shards before it kept, as it does for exact keys.
//!
//! Off in staged mode, refused with a message (exit 64):
//! `--check`/`--diff`, and the input `-`.
//!
//! # The work folder
//!
//! ```text
//! WORK/fingerprint/shard-00003-of-00007.json            what shard 3 read (header, options, counts)
//! WORK/fingerprint/shard-00003-of-00007.bucket-0001-of-0004.pairs
//! WORK/fingerprint/shard-00003-of-00007.near                near-duplicate prints of shard 3's documents
//! WORK/resolve/bucket-0001-of-0004.json                 what bucket 1 decided (header, counts)
//! WORK/resolve/bucket-0001-of-0004.shard-00003-of-00007.decisions
//! WORK/apply/shard-00003-of-00007.parts                 shard 3's report parts (JSON lines)
//! WORK/report.json                                       what report settled (shards applied again)
//! ```
//!
//! Every file is written to a temporary name and renamed into place, so a
//! task killed half-way leaves no file a later stage could take as done;
//! a task run again replaces its files.
//!
//! Binary files (`.pairs`, `.decisions`, `.near`) are a 64-byte header
//! (kind 3 for `.near`, whose records are the `near::Earlier::encode`
//! bytes of each document in corpus order, bucket 0) and then, for pairs
//! and decisions, fixed-size little-endian records sorted by key:
//!
//! ```text
//! header  magic "NCSTAGE\0" (8) · format u32 · kind u32 (1 pairs, 2 decisions)
//!         · config hash u64 · corpus hash u64 · shard u32 · shards u32
//!         · bucket u32 · buckets u32 · records u64 · reserved u64
//! record  key hash u64 · key check u32 · order key u64 (document << 32 | line) · documents u32   = 24 bytes
//! ```
//!
//! The config hash is `Config::hash` (every setting that changes output);
//! the corpus hash is xxh3-64 of the documents' shown names in corpus order
//! and the shards' options. A stage refuses (exit 64, naming the file) a
//! file of another format, kind, config, corpus, shard count or bucket
//! count, and a missing one ("shard 3/7 has not been fingerprinted").
//! JSON files (`.json`, the first line of `.parts`) carry the same fields.
//! A `.parts` file is JSON lines: a header (identity, `--out`, `--report`,
//! `--reports`, the config, `--jobs`), one line per document (its row with
//! its review-page section and kept copies, its `changes.jsonl` lines, its
//! diff), and a trailer (block keys kept first; where the shard kept its
//! shard-crossing and remainder keys).

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::discover;
use crate::emit::Tree;
use crate::index::memory::MemoryIndex;
use crate::index::nightly::{IndexOptions, RunIndex};
use crate::index::store::DiskIndex;
use crate::index::{Here, Key, Origin, Repeats, SeenIndex};
use crate::pipeline::{RunError, RunOptions, RunOutcome};
use crate::plan::Plan;
use crate::report::summary::Summary;
use crate::report::{FileReport, KeptCopy, Status};
use crate::reporting::{Emitted, FolderReport, Report};
use crate::shard::Corpus;
use crate::sink::{open_tree, open_tree_locked, DocSink, TreeSink};
use crate::source::{Analysis, DocSource};
use crate::stage;

/// Version of the work folder's files.
pub const FORMAT: u32 = 2;

const MAGIC: &[u8; 8] = b"NCSTAGE\0";
const HEADER: usize = 64;
const RECORD: usize = 24;
const KIND_PAIRS: u32 = 1;
const KIND_DECISIONS: u32 = 2;
const KIND_NEAR: u32 = 3;
/// Documents `fingerprint` reads at a time (in parallel) before it writes
/// their near prints.
const FINGERPRINT_CHUNK: usize = 1024;

/// `i/N`: part `i` (from 0) of `n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    /// This part, `0..n`.
    pub i: u32,
    /// How many.
    pub n: u32,
}

impl Part {
    /// Parse `i/N` (`0 <= i < N`, `N >= 1`).
    pub fn parse(s: &str) -> Result<Part, String> {
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s}: expected i/N, e.g. 0/4"))?;
        let i: u32 = i.trim().parse().map_err(|e| format!("{s}: {e}"))?;
        let n: u32 = n.trim().parse().map_err(|e| format!("{s}: {e}"))?;
        if n == 0 || i >= n {
            return Err(format!("{s}: need 0 <= i < N (parts count from 0)"));
        }
        Ok(Part { i, n })
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.i, self.n)
    }
}

/// What one stage task did (printed by the binary).
#[derive(Debug, Default)]
pub struct StageOutcome {
    /// Documents of the shard (fingerprint, apply) or keys decided (resolve).
    pub items: u64,
    /// Bytes written to the work folder.
    pub bytes: u64,
    /// Records written (pairs, decisions).
    pub records: u64,
    /// Documents of the shard that failed (apply; exit 2 as `clean`).
    pub failed: u64,
}

/// The identity every work file carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Ident {
    format: u32,
    config_hash: u64,
    corpus_hash: u64,
    shards: u32,
    buckets: u32,
}

/// `fingerprint/shard-i-of-N.json`: what a shard read, and the options the
/// later stages must agree with.
#[derive(Debug, Serialize, Deserialize)]
struct ShardManifest {
    ident: Ident,
    shard: u32,
    docs: Range<u32>,
    inputs: Vec<PathBuf>,
    include: Vec<String>,
    exclude: Vec<String>,
    text_field: String,
    id_field: String,
    /// Candidates (one per key and shard) written.
    pairs: u64,
    /// Bytes of the shard's pair files (headers included).
    bytes: u64,
}

/// First line of `apply/shard-i-of-N.parts`.
#[derive(Debug, Serialize, Deserialize)]
struct PartsHeader {
    ident: Ident,
    shard: u32,
    docs: Range<u32>,
    out: PathBuf,
    report: PathBuf,
    reports: ReportsPlan,
    config_file: Option<PathBuf>,
    config: Config,
    jobs: usize,
    /// `--index` of apply: the store it looked earlier runs up in.
    #[serde(default)]
    index: Option<StagedIndex>,
    /// `--keep-duplicates` and `--attributes` of apply: a shard that
    /// `report` applies again writes its output shards as apply did.
    #[serde(default)]
    keep_duplicates: bool,
    #[serde(default)]
    attributes: Option<PathBuf>,
}

/// The store of `--index` as apply read it: `report` commits the run into
/// it, after checking that no other run committed in between.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct StagedIndex {
    /// The index folder (absolute).
    dir: PathBuf,
    /// The run's id (`--run-id`, else the final component of `--out`).
    run_id: String,
    /// xxh3-64 of the `MANIFEST` apply read (0: no index there yet).
    manifest: u64,
}

/// Last line of `apply/shard-i-of-N.parts`.
#[derive(Debug, Serialize, Deserialize)]
struct PartsTrailer {
    /// Block keys this shard kept first (`unique_keys` of the summary).
    inserted: u64,
    /// Where this shard kept its shard-crossing keys and the keys of what
    /// was left of a paragraph: (hash, check, kept copy as order key).
    writes: Vec<(u64, u32, u64)>,
    /// Which of them are keys of what was left of a paragraph (no
    /// shard's candidates: other shards may hold them unknowingly).
    rest: Vec<(u64, u32)>,
    /// Bytes written of each output JSONL shard: (a record's document
    /// number, bytes), for its row's `bytes_out`.
    #[serde(default)]
    shards_written: Vec<(u32, u64)>,
    /// With `--index`: every key this shard kept (block and document
    /// keys), (hash, check, kept copy as order key), sorted: what `report`
    /// commits as the run's.
    #[serde(default)]
    kept: Vec<(u64, u32, u64)>,
    /// Near-duplicates (`near::NearOutcome`): the earlier shards'
    /// documents and paragraphs (`(document, paragraph number)`, `u32::MAX`
    /// for a document) that were candidates here, this shard's documents
    /// held as kept, and its paragraphs with bands not held.
    #[serde(default)]
    near_consulted: Vec<(u32, u32)>,
    #[serde(default)]
    near_added: Vec<u32>,
    #[serde(default)]
    near_dropped: Vec<(u32, u32)>,
    /// Repeat counts (`[dedup] many_documents`): in how many of this
    /// shard's documents each key was a repeat, (hash, check, documents),
    /// sorted; and the counts of the shards before it that it was told.
    #[serde(default)]
    repeats: Vec<(u64, u32, u32)>,
    #[serde(default)]
    told: Vec<(u64, u32, u32)>,
}

/// What the near index of a shard is told of the earlier shards' kept
/// documents and paragraphs (`report`'s [`settle`] applies a shard again
/// with what they kept; a first `apply` holds every one as kept).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct NearKept {
    added: HashSet<u32>,
    dropped: HashSet<(u32, u32)>,
}

impl NearKept {
    /// Was document `d` (paragraph `k`, `u32::MAX`: the document) kept?
    fn kept(&self, d: u32, k: u32) -> bool {
        self.added.contains(&d) && (k == u32::MAX || !self.dropped.contains(&(d, k)))
    }

    /// Add what a shard's trailer says it kept.
    fn extend(&mut self, t: &PartsTrailer) {
        self.added.extend(&t.near_added);
        self.dropped.extend(&t.near_dropped);
    }
}

/// The near index of shard `shard` before its first document: with
/// `--index`, the documents of the earlier nights first (as `clean` holds
/// them, `pipeline::add_past_nights`); then every document of the earlier
/// shards with paragraphs (their near files), held as kept when `kept`
/// says so (without it: all, and `report` checks those that were
/// candidates).
fn earlier_near(
    work: &Path,
    ident: &Ident,
    shard: Part,
    cfg: &Config,
    kept: Option<&NearKept>,
    disk: Option<&DiskIndex>,
) -> Result<crate::near::NearIndex, RunError> {
    let mut near = crate::near::NearIndex::new();
    let rules = crate::near::NearRules::of(cfg);
    if !rules.any() {
        return Ok(near);
    }
    if let Some(d) = disk {
        // The warnings are `report`'s to give (it reads the same manifest).
        crate::pipeline::add_past_nights(&mut near, d, cfg)?;
    }
    for i in 0..shard.i {
        let s = Part { i, n: shard.n };
        read_near(work, ident, s, &mut |e| {
            let d = e.at.doc;
            match kept {
                None => near.add_earlier(&e, &rules, &|_| true),
                Some(k) if k.kept(d, u32::MAX) => {
                    near.add_earlier(&e, &rules, &|p| k.kept(d, p));
                }
                Some(_) => {}
            }
        })?;
    }
    Ok(near)
}

/// What a shard is told of its shard-crossing keys: the shard that keeps
/// each first, and where.
type View = HashMap<Key, (u32, Here)>;

/// A record of a pairs or decisions file: key, order key, documents.
type Pair = (Key, u64, u32);

/// `report::Plan` as stored.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
struct ReportsPlan {
    changes: bool,
    diff: bool,
    html: bool,
    per_file_diffs: bool,
}

impl From<crate::report::Plan> for ReportsPlan {
    fn from(p: crate::report::Plan) -> Self {
        ReportsPlan {
            changes: p.changes,
            diff: p.diff,
            html: p.html,
            per_file_diffs: p.per_file_diffs,
        }
    }
}

impl From<ReportsPlan> for crate::report::Plan {
    fn from(p: ReportsPlan) -> Self {
        crate::report::Plan {
            changes: p.changes,
            diff: p.diff,
            html: p.html,
            per_file_diffs: p.per_file_diffs,
        }
    }
}

/// One document's report parts as the driver handed them over.
#[derive(Debug, Serialize, Deserialize)]
struct DocPart {
    row: Row,
    jsonl: String,
    diff: String,
}

/// A [`FileReport`] with the fields the summary leaves out.
#[derive(Debug, Serialize, Deserialize)]
struct Row {
    path: String,
    status: Status,
    reason: Option<String>,
    encoding: Option<String>,
    bytes_in: u64,
    bytes_out: u64,
    edits: usize,
    flags: usize,
    blocks: usize,
    duplicates_removed: usize,
    rules: Vec<(String, usize)>,
    removed: Vec<(usize, Option<String>, String, usize)>,
    section: String,
    page: Option<String>,
    /// Its near-duplicate members, for the cluster cards.
    #[serde(default)]
    near: Vec<NearRow>,
}

/// A `report::kept::NearMember` as stored.
#[derive(Debug, Serialize, Deserialize)]
struct NearRow {
    kept: (Option<String>, String, usize),
    file: String,
    line: usize,
    rule: String,
    flag: bool,
    similarity: Option<f64>,
    containment: Option<f64>,
    reason: String,
    text: String,
    cut: bool,
}

impl Row {
    fn of(r: &mut FileReport) -> Row {
        Row {
            path: r.path.clone(),
            status: r.status,
            reason: r.reason.clone(),
            encoding: r.encoding.clone(),
            bytes_in: r.bytes_in,
            bytes_out: r.bytes_out,
            edits: r.edits,
            flags: r.flags,
            blocks: r.blocks,
            duplicates_removed: r.duplicates_removed,
            rules: r.rules.iter().map(|&(k, n)| (k.to_string(), n)).collect(),
            removed: std::mem::take(&mut r.removed)
                .into_iter()
                .map(|(l, k)| (l, k.run, k.file, k.line))
                .collect(),
            section: std::mem::take(&mut r.section),
            page: r.page.clone(),
            near: std::mem::take(&mut r.near)
                .into_iter()
                .map(|m| NearRow {
                    kept: (m.kept.run, m.kept.file, m.kept.line),
                    file: m.file,
                    line: m.line,
                    rule: m.rule.to_string(),
                    flag: m.flag,
                    similarity: m.similarity,
                    containment: m.containment,
                    reason: m.reason,
                    text: m.text,
                    cut: m.cut,
                })
                .collect(),
        }
    }

    fn into_report(self) -> Result<FileReport, String> {
        let mut r = FileReport::new(self.path);
        r.status = self.status;
        r.reason = self.reason;
        r.encoding = self.encoding;
        r.bytes_in = self.bytes_in;
        r.bytes_out = self.bytes_out;
        r.edits = self.edits;
        r.flags = self.flags;
        r.blocks = self.blocks;
        r.duplicates_removed = self.duplicates_removed;
        r.rules = self
            .rules
            .into_iter()
            .map(|(k, n)| {
                crate::rules::get(&k)
                    .map(|info| (info.id, n))
                    .ok_or_else(|| format!("unknown rule id {k:?}"))
            })
            .collect::<Result<_, _>>()?;
        r.removed = self
            .removed
            .into_iter()
            .map(|(l, run, file, line)| (l, KeptCopy { run, file, line }))
            .collect();
        r.section = self.section;
        r.page = self.page;
        r.near = self
            .near
            .into_iter()
            .map(|m| {
                let rule = crate::rules::get(&m.rule)
                    .ok_or_else(|| format!("unknown rule id {:?}", m.rule))?
                    .id;
                let (run, file, line) = m.kept;
                Ok(crate::report::kept::NearMember {
                    kept: KeptCopy { run, file, line },
                    file: m.file,
                    line: m.line,
                    rule,
                    flag: m.flag,
                    similarity: m.similarity,
                    containment: m.containment,
                    reason: m.reason,
                    text: m.text,
                    cut: m.cut,
                })
            })
            .collect::<Result<_, String>>()?;
        Ok(r)
    }
}

fn usage(m: impl Into<String>) -> RunError {
    RunError::Usage(m.into())
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> RunError {
    RunError::CantCreate(format!("{}: {e}", path.display()))
}

fn shard_name(s: Part) -> String {
    format!("shard-{:05}-of-{:05}", s.i, s.n)
}

fn bucket_name(b: Part) -> String {
    format!("bucket-{:04}-of-{:04}", b.i, b.n)
}

/// `WORK/fingerprint/shard-….bucket-….pairs`.
fn pairs_path(work: &Path, s: Part, b: Part) -> PathBuf {
    work.join("fingerprint")
        .join(format!("{}.{}.pairs", shard_name(s), bucket_name(b)))
}

/// `WORK/resolve/bucket-….shard-….decisions`.
fn decisions_path(work: &Path, s: Part, b: Part) -> PathBuf {
    work.join("resolve")
        .join(format!("{}.{}.decisions", bucket_name(b), shard_name(s)))
}

/// Write `bytes` to `path` through a temporary name in its folder.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let dir = path.parent().expect("a file in a folder");
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let mut t = tempfile::NamedTempFile::new_in(dir).map_err(|e| io_err(dir, e))?;
    t.write_all(bytes).map_err(|e| io_err(path, e))?;
    t.persist(path).map_err(|e| io_err(path, e.error))?;
    Ok(())
}

/// Refuse what the stages cannot do.
fn check_options(opts: &RunOptions) -> Result<(), RunError> {
    if opts.check || opts.stream {
        return Err(usage("--check and --diff are not supported in staged mode"));
    }
    if opts.inputs.iter().any(|i| i.as_os_str() == "-") {
        return Err(usage(
            "the input `-` (stdin) is not supported in staged mode: every task reads the inputs again",
        ));
    }
    Ok(())
}

/// The run's corpus, as every task sees it: discovered and sorted as by
/// `clean`, with its plan.
fn open_corpus(opts: &RunOptions) -> Result<(Plan, Corpus, Vec<discover::WalkError>), RunError> {
    let plan = Plan::new(opts)?;
    let (files, walk_errors) =
        discover::discover(&opts.inputs, &plan.include, &plan.exclude).map_err(RunError::Usage)?;
    plan.check_found(opts, &files)?;
    let mut corpus = crate::shard::corpus(files, &opts.shards);
    corpus.set_writes(!opts.check);
    Ok((plan, corpus, walk_errors))
}

/// The corpus hash: the shown names in corpus order and the shard options.
fn corpus_hash(source: &dyn DocSource, opts: &RunOptions) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    for i in 0..source.len() as u32 {
        h.update(source.name(i).as_bytes());
        h.update(b"\0");
    }
    h.update(opts.shards.text_field.as_bytes());
    h.update(b"\0");
    h.update(opts.shards.id_field.as_bytes());
    h.digest()
}

/// Documents of shard `s`: contiguous whole files (a JSONL shard with all
/// its records), nearly equal counts of files.
fn shard_docs(source: &dyn DocSource, s: Part) -> Range<u32> {
    // Units: runs of documents of one file.
    let mut starts: Vec<u32> = Vec::new();
    let mut last: Option<&str> = None;
    for i in 0..source.len() as u32 {
        let file = source.record(i).map(|(shard, _, _)| shard);
        if file.is_none() || file != last {
            starts.push(i);
        }
        last = file;
    }
    let units = starts.len() as u64;
    let at = |k: u64| -> u32 {
        let u = (units * k / u64::from(s.n)) as usize;
        starts.get(u).copied().unwrap_or(source.len() as u32)
    };
    at(u64::from(s.i))..at(u64::from(s.i) + 1)
}

fn pack(h: Here) -> u64 {
    (u64::from(h.doc) << 32) | u64::from(h.line)
}

fn unpack(o: u64) -> Here {
    Here {
        doc: (o >> 32) as u32,
        line: o as u32,
    }
}

fn header(ident: &Ident, kind: u32, shard: u32, bucket: u32, records: u64) -> Vec<u8> {
    let mut b = Vec::with_capacity(HEADER);
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(&ident.format.to_le_bytes());
    b.extend_from_slice(&kind.to_le_bytes());
    b.extend_from_slice(&ident.config_hash.to_le_bytes());
    b.extend_from_slice(&ident.corpus_hash.to_le_bytes());
    b.extend_from_slice(&shard.to_le_bytes());
    b.extend_from_slice(&ident.shards.to_le_bytes());
    b.extend_from_slice(&bucket.to_le_bytes());
    b.extend_from_slice(&ident.buckets.to_le_bytes());
    b.extend_from_slice(&records.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    debug_assert_eq!(b.len(), HEADER);
    b
}

/// A records file: header then `(key, order, documents)` records.
fn write_records(
    path: &Path,
    ident: &Ident,
    kind: u32,
    shard: u32,
    bucket: u32,
    recs: &[(Key, u64, u32)],
) -> Result<u64, RunError> {
    let mut b = header(ident, kind, shard, bucket, recs.len() as u64);
    b.reserve(recs.len() * RECORD);
    for (k, o, n) in recs {
        b.extend_from_slice(&k.hash.to_le_bytes());
        b.extend_from_slice(&k.check.to_le_bytes());
        b.extend_from_slice(&o.to_le_bytes());
        b.extend_from_slice(&n.to_le_bytes());
    }
    write_atomic(path, &b)?;
    Ok(b.len() as u64)
}

/// Read a records file, refusing one of another identity.
fn read_records(
    path: &Path,
    ident: &Ident,
    kind: u32,
    shard: u32,
    bucket: u32,
) -> Result<Vec<(Key, u64, u32)>, RunError> {
    let b = read_stage_file(path)?;
    let n = check_header(&b, path, ident, kind, shard, bucket)?;
    if b.len() != HEADER + n as usize * RECORD {
        return Err(usage(format!("{}: truncated", path.display())));
    }
    Ok(b[HEADER..]
        .chunks_exact(RECORD)
        .map(|r| {
            let key = Key {
                hash: u64::from_le_bytes(r[..8].try_into().expect("8")),
                check: u32::from_le_bytes(r[8..12].try_into().expect("4")),
            };
            (
                key,
                u64::from_le_bytes(r[12..20].try_into().expect("8")),
                u32::from_le_bytes(r[20..24].try_into().expect("4")),
            )
        })
        .collect())
}

/// The bytes of a stage file.
fn read_stage_file(path: &Path) -> Result<Vec<u8>, RunError> {
    std::fs::read(path).map_err(|e| {
        usage(format!(
            "{}: {e} (has the stage that writes it run for this work folder?)",
            path.display()
        ))
    })
}

/// Check the header of stage file `b` (at `path`) against what is
/// expected of it; its record count.
fn check_header(
    b: &[u8],
    path: &Path,
    ident: &Ident,
    kind: u32,
    shard: u32,
    bucket: u32,
) -> Result<u64, RunError> {
    let bad = |why: &str| usage(format!("{}: {why}", path.display()));
    if b.len() < HEADER || &b[..8] != MAGIC {
        return Err(bad("not a newsclean stage file"));
    }
    let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().expect("4 bytes"));
    let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().expect("8 bytes"));
    if u32_at(8) != ident.format {
        return Err(bad(&format!(
            "written in stage format {}; this build reads format {}",
            u32_at(8),
            ident.format
        )));
    }
    if u32_at(12) != kind {
        return Err(bad("a stage file of another kind"));
    }
    if u64_at(16) != ident.config_hash {
        return Err(bad(&format!(
            "written with config {:016x}; this stage runs with config {:016x} (the same config and rule options are needed in every stage)",
            u64_at(16),
            ident.config_hash
        )));
    }
    if u64_at(24) != ident.corpus_hash {
        return Err(bad(
            "written for another corpus (other inputs, globs, or shard fields)",
        ));
    }
    if (u32_at(32), u32_at(36), u32_at(40), u32_at(44))
        != (shard, ident.shards, bucket, ident.buckets)
    {
        return Err(bad("written for another shard or bucket split"));
    }
    Ok(u64_at(48))
}

/// `WORK/fingerprint/shard-….near`: the near-duplicate prints of the
/// shard's documents with paragraphs (`near::Earlier`, in corpus order).
fn near_path(work: &Path, s: Part) -> PathBuf {
    work.join("fingerprint")
        .join(format!("{}.near", shard_name(s)))
}

/// Each document of shard `s`'s near file, in order.
fn read_near(
    work: &Path,
    ident: &Ident,
    s: Part,
    f: &mut dyn FnMut(crate::near::Earlier),
) -> Result<(), RunError> {
    let path = near_path(work, s);
    let b = read_stage_file(&path)?;
    let n = check_header(&b, &path, ident, KIND_NEAR, s.i, 0)?;
    let mut at = HEADER;
    for _ in 0..n {
        let (e, used) = crate::near::Earlier::decode(&b[at..])
            .map_err(|e| usage(format!("{}: {e}", path.display())))?;
        at += used;
        f(e);
    }
    if at != b.len() {
        return Err(usage(format!(
            "{}: bytes after the last document",
            path.display()
        )));
    }
    Ok(())
}

fn bucket_of(k: Key, buckets: u32) -> usize {
    (k.hash % u64::from(buckets)) as usize
}

/// The candidates of one fingerprinted document: every key `resolve`
/// could remember, at its own place.
fn candidates(p: &stage::DocPrints, out: &mut Vec<(Key, u64)>) {
    block_candidates(p, out);
    if p.rules.document {
        if let Some(k) = stage::document_key(p) {
            let line = p.lines.first().copied().unwrap_or(1);
            out.push((k, pack(Here { doc: p.order, line })));
        }
    }
}

/// The candidates of `p`'s blocks (a window of a huge file has no
/// document key).
fn block_candidates(p: &stage::DocPrints, out: &mut Vec<(Key, u64)>) {
    let rules = p.rules;
    for (b, line) in p.blocks.iter().zip(&p.lines) {
        if b.key_chars >= rules.min_chars && !b.furniture {
            out.push((
                b.key,
                pack(Here {
                    doc: p.order,
                    line: *line,
                }),
            ));
        }
    }
}

/// Sort by key: per key the smallest order key and the number of
/// documents that list it (what `resolve` sums into the repeat counts
/// each shard is told, `[dedup] many_documents`).
fn combine(v: &mut [(Key, u64)]) -> Vec<Pair> {
    v.par_sort_unstable();
    let mut out: Vec<Pair> = Vec::with_capacity(v.len());
    let mut last_doc = None;
    for &(k, o) in v.iter() {
        let doc = o >> 32;
        match out.last_mut() {
            Some(l) if l.0 == k => {
                if last_doc != Some(doc) {
                    l.2 += 1;
                }
            }
            _ => out.push((k, o, 1)),
        }
        last_doc = Some(doc);
    }
    out
}

fn read_manifests(work: &Path) -> Result<Vec<ShardManifest>, RunError> {
    let dir = work.join("fingerprint");
    let mut found: Vec<ShardManifest> = Vec::new();
    let rd = std::fs::read_dir(&dir).map_err(|e| {
        usage(format!(
            "{}: {e} (run `newsclean fingerprint` first)",
            dir.display()
        ))
    })?;
    for e in rd {
        let e = e.map_err(|e| io_err(&dir, e))?;
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("shard-") && name.ends_with(".json") {
            let b = std::fs::read(e.path()).map_err(|err| io_err(&e.path(), err))?;
            let m: ShardManifest = serde_json::from_slice(&b)
                .map_err(|err| usage(format!("{}: {err}", e.path().display())))?;
            found.push(m);
        }
    }
    let Some(first) = found.first() else {
        return Err(usage(format!(
            "{}: no shard has been fingerprinted",
            dir.display()
        )));
    };
    let ident = first.ident;
    if let Some(m) = found.iter().find(|m| m.ident != ident) {
        return Err(usage(format!(
            "{}: shard {} was fingerprinted with another config, corpus or split than shard {} ({:?} vs {:?}); remove the work folder and start again",
            dir.display(),
            m.shard,
            first.shard,
            m.ident,
            ident
        )));
    }
    found.sort_by_key(|m| m.shard);
    for s in 0..ident.shards {
        if !found.iter().any(|m| m.shard == s) {
            return Err(usage(format!(
                "{}: shard {s}/{} has not been fingerprinted",
                dir.display(),
                ident.shards
            )));
        }
    }
    if ident.format != FORMAT {
        return Err(usage(format!(
            "{}: stage format {}; this build reads format {FORMAT}",
            dir.display(),
            ident.format
        )));
    }
    Ok(found)
}

/// `newsclean fingerprint`: read, decode and fingerprint the documents of
/// shard `shard`, write their candidates into `buckets` bucket files.
pub fn fingerprint(
    opts: &RunOptions,
    work: &Path,
    shard: Part,
    buckets: u32,
) -> Result<StageOutcome, RunError> {
    check_options(opts)?;
    if buckets == 0 {
        return Err(usage("--buckets must be at least 1"));
    }
    // Nothing is written but the work folder: planned as a `--check`.
    let mut read_only = opts.clone();
    read_only.check = true;
    let (plan, corpus, _) = open_corpus(&read_only)?;
    let ident = Ident {
        format: FORMAT,
        config_hash: opts.config.hash,
        corpus_hash: corpus_hash(&corpus, opts),
        shards: shard.n,
        buckets,
    };
    let docs = shard_docs(&corpus, shard);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.jobs)
        .build()
        .map_err(|e| usage(format!("cannot start {} threads: {e}", plan.jobs)))?;
    let near_on = crate::near::NearRules::of(&opts.config).any();
    // The near prints go to their file as each chunk of documents is done
    // (they are ~1.6× the text: never all in memory); the header, with
    // the count, is written last.
    let dir = work.join("fingerprint");
    std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
    let mut near = match near_on {
        true => {
            let t = tempfile::NamedTempFile::new_in(&dir).map_err(|e| io_err(&dir, e))?;
            let mut w = BufWriter::new(t);
            w.write_all(&[0u8; HEADER]).map_err(|e| io_err(&dir, e))?;
            Some(w)
        }
        false => None,
    };
    let mut near_docs = 0u64;
    let per_bucket: Result<Vec<Vec<Pair>>, RunError> = pool.install(|| {
        let mut out: Vec<Vec<(Key, u64)>> = vec![Vec::new(); buckets as usize];
        for chunk in docs.clone().step_by(FINGERPRINT_CHUNK) {
            let chunk = chunk..(chunk + FINGERPRINT_CHUNK as u32).min(docs.end);
            let cands = chunk
                .into_par_iter()
                .map(|i| match corpus.analyse(i, &opts.config) {
                    Analysis::Text(t) => {
                        let mut v = Vec::with_capacity(t.prints.blocks.len() + 1);
                        candidates(&t.prints, &mut v);
                        // What a later shard's near index holds of it.
                        let p = &t.prints;
                        let mut b = Vec::new();
                        if near_on && !p.near.paras.is_empty() {
                            let at = Here {
                                doc: p.order,
                                line: p.lines.first().copied().unwrap_or(1),
                            };
                            let key = stage::document_key(p).map(|k| k.hash);
                            crate::near::Earlier::encode_of(
                                &p.near, &p.blocks, &p.lines, at, key, &mut b,
                            );
                        }
                        Ok((v, b))
                    }
                    // Cleaned in windows by apply (`window.rs`): the blocks
                    // of each window, as apply will see them.
                    Analysis::Huge => {
                        let mut v = Vec::new();
                        if let Ok((original, encoding, replaced, _)) = corpus.read(i) {
                            let flags = crate::source::replacement_flags(&replaced, &encoding);
                            drop(replaced);
                            let rel = corpus.name(i);
                            crate::window::window_prints(
                                &original,
                                &flags,
                                i,
                                rel,
                                &opts.config,
                                &mut |p| block_candidates(p, &mut v),
                            );
                        }
                        // Near-duplicates are decided on whole documents only.
                        Ok((v, Vec::new()))
                    }
                    // Skipped and failed documents have no keys; apply makes
                    // their rows.
                    _ => Ok((Vec::new(), Vec::new())),
                })
                .collect::<Result<Vec<_>, _>>()?;
            for (v, b) in cands {
                if let (Some(w), false) = (near.as_mut(), b.is_empty()) {
                    w.write_all(&b).map_err(|e| io_err(&dir, e))?;
                    near_docs += 1;
                }
                for (k, o) in v {
                    out[bucket_of(k, buckets)].push((k, o));
                }
            }
        }
        Ok(out.par_iter_mut().map(|v| combine(v)).collect())
    });
    let per_bucket = per_bucket?;
    let (mut bytes, mut records) = (0, 0);
    for (j, recs) in per_bucket.iter().enumerate() {
        let b = Part {
            i: j as u32,
            n: buckets,
        };
        let path = pairs_path(work, shard, b);
        bytes += write_records(&path, &ident, KIND_PAIRS, shard.i, b.i, recs)?;
        records += recs.len() as u64;
    }
    if let Some(w) = near {
        let path = near_path(work, shard);
        let mut t = w.into_inner().map_err(|e| io_err(&path, e.error()))?;
        use std::io::{Seek, SeekFrom};
        let written = t
            .seek(SeekFrom::Start(0))
            .and_then(|_| t.write_all(&header(&ident, KIND_NEAR, shard.i, 0, near_docs)))
            .and_then(|()| t.seek(SeekFrom::End(0)));
        bytes += written.map_err(|e| io_err(&path, e))?;
        t.persist(&path).map_err(|e| io_err(&path, e.error))?;
    }
    let m = ShardManifest {
        ident,
        shard: shard.i,
        docs: docs.clone(),
        inputs: opts
            .inputs
            .iter()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
            .collect(),
        include: opts.include.clone(),
        exclude: opts.exclude.clone(),
        text_field: opts.shards.text_field.clone(),
        id_field: opts.shards.id_field.clone(),
        pairs: records,
        bytes,
    };
    let json = serde_json::to_vec_pretty(&m).expect("serialisable");
    write_atomic(&dir.join(format!("{}.json", shard_name(shard))), &json)?;
    Ok(StageOutcome {
        items: u64::from(docs.end - docs.start),
        bytes,
        records,
        failed: 0,
    })
}

/// `newsclean resolve`: per key of bucket `bucket`, the first order key
/// over all shards; for each shard, the keys it shares with another shard.
pub fn resolve(work: &Path, bucket: Part) -> Result<StageOutcome, RunError> {
    let manifests = read_manifests(work)?;
    let ident = manifests[0].ident;
    if ident.buckets != bucket.n {
        return Err(usage(format!(
            "--bucket {bucket}: the shards were fingerprinted into {} buckets",
            ident.buckets
        )));
    }
    // (key, order, shard, documents): one per key and shard.
    let mut all: Vec<(Key, u64, u32, u32)> = Vec::new();
    for m in &manifests {
        let s = Part {
            i: m.shard,
            n: ident.shards,
        };
        let path = pairs_path(work, s, bucket);
        let recs = read_records(&path, &ident, KIND_PAIRS, s.i, bucket.i)?;
        all.extend(recs.into_iter().map(|(k, o, n)| (k, o, s.i, n)));
    }
    all.par_sort_unstable();
    let mut per_shard: Vec<Vec<(Key, u64, u32)>> = vec![Vec::new(); ident.shards as usize];
    let mut keys = 0u64;
    let mut g = 0;
    while g < all.len() {
        let k = all[g].0;
        let mut e = g + 1;
        while e < all.len() && all[e].0 == k {
            e += 1;
        }
        keys += 1;
        if e - g > 1 {
            // Sorted by (key, order): the first is the smallest order key
            // (and shards are ranges of the order: in shard order). Each
            // shard is told the documents of the shards before it that
            // list the key.
            let first = all[g].1;
            let mut before = 0u32;
            for &(_, _, s, n) in &all[g..e] {
                per_shard[s as usize].push((k, first, before));
                before = before.saturating_add(n);
            }
        }
        g = e;
    }
    let out = work.join("resolve");
    let (mut bytes, mut records) = (0, 0);
    for (s, recs) in per_shard.iter().enumerate() {
        let sp = Part {
            i: s as u32,
            n: ident.shards,
        };
        let path = decisions_path(work, sp, bucket);
        bytes += write_records(&path, &ident, KIND_DECISIONS, sp.i, bucket.i, recs)?;
        records += recs.len() as u64;
    }
    let summary = serde_json::json!({
        "ident": ident, "bucket": bucket.i, "keys": keys,
        "pairs_in": all.len(), "decisions": records, "bytes": bytes,
    });
    write_atomic(
        &out.join(format!("{}.json", bucket_name(bucket))),
        &serde_json::to_vec_pretty(&summary).expect("serialisable"),
    )?;
    Ok(StageOutcome {
        items: keys,
        bytes,
        records,
        failed: 0,
    })
}

/// The index a shard is applied against: the view for keys first kept by
/// an earlier shard, this shard's own kept keys for everything else.
struct ShardIndex {
    /// `--index`: the store, read-only; a key it holds was kept on an
    /// earlier run, whatever the shards decided.
    disk: Option<Box<DiskIndex>>,
    view: View,
    shard: u32,
    /// This shard's own candidates (a kept key that is none is the key of
    /// what was left of a paragraph).
    own: HashSet<Key>,
    local: MemoryIndex,
    rest: Vec<Key>,
    /// The repeat counts of the shards before this one, for the keys it
    /// shares with them.
    told: Repeats,
}

impl ShardIndex {
    fn earlier(&self, key: Key) -> Option<Here> {
        answer(self.view.get(&key), self.shard)
    }
}

/// What shard `shard` is told of a key first kept by `first`: the kept
/// copy when that is an earlier shard, else nothing (its own index answers).
fn answer(first: Option<&(u32, Here)>, shard: u32) -> Option<Here> {
    first.filter(|(s, _)| *s < shard).map(|&(_, h)| h)
}

impl SeenIndex for ShardIndex {
    fn lookup(&self, key: Key) -> Option<Origin> {
        if let Some(o) = self.disk.as_ref().and_then(|d| d.lookup(key)) {
            return Some(o);
        }
        match self.earlier(key) {
            Some(h) => Some(Origin::ThisRun(h)),
            None => self.local.lookup(key),
        }
    }

    fn insert(&mut self, key: Key, at: Here) {
        if self.disk.as_ref().is_some_and(|d| d.lookup(key).is_some())
            || self.earlier(key).is_some()
            || self.local.lookup(key).is_some()
        {
            return;
        }
        if !self.own.contains(&key) {
            self.rest.push(key);
        }
        self.local.insert(key, at);
    }

    fn inserted(&self) -> usize {
        self.local.inserted()
    }

    fn repeats(&self, key: Key) -> u32 {
        let disk = self.disk.as_ref().map_or(0, |d| d.repeats(key));
        let told = self.told.get(&key).copied().unwrap_or(0);
        disk.saturating_add(told)
            .saturating_add(self.local.repeats(key))
    }

    fn add_repeats(&mut self, keys: &[Key]) {
        self.local.add_repeats(keys);
    }
}

/// The report of one shard: each document's parts, serialised in order.
struct PartsReport<W: Write> {
    out: W,
    records: bool,
    rows: Vec<FileReport>,
    error: Option<String>,
    failed: u64,
}

impl<W: Write> Report for PartsReport<W> {
    fn wants_records(&self) -> bool {
        self.records
    }

    fn file(&mut self, (mut r, jsonl, diff, spilled): Emitted) {
        if r.status == Status::Failed {
            self.failed += 1;
        }
        let mut lines = jsonl.unwrap_or_default();
        if let Some(mut f) = spilled {
            use std::io::Seek;
            let _ = f.rewind().and_then(|()| f.read_to_end(&mut lines));
        }
        let mut diff = diff;
        if let Some(f) = r.diff_spill.take() {
            use std::io::Seek;
            let mut f = &*f;
            let _ = f.rewind().and_then(|()| f.read_to_string(&mut diff));
        }
        let part = DocPart {
            row: Row::of(&mut r),
            jsonl: String::from_utf8_lossy(&lines).into_owned(),
            diff,
        };
        let written = serde_json::to_writer(&mut self.out, &part)
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"));
        if let Err(e) = written {
            self.error.get_or_insert(e.to_string());
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
        _: &dyn DocSource,
        _: &mut dyn FnMut(Vec<FileReport>) -> Summary,
        _: Option<&Tree>,
    ) -> (Summary, Option<String>) {
        unreachable!("a shard's parts are finished by `report`")
    }
}

/// A sink that writes into the shared output folder.
struct SharedSink(Tree);

impl DocSink for SharedSink {
    fn tree(&self) -> Option<&Tree> {
        Some(&self.0)
    }
    fn stale(&self, _: &HashSet<&Path>, _: bool) -> (Vec<String>, Option<String>) {
        (Vec::new(), None)
    }
}

/// `newsclean apply`: the driver of `clean` on the documents of shard
/// `shard`, against the decisions of every bucket; its cleaned copies go
/// to `--out`, its report parts to the work folder.
pub fn apply(opts: &RunOptions, work: &Path, shard: Part) -> Result<StageOutcome, RunError> {
    apply_with(opts, work, shard, None, None)
}

/// The shard of document `doc`.
fn shard_of(manifests: &[ShardManifest], doc: u32) -> u32 {
    let k = manifests.partition_point(|m| m.docs.end <= doc);
    manifests.get(k).map_or(k as u32, |m| m.shard)
}

/// The view of `shard` from the decisions of every bucket (the first
/// candidate of each key is where it is first kept), the documents of the
/// shards before it that list each of those keys, and its candidates.
fn decided_view(
    work: &Path,
    manifests: &[ShardManifest],
    shard: Part,
) -> Result<(View, Repeats, HashSet<Key>), RunError> {
    let ident = manifests[0].ident;
    let (mut view, mut listed, mut own) = (View::new(), Repeats::default(), HashSet::new());
    for j in 0..ident.buckets {
        let b = Part {
            i: j,
            n: ident.buckets,
        };
        let path = decisions_path(work, shard, b);
        for (k, o, n) in read_records(&path, &ident, KIND_DECISIONS, shard.i, j)? {
            let h = unpack(o);
            view.insert(k, (shard_of(manifests, h.doc), h));
            if n > 0 {
                listed.insert(k, n);
            }
        }
        let path = pairs_path(work, shard, b);
        own.extend(
            read_records(&path, &ident, KIND_PAIRS, shard.i, j)?
                .into_iter()
                .map(|(k, _, _)| k),
        );
    }
    Ok((view, listed, own))
}

/// `--index` in apply: the store opened read-only (earlier runs' keys;
/// a folder that is no index yet reads as empty), and what `report` needs
/// to commit into it.
fn open_earlier(
    opts: &RunOptions,
    plan: &Plan,
) -> Result<(Option<Box<DiskIndex>>, Option<StagedIndex>), RunError> {
    let Some(o) = opts.index.as_ref() else {
        return Ok((None, None));
    };
    let run_id = crate::index::nightly::run_id(o, opts.out.as_deref())?;
    // Read before the store: a commit in between makes `report` refuse
    // (the sum it sees is not this one), never pass unseen.
    let dir = std::path::absolute(&o.dir).unwrap_or_else(|_| o.dir.clone());
    let manifest = manifest_sum(&dir);
    let opened = RunIndex::open(
        Some(o),
        plan.out_dir.as_deref(),
        plan.report_dir.as_deref(),
        true,
    )?;
    let RunIndex::Disk { index, .. } = opened else {
        unreachable!("--index opens the store");
    };
    Ok((
        Some(index),
        Some(StagedIndex {
            dir,
            run_id,
            manifest,
        }),
    ))
}

/// xxh3-64 of the index's `MANIFEST` (0 when there is none).
fn manifest_sum(dir: &Path) -> u64 {
    std::fs::read(dir.join("MANIFEST")).map_or(0, |b| xxhash_rust::xxh3::xxh3_64(&b))
}

/// [`apply`] with the view `view` instead of the decisions' (a shard
/// applied again by `report`, see [`settle`]).
fn apply_with(
    opts: &RunOptions,
    work: &Path,
    shard: Part,
    view: Option<(View, Repeats)>,
    near_kept: Option<&NearKept>,
) -> Result<StageOutcome, RunError> {
    check_options(opts)?;
    let manifests = read_manifests(work)?;
    let (plan, mut corpus, _) = open_corpus(opts)?;
    // `--attributes`: each shard's attribute file is written by the task
    // that writes its output shard (a JSONL shard is never split).
    if let Some(d) = opts.shards.attributes.as_deref() {
        corpus.set_attributes(Some(open_tree_locked(d, "attributes", false)?));
    }
    let ident = manifests[0].ident;
    let mine = Ident {
        format: FORMAT,
        config_hash: opts.config.hash,
        corpus_hash: corpus_hash(&corpus, opts),
        shards: shard.n,
        buckets: ident.buckets,
    };
    if mine != ident {
        return Err(usage(format!(
            "{}: fingerprinted with config {:016x}, {} shards, corpus {:016x}; apply runs with config {:016x}, {} shards, corpus {:016x} (the same inputs, options and --shard N are needed in every stage)",
            work.join("fingerprint").display(),
            ident.config_hash, ident.shards, ident.corpus_hash,
            mine.config_hash, mine.shards, mine.corpus_hash
        )));
    }
    let docs = shard_docs(&corpus, shard);
    let (disk, staged_index) = open_earlier(opts, &plan)?;
    let (decided, listed, own) = decided_view(work, &manifests, shard)?;
    // Told by `report` (settled), or from the fingerprints: a key's
    // documents in the shards before this one, but its kept copy's (none
    // when an earlier run kept it: then every one was a repeat).
    let (view, told) = view.unwrap_or_else(|| {
        let told = listed
            .into_iter()
            .map(|(k, n)| {
                let kept_before = disk.as_ref().is_some_and(|d| d.lookup(k).is_some());
                (k, if kept_before { n } else { n - 1 })
            })
            .filter(|&(_, n)| n > 0)
            .collect();
        (decided, told)
    });
    let out_dir = plan.out_dir.clone().expect("--out");
    let report_dir = plan.report_dir.clone().expect("a report folder");
    let sink = SharedSink(open_tree_locked(&out_dir, "output", false)?);
    let rt = open_tree_locked(&report_dir, "report", false)?;
    // As `clean` does before its first write: a report folder never claims
    // a run complete (summary.json) while its files are being rewritten.
    rt.remove(Path::new("summary.json"), true).map_err(|e| {
        io_err(
            &report_dir,
            format!("cannot remove the old summary.json: {e}"),
        )
    })?;
    let parts_path = work
        .join("apply")
        .join(format!("{}.parts", shard_name(shard)));
    let parts_dir = parts_path.parent().expect("a folder");
    std::fs::create_dir_all(parts_dir).map_err(|e| io_err(parts_dir, e))?;
    let tmp = tempfile::NamedTempFile::new_in(parts_dir).map_err(|e| io_err(parts_dir, e))?;
    let mut w = BufWriter::new(tmp);
    let head = PartsHeader {
        ident,
        shard: shard.i,
        docs: docs.clone(),
        out: opts.out.clone().expect("--out"),
        report: plan.report_dir.clone().expect("a report folder"),
        reports: opts.reports.into(),
        config_file: opts.config_file.clone(),
        config: opts.config.clone(),
        jobs: plan.jobs,
        index: staged_index,
        keep_duplicates: opts.shards.keep_duplicates,
        attributes: opts.shards.attributes.clone(),
    };
    serde_json::to_writer(&mut w, &head).map_err(|e| io_err(&parts_path, e))?;
    w.write_all(b"\n").map_err(|e| io_err(&parts_path, e))?;
    let mut near = earlier_near(
        work,
        &ident,
        shard,
        &opts.config,
        near_kept,
        disk.as_deref(),
    )?;
    let mut index = ShardIndex {
        disk,
        shard: shard.i,
        view,
        own,
        local: MemoryIndex::new(),
        rest: Vec::new(),
        told,
    };
    let mut report = PartsReport {
        out: w,
        records: opts.reports.changes,
        rows: Vec::new(),
        error: None,
        failed: 0,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(plan.jobs)
        .build()
        .map_err(|e| usage(format!("cannot start {} threads: {e}", plan.jobs)))?;
    let doc_keys = pool.install(|| {
        crate::pipeline::drive_range(
            &corpus,
            &sink,
            Some(&rt),
            &opts.config,
            opts.reports,
            docs.clone(),
            &mut report,
            &mut index,
            &mut near,
        )
    });
    let near_failure = near.failure();
    let near = near.outcome();
    if let Some(e) = report.error {
        return Err(io_err(&parts_path, e));
    }
    // A damaged block met by a lookup, or an earlier night's near file
    // that could not be read again: the shard's decisions are not trusted
    // (as `clean` commits nothing then).
    if let Some(d) = &index.disk {
        d.health().map_err(RunError::Index)?;
    }
    if let Some((file, why)) = near_failure {
        return Err(RunError::Index(crate::index::store::IndexError::corrupt(
            Path::new(&file),
            why,
        )));
    }
    // Where this shard kept what other shards may ask for: `report`
    // checks it against what they were told.
    let writes = index
        .view
        .keys()
        .chain(&index.rest)
        .filter_map(|k| match index.local.lookup(*k) {
            Some(Origin::ThisRun(h)) => Some((k.hash, k.check, pack(h))),
            _ => None,
        })
        .collect();
    let trailer = PartsTrailer {
        near_consulted: near.consulted,
        near_added: near.added,
        near_dropped: near.dropped,
        inserted: index.local.inserted() as u64 - doc_keys,
        writes,
        rest: index.rest.iter().map(|k| (k.hash, k.check)).collect(),
        shards_written: docs
            .clone()
            .filter_map(|d| Some((d, corpus.written(d)?)))
            .filter(|&(d, _)| {
                d == docs.start
                    || corpus.record(d - 1).map(|r| r.0) != corpus.record(d).map(|r| r.0)
            })
            .collect(),
        repeats: sorted_counts(index.local.repeat_counts()),
        told: sorted_counts(index.told.iter().map(|(&k, &n)| (k, n))),
        kept: if index.disk.is_some() {
            let mut k: Vec<_> = index
                .local
                .entries()
                .map(|(k, h)| (k.hash, k.check, pack(h)))
                .collect();
            k.sort_unstable();
            k
        } else {
            Vec::new()
        },
    };
    let mut w = report.out;
    serde_json::to_writer(&mut w, &trailer).map_err(|e| io_err(&parts_path, e))?;
    w.write_all(b"\n").map_err(|e| io_err(&parts_path, e))?;
    let tmp = w.into_inner().map_err(|e| io_err(&parts_path, e.error()))?;
    let bytes = tmp.as_file().metadata().map(|m| m.len()).unwrap_or(0);
    tmp.persist(&parts_path)
        .map_err(|e| io_err(&parts_path, e.error))?;
    // The cleaned copies and page parts are flushed before the parts
    // count as done.
    sink.0.sync().map_err(|e| io_err(&out_dir, e))?;
    rt.sync().map_err(|e| io_err(&report_dir, e))?;
    Ok(StageOutcome {
        items: u64::from(docs.end - docs.start),
        bytes,
        records: 0,
        failed: report.failed,
    })
}

/// Repeat counts as a trailer lists them: (hash, check, documents), sorted.
fn sorted_counts(it: impl Iterator<Item = (Key, u32)>) -> Vec<(u64, u32, u32)> {
    let mut v: Vec<_> = it.map(|(k, n)| (k.hash, k.check, n)).collect();
    v.sort_unstable();
    v
}

/// `newsclean report`: the shard parts merged, in corpus order, into the
/// report folder `report_dir` of one run.
pub fn report(work: &Path, report_dir: &Path) -> Result<RunOutcome, RunError> {
    let (started, clock) = (SystemTime::now(), Instant::now());
    let manifests = read_manifests(work)?;
    let ident = manifests[0].ident;
    let mut heads = Vec::new();
    let mut trailers = Vec::new();
    for m in &manifests {
        let (head, _, trailer) = read_parts(work, m, &ident, false)?;
        heads.push(head);
        trailers.push(trailer);
    }
    let head = &heads[0];
    if let Some(h) = heads.iter().find(|h| {
        h.out != head.out
            || h.report != head.report
            || h.config_file != head.config_file
            || h.jobs != head.jobs
            || crate::report::Plan::from(h.reports) != crate::report::Plan::from(head.reports)
            || h.index != head.index
            || h.keep_duplicates != head.keep_duplicates
            || h.attributes != head.attributes
    }) {
        return Err(usage(format!(
            "shard {} was applied with other --out, --report, --reports, --config, --jobs, --index (or against another state of the index), --keep-duplicates or --attributes than shard 0",
            h.shard
        )));
    }
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    if abs(report_dir) != abs(&head.report) {
        return Err(usage(format!(
            "--report {}: the shards were applied with --report {}",
            report_dir.display(),
            head.report.display()
        )));
    }
    let m = &manifests[0];
    let config = head.config.clone();
    let mut opts = RunOptions {
        inputs: m.inputs.clone(),
        out: Some(head.out.clone()),
        report: Some(head.report.clone()),
        include: m.include.clone(),
        exclude: m.exclude.clone(),
        shards: crate::shard::ShardOptions {
            text_field: m.text_field.clone(),
            id_field: m.id_field.clone(),
            keep_duplicates: head.keep_duplicates,
            attributes: head.attributes.clone(),
        },
        jobs: head.jobs,
        check: false,
        prune: false,
        config,
        config_file: head.config_file.clone(),
        allow_empty: true,
        stream: false,
        reports: head.reports.into(),
        index: head.index.as_ref().map(|x| IndexOptions {
            dir: x.dir.clone(),
            run_id: Some(x.run_id.clone()),
            wait: false,
        }),
    };
    let (trailers, rounds) = settle(work, &manifests, &opts, trailers)?;
    let settled = serde_json::json!({
        "ident": ident,
        "applied_again": rounds,
        "crossing_writes": trailers.iter().map(|t| t.writes.len()).sum::<usize>(),
    });
    write_atomic(
        &work.join("report.json"),
        &serde_json::to_vec_pretty(&settled).expect("serialisable"),
    )?;
    opts.report = Some(report_dir.to_path_buf());
    let (plan, corpus, walk_errors) = open_corpus(&opts)?;
    let store = open_store(&opts, &plan, head)?;
    if corpus_hash(&corpus, &opts) != ident.corpus_hash {
        return Err(usage(
            "the inputs changed since they were fingerprinted (other files, or other names)",
        ));
    }
    let out_tree = open_tree(&head.out, "output")?;
    let rt = open_tree(report_dir, "report")?;
    let sink = TreeSink::new(Some(out_tree))?;
    let progress = |_: crate::pipeline::Progress<'_>| {};
    let reports: crate::report::Plan = head.reports.into();
    let mut report = FolderReport::start(Some(&rt), reports, false, &progress, corpus.len())?;
    // One shard's parts at a time (rows, sections, records), in corpus
    // order: the report's size grows with the decisions, not the corpus.
    for m in &manifests {
        for p in read_parts(work, m, &ident, true)?.1 {
            let row = p.row.into_report().map_err(usage)?;
            report.file((row, Ok(p.jsonl.into_bytes()), p.diff, None));
        }
    }
    let ours = corpus.outputs(report.rows());
    // Files of this run are in --out already: the stale ones are what is
    // there besides them.
    let (stale, prune_error) = sink.stale(&ours, false);
    if let Some(e) = prune_error {
        report.error(e);
    }
    for (d, n) in trailers.iter().flat_map(|t| &t.shards_written) {
        corpus.set_written(*d, *n);
    }
    let inserted = trailers.iter().map(|t| t.inserted as usize).sum();
    let warnings = match store.as_ref().and_then(|i| i.disk()) {
        Some(d) => crate::pipeline::past_nights(d, &opts.config).1,
        None => Vec::new(),
    };
    let (index_commit, index_error) = match store {
        Some(index) => {
            let near =
                staged_near_export(work, &ident, &manifests, &trailers, &opts.config, &corpus);
            match near {
                Ok(near) => commit_staged(index, &opts, &plan, &corpus, &trailers, started, near),
                Err(e) => (None, Some(e)),
            }
        }
        None => (None, None),
    };
    if let Some(e) = &index_error {
        report.error(format!("index not committed: {e}"));
    }
    let mut parts = Some((walk_errors, stale));
    let mut summary = |rows: Vec<FileReport>| {
        let (walk_errors, stale) = parts.take().expect("one summary");
        let run = crate::pipeline::run_info(&opts, &plan, started, clock);
        let rows = corpus.shard_rows(rows);
        let mut s = Summary::new(run, rows, walk_errors, inserted);
        s.stale = stale;
        s
    };
    let (summary, report_error) = report.finish(&corpus, &mut summary, sink.tree());
    Ok(RunOutcome {
        summary,
        report_dir: Some(report_dir.to_path_buf()),
        report_error,
        index_error,
        index_commit,
        warnings,
        stdout: None,
    })
}

/// With `--index`: the store the shards read, opened as its one writer
/// (before the report folder is written; another writer: exit 75), and
/// refused when another run committed after the shards were applied
/// (their lookups would be stale).
fn open_store(
    opts: &RunOptions,
    plan: &Plan,
    head: &PartsHeader,
) -> Result<Option<RunIndex>, RunError> {
    let Some(x) = &head.index else {
        return Ok(None);
    };
    let index = RunIndex::open(
        opts.index.as_ref(),
        plan.out_dir.as_deref(),
        plan.report_dir.as_deref(),
        false,
    )?;
    // What apply read: no index yet (this task made an empty one), or
    // the very MANIFEST there is now.
    let same = match &index {
        RunIndex::Disk { index: d, .. } if x.manifest == 0 => d.runs().is_empty(),
        _ => manifest_sum(&x.dir) == x.manifest,
    };
    if !same {
        return Err(usage(format!(
            "--index {}: another run committed into the index after the shards were applied; apply them again",
            x.dir.display()
        )));
    }
    Ok(Some(index))
}

/// The run committed into `index` as `clean` commits it, the keys each
/// shard kept inserted shard after shard (a key kept by two is remembered
/// at the first).
fn commit_staged(
    mut index: RunIndex,
    opts: &RunOptions,
    plan: &Plan,
    corpus: &Corpus,
    trailers: &[PartsTrailer],
    started: SystemTime,
    near: Option<(u64, u64, crate::near::Body)>,
) -> (
    Option<crate::index::store::CommitReport>,
    Option<crate::index::store::IndexError>,
) {
    let mut doc_keys = 0;
    for t in trailers {
        doc_keys += t.kept.len() as u64 - t.inserted;
        for &(hash, check, o) in &t.kept {
            index.seen().insert(Key { hash, check }, unpack(o));
        }
        for &(hash, check, n) in &t.repeats {
            for _ in 0..n {
                index.seen().add_repeats(&[Key { hash, check }]);
            }
        }
    }
    crate::pipeline::commit_index(index, opts, plan, corpus, started, doc_keys, near)
}

/// The run's near-duplicate signatures for the index, as `clean`'s near
/// index exports them (`NearIndex::export`): the documents the shards held
/// as kept (their trailers, settled), from the shards' near files, each
/// with its name and which of its paragraphs with bands were kept.
fn staged_near_export(
    work: &Path,
    ident: &Ident,
    manifests: &[ShardManifest],
    trailers: &[PartsTrailer],
    cfg: &Config,
    corpus: &Corpus,
) -> Result<Option<(u64, u64, crate::near::Body)>, crate::index::store::IndexError> {
    let rules = crate::near::NearRules::of(cfg);
    if !rules.any() {
        return Ok(None);
    }
    let mut kept = NearKept::default();
    for t in trailers {
        kept.extend(t);
    }
    let (mut docs, mut body) = (0u64, crate::near::Body::default());
    let n = manifests.len() as u32;
    for i in 0..n {
        read_near(work, ident, Part { i, n }, &mut |e| {
            let d = e.at.doc;
            if !kept.kept(d, u32::MAX) || e.prints.paras.is_empty() {
                return;
            }
            let held = e
                .prints
                .paras
                .iter()
                .enumerate()
                .map(|(k, x)| x.band != u32::MAX && kept.kept(d, k as u32));
            let len = crate::near::Earlier::encoded_len(&e.prints);
            crate::near::push_past_record(&mut body, corpus.name(d), len, |o| e.encode(o), held);
            docs += 1;
        })
        .map_err(|e| crate::index::store::IndexError::BadRecord(e.to_string()))?;
    }
    Ok((docs > 0).then(|| (rules.settings(), docs, body)))
}

/// Shard `m`'s parts file: its header, its documents' parts (with
/// `rows`) and its trailer.
fn read_parts(
    work: &Path,
    m: &ShardManifest,
    ident: &Ident,
    rows: bool,
) -> Result<(PartsHeader, Vec<DocPart>, PartsTrailer), RunError> {
    let s = Part {
        i: m.shard,
        n: ident.shards,
    };
    let path = work.join("apply").join(format!("{}.parts", shard_name(s)));
    let f = std::fs::File::open(&path).map_err(|e| {
        usage(format!(
            "{}: {e} (shard {s} has not been applied)",
            path.display()
        ))
    })?;
    let mut lines = std::io::BufReader::new(f).lines();
    let bad = |e: &dyn std::fmt::Display| usage(format!("{}: {e}", path.display()));
    let head: PartsHeader = match lines.next() {
        Some(l) => serde_json::from_str(&l.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?,
        None => return Err(bad(&"empty")),
    };
    if head.ident != *ident || head.shard != s.i || head.docs != m.docs {
        return Err(bad(&"applied for another fingerprint run"));
    }
    let (mut parts, mut docs, mut trailer) = (Vec::new(), 0, None);
    for l in lines {
        let l = l.map_err(|e| bad(&e))?;
        if l.starts_with("{\"row\"") {
            docs += 1;
            if rows {
                parts.push(serde_json::from_str::<DocPart>(&l).map_err(|e| bad(&e))?);
            }
        } else {
            trailer = Some(serde_json::from_str::<PartsTrailer>(&l).map_err(|e| bad(&e))?);
        }
    }
    let trailer = trailer.ok_or_else(|| bad(&"truncated"))?;
    if docs != (m.docs.end - m.docs.start) as usize {
        return Err(bad(&"truncated"));
    }
    Ok((head, parts, trailer))
}

/// Settle the shards' decisions: each shard was told, for each key it
/// shares, the shard that keeps it first (where its first candidate is);
/// its trailer says where it kept those keys itself. Where a shard was told
/// otherwise than what the shards before it kept (a first copy that went,
/// a key remembered at its content's kept copy, the key of what was left
/// of a paragraph), it is applied again with what they kept, until no
/// shard's answers change. Shard 0 asks no one, so after round k the first
/// k shards are final: at most N rounds, in practice one or two. Returns
/// the final trailers.
fn settle(
    work: &Path,
    manifests: &[ShardManifest],
    opts: &RunOptions,
    mut trailers: Vec<PartsTrailer>,
) -> Result<(Vec<PartsTrailer>, Vec<Vec<u32>>), RunError> {
    let ident = manifests[0].ident;
    let n = ident.shards;
    let mut views = Vec::new();
    for m in manifests {
        let s = Part { i: m.shard, n };
        views.push(decided_view(work, manifests, s)?.0);
    }
    // Repeat counts change decisions only with `many_documents` on, and
    // only up to it.
    let cap = opts.config.scope.many_documents;
    let mut tolds: Vec<Repeats> = vec![Repeats::default(); n as usize];
    // What each shard's near index was told of the earlier shards (`None`:
    // every document and paragraph kept).
    let mut near_told: Vec<Option<NearKept>> = vec![None; n as usize];
    let mut rounds = Vec::new();
    for _round in 0..=n {
        // What was kept first, by the first shard that kept it.
        let mut truth: View = View::new();
        for (s, t) in trailers.iter().enumerate() {
            for &(hash, check, o) in &t.writes {
                truth
                    .entry(Key { hash, check })
                    .or_insert((s as u32, unpack(o)));
            }
        }
        // The keys of paragraph remainders each shard holds: another
        // shard's may be its plain candidates, which no decision named
        // (every other key kept is in the view of every shard holding it).
        let rest: HashSet<Key> = trailers
            .iter()
            .flat_map(|t| &t.rest)
            .map(|&(hash, check)| Key { hash, check })
            .collect();
        let mut holds: Vec<HashSet<Key>> = vec![HashSet::new(); n as usize];
        if !rest.is_empty() {
            for m in manifests {
                for j in 0..ident.buckets {
                    let (s, b) = (
                        Part { i: m.shard, n },
                        Part {
                            i: j,
                            n: ident.buckets,
                        },
                    );
                    let recs = read_records(&pairs_path(work, s, b), &ident, KIND_PAIRS, s.i, j)?;
                    holds[m.shard as usize].extend(
                        recs.into_iter()
                            .map(|(k, _, _)| k)
                            .filter(|k| rest.contains(k)),
                    );
                }
            }
        }
        let mut again = Vec::new();
        // What the shards before each one kept for the near rules.
        let mut near_before = NearKept::default();
        // The repeat counts of the shards before each one.
        let mut counts_before = Repeats::default();
        for (s, view) in views.iter_mut().enumerate() {
            let su = s as u32;
            let told_otherwise = view
                .iter()
                .any(|(k, first)| answer(Some(first), su) != answer(truth.get(k), su));
            let unknown = holds[s].iter().any(|k| !view.contains_key(k));
            // Near: told all were kept, a candidate that was not; or told
            // otherwise than what was kept.
            let near_wrong = match &near_told[s] {
                None => trailers[s]
                    .near_consulted
                    .iter()
                    .any(|&(d, k)| !near_before.kept(d, k)),
                Some(told) => *told != near_before,
            };
            let counts_wrong = cap > 0 && {
                let told: Repeats = trailers[s]
                    .told
                    .iter()
                    .map(|&(hash, check, c)| (Key { hash, check }, c))
                    .collect();
                let at = |t: &Repeats, k: &Key| t.get(k).copied().unwrap_or(0).min(cap);
                view.keys().any(|k| at(&told, k) != at(&counts_before, k))
            };
            let wrong = near_wrong || told_otherwise || unknown || counts_wrong;
            if wrong {
                near_told[s] = Some(near_before.clone());
                tolds[s] = view
                    .keys()
                    .chain(&holds[s])
                    .filter_map(|k| Some((*k, *counts_before.get(k).filter(|&&c| c > 0)?)))
                    .collect();
            }
            near_before.extend(&trailers[s]);
            for &(hash, check, c) in &trailers[s].repeats {
                let slot = counts_before.entry(Key { hash, check }).or_insert(0);
                *slot = slot.saturating_add(c);
            }
            if wrong {
                let keys: Vec<Key> = view.keys().chain(&holds[s]).copied().collect();
                let mut fixed = View::new();
                for k in keys {
                    if let Some(&t) = truth.get(&k) {
                        fixed.insert(k, t);
                    } else {
                        // Kept by no shard that shares it: its own index
                        // answers, and its trailer says where it kept it.
                        fixed.insert(k, (n, Here { doc: 0, line: 0 }));
                    }
                }
                *view = fixed;
                again.push(su);
            }
        }
        if again.is_empty() {
            return Ok((trailers, rounds));
        }
        rounds.push(again.clone());
        for s in again {
            let part = Part { i: s, n };
            apply_with(
                opts,
                work,
                part,
                Some((views[s as usize].clone(), tolds[s as usize].clone())),
                near_told[s as usize].as_ref(),
            )?;
            trailers[s as usize] = read_parts(work, &manifests[s as usize], &ident, false)?.2;
        }
    }
    Err(RunError::Usage(format!(
        "the shards' decisions did not settle in {} rounds (a bug: please report it with the corpus)",
        n + 1
    )))
}
