//! Duplicate blocks: the `dedup.*` rules and their removal edits.
//!
//! Which blocks repeat a kept one is decided by `stage::resolve` (in
//! corpus order, against the run's index); this module turns those
//! decisions into edits of the normalised text: one removal per block,
//! each taking exactly one separator with it, and each naming its kept
//! copy (`Detail::DuplicateOf`).

use std::collections::HashMap;

use crate::edit::{Detail, Edit};
use crate::index::Origin;
use crate::near::NearMatch;
use crate::segment::{Block, BlockKind};
use crate::stage::Removal;

// The ids and descriptions of this module's rules: the rule catalog
// (`src/rules/catalog.rs`).

/// The one edit of a file removed as a whole (`dedup.document`), in
/// coordinates of its text: all of it, naming the kept file's first line.
pub(crate) fn document_edit(
    text: &str,
    kept: &Origin,
    kept_name: &dyn Fn(u32) -> String,
) -> Vec<Edit> {
    let (run, file, line) = match kept {
        Origin::ThisRun(h) => (None, kept_name(h.doc), h.line),
        Origin::Earlier { run, path, line } => (Some(run.clone()), path.clone(), *line),
    };
    vec![
        Edit::new(0, text.len(), "", "dedup.document").with_detail(Detail::DuplicateOf {
            run,
            file,
            line: line as usize,
        }),
    ]
}

/// The `detail` of a near-duplicate edit.
fn near_detail(m: &NearMatch, kept_name: &dyn Fn(u32) -> String) -> Detail {
    let (run, file, line) = match &m.kept {
        Origin::ThisRun(h) => (None, kept_name(h.doc), h.line),
        Origin::Earlier { run, path, line } => (Some(run.clone()), path.clone(), *line),
    };
    Detail::NearDuplicateOf {
        run,
        file,
        line: line as usize,
        score: m.score.clone(),
    }
}

/// The one edit of a file removed as a near copy of a kept one
/// (`dedup.near-document`): all of its text, naming the kept file and
/// the scores.
pub(crate) fn near_document_edit(
    text: &str,
    m: &NearMatch,
    kept_name: &dyn Fn(u32) -> String,
) -> Vec<Edit> {
    vec![Edit::new(0, text.len(), "", "dedup.near-document").with_detail(near_detail(m, kept_name))]
}

/// The review flags of the near-duplicates that stay (in normalised-text
/// coordinates, sorted): a flagged document at its start, each flagged
/// paragraph at its own start.
pub(crate) fn near_flags(
    blocks: &[Block],
    d: &crate::stage::DocDecisions,
    kept_name: &dyn Fn(u32) -> String,
) -> Vec<Edit> {
    let flag = |at: usize, rule: &'static str, m: &NearMatch| Edit {
        start: at,
        end: at,
        replacement: String::new(),
        rule,
        detail: Some(near_detail(m, kept_name)),
    };
    let mut out: Vec<Edit> = d
        .near_document
        .iter()
        .filter(|m| !m.remove)
        .map(|m| flag(0, "dedup.near-document", m))
        .collect();
    out.extend(
        d.near_paragraphs
            .iter()
            .map(|m| flag(blocks[m.block].start, "dedup.near-paragraph", m)),
    );
    out.sort_by_key(|e| e.start);
    out
}

/// Removal edits (in normalised-text coordinates) for the decided blocks.
/// `kept_name` turns the order key of a document of this run into the name
/// shown in the reports.
pub(crate) fn removal_edits(
    text: &str,
    blocks: &[Block],
    removals: &[Removal],
    kept_name: &dyn Fn(u32) -> String,
) -> Vec<Edit> {
    let mut out = Vec::new();
    let removed: HashMap<usize, &Removal> = removals.iter().map(|r| (r.block, r)).collect();
    let edit = |start: usize, end: usize, r: &Removal| {
        let (run, file, line) = match &r.kept {
            Origin::ThisRun(h) => (None, kept_name(h.doc), h.line),
            Origin::Earlier { run, path, line } => (Some(run.clone()), path.clone(), *line),
        };
        let detail = match &r.near {
            Some(score) => Detail::NearDuplicateOf {
                run,
                file,
                line: line as usize,
                score: score.clone(),
            },
            None => Detail::DuplicateOf {
                run,
                file,
                line: line as usize,
            },
        };
        Edit::new(start, end, "", r.rule.id()).with_detail(detail)
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
    use crate::config::Config;
    use crate::edit::Detail;
    use crate::index::memory::MemoryIndex;
    use crate::stage::{clean_doc, Doc, DocId};

    /// Clean `files` as one corpus, in order (the per-document core of
    /// every run), every repeat across files a duplicate (`[dedup] scope
    /// = "all"`: the cases repeat single paragraphs); kept copies named
    /// `f{order}`.
    fn clean_all(files: &[&str]) -> Vec<crate::stage::Cleaned> {
        let mut s = crate::config::Settings::from(Config::default());
        s.scope.scope = crate::config::Scope::All;
        let cfg = Config::try_from(s).unwrap();
        let mut index = MemoryIndex::new();
        files
            .iter()
            .enumerate()
            .map(|(f, t)| {
                let doc = Doc::new(DocId::text(format!("f{f}")), f as u32, *t);
                clean_doc(&doc, &mut index, &cfg, &|id| format!("f{id}")).0
            })
            .collect()
    }

    fn clean(files: &[&str]) -> Vec<String> {
        clean_all(files).into_iter().map(|c| c.text).collect()
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
        let out = clean(&[&t]);
        assert_eq!(out[0], format!("{p}\nAd sales boost Time Warner profit\n"));
    }

    #[test]
    fn duplicate_detail_points_at_kept_copy() {
        let t = "重复的段落内容很长。\n\n重复的段落内容很长。\n";
        let out = clean_all(&[t]);
        let e = out[0]
            .edits
            .iter()
            .find(|e| e.rule == "dedup.paragraph")
            .unwrap();
        assert_eq!(
            e.detail,
            Some(Detail::DuplicateOf {
                run: None,
                file: "f0".into(),
                line: 1
            })
        );
    }
}
