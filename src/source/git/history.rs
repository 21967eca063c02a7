//! `--history` and `--range`: walk commits oldest first, compare each with its first parent,
//! and send every blob the first time it appears. The first appearance in that order is the
//! commit that introduced the blob, which is what provenance reports.

use super::provenance::{self, CommitRow, LoggedChange, Tips, WalkLog, NO_BLOB};
use super::treediff::{diff_trees, list_tree, Change, EntryKind, Event, Unreadable};
use super::{lossy, short, Ctx, GitScan, JobSender};
use crate::report::text::plural;
use crate::source::{ScanStats, SkipReason};
use git2::{ObjectType, Oid, Repository, Sort};
use std::collections::{HashMap, HashSet};

/// Which commits a walk visits.
pub(crate) struct WalkSpec {
    pub push: Vec<Oid>,
    pub hide: Vec<Oid>,
    /// Commits older than this (committer time, seconds since the epoch) are not visited.
    pub since: Option<i64>,
}

/// Walk the commits of `spec`, parents before children, calling `visit` for each. A walk that
/// fails (a commit missing from a corrupt repository) is reported and ends early.
fn walk_commits(
    repo: &Repository,
    spec: &WalkSpec,
    stats: &ScanStats,
    mut visit: impl FnMut(&git2::Commit<'_>),
) -> anyhow::Result<()> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME | Sort::REVERSE)?;
    for id in &spec.push {
        if let Err(e) = walk.push(*id) {
            stats.skip(
                "",
                SkipReason::MissingObject,
                format!(
                    "commit {}: cannot walk from it: {}",
                    short(*id),
                    e.message()
                ),
            );
        }
    }
    for id in &spec.hide {
        walk.hide(*id)?;
    }
    for item in walk {
        let id = match item {
            Ok(id) => id,
            Err(e) => {
                stats.skip(
                    "",
                    SkipReason::MissingObject,
                    format!("history walk stopped: {}", e.message()),
                );
                stats
                    .warn("history is incomplete: the commit walk hit a missing or corrupt object");
                break;
            }
        };
        match repo.find_commit(id) {
            Ok(c) => {
                if spec.since.is_some_and(|s| c.time().seconds() < s) {
                    continue;
                }
                visit(&c);
            }
            Err(e) => stats.skip(
                "",
                SkipReason::MissingObject,
                format!("commit {}: cannot read: {}", short(id), e.message()),
            ),
        }
    }
    Ok(())
}

/// The tree of a commit's first parent, if it has one that can be read.
fn first_parent(
    repo: &Repository,
    commit: &git2::Commit<'_>,
    stats: &ScanStats,
) -> (Option<Oid>, Option<Oid>) {
    if commit.parent_count() == 0 {
        return (None, None);
    }
    let Ok(pid) = commit.parent_id(0) else {
        return (None, None);
    };
    match repo.find_commit(pid) {
        Ok(p) => (Some(pid), Some(p.tree_id())),
        Err(e) => {
            stats.skip(
                "",
                SkipReason::MissingObject,
                format!(
                    "commit {}: parent {} cannot be read ({}); its whole tree is treated as new",
                    short(commit.id()),
                    short(pid),
                    e.message()
                ),
            );
            (Some(pid), None)
        }
    }
}

/// Sends each blob the first time it is seen, accounts for what is not scanned, and logs every
/// file change for provenance.
struct Discovery<'c, 'a> {
    ctx: &'c Ctx<'a>,
    seen: HashSet<Oid>,
    submodules: HashSet<String>,
    blob_ids: HashMap<Oid, u32>,
    log: WalkLog,
}

impl<'c, 'a> Discovery<'c, 'a> {
    fn new(ctx: &'c Ctx<'a>) -> Self {
        Discovery {
            ctx,
            seen: HashSet::new(),
            submodules: HashSet::new(),
            blob_ids: HashMap::new(),
            log: WalkLog::default(),
        }
    }
}

impl Discovery<'_, '_> {
    fn blob_id(&mut self, id: Oid) -> u32 {
        let next = self.log.blobs.len() as u32;
        let b = *self.blob_ids.entry(id).or_insert(next);
        if b == next {
            self.log.blobs.push(id);
        }
        b
    }

    fn record(&mut self, ev: &Event<'_>) {
        if ev.kind != EntryKind::File {
            return;
        }
        let path = self.log.paths.intern(ev.path);
        let blob = self.blob_id(ev.id);
        let previous = ev
            .previous
            .and_then(|p| self.blob_ids.get(&p).copied())
            .unwrap_or(NO_BLOB);
        self.log.changes.push(LoggedChange {
            path,
            blob,
            previous,
            added: ev.change == Change::Added,
        });
    }

    fn added(&mut self, ev: Event<'_>, commit: Option<Oid>, tx: &mut JobSender) {
        if ev.change != Change::Added {
            return;
        }
        match ev.kind {
            EntryKind::Submodule => {
                let path = lossy(ev.path);
                if !self.submodules.contains(&path) {
                    self.ctx.stats.skip(
                        &path,
                        SkipReason::Submodule,
                        format!(
                            "submodule (commit {}): not followed; scan its repository separately",
                            short(ev.id)
                        ),
                    );
                    self.submodules.insert(path);
                }
            }
            EntryKind::Symlink => {
                if self.seen.insert(ev.id) {
                    self.ctx.stats.skip(
                        &lossy(ev.path),
                        SkipReason::Symlink,
                        "symbolic link not followed",
                    );
                }
            }
            EntryKind::File => {
                let path = lossy(ev.path);
                // An excluded path does not mark the blob seen: the same content elsewhere is
                // still scanned.
                if !self.ctx.exclude.excludes(&path) && self.seen.insert(ev.id) {
                    tx.send_change(ev.id, path, commit, ev.previous);
                }
            }
        }
    }
}

/// Account for a tree that could not be read.
fn unreadable(stats: &ScanStats, u: Unreadable<'_>, commit: Option<Oid>) {
    let at = commit
        .map(|c| format!(" in commit {}", short(c)))
        .unwrap_or_default();
    stats.skip(
        &lossy(u.path),
        SkipReason::MissingObject,
        format!(
            "tree {}{at}: missing or corrupt object: {}",
            short(u.id),
            u.error.message()
        ),
    );
}

impl Discovery<'_, '_> {
    /// Walk `spec` and send every blob each commit introduces, logging the commits and their
    /// changes.
    fn walk(&mut self, spec: &WalkSpec, tx: &mut JobSender) -> anyhow::Result<()> {
        let repo = self.ctx.repo;
        let stats = self.ctx.stats;
        walk_commits(repo, spec, stats, |commit| {
            let (parent, parent_tree) = first_parent(repo, commit, stats);
            let id = commit.id();
            let time = commit.time();
            let first_change = self.log.changes.len();
            diff_trees(
                repo,
                parent_tree,
                Some(commit.tree_id()),
                true,
                &mut |ev| {
                    self.record(&ev);
                    self.added(ev, Some(id), tx)
                },
                &mut |u| unreadable(stats, u, Some(id)),
            );
            self.log.rows.push(CommitRow {
                id,
                parent,
                parent_tree,
                time: time.seconds(),
                offset: time.offset_minutes(),
                changes: (first_change, self.log.changes.len()),
            });
        })
    }

    /// Send every blob of a tree (a tag pointing at a tree, or BASE of a range).
    fn tree(&mut self, tree: Oid, prefix: &str, tx: &mut JobSender) {
        let repo = self.ctx.repo;
        let stats = self.ctx.stats;
        list_tree(
            repo,
            tree,
            &mut |ev| {
                let mut path = prefix.as_bytes().to_vec();
                path.extend_from_slice(ev.path);
                let ev = Event { path: &path, ..ev };
                self.added(ev, None, tx)
            },
            &mut |u| unreadable(stats, u, None),
        );
    }
}

/// Where a walk of all refs starts, and the refs naming each tip.
struct RefTips {
    commits: Vec<Oid>,
    names: HashMap<Oid, Vec<String>>,
    /// Refs that point (through tags) at a blob or a tree rather than a commit.
    blobs: Vec<(Oid, String)>,
    trees: Vec<(Oid, String)>,
}

fn all_ref_tips(repo: &Repository, stats: &ScanStats) -> anyhow::Result<RefTips> {
    let mut tips = RefTips {
        commits: Vec::new(),
        names: HashMap::new(),
        blobs: Vec::new(),
        trees: Vec::new(),
    };
    for r in repo.references()? {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                stats.skip(
                    "",
                    SkipReason::MissingObject,
                    format!("unreadable ref: {}", e.message()),
                );
                continue;
            }
        };
        let name = lossy(r.name_bytes());
        let target = match r.peel(ObjectType::Any) {
            Ok(o) => o,
            Err(e) => {
                stats.skip(
                    &name,
                    SkipReason::MissingObject,
                    format!("ref {name} cannot be resolved: {}", e.message()),
                );
                continue;
            }
        };
        match target.kind() {
            Some(ObjectType::Commit) => {
                tips.commits.push(target.id());
                tips.names.entry(target.id()).or_default().push(name);
            }
            Some(ObjectType::Blob) => tips.blobs.push((target.id(), name)),
            Some(ObjectType::Tree) => tips.trees.push((target.id(), name)),
            _ => {}
        }
    }
    // A detached HEAD may point at commits no ref reaches.
    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
        tips.commits.push(head.id());
    }
    for names in tips.names.values_mut() {
        names.sort();
    }
    Ok(tips)
}

fn head_commit(repo: &Repository) -> Option<Oid> {
    repo.head()
        .and_then(|h| h.peel_to_commit())
        .ok()
        .map(|c| c.id())
}

fn resolve_commit(repo: &Repository, rev: &str, what: &str) -> anyhow::Result<Oid> {
    let obj = repo
        .revparse_single(rev)
        .map_err(|e| anyhow::anyhow!("{what} {rev:?}: unknown revision ({})", e.message()))?;
    let commit = obj
        .peel_to_commit()
        .map_err(|e| anyhow::anyhow!("{what} {rev:?}: not a commit ({})", e.message()))?;
    Ok(commit.id())
}

fn warn_if_shallow(ctx: &Ctx<'_>) {
    if ctx.repo.is_shallow() {
        ctx.stats.warn(
            "this is a shallow clone: history before the clone depth was not scanned \
             (run `git fetch --unshallow` to scan all of it)",
        );
    }
}

pub(crate) fn scan_history(
    ctx: &Ctx<'_>,
    branch: Option<&str>,
    since: Option<i64>,
) -> anyhow::Result<GitScan> {
    let repo = ctx.repo;
    warn_if_shallow(ctx);
    let (spec, tips, extra_blobs, extra_trees, what) = match branch {
        Some(b) => {
            let id = resolve_commit(repo, b, "--branch")?;
            let mut names = HashMap::new();
            names.insert(id, vec![b.to_string()]);
            (
                WalkSpec {
                    push: vec![id],
                    hide: Vec::new(),
                    since,
                },
                names,
                Vec::new(),
                Vec::new(),
                format!("git history of {b}"),
            )
        }
        None => {
            let t = all_ref_tips(repo, ctx.stats)?;
            (
                WalkSpec {
                    push: t.commits,
                    hide: Vec::new(),
                    since,
                },
                t.names,
                t.blobs,
                t.trees,
                "git history of all refs".to_string(),
            )
        }
    };
    let mut discovery = Discovery::new(ctx);
    let ((walked, blobs), collected) = ctx.run_pipeline(true, ctx.stats, |tx| {
        for (id, name) in &extra_blobs {
            if discovery.seen.insert(*id) {
                tx.send(*id, name.clone(), None);
            }
        }
        for (id, name) in &extra_trees {
            discovery.tree(*id, &format!("{name}:"), tx);
        }
        let walked = discovery.walk(&spec, tx);
        (walked, tx.count())
    })?;
    walked?;
    let log = discovery.log;
    let commits = log.rows.len();
    let tips = Tips {
        head: head_commit(repo),
        names: tips,
    };
    let findings = provenance::attach(ctx, collected.groups, log, &tips);
    let since_note = since
        .map(|s| format!(" since {}", &super::date::rfc3339(s, 0)[..10]))
        .unwrap_or_default();
    Ok(GitScan {
        findings,
        scope: format!(
            "{what}{since_note} ({}, {})",
            plural(commits as u64, "commit"),
            plural(blobs, "distinct blob")
        ),
        damaged: Default::default(),
    })
}

/// `BASE..HEAD` (HEAD may be left out). Symmetric `...` ranges are refused: "added in the
/// range" has no single base there.
fn parse_range(spec: &str) -> anyhow::Result<(&str, &str)> {
    if spec.contains("...") {
        anyhow::bail!("--range {spec:?}: symmetric ranges are not supported; use BASE..HEAD");
    }
    match spec.split_once("..") {
        Some((base, head)) if !base.is_empty() => {
            Ok((base, if head.is_empty() { "HEAD" } else { head }))
        }
        _ => anyhow::bail!("--range {spec:?}: expected BASE..HEAD, e.g. origin/main..HEAD"),
    }
}

/// The commits at the ends of `BASE..HEAD`.
pub(crate) fn range_ends(repo: &Repository, range: &str) -> anyhow::Result<(Oid, Oid)> {
    let (base_rev, head_rev) = parse_range(range)?;
    let base = resolve_commit(repo, base_rev, "--range base")?;
    let head = resolve_commit(repo, head_rev, "--range head")?;
    Ok((base, head))
}

pub(crate) fn scan_range(ctx: &Ctx<'_>, range: &str) -> anyhow::Result<GitScan> {
    let repo = ctx.repo;
    let (base, head) = range_ends(repo, range)?;
    warn_if_shallow(ctx);
    let spec = WalkSpec {
        push: vec![head],
        hide: vec![base],
        since: None,
    };
    let mut discovery = Discovery::new(ctx);
    let (walked, mut collected) =
        ctx.run_pipeline(true, ctx.stats, |tx| discovery.walk(&spec, tx))?;
    walked?;
    let log = discovery.log;
    let commits = log.rows.len();
    if !collected.groups.is_empty() {
        let before = prior_fingerprints(ctx, base, &log.rows)?;
        collected.groups.retain(|fp, _| !before.contains(fp));
    }
    let tips = Tips {
        head: Some(head),
        names: HashMap::new(),
    };
    let findings = provenance::attach(ctx, collected.groups, log, &tips);
    Ok(GitScan {
        findings,
        scope: format!("range {range} ({})", plural(commits as u64, "commit")),
        damaged: Default::default(),
    })
}

/// Fingerprints the range did not add: those in BASE's tree and in the trees of the commits
/// the range grew from (its parents outside the range: the merge base of a pull request, the
/// other side of a merge). Scanned only when the range has findings, so a clean range costs
/// nothing more.
fn prior_fingerprints(
    ctx: &Ctx<'_>,
    base: Oid,
    rows: &[CommitRow],
) -> anyhow::Result<HashSet<String>> {
    let repo = ctx.repo;
    let in_range: HashSet<Oid> = rows.iter().map(|r| r.id).collect();
    let mut trees = vec![repo.find_commit(base)?.tree_id()];
    for r in rows {
        let Ok(c) = repo.find_commit(r.id) else {
            continue;
        };
        for p in c.parent_ids().filter(|p| !in_range.contains(p)) {
            if let Ok(pc) = repo.find_commit(p) {
                trees.push(pc.tree_id());
            }
        }
    }
    trees.sort();
    trees.dedup();
    // Problems reading the trees before the range only make the filter weaker; they are not
    // part of what the range scan saw.
    let quiet = ScanStats::default();
    let mut seen = HashSet::new();
    let ((), before) = ctx.run_pipeline(true, &quiet, |tx| {
        for tree in trees {
            list_tree(
                repo,
                tree,
                &mut |ev| {
                    if ev.kind == EntryKind::File && seen.insert(ev.id) {
                        tx.send(ev.id, lossy(ev.path), None);
                    }
                },
                &mut |_| {},
            );
        }
    })?;
    Ok(before.groups.into_keys().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ranges() {
        assert_eq!(parse_range("main..feature").unwrap(), ("main", "feature"));
        assert_eq!(
            parse_range("origin/main..").unwrap(),
            ("origin/main", "HEAD")
        );
        assert!(parse_range("a...b").is_err());
        assert!(parse_range("..b").is_err());
        assert!(parse_range("main").is_err());
    }
}
