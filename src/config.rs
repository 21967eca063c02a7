//! The project configuration file, `.ferret.toml`, read from the scan root (or `--config FILE`).
//! Documented in `docs/config.md`. Unknown keys are errors: a typo must not silently turn a
//! setting off.

use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const DEFAULT_CONFIG_NAME: &str = ".ferret.toml";
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub rules: RulesConfig,
    #[serde(default)]
    pub checks: ChecksConfig,
    #[serde(default)]
    pub scan: ScanConfig,
    #[serde(default)]
    pub allowlist: AllowlistConfig,
    /// Where the file was read from, for messages. Not a key of the file.
    #[serde(skip)]
    pub origin: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesConfig {
    /// Extra rule files, relative to the config file.
    #[serde(default)]
    pub extra: Vec<PathBuf>,
    /// Rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecksConfig {
    /// Grant check ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// Severity overrides: check id → severity.
    #[serde(default)]
    pub severity: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanConfig {
    /// Gitignore-style globs of paths to leave out.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Files larger than this many bytes are skipped and counted.
    #[serde(default)]
    pub max_file_size: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistConfig {
    /// Regexes: a secret matching one is not reported.
    #[serde(default)]
    pub regexes: Vec<String>,
    /// Gitignore-style globs: findings in matching paths are not reported.
    #[serde(default)]
    pub paths: Vec<String>,
}

impl Config {
    /// Read a config file. Errors name the file and, for syntax errors, the position.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read config: {e}", path.display()))?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, origin: &Path) -> anyhow::Result<Config> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "{}: invalid config: {}",
                origin.display(),
                e.to_string().trim()
            )
        })?;
        cfg.origin = Some(origin.to_path_buf());
        for r in &cfg.allowlist.regexes {
            regex::bytes::Regex::new(r)
                .map_err(|e| anyhow::anyhow!("{}: allowlist regex {r:?}: {e}", origin.display()))?;
        }
        for (id, sev) in &cfg.checks.severity {
            if crate::findings::Severity::parse(sev).is_none() {
                anyhow::bail!(
                    "{}: checks.severity.{id}: unknown severity {sev:?}",
                    origin.display()
                );
            }
        }
        Ok(cfg)
    }

    /// The config for a scan root: `explicit` if given, else `<root>/.ferret.toml` if present.
    pub fn discover(explicit: Option<&Path>, root: &Path) -> anyhow::Result<Config> {
        if let Some(p) = explicit {
            return Self::load(p);
        }
        if root.is_dir() {
            let candidate = root.join(DEFAULT_CONFIG_NAME);
            return if candidate.is_file() {
                Self::load(&candidate)
            } else {
                Ok(Config::default())
            };
        }
        // A file (e.g. one of the files a pre-commit hook passes): the project's config is in
        // the nearest directory above it that has one, up to the repository root.
        let parent = root.parent().filter(|p| !p.as_os_str().is_empty());
        let start = parent.unwrap_or(Path::new("."));
        let Ok(start) = start.canonicalize() else {
            return Ok(Config::default());
        };
        for dir in start.ancestors() {
            let candidate = dir.join(DEFAULT_CONFIG_NAME);
            if candidate.is_file() {
                return Self::load(&candidate);
            }
            if dir.join(".git").exists() {
                break;
            }
        }
        Ok(Config::default())
    }

    /// Extra rule files resolved relative to the config file's directory.
    pub fn extra_rule_files(&self) -> Vec<PathBuf> {
        let base = self
            .origin
            .as_ref()
            .and_then(|o| o.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        self.rules.extra.iter().map(|p| base.join(p)).collect()
    }

    pub fn allow_secret_regexes(&self) -> Vec<regex::bytes::Regex> {
        self.allowlist
            .regexes
            .iter()
            .filter_map(|r| regex::bytes::Regex::new(r).ok())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_unknown_keys() {
        let c = Config::parse(
            "[rules]\ndisable=[\"a\"]\n[scan]\nexclude=[\"vendor/**\"]\nmax_file_size=5\n",
            Path::new("x.toml"),
        )
        .unwrap();
        assert_eq!(c.rules.disable, vec!["a"]);
        assert_eq!(c.scan.max_file_size, Some(5));
        let e = Config::parse("[scan]\nexclud=[]\n", Path::new("x.toml")).unwrap_err();
        assert!(e.to_string().contains("x.toml"), "{e}");
        assert!(e.to_string().contains("exclud"), "{e}");
    }

    #[test]
    fn a_file_finds_the_config_above_it_within_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("src/deep")).unwrap();
        std::fs::write(repo.join("src/deep/a.env"), "x").unwrap();
        std::fs::write(repo.join(".ferret.toml"), "[rules]\ndisable=[\"r1\"]\n").unwrap();
        let c = Config::discover(None, &repo.join("src/deep/a.env")).unwrap();
        assert_eq!(c.rules.disable, vec!["r1"]);
        // Not beyond the repository root.
        std::fs::write(
            dir.path().join(".ferret.toml"),
            "[rules]\ndisable=[\"outer\"]\n",
        )
        .unwrap();
        std::fs::remove_file(repo.join(".ferret.toml")).unwrap();
        let c = Config::discover(None, &repo.join("src/deep/a.env")).unwrap();
        assert!(c.rules.disable.is_empty());
    }

    #[test]
    fn rejects_bad_allowlist_regex() {
        let e = Config::parse("[allowlist]\nregexes=[\"(\"]\n", Path::new("c.toml")).unwrap_err();
        assert!(e.to_string().contains("allowlist"));
    }
}
