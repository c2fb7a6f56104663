//! Discover: walk the inputs, keep files by glob, sort, name each file's
//! output.
//!
//! The sorted order is the corpus order: "first occurrence" of a duplicate
//! always means first in this order, so it must not depend on the file
//! system's directory order or on threads. Globs match the path relative to
//! its input root, and a pattern without `/` also matches the file name at
//! any depth (`*.txt`). Links to files are read through (a dangling link
//! is reported as a failure, never dropped); links to folders are not
//! walked. FIFOs, sockets and devices that match the globs are yielded too,
//! so that they get a report row (`skipped`, not a regular file) instead of
//! vanishing.
//!
//! **Output names.** Each file's output path ([`SourceFile::out_rel`]) is
//! relative, made only of plain names (never `..`, never absolute), kept
//! byte for byte from the file system (`OsStr`: names that are not UTF-8
//! stay as they are):
//!
//! - one input folder: the path below it; one input file: its name;
//! - several inputs: each input's own path below the deepest folder that
//!   holds all of them (computed from canonical paths: `..`, `.` and links
//!   to folders are resolved first; a link to a file keeps its own name).
//!   So `clean a/data b/data` writes `a/data/…` and `b/data/…`, and
//!   `clean x y` (siblings) writes `x/…` and `y/…`;
//! - the same file reached through two inputs (`clean a a/sub`) is read
//!   once; two *different* files that would get one output name is an
//!   error (exit 64), never a silent drop.
//!
//! **Shown names.** Reports show [`SourceFile::rel`], the output path with
//! `/` between components and escaped by [`escape_name`]: a backslash is
//! written `\\`, a byte that is not UTF-8 `\xHH`, a control character
//! `\xHH` (C0, DEL) or `\u{XXXX}` (C1), and a bidirectional control
//! (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) `\u{XXXX}`, so
//! that no name can reorder the text around it on the review page. The
//! escape is injective: two files never share a shown name.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use walkdir::WalkDir;

/// One input file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Stable id: index in corpus order.
    pub id: u32,
    /// Path to read (canonical input folder joined with the path below it).
    pub path: PathBuf,
    /// Shown name: the output path with `/`, escaped ([`escape_name`]).
    pub rel: String,
    /// Output path relative to the output root, byte-exact; plain names
    /// only.
    pub out_rel: PathBuf,
}

/// A discovery problem that does not stop the run (unreadable folder).
#[derive(Debug, Clone, serde::Serialize)]
pub struct WalkError {
    /// Path involved (escaped like every shown name).
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

/// Walk `inputs` (folders or files) and name every file's output (see the
/// module doc). `Err`: two different files would get the same output name.
pub fn discover(
    inputs: &[PathBuf],
    include: &Option<GlobSet>,
    exclude: &Option<GlobSet>,
) -> Result<(Vec<SourceFile>, Vec<WalkError>), String> {
    let mut files: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut errors = Vec::new();
    let canon: Vec<PathBuf> = inputs.iter().map(|i| canonical_input(i)).collect();
    let prefixes: Vec<PathBuf> = if canon.len() > 1 {
        let root = common_root(&canon);
        canon
            .iter()
            .map(|c| c.strip_prefix(&root).unwrap_or(c).to_path_buf())
            .collect()
    } else {
        vec![PathBuf::new()]
    };
    for (input, prefix) in canon.iter().zip(&prefixes) {
        if !input.is_dir() {
            // A file (or a FIFO, device, dangling link: the reader reports
            // it) given by name.
            let out = if prefix.as_os_str().is_empty() {
                input.file_name().map(PathBuf::from).unwrap_or_default()
            } else {
                prefix.clone()
            };
            files.push((out, input.clone()));
            continue;
        }
        for entry in WalkDir::new(input).follow_links(false) {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    let path = e.path().unwrap_or(input);
                    errors.push(WalkError {
                        path: escape_path(path),
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            // Links to files are read through (a dangling one then fails
            // visibly); links to folders are not walked (no loops). Every
            // other entry that is not a folder (FIFO, socket, device) is
            // yielded so that it is reported.
            let ft = entry.file_type();
            if ft.is_dir() || (ft.is_symlink() && entry.path().is_dir()) {
                continue;
            }
            let rel_path = entry.path().strip_prefix(input).unwrap_or(entry.path());
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
            files.push((prefix.join(rel_path), entry.path().to_path_buf()));
        }
    }
    files.sort_by(|a, b| {
        a.0.as_os_str()
            .as_bytes()
            .cmp(b.0.as_os_str().as_bytes())
            .then_with(|| a.1.cmp(&b.1))
    });
    // The same file reached twice (overlapping inputs) is read once; two
    // different files under one output name are refused.
    files.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let mut seen: HashMap<&Path, &Path> = HashMap::new();
    for (out, src) in &files {
        if !crate::emit::is_safe_rel(out) {
            return Err(format!(
                "{}: no output name can be made for this input (give a folder or a file below it)",
                escape_path(src)
            ));
        }
        if let Some(first) = seen.insert(out, src) {
            return Err(format!(
                "inputs collide: {} and {} would both be written as {}; give inputs whose paths below their common folder differ",
                escape_path(first),
                escape_path(src),
                display_rel(out)
            ));
        }
    }
    drop(seen);
    let files = files
        .into_iter()
        .enumerate()
        .map(|(i, (out_rel, path))| SourceFile {
            id: i as u32,
            path,
            rel: display_rel(&out_rel),
            out_rel,
        })
        .collect();
    Ok((files, errors))
}

/// The canonical path of an input, keeping the name of a link to a file:
/// the parent is canonicalized and the name appended; `..`, `.` and links
/// to folders are resolved in full. An input that cannot be resolved is
/// kept as given, made absolute.
pub fn canonical_input(p: &Path) -> PathBuf {
    let is_dir = p.is_dir();
    let name = match p.components().next_back() {
        Some(Component::Normal(n)) if !is_dir => Some(n),
        _ => None,
    };
    if let Some(name) = name {
        let parent = p
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Ok(c) = parent.canonicalize() {
            return c.join(name);
        }
    } else if let Ok(c) = p.canonicalize() {
        return c;
    }
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// The deepest folder holding every input: the longest common ancestor of
/// their parents (so that each input keeps at least its own name).
pub fn common_root(paths: &[PathBuf]) -> PathBuf {
    let parent = |p: &PathBuf| {
        p.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| p.clone())
    };
    let mut root = parent(&paths[0]);
    for p in &paths[1..] {
        let pp = parent(p);
        while !pp.starts_with(&root) {
            match root.parent() {
                Some(r) => root = r.to_path_buf(),
                None => break,
            }
        }
    }
    root
}

/// The shown name of an output path: its components escaped and joined
/// with `/`.
pub fn display_rel(rel: &Path) -> String {
    let mut out = String::with_capacity(rel.as_os_str().len());
    for (i, c) in rel.components().enumerate() {
        if i > 0 {
            out.push('/');
        }
        escape_into(&mut out, c.as_os_str());
    }
    out
}

/// Any path, escaped for reports and messages like a shown name (the
/// separators stay).
pub fn escape_path(p: &Path) -> String {
    let mut out = String::with_capacity(p.as_os_str().len());
    escape_into(&mut out, p.as_os_str());
    out
}

/// One name, escaped (see the module doc).
pub fn escape_name(name: &OsStr) -> String {
    let mut out = String::with_capacity(name.len());
    escape_into(&mut out, name);
    out
}

fn escape_into(out: &mut String, name: &OsStr) {
    use std::fmt::Write;
    for chunk in name.as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\0'..='\x1f' | '\x7f' => {
                    let _ = write!(out, "\\x{:02X}", c as u32);
                }
                '\u{80}'..='\u{9f}'
                | '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}' => {
                    let _ = write!(out, "\\u{{{:X}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn touch(dir: &Path, p: impl AsRef<Path>) {
        let f = dir.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, "x").unwrap();
    }

    #[test]
    fn sorted_and_filtered() {
        let dir = tempfile::tempdir().unwrap();
        for p in ["b/2.txt", "a/1.txt", "a/skip.md", "c.txt"] {
            touch(dir.path(), p);
        }
        let inc = globs(&["*.txt".into()]).unwrap();
        let exc = globs(&["b/**".into()]).unwrap();
        let (files, errs) = discover(&[dir.path().to_path_buf()], &inc, &exc).unwrap();
        assert!(errs.is_empty());
        let rels: Vec<_> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a/1.txt", "c.txt"]);
        assert_eq!(files[1].id, 1);
    }

    #[test]
    fn names_are_escaped_injectively() {
        let n = |b: &[u8]| escape_name(OsStr::from_bytes(b));
        assert_eq!(n(b"bad\xff.txt"), "bad\\xFF.txt");
        assert_eq!(n(b"bad\xfe.txt"), "bad\\xFE.txt");
        assert_eq!(n(b"bad\\xFF.txt"), "bad\\\\xFF.txt");
        assert_eq!(n("a\u{202E}txt.exe".as_bytes()), "a\\u{202E}txt.exe");
        assert_eq!(n(b"tab\there\n"), "tab\\x09here\\x0A");
        assert_eq!(n("新闻 2015.txt".as_bytes()), "新闻 2015.txt");
    }

    #[test]
    fn several_inputs_keep_their_paths_below_the_common_folder() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "a/data/x.txt");
        touch(dir.path(), "b/data/x.txt");
        touch(dir.path(), "b/y.txt");
        let inc = globs(&["*.txt".into()]).unwrap();
        let d = dir.path();
        let (files, _) = discover(&[d.join("a/data"), d.join("b/data")], &inc, &None).unwrap();
        let rels: Vec<_> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a/data/x.txt", "b/data/x.txt"]);
        let (files, _) =
            discover(&[d.join("a/data/x.txt"), d.join("b/y.txt")], &inc, &None).unwrap();
        let rels: Vec<_> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["a/data/x.txt", "b/y.txt"]);
        // Overlapping inputs: each file once.
        let (files, _) = discover(&[d.join("b"), d.join("b/data")], &inc, &None).unwrap();
        let rels: Vec<_> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["b/data/x.txt", "b/y.txt"]);
        for f in &files {
            assert!(crate::emit::is_safe_rel(&f.out_rel));
        }
    }

    #[test]
    fn dot_dot_is_resolved_before_naming() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "p/cwd/a.txt");
        touch(dir.path(), "q/a.txt");
        let inc = globs(&["*.txt".into()]).unwrap();
        let up = dir.path().join("p/cwd/..");
        let (files, _) = discover(&[up, dir.path().join("q")], &inc, &None).unwrap();
        let rels: Vec<_> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["p/cwd/a.txt", "q/a.txt"]);
    }

    #[test]
    fn non_utf8_names_stay_byte_exact_and_distinct() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), OsString::from_vec(b"bad\xff.txt".to_vec()));
        touch(dir.path(), OsString::from_vec(b"bad\xfe.txt".to_vec()));
        let inc = globs(&["*.txt".into()]).unwrap();
        let (files, _) = discover(&[dir.path().to_path_buf()], &inc, &None).unwrap();
        let outs: Vec<_> = files
            .iter()
            .map(|f| f.out_rel.as_os_str().as_bytes())
            .collect();
        assert_eq!(outs, [&b"bad\xfe.txt"[..], &b"bad\xff.txt"[..]]);
        let rels: Vec<_> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["bad\\xFE.txt", "bad\\xFF.txt"]);
    }
    use std::os::unix::ffi::OsStringExt;
}
