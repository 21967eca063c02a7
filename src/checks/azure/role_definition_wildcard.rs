use super::{scope_of, Scope};
use crate::checks::aws::material;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::items;
use crate::models::terraform as tf;

declare_check! {
    /// `azurerm_role_definition` resources with `"*"` in
    /// `permissions.actions` (every management operation, role assignment included) or in
    /// `permissions.data_actions` (every data operation: blobs, secrets, keys).
    ///
    /// The finding points at the `"*"`. High when the role is assignable at subscription or
    /// management-group scope, or at a scope the file does not resolve; medium when it is
    /// limited to a resource group or a resource.
    ///
    /// **Why it matters.** A custom role with `*` is an Owner-equivalent under another name,
    /// which reviews and policies looking for "Owner" assignments miss. Whoever holds it can
    /// grant itself anything else (OWASP NHI5).
    ///
    /// **Example.**
    /// ```hcl
    /// resource "azurerm_role_definition" "deployer" {
    ///   name  = "ci-deployer"
    ///   scope = data.azurerm_subscription.primary.id
    ///   permissions { actions = ["*"] }
    ///   assignable_scopes = [data.azurerm_subscription.primary.id]
    /// }
    /// ```
    ///
    /// **Fix.** List the resource-provider operations the role needs
    /// (`Microsoft.Web/sites/write`, …), keep `Microsoft.Authorization/*` out of it, and limit
    /// `assignable_scopes` to the resource groups it is meant for.
    pub struct RoleDefinitionWildcard => ROLE_DEFINITION_WILDCARD {
        id: "azure-role-definition-wildcard",
        name: "Custom role definition allows every action",
        platform: Platform::Azure,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

impl Check for RoleDefinitionWildcard {
    fn info(&self) -> &'static CheckInfo {
        &ROLE_DEFINITION_WILDCARD
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Terraform
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let info = &ROLE_DEFINITION_WILDCARD;
        for root in &doc.roots {
            for b in tf::resources(root, "azurerm_role_definition") {
                let mut scopes: Vec<Scope> = Vec::new();
                if let Some(s) = b.attr("scope") {
                    scopes.push(scope_of(s));
                }
                for s in b.attr("assignable_scopes").map(items).unwrap_or_default() {
                    scopes.push(scope_of(s.node));
                }
                let widest = scopes.iter().copied().max().unwrap_or(Scope::Unknown);
                let identity = format!(
                    "role-definition/{}",
                    b.attr("name")
                        .and_then(tf::display)
                        .map_or_else(|| b.address(), str::to_string)
                );
                for perms in b.blocks("permissions") {
                    for (attr, plane) in [("actions", "management"), ("data_actions", "data")] {
                        for a in perms.get(attr).map(items).unwrap_or_default() {
                            if a.text != Some("*") {
                                continue;
                            }
                            let mut f = doc.finding(
                                info,
                                a.node.span,
                                Some(identity.clone()),
                                format!(
                                    "{identity} allows every {plane} action, assignable at {}",
                                    widest.as_str()
                                ),
                                &material(&identity, attr, None),
                            );
                            match widest {
                                Scope::Resource | Scope::ResourceGroup => {
                                    f.severity = Severity::Medium
                                }
                                Scope::Unknown => f.confidence = Confidence::Medium,
                                _ => {}
                            }
                            out.push(f);
                        }
                    }
                }
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
    fn wildcard_actions_by_scope() {
        let tf = r#"
resource "azurerm_role_definition" "god" {
  name  = "ci-god"
  scope = data.azurerm_subscription.primary.id
  permissions {
    actions     = ["*"]
    not_actions = []
  }
  assignable_scopes = [data.azurerm_subscription.primary.id]
}
resource "azurerm_role_definition" "rg" {
  name  = "rg-data"
  scope = azurerm_resource_group.app.id
  permissions {
    actions      = ["Microsoft.Storage/storageAccounts/read"]
    data_actions = ["*"]
  }
}
resource "azurerm_role_definition" "narrow" {
  name  = "reader-plus"
  scope = "/subscriptions/00000000-0000-0000-0000-000000000000"
  permissions {
    actions = ["Microsoft.Resources/subscriptions/resourceGroups/read"]
  }
}
"#;
        assert_eq!(
            brief(&run(&RoleDefinitionWildcard, "roles.tf", tf)),
            [
                "6:20 role-definition/ci-god high",
                "16:21 role-definition/rg-data medium"
            ]
        );
    }
}
