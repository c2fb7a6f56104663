//! The spec's Chinese cases (`shared/spec/cases.jsonl`, kind `zh`) that
//! cite only A-, U- and D- rules (punctuation, Unicode, whitespace), run
//! through the whole normalization pipeline: the output must equal
//! `expected`, and normalizing `expected` must give `expected` back
//! (idempotence). Cases citing B- (layout) or C- (English reflow) rules are
//! tested with their own stages.

use newsclean::normalize::normalize;
use newsclean::Config;

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/cases.jsonl");

/// Cases that fail only because another stage is not finished yet, with
/// the reason. Empty when every stage is in.
const PENDING: &[(&str, &str)] = &[];

/// Rule families cited in a case's `rules` text (`A-C1, A-S2 (…)` → A, A).
fn families(rules: &str) -> Vec<char> {
    let b: Vec<char> = rules.chars().collect();
    let mut out = Vec::new();
    for i in 0..b.len().saturating_sub(2) {
        let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == '-');
        if boundary
            && b[i].is_ascii_uppercase()
            && b[i + 1] == '-'
            && b[i + 2].is_ascii_alphanumeric()
        {
            out.push(b[i]);
        }
    }
    out
}

#[test]
fn families_parse() {
    assert_eq!(
        families("A-C1, A-K2, A-S2 (decimals kept)"),
        vec!['A', 'A', 'A']
    );
    assert_eq!(families("B-S1 (+3) + B-S3 quote open"), vec!['B', 'B']);
    assert_eq!(families("no 顿号 inserted"), Vec::<char>::new());
}

#[test]
fn spec_cases_a_u_d() {
    let text = std::fs::read_to_string(CASES).expect("read shared/spec/cases.jsonl");
    let cfg = Config::default();
    let mut failures = Vec::new();
    let mut ran = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("case is JSON");
        let field = |k: &str| case[k].as_str().unwrap_or_default().to_string();
        let (id, input, expected, rules) = (
            field("id"),
            field("input"),
            field("expected"),
            field("rules"),
        );
        if field("kind") != "zh"
            || families(&rules)
                .iter()
                .any(|f| !matches!(f, 'A' | 'U' | 'D'))
        {
            continue;
        }
        let pending = PENDING.iter().find(|(p, _)| *p == id);
        ran += 1;
        let got = normalize(&input, &cfg).text;
        let again = normalize(&expected, &cfg).text;
        let ok = got == expected && again == expected;
        match (ok, pending) {
            (true, Some((_, why))) => failures.push(format!("{id}: passes now, remove it from PENDING ({why})")),
            (false, None) => failures.push(format!(
                "{id} [{rules}]\n   input:    {input:?}\n   got:      {got:?}\n   expected: {expected:?}\n   expected→ {again:?}"
            )),
            _ => {}
        }
    }
    assert!(
        ran >= 40,
        "only {ran} cases selected: is cases.jsonl complete?"
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
