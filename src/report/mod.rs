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
    fn human_bytes_units() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(12_300_000), "12.3 MB");
    }
}
