//! Corruption guard for the punctuation rules, on real corpus lines
//! (`fixtures/punct-guard/`, excerpts of xwlb and sogouc chosen because they
//! mix half-width marks next to Han with numbers, Latin words, URLs and
//! e-mail addresses): for every `punct.*` edit, the digits and Latin letters
//! of `before` and `after` are the same, and no URL or e-mail address is
//! touched by any edit.

use newsclean::normalize::normalize;
use newsclean::Config;

fn fixture() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/punct-guard/lines.txt"
    ))
    .unwrap()
}

/// Digits and Latin letters, with full-width forms folded to ASCII (A-W1
/// changes the width of a digit, never the digit).
fn alnum(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap()
            }
            c => c,
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Byte spans of URLs and e-mail addresses (the A-0 definitions, simplified:
/// a run of printable ASCII without spaces).
fn protected_spans(t: &str) -> Vec<(usize, usize)> {
    let b = t.as_bytes();
    let mut out = Vec::new();
    let run_end = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_graphic() {
            i += 1;
        }
        i
    };
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"http://")
            || rest.starts_with(b"https://")
            || rest.starts_with(b"www.")
        {
            let mut e = run_end(i);
            // Trailing punctuation is not part of a URL (GFM autolinks).
            while e > i && b".,:;!?)".contains(&b[e - 1]) {
                e -= 1;
            }
            out.push((i, e));
            i = e.max(i + 1);
        } else if b[i] == b'@' && i > 0 && b[i - 1].is_ascii_alphanumeric() {
            let mut s = i;
            while s > 0 && (b[s - 1].is_ascii_alphanumeric() || b"._%+-".contains(&b[s - 1])) {
                s -= 1;
            }
            let mut e = i + 1;
            while e < b.len() && (b[e].is_ascii_alphanumeric() || b".-".contains(&b[e])) {
                e += 1;
            }
            while e > i && b[e - 1] == b'.' {
                e -= 1;
            }
            out.push((s, e));
            i = e;
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn punct_edits_keep_digits_letters_urls_and_emails() {
    let text = fixture();
    let spans = protected_spans(&text);
    assert!(
        spans.len() >= 10,
        "the fixture must contain URLs and e-mail addresses: {spans:?}"
    );
    let (_, edits) = normalize(&text, &Config::default()).into_edits();
    let mut punct_edits = 0;
    for e in &edits {
        let before = &text[e.start..e.end];
        if e.rule.starts_with("punct.") && e.rule != "punct.zero" {
            // punct.zero (A-N1) deliberately turns a misused 0/O inside a
            // Chinese numeral into 〇; every other punctuation rule keeps them.
            punct_edits += 1;
            assert_eq!(
                alnum(before),
                alnum(&e.replacement),
                "{} changed a digit or letter: {before:?} -> {:?}",
                e.rule,
                e.replacement
            );
        }
        for &(s, t) in &spans {
            assert!(
                e.end <= s || e.start >= t || e.is_flag(),
                "{} touched protected {:?}: {before:?} -> {:?}",
                e.rule,
                &text[s..t],
                e.replacement
            );
        }
    }
    eprintln!(
        "guard: {} protected spans, {punct_edits} punct edits",
        spans.len()
    );
    assert!(
        punct_edits >= 100,
        "the guard must see real conversions, saw {punct_edits}"
    );
}
