//! A check of the repository's loose objects before libgit2 reads any.
//!
//! libgit2 (up to at least 1.9.7) loops forever reading a loose object whose zlib stream is
//! truncated: `inflate` reports that it needs more input, which the read loop never supplies
//! (libgit2 issue 7342). A repository with one cut-short loose object would hang the scan. So
//! every loose object is inflated here first, streaming into a small buffer: a truncated blob is
//! skipped and reported where it would have been read; a truncated commit, tree or tag (or one
//! cut before its type) stops the git scan with an error, since walking history would reach it.
//! Other damage (garbled data, a wrong length) makes libgit2 fail cleanly, and is left to it.

use flate2::{Decompress, FlushDecompress, Status};
use git2::{ObjectType, Oid, Repository};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Truncated loose objects of one repository: id → what is wrong.
#[derive(Debug, Default)]
pub struct DamagedObjects {
    pub blobs: HashMap<Oid, String>,
}

/// Inflate every loose object `repo` can read: in its object store (shared by all its
/// worktrees) and in the stores that store borrows from. Errors when a damaged object is not a
/// blob.
pub fn check(repo: &Repository) -> anyhow::Result<DamagedObjects> {
    let mut damaged = DamagedObjects::default();
    for objects in object_stores(repo) {
        check_store(repo, &objects, &mut damaged)?;
    }
    Ok(damaged)
}

/// libgit2 reads the alternates of stores down to this depth (the repository's own store is
/// depth 0), so it reads objects from stores one level deeper still.
const MAX_ALTERNATES_DEPTH: usize = 5;

/// The repository's object directory (in the common directory: a linked worktree has none of
/// its own) and those its `objects/info/alternates` lists, recursively, each once: at least
/// every store libgit2 reads.
fn object_stores(repo: &Repository) -> Vec<std::path::PathBuf> {
    let own = repo.commondir().join("objects");
    // Each store with its depth, in the order found.
    let mut stores = vec![(std::fs::canonicalize(&own).unwrap_or(own), 0usize)];
    let mut next = 0;
    while let Some((store, depth)) = stores.get(next).cloned() {
        next += 1;
        if depth > MAX_ALTERNATES_DEPTH {
            continue;
        }
        let Ok(list) = std::fs::read_to_string(store.join("info/alternates")) else {
            continue;
        };
        for line in list.lines() {
            let line = line.trim();
            // Comments, and quoted paths (C-style escapes), which libgit2 does not unquote.
            if line.is_empty() || line.starts_with('#') || line.starts_with('"') {
                continue;
            }
            // git reads a relative path from the store that lists it; libgit2 does so only
            // for `./` and `../` paths in the repository's own list, and otherwise from the
            // current directory. Both are checked.
            let listed = Path::new(line);
            let mut candidates = vec![store.join(listed)];
            if listed.is_relative() {
                if let Ok(cwd) = std::env::current_dir() {
                    candidates.push(cwd.join(listed));
                }
            }
            for path in candidates {
                let path = std::fs::canonicalize(&path).unwrap_or(path);
                if !stores.iter().any(|(known, _)| *known == path) {
                    stores.push((path, depth + 1));
                }
            }
        }
    }
    stores.into_iter().map(|(store, _)| store).collect()
}

/// Inflate the loose objects of one object directory into `damaged`.
fn check_store(
    repo: &Repository,
    objects: &Path,
    damaged: &mut DamagedObjects,
) -> anyhow::Result<()> {
    let Ok(dirs) = std::fs::read_dir(objects) else {
        return Ok(());
    };
    for dir in dirs.flatten() {
        let name = dir.file_name();
        let prefix = name.to_string_lossy();
        if prefix.len() != 2 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        let Ok(files) = std::fs::read_dir(dir.path()) else {
            continue;
        };
        for file in files.flatten() {
            let rest = file.file_name();
            let Ok(id) = Oid::from_str(&format!("{prefix}{}", rest.to_string_lossy())) else {
                continue;
            };
            if let Err(Damage::Truncated(kind, problem)) = inflate(&file.path()) {
                match kind {
                    Some(ObjectType::Blob) => {
                        damaged.blobs.insert(id, problem);
                    }
                    other => anyhow::bail!(
                        "{}: damaged loose object {id} ({}): {problem}; libgit2 cannot read it safely, so the git scan stops (`git fsck` lists the damage)",
                        repo.path().display(),
                        other.map_or("type unreadable", |k| k.str())
                    ),
                }
            }
        }
    }
    Ok(())
}

#[derive(Debug, PartialEq)]
enum Damage {
    /// The stream ends before zlib's end marker: what makes libgit2 loop. With the object's
    /// type when the header was complete.
    Truncated(Option<ObjectType>, String),
    /// Anything else: libgit2 reports these itself.
    Other(String),
}

/// Inflate one loose object to its end without keeping it.
fn inflate(path: &Path) -> Result<(), Damage> {
    let other = |m: String| Damage::Other(m);
    let mut file = std::fs::File::open(path).map_err(|e| other(format!("cannot open: {e}")))?;
    let mut z = Decompress::new(true);
    let mut input = vec![0u8; 64 << 10];
    let mut output = vec![0u8; 64 << 10];
    let mut header: Vec<u8> = Vec::new();
    let mut kind: Option<ObjectType> = None;
    let mut declared: Option<u64> = None;
    let mut inflated: u64 = 0;
    let (mut start, mut end) = (0usize, 0usize);
    let mut eof = false;
    loop {
        if start == end && !eof {
            end = file
                .read(&mut input)
                .map_err(|e| other(format!("cannot read: {e}")))?;
            start = 0;
            eof = end == 0;
        }
        let (before_in, before_out) = (z.total_in(), z.total_out());
        let status = z
            .decompress(&input[start..end], &mut output, FlushDecompress::None)
            .map_err(|e| other(format!("corrupt zlib stream: {e}")))?;
        start += (z.total_in() - before_in) as usize;
        let produced = (z.total_out() - before_out) as usize;
        let mut chunk = &output[..produced];
        if declared.is_none() {
            let take = chunk.len().min(64usize.saturating_sub(header.len()));
            header.extend_from_slice(&chunk[..take]);
            if let Some(nul) = header.iter().position(|&b| b == 0) {
                let text = String::from_utf8_lossy(&header[..nul]).into_owned();
                let (t, size) = text
                    .split_once(' ')
                    .ok_or_else(|| other("malformed header".into()))?;
                kind = ObjectType::from_str(t);
                declared = Some(size.parse().map_err(|_| other("malformed header".into()))?);
                let consumed_here = nul + 1 - (header.len() - take);
                chunk = &chunk[consumed_here..];
            } else if header.len() >= 64 {
                return Err(other("malformed header".into()));
            } else {
                chunk = &[];
            }
        }
        inflated += chunk.len() as u64;
        match status {
            Status::StreamEnd => {
                return match declared {
                    Some(d) if d == inflated => Ok(()),
                    Some(d) => Err(other(format!("{inflated} bytes where the header says {d}"))),
                    None => Err(other("no header".into())),
                };
            }
            _ if produced == 0 && start == end && eof => {
                return Err(Damage::Truncated(kind, "truncated zlib stream".into()));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn deflate(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn whole_truncated_and_garbled_objects() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("o");
        let mut body = b"blob 100000\0".to_vec();
        body.extend((0..100_000u32).map(|i| (i * 7 % 251) as u8));
        let z = deflate(&body);
        std::fs::write(&p, &z).unwrap();
        assert_eq!(inflate(&p), Ok(()));
        std::fs::write(&p, &z[..z.len() / 2]).unwrap();
        assert!(
            matches!(
                inflate(&p),
                Err(Damage::Truncated(Some(ObjectType::Blob), _))
            ),
            "{:?}",
            inflate(&p)
        );
        // Cut inside the header: type unknown.
        std::fs::write(&p, &z[..3]).unwrap();
        assert!(matches!(inflate(&p), Err(Damage::Truncated(None, _))));
        let mut g = z.clone();
        for b in &mut g[20..40] {
            *b ^= 0xff;
        }
        std::fs::write(&p, &g).unwrap();
        assert!(matches!(inflate(&p), Err(Damage::Other(_))));
        std::fs::write(&p, deflate(b"tree 5\0abc")).unwrap();
        assert!(
            matches!(inflate(&p), Err(Damage::Other(_))),
            "length mismatch"
        );
        std::fs::write(&p, b"").unwrap();
        assert!(matches!(inflate(&p), Err(Damage::Truncated(None, _))));
    }
}
