use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::{token_identity, Job, PermissionsKind, Step};

declare_check! {
    /// `id-token: write` is granted, but no job that receives it has a step that requests an
    /// OIDC token (cloud login, signing, attestation, trusted publishing).
    ///
    /// **Why it matters.** `id-token: write` lets any step mint a signed GitHub OIDC token for
    /// the workflow. Cloud roles, package registries and signing services trust that token
    /// according to their own claim conditions, which are often broader than intended
    /// (`repo:org/*`). An unused grant is standing privilege that only an attacker would use.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// permissions:
    ///   contents: read
    ///   id-token: write
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@v4
    ///       - run: make test
    /// ```
    ///
    /// **Fix.** Remove `id-token: write`, or grant it only on the job that logs in to the cloud
    /// or signs artefacts.
    ///
    /// Recognised OIDC use: actions of AWS, Google Cloud, Azure, HashiCorp Vault, Sigstore,
    /// PyPI, RubyGems and crates.io trusted publishing, GitHub attestations and Pages
    /// deployment, and `run:` scripts that request `ACTIONS_ID_TOKEN_REQUEST_URL`, call
    /// `cosign`, `gh attestation` or `npm publish --provenance`. Jobs that call a reusable
    /// workflow or a local action are assumed to use the token, since their steps are not in
    /// this file.
    pub struct IdTokenUnused => ID_TOKEN_UNUSED {
        id: "gha-id-token-unused",
        name: "OIDC token permission granted but never used",
        platform: Platform::GithubActions,
        severity: Severity::Medium,
        confidence: Confidence::Medium,
        tags: &["NHI5", "NHI6", "CSF:PR.AA-05"],
    }
}

/// Actions (by prefix of `owner/repo`) that request an OIDC token.
const OIDC_ACTIONS: &[&str] = &[
    "aws-actions/",
    "google-github-actions/",
    "azure/login",
    "azure/",
    "hashicorp/vault-action",
    "sigstore/",
    "actions/attest",
    "actions/deploy-pages",
    "pypa/gh-action-pypi-publish",
    "rubygems/release-gem",
    "rubygems/configure-rubygems-credentials",
    "rust-lang/crates-io-auth-action",
    "jfrog/setup-jfrog-cli",
    "octo-sts/",
    "chainguard-dev/",
    "slsa-framework/",
    "pulumi/auth-actions",
    "goreleaser/goreleaser-action",
];

/// Inputs that only make sense with OIDC (e.g. `role-to-assume` without static keys).
const OIDC_INPUTS: &[&str] = &[
    "role-to-assume",
    "workload_identity_provider",
    "use_oidc",
    "oidc",
    "audience",
    "id-token",
    "provenance",
];

/// Script fragments that request or consume an OIDC token.
const OIDC_SCRIPTS: &[&str] = &[
    "actions_id_token_request",
    "getidtoken",
    "cosign",
    "gh attestation",
    "--provenance",
    "sigstore",
    "oidc",
    "id-token",
    "id_token",
];

impl Check for IdTokenUnused {
    fn info(&self) -> &'static CheckInfo {
        &ID_TOKEN_UNUSED
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GithubWorkflow
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for w in super::workflows(doc) {
            if let Some(p) = &w.permissions {
                if let Some(scope) = id_token_write(p) {
                    let inheriting: Vec<&Job<'_>> =
                        w.jobs.iter().filter(|j| j.permissions.is_none()).collect();
                    if !w.is_reusable_only() && !inheriting.iter().any(|j| may_use_oidc(j)) {
                        let message = if inheriting.is_empty() {
                            "`id-token: write` at workflow level is unused: every job sets its own permissions".to_string()
                        } else {
                            format!(
                                "`id-token: write` at workflow level, but no step of {} requests an OIDC token",
                                inheriting.iter().map(|j| format!("`{}`", j.id)).collect::<Vec<_>>().join(", ")
                            )
                        };
                        out.push(doc.finding(
                            self.info(),
                            scope,
                            Some(token_identity(doc.path, None)),
                            message,
                            "",
                        ));
                    }
                }
            }
            for job in &w.jobs {
                let Some(scope) = job.permissions.as_ref().and_then(id_token_write) else {
                    continue;
                };
                if !may_use_oidc(job) {
                    out.push(doc.finding(
                        self.info(),
                        scope,
                        Some(token_identity(doc.path, Some(job.id))),
                        format!(
                            "job `{}` grants `id-token: write` but no step requests an OIDC token",
                            job.id
                        ),
                        job.id,
                    ));
                }
            }
        }
    }
}

/// The span of an explicit `id-token: write` (`write-all` is reported on its own).
fn id_token_write(p: &crate::models::gha::Permissions<'_>) -> Option<crate::models::Span> {
    match &p.kind {
        PermissionsKind::Scopes(scopes) => scopes
            .iter()
            .find(|s| s.name == "id-token" && s.level == "write")
            .map(|s| s.key.span),
        _ => None,
    }
}

/// Whether a job may request an OIDC token, erring towards yes where its steps are not visible.
pub(super) fn may_use_oidc(job: &Job<'_>) -> bool {
    job.is_reusable_call() || job.steps.iter().any(step_may_use_oidc)
}

fn step_may_use_oidc(step: &Step<'_>) -> bool {
    if let Some(a) = step.action() {
        if a.starts_with("./") || OIDC_ACTIONS.iter().any(|p| a.starts_with(p)) {
            return true;
        }
    }
    let inputs = step.with.and_then(|w| w.as_map()).unwrap_or(&[]);
    if inputs.iter().any(|(k, _)| {
        k.as_str()
            .is_some_and(|k| OIDC_INPUTS.iter().any(|i| k.eq_ignore_ascii_case(i)))
    }) {
        return true;
    }
    step.run_text().is_some_and(|r| {
        let r = r.to_ascii_lowercase();
        OIDC_SCRIPTS.iter().any(|s| r.contains(s))
    })
}
