//! GitHub secret scanning alerts, as exported from the REST API
//! (`gh api --paginate repos/OWNER/REPO/secret-scanning/alerts > alerts.json`).
//!
//! `state: open` is a known open secret; `resolved` alerts carry a `resolution`: `revoked`,
//! `false_positive`, `wont_fix` (an accepted risk) or `used_in_tests` (accepted, for tests).
//! The export holds the raw secret: only its SHA-256 is kept.

use super::{line_of, origin, push, secret_hash, str_of, tool_path, Imported};
use crate::claims::{Day, SecretClaim, Selector, SourceKind, Status};
use serde_json::Value;

pub fn alerts(file: &str, v: &Value) -> Result<Imported, String> {
    // `gh api --paginate` without `--slurp` concatenates pages; accept one array only and say so.
    let Some(items) = v.as_array() else {
        return Err(format!(
            "{file}: expected a JSON array of secret scanning alerts (use `gh api --paginate --slurp … | jq 'add'` for several pages)"
        ));
    };
    let mut out = Imported::default();
    for (i, a) in items.iter().enumerate() {
        let number = a.get("number").and_then(|n| n.as_u64());
        let entry = match number {
            Some(n) => format!("alert #{n}"),
            None => format!("alert {}", i + 1),
        };
        let state = str_of(a, "state").unwrap_or("");
        let resolution = str_of(a, "resolution");
        let (status, extra) = match (state, resolution) {
            ("open", _) => (Status::Open, None),
            ("resolved", Some("revoked")) => (Status::Revoked, None),
            ("resolved", Some("false_positive")) => (Status::FalsePositive, None),
            ("resolved", Some("wont_fix")) => (Status::AcceptedRisk, Some("won't fix")),
            ("resolved", Some("used_in_tests")) => (Status::AcceptedRisk, Some("used in tests")),
            (s, r) => {
                out.warnings.push(format!(
                    "{file} ({entry}): state {s:?} with resolution {:?} says nothing about the secret; skipped",
                    r.unwrap_or("none")
                ));
                continue;
            }
        };
        let kind = str_of(a, "secret_type_display_name")
            .or_else(|| str_of(a, "secret_type"))
            .unwrap_or("secret");
        let mut note = format!("GitHub alert: {kind}");
        if let Some(x) = extra {
            note.push_str(&format!(" ({x})"));
        }
        if let Some(by) = a.get("resolved_by").and_then(|u| str_of(u, "login")) {
            note.push_str(&format!(", resolved by {by}"));
        }
        if let Some(c) = str_of(a, "resolution_comment") {
            note.push_str(&format!(": {}", c.chars().take(200).collect::<String>()));
        }
        let loc = a.get("first_location_detected");
        let claim = SecretClaim {
            date: if status == Status::Open {
                None
            } else {
                str_of(a, "resolved_at").and_then(Day::parse)
            },
            ticket: str_of(a, "html_url").map(str::to_string),
            ..SecretClaim::imported(
                Selector {
                    secret_sha256: secret_hash(str_of(a, "secret")),
                    path: loc.and_then(|l| str_of(l, "path")).map(tool_path),
                    line: loc.and_then(|l| line_of(l.get("start_line"))),
                    loose_path: true,
                    ..Selector::default()
                },
                status,
                note,
                origin(SourceKind::GithubAlerts, file, None, Some(entry)),
            )
        };
        push(&mut out, claim);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Fake credentials, strong enough that their hashes are kept.
    const SLACK: &str = "xoxb-2840391756-4839201756384-Zq8kP2mXw9LrT4vB7nC1dY6s"; // ferret:allow
    const GITHUB: &str = "ghp_Q7v2Lm9XkP4rT8wZ1nB5cY3dH6jF0sA2gK8e"; // ferret:allow
    const GITLAB: &str = "glpat-Zq8kP2mXw9LrT4vB7nC1"; // ferret:allow
    const STRIPE: &str = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"; // ferret:allow

    #[test]
    fn resolutions_map_to_statuses() {
        let v: Value = serde_json::from_str(&
            r#"[{"number":3,"state":"resolved","resolution":"revoked","resolved_at":"2026-02-01T09:00:00Z","secret":"SLACK","first_location_detected":{"path":"/a/b.env","start_line":2}},
                {"number":2,"state":"resolved","resolution":"used_in_tests","secret":"GITHUB"},
                {"number":1,"state":"resolved","resolution":"pattern_deleted","secret":"GITLAB"},
                {"number":0,"state":"open","secret":"STRIPE","resolved_at":null}]"#
                .replace("SLACK", SLACK)
                .replace("GITHUB", GITHUB)
                .replace("GITLAB", GITLAB)
                .replace("STRIPE", STRIPE),
        )
        .unwrap();
        let out = alerts("alerts.json", &v).unwrap();
        let s = &out.ledger.secrets;
        assert_eq!(s.len(), 3);
        assert_eq!(out.warnings.len(), 1);
        assert_eq!(s[0].status, Status::Revoked);
        assert_eq!(s[0].date.unwrap().to_string(), "2026-02-01");
        assert_eq!(s[0].selector.path.as_deref(), Some("a/b.env"));
        assert_eq!(s[0].origin.entry.as_deref(), Some("alert #3"));
        assert_eq!(s[1].status, Status::AcceptedRisk);
        assert!(s[1].note.as_deref().unwrap().contains("used in tests"));
        assert_eq!(s[2].status, Status::Open);
        assert!(s[2].date.is_none());
    }
}
