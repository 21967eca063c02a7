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
