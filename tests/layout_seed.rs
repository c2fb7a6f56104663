//! The seed (`fixtures/corpus/seed/xinhua-2021-08-05-dump.txt`, the
//! committed copy of `shared/seed/`) needs exactly four
//! joins (l.34|36, l.63|65, l.96|98, l.184|186) and two echo removals
//! (l.148, l.154), and nothing else from the layout stage (spec 0.7).

use newsclean::normalize::normalize;
use newsclean::Config;

fn seed() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/corpus/seed/xinhua-2021-08-05-dump.txt"
    );
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// 1-based line of a byte offset.
fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()[..byte]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[test]
fn seed_joins_and_echoes() {
    let seed = seed();
    let out = normalize(&seed, &Config::default());
    let line_of = |byte: usize| line_of(&seed, byte);
    let mut joins = Vec::new();
    let mut echoes = Vec::new();
    let mut other = Vec::new();
    for p in &out.edits {
        let e = &p.edit;
        if !e.rule.starts_with("layout.") || e.rule == "layout.quote-balance" {
            continue;
        }
        match e.rule {
            "layout.join" => joins.push(line_of(e.start)),
            "layout.echo" => echoes.push(line_of(e.end.saturating_sub(1))),
            r => other.push((r, line_of(e.start))),
        }
    }
    assert_eq!(
        joins,
        vec![34, 63, 96, 184],
        "joins start at the end of line A"
    );
    assert_eq!(echoes, vec![148, 154], "echo removals end on the echo line");
    assert!(other.is_empty(), "unexpected layout edits: {other:?}");
    // The joined text.
    assert!(out.text.contains("党员从被动走访到主动上门"));
    assert!(out.text.contains("回来不仅主动拆"));
    assert!(out.text.contains("居民多了。"));
    assert!(out.text.contains("今年以来"));
    assert!(!out.text.contains("\n见单行本"));
    // Idempotent.
    let again = normalize(&out.text, &Config::default());
    assert_eq!(again.text, out.text);
}

#[test]
fn seed_quote_flag_on_l117() {
    let seed = seed();
    let out = normalize(&seed, &Config::default());
    let line_of = |byte: usize| line_of(&seed, byte);
    let flagged: Vec<usize> = out
        .edits
        .iter()
        .filter(|p| p.edit.rule == "layout.quote-balance")
        .map(|p| line_of(p.edit.start))
        .collect();
    assert!(flagged.contains(&117), "B-Q flag on l.117, got {flagged:?}");
}
