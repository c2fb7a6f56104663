//! Shingles by script over the text of a block, read as its fingerprint
//! key reads it (`segment::fingerprint`): NFKC, case-folded, whitespace and
//! punctuation of both widths dropped, digits kept, and a gap between two
//! digits kept as one mark (`3.15` is one token `3_15`, never `315`).
//!
//! The key's characters become tokens: every Han (CJK) character is a
//! token of its own; a run of other letters and digits with a digit in it
//! (a number, `covid19`) is one token; in a word of letters only, every
//! letter is a token, the hash of it and the letters before it in the run
//! of Latin text (across words, up to [`LATIN_SPAN`] bytes). A shingle
//! is `n` consecutive tokens, so a Han run gives character n-grams and
//! Latin text n-grams of letters that reach `n - 1 + LATIN_SPAN` letters
//! back (12 for `n` = 5). Letters, not words, so that a typo or a changed
//! word costs a Latin copy about as many shingles as one changed Han
//! character costs a Chinese copy: with word tokens a 2% character edit
//! of an English paragraph broke most of its shingles. Measured with
//! `scripts/neardup-eval` (planted copies of xwlb, sogouc and BBC text):
//! word tokens vs letter tokens of span 5 to 10, chosen on seed 16 and the
//! BBC false pairs (span 6 and 7 flag BBC `politics/327`~`328`, two
//! different stories; span 8 nothing), measured on seeds 17 to 20.
//! A figure is one token, and two texts that differ in it differ in the
//! `n` shingles that hold it. The shingles that hold a figure (a token
//! with a digit) are also collected apart, so that a copy whose figures
//! changed (its figure shingles are not all in the kept copy) is told
//! from a copy that only lost text.

use xxhash_rust::xxh3::xxh3_64;

/// Bytes a Latin token spans (letters, for ASCII): each letter of a word
/// of letters is a token, the hash of it and the letters before it in
/// the run (up to this many bytes of them, across words). Measured on the planted copies of
/// `scripts/neardup-eval` (docs in the module doc).
pub(crate) const LATIN_SPAN: usize = 8;

/// A character that is a token on its own: Han, kana, Hangul (scripts
/// written without spaces between words).
#[inline]
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Tokens of one text: their hashes, in order, and which are figures
/// (hold a digit).
#[derive(Default)]
pub(crate) struct Tokens {
    /// Token hashes in text order.
    pub(crate) toks: Vec<u64>,
    /// Whether each token holds a digit.
    pub(crate) figs: Vec<bool>,
    word: String,
    /// The Latin letters (UTF-8) read since the last Han or figure token,
    /// the last [`LATIN_SPAN`] bytes or more of them, for letter tokens.
    letters: [u8; 32],
    nletters: usize,
    word_digit: bool,
    word_last_digit: bool,
    gap: bool,
}

impl Tokens {
    /// Read `text` (replacing what was read before).
    pub(crate) fn read(&mut self, text: &str) {
        self.toks.clear();
        self.figs.clear();
        self.word.clear();
        self.word_digit = false;
        self.gap = false;
        self.nletters = 0;
        let b = text.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let x = b[i];
            if x < 0x80 {
                if x.is_ascii_alphanumeric() {
                    self.keep(x.to_ascii_lowercase() as char);
                } else {
                    self.drop_char();
                }
                i += 1;
            } else if crate::segment::uro_at(b, i) {
                // U+4E00..=U+9FFF: a Han token as it is.
                let c = u32::from(b[i] & 0x0F) << 12
                    | u32::from(b[i + 1] & 0x3F) << 6
                    | u32::from(b[i + 2] & 0x3F);
                self.han(c);
                i += 3;
            } else {
                let c = text[i..].chars().next().expect("char boundary");
                i += c.len_utf8();
                // The key's own reading of the character (its table for
                // punctuation and full-width forms), so a shingle never
                // drops what the key keeps (`々`, `〆`).
                crate::segment::key_events(c, |e| match e {
                    Some(l) if is_cjk(l) => self.han(l as u32),
                    Some(l) => self.keep(l),
                    None => self.drop_char(),
                });
            }
        }
        self.flush();
    }

    #[inline]
    fn han(&mut self, c: u32) {
        self.flush();
        self.nletters = 0;
        self.toks.push(u64::from(c) | 1 << 40);
        self.figs.push(false);
    }

    #[inline]
    fn keep(&mut self, c: char) {
        let digit = c.is_numeric();
        if self.gap {
            self.gap = false;
            if digit {
                self.word.push(crate::segment::DIGIT_GAP);
            } else {
                self.flush();
            }
        }
        self.word.push(c);
        self.word_digit |= digit;
        self.word_last_digit = digit;
    }

    #[inline]
    fn drop_char(&mut self) {
        if !self.word.is_empty() {
            if self.word_last_digit {
                // Maybe a gap inside a number: decided by what follows.
                self.gap = true;
            } else {
                self.flush();
            }
        }
    }

    fn flush(&mut self) {
        self.gap = false;
        if self.word.is_empty() {
            return;
        }
        if !self.word_digit {
            // A word of letters: a token per letter, the hash of the last
            // LATIN_SPAN bytes of the run (across words, as Han runs are read).
            let mut buf = [0u8; 4];
            for c in self.word.chars() {
                let e = c.encode_utf8(&mut buf).as_bytes();
                let cap = self.letters.len();
                if self.nletters + e.len() > cap {
                    self.letters.copy_within(cap / 2..cap, 0);
                    self.nletters -= cap / 2;
                }
                self.letters[self.nletters..self.nletters + e.len()].copy_from_slice(e);
                self.nletters += e.len();
                let from = self.nletters.saturating_sub(LATIN_SPAN);
                let h = xxh3_64(&self.letters[from..self.nletters]) & !(1 << 40) | 1 << 41;
                self.toks.push(h);
                self.figs.push(false);
            }
        } else {
            let h = xxh3_64(self.word.as_bytes()) & !(1 << 40);
            // A word with a digit: one token, a figure.
            self.toks.push(h);
            self.figs.push(true);
            self.nletters = 0;
        }
        self.word.clear();
        self.word_digit = false;
        self.word_last_digit = false;
    }
}

/// Append the shingle set of `t` (`n` tokens each; a text of fewer
/// tokens is one shingle) to `out`, and the shingles of it that hold a
/// figure to `figures`: 32-bit hashes, each list sorted, no repeats.
/// Returns how many shingles were appended to `out`.
pub(crate) fn shingles(t: &Tokens, n: usize, out: &mut Vec<u32>, figures: &mut Vec<u32>) -> usize {
    let (toks, figs) = (&t.toks, &t.figs);
    if toks.is_empty() {
        return 0;
    }
    let (from, fig_from) = (out.len(), figures.len());
    let n = n.min(toks.len());
    let mut buf = [0u8; 8 * super::MAX_NGRAM];
    for (w, f) in toks.windows(n).zip(figs.windows(n)) {
        for (k, t) in w.iter().enumerate() {
            buf[k * 8..k * 8 + 8].copy_from_slice(&t.to_le_bytes());
        }
        let h = xxh3_64(&buf[..n * 8]) as u32;
        out.push(h);
        if f.contains(&true) {
            figures.push(h);
        }
    }
    sort_unique(out, from);
    sort_unique(figures, fig_from);
    out.len() - from
}

/// Sort `v[from..]` and drop its repeats.
fn sort_unique(v: &mut Vec<u32>, from: usize) {
    let tail = &mut v[from..];
    tail.sort_unstable();
    let mut w = 0;
    for r in 0..tail.len() {
        if r == 0 || tail[r] != tail[w - 1] {
            tail[w] = tail[r];
            w += 1;
        }
    }
    v.truncate(from + w);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(t: &str) -> Tokens {
        let mut k = Tokens::default();
        k.read(t);
        k
    }

    #[test]
    fn han_characters_and_latin_words_are_tokens() {
        // A token per Latin letter: 3 Han + 6 + 4 + 6 letters.
        assert_eq!(toks("新华社 Xinhua News, agency").toks.len(), 3 + 16);
        // Punctuation of both widths is dropped: the same tokens.
        assert_eq!(
            toks("央视网消息（新闻联播）：").toks,
            toks("央视网消息(新闻联播):").toks
        );
        // Full-width Latin and digits read as ASCII.
        assert_eq!(toks("ＣＣＴＶ１２３").toks, toks("cctv123").toks);
    }

    #[test]
    fn what_the_key_keeps_is_a_token() {
        // `々` (U+3005) and `〇` sit among the CJK punctuation the key
        // drops, but are letters the key keeps: tokens here too.
        assert_eq!(toks("人々").toks.len(), 2);
        assert_eq!(toks("二〇二六年").toks.len(), 5);
        assert_eq!(toks("人、").toks.len(), 1);
    }

    #[test]
    fn a_latin_letter_is_a_token_of_the_letters_before_it() {
        // One changed letter changes the LATIN_SPAN tokens that hold it,
        // not the rest of the text's tokens.
        let a = toks("the minister said on friday that the talks would go on");
        let b = toks("the minister said on fribay that the talks would go on");
        assert_eq!(a.toks.len(), b.toks.len());
        let differ = a.toks.iter().zip(&b.toks).filter(|(x, y)| x != y).count();
        assert_eq!(differ, LATIN_SPAN);
        // Spaces and punctuation are not letters: the same tokens.
        assert_eq!(toks("go on, said he").toks, toks("goon saidhe").toks);
        // A Han character or a number starts the run again.
        assert_eq!(toks("ab中ab").toks[3], toks("ab").toks[0]);
        assert_eq!(toks("x 19 ab").toks[2], toks("ab").toks[0]);
        assert!(toks("covid19").figs[0]);
    }

    #[test]
    fn a_number_is_one_token_and_a_figure() {
        let a = toks("增长3.15%");
        assert_eq!(a.toks.len(), 3);
        assert_eq!(a.figs, [false, false, true]);
        assert_ne!(toks("增长3.15%").toks, toks("增长31.5%").toks);
        assert_ne!(toks("编号11-38").toks, toks("编号1-138").toks);
        // A letter after a number's gap starts a new word (of 5 letters).
        assert_eq!(toks("19 cases").toks.len(), 1 + 5);
    }

    #[test]
    fn shingle_sets_are_sorted_and_unique() {
        let t = toks("今天天气很好今天天气很好今天天气很好");
        let (mut out, mut figs) = (vec![7], Vec::new());
        let n = shingles(&t, 5, &mut out, &mut figs);
        assert_eq!(out.len(), 1 + n);
        // A repeated 6-character period gives 6 distinct 5-grams.
        assert_eq!(n, 6);
        assert!(out[1..].windows(2).all(|w| w[0] < w[1]));
        assert!(figs.is_empty());
        // Fewer tokens than n: one shingle.
        assert_eq!(shingles(&toks("你好"), 5, &mut Vec::new(), &mut figs), 1);
        assert_eq!(shingles(&toks(""), 5, &mut Vec::new(), &mut figs), 0);
        // 14 tokens (the number is one): 10 shingles, 5 of them over it.
        let n = shingles(
            &toks("今年粮食产量达到13000亿斤创新高"),
            5,
            &mut out,
            &mut figs,
        );
        assert_eq!((n, figs.len()), (10, 5));
    }
}
