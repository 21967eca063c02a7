//! Kubernetes manifests (plain YAML, multi-document, `kind: List`), as typed views over YAML
//! [`Node`] trees: objects, RBAC rules and bindings, and the pod specs of workloads.

use super::{Node, Value};

/// The identity of a service account, as the API server names it.
pub fn service_account_identity(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// An object of a manifest.
pub struct Object<'a> {
    pub node: &'a Node,
    pub api_version: &'a str,
    pub kind: &'a str,
    pub kind_node: &'a Node,
    pub name: Option<&'a str>,
    pub namespace: Option<&'a str>,
}

impl<'a> Object<'a> {
    fn parse(node: &'a Node) -> Option<Object<'a>> {
        let kind_node = node.get("kind")?;
        let meta = node.get("metadata");
        Some(Object {
            node,
            api_version: node.get("apiVersion")?.as_str()?,
            kind: kind_node.as_str()?,
            kind_node,
            name: meta.and_then(|m| m.get("name")).and_then(Node::as_str),
            namespace: meta.and_then(|m| m.get("namespace")).and_then(Node::as_str),
        })
    }

    /// `Kind/name` or `Kind/namespace/name`, for messages.
    pub fn display(&self) -> String {
        match (self.namespace, self.name) {
            (Some(ns), Some(n)) => format!("{}/{ns}/{n}", self.kind),
            (None, Some(n)) => format!("{}/{n}", self.kind),
            _ => self.kind.to_string(),
        }
    }

    /// The namespace, or `default` when the manifest leaves it to the one applying it.
    pub fn namespace_or_default(&self) -> &'a str {
        self.namespace.unwrap_or("default")
    }

    pub fn is_rbac(&self) -> bool {
        self.api_version.starts_with("rbac.authorization.k8s.io/")
    }
}

/// Every object in a file's documents, with the items of `List` kinds (`v1/List`,
/// `RoleBindingList`, …) flattened.
pub fn objects(roots: &[Node]) -> Vec<Object<'_>> {
    let mut out = Vec::new();
    for root in roots {
        collect(root, &mut out, 0);
    }
    out
}

fn collect<'a>(node: &'a Node, out: &mut Vec<Object<'a>>, depth: usize) {
    let Some(obj) = Object::parse(node) else {
        return;
    };
    if obj.kind.ends_with("List") && depth < 4 {
        if let Some(items) = node.get("items").and_then(Node::as_seq) {
            for item in items {
                collect(item, out, depth + 1);
            }
        }
        return;
    }
    out.push(obj);
}

/// A string of a list, with its node.
pub type Item<'a> = (&'a str, &'a Node);

/// One rule of a Role or ClusterRole.
pub struct PolicyRule<'a> {
    pub node: &'a Node,
    pub api_groups: Vec<Item<'a>>,
    pub resources: Vec<Item<'a>>,
    pub verbs: Vec<Item<'a>>,
    pub resource_names: Vec<Item<'a>>,
    pub non_resource_urls: Vec<Item<'a>>,
}

impl<'a> PolicyRule<'a> {
    fn parse(node: &'a Node) -> PolicyRule<'a> {
        let list = |k: &str| node.get(k).map(Node::strings).unwrap_or_default();
        PolicyRule {
            node,
            api_groups: list("apiGroups"),
            resources: list("resources"),
            verbs: list("verbs"),
            resource_names: list("resourceNames"),
            non_resource_urls: list("nonResourceURLs"),
        }
    }

    pub fn verb(&self, v: &str) -> Option<&'a Node> {
        find(&self.verbs, v)
    }

    pub fn resource(&self, r: &str) -> Option<&'a Node> {
        find(&self.resources, r)
    }

    /// Whether the rule allows `verb` (or `*`).
    pub fn allows(&self, verb: &str) -> bool {
        self.verbs.iter().any(|(v, _)| *v == verb || *v == "*")
    }

    /// Whether the rule covers `resource` in the core API group (`""`), directly or by `*`.
    pub fn covers_core(&self, resource: &str) -> bool {
        let group = self
            .api_groups
            .iter()
            .any(|(g, _)| g.is_empty() || *g == "*");
        group
            && self
                .resources
                .iter()
                .any(|(r, _)| *r == resource || *r == "*")
    }
}

fn find<'a>(items: &[Item<'a>], s: &str) -> Option<&'a Node> {
    items.iter().find(|(x, _)| *x == s).map(|(_, n)| *n)
}

/// The rules of a Role or ClusterRole (empty for other kinds).
pub fn policy_rules<'a>(obj: &Object<'a>) -> Vec<PolicyRule<'a>> {
    if !obj.is_rbac() || !matches!(obj.kind, "Role" | "ClusterRole") {
        return Vec::new();
    }
    obj.node
        .get("rules")
        .and_then(Node::as_seq)
        .map(|rules| rules.iter().map(PolicyRule::parse).collect())
        .unwrap_or_default()
}

/// A RoleBinding or ClusterRoleBinding.
pub struct Binding<'a> {
    pub cluster_wide: bool,
    pub role_kind: &'a str,
    pub role_name: &'a str,
    pub role_name_node: &'a Node,
    pub subjects: Vec<Subject<'a>>,
}

/// A subject of a binding.
pub struct Subject<'a> {
    pub kind: &'a str,
    pub name: &'a str,
    pub name_node: &'a Node,
    pub namespace: Option<&'a str>,
}

impl Subject<'_> {
    /// The identity the subject names: a service account in the API server's form, or the
    /// group or user name as written.
    pub fn identity(&self, binding_namespace: Option<&str>) -> String {
        match self.kind {
            "ServiceAccount" => service_account_identity(
                self.namespace.or(binding_namespace).unwrap_or("default"),
                self.name,
            ),
            _ => self.name.to_string(),
        }
    }

    /// A service account, or a group that contains service accounts (or everyone).
    pub fn is_non_human(&self) -> bool {
        match self.kind {
            "ServiceAccount" => true,
            "Group" => {
                self.name == "system:serviceaccounts"
                    || self.name.starts_with("system:serviceaccounts:")
                    || self.name == "system:authenticated"
                    || self.name == "system:unauthenticated"
            }
            "User" => self.name == "system:anonymous",
            _ => false,
        }
    }
}

pub fn binding<'a>(obj: &Object<'a>) -> Option<Binding<'a>> {
    if !obj.is_rbac() || !matches!(obj.kind, "RoleBinding" | "ClusterRoleBinding") {
        return None;
    }
    let role_ref = obj.node.get("roleRef")?;
    let role_name_node = role_ref.get("name")?;
    let subjects = obj
        .node
        .get("subjects")
        .and_then(Node::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(|n| {
                    let name_node = n.get("name")?;
                    Some(Subject {
                        kind: n.get("kind")?.as_str()?,
                        name: name_node.as_str()?,
                        name_node,
                        namespace: n.get("namespace").and_then(Node::as_str),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Binding {
        cluster_wide: obj.kind == "ClusterRoleBinding",
        role_kind: role_ref
            .get("kind")
            .and_then(Node::as_str)
            .unwrap_or("ClusterRole"),
        role_name: role_name_node.as_str()?,
        role_name_node,
        subjects,
    })
}

/// The pod spec of a workload, with the key that holds it (for reporting an absent field).
pub struct PodSpec<'a> {
    pub key: &'a Node,
    pub spec: &'a Node,
}

impl<'a> PodSpec<'a> {
    /// The service account the pod runs as (`default` when unset), with its node if written.
    pub fn service_account(&self) -> (&'a str, Option<&'a Node>) {
        for k in ["serviceAccountName", "serviceAccount"] {
            if let Some(n) = self.spec.get(k) {
                if let Some(s) = n.as_str().filter(|s| !s.is_empty()) {
                    return (s, Some(n));
                }
            }
        }
        ("default", None)
    }

    /// `automountServiceAccountToken` as written (`None` when absent or not a boolean).
    pub fn automount(&self) -> Option<(bool, &'a Node)> {
        let n = self.spec.get("automountServiceAccountToken")?;
        match n.value {
            Value::Bool(b) => Some((b, n)),
            _ => None,
        }
    }
}

/// The pod spec of Pods and of the built-in workload controllers.
pub fn pod_spec<'a>(obj: &Object<'a>) -> Option<PodSpec<'a>> {
    let spec = obj.node.get("spec")?;
    let template_spec = |s: &'a Node| s.get("template")?.entry("spec");
    let entry = match obj.kind {
        "Pod" => obj.node.entry("spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => template_spec(spec),
        "CronJob" => template_spec(spec.get("jobTemplate")?.get("spec")?),
        _ => None,
    }?;
    entry.1.as_map()?;
    Some(PodSpec {
        key: &entry.0,
        spec: &entry.1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::yaml;

    #[test]
    fn lists_bindings_rules_and_pod_specs() {
        let text = r#"apiVersion: v1
kind: List
items:
  - apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: ci}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
    subjects:
      - {kind: ServiceAccount, name: deployer, namespace: ci}
      - {kind: Group, name: system:serviceaccounts}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: r, namespace: app}
rules:
  - apiGroups: [""]
    resources: [secrets]
    verbs: [get, list]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          serviceAccountName: backup
          containers: []
"#;
        let docs = yaml::load(text.as_bytes()).unwrap();
        let objs = objects(&docs);
        assert_eq!(objs.len(), 3);
        let b = binding(&objs[0]).unwrap();
        assert!(b.cluster_wide);
        assert_eq!(b.role_name, "cluster-admin");
        assert_eq!(
            b.subjects[0].identity(None),
            "system:serviceaccount:ci:deployer"
        );
        assert!(b.subjects[1].is_non_human());
        let rules = policy_rules(&objs[1]);
        assert!(rules[0].covers_core("secrets") && rules[0].allows("list"));
        assert!(!rules[0].allows("delete"));
        let pod = pod_spec(&objs[2]).unwrap();
        assert_eq!(pod.service_account().0, "backup");
        assert!(pod.automount().is_none());
    }
}
