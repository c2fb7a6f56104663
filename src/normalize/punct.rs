//! Punctuation and width by script context (spec section 2, A-rules).
//! Placeholder until the A-rules land: no edits.

use crate::config::Config;
use crate::edit::Edit;
use crate::rules::RuleInfo;

/// Rules of this module.
pub const RULES: &[RuleInfo] = &[];

/// Stage 4: contextual punctuation edits of `text`.
pub fn edits(_text: &str, _cfg: &Config) -> Vec<Edit> {
    Vec::new()
}

/// Bracket/quote balance flags (A-P2) on the final text.
pub fn flags(_text: &str, _cfg: &Config) -> Vec<Edit> {
    Vec::new()
}
