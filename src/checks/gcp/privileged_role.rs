use super::{bindings, is_service_account, member_identity, role_text};
use crate::checks::aws::material;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::terraform as tf;

declare_check! {
    /// `roles/owner`, `roles/editor` or any role whose name ends in
    /// `admin` (`roles/iam.securityAdmin`, `roles/storage.admin`, …) granted to a
    /// `serviceAccount:` member at organisation, folder or project level —
    /// `google_{organization,folder,project}_iam_member`, `…_iam_binding`, or a
    /// `data "google_iam_policy"` applied by `…_iam_policy`.
    ///
    /// Roles given through `for_each`
    /// over a literal set (inline or in `locals`) are expanded, and the finding points at the
    /// role literal. `roles/owner` is critical, the others high.
    ///
    /// **Why it matters.** Service-account keys and tokens leak through CI logs, images and
    /// metadata servers; a service account with a basic or admin role at project level or above
    /// lets whoever holds its credentials read all data, change IAM, or delete the project
    /// (OWASP NHI5).
    ///
    /// **Example.**
    /// ```hcl
    /// resource "google_project_iam_member" "ci" {
    ///   project = "acme-prod"
    ///   role    = "roles/editor"
    ///   member  = "serviceAccount:ci@acme-prod.iam.gserviceaccount.com"
    /// }
    /// ```
    ///
    /// **Fix.** Grant predefined roles for the services the account uses
    /// (`roles/run.developer`, `roles/storage.objectAdmin` on one bucket), on the resource
    /// rather than the project where possible; IAM Recommender lists unused permissions.
    pub struct PrivilegedServiceAccount => PRIVILEGED_SERVICE_ACCOUNT {
        id: "gcp-iam-privileged-service-account",
        name: "Service account holds an owner, editor or admin role",
        platform: Platform::Gcp,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

/// The severity of a privileged role, or `None` for the rest.
fn privileged(role: &str) -> Option<Severity> {
    let r = role.to_ascii_lowercase();
    if r == "roles/owner" {
        Some(Severity::Critical)
    } else if r == "roles/editor" || r.ends_with("admin") {
        Some(Severity::High)
    } else {
        None
    }
}

impl Check for PrivilegedServiceAccount {
    fn info(&self) -> &'static CheckInfo {
        &PRIVILEGED_SERVICE_ACCOUNT
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Terraform
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &PRIVILEGED_SERVICE_ACCOUNT;
        for root in &doc.roots {
            let all = tf::blocks(root);
            for b in bindings(root).iter().filter(|b| b.level.is_hierarchy()) {
                for role in &b.roles {
                    let Some(text) = role_text(role) else {
                        continue;
                    };
                    let Some(severity) = privileged(text) else {
                        continue;
                    };
                    for m in b.members.iter().filter(|m| is_service_account(m)) {
                        let identity = member_identity(&all, m);
                        let mut f = doc.finding(
                            info,
                            role.node.span,
                            Some(identity.clone()),
                            format!(
                                "{identity} is granted {text} at {} level by {}",
                                b.level.as_str(),
                                b.block.address()
                            ),
                            &material(&identity, text, Some(&b.block.address())),
                        );
                        f.severity = severity;
                        out.push(f);
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
    fn basic_and_admin_roles_to_service_accounts() {
        let tf = r#"
resource "google_project_iam_member" "owner" {
  project = "acme"
  role    = "roles/owner"
  member  = "serviceAccount:ci@acme.iam.gserviceaccount.com"
}
resource "google_organization_iam_binding" "sec" {
  org_id  = "123"
  role    = "roles/iam.securityAdmin"
  members = ["serviceAccount:audit@acme.iam.gserviceaccount.com", "group:sec@acme.example"]
}
resource "google_project_iam_member" "human" {
  project = "acme"
  role    = "roles/editor"
  member  = "user:alice@acme.example"
}
resource "google_storage_bucket_iam_member" "bucket" {
  bucket = "acme-artifacts"
  role   = "roles/storage.admin"
  member = "serviceAccount:ci@acme.iam.gserviceaccount.com"
}
resource "google_project_iam_member" "viewer" {
  project = "acme"
  role    = "roles/viewer"
  member  = "serviceAccount:ci@acme.iam.gserviceaccount.com"
}
"#;
        assert_eq!(
            brief(&run(&PrivilegedServiceAccount, "iam.tf", tf)),
            [
                "4:13 serviceAccount:ci@acme.iam.gserviceaccount.com critical",
                "9:13 serviceAccount:audit@acme.iam.gserviceaccount.com high"
            ]
        );
    }
}
