//! Character classes of the punctuation marks, shared by the stages so that
//! one name always means one set.
//!
//! Two families: the full-width marks alone (`is_full_*`, what stage 4
//! writes and reads), and both widths (`is_open`, `is_stop`, …): the layout
//! stage runs before stage 4 converts ASCII marks, so it must read `,` as
//! `，` (idempotence: a second run sees the converted marks).

/// Full-width opening quotes and brackets.
pub(crate) fn is_full_open(c: char) -> bool {
    matches!(
        c,
        '“' | '‘' | '（' | '《' | '〈' | '【' | '〔' | '〖' | '「' | '『' | '［' | '｛'
    )
}

/// Full-width closing quotes and brackets.
pub(crate) fn is_full_close(c: char) -> bool {
    matches!(
        c,
        '”' | '’' | '）' | '》' | '〉' | '】' | '〕' | '〗' | '」' | '』' | '］' | '｝'
    )
}

/// Full-width pause marks `，、；：`.
pub(crate) fn is_full_pause(c: char) -> bool {
    matches!(c, '，' | '、' | '；' | '：')
}

/// Full-width stop marks `。！？`.
pub(crate) fn is_full_stop(c: char) -> bool {
    matches!(c, '。' | '！' | '？')
}

/// Opening marks, both widths (`(` and `[` too).
pub(crate) fn is_open(c: char) -> bool {
    is_full_open(c) || matches!(c, '(' | '[')
}

/// Closing marks, both widths (`)`, `]` and the straight `"` too).
pub(crate) fn is_close(c: char) -> bool {
    is_full_close(c) || matches!(c, ')' | ']' | '"')
}

/// Pause marks, both widths.
pub(crate) fn is_pause(c: char) -> bool {
    is_full_pause(c) || matches!(c, ',' | ';' | ':')
}

/// Stop marks, both widths, with `．` and the ellipses `…` `⋯`.
pub(crate) fn is_stop(c: char) -> bool {
    is_full_stop(c) || matches!(c, '.' | '!' | '?' | '．' | '…' | '⋯')
}

/// The ten Chinese digits `〇一二…九`.
pub(crate) fn is_cn_digit(c: char) -> bool {
    matches!(
        c,
        '〇' | '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九'
    )
}

/// Chinese numerals: the digits, `零` and the units `十 百`.
pub(crate) fn is_cn_numeral(c: char) -> bool {
    is_cn_digit(c) || matches!(c, '零' | '十' | '百')
}

/// Indentation and trailing space: ASCII space, TAB, U+3000.
pub(crate) fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{3000}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_widths_contain_the_full_width_sets() {
        for c in (0x20u32..0x3100)
            .chain(0xFF00..0xFF70)
            .filter_map(char::from_u32)
        {
            assert!(!is_full_open(c) || is_open(c), "{c}");
            assert!(!is_full_close(c) || is_close(c), "{c}");
            assert!(!is_full_pause(c) || is_pause(c), "{c}");
            assert!(!is_full_stop(c) || is_stop(c), "{c}");
            assert!(!is_cn_digit(c) || is_cn_numeral(c), "{c}");
        }
        assert!(is_stop('.') && !is_full_stop('.'));
        assert!(is_cn_numeral('十') && !is_cn_digit('十'));
    }
}
