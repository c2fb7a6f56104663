//! The rule registry: every rule id with its one-line description, and
//! [`RuleId`], an id that is known to be in it.
//!
//! Rule ids are stable dotted names in five families (`decode.*`,
//! `whitespace.*`, `punct.*`, `layout.*`, `dedup.*`). Every module's rules
//! are listed in [`catalog`], a leaf that uses no other module of the
//! crate: each rule module takes its ids from there, and this module only
//! joins the lists, so the config, the `rules` subcommand and the review
//! page all see the same set, and the registry depends on no rule stage
//! (config → registry → catalog, stage → config and catalog: no circle).
//!
//! A misspelt id cannot pass for a rule: [`RuleId::new`] checks the id
//! against the registry while compiling when it builds a constant
//! ([`rule_id!`](crate::rule_id) always does), [`RuleId::parse`] checks a string at run
//! time, and [`Config::on`](crate::Config::on) refuses an id string that
//! names no rule (it panics, naming it: a bug in the caller, which the
//! first test that reaches the call finds).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub mod catalog;

pub use catalog::RuleInfo;

/// The rule lists of the modules, in family order.
const LISTS: &[&[RuleInfo]] = &[
    catalog::decode::RULES,
    catalog::entities::RULES,
    catalog::chars::RULES,
    catalog::whitespace::RULES,
    catalog::punct::RULES,
    catalog::layout::RULES,
    catalog::dedup::RULES,
    catalog::near::RULES,
];

/// The rule families, the part of an id before the first `.`.
pub const FAMILIES: &[&str] = &["decode", "whitespace", "punct", "layout", "dedup"];

/// Every rule, in family order.
pub fn all() -> impl Iterator<Item = &'static RuleInfo> {
    LISTS.iter().flat_map(|l| l.iter())
}

/// Look a rule up by id.
pub fn get(id: &str) -> Option<&'static RuleInfo> {
    index().get(id).copied()
}

/// The registry by id, built once.
fn index() -> &'static HashMap<&'static str, &'static RuleInfo> {
    static I: OnceLock<HashMap<&'static str, &'static RuleInfo>> = OnceLock::new();
    I.get_or_init(|| all().map(|r| (r.id, r)).collect())
}

/// Is `id` in the registry? (A `const fn`, for [`RuleId::new`].)
const fn registered(id: &str) -> bool {
    let mut l = 0;
    while l < LISTS.len() {
        let mut r = 0;
        while r < LISTS[l].len() {
            if same(LISTS[l][r].id.as_bytes(), id.as_bytes()) {
                return true;
            }
            r += 1;
        }
        l += 1;
    }
    false
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The id of a rule of the registry: nothing else can be one.
///
/// Serialised as the id string; deserialising an id that names no rule is
/// an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(&'static str);

impl RuleId {
    /// The rule `id`. Checked against the registry: in a constant (as
    /// [`rule_id!`](crate::rule_id) writes it) a misspelt id does not compile; elsewhere it
    /// panics.
    pub const fn new(id: &'static str) -> RuleId {
        assert!(
            registered(id),
            "not a rule id of the registry (src/rules.rs)"
        );
        RuleId(id)
    }

    /// The rule named `id`, if there is one.
    pub fn parse(id: &str) -> Option<RuleId> {
        get(id).map(|r| RuleId(r.id))
    }

    /// The id string, e.g. `punct.comma`.
    pub const fn as_str(self) -> &'static str {
        self.0
    }

    /// The rule's family (`punct`, `layout`, …).
    pub fn family(self) -> &'static str {
        self.0.split('.').next().unwrap_or(self.0)
    }

    /// The registry entry of this rule.
    pub fn info(self) -> &'static RuleInfo {
        get(self.0).expect("a RuleId is in the registry")
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<RuleId, D::Error> {
        let id = std::borrow::Cow::<'de, str>::deserialize(d)?;
        RuleId::parse(&id).ok_or_else(|| {
            serde::de::Error::custom(format!("{id:?} is not a rule id (see `newsclean rules`)"))
        })
    }
}

/// What [`Config::on`](crate::Config::on) takes: a [`RuleId`], or an id
/// string, which must name a rule of the registry (the rule modules keep
/// their ids as `&'static str` constants beside their [`RuleInfo`]s).
pub trait AsRuleId {
    /// The rule; panics, naming the id, when a string names no rule.
    fn rule_id(self) -> RuleId;
}

impl AsRuleId for RuleId {
    fn rule_id(self) -> RuleId {
        self
    }
}

impl AsRuleId for &str {
    fn rule_id(self) -> RuleId {
        RuleId::parse(self).unwrap_or_else(|| {
            panic!("{self:?} is not a rule id of the registry (src/rules.rs; `newsclean rules`)")
        })
    }
}

/// The rules [`edits_alone`](crate::pipeline::edits_alone) cannot run on one text, with the tests that
/// cover them instead.
pub const NOT_ALONE: &[(&str, &str)] = &[
    (
        "decode.replacement",
        "tests/decode_damage.rs, tests/encodings.rs (bytes, not text)",
    ),
    (
        "dedup.document",
        "tests/dedup.rs, tests/nightly.rs (whole files)",
    ),
    (
        "dedup.near-document",
        "tests/near.rs, tests/near_cards.rs (a document against the kept ones)",
    ),
    (
        "dedup.near-paragraph",
        "tests/near.rs (a paragraph against the kept documents' paragraphs)",
    ),
];

/// A [`RuleId`] constant checked while compiling:
///
/// ```
/// let comma = newsclean::rule_id!("punct.comma");
/// assert!(newsclean::Config::default().on(comma));
/// ```
///
/// A misspelt id does not compile:
///
/// ```compile_fail
/// let comma = newsclean::rule_id!("punct.coma");
/// ```
#[macro_export]
macro_rules! rule_id {
    ($id:expr) => {{
        const ID: $crate::rules::RuleId = $crate::rules::RuleId::new($id);
        ID
    }};
}

#[cfg(test)]
mod tests {
    use super::{AsRuleId, RuleId, FAMILIES};

    #[test]
    fn ids_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for r in super::all() {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            let fam = r.id.split('.').next().unwrap();
            assert!(FAMILIES.contains(&fam), "{}", r.id);
            assert!(!r.doc.is_empty());
            assert!(super::registered(r.id));
            assert_eq!(RuleId::parse(r.id).map(RuleId::as_str), Some(r.id));
        }
        assert_eq!(super::index().len(), seen.len());
    }

    #[test]
    fn only_registered_ids_are_rule_ids() {
        const COMMA: RuleId = crate::rule_id!("punct.comma");
        assert_eq!(COMMA.as_str(), "punct.comma");
        assert_eq!(COMMA.family(), "punct");
        assert_eq!(RuleId::parse("punct.comma"), Some(COMMA));
        for bad in [
            "punct.coma",
            "punct",
            "punct.comma ",
            "",
            "Punct.comma",
            "punct.*",
        ] {
            assert_eq!(RuleId::parse(bad), None, "{bad:?}");
            assert!(!super::registered(bad), "{bad:?}");
            let err = std::panic::catch_unwind(|| bad.rule_id()).unwrap_err();
            let msg = err.downcast_ref::<String>().unwrap();
            assert!(msg.contains(&format!("{bad:?}")), "{msg}");
        }
        assert!(std::panic::catch_unwind(|| RuleId::new("dedup.paragraf")).is_err());
    }

    #[test]
    fn serialised_as_the_id_string() {
        let id = crate::rule_id!("dedup.paragraph");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"dedup.paragraph\"");
        assert_eq!(
            serde_json::from_str::<RuleId>("\"dedup.paragraph\"").unwrap(),
            id
        );
        let err = serde_json::from_str::<RuleId>("\"dedup.paragraf\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("\"dedup.paragraf\" is not a rule id"),
            "{err}"
        );
    }
}
