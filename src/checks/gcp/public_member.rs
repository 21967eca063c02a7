use super::{bindings, member_identity, role_text, Level};
use crate::checks::aws::material;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::terraform as tf;

declare_check! {
    /// Any `google_*_iam_member`, `google_*_iam_binding` or
    /// `data "google_iam_policy"` binding whose member is `allUsers` (anyone on the internet)
    /// or `allAuthenticatedUsers` (anyone with a Google account).
    ///
    /// The finding points at the member. High on a single resource, critical at project, folder or organisation level.
    ///
    /// **Why it matters.** The role's permissions are given to every person and every workload
    /// outside the organisation; no credential is needed to use them, so no rotation or
    /// offboarding can take them back (OWASP NHI5).
    ///
    /// **Example.**
    /// ```hcl
    /// resource "google_storage_bucket_iam_member" "public" {
    ///   bucket = google_storage_bucket.exports.name
    ///   role   = "roles/storage.objectViewer"
    ///   member = "allUsers"
    /// }
    /// ```
    ///
    /// **Fix.** Grant the role to the groups or service accounts that need it. For public
    /// content, serve it through a CDN or signed URLs rather than a public IAM grant.
    pub struct PublicMember => PUBLIC_MEMBER {
        id: "gcp-iam-public-member",
        name: "IAM grant to allUsers or allAuthenticatedUsers",
        platform: Platform::Gcp,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

impl Check for PublicMember {
    fn info(&self) -> &'static CheckInfo {
        &PUBLIC_MEMBER
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Terraform
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &PUBLIC_MEMBER;
        for root in &doc.roots {
            let all = tf::blocks(root);
            for b in bindings(root) {
                let roles: Vec<&str> = b.roles.iter().filter_map(role_text).collect();
                let roles = if roles.is_empty() {
                    "a role".to_string()
                } else {
                    roles.join(", ")
                };
                for m in &b.members {
                    let Some(member) = m.text.filter(|t| {
                        t.eq_ignore_ascii_case("allUsers")
                            || t.eq_ignore_ascii_case("allAuthenticatedUsers")
                    }) else {
                        continue;
                    };
                    let identity = member_identity(&all, m);
                    let mut f = doc.finding(
                        info,
                        m.node.span,
                        Some(identity),
                        format!(
                            "{} grants {roles} to {member} at {} level",
                            b.block.address(),
                            b.level.as_str()
                        ),
                        &material(member, &roles, Some(&b.block.address())),
                    );
                    if b.level.is_hierarchy() {
                        f.severity = Severity::Critical;
                    } else if b.level == Level::Unknown {
                        f.confidence = Confidence::Medium;
                    }
                    out.push(f);
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
    fn public_members_anywhere() {
        let tf = r#"
resource "google_storage_bucket_iam_binding" "site" {
  bucket  = "acme-site"
  role    = "roles/storage.objectViewer"
  members = ["group:web@acme.example", "allUsers"]
}
resource "google_project_iam_member" "p" {
  project = "acme"
  role    = "roles/viewer"
  member  = "allAuthenticatedUsers"
}
resource "google_cloud_run_service_iam_member" "private" {
  service = "api"
  role    = "roles/run.invoker"
  member  = "serviceAccount:gateway@acme.iam.gserviceaccount.com"
}
"#;
        assert_eq!(
            brief(&run(&PublicMember, "public.tf", tf)),
            ["5:40 allUsers high", "10:13 allAuthenticatedUsers critical"]
        );
    }
}
