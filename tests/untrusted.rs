//! A scanned repository is untrusted: in a range scan (a pull request) the range must not be
//! able to silence what it introduces by changing the scanner's configuration, and in no mode
//! may ferret run anything the repository asks for (hooks, filters, fsmonitor, diff drivers,
//! pagers, helpers).

mod common;

use common::{ferret, json, write_file, SECRET_B, TEST_RULES};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let r = Repo {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(r.path()).unwrap();
        std::fs::create_dir_all(r.home()).unwrap();
        r.git(&["init", "-q", "-b", "main"]);
        r
    }
    fn path(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
    fn git_cmd(&self) -> Command {
        let mut c = Command::new("git");
        c.current_dir(self.path())
            .env("HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_AUTHOR_NAME", "Dev")
            .env("GIT_AUTHOR_EMAIL", "dev@example.test")
            .env("GIT_COMMITTER_NAME", "Dev")
            .env("GIT_COMMITTER_EMAIL", "dev@example.test");
        c
    }
    fn git(&self, args: &[&str]) -> String {
        let o = self.git_cmd().args(args).output().expect("git");
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }
    fn write(&self, rel: &str, content: &str) {
        write_file(&self.path().join(rel), content);
    }
    fn commit(&self, msg: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "--no-verify", "-m", msg]);
        self.git(&["rev-parse", "HEAD"])
    }
    fn ferret(&self, args: &[&str]) -> Output {
        ferret()
            .arg("scan")
            .arg(self.path())
            .args(["--format", "json"])
            .args(args)
            .current_dir(self.path())
            .env("HOME", self.home())
            .output()
            .expect("run ferret")
    }
}

/// The secret was found where the range put it (the rule file's own examples match too).
fn found_secret(v: &Value) -> bool {
    v["findings"].as_array().unwrap().iter().any(|f| {
        f["rule_id"] == "test-token" && f["path"].as_str().is_some_and(|p| p.ends_with(".env"))
    })
}

fn warnings(v: &Value) -> String {
    v["summary"]["warnings"].to_string()
}

/// One way for a range to quiet the scanner.
type Silencer = dyn Fn(&Repo);

/// A base where the project config adds the test rule; the range under review adds a secret
/// and, with it, each of the ways a config can silence it.
#[test]
fn a_range_cannot_silence_itself_by_changing_the_config() {
    let silencers: &[(&str, &Silencer)] = &[
        ("allowlist every path", &|r: &Repo| {
            r.write(
                ".ferret.toml",
                "[rules]\nextra = [\"rules/test.toml\"]\n[allowlist]\npaths = [\"**\"]\n",
            )
        }),
        ("disable the rule", &|r: &Repo| {
            r.write(
                ".ferret.toml",
                "[rules]\nextra = [\"rules/test.toml\"]\ndisable = [\"test-token\"]\n",
            )
        }),
        ("exclude the file", &|r: &Repo| {
            r.write(
                ".ferret.toml",
                "[rules]\nextra = [\"rules/test.toml\"]\n[scan]\nexclude = [\"*.env\"]\n",
            )
        }),
        ("allowlist the value", &|r: &Repo| {
            r.write(
                ".ferret.toml",
                "[rules]\nextra = [\"rules/test.toml\"]\n[allowlist]\nregexes = [\"tsttok_\"]\n",
            )
        }),
        ("weaken the rule file", &|r: &Repo| {
            r.write("rules/test.toml", &TEST_RULES.replace("{24}", "{99}"))
        }),
        ("delete the config", &|r: &Repo| {
            std::fs::remove_file(r.path().join(".ferret.toml")).unwrap()
        }),
    ];
    for (what, silence) in silencers {
        let r = Repo::new();
        r.write(".ferret.toml", "[rules]\nextra = [\"rules/test.toml\"]\n");
        r.write("rules/test.toml", TEST_RULES);
        r.write("README.md", "hello\n");
        let base = r.commit("base");
        r.write("deploy.env", &format!("TOKEN={SECRET_B}\n"));
        silence(&r);
        r.commit("add a token, and quiet the scanner");
        // Trusting the working tree, the change does silence the finding (so the range test
        // below can fail)...
        let trusted = r.ferret(&[]);
        assert!(
            !found_secret(&json(&trusted)),
            "{what}: the silencer does not work, the test proves nothing"
        );
        // ...but a range scan reads the config as it is at the base.
        let o = r.ferret(&["--range", &format!("{base}..HEAD")]);
        let v = json(&o);
        assert!(found_secret(&v), "{what}: the range silenced itself: {v:#}");
        assert_eq!(o.status.code(), Some(1), "{what}");
        let w = warnings(&v);
        assert!(w.contains("changed by the scanned range"), "{what}: {w}");
    }
}

#[test]
fn an_explicit_config_inside_the_repository_is_read_at_the_base_and_one_outside_as_is() {
    let r = Repo::new();
    r.write(
        "ci/ferret.toml",
        "[rules]\nextra = [\"../rules/test.toml\"]\n",
    );
    r.write("rules/test.toml", TEST_RULES);
    let base = r.commit("base");
    r.write("deploy.env", &format!("TOKEN={SECRET_B}\n"));
    r.write(
        "ci/ferret.toml",
        "[rules]\nextra = [\"../rules/test.toml\"]\ndisable = [\"test-token\"]\n",
    );
    r.commit("range");
    let range = format!("{base}..HEAD");
    let inside = r.path().join("ci/ferret.toml");
    let v = json(&r.ferret(&["--range", &range, "--config", inside.to_str().unwrap()]));
    assert!(found_secret(&v), "{v:#}");
    assert!(warnings(&v).contains("ci/ferret.toml"));
    // A config the CI runner supplies from outside the repository is the runner's to decide.
    let outside = r.dir.path().join("runner.toml");
    std::fs::write(
        &outside,
        format!(
            "[rules]\nextra = [{:?}]\ndisable = [\"test-token\"]\n",
            r.path().join("rules/test.toml")
        ),
    )
    .unwrap();
    let v = json(&r.ferret(&["--range", &range, "--config", outside.to_str().unwrap()]));
    assert!(!found_secret(&v), "{v:#}");
    // A --rules file inside the repository, weakened by the range, is read at the base too.
    r.write("rules/test.toml", &TEST_RULES.replace("{24}", "{99}"));
    r.commit("weaken");
    let rules = r.path().join("rules/test.toml");
    let v = json(&r.ferret(&["--range", &range, "--rules", rules.to_str().unwrap()]));
    assert!(found_secret(&v), "{v:#}");
}

/// `gap --range`: the claims ledger the range edits is read at the base, so a pull request can
/// neither delete the control its secret contradicts nor claim its own secret.
#[test]
fn a_range_cannot_claim_its_own_findings_away() {
    let control = "version: 1\ncontrols:\n  - id: no-tokens\n    claim: No test tokens in the repository\n    rules: [test-token]\n    expect: none\n";
    let empty = "version: 1\n";
    let claim = "version: 1\nsecrets:\n  - fingerprint: FP\n    status: open\n";
    for (what, fail_on, base_ledger, edit) in [
        ("delete the control", "contradicted", control, empty),
        ("claim the secret", "unclaimed", empty, claim),
    ] {
        let r = Repo::new();
        // The rule file lives outside the repository, so only the planted secret is found.
        let rules = r.dir.path().join("rules.toml");
        std::fs::write(&rules, TEST_RULES).unwrap();
        let rules = rules.to_str().unwrap().to_string();
        r.write("ferret.claims.yaml", base_ledger);
        let base = r.commit("base");
        r.write("deploy/app.env", &format!("TOKEN={SECRET_B}\n"));
        let v = json(&r.ferret(&["--rules", &rules]));
        let fp = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "deploy/app.env")
            .expect("the secret")["fingerprint"]
            .as_str()
            .unwrap()
            .to_string();
        r.write("ferret.claims.yaml", &edit.replace("FP", &fp));
        r.commit("add a token, and the claims that quiet it");
        let gap = |extra: &[&str]| {
            ferret()
                .arg("gap")
                .arg(r.path())
                .args(["--fail-on", fail_on, "--no-progress", "--rules", &rules])
                .args(extra)
                .current_dir(r.path())
                .env("HOME", r.home())
                .output()
                .expect("run ferret gap")
        };
        // Trusting the working tree, the edited ledger does quiet the gap report...
        let trusted = gap(&[]);
        assert_eq!(
            trusted.status.code(),
            Some(0),
            "{what}: the silencer does not work, the test proves nothing: {}",
            String::from_utf8_lossy(&trusted.stdout)
        );
        // ...but in a range scan the base's ledger holds.
        let o = gap(&["--range", &format!("{base}..HEAD")]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{what}: {}\n{err}",
            String::from_utf8_lossy(&o.stdout)
        );
        assert!(
            err.contains("ferret.claims.yaml is changed by the scanned range"),
            "{what}: {err}"
        );
    }
}

/// Every way a repository can ask git to run a program, each writing a marker file if run.
fn plant_traps(r: &Repo, markers: &Path) {
    let mark = |name: &str| format!("touch {}", markers.join(name).display());
    let hooks = [
        "pre-commit",
        "post-checkout",
        "post-merge",
        "pre-push",
        "post-rewrite",
        "reference-transaction",
        "post-index-change",
        "fsmonitor-watchman",
    ];
    let hooks_dir = r.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks_dir).unwrap();
    for h in hooks {
        let p = hooks_dir.join(h);
        std::fs::write(&p, format!("#!/bin/sh\n{}\n", mark(&format!("hook-{h}")))).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let config = [
        ("core.fsmonitor", mark("fsmonitor")),
        ("core.pager", mark("pager")),
        ("core.editor", mark("editor")),
        ("core.sshCommand", mark("ssh")),
        ("core.askPass", mark("askpass")),
        ("credential.helper", format!("!{}", mark("credential"))),
        ("diff.external", mark("diff-external")),
        ("diff.evil.command", mark("diff-driver")),
        ("diff.evil.textconv", mark("textconv")),
        ("filter.evil.clean", mark("filter-clean")),
        ("filter.evil.smudge", mark("filter-smudge")),
        ("filter.evil.process", mark("filter-process")),
        ("merge.evil.driver", mark("merge-driver")),
        ("gpg.program", mark("gpg")),
        ("uploadpack.packObjectsHook", mark("pack-objects")),
    ];
    for (k, v) in &config {
        r.git(&["config", k, v]);
    }
    r.write(
        ".gitattributes",
        "* filter=evil diff=evil merge=evil\n*.env text eol=crlf\n",
    );
}

#[test]
fn nothing_from_the_scanned_repository_is_ever_run() {
    let r = Repo::new();
    let markers = r.dir.path().join("markers");
    std::fs::create_dir_all(&markers).unwrap();
    r.write("rules.toml", TEST_RULES);
    r.write("a.env", "first\n");
    let base = r.commit("base");
    r.write("a.env", &format!("TOKEN={SECRET_B}\n"));
    r.commit("add");
    r.write("b.env", &format!("STAGED={SECRET_B}\n"));
    r.git(&["add", "b.env"]);
    // Modified after staging, so anything that diffs the work tree would have to filter it.
    r.write("b.env", &format!("STAGED={SECRET_B}\nmore\n"));
    // Planted last: with them, git itself cannot run a plain `git add` any more.
    plant_traps(&r, &markers);
    // The traps are armed: git itself runs them (skipped where git cannot, so the assertion
    // below stays meaningful).
    let armed = {
        let _ = r.git_cmd().args(["status"]).output();
        let _ = r.git_cmd().args(["diff", "HEAD~1"]).output();
        std::fs::read_dir(&markers).unwrap().count()
    };
    assert!(
        armed > 0,
        "no trap fired under git itself: the test proves nothing"
    );
    for entry in std::fs::read_dir(&markers).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let rules = r.path().join("rules.toml");
    let rules = rules.to_str().unwrap();
    let range = format!("{base}..HEAD");
    for mode in [
        vec![],
        vec!["--history"],
        vec!["--staged"],
        vec!["--range", range.as_str()],
    ] {
        let mut args = vec!["--rules", rules];
        args.extend(&mode);
        let o = r.ferret(&args);
        let v = json(&o);
        assert!(found_secret(&v), "{mode:?}: {v:#}");
        let fired: Vec<String> = std::fs::read_dir(&markers)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(fired.is_empty(), "{mode:?} ran {fired:?}");
    }
}
