//! Contradicted claims (and exceptions that need review) as SARIF 2.1.0 results, so they show
//! in GitHub code scanning beside the findings. Each result points at the evidence in the code
//! when there is some, else at the claim in the ledger.

use super::GapOutput;
use crate::gap::{rules, ClaimResult, Verdict};
use crate::report::sarif::{encode_uri_path, SCHEMA_URI, SRCROOT};
use crate::report::{TOOL_NAME, TOOL_URI, TOOL_VERSION};
use serde_json::{json, Value};

pub fn render(out: &GapOutput<'_>) -> String {
    let mut s = serde_json::to_string_pretty(&value(out)).expect("SARIF serialisation");
    s.push('\n');
    s
}

fn location(path: &str, line: Option<u32>) -> Value {
    let mut phys = json!({
        "artifactLocation": {"uri": encode_uri_path(path), "uriBaseId": SRCROOT}
    });
    if let Some(l) = line.filter(|l| *l > 0) {
        phys["region"] = json!({"startLine": l});
    }
    json!({"physicalLocation": phys})
}

/// Where a claim's result is shown: the first evidence in the code, else the first place an
/// identity it cites appears, else the claim itself.
fn primary(c: &ClaimResult, out: &GapOutput<'_>) -> Value {
    if let Some(e) = c.evidence.first() {
        return location(&e.path, Some(e.line));
    }
    for id in &c.identities {
        if let Some(n) = out
            .report
            .inventory
            .identities
            .iter()
            .find(|n| n.identity.eq_ignore_ascii_case(id))
        {
            if let Some(s) = n
                .sightings
                .iter()
                .find(|s| s.at_head)
                .or(n.sightings.first())
            {
                return location(&s.path, Some(s.line));
            }
        }
    }
    location(&c.origin.file, c.origin.line)
}

pub fn value(out: &GapOutput<'_>) -> Value {
    let r = out.report;
    let descriptors: Vec<Value> = rules::ALL
        .iter()
        .map(|(id, name, help)| {
            let review = *id == rules::EXCEPTION_NEEDS_REVIEW;
            json!({
                "id": id,
                "name": name,
                "shortDescription": {"text": name},
                "fullDescription": {"text": help},
                "help": {"text": help, "markdown": format!("**{name}**\n\n{help}")},
                "defaultConfiguration": {"level": if review { "warning" } else { "error" }},
                "properties": {
                    "tags": ["security", "gap"],
                    "precision": "high",
                    "security-severity": if review { "5.5" } else { "7.5" },
                }
            })
        })
        .collect();
    let results: Vec<Value> = r
        .claims
        .iter()
        .filter(|c| c.verdict == Verdict::Contradicted || c.review)
        .filter_map(|c| {
            let rule = c.rule?;
            let index = rules::ALL.iter().position(|(id, _, _)| *id == rule)?;
            let mut related = Vec::new();
            for (i, e) in c.evidence.iter().enumerate().skip(1).take(50) {
                let mut l = location(&e.path, Some(e.line));
                l["id"] = json!(i);
                l["message"] = json!({"text": format!("{} ({})", e.rule_id, if e.at_head { "at HEAD" } else { "history only" })});
                related.push(l);
            }
            if c.origin.line.is_some() {
                let mut l = location(&c.origin.file, c.origin.line);
                l["id"] = json!(0);
                l["message"] = json!({"text": format!("the claim ({})", c.origin.source.describe())});
                related.push(l);
            }
            let key = {
                let mut h = blake3::Hasher::new();
                h.update(rule.as_bytes());
                h.update(b"\0");
                h.update(c.id.as_bytes());
                h.update(b"\0");
                h.update(c.origin.to_string().as_bytes());
                h.finalize().to_hex()[..32].to_string()
            };
            let fingerprints: Vec<&str> = c.evidence.iter().map(|e| e.fingerprint.as_str()).collect();
            let mut result = json!({
                "ruleId": rule,
                "ruleIndex": index,
                "level": if c.verdict == Verdict::Contradicted { "error" } else { "warning" },
                "message": {"text": format!("Claim {}: {} — {}", c.id, c.statement, c.outcome)},
                "locations": [primary(c, out)],
                // The claim, not the line, identifies the result: a moved line is the same gap.
                "partialFingerprints": {
                    "primaryLocationLineHash": format!("{}:1", &key[..16]),
                    "ferretGapClaim/v1": key,
                },
                "properties": {
                    "claim": c.id,
                    "verdict": c.verdict,
                    "review": c.review,
                    "origin": c.origin,
                    "tags": c.tags,
                    "fingerprints": fingerprints,
                    "identities": c.identities,
                }
            });
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            Some(result)
        })
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": TOOL_NAME,
                "semanticVersion": TOOL_VERSION,
                "informationUri": TOOL_URI,
                "rules": descriptors,
            }},
            "automationDetails": {"id": "ferret/gap/"},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {SRCROOT: {"description": {"text": "The root of the scanned repository"}}},
            "results": results,
            "properties": {
                "scope": r.scope,
                "claims": r.counts.claims,
                "by_verdict": r.counts.by_verdict,
                "files_scanned": out.summary.files_scanned,
            }
        }]
    })
}
