//! The rule catalog: every rule id, with its spec references and its
//! one-line description, per module, and nothing else. A leaf: it
//! uses no other module of the crate, so the registry ([`super`]), the
//! config and the rule stages all read it without a circle between them
//! (each stage takes its ids from here; the registry joins the lists).

use serde::Serialize;

/// A rule id and what it does.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleInfo {
    /// Stable id, e.g. `punct.comma`.
    pub id: &'static str,
    /// Spec references, e.g. `A-C1`.
    pub spec: &'static str,
    /// One line for the reports.
    pub doc: &'static str,
}

/// The rules of `src/decode.rs`.
pub mod decode {
    use super::RuleInfo;

    /// Rules of the decoder: flags only, never a text change.
    pub const RULES: &[RuleInfo] = &[RuleInfo {
        id: "decode.replacement",
        spec: "U-5",
        doc: "a malformed byte sequence of the source encoding, decoded as U+FFFD (flag; the run exits 2)",
    }];
}

/// The rules of `src/normalize/entities.rs`.
pub mod entities {
    use super::RuleInfo;

    /// The rule id.
    pub const ENTITY: &str = "whitespace.entity";

    /// Rules of this stage.
    pub const RULES: &[RuleInfo] = &[RuleInfo {
        id: ENTITY,
        spec: "D-3",
        doc: "HTML character references (`&nbsp;` `&amp;` `&#12288;` …) decoded, except on lines about markup or code",
    }];
}

/// The rules of `src/normalize/chars.rs`.
pub mod chars {
    use super::RuleInfo;

    /// Rules of this stage.
    pub const RULES: &[RuleInfo] = &[
        RuleInfo {
            id: "whitespace.line-ending",
            spec: "D-1",
            doc: "CRLF, CR, VT, FF, NEL and U+2028 become a line feed; U+2029 a blank line",
        },
        RuleInfo {
            id: "whitespace.control",
            spec: "D-4",
            doc: "NUL and other C0/C1 control characters deleted (TAB and line breaks are kept or become line feeds)",
        },
        RuleInfo {
            id: "whitespace.zero-width",
            spec: "D-4",
            doc: "zero-width, bidi-control and BOM characters deleted (emoji joiners kept)",
        },
        RuleInfo {
            id: "whitespace.space-like",
            spec: "D-3",
            doc: "NBSP and other space-like characters become an ASCII space",
        },
        RuleInfo {
            id: "punct.nfc",
            spec: "U-3",
            doc: "Unicode NFC, including CJK compatibility ideographs (never NFKC)",
        },
        RuleInfo {
            id: "punct.width",
            spec: "A-W1 A-W2 A-W3 A-W4",
            doc: "full-width ASCII letters, digits and symbols to ASCII; half-width CJK marks to full width",
        },
    ];
}

/// The rules of `src/normalize/whitespace.rs`.
pub mod whitespace {
    use super::RuleInfo;

    /// Rules of this stage.
    pub const RULES: &[RuleInfo] = &[
        RuleInfo {
            id: "whitespace.indent",
            spec: "D-5",
            doc: "leading indentation (spaces, TAB, U+3000) removed",
        },
        RuleInfo {
            id: "whitespace.trailing",
            spec: "D-2",
            doc: "trailing whitespace removed",
        },
        RuleInfo {
            id: "whitespace.ideographic-space",
            spec: "D-5 F-18",
            doc: "U+3000 inside a line becomes one ASCII space",
        },
        RuleInfo {
            id: "whitespace.space-run",
            spec: "D-5 D-9",
            doc: "a run of spaces becomes one space",
        },
        RuleInfo {
            id: "whitespace.tab",
            spec: "D-3",
            doc: "a TAB inside a line becomes a space (not on table rows)",
        },
        RuleInfo {
            id: "whitespace.letter-spacing",
            spec: "D-7",
            doc: "letter-spaced Han line (≥ 4 single characters) closed up",
        },
        RuleInfo {
            id: "whitespace.blank-lines",
            spec: "D-6",
            doc: "runs of blank lines become one; blank lines at start and end removed",
        },
    ];
}

/// The rules of `src/normalize/punct.rs`.
pub mod punct {
    use super::RuleInfo;

    /// Rule id `punct.comma`.
    pub const COMMA: &str = "punct.comma";
    /// Rule id `punct.period`.
    pub const PERIOD: &str = "punct.period";
    /// Rule id `punct.colon`.
    pub const COLON: &str = "punct.colon";
    /// Rule id `punct.semicolon`.
    pub const SEMICOLON: &str = "punct.semicolon";
    /// Rule id `punct.question-exclaim`.
    pub const QX: &str = "punct.question-exclaim";
    /// Rule id `punct.paren`.
    pub const PAREN: &str = "punct.paren";
    /// Rule id `punct.quote`.
    pub const QUOTE: &str = "punct.quote";
    /// Rule id `punct.ellipsis`.
    pub const ELLIPSIS: &str = "punct.ellipsis";
    /// Rule id `punct.dash`.
    pub const DASH: &str = "punct.dash";
    /// Rule id `punct.tilde`.
    pub const TILDE: &str = "punct.tilde";
    /// Rule id `punct.interpunct`.
    pub const INTERPUNCT: &str = "punct.interpunct";
    /// Rule id `punct.zero`.
    pub const ZERO: &str = "punct.zero";
    /// Rule id `punct.space`.
    pub const SPACE: &str = "punct.space";
    /// Rule id `punct.latin`.
    pub const LATIN: &str = "punct.latin";
    /// Rule id `punct.bracket-imbalance`.
    pub const BRACKET_FLAG: &str = "punct.bracket-imbalance";
    /// Rule id `punct.quote-imbalance`.
    pub const QUOTE_FLAG: &str = "punct.quote-imbalance";

    /// Rules of this module.
    pub const RULES: &[RuleInfo] = &[
        RuleInfo { id: COMMA, spec: "A-C1, A-C2", doc: "`,` in Chinese context becomes `，` (never inside numbers or between Latin words)" },
        RuleInfo { id: PERIOD, spec: "A-S1, A-S1b, A-S1c", doc: "`.` ending a Chinese sentence becomes `。` (decimals, abbreviations and enumerators kept)" },
        RuleInfo { id: COLON, spec: "A-K1", doc: "`:` in Chinese context becomes `：` (times, ratios and URL schemes kept)" },
        RuleInfo { id: SEMICOLON, spec: "A-K2", doc: "`;` in Chinese context becomes `；` (entities and emoticons kept)" },
        RuleInfo { id: QX, spec: "A-X1, A-X1b", doc: "`?` and `!` runs after Chinese become `？` and `！`" },
        RuleInfo { id: PAREN, spec: "A-P1, A-Z2", doc: "matched `(…)` in Chinese context become `（…）`, with the spaces between them and Han" },
        RuleInfo { id: QUOTE, spec: "A-Q1, A-Q2, A-Q4", doc: "paired `\"…\"` and inner `'…'` around or beside Han become `“…”` and `‘…’`; optionally `「」『』` become `“”‘’`" },
        RuleInfo { id: ELLIPSIS, spec: "A-E1", doc: "`...`, `。。。`, `…` and `⋯` in Chinese context become `……`" },
        RuleInfo { id: DASH, spec: "A-D1, A-D3", doc: "two-character dashes (`--`, `――`, `──`, `⸺`) in Chinese context become `——`; a lone `―` between Han becomes `—`" },
        RuleInfo { id: TILDE, spec: "A-T1", doc: "`~` or `〜` in a numeric or Han range becomes `～`" },
        RuleInfo { id: INTERPUNCT, spec: "A-M1", doc: "a lone `・` `•` `‧` `∙` `⋅` between name parts becomes `·` (U+00B7)" },
        RuleInfo { id: ZERO, spec: "A-N1", doc: "`0` `O` `o` `○` inside a run of Chinese digits becomes `〇`" },
        RuleInfo { id: SPACE, spec: "A-Z1", doc: "spaces before `，、；：。！？…` and closing marks, or after `，、；：。！？` and opening marks, are removed" },
        RuleInfo { id: LATIN, spec: "A-L1", doc: "full-width `，：；！？。（）` in an English line, and `，；：。！？` of an English phrase inside a Chinese line, become ASCII (plus a space before a following word)" },
        RuleInfo { id: BRACKET_FLAG, spec: "A-P2", doc: "flag: an unmatched `(` `)` `（` `）` in a Chinese paragraph (text unchanged)" },
        RuleInfo { id: QUOTE_FLAG, spec: "A-Q1", doc: "flag: an odd number of ASCII `\"` in a Chinese paragraph, left unconverted" },
    ];
}

/// The rules of `src/normalize/layout.rs`.
pub mod layout {
    use super::RuleInfo;

    /// Rule id: Chinese paragraph join (B-S decision).
    pub const JOIN: &str = "layout.join";
    /// Rule id: English hard-wrap join (C-R1…C-R4).
    pub const REFLOW: &str = "layout.reflow";
    /// Rule id: join at a line-end hyphen (C-H0…C-H7).
    pub const DEHYPHEN: &str = "layout.dehyphen";
    /// Rule id: page-number line removed (C-P1, B-P1).
    pub const PAGE_NUMBER: &str = "layout.page-number";
    /// Rule id: newspaper jump line removed (C-P3).
    pub const JUMP_LINE: &str = "layout.jump-line";
    /// Rule id: running header/footer removed (C-P2 without page boundaries).
    pub const RUNNING_HEADER: &str = "layout.running-header";
    /// Rule id: echo paragraph removed (B-E1, B-E2).
    pub const ECHO: &str = "layout.echo";
    /// Rule id: a paragraph break marked only by indentation (English, or a
    /// hard-wrapped Chinese file) made
    /// explicit with a blank line (stage 3 removes the indentation).
    pub const PARAGRAPH_BREAK: &str = "layout.paragraph-break";
    /// Rule id: quote/bracket balance flag (B-Q).
    pub const QUOTE_BALANCE: &str = "layout.quote-balance";

    /// Rules of this module.
    pub const RULES: &[RuleInfo] = &[
        RuleInfo {
            id: JOIN,
            spec: "B-S1…B-S10 B-D1…B-D6 B-H2 B-R",
            doc: "broken Chinese paragraph joined (scored boundary, structure vetoes)",
        },
        RuleInfo {
            id: REFLOW,
            spec: "C-R1…C-R4",
            doc: "hard-wrapped English lines joined with one space",
        },
        RuleInfo {
            id: DEHYPHEN,
            spec: "C-H0…C-H7",
            doc: "line-end hyphen resolved and the word joined",
        },
        RuleInfo {
            id: PAGE_NUMBER,
            spec: "C-P1 B-P1",
            doc: "page-number line removed",
        },
        RuleInfo {
            id: JUMP_LINE,
            spec: "C-P3",
            doc: "newspaper jump line (下转第4版) removed",
        },
        RuleInfo {
            id: RUNNING_HEADER,
            spec: "C-P2",
            doc: "running header/footer (short line with Han and a digit, repeated ≥ 3 times) removed",
        },
        RuleInfo {
            id: ECHO,
            spec: "B-E1 B-E2",
            doc: "echo paragraph (repeated suffix or prefix) removed",
        },
        RuleInfo {
            id: PARAGRAPH_BREAK,
            spec: "C-R3 D-5",
            doc: "paragraph break marked only by indentation (English, or a hard-wrapped Chinese file) made a blank line",
        },
        RuleInfo {
            id: QUOTE_BALANCE,
            spec: "B-Q",
            doc: "unbalanced quotes or brackets flagged (no edit)",
        },
    ];
}

/// The rules of `src/dedup.rs`.
pub mod dedup {
    use super::RuleInfo;

    /// Rules of this module.
    pub const RULES: &[RuleInfo] = &[
        RuleInfo {
            id: "dedup.paragraph",
            spec: "design: blocks and duplicates",
            doc: "paragraph seen earlier in this file or an earlier file (first copy kept)",
        },
        RuleInfo {
            id: "dedup.line",
            spec: "design: blocks and duplicates",
            doc: "line of a multi-line paragraph seen earlier (first copy kept)",
        },
        RuleInfo {
            id: "dedup.document",
            spec: "design: blocks and duplicates",
            doc: "whole file whose paragraphs repeat an earlier kept file's, in order (removed as one unit, no output file)",
        },
    ];
}

/// The rules of `src/near/mod.rs`.
pub mod near {
    use super::RuleInfo;

    /// Rules of this module.
    pub const RULES: &[RuleInfo] = &[
        RuleInfo {
            id: "dedup.near-document",
            spec: "issue 16: near-duplicates",
            doc: "whole file near-identical to an earlier kept file (verified similarity and containment): removed as one unit, else flagged",
        },
        RuleInfo {
            id: "dedup.near-paragraph",
            spec: "issue 16: near-duplicates",
            doc: "paragraph near-identical to an earlier kept paragraph (verified): flagged, or removed with near_paragraph = \"remove\"",
        },
    ];
}
