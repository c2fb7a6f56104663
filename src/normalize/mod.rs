//! Output normalization: the pure, per-file cleaning core.
//!
//! The cleaning runs in stages; each stage is a plain function that reads
//! the previous stage's text and returns sorted, non-overlapping [`Edit`]s
//! of it. [`Composed`] folds every stage back onto the decoded original, so
//! the result is always "original + edits" (see `edit.rs`). The order
//! follows section 6 of the normalization spec:
//!
//! 1. [`chars`]: line endings (D-1), NFC (U-3), control characters,
//!    zero-width and bidi characters (D-4), space-like characters (D-3),
//!    character width (A-W); then NFC again where these made new
//!    compositions.
//!    U+3000 and leading spaces are kept here: layout reads indentation.
//!    [`entities`] then decodes HTML character references (`&nbsp;`),
//!    composed again where what they decode to is not NFC (`&#894;`).
//! 2. [`layout`]: page furniture (B-P1, C-P), paragraph joins (B, C-R/C-H),
//!    echo fragments (B-E).
//! 3. [`whitespace`]: indentation, trailing spaces, space runs, blank-line
//!    runs (D-2, D-5…D-9).
//! 4. [`punct`]: punctuation by script context (A-rules).
//! 5. flags: quote and bracket balance (B-Q, A-P2), no text change.
//!
//! Rules never do I/O. A rule switched off in the config is filtered out at
//! the stage boundary, so a disabled rule never changes text.

pub mod chars;
pub mod entities;
pub mod han;
pub mod layout;
pub(crate) mod marks;
pub mod punct;
pub mod whitespace;

use crate::config::Config;
use crate::edit::{Composed, Edit};
use crate::rules::RuleInfo;

/// A stage: text in, edits of that text out.
pub type Stage = fn(&str, &Config) -> Vec<Edit>;

/// The text stages, in order, each with the rules it may emit. A stage
/// whose rules are all switched off is not run at all (its edits would all
/// be filtered out anyway), so a dedup-only config costs no NFC, layout or
/// punctuation scan.
const STAGES: [(Stage, &[RuleInfo]); 6] = [
    (chars::nfc, NFC_RULES),
    (entities::edits, entities::RULES),
    (chars::edits, chars::RULES),
    (layout::edits, layout::RULES),
    (whitespace::edits, whitespace::RULES),
    (punct::edits, punct::RULES),
];

/// Index of the character-reference stage in [`STAGES`].
const ENTITIES: usize = 1;

/// Index of the character stage in [`STAGES`].
const CHARS: usize = 2;

/// Index of the layout stage in [`STAGES`].
const LAYOUT: usize = 3;

/// After the character references, the character rules or a join changed
/// the text: character references and NFC again, in the same pass. A
/// decoded reference need not be NFC (`&#894;` is U+037E, whose NFC is
/// `;`): composed only at the end, after the punctuation stage, it left
/// a `;` between Han that a second run made `；` (fuzz inputs 514268 and
/// 657950 of seed 6 over the corpora). Width folding and deletions
/// make new compositions (`Ａ\u{308}` → `A\u{308}` → `Ä`,
/// `e\u{200B}\u{301}` → `é`) and new references (`&#82\u{200B}05;` →
/// `&#8205;`) that a second run would otherwise decode (issue 10, row 12).
/// What they decode or compose can in turn give the character rules a new
/// neighbour to look at, so the stages alternate until none changes
/// anything (in practice at once; bounded all the same).
fn recompose(c: &mut Composed, original: &str, cfg: &Config) {
    let entities_on = any_on(cfg, entities::RULES);
    let nfc_on = any_on(cfg, NFC_RULES);
    if !entities_on && !nfc_on {
        return;
    }
    for _ in 0..4 {
        let mut n = 0;
        if entities_on {
            n += run_stage(c, original, cfg, entities::edits, entities::RULES);
        }
        if nfc_on {
            n += run_stage(c, original, cfg, chars::nfc, NFC_RULES);
        }
        if n == 0 {
            return;
        }
        if !any_on(cfg, chars::RULES)
            || run_stage(c, original, cfg, chars::edits, chars::RULES) == 0
        {
            return;
        }
    }
}

/// The one rule of [`chars::nfc`] (listed in [`chars::RULES`]).
const NFC_RULES: &[RuleInfo] = &[RuleInfo {
    id: "punct.nfc",
    spec: "U-3",
    doc: "",
}];

/// Is any of these rules switched on?
fn any_on(cfg: &Config, rules: &[RuleInfo]) -> bool {
    rules.iter().any(|r| cfg.on(r.id))
}

/// Run every normalization stage on one decoded file.
pub fn normalize(original: &str, cfg: &Config) -> Composed {
    normalize_flagged(original, cfg, Vec::new())
}

/// [`normalize`], with flags of the original recorded first (the decoder's
/// `decode.replacement`: facts about the input, kept whatever the config).
pub fn normalize_flagged(original: &str, cfg: &Config, flags: Vec<Edit>) -> Composed {
    let mut c = Composed::new(original.to_string());
    c.push_flags(flags);
    // The text when the layout stage was done: did anything after it (the
    // character rules on joined text, whitespace, punctuation) change it?
    let mut at_layout: Option<String> = None;
    for (k, (stage, rules)) in STAGES.into_iter().enumerate() {
        if any_on(cfg, rules) {
            let n = run_stage(&mut c, original, cfg, stage, rules);
            if k == LAYOUT {
                at_layout = Some(c.text.clone());
            }
            // A join can bring a width mark next to a digit (`0⏎．9` →
            // `0．9`), complete a reference (`&nbsp⏎;`) or put a space
            // after a soft hyphen that ended a line (`a\u{ad}⏎record` →
            // `a\u{ad} record`, the same length): the entity and
            // character rules look at the joined text once more, so a
            // second run finds nothing (idempotence).
            if k == LAYOUT && n > 0 {
                if any_on(cfg, entities::RULES) {
                    run_stage(&mut c, original, cfg, entities::edits, entities::RULES);
                }
                if any_on(cfg, chars::RULES) {
                    run_stage(&mut c, original, cfg, chars::edits, chars::RULES);
                }
                recompose(&mut c, original, cfg);
            }
            if (k == ENTITIES || k == CHARS) && n > 0 {
                recompose(&mut c, original, cfg);
            }
        }
    }
    // The edits after the layout stage change what the boundary decisions
    // read (a line's length, a mark's width: `：` before Latin becomes `: `,
    // a line of 40 characters one of 41; `１１８４⏎．７` joined, then
    // folded to `1184.7`, is an echo of the line before): the layout stage
    // looks at their output once more, as a second run would, and the
    // stages after it follow what it changes (bounded; in practice once).
    // The later stages delete spaces and line breaks too (a join brings a
    // combining mark to the letter on the line before): composed first.
    recompose(&mut c, original, cfg);
    if at_layout.is_some_and(|t| t != c.text) {
        for _ in 0..3 {
            if run_stage(&mut c, original, cfg, layout::edits, layout::RULES) == 0 {
                break;
            }
            for (stage, rules) in [
                (entities::edits as Stage, entities::RULES),
                (chars::edits, chars::RULES),
                (whitespace::edits, whitespace::RULES),
                (punct::edits, punct::RULES),
            ] {
                if any_on(cfg, rules) {
                    run_stage(&mut c, original, cfg, stage, rules);
                }
            }
            recompose(&mut c, original, cfg);
        }
    }
    let mut flags = Vec::new();
    if any_on(cfg, punct::RULES) {
        flags = punct::flags(&c.text, cfg);
    }
    flags.retain(|e| cfg.on(e.rule));
    if any_on(cfg, layout::RULES) {
        // One flag per unbalanced mark: B-Q also reads `（）`, and where
        // both rules flag the same mark the punct flag, which names the
        // mark and skips protected spans, is the one kept.
        let punct_at: std::collections::HashSet<usize> = flags.iter().map(|e| e.start).collect();
        flags.extend(
            layout::flags(&c.text, cfg)
                .into_iter()
                .filter(|e| cfg.on(e.rule) && !punct_at.contains(&e.start)),
        );
    }
    flags.sort_by_key(|e| e.start);
    c.push_flags(flags);
    c
}

/// Settle the text again after duplicate blocks were removed: a removal
/// makes two blocks neighbours that never were, and a second run of the
/// tool must find nothing left to do (idempotence). Only the layout stage
/// looks across block boundaries (joins, echoes), so it runs first, and the
/// later stages run only if it changed something.
pub fn renormalize(c: &mut Composed, original: &str, cfg: &Config) {
    let before = c.text.len();
    let n = c.edits.len();
    if !any_on(cfg, layout::RULES) {
        return;
    }
    run_stage(c, original, cfg, layout::edits, layout::RULES);
    if c.text.len() != before || c.edits.len() != n {
        for (stage, rules) in [
            (whitespace::edits as Stage, whitespace::RULES),
            (punct::edits, punct::RULES),
        ] {
            if any_on(cfg, rules) {
                run_stage(c, original, cfg, stage, rules);
            }
        }
    }
}

/// Run one stage and fold its enabled edits into `c`. `rules` are the rule
/// ids the stage may emit (checked in debug builds: a stage emitting an
/// unlisted id would escape the skip in [`normalize`]).
/// Returns the number of edits folded in.
pub fn run_stage(
    c: &mut Composed,
    original: &str,
    cfg: &Config,
    stage: Stage,
    rules: &[RuleInfo],
) -> usize {
    let mut edits = stage(&c.text, cfg);
    debug_assert!(
        edits.iter().all(|e| rules.iter().any(|r| r.id == e.rule)),
        "a stage emitted a rule id missing from its RULES list"
    );
    edits.retain(|e| cfg.on(e.rule));
    check_sorted(&edits);
    let n = edits.len();
    c.push_stage(original, edits);
    n
}

/// Rules must return sorted, non-overlapping edits on char boundaries.
fn check_sorted(edits: &[Edit]) {
    let mut pos = 0;
    for e in edits {
        assert!(
            e.start >= pos && e.end >= e.start,
            "rule {} returned unsorted or overlapping edit {}..{}",
            e.rule,
            e.start,
            e.end
        );
        pos = e.end;
    }
}
