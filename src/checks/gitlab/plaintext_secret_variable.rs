use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gitlab::{variables, Variable};
use crate::models::Node;

declare_check! {
    /// A `variables:` entry whose name says it holds a credential (`*_TOKEN`, `*_PASSWORD`,
    /// `*_SECRET`, `API_KEY`, `PRIVATE_KEY`, …) has a literal value in `.gitlab-ci.yml`.
    ///
    /// **Why it matters.** Pipeline files are readable by everyone with access to the project
    /// (for public projects: everyone), stay in git history, and are copied into every fork.
    /// Unlike CI/CD settings variables, they cannot be masked, protected to protected branches,
    /// or scoped to an environment.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// variables:
    ///   SMTP_PASSWORD: Spr1ng-Bre4k-2025
    /// deploy:
    ///   variables:
    ///     REGISTRY_PASSWORD: Wint3r-Is-Coming-2024
    /// ```
    ///
    /// **Fix.** Revoke the credential, then define it under Settings → CI/CD → Variables as
    /// masked and protected (or fetch it from a secrets manager with `secrets:` and
    /// `id_tokens:`), and remove the entry from the file.
    ///
    /// Not reported: values that reference other variables (`$DB_PASSWORD`), paths,
    /// well-known throwaway values (`postgres`, `password`, `secret`, …), and the passwords
    /// of service containers (`POSTGRES_PASSWORD`, `MYSQL_ROOT_PASSWORD`, …) in pipelines that
    /// run `services:`, which live only as long as the job.
    pub struct PlaintextSecretVariable => PLAINTEXT_SECRET_VARIABLE {
        id: "gitlab-plaintext-secret-variable",
        name: "Credential written in a pipeline variable",
        platform: Platform::GitlabCi,
        severity: Severity::High,
        confidence: Confidence::Medium,
        tags: &["NHI2", "NHI7", "CSF:PR.AA-01", "CSF:PR.DS-01"],
    }
}

/// Words before `KEY` that make it a credential (`API_KEY`, `PRIVATE_KEY`), unlike `CACHE_KEY`.
const KEY_QUALIFIERS: &[&str] = &[
    "API",
    "ACCESS",
    "SECRET",
    "PRIVATE",
    "SIGNING",
    "ENCRYPTION",
    "AUTH",
    "MASTER",
    "CLIENT",
    "SSH",
    "GPG",
    "DEPLOY",
    "LICENSE",
    "APP",
    "SERVICE",
    "ACCOUNT",
    "SECURITY",
];

/// Values that test databases and examples use and nothing guards.
const THROWAWAY: &[&str] = &[
    "password",
    "secret",
    "postgres",
    "mysql",
    "root",
    "admin",
    "test",
    "testing",
    "example",
    "changeme",
    "changeit",
    "dummy",
    "sample",
    "default",
    "redis",
    "guest",
    "user",
    "pass",
    "token",
    "none",
    "null",
    "xxx",
    "todo",
    "password123",
    "secret123",
    "gitlab",
];

/// Variables that set the password of a job's service container (a database that lives only as
/// long as the job): throwaway by design when the pipeline runs `services:`.
const SERVICE_INIT: &[&str] = &[
    "POSTGRES_PASSWORD",
    "POSTGRESQL_PASSWORD",
    "MYSQL_PASSWORD",
    "MYSQL_ROOT_PASSWORD",
    "MARIADB_PASSWORD",
    "MARIADB_ROOT_PASSWORD",
    "MONGO_INITDB_ROOT_PASSWORD",
    "MONGODB_ROOT_PASSWORD",
    "REDIS_PASSWORD",
    "RABBITMQ_DEFAULT_PASS",
    "MSSQL_SA_PASSWORD",
    "SA_PASSWORD",
    "ELASTIC_PASSWORD",
    "MINIO_ROOT_PASSWORD",
    "KEYCLOAK_ADMIN_PASSWORD",
];

impl Check for PlaintextSecretVariable {
    fn info(&self) -> &'static CheckInfo {
        &PLAINTEXT_SECRET_VARIABLE
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GitlabCi
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for p in super::pipelines(doc) {
            let services = p.root.get("services").is_some()
                || p.default.is_some_and(|d| d.get("services").is_some())
                || p.jobs.iter().any(|j| p.lookup(j, "services").is_some());
            if let Some(vars) = p.variables {
                self.scan(doc, vars, "the pipeline", services, out);
            }
            for job in &p.jobs {
                if let Some(vars) = job.node.get("variables") {
                    self.scan(doc, vars, &format!("job `{}`", job.name), services, out);
                }
            }
        }
    }
}

impl PlaintextSecretVariable {
    fn scan(
        &self,
        doc: &Document<'_>,
        vars: &Node,
        whose: &str,
        services: bool,
        out: &mut Vec<Finding>,
    ) {
        for var in variables(vars) {
            if !credential_name(var.name) || !literal_credential(&var) {
                continue;
            }
            if services && SERVICE_INIT.contains(&var.name) {
                continue;
            }
            let identity = format!("gitlab-ci-variable:{}", var.name);
            out.push(doc.finding_hiding(
                self.info(),
                var.value.span,
                Some(identity),
                format!(
                    "variable `{}` of {whose} holds a credential written in the pipeline file",
                    var.name
                ),
                var.name,
                var.value.span,
            ));
        }
    }
}

/// Whether a variable name says it holds a credential.
fn credential_name(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    let parts: Vec<&str> = up
        .split(['_', '-', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [.., last]
            if matches!(
                *last,
                "TOKEN" | "PASSWORD" | "PASSWD" | "PASS" | "SECRET" | "APIKEY" | "CREDENTIALS"
            ) =>
        {
            true
        }
        [.., before, "KEY"] => KEY_QUALIFIERS.contains(before),
        _ => false,
    }
}

/// Whether the value is written out (not a reference, path, flag or throwaway value).
fn literal_credential(var: &Variable<'_>) -> bool {
    let Some(text) = var.text() else {
        return false;
    };
    let t = text.trim();
    if t.len() < 6 || t.contains('$') || matches!(t, "true" | "false") {
        return false;
    }
    if t.starts_with('/') || t.starts_with("./") || t.starts_with("~/") {
        return false;
    }
    !THROWAWAY.contains(&t.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::credential_name;

    #[test]
    fn credential_names() {
        for n in [
            "SONAR_TOKEN",
            "DB_PASSWORD",
            "API_KEY",
            "aws_secret_access_key",
            "SSH_PRIVATE_KEY",
            "CLIENT_SECRET",
            "TOKEN",
        ] {
            assert!(credential_name(n), "{n}");
        }
        for n in [
            "CACHE_KEY",
            "AWS_ACCESS_KEY_ID",
            "GPG_PUBLIC_KEY",
            "SECRET_DETECTION_DISABLED",
            "TOKEN_URL",
            "DOCKER_DRIVER",
        ] {
            assert!(!credential_name(n), "{n}");
        }
    }
}
