//! GitHub Actions checks: what the `GITHUB_TOKEN`, repository secrets and runners of a workflow
//! are allowed to do, and who can make them do it.

mod default_permissions;
mod hardcoded_container_credentials;
mod id_token_unused;
mod long_lived_cloud_keys;
mod permissions_write_all;
mod secrets_dynamic_access;
mod secrets_inherit;
mod self_hosted_pull_request;
mod untrusted_checkout_exec;
mod workflow_write_scopes;

use super::{Check, Document};
use crate::models::gha::{Job, Workflow};

pub fn checks() -> Vec<&'static dyn Check> {
    vec![
        &permissions_write_all::PermissionsWriteAll,
        &default_permissions::DefaultPermissions,
        &workflow_write_scopes::WorkflowWriteScopes,
        &untrusted_checkout_exec::UntrustedCheckoutExec,
        &secrets_inherit::SecretsInherit,
        &secrets_dynamic_access::SecretsDynamicAccess,
        &id_token_unused::IdTokenUnused,
        &hardcoded_container_credentials::HardcodedContainerCredentials,
        &long_lived_cloud_keys::LongLivedCloudKeys,
        &self_hosted_pull_request::SelfHostedPullRequest,
    ]
}

/// The workflows of a document (one per YAML document that is a mapping).
fn workflows<'d>(doc: &'d Document<'_>) -> impl Iterator<Item = Workflow<'d>> {
    doc.roots.iter().filter_map(Workflow::parse)
}

/// Actions (by prefix of `owner/repo`) that visibly use a write scope of the token.
const SCOPE_USERS: &[(&str, &[&str])] = &[
    (
        "contents",
        &[
            "softprops/action-gh-release",
            "ncipollo/release-action",
            "stefanzweifel/git-auto-commit-action",
            "peter-evans/create-pull-request",
            "ad-m/github-push-action",
            "googleapis/release-please-action",
            "google-github-actions/release-please-action",
            "actions/create-release",
            "actions/upload-release-asset",
            "goreleaser/goreleaser-action",
            "svenstaro/upload-release-action",
            "peaceiris/actions-gh-pages",
            "jamesives/github-pages-deploy-action",
        ],
    ),
    (
        "packages",
        &["docker/build-push-action", "docker/login-action"],
    ),
    (
        "pull-requests",
        &[
            "peter-evans/create-pull-request",
            "peter-evans/create-or-update-comment",
            "marocchino/sticky-pull-request-comment",
            "thollander/actions-comment-pull-request",
            "actions/labeler",
            "mshick/add-pr-comment",
        ],
    ),
    (
        "issues",
        &[
            "peter-evans/create-or-update-comment",
            "actions/stale",
            "actions-ecosystem/action-add-labels",
        ],
    ),
    (
        "checks",
        &[
            "dorny/test-reporter",
            "mikepenz/action-junit-report",
            "enricomi/publish-unit-test-result-action",
            "reviewdog/",
        ],
    ),
    ("pages", &["actions/deploy-pages"]),
    ("attestations", &["actions/attest"]),
    ("security-events", &["github/codeql-action"]),
    ("statuses", &["myrotvorets/set-commit-status-action"]),
];

/// Script fragments that visibly use a write scope.
const SCOPE_SCRIPTS: &[(&str, &[&str])] = &[
    ("contents", &["git push", "gh release"]),
    ("packages", &["docker push", "npm publish"]),
    ("pull-requests", &["gh pr "]),
    ("issues", &["gh issue", "gh label"]),
    ("statuses", &["/statuses/"]),
    ("checks", &["/check-runs"]),
];

/// Whether a job visibly uses write scope `scope` of its token, erring towards yes where its
/// steps are not in this file (reusable workflows, local actions) or act through the API at
/// large (`actions/github-script`).
fn uses_scope(job: &Job<'_>, scope: &str) -> bool {
    if job.is_reusable_call() {
        return true;
    }
    if scope == "id-token" {
        return id_token_unused::may_use_oidc(job);
    }
    let actions: &[&str] = SCOPE_USERS
        .iter()
        .find(|(s, _)| *s == scope)
        .map_or(&[], |(_, a)| a);
    let scripts: &[&str] = SCOPE_SCRIPTS
        .iter()
        .find(|(s, _)| *s == scope)
        .map_or(&[], |(_, a)| a);
    job.steps.iter().any(|step| {
        if let Some(a) = step.action() {
            let general = a.starts_with("./") || a == "actions/github-script";
            if (general && scope != "packages") || actions.iter().any(|p| a.starts_with(p)) {
                return true;
            }
        }
        step.run_text()
            .is_some_and(|r| scripts.iter().any(|f| r.contains(f)))
    })
}

/// Whether a job's `if:` only lets pull requests from the same repository through, which
/// takes fork authors out of the picture.
fn same_repository_only(job: &Job<'_>) -> bool {
    let Some(cond) = job.condition else {
        return false;
    };
    let c: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
    let c = c.replace('\'', "\"");
    [
        "pull_request.head.repo.full_name==github.repository",
        "github.repository==github.event.pull_request.head.repo.full_name",
        "pull_request.head.repo.fork==false",
        "!github.event.pull_request.head.repo.fork",
        "workflow_run.head_repository.full_name==github.repository",
        "github.repository==github.event.workflow_run.head_repository.full_name",
    ]
    .iter()
    .any(|p| c.contains(p))
}
