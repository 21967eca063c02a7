//! Git sources (`--history`, `--staged`, `--range`) on real repositories built in temporary
//! directories with the git CLI. Secrets follow the format of fixtures/rules/test-rules.toml
//! (`fxt_` + 24 lower-case letters or digits), which no built-in rule knows; assertions look at
//! that rule's findings only.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

const RULE: &str = "fixture-token";

fn rules_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules/test-rules.toml")
}

/// A distinct fixture token per name.
fn token(name: &str) -> String {
    assert!(name.len() <= 24 && name.bytes().all(|b| b.is_ascii_lowercase()));
    format!("fxt_{name:0<24}")
}

struct Repo {
    dir: tempfile::TempDir,
    /// Date used by the next commit (and advanced by a day each time).
    day: std::cell::Cell<u32>,
}

fn git_command(dir: &Path, home: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", home)
        .env("GIT_AUTHOR_NAME", "Dev One")
        .env("GIT_AUTHOR_EMAIL", "dev@example.test")
        .env("GIT_COMMITTER_NAME", "Dev One")
        .env("GIT_COMMITTER_EMAIL", "dev@example.test");
    c
}

impl Repo {
    fn new() -> Repo {
        let r = Repo {
            dir: tempfile::tempdir().unwrap(),
            day: std::cell::Cell::new(1),
        };
        std::fs::create_dir(r.work()).unwrap();
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn work(&self) -> PathBuf {
        self.dir.path().join("work")
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let date = format!("2024-01-{:02}T12:00:00Z", self.day.get().min(28));
        let o = git_command(dir, self.dir.path())
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .args(args)
            .output()
            .expect("run git");
        assert!(
            o.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.work(), args)
    }

    fn write(&self, rel: &str, content: &str) {
        let p = self.work().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.work().join(rel)).unwrap();
    }

    /// Commit everything on day `day` of January 2024; returns the commit id.
    fn commit_on(&self, day: u32, msg: &str) -> String {
        self.day.set(day);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
        self.git(&["rev-parse", "HEAD"])
    }
}

fn ferret(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferret"))
        .arg("scan")
        .arg("--rules")
        .arg(rules_file())
        .args(args)
        .current_dir(dir)
        .env_remove("FERRET_FINGERPRINT_SALT")
        .env("NO_COLOR", "1")
        .output()
        .expect("run ferret")
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn scan_json(dir: &Path, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let o = ferret(dir, &a);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    json(&o)
}

/// The test rule's findings.
fn findings(v: &Value) -> Vec<Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == RULE)
        .cloned()
        .collect()
}

/// The finding whose redacted line carries `marker` (a word written next to the secret).
fn finding_with<'a>(all: &'a [Value], marker: &str) -> &'a Value {
    all.iter()
        .find(|f| f["redacted"].as_str().unwrap().contains(marker))
        .unwrap_or_else(|| panic!("no finding marked {marker:?} in {all:#?}"))
}

fn other_paths(f: &Value) -> Vec<String> {
    f["other_locations"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| l["path"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn skipped(v: &Value, reason: &str) -> u64 {
    v["summary"]["skipped"][reason].as_u64().unwrap_or(0)
}

#[test]
fn secret_added_then_deleted_is_found_with_its_commits_and_lifetime() {
    let r = Repo::new();
    r.write("README", "hello\n");
    r.write("config.env", &format!("api {}\n", token("deleted")));
    let added = r.commit_on(1, "add config");
    r.write("README", "hello again\n");
    r.commit_on(5, "unrelated");
    r.remove("config.env");
    let removed = r.commit_on(11, "remove config");
    r.write("README", "bye\n");
    r.commit_on(12, "later");

    let o = ferret(&r.work(), &["--history", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "a history finding fails the run");
    let v = json(&o);
    let all = findings(&v);
    assert_eq!(all.len(), 1, "{all:#?}");
    let f = &all[0];
    assert_eq!(f["path"], "config.env");
    assert_eq!(f["line"], 1);
    let p = &f["provenance"];
    assert_eq!(p["commit"], added.as_str());
    assert_eq!(p["author"], "Dev One");
    assert_eq!(p["date"], "2024-01-01T12:00:00Z");
    assert_eq!(p["in_head"], false);
    assert_eq!(p["removed_in"], removed.as_str());
    assert_eq!(p["removed_date"], "2024-01-11T12:00:00Z");
    assert_eq!(p["first_seen"], "2024-01-01T12:00:00Z");
    assert_eq!(p["last_seen"], "2024-01-05T12:00:00Z");
    assert_eq!(p["commits"], 2, "the two commits whose tree holds it");
    assert_eq!(p["lifetime_days"], 10);
    assert!(
        v["scope"].as_str().unwrap().contains("4 commits"),
        "{}",
        v["scope"]
    );

    // Text output says the same.
    let text = String::from_utf8_lossy(&ferret(&r.work(), &["--history"]).stdout).into_owned();
    assert!(
        text.contains(&format!("removed in {}", &removed[..10])),
        "{text}"
    );
    assert!(text.contains("exposed 10 days"), "{text}");
    // A working-tree scan no longer sees it: history is where it lives.
    let wt = scan_json(&r.work(), &[]);
    assert!(findings(&wt).is_empty());
}

#[test]
fn secret_moved_between_files_is_one_finding_with_two_locations() {
    let r = Repo::new();
    r.write("a.txt", &format!("first\nmoved {}\n", token("moved")));
    let c1 = r.commit_on(1, "a");
    r.write("a.txt", "first\n");
    r.write(
        "lib/b.txt",
        &format!("header\nmore\nmoved {}\n", token("moved")),
    );
    let c2 = r.commit_on(3, "move to b");

    let v = scan_json(&r.work(), &["--history"]);
    let all = findings(&v);
    assert_eq!(all.len(), 1, "{all:#?}");
    let f = &all[0];
    assert_eq!(f["path"], "a.txt");
    assert_eq!(f["line"], 2);
    assert_eq!(other_paths(f), ["lib/b.txt"]);
    assert_eq!(f["other_locations"][0]["line"], 3);
    let p = &f["provenance"];
    assert_eq!(p["commit"], c1.as_str());
    assert_eq!(p["in_head"], true);
    assert!(p.get("removed_in").is_none());
    assert_eq!(p["commits"], 2);
    assert_eq!(p["introduced"][0]["path"], "a.txt");
    assert_eq!(p["introduced"][1]["path"], "lib/b.txt");
    assert_eq!(p["introduced"][1]["commit"], c2.as_str());
}

#[test]
fn renamed_file_keeps_one_finding_and_gains_the_new_path() {
    let r = Repo::new();
    r.write("old/name.cfg", &format!("k {}\n", token("renamed")));
    let c1 = r.commit_on(1, "add");
    r.git(&["mv", "old/name.cfg", "new-name.cfg"]);
    let c2 = r.commit_on(2, "rename");

    let v = scan_json(&r.work(), &["--history"]);
    // The blob did not change: it is scanned once.
    assert_eq!(v["summary"]["files_scanned"], 1);
    let all = findings(&v);
    assert_eq!(all.len(), 1, "{all:#?}");
    let f = &all[0];
    assert_eq!(f["path"], "old/name.cfg");
    assert_eq!(other_paths(f), ["new-name.cfg"]);
    let p = &f["provenance"];
    assert_eq!(p["commit"], c1.as_str());
    assert_eq!(p["introduced"][1]["commit"], c2.as_str());
    assert_eq!(p["in_head"], true);
    assert_eq!(p["commits"], 2);
}

#[test]
fn merged_branch_secret_is_attributed_to_its_branch_commit() {
    let r = Repo::new();
    r.write("main.txt", "base\n");
    r.commit_on(1, "base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("feature.txt", &format!("feat {}\n", token("merged")));
    let on_branch = r.commit_on(2, "feature work");
    r.git(&["checkout", "-q", "main"]);
    r.write("main.txt", "base\nmain work\n");
    r.commit_on(3, "main work");
    r.day.set(4);
    r.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
    let merge = r.git(&["rev-parse", "HEAD"]);

    let v = scan_json(&r.work(), &["--history"]);
    let all = findings(&v);
    assert_eq!(all.len(), 1, "{all:#?}");
    let p = &all[0]["provenance"];
    assert_eq!(p["commit"], on_branch.as_str(), "not the merge {merge}");
    assert_eq!(p["in_head"], true);
    assert_eq!(p["commits"], 2, "the branch commit and the merge");
    assert_eq!(p["first_seen"], "2024-01-02T12:00:00Z");
    assert_eq!(p["last_seen"], "2024-01-04T12:00:00Z");
}

#[test]
fn unmerged_branches_and_tags_are_scanned_but_not_at_head() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit_on(1, "base");
    // A branch never merged into HEAD.
    r.git(&["checkout", "-q", "-b", "wip"]);
    r.write("wip.txt", &format!("wip {}\n", token("unmerged")));
    r.commit_on(2, "wip");
    // A commit reachable only from an annotated tag.
    r.git(&["checkout", "-q", "-b", "release", "main"]);
    r.write("rel.txt", &format!("tagged {}\n", token("tagged")));
    r.commit_on(3, "release");
    r.git(&["tag", "-a", "v1.0", "-m", "v1.0"]);
    r.git(&["checkout", "-q", "main"]);
    r.git(&["branch", "-q", "-D", "release"]);
    // A tag pointing straight at a blob.
    let blob_file = r.dir.path().join("blob.txt");
    std::fs::write(&blob_file, format!("loose {}\n", token("blobtag"))).unwrap();
    let blob = r.git(&["hash-object", "-w", blob_file.to_str().unwrap()]);
    r.git(&["tag", "key-blob", &blob]);

    let v = scan_json(&r.work(), &["--history"]);
    let all = findings(&v);
    assert_eq!(all.len(), 3, "{all:#?}");
    let wip = finding_with(&all, "wip ");
    assert_eq!(wip["provenance"]["in_head"], false);
    assert_eq!(
        wip["provenance"]["refs"],
        serde_json::json!(["refs/heads/wip"])
    );
    assert!(wip["provenance"].get("removed_in").is_none());
    let tagged = finding_with(&all, "tagged ");
    assert_eq!(tagged["provenance"]["in_head"], false);
    assert_eq!(
        tagged["provenance"]["refs"],
        serde_json::json!(["refs/tags/v1.0"])
    );
    let loose = finding_with(&all, "loose ");
    assert_eq!(loose["path"], "refs/tags/key-blob");

    // --branch narrows the walk.
    let main_only = scan_json(&r.work(), &["--history", "--branch", "main"]);
    assert!(findings(&main_only).is_empty(), "{main_only:#}");
    let wip_only = findings(&scan_json(&r.work(), &["--history", "--branch", "wip"]));
    assert_eq!(wip_only.len(), 1);
    let o = ferret(&r.work(), &["--history", "--branch", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-branch"));
}

#[test]
fn since_limits_history_to_recent_commits() {
    let r = Repo::new();
    r.write("old.txt", &format!("old {}\n", token("old")));
    r.commit_on(2, "old");
    r.write("new.txt", &format!("new {}\n", token("new")));
    r.commit_on(20, "new");
    let v = scan_json(&r.work(), &["--history", "--since", "2024-01-10"]);
    let all = findings(&v);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["path"], "new.txt");
    let o = ferret(&r.work(), &["--history", "--since", "10/01/2024"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn distinct_blobs_are_scanned_once() {
    let r = Repo::new();
    for day in 1..=6 {
        // The same two contents alternate: only two distinct blobs.
        let content = if day % 2 == 0 { "even\n" } else { "odd\n" };
        r.write("flip.txt", content);
        r.write("log.txt", &"x\n".repeat(day as usize));
        r.commit_on(day, "flip");
    }
    let v = scan_json(&r.work(), &["--history"]);
    // 2 contents of flip.txt + 6 of log.txt.
    assert_eq!(v["summary"]["files_scanned"], 8, "{:#}", v["summary"]);
}

#[test]
fn staged_scans_the_index_not_the_working_tree() {
    let r = Repo::new();
    r.write("clean.txt", "clean\n");
    r.write("untouched.txt", &format!("old {}\n", token("committed")));
    r.commit_on(1, "base");
    // Staged: a new secret on line 3 of the staged content.
    r.write(
        "app.env",
        &format!("one\ntwo\nstaged {}\n", token("staged")),
    );
    r.git(&["add", "app.env"]);
    // Then unstaged edits: lines inserted above, another secret, and an untracked file.
    r.write(
        "app.env",
        &format!(
            "zero\none\ntwo\nstaged {}\nlater {}\n",
            token("staged"),
            token("unstaged")
        ),
    );
    r.write("untracked.txt", &format!("x {}\n", token("untracked")));
    r.write("clean.txt", &format!("edited {}\n", token("edited")));

    let o = ferret(&r.work(), &["--staged", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let all = findings(&v);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["path"], "app.env");
    assert_eq!(
        all[0]["line"], 3,
        "line numbers are those of the staged content"
    );
    assert!(all[0]["redacted"].as_str().unwrap().starts_with("staged "));
    assert!(all[0].get("provenance").is_none());
    assert_eq!(
        v["summary"]["files_scanned"], 1,
        "only the staged file is read"
    );
    assert!(v["scope"].as_str().unwrap().starts_with("staged changes"));

    // Nothing staged: clean, exit 0.
    r.git(&["reset", "-q"]);
    let o = ferret(&r.work(), &["--staged"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // A pure rename stages no new content.
    r.git(&["mv", "untouched.txt", "renamed.txt"]);
    let v = scan_json(&r.work(), &["--staged"]);
    assert!(findings(&v).is_empty(), "{v:#}");
}

#[test]
fn staged_works_before_the_first_commit() {
    let r = Repo::new();
    r.write("first.txt", &format!("first {}\n", token("unborn")));
    r.git(&["add", "first.txt"]);
    let v = scan_json(&r.work(), &["--staged"]);
    assert_eq!(findings(&v).len(), 1);
}

#[test]
fn range_reports_only_secrets_added_in_it() {
    let r = Repo::new();
    r.write(
        "settings.txt",
        &format!("a\nold {}\n", token("preexisting")),
    );
    let base = r.commit_on(1, "base");
    r.git(&["checkout", "-q", "-b", "pr"]);
    // Touch the file holding the old secret, and add a new one elsewhere.
    r.write(
        "settings.txt",
        &format!("a\nb\nold {}\n", token("preexisting")),
    );
    r.write("src/new.txt", &format!("new {}\n", token("added")));
    let adds = r.commit_on(2, "add a key");
    // A secret added then deleted inside the range still counts.
    r.write("tmp.txt", &format!("tmp {}\n", token("transient")));
    let transient = r.commit_on(3, "oops");
    r.remove("tmp.txt");
    r.commit_on(4, "remove oops");

    let v = scan_json(&r.work(), &["--range", &format!("{base}..pr")]);
    let all = findings(&v);
    assert_eq!(all.len(), 2, "{all:#?}");
    let added = finding_with(&all, "new ");
    assert_eq!(added["path"], "src/new.txt");
    assert_eq!(added["provenance"]["commit"], adds.as_str());
    assert_eq!(added["provenance"]["in_head"], true);
    let tmp = finding_with(&all, "tmp ");
    assert_eq!(tmp["provenance"]["commit"], transient.as_str());
    assert_eq!(tmp["provenance"]["in_head"], false);
    assert!(v["scope"].as_str().unwrap().contains("3 commits"));

    // `main..` means main..HEAD; an empty range is clean.
    let v = scan_json(&r.work(), &["--range", "main.."]);
    assert_eq!(findings(&v).len(), 2);
    let o = ferret(&r.work(), &["--range", "pr..pr"]);
    assert_eq!(o.status.code(), Some(0));
    for bad in ["main", "main...pr", "nope..pr"] {
        let o = ferret(&r.work(), &["--range", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn range_does_not_blame_a_branch_for_secrets_removed_from_base_after_it_forked() {
    let r = Repo::new();
    r.write("legacy.txt", &format!("legacy {}\n", token("legacy")));
    r.commit_on(1, "base");
    r.git(&["checkout", "-q", "-b", "pr"]);
    r.write("legacy.txt", &format!("legacy {}\nedit\n", token("legacy")));
    r.commit_on(2, "pr edit");
    r.git(&["checkout", "-q", "main"]);
    r.remove("legacy.txt");
    r.commit_on(3, "cleanup on main");
    let v = scan_json(&r.work(), &["--range", "main..pr"]);
    assert!(findings(&v).is_empty(), "{v:#}");
}

#[test]
fn not_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for mode in [&["--history"][..], &["--staged"], &["--range", "a..b"]] {
        let o = ferret(dir.path(), mode);
        assert_eq!(o.status.code(), Some(2), "{mode:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("not a git repository"), "{err}");
    }
    let o = ferret(dir.path(), &["--history", "--staged"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "conflicting modes are a usage error"
    );
}

#[test]
fn shallow_clones_warn_that_history_is_partial() {
    let r = Repo::new();
    r.write("gone.txt", &format!("gone {}\n", token("beforedepth")));
    r.commit_on(1, "one");
    r.remove("gone.txt");
    r.commit_on(2, "two");
    r.write("c.txt", "c\n");
    r.commit_on(3, "three");
    let clone = r.dir.path().join("shallow");
    let url = format!("file://{}", r.work().display());
    r.git_in(
        r.dir.path(),
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
    );
    let v = scan_json(&clone, &["--history"]);
    let warnings = v["summary"]["warnings"].to_string();
    assert!(warnings.contains("git fetch --unshallow"), "{warnings}");
    assert!(
        findings(&v).is_empty(),
        "the secret is before the clone depth"
    );
    let text = String::from_utf8_lossy(&ferret(&clone, &["--history"]).stdout).into_owned();
    assert!(text.contains("shallow clone"), "{text}");
}

#[test]
fn missing_objects_are_reported_and_the_scan_goes_on() {
    let r = Repo::new();
    r.write("kept.txt", &format!("kept {}\n", token("kept")));
    r.write("lost.txt", &format!("lost {}\n", token("lost")));
    r.commit_on(1, "both");
    let lost = r.git(&["rev-parse", "HEAD:lost.txt"]);
    let object = r
        .work()
        .join(".git/objects")
        .join(&lost[..2])
        .join(&lost[2..]);
    std::fs::remove_file(object).expect("loose object");
    let v = scan_json(&r.work(), &["--history"]);
    assert_eq!(skipped(&v, "missing_object"), 1, "{:#}", v["summary"]);
    let all = findings(&v);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["path"], "kept.txt");
    let detail = v["summary"]["skipped_files"].to_string();
    assert!(
        detail.contains("lost.txt") && detail.contains(&lost[..10]),
        "{detail}"
    );
}

#[test]
fn submodules_symlinks_binary_and_large_blobs_are_skipped_and_counted() {
    let r = Repo::new();
    r.write("ok.txt", &format!("ok {}\n", token("visible")));
    std::fs::write(
        r.work().join("blob.bin"),
        [b"\0\x01\x02 ".as_slice(), token("inbinary").as_bytes()].concat(),
    )
    .unwrap();
    r.write(
        "big.txt",
        &format!("{}big {}\n", "filler\n".repeat(100), token("toolarge")),
    );
    std::os::unix::fs::symlink("ok.txt", r.work().join("link")).unwrap();
    r.git(&["add", "-A"]);
    let sub = "1234567890123456789012345678901234567890";
    r.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("160000,{sub},vendor/lib"),
    ]);
    r.git(&["commit", "-q", "-m", "mixed"]);

    let v = scan_json(&r.work(), &["--history", "--max-blob-size", "200"]);
    let all = findings(&v);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["path"], "ok.txt");
    assert_eq!(skipped(&v, "submodule"), 1);
    assert_eq!(skipped(&v, "symlink"), 1);
    assert_eq!(skipped(&v, "binary"), 1);
    assert_eq!(skipped(&v, "too_large"), 1);
    assert!(v["summary"]["skipped_files"]
        .to_string()
        .contains("not followed"));
    // Without the size limit the large blob is read.
    let v = scan_json(&r.work(), &["--history"]);
    assert_eq!(findings(&v).len(), 2);
}

#[test]
fn bare_repositories_and_linked_worktrees() {
    let r = Repo::new();
    r.write("a.txt", &format!("a {}\n", token("inbare")));
    r.commit_on(1, "a");
    let bare = r.dir.path().join("bare.git");
    r.git_in(
        r.dir.path(),
        &[
            "clone",
            "-q",
            "--bare",
            r.work().to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    let v = scan_json(&bare, &["--history"]);
    let all = findings(&v);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["provenance"]["in_head"], true);
    let o = ferret(&bare, &["--staged"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("bare"));

    let wt = r.dir.path().join("linked");
    r.git(&["worktree", "add", "-q", "-b", "side", wt.to_str().unwrap()]);
    r.write_in(&wt, "side.txt", &format!("side {}\n", token("worktree")));
    r.git_in(&wt, &["add", "side.txt"]);
    let staged = findings(&scan_json(&wt, &["--staged"]));
    assert_eq!(staged.len(), 1);
    assert_eq!(staged[0]["path"], "side.txt");
    // The main worktree's index is separate.
    assert!(findings(&scan_json(&r.work(), &["--staged"])).is_empty());
    r.git_in(&wt, &["commit", "-q", "-m", "side"]);
    let v = scan_json(&wt, &["--history"]);
    let side = finding_with(&findings(&v), "side ").clone();
    assert_eq!(
        side["provenance"]["in_head"], true,
        "HEAD of the linked worktree"
    );
}

#[test]
fn history_sarif_carries_provenance() {
    let r = Repo::new();
    r.write("x.txt", &format!("x {}\n", token("sarif")));
    let c1 = r.commit_on(1, "x");
    r.remove("x.txt");
    r.commit_on(2, "rm");
    let o = ferret(&r.work(), &["--history", "--format", "sarif"]);
    let v = json(&o);
    let results = v["runs"][0]["results"].as_array().unwrap();
    let res = results
        .iter()
        .find(|x| x["ruleId"] == RULE)
        .expect("result");
    let p = &res["properties"]["provenance"];
    assert_eq!(p["commit"], c1.as_str());
    assert_eq!(p["in_head"], false);
    assert!(res["message"]["text"]
        .as_str()
        .unwrap()
        .contains("still in git history"));
}

impl Repo {
    fn write_in(&self, dir: &Path, rel: &str, content: &str) {
        std::fs::write(dir.join(rel), content).unwrap();
    }
}

#[test]
fn edits_far_from_a_secret_keep_it_alive_until_its_line_goes() {
    let r = Repo::new();
    let mut lines: Vec<String> = (0..300).map(|i| format!("filler line {i}")).collect();
    lines[149] = format!("first {}", token("longlived"));
    let save = |lines: &Vec<String>| r.write("big.txt", &(lines.join("\n") + "\n"));
    save(&lines);
    let c1 = r.commit_on(1, "add");
    lines.push("appended".into());
    save(&lines);
    r.commit_on(2, "append");
    lines.insert(0, "prepended".into());
    save(&lines);
    r.commit_on(3, "prepend");
    // A second secret, added far from the first: found at its line in that version.
    lines.insert(9, format!("second {}", token("later")));
    save(&lines);
    let c4 = r.commit_on(4, "second");
    let first_at = lines.iter().position(|l| l.starts_with("first ")).unwrap();
    lines.remove(first_at);
    save(&lines);
    let c5 = r.commit_on(5, "drop first");

    let v = scan_json(&r.work(), &["--history"]);
    let all = findings(&v);
    assert_eq!(all.len(), 2, "{all:#?}");
    let first = finding_with(&all, "first ");
    assert_eq!(first["line"], 150);
    let p = &first["provenance"];
    assert_eq!(p["commit"], c1.as_str());
    assert_eq!(p["in_head"], false);
    assert_eq!(p["removed_in"], c5.as_str());
    assert_eq!(p["commits"], 4, "present in every version until the fifth");
    let second = finding_with(&all, "second ");
    assert_eq!(second["line"], 10);
    assert_eq!(second["provenance"]["commit"], c4.as_str());
    assert_eq!(second["provenance"]["in_head"], true);
    assert_eq!(second["provenance"]["commits"], 2);
}

#[test]
fn grant_checks_see_whole_documents_of_edited_files() {
    let r = Repo::new();
    // The privileged trigger sits far above the lines a later edit adds: a check of the changed
    // lines alone could not connect the two.
    let mut steps = String::new();
    for i in 0..200 {
        steps.push_str(&format!("      - run: echo step {i}\n"));
    }
    let workflow = |extra: &str| {
        format!(
            "name: ci\non: pull_request_target\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n{steps}{extra}"
        )
    };
    r.write(".github/workflows/ci.yml", &workflow(""));
    r.commit_on(1, "workflow");
    let checkout = "      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: npm ci && npm test\n";
    r.write(".github/workflows/ci.yml", &workflow(checkout));
    let c2 = r.commit_on(2, "run the pull request's tests");

    let v = scan_json(&r.work(), &["--history"]);
    assert_eq!(skipped(&v, "parse_error"), 0, "{:#}", v["summary"]);
    let grants: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "gha-untrusted-checkout-exec")
        .collect();
    assert_eq!(grants.len(), 1, "{:#}", v["findings"]);
    let p = &grants[0]["provenance"];
    assert_eq!(p["commit"], c2.as_str());
    assert_eq!(p["in_head"], true);
}

/// Kubernetes findings of a staged or range scan are joined with the files of the tree the
/// changes land in, as a working-tree scan joins them: the unchanged file that binds a role
/// edited here says to whom, and one that binds it namespace by namespace clears its
/// cluster-wide findings.
#[test]
fn changed_kubernetes_roles_are_joined_with_unchanged_bindings() {
    let r = Repo::new();
    let binding = common::cluster_role_binding_yaml;
    // Read as a scan reads it: Windows tools write UTF-16.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            binding("ClusterRoleBinding", "ci", "ci", "deployer", "pipeline")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    std::fs::create_dir_all(r.work().join("rbac")).unwrap();
    std::fs::write(r.work().join("rbac/ci-binding.yaml"), utf16).unwrap();
    r.write(
        "team-a/binding.yaml",
        &binding("RoleBinding", "reader", "team-a", "secret-reader", "app"),
    );
    let base = r.commit_on(1, "bindings");
    r.write(
        "rbac/roles.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: deployer\nrules:\n  - apiGroups: [\"*\"]\n    resources: [\"*\"]\n    verbs: [\"*\"]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: secret-reader\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"secrets\"]\n    verbs: [\"get\", \"list\"]\n",
    );
    // Not yet committed: the binding of secret-reader is deleted in the working tree only.
    r.git(&["add", "rbac/roles.yaml"]);
    r.remove("team-a/binding.yaml");
    let grants = |v: &Value| -> Vec<(String, String)> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "grant")
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let bound = "(bound to system:serviceaccount:ci:pipeline in rbac/ci-binding.yaml)";
    let check = |v: &Value, what: &str| {
        let found = grants(v);
        assert_eq!(found.len(), 1, "{what}: {found:?}");
        assert_eq!(found[0].0, "k8s-rbac-wildcard", "{what}");
        assert!(found[0].1.ends_with(bound), "{what}: {found:?}");
    };
    // The index still holds the RoleBinding: secret-reader is granted in team-a only.
    check(&scan_json(&r.work(), &["--staged"]), "staged");

    r.git(&["checkout", "-q", "--", "team-a/binding.yaml"]);
    r.commit_on(2, "roles");
    let range = format!("{base}..HEAD");
    check(&scan_json(&r.work(), &["--range", &range]), "range");

    // Without the RoleBinding in the tree the range lands in, the ClusterRole may be bound
    // anywhere: reported.
    r.remove("team-a/binding.yaml");
    r.commit_on(3, "drop the team-a binding");
    let found = grants(&scan_json(&r.work(), &["--range", &range]));
    assert!(
        found
            .iter()
            .any(|(id, _)| id == "k8s-secrets-read-cluster-wide"),
        "{found:?}"
    );
}

/// A range scans versions its head may no longer hold: a ClusterRole whose own file binds it
/// only in one namespace is judged by that file even when the file is gone at the head. A
/// staged binding whose kind is spelled with a YAML escape still counts.
#[test]
fn kubernetes_joins_of_removed_files_and_escaped_kinds() {
    let r = Repo::new();
    let role_and_binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: secret-reader\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"secrets\"]\n    verbs: [\"get\"]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reader\n  namespace: team-a\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: secret-reader\nsubjects:\n  - kind: ServiceAccount\n    name: app\n    namespace: team-a\n";
    let base = r.commit_on(1, "base");
    r.write("rbac.yaml", role_and_binding);
    r.commit_on(2, "role");
    r.remove("rbac.yaml");
    r.commit_on(3, "gone");
    let cluster_wide = |v: &Value| {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule_id"] == "k8s-secrets-read-cluster-wide")
    };
    let v = scan_json(&r.work(), &["--range", &format!("{base}..HEAD")]);
    assert!(!cluster_wide(&v), "{v:#}");
    assert!(!cluster_wide(&scan_json(&r.work(), &["--history"])));

    // `"RoleBind\x69ng"` is "RoleBinding" to a YAML parser.
    r.write(
        "team-a/binding.yaml",
        &role_and_binding
            .split("---\n")
            .nth(1)
            .unwrap()
            .replace("kind: RoleBinding", "kind: \"RoleBind\\x69ng\""),
    );
    r.commit_on(4, "escaped binding");
    r.write("role.yaml", role_and_binding.split("---\n").next().unwrap());
    r.git(&["add", "role.yaml"]);
    assert!(!cluster_wide(&scan_json(&r.work(), &["--staged"])));
    assert!(!cluster_wide(&scan_json(&r.work(), &[])));
}

#[test]
fn grant_excerpts_mask_the_secrets_on_their_lines_in_every_source() {
    // Built from parts: this file holds no secret-shaped literal.
    let aws_secret = ["Kx9vQ2mWz7pL4nR8", "tY3uB6hJ1cF5gD0sA2eZ7iOq"].concat();
    let registry_password = ["Pq7rT2wXz9Lm4", "Nb8Vc3Kj6Hg1Fd5Sa"];
    let workflow = |top: &str| {
        format!(
            "{top}on: push\njobs:\n  b:\n    runs-on: x\n    env: {{AWS_ACCESS_KEY_ID: {}, \
             AWS_SECRET_ACCESS_KEY: {aws_secret}}}\n    container:\n      image: ghcr.io/a/b:1\n      \
             credentials:\n        username: ci\n        password: {}\n          {}\n    \
             steps: [{{run: echo}}]\n",
            ["AKIAQ3EGRXZ5", "LPMN7T2B"].concat(),
            registry_password[0],
            registry_password[1],
        )
    };
    // A token only the secret engine knows, on the line of a grant finding.
    let gitlab_token = ["glpat-Zq8kP2mX", "w9LrT4vB7nC1"].concat();
    // `workflow:` holds no job; renamed to `job:`, the unchanged script line becomes a
    // finding of the later version.
    let pipeline = |key: &str, filler: &str| {
        format!(
            "{key}:\n{filler}  script:\n    - git push https://gitlab-ci-token:${{CI_JOB_TOKEN}}@gitlab.com/a/b.git \
             && git push https://oauth2:{gitlab_token}@git.example.com/a/b.git\n"
        )
    };
    let r = Repo::new();
    // Changes further above the findings than the context a history or range scan rescans
    // around changed lines: the engine never reads the findings' lines in the later version.
    let filler = "# -\n".repeat(200);
    r.write(".github/workflows/ci.yml", &workflow(&filler));
    r.write(".gitlab-ci.yml", &pipeline("workflow", &filler));
    let first = r.commit_on(1, "ci");
    r.write(
        ".github/workflows/ci.yml",
        &workflow(&format!("name: ci\n{filler}")),
    );
    r.write(".gitlab-ci.yml", &pipeline("job", &filler));
    r.git(&["add", "-A"]);
    let parts: Vec<&str> = [
        aws_secret.as_str(),
        registry_password[0],
        registry_password[1],
        gitlab_token.as_str(),
    ]
    .to_vec();
    let range = format!("{first}..HEAD");
    for source in [
        &[][..],
        &["--staged"][..],
        &["--range", &range][..],
        &["--history"][..],
    ] {
        if source.first() == Some(&"--range") {
            // A range holds only the later version, scanned around its changed lines.
            r.commit_on(2, "name the pipelines");
        }
        for format in ["text", "json", "sarif"] {
            let mut args = source.to_vec();
            args.extend(["--format", format]);
            let o = ferret(&r.work(), &args);
            let out = String::from_utf8_lossy(&o.stdout);
            // A range reports what it introduced: the pipeline's job.
            let introduced = match source.first() {
                Some(&"--range") => 2,
                _ => 0,
            };
            for check in &[
                "gha-long-lived-cloud-keys",
                "gha-hardcoded-container-credentials",
                "gitlab-job-token-push",
            ][introduced..]
            {
                assert!(
                    out.contains(check),
                    "{source:?} {format}: no {check}\n{out}"
                );
            }
            for part in &parts {
                // No more than the kept prefix of a masked secret.
                for piece in part.as_bytes().windows(8) {
                    let piece = std::str::from_utf8(piece).unwrap();
                    assert!(
                        !out.contains(piece),
                        "{source:?} {format} shows {piece}:\n{out}"
                    );
                }
            }
        }
    }
    let shown = ferret(&r.work(), &["--show-secrets"]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains(&aws_secret));
}

#[test]
fn later_versions_mask_copies_of_secrets_written_far_from_their_changes() {
    // Built from parts: this file holds no secret-shaped literal.
    let password = ["Kx9vQ2mZ", "7pLw4RtY"].concat();
    let r = Repo::new();
    let lines: Vec<String> = (1..400).map(|i| format!("line{i} = 1")).collect();
    r.write(
        "config.py",
        &format!("db_password = \"{password}\"\n{}\n", lines.join("\n")),
    );
    let first = r.commit_on(1, "config");
    // 300 lines below the secret, beyond the context rescanned around a change: a copy of
    // the password next to a new secret.
    let mut changed = lines.clone();
    changed[299] = format!("x = f(\"{password}\")  # {}", token("added"));
    r.write(
        "config.py",
        &format!("db_password = \"{password}\"\n{}\n", changed.join("\n")),
    );
    r.commit_on(2, "use it");
    let range = format!("{first}..HEAD");
    for source in [&["--history"][..], &["--range", &range][..]] {
        let v = scan_json(&r.work(), source);
        let added = findings(&v);
        let added = finding_with(&added, "x = f(");
        assert_eq!(added["line"], 301, "{source:?}");
        let out = v.to_string();
        assert!(
            !out.contains(&password),
            "{source:?} shows the password:\n{out}"
        );
    }
}
