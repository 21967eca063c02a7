use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::{strings, Job};
use crate::models::{Node, Value};

declare_check! {
    /// A job triggered by `pull_request` (or a pull request review event) runs on a
    /// self-hosted runner.
    ///
    /// **Why it matters.** In a public repository anyone can open a pull request from a fork,
    /// and the job runs the fork's code. On a self-hosted runner that code lands on a machine
    /// that persists between jobs and usually sits inside the network, with the runner's
    /// registration, cached credentials and often a cloud instance role: one pull request
    /// can plant a backdoor that later, privileged jobs run into.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// on: pull_request
    /// jobs:
    ///   test:
    ///     runs-on: [self-hosted, linux]
    ///     steps:
    ///       - uses: actions/checkout@v4
    ///       - run: make test
    /// ```
    ///
    /// **Fix.** Run pull-request jobs on GitHub-hosted runners, or on ephemeral, isolated
    /// self-hosted runners that hold no credentials; require approval for workflows from all
    /// outside contributors. Private repositories without forks from outside the organisation
    /// are not exposed in the same way: disable the check for them. A job whose `if:` only
    /// admits pull requests from the same repository is not reported.
    pub struct SelfHostedPullRequest => SELF_HOSTED_PULL_REQUEST {
        id: "gha-self-hosted-pull-request",
        name: "Pull request code runs on a self-hosted runner",
        platform: Platform::GithubActions,
        severity: Severity::High,
        confidence: Confidence::Medium,
        tags: &["NHI8", "NHI5", "CSF:PR.AA-05", "CSF:PR.IR-01"],
    }
}

const PR_TRIGGERS: &[&str] = &[
    "pull_request",
    "pull_request_review",
    "pull_request_review_comment",
];

impl Check for SelfHostedPullRequest {
    fn info(&self) -> &'static CheckInfo {
        &SELF_HOSTED_PULL_REQUEST
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GithubWorkflow
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for w in super::workflows(doc) {
            let Some(trigger) = w.triggers.iter().find(|t| PR_TRIGGERS.contains(&t.name)) else {
                continue;
            };
            for job in &w.jobs {
                if super::same_repository_only(job) {
                    continue;
                }
                let Some((node, labels)) = self_hosted(job) else {
                    continue;
                };
                let identity = format!("self-hosted-runner:{}", labels.join(","));
                out.push(doc.finding(
                    self.info(),
                    node.span,
                    Some(identity),
                    format!(
                        "on `{}`, job `{}` runs pull request code on a self-hosted runner ({})",
                        trigger.name,
                        job.id,
                        labels.join(", ")
                    ),
                    job.id,
                ));
            }
        }
    }
}

/// The node naming a self-hosted runner for a job, and the runner's labels.
fn self_hosted<'a>(job: &Job<'a>) -> Option<(&'a Node, Vec<String>)> {
    let runs_on = job.runs_on?;
    let labels: Vec<(&str, &Node)> = match &runs_on.value {
        Value::Map(_) => runs_on.get("labels").map(Node::strings).unwrap_or_default(),
        _ => runs_on.strings(),
    };
    if let Some((_, node)) = labels
        .iter()
        .find(|(l, _)| l.eq_ignore_ascii_case("self-hosted"))
    {
        let names = labels.iter().map(|(l, _)| l.to_string()).collect();
        return Some((node, names));
    }
    // `runs-on: ${{ matrix.runner }}` with a matrix that lists a self-hosted runner.
    let expr = labels.iter().any(|(l, _)| l.contains("matrix."));
    if expr {
        let matrix = job.strategy.and_then(|s| s.get("matrix"))?;
        if strings(matrix)
            .iter()
            .any(|(s, _)| s.eq_ignore_ascii_case("self-hosted"))
        {
            return Some((runs_on, vec!["self-hosted (matrix)".to_string()]));
        }
    }
    None
}
