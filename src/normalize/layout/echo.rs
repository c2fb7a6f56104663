//! Echo fragments (spec B-E1, B-E2): a paragraph that repeats the end
//! (B-E1) or the start (B-E2) of its neighbour, as a scraper leaves when a
//! page break duplicated a line. Units are compared on a normalised form
//! (no whitespace, no quote or bracket marks, both widths of `,;:?!`
//! folded), lazily from the shared end.

/// norm() of B-E1 for one char: drop whitespace and the quote/bracket
/// marks; fold the ASCII twins of `,;:?!` so both widths compare equal.
#[inline]
pub(super) fn echo_map(c: char) -> Option<char> {
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return Some(c);
    }
    if c.is_whitespace()
        || matches!(
            c,
            '“' | '”'
                | '‘'
                | '’'
                | '《'
                | '》'
                | '〈'
                | '〉'
                | '（'
                | '）'
                | '('
                | ')'
                | '「'
                | '」'
                | '『'
                | '』'
                | '\"'
        )
    {
        return None;
    }
    Some(match c {
        ',' => '，',
        ';' => '；',
        ':' => '：',
        '?' => '？',
        '!' => '！',
        c => c,
    })
}

/// norm() of B-E1 as an iterator (both directions), so echo candidates are
/// compared lazily from the end that decides first, without a buffer.
pub(super) fn echo_chars(s: &str) -> impl DoubleEndedIterator<Item = char> + '_ {
    s.chars().filter_map(echo_map)
}

/// Length in chars of norm(`s`).
pub(super) fn echo_len(s: &str) -> usize {
    echo_chars(s).count()
}

/// Does the sequence `long` start with `short`? The caller has checked
/// that `short` is the shorter one (so comparing the common part is
/// enough); pass reversed iterators for "ends with".
pub(super) fn norm_starts_with(
    long: impl Iterator<Item = char>,
    short: impl Iterator<Item = char>,
) -> bool {
    long.zip(short).all(|(x, y)| x == y)
}

/// A and B would form an echo (B-E2 prefix, or B-E1 suffix): never join them.
pub(super) fn is_echo_pair(ta: &str, tb: &str) -> bool {
    let (na, nb) = (echo_len(ta), echo_len(tb));
    let prefix = na >= 6 && na * 10 < nb * 8 && norm_starts_with(echo_chars(tb), echo_chars(ta));
    let suffix =
        nb >= 6 && nb * 10 < na * 8 && norm_starts_with(echo_chars(ta).rev(), echo_chars(tb).rev());
    prefix || suffix
}
