//! The gap as Markdown for a GitHub job summary (`$GITHUB_STEP_SUMMARY`) or a risk owner's
//! inbox: outcomes first, then claims by verdict (the ones that hold folded away), then the
//! unclaimed exposure. Tables are capped so a large repository stays under GitHub's 1 MiB
//! summary limit; the JSON report has everything.

use super::{sources_line, tag_line, verdict_line, GapOutput};
use crate::claims::short_hash;
use crate::gap::{format_value, ClaimResult, Verdict};
use std::fmt::Write;

const MAX_ROWS: usize = 100;

fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', "<br>")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace("&lt;br&gt;", "<br>")
}

fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'").replace('|', "\\|"))
}

fn icon(v: Verdict) -> &'static str {
    match v {
        Verdict::Contradicted => "❌",
        Verdict::Unverifiable => "❔",
        Verdict::Stale => "🗑️",
        Verdict::Holds => "✅",
    }
}

fn heading(v: Verdict) -> &'static str {
    match v {
        Verdict::Contradicted => "Contradicted: the code shows otherwise",
        Verdict::Unverifiable => "Unverifiable: nothing here can check them",
        Verdict::Stale => "Stale: they name nothing that exists",
        Verdict::Holds => "Holds: the code agrees",
    }
}

fn claims_table(o: &mut String, items: &[&ClaimResult]) {
    o.push_str("| Claim | What the code shows | Evidence | Framework |\n|---|---|---|---|\n");
    for c in items.iter().take(MAX_ROWS) {
        let mut claim = format!("**{}** {}", cell(&c.id), cell(&c.statement));
        if c.review {
            claim.push_str("<br>👀 **needs review**");
        }
        claim.push_str(&format!("<br><sub>{}</sub>", cell(&c.origin.to_string())));
        let mut shows = cell(&c.outcome);
        for cv in &c.caveats {
            shows.push_str(&format!("<br><sub>⚠️ {}</sub>", cell(cv)));
        }
        let mut ev: Vec<String> = c
            .evidence
            .iter()
            .take(5)
            .map(|e| {
                format!(
                    "{} {}{}",
                    code(&e.place()),
                    code(short_hash(&e.fingerprint)),
                    if e.at_head { "" } else { " (history)" }
                )
            })
            .collect();
        if c.evidence.len() > 5 {
            ev.push(format!("… {} more", c.evidence.len() - 5));
        }
        if ev.is_empty() && !c.identities.is_empty() {
            ev = c.identities.iter().take(5).map(|i| code(i)).collect();
        }
        let mut tags = tag_line(&c.tags);
        if let Some(rule) = c.rule {
            tags.push_str(&format!("<br>{}", code(rule)));
        }
        let _ = writeln!(o, "| {claim} | {shows} | {} | {} |", ev.join("<br>"), tags);
    }
    if items.len() > MAX_ROWS {
        let _ = writeln!(
            o,
            "\n_… and {} more (see the JSON report)._",
            items.len() - MAX_ROWS
        );
    }
}

pub fn render(out: &GapOutput<'_>) -> String {
    let r = out.report;
    let mut o = String::new();
    let mut title = "## NHI expectations gap".to_string();
    if let Some(p) = &r.programme {
        title.push_str(&format!(" — {}", cell(p)));
    }
    let _ = writeln!(o, "{title}\n");
    let mut sub = Vec::new();
    if let Some(d) = r.as_of {
        sub.push(format!("claims as of {d}"));
    }
    sub.push(format!("scanned: {}", r.scope));
    sub.push(format!("claims from: {}", sources_line(r)));
    let _ = writeln!(o, "_{}_\n", cell(&sub.join(" · ")));
    let contradicted = r.contradicted();
    let headline = if contradicted > 0 {
        format!(
            "**{contradicted} claim{} contradicted by the code.**",
            if contradicted == 1 { " is" } else { "s are" }
        )
    } else {
        "**No claim is contradicted by the code.**".to_string()
    };
    let cov = r
        .unclaimed
        .coverage
        .percent
        .map(|p| {
            format!(
                " · inventory coverage {}",
                format_value(p, crate::gap::Unit::Percent)
            )
        })
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "{headline} Claims: {}. Unclaimed: {} finding{}, {} identit{}{cov}.\n",
        verdict_line(r),
        r.counts.unclaimed_findings,
        if r.counts.unclaimed_findings == 1 {
            ""
        } else {
            "s"
        },
        r.counts.unknown_identities,
        if r.counts.unknown_identities == 1 {
            "y"
        } else {
            "ies"
        },
    );

    o.push_str("### Reported vs measured\n\n");
    o.push_str("| Outcome | Reported | Measured | Verdict | OWASP NHI | NIST CSF 2.0 |\n");
    o.push_str("|---|---:|---:|---|---|---|\n");
    for m in &r.headline {
        let reported = m
            .reported
            .map_or("–".to_string(), |v| format_value(v, m.unit));
        let measured = match (m.measured, m.unmeasured) {
            (Some(v), _) => format_value(v, m.unit),
            (None, Some(why)) => format!("n/a — {why}"),
            (None, None) => "n/a".into(),
        };
        let verdict = m
            .verdict
            .map_or(String::new(), |v| format!("{} {}", icon(v), v.as_str()));
        let nhi: Vec<&str> = m
            .tags
            .iter()
            .copied()
            .filter(|t| t.starts_with("NHI"))
            .collect();
        let csf: Vec<&str> = m
            .tags
            .iter()
            .filter_map(|t| t.strip_prefix("CSF:"))
            .collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            cell(m.label),
            reported,
            cell(&measured),
            verdict,
            nhi.join(", "),
            csf.join(", ")
        );
    }
    o.push('\n');

    o.push_str("### Claims by verdict\n\n");
    if r.claims.is_empty() {
        o.push_str("No claims were given: everything below is unclaimed.\n\n");
    }
    for v in Verdict::ALL {
        let items: Vec<&ClaimResult> = r.claims.iter().filter(|c| c.verdict == v).collect();
        if items.is_empty() {
            continue;
        }
        // Claims that hold are folded away, except those a person should still review.
        let (open, folded): (Vec<&ClaimResult>, Vec<&ClaimResult>) = if v == Verdict::Holds {
            items.iter().partition(|c| c.review)
        } else {
            (items.clone(), Vec::new())
        };
        if !open.is_empty() {
            let title = if v == Verdict::Holds {
                "Holds, but needs review"
            } else {
                heading(v)
            };
            let _ = writeln!(o, "#### {} {title} ({})\n", icon(v), open.len());
            claims_table(&mut o, &open);
            o.push('\n');
        }
        if !folded.is_empty() {
            let _ = writeln!(
                o,
                "<details><summary>{} {} ({})</summary>\n",
                icon(v),
                heading(v),
                folded.len()
            );
            claims_table(&mut o, &folded);
            o.push_str("\n</details>\n\n");
        }
    }

    o.push_str("### Unclaimed exposure\n\n");
    let u = &r.unclaimed;
    if u.findings.is_empty() {
        o.push_str("Every finding is covered by a claim.\n\n");
    } else {
        let _ = writeln!(
            o,
            "**{} finding{} no claim covers** — exposure the programme has not recorded:\n",
            u.findings.len(),
            if u.findings.len() == 1 { "" } else { "s" }
        );
        o.push_str("| Severity | Rule | Where | Identity | Present | Fingerprint |\n|---|---|---|---|---|---|\n");
        for e in u.findings.iter().take(MAX_ROWS) {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                e.severity,
                code(&e.rule_id),
                code(&e.place()),
                e.identity.as_deref().map(code).unwrap_or_default(),
                if e.at_head { "at HEAD" } else { "history only" },
                code(short_hash(&e.fingerprint))
            );
        }
        if u.findings.len() > MAX_ROWS {
            let _ = writeln!(o, "\n_… and {} more._", u.findings.len() - MAX_ROWS);
        }
        o.push('\n');
    }
    if u.identities.is_empty() {
        o.push_str("The inventory knows every identity found in the code.\n\n");
    } else {
        let cov = u
            .coverage
            .percent
            .map(|p| format_value(p, crate::gap::Unit::Percent))
            .unwrap_or_else(|| "n/a".into());
        let _ = writeln!(
            o,
            "**{} identit{} the inventory lacks** (inventory coverage {cov}: {} of {} known):\n",
            u.identities.len(),
            if u.identities.len() == 1 { "y" } else { "ies" },
            u.coverage.known,
            u.coverage.found
        );
        o.push_str("| Identity | Kind | Standing privilege | Where |\n|---|---|---|---|\n");
        for i in u.identities.iter().take(MAX_ROWS) {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} |",
                code(&i.identity),
                i.kind,
                if i.privileged { "yes" } else { "no" },
                i.locations
                    .iter()
                    .map(|l| code(l))
                    .collect::<Vec<_>>()
                    .join("<br>")
            );
        }
        o.push('\n');
    }
    if !r.other_suppressions.is_empty() {
        let parts: Vec<String> = r
            .other_suppressions
            .iter()
            .map(|(t, n)| format!("{t}: {n}"))
            .collect();
        let _ = writeln!(
            o,
            "_Suppression comments that hide nothing ferret finds: {}._\n",
            parts.join(", ")
        );
    }
    o
}
