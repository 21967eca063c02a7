use super::{material, view, with_grade};
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{Constraint, Effect, PolicyRole, Statement};

declare_check! {
    /// A role's trust policy (CloudFormation `AssumeRolePolicyDocument`,
    /// Terraform `assume_role_policy`, or a standalone trust policy) with an `Allow` statement
    /// whose principal is `"*"` or `{"AWS": "*"}` (Terraform: `type = "AWS"`,
    /// `identifiers = ["*"]`), or that uses `NotPrincipal` with `Allow`.
    ///
    /// Critical without conditions. A condition that pins the caller's organisation or account
    /// (`aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceAccount`,
    /// `sts:ExternalId`, …) lowers it to medium; any other constraining condition to high.
    ///
    /// **Why it matters.** Any AWS account in the world can call `sts:AssumeRole` on the role
    /// and receive its credentials: the role's permissions are public (OWASP NHI5, NHI6).
    ///
    /// **Example.**
    /// ```yaml
    /// AssumeRolePolicyDocument:
    ///   Statement:
    ///     - Effect: Allow
    ///       Principal: {AWS: "*"}
    ///       Action: sts:AssumeRole
    /// ```
    ///
    /// **Fix.** Name the accounts, roles or services that may assume the role; for third
    /// parties add `sts:ExternalId`, for your organisation `aws:PrincipalOrgID`.
    pub struct TrustAnyPrincipal => TRUST_ANY_PRINCIPAL {
        id: "aws-iam-trust-any-principal",
        name: "IAM role can be assumed by any principal",
        platform: Platform::Aws,
        severity: Severity::Critical,
        confidence: Confidence::High,
        tags: &["NHI5", "NHI6", "CSF:PR.AA-05"],
    }
}

/// Condition keys that pin the caller to known accounts or an organisation.
const CALLER_PINNING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceowner",
    "sts:externalid",
];

fn grade(s: &Statement) -> (Severity, Option<String>) {
    if let Some(c) = s
        .conditions
        .iter()
        .find(|c| CALLER_PINNING_KEYS.contains(&c.key.to_ascii_lowercase().as_str()))
    {
        return (
            Severity::Medium,
            Some(format!(" (narrowed by the {} condition)", c.key)),
        );
    }
    if s.constraint() == Constraint::Strong {
        return (Severity::High, Some(" (a condition narrows it)".into()));
    }
    (Severity::Critical, None)
}

impl Check for TrustAnyPrincipal {
    fn info(&self) -> &'static CheckInfo {
        &TRUST_ANY_PRINCIPAL
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        super::holds_iam(kind)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &TRUST_ANY_PRINCIPAL;
        let v = view(doc);
        for p in v.policies.iter().filter(|p| p.role == PolicyRole::Trust) {
            for s in &p.policy.statements {
                if s.effect != Effect::Allow {
                    continue;
                }
                let (severity, note) = grade(s);
                let note = note.unwrap_or_default();
                if s.not_principal {
                    if let Some(key) = s.principal_key {
                        let f = doc.finding(
                            info,
                            key.span,
                            Some(p.identity.clone()),
                            format!(
                                "{} can be assumed by every principal not listed in NotPrincipal{note}",
                                p.identity
                            ),
                            &material(&p.identity, "NotPrincipal", s.sid),
                        );
                        out.push(with_grade(f, (severity, info.confidence)));
                    }
                    continue;
                }
                for pr in &s.principals {
                    let anyone = pr.value.text == Some("*")
                        && (pr.kind == "*" || pr.kind.eq_ignore_ascii_case("AWS"));
                    if !anyone {
                        continue;
                    }
                    let f = doc.finding(
                        info,
                        pr.value.node.span,
                        Some(p.identity.clone()),
                        format!("{} can be assumed by any AWS principal{note}", p.identity),
                        &material(&p.identity, "*", s.sid),
                    );
                    out.push(with_grade(f, (severity, info.confidence)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, run};
    use super::*;

    #[test]
    fn public_trust_in_cloudformation_and_terraform() {
        let cfn = r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
  "Open": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "open",
    "AssumeRolePolicyDocument": {"Statement": [
      {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
      {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole",
       "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}}]}}}}}"#;
        let f = run(&TrustAnyPrincipal, "stack.json", cfn);
        assert_eq!(
            brief(&f),
            ["4:48 role/open critical", "5:40 role/open medium"]
        );

        let tf = r#"
resource "aws_iam_role" "x" {
  name = "cross"
  assume_role_policy = data.aws_iam_policy_document.t.json
}
data "aws_iam_policy_document" "t" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}
"#;
        let f = run(&TrustAnyPrincipal, "main.tf", tf);
        assert_eq!(brief(&f), ["11:22 role/cross critical"]);
    }

    #[test]
    fn named_principals_are_fine() {
        let json = r#"{"Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci", "Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}"#;
        assert!(run(&TrustAnyPrincipal, "trust.json", json).is_empty());
        // A bucket policy with a public principal is a resource policy, not a trust policy.
        let bucket = r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::site/*"}]}"#;
        assert!(run(&TrustAnyPrincipal, "bucket.json", bucket).is_empty());
    }
}
