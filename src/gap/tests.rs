//! One test per verdict rule, on findings built here (the CLI tests in tests/gap.rs run the
//! same rules through the real engine).

use super::*;
use crate::claims::ledger::parse;
use crate::findings::{sha1_hex, sha256_hex, FindingBuilder, Introduction, Location, Provenance};

fn loc(path: &str, line: u32) -> Location {
    Location {
        path: path.into(),
        line,
        column: 1,
        end_line: line,
        end_column: 10,
    }
}

fn secret(rule: &str, path: &str, line: u32, raw: &str, conf: Confidence) -> Finding {
    FindingBuilder::new(rule, Kind::Secret, "Demo token", loc(path, line))
        .severity(Severity::High)
        .confidence(conf)
        .tags(["NHI2"])
        .secret(raw.as_bytes(), false)
        .build()
}

fn with_id(mut f: Finding, id: &str) -> Finding {
    f.identity = Some(id.into());
    f
}

/// Provenance as a history scan gives it: introduced on `date`, lifetime in days.
fn hist(mut f: Finding, in_head: bool, date: &str, lifetime: u32) -> Finding {
    f.provenance = Some(Provenance {
        commit: "c0ffee0000000000000000000000000000000000".into(),
        author: "dev".into(),
        date: format!("{date}T12:00:00Z"),
        in_head,
        removed_in: (!in_head).then(|| "dead000000000000000000000000000000000000".into()),
        first_seen: format!("{date}T12:00:00Z"),
        last_seen: format!("{date}T12:00:00Z"),
        commits: 2,
        lifetime_days: lifetime,
        ..Provenance::default()
    });
    f
}

fn grant(rule: &str, path: &str, line: u32, identity: &str, sev: Severity) -> Finding {
    FindingBuilder::new(rule, Kind::Grant, "Admin grant", loc(path, line))
        .severity(sev)
        .confidence(Confidence::High)
        .identity(Some(identity.into()))
        .tags(["NHI5"])
        .fingerprint_material(identity)
        .build()
}

fn ctx(history: bool, findings: &[Finding]) -> Context {
    let mut known: BTreeMap<String, Kind> = findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.kind))
        .collect();
    known.insert("aws-iam-admin-wildcard".into(), Kind::Grant);
    known.insert("demo-token".into(), Kind::Secret);
    Context {
        history,
        scope: if history {
            "git history"
        } else {
            "working tree"
        }
        .into(),
        known_rules: known,
        seen_paths: HashSet::new(),
        glob_hits: ["infra/**".to_string()].into_iter().collect(),
        inline_other: BTreeMap::new(),
    }
}

fn run(yaml: &str, findings: &[Finding], history: bool) -> GapReport {
    let ledger = parse("l.yaml", &format!("version: 1\n{yaml}")).unwrap();
    reconcile(&ledger, findings, &ctx(history, findings))
}

fn claim<'r>(r: &'r GapReport, id: &str) -> &'r ClaimResult {
    r.claims
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no claim {id} in {:#?}", r.claims))
}

fn fp(f: &Finding) -> &str {
    &f.fingerprint
}

#[test]
fn rotated_but_still_at_head_is_contradicted() {
    let f = secret("demo-token", "app.env", 3, "demo_live_1", Confidence::High);
    let r = run(
        &format!(
            "secrets:\n  - fingerprint: {}\n    status: rotated\n    date: 2026-05-02\n",
            fp(&f)
        ),
        std::slice::from_ref(&f),
        false,
    );
    let c = claim(&r, "secrets[0]");
    assert_eq!(c.verdict, Verdict::Contradicted);
    assert_eq!(c.rule, Some(rules::ROTATED_STILL_PRESENT));
    assert!(c.outcome.contains("app.env:3"), "{}", c.outcome);
    assert_eq!(c.evidence[0].fingerprint, f.fingerprint);
    assert!(c.tags.contains(&"NHI7"));
}

#[test]
fn rotated_and_only_in_history_before_the_date_holds_with_a_caveat() {
    let f = hist(
        secret("demo-token", "old.env", 1, "demo_old", Confidence::High),
        false,
        "2026-01-10",
        100,
    );
    let r = run(
        &format!(
            "secrets:\n  - secret_sha256: {}\n    status: revoked\n    date: 2026-05-02\n",
            sha256_hex(b"demo_old")
        ),
        &[f],
        true,
    );
    let c = claim(&r, "secrets[0]");
    assert_eq!(c.verdict, Verdict::Holds);
    assert!(c
        .caveats
        .iter()
        .any(|x| x.contains("cannot be proven offline")));
}

#[test]
fn rotated_but_committed_again_after_the_date_is_contradicted() {
    let f = hist(
        secret("demo-token", "new.env", 1, "demo_again", Confidence::High),
        false,
        "2026-05-20",
        10,
    );
    let r = run(
        &format!(
            "secrets:\n  - fingerprint: {}\n    status: rotated\n    date: 2026-05-02\n",
            fp(&f)
        ),
        std::slice::from_ref(&f),
        true,
    );
    let c = claim(&r, "secrets[0]");
    assert_eq!(c.verdict, Verdict::Contradicted);
    assert_eq!(c.rule, Some(rules::ROTATED_RECOMMITTED));
    assert!(c.outcome.contains("2026-05-20"), "{}", c.outcome);
    assert_eq!(
        c.evidence[0].note.as_deref(),
        Some("committed to new.env on 2026-05-20 (c0ffee0000), after 2026-05-02")
    );
    // The same day as the rotation is given the benefit of the doubt.
    let same_day = hist(
        secret("demo-token", "new.env", 1, "demo_again", Confidence::High),
        false,
        "2026-05-02",
        10,
    );
    let r = run(
        &format!(
            "secrets:\n  - fingerprint: {}\n    status: rotated\n    date: 2026-05-02\n",
            fp(&same_day)
        ),
        std::slice::from_ref(&same_day),
        true,
    );
    assert_eq!(claim(&r, "secrets[0]").verdict, Verdict::Holds);
}

#[test]
fn a_recommit_at_another_path_after_the_date_is_contradicted() {
    // First brought in (and claimed revoked) at one path, brought back later at another.
    let mut f = hist(
        secret(
            "demo-token",
            "scripts/old.py",
            4,
            "demo_back",
            Confidence::High,
        ),
        false,
        "2026-01-05",
        60,
    );
    let intro = |path: &str, date: &str, commit: &str| Introduction {
        path: path.into(),
        commit: commit.into(),
        author: "dev".into(),
        date: format!("{date}T10:00:00Z"),
        time: None,
    };
    f.provenance.as_mut().unwrap().introduced = vec![
        intro("scripts/old.py", "2026-01-05", "aaaaaaaaaa11"),
        intro("tools/old.py", "2026-02-10", "bbbbbbbbbb22"),
    ];
    let r = run(
        &format!(
            "secrets:\n  - fingerprint: {}\n    status: revoked\n    date: 2026-01-12\n",
            fp(&f)
        ),
        std::slice::from_ref(&f),
        true,
    );
    let c = claim(&r, "secrets[0]");
    assert_eq!(c.verdict, Verdict::Contradicted);
    assert!(
        c.outcome
            .contains("2026-02-10 (commit bbbbbbbbbb, tools/old.py)"),
        "{}",
        c.outcome
    );
}

#[test]
fn rotation_without_history_and_nothing_in_the_tree_is_unverifiable() {
    let r = run(
        "secrets:\n  - fingerprint: 0123456789abcdef0123456789abcdef\n    status: rotated\n",
        &[],
        false,
    );
    let c = claim(&r, "secrets[0]");
    assert_eq!(c.verdict, Verdict::Unverifiable);
    assert!(c.outcome.contains("--history"));
    // With history scanned, a claim that matches nothing anywhere is stale.
    let r = run(
        "secrets:\n  - fingerprint: 0123456789abcdef0123456789abcdef\n    status: rotated\n",
        &[],
        true,
    );
    assert_eq!(claim(&r, "secrets[0]").verdict, Verdict::Stale);
}

#[test]
fn removal_is_not_rotation() {
    let gone = hist(
        secret("demo-token", "k.env", 2, "demo_gone", Confidence::High),
        false,
        "2025-11-01",
        60,
    );
    let r = run(
        &format!(
            "secrets:\n  - fingerprint: {}\n    status: removed\n",
            fp(&gone)
        ),
        std::slice::from_ref(&gone),
        true,
    );
    let c = claim(&r, "secrets[0]");
    assert_eq!(c.verdict, Verdict::Contradicted);
    assert_eq!(c.rule, Some(rules::REMOVAL_NOT_ROTATION));
    assert!(c.outcome.contains("removal is not rotation"));
    // The same secret also claimed rotated: the removal holds.
    let r = run(
        &format!(
            "secrets:\n  - fingerprint: {f}\n    status: removed\n  - fingerprint: {f}\n    status: rotated\n    date: 2026-01-01\n",
            f = fp(&gone)
        ),
        std::slice::from_ref(&gone),
        true,
    );
    assert_eq!(claim(&r, "secrets[0]").verdict, Verdict::Holds);
    assert_eq!(claim(&r, "secrets[1]").verdict, Verdict::Holds);
    // Still at HEAD.
    let here = secret("demo-token", "k.env", 2, "demo_here", Confidence::High);
    let r = run(
        "secrets:\n  - path: k.env\n    rule_id: demo-token\n    status: removed\n",
        &[here],
        false,
    );
    let c = claim(&r, "secrets[0]");
    assert_eq!(c.verdict, Verdict::Contradicted);
    assert_eq!(c.rule, Some(rules::REMOVED_STILL_PRESENT));
}

#[test]
fn exceptions_on_high_confidence_secrets_need_review() {
    let strong = secret("demo-token", "a.py", 1, "demo_strong", Confidence::High);
    let weak = secret("generic-password", "b.py", 1, "hunter2!x", Confidence::Low);
    let r = run(
        &format!(
            "secrets:\n  - secret_sha1: {}\n    status: false_positive\n  - path: b.py\n    status: false_positive\n  - fingerprint: {}\n    status: accepted_risk\n    owner: team\n",
            sha1_hex(b"demo_strong"),
            fp(&strong)
        ),
        &[strong.clone(), weak],
        false,
    );
    let a = claim(&r, "secrets[0]");
    assert_eq!(a.verdict, Verdict::Unverifiable);
    assert!(a.review);
    assert_eq!(a.rule, Some(rules::EXCEPTION_NEEDS_REVIEW));
    let b = claim(&r, "secrets[1]");
    assert_eq!(b.verdict, Verdict::Holds);
    assert!(!b.review);
    assert!(b.caveats[0].contains("confidence in this match is low"));
    let c = claim(&r, "secrets[2]");
    assert_eq!(c.verdict, Verdict::Holds);
    assert!(c.review);
    assert_eq!(r.review(), 2);
}

#[test]
fn inline_suppressions_of_real_secrets_are_reported() {
    let strong = secret("demo-token", "s.sh", 4, "demo_inline", Confidence::High);
    let sup = crate::claims::inline::Suppression {
        tool: "gitleaks",
        marker: "gitleaks:allow".into(),
        path: "s.sh".into(),
        line: 4,
        finding_line: 4,
        fingerprints: vec![strong.fingerprint.clone()],
    };
    let mut ledger = parse("l.yaml", "version: 1\n").unwrap();
    ledger.secrets.extend(sup.claims());
    let r = reconcile(&ledger, std::slice::from_ref(&strong), &ctx(false, &[]));
    let c = &r.claims[0];
    assert_eq!(c.id, "inline:s.sh:4");
    assert!(c.review);
    assert!(
        c.outcome.contains("`gitleaks:allow` comment"),
        "{}",
        c.outcome
    );
    assert!(
        r.unclaimed.findings.is_empty(),
        "a suppressed finding is claimed"
    );
}

#[test]
fn stale_and_unverifiable_when_nothing_matches() {
    let f = secret("demo-token", "present.env", 1, "demo_p", Confidence::High);
    let mut c = ctx(false, std::slice::from_ref(&f));
    c.seen_paths.insert("exists.py".into());
    let ledger = parse(
        "l.yaml",
        "version: 1\nsecrets:\n  - path: gone.env\n    status: open\n  - path: exists.py\n    line: 3\n    status: accepted_risk\n  - identity: nobody\n    status: false_positive\n",
    )
    .unwrap();
    let r = reconcile(&ledger, &[f], &c);
    assert_eq!(claim(&r, "secrets[0]").verdict, Verdict::Stale);
    assert_eq!(claim(&r, "secrets[1]").verdict, Verdict::Unverifiable);
    assert_eq!(claim(&r, "secrets[2]").verdict, Verdict::Stale);
}

#[test]
fn open_claims_hold_and_cover_their_findings() {
    let f = with_id(
        secret("demo-token", "x.env", 1, "demo_x", Confidence::High),
        "svc-x",
    );
    let r = run(
        "secrets:\n  - identity: SVC-X\n    status: open\n    ticket: SEC-9\n",
        std::slice::from_ref(&f),
        false,
    );
    let c = claim(&r, "secrets[0]");
    assert_eq!(c.verdict, Verdict::Holds);
    assert!(c.statement.contains("[SEC-9]"));
    assert!(r.unclaimed.findings.is_empty());
}

#[test]
fn imported_paths_match_by_suffix_and_line() {
    let f = secret(
        "demo-token",
        "src/conf/app.env",
        7,
        "demo_imp",
        Confidence::High,
    );
    let mut ledger = parse("l.yaml", "version: 1\n").unwrap();
    let mut c = crate::claims::SecretClaim {
        id: None,
        selector: crate::claims::Selector {
            path: Some("home/ci/work/src/conf/app.env".into()),
            line: Some(7),
            loose_path: true,
            ..Default::default()
        },
        status: Status::Open,
        date: None,
        ticket: None,
        owner: None,
        note: None,
        origin: Origin {
            source: SourceKind::Gitleaks,
            file: "r.json".into(),
            line: None,
            entry: Some("finding 1".into()),
        },
    };
    ledger.secrets.push(c.clone());
    c.selector.line = Some(8);
    ledger.secrets.push(c.clone());
    // A block from line 5 to 9 holds line 7.
    c.selector.line = Some(5);
    c.selector.end_line = Some(9);
    ledger.secrets.push(c);
    let r = reconcile(&ledger, std::slice::from_ref(&f), &ctx(false, &[]));
    let verdicts: Vec<Verdict> = r.claims.iter().map(|c| c.verdict).collect();
    assert_eq!(
        verdicts,
        vec![Verdict::Stale, Verdict::Holds, Verdict::Holds]
    );
}

#[test]
fn offboarded_identities_still_granted_or_referenced() {
    let g = grant(
        "aws-iam-admin-wildcard",
        "infra/iam.json",
        5,
        "arn:aws:iam::1:role/old-ci",
        Severity::Critical,
    );
    let s = hist(
        with_id(
            secret("demo-token", "h.env", 1, "demo_h", Confidence::High),
            "svc-late",
        ),
        false,
        "2026-04-01",
        5,
    );
    let r = run(
        "inventory:\n  - identity: \"arn:aws:iam::1:role/old-ci\"\n    status: offboarded\n    date: 2026-01-01\n  - identity: svc-gone\n    status: offboarded\n  - identity: svc-late\n    status: offboarded\n    date: 2026-03-01\n  - identity: svc-unseen\n    owner: team\n",
        &[g, s],
        true,
    );
    let old = claim(&r, "inventory[0]");
    assert_eq!(old.verdict, Verdict::Contradicted);
    assert_eq!(old.rule, Some(rules::OFFBOARDED_STILL_PRESENT));
    assert!(
        old.outcome.contains("still granted by infra/iam.json:5"),
        "{}",
        old.outcome
    );
    assert_eq!(claim(&r, "inventory[1]").verdict, Verdict::Holds);
    let late = claim(&r, "inventory[2]");
    assert_eq!(late.verdict, Verdict::Contradicted, "{}", late.outcome);
    assert!(late.outcome.contains("after the offboarding date"));
    assert_eq!(claim(&r, "inventory[3]").verdict, Verdict::Unverifiable);
    let m = r
        .headline
        .iter()
        .find(|m| m.figure == Figure::OffboardedActiveIdentities)
        .unwrap();
    assert_eq!(m.measured, Some(2.0));
}

#[test]
fn expect_none_controls() {
    let g = grant(
        "aws-iam-admin-wildcard",
        "infra/iam.json",
        5,
        "arn:aws:iam::1:role/ci",
        Severity::Critical,
    );
    let elsewhere = grant(
        "aws-iam-admin-wildcard",
        "app/iam.json",
        5,
        "arn:aws:iam::1:role/app",
        Severity::Critical,
    );
    let r = run(
        "controls:\n  - id: no-admin-infra\n    claim: No admin grants in infra\n    rules: [\"aws-iam-*\"]\n    paths: [\"infra/**\"]\n    expect: none\n  - id: no-secrets\n    claim: No secrets at all\n    kinds: [secret]\n    expect: none\n  - id: unknown-rule\n    claim: No foo\n    rules: [foo-check]\n    expect: none\n  - id: unseen-path\n    claim: Nothing in terraform\n    paths: [\"terraform/**\"]\n    expect: none\n",
        &[g, elsewhere],
        false,
    );
    let c = claim(&r, "controls.no-admin-infra");
    assert_eq!(c.verdict, Verdict::Contradicted);
    assert_eq!(c.evidence.len(), 1);
    assert_eq!(c.evidence[0].path, "infra/iam.json");
    assert!(c.tags.contains(&"NHI5") && c.tags.contains(&"CSF:PR.AA-05"));
    let s = claim(&r, "controls.no-secrets");
    assert_eq!(s.verdict, Verdict::Holds);
    assert!(s.caveats[0].contains("--history"));
    assert_eq!(
        claim(&r, "controls.unknown-rule").verdict,
        Verdict::Unverifiable
    );
    assert_eq!(
        claim(&r, "controls.unseen-path").verdict,
        Verdict::Unverifiable
    );
}

#[test]
fn secret_lifetime_controls() {
    let old = hist(
        secret("demo-token", "a.env", 1, "demo_a", Confidence::High),
        true,
        "2025-01-01",
        400,
    );
    let young = hist(
        secret("demo-token", "b.env", 1, "demo_b", Confidence::High),
        false,
        "2026-05-01",
        20,
    );
    let ledger = "controls:\n  - id: life\n    claim: No secret lives over 90 days\n    max_age_days: 90\n  - id: life-long\n    claim: No secret lives over 500 days\n    max_age_days: 500\n";
    let r = run(ledger, &[old.clone(), young.clone()], false);
    assert_eq!(claim(&r, "controls.life").verdict, Verdict::Unverifiable);
    let r = run(ledger, &[old, young], true);
    let c = claim(&r, "controls.life");
    assert_eq!(c.verdict, Verdict::Contradicted);
    assert_eq!(c.rule, Some(rules::SECRET_TOO_OLD));
    assert_eq!(c.evidence.len(), 1);
    assert_eq!(c.evidence[0].note.as_deref(), Some("400 days"));
    assert_eq!(claim(&r, "controls.life-long").verdict, Verdict::Holds);
    let max = r
        .headline
        .iter()
        .find(|m| m.figure == Figure::MaxSecretAgeDays)
        .unwrap();
    assert_eq!(max.measured, Some(400.0));
    let median = r
        .headline
        .iter()
        .find(|m| m.figure == Figure::MedianSecretAgeDays)
        .unwrap();
    assert_eq!(median.measured, Some(210.0));
}

#[test]
fn inventory_and_offboarding_completeness() {
    let a = grant(
        "aws-iam-admin-wildcard",
        "infra/a.json",
        1,
        "role-a",
        Severity::Critical,
    );
    let b = with_id(
        secret("demo-token", "b.env", 1, "demo_b", Confidence::High),
        "key-b",
    );
    let controls = "controls:\n  - id: inv\n    claim: Every NHI is inventoried\n    inventory_complete: true\n  - id: off\n    claim: Offboarding is done\n    offboarding_complete: true\n";
    let r = run(
        &format!("inventory:\n  - identity: role-a\n    owner: platform\n{controls}"),
        &[a.clone(), b.clone()],
        false,
    );
    let inv = claim(&r, "controls.inv");
    assert_eq!(inv.verdict, Verdict::Contradicted);
    assert_eq!(inv.identities, vec!["key-b".to_string()]);
    assert_eq!(claim(&r, "controls.off").verdict, Verdict::Unverifiable);
    assert_eq!(r.unclaimed.coverage.percent, Some(50.0));
    assert_eq!(r.unclaimed.identities[0].identity, "key-b");
    let r = run(
        &format!("inventory:\n  - identity: role-a\n    status: offboarded\n  - identity: key-b\n{controls}"),
        &[a.clone(), b.clone()],
        false,
    );
    assert_eq!(claim(&r, "controls.inv").verdict, Verdict::Holds);
    let off = claim(&r, "controls.off");
    assert_eq!(off.verdict, Verdict::Contradicted);
    assert_eq!(off.rule, Some(rules::OFFBOARDING_INCOMPLETE));
    let r = run(
        &format!("inventory:\n  - identity: old-role\n    status: offboarded\n  - identity: role-a\n  - identity: key-b\n{controls}"),
        &[a, b],
        false,
    );
    assert_eq!(claim(&r, "controls.off").verdict, Verdict::Holds);
    // Both identities known, neither with an owner.
    let unowned = r
        .headline
        .iter()
        .find(|m| m.figure == Figure::UnownedIdentities)
        .unwrap();
    assert_eq!(unowned.measured, Some(2.0));
}

#[test]
fn reported_figures_against_measured_ones() {
    let s1 = secret("demo-token", "a.env", 1, "demo_1", Confidence::High);
    let s2 = secret("demo-token", "b.env", 1, "demo_2", Confidence::High);
    let g = grant(
        "aws-iam-admin-wildcard",
        "infra/a.json",
        1,
        "role-a",
        Severity::Critical,
    );
    let r = run(
        "reported:\n  open_secrets: 1\n  overprivileged_identities: 3\n  secrets_in_history: 0\n  inventory_coverage_percent: 90\n",
        &[s1.clone(), s2.clone(), g],
        false,
    );
    let open = claim(&r, "reported.open_secrets");
    assert_eq!(open.verdict, Verdict::Contradicted);
    assert_eq!(open.rule, Some(rules::UNDER_REPORTED));
    assert!(
        open.outcome.contains("Reported 1, measured 2"),
        "{}",
        open.outcome
    );
    let m = r
        .headline
        .iter()
        .find(|m| m.figure == Figure::OpenSecrets)
        .unwrap();
    assert_eq!(m.reported, Some(1.0));
    assert_eq!(m.verdict, Some(Verdict::Contradicted));
    let mut fps = vec![s1.fingerprint.clone(), s2.fingerprint.clone()];
    fps.sort();
    assert_eq!(m.fingerprints, fps);
    let over = claim(&r, "reported.overprivileged_identities");
    assert_eq!(over.verdict, Verdict::Holds);
    assert!(!over.caveats.is_empty());
    assert_eq!(
        claim(&r, "reported.secrets_in_history").verdict,
        Verdict::Unverifiable
    );
    // Coverage: 0 of 1 identity known, 90% reported.
    assert_eq!(
        claim(&r, "reported.inventory_coverage_percent").verdict,
        Verdict::Contradicted
    );
}

#[test]
fn claims_are_ordered_by_verdict_and_counted() {
    let f = secret("demo-token", "a.env", 1, "demo_1", Confidence::High);
    let r = run(
        &format!(
            "secrets:\n  - fingerprint: {}\n    status: open\n  - path: nothing\n    status: open\n  - fingerprint: {}\n    status: removed\nreported:\n  open_secrets: 0\n",
            fp(&f),
            fp(&f)
        ),
        std::slice::from_ref(&f),
        false,
    );
    let order: Vec<Verdict> = r.claims.iter().map(|c| c.verdict).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    assert_eq!(r.counts.by_verdict["contradicted"], 2);
    assert_eq!(r.counts.by_verdict["stale"], 1);
    assert_eq!(r.counts.by_verdict["holds"], 1);
    assert_eq!(r.contradicted(), 2);
}

#[test]
fn wildcards_and_paths() {
    assert!(wildcard("gha-*", "gha-permissions-write-all"));
    assert!(wildcard("*admin*", "aws-iam-admin-wildcard"));
    assert!(!wildcard("gha-*", "k8s-x"));
    assert!(wildcard(
        "arn:aws:iam::*:role/ci-*",
        "arn:aws:iam::123:role/ci-deploy"
    ));
    assert!(path_matches("a/b.py", true, "x/a/b.py"));
    assert!(path_matches(
        "/abs/x/a/b.py".trim_start_matches('/'),
        true,
        "a/b.py"
    ));
    assert!(!path_matches("b.py", true, "ab.py"));
    assert!(!path_matches("a/b.py", false, "x/a/b.py"));
}
