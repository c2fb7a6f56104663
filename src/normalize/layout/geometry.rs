//! Document-level geometry (B-S8) and style, measured in one pass over
//! the file before any boundary is decided: whether indentation marks
//! paragraph starts, the wrap width of a hard-wrapped file, whether the
//! file has one paragraph per line, and how its paragraphs end (the style
//! that lifts B-R5 in edited text, [`Geometry::edited`]). Everything here
//! depends on the file alone, so decisions are the same for any `--jobs`.

use super::*;

#[derive(Clone)]
pub(super) struct Geometry {
    /// Indentation marks paragraph starts (some lines indented, most not).
    pub(super) indent_informative: bool,
    /// The file's paragraphs carry the indent: at least half of its lines
    /// are indented, and some are not (headlines, or damage: the second
    /// half of a broken paragraph). B-S8cont and the indented-head lift
    /// of B-D3 read it.
    pub(super) indented_paragraphs: bool,
    /// Modal display width when the file is hard-wrapped at a fixed width.
    pub(super) wrap_width: Option<usize>,
    /// The file was wrapped character by character, not at word breaks: a
    /// full line (within two cells of the wrap width) ends inside a run
    /// of digits that the next line goes on with (`…习近平2⏎5日…`), or
    /// with a space kept before its line break, which a wrapper that
    /// breaks at spaces drops. There a Latin word cut by a full line's end
    /// (`…波音737 M⏎AX机型…`) is joined without a space.
    pub(super) char_wrap: bool,
    /// One paragraph per line: consecutive lines are mostly separated by a
    /// single `\n` (≥ 2 such boundaries and at least twice as many as blank
    /// separated ones), so a single `\n` is a paragraph break. Stage 3 keeps
    /// the separators, so this reads the same on the output (idempotence).
    pub(super) line_paragraphs: bool,
    /// The file's own style, read from its paragraph-final lines with ≥ 4
    /// Han that end with a pause mark `，、,` (not counting lines that B
    /// plainly continues: B opens with a mark that cannot start a line, or
    /// closes A's bracket: damage, not style), the pause ends; see
    /// [`Geometry::edited`].
    pub(super) style: Style,
    /// What [`Geometry::damaged`] reads, asked for only by the boundaries
    /// that need it: the paragraph-final lines counted in the style that
    /// B plainly continues without a dictionary (B opens with a mark that
    /// cannot start a line, or closes A's bracket), the questionable lines
    /// decided without one, and the lines a dictionary word across the
    /// break decides (the line and its next).
    pub(super) broken_quick: usize,
    pub(super) questionable_quick: usize,
    pub(super) unless_word: Vec<(usize, usize)>,
    /// [`Geometry::damaged`], once asked.
    pub(super) damage: std::cell::OnceCell<bool>,
    /// Per line: the display width of its content (after the
    /// indentation) as the output will read it, once the whitespace and
    /// punctuation stages have run ([`output_width`]); measured so only
    /// when the file could have a wrap width ([`could_wrap`]), otherwise
    /// the width as it is (read only under a wrap width). In a file
    /// wrapped at its input widths (ASCII marks among Han, one cell each,
    /// that the output makes two), the widths as they are.
    pub(super) out_width: Vec<usize>,
    /// The widest content line without indentation (`out_width`): a bound
    /// on the width an English file was wrapped at, read by the wrapped
    /// heading of `english::decide_en`. Lines with indentation do not
    /// count: stage 3 removes it, and a second run must read the same
    /// bound or a wider one.
    pub(super) widest_plain: usize,
}

/// The display width of `s` (one line's content) as the later stages'
/// output will read: they fold full-width digits and letters, collapse
/// space runs, widen ASCII marks between Han (`,` → `，`), remove spaces
/// beside full-width marks. A width measured on the text as layout sees
/// it would differ, and a second run would read another wrap width or
/// find a line full that was short (issue 10). The stages themselves are
/// run on the line.
fn output_width(s: &str, cfg: &Config) -> usize {
    width_cjk(&output_form(s, cfg))
}

/// `s` (one line's content) as the whitespace and punctuation stages will
/// write it: the stages run on the line.
pub(super) fn output_form(s: &str, cfg: &Config) -> String {
    let on = |mut e: Vec<Edit>| {
        e.retain(|e| cfg.on(e.rule));
        e
    };
    let t = crate::edit::apply(s, &on(crate::normalize::whitespace::edits(s, cfg)));
    crate::edit::apply(&t, &on(crate::normalize::punct::edits(&t, cfg)))
}

/// [`width_cjk`] of `s` and how many characters of `s` the whitespace or
/// punctuation stage may change the width of (the slack): an ASCII mark,
/// space or control character; a full-width digit, letter or space; a
/// full-width mark or ideographic punctuation beside an ASCII letter or
/// digit (`1，2`, `hungry，stay`). Han, ASCII letters and digits and
/// full-width marks among Han keep their width. The slack is a bound on
/// the width change: each changes it by one cell (a width changed or a
/// space removed), a removed `\u{3000}` by two, counted twice, and so is
/// an ellipsis `…` or `⋯`, which A-E1 may write `……`.
///
/// One byte pass for both (this runs on every line; a second pass for the
/// slack cost about 9% of a run's CPU on xwlb).
pub(super) fn width_and_slack(s: &str) -> (usize, usize) {
    // Byte-wise: `s` is valid UTF-8, U+3000–U+303F is `E3 80 xx`,
    // U+FF00–U+FFEF is `EF BC xx`…`EF BF xx`.
    let b = s.as_bytes();
    let (mut n, mut i) = (0, 0);
    let (mut prev_alnum, mut prev_mark) = (false, false);
    // The width by `width_cjk`'s fast path; `None` once a character
    // outside it is met (then `unicode-width` measures the whole line).
    let mut w = Some(0usize);
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            let alnum = x.is_ascii_alphanumeric();
            if !alnum || prev_mark {
                n += 1;
            }
            (prev_alnum, prev_mark) = (alnum, false);
            w = w.filter(|_| (b' '..=b'~').contains(&x)).map(|w| w + 1);
            i += 1;
            continue;
        }
        let mark = (x == 0xE3 && b[i + 1] == 0x80) || (x == 0xEF && b[i + 1] & 0xFC == 0xBC);
        if mark {
            let (y, z) = (b[i + 1], b[i + 2]);
            let ideo_space = x == 0xE3 && z == 0x80;
            let full_alnum = x == 0xEF
                && ((y == 0xBC && matches!(z, 0x90..=0x99 | 0xA1..=0xBA))
                    || (y == 0xBD && matches!(z, 0x81..=0x9A)));
            if ideo_space {
                // A removed ideographic space takes two cells.
                n += 2;
            } else if full_alnum || prev_alnum {
                n += 1;
            }
        } else if x == 0xE2 && matches!((b[i + 1], b[i + 2]), (0x80, 0xA6) | (0x8B, 0xAF)) {
            // A lone `…` or `⋯` that A-E1 writes `……`: two cells more.
            n += 2;
        }
        (prev_alnum, prev_mark) = (false, mark);
        if let Some(v) = w {
            w = fast_cjk_width(b, i).map(|d| v + d);
        }
        i += match x {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
    }
    (w.unwrap_or_else(|| s.width_cjk()), n)
}

/// Could widths anywhere in `[lo, hi]` per line make [`wrap_width_of`]
/// find a wrap width? It needs six lines or more and five or more of them
/// (and 40%) within two cells of one width of 20 or more. When not, the
/// exact output widths need not be measured: no wrap width either way.
fn could_wrap(ranges: &[(usize, usize)]) -> bool {
    let n = ranges.len();
    if n < 6 {
        return false;
    }
    let top = ranges.iter().map(|r| r.1).max().unwrap_or(0) + 3;
    // Lines whose range meets `[w - 2, w + 2]`, for each w (differences).
    let mut diff = vec![0isize; top + 2];
    for &(lo, hi) in ranges {
        diff[lo.saturating_sub(2)] += 1;
        diff[hi + 3] -= 1;
    }
    let mut c = 0isize;
    for (w, d) in diff.iter().enumerate().take(top + 1) {
        c += d;
        let c = c.max(0) as usize;
        if w >= 20 && c >= 5 && c * 10 >= n * 4 {
            return true;
        }
    }
    false
}

/// `str::width_cjk`, with a fast sum for lines made only of printable
/// ASCII, CJK ideographs and CJK/full-width punctuation (each a single
/// cell or two, never part of a longer sequence); anything else goes to
/// `unicode-width`.
pub(super) fn width_cjk(s: &str) -> usize {
    let b = s.as_bytes();
    let mut w = 0;
    let mut i = 0;
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            if !(b' '..=b'~').contains(&x) {
                return s.width_cjk();
            }
            w += 1;
            i += 1;
        } else {
            match fast_cjk_width(b, i) {
                Some(d) => w += d,
                None => return s.width_cjk(),
            }
            i += if x == 0xC2 { 2 } else { 3 };
        }
    }
    w
}

/// The width of the non-ASCII character at byte `i` of valid UTF-8 `b`
/// when `width_cjk`'s fast path knows it (two cells: URO ideographs, CJK
/// and full-width punctuation, `‘ ’ “ ” — … ·`), `None` otherwise.
#[inline]
fn fast_cjk_width(b: &[u8], i: usize) -> Option<usize> {
    // E5–E9 lead only URO chars (U+5000–U+9FFF), and so does E4 followed
    // by B8–BF (U+4E00–U+4FFF).
    let x = b[i];
    if crate::segment::uro_at(b, i) {
        Some(2)
    } else if x & 0xF0 == 0xE0 {
        let c = (u32::from(x & 0x0F) << 12)
            | (u32::from(b[i + 1] & 0x3F) << 6)
            | u32::from(b[i + 2] & 0x3F);
        match c {
            0x4E00..=0x9FFF
            | 0x3000..=0x3029
            | 0x3030..=0x303E
            | 0xFF01..=0xFF60
            // Ambiguous-width marks (two cells in a CJK context),
            // frequent in Chinese news: ‘ ’ “ ” — …
            | 0x2018
            | 0x2019
            | 0x201C
            | 0x201D
            | 0x2014
            | 0x2026 => Some(2),
            _ => None,
        }
    } else if x == 0xC2 && b[i + 1] == 0xB7 {
        // ·
        Some(2)
    } else {
        None
    }
}

/// Where a file reads as edited text ([`Geometry::edited`]): no pause end
/// other than the boundary's own. Only that is kept of the style counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    /// Not edited at any line.
    Unedited,
    /// Edited at every line (no pause end).
    Edited,
    /// Edited only at this pause end (the only one).
    EditedAt(usize),
}

impl Geometry {
    /// Edited text: no other paragraph-final line with ≥ 4 Han ends with a
    /// pause mark. Only then is a pause mark `，、` before a paragraph break
    /// (at line `a`) read as a break (B-R5 off; still on for a list of
    /// items that end with the mark, see `decide`). Edited news almost
    /// never ends a paragraph with `，`, and even the transcripts of xwlb
    /// seldom do: of its 5,078 files 50 have one such paragraph end (most
    /// of them breaks, read on the real corpus: 10 joined, one of them a
    /// speaker's words a paragraph ended) and 5 have two or more (lists,
    /// verse), which keep B-R5. Headlines, bylines and subheads without a
    /// stop do not count (edited news has them, and xwlb's dropped `。`
    /// is not a pause mark): lines without a final mark are not judged by
    /// style at all (B-R13, B-R7, B-R9 stay), as xwlb drops the final `。`
    /// about once a file, which a file-local count cannot tell from a
    /// break; read on the whole of xwlb, dropping those rules in such
    /// files joined 19 real paragraph ends for 3 real breaks.
    pub(super) fn edited(&self, a: usize) -> bool {
        match self.style {
            Style::Unedited => false,
            Style::Edited => true,
            Style::EditedAt(q) => q == a,
        }
    }

    /// Damaged text: the file shows its own breaks. At least four of its
    /// paragraph-final lines without a stop are plainly continued by the
    /// next line (a dictionary word or a bracket across, a mark that cannot
    /// open a line), and they are at least a quarter as many as the other
    /// lines that end without a stop. A random break falls inside a word
    /// about half the time, a real paragraph end (a headline, a dropped
    /// `。`) seldom, so the share says how many of the other unstopped
    /// ends are breaks too: in such a file the transcript priors that
    /// keep a weakly evidenced break (B-R5 after `，`, B-R13) are off.
    /// A transcript file of xwlb has one such line in most files and none
    /// in many, against a dozen headlines and a dropped `。` or two.
    /// Asked only where a boundary's decision depends on it (the
    /// dictionary is read for the lines of `unless_word` then, once a file).
    pub(super) fn damaged(&self, text: &str, lines: &[Line]) -> bool {
        *self.damage.get_or_init(|| {
            let across = self
                .unless_word
                .iter()
                .filter(|&&(i, j)| {
                    words::word_across(
                        &text[lines[i].cs..lines[i].ce],
                        &text[lines[j].cs..lines[j].ce],
                    )
                    .is_some()
                })
                .count();
            let broken = self.broken_quick + across;
            let other = self.questionable_quick + self.unless_word.len() - across;
            broken >= 4 && broken * 4 >= other
        })
    }
}

pub(super) fn geometry(text: &str, lines: &[Line], cfg: &Config) -> Geometry {
    let content: Vec<&Line> = lines
        .iter()
        .filter(|l| !l.blank && l.furniture == Furniture::None)
        .collect();
    let indented = content.iter().filter(|l| l.indented()).count();
    let plain = content.len() - indented;
    let indent_informative = indented > 0 && plain * 5 >= content.len() && plain > 0;
    let indented_paragraphs = indented * 2 >= content.len() && plain > 0;
    // Widths as the output will read them; measured exactly (the later
    // stages run on the line) only when they could give the file a wrap
    // width, with indentation or without.
    let mut out_width = vec![0usize; lines.len()];
    let mut slack = vec![0usize; lines.len()];
    let mut indent = vec![0usize; lines.len()];
    for (i, l) in lines.iter().enumerate() {
        if !l.blank && l.furniture == Furniture::None {
            let s = &text[l.cs..l.ce];
            (out_width[i], slack[i]) = width_and_slack(s);
            indent[i] = width_cjk(&text[l.start..l.cs]);
        }
    }
    let content_ix: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].blank && lines[i].furniture == Furniture::None)
        .collect();
    let ranges = |with_indent: bool| -> Vec<(usize, usize)> {
        content_ix
            .iter()
            .map(|&i| {
                let w = out_width[i] + if with_indent { indent[i] } else { 0 };
                (w.saturating_sub(slack[i]), w + slack[i])
            })
            .collect()
    };
    // The widths as the text is, before the output's are measured.
    let mut in_width: Option<Vec<usize>> = None;
    if could_wrap(&ranges(true)) || could_wrap(&ranges(false)) {
        let raw = out_width.clone();
        for &i in &content_ix {
            if slack[i] > 0 {
                out_width[i] = output_width(&text[lines[i].cs..lines[i].ce], cfg);
            }
        }
        if raw != out_width {
            in_width = Some(raw);
        }
    }
    let with_indent =
        |w: &[usize]| -> Vec<usize> { content_ix.iter().map(|&i| indent[i] + w[i]).collect() };
    // A file wrapped before its marks were made full-width (`…代办低保、
    // 解决供暖问题、报销⏎医药费…` among lines with ASCII `,`, one cell
    // each) is wrapped at its input widths, which the output's widths
    // scatter: the line that filled the width reads two or three cells
    // short, and a line with marks wider than the width. Of the two, the
    // widths that fit a wrap width better are the file's (more lines at
    // most two cells short of it, fewer wider: `wrap_fit`); a second run
    // reads the same, since a file read by its input widths has its full
    // lines joined.
    let mut wrap = wrap_fit(&with_indent(&out_width));
    if let Some(raw) = in_width {
        if let Some(by_input) = wrap_fit(&with_indent(&raw)) {
            if wrap.is_none_or(|by_output| by_input.1 > by_output.1) {
                wrap = Some(by_input);
                out_width = raw;
            }
        }
    }
    let wrap_width = wrap.map(|w| w.0);
    let char_wrap = wrap_width.is_some_and(|w| {
        content_ix.windows(2).any(|p| {
            let (i, j) = (p[0], p[1]);
            let (li, lj) = (&lines[i], &lines[j]);
            let ti = &text[li.cs..li.ce];
            j == i + 1
                && fills_wrap(indent[i] + out_width[i], w)
                && ((last_char(ti).is_some_and(|c| c.is_ascii_digit())
                    && first_char(&text[lj.cs..lj.ce]).is_some_and(|c| c.is_ascii_digit()))
                    || text[li.ce..li.end].contains(' '))
        })
    });
    let widest_plain = content_ix
        .iter()
        .filter(|&&i| lines[i].cs == lines[i].start)
        .map(|&i| out_width[i])
        .max()
        .unwrap_or(0);
    let (mut soft, mut hard) = (0usize, 0usize);
    let mut prev: Option<usize> = None;
    for (i, l) in lines.iter().enumerate() {
        if l.blank || l.furniture != Furniture::None {
            continue;
        }
        if let Some(p) = prev {
            if i == p + 1 {
                soft += 1;
            } else {
                hard += 1;
            }
        }
        prev = Some(i);
    }
    let line_paragraphs = soft >= 2 && soft >= 2 * hard;
    // How paragraph-final lines end (the file's style, and its damage).
    let mut broken_quick = 0usize;
    // Questionable lines (for `damaged`), and the lines that are unless a
    // dictionary word spans their break (the line and its next), in line
    // order; the pause ends among them (the style).
    let mut questionable: Vec<usize> = Vec::new();
    let mut unless_word: Vec<(usize, usize)> = Vec::new();
    let mut pause_ends: Vec<usize> = Vec::new();
    if wrap_width.is_none() {
        let mut prev: Option<usize> = None;
        let mut tally = |i: usize, next: Option<usize>| {
            let t = &text[lines[i].cs..lines[i].ce];
            let Some(c) = last_char(t) else { return };
            let is_p = matches!(c, '，' | '、' | ',');
            let is_u = is_han(c) || c.is_ascii_digit();
            // Headlines and labels count too: an edited file has none
            // without a stop either (a headline ends a unit, B-D3).
            if !(is_p || is_u) || !has_han_count(t, 4) {
                return;
            }
            if let Some(j) = next {
                let tb = &text[lines[j].cs..lines[j].ce];
                if opens_prohibited(tb) || open_bracket_across(t, tb) == Some(true) {
                    broken_quick += 1;
                    return;
                }
                if is_han(c) && first_char(tb).is_some_and(is_han) {
                    unless_word.push((i, j));
                    return;
                }
            }
            if is_p {
                pause_ends.push(i);
            }
            questionable.push(i);
        };
        for (i, l) in lines.iter().enumerate() {
            if l.blank || l.furniture != Furniture::None {
                continue;
            }
            if let Some(p) = prev {
                let para = i > p + 1
                    || if indent_informative {
                        l.indented()
                    } else {
                        line_paragraphs
                    };
                if para {
                    tally(p, Some(i));
                }
            }
            prev = Some(i);
        }
        if let Some(p) = prev {
            tally(p, None);
        }
    }
    let questionable_quick = questionable.len();
    // A hard-wrapped file is not read for its style (B-R5 is off there).
    let style = match pause_ends[..] {
        _ if wrap_width.is_some() => Style::Unedited,
        [] => Style::Edited,
        [q] => Style::EditedAt(q),
        _ => Style::Unedited,
    };
    Geometry {
        indent_informative,
        indented_paragraphs,
        wrap_width,
        char_wrap,
        line_paragraphs,
        style,
        broken_quick,
        questionable_quick,
        unless_word,
        damage: std::cell::OnceCell::new(),
        out_width,
        widest_plain,
    }
}

/// The wrap width of a file whose content lines have these display widths
/// (see [`Geometry::wrap_width`]); at least six lines.
pub(super) fn wrap_width_of(widths: &[usize]) -> Option<usize> {
    wrap_fit(widths).map(|w| w.0)
}

/// [`wrap_width_of`] and how well the widths fit it: the lines at most
/// two cells short of it, less twice the lines wider (which a file wrapped
/// at that width cannot have).
fn wrap_fit(widths: &[usize]) -> Option<(usize, isize)> {
    let mut wrap_width = None;
    if widths.len() >= 6 {
        // Histogram indexed by width (two spare slots past the widest).
        let max_w = widths.iter().copied().max().unwrap_or(0);
        let mut hist = vec![0usize; max_w + 3];
        for &w in widths {
            hist[w] += 1;
        }
        let near = |w: usize| -> usize { hist[w.saturating_sub(2)..=w + 2].iter().sum() };
        // The cluster around the most common width; lines never exceed
        // the wrap width, so the wrap width is the cluster's widest line
        // (the cluster with the most lines in a ±2 window could sit two
        // cells lower, below the full lines: 603 lines at 16–20 against
        // 596 at 18–22 when the full lines are 20 and 19 wide).
        let best = (0..=max_w)
            .filter(|&w| hist[w] > 0)
            .max_by_key(|&w| (hist[w], w))
            .map(|m| {
                let w = (m..=m + 2).rev().find(|&w| hist[w] > 0).unwrap_or(m);
                (w, near(w))
            });
        if let Some((w, c)) = best {
            // Lines never exceed the wrap width, and a paragraph's last line
            // is shorter: the cluster at the widest common width must hold
            // 70% of the lines, or 40% when (almost) no line is wider.
            let wider: usize = hist.get(w + 3..).map_or(0, |h| h.iter().sum());
            if w >= 20
                && (c * 10 >= widths.len() * 7
                    || (c >= 5 && c * 10 >= widths.len() * 4 && wider * 50 <= widths.len()))
            {
                let fit: usize = hist[w.saturating_sub(2)..=w].iter().sum();
                let over: usize = hist.get(w + 1..).map_or(0, |h| h.iter().sum());
                wrap_width = Some((w, fit as isize - 2 * over as isize));
            }
        }
    }
    wrap_width
}

/// The wrap width as stage 3's output will be read: without the
/// indentation, which stage 3 removes (idempotence: a file whose indented
/// lines hide its wrap width is wrapped once they are gone). The same as
/// `geo.wrap_width` when no line is indented.
pub(super) fn plain_wrap_width(lines: &[Line], geo: &Geometry) -> Option<usize> {
    let content = lines
        .iter()
        .zip(&geo.out_width)
        .filter(|(l, _)| !l.blank && l.furniture == Furniture::None);
    if !content.clone().any(|(l, _)| l.indented()) {
        return geo.wrap_width;
    }
    wrap_width_of(&content.map(|(_, &w)| w).collect::<Vec<_>>())
}
