//! Provenance of the secrets a history or range scan found: who introduced each one and where,
//! whether it is still at HEAD, which commit removed it, and how long it was exposed.
//!
//! Only blobs with findings are tracked. The scanning walk logs every commit's file changes
//! against its first parent (interned ids, no content); that log is replayed oldest first, and
//! each commit's set of (tracked blob, path) pairs is its first parent's set plus its changes.
//! Sets are shared between commits that change nothing tracked, and a set is dropped once every
//! child has used it.
//!
//! A modified file is scanned only where it changed; when the version it replaced held a
//! secret, the new version is scanned whole here (once) to learn whether the secret carried
//! over.

use super::date::{now, rfc3339, whole_days};
use super::treediff::{list_tree, EntryKind};
use super::{BlobScanner, Ctx, Group, Hit};
use crate::findings::{Finding, Introduction, Location, Provenance};
use crate::source::ScanStats;
use git2::{Oid, Repository};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// A visited commit, recorded by the scanning walk so provenance needs no second walk.
pub(crate) struct CommitRow {
    pub id: Oid,
    pub parent: Option<Oid>,
    pub parent_tree: Option<Oid>,
    /// Committer time: when the content entered this history.
    pub time: i64,
    pub offset: i32,
    /// This commit's file changes against its first parent: a range of `WalkLog::changes`.
    pub changes: (usize, usize),
}

/// No blob (a change that replaced nothing the walk logged).
pub(crate) const NO_BLOB: u32 = u32::MAX;

/// One file change of a commit against its first parent, with interned path and blobs.
pub(crate) struct LoggedChange {
    pub path: u32,
    pub blob: u32,
    /// For an addition that replaced a file at the same path: the replaced blob, or `NO_BLOB`.
    pub previous: u32,
    pub added: bool,
}

/// Interned paths.
#[derive(Default)]
pub(crate) struct PathTable {
    ids: HashMap<Box<[u8]>, u32>,
    names: Vec<Box<[u8]>>,
}

impl PathTable {
    pub fn intern(&mut self, path: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(path.into());
        self.ids.insert(path.into(), id);
        id
    }

    pub fn name(&self, id: u32) -> &[u8] {
        &self.names[id as usize]
    }
}

/// What the scanning walk saw, compactly: the commits in walk order, their file changes, and
/// the blob ids and paths those refer to. Replaying it is what provenance costs: no tree is
/// read twice.
#[derive(Default)]
pub(crate) struct WalkLog {
    pub rows: Vec<CommitRow>,
    pub changes: Vec<LoggedChange>,
    pub blobs: Vec<Oid>,
    pub paths: PathTable,
}

/// The commits whose trees decide "still present".
pub(crate) struct Tips {
    pub head: Option<Oid>,
    /// Tip commit → ref names (branches, tags, remotes) pointing at it.
    pub names: HashMap<Oid, Vec<String>>,
}

/// The tracked (blob, path) pairs present in one commit, and the secrets they hold.
#[derive(Default)]
struct State {
    entries: Vec<(u32, u32)>,
    secrets: Vec<u32>,
}

type When = (i64, i32);

/// What the replay learns about one secret.
#[derive(Default)]
struct SecretLife {
    commits: u32,
    first: Option<When>,
    last: Option<When>,
    in_head: bool,
    /// The latest removal on HEAD's first-parent line.
    removed_on_head_line: Option<(Oid, When)>,
    /// The latest removal anywhere.
    removed_anywhere: Option<(Oid, When)>,
    refs: BTreeSet<String>,
}

struct Tracker<'r> {
    repo: &'r Repository,
    /// Tracked blob → index; blob index → secrets it holds.
    blob_index: HashMap<Oid, u32>,
    blob_secrets: Vec<Vec<u32>>,
    /// Where each secret sits in each blob holding it: (secret, blob) → location.
    positions: HashMap<(u32, u32), Location>,
    /// Fingerprint → secret index.
    secret_index: HashMap<String, u32>,
    /// Blobs already scanned whole for carried-over secrets.
    rechecked: HashSet<Oid>,
    /// Scans whole blobs for re-checks; `None` when the object database cannot be opened.
    odb: Option<git2::Odb<'r>>,
    rescan: BlobScanner<'r>,
    paths: PathTable,
    lives: Vec<SecretLife>,
    /// Per secret: path → (row, blob) of the first commit of the walk that brought it there.
    intros: Vec<HashMap<u32, (usize, u32)>>,
}

impl Tracker<'_> {
    fn blob_id(&mut self, blob: Oid) -> u32 {
        let next = self.blob_index.len() as u32;
        let b = *self.blob_index.entry(blob).or_insert(next);
        if b as usize == self.blob_secrets.len() {
            self.blob_secrets.push(Vec::new());
        }
        b
    }

    fn holds(&mut self, secret: u32, blob: Oid, at: Location) {
        let b = self.blob_id(blob);
        if !self.blob_secrets[b as usize].contains(&secret) {
            self.blob_secrets[b as usize].push(secret);
        }
        self.positions.entry((secret, b)).or_insert(at);
    }

    /// A modified file was scanned only where it changed. When the version it replaced held
    /// secrets, scan the new version whole (once) to learn which of them it still holds.
    fn recheck(&mut self, blob: Oid, path: &[u8]) {
        if !self.rechecked.insert(blob) {
            return;
        }
        let Some(odb) = &self.odb else { return };
        let found = self
            .rescan
            .scan_whole(odb, blob, &String::from_utf8_lossy(path));
        for f in found {
            if let Some(&s) = self.secret_index.get(&f.fingerprint) {
                self.holds(s, blob, f.location);
            }
        }
    }

    fn state_from(&self, mut entries: Vec<(u32, u32)>) -> Arc<State> {
        entries.sort_unstable();
        entries.dedup();
        let mut secrets: Vec<u32> = entries
            .iter()
            .flat_map(|(b, _)| self.blob_secrets[*b as usize].iter().copied())
            .collect();
        secrets.sort_unstable();
        secrets.dedup();
        Arc::new(State { entries, secrets })
    }

    /// The tracked content of a whole tree (a commit outside the walk).
    fn tree_state(&mut self, tree: Oid) -> Arc<State> {
        let mut found = Vec::new();
        let repo = self.repo;
        list_tree(
            repo,
            tree,
            &mut |ev| {
                if ev.kind == EntryKind::File {
                    if let Some(&b) = self.blob_index.get(&ev.id) {
                        found.push((b, ev.path.to_vec()));
                    }
                }
            },
            &mut |_| {},
        );
        let entries = found
            .into_iter()
            .map(|(b, p)| (b, self.paths.intern(&p)))
            .collect();
        self.state_from(entries)
    }

    /// A commit's state from its first parent's and the commit's logged changes.
    fn next_state(
        &mut self,
        parent: &Arc<State>,
        changes: &[LoggedChange],
        blobs: &[Oid],
        row: usize,
    ) -> Arc<State> {
        let mut removed = Vec::new();
        let mut added = Vec::new();
        for c in changes {
            let id = blobs[c.blob as usize];
            if c.added && c.previous != NO_BLOB {
                let previous = blobs[c.previous as usize];
                if self.blob_index.contains_key(&previous) {
                    let path = self.paths.name(c.path).to_vec();
                    self.recheck(id, &path);
                }
            }
            if let Some(&b) = self.blob_index.get(&id) {
                if c.added {
                    added.push((b, c.path));
                } else {
                    removed.push((b, c.path));
                }
            }
        }
        if removed.is_empty() && added.is_empty() {
            return Arc::clone(parent);
        }
        let mut entries: Vec<(u32, u32)> = parent
            .entries
            .iter()
            .copied()
            .filter(|e| !removed.contains(e))
            .collect();
        for (b, p) in added {
            entries.push((b, p));
            for &s in &self.blob_secrets[b as usize] {
                self.intros[s as usize].entry(p).or_insert((row, b));
            }
        }
        self.state_from(entries)
    }
}

/// Turn the groups of a scan into one finding per secret, with provenance.
pub(crate) fn attach(
    ctx: &Ctx<'_>,
    groups: HashMap<String, Group>,
    log: WalkLog,
    tips: &Tips,
) -> Vec<Finding> {
    if groups.is_empty() {
        return Vec::new();
    }
    let repo = ctx.repo;
    let quiet = ScanStats::default();
    let mut tracker = Tracker {
        repo,
        blob_index: HashMap::new(),
        blob_secrets: Vec::new(),
        positions: HashMap::new(),
        secret_index: HashMap::new(),
        rechecked: HashSet::new(),
        odb: repo.odb().ok(),
        rescan: BlobScanner {
            scanner: ctx.scanner,
            progress: ctx.progress,
            max_blob_size: ctx.max_blob_size,
            // Re-checks read blobs the scan already counted.
            stats: &quiet,
            grouped: true,
        },
        paths: log.paths,
        lives: Vec::new(),
        intros: Vec::new(),
    };
    let mut groups: Vec<(String, Group)> = groups.into_iter().collect();
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    for (secret, (fp, group)) in groups.iter_mut().enumerate() {
        let secret = secret as u32;
        tracker.secret_index.insert(fp.clone(), secret);
        for (blob, at) in std::mem::take(&mut group.blobs) {
            tracker.holds(secret, blob, at);
        }
        tracker.lives.push(SecretLife::default());
        tracker.intros.push(HashMap::new());
    }
    let rows = &log.rows;
    replay(&mut tracker, rows, &log.changes, &log.blobs, tips);

    let mut findings = Vec::with_capacity(groups.len());
    for (secret, (_, group)) in groups.into_iter().enumerate() {
        let mut hits: Vec<Hit> = group.by_path.into_values().collect();
        hits.sort_by(|a, b| (a.seq, &a.finding.location).cmp(&(b.seq, &b.finding.location)));
        let mut hits = hits.into_iter();
        let Some(primary) = hits.next() else { continue };
        // Every other path the secret reached: those the replay saw (the same blob renamed or
        // copied is scanned once but sits at several paths), then any only the scan saw.
        let mut others: Vec<(usize, String, Location, Option<Oid>)> = Vec::new();
        for (&p, &(row, b)) in &tracker.intros[secret] {
            let path = String::from_utf8_lossy(tracker.paths.name(p)).into_owned();
            if path == primary.finding.location.path {
                continue;
            }
            let Some(at) = tracker.positions.get(&(secret as u32, b)) else {
                continue;
            };
            let at = Location {
                path: path.clone(),
                ..at.clone()
            };
            others.push((row, path, at, Some(rows[row].id)));
        }
        others.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        for h in hits {
            if !others.iter().any(|o| o.1 == h.finding.location.path) {
                let path = h.finding.location.path.clone();
                others.push((usize::MAX, path, h.finding.location, h.commit));
            }
        }
        let mut introduced = vec![introduction(
            repo,
            &primary.finding.location.path,
            primary.commit,
        )];
        introduced.extend(others.iter().map(|o| introduction(repo, &o.1, o.3)));
        let mut finding = primary.finding;
        finding.other_locations = others.into_iter().map(|o| o.2).collect();
        finding.provenance = Some(provenance(&tracker.lives[secret], introduced));
        findings.push(finding);
    }
    findings.sort_by(|a, b| a.order(b));
    findings
}

fn introduction(repo: &Repository, path: &str, commit: Option<Oid>) -> Introduction {
    let mut intro = Introduction {
        path: path.to_string(),
        ..Introduction::default()
    };
    if let Some(id) = commit {
        intro.commit = id.to_string();
        if let Ok(c) = repo.find_commit(id) {
            intro.author = String::from_utf8_lossy(c.author().name_bytes()).into_owned();
            let t = c.time();
            intro.date = rfc3339(t.seconds(), t.offset_minutes());
            intro.time = Some(t.seconds());
        }
    }
    intro
}

fn provenance(life: &SecretLife, introduced: Vec<Introduction>) -> Provenance {
    let primary = introduced[0].clone();
    let fmt = |w: Option<When>| w.map(|(s, o)| rfc3339(s, o));
    let refs: Vec<String> = life.refs.iter().cloned().collect();
    // Removal means something only when the secret is gone from HEAD; on HEAD's own line when
    // it was ever there, otherwise anywhere, unless another branch still holds it.
    let removal = if life.in_head {
        None
    } else {
        life.removed_on_head_line.or(if refs.is_empty() {
            life.removed_anywhere
        } else {
            None
        })
    };
    let start = life.first.map(|w| w.0).or(primary.time);
    let end = if life.in_head || !refs.is_empty() {
        Some(now())
    } else {
        removal.map(|(_, w)| w.0).or(life.last.map(|w| w.0))
    };
    let lifetime_days = match (start, end) {
        (Some(s), Some(e)) => whole_days(s, e),
        _ => 0,
    };
    Provenance {
        commit: primary.commit,
        author: primary.author,
        in_head: life.in_head,
        removed_in: removal.map(|(c, _)| c.to_string()),
        removed_date: removal.map(|(_, (s, o))| rfc3339(s, o)),
        first_seen: fmt(life.first).unwrap_or_else(|| primary.date.clone()),
        last_seen: fmt(life.last).unwrap_or_else(|| primary.date.clone()),
        commits: life.commits,
        lifetime_days,
        refs,
        date: primary.date,
        introduced,
    }
}

/// Replay the walk oldest first, tracking which secrets each commit holds.
fn replay(
    tracker: &mut Tracker<'_>,
    rows: &[CommitRow],
    changes: &[LoggedChange],
    blobs: &[Oid],
    tips: &Tips,
) {
    // First-parent children still to come, so a state is dropped after its last use.
    let mut pending_children: HashMap<Oid, u32> = HashMap::new();
    let walked: HashMap<Oid, Option<Oid>> = rows.iter().map(|r| (r.id, r.parent)).collect();
    for r in rows {
        if let Some(p) = r.parent.filter(|p| walked.contains_key(p)) {
            *pending_children.entry(p).or_insert(0) += 1;
        }
    }
    // HEAD's first-parent line, within the walk.
    let mut head_line = std::collections::HashSet::new();
    let mut cursor = tips.head;
    while let Some(c) = cursor {
        if !head_line.insert(c) {
            break;
        }
        cursor = walked.get(&c).copied().flatten();
    }
    let empty = Arc::new(State::default());
    let mut states: HashMap<Oid, Arc<State>> = HashMap::new();
    let mut outside: HashMap<Oid, Arc<State>> = HashMap::new();
    let mut seen_tips = std::collections::HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        let parent_state = match (r.parent, r.parent_tree) {
            (Some(p), _) if states.contains_key(&p) => Arc::clone(&states[&p]),
            // A parent outside the walk (before --since, or in BASE): read its whole tree once.
            (Some(p), Some(pt)) => match outside.get(&p) {
                Some(s) => Arc::clone(s),
                None => {
                    let s = tracker.tree_state(pt);
                    outside.insert(p, Arc::clone(&s));
                    s
                }
            },
            _ => Arc::clone(&empty),
        };
        let state = tracker.next_state(&parent_state, &changes[r.changes.0..r.changes.1], blobs, i);
        let when = (r.time, r.offset);
        for &s in &state.secrets {
            let life = &mut tracker.lives[s as usize];
            life.commits += 1;
            if life.first.is_none_or(|f| when.0 < f.0) {
                life.first = Some(when);
            }
            if life.last.is_none_or(|l| when.0 >= l.0) {
                life.last = Some(when);
            }
        }
        for &s in &parent_state.secrets {
            if state.secrets.binary_search(&s).is_err() {
                let life = &mut tracker.lives[s as usize];
                let removal = Some((r.id, when));
                if head_line.contains(&r.id)
                    && life.removed_on_head_line.is_none_or(|(_, w)| when.0 >= w.0)
                {
                    life.removed_on_head_line = removal;
                }
                if life.removed_anywhere.is_none_or(|(_, w)| when.0 >= w.0) {
                    life.removed_anywhere = removal;
                }
            }
        }
        mark_tip(tracker, tips, r.id, &state, &mut seen_tips);
        if let Some(p) = r.parent {
            if let Some(n) = pending_children.get_mut(&p) {
                *n -= 1;
                if *n == 0 {
                    pending_children.remove(&p);
                    states.remove(&p);
                }
            }
        }
        if pending_children.contains_key(&r.id) {
            states.insert(r.id, state);
        }
    }
    // Tips the walk did not visit (older than --since, or HEAD outside --branch).
    let mut rest: Vec<Oid> = tips.names.keys().copied().chain(tips.head).collect();
    rest.sort();
    rest.dedup();
    for tip in rest {
        if seen_tips.contains(&tip) {
            continue;
        }
        if let Ok(tree) = tracker.repo.find_commit(tip).map(|c| c.tree_id()) {
            let state = tracker.tree_state(tree);
            mark_tip(tracker, tips, tip, &state, &mut seen_tips);
        }
    }
}

fn mark_tip(
    tracker: &mut Tracker<'_>,
    tips: &Tips,
    commit: Oid,
    state: &State,
    seen: &mut std::collections::HashSet<Oid>,
) {
    let is_head = tips.head == Some(commit);
    let names = tips.names.get(&commit);
    if !is_head && names.is_none() {
        return;
    }
    seen.insert(commit);
    for &s in &state.secrets {
        let life = &mut tracker.lives[s as usize];
        if is_head {
            life.in_head = true;
        }
        if let Some(names) = names {
            life.refs.extend(names.iter().cloned());
        }
    }
}
