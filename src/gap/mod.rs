//! The expectations gap: every claim of a programme held against the findings, each given a
//! verdict with the evidence for it, the figures the programme reported set beside the measured
//! ones, and the exposure no claim mentions.
//!
//! Works from findings and a [`Ledger`] alone; [`watch::Watch`] records the two facts about the
//! scan that findings cannot carry (which claimed files exist, which control globs matched).

pub mod inventory;
pub mod watch;

use crate::claims::{
    Control, ControlTest, Day, Figure, IdentityStatus, InventoryEntry, Ledger, LedgerSource,
    Origin, SecretClaim, SourceKind, Status,
};
use crate::findings::{Confidence, Finding, Kind, Severity};
use inventory::{at_head, Inventory, Nhi};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// The four verdicts, in the order a reader should see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The evidence is against the claim.
    Contradicted,
    /// Nothing available here can check the claim (the reason says why).
    Unverifiable,
    /// The claim names nothing that exists.
    Stale,
    /// The evidence supports the claim.
    Holds,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Contradicted,
        Verdict::Unverifiable,
        Verdict::Stale,
        Verdict::Holds,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Contradicted => "contradicted",
            Verdict::Unverifiable => "unverifiable",
            Verdict::Stale => "stale",
            Verdict::Holds => "holds",
        }
    }
}

/// Which part of the ledger a claim belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Reported,
    Control,
    Inventory,
    Secret,
}

/// Facts about the scan that findings do not carry.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Findings carry git provenance (a `--history` scan).
    pub history: bool,
    /// What was scanned, in words ("working tree", "git history").
    pub scope: String,
    /// Every rule and check id the scan could have reported, with what it finds.
    pub known_rules: BTreeMap<String, Kind>,
    /// Claim paths that named a scanned file ([`watch::Watch::seen_paths`]).
    pub seen_paths: HashSet<String>,
    /// Control globs that matched a scanned file ([`watch::Watch::glob_hits`]).
    pub glob_hits: HashSet<String>,
    /// Suppression comments that cover nothing ferret found, per tool.
    pub inline_other: BTreeMap<String, u64>,
}

/// A finding cited as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub fingerprint: String,
    pub rule_id: String,
    pub kind: Kind,
    pub severity: Severity,
    pub confidence: Confidence,
    pub title: String,
    pub path: String,
    pub line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Still present at HEAD (always true in a working-tree scan).
    pub at_head: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_days: Option<u32>,
    /// Why this finding matters to the claim, when more than its presence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Evidence {
    pub fn of(f: &Finding) -> Evidence {
        let p = f.provenance.as_ref();
        Evidence {
            fingerprint: f.fingerprint.clone(),
            rule_id: f.rule_id.clone(),
            kind: f.kind,
            severity: f.severity,
            confidence: f.confidence,
            title: f.title.clone(),
            path: f.location.path.clone(),
            line: f.location.line,
            identity: f.identity.clone(),
            at_head: at_head(f),
            commit: p.map(|p| p.commit.clone()).filter(|c| !c.is_empty()),
            date: p.map(|p| p.date.clone()).filter(|d| !d.is_empty()),
            removed_in: p.and_then(|p| p.removed_in.clone()),
            lifetime_days: p.map(|p| p.lifetime_days),
            note: None,
        }
    }

    fn with_note(mut self, note: impl Into<String>) -> Evidence {
        self.note = Some(note.into());
        self
    }

    /// `path:line`.
    pub fn place(&self) -> String {
        format!("{}:{}", self.path, self.line)
    }
}

/// One claim and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimResult {
    /// A stable reference within the report (`reported.open_secrets`, `controls.no-admin`,
    /// `inventory[2]`, `secrets[4]`, or the claim's own `id`).
    pub id: String,
    pub section: Section,
    pub origin: Origin,
    /// The claim, in words.
    pub statement: String,
    pub verdict: Verdict,
    /// A person should look at this even though the evidence cannot settle it (e.g. a
    /// high-confidence secret claimed to be a false positive).
    pub review: bool,
    /// What the evidence shows, in plain words.
    pub outcome: String,
    /// The gap rule behind a contradiction or review (`gap/…`), as in SARIF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Identities cited as evidence (inventory and control claims).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<String>,
    /// OWASP NHI Top 10 and NIST CSF 2.0 ids.
    pub tags: Vec<&'static str>,
}

/// The unit of a headline figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Count,
    Days,
    Percent,
}

/// One row of the headline table: an outcome, measured, beside what was reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    pub figure: Figure,
    /// The outcome in plain words.
    pub label: &'static str,
    pub unit: Unit,
    /// `None` when this scan cannot measure it (see `unmeasured`).
    pub measured: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmeasured: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reported: Option<f64>,
    /// The verdict on the reported figure, when one was reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    pub tags: Vec<&'static str>,
    /// The secrets (fingerprints) behind the number.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fingerprints: Vec<String>,
    /// The identities behind the number.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<String>,
    /// Where they are (`path:line`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
}

/// Identities found against identities known.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coverage {
    pub found: usize,
    pub known: usize,
    pub percent: Option<f64>,
}

/// An identity the inventory does not list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownIdentity {
    pub identity: String,
    pub kind: String,
    pub privileged: bool,
    pub at_head: bool,
    /// `path:line`, first few.
    pub locations: Vec<String>,
}

/// Exposure no claim mentions: the visibility gap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unclaimed {
    pub findings: Vec<Evidence>,
    pub identities: Vec<UnknownIdentity>,
    pub coverage: Coverage,
}

/// Claim counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counts {
    pub claims: usize,
    pub by_verdict: BTreeMap<&'static str, usize>,
    pub review: usize,
    pub unclaimed_findings: usize,
    pub unknown_identities: usize,
}

/// The whole gap.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Day>,
    pub scope: String,
    pub history: bool,
    pub sources: Vec<LedgerSource>,
    pub headline: Vec<Metric>,
    pub claims: Vec<ClaimResult>,
    pub unclaimed: Unclaimed,
    pub inventory: Inventory,
    /// Suppression comments of other tools that hide nothing ferret finds, per tool.
    pub other_suppressions: BTreeMap<String, u64>,
    pub counts: Counts,
}

impl GapReport {
    pub fn contradicted(&self) -> usize {
        self.count(Verdict::Contradicted)
    }

    pub fn count(&self, v: Verdict) -> usize {
        self.claims.iter().filter(|c| c.verdict == v).count()
    }

    pub fn review(&self) -> usize {
        self.claims.iter().filter(|c| c.review).count()
    }
}

/// Gap rules: what SARIF and JSON call each kind of contradiction or review.
pub mod rules {
    pub const ROTATED_STILL_PRESENT: &str = "gap/rotated-still-present";
    pub const ROTATED_RECOMMITTED: &str = "gap/rotated-recommitted";
    pub const REMOVED_STILL_PRESENT: &str = "gap/removed-still-present";
    pub const REMOVAL_NOT_ROTATION: &str = "gap/removal-not-rotation";
    pub const EXCEPTION_NEEDS_REVIEW: &str = "gap/exception-on-real-secret";
    pub const OFFBOARDED_STILL_PRESENT: &str = "gap/offboarded-still-present";
    pub const CONTROL_CONTRADICTED: &str = "gap/control-contradicted";
    pub const SECRET_TOO_OLD: &str = "gap/secret-lifetime-exceeded";
    pub const INVENTORY_INCOMPLETE: &str = "gap/inventory-incomplete";
    pub const OFFBOARDING_INCOMPLETE: &str = "gap/offboarding-incomplete";
    pub const UNDER_REPORTED: &str = "gap/figure-under-reported";

    /// (id, short name, what it means and what to do).
    pub const ALL: &[(&str, &str, &str)] = &[
        (ROTATED_STILL_PRESENT, "Rotated secret still in the code", "A secret claimed rotated or revoked is still present at HEAD. Either it was not rotated, or the code still carries (and may still use) the old value. Remove it from the code and confirm at the provider that the old value no longer works."),
        (ROTATED_RECOMMITTED, "Secret committed again after its rotation", "A secret claimed rotated or revoked was committed again after the rotation date, so something still depended on the old value. Check the provider's access logs for that value and rotate again."),
        (REMOVED_STILL_PRESENT, "Removed secret still in the code", "A secret claimed removed is still present at HEAD."),
        (REMOVAL_NOT_ROTATION, "Removed but never rotated", "A secret was deleted from the code but is still in git history, and nothing claims it was rotated or revoked. Anyone with a clone can read it: removal is not rotation. Rotate or revoke it at the provider."),
        (EXCEPTION_NEEDS_REVIEW, "Exception on a high-confidence secret", "A finding ferret recognises with high confidence as a real credential is claimed to be a false positive or an accepted risk (in the ledger, another tool's state, or a suppression comment). A person should confirm the exception."),
        (OFFBOARDED_STILL_PRESENT, "Offboarded identity still present", "An identity claimed offboarded is still granted privilege by configuration or still has a credential in the code."),
        (CONTROL_CONTRADICTED, "Control contradicted", "A programme control says there is nothing of a kind in scope, and the code has some."),
        (SECRET_TOO_OLD, "Secret lifetime over the claimed maximum", "A secret has been reachable in the repository (history included) for longer than the programme's claimed maximum."),
        (INVENTORY_INCOMPLETE, "Identities missing from the inventory", "The inventory is claimed complete but identities found in the code are not in it."),
        (OFFBOARDING_INCOMPLETE, "Offboarding not complete", "Offboarding is claimed complete but offboarded identities are still granted or referenced."),
        (UNDER_REPORTED, "Reported figure below the measured one", "A figure the programme reported is better than what the code shows."),
    ];
}

/// Whether a claim path names a finding path. Ledger paths match exactly; imported paths also
/// match by suffix at a `/` boundary, either way (tools write paths relative to where they ran).
pub fn path_matches(claim: &str, loose: bool, path: &str) -> bool {
    if claim == path {
        return true;
    }
    if !loose {
        return false;
    }
    let suffix = |long: &str, short: &str| {
        long.len() > short.len()
            && long.ends_with(short)
            && long.as_bytes()[long.len() - short.len() - 1] == b'/'
    };
    suffix(claim, path) || suffix(path, claim)
}

/// `*` matches any run of characters; everything else literally (rule ids, identities).
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi].eq_ignore_ascii_case(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|b| *b == b'*')
}

/// A finding whose value is its own identity (an AWS access key id) names a credential rather
/// than being one: the figures count the secret it belongs to, not the name.
fn is_identifier_only(f: &Finding) -> bool {
    match (&f.identity, &f.secret_sha256) {
        (Some(id), Some(h)) => crate::findings::sha256_hex(id.as_bytes()) == *h,
        _ => false,
    }
}

fn is_high_confidence_secret(f: &Finding) -> bool {
    f.kind == Kind::Secret && f.confidence == Confidence::High
}

/// The day a piece of content entered the history at a place.
/// Where and when a piece of content was brought into the history.
struct Introduction<'f> {
    day: Day,
    commit: &'f str,
    path: &'f str,
}

/// Every place a history finding was introduced, with the commit that brought it there.
fn introductions(f: &Finding) -> Vec<Introduction<'_>> {
    let Some(p) = &f.provenance else {
        return Vec::new();
    };
    if p.introduced.is_empty() {
        return Day::parse(&p.date)
            .map(|day| Introduction {
                day,
                commit: &p.commit,
                path: &f.location.path,
            })
            .into_iter()
            .collect();
    }
    p.introduced
        .iter()
        .filter_map(|i| {
            Day::parse(&i.date).map(|day| Introduction {
                day,
                commit: &i.commit,
                path: &i.path,
            })
        })
        .collect()
}

/// The first introduction after `d`, if any.
fn introduced_after(f: &Finding, d: Day) -> Option<Introduction<'_>> {
    introductions(f)
        .into_iter()
        .filter(|i| i.day > d)
        .min_by_key(|i| i.day)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn places(ev: &[&Finding], max: usize) -> String {
    let mut v: Vec<String> = ev
        .iter()
        .map(|f| format!("{}:{}", f.location.path, f.location.line))
        .collect();
    v.dedup();
    let more = v.len().saturating_sub(max);
    v.truncate(max);
    let mut s = v.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

fn short_commit(c: &str) -> &str {
    c.get(..10).unwrap_or(c)
}

/// Lookups from claim keys to findings.
struct Index<'f> {
    findings: &'f [Finding],
    by_fp: HashMap<&'f str, Vec<usize>>,
    by_sha256: HashMap<&'f str, Vec<usize>>,
    by_sha1: HashMap<&'f str, Vec<usize>>,
    by_identity: HashMap<String, Vec<usize>>,
    /// Every path suffix at a `/` boundary (the whole path included) → findings there.
    by_path_suffix: HashMap<&'f str, Vec<usize>>,
}

impl<'f> Index<'f> {
    fn new(findings: &'f [Finding]) -> Self {
        let mut ix = Index {
            findings,
            by_fp: HashMap::new(),
            by_sha256: HashMap::new(),
            by_sha1: HashMap::new(),
            by_identity: HashMap::new(),
            by_path_suffix: HashMap::new(),
        };
        for (i, f) in findings.iter().enumerate() {
            ix.by_fp.entry(&f.fingerprint).or_default().push(i);
            if let Some(h) = &f.secret_sha256 {
                ix.by_sha256.entry(h).or_default().push(i);
            }
            if let Some(h) = &f.secret_sha1 {
                ix.by_sha1.entry(h).or_default().push(i);
            }
            if let Some(id) = &f.identity {
                ix.by_identity
                    .entry(id.to_ascii_lowercase())
                    .or_default()
                    .push(i);
            }
            for l in std::iter::once(&f.location).chain(&f.other_locations) {
                let mut rest = l.path.as_str();
                loop {
                    let v = ix.by_path_suffix.entry(rest).or_default();
                    if v.last() != Some(&i) {
                        v.push(i);
                    }
                    match rest.find('/') {
                        Some(p) => rest = &rest[p + 1..],
                        None => break,
                    }
                }
            }
        }
        ix
    }

    /// Indices of the findings a claim names, sorted and unique.
    fn select(&self, c: &SecretClaim) -> Vec<usize> {
        let s = &c.selector;
        let mut out: Vec<usize> = Vec::new();
        let mut add = |v: Option<&Vec<usize>>| {
            if let Some(v) = v {
                out.extend(v);
            }
        };
        if let Some(fp) = &s.fingerprint {
            add(self.by_fp.get(fp.as_str()));
        }
        if let Some(h) = &s.secret_sha256 {
            add(self.by_sha256.get(h.as_str()));
        }
        if let Some(h) = &s.secret_sha1 {
            add(self.by_sha1.get(h.as_str()));
        }
        if let Some(id) = &s.identity {
            add(self.by_identity.get(&id.to_ascii_lowercase()));
        }
        if let Some(p) = &s.path {
            let mut candidates: Vec<usize> = Vec::new();
            if s.loose_path {
                // Findings whose path ends with the claim path…
                if let Some(v) = self.by_path_suffix.get(p.as_str()) {
                    candidates.extend(v);
                }
                // …and findings whose whole path is a suffix of the claim path.
                for (i, _) in p.match_indices('/') {
                    if let Some(v) = self.by_path_suffix.get(&p[i + 1..]) {
                        candidates.extend(v);
                    }
                }
            } else if let Some(v) = self.by_path_suffix.get(p.as_str()) {
                candidates.extend(v);
            }
            for i in candidates {
                let f = &self.findings[i];
                if s.rule_id.as_ref().is_some_and(|r| r != &f.rule_id) {
                    continue;
                }
                let at_place = std::iter::once(&f.location)
                    .chain(&f.other_locations)
                    .any(|l| {
                        path_matches(p, s.loose_path, &l.path)
                            && s.line.is_none_or(|n| {
                                (n..=s.end_line.unwrap_or(n).max(n)).contains(&l.line)
                            })
                    });
                if at_place {
                    out.push(i);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Reconcile claims with findings.
pub fn reconcile(ledger: &Ledger, findings: &[Finding], ctx: &Context) -> GapReport {
    let inv = inventory::build(findings);
    let ix = Index::new(findings);
    let mut covered = vec![false; findings.len()];
    let selections: Vec<Vec<usize>> = ledger.secrets.iter().map(|c| ix.select(c)).collect();
    // Fingerprints some claim says were rotated or revoked: removing those is fine.
    let mut rotated: HashSet<&str> = HashSet::new();
    for (c, sel) in ledger.secrets.iter().zip(&selections) {
        if matches!(c.status, Status::Rotated | Status::Revoked) {
            rotated.extend(sel.iter().map(|&i| findings[i].fingerprint.as_str()));
        }
    }
    let mut claims = Vec::new();
    for (n, (c, sel)) in ledger.secrets.iter().zip(&selections).enumerate() {
        for &i in sel {
            covered[i] = true;
        }
        let matched: Vec<&Finding> = sel.iter().map(|&i| &findings[i]).collect();
        claims.push(secret_claim(n, c, &matched, &rotated, ctx));
    }
    let mut offboarded_active: Vec<(usize, &InventoryEntry)> = Vec::new();
    for (n, e) in ledger.inventory.iter().enumerate() {
        let r = inventory_claim(n, e, &inv);
        if e.status == IdentityStatus::Offboarded && r.verdict == Verdict::Contradicted {
            offboarded_active.push((claims.len(), e));
        }
        claims.push(r);
    }
    // Secrets the programme calls false positives, where ferret agrees, are not exposure.
    let agreed_false_positives: HashSet<&str> = ledger
        .secrets
        .iter()
        .zip(&selections)
        .filter(|(c, sel)| {
            c.status == Status::FalsePositive
                && !sel.iter().any(|&i| is_high_confidence_secret(&findings[i]))
        })
        .flat_map(|(_, sel)| sel.iter().map(|&i| findings[i].fingerprint.as_str()))
        .collect();
    for c in &ledger.controls {
        let r = control_claim(
            c,
            findings,
            &inv,
            ledger,
            &claims,
            &agreed_false_positives,
            ctx,
        );
        claims.push(r);
    }
    let coverage = coverage(&inv, ledger);
    let mut headline = metrics(
        findings,
        &inv,
        ledger,
        &offboarded_active,
        coverage,
        &agreed_false_positives,
        ctx,
    );
    for r in &ledger.reported {
        let Some(m) = headline.iter_mut().find(|m| m.figure == r.figure) else {
            continue;
        };
        let mut c = reported_claim(r.figure, r.value, &r.origin, m);
        // The findings behind the measured number, one per secret.
        let mut seen: HashSet<&str> = HashSet::new();
        c.evidence = findings
            .iter()
            .filter(|f| m.fingerprints.iter().any(|x| x == &f.fingerprint))
            .filter(|f| seen.insert(&f.fingerprint))
            .map(Evidence::of)
            .collect();
        m.reported = Some(r.value);
        m.verdict = Some(c.verdict);
        claims.push(c);
    }
    claims.sort_by(|a, b| {
        (a.verdict, !a.review, a.section)
            .cmp(&(b.verdict, !b.review, b.section))
            .then_with(|| a.origin.file.cmp(&b.origin.file))
            .then_with(|| a.origin.line.cmp(&b.origin.line))
            .then_with(|| a.origin.entry.cmp(&b.origin.entry))
            .then_with(|| a.id.cmp(&b.id))
    });
    let unclaimed_findings: Vec<Evidence> = findings
        .iter()
        .zip(&covered)
        .filter(|(f, c)| !**c && f.kind != Kind::Gap)
        .map(|(f, _)| Evidence::of(f))
        .collect();
    let unknown: Vec<UnknownIdentity> = inv
        .identities
        .iter()
        .filter(|n| !ledger.inventory.iter().any(|e| e.names(&n.identity)))
        .map(|n| UnknownIdentity {
            identity: n.identity.clone(),
            kind: n.kind.clone(),
            privileged: n.privileged,
            at_head: n.at_head,
            locations: n
                .sightings
                .iter()
                .map(|s| format!("{}:{}", s.path, s.line))
                .take(5)
                .collect(),
        })
        .collect();
    let mut by_verdict = BTreeMap::new();
    for v in Verdict::ALL {
        by_verdict.insert(v.as_str(), claims.iter().filter(|c| c.verdict == v).count());
    }
    let counts = Counts {
        claims: claims.len(),
        by_verdict,
        review: claims.iter().filter(|c| c.review).count(),
        unclaimed_findings: unclaimed_findings.len(),
        unknown_identities: unknown.len(),
    };
    GapReport {
        programme: ledger.programme.clone(),
        as_of: ledger.as_of,
        scope: ctx.scope.clone(),
        history: ctx.history,
        sources: ledger.sources.clone(),
        headline,
        claims,
        unclaimed: Unclaimed {
            findings: unclaimed_findings,
            identities: unknown,
            coverage,
        },
        inventory: inv,
        other_suppressions: ctx.inline_other.clone(),
        counts,
    }
}

fn secret_claim_id(n: usize, c: &SecretClaim) -> String {
    if let Some(id) = &c.id {
        return id.clone();
    }
    match c.origin.source {
        SourceKind::Ledger => format!("secrets[{n}]"),
        SourceKind::Inline => format!("inline:{}:{}", c.origin.file, c.origin.line.unwrap_or(0)),
        s => match (&c.origin.entry, c.origin.line) {
            (Some(e), _) => format!("{}:{e}", s.as_str()),
            (None, Some(l)) => format!("{}:line {l}", s.as_str()),
            (None, None) => s.as_str().to_string(),
        },
    }
}

fn secret_claim(
    n: usize,
    c: &SecretClaim,
    matched: &[&Finding],
    rotated: &HashSet<&str>,
    ctx: &Context,
) -> ClaimResult {
    let subject = match matched.first() {
        Some(f) => match &f.identity {
            Some(id) => format!("{} ({id})", f.title),
            None => format!("{} at {}:{}", f.title, f.location.path, f.location.line),
        },
        None => c.selector.describe(),
    };
    let mut statement = format!("{subject} {}", c.status.phrase());
    if let Some(d) = c.date {
        statement.push_str(&format!(" on {d}"));
    }
    if let Some(t) = &c.ticket {
        statement.push_str(&format!(" [{t}]"));
    }
    if c.origin.source != SourceKind::Ledger {
        if let Some(note) = &c.note {
            statement.push_str(&format!(" — {note}"));
        }
    }
    let mut tags = vec!["NHI2"];
    if c.status.claims_gone() {
        tags.push("NHI7");
    }
    tags.push(if c.status.is_exception() {
        "CSF:ID.RA-07"
    } else {
        "CSF:ID.RA-06"
    });
    let mut r = ClaimResult {
        id: secret_claim_id(n, c),
        section: Section::Secret,
        origin: c.origin.clone(),
        statement,
        verdict: Verdict::Holds,
        review: false,
        outcome: String::new(),
        rule: None,
        caveats: Vec::new(),
        evidence: Vec::new(),
        identities: Vec::new(),
        tags,
    };
    if matched.is_empty() {
        let path_exists = c
            .selector
            .path
            .as_ref()
            .is_some_and(|p| ctx.seen_paths.contains(p));
        if c.status.claims_gone() && !ctx.history {
            r.verdict = Verdict::Unverifiable;
            r.outcome = "Not in the working tree. Whether it is still in git history was not checked: run with --history.".into();
        } else if path_exists {
            r.verdict = Verdict::Unverifiable;
            r.outcome = format!(
                "The file exists but ferret finds nothing at {}: the claim may be about something ferret's rules do not detect, or the content changed.",
                c.selector.describe()
            );
        } else {
            r.verdict = Verdict::Stale;
            r.outcome = if ctx.history {
                "Names nothing that exists: no finding in the working tree or in git history matches it. Close or remove the entry.".into()
            } else {
                "Names nothing that exists: no finding in the working tree matches it. Close or remove the entry (history was not scanned).".into()
            };
            if c.status.claims_gone() {
                r.caveats.push("If the secret was purged from history, that is the best outcome; if it was never here, the claim belongs to another repository.".into());
            }
        }
        return r;
    }
    let head: Vec<&Finding> = matched.iter().copied().filter(|f| at_head(f)).collect();
    let history_only: Vec<&Finding> = matched.iter().copied().filter(|f| !at_head(f)).collect();
    r.evidence = matched.iter().map(|f| Evidence::of(f)).collect();
    let all_grants = matched.iter().all(|f| f.kind == Kind::Grant);
    match c.status {
        Status::Open => {
            r.outcome = if head.is_empty() {
                format!(
                    "Known and open; no longer at HEAD but still in git history ({}).",
                    places(&history_only, 3)
                )
            } else {
                format!("Known and open: still present at {}.", places(&head, 3))
            };
            if head.is_empty() {
                r.caveats.push(
                    "If it has been rotated, record that in the ledger: removal alone is not rotation."
                        .into(),
                );
            }
        }
        Status::Rotated | Status::Revoked if all_grants => {
            r.verdict = Verdict::Unverifiable;
            r.outcome = "Names a grant, and grants are not rotated: claim `removed` or `accepted_risk` instead.".into();
        }
        Status::Rotated | Status::Revoked => {
            let word = if c.status == Status::Rotated {
                "rotated"
            } else {
                "revoked"
            };
            if !head.is_empty() {
                r.verdict = Verdict::Contradicted;
                r.rule = Some(rules::ROTATED_STILL_PRESENT);
                r.outcome = format!(
                    "The same secret is still in the code at {}. Either it was not {word}, or the code still carries the old value and may still depend on it.",
                    places(&head, 3)
                );
                r.evidence = matched
                    .iter()
                    .map(|f| {
                        let e = Evidence::of(f);
                        if at_head(f) {
                            e.with_note("still present at HEAD")
                        } else {
                            e
                        }
                    })
                    .collect();
            } else if let Some(d) = c.date {
                let again: Vec<(&Finding, Introduction<'_>)> = history_only
                    .iter()
                    .filter_map(|f| introduced_after(f, d).map(|i| (*f, i)))
                    .collect();
                if again.is_empty() {
                    r.outcome = format!(
                        "No longer in the code, and not committed again after {d}; the old value remains readable in git history."
                    );
                    r.caveats.push(format!("Whether it was really {word} at the provider cannot be proven offline: check that the old value no longer works."));
                } else {
                    r.verdict = Verdict::Contradicted;
                    r.rule = Some(rules::ROTATED_RECOMMITTED);
                    let i = &again[0].1;
                    r.outcome = format!(
                        "Committed again on {} (commit {}, {}), after the claimed {word} date {d}: something still depended on the old value.",
                        i.day,
                        short_commit(i.commit),
                        i.path
                    );
                    r.evidence = matched
                        .iter()
                        .map(|f| {
                            let e = Evidence::of(f);
                            match introduced_after(f, d) {
                                Some(i) => e.with_note(format!(
                                    "committed to {} on {} ({}), after {d}",
                                    i.path,
                                    i.day,
                                    short_commit(i.commit)
                                )),
                                None => e,
                            }
                        })
                        .collect();
                }
            } else {
                r.outcome =
                    "No longer in the code; the old value remains readable in git history.".into();
                r.caveats.push("No date given: ferret cannot check whether it was committed again after the rotation.".into());
                r.caveats.push(format!(
                    "Whether it was really {word} at the provider cannot be proven offline."
                ));
            }
        }
        Status::Removed => {
            if !head.is_empty() {
                r.verdict = Verdict::Contradicted;
                r.rule = Some(rules::REMOVED_STILL_PRESENT);
                r.outcome = format!("Still in the code at {}.", places(&head, 3));
            } else if matched
                .iter()
                .any(|f| rotated.contains(f.fingerprint.as_str()))
            {
                r.outcome = "Removed from the code, and claimed rotated or revoked elsewhere in the ledger; the old value remains readable in git history.".into();
            } else if all_grants {
                r.outcome = "Removed from the configuration.".into();
            } else {
                r.verdict = Verdict::Contradicted;
                r.rule = Some(rules::REMOVAL_NOT_ROTATION);
                let f = history_only[0];
                let p = f.provenance.as_ref().expect("history finding");
                let mut o = format!(
                    "Deleted from the code but still in git history (added {} in commit {}",
                    p.first_seen.get(..10).unwrap_or(&p.first_seen),
                    short_commit(&p.commit)
                );
                if let Some(rm) = &p.removed_in {
                    o.push_str(&format!(", removed in {}", short_commit(rm)));
                }
                o.push_str("), and nothing claims it was rotated or revoked. Anyone with a clone can still read it: removal is not rotation.");
                r.outcome = o;
            }
        }
        Status::FalsePositive | Status::AcceptedRisk => {
            let strong: Vec<&Finding> = matched
                .iter()
                .copied()
                .filter(|f| is_high_confidence_secret(f))
                .collect();
            let what = if c.status == Status::FalsePositive {
                "a false positive"
            } else {
                "an accepted risk"
            };
            if let Some(f) = strong.first() {
                r.review = true;
                r.rule = Some(rules::EXCEPTION_NEEDS_REVIEW);
                let by = match c.origin.source {
                    SourceKind::Inline => {
                        format!("a {}", c.note.as_deref().unwrap_or("suppression comment"))
                    }
                    SourceKind::Ledger => "the ledger".to_string(),
                    s => format!("the {}", s.describe()),
                };
                if c.status == Status::FalsePositive {
                    r.verdict = Verdict::Unverifiable;
                    r.outcome = format!(
                        "Called {what} by {by}, but ferret recognises it with high confidence as a real {} at {}. Only a person can confirm it is not a live credential: review it.",
                        f.title,
                        places(&strong, 3)
                    );
                } else {
                    r.outcome = format!(
                        "Accepted as a risk by {by}: a real {} with high confidence at {}. Accepting a live credential in code needs a named owner and a review date: review it.",
                        f.title,
                        places(&strong, 3)
                    );
                }
            } else {
                r.outcome = format!("Recorded as {what}; present at {}.", places(matched, 3));
                if c.status == Status::FalsePositive
                    && matched.iter().any(|f| f.kind == Kind::Secret)
                {
                    let conf = matched
                        .iter()
                        .map(|f| f.confidence)
                        .max()
                        .unwrap_or(Confidence::Low);
                    r.caveats.push(format!(
                        "ferret's own confidence in this match is {conf}, consistent with a false positive."
                    ));
                }
            }
        }
    }
    r
}

fn inventory_claim(n: usize, e: &InventoryEntry, inv: &Inventory) -> ClaimResult {
    let nhi: Option<&Nhi> = inv.identities.iter().find(|x| e.names(&x.identity));
    let mut statement = match e.status {
        IdentityStatus::Active => format!("{} is a known, active identity", e.identity),
        IdentityStatus::Offboarded => format!("{} was offboarded", e.identity),
    };
    if let Some(d) = e.date {
        statement.push_str(&format!(" on {d}"));
    }
    if let Some(o) = &e.owner {
        statement.push_str(&format!(" (owner: {o})"));
    }
    if let Some(t) = &e.ticket {
        statement.push_str(&format!(" [{t}]"));
    }
    let mut tags = vec!["NHI1", "CSF:ID.AM-02"];
    if e.status == IdentityStatus::Offboarded {
        tags.push("CSF:ID.AM-08");
    }
    let mut r = ClaimResult {
        id: format!("inventory[{n}]"),
        section: Section::Inventory,
        origin: e.origin.clone(),
        statement,
        verdict: Verdict::Holds,
        review: false,
        outcome: String::new(),
        rule: None,
        caveats: Vec::new(),
        evidence: Vec::new(),
        identities: vec![e.identity.clone()],
        tags,
    };
    let describe = |s: &inventory::Sighting| format!("{}:{} ({})", s.path, s.line, s.rule_id);
    match (e.status, nhi) {
        (IdentityStatus::Offboarded, None) => {
            r.outcome =
                "Nothing in the scanned code grants it anything or holds a credential for it."
                    .into();
            r.caveats
                .push("Offboarding at the provider cannot be checked offline.".into());
        }
        (IdentityStatus::Offboarded, Some(n)) => {
            let head: Vec<&inventory::Sighting> =
                n.sightings.iter().filter(|s| s.at_head).collect();
            // A credential committed after the offboarding date means something was still
            // being set up for the identity.
            let after: Vec<&inventory::Sighting> = match e.date {
                Some(d) => n
                    .sightings
                    .iter()
                    .filter(|s| {
                        s.introduced
                            .as_deref()
                            .and_then(Day::parse)
                            .is_some_and(|x| x > d)
                    })
                    .collect(),
                None => Vec::new(),
            };
            if !head.is_empty() {
                r.verdict = Verdict::Contradicted;
                r.rule = Some(rules::OFFBOARDED_STILL_PRESENT);
                let grants: Vec<String> = head
                    .iter()
                    .filter(|s| s.kind == Kind::Grant)
                    .map(|s| describe(s))
                    .collect();
                let secrets: Vec<String> = head
                    .iter()
                    .filter(|s| s.kind == Kind::Secret)
                    .map(|s| describe(s))
                    .collect();
                let mut parts = Vec::new();
                if !grants.is_empty() {
                    parts.push(format!("still granted by {}", grants.join(", ")));
                }
                if !secrets.is_empty() {
                    parts.push(format!(
                        "a credential for it is still in the code at {}",
                        secrets.join(", ")
                    ));
                }
                r.outcome = format!("Not offboarded in the code: {}.", parts.join("; "));
            } else if !after.is_empty() {
                r.verdict = Verdict::Contradicted;
                r.rule = Some(rules::OFFBOARDED_STILL_PRESENT);
                r.outcome = format!(
                    "No longer at HEAD, but referenced again after the offboarding date: {}.",
                    after
                        .iter()
                        .map(|s| describe(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            } else {
                r.outcome = format!(
                    "No longer granted or referenced at HEAD; its credentials remain readable in git history ({}).",
                    n.sightings.iter().take(3).map(describe).collect::<Vec<_>>().join(", ")
                );
                r.caveats.push("Offboarding at the provider cannot be checked offline: make sure those credentials no longer work.".into());
            }
        }
        (IdentityStatus::Active, Some(n)) => {
            r.outcome = format!(
                "Seen in the code: {}.",
                n.sightings
                    .iter()
                    .take(3)
                    .map(describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if n.privileged {
                r.caveats
                    .push("Holds standing privilege (an admin or wildcard grant at HEAD).".into());
            }
            if e.owner.is_none() {
                r.caveats.push("No owner is recorded for it.".into());
            }
        }
        (IdentityStatus::Active, None) => {
            r.verdict = Verdict::Unverifiable;
            r.outcome = "Nothing in the scanned code names it: ferret can confirm only identities that appear in code or configuration.".into();
        }
    }
    r
}

/// Findings a control's scope covers.
fn in_scope<'f>(
    c: &Control,
    findings: &'f [Finding],
    globs: &globset::GlobSet,
) -> Vec<&'f Finding> {
    let s = &c.scope;
    findings
        .iter()
        .filter(|f| f.kind != Kind::Gap)
        .filter(|f| s.rules.is_empty() || s.rules.iter().any(|r| wildcard(r, &f.rule_id)))
        .filter(|f| s.kinds.is_empty() || s.kinds.contains(&f.kind))
        .filter(|f| {
            s.paths.is_empty()
                || std::iter::once(&f.location)
                    .chain(&f.other_locations)
                    .any(|l| globs.is_match(&l.path))
        })
        .filter(|f| {
            s.identities.is_empty()
                || f.identity
                    .as_deref()
                    .is_some_and(|id| s.identities.iter().any(|p| wildcard(p, id)))
        })
        .filter(|f| s.severity.is_none_or(|min| f.severity >= min))
        .filter(|f| !s.head_only || at_head(f))
        .collect()
}

fn control_claim(
    c: &Control,
    findings: &[Finding],
    inv: &Inventory,
    ledger: &Ledger,
    so_far: &[ClaimResult],
    not_secrets: &HashSet<&str>,
    ctx: &Context,
) -> ClaimResult {
    let mut tags: Vec<&'static str> = match c.test {
        ControlTest::ExpectNone => Vec::new(),
        ControlTest::MaxAgeDays(_) => vec!["NHI7", "CSF:PR.AA-01"],
        ControlTest::InventoryComplete => vec!["NHI1", "CSF:ID.AM-02"],
        ControlTest::OffboardingComplete => vec!["NHI1", "CSF:ID.AM-08"],
    };
    let mut r = ClaimResult {
        id: format!("controls.{}", c.id),
        section: Section::Control,
        origin: c.origin.clone(),
        statement: c.claim.clone(),
        verdict: Verdict::Holds,
        review: false,
        outcome: String::new(),
        rule: None,
        caveats: Vec::new(),
        evidence: Vec::new(),
        identities: Vec::new(),
        tags: Vec::new(),
    };
    // What ferret cannot see makes a "nothing found" meaningless.
    let unknown_rules: Vec<&String> = c
        .scope
        .rules
        .iter()
        .filter(|r| {
            if r.contains('*') {
                !ctx.known_rules.keys().any(|k| wildcard(r, k))
            } else {
                !ctx.known_rules.contains_key(*r)
            }
        })
        .collect();
    let unmatched_globs: Vec<&String> = c
        .scope
        .paths
        .iter()
        .filter(|g| !ctx.glob_hits.contains(*g))
        .collect();
    let mut blind = None;
    if !c.scope.rules.is_empty() && unknown_rules.len() == c.scope.rules.len() {
        blind = Some(format!(
            "ferret has no rule or check named {}: nothing here can test this claim.",
            list_of(&unknown_rules)
        ));
    } else if !unknown_rules.is_empty() {
        r.caveats.push(format!(
            "ferret has no rule or check named {}; the claim is checked only for the others.",
            list_of(&unknown_rules)
        ));
    }
    if !c.scope.paths.is_empty() && unmatched_globs.len() == c.scope.paths.len() {
        blind = blind.or(Some(format!(
            "No scanned file matches {}: the claim speaks about files this scan did not see.",
            list_of(&unmatched_globs)
        )));
    } else if !unmatched_globs.is_empty() {
        r.caveats.push(format!(
            "No scanned file matches {}.",
            list_of(&unmatched_globs)
        ));
    }
    let mut gb = globset::GlobSetBuilder::new();
    for g in &c.scope.paths {
        if let Ok(g) = globset::Glob::new(g) {
            gb.add(g);
        }
    }
    let globs = gb.build().unwrap_or_else(|_| globset::GlobSet::empty());
    let scoped = in_scope(c, findings, &globs);
    match c.test {
        ControlTest::ExpectNone => {
            let mut nhi: BTreeSet<&'static str> = BTreeSet::new();
            for f in &scoped {
                for t in f.nhi_tags() {
                    if let Some(s) = static_tag(t) {
                        nhi.insert(s);
                    }
                }
            }
            if nhi.is_empty() {
                // Nothing found to take tags from: judge by what the control speaks about.
                let about_secrets = c.scope.kinds.contains(&Kind::Secret)
                    || (c.scope.kinds.is_empty()
                        && (c.scope.rules.is_empty()
                            || c.scope.rules.iter().any(|r| {
                                ctx.known_rules
                                    .iter()
                                    .any(|(k, kind)| *kind == Kind::Secret && wildcard(r, k))
                            })));
                nhi.insert(if about_secrets { "NHI2" } else { "NHI5" });
            }
            tags.extend(nhi);
            tags.push("CSF:GV.PO-01");
            if scoped.iter().any(|f| f.kind == Kind::Grant) || c.scope.kinds.contains(&Kind::Grant)
            {
                tags.push("CSF:PR.AA-05");
            }
            if !scoped.is_empty() {
                r.verdict = Verdict::Contradicted;
                r.rule = Some(rules::CONTROL_CONTRADICTED);
                let head = scoped.iter().filter(|f| at_head(f)).count();
                r.outcome = format!(
                    "{} in scope ({} at HEAD): {}.",
                    plural(
                        scoped.len(),
                        "finding contradicts it",
                        "findings contradict it"
                    ),
                    head,
                    places(&scoped, 5)
                );
                r.evidence = scoped.iter().map(|f| Evidence::of(f)).collect();
            } else if let Some(b) = blind {
                r.verdict = Verdict::Unverifiable;
                r.outcome = b;
            } else {
                r.outcome = "Nothing in scope.".into();
                if !ctx.history && !c.scope.head_only {
                    r.caveats.push("Only the working tree was checked; git history was not (run with --history).".into());
                }
            }
        }
        ControlTest::MaxAgeDays(max) => {
            // Lifetimes are about secrets: not key ids, not agreed false positives.
            let secrets: Vec<&Finding> = scoped
                .into_iter()
                .filter(|f| f.kind == Kind::Secret && !is_identifier_only(f))
                .filter(|f| !not_secrets.contains(f.fingerprint.as_str()))
                .collect();
            if !ctx.history {
                r.verdict = Verdict::Unverifiable;
                r.outcome = "Secret lifetime comes from git history, which this scan did not read: run with --history.".into();
            } else if let Some(b) = blind {
                r.verdict = Verdict::Unverifiable;
                r.outcome = b;
            } else {
                let old: Vec<&Finding> = secrets
                    .iter()
                    .copied()
                    .filter(|f| f.provenance.as_ref().is_some_and(|p| p.lifetime_days > max))
                    .collect();
                let oldest = secrets
                    .iter()
                    .filter_map(|f| f.provenance.as_ref().map(|p| p.lifetime_days))
                    .max();
                if old.is_empty() {
                    r.outcome = match oldest {
                        Some(d) => format!(
                            "The longest-lived secret in scope has been reachable for {d} days."
                        ),
                        None => "No secret in scope.".into(),
                    };
                } else {
                    r.verdict = Verdict::Contradicted;
                    r.rule = Some(rules::SECRET_TOO_OLD);
                    r.outcome = format!(
                        "{} reachable for more than {max} days (the longest {} days): {}.",
                        plural(old.len(), "secret has been", "secrets have been"),
                        oldest.unwrap_or(0),
                        places(&old, 5)
                    );
                    r.evidence = old
                        .iter()
                        .map(|f| {
                            let days = f.provenance.as_ref().map_or(0, |p| p.lifetime_days);
                            Evidence::of(f).with_note(format!("{days} days"))
                        })
                        .collect();
                }
            }
        }
        ControlTest::InventoryComplete => {
            let scoped_fps: HashSet<&str> = scoped.iter().map(|f| f.fingerprint.as_str()).collect();
            let found: Vec<&Nhi> = inv
                .identities
                .iter()
                .filter(|n| {
                    n.sightings
                        .iter()
                        .any(|s| scoped_fps.contains(s.fingerprint.as_str()))
                })
                .collect();
            let missing: Vec<&Nhi> = found
                .iter()
                .copied()
                .filter(|n| !ledger.inventory.iter().any(|e| e.names(&n.identity)))
                .collect();
            if let Some(b) = blind.filter(|_| found.is_empty()) {
                r.verdict = Verdict::Unverifiable;
                r.outcome = b;
            } else if missing.is_empty() {
                r.outcome = if found.is_empty() {
                    "No identity found in scope.".into()
                } else {
                    format!(
                        "All {} found in scope are in the inventory.",
                        plural(found.len(), "identity", "identities")
                    )
                };
            } else {
                r.verdict = Verdict::Contradicted;
                r.rule = Some(rules::INVENTORY_INCOMPLETE);
                r.outcome = format!(
                    "{} of {} found in the code {} not in the inventory: {}.",
                    missing.len(),
                    plural(found.len(), "identity", "identities"),
                    if missing.len() == 1 { "is" } else { "are" },
                    missing
                        .iter()
                        .take(5)
                        .map(|n| n.identity.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                r.identities = missing.iter().map(|n| n.identity.clone()).collect();
            }
        }
        ControlTest::OffboardingComplete => {
            let offboarded: Vec<&InventoryEntry> = ledger
                .inventory
                .iter()
                .filter(|e| e.status == IdentityStatus::Offboarded)
                .collect();
            let scoped_fps: HashSet<&str> = scoped.iter().map(|f| f.fingerprint.as_str()).collect();
            let active: Vec<&InventoryEntry> = offboarded
                .iter()
                .copied()
                .filter(|e| {
                    so_far.iter().any(|c| {
                        c.section == Section::Inventory
                            && c.verdict == Verdict::Contradicted
                            && c.identities.first() == Some(&e.identity)
                    }) && inv.identities.iter().any(|n| {
                        e.names(&n.identity)
                            && n.sightings
                                .iter()
                                .any(|s| s.at_head && scoped_fps.contains(s.fingerprint.as_str()))
                    })
                })
                .collect();
            if offboarded.is_empty() {
                r.verdict = Verdict::Unverifiable;
                r.outcome =
                    "The inventory lists no offboarded identity, so there is nothing to check."
                        .into();
            } else if active.is_empty() {
                r.outcome = format!(
                    "None of the {} is still granted or referenced at HEAD.",
                    plural(
                        offboarded.len(),
                        "offboarded identity",
                        "offboarded identities"
                    )
                );
                r.caveats
                    .push("Offboarding at the provider cannot be checked offline.".into());
            } else {
                r.verdict = Verdict::Contradicted;
                r.rule = Some(rules::OFFBOARDING_INCOMPLETE);
                r.outcome = format!(
                    "{} of {} {} still granted or referenced at HEAD: {}.",
                    active.len(),
                    plural(
                        offboarded.len(),
                        "offboarded identity",
                        "offboarded identities"
                    ),
                    if active.len() == 1 { "is" } else { "are" },
                    active
                        .iter()
                        .map(|e| e.identity.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                r.identities = active.iter().map(|e| e.identity.clone()).collect();
            }
        }
    }
    r.tags = tags;
    r
}

fn static_tag(t: &str) -> Option<&'static str> {
    const NHI: [&str; 10] = [
        "NHI1", "NHI2", "NHI3", "NHI4", "NHI5", "NHI6", "NHI7", "NHI8", "NHI9", "NHI10",
    ];
    NHI.iter().copied().find(|x| *x == t)
}

fn list_of(v: &[&String]) -> String {
    v.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn coverage(inv: &Inventory, ledger: &Ledger) -> Coverage {
    let found = inv.identities.len();
    let known = inv
        .identities
        .iter()
        .filter(|n| ledger.inventory.iter().any(|e| e.names(&n.identity)))
        .count();
    Coverage {
        found,
        known,
        percent: (found > 0).then(|| (known as f64 * 1000.0 / found as f64).round() / 10.0),
    }
}

/// Figure labels and tags, in headline order.
pub fn figure_info(f: Figure) -> (&'static str, Unit, &'static [&'static str]) {
    match f {
        Figure::OpenSecrets => (
            "Secrets open in the code (at HEAD)",
            Unit::Count,
            &["NHI2", "CSF:PR.DS-01", "CSF:PR.AA-01"],
        ),
        Figure::SecretsInHistory => (
            "Secrets removed from the code but still in git history",
            Unit::Count,
            &["NHI2", "NHI7", "CSF:PR.DS-01"],
        ),
        Figure::OverprivilegedIdentities => (
            "Identities with standing admin or wildcard privilege",
            Unit::Count,
            &["NHI5", "CSF:PR.AA-05"],
        ),
        Figure::MedianSecretAgeDays => (
            "Median secret lifetime (days reachable)",
            Unit::Days,
            &["NHI7", "CSF:PR.AA-01"],
        ),
        Figure::MaxSecretAgeDays => (
            "Longest secret lifetime (days reachable)",
            Unit::Days,
            &["NHI7", "CSF:PR.AA-01"],
        ),
        Figure::OffboardedActiveIdentities => (
            "Offboarded identities still granted or referenced",
            Unit::Count,
            &["NHI1", "CSF:ID.AM-08", "CSF:PR.AA-01"],
        ),
        Figure::UnownedIdentities => (
            "Identities with no recorded owner",
            Unit::Count,
            &["NHI1", "CSF:GV.RR-02", "CSF:ID.AM-02"],
        ),
        Figure::InventoryCoveragePercent => (
            "Identities found that the inventory knows (%)",
            Unit::Percent,
            &["NHI1", "CSF:ID.AM-02"],
        ),
    }
}

fn metrics(
    findings: &[Finding],
    inv: &Inventory,
    ledger: &Ledger,
    offboarded_active: &[(usize, &InventoryEntry)],
    coverage: Coverage,
    excluded: &HashSet<&str>,
    ctx: &Context,
) -> Vec<Metric> {
    // Distinct secrets by fingerprint: at HEAD if any occurrence is; lifetime the longest.
    let mut secrets: BTreeMap<&str, (bool, Option<u32>, Vec<String>)> = BTreeMap::new();
    for f in findings
        .iter()
        .filter(|f| f.kind == Kind::Secret && !is_identifier_only(f))
        .filter(|f| !excluded.contains(f.fingerprint.as_str()))
    {
        let e = secrets.entry(&f.fingerprint).or_default();
        e.0 |= at_head(f);
        if let Some(p) = &f.provenance {
            e.1 = Some(e.1.unwrap_or(0).max(p.lifetime_days));
        }
        e.2.push(format!("{}:{}", f.location.path, f.location.line));
    }
    let mut out = Vec::new();
    for figure in Figure::ALL {
        let (label, unit, tags) = figure_info(figure);
        let mut m = Metric {
            figure,
            label,
            unit,
            measured: None,
            unmeasured: None,
            reported: None,
            verdict: None,
            tags: tags.to_vec(),
            fingerprints: Vec::new(),
            identities: Vec::new(),
            locations: Vec::new(),
        };
        let needs_history = "needs git history (run with --history)";
        let pick = |head: bool, m: &mut Metric| {
            for (fp, (h, _, locs)) in &secrets {
                if *h == head {
                    m.fingerprints.push(fp.to_string());
                    m.locations.extend(locs.iter().cloned());
                }
            }
            m.measured = Some(m.fingerprints.len() as f64);
        };
        match figure {
            Figure::OpenSecrets => pick(true, &mut m),
            Figure::SecretsInHistory => {
                if ctx.history {
                    pick(false, &mut m);
                } else {
                    m.unmeasured = Some(needs_history);
                }
            }
            Figure::OverprivilegedIdentities => {
                let mut ids: BTreeSet<String> = inv
                    .identities
                    .iter()
                    .filter(|n| n.privileged)
                    .map(|n| n.identity.clone())
                    .collect();
                for f in findings.iter().filter(|f| {
                    f.kind == Kind::Grant
                        && f.identity.is_none()
                        && at_head(f)
                        && f.severity >= inventory::PRIVILEGED
                }) {
                    // A grant naming no identity still gives someone privilege: count its file.
                    ids.insert(format!("(unnamed identity in {})", f.location.path));
                }
                for f in findings.iter().filter(|f| {
                    f.kind == Kind::Grant && at_head(f) && f.severity >= inventory::PRIVILEGED
                }) {
                    m.locations
                        .push(format!("{}:{}", f.location.path, f.location.line));
                }
                m.measured = Some(ids.len() as f64);
                m.identities = ids.into_iter().collect();
            }
            Figure::MedianSecretAgeDays | Figure::MaxSecretAgeDays => {
                if !ctx.history {
                    m.unmeasured = Some(needs_history);
                } else {
                    let mut ages: Vec<(u32, &str)> = secrets
                        .iter()
                        .filter_map(|(fp, (_, age, _))| age.map(|a| (a, *fp)))
                        .collect();
                    ages.sort_unstable();
                    let value = if ages.is_empty() {
                        0.0
                    } else if figure == Figure::MaxSecretAgeDays {
                        let (a, fp) = ages[ages.len() - 1];
                        m.fingerprints.push(fp.to_string());
                        a as f64
                    } else {
                        let n = ages.len();
                        if n % 2 == 1 {
                            ages[n / 2].0 as f64
                        } else {
                            (ages[n / 2 - 1].0 as f64 + ages[n / 2].0 as f64) / 2.0
                        }
                    };
                    m.measured = Some(value);
                }
            }
            Figure::OffboardedActiveIdentities => {
                m.identities = offboarded_active
                    .iter()
                    .map(|(_, e)| e.identity.clone())
                    .collect();
                m.measured = Some(m.identities.len() as f64);
            }
            Figure::UnownedIdentities => {
                m.identities = inv
                    .identities
                    .iter()
                    .filter(|n| {
                        !ledger
                            .inventory
                            .iter()
                            .any(|e| e.names(&n.identity) && e.owner.is_some())
                    })
                    .map(|n| n.identity.clone())
                    .collect();
                m.measured = Some(m.identities.len() as f64);
            }
            Figure::InventoryCoveragePercent => match coverage.percent {
                Some(p) => {
                    m.measured = Some(p);
                    m.identities = inv
                        .identities
                        .iter()
                        .filter(|n| !ledger.inventory.iter().any(|e| e.names(&n.identity)))
                        .map(|n| n.identity.clone())
                        .collect();
                }
                None => m.unmeasured = Some("found no identity in the code"),
            },
        }
        out.push(m);
    }
    out
}

pub fn format_value(v: f64, unit: Unit) -> String {
    let s = if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    match unit {
        Unit::Percent => format!("{s}%"),
        _ => s,
    }
}

fn reported_claim(figure: Figure, reported: f64, origin: &Origin, m: &Metric) -> ClaimResult {
    let mut tags = m.tags.clone();
    tags.extend(["CSF:GV.OV-01", "CSF:GV.OV-03"]);
    let shown = format_value(reported, m.unit);
    let mut r = ClaimResult {
        id: format!("reported.{}", figure.key()),
        section: Section::Reported,
        origin: origin.clone(),
        statement: format!("{}: {shown}", m.label),
        verdict: Verdict::Holds,
        review: false,
        outcome: String::new(),
        rule: None,
        caveats: Vec::new(),
        evidence: Vec::new(),
        identities: m.identities.clone(),
        tags,
    };
    let Some(measured) = m.measured else {
        r.verdict = Verdict::Unverifiable;
        r.outcome = format!(
            "Cannot be measured by this scan: it {}.",
            m.unmeasured.unwrap_or("no data")
        );
        return r;
    };
    let got = format_value(measured, m.unit);
    let worse = if figure.higher_is_better() {
        reported > measured + 0.05
    } else {
        measured > reported
    };
    if worse {
        r.verdict = Verdict::Contradicted;
        r.rule = Some(rules::UNDER_REPORTED);
        r.outcome = if figure.higher_is_better() {
            format!("Reported {shown}, measured {got}: the code shows less than was reported.")
        } else {
            format!("Reported {shown}, measured {got}: the report understates the exposure.")
        };
    } else if (measured - reported).abs() < 0.05 {
        r.outcome = format!("Reported {shown}, measured {got}.");
    } else {
        r.outcome = format!("Reported {shown}, measured {got} here.");
        r.caveats.push("The reported figure is worse than this scan measures: it may include repositories not scanned here, or the exposure has dropped since.".into());
    }
    if matches!(
        figure,
        Figure::MedianSecretAgeDays | Figure::InventoryCoveragePercent
    ) {
        r.caveats
            .push("Measured over this scan only; a programme-wide figure may differ.".into());
    }
    r
}

#[cfg(test)]
mod tests;
