//! HTML character references left by scrapers (`&nbsp;`, `&amp;`, `&lt;`,
//! `&quot;`, `&#12288;`, `&#x3000;`): decoded by a rule of their own,
//! `whitespace.entity`, each decoding an edit.
//!
//! Why here: a scraped dump that kept `&nbsp;` has a space the author
//! typed, not six letters; left in, it hides paragraphs from the layout
//! stage, splits words for tokenizers, and makes `&nbsp;`-padded table cells
//! "duplicates" of each other. The stage runs right after NFC and before
//! the character rules, so `&nbsp;` becomes U+00A0 and then whatever NBSP
//! becomes (`whitespace.space-like`), and `&#12288;` is an indent like
//! U+3000.
//!
//! What is decoded: the named references of HTML 4 that scraped news uses
//! (spaces, the five XML ones, quotes, dashes, `&hellip;`, `&middot;`, `&copy;`
//! and a few signs) and numeric ones `&#N;` / `&#xH;` naming a printable
//! character (no control characters, no surrogates); the `;` is required.
//! What is not: a line that is *about* markup or code — one with an HTML
//! tag (`<p>`, `</a>`), a backtick, or the words `HTML`, `XML`, `entity`,
//! `实体`, `转义` — is left as it is, and so is a reference that decodes to
//! `&` followed by another reference (`&amp;nbsp;` is text showing an
//! entity).

use crate::config::Config;
use crate::edit::Edit;

// The ids and descriptions of this module's rules: the rule catalog
// (`src/rules/catalog.rs`).
pub use crate::rules::catalog::entities::{ENTITY, RULES};

const NAMED: &[(&str, char)] = &[
    ("nbsp", '\u{a0}'),
    ("ensp", '\u{2002}'),
    ("emsp", '\u{2003}'),
    ("thinsp", '\u{2009}'),
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("hellip", '…'),
    ("middot", '·'),
    ("bull", '•'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("times", '×'),
    ("divide", '÷'),
    ("deg", '°'),
    ("plusmn", '±'),
    ("yen", '¥'),
    ("pound", '£'),
    ("euro", '€'),
    ("laquo", '«'),
    ("raquo", '»'),
];

/// Is this line about markup or code (left alone)?
fn about_markup(line: &str) -> bool {
    if line.contains('`') {
        return true;
    }
    let b = line.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'<' {
            match b.get(i + 1) {
                Some(x) if x.is_ascii_alphabetic() || *x == b'/' || *x == b'!' => return true,
                _ => {}
            }
        }
    }
    [
        "HTML", "html", "XML", "xml", "entity", "entities", "实体", "转义",
    ]
    .iter()
    .any(|w| line.contains(w))
}

/// The reference starting at byte `i` of `s` (which holds `&`): its length
/// and the character it names.
fn reference(s: &str, i: usize) -> Option<(usize, char)> {
    let b = s.as_bytes();
    let rest = &b[i + 1..];
    let semi = rest.iter().take(12).position(|&c| c == b';')?;
    let name = &s[i + 1..i + 1 + semi];
    let c = if let Some(num) = name.strip_prefix('#') {
        let v = if let Some(h) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(h, 16).ok()?
        } else {
            if num.is_empty() || !num.bytes().all(|d| d.is_ascii_digit()) {
                return None;
            }
            num.parse().ok()?
        };
        let c = char::from_u32(v)?;
        if c.is_control() {
            return None;
        }
        c
    } else {
        NAMED.iter().find(|(n, _)| *n == name)?.1
    };
    Some((semi + 2, c))
}

/// Stage: decode the references of `text`.
pub fn edits(text: &str, _cfg: &Config) -> Vec<Edit> {
    let mut out = Vec::new();
    if !text.contains('&') {
        return out;
    }
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        let start = pos;
        pos += line.len();
        if !line.contains('&') || about_markup(line) {
            continue;
        }
        let mut k = 0;
        while let Some(off) = line[k..].find('&') {
            let i = k + off;
            match reference(line, i) {
                Some((len, c)) => {
                    // `&amp;nbsp;`: text that shows a reference.
                    if c == '&'
                        && line[i + len..]
                            .starts_with(|x: char| x.is_ascii_alphabetic() || x == '#')
                    {
                        let tail = &line[i + len..];
                        if tail.find(';').is_some_and(|s| s <= 10) {
                            k = i + len;
                            continue;
                        }
                    }
                    out.push(Edit::new(start + i, start + i + len, c.to_string(), ENTITY));
                    k = i + len;
                }
                None => k = i + 1,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::edits;
    use crate::config::Config;

    fn run(t: &str) -> String {
        let mut s = t.to_string();
        for e in edits(t, &Config::default()).into_iter().rev() {
            s.replace_range(e.start..e.end, &e.replacement);
        }
        s
    }

    #[test]
    fn decodes_named_and_numeric() {
        assert_eq!(run("甲&nbsp;乙"), "甲\u{a0}乙");
        assert_eq!(run("AT&amp;T 公司 &lt;5&gt;"), "AT&T 公司 <5>");
        assert_eq!(
            run("&#12288;&#12288;正文&#x3000;"),
            "\u{3000}\u{3000}正文\u{3000}"
        );
        assert_eq!(run("他说&quot;好&quot;"), "他说\"好\"");
    }

    #[test]
    fn leaves_markup_text_and_unknown() {
        for t in [
            "在 HTML 中写 &nbsp; 表示空格",
            "<p>&nbsp;</p>",
            "用 `&amp;` 转义",
            "显示为 &amp;nbsp; 的文字",
            "R&D 部门 &foo; &#1;",
            "a & b; c",
        ] {
            assert_eq!(run(t), t, "{t}");
        }
    }
}
