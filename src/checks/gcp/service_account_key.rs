use super::{member_identity, service_account_identity};
use crate::checks::aws::material;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::Item;
use crate::models::terraform as tf;

declare_check! {
    /// `google_service_account_key` resources.
    ///
    /// A key created from an
    /// uploaded public key (`public_key_data`) is reported as low: its private half never
    /// passes through Terraform, but it is still a long-lived credential.
    ///
    /// **Why it matters.** A user-managed key is valid until it is deleted (ten years by
    /// default). Terraform writes the generated private key to its state, from where it is
    /// copied into CI variables and files; every copy is a standing credential of the service
    /// account (OWASP NHI7).
    ///
    /// **Example.**
    /// ```hcl
    /// resource "google_service_account_key" "ci" {
    ///   service_account_id = google_service_account.ci.name
    /// }
    /// ```
    ///
    /// **Fix.** Use short-lived credentials instead: attached service accounts on GCP,
    /// Workload Identity Federation from CI and other clouds, `gcloud auth` impersonation for
    /// people. Enforce `iam.disableServiceAccountKeyCreation` in the organisation policy.
    pub struct ServiceAccountKey => SERVICE_ACCOUNT_KEY {
        id: "gcp-service-account-key",
        name: "Long-lived service-account key",
        platform: Platform::Gcp,
        severity: Severity::Medium,
        confidence: Confidence::High,
        tags: &["NHI7", "CSF:PR.AA-01"],
    }
}

impl Check for ServiceAccountKey {
    fn info(&self) -> &'static CheckInfo {
        &SERVICE_ACCOUNT_KEY
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Terraform
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &SERVICE_ACCOUNT_KEY;
        for root in &doc.roots {
            let all = tf::blocks(root);
            for b in all
                .iter()
                .filter(|b| b.kind == "resource" && b.rtype == "google_service_account_key")
            {
                let identity = match b.attr("service_account_id") {
                    Some(n) => tf::node_references(n)
                        .iter()
                        .filter(|r| r.rtype == "google_service_account")
                        .find_map(|r| tf::resolve(&all, r))
                        .and_then(|sa| service_account_identity(&sa))
                        .unwrap_or_else(|| {
                            member_identity(
                                &all,
                                &Item {
                                    text: tf::display(n),
                                    node: n,
                                },
                            )
                        }),
                    None => b.address(),
                };
                let uploaded = b.attr("public_key_data").is_some();
                let mut f = doc.finding(
                    info,
                    b.key.span,
                    Some(identity.clone()),
                    format!(
                        "{} creates a long-lived key for {identity}{}",
                        b.address(),
                        if uploaded {
                            " from an uploaded public key"
                        } else {
                            ""
                        }
                    ),
                    &material(&identity, &b.address(), None),
                );
                if uploaded {
                    f.severity = Severity::Low;
                }
                out.push(f);
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
    fn generated_and_uploaded_keys() {
        let tf = r#"
resource "google_service_account" "ci" {
  account_id = "ci-deployer"
}
resource "google_service_account_key" "ci" {
  service_account_id = google_service_account.ci.name
}
resource "google_service_account_key" "uploaded" {
  service_account_id = "projects/acme/serviceAccounts/legacy@acme.iam.gserviceaccount.com"
  public_key_data    = filebase64("legacy.pub")
}
"#;
        assert_eq!(
            brief(&run(&ServiceAccountKey, "keys.tf", tf)),
            [
                "5:1 serviceAccount:ci-deployer medium",
                "8:1 projects/acme/serviceAccounts/legacy@acme.iam.gserviceaccount.com low"
            ]
        );
    }
}
