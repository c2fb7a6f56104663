//! Stage 3 (in progress).
use crate::config::Config;
use crate::edit::Edit;
use crate::rules::RuleInfo;
/// Rules of this module.
pub const RULES: &[RuleInfo] = &[];
/// Stage 3 edits.
pub fn edits(_text: &str, _cfg: &Config) -> Vec<Edit> { Vec::new() }
