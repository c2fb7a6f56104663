//! Line numbers of byte offsets, computed once per text.

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

#[cfg(test)]
mod tests {
    use super::LineIndex;
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
}
