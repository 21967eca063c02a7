use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::token_identity;

declare_check! {
    /// A job calls a reusable workflow with `secrets: inherit`, handing it every repository and
    /// organisation secret the calling workflow can read.
    ///
    /// **Why it matters.** The called workflow, and everything it runs, gets credentials it
    /// never declared a need for. When the callee lives in another repository, its maintainers
    /// (or whoever compromises them) decide what happens to your secrets.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// jobs:
    ///   deploy:
    ///     uses: acme/shared-workflows/.github/workflows/deploy.yml@main
    ///     secrets: inherit
    /// ```
    ///
    /// **Fix.** Pass only the secrets the callee declares under `on.workflow_call.secrets`:
    ///
    /// ```yaml
    ///     secrets:
    ///       deploy-key: ${{ secrets.DEPLOY_KEY }}
    /// ```
    pub struct SecretsInherit => SECRETS_INHERIT {
        id: "gha-secrets-inherit",
        name: "All secrets passed to a reusable workflow",
        platform: Platform::GithubActions,
        severity: Severity::Medium,
        confidence: Confidence::High,
        tags: &["NHI5", "NHI2", "CSF:PR.AA-05"],
    }
}

impl Check for SecretsInherit {
    fn info(&self) -> &'static CheckInfo {
        &SECRETS_INHERIT
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GithubWorkflow
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for w in super::workflows(doc) {
            for job in &w.jobs {
                let Some((_, value)) = job.secrets else {
                    continue;
                };
                if value.as_str() != Some("inherit") {
                    continue;
                }
                let callee = job
                    .uses
                    .and_then(|u| u.as_str())
                    .unwrap_or("a reusable workflow");
                let whose = if callee.starts_with("./") {
                    "this repository's"
                } else {
                    "another repository's"
                };
                out.push(doc.finding(
                    self.info(),
                    value.span,
                    Some(token_identity(doc.path, Some(job.id))),
                    format!(
                        "job `{}` passes every secret to {whose} workflow `{callee}`",
                        job.id
                    ),
                    job.id,
                ));
            }
        }
    }
}
