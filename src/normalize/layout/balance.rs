//! The quote and bracket balance flags (spec B-Q): run on the final text,
//! they report a paragraph whose `“”`, `‘’`, `（）`, `《》` or `【】` do not
//! balance, without editing it.

use super::*;

/// One pass over a line for the five pairs of [`flags`] and the Han test:
/// per pair the depth at the end, the first unmatched close and the first
/// open at depth 0 (byte offsets).
pub(super) struct PairScan {
    pub(super) han: bool,
    pub(super) depth: [i32; 5],
    pub(super) first_bad: [Option<usize>; 5],
    pub(super) first_open: [Option<usize>; 5],
}

impl PairScan {
    pub(super) fn new() -> Self {
        PairScan {
            han: false,
            depth: [0; 5],
            first_bad: [None; 5],
            first_open: [None; 5],
        }
    }

    pub(super) fn mark(&mut self, p: usize, is_open: bool, i: usize) {
        if is_open {
            if self.depth[p] == 0 {
                self.first_open[p] = Some(i);
            }
            self.depth[p] += 1;
        } else if self.depth[p] == 0 {
            self.first_bad[p].get_or_insert(i);
        } else {
            self.depth[p] -= 1;
        }
    }

    /// Scan `line` (decoding characters: a byte-level version measured
    /// slower on xwlb).
    pub(super) fn chars(line: &str) -> Self {
        let mut s = PairScan::new();
        for (i, c) in line.char_indices() {
            let (p, is_open) = match c {
                '\u{4E00}'..='\u{9FFF}' => {
                    s.han = true;
                    continue;
                }
                _ if (c as u32) < 0x2018 => continue,
                '“' => (0, true),
                '”' => (0, false),
                '‘' => (1, true),
                '’' => (1, false),
                '（' => (2, true),
                '）' => (2, false),
                '《' => (3, true),
                '》' => (3, false),
                '【' => (4, true),
                '】' => (4, false),
                _ => {
                    s.han |= is_han(c);
                    continue;
                }
            };
            s.mark(p, is_open, i);
        }
        s
    }
}

/// B-Q quote and bracket balance flags on the final text: one flag per
/// unbalanced pair kind per paragraph (line), at the first unmatched mark.
pub fn flags(text: &str, cfg: &Config) -> Vec<Edit> {
    if !cfg.on(QUOTE_BALANCE) {
        return Vec::new();
    }
    const PAIRS: &[(char, char, &str)] = &[
        ('“', '”', "“”"),
        ('‘', '’', "‘’"),
        ('（', '）', "（）"),
        ('《', '》', "《》"),
        ('【', '】', "【】"),
    ];
    let mut out = Vec::new();
    let lines = crate::segment::split_lines(text);
    for (idx, &(off, line)) in lines.iter().enumerate() {
        let PairScan {
            han,
            depth,
            first_bad,
            first_open,
        } = PairScan::chars(line);
        if !han {
            continue;
        }
        for (p, &(open, _close, name)) in PAIRS.iter().enumerate() {
            let at = match (first_bad[p], depth[p] > 0) {
                (Some(i), _) => Some(i),
                (None, true) => first_open[p],
                _ => None,
            };
            let Some(i) = at else { continue };
            // Multi-paragraph quotation: opened, not closed, next paragraph
            // opens again (clreq).
            let explained = open == '“'
                && first_bad[p].is_none()
                && depth[p] > 0
                && line.starts_with('“')
                && lines[idx + 1..]
                    .iter()
                    .find(|(_, l)| !l.trim().is_empty())
                    .is_some_and(|(_, l)| l.trim_start().starts_with('“'));
            if explained {
                continue;
            }
            out.push(Edit::flag(
                off + i,
                QUOTE_BALANCE,
                format!("unbalanced {name} in this paragraph"),
            ));
        }
    }
    out.sort_by_key(|e| e.start);
    out
}
