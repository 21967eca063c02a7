//! Azure grant checks over Terraform: custom role definitions and role assignments.
//!
//! Azure identities are named after what the file says about the principal:
//! `managed-identity/<name>` for a user-assigned identity defined in the file,
//! `managed-identity/<resource address>` for a system-assigned one (`….identity[0]`),
//! `service-principal/<address>` for an `azuread_service_principal`, otherwise the
//! `principal_id` as written (an object id or an expression).

mod privileged_role_assignment;
mod role_definition_wildcard;

pub use privileged_role_assignment::PrivilegedRoleAssignment;
pub use role_definition_wildcard::RoleDefinitionWildcard;

use super::Check;
use crate::models::terraform::{self as tf, Block, Blocks};
use crate::models::Node;

pub fn checks() -> Vec<&'static dyn Check> {
    vec![&RoleDefinitionWildcard, &PrivilegedRoleAssignment]
}

/// How far an Azure scope reaches, from narrowest to widest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Scope {
    /// A variable or an expression the file does not resolve.
    Unknown,
    Resource,
    ResourceGroup,
    Subscription,
    /// A management group, or the tenant root `/`.
    ManagementGroup,
}

impl Scope {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scope::Unknown => "an unresolved scope",
            Scope::Resource => "resource scope",
            Scope::ResourceGroup => "resource-group scope",
            Scope::Subscription => "subscription scope",
            Scope::ManagementGroup => "management-group scope",
        }
    }
}

/// Classify a scope: a literal or interpolated path, or a reference to a subscription,
/// management group, resource group or other resource.
pub(crate) fn scope_of(node: &Node) -> Scope {
    let Some(text) = tf::display(node) else {
        return Scope::Unknown;
    };
    if node.as_str().is_some() && !text.starts_with("${") {
        return path_scope(text);
    }
    let mut widest = Scope::Unknown;
    for r in tf::references(text) {
        let s = match r.rtype.as_str() {
            "azurerm_subscription" => Scope::Subscription,
            "azurerm_management_group" => Scope::ManagementGroup,
            "azurerm_resource_group" => Scope::ResourceGroup,
            t if t.starts_with("azurerm_") => Scope::Resource,
            _ => Scope::Unknown,
        };
        widest = widest.max(s);
    }
    widest
}

fn path_scope(path: &str) -> Scope {
    let lower = path.to_ascii_lowercase();
    if lower.trim() == "/" || lower.contains("/providers/microsoft.management/managementgroups/") {
        return Scope::ManagementGroup;
    }
    let segments: Vec<&str> = lower.split('/').filter(|s| !s.is_empty()).collect();
    match segments.as_slice() {
        ["subscriptions", _] => Scope::Subscription,
        ["subscriptions", _, "resourcegroups", _] => Scope::ResourceGroup,
        ["subscriptions", _, "resourcegroups", _, ..] => Scope::Resource,
        _ => Scope::Unknown,
    }
}

/// The identity a `principal_id` names, and whether it is known to be a non-human identity.
/// `None` when the file says the principal is a user or a group.
pub(crate) fn principal(all: &Blocks, assignment: &Block) -> Option<(String, bool)> {
    let declared = assignment.str_attr("principal_type");
    if declared.is_some_and(|t| t.eq_ignore_ascii_case("User") || t.eq_ignore_ascii_case("Group")) {
        return None;
    }
    let declared_sp = declared.is_some_and(|t| t.eq_ignore_ascii_case("ServicePrincipal"));
    let node = assignment.attr("principal_id")?;
    let text = tf::display(node).unwrap_or("?");
    for r in tf::references(text) {
        let b = tf::resolve(all, &r);
        let address = format!("{}.{}", r.rtype, r.name);
        match r.rtype.as_str() {
            "azurerm_user_assigned_identity" => {
                let name = b
                    .and_then(|b| b.str_attr("name"))
                    .map_or(address, str::to_string);
                return Some((format!("managed-identity/{name}"), true));
            }
            "azuread_service_principal" => {
                return Some((format!("service-principal/{address}"), true));
            }
            "azuread_user" | "azuread_group" => return None,
            t if t.starts_with("azurerm_") && text.contains("kubelet_identity") => {
                return Some((format!("managed-identity/{address}.kubelet_identity"), true));
            }
            t if t.starts_with("azurerm_") && text.contains(".identity") => {
                return Some((format!("managed-identity/{address}"), true));
            }
            _ => {}
        }
    }
    Some((text.to_string(), declared_sp))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Span, Value};

    #[test]
    fn scopes() {
        let s = |t: &str| Node::new(Value::String(t.into()), Span::default());
        let e = |t: &str| Node::new(Value::Expr(t.into()), Span::default());
        assert_eq!(scope_of(&s("/")), Scope::ManagementGroup);
        assert_eq!(
            scope_of(&s(
                "/providers/Microsoft.Management/managementGroups/platform"
            )),
            Scope::ManagementGroup
        );
        assert_eq!(scope_of(&s("/subscriptions/0000")), Scope::Subscription);
        assert_eq!(
            scope_of(&s("/subscriptions/${var.sub}")),
            Scope::Subscription
        );
        assert_eq!(
            scope_of(&s("/subscriptions/0000/resourceGroups/rg")),
            Scope::ResourceGroup
        );
        assert_eq!(
            scope_of(&s(
                "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/v"
            )),
            Scope::Resource
        );
        assert_eq!(
            scope_of(&e("data.azurerm_subscription.primary.id")),
            Scope::Subscription
        );
        assert_eq!(
            scope_of(&e("azurerm_resource_group.rg.id")),
            Scope::ResourceGroup
        );
        assert_eq!(scope_of(&e("var.scope")), Scope::Unknown);
    }
}
