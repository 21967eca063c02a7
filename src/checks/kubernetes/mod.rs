//! Kubernetes checks: RBAC roles and bindings that give service accounts cluster-takeover
//! power, and workloads and secrets that hand out service-account tokens.

mod admin_role_binding;
mod default_sa_automount;
mod escalation_verbs;
mod long_lived_sa_token;
mod pod_exec_create;
mod rbac_wildcard;
mod secrets_read_cluster_wide;

use super::{Check, CheckInfo, Document};
use crate::findings::Finding;
use crate::models::k8s::{binding, policy_rules, Binding, Object, PolicyRule};
use crate::models::Span;

pub fn checks() -> Vec<&'static dyn Check> {
    vec![
        &admin_role_binding::AdminRoleBinding,
        &rbac_wildcard::RbacWildcard,
        &secrets_read_cluster_wide::SecretsReadClusterWide,
        &escalation_verbs::EscalationVerbs,
        &pod_exec_create::PodExecCreate,
        &default_sa_automount::DefaultSaAutomount,
        &long_lived_sa_token::LongLivedSaToken,
    ]
}

/// How a role is named in identities and messages: `clusterrole:<name>` or
/// `role:<namespace>:<name>`.
fn role_identity(role: &Object<'_>) -> String {
    let name = role.name.unwrap_or("?");
    if role.kind == "ClusterRole" {
        format!("clusterrole:{name}")
    } else {
        format!("role:{}:{name}", role.namespace_or_default())
    }
}

/// A role named by [`role_identity`]: (kind, namespace for a Role, name).
fn parse_role_identity(identity: &str) -> Option<(&str, Option<&str>, &str)> {
    if let Some(name) = identity.strip_prefix("clusterrole:") {
        return Some(("ClusterRole", None, name));
    }
    let (namespace, name) = identity.strip_prefix("role:")?.split_once(':')?;
    Some(("Role", Some(namespace), name))
}

/// A RoleBinding or ClusterRoleBinding of a scanned file, kept for joins across files (Helm
/// charts and kustomize bases put a role and its binding in different files).
#[derive(Debug, Clone)]
pub struct BindingFact {
    pub path: String,
    pub role_kind: String,
    pub role_name: String,
    /// The binding's namespace (`default` when unset).
    pub namespace: String,
    pub cluster_wide: bool,
    pub subjects: Vec<String>,
}

/// What the files of a tree tell each other.
#[derive(Debug, Default)]
pub struct TreeFacts {
    pub bindings: Vec<BindingFact>,
    /// Namespaces whose `default` ServiceAccount sets `automountServiceAccountToken: false`.
    pub quiet_default_accounts: Vec<String>,
}

impl TreeFacts {
    pub fn is_empty(&self) -> bool {
        self.bindings.is_empty() && self.quiet_default_accounts.is_empty()
    }

    pub fn extend(&mut self, other: TreeFacts) {
        self.bindings.extend(other.bindings);
        self.quiet_default_accounts
            .extend(other.quiet_default_accounts);
    }
}

/// The facts of one parsed Kubernetes file.
pub fn tree_facts(path: &str, roots: &[crate::models::Node]) -> TreeFacts {
    let objects = crate::models::k8s::objects(roots);
    let quiet_default_accounts = objects
        .iter()
        .filter(|o| default_sa_automount::is_quiet_default_account(o))
        .map(|o| o.namespace_or_default().to_string())
        .collect();
    let bindings = objects
        .iter()
        .filter_map(|o| {
            let b = binding(o)?;
            Some(BindingFact {
                path: path.to_string(),
                role_kind: b.role_kind.to_string(),
                role_name: b.role_name.to_string(),
                namespace: o.namespace_or_default().to_string(),
                cluster_wide: b.cluster_wide,
                subjects: b.subjects.iter().map(|s| s.identity(o.namespace)).collect(),
            })
        })
        .collect();
    TreeFacts {
        bindings,
        quiet_default_accounts,
    }
}

/// The checks whose findings are about a role's rules, named by [`role_identity`].
const ROLE_CHECKS: [&str; 4] = [
    "k8s-rbac-wildcard",
    "k8s-secrets-read-cluster-wide",
    "k8s-rbac-escalation-verbs",
    "k8s-pod-exec-create-cluster-wide",
];

/// Of those, the ones that only hold for a ClusterRole granted in every namespace.
const CLUSTER_WIDE_CHECKS: [&str; 2] = [
    "k8s-secrets-read-cluster-wide",
    "k8s-pod-exec-create-cluster-wide",
];

/// Whether [`join_across_files`] can change this finding.
pub fn is_joinable(f: &Finding) -> bool {
    f.kind == crate::findings::Kind::Grant
        && (f.rule_id == "k8s-default-sa-automount" || ROLE_CHECKS.contains(&f.rule_id.as_str()))
}

/// Join findings with the facts of the whole scanned tree, as the checks do within one file: a
/// role the file itself binds to no one gets "bound to …" from the files that bind it, a
/// ClusterRole that the tree binds only namespace by namespace loses its cluster-wide findings,
/// and pods of a namespace whose `default` ServiceAccount does not automount lose theirs.
pub fn join_across_files(tree: &TreeFacts, findings: &mut Vec<Finding>) {
    if tree.is_empty() {
        return;
    }
    let quiet: std::collections::HashSet<String> = tree
        .quiet_default_accounts
        .iter()
        .map(|ns| crate::models::k8s::service_account_identity(ns, "default"))
        .collect();
    let mut bindings_of: std::collections::HashMap<(&str, &str), Vec<&BindingFact>> =
        std::collections::HashMap::new();
    for b in &tree.bindings {
        bindings_of
            .entry((b.role_kind.as_str(), b.role_name.as_str()))
            .or_default()
            .push(b);
    }
    findings.retain_mut(|f| {
        if !is_joinable(f) {
            return true;
        }
        if f.rule_id == "k8s-default-sa-automount" {
            return f.identity.as_ref().is_none_or(|id| !quiet.contains(id));
        }
        let Some((kind, namespace, name)) = f.identity.as_deref().and_then(parse_role_identity)
        else {
            return true;
        };
        let binds: Vec<&BindingFact> = bindings_of
            .get(&(kind, name))
            .into_iter()
            .flatten()
            .filter(|b| namespace.is_none_or(|ns| b.namespace == ns))
            .copied()
            .collect();
        if binds.is_empty() {
            return true;
        }
        if CLUSTER_WIDE_CHECKS.contains(&f.rule_id.as_str())
            && binds.iter().all(|b| !b.cluster_wide)
        {
            return false;
        }
        // Bindings in the finding's own file: the check has said to whom.
        let (here, elsewhere): (Vec<&BindingFact>, Vec<&BindingFact>) =
            binds.iter().partition(|b| b.path == f.location.path);
        if elsewhere.is_empty() {
            return true;
        }
        let mut who: Vec<&str> = elsewhere
            .iter()
            .flat_map(|b| b.subjects.iter().map(String::as_str))
            .collect();
        who.sort_unstable();
        who.dedup();
        let mut files: Vec<&str> = elsewhere.iter().map(|b| b.path.as_str()).collect();
        files.sort_unstable();
        files.dedup();
        f.message.push_str(&format!(
            " ({}bound to {} in {})",
            if here.is_empty() { "" } else { "also " },
            who.join(", "),
            files.join(", ")
        ));
        true
    });
}

/// Roles the cluster ships (`system:*`) are not the manifest author's grant.
fn is_builtin(role: &Object<'_>) -> bool {
    role.name.is_some_and(|n| n.starts_with("system:"))
}

/// The bindings in the same file that grant `role`.
fn bindings_of<'a>(
    objects: &[Object<'a>],
    role: &Object<'_>,
) -> Vec<(Binding<'a>, Option<&'a str>)> {
    let Some(name) = role.name else {
        return Vec::new();
    };
    objects
        .iter()
        .filter_map(|o| binding(o).map(|b| (b, o.namespace)))
        .filter(|(b, ns)| {
            b.role_kind == role.kind
                && b.role_name == name
                && (role.kind == "ClusterRole" || *ns == role.namespace)
        })
        .collect()
}

/// "bound to A, B in this file" (or nothing when the file binds the role to no one).
fn bound_to(objects: &[Object<'_>], role: &Object<'_>) -> String {
    let mut who: Vec<String> = bindings_of(objects, role)
        .iter()
        .flat_map(|(b, ns)| {
            b.subjects
                .iter()
                .map(|s| s.identity(*ns))
                .collect::<Vec<_>>()
        })
        .collect();
    who.dedup();
    if who.is_empty() {
        String::new()
    } else {
        format!(" (bound to {})", who.join(", "))
    }
}

/// A finding on a rule of `role` at `at`: the message names the role, what it `grants` and whom
/// the file binds it to; the identity is the role, and `key` tells apart the role's findings
/// from one check.
fn role_finding(
    doc: &Document<'_>,
    info: &CheckInfo,
    objects: &[Object<'_>],
    role: &Object<'_>,
    at: Span,
    grants: String,
    key: &str,
) -> Finding {
    let identity = role_identity(role);
    let material = if key.is_empty() {
        identity.clone()
    } else {
        format!("{identity}:{key}")
    };
    let message = format!("{} {grants}{}", role.display(), bound_to(objects, role));
    doc.finding(info, at, Some(identity), message, &material)
}

/// Whether a ClusterRole is granted only namespace by namespace in this file (RoleBindings and
/// no ClusterRoleBinding): its rules then do not reach cluster-wide.
fn only_namespaced(objects: &[Object<'_>], role: &Object<'_>) -> bool {
    let b = bindings_of(objects, role);
    !b.is_empty() && b.iter().all(|(b, _)| !b.cluster_wide)
}

/// Each rule of the file's own Roles and ClusterRoles (roles the cluster ships are left out),
/// with its role and its position in the role's `rules`.
fn authored_rules<'o, 'a>(
    objects: &'o [Object<'a>],
) -> impl Iterator<Item = (&'o Object<'a>, usize, PolicyRule<'a>)> + 'o {
    rules_of(objects.iter().filter(|o| !is_builtin(o)))
}

/// The rules of a file's ClusterRoles that reach every namespace, each with its role: roles the
/// cluster ships are left out, and so are ClusterRoles the file binds only namespace by
/// namespace, unless the other files are joined afterwards (one of them may bind the role
/// cluster-wide; the join drops what the whole tree binds namespace by namespace).
fn cluster_wide_rules<'o, 'a>(
    doc: &Document<'_>,
    objects: &'o [Object<'a>],
) -> impl Iterator<Item = (&'o Object<'a>, PolicyRule<'a>)> + 'o {
    let joined = doc.other_files_joined;
    let reach_every_namespace = move |o: &&Object<'_>| {
        o.kind == "ClusterRole" && !is_builtin(o) && (joined || !only_namespaced(objects, o))
    };
    rules_of(objects.iter().filter(reach_every_namespace)).map(|(role, _, rule)| (role, rule))
}

/// The one walk over roles and their rules; objects that are not roles have none.
fn rules_of<'o, 'a>(
    roles: impl Iterator<Item = &'o Object<'a>> + 'o,
) -> impl Iterator<Item = (&'o Object<'a>, usize, PolicyRule<'a>)> + 'o
where
    'a: 'o,
{
    roles.flat_map(|role| {
        policy_rules(role)
            .into_iter()
            .enumerate()
            .map(move |(i, rule)| (role, i, rule))
    })
}
