//! The gap report in four formats: text for a terminal, JSON (versioned, docs/gap.md), Markdown
//! for a GitHub job summary or a risk owner's inbox, and SARIF so contradicted claims appear in
//! code scanning. Each is written from the [`GapReport`] alone.

pub mod json;
pub mod markdown;
pub mod sarif;
pub mod text;

use crate::gap::{GapReport, Verdict};
use crate::source::Summary;

/// Output formats of `gap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GapFormat {
    Text,
    Json,
    Markdown,
    Sarif,
}

/// What the renderers need besides the report.
pub struct GapOutput<'a> {
    pub report: &'a GapReport,
    pub summary: &'a Summary,
}

pub fn render(out: &GapOutput<'_>, format: GapFormat, color: bool) -> String {
    match format {
        GapFormat::Text => text::render(out, color),
        GapFormat::Json => json::render(out),
        GapFormat::Markdown => markdown::render(out),
        GapFormat::Sarif => sarif::render(out),
    }
}

/// `NHI2 NHI7 · CSF PR.DS-01, PR.AA-01`
pub fn tag_line(tags: &[&str]) -> String {
    let nhi: Vec<&str> = tags
        .iter()
        .copied()
        .filter(|t| t.starts_with("NHI"))
        .collect();
    let csf: Vec<&str> = tags.iter().filter_map(|t| t.strip_prefix("CSF:")).collect();
    let mut parts = Vec::new();
    if !nhi.is_empty() {
        parts.push(nhi.join(" "));
    }
    if !csf.is_empty() {
        parts.push(format!("CSF {}", csf.join(", ")));
    }
    parts.join(" · ")
}

/// The one-line count of claims by verdict.
pub fn verdict_line(r: &GapReport) -> String {
    let mut parts = Vec::new();
    for v in Verdict::ALL {
        let n = r.count(v);
        if n > 0 || v == Verdict::Contradicted {
            parts.push(format!(
                "{n} {}",
                match v {
                    Verdict::Contradicted => "contradicted",
                    Verdict::Unverifiable => "unverifiable",
                    Verdict::Stale => "stale",
                    Verdict::Holds =>
                        if n == 1 {
                            "holds"
                        } else {
                            "hold"
                        },
                }
            ));
        }
    }
    let mut s = parts.join(", ");
    let review = r.review();
    if review > 0 {
        s.push_str(&format!(
            " ({review} need{} review)",
            if review == 1 { "s" } else { "" }
        ));
    }
    s
}

/// What the claims were read from, in one line.
pub fn sources_line(r: &GapReport) -> String {
    if r.sources.is_empty() && r.claims.is_empty() {
        return "no claims given".into();
    }
    let mut parts: Vec<String> = r
        .sources
        .iter()
        .map(|s| {
            format!(
                "{} ({}, {} claim{})",
                s.file,
                s.format.describe(),
                s.claims,
                if s.claims == 1 { "" } else { "s" }
            )
        })
        .collect();
    let inline = r
        .claims
        .iter()
        .filter(|c| c.origin.source == crate::claims::SourceKind::Inline)
        .count();
    if inline > 0 {
        parts.push(format!(
            "{inline} suppression comment{} in the code",
            if inline == 1 { "" } else { "s" }
        ));
    }
    parts.join(", ")
}
