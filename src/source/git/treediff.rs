//! Tree-to-tree comparison on object ids alone. Subtrees with the same id are skipped without
//! being read, so the cost of comparing a commit with its parent follows the size of the change,
//! not the size of the tree. Nothing here reads blob content or the working tree.

use git2::{Oid, Repository};
use std::cmp::Ordering;

const MODE_TYPE_MASK: i32 = 0o170000;
const MODE_TREE: i32 = 0o040000;
const MODE_SYMLINK: i32 = 0o120000;
const MODE_GITLINK: i32 = 0o160000;

/// What a non-tree entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Symlink,
    /// A gitlink: the commit of a submodule, whose objects live in another repository.
    Submodule,
}

impl EntryKind {
    /// The kind of an entry with this file mode (a tree's or the index's).
    pub(crate) fn of(mode: i32) -> EntryKind {
        match mode & MODE_TYPE_MASK {
            MODE_SYMLINK => EntryKind::Symlink,
            MODE_GITLINK => EntryKind::Submodule,
            _ => EntryKind::File,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
}

/// One non-tree entry that differs between the two trees. A modified file is a `Removed` of
/// the old id followed by an `Added` of the new one at the same path.
pub struct Event<'a> {
    pub change: Change,
    /// `/`-separated path from the root of the compared trees.
    pub path: &'a [u8],
    pub id: Oid,
    pub kind: EntryKind,
    /// For an `Added` entry that replaces one of the same kind at the same path (a modified
    /// file): the id it replaces.
    pub previous: Option<Oid>,
}

/// A tree object that could not be read; its entries are treated as absent.
pub struct Unreadable<'a> {
    pub path: &'a [u8],
    pub id: Oid,
    pub error: git2::Error,
}

fn is_tree(mode: i32) -> bool {
    mode & MODE_TYPE_MASK == MODE_TREE
}

/// git's tree order: names compare bytewise, and a tree sorts as if its name ended with `/`.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        Ordering::Equal => {}
        other => return other,
    }
    let end = |name: &[u8], tree: bool| match name.get(n) {
        Some(&c) => c,
        None if tree => b'/',
        None => 0,
    };
    end(a, a_tree).cmp(&end(b, b_tree))
}

struct Pending {
    old: Option<Oid>,
    new: Option<Oid>,
    /// Path of this subtree, empty or ending with `/`.
    prefix: Vec<u8>,
}

/// Compare `old` with `new` (either may be absent: a root commit compares with nothing).
/// With `want_removed` false, subtrees that exist only in `old` are not read at all.
pub fn diff_trees(
    repo: &Repository,
    old: Option<Oid>,
    new: Option<Oid>,
    want_removed: bool,
    on_event: &mut dyn FnMut(Event<'_>),
    on_unreadable: &mut dyn FnMut(Unreadable<'_>),
) {
    let mut stack = vec![Pending {
        old,
        new,
        prefix: Vec::new(),
    }];
    let mut path = Vec::new();
    while let Some(item) = stack.pop() {
        if item.old == item.new {
            continue;
        }
        let mut load = |id: Option<Oid>| {
            id.and_then(|id| match repo.find_tree(id) {
                Ok(t) => Some(t),
                Err(error) => {
                    on_unreadable(Unreadable {
                        path: &item.prefix,
                        id,
                        error,
                    });
                    None
                }
            })
        };
        let old_tree = load(item.old);
        let new_tree = load(item.new);
        let old_len = old_tree.as_ref().map_or(0, |t| t.len());
        let new_len = new_tree.as_ref().map_or(0, |t| t.len());
        let (mut i, mut j) = (0, 0);
        // Subtrees are visited after this tree's files, in tree order.
        let mut subtrees = Vec::new();
        let mut emit = |change: Change,
                        name: &[u8],
                        id: Oid,
                        mode: i32,
                        previous: Option<Oid>,
                        subtrees: &mut Vec<Pending>| {
            if is_tree(mode) {
                if change == Change::Removed && !want_removed {
                    return;
                }
                let mut prefix = item.prefix.clone();
                prefix.extend_from_slice(name);
                prefix.push(b'/');
                let (old, new) = match change {
                    Change::Added => (None, Some(id)),
                    Change::Removed => (Some(id), None),
                };
                subtrees.push(Pending { old, new, prefix });
            } else {
                if change == Change::Removed && !want_removed {
                    return;
                }
                path.clear();
                path.extend_from_slice(&item.prefix);
                path.extend_from_slice(name);
                on_event(Event {
                    change,
                    path: &path,
                    id,
                    kind: EntryKind::of(mode),
                    previous,
                });
            }
        };
        while i < old_len || j < new_len {
            let a = old_tree
                .as_ref()
                .and_then(|t| t.get(i).filter(|_| i < old_len));
            let b = new_tree
                .as_ref()
                .and_then(|t| t.get(j).filter(|_| j < new_len));
            match (a, b) {
                (Some(a), None) => {
                    emit(
                        Change::Removed,
                        a.name_bytes(),
                        a.id(),
                        a.filemode_raw(),
                        None,
                        &mut subtrees,
                    );
                    i += 1;
                }
                (None, Some(b)) => {
                    emit(
                        Change::Added,
                        b.name_bytes(),
                        b.id(),
                        b.filemode_raw(),
                        None,
                        &mut subtrees,
                    );
                    j += 1;
                }
                (Some(a), Some(b)) => {
                    let (am, bm) = (a.filemode_raw(), b.filemode_raw());
                    match git_order(a.name_bytes(), is_tree(am), b.name_bytes(), is_tree(bm)) {
                        Ordering::Less => {
                            emit(
                                Change::Removed,
                                a.name_bytes(),
                                a.id(),
                                am,
                                None,
                                &mut subtrees,
                            );
                            i += 1;
                        }
                        Ordering::Greater => {
                            emit(
                                Change::Added,
                                b.name_bytes(),
                                b.id(),
                                bm,
                                None,
                                &mut subtrees,
                            );
                            j += 1;
                        }
                        Ordering::Equal => {
                            if is_tree(am) {
                                if a.id() != b.id() {
                                    let mut prefix = item.prefix.clone();
                                    prefix.extend_from_slice(b.name_bytes());
                                    prefix.push(b'/');
                                    subtrees.push(Pending {
                                        old: Some(a.id()),
                                        new: Some(b.id()),
                                        prefix,
                                    });
                                }
                            } else if a.id() != b.id() || EntryKind::of(am) != EntryKind::of(bm) {
                                let same_kind = EntryKind::of(am) == EntryKind::of(bm);
                                let previous = same_kind.then(|| a.id());
                                emit(
                                    Change::Removed,
                                    a.name_bytes(),
                                    a.id(),
                                    am,
                                    None,
                                    &mut subtrees,
                                );
                                emit(
                                    Change::Added,
                                    b.name_bytes(),
                                    b.id(),
                                    bm,
                                    previous,
                                    &mut subtrees,
                                );
                            }
                            i += 1;
                            j += 1;
                        }
                    }
                }
                (None, None) => break,
            }
        }
        stack.extend(subtrees.into_iter().rev());
    }
}

/// Every non-tree entry of a tree, as `Added` events.
pub fn list_tree(
    repo: &Repository,
    tree: Oid,
    on_event: &mut dyn FnMut(Event<'_>),
    on_unreadable: &mut dyn FnMut(Unreadable<'_>),
) {
    diff_trees(repo, None, Some(tree), false, on_event, on_unreadable);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_sort_after_same_named_files() {
        // git sorts "a" (file) < "a-b" < "a/" (tree) < "a0".
        assert_eq!(git_order(b"a", false, b"a-b", false), Ordering::Less);
        assert_eq!(git_order(b"a-b", false, b"a", true), Ordering::Less);
        assert_eq!(git_order(b"a", true, b"a0", false), Ordering::Less);
        assert_eq!(git_order(b"a", false, b"a", true), Ordering::Less);
        assert_eq!(git_order(b"x", true, b"x", true), Ordering::Equal);
    }

    fn commit_tree(repo: &Repository, files: &[(&str, &str)]) -> Oid {
        let mut index = git2::Index::new().unwrap();
        for (path, content) in files {
            let id = repo.blob(content.as_bytes()).unwrap();
            let entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                file_size: 0,
                id,
                flags: path.len() as u16,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            index.add(&entry).unwrap();
        }
        index.write_tree_to(repo).unwrap()
    }

    fn changes(repo: &Repository, old: Option<Oid>, new: Option<Oid>) -> Vec<String> {
        let mut out = Vec::new();
        diff_trees(
            repo,
            old,
            new,
            true,
            &mut |e| {
                let sign = if e.change == Change::Added { '+' } else { '-' };
                out.push(format!("{sign}{}", String::from_utf8_lossy(e.path)));
            },
            &mut |_| panic!("unreadable tree"),
        );
        out.sort();
        out
    }

    #[test]
    fn reports_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init_bare(dir.path()).unwrap();
        let t1 = commit_tree(
            &repo,
            &[
                ("a.txt", "1"),
                ("d/x.txt", "x"),
                ("d/e/y.txt", "y"),
                ("z", "z"),
            ],
        );
        let t2 = commit_tree(
            &repo,
            &[
                ("a.txt", "2"),
                ("d/x.txt", "x"),
                ("d/e/y2.txt", "y"),
                ("n/m.txt", "m"),
            ],
        );
        assert_eq!(
            changes(&repo, Some(t1), Some(t2)),
            [
                "+a.txt",
                "+d/e/y2.txt",
                "+n/m.txt",
                "-a.txt",
                "-d/e/y.txt",
                "-z"
            ]
        );
        assert_eq!(changes(&repo, Some(t1), Some(t1)), Vec::<String>::new());
        assert_eq!(
            changes(&repo, None, Some(t1)),
            ["+a.txt", "+d/e/y.txt", "+d/x.txt", "+z"]
        );
    }
}
