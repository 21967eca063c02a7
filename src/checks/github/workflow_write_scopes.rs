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
    /// Reported at the scope, naming the inheriting jobs that show no use of it. Not reported:
    /// workflows where fewer than two jobs inherit the workflow's permissions (the one job that
    /// does would hold the write either way), scopes every inheriting job visibly uses (for
    /// example `packages: write` in jobs that push images, `pull-requests: write` in jobs that
    /// comment through `actions/github-script`), reusable-only workflows, and `write-all`
    /// (reported by `gha-permissions-write-all`), and an `id-token: write` that no job uses
    /// (reported by `gha-id-token-unused`). Jobs that call reusable workflows or local actions
    /// are assumed to use the scope.
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
            let inheriting = w.jobs.iter().filter(|j| j.permissions.is_none()).count();
            if inheriting < 2 {
                continue;
            }
            for scope in p.write_scopes() {
                let idle: Vec<String> = w
                    .jobs
                    .iter()
                    .filter(|j| j.permissions.is_none() && !super::uses_scope(j, scope.name))
                    .map(|j| format!("`{}`", j.id))
                    .collect();
                // An `id-token: write` that no job uses is `gha-id-token-unused`'s finding.
                if idle.is_empty() || (scope.name == "id-token" && idle.len() == inheriting) {
                    continue;
                }
                out.push(doc.finding(
                    self.info(),
                    scope.key.span,
                    Some(token_identity(doc.path, None)),
                    format!(
                        "`{}: write` at workflow level is inherited by {}, which show{} no use of it",
                        scope.name,
                        idle.join(", "),
                        if idle.len() == 1 { "s" } else { "" }
                    ),
                    scope.name,
                ));
            }
        }
    }
}
