//! The rule registry: every rule id with its one-line description.
//!
//! Rule ids are stable dotted names in five families (`decode.*`,
//! `whitespace.*`, `punct.*`, `layout.*`, `dedup.*`). Each rule module lists its own rules
//! next to its code; this module only joins the lists, so the config, the
//! `rules` subcommand and the review page all see the same set.

use serde::Serialize;

/// A rule id and what it does.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleInfo {
    /// Stable id, e.g. `punct.comma`.
    pub id: &'static str,
    /// Spec references, e.g. `A-C1`.
    pub spec: &'static str,
    /// One line for the reports.
    pub doc: &'static str,
}

/// Every rule, in family order.
pub fn all() -> impl Iterator<Item = &'static RuleInfo> {
    crate::decode::RULES
        .iter()
        .chain(crate::normalize::entities::RULES)
        .chain(crate::normalize::chars::RULES)
        .chain(crate::normalize::whitespace::RULES)
        .chain(crate::normalize::punct::RULES)
        .chain(crate::normalize::layout::RULES)
        .chain(crate::dedup::RULES)
}

/// Look a rule up by id.
pub fn get(id: &str) -> Option<&'static RuleInfo> {
    all().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for r in super::all() {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            let fam = r.id.split('.').next().unwrap();
            assert!(
                ["decode", "whitespace", "punct", "layout", "dedup"].contains(&fam),
                "{}",
                r.id
            );
            assert!(!r.doc.is_empty());
        }
    }
}
