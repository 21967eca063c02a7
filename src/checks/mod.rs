//! Grant checks: over-broad privilege given to non-human identities by pipeline and
//! configuration files. One check per file under `checks/<platform>/`, registered in
//! [`registry`]. A check sees a parsed [`Document`] and reports at the exact span of the
//! offending key or value.
//!
//! Each check is declared with [`declare_check!`], whose doc text is both the rustdoc of the
//! check and its user documentation (`ferret checks list`, `docs/checks/`): one source.

use crate::findings::{Confidence, Finding, FindingBuilder, Kind, Severity};
use crate::models::{LineIndex, Node, Span};

/// The platforms grant checks cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    GithubActions,
    GitlabCi,
    Kubernetes,
    Aws,
    Gcp,
    Azure,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::GithubActions => "github-actions",
            Platform::GitlabCi => "gitlab-ci",
            Platform::Kubernetes => "kubernetes",
            Platform::Aws => "aws",
            Platform::Gcp => "gcp",
            Platform::Azure => "azure",
        }
    }
}

/// What a file is, decided from its path and content before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    GithubWorkflow,
    /// `action.yml` / `action.yaml` of a composite action.
    GithubAction,
    GitlabCi,
    /// YAML (possibly multi-document) with `apiVersion` and `kind`.
    Kubernetes,
    /// CloudFormation / SAM template (YAML or JSON).
    CloudFormation,
    /// A standalone IAM policy (or trust policy) JSON document.
    IamPolicy,
    Terraform,
}

/// Static description of a check.
#[derive(Debug)]
pub struct CheckInfo {
    /// Stable id, `<platform>-<what>` in kebab-case (e.g. `gha-permissions-write-all`).
    pub id: &'static str,
    pub name: &'static str,
    pub platform: Platform,
    pub severity: Severity,
    pub confidence: Confidence,
    /// OWASP NHI Top 10 ids and NIST CSF 2.0 ids (`CSF:PR.AA-05`).
    pub tags: &'static [&'static str],
    /// Markdown: what it detects, why it matters, an example, the fix.
    pub doc: &'static str,
}

/// A parsed file handed to checks.
pub struct Document<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
    pub kind: FileKind,
    /// One root per YAML document (Kubernetes files often hold several); one for JSON/HCL.
    pub roots: Vec<Node>,
    pub index: LineIndex<'a>,
}

impl Document<'_> {
    /// Build a finding at `span` for `info`. `material` identifies the finding independently of
    /// its line (e.g. identity + offending value) and feeds the fingerprint.
    pub fn finding(
        &self,
        info: &CheckInfo,
        span: Span,
        identity: Option<String>,
        message: impl Into<String>,
        material: &str,
    ) -> Finding {
        let location = self.index.location(self.path, span);
        FindingBuilder::new(info.id, Kind::Grant, info.name, location)
            .severity(info.severity)
            .confidence(info.confidence)
            .message(message)
            .identity(identity)
            .redacted(self.index.line_text(span.start))
            .tags(info.tags.iter())
            .fingerprint_material(material)
            .build()
    }
}

/// A grant check.
pub trait Check: Sync + Send {
    fn info(&self) -> &'static CheckInfo;
    /// Which file kinds the check reads.
    fn applies_to(&self, kind: FileKind) -> bool;
    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>);
}

/// Declare a check: its doc text becomes both its rustdoc and its user documentation.
///
/// ```text
/// declare_check! {
///     /// Markdown doc…
///     pub struct WriteAll => CheckInfo { id: "gha-permissions-write-all", … }
/// }
/// ```
#[macro_export]
macro_rules! declare_check {
    ($(#[doc = $doc:literal])+ pub struct $name:ident => $info:ident { $($field:ident : $value:expr),* $(,)? }) => {
        $(#[doc = $doc])+
        pub struct $name;
        pub static $info: $crate::checks::CheckInfo = $crate::checks::CheckInfo {
            doc: concat!($($doc, "\n"),+),
            $($field: $value),*
        };
    };
}

/// Every check, in a stable order.
pub fn registry() -> Vec<&'static dyn Check> {
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_unique_and_documented() {
        let mut ids = std::collections::HashSet::new();
        for c in registry() {
            let i = c.info();
            assert!(ids.insert(i.id), "duplicate check id {}", i.id);
            assert!(i.doc.len() > 80, "{} needs what/why/example/fix docs", i.id);
            assert!(
                i.tags.iter().any(|t| t.starts_with("NHI")),
                "{} lacks an NHI tag",
                i.id
            );
        }
    }
}
