//! Reports: views of the edits.
//!
//! - `summary.json` ([`summary`]): schema-versioned run info, totals,
//!   counts per rule, one row per file;
//! - `changes.jsonl` ([`ChangeRecord`]): one object per edit, in corpus
//!   order;
//! - `changes.diff` ([`diff`]): one multi-file unified diff built from the
//!   edits, in corpus order (or, with `--report-diffs per-file`, one
//!   `diffs/<path>.diff` per changed file);
//! - `index.html`, per-file pages and the pages of kept copies ([`html`]):
//!   the review page.
//!
//! All of them are produced from the same [`FileReport`] records, which the
//! emit phase builds per file in parallel and the report phase merges in
//! corpus order ([`Writers`]). [`Plan`] says which of them a run writes
//! (`--reports`); `summary.json` is always written, last, as the mark of a
//! complete run.

pub mod diff;
pub mod html;
pub mod kept;
pub mod summary;

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

use crate::edit::{Detail, Edit};
use crate::emit::{AtomicFile, Durability, Tree};

/// Which reports a run writes besides `summary.json` (`--reports`), and
/// how its diffs are laid out (`--report-diffs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// `changes.jsonl`.
    pub changes: bool,
    /// The unified diffs.
    pub diff: bool,
    /// The review pages (`index.html`, `files/`, `kept/`, `assets/`).
    pub html: bool,
    /// One `diffs/<path>.diff` per changed file instead of `changes.diff`.
    pub per_file_diffs: bool,
}

impl Default for Plan {
    /// Every report, one `changes.diff`.
    fn default() -> Plan {
        Plan {
            changes: true,
            diff: true,
            html: true,
            per_file_diffs: false,
        }
    }
}

/// The names `--reports` takes.
pub const REPORT_NAMES: [&str; 4] = ["summary", "changes", "diff", "html"];

impl Plan {
    /// Parse a `--reports` list: names from [`REPORT_NAMES`] separated by
    /// commas (`summary,changes`); `summary` must be among them, since
    /// `summary.json` is what marks a report complete.
    pub fn parse(list: &str) -> Result<Plan, String> {
        let mut p = Plan {
            changes: false,
            diff: false,
            html: false,
            per_file_diffs: false,
        };
        let mut summary = false;
        for name in list.split(',').map(str::trim) {
            match name {
                "summary" => summary = true,
                "changes" => p.changes = true,
                "diff" => p.diff = true,
                "html" => p.html = true,
                "all" => {
                    p = Plan::default();
                    summary = true;
                }
                _ => {
                    return Err(format!(
                        "unknown report {name:?}: expected a comma-separated list of {} (or all)",
                        REPORT_NAMES.join(", ")
                    ))
                }
            }
        }
        if !summary {
            return Err(
                "the list must include summary (summary.json marks a complete report)".into(),
            );
        }
        Ok(p)
    }
}

/// The report files a run appends to in corpus order (`changes.jsonl`,
/// `changes.diff`), opened at its start and committed at its end.
pub struct Writers<'t> {
    plan: Plan,
    changes: Option<std::io::BufWriter<AtomicFile<'t>>>,
    diff: Option<std::io::BufWriter<AtomicFile<'t>>>,
    /// Removed duplicates and their kept copies, for the kept-copy pages.
    pub kept: kept::KeptRefs,
    /// Near-duplicates, for the cluster cards (`near/`).
    pub near: kept::NearRefs,
    pages: Option<html::Pages<'t>>,
    /// The first report file that could not be written.
    pub error: Option<String>,
}

impl<'t> Writers<'t> {
    /// Start the reports of `plan` in `report`: the shared assets of the
    /// review page, `changes.jsonl` and `changes.diff` (named when
    /// committed). `files` is the number of files of the run.
    pub fn open(report: &'t Tree, plan: Plan, files: usize) -> std::io::Result<Writers<'t>> {
        if plan.html {
            html::write_assets(report)?;
        }
        html::PER_FILE_DIFFS.store(plan.per_file_diffs, std::sync::atomic::Ordering::Relaxed);
        let open = |name: &str, on: bool| -> std::io::Result<_> {
            Ok(match on {
                true => Some(std::io::BufWriter::with_capacity(
                    1 << 16,
                    report.create(Path::new(name))?,
                )),
                false => None,
            })
        };
        Ok(Writers {
            plan,
            changes: open("changes.jsonl", plan.changes)?,
            diff: open("changes.diff", plan.diff && !plan.per_file_diffs)?,
            kept: kept::KeptRefs::new(files),
            near: kept::NearRefs::default(),
            pages: plan.html.then(|| html::Pages::new(report)),
            error: None,
        })
    }

    /// Whether the change records of each file are wanted.
    pub fn wants_records(&self) -> bool {
        self.changes.is_some()
    }

    /// Append one file's reports, in corpus order: its `changes.jsonl`
    /// lines (`jsonl`, or the records spilled to `spilled` for a huge
    /// file), its diff (`diff`, or the one spilled with its row) and its
    /// removed duplicates. A write error ends that report (kept in
    /// [`Writers::error`]); the run goes on.
    pub fn append(
        &mut self,
        row: &mut FileReport,
        jsonl: std::io::Result<&[u8]>,
        diff: &str,
        spilled: Option<&mut std::fs::File>,
    ) {
        if let Some(w) = self.changes.as_mut() {
            let written = jsonl
                .and_then(|j| w.write_all(j))
                .and_then(|()| match spilled {
                    Some(f) => std::io::copy(f, w).map(drop),
                    None => Ok(()),
                });
            if let Err(e) = written {
                self.error.get_or_insert(format!("changes.jsonl: {e}"));
                self.changes = None;
            }
        }
        if let Some(w) = self.diff.as_mut() {
            let written = match row.diff_spill.take() {
                Some(f) => {
                    use std::io::Seek;
                    let mut f = &*f;
                    f.rewind().and_then(|()| std::io::copy(&mut f, w).map(drop))
                }
                None => w.write_all(diff.as_bytes()),
            };
            if let Err(e) = written {
                self.error.get_or_insert(format!("changes.diff: {e}"));
                self.diff = None;
            }
        }
        self.kept.add(&row.path, std::mem::take(&mut row.removed));
        self.near.add(std::mem::take(&mut row.near));
        if let Some(pages) = self.pages.as_mut() {
            let section = std::mem::take(&mut row.section);
            if !section.is_empty() {
                match pages.push(&section) {
                    Ok(name) => {
                        row.page = Some(format!("{name}{}", row.page.take().unwrap_or_default()))
                    }
                    Err(e) => {
                        self.error.get_or_insert(format!("review pages: {e}"));
                        self.pages = None;
                        row.page = None;
                    }
                }
            } else if row.page.is_none() && row.edits > 0 && matches!(row.status, Status::Cleaned) {
                // A file cleaned in windows has a page of its own.
                row.page = Some(html::page_href(&row.path, None));
            }
        }
    }

    /// Name `changes.jsonl` and `changes.diff` (flushed with the rest by
    /// [`Tree::sync`]).
    pub fn commit(&mut self) {
        if let Some(mut pages) = self.pages.take() {
            if let Err(e) = pages.close() {
                self.error.get_or_insert(format!("review pages: {e}"));
            }
        }
        for (name, w) in [
            ("changes.jsonl", self.changes.take()),
            ("changes.diff", self.diff.take()),
        ] {
            if let Some(w) = w {
                let committed = w
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .and_then(|f| f.commit(Durability::Deferred));
                if let Err(e) = committed {
                    self.error.get_or_insert(format!("{name}: {e}"));
                }
            }
        }
    }

    /// The plan of the run.
    pub fn plan(&self) -> Plan {
        self.plan
    }
}

/// The report files of one file written while it is emitted: its own diff
/// (`--report-diffs per-file`); and the section of a review page of a file
/// with an edit or a flag (`row.section`, appended to a page in corpus
/// order by [`Writers::append`]; `id` is the file's place in corpus order)
/// and its removed duplicates (`row.removed`, for the kept-copy pages) and
/// near-duplicates (`row.near`, for the cluster cards). `diff` is its unified diff; an error names the report
/// file that could not be written.
pub fn write_file_reports(
    report: &Tree,
    plan: Plan,
    id: u32,
    row: &mut FileReport,
    original: &str,
    diff: &str,
) -> Result<(), String> {
    if plan.diff && plan.per_file_diffs && !diff.is_empty() {
        report
            .write(
                &Path::new("diffs").join(format!("{}.diff", row.path)),
                diff.as_bytes(),
                Durability::Deferred,
            )
            .map_err(|e| format!("cannot write diff: {e}"))?;
    }
    if plan.html && !row.changes.is_empty() {
        row.removed = removed_in(&row.changes);
        row.near = kept::near_in(&row.changes, original);
        row.section = html::file_section(id, &row.path, original, &row.changes);
        row.page = Some(format!("#f{id}"));
    }
    Ok(())
}

/// Where the streamed diff of a file cleaned in windows goes: its own
/// `diffs/<path>.diff` (an atomic file, named when complete) with
/// `--report-diffs per-file`, else a file without a name in the report
/// folder, appended to `changes.diff` in corpus order
/// ([`FileReport::diff_spill`]).
pub enum DiffSink<'t> {
    /// `diffs/<path>.diff`.
    Own(AtomicFile<'t>),
    /// Spilled for `changes.diff`.
    Spill(std::fs::File),
}

impl<'t> DiffSink<'t> {
    /// The sink of `rel`'s diff in `report`.
    pub fn open(report: &'t Tree, rel: &str) -> std::io::Result<DiffSink<'t>> {
        if html::PER_FILE_DIFFS.load(std::sync::atomic::Ordering::Relaxed) {
            Ok(DiffSink::Own(
                report.create(&Path::new("diffs").join(format!("{rel}.diff")))?,
            ))
        } else {
            Ok(DiffSink::Spill(tempfile::tempfile_in(report.path())?))
        }
    }

    /// The diff is complete: name it, or hand the spilled file back.
    pub fn finish(self) -> std::io::Result<Option<std::sync::Arc<std::fs::File>>> {
        match self {
            DiffSink::Own(f) => f.commit(Durability::Deferred).map(|()| None),
            DiffSink::Spill(f) => Ok(Some(std::sync::Arc::new(f))),
        }
    }
}

impl Write for DiffSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            DiffSink::Own(f) => f.write(buf),
            DiffSink::Spill(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            DiffSink::Own(f) => f.flush(),
            DiffSink::Spill(f) => f.flush(),
        }
    }
}

/// The removed duplicates among `changes` whose kept copy is in this run:
/// (line, kept copy). Near-duplicates are not among them: their cluster's
/// card ([`kept::near_in`]) shows them.
pub fn removed_in(changes: &[ChangeRecord]) -> Vec<(usize, KeptCopy)> {
    changes
        .iter()
        .filter(|c| !kept::is_near(c.rule))
        .filter_map(|c| c.duplicate_of.clone().map(|k| (c.line, k)))
        .filter(|(_, k)| k.run.is_none())
        .collect()
}

/// Where the kept copy of a removed duplicate is.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeptCopy {
    /// The earlier run that kept it (`--index`); absent: this run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// Relative path of the file with the kept copy.
    pub file: String,
    /// 1-based line in that file's decoded original.
    pub line: usize,
}

/// Where in a shard's record a change is (see [`ChangeRecord::record`]).
#[derive(Debug, Clone, Serialize)]
pub struct RecordAt {
    /// The record's id (`--id-field`, else its line number).
    pub record: String,
    /// 1-based line within the record's text.
    pub text_line: usize,
    /// `start` counted in code points of the record's text (as dolma's
    /// attribute spans and Python string indices count).
    pub cp_start: usize,
    /// `end` in code points.
    pub cp_end: usize,
}

/// One line of `changes.jsonl`: one edit.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRecord {
    /// Relative path of the file (a shard's, for its records).
    pub file: String,
    /// A shard's record: its id, and the line within its text that
    /// `column` is in (`line` is the record's line in the shard).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub record: Option<RecordAt>,
    /// 1-based line of `start` in the decoded original (for a removal that
    /// begins with the separator before the removed block: of the block).
    pub line: usize,
    /// 1-based column in that line, counted in user-perceived characters
    /// (extended grapheme clusters: an emoji ZWJ sequence or a letter with
    /// combining accents is one column, as in an editor).
    pub column: usize,
    /// Byte offset in the decoded original (inclusive).
    pub start: usize,
    /// Byte offset in the decoded original (exclusive).
    pub end: usize,
    /// Rule id.
    pub rule: &'static str,
    /// Original text of the span.
    pub before: String,
    /// Replacement.
    pub after: String,
    /// For removed duplicates: the kept copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<KeptCopy>,
    /// Rule-specific detail (join score and signals, echo source, note).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<Detail>,
}

/// How a file ended.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Edits were made.
    Cleaned,
    /// Nothing to change.
    Unchanged,
    /// Not processed (binary).
    Skipped,
    /// Could not be read or decoded, or a rule failed.
    Failed,
    /// Removed as a whole (`dedup.document`): no output file.
    Duplicate,
}

/// Everything the reports need about one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// Relative path.
    pub path: String,
    /// Outcome.
    pub status: Status,
    /// Reason for skipped/failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Source encoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Bytes read.
    pub bytes_in: u64,
    /// Bytes of the cleaned output (0 when nothing was written).
    pub bytes_out: u64,
    /// Number of edits (flags excluded).
    pub edits: usize,
    /// Number of flags.
    pub flags: usize,
    /// Paragraph and line blocks seen.
    pub blocks: usize,
    /// Duplicate blocks removed.
    pub duplicates_removed: usize,
    /// Edits per rule id (flags included), sorted by id.
    pub rules: Vec<(&'static str, usize)>,
    /// A shard's row: its records, how many cleaned, how many failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<crate::shard::RecordCounts>,
    /// The change records (not serialized in the summary).
    #[serde(skip)]
    pub changes: Vec<ChangeRecord>,
    /// The diff of a file cleaned in windows, spilled to a file without a
    /// name, for `changes.diff` (not serialized).
    #[serde(skip)]
    pub diff_spill: Option<std::sync::Arc<std::fs::File>>,
    /// Removed duplicates: (line here, kept copy), for the kept-copy pages
    /// (not serialized).
    #[serde(skip)]
    pub removed: Vec<(usize, KeptCopy)>,
    /// Near-duplicates, for their clusters' cards (not serialized).
    #[serde(skip)]
    pub near: Vec<kept::NearMember>,
    /// The file's section of a review page, rendered while it is emitted
    /// and appended to a page in corpus order (not serialized).
    #[serde(skip)]
    pub section: String,
    /// Where the file's review page is, relative to the report root
    /// (`files/0003.html#f12`; [`html::line_href`] links a line), if it has
    /// one (not serialized).
    #[serde(skip)]
    pub page: Option<String>,
    /// A shard's row: the rows of its records that have a review page,
    /// listed under it in `index.html` (not serialized).
    #[serde(skip)]
    pub parts: Vec<FileReport>,
}

impl FileReport {
    /// The row of a file at `path` before anything is known of it:
    /// unchanged, nothing read or written.
    pub fn new(path: String) -> FileReport {
        FileReport {
            path,
            status: Status::Unchanged,
            reason: None,
            encoding: None,
            bytes_in: 0,
            bytes_out: 0,
            edits: 0,
            flags: 0,
            blocks: 0,
            duplicates_removed: 0,
            rules: Vec::new(),
            records: None,
            changes: Vec::new(),
            diff_spill: None,
            removed: Vec::new(),
            near: Vec::new(),
            section: String::new(),
            page: None,
            parts: Vec::new(),
        }
    }
}

/// Build change records for one file's edits (original coordinates).
pub fn change_records(file: &str, original: &str, edits: &[Edit]) -> Vec<ChangeRecord> {
    let mut out = Vec::with_capacity(edits.len());
    // Walk the original once, tracking line starts.
    let mut lines = crate::stage::LineCursor::default();
    // Column cache: `col_at` (on the current line) is `col_count` grapheme
    // clusters after the line start. Counting on from a cluster boundary
    // gives the same count as counting from the line start.
    let mut col_at = 0usize;
    let mut col_count = 0usize;
    for e in edits {
        lines.seek(original, e.start);
        // A removal that starts with the separator before the removed block
        // (the last block of a file) is located at the block itself.
        let mut at = e.start;
        if e.replacement.is_empty() {
            let lead = original[e.start..e.end]
                .bytes()
                .take_while(|&b| b == b'\n')
                .count();
            if lead > 0 && lead < e.end - e.start {
                at += lead;
                lines.seek(original, at);
            }
        }
        let (line, line_start) = (lines.line(), lines.line_start());
        let before_col = if col_at >= line_start
            && col_at <= at
            && unicode_segmentation::GraphemeCursor::new(col_at, original.len(), true)
                .is_boundary(original, 0)
                .unwrap_or(false)
        {
            col_count + grapheme_count(&original[col_at..at])
        } else {
            grapheme_count(&original[line_start..at])
        };
        col_at = at;
        col_count = before_col;
        let column = before_col + 1;
        let duplicate_of = match &e.detail {
            Some(
                Detail::DuplicateOf { run, file, line }
                | Detail::NearDuplicateOf {
                    run, file, line, ..
                },
            ) => Some(KeptCopy {
                run: run.clone(),
                file: file.clone(),
                line: *line,
            }),
            _ => None,
        };
        let detail = match &e.detail {
            Some(Detail::NearDuplicateOf { score, .. }) => Some(Detail::Similarity(score.clone())),
            Some(Detail::DuplicateOf { .. }) | None => None,
            Some(d) => Some(d.clone()),
        };
        out.push(ChangeRecord {
            file: file.to_string(),
            record: None,
            line,
            column,
            start: e.start,
            end: e.end,
            rule: e.rule,
            before: original[e.start..e.end].to_string(),
            after: e.replacement.clone(),
            duplicate_of,
            detail,
        });
    }
    out
}

/// `s.graphemes(true).count()`, without the segmenter when every character
/// of `s` is one that always forms a cluster of its own (printable ASCII,
/// Latin-1 U+00A0..=U+00FF, U+2010..=U+2027, CJK symbols U+3000..=U+3029
/// and U+3030..=U+303F, ideographs U+4E00..=U+9FFF, full-width forms
/// U+FF01..=U+FF60): then clusters are characters. Whatever follows `s`
/// does not matter, the count stops at its end.
pub(crate) fn grapheme_count(s: &str) -> usize {
    let b = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        let len = match x {
            0x20..=0x7E => 1,
            0xC2 if b[i + 1] >= 0xA0 => 2,
            0xC3 => 2,
            0xE4 if b[i + 1] >= 0xB8 => 3,
            0xE5..=0xE9 => 3,
            0xE2 if b[i + 1] == 0x80 && (0x90..=0xA7).contains(&b[i + 2]) => 3,
            0xE3 if b[i + 1] == 0x80 && !(0xAA..=0xAF).contains(&b[i + 2]) => 3,
            0xEF if (b[i + 1] == 0xBC && b[i + 2] >= 0x81)
                || (b[i + 1] == 0xBD && b[i + 2] <= 0xA0) =>
            {
                3
            }
            _ => return s.graphemes(true).count(),
        };
        n += 1;
        i += len;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_grapheme_count_agrees_with_the_segmenter() {
        let mut chars: Vec<char> = Vec::new();
        for r in [
            0x00..0x300u32,
            0x2000..0x2100,
            0x3000..0x3100,
            0x4DF0..0x4E10,
            0x9FF0..0xA010,
            0xFF00..0xFFA0,
        ] {
            chars.extend(r.filter_map(char::from_u32));
        }
        for &c in &chars {
            for s in [
                c.to_string(),
                format!("中{c}"),
                format!("{c}\u{301}"),
                format!("a{c}文"),
            ] {
                assert_eq!(grapheme_count(&s), s.graphemes(true).count(), "{s:?}");
            }
        }
    }

    #[test]
    fn records_have_line_and_column() {
        let orig = "第一行\n中文,文字";
        let start = orig.find(',').unwrap();
        let e = [Edit::new(start, start + 1, "，", "punct.comma")];
        let r = change_records("a.txt", orig, &e);
        assert_eq!((r[0].line, r[0].column), (2, 3));
        assert_eq!(r[0].before, ",");
    }

    #[test]
    fn incremental_columns_match_counting_from_the_line_start() {
        let orig =
            "ab\u{301}c 👨\u{200D}👩 🇫🇷🇩🇪x\u{200D}y\r\nz e\u{301}\u{301}f\n\u{1100}\u{1161}g";
        let cuts: Vec<usize> = (0..=orig.len())
            .filter(|&i| orig.is_char_boundary(i) && i < orig.len())
            .collect();
        let edits: Vec<Edit> = cuts
            .iter()
            .map(|&i| {
                let end = i + orig[i..].chars().next().unwrap().len_utf8();
                Edit::new(i, end, "x", "punct.comma")
            })
            .collect();
        let r = change_records("a.txt", orig, &edits);
        for (rec, &i) in r.iter().zip(&cuts) {
            let ls = orig[..i].rfind('\n').map_or(0, |n| n + 1);
            assert_eq!(
                rec.column,
                orig[ls..i].graphemes(true).count() + 1,
                "at {i}"
            );
        }
    }

    #[test]
    fn columns_count_grapheme_clusters() {
        let orig = "👨\u{200D}👩\u{200D}👧 e\u{301},x";
        let start = orig.find(',').unwrap();
        let r = change_records(
            "a.txt",
            orig,
            &[Edit::new(start, start + 1, "，", "punct.comma")],
        );
        assert_eq!(r[0].column, 4);
    }
}
