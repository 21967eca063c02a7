//! Importers: other tools' state turned into claims, so one gap report covers a programme that
//! records its decisions in gitleaks, detect-secrets, GitHub or any SARIF-producing scanner.
//!
//! Every importer keeps the promise of the ledger: no raw secret is ever kept. Where a tool's
//! file holds one (gitleaks reports, GitHub alert exports), only its SHA-256 is.

mod detect_secrets;
mod github_alerts;
mod gitleaks;
mod sarif;

use super::ledger::{self, LedgerErrors};
use super::{Ledger, LedgerSource, SecretClaim, SourceKind};
use std::path::Path;

/// Files above this size are refused: tens of thousands of alerts or results fit well below.
pub const MAX_IMPORT_BYTES: u64 = 64 << 20;

/// The formats `--claims` and `claims import` read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A ferret claims ledger (YAML or JSON).
    Ledger,
    Gitleaks,
    Gitleaksignore,
    DetectSecrets,
    GithubAlerts,
    Sarif,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Ledger,
        Format::Gitleaks,
        Format::Gitleaksignore,
        Format::DetectSecrets,
        Format::GithubAlerts,
        Format::Sarif,
    ];

    /// The prefix used in `--claims TOOL:FILE`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Ledger => "ferret",
            Format::Gitleaks => "gitleaks",
            Format::Gitleaksignore => "gitleaksignore",
            Format::DetectSecrets => "detect-secrets",
            Format::GithubAlerts => "github-alerts",
            Format::Sarif => "sarif",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }

    fn source(self) -> SourceKind {
        match self {
            Format::Ledger => SourceKind::Ledger,
            Format::Gitleaks => SourceKind::Gitleaks,
            Format::Gitleaksignore => SourceKind::Gitleaksignore,
            Format::DetectSecrets => SourceKind::DetectSecrets,
            Format::GithubAlerts => SourceKind::GithubAlerts,
            Format::Sarif => SourceKind::Sarif,
        }
    }
}

/// Claims read from one file, with what could not be used.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    pub ledger: Ledger,
    /// Entries skipped, each with the reason.
    pub warnings: Vec<String>,
}

/// Split `--claims` values: `TOOL:FILE` when TOOL is a known format name, else a file whose
/// format is detected from its name and content.
pub fn parse_spec(spec: &str) -> (Option<Format>, &str) {
    if let Some((tool, rest)) = spec.split_once(':') {
        if let Some(f) = Format::parse(tool) {
            if !rest.is_empty() {
                return (Some(f), rest);
            }
        }
    }
    (None, spec)
}

/// Read claims from `spec` (see [`parse_spec`]).
pub fn load(spec: &str) -> Result<Imported, String> {
    let (format, file) = parse_spec(spec);
    let path = Path::new(file);
    let bytes = read(path)?;
    let format = match format {
        Some(f) => f,
        None => detect(path, &bytes).ok_or_else(|| {
            format!(
                "{file}: cannot tell what this file is; name the format, e.g. --claims gitleaks:{file} (formats: {})",
                Format::ALL.map(Format::name).join(", ")
            )
        })?,
    };
    import(format, file, &bytes)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: cannot read: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown}: not a regular file"));
    }
    if meta.len() > MAX_IMPORT_BYTES {
        return Err(format!(
            "{shown}: {} bytes is over the {MAX_IMPORT_BYTES}-byte limit",
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{shown}: cannot read: {e}"))
}

/// Guess a file's format from its name, then from the shape of its JSON.
pub fn detect(path: &Path, bytes: &[u8]) -> Option<Format> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name == ".gitleaksignore" {
        return Some(Format::Gitleaksignore);
    }
    if name.ends_with(".sarif") || name.ends_with(".sarif.json") {
        return Some(Format::Sarif);
    }
    if name.ends_with(".yaml") || name.ends_with(".yml") {
        return Some(Format::Ledger);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    match &value {
        serde_json::Value::Object(m) => {
            if m.contains_key("runs") && m.get("version").and_then(|v| v.as_str()).is_some() {
                Some(Format::Sarif)
            } else if m.contains_key("results") && m.contains_key("plugins_used") {
                Some(Format::DetectSecrets)
            } else if m.contains_key("version") {
                Some(Format::Ledger)
            } else {
                None
            }
        }
        serde_json::Value::Array(items) => {
            let first = items.first()?.as_object()?;
            if first.contains_key("RuleID") {
                Some(Format::Gitleaks)
            } else if first.contains_key("secret_type") || first.contains_key("locations_url") {
                Some(Format::GithubAlerts)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Turn one file's content into claims.
pub fn import(format: Format, file: &str, bytes: &[u8]) -> Result<Imported, String> {
    let mut out = match format {
        Format::Ledger => {
            let text = std::str::from_utf8(bytes)
                .map_err(|e| format!("{file}: not UTF-8 text (offset {})", e.valid_up_to()))?;
            let ledger = ledger::parse(file, text).map_err(|e: LedgerErrors| e.to_string())?;
            return Ok(Imported {
                ledger,
                warnings: Vec::new(),
            });
        }
        Format::Gitleaks => gitleaks::report(file, &json(file, bytes)?)?,
        Format::Gitleaksignore => gitleaks::ignore_file(file, bytes)?,
        Format::DetectSecrets => detect_secrets::baseline(file, &json(file, bytes)?)?,
        Format::GithubAlerts => github_alerts::alerts(file, &json(file, bytes)?)?,
        Format::Sarif => sarif::log(file, &json(file, bytes)?)?,
    };
    out.ledger.sources.push(LedgerSource {
        file: file.to_string(),
        format: format.source(),
        claims: out.ledger.secrets.len(),
    });
    Ok(out)
}

fn json(file: &str, bytes: &[u8]) -> Result<serde_json::Value, String> {
    serde_json::from_slice(bytes)
        .map_err(|e| format!("{file}:{}:{}: not valid JSON: {e}", e.line(), e.column()))
}

/// Shared helpers for importers.
fn origin(
    source: SourceKind,
    file: &str,
    line: Option<u32>,
    entry: Option<String>,
) -> super::Origin {
    super::Origin {
        source,
        file: file.to_string(),
        line,
        entry,
    }
}

/// A path as another tool wrote it, made comparable with finding paths.
fn tool_path(p: &str) -> String {
    let p = p.strip_prefix("file://").unwrap_or(p);
    let decoded = percent_decode(p);
    let s = ledger::normalise_path(&decoded);
    s.trim_start_matches('/').to_string()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                b.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Secrets estimated under this many bits (length × Shannon entropy per byte) are not hashed
/// into a ledger: passwords and short keys. Generated tokens and key ids are well above it.
const MIN_HASHED_SECRET_BITS: f64 = 64.0;

/// A raw secret from another tool's file, hashed unless the tool already redacted it, or it is
/// weak: an unsalted SHA-256 of a password, written into a ledger that is committed, can be
/// checked against a dictionary in a moment. Such claims match by path and line instead, as
/// claims from redacted reports do.
fn secret_hash(secret: Option<&str>) -> Option<String> {
    let s = secret?;
    if s.is_empty() || s.contains("REDACTED") || s.ends_with("...") {
        return None;
    }
    if crate::findings::estimated_bits(s.as_bytes()) < MIN_HASHED_SECRET_BITS {
        return None;
    }
    Some(crate::findings::sha256_hex(s.as_bytes()))
}

fn line_of(v: Option<&serde_json::Value>) -> Option<u32> {
    v.and_then(|v| v.as_u64())
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0)
}

fn str_of<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(|x| x.as_str())
        .filter(|s| !s.is_empty())
}

fn push(out: &mut Imported, claim: SecretClaim) {
    if claim.selector.is_empty() {
        out.warnings.push(format!(
            "{}: names no file, hash or fingerprint; skipped",
            claim.origin
        ));
    } else {
        out.ledger.secrets.push(claim);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_detection() {
        assert_eq!(
            parse_spec("gitleaks:r.json"),
            (Some(Format::Gitleaks), "r.json")
        );
        assert_eq!(parse_spec("C:\\x\\l.yaml"), (None, "C:\\x\\l.yaml"));
        assert_eq!(parse_spec("l.yaml"), (None, "l.yaml"));
        let p = Path::new;
        assert_eq!(
            detect(p("x/.gitleaksignore"), b""),
            Some(Format::Gitleaksignore)
        );
        assert_eq!(detect(p("a.sarif"), b""), Some(Format::Sarif));
        assert_eq!(detect(p("l.yml"), b""), Some(Format::Ledger));
        assert_eq!(
            detect(p("r.json"), br#"[{"RuleID": "x", "File": "a"}]"#),
            Some(Format::Gitleaks)
        );
        assert_eq!(
            detect(
                p(".secrets.baseline"),
                br#"{"version": "1.5.0", "plugins_used": [], "results": {}}"#
            ),
            Some(Format::DetectSecrets)
        );
        assert_eq!(
            detect(p("alerts.json"), br#"[{"number": 1, "secret_type": "x"}]"#),
            Some(Format::GithubAlerts)
        );
        assert_eq!(
            detect(p("s.json"), br#"{"version": "2.1.0", "runs": []}"#),
            Some(Format::Sarif)
        );
        assert_eq!(
            detect(p("c.json"), br#"{"version": 1}"#),
            Some(Format::Ledger)
        );
        assert_eq!(detect(p("c.json"), b"[1]"), None);
    }

    #[test]
    fn tool_paths_are_normalised() {
        assert_eq!(tool_path("file:///repo/a%20b/c.txt"), "repo/a b/c.txt");
        assert_eq!(tool_path("/example/secrets.txt"), "example/secrets.txt");
        assert_eq!(tool_path(".\\src\\x.py"), "src/x.py");
        assert_eq!(tool_path("100%"), "100%");
    }

    #[test]
    fn redacted_secrets_are_not_hashed() {
        assert!(secret_hash(Some("REDACTED")).is_none());
        assert!(secret_hash(Some("ghp_abc...")).is_none());
        assert_eq!(
            secret_hash(Some("ghp_Q7v2Lm9XkP4rT8wZ1nB5cY3dH6jF0sA2gK8e")) // ferret:allow
                .unwrap()
                .len(),
            64
        );
    }

    /// An unsalted SHA-256 of a password in a committed ledger is a dictionary lookup away
    /// from the password: weak secrets are matched by path and line instead.
    #[test]
    fn weak_secrets_are_not_hashed() {
        for weak in ["x", "hunter2", "Summer2024!", "changeme123"] {
            assert!(secret_hash(Some(weak)).is_none(), "{weak}");
        }
        assert!(secret_hash(Some("AKIAQ3EGRXZ5LPMN7T2B")).is_some()); // ferret:allow
    }
}
