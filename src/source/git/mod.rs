//! Git sources: every blob reachable from the refs (`--history`), the staged index
//! (`--staged`) and the commits of a range (`--range BASE..HEAD`).
//!
//! Only objects are read, through libgit2: no `git` process, no checkout, so no hooks, filters,
//! fsmonitor or diff drivers of the scanned repository ever run. Distinct blobs are scanned once,
//! in parallel, one blob in memory per worker; provenance (who introduced a secret, whether it
//! is still at HEAD, how long it lived) is computed afterwards, only for blobs with findings.

pub mod base;
pub mod date;
mod history;
pub mod loose;
mod provenance;
mod staged;
pub mod treediff;

use super::{
    classify, scan_changed_guarded, scan_guarded, Content, ContentScanner, ScanStats, SkipReason,
};
use crate::findings::{Finding, Location};
use git2::{ErrorCode, ObjectType, Oid, Repository};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, Once};

/// What part of a repository to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitMode {
    /// Every blob reachable from all refs and HEAD, or from `branch` only; with `since`
    /// (seconds since the epoch), only blobs introduced by commits from that date on.
    History {
        branch: Option<String>,
        since: Option<i64>,
    },
    /// The index content of staged (added, modified, renamed) files.
    Staged,
    /// Commits reachable from HEAD and not from BASE (`BASE..HEAD`); only secrets absent from
    /// BASE's tree are reported.
    Range(String),
}

/// Options of a git scan.
#[derive(Debug, Clone)]
pub struct GitOptions {
    /// A path inside the repository (working tree, `.git` directory or bare repository).
    pub path: PathBuf,
    pub mode: GitMode,
    /// Blobs larger than this are skipped and counted.
    pub max_blob_size: u64,
    /// 0 = one per core.
    pub threads: usize,
    /// Gitignore-style globs on repository paths to leave out.
    pub exclude: Vec<String>,
}

/// Findings of a git scan, and a sentence saying what was scanned.
pub struct GitScan {
    pub findings: Vec<Finding>,
    pub scope: String,
    /// The truncated loose blobs found before the scan (never read; see `loose`).
    pub damaged: loose::DamagedObjects,
}

/// Scan a repository. Errors are for things that stop the whole scan (not a repository, a
/// revision that does not resolve); object-level problems are counted in `stats`.
pub fn scan(
    opts: &GitOptions,
    scanner: &dyn ContentScanner,
    stats: &ScanStats,
    progress: &(dyn Fn() + Sync),
) -> anyhow::Result<GitScan> {
    configure_libgit2();
    let repo = open(&opts.path)?;
    let exclude = build_exclude(&opts.exclude)?;
    let damaged = loose::check(&repo)?;
    let ctx = Ctx {
        repo: &repo,
        damaged: &damaged.blobs,
        threads: resolve_threads(opts.threads),
        max_blob_size: opts.max_blob_size,
        exclude,
        scanner,
        stats,
        progress,
    };
    let mut scan = match &opts.mode {
        GitMode::History { branch, since } => {
            history::scan_history(&ctx, branch.as_deref(), *since)
        }
        GitMode::Range(spec) => history::scan_range(&ctx, spec),
        GitMode::Staged => staged::scan_staged(&ctx),
    }?;
    scan.damaged = damaged;
    Ok(scan)
}

/// What the rest of a repository says about a scan of changes: a staged or range scan reads
/// only what changed, yet a finding there can depend on files that did not change (a
/// Kubernetes role edited here, bound in an unchanged file). This offers the tree those
/// changes land in (the index, or the range's head commit) to `visit(path, content)`, blob
/// by blob, for the paths `wanted` accepts that are not excluded, within the blob size
/// limit. `scanned` is the scan of the changes: the damaged loose objects it found are not
/// read. Returns the paths whose blobs could not be read (passed over), or `None` for a
/// history scan, which has many trees and no one to offer.
pub fn visit_landing_tree(
    opts: &GitOptions,
    scanned: &GitScan,
    wanted: &dyn Fn(&str) -> bool,
    visit: &mut dyn FnMut(&str, &[u8]),
) -> anyhow::Result<Option<Vec<String>>> {
    configure_libgit2();
    let repo = open(&opts.path)?;
    let exclude = build_exclude(&opts.exclude)?;
    // libgit2 hangs on a truncated loose object (see `loose`): the scan stopped on a damaged
    // tree, and a damaged blob is never read.
    let damaged = &scanned.damaged;
    let mut entries: Vec<(String, Oid)> = Vec::new();
    let mut keep = |path: String, id: Oid| {
        if wanted(&path) && !exclude.excludes(&path) {
            entries.push((path, id));
        }
    };
    match &opts.mode {
        GitMode::History { .. } => return Ok(None),
        GitMode::Staged => {
            let index = repo
                .index()
                .map_err(|e| anyhow::anyhow!("cannot read the index: {}", e.message()))?;
            for entry in index.iter() {
                // Stage 0 only: the others are the sides of an unresolved merge.
                let stage = (entry.flags >> 12) & 0x3;
                let file = treediff::EntryKind::of(entry.mode as i32) == treediff::EntryKind::File;
                if stage == 0 && file {
                    keep(lossy(&entry.path), entry.id);
                }
            }
        }
        GitMode::Range(spec) => {
            let (_, head) = history::range_ends(&repo, spec)?;
            let tree = repo.find_commit(head).map(|c| c.tree_id()).map_err(|e| {
                anyhow::anyhow!("cannot read the range head's commit: {}", e.message())
            })?;
            let mut unreadable = None;
            treediff::list_tree(
                &repo,
                tree,
                &mut |ev| {
                    if ev.kind == treediff::EntryKind::File {
                        keep(lossy(ev.path), ev.id);
                    }
                },
                &mut |u| {
                    unreadable
                        .get_or_insert_with(|| (lossy(u.path), u.error.message().to_string()));
                },
            );
            if let Some((path, error)) = unreadable {
                anyhow::bail!("cannot read the range head's tree at {path:?}: {error}");
            }
        }
    }
    let odb = repo
        .odb()
        .map_err(|e| anyhow::anyhow!("cannot open the object database: {}", e.message()))?;
    let mut unread = Vec::new();
    for (path, id) in entries {
        if damaged.blobs.contains_key(&id) {
            unread.push(path);
            continue;
        }
        match odb.read_header(id) {
            Ok((size, ObjectType::Blob)) if size as u64 <= opts.max_blob_size => {}
            // Too large for the scan to read either.
            Ok(_) => continue,
            Err(_) => {
                unread.push(path);
                continue;
            }
        }
        match odb.read(id) {
            Ok(blob) => visit(&path, blob.data()),
            Err(_) => unread.push(path),
        }
    }
    Ok(Some(unread))
}

/// Process-wide libgit2 settings, applied once.
fn configure_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Re-hashing every object read would cost a SHA-1 per blob for no gain to a scanner
        // (zlib's checksum still catches corrupt data); `git cat-file` does not verify either.
        git2::opts::strict_hash_verification(false);
        // Trees and commits are cached per repository handle (blobs never are). Cap that cache:
        // the walk needs only the trees of the commit it just compared, and the default cap
        // (256 MiB) let peak memory follow the size of the history. Trees are cached only up to
        // 4 KiB by default, so a root tree of a hundred entries was inflated again for every
        // commit compared with it; allow larger ones.
        // SAFETY: plain setters of global libgit2 options, called before any repository opens.
        unsafe {
            let _ = git2::opts::set_cache_max_size(8 << 20);
            let _ = git2::opts::set_cache_object_limit(ObjectType::Tree, 1 << 20);
        }
    });
}

fn resolve_threads(n: usize) -> usize {
    if n > 0 {
        n
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Find the repository containing `path`: a working tree (or a directory in it), a linked
/// worktree, a `.git` directory or a bare repository.
pub fn open(path: &Path) -> anyhow::Result<Repository> {
    if std::fs::metadata(path).is_err() {
        anyhow::bail!("{}: no such file or directory", path.display());
    }
    Repository::discover(path).map_err(|e| {
        if e.code() == ErrorCode::NotFound {
            anyhow::anyhow!(
                "{}: not a git repository (nor any parent directory); --history, --staged and --range need one",
                path.display()
            )
        } else if e.code() == ErrorCode::Owner {
            anyhow::anyhow!(
                "{}: {} (if you trust it: git config --global --add safe.directory <path>)",
                path.display(),
                e.message()
            )
        } else {
            anyhow::anyhow!("{}: cannot open git repository: {}", path.display(), e.message())
        }
    })
}

/// Gitignore-style exclusion over repository paths.
pub(crate) struct Exclude(Option<ignore::gitignore::Gitignore>);

fn build_exclude(globs: &[String]) -> anyhow::Result<Exclude> {
    if globs.is_empty() {
        return Ok(Exclude(None));
    }
    let mut b = ignore::gitignore::GitignoreBuilder::new("");
    for g in globs {
        b.add_line(None, g)
            .map_err(|e| anyhow::anyhow!("exclude pattern {g:?}: {e}"))?;
    }
    Ok(Exclude(Some(b.build()?)))
}

impl Exclude {
    pub(crate) fn excludes(&self, path: &str) -> bool {
        match &self.0 {
            None => false,
            Some(g) => g.matched_path_or_any_parents(path, false).is_ignore(),
        }
    }
}

/// Everything a git scan shares between its stages.
pub(crate) struct Ctx<'a> {
    pub repo: &'a Repository,
    /// Loose blobs libgit2 must not read (see `loose`).
    pub damaged: &'a HashMap<Oid, String>,
    pub threads: usize,
    pub max_blob_size: u64,
    pub exclude: Exclude,
    pub scanner: &'a dyn ContentScanner,
    pub stats: &'a ScanStats,
    pub progress: &'a (dyn Fn() + Sync),
}

pub(crate) fn short(id: Oid) -> String {
    let s = id.to_string();
    s[..s.len().min(10)].to_string()
}

pub(crate) fn lossy(path: &[u8]) -> String {
    String::from_utf8_lossy(path).into_owned()
}

/// A blob to scan, in discovery order (`seq`).
pub(crate) struct Job {
    seq: u64,
    blob: Oid,
    path: String,
    commit: Option<Oid>,
    /// The blob this one replaced at the same path: only what changed needs scanning.
    base: Option<Oid>,
}

/// One finding in one blob, with where that blob was first seen.
pub(crate) struct Hit {
    pub seq: u64,
    pub commit: Option<Oid>,
    pub finding: Finding,
}

/// Per secret (fingerprint): the earliest hit at each path, and every blob that holds it with
/// the secret's position in that blob (the same blob may sit at other paths too).
#[derive(Default)]
pub(crate) struct Group {
    pub by_path: HashMap<String, Hit>,
    pub blobs: HashMap<Oid, Location>,
}

/// What the workers found: grouped by fingerprint (history, range) or every hit (staged).
#[derive(Default)]
pub(crate) struct Collected {
    pub groups: HashMap<String, Group>,
    pub hits: Vec<Hit>,
}

impl Collected {
    fn add(&mut self, grouped: bool, blob: Oid, hit: Hit) {
        if !grouped {
            self.hits.push(hit);
            return;
        }
        let group = self
            .groups
            .entry(hit.finding.fingerprint.clone())
            .or_default();
        Self::keep_first_position(&mut group.blobs, blob, &hit.finding.location);
        Self::keep_earliest(&mut group.by_path, hit);
    }

    fn keep_earliest(by_path: &mut HashMap<String, Hit>, hit: Hit) {
        match by_path.get(&hit.finding.location.path) {
            Some(old) if (old.seq, &old.finding.location) <= (hit.seq, &hit.finding.location) => {}
            _ => {
                by_path.insert(hit.finding.location.path.clone(), hit);
            }
        }
    }

    fn keep_first_position(blobs: &mut HashMap<Oid, Location>, blob: Oid, at: &Location) {
        match blobs.get(&blob) {
            Some(old) if old <= at => {}
            _ => {
                blobs.insert(blob, at.clone());
            }
        }
    }

    fn merge(&mut self, other: Collected) {
        self.hits.extend(other.hits);
        for (fp, g) in other.groups {
            let mine = self.groups.entry(fp).or_default();
            for (blob, at) in g.blobs {
                Self::keep_first_position(&mut mine.blobs, blob, &at);
            }
            for (_, hit) in g.by_path {
                Self::keep_earliest(&mut mine.by_path, hit);
            }
        }
    }
}

/// Hands blobs to the workers in batches (contiguous runs of discovery order go to one worker,
/// which keeps its pack window and delta-base cache warm).
pub(crate) struct JobSender {
    tx: Option<SyncSender<Vec<Job>>>,
    batch: Vec<Job>,
    next_seq: u64,
}

const BATCH: usize = 64;

impl JobSender {
    pub fn send(&mut self, blob: Oid, path: String, commit: Option<Oid>) {
        self.send_change(blob, path, commit, None);
    }

    /// Send a blob that replaced `base` at the same path.
    pub fn send_change(&mut self, blob: Oid, path: String, commit: Option<Oid>, base: Option<Oid>) {
        self.batch.push(Job {
            seq: self.next_seq,
            blob,
            path,
            commit,
            base,
        });
        self.next_seq += 1;
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.batch);
        // A send fails only when every worker is gone; the joins below report why.
        if let Some(tx) = &self.tx {
            if tx.send(batch).is_err() {
                self.tx = None;
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.next_seq
    }
}

impl Ctx<'_> {
    /// Run `produce` on this thread while workers scan the blobs it sends. Each worker opens
    /// its own repository handle (libgit2 handles are not shared between threads).
    pub fn run_pipeline<R>(
        &self,
        grouped: bool,
        stats: &ScanStats,
        produce: impl FnOnce(&mut JobSender) -> R,
    ) -> anyhow::Result<(R, Collected)> {
        let git_dir = self.repo.path().to_path_buf();
        let mut repos = Vec::with_capacity(self.threads);
        for _ in 0..self.threads {
            repos.push(Repository::open(&git_dir).map_err(|e| {
                anyhow::anyhow!(
                    "{}: cannot open git repository: {}",
                    git_dir.display(),
                    e.message()
                )
            })?);
        }
        let blobs = BlobScanner {
            damaged: self.damaged,
            scanner: self.scanner,
            progress: self.progress,
            max_blob_size: self.max_blob_size,
            stats,
            grouped,
        };
        let (tx, rx) = sync_channel::<Vec<Job>>(self.threads * 4);
        let rx = Arc::new(Mutex::new(rx));
        std::thread::scope(|s| {
            let workers: Vec<_> = repos
                .into_iter()
                .map(|repo| {
                    let rx = Arc::clone(&rx);
                    let blobs = &blobs;
                    s.spawn(move || blobs.worker(repo, &rx))
                })
                .collect();
            drop(rx);
            let mut sender = JobSender {
                tx: Some(tx),
                batch: Vec::with_capacity(BATCH),
                next_seq: 0,
            };
            let result = produce(&mut sender);
            sender.flush();
            drop(sender);
            let mut all = Collected::default();
            for w in workers {
                match w.join() {
                    Ok(c) => all.merge(c),
                    Err(_) => anyhow::bail!("a scanning thread stopped unexpectedly"),
                }
            }
            Ok((result, all))
        })
    }
}

/// The worker side of the pipeline: everything in it is shared between threads.
pub(crate) struct BlobScanner<'a> {
    pub damaged: &'a HashMap<Oid, String>,
    pub scanner: &'a dyn ContentScanner,
    pub progress: &'a (dyn Fn() + Sync),
    pub max_blob_size: u64,
    pub stats: &'a ScanStats,
    pub grouped: bool,
}

impl BlobScanner<'_> {
    fn worker(&self, repo: Repository, rx: &Mutex<Receiver<Vec<Job>>>) -> Collected {
        let mut out = Collected::default();
        let next = || rx.lock().ok().and_then(|r| r.recv().ok());
        let odb = match repo.odb() {
            Ok(o) => o,
            Err(e) => {
                self.stats
                    .warn(format!("cannot read the object database: {}", e.message()));
                // Keep draining so the producer never blocks on a full channel.
                while next().is_some() {}
                return out;
            }
        };
        while let Some(batch) = next() {
            for job in batch {
                for finding in self.scan_blob(&odb, &job) {
                    out.add(
                        self.grouped,
                        job.blob,
                        Hit {
                            seq: job.seq,
                            commit: job.commit,
                            finding,
                        },
                    );
                }
                (self.progress)();
            }
        }
        out
    }

    /// Read a blob within the size limit, accounting for what cannot be read.
    fn read<'o>(
        &self,
        odb: &'o git2::Odb<'_>,
        blob: Oid,
        path: &str,
        commit: Option<Oid>,
    ) -> Option<git2::OdbObject<'o>> {
        let stats = self.stats;
        let origin = || match commit {
            Some(c) => format!("blob {} (commit {})", short(blob), short(c)),
            None => format!("blob {}", short(blob)),
        };
        if let Some(problem) = self.damaged.get(&blob) {
            stats.skip(
                path,
                SkipReason::MissingObject,
                format!("{}: damaged loose object: {problem}", origin()),
            );
            return None;
        }
        // The header gives the size without inflating the object, so huge blobs cost nothing.
        match odb.read_header(blob) {
            Err(e) => {
                stats.skip(
                    path,
                    SkipReason::MissingObject,
                    format!("{}: missing or corrupt object: {}", origin(), e.message()),
                );
                return None;
            }
            Ok((_, kind)) if kind != ObjectType::Blob => {
                stats.skip(
                    path,
                    SkipReason::MissingObject,
                    format!("{}: expected a blob, found a {kind}", origin()),
                );
                return None;
            }
            Ok((size, _)) if size as u64 > self.max_blob_size => {
                stats.skip(
                    path,
                    SkipReason::TooLarge,
                    format!(
                        "{}: {size} bytes is over the {}-byte limit (--max-blob-size)",
                        origin(),
                        self.max_blob_size
                    ),
                );
                return None;
            }
            Ok(_) => {}
        }
        match odb.read(blob) {
            Ok(obj) => Some(obj),
            Err(e) => {
                stats.skip(
                    path,
                    SkipReason::MissingObject,
                    format!("{}: missing or corrupt object: {}", origin(), e.message()),
                );
                None
            }
        }
    }

    fn scan_blob(&self, odb: &git2::Odb<'_>, job: &Job) -> Vec<Finding> {
        let Some(obj) = self.read(odb, job.blob, &job.path, job.commit) else {
            return Vec::new();
        };
        let data = obj.data();
        // A modified text file: the lines it shares with the version it replaced were scanned
        // with that version, so only the changed region (with context) is scanned here.
        // Provenance checks the whole content again wherever a secret may have carried over.
        if let Some(base) = job.base {
            if matches!(classify(data), Content::Text(_)) {
                if let Some(w) = self.changed_window(odb, base, data) {
                    return scan_changed_guarded(
                        self.scanner,
                        &job.path,
                        data,
                        w.start..w.end,
                        w.lines_before,
                        self.stats,
                    );
                }
            }
        }
        scan_guarded(self.scanner, &job.path, data, self.stats)
    }

    fn changed_window(&self, odb: &git2::Odb<'_>, base: Oid, new: &[u8]) -> Option<Window> {
        if self.damaged.contains_key(&base) {
            return None;
        }
        match odb.read_header(base) {
            Ok((size, ObjectType::Blob)) if size as u64 <= self.max_blob_size => {}
            _ => return None,
        }
        let old = odb.read(base).ok()?;
        // The old version was scanned as text only if it was text.
        if !matches!(classify(old.data()), Content::Text(_)) {
            return None;
        }
        changed_window(old.data(), new, WINDOW_CONTEXT_LINES)
    }

    /// Scan a whole blob, outside the pipeline (provenance re-checks).
    pub fn scan_whole(&self, odb: &git2::Odb<'_>, blob: Oid, path: &str) -> Vec<Finding> {
        match self.read(odb, blob, path, None) {
            Some(obj) => scan_guarded(self.scanner, path, obj.data(), self.stats),
            None => Vec::new(),
        }
    }
}

/// Lines of unchanged context scanned on each side of a change: enough for the longest
/// multi-line rule matches that can straddle a change (a Kubernetes Secret's `kind:` up to about
/// 80 lines above its key, a 4096-bit PEM key of about 50 lines) and for identities near a
/// secret. Cheap: the first version of every file is scanned whole anyway.
const WINDOW_CONTEXT_LINES: usize = 128;

/// The part of a new version worth scanning, as a byte range of whole lines.
#[derive(Debug, PartialEq, Eq)]
struct Window {
    start: usize,
    end: usize,
    /// Lines before `start`, to turn window line numbers into file line numbers.
    lines_before: u32,
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 4096;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + CHUNK <= n && a[i..i + CHUNK] == b[i..i + CHUNK] {
        i += CHUNK;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 4096;
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut i = 0;
    while i + CHUNK <= n && a[n - i - CHUNK..n - i] == b[n - i - CHUNK..n - i] {
        i += CHUNK;
    }
    i + a[..n - i]
        .iter()
        .rev()
        .zip(b[..n - i].iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// The region of `new` that differs from `old` (one span from the first to the last differing
/// byte), widened to whole lines plus `context` lines on each side. `None` when that is most
/// of the file anyway.
fn changed_window(old: &[u8], new: &[u8], context: usize) -> Option<Window> {
    let prefix = common_prefix(old, new);
    let suffix = common_suffix(&old[prefix..], &new[prefix..]);
    let mut start = prefix;
    let mut end = new.len() - suffix;
    for _ in 0..=context {
        match memchr::memrchr(b'\n', &new[..start]) {
            Some(p) => start = p,
            None => {
                start = 0;
                break;
            }
        }
    }
    if start > 0 {
        start += 1;
    }
    // At a line start the changed lines are complete: only context lines follow.
    let at_line_start = end > start && new[end - 1] == b'\n';
    for _ in 0..context + usize::from(!at_line_start) {
        match memchr::memchr(b'\n', &new[end..]) {
            Some(p) => end += p + 1,
            None => {
                end = new.len();
                break;
            }
        }
    }
    if (end - start) * 4 > new.len() * 3 {
        return None;
    }
    let lines_before = memchr::memchr_iter(b'\n', &new[..start]).count();
    Some(Window {
        start,
        end,
        lines_before: u32::try_from(lines_before).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(lines: std::ops::Range<usize>) -> String {
        lines.map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn window_covers_the_change_and_its_context() {
        let old = numbered(0..1000);
        let new = old.replace("line 500\n", "line 500\nsecret here\n");
        let w = changed_window(old.as_bytes(), new.as_bytes(), 3).unwrap();
        let text = &new[w.start..w.end];
        assert!(text.starts_with("line 498\n"), "{text}");
        assert!(text.contains("secret here\n"));
        assert!(text.ends_with("line 503\n"), "{text}");
        assert_eq!(w.lines_before, 498);
    }

    #[test]
    fn window_edges() {
        let old = numbered(0..1000);
        // Appended at the end, and inserted at the very start.
        let appended = format!("{old}tail\n");
        let w = changed_window(old.as_bytes(), appended.as_bytes(), 2).unwrap();
        assert_eq!(&appended[w.start..w.end], "line 998\nline 999\ntail\n");
        let prepended = format!("head\n{old}");
        let w = changed_window(old.as_bytes(), prepended.as_bytes(), 1).unwrap();
        assert_eq!(&prepended[w.start..w.end], "head\nline 0\n");
        assert_eq!(w.lines_before, 0);
        // A deletion still scans the lines around where it happened.
        let deleted = old.replace("line 10\n", "");
        let w = changed_window(old.as_bytes(), deleted.as_bytes(), 1).unwrap();
        assert_eq!(&deleted[w.start..w.end], "line 9\nline 11\nline 12\n");
        // Long identical runs are compared in chunks.
        let big_old = "x".repeat(20_000) + "\nA\n" + &"y".repeat(20_000);
        let big_new = "x".repeat(20_000) + "\nB\n" + &"y".repeat(20_000);
        let w = changed_window(big_old.as_bytes(), big_new.as_bytes(), 0).unwrap();
        assert_eq!(&big_new[w.start..w.end], "B\n");
        // Rewritten files are scanned whole.
        assert_eq!(changed_window(b"a\nb\n", b"c\nd\n", 0), None);
    }
}
