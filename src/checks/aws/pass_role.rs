use super::{item_text, permission_policies, view, GrantSite, Narrowing};
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{is_all_actions, service_wildcard, ResourceScope};

declare_check! {
    /// An identity policy that allows `iam:PassRole` (written out or via a
    /// pattern such as `iam:Pass*`) on all roles — `"*"` or `arn:aws:iam::…:role/*` — after
    /// subtracting `Deny` statements of the same document.
    ///
    /// A wildcard that still narrows
    /// (`role/app-*`) is reported one step lower; a literal role ARN or a reference to one role
    /// is not reported. A condition such as `iam:PassedToService` lowers it one step. `*` and
    /// `iam:*` are left to `aws-iam-admin-wildcard` and `aws-iam-service-wildcard`.
    ///
    /// **Why it matters.** Passing a role hands it to a service (EC2, Lambda, Glue, ECS,
    /// CloudFormation…) that then acts with that role's permissions. With `PassRole` on every
    /// role, an identity that can start any compute can run code as the most privileged role in
    /// the account (OWASP NHI5).
    ///
    /// **Example.**
    /// ```json
    /// {"Effect": "Allow", "Action": ["iam:PassRole", "lambda:CreateFunction"], "Resource": "*"}
    /// ```
    ///
    /// **Fix.** Name the roles that may be passed and the service that may receive them:
    /// ```json
    /// {"Effect": "Allow", "Action": "iam:PassRole",
    ///  "Resource": "arn:aws:iam::123456789012:role/app-task",
    ///  "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}}
    /// ```
    pub struct PassRoleWildcard => PASS_ROLE_WILDCARD {
        id: "aws-iam-passrole-wildcard",
        name: "IAM policy allows passing any role",
        platform: Platform::Aws,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

impl Check for PassRoleWildcard {
    fn info(&self) -> &'static CheckInfo {
        &PASS_ROLE_WILDCARD
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        super::holds_iam(kind)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &PASS_ROLE_WILDCARD;
        let v = view(doc);
        for p in permission_policies(&v) {
            for g in p.policy.grants("iam:PassRole") {
                let Some(item) = g.item else { continue };
                let text = item_text(&item);
                if is_all_actions(text) || service_wildcard(text).is_some() {
                    continue;
                }
                if g.scope == ResourceScope::Specific {
                    continue;
                }
                let site = GrantSite {
                    policy: p,
                    span: item.node.span,
                    value: text,
                    sid: g.statement.sid,
                };
                out.push(site.narrowed_finding(
                    doc,
                    info,
                    "may pass any role to an AWS service",
                    info.severity,
                    Narrowing::of(&g),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, run};
    use super::*;

    #[test]
    fn pass_role_on_all_roles() {
        let json = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
  {"Sid": "PassApp", "Effect": "Allow", "Action": "iam:Pass*", "Resource": "arn:aws:iam::123456789012:role/app-*"},
  {"Sid": "PassEcs", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/*",
   "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}},
  {"Sid": "One", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/app-task"}
]}"#;
        let f = run(&PassRoleWildcard, "deployer.json", json);
        assert_eq!(
            brief(&f),
            [
                "2:48 policy/deployer high",
                "3:51 policy/deployer medium",
                "4:51 policy/deployer medium"
            ]
        );
    }

    #[test]
    fn denied_pass_role_is_not_reported() {
        let json = r#"{"Statement": [
  {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
  {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
]}"#;
        assert!(run(&PassRoleWildcard, "p.json", json).is_empty());
    }
}
