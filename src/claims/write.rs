//! Writing a ledger as YAML (what `ferret claims import` prints), readable by [`super::ledger`].
//! Every string is double-quoted with JSON escapes, which YAML reads as the same string.

use super::{ControlTest, IdentityStatus, Ledger, SecretClaim, LEDGER_VERSION};
use std::fmt::Write;

fn q(s: &str) -> String {
    serde_json::to_string(s).expect("string serialisation")
}

/// The ledger as YAML. `header` lines become leading comments.
pub fn to_yaml(ledger: &Ledger, header: &[String]) -> String {
    let mut out = String::new();
    for h in header {
        let _ = writeln!(out, "# {h}");
    }
    let _ = writeln!(out, "version: {LEDGER_VERSION}");
    if let Some(p) = &ledger.programme {
        let _ = writeln!(out, "programme: {}", q(p));
    }
    if let Some(d) = ledger.as_of {
        let _ = writeln!(out, "as_of: {d}");
    }
    if !ledger.reported.is_empty() {
        out.push_str("reported:\n");
        for r in &ledger.reported {
            let _ = writeln!(out, "  {}: {}", r.figure.key(), r.value);
        }
    }
    if !ledger.inventory.is_empty() {
        out.push_str("inventory:\n");
        for e in &ledger.inventory {
            let _ = writeln!(out, "  - identity: {}", q(&e.identity));
            if !e.aliases.is_empty() {
                let a: Vec<String> = e.aliases.iter().map(|x| q(x)).collect();
                let _ = writeln!(out, "    aliases: [{}]", a.join(", "));
            }
            opt(&mut out, "kind", &e.kind);
            opt(&mut out, "owner", &e.owner);
            if e.status == IdentityStatus::Offboarded {
                out.push_str("    status: offboarded\n");
            }
            if let Some(d) = e.date {
                let _ = writeln!(out, "    date: {d}");
            }
            opt(&mut out, "ticket", &e.ticket);
            opt(&mut out, "note", &e.note);
        }
    }
    if !ledger.secrets.is_empty() {
        out.push_str("secrets:\n");
        let mut last_source = None;
        for c in &ledger.secrets {
            if last_source != Some((&c.origin.file, c.origin.source)) {
                let _ = writeln!(
                    out,
                    "  # from {} {}",
                    c.origin.source.describe(),
                    c.origin.file
                );
                last_source = Some((&c.origin.file, c.origin.source));
            }
            secret(&mut out, c);
        }
    }
    if !ledger.controls.is_empty() {
        out.push_str("controls:\n");
        for c in &ledger.controls {
            let _ = writeln!(out, "  - id: {}", q(&c.id));
            let _ = writeln!(out, "    claim: {}", q(&c.claim));
            list(&mut out, "rules", &c.scope.rules);
            let kinds: Vec<String> = c.scope.kinds.iter().map(|k| k.to_string()).collect();
            list(&mut out, "kinds", &kinds);
            list(&mut out, "paths", &c.scope.paths);
            list(&mut out, "identities", &c.scope.identities);
            if let Some(s) = c.scope.severity {
                let _ = writeln!(out, "    severity: {s}");
            }
            if c.scope.head_only {
                out.push_str("    scope: head\n");
            }
            match c.test {
                ControlTest::ExpectNone => out.push_str("    expect: none\n"),
                ControlTest::MaxAgeDays(n) => {
                    let _ = writeln!(out, "    max_age_days: {n}");
                }
                ControlTest::InventoryComplete => out.push_str("    inventory_complete: true\n"),
                ControlTest::OffboardingComplete => {
                    out.push_str("    offboarding_complete: true\n")
                }
            }
            opt(&mut out, "owner", &c.owner);
            opt(&mut out, "ticket", &c.ticket);
        }
    }
    out
}

fn secret(out: &mut String, c: &SecretClaim) {
    let mut first = true;
    let mut field = |out: &mut String, k: &str, v: String| {
        let lead = if first { "  - " } else { "    " };
        first = false;
        let _ = writeln!(out, "{lead}{k}: {v}");
    };
    let s = &c.selector;
    if let Some(id) = &c.id {
        field(out, "id", q(id));
    }
    if let Some(v) = &s.fingerprint {
        field(out, "fingerprint", q(v));
    }
    if let Some(v) = &s.secret_sha256 {
        field(out, "secret_sha256", q(v));
    }
    if let Some(v) = &s.secret_sha1 {
        field(out, "secret_sha1", q(v));
    }
    if let Some(v) = &s.identity {
        field(out, "identity", q(v));
    }
    if let Some(v) = &s.path {
        field(out, "path", q(v));
    }
    if let Some(v) = &s.rule_id {
        field(out, "rule_id", q(v));
    }
    if let Some(v) = s.line {
        field(out, "line", v.to_string());
    }
    if let Some(v) = s.end_line {
        field(out, "end_line", v.to_string());
    }
    field(out, "status", c.status.as_str().to_string());
    if let Some(d) = c.date {
        field(out, "date", d.to_string());
    }
    for (k, v) in [("ticket", &c.ticket), ("owner", &c.owner)] {
        if let Some(v) = v {
            field(out, k, q(v));
        }
    }
    let mut note = c.note.clone().unwrap_or_default();
    if let Some(e) = &c.origin.entry {
        note = if note.is_empty() {
            e.clone()
        } else {
            format!("{e}: {note}")
        };
    }
    if !note.is_empty() {
        field(out, "note", q(&note));
    }
}

fn opt(out: &mut String, k: &str, v: &Option<String>) {
    if let Some(v) = v {
        let _ = writeln!(out, "    {k}: {}", q(v));
    }
}

fn list(out: &mut String, k: &str, v: &[String]) {
    if !v.is_empty() {
        let items: Vec<String> = v.iter().map(|x| q(x)).collect();
        let _ = writeln!(out, "    {k}: [{}]", items.join(", "));
    }
}

#[cfg(test)]
mod tests {
    use super::super::ledger::parse;

    #[test]
    fn written_ledgers_read_back_the_same() {
        let text = r#"
version: 1
programme: "Q3 \"NHI\" review"
as_of: 2026-06-30
reported:
  open_secrets: 2
  inventory_coverage_percent: 87.5
inventory:
  - identity: "svc:a"
    aliases: [b, c]
    owner: team
    status: offboarded
    date: 2026-01-01
secrets:
  - fingerprint: 0123456789abcdef0123456789abcdef
    status: rotated
    date: 2026-05-02
    ticket: "SEC-1"
  - path: "a: b.txt"
    rule_id: r
    line: 3
    status: false_positive
    note: "multi\nline"
controls:
  - id: c
    claim: none here
    rules: ["gha-*"]
    kinds: [grant]
    paths: ["infra/**"]
    severity: high
    scope: head
    expect: none
"#;
        let a = parse("a.yaml", text).unwrap();
        let written = super::to_yaml(&a, &["generated".into()]);
        let b = parse("a.yaml", &written).unwrap();
        assert_eq!(a.programme, b.programme);
        assert_eq!(a.as_of, b.as_of);
        assert_eq!(a.reported.len(), b.reported.len());
        assert_eq!(a.reported[1].value, b.reported[1].value);
        assert_eq!(a.inventory[0].aliases, b.inventory[0].aliases);
        assert_eq!(a.inventory[0].status, b.inventory[0].status);
        for (x, y) in a.secrets.iter().zip(&b.secrets) {
            assert_eq!(x.selector, y.selector);
            assert_eq!(
                (x.status, x.date, &x.ticket, &x.note),
                (y.status, y.date, &y.ticket, &y.note)
            );
        }
        assert_eq!(a.controls[0].scope, b.controls[0].scope);
        assert_eq!(a.controls[0].test, b.controls[0].test);
    }
}
