//! The edit: the unit of truth of every change newsclean makes.
//!
//! Every rule reports what it wants changed as [`Edit`]s: a byte span of its
//! input, the replacement, the rule id and optional detail. Cleaned text is
//! always `apply(original, edits)`; reports (changes.jsonl, diffs, HTML) are
//! views of the same edits, and [`invert`] rebuilds the original from the
//! cleaned text, which is how the tests prove nothing was lost silently.
//!
//! The pipeline runs in stages (line endings and characters, layout,
//! whitespace tidy, punctuation, duplicate removal). Each stage reads the
//! previous stage's text, which keeps every rule a plain function over
//! `&str`. [`Composed`] folds the edits of each stage back onto the decoded
//! original: an edit of a later stage that overlaps changes of an earlier one
//! absorbs them into one edit (the later rule names it, because it is the
//! one that decided the final text of that span), so the final list is
//! always non-overlapping spans of the original.

use serde::{Deserialize, Serialize};

/// Extra information attached to an edit, shown in the reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Detail {
    /// A removed duplicate: where the kept copy is (relative path, 1-based line).
    DuplicateOf {
        /// The earlier run that kept it (`--index`); `None`: this run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        run: Option<String>,
        /// Relative path of the file holding the kept copy (for an
        /// earlier run: as that run recorded it).
        file: String,
        /// 1-based line of the kept copy in its decoded original.
        line: usize,
    },
    /// A near-duplicate (`dedup.near-*`): where the kept copy is and how
    /// similar this copy is to it.
    NearDuplicateOf {
        /// The earlier run that kept it (`--index`); `None`: this run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        run: Option<String>,
        /// Relative path of the file holding the kept copy.
        file: String,
        /// 1-based line of the kept copy in its decoded original.
        line: usize,
        /// The scores.
        #[serde(flatten)]
        score: crate::near::Similarity,
    },
    /// How similar a near-duplicate is to its kept copy (the detail of a
    /// change record, whose `duplicate_of` names the kept copy).
    Similarity(crate::near::Similarity),
    /// A layout join: the score and the signals that fired.
    Join {
        /// Total score of the boundary.
        score: i32,
        /// Signal ids with their weights, e.g. `B-S1+3`.
        signals: Vec<String>,
    },
    /// An echo fragment: the paragraph it repeats (1-based line in the original).
    EchoOf {
        /// 1-based line of the echoed paragraph.
        line: usize,
    },
    /// Free-form explanation (flags, page furniture, …).
    Note {
        /// The explanation.
        text: String,
    },
}

/// One change: replace `start..end` (bytes of the stage input) by `replacement`.
///
/// An edit whose span is empty and whose replacement is empty is a *flag*:
/// it changes nothing and marks a place for the reviewer (e.g. an
/// unbalanced quote).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edit {
    /// Start byte offset (inclusive).
    pub start: usize,
    /// End byte offset (exclusive).
    pub end: usize,
    /// Text that replaces `start..end`.
    pub replacement: String,
    /// Stable rule id, e.g. `punct.comma` (read back through the rule
    /// registry: an unknown id is an error).
    pub rule: &'static str,
    /// Optional detail for the reports.
    pub detail: Option<Detail>,
}

impl Edit {
    /// A plain replacement.
    pub fn new(
        start: usize,
        end: usize,
        replacement: impl Into<String>,
        rule: &'static str,
    ) -> Self {
        Edit {
            start,
            end,
            replacement: replacement.into(),
            rule,
            detail: None,
        }
    }

    /// A flag: no text change at `at`.
    pub fn flag(at: usize, rule: &'static str, note: impl Into<String>) -> Self {
        Edit {
            start: at,
            end: at,
            replacement: String::new(),
            rule,
            detail: Some(Detail::Note { text: note.into() }),
        }
    }

    /// Attach detail.
    pub fn with_detail(mut self, detail: Detail) -> Self {
        self.detail = Some(detail);
        self
    }

    /// True for flags (edits that change no text).
    pub fn is_flag(&self) -> bool {
        self.start == self.end && self.replacement.is_empty()
    }
}

/// An [`Edit`] as read back: its rule id looked up in the registry, so a
/// serialised edit names a rule this build knows (else an error).
#[derive(Deserialize)]
struct EditWire {
    start: usize,
    end: usize,
    replacement: String,
    rule: String,
    detail: Option<Detail>,
}

impl<'de> Deserialize<'de> for Edit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Edit, D::Error> {
        let w = EditWire::deserialize(d)?;
        let rule = crate::rules::get(&w.rule)
            .map(|r| r.id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown rule id {:?}", w.rule)))?;
        Ok(Edit {
            start: w.start,
            end: w.end,
            replacement: w.replacement,
            rule,
            detail: w.detail,
        })
    }
}

/// Apply sorted, non-overlapping edits to `text`.
///
/// Panics if edits overlap or are out of order: that is a bug in a rule,
/// and the per-file panic guard reports it as that file's failure.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in edits {
        assert!(
            e.start >= pos && e.end >= e.start && e.end <= text.len(),
            "edit {}..{} ({}) overlaps or is out of order (pos {pos})",
            e.start,
            e.end,
            e.rule
        );
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.replacement);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Push `e`, merging it into the previous edit when both are plain edits of
/// the same rule and touch (so a run of converted characters is one edit).
pub fn push_merged(edits: &mut Vec<Edit>, e: Edit) {
    if let Some(last) = edits.last_mut() {
        if last.end == e.start
            && last.rule == e.rule
            && last.detail.is_none()
            && e.detail.is_none()
            && !e.is_flag()
        {
            last.end = e.end;
            last.replacement.push_str(&e.replacement);
            return;
        }
    }
    edits.push(e);
}

/// Rebuild the original from the cleaned text and the edits (in original
/// coordinates) together with the original text of each span (`before`).
pub fn invert(cleaned: &str, edits: &[(usize, usize, &str, &str)]) -> String {
    // Each tuple: (orig start, orig end, before, after). Walk the cleaned text
    // with the running offset delta.
    let mut out = String::with_capacity(cleaned.len());
    let mut pos_clean = 0usize;
    let mut delta: isize = 0; // cleaned position = original position + delta
    for &(start, end, before, after) in edits {
        let cstart = (start as isize + delta) as usize;
        out.push_str(&cleaned[pos_clean..cstart]);
        assert_eq!(
            &cleaned[cstart..cstart + after.len()],
            after,
            "edit text not found in cleaned text"
        );
        out.push_str(before);
        pos_clean = cstart + after.len();
        delta += after.len() as isize - (end - start) as isize;
    }
    out.push_str(&cleaned[pos_clean..]);
    out
}

/// Edits of all stages so far, in coordinates of the original, together with
/// the current text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Composed {
    /// Current text: the original with all edits applied.
    pub text: String,
    /// Sorted, non-overlapping edits in original coordinates. Each carries
    /// its span in `text` in `out_start..out_end` of [`Placed`].
    pub edits: Vec<Placed>,
}

/// An edit in original coordinates, with the span its replacement occupies
/// in the current text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placed {
    /// The edit (span in original coordinates).
    pub edit: Edit,
    /// Start of the replacement in the current text.
    pub out_start: usize,
}

impl Placed {
    /// End of the replacement in the current text.
    pub fn out_end(&self) -> usize {
        self.out_start + self.edit.replacement.len()
    }
}

impl Composed {
    /// Start from an unedited text.
    pub fn new(text: String) -> Self {
        Composed {
            text,
            edits: Vec::new(),
        }
    }

    /// Map a position of the current text that lies outside every edit's
    /// output (or on its boundary) to the original. A position inside an
    /// edit's output maps to that edit's start.
    pub fn to_original(&self, pos: usize) -> usize {
        map_start(&self.edits, pos)
    }

    /// Apply one stage of edits (sorted, non-overlapping, in coordinates of
    /// the current text) and fold them into the original-coordinate list.
    ///
    /// `original` is the decoded original text. Stage edits and earlier edits
    /// whose spans in the current text overlap (an empty span counts when it
    /// lies strictly inside the other) form one group that becomes a single
    /// edit named after the group's first stage edit; touching spans stay
    /// separate edits.
    pub fn push_stage(&mut self, original: &str, stage: Vec<Edit>) {
        if stage.is_empty() {
            return;
        }
        let new_text = apply(&self.text, &stage);
        let old = std::mem::take(&mut self.edits);
        let mut items: Vec<(usize, usize, Item)> = Vec::with_capacity(old.len() + stage.len());
        items.extend(
            old.iter()
                .enumerate()
                .map(|(i, p)| (p.out_start, p.out_end(), Item::Old(i))),
        );
        items.extend(
            stage
                .iter()
                .enumerate()
                .map(|(i, e)| (e.start, e.end, Item::Stage(i))),
        );
        items.sort_by_key(|&(s, e, _)| (s, e));

        // Edits of `old` that no stage edit touches are moved, not cloned:
        // the loop records where they go, and they are moved in after it.
        enum Slot {
            Old(usize, usize),
            New(Placed),
        }
        let mut merged: Vec<Slot> = Vec::with_capacity(old.len() + stage.len());
        let mut delta: isize = 0;
        let mut i = 0;
        while i < items.len() {
            let (gs, mut ge, _) = items[i];
            let mut j = i + 1;
            while j < items.len() && items[j].0 < ge {
                ge = ge.max(items[j].1);
                j += 1;
            }
            let group = &items[i..j];
            i = j;
            let stage_members: Vec<&Edit> = group
                .iter()
                .filter_map(|&(_, _, it)| match it {
                    Item::Stage(k) => Some(&stage[k]),
                    Item::Old(_) => None,
                })
                .collect();
            if stage_members.is_empty() {
                for &(_, _, it) in group {
                    if let Item::Old(k) = it {
                        merged.push(Slot::Old(k, (old[k].out_start as isize + delta) as usize));
                    }
                }
                continue;
            }
            let absorbed_detail = group.iter().find_map(|&(_, _, it)| match it {
                Item::Old(k) => old[k].edit.detail.clone(),
                Item::Stage(_) => None,
            });
            let orig_start = map_start(&old, gs);
            let orig_end = map_end(&old, ge).max(orig_start);
            let mut repl = String::new();
            let mut pos = gs;
            for e in &stage_members {
                repl.push_str(&self.text[pos..e.start]);
                repl.push_str(&e.replacement);
                pos = e.end;
            }
            repl.push_str(&self.text[pos..ge]);
            let out_start = (gs as isize + delta) as usize;
            delta += repl.len() as isize - (ge - gs) as isize;
            if orig_start < orig_end && original[orig_start..orig_end] == repl {
                // The stage undid an earlier change: nothing remains.
                continue;
            }
            let lead = stage_members[0];
            merged.push(Slot::New(Placed {
                edit: Edit {
                    start: orig_start,
                    end: orig_end,
                    replacement: repl,
                    rule: lead.rule,
                    detail: lead.detail.clone().or(absorbed_detail),
                },
                out_start,
            }));
        }
        let mut old: Vec<Option<Placed>> = old.into_iter().map(Some).collect();
        self.edits = merged
            .into_iter()
            .map(|slot| match slot {
                Slot::Old(k, out_start) => {
                    let mut p = old[k].take().expect("each old edit is placed once");
                    p.out_start = out_start;
                    p
                }
                Slot::New(p) => p,
            })
            .collect();
        self.text = new_text;
    }

    /// Add flags (edits that change no text), given in current-text
    /// positions and sorted. Flags never merge with other edits.
    pub fn push_flags(&mut self, flags: Vec<Edit>) {
        if flags.is_empty() {
            return;
        }
        let mut placed: Vec<Placed> = flags
            .into_iter()
            .map(|mut f| {
                // A flag inside an edit's output moves to the start of that
                // output, so that it sorts the same way in both texts (it
                // maps to the edit's start in the original).
                let mut out = f.start;
                let idx = self.edits.partition_point(|p| p.out_start < out);
                if let Some(p) = idx.checked_sub(1).map(|k| &self.edits[k]) {
                    if p.out_end() > out {
                        out = p.out_start;
                    }
                }
                let orig = map_start(&self.edits, out);
                f.start = orig;
                f.end = orig;
                Placed {
                    edit: f,
                    out_start: out,
                }
            })
            .collect();
        placed.extend(std::mem::take(&mut self.edits));
        // Stable: a flag sorts before an edit starting at the same place.
        placed.sort_by_key(|p| (p.edit.start, p.edit.end != p.edit.start));
        self.edits = placed;
    }

    /// The final edits in original coordinates.
    pub fn into_edits(self) -> (String, Vec<Edit>) {
        (self.text, self.edits.into_iter().map(|p| p.edit).collect())
    }
}

#[derive(Clone, Copy)]
enum Item {
    Old(usize),
    Stage(usize),
}

/// Original position of a group start `pos` (current-text coordinates).
/// An earlier deletion sitting exactly at `pos` stays before the group.
fn map_start(old: &[Placed], pos: usize) -> usize {
    // Edits are sorted by output position: the last one starting at or
    // before pos decides.
    let idx = old.partition_point(|p| p.out_start <= pos);
    match idx.checked_sub(1).map(|k| &old[k]) {
        // pos at the start of, or inside, a non-empty output.
        Some(p) if p.out_end() > pos => p.edit.start,
        Some(p) => p.edit.end + (pos - p.out_end()),
        None => pos,
    }
}

/// Original position of a group end `pos`. An earlier deletion sitting
/// exactly at `pos` stays after the group.
fn map_end(old: &[Placed], pos: usize) -> usize {
    let idx = old.partition_point(|p| p.out_start < pos);
    match idx.checked_sub(1).map(|k| &old[k]) {
        Some(p) if pos >= p.out_end() => p.edit.end + (pos - p.out_end()),
        Some(p) => p.edit.end,
        None => pos,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(c: &mut Composed, orig: &str, edits: Vec<Edit>) {
        c.push_stage(orig, edits);
        let (_, e) = c.clone().into_edits();
        assert_eq!(
            apply(orig, &e),
            c.text,
            "composed edits must rebuild the text"
        );
    }

    #[test]
    fn compose_absorbs_overlapping_earlier_edit() {
        let orig = "中文\u{a0},文字";
        let mut c = Composed::new(orig.to_string());
        // Stage 1: NBSP -> space.
        let nb = orig.find('\u{a0}').unwrap();
        stage(
            &mut c,
            orig,
            vec![Edit::new(nb, nb + 2, " ", "whitespace.nbsp")],
        );
        // Stage 2: " ," -> "，" (absorbs the space).
        let sp = c.text.find(' ').unwrap();
        stage(
            &mut c,
            orig,
            vec![Edit::new(sp, sp + 2, "，", "punct.comma")],
        );
        assert_eq!(c.text, "中文，文字");
        assert_eq!(c.edits.len(), 1);
        assert_eq!(c.edits[0].edit.rule, "punct.comma");
        assert_eq!(&orig[c.edits[0].edit.start..c.edits[0].edit.end], "\u{a0},");
    }

    /// A flag inside a wide edit's output (a quote flag inside an NFC run,
    /// found by the fuzz harness) stays in order after a later stage: it
    /// sits at the edit's start in both texts.
    #[test]
    fn flag_inside_an_edit_output_stays_ordered_after_later_stages() {
        let orig = "好e\u{301}”等O\u{302}\u{301}音。\n重复。\n";
        let mut c = Composed::new(orig.to_string());
        let s = orig.find('e').unwrap();
        let e = orig.find('音').unwrap();
        stage(&mut c, orig, vec![Edit::new(s, e, "é”等Ố", "punct.nfc")]);
        let q = c.text.find('”').unwrap();
        c.push_flags(vec![Edit::flag(q, "layout.quote-balance", "unbalanced")]);
        let (dup, end) = (c.text.find("重复").unwrap(), c.text.len());
        stage(&mut c, orig, vec![Edit::new(dup, end, "", "dedup.line")]);
        let (_, edits) = c.into_edits();
        let mut pos = 0;
        for e in &edits {
            assert!(e.start >= pos, "out of order: {edits:?}");
            pos = e.end;
        }
        assert_eq!(edits[0].rule, "layout.quote-balance");
        assert_eq!(edits[0].start, s);
    }

    #[test]
    fn compose_keeps_adjacent_edits_apart() {
        let orig = "a\r\nb,c";
        let mut c = Composed::new(orig.to_string());
        stage(
            &mut c,
            orig,
            vec![Edit::new(1, 3, "\n", "whitespace.line-ending")],
        );
        let comma = c.text.find(',').unwrap();
        stage(
            &mut c,
            orig,
            vec![Edit::new(comma, comma + 1, "，", "punct.comma")],
        );
        assert_eq!(c.edits.len(), 2);
    }

    #[test]
    fn compose_removal_swallows_inner_edits() {
        let orig = "keep\n\ndup,dup\n";
        let mut c = Composed::new(orig.to_string());
        stage(&mut c, orig, vec![Edit::new(9, 10, "，", "punct.comma")]);
        stage(
            &mut c,
            orig,
            vec![Edit::new(
                4,
                4 + "\n\ndup，dup".len(),
                "",
                "dedup.paragraph",
            )],
        );
        assert_eq!(c.text, "keep\n");
        assert_eq!(c.edits.len(), 1);
        assert_eq!(c.edits[0].edit.rule, "dedup.paragraph");
    }

    #[test]
    fn compose_undo_leaves_no_edit() {
        let orig = "a b";
        let mut c = Composed::new(orig.to_string());
        stage(&mut c, orig, vec![Edit::new(1, 2, "", "x")]);
        stage(&mut c, orig, vec![Edit::new(1, 1, " ", "y")]);
        // Insertion at a deletion point does not intersect it: two edits that cancel out textually.
        assert_eq!(c.text, "a b");
    }

    #[test]
    fn invert_rebuilds_original() {
        let orig = "中文\u{a0},文字\r\n";
        let edits = [(6, 9, "\u{a0},", "，"), (15, 17, "\r\n", "\n")];
        let cleaned = "中文，文字\n";
        assert_eq!(invert(cleaned, &edits), orig);
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        /// Random sorted, non-overlapping edits on char boundaries of `text`.
        fn random_edits(text: &str, picks: &[(u8, u8, u8)]) -> Vec<Edit> {
            let bounds: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let mut out = Vec::new();
            let mut pos = 0usize; // index into bounds
            for &(skip, len, r) in picks {
                let s = pos + skip as usize % 4;
                let e = s + len as usize % 3;
                if e >= bounds.len() {
                    break;
                }
                let repl = ["", " ", "，", "\n", "ab"][r as usize % 5];
                out.push(Edit::new(bounds[s], bounds[e], repl, "t"));
                pos = e + 1;
            }
            out
        }

        proptest! {
            #[test]
            fn composed_edits_rebuild_every_stage(
                text in "[a-c 中文,\n]{0,24}",
                s1 in proptest::collection::vec((0u8..8, 0u8..8, 0u8..8), 0..8),
                s2 in proptest::collection::vec((0u8..8, 0u8..8, 0u8..8), 0..8),
                s3 in proptest::collection::vec((0u8..8, 0u8..8, 0u8..8), 0..8),
            ) {
                let mut c = Composed::new(text.clone());
                for picks in [s1, s2, s3] {
                    let e = random_edits(&c.text, &picks);
                    c.push_stage(&text, e);
                    let (cur, edits) = c.clone().into_edits();
                    let mut pos = 0;
                    for e in &edits {
                        prop_assert!(e.start >= pos && e.end >= e.start);
                        pos = e.end;
                    }
                    prop_assert_eq!(apply(&text, &edits), cur.clone());
                    let recs: Vec<(usize, usize, &str, &str)> =
                        edits.iter().map(|e| (e.start, e.end, &text[e.start..e.end], e.replacement.as_str())).collect();
                    prop_assert_eq!(invert(&cur, &recs), text.clone());
                    for p in &c.edits {
                        prop_assert_eq!(&cur[p.out_start..p.out_end()], p.edit.replacement.as_str());
                    }
                }
            }
        }
    }
}
