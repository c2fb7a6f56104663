//! Options resolved into a plan before any work (ripgrep's LowArgs →
//! HiArgs): [`RunOptions`] is what the caller asked for, [`Plan`] what the
//! run will do — the globs compiled (`*.txt` when no `--include` is
//! given), the thread count (`--jobs 0`: all cores; above
//! [`MAX_JOBS`](crate::pipeline::MAX_JOBS) refused), where the cleaned
//! copies and reports go (none with `--check`; the report folder
//! `<OUT>.report` unless `--report` says otherwise), and the paths checked
//! against each other (an output inside an input, or the reverse, is a
//! usage error). Nothing is read or written here but the checks' `stat`s.

use std::path::{Path, PathBuf};

use globset::GlobSet;

use crate::discover;
use crate::pipeline::{RunError, RunOptions, MAX_JOBS};

/// The include pattern without `--include`.
const DEFAULT_INCLUDE: &str = "*.txt";

/// What a run will do, resolved from its options.
#[derive(Debug)]
pub(crate) struct Plan {
    /// Files to take (compiled `--include`, default `*.txt`).
    pub(crate) include: Option<GlobSet>,
    /// Files to leave (compiled `--exclude`).
    pub(crate) exclude: Option<GlobSet>,
    /// The include patterns as the user reads them (for messages).
    pub(crate) include_shown: String,
    /// Worker threads (never 0).
    pub(crate) jobs: usize,
    /// Where the cleaned copies go (`None` with `--check`).
    pub(crate) out_dir: Option<PathBuf>,
    /// Where the reports go (`None` with `--check`; with input `-`, only
    /// when `--report` names one).
    pub(crate) report_dir: Option<PathBuf>,
    /// The input is `-`: one text read on stdin, its output on stdout.
    pub(crate) stdin: bool,
}

impl Plan {
    /// Resolve `opts`; a bad combination is a usage error (64), a missing
    /// input exit 66.
    pub(crate) fn new(opts: &RunOptions) -> Result<Plan, RunError> {
        let stdin = check_stdin(opts)?;
        if !stdin {
            check_paths(opts)?;
        }
        let include = if opts.include.is_empty() {
            let shards = crate::shard::GLOBS.iter().map(|g| g.to_string());
            std::iter::once(DEFAULT_INCLUDE.to_string())
                .chain(shards)
                .collect()
        } else {
            opts.include.clone()
        };
        let include_shown = include.join(", ");
        let include = discover::globs(&include).map_err(RunError::Usage)?;
        let exclude = discover::globs(&opts.exclude).map_err(RunError::Usage)?;
        if opts.jobs > MAX_JOBS {
            return Err(RunError::Usage(format!(
                "--jobs {}: at most {MAX_JOBS} threads",
                opts.jobs
            )));
        }
        let jobs = if opts.jobs == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        } else {
            opts.jobs
        };
        let (out_dir, report_dir) = if opts.check {
            (None, None)
        } else if stdin {
            (None, opts.report.clone())
        } else {
            (opts.out.clone(), Some(report_dir_for(opts)))
        };
        Ok(Plan {
            include,
            exclude,
            include_shown,
            jobs,
            out_dir,
            report_dir,
            stdin,
        })
    }
}

impl Plan {
    /// Every input folder holds a file that matches the globs (unless
    /// `--allow-empty`): else exit 66, before anything is written.
    pub(crate) fn check_found(
        &self,
        opts: &RunOptions,
        files: &[discover::SourceFile],
    ) -> Result<(), RunError> {
        if opts.allow_empty {
            return Ok(());
        }
        for input in &opts.inputs {
            let canon = discover::canonical_input(input);
            if canon.is_dir() && !files.iter().any(|f| f.path.starts_with(&canon)) {
                return Err(RunError::NoInput(format!(
                    "{}: no file matches --include ({}); --allow-empty accepts an empty input",
                    discover::escape_path(input),
                    self.include_shown
                )));
            }
        }
        Ok(())
    }
}

/// Default report folder: `<out>.report`.
fn report_dir_for(opts: &RunOptions) -> PathBuf {
    if let Some(r) = &opts.report {
        return r.clone();
    }
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("newsclean-out"));
    let mut name = out
        .file_name()
        .map(|s| s.to_os_string())
        .unwrap_or_else(|| "newsclean-out".into());
    name.push(".report");
    out.with_file_name(name)
}

/// Is the input `-` (stdin)? It is then the only one, its cleaned text
/// goes to stdout (no `--out`, nothing to `--prune`), and a report folder
/// is written only when `--report` names one.
fn check_stdin(opts: &RunOptions) -> Result<bool, RunError> {
    let dash = opts.inputs.iter().filter(|i| i.as_os_str() == "-").count();
    if dash == 0 {
        return Ok(false);
    }
    if opts.inputs.len() > 1 {
        return Err(RunError::Usage(
            "`-` (the text on stdin) must be the only input".into(),
        ));
    }
    if opts.out.is_some() {
        return Err(RunError::Usage(
            "`-` writes the cleaned text on stdout: no --out (redirect stdout instead)".into(),
        ));
    }
    if opts.prune {
        return Err(RunError::Usage(
            "`-` writes no output folder: nothing to --prune".into(),
        ));
    }
    Ok(true)
}

/// Refuse outputs inside inputs (and the reverse), before anything runs.
fn check_paths(opts: &RunOptions) -> Result<(), RunError> {
    if opts.inputs.is_empty() {
        return Err(RunError::Usage("no input given".into()));
    }
    for i in &opts.inputs {
        if !i.exists() {
            return Err(RunError::NoInput(format!(
                "{}: no such file or folder",
                discover::escape_path(i)
            )));
        }
    }
    if opts.check {
        return Ok(());
    }
    let out = opts
        .out
        .as_ref()
        .ok_or_else(|| RunError::Usage("--out is required (or use --check)".into()))?;
    let out_abs = absolute(out);
    let report_abs = absolute(&report_dir_for(opts));
    for i in &opts.inputs {
        let in_abs = absolute(i);
        for (what, p) in [("output", &out_abs), ("report", &report_abs)] {
            if p.starts_with(&in_abs) {
                return Err(RunError::Usage(format!(
                    "{what} folder {} is inside input {}: refusing to write into the corpus",
                    discover::escape_path(p),
                    discover::escape_path(i)
                )));
            }
            if in_abs.starts_with(p) {
                return Err(RunError::Usage(format!(
                    "input {} is inside the {what} folder {}: refusing to overwrite inputs",
                    discover::escape_path(i),
                    discover::escape_path(p)
                )));
            }
        }
    }
    if let Some(attrs) = &opts.shards.attributes {
        let a = absolute(attrs);
        for i in &opts.inputs {
            let in_abs = absolute(i);
            if a.starts_with(&in_abs) || in_abs.starts_with(&a) {
                return Err(RunError::Usage(format!(
                    "attributes folder {} and input {} are inside one another: refusing to write into the corpus",
                    discover::escape_path(&a),
                    discover::escape_path(i)
                )));
            }
        }
        if a.starts_with(&out_abs) || out_abs.starts_with(&a) {
            return Err(RunError::Usage(format!(
                "attributes folder {} and the output folder are inside one another: keep them apart",
                discover::escape_path(&a)
            )));
        }
    }
    if report_abs.starts_with(&out_abs) {
        return Err(RunError::Usage(format!(
            "report folder {} is inside the output folder {}: keep reports out of the cleaned corpus",
            discover::escape_path(&report_abs),
            discover::escape_path(&out_abs)
        )));
    }
    if out_abs.starts_with(&report_abs) {
        return Err(RunError::Usage(format!(
            "output folder {} is inside the report folder {}: keep the cleaned corpus out of the reports",
            discover::escape_path(&out_abs),
            discover::escape_path(&report_abs)
        )));
    }
    Ok(())
}

/// Canonical form of a path that may not exist yet: canonicalize the
/// nearest existing ancestor and append the rest.
fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut existing = p.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return out;
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return p,
        }
    }
}
