use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::token_identity;

declare_check! {
    /// A write scope (`contents: write`, `packages: write`, `id-token: write`, …) is granted at
    /// workflow level, so every job without its own `permissions:` inherits it.
    ///
    /// **Why it matters.** Usually one job needs the write (the release or deploy job); the
    /// others (lint, test, build with third-party tooling) get it too. A compromise of any of
    /// them then carries the write.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// permissions:
    ///   contents: write
    /// jobs:
    ///   test:      # inherits contents: write
    ///     runs-on: ubuntu-latest
    ///     steps: [{ run: make test }]
    ///   release:
    ///     runs-on: ubuntu-latest
    ///     steps: [{ run: make release }]
    /// ```
    ///
    /// **Fix.** Keep the workflow level read-only (`contents: read`, or `{}`) and grant the write
    /// on the job that needs it.
    ///
    /// Not reported: workflows where fewer than two jobs inherit the workflow's permissions
    /// (the one job that does would hold the write either way), reusable-only workflows, and
    /// `write-all` (reported by `gha-permissions-write-all`).
    pub struct WorkflowWriteScopes => WORKFLOW_WRITE_SCOPES {
        id: "gha-workflow-write-scopes",
        name: "Write scope granted to every job at workflow level",
        platform: Platform::GithubActions,
        severity: Severity::Medium,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

impl Check for WorkflowWriteScopes {
    fn info(&self) -> &'static CheckInfo {
        &WORKFLOW_WRITE_SCOPES
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GithubWorkflow
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for w in super::workflows(doc) {
            let Some(p) = &w.permissions else { continue };
            if w.is_reusable_only() {
                continue;
            }
            let inheriting: Vec<&str> = w
                .jobs
                .iter()
                .filter(|j| j.permissions.is_none())
                .map(|j| j.id)
                .collect();
            if inheriting.len() < 2 {
                continue;
            }
            let list = inheriting
                .iter()
                .map(|j| format!("`{j}`"))
                .collect::<Vec<_>>()
                .join(", ");
            for scope in p.write_scopes() {
                out.push(doc.finding(
                    self.info(),
                    scope.key.span,
                    Some(token_identity(doc.path, None)),
                    format!(
                        "`{}: write` at workflow level is inherited by {list}",
                        scope.name
                    ),
                    scope.name,
                ));
            }
        }
    }
}
