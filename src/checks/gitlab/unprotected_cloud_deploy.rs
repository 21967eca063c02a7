use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gitlab::{job_token_identity, Job, Pipeline};
use crate::models::{Node, Value};

declare_check! {
    /// A deploy job that uses cloud credentials can run from any branch: it has no
    /// `environment:`, and neither its `rules:`/`only:` nor the pipeline's `workflow: rules`
    /// restrict it to the default branch, protected refs or tags.
    ///
    /// **Why it matters.** Anyone who can push a branch (every Developer, and any compromised
    /// Developer token) can change the job's script on that branch and run it with the
    /// deploy credentials: read them out, or deploy to production without review. An
    /// `environment:` lets GitLab apply protected-environment approvals and environment-scoped
    /// variables; branch rules keep the job off unreviewed code.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// deploy:
    ///   stage: deploy
    ///   image: amazon/aws-cli
    ///   script:
    ///     - aws s3 sync public/ s3://www.example.com --delete
    /// ```
    ///
    /// **Fix.** Restrict the job and tie it to a protected environment, and store the cloud
    /// credentials as protected variables scoped to that environment (better: use `id_tokens:`
    /// and a cloud role that trusts only protected refs):
    ///
    /// ```yaml
    /// deploy:
    ///   environment: production
    ///   rules:
    ///     - if: $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH
    /// ```
    ///
    /// A job counts as a deploy job when its name or stage says so (deploy, release, publish,
    /// production) or its script runs a deploy command (`terraform apply`, `kubectl apply`,
    /// `helm upgrade`, `aws s3 sync`, `gcloud … deploy`, …); as using cloud credentials when it
    /// names AWS, Azure, Google Cloud or kubeconfig credential variables, runs the AWS, Google
    /// Cloud or Azure CLI, or runs a deploy command (which needs its target's credentials).
    /// Jobs that extend a template from another file are skipped, since the template may
    /// hold the restriction.
    pub struct UnprotectedCloudDeploy => UNPROTECTED_CLOUD_DEPLOY {
        id: "gitlab-unprotected-cloud-deploy",
        name: "Cloud deploy job runs on any branch",
        platform: Platform::GitlabCi,
        severity: Severity::High,
        confidence: Confidence::Medium,
        tags: &["NHI6", "NHI5", "CSF:PR.AA-05"],
    }
}

/// Variables that carry cloud or cluster credentials.
const CREDENTIAL_VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "ARM_CLIENT_SECRET",
    "AZURE_CLIENT_SECRET",
    "AZURE_CREDENTIALS",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_CREDENTIALS",
    "GCLOUD_SERVICE_KEY",
    "GCP_SERVICE_KEY",
    "GCP_SA_KEY",
    "KUBECONFIG",
    "KUBE_CONFIG",
];

/// Cloud CLIs: every command but `--version` talks to the cloud with the job's credentials.
/// Cluster and infrastructure tools (`kubectl`, `helm`, `terraform`) also run locally
/// (`helm package`, `terraform fmt`), so only their deploy commands count.
const CLOUD_CLIS: &[&str] = &["aws ", "gcloud ", "gsutil ", "az ", "eksctl ", "copilot "];

/// Script fragments that deploy.
const DEPLOY_COMMANDS: &[&str] = &[
    "terraform apply",
    "terragrunt apply",
    "kubectl apply",
    "kubectl set image",
    "kubectl rollout",
    "kubectl create",
    "kubectl replace",
    "helm upgrade",
    "helm install",
    "aws s3 sync",
    "aws s3 cp",
    "aws cloudformation deploy",
    "aws ecs update-service",
    "aws lambda update-function",
    "aws deploy",
    "gcloud run deploy",
    "gcloud app deploy",
    "gcloud functions deploy",
    "gcloud compute",
    "az webapp",
    "az functionapp",
    "az deployment",
    "serverless deploy",
    "sls deploy",
    "cdk deploy",
    "sam deploy",
    "pulumi up",
    "eksctl create",
    "copilot deploy",
];

const DEPLOY_WORDS: &[&str] = &["deploy", "release", "publish", "production", "prod"];

impl Check for UnprotectedCloudDeploy {
    fn info(&self) -> &'static CheckInfo {
        &UNPROTECTED_CLOUD_DEPLOY
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GitlabCi
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for p in super::pipelines(doc) {
            if workflow_restricted(&p) {
                continue;
            }
            for job in p.jobs.iter().filter(|j| !j.hidden) {
                if p.extends_unknown(job)
                    || p.lookup(job, "trigger").is_some()
                    || p.lookup(job, "environment").is_some()
                    || job_restricted(&p, job)
                {
                    continue;
                }
                let scripts: Vec<String> = p
                    .script_lines(job)
                    .iter()
                    .filter_map(|n| n.as_str())
                    .map(|s| s.trim().to_string())
                    .collect();
                let Some(credential) = credential_use(&p, job, &scripts) else {
                    continue;
                };
                let Some(deploy) = deploy_evidence(&p, job, &scripts) else {
                    continue;
                };
                out.push(doc.finding(
                    self.info(),
                    job.key.span,
                    Some(job_token_identity(doc.path, job.name)),
                    format!(
                        "job `{}` deploys ({deploy}) with cloud credentials ({credential}) but has no `environment:` and no rule restricting it to protected or default-branch pipelines",
                        job.name
                    ),
                    job.name,
                ));
            }
        }
    }
}

fn credential_use(p: &Pipeline<'_>, job: &Job<'_>, scripts: &[String]) -> Option<String> {
    if let Some(v) = p
        .variables(job)
        .into_iter()
        .find(|v| CREDENTIAL_VARS.contains(&v.name))
    {
        return Some(format!("variable `{}`", v.name));
    }
    for s in scripts {
        if let Some(v) = CREDENTIAL_VARS.iter().find(|v| mentions(s, v)) {
            return Some(format!("`{v}`"));
        }
    }
    let commands = || {
        scripts
            .iter()
            .flat_map(|s| s.split(['\n', '&', ';', '|']))
            .map(str::trim_start)
    };
    if let Some(cli) = commands().find_map(|cmd| {
        CLOUD_CLIS
            .iter()
            .find(|c| cmd.starts_with(*c) && !cmd.contains("--version"))
    }) {
        return Some(format!("`{}` CLI", cli.trim()));
    }
    // A deploy command needs credentials for its target, wherever they come from.
    commands()
        .find_map(|cmd| DEPLOY_COMMANDS.iter().find(|d| cmd.starts_with(*d)))
        .map(|d| format!("`{d}`"))
}

/// Whether `name` occurs in `s` as a whole variable name (`$AWS_ACCESS_KEY_ID`,
/// `export AWS_ACCESS_KEY_ID=…`), not as part of a longer one.
fn mentions(s: &str, name: &str) -> bool {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    s.match_indices(name).any(|(i, _)| {
        !s[..i].chars().next_back().is_some_and(ident)
            && !s[i + name.len()..].chars().next().is_some_and(ident)
    })
}

fn deploy_evidence(p: &Pipeline<'_>, job: &Job<'_>, scripts: &[String]) -> Option<String> {
    if let Some(cmd) = scripts
        .iter()
        .find_map(|s| DEPLOY_COMMANDS.iter().find(|c| s.contains(*c)))
    {
        return Some(format!("`{cmd}`"));
    }
    let named = |s: &str| {
        let l = s.to_ascii_lowercase();
        l.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| DEPLOY_WORDS.contains(&w))
    };
    if named(job.name) {
        return Some(format!("job name `{}`", job.name));
    }
    let stage = p.lookup(job, "stage").and_then(|(_, v)| v.as_str())?;
    named(stage).then(|| format!("stage `{stage}`"))
}

/// Whether `workflow: rules` only create pipelines for protected refs, the default branch or
/// tags, which protects every job.
fn workflow_restricted(p: &Pipeline<'_>) -> bool {
    p.workflow
        .and_then(|w| w.get("rules"))
        .is_some_and(rules_restrict)
}

fn job_restricted(p: &Pipeline<'_>, job: &Job<'_>) -> bool {
    if let Some((_, rules)) = p.lookup(job, "rules") {
        return rules_restrict(rules);
    }
    if let Some((_, only)) = p.lookup(job, "only") {
        return only_restricts(only);
    }
    if let Some((_, except)) = p.lookup(job, "except") {
        return refs(except).contains(&"branches");
    }
    false
}

/// Rules restrict a job when every rule that can run it tests a protected ref, the default
/// branch, a named branch or a tag.
fn rules_restrict(rules: &Node) -> bool {
    let Some(items) = rules.as_seq() else {
        return false;
    };
    let running: Vec<&Node> = items
        .iter()
        .filter(|r| r.get("when").and_then(Node::as_str) != Some("never"))
        .collect();
    !running.is_empty()
        && running.iter().all(|r| {
            r.get("if").and_then(Node::as_str).is_some_and(|cond| {
                let c: String = cond.chars().filter(|c| !c.is_whitespace()).collect();
                c.contains("CI_DEFAULT_BRANCH")
                    || c.contains("CI_COMMIT_REF_PROTECTED")
                    || c.contains("$CI_COMMIT_TAG")
                    || [
                        "CI_COMMIT_BRANCH==",
                        "CI_COMMIT_REF_NAME==",
                        "CI_COMMIT_BRANCH=~",
                        "CI_COMMIT_REF_NAME=~",
                    ]
                    .iter()
                    .any(|p| c.contains(p))
            })
        })
}

/// `only:` refs that admit any branch or merge request.
const OPEN_REFS: &[&str] = &[
    "branches",
    "merge_requests",
    "pushes",
    "web",
    "api",
    "triggers",
    "pipelines",
    "external",
    "external_pull_requests",
    "chat",
];

fn only_restricts(only: &Node) -> bool {
    let r = refs(only);
    !r.is_empty() && r.iter().all(|x| !OPEN_REFS.contains(x))
}

/// The refs of an `only:`/`except:` (list, string, or `refs:` of the long form).
fn refs(node: &Node) -> Vec<&str> {
    match &node.value {
        Value::Map(_) => node.get("refs").map(Node::strings).unwrap_or_default(),
        _ => node.strings(),
    }
    .into_iter()
    .map(|(s, _)| s)
    .collect()
}
