//! Claims: every importer (ferret ledger, gitleaks report and .gitleaksignore, detect-secrets
//! baseline, GitHub secret-scanning alerts, SARIF) on arbitrary bytes, chosen by the first
//! byte, plus format detection; a ledger that loads is reconciled against a few findings and
//! the gap report rendered in every format (JSON and SARIF must parse back). Inline
//! suppression comments are read from the same bytes. Errors are fine, panics are not.
#![no_main]
use ferret::claims::{import, inline};
use ferret::findings::{Confidence, FindingBuilder, Kind, Location, Severity};
use ferret::gap::{reconcile, Context};
use ferret::report::gap::{render, GapFormat, GapOutput};
use ferret::source::Summary;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fn finding(
    rule: &str,
    kind: Kind,
    path: &str,
    line: u32,
    material: &[u8],
) -> ferret::findings::Finding {
    let loc = Location {
        path: path.into(),
        line,
        column: 1,
        end_line: line,
        end_column: 10,
    };
    let b = FindingBuilder::new(rule, kind, rule, loc)
        .severity(Severity::High)
        .confidence(Confidence::High)
        .identity(Some("arn:aws:iam::123456789012:role/ci".into()));
    match kind {
        Kind::Secret => b.secret(material, false).build(),
        _ => b.fingerprint_material(material).build(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let formats = import::Format::ALL;
    let format = formats[pick as usize % formats.len()];
    let names = ["claims.yaml", "report.json", ".gitleaksignore", "x.sarif"];
    let file = names[(pick as usize / formats.len()) % names.len()];
    let _ = import::detect(Path::new(file), bytes);
    let findings = vec![
        finding(
            "github-pat-classic",
            Kind::Secret,
            "src/a.env",
            3,
            b"ghp_secret",
        ),
        finding("aws-iam-admin-wildcard", Kind::Grant, "iam/p.json", 1, b"*"),
    ];
    let _ = inline::scan("src/a.env", bytes, &findings);
    let Ok(imported) = import::import(format, file, bytes) else {
        return;
    };
    let ctx = Context {
        history: pick & 1 == 1,
        scope: "working tree".into(),
        known_rules: findings
            .iter()
            .map(|f| (f.rule_id.clone(), f.kind))
            .collect(),
        seen_paths: Default::default(),
        glob_hits: Default::default(),
        inline_other: Default::default(),
    };
    let report = reconcile(&imported.ledger, &findings, &ctx);
    let summary = Summary::default();
    let out = GapOutput {
        report: &report,
        summary: &summary,
    };
    for f in [GapFormat::Json, GapFormat::Sarif] {
        let text = render(&out, f, false);
        serde_json::from_str::<serde_json::Value>(&text).expect("gap JSON/SARIF parses");
    }
    let _ = render(&out, GapFormat::Text, false);
    let _ = render(&out, GapFormat::Markdown, false);
});
