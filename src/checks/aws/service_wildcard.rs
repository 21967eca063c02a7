use super::{allowed_actions, material, view, with_grade};
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{service_wildcard, ResourceScope};

declare_check! {
    /// An identity policy statement allowing `service:*` on all resources
    /// (`"*"`, `arn:aws:s3:::*`, `arn:aws:iam::*:role/*`, or a `NotResource`), and attachments of
    /// AWS-managed `…FullAccess` policies such as `IAMFullAccess` or `AmazonS3FullAccess`.
    ///
    /// A `Deny` in the same document that takes the whole wildcard back cancels it.
    ///
    /// Severity follows the service: `iam:*`, `sts:*` and `organizations:*` are as good as
    /// administrator access (critical); services that hold data, secrets, code or compute are
    /// high; the rest medium. A constraining condition lowers it one step.
    ///
    /// **Why it matters.** A service wildcard grants actions nobody reviewed, including ones
    /// AWS adds later: `s3:*` includes `PutBucketPolicy` (make a bucket public), `kms:*` includes
    /// `ScheduleKeyDeletion`, `iam:*` includes creating an administrator (OWASP NHI5).
    ///
    /// **Example.**
    /// ```hcl
    /// resource "aws_iam_role_policy" "ci" {
    ///   role   = aws_iam_role.ci.id
    ///   policy = jsonencode({
    ///     Version   = "2012-10-17"
    ///     Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }]
    ///   })
    /// }
    /// ```
    ///
    /// **Fix.** List the actions the workload uses (`s3:GetObject`, `s3:PutObject`) on the ARNs
    /// it touches (`${aws_s3_bucket.artifacts.arn}/*`).
    pub struct ServiceWildcard => SERVICE_WILDCARD {
        id: "aws-iam-service-wildcard",
        name: "IAM policy grants every action of a service on all resources",
        platform: Platform::Aws,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

/// Services whose wildcard amounts to administrator access.
const ADMIN_EQUIVALENT: &[&str] = &["iam", "sts", "organizations"];

/// Services that hold data, secrets, code or compute.
const SENSITIVE: &[&str] = &[
    "s3",
    "kms",
    "secretsmanager",
    "ssm",
    "lambda",
    "ec2",
    "ecs",
    "eks",
    "ecr",
    "rds",
    "dynamodb",
    "cloudformation",
    "codebuild",
    "codepipeline",
    "glue",
    "sagemaker",
    "sns",
    "sqs",
    "kinesis",
    "route53",
    "cloudtrail",
    "config",
    "guardduty",
    "backup",
    "elasticfilesystem",
];

fn severity_for(service: &str) -> Severity {
    let s = service.to_ascii_lowercase();
    if ADMIN_EQUIVALENT.contains(&s.as_str()) {
        Severity::Critical
    } else if SENSITIVE.contains(&s.as_str()) {
        Severity::High
    } else {
        Severity::Medium
    }
}

impl Check for ServiceWildcard {
    fn info(&self) -> &'static CheckInfo {
        &SERVICE_WILDCARD
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        super::holds_iam(kind)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &SERVICE_WILDCARD;
        let v = view(doc);
        // Only resources of the service count: `s3:*` on `role/*` grants nothing.
        let service_wide = allowed_actions(&v, |s, text| {
            service_wildcard(text).filter(|_| s.scope_for(text) == Some(ResourceScope::All))
        });
        for (a, service) in service_wide {
            out.push(a.site().narrowed_finding(
                doc,
                info,
                &format!(
                    "is allowed every {service} action ({}) on all resources",
                    a.text
                ),
                severity_for(service),
                a.narrowing(ResourceScope::All),
            ));
        }
        for a in &v.attachments {
            if !a.name.ends_with("FullAccess") || a.name == "AdministratorAccess" {
                continue;
            }
            let severity = if a.name == "IAMFullAccess" {
                Severity::Critical
            } else {
                Severity::Medium
            };
            let f = doc.finding(
                info,
                a.node.span,
                Some(a.identity.clone()),
                format!(
                    "{} is given the AWS-managed {} policy (every action of the service)",
                    a.identity, a.name
                ),
                &material(&a.identity, a.name, None),
            );
            out.push(with_grade(f, (severity, info.confidence)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, run};
    use super::*;

    #[test]
    fn service_wildcards_graded_by_service() {
        let tf = r#"
resource "aws_iam_role_policy" "ci" {
  role = "ci"
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = ["iam:*", "s3:*", "logs:*"], Resource = "*" },
      { Effect = "Allow", Action = "dynamodb:*", Resource = "arn:aws:dynamodb:eu-west-1:123456789012:table/orders" },
      { Effect = "Deny", Action = "logs:*", Resource = "*" },
    ]
  })
}
resource "aws_iam_role_policy_attachment" "s3" {
  role       = "ci"
  policy_arn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"
}
"#;
        let f = run(&ServiceWildcard, "ci.tf", tf);
        assert_eq!(
            brief(&f),
            [
                "6:37 role/ci critical",
                "6:46 role/ci high",
                "14:16 role/ci medium"
            ]
        );
    }

    #[test]
    fn wildcards_on_another_service_resources_grant_nothing() {
        let json = r#"{"Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sns:*:*:*"}]}"#;
        assert!(run(&ServiceWildcard, "p.json", json).is_empty());
        let json = r#"{"Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:*"}]}"#;
        assert_eq!(run(&ServiceWildcard, "p.json", json).len(), 1);
    }

    #[test]
    fn specific_actions_are_not_service_wildcards() {
        let json = r#"{"Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:PutObject"], "Resource": "*"}]}"#;
        assert!(run(&ServiceWildcard, "p.json", json).is_empty());
    }
}
