use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::k8s::objects;

declare_check! {
    /// A Role or ClusterRole grants `bind`, `escalate` or `impersonate`.
    ///
    /// **Why it matters.** These verbs exist to get around RBAC's own protection: `escalate`
    /// lets a role be edited to hold permissions its editor lacks, `bind` lets the account
    /// bind any role (including `cluster-admin`) to itself, and `impersonate` lets it act as
    /// any user, group or service account. Each is a one-step path to the highest privilege
    /// in its scope.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// rules:
    ///   - apiGroups: ["rbac.authorization.k8s.io"]
    ///     resources: ["clusterroles", "clusterrolebindings"]
    ///     verbs: ["get", "create", "bind", "escalate"]
    ///   - apiGroups: [""]
    ///     resources: ["serviceaccounts"]
    ///     verbs: ["impersonate"]
    /// ```
    ///
    /// **Fix.** Remove the verbs. An operator that must create bindings should get `bind`
    /// only with `resourceNames` naming the roles it hands out; nothing automated needs
    /// `escalate` or unrestricted `impersonate`.
    ///
    /// Roles the cluster ships (`system:*`) are not reported; `verbs: ["*"]` is reported by
    /// `k8s-rbac-wildcard`.
    pub struct EscalationVerbs => ESCALATION_VERBS {
        id: "k8s-rbac-escalation-verbs",
        name: "RBAC escalation verbs (bind, escalate, impersonate)",
        platform: Platform::Kubernetes,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

const ESCALATION: &[&str] = &["bind", "escalate", "impersonate"];

impl Check for EscalationVerbs {
    fn info(&self) -> &'static CheckInfo {
        &ESCALATION_VERBS
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Kubernetes
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let objs = objects(&doc.roots);
        for (role, _, rule) in super::authored_rules(&objs) {
            let found: Vec<_> = rule
                .verbs
                .iter()
                .filter(|(v, _)| ESCALATION.contains(v))
                .collect();
            let Some((_, first)) = found.first() else {
                continue;
            };
            let verbs: Vec<&str> = found.iter().map(|(v, _)| *v).collect();
            let on: Vec<&str> = rule.resources.iter().map(|(r, _)| *r).collect();
            let limited = if rule.resource_names.is_empty() {
                ""
            } else {
                " (limited by resourceNames)"
            };
            out.push(super::role_finding(
                doc,
                self.info(),
                &objs,
                role,
                first.span,
                format!(
                    "grants `{}` on {}{limited}",
                    verbs.join("`, `"),
                    on.join(", ")
                ),
                &format!("{}:{}", verbs.join(","), on.join(",")),
            ));
        }
    }
}
