//! A run's index: the in-memory one without `--index`, the on-disk store
//! with it (nightly runs), behind one type the driver opens, hands to the
//! stages as a [`SeenIndex`] and finishes.
//!
//! With `--index DIR` the store is opened before any output is written
//! (another writer: exit 75 within 0.2 s, or with `--wait` a wait; `--check`
//! opens it read-only and never writes it); after the documents are
//! resolved its [`DiskIndex::health`] is asked (a damaged block met by a
//! lookup: the run's decisions are not trusted, nothing is committed and
//! no `summary.json` is written); then the run's kept keys are committed
//! with the documents' shown names, before `summary.json` is written. A
//! run that stops before the commit (an error, a kill) leaves the index as
//! it was. The run id is `--run-id`, else the final component of `--out`.

use std::path::{Path, PathBuf};

use super::memory::MemoryIndex;
use super::store::{CommitReport, DiskIndex, IndexError, RunRecord};
use super::SeenIndex;
use crate::pipeline::RunError;

/// `--index DIR`, `--run-id ID`, `--wait`.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// The index folder (created on first use).
    pub dir: PathBuf,
    /// The run's id; `None`: the final component of `--out`.
    pub run_id: Option<String>,
    /// Wait for another writer instead of exit 75.
    pub wait: bool,
}

/// The index of one run.
pub(crate) enum RunIndex {
    /// No `--index`: everything this run keeps, in memory.
    Memory(MemoryIndex),
    /// `--index`: the on-disk store (read-only with `--check`).
    Disk {
        /// The open store.
        index: Box<DiskIndex>,
        /// Opened read-only (`--check`): never committed.
        read_only: bool,
    },
}

impl RunIndex {
    /// Open the run's index: in memory without `opts`, else the store in
    /// `opts.dir` (before anything is written; its errors carry their exit
    /// code, 75 busy, 78 damaged or newer, 73 cannot create). `out` and
    /// `report` are the run's output folders: the index may not lie in
    /// one (it would be listed as stale there), nor they in it.
    pub(crate) fn open(
        opts: Option<&IndexOptions>,
        out: Option<&Path>,
        report: Option<&Path>,
        check: bool,
    ) -> Result<RunIndex, RunError> {
        let Some(o) = opts else {
            return Ok(RunIndex::Memory(MemoryIndex::new()));
        };
        let id = run_id(o, out)?;
        let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        let dir = abs(&o.dir);
        for (what, d) in [("--out", out), ("--report", report)] {
            let Some(d) = d.map(abs) else { continue };
            if dir.starts_with(&d) || d.starts_with(&dir) {
                return Err(RunError::Usage(format!(
                    "--index {} and {what} {} must not lie inside each other",
                    o.dir.display(),
                    d.display()
                )));
            }
        }
        let opened = if check {
            DiskIndex::open_read_only(&o.dir, &id)
        } else {
            DiskIndex::open(&o.dir, &id, o.wait)
        };
        match opened {
            Ok(index) => Ok(RunIndex::Disk {
                index: Box::new(index),
                read_only: check,
            }),
            Err(e) => Err(RunError::Index(e)),
        }
    }

    /// The index the stages use.
    pub(crate) fn seen(&mut self) -> &mut (dyn SeenIndex + Send) {
        match self {
            RunIndex::Memory(m) => m,
            RunIndex::Disk { index, .. } => index.as_mut(),
        }
    }

    /// Keys this run has inserted.
    pub(crate) fn inserted(&self) -> usize {
        match self {
            RunIndex::Memory(m) => m.inserted(),
            RunIndex::Disk { index, .. } => index.inserted(),
        }
    }

    /// After resolve: whether the store's answers can be trusted (a
    /// damaged block met by a lookup is an error naming the file).
    pub(crate) fn health(&self) -> Result<(), IndexError> {
        match self {
            RunIndex::Memory(_) => Ok(()),
            RunIndex::Disk { index, .. } => index.health(),
        }
    }

    /// The on-disk store (`--index`), if the run has one.
    pub(crate) fn disk(&self) -> Option<&DiskIndex> {
        match self {
            RunIndex::Memory(_) => None,
            RunIndex::Disk { index, .. } => Some(index),
        }
    }

    /// Whether this run's near-duplicate signatures will be committed (a
    /// run on the store that is not `--check`).
    pub(crate) fn commits(&self) -> bool {
        matches!(
            self,
            RunIndex::Disk {
                read_only: false,
                ..
            }
        )
    }

    /// Commit the run's kept keys (nothing in memory or read-only). `docs`
    /// are the documents' shown names in corpus order (unique, also when
    /// two inputs hold the same relative path), `blocks` the run's block
    /// keys added, `near` its near-duplicate signatures (see
    /// [`RunRecord::near`]), `near_keep` how many runs' near files are
    /// kept (see [`RunRecord::near_keep`]).
    pub(crate) fn commit(
        self,
        date: String,
        inputs: Vec<String>,
        docs: Vec<String>,
        blocks: u64,
        near: Option<(u64, u64, crate::near::Body)>,
        near_keep: Option<usize>,
    ) -> Result<Option<CommitReport>, IndexError> {
        match self {
            RunIndex::Memory(_)
            | RunIndex::Disk {
                read_only: true, ..
            } => Ok(None),
            RunIndex::Disk { index, .. } => index
                .commit(RunRecord {
                    date,
                    inputs,
                    docs,
                    blocks_added: blocks,
                    near,
                    near_keep,
                })
                .map(Some),
        }
    }
}

/// The run id: `--run-id`, else the final component of `--out`.
pub(crate) fn run_id(o: &IndexOptions, out: Option<&Path>) -> Result<String, RunError> {
    let id = match (&o.run_id, out) {
        (Some(id), _) => id.clone(),
        (None, Some(out)) => std::path::absolute(out)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .ok_or_else(|| {
                RunError::Usage(format!(
                    "--out {} has no final component to take the run id from; give --run-id",
                    out.display()
                ))
            })?,
        (None, None) => {
            return Err(RunError::Usage(
                "--index without --out needs --run-id (the run's id in the index)".into(),
            ))
        }
    };
    if id.is_empty() || id.chars().any(char::is_control) {
        return Err(RunError::Usage(format!(
            "--run-id {id:?}: a run id is a non-empty name without control characters"
        )));
    }
    Ok(id)
}
