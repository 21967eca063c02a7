//! Secret hygiene: no raw secret reaches any output — any report format, an emitted file,
//! standard error, a skip detail or a fingerprint — unless `--show-secrets` asks for it. The
//! secrets sit in well-formed files and in malformed ones (a parse error right at the secret,
//! invalid UTF-8 around it, the value repeated on its line), so error paths are covered too.

use std::path::Path;
use std::process::{Command, Output};

/// Secrets the built-in rules know, in realistic forms. Each must be found (checked below), or
/// the test would prove nothing. (An AWS access key id is an identifier, shown on purpose as
/// the identity of its secret key, so it is not in this list.)
const AWS_KEY_ID: &str = "AKIAQ3EGRXZ5LPMN7T2B";
const SECRETS: &[(&str, &str)] = &[
    ("github", "ghp_7A7KOQi4lg7MoVpXSYKgpqZvV8OMuRNDD7be"),
    ("aws-secret", "wJf7Qp2Lk9Xz4Rt8Vn3Bm6Yc1Hd5Gs0AeUiOoPqZ"),
    (
        "slack",
        "xoxb-2840391756-4839201756384-Zq8kP2mXw9LrT4vB7nC1dY6s",
    ),
    ("password", "Zq8#kP2mWx9!vLr4"),
    // No digit: no generic rule finds it, and it shares its line with the registry's auth,
    // whose finding's excerpt shows the line. Only the Docker config rules mask it there.
    ("registry-password", "lanternharbormeadowfalcon"),
    (
        "registry-identity-token",
        "Vx3mQ9tLk2RzP7wNc5YhB8dJf4Gs6Ae1Ko0Ui",
    ),
];

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let akid = AWS_KEY_ID;
    let [(_, gh), (_, aws), (_, slack), (_, pw), (_, reg_pw), (_, reg_tok)] = SECRETS else {
        unreachable!()
    };
    let w = |rel: &str, content: &[u8]| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    };
    w(
        "deploy/.env",
        format!("AWS_ACCESS_KEY_ID={akid}\nAWS_SECRET_ACCESS_KEY={aws}\nDB_PASSWORD=\"{pw}\"\n")
            .as_bytes(),
    );
    // As kubectl create secret docker-registry writes it (password, then auth), and as docker
    // login does for an identity token (auth, then the token), on one line.
    w(
        "home/.docker/config.json",
        format!(
            "{{\"auths\":{{\"registry.acme.io\":{{\"username\":\"ci-pusher\",\"password\":\"{reg_pw}\",\"email\":\"ci@acme.io\",\"auth\":\"Y2ktcHVzaGVyOmxhbnRlcm5oYXJib3JtZWFkb3dmYWxjb24=\"}},\"acme.azurecr.io\":{{\"auth\":\"MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==\",\"identitytoken\":\"{reg_tok}\"}}}}}}\n"
        )
        .as_bytes(),
    );
    // Parse errors right at the secret, in every structured format.
    w(
        ".github/workflows/ci.yml",
        format!("on: push\njobs:\n  x:\n    env:\n      GH_TOKEN: \"{gh}\n    - [{slack}: }}\n")
            .as_bytes(),
    );
    w(
        "k8s/secret.yaml",
        format!("apiVersion: v1\nkind: Secret\nstringData:\n  token: {slack}\n  :\n\t- *undefined {gh}\n").as_bytes(),
    );
    w(
        "config/app.json",
        format!("{{\"slack\": \"{slack}\",, \"gh\": {gh} }}").as_bytes(),
    );
    w(
        "infra/main.tf",
        format!("provider \"github\" {{\n  token = \"{gh}\" {{{{\n  x = <<EOT\n").as_bytes(),
    );
    w(
        "iam/policy.json",
        format!("{{\"Version\": \"2012-10-17\", \"Statement\": [{{\"Effect\": \"{aws}\"")
            .as_bytes(),
    );
    // Invalid UTF-8 hugging the secret, and the value repeated on its line.
    let mut bad = b"\xff\xfe token=".to_vec();
    bad.extend(gh.as_bytes());
    bad.extend(b"\xc3\x28 # same as ");
    bad.extend(gh.as_bytes());
    bad.extend(b"\n");
    w("notes/bad-utf8.txt", &bad);
    // UTF-16 with a byte-order mark.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in format!("SLACK_BOT_TOKEN={slack}\r\n").encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    w("win/settings.ps1", &utf16);
    dir
}

fn ferret(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferret"))
        .arg("scan")
        .arg(dir)
        .args(args)
        .env_remove("FERRET_FINGERPRINT_SALT")
        .env("NO_COLOR", "1")
        .output()
        .expect("run ferret")
}

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for (name, s) in SECRETS {
        assert!(
            !text.contains(s),
            "{what}: raw {name} secret in output:\n{text}"
        );
        // Not even a long-enough piece of it (masking keeps at most a 6-character prefix).
        for w in s.as_bytes().windows(10) {
            let piece = std::str::from_utf8(w).unwrap();
            assert!(
                !text.contains(piece),
                "{what}: {piece:?} of the {name} secret in output:\n{text}"
            );
        }
    }
}

#[test]
fn no_format_shows_a_raw_secret() {
    let dir = tree();
    let out = tempfile::tempdir().unwrap();
    let emitted: Vec<(String, std::path::PathBuf)> =
        ["json", "sarif", "github", "markdown", "text"]
            .iter()
            .map(|f| (f.to_string(), out.path().join(format!("report.{f}"))))
            .collect();
    for format in ["text", "json", "sarif", "github", "markdown"] {
        let mut args = vec!["--format", format, "--color", "always", "--include-tests"];
        let emits: Vec<String> = emitted
            .iter()
            .map(|(f, p)| format!("{f}={}", p.display()))
            .collect();
        for e in &emits {
            args.extend(["--emit", e.as_str()]);
        }
        let o = ferret(dir.path(), &args);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_clean(&format!("{format} stdout"), &o.stdout);
        assert_clean(&format!("{format} stderr"), &o.stderr);
        for (f, p) in &emitted {
            assert_clean(&format!("--emit {f}"), &std::fs::read(p).unwrap());
        }
    }
}

/// The gap and inventory reports cite findings; they never show the secret either, also with
/// a ledger that names secrets by fingerprint and by SHA-256.
#[test]
fn gap_and_inventory_reports_show_no_raw_secret() {
    let dir = tree();
    let (_, gh) = SECRETS[0];
    std::fs::write(
        dir.path().join("ferret.claims.yaml"),
        format!(
            "version: 1\nsecrets:\n  - secret_sha256: {}\n    status: rotated\n    date: 2026-01-01\ncontrols:\n  - id: none\n    claim: no secrets\n    rules: [github-pat-classic]\n    expect: none\n",
            ferret::findings::sha256_hex(gh.as_bytes())
        ),
    )
    .unwrap();
    for format in ["text", "json", "markdown", "sarif"] {
        let o = Command::new(env!("CARGO_BIN_EXE_ferret"))
            .arg("gap")
            .arg(dir.path())
            .args(["--format", format, "--color", "always", "--no-progress"])
            .env_remove("FERRET_FINGERPRINT_SALT")
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_clean(&format!("gap {format} stdout"), &o.stdout);
        assert_clean(&format!("gap {format} stderr"), &o.stderr);
    }
    for format in ["text", "json"] {
        let o = Command::new(env!("CARGO_BIN_EXE_ferret"))
            .arg("inventory")
            .arg(dir.path())
            .args(["--format", format, "--no-progress"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_clean(&format!("inventory {format}"), &o.stdout);
    }
}

/// A suppression comment is reported by its marker and rule ids only: a token after an
/// unclosed bracket, or after anything a rule id cannot hold, stays out of every gap output.
#[test]
fn gap_reports_suppression_comments_without_the_rest_of_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let (_, gh) = SECRETS[0];
    let lines = [
        (
            format!("steps = 1  # zizmor: ignore[x token={gh}"),
            "zizmor: ignore[x",
        ),
        (format!("a = 1  # gitleaks:allow,{gh}"), "gitleaks:allow"),
        (
            format!("b = 1  # checkov:skip=CKV_AWS_1,{gh}"),
            "checkov:skip=CKV_AWS_1",
        ),
        (
            format!("c = 1  # trivy:ignore:AVD-AWS-0057:{gh}"),
            "trivy:ignore:AVD-AWS-0057",
        ),
        (format!("d = 1  # nosec G101 {gh}"), "nosec G101"),
    ];
    let script: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
    std::fs::write(dir.path().join("deploy.sh"), script).unwrap();
    for format in ["text", "json", "markdown", "sarif"] {
        let o = Command::new(env!("CARGO_BIN_EXE_ferret"))
            .arg("gap")
            .arg(dir.path())
            .args(["--format", format, "--no-progress", "--exit-zero"])
            .env_remove("FERRET_FINGERPRINT_SALT")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_clean(&format!("gap {format} stdout"), &o.stdout);
        assert_clean(&format!("gap {format} stderr"), &o.stderr);
        if format == "json" {
            // Each comment was read, or the test would prove nothing.
            let out = String::from_utf8_lossy(&o.stdout);
            for (_, marker) in &lines {
                assert!(out.contains(&format!("`{marker}`")), "{marker}:\n{out}");
            }
        }
    }
}

/// A secret pasted into a ledger where its hash or a date belongs is refused without being
/// repeated, by `claims check` and by `gap`.
#[test]
fn ledger_errors_do_not_repeat_a_pasted_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (_, gh) = SECRETS[0];
    let (_, aws) = SECRETS[1];
    let ledger = dir.path().join("ferret.claims.yaml");
    std::fs::write(
        &ledger,
        format!(
            "version: 1\nsecrets:\n  - secret_sha256: {gh}\n    status: open\n  - secret_sha1: {gh}\n    status: open\n  - fingerprint: {aws}\n    status: open\n  - path: a\n    status: rotated\n    date: {gh}\n"
        ),
    )
    .unwrap();
    let l = ledger.to_str().unwrap();
    for (args, code) in [
        (vec!["claims", "check", l], 1),
        (
            vec!["gap", dir.path().to_str().unwrap(), "--no-progress"],
            2,
        ),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_ferret"))
            .args(&args)
            .env_remove("FERRET_FINGERPRINT_SALT")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        for field in [
            "secrets[0].secret_sha256",
            "secrets[1].secret_sha1",
            "secrets[2].fingerprint",
            "secrets[3].date",
        ] {
            assert!(err.contains(field), "{args:?}: no {field} in\n{err}");
        }
        assert_clean(&format!("{args:?} stdout"), &o.stdout);
        assert_clean(&format!("{args:?} stderr"), &o.stderr);
        // Hashes are read in lower case: not even the lowered token.
        let lower = err.to_ascii_lowercase();
        for s in [gh, aws] {
            for w in s.to_ascii_lowercase().as_bytes().windows(10) {
                let piece = std::str::from_utf8(w).unwrap();
                assert!(!lower.contains(piece), "{args:?}: {piece:?} in\n{err}");
            }
        }
    }
}

#[test]
fn every_secret_is_found_and_shown_only_when_asked() {
    let dir = tree();
    let o = ferret(
        dir.path(),
        &["--format", "json", "--show-secrets", "--include-tests"],
    );
    let shown = String::from_utf8_lossy(&o.stdout);
    for (name, s) in SECRETS {
        assert!(
            shown.contains(s),
            "{name} secret was not found at all:\n{shown}"
        );
    }
    // Found in the malformed files too, not only in the .env.
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for p in [
        "home/.docker/config.json",
        ".github/workflows/ci.yml",
        "k8s/secret.yaml",
        "config/app.json",
        "infra/main.tf",
        "notes/bad-utf8.txt",
        "win/settings.ps1",
    ] {
        assert!(paths.contains(&p), "nothing found in {p}: {paths:?}");
    }
}

#[test]
fn fingerprints_are_keyed_and_salted() {
    let dir = tree();
    let fingerprints = |salt: Option<&str>| -> Vec<String> {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ferret"));
        c.arg("scan").arg(dir.path()).args(["--format", "json"]);
        match salt {
            Some(s) => c.env("FERRET_FINGERPRINT_SALT", s),
            None => c.env_remove("FERRET_FINGERPRINT_SALT"),
        };
        let o = c.output().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    let plain = fingerprints(None);
    assert!(!plain.is_empty());
    assert_eq!(plain, fingerprints(None), "fingerprints must be stable");
    let salted = fingerprints(Some("org-secret-1"));
    assert_eq!(salted.len(), plain.len());
    for (a, b) in plain.iter().zip(&salted) {
        assert_ne!(a, b, "the salt must change every fingerprint");
    }
    assert_ne!(salted, fingerprints(Some("org-secret-2")));
    // Neither the secret nor an unkeyed hash of it.
    for (_, s) in SECRETS {
        let sha = ferret::findings::sha256_hex(s.as_bytes());
        let b3 = blake3::hash(s.as_bytes()).to_hex().to_string();
        for f in plain.iter().chain(&salted) {
            assert!(!f.contains(s) && !sha.starts_with(f.as_str()) && !b3.starts_with(f.as_str()));
        }
    }
}
