use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::k8s::{objects, pod_spec, service_account_identity, Object};
use crate::models::{template, Value};

declare_check! {
    /// A workload runs as the namespace's `default` service account and does not set
    /// `automountServiceAccountToken: false`, so every pod gets that account's API token.
    ///
    /// **Why it matters.** The `default` account is shared by every pod in the namespace that
    /// names no other, so any permission ever bound to it (by a chart, an operator, or a
    /// quick fix) is silently given to all of them, and each pod's token is one file read
    /// away for anything that compromises the container. Most applications never call the
    /// Kubernetes API and need no token at all.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: web
    /// spec:
    ///   template:
    ///     spec:
    ///       containers:
    ///         - name: web
    ///           image: nginx:1.27
    /// ```
    ///
    /// **Fix.** Set `automountServiceAccountToken: false` in the pod spec (or on the `default`
    /// ServiceAccount); give workloads that do call the API their own service account.
    ///
    /// Not reported: pods whose `default` ServiceAccount disables automounting in the same file
    /// (in a working-tree scan, anywhere in the tree), and pods in a Helm (Go) template whose
    /// actions insert YAML (`{{- toYaml .Values.x | nindent 8 }}`), where the rendered spec may
    /// name an account.
    pub struct DefaultSaAutomount => DEFAULT_SA_AUTOMOUNT {
        id: "k8s-default-sa-automount",
        name: "Default service account token mounted into workload pods",
        platform: Platform::Kubernetes,
        severity: Severity::Low,
        confidence: Confidence::High,
        tags: &["NHI5", "NHI9", "CSF:PR.AA-05"],
    }
}

impl Check for DefaultSaAutomount {
    fn info(&self) -> &'static CheckInfo {
        &DEFAULT_SA_AUTOMOUNT
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::Kubernetes
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        // This check fires on what a pod spec lacks; in a template whose actions insert YAML
        // (a Helm chart's `{{- toYaml .Values.x | nindent 8 }}`) the rendered spec may have it.
        if template::inserts_yaml(doc.bytes) {
            return;
        }
        let objs = objects(&doc.roots);
        for obj in &objs {
            let Some(pod) = pod_spec(obj) else { continue };
            let (sa, sa_node) = pod.service_account();
            if sa != "default" || pod.automount().is_some_and(|(on, _)| !on) {
                continue;
            }
            let ns = obj.namespace_or_default();
            if default_sa_disables_automount(&objs, ns) {
                continue;
            }
            let at = sa_node.unwrap_or(pod.key);
            out.push(doc.finding(
                self.info(),
                at.span,
                Some(service_account_identity(ns, "default")),
                format!(
                    "{} runs as the `default` service account with its token mounted",
                    obj.display()
                ),
                &obj.display(),
            ));
        }
    }
}

fn default_sa_disables_automount(objs: &[Object<'_>], ns: &str) -> bool {
    objs.iter()
        .any(|o| o.namespace_or_default() == ns && is_quiet_default_account(o))
}

/// A `default` ServiceAccount with `automountServiceAccountToken: false`.
pub(super) fn is_quiet_default_account(o: &Object<'_>) -> bool {
    o.kind == "ServiceAccount"
        && o.name == Some("default")
        && o.node
            .get("automountServiceAccountToken")
            .is_some_and(|v| v.value == Value::Bool(false))
}
