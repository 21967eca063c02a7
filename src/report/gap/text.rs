//! The gap for a terminal: the reported-vs-measured table, the claims by verdict, then the
//! exposure no claim mentions. Colour only when the caller says so.

use super::{sources_line, tag_line, verdict_line, GapOutput};
use crate::claims::short_hash;
use crate::gap::{format_value, ClaimResult, Verdict};
use std::fmt::Write;

/// Evidence lines shown per claim; JSON has them all.
const MAX_EVIDENCE: usize = 5;
/// Unclaimed findings and identities shown; JSON has them all.
const MAX_UNCLAIMED: usize = 25;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn verdict(&self, v: Verdict, review: bool) -> String {
        let (label, code) = match v {
            Verdict::Contradicted => ("CONTRADICTED", "1;31"),
            Verdict::Unverifiable => ("UNVERIFIABLE", "33"),
            Verdict::Stale => ("STALE", "35"),
            Verdict::Holds => ("HOLDS", "32"),
        };
        let mut s = self.paint(code, label);
        if review {
            s.push_str(&self.paint("1;33", " · NEEDS REVIEW"));
        }
        s
    }
}

pub fn render(out: &GapOutput<'_>, color: bool) -> String {
    let r = out.report;
    let st = Style { on: color };
    let mut o = String::new();
    let mut title = "Expectations gap".to_string();
    if let Some(p) = &r.programme {
        title.push_str(&format!(" — {p}"));
    }
    if let Some(d) = r.as_of {
        title.push_str(&format!(" (as of {d})"));
    }
    let _ = writeln!(o, "{}", st.paint("1", &title));
    let _ = writeln!(o, "Scanned: {} · claims from: {}", r.scope, sources_line(r));
    o.push('\n');

    let _ = writeln!(
        o,
        "{}",
        st.paint("1;4", "What was reported, and what the code shows")
    );
    let width = r
        .headline
        .iter()
        .map(|m| m.label.chars().count())
        .max()
        .unwrap_or(10);
    let _ = writeln!(
        o,
        "  {:<width$}  {:>8}  {:>8}  {:<13} Framework",
        "Outcome", "Reported", "Measured", "Verdict"
    );
    for m in &r.headline {
        let reported = m
            .reported
            .map_or("-".to_string(), |v| format_value(v, m.unit));
        let measured = match m.measured {
            Some(v) => format_value(v, m.unit),
            None => "n/a".to_string(),
        };
        let verdict = match m.verdict {
            Some(v) => {
                let label = format!("{:<13}", v.as_str());
                match v {
                    Verdict::Contradicted => st.paint("1;31", &label),
                    Verdict::Holds => st.paint("32", &label),
                    _ => st.paint("33", &label),
                }
            }
            None => format!("{:<13}", ""),
        };
        let _ = writeln!(
            o,
            "  {:<width$}  {:>8}  {:>8}  {} {}",
            m.label,
            reported,
            measured,
            verdict,
            tag_line(&m.tags)
        );
        if let Some(why) = m.unmeasured {
            let _ = writeln!(
                o,
                "  {:<width$}  {}",
                "",
                st.paint("2", &format!("↳ {why}"))
            );
        }
    }
    o.push('\n');

    let _ = writeln!(
        o,
        "{} {}",
        st.paint("1;4", &format!("Claims ({})", r.claims.len())),
        verdict_line(r)
    );
    if r.claims.is_empty() {
        let _ = writeln!(o, "  No claims were given: everything below is unclaimed.");
    }
    let mut current: Option<Verdict> = None;
    for c in &r.claims {
        if current != Some(c.verdict) {
            o.push('\n');
            current = Some(c.verdict);
        }
        claim(&mut o, &st, c);
    }
    o.push('\n');

    let u = &r.unclaimed;
    let _ = writeln!(
        o,
        "{}",
        st.paint("1;4", "Unclaimed exposure (what no claim mentions)")
    );
    if u.findings.is_empty() {
        let _ = writeln!(o, "  Every finding is covered by a claim.");
    } else {
        let _ = writeln!(
            o,
            "  {} no claim covers:",
            if u.findings.len() == 1 {
                "1 finding".to_string()
            } else {
                format!("{} findings", u.findings.len())
            }
        );
        for e in u.findings.iter().take(MAX_UNCLAIMED) {
            let mut line = format!("    {:<8} {} {}", e.severity.as_str(), e.rule_id, e.place());
            if let Some(id) = &e.identity {
                line.push_str(&format!(" ({id})"));
            }
            line.push_str(&format!(
                " · {} · fp {}",
                if e.at_head { "at HEAD" } else { "history only" },
                short_hash(&e.fingerprint)
            ));
            let _ = writeln!(o, "{line}");
        }
        more(&mut o, u.findings.len(), MAX_UNCLAIMED);
    }
    let cov = match u.coverage.percent {
        Some(p) => format!(
            "inventory coverage {}: {} of {} identities found are known",
            format_value(p, crate::gap::Unit::Percent),
            u.coverage.known,
            u.coverage.found
        ),
        None => "no identity found in the code".to_string(),
    };
    if u.identities.is_empty() {
        let _ = writeln!(o, "  The inventory knows every identity found ({cov}).");
    } else {
        let _ = writeln!(
            o,
            "  {} the inventory lacks ({cov}):",
            if u.identities.len() == 1 {
                "1 identity".to_string()
            } else {
                format!("{} identities", u.identities.len())
            }
        );
        for i in u.identities.iter().take(MAX_UNCLAIMED) {
            let _ = writeln!(
                o,
                "    {} [{}{}] {}",
                i.identity,
                i.kind,
                if i.privileged { ", privileged" } else { "" },
                i.locations.join(", ")
            );
        }
        more(&mut o, u.identities.len(), MAX_UNCLAIMED);
    }
    if !r.other_suppressions.is_empty() {
        let parts: Vec<String> = r
            .other_suppressions
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        let _ = writeln!(
            o,
            "  Suppression comments that hide nothing ferret finds: {}.",
            parts.join(", ")
        );
    }
    let s = out.summary;
    o.push('\n');
    let mut tail = format!("{} files scanned", s.files_scanned);
    if s.skipped_total() > 0 {
        tail.push_str(&format!(", {} skipped", s.skipped_total()));
    }
    let _ = writeln!(o, "{}", st.paint("2", &tail));
    for w in &s.warnings {
        let _ = writeln!(o, "{} {w}", st.paint("33", "warning:"));
    }
    o
}

fn more(o: &mut String, total: usize, shown: usize) {
    if total > shown {
        let _ = writeln!(o, "    … and {} more (see --format json)", total - shown);
    }
}

fn claim(o: &mut String, st: &Style, c: &ClaimResult) {
    let _ = writeln!(
        o,
        "  {} {} ({})",
        st.verdict(c.verdict, c.review),
        st.paint("1", &c.id),
        c.origin
    );
    let _ = writeln!(o, "      claim:    {}", c.statement);
    let _ = writeln!(o, "      evidence: {}", c.outcome);
    for e in c.evidence.iter().take(MAX_EVIDENCE) {
        let mut line = format!(
            "      · {} {} {}",
            short_hash(&e.fingerprint),
            e.rule_id,
            e.place()
        );
        line.push_str(if e.at_head {
            " (at HEAD)"
        } else {
            " (history only)"
        });
        if let Some(n) = &e.note {
            line.push_str(&format!(" — {n}"));
        }
        let _ = writeln!(o, "{line}");
    }
    if c.evidence.is_empty() && c.section != crate::gap::Section::Inventory {
        for id in c.identities.iter().take(MAX_EVIDENCE) {
            let _ = writeln!(o, "      · identity {id}");
        }
    }
    if c.evidence.len() > MAX_EVIDENCE {
        let _ = writeln!(
            o,
            "      · … and {} more (see --format json)",
            c.evidence.len() - MAX_EVIDENCE
        );
    }
    for cv in &c.caveats {
        let _ = writeln!(o, "      caveat:   {cv}");
    }
    let mut tags = tag_line(&c.tags);
    if let Some(rule) = c.rule {
        tags.push_str(&format!(" · {rule}"));
    }
    let _ = writeln!(o, "      {}", st.paint("2", &tags));
}
