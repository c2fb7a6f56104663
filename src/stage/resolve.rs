//! Resolve: which blocks of a document were seen before, in corpus order.
//!
//! Documents are resolved in corpus order (order keys ascending); within
//! a document, blocks in text order. A block whose key the index knows is
//! removed, its edit naming the kept copy; the key of a block that
//! survives is inserted, so the first surviving copy of a key in corpus
//! order is the one every later copy names. Resolving in one thread in a
//! fixed order is what makes the output independent of the thread count
//! (dolma's deduper races on a shared set).
//!
//! **A kept copy is always a block that survives.** The keys of a
//! paragraph and its lines are held back until the paragraph's fate is
//! known, and remembered at their own place only for blocks that stay: a
//! paragraph `P₁⏎P₂` whose two lines both repeat earlier blocks goes as a
//! whole, and its own key is remembered at the kept copy of `P₁` (a later
//! `P₁⏎P₂` goes too, and names that copy, not the removed paragraph); so
//! is the key of a paragraph that stays without its first line. Within the paragraph a line
//! may repeat an earlier line of it (the earlier one stays), but never the
//! paragraph itself (a paragraph whose other lines have empty keys has its
//! key equal to one line's).
//!
//! Guards: blocks whose key is shorter than `dedup_min_chars`, and
//! datelines, bylines and credits of any length (`新华社北京8月5日电`,
//! `新华社发`), are never removed nor remembered. A block is removed only
//! when it reads as a sentence (a line ending in terminal punctuation, or
//! ≥ 40 characters): a recurring headline, label or headline block
//! (`[视频]国内联播快讯⏎央视网消息（新闻联播）：`) is remembered but kept, so
//! it never disappears from above new text.
//!
//! **Scope** (`[dedup] scope`): which repeats of a block kept in
//! *another* document are duplicates. Within one document every repeat
//! is one (a block whose key a surviving block of this document has, or
//! whose kept copy is in this document), whatever the scope. With
//! `"all"` every repeat across documents is one too. With `"passage"`
//! (the default) a repeat across documents goes only when it is long (a
//! key of at least `long_chars` characters), is boilerplate (below), or
//! lies in a copied passage:
//! a run of at least `passage_blocks` consecutive repeated lines (a
//! one-line paragraph is a line; [`passages`]); a one-sentence
//! paragraph that another article also has (`工作人员宣读计票结果。`)
//! stays, and is not remembered again (its first copy stays the kept
//! one). Both criteria read only the document and
//! whether a key was kept before it, asked before the document inserts
//! anything: so nightly runs in order decide as one run over all nights,
//! a staged run as `clean`, and a second run over the cleaned text as the
//! first (a passage loses all its repeats, a run too short loses none).
//! The third criterion is boilerplate: a block that many documents have
//! (`many_documents` = N, default 10) goes from the N-th document that
//! has it on, counted in corpus order ([`repeated_keys`]): the index
//! counts, per key, the documents after the kept copy's that repeated it
//! ([`SeenIndex::repeats`]; the store keeps a run's counts in a repeat
//! file, a staged run's shards are told the earlier shards' counts and
//! settled). A sentence that nine documents share stays in all nine;
//! `会议还研究了其他事项。`, which 474 xwlb transcripts end a meeting report
//! with, stays in the first nine and goes from the tenth on. A paragraph kept by the scope is an exact copy, so the
//! near-duplicate rules are not asked about it. In a huge file cleaned in
//! windows, "this document" is the window for a block whose key an
//! earlier document also has.
//!
//! What is left of a paragraph some of whose lines go is a paragraph of
//! its own in the cleaned text, and a second run would remove it if it
//! repeats a kept block (`P⏎A⏎⏎P₁⏎P₂⏎P` with `P₁P₂ = P`: the last `P` goes
//! as a line, then `P₁⏎P₂` as a paragraph): it is looked up too (against
//! what was kept before this paragraph), removed at once, and remembered
//! at its first line when new, as the second run would (idempotence).

use std::collections::HashSet;

use crate::config::Scope;
use crate::index::{Here, Key, Origin, SeenIndex};
use crate::segment::{self, Block, BlockKind};

use super::{DocDecisions, DocPrints, DupRule, Removal, Schema};

/// Decide which blocks of one document repeat a kept block, and tell
/// `index` the keys of the blocks that survive.
pub fn resolve(index: &mut dyn SeenIndex, prints: &DocPrints) -> DocDecisions {
    resolve_with(index, prints, &mut |_| None)
}

/// [`resolve`], asking `near` about each paragraph that survives exact
/// dedup whole (none of its lines removed) before its keys are
/// remembered: a removal it returns (`dedup.near-paragraph`) takes the
/// paragraph, whose keys are then not remembered (a kept copy is always a
/// block that survives).
pub fn resolve_with(
    index: &mut dyn SeenIndex,
    prints: &DocPrints,
    near: &mut dyn FnMut(usize) -> Option<Removal>,
) -> DocDecisions {
    let blocks = &prints.blocks;
    let rules = prints.rules;
    let at = |i: usize| Here {
        doc: prints.order,
        line: prints.lines[i],
    };
    let eligible = |b: &Block| b.key_chars >= rules.min_chars && !b.furniture;
    let scope = rules.scope;
    // Per block: in a copied passage (`scope = "passage"`).
    let in_passage = match scope.scope {
        Scope::Passage => passages(index, prints),
        Scope::All => Vec::new(),
    };
    // The keys this document repeats (counted once it is resolved), and
    // those that many documents had before it (`many_documents`).
    let (repeated, many) = repeated_keys(index, prints);
    // Keys of this document's blocks that survive so far: a repeat of
    // one is a duplicate within the document, whatever the scope.
    let mut kept_here: HashSet<Key> = HashSet::new();
    // May a repeat, of a block kept at `kept`, go from block `k` (of
    // `chars` key characters)?
    let may_go = |key: Key, chars: u32, k: usize, kept: &Origin, here: &HashSet<Key>| {
        scope.scope == Scope::All
            || chars >= scope.long_chars
            || in_passage[k]
            || many.contains(&key)
            || here.contains(&key)
            || matches!(kept, Origin::ThisRun(h) if h.doc == prints.order)
    };
    let mut out: Vec<Removal> = Vec::new();
    // Keys of this paragraph's surviving blocks, inserted once the
    // paragraph is known to stay.
    let mut held: Vec<(Key, Here)> = Vec::new();
    let mut i = 0;
    while i < blocks.len() {
        let b = &blocks[i];
        debug_assert_eq!(b.kind, BlockKind::Paragraph, "a paragraph, then its lines");
        let para_at = out.len();
        let mut para_gone = false;
        let mut para_key = None;
        // A paragraph that goes for what its content repeats: where that
        // content is kept (its first line's copy, or the copy of what was
        // left of it).
        let mut moved: Option<Origin> = None;
        // A repeat kept by the scope: an exact copy, never a near one.
        let mut spared = false;
        if eligible(b) {
            match index.lookup(b.key) {
                Some(kept) if rules.paragraph && b.sentence_like => {
                    if may_go(b.key, b.key_chars, i, &kept, &kept_here) {
                        out.push(Removal {
                            block: i,
                            rule: DupRule::Paragraph,
                            kept,
                            near: None,
                        });
                        para_gone = true;
                    } else {
                        spared = true;
                    }
                }
                Some(_) => {}
                None => para_key = Some((b.key, at(i))),
            }
        }
        let mut j = i + 1;
        while j < blocks.len() && blocks[j].kind == BlockKind::Line {
            j += 1;
        }
        let lines = i + 1..j;
        if !para_gone && !lines.is_empty() {
            // Keys of this paragraph's lines that stay although an earlier
            // document has them: a later copy in the paragraph repeats a
            // block that stays in this document (as it would, each line a
            // paragraph, once the blank lines around it went).
            let mut spared_lines: Vec<Key> = Vec::new();
            for k in lines.clone() {
                let l = &blocks[k];
                if !eligible(l) {
                    continue;
                }
                let seen = held
                    .iter()
                    .find(|(key, _)| *key == l.key)
                    .map(|&(_, h)| Origin::ThisRun(h))
                    .or_else(|| index.lookup(l.key));
                match seen {
                    Some(kept)
                        if rules.line
                            && l.sentence_like
                            && (spared_lines.contains(&l.key)
                                || may_go(l.key, l.key_chars, k, &kept, &kept_here)) =>
                    {
                        out.push(Removal {
                            block: k,
                            rule: DupRule::Line,
                            kept,
                            near: None,
                        })
                    }
                    Some(_) => spared_lines.push(l.key),
                    None => held.push((l.key, at(k))),
                }
            }
            let gone = out.len() - para_at;
            if gone == lines.len() {
                // Every line went (each repeats an earlier document's
                // block, so none was held): the paragraph goes as a whole.
                let kept = out[para_at].kept.clone();
                out.truncate(para_at);
                out.push(Removal {
                    block: i,
                    rule: DupRule::Paragraph,
                    kept: kept.clone(),
                    near: None,
                });
                para_gone = true;
                moved = Some(kept);
            } else if gone > 0 && lines.len() - gone >= 2 {
                let may = |key: Key, chars: u32, kept: &Origin, here: &HashSet<Key>| {
                    may_go(key, chars, i, kept, here)
                };
                moved = resolve_rest(
                    index,
                    prints,
                    i,
                    lines.clone(),
                    para_at,
                    &mut out,
                    &mut held,
                    &mut kept_here,
                    &may,
                );
                para_gone = moved.is_some();
            }
        }
        if para_gone {
            // Nothing of the paragraph survives here; its new keys are
            // remembered at the kept copy of its content (a later copy of
            // it goes, and names a block that is in an output).
            match moved {
                Some(Origin::ThisRun(h)) => {
                    for (key, _) in para_key.into_iter().chain(held.drain(..)) {
                        index.insert(key, h);
                    }
                }
                _ => held.clear(),
            }
        } else if out.len() == para_at && eligible(b) && b.sentence_like && !spared && {
            let r = near(i);
            let gone = r.is_some();
            out.extend(r);
            gone
        } {
            // Gone as a near-duplicate: its keys are not remembered.
            held.clear();
        } else {
            // A paragraph whose first line went starts, in the output,
            // at a later line: its key is remembered at the kept copy of
            // that first line, as when the whole paragraph goes.
            let removed = &out[para_at..];
            if removed.is_empty() && eligible(b) {
                kept_here.insert(b.key);
            }
            for k in lines.clone() {
                if eligible(&blocks[k]) && !removed.iter().any(|r| r.block == k) {
                    kept_here.insert(blocks[k].key);
                }
            }
            let first_gone = out[para_at..].iter().find(|r| r.block == i + 1);
            let para_key = match (para_key, first_gone.map(|r| &r.kept)) {
                (Some((key, _)), Some(Origin::ThisRun(h))) => Some((key, *h)),
                (Some(_), Some(Origin::Earlier { .. })) => None,
                (k, _) => k,
            };
            for (key, here) in para_key.into_iter().chain(held.drain(..)) {
                index.insert(key, here);
            }
        }
        i = j;
    }
    index.add_repeats(&repeated);
    DocDecisions {
        schema: Schema,
        removals: out,
        ..DocDecisions::default()
    }
}

/// The distinct keys of `prints`' eligible blocks (paragraphs and lines)
/// that were kept in another document before it, in block order, and
/// which of them go as boilerplate under `scope = "passage"` with
/// `many_documents = N`: those that at least `N - 1` documents had before
/// this one (the kept copy's and [`SeenIndex::repeats`] more), so this
/// is at least the `N`-th. Asked before the document inserts anything:
/// the count reads only documents before it in corpus order, so nightly
/// runs and staged runs count as one run does, for any thread count; a
/// second run over the cleaned text counts at most `N - 2` repeats of
/// any block (the later copies are gone), so it removes nothing more.
fn repeated_keys(index: &dyn SeenIndex, prints: &DocPrints) -> (Vec<Key>, HashSet<Key>) {
    let rules = prints.rules;
    let mut seen: HashSet<Key> = HashSet::new();
    let mut repeated = Vec::new();
    for b in &prints.blocks {
        if b.key_chars >= rules.min_chars
            && !b.furniture
            && seen.insert(b.key)
            && index.lookup(b.key).is_some()
        {
            repeated.push(b.key);
        }
    }
    let n = rules.scope.many_documents;
    let many = if n == 0 || rules.scope.scope == Scope::All {
        HashSet::new()
    } else {
        repeated
            .iter()
            .copied()
            .filter(|&k| index.repeats(k).saturating_add(2) >= n)
            .collect()
    };
    (repeated, many)
}

/// The decisions of one whole document of the run, in corpus order:
/// `dedup.document` ([`resolve_document`]) first, then with the near
/// rules on `dedup.near-document` against the kept documents of `near`,
/// then the blocks ([`resolve_with`], `dedup.near-paragraph` asked about
/// each surviving paragraph); a kept document's shingle sets and bands go
/// into `near`. Also returns whether a document key was inserted into
/// `index`.
pub fn resolve_run(
    index: &mut dyn SeenIndex,
    near: &mut crate::near::NearIndex,
    prints: &DocPrints,
) -> (DocDecisions, bool) {
    let rules = prints.rules;
    let nr = rules.near;
    if !nr.any() {
        return match resolve_document(index, prints) {
            Some(kept) => (
                DocDecisions {
                    document: Some(kept),
                    ..DocDecisions::default()
                },
                false,
            ),
            None => (
                resolve(index, prints),
                rules.document && document_key(prints).is_some(),
            ),
        };
    }
    let here = Here {
        doc: prints.order,
        line: prints.lines.first().copied().unwrap_or(1),
    };
    // The document key is the near rules' too: an exact copy is never a
    // near-duplicate (with dedup.document off, it is kept).
    let exact = document_key(prints);
    let key = exact.filter(|_| rules.document);
    if let Some(kept) = key.and_then(|k| index.lookup(k)) {
        let d = DocDecisions {
            document: Some(kept),
            ..DocDecisions::default()
        };
        return (d, false);
    }
    // As dedup.document: only a document with a removable paragraph.
    let removable = prints
        .blocks
        .iter()
        .any(|b| b.key_chars >= rules.min_chars && !b.furniture && b.sentence_like);
    let near_doc = if nr.document && removable {
        near.document(&prints.near, exact.map(|k| k.hash), &nr, prints.order)
    } else {
        None
    };
    if let Some(m) = near_doc.as_ref().filter(|m| m.remove) {
        // Gone whole: its document key is remembered at the kept copy, so
        // that a later exact copy names a document that is in the output.
        let inserted = match (&m.kept, key) {
            (Origin::ThisRun(h), Some(k)) => {
                index.insert(k, *h);
                true
            }
            _ => false,
        };
        let d = DocDecisions {
            near_document: near_doc,
            ..DocDecisions::default()
        };
        return (d, inserted);
    }
    if let Some(k) = key {
        index.insert(k, here);
    }
    let first = near.add_document(
        &prints.near,
        &prints.blocks,
        exact.map(|k| k.hash),
        here,
        &prints.lines,
    );
    let mut flags = Vec::new();
    let mut ask = |i: usize| {
        let paras = &prints.near.paras;
        let k = paras.partition_point(|x| (x.block as usize) < i);
        if paras.get(k).is_none_or(|x| x.block as usize != i) {
            // Compared line by line (`near::units`): the lines that
            // follow paragraph `i`, each flagged at most.
            let blocks = &prints.blocks;
            let end = k + paras[k..]
                .iter()
                .take_while(|x| {
                    let b = &blocks[x.block as usize];
                    b.kind == BlockKind::Line && b.para == i
                })
                .count();
            for j in k..end {
                flags.extend(near.paragraph(&prints.near, j, first, &nr, Some(k)));
            }
            return None;
        }
        let m = near.paragraph(&prints.near, k, first, &nr, None)?;
        if m.remove {
            Some(Removal {
                block: i,
                rule: DupRule::NearParagraph,
                kept: m.kept,
                near: Some(m.score),
            })
        } else {
            flags.push(m);
            None
        }
    };
    let mut d = resolve_with(index, prints, &mut ask);
    d.near_document = near_doc;
    d.near_paragraphs = flags;
    (d, key.is_some())
}

/// The scope's say on a repeat: (key, key characters, kept copy, keys
/// kept in this document) → may it go?
type MayGo<'a> = &'a dyn Fn(Key, u32, &Origin, &HashSet<Key>) -> bool;

/// The lines of paragraph `p` (blocks `lines`) left after the removals
/// `out[from..]`: removed as one paragraph when they repeat a kept block
/// (its kept copy returned), else held to be remembered at their first
/// line. `may` is the scope's say on a repeat (key, key characters,
/// kept copy, keys kept in this document); `kept_here` gets the key of
/// a rest that stays.
#[allow(clippy::too_many_arguments)]
fn resolve_rest(
    index: &dyn SeenIndex,
    prints: &DocPrints,
    p: usize,
    lines: std::ops::Range<usize>,
    from: usize,
    out: &mut Vec<Removal>,
    held: &mut Vec<(Key, Here)>,
    kept_here: &mut HashSet<Key>,
    may: MayGo<'_>,
) -> Option<Origin> {
    let rules = prints.rules;
    let text = &prints.text.text;
    let removed: Vec<usize> = out[from..].iter().map(|r| r.block).collect();
    let left: Vec<usize> = lines.filter(|k| !removed.contains(k)).collect();
    let rest: Vec<&str> = left
        .iter()
        .map(|&k| &text[prints.blocks[k].start..prints.blocks[k].end])
        .collect();
    let (key, key_chars) = segment::fingerprint(&rest.join("\n"), &mut String::new());
    let furniture = rest.iter().all(|l| crate::dateline::is_furniture(l));
    if !rules.paragraph || key_chars < rules.min_chars || furniture {
        return None;
    }
    // Against what was kept before this paragraph: the rest of a
    // paragraph never repeats a line of itself.
    match index.lookup(key) {
        Some(kept)
            if rest.iter().any(|l| segment::sentence_like(l))
                && may(key, key_chars, &kept, kept_here) =>
        {
            out.truncate(from);
            out.push(Removal {
                block: p,
                rule: DupRule::Paragraph,
                kept: kept.clone(),
                near: None,
            });
            Some(kept)
        }
        Some(_) => {
            kept_here.insert(key);
            None
        }
        None => {
            kept_here.insert(key);
            held.push((
                key,
                Here {
                    doc: prints.order,
                    line: prints.lines[left[0]],
                },
            ));
            None
        }
    }
}

/// XORed into the hash of a document key, so that a document key never
/// equals a block key (a one-paragraph document's key sequence hashes to
/// something else than its paragraph's key, but not by construction).
pub const DOC_DOMAIN: u64 = 0x646f_632d_6b65_7973; // "doc-keys"

/// The document key of `prints`: its paragraphs' keys in order, hashed
/// (xxh3-128, 96 bits kept, as a block key) and domain-separated by
/// [`DOC_DOMAIN`]. `None` when the document cannot be a duplicate: no
/// paragraph that a block rule could remove (eligible and sentence-like).
pub fn document_key(prints: &DocPrints) -> Option<Key> {
    let rules = prints.rules;
    let removable = prints
        .blocks
        .iter()
        .any(|b| b.key_chars >= rules.min_chars && !b.furniture && b.sentence_like);
    if !removable {
        return None;
    }
    let mut bytes = Vec::with_capacity(prints.blocks.len() * 12);
    for b in prints
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Paragraph)
    {
        bytes.extend_from_slice(&b.key.hash.to_le_bytes());
        bytes.extend_from_slice(&b.key.check.to_le_bytes());
    }
    let h = xxhash_rust::xxh3::xxh3_128(&bytes);
    Some(Key {
        hash: (h as u64) ^ DOC_DOMAIN,
        check: (h >> 64) as u32,
    })
}

/// Document-level exact duplicates (`dedup.document`): the kept copy of a
/// document whose key sequence equals an earlier kept document's (this
/// run or an earlier one), which then goes as one unit; else its document
/// key is remembered at its first block's line, and `None`. Called before
/// [`resolve`] on whole documents (not on the windows of a huge file).
pub fn resolve_document(index: &mut dyn SeenIndex, prints: &DocPrints) -> Option<Origin> {
    if !prints.rules.document {
        return None;
    }
    let key = document_key(prints)?;
    match index.lookup(key) {
        Some(kept) => Some(kept),
        None => {
            index.insert(
                key,
                Here {
                    doc: prints.order,
                    line: prints.lines.first().copied().unwrap_or(1),
                },
            );
            None
        }
    }
}

/// `scope = "passage"`: per block, whether it lies in a copied passage:
/// a run of at least `passage_blocks` consecutive *repeated* lines (a
/// paragraph of one line is a line; a paragraph of several counts each
/// of its lines, and is in a passage when one of them is). A line is
/// repeated when it could be removed (eligible, reads as a sentence) and
/// its key was kept before this document or occurs earlier in it, or
/// when its paragraph is (a one-line paragraph's key is its line's; the
/// lines of a repeated paragraph that could not go alone go with it, and
/// neither count nor end a run); any other line (new, a headline, too
/// short, furniture) ends a run. Counting lines, not paragraphs, makes
/// the decision independent of the blank-line convention: a document whose blank lines all go with the paragraphs
/// around them is one paragraph per line in the cleaned text, and a
/// second run counts the same lines. Asked before the document inserts
/// anything, so it depends only on the document and on what was kept
/// before it: the same in one run and in nightly runs, for any thread
/// count; and on the cleaned text again (a run that qualified lost all
/// its repeats, one that did not is there whole or shorter), so a second
/// run decides the same.
fn passages(index: &dyn SeenIndex, prints: &DocPrints) -> Vec<bool> {
    let blocks = &prints.blocks;
    let rules = prints.rules;
    let eligible = |b: &Block| b.key_chars >= rules.min_chars && !b.furniture;
    let mut earlier: HashSet<Key> = HashSet::new();
    let repeat = |b: &Block, earlier: &HashSet<Key>| {
        eligible(b)
            && b.sentence_like
            && (earlier.contains(&b.key) || index.lookup(b.key).is_some())
    };
    // (line block, its paragraph block, repeated)
    let mut units: Vec<(usize, usize, bool)> = Vec::new();
    let mut i = 0;
    while i < blocks.len() {
        let b = &blocks[i];
        // A repeated paragraph goes as a whole: each of its lines that
        // could go on its own counts as repeated, whether or not it is
        // known on its own (a line break its earlier copy did not have);
        // its other lines (a headline, a short line) go with it, and
        // neither count nor end a run (at least one line counts).
        let para = repeat(b, &earlier);
        let from = units.len();
        let mut j = i + 1;
        while j < blocks.len() && blocks[j].kind == BlockKind::Line {
            let l = &blocks[j];
            if !para {
                units.push((j, i, repeat(l, &earlier)));
            } else if eligible(l) && l.sentence_like {
                units.push((j, i, true));
            }
            if eligible(l) {
                earlier.insert(l.key);
            }
            j += 1;
        }
        if units.len() == from {
            units.push((i, i, para));
        }
        if eligible(b) {
            earlier.insert(b.key);
        }
        i = j;
    }
    let min = rules.scope.passage_blocks as usize;
    let mut in_passage = vec![false; blocks.len()];
    for run in units.chunk_by(|a, b| a.2 == b.2) {
        if run[0].2 && run.len() >= min {
            for &(k, p, _) in run {
                in_passage[k] = true;
                in_passage[p] = true;
            }
        }
    }
    in_passage
}
