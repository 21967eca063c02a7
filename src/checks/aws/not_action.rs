use super::{allow_statements, item_text, material, view, GrantSite, Narrowing};
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::ResourceScope;

declare_check! {
    /// An identity policy statement with `"Effect": "Allow"` and a
    /// `NotAction` list (Terraform `not_actions`), and attachments of the AWS-managed
    /// `PowerUserAccess` policy, which is built that way.
    ///
    /// The finding points at the `NotAction`
    /// key. It is high when the statement covers all resources, medium when its resources are
    /// narrowed; a constraining condition lowers it one step.
    ///
    /// **Why it matters.** `Allow` + `NotAction` grants everything *except* the listed actions —
    /// including every action and service AWS adds later. `NotAction: iam:*` still allows
    /// `ssm:SendCommand`, `lambda:UpdateFunctionCode` and `sts:AssumeRole`, which reach other
    /// roles' privileges (OWASP NHI5).
    ///
    /// **Example.**
    /// ```json
    /// {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    /// ```
    ///
    /// **Fix.** Replace the statement with an `Action` list of what the workload needs. Use
    /// `NotAction` only with `Deny` (e.g. to deny everything outside a set of services).
    pub struct NotActionAllow => NOT_ACTION_ALLOW {
        id: "aws-iam-not-action-allow",
        name: "IAM policy allows everything except a list (NotAction with Allow)",
        platform: Platform::Aws,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

impl Check for NotActionAllow {
    fn info(&self) -> &'static CheckInfo {
        &NOT_ACTION_ALLOW
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        super::holds_iam(kind)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &NOT_ACTION_ALLOW;
        let v = view(doc);
        for (p, s) in allow_statements(&v).filter(|(_, s)| s.not_action) {
            let Some(key) = s.action_key else { continue };
            let excluded: Vec<&str> = s.actions.iter().map(item_text).collect();
            let base = if s.scope() == ResourceScope::All {
                info.severity
            } else {
                Severity::Medium
            };
            // The resource narrowing is already in `base`; grade only the condition.
            let narrowing = Narrowing {
                scope: ResourceScope::All,
                constraint: s.constraint(),
                doubtful: false,
            };
            let site = GrantSite {
                policy: p,
                span: key.span,
                value: &excluded.join(","),
                sid: s.sid,
            };
            let what = format!("is allowed every action except {}", excluded.join(", "));
            out.push(site.narrowed_finding(doc, info, &what, base, narrowing));
        }
        for a in v.attachments.iter().filter(|a| a.name == "PowerUserAccess") {
            out.push(doc.finding(
                info,
                a.node.span,
                Some(a.identity.clone()),
                format!(
                    "{} is given the AWS-managed PowerUserAccess policy (every action except IAM and Organizations management)",
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
    fn not_action_allow_is_reported_at_the_key() {
        let tf = r#"
data "aws_iam_policy_document" "power" {
  statement {
    not_actions = ["iam:*", "organizations:*"]
    resources   = ["*"]
  }
  statement {
    effect      = "Deny"
    not_actions = ["s3:*"]
    resources   = ["*"]
  }
}
"#;
        let f = run(&NotActionAllow, "power.tf", tf);
        assert_eq!(brief(&f), ["4:5 data.aws_iam_policy_document.power high"]);
        assert!(f[0].message.contains("iam:*, organizations:*"));
    }

    #[test]
    fn action_lists_are_fine() {
        let json =
            r#"{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;
        assert!(run(&NotActionAllow, "p.json", json).is_empty());
    }
}
