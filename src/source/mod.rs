//! Sources produce content to scan: the working tree (here), git history, staged changes and
//! commit ranges (`git`). A source never interprets content; it hands bytes plus a display path
//! to a [`ContentScanner`] and accounts for everything it could not scan.

pub mod fs;
pub mod git;

use crate::findings::Finding;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// Why a file (or blob) was not scanned, or not scanned completely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Content with NUL bytes that is not UTF-16 text.
    Binary,
    /// Larger than the size limit.
    TooLarge,
    /// Permission denied or another read error.
    Unreadable,
    /// FIFO, socket, device: reading could block or never end.
    NotRegularFile,
    /// Symbolic links are not followed (a loop or a link out of the tree would escape the scan).
    Symlink,
    /// The walk itself failed at this path (e.g. an unreadable directory).
    WalkError,
    /// A structured file (YAML, JSON, HCL…) that could not be parsed; secrets were still scanned.
    ParseError,
    /// The scanner hit an internal error on this file; reported, never silent.
    InternalError,
    /// A git object that is missing or corrupt.
    MissingObject,
    /// A git submodule: not followed.
    Submodule,
    /// The per-file time budget ran out: the file was scanned only in part (the findings up to
    /// then are reported).
    Timeout,
    /// More findings in one file than `--max-findings-per-file`: the first are reported, the
    /// rest counted.
    FindingLimit,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too_large",
            SkipReason::Unreadable => "unreadable",
            SkipReason::NotRegularFile => "not_regular_file",
            SkipReason::Symlink => "symlink",
            SkipReason::WalkError => "walk_error",
            SkipReason::ParseError => "parse_error",
            SkipReason::InternalError => "internal_error",
            SkipReason::MissingObject => "missing_object",
            SkipReason::Submodule => "submodule",
            SkipReason::Timeout => "timeout",
            SkipReason::FindingLimit => "finding_limit",
        }
    }

    /// Skips that mean part of the input may hold unseen findings worth a warning. A file over
    /// the size limit is one: padding a file past the limit must not hide a secret quietly.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            SkipReason::TooLarge
                | SkipReason::Unreadable
                | SkipReason::WalkError
                | SkipReason::ParseError
                | SkipReason::InternalError
                | SkipReason::MissingObject
                | SkipReason::Timeout
                | SkipReason::FindingLimit
        )
    }
}

/// One skipped item, named so a user can act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: SkipReason,
    pub detail: String,
}

/// At most this many skipped items are kept with details; all are counted.
pub const MAX_SKIP_DETAILS: usize = 1000;

/// Counters shared by the threads of one scan.
#[derive(Debug, Default)]
pub struct ScanStats {
    pub files_scanned: AtomicU64,
    pub bytes_scanned: AtomicU64,
    skipped_counts: Mutex<BTreeMap<SkipReason, u64>>,
    skipped: Mutex<Vec<Skipped>>,
    warnings: Mutex<Vec<String>>,
}

impl ScanStats {
    pub fn scanned(&self, bytes: usize) {
        self.files_scanned.fetch_add(1, Ordering::Relaxed);
        self.bytes_scanned
            .fetch_add(bytes as u64, Ordering::Relaxed);
    }

    pub fn skip(&self, path: &str, reason: SkipReason, detail: impl Into<String>) {
        *self
            .skipped_counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(reason)
            .or_insert(0) += 1;
        let mut list = self.skipped.lock().unwrap_or_else(|e| e.into_inner());
        if list.len() < MAX_SKIP_DETAILS {
            list.push(Skipped {
                path: path.to_string(),
                reason,
                detail: detail.into(),
            });
        }
    }

    /// A scan-level warning (e.g. "history is partial: shallow clone").
    pub fn warn(&self, message: impl Into<String>) {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message.into());
    }

    pub fn snapshot(&self) -> Summary {
        let mut skipped = self
            .skipped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        skipped.sort_by(|a, b| a.path.cmp(&b.path).then(a.reason.cmp(&b.reason)));
        let counts = self
            .skipped_counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), *v))
            .collect();
        Summary {
            files_scanned: self.files_scanned.load(Ordering::Relaxed),
            bytes_scanned: self.bytes_scanned.load(Ordering::Relaxed),
            skipped: counts,
            skipped_files: skipped,
            warnings: self
                .warnings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            hidden_test_findings: 0,
            baselined_findings: 0,
        }
    }
}

/// What a scan saw, for the report's summary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Skip reason → count.
    pub skipped: BTreeMap<String, u64>,
    /// The first skipped items, with reasons.
    pub skipped_files: Vec<Skipped>,
    pub warnings: Vec<String>,
    /// Findings in test, fixture and example paths left out of the report (`--include-tests`
    /// shows them).
    pub hidden_test_findings: u64,
    /// Findings left out because `--baseline` holds their fingerprint.
    pub baselined_findings: u64,
}

impl Summary {
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// Turns one file's content into findings. Implemented by the app over the secret engine and
/// the grant checks; sources call it from many threads.
pub trait ContentScanner: Sync {
    /// `path` is the display path (relative, `/`-separated). Problems that do not stop the scan
    /// (e.g. a YAML syntax error) are reported through `stats`.
    fn scan_content(&self, path: &str, bytes: &[u8], stats: &ScanStats) -> Vec<Finding>;

    /// Scan a new version of a file whose previous version was already scanned, where only
    /// `changed` (a byte range of whole lines, after `lines_before` lines) differs. Detectors of
    /// single matches may look at that part alone; those that need the whole document (grant
    /// checks parse it) get all of it. The default scans everything.
    fn scan_changed(
        &self,
        path: &str,
        bytes: &[u8],
        changed: std::ops::Range<usize>,
        lines_before: u32,
        stats: &ScanStats,
    ) -> Vec<Finding> {
        let _ = (changed, lines_before);
        self.scan_content(path, bytes, stats)
    }
}

/// Move findings made on a part of a file that starts after `lines` lines to the file's lines.
pub fn shift_lines(findings: &mut [Finding], lines: u32) {
    for f in findings {
        f.location.line = f.location.line.saturating_add(lines);
        f.location.end_line = f.location.end_line.saturating_add(lines);
    }
}

/// Collects findings from many threads.
#[derive(Default)]
pub struct FindingSink {
    findings: Mutex<Vec<Finding>>,
}

impl FindingSink {
    pub fn extend(&self, found: Vec<Finding>) {
        if !found.is_empty() {
            self.findings
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(found);
        }
    }

    pub fn into_sorted(self) -> Vec<Finding> {
        let mut v = self
            .findings
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        v.sort_by(|a, b| a.order(b));
        v
    }
}

/// How content is classified before scanning.
pub enum Content<'a> {
    /// Bytes to scan as they are.
    Text(&'a [u8]),
    /// UTF-16 text transcoded to UTF-8.
    Transcoded(Vec<u8>),
    /// Binary content. `header` is the text before the first NUL byte: a script with an
    /// appended archive (self-extracting installers) keeps its credentials there.
    Binary { header: &'a [u8] },
}

/// Binary detection: a NUL byte in the first 8 KiB, unless the content is UTF-16 (Windows tools
/// write config files that way, with or without a byte-order mark; they are transcoded and
/// scanned).
pub fn classify(bytes: &[u8]) -> Content<'_> {
    let head = &bytes[..bytes.len().min(8192)];
    let Some(first_nul) = memchr::memchr(0, head) else {
        return Content::Text(bytes);
    };
    let (le, skip) = if bytes.starts_with(&[0xFF, 0xFE]) {
        (true, 2)
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        (false, 2)
    } else {
        match utf16_without_bom(head) {
            Some(le) => (le, 0),
            None => {
                return Content::Binary {
                    header: &bytes[..first_nul],
                }
            }
        }
    };
    let units = bytes[skip..].chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    let text: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    Content::Transcoded(text.into_bytes())
}

/// UTF-16 text without a byte-order mark, mostly ASCII (as config and scripts are): the high
/// byte of nearly every code unit is zero and the low byte nearly never is. Returns whether it
/// is little-endian.
fn utf16_without_bom(head: &[u8]) -> Option<bool> {
    let pairs = head.len() / 2;
    if pairs < 8 {
        return None;
    }
    let (mut even_nul, mut odd_nul) = (0usize, 0usize);
    for c in head.chunks_exact(2) {
        even_nul += usize::from(c[0] == 0);
        odd_nul += usize::from(c[1] == 0);
    }
    let most = pairs * 9 / 10;
    let few = pairs / 10;
    if odd_nul >= most && even_nul <= few {
        Some(true)
    } else if even_nul >= most && odd_nul <= few {
        Some(false)
    } else {
        None
    }
}

/// Scan one item of content with a panic backstop: a bug on one file is reported as an error
/// for that file and the scan goes on.
pub fn scan_guarded(
    scanner: &dyn ContentScanner,
    path: &str,
    bytes: &[u8],
    stats: &ScanStats,
) -> Vec<Finding> {
    let run = || match classify(bytes) {
        Content::Text(b) => {
            stats.scanned(b.len());
            scanner.scan_content(path, b, stats)
        }
        Content::Transcoded(b) => {
            stats.scanned(bytes.len());
            scanner.scan_content(path, &b, stats)
        }
        Content::Binary { header } => {
            let detail = if header.is_empty() {
                "binary content".to_string()
            } else {
                format!(
                    "binary content: only the {} bytes of text before the first NUL byte were scanned",
                    header.len()
                )
            };
            stats.skip(path, SkipReason::Binary, detail);
            if header.is_empty() {
                Vec::new()
            } else {
                scanner.scan_content(path, header, stats)
            }
        }
    };
    guarded(path, stats, run)
}

/// [`scan_guarded`] for a changed part of a text file ([`ContentScanner::scan_changed`]); the
/// caller has classified the content as text. `bytes_scanned` counts the changed part.
pub fn scan_changed_guarded(
    scanner: &dyn ContentScanner,
    path: &str,
    bytes: &[u8],
    changed: std::ops::Range<usize>,
    lines_before: u32,
    stats: &ScanStats,
) -> Vec<Finding> {
    guarded(path, stats, || {
        stats.scanned(changed.len());
        scanner.scan_changed(path, bytes, changed, lines_before, stats)
    })
}

fn guarded(path: &str, stats: &ScanStats, run: impl FnOnce() -> Vec<Finding>) -> Vec<Finding> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(f) => f,
        Err(e) => {
            let msg = e
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| e.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            stats.skip(
                path,
                SkipReason::InternalError,
                format!("internal error while scanning: {msg}"),
            );
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_binary_text_and_utf16() {
        assert!(matches!(classify(b"hello"), Content::Text(_)));
        assert!(matches!(
            classify(b"ab\0cd"),
            Content::Binary { header: b"ab" }
        ));
        assert!(matches!(classify(b"\0ab"), Content::Binary { header: b"" }));
        for (bom, le) in [
            (&b""[..], true),
            (&b""[..], false),
            (&[0xFE, 0xFF][..], false),
        ] {
            let mut utf16 = bom.to_vec();
            for u in "password = hunter2 # no BOM".encode_utf16() {
                utf16.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            match classify(&utf16) {
                Content::Transcoded(t) => assert_eq!(t, b"password = hunter2 # no BOM"),
                _ => panic!("expected transcoding (le={le})"),
            }
        }
        // Mostly NUL, but not in a UTF-16 pattern: binary.
        assert!(matches!(classify(&[0u8; 64]), Content::Binary { .. }));
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "key=v".encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        match classify(&utf16) {
            Content::Transcoded(t) => assert_eq!(t, b"key=v"),
            _ => panic!("expected transcoding"),
        }
    }

    #[test]
    fn panics_become_internal_errors() {
        struct Boom;
        impl ContentScanner for Boom {
            fn scan_content(&self, _: &str, _: &[u8], _: &ScanStats) -> Vec<Finding> {
                panic!("boom")
            }
        }
        let stats = ScanStats::default();
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let out = scan_guarded(&Boom, "x", b"data", &stats);
        std::panic::set_hook(prev);
        assert!(out.is_empty());
        let s = stats.snapshot();
        assert_eq!(s.skipped.get("internal_error"), Some(&1));
        assert!(s.skipped_files[0].detail.contains("boom"));
    }
}
