//! AWS IAM grant checks over standalone policy JSON, CloudFormation / SAM templates and
//! Terraform. Every check reads the same [`IamView`] of a file, so a policy means the same
//! thing wherever it is written.

mod access_key;
mod admin_wildcard;
mod github_oidc;
mod not_action;
mod pass_role;
mod privilege_escalation;
mod service_wildcard;
mod trust_any_principal;

pub use access_key::AccessKey;
pub use admin_wildcard::AdminWildcard;
pub use github_oidc::GithubOidcUnscoped;
pub use not_action::NotActionAllow;
pub use pass_role::PassRoleWildcard;
pub use privilege_escalation::PrivilegeEscalation;
pub use service_wildcard::ServiceWildcard;
pub use trust_any_principal::TrustAnyPrincipal;

use super::{Check, Document, FileKind};
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{self, Constraint, IamView, Item, PolicyInstance, ResourceScope};

/// The AWS checks, in a stable order.
pub fn checks() -> Vec<&'static dyn Check> {
    vec![
        &AdminWildcard,
        &ServiceWildcard,
        &NotActionAllow,
        &PassRoleWildcard,
        &PrivilegeEscalation,
        &TrustAnyPrincipal,
        &GithubOidcUnscoped,
        &AccessKey,
    ]
}

/// The file kinds that can hold IAM policies.
pub(crate) fn holds_iam(kind: FileKind) -> bool {
    matches!(
        kind,
        FileKind::IamPolicy | FileKind::CloudFormation | FileKind::Terraform
    )
}

/// The IAM policies and managed-policy attachments of a document.
pub(crate) fn view<'d>(doc: &'d Document<'_>) -> IamView<'d> {
    let source = match doc.kind {
        FileKind::IamPolicy => iam::Source::PolicyJson,
        FileKind::CloudFormation => iam::Source::CloudFormation,
        FileKind::Terraform => iam::Source::Terraform,
        _ => return IamView::default(),
    };
    iam::collect(source, &doc.roots, doc.path)
}

/// One severity step down (Info stays Info).
pub(crate) fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}

/// A grant's severity and confidence after what narrows it: a resource wildcard that still
/// narrows, a constraining condition, a conditional Deny in the same document.
pub(crate) fn graded(
    base: Severity,
    confidence: Confidence,
    scope: ResourceScope,
    constraint: Constraint,
    doubtful: bool,
) -> (Severity, Confidence) {
    let mut s = base;
    if scope == ResourceScope::Wildcard {
        s = lower(s);
    }
    if constraint == Constraint::Strong {
        s = lower(s);
    }
    let c = if doubtful {
        Confidence::Low
    } else {
        confidence
    };
    (s, c)
}

/// Set a finding's severity and confidence when they differ from the check's defaults.
pub(crate) fn with_grade(mut f: Finding, (s, c): (Severity, Confidence)) -> Finding {
    f.severity = s;
    f.confidence = c;
    f
}

/// " (held by role/a, role/b)" when a policy has several holders, so the message names them all.
pub(crate) fn holders_note(p: &PolicyInstance) -> String {
    if p.holders.len() > 1 {
        format!(" (held by {})", p.holders.join(", "))
    } else {
        String::new()
    }
}

/// Words for what narrows a grant, appended to messages.
pub(crate) fn narrowing_note(
    scope: ResourceScope,
    constraint: Constraint,
    doubtful: bool,
) -> String {
    let mut parts = Vec::new();
    if scope == ResourceScope::Wildcard {
        parts.push("resources narrowed by a wildcard pattern");
    }
    if constraint == Constraint::Strong {
        parts.push("a condition narrows it");
    }
    if doubtful {
        parts.push("a conditional Deny in the same document may remove it");
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// Fingerprint material of a grant: the identity, the offending value and the statement id, so
/// it survives moving the statement around.
pub(crate) fn material(identity: &str, value: &str, sid: Option<&str>) -> String {
    format!("{identity}\0{value}\0{}", sid.unwrap_or(""))
}

/// The text of an action item, for messages.
pub(crate) fn item_text<'a>(i: &Item<'a>) -> &'a str {
    i.text.unwrap_or("?")
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Build documents from inline text, the way the scan pipeline does for files.
    use crate::checks::{Check, Document, FileKind};
    use crate::findings::Finding;
    use crate::models::{hcl, json, LineIndex};

    pub fn run(check: &dyn Check, path: &str, text: &str) -> Vec<Finding> {
        let kind = if path.ends_with(".tf") {
            FileKind::Terraform
        } else if text.contains("AWSTemplateFormatVersion") || text.contains("\"Resources\"") {
            FileKind::CloudFormation
        } else {
            FileKind::IamPolicy
        };
        let root = if kind == FileKind::Terraform {
            hcl::parse(text)
        } else {
            json::parse(text)
        }
        .unwrap_or_else(|e| panic!("{path}: {e}"));
        let doc = Document {
            path,
            bytes: text.as_bytes(),
            kind,
            roots: vec![root],
            index: LineIndex::new(text.as_bytes()),
        };
        assert!(check.applies_to(kind));
        let mut out = Vec::new();
        check.run(&doc, &mut out);
        out
    }

    /// `line:column identity` of each finding, for compact assertions.
    pub fn brief(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| {
                format!(
                    "{}:{} {} {}",
                    f.location.line,
                    f.location.column,
                    f.identity.as_deref().unwrap_or("-"),
                    f.severity
                )
            })
            .collect()
    }
}
