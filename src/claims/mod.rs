//! The claims ledger: what a security programme says about its non-human identities, in one
//! versioned file (`ferret.claims.yaml`, documented in docs/claims.md, schema in
//! schemas/claims.schema.json), plus importers that turn other tools' state into the same claims.
//!
//! Nothing here looks at findings: [`crate::gap`] holds claims against evidence.

pub mod date;
pub mod import;
pub mod inline;
pub mod ledger;
pub mod write;

pub use date::Day;

use crate::findings::{Kind, Severity};
use serde::Serialize;
use std::fmt;

/// The ledger format version this build reads and writes.
pub const LEDGER_VERSION: u32 = 1;

/// Where a claim was made, so a reader can find and fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The tool or file format the claim came from.
    pub source: SourceKind,
    /// The file holding the claim (a ledger, an import, or a scanned file for inline comments).
    pub file: String,
    /// 1-based line in `file`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// The entry within an import without line numbers (e.g. `alert #12`, `result 3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(e) = &self.entry {
            write!(f, " ({e})")?;
        }
        Ok(())
    }
}

/// Where claims come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A ferret claims ledger.
    Ledger,
    /// A gitleaks JSON report.
    Gitleaks,
    /// A `.gitleaksignore` file.
    Gitleaksignore,
    /// A detect-secrets baseline.
    DetectSecrets,
    /// A GitHub secret scanning alert export (REST API JSON).
    GithubAlerts,
    /// A SARIF log (results and their suppressions).
    Sarif,
    /// A suppression comment of another tool in a scanned file.
    Inline,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Ledger => "ledger",
            SourceKind::Gitleaks => "gitleaks",
            SourceKind::Gitleaksignore => "gitleaksignore",
            SourceKind::DetectSecrets => "detect-secrets",
            SourceKind::GithubAlerts => "github-alerts",
            SourceKind::Sarif => "sarif",
            SourceKind::Inline => "inline",
        }
    }

    /// How a reader would name the source in a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            SourceKind::Ledger => "claims ledger",
            SourceKind::Gitleaks => "gitleaks report",
            SourceKind::Gitleaksignore => "gitleaks ignore file",
            SourceKind::DetectSecrets => "detect-secrets baseline",
            SourceKind::GithubAlerts => "GitHub secret scanning alerts",
            SourceKind::Sarif => "SARIF log",
            SourceKind::Inline => "suppression comment",
        }
    }
}

/// The remediation status a programme records for one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Known and not yet fixed.
    Open,
    /// Replaced at the provider by a new credential.
    Rotated,
    /// Disabled at the provider.
    Revoked,
    /// Deleted from the code.
    Removed,
    /// Not a real secret (or not a real problem).
    FalsePositive,
    /// Real, and knowingly left as it is.
    AcceptedRisk,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Open,
        Status::Rotated,
        Status::Revoked,
        Status::Removed,
        Status::FalsePositive,
        Status::AcceptedRisk,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Rotated => "rotated",
            Status::Revoked => "revoked",
            Status::Removed => "removed",
            Status::FalsePositive => "false_positive",
            Status::AcceptedRisk => "accepted_risk",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// Statuses that say the exposure is over, so that its absence is the expected evidence.
    pub fn claims_gone(self) -> bool {
        matches!(self, Status::Rotated | Status::Revoked | Status::Removed)
    }

    /// Statuses that say "leave this finding alone".
    pub fn is_exception(self) -> bool {
        matches!(self, Status::FalsePositive | Status::AcceptedRisk)
    }

    /// The words a risk owner would use.
    pub fn phrase(self) -> &'static str {
        match self {
            Status::Open => "is known and open",
            Status::Rotated => "was rotated",
            Status::Revoked => "was revoked",
            Status::Removed => "was removed",
            Status::FalsePositive => "is a false positive",
            Status::AcceptedRisk => "is an accepted risk",
        }
    }
}

/// Which findings a claim is about. A claim covers every finding that ANY of its keys names;
/// `rule_id`, `line` and `end_line` only narrow `path`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Selector {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// Lower-case hex SHA-256 of the raw secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_sha256: Option<String>,
    /// Lower-case hex SHA-1 of the raw secret (what detect-secrets records).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_sha1: Option<String>,
    /// The identity a finding names (key id, role, service account…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// With `line`: the last line of a range (a tool that reports a whole block).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    /// Match `path` by suffix at a `/` boundary (imports name files as their tool saw them,
    /// e.g. with an absolute prefix).
    #[serde(skip)]
    pub loose_path: bool,
}

impl Selector {
    pub fn is_empty(&self) -> bool {
        self.fingerprint.is_none()
            && self.secret_sha256.is_none()
            && self.secret_sha1.is_none()
            && self.identity.is_none()
            && self.path.is_none()
    }

    /// A short human description of what the selector names.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.path {
            let mut s = p.clone();
            if let Some(l) = self.line {
                s.push_str(&format!(":{l}"));
                if let Some(e) = self.end_line.filter(|e| *e > l) {
                    s.push_str(&format!("-{e}"));
                }
            }
            if let Some(r) = &self.rule_id {
                s.push_str(&format!(" ({r})"));
            }
            parts.push(s);
        }
        if let Some(i) = &self.identity {
            parts.push(format!("identity {i}"));
        }
        if let Some(f) = &self.fingerprint {
            parts.push(format!("fingerprint {}", short_hash(f)));
        }
        if let Some(h) = &self.secret_sha256 {
            parts.push(format!("secret sha256 {}", short_hash(h)));
        }
        if let Some(h) = &self.secret_sha1 {
            parts.push(format!("secret sha1 {}", short_hash(h)));
        }
        parts.join(", ")
    }
}

pub fn short_hash(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

/// A remediation claim about findings (`secrets:` in the ledger, and every import).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecretClaim {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub selector: Selector,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub origin: Origin,
}

impl SecretClaim {
    /// A claim read from another tool's output or from a code comment: no ledger id, and no
    /// date, ticket or owner unless the caller sets them.
    pub fn imported(selector: Selector, status: Status, note: String, origin: Origin) -> Self {
        SecretClaim {
            id: None,
            selector,
            status,
            date: None,
            ticket: None,
            owner: None,
            note: Some(note),
            origin,
        }
    }
}

/// Whether an identity is in service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    Active,
    Offboarded,
}

/// An identity the programme knows (`inventory:`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InventoryEntry {
    pub identity: String,
    /// Other names the same identity appears under (a key id and its user, say).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    pub status: IdentityStatus,
    /// For offboarded identities: the offboarding date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<Day>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub origin: Origin,
}

impl InventoryEntry {
    /// Whether this entry names `identity` (case-insensitively, by its name or an alias).
    pub fn names(&self, identity: &str) -> bool {
        std::iter::once(&self.identity)
            .chain(&self.aliases)
            .any(|n| n.eq_ignore_ascii_case(identity))
    }
}

/// Which findings a control speaks about. Every filter given must hold; an absent filter
/// matches everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Scope {
    /// Rule or check ids; `*` is a wildcard (`gha-*`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<Kind>,
    /// Gitignore-style path globs (`infra/**`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Identity globs (`arn:aws:iam::*:role/ci-*`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<String>,
    /// The lowest severity that counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Only what is still present at HEAD (default: history too).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub head_only: bool,
}

/// What a control asserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "test", content = "value")]
pub enum ControlTest {
    /// `expect: none`: no finding in scope.
    ExpectNone,
    /// `max_age_days: N`: no secret in scope has been reachable longer than N days.
    MaxAgeDays(u32),
    /// `inventory_complete: true`: every identity found in scope is in the inventory.
    InventoryComplete,
    /// `offboarding_complete: true`: no offboarded identity is still referenced or granted.
    OffboardingComplete,
}

/// A programme-level claim in outcome language (`controls:`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Control {
    pub id: String,
    /// The claim as the programme states it.
    pub claim: String,
    pub scope: Scope,
    pub test: ControlTest,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    pub origin: Origin,
}

/// A figure the programme reported upward (`reported:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    OpenSecrets,
    SecretsInHistory,
    OverprivilegedIdentities,
    MedianSecretAgeDays,
    MaxSecretAgeDays,
    OffboardedActiveIdentities,
    UnownedIdentities,
    InventoryCoveragePercent,
}

impl Figure {
    pub const ALL: [Figure; 8] = [
        Figure::OpenSecrets,
        Figure::SecretsInHistory,
        Figure::OverprivilegedIdentities,
        Figure::MedianSecretAgeDays,
        Figure::MaxSecretAgeDays,
        Figure::OffboardedActiveIdentities,
        Figure::UnownedIdentities,
        Figure::InventoryCoveragePercent,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Figure::OpenSecrets => "open_secrets",
            Figure::SecretsInHistory => "secrets_in_history",
            Figure::OverprivilegedIdentities => "overprivileged_identities",
            Figure::MedianSecretAgeDays => "median_secret_age_days",
            Figure::MaxSecretAgeDays => "max_secret_age_days",
            Figure::OffboardedActiveIdentities => "offboarded_active_identities",
            Figure::UnownedIdentities => "unowned_identities",
            Figure::InventoryCoveragePercent => "inventory_coverage_percent",
        }
    }

    pub fn parse(s: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.key() == s)
    }

    /// True for figures where a higher number is better (coverage): under-reporting is then a
    /// reported value above the measured one.
    pub fn higher_is_better(self) -> bool {
        matches!(self, Figure::InventoryCoveragePercent)
    }
}

/// One reported figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportedFigure {
    pub figure: Figure,
    pub value: f64,
    pub origin: Origin,
}

/// A loaded set of claims: one ledger, or the merge of several ledgers and imports.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Ledger {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Day>,
    pub reported: Vec<ReportedFigure>,
    pub inventory: Vec<InventoryEntry>,
    pub secrets: Vec<SecretClaim>,
    pub controls: Vec<Control>,
    /// The files the claims were read from.
    pub sources: Vec<LedgerSource>,
}

/// One file that contributed claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerSource {
    pub file: String,
    pub format: SourceKind,
    pub claims: usize,
}

impl Ledger {
    pub fn claim_count(&self) -> usize {
        self.reported.len() + self.inventory.len() + self.secrets.len() + self.controls.len()
    }

    /// Add another ledger's claims. Conflicting programme-level fields are errors: two files
    /// cannot both report the figure for the same outcome.
    pub fn merge(&mut self, other: Ledger) -> Result<(), String> {
        if self.programme.is_none() {
            self.programme = other.programme;
        }
        if self.as_of.is_none() {
            self.as_of = other.as_of;
        }
        for r in other.reported {
            if let Some(prev) = self.reported.iter().find(|p| p.figure == r.figure) {
                return Err(format!(
                    "{}: reported.{} is already given at {}",
                    r.origin,
                    r.figure.key(),
                    prev.origin
                ));
            }
            self.reported.push(r);
        }
        for e in other.inventory {
            if let Some(prev) = self.inventory.iter().find(|p| p.names(&e.identity)) {
                return Err(format!(
                    "{}: identity {:?} is already in the inventory at {}",
                    e.origin, e.identity, prev.origin
                ));
            }
            self.inventory.push(e);
        }
        for c in other.controls {
            if let Some(prev) = self.controls.iter().find(|p| p.id == c.id) {
                return Err(format!(
                    "{}: control id {:?} is already used at {}",
                    c.origin, c.id, prev.origin
                ));
            }
            self.controls.push(c);
        }
        self.secrets.extend(other.secrets);
        self.sources.extend(other.sources);
        Ok(())
    }
}
