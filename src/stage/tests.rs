use proptest::prelude::*;

use super::*;
use crate::edit::Detail;
use crate::index::memory::MemoryIndex;

/// Sentences of the xwlb fixture (`fixtures/corpus/xwlb/2014/20140311.txt`),
/// a headline of it, and a rule line (a line whose key is empty).
const S: [&str; 7] = [
    "全国政协十二届二次会议将于3月12日上午在北京人民大会堂召开闭幕会。",
    "中共中央政治局常委、国务院副总理张高丽参加了湖南代表团审议。",
    "党和国家领导人张德江、刘云山、王岐山、张高丽，今天上午分别参加了十二届全国人大二次会议一些代表团的审议。",
    "在认真听取代表发言后，张高丽指出，湖南要按照中央的部署做好各项工作。",
    "本台消息：全国政协十二届二次会议将于3月12日上午在北京人民大会堂召开闭幕会。",
    "[视频]张高丽参加湖南代表团审议",
    "——",
];

/// Clean `docs` in order as one corpus, with `[dedup] scope = scope`
/// (the cases below repeat single paragraphs across documents: `All`);
/// the kept copies are named by their document number.
fn clean_corpus(docs: &[String], scope: crate::config::Scope) -> Vec<Cleaned> {
    let mut s = crate::config::Settings::from(Config::default());
    s.scope.scope = scope;
    let cfg = Config::try_from(s).unwrap();
    let mut index = MemoryIndex::new();
    docs.iter()
        .enumerate()
        .map(|(k, t)| {
            let doc = Doc::new(DocId::text(format!("{k}")), k as u32, t.as_str());
            clean_doc(&doc, &mut index, &cfg, &|id| id.to_string()).0
        })
        .collect()
}

/// Every `duplicate_of` names a line of a document where a block starts
/// that no removal of that document touches: the kept copy is in its
/// cleaned output.
fn assert_kept_copies_survive(docs: &[String], out: &[Cleaned]) -> Result<(), TestCaseError> {
    for (k, c) in out.iter().enumerate() {
        for e in &c.edits {
            let Some(Detail::DuplicateOf { file, line, .. }) = &e.detail else {
                continue;
            };
            let f: usize = file.parse().unwrap();
            let text = &docs[f];
            let start = LineIndex::new(text).line_start(*line);
            let at = start + (text[start..].len() - text[start..].trim_start().len());
            prop_assert!(
                at < text.len(),
                "doc {k}: kept copy {file}:{line} past the end"
            );
            let removed = out[f]
                .edits
                .iter()
                .any(|r| r.rule.starts_with("dedup.") && r.start <= at && at < r.end);
            prop_assert!(
                !removed,
                "doc {k} names {file}:{line} as the kept copy, which was removed\n{docs:#?}"
            );
        }
    }
    Ok(())
}

/// The case of issue 14: `a` = P1, blank, P2; `b` = intro, blank,
/// P1⏎P2; `c` = P1⏎P2, blank, outro. `b`'s `P1⏎P2` goes (both lines are
/// in `a`), so `c`'s copy must name `a`, not `b`.
#[test]
fn a_kept_copy_is_a_block_that_survives() {
    let (p1, p2, intro, outro) = (S[0], S[1], S[2], S[3]);
    let docs = vec![
        format!("{p1}\n\n{p2}\n"),
        format!("{intro}\n\n{p1}\n{p2}\n"),
        format!("{p1}\n{p2}\n\n{outro}\n"),
    ];
    let out = clean_corpus(&docs, crate::config::Scope::All);
    assert_eq!(out[0].text, docs[0]);
    assert_eq!(out[1].text, format!("{intro}\n"));
    assert_eq!(out[2].text, format!("{outro}\n"));
    let named: Vec<&Detail> = out[2]
        .edits
        .iter()
        .filter_map(|e| e.detail.as_ref())
        .collect();
    assert_eq!(
        named,
        [&Detail::DuplicateOf {
            run: None,
            file: "0".into(),
            line: 1
        }]
    );
    assert_kept_copies_survive(&docs, &out).unwrap();
}

/// A paragraph whose other line has an empty key has the key of its one
/// real line: that line is not a duplicate of its own paragraph.
#[test]
fn a_line_never_repeats_its_own_paragraph() {
    let docs = vec![format!("{}\n{}\n", S[0], S[6])];
    let out = clean_corpus(&docs, crate::config::Scope::Passage);
    assert!(out[0].edits.iter().all(|e| !e.rule.starts_with("dedup.")));
}

fn corpus() -> impl Strategy<Value = Vec<String>> {
    // A document: paragraphs of one to three sentences (lines), between
    // blank lines or not.
    let para = prop::collection::vec(0..S.len(), 1..4);
    let doc = (prop::collection::vec(para, 1..5), any::<bool>()).prop_map(|(paras, blank)| {
        let sep = if blank { "\n\n" } else { "\n" };
        let mut t = paras
            .iter()
            .map(|p| p.iter().map(|&i| S[i]).collect::<Vec<_>>().join("\n"))
            .collect::<Vec<_>>()
            .join(sep);
        t.push('\n');
        t
    });
    prop::collection::vec(doc, 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    /// Over random corpora of real sentences, every `duplicate_of` names a
    /// block that survives, in either scope.
    #[test]
    fn every_duplicate_of_names_a_surviving_block(docs in corpus(), all in any::<bool>()) {
        use crate::config::Scope;
        let out = clean_corpus(&docs, if all { Scope::All } else { Scope::Passage });
        assert_kept_copies_survive(&docs, &out)?;
    }
}

/// The boundary types go through JSON and back, and resolve the same;
/// data of another schema is refused.
#[test]
fn stage_data_round_trips_with_its_schema() {
    let cfg = Config::default();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/corpus/xwlb/2014/20140311.txt"
    ))
    .unwrap();
    let doubled = format!("{text}\n{text}");
    let doc = Doc::new(DocId::tree("xwlb/2014/20140311.txt"), 0, doubled.as_str());
    let json = serde_json::to_string(&doc).unwrap();
    let back: Doc<'_> = serde_json::from_str(&json).unwrap();
    assert_eq!(back.text, doc.text);
    let prints = fingerprint(&doc, &cfg);
    let json = serde_json::to_string(&prints).unwrap();
    let back: DocPrints = serde_json::from_str(&json).unwrap();
    assert_eq!(back.blocks, prints.blocks);
    let d1 = resolve(&mut MemoryIndex::new(), &prints);
    let d2 = resolve(&mut MemoryIndex::new(), &back);
    assert!(!d1.removals.is_empty());
    assert_eq!(d1, d2);
    let json = serde_json::to_string(&d1).unwrap();
    assert_eq!(serde_json::from_str::<DocDecisions>(&json).unwrap(), d1);
    let cleaned = apply(&doc, back, &d2, &cfg, &|_| "x".into());
    let json = serde_json::to_string(&cleaned).unwrap();
    let again: Cleaned = serde_json::from_str(&json).unwrap();
    assert_eq!((again.text, again.edits), (cleaned.text, cleaned.edits));
    let old = json.replacen(&format!("\"schema\":{SCHEMA}"), "\"schema\":0", 1);
    let err = serde_json::from_str::<Cleaned>(&old)
        .unwrap_err()
        .to_string();
    assert!(err.contains("schema 0"), "{err}");
}
