//! Layout repair (spec sections 3 and 4, B- and C-rules).
//! Placeholder until the B/C rules land: no edits.

use crate::config::Config;
use crate::edit::Edit;
use crate::rules::RuleInfo;

/// Rules of this module.
pub const RULES: &[RuleInfo] = &[];

/// Stage 2: page furniture, joins, echoes.
pub fn edits(_text: &str, _cfg: &Config) -> Vec<Edit> {
    Vec::new()
}

/// B-Q quote balance flags on the final text.
pub fn flags(_text: &str, _cfg: &Config) -> Vec<Edit> {
    Vec::new()
}
