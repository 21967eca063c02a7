//! Reports are written from findings and the scan summary alone; each format is one file.

pub mod gap;
pub mod github;
pub mod inventory;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::findings::{Confidence, Finding, Kind, Severity};
use crate::source::Summary;
use serde::Serialize;
use std::collections::BTreeMap;

pub const TOOL_NAME: &str = "ferret";
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
pub const TOOL_URI: &str = "https://github.com/ferret-scanner/ferret";

/// What a report says about a rule or check (SARIF `reportingDescriptor`, `rules list`).
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub kind: Kind,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub confidence: Confidence,
    pub tags: Vec<String>,
    pub references: Vec<String>,
    /// Markdown help: what, why, how to fix.
    pub help_markdown: String,
}

/// Everything a report needs.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub summary: &'a Summary,
    /// Descriptions of every rule or check that may appear in `findings`.
    pub rules: &'a [RuleInfo],
    pub elapsed_secs: f64,
    /// What was scanned: "working tree", "git history", "staged changes", "range A..B".
    pub scope: String,
    /// True when findings carry raw secrets (`--show-secrets`).
    pub secrets_shown: bool,
}

impl Report<'_> {
    pub fn counts_by_severity(&self) -> BTreeMap<Severity, usize> {
        let mut m = BTreeMap::new();
        for f in self.findings {
            *m.entry(f.severity).or_insert(0) += 1;
        }
        m
    }

    pub fn counts_by_kind(&self) -> BTreeMap<Kind, usize> {
        let mut m = BTreeMap::new();
        for f in self.findings {
            *m.entry(f.kind).or_insert(0) += 1;
        }
        m
    }

    pub fn rule(&self, id: &str) -> Option<&RuleInfo> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// A Markdown summary (e.g. a GitHub job summary).
    Markdown,
}

pub fn render(report: &Report<'_>, format: Format, color: bool) -> String {
    match format {
        Format::Text => text::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Markdown => markdown::render(report),
    }
}

/// Text for a terminal or a log line: control characters (a newline or an escape sequence in a
/// file name, a commit author or a parser message) and bidirectional overrides are written as
/// escapes, so scanned content cannot forge report lines or drive the terminal.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let bad =
        |c: char| c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if bad(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Human-friendly byte count.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_controls_and_bidi() {
        assert_eq!(printable("a/b.txt"), "a/b.txt");
        assert_eq!(printable("x\ny"), "x\\ny");
        assert_eq!(printable("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(printable("a\u{202E}b"), "a\\u{202e}b");
        assert_eq!(printable("héllo\u{fffd}"), "héllo\u{fffd}");
    }

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(12_300_000), "12.3 MB");
    }
}
