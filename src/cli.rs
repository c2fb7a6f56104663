//! Command-line arguments (clap derive), converted once into
//! [`newsclean::RunOptions`] (ripgrep's LowArgs → HiArgs shape).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Clean corpora of scraped news text, and show exactly what changed.
#[derive(Debug, Parser)]
#[command(name = "newsclean", version, about, propagate_version = true)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Clean every text file under the inputs into --out, with reports.
    Clean(CleanArgs),
    /// List every rule id with its description.
    Rules,
}

/// Arguments of `clean`.
#[derive(Debug, clap::Args)]
pub(crate) struct CleanArgs {
    /// Input folders or files (never modified).
    #[arg(required = true)]
    pub(crate) inputs: Vec<PathBuf>,
    /// Output folder: mirrors the input tree with cleaned UTF-8 copies.
    #[arg(short, long, required_unless_present = "check")]
    pub(crate) out: Option<PathBuf>,
    /// Report folder [default: <OUT>.report].
    #[arg(long)]
    pub(crate) report: Option<PathBuf>,
    /// Worker threads, at most 1024 [default: all cores].
    #[arg(short, long, default_value_t = 0, value_parser = jobs_in_range)]
    pub(crate) jobs: usize,
    /// Config file (newsclean.toml); unknown keys are an error.
    #[arg(short, long)]
    pub(crate) config: Option<PathBuf>,
    /// Write nothing; exit 1 if anything would change.
    #[arg(long)]
    pub(crate) check: bool,
    /// Remove files in --out that this run did not write (listed as
    /// `stale` in summary.json either way).
    #[arg(long, conflicts_with = "check")]
    pub(crate) prune: bool,
    /// Print only errors.
    #[arg(short, long)]
    pub(crate) quiet: bool,
    /// Format of the final summary on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// Only files matching this glob (repeatable) [default: *.txt].
    #[arg(long = "include", value_name = "GLOB")]
    pub(crate) include: Vec<String>,
    /// Skip files matching this glob (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub(crate) exclude: Vec<String>,
}

/// Summary format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One line for people.
    Human,
    /// One JSON object (run info and totals).
    Json,
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
