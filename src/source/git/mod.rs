//! Git sources: every blob reachable from the refs (`--history`), the staged index
//! (`--staged`) and the commits of a range (`--range BASE..HEAD`).
//!
//! Only objects are read, through libgit2: no `git` process, no checkout, so no hooks, filters,
//! fsmonitor or diff drivers of the scanned repository ever run. Distinct blobs are scanned once,
//! in parallel, one blob in memory per worker; provenance (who introduced a secret, whether it
//! is still at HEAD, how long it lived) is computed afterwards, only for blobs with findings.

pub mod date;
mod history;
mod provenance;
mod staged;
pub mod treediff;

use super::{scan_guarded, ContentScanner, ScanStats, SkipReason};
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
    let ctx = Ctx {
        repo: &repo,
        threads: resolve_threads(opts.threads),
        max_blob_size: opts.max_blob_size,
        exclude,
        scanner,
        stats,
        progress,
    };
    match &opts.mode {
        GitMode::History { branch, since } => {
            history::scan_history(&ctx, branch.as_deref(), *since)
        }
        GitMode::Range(spec) => history::scan_range(&ctx, spec),
        GitMode::Staged => staged::scan_staged(&ctx),
    }
}

/// Process-wide libgit2 settings, applied once.
fn configure_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Re-hashing every object read would cost a SHA-1 per blob for no gain to a scanner
        // (zlib's checksum still catches corrupt data); `git cat-file` does not verify either.
        git2::opts::strict_hash_verification(false);
        // Trees and commits are cached per repository handle; bound that cache so memory does
        // not follow the size of the history (blobs are never cached by libgit2).
        // SAFETY: plain setter of a global libgit2 option, called before any repository opens.
        unsafe {
            let _ = git2::opts::set_cache_max_size(64 << 20);
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
        self.batch.push(Job {
            seq: self.next_seq,
            blob,
            path,
            commit,
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
struct BlobScanner<'a> {
    scanner: &'a dyn ContentScanner,
    progress: &'a (dyn Fn() + Sync),
    max_blob_size: u64,
    stats: &'a ScanStats,
    grouped: bool,
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

    fn scan_blob(&self, odb: &git2::Odb<'_>, job: &Job) -> Vec<Finding> {
        let stats = self.stats;
        let origin = || match job.commit {
            Some(c) => format!("blob {} (commit {})", short(job.blob), short(c)),
            None => format!("blob {}", short(job.blob)),
        };
        // The header gives the size without inflating the object, so huge blobs cost nothing.
        match odb.read_header(job.blob) {
            Err(e) => {
                stats.skip(
                    &job.path,
                    SkipReason::MissingObject,
                    format!("{}: missing or corrupt object: {}", origin(), e.message()),
                );
                return Vec::new();
            }
            Ok((_, kind)) if kind != ObjectType::Blob => {
                stats.skip(
                    &job.path,
                    SkipReason::MissingObject,
                    format!("{}: expected a blob, found a {kind}", origin()),
                );
                return Vec::new();
            }
            Ok((size, _)) if size as u64 > self.max_blob_size => {
                stats.skip(
                    &job.path,
                    SkipReason::TooLarge,
                    format!(
                        "{}: {size} bytes is over the {}-byte limit (--max-blob-size)",
                        origin(),
                        self.max_blob_size
                    ),
                );
                return Vec::new();
            }
            Ok(_) => {}
        }
        match odb.read(job.blob) {
            Ok(obj) => scan_guarded(self.scanner, &job.path, obj.data(), stats),
            Err(e) => {
                stats.skip(
                    &job.path,
                    SkipReason::MissingObject,
                    format!("{}: missing or corrupt object: {}", origin(), e.message()),
                );
                Vec::new()
            }
        }
    }
}
