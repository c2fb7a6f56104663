//! Discover: walk the inputs, keep text files by glob, sort.
//!
//! The sorted order is the corpus order: "first occurrence" of a duplicate
//! always means first in this order, so it must not depend on the file
//! system's directory order or on threads. Globs match the path relative to
//! its input root, and a pattern without `/` also matches the file name at
//! any depth (`*.txt`). Links to files are read through (a dangling link
//! is reported as a failure, never dropped); links to folders are not walked.

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

/// One input file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Stable id: index in corpus order.
    pub id: u32,
    /// Absolute or given path to read.
    pub path: PathBuf,
    /// Path relative to the output root (mirrors the input tree), with `/`.
    pub rel: String,
}

/// A discovery problem that does not stop the run (unreadable folder).
#[derive(Debug, Clone, serde::Serialize)]
pub struct WalkError {
    /// Path involved.
    pub path: String,
    /// Reason.
    pub reason: String,
}

/// Build a glob set; an empty list gives `None`.
pub fn globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        b.add(Glob::new(p).map_err(|e| format!("bad glob {p:?}: {e}"))?);
        if !p.contains('/') {
            b.add(Glob::new(&format!("**/{p}")).map_err(|e| format!("bad glob {p:?}: {e}"))?);
        }
    }
    b.build().map(Some).map_err(|e| e.to_string())
}

/// Walk `inputs` (folders or files). With several inputs, each one's files
/// go under a folder named after the input.
pub fn discover(
    inputs: &[PathBuf],
    include: &Option<GlobSet>,
    exclude: &Option<GlobSet>,
) -> (Vec<SourceFile>, Vec<WalkError>) {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let mut errors = Vec::new();
    let multi = inputs.len() > 1;
    for input in inputs {
        let prefix = if multi {
            format!("{}/", base_name(input))
        } else {
            String::new()
        };
        if input.is_file() {
            files.push((format!("{prefix}{}", base_name(input)), input.clone()));
            continue;
        }
        for entry in WalkDir::new(input).follow_links(false) {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| input.display().to_string());
                    errors.push(WalkError {
                        path,
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            // Symbolic links to files are read through (a dangling one then
            // fails visibly); links to folders are not walked (no loops).
            let ft = entry.file_type();
            if !(ft.is_file() || (ft.is_symlink() && !entry.path().is_dir())) {
                continue;
            }
            let rel_path = entry.path().strip_prefix(input).unwrap_or(entry.path());
            let rel = rel_path.to_string_lossy().replace('\\', "/");
            if let Some(inc) = include {
                if !inc.is_match(rel_path) {
                    continue;
                }
            }
            if let Some(exc) = exclude {
                if exc.is_match(rel_path) {
                    continue;
                }
            }
            files.push((format!("{prefix}{rel}"), entry.path().to_path_buf()));
        }
    }
    files.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    files.dedup_by(|a, b| a.0 == b.0);
    let files = files
        .into_iter()
        .enumerate()
        .map(|(i, (rel, path))| SourceFile {
            id: i as u32,
            path,
            rel,
        })
        .collect();
    (files, errors)
}

fn base_name(p: &Path) -> String {
    p.file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string().replace(['/', '\\'], "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        for p in ["b/2.txt", "a/1.txt", "a/skip.md", "c.txt"] {
            let f = dir.path().join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, "x").unwrap();
        }
        let inc = globs(&["*.txt".into()]).unwrap();
        let exc = globs(&["b/**".into()]).unwrap();
        let (files, errs) = discover(&[dir.path().to_path_buf()], &inc, &exc);
        assert!(errs.is_empty());
        let rels: Vec<_> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a/1.txt", "c.txt"]);
        assert_eq!(files[1].id, 1);
    }
}
