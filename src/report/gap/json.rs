//! Gap JSON, contract v1 (docs/gap.md). Fields are only added within a version.

use super::GapOutput;
use crate::report::{TOOL_NAME, TOOL_VERSION};
use serde_json::{json, Value};

pub const GAP_JSON_VERSION: u32 = 1;

pub fn render(out: &GapOutput<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&value(out)).expect("JSON serialisation");
    s.push('\n');
    s
}

pub fn value(out: &GapOutput<'_>) -> Value {
    let r = out.report;
    let s = out.summary;
    json!({
        "version": GAP_JSON_VERSION,
        "report": "gap",
        "tool": {"name": TOOL_NAME, "version": TOOL_VERSION},
        "programme": r.programme,
        "as_of": r.as_of,
        "scope": r.scope,
        "history": r.history,
        "sources": r.sources,
        "summary": {
            "claims": r.counts.claims,
            "by_verdict": r.counts.by_verdict,
            "review": r.counts.review,
            "unclaimed_findings": r.counts.unclaimed_findings,
            "unknown_identities": r.counts.unknown_identities,
            "inventory_coverage": r.unclaimed.coverage,
        },
        "headline": r.headline,
        "claims": r.claims,
        "unclaimed": r.unclaimed,
        "inventory": r.inventory,
        "other_suppressions": r.other_suppressions,
        "scan": {
            "files_scanned": s.files_scanned,
            "bytes_scanned": s.bytes_scanned,
            "skipped": s.skipped,
            "skipped_files": s.skipped_files,
            "warnings": s.warnings,
        }
    })
}
