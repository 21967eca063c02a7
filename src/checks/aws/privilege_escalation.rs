use super::{item_text, permission_policies, view, GrantSite, Narrowing};
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{is_all_actions, service_wildcard, Constraint, Grant, ResourceScope};

declare_check! {
    /// Identity policies whose effective permissions (Allow minus the
    /// `Deny` statements of the same document) complete a known path from a limited identity
    /// to more privilege, on all resources or a wildcard of them:
    ///
    /// - rewrite policies: `iam:CreatePolicyVersion`, `iam:SetDefaultPolicyVersion`,
    ///   `iam:Attach{User,Group,Role}Policy`, `iam:Put{User,Group,Role}Policy`,
    ///   `iam:AddUserToGroup`;
    /// - take over other identities: `iam:CreateAccessKey`, `iam:CreateLoginProfile`,
    ///   `iam:UpdateLoginProfile`, `iam:UpdateAssumeRolePolicy`;
    /// - run code as a passed role: `iam:PassRole` with `lambda:CreateFunction`,
    ///   `glue:CreateDevEndpoint`, `glue:CreateJob`, `cloudformation:CreateStack`,
    ///   `ec2:RunInstances`, `datapipeline:CreatePipeline`, `sagemaker:CreateNotebookInstance`,
    ///   `sagemaker:CreateTrainingJob`, `codebuild:CreateProject`, or
    ///   `ecs:RegisterTaskDefinition` + `ecs:RunTask`;
    /// - borrow a running workload's role: `lambda:UpdateFunctionCode`, `glue:UpdateDevEndpoint`,
    ///   `ssm:SendCommand`, `ssm:StartSession`, `ec2-instance-connect:SendSSHPublicKey`.
    ///
    /// The finding points at the action entry that completes the path (for `PassRole` paths,
    /// the service action). Paths granted only through `*`, `service:*` or `NotAction` are left
    /// to the checks for those. A resource wildcard that still narrows, or a constraining
    /// condition, lowers the severity one step each; literal resource ARNs drop the path.
    ///
    /// **Why it matters.** Each path lets a compromised pipeline or service identity make
    /// itself (or something it controls) administrator, so its real privilege is far above
    /// what its policy seems to grant (OWASP NHI5).
    ///
    /// **Example.**
    /// ```json
    /// {"Effect": "Allow", "Action": ["iam:CreatePolicyVersion", "iam:ListPolicies"], "Resource": "*"}
    /// ```
    ///
    /// **Fix.** Remove the action, or scope it to the ARNs the workload manages and add a
    /// permission boundary; for `PassRole` paths, restrict `iam:PassRole` to named roles and
    /// `iam:PassedToService`.
    pub struct PrivilegeEscalation => PRIVILEGE_ESCALATION {
        id: "aws-iam-privilege-escalation",
        name: "IAM policy allows privilege escalation",
        platform: Platform::Aws,
        severity: Severity::High,
        confidence: Confidence::Medium,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

/// The known escalation paths: the actions a path needs (all of them, space-separated), and
/// what they let an identity do.
const PATHS: &[(&str, &str)] = &[
    (
        "iam:CreatePolicyVersion",
        "rewrite a managed policy as a new default version",
    ),
    (
        "iam:SetDefaultPolicyVersion",
        "switch a managed policy to a broader version",
    ),
    (
        "iam:AttachUserPolicy",
        "attach any managed policy to a user",
    ),
    (
        "iam:AttachGroupPolicy",
        "attach any managed policy to a group",
    ),
    (
        "iam:AttachRolePolicy",
        "attach any managed policy to a role",
    ),
    ("iam:PutUserPolicy", "write an inline policy on a user"),
    ("iam:PutGroupPolicy", "write an inline policy on a group"),
    ("iam:PutRolePolicy", "write an inline policy on a role"),
    ("iam:AddUserToGroup", "join a more privileged group"),
    ("iam:CreateAccessKey", "mint access keys for other users"),
    (
        "iam:CreateLoginProfile",
        "set a console password for other users",
    ),
    (
        "iam:UpdateLoginProfile",
        "reset other users' console passwords",
    ),
    (
        "iam:UpdateAssumeRolePolicy",
        "make any role trust the caller",
    ),
    (
        "iam:PassRole lambda:CreateFunction",
        "run a Lambda function as any role",
    ),
    (
        "iam:PassRole glue:CreateDevEndpoint",
        "open a Glue dev endpoint as any role",
    ),
    ("iam:PassRole glue:CreateJob", "run a Glue job as any role"),
    (
        "iam:PassRole cloudformation:CreateStack",
        "deploy a stack as any role",
    ),
    (
        "iam:PassRole ec2:RunInstances",
        "start an instance with any role",
    ),
    (
        "iam:PassRole datapipeline:CreatePipeline",
        "run a data pipeline as any role",
    ),
    (
        "iam:PassRole sagemaker:CreateNotebookInstance",
        "open a notebook as any role",
    ),
    (
        "iam:PassRole sagemaker:CreateTrainingJob",
        "run a training job as any role",
    ),
    (
        "iam:PassRole codebuild:CreateProject",
        "run a build as any role",
    ),
    (
        "iam:PassRole ecs:RegisterTaskDefinition ecs:RunTask",
        "run a container as any role",
    ),
    (
        "lambda:UpdateFunctionCode",
        "replace the code of functions running with other roles",
    ),
    (
        "glue:UpdateDevEndpoint",
        "add a key to Glue dev endpoints and use their roles",
    ),
    (
        "ssm:SendCommand",
        "run commands on instances as their roles",
    ),
    (
        "ssm:StartSession",
        "open shells on instances and use their roles",
    ),
    (
        "ec2-instance-connect:SendSSHPublicKey",
        "log in to instances and use their roles",
    ),
];

/// The action entry a set of paths is reported at.
struct Anchor<'v, 'a> {
    site: GrantSite<'v, 'a>,
    hows: Vec<&'static str>,
    grade: (Severity, Confidence),
}

/// Whether a grant comes from an entry that the wildcard checks already report.
fn reported_elsewhere(g: &Grant) -> bool {
    match g.item {
        None => true,
        Some(i) => {
            let t = item_text(&i);
            (is_all_actions(t) || service_wildcard(t).is_some()) && g.scope == ResourceScope::All
        }
    }
}

/// The widest, least constrained grant.
fn best<'p, 'a>(grants: Vec<Grant<'p, 'a>>) -> Option<Grant<'p, 'a>> {
    grants
        .into_iter()
        .filter(|g| g.scope != ResourceScope::Specific)
        .max_by_key(|g| (g.scope, std::cmp::Reverse(g.constraint), !g.doubtful))
}

impl Check for PrivilegeEscalation {
    fn info(&self) -> &'static CheckInfo {
        &PRIVILEGE_ESCALATION
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        super::holds_iam(kind)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &PRIVILEGE_ESCALATION;
        let v = view(doc);
        for p in permission_policies(&v) {
            // Paths found, grouped by the entry they are reported at.
            let mut at: Vec<Anchor> = Vec::new();
            for &(actions, how) in PATHS {
                let Some(grants) = actions
                    .split(' ')
                    .map(|a| best(p.policy.grants(a)))
                    .collect::<Option<Vec<_>>>()
                else {
                    continue;
                };
                // The service action completes a PassRole path; report there.
                let Some(anchor) = grants
                    .iter()
                    .rev()
                    .find(|g| !reported_elsewhere(g))
                    .and_then(|g| g.item.map(|i| (i, g.statement.sid)))
                else {
                    continue;
                };
                let scope = grants
                    .iter()
                    .map(|g| g.scope)
                    .min()
                    .unwrap_or(ResourceScope::All);
                let constraint = grants
                    .iter()
                    .map(|g| g.constraint)
                    .max()
                    .unwrap_or(Constraint::None);
                let narrowing = Narrowing {
                    scope,
                    constraint,
                    doubtful: grants.iter().any(|g| g.doubtful),
                };
                let grade = narrowing.grade(info.severity, info.confidence);
                let (item, sid) = anchor;
                match at.iter_mut().find(|e| e.site.span == item.node.span) {
                    Some(e) => {
                        e.hows.push(how);
                        e.grade = e.grade.max(grade);
                    }
                    None => at.push(Anchor {
                        site: GrantSite {
                            policy: p,
                            span: item.node.span,
                            value: item_text(&item),
                            sid,
                        },
                        hows: vec![how],
                        grade,
                    }),
                }
            }
            for Anchor { site, hows, grade } in at {
                let what = format!(
                    "can escalate its privileges through {}: {}",
                    site.value,
                    hows.join("; ")
                );
                out.push(site.finding(doc, info, &what, "", grade));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, run};
    use super::*;

    #[test]
    fn single_and_combined_paths() {
        let json = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": ["iam:CreatePolicyVersion", "iam:List*"], "Resource": "*"},
  {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/*"},
  {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"},
  {"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "arn:aws:ec2:*:123456789012:instance/*",
   "Condition": {"StringEquals": {"aws:ResourceTag/team": "web"}}}
]}"#;
        let f = run(&PrivilegeEscalation, "ci.json", json);
        assert_eq!(
            brief(&f),
            [
                "2:34 policy/ci high",
                "4:34 policy/ci high",
                "5:33 policy/ci medium"
            ]
        );
        assert!(f[1].message.contains("Lambda"));
    }

    #[test]
    fn denied_specific_or_wildcard_only_paths_are_skipped() {
        let json = r#"{"Statement": [
  {"Effect": "Allow", "Action": ["iam:AttachRolePolicy", "iam:PutRolePolicy"], "Resource": "*"},
  {"Effect": "Deny", "Action": ["iam:Attach*", "iam:Put*"], "Resource": "*"},
  {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "arn:aws:iam::123456789012:user/${aws:username}"},
  {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"},
  {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
  {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
]}"#;
        assert!(run(&PrivilegeEscalation, "p.json", json).is_empty());
        let wildcard_only =
            r#"{"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}"#;
        assert!(run(&PrivilegeEscalation, "p.json", wildcard_only).is_empty());
    }
}
