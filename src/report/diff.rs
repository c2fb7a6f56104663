//! Unified diffs built directly from the edits.
//!
//! The edits already say exactly what changed, so no diff algorithm runs
//! (and no deadline is needed for scraped pages with thousands of repeated
//! lines): the lines an edit touches (from the line of its start to the
//! line of its end, so that a removed line break takes the line it joins)
//! form a *run*; runs that share a line are one. Lines that a run leaves as
//! they were at its start or end are trimmed off it, so every `-`/`+` line
//! is a real change. Changes less than 2 × [`CONTEXT`] lines apart share a
//! hunk, and every hunk has [`CONTEXT`] lines of context on each side (fewer
//! only at the start or end of the file), as `git diff` writes: GNU `patch`
//! applies such hunks without fuzz (it reads unequal context as a hunk
//! anchored at the start or end of the file).
//!
//! Headers name the plain relative path ([`header`]: quoted as git quotes
//! names, with a tab after a name that holds a space), so `patch -p0` and
//! `git apply -p0` accept the diff when run in a copy of the input tree
//! (on the decoded, UTF-8 text). Diffs of several files concatenated are
//! one multi-file patch (`changes.diff`).

use crate::edit::Edit;
use crate::stage::{count_lines, LineCursor};

/// Lines of context on each side of a change.
pub const CONTEXT: usize = 3;

/// The `---`/`+++` lines of a diff of `path` (both sides the same name):
/// a name with `"`, `\`, a control character or a byte above ASCII is
/// quoted and escaped as git does (`"a\"b"`, octal `\303\244` for UTF-8
/// bytes); a name with a space gets a tab after it, which tells GNU patch
/// where the name ends (git does the same).
pub fn header(path: &str) -> String {
    let name = quote_name(path);
    let tab = if path.contains(' ') { "\t" } else { "" };
    format!("--- {name}{tab}\n+++ {name}{tab}\n")
}

/// `path` as git writes it in a diff header (`quote_c_style`).
pub fn quote_name(path: &str) -> String {
    let needs = path
        .bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == b'"' || b == b'\\' || b >= 0x80);
    if !needs {
        return path.to_string();
    }
    let mut out = String::with_capacity(path.len() + 8);
    out.push('"');
    for b in path.bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b if !(0x20..0x7f).contains(&b) => out.push_str(&format!("\\{b:03o}")),
            b => out.push(b as char),
        }
    }
    out.push('"');
    out
}

/// Unified diff of `original` → `original` with `edits` applied.
/// Returns an empty string when there is no text change.
pub fn unified(path: &str, original: &str, edits: &[Edit]) -> String {
    let cleaned = crate::edit::apply(original, edits);
    let mut s = Streaming::new(path, original);
    let mut out = Vec::new();
    for e in edits {
        s.push(&mut out, original, &cleaned, 0, e)
            .expect("writing to memory");
    }
    s.finish(&mut out, original, &cleaned, 0)
        .expect("writing to memory");
    String::from_utf8(out).expect("the diff of UTF-8 texts is UTF-8")
}

/// One change of a hunk: old lines `from..to` (0-based) became the cleaned
/// bytes `new_a..new_b`; `a..b` are the old bytes.
#[derive(Debug, Clone, Copy)]
struct Change {
    from: usize,
    to: usize,
    a: usize,
    b: usize,
    new_a: usize,
    new_b: usize,
}

/// The diff of one file, written as the edits arrive, for a file
/// cleaned in windows (`window.rs`) as for any other ([`unified`]): `push`
/// takes the file's edits in order (original coordinates) once the
/// cleaned text they produce is in the `cleaned` passed along, a piece of
/// the cleaned text that starts at byte `base` of it; a hunk is written to
/// `out` as soon as no later edit can join it, straight from the original
/// and that piece, so no hunk text is built in memory. The piece need only
/// start at [`Streaming::needed_from`]: the caller may drop what is before.
pub struct Streaming {
    /// Lines of the original.
    nlines: usize,
    /// Open run: first and last line touched, the byte delta (cleaned minus
    /// original) before it, its first byte.
    run: Option<(usize, usize, isize, usize)>,
    /// Changes of the open hunk.
    hunk: Vec<Change>,
    /// Byte delta of every edit pushed so far.
    delta: isize,
    /// Line delta of every hunk written so far.
    line_delta: isize,
    /// The line of the latest edit.
    at: LineCursor,
    /// The start of the latest line asked for.
    starts: LineCursor,
    /// Anything written yet (the header goes first).
    started: bool,
    path: String,
}

impl Streaming {
    /// A diff of `path`, whose decoded text is `original`.
    pub fn new(path: &str, original: &str) -> Self {
        Streaming {
            nlines: count_lines(original),
            run: None,
            hunk: Vec::new(),
            delta: 0,
            line_delta: 0,
            at: LineCursor::default(),
            starts: LineCursor::default(),
            started: false,
            path: path.to_string(),
        }
    }

    /// The line of `pos` (positions never decrease), clamped to the last.
    fn line_of(&mut self, original: &str, pos: usize) -> usize {
        (self.at.seek(original, pos) - 1).min(self.nlines.saturating_sub(1))
    }

    /// Start byte of line `k` (`k` never decreases; the text's length
    /// for `k == nlines`).
    fn line_start(&mut self, original: &str, k: usize) -> usize {
        self.starts.seek_line(original, k + 1)
    }

    /// Add the next edit (flags are ignored). `cleaned` (the cleaned text
    /// from byte `base` on) must hold the cleaned text at least up to this
    /// edit's start.
    pub fn push(
        &mut self,
        out: &mut impl std::io::Write,
        original: &str,
        cleaned: &str,
        base: usize,
        e: &Edit,
    ) -> std::io::Result<()> {
        if e.is_flag() {
            return Ok(());
        }
        let first = self.line_of(original, e.start);
        let last = self.line_of(original, e.end).max(first);
        match &mut self.run {
            Some(r) if first <= r.1 => r.1 = r.1.max(last),
            _ => {
                self.close_run(out, original, cleaned, base)?;
                let a = self.line_start(original, first);
                self.run = Some((first, last, self.delta, a));
            }
        }
        self.delta += e.replacement.len() as isize - (e.end - e.start) as isize;
        Ok(())
    }

    /// The open run is complete: trim its unchanged lines and add it to
    /// the hunk (writing the hunk first when the change is too far from it).
    fn close_run(
        &mut self,
        out: &mut impl std::io::Write,
        original: &str,
        cleaned: &str,
        base: usize,
    ) -> std::io::Result<()> {
        let Some((first, last, before, a)) = self.run.take() else {
            return Ok(());
        };
        let b = self.line_start(original, (last + 1).min(self.nlines));
        let (na, nb) = (
            (a as isize + before) as usize,
            (b as isize + self.delta) as usize,
        );
        let old = &original[a..b];
        let new = &cleaned[na - base..nb - base];
        // Common leading and trailing lines are no change.
        let (mut pre, mut pre_lines) = (0, 0);
        for (x, y) in old.split_inclusive('\n').zip(new.split_inclusive('\n')) {
            if x != y {
                break;
            }
            pre += x.len();
            pre_lines += 1;
        }
        let (mut suf, mut suf_lines) = (0, 0);
        for (x, y) in old[pre..]
            .split_inclusive('\n')
            .rev()
            .zip(new[pre..].split_inclusive('\n').rev())
        {
            if x != y {
                break;
            }
            suf += x.len();
            suf_lines += 1;
        }
        if pre == old.len() && pre == new.len() {
            return Ok(());
        }
        let n_old = count_lines(old);
        let c = Change {
            from: first + pre_lines,
            to: first + n_old - suf_lines,
            a: a + pre,
            b: b - suf,
            new_a: na + pre,
            new_b: nb - suf,
        };
        if let Some(prev) = self.hunk.last() {
            if c.from > prev.to + 2 * CONTEXT {
                self.flush(out, original, cleaned, base)?;
            }
        }
        self.hunk.push(c);
        Ok(())
    }

    /// Every later edit starts at `pos` or after (in the original): the
    /// cleaned text before [`Streaming::needed_from`] may go.
    pub fn no_edit_before(&mut self, original: &str, pos: usize) {
        if self.run.is_none() && self.hunk.is_empty() {
            let k = self.line_of(original, pos);
            self.line_start(original, k);
        }
    }

    /// The first byte of the cleaned text a hunk still to be written can
    /// read.
    pub fn needed_from(&self) -> usize {
        if let Some(c) = self.hunk.first() {
            return c.new_a;
        }
        match self.run {
            Some((_, _, before, a)) => (a as isize + before) as usize,
            // No edit between the cursor and the next hunk.
            None => (self.starts.line_start() as isize + self.delta) as usize,
        }
    }

    /// Write the last hunk. `cleaned` is the cleaned text from `base` to
    /// its end.
    pub fn finish(
        mut self,
        out: &mut impl std::io::Write,
        original: &str,
        cleaned: &str,
        base: usize,
    ) -> std::io::Result<()> {
        self.close_run(out, original, cleaned, base)?;
        self.flush(out, original, cleaned, base)
    }

    /// Write the open hunk: its changes with [`CONTEXT`] lines around them
    /// and the unchanged lines between them, all from the original.
    fn flush(
        &mut self,
        out: &mut impl std::io::Write,
        original: &str,
        cleaned: &str,
        base: usize,
    ) -> std::io::Result<()> {
        let (Some(&first), Some(&last)) = (self.hunk.first(), self.hunk.last()) else {
            return Ok(());
        };
        if !self.started {
            out.write_all(header(&self.path).as_bytes())?;
            self.started = true;
        }
        let lead = back_lines(original, first.a, CONTEXT.min(first.from));
        let trail = forward_lines(original, last.b, CONTEXT);
        let (n_lead, n_trail) = (
            count_lines(&original[lead..first.a]),
            count_lines(&original[last.b..trail]),
        );
        let mut n_old = n_lead + n_trail;
        let mut n_new = n_old;
        let mut prev_to = first.from;
        for c in &self.hunk {
            let between = c.from - prev_to;
            n_old += between + (c.to - c.from);
            n_new += between + count_lines(&cleaned[c.new_a - base..c.new_b - base]);
            prev_to = c.to;
        }
        let old_start = first.from - n_lead + 1;
        let new_start = (old_start as isize + self.line_delta) as usize;
        writeln!(
            out,
            "@@ -{} +{} @@",
            range(old_start, n_old),
            range(new_start, n_new)
        )?;
        write_lines(out, ' ', &original[lead..first.a])?;
        let mut prev_b = first.a;
        for c in &self.hunk {
            write_lines(out, ' ', &original[prev_b..c.a])?;
            write_lines(out, '-', &original[c.a..c.b])?;
            write_lines(out, '+', &cleaned[c.new_a - base..c.new_b - base])?;
            prev_b = c.b;
        }
        write_lines(out, ' ', &original[last.b..trail])?;
        self.line_delta += n_new as isize - n_old as isize;
        self.hunk.clear();
        Ok(())
    }
}

/// A hunk range as diff writes it: `start,count`, `start` alone for one
/// line, the line before for none.
fn range(start: usize, count: usize) -> String {
    match count {
        0 => format!("{},0", start - 1),
        1 => format!("{start}"),
        n => format!("{start},{n}"),
    }
}

/// The start of the line `n` lines before the line starting at `pos`.
fn back_lines(text: &str, pos: usize, n: usize) -> usize {
    let b = text.as_bytes();
    let mut p = pos;
    for _ in 0..n {
        if p == 0 {
            break;
        }
        p = b[..p - 1]
            .iter()
            .rposition(|&x| x == b'\n')
            .map_or(0, |i| i + 1);
    }
    p
}

/// The end of the `n` lines starting at `pos`.
fn forward_lines(text: &str, pos: usize, n: usize) -> usize {
    let b = text.as_bytes();
    let mut p = pos;
    for _ in 0..n {
        if p >= b.len() {
            break;
        }
        p = b[p..]
            .iter()
            .position(|&x| x == b'\n')
            .map_or(b.len(), |i| p + i + 1);
    }
    p
}

/// Each line of `text` with `tag` before it (as [`push_line`] writes
/// them), without copying the lines.
fn write_lines(out: &mut impl std::io::Write, tag: char, text: &str) -> std::io::Result<()> {
    let mut t = [0u8; 4];
    let tag = tag.encode_utf8(&mut t).as_bytes();
    for l in text.split_inclusive('\n') {
        out.write_all(tag)?;
        out.write_all(l.as_bytes())?;
        if !l.ends_with('\n') {
            out.write_all(b"\n\\ No newline at end of file\n")?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply;

    fn check_with_patch(orig: &str, edits: &[Edit]) {
        let d = unified("f.txt", orig, edits);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f.txt"), orig).unwrap();
        std::fs::write(dir.path().join("d.diff"), &d).unwrap();
        let st = std::process::Command::new("patch")
            .args(["-p0", "-s", "-i", "d.diff"])
            .current_dir(dir.path())
            .status();
        let Ok(st) = st else {
            return; // no patch(1) on this machine; git apply is checked in integration tests
        };
        assert!(st.success(), "patch failed on diff:\n{d}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("f.txt")).unwrap(),
            apply(orig, edits),
            "diff:\n{d}"
        );
    }

    #[test]
    fn simple_replacement() {
        let orig = "a\nb\nc,d\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn,o\n";
        let p1 = orig.find(',').unwrap();
        let p2 = orig.rfind(',').unwrap();
        check_with_patch(
            orig,
            &[
                Edit::new(p1, p1 + 1, "，", "punct.comma"),
                Edit::new(p2, p2 + 1, "，", "punct.comma"),
            ],
        );
    }

    #[test]
    fn join_and_delete_lines() {
        let orig = "第一段主动\n\n上门。\n\n重复段。\n\n尾。";
        let j = orig.find("\n\n").unwrap();
        let d = orig.find("重复段").unwrap();
        check_with_patch(
            orig,
            &[
                Edit::new(j, j + 2, "", "layout.join"),
                Edit::new(d, d + "重复段。\n\n".len(), "", "dedup.paragraph"),
            ],
        );
        let tail = orig.len() - "\n\n尾。".len();
        check_with_patch(orig, &[Edit::new(tail, orig.len(), "", "dedup.paragraph")]);
    }

    /// The streamed diff is the whole-file diff, byte for byte, on real
    /// text with edits of every kind (fixture corpus, cleaned).
    #[test]
    fn streaming_diff_equals_unified() {
        let cfg = crate::config::Config::default();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/corpus");
        let mut seen = 0;
        for e in walkdir::WalkDir::new(dir) {
            let e = e.unwrap();
            let Ok(orig) = std::fs::read_to_string(e.path()) else {
                continue;
            };
            let (cleaned, edits) = crate::normalize::normalize(&orig, &cfg).into_edits();
            let mut cases = vec![edits.clone()];
            // Sparse edits too: hunks apart, and an edit at the very end.
            cases.push(edits.iter().step_by(7).cloned().collect());
            let end = orig.len();
            cases.push(vec![Edit::new(end, end, "尾。", "punct.comma")]);
            for edits in cases {
                let cleaned_k = apply(&orig, &edits);
                let want = unified("f.txt", &orig, &edits);
                let mut s = Streaming::new("f.txt", &orig);
                let mut out = Vec::new();
                for e in &edits {
                    s.push(&mut out, &orig, &cleaned_k, 0, e).unwrap();
                }
                s.finish(&mut out, &orig, &cleaned_k, 0).unwrap();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    want,
                    "{}",
                    e.path().display()
                );
                // Fed piece by piece, as `window.rs` does: the cleaned
                // text before `needed_from` dropped after every edit.
                let mut s = Streaming::new("f.txt", &orig);
                let mut out = Vec::new();
                let (mut tail, mut base, mut opos, mut npos) = (String::new(), 0, 0, 0);
                for e in edits.iter().filter(|e| !e.is_flag()) {
                    tail.push_str(&orig[opos..e.start]);
                    tail.push_str(&e.replacement);
                    (opos, npos) = (e.end, npos + e.start - opos + e.replacement.len());
                    s.push(&mut out, &orig, &tail, base, e).unwrap();
                    s.no_edit_before(&orig, e.end);
                    let keep = s.needed_from();
                    assert!(keep >= base && keep <= npos);
                    tail.drain(..keep - base);
                    base = keep;
                }
                tail.push_str(&orig[opos..]);
                s.finish(&mut out, &orig, &tail, base).unwrap();
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    want,
                    "{}",
                    e.path().display()
                );
            }
            let _ = cleaned;
            seen += 1;
        }
        assert!(seen > 5);
    }

    #[test]
    fn no_change_no_diff() {
        assert_eq!(
            unified("f", "abc", &[Edit::flag(1, "punct.quote-imbalance", "x")]),
            ""
        );
    }
}
