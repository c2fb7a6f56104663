//! Character classes shared by the rules (U-1, U-6).
//!
//! HAN is `Script=Han` ∪ `Ideographic` (spec U-1), written out as code-point
//! ranges instead of a regex class: `regex-syntax` 0.8.12 `\p{Han}` does not
//! know CJK Extension J (U+323B0…), and a `matches!` over ranges compiles to
//! a few comparisons, which matters because the punctuation stage asks this
//! for nearly every character. Ranges are whole blocks where the block is
//! entirely ideographs (unassigned tails included, so a newer Unicode does
//! not silently fall out); the unit tests check the table against the
//! Unicode data that rustc ships (`char::is_alphabetic`), so a new extension
//! block makes a test fail instead of going stale.

/// Is `c` a Han character (`Script=Han` ∪ `Ideographic`, spec U-1)?
///
/// Covers the URO, Extensions A–J (up to U+3347F), the compatibility
/// ideographs, the radicals, the CJK-symbol ideographs 々 〆 〇 〡–〩 〸–〻,
/// and the other `Ideographic` scripts (Tangut, Khitan, Nüshu).
#[inline]
pub fn is_han(c: char) -> bool {
    let u = c as u32;
    if u < 0x2E80 {
        return false;
    }
    matches!(u,
        // CJK Radicals Supplement, Kangxi Radicals (Script=Han, gc=So)
        0x2E80..=0x2E99 | 0x2E9B..=0x2EF3 | 0x2F00..=0x2FD5
        // 々 〆 〇, Hangzhou numerals 〡–〩, 〸–〺, 〻
        | 0x3005..=0x3007 | 0x3021..=0x3029 | 0x3038..=0x303B
        // Ext A, URO
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        // CJK Compatibility Ideographs
        | 0xF900..=0xFA6D | 0xFA70..=0xFAD9
        // Ideographic symbols (Script=Han), Tangut, Khitan, Nüshu
        | 0x16FE2..=0x16FE4 | 0x16FF0..=0x16FF1
        | 0x17000..=0x18DFF | 0x1B170..=0x1B2FF
        // Ext B; Ext C, D, E, F, I (contiguous); compatibility supplement
        | 0x20000..=0x2A6DF | 0x2A700..=0x2EE5F | 0x2F800..=0x2FA1F
        // Ext G, H, J
        | 0x30000..=0x3347F)
}

#[cfg(test)]
mod tests {
    use super::is_han;

    #[test]
    fn named_facts() {
        for c in [
            '〆',
            '々',
            '〇',
            '〡',
            '〻',
            '鿏',
            '一',
            '龥',
            '豈',
            '\u{323B0}',
            '\u{33479}',
            '\u{2EE5D}',
        ] {
            assert!(is_han(c), "{c:?} U+{:04X} must be Han", c as u32);
        }
        for c in [
            'A',
            '0',
            '，',
            '。',
            '・',
            'ー',
            'あ',
            '한',
            '\u{3000}',
            '\u{FF21}',
            '\u{33480}',
            '〜',
        ] {
            assert!(!is_han(c), "{c:?} U+{:04X} must not be Han", c as u32);
        }
    }

    /// Every letter rustc knows in the ideograph planes and blocks is Han:
    /// when Unicode adds an extension (rustc's data moves first), this fails.
    #[test]
    fn every_alphabetic_ideograph_is_han() {
        let blocks = [
            (0x3400u32, 0x4DBFu32),
            (0x4E00, 0x9FFF),
            (0xF900, 0xFAFF),
            (0x20000, 0x3FFFD),
        ];
        for (lo, hi) in blocks {
            for u in lo..=hi {
                if let Some(c) = char::from_u32(u) {
                    if c.is_alphabetic() {
                        assert!(
                            is_han(c),
                            "U+{u:04X} is alphabetic in rustc's Unicode data but not Han"
                        );
                    }
                }
            }
        }
        assert!(
            '\u{323B0}'.is_alphabetic(),
            "rustc must carry Unicode 17 (Ext J)"
        );
    }

    /// Outside the radical blocks (gc=So), the Han ranges hold letters and
    /// letter numbers: each range starts with one, and nearly all of it is.
    #[test]
    fn han_ranges_are_letters() {
        let mut run_start: Option<u32> = None;
        let mut runs = Vec::new();
        for u in 0x2E80u32..=0x3FFFF {
            let h = char::from_u32(u).is_some_and(is_han);
            match (h, run_start) {
                (true, None) => run_start = Some(u),
                (false, Some(s)) => {
                    runs.push((s, u - 1));
                    run_start = None;
                }
                _ => {}
            }
        }
        for (lo, hi) in runs {
            if hi < 0x3000 {
                // Radicals: symbols, not letters.
                continue;
            }
            let letters = (lo..=hi)
                .filter(|&u| char::from_u32(u).is_some_and(char::is_alphabetic))
                .count();
            let size = (hi - lo + 1) as usize;
            assert!(
                letters * 10 >= size * 8 || (lo == 0x16FE2 || lo == 0x16FF0),
                "Han range U+{lo:04X}..U+{hi:04X}: only {letters} of {size} are letters"
            );
        }
    }
}
