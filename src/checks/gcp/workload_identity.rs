use crate::checks::aws::material;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::terraform as tf;

declare_check! {
    /// `google_iam_workload_identity_pool_provider` resources with no
    /// `attribute_condition`, and GitHub Actions providers (issuer
    /// `token.actions.githubusercontent.com`) whose condition does not test the repository or
    /// its owner (`assertion.repository`, `assertion.repository_owner`, `assertion.sub`, or the
    /// mapped `attribute.repository…`).
    ///
    /// Providers federating an AWS account are reported as
    /// medium, since the account is already pinned.
    ///
    /// **Why it matters.** Without a condition, every identity the external issuer vouches for
    /// can exchange its token with the pool: for GitHub, a workflow in any repository in the
    /// world. Only the IAM bindings on `principalSet://…` then stand between an attacker's
    /// workflow and the service accounts the pool may impersonate (OWASP NHI6).
    ///
    /// **Example.**
    /// ```hcl
    /// resource "google_iam_workload_identity_pool_provider" "github" {
    ///   workload_identity_pool_id          = google_iam_workload_identity_pool.ci.workload_identity_pool_id
    ///   workload_identity_pool_provider_id = "github"
    ///   attribute_mapping = { "google.subject" = "assertion.sub" }
    ///   oidc { issuer_uri = "https://token.actions.githubusercontent.com" }
    /// }
    /// ```
    ///
    /// **Fix.** Add `attribute_condition = "assertion.repository_owner == 'acme'"` (or pin the
    /// repository), and bind service accounts to `principalSet://…/attribute.repository/acme/app`
    /// rather than the whole pool.
    pub struct WorkloadIdentityNoCondition => WORKLOAD_IDENTITY_NO_CONDITION {
        id: "gcp-workload-identity-no-condition",
        name: "Workload identity provider accepts any external identity",
        platform: Platform::Gcp,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI6", "CSF:PR.AA-04", "CSF:PR.AA-05"],
    }
}

const GITHUB_ISSUER: &str = "token.actions.githubusercontent.com";

/// Condition terms that pin a GitHub token to repositories or an owner.
const GITHUB_PINS: &[&str] = &[
    "assertion.repository",
    "assertion.sub",
    "attribute.repository",
    "assertion.job_workflow_ref",
];

impl Check for WorkloadIdentityNoCondition {
    fn info(&self) -> &'static CheckInfo {
        &WORKLOAD_IDENTITY_NO_CONDITION
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Terraform
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &WORKLOAD_IDENTITY_NO_CONDITION;
        for root in &doc.roots {
            for b in tf::resources(root, "google_iam_workload_identity_pool_provider") {
                let identity = format!(
                    "workload-identity-provider/{}",
                    b.attr("workload_identity_pool_provider_id")
                        .and_then(tf::display)
                        .map_or_else(|| b.address(), str::to_string)
                );
                let github = b
                    .blocks("oidc")
                    .filter_map(|o| o.get("issuer_uri"))
                    .filter_map(tf::display)
                    .any(|u| u.contains(GITHUB_ISSUER));
                let aws = b.blocks("aws").next().is_some();
                match b.attr("attribute_condition") {
                    None => {
                        let mut f = doc.finding(
                            info,
                            b.key.span,
                            Some(identity.clone()),
                            format!(
                                "{} has no attribute_condition: {} can use the pool",
                                b.address(),
                                if github {
                                    "a workflow in any GitHub repository"
                                } else {
                                    "every identity of the external issuer"
                                }
                            ),
                            &material(&identity, "no-condition", None),
                        );
                        if aws && !github {
                            f.severity = Severity::Medium;
                        }
                        out.push(f);
                    }
                    Some(cond) if github => {
                        let text = tf::display(cond).unwrap_or("");
                        if GITHUB_PINS.iter().any(|p| text.contains(p)) {
                            continue;
                        }
                        let mut f = doc.finding(
                            info,
                            cond.span,
                            Some(identity.clone()),
                            format!(
                                "{}'s attribute_condition does not test the repository or its owner",
                                b.address()
                            ),
                            &material(&identity, text, None),
                        );
                        f.severity = Severity::Medium;
                        out.push(f);
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::run;
    use super::*;
    use crate::checks::aws::test_support::brief;

    #[test]
    fn providers_with_and_without_conditions() {
        let tf = r#"
resource "google_iam_workload_identity_pool_provider" "open" {
  workload_identity_pool_id          = "ci"
  workload_identity_pool_provider_id = "github"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}
resource "google_iam_workload_identity_pool_provider" "weak" {
  workload_identity_pool_id          = "ci"
  workload_identity_pool_provider_id = "github-weak"
  attribute_condition                = "assertion.ref == 'refs/heads/main'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}
resource "google_iam_workload_identity_pool_provider" "pinned" {
  workload_identity_pool_id          = "ci"
  workload_identity_pool_provider_id = "github-acme"
  attribute_condition                = "assertion.repository_owner == 'acme'"
  oidc {
    issuer_uri = "https://token.actions.githubusercontent.com"
  }
}
"#;
        assert_eq!(
            brief(&run(&WorkloadIdentityNoCondition, "wif.tf", tf)),
            [
                "2:1 workload-identity-provider/github high",
                "12:40 workload-identity-provider/github-weak medium"
            ]
        );
    }
}
