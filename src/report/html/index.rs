//! `index.html`: totals, rules, the problems and the table of files.

use super::*;

#[derive(Serialize)]
pub(super) struct RuleRow {
    pub(super) id: &'static str,
    pub(super) fam: String,
    pub(super) spec: &'static str,
    pub(super) doc: Vec<(bool, &'static str)>,
    pub(super) n: usize,
    /// Files in which the rule fired.
    pub(super) files: usize,
}

#[derive(Serialize)]
pub(super) struct Problem {
    pub(super) path: String,
    pub(super) status: &'static str,
    pub(super) reason: String,
}

/// One row of the files table (see [`TableData`]).
pub(super) type FileRow<'a> = (&'a str, u8, usize, usize, usize, Vec<usize>, &'a str);

/// The files table data, embedded as JSON: `rules` names the rule ids once;
/// each file row is `[path, status, edits, flags, duplicates, [rule index,
/// count, …], page]` (page: the link to the file's review page, empty when it has none) with status 0 cleaned, 1 unchanged, 2 skipped,
/// 3 failed.
#[derive(Serialize)]
pub(super) struct TableData<'a> {
    pub(super) rules: Vec<&'static str>,
    pub(super) files: Vec<FileRow<'a>>,
}

pub(super) fn render_index(summary: &Summary) -> io::Result<String> {
    let mut files_per_rule: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &summary.files {
        for &(id, n) in &f.rules {
            if n > 0 {
                *files_per_rule.entry(id).or_default() += 1;
            }
        }
    }
    let nfiles = |id: &str| files_per_rule.get(id).copied().unwrap_or(0);
    let mut rule_ids: Vec<&'static str> = Vec::new();
    let mut rule_rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in crate::rules::all() {
        seen.insert(r.id);
        rule_ids.push(r.id);
        let n = summary.rules.get(r.id).copied().unwrap_or(0);
        rule_rows.push(RuleRow {
            id: r.id,
            fam: family(r.id).to_string(),
            spec: r.spec,
            doc: doc_parts(r.doc),
            n,
            files: nfiles(r.id),
        });
    }
    // Counted ids the registry does not know (should not happen; shown anyway).
    for (&id, &n) in &summary.rules {
        if seen.insert(id) {
            rule_ids.push(id);
            rule_rows.push(RuleRow {
                id,
                fam: family(id).to_string(),
                spec: "",
                doc: Vec::new(),
                n,
                files: nfiles(id),
            });
        }
    }
    let rule_index: BTreeMap<&str, usize> = rule_ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i))
        .collect();

    let mut problems = Vec::new();
    let mut files = Vec::new();
    let mut unchanged_hidden = 0usize;
    // A shard's row, then its records that have a page (`shard#id`), each
    // opening its own section.
    let rows = summary
        .files
        .iter()
        .flat_map(|f| std::iter::once(f).chain(&f.parts));
    for f in rows {
        let st = match f.status {
            Status::Cleaned | Status::Duplicate => 0,
            Status::Unchanged => 1,
            Status::Skipped => 2,
            Status::Failed => 3,
        };
        // An unchanged file is listed only when it has a page (flags).
        if f.status == Status::Unchanged && f.page.is_none() {
            unchanged_hidden += 1;
            continue;
        }
        if matches!(f.status, Status::Skipped | Status::Failed) {
            problems.push(Problem {
                path: f.path.clone(),
                status: if f.status == Status::Skipped {
                    "skipped"
                } else {
                    "failed"
                },
                reason: f.reason.clone().unwrap_or_default(),
            });
        }
        let mut rr = Vec::with_capacity(f.rules.len() * 2);
        for &(id, n) in &f.rules {
            if let Some(&ix) = rule_index.get(id) {
                rr.push(ix);
                rr.push(n);
            }
        }
        files.push((
            f.path.as_str(),
            st,
            f.edits,
            f.flags,
            f.duplicates_removed,
            rr,
            f.page.as_deref().unwrap_or(""),
        ));
    }
    let data = TableData {
        rules: rule_ids,
        files,
    };
    let walk_errors: Vec<Problem> = summary
        .walk_errors
        .iter()
        .map(|w| Problem {
            path: w.path.clone(),
            status: "unreadable",
            reason: w.reason.clone(),
        })
        .collect();
    let t = &summary.totals;
    // Near-duplicate records: their cluster cards are on near/ pages.
    let near: usize = summary
        .rules
        .iter()
        .filter(|(id, _)| crate::report::kept::is_near(id))
        .map(|(_, n)| n)
        .sum();
    let ctx = context! {
        csp => csp(INDEX_JS),
        run => Value::from(Serde(&summary.run)),
        totals => Value::from(Serde(&t)),
        schema_version => summary.schema_version,
        size_in => human_bytes(t.bytes_in),
        size_out => human_bytes(t.bytes_out),
        duration => format!("{:.1} s", summary.run.duration_ms as f64 / 1000.0),
        rules => Value::from(Serde(&rule_rows)),
        problems => Value::from(Serde(&problems)),
        walk_errors => Value::from(Serde(&walk_errors)),
        listed => data.files.len(),
        near => near,
        unchanged_hidden => unchanged_hidden,
        data => Value::from_safe_string(script_json(&data)),
        style_href => STYLE_ASSET,
        script => Value::from_safe_string(INDEX_JS.to_string()),
    };
    render("index.html", ctx)
}
