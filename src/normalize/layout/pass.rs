//! One pass of the layout stage over a text ([`analyse`]): the lines,
//! furniture and geometry read, every boundary between two non-blank
//! lines decided in order ([`decide_all`]: English by the C-rules, Chinese
//! by `decide::decide_zh_stable`, the units that joins make), then the
//! echoes of the joined units, and the edits of the pass in text order.
//! `edits` (in `layout.rs`) runs passes until nothing changes.

use super::*;

/// The decisions of one pass over the boundaries.
struct Pass {
    reports: Vec<BoundaryReport>,
    /// unit_of[k] = index of the unit (joined run) containing items[k].
    unit_of: Vec<usize>,
    joins: Vec<Option<Decision>>,
    /// Soft breaks made blank lines (English, indentation-marked).
    breaks: Vec<Edit>,
}

impl Pass {
    /// `line_paragraphs` as a second run would compute it on this pass's
    /// output: only the kept boundaries remain (a made-explicit break is
    /// hard there).
    fn line_paragraphs_after(&self, lines: &[Line], items: &[usize]) -> bool {
        let (mut soft, mut hard) = (0usize, 0usize);
        for k in 0..items.len().saturating_sub(1) {
            if self.joins[k].is_some() {
                continue;
            }
            let end = lines[items[k]].end;
            let made_hard = self.breaks.iter().any(|e| e.start == end);
            if items[k + 1] == items[k] + 1 && !made_hard {
                soft += 1;
            } else {
                hard += 1;
            }
        }
        soft >= 2 && soft >= 2 * hard
    }
}

fn decide_all(cx: &Ctx, items: &[usize], short_block: &[bool]) -> Pass {
    let lines = cx.lines;
    let cfg = cx.cfg;
    let mut reports = Vec::new();
    // unit_of[k] = index of the unit (joined run) containing items[k].
    let mut unit_of = vec![0usize; items.len()];
    let mut unit = 0usize;
    let mut unit_state = UnitState::default();
    let mut joins: Vec<Option<Decision>> = vec![None; items.len()];
    let mut breaks: Vec<Edit> = Vec::new();
    // Has the unit that A ends (A and the lines joined before it) Han? The
    // next round reads that unit as one line, so a boundary after it is a
    // Chinese one even when A alone has no Han; deciding it as English here
    // made a chain of joins one round per line, longer than the ten rounds
    // of [`edits`] (issue 10, fuzz).
    let mut unit_han = false;
    // Per boundary, for the backward sweep below: decided as English, and
    // the state the Chinese decision reads.
    let mut english = vec![false; items.len()];
    let mut state = vec![(false, false, UnitState::default()); items.len()];
    // A's unit as the next round will read it (the joins applied), for the
    // English heading tests: its text and word count while it has at most
    // ten words (no heading has more; `None` when A is the unit), and
    // whether it follows a blank line or the start.
    let mut unit_text: Option<String> = None;
    let mut unit_words = 0usize;
    let mut unit_after_blank = true;
    for k in 0..items.len() {
        let a = items[k];
        let ta = cx.content(a);
        unit_state.open_quotes += curly_double_balance(ta);
        unit_state.brackets.feed(ta);
        unit_han = unit_han || has_han(ta);
        unit_of[k] = unit;
        if k + 1 == items.len() {
            break;
        }
        let b = items[k + 1];
        let hard = b > a + 1;
        let furniture = lines[a + 1..b]
            .iter()
            .any(|l| l.furniture != Furniture::None);
        // A starts a unit when the boundary before it was kept (B-D3
        // "follows a blank line or the start", generalised to soft breaks).
        let a_starts_unit = k == 0 || joins[k - 1].is_none();
        if a_starts_unit {
            unit_state.first = a;
        }
        let tb = cx.content(b);
        english[k] = !unit_han && !has_han(tb);
        state[k] = (hard, a_starts_unit, unit_state);
        let d = if english[k] {
            let after_blank = k == 0 || items[k - 1] + 1 < a;
            if a_starts_unit {
                unit_text = None;
                unit_words = word_count(ta);
                unit_after_blank = after_blank;
            } else if unit_words <= 10 {
                if let Some(d) = &joins[k - 1] {
                    let p = &lines[items[k - 1]];
                    let mut u = unit_text
                        .take()
                        .unwrap_or_else(|| cx.text[p.cs..p.ce].to_string());
                    // The join replaces `d.start..` (A's end, or its
                    // hyphen) up to B's content.
                    u.truncate(u.len().saturating_sub(p.ce.saturating_sub(d.start)));
                    // A join without a space glues two words into one.
                    let glued = d.replacement.is_empty()
                        && u.ends_with(|c: char| !c.is_whitespace())
                        && ta.starts_with(|c: char| !c.is_whitespace());
                    unit_words = (unit_words + word_count(ta)).saturating_sub(usize::from(glued));
                    u.push_str(d.replacement);
                    u.push_str(ta);
                    unit_text = Some(u);
                }
            }
            let unit_a = if a_starts_unit {
                Some(ta)
            } else if unit_words <= 10 {
                unit_text.as_deref()
            } else {
                None
            };
            // `indent_gone`: as a second run reads it, without B's indent.
            let decide = |indent_gone| {
                decide_en(
                    cx,
                    a,
                    b,
                    hard,
                    furniture,
                    short_block[k],
                    unit_after_blank,
                    unit_a,
                    indent_gone,
                )
            };
            let d = decide(false);
            // Idempotence: a break kept only because B is indented would be
            // reflowed on a second run, after stage 3 removed the indent. The
            // indent marks a paragraph, so the break is made a blank line.
            if !d.join
                && !hard
                && (lines[b].indented() || lines[b].spaces > 0 || lines[b].tabs > 0)
                && cfg.on(PARAGRAPH_BREAK)
                && decide(true).join
            {
                breaks.push(Edit::new(
                    lines[a].end,
                    lines[b].start,
                    "\n\n",
                    PARAGRAPH_BREAK,
                ));
            }
            d
        } else {
            let d = decide_zh_stable(cx, a, b, hard, a_starts_unit, unit_state);
            if d.signals.last() == Some(&Signal::Note("B-S8: indent made a blank line"))
                && cfg.on(PARAGRAPH_BREAK)
            {
                breaks.push(Edit::new(
                    lines[a].end,
                    lines[b].start,
                    "\n\n",
                    PARAGRAPH_BREAK,
                ));
            }
            d
        };
        let mut d = d;
        if d.join && cfg.on(ECHO) && is_echo_pair(ta, tb) {
            d.join = false;
            d.signals.push("B-E:echo, not joined".into());
        }
        if d.join && !cfg.on(d.rule) {
            d.join = false;
        }
        if furniture {
            d.signals.push("B-P1:furniture removed".into());
        }
        if cx.reports {
            reports.push(BoundaryReport {
                line_a: a + 1,
                line_b: b + 1,
                join: d.join,
                score: d.score,
                signals: signal_texts(&d.signals),
            });
        }
        if d.join {
            if d.signals.first() != Some(&Signal::Weight("B-S8wrap", None, 6)) {
                unit_state.soft_join = true;
            }
            joins[k] = Some(d);
        } else {
            unit += 1;
            unit_state = UnitState::default();
            unit_han = false;
        }
    }

    // The other direction: has the unit that B starts (B and the lines
    // joined after it) Han? The next round reads that unit as one line with
    // Han, so a boundary before it is a Chinese one even when neither A's
    // unit nor B alone has Han. Deciding it as English here moved a chain
    // of joins back one line per round, past the ten rounds of [`edits`]
    // (an English table with one Han character in its last line; fuzz).
    // From the end, so that each decision sees the joins after it.
    let mut b_unit_han = items.last().is_some_and(|&i| has_han(cx.content(i)));
    for k in (0..items.len().saturating_sub(1)).rev() {
        let (a, b) = (items[k], items[k + 1]);
        if english[k] && joins[k].is_none() && b_unit_han {
            let (hard, a_starts_unit, unit_state) = state[k];
            let d = decide_zh_stable(cx, a, b, hard, a_starts_unit, unit_state);
            let echo = cfg.on(ECHO) && is_echo_pair(cx.content(a), cx.content(b));
            if d.join && !echo && cfg.on(d.rule) {
                breaks.retain(|e| e.start != lines[a].end);
                if cx.reports {
                    if let Some(r) = reports.get_mut(k) {
                        r.join = true;
                        r.score = d.score;
                        r.signals = signal_texts(&d.signals);
                        r.signals.push("B-unit has Han: decided as Chinese".into());
                    }
                }
                joins[k] = Some(d);
            }
        }
        b_unit_han = has_han(cx.content(a)) || (joins[k].is_some() && b_unit_han);
    }
    let mut unit = 0;
    for k in 0..items.len() {
        unit_of[k] = unit;
        if joins[k].is_none() {
            unit += 1;
        }
    }

    Pass {
        reports,
        unit_of,
        joins,
        breaks,
    }
}

pub(super) fn analyse(text: &str, cfg: &Config, reports: bool) -> (Vec<Edit>, Vec<BoundaryReport>) {
    let mut lines = split_lines(text);
    find_furniture(text, &mut lines, cfg);
    let geo = geometry(text, &lines, cfg);
    let geo_plain = Geometry {
        wrap_width: plain_wrap_width(&lines, &geo),
        ..geo.clone()
    };
    let cx = Ctx {
        text,
        lines: &lines,
        geo: &geo,
        geo_plain: &geo_plain,
        cfg,
        reports,
    };
    let items: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].blank && lines[i].furniture == Furniture::None)
        .collect();

    // C-R2 soft blocks: runs of Latin items joined by single `\n`.
    let mut short_block = vec![false; items.len()];
    {
        let mut k = 0;
        while k < items.len() {
            let mut e = k;
            while e + 1 < items.len() && items[e + 1] == items[e] + 1 {
                e += 1;
            }
            // Only read by `decide_en`, whose A has no Han: a block whose
            // lines all have Han never needs it.
            let all_short = items[k..=e].iter().any(|&i| !has_han(cx.content(i)))
                && items[k..=e]
                    .iter()
                    .all(|&i| output_word_count(cx.content(i)) < 5);
            for s in short_block.iter_mut().take(e + 1).skip(k) {
                *s = all_short;
            }
            k = e + 1;
        }
    }

    let mut out: Vec<Edit> = Vec::new();
    let mut pass = decide_all(&cx, &items, &short_block);
    // Joins remove soft breaks, and a second run decides one paragraph per
    // line from the breaks that are left: decide again with that geometry
    // when it differs (it can only turn off, and then stays off).
    if geo.line_paragraphs && !pass.line_paragraphs_after(&lines, &items) {
        let geo2 = Geometry {
            line_paragraphs: false,
            ..geo.clone()
        };
        let plain2 = Geometry {
            line_paragraphs: false,
            ..geo_plain.clone()
        };
        let cx2 = Ctx {
            geo: &geo2,
            geo_plain: &plain2,
            ..cx
        };
        pass = decide_all(&cx2, &items, &short_block);
    }
    let Pass {
        reports,
        unit_of,
        joins,
        breaks,
    } = pass;

    // Echo detection over units.
    let n_units = if items.is_empty() {
        0
    } else {
        unit_of[items.len() - 1] + 1
    };
    let mut unit_items: Vec<(usize, usize)> = vec![(usize::MAX, 0); n_units];
    for (k, &u) in unit_of.iter().enumerate() {
        if unit_items[u].0 == usize::MAX {
            unit_items[u].0 = k;
        }
        unit_items[u].1 = k;
    }
    // norm() of a unit, lazily (both directions).
    let norm_unit = |u: usize| {
        let (f, l) = unit_items[u];
        items[f..=l].iter().flat_map(|&i| echo_chars(cx.content(i)))
    };
    let unit_guarded = |u: usize| -> bool {
        let (f, l) = unit_items[u];
        items[f..=l].iter().any(|&i| {
            let t = cx.content(i);
            dateline_end(t).is_some() || is_byline(t) || t.contains("新华社") && t.contains("电")
        })
    };
    // A unit of headline shape, read on all its lines: a headline
    // hard-wrapped onto two lines (`全国首批新版营业执照⏎在上海颁发`) is
    // guarded as a one-line headline is (its lead repeats it, and was read
    // as its echo).
    let unit_headline = |u: usize| -> bool {
        let (f, l) = unit_items[u];
        if f == l {
            headline_shape(cx.content(items[f]))
        } else {
            headline_shape(&cx.unit_text(items[f], items[l]))
        }
    };
    let mut echo_edits: Vec<Edit> = Vec::new();
    if cfg.on(ECHO) && n_units > 1 {
        // Lengths of norm(unit), computed only for candidates.
        let mut lens: Vec<Option<usize>> = vec![None; n_units];
        let mut len_of = |u: usize| -> usize {
            *lens[u].get_or_insert_with(|| {
                let (f, l) = unit_items[u];
                items[f..=l].iter().map(|&i| echo_len(cx.content(i))).sum()
            })
        };
        // Neighbours are the nearest *kept* units: a run of echoes of one
        // paragraph (`X⏎⏎X⏎⏎X…` before or after it) is removed in one pass;
        // comparing with removed units left one echo per run for the next
        // run to find (idempotence, found by the fuzz harness).
        // Kept units so far, in order (the last is the previous kept one).
        let mut kept: Vec<usize> = Vec::new();
        // End of the echo edits so far (they all lie before unit `u`).
        let mut covered_to = 0usize;
        for u in 0..n_units {
            let pk = kept.last().copied();
            // Compare first, count later: the common end (B-E1) or start
            // (B-E2) with the neighbour must cover the shorter norm, which
            // almost every pair fails within a few chars. With `p < prev`
            // (`p < next`) checked below, this is `ends_with`
            // (`starts_with`).
            let suffix_cand =
                pk.is_some_and(|pk| norm_starts_with(norm_unit(pk).rev(), norm_unit(u).rev()));
            let prefix_cand = u + 1 < n_units && norm_starts_with(norm_unit(u + 1), norm_unit(u));
            if !suffix_cand && !prefix_cand {
                kept.push(u);
                continue;
            }
            let p = len_of(u);
            let (pf0, _) = unit_items[u];
            if p < 6 {
                kept.push(u);
                continue;
            }
            // The guards are only read when an echo matches (they are slow).
            let guarded = || unit_guarded(u) || unit_headline(u);
            // B-E1 suffix echo of the previous kept unit.
            if let Some(pk) = pk.filter(|&pk| {
                suffix_cand && !cx.content(items[unit_items[pk].0]).starts_with("[视频]")
            }) {
                let prev = len_of(pk);
                if p < prev && p * 10 < prev * 8 {
                    // A headline's tail repeated as its own line is an
                    // echo too (`…李鹏为核工业总公司工作会议发来贺信⏎⏎业总公司
                    // 工作会议发来贺信`): a headline-shaped unit is guarded
                    // only after a unit that is not a headline.
                    let after_headline = unit_headline(pk);
                    if unit_guarded(u) || (!after_headline && guarded()) {
                        kept.push(u);
                        continue;
                    }
                    let (pf, ll) = unit_items[pk];
                    let (_, pl) = unit_items[u];
                    let start = lines[items[ll]].ce.max(covered_to);
                    let end = lines[items[pl]].end;
                    echo_edits.push(Edit::new(start, end, "", ECHO).with_detail(Detail::EchoOf {
                        line: items[pf] + 1,
                    }));
                    covered_to = covered_to.max(end);
                    continue;
                }
            }
            // B-E2 prefix echo of the next unit.
            let prefix_echo = |x: usize, len_x: usize, len_next: usize| {
                len_x >= 6
                    && len_x < len_next
                    && len_x * 10 < len_next * 8
                    && !unit_headline(x)
                    && !unit_guarded(x)
            };
            let next = if prefix_cand { len_of(u + 1) } else { 0 };
            if prefix_cand && prefix_echo(u, p, next) {
                let (nf, _) = unit_items[u + 1];
                let start = lines[items[pf0]].start;
                let end = lines[items[nf]].start;
                echo_edits.push(Edit::new(start, end, "", ECHO).with_detail(Detail::EchoOf {
                    line: items[nf] + 1,
                }));
                covered_to = covered_to.max(end);
                // The kept units before may be prefix echoes of the same
                // next unit (`X⏎⏎X⏎⏎Xlonger`): walk back over them.
                while let Some(&k) = kept.last() {
                    if !norm_starts_with(norm_unit(u + 1), norm_unit(k)) {
                        break;
                    }
                    let lk = len_of(k);
                    if !prefix_echo(k, lk, next) {
                        break;
                    }
                    let (kf, _) = unit_items[k];
                    let start = lines[items[kf]].start;
                    // Up to the next unit, or to an echo edit that starts
                    // inside (a suffix echo of `k` removed before).
                    let (k1, _) = unit_items[k + 1];
                    let end = echo_edits
                        .iter()
                        .map(|e| e.start)
                        .filter(|&s| s > start)
                        .fold(lines[items[k1]].start, usize::min);
                    echo_edits.push(Edit::new(start, end, "", ECHO).with_detail(Detail::EchoOf {
                        line: items[nf] + 1,
                    }));
                    kept.pop();
                }
                continue;
            }
            kept.push(u);
        }
    }

    // Join edits, furniture edits, inline jump-marker cuts.
    for (k, j) in joins.iter().enumerate() {
        if let Some(d) = j {
            let b = items[k + 1];
            let mut e = Edit::new(d.start, lines[b].cs, d.replacement, d.rule);
            e = e.with_detail(Detail::Join {
                score: d.score,
                signals: signal_texts(&d.signals),
            });
            out.push(e);
        }
    }
    for (i, l) in lines.iter().enumerate() {
        if l.blank {
            continue;
        }
        if l.furniture != Furniture::None {
            // Covered by a join over the gap?
            let covered = out.iter().any(|e| e.start <= l.start && e.end >= l.end);
            if !covered {
                let (s, e) = if l.end < text.len() {
                    (l.start, l.end + 1)
                } else if i > 0 {
                    (lines[i - 1].end, l.end)
                } else {
                    (l.start, l.end)
                };
                out.push(
                    Edit::new(s, e, "", l.furniture.rule()).with_detail(Detail::Note {
                        text: "page furniture removed".into(),
                    }),
                );
            }
            continue;
        }
        if l.cs > l.cs0 && !out.iter().any(|e| e.start <= l.cs0 && e.end >= l.cs) {
            out.push(Edit::new(l.cs0, l.cs, "", JUMP_LINE));
        }
        if l.ce < l.ce0 && !out.iter().any(|e| e.start <= l.ce && e.end >= l.ce0) {
            out.push(Edit::new(l.ce, l.ce0, "", JUMP_LINE));
        }
    }
    out.extend(breaks);
    // Echo removals swallow every edit inside them.
    if !echo_edits.is_empty() {
        out.retain(|e| {
            !echo_edits
                .iter()
                .any(|x| x.start <= e.start && e.end <= x.end)
        });
        out.extend(echo_edits);
    }
    out.sort_by_key(|e| (e.start, e.end));
    // Defensive: drop anything overlapping an earlier edit.
    let mut clean: Vec<Edit> = Vec::with_capacity(out.len());
    for e in out {
        if clean.last().is_none_or(|l: &Edit| e.start >= l.end) {
            clean.push(e);
        }
    }
    (clean, reports)
}
