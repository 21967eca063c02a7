//! detect-secrets baselines (`.secrets.baseline`). Each result records the SHA-1 of the secret
//! (`hashed_secret`), its file and line, and after an audit `is_secret`: `false` is a claimed
//! false positive, `true` a confirmed open secret, absent an unaudited known one.

use super::{line_of, origin, push, str_of, tool_path, Imported};
use crate::claims::{SecretClaim, Selector, SourceKind, Status};
use serde_json::Value;

pub fn baseline(file: &str, v: &Value) -> Result<Imported, String> {
    let Some(results) = v.get("results").and_then(|r| r.as_object()) else {
        return Err(format!(
            "{file}: a detect-secrets baseline has a `results` object (file → list of secrets)"
        ));
    };
    let mut out = Imported::default();
    for (filename, items) in results {
        let Some(items) = items.as_array() else {
            out.warnings.push(format!(
                "{file} ({filename}): results are not a list; skipped"
            ));
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let entry = format!("{filename} result {}", i + 1);
            let hashed = str_of(item, "hashed_secret")
                .map(|h| h.to_ascii_lowercase())
                .filter(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            let kind = str_of(item, "type").unwrap_or("secret");
            let (status, note) = match item.get("is_secret").and_then(|b| b.as_bool()) {
                Some(false) => (
                    Status::FalsePositive,
                    format!("{kind}: audited as not a secret"),
                ),
                Some(true) => (Status::Open, format!("{kind}: audited as a real secret")),
                None => (
                    Status::Open,
                    format!("{kind}: in the baseline, not audited"),
                ),
            };
            let claim = SecretClaim::imported(
                Selector {
                    secret_sha1: hashed,
                    path: Some(tool_path(str_of(item, "filename").unwrap_or(filename))),
                    line: line_of(item.get("line_number")),
                    loose_path: true,
                    ..Selector::default()
                },
                status,
                note,
                origin(SourceKind::DetectSecrets, file, None, Some(entry)),
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
    fn audit_results_map_to_statuses() {
        let v: Value = serde_json::from_str(
            r#"{"version":"1.5.0","plugins_used":[],"results":{"a.py":[
                {"type":"Secret Keyword","filename":"a.py","hashed_secret":"ABCDEF0123456789ABCDEF0123456789ABCDEF01","is_verified":false,"line_number":3,"is_secret":false},
                {"type":"AWS Access Key","filename":"a.py","hashed_secret":"abcdef0123456789abcdef0123456789abcdef02","is_verified":false,"line_number":9}]}}"#,
        )
        .unwrap();
        let out = baseline(".secrets.baseline", &v).unwrap();
        let s = &out.ledger.secrets;
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].status, Status::FalsePositive);
        assert_eq!(
            s[0].selector.secret_sha1.as_deref(),
            Some("abcdef0123456789abcdef0123456789abcdef01")
        );
        assert_eq!(s[1].status, Status::Open);
        assert_eq!(s[1].selector.line, Some(9));
        assert!(baseline("x", &serde_json::json!({"results": []})).is_err());
    }
}
