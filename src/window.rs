//! Huge files, cleaned in windows.
//!
//! The whole-file path holds a file's text many times over (every stage's
//! copy, the edits, the change records, the diff and the page are each as
//! big as the file or bigger; a long line costs even more, since the
//! punctuation pass tokenizes a whole line at a time): about 20× the file
//! size, 70× for a file that is one line. A file bigger than
//! [`Settings::threshold`] (2 MiB by default) is therefore cleaned one
//! *window* (256 KiB by default) at a time, in the sequential decide phase of
//! the pipeline, so at most one such file is in memory. It is read as any
//! other file (`read::read_regular`: regular files only) and decoded the
//! same way, the decoder's `decode.replacement` flags handed to the window
//! they fall in; every rule (`whitespace.control` included) runs per
//! window. Held for the whole file: its decoded text; the cleaned copy is
//! written window by window into an [`AtomicFile`] of the output [`Tree`]
//! at the file's byte-exact output path, committed when complete (dropped,
//! and so gone, on a failure, when the original is copied through instead);
//! of the cleaned text only the tail the streamed diff can still read
//! ([`diff::Streaming::needed_from`]: the open hunk, at most
//! [`Settings::diff_cap`] bytes, else the file gets no diff) is kept; per window:
//! the window's stages, blocks, edits and records. Every report file goes through the report [`Tree`], never by
//! path: change records are streamed to an unnamed temporary file
//! (`tempfile::tempfile_in`: `O_TMPFILE`, or a name removed at once; none
//! to leave behind on a signal) in the report folder, appended to
//! `changes.jsonl` in corpus order; the diff is streamed into a
//! `report::DiffSink` (spilled the same way and appended to `changes.diff`
//! in corpus order, or with `--report-diffs per-file` an [`AtomicFile`] of
//! `diffs/` committed when complete; nothing for an unchanged file); the
//! review page, written by
//! [`html::write_file_page_part`], shows the first [`html::PAGE_CAP`] bytes
//! only. A report file that cannot be written stops nothing: a diff or
//! page fails the file's row (its cleaned copy is still written), records
//! that cannot be spilled are a report error of the run (exit 73).
//!
//! Where a window ends ([`next_cut`]): at a paragraph boundary after
//! terminal punctuation (`。\n\n　　下一段`; in a file without blank lines,
//! `。\n下一段`; in English, `.` before a blank line or an indented line,
//! or any line before a `#` heading after a blank line), where no rule looks across (a layout join needs an
//! unfinished sentence, the blank line between is exactly one): the single
//! blank line between the windows passes through unchanged, and the
//! windows are cleaned as texts of their own. Offsets, lines and columns of
//! the edits are shifted to the whole file, so `changes.jsonl` and the diff
//! are exactly those of the file. Duplicates are decided window after
//! window against the one index of the run ([`stage::clean_doc`] on each
//! window: the core every document goes through), so
//! a paragraph repeated across windows of one file is removed as in a small
//! file.
//!
//! What differs from cleaning the file whole (tested in
//! `tests/huge.rs` and below):
//!
//! - the cleaned text is the same, but where every block of a window is
//!   removed, the separator next to it goes with that window's edit (or,
//!   after removed windows at the start of a file, as a
//!   `whitespace.blank-lines` edit of its own), and a removal at the end of
//!   a window takes the separator before it instead of after: the records
//!   split the removed text differently, and still rebuild the original;
//! - layout reads some file-wide signs (running headers seen three times,
//!   whether indentation marks paragraphs, the wrap width, one paragraph
//!   per line) per window; the paragraph convention of segmentation (one
//!   paragraph per line when there is no blank line) is read once from the
//!   whole original; after duplicates are removed, layout settles the
//!   window's text only (a removal at a window's end never brings the
//!   paragraphs on both sides of the cut together for a join);
//! - where no paragraph boundary comes within [`Settings::long_line`]
//!   (128 KiB by default; nothing else would bound the per-line passes,
//!   whose working set is tens of bytes per byte of a line) of
//!   the window size, the window ends after the last line break before
//!   that (inside a paragraph) or, in a line that long, after the first
//!   `。` between Han characters: the blocks cut in two are never removed
//!   as duplicates nor remembered, and the rules that read a whole line
//!   (script dominance, quote balance) read each piece;
//! - with `[dedup] scope = "passage"` (the default) a copied passage is a
//!   run of repeated paragraphs within one window (a run cut by a window
//!   boundary is two runs), and a block that repeats both an earlier
//!   window of the file and an earlier file goes as a repeat within the
//!   file only when the earlier window's copy is where it was kept first.
//!
//! The diff is written by [`diff::Streaming`] as the windows are done; it
//! equals what [`diff::unified`] makes of the same edits.
//!
//! `NEWSCLEAN_WINDOW=W[,L]` (bytes) sets the window and the long-line
//! limit, and makes every file bigger than 4·W windowed: a hidden setting
//! for the tests, which compare windowed and whole-file cleaning on real
//! text.

use std::io::{Seek, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use crate::config::Config;
use crate::edit::{Detail, Edit};
use crate::emit::{AtomicFile, Durability, Tree};
use crate::index::SeenIndex;
use crate::report::{change_records, diff, grapheme_count, html, ChangeRecord, FileReport, Status};
use crate::segment;
use crate::stage::{self, Doc, DocId, Piece};

/// Window sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Target window size in bytes (a window ends at the first cut after).
    pub(crate) window: usize,
    /// A window grows past `window` by at most this much to end at a
    /// paragraph boundary; beyond, it is cut inside a line.
    pub(crate) long_line: usize,
    /// Files bigger than this (bytes on disk) are cleaned in windows.
    pub(crate) threshold: u64,
    /// Most bytes of cleaned text one open diff hunk may hold before the
    /// file's diff is left out ([`DIFF_HUNK_CAP`] by default).
    pub(crate) diff_cap: usize,
}

impl Settings {
    /// Windows of `window` bytes, lines cut past `long_line`, for files
    /// over four windows, the diff never left out (what
    /// `NEWSCLEAN_WINDOW` sets, for tests).
    pub(crate) fn sized(window: usize, long_line: usize) -> Settings {
        Settings {
            window,
            long_line,
            threshold: 4 * window as u64,
            diff_cap: usize::MAX,
        }
    }

    /// The defaults, or `NEWSCLEAN_WINDOW=W[,L[,D]]` (bytes: window,
    /// long line, diff hunk cap).
    pub(crate) fn get() -> Settings {
        static S: std::sync::OnceLock<Settings> = std::sync::OnceLock::new();
        *S.get_or_init(|| {
            let default = Settings {
                window: 256 << 10,
                long_line: 128 << 10,
                threshold: 2 << 20,
                diff_cap: DIFF_HUNK_CAP,
            };
            let Ok(v) = std::env::var("NEWSCLEAN_WINDOW") else {
                return default;
            };
            let v: Vec<Option<usize>> = v.split(',').map(|x| x.trim().parse().ok()).collect();
            match v[..] {
                [Some(w)] if w > 0 => Settings::sized(w, 2 * w),
                [Some(w), Some(l)] if w > 0 && l > 0 => Settings::sized(w, l),
                [Some(w), Some(l), Some(d)] if w > 0 && l > 0 => Settings {
                    diff_cap: d,
                    ..Settings::sized(w, l)
                },
                _ => default,
            }
        })
    }

    /// Files bigger than this (bytes on disk) are cleaned in windows.
    pub(crate) fn threshold(&self) -> u64 {
        self.threshold
    }
}

/// Where the next window ends: `(end, sep, mid_line)`. The window is
/// `start..end`; the `sep` bytes after it (0, or 1 or 2 for the `\n` or
/// `\r\n` of the blank line between two paragraphs) belong to no window
/// and become one `\n`; `mid_line` when the cut is inside a line.
pub(crate) fn next_cut(
    text: &str,
    start: usize,
    s: &Settings,
    per_line: bool,
) -> (usize, usize, bool) {
    let b = text.as_bytes();
    let mut from = start.saturating_add(s.window);
    if from >= b.len() {
        return (b.len(), 0, false);
    }
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let mut limit = from.saturating_add(s.long_line).min(b.len());
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    // A paragraph boundary: `X\n\nY` (or `X\nY` with one paragraph per
    // line), X terminal punctuation (or `.` ending an English paragraph:
    // [`ends_period`]), Y the start of a non-blank line; or a heading
    // (`# …`, `### 12 TITLE`: [`markdown_heading`]) after a blank line, which starts a paragraph
    // whatever ends the one before (C-R3; the Reuters bodies end `REUTER`).
    let mut i = from.max(start + 1);
    while i < limit {
        let Some(k) = b[i..limit].iter().position(|&x| x == b'\n') else {
            break;
        };
        let nl = i + k;
        i = nl + 1;
        // The blank line between: `\n`, or `\r\n` in a CRLF file.
        let sep = if per_line {
            Some(0)
        } else if b.get(nl + 1) == Some(&b'\n') {
            Some(1)
        } else if b[nl + 1..].starts_with(b"\r\n") {
            Some(2)
        } else {
            None
        };
        let line_end = if nl > start && b[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        if let Some(sep) = sep {
            let x = &text[start..line_end];
            let y = nl + 1 + sep;
            if line_starts_text(text, y)
                && (ends_sentence(x)
                    || (ends_period(x, &text[y..]) && (sep > 0 || indented(text, y)))
                    || (sep > 0 && markdown_heading(&text[y..])))
                && !echo_like(text, start, line_end, nl + 1 + sep)
            {
                return (nl + 1, sep, false);
            }
        }
    }
    let has_nl = |r: std::ops::Range<usize>| b[r].contains(&b'\n');
    if limit == b.len() && (b.len() - start <= 2 * s.window || has_nl(start..b.len() - 1)) {
        // The rest is one window.
        return (b.len(), 0, false);
    }
    if limit < b.len() && has_nl(from..limit) {
        // Lines, but no paragraph ends within reach: cut after the last
        // line break (inside a paragraph).
        let k = b[from..limit]
            .iter()
            .rposition(|&x| x == b'\n')
            .expect("a line break");
        return (from + k + 1, 0, true);
    }
    // No boundary within reach: a line too long to hold. Cut after the
    // first full stop between Han characters (`。`, which no rule changes
    // there) from the window size on, so pieces stay near it.
    let lo = from.max(start + 6);
    let stop = "。".as_bytes();
    for j in lo..limit.saturating_sub(2) {
        if segment::uro_at(b, j) && b[j - 3..j] == *stop && segment::uro_at(b, j - 6) {
            return (j, 0, true);
        }
    }
    // None either (not Chinese prose): between two Han characters.
    for j in lo.max(start + 3)..limit.saturating_sub(2) {
        if text.is_char_boundary(j) && segment::uro_at(b, j) && segment::uro_at(b, j - 3) {
            return (j, 0, true);
        }
    }
    (b.len(), 0, false)
}

/// Does `s` end with sentence-final punctuation (closing quotes and
/// brackets allowed after it)?
fn ends_sentence(s: &str) -> bool {
    let t = s.trim_end_matches(['”', '’', '」', '』', '）', ')', '"']);
    t.ends_with(['。', '！', '？', '；', '!', '?', ';'])
}

/// Could the line after the break at `nl` be an echo fragment of the line
/// before it (B-E: one repeats a prefix or suffix of the other)? Layout
/// removes echoes by comparing neighbours, so no window ends between them.
/// Compared on fingerprint keys (letters, digits and Han only), which
/// finds more pairs than the layout rule: a cut is only moved further.
fn echo_like(text: &str, start: usize, nl: usize, b_start: usize) -> bool {
    let a_start = text[start..nl].rfind('\n').map_or(start, |k| start + k + 1);
    let b_start = b_start.min(text.len());
    let b_end = text[b_start..]
        .find('\n')
        .map_or(text.len(), |k| b_start + k);
    let (mut ka, mut kb) = (String::new(), String::new());
    segment::fingerprint(&text[a_start..nl], &mut ka);
    segment::fingerprint(&text[b_start..b_end], &mut kb);
    let (short, long) = if ka.len() <= kb.len() {
        (&ka, &kb)
    } else {
        (&kb, &ka)
    };
    short.chars().nth(5).is_some()
        && (long.starts_with(short.as_str()) || long.ends_with(short.as_str()))
}

/// Does `x` end a sentence with `.` before `y` (a line's text, indent
/// allowed), as English paragraphs end: an ASCII letter, digit or mark
/// before the `.`, and `y` going on in ASCII but neither with a number's
/// decimals (`3.⏎14`) nor in lower case (`Corp.⏎said`)? Not Chinese
/// text: `U.S.⏎⏎总统` may be a sentence broken at a page break, which
/// layout joins across the blank line. Only a paragraph
/// boundary, a blank line or an indented line, makes it a cut: in
/// English text hard-wrapped with indented paragraphs (Reuters) or
/// reflowed into paragraphs between blank lines (its cleaned copy), the
/// reflow never joins there; a line that ends in `.` before an unindented
/// line may go on (a sentence inside a wrapped paragraph). Without it an
/// English file had no cut but the long-line fallback inside a paragraph,
/// whose place moves as the cleaned text is shorter: a second run joined
/// there what the first had left apart.
fn ends_period(x: &str, y: &str) -> bool {
    let t = x.trim_end_matches(['"', '\'', ')']);
    let before = t.strip_suffix('.').and_then(|t| t.chars().next_back());
    let next = y.trim_start().chars().next();
    before.is_some_and(|c| c.is_ascii() && !c.is_ascii_whitespace())
        && next
            .is_some_and(|c| c.is_ascii_graphic() && !c.is_ascii_digit() && !c.is_ascii_lowercase())
}

/// Does `y` start with a heading (`# …`, `### 12 TITLE`: one or more `#`,
/// then a space)? Not a tag (`#话题#`), which may go on a sentence.
fn markdown_heading(y: &str) -> bool {
    let rest = y.trim_start_matches('#');
    rest.len() < y.len() && rest.starts_with(' ')
}

/// Does the line at `i` start with an indent (spaces, a tab, U+3000)
/// before its text?
fn indented(text: &str, i: usize) -> bool {
    let rest = &text[i.min(text.len())..];
    let t = rest.trim_start_matches([' ', '\t', '\u{3000}']);
    t.len() < rest.len() && t.starts_with(|c: char| !c.is_whitespace())
}

/// Does a non-blank line start at `i` (some character other than
/// whitespace before its end)?
fn line_starts_text(text: &str, i: usize) -> bool {
    let rest = &text[i.min(text.len())..];
    let line = rest.split('\n').next().unwrap_or("");
    !line.trim().is_empty()
}

/// Where the windowed cleaning of one file writes: every file through an
/// [`emit::Tree`](crate::emit::Tree), as the whole-file path does.
pub(crate) struct Sinks<'a> {
    /// Output folder (the cleaned copy, at `out_rel`), if any.
    pub(crate) out: Option<&'a Tree>,
    /// The output path of the file (byte-exact, plain names).
    pub(crate) out_rel: &'a Path,
    /// Report folder (diff, page; spilled records beside it), if any.
    pub(crate) report: Option<&'a Tree>,
    /// Serialize the change records (spilled to an unnamed temp file).
    pub(crate) records: bool,
}

/// What the embedding program does before each huge file (see
/// [`set_huge_file_hook`]).
static HUGE_FILE_HOOK: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Have `hook()` called before each huge file is read and cleaned in
/// windows. The binary uses it to have mimalloc return freed memory at
/// once from then on, for the rest of the run: the window buffers come
/// and go faster than mimalloc's delay (`src/main.rs`). Set once per
/// process; a later call is ignored.
pub fn set_huge_file_hook(hook: fn()) {
    let _ = HUGE_FILE_HOOK.set(hook);
}

/// Call the huge-file hook, if one is set.
pub(crate) fn huge_file_ahead() {
    if let Some(hook) = HUGE_FILE_HOOK.get() {
        hook();
    }
}

/// One huge file to clean in windows.
#[derive(Clone, Copy)]
pub(crate) struct Job<'a> {
    /// Its decoded text.
    pub(crate) original: &'a str,
    /// The decoder's `decode.replacement` flags, in order.
    pub(crate) flags: &'a [Edit],
    /// Its order key.
    pub(crate) file: u32,
    /// Its shown name.
    pub(crate) rel: &'a str,
    /// Rules and thresholds.
    pub(crate) cfg: &'a Config,
    /// The shown name of a document of this run (a kept copy's), by order key.
    pub(crate) kept_path: &'a (dyn Fn(u32) -> String + Sync),
    /// Window sizes.
    pub(crate) settings: &'a Settings,
}

/// One window of a huge file: `original[pos..end]`, then `sep` bytes of
/// separator that belong to no window; `mid` when it ends inside a line.
#[derive(Clone, Debug)]
struct Window {
    pos: usize,
    end: usize,
    sep: usize,
    mid: bool,
    /// The window before ended inside a line (this one starts inside it).
    starts_mid: bool,
    /// Lines of the original before `pos`, and (when `pos` is inside a
    /// line) grapheme clusters between the line start and `pos`.
    line_base: usize,
    col_base: usize,
    /// One paragraph per line (the file has no blank line).
    per_line: bool,
    /// The decoder's flags in this window, in its coordinates.
    flags: Vec<Edit>,
}

impl Window {
    /// The window as a document of its own, for the per-document core.
    fn into_doc<'t>(self, original: &'t str, rel: &str, file: u32) -> Doc<'t> {
        let mut doc = Doc::new(DocId::tree(rel), file, &original[self.pos..self.end]);
        doc.flags = self.flags;
        doc.piece = Piece {
            per_line: Some(self.per_line),
            cut_start: self.starts_mid,
            cut_end: self.mid,
            line_base: self.line_base as u32,
        };
        doc
    }
}

/// The windows of a huge file, in order (where each ends: [`next_cut`]).
struct Windows<'t> {
    original: &'t str,
    flags: std::iter::Peekable<std::slice::Iter<'t, Edit>>,
    s: Settings,
    per_line: bool,
    pos: usize,
    line_base: usize,
    col_base: usize,
    lines: stage::LineCursor,
    starts_mid: bool,
}

impl<'t> Windows<'t> {
    fn new(original: &'t str, flags: &'t [Edit], s: &Settings) -> Windows<'t> {
        Windows {
            original,
            flags: flags.iter().peekable(),
            s: *s,
            per_line: !segment::has_blank_line(original),
            pos: 0,
            line_base: 0,
            col_base: 0,
            lines: stage::LineCursor::default(),
            starts_mid: false,
        }
    }
}

impl Iterator for Windows<'_> {
    type Item = Window;

    fn next(&mut self) -> Option<Window> {
        let (original, pos) = (self.original, self.pos);
        if pos >= original.len() {
            return None;
        }
        let (end, sep, mid) = next_cut(original, pos, &self.s, self.per_line);
        let mut flags = Vec::new();
        while let Some(f) = self.flags.next_if(|f| f.start < end + sep) {
            let mut f = f.clone();
            let at = f.start.clamp(pos, end) - pos;
            f.start = at;
            f.end = at;
            flags.push(f);
        }
        let w = Window {
            pos,
            end,
            sep,
            mid,
            starts_mid: self.starts_mid,
            line_base: self.line_base,
            col_base: self.col_base,
            per_line: self.per_line,
            flags,
        };
        // Advance the line and column bases.
        self.line_base = self.lines.seek(original, end + sep) - 1;
        if mid {
            // A line break in this window: count from the line start.
            self.col_base = if self.lines.line_start() > pos {
                grapheme_count(&original[self.lines.line_start()..end])
            } else {
                self.col_base + grapheme_count(&original[pos..end])
            };
        } else {
            self.col_base = 0;
        }
        self.starts_mid = mid;
        self.pos = end + sep;
        Some(w)
    }
}

/// The fingerprints of each window of `original` (decoded, with the
/// decoder's `flags`; document `file`, shown as `rel`), in order, as
/// [`clean`] makes them before deciding: a staged run's `fingerprint`
/// lists the candidates of a huge file from them.
pub(crate) fn window_prints(
    original: &str,
    flags: &[Edit],
    file: u32,
    rel: &str,
    cfg: &Config,
    f: &mut dyn FnMut(&stage::DocPrints),
) {
    for w in Windows::new(original, flags, &Settings::get()) {
        let doc = w.into_doc(original, rel, file);
        f(&stage::fingerprint(&doc, cfg));
    }
}

/// Clean `job.original` window by window, each window through the
/// per-document core ([`stage::clean_doc`]), deciding duplicates against
/// `index`. Report files go where `sinks` says. A panic inside a rule is
/// returned as an error message (the index may then hold keys of the
/// windows before it: their text is in the file, copied through).
pub(crate) fn clean(
    job: &Job<'_>,
    index: &mut dyn SeenIndex,
    sinks: &Sinks<'_>,
) -> Result<(Copied, Stats, Option<std::fs::File>), String> {
    let (original, rel) = (job.original, job.rel);
    let mut state = State::new(original, rel, sinks)?;
    let run = catch_unwind(AssertUnwindSafe(|| state.run(job, index)));
    match run {
        Ok(Ok(())) => state.finish(original, rel),
        Ok(Err(e)) => Err(e),
        Err(p) => Err(format!(
            "internal error in a rule: {}",
            crate::pipeline::panic_message(&p)
        )),
    }
}

/// The cleaned copy of a windowed file, written window by window: `None`
/// without an output folder, else its size once committed or why it could
/// not be written.
pub(crate) type Copied = Option<Result<u64, String>>;

/// Counts of a windowed file, for its report row.
#[derive(Debug, Default, Clone)]
pub(crate) struct Stats {
    /// Edits, flags, duplicates and edits per rule, over all windows.
    pub(crate) tally: stage::Tally,
    /// Blocks seen.
    pub(crate) blocks: usize,
    /// A diff or review page that could not be written: the file is then
    /// `failed` with this reason, its cleaned copy still written (as in
    /// `emit_file`).
    pub(crate) report_error: Option<String>,
    /// The removed duplicates on the review page, for the kept-copy pages.
    pub(crate) removed: Vec<(usize, crate::report::KeptCopy)>,
    /// The diff spilled for `changes.diff` (see `report::DiffSink`).
    pub(crate) diff_spill: Option<std::sync::Arc<std::fs::File>>,
    /// The change records could not be spilled: `changes.jsonl` is
    /// incomplete, a report error of the run (cleaning goes on).
    pub(crate) records_error: Option<String>,
    /// The diff was left out on purpose ([`DIFF_HUNK_CAP`]): why, for the
    /// row's `reason` (the file is not failed).
    pub(crate) diff_note: Option<String>,
}

/// Most bytes of cleaned text one open diff hunk may hold. A hunk is at
/// least one whole line and goes on while edits come within a few lines
/// of each other, so a file that is one 50 MB line, or a densely edited
/// dump (an NBSP in every paragraph), would make the diff hold its whole
/// cleaned text (and peak memory pass 3× the file); such a file gets no
/// diff, and its row says so. `changes.jsonl` has
/// every change, and the cleaned copy is written as usual.
pub(crate) const DIFF_HUNK_CAP: usize = 8 << 20;

struct State<'a> {
    /// The cleaned copy, written as the windows are done (`None` once it
    /// failed: `copy_error`), and its size so far.
    copy: Option<std::io::BufWriter<AtomicFile<'a>>>,
    copy_error: Option<String>,
    bytes_out: u64,
    /// The cleaned text from byte `tail_base` on, as much as the streamed
    /// diff can still read (kept only for a diff).
    tail: String,
    tail_base: usize,
    stats: Stats,
    records: Option<std::io::BufWriter<std::fs::File>>,
    diff: Option<(
        std::io::BufWriter<crate::report::DiffSink<'a>>,
        diff::Streaming,
    )>,
    page: Vec<ChangeRecord>,
    page_cut: usize,
    page_done: bool,
    sinks: &'a Sinks<'a>,
}

impl<'a> State<'a> {
    fn new(original: &str, rel: &str, sinks: &'a Sinks<'a>) -> Result<Self, String> {
        // Records are spilled to a file without a name (nothing to leave
        // behind on SIGINT or SIGKILL), in the report folder.
        // A report file that cannot be written does not stop the cleaning
        // (see `pipeline.rs`): the error is kept for the row or the run.
        let mut stats = Stats::default();
        let records = match (sinks.records, sinks.report) {
            (true, Some(d)) => match tempfile::tempfile_in(d.path()) {
                Ok(f) => Some(std::io::BufWriter::new(f)),
                Err(e) => {
                    stats.records_error = Some(format!("cannot spill records: {e}"));
                    None
                }
            },
            _ => None,
        };
        // The diff is streamed into an atomic file of the report tree,
        // named `diffs/<rel>.diff` when complete (dropped if unchanged).
        let diff = match sinks.report {
            Some(d) => match crate::report::DiffSink::open(d, rel) {
                Ok(t) => Some((
                    std::io::BufWriter::new(t),
                    diff::Streaming::new(rel, original),
                )),
                Err(e) => {
                    stats.report_error = Some(format!("cannot write diff: {e}"));
                    None
                }
            },
            None => None,
        };
        // The cleaned copy goes to an atomic file of the output tree,
        // named when complete (dropped, and so gone, on a failure).
        let (mut copy, mut copy_error) = (None, None);
        if let Some(o) = sinks.out {
            match o.create(sinks.out_rel) {
                Ok(f) => copy = Some(std::io::BufWriter::with_capacity(1 << 16, f)),
                Err(e) => copy_error = Some(format!("cannot write cleaned copy: {e}")),
            }
        }
        Ok(State {
            copy,
            copy_error,
            bytes_out: 0,
            tail: String::new(),
            tail_base: 0,
            stats,
            records,
            diff,
            page: Vec::new(),
            page_cut: html::page_cut(original),
            page_done: false,
            sinks,
        })
    }

    fn run(&mut self, job: &Job<'_>, index: &mut dyn SeenIndex) -> Result<(), String> {
        let Job {
            original,
            flags,
            file,
            rel,
            cfg,
            kept_path,
            settings: s,
        } = *job;
        // The separator after the last window, not yet written.
        let mut pending_sep: Option<usize> = None;
        let mut any_output = false;
        for w in Windows::new(original, flags, s) {
            let Window {
                pos,
                end,
                sep,
                line_base,
                col_base,
                ..
            } = w;
            let doc = w.into_doc(original, rel, file);
            let (cleaned, _) = stage::clean_doc(&doc, index, cfg, kept_path);
            drop(doc);
            self.stats.blocks += cleaned.blocks;
            let stage::Cleaned {
                text, mut edits, ..
            } = cleaned;
            for e in &mut edits {
                if let Some(Detail::EchoOf { line }) = &mut e.detail {
                    *line += line_base;
                }
            }
            // The separator before this window: written when text follows
            // text; else it goes with an edit (see the module doc).
            let mut ext = pos;
            if let Some(p) = pending_sep.take() {
                let n = pos - p;
                if text.is_empty() || !any_output {
                    shift(&mut edits, n);
                    ext = p;
                    if text.is_empty()
                        && edits.first().is_some_and(|e| !e.is_flag() && e.start == n)
                    {
                        // The removal of the whole window takes it.
                        edits[0].start = 0;
                    } else {
                        edits.insert(0, Edit::new(0, n, "", "whitespace.blank-lines"));
                    }
                } else {
                    self.emit("\n");
                    if n > 1 {
                        // `\r\n`: the line ending becomes `\n`, as in the
                        // windows.
                        shift(&mut edits, n);
                        edits.insert(0, Edit::new(0, n, "\n", "whitespace.line-ending"));
                        ext = p;
                    }
                }
            }
            let (ext_lines, ext_col) = if ext < pos {
                (line_base - 1, 0)
            } else {
                (line_base, col_base)
            };
            self.window_done(original, rel, ext, end, &edits, ext_lines, ext_col)?;
            self.emit(&text);
            let any_text = !text.is_empty();
            drop(text);
            if let Some((w, d)) = self.diff.as_mut() {
                let (tail, base) = (&self.tail, self.tail_base);
                let pushed = edits.iter().try_for_each(|e| {
                    let mut g = e.clone();
                    g.start += ext;
                    g.end += ext;
                    d.push(w, original, tail, base, &g)
                });
                // Later windows' edits start at `end` or after: the
                // cleaned text no hunk can read any more goes.
                d.no_edit_before(original, end);
                let keep = d.needed_from();
                self.tail.drain(..keep - self.tail_base);
                self.tail_base = keep;
                if pushed.is_ok() && self.tail.len() > s.diff_cap {
                    // Dropped uncommitted: no partial diff is left.
                    self.diff = None;
                    self.tail = String::new();
                    self.stats.diff_note = Some(format!(
                        "no diff: one hunk would hold more than {} bytes of text (edits too dense \
                         or lines too long to close it); changes.jsonl has every change",
                        s.diff_cap
                    ));
                } else if let Err(e) = pushed {
                    // Dropped uncommitted: no half diff is left.
                    self.diff = None;
                    self.stats
                        .report_error
                        .get_or_insert(format!("cannot write diff: {e}"));
                }
            }
            any_output |= any_text;
            if sep > 0 {
                pending_sep = Some(end);
            }
        }
        Ok(())
    }

    /// Append `text` to the cleaned copy (and to the diff's tail).
    fn emit(&mut self, text: &str) {
        if let Some(w) = self.copy.as_mut() {
            if let Err(e) = w.write_all(text.as_bytes()) {
                self.copy = None;
                self.copy_error = Some(format!("cannot write cleaned copy: {e}"));
            }
        }
        self.bytes_out += text.len() as u64;
        if self.diff.is_some() {
            self.tail.push_str(text);
        }
    }

    /// Records, diff and page data of one window: `edits` in coordinates
    /// of `original[ext..end]`, which starts `lines` lines and `col`
    /// clusters into the file.
    #[allow(clippy::too_many_arguments)]
    fn window_done(
        &mut self,
        original: &str,
        rel: &str,
        ext: usize,
        end: usize,
        edits: &[Edit],
        lines: usize,
        col: usize,
    ) -> Result<(), String> {
        let piece = &original[ext..end];
        self.stats.tally.add(edits);
        if edits.is_empty() {
            return Ok(());
        }
        let mut recs = change_records(rel, piece, edits);
        for r in &mut recs {
            if r.line == 1 {
                r.column += col;
            }
            r.line += lines;
            r.start += ext;
            r.end += ext;
        }
        if let Some(w) = self.records.as_mut() {
            let spilled = recs.iter().try_for_each(|r| {
                serde_json::to_writer(&mut *w, r)?;
                w.write_all(b"\n").map_err(serde_json::Error::io)
            });
            if let Err(e) = spilled {
                self.records = None;
                self.stats
                    .records_error
                    .get_or_insert(format!("cannot spill records: {e}"));
            }
        }
        if self.sinks.report.is_some() && ext < self.page_cut {
            self.page
                .extend(recs.into_iter().filter(|r| r.end <= self.page_cut));
        }
        // The page is written as soon as its text is done (while the
        // cleaned copy is still small), if it has changes to show.
        if let (Some(rd), false) = (self.sinks.report, self.page_done) {
            if end >= self.page_cut && self.stats.tally.edits > 0 {
                self.stats.removed = crate::report::removed_in(&self.page);
                if let Err(e) = html::write_file_page_part(rd, rel, original, &self.page) {
                    self.stats
                        .report_error
                        .get_or_insert(format!("cannot write review page: {e}"));
                }
                self.page_done = true;
                self.page = Vec::new();
            }
        }
        Ok(())
    }

    fn finish(
        self,
        original: &str,
        rel: &str,
    ) -> Result<(Copied, Stats, Option<std::fs::File>), String> {
        let State {
            copy,
            copy_error,
            bytes_out,
            tail,
            tail_base,
            mut stats,
            records,
            diff,
            page,
            page_done,
            sinks,
            ..
        } = self;
        // An unchanged file has no diff: its atomic file is dropped
        // uncommitted and vanishes.
        if let Some((mut w, d)) = diff {
            if stats.tally.edits > 0 {
                let written = d
                    .finish(&mut w, original, &tail, tail_base)
                    .and_then(|()| w.into_inner().map_err(|e| e.into_error()))
                    .and_then(|t| t.finish());
                if let Ok(spill) = written.as_ref() {
                    stats.diff_spill = spill.clone();
                }
                if let Err(e) = written {
                    stats
                        .report_error
                        .get_or_insert(format!("cannot write diff: {e}"));
                }
            }
        }
        if let (Some(rd), true, false) = (sinks.report, stats.tally.edits > 0, page_done) {
            stats.removed = crate::report::removed_in(&page);
            if let Err(e) = html::write_file_page_part(rd, rel, original, &page) {
                stats
                    .report_error
                    .get_or_insert(format!("cannot write review page: {e}"));
            }
        }
        let records = match records.map(|w| {
            let mut f = w.into_inner().map_err(|e| e.into_error())?;
            f.rewind()?;
            Ok::<_, std::io::Error>(f)
        }) {
            Some(Ok(f)) => Some(f),
            Some(Err(e)) => {
                stats
                    .records_error
                    .get_or_insert(format!("cannot spill records: {e}"));
                None
            }
            None => None,
        };
        drop(tail);
        let copied = match (copy, copy_error) {
            (_, Some(e)) => Some(Err(e)),
            (Some(w), None) => Some(
                w.into_inner()
                    .map_err(|e| e.into_error())
                    .and_then(|f| f.commit(Durability::Deferred))
                    .map(|()| bytes_out)
                    .map_err(|e| format!("cannot write cleaned copy: {e}")),
            ),
            (None, None) => None,
        };
        Ok((copied, stats, records))
    }
}

/// Shift edits right by `n` bytes (into coordinates of a piece that starts
/// `n` bytes earlier).
fn shift(edits: &mut [Edit], n: usize) {
    for e in edits {
        e.start += n;
        e.end += n;
    }
}

/// Clean `text` as a one-file corpus in windows (the windowed counterpart
/// of [`crate::pipeline::clean_str`]), returning the cleaned text and the
/// `changes.jsonl` lines. For tests.
#[cfg(test)]
fn clean_str_windowed(text: &str, cfg: &Config, s: &Settings) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().expect("temp folder");
    let report = Tree::open(dir.path()).expect("report tree");
    let out_dir = tempfile::tempdir().expect("temp folder");
    let out = Tree::open(out_dir.path()).expect("output tree");
    let sinks = Sinks {
        out: Some(&out),
        out_rel: Path::new("t.txt"),
        report: Some(&report),
        records: true,
    };
    let job = Job {
        original: text,
        flags: &[],
        file: 0,
        rel: "t.txt",
        cfg,
        kept_path: &|_| "t.txt".to_string(),
        settings: s,
    };
    let (copied, _, records) =
        clean(&job, &mut crate::index::memory::MemoryIndex::new(), &sinks).expect("clean");
    let mut jsonl = String::new();
    if let Some(mut f) = records {
        use std::io::Read;
        f.read_to_string(&mut jsonl).expect("records");
    }
    copied.expect("an output folder").expect("cleaned copy");
    let cleaned = std::fs::read_to_string(out_dir.path().join("t.txt")).expect("cleaned copy");
    (cleaned, jsonl.lines().map(str::to_string).collect())
}

/// Write the cleaned copy of a windowed file (through `sinks.out`, at
/// `sinks.out_rel`, as `emit_file` does) and build its report row (`rel`
/// the shown name).
pub(crate) fn report_row(
    rel: &str,
    encoding: String,
    bytes_in: u64,
    result: Result<(Copied, Stats, Option<std::fs::File>), String>,
    original: &str,
    sinks: &Sinks<'_>,
) -> (FileReport, Result<Option<std::fs::File>, String>) {
    let mut row = FileReport::new(rel.to_string());
    row.encoding = Some(encoding);
    row.bytes_in = bytes_in;
    let (copied, stats, records) = match result {
        Ok(x) => x,
        Err(reason) => {
            let write = |b: &[u8]| {
                let t = sinks.out.expect("called with an output");
                t.write(sinks.out_rel, b, crate::emit::Durability::Deferred)
            };
            crate::sink::fail_row(
                &mut row,
                &reason,
                Some(original.as_bytes()),
                crate::sink::Fallback::Decoded,
                sinks.out.map(|_| &write as crate::sink::WriteOut<'_>),
            );
            return (row, Ok(None));
        }
    };
    row.edits = stats.tally.edits;
    row.flags = stats.tally.flags;
    row.diff_spill = stats.diff_spill.clone();
    row.removed = stats.removed.clone();
    row.blocks = stats.blocks;
    row.duplicates_removed = stats.tally.duplicates_removed;
    row.reason = stats.tally.replacement_reason(row.encoding.as_deref());
    row.rules = stats.tally.rules.into_iter().collect();
    if row.edits > 0 {
        row.status = Status::Cleaned;
        if row.reason.is_none() {
            row.reason = stats.diff_note;
        }
    }
    match copied {
        Some(Ok(n)) => row.bytes_out = n,
        Some(Err(reason)) => {
            row.status = Status::Failed;
            row.reason = Some(reason);
        }
        None => {}
    }
    if let (Some(reason), Status::Cleaned) = (stats.report_error, row.status) {
        row.status = Status::Failed;
        row.reason = Some(reason);
    }
    let records = match stats.records_error {
        Some(e) => Err(e),
        None => Ok(records),
    };
    (row, records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{apply, invert};
    use crate::pipeline::clean_str;

    /// The fixture corpus files, as (path, text).
    fn fixture_texts() -> Vec<(String, String)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus");
        let mut out = Vec::new();
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.unwrap();
            if e.path().extension().is_some_and(|x| x == "txt") {
                if let Ok(t) = std::fs::read_to_string(e.path()) {
                    out.push((e.path().display().to_string(), t));
                }
            }
        }
        assert!(out.len() > 10, "fixture corpus missing");
        out
    }

    /// Apply the records to `original` and invert them on `cleaned`.
    fn check_rebuild(name: &str, original: &str, cleaned: &str, records: &[String]) {
        let recs: Vec<serde_json::Value> = records
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let mut edits = Vec::new();
        let mut tuples = Vec::new();
        for r in &recs {
            let (s, e) = (
                r["start"].as_u64().unwrap() as usize,
                r["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(
                &original[s..e],
                r["before"].as_str().unwrap(),
                "{name}: {r}"
            );
            // Line and column point at the record's place in the file.
            // (a removal that starts with the separator before its block
            // is located at the block, as in `change_records`).
            let line = r["line"].as_u64().unwrap() as usize;
            let before = r["before"].as_str().unwrap();
            let lead = before.bytes().take_while(|&b| b == b'\n').count();
            let removal = r["after"].as_str().unwrap().is_empty();
            let skip = if removal && lead < before.len() {
                lead
            } else {
                0
            };
            let want_line = 1 + original[..s].matches('\n').count() + skip;
            assert_eq!(line, want_line, "{name}: line of {r}");
            edits.push(Edit::new(s, e, r["after"].as_str().unwrap(), "t"));
            tuples.push((
                s,
                e,
                r["before"].as_str().unwrap(),
                r["after"].as_str().unwrap(),
            ));
        }
        assert_eq!(
            apply(original, &edits),
            cleaned,
            "{name}: records do not give the cleaned text"
        );
        assert_eq!(
            invert(cleaned, &tuples),
            original,
            "{name}: records do not rebuild the original"
        );
    }

    /// Every fixture file alone, and all of them as one file (a dump with
    /// articles repeated across it), cleaned in windows of a few hundred
    /// bytes, give the same text as cleaned whole, and their records
    /// rebuild both ways.
    #[test]
    fn windowed_cleaning_equals_whole_file_on_fixture_text() {
        let cfg = Config::default();
        let texts = fixture_texts();
        let mut dump = String::new();
        for (_, t) in &texts {
            dump.push_str(t.trim_end_matches('\n'));
            dump.push_str("\n\n");
        }
        let mut cases = texts.clone();
        cases.push(("dump, CRLF".into(), dump.replace('\n', "\r\n")));
        cases.push(("dump".into(), dump));
        for window in [64, 200, 1000] {
            let s = Settings::sized(window, 1 << 20);
            for (name, t) in &cases {
                let whole = clean_str(t, &cfg);
                let (windowed, records) = clean_str_windowed(t, &cfg, &s);
                assert!(
                    windowed == whole,
                    "{name}, window {window}: windowed output differs\n{}",
                    similar::TextDiff::from_lines(&whole, &windowed).unified_diff()
                );
                check_rebuild(name, t, &windowed, &records);
            }
        }
    }

    /// The dump really is cut in many windows, each at a paragraph
    /// boundary after a sentence end, none inside a line.
    #[test]
    fn windows_end_at_paragraph_boundaries() {
        let texts = fixture_texts();
        let (_, t) = texts.iter().find(|(p, _)| p.contains("xwlb")).unwrap();
        let s = Settings::sized(200, 1 << 20);
        let crlf = t.replace('\n', "\r\n");
        let (mut pos, mut n) = (0, 0);
        while pos < crlf.len() {
            let (end, sep, mid) = next_cut(&crlf, pos, &s, false);
            assert!(
                !mid && (end == crlf.len()
                    || (sep == 2
                        && crlf[..end].ends_with("\r\n")
                        && ends_sentence(&crlf[..end - 2])))
            );
            pos = end + sep;
            n += 1;
        }
        assert!(n > 10, "{n} CRLF windows");
        let (mut pos, mut n) = (0, 0);
        while pos < t.len() {
            let (end, sep, mid) = next_cut(t, pos, &s, false);
            assert!(!mid);
            if end < t.len() {
                assert_eq!(sep, 1);
                assert!(
                    t[..end].ends_with('\n') && ends_sentence(&t[..end - 1]),
                    "{:?}",
                    &t[pos..end]
                );
                assert_eq!(&t[end..end + 1], "\n");
                assert!(!t[end + 1..].starts_with('\n'));
            }
            pos = end + sep;
            n += 1;
        }
        assert!(n > 10, "{n} windows");
    }

    /// The lines of the sogouc `C000008` fixture articles, trimmed and run
    /// together: one real line far longer than a tiny long-line limit.
    fn long_fixture_line() -> String {
        fixture_texts()
            .iter()
            .filter(|(p, _)| p.contains("sogouc/C000008"))
            .flat_map(|(_, t)| t.lines().map(|l| l.trim().to_string()))
            .collect()
    }

    /// A line longer than the long-line limit is cut after a `。` between
    /// Han characters. The text comes out as cleaned whole (this one has no
    /// repeated sentence), the records rebuild it, and columns count from
    /// the line start.
    #[test]
    fn a_line_too_long_is_cut_after_a_full_stop() {
        let cfg = Config::default();
        let line = long_fixture_line();
        let t = format!("{line}\n");
        let s = Settings::sized(300, 300);
        let (end, sep, mid) = next_cut(&t, 0, &s, true);
        assert!(mid && sep == 0 && end < t.len());
        assert!(t[..end].ends_with('。'));
        let (windowed, records) = clean_str_windowed(&t, &cfg, &s);
        assert_eq!(windowed, clean_str(&t, &cfg));
        check_rebuild("one line", &t, &windowed, &records);
        for r in &records {
            let r: serde_json::Value = serde_json::from_str(r).unwrap();
            let start = r["start"].as_u64().unwrap() as usize;
            assert_eq!(
                r["column"].as_u64().unwrap() as usize,
                t[..start].chars().count() + 1,
                "{r}"
            );
        }
    }

    /// The pieces of a cut line are never removed: a long line repeated is
    /// kept (cleaned whole, the second copy goes). The documented
    /// difference.
    #[test]
    fn pieces_of_a_cut_line_are_never_removed() {
        let cfg = Config::default();
        let line = long_fixture_line();
        let t = format!("{line}\n{line}\n");
        let s = Settings::sized(300, 300);
        assert_eq!(clean_str(&t, &cfg).len(), line.len() + 1);
        let (windowed, records) = clean_str_windowed(&t, &cfg, &s);
        assert_eq!(windowed.lines().count(), 2);
        assert!(records.iter().all(|r| !r.contains("\"dedup.")));
    }

    /// English paragraph ends and headings are cuts; Chinese text that a
    /// page break may have cut (`U.S.⏎⏎总统`), decimals, a lower-case
    /// continuation and a tag are not.
    #[test]
    fn english_cuts_are_english() {
        assert!(ends_period("in 1987.", "The company said"));
        assert!(ends_period("REUTER...", "### 12 TITLE"));
        assert!(!ends_period("美国U.S.", "总统表示"));
        assert!(!ends_period("rose 3.", "14 pct"));
        assert!(!ends_period("Smith Corp.", "said it"));
        assert!(markdown_heading("### 389 SENIOR ENGINEERING"));
        assert!(markdown_heading("# Title"));
        assert!(!markdown_heading("#话题#讨论"));
        assert!(!markdown_heading("#1 pick"));
    }
}
