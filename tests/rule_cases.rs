//! Every rule on its own, on its cases: `tests/rule-cases/RULE-ID.txt`
//! holds the cases of one rule, `pipeline::edits_alone` runs that rule alone
//! on each, and the edits and the cleaned text are an insta snapshot per
//! rule (`tests/snapshots/rule_cases__RULE-ID.snap`). A new rule is its
//! code and one file of cases; `cargo insta review` shows what changed.
//!
//! A case file: `#` comment lines (what the rule does, where the text
//! comes from), then cases, each a line `=== NAME` followed by its input
//! lines verbatim (the input is those lines, each ended by a line feed;
//! `⟨U+000D⟩` stands for a character a text file cannot hold well, as the
//! review page writes it). A case whose name starts with `keep:` must get
//! no edit from the rule; every other case must get at least one; each
//! file has both kinds. Every rule of the registry has its file, except
//! the few that cannot run on one text (`rules::NOT_ALONE`, which names
//! their tests).

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
            c.input.push_str(&unescape(line));
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

/// `⟨U+XXXX⟩` escapes decoded.
fn unescape(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find("⟨U+") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "⟨U+".len()..];
        let end = after.find('⟩').expect("⟨U+XXXX⟩ is closed");
        let c = u32::from_str_radix(&after[..end], 16)
            .ok()
            .and_then(char::from_u32)
            .unwrap_or_else(|| panic!("not a code point: {line:?}"));
        out.push(c);
        rest = &after[end + '⟩'.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// Control characters (but TAB) as `⟨U+XXXX⟩`, for the snapshot.
fn escape(line: &str) -> String {
    line.chars()
        .map(|c| match c {
            '\t' => c.to_string(),
            c if c.is_control() => format!("⟨U+{:04X}⟩", c as u32),
            c => c.to_string(),
        })
        .collect()
}

/// The lines of `text` (a final line feed ends the last one), escaped.
fn shown_lines(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_inclusive('\n')
        .map(|l| escape(l.strip_suffix('\n').unwrap_or(l)))
}

fn render(input: &str, edits: &[Edit]) -> String {
    let mut out = String::from("input:\n");
    for l in shown_lines(input) {
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
    for l in shown_lines(&newsclean::edit::apply(input, &plain)) {
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
    let mut problems = Vec::new();
    let stems: Vec<String> = files
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for r in rules::all() {
        let exempt = rules::NOT_ALONE.iter().any(|&(id, _)| id == r.id);
        if !exempt && !stems.iter().any(|s| s == r.id) {
            problems.push(format!(
                "{}: no case file tests/rule-cases/{}.txt",
                r.id, r.id
            ));
        }
    }
    for path in files {
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let rule = RuleId::parse(stem)
            .unwrap_or_else(|| panic!("{}: {stem:?} is not a rule id", path.display()));
        let text = std::fs::read_to_string(&path).unwrap();
        let cases = parse(&path, &text);
        assert!(!cases.is_empty(), "{}: no case", path.display());
        let keeps = cases.iter().filter(|c| c.name.starts_with("keep:")).count();
        if keeps == 0 || keeps == cases.len() {
            problems.push(format!(
                "{rule}: {keeps} keep cases of {}; a rule needs a case it edits and one it leaves",
                cases.len()
            ));
        }
        let mut snap = String::new();
        for c in &cases {
            let edits = newsclean::pipeline::edits_alone(rule, &c.input)
                .unwrap_or_else(|| panic!("{rule}: not a text rule (see pipeline::edits_alone)"));
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
