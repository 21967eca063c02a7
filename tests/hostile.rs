//! Hostile input: whatever an untrusted repository contains must not crash the scanner, hang
//! it, exhaust memory, or hide the rest of the scan.
//!
//! Every input is built here, in a temporary directory. Each case runs the binary under a wall
//! clock limit while sampling its peak resident memory, and checks the contract: no panic; a
//! message naming the file; the scan goes on (a canary secret in another file is still found);
//! the summary counts the file; the exit code is 1 (the canary) — or 2 where the input makes
//! the run itself impossible. The larger variants (200 MB scanned, 100k files, deep trees) run
//! with the release binary in `scripts/hostile-scale.sh`, which prints the measurements.

mod common;

use common::{write_file, SECRET_A, SECRET_B, TEST_RULES};
use serde_json::Value;
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The canary every case must still find; the other secret is planted in the hostile input.
const CANARY: &str = SECRET_A;
const HIDDEN: &str = SECRET_B;

/// Memory ceiling for ordinary cases (debug build, one small tree).
const ORDINARY_RSS_KB: u64 = 300 * 1024;
const ORDINARY_TIME: Duration = Duration::from_secs(60);

struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    /// A tree with the test rules (outside the scanned directory) and a canary secret.
    fn new() -> Tree {
        let t = Tree {
            dir: tempfile::tempdir().unwrap(),
        };
        fs::create_dir(t.root()).unwrap();
        fs::write(t.dir.path().join("rules.toml"), TEST_RULES).unwrap();
        // No other rule's keyword on the line, so its scan is as cheap as a scan can be.
        t.write("canary.env", format!("{CANARY}\n").as_bytes());
        t
    }
    /// The scanned directory.
    fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
    fn write(&self, rel: &str, content: &[u8]) -> PathBuf {
        write_file(&self.root().join(rel), content)
    }
    fn scan(&self, extra: &[&str]) -> Run {
        self.scan_within(extra, ORDINARY_TIME)
    }
    fn scan_within(&self, extra: &[&str], limit: Duration) -> Run {
        let mut args: Vec<String> = vec![
            "scan".into(),
            self.root().display().to_string(),
            "--rules".into(),
            self.dir.path().join("rules.toml").display().to_string(),
            "--no-progress".into(),
        ];
        if !extra.contains(&"--format") {
            args.extend(["--format".into(), "json".into()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        run_bounded(
            Command::new(env!("CARGO_BIN_EXE_ferret")).args(&args),
            limit,
        )
    }
}

/// What one bounded run of the binary did.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    secs: f64,
    peak_rss_kb: u64,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                String::from_utf8_lossy(&self.stdout),
                self.stderr
            )
        })
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    /// The contract every case shares: no panic, bounded memory, the canary found, exit 1.
    fn assert_survived(&self, max_rss_kb: u64) -> Value {
        assert!(
            !self.stderr.contains("panicked"),
            "panic on stderr: {}",
            self.stderr
        );
        assert!(
            self.peak_rss_kb <= max_rss_kb,
            "peak RSS {} KB over {max_rss_kb} KB",
            self.peak_rss_kb
        );
        let v = self.json();
        assert!(
            findings(&v)
                .iter()
                .any(|f| f["path"].as_str().unwrap().ends_with("canary.env")),
            "the canary was not found: the scan did not go on\n{v:#}"
        );
        assert_eq!(self.code, Some(1), "stderr: {}", self.stderr);
        assert_eq!(
            v["summary"]["skipped"].get("internal_error"),
            None,
            "internal error: {v:#}"
        );
        v
    }
}

fn findings(v: &Value) -> &Vec<Value> {
    v["findings"].as_array().expect("findings array")
}

/// The skipped entry for `path` with `reason`, with a detail that says something.
fn skipped<'a>(v: &'a Value, path: &str, reason: &str) -> &'a Value {
    let entry = v["summary"]["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["path"] == path && s["reason"] == reason)
        .unwrap_or_else(|| panic!("no {reason} entry for {path:?}: {v:#}"));
    assert!(
        entry["detail"].as_str().is_some_and(|d| d.len() > 5),
        "{entry}"
    );
    assert!(v["summary"]["skipped"][reason].as_u64().unwrap_or(0) >= 1);
    entry
}

/// Peak resident set size of a running process (its high-water mark), in KiB.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Run a command with a wall-clock limit, sampling its peak memory; a run over the limit is
/// killed and fails the test (a hang).
fn run_bounded(cmd: &mut Command, limit: Duration) -> Run {
    let out = tempfile::tempfile().unwrap();
    let err = tempfile::tempfile().unwrap();
    let started = Instant::now();
    let mut child = cmd
        .env_remove("FERRET_FINGERPRINT_SALT")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .expect("run ferret");
    let mut peak = 0;
    let status = loop {
        if let Some(kb) = vm_hwm_kb(child.id()) {
            peak = peak.max(kb);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("hang: still running after {limit:?}: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |mut f: File| {
        use std::io::{Read, Seek};
        let mut v = Vec::new();
        f.seek(std::io::SeekFrom::Start(0)).unwrap();
        f.read_to_end(&mut v).unwrap();
        v
    };
    let run = Run {
        code: status.code(),
        stdout: read(out),
        stderr: String::from_utf8_lossy(&read(err)).into_owned(),
        secs: started.elapsed().as_secs_f64(),
        peak_rss_kb: peak,
    };
    // Shown with `--nocapture`: the measurements behind the robustness notes.
    eprintln!(
        "measured: {:.2}s, peak {} KiB, exit {:?}: {:?}",
        run.secs,
        run.peak_rss_kb,
        run.code,
        cmd.get_args().collect::<Vec<_>>()
    );
    run
}

fn is_root() -> bool {
    fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().nth(1).map(|e| e == "0"))
        .unwrap_or(false)
}

fn has_tool(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Deterministic pseudo-random bytes (xorshift), for binary content.
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn binary_files_with_text_headers() {
    let t = Tree::new();
    // A self-extracting installer: a script, then an archive.
    let mut installer = format!("#!/bin/sh\nTOKEN={HIDDEN}\nexit 0\n").into_bytes();
    installer.push(0);
    installer.extend(noise(50_000, 1));
    t.write("install.sh", &installer);
    // Text with a NUL after the first 8 KiB: text, scanned through.
    let mut late = format!("# config\nkey = {HIDDEN}\n").into_bytes();
    late.extend(std::iter::repeat_n(b'#', 9000));
    late.push(0);
    late.extend(noise(1000, 2));
    t.write("late-nul.cfg", &late);
    // Pure binary.
    let mut blob = vec![0u8];
    blob.extend(noise(100_000, 3));
    t.write("blob.bin", &blob);
    let r = t.scan(&[]);
    let v = r.assert_survived(ORDINARY_RSS_KB);
    for (path, line) in [("install.sh", 2), ("late-nul.cfg", 2)] {
        assert!(
            findings(&v)
                .iter()
                .any(|f| f["path"] == path && f["line"] == line),
            "secret in {path} not found: {v:#}"
        );
    }
    let e = skipped(&v, "install.sh", "binary");
    assert!(e["detail"]
        .as_str()
        .unwrap()
        .contains("before the first NUL"));
    skipped(&v, "blob.bin", "binary");
}

#[test]
fn invalid_utf8_and_utf16_files() {
    let t = Tree::new();
    let mut bad = b"\xff\xfe\xfd junk \xc3\x28 key=".to_vec();
    bad.extend(HIDDEN.as_bytes());
    bad.extend(b" \xed\xa0\x80\xf4\x90\x80\x80 tail\n");
    t.write("bad-utf8.txt", &bad);
    let text = format!("line one\r\nsecret: {HIDDEN}\r\n");
    let units: Vec<u16> = text.encode_utf16().collect();
    let utf16 = |bom: &[u8], le: bool, extra: &[u16]| {
        let mut v = bom.to_vec();
        for u in units.iter().chain(extra) {
            v.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        v
    };
    t.write("utf16le-bom.ps1", &utf16(&[0xFF, 0xFE], true, &[]));
    t.write("utf16be-bom.txt", &utf16(&[0xFE, 0xFF], false, &[]));
    t.write("utf16le-nobom.reg", &utf16(&[], true, &[]));
    // An unpaired surrogate and an odd trailing byte.
    let mut broken = utf16(&[0xFF, 0xFE], true, &[0xD800, 0x41]);
    broken.push(0x42);
    t.write("utf16-broken.txt", &broken);
    let r = t.scan(&[]);
    let v = r.assert_survived(ORDINARY_RSS_KB);
    let found = |p: &str| findings(&v).iter().find(|f| f["path"] == p).cloned();
    let f = found("bad-utf8.txt").expect("secret in invalid UTF-8");
    assert_eq!(f["line"], 1);
    for p in [
        "utf16le-bom.ps1",
        "utf16be-bom.txt",
        "utf16le-nobom.reg",
        "utf16-broken.txt",
    ] {
        let f = found(p).unwrap_or_else(|| panic!("secret in {p} not found: {v:#}"));
        assert_eq!(f["line"], 2, "{p}");
        assert_eq!(f["column"], 9, "{p}");
    }
}

#[test]
fn huge_single_line_file_is_skipped_by_default_and_bounded_when_allowed() {
    let t = Tree::new();
    // 200 MB, sparse: no disk used, and the size limit must stop it before any read.
    let f = File::create(t.root().join("huge.txt")).unwrap();
    f.set_len(200 << 20).unwrap();
    drop(f);
    let r = t.scan_within(&[], Duration::from_secs(30));
    let v = r.assert_survived(100 * 1024);
    let e = skipped(&v, "huge.txt", "too_large");
    assert!(e["detail"].as_str().unwrap().contains("--max-file-size"));
    // The text report names it too: content that was not examined can hold a secret.
    let r = t.scan(&["--format", "text"]);
    assert!(r.text().contains("huge.txt"), "{}", r.text());

    // A real 40 MB single-line text file with a secret at its end, the limit raised: scanned,
    // in memory bounded by the file size plus a constant.
    fs::remove_file(t.root().join("huge.txt")).unwrap();
    let mut f = File::create(t.root().join("line.txt")).unwrap();
    let chunk: Vec<u8> = noise(1 << 20, 9)
        .into_iter()
        .map(|b| b"abcdefghijklmnopqrstuvwxyz0123456789    "[b as usize % 40])
        .collect();
    for _ in 0..40 {
        f.write_all(&chunk).unwrap();
    }
    write!(f, " {HIDDEN}").unwrap();
    drop(f);
    let r = t.scan_within(
        &["--max-file-size", "50M", "--file-timeout", "0"],
        Duration::from_secs(300),
    );
    let v = r.assert_survived(40 * 1024 + 200 * 1024);
    let f = findings(&v)
        .iter()
        .find(|f| f["path"] == "line.txt")
        .expect("secret at the end of the long line");
    assert_eq!(f["line"], 1);
    assert_eq!(f["column"].as_u64(), Some(40 * (1 << 20) + 2));
    assert!(f["redacted"].as_str().unwrap().chars().count() < 400);
}

#[test]
fn many_tiny_files() {
    let t = Tree::new();
    let n = 20_000;
    for i in 0..n {
        let dir = t.root().join(format!("d{}", i / 1000));
        if i % 1000 == 0 {
            fs::create_dir_all(&dir).unwrap();
        }
        fs::write(dir.join(format!("f{i}.txt")), b"x").unwrap();
    }
    t.write("d7/deep.env", format!("T={HIDDEN}").as_bytes());
    let r = t.scan(&[]);
    let v = r.assert_survived(ORDINARY_RSS_KB);
    assert_eq!(v["summary"]["files_scanned"].as_u64(), Some(n + 2));
    assert!(findings(&v).iter().any(|f| f["path"] == "d7/deep.env"));
}

/// `depth` nested directories named `d` at `dest`, with `file` (name, content) at the bottom,
/// built bottom-up in pieces of 1,000 levels moved into one another, so the kernel is never
/// handed a path longer than PATH_MAX even when the result is far deeper.
fn deep_chain(dest: &Path, depth: usize, file: (&str, &str)) {
    const PIECE: usize = 1000;
    let staging = dest.with_extension("staging");
    let mut built = 0;
    let mut previous: Option<PathBuf> = None;
    let mut k = 0;
    while built < depth {
        let stage = staging.join(k.to_string());
        let n = PIECE.min(depth - built);
        // n levels, counting the moved piece as the last of them.
        let levels = if previous.is_some() { n - 1 } else { n };
        let bottom = stage.join("d/".repeat(levels.max(1)));
        fs::create_dir_all(&bottom).unwrap();
        match &previous {
            None => fs::write(bottom.join(file.0), file.1).unwrap(),
            Some(prev) => fs::rename(prev.join("d"), bottom.join("d")).unwrap(),
        }
        built += if previous.is_some() {
            levels + 1
        } else {
            levels
        };
        previous = Some(stage);
        k += 1;
    }
    fs::rename(previous.unwrap().join("d"), dest).unwrap();
    fs::remove_dir_all(&staging).unwrap();
}

#[test]
fn deeply_nested_directories() {
    let t = Tree::new();
    // 1,000 levels: paths stay under PATH_MAX, so the file at the bottom must be found.
    deep_chain(&t.root().join("a"), 1000, ("deep.env", HIDDEN));
    // 3,000 levels: the file's path is over PATH_MAX (4,096 bytes); whatever the walk can and
    // cannot reach, it must say so and go on.
    deep_chain(&t.root().join("b"), 3000, ("deeper.env", HIDDEN));
    let r = t.scan(&[]);
    let v = r.assert_survived(ORDINARY_RSS_KB);
    let paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("a/") && p.ends_with("/d/deep.env")),
        "the file 1,000 levels down was not found: {paths:?}"
    );
    let deeper_found = paths.iter().any(|p| p.ends_with("/d/deeper.env"));
    let deeper_reported = v["summary"]["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["path"].as_str().unwrap().starts_with("b/d/d/"));
    assert!(
        deeper_found || deeper_reported,
        "the file 3,000 levels down was neither found nor reported: {v:#}"
    );
}

#[test]
fn symlink_loops_dangling_links_and_links_out_of_the_tree() {
    let t = Tree::new();
    let outside = t.dir.path().join("outside.env");
    fs::write(&outside, format!("T={HIDDEN}")).unwrap();
    let root = t.root();
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, root.join(name)).unwrap();
    };
    link(Path::new("self"), "self");
    link(Path::new("pong"), "ping");
    link(Path::new("ping"), "pong");
    link(Path::new("."), "here");
    link(Path::new(".."), "up");
    link(Path::new("/nonexistent/nowhere"), "dangling");
    link(&outside, "outside-link.env");
    fs::create_dir(root.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", root.join("sub/parent")).unwrap();
    let r = t.scan(&[]);
    let v = r.assert_survived(ORDINARY_RSS_KB);
    // Links are not followed: nothing outside the tree is read.
    assert!(
        !findings(&v)
            .iter()
            .any(|f| f["path"].as_str().unwrap().contains("outside")),
        "{v:#}"
    );
    for name in [
        "self",
        "ping",
        "pong",
        "here",
        "up",
        "dangling",
        "outside-link.env",
        "sub/parent",
    ] {
        skipped(&v, name, "symlink");
    }
    // The same tree given through a link to it is scanned, and still not followed inside.
    let via = t.dir.path().join("via");
    std::os::unix::fs::symlink(&root, &via).unwrap();
    let o = run_bounded(
        Command::new(env!("CARGO_BIN_EXE_ferret")).args([
            "scan",
            via.to_str().unwrap(),
            "--format",
            "json",
            "--rules",
            t.dir.path().join("rules.toml").to_str().unwrap(),
        ]),
        ORDINARY_TIME,
    );
    o.assert_survived(ORDINARY_RSS_KB);
}

#[test]
fn unreadable_files_and_directories() {
    let t = Tree::new();
    let secret_file = t.write("locked/secret.env", format!("T={HIDDEN}").as_bytes());
    let locked_file = t.write("locked-file.env", format!("T={HIDDEN}").as_bytes());
    fs::set_permissions(&secret_file, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(&locked_file, fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(t.root().join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    // Permission bits do not stop root. As root, the scan runs as `nobody` (setpriv) so the bits
    // mean something; without setpriv that part cannot be tested honestly and is left out.
    let as_nobody = is_root() && has_tool("setpriv");
    if !is_root() || as_nobody {
        for p in [t.dir.path(), &t.root()] {
            fs::set_permissions(p, fs::Permissions::from_mode(0o755)).unwrap();
        }
        fs::set_permissions(
            t.dir.path().join("rules.toml"),
            fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let command = |format: &str| {
            let mut c = if as_nobody {
                let mut c = Command::new("setpriv");
                c.args([
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    env!("CARGO_BIN_EXE_ferret"),
                ]);
                c
            } else {
                Command::new(env!("CARGO_BIN_EXE_ferret"))
            };
            c.args([
                "scan",
                t.root().to_str().unwrap(),
                "--format",
                format,
                "--rules",
                t.dir.path().join("rules.toml").to_str().unwrap(),
            ]);
            c
        };
        let r = run_bounded(&mut command("json"), ORDINARY_TIME);
        let v = r.assert_survived(ORDINARY_RSS_KB);
        let e = skipped(&v, "locked-file.env", "unreadable");
        assert!(e["detail"].as_str().unwrap().contains("ermission denied"));
        let e = skipped(&v, "locked", "walk_error");
        assert!(e["detail"].as_str().unwrap().contains("ermission denied"));
        let r = run_bounded(&mut command("text"), ORDINARY_TIME);
        let text = r.text();
        assert!(
            text.contains("warning: locked-file.env: cannot open: Permission denied"),
            "{text}\n{}",
            r.stderr
        );
        assert!(text.contains("warning: locked:"), "{text}");
    }
    fs::set_permissions(t.root().join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    // A file whose read fails whoever reads it: /proc/self/mem is a regular file of size 0
    // whose first page is unmapped, so read() returns EIO.
    let r = t.scan(&["/proc/self/mem"]);
    let v = r.assert_survived(ORDINARY_RSS_KB);
    let e = skipped(&v, "/proc/self/mem", "unreadable");
    assert!(
        e["detail"].as_str().unwrap().contains("rror"),
        "{e}: expected an I/O error"
    );
}

#[test]
fn fifos_sockets_and_devices_are_never_opened() {
    let t = Tree::new();
    let fifo = t.root().join("pipe.env");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let _sock = std::os::unix::net::UnixListener::bind(t.root().join("app.sock")).unwrap();
    let mut special = vec!["pipe.env", "app.sock"];
    // A character device (the kernel's null device) where the kernel allows making one.
    let made_dev = is_root()
        && Command::new("mknod")
            .arg(t.root().join("null.env"))
            .args(["c", "1", "3"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if made_dev {
        special.push("null.env");
    }
    let r = t.scan(&[]);
    let v = r.assert_survived(ORDINARY_RSS_KB);
    for p in special {
        skipped(&v, p, "not_regular_file");
    }
    // Named on the command line, a FIFO and a device are not opened either (opening a FIFO with
    // no writer blocks forever).
    let r = t.scan(&[fifo.to_str().unwrap(), "/dev/zero"]);
    let v = r.assert_survived(ORDINARY_RSS_KB);
    assert!(v["summary"]["skipped"]["not_regular_file"].as_u64() >= Some(2));
}

#[test]
fn file_names_with_newlines_escapes_and_invalid_utf8() {
    use std::ffi::OsStr;
    let t = Tree::new();
    let names: [&[u8]; 4] = [
        b"new\nline.env",
        b"\x1b[2J\x1b]0;pwned\x07.env",
        b"bad\xff\xfe.env",
        b"::error file=x::forged.env",
    ];
    for n in names {
        fs::write(t.root().join(OsStr::from_bytes(n)), format!("T={HIDDEN}\n")).unwrap();
    }
    let r = t.scan(&[]);
    let v = r.assert_survived(ORDINARY_RSS_KB);
    let paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"new\nline.env"), "{paths:?}");
    assert!(paths.contains(&"bad\u{fffd}\u{fffd}.env"), "{paths:?}");
    assert_eq!(paths.len(), 5, "{paths:?}");
    // Text output: one line per item, no raw control characters.
    let r = t.scan(&["--format", "text"]);
    let text = r.text();
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{7}'),
        "{text:?}"
    );
    assert!(text.contains("new\\nline.env"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("line.env")), "{text}");
    // SARIF is valid JSON with percent-encoded URIs; GitHub annotations stay one per line.
    let r = t.scan(&["--format", "sarif"]);
    let s = r.json();
    let uris: Vec<String> = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(uris.iter().any(|u| u == "new%0Aline.env"), "{uris:?}");
    let r = t.scan(&["--format", "github"]);
    for line in r.text().lines() {
        assert!(
            line.starts_with("::") || line.is_empty() || !line.contains("::"),
            "forged workflow command: {line:?}"
        );
    }
    assert_eq!(
        r.text()
            .lines()
            .filter(|l| l.starts_with("::error"))
            .count(),
        5,
        "{}",
        r.text()
    );
}

#[test]
fn deeply_nested_and_self_referential_structured_files() {
    let t = Tree::new();
    let depth = 10_000;
    // Each file is one the grant checks parse (by path and content), 10,000 levels deep.
    t.write(
        "iam/deep-policy.json",
        format!(
            "{{\"Effect\": \"Allow\", \"token\": \"{HIDDEN}\", \"Statement\": {}1{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        )
        .as_bytes(),
    );
    let mut block = format!("on: push\nenv:\n  T: {HIDDEN}\njobs:\n");
    for i in 0..depth {
        block.push_str(&" ".repeat(2 + i.min(2000)));
        block.push_str("- \n");
    }
    t.write(".github/workflows/deep.yml", block.as_bytes());
    t.write(
        "k8s/deep.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {HIDDEN}}}\ndata: {}x{}\n",
            "[".repeat(depth),
            "]".repeat(depth)
        )
        .as_bytes(),
    );
    // "Billion laughs": nine levels of aliases, each nine times the one before (9^9 nodes).
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        bomb.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    bomb.push_str(&format!("token: {HIDDEN}\n"));
    t.write(
        ".github/workflows/bomb.yml",
        format!("on: push\n{bomb}").as_bytes(),
    );
    t.write(
        "k8s/bomb.yaml",
        format!("apiVersion: v1\nkind: ConfigMap\n{bomb}").as_bytes(),
    );
    // Few aliases of one big scalar: few nodes, gigabytes of copies without a byte budget.
    let mut wide = format!(
        "apiVersion: v1\nkind: ConfigMap\ntoken: {HIDDEN}\nbig: &big \"{}\"\ncopies: [",
        "x".repeat(1 << 20)
    );
    wide.push_str(&vec!["*big"; 2000].join(", "));
    wide.push_str("]\n");
    t.write("k8s/wide-alias.yaml", wide.as_bytes());
    // A Helm-style template with 300,000 actions on one line, not YAML even when masked:
    // masking must stay linear in the line.
    t.write(
        "chart/templates/wide.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  token: {HIDDEN}\n  a: {}\n  b: [\n",
            "{{ .x }}".repeat(300_000)
        )
        .as_bytes(),
    );
    // Terraform with a 20 MB heredoc (over the default size limit, so raised).
    let mut tf = String::from("resource \"aws_iam_policy\" \"p\" {\n  policy = <<EOT\n");
    let line = "{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"},\n";
    while tf.len() < 20 << 20 {
        tf.push_str(line);
    }
    tf.push_str(&format!("EOT\n  token = \"{HIDDEN}\"\n}}\n"));
    t.write("main.tf", tf.as_bytes());
    t.write(
        "unterminated.tf",
        format!("locals {{\n  t = \"{HIDDEN}\"\n  x = <<EOT\nnever closed\n").as_bytes(),
    );
    let r = t.scan_within(
        &["--max-file-size", "30M", "--file-timeout", "0"],
        Duration::from_secs(240),
    );
    let v = r.assert_survived(ORDINARY_RSS_KB + 200 * 1024);
    // Secrets are found whatever the structure does.
    for p in [
        "iam/deep-policy.json",
        ".github/workflows/deep.yml",
        "k8s/deep.yaml",
        ".github/workflows/bomb.yml",
        "k8s/bomb.yaml",
        "k8s/wide-alias.yaml",
        "chart/templates/wide.yaml",
        "main.tf",
        "unterminated.tf",
    ] {
        assert!(
            findings(&v).iter().any(|f| f["path"] == p),
            "secret in {p} not found: {v:#}"
        );
    }
    // The structures that cannot be loaded are named, with why.
    let nesting: &[&str] = &["deep", "depth", "nest", "recursion"];
    for (p, why) in [
        ("iam/deep-policy.json", nesting),
        (".github/workflows/deep.yml", nesting),
        ("k8s/deep.yaml", nesting),
        (".github/workflows/bomb.yml", &["alias"][..]),
        ("k8s/bomb.yaml", &["alias"]),
        ("k8s/wide-alias.yaml", &["alias"]),
        ("chart/templates/wide.yaml", &["Go template"]),
        ("unterminated.tf", &["HCL"]),
    ] {
        let e = skipped(&v, p, "parse_error");
        let detail = e["detail"].as_str().unwrap();
        assert!(why.iter().any(|w| detail.contains(w)), "{p}: {detail}");
    }
}

#[test]
fn a_tree_that_changes_while_it_is_scanned() {
    let t = Tree::new();
    for i in 0..2000 {
        t.write(&format!("churn/{}/f{i}.txt", i % 20), b"content");
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let root = t.root();
    let s = stop.clone();
    let churn = std::thread::spawn(move || {
        let mut i = 0u64;
        while !s.load(std::sync::atomic::Ordering::Relaxed) {
            let d = root.join(format!("churn/{}", i % 20));
            let f = d.join(format!("f{}.txt", i % 2000));
            // Delete, recreate, grow, replace directories by files and back.
            let _ = fs::remove_file(&f);
            let _ = fs::write(&f, vec![b'a'; (i % 5000) as usize]);
            if i.is_multiple_of(97) {
                let _ = fs::remove_dir_all(&d);
                let _ = fs::write(&d, b"now a file");
                let _ = fs::remove_file(&d);
                let _ = fs::create_dir_all(&d);
            }
            let log = root.join("grow.log");
            match fs::OpenOptions::new().append(true).open(&log) {
                Ok(mut g) if g.metadata().map_or(0, |m| m.len()) < 2 << 20 => {
                    let _ = g.write_all(&[b'x'; 4096]);
                }
                _ => {
                    let _ = fs::write(&log, b"");
                }
            }
            i += 1;
        }
    });
    for _ in 0..5 {
        let r = t.scan(&["--max-file-size", "1M"]);
        r.assert_survived(ORDINARY_RSS_KB);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
}

#[test]
fn a_file_of_thousands_of_secrets_reports_the_first_and_counts_the_rest() {
    let t = Tree::new();
    let mut dense = String::new();
    for i in 0..5000u64 {
        dense.push_str(&format!("tsttok_{:024x} ", i * 7919));
    }
    t.write("dense.txt", dense.as_bytes());
    let v = t.scan(&[]).assert_survived(ORDINARY_RSS_KB);
    let in_dense = |v: &Value| {
        findings(v)
            .iter()
            .filter(|f| f["path"] == "dense.txt")
            .count()
    };
    assert_eq!(in_dense(&v), 1000);
    let e = skipped(&v, "dense.txt", "finding_limit");
    assert!(e["detail"].as_str().unwrap().starts_with("5000 findings"));
    let v = t
        .scan(&["--max-findings-per-file", "0"])
        .assert_survived(ORDINARY_RSS_KB);
    assert_eq!(in_dense(&v), 5000);
}

#[test]
fn a_file_that_takes_too_long_is_stopped_and_reported() {
    let t = Tree::new();
    // 4 MB with a hex value every 40 bytes, and ten rules that each search the whole file
    // (their keyword is everywhere) and match every value: seconds of work in any build,
    // while the canary needs none of these rules.
    let mut dense = String::new();
    let mut i = 0u64;
    while dense.len() < 4 << 20 {
        dense.push_str(&format!("tsttok_{:024x} password={:x} ", i * 7919, i));
        i += 1;
    }
    t.write("dense.txt", dense.as_bytes());
    let slow: String = (0..10)
        .map(|n| {
            format!(
                r#"
[[rules]]
id = "slow-{n}"
name = "Slow"
description = "Matches every hex value after a keyword."
keywords = ["password="]
regex = '''[ =](?P<secret>[0-9a-f]{{3,8}})\b'''
severity = "low"
confidence = "low"
"#
            )
        })
        .collect();
    let slow_rules = t.dir.path().join("slow.toml");
    fs::write(&slow_rules, slow).unwrap();
    let slow_rules = slow_rules.display().to_string();
    let r = t.scan(&["--rules", &slow_rules, "--file-timeout", "100ms"]);
    let v = r.assert_survived(ORDINARY_RSS_KB + 200 * 1024);
    let e = skipped(&v, "dense.txt", "timeout");
    let detail = e["detail"].as_str().unwrap();
    assert!(
        detail.contains("its 100 ms budget (--file-timeout)"),
        "{detail}"
    );
    let r = t.scan(&[
        "--rules",
        &slow_rules,
        "--file-timeout",
        "100ms",
        "--format",
        "text",
    ]);
    assert!(r.text().contains("dense.txt"), "{}", r.text());
    assert!(r.secs < 60.0);
}

/// A git repository built with the git command line, isolated from the user's git config.
fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.test")
        .env("GIT_COMMITTER_NAME", "Dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.test")
        .output()
        .expect("git");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

fn loose_object(repo: &Path, id: &str) -> PathBuf {
    repo.join(".git/objects").join(&id[..2]).join(&id[2..])
}

/// A history with a canary and secrets in files whose objects are then removed or damaged.
fn history_with_damage(t: &Tree, packed: bool) -> Vec<String> {
    let root = t.root();
    git(&root, &["init", "-q", "-b", "main"]);
    let mut damaged = Vec::new();
    for i in 0..6 {
        t.write(
            &format!("f{i}.env"),
            format!("T{i}=tsttok_{i:024}\nround {i}\n").as_bytes(),
        );
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", &format!("c{i}")]);
    }
    if packed {
        git(&root, &["gc", "-q", "--aggressive"]);
        let pack = fs::read_dir(root.join(".git/objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "pack"))
            .expect("a pack");
        // Flip bytes through the middle of the pack: zlib streams and deltas break.
        let mut bytes = fs::read(&pack).unwrap();
        let n = bytes.len();
        for b in &mut bytes[n / 3..n / 3 + 64] {
            *b ^= 0x5a;
        }
        fs::set_permissions(&pack, fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(&pack, bytes).unwrap();
        damaged.push("(pack)".to_string());
    } else {
        let blob = |name: &str| git(&root, &["rev-parse", &format!("HEAD:{name}")]);
        // f1: blob missing. f2: blob garbage. f3: blob truncated zlib. Tree of c0 missing.
        fs::remove_file(loose_object(&root, &blob("f1.env"))).unwrap();
        let p = loose_object(&root, &blob("f2.env"));
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(&p, noise(200, 5)).unwrap();
        let p = loose_object(&root, &blob("f3.env"));
        let bytes = fs::read(&p).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
        let first_tree = git(&root, &["rev-parse", "HEAD~5^{tree}"]);
        fs::remove_file(loose_object(&root, &first_tree)).unwrap();
        damaged.extend(["f1.env", "f2.env", "f3.env"].map(String::from));
    }
    damaged
}

#[test]
fn corrupt_git_repositories_missing_and_damaged_objects() {
    for packed in [false, true] {
        let t = Tree::new();
        let damaged = history_with_damage(&t, packed);
        for mode in [
            &["--history"][..],
            &["--staged"],
            &["--range", "HEAD~3..HEAD"],
        ] {
            let r = t.scan(mode);
            assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
            assert!(r.peak_rss_kb < ORDINARY_RSS_KB);
            match r.code {
                // The damage can make a whole mode impossible (e.g. HEAD~3 unreadable): a clear
                // error naming the problem, exit 2.
                Some(2) => {
                    assert!(r.stderr.starts_with("ferret: error:"), "{}", r.stderr);
                    assert!(r.stdout.is_empty());
                }
                Some(0) | Some(1) => {
                    let v = r.json();
                    assert_eq!(v["summary"]["skipped"].get("internal_error"), None);
                    if !packed && mode[0] == "--history" {
                        // Every damaged blob is named, and the intact ones are still scanned.
                        for d in &damaged {
                            let named = v["summary"]["skipped_files"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .any(|s| {
                                    s["path"] == d.as_str() && s["reason"] == "missing_object"
                                });
                            assert!(named, "{d} not reported: {v:#}");
                        }
                        assert!(findings(&v).iter().any(|f| f["path"] == "f5.env"), "{v:#}");
                    }
                }
                other => panic!("exit {other:?}: {}", r.stderr),
            }
        }
    }
}

/// Regression: libgit2 loops forever on a loose object whose zlib stream is cut short. A
/// truncated blob is skipped and named; a truncated tree stops the git scan with an error
/// (the walk would reach it), never a hang.
#[test]
fn truncated_loose_objects_do_not_hang_the_git_scan() {
    let t = Tree::new();
    let root = t.root();
    git(&root, &["init", "-q", "-b", "main"]);
    for i in 0..3 {
        t.write(
            &format!("f{i}.env"),
            format!("T{i}=tsttok_{i:024}\n").as_bytes(),
        );
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", &format!("c{i}")]);
    }
    let truncate = |id: &str| {
        let p = loose_object(&root, id);
        let bytes = fs::read(&p).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(&p, &bytes[..bytes.len() - 4]).unwrap();
    };
    truncate(&git(&root, &["rev-parse", "HEAD:f1.env"]));
    let r = t.scan_within(&["--history"], Duration::from_secs(60));
    let v = r.assert_survived(ORDINARY_RSS_KB);
    let e = skipped(&v, "f1.env", "missing_object");
    assert!(e["detail"].as_str().unwrap().contains("truncated"), "{e}");
    assert!(findings(&v).iter().any(|f| f["path"] == "f2.env"));
    truncate(&git(&root, &["rev-parse", "HEAD~1^{tree}"]));
    for mode in [&["--history"][..], &["--range", "HEAD~2..HEAD"]] {
        let r = t.scan_within(mode, Duration::from_secs(60));
        assert_eq!(r.code, Some(2), "{mode:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("damaged loose object") && r.stderr.contains("(tree)"),
            "{}",
            r.stderr
        );
    }
}

/// A linked worktree reads its objects from the repository it belongs to, and a `--shared`
/// clone borrows them from another: a truncated loose object there is found too (libgit2 would
/// loop on it), by a history scan and by a staged scan reading the rest of the tree for a
/// Kubernetes role it changes.
#[test]
fn truncated_objects_in_a_shared_object_store_do_not_hang_the_git_scan() {
    let t = Tree::new();
    let root = t.root();
    git(&root, &["init", "-q", "-b", "main"]);
    t.write(
        "rbac/binding.yaml",
        b"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: reader\n  namespace: team-a\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: secret-reader\nsubjects:\n  - kind: ServiceAccount\n    name: app\n    namespace: team-a\n",
    );
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "binding"]);
    let worktree = t.dir.path().join("worktree");
    let shared = t.dir.path().join("shared");
    let path = |p: &Path| p.display().to_string();
    git(
        &root,
        &["worktree", "add", "-q", &path(&worktree), "-b", "side"],
    );
    git(
        t.dir.path(),
        &["clone", "-q", "--shared", &path(&root), &path(&shared)],
    );
    let id = git(&root, &["rev-parse", "HEAD:rbac/binding.yaml"]);
    let object = loose_object(&root, &id);
    let bytes = fs::read(&object).unwrap();
    fs::set_permissions(&object, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&object, &bytes[..bytes.len() / 2]).unwrap();
    let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: secret-reader\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"secrets\"]\n    verbs: [\"get\"]\n";
    for dir in [&worktree, &shared] {
        write_file(&dir.join("rbac/role.yaml"), role);
        git(dir, &["add", "rbac/role.yaml"]);
        for mode in ["--staged", "--history"] {
            let r = run_bounded(
                Command::new(env!("CARGO_BIN_EXE_ferret")).args([
                    "scan",
                    &path(dir),
                    mode,
                    "--format",
                    "json",
                    "--no-progress",
                ]),
                Duration::from_secs(60),
            );
            assert!(
                matches!(r.code, Some(0 | 1)),
                "{dir:?} {mode}: {}",
                r.stderr
            );
            let v = r.json();
            if mode == "--history" {
                let e = skipped(&v, "rbac/binding.yaml", "missing_object");
                assert!(e["detail"].as_str().unwrap().contains("truncated"), "{e}");
            } else {
                // The binding cannot be read: the role may be bound anywhere, and the report
                // says which file of the tree was missing.
                assert!(
                    v["summary"]["warnings"].to_string().contains(
                        "joined without 1 file of the tree that could not be read: rbac/binding.yaml"
                    ),
                    "{:#}",
                    v["summary"]
                );
                assert!(
                    v["findings"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f["rule_id"] == "k8s-secrets-read-cluster-wide"),
                    "{v:#}"
                );
            }
        }
    }
}

/// libgit2 follows alternates six stores deep: a truncated loose object at the far end of
/// such a chain is found before libgit2 can loop on it.
#[test]
fn truncated_objects_at_the_end_of_an_alternates_chain_do_not_hang() {
    let t = Tree::new();
    let far = t.dir.path().join("far");
    fs::create_dir(&far).unwrap();
    git(&far, &["init", "-q", "-b", "main"]);
    write_file(&far.join("lost.env"), "k = 1\n");
    git(&far, &["add", "-A"]);
    git(&far, &["commit", "-q", "-m", "far"]);
    let head = git(&far, &["rev-parse", "HEAD"]);
    let blob = git(&far, &["rev-parse", "HEAD:lost.env"]);
    // near → r1 → … → r5 → far: far's store is six alternates away from near's.
    let mut next_objects = far.join(".git/objects");
    for name in ["r5", "r4", "r3", "r2", "r1", "near"] {
        let repo = t.dir.path().join(name);
        fs::create_dir(&repo).unwrap();
        git(&repo, &["init", "-q", "-b", "main"]);
        write_file(
            &repo.join(".git/objects/info/alternates"),
            format!("{}\n", next_objects.display()),
        );
        next_objects = repo.join(".git/objects");
    }
    let near = t.dir.path().join("near");
    write_file(&near.join(".git/refs/heads/main"), format!("{head}\n"));
    let object = loose_object(&far, &blob);
    let bytes = fs::read(&object).unwrap();
    fs::set_permissions(&object, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&object, &bytes[..bytes.len() / 2]).unwrap();
    let r = run_bounded(
        Command::new(env!("CARGO_BIN_EXE_ferret")).args([
            "scan",
            &near.display().to_string(),
            "--history",
            "--format",
            "json",
            "--no-progress",
        ]),
        Duration::from_secs(60),
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let report = r.json();
    let e = skipped(&report, "lost.env", "missing_object");
    assert!(e["detail"].as_str().unwrap().contains("truncated"), "{e}");
}

#[test]
fn a_repository_that_changes_while_its_history_is_scanned() {
    let t = Tree::new();
    let root = t.root();
    git(&root, &["init", "-q", "-b", "main"]);
    for i in 0..30 {
        t.write(&format!("d/f{i}.txt"), format!("v{i}\n").as_bytes());
        git(&root, &["add", "-A"]);
        git(&root, &["commit", "-q", "-m", &format!("c{i}")]);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    let r2 = root.clone();
    let churn = std::thread::spawn(move || {
        let mut i = 0u64;
        while !s.load(std::sync::atomic::Ordering::Relaxed) {
            let f = r2.join(format!("d/f{}.txt", i % 30));
            let _ = fs::write(&f, format!("{i} {HIDDEN}\n"));
            let _ = Command::new("git")
                .current_dir(&r2)
                .env("HOME", &r2)
                .env("GIT_CONFIG_NOSYSTEM", "1")
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .args(["-c", "user.name=x", "-c", "user.email=x@example.test"])
                .args(if i.is_multiple_of(7) {
                    vec!["gc", "-q", "--prune=now"]
                } else if i.is_multiple_of(5) {
                    vec!["commit", "-q", "--amend", "-a", "-m", "amended"]
                } else {
                    vec!["commit", "-q", "-a", "-m", "churn"]
                })
                .output();
            i += 1;
        }
    });
    for mode in ["--history", "--staged"] {
        for _ in 0..3 {
            let r = t.scan(&[mode]);
            assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
            assert!(r.peak_rss_kb < ORDINARY_RSS_KB);
            assert!(
                matches!(r.code, Some(0..=2)),
                "{mode}: {:?} {}",
                r.code,
                r.stderr
            );
            if r.code != Some(2) {
                r.json();
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
}

/// Claims files are input too (often committed in the scanned repository): hostile ones give a
/// clear error naming the file, or are read, never a panic.
#[test]
fn hostile_claims_files() {
    let t = Tree::new();
    let dir = t.dir.path();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // Found by fuzzing: a multi-byte character inside a date panicked.
        (
            "gitleaks:report.json",
            br#"[{"RuleID":"x","File":"canary.env","StartLine":1,"Secret":"REDACTED","Date":"2025-11-18T10:00:0\u041d"}]"#.to_vec(),
        ),
        ("gitleaks:deep.json", deep.clone().into_bytes()),
        ("ferret:deep.yaml", format!("version: 1\nsecrets: {deep}\n").into_bytes()),
        ("ferret:binary.yaml", noise(4096, 11)),
        ("gitleaksignore:.gitleaksignore", b"::::\n\xff\xfe:a:b:99999999999999999999\n".to_vec()),
        ("detect-secrets:baseline.json", br#"{"results": {"a": [{"line_number": -1, "hashed_secret": 5}]}, "plugins_used": []}"#.to_vec()),
        ("sarif:x.sarif", br#"{"version": "2.1.0", "runs": [{"results": [{"locations": [{"physicalLocation": {"region": {"startLine": 18446744073709551615}}}]}]}]}"#.to_vec()),
    ];
    for (spec, content) in cases {
        let (tool, file) = spec.split_once(':').unwrap();
        let path = dir.join(file);
        fs::write(&path, &content).unwrap();
        let r = run_bounded(
            Command::new(env!("CARGO_BIN_EXE_ferret")).args([
                "gap",
                t.root().to_str().unwrap(),
                "--claims",
                &format!("{tool}:{}", path.display()),
                "--rules",
                dir.join("rules.toml").to_str().unwrap(),
                "--format",
                "json",
                "--no-progress",
            ]),
            ORDINARY_TIME,
        );
        assert!(!r.stderr.contains("panicked"), "{spec}: {}", r.stderr);
        assert!(r.peak_rss_kb < ORDINARY_RSS_KB, "{spec}");
        match r.code {
            Some(0) | Some(1) => {
                r.json();
            }
            Some(2) => assert!(
                r.stderr.contains(file) && r.stderr.starts_with("ferret: error:"),
                "{spec}: {}",
                r.stderr
            ),
            other => panic!("{spec}: exit {other:?}: {}", r.stderr),
        }
    }
}
