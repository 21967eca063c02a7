//! gitleaks: JSON reports (`gitleaks git|dir --report-format json`) and `.gitleaksignore`.
//!
//! A report lists what gitleaks found: each entry becomes an `open` claim (the programme knows
//! about it), matched by the secret's hash when the report is not redacted, else by file and
//! line. A `.gitleaksignore` line (`[commit:]file:rule:line`) tells gitleaks to stop reporting a
//! finding without saying why: it becomes `accepted_risk`.

use super::{line_of, origin, push, secret_hash, str_of, tool_path, Imported};
use crate::claims::{Day, SecretClaim, Selector, SourceKind, Status};
use serde_json::Value;

pub fn report(file: &str, v: &Value) -> Result<Imported, String> {
    let Some(items) = v.as_array() else {
        return Err(format!(
            "{file}: a gitleaks report is a JSON array of findings"
        ));
    };
    let mut out = Imported::default();
    for (i, item) in items.iter().enumerate() {
        let entry = format!("finding {}", i + 1);
        if !item.is_object() {
            out.warnings
                .push(format!("{file} ({entry}): not an object; skipped"));
            continue;
        }
        let rule = str_of(item, "RuleID").unwrap_or("?");
        let mut note = format!("gitleaks rule {rule}");
        if let Some(c) = str_of(item, "Commit") {
            note.push_str(&format!(", commit {}", c.get(..12).unwrap_or(c)));
        }
        let claim = SecretClaim {
            date: str_of(item, "Date").and_then(Day::parse),
            ..SecretClaim::imported(
                Selector {
                    secret_sha256: secret_hash(str_of(item, "Secret")),
                    path: str_of(item, "File").map(tool_path),
                    line: line_of(item.get("StartLine")),
                    loose_path: true,
                    ..Selector::default()
                },
                Status::Open,
                note,
                origin(SourceKind::Gitleaks, file, None, Some(entry)),
            )
        };
        push(&mut out, claim);
    }
    Ok(out)
}

pub fn ignore_file(file: &str, bytes: &[u8]) -> Result<Imported, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("{file}: not UTF-8 text (offset {})", e.valid_up_to()))?;
    let mut out = Imported::default();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i as u32 + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // From the right: the file may itself contain a colon, rule ids and lines never do.
        let mut parts = line.rsplitn(3, ':');
        let (Some(num), Some(rule), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
            out.warnings.push(format!(
                "{file}:{line_no}: not a gitleaks fingerprint (commit:file:rule:line or file:rule:line); skipped"
            ));
            continue;
        };
        let Ok(num) = num.parse::<u32>() else {
            out.warnings.push(format!(
                "{file}:{line_no}: the last field must be a line number; skipped"
            ));
            continue;
        };
        let (commit, path) = match rest.split_once(':') {
            Some((c, p)) if c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()) => {
                (Some(c), p)
            }
            _ => (None, rest),
        };
        let mut note = format!("ignored in .gitleaksignore (gitleaks rule {rule}");
        if let Some(c) = commit {
            note.push_str(&format!(", commit {}", c.get(..12).unwrap_or(c)));
        }
        note.push_str("); no reason recorded");
        let claim = SecretClaim::imported(
            Selector {
                path: Some(tool_path(path)).filter(|p| !p.is_empty()),
                line: Some(num).filter(|n| *n > 0),
                loose_path: true,
                ..Selector::default()
            },
            Status::AcceptedRisk,
            note,
            origin(SourceKind::Gitleaksignore, file, Some(line_no), None),
        );
        push(&mut out, claim);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake credential, strong enough that its hash is kept.
    const TOKEN: &str = "ghp_Q7v2Lm9XkP4rT8wZ1nB5cY3dH6jF0sA2gK8e"; // ferret:allow

    #[test]
    fn report_entries_become_open_claims() {
        let v: Value = serde_json::from_str(
            &r#"[{"RuleID":"github-pat","File":"src/a.py","StartLine":4,"Secret":"TOKEN","Commit":"0123456789abcdef0123","Date":"2026-01-05T10:00:00Z"},
               {"RuleID":"generic-api-key","File":"b.env","StartLine":1,"Secret":"REDACTED"},
               {"RuleID":"x"}]"#
                .replace("TOKEN", TOKEN),
        )
        .unwrap();
        let out = report("r.json", &v).unwrap();
        assert_eq!(out.ledger.secrets.len(), 2);
        assert_eq!(out.warnings.len(), 1);
        let a = &out.ledger.secrets[0];
        assert_eq!(a.status, Status::Open);
        assert_eq!(
            a.selector.secret_sha256.as_deref(),
            Some(crate::findings::sha256_hex(TOKEN.as_bytes()).as_str())
        );
        assert_eq!(a.selector.line, Some(4));
        assert!(a.note.as_deref().unwrap().contains("commit 0123456789ab"));
        assert!(out.ledger.secrets[1].selector.secret_sha256.is_none());
    }

    #[test]
    fn ignore_lines_with_and_without_commit() {
        let text = b"# known\n0123456789abcdef0123456789abcdef01234567:deploy/key.pem:private-key:1\nsrc/a:b.py:generic-api-key:12\nnonsense\n";
        let out = ignore_file(".gitleaksignore", text).unwrap();
        assert_eq!(out.ledger.secrets.len(), 2);
        assert_eq!(out.warnings.len(), 1);
        let a = &out.ledger.secrets[0];
        assert_eq!(a.selector.path.as_deref(), Some("deploy/key.pem"));
        assert_eq!(a.origin.line, Some(2));
        assert_eq!(a.status, Status::AcceptedRisk);
        assert_eq!(
            out.ledger.secrets[1].selector.path.as_deref(),
            Some("src/a:b.py")
        );
    }
}
