//! Structural tests of the review page: run the real binary on a small
//! hostile corpus and check the generated HTML (index, file pages, links,
//! escaping, Content-Security-Policy).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const DUP: &str =
    "国家统计局今天发布数据显示，全国居民消费价格同比上涨百分之零点九，环比下降百分之零点一。";

/// The corpus: hostile markup, half-width punctuation in Chinese text,
/// indentation, trailing spaces, and a paragraph repeated in a second file.
fn corpus(dir: &Path) {
    fs::create_dir_all(dir.join("sub")).unwrap();
    let a = format!(
        "\u{3000}\u{3000}新华社北京8月5日电,记者报道:今天天气很好!   \n\n\
         <script>alert(1)</script>这是正文,<img src=x onerror=alert(1)>继续</textarea>结束.\n\n\
         \u{3000}\u{3000}{DUP}\n\n\
         \"quoted\" & 'single' <b>bold</b> </script><!-- comment -->\n"
    );
    fs::write(dir.join("a.txt"), a).unwrap();
    let b = format!(
        "\u{3000}\u{3000}第二篇报道,内容不同。\n\n{DUP}\n\n\u{3000}\u{3000}最后一段,结束。\n"
    );
    fs::write(dir.join("sub/b.txt"), b).unwrap();
    // A hostile file name, with something to clean so it gets a page.
    fs::write(
        dir.join("<img src=x onerror=alert(2)>.txt"),
        "\u{3000}\u{3000}标题,正文。\n",
    )
    .unwrap();
}

struct Run {
    _tmp: TempDir,
    report: PathBuf,
}

/// Minimal self-cleaning temp dir (no extra dev-dependency).
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn run() -> Run {
    let base = std::env::temp_dir().join(format!(
        "newsclean-html-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = fs::remove_dir_all(&base);
    let input = base.join("in");
    corpus(&input);
    let out = base.join("out");
    let report = base.join("report");
    // `sub/b.txt` repeats a sentence of `a.txt`: a duplicate under
    // `[dedup] scope = "all"`, which the pages of duplicates need.
    let cfg = base.join("newsclean.toml");
    fs::write(&cfg, "[dedup]\nscope = \"all\"\n").unwrap();
    let st = Command::new(env!("CARGO_BIN_EXE_newsclean"))
        .arg("clean")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .arg("--quiet")
        .arg("--config")
        .arg(&cfg)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0), "newsclean clean failed");
    Run {
        _tmp: TempDir(base),
        report,
    }
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            html_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "html") {
            out.push(p);
        }
    }
}

/// Undo the five entities the templates produce.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Undo percent-encoding of a URL path.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// All values of `attr="…"` on tags that contain `marker`.
fn attrs(html: &str, marker: &str, attr: &str) -> Vec<String> {
    let mut v = Vec::new();
    for (i, _) in html.match_indices(marker) {
        let tag_start = html[..i].rfind('<').unwrap();
        let tag_end = i + html[i..].find('>').unwrap();
        let tag = &html[tag_start..tag_end];
        let key = format!(" {attr}=\"");
        if let Some(k) = tag.find(&key) {
            let rest = &tag[k + key.len()..];
            v.push(unescape(&rest[..rest.find('"').unwrap()]));
        }
    }
    v
}

/// The rule of each edit drawn in a section's text, in order: an edit is
/// `<b class="rK …">` (a continued part has the token `c`), `K` the index
/// of its rule in the section's rules table.
fn edit_rules(section: &str) -> Vec<String> {
    let table = attrs(section, "tr data-rule=", "data-rule");
    let mut v = Vec::new();
    for (i, _) in section.match_indices("<b class=") {
        let tag = &section[i + "<b class=".len()..];
        let cls = tag[..tag.find('>').unwrap()].trim_matches('"');
        let toks: Vec<&str> = cls.split(' ').collect();
        if toks.contains(&"c") {
            continue;
        }
        let k: usize = toks[0].strip_prefix('r').unwrap().parse().unwrap();
        v.push(table[k].clone());
    }
    v
}

/// The review page of `rel` as the index links it: (page file, id prefix
/// of the file's section, the section's HTML).
fn section(report: &Path, rel: &str) -> (PathBuf, String, String) {
    let data = index_data(&read(&report.join("index.html")));
    let f = data["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f[0] == rel)
        .unwrap_or_else(|| panic!("{rel} in the index"));
    let href = f[6].as_str().unwrap();
    let (page, id) = href.split_once('#').expect("an anchor to the section");
    let path = report.join(percent_decode(page));
    let html = read(&path);
    let at = html
        .find(&format!("<section class=\"file\" id=\"{id}\""))
        .unwrap_or_else(|| panic!("section {id} on {page}"));
    let end = at + html[at..].find("</section>").unwrap();
    (path, format!("{id}."), html[at..end].to_string())
}

/// The JSON embedded in the index.
fn index_data(index: &str) -> serde_json::Value {
    let open = "<script type=\"application/json\" id=\"data\">";
    let start = index.find(open).expect("data block") + open.len();
    let end = start + index[start..].find("</script>").unwrap();
    serde_json::from_str(&index[start..end]).expect("data block is JSON")
}

#[test]
fn index_lists_the_files_and_rules() {
    let r = run();
    let index = read(&r.report.join("index.html"));
    let data = index_data(&index);
    let paths: Vec<&str> = data["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f[0].as_str().unwrap())
        .collect();
    for p in ["a.txt", "sub/b.txt", "<img src=x onerror=alert(2)>.txt"] {
        assert!(paths.contains(&p), "{p} listed in {paths:?}");
    }
    // Every listed cleaned file links its section of a review page.
    for f in data["files"].as_array().unwrap() {
        if f[1] == 0 {
            let (_, _, sec) = section(&r.report, f[0].as_str().unwrap());
            assert!(sec.contains("fname"));
        }
    }
    // All of them on one page: a page holds many files.
    let pages = fs::read_dir(r.report.join("files")).unwrap().count();
    assert_eq!(pages, 1);
    // Rules with edits are listed with their description.
    assert!(index.contains("data-rule=\"whitespace.indent\""));
    let doc = newsclean::rules::get("whitespace.indent").unwrap().doc;
    assert!(index.contains(&minimal_escape(doc)), "rule doc shown");
    assert!(index.contains("id=\"file-table\""));
}

fn minimal_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn file_page_highlights_edits_with_rule_ids() {
    let r = run();
    let (path, p, page) = section(&r.report, "a.txt");
    let rules = edit_rules(&page);
    assert!(!rules.is_empty(), "edits highlighted");
    assert!(rules.iter().any(|r| r == "whitespace.indent"), "{rules:?}");
    assert!(page.contains("<del"), "a deletion is drawn");
    // Every rule id in the text is in the section's rules table, and the
    // page's table of descriptions (the script fills the first from the
    // second) explains it.
    let whole = read(&path);
    let docs = &whole[whole
        .find("<table id=\"rule-docs\" hidden>")
        .expect("descriptions")..];
    let docs = &docs[..docs.find("</table>").unwrap()];
    for id in &rules {
        assert!(page.contains(&format!("<tr data-rule=\"{id}\"><td class=\"num\">")));
        let doc = newsclean::rules::get(id).unwrap().doc;
        let start = minimal_escape(doc.split('`').next().unwrap());
        assert!(
            docs.contains(&format!("<tr data-rule=\"{id}\"><td>{start}")),
            "{id}: {docs}"
        );
    }
    // Line anchors for each line of the original, and one per edit (the
    // page script sets them from the rows: `anchors` reads them the same
    // way, with the section's prefix).
    assert!(page.contains(&format!("data-p=\"{p}\"")));
    let ids = newsclean::report::html::anchors(&page);
    let lines = ids.iter().filter(|a| a.starts_with('L')).count();
    assert!(lines >= 7, "{lines} rows");
    for n in 1..=7 {
        assert!(ids.contains(&format!("L{n}")), "anchor L{n}: {ids:?}");
    }
    let edits = ids.iter().filter(|a| a.starts_with('e')).count();
    assert_eq!(edits, rules.len(), "{ids:?}");
}

#[test]
fn duplicate_links_to_kept_copy_and_line() {
    let r = run();
    let (b_page, b_p, page_b) = section(&r.report, "sub/b.txt");
    let hrefs = attrs(&page_b, "class=\"dup\"", "href");
    assert!(!hrefs.is_empty(), "duplicate link present");
    for h in &hrefs {
        let (path, anchor) = h.split_once('#').expect("anchor in link");
        let target = b_page.parent().unwrap().join(percent_decode(path));
        assert!(target.is_file(), "link target {} exists", target.display());
        assert!(path.contains("kept/"), "links to a kept-copy page: {h}");
        // The link names the kept copy's file and line.
        let at = page_b.find(&format!("href=\"{h}\"")).unwrap();
        let text_end = at + page_b[at..].find("</a>").unwrap();
        assert!(
            page_b[at..text_end].contains("a.txt line 5"),
            "{}",
            &page_b[at..text_end]
        );
        let kept = read(&target);
        let at = kept
            .find(&format!("id=\"{anchor}\""))
            .unwrap_or_else(|| panic!("anchor {anchor} exists in the kept page"));
        let entry = &kept[at..at + kept[at..].find("</section>").unwrap()];
        // The entry names the file and line, shows the paragraph's start,
        // links that line on the file's page and back to the removed copy.
        assert!(entry.contains("a.txt</span> line 5"), "{entry}");
        assert!(entry.contains(&DUP[..30]), "kept line shown: {entry}");
        let (_, a_p, page_a) = section(&r.report, "a.txt");
        let a_href = format!("href=\"../files/0000.html#{a_p}L5\"");
        assert!(entry.contains(&a_href), "{entry}");
        let b_href = format!("href=\"../files/0000.html#{b_p}L3\"");
        assert!(entry.contains(&b_href), "back link: {entry}");
        // The removed copy's row is there, and its text is not.
        assert!(newsclean::report::html::anchors(&page_b).contains(&"L3".to_string()));
        assert!(page_b.contains(&format!("data-p=\"{b_p}\"")));
        assert!(!page_b.contains(DUP));
        // The kept line is on a.txt's page.
        assert!(newsclean::report::html::anchors(&page_a).contains(&"L5".to_string()));
        assert!(page_a.contains(&format!("data-p=\"{a_p}\"")));
    }
}

#[test]
fn corpus_markup_is_escaped_everywhere() {
    let r = run();
    let mut pages = Vec::new();
    html_files(&r.report, &mut pages);
    assert!(pages.len() >= 3, "{pages:?}");
    let csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src &#39;none&#39;;";
    for p in &pages {
        let html = read(p);
        let lower = html.to_lowercase();
        assert!(
            !lower.contains("<script>alert"),
            "{}: unescaped script",
            p.display()
        );
        assert!(
            !lower.contains("<img src=x"),
            "{}: unescaped img",
            p.display()
        );
        assert!(
            !lower.contains("</textarea>"),
            "{}: unescaped textarea",
            p.display()
        );
        assert!(
            !lower.contains("<b>bold"),
            "{}: unescaped markup",
            p.display()
        );
        assert!(
            !lower.contains("<!-- comment"),
            "{}: unescaped comment",
            p.display()
        );
        assert!(
            html.contains(csp) || html.contains(&unescape(csp)),
            "{}: CSP meta",
            p.display()
        );
        assert!(html.starts_with("<!DOCTYPE html>"));
        // Only the page's own script runs, named by its hash: no
        // 'unsafe-inline' scripts, and the hash matches the script text.
        let policy =
            unescape(&attrs(&html, "http-equiv=\"Content-Security-Policy\"", "content")[0]);
        if policy.contains("script-src 'none'") {
            // A kept-copy page: no script at all.
            assert!(!lower.contains("<script"), "{}: a script", p.display());
            continue;
        }
        let hash = policy
            .split("'sha256-")
            .nth(1)
            .and_then(|r| r.split('\'').next())
            .expect("script hash in the policy");
        assert!(!policy.contains("script-src 'unsafe-inline'"), "{policy}");
        let start = html.rfind("<script>").expect("page script") + "<script>".len();
        let end = start + html[start..].find("</script>").expect("script end");
        use base64::Engine as _;
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(&html.as_bytes()[start..end]);
        assert_eq!(
            base64::engine::general_purpose::STANDARD.encode(digest),
            hash,
            "{}: script hash matches the policy",
            p.display()
        );
        assert!(
            html.contains("lang=\"zh\""),
            "{}: Chinese text marked",
            p.display()
        );
        // Only our own script elements: one in a file page, two in the
        // index, besides a file page's JSON data blocks (one per section's
        // changes table), which never run and hold no `<`.
        let data_open = "<script type=\"application/json\" class=\"cdata\">";
        let data = lower.matches(data_open).count();
        for block in html.split(data_open).skip(1) {
            let body = &block[..block.find("</script>").expect("data block end")];
            assert!(!body.contains('<'), "{}: `<` in a data block", p.display());
            assert!(body.starts_with('['), "{}: data block is JSON", p.display());
        }
        let scripts = lower.matches("<script").count();
        assert!(
            scripts - data <= 2,
            "{}: {scripts} script tags",
            p.display()
        );
        assert_eq!(
            scripts,
            lower.matches("</script>").count(),
            "{}",
            p.display()
        );
        assert!(
            !lower.contains("src=\"http") && !lower.contains("href=\"http"),
            "no network"
        );
    }
    let (_, _, a) = section(&r.report, "a.txt");
    assert!(
        a.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "script shown as text"
    );
    assert!(
        a.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "img shown as text"
    );
    // The JSON block cannot be closed by a path.
    let index = read(&r.report.join("index.html"));
    assert!(index.contains("\\u003cimg src=x onerror=alert(2)\\u003e.txt"));
}
