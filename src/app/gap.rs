//! The `gap`, `inventory` and `claims` commands: claims are loaded (and refused with every
//! problem named) before anything is scanned; the scan is the same one `scan` runs, observed
//! for suppression comments and for the files claims name.

use super::{emit_text, output_file, run_scan, use_color, ScanObserver, EXIT_CLEAN, EXIT_FINDINGS};
use crate::claims::inline::{self, Suppression};
use crate::claims::{import, ledger, write, Ledger, SourceKind};
use crate::cli::{GapArgs, GapFailOn, ImportFrom, InventoryArgs, ListFormat};
use crate::findings::Finding;
use crate::gap::{self, watch::Watch, Context};
use crate::report::gap::{render, GapFormat, GapOutput};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Ledger names `gap` looks for in the scanned directory when `--claims` is not given.
pub const DEFAULT_LEDGERS: [&str; 3] = [
    "ferret.claims.yaml",
    "ferret.claims.yml",
    "ferret.claims.json",
];

struct GapObserver<'a> {
    watch: &'a Watch,
    inline: bool,
    suppressions: Mutex<Vec<Suppression>>,
    other: Mutex<BTreeMap<&'static str, u64>>,
}

impl ScanObserver for GapObserver<'_> {
    fn observe(&self, path: &str, bytes: &[u8], findings: &[Finding]) {
        self.watch.observe(path);
        if !self.inline {
            return;
        }
        let found = inline::scan(path, bytes, findings);
        if !found.covering.is_empty() {
            self.suppressions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(found.covering);
        }
        if !found.other.is_empty() {
            let mut other = self.other.lock().unwrap_or_else(|e| e.into_inner());
            for (tool, n) in found.other {
                *other.entry(tool).or_insert(0) += n;
            }
        }
    }
}

fn root_of(paths: &[PathBuf]) -> PathBuf {
    paths.first().cloned().unwrap_or_else(|| PathBuf::from("."))
}

/// `file` relative to `root` when it lies inside it (as finding paths are), else as given.
fn relative_to(root: &Path, file: &str) -> String {
    inside(root, file).unwrap_or_else(|| file.to_string())
}

/// `file`'s path relative to the directory `root`, when it lies inside it.
fn inside(root: &Path, file: &str) -> Option<String> {
    let r = std::fs::canonicalize(root).ok().filter(|r| r.is_dir())?;
    let f = std::fs::canonicalize(file).ok()?;
    f.strip_prefix(&r).ok().map(crate::source::fs::normalise)
}

/// The scan options, leaving out ledgers inside the scanned tree: a ledger names identities and
/// hashes on purpose, and a key id it lists must not merge into the finding of the key itself.
fn without_ledgers(src: &crate::cli::SourceArgs, ledgers: &[String]) -> crate::cli::SourceArgs {
    let mut src = src.clone();
    src.exclude.extend(ledgers.iter().map(|l| format!("/{l}")));
    src
}

/// Load every `--claims` source (or the default ledger), merged.
fn load_claims(args: &GapArgs, root: &Path) -> anyhow::Result<Ledger> {
    // In a range scan, claims files inside the repository are read as they are at the range's
    // base: the range under review must not claim its own findings away.
    let files = match &args.source.range {
        Some(range) => {
            super::ConfigFiles::RangeBase(crate::source::git::base::BaseReader::open(root, range)?)
        }
        None => super::ConfigFiles::Disk,
    };
    let mut notes = Vec::new();
    let mut specs = args.claims.clone();
    if specs.is_empty() {
        let dir = if root.is_dir() { root } else { Path::new(".") };
        let mut found = None;
        for p in DEFAULT_LEDGERS.iter().map(|n| dir.join(n)) {
            let exists = if files.at_range_base() {
                files.read_bytes(&p, &mut notes)?.is_some()
            } else {
                p.is_file()
            };
            if exists {
                found = Some(p);
                break;
            }
        }
        if let Some(found) = found {
            specs.push(format!("ferret:{}", found.display()));
        } else {
            eprintln!(
                "ferret: note: no claims given (--claims FILE) and no {} in {}: every finding is unclaimed",
                DEFAULT_LEDGERS[0],
                dir.display()
            );
        }
    }
    let mut ledger = Ledger::default();
    for spec in &specs {
        let imported = if files.at_range_base() {
            let (format, file) = import::parse_spec(spec);
            match files.read_bytes(Path::new(file), &mut notes)? {
                None => continue,
                Some(bytes) if bytes.len() as u64 > import::MAX_IMPORT_BYTES => anyhow::bail!(
                    "{file} at the range's base: {} bytes is over the {}-byte limit",
                    bytes.len(),
                    import::MAX_IMPORT_BYTES
                ),
                Some(bytes) => {
                    let format = match format.or_else(|| import::detect(Path::new(file), &bytes)) {
                        Some(f) => f,
                        None => anyhow::bail!(
                            "{file}: cannot tell what this file is; name the format, e.g. --claims gitleaks:{file}"
                        ),
                    };
                    import::import(format, file, &bytes).map_err(|e| anyhow::anyhow!(e))?
                }
            }
        } else {
            import::load(spec).map_err(|e| anyhow::anyhow!(e))?
        };
        for w in &imported.warnings {
            eprintln!("ferret: warning: {w}");
        }
        ledger
            .merge(imported.ledger)
            .map_err(|e| anyhow::anyhow!(e))?;
    }
    for n in notes {
        eprintln!("ferret: warning: {n}");
    }
    // Claims about files inside the scanned tree name them as findings do.
    let rel = |f: &mut String| *f = relative_to(root, f);
    for s in &mut ledger.sources {
        rel(&mut s.file);
    }
    for r in &mut ledger.reported {
        rel(&mut r.origin.file);
    }
    for e in &mut ledger.inventory {
        rel(&mut e.origin.file);
    }
    for c in &mut ledger.controls {
        rel(&mut c.origin.file);
    }
    for c in &mut ledger.secrets {
        if c.origin.source != SourceKind::Inline {
            rel(&mut c.origin.file);
        }
    }
    Ok(ledger)
}

pub fn gap(args: &GapArgs) -> anyhow::Result<i32> {
    let root = root_of(&args.source.paths);
    let mut ledger = load_claims(args, &root)?;
    let watch = Watch::new(&ledger)?;
    let observer = GapObserver {
        watch: &watch,
        inline: !args.no_inline_claims,
        suppressions: Mutex::new(Vec::new()),
        other: Mutex::new(BTreeMap::new()),
    };
    let inside_root: Vec<String> = ledger
        .sources
        .iter()
        .filter(|s| s.format == SourceKind::Ledger)
        // Origins inside the root were made relative to it by load_claims.
        .filter_map(|s| inside(&root, &root.join(&s.file).to_string_lossy()))
        .collect();
    let source = without_ledgers(&args.source, &inside_root);
    let scanned = run_scan(&source, false, args.no_progress, Some(&observer))?;
    let findings = scanned.findings;
    let present: HashSet<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
    let mut suppressions = observer
        .suppressions
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    suppressions.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    let mut other: BTreeMap<String, u64> = observer
        .other
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let placed: HashMap<&str, &Finding> = findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    for mut s in suppressions {
        // Findings dropped after the scan (test context, allowlists) are no longer hidden by it.
        s.fingerprints.retain(|f| present.contains(f.as_str()));
        // Keep the comment's distance to the finding it hides, in the finding's final numbering.
        if let Some(f) = s
            .fingerprints
            .first()
            .and_then(|fp| placed.get(fp.as_str()))
        {
            if f.location.path == s.path {
                let shifted = f.location.line as i64 + s.line as i64 - s.finding_line as i64;
                s.line = shifted.max(1) as u32;
            }
        }
        if s.fingerprints.is_empty() {
            *other.entry(s.tool.to_string()).or_insert(0) += 1;
        } else {
            ledger.secrets.extend(s.claims());
        }
    }
    let mut known_rules: BTreeMap<String, crate::findings::Kind> = scanned
        .rules
        .iter()
        .map(|r| (r.id.clone(), r.kind))
        .collect();
    known_rules.extend(
        crate::checks::registry()
            .iter()
            .map(|c| (c.info().id.to_string(), crate::findings::Kind::Grant)),
    );
    let ctx = Context {
        // Only a full history scan sees what was removed; --staged and --range see a slice.
        history: args.source.history,
        scope: scanned.scope.clone(),
        known_rules,
        seen_paths: watch.seen_paths(),
        glob_hits: watch.glob_hits(),
        inline_other: other,
    };
    let report = gap::reconcile(&ledger, &findings, &ctx);
    let out = GapOutput {
        report: &report,
        summary: &scanned.summary,
    };
    let to_terminal =
        output_file(args.output.as_deref()).is_none() && std::io::stdout().is_terminal();
    let color = args.format == GapFormat::Text && use_color(args.color, to_terminal);
    emit_text(&render(&out, args.format, color), args.output.as_deref())?;
    let contradicted = report.contradicted() > 0;
    let review = report.review() > 0;
    let unclaimed = report.counts.unclaimed_findings > 0 || report.counts.unknown_identities > 0;
    let fail = match (args.exit_zero, args.fail_on) {
        (true, _) | (_, GapFailOn::Never) => false,
        (_, GapFailOn::Contradicted) => contradicted,
        (_, GapFailOn::Review) => contradicted || review,
        (_, GapFailOn::Unclaimed) => contradicted || review || unclaimed,
    };
    Ok(if fail { EXIT_FINDINGS } else { EXIT_CLEAN })
}

pub fn inventory(args: &InventoryArgs) -> anyhow::Result<i32> {
    // A claims ledger at the root names identities on purpose: it is a record, not exposure.
    let root = root_of(&args.source.paths);
    let ledgers: Vec<String> = if root.is_dir() {
        DEFAULT_LEDGERS.iter().map(|s| s.to_string()).collect()
    } else {
        Vec::new()
    };
    let scanned = run_scan(
        &without_ledgers(&args.source, &ledgers),
        false,
        args.no_progress,
        None,
    )?;
    let inv = gap::inventory::build(&scanned.findings);
    let text = match args.format {
        ListFormat::Json => crate::report::inventory::json(&inv, &scanned.scope),
        ListFormat::Text => crate::report::inventory::text(&inv, &scanned.scope),
    };
    emit_text(&text, args.output.as_deref())?;
    Ok(EXIT_CLEAN)
}

pub fn claims_import(from: ImportFrom, file: &Path, output: Option<&Path>) -> anyhow::Result<i32> {
    let format = from.format();
    let shown = file.display().to_string();
    let imported =
        import::load(&format!("{}:{shown}", format.name())).map_err(|e| anyhow::anyhow!(e))?;
    for w in &imported.warnings {
        eprintln!("ferret: warning: {w}");
    }
    let n = imported.ledger.secrets.len();
    let header = vec![
        format!(
            "Claims imported from {} {shown}: {n} claim{}.",
            format.name(),
            if n == 1 { "" } else { "s" }
        ),
        "Check each status, then add inventory, controls and reported figures (docs/claims.md)."
            .to_string(),
    ];
    emit_text(&write::to_yaml(&imported.ledger, &header), output)?;
    Ok(EXIT_CLEAN)
}

pub fn claims_check(files: &[PathBuf]) -> anyhow::Result<i32> {
    let mut bad = 0;
    for f in files {
        match ledger::load_file(f) {
            Ok(l) => println!(
                "{}: ok ({} reported figures, {} identities, {} finding claims, {} controls)",
                f.display(),
                l.reported.len(),
                l.inventory.len(),
                l.secrets.len(),
                l.controls.len()
            ),
            Err(e) => {
                bad += 1;
                eprintln!("{e}");
            }
        }
    }
    Ok(if bad == 0 { EXIT_CLEAN } else { EXIT_FINDINGS })
}
