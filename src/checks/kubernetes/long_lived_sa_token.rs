use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::k8s::{objects, service_account_identity};
use crate::models::Node;

declare_check! {
    /// A Secret of type `kubernetes.io/service-account-token` asks the cluster for a
    /// service-account token that never expires.
    ///
    /// **Why it matters.** Since Kubernetes 1.24 pods get short-lived, audience-bound tokens
    /// that the kubelet rotates. A token Secret is the old kind: valid until the Secret (or
    /// the service account) is deleted, readable by anyone who can read Secrets in the
    /// namespace, and typically copied into CI systems and kubeconfigs, where nobody rotates it.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// apiVersion: v1
    /// kind: Secret
    /// metadata:
    ///   name: ci-token
    ///   annotations:
    ///     kubernetes.io/service-account.name: deployer
    /// type: kubernetes.io/service-account-token
    /// ```
    ///
    /// **Fix.** Request short-lived tokens when needed (`kubectl create token deployer
    /// --duration=1h`, or the TokenRequest API); for CI, use the CI system's OIDC federation to
    /// the cluster. Delete the Secret to revoke the token.
    pub struct LongLivedSaToken => LONG_LIVED_SA_TOKEN {
        id: "k8s-long-lived-sa-token",
        name: "Long-lived service-account token Secret",
        platform: Platform::Kubernetes,
        severity: Severity::Medium,
        confidence: Confidence::High,
        tags: &["NHI7", "CSF:PR.AA-01"],
    }
}

impl Check for LongLivedSaToken {
    fn info(&self) -> &'static CheckInfo {
        &LONG_LIVED_SA_TOKEN
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Kubernetes
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for obj in objects(&doc.roots) {
            if obj.kind != "Secret" {
                continue;
            }
            let Some(ty) = obj.node.get("type") else {
                continue;
            };
            if ty.as_str() != Some("kubernetes.io/service-account-token") {
                continue;
            }
            let sa = obj
                .node
                .get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(|a| a.get("kubernetes.io/service-account.name"))
                .and_then(Node::as_str)
                .unwrap_or("?");
            let identity = service_account_identity(obj.namespace_or_default(), sa);
            out.push(doc.finding(
                self.info(),
                ty.span,
                Some(identity.clone()),
                format!(
                    "{} holds a non-expiring token of `{identity}`",
                    obj.display()
                ),
                &identity,
            ));
        }
    }
}
