use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::{expressions, is_expression_only, Action, Step, Workflow};
use crate::models::Node;

declare_check! {
    /// A workflow logs in to AWS, Azure or Google Cloud with a long-lived key kept as a
    /// secret (`aws-access-key-id:`, `azure/login` `creds:`, `credentials_json:`, or the
    /// equivalent `env:` variables) where GitHub's OIDC federation would do without one.
    ///
    /// **Why it matters.** An access key or service-account key lives until someone rotates it,
    /// works from anywhere, and is one leaked log line or malicious dependency away from an
    /// attacker. With OIDC the workflow gets short-lived credentials scoped by the cloud
    /// role's trust conditions (repository, branch, environment), and there is no key to leak.
    ///
    /// **Example**
    ///
    /// ```yaml
    ///       - uses: aws-actions/configure-aws-credentials@v4
    ///         with:
    ///           aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}
    ///           aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}
    ///           aws-region: eu-west-1
    /// ```
    ///
    /// **Fix.** Create an IAM role (AWS), a federated credential (Azure) or a workload identity
    /// provider (Google Cloud) that trusts `token.actions.githubusercontent.com` for this
    /// repository and branch or environment; grant the job `id-token: write`; log in with
    /// `role-to-assume`, `client-id`/`tenant-id`/`subscription-id`, or
    /// `workload_identity_provider`. Then delete the key at the provider.
    ///
    /// `AWS_*` variables next to an endpoint override, or read from secrets named for an
    /// S3-compatible store (R2, Spaces, MinIO, …), are not reported: those stores have no OIDC
    /// federation.
    pub struct LongLivedCloudKeys => LONG_LIVED_CLOUD_KEYS {
        id: "gha-long-lived-cloud-keys",
        name: "Long-lived cloud key used where OIDC federation is available",
        platform: Platform::GithubActions,
        severity: Severity::Medium,
        confidence: Confidence::High,
        tags: &["NHI7", "NHI6", "CSF:PR.AA-01", "CSF:PR.AA-05"],
    }
}

/// (action, input, kind of credential) of login actions that accept a long-lived key.
const KEY_INPUTS: &[(&str, &str, &str)] = &[
    (
        "aws-actions/configure-aws-credentials",
        "aws-access-key-id",
        "aws-access-key",
    ),
    ("azure/login", "creds", "azure-service-principal"),
    (
        "google-github-actions/auth",
        "credentials_json",
        "gcp-service-account-key",
    ),
];

/// Environment variables SDKs and Terraform providers read long-lived keys from, in order of
/// preference for the report (one finding per `env:` map and cloud).
const KEY_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "aws-access-key"),
    ("AWS_SECRET_ACCESS_KEY", "aws-access-key"),
    ("ARM_CLIENT_SECRET", "azure-service-principal"),
    ("AZURE_CLIENT_SECRET", "azure-service-principal"),
    ("AZURE_CREDENTIALS", "azure-service-principal"),
    ("GOOGLE_CREDENTIALS", "gcp-service-account-key"),
    (
        "GOOGLE_APPLICATION_CREDENTIALS_JSON",
        "gcp-service-account-key",
    ),
    ("GCLOUD_SERVICE_KEY", "gcp-service-account-key"),
];

impl Check for LongLivedCloudKeys {
    fn info(&self) -> &'static CheckInfo {
        &LONG_LIVED_CLOUD_KEYS
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        matches!(kind, FileKind::GithubWorkflow | FileKind::GithubAction)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for root in &doc.roots {
            if doc.kind == FileKind::GithubAction {
                if let Some(a) = Action::parse(root) {
                    for step in &a.steps {
                        self.step(doc, step, out);
                    }
                }
                continue;
            }
            let Some(w) = Workflow::parse(root) else {
                continue;
            };
            if let Some(env) = w.env {
                self.env(doc, env, out);
            }
            for job in &w.jobs {
                if let Some(env) = job.env {
                    self.env(doc, env, out);
                }
                for step in &job.steps {
                    self.step(doc, step, out);
                }
            }
        }
    }
}

impl LongLivedCloudKeys {
    fn step(&self, doc: &Document<'_>, step: &Step<'_>, out: &mut Vec<Finding>) {
        for (action, input, kind) in KEY_INPUTS {
            if !step.uses_action(action) {
                continue;
            }
            if let Some((key, value)) = step.input(input) {
                self.report(
                    doc,
                    key,
                    value,
                    kind,
                    &format!("`{action}` input `{input}`"),
                    out,
                );
            }
        }
        if let Some(env) = step.env {
            self.env(doc, env, out);
        }
    }

    fn env(&self, doc: &Document<'_>, env: &Node, out: &mut Vec<Finding>) {
        let mut done: Vec<&str> = Vec::new();
        // AWS_* variables also configure S3-compatible stores (R2, Spaces, MinIO…) that have no
        // OIDC federation: an endpoint override or such a name means the key is not AWS's.
        if s3_compatible(env) {
            done.push("aws-access-key");
        }
        for (name, kind) in KEY_ENV {
            if done.contains(kind) {
                continue;
            }
            if let Some((key, value)) = env.entry(name) {
                if self.report(doc, key, value, kind, &format!("`env: {name}`"), out) {
                    done.push(kind);
                }
            }
        }
    }

    /// Report a key passed from a secret (or written literally). Values computed by earlier
    /// steps (e.g. the outputs of an OIDC login) are not long-lived keys.
    fn report(
        &self,
        doc: &Document<'_>,
        key: &Node,
        value: &Node,
        kind: &str,
        via: &str,
        out: &mut Vec<Finding>,
    ) -> bool {
        let Some(text) = value.as_str() else {
            return false;
        };
        let text = text.trim();
        if text.is_empty() {
            return false;
        }
        let secret = expressions(text)
            .into_iter()
            .find(|(_, e)| e.starts_with("secrets."))
            .map(|(_, e)| e.to_string());
        // An access key id is an identifier, not a secret: it names the key in reports.
        let key_id = is_aws_key_id(text);
        let identity = match (&secret, is_expression_only(text)) {
            (Some(s), _) => format!("{kind}:{s}"),
            // Anything else computed by an expression is not known to be a stored key.
            (None, true) => return false,
            (None, false) if text.contains("${{") || text.starts_with('$') => return false,
            (None, false) if key_id => format!("{kind}:{text}"),
            (None, false) => format!("{kind}:{}", doc.path),
        };
        let message = match &secret {
            Some(s) => format!("{via} passes a long-lived key from `{s}`; OIDC federation needs no stored key"),
            None => format!("{via} holds a long-lived key written in the file; OIDC federation needs no stored key"),
        };
        let f = if secret.is_some() || key_id {
            doc.finding(
                self.info(),
                key.span,
                Some(identity.clone()),
                message,
                &identity,
            )
        } else {
            doc.finding_hiding(
                self.info(),
                key.span,
                Some(identity.clone()),
                message,
                &identity,
                value.span,
            )
        };
        out.push(f);
        true
    }
}

/// Names of S3-compatible stores that read `AWS_*` keys but federate with nothing.
const S3_COMPATIBLE: &[&str] = &[
    "r2",
    "minio",
    "spaces",
    "wasabi",
    "backblaze",
    "b2",
    "linode",
    "scaleway",
    "digitalocean",
    "ceph",
    "garage",
    "storj",
];

fn s3_compatible(env: &Node) -> bool {
    env.as_map().unwrap_or(&[]).iter().any(|(k, v)| {
        let key = k.as_str().unwrap_or("").to_ascii_lowercase();
        if key.contains("endpoint") {
            return true;
        }
        if !key.starts_with("aws_") {
            return false;
        }
        let value = v.as_str().unwrap_or("").to_ascii_lowercase();
        value
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| S3_COMPATIBLE.contains(&w))
    })
}

fn is_aws_key_id(s: &str) -> bool {
    s.len() == 20
        && (s.starts_with("AKIA") || s.starts_with("ASIA"))
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
