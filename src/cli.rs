//! Command-line arguments (clap derive), converted once into
//! [`newsclean::RunOptions`] (ripgrep's LowArgs → HiArgs shape).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// `-V`: the package version, the commit and the build date (from
/// `build.rs`; "unknown" outside a git checkout).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("NEWSCLEAN_COMMIT"),
    " ",
    env!("NEWSCLEAN_BUILD_DATE"),
    ")"
);

/// Clean corpora of scraped news text, and show exactly what changed.
#[derive(Debug, Parser)]
#[command(
    name = "newsclean",
    version = LONG_VERSION,
    about,
    propagate_version = true
)]
pub(crate) struct Cli {
    /// When to colour messages and the summary line (NO_COLOR=1 means
    /// never unless --color always).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub(crate) color: ColorChoice,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when stderr/stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Clean every text file under the inputs into --out, with reports;
    /// `newsclean clean -` cleans the text on stdin onto stdout.
    #[command(
        override_usage = "newsclean clean [OPTIONS] <INPUT>... --out <DIR>\n       newsclean clean [OPTIONS] <INPUT>... --check | --diff\n       newsclean clean [OPTIONS] - [--check | --diff | --report <DIR>]"
    )]
    Clean(Box<CleanArgs>),
    /// List every rule id with its spec reference and description.
    Rules,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on stdout.
    Man,
    /// Inspect or change an on-disk index (`--index DIR`).
    #[command(subcommand)]
    Index(IndexCommand),
    /// Staged run, step 1 of 4: fingerprint shard i of N into --work.
    Fingerprint(Box<StageArgs>),
    /// Staged run, step 2 of 4: decide bucket j of P (first copy wins).
    Resolve {
        /// The work folder of the staged run.
        #[arg(long, value_name = "DIR")]
        work: PathBuf,
        /// This bucket: j/P, j from 0.
        #[arg(long, value_name = "j/P", value_parser = newsclean::staged::Part::parse)]
        bucket: newsclean::staged::Part,
    },
    /// Staged run, step 3 of 4: clean shard i of N into --out.
    Apply(Box<StageArgs>),
    /// Staged run, step 4 of 4: merge the shards' parts into one report.
    Report {
        /// The work folder of the staged run.
        #[arg(long, value_name = "DIR")]
        work: PathBuf,
        /// The report folder (as given to apply).
        #[arg(long, value_name = "DIR")]
        report: PathBuf,
        /// No summary line.
        #[arg(short, long)]
        quiet: bool,
    },
}

/// Arguments of `fingerprint` and `apply`: the work folder, the shard, and
/// `clean`'s options (the same in every stage of a run).
#[derive(Debug, clap::Args)]
pub(crate) struct StageArgs {
    /// This shard: i/N, i from 0 (contiguous ranges of corpus order).
    #[arg(long, value_name = "i/N", value_parser = newsclean::staged::Part::parse)]
    pub(crate) shard: newsclean::staged::Part,
    /// Buckets the fingerprints are partitioned into (fingerprint only).
    #[arg(long, value_name = "P", default_value_t = 1)]
    pub(crate) buckets: u32,
    /// `clean`'s options (--out is required by apply), and --work DIR:
    /// the work folder of the staged run (shared by all its tasks).
    #[command(flatten)]
    pub(crate) clean: CleanArgs,
}

/// `newsclean index …`.
#[derive(Debug, Subcommand)]
pub(crate) enum IndexCommand {
    /// Print the runs (id, date, inputs, files, blocks added, keys), the
    /// keys and the bytes on disk.
    Stats {
        /// The index folder.
        dir: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check every run and segment file and every checksum; exit 78 and
    /// name the file if one is damaged.
    Verify {
        /// The index folder.
        dir: PathBuf,
    },
    /// Forget one run (e.g. a withdrawn dump): its keys count as new again.
    Drop {
        /// The index folder.
        dir: PathBuf,
        /// The run id to forget.
        run_id: String,
        /// Wait for another writer instead of exiting 75.
        #[arg(long)]
        wait: bool,
    },
}

/// Arguments of `clean`.
#[derive(Debug, clap::Args)]
pub(crate) struct CleanArgs {
    /// Input folders or files (never modified); `-` alone: the text on
    /// stdin, cleaned onto stdout.
    #[arg(required = true, value_name = "INPUT")]
    pub(crate) inputs: Vec<PathBuf>,
    /// Output folder: mirrors the input tree with cleaned UTF-8 copies
    /// (required unless --check, --diff or the input `-`).
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Report folder [default: <OUT>.report].
    #[arg(long, value_name = "DIR")]
    pub(crate) report: Option<PathBuf>,
    /// Reports to write, comma-separated: summary (always), changes
    /// (changes.jsonl), diff, html (the review pages); `summary,changes`
    /// skips the pages and the diff [default: all].
    #[arg(long, value_name = "LIST", default_value = "all", hide_default_value = true, value_parser = newsclean::report::Plan::parse)]
    pub(crate) reports: newsclean::report::Plan,
    /// Layout of the diffs in the report: one multi-file changes.diff, or
    /// one diffs/<path>.diff per changed file.
    #[arg(long, value_enum, value_name = "LAYOUT", default_value_t = ReportDiffs::Single)]
    pub(crate) report_diffs: ReportDiffs,
    /// Worker threads, 0 = all cores, at most 1024.
    #[arg(short, long, value_name = "N", default_value_t = 0, value_parser = jobs_in_range)]
    pub(crate) jobs: usize,
    /// Config file; without it, the nearest newsclean.toml at or above
    /// the inputs, else the current folder's.
    #[arg(short, long, value_name = "FILE", conflicts_with = "no_config")]
    pub(crate) config: Option<PathBuf>,
    /// Use no config file (defaults, plus --disable/--enable).
    #[arg(long)]
    pub(crate) no_config: bool,
    /// Switch rules off by id glob (repeatable), after the config file's.
    #[arg(long, value_name = "RULE_GLOB")]
    pub(crate) disable: Vec<String>,
    /// Switch rules on again by id glob (repeatable), after --disable.
    #[arg(long, value_name = "RULE_GLOB")]
    pub(crate) enable: Vec<String>,
    /// Write nothing; print each file that would change, exit 1 if any.
    #[arg(long)]
    pub(crate) check: bool,
    /// Write nothing; print the unified diff of every change on stdout
    /// (`git apply` or `patch -p1`, run where newsclean ran, applies it).
    #[arg(long, conflicts_with = "check")]
    pub(crate) diff: bool,
    /// Remove files in --out that this run did not write (listed as
    /// `stale` in summary.json either way).
    #[arg(long, conflicts_with_all = ["check", "diff"])]
    pub(crate) prune: bool,
    /// An input with no matching file is not an error (exit 66 without).
    #[arg(long)]
    pub(crate) allow_empty: bool,
    /// No progress bar, no summary line, no skipped-file notes; output that
    /// was asked for (--format json/jsonl, --check, --diff) is still printed.
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// What to print on stdout at the end.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// Only files matching this glob (repeatable) [default: *.txt and the
    /// shards *.jsonl, *.jsonl.gz, *.jsonl.zst, *.json.gz].
    #[arg(long = "include", value_name = "GLOB")]
    pub(crate) include: Vec<String>,
    /// Skip files matching this glob (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
    /// The text field of a JSONL shard's records (a dotted path reaches a
    /// nested field).
    #[arg(long, value_name = "FIELD", default_value = "text")]
    pub(crate) text_field: String,
    /// The id field of a JSONL shard's records (a record without one is
    /// named by its line number).
    #[arg(long, value_name = "FIELD", default_value = "id")]
    pub(crate) id_field: String,
    /// Keep a shard's record removed as a duplicate document in the output
    /// shard, with the field `newsclean_duplicate_of` (its kept copy) added.
    #[arg(long)]
    pub(crate) keep_duplicates: bool,
    /// Write a dolma-style attribute file per shard beneath DIR (same name
    /// and compression; one row per record, spans per rule family).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["check", "diff"])]
    pub(crate) attributes: Option<PathBuf>,
    /// On-disk index of earlier runs (created on first use): what they
    /// kept counts as seen, and this run's kept blocks are added when it
    /// completes (read only with --check).
    #[arg(long, value_name = "DIR")]
    pub(crate) index: Option<PathBuf>,
    /// This run's id in the index [default: the final component of
    /// --out]; a run with the same id is replaced.
    #[arg(long, value_name = "ID", requires = "index")]
    pub(crate) run_id: Option<String>,
    /// Wait for another run that holds the index (else exit 75 at once).
    #[arg(long, requires = "index")]
    pub(crate) wait: bool,
    /// The work folder of a staged run (fingerprint and apply only).
    #[arg(long, value_name = "DIR", hide = true)]
    pub(crate) work: Option<PathBuf>,
}

/// `--report-diffs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportDiffs {
    /// One multi-file `changes.diff`.
    Single,
    /// One `diffs/<path>.diff` per changed file.
    PerFile,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One summary line for people.
    Human,
    /// One JSON object: schema_version, run, totals, files.
    Json,
    /// One JSON record per change, as in changes.jsonl.
    Jsonl,
}

/// `--jobs`: 0 (all cores) to [`newsclean::pipeline::MAX_JOBS`].
fn jobs_in_range(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|e| format!("{e}"))?;
    let max = newsclean::pipeline::MAX_JOBS;
    if n > max {
        return Err(format!("at most {max} threads"));
    }
    Ok(n)
}
