//! `newsclean` binary: arguments → config → run → exit code.
//!
//! stdout carries only what was asked for (the summary line or JSON, the
//! `--check` list, the `--diff` patch, `--format jsonl` records); stderr
//! carries messages and the progress bar. A closed stdout (`| head`) ends
//! the output quietly; any other stdout write error is reported and exits
//! 74 (EX_IOERR).

mod cli;

/// mimalloc instead of the system allocator: ~10% less CPU on a full run
/// (many short-lived strings and vectors, allocated from every thread).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Position of `mi_option_purge_delay` in mimalloc.h's `mi_option_t`
/// (the same in the v2 and v3 sources that libmimalloc-sys builds; the
/// crate does not export the name).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

#[allow(unsafe_code)]
extern "C" {
    /// mimalloc.h: `void mi_option_set(mi_option_t option, long value)`,
    /// linked from libmimalloc-sys (a dependency of `mimalloc`).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// From a run's first huge file on (`newsclean::set_huge_file_hook`),
/// freed memory goes back to the OS at once instead of after mimalloc's
/// 10 ms delay: a huge file's window buffers are freed and reallocated
/// faster than that, so the kept pages pushed the peak RSS of a 50 MB file
/// from about 2.4× to 2.6–4× its size (README "Huge files"). Only then: on
/// a run of ordinary files, purging at once cost about 0.5 s of system
/// time in 12 s of CPU on xwlb, for about the same peak. An explicit
/// `MIMALLOC_PURGE_DELAY` in the environment is left in charge.
fn purge_at_once_for_huge_files() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        newsclean::set_huge_file_hook(purge_at_once);
    }
}

/// The huge-file hook: mimalloc's purge delay to 0.
fn purge_at_once() {
    // SAFETY: mi_option_set takes a valid option number and a value,
    // stores it in mimalloc's option table (atomics) and has no other
    // precondition; 15 is mi_option_purge_delay (see the constant).
    #[allow(unsafe_code)]
    unsafe {
        mi_option_set(MI_OPTION_PURGE_DELAY, 0)
    };
}

use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::{CommandFactory, FromArgMatches};
use indicatif::{ProgressBar, ProgressStyle};
use newsclean::config::{discover_config, CliRules};
use newsclean::index::nightly::IndexOptions;
use newsclean::pipeline::{Progress, RunError};
use newsclean::report::Status;
use newsclean::{discover, Config, RunOptions};

use cli::{Cli, ColorChoice, Command, Format};

/// A line on stderr; a closed or failing stderr is ignored (never a
/// panic, whatever the shell did with fd 2).
macro_rules! msg {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

/// Exit code of a write error on stdout other than a closed pipe.
const EX_IOERR: u8 = 74;

fn main() -> ExitCode {
    purge_at_once_for_huge_files();
    ExitCode::from(run(std::env::args_os().collect()))
}

/// A whole command line (the program name first) → its exit code. The
/// Python package (`python/src/lib.rs`) includes this file and calls it
/// in-process with a subcommand's arguments.
pub(crate) fn run(args: Vec<std::ffi::OsString>) -> u8 {
    // clap's own help and errors follow --color and NO_COLOR too (looked
    // for before parsing, since they are printed while parsing).
    let clap_color = match color_before_parsing(&args) {
        ColorChoice::Always => clap::ColorChoice::Always,
        ColorChoice::Never => clap::ColorChoice::Never,
        ColorChoice::Auto => clap::ColorChoice::Auto,
    };
    let parsed = Cli::command()
        .color(clap_color)
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 64 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let mut out = Stdout::new();
    let code = match cli.command {
        Command::Rules => {
            let rules: Vec<_> = newsclean::rules::all().collect();
            let w_id = rules
                .iter()
                .map(|r| r.id.chars().count())
                .max()
                .unwrap_or(0);
            let w_spec = rules
                .iter()
                .map(|r| r.spec.chars().count())
                .max()
                .unwrap_or(0);
            for r in rules {
                out.line(&format!("{:<w_id$}  {:<w_spec$}  {}", r.id, r.spec, r.doc));
            }
            0
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "newsclean", &mut buf);
            out.bytes(&buf);
            0
        }
        Command::Man => match man_page() {
            Ok(buf) => {
                out.bytes(&buf);
                0
            }
            Err(e) => {
                msg!("newsclean: cannot render the man page: {e}");
                70
            }
        },
        Command::Clean(args) => clean(*args, cli.color, &mut out),
        Command::Index(cmd) => index_command(cmd, &mut out),
        Command::Fingerprint(a) => stage_command(Stage::Fingerprint, *a, &mut out),
        Command::Apply(a) => stage_command(Stage::Apply, *a, &mut out),
        Command::Resolve { work, bucket } => {
            let r = newsclean::staged::resolve(&work, bucket);
            stage_result(r, &format!("resolve bucket {bucket}"), "keys", &mut out)
        }
        Command::Report {
            work,
            report,
            quiet,
        } => report_command(&work, &report, quiet, cli.color, &mut out),
    };
    out.finish(code)
}

/// `newsclean index stats|verify|drop`: the result on stdout, an error
/// on stderr with its exit code (see `newsclean::index::store`).
fn index_command(cmd: cli::IndexCommand, out: &mut Stdout) -> u8 {
    use newsclean::index::store;
    let done = match cmd {
        cli::IndexCommand::Stats { dir, json } => store::stats(&dir).map(|s| {
            if json {
                out.line(&serde_json::to_string_pretty(&s).unwrap_or_default());
            } else {
                out.line(&s.to_string());
            }
        }),
        cli::IndexCommand::Verify { dir } => store::verify(&dir).map(|v| {
            out.line(&format!(
                "index {} is sound: {} runs, {} segment files, {} keys, digest {:016x}",
                dir.display(),
                v.runs,
                v.segments,
                v.keys,
                v.digest
            ));
            if !v.unnamed.is_empty() {
                msg!(
                    "newsclean: {} unnamed files left by an interrupted commit (the next run removes them): {}",
                    v.unnamed.len(),
                    v.unnamed.join(" ")
                );
            }
        }),
        cli::IndexCommand::Drop { dir, run_id, wait } => {
            store::drop_run(&dir, &run_id, wait).map(|r| {
                msg!(
                    "newsclean: dropped run {} ({}, {} keys) from index {}",
                    r.id,
                    r.date,
                    r.keys,
                    dir.display()
                );
            })
        }
    };
    match done {
        Ok(()) => 0,
        Err(e) => {
            msg!("newsclean: {e}");
            e.exit_code()
        }
    }
}

/// `--color WHEN` / `--color=WHEN` among the raw arguments (the last one
/// wins, as clap's would).
fn color_before_parsing(args: &[std::ffi::OsString]) -> ColorChoice {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .take_while(|a| a != "--")
        .collect();
    let mut choice = ColorChoice::Auto;
    for (i, a) in args.iter().enumerate() {
        let value = match a.strip_prefix("--color") {
            Some("") => args.get(i + 1).map(String::as_str),
            Some(v) => v.strip_prefix('='),
            None => None,
        };
        choice = match value {
            Some("always") => ColorChoice::Always,
            Some("never") => ColorChoice::Never,
            Some("auto") => ColorChoice::Auto,
            _ => choice,
        };
    }
    choice
}

/// The man page: clap_mangen's page of the top command, then the
/// options of each subcommand that has any, then the exit codes.
fn man_page() -> std::io::Result<Vec<u8>> {
    let top = Cli::command();
    let mut buf = Vec::new();
    clap_mangen::Man::new(top.clone()).render(&mut buf)?;
    for sub in top.get_subcommands() {
        if sub.get_arguments().all(|a| a.is_hide_set()) {
            continue;
        }
        let mut part = Vec::new();
        let sub_man = clap_mangen::Man::new(
            sub.clone()
                .bin_name(format!("newsclean {}", sub.get_name())),
        );
        sub_man.render_synopsis_section(&mut part)?;
        sub_man.render_options_section(&mut part)?;
        let part = String::from_utf8_lossy(&part)
            .replace(
                ".SH SYNOPSIS",
                &format!(".SH \"{} SYNOPSIS\"", sub.get_name().to_uppercase()),
            )
            .replace(
                ".SH OPTIONS",
                &format!(".SH \"{} OPTIONS\"", sub.get_name().to_uppercase()),
            );
        buf.extend_from_slice(part.as_bytes());
    }
    buf.extend_from_slice(
        concat!(
            ".SH \"EXIT STATUS\"\n",
            ".TP\n0\ndone (with \\-\\-check or \\-\\-diff: nothing would change)\n",
            ".TP\n1\n\\-\\-check or \\-\\-diff: some file would change\n",
            ".TP\n2\nat least one file failed; the others are done\n",
            ".TP\n64\nusage error\n",
            ".TP\n66\nan input does not exist, or holds no matching file (without \\-\\-allow\\-empty)\n",
            ".TP\n73\nthe output or report folder cannot be written, or the report is incomplete\n",
            ".TP\n74\nstdout could not be written\n",
            ".TP\n75\nanother run holds the output or report folder\n",
            ".TP\n78\nconfiguration error\n",
            ".TP\n130, 143\ninterrupted by SIGINT or SIGTERM\n",
        )
        .as_bytes(),
    );
    Ok(buf)
}

/// stdout, buffered; remembers the first write error and stops writing.
struct Stdout {
    w: BufWriter<std::io::Stdout>,
    err: Option<std::io::Error>,
}

impl Stdout {
    fn new() -> Stdout {
        Stdout {
            w: BufWriter::with_capacity(1 << 16, std::io::stdout()),
            err: None,
        }
    }

    fn bytes(&mut self, b: &[u8]) {
        if self.err.is_none() {
            if let Err(e) = self.w.write_all(b) {
                self.err = Some(e);
            }
        }
    }

    fn line(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.bytes(b"\n");
    }

    /// Flush; the exit code after stdout's fate: a closed pipe changes
    /// nothing (as `rg … | head`), another error is 74 unless the run
    /// already has a worse code.
    fn finish(mut self, code: u8) -> u8 {
        if self.err.is_none() {
            if let Err(e) = self.w.flush() {
                self.err = Some(e);
            }
        }
        match self.err.take() {
            Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                // Drop the unflushed rest without a second error.
                std::mem::forget(self.w);
                code
            }
            Some(e) => {
                std::mem::forget(self.w);
                msg!("newsclean: cannot write to stdout: {e}");
                if code <= 1 {
                    EX_IOERR
                } else {
                    code
                }
            }
            None => code,
        }
    }
}

/// ANSI colours, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    /// Colour for a stream: `--color always`, or `auto` on a terminal
    /// with `NO_COLOR` unset or empty.
    fn new(choice: ColorChoice, terminal: bool) -> Paint {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Paint(match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        })
    }

    fn paint(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn red(self, s: &str) -> String {
        self.paint("1;31", s)
    }

    fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }

    fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
}

fn clean(args: cli::CleanArgs, color: ColorChoice, out: &mut Stdout) -> u8 {
    let err_paint = Paint::new(color, std::io::stderr().is_terminal());
    let out_paint = Paint::new(color, std::io::stdout().is_terminal());
    let fail = |msg: &str| msg!("{} {msg}", err_paint.red("newsclean:"));
    if args.diff && args.format != Format::Human {
        fail(
            "--diff prints the patch on stdout; it cannot be combined with --format json or jsonl",
        );
        return 64;
    }
    if args.work.is_some() {
        fail("--work belongs to the staged commands (fingerprint, apply), not to clean");
        return 64;
    }
    let opts = match run_options(&args) {
        Ok(o) => o,
        Err(e) => {
            fail(&e);
            return 78;
        }
    };
    let check = opts.check;
    // `clean -`: stdout is the cleaned text (unless --check, --diff or
    // --format json/jsonl ask for something else), the summary line goes
    // to stderr.
    let stdin = args.inputs.iter().any(|i| i.as_os_str() == "-");
    if !check && !stdin && args.out.is_none() {
        fail("--out <DIR> is required (or --check, --diff, or the input `-` for stdin)");
        return 64;
    }
    let shown = Shown::new(&args.inputs);
    on_signals_clean_up_and_exit();
    let bar = if std::io::stderr().is_terminal() && !args.quiet {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} files ({per_sec}, eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(b)
    } else {
        None
    };
    let streamed = Mutex::new(std::mem::replace(out, Stdout::new()));
    let progress = |p: Progress| match p {
        Progress::Discovered(n) => {
            if let Some(b) = &bar {
                b.set_length(n as u64)
            }
        }
        Progress::FileDone => {
            if let Some(b) = &bar {
                b.inc(1)
            }
        }
        Progress::File(row, records, diff) => {
            let mut o = streamed.lock().unwrap_or_else(|e| e.into_inner());
            if args.diff {
                if !diff.is_empty() {
                    o.bytes(git_headers(diff, &shown.of(&row.path)).as_bytes());
                }
            } else {
                o.bytes(records);
            }
        }
    };
    let outcome = newsclean::run(&opts, &progress);
    if std::env::var_os("NEWSCLEAN_NEAR_PROFILE").is_some() {
        let [s, h, v] = newsclean::near::times();
        msg!("near: shingling {s:.2} s, hashing {h:.2} s, resolve and verification {v:.2} s (summed over threads)");
        let sizes = newsclean::near::SIZES
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        if !sizes.is_empty() {
            msg!("near: held {sizes}");
        }
    }
    *out = streamed.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            fail(&e.to_string());
            return exit_code(&e);
        }
    };
    if let Some(text) = &outcome.stdout {
        if args.format == Format::Human {
            out.bytes(text);
        }
    }
    let s = &outcome.summary;
    for w in &s.walk_errors {
        fail(&format!("{}: {}", w.path, w.reason));
    }
    for f in &s.files {
        match f.status {
            Status::Failed => fail(&format!(
                "{}: {}",
                shown.of(&f.path),
                f.reason.as_deref().unwrap_or("failed")
            )),
            _ if f
                .rules
                .iter()
                .any(|&(id, n)| id == "decode.replacement" && n > 0) =>
            {
                fail(&format!(
                    "{}: {}",
                    shown.of(&f.path),
                    f.reason
                        .as_deref()
                        .unwrap_or("malformed bytes decoded as U+FFFD")
                ))
            }
            Status::Skipped if !args.quiet => msg!(
                "{} {}: skipped: {}",
                err_paint.yellow("newsclean:"),
                shown.of(&f.path),
                f.reason.as_deref().unwrap_or("")
            ),
            _ => {}
        }
    }
    match args.format {
        Format::Json => {
            let v = serde_json::json!({
                "schema_version": s.schema_version,
                "run": s.run,
                "totals": s.totals,
                "files": s.files,
            });
            out.line(&v.to_string());
        }
        Format::Jsonl => {}
        Format::Human => {
            if args.check {
                // One path per line, as rustfmt and ruff list them.
                for f in s
                    .files
                    .iter()
                    .filter(|f| matches!(f.status, Status::Cleaned | Status::Duplicate))
                {
                    out.line(&shown.of(&f.path));
                }
            }
            if !args.quiet {
                if check || stdin {
                    // stdout holds the list or the patch: the line goes to
                    // stderr.
                    msg!("{}", human_line(&outcome, check, err_paint));
                } else {
                    out.line(&human_line(&outcome, false, out_paint));
                }
            }
        }
    }
    for w in &outcome.warnings {
        msg!("newsclean: warning: {w}");
    }
    if !args.quiet {
        say_index_commit(&outcome);
    }
    if let Some(e) = &outcome.index_error {
        fail(&format!(
            "the run is not recorded in the index (no summary.json): {e}"
        ));
        e.exit_code()
    } else if let Some(e) = &outcome.report_error {
        fail(&format!("the report is incomplete (no summary.json): {e}"));
        73
    } else if outcome.failed() {
        2
    } else if check && outcome.changed() {
        1
    } else {
        0
    }
}

/// `fingerprint` or `apply`.
enum Stage {
    Fingerprint,
    Apply,
}

/// `newsclean fingerprint|apply`: the options resolved as `clean`'s, the
/// stage run; one line on stdout, an error on stderr with its exit code.
fn stage_command(stage: Stage, a: cli::StageArgs, out: &mut Stdout) -> u8 {
    let Some(work) = a.clean.work.clone() else {
        msg!("newsclean: --work DIR is required");
        return 64;
    };
    let opts = match run_options(&a.clean) {
        Ok(o) => o,
        Err(e) => {
            msg!("newsclean: {e}");
            return 78;
        }
    };
    on_signals_clean_up_and_exit();
    let (r, what) = match stage {
        Stage::Fingerprint => (
            newsclean::staged::fingerprint(&opts, &work, a.shard, a.buckets),
            "fingerprint",
        ),
        Stage::Apply if opts.out.is_none() => {
            msg!("newsclean: apply needs --out DIR");
            return 64;
        }
        Stage::Apply => (newsclean::staged::apply(&opts, &work, a.shard), "apply"),
    };
    stage_result(r, &format!("{what} shard {}", a.shard), "documents", out)
}

/// One line for a stage task that ran; its error and exit code if not.
/// A task whose documents failed exits 2, as `clean`.
fn stage_result(
    r: Result<newsclean::staged::StageOutcome, RunError>,
    what: &str,
    items: &str,
    out: &mut Stdout,
) -> u8 {
    match r {
        Ok(o) => {
            out.line(&format!(
                "newsclean {what}: {} {items}, {} records, {} bytes written{}",
                o.items,
                o.records,
                o.bytes,
                if o.failed > 0 {
                    format!(", {} failed", o.failed)
                } else {
                    String::new()
                }
            ));
            if o.failed > 0 {
                2
            } else {
                0
            }
        }
        Err(e) => {
            msg!("newsclean: {what}: {e}");
            exit_code(&e)
        }
    }
}

/// `newsclean report`: the shards' parts merged into one report folder;
/// the summary line and exit code of `clean`.
fn report_command(
    work: &std::path::Path,
    report: &std::path::Path,
    quiet: bool,
    color: ColorChoice,
    out: &mut Stdout,
) -> u8 {
    let paint = Paint::new(color, std::io::stdout().is_terminal());
    let outcome = match newsclean::staged::report(work, report) {
        Ok(o) => o,
        Err(e) => {
            msg!("newsclean: report: {e}");
            return exit_code(&e);
        }
    };
    for f in &outcome.summary.files {
        if f.status == Status::Failed {
            msg!(
                "newsclean: {}: {}",
                f.path,
                f.reason.as_deref().unwrap_or("failed")
            );
        }
    }
    if !quiet {
        out.line(&human_line(&outcome, false, paint));
        say_index_commit(&outcome);
    }
    if let Some(e) = &outcome.index_error {
        msg!("newsclean: report: the run is not recorded in the index (no summary.json): {e}");
        e.exit_code()
    } else if let Some(e) = &outcome.report_error {
        msg!("newsclean: the report is incomplete (no summary.json): {e}");
        73
    } else if outcome.failed() {
        2
    } else {
        0
    }
}

/// The index commit of a run (`clean --index`, or `report` of a staged
/// run with `--index`), on stderr.
fn say_index_commit(outcome: &newsclean::RunOutcome) {
    if let Some(c) = &outcome.index_commit {
        msg!(
            "newsclean: index: {} keys added ({:.2} s to commit, {:.2} s merging {} segments)",
            c.keys,
            c.commit_secs,
            c.merge_secs,
            c.merged
        );
    }
}

/// `clean`'s options resolved into [`RunOptions`] (the config file found
/// and read: an error is exit 78).
fn run_options(args: &cli::CleanArgs) -> Result<RunOptions, String> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config_file = discover_config(args.config.as_deref(), args.no_config, &args.inputs, &cwd)
        .map_err(|e| e.to_string())?;
    let cli_rules = CliRules {
        disable: args.disable.clone(),
        enable: args.enable.clone(),
    };
    let config = Config::load(config_file.as_deref(), &cli_rules).map_err(|e| e.to_string())?;
    let check = args.check || args.diff;
    let stream = args.diff || args.format == Format::Jsonl;
    Ok(RunOptions {
        inputs: args.inputs.clone(),
        out: args.out.clone(),
        report: args.report.clone(),
        include: args.include.clone(),
        exclude: args.exclude.clone(),
        shards: newsclean::shard::ShardOptions {
            text_field: args.text_field.clone(),
            id_field: args.id_field.clone(),
            keep_duplicates: args.keep_duplicates,
            attributes: args.attributes.clone(),
        },
        jobs: args.jobs,
        check,
        prune: args.prune,
        config,
        config_file,
        allow_empty: args.allow_empty,
        stream,
        reports: newsclean::report::Plan {
            per_file_diffs: args.report_diffs == cli::ReportDiffs::PerFile,
            ..args.reports
        },
        index: args.index.clone().map(|dir| IndexOptions {
            dir,
            run_id: args.run_id.clone(),
            wait: args.wait,
        }),
    })
}

/// Paths as the user gave them: each shown output name mapped back to the
/// input it came from (input path joined with the path below it).
struct Shown {
    /// (shown output prefix, input as given, input is a folder)
    inputs: Vec<(String, String, bool)>,
}

impl Shown {
    fn new(inputs: &[PathBuf]) -> Shown {
        let canon: Vec<PathBuf> = inputs
            .iter()
            .map(|i| discover::canonical_input(i))
            .collect();
        let root = (canon.len() > 1).then(|| discover::common_root(&canon));
        let inputs = inputs
            .iter()
            .zip(&canon)
            .map(|(given, c)| {
                let prefix = match &root {
                    Some(r) => discover::display_rel(c.strip_prefix(r).unwrap_or(c)),
                    None => String::new(),
                };
                (prefix, discover::escape_path(given), c.is_dir())
            })
            .collect();
        Shown { inputs }
    }

    fn of(&self, rel: &str) -> String {
        let mut best: Option<(&(String, String, bool), &str)> = None;
        for inp in &self.inputs {
            let (prefix, _, is_dir) = inp;
            let rest = if prefix.is_empty() {
                if *is_dir {
                    Some(rel)
                } else {
                    Some("")
                }
            } else if rel == prefix {
                Some("")
            } else {
                rel.strip_prefix(prefix.as_str())
                    .and_then(|r| r.strip_prefix('/'))
            };
            if let Some(rest) = rest {
                if best.is_none_or(|(b, _)| prefix.len() > b.0.len()) {
                    best = Some((inp, rest));
                }
            }
        }
        match best {
            Some(((_, given, _), "")) => given.clone(),
            Some(((_, given, _), rest)) => {
                format!("{}/{rest}", given.trim_end_matches('/'))
            }
            None => rel.to_string(),
        }
    }
}

/// A diff from the report (headers name the output path) with git-style
/// headers naming the file as given, so `git apply` (-p1) run where
/// newsclean ran applies it.
fn git_headers(diff: &str, shown: &str) -> String {
    let body = diff.splitn(3, '\n').nth(2).unwrap_or_default();
    format!("--- a/{shown}\n+++ b/{shown}\n{body}")
}

/// On SIGINT or SIGTERM: remove this run's named temp files (unnamed ones
/// vanish with the process), say so, exit 130 or 143. The old
/// `summary.json` was removed before the first write, so the interrupted
/// report is visibly incomplete.
fn on_signals_clean_up_and_exit() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(s) => s,
        Err(e) => {
            msg!("newsclean: cannot watch for Ctrl-C: {e}");
            return;
        }
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            newsclean::emit::interrupt();
            msg!("newsclean: interrupted; the report is incomplete (no summary.json)");
            std::process::exit(128 + sig);
        }
    });
}

fn exit_code(e: &RunError) -> u8 {
    e.exit_code() as u8
}

/// `n thing` or `n things`.
fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

fn human_line(o: &newsclean::RunOutcome, check: bool, paint: Paint) -> String {
    let t = &o.summary.totals;
    let mb = |b: u64| b as f64 / 1_000_000.0;
    let secs = o.summary.run.duration_ms as f64 / 1000.0;
    let verb = if check { "would clean" } else { "cleaned" };
    let failed = format!("{} failed", t.failed);
    let failed = if t.failed > 0 {
        paint.red(&failed)
    } else {
        failed
    };
    let cleaned = format!("{} {verb}", t.cleaned);
    let cleaned = if t.cleaned > 0 {
        paint.green(&cleaned)
    } else {
        cleaned
    };
    let bytes = if check {
        format!("{:.1} MB read", mb(t.bytes_in))
    } else {
        format!("{:.1} MB in, {:.1} MB out", mb(t.bytes_in), mb(t.bytes_out))
    };
    // Files removed whole (dedup.document), named only when there are some.
    let failed = match t.duplicate {
        0 => failed,
        n => format!("{failed}, {n} duplicate"),
    };
    let mut line = format!(
        "newsclean: {}: {cleaned}, {} unchanged, {} skipped, {failed}; {}, {} removed; {bytes} in {:.2}s with {}",
        count(t.files_seen, "file"),
        t.unchanged,
        t.skipped,
        count(t.edits, "edit"),
        count(t.duplicates_removed, "duplicate"),
        secs,
        count(o.summary.run.threads, "thread"),
    );
    let stale = o.summary.stale.len();
    if stale > 0 {
        let what = if o.summary.run.prune {
            "removed (--prune)"
        } else {
            "left (see stale in summary.json; --prune removes them)"
        };
        line.push_str(&format!(
            "; {} in --out not from this run {what}",
            count(stale, "file")
        ));
    }
    if let Some(r) = &o.report_dir {
        line.push_str(&format!(" (report: {})", r.display()));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_singular_for_one() {
        assert_eq!(count(1, "file"), "1 file");
        assert_eq!(count(0, "file"), "0 files");
        assert_eq!(count(2, "thread"), "2 threads");
    }

    #[test]
    fn color_choice() {
        assert!(Paint::new(ColorChoice::Always, false).0);
        assert!(!Paint::new(ColorChoice::Never, true).0);
        assert!(!Paint::new(ColorChoice::Auto, false).0);
    }

    #[test]
    fn git_headers_replace_the_two_header_lines() {
        let d = "--- x.txt\n+++ x.txt\n@@ -1 +1 @@\n-a\n+b\n";
        assert_eq!(
            git_headers(d, "in/x.txt"),
            "--- a/in/x.txt\n+++ b/in/x.txt\n@@ -1 +1 @@\n-a\n+b\n"
        );
    }
}
