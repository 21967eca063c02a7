//! Files read as they are at the base of a range.
//!
//! A range under review (a pull request) must not be able to silence what it introduces: a
//! `.ferret.toml` that allowlists everything, a rule file whose regex no longer matches, a
//! config deleted so its extra rules vanish. So in a range scan, configuration files inside the
//! scanned repository are read from BASE's tree, and a change the range makes to one is
//! reported. Files outside the repository (a config the CI runner supplies) are read as they are.

use super::history::range_ends;
use git2::{ObjectType, Oid, Repository};
use std::path::{Component, Path, PathBuf};

/// How a configuration file reads in a range scan.
#[derive(Debug, PartialEq, Eq)]
pub enum BaseRead {
    /// Not inside the repository's work tree: read from disk.
    Outside,
    /// Inside the repository: its content at BASE (`None`: no such file there). `changed` when
    /// the range's HEAD has a different version (or none).
    Inside {
        repo_path: String,
        base: Option<Vec<u8>>,
        changed: bool,
    },
}

/// Reads files at the base of one range.
pub struct BaseReader {
    repo: Repository,
    damaged: super::loose::DamagedObjects,
    workdir: Option<PathBuf>,
    base_tree: Oid,
    head_tree: Oid,
}

impl BaseReader {
    /// The repository containing `path`, and the ends of `range` (`BASE..HEAD`).
    pub fn open(path: &Path, range: &str) -> anyhow::Result<BaseReader> {
        let repo = super::open(path)?;
        // Before libgit2 reads anything: a damaged loose commit or tree would hang it.
        let damaged = super::loose::check(&repo)?;
        let (base, head) = range_ends(&repo, range)?;
        let base_tree = repo.find_commit(base)?.tree_id();
        let head_tree = repo.find_commit(head)?.tree_id();
        let workdir = repo.workdir().and_then(|w| w.canonicalize().ok());
        Ok(BaseReader {
            repo,
            damaged,
            workdir,
            base_tree,
            head_tree,
        })
    }

    /// `file` (a path on disk, existing or not) as it is at BASE.
    pub fn read(&self, file: &Path) -> anyhow::Result<BaseRead> {
        let Some(rel) = self.repo_path(file) else {
            return Ok(BaseRead::Outside);
        };
        let base = self.blob_at(self.base_tree, &rel)?;
        let head = self.blob_at(self.head_tree, &rel)?;
        let content = match base {
            Some(id) => {
                if let Some(problem) = self.damaged.blobs.get(&id) {
                    anyhow::bail!("{rel} at the range's base: damaged loose object: {problem}");
                }
                Some(self.repo.find_blob(id)?.content().to_vec())
            }
            None => None,
        };
        Ok(BaseRead::Inside {
            changed: base != head,
            repo_path: rel,
            base: content,
        })
    }

    /// `file` relative to the work tree, `/`-separated, if it lies inside it (and not in `.git`).
    fn repo_path(&self, file: &Path) -> Option<String> {
        let workdir = self.workdir.as_ref()?;
        let abs = absolute(file)?;
        let rel = abs.strip_prefix(workdir).ok()?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if parts.is_empty() || parts[0] == ".git" {
            return None;
        }
        Some(parts.join("/"))
    }

    fn blob_at(&self, tree: Oid, rel: &str) -> anyhow::Result<Option<Oid>> {
        let tree = self.repo.find_tree(tree)?;
        match tree.get_path(Path::new(rel)) {
            Ok(e) if e.kind() == Some(ObjectType::Blob) => Ok(Some(e.id())),
            Ok(_) => Ok(None),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("{rel}: {}", e.message())),
        }
    }
}

/// An absolute path with symbolic links resolved in its longest existing prefix, so a file the
/// range deleted (absent on disk) still maps into the work tree.
fn absolute(p: &Path) -> Option<PathBuf> {
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(p)
    };
    let mut existing = p.clone();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for r in rest.iter().rev() {
                out.push(r);
            }
            return Some(normalise(&out));
        }
        rest.push(existing.file_name()?.to_os_string());
        existing = existing.parent()?.to_path_buf();
    }
}

fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}
