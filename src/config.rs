//! Validated configuration: which rules run and the thresholds they use.
//!
//! Built once from the command line and the optional `newsclean.toml`
//! (unknown keys are an error, so a typo never silently disables nothing).
//! Which file ([`discover_config`]): `--config FILE`, else none with
//! `--no-config`, else the nearest `newsclean.toml` at or above each input
//! (the inputs that find one must find the same), else `newsclean.toml` in the
//! current folder. `--disable`/`--enable` apply after the file's
//! `[rules]` lists ([`CliRules`]).
//! Rule switches are globs over rule ids (`dedup.*`, `punct.comma`),
//! resolved once against the rule registry into a set of enabled ids, so
//! rules ask a cheap question per edit.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules;

/// Everything the pure cleaning core needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    disabled: HashSet<&'static str>,
    /// Minimum fingerprint key length (characters) for a block to be
    /// removed as a duplicate. Shorter blocks (datelines, bylines) are kept.
    pub dedup_min_chars: usize,
    /// A-P1 option: parentheses around Latin-only content inside Chinese
    /// text become full width (`阿里巴巴(BABA.N)` → `阿里巴巴（BABA.N）`).
    pub fullwidth_latin_parens: bool,
    /// A-Q4 option: unify `「」『』` to `“”‘’`.
    pub unify_corner_quotes: bool,
    /// A-S1b/A-S1c (F-17): `.` after a number or Latin token at the end of
    /// a Chinese sentence becomes `。`. Disable for sci-tech corpora.
    pub period_after_latin: bool,
    /// Minimum join score for the layout repair (B-S decision threshold).
    pub join_threshold: i32,
    /// Hash of the effective configuration, for the summary.
    pub hash: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config::from_file_config(FileConfig::default()).expect("default config is valid")
    }
}

/// The `newsclean.toml` file, as written by the user.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// `[rules]` table.
    #[serde(default)]
    pub rules: RulesSection,
    /// `[dedup]` table.
    #[serde(default)]
    pub dedup: DedupSection,
    /// `[punct]` table.
    #[serde(default)]
    pub punct: PunctSection,
    /// `[layout]` table.
    #[serde(default)]
    pub layout: LayoutSection,
}

/// `[rules]`: switch rules off by id glob.
#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    /// Globs over rule ids to disable, e.g. `["dedup.*", "punct.comma"]`.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Globs over rule ids to enable again after `disable`
    /// (e.g. disable `*`, enable `dedup.*`).
    #[serde(default)]
    pub enable: Vec<String>,
}

/// `[dedup]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct DedupSection {
    /// Minimum key length in characters for a block to be removable.
    #[serde(default = "default_min_chars")]
    pub min_chars: usize,
}

impl Default for DedupSection {
    fn default() -> Self {
        DedupSection {
            min_chars: default_min_chars(),
        }
    }
}

fn default_min_chars() -> usize {
    8
}

/// `[punct]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct PunctSection {
    /// Full-width parentheses around Latin-only content in Chinese context.
    #[serde(default = "yes")]
    pub fullwidth_latin_parens: bool,
    /// Unify corner quotes `「」『』` to `“”‘’`.
    #[serde(default)]
    pub unify_corner_quotes: bool,
    /// `.` → `。` after numbers and Latin tokens at a Chinese sentence end.
    #[serde(default = "yes")]
    pub period_after_latin: bool,
}

impl Default for PunctSection {
    fn default() -> Self {
        PunctSection {
            fullwidth_latin_parens: true,
            unify_corner_quotes: false,
            period_after_latin: true,
        }
    }
}

/// `[layout]`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct LayoutSection {
    /// Join a broken paragraph when its boundary scores at least this.
    #[serde(default = "default_threshold")]
    pub join_threshold: i32,
}

impl Default for LayoutSection {
    fn default() -> Self {
        LayoutSection {
            join_threshold: default_threshold(),
        }
    }
}

fn default_threshold() -> i32 {
    3
}

fn yes() -> bool {
    true
}

/// A configuration error (exit code 64+).
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// `--disable` / `--enable` globs of the command line, applied after the
/// config file's `[rules]` lists (in that order: file disable, file
/// enable, `--disable`, `--enable`).
#[derive(Debug, Default, Clone)]
pub struct CliRules {
    /// `--disable` globs.
    pub disable: Vec<String>,
    /// `--enable` globs.
    pub enable: Vec<String>,
}

/// The config file name looked for beside the inputs and in the current
/// folder.
pub const CONFIG_NAME: &str = "newsclean.toml";

/// Which config file a run uses (see the module doc): `explicit` is
/// `--config`, `none` is `--no-config`. Two inputs whose nearest
/// `newsclean.toml` differ are an error: one run has one set of rules.
pub fn discover_config(
    explicit: Option<&Path>,
    none: bool,
    inputs: &[PathBuf],
    cwd: &Path,
) -> Result<Option<PathBuf>, ConfigError> {
    if let Some(p) = explicit {
        return Ok(Some(p.to_path_buf()));
    }
    if none {
        return Ok(None);
    }
    let mut found: Option<PathBuf> = None;
    for input in inputs {
        let abs = cwd.join(input);
        let start = if abs.is_dir() {
            abs.clone()
        } else {
            abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone())
        };
        let start = start.canonicalize().unwrap_or(start);
        let nearest = start
            .ancestors()
            .map(|d| d.join(CONFIG_NAME))
            .find(|c| c.is_file());
        match (&found, nearest) {
            (None, Some(n)) => found = Some(n),
            (Some(f), Some(n)) if *f != n => {
                return Err(ConfigError(format!(
                    "inputs have different config files ({} and {}); name one with --config or use --no-config",
                    f.display(),
                    n.display()
                )))
            }
            _ => {}
        }
    }
    if found.is_none() {
        let here = cwd.join(CONFIG_NAME);
        if here.is_file() {
            found = Some(here);
        }
    }
    Ok(found)
}

impl Config {
    /// Read and validate `newsclean.toml`.
    pub fn from_path(path: &Path) -> Result<Config, ConfigError> {
        Config::load(Some(path), &CliRules::default())
    }

    /// The config of a run: the file (if any) with the command line's rule
    /// switches applied after its own.
    pub fn load(path: Option<&Path>, cli: &CliRules) -> Result<Config, ConfigError> {
        let Some(path) = path else {
            return Config::from_parts(FileConfig::default(), cli, "config");
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("{}: cannot read config: {e}", path.display())))?;
        let file: FileConfig =
            toml::from_str(&text).map_err(|e| ConfigError(format!("{}: {e}", path.display())))?;
        Config::from_parts(file, cli, &path.display().to_string())
    }

    /// Validate a parsed config file.
    pub fn from_file_config(file: FileConfig) -> Result<Config, ConfigError> {
        Config::from_parts(file, &CliRules::default(), "config")
    }

    /// Validate a parsed config file (named `origin` in errors) plus the
    /// command line's switches.
    fn from_parts(file: FileConfig, cli: &CliRules, origin: &str) -> Result<Config, ConfigError> {
        let all: Vec<&'static str> = rules::all().map(|r| r.id).collect();
        let mut disabled = HashSet::new();
        let in_file = |e: ConfigError| ConfigError(format!("{origin}: {}", e.0));
        for pat in &file.rules.disable {
            for id in matching(pat, &all).map_err(in_file)? {
                disabled.insert(id);
            }
        }
        for pat in &file.rules.enable {
            for id in matching(pat, &all).map_err(in_file)? {
                disabled.remove(id);
            }
        }
        for pat in &cli.disable {
            for id in matching(pat, &all).map_err(|e| ConfigError(format!("--disable: {}", e.0)))? {
                disabled.insert(id);
            }
        }
        for pat in &cli.enable {
            for id in matching(pat, &all).map_err(|e| ConfigError(format!("--enable: {}", e.0)))? {
                disabled.remove(id);
            }
        }
        if file.dedup.min_chars == 0 {
            return Err(in_file(ConfigError(
                "dedup.min_chars must be at least 1".into(),
            )));
        }
        let mut ids: Vec<&str> = disabled.iter().copied().collect();
        ids.sort_unstable();
        let desc = format!(
            "{ids:?}|{}|{}|{}|{}|{}",
            file.dedup.min_chars,
            file.punct.fullwidth_latin_parens,
            file.punct.unify_corner_quotes,
            file.punct.period_after_latin,
            file.layout.join_threshold
        );
        Ok(Config {
            disabled,
            dedup_min_chars: file.dedup.min_chars,
            fullwidth_latin_parens: file.punct.fullwidth_latin_parens,
            unify_corner_quotes: file.punct.unify_corner_quotes,
            period_after_latin: file.punct.period_after_latin,
            join_threshold: file.layout.join_threshold,
            hash: xxhash_rust::xxh3::xxh3_64(desc.as_bytes()),
        })
    }

    /// Is the rule with this id switched on?
    pub fn on(&self, rule: &str) -> bool {
        !self.disabled.contains(rule)
    }

    /// Is any rule of this family (`punct`, `layout`, …) switched on?
    pub fn family_on(&self, family: &str) -> bool {
        rules::all().any(|r| r.id.split('.').next() == Some(family) && self.on(r.id))
    }
}

fn matching(pat: &str, all: &[&'static str]) -> Result<Vec<&'static str>, ConfigError> {
    let glob = globset::Glob::new(pat)
        .map_err(|e| ConfigError(format!("bad rule pattern {pat:?}: {e}")))?
        .compile_matcher();
    let hits: Vec<&'static str> = all.iter().copied().filter(|id| glob.is_match(id)).collect();
    if hits.is_empty() {
        return Err(ConfigError(format!(
            "rule pattern {pat:?} matches no rule id (see `newsclean rules`)"
        )));
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_an_error() {
        assert!(toml::from_str::<FileConfig>("[rules]\ndisabel = []").is_err());
        assert!(toml::from_str::<FileConfig>("[nope]\n").is_err());
    }

    #[test]
    fn disable_by_glob() {
        let f: FileConfig = toml::from_str("[rules]\ndisable = [\"dedup.*\"]").unwrap();
        let c = Config::from_file_config(f).unwrap();
        assert!(!c.on("dedup.paragraph"));
        assert!(c.on("whitespace.trailing"));
    }

    #[test]
    fn pattern_matching_nothing_is_an_error() {
        let f: FileConfig = toml::from_str("[rules]\ndisable = [\"punkt.*\"]").unwrap();
        assert!(Config::from_file_config(f).is_err());
    }
}
