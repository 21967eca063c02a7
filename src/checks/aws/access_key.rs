use super::material;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{cfn_principal, tf_principal};
use crate::models::{cfn, terraform as tf};

declare_check! {
    /// Terraform `aws_iam_access_key` resources and CloudFormation
    /// `AWS::IAM::AccessKey` resources that are not created `Inactive`.
    ///
    /// The finding points at
    /// the resource and names the IAM user the key belongs to.
    ///
    /// **Why it matters.** An IAM user access key never expires. Created from code, its secret
    /// also lands in the Terraform state or a stack output, from where it is copied into CI
    /// variables and laptops; a leak stays exploitable until someone rotates the key by hand
    /// (OWASP NHI7). Workloads on AWS, and CI systems with OIDC, can use short-lived role
    /// credentials instead.
    ///
    /// **Example.**
    /// ```hcl
    /// resource "aws_iam_user" "ci" { name = "ci-bot" }
    /// resource "aws_iam_access_key" "ci" { user = aws_iam_user.ci.name }
    /// ```
    ///
    /// **Fix.** Replace the user and key with a role: an instance profile or task role on AWS,
    /// `aws-actions/configure-aws-credentials` with OIDC in GitHub Actions, IAM Roles Anywhere
    /// elsewhere. If a key must exist, create it outside the code, rotate it on a schedule and
    /// alert on its use.
    pub struct AccessKey => ACCESS_KEY {
        id: "aws-iam-access-key",
        name: "Long-lived IAM user access key",
        platform: Platform::Aws,
        severity: Severity::Medium,
        confidence: Confidence::High,
        tags: &["NHI7", "CSF:PR.AA-01"],
    }
}

fn inactive(status: Option<&str>) -> bool {
    status.is_some_and(|s| s.eq_ignore_ascii_case("inactive"))
}

impl Check for AccessKey {
    fn info(&self) -> &'static CheckInfo {
        &ACCESS_KEY
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        matches!(kind, FileKind::CloudFormation | FileKind::Terraform)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &ACCESS_KEY;
        for root in &doc.roots {
            match doc.kind {
                FileKind::Terraform => {
                    let all = tf::blocks(root);
                    for b in all
                        .iter()
                        .filter(|b| b.kind == "resource" && b.rtype == "aws_iam_access_key")
                    {
                        if inactive(b.str_attr("status")) {
                            continue;
                        }
                        let user = b
                            .attr("user")
                            .map(|u| tf_principal(&all, "user", u))
                            .unwrap_or_else(|| b.address());
                        out.push(doc.finding(
                            info,
                            b.key.span,
                            Some(user.clone()),
                            format!("{} creates a long-lived access key for {user}", b.address()),
                            &material(&user, &b.address(), None),
                        ));
                    }
                }
                FileKind::CloudFormation => {
                    let all = cfn::resources(root);
                    for r in all.iter().filter(|r| r.rtype == "AWS::IAM::AccessKey") {
                        if inactive(r.str_prop("Status")) {
                            continue;
                        }
                        let user = r
                            .prop("UserName")
                            .map(|u| cfn_principal(&all, "user", u))
                            .unwrap_or_else(|| r.logical_id.to_string());
                        out.push(doc.finding(
                            info,
                            r.key.span,
                            Some(user.clone()),
                            format!(
                                "{} creates a long-lived access key for {user}",
                                r.logical_id
                            ),
                            &material(&user, r.logical_id, None),
                        ));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, run};
    use super::*;

    #[test]
    fn keys_in_terraform_and_cloudformation() {
        let tf = r#"
resource "aws_iam_user" "ci" {
  name = "ci-bot"
}
resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}
resource "aws_iam_access_key" "old" {
  user   = "legacy"
  status = "Inactive"
}
"#;
        assert_eq!(
            brief(&run(&AccessKey, "iam.tf", tf)),
            ["5:1 user/ci-bot medium"]
        );
        let cfn = r#"{"Resources": {
  "Bot": {"Type": "AWS::IAM::User", "Properties": {"UserName": "bot"}},
  "BotKey": {"Type": "AWS::IAM::AccessKey", "Properties": {"UserName": {"Ref": "Bot"}}}
}}"#;
        assert_eq!(
            brief(&run(&AccessKey, "t.json", cfn)),
            ["3:3 user/bot medium"]
        );
    }
}
