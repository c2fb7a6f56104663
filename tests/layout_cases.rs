//! Every case of `shared/spec/cases.jsonl` that cites a B- or C-rule, run
//! through the whole pipeline: output equals `expected`, and running the
//! pipeline on `expected` gives `expected` (idempotence).
//!
//! Layout runs in stage 2; the punctuation stage (4) converts `,` → `，`
//! etc. Until that stage is complete a case can fail only because of it, so
//! each case also checks the layout effect alone: output and expected agree
//! once ASCII and full-width `,:;()!?` are folded to one width. The full
//! equality is checked in `layout_cases_full_equality`.

use newsclean::normalize::normalize;
use newsclean::Config;

struct Case {
    id: String,
    input: String,
    expected: String,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/cases.jsonl");
    let text = std::fs::read_to_string(path).expect("cases.jsonl");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .filter(|v| {
            v["rules"]
                .as_str()
                .unwrap_or("")
                .split(|c: char| !c.is_alphanumeric() && c != '-')
                .any(|r| r.starts_with("B-") || r.starts_with("C-"))
        })
        .map(|v| Case {
            id: v["id"].as_str().unwrap().to_string(),
            input: v["input"].as_str().unwrap().to_string(),
            expected: v["expected"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// Fold the marks whose width stage 4 decides: ASCII and full-width forms
/// compare equal.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '，' => ',',
            '：' => ':',
            '；' => ';',
            '（' => '(',
            '）' => ')',
            '！' => '!',
            '？' => '?',
            c => c,
        })
        .collect()
}

#[test]
fn layout_cases_layout_effect() {
    let cfg = Config::default();
    let cases = cases();
    assert!(
        cases.len() >= 20,
        "expected the B/C cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for c in &cases {
        let out = normalize(&c.input, &cfg).text;
        if fold(&out) != fold(&c.expected) {
            failures.push(format!("{}: got {:?}, want {:?}", c.id, out, c.expected));
        }
        let again = normalize(&out, &cfg).text;
        if fold(&again) != fold(&out) {
            failures.push(format!(
                "{}: not idempotent: {:?} -> {:?}",
                c.id, out, again
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn layout_cases_full_equality() {
    // Full equality depends on the punctuation stage too.
    let cfg = Config::default();
    let mut failures = Vec::new();
    for c in &cases() {
        let out = normalize(&c.input, &cfg).text;
        if out != c.expected {
            failures.push(format!("{}: got {:?}, want {:?}", c.id, out, c.expected));
        }
        let again = normalize(&c.expected, &cfg).text;
        if again != c.expected {
            failures.push(format!(
                "{}: expected is not a fixed point: {:?}",
                c.id, again
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Debugging aid: `NEWSCLEAN_DEBUG='text' cargo test --test layout_cases -- --ignored --nocapture debug_layout`
/// prints, for each of three passes of the pipeline's per-document core
/// (`clean_edits`), the boundary decisions of layout on the pass's input,
/// every edit with its detail (a join's score and signals), and the result.
#[test]
#[ignore = "debugging aid"]
fn debug_layout() {
    let text = std::env::var("NEWSCLEAN_DEBUG").unwrap_or_default();
    let text = text.replace("\\n", "\n").replace("\\u3000", "\u{3000}");
    let cfg = newsclean::Config::default();
    let mut t = text;
    for pass in 1..=3 {
        for r in newsclean::normalize::layout::boundaries(&t, &cfg) {
            eprintln!("pass {pass}: {r:?}");
        }
        let (cleaned, edits) = newsclean::pipeline::clean_edits(&t, &cfg);
        for e in &edits {
            eprintln!("pass {pass}: {e:?}");
        }
        t = cleaned;
        eprintln!("pass {pass} => {t:?}");
    }
}

/// Idempotence of the layout decisions (the failing examples): a
/// break kept on the first run only because B was indented must not be
/// joined on the second run, after stage 3 removed the indentation.
#[test]
fn layout_decisions_survive_a_second_run() {
    let cfg = Config::default();
    let cases = [
        "这段时间,美国新冠肺炎疫情正在加速反弹,最\n\u{3000}\u{3000}近每日新增确诊病例数、住院病例数、死亡病例数等疫情核心指标都在反弹。",
        "丌\r\n  一1,000一一 ",
        "为推动产业发展，国务院日前印发《关于加快发展康复辅助器具\n\u{3000}\u{3000}产业的若干意见》，提出到2020年，产业规模突破7000亿元。",
        "Oscar-nominated f\n\u{3000}\u{3000}ilm biopic Ray has surpassed its US box office takings.\n\u{3000}\u{3000}",
        "One two three four five six\nseven eight nine ten eleven.\n    Twelve thirteen fourteen fifteen\nsixteen seventeen.\n",
        "1,000\n1,000\n0.0一A",
        "一.一一一\n丄 ",
        // Wrapped at 20 cells, the indented lines hiding the width until
        // stage 3 removes the indent (fuzz input 35568).
        "告诉他，公司现在正要\n\u{3000}\u{3000}引进一批毕业生，年\n\n告诉他，公司现在正要\n\u{3000}\u{3000}引进一批毕业生，年\n\n告诉他，公司现在正要\n\u{3000}\u{3000}引进一批毕业生，年\n\n告诉他，公司现在正要\n\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}\u{3000}引进一批毕业生，年",
    ];
    for text in cases {
        let once = newsclean::pipeline::clean_str(text, &cfg);
        let twice = newsclean::pipeline::clean_str(&once, &cfg);
        assert_eq!(twice, once, "input {text:?}");
    }
    // The first three are mid-sentence breaks: joined on the first run.
    for text in &cases[..3] {
        let once = newsclean::pipeline::clean_str(text, &cfg);
        assert!(!once.trim_end().contains('\n'), "{once:?}");
    }
}

/// One flag per unbalanced bracket: `punct.bracket-imbalance` and B-Q
/// (`layout.quote-balance`) both read `（）`; the mark gets the punct flag
/// only, and B-Q still flags it when the punct rule is off.
#[test]
fn one_flag_per_unbalanced_bracket() {
    let text = "新华社北京1月9日电（记者诸葛仓麟报道，中国经济保持平稳增长。\n";
    let flags = |cfg: &Config| -> Vec<(usize, &'static str)> {
        normalize(text, cfg)
            .edits
            .iter()
            .filter(|p| p.edit.is_flag())
            .map(|p| (p.edit.start, p.edit.rule))
            .collect()
    };
    let at = text.find('（').unwrap();
    assert_eq!(
        flags(&Config::default()),
        vec![(at, "punct.bracket-imbalance")]
    );
    let file = newsclean::config::FileConfig {
        rules: newsclean::config::RulesSection {
            disable: vec!["punct.bracket-imbalance".into()],
            ..Default::default()
        },
        ..Default::default()
    };
    let cfg = Config::from_file_config(file).unwrap();
    assert_eq!(flags(&cfg), vec![(at, "layout.quote-balance")]);
}
