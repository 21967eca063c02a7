//! AWS IAM grant checks over standalone policy JSON, CloudFormation / SAM templates and
//! Terraform. Every check reads the same [`IamView`] of a file, so a policy means the same
//! thing wherever it is written.

mod access_key;
mod admin_wildcard;
mod eks_irsa;
mod github_oidc;
mod not_action;
mod oidc;
mod pass_role;
mod privilege_escalation;
mod service_wildcard;
mod trust_any_principal;

pub use access_key::AccessKey;
pub use admin_wildcard::AdminWildcard;
pub use eks_irsa::EksIrsaUnscoped;
pub use github_oidc::GithubOidcUnscoped;
pub use not_action::NotActionAllow;
pub use pass_role::PassRoleWildcard;
pub use privilege_escalation::PrivilegeEscalation;
pub use service_wildcard::ServiceWildcard;
pub use trust_any_principal::TrustAnyPrincipal;

use super::{Check, CheckInfo, Document, FileKind};
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{
    self, Constraint, Denied, Effect, Grant, IamView, Item, PolicyInstance, PolicyRole,
    ResourceScope, Statement,
};
use crate::models::Span;

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
        &EksIrsaUnscoped,
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

/// What narrows a grant: a resource wildcard that still narrows, a constraining condition, a
/// conditional Deny in the same document. Each lowers the grade and is named in the message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Narrowing {
    pub scope: ResourceScope,
    pub constraint: Constraint,
    /// A conditional Deny in the same document may remove the grant.
    pub doubtful: bool,
}

impl Narrowing {
    /// What narrows a grant that survived the document's Deny statements.
    pub fn of(g: &Grant<'_, '_>) -> Narrowing {
        Narrowing {
            scope: g.scope,
            constraint: g.constraint,
            doubtful: g.doubtful,
        }
    }

    /// The grant's severity and confidence, starting from `base` and `confidence`.
    pub fn grade(self, base: Severity, confidence: Confidence) -> (Severity, Confidence) {
        let mut s = base;
        if self.scope == ResourceScope::Wildcard {
            s = lower(s);
        }
        if self.constraint == Constraint::Strong {
            s = lower(s);
        }
        let c = if self.doubtful {
            Confidence::Low
        } else {
            confidence
        };
        (s, c)
    }

    /// Words for what narrows the grant, appended to messages.
    pub fn note(self) -> String {
        let mut parts = Vec::new();
        if self.scope == ResourceScope::Wildcard {
            parts.push("resources narrowed by a wildcard pattern");
        }
        if self.constraint == Constraint::Strong {
            parts.push("a condition narrows it");
        }
        if self.doubtful {
            parts.push("a conditional Deny in the same document may remove it");
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join("; "))
        }
    }
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

/// Fingerprint material of a grant: the identity, the offending value and the statement id, so
/// it survives moving the statement around.
pub(crate) fn material(identity: &str, value: &str, sid: Option<&str>) -> String {
    format!("{identity}\0{value}\0{}", sid.unwrap_or(""))
}

/// The text of an action item, for messages.
pub(crate) fn item_text<'a>(i: &Item<'a>) -> &'a str {
    i.text.unwrap_or("?")
}

/// The permissions policies of a file: the ones that say what their holders may do.
pub(crate) fn permission_policies<'v, 'a>(
    v: &'v IamView<'a>,
) -> impl Iterator<Item = &'v PolicyInstance<'a>> {
    v.policies
        .iter()
        .filter(|p| p.role == PolicyRole::Permissions)
}

/// The Allow statements of a file's permissions policies, each with its policy.
pub(crate) fn allow_statements<'v, 'a>(
    v: &'v IamView<'a>,
) -> impl Iterator<Item = (&'v PolicyInstance<'a>, &'v Statement<'a>)> {
    permission_policies(v).flat_map(|p| {
        p.policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .map(move |s| (p, s))
    })
}

/// An `Action` entry of an Allow statement that the document's Deny statements do not fully
/// take back.
pub(crate) struct AllowedAction<'v, 'a> {
    pub policy: &'v PolicyInstance<'a>,
    pub statement: &'v Statement<'a>,
    pub item: &'v Item<'a>,
    pub text: &'a str,
    /// A conditional Deny in the same document may take it back.
    pub doubtful: bool,
}

impl AllowedAction<'_, '_> {
    /// The grant the entry makes, for findings.
    pub fn site(&self) -> GrantSite<'_, '_> {
        GrantSite {
            policy: self.policy,
            span: self.item.node.span,
            value: self.text,
            sid: self.statement.sid,
        }
    }

    /// What narrows the entry's grant on resources of `scope`.
    pub fn narrowing(&self, scope: ResourceScope) -> Narrowing {
        Narrowing {
            scope,
            constraint: self.statement.constraint(),
            doubtful: self.doubtful,
        }
    }
}

/// The `Action` entries of Allow statements (not `NotAction` ones) in a file's permissions
/// policies that `pick` keeps and that no Deny of the same document fully takes back, each with
/// what `pick` made of it. `pick` sees the statement and the entry's text; only what it keeps is
/// weighed against the Deny statements.
pub(crate) fn allowed_actions<'v, 'a, T>(
    v: &'v IamView<'a>,
    pick: impl Fn(&Statement<'a>, &'a str) -> Option<T> + 'v,
) -> impl Iterator<Item = (AllowedAction<'v, 'a>, T)> + 'v {
    allow_statements(v)
        .filter(|(_, s)| !s.not_action)
        .flat_map(|(p, s)| s.actions.iter().map(move |item| (p, s, item)))
        .filter_map(move |(policy, statement, item)| {
            let text = item.text?;
            let picked = pick(statement, text)?;
            let denied = policy.policy.pattern_denied(text, statement);
            let allowed = AllowedAction {
                policy,
                statement,
                item,
                text,
                doubtful: denied == Denied::Conditionally,
            };
            (denied != Denied::Fully).then_some((allowed, picked))
        })
}

/// A grant a finding is about: the policy that makes it, where the finding points, and what
/// its fingerprint keeps besides the identity: the offending value and the statement id, so it
/// survives moving the statement around.
pub(crate) struct GrantSite<'v, 'a> {
    pub policy: &'v PolicyInstance<'a>,
    pub span: Span,
    pub value: &'v str,
    pub sid: Option<&'v str>,
}

impl GrantSite<'_, '_> {
    /// A finding against the identity that holds the policy: its message is the identity,
    /// `what` it may do, the policy's other holders and then `note`.
    pub fn finding(
        &self,
        doc: &Document<'_>,
        info: &CheckInfo,
        what: &str,
        note: &str,
        grade: (Severity, Confidence),
    ) -> Finding {
        let p = self.policy;
        let f = doc.finding(
            info,
            self.span,
            Some(p.identity.clone()),
            format!("{} {what}{}{note}", p.identity, holders_note(p)),
            &material(&p.identity, self.value, self.sid),
        );
        with_grade(f, grade)
    }

    /// A [`GrantSite::finding`] graded from `base` by what narrows the grant, which the
    /// message names.
    pub fn narrowed_finding(
        &self,
        doc: &Document<'_>,
        info: &CheckInfo,
        what: &str,
        base: Severity,
        narrowing: Narrowing,
    ) -> Finding {
        let grade = narrowing.grade(base, info.confidence);
        self.finding(doc, info, what, &narrowing.note(), grade)
    }
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
            other_files_joined: false,
            hidden: Default::default(),
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
