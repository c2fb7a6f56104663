//! Output normalization: the pure, per-file cleaning core.
//!
//! The cleaning runs in stages; each stage is a plain function that reads
//! the previous stage's text and returns sorted, non-overlapping [`Edit`]s
//! of it. [`Composed`] folds every stage back onto the decoded original, so
//! the result is always "original + edits" (see `edit.rs`). The order
//! follows section 6 of the normalization spec:
//!
//! 1. [`chars`]: line endings (D-1), NFC (U-3), zero-width and bidi
//!    characters (D-4), space-like characters (D-3), character width (A-W).
//!    U+3000 and leading spaces are kept here: layout reads indentation.
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
pub mod han;
pub mod layout;
pub mod punct;
pub mod whitespace;

use crate::config::Config;
use crate::edit::{Composed, Edit};

/// A stage: text in, edits of that text out.
pub type Stage = fn(&str, &Config) -> Vec<Edit>;

/// The text stages, in order.
const STAGES: [Stage; 5] = [
    chars::nfc,
    chars::edits,
    layout::edits,
    whitespace::edits,
    punct::edits,
];

/// Run every normalization stage on one decoded file.
pub fn normalize(original: &str, cfg: &Config) -> Composed {
    let mut c = Composed::new(original.to_string());
    for stage in STAGES {
        run_stage(&mut c, original, cfg, stage);
    }
    let mut flags = punct::flags(&c.text, cfg);
    flags.extend(layout::flags(&c.text, cfg));
    flags.retain(|e| cfg.on(e.rule));
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
    run_stage(c, original, cfg, layout::edits);
    if c.text.len() != before || c.edits.len() != n {
        for stage in [whitespace::edits as Stage, punct::edits] {
            run_stage(c, original, cfg, stage);
        }
    }
}

/// Run one stage and fold its enabled edits into `c`.
pub fn run_stage(c: &mut Composed, original: &str, cfg: &Config, stage: Stage) {
    let mut edits = stage(&c.text, cfg);
    edits.retain(|e| cfg.on(e.rule));
    check_sorted(&edits);
    c.push_stage(original, edits);
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
