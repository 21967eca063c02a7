use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::{token_identity, Permissions, PermissionsKind};

declare_check! {
    /// A workflow or job sets `permissions: write-all`, giving its `GITHUB_TOKEN` write access to
    /// every scope: code, releases, packages, pull requests, issues, deployments, Actions and
    /// the ability to mint OIDC tokens for cloud roles.
    ///
    /// **Why it matters.** Every step of the job, including third-party actions and the tools
    /// they download, can use the token. One compromised dependency can then push code,
    /// publish packages or rewrite releases in the repository's name.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// on: push
    /// permissions: write-all
    /// jobs:
    ///   release:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@v4
    ///       - run: ./release.sh
    /// ```
    ///
    /// **Fix.** Name only the scopes the job needs, at job level, and nothing at workflow level:
    ///
    /// ```yaml
    /// permissions: {}
    /// jobs:
    ///   release:
    ///     permissions:
    ///       contents: write
    /// ```
    pub struct PermissionsWriteAll => PERMISSIONS_WRITE_ALL {
        id: "gha-permissions-write-all",
        name: "GITHUB_TOKEN granted write-all",
        platform: Platform::GithubActions,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

impl Check for PermissionsWriteAll {
    fn info(&self) -> &'static CheckInfo {
        &PERMISSIONS_WRITE_ALL
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GithubWorkflow
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let report = |p: &Permissions<'_>, job: Option<&str>, out: &mut Vec<Finding>| {
            if !matches!(p.kind, PermissionsKind::WriteAll) {
                return;
            }
            let scope = match job {
                Some(j) => format!("job `{j}`"),
                None => "every job of the workflow".to_string(),
            };
            out.push(doc.finding(
                self.info(),
                p.value.span,
                Some(token_identity(doc.path, job)),
                format!("`permissions: write-all` gives the GITHUB_TOKEN of {scope} write access to every scope"),
                job.unwrap_or(""),
            ));
        };
        for w in super::workflows(doc) {
            if let Some(p) = &w.permissions {
                report(p, None, out);
            }
            for job in &w.jobs {
                if let Some(p) = &job.permissions {
                    report(p, Some(job.id), out);
                }
            }
        }
    }
}
