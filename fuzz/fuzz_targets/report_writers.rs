//! Every report format over findings and a summary whose strings come from the input (paths,
//! messages, identities, skip details are all attacker-influenced). JSON and SARIF must parse
//! back and carry the same paths; text must hold no raw control character but newlines;
//! GitHub workflow commands must stay one per line.
#![no_main]
use ferret::findings::{Confidence, FindingBuilder, Kind, Location, Severity};
use ferret::report::{render, Format, Report, RuleInfo};
use ferret::source::{SkipReason, Skipped, Summary};
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

/// Fields separated by 0xFF bytes, decoded lossily (file names need not be UTF-8).
fn fields(data: &[u8]) -> Vec<String> {
    data.split(|&b| b == 0xFF)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let f = fields(data);
    let get = |i: usize| f.get(i).cloned().unwrap_or_default();
    let n = data.first().copied().unwrap_or(0);
    let sev = Severity::ALL[n as usize % 5];
    let kind = [Kind::Secret, Kind::Grant, Kind::Gap][n as usize % 3];
    let loc = Location {
        path: get(0),
        line: 1 + (n as u32 % 7),
        column: 1,
        end_line: 1 + (n as u32 % 7),
        end_column: 2 + (n as u32 % 50),
    };
    let finding = FindingBuilder::new("fuzz-rule", kind, &get(1), loc)
        .severity(sev)
        .confidence(Confidence::Medium)
        .message(get(2))
        .identity(Some(get(3)).filter(|s| !s.is_empty()))
        .redacted(get(4))
        .secret(get(5).as_bytes(), false)
        .build();
    let findings = vec![finding];
    let mut skipped = BTreeMap::new();
    skipped.insert("unreadable".to_string(), 1);
    let summary = Summary {
        files_scanned: 1,
        bytes_scanned: data.len() as u64,
        skipped,
        skipped_files: vec![Skipped {
            path: get(6),
            reason: SkipReason::Unreadable,
            detail: get(7),
        }],
        warnings: vec![get(8)],
        hidden_test_findings: 1,
        baselined_findings: 1,
    };
    let rules = vec![RuleInfo {
        id: "fuzz-rule".into(),
        kind,
        name: get(1),
        description: get(9),
        severity: sev,
        confidence: Confidence::Medium,
        tags: vec![get(10)],
        references: vec![get(11)],
        help_markdown: get(12),
    }];
    let report = Report {
        findings: &findings,
        summary: &summary,
        rules: &rules,
        elapsed_secs: 0.5,
        scope: get(13),
        secrets_shown: false,
    };
    let json: serde_json::Value =
        serde_json::from_str(&render(&report, Format::Json, false)).expect("JSON parses");
    assert_eq!(
        json["findings"][0]["path"],
        findings[0].location.path.as_str()
    );
    assert_eq!(json["summary"]["skipped_files"][0]["path"], get(6).as_str());
    let sarif: serde_json::Value =
        serde_json::from_str(&render(&report, Format::Sarif, false)).expect("SARIF parses");
    assert_eq!(sarif["version"], "2.1.0");
    for color in [false, true] {
        let text = render(&report, Format::Text, color);
        assert!(
            !text
                .chars()
                .any(|c| c.is_control() && c != '\n' && (c != '\u{1b}' || !color)),
            "raw control character in text output: {text:?}"
        );
    }
    // One annotation per finding and one plain summary line: nothing in the input may add a
    // line, least of all one the runner would read as a workflow command.
    let github = render(&report, Format::Github, false);
    let lines: Vec<&str> = github.lines().collect();
    assert_eq!(lines.len(), findings.len() + 1, "{github:?}");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::")).count(),
        findings.len(),
        "forged workflow command: {github:?}"
    );
    let _ = render(&report, Format::Markdown, false);
});
