//! The GitHub annotation and Markdown summary formats: golden files for a fixed report, the
//! annotation cap and ordering, escaping, the summary's size budget, and the CLI's `--emit`.
//!
//! Regenerate the golden files after an intended change with
//! `FERRET_UPDATE_GOLDEN=1 cargo test --test github_markdown_reports`.

use ferret::findings::{Finding, FindingBuilder, Kind, Location, Provenance, Severity};
use ferret::report::{self, Format, Report};
use ferret::source::{ScanStats, SkipReason, Summary};
use std::path::{Path, PathBuf};
use std::process::Command;

fn loc(path: &str, line: u32, col: u32, end_col: u32) -> Location {
    Location {
        path: path.into(),
        line,
        column: col,
        end_line: line,
        end_column: end_col,
    }
}

fn finding(rule: &str, sev: Severity, title: &str, l: Location) -> Finding {
    FindingBuilder::new(rule, Kind::Secret, title, l)
        .severity(sev)
        .message(format!("{title} found"))
        .redacted("key = abc***REDACTED***")
        .secret(format!("{rule}-material").as_bytes(), false)
        .build()
}

/// A report that exercises every part of both formats: several severities, an identity,
/// provenance (in history only), a multi-line span, characters that need escaping, skipped
/// files and a warning.
fn sample() -> (Vec<Finding>, Summary) {
    let mut multi = finding(
        "private-key-rsa",
        Severity::Critical,
        "RSA private key",
        loc("keys/deploy.pem", 3, 1, 31),
    );
    multi.location.end_line = 9;
    let mut with_identity = finding(
        "postgres-url-password",
        Severity::High,
        "PostgreSQL connection URL with password",
        loc("config/db, prod:1.env", 2, 14, 40),
    );
    with_identity.identity = Some("app@db.internal".into());
    with_identity.message = "PostgreSQL URL with password | 100% real\nsecond line".into();
    let mut historic = finding(
        "jwt",
        Severity::Medium,
        "JSON Web Token",
        loc("old/token_*.txt", 1, 5, 60),
    );
    historic.provenance = Some(Provenance {
        commit: "0123456789abcdef0123456789abcdef01234567".into(),
        author: "dev".into(),
        date: "2026-01-02T03:04:05Z".into(),
        in_head: false,
        removed_in: None,
        first_seen: "2026-01-02T03:04:05Z".into(),
        last_seen: "2026-01-02T03:04:05Z".into(),
        commits: 1,
        lifetime_days: 30,
        ..Provenance::default()
    });
    let low = finding(
        "generic-low",
        Severity::Low,
        "Low-confidence token <b>",
        loc("src/a.rs", 7, 9, 20),
    );
    let mut findings = vec![low, historic, with_identity, multi];
    findings.sort_by(|a, b| a.order(b));
    let stats = ScanStats::default();
    for _ in 0..4 {
        stats.scanned(1000);
    }
    stats.skip("assets/logo.png", SkipReason::Binary, "binary content");
    stats.skip(
        "data/huge.json",
        SkipReason::TooLarge,
        "20971520 bytes is over the 10485760-byte limit (--max-file-size)",
    );
    stats.warn("history is partial: shallow clone");
    (findings, stats.snapshot())
}

fn report<'a>(findings: &'a [Finding], summary: &'a Summary) -> Report<'a> {
    Report {
        findings,
        summary,
        rules: &[],
        elapsed_secs: 0.25,
        scope: "working tree".into(),
        secrets_shown: false,
    }
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("FERRET_UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with FERRET_UPDATE_GOLDEN=1)", path.display()));
    assert!(
        expected == actual,
        "{} differs from the output; run with FERRET_UPDATE_GOLDEN=1 to accept.\n--- expected\n{expected}\n--- actual\n{actual}",
        path.display()
    );
}

#[test]
fn github_format_matches_golden() {
    let (findings, summary) = sample();
    golden(
        "github.txt",
        &report::render(&report(&findings, &summary), Format::Github, false),
    );
}

#[test]
fn markdown_format_matches_golden() {
    let (findings, summary) = sample();
    golden(
        "summary.md",
        &report::render(&report(&findings, &summary), Format::Markdown, false),
    );
}

#[test]
fn empty_reports_are_short_and_clean() {
    let summary = Summary::default();
    let r = report(&[], &summary);
    let gh = report::render(&r, Format::Github, false);
    assert_eq!(gh, "ferret: no findings in working tree; 0 files scanned\n");
    let md = report::render(&r, Format::Markdown, false);
    assert!(
        md.starts_with("## ferret: no findings in working tree\n"),
        "{md}"
    );
    assert!(!md.contains("| Severity"), "{md}");
}

fn many(n: usize) -> Vec<Finding> {
    let sevs = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];
    let mut v: Vec<Finding> = (0..n)
        .map(|i| {
            finding(
                &format!("rule-{i}"),
                sevs[i % sevs.len()],
                "Some token",
                loc(&format!("dir/file-{i:05}.txt"), (i + 1) as u32, 1, 10),
            )
        })
        .collect();
    v.sort_by(|a, b| a.order(b));
    v
}

#[test]
fn annotations_are_capped_most_severe_first_with_a_count() {
    let findings = many(23);
    let summary = Summary::default();
    let out = report::render(&report(&findings, &summary), Format::Github, false);
    let commands: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    let annotations: Vec<&str> = commands
        .iter()
        .copied()
        .filter(|l| l.contains(" file="))
        .collect();
    assert_eq!(annotations.len(), 10, "{out}");
    // 23 findings over 5 severities: 4 critical, 4 high, then medium.
    let levels: Vec<&str> = annotations
        .iter()
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(levels[..8], ["::error"; 8], "{out}");
    assert_eq!(levels[8..], ["::warning"; 2], "{out}");
    assert!(annotations[0].contains("title=ferret critical%3A"), "{out}");
    let notices: Vec<&&str> = commands.iter().filter(|l| !l.contains(" file=")).collect();
    assert_eq!(notices.len(), 1, "{out}");
    assert!(notices[0].starts_with("::notice "), "{out}");
    assert!(
        notices[0].contains("13 more findings are not annotated"),
        "{out}"
    );
}

#[test]
fn markdown_stays_within_budget_and_says_so() {
    let mut findings = many(20_000);
    for f in &mut findings {
        f.message = "x".repeat(100);
    }
    let summary = Summary::default();
    let r = report(&findings, &summary);
    let md = report::render(&r, Format::Markdown, false);
    assert!(md.len() <= report::markdown::DEFAULT_BUDGET, "{}", md.len());
    assert!(md.len() < 1024 * 1024);
    let rows = md.lines().filter(|l| l.starts_with("| ")).count();
    assert!(rows > 1000, "{rows}");
    assert!(
        md.contains("most severe of 20000 findings: a job summary is limited to 1 MiB"),
        "{}",
        &md[md.len().saturating_sub(500)..]
    );
    // Most severe first: the rows kept are the critical ones.
    let first_row = md.lines().find(|l| l.starts_with("| 🔴")).is_some();
    assert!(first_row);
    assert!(
        !md.contains("| ⚪ info | rule-"),
        "info rows should be cut first"
    );
    // A tiny budget still gives a well-formed, bounded string.
    let tiny = report::markdown::render_with_budget(&r, 64);
    assert!(tiny.len() <= 64);
}

#[test]
fn show_secrets_never_reaches_annotations_or_summary() {
    let mut f = finding("r", Severity::High, "Token", loc("a.txt", 1, 1, 5));
    f.redacted = "key = RAWSECRETVALUE".into();
    f.secret = Some("RAWSECRETVALUE".into());
    let findings = vec![f];
    let summary = Summary::default();
    let mut r = report(&findings, &summary);
    r.secrets_shown = true;
    for format in [Format::Github, Format::Markdown] {
        let out = report::render(&r, format, false);
        assert!(!out.contains("RAWSECRETVALUE"), "{format:?}: {out}");
    }
    r.secrets_shown = false;
    let out = report::render(&r, Format::Github, false);
    assert!(
        out.contains("key = RAWSECRETVALUE"),
        "the excerpt is shown when redacted"
    );
}

fn ferret(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ferret"))
        .args(args)
        .current_dir(dir)
        .env_remove("FERRET_FINGERPRINT_SALT")
        .output()
        .expect("run ferret")
}

#[test]
fn cli_writes_several_formats_from_one_scan() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "DATABASE_URL=postgres://app:Zq8vR2mK9pLx4Tn7@db.internal:5432/prod\n", // ferret:allow (test value)
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let sarif = out_dir.join("r.sarif");
    let md = out_dir.join("summary.md");
    let out = ferret(
        dir.path(),
        &[
            "scan",
            ".",
            "--format",
            "github",
            "--emit",
            &format!("sarif={}", sarif.display()),
            "--emit",
            &format!("markdown={}", md.display()),
            "--exclude",
            "out/**",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with("::error file=.env,line=1,endLine=1,col=29,endColumn=45,title=ferret high%3A PostgreSQL"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ferret: 1 finding (1 high) in working tree"),
        "{stdout}"
    );
    assert!(!stdout.contains("Zq8vR2mK9pLx4Tn7"), "{stdout}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "postgres-url-password"
    );
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.contains("| 🟠 high | postgres-url-password | .env:1 | app@db.internal |"),
        "{md}"
    );
    assert!(!md.contains("Zq8vR2mK9pLx4Tn7"), "{md}");
}

#[test]
fn cli_rejects_a_bad_emit_value() {
    let dir = tempfile::tempdir().unwrap();
    let out = ferret(dir.path(), &["scan", ".", "--emit", "pdf=x.pdf"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown format \"pdf\""), "{err}");
    assert!(!PathBuf::from("x.pdf").exists());
}

#[test]
fn sarif_over_githubs_result_limit_keeps_the_most_severe() {
    let findings = many(25_010);
    let summary = Summary::default();
    let v = report::sarif::value(&report(&findings, &summary));
    let run = &v["runs"][0];
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report::sarif::MAX_RESULTS);
    assert_eq!(run["properties"]["truncated_results"], 10);
    // 25,010 findings, 5,002 of each severity: the 10 left out are info ("note" level).
    let notes = results.iter().filter(|r| r["level"] == "note").count();
    assert_eq!(notes, 5_002 * 2 - 10);
    let errors = results.iter().filter(|r| r["level"] == "error").count();
    assert_eq!(errors, 5_002 * 2);
    // Still in report (path) order.
    let uris: Vec<&str> = results
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.windows(2).all(|w| w[0] <= w[1]));
}
