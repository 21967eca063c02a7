//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding,
//! most severe first, capped at what GitHub displays, then one plain summary line for the log.
//!
//! GitHub shows at most 10 annotations of each kind per step (and 50 per job) and silently drops
//! the rest, so a larger list would hide findings at random. The cap keeps the most severe ones and
//! says how many more there are; the full list belongs in SARIF and the job summary.
//! Annotations are visible to anyone who can read the run: they never carry the matched line.

use super::Report;
use crate::findings::{Finding, Kind, Severity};
use std::fmt::Write;

/// Annotations written per run (GitHub's per-step display limit).
pub const MAX_ANNOTATIONS: usize = 10;

/// The workflow command for a severity: errors for what must be fixed now, warnings for what
/// should be, notices for the rest.
pub fn command(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "notice",
    }
}

/// Escape the message part of a workflow command: `%`, CR and LF would otherwise end or
/// corrupt the command.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escape a property value: as data, plus `:` and `,`, which separate properties.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Findings in annotation order: most severe first, then the report's path order.
pub fn by_severity(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    // Stable: findings of one severity keep their (path, line) order.
    v.sort_by_key(|f| std::cmp::Reverse(f.severity));
    v
}

fn annotation(f: &Finding, with_excerpt: bool) -> String {
    let loc = &f.location;
    let title = format!("ferret {}: {}", f.severity, f.title);
    let mut message = format!("{} [{}]", f.message, f.rule_id);
    if let Some(id) = f.identity.as_deref().filter(|id| !f.message.contains(id)) {
        message.push_str(&format!("\nIdentity: {id}"));
    }
    if let Some(p) = &f.provenance {
        let short = p.commit.get(..10).unwrap_or(&p.commit);
        if p.in_head {
            message.push_str(&format!("\nIntroduced in commit {short}"));
        } else {
            message.push_str(&format!(
                "\nIntroduced in commit {short}; no longer in the working tree but still in git history"
            ));
        }
    }
    if with_excerpt && !f.redacted.is_empty() {
        message.push_str(&format!("\n{}", f.redacted));
    }
    match f.kind {
        Kind::Secret => message
            .push_str("\nRevoke or rotate the credential first, then remove it from the code."),
        Kind::Grant => message.push_str("\nNarrow the grant to what the identity needs."),
        Kind::Gap => {}
    }
    let mut props = vec![
        format!("file={}", escape_property(&loc.path)),
        format!("line={}", loc.line),
    ];
    if loc.end_line > loc.line {
        props.push(format!("endLine={}", loc.end_line));
    } else {
        // GitHub accepts columns only for single-line annotations.
        props.push(format!("endLine={}", loc.line));
        props.push(format!("col={}", loc.column));
        props.push(format!("endColumn={}", loc.end_column));
    }
    props.push(format!("title={}", escape_property(&title)));
    format!(
        "::{} {}::{}",
        command(f.severity),
        props.join(","),
        escape_data(&message)
    )
}

pub fn render(report: &Report<'_>) -> String {
    let mut out = String::new();
    // The redacted excerpt is safe to show; with --show-secrets it holds the raw value, which
    // must not reach a log that every reader of the repository can open.
    let with_excerpt = !report.secrets_shown;
    let ordered = by_severity(report.findings);
    for f in ordered.iter().take(MAX_ANNOTATIONS) {
        let _ = writeln!(out, "{}", annotation(f, with_excerpt));
    }
    let n = report.findings.len();
    if n > MAX_ANNOTATIONS {
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            escape_property("ferret: more findings"),
            escape_data(&format!(
                "{} more finding{} not annotated (GitHub shows at most {MAX_ANNOTATIONS} annotations per step). The job summary, the SARIF file and code scanning list all {n}.",
                n - MAX_ANNOTATIONS,
                if n - MAX_ANNOTATIONS == 1 { " is" } else { "s are" }
            ))
        );
    }
    let _ = writeln!(out, "{}", summary_line(report));
    out
}

/// One line for the job log, written as plain text (not a workflow command).
fn summary_line(report: &Report<'_>) -> String {
    let n = report.findings.len();
    let counts = report.counts_by_severity();
    let parts: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|s| counts.get(s).map(|c| format!("{c} {s}")))
        .collect();
    let mut line = if n == 0 {
        format!("ferret: no findings in {}", report.scope)
    } else {
        format!(
            "ferret: {n} finding{} ({}) in {}",
            if n == 1 { "" } else { "s" },
            parts.join(", "),
            report.scope
        )
    };
    let s = report.summary;
    line.push_str(&format!("; {} files scanned", s.files_scanned));
    let skipped = s.skipped_total();
    if skipped > 0 {
        line.push_str(&format!(", {skipped} skipped"));
    }
    // Neutralise a line that could be read as a workflow command (a scope or path is user input).
    if line.starts_with("::") {
        line.insert(0, ' ');
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("50%\r\nnext"), "50%25%0D%0Anext");
        assert_eq!(escape_property("a:b,c%d\n"), "a%3Ab%2Cc%25d%0A");
        // Escaping is not applied twice.
        assert_eq!(escape_property("%3A"), "%253A");
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(command(Severity::Critical), "error");
        assert_eq!(command(Severity::High), "error");
        assert_eq!(command(Severity::Medium), "warning");
        assert_eq!(command(Severity::Low), "notice");
        assert_eq!(command(Severity::Info), "notice");
    }
}
