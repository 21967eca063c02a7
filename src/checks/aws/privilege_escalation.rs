use super::{graded, holders_note, item_text, material, view, with_grade};
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{
    is_all_actions, service_wildcard, Constraint, Grant, PolicyRole, ResourceScope,
};
use crate::models::Span;

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

/// A known escalation path: every action is needed.
struct Path {
    actions: &'static [&'static str],
    how: &'static str,
}

const PATHS: &[Path] = &[
    Path {
        actions: &["iam:CreatePolicyVersion"],
        how: "rewrite a managed policy as a new default version",
    },
    Path {
        actions: &["iam:SetDefaultPolicyVersion"],
        how: "switch a managed policy to a broader version",
    },
    Path {
        actions: &["iam:AttachUserPolicy"],
        how: "attach any managed policy to a user",
    },
    Path {
        actions: &["iam:AttachGroupPolicy"],
        how: "attach any managed policy to a group",
    },
    Path {
        actions: &["iam:AttachRolePolicy"],
        how: "attach any managed policy to a role",
    },
    Path {
        actions: &["iam:PutUserPolicy"],
        how: "write an inline policy on a user",
    },
    Path {
        actions: &["iam:PutGroupPolicy"],
        how: "write an inline policy on a group",
    },
    Path {
        actions: &["iam:PutRolePolicy"],
        how: "write an inline policy on a role",
    },
    Path {
        actions: &["iam:AddUserToGroup"],
        how: "join a more privileged group",
    },
    Path {
        actions: &["iam:CreateAccessKey"],
        how: "mint access keys for other users",
    },
    Path {
        actions: &["iam:CreateLoginProfile"],
        how: "set a console password for other users",
    },
    Path {
        actions: &["iam:UpdateLoginProfile"],
        how: "reset other users' console passwords",
    },
    Path {
        actions: &["iam:UpdateAssumeRolePolicy"],
        how: "make any role trust the caller",
    },
    Path {
        actions: &["iam:PassRole", "lambda:CreateFunction"],
        how: "run a Lambda function as any role",
    },
    Path {
        actions: &["iam:PassRole", "glue:CreateDevEndpoint"],
        how: "open a Glue dev endpoint as any role",
    },
    Path {
        actions: &["iam:PassRole", "glue:CreateJob"],
        how: "run a Glue job as any role",
    },
    Path {
        actions: &["iam:PassRole", "cloudformation:CreateStack"],
        how: "deploy a stack as any role",
    },
    Path {
        actions: &["iam:PassRole", "ec2:RunInstances"],
        how: "start an instance with any role",
    },
    Path {
        actions: &["iam:PassRole", "datapipeline:CreatePipeline"],
        how: "run a data pipeline as any role",
    },
    Path {
        actions: &["iam:PassRole", "sagemaker:CreateNotebookInstance"],
        how: "open a notebook as any role",
    },
    Path {
        actions: &["iam:PassRole", "sagemaker:CreateTrainingJob"],
        how: "run a training job as any role",
    },
    Path {
        actions: &["iam:PassRole", "codebuild:CreateProject"],
        how: "run a build as any role",
    },
    Path {
        actions: &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
        how: "run a container as any role",
    },
    Path {
        actions: &["lambda:UpdateFunctionCode"],
        how: "replace the code of functions running with other roles",
    },
    Path {
        actions: &["glue:UpdateDevEndpoint"],
        how: "add a key to Glue dev endpoints and use their roles",
    },
    Path {
        actions: &["ssm:SendCommand"],
        how: "run commands on instances as their roles",
    },
    Path {
        actions: &["ssm:StartSession"],
        how: "open shells on instances and use their roles",
    },
    Path {
        actions: &["ec2-instance-connect:SendSSHPublicKey"],
        how: "log in to instances and use their roles",
    },
];

/// The action entry a set of paths is reported at.
struct Anchor<'a> {
    span: Span,
    text: &'a str,
    hows: Vec<&'static str>,
    grade: (Severity, Confidence),
    sid: Option<&'a str>,
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
        for p in v
            .policies
            .iter()
            .filter(|p| p.role == PolicyRole::Permissions)
        {
            // Paths found, grouped by the entry they are reported at.
            let mut at: Vec<Anchor> = Vec::new();
            for path in PATHS {
                let Some(grants) = path
                    .actions
                    .iter()
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
                let doubtful = grants.iter().any(|g| g.doubtful);
                let grade = graded(info.severity, info.confidence, scope, constraint, doubtful);
                let (item, sid) = anchor;
                match at.iter_mut().find(|e| e.span == item.node.span) {
                    Some(e) => {
                        e.hows.push(path.how);
                        e.grade = e.grade.max(grade);
                    }
                    None => at.push(Anchor {
                        span: item.node.span,
                        text: item_text(&item),
                        hows: vec![path.how],
                        grade,
                        sid,
                    }),
                }
            }
            for Anchor {
                span,
                text,
                hows,
                grade,
                sid,
            } in at
            {
                let f = doc.finding(
                    info,
                    span,
                    Some(p.identity.clone()),
                    format!(
                        "{} can escalate its privileges through {text}: {}{}",
                        p.identity,
                        hows.join("; "),
                        holders_note(p)
                    ),
                    &material(&p.identity, text, sid),
                );
                out.push(with_grade(f, grade));
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
