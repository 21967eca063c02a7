//! The command line: the only module that knows clap. Flags named here are a contract
//! (docs/cli.md); renaming one is a breaking change.

use crate::report::gap::GapFormat;
use crate::report::Format;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "ferret",
    version,
    about = "Find leaked secrets and over-broad grants of non-human identities, and hold them against what the security programme claims.",
    after_help = "Exit codes: 0 nothing at or above --fail-on, 1 findings (or, for gap, contradicted claims) at or above --fail-on, 2 usage or runtime error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory) for secrets and
    /// over-broad grants.
    // Boxed: the scan options dwarf the other subcommands.
    Scan(Box<ScanArgs>),
    /// Hold the security programme's claims against the evidence in the code: every claim gets
    /// a verdict, reported figures are set beside measured ones, unclaimed exposure is listed.
    Gap(Box<GapArgs>),
    /// List the non-human identities the code reveals, with where each appears.
    Inventory(Box<InventoryArgs>),
    /// Import or check claims ledgers.
    #[command(subcommand)]
    Claims(ClaimsCommand),
    /// List or check the secret rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// List the grant checks or write their documentation.
    #[command(subcommand)]
    Checks(ChecksCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// The lowest severity that makes the exit code 1, or `none` to never fail on findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
    None,
}

impl FailOn {
    pub fn threshold(self) -> Option<crate::findings::Severity> {
        use crate::findings::Severity;
        match self {
            FailOn::Info => Some(Severity::Info),
            FailOn::Low => Some(Severity::Low),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::High => Some(Severity::High),
            FailOn::Critical => Some(Severity::Critical),
            FailOn::None => None,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output (`-`: standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the report in FORMAT to FILE, from the same scan (repeatable), e.g.
    /// `--emit sarif=out.sarif --emit markdown=summary.md`.
    #[arg(long, value_name = "FORMAT=FILE", value_parser = parse_emit)]
    pub emit: Vec<(Format, PathBuf)>,
    /// When to use colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print raw secret values. Off by default: every format redacts.
    #[arg(long)]
    pub show_secrets: bool,
    /// Do not show a progress bar on standard error.
    #[arg(long)]
    pub no_progress: bool,
}

/// What to scan and how: shared by `scan`, `gap` and `inventory`.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// Files or directories to scan.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Configuration file (default: .ferret.toml in the scanned directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Extra rule file(s), in addition to the built-in rules.
    #[arg(long = "rules", value_name = "FILE")]
    pub rule_files: Vec<PathBuf>,
    /// Turn off a rule or check by id (repeatable).
    #[arg(long = "disable", value_name = "ID")]
    pub disable: Vec<String>,
    /// Leave out paths matching this gitignore-style glob (repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Skip files larger than this (e.g. 10M, 512K). Default 10M.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Stop scanning a file after this long and report it as `timeout` (e.g. 10s, 500ms, 2m;
    /// 0 = no limit). Default 10s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration_secs)]
    pub file_timeout: Option<f64>,
    /// Report at most N findings per file, the first by position; the rest are counted
    /// (0 = no limit).
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub max_findings_per_file: usize,
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Scan files that .gitignore / .ignore / .ferretignore would leave out.
    #[arg(long)]
    pub no_ignore: bool,
    /// Report secrets found in test, fixture and example paths (hidden by default and counted).
    #[arg(long)]
    pub include_tests: bool,
    /// Scan the git history of the repository at PATH: every distinct blob reachable from any
    /// ref (branches, tags, remotes, stash) or HEAD, with provenance for each secret.
    #[arg(long, help_heading = "Git")]
    pub history: bool,
    /// Scan what the next commit would contain: the index content of added and modified files.
    #[arg(long, help_heading = "Git", conflicts_with_all = ["history", "range"])]
    pub staged: bool,
    /// Scan the commits of BASE..HEAD (a pull request or push) and report only secrets that
    /// BASE did not already contain, each with the commit that added it.
    #[arg(
        long,
        value_name = "BASE..HEAD",
        help_heading = "Git",
        conflicts_with = "history"
    )]
    pub range: Option<String>,
    /// With --history: walk only the commits reachable from REF.
    #[arg(long, value_name = "REF", help_heading = "Git", requires = "history")]
    pub branch: Option<String>,
    /// With --history: only blobs introduced by commits from DATE (YYYY-MM-DD, UTC) on.
    #[arg(long, value_name = "DATE", help_heading = "Git", requires = "history",
          value_parser = crate::source::git::date::parse_ymd)]
    pub since: Option<i64>,
    /// Skip git blobs larger than this (e.g. 10M). Default: the --max-file-size limit.
    #[arg(long, value_name = "SIZE", help_heading = "Git", value_parser = parse_size)]
    pub max_blob_size: Option<u64>,
}

impl SourceArgs {
    /// Whether the scan reads git objects rather than the working tree.
    pub fn is_git_scan(&self) -> bool {
        self.history || self.staged || self.range.is_some()
    }
}

#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Lowest severity that fails the run (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOn::Info)]
    pub fail_on: FailOn,
    /// Always exit 0 when the scan itself succeeded (report-only runs, e.g. SARIF upload).
    #[arg(long)]
    pub exit_zero: bool,
    /// A JSON report of an earlier scan (`--format json`): findings with a fingerprint in it
    /// are left out of this report and of the exit code, and counted.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

/// What makes `gap` exit with code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GapFailOn {
    /// Any claim the evidence contradicts (the default).
    Contradicted,
    /// A contradicted claim, or an exception that needs review.
    Review,
    /// Any of the above, or exposure that no claim covers.
    Unclaimed,
    /// Never: report only.
    Never,
}

#[derive(Debug, Clone, Args)]
pub struct GapArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The programme's claims: a ferret ledger, or another tool's state read directly as
    /// TOOL:FILE (ferret, gitleaks, gitleaksignore, detect-secrets, github-alerts, sarif; the
    /// format is detected when TOOL is left out). Repeatable. Default: ferret.claims.yaml in
    /// the scanned directory, if there is one.
    #[arg(long = "claims", value_name = "[TOOL:]FILE")]
    pub claims: Vec<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = GapFormat::Text)]
    pub format: GapFormat,
    /// Write the report to FILE instead of standard output (`-`: standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to use colour in text output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Do not show a progress bar on standard error.
    #[arg(long)]
    pub no_progress: bool,
    /// What makes the exit code 1.
    #[arg(long, value_enum, default_value_t = GapFailOn::Contradicted)]
    pub fail_on: GapFailOn,
    /// Always exit 0 when the run itself succeeded (same as --fail-on never).
    #[arg(long)]
    pub exit_zero: bool,
    /// Do not read other tools' suppression comments (gitleaks:allow, nosec, …) as claims.
    #[arg(long)]
    pub no_inline_claims: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Write the inventory to FILE instead of standard output (`-`: standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Do not show a progress bar on standard error.
    #[arg(long)]
    pub no_progress: bool,
}

/// Formats `claims import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFrom {
    Gitleaks,
    Gitleaksignore,
    DetectSecrets,
    GithubAlerts,
    Sarif,
}

impl ImportFrom {
    pub fn format(self) -> crate::claims::import::Format {
        use crate::claims::import::Format;
        match self {
            ImportFrom::Gitleaks => Format::Gitleaks,
            ImportFrom::Gitleaksignore => Format::Gitleaksignore,
            ImportFrom::DetectSecrets => Format::DetectSecrets,
            ImportFrom::GithubAlerts => Format::GithubAlerts,
            ImportFrom::Sarif => Format::Sarif,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ClaimsCommand {
    /// Turn another tool's state into a ferret claims ledger (printed as YAML).
    Import {
        /// The tool whose file FILE is.
        #[arg(long, value_enum)]
        from: ImportFrom,
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Write the ledger to OUT instead of standard output (`-`: standard output).
        #[arg(long, short = 'o', value_name = "OUT")]
        output: Option<PathBuf>,
    },
    /// Validate claims ledgers: every problem with file, line and field.
    Check {
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the secret rules.
    List {
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Extra rule file(s) to include.
        #[arg(long = "rules", value_name = "FILE")]
        rule_files: Vec<PathBuf>,
    },
    /// Validate rules and run their examples (built-in rules, plus FILEs if given).
    Check {
        /// Rule files to check in addition to the built-in rules.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// List the grant checks.
    List {
        #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Write one Markdown page per check, and an index, into a directory.
    Docs {
        #[arg(long, value_name = "DIR", default_value = "docs/checks")]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}

/// `FORMAT=FILE` for `--emit`.
pub fn parse_emit(s: &str) -> Result<(Format, PathBuf), String> {
    let (name, file) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=FILE, got {s:?}"))?;
    let format = Format::from_str(name.trim(), true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        format!("unknown format {name:?} (one of: {})", names.join(", "))
    })?;
    if file.is_empty() {
        return Err(format!("no file after {name}="));
    }
    Ok((format, PathBuf::from(file)))
}

/// Sizes like `10M`, `512K`, `1G` or plain bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&s[..s.len() - 1], 1 << 20),
        Some('g' | 'G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("invalid size {s:?} (use e.g. 10M, 512K or a byte count)"))
}

/// Durations like `10s`, `500ms`, `2m` or plain seconds (`1.5`), as seconds.
pub fn parse_duration_secs(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else {
        (t, 1.0)
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .map(|n| n * scale)
        .filter(|v| v.is_finite() && (0.0..=1e6).contains(v))
        .ok_or_else(|| format!("invalid duration {s:?} (use e.g. 10s, 500ms, 2m; 0 = no limit)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_secs("10s"), Ok(10.0));
        assert_eq!(parse_duration_secs("500ms"), Ok(0.5));
        assert_eq!(parse_duration_secs("2m"), Ok(120.0));
        assert_eq!(parse_duration_secs("1.5"), Ok(1.5));
        assert_eq!(parse_duration_secs("0"), Ok(0.0));
        for bad in ["-1s", "NaN", "inf", "soon", ""] {
            assert!(parse_duration_secs(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10M"), Ok(10 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("77"), Ok(77));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn emit_pairs() {
        assert_eq!(
            parse_emit("sarif=out/x.sarif"),
            Ok((Format::Sarif, PathBuf::from("out/x.sarif")))
        );
        assert_eq!(
            parse_emit("Markdown=a=b.md"),
            Ok((Format::Markdown, PathBuf::from("a=b.md")))
        );
        assert!(parse_emit("sarif").is_err());
        assert!(parse_emit("sarif=").is_err());
        assert!(parse_emit("pdf=x").unwrap_err().contains("github"));
    }

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
