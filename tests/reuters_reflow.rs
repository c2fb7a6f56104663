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

/// The whole corpus, one document at a time (each `### NEWID TITLE` + body
/// run through the pipeline alone): the share of documents whose
/// paragraphs come out exactly as the indents mark them. The `Reuter`
/// sign-off may stay apart or be joined. `NEWSCLEAN_REUTERS=…/reuters21578-bodies.txt
/// cargo test --release --test reuters_reflow -- --ignored --nocapture`.
#[test]
#[ignore = "needs the Reuters corpus in NEWSCLEAN_REUTERS"]
fn reuters_corpus_documents_exact() {
    let path = std::env::var("NEWSCLEAN_REUTERS")
        .unwrap_or_else(|_| "target/layout-eval/corpora/reuters/reuters21578-bodies.txt".into());
    let text = std::fs::read_to_string(path).expect("corpus");
    let cfg = Config::default();
    let norm = |p: Vec<String>| -> Vec<String> {
        let mut p: Vec<String> = p
            .into_iter()
            .map(|l| {
                l.split(' ')
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|l| !l.is_empty())
            .collect();
        // The sign-off, apart or joined.
        if let Some(last) = p.last_mut() {
            for s in ["Reuter", "REUTER"] {
                if last == s {
                    p.pop();
                    break;
                }
                if let Some(x) = last.strip_suffix(s) {
                    *last = x.trim_end().to_string();
                    break;
                }
            }
        }
        p
    };
    let (mut docs, mut exact) = (0usize, 0usize);
    let mut shown = 0;
    for chunk in text.split("\n### ") {
        let doc = if chunk.starts_with("### ") {
            chunk.to_string()
        } else {
            format!("### {chunk}")
        };
        let doc = doc.trim_end().to_string() + "\n";
        docs += 1;
        let out = normalize(&doc, &cfg).text;
        let got = norm(out.lines().map(str::to_string).collect());
        let want = norm(expected_paragraphs(&doc));
        if got == want {
            exact += 1;
        } else if shown < 5 && std::env::var("NEWSCLEAN_REUTERS_SHOW").is_ok() {
            shown += 1;
            for (g, w) in got.iter().zip(&want) {
                if g != w {
                    eprintln!("got  {g:?}\nwant {w:?}\n");
                    break;
                }
            }
        }
    }
    eprintln!(
        "reuters: {exact} of {docs} documents exact ({:.1}%)",
        100.0 * exact as f64 / docs as f64
    );
}
