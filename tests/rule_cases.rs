//! Every rule on its own, on its cases: `tests/rule-cases/RULE-ID.txt`
//! holds the cases of one rule, `rules::edits_alone` runs that rule alone
//! on each, and the edits and the cleaned text are an insta snapshot per
//! rule (`tests/snapshots/rule_cases__RULE-ID.snap`). A new rule is its
//! code and one file of cases; `cargo insta review` shows what changed.
//!
//! A case file: `#` comment lines, then cases, each a line `=== NAME`
//! followed by its input lines verbatim (the input is those lines, each
//! ended by a line feed). A case whose name starts with `keep:` must get
//! no edit from the rule; every other case must get at least one.

use newsclean::edit::Edit;
use newsclean::rules::{self, RuleId};

struct Case {
    name: String,
    input: String,
}

fn parse(path: &std::path::Path, text: &str) -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            cases.push(Case {
                name: name.trim().to_string(),
                input: String::new(),
            });
        } else if let Some(c) = cases.last_mut() {
            c.input.push_str(line);
            c.input.push('\n');
        } else {
            assert!(
                line.starts_with('#') || line.trim().is_empty(),
                "{}: text before the first `=== NAME` line: {line:?}",
                path.display()
            );
        }
    }
    cases
}

fn render(input: &str, edits: &[Edit]) -> String {
    let mut out = String::from("input:\n");
    for l in input.lines() {
        out.push_str(&format!("  |{l}\n"));
    }
    out.push_str("edits:\n");
    for e in edits {
        let before = &input[e.start..e.end];
        let detail = e
            .detail
            .as_ref()
            .map(|d| format!(" {d:?}"))
            .unwrap_or_default();
        if e.is_flag() {
            out.push_str(&format!("  {} flag {}{detail}\n", e.start, e.rule));
        } else {
            out.push_str(&format!(
                "  {}..{} {before:?} -> {:?} {}{detail}\n",
                e.start, e.end, e.replacement, e.rule
            ));
        }
    }
    let plain: Vec<Edit> = edits.iter().filter(|e| !e.is_flag()).cloned().collect();
    out.push_str("cleaned:\n");
    for l in newsclean::edit::apply(input, &plain).lines() {
        out.push_str(&format!("  |{l}\n"));
    }
    out
}

#[test]
fn every_rule_on_its_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rule-cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{} case files", files.len());
    let mut problems = Vec::new();
    for path in files {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let rule = RuleId::parse(stem)
            .unwrap_or_else(|| panic!("{}: {stem:?} is not a rule id", path.display()));
        let text = std::fs::read_to_string(&path).unwrap();
        let cases = parse(&path, &text);
        assert!(!cases.is_empty(), "{}: no case", path.display());
        let mut snap = String::new();
        for c in &cases {
            let edits = rules::edits_alone(rule, &c.input)
                .unwrap_or_else(|| panic!("{rule}: not a text rule (see rules::edits_alone)"));
            let own = edits.iter().filter(|e| e.rule == rule.as_str()).count();
            if own != edits.len() {
                problems.push(format!(
                    "{rule} / {}: edits of other rules: {edits:?}",
                    c.name
                ));
            }
            match (c.name.starts_with("keep:"), own) {
                (true, n) if n > 0 => {
                    problems.push(format!("{rule} / {}: {n} edits, none wanted", c.name))
                }
                (false, 0) => problems.push(format!("{rule} / {}: no edit", c.name)),
                _ => {}
            }
            snap.push_str(&format!("=== {}\n{}\n", c.name, render(&c.input, &edits)));
        }
        insta::assert_snapshot!(rule.as_str(), snap);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
