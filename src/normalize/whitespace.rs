//! Stage 3: whitespace tidy (D-2, D-5…D-9), after layout has read the
//! indentation.
//!
//! - leading indentation (spaces, TAB, U+3000) is removed (D-5);
//! - trailing whitespace is removed (D-2);
//! - inside a line, U+3000 and runs of spaces become one ASCII space (D-5,
//!   D-9); a TAB becomes a space except on table rows (≥ 2 TABs, C-R3);
//! - spaces between Han characters are never deleted (D-7), except on a
//!   letter-spaced line of ≥ 4 single Han characters (`中 华 人 民`);
//! - no space is ever inserted (D-8);
//! - runs of blank lines become one blank line, blank lines at the start
//!   and end of the document go; a single `\n` between lines stays (D-6),
//!   and so does the presence or absence of a final newline.

use super::han::is_han;
use super::marks::is_ws;
use crate::config::Config;
use crate::edit::Edit;

// The ids and descriptions of this module's rules: the rule catalog
// (`src/rules/catalog.rs`).
pub use crate::rules::catalog::whitespace::RULES;

/// Stage 3 edits of `text`.
pub fn edits(text: &str, _cfg: &Config) -> Vec<Edit> {
    let mut out = Vec::new();
    let lines = crate::segment::line_spans(text);
    let ends_with_newline = text.is_empty() || text.ends_with('\n');
    let blank = |&(a, b): &(usize, usize)| text[a..b].chars().all(is_ws);
    let first = lines.iter().position(|l| !blank(l));
    let Some(first) = first else {
        if !text.is_empty() {
            out.push(Edit::new(0, text.len(), "", "whitespace.blank-lines"));
        }
        return out;
    };
    let last = lines
        .iter()
        .rposition(|l| !blank(l))
        .expect("a non-blank line exists");
    if lines[first].0 > 0 {
        out.push(Edit::new(0, lines[first].0, "", "whitespace.blank-lines"));
    }
    let mut i = first;
    while i <= last {
        let (a, b) = lines[i];
        line_edits(text, a, b, &mut out);
        // Separator to the next non-blank line.
        let mut j = i + 1;
        while j <= last && blank(&lines[j]) {
            j += 1;
        }
        if j <= last {
            let sep_start = b; // the '\n' ending line i
            let sep_end = lines[j].0;
            let want = if j > i + 1 { "\n\n" } else { "\n" };
            if &text[sep_start..sep_end] != want {
                out.push(Edit::new(
                    sep_start,
                    sep_end,
                    want,
                    "whitespace.blank-lines",
                ));
            }
        } else {
            // End of document: keep a final newline only if there was one.
            let want = if ends_with_newline { "\n" } else { "" };
            if &text[b..] != want {
                out.push(Edit::new(b, text.len(), want, "whitespace.blank-lines"));
            }
        }
        i = j;
    }
    out
}

/// Edits inside one non-blank line `text[a..b]`.
fn line_edits(text: &str, a: usize, b: usize, out: &mut Vec<Edit>) {
    let line = &text[a..b];
    let content_start = a + (line.len() - line.trim_start_matches(is_ws).len());
    let content_end = a + line.trim_end_matches(is_ws).len();
    if content_start > a {
        out.push(Edit::new(a, content_start, "", "whitespace.indent"));
    }
    let content = &text[content_start..content_end];
    if let Some(joined) = letter_spaced(content) {
        out.push(Edit::new(
            content_start,
            content_end,
            joined,
            "whitespace.letter-spacing",
        ));
    } else {
        let table = content.bytes().filter(|&b| b == b'\t').count() >= 2;
        // Runs of ' ', TAB and U+3000 (E3 80 80), found on the bytes: no
        // other byte of UTF-8 text can be one of those.
        let cb = content.as_bytes();
        let mut run_start: Option<usize> = None;
        let mut k = 0;
        while k < cb.len() {
            let x = cb[k];
            let ws = match x {
                b' ' | b'\t' => true,
                0xE3 => cb[k + 1] == 0x80 && cb[k + 2] == 0x80,
                _ => false,
            };
            if ws {
                run_start.get_or_insert(content_start + k);
            } else if let Some(rs) = run_start.take() {
                inner_run(text, rs, content_start + k, table, out);
            }
            // Step over the whole character (length from its lead byte).
            k += match x {
                0x00..=0x7F => 1,
                0x80..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
        }
    }
    if content_end < b {
        out.push(Edit::new(content_end, b, "", "whitespace.trailing"));
    }
}

/// A run of whitespace inside a line, `text[s..e]`: make it one space.
fn inner_run(text: &str, s: usize, e: usize, table: bool, out: &mut Vec<Edit>) {
    let run = &text[s..e];
    if run == " " || (table && run.bytes().all(|b| b == b'\t')) {
        return;
    }
    let rule = if run.contains('\u{3000}') {
        "whitespace.ideographic-space"
    } else if run.contains('\t') && !table {
        "whitespace.tab"
    } else {
        "whitespace.space-run"
    };
    if table && run.contains('\t') {
        // On a table row the TABs are cell separators: keep them (and so
        // the row's TAB count), drop the spaces around them.
        let tabs = "\t".repeat(run.bytes().filter(|&b| b == b'\t').count());
        out.push(Edit::new(s, e, tabs, rule));
        return;
    }
    out.push(Edit::new(s, e, " ", rule));
}

/// D-7 exception: `中 华 人 民 共 和 国` (≥ 4 tokens, each one Han
/// character, separated by spaces) → `中华人民共和国`. The separators may be
/// runs of spaces, U+3000 or a TAB (not a table row: two TABs or more):
/// the space-run rules would make them single spaces, and a second run
/// would then close the line up (idempotence).
fn letter_spaced(content: &str) -> Option<String> {
    // Most lines fail at once: their first character is not followed by a
    // space. Checked before allocating.
    let first = content.chars().next()?.len_utf8();
    match content.as_bytes().get(first) {
        Some(b' ' | b'\t' | 0xE3) => {}
        _ => return None,
    }
    if content.bytes().filter(|&b| b == b'\t').count() >= 2 {
        return None;
    }
    let mut n = 0;
    let mut joined = String::with_capacity(content.len());
    for tok in content.split(is_ws).filter(|t| !t.is_empty()) {
        let mut cs = tok.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) if is_han(c) => {
                joined.push(c);
                n += 1;
            }
            _ => return None,
        }
    }
    (n >= 4).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply;

    fn run(s: &str) -> String {
        let out = apply(s, &edits(s, &Config::default()));
        assert!(
            edits(&out, &Config::default()).is_empty(),
            "idempotent on {out:?}"
        );
        out
    }

    #[test]
    fn indentation_and_trailing() {
        assert_eq!(
            run("\u{3000}\u{3000}江山就是人民。  \n"),
            "江山就是人民。\n"
        );
        assert_eq!(run("    Indented\tline \t"), "Indented line");
    }

    #[test]
    fn byline_spaces_kept() {
        assert_eq!(run("记者 董素玉 屈辰 乌梦达"), "记者 董素玉 屈辰 乌梦达");
        assert_eq!(
            run("新华社北京8月5日电\u{3000}“你好！”"),
            "新华社北京8月5日电 “你好！”"
        );
    }

    #[test]
    fn letter_spaced_title_closed_up() {
        assert_eq!(
            run("中 华 人 民 共 和 国 国 家 标 准"),
            "中华人民共和国国家标准"
        );
        assert_eq!(run("加 减"), "加 减");
        // Wider gaps close up in the same run, not on the next one (fuzz:
        // U+1680 runs became space runs, then a letter-spaced line).
        assert_eq!(run("满   满   满   满"), "满满满满");
        assert_eq!(run("中\u{3000}华\u{3000}人\u{3000}民"), "中华人民");
        assert_eq!(run("中\t华 人 民"), "中华人民");
        // A table row keeps its cells.
        assert_eq!(run("中\t华\t人\t民"), "中\t华\t人\t民");
    }

    #[test]
    fn blank_line_runs() {
        assert_eq!(
            run("\n\n标题\n\n\n\nA段。\n \nB段。\n\n\n"),
            "标题\n\nA段。\n\nB段。\n"
        );
        assert_eq!(run("a\nb"), "a\nb");
        assert_eq!(run("   \n  \n"), "");
    }

    #[test]
    fn tables_keep_tabs() {
        assert_eq!(run("a\tb\tc"), "a\tb\tc");
        assert_eq!(run("a\tb"), "a b");
        // Regression (proptest): a TAB next to U+3000 on a table row stayed
        // a TAB only on the second run.
        assert_eq!(run("一\t\u{3000}一\t一"), "一\t一\t一");
    }
}
