//! GCP grant checks over Terraform: IAM members, bindings and policies at organisation, folder,
//! project and resource level, service-account keys and workload identity federation.
//!
//! GCP identities are IAM member strings (`serviceAccount:ci@proj.iam.gserviceaccount.com`,
//! `allUsers`). A service account defined in the same file is named by its email when its
//! project is a literal, else as `serviceAccount:<account_id>`.

mod privileged_role;
mod public_member;
mod service_account_impersonation;
mod service_account_key;
mod workload_identity;

pub use privileged_role::PrivilegedServiceAccount;
pub use public_member::PublicMember;
pub use service_account_impersonation::ServiceAccountImpersonation;
pub use service_account_key::ServiceAccountKey;
pub use workload_identity::WorkloadIdentityNoCondition;

use super::Check;
use crate::models::iam::{items, Item};
use crate::models::terraform::{self as tf, Block, Blocks};
use crate::models::Node;

pub fn checks() -> Vec<&'static dyn Check> {
    vec![
        &PrivilegedServiceAccount,
        &PublicMember,
        &ServiceAccountImpersonation,
        &ServiceAccountKey,
        &WorkloadIdentityNoCondition,
    ]
}

/// Where in the resource hierarchy a grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Organization,
    Folder,
    Project,
    /// One resource (bucket, secret, service account, …).
    Resource,
    /// A `data "google_iam_policy"` no resource in the file applies.
    Unknown,
}

impl Level {
    /// Organisation, folder or project: the grant reaches everything below.
    pub(crate) fn is_hierarchy(self) -> bool {
        matches!(self, Level::Organization | Level::Folder | Level::Project)
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Organization => "organization",
            Level::Folder => "folder",
            Level::Project => "project",
            Level::Resource => "resource",
            Level::Unknown => "unknown",
        }
    }
}

fn level_of(rtype: &str) -> Level {
    match rtype.split("_iam_").next() {
        Some("google_project") => Level::Project,
        Some("google_folder") => Level::Folder,
        Some("google_organization") => Level::Organization,
        _ => Level::Resource,
    }
}

/// One IAM grant: roles given to members at a level.
pub(crate) struct Binding<'a> {
    /// The resource (or policy data source) that grants it.
    pub block: Block<'a>,
    pub level: Level,
    /// The roles, each with the node to report at (the `role` value, or the literal in the
    /// `for_each` set it comes from).
    pub roles: Vec<Item<'a>>,
    pub members: Vec<Item<'a>>,
}

/// Every IAM grant in a Terraform file.
pub(crate) fn bindings(root: &Node) -> Vec<Binding<'_>> {
    let all = tf::blocks(root);
    let mut out = Vec::new();
    for b in all.iter().filter(|b| b.kind == "resource") {
        let t = b.rtype;
        if !t.starts_with("google_") {
            continue;
        }
        if t.ends_with("_iam_member") || t.ends_with("_iam_binding") {
            let mut members = values(&all, b, "member");
            members.extend(values(&all, b, "members"));
            out.push(Binding {
                block: *b,
                level: level_of(t),
                roles: values(&all, b, "role"),
                members,
            });
        } else if t.ends_with("_iam_policy") {
            let Some(data) = b.attr("policy_data") else {
                continue;
            };
            for r in tf::node_references(data) {
                if r.kind == "data" && r.rtype == "google_iam_policy" {
                    if let Some(d) = tf::resolve(&all, &r) {
                        policy_bindings(d, level_of(t), &mut out);
                    }
                }
            }
        }
    }
    // Policy documents no resource in the file applies are still grants someone will apply.
    for d in all
        .iter()
        .filter(|b| b.kind == "data" && b.rtype == "google_iam_policy")
    {
        let used = out.iter().any(|x| x.block.node.span == d.node.span);
        if !used {
            policy_bindings(*d, Level::Unknown, &mut out);
        }
    }
    out
}

fn policy_bindings<'a>(d: Block<'a>, level: Level, out: &mut Vec<Binding<'a>>) {
    for binding in d.blocks("binding") {
        let roles = binding.get("role").map(items).unwrap_or_default();
        let members = binding.get("members").map(items).unwrap_or_default();
        out.push(Binding {
            block: d,
            level,
            roles,
            members,
        });
    }
}

/// The values of an attribute, with `for_each` expanded when the attribute is `each.value` or
/// `each.key` over a literal set (written inline or in `locals`).
fn values<'a>(all: &Blocks<'a>, b: &Block<'a>, attr: &str) -> Vec<Item<'a>> {
    let Some(node) = b.attr(attr) else {
        return Vec::new();
    };
    match node.as_expr() {
        Some("each.value" | "each.key") => b
            .attr("for_each")
            .map(|fe| resolve_locals(all, fe))
            .map(|fe| items(fe).into_iter().filter(|i| i.text.is_some()).collect())
            .unwrap_or_default(),
        Some(_) => {
            let resolved = resolve_locals(all, node);
            if std::ptr::eq(resolved, node) {
                items(node)
            } else {
                items(resolved)
            }
        }
        None => items(node),
    }
}

/// `local.NAME` → the value of NAME in a `locals` block of the file (one level).
fn resolve_locals<'a>(all: &Blocks<'a>, node: &'a Node) -> &'a Node {
    let Some(name) = node.as_expr().and_then(|e| e.strip_prefix("local.")) else {
        return node;
    };
    all.iter()
        .filter(|b| b.kind == "locals")
        .find_map(|b| b.attr(name))
        .unwrap_or(node)
}

/// The identity a member string names, resolving service accounts defined in the file.
pub(crate) fn member_identity(all: &Blocks, member: &Item) -> String {
    let text = member.text.or_else(|| member.node.as_expr()).unwrap_or("?");
    for r in tf::references(text) {
        if r.rtype != "google_service_account" {
            continue;
        }
        if let Some(sa) = tf::resolve(all, &r) {
            if let Some(id) = service_account_identity(&sa) {
                return id;
            }
        }
    }
    text.to_string()
}

/// `serviceAccount:<email>` of a `google_service_account` block, or `serviceAccount:<id>`.
pub(crate) fn service_account_identity(sa: &Block) -> Option<String> {
    let id = sa.str_attr("account_id")?;
    Some(match sa.str_attr("project") {
        Some(p) => format!("serviceAccount:{id}@{p}.iam.gserviceaccount.com"),
        None => format!("serviceAccount:{id}"),
    })
}

/// Whether a member is a service account: `serviceAccount:…` or a service account's `member`
/// / `email` attribute referenced from the file.
pub(crate) fn is_service_account(member: &Item) -> bool {
    match member.text {
        Some(t) => t.starts_with("serviceAccount:"),
        None => member
            .node
            .as_expr()
            .is_some_and(|e| e.starts_with("google_service_account.") && e.ends_with(".member")),
    }
}

/// Whether a member is a workload rather than a person: a service account, a workload identity
/// federation principal, or a value the file does not spell out.
pub(crate) fn is_workload_member(member: &Item) -> bool {
    match member.text {
        Some(t) => {
            is_service_account(member)
                || t.starts_with("principal://")
                || t.starts_with("principalSet://")
                || t.starts_with("${")
        }
        None => true,
    }
}

/// The literal text of a node, for roles.
pub(crate) fn role_text<'a>(role: &Item<'a>) -> Option<&'a str> {
    role.text.filter(|t| !t.contains("${"))
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::checks::{Check, Document, FileKind};
    use crate::findings::Finding;
    use crate::models::{hcl, LineIndex};

    pub fn run(check: &dyn Check, path: &str, text: &str) -> Vec<Finding> {
        let root = hcl::parse(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let doc = Document {
            path,
            bytes: text.as_bytes(),
            kind: FileKind::Terraform,
            roots: vec![root],
            index: LineIndex::new(text.as_bytes()),
            other_files_joined: false,
            hidden: Default::default(),
        };
        assert!(check.applies_to(FileKind::Terraform));
        let mut out = Vec::new();
        check.run(&doc, &mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::hcl;

    #[test]
    fn bindings_expand_for_each_and_locals_and_policies() {
        let tf = r#"
locals {
  roles = toset(["roles/logging.logWriter", "roles/owner"])
}
resource "google_service_account" "ci" {
  account_id = "ci-deployer"
  project    = "acme-prod"
}
resource "google_project_iam_member" "ci" {
  for_each = local.roles
  project  = "acme-prod"
  role     = each.value
  member   = "serviceAccount:${google_service_account.ci.email}"
}
resource "google_storage_bucket_iam_binding" "site" {
  bucket  = "site"
  role    = "roles/storage.objectViewer"
  members = ["allUsers", "group:web@acme.example"]
}
data "google_iam_policy" "admin" {
  binding {
    role    = "roles/editor"
    members = ["serviceAccount:tf@acme-prod.iam.gserviceaccount.com"]
  }
}
resource "google_folder_iam_policy" "f" {
  folder      = "folders/123"
  policy_data = data.google_iam_policy.admin.policy_data
}
"#;
        let root = hcl::parse(tf).unwrap();
        let bs = bindings(&root);
        assert_eq!(bs.len(), 3);
        let roles: Vec<&str> = bs[0].roles.iter().filter_map(|r| r.text).collect();
        assert_eq!(roles, ["roles/logging.logWriter", "roles/owner"]);
        assert_eq!(bs[0].level, Level::Project);
        assert_eq!(
            member_identity(&tf::blocks(&root), &bs[0].members[0]),
            "serviceAccount:ci-deployer@acme-prod.iam.gserviceaccount.com"
        );
        assert_eq!(bs[1].level, Level::Resource);
        assert_eq!(bs[1].members.len(), 2);
        assert_eq!(bs[2].level, Level::Folder);
        assert_eq!(bs[2].roles[0].text, Some("roles/editor"));
    }
}
