//! `summary.json`: what a nightly job parses.
//!
//! Schema version 1. Stable field names; `files` has one row per
//! discovered file in corpus order; `rules` counts edits (and flags) per
//! rule id, including rules that made no edit (count 0), so a dashboard
//! sees the full rule set.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{FileReport, Status};

/// Current schema version of `summary.json`.
pub const SCHEMA_VERSION: u32 = 1;

/// Run information.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    /// newsclean version.
    pub version: &'static str,
    /// Hash of the effective configuration (hex).
    pub config_hash: String,
    /// Start time, RFC 3339 UTC.
    pub started: String,
    /// Wall time of the run in milliseconds.
    pub duration_ms: u64,
    /// Worker threads.
    pub threads: usize,
    /// Input paths, canonical (absolute, `..` and links to folders
    /// resolved: the paths the output names are computed from).
    pub inputs: Vec<String>,
    /// The config file used (absolute), `null` when none.
    pub config: Option<String>,
    /// Output folder as given (absent with `--check`).
    pub out: Option<String>,
    /// Report folder as given (absent with `--check`).
    pub report: Option<String>,
    /// `--check` mode.
    pub check: bool,
    /// `--prune`: the files listed in `stale` were removed.
    pub prune: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Totals over the corpus.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Totals {
    /// Files discovered.
    pub files_seen: usize,
    /// Files with edits.
    pub cleaned: usize,
    /// Files without edits.
    pub unchanged: usize,
    /// Files skipped (binary).
    pub skipped: usize,
    /// Files that failed.
    pub failed: usize,
    /// Files removed as a whole (`dedup.document`); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub duplicate: usize,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes written to cleaned copies.
    pub bytes_out: u64,
    /// Blocks (paragraphs and lines) fingerprinted.
    pub blocks: usize,
    /// Duplicate blocks removed.
    pub duplicates_removed: usize,
    /// Edits (flags excluded).
    pub edits: usize,
    /// Flags (no text change).
    pub flags: usize,
    /// Unique fingerprints remembered.
    pub unique_keys: usize,
}

/// The whole summary.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Schema version.
    pub schema_version: u32,
    /// Run information.
    pub run: RunInfo,
    /// Totals.
    pub totals: Totals,
    /// Edits per rule id.
    pub rules: BTreeMap<&'static str, usize>,
    /// Problems walking the inputs (unreadable folders).
    pub walk_errors: Vec<super::super::discover::WalkError>,
    /// Files in the output folder that this run did not write (left by an
    /// earlier run, or put there by hand), shown names in byte order;
    /// removed when `run.prune` is true.
    pub stale: Vec<String>,
    /// One row per file, in corpus order.
    pub files: Vec<FileReport>,
}

impl Summary {
    /// Build totals and rule counts from the file rows.
    pub fn new(
        run: RunInfo,
        files: Vec<FileReport>,
        walk_errors: Vec<crate::discover::WalkError>,
        unique_keys: usize,
    ) -> Summary {
        let mut totals = Totals {
            files_seen: files.len(),
            unique_keys,
            ..Totals::default()
        };
        let mut rules: BTreeMap<&'static str, usize> =
            crate::rules::all().map(|r| (r.id, 0)).collect();
        for f in &files {
            match f.status {
                Status::Cleaned => totals.cleaned += 1,
                Status::Unchanged => totals.unchanged += 1,
                Status::Skipped => totals.skipped += 1,
                Status::Failed => totals.failed += 1,
                Status::Duplicate => totals.duplicate += 1,
            }
            totals.bytes_in += f.bytes_in;
            totals.bytes_out += f.bytes_out;
            totals.blocks += f.blocks;
            totals.duplicates_removed += f.duplicates_removed;
            totals.edits += f.edits;
            totals.flags += f.flags;
            for &(id, n) in &f.rules {
                *rules.entry(id).or_default() += n;
            }
        }
        Summary {
            schema_version: SCHEMA_VERSION,
            run,
            totals,
            rules,
            walk_errors,
            stale: Vec::new(),
            files,
        }
    }
}

/// RFC 3339 UTC time from seconds since the epoch (`jiff`, no time-zone
/// database needed); a time past jiff's range (year 9999) is its last
/// instant.
pub fn rfc3339(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .unwrap_or(jiff::Timestamp::MAX)
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_628_121_600), "2021-08-05T00:00:00Z");
        assert_eq!(super::rfc3339(951_827_696), "2000-02-29T12:34:56Z");
        assert!(super::rfc3339(u64::MAX).starts_with("9999-12-"));
    }
}
