//! Reuters-21578 reflow (C-R1…C-R4): hard-wrapped lines inside a paragraph
//! are joined with one space; a line with leading whitespace (the 4-space
//! paragraph indent, the ` Reuter` sign-off) starts a new paragraph; the
//! `### NEWID TITLE` line is never joined to the body.
//! Fixture: `fixtures/reuters/` (50 documents, see its README).

use newsclean::normalize::normalize;
use newsclean::Config;

/// The paragraphs as the indents mark them, each wrapped line trimmed and
/// joined with single spaces.
fn expected_paragraphs(text: &str) -> Vec<String> {
    let mut paras: Vec<Vec<&str>> = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    let mut after_title = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                paras.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let starts =
            line.starts_with(char::is_whitespace) || line.starts_with("### ") || after_title;
        if starts && !cur.is_empty() {
            paras.push(std::mem::take(&mut cur));
        }
        after_title = line.starts_with("### ");
        cur.push(line.trim());
    }
    if !cur.is_empty() {
        paras.push(cur);
    }
    paras
        .into_iter()
        .map(|p| {
            p.join(" ")
                .split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn reuters_paragraphs_follow_the_indents() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/reuters/reuters21578-50.txt"
    );
    let text = std::fs::read_to_string(path).expect("fixture");
    let out = normalize(&text, &Config::default()).text;
    let got: Vec<String> = out
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let want = expected_paragraphs(&text);
    let mismatches: Vec<String> = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| g != w)
        .take(5)
        .map(|(g, w)| format!("got  {g:?}\nwant {w:?}"))
        .collect();
    assert!(
        mismatches.is_empty() && got.len() == want.len(),
        "{} vs {} paragraphs\n{}",
        got.len(),
        want.len(),
        mismatches.join("\n")
    );
    assert!(want.len() > 200);
}
