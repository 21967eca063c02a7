use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::k8s::objects;

declare_check! {
    /// A Role or ClusterRole rule uses `*` in `verbs`, `resources` or `apiGroups`.
    ///
    /// **Why it matters.** A wildcard grants everything that exists now and everything added
    /// later (new resource types, custom resources, subresources such as `pods/exec`).
    /// `verbs: ["*"]` on `resources: ["*"]` is `cluster-admin` under another name;
    /// `verbs: ["*"]` alone includes `escalate`, `bind` and `impersonate` where they apply.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: operator
    /// rules:
    ///   - apiGroups: ["*"]
    ///     resources: ["*"]
    ///     verbs: ["*"]
    /// ```
    ///
    /// **Fix.** List the API groups, resources and verbs the workload uses (the API server's
    /// audit log, or `kubectl auth can-i --list` for the account, shows what it touches).
    ///
    /// Severity: critical when both verbs and resources are `*`; high for all resources, or all
    /// verbs on resources of a built-in API group (core, `apps`, `*.k8s.io`); medium for all
    /// verbs on custom resources of their own group, and for `apiGroups: ["*"]` with named
    /// resources and verbs. Roles the cluster ships (`system:*`) are not reported.
    pub struct RbacWildcard => RBAC_WILDCARD {
        id: "k8s-rbac-wildcard",
        name: "Wildcard in an RBAC rule",
        platform: Platform::Kubernetes,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

impl Check for RbacWildcard {
    fn info(&self) -> &'static CheckInfo {
        &RBAC_WILDCARD
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Kubernetes
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let objs = objects(&doc.roots);
        for (role, i, rule) in super::authored_rules(&objs) {
            if rule.resources.is_empty() {
                continue;
            }
            let verbs = rule.verb("*");
            let resources = rule.resource("*");
            let groups = rule
                .api_groups
                .iter()
                .find(|(g, _)| *g == "*")
                .map(|(_, n)| *n);
            let Some(at) = verbs.or(resources).or(groups) else {
                continue;
            };
            let mut what = Vec::new();
            if verbs.is_some() {
                what.push("all verbs");
            }
            if resources.is_some() {
                what.push("all resources");
            }
            if groups.is_some() {
                what.push("all API groups");
            }
            // Built-in API groups (core, `apps`, `*.k8s.io`) hold the resources that lead
            // to escalation; a custom resource's own group usually does not.
            let builtin = rule
                .api_groups
                .iter()
                .any(|(g, _)| !g.contains('.') || g.ends_with(".k8s.io"));
            let severity = match (verbs.is_some(), resources.is_some()) {
                (true, true) => Severity::Critical,
                (false, true) => Severity::High,
                (true, false) if builtin => Severity::High,
                _ => Severity::Medium,
            };
            let mut f = super::role_finding(
                doc,
                self.info(),
                &objs,
                role,
                at.span,
                format!("grants {}", what.join(", ")),
                &i.to_string(),
            );
            f.severity = severity;
            out.push(f);
        }
    }
}
