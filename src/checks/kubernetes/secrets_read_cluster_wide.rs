use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::k8s::objects;

declare_check! {
    /// A ClusterRole allows `get`, `list` or `watch` on `secrets` without naming which ones,
    /// so wherever it is bound cluster-wide it reads every Secret of every namespace.
    ///
    /// **Why it matters.** Secrets hold the credentials of every other workload: database
    /// passwords, cloud keys, TLS keys, and the tokens of other service accounts (some of them
    /// cluster administrators). `list` and `watch` return the secrets' contents too, not just
    /// their names.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRole
    /// metadata:
    ///   name: config-reader
    /// rules:
    ///   - apiGroups: [""]
    ///     resources: ["configmaps", "secrets"]
    ///     verbs: ["get", "list", "watch"]
    /// ```
    ///
    /// **Fix.** Use a Role in the namespace that holds the secrets, and name them with
    /// `resourceNames` when the workload reads known secrets; or mount the secret into the
    /// pod instead of reading it through the API.
    ///
    /// Not reported: rules with `resourceNames`, and ClusterRoles bound only with RoleBindings
    /// (which limit them to one namespace): in the tree, for a working-tree or staged scan,
    /// or in the same file (and, for a range, in the tree at its head). Rules with
    /// `verbs: ["*"]` are reported by `k8s-rbac-wildcard`.
    pub struct SecretsReadClusterWide => SECRETS_READ_CLUSTER_WIDE {
        id: "k8s-secrets-read-cluster-wide",
        name: "Cluster-wide read access to Secrets",
        platform: Platform::Kubernetes,
        severity: Severity::High,
        confidence: Confidence::Medium,
        tags: &["NHI5", "NHI2", "CSF:PR.AA-05"],
    }
}

const READ_VERBS: &[&str] = &["get", "list", "watch"];

impl Check for SecretsReadClusterWide {
    fn info(&self) -> &'static CheckInfo {
        &SECRETS_READ_CLUSTER_WIDE
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Kubernetes
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let objs = objects(&doc.roots);
        for (role, rule) in super::cluster_wide_rules(doc, &objs) {
            let Some(secrets) = rule.resource("secrets") else {
                continue;
            };
            let core = rule
                .api_groups
                .iter()
                .any(|(g, _)| g.is_empty() || *g == "*");
            let verbs: Vec<&str> = rule
                .verbs
                .iter()
                .map(|(v, _)| *v)
                .filter(|v| READ_VERBS.contains(v))
                .collect();
            if !core || verbs.is_empty() || !rule.resource_names.is_empty() {
                continue;
            }
            out.push(super::role_finding(
                doc,
                self.info(),
                &objs,
                role,
                secrets.span,
                format!("can {} every Secret in the cluster", verbs.join("/")),
                "",
            ));
        }
    }
}
