//! The non-human identities visible in the code: every identity a finding names (key ids and
//! accounts from secrets; roles, service accounts and workflow tokens from grants), with where
//! each appears. Credentials whose identity cannot be named are counted apart.

use crate::findings::{Finding, Kind, Severity};
use serde::Serialize;
use std::collections::BTreeMap;

/// Grants at or above this severity make an identity "privileged" (admin or wildcard access).
pub const PRIVILEGED: Severity = Severity::High;

/// Where an identity appears.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sighting {
    pub path: String,
    pub line: u32,
    pub rule_id: String,
    pub kind: Kind,
    pub severity: Severity,
    /// Still present at HEAD (always true for working-tree scans).
    pub at_head: bool,
    pub fingerprint: String,
    /// Date of the commit that brought it here (history scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
}

/// One identity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Nhi {
    pub identity: String,
    /// What sort of identity it looks like (`aws-access-key`, `kubernetes-service-account`…).
    pub kind: String,
    /// Distinct secrets (by fingerprint) that belong to it.
    pub secrets: usize,
    /// Grant findings that give it privilege.
    pub grants: usize,
    /// Whether anything naming it is still present at HEAD.
    pub at_head: bool,
    /// Holds a grant of high or critical severity at HEAD: standing privilege.
    pub privileged: bool,
    pub rules: Vec<String>,
    pub sightings: Vec<Sighting>,
}

/// Secrets with no nameable identity, per rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unattributed {
    pub rule_id: String,
    pub secrets: usize,
    pub at_head: usize,
    pub sightings: Vec<Sighting>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Inventory {
    pub identities: Vec<Nhi>,
    pub unattributed: Vec<Unattributed>,
}

/// Whether the finding's content is still present (working-tree findings always are).
pub fn at_head(f: &Finding) -> bool {
    f.provenance.as_ref().is_none_or(|p| p.in_head)
}

fn sightings(f: &Finding) -> impl Iterator<Item = Sighting> + '_ {
    std::iter::once(&f.location)
        .chain(&f.other_locations)
        .map(move |l| Sighting {
            path: l.path.clone(),
            line: l.line,
            rule_id: f.rule_id.clone(),
            kind: f.kind,
            severity: f.severity,
            at_head: at_head(f),
            fingerprint: f.fingerprint.clone(),
            // The commit that brought the content to this very path, when history says.
            introduced: f.provenance.as_ref().and_then(|p| {
                p.introduced
                    .iter()
                    .find(|i| i.path == l.path)
                    .map(|i| i.date.clone())
                    .or_else(|| (l.path == f.location.path).then(|| p.date.clone()))
                    .filter(|d| !d.is_empty())
            }),
        })
}

/// The identity a finding names, if it is one. Generic assignment rules (and some others) name
/// the setting that holds the value (`SMTP_PASSWORD`, `token`), not who the credential belongs
/// to: such findings count as credentials with no nameable identity.
pub fn identity_of(f: &Finding) -> Option<&str> {
    let id = f
        .identity
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())?;
    if f.kind != Kind::Secret {
        return Some(id);
    }
    let generic =
        f.rule_id.starts_with("generic-") || f.confidence == crate::findings::Confidence::Low;
    (!generic && !is_setting_name(id)).then_some(id)
}

/// `DB_PASSWORD`, `api_token`, `secret`: the name of a setting, not of an identity.
pub fn is_setting_name(id: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "api-key",
        "accesskey",
        "access_key",
        "privatekey",
        "private_key",
        "credential",
        "auth",
    ];
    let lower = id.to_ascii_lowercase();
    lower
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && WORDS.iter().any(|w| lower.contains(w))
}

/// Group findings by the identity they name (case-insensitively; the first spelling wins).
pub fn build(findings: &[Finding]) -> Inventory {
    let mut by_id: BTreeMap<String, Nhi> = BTreeMap::new();
    let mut fps: BTreeMap<String, std::collections::BTreeSet<&str>> = BTreeMap::new();
    let mut anon: BTreeMap<&str, (std::collections::BTreeSet<&str>, usize, Vec<Sighting>)> =
        BTreeMap::new();
    for f in findings.iter().filter(|f| f.kind != Kind::Gap) {
        let Some(id) = identity_of(f) else {
            if f.kind == Kind::Secret {
                let e = anon.entry(&f.rule_id).or_default();
                if e.0.insert(&f.fingerprint) && at_head(f) {
                    e.1 += 1;
                }
                e.2.extend(sightings(f));
            }
            continue;
        };
        let key = id.to_ascii_lowercase();
        let nhi = by_id.entry(key.clone()).or_insert_with(|| Nhi {
            identity: id.to_string(),
            kind: kind_of(id, f),
            secrets: 0,
            grants: 0,
            at_head: false,
            privileged: false,
            rules: Vec::new(),
            sightings: Vec::new(),
        });
        match f.kind {
            Kind::Secret => {
                if fps.entry(key).or_default().insert(&f.fingerprint) {
                    nhi.secrets += 1;
                }
            }
            _ => {
                nhi.grants += 1;
                if at_head(f) && f.severity >= PRIVILEGED {
                    nhi.privileged = true;
                }
            }
        }
        nhi.at_head |= at_head(f);
        if !nhi.rules.contains(&f.rule_id) {
            nhi.rules.push(f.rule_id.clone());
        }
        nhi.sightings.extend(sightings(f));
    }
    let mut identities: Vec<Nhi> = by_id.into_values().collect();
    for n in &mut identities {
        n.rules.sort();
        n.sightings
            .sort_by(|a, b| (&a.path, a.line, &a.rule_id).cmp(&(&b.path, b.line, &b.rule_id)));
        n.sightings.dedup();
    }
    let unattributed = anon
        .into_iter()
        .map(|(rule, (set, head, mut s))| {
            s.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
            s.dedup();
            Unattributed {
                rule_id: rule.to_string(),
                secrets: set.len(),
                at_head: head,
                sightings: s,
            }
        })
        .collect();
    Inventory {
        identities,
        unattributed,
    }
}

/// A short kind label from the identity's shape, else from the rule or check that named it.
pub fn kind_of(identity: &str, f: &Finding) -> String {
    let id = identity;
    let is_aws_key_id = id.len() == 20
        && [
            "AKIA", "ASIA", "ABIA", "ACCA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA",
        ]
        .iter()
        .any(|p| id.starts_with(p))
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    let kind = if is_aws_key_id {
        "aws-access-key"
    } else if id.starts_with("arn:aws") && id.contains(":role/") {
        "aws-iam-role"
    } else if id.starts_with("arn:aws") && id.contains(":user/") {
        "aws-iam-user"
    } else if id.starts_with("arn:aws") {
        "aws-principal"
    } else if id.ends_with(".iam.gserviceaccount.com") {
        "gcp-service-account"
    } else if id.starts_with("system:serviceaccount:") {
        "kubernetes-service-account"
    } else {
        let rule = f.rule_id.as_str();
        let prefixed = |p: &str| rule.starts_with(p);
        if f.kind == Kind::Grant {
            if prefixed("gha-") || prefixed("github-") {
                "github-actions-token"
            } else if prefixed("gitlab-") {
                "gitlab-ci-job"
            } else if prefixed("k8s-") || prefixed("kubernetes-") {
                "kubernetes-service-account"
            } else if prefixed("aws-") {
                "aws-principal"
            } else if prefixed("gcp-") {
                "gcp-principal"
            } else if prefixed("azure-") {
                "azure-principal"
            } else {
                "principal"
            }
        } else if rule.contains("private-key") {
            "key-pair"
        } else if rule.contains("url") || rule.contains("connection") || rule.contains("jdbc") {
            "service-account"
        } else if rule.contains("kubeconfig") {
            "kubernetes-user"
        } else {
            "credential"
        }
    };
    kind.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{FindingBuilder, Location, Provenance};

    fn loc(path: &str, line: u32) -> Location {
        Location {
            path: path.into(),
            line,
            column: 1,
            end_line: line,
            end_column: 2,
        }
    }

    #[test]
    fn setting_names_are_not_identities() {
        for name in [
            "SMTP_PASSWORD",
            "token",
            "db.password",
            "apiKey",
            "client-secret",
        ] {
            assert!(is_setting_name(name), "{name}");
        }
        for id in [
            "billing_svc@db.prod.internal",
            "AKIAQYLPMN5HFIQR7XYZ",
            "root",
            "ci/deployer",
        ] {
            assert!(!is_setting_name(id), "{id}");
        }
    }

    #[test]
    fn groups_by_identity_and_counts_privilege() {
        let s1 = FindingBuilder::new("aws-access-key", Kind::Secret, "t", loc("a.env", 1))
            .identity(Some("AKIAQYLPMN5HFIQR7XYZ".into()))
            .secret(b"one", false)
            .build();
        let mut s2 = FindingBuilder::new("aws-access-key", Kind::Secret, "t", loc("b.env", 2))
            .identity(Some("akiaqylpmn5hfiqr7xyz".into()))
            .secret(b"two", false)
            .build();
        s2.provenance = Some(Provenance {
            in_head: false,
            ..Provenance::default()
        });
        let g = FindingBuilder::new(
            "k8s-cluster-admin-binding",
            Kind::Grant,
            "t",
            loc("k.yaml", 9),
        )
        .identity(Some("ci/deployer".into()))
        .severity(Severity::Critical)
        .fingerprint_material("x")
        .build();
        let anon = FindingBuilder::new("jwt", Kind::Secret, "t", loc("c.txt", 1))
            .secret(b"jwt", false)
            .build();
        let inv = build(&[s1, s2, g, anon]);
        assert_eq!(inv.identities.len(), 2);
        let aws = &inv.identities[0];
        assert_eq!(aws.kind, "aws-access-key");
        assert_eq!(aws.secrets, 2);
        assert!(aws.at_head);
        assert_eq!(aws.sightings.len(), 2);
        assert!(!aws.sightings[1].at_head);
        let k8s = &inv.identities[1];
        assert_eq!(k8s.kind, "kubernetes-service-account");
        assert!(k8s.privileged);
        assert_eq!(inv.unattributed.len(), 1);
        assert_eq!(inv.unattributed[0].secrets, 1);
    }
}
