use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::k8s::objects;

declare_check! {
    /// A ClusterRole allows `pods/exec` (or `pods/attach`), or `create` on `pods`, in every
    /// namespace it is bound cluster-wide.
    ///
    /// **Why it matters.** Exec into a pod is a shell with that pod's service-account token,
    /// mounted secrets and network position. Creating a pod in a namespace means running any
    /// image as any service account of that namespace, with any of its secrets mounted; across
    /// all namespaces that includes `kube-system` and the cluster's most privileged accounts.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: debugger
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["pods/exec"]
    ///     verbs: ["create"]
    ///   - apiGroups: [""]
    ///     resources: ["pods"]
    ///     verbs: ["create", "delete"]
    /// ```
    ///
    /// **Fix.** Grant these with a Role in the namespaces the workload manages; give people
    /// temporary, audited access for debugging instead of a standing service-account grant.
    ///
    /// Not reported: ClusterRoles bound only with RoleBindings (in the tree, for a
    /// working-tree or staged scan, or in the same file and, for a range, in the tree at its
    /// head), and rules with wildcards (reported by `k8s-rbac-wildcard`).
    pub struct PodExecCreate => POD_EXEC_CREATE {
        id: "k8s-pod-exec-create-cluster-wide",
        name: "Cluster-wide exec into pods or pod creation",
        platform: Platform::Kubernetes,
        severity: Severity::High,
        confidence: Confidence::Medium,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

impl Check for PodExecCreate {
    fn info(&self) -> &'static CheckInfo {
        &POD_EXEC_CREATE
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Kubernetes
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let objs = objects(&doc.roots);
        for (role, rule) in super::cluster_wide_rules(doc, &objs) {
            let core = rule.api_groups.iter().any(|(g, _)| g.is_empty());
            if !core {
                continue;
            }
            let explicit = |v: &str| rule.verbs.iter().any(|(x, _)| *x == v);
            let mut hits = Vec::new();
            for sub in ["pods/exec", "pods/attach"] {
                if let Some(n) = rule.resource(sub) {
                    if explicit("create") || explicit("get") {
                        hits.push((sub, n));
                    }
                }
            }
            if let Some(n) = rule.resource("pods") {
                if explicit("create") {
                    hits.push(("create pods", n));
                }
            }
            let Some((_, at)) = hits.first() else {
                continue;
            };
            let what: Vec<&str> = hits.iter().map(|(w, _)| *w).collect();
            out.push(super::role_finding(
                doc,
                self.info(),
                &objs,
                role,
                at.span,
                format!("allows {} in every namespace", what.join(" and ")),
                &what.join(","),
            ));
        }
    }
}
