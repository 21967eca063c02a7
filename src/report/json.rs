//! JSON output, contract v1 (documented in docs/json-output.md). Fields are only ever added
//! within a version; renaming or removing one bumps `version`.

use super::{Report, TOOL_NAME, TOOL_VERSION};
use serde_json::{json, Value};

pub const JSON_VERSION: u32 = 1;

pub fn render(report: &Report<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&value(report)).expect("JSON serialisation");
    s.push('\n');
    s
}

pub fn value(report: &Report<'_>) -> Value {
    let by_severity: serde_json::Map<String, Value> = report
        .counts_by_severity()
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let by_kind: serde_json::Map<String, Value> = report
        .counts_by_kind()
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let s = report.summary;
    json!({
        "version": JSON_VERSION,
        "tool": {"name": TOOL_NAME, "version": TOOL_VERSION},
        "scope": report.scope,
        "findings": report.findings,
        "summary": {
            "findings": report.findings.len(),
            "by_severity": by_severity,
            "by_kind": by_kind,
            "files_scanned": s.files_scanned,
            "bytes_scanned": s.bytes_scanned,
            "skipped": s.skipped,
            "skipped_files": s.skipped_files,
            "warnings": s.warnings,
            "hidden_test_findings": s.hidden_test_findings,
            "baselined_findings": s.baselined_findings,
            "elapsed_ms": (report.elapsed_secs * 1000.0).round() as u64,
        }
    })
}
