//! AWS, GCP and Azure grant checks beyond the per-fixture snapshots of `tests/grants_ci.rs`:
//! findings point at the text to change, malformed JSON and Terraform are counted warnings
//! that never stop the scan, and mangled input never panics.

use ferret::checks::GrantScanner;
use ferret::source::ScanStats;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scan_json(dir: &Path) -> (Value, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_ferret"))
        .args(["scan", ".", "-f", "json", "--no-progress"])
        .current_dir(dir)
        .output()
        .expect("run ferret");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (v, out.status.code().unwrap_or(-1))
}

/// Fixture files of the cloud platforms, relative to `fixtures/grants/<platform>`.
fn fixtures(platform: &str) -> Vec<(String, String)> {
    let dir = root().join("fixtures/grants").join(platform);
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn findings_point_at_the_text_to_change_and_name_an_identity() {
    for platform in ["aws", "gcp", "azure"] {
        let (report, code) = scan_json(&root().join("fixtures/grants").join(platform));
        assert_eq!(code, 1, "{platform}: findings fail the run");
        let texts: BTreeMap<String, String> = fixtures(platform).into_iter().collect();
        let grants: Vec<&Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "grant")
            .collect();
        assert!(
            grants.len() >= 5,
            "{platform}: {} grant findings",
            grants.len()
        );
        for f in grants {
            let path = f["path"].as_str().unwrap();
            let (line, column) = (f["line"].as_u64().unwrap(), f["column"].as_u64().unwrap());
            let text = &texts[path];
            let at: String = text
                .lines()
                .nth(line as usize - 1)
                .unwrap()
                .chars()
                .skip(column as usize - 1)
                .collect();
            // A key, a quoted value, a block keyword, or an inline list/object/tag.
            let first = at.chars().next().unwrap_or(' ');
            assert!(
                first == '"'
                    || first == '['
                    || first == '{'
                    || first == '!'
                    || first.is_ascii_alphabetic(),
                "{path}:{line}:{column} {} points at {at:?}",
                f["rule_id"]
            );
            assert!(
                f["identity"].as_str().is_some_and(|i| !i.is_empty()),
                "{path}:{line} has no identity"
            );
            let tags: Vec<&str> = f["tags"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert!(tags.iter().any(|t| t.starts_with("NHI")), "{tags:?}");
            assert!(
                tags.contains(&"CSF:PR.AA-05") || tags.contains(&"CSF:PR.AA-01"),
                "{tags:?}"
            );
        }
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    common::write_file(&dir.join(rel), text);
}

#[test]
fn malformed_json_and_terraform_are_counted_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A missing comma on line 4; the secret rules still read the file.
    write(
        d,
        "iam/broken-policy.json",
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"*\" \"Resource\": \"*\"}\n  ]\n}\n",
    );
    // An unclosed list inside jsonencode, after a connection URL with a password.
    write(
        d,
        "infra/broken.tf",
        "locals {\n  db = \"postgres://billing_svc:KJ7QiqJc286tSiNN@db-prod.internal.acme.io:5432/billing\"\n}\nresource \"aws_iam_role\" \"ci\" {\n  name = \"ci\"\n  assume_role_policy = jsonencode({\n    Statement = [\n  })\n}\n",
    );
    // 10,000-deep nesting in a policy file.
    write(
        d,
        "iam/deep.json",
        &format!(
            "{{\"Statement\": [{{\"Effect\": \"Allow\", \"Action\": {}{}}}]}}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ),
    );
    // Not UTF-8.
    std::fs::create_dir_all(d.join("infra")).unwrap();
    std::fs::write(
        d.join("infra/latin1.tf"),
        b"resource \"a\" \"b\" {\n  name = \"caf\xe9\"\n}\n",
    )
    .unwrap();
    // A valid file next to them still gets its findings.
    write(
        d,
        "infra/ok.tf",
        "resource \"aws_iam_user_policy\" \"bot\" {\n  user   = \"bot\"\n  policy = jsonencode({ Statement = [{ Effect = \"Allow\", Action = \"*\", Resource = \"*\" }] })\n}\n",
    );

    let (report, _) = scan_json(d);
    let summary = &report["summary"];
    assert_eq!(summary["skipped"]["parse_error"], 4, "{summary:#}");
    let detail = |path: &str| {
        summary["skipped_files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["path"] == path && s["reason"] == "parse_error")
            .and_then(|s| s["detail"].as_str())
            .unwrap_or_else(|| panic!("no parse_error for {path}: {summary:#}"))
            .to_string()
    };
    let json = detail("iam/broken-policy.json");
    assert!(
        json.contains("JSON syntax error at line 4, column 39"),
        "{json}"
    );
    let hcl = detail("infra/broken.tf");
    assert!(hcl.contains("HCL syntax error at line 8"), "{hcl}");
    assert!(detail("iam/deep.json").contains("nesting deeper than"));
    assert!(detail("infra/latin1.tf").contains("line 2, column 14: not valid UTF-8"));

    let findings = report["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["path"] == "infra/broken.tf" && f["kind"] == "secret"));
    assert!(findings.iter().any(|f| f["path"] == "infra/ok.tf"
        && f["rule_id"] == "aws-iam-admin-wildcard"
        && f["identity"] == "user/bot"
        && f["line"] == 3));
}

#[test]
fn mangled_inputs_never_panic() {
    // Truncations and byte substitutions of every fixture go through the real grant scanner:
    // whatever parses is checked, the rest is a counted parse error, nothing panics.
    let scanner = GrantScanner::new(&[], &BTreeMap::new(), false);
    let specials = b"{}[]\",:=\n*$<!";
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let stats = ScanStats::default();
    let mut variants = 0;
    for platform in ["aws", "gcp", "azure"] {
        for (name, text) in fixtures(platform) {
            let step = (text.len() / 25).max(1);
            let mut inputs: Vec<Vec<u8>> = (0..text.len())
                .step_by(step)
                .map(|i| text.as_bytes()[..i].to_vec())
                .collect();
            for _ in 0..25 {
                let mut bytes = text.clone().into_bytes();
                let at = (next() as usize) % bytes.len();
                bytes[at] = specials[(next() as usize) % specials.len()];
                inputs.push(bytes);
            }
            for bytes in inputs {
                variants += 1;
                let _ = scanner.scan(&format!("{platform}/{name}"), &bytes, &stats, &Vec::new);
            }
        }
    }
    let summary = stats.snapshot();
    assert_eq!(summary.skipped.get("internal_error"), None, "{summary:?}");
    let errors = summary.skipped.get("parse_error").copied().unwrap_or(0);
    assert!(
        errors > 100 && errors < variants,
        "{errors} of {variants} did not parse"
    );
}
