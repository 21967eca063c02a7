//! SARIF 2.1.0 logs from any scanner. A result with `suppressions` records a decision: an
//! accepted suppression (or one with no status) is an accepted risk, one under review or
//! rejected leaves the result open. A result without suppressions is a known open finding.
//! Results are matched by file and line, or by ferret's own fingerprint when the log is ferret's.

use super::{line_of, origin, push, str_of, tool_path, Imported};
use crate::claims::{SecretClaim, Selector, SourceKind, Status};
use serde_json::Value;

pub fn log(file: &str, v: &Value) -> Result<Imported, String> {
    let Some(runs) = v.get("runs").and_then(|r| r.as_array()) else {
        return Err(format!("{file}: a SARIF log has a `runs` array"));
    };
    let mut out = Imported::default();
    for (ri, run) in runs.iter().enumerate() {
        let tool = run
            .pointer("/tool/driver/name")
            .and_then(|n| n.as_str())
            .unwrap_or("a scanner");
        let is_ferret = tool == crate::report::TOOL_NAME;
        let Some(results) = run.get("results").and_then(|r| r.as_array()) else {
            continue;
        };
        for (i, r) in results.iter().enumerate() {
            let entry = if runs.len() > 1 {
                format!("run {} result {}", ri + 1, i + 1)
            } else {
                format!("result {}", i + 1)
            };
            // A result the producing tool marks as gone from the baseline claims nothing now.
            if str_of(r, "baselineState") == Some("absent") {
                continue;
            }
            let rule = str_of(r, "ruleId").unwrap_or("?");
            let phys = r.pointer("/locations/0/physicalLocation");
            let path = phys
                .and_then(|p| p.pointer("/artifactLocation/uri"))
                .and_then(|u| u.as_str())
                .map(tool_path);
            let line = phys.and_then(|p| line_of(p.pointer("/region/startLine")));
            // A tool that reports a whole block (checkov: a resource) claims every line of it.
            let end_line = phys
                .and_then(|p| line_of(p.pointer("/region/endLine")))
                .filter(|e| line.is_some_and(|l| *e > l));
            let fingerprint = if is_ferret {
                r.pointer("/properties/fingerprint")
                    .and_then(|f| f.as_str())
                    .map(str::to_string)
            } else {
                None
            };
            let suppressions = r
                .get("suppressions")
                .and_then(|s| s.as_array())
                .cloned()
                .unwrap_or_default();
            let mut note = format!("{tool} rule {rule}");
            let status = if suppressions.is_empty() {
                Status::Open
            } else {
                // One accepted suppression is enough to hide the result in every viewer.
                let accepted = suppressions
                    .iter()
                    .find(|s| matches!(str_of(s, "status"), None | Some("accepted")));
                match accepted {
                    Some(s) => {
                        let kind = str_of(s, "kind").unwrap_or("external");
                        note.push_str(&format!(
                            ", suppressed ({})",
                            if kind == "inSource" {
                                "in source"
                            } else {
                                "externally"
                            }
                        ));
                        if let Some(j) = str_of(s, "justification") {
                            note.push_str(&format!(
                                ": {}",
                                j.chars().take(200).collect::<String>()
                            ));
                        }
                        Status::AcceptedRisk
                    }
                    None => {
                        note.push_str(", suppression under review or rejected");
                        Status::Open
                    }
                }
            };
            let claim = SecretClaim::imported(
                Selector {
                    fingerprint,
                    path,
                    line,
                    end_line,
                    loose_path: true,
                    ..Selector::default()
                },
                status,
                note,
                origin(SourceKind::Sarif, file, None, Some(entry)),
            );
            push(&mut out, claim);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suppressions_map_to_statuses() {
        let v: Value = serde_json::from_str(
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"checkov"}},"results":[
              {"ruleId":"CKV_AWS_1","locations":[{"physicalLocation":{"artifactLocation":{"uri":"infra/iam.tf"},"region":{"startLine":5,"endLine":12}}}],
               "suppressions":[{"kind":"inSource","justification":"break-glass role"}]},
              {"ruleId":"CKV_AWS_2","locations":[{"physicalLocation":{"artifactLocation":{"uri":"infra/s3.tf"},"region":{"startLine":9}}}],
               "suppressions":[{"kind":"external","status":"underReview"}]},
              {"ruleId":"CKV_AWS_3","locations":[{"physicalLocation":{"artifactLocation":{"uri":"infra/old.tf"}}}],"baselineState":"absent"},
              {"ruleId":"CKV_AWS_4","locations":[{"physicalLocation":{"artifactLocation":{"uri":"infra/kms.tf"},"region":{"startLine":2}}}]}]}]}"#,
        )
        .unwrap();
        let out = log("c.sarif", &v).unwrap();
        let s = &out.ledger.secrets;
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].status, Status::AcceptedRisk);
        assert!(s[0].note.as_deref().unwrap().contains("break-glass role"));
        assert_eq!(s[1].status, Status::Open);
        assert_eq!(s[2].selector.path.as_deref(), Some("infra/kms.tf"));
        assert!(s[0].selector.fingerprint.is_none());
        assert_eq!(
            (s[0].selector.line, s[0].selector.end_line),
            (Some(5), Some(12))
        );
        assert_eq!(s[1].selector.end_line, None);
    }
}
