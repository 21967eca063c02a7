//! A Markdown summary for people: a GitHub job summary (`$GITHUB_STEP_SUMMARY`), a merge request
//! note or an e-mail. Counts by severity, the findings table (most severe first), and what was
//! not scanned.
//!
//! GitHub rejects a step summary over 1 MiB, so the table stops early with a note when the
//! budget runs out. Anyone who can read a run can read its summary: the matched lines are never
//! included, only rule, place, identity and message.

use super::{human_bytes, Report};
use crate::findings::{Finding, Severity};
use std::fmt::Write;

/// Default size budget. GitHub's cap is 1 MiB per step; the rest is left for what the same
/// step appends (e.g. the gap report).
pub const DEFAULT_BUDGET: usize = 768 * 1024;
/// Skipped items listed by name (all are counted).
const MAX_SKIPPED_ROWS: usize = 50;

pub fn render(report: &Report<'_>) -> String {
    render_with_budget(report, DEFAULT_BUDGET)
}

/// Escape text for a table cell: Markdown emphasis, links, code, HTML and the cell separator
/// lose their meaning, and line breaks become spaces.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn severity_label(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "🔴 critical",
        Severity::High => "🟠 high",
        Severity::Medium => "🟡 medium",
        Severity::Low => "🔵 low",
        Severity::Info => "⚪ info",
    }
}

fn location(f: &Finding) -> String {
    let loc = &f.location;
    let mut s = format!("{}:{}", cell(&loc.path), loc.line);
    if let Some(p) = &f.provenance {
        let short = p.commit.get(..10).unwrap_or(&p.commit);
        if p.in_head {
            s.push_str(&format!(" (commit {short})"));
        } else {
            s.push_str(&format!(" (commit {short}, history only)"));
        }
    }
    if !f.other_locations.is_empty() {
        s.push_str(&format!(" +{} more", f.other_locations.len()));
    }
    s
}

fn row(f: &Finding) -> String {
    format!(
        "| {} | {} | {} | {} | {} |\n",
        severity_label(f.severity),
        cell(&f.rule_id),
        location(f),
        f.identity.as_deref().map(cell).unwrap_or_default(),
        cell(&f.message)
    )
}

/// Render within `budget` bytes (the result is never longer).
pub fn render_with_budget(report: &Report<'_>, budget: usize) -> String {
    let n = report.findings.len();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## ferret: {} in {}\n",
        match n {
            0 => "no findings".to_string(),
            1 => "1 finding".to_string(),
            n => format!("{n} findings"),
        },
        cell(&report.scope)
    );
    let s = report.summary;
    let _ = writeln!(
        out,
        "{} files ({}) scanned in {:.2}s.\n",
        s.files_scanned,
        human_bytes(s.bytes_scanned),
        report.elapsed_secs
    );
    if n > 0 {
        let counts = report.counts_by_severity();
        out.push_str("| Severity | Findings |\n|---|---:|\n");
        for sev in Severity::ALL {
            if let Some(c) = counts.get(&sev) {
                let _ = writeln!(out, "| {} | {c} |", severity_label(sev));
            }
        }
        out.push('\n');
    }
    if report.secrets_shown && n > 0 {
        out.push_str("> **Note:** the scan ran with `--show-secrets`; this summary still leaves the values out.\n\n");
    }

    // The tail (skipped files, warnings) is written first so the table knows what room is left.
    let tail = tail(report);
    if n > 0 {
        out.push_str("### Findings\n\n| Severity | Rule | Location | Identity | Message |\n|---|---|---|---|---|\n");
        let ordered = super::github::by_severity(report.findings);
        // Room for the truncation note, whose length does not depend on the rows.
        let note_room = 300;
        let mut shown = 0usize;
        for f in &ordered {
            let r = row(f);
            if out.len() + r.len() + tail.len() + note_room > budget {
                break;
            }
            out.push_str(&r);
            shown += 1;
        }
        if shown < n {
            let _ = writeln!(
                out,
                "\n_The table shows the {shown} most severe of {n} findings: a job summary is limited to 1 MiB. The JSON and SARIF reports list them all._"
            );
        }
        out.push('\n');
    }
    if out.len() + tail.len() <= budget {
        out.push_str(&tail);
    }
    if out.len() > budget {
        // Only reachable with a budget too small for the header itself.
        let mut cut = budget;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

fn tail(report: &Report<'_>) -> String {
    let s = report.summary;
    let mut out = String::new();
    let skipped = s.skipped_total();
    if skipped > 0 {
        let kinds: Vec<String> = s
            .skipped
            .iter()
            .map(|(k, v)| super::text::skip_tally(k, *v))
            .collect();
        let _ = writeln!(
            out,
            "### Not scanned\n\n{skipped} item{} skipped: {}.\n",
            if skipped == 1 { "" } else { "s" },
            kinds.join(", ")
        );
        out.push_str("| Path | Reason | Detail |\n|---|---|---|\n");
        for sk in s.skipped_files.iter().take(MAX_SKIPPED_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                if sk.path.is_empty() {
                    "(walk)".to_string()
                } else {
                    cell(&sk.path)
                },
                sk.reason.as_str().replace('_', " "),
                cell(&sk.detail)
            );
        }
        let listed = s.skipped_files.len().min(MAX_SKIPPED_ROWS) as u64;
        if skipped > listed {
            let _ = writeln!(out, "\n_{} more not listed._", skipped - listed);
        }
        out.push('\n');
    }
    let mut not_shown = Vec::new();
    if s.baselined_findings > 0 {
        not_shown.push(format!(
            "{} already in the baseline",
            super::text::plural(s.baselined_findings, "finding")
        ));
    }
    if s.hidden_test_findings > 0 {
        not_shown.push(format!(
            "{} in test, fixture or example paths",
            super::text::plural(s.hidden_test_findings, "secret")
        ));
    }
    if !not_shown.is_empty() {
        let _ = writeln!(out, "_Not shown: {}._\n", not_shown.join("; "));
    }
    if !s.warnings.is_empty() {
        out.push_str("### Warnings\n\n");
        for w in &s.warnings {
            let _ = writeln!(out, "- {}", cell(w));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_markup() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
        assert_eq!(cell("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(cell("[x](javascript:y)"), "\\[x\\](javascript:y)");
        assert_eq!(cell("snake_case *bold*"), "snake\\_case \\*bold\\*");
    }
}
