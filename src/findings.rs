//! The one `Finding` type every detector produces and every report consumes.
//!
//! Findings are built through [`FindingBuilder`] so that fingerprints, tags and ordering are computed
//! in one place. Nothing here knows about rules, files or output formats.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// What kind of exposure a finding describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A credential written into content.
    Secret,
    /// A privilege granted to a non-human identity by configuration.
    Grant,
    /// A programme claim that the evidence contradicts.
    Gap,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Secret => "secret",
            Kind::Grant => "grant",
            Kind::Gap => "gap",
        })
    }
}

/// Severity, ordered from least to most severe so that `>=` means "at least as bad".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Some(Severity::Info),
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure the detector is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A span in a file. Lines and columns are 1-based; columns count Unicode code points;
/// `end_column` points one past the last character (SARIF convention).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Path relative to the scan root, `/`-separated.
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// Where in git history a finding comes from. Absent for working-tree and staged scans.
/// Dates are RFC 3339 committer dates (when the content entered this history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Provenance {
    /// The commit that introduced the secret at the finding's location (in a range scan, the
    /// commit of the range that added it).
    pub commit: String,
    /// Author of `commit`.
    pub author: String,
    /// Date of `commit`.
    pub date: String,
    /// Whether the secret is present in HEAD's tree.
    pub in_head: bool,
    /// When not at HEAD: the commit that removed it (on HEAD's line when it was ever there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<String>,
    /// Date of `removed_in`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_date: Option<String>,
    /// Earliest date of a scanned commit whose tree holds the secret (any path, any branch).
    pub first_seen: String,
    /// Latest date of a scanned commit whose tree holds the secret.
    pub last_seen: String,
    /// Number of scanned commits whose tree holds the secret.
    pub commits: u32,
    /// Days from `first_seen` to the removal, or to the scan date while it is still present at
    /// HEAD or at the tip of any ref.
    pub lifetime_days: u32,
    /// Refs (branches, tags, remotes, stash) whose tip still holds the secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
    /// Where the secret was introduced: one entry per path (the finding's location first, then
    /// its `other_locations`), each with the commit that first brought it to that path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub introduced: Vec<Introduction>,
}

/// The commit that first brought a secret to a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Introduction {
    pub path: String,
    pub commit: String,
    pub author: String,
    pub date: String,
    /// Seconds since the epoch of `date`, for computations; not serialised.
    #[serde(skip)]
    pub time: Option<i64>,
}

/// One finding. Build it with [`FindingBuilder`]. Its `Debug` output leaves out the raw secret
/// and its unkeyed hash, so a debug print or a failing assertion cannot leak either.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule_id: String,
    pub kind: Kind,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Human-readable title of the rule or check.
    pub title: String,
    /// A sentence about this occurrence.
    pub message: String,
    #[serde(flatten)]
    pub location: Location,
    /// Other places the same content occurs (e.g. the same secret in several files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_locations: Vec<Location>,
    /// The non-human identity concerned, when derivable (key id, role ARN, service account…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// The offending line with the secret masked (or unmasked with `--show-secrets`).
    pub redacted: String,
    /// OWASP NHI Top 10 and NIST CSF 2.0 ids.
    pub tags: Vec<String>,
    /// Content-based fingerprint: survives line moves, renames and squash merges.
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// The raw secret: only filled with `--show-secrets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Never serialised: SHA-256 of the raw secret, for matching claims ledgers in memory.
    #[serde(skip)]
    pub secret_sha256: Option<String>,
    /// Never serialised: SHA-1 of the raw secret, the hash detect-secrets baselines record.
    #[serde(skip)]
    pub secret_sha1: Option<String>,
}

impl fmt::Debug for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |o: &Option<String>| o.as_ref().map(|_| "<hidden>");
        f.debug_struct("Finding")
            .field("rule_id", &self.rule_id)
            .field("kind", &self.kind)
            .field("severity", &self.severity)
            .field("confidence", &self.confidence)
            .field("title", &self.title)
            .field("message", &self.message)
            .field("location", &self.location)
            .field("other_locations", &self.other_locations)
            .field("identity", &self.identity)
            .field("redacted", &self.redacted)
            .field("tags", &self.tags)
            .field("fingerprint", &self.fingerprint)
            .field("provenance", &self.provenance)
            .field("secret", &hidden(&self.secret))
            .field("secret_sha256", &hidden(&self.secret_sha256))
            .finish()
    }
}

impl Finding {
    /// Deterministic report order: path, position, rule.
    pub fn order(&self, other: &Finding) -> Ordering {
        self.location
            .cmp(&other.location)
            .then_with(|| self.rule_id.cmp(&other.rule_id))
            .then_with(|| self.fingerprint.cmp(&other.fingerprint))
    }

    /// Which NHI Top 10 ids the finding carries.
    pub fn nhi_tags(&self) -> impl Iterator<Item = &str> {
        self.tags
            .iter()
            .map(String::as_str)
            .filter(|t| t.starts_with("NHI"))
    }
}

/// The default framework tags added to every finding of a kind (NIST CSF 2.0).
pub fn csf_tags(kind: Kind) -> &'static [&'static str] {
    match kind {
        // Secrets are an identity-management (PR.AA-01) and data-protection (PR.DS-01) failure.
        Kind::Secret => &["CSF:PR.AA-01", "CSF:PR.DS-01"],
        // Grants: access permissions and least privilege (PR.AA-05).
        Kind::Grant => &["CSF:PR.AA-05"],
        // Gap: organisational outcomes vs reporting (GV.OC-01) and oversight (GV.OV-01).
        Kind::Gap => &["CSF:GV.OC-01", "CSF:GV.OV-01"],
    }
}

/// Incremental construction of a [`Finding`].
pub struct FindingBuilder {
    finding: Finding,
    fingerprint_material: Vec<u8>,
}

impl FindingBuilder {
    pub fn new(rule_id: &str, kind: Kind, title: &str, location: Location) -> Self {
        FindingBuilder {
            finding: Finding {
                rule_id: rule_id.to_string(),
                kind,
                severity: Severity::Medium,
                confidence: Confidence::Medium,
                title: title.to_string(),
                message: title.to_string(),
                location,
                other_locations: Vec::new(),
                identity: None,
                redacted: String::new(),
                tags: Vec::new(),
                fingerprint: String::new(),
                provenance: None,
                secret: None,
                secret_sha256: None,
                secret_sha1: None,
            },
            fingerprint_material: Vec::new(),
        }
    }

    pub fn severity(mut self, s: Severity) -> Self {
        self.finding.severity = s;
        self
    }
    pub fn confidence(mut self, c: Confidence) -> Self {
        self.finding.confidence = c;
        self
    }
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.finding.message = m.into();
        self
    }
    pub fn identity(mut self, i: Option<String>) -> Self {
        self.finding.identity = i;
        self
    }
    pub fn redacted(mut self, r: impl Into<String>) -> Self {
        self.finding.redacted = r.into();
        self
    }
    pub fn tags<I, S>(mut self, tags: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for t in tags {
            let t = t.as_ref();
            if !self.finding.tags.iter().any(|x| x == t) {
                self.finding.tags.push(t.to_string());
            }
        }
        self
    }

    /// The secret value: fingerprinted (never stored) unless `show` asks to keep it.
    pub fn secret(mut self, raw: &[u8], show: bool) -> Self {
        self.fingerprint_material = raw.to_vec();
        self.finding.secret_sha256 = Some(sha256_hex(raw));
        self.finding.secret_sha1 = Some(sha1_hex(raw));
        if show {
            self.finding.secret = Some(String::from_utf8_lossy(raw).into_owned());
        }
        self
    }

    /// Content that identifies a grant finding independently of its line (e.g. the identity
    /// and the offending value). Grants have no secret; this feeds their fingerprint.
    pub fn fingerprint_material(mut self, material: impl AsRef<[u8]>) -> Self {
        self.fingerprint_material = material.as_ref().to_vec();
        self
    }

    pub fn provenance(mut self, p: Option<Provenance>) -> Self {
        self.finding.provenance = p;
        self
    }

    pub fn build(mut self) -> Finding {
        let csf = csf_tags(self.finding.kind);
        self = self.tags(csf.iter());
        self.finding.fingerprint = fingerprint(
            &self.finding.rule_id,
            self.finding.kind,
            &self.finding.location.path,
            &self.fingerprint_material,
        );
        self.finding
    }
}

/// Fingerprint scheme (documented in docs/json-output.md):
///
/// * secrets: `blake3-keyed(K, "secret\0" rule_id "\0" secret)` — the path is deliberately left
///   out so the fingerprint survives renames and moves, and one secret in many files is one secret;
/// * grants: `blake3-keyed(K, "grant\0" rule_id "\0" path "\0" material)`.
///
/// K is derived from a fixed context and `FERRET_FINGERPRINT_SALT`. The result is truncated to
/// 128 bits (32 hex chars). Without a salt, anyone who knows the scheme can test guesses of a
/// secret against its fingerprint, and a weak secret (a password) falls to a dictionary quickly;
/// so without a salt, the fingerprint of a secret estimated under [`WEAK_SECRET_BITS`] is
/// stretched by [`STRETCH_ROUNDS`] more keyed hashes, which multiplies the cost of every guess.
/// Only a salt unknown to the reader makes guessing infeasible.
pub fn fingerprint(rule_id: &str, kind: Kind, path: &str, material: &[u8]) -> String {
    let key = fingerprint_key();
    let mut h = blake3::Hasher::new_keyed(&key.key);
    h.update(kind.to_string().as_bytes());
    h.update(b"\0");
    h.update(rule_id.as_bytes());
    h.update(b"\0");
    if kind != Kind::Secret {
        h.update(path.as_bytes());
        h.update(b"\0");
    }
    h.update(material);
    let mut digest = *h.finalize().as_bytes();
    if kind == Kind::Secret && !key.salted && estimated_bits(material) < WEAK_SECRET_BITS {
        digest = stretch(&key.key, digest);
    }
    blake3::Hash::from(digest).to_hex()[..32].to_string()
}

/// Secrets estimated weaker than this many bits (length × Shannon entropy per byte, which
/// underestimates random strings, so erring towards stretching) get a stretched fingerprint.
/// Generated tokens (`ghp_` + 36 random characters ≈ 200) stay a single hash.
pub const WEAK_SECRET_BITS: f64 = 100.0;
/// Extra keyed hashes for a weak secret's fingerprint: about 0.1 ms once per distinct secret
/// (memoised), and about 1,000 times the work of each guess. Not more: a hostile file of many
/// distinct weak secrets pays this per finding (at most `--max-findings-per-file` per file),
/// and 4,096 rounds made 330,000 such findings take 150 s.
pub const STRETCH_ROUNDS: u32 = 1 << 10;
/// Stretched fingerprints remembered per process, so a secret repeated across files and
/// commits is stretched once.
const STRETCH_MEMO_MAX: usize = 1 << 16;

/// Length × Shannon entropy per byte: a cheap, conservative estimate of how guessable a secret
/// is (it underestimates random strings).
pub fn estimated_bits(secret: &[u8]) -> f64 {
    if secret.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in secret {
        counts[b as usize] += 1;
    }
    let n = secret.len() as f64;
    let per_byte: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum();
    per_byte * n
}

fn stretch(key: &[u8; 32], first: [u8; 32]) -> [u8; 32] {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static MEMO: OnceLock<Mutex<HashMap<[u8; 32], [u8; 32]>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    if let Some(done) = memo.lock().unwrap_or_else(|e| e.into_inner()).get(&first) {
        return *done;
    }
    let mut d = first;
    for _ in 0..STRETCH_ROUNDS {
        d = *blake3::keyed_hash(key, &d).as_bytes();
    }
    let mut m = memo.lock().unwrap_or_else(|e| e.into_inner());
    if m.len() < STRETCH_MEMO_MAX {
        m.insert(first, d);
    }
    d
}

struct FingerprintKey {
    key: [u8; 32],
    salted: bool,
}

fn fingerprint_key() -> &'static FingerprintKey {
    // A user-chosen salt (FERRET_FINGERPRINT_SALT) makes fingerprints unlinkable across
    // organisations and, kept secret, makes guessing a secret from its fingerprint infeasible.
    static KEY: std::sync::OnceLock<FingerprintKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let salt = std::env::var("FERRET_FINGERPRINT_SALT").unwrap_or_default();
        FingerprintKey {
            key: blake3::derive_key(
                "ferret 2026 finding fingerprint v1",
                format!("salt:{salt}").as_bytes(),
            ),
            salted: !salt.is_empty(),
        }
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

pub fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let d = Sha1::digest(bytes);
    let mut s = String::with_capacity(40);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Mask a secret for display: keep a short prefix only when the secret is long enough that the
/// prefix gives nothing away (provider prefixes such as `ghp_` are public knowledge).
pub fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let keep = match chars.len() {
        0..=11 => 0,
        12..=23 => 3,
        _ => 6,
    };
    let prefix: String = chars[..keep].iter().collect();
    format!("{prefix}***REDACTED***")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(path: &str, line: u32) -> Location {
        Location {
            path: path.into(),
            line,
            column: 1,
            end_line: line,
            end_column: 5,
        }
    }

    #[test]
    fn secret_fingerprint_ignores_path_and_line() {
        let a = FindingBuilder::new("r", Kind::Secret, "t", loc("a.txt", 1))
            .secret(b"s3cr3tvalue", false)
            .build();
        let b = FindingBuilder::new("r", Kind::Secret, "t", loc("dir/b.txt", 40))
            .secret(b"s3cr3tvalue", false)
            .build();
        assert_eq!(a.fingerprint, b.fingerprint);
        let c = FindingBuilder::new("r", Kind::Secret, "t", loc("a.txt", 1))
            .secret(b"other", false)
            .build();
        assert_ne!(a.fingerprint, c.fingerprint);
        assert_eq!(a.fingerprint.len(), 32);
        assert!(!a.fingerprint.contains("s3cr3t"));
    }

    #[test]
    fn debug_output_hides_the_secret_and_its_hash() {
        let f = FindingBuilder::new("r", Kind::Secret, "t", loc("a.txt", 1))
            .secret(b"s3cr3tvalue-xyz", true)
            .build();
        assert_eq!(f.secret.as_deref(), Some("s3cr3tvalue-xyz"));
        let dbg = format!("{f:?} {f:#?}");
        assert!(!dbg.contains("s3cr3tvalue"), "{dbg}");
        assert!(
            !dbg.contains(&sha256_hex(b"s3cr3tvalue-xyz")[..16]),
            "{dbg}"
        );
        assert!(dbg.contains("<hidden>") && dbg.contains(&f.fingerprint));
    }

    #[test]
    fn weak_secrets_are_stretched_strong_ones_are_not() {
        assert!(estimated_bits(b"Summer2024!") < WEAK_SECRET_BITS);
        assert!(estimated_bits(b"ghp_7A7KOQi4lg7MoVpXSYKgpqZvV8OMuRNDD7be") > WEAK_SECRET_BITS); // ferret:allow
        let key = fingerprint_key();
        let one_pass = |material: &[u8]| {
            let mut h = blake3::Hasher::new_keyed(&key.key);
            h.update(b"secret\0r\0");
            h.update(material);
            h.finalize().to_hex()[..32].to_string()
        };
        let strong = b"ghp_7A7KOQi4lg7MoVpXSYKgpqZvV8OMuRNDD7be"; // ferret:allow
        assert_eq!(
            fingerprint("r", Kind::Secret, "a", strong),
            one_pass(strong)
        );
        if !key.salted {
            let weak = b"Summer2024!";
            let f = fingerprint("r", Kind::Secret, "a", weak);
            assert_ne!(f, one_pass(weak));
            // Memoised and deterministic.
            assert_eq!(f, fingerprint("r", Kind::Secret, "b", weak));
        }
    }

    #[test]
    fn grant_fingerprint_depends_on_path() {
        let a = FindingBuilder::new("g", Kind::Grant, "t", loc("a.yml", 1))
            .fingerprint_material("x")
            .build();
        let b = FindingBuilder::new("g", Kind::Grant, "t", loc("b.yml", 1))
            .fingerprint_material("x")
            .build();
        assert_ne!(a.fingerprint, b.fingerprint);
    }

    #[test]
    fn masking_never_reveals_short_secrets() {
        assert_eq!(mask_secret("hunter2"), "***REDACTED***");
        assert_eq!(mask_secret("abcdefghijklmnop"), "abc***REDACTED***");
        let token = "ghp_0123456789abcdefghijklmnopqrstuvwxyz"; // ferret:allow (test value)
        assert!(mask_secret(token).starts_with("ghp_01***"));
    }

    #[test]
    fn build_adds_csf_tags_once() {
        let f = FindingBuilder::new("r", Kind::Secret, "t", loc("a", 1))
            .tags(["NHI2", "CSF:PR.AA-01"])
            .build();
        assert_eq!(f.tags.iter().filter(|t| *t == "CSF:PR.AA-01").count(), 1);
        assert!(f.tags.contains(&"NHI2".to_string()));
    }
}
