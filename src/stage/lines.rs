//! Line numbers of byte offsets: every line number the crate reports
//! (block lines, change records, diffs, review pages) comes from here.
//!
//! [`LineIndex`] keeps a text's line breaks, for lookups in any order;
//! [`LineCursor`] walks them forward without keeping them (a diff or the
//! change records of a huge file go through it once, in order);
//! [`count_lines`] and [`count_breaks`] count. All scan with
//! [`crate::segment::for_each_newline`].

/// The `\n` offsets of a text, to turn byte offsets into 1-based line
/// numbers (binary search: O(log lines) per lookup after one pass).
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    newlines: Vec<usize>,
}

impl LineIndex {
    /// Index the line breaks of `text` (one pass, eight bytes at a time).
    pub fn new(text: &str) -> LineIndex {
        let mut newlines = Vec::new();
        crate::segment::for_each_newline(text.as_bytes(), |i| newlines.push(i));
        LineIndex { newlines }
    }

    /// 1-based line of byte `pos` (a `\n` belongs to the line it ends).
    pub fn line(&self, pos: usize) -> usize {
        self.newlines.partition_point(|&n| n < pos) + 1
    }

    /// Byte offset where 1-based `line` starts (past the end: the text's
    /// last line break + 1).
    pub fn line_start(&self, line: usize) -> usize {
        match line {
            0 | 1 => 0,
            l => self
                .newlines
                .get(l - 2)
                .map_or_else(|| self.newlines.last().map_or(0, |&n| n + 1), |&n| n + 1),
        }
    }

    /// Number of `\n` in the text.
    pub fn breaks(&self) -> usize {
        self.newlines.len()
    }
}

/// A forward-only walk over the lines of one text: the line of each of a
/// rising series of byte offsets ([`LineCursor::seek`]), or the start of
/// each of a rising series of lines ([`LineCursor::seek_line`]; one cursor
/// does one kind of walk). Agrees with [`LineIndex`] (tested) without
/// keeping a break per line.
#[derive(Clone, Copy, Debug, Default)]
pub struct LineCursor {
    /// Every `\n` before `pos` is counted in `breaks`.
    pos: usize,
    breaks: usize,
    /// Where the cursor's line starts.
    start: usize,
}

impl LineCursor {
    /// Move on to byte `pos` of `text` (an offset behind the cursor leaves
    /// it where it is) and return the 1-based line there.
    pub fn seek(&mut self, text: &str, pos: usize) -> usize {
        if pos > self.pos {
            let from = self.pos;
            let (mut breaks, mut start) = (self.breaks, self.start);
            crate::segment::for_each_newline(&text.as_bytes()[from..pos], |i| {
                breaks += 1;
                start = from + i + 1;
            });
            (self.pos, self.breaks, self.start) = (pos, breaks, start);
        }
        self.breaks + 1
    }

    /// The 1-based line of the cursor.
    pub fn line(&self) -> usize {
        self.breaks + 1
    }

    /// Where the cursor's line starts.
    pub fn line_start(&self) -> usize {
        self.start
    }

    /// Move on to 1-based `line` of `text` (a line behind the cursor leaves
    /// it where it is) and return where it starts: past the last line,
    /// the text's length.
    pub fn seek_line(&mut self, text: &str, line: usize) -> usize {
        let b = text.as_bytes();
        while self.breaks + 1 < line {
            self.start = match b[self.start..].iter().position(|&x| x == b'\n') {
                Some(i) => self.start + i + 1,
                None => b.len(),
            };
            self.breaks += 1;
        }
        self.pos = self.pos.max(self.start);
        self.start
    }
}

/// Lines of `t`: its `\n`, plus a last line without one.
pub fn count_lines(t: &str) -> usize {
    count_breaks(t) + usize::from(!t.is_empty() && !t.ends_with('\n'))
}

/// The number of `\n` in `t`.
pub fn count_breaks(t: &str) -> usize {
    let mut n = 0;
    crate::segment::for_each_newline(t.as_bytes(), |_| n += 1);
    n
}

#[cfg(test)]
mod tests {
    use super::{count_breaks, count_lines, LineCursor, LineIndex};
    use proptest::prelude::*;

    proptest! {
        /// Agrees with counting the breaks before each offset, and a line
        /// starts where its number changes.
        #[test]
        fn line_is_breaks_before_plus_one(t in "[a-c\n中]{0,40}") {
            let ix = LineIndex::new(&t);
            for (pos, _) in t.char_indices().chain([(t.len(), ' ')]) {
                let want = 1 + t[..pos].matches('\n').count();
                prop_assert_eq!(ix.line(pos), want);
                prop_assert!(ix.line_start(want) <= pos);
                prop_assert!(t[ix.line_start(want)..pos].find('\n').is_none());
            }
            prop_assert_eq!(ix.breaks(), t.matches('\n').count());
        }
    }

    proptest! {
        /// The cursor agrees with the index, walking offsets and lines.
        #[test]
        fn cursor_agrees_with_the_index(t in "[a-c\n中]{0,40}", step in 1usize..5) {
            let ix = LineIndex::new(&t);
            let mut by_pos = LineCursor::default();
            let mut pos = 0;
            while pos <= t.len() {
                if t.is_char_boundary(pos) {
                    prop_assert_eq!(by_pos.seek(&t, pos), ix.line(pos));
                    prop_assert_eq!(by_pos.line_start(), ix.line_start(ix.line(pos)));
                }
                pos += step;
            }
            let lines = count_lines(&t);
            let mut by_line = LineCursor::default();
            for k in (1..=lines + 1).step_by(step) {
                let want = if k > lines { t.len() } else { ix.line_start(k) };
                prop_assert_eq!(by_line.seek_line(&t, k), want);
            }
            prop_assert_eq!(count_breaks(&t), ix.breaks());
            prop_assert_eq!(count_lines(&t), t.lines().count());
        }
    }
}
