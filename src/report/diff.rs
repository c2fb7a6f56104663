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

    #[test]
    fn no_change_no_diff() {
        assert_eq!(
            unified("f", "abc", &[Edit::flag(1, "punct.quote-imbalance", "x")]),
            ""
        );
    }
}
