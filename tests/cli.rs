//! Integration tests that run the `ferret` binary on fixtures and temporary trees.

mod common;

use common::{ferret, json, stdout, write_file, SECRET_A, SECRET_B, TEST_RULES};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

fn run(args: &[&str], dir: &Path) -> Output {
    ferret()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run ferret")
}

struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let t = Tree {
            dir: tempfile::tempdir().unwrap(),
        };
        t.write("test-rules.toml", TEST_RULES);
        t
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn write(&self, rel: &str, content: &str) -> PathBuf {
        self.write_bytes(rel, content.as_bytes())
    }
    fn write_bytes(&self, rel: &str, content: &[u8]) -> PathBuf {
        write_file(&self.dir.path().join(rel), content)
    }
    /// Scan with the test rules only (built-in rules disabled via an empty extra set is not
    /// possible, so test secrets use a format no built-in rule knows).
    fn scan(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "scan",
            "--rules",
            "test-rules.toml",
            "--exclude",
            "test-rules.toml",
        ];
        args.extend_from_slice(extra);
        run(&args, self.path())
    }
}

fn finding_ids(v: &Value) -> Vec<(String, String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn exit_codes_follow_the_contract() {
    let t = Tree::new();
    t.write("clean.txt", "nothing to see\n");
    let o = t.scan(&[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    t.write("app/.env", &format!("TOKEN={SECRET_A}\n"));
    let o = t.scan(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // Below the threshold → clean; report-only runs → clean.
    assert_eq!(t.scan(&["--fail-on", "critical"]).status.code(), Some(0));
    assert_eq!(t.scan(&["--fail-on", "high"]).status.code(), Some(1));
    assert_eq!(t.scan(&["--exit-zero"]).status.code(), Some(0));
    assert_eq!(t.scan(&["--fail-on", "none"]).status.code(), Some(0));

    // Errors → 2 with a message naming the problem.
    let o = t.scan(&["does-not-exist"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does-not-exist"));
    let o = run(&["scan", "--bogus-flag"], t.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn invalid_config_is_an_error_naming_the_file() {
    let t = Tree::new();
    t.write(".ferret.toml", "[scan]\nexclud = []\n");
    let o = t.scan(&[]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(".ferret.toml") && err.contains("exclud"),
        "{err}"
    );
}

#[test]
fn walks_hidden_files_but_not_dot_git_and_honours_gitignore() {
    let t = Tree::new();
    t.write(".env", &format!("A={SECRET_A}\n"));
    t.write(
        ".github/workflows/x.yml",
        &format!("env: {{ T: {SECRET_B} }}\n"),
    );
    t.write(".git/config", &format!("token = {SECRET_A}\n"));
    t.write(".gitignore", "ignored.txt\n");
    t.write("ignored.txt", &format!("{SECRET_B}\n"));
    let v = json(&t.scan(&["--format", "json"]));
    let paths: Vec<String> = finding_ids(&v).into_iter().map(|x| x.1).collect();
    assert_eq!(paths, vec![".env", ".github/workflows/x.yml"]);

    // Named explicitly, an ignored file is scanned; --no-ignore scans it in a walk too.
    let v = json(&t.scan(&["--format", "json", "ignored.txt"]));
    assert_eq!(finding_ids(&v).len(), 1);
    let v = json(&t.scan(&["--format", "json", "--no-ignore"]));
    assert_eq!(finding_ids(&v).len(), 3);
}

#[test]
fn binary_and_oversized_files_are_counted_as_skipped() {
    let t = Tree::new();
    let mut bin = b"\x7fELF\0\0\0".to_vec();
    bin.extend(SECRET_A.as_bytes());
    t.write_bytes("tool.bin", &bin);
    t.write("big.txt", &format!("{}\n{SECRET_B}\n", "x".repeat(4096)));
    t.write("small.txt", "hello\n");
    let o = t.scan(&["--format", "json", "--max-file-size", "2K"]);
    let v = json(&o);
    assert_eq!(v["summary"]["skipped"]["binary"], 1);
    assert_eq!(v["summary"]["skipped"]["too_large"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 0);
    let text = stdout(&t.scan(&["--max-file-size", "2K"]));
    assert!(
        text.contains("1 binary") && text.contains("1 too large"),
        "{text}"
    );
}

#[test]
fn utf16_files_are_transcoded_and_scanned() {
    let t = Tree::new();
    let mut bytes = vec![0xFF, 0xFE];
    for u in format!("line one\r\nkey={SECRET_A}\r\n").encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    t.write_bytes("win.ini", &bytes);
    let v = json(&t.scan(&["--format", "json"]));
    assert_eq!(
        finding_ids(&v),
        vec![("test-token".into(), "win.ini".into(), 2)]
    );
}

#[test]
fn json_contract_v1() {
    let t = Tree::new();
    t.write("src/app.py", &format!("x = 1\napi = \"{SECRET_A}\"  # ü\n"));
    let v = json(&t.scan(&["--format", "json"]));
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "ferret");
    let f = &v["findings"][0];
    for key in [
        "rule_id",
        "kind",
        "severity",
        "confidence",
        "title",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "fingerprint",
        "redacted",
        "tags",
    ] {
        assert!(!f[key].is_null(), "finding lacks {key}: {f}");
    }
    assert_eq!(f["kind"], "secret");
    assert_eq!(f["path"], "src/app.py");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(8))
    );
    assert_eq!(f["end_column"].as_u64(), Some(8 + SECRET_A.len() as u64));
    assert!(f["tags"].as_array().unwrap().iter().any(|t| t == "NHI2"));
    assert_eq!(v["summary"]["findings"], 1);
    assert_eq!(v["summary"]["by_severity"]["high"], 1);
    assert!(f.get("secret").is_none());
}

#[test]
fn fingerprints_survive_moves_and_renames() {
    let t = Tree::new();
    t.write("a.env", &format!("K={SECRET_A}\n"));
    let before = json(&t.scan(&["--format", "json"]));
    std::fs::remove_file(t.path().join("a.env")).unwrap();
    t.write("moved/b.env", &format!("# moved\n\n   K={SECRET_A}\n"));
    let after = json(&t.scan(&["--format", "json"]));
    assert_eq!(
        before["findings"][0]["fingerprint"],
        after["findings"][0]["fingerprint"]
    );
    assert_eq!(after["findings"][0]["line"], 3);
}

#[test]
fn a_baseline_leaves_out_known_findings_and_fails_on_new_ones() {
    let t = Tree::new();
    t.write("a.env", &format!("K={SECRET_A}\n"));
    let o = t.scan(&["--format", "json", "--output", "baseline.json"]);
    assert_eq!(o.status.code(), Some(1));
    // The known secret moves: still known.
    std::fs::remove_file(t.path().join("a.env")).unwrap();
    t.write("moved/a.env", &format!("# moved\nK={SECRET_A}\n"));
    let base = ["--baseline", "baseline.json", "--exclude", "baseline.json"];
    let o = t.scan(&base);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("1 finding already in the baseline not shown"),
        "{}",
        stdout(&o)
    );
    let mut args = base.to_vec();
    args.extend(["--format", "markdown"]);
    let md = stdout(&t.scan(&args));
    assert!(
        md.contains("_Not shown: 1 finding already in the baseline._"),
        "{md}"
    );
    // A new one fails the run, alone in the report.
    t.write("b.env", &format!("K={SECRET_B}\n"));
    let mut args = base.to_vec();
    args.extend(["--format", "json"]);
    let o = t.scan(&args);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["findings"][0]["path"], "b.env");
    assert_eq!(v["summary"]["baselined_findings"], 1);

    // A baseline that cannot be used stops the run, naming the file.
    t.write("bad.json", "{\"findings\": []}");
    for (file, why) in [
        ("missing.json", "cannot read"),
        ("bad.json", "not a ferret JSON report"),
    ] {
        let o = t.scan(&["--baseline", file]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(file) && err.contains(why), "{err}");
    }
}

#[test]
fn inline_suppression_and_config_allowlists() {
    let t = Tree::new();
    t.write("a.txt", &format!("{SECRET_A} # ferret:allow\n{SECRET_B}\n"));
    let v = json(&t.scan(&["--format", "json"]));
    assert_eq!(
        finding_ids(&v),
        vec![("test-token".into(), "a.txt".into(), 2)]
    );

    t.write(
        ".ferret.toml",
        "[allowlist]\nregexes = ['H6jF0s']\n[scan]\nexclude = ['test-rules.toml']\n",
    );
    let v = json(&t.scan(&["--format", "json"]));
    assert!(finding_ids(&v).is_empty(), "{v}");

    t.write(".ferret.toml", "[rules]\ndisable = ['test-token']\n");
    let v = json(&t.scan(&["--format", "json"]));
    assert!(finding_ids(&v).is_empty(), "{v}");
}

#[test]
fn no_raw_secret_in_any_format_unless_asked() {
    let t = Tree::new();
    t.write(
        "conf/settings.yaml",
        &format!("a: {SECRET_A}\nb: \"{SECRET_A}\" and {SECRET_B}\n"),
    );
    for format in ["text", "json", "sarif"] {
        let o = t.scan(&["--format", format]);
        let out = stdout(&o) + &String::from_utf8_lossy(&o.stderr);
        assert!(out.contains("conf/settings.yaml"), "{format}: {out}");
        for s in [SECRET_A, SECRET_B] {
            assert!(!out.contains(s), "{format} leaks a secret: {out}");
            // Not even the bulk of it.
            assert!(!out.contains(&s[..20]), "{format} leaks most of a secret");
        }
        let shown = t.scan(&["--format", format, "--show-secrets"]);
        assert!(stdout(&shown).contains(SECRET_A), "{format} --show-secrets");
    }
    // Written to a file: same rule.
    t.scan(&["--format", "sarif", "--output", "out/report.sarif"]);
    let written = std::fs::read_to_string(t.path().join("out/report.sarif")).unwrap();
    assert!(!written.contains(SECRET_A) && written.contains("test-token"));
}

#[test]
fn output_dash_is_standard_output() {
    let t = Tree::new();
    t.write("conf/settings.yaml", &format!("token: {SECRET_A}\n"));
    let o = t.scan(&["--format", "json", "-o", "-"]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("JSON on standard output");
    assert_eq!(finding_ids(&v).len(), 1);
    assert!(!t.path().join("-").exists(), "wrote a file named -");
    // The gap report and the inventory read their output option the same way.
    for command in ["gap", "inventory"] {
        let o = run(&[command, ".", "--output", "-"], t.path());
        assert!(!stdout(&o).is_empty(), "{command}: {o:?}");
        assert!(
            !t.path().join("-").exists(),
            "{command} wrote a file named -"
        );
    }
}

#[test]
fn sarif_has_what_code_scanning_needs() {
    let t = Tree::new();
    t.write(
        "dir with space/k.txt",
        &format!("\n  {SECRET_A}\n{SECRET_A}\n"),
    );
    let v = json(&t.scan(&["--format", "sarif"]));
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &v["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rule = &run["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "test-token");
    for key in ["shortDescription", "fullDescription", "help"] {
        assert!(rule[key]["text"].as_str().is_some_and(|s| !s.is_empty()));
    }
    assert!(rule["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("rotate"));
    let tags = rule["properties"]["tags"].as_array().unwrap();
    assert!(tags.iter().any(|t| t == "security"));
    assert_eq!(rule["properties"]["security-severity"], "8.0");
    assert_eq!(rule["properties"]["precision"], "high");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let r = &results[0];
    assert_eq!(r["ruleId"], "test-token");
    assert_eq!(r["ruleIndex"], 0);
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "dir%20with%20space/k.txt");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["startColumn"], 3);
    // Same secret twice in one file: distinct line hashes.
    let h0 = r["partialFingerprints"]["primaryLocationLineHash"]
        .as_str()
        .unwrap();
    let h1 = results[1]["partialFingerprints"]["primaryLocationLineHash"]
        .as_str()
        .unwrap();
    assert!(h0.ends_with(":1") && h1.ends_with(":2"), "{h0} {h1}");
    assert!(!r["message"]["text"].as_str().unwrap().is_empty());
}

#[test]
fn text_output_groups_by_file_with_summary() {
    let t = Tree::new();
    t.write("b.txt", &format!("{SECRET_B}\n"));
    t.write("a.txt", &format!("x\n{SECRET_A}\n"));
    let out = stdout(&t.scan(&[]));
    let a = out.find("a.txt").unwrap();
    let b = out.find("b.txt").unwrap();
    assert!(a < b, "files in path order:\n{out}");
    assert!(out.contains("2:1"), "{out}");
    assert!(out.contains("2 findings (2 high)"), "{out}");
    assert!(!out.contains('\x1b'), "no colour when not a terminal");
    let forced = stdout(&t.scan(&["--color", "always"]));
    assert!(forced.contains('\x1b'));
}

#[test]
fn output_order_is_deterministic_across_thread_counts() {
    let t = Tree::new();
    for i in 0..60 {
        t.write(
            &format!("d{}/f{i}.txt", i % 7),
            &format!("{SECRET_A}\n{SECRET_B}\n"),
        );
    }
    let one = stdout(&t.scan(&["--format", "json", "-j", "1"]));
    let many = stdout(&t.scan(&["--format", "json", "-j", "4"]));
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("elapsed_ms"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&one), strip(&many));
}

#[test]
fn rules_list_and_check() {
    let t = Tree::new();
    let o = run(&["rules", "list", "--rules", "test-rules.toml"], t.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("test-token"));
    let o = run(&["rules", "check", "test-rules.toml"], t.path());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    t.write(
        "bad-rules.toml",
        &TEST_RULES.replace(
            "\"tsttok_short\"",
            "\"tsttok_ZZZZZZZZZZZZZZZZZZZZZZZZ_no tsttok_Q7v2Lm9XkP4rT8wZ1nB5cY3d\"",
        ),
    );
    let o = run(&["rules", "check", "bad-rules.toml"], t.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("negative example produced a finding"));
}

#[test]
fn grant_messages_mask_the_secrets_they_quote() {
    // The check quotes the command a step runs; a token on it is masked there too. Built from
    // parts: this file holds no secret-shaped literal.
    let token = ["ghp_Zk3pQ8rT2vW9xY4b", "N7mC1dF6gH0jK5lS2aE8"].concat();
    let t = Tree::new();
    t.write(
        ".github/workflows/ci.yml",
        &format!(
            "on: pull_request_target\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      \
             - run: gh pr checkout ${{{{ github.event.number }}}} && GH_TOKEN={token} ./build.sh\n"
        ),
    );
    for format in ["text", "json", "sarif", "github", "markdown"] {
        let out = stdout(&t.scan(&["--format", format]));
        assert!(
            out.contains("./build.sh"),
            "{format}: no quoted command\n{out}"
        );
        assert!(
            !out.contains(&token[4..16]),
            "{format} shows the token:\n{out}"
        );
    }
}
