//! Duplicate decisions: the sequential phase of the pipeline.
//!
//! Files are visited in corpus order (sorted paths); within a file, blocks
//! in text order. The first block with a given fingerprint is kept and
//! remembered; every later block with the same fingerprint — in the same
//! file or a later one — is removed, and its edit records where the kept
//! copy is. Deciding in one thread in a fixed order is what makes the output
//! independent of the thread count (dolma's deduper races on a shared set).
//!
//! Memory: one map entry per unique key, `u64 → (u32 file, u32 line)`,
//! about 20 bytes with the table's overhead; the map hashes nothing (the key
//! already is a hash).
//!
//! Guards: blocks whose key is shorter than `dedup_min_chars`, and
//! datelines, bylines and credits of any length (`新华社北京8月5日电`,
//! `新华社发`), are never removed nor remembered. A block is removed only
//! when it reads as a sentence (a line ending in terminal punctuation, or
//! ≥ 40 characters): a recurring headline, label or headline block
//! (`[视频]国内联播快讯⏎央视网消息（新闻联播）：`) is remembered but kept, so
//! it never disappears from above new text.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::config::Config;
use crate::edit::{Detail, Edit};
use crate::rules::RuleInfo;
use crate::segment::{Block, BlockKind};

/// Rules of this module.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "dedup.paragraph",
        spec: "design: blocks and duplicates",
        doc: "paragraph seen earlier in this file or an earlier file (first copy kept)",
    },
    RuleInfo {
        id: "dedup.line",
        spec: "design: blocks and duplicates",
        doc: "line of a multi-line paragraph seen earlier (first copy kept)",
    },
];

/// Hasher for keys that already are hashes.
#[derive(Default)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// First occurrence of every key seen so far: (file id, 1-based line).
#[derive(Default)]
pub struct Index {
    map: HashMap<u64, (u32, u32), BuildHasherDefault<KeyHasher>>,
}

impl Index {
    /// Number of unique keys remembered.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// A block to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// Index into the file's blocks.
    pub block: usize,
    /// Rule id (`dedup.paragraph` or `dedup.line`).
    pub rule: &'static str,
    /// Kept copy: (file id, 1-based line in its original).
    pub kept: (u32, u32),
}

/// Decide which blocks of one file are duplicates. `lines[i]` is the
/// 1-based original line of `blocks[i]`.
pub fn decide(
    index: &mut Index,
    file: u32,
    blocks: &[Block],
    lines: &[u32],
    cfg: &Config,
) -> Vec<Removal> {
    decide_impl(index, file, None, blocks, lines, cfg)
}

/// [`decide`], also looking at what is left of a paragraph some of whose
/// lines are removed: those lines are a paragraph of their own in the
/// cleaned text, and a second run would remove it if it repeats a kept
/// block (`P⏎A⏎⏎P₁⏎P₂⏎P` with `P₁P₂ = P`: the last `P` goes as a line,
/// then `P₁⏎P₂` as a paragraph). Removed at once here, and remembered
/// when new, as the second run would (idempotence). `text` is the text
/// the blocks were cut from.
pub fn decide_in_text(
    index: &mut Index,
    file: u32,
    text: &str,
    blocks: &[Block],
    lines: &[u32],
    cfg: &Config,
) -> Vec<Removal> {
    decide_impl(index, file, Some(text), blocks, lines, cfg)
}

fn decide_impl(
    index: &mut Index,
    file: u32,
    text: Option<&str>,
    blocks: &[Block],
    lines: &[u32],
    cfg: &Config,
) -> Vec<Removal> {
    let para_on = cfg.on("dedup.paragraph");
    let line_on = cfg.on("dedup.line");
    let min = cfg.dedup_min_chars as u32;
    let mut out = Vec::new();
    let mut removed_para = usize::MAX;
    let mut i = 0;
    while i < blocks.len() {
        let b = &blocks[i];
        match b.kind {
            BlockKind::Paragraph => {
                if b.key_chars >= min && !b.furniture {
                    match index.map.get(&b.key) {
                        Some(&kept) if para_on && b.sentence_like => {
                            out.push(Removal {
                                block: i,
                                rule: "dedup.paragraph",
                                kept,
                            });
                            removed_para = b.para;
                        }
                        Some(_) => {}
                        None => {
                            index.map.insert(b.key, (file, lines[i]));
                        }
                    }
                }
                i += 1;
            }
            BlockKind::Line => {
                // All lines of this paragraph.
                let para = b.para;
                let mut j = i;
                let first_removed = out.len();
                while j < blocks.len()
                    && blocks[j].kind == BlockKind::Line
                    && blocks[j].para == para
                {
                    let l = &blocks[j];
                    if removed_para != para && l.key_chars >= min && !l.furniture {
                        match index.map.get(&l.key) {
                            Some(&kept) if line_on && l.sentence_like => {
                                out.push(Removal {
                                    block: j,
                                    rule: "dedup.line",
                                    kept,
                                });
                            }
                            Some(_) => {}
                            None => {
                                index.map.insert(l.key, (file, lines[j]));
                            }
                        }
                    }
                    j += 1;
                }
                let gone = out.len() - first_removed;
                if gone == j - i {
                    // Every line went: remove the paragraph as a whole.
                    let kept = out[first_removed].kept;
                    out.truncate(first_removed);
                    out.push(Removal {
                        block: para_index(blocks, para),
                        rule: "dedup.paragraph",
                        kept,
                    });
                } else if let Some(text) = text.filter(|_| gone > 0 && j - i - gone >= 2) {
                    let removed: Vec<usize> =
                        out[first_removed..].iter().map(|r| r.block).collect();
                    let rest: Vec<&str> = (i..j)
                        .filter(|k| !removed.contains(k))
                        .map(|k| &text[blocks[k].start..blocks[k].end])
                        .collect();
                    let p = para_index(blocks, para);
                    let (key, key_chars) =
                        crate::segment::fingerprint(&rest.join("\n"), &mut String::new());
                    let furniture = rest.iter().all(|l| crate::segment::is_furniture(l));
                    if para_on && key_chars >= min && !furniture {
                        match index.map.get(&key) {
                            Some(&kept)
                                if rest.iter().any(|l| crate::segment::sentence_like(l)) =>
                            {
                                out.truncate(first_removed);
                                out.push(Removal {
                                    block: p,
                                    rule: "dedup.paragraph",
                                    kept,
                                });
                            }
                            Some(_) => {}
                            None => {
                                index.map.insert(key, (file, lines[p]));
                            }
                        }
                    }
                }
                i = j;
            }
        }
    }
    out
}

fn para_index(blocks: &[Block], para: usize) -> usize {
    blocks
        .iter()
        .position(|b| b.kind == BlockKind::Paragraph && b.para == para)
        .expect("paragraph block exists")
}

/// Removal edits (in cleaned-text coordinates) for the decided blocks.
/// `kept_path` turns a file id into the path shown in the reports.
pub fn removal_edits(
    text: &str,
    blocks: &[Block],
    removals: &[Removal],
    kept_path: &dyn Fn(u32) -> String,
) -> Vec<Edit> {
    let mut out = Vec::new();
    let removed: HashMap<usize, &Removal> = removals.iter().map(|r| (r.block, r)).collect();
    let edit = |start: usize, end: usize, r: &Removal| {
        Edit::new(start, end, "", r.rule).with_detail(Detail::DuplicateOf {
            file: kept_path(r.kept.0),
            line: r.kept.1 as usize,
        })
    };
    // Paragraph removals.
    let paras: Vec<usize> = (0..blocks.len())
        .filter(|&i| blocks[i].kind == BlockKind::Paragraph)
        .collect();
    spans_for_runs(text, blocks, &paras, &removed, &mut |s, e, r| {
        out.push(edit(s, e, r))
    });
    // Line removals, per paragraph that has them.
    let mut by_para: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, b) in blocks.iter().enumerate() {
        if b.kind == BlockKind::Line {
            by_para.entry(b.para).or_default().push(i);
        }
    }
    let mut keys: Vec<usize> = by_para.keys().copied().collect();
    keys.sort_unstable();
    for p in keys {
        let members = &by_para[&p];
        if members.iter().any(|m| removed.contains_key(m)) {
            spans_for_runs(text, blocks, members, &removed, &mut |s, e, r| {
                out.push(edit(s, e, r))
            });
        }
    }
    out.sort_by_key(|e| e.start);
    out
}

/// For a sequence of sibling blocks, emit one removal span per removed
/// block so that exactly one separator goes with each run of removals.
fn spans_for_runs(
    text: &str,
    blocks: &[Block],
    seq: &[usize],
    removed: &HashMap<usize, &Removal>,
    emit: &mut dyn FnMut(usize, usize, &Removal),
) {
    let mut k = 0;
    while k < seq.len() {
        if !removed.contains_key(&seq[k]) {
            k += 1;
            continue;
        }
        let mut m = k;
        while m + 1 < seq.len() && removed.contains_key(&seq[m + 1]) {
            m += 1;
        }
        if m + 1 < seq.len() {
            // A kept sibling follows: each block takes the separator after it.
            for x in k..=m {
                emit(
                    blocks[seq[x]].start,
                    blocks[seq[x + 1]].start,
                    removed[&seq[x]],
                );
            }
        } else if k > 0 {
            // Kept sibling before: each block takes the separator before it.
            for x in k..=m {
                emit(blocks[seq[x - 1]].end, blocks[seq[x]].end, removed[&seq[x]]);
            }
        } else {
            // Everything goes.
            for x in k..=m {
                let end = if x < m {
                    blocks[seq[x + 1]].start
                } else {
                    text.len()
                };
                emit(blocks[seq[x]].start, end, removed[&seq[x]]);
            }
        }
        k = m + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply;
    use crate::segment::blocks;

    fn clean(files: &[&str]) -> Vec<String> {
        let cfg = Config::default();
        let mut index = Index::default();
        files
            .iter()
            .enumerate()
            .map(|(f, t)| {
                let b = blocks(t);
                let lines: Vec<u32> = b
                    .iter()
                    .map(|x| 1 + t[..x.start].matches('\n').count() as u32)
                    .collect();
                let r = decide(&mut index, f as u32, &b, &lines, &cfg);
                apply(t, &removal_edits(t, &b, &r, &|id| format!("f{id}")))
            })
            .collect()
    }

    #[test]
    fn later_copies_removed_first_kept() {
        let a = "第一段内容很长很长。\n\n重复的段落内容很长。\n";
        let b = "新的段落内容很长很长。\n\n重复的段落内容很长。\n\n结尾段落内容很长很长。\n";
        let out = clean(&[a, b]);
        assert_eq!(out[0], a);
        assert_eq!(out[1], "新的段落内容很长很长。\n\n结尾段落内容很长很长。\n");
    }

    #[test]
    fn last_paragraph_removed_keeps_final_newline() {
        let out = clean(&["重复的段落内容很长。\n\n另一段内容也很长。\n\n重复的段落内容很长。\n"]);
        assert_eq!(out[0], "重复的段落内容很长。\n\n另一段内容也很长。\n");
    }

    #[test]
    fn short_blocks_never_removed() {
        let out = clean(&["新华社发\n\n正文第一段很长很长。\n\n新华社发\n"]);
        assert_eq!(out[0], "新华社发\n\n正文第一段很长很长。\n\n新华社发\n");
    }

    #[test]
    fn headline_line_not_removed_alone() {
        let a = "[视频]国内联播快讯\n第一条快讯内容很长很长。\n";
        let b = "[视频]国内联播快讯\n另一条不同的快讯内容。\n";
        let out = clean(&[a, b]);
        assert_eq!(out[1], b);
    }

    /// Found by the fuzz harness: the last line of `P₁⏎P₂⏎P` repeats line 1
    /// and goes; what is left, `P₁⏎P₂`, also repeats it and went only on a
    /// second run.
    #[test]
    fn what_is_left_of_a_paragraph_is_decided_too() {
        let p = "文章认为，台军在距离大陆沿海的岛屿部署了大批导弹，这也是一种自寻死路的表现。";
        let (p1, p2) = p.split_at(p.find("这也是").unwrap());
        let t = format!("{p}\nAd sales boost Time Warner profit\n\n{p1}\n{p2}\n{p}\n");
        let b = blocks(&t);
        let lines: Vec<u32> = b
            .iter()
            .map(|x| 1 + t[..x.start].matches('\n').count() as u32)
            .collect();
        let cfg = Config::default();
        let r = decide_in_text(&mut Index::default(), 0, &t, &b, &lines, &cfg);
        let once = apply(&t, &removal_edits(&t, &b, &r, &|_| String::new()));
        assert_eq!(once, format!("{p}\nAd sales boost Time Warner profit\n"));
        // Without the text, only the line goes (the old decision).
        let r = decide(&mut Index::default(), 0, &b, &lines, &cfg);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].rule, "dedup.line");
    }

    #[test]
    fn duplicate_detail_points_at_kept_copy() {
        let t = "重复的段落内容很长。\n\n重复的段落内容很长。\n";
        let b = blocks(t);
        let lines = vec![1, 3];
        let r = decide(&mut Index::default(), 0, &b, &lines, &Config::default());
        let e = removal_edits(t, &b, &r, &|_| "a.txt".into());
        assert_eq!(
            e[0].detail,
            Some(Detail::DuplicateOf {
                file: "a.txt".into(),
                line: 1
            })
        );
    }
}
