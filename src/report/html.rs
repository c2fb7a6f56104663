//! The review page (placeholder until the page lands): writes nothing.

use std::io;
use std::path::Path;

use super::summary::Summary;
use super::ChangeRecord;

/// Write the page of one file: `<report>/files/<rel>.html`. `original` is
/// the decoded original text; `changes` its edits in original coordinates
/// (empty for an unchanged file that holds a kept copy of a duplicate).
pub fn write_file_page(_report_dir: &Path, _rel: &str, _original: &str, _changes: &[ChangeRecord]) -> io::Result<()> {
    Ok(())
}

/// Relative URL (from the report root) of a file's page, with a line anchor.
pub fn page_href(rel: &str, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("files/{rel}.html#L{l}"),
        None => format!("files/{rel}.html"),
    }
}

/// Write `<report>/index.html` from the summary.
pub fn write_index(_report_dir: &Path, _summary: &Summary) -> io::Result<()> {
    Ok(())
}
