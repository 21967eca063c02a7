//! Grant checks for GitHub Actions, GitLab CI, Kubernetes, AWS, GCP and Azure, run through the
//! binary: snapshot of every finding on the fixtures, positive and negative fixtures per check,
//! malformed input, configuration, and the generated documentation.
//!
//! Snapshots (path, line, column, check id, identity and severity of every grant finding) live
//! in `fixtures/grants/expected/<platform>.json`; regenerate them with
//! `UPDATE_GOLDEN=1 cargo test --test grants_ci` and review the diff.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

const PLATFORMS: &[(&str, &str)] = &[
    ("github", "github-actions"),
    ("gitlab", "gitlab-ci"),
    ("kubernetes", "kubernetes"),
    ("aws", "aws"),
    ("gcp", "gcp"),
    ("azure", "azure"),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ferret(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferret"))
        .args(args)
        .current_dir(cwd)
        .env_remove("FERRET_FINGERPRINT_SALT")
        .output()
        .expect("run ferret")
}

/// `ferret scan DIR -f json`: (report, exit code).
fn scan_json(dir: &Path, extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["scan", ".", "-f", "json", "--no-progress"];
    args.extend_from_slice(extra);
    let out = ferret(&args, dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

/// The snapshot row of each grant finding.
fn grant_rows(report: &Value) -> Vec<Value> {
    let mut rows: Vec<Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "grant")
        .map(|f| {
            json!({
                "path": f["path"],
                "line": f["line"],
                "column": f["column"],
                "id": f["rule_id"],
                "identity": f["identity"],
                "severity": f["severity"],
            })
        })
        .collect();
    rows.sort_by_key(|r| {
        (
            r["path"].as_str().unwrap_or("").to_string(),
            r["line"].as_u64(),
            r["column"].as_u64(),
            r["id"].as_str().unwrap_or("").to_string(),
        )
    });
    rows
}

#[test]
fn fixture_findings_match_the_snapshots() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    for (dir, _) in PLATFORMS {
        let (report, _) = scan_json(&root().join("fixtures/grants").join(dir), &[]);
        let rows = Value::Array(grant_rows(&report));
        let golden = root().join(format!("fixtures/grants/expected/{dir}.json"));
        if update {
            std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
            let mut text = serde_json::to_string_pretty(&rows).unwrap();
            text.push('\n');
            std::fs::write(&golden, text).unwrap();
            continue;
        }
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(&golden)
                .unwrap_or_else(|e| panic!("{}: {e}", golden.display())),
        )
        .unwrap();
        assert_eq!(
            rows,
            expected,
            "{dir}: findings differ from {} (UPDATE_GOLDEN=1 cargo test --test grants_ci to accept)",
            golden.display()
        );
    }
}

/// Files under `dir`, relative and `/`-separated.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_check_has_positive_and_negative_fixtures() {
    let list = ferret(&["checks", "list", "-f", "json"], &root());
    let checks: Vec<Value> = serde_json::from_slice(&list.stdout).unwrap();
    for (dir, platform) in PLATFORMS {
        let base = root().join("fixtures/grants").join(dir);
        let (report, _) = scan_json(&base, &[]);
        let findings = report["findings"].as_array().unwrap();
        let count = |file: &str, id: &str| {
            findings
                .iter()
                .filter(|f| f["path"] == file && f["rule_id"] == id)
                .count()
        };
        let all = files(&base);
        for c in checks.iter().filter(|c| c["platform"] == *platform) {
            let id = c["id"].as_str().unwrap();
            // A fixture belongs to a check when a path component starts with `<id>.`;
            // `.ok` in that component marks a negative fixture.
            let owned: Vec<(&String, bool)> = all
                .iter()
                .filter_map(|f| {
                    f.split('/')
                        .find(|part| part.starts_with(&format!("{id}.")))
                        .map(|part| (f, part.contains(".ok")))
                })
                .collect();
            let positives: Vec<_> = owned.iter().filter(|(_, neg)| !neg).collect();
            let negatives: Vec<_> = owned.iter().filter(|(_, neg)| *neg).collect();
            assert!(!positives.is_empty(), "{id}: no positive fixture in {dir}");
            assert!(!negatives.is_empty(), "{id}: no negative fixture in {dir}");
            for (f, _) in positives {
                assert!(
                    count(f, id) > 0,
                    "{id}: positive fixture {f} has no finding"
                );
            }
            for (f, _) in negatives {
                assert_eq!(count(f, id), 0, "{id}: negative fixture {f} has a finding");
            }
        }
    }
}

#[test]
fn grant_findings_carry_kind_tags_identity_and_exact_spans() {
    let (report, code) = scan_json(&root().join("fixtures/grants/github"), &[]);
    assert_eq!(code, 1, "findings fail the run by default");
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "gha-permissions-write-all" && f["line"] == 27)
        .expect("job-level write-all finding");
    assert_eq!(f["kind"], "grant");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["column"], 18);
    assert_eq!(f["end_column"], 27, "the span covers `write-all`");
    assert_eq!(
        f["identity"],
        "github-token:.github/workflows/gha-permissions-write-all.yml#publish"
    );
    let tags: Vec<&str> = f["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        tags.contains(&"NHI5") && tags.contains(&"CSF:PR.AA-05"),
        "{tags:?}"
    );
    assert_eq!(f["fingerprint"].as_str().unwrap().len(), 32);
    assert!(report["summary"]["by_kind"]["grant"].as_u64().unwrap() > 0);
}

#[test]
fn hard_coded_passwords_are_masked_unless_asked() {
    let dir = root().join("fixtures/grants/github");
    let (report, _) = scan_json(&dir, &[]);
    let text = serde_json::to_string(&report).unwrap();
    assert!(
        !text.contains("Qk7vR2mXp9LwZt4N"),
        "password leaked into the report"
    );
    let (shown, _) = scan_json(&dir, &["--show-secrets"]);
    assert!(serde_json::to_string(&shown)
        .unwrap()
        .contains("Qk7vR2mXp9LwZt4N"));
}

fn write(dir: &Path, rel: &str, text: &str) {
    common::write_file(&dir.join(rel), text);
}

const WRITE_ALL: &str = "on: push\npermissions: write-all\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n";

#[test]
fn malformed_yaml_is_a_counted_warning_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A syntax error on line 8, after a connection URL the secret rules must still find.
    write(
        d,
        ".github/workflows/broken.yml",
        "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./migrate.sh\n        env:\n          DB: postgres://billing_svc:KJ7QiqJc286tSiNN@db-prod.internal.acme.io:5432/billing\n      - run: [unclosed\n",
    );
    write(d, ".github/workflows/ok.yml", WRITE_ALL);
    // Alias bomb and 10k-deep nesting in files that look like manifests.
    let mut bomb =
        String::from("apiVersion: v1\nkind: ConfigMap\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs: Vec<String> = (0..10).map(|_| format!("*a{}", i - 1)).collect();
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", refs.join(", ")));
    }
    write(d, "k8s/bomb.yaml", &bomb);
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    write(d, "k8s/deep.yaml", &deep);
    // A Helm template is not YAML until rendered, but loads with its actions set aside.
    write(
        d,
        "chart/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"app.fullname\" . }}\n  labels:\n    {{- include \"app.labels\" . | nindent 4 }}\n",
    );
    // One that is broken YAML even so is named as a template.
    write(
        d,
        "chart/templates/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: {{ .Values.a }}\n   b: [\n",
    );

    let (report, code) = scan_json(d, &[]);
    assert_eq!(code, 1);
    let summary = &report["summary"];
    assert_eq!(summary["skipped"]["parse_error"], 4, "{summary:#}");
    let skipped = summary["skipped_files"].as_array().unwrap();
    let detail = |path: &str| {
        skipped
            .iter()
            .find(|s| s["path"] == path && s["reason"] == "parse_error")
            .and_then(|s| s["detail"].as_str())
            .unwrap_or_else(|| panic!("no parse_error for {path}: {summary:#}"))
            .to_string()
    };
    let broken = detail(".github/workflows/broken.yml");
    assert!(broken.contains("line 10, column 1"), "{broken}");
    assert!(detail("k8s/bomb.yaml").contains("alias"));
    // Flow nesting is refused by the scanner's own limit, block nesting by the loader's.
    let deep = detail("k8s/deep.yaml");
    assert!(
        deep.contains("deeper than") || deep.contains("recursion limit"),
        "{deep}"
    );
    assert!(!skipped
        .iter()
        .any(|s| s["path"] == "chart/templates/deployment.yaml"));
    let template = detail("chart/templates/configmap.yaml");
    assert!(
        template.starts_with("Go template") && template.contains("line 5"),
        "{template}"
    );

    let findings = report["findings"].as_array().unwrap();
    assert!(findings
        .iter()
        .any(|f| f["path"] == ".github/workflows/broken.yml"
            && f["rule_id"] == "postgres-url-password"));
    assert!(findings
        .iter()
        .any(|f| f["path"] == ".github/workflows/ok.yml"
            && f["rule_id"] == "gha-permissions-write-all"));

    let text = ferret(&["scan", ".", "--no-progress", "--color", "never"], d);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains(
            "warning: .github/workflows/broken.yml: YAML syntax error at line 10, column 1"
        ),
        "{out}"
    );
    assert!(out.contains("4 parse errors"), "{out}");
}

#[test]
fn config_and_flags_disable_checks_and_override_severity() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, ".github/workflows/a.yml", WRITE_ALL);
    write(
        d,
        ".github/workflows/b.yml",
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n",
    );
    let ids = |r: &Value| -> Vec<String> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (all, _) = scan_json(d, &[]);
    assert_eq!(
        ids(&all),
        ["gha-permissions-write-all", "gha-default-permissions"]
    );

    let out = ferret(
        &[
            "scan",
            ".",
            "-f",
            "json",
            "--disable",
            "gha-default-permissions",
        ],
        d,
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&r), ["gha-permissions-write-all"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("names no"),
        "a check id is a valid --disable"
    );

    write(
        d,
        ".ferret.toml",
        "[checks]\ndisable = [\"gha-permissions-write-all\"]\n[checks.severity]\ngha-default-permissions = \"critical\"\n",
    );
    let (r, _) = scan_json(d, &[]);
    assert_eq!(ids(&r), ["gha-default-permissions"]);
    assert_eq!(r["findings"][0]["severity"], "critical");

    let out = ferret(&["scan", ".", "--disable", "no-such-check"], d);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-check"));
}

#[test]
fn ferret_allow_on_the_line_suppresses_a_grant() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".github/workflows/a.yml",
        &WRITE_ALL.replace(
            "write-all\n",
            "write-all # ferret:allow reviewed in SEC-12\n",
        ),
    );
    let (r, code) = scan_json(dir.path(), &[]);
    assert_eq!(r["findings"].as_array().unwrap().len(), 0, "{r:#}");
    assert_eq!(code, 0);
}

#[test]
fn checks_list_in_text_and_json() {
    let json_out = ferret(&["checks", "list", "-f", "json"], &root());
    assert!(json_out.status.success());
    let list: Vec<Value> = serde_json::from_slice(&json_out.stdout).unwrap();
    assert!(list.len() >= 20);
    for c in &list {
        assert_eq!(c["kind"], "grant");
        assert!(
            c["doc"].as_str().unwrap().contains("**Fix.**"),
            "{}",
            c["id"]
        );
        assert!(c["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t.as_str().unwrap().starts_with("NHI")));
    }
    let text = ferret(&["checks", "list"], &root());
    let out = String::from_utf8_lossy(&text.stdout);
    for c in &list {
        assert!(out.contains(c["id"].as_str().unwrap()));
    }
    assert!(out.contains(&format!("{} checks", list.len())));
}

#[test]
fn sarif_describes_the_grant_checks() {
    let out = ferret(
        &["scan", ".", "-f", "sarif", "--no-progress"],
        &root().join("fixtures/grants/kubernetes"),
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = &sarif["runs"][0]["tool"]["driver"]["rules"];
    assert!(rules
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "k8s-admin-role-binding"));
}

#[test]
fn committed_check_docs_are_the_generated_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = ferret(
        &["checks", "docs", "--out", dir.path().to_str().unwrap()],
        &root(),
    );
    assert!(out.status.success());
    let committed = root().join("docs/checks");
    let generated = files(dir.path());
    assert_eq!(
        files(&committed),
        generated,
        "docs/checks is stale: run `cargo run -- checks docs --out docs/checks`"
    );
    for f in &generated {
        assert_eq!(
            std::fs::read_to_string(committed.join(f)).unwrap(),
            std::fs::read_to_string(dir.path().join(f)).unwrap(),
            "docs/checks/{f} is stale: run `cargo run -- checks docs --out docs/checks`"
        );
    }
}

#[test]
fn kubernetes_objects_in_different_files_are_joined() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "rbac/roles.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: deployer\nrules:\n  - apiGroups: [\"*\"]\n    resources: [\"*\"]\n    verbs: [\"*\"]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: secret-reader\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"secrets\"]\n    verbs: [\"get\", \"list\"]\n",
    );
    let binding = common::cluster_role_binding_yaml;
    write(
        d,
        "rbac/ci-binding.yaml",
        &binding("ClusterRoleBinding", "ci", "ci", "deployer", "pipeline"),
    );
    // secret-reader is granted in one namespace only.
    write(
        d,
        "team-a/binding.yaml",
        &binding("RoleBinding", "reader", "team-a", "secret-reader", "app"),
    );
    let (report, _) = scan_json(d, &[]);
    let grants: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "grant")
        .collect();
    let wildcard = grants
        .iter()
        .find(|f| f["rule_id"] == "k8s-rbac-wildcard")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(wildcard["path"], "rbac/roles.yaml");
    assert!(
        wildcard["message"]
            .as_str()
            .unwrap()
            .ends_with("(bound to system:serviceaccount:ci:pipeline in rbac/ci-binding.yaml)"),
        "{wildcard:#}"
    );
    assert!(
        !grants
            .iter()
            .any(|f| f["rule_id"] == "k8s-secrets-read-cluster-wide"),
        "secret-reader is bound only in team-a: {report:#}"
    );

    // A ClusterRole its own file binds in one namespace, and another file binds cluster-wide:
    // it reaches every namespace.
    write(
        d,
        "audit/role.yaml",
        &format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: auditor\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"secrets\"]\n    verbs: [\"list\"]\n---\n{}",
            binding("RoleBinding", "audit", "team-a", "auditor", "app")
        ),
    );
    let (report, _) = scan_json(d, &[]);
    let auditor = |report: &Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == "k8s-secrets-read-cluster-wide")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(auditor(&report).is_empty(), "{report:#}");
    write(
        d,
        "audit/everywhere.yaml",
        &binding(
            "ClusterRoleBinding",
            "audit-all",
            "ops",
            "auditor",
            "scanner",
        ),
    );
    let found = auditor(&scan_json(d, &[]).0);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with(
            "(bound to system:serviceaccount:team-a:app) (also bound to system:serviceaccount:ops:scanner in audit/everywhere.yaml)"
        ),
        "{found:?}"
    );
    std::fs::remove_dir_all(d.join("audit")).unwrap();

    // A workload on the `default` account, which another file keeps from mounting its token.
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx\n";
    write(d, "shop/deployment.yaml", deployment);
    let automount = |report: &Value| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "k8s-default-sa-automount")
    };
    assert!(automount(&scan_json(d, &[]).0));
    write(
        d,
        "shop/accounts.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n  namespace: shop\nautomountServiceAccountToken: false\n",
    );
    assert!(!automount(&scan_json(d, &[]).0));

    // Without the RoleBinding's file the ClusterRole may be bound anywhere: reported.
    std::fs::remove_file(d.join("team-a/binding.yaml")).unwrap();
    let (report, _) = scan_json(d, &[]);
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == "k8s-secrets-read-cluster-wide"));
}
