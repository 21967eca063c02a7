use super::{allowed_actions, material, view};
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{is_all_actions, ResourceScope};

declare_check! {
    /// An identity policy statement that allows every action (`"*"`) on
    /// every resource, and roles, users or groups given the AWS-managed `AdministratorAccess`
    /// policy (`ManagedPolicyArns`, `managed_policy_arns`, `aws_iam_*_policy_attachment`, SAM
    /// `Policies`).
    ///
    /// Policies are read from standalone JSON, CloudFormation / SAM templates and
    /// Terraform (`jsonencode`, heredoc JSON, `data "aws_iam_policy_document"`). An explicit
    /// `Deny` of `*` on `*` in the same document cancels the finding; a constraining `Condition`
    /// lowers its severity.
    ///
    /// **Why it matters.** A non-human identity with administrator access turns any leak of its
    /// credentials — a CI token, an instance role, a key in a log — into full control of the
    /// account: data, billing, and the power to create more identities (OWASP NHI5).
    ///
    /// **Example.**
    /// ```json
    /// {"Version": "2012-10-17",
    ///  "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    /// ```
    ///
    /// **Fix.** Grant the actions the workload calls, on the resources it touches (IAM Access
    /// Analyzer can generate a policy from CloudTrail activity). Keep administrator access for
    /// break-glass humans with MFA, never for pipelines or services.
    pub struct AdminWildcard => ADMIN_WILDCARD {
        id: "aws-iam-admin-wildcard",
        name: "IAM policy grants administrator access",
        platform: Platform::Aws,
        severity: Severity::Critical,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

impl Check for AdminWildcard {
    fn info(&self) -> &'static CheckInfo {
        &ADMIN_WILDCARD
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        super::holds_iam(kind)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &ADMIN_WILDCARD;
        let v = view(doc);
        let admin = allowed_actions(&v, |s, text| {
            (is_all_actions(text) && s.scope() == ResourceScope::All).then_some(())
        });
        for (a, ()) in admin {
            out.push(a.site().narrowed_finding(
                doc,
                info,
                "is allowed every action on every resource",
                info.severity,
                a.narrowing(ResourceScope::All),
            ));
        }
        for a in v
            .attachments
            .iter()
            .filter(|a| a.name == "AdministratorAccess")
        {
            out.push(doc.finding(
                info,
                a.node.span,
                Some(a.identity.clone()),
                format!(
                    "{} is given the AWS-managed AdministratorAccess policy",
                    a.identity
                ),
                &material(&a.identity, a.name, None),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, run};
    use super::*;

    #[test]
    fn admin_statements_and_attachments() {
        let json = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["*"], "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    {"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::logs/*"}
  ]
}"#;
        let f = run(&AdminWildcard, "policies/admin.json", json);
        assert_eq!(
            brief(&f),
            ["4:35 policy/admin critical", "5:36 policy/admin high"]
        );

        let tf = r#"
resource "aws_iam_role" "ops" {
  name                = "ops-automation"
  assume_role_policy  = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"]
}
resource "aws_iam_user_policy_attachment" "bot" {
  user       = "deploy-bot"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"#;
        let f = run(&AdminWildcard, "main.tf", tf);
        assert_eq!(
            brief(&f),
            [
                "5:26 role/ops-automation critical",
                "9:16 user/deploy-bot critical"
            ]
        );
    }

    #[test]
    fn denied_or_narrow_grants_are_not_admin() {
        let json = r#"{"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"}
        ]}"#;
        assert!(run(&AdminWildcard, "p.json", json).is_empty());
        let trust = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:*"}]}"#;
        assert!(run(&AdminWildcard, "trust.json", trust).is_empty());
        let ro = r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]}"#;
        assert!(run(&AdminWildcard, "ro.json", ro).is_empty());
    }
}
