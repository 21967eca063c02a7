//! The working-tree source: a parallel, gitignore-aware walk that includes hidden files
//! (`.env`, `.npmrc`, `.github/`) but never enters `.git/`.

use super::{scan_guarded, ContentScanner, FindingSink, ScanStats, SkipReason};
use crate::findings::Finding;
use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Options of a working-tree walk.
#[derive(Debug, Clone)]
pub struct WalkOptions {
    pub roots: Vec<PathBuf>,
    /// Gitignore-style globs to leave out (config `scan.exclude`, `--exclude`).
    pub exclude: Vec<String>,
    pub max_file_size: u64,
    /// 0 = one per core.
    pub threads: usize,
    /// Honour .gitignore / .ignore / .ferretignore files.
    pub respect_ignore_files: bool,
}

/// What walked paths are shown relative to: the root when it is the only one and a directory.
/// Worked out once per scan, since asking is a `stat` call.
pub fn display_base(roots: &[PathBuf]) -> Option<&Path> {
    match roots {
        [only] if only.is_dir() => Some(only),
        _ => None,
    }
}

/// How a walked path is shown in reports: relative to `base` (see [`display_base`]), otherwise
/// as given; always `/`-separated and without a leading `./`.
pub fn display_path(base: Option<&Path>, path: &Path) -> String {
    let rel = base.and_then(|b| path.strip_prefix(b).ok()).unwrap_or(path);
    normalise(rel)
}

pub fn normalise(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let mut rest = s.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r;
    }
    if rest.len() == s.len() {
        s
    } else {
        rest.to_string()
    }
}

/// Walk the roots in parallel and scan every regular text file.
pub fn scan_tree(
    opts: &WalkOptions,
    scanner: &dyn ContentScanner,
    stats: &ScanStats,
    progress: &(dyn Fn() + Sync),
) -> anyhow::Result<Vec<Finding>> {
    let first = opts
        .roots
        .first()
        .ok_or_else(|| anyhow::anyhow!("no path to scan"))?;
    for r in &opts.roots {
        if std::fs::symlink_metadata(r).is_err() {
            anyhow::bail!("{}: no such file or directory", r.display());
        }
    }
    // Files named on the command line (e.g. by a pre-commit hook) bypass the walker's ignore
    // rules, so the exclude globs are applied to them here, against their path as shown.
    let excluded_files = explicit_file_excludes(&opts.exclude)?;
    let roots: Vec<&PathBuf> = opts
        .roots
        .iter()
        .filter(|r| {
            !(r.is_file()
                && excluded_files
                    .matched_path_or_any_parents(normalise(r), false)
                    .is_ignore())
        })
        .collect();
    let Some((walk_first, rest)) = roots.split_first() else {
        return Ok(Vec::new());
    };
    let mut builder = WalkBuilder::new(walk_first);
    for r in rest {
        builder.add(r);
    }
    builder
        .hidden(false)
        .follow_links(false)
        .git_ignore(opts.respect_ignore_files)
        .git_global(false)
        .git_exclude(opts.respect_ignore_files)
        .ignore(opts.respect_ignore_files)
        .parents(opts.respect_ignore_files)
        // .gitignore applies even outside a git repository (e.g. an exported tarball).
        .require_git(false)
        .threads(opts.threads)
        .filter_entry(|e| e.file_name() != ".git");
    if opts.respect_ignore_files {
        builder.add_custom_ignore_filename(".ferretignore");
    }
    if !opts.exclude.is_empty() {
        let base = if first.is_dir() {
            first.clone()
        } else {
            first.parent().map(Path::to_path_buf).unwrap_or_default()
        };
        let mut ob = OverrideBuilder::new(base);
        for g in &opts.exclude {
            ob.add(&format!("!{g}"))
                .map_err(|e| anyhow::anyhow!("exclude pattern {g:?}: {e}"))?;
        }
        builder.overrides(ob.build()?);
    }
    let sink = FindingSink::default();
    let base = display_base(&opts.roots);
    builder.build_parallel().run(|| {
        Box::new(|entry| {
            match entry {
                Ok(entry) => {
                    let path = entry.path();
                    let shown = display_path(base, path);
                    let Some(ft) = entry.file_type() else {
                        return WalkState::Continue;
                    };
                    if ft.is_dir() {
                        return WalkState::Continue;
                    }
                    if ft.is_symlink() {
                        stats.skip(&shown, SkipReason::Symlink, "symbolic link not followed");
                        return WalkState::Continue;
                    }
                    if !ft.is_file() {
                        stats.skip(
                            &shown,
                            SkipReason::NotRegularFile,
                            "not a regular file (FIFO, socket or device)",
                        );
                        return WalkState::Continue;
                    }
                    READ_BUFFER.with(|cell| {
                        let mut buf = cell.borrow_mut();
                        if read_bounded(path, &shown, opts.max_file_size, stats, &mut buf) {
                            sink.extend(scan_guarded(scanner, &shown, &buf, stats));
                        }
                        if buf.capacity() > KEEP_READ_BUFFER {
                            *buf = Vec::new();
                        }
                    });
                    progress();
                }
                Err(err) => {
                    let (path, detail) = describe_walk_error(&err);
                    let shown = path.map(|p| display_path(base, &p)).unwrap_or_default();
                    stats.skip(&shown, SkipReason::WalkError, detail);
                }
            }
            WalkState::Continue
        })
    });
    Ok(sink.into_sorted())
}

/// The exclude globs as gitignore rules relative to the current directory, for explicit files.
fn explicit_file_excludes(exclude: &[String]) -> anyhow::Result<ignore::gitignore::Gitignore> {
    let mut b = ignore::gitignore::GitignoreBuilder::new("");
    for g in exclude {
        b.add_line(None, g)
            .map_err(|e| anyhow::anyhow!("exclude pattern {g:?}: {e}"))?;
    }
    Ok(b.build()?)
}

thread_local! {
    /// Each walker thread reads every file into the same buffer: no allocation, and no fresh
    /// pages to fault in, per file.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A read buffer grown past this by a large file is released rather than kept.
const KEEP_READ_BUFFER: usize = 16 << 20;

/// Room a read buffer has at least: files up to this size are read without asking their size.
const MIN_READ_BUFFER: usize = 64 << 10;

/// Read a file into `buf`, refusing files above `max` bytes (on their size, and again while
/// reading, since a file can grow). False when the file was not read.
///
/// Most files fit the room the buffer kept from earlier files, so they are read straight away:
/// asking every file's size first was a system call per file, as many as the reads. A file
/// that fills that room is sized (one `fstat`), refused if over `max`, or read to its end.
fn read_bounded(path: &Path, shown: &str, max: u64, stats: &ScanStats, buf: &mut Vec<u8>) -> bool {
    buf.clear();
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            stats.skip(shown, SkipReason::Unreadable, format!("cannot open: {e}"));
            return false;
        }
    };
    let unreadable = |e: std::io::Error| {
        stats.skip(shown, SkipReason::Unreadable, format!("cannot read: {e}"));
        false
    };
    buf.reserve(MIN_READ_BUFFER);
    let first = (buf.capacity() as u64).min(max.saturating_add(1));
    if let Err(e) = (&mut file).take(first).read_to_end(buf) {
        return unreadable(e);
    }
    if (buf.len() as u64) < first {
        return true;
    }
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > max {
        stats.skip(
            shown,
            SkipReason::TooLarge,
            format!("{len} bytes is over the {max}-byte limit (--max-file-size)"),
        );
        return false;
    }
    buf.reserve((len as usize).saturating_sub(buf.len()));
    let rest = max.saturating_add(1).saturating_sub(buf.len() as u64);
    match file.take(rest).read_to_end(buf) {
        Ok(_) if buf.len() as u64 > max => {
            stats.skip(
                shown,
                SkipReason::TooLarge,
                format!("grew over the {max}-byte limit while being read"),
            );
            false
        }
        Ok(_) => true,
        Err(e) => unreadable(e),
    }
}

fn describe_walk_error(err: &ignore::Error) -> (Option<PathBuf>, String) {
    match err {
        ignore::Error::WithPath { path, err } => (Some(path.clone()), err.to_string()),
        ignore::Error::WithDepth { err, .. } => describe_walk_error(err),
        ignore::Error::WithLineNumber { err, .. } => describe_walk_error(err),
        ignore::Error::Loop { child, ancestor } => (
            Some(child.clone()),
            format!("symbolic link loop back to {}", ancestor.display()),
        ),
        other => (None, other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_files_honour_excludes() {
        let g = explicit_file_excludes(&["fixtures/**".into(), "*.pem".into()]).unwrap();
        assert!(g
            .matched_path_or_any_parents("fixtures/a/x.env", false)
            .is_ignore());
        assert!(g
            .matched_path_or_any_parents("src/k.pem", false)
            .is_ignore());
        assert!(!g
            .matched_path_or_any_parents("src/x.env", false)
            .is_ignore());
    }

    #[test]
    fn display_paths_are_relative_and_slashed() {
        let dir = tempfile::tempdir().unwrap();
        let roots = vec![dir.path().to_path_buf()];
        let p = dir.path().join("a").join("b.txt");
        assert_eq!(display_base(&roots), Some(dir.path()));
        assert_eq!(display_path(display_base(&roots), &p), "a/b.txt");
        assert_eq!(normalise(Path::new("./x/./y")), "x/./y");
        assert_eq!(normalise(Path::new(".\\x\\y")), "x/y");
        assert_eq!(normalise(Path::new("x/y")), "x/y");
        // A single file root, or several roots, are shown as given.
        let file_roots = [PathBuf::from("f.env")];
        assert_eq!(display_base(&file_roots), None);
        assert_eq!(display_path(None, Path::new("./f.env")), "f.env");
        let two = [dir.path().to_path_buf(), dir.path().join("a")];
        assert_eq!(display_base(&two), None);
    }

    #[test]
    fn reads_whole_files_and_refuses_ones_over_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let read = |len: usize, max: u64, buf: &mut Vec<u8>| {
            let path = dir.path().join(format!("f{len}"));
            let content: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            std::fs::write(&path, &content).unwrap();
            let stats = ScanStats::default();
            let ok = read_bounded(&path, "f", max, &stats, buf);
            assert!(!ok || *buf == content, "{len} bytes read wrongly");
            (ok, stats.snapshot().skipped_files)
        };
        let mut buf = Vec::new();
        // Around the size read without asking, and around the limit, with a fresh buffer
        // and with one grown by an earlier file.
        for fresh in [true, false] {
            for len in [
                0,
                1,
                MIN_READ_BUFFER - 1,
                MIN_READ_BUFFER,
                MIN_READ_BUFFER + 1,
                3 * MIN_READ_BUFFER,
            ] {
                if fresh {
                    buf = Vec::new();
                }
                assert!(read(len, 10 << 20, &mut buf).0, "{len} bytes");
                let max = len as u64;
                assert!(
                    read(len, max, &mut buf).0,
                    "{len} bytes at a limit of as many"
                );
                if len > 0 {
                    let (ok, skipped) = read(len, max - 1, &mut buf);
                    assert!(!ok, "{len} bytes over a limit of one less");
                    assert_eq!(skipped[0].reason, SkipReason::TooLarge);
                    assert_eq!(
                        skipped[0].detail,
                        format!(
                            "{len} bytes is over the {}-byte limit (--max-file-size)",
                            max - 1
                        )
                    );
                }
            }
        }
        let stats = ScanStats::default();
        assert!(!read_bounded(
            &dir.path().join("none"),
            "none",
            10,
            &stats,
            &mut buf
        ));
        assert_eq!(
            stats.snapshot().skipped_files[0].reason,
            SkipReason::Unreadable
        );
    }
}
