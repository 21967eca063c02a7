use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gitlab::job_token_identity;
use crate::models::{Node, Span, Value};

declare_check! {
    /// A job pushes to a git repository, or writes through the GitLab API, with
    /// `CI_JOB_TOKEN`.
    ///
    /// **Why it matters.** For the push to work, the project has allowed its CI job token to
    /// write to the repository. That grant holds for every job of every pipeline, including
    /// pipelines of unreviewed branches, so any script a branch can change (or any dependency
    /// a job installs) can push commits, move tags or edit files without a review.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// bump-version:
    ///   script:
    ///     - git remote set-url origin "https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.com/acme/app.git"
    ///     - ./bump.sh && git commit -am "bump" && git push origin HEAD:main
    /// ```
    ///
    /// **Fix.** Push with a dedicated project access token or deploy key that has only
    /// `write_repository`, stored as a protected variable, from a job that runs only on the
    /// default branch; then turn off "Allow Git push requests" for the job token.
    ///
    /// Package registry uploads, release creation and multi-project pipeline triggers with
    /// the job token are its intended uses and are not reported.
    pub struct JobTokenPush => JOB_TOKEN_PUSH {
        id: "gitlab-job-token-push",
        name: "CI job token used to write to a repository",
        platform: Platform::GitlabCi,
        severity: Severity::High,
        confidence: Confidence::High,
        tags: &["NHI5", "CSF:PR.AA-05"],
    }
}

/// API paths the job token is designed to write to.
const INTENDED_API: &[&str] = &["/packages/", "/releases", "/trigger/pipeline", "/artifacts"];

impl Check for JobTokenPush {
    fn info(&self) -> &'static CheckInfo {
        &JOB_TOKEN_PUSH
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GitlabCi
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for p in super::pipelines(doc) {
            // Each script is judged where it is written (jobs and templates alike), so a line
            // that many jobs inherit through `extends` or merge keys is reported once.
            for job in &p.jobs {
                let mut lines = Vec::new();
                for key in ["before_script", "script", "after_script"] {
                    if let Some(v) = job.node.get(key) {
                        collect(v, &mut lines);
                    }
                }
                self.scan(doc, &lines, job.name, out);
            }
        }
    }
}

fn collect<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    match &node.value {
        Value::String(_) => out.push(node),
        Value::Seq(items) => {
            for i in items {
                if matches!(i.value, Value::String(_) | Value::Seq(_)) {
                    collect(i, out);
                }
            }
        }
        _ => {}
    }
}

impl JobTokenPush {
    fn scan(&self, doc: &Document<'_>, lines: &[&Node], job: &str, out: &mut Vec<Finding>) {
        // Where a remote URL was given the job token, for pushes on later lines.
        let mut token_remote: Option<Span> = None;
        for node in lines {
            let Some(script) = node.as_str() else {
                continue;
            };
            for line in script.lines() {
                let has_token = line.contains("CI_JOB_TOKEN");
                // The line's own span first: the token may occur on several lines of a block.
                let line_span = doc.locate(node.span, line.trim());
                let token_span = || doc.locate(line_span, "CI_JOB_TOKEN");
                let sets_remote = line.contains("git remote set-url")
                    || line.contains("git remote add")
                    || (line.contains("git config") && line.contains("url"));
                if sets_remote {
                    // A remote given another credential replaces the job-token one.
                    token_remote = has_token.then(token_span);
                }
                if line.contains("git push") && (has_token || token_remote.is_some()) {
                    let (at, via) = match token_remote.filter(|_| !has_token) {
                        Some(remote) => (
                            doc.locate(line_span, "git push"),
                            format!(
                                " (remote set with the token on line {})",
                                doc.index.position(remote.start).0
                            ),
                        ),
                        None => (token_span(), String::new()),
                    };
                    out.push(doc.finding(
                        self.info(),
                        at,
                        Some(job_token_identity(doc.path, job)),
                        format!("job `{job}` pushes to a git repository with CI_JOB_TOKEN{via}"),
                        &format!("push:{job}"),
                    ));
                    return;
                }
                if has_token && api_write(line) {
                    let mut f = doc.finding(
                        self.info(),
                        token_span(),
                        Some(job_token_identity(doc.path, job)),
                        format!("job `{job}` writes through the GitLab API with CI_JOB_TOKEN"),
                        &format!("api:{job}"),
                    );
                    f.confidence = Confidence::Medium;
                    out.push(f);
                    return;
                }
            }
        }
    }
}

/// A `curl`/`wget` that writes to the GitLab API, outside the job token's intended uses.
fn api_write(line: &str) -> bool {
    let api = line.contains("/api/v4/") || line.contains("CI_API_V4_URL");
    if !(line.contains("curl") || line.contains("wget")) || !api {
        return false;
    }
    if INTENDED_API.iter().any(|p| line.contains(p)) {
        return false;
    }
    let l = line.replace("--request", "-X");
    [
        "-X POST",
        "-X PUT",
        "-X PATCH",
        "-X DELETE",
        "-XPOST",
        "-XPUT",
        "-XDELETE",
        "--data",
        " -d ",
        "--form",
        " -F ",
        "--upload-file",
        " -T ",
        "--post-data",
        "--method=",
    ]
    .iter()
    .any(|m| l.contains(m))
}
