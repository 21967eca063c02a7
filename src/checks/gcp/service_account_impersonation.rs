use super::{bindings, is_workload_member, member_identity, role_text};
use crate::checks::aws::material;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::terraform as tf;

declare_check! {
    /// `roles/iam.serviceAccountUser` or
    /// `roles/iam.serviceAccountTokenCreator` granted at project, folder or organisation level
    /// (`google_{project,folder,organization}_iam_member` / `…_binding` / `…_policy`) to a
    /// workload: a service account, a workload identity federation principal
    /// (`principal://…`, `principalSet://…`) or a member the file does not spell out. The
    /// finding points at the role.
    ///
    /// **Why it matters.** At that level the role applies to *every* service account below it,
    /// including the most privileged ones: a token creator can mint access tokens as any of
    /// them, a service-account user can attach any of them to a VM or function it deploys. The
    /// member's effective privilege becomes the union of all service accounts (OWASP NHI5).
    ///
    /// **Example.**
    /// ```hcl
    /// resource "google_project_iam_member" "ci" {
    ///   project = "acme-prod"
    ///   role    = "roles/iam.serviceAccountTokenCreator"
    ///   member  = "serviceAccount:ci@acme-prod.iam.gserviceaccount.com"
    /// }
    /// ```
    ///
    /// **Fix.** Grant the role on the one service account to be impersonated
    /// (`google_service_account_iam_member` with `service_account_id`).
    pub struct ServiceAccountImpersonation => SERVICE_ACCOUNT_IMPERSONATION {
        id: "gcp-iam-service-account-impersonation",
        name: "Service-account impersonation granted project-wide or higher",
        platform: Platform::Gcp,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

const IMPERSONATION_ROLES: &[&str] = &[
    "roles/iam.serviceAccountUser",
    "roles/iam.serviceAccountTokenCreator",
];

impl Check for ServiceAccountImpersonation {
    fn info(&self) -> &'static CheckInfo {
        &SERVICE_ACCOUNT_IMPERSONATION
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Terraform
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &SERVICE_ACCOUNT_IMPERSONATION;
        for root in &doc.roots {
            let all = tf::blocks(root);
            for b in bindings(root).iter().filter(|b| b.level.is_hierarchy()) {
                for role in &b.roles {
                    let Some(text) = role_text(role).filter(|t| {
                        IMPERSONATION_ROLES
                            .iter()
                            .any(|r| r.eq_ignore_ascii_case(t))
                    }) else {
                        continue;
                    };
                    for m in b.members.iter().filter(|m| is_workload_member(m)) {
                        let identity = member_identity(&all, m);
                        out.push(doc.finding(
                            info,
                            role.node.span,
                            Some(identity.clone()),
                            format!(
                                "{identity} may impersonate every service account of the {} ({text} granted by {})",
                                b.level.as_str(),
                                b.block.address()
                            ),
                            &material(&identity, text, Some(&b.block.address())),
                        ));
                    }
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
    fn project_level_impersonation_only() {
        let tf = r#"
resource "google_project_iam_binding" "tokens" {
  project = "acme"
  role    = "roles/iam.serviceAccountTokenCreator"
  members = ["serviceAccount:ci@acme.iam.gserviceaccount.com"]
}
resource "google_service_account_iam_member" "one" {
  service_account_id = "projects/acme/serviceAccounts/app@acme.iam.gserviceaccount.com"
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:ci@acme.iam.gserviceaccount.com"
}
"#;
        assert_eq!(
            brief(&run(&ServiceAccountImpersonation, "iam.tf", tf)),
            ["4:13 serviceAccount:ci@acme.iam.gserviceaccount.com high"]
        );
    }
}
