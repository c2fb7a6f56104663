//! Duplicate decisions (in progress).
use crate::rules::RuleInfo;
/// Rules of this module.
pub const RULES: &[RuleInfo] = &[
    RuleInfo { id: "dedup.paragraph", spec: "design: blocks and duplicates", doc: "paragraph seen earlier in this file or an earlier file (first copy kept)" },
    RuleInfo { id: "dedup.line", spec: "design: blocks and duplicates", doc: "line of a multi-line paragraph seen earlier (first copy kept)" },
];
