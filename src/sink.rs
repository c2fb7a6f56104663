//! Where cleaned copies go: the [`DocSink`] seam, and the output folder
//! ([`TreeSink`]: a locked, probed [`Tree`], written beneath its folder
//! descriptor, see `emit.rs`; none with `--check`).
//!
//! The sink lists what the output folder held before the run, so that
//! what this run did not write is reported `stale` at the end (removed
//! with `--prune`). A failed file's fallback (its bytes, or its decoded
//! text) is written through the sink too ([`fail_row`]), and its row says
//! what was written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::discover;
use crate::emit::Tree;
use crate::pipeline::RunError;
use crate::report::{FileReport, Status};

/// Where the driver writes cleaned copies.
pub(crate) trait DocSink: Sync {
    /// The output folder (writers that stream, a huge file's, write
    /// through it), `None` when nothing is written.
    fn tree(&self) -> Option<&Tree>;
    /// What the output held before this run and is not in `ours`, shown
    /// as reports show names; removed with `prune` (a removal that fails
    /// is returned as the error).
    fn stale(&self, ours: &HashSet<&Path>, prune: bool) -> (Vec<String>, Option<String>);
}

/// The output folder of a run.
pub(crate) struct TreeSink {
    tree: Option<Tree>,
    existing: Vec<PathBuf>,
}

impl TreeSink {
    /// The sink of the output folder `tree` (opened and locked; `None`
    /// with `--check`): what it holds is listed, and the temp files of
    /// killed runs removed.
    pub(crate) fn new(tree: Option<Tree>) -> Result<TreeSink, RunError> {
        let mut existing = Vec::new();
        if let Some(t) = &tree {
            existing = t
                .scan()
                .map_err(|e| RunError::CantCreate(format!("{}: {e}", t.path().display())))?
                .entries;
        }
        Ok(TreeSink { tree, existing })
    }
}

impl DocSink for TreeSink {
    fn tree(&self) -> Option<&Tree> {
        self.tree.as_ref()
    }

    fn stale(&self, ours: &HashSet<&Path>, prune: bool) -> (Vec<String>, Option<String>) {
        let (mut stale, mut error) = (Vec::new(), None);
        let Some(t) = &self.tree else {
            return (stale, error);
        };
        for e in self.existing.iter().filter(|e| !ours.contains(e.as_path())) {
            stale.push(discover::display_rel(e));
            if prune {
                if let Err(err) = t.remove(e, false) {
                    error.get_or_insert(format!(
                        "{}: cannot prune: {err}",
                        discover::display_rel(e)
                    ));
                }
            }
        }
        (stale, error)
    }
}

/// What a failed file's output holds instead of a cleaned copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// Nothing to write (it could not be read).
    Nothing,
    /// Its bytes as read.
    Bytes,
    /// Its decoded text as UTF-8, without edits (the bytes read unless
    /// the encoding was not plain UTF-8).
    Decoded,
}

/// Writes a document's output (beneath the output folder, see
/// `DocSource::write`).
pub(crate) type WriteOut<'a> = &'a dyn Fn(&[u8]) -> std::io::Result<()>;

/// Write a failed file's fallback (`bytes`, what they are: `what`; `out`
/// writes them) and
/// give its row the reason: the cause, then what was written. `bytes_out`
/// is set only when the write succeeded.
pub(crate) fn fail_row(
    row: &mut FileReport,
    cause: &dyn std::fmt::Display,
    bytes: Option<&[u8]>,
    what: Fallback,
    out: Option<WriteOut<'_>>,
) {
    row.status = Status::Failed;
    let plain_utf8 = row.encoding.as_deref().is_none_or(|e| e == "utf-8");
    let wrote = match what {
        Fallback::Nothing => "",
        Fallback::Bytes => "; copied through unchanged",
        Fallback::Decoded if plain_utf8 => "; copied through unchanged",
        Fallback::Decoded => "; its decoded text written as UTF-8, without edits",
    };
    let mut reason = format!("{cause}{wrote}");
    if let (Some(bytes), Some(out)) = (bytes, out) {
        match out(bytes) {
            Ok(()) => row.bytes_out = bytes.len() as u64,
            // Nothing was written: the reason says so, not what would have been.
            Err(e) => reason = format!("{cause}; copy failed: {e}"),
        }
    }
    row.reason = Some(reason);
}

/// Open (creating it) the output or report folder, lock it for the run
/// and check that a file can be created in it.
pub(crate) fn open_tree(dir: &Path, what: &str) -> Result<Tree, RunError> {
    open_tree_locked(dir, what, true)
}

/// [`open_tree`], locked only with `lock` (the tasks of a staged run
/// write one output folder together, each its own files).
pub(crate) fn open_tree_locked(dir: &Path, what: &str, lock: bool) -> Result<Tree, RunError> {
    let t = Tree::open(dir).map_err(|e| {
        RunError::CantCreate(format!(
            "{}: cannot create {what} folder: {e}",
            discover::escape_path(dir)
        ))
    })?;
    match if lock { t.lock() } else { Ok(true) } {
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
