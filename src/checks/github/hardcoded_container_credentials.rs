use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::is_expression_only;
use crate::models::Node;

declare_check! {
    /// A job's `container:` or `services:` gives registry `credentials` with a literal
    /// password instead of a secret.
    ///
    /// **Why it matters.** The password (often a registry token with push rights) is readable by
    /// anyone who can read the repository, stays in its history after it is removed, and is
    /// copied into every fork and clone.
    ///
    /// **Example**
    ///
    /// ```yaml
    ///     container:
    ///       image: ghcr.io/acme/build:1.4
    ///       credentials:
    ///         username: acme-ci
    ///         password: s3cr3t-registry-pat
    /// ```
    ///
    /// **Fix.** Revoke the credential at the registry first, then read it from a secret:
    /// `password: ${{ secrets.REGISTRY_TOKEN }}` (for GHCR, `${{ secrets.GITHUB_TOKEN }}` with
    /// `packages: read` needs no long-lived secret at all).
    pub struct HardcodedContainerCredentials => HARDCODED_CONTAINER_CREDENTIALS {
        id: "gha-hardcoded-container-credentials",
        name: "Registry password written into a workflow",
        platform: Platform::GithubActions,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI2", "NHI7", "CSF:PR.AA-01", "CSF:PR.DS-01"],
    }
}

impl Check for HardcodedContainerCredentials {
    fn info(&self) -> &'static CheckInfo {
        &HARDCODED_CONTAINER_CREDENTIALS
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GithubWorkflow
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for w in super::workflows(doc) {
            for job in &w.jobs {
                if let Some(c) = job.container {
                    self.container(doc, c, &format!("job `{}` container", job.id), out);
                }
                for (name, svc) in job.services.and_then(Node::as_map).unwrap_or(&[]) {
                    let name = name.as_str().unwrap_or("?");
                    self.container(
                        doc,
                        svc,
                        &format!("service `{name}` of job `{}`", job.id),
                        out,
                    );
                }
            }
        }
    }
}

impl HardcodedContainerCredentials {
    fn container(&self, doc: &Document<'_>, c: &Node, what: &str, out: &mut Vec<Finding>) {
        let Some(creds) = c.get("credentials") else {
            return;
        };
        let Some(password) = creds.get("password") else {
            return;
        };
        let Some(text) = password.as_str() else {
            return;
        };
        if text.trim().is_empty() || is_expression_only(text) || text.contains("${{") {
            return;
        }
        let image = c.get("image").and_then(Node::as_str).unwrap_or("");
        let user = creds.get("username").and_then(Node::as_str).unwrap_or("?");
        let identity = format!("container-registry:{}/{}", registry(image), user);
        out.push(doc.finding_hiding(
            self.info(),
            password.span,
            Some(identity.clone()),
            format!("{what} logs in to the registry with a password written in the workflow"),
            &identity,
            password.span,
        ));
    }
}

/// The registry host of an image reference (`docker.io` when none is named).
fn registry(image: &str) -> &str {
    let first = image.split('/').next().unwrap_or("");
    if image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost") {
        first
    } else {
        "docker.io"
    }
}
