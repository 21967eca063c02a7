//! `ferret gap`, `ferret inventory` and `ferret claims`, run as a user runs them: on the demo
//! repository in fixtures/gap-demo, on the importer samples in fixtures/claims, and on trees
//! built here.
//!
//! Golden outputs live in tests/golden/; after an intended change, regenerate them with
//! `FERRET_BLESS=1 cargo test --test gap` and review the diff.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ferret() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ferret"));
    c.env_remove("FERRET_FINGERPRINT_SALT")
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .current_dir(root());
    c
}

fn run(args: &[&str]) -> Output {
    ferret().args(args).output().expect("run ferret")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            text(o),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

const DEMO: &str = "fixtures/gap-demo/repo";

/// Compare with tests/golden/NAME, or rewrite it when FERRET_BLESS is set.
fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("FERRET_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with FERRET_BLESS=1 to create it)",
            path.display()
        )
    });
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(expected.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from the output at line {} (FERRET_BLESS=1 regenerates it):\nexpected: {:?}\nactual:   {:?}",
            path.display(),
            first + 1,
            expected.lines().nth(first).unwrap_or(""),
            actual.lines().nth(first).unwrap_or("")
        );
    }
}

/// Verdict (and review flag) per claim id.
fn verdicts(report: &Value) -> BTreeMap<String, (String, bool)> {
    report["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                (
                    c["verdict"].as_str().unwrap().to_string(),
                    c["review"].as_bool().unwrap(),
                ),
            )
        })
        .collect()
}

fn verdict(report: &Value, id: &str) -> String {
    verdicts(report)
        .get(id)
        .unwrap_or_else(|| panic!("no claim {id}"))
        .0
        .clone()
}

#[test]
fn demo_golden_outputs_in_every_format() {
    for (format, file) in [
        ("text", "gap-demo.txt"),
        ("json", "gap-demo.json"),
        ("markdown", "gap-demo.md"),
        ("sarif", "gap-demo.sarif"),
    ] {
        let o = run(&["gap", DEMO, "--format", format]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        golden(file, &text(&o));
    }
    let o = run(&["inventory", DEMO]);
    assert_eq!(o.status.code(), Some(0));
    golden("inventory-demo.txt", &text(&o));
    let o = run(&["inventory", DEMO, "--format", "json"]);
    golden("inventory-demo.json", &text(&o));
}

#[test]
fn demo_ledger_gets_every_verdict() {
    let r = json(&run(&["gap", DEMO, "-f", "json"]));
    let v = verdicts(&r);
    let expect = [
        ("reported.open_secrets", "contradicted"),
        ("reported.secrets_in_history", "unverifiable"),
        ("reported.overprivileged_identities", "contradicted"),
        ("reported.offboarded_active_identities", "contradicted"),
        ("reported.inventory_coverage_percent", "contradicted"),
        ("inventory[0]", "holds"),
        ("inventory[1]", "contradicted"),
        ("inventory[3]", "contradicted"),
        ("inventory[4]", "holds"),
        ("secrets[0]", "holds"),
        ("secrets[1]", "unverifiable"),
        ("secrets[2]", "contradicted"),
        ("secrets[3]", "unverifiable"),
        ("secrets[4]", "unverifiable"),
        ("secrets[5]", "holds"),
        ("secrets[6]", "stale"),
        ("controls.no-credentials-in-config", "contradicted"),
        ("controls.no-private-keys", "holds"),
        ("controls.no-admin-ci", "contradicted"),
        ("controls.secret-lifetime", "unverifiable"),
        ("controls.inventory-complete", "contradicted"),
        ("controls.offboarding-complete", "contradicted"),
        ("inline:scripts/notify.py:5", "holds"),
    ];
    for (id, want) in expect {
        assert_eq!(
            v.get(id).map(|x| x.0.as_str()),
            Some(want),
            "{id}: {:?}",
            v.get(id)
        );
    }
    assert!(
        v["inline:scripts/notify.py:5"].1,
        "a gitleaks:allow on a Slack token needs review"
    );
    for verdict in ["holds", "contradicted", "unverifiable", "stale"] {
        assert!(
            r["summary"]["by_verdict"][verdict].as_u64().unwrap() > 0,
            "{verdict}"
        );
    }
    // Every number is traceable: the open-secrets row lists the fingerprints it counts.
    let open = r["headline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["figure"] == "open_secrets")
        .unwrap();
    assert_eq!(
        open["measured"].as_f64(),
        Some(open["fingerprints"].as_array().unwrap().len() as f64)
    );
    assert!(open["tags"].as_array().unwrap().iter().any(|t| t == "NHI2"));
    assert!(open["tags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t.as_str().unwrap().starts_with("CSF:")));
    // Unclaimed: the new AWS key pair nobody recorded, and its identity missing from the inventory.
    let unclaimed: Vec<&str> = r["unclaimed"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(unclaimed.contains(&".env.production"), "{unclaimed:?}");
    let unknown = r["unclaimed"]["identities"].as_array().unwrap();
    assert!(unknown.iter().any(|i| i["kind"] == "aws-access-key"));
    let cov = r["unclaimed"]["coverage"]["percent"].as_f64().unwrap();
    assert!(cov > 0.0 && cov < 100.0, "{cov}");
}

#[test]
fn no_raw_secret_in_any_gap_output() {
    let scan = json(&run(&[
        "scan",
        DEMO,
        "-f",
        "json",
        "--show-secrets",
        "--exit-zero",
    ]));
    // A value that is its own identity (an AWS access key id) is a name reports may show.
    let secrets: Vec<String> = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "secret" && f["secret"] != f["identity"])
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    assert!(secrets.len() >= 6, "{secrets:?}");
    for format in ["text", "json", "markdown", "sarif"] {
        let out = text(&run(&["gap", DEMO, "-f", format]));
        for s in &secrets {
            assert!(!out.contains(s.as_str()), "{format} output shows a secret");
        }
    }
    let inv = text(&run(&["inventory", DEMO, "-f", "json"]));
    for s in &secrets {
        assert!(!inv.contains(s.as_str()));
    }
}

#[test]
fn sarif_reports_contradicted_claims_as_gap_results() {
    let s = json(&run(&["gap", DEMO, "-f", "sarif"]));
    assert_eq!(s["version"], "2.1.0");
    let run0 = &s["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    let r = json(&run(&["gap", DEMO, "-f", "json"]));
    let contradicted = r["summary"]["by_verdict"]["contradicted"].as_u64().unwrap();
    let review = r["summary"]["review"].as_u64().unwrap();
    // Contradicted claims plus reviews that are not also contradicted.
    assert!(results.len() as u64 >= contradicted && results.len() as u64 <= contradicted + review);
    for res in results {
        let id = res["ruleId"].as_str().unwrap();
        assert!(id.starts_with("gap/"), "{id}");
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], id);
        assert!(matches!(res["level"].as_str(), Some("error" | "warning")));
        let uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/') && !uri.contains(".."), "{uri}");
        assert!(res["partialFingerprints"]["ferretGapClaim/v1"].is_string());
    }
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "gap/rotated-still-present"));
    assert!(results
        .iter()
        .any(|r| r["ruleId"] == "gap/exception-on-real-secret" && r["level"] == "warning"));
}

#[test]
fn markdown_suits_a_job_summary() {
    let md = text(&run(&["gap", DEMO, "-f", "markdown"]));
    assert!(md.starts_with("## NHI expectations gap"));
    assert!(md.contains("| Outcome | Reported | Measured | Verdict | OWASP NHI | NIST CSF 2.0 |"));
    assert!(
        md.contains("<details><summary>✅"),
        "claims that hold are folded away"
    );
    assert!(md.len() < 1 << 20);
    // Table rows keep their column count even when cells hold pipes.
    for line in md.lines().filter(|l| l.starts_with("| ")) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert!(cells == 7 || cells == 5 || cells == 6, "{line}");
    }
}

#[test]
fn exit_codes_follow_the_fail_policy() {
    let code = |args: &[&str]| run(args).status.code();
    assert_eq!(code(&["gap", DEMO]), Some(1));
    assert_eq!(code(&["gap", DEMO, "--exit-zero"]), Some(0));
    assert_eq!(code(&["gap", DEMO, "--fail-on", "never"]), Some(0));
    // Only a review (a suppression comment on a real token) and nothing contradicted.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("notify.py"),
        "TOKEN = \"xoxb-72910364852-3049581726354-Hq2Lm8ZtR4vX9cKp1NwB7sYd\"  # gitleaks:allow\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("ferret.claims.yaml"), "version: 1\n").unwrap();
    let d = dir.path().to_str().unwrap();
    assert_eq!(code(&["gap", d]), Some(0));
    assert_eq!(code(&["gap", d, "--fail-on", "review"]), Some(1));
    assert_eq!(
        code(&["gap", d, "--no-inline-claims", "--fail-on", "review"]),
        Some(0)
    );
    assert_eq!(
        code(&["gap", d, "--no-inline-claims", "--fail-on", "unclaimed"]),
        Some(1)
    );
}

#[test]
fn invalid_ledgers_are_errors_with_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("bad.yaml");
    std::fs::write(
        &ledger,
        "version: 1\nsecrets:\n  - path: a.env\n    status: rotated\n    rotated_on: 2026-01-01\ncontrols:\n  - id: c\n    claim: x\n",
    )
    .unwrap();
    let l = ledger.to_str().unwrap();
    let o = run(&["gap", DEMO, "--claims", l]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{l}:5:5: secrets[0].rotated_on: unknown field")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{l}:7:5: controls[0]: says nothing checkable")),
        "{err}"
    );
    assert!(
        o.stdout.is_empty(),
        "nothing is scanned or reported for an invalid ledger"
    );
    // `claims check` says the same and exits 1; a valid ledger passes.
    let o = run(&["claims", "check", l]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("secrets[0].rotated_on"));
    let o = run(&[
        "claims",
        "check",
        "fixtures/gap-demo/repo/ferret.claims.yaml",
        "fixtures/claims/ferret.claims.json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text(&o).contains(
        "ferret.claims.yaml: ok (7 reported figures, 5 identities, 7 finding claims, 6 controls)"
    ));
    // A missing file, and an unknown import format, are errors too.
    assert_eq!(
        run(&["gap", DEMO, "--claims", "nope.yaml"]).status.code(),
        Some(2)
    );
    let o = run(&[
        "gap",
        DEMO,
        "--claims",
        "fixtures/claims/checkov.sarif.missing",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn importers_print_ledgers() {
    for (tool, file) in [
        ("gitleaks", "gitleaks-report.json"),
        ("gitleaksignore", ".gitleaksignore"),
        ("detect-secrets", ".secrets.baseline"),
        ("github-alerts", "github-alerts.json"),
        ("sarif", "checkov.sarif"),
    ] {
        let path = format!("fixtures/claims/{file}");
        let o = run(&["claims", "import", "--from", tool, &path]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{tool}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let expected =
            std::fs::read_to_string(root().join(format!("fixtures/claims/imported/{tool}.yaml")))
                .unwrap();
        if std::env::var_os("FERRET_BLESS").is_some() {
            std::fs::write(
                root().join(format!("fixtures/claims/imported/{tool}.yaml")),
                text(&o),
            )
            .unwrap();
        } else {
            assert_eq!(text(&o), expected, "{tool}");
        }
        // The printed ledger is itself a valid ledger.
        let check = run(&[
            "claims",
            "check",
            &format!("fixtures/claims/imported/{tool}.yaml"),
        ]);
        assert_eq!(check.status.code(), Some(0), "{tool}");
    }
    // Raw secrets in the tools' files never reach the ledger, only their hashes.
    let imported = text(&run(&[
        "claims",
        "import",
        "--from",
        "github-alerts",
        "fixtures/claims/github-alerts.json",
    ]));
    let alerts: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/claims/github-alerts.json")).unwrap(),
    )
    .unwrap();
    for a in alerts.as_array().unwrap() {
        assert!(!imported.contains(a["secret"].as_str().unwrap()));
    }
    let o = run(&[
        "claims",
        "import",
        "--from",
        "github-alerts",
        "fixtures/claims/github-alerts.json",
    ]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("alert #2"),
        "skipped alerts are named"
    );
}

/// Each importer read directly with `--claims TOOL:FILE` (or detected), against the demo.
#[test]
fn imported_claims_are_held_against_the_demo() {
    let gap = |spec: &str| {
        json(&run(&[
            "gap",
            DEMO,
            "-f",
            "json",
            "--no-inline-claims",
            "--claims",
            spec,
        ]))
    };
    // gitleaks: a report is what the programme knows; the entry ferret cannot find is stale.
    let r = gap("gitleaks:fixtures/claims/gitleaks-report.json");
    assert_eq!(verdict(&r, "gitleaks:finding 1"), "holds");
    assert_eq!(verdict(&r, "gitleaks:finding 2"), "holds");
    assert_eq!(verdict(&r, "gitleaks:finding 3"), "stale");
    // .gitleaksignore: ignoring a real Slack token needs review.
    let r = gap("fixtures/claims/.gitleaksignore");
    assert_eq!(
        verdicts(&r)["gitleaksignore:line 2"],
        ("holds".to_string(), true)
    );
    // detect-secrets: matched by the SHA-1 of the secret; a real GitHub token audited as not a
    // secret needs review, a low-confidence password audited so holds.
    let r = gap("detect-secrets:fixtures/claims/.secrets.baseline");
    assert_eq!(
        verdicts(&r)["detect-secrets:scripts/release.sh result 1"],
        ("unverifiable".to_string(), true)
    );
    assert_eq!(
        verdict(&r, "detect-secrets:app/settings.py result 1"),
        "holds"
    );
    assert_eq!(
        verdict(&r, "detect-secrets:config/database.yml result 1"),
        "holds"
    );
    // GitHub alerts: "revoked" while the token is still in the code is contradicted.
    let r = gap("fixtures/claims/github-alerts.json");
    assert_eq!(verdict(&r, "github-alerts:alert #4"), "contradicted");
    assert_eq!(
        verdicts(&r)["github-alerts:alert #7"],
        ("holds".to_string(), true)
    );
    assert_eq!(verdict(&r, "github-alerts:alert #3"), "holds");
    // SARIF: checkov's suppressed result spans the whole resource (lines 14-25), which holds
    // ferret's admin-wildcard grant on line 21; a result on a file that is gone is stale.
    let r = gap("sarif:fixtures/claims/checkov.sarif");
    assert_eq!(verdict(&r, "sarif:result 1"), "holds");
    assert_eq!(verdict(&r, "sarif:result 2"), "holds");
    assert_eq!(verdict(&r, "sarif:result 3"), "stale");
    let accepted = r["claims"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "sarif:result 1")
        .unwrap();
    assert_eq!(accepted["evidence"][0]["rule_id"], "aws-iam-admin-wildcard");
    assert!(r["sources"][0]["format"] == "sarif");
}

#[test]
fn ledgers_and_imports_merge() {
    let r = json(&run(&[
        "gap",
        DEMO,
        "-f",
        "json",
        "--claims",
        "fixtures/gap-demo/repo/ferret.claims.yaml",
        "--claims",
        "fixtures/claims/.secrets.baseline",
    ]));
    assert_eq!(r["sources"].as_array().unwrap().len(), 2);
    assert!(verdicts(&r).contains_key("secrets[2]"));
    assert!(verdicts(&r).contains_key("detect-secrets:app/settings.py result 1"));
    // Two ledgers cannot both report the same figure.
    let o = run(&[
        "gap",
        DEMO,
        "--claims",
        "fixtures/gap-demo/repo/ferret.claims.yaml",
        "--claims",
        "fixtures/claims/ferret.claims.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("reported.open_secrets is already given"));
}

#[test]
fn without_claims_everything_is_unclaimed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deploy.env"),
        "GITHUB_TOKEN=ghp_R8k2Lq5Zt7Xv1Nc4Bm9Hs3Jd6Fw0Gp2Ty8Ua\n",
    )
    .unwrap();
    let o = run(&["gap", dir.path().to_str().unwrap(), "-f", "json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("every finding is unclaimed"));
    let r = json(&o);
    assert_eq!(r["claims"].as_array().unwrap().len(), 0);
    assert_eq!(r["unclaimed"]["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn inventory_lists_identities_with_where_they_appear() {
    let inv = json(&run(&["inventory", DEMO, "-f", "json"]));
    assert_eq!(inv["report"], "inventory");
    let ids: Vec<&str> = inv["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["identity"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"billing_svc@db.prod.internal"), "{ids:?}");
    assert!(ids.contains(&"legacy_reporting@db.prod.internal"));
    // Generic assignments name a setting, not an identity.
    assert!(!ids.contains(&"SMTP_PASSWORD"));
    let billing = inv["identities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["identity"] == "billing_svc@db.prod.internal")
        .unwrap();
    assert_eq!(billing["sightings"][0]["path"], "config/database.yml");
    assert!(inv["unattributed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|u| u["rule_id"] == "github-pat-classic"));
}

#[test]
fn the_demo_script_is_not_itself_a_finding() {
    let o = run(&[
        "scan",
        "fixtures/gap-demo/make-demo.sh",
        "--include-tests",
        "-f",
        "json",
    ]);
    assert_eq!(json(&o)["findings"].as_array().unwrap().len(), 0);
}

fn has_git() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The history behind the demo: make-demo.sh builds it as a git repository, and `gap --history`
/// judges what the working tree alone cannot (rotations, removals, lifetimes).
#[test]
fn history_tells_what_the_working_tree_cannot() {
    if !has_git() {
        eprintln!("skipped: no git command to build the demo repository");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("acme-billing");
    let o = Command::new("sh")
        .arg(root().join("fixtures/gap-demo/make-demo.sh"))
        .arg(&repo)
        .output()
        .expect("run make-demo.sh");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = run(&["gap", "--history", "-f", "json", repo.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let r = json(&o);
    assert_eq!(r["history"], true);
    // Rotated before the date and never committed again: holds, with the offline caveat.
    assert_eq!(verdict(&r, "secrets[1]"), "holds");
    // The Stripe key was revoked on 2026-01-12 and committed again on 2026-02-10 elsewhere.
    assert_eq!(verdict(&r, "secrets[3]"), "contradicted");
    let claim = |id: &str| {
        r["claims"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(claim("secrets[3]")["rule"], "gap/rotated-recommitted");
    assert!(claim("secrets[3]")["outcome"]
        .as_str()
        .unwrap()
        .contains("2026-02-10"));
    // The deploy key was deleted and nothing says it was rotated.
    assert_eq!(claim("secrets[4]")["rule"], "gap/removal-not-rotation");
    assert_eq!(verdict(&r, "controls.no-private-keys"), "contradicted");
    assert_eq!(verdict(&r, "controls.secret-lifetime"), "contradicted");
    assert_eq!(verdict(&r, "reported.secrets_in_history"), "contradicted");
    // The old AWS key's identity is only in history, before its offboarding date.
    assert_eq!(verdict(&r, "inventory[4]"), "holds");
    let history = r["headline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["figure"] == "secrets_in_history")
        .unwrap();
    assert_eq!(history["measured"].as_f64(), Some(3.0));
    let max = r["headline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["figure"] == "max_secret_age_days")
        .unwrap();
    // The GitHub token has been there since the first commit (2025-09-01).
    assert!(max["measured"].as_f64().unwrap() >= 300.0, "{max}");
    // The ledger in the repository is the programme's record: its key ids are not exposure.
    let text = serde_json::to_string(&r["unclaimed"]).unwrap();
    assert!(!text.contains("ferret.claims.yaml"));
}
