//! SARIF 2.1.0 for GitHub code scanning. The fields GitHub reads and its limits are documented
//! in the README ("Code scanning"). Secrets never appear: messages name the rule and identity,
//! and fingerprints are hashes.

use super::{Report, RuleInfo, TOOL_NAME, TOOL_URI, TOOL_VERSION};
use crate::findings::{Confidence, Finding, Severity};
use serde_json::{json, Value};
use serde_sarif::sarif;
use std::collections::{BTreeMap, HashMap};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The base id relative URIs resolve against.
pub const SRCROOT: &str = "%SRCROOT%";
/// GitHub rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;

pub fn level(sev: Severity) -> sarif::ResultLevel {
    match sev {
        Severity::Critical | Severity::High => sarif::ResultLevel::Error,
        Severity::Medium => sarif::ResultLevel::Warning,
        Severity::Low | Severity::Info => sarif::ResultLevel::Note,
    }
}

/// GitHub's numeric score: >9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low.
pub fn security_severity(sev: Severity) -> &'static str {
    match sev {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// Percent-encode a relative path for a URI, keeping `/` and unreserved characters.
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn descriptor(rule: &RuleInfo) -> sarif::ReportingDescriptor {
    let mut tags = vec!["security".to_string(), rule.kind.to_string()];
    // GitHub shows 10 tags and rejects more than 20.
    tags.extend(rule.tags.iter().cloned());
    tags.truncate(20);
    let mut props = BTreeMap::new();
    props.insert("precision".to_string(), json!(precision(rule.confidence)));
    props.insert(
        "security-severity".to_string(),
        json!(security_severity(rule.severity)),
    );
    let help_text = format!(
        "{}\n\nReferences: {}",
        rule.description,
        if rule.references.is_empty() {
            "none".to_string()
        } else {
            rule.references.join(", ")
        }
    );
    sarif::ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(truncate(&rule.name, 255))
        .short_description(
            sarif::MultiformatMessageString::builder()
                .text(truncate(&rule.name, 1024))
                .build(),
        )
        .full_description(
            sarif::MultiformatMessageString::builder()
                .text(truncate(&rule.description, 1024))
                .build(),
        )
        .help(
            sarif::MultiformatMessageString::builder()
                .text(help_text)
                .markdown(rule.help_markdown.clone())
                .build(),
        )
        .default_configuration(
            sarif::ReportingConfiguration::builder()
                .level(json!(level(rule.severity).to_string()))
                .build(),
        )
        .properties(
            sarif::PropertyBag::builder()
                .tags(tags)
                .additional_properties(props)
                .build(),
        )
        .build()
}

fn result(f: &Finding, rule_index: usize, line_hash: String) -> sarif::Result {
    let loc = &f.location;
    let region = sarif::Region::builder()
        .start_line(loc.line as i64)
        .start_column(loc.column as i64)
        .end_line(loc.end_line as i64)
        .end_column(loc.end_column as i64)
        .build();
    let physical = sarif::PhysicalLocation::builder()
        .artifact_location(
            sarif::ArtifactLocation::builder()
                .uri(encode_uri_path(&loc.path))
                .uri_base_id(SRCROOT)
                .build(),
        )
        .region(region)
        .build();
    let mut fps = BTreeMap::new();
    fps.insert("primaryLocationLineHash".to_string(), line_hash);
    let mut props: BTreeMap<String, Value> = BTreeMap::new();
    props.insert("fingerprint".into(), json!(f.fingerprint));
    props.insert("kind".into(), json!(f.kind));
    props.insert("severity".into(), json!(f.severity));
    props.insert("confidence".into(), json!(f.confidence));
    props.insert("redacted".into(), json!(f.redacted));
    if let Some(id) = &f.identity {
        props.insert("identity".into(), json!(id));
    }
    if let Some(p) = &f.provenance {
        props.insert("provenance".into(), json!(p));
    }
    if let Some(s) = &f.secret {
        props.insert("secret".into(), json!(s));
    }
    let mut message = f.message.clone();
    if let Some(p) = &f.provenance {
        if !p.in_head {
            message.push_str(&format!(
                " — removed from the working tree but still in git history (commit {})",
                p.commit.get(..10).unwrap_or(&p.commit)
            ));
        }
    }
    let mut related = Vec::new();
    for (i, o) in f.other_locations.iter().enumerate().take(999) {
        related.push(
            sarif::Location::builder()
                .id(i as i64 + 1)
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(
                            sarif::ArtifactLocation::builder()
                                .uri(encode_uri_path(&o.path))
                                .uri_base_id(SRCROOT)
                                .build(),
                        )
                        .region(
                            sarif::Region::builder()
                                .start_line(o.line as i64)
                                .start_column(o.column as i64)
                                .end_line(o.end_line as i64)
                                .end_column(o.end_column as i64)
                                .build(),
                        )
                        .build(),
                )
                .build(),
        );
    }
    let builder = sarif::Result::builder()
        .rule_id(f.rule_id.clone())
        .rule_index(rule_index as i64)
        .level(level(f.severity))
        .message(sarif::Message::builder().text(message).build())
        .locations(vec![sarif::Location::builder()
            .physical_location(physical)
            .build()])
        .partial_fingerprints(fps)
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(props)
                .build(),
        );
    if related.is_empty() {
        builder.build()
    } else {
        let mut r = builder.build();
        r.related_locations = Some(related);
        r
    }
}

pub fn render(report: &Report<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&value(report)).expect("SARIF serialisation");
    s.push('\n');
    s
}

pub fn value(report: &Report<'_>) -> Value {
    // Only rules that have results are described: keeps the file small and every ruleIndex valid.
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut descriptors = Vec::new();
    for f in report.findings {
        if index.contains_key(f.rule_id.as_str()) {
            continue;
        }
        let info = report
            .rule(&f.rule_id)
            .cloned()
            .unwrap_or_else(|| RuleInfo {
                id: f.rule_id.clone(),
                kind: f.kind,
                name: f.title.clone(),
                description: f.title.clone(),
                severity: f.severity,
                confidence: f.confidence,
                tags: Vec::new(),
                references: Vec::new(),
                help_markdown: f.title.clone(),
            });
        index.insert(f.rule_id.as_str(), descriptors.len());
        descriptors.push(descriptor(&info));
    }
    let mut occurrences: HashMap<(String, String), usize> = HashMap::new();
    // Over GitHub's limit, the most severe results are the ones kept (GitHub, too, shows the
    // top results by severity), still in report order.
    let kept: Vec<&Finding> = if report.findings.len() > MAX_RESULTS {
        let mut v = super::github::by_severity(report.findings);
        v.truncate(MAX_RESULTS);
        v.sort_by(|a, b| a.order(b));
        v
    } else {
        report.findings.iter().collect()
    };
    let results: Vec<sarif::Result> = kept
        .into_iter()
        .map(|f| {
            let base = {
                let mut h = blake3::Hasher::new();
                h.update(f.fingerprint.as_bytes());
                h.update(b"\0");
                h.update(f.location.path.as_bytes());
                h.finalize().to_hex()[..16].to_string()
            };
            let n = occurrences
                .entry((base.clone(), f.location.path.clone()))
                .or_insert(0);
            *n += 1;
            result(f, index[f.rule_id.as_str()], format!("{base}:{n}"))
        })
        .collect();
    let driver = sarif::ToolComponent::builder()
        .name(TOOL_NAME)
        .semantic_version(TOOL_VERSION)
        .information_uri(TOOL_URI)
        .rules(descriptors)
        .build();
    let mut base_ids = BTreeMap::new();
    base_ids.insert(
        SRCROOT.to_string(),
        sarif::ArtifactLocation::builder()
            .description(
                sarif::Message::builder()
                    .text("The root of the scanned repository")
                    .build(),
            )
            .build(),
    );
    let mut run_props = BTreeMap::new();
    run_props.insert("scope".to_string(), json!(report.scope));
    run_props.insert(
        "files_scanned".to_string(),
        json!(report.summary.files_scanned),
    );
    run_props.insert("skipped".to_string(), json!(report.summary.skipped));
    if report.findings.len() > MAX_RESULTS {
        run_props.insert(
            "truncated_results".to_string(),
            json!(report.findings.len() - MAX_RESULTS),
        );
    }
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(json!("unicodeCodePoints"))
        .original_uri_base_ids(base_ids)
        .redaction_tokens(vec!["***REDACTED***".to_string()])
        .properties(
            sarif::PropertyBag::builder()
                .additional_properties(run_props)
                .build(),
        )
        .build();
    let log = sarif::Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_value(log).expect("SARIF value")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_paths_are_percent_encoded() {
        assert_eq!(encode_uri_path("a b/c#d.txt"), "a%20b/c%23d.txt");
        assert_eq!(encode_uri_path("ü"), "%C3%BC");
    }
}
