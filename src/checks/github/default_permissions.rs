use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::token_identity;

declare_check! {
    /// No `permissions:` block at workflow level, and at least one job without its own: those
    /// jobs get the repository's default `GITHUB_TOKEN` permissions.
    ///
    /// **Why it matters.** The default is set outside the repository (organisation or repository
    /// settings) and is read-write on every scope for repositories and organisations created
    /// before February 2023 unless someone changed it. The workflow file then does not say what
    /// its token can do, and a settings change silently widens every such job.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@v4
    ///       - run: make test
    /// ```
    ///
    /// **Fix.** Declare the token's permissions explicitly; `contents: read` is enough for most
    /// build and test jobs:
    ///
    /// ```yaml
    /// permissions:
    ///   contents: read
    /// ```
    ///
    /// Workflows triggered only by `workflow_call` are not reported: a reusable workflow runs
    /// with its caller's token.
    pub struct DefaultPermissions => DEFAULT_PERMISSIONS {
        id: "gha-default-permissions",
        name: "GITHUB_TOKEN left at the repository default permissions",
        platform: Platform::GithubActions,
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        tags: &["NHI5", "CSF:PR.AA-05", "CSF:PR.PS-01"],
    }
}

impl Check for DefaultPermissions {
    fn info(&self) -> &'static CheckInfo {
        &DEFAULT_PERMISSIONS
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GithubWorkflow
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for w in super::workflows(doc) {
            if w.permissions.is_some() || w.is_reusable_only() {
                continue;
            }
            let Some(jobs_key) = w.jobs_key else {
                continue;
            };
            let open: Vec<&str> = w
                .jobs
                .iter()
                .filter(|j| j.permissions.is_none())
                .map(|j| j.id)
                .collect();
            if open.is_empty() {
                continue;
            }
            let list = open
                .iter()
                .map(|j| format!("`{j}`"))
                .collect::<Vec<_>>()
                .join(", ");
            out.push(doc.finding(
                self.info(),
                jobs_key.span,
                Some(token_identity(doc.path, None)),
                format!(
                    "no `permissions:` at workflow level: job{} {list} run{} with the repository's default GITHUB_TOKEN permissions",
                    if open.len() == 1 { "" } else { "s" },
                    if open.len() == 1 { "s" } else { "" },
                ),
                &open.join(","),
            ));
        }
    }
}
