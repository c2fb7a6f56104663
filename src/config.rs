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
//! resolved once against the rule registry into a set of disabled
//! [`RuleId`]s, so rules ask a cheap question per edit; a pattern that
//! matches no rule is an error, and [`Config::on`] takes only rule ids.
//!
//! A [`Config`] serialises (serde, both ways: a worker receives the
//! config of the run) as its settings; [`Config::hash`] is the hash of
//! that serialised form, so every setting is in it.
//!
//! The config depends on the rule registry only (`crate::rules`), never on
//! a rule stage: the settings of the near-duplicate engine
//! ([`NearConfig`], [`NearMode`]) are defined here, and the stages read
//! the config.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::rules::{self, AsRuleId, RuleId};

/// Everything the pure cleaning core needs to know.
///
/// Serialised as [`Settings`] (the hash is not sent: it is computed again
/// from the settings received).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Settings", into = "Settings")]
pub struct Config {
    disabled: BTreeSet<RuleId>,
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
    /// `[dedup.near]`: the near-duplicate engine (issue 16).
    pub near: NearConfig,
    /// `[dedup] near_paragraph`: flag or remove near-identical paragraphs.
    pub near_paragraph: NearMode,
    /// `[dedup] scope`, `long_chars`, `passage_blocks`: which repeats
    /// across documents are duplicates.
    pub scope: ScopeRules,
    /// Hash of the effective configuration, for the summary: xxh3 of the
    /// JSON of its [`Settings`].
    pub hash: u64,
}

/// The serialised form of a [`Config`]: every setting, no hash. A field
/// added to `Config` must be added here too (the conversion below takes
/// `Config` apart field by field, so it does not compile otherwise), and
/// then it is in the hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Rules switched off, in id order.
    pub disabled: BTreeSet<RuleId>,
    /// [`Config::dedup_min_chars`].
    pub dedup_min_chars: usize,
    /// [`Config::fullwidth_latin_parens`].
    pub fullwidth_latin_parens: bool,
    /// [`Config::unify_corner_quotes`].
    pub unify_corner_quotes: bool,
    /// [`Config::period_after_latin`].
    pub period_after_latin: bool,
    /// [`Config::join_threshold`].
    pub join_threshold: i32,
    /// [`Config::near`].
    #[serde(default)]
    pub near: NearConfig,
    /// [`Config::near_paragraph`].
    #[serde(default)]
    pub near_paragraph: NearMode,
    /// [`Config::scope`].
    #[serde(default)]
    pub scope: ScopeRules,
}

impl From<Config> for Settings {
    fn from(c: Config) -> Settings {
        let Config {
            disabled,
            dedup_min_chars,
            fullwidth_latin_parens,
            unify_corner_quotes,
            period_after_latin,
            join_threshold,
            near,
            near_paragraph,
            scope,
            hash: _,
        } = c;
        Settings {
            disabled,
            dedup_min_chars,
            fullwidth_latin_parens,
            unify_corner_quotes,
            period_after_latin,
            join_threshold,
            near,
            near_paragraph,
            scope,
        }
    }
}

impl TryFrom<Settings> for Config {
    type Error = ConfigError;

    /// Validate the settings and hash them.
    fn try_from(s: Settings) -> Result<Config, ConfigError> {
        if s.dedup_min_chars == 0 {
            return Err(ConfigError("dedup.min_chars must be at least 1".into()));
        }
        s.near.validate().map_err(ConfigError)?;
        s.scope.validate().map_err(ConfigError)?;
        let json = serde_json::to_vec(&s).expect("settings serialise");
        Ok(Config {
            hash: xxhash_rust::xxh3::xxh3_64(&json),
            disabled: s.disabled,
            dedup_min_chars: s.dedup_min_chars,
            fullwidth_latin_parens: s.fullwidth_latin_parens,
            unify_corner_quotes: s.unify_corner_quotes,
            period_after_latin: s.period_after_latin,
            join_threshold: s.join_threshold,
            near: s.near,
            near_paragraph: s.near_paragraph,
            scope: s.scope,
        })
    }
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
    /// Near-identical paragraphs: `"flag"` (default) or `"remove"`.
    #[serde(default)]
    pub near_paragraph: NearMode,
    /// `[dedup.near]`.
    #[serde(default)]
    pub near: NearConfig,
    /// Which repeats across documents are duplicates: `"passage"`
    /// (default) or `"all"`.
    #[serde(default)]
    pub scope: Scope,
    /// `scope = "passage"`: a repeated block of at least this many key
    /// characters is a duplicate on its own.
    #[serde(default = "default_long_chars")]
    pub long_chars: u32,
    /// `scope = "passage"`: a run of at least this many consecutive
    /// repeated paragraphs is a copied passage, removed whole.
    #[serde(default = "default_passage_blocks")]
    pub passage_blocks: u32,
    /// `scope = "passage"`: a repeated block goes from the `N`-th document
    /// that has it on (boilerplate); 0: never for that reason.
    #[serde(default = "default_many_documents")]
    pub many_documents: u32,
}

impl Default for DedupSection {
    fn default() -> Self {
        DedupSection {
            min_chars: default_min_chars(),
            near_paragraph: Default::default(),
            near: Default::default(),
            scope: Scope::default(),
            long_chars: default_long_chars(),
            passage_blocks: default_passage_blocks(),
            many_documents: default_many_documents(),
        }
    }
}

/// `[dedup] scope`: which repeats of a block in *another* document are
/// duplicates (within one document every repeat is one, whatever the
/// scope). See `stage/resolve.rs`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every repeat of a kept block, however short and wherever it is.
    All,
    /// Only a long block (`long_chars`) or one of a run of at least
    /// `passage_blocks` consecutive repeated lines (a one-line
    /// paragraph is a line; a copied passage): a formulaic sentence another article also has stays.
    #[default]
    Passage,
}

/// The scope with its thresholds, as the config holds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeRules {
    /// `[dedup] scope`.
    pub scope: Scope,
    /// `[dedup] long_chars`.
    pub long_chars: u32,
    /// `[dedup] passage_blocks`.
    pub passage_blocks: u32,
    /// `[dedup] many_documents` (0: off). Left out of the serialised
    /// settings when 0, so that configs without it keep their hash.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub many_documents: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Default for ScopeRules {
    fn default() -> Self {
        ScopeRules {
            scope: Scope::default(),
            long_chars: default_long_chars(),
            passage_blocks: default_passage_blocks(),
            many_documents: default_many_documents(),
        }
    }
}

impl ScopeRules {
    fn validate(&self) -> Result<(), String> {
        if self.long_chars == 0 {
            return Err("dedup.long_chars must be at least 1".into());
        }
        if self.passage_blocks < 2 {
            return Err(
                "dedup.passage_blocks must be at least 2 (1 would be scope = \"all\")".into(),
            );
        }
        if matches!(self.many_documents, 1 | 2) {
            return Err(
                "dedup.many_documents must be 0 (off) or at least 3 (2 would be scope = \"all\")"
                    .into(),
            );
        }
        Ok(())
    }
}

fn default_long_chars() -> u32 {
    100
}

fn default_passage_blocks() -> u32 {
    3
}

fn default_many_documents() -> u32 {
    10
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
        let all: Vec<RuleId> = rules::all().map(|r| RuleId::new(r.id)).collect();
        let mut disabled = BTreeSet::new();
        let in_file = |e: ConfigError| ConfigError(format!("{origin}: {}", e.0));
        for pat in &file.rules.disable {
            disabled.extend(matching(pat, &all).map_err(in_file)?);
        }
        for pat in &file.rules.enable {
            for id in matching(pat, &all).map_err(in_file)? {
                disabled.remove(&id);
            }
        }
        for pat in &cli.disable {
            disabled.extend(
                matching(pat, &all).map_err(|e| ConfigError(format!("--disable: {}", e.0)))?,
            );
        }
        for pat in &cli.enable {
            for id in matching(pat, &all).map_err(|e| ConfigError(format!("--enable: {}", e.0)))? {
                disabled.remove(&id);
            }
        }
        Config::try_from(Settings {
            disabled,
            dedup_min_chars: file.dedup.min_chars,
            fullwidth_latin_parens: file.punct.fullwidth_latin_parens,
            unify_corner_quotes: file.punct.unify_corner_quotes,
            period_after_latin: file.punct.period_after_latin,
            join_threshold: file.layout.join_threshold,
            near: file.dedup.near,
            near_paragraph: file.dedup.near_paragraph,
            scope: ScopeRules {
                scope: file.dedup.scope,
                long_chars: file.dedup.long_chars,
                passage_blocks: file.dedup.passage_blocks,
                many_documents: file.dedup.many_documents,
            },
        })
        .map_err(in_file)
    }

    /// The default config with every rule off but `rule` (its settings as
    /// by default): what a rule does on its own.
    pub fn only(rule: RuleId) -> Config {
        let mut s = Settings::from(Config::default());
        s.disabled = rules::all()
            .map(|r| RuleId::new(r.id))
            .filter(|&id| id != rule)
            .collect();
        Config::try_from(s).expect("the default settings are valid")
    }

    /// Is this rule switched on? `rule` is a [`RuleId`] or an id string;
    /// a string that names no rule panics (see [`AsRuleId`]).
    pub fn on(&self, rule: impl AsRuleId) -> bool {
        !self.disabled.contains(&rule.rule_id())
    }

    /// Is any rule of this family (`punct`, `layout`, …) switched on?
    /// Panics on a name that is not a family ([`rules::FAMILIES`]).
    pub fn family_on(&self, family: &str) -> bool {
        assert!(
            rules::FAMILIES.contains(&family),
            "{family:?} is not a rule family ({:?})",
            rules::FAMILIES
        );
        rules::all().any(|r| r.id.split('.').next() == Some(family) && self.on(r.id))
    }

    /// The rules switched off, in id order.
    pub fn disabled(&self) -> impl Iterator<Item = RuleId> + '_ {
        self.disabled.iter().copied()
    }
}

fn matching(pat: &str, all: &[RuleId]) -> Result<Vec<RuleId>, ConfigError> {
    let glob = globset::Glob::new(pat)
        .map_err(|e| ConfigError(format!("bad rule pattern {pat:?}: {e}")))?
        .compile_matcher();
    let hits: Vec<RuleId> = all
        .iter()
        .copied()
        .filter(|id| glob.is_match(id.as_str()))
        .collect();
    if hits.is_empty() {
        return Err(ConfigError(format!(
            "rule pattern {pat:?} matches no rule id (see `newsclean rules`)"
        )));
    }
    Ok(hits)
}

// ---------------------------------------------------------------------------
// `[dedup.near]`: the settings of the near-duplicate engine (`crate::near`),
// here so that the config depends on no rule stage.

/// Longest `ngram` accepted.
pub const MAX_NGRAM: usize = 16;
/// Most rows a band may have.
pub const MAX_ROWS: usize = 64;

/// What `[dedup] near_paragraph` does with a near-identical paragraph.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NearMode {
    /// A review flag; the text is untouched.
    #[default]
    Flag,
    /// Removed (when contained in the kept one, not longer, no changed
    /// figure).
    Remove,
}

/// `[dedup.near]`: the settings of the engine.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NearConfig {
    /// Near-duplicate detection on (both rules can also be disabled by id).
    pub enabled: bool,
    /// Verified Jaccard similarity of the shingle sets at which two copies
    /// are near-identical.
    pub threshold: f32,
    /// Tokens per shingle.
    pub ngram: u32,
    /// MinHash permutations.
    pub permutations: u32,
    /// LSH bands of paragraph signatures (of `permutations / bands` rows).
    pub bands: u32,
    /// Verified similarity at which a document below `threshold` is still
    /// flagged as a near copy (a review flag, never a removal): an edited
    /// copy with a paragraph added or rewritten. Above `threshold`, it is
    /// `threshold`.
    pub flag_threshold: f32,
    /// LSH bands of document signatures (of `permutations /
    /// document_bands` rows): more, shorter bands than the paragraphs'
    /// so that copies near `flag_threshold` become candidates.
    pub document_bands: u32,
    /// With `--index`: how many of the latest earlier runs' documents are
    /// near candidates (their signatures are held in memory; 0: none).
    /// Exact keys are looked up in every run whatever this is.
    pub index_runs: u32,
}

impl Eq for NearConfig {}

impl Default for NearConfig {
    fn default() -> Self {
        NearConfig {
            enabled: true,
            threshold: 0.8,
            ngram: 5,
            permutations: 128,
            bands: 32,
            flag_threshold: 0.5,
            document_bands: 32,
            index_runs: 7,
        }
    }
}

impl NearConfig {
    /// Check the values; the error names the key.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0) {
            return Err(format!(
                "dedup.near.threshold must be in (0, 1], not {}",
                self.threshold
            ));
        }
        if self.ngram == 0 || self.ngram as usize > MAX_NGRAM {
            return Err(format!(
                "dedup.near.ngram must be 1..={MAX_NGRAM}, not {}",
                self.ngram
            ));
        }
        if self.permutations == 0 || self.permutations > 1024 {
            return Err(format!(
                "dedup.near.permutations must be 1..=1024, not {}",
                self.permutations
            ));
        }
        for (key, bands) in [
            ("bands", self.bands),
            ("document_bands", self.document_bands),
        ] {
            let rows = self.permutations.checked_div(bands).unwrap_or(0);
            if bands == 0 || rows == 0 || rows as usize > MAX_ROWS {
                return Err(format!(
                    "dedup.near.{key} must be 1..=permutations with at most {MAX_ROWS} rows a band, not {bands} (of {} permutations)",
                    self.permutations
                ));
            }
        }
        if !(self.flag_threshold > 0.0 && self.flag_threshold <= 1.0) {
            return Err(format!(
                "dedup.near.flag_threshold must be in (0, 1], not {}",
                self.flag_threshold
            ));
        }
        Ok(())
    }
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
    fn scope_is_a_setting_in_the_hash_and_checked() {
        let d = Config::default();
        assert_eq!(d.scope.scope, Scope::Passage);
        assert_eq!((d.scope.long_chars, d.scope.passage_blocks), (100, 3));
        let parse = |t: &str| Config::from_file_config(toml::from_str(t).unwrap());
        let all = parse("[dedup]\nscope = \"all\"\n").unwrap();
        assert_eq!(all.scope.scope, Scope::All);
        assert_ne!(all.hash, d.hash, "the scope changes the config hash");
        let long = parse("[dedup]\nlong_chars = 80\n").unwrap();
        assert_ne!(long.hash, d.hash);
        assert!(toml::from_str::<FileConfig>("[dedup]\nscope = \"some\"\n").is_err());
        let e = parse("[dedup]\npassage_blocks = 1\n").unwrap_err();
        assert!(e.0.contains("passage_blocks must be at least 2"), "{e:?}");
        // A worker receives the scope with the config.
        let back: Config = serde_json::from_str(&serde_json::to_string(&long).unwrap()).unwrap();
        assert_eq!(back, long);
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

    #[test]
    fn a_misspelt_id_is_refused_everywhere() {
        // config file and command line
        let f: FileConfig = toml::from_str("[rules]\ndisable = [\"punct.coma\"]").unwrap();
        let e = Config::from_file_config(f).unwrap_err();
        assert!(e.0.contains("\"punct.coma\" matches no rule id"), "{e}");
        let cli = CliRules {
            disable: vec!["dedup.paragraf".into()],
            enable: vec![],
        };
        let e = Config::load(None, &cli).unwrap_err();
        assert!(
            e.0.starts_with("--disable: rule pattern \"dedup.paragraf\""),
            "{e}"
        );
        let cli = CliRules {
            disable: vec![],
            enable: vec!["layout.x*".into()],
        };
        assert!(Config::load(None, &cli)
            .unwrap_err()
            .0
            .starts_with("--enable: "));
        // cfg.on
        let c = Config::default();
        assert!(c.on("punct.comma") && c.on(crate::rule_id!("punct.comma")));
        let e = std::panic::catch_unwind(|| c.on("punct.coma")).unwrap_err();
        assert!(e
            .downcast_ref::<String>()
            .unwrap()
            .contains("\"punct.coma\" is not a rule id"));
        assert!(std::panic::catch_unwind(|| c.family_on("punkt")).is_err());
        // a serialised config
        let bad = r#"{"disabled":["punct.coma"],"dedup_min_chars":8,"fullwidth_latin_parens":true,"unify_corner_quotes":false,"period_after_latin":true,"join_threshold":3}"#;
        let e = serde_json::from_str::<Config>(bad).unwrap_err();
        assert!(
            e.to_string().contains("\"punct.coma\" is not a rule id"),
            "{e}"
        );
    }

    #[test]
    fn serialises_both_ways() {
        let f: FileConfig = toml::from_str(
            "[rules]\ndisable = [\"dedup.*\", \"layout.echo\"]\n[layout]\njoin_threshold = 5\n",
        )
        .unwrap();
        let c = Config::from_file_config(f).unwrap();
        let json = serde_json::to_string(&c).unwrap();
        let back: Config = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.hash, c.hash);
        assert!(
            !back.on("dedup.line") && !back.on("layout.echo") && back.on("layout.paragraph-break")
        );
        assert_eq!(back.join_threshold, 5);
        // the hash is not part of the serialised form
        assert!(!json.contains("hash"), "{json}");
        let e = serde_json::from_str::<Config>(
            &json.replace("\"dedup_min_chars\":8", "\"dedup_min_chars\":0"),
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("dedup.min_chars must be at least 1"),
            "{e}"
        );
    }

    /// Every field of the serialised config, changed, changes the hash:
    /// the fields are read from the serialised form, so a new setting is
    /// covered without touching this test.
    #[test]
    fn changing_any_field_changes_the_hash() {
        let base = Config::default();
        let serde_json::Value::Object(fields) = serde_json::to_value(&base).unwrap() else {
            panic!("a config serialises as an object");
        };
        assert!(fields.len() >= 6, "{fields:?}");
        let mut hashes = std::collections::HashSet::from([base.hash]);
        for (key, value) in &fields {
            let change = |key: &str, value: &serde_json::Value| match value {
                serde_json::Value::Bool(b) => serde_json::Value::Bool(!b),
                serde_json::Value::Number(n) => match n.as_i64() {
                    Some(i) => (i + 1).into(),
                    None => (n.as_f64().unwrap() / 2.0).into(),
                },
                serde_json::Value::String(s) if s == "flag" => "remove".into(),
                serde_json::Value::String(s) if s == "passage" => "all".into(),
                serde_json::Value::Array(a) if a.is_empty() => vec!["punct.comma"].into(),
                serde_json::Value::Array(a) => a[1..].to_vec().into(),
                other => panic!("{key}: no change written for {other}"),
            };
            // A table (`near`): each of its fields in turn.
            let changes: Vec<(String, serde_json::Value)> = match value {
                serde_json::Value::Object(inner) => inner
                    .iter()
                    .map(|(k, v)| {
                        let mut t = inner.clone();
                        t.insert(k.clone(), change(k, v));
                        (format!("{key}.{k}"), t.into())
                    })
                    .collect(),
                v => vec![(key.clone(), change(key, v))],
            };
            for (name, changed) in changes {
                let mut f = fields.clone();
                f.insert(key.clone(), changed);
                let c: Config = serde_json::from_value(serde_json::Value::Object(f)).unwrap();
                assert_ne!(c, base, "{name}");
                assert!(
                    hashes.insert(c.hash),
                    "{name}: changing it leaves the hash as it was"
                );
            }
        }
        // a second rule disabled changes it again; the same settings hash the same
        let two = CliRules {
            disable: vec!["punct.comma".into(), "punct.period".into()],
            enable: vec![],
        };
        let c2 = Config::load(None, &two).unwrap();
        assert!(hashes.insert(c2.hash));
        assert_eq!(Config::load(None, &two).unwrap().hash, c2.hash);
        assert_eq!(Config::default().hash, base.hash);
    }
}
