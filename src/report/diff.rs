//! Unified diffs built directly from the edits.
//!
//! The edits already say exactly what changed, so no diff algorithm runs
//! (and no deadline is needed for scraped pages with thousands of repeated
//! lines): each edit covers a range of original lines; ranges within
//! 2 × context lines of each other form one hunk. Headers use the plain
//! relative path, so `patch -p0` and `git apply -p0` accept the diff when
//! run in a copy of the input tree (on the decoded, UTF-8 text).

use crate::edit::Edit;

const CONTEXT: usize = 3;

/// Unified diff of `original` → `original` with `edits` applied.
/// Returns an empty string when there is no text change.
pub fn unified(path: &str, original: &str, edits: &[Edit]) -> String {
    let edits: Vec<&Edit> = edits.iter().filter(|e| !e.is_flag()).collect();
    if edits.is_empty() {
        return String::new();
    }
    // Line starts of the original; line k spans starts[k]..starts[k+1].
    let mut starts = vec![0usize];
    starts.extend(original.match_indices('\n').map(|(i, _)| i + 1));
    if *starts.last().expect("nonempty") != original.len() {
        starts.push(original.len());
    }
    // Now starts[nlines] == original.len().
    let nlines = starts.len() - 1;
    let line_of = |pos: usize| starts.partition_point(|&s| s <= pos).saturating_sub(1);
    // Line range [first, last] touched by each edit.
    let mut ranges: Vec<(usize, usize, usize, usize)> = Vec::new(); // (first line, last line, edit lo, edit hi)
    for (k, e) in edits.iter().enumerate() {
        let first = line_of(e.start).min(nlines.saturating_sub(1));
        let last_pos = if e.end > e.start { e.end - 1 } else { e.start };
        let last = line_of(last_pos).min(nlines.saturating_sub(1)).max(first);
        match ranges.last_mut() {
            Some(r) if first <= r.1 + 2 * CONTEXT + 1 => {
                r.1 = r.1.max(last);
                r.3 = k;
            }
            _ => ranges.push((first, last, k, k)),
        }
    }
    let mut out = format!("--- {path}\n+++ {path}\n");
    let mut new_line_delta: isize = 0;
    for (first, last, lo, hi) in ranges {
        let h_first = first.saturating_sub(CONTEXT);
        let h_last = (last + CONTEXT).min(nlines.saturating_sub(1));
        let a = starts[h_first];
        let b = starts[(h_last + 1).min(nlines)];
        // New text of the hunk.
        let mut new = String::new();
        let mut pos = a;
        for e in &edits[lo..=hi] {
            new.push_str(&original[pos..e.start]);
            new.push_str(&e.replacement);
            pos = e.end;
        }
        new.push_str(&original[pos..b]);
        let old = &original[a..b];
        let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
        let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
        // Trim common leading/trailing lines to the context size.
        let old_start = h_first + 1;
        let new_start = (h_first as isize + 1 + new_line_delta) as usize;
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            if old_lines.is_empty() {
                old_start - 1
            } else {
                old_start
            },
            old_lines.len(),
            if new_lines.is_empty() {
                new_start.saturating_sub(1)
            } else {
                new_start
            },
            new_lines.len()
        ));
        // Emit: common prefix lines as context, then -/+ block, then common suffix.
        let pre = old_lines
            .iter()
            .zip(&new_lines)
            .take_while(|(x, y)| x == y)
            .count();
        let max_suf = old_lines.len().min(new_lines.len()) - pre;
        let suf = old_lines
            .iter()
            .rev()
            .zip(new_lines.iter().rev())
            .take(max_suf)
            .take_while(|(x, y)| x == y)
            .count();
        for l in &old_lines[..pre] {
            push_line(&mut out, ' ', l);
        }
        for l in &old_lines[pre..old_lines.len() - suf] {
            push_line(&mut out, '-', l);
        }
        for l in &new_lines[pre..new_lines.len() - suf] {
            push_line(&mut out, '+', l);
        }
        for l in &old_lines[old_lines.len() - suf..] {
            push_line(&mut out, ' ', l);
        }
        new_line_delta += new_lines.len() as isize - old_lines.len() as isize;
    }
    out
}

/// The same diff as [`unified`], written as the edits arrive, for a file
/// cleaned in windows (`window.rs`): `push` takes the file's edits in
/// order (original coordinates) once the cleaned text they produce is in
/// the `cleaned` passed along, a piece of the cleaned text that starts at
/// byte `base` of it; hunks are written to `out` as soon as no later edit
/// can join them, straight from the original and that piece, so no hunk
/// text is ever built in memory. The piece need only start at
/// [`Streaming::needed_from`]: the caller may drop what is before.
pub struct Streaming {
    /// Lines of the original (as `unified` counts them).
    nlines: usize,
    /// Open group: first and last line touched, line delta and byte delta
    /// (cleaned minus original) before it, and the start byte of its hunk
    /// in the original.
    group: Option<(usize, usize, isize, isize, usize)>,
    /// Byte delta of every edit pushed so far.
    delta: isize,
    /// Line delta of every hunk written so far.
    line_delta: isize,
    /// Newlines counted before `count_pos`.
    count_pos: usize,
    count_nl: usize,
    /// Start byte of line `start_line` (a forward-only cursor).
    start_pos: usize,
    start_line: usize,
    /// Anything written yet (the header goes first).
    started: bool,
    path: String,
}

impl Streaming {
    /// A diff of `path`, whose decoded text is `original`.
    pub fn new(path: &str, original: &str) -> Self {
        let mut nl = 0;
        crate::segment::for_each_newline(original.as_bytes(), |_| nl += 1);
        let tail = !original.is_empty() && !original.ends_with('\n');
        Streaming {
            nlines: nl + usize::from(tail),
            group: None,
            delta: 0,
            line_delta: 0,
            count_pos: 0,
            count_nl: 0,
            start_pos: 0,
            start_line: 0,
            started: false,
            path: path.to_string(),
        }
    }

    /// Newlines before `pos` (positions never decrease).
    fn line_of(&mut self, original: &str, pos: usize) -> usize {
        let pos = pos.max(self.count_pos);
        let mut n = 0;
        crate::segment::for_each_newline(&original.as_bytes()[self.count_pos..pos], |_| n += 1);
        self.count_nl += n;
        self.count_pos = pos;
        self.count_nl.min(self.nlines.saturating_sub(1))
    }

    /// Start byte of line `k` (`k` never decreases; the text's length
    /// for `k == nlines`).
    fn line_start(&mut self, original: &str, k: usize) -> usize {
        let b = original.as_bytes();
        while self.start_line < k {
            self.start_pos = match b[self.start_pos..].iter().position(|&x| x == b'\n') {
                Some(i) => self.start_pos + i + 1,
                None => b.len(),
            };
            self.start_line += 1;
        }
        self.start_pos
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
        let last_pos = if e.end > e.start { e.end - 1 } else { e.start };
        let last = self.line_of(original, last_pos).max(first);
        match &mut self.group {
            Some(g) if first <= g.1 + 2 * CONTEXT + 1 => g.1 = g.1.max(last),
            _ => {
                self.flush(out, original, cleaned, base)?;
                let a = self.line_start(original, first.saturating_sub(CONTEXT));
                self.group = Some((first, last, self.line_delta, self.delta, a));
            }
        }
        self.delta += e.replacement.len() as isize - (e.end - e.start) as isize;
        Ok(())
    }

    /// Every later edit starts at `pos` or after (in the original): the
    /// cleaned text before [`Streaming::needed_from`] may go.
    pub fn no_edit_before(&mut self, original: &str, pos: usize) {
        if self.group.is_none() {
            // A later hunk starts at most CONTEXT lines before the line
            // of its first edit.
            let k = self.line_of(original, pos);
            self.line_start(original, k.saturating_sub(CONTEXT));
        }
    }

    /// The first byte of the cleaned text a hunk still to be written can
    /// read.
    pub fn needed_from(&self) -> usize {
        match self.group {
            Some((.., before, a)) => (a as isize + before) as usize,
            // No edit between the cursor and the next hunk.
            None => (self.start_pos as isize + self.delta) as usize,
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
        self.flush(out, original, cleaned, base)
    }

    fn flush(
        &mut self,
        out: &mut impl std::io::Write,
        original: &str,
        cleaned: &str,
        base: usize,
    ) -> std::io::Result<()> {
        let Some((first, last, _, before, _)) = self.group.take() else {
            return Ok(());
        };
        if !self.started {
            write!(out, "--- {0}\n+++ {0}\n", self.path)?;
            self.started = true;
        }
        let h_first = first.saturating_sub(CONTEXT);
        let h_last = (last + CONTEXT).min(self.nlines.saturating_sub(1));
        let a = self.line_start(original, h_first);
        let b = self.line_start(original, (h_last + 1).min(self.nlines));
        let old = &original[a..b];
        let new = &cleaned
            [(a as isize + before) as usize - base..(b as isize + self.delta) as usize - base];
        let count = |t: &str| {
            let mut n = 0;
            crate::segment::for_each_newline(t.as_bytes(), |_| n += 1);
            n + usize::from(!t.is_empty() && !t.ends_with('\n'))
        };
        let (n_old, n_new) = (count(old), count(new));
        let old_start = h_first + 1;
        let new_start = (h_first as isize + 1 + self.line_delta) as usize;
        writeln!(
            out,
            "@@ -{},{} +{},{} @@",
            if n_old == 0 { old_start - 1 } else { old_start },
            n_old,
            if n_new == 0 {
                new_start.saturating_sub(1)
            } else {
                new_start
            },
            n_new
        )?;
        // Common leading and trailing lines are context, as in `unified`.
        let mut pre = 0; // bytes of common leading lines
        let mut pre_lines = 0;
        let mut o = old.split_inclusive('\n');
        let mut n = new.split_inclusive('\n');
        loop {
            match (o.next(), n.next()) {
                (Some(x), Some(y)) if x == y => {
                    pre += x.len();
                    pre_lines += 1;
                }
                _ => break,
            }
        }
        let max_suf = n_old.min(n_new) - pre_lines;
        let mut suf = 0; // bytes of common trailing lines
        let mut o = old[pre..].split_inclusive('\n').rev();
        let mut n = new[pre..].split_inclusive('\n').rev();
        for _ in 0..max_suf {
            match (o.next(), n.next()) {
                (Some(x), Some(y)) if x == y => suf += x.len(),
                _ => break,
            }
        }
        write_lines(out, ' ', &old[..pre])?;
        write_lines(out, '-', &old[pre..old.len() - suf])?;
        write_lines(out, '+', &new[pre..new.len() - suf])?;
        write_lines(out, ' ', &old[old.len() - suf..])?;
        self.line_delta += n_new as isize - n_old as isize;
        Ok(())
    }
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

fn push_line(out: &mut String, tag: char, line: &str) {
    out.push(tag);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
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
