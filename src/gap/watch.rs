//! What the scan must notice for the gap beyond findings: whether the files claims name exist,
//! and whether control path globs match any scanned file. Memory is bounded by the ledger, not
//! by the size of the scan.

use super::path_matches;
use crate::claims::Ledger;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

pub struct Watch {
    exact: HashSet<String>,
    /// Loose claim paths, and every suffix of them at a `/` boundary → the claim paths.
    loose: HashSet<String>,
    loose_suffixes: HashMap<String, Vec<String>>,
    seen: Mutex<HashSet<String>>,
    globs: GlobSet,
    glob_names: Vec<String>,
    glob_hits: Vec<AtomicBool>,
}

impl Watch {
    pub fn new(ledger: &Ledger) -> anyhow::Result<Watch> {
        let mut exact = HashSet::new();
        let mut loose = HashSet::new();
        let mut loose_suffixes: HashMap<String, Vec<String>> = HashMap::new();
        for c in &ledger.secrets {
            let Some(p) = &c.selector.path else { continue };
            if c.selector.loose_path {
                if loose.insert(p.clone()) {
                    for (i, _) in p.match_indices('/') {
                        loose_suffixes
                            .entry(p[i + 1..].to_string())
                            .or_default()
                            .push(p.clone());
                    }
                }
            } else {
                exact.insert(p.clone());
            }
        }
        let mut b = GlobSetBuilder::new();
        let mut glob_names = Vec::new();
        for c in &ledger.controls {
            for g in &c.scope.paths {
                if !glob_names.contains(g) {
                    b.add(
                        Glob::new(g)
                            .map_err(|e| anyhow::anyhow!("{}: path glob {g:?}: {e}", c.origin))?,
                    );
                    glob_names.push(g.clone());
                }
            }
        }
        let glob_hits = glob_names.iter().map(|_| AtomicBool::new(false)).collect();
        Ok(Watch {
            exact,
            loose,
            loose_suffixes,
            seen: Mutex::new(HashSet::new()),
            globs: b.build()?,
            glob_names,
            glob_hits,
        })
    }

    /// Note one scanned path (called from many threads).
    pub fn observe(&self, path: &str) {
        let mut hit: Vec<String> = Vec::new();
        if self.exact.contains(path) {
            hit.push(path.to_string());
        }
        if !self.loose.is_empty() {
            // Claim paths that are a suffix of this path…
            let mut rest = path;
            loop {
                if self.loose.contains(rest) {
                    hit.push(rest.to_string());
                }
                match rest.find('/') {
                    Some(i) => rest = &rest[i + 1..],
                    None => break,
                }
            }
            // …and claim paths this path is a suffix of (tools that wrote absolute paths).
            if let Some(longer) = self.loose_suffixes.get(path) {
                hit.extend(
                    longer
                        .iter()
                        .filter(|c| path_matches(c, true, path))
                        .cloned(),
                );
            }
        }
        if !hit.is_empty() {
            self.seen
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(hit);
        }
        if !self.glob_names.is_empty() {
            for i in self.globs.matches(path) {
                self.glob_hits[i].store(true, Ordering::Relaxed);
            }
        }
    }

    /// Claim paths that named a scanned file.
    pub fn seen_paths(&self) -> HashSet<String> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Control globs that matched at least one scanned file.
    pub fn glob_hits(&self) -> HashSet<String> {
        self.glob_names
            .iter()
            .zip(&self.glob_hits)
            .filter(|(_, h)| h.load(Ordering::Relaxed))
            .map(|(g, _)| g.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::ledger::parse;

    #[test]
    fn notices_claim_paths_and_globs() {
        let mut l = parse(
            "l.yaml",
            "version: 1\nsecrets:\n  - path: a/b.env\n    status: open\ncontrols:\n  - id: c\n    claim: x\n    paths: [\"infra/**\", \"nowhere/**\"]\n    expect: none\n",
        )
        .unwrap();
        let mut imported = l.secrets[0].clone();
        imported.selector.path = Some("home/ci/repo/src/x.py".into());
        imported.selector.loose_path = true;
        l.secrets.push(imported);
        let w = Watch::new(&l).unwrap();
        for p in ["a/b.env", "src/x.py", "infra/iam/p.json", "other"] {
            w.observe(p);
        }
        let seen = w.seen_paths();
        assert!(seen.contains("a/b.env"));
        assert!(seen.contains("home/ci/repo/src/x.py"));
        assert_eq!(seen.len(), 2);
        let hits = w.glob_hits();
        assert!(hits.contains("infra/**"));
        assert!(!hits.contains("nowhere/**"));
    }
}
