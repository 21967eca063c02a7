use super::{principal, scope_of, Scope};
use crate::checks::aws::material;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::terraform as tf;

declare_check! {
    /// `azurerm_role_assignment` resources that give `Owner`,
    /// `Contributor`, `User Access Administrator` or `Role Based Access Control Administrator`
    /// (by `role_definition_name`, by the built-in role's id in `role_definition_id`, or through
    /// a `data "azurerm_role_definition"` of that name) at
    /// subscription or management-group scope (a literal path, or a reference to a
    /// subscription or management group) to a service principal or managed identity.
    ///
    /// The principal is recognised from `principal_type = "ServicePrincipal"` or from references to
    /// `azurerm_user_assigned_identity`, a resource's `identity` / `kubelet_identity`, or an
    /// `azuread_service_principal`; an assignment whose principal the file does not identify is
    /// reported with medium confidence, one declared `User` or `Group` is not reported. Owner
    /// and the two access-administrator roles are critical, Contributor high.
    ///
    /// **Why it matters.** A workload identity with Contributor on a subscription can change or
    /// delete everything in it; with Owner or an access-administrator role it can also grant
    /// access to anyone. Its credentials — a client secret, a certificate, a token from a
    /// compromised workload — become the keys to the subscription (OWASP NHI5).
    ///
    /// **Example.**
    /// ```hcl
    /// resource "azurerm_role_assignment" "ci" {
    ///   scope                = data.azurerm_subscription.primary.id
    ///   role_definition_name = "Owner"
    ///   principal_id         = azurerm_user_assigned_identity.ci.principal_id
    /// }
    /// ```
    ///
    /// **Fix.** Assign narrower built-in roles (`Website Contributor`, `Storage Blob Data
    /// Contributor`, …) at the resource group or resource the workload manages. For role
    /// assignments by automation, use a role-assignment condition that limits which roles it
    /// may grant.
    pub struct PrivilegedRoleAssignment => PRIVILEGED_ROLE_ASSIGNMENT {
        id: "azure-privileged-role-assignment",
        name: "Privileged role assigned to a workload identity at subscription scope or above",
        platform: Platform::Azure,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

/// Built-in roles that control everything in their scope: name, role-definition id, severity.
const PRIVILEGED_ROLES: &[(&str, &str, Severity)] = &[
    (
        "Owner",
        "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        Severity::Critical,
    ),
    (
        "Contributor",
        "b24988ac-6180-42a0-ab88-20f7382dd24c",
        Severity::High,
    ),
    (
        "User Access Administrator",
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        Severity::Critical,
    ),
    (
        "Role Based Access Control Administrator",
        "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        Severity::Critical,
    ),
];

impl Check for PrivilegedRoleAssignment {
    fn info(&self) -> &'static CheckInfo {
        &PRIVILEGED_ROLE_ASSIGNMENT
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Terraform
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &PRIVILEGED_ROLE_ASSIGNMENT;
        for root in &doc.roots {
            let all = tf::blocks(root);
            for b in all
                .iter()
                .filter(|b| b.kind == "resource" && b.rtype == "azurerm_role_assignment")
            {
                let role = b
                    .attr("role_definition_name")
                    .and_then(|n| {
                        let t = n.as_str()?;
                        PRIVILEGED_ROLES
                            .iter()
                            .find(|(name, _, _)| name.eq_ignore_ascii_case(t))
                            .map(|r| (n, r))
                    })
                    .or_else(|| {
                        let n = b.attr("role_definition_id")?;
                        let t = tf::display(n)?.to_ascii_lowercase();
                        // `data.azurerm_role_definition.owner.id` names the role in the data
                        // source.
                        let named = tf::node_references(n)
                            .iter()
                            .filter(|r| r.rtype == "azurerm_role_definition")
                            .find_map(|r| all.resolve(r))
                            .and_then(|d| d.str_attr("name"));
                        PRIVILEGED_ROLES
                            .iter()
                            .find(|(name, id, _)| {
                                t.contains(id)
                                    || named.is_some_and(|x| x.eq_ignore_ascii_case(name))
                            })
                            .map(|r| (n, r))
                    });
                let Some((role_node, &(role_name, _, severity))) = role else {
                    continue;
                };
                let scope = b.attr("scope").map_or(Scope::Unknown, scope_of);
                if scope < Scope::Subscription {
                    continue;
                }
                let Some((identity, known)) = principal(&all, b) else {
                    continue;
                };
                let mut f = doc.finding(
                    info,
                    role_node.span,
                    Some(identity.clone()),
                    format!(
                        "{identity} is assigned {role_name} at {} by {}",
                        scope.as_str(),
                        b.address()
                    ),
                    &material(&identity, role_name, Some(&b.address())),
                );
                f.severity = severity;
                if !known {
                    f.confidence = Confidence::Medium;
                }
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::aws::test_support::brief;
    use crate::checks::gcp::test_support::run;

    #[test]
    fn privileged_assignments_to_workload_identities() {
        let tf = r#"
resource "azurerm_user_assigned_identity" "ci" {
  name                = "ci-deployer"
  resource_group_name = "rg-ci"
  location            = "westeurope"
}
resource "azurerm_role_assignment" "ci_owner" {
  scope                = data.azurerm_subscription.primary.id
  role_definition_name = "Owner"
  principal_id         = azurerm_user_assigned_identity.ci.principal_id
}
resource "azurerm_role_assignment" "sp_contrib" {
  scope              = "/subscriptions/00000000-0000-0000-0000-000000000000"
  role_definition_id = "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c"
  principal_id       = var.pipeline_object_id
  principal_type     = "ServicePrincipal"
}
resource "azurerm_role_assignment" "rg_contrib" {
  scope                = azurerm_resource_group.app.id
  role_definition_name = "Contributor"
  principal_id         = azurerm_user_assigned_identity.ci.principal_id
}
resource "azurerm_role_assignment" "admins" {
  scope                = data.azurerm_subscription.primary.id
  role_definition_name = "Owner"
  principal_id         = var.admin_group_id
  principal_type       = "Group"
}
data "azurerm_role_definition" "uaa" {
  name = "User Access Administrator"
}
resource "azurerm_role_assignment" "uaa" {
  scope              = "/"
  role_definition_id = data.azurerm_role_definition.uaa.id
  principal_id       = azuread_service_principal.automation.object_id
}
resource "azurerm_role_assignment" "reader" {
  scope                = data.azurerm_subscription.primary.id
  role_definition_name = "Reader"
  principal_id         = azurerm_user_assigned_identity.ci.principal_id
}
"#;
        let f = run(&PrivilegedRoleAssignment, "rbac.tf", tf);
        assert_eq!(
            brief(&f),
            [
                "9:26 managed-identity/ci-deployer critical",
                "14:24 var.pipeline_object_id high",
                "34:24 service-principal/azuread_service_principal.automation critical"
            ]
        );
        assert_eq!(f[1].confidence, Confidence::High);
    }
}
