use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::k8s::{binding, objects};

declare_check! {
    /// A ClusterRoleBinding or RoleBinding grants the built-in `cluster-admin`, `admin` or
    /// `edit` ClusterRole to a service account, or to a group that contains service accounts
    /// (`system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`).
    ///
    /// **Why it matters.** `cluster-admin` is full control of the cluster. `admin` and `edit`
    /// can read every secret and run any pod (as any service account) in their scope, which a
    /// ClusterRoleBinding makes every namespace. Any process holding the service account's
    /// token, in any pod that mounts it, has that power.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// apiVersion: rbac.authorization.k8s.io/v1
    /// kind: ClusterRoleBinding
    /// metadata:
    ///   name: ci-deployer
    /// roleRef:
    ///   apiGroup: rbac.authorization.k8s.io
    ///   kind: ClusterRole
    ///   name: cluster-admin
    /// subjects:
    ///   - kind: ServiceAccount
    ///     name: deployer
    ///     namespace: ci
    /// ```
    ///
    /// **Fix.** Write a Role (or ClusterRole) with the verbs and resources the workload uses and
    /// bind it with a RoleBinding in the namespaces it works in.
    ///
    /// Severity: critical for `cluster-admin` cluster-wide; high for `cluster-admin` in one
    /// namespace or `admin`/`edit` cluster-wide; medium for `admin`/`edit` in one namespace.
    pub struct AdminRoleBinding => ADMIN_ROLE_BINDING {
        id: "k8s-admin-role-binding",
        name: "Service account bound to an administrator role",
        platform: Platform::Kubernetes,
        severity: Severity::Critical,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

const ADMIN_ROLES: &[&str] = &["cluster-admin", "admin", "edit"];

impl Check for AdminRoleBinding {
    fn info(&self) -> &'static CheckInfo {
        &ADMIN_ROLE_BINDING
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Kubernetes
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for obj in objects(&doc.roots) {
            let Some(b) = binding(&obj) else { continue };
            if b.role_kind != "ClusterRole" || !ADMIN_ROLES.contains(&b.role_name) {
                continue;
            }
            let scope = if b.cluster_wide {
                "in every namespace".to_string()
            } else {
                format!("in namespace `{}`", obj.namespace_or_default())
            };
            let severity = match (b.role_name, b.cluster_wide) {
                ("cluster-admin", true) => Severity::Critical,
                ("cluster-admin", false) | (_, true) => Severity::High,
                _ => Severity::Medium,
            };
            for s in b.subjects.iter().filter(|s| s.is_non_human()) {
                let identity = s.identity(obj.namespace);
                let mut f = doc.finding(
                    self.info(),
                    s.name_node.span,
                    Some(identity.clone()),
                    format!(
                        "{} `{identity}` is granted ClusterRole `{}` {scope} by {}",
                        s.kind,
                        b.role_name,
                        obj.display()
                    ),
                    &format!("{}:{identity}:{}", obj.display(), b.role_name),
                );
                f.severity = severity;
                out.push(f);
            }
        }
    }
}
