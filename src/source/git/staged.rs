//! `--staged`: exactly what the next commit would contain. The index is compared with HEAD's
//! tree on object ids; only added or changed entries are read, from the index's blobs, so
//! unstaged edits in the working tree play no part and the cost follows the size of the change.

use super::{lossy, Ctx, GitScan};
use crate::report::text::plural;
use crate::source::SkipReason;
use git2::{Delta, DiffOptions, ErrorCode, FileMode};
use std::collections::HashSet;

pub(crate) fn scan_staged(ctx: &Ctx<'_>) -> anyhow::Result<GitScan> {
    let repo = ctx.repo;
    if repo.is_bare() {
        anyhow::bail!(
            "{}: a bare repository has no index; --staged needs a working tree",
            repo.path().display()
        );
    }
    let index = repo
        .index()
        .map_err(|e| anyhow::anyhow!("cannot read the index: {}", e.message()))?;
    let head_tree = match repo.head() {
        Ok(h) => Some(
            h.peel_to_tree()
                .map_err(|e| anyhow::anyhow!("cannot read HEAD's tree: {}", e.message()))?,
        ),
        // A new repository: everything staged is added.
        Err(e) if e.code() == ErrorCode::UnbornBranch || e.code() == ErrorCode::NotFound => None,
        Err(e) => anyhow::bail!("cannot resolve HEAD: {}", e.message()),
    };
    let mut opts = DiffOptions::new();
    // Object ids are enough; never load content to guess binary-ness or look for renames.
    opts.include_typechange(true).skip_binary_check(true);
    let diff = repo
        .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))
        .map_err(|e| anyhow::anyhow!("cannot compare the index with HEAD: {}", e.message()))?;

    // A pure rename or copy stages no new content: its blob is already in HEAD's tree.
    let removed: HashSet<git2::Oid> = diff
        .deltas()
        .filter(|d| d.status() == Delta::Deleted)
        .map(|d| d.old_file().id())
        .collect();
    let mut jobs = Vec::new();
    for delta in diff.deltas() {
        let new = delta.new_file();
        let path = lossy(new.path_bytes().unwrap_or_default());
        match delta.status() {
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange => {
            }
            Delta::Conflicted => {
                ctx.stats.warn(format!(
                    "{path}: unmerged (conflicted) entry not scanned; resolve and stage it"
                ));
                continue;
            }
            _ => continue,
        }
        match new.mode() {
            FileMode::Blob | FileMode::BlobExecutable => {}
            FileMode::Link => {
                ctx.stats
                    .skip(&path, SkipReason::Symlink, "symbolic link not followed");
                continue;
            }
            FileMode::Commit => {
                ctx.stats.skip(
                    &path,
                    SkipReason::Submodule,
                    "submodule: not followed; scan its repository separately",
                );
                continue;
            }
            _ => continue,
        }
        let unchanged = delta.old_file().id() == new.id() || removed.contains(&new.id());
        if unchanged || ctx.exclude.excludes(&path) {
            continue;
        }
        jobs.push((new.id(), path));
    }
    let files = jobs.len();
    let ((), collected) = ctx.run_pipeline(false, ctx.stats, |tx| {
        for (id, path) in jobs {
            tx.send(id, path, None);
        }
    })?;
    let mut findings: Vec<_> = collected.hits.into_iter().map(|h| h.finding).collect();
    findings.sort_by(|a, b| a.order(b));
    Ok(GitScan {
        findings,
        scope: format!("staged changes ({})", plural(files as u64, "file")),
        damaged: Default::default(),
    })
}
