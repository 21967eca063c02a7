//! Wires sources → detectors → reports and decides the exit code. The only place (with
//! `main`) that prints.

mod gap;

use crate::checks::{self, GrantScanner};
use crate::cli::{
    ChecksCommand, ClaimsCommand, Cli, ColorChoice, Command, ListFormat, OutputArgs, RulesCommand,
    ScanArgs, SourceArgs,
};
use crate::config::{Config, DEFAULT_FILE_TIMEOUT_SECS, DEFAULT_MAX_FILE_SIZE};
use crate::detect::{check_examples, Engine, EngineOptions};
use crate::findings::Finding;
use crate::report::{self, Report, RuleInfo};
use crate::rules::RuleSet;
use crate::source::{fs as fsrc, git as gitsrc, ContentScanner, ScanStats, SkipReason, Summary};
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Exit codes (docs/cli.md).
pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

pub fn run(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Scan(args) => scan(&args),
        Command::Gap(args) => gap::gap(&args),
        Command::Inventory(args) => gap::inventory(&args),
        Command::Claims(ClaimsCommand::Import { from, file, output }) => {
            gap::claims_import(from, &file, output.as_deref())
        }
        Command::Claims(ClaimsCommand::Check { files }) => gap::claims_check(&files),
        Command::Rules(RulesCommand::List { format, rule_files }) => {
            rules_list(format, &rule_files)
        }
        Command::Rules(RulesCommand::Check { files }) => rules_check(&files),
        Command::Checks(ChecksCommand::List { format }) => checks_list(format),
        Command::Checks(ChecksCommand::Docs { out }) => checks_docs(&out),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // Messages can span lines (one per rule problem); each line is made printable.
            let text = format!("{e:#}");
            let lines: Vec<_> = text.lines().map(crate::report::printable).collect();
            eprintln!("ferret: error: {}", lines.join("\n"));
            EXIT_ERROR
        }
    }
}

/// The secret engine and the grant checks over one file's content, so one walk reports both.
pub struct Detectors {
    pub engine: Engine,
    pub grants: GrantScanner,
    /// Time budget per file for the secret engine (`--file-timeout`); `None` for no limit.
    pub file_budget: Option<Duration>,
}

impl Detectors {
    /// When a scan of one file starting now must stop (`--file-timeout`).
    fn deadline(&self) -> Option<Instant> {
        self.file_budget.map(|b| Instant::now() + b)
    }

    /// The secret engine within the file's time budget and findings cap; a file that hits
    /// either is reported, with the findings found up to then.
    /// Also every secret span the engine matched, for the grant findings' excerpts.
    fn secrets(
        &self,
        path: &str,
        bytes: &[u8],
        stats: &ScanStats,
    ) -> (Vec<Finding>, Vec<(usize, usize)>) {
        let scan = self.engine.scan_until(path, bytes, self.deadline());
        if scan.timed_out {
            stats.skip(
                path,
                SkipReason::Timeout,
                format!(
                    "scan stopped at its {} budget (--file-timeout); the {} finding(s) up to then are reported",
                    budget_text(self.file_budget.unwrap_or_default()),
                    scan.findings.len()
                ),
            );
        }
        if scan.unreported > 0 {
            stats.skip(
                path,
                SkipReason::FindingLimit,
                format!(
                    "{} findings; the first {} by position are reported (--max-findings-per-file)",
                    scan.findings.len() + scan.unreported,
                    scan.findings.len()
                ),
            );
        }
        (scan.findings, scan.secret_spans)
    }
}

impl ContentScanner for Detectors {
    fn scan_content(&self, path: &str, bytes: &[u8], stats: &ScanStats) -> Vec<Finding> {
        let (mut found, spans) = self.secrets(path, bytes, stats);
        found.extend(self.grants.scan(path, bytes, stats, &|| spans.clone()));
        found
    }

    /// Secret matches are local: only the changed lines (with the context the git source adds)
    /// need the engine. Grant checks parse the whole document.
    fn scan_changed(
        &self,
        path: &str,
        bytes: &[u8],
        changed: std::ops::Range<usize>,
        lines_before: u32,
        stats: &ScanStats,
    ) -> Vec<Finding> {
        let (mut found, _) = self.secrets(path, &bytes[changed.clone()], stats);
        crate::source::shift_lines(&mut found, lines_before);
        // Excerpts mask every secret of the content, and a copy on a changed line of a secret
        // written outside them is masked only when the engine reads it all: so the changed
        // lines that hold findings (rare) are reported from a scan of the whole content. Grant
        // findings can point at any line: their excerpts need that scan's secrets too.
        let whole = std::cell::OnceCell::new();
        let whole_scan =
            || whole.get_or_init(|| self.engine.scan_until(path, bytes, self.deadline()));
        if !found.is_empty() {
            let scan = whole_scan();
            // Unless that scan stopped early (time budget, findings cap): the window's own
            // findings are then the complete ones.
            if !scan.timed_out && scan.unreported == 0 {
                let lines = changed_lines(&bytes[changed]);
                let window = lines_before + 1..=lines_before + lines;
                found = scan
                    .findings
                    .iter()
                    .filter(|f| window.contains(&f.location.line))
                    .cloned()
                    .collect();
            }
        }
        let whole_content_secrets = || whole_scan().secret_spans.clone();
        found.extend(self.grants.scan(path, bytes, stats, &whole_content_secrets));
        found
    }
}

/// Lines in a region of whole lines (the last may lack its line break).
fn changed_lines(region: &[u8]) -> u32 {
    let breaks = memchr::memchr_iter(b'\n', region).count();
    let unterminated = !region.is_empty() && !region.ends_with(b"\n");
    (breaks + usize::from(unterminated)) as u32
}

/// Report descriptions of the grant checks (SARIF rule descriptors, `checks list`).
pub fn check_infos() -> Vec<RuleInfo> {
    checks::registry()
        .iter()
        .map(|c| {
            let i = c.info();
            RuleInfo {
                id: i.id.to_string(),
                kind: crate::findings::Kind::Grant,
                name: i.name.to_string(),
                description: checks::summary(i),
                severity: i.severity,
                confidence: i.confidence,
                tags: i.tags.iter().map(|t| t.to_string()).collect(),
                references: Vec::new(),
                help_markdown: checks::doc_markdown(i),
            }
        })
        .collect()
}

/// Built-in rules, plus the config's and the command line's rule files, minus disabled ids.
pub fn load_rules(
    config: &Config,
    extra: &[PathBuf],
    disable: &[String],
) -> anyhow::Result<(RuleSet, Vec<String>)> {
    load_rules_from(&ConfigFiles::Disk, config, extra, disable, &mut Vec::new())
}

/// Where the scan's own configuration files (config, rule files) are read from.
pub enum ConfigFiles {
    Disk,
    /// A range scan: files inside the repository are read as they are at the range's base, so
    /// the range cannot change how it is itself scanned (see `source::git::base`).
    RangeBase(gitsrc::base::BaseReader),
}

impl ConfigFiles {
    /// The text of a configuration file; `None` when there is none. A file the range changes
    /// is read at the base and noted in `notes`.
    fn read(&self, path: &Path, notes: &mut Vec<String>) -> anyhow::Result<Option<String>> {
        self.read_bytes(path, notes)?
            .map(|b| {
                String::from_utf8(b)
                    .map_err(|_| anyhow::anyhow!("{}: not valid UTF-8", path.display()))
            })
            .transpose()
    }

    /// [`ConfigFiles::read`] for any content (claims files may be JSON of any encoding).
    fn read_bytes(&self, path: &Path, notes: &mut Vec<String>) -> anyhow::Result<Option<Vec<u8>>> {
        let from_disk = || match std::fs::read(path) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("{}: cannot read: {e}", path.display())),
        };
        let ConfigFiles::RangeBase(reader) = self else {
            return from_disk();
        };
        match reader.read(path)? {
            gitsrc::base::BaseRead::Outside => from_disk(),
            gitsrc::base::BaseRead::Inside {
                repo_path,
                base,
                changed,
            } => {
                if changed {
                    notes.push(if base.is_some() {
                        format!("{repo_path} is changed by the scanned range: its version at the range's base is used (the change takes effect once merged)")
                    } else {
                        format!("{repo_path} is added by the scanned range: it is not used (it takes effect once merged)")
                    });
                }
                Ok(base)
            }
        }
    }

    /// Whether files inside the repository are read at a range's base.
    fn at_range_base(&self) -> bool {
        matches!(self, ConfigFiles::RangeBase(_))
    }

    /// The scan's config: the named file, or the scan root's `.ferret.toml`.
    fn config(
        &self,
        explicit: Option<&Path>,
        root: &Path,
        notes: &mut Vec<String>,
    ) -> anyhow::Result<Config> {
        if matches!(self, ConfigFiles::Disk) {
            return Config::discover(explicit, root);
        }
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => root.join(crate::config::DEFAULT_CONFIG_NAME),
        };
        match self.read(&path, notes)? {
            Some(text) => Config::parse(&text, &path),
            None if explicit.is_some() => {
                anyhow::bail!("{}: cannot read config: no such file", path.display())
            }
            None => Ok(Config::default()),
        }
    }
}

fn load_rules_from(
    files: &ConfigFiles,
    config: &Config,
    extra: &[PathBuf],
    disable: &[String],
    notes: &mut Vec<String>,
) -> anyhow::Result<(RuleSet, Vec<String>)> {
    let mut set = RuleSet::builtin().map_err(|errs| {
        anyhow::anyhow!(
            "built-in rules are invalid:\n  {}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    })?;
    for f in config.extra_rule_files().iter().chain(extra) {
        let text = files.read(f, notes)?.ok_or_else(|| {
            anyhow::anyhow!("{}: cannot read rule file: no such file", f.display())
        })?;
        set.add_user_text(&f.display().to_string(), &text)
            .map_err(|errs| {
                anyhow::anyhow!(
                    "{}",
                    errs.iter()
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                        .join("\n  ")
                )
            })?;
    }
    let mut off: Vec<String> = config.rules.disable.clone();
    off.extend(disable.iter().cloned());
    let unknown = set.disable(&off);
    Ok((set, unknown))
}

pub fn rule_infos(set: &RuleSet) -> Vec<RuleInfo> {
    set.rules
        .iter()
        .map(|r| {
            let mut help = format!(
                "**{}**\n\n{}\n\n**Fix:** revoke or rotate this credential at the provider first (removing it from the code does not end the exposure: it stays in git history and in every clone), then load it from a secret manager or the CI's secret store.\n",
                r.name, r.description
            );
            if !r.references.is_empty() {
                help.push_str("\n**References:**\n");
                for u in &r.references {
                    help.push_str(&format!("- {u}\n"));
                }
            }
            RuleInfo {
                id: r.id.clone(),
                kind: crate::findings::Kind::Secret,
                name: r.name.clone(),
                description: r.description.clone(),
                severity: r.severity,
                confidence: r.confidence,
                tags: r.tags.clone(),
                references: r.references.clone(),
                help_markdown: help,
            }
        })
        .collect()
}

pub(crate) fn use_color(choice: ColorChoice, to_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    }
}

/// Everything a scan produced, before any report is written.
pub struct Scanned {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Descriptions of every rule and check this scan ran.
    pub rules: Vec<RuleInfo>,
    /// What was scanned, in words ("working tree", …).
    pub scope: String,
    pub elapsed_secs: f64,
}

/// Sees each scanned item's content and findings as they are produced (the gap uses it to
/// read suppression comments and to note which claimed files exist). Called from many threads.
pub trait ScanObserver: Sync {
    fn observe(&self, path: &str, bytes: &[u8], findings: &[Finding]);
}

struct Observed<'a> {
    inner: &'a dyn ContentScanner,
    observer: &'a dyn ScanObserver,
}

impl ContentScanner for Observed<'_> {
    fn scan_content(&self, path: &str, bytes: &[u8], stats: &ScanStats) -> Vec<Finding> {
        let found = self.inner.scan_content(path, bytes, stats);
        self.observer.observe(path, bytes, &found);
        found
    }
}

/// Run the detectors over the sources `src` names. Shared by `scan`, `gap` and `inventory`.
pub fn run_scan(
    src: &SourceArgs,
    show_secrets: bool,
    no_progress: bool,
    observer: Option<&dyn ScanObserver>,
) -> anyhow::Result<Scanned> {
    let started = Instant::now();
    let root = src
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let files = match &src.range {
        Some(range) => ConfigFiles::RangeBase(gitsrc::base::BaseReader::open(&root, range)?),
        None => ConfigFiles::Disk,
    };
    let mut config_notes = Vec::new();
    let config = files.config(src.config.as_deref(), &root, &mut config_notes)?;
    let (rules, unknown) = load_rules_from(
        &files,
        &config,
        &src.rule_files,
        &src.disable,
        &mut config_notes,
    )?;
    // `--disable` takes rule and check ids alike.
    for id in unknown.iter().filter(|id| checks::find_check(id).is_none()) {
        eprintln!("ferret: warning: --disable/rules.disable names no rule or check: {id}");
    }
    for id in &config.checks.disable {
        if checks::find_check(id).is_none() {
            eprintln!("ferret: warning: checks.disable names no check: {id}");
        }
    }
    for id in config.checks.severity.keys() {
        if checks::find_check(id).is_none() {
            eprintln!("ferret: warning: checks.severity names no check: {id}");
        }
    }
    let mut infos = rule_infos(&rules);
    infos.extend(check_infos());
    let mut disabled_checks = config.checks.disable.clone();
    disabled_checks.extend(src.disable.iter().cloned());
    let mut grants = GrantScanner::new(&disabled_checks, &config.checks.severity, show_secrets);
    // Git scans see changed files or many versions of each: joins need one whole tree. Staged
    // and range scans join with the tree their changes land in afterwards. A staged file is
    // in that tree as it was scanned, so its checks leave cross-file decisions to the join; a
    // range scans versions the head tree may no longer hold, so its checks decide within the
    // file as history scans do.
    if !src.is_git_scan() {
        grants = grants.joining_files();
    } else if src.staged {
        grants = grants.joined_afterwards();
    }
    let engine = Engine::new(
        rules,
        EngineOptions {
            show_secrets,
            allow_secrets: config.allow_secret_regexes(),
            max_findings_per_file: src.max_findings_per_file,
            whole_file_search: false,
        },
    );
    let budget = src
        .file_timeout
        .or(config.scan.file_timeout)
        .unwrap_or(DEFAULT_FILE_TIMEOUT_SECS);
    let detectors = Detectors {
        engine,
        grants,
        file_budget: (budget > 0.0).then(|| Duration::from_secs_f64(budget)),
    };
    let observed;
    let scanner: &dyn ContentScanner = match observer {
        Some(observer) => {
            observed = Observed {
                inner: &detectors,
                observer,
            };
            &observed
        }
        None => &detectors,
    };
    let mut exclude = config.scan.exclude.clone();
    exclude.extend(src.exclude.iter().cloned());
    let max_file_size = src
        .max_file_size
        .or(config.scan.max_file_size)
        .unwrap_or(DEFAULT_MAX_FILE_SIZE);
    let stats = ScanStats::default();
    for note in config_notes {
        stats.warn(note);
    }
    let progress = Progress::new(no_progress);
    let tick = || progress.tick();
    let (findings, scope) = if src.is_git_scan() {
        if src.paths.len() > 1 {
            anyhow::bail!("--history, --staged and --range scan one repository: give one PATH");
        }
        let mode = if src.staged {
            gitsrc::GitMode::Staged
        } else if let Some(range) = &src.range {
            gitsrc::GitMode::Range(range.clone())
        } else {
            gitsrc::GitMode::History {
                branch: src.branch.clone(),
                since: src.since,
            }
        };
        let opts = gitsrc::GitOptions {
            path: root.clone(),
            mode,
            max_blob_size: src.max_blob_size.unwrap_or(max_file_size),
            threads: src.threads,
            exclude,
        };
        let mut scan = gitsrc::scan(&opts, scanner, &stats, &tick)?;
        join_with_landing_tree(&opts, &mut scan, &stats);
        (scan.findings, scan.scope)
    } else {
        let opts = fsrc::WalkOptions {
            roots: src.paths.clone(),
            exclude,
            max_file_size,
            threads: src.threads,
            respect_ignore_files: !src.no_ignore,
        };
        let mut findings = fsrc::scan_tree(&opts, scanner, &stats, &tick)?;
        detectors.grants.join_across_files(&mut findings);
        (findings, "working tree".to_string())
    };
    progress.finish();
    let findings = apply_path_allowlist(findings, &config)?;
    let (findings, hidden) = split_test_findings(findings, src.include_tests);
    let mut summary = stats.snapshot();
    summary.hidden_test_findings = hidden;
    Ok(Scanned {
        findings,
        summary,
        rules: infos,
        scope,
        elapsed_secs: started.elapsed().as_secs_f64(),
    })
}

/// A staged or range scan reads only changed files: findings that files elsewhere in the tree
/// bear on (a role changed here, bound in an unchanged file) are joined with the tree the
/// changes land in, as a working-tree scan joins them. The tree is read only when there is
/// such a finding, and a failure to read it leaves them as they are, with a warning.
fn join_with_landing_tree(
    opts: &gitsrc::GitOptions,
    scan: &mut gitsrc::GitScan,
    stats: &ScanStats,
) {
    if !scan.findings.iter().any(checks::kubernetes::is_joinable) {
        return;
    }
    let mut facts = checks::kubernetes::TreeFacts::default();
    let read = gitsrc::visit_landing_tree(
        opts,
        scan,
        &checks::may_be_kubernetes,
        &mut |path, bytes| {
            facts.extend(checks::kubernetes_facts(path, bytes));
        },
    );
    match read {
        Ok(Some(unread)) => {
            checks::kubernetes::join_across_files(&facts, &mut scan.findings);
            if !unread.is_empty() {
                const NAMED: usize = 5;
                let mut named = unread[..unread.len().min(NAMED)].join(", ");
                if unread.len() > NAMED {
                    named.push_str(&format!(" and {} more", unread.len() - NAMED));
                }
                stats.warn(format!(
                    "Kubernetes findings joined without {} of the tree that could not be read: {named}",
                    crate::report::text::plural(unread.len() as u64, "file"),
                ));
            }
        }
        Ok(None) => {}
        Err(e) => stats.warn(format!(
            "Kubernetes findings not joined with the rest of the tree: {e:#}"
        )),
    }
}

fn scan(args: &ScanArgs) -> anyhow::Result<i32> {
    // Read first: a bad baseline should stop the run before a long scan.
    let baseline = args.baseline.as_deref().map(load_baseline).transpose()?;
    let mut scanned = run_scan(
        &args.source,
        args.output.show_secrets,
        args.output.no_progress,
        None,
    )?;
    if let Some(known) = baseline {
        let before = scanned.findings.len();
        scanned.findings.retain(|f| !known.contains(&f.fingerprint));
        scanned.summary.baselined_findings = (before - scanned.findings.len()) as u64;
    }
    let report = Report {
        findings: &scanned.findings,
        summary: &scanned.summary,
        rules: &scanned.rules,
        elapsed_secs: scanned.elapsed_secs,
        scope: scanned.scope.clone(),
        secrets_shown: args.output.show_secrets,
    };
    emit(&report, &args.output)?;
    Ok(exit_code(&scanned.findings, args))
}

/// The fingerprints of a `--baseline`: a JSON report (version 1) of an earlier scan.
fn load_baseline(path: &Path) -> anyhow::Result<HashSet<String>> {
    let text = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read the baseline {}: {e}", path.display()))?;
    let report: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
        anyhow::anyhow!(
            "the baseline {} is not JSON ({e}); write one with `ferret scan --format json --output FILE`",
            path.display()
        )
    })?;
    let findings = match (report.get("version"), report.get("findings")) {
        (Some(v), Some(serde_json::Value::Array(findings))) if v == 1 => findings,
        _ => anyhow::bail!(
            "the baseline {} is not a ferret JSON report (version 1, with findings); write one with `ferret scan --format json --output FILE`",
            path.display()
        ),
    };
    Ok(findings
        .iter()
        .filter_map(|f| f.get("fingerprint")?.as_str().map(str::to_string))
        .collect())
}

fn apply_path_allowlist(findings: Vec<Finding>, config: &Config) -> anyhow::Result<Vec<Finding>> {
    if config.allowlist.paths.is_empty() {
        return Ok(findings);
    }
    let mut b = globset::GlobSetBuilder::new();
    for g in &config.allowlist.paths {
        b.add(globset::Glob::new(g).map_err(|e| anyhow::anyhow!("allowlist path {g:?}: {e}"))?);
    }
    let set = b.build()?;
    Ok(findings
        .into_iter()
        .filter(|f| !set.is_match(&f.location.path))
        .collect())
}

/// Secrets in test context (tagged `context:test` by the engine: test, fixture and example
/// paths, values named as test data) are left out of the report unless asked for, and counted.
pub fn split_test_findings(findings: Vec<Finding>, include: bool) -> (Vec<Finding>, u64) {
    if include {
        return (findings, 0);
    }
    let before = findings.len();
    let kept: Vec<Finding> = findings
        .into_iter()
        .filter(|f| !f.tags.iter().any(|t| t == crate::detect::TEST_CONTEXT_TAG))
        .collect();
    let hidden = (before - kept.len()) as u64;
    (kept, hidden)
}

pub fn exit_code(findings: &[Finding], args: &ScanArgs) -> i32 {
    if args.exit_zero {
        return EXIT_CLEAN;
    }
    match args.fail_on.threshold() {
        Some(t) if findings.iter().any(|f| f.severity >= t) => EXIT_FINDINGS,
        _ => EXIT_CLEAN,
    }
}

/// Write the report where the output arguments say: the main format, then every `--emit`.
pub fn emit(report: &Report<'_>, out: &OutputArgs) -> anyhow::Result<()> {
    for (format, path) in &out.emit {
        write_file(path, &report::render(report, *format, false))?;
    }
    let to_terminal =
        output_file(out.output.as_deref()).is_none() && std::io::stdout().is_terminal();
    let text = report::render(report, out.format, use_color(out.color, to_terminal));
    emit_text(&text, out.output.as_deref())
}

/// Write `text` to the file an output option names, or to standard output.
pub(crate) fn emit_text(text: &str, output: Option<&Path>) -> anyhow::Result<()> {
    match output_file(output) {
        Some(p) => write_file(p, text),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            lock.write_all(text.as_bytes())
                .and_then(|_| lock.flush())
                .or_else(ignore_broken_pipe)?;
            Ok(())
        }
    }
}

/// A time budget as people write it: `250 ms` under a second (which one decimal of a second
/// showed as `0.0s`), `1.5 s` above.
fn budget_text(budget: std::time::Duration) -> String {
    if budget < std::time::Duration::from_secs(1) {
        format!("{} ms", budget.as_millis())
    } else {
        format!("{:.1} s", budget.as_secs_f64())
    }
}

/// The file an output option names: `-` is standard output, as it is for most tools.
pub(crate) fn output_file(output: Option<&Path>) -> Option<&Path> {
    output.filter(|p| p.as_os_str() != "-")
}

pub(crate) fn ignore_broken_pipe(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e)
    }
}

pub fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| anyhow::anyhow!("{}: cannot create directory: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))
}

/// A spinner with a file count on standard error, only for people watching a terminal.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(no_progress: bool) -> Progress {
        let interactive =
            std::io::stderr().is_terminal() && !no_progress && std::env::var_os("CI").is_none();
        let bar = interactive.then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} scanning… {pos} files ({elapsed})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Progress { bar }
    }
    fn tick(&self) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

fn rules_list(format: ListFormat, extra: &[PathBuf]) -> anyhow::Result<i32> {
    let (set, _) = load_rules(&Config::default(), extra, &[])?;
    let infos = rule_infos(&set);
    let text = match format {
        ListFormat::Json => {
            let mut s = serde_json::to_string_pretty(&infos)?;
            s.push('\n');
            s
        }
        ListFormat::Text => {
            let mut s = String::new();
            for r in &infos {
                s.push_str(&format!(
                    "{:<44} {:<8} {:<6} {}\n",
                    r.id, r.severity, r.confidence, r.name
                ));
            }
            s.push_str(&format!("{} rules\n", infos.len()));
            s
        }
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .or_else(ignore_broken_pipe)?;
    Ok(EXIT_CLEAN)
}

fn rules_check(files: &[PathBuf]) -> anyhow::Result<i32> {
    // A file given by name replaces the built-in file of the same name (checking an edited
    // copy of `rules/x.toml` must not report every rule as a duplicate of itself).
    let replaced: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let mut set = match RuleSet::builtin_except(&replaced) {
        Ok(s) => s,
        Err(errs) => {
            for e in &errs {
                eprintln!("error: {e}");
            }
            return Ok(EXIT_FINDINGS);
        }
    };
    let mut problems = 0usize;
    for f in files {
        if let Err(errs) = set.add_file(f) {
            for e in &errs {
                eprintln!("error: {e}");
            }
            problems += errs.len();
        }
    }
    let compile_errors = crate::rules::compile_all(&set);
    for e in &compile_errors {
        eprintln!("error: {e}");
    }
    problems += compile_errors.len();
    let n = set.rules.len();
    let engine = Engine::new(set, EngineOptions::default());
    let failures = check_examples(&engine);
    for f in &failures {
        if f.example.is_empty() {
            eprintln!("error: rule {}: {}", f.rule_id, f.problem);
        } else {
            eprintln!("error: rule {}: {}: {:?}", f.rule_id, f.problem, f.example);
        }
    }
    problems += failures.len();
    if problems == 0 {
        println!("{n} rules ok: every example found, no negative example matched");
        Ok(EXIT_CLEAN)
    } else {
        println!("{problems} problem(s) in {n} rules");
        Ok(EXIT_FINDINGS)
    }
}

fn checks_list(format: ListFormat) -> anyhow::Result<i32> {
    let all = checks::registry();
    let text = match format {
        ListFormat::Json => {
            let list: Vec<serde_json::Value> = all
                .iter()
                .map(|c| {
                    let i = c.info();
                    serde_json::json!({
                        "id": i.id,
                        "kind": "grant",
                        "name": i.name,
                        "platform": i.platform,
                        "severity": i.severity,
                        "confidence": i.confidence,
                        "tags": i.tags,
                        "description": checks::summary(i),
                        "doc": checks::doc_markdown(i),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list)?;
            s.push('\n');
            s
        }
        ListFormat::Text => {
            let mut s = String::new();
            // The id column fits the longest id, so the columns stay aligned.
            let width = all.iter().map(|c| c.info().id.len()).max().unwrap_or(0);
            for c in &all {
                let i = c.info();
                s.push_str(&format!(
                    "{:<width$} {:<15} {:<8} {:<6} {}\n",
                    i.id,
                    i.platform.as_str(),
                    i.severity.as_str(),
                    i.confidence.as_str(),
                    i.name
                ));
            }
            s.push_str(&format!("{} checks\n", all.len()));
            s
        }
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .or_else(ignore_broken_pipe)?;
    Ok(EXIT_CLEAN)
}

/// Write `README.md` and one page per check into `out`.
fn checks_docs(out: &Path) -> anyhow::Result<i32> {
    let all = checks::registry();
    let infos: Vec<_> = all.iter().map(|c| c.info()).collect();
    write_file(&out.join("README.md"), &checks::doc_index(&infos))?;
    for i in &infos {
        write_file(&out.join(format!("{}.md", i.id)), &checks::doc_page(i))?;
    }
    println!("{} check pages written to {}", infos.len(), out.display());
    Ok(EXIT_CLEAN)
}
