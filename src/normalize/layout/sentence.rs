//! B-S12: does the break read like a sentence boundary, by the characters
//! on either side of it?
//!
//! Some characters end sentences often (`行` of `举行。`, `示` of `表示。`)
//! and some start them often (`据`, `今`, `在`); others almost never end
//! one (`于`, `企`, `基`) or start one (`业`, `础`, `护`). The table
//! (`data/sentence-chars.txt`, made by `scripts/sentence-chars` from
//! xwlb) counts, for each Han character, the sentences it ends and starts
//! and its occurrences. [`break_score`] is the log-likelihood ratio of a
//! sentence boundary between `a` and `b` against the base rates: how much
//! likelier than an average character `a` is to end a sentence, plus how
//! much likelier `b` is to start one (each smoothed towards the base rate
//! with [`PRIOR`] occurrences). A break between two characters that
//! neither end nor start sentences (`…落后的205家企⏎业将被关停…` −7.6,
//! `…扰乱正常⏎医疗秩序…` −1.3) is unlikely a paragraph end; a headline
//! before its lead (`…在天津举行⏎央视网消息…` +4.2) or a transcript
//! paragraph that dropped its `。` scores above zero. B-S12 counts a
//! score below `decide::UNLIKELY_BREAK` (−2.5); the figures below were
//! read at −1.5, before the threshold was chosen.
//!
//! Read on real xwlb (every tenth file): of the lines of ≥ 30 characters
//! ending with a Han character before a line starting with one, 0.2% score
//! below −1.5 (headlines before their leads, mostly); of the sentence
//! paragraphs among them (with a `，` or `。`), 20 of 291 do, and most of
//! those 20 are breaks the transcript left (`…基⏎础上…`, `…救⏎护车…`).

use std::collections::HashMap;
use std::sync::OnceLock;

/// Occurrences of the base rate mixed into each character's counts.
const PRIOR: f64 = 20.0;

struct Table {
    /// Per character: sentences it ends, sentences it starts, occurrences.
    chars: HashMap<char, [u32; 3]>,
    /// Base rates over all characters: ends and starts per occurrence.
    end_rate: f64,
    start_rate: f64,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let mut chars = HashMap::new();
        let (mut e, mut s, mut n) = (0u64, 0u64, 0u64);
        for line in include_str!("../../../data/sentence-chars.txt").lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut f = line.split(' ');
            let (Some(c), Some(x), Some(y), Some(z)) = (f.next(), f.next(), f.next(), f.next())
            else {
                continue;
            };
            let (Some(c), Ok(x), Ok(y), Ok(z)) =
                (c.chars().next(), x.parse(), y.parse(), z.parse())
            else {
                continue;
            };
            chars.insert(c, [x, y, z]);
            e += u64::from(x);
            s += u64::from(y);
            n += u64::from(z);
        }
        let n = n.max(1) as f64;
        Table {
            chars,
            end_rate: e as f64 / n,
            start_rate: s as f64 / n,
        }
    })
}

/// Log-likelihood ratio (natural log) that a sentence ends with `a` and
/// the next starts with `b`, against an average pair of characters; see
/// the module doc. A character the table lacks counts at the base rate.
pub(super) fn break_score(a: char, b: char) -> f64 {
    let t = table();
    let [ea, _, na] = t.chars.get(&a).copied().unwrap_or_default();
    let [_, sb, nb] = t.chars.get(&b).copied().unwrap_or_default();
    let pe = (f64::from(ea) + t.end_rate * PRIOR) / (f64::from(na) + PRIOR);
    let ps = (f64::from(sb) + t.start_rate * PRIOR) / (f64::from(nb) + PRIOR);
    (pe / t.end_rate).ln() + (ps / t.start_rate).ln()
}

#[cfg(test)]
mod tests {
    use super::break_score;

    #[test]
    fn a_break_inside_a_phrase_scores_below_a_sentence_end() {
        // Breaks the xwlb transcripts left (read on the corpus).
        assert!(break_score('企', '业') < -5.0);
        assert!(break_score('基', '础') < -4.0);
        assert!(break_score('常', '医') < -1.0);
        // A headline before its lead, a sentence end before an opener.
        assert!(break_score('行', '央') > 3.0);
        assert!(break_score('示', '据') > 1.0);
        // Not in the table: the base rate, 0.
        assert!(break_score('\u{9fa5}', '\u{9fa4}').abs() < 1e-9);
    }
}
