//! The planted near-duplicates of `fixtures/near` (made by
//! `scripts/neardup-eval --make-fixture`, truth in `truth.json`), cleaned
//! by the real binary: what the truth says must not happen does not (a
//! hard negative linked, a copy with a changed figure removed, a paragraph
//! that only shares its beginning flagged), the planted document copies at
//! similarity ≥ 0.8 are found at issue 16's target, and every
//! near-duplicate record has its member on its cluster's card, diffed
//! against the kept copy.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

struct Run {
    base: PathBuf,
    report: PathBuf,
    records: Vec<Value>,
    truth: Vec<Value>,
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.base);
    }
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/near")
}

fn run() -> Run {
    let base = std::env::temp_dir().join(format!(
        "newsclean-near-cards-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = fs::remove_dir_all(&base);
    let report = base.join("report");
    let st = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .arg("clean")
        .arg(fixture().join("corpus"))
        .arg("--out")
        .arg(base.join("out"))
        .arg("--report")
        .arg(&report)
        .arg("--no-config")
        .arg("--quiet")
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0), "newsclean clean failed");
    let records = read(&report.join("changes.jsonl"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let truth: Value = serde_json::from_str(&read(&fixture().join("truth.json"))).unwrap();
    Run {
        base,
        report,
        records,
        truth: truth["truth"].as_array().unwrap().clone(),
    }
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn is_flag(r: &Value) -> bool {
    r["start"] == r["end"] && s(&r["before"]).is_empty() && s(&r["after"]).is_empty()
}

/// The document records of `file` naming `kept`.
fn doc_links<'a>(run: &'a Run, file: &str, kept: &str) -> Vec<&'a Value> {
    run.records
        .iter()
        .filter(|r| {
            matches!(s(&r["rule"]), "dedup.near-document" | "dedup.document")
                && s(&r["file"]) == file
                && s(&r["duplicate_of"]["file"]) == kept
        })
        .collect()
}

#[test]
fn planted_truth_holds() {
    let run = run();
    let near = run
        .records
        .iter()
        .filter(|r| s(&r["rule"]).starts_with("dedup.near-"))
        .count();
    assert!(near > 0, "no near-duplicate record at all");
    let (mut planted, mut found) = (0, 0);
    for t in &run.truth {
        let (file, of) = (s(&t["file"]), s(&t["of"]["file"]));
        let (kind, edit, expect) = (s(&t["kind"]), s(&t["edit"]), s(&t["expect"]));
        if kind == "document" {
            let links = doc_links(&run, file, of);
            match expect {
                "none" => assert!(links.is_empty(), "{edit} negative {file} linked to {of}"),
                _ if edit == "figure" => {
                    assert!(
                        links.iter().all(|r| is_flag(r)),
                        "{file}: a figure changed, removed"
                    )
                }
                _ => {}
            }
            // Found: linked to its base, or to another copy of it.
            let group = |f: &str| {
                f == of
                    || f.starts_with(&format!(
                        "1copy/{}-",
                        of.trim_start_matches("0base/").trim_end_matches(".txt")
                    ))
            };
            if expect != "none" && t["similarity"].as_f64().unwrap() >= 0.8 {
                planted += 1;
                found += usize::from(run.records.iter().any(|r| {
                    matches!(s(&r["rule"]), "dedup.near-document" | "dedup.document")
                        && s(&r["file"]) == file
                        && group(s(&r["duplicate_of"]["file"]))
                }));
            }
        } else if expect == "none" {
            let line = t["line"].as_u64().unwrap();
            assert!(
                !run.records
                    .iter()
                    .any(|r| s(&r["rule"]) == "dedup.near-paragraph"
                        && s(&r["file"]) == file
                        && r["line"].as_u64() == Some(line)),
                "{file}:{line}: a paragraph that only shares its beginning flagged"
            );
        }
    }
    assert!(
        planted >= 20,
        "{planted} planted copies at similarity ≥ 0.8"
    );
    assert!(
        found as f64 >= 0.95 * planted as f64,
        "documents at similarity ≥ 0.8: {found}/{planted} found (target ≥ 0.95)"
    );
}

#[test]
fn every_near_record_is_on_its_clusters_card() {
    let run = run();
    let pages: BTreeMap<String, String> = fs::read_dir(run.report.join("near"))
        .expect("near/ written")
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                read(&p),
            )
        })
        .collect();
    assert!(pages.contains_key("index.html"));
    assert!(read(&run.report.join("index.html")).contains("href=\"near/index.html\""));
    let files: String = fs::read_dir(run.report.join("files"))
        .unwrap()
        .map(|e| read(&e.unwrap().path()))
        .collect();
    let mut members = 0;
    for r in run
        .records
        .iter()
        .filter(|r| s(&r["rule"]).starts_with("dedup.near-"))
    {
        let (file, line) = (s(&r["file"]), r["line"].as_u64().unwrap());
        let kept = &r["duplicate_of"];
        let head = format!(
            "<span class=\"mono\">{file}</span> line {line}</a> <span class=\"tag f-dedup\">{}</span></h3>",
            s(&r["rule"])
        );
        let verb = if is_flag(r) { "Flagged: " } else { "Removed: " };
        let (name, page) = pages
            .iter()
            .find(|(_, p)| p.contains(&head))
            .unwrap_or_else(|| panic!("{file}:{line}: no card member"));
        assert!(
            page.contains(&format!("{verb}<a href=\"../files/")),
            "{name}"
        );
        // Its card names the kept copy; the member's own page links the card.
        let card = &page[..page.find(&head).unwrap()];
        let card = &card[card.rfind("<section class=\"near\" id=\"").unwrap()..];
        assert!(card.contains(&format!(
            "<h2>Kept: <span class=\"mono\">{}</span> line {}</h2>",
            s(&kept["file"]),
            kept["line"]
        )));
        let id = &card["<section class=\"near\" id=\"".len()..];
        let id = &id[..id.find('"').unwrap()];
        assert!(
            files.contains(&format!("near/{name}#{id}\"")),
            "{file}: no link to {name}#{id}"
        );
        members += 1;
    }
    assert!(members > 0);
    // A copy with a changed figure: the figure is the difference drawn.
    let fig = run
        .truth
        .iter()
        .find(|t| s(&t["edit"]) == "figure" && s(&t["kind"]) == "document")
        .unwrap();
    let file = s(&fig["file"]);
    let page = pages
        .values()
        .find(|p| p.contains(&format!("<span class=\"mono\">{file}</span>")))
        .expect("the figure copy is on a card");
    let at = page
        .find(&format!("<span class=\"mono\">{file}</span>"))
        .unwrap();
    let member = &page[at..];
    let member = &member[..member.find("</div>\n</div>\n").unwrap()];
    let del = member.find("<del>").expect("a deletion");
    let ins = member.find("<ins>").expect("an insertion");
    let digit = |at: usize| member[at + 5..].chars().next().unwrap().is_ascii_digit();
    assert!(digit(del) && digit(ins), "{member}");
    for (name, p) in &pages {
        assert!(!p.contains("http:") && !p.contains("https:"), "{name}");
        assert!(p.matches("<script").count() <= 1, "{name}");
    }
}
