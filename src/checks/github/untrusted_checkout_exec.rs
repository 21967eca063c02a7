use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::{expressions, token_identity, Job, Step};
use crate::models::{Node, Span};

declare_check! {
    /// A workflow triggered by `pull_request_target`, `workflow_run` or `issue_comment` checks out
    /// the pull request's code and then runs it (a "pwn request").
    ///
    /// **Why it matters.** These triggers run in the context of the base repository: with its
    /// secrets and a `GITHUB_TOKEN` that can write, even when the pull request comes from a
    /// fork. Checking out the fork's head and running a build, a test or an install script
    /// hands all of that to whoever opened the pull request.
    ///
    /// **Example**
    ///
    /// ```yaml
    /// on: pull_request_target
    /// jobs:
    ///   test:
    ///     runs-on: ubuntu-latest
    ///     steps:
    ///       - uses: actions/checkout@v4
    ///         with:
    ///           ref: ${{ github.event.pull_request.head.sha }}
    ///       - run: npm ci && npm test
    /// ```
    ///
    /// **Fix.** Build and test untrusted code under `pull_request`, which gets no secrets and a
    /// read-only token. If a privileged step must follow (labelling, commenting), split it into
    /// a `workflow_run` workflow that only reads the first one's artifacts as data, never as
    /// code. A job whose `if:` only admits pull requests from the same repository is not
    /// reported.
    ///
    /// Recognised checkouts: `actions/checkout` with a `ref` (or `repository`) taken from the
    /// pull request or triggering run, and `gh pr checkout` / `git fetch … pull/…` in `run:`.
    /// Recognised execution: a later `run:` step or local action (in the checkout's `path`, when
    /// one is set), or a build action such as `docker/build-push-action`.
    pub struct UntrustedCheckoutExec => UNTRUSTED_CHECKOUT_EXEC {
        id: "gha-untrusted-checkout-exec",
        name: "Privileged workflow runs code checked out from a pull request",
        platform: Platform::GithubActions,
        severity: Severity::Critical,
        confidence: Confidence::High,
        tags: &["NHI5", "NHI3", "CSF:PR.AA-05", "CSF:PR.PS-06"],
    }
}

const PRIVILEGED_TRIGGERS: &[&str] = &["pull_request_target", "workflow_run", "issue_comment"];

/// Expression fragments that name code controlled by the pull request's author.
const PR_HEAD: &[&str] = &[
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.repo.full_name",
    "github.event.pull_request.merge_commit_sha",
    "github.head_ref",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_commit.id",
    "github.event.workflow_run.head_repository.full_name",
];

/// Actions that build or run the checked-out code.
const BUILD_ACTIONS: &[&str] = &[
    "github/codeql-action/autobuild",
    "docker/build-push-action",
    "cypress-io/github-action",
    "bahmutov/npm-install",
    "borales/actions-yarn",
    "pre-commit/action",
    "goreleaser/goreleaser-action",
];

/// Shell commands that check out a pull request.
const RUN_CHECKOUTS: &[&str] = &["gh pr checkout", "hub pr checkout", "pull/"];

impl Check for UntrustedCheckoutExec {
    fn info(&self) -> &'static CheckInfo {
        &UNTRUSTED_CHECKOUT_EXEC
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GithubWorkflow
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for w in super::workflows(doc) {
            let Some(trigger) = w
                .triggers
                .iter()
                .find(|t| PRIVILEGED_TRIGGERS.contains(&t.name))
            else {
                continue;
            };
            for job in &w.jobs {
                if super::same_repository_only(job) {
                    continue;
                }
                if let Some((span, what, exec)) = untrusted_run(doc, job) {
                    out.push(doc.finding(
                        self.info(),
                        span,
                        Some(token_identity(doc.path, Some(job.id))),
                        format!(
                            "on `{}`, job `{}` checks out pull request code ({what}) and runs it ({exec}) with the base repository's secrets and token",
                            trigger.name, job.id
                        ),
                        job.id,
                    ));
                }
            }
        }
    }
}

/// An untrusted checkout followed by execution: (where the checkout is, what it is, what runs).
fn untrusted_run(doc: &Document<'_>, job: &Job<'_>) -> Option<(Span, String, String)> {
    for (i, step) in job.steps.iter().enumerate() {
        let Some((span, what, path)) = untrusted_checkout(doc, step) else {
            continue;
        };
        // A shell checkout followed by more commands in the same script runs them on the
        // checked-out code.
        if let (Some(run), None) = (step.run_text(), step.uses) {
            if let Some(rest) = after_checkout_command(run) {
                return Some((span, what, format!("`{}`", short(rest))));
            }
        }
        let later = job.steps[i + 1..]
            .iter()
            .find_map(|s| executes(s, path.as_deref(), job));
        if let Some(exec) = later {
            return Some((span, what, exec));
        }
    }
    None
}

/// Whether a step checks out pull request code: (span to report, description, checkout path).
fn untrusted_checkout(
    doc: &Document<'_>,
    step: &Step<'_>,
) -> Option<(Span, String, Option<String>)> {
    if step.uses_action("actions/checkout") {
        for input in ["ref", "repository"] {
            let Some((_, value)) = step.input(input) else {
                continue;
            };
            let text = value.as_str()?;
            let lower = text.to_ascii_lowercase();
            let from_pr = expressions(&lower)
                .iter()
                .any(|(_, e)| PR_HEAD.iter().any(|p| e.contains(p)))
                || (input == "ref" && lower.contains("refs/pull/"));
            if from_pr {
                let path = step
                    .input("path")
                    .and_then(|(_, v)| v.as_str())
                    .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string())
                    .filter(|p| !p.is_empty() && p != ".");
                return Some((value.span, format!("`{input}: {}`", text.trim()), path));
            }
        }
        return None;
    }
    let run = step.run_text()?;
    let line = run.lines().find(|l| is_checkout_command(l))?;
    let cmd = RUN_CHECKOUTS
        .iter()
        .find(|c| line.contains(*c))
        .copied()
        .unwrap_or("git");
    let node: &Node = step.run?;
    Some((
        doc.locate(node.span, cmd),
        format!("`{}`", short(line)),
        None,
    ))
}

fn is_checkout_command(line: &str) -> bool {
    let l = line.trim();
    l.contains("gh pr checkout")
        || l.contains("hub pr checkout")
        || (l.contains("git fetch") && l.contains("pull/"))
        || (l.starts_with("git checkout")
            && expressions(l)
                .iter()
                .any(|(_, e)| PR_HEAD.iter().any(|p| e.contains(p))))
}

/// The first command after the checkout command in the same script that runs something.
fn after_checkout_command(run: &str) -> Option<&str> {
    let mut seen = false;
    for line in run.lines() {
        for cmd in line.split("&&") {
            if seen && !is_inert(cmd) {
                return Some(cmd.trim());
            }
            if is_checkout_command(cmd) {
                seen = true;
            }
        }
    }
    None
}

/// Commands that read or move files and refs but run nothing from the checkout.
const INERT: &[&str] = &[
    "git", "gh", "echo", "printf", "cd", "ls", "cat", "export", "mkdir", "rm", "cp", "mv", "test",
    "[", "[[", "if", "then", "else", "elif", "fi", "for", "do", "done", "true", "false", "exit",
    "set", "jq", "grep", "sed", "awk", "head", "tail", "wc", "sort", "uniq", "diff", "tee",
    "touch", "sleep", "date", "env", "printenv", "}", "{", "#",
];

/// Whether every command of a shell snippet is inert (an empty snippet is).
fn is_inert(script: &str) -> bool {
    script.split(['\n', ';', '|', '&']).all(|segment| {
        // Leading `NAME=value` words are assignments, not the command.
        match segment.split_whitespace().find(|w| !w.contains('=')) {
            None => true,
            Some(w) => w.starts_with('#') || w.starts_with("${{") || INERT.contains(&w),
        }
    })
}

/// What a later step runs from the checkout, if anything. With a checkout `path`, only steps
/// that work in that directory count: the rest run the base repository's own code.
fn executes(step: &Step<'_>, path: Option<&str>, job: &Job<'_>) -> Option<String> {
    let action = step.action();
    if let Some(a) = action.as_deref() {
        if let Some(local) = a.strip_prefix("./") {
            if path.is_none_or(|p| local.starts_with(p)) {
                return Some(format!("local action `{a}`"));
            }
            return None;
        }
        if BUILD_ACTIONS.contains(&a) {
            return Some(format!("`{a}`"));
        }
        return None;
    }
    let run = step.run_text()?.trim();
    if is_inert(run) {
        return None;
    }
    if let Some(p) = path {
        let wd = step
            .node
            .get("working-directory")
            .or_else(|| {
                job.node
                    .get("defaults")
                    .and_then(|d| d.get("run"))
                    .and_then(|r| r.get("working-directory"))
            })
            .and_then(Node::as_str)
            .unwrap_or("");
        let in_checkout = wd.trim_start_matches("./").starts_with(p);
        if !in_checkout && !runs_in(run, p) {
            return None;
        }
    }
    let first = run.lines().find(|l| !is_inert(l)).unwrap_or(run);
    Some(format!("`{}`", short(first)))
}

/// Whether a script runs something from directory `dir`: after `cd dir`, through a path under
/// it (`dir/build.sh`, `python dir/setup.py`), or with a tool pointed at it (`make -C dir`).
fn runs_in(script: &str, dir: &str) -> bool {
    let clean = |w: &str| {
        w.trim_matches(|c| c == '"' || c == '\'')
            .trim_start_matches("./")
            .to_string()
    };
    let under = |w: &str| {
        let w = clean(w);
        w == dir || w.starts_with(&format!("{dir}/"))
    };
    let mut inside = false;
    for segment in script.split(['\n', ';', '|', '&']) {
        let words: Vec<&str> = segment
            .split_whitespace()
            .skip_while(|w| w.contains('='))
            .collect();
        let Some(first) = words.first() else { continue };
        if *first == "cd" {
            inside = words.get(1).is_some_and(|d| under(d));
            continue;
        }
        if is_inert(segment) {
            continue;
        }
        let pointed = words.windows(2).any(|w| {
            matches!(
                w[0],
                "-C" | "--prefix" | "--cwd" | "--dir" | "--project-dir"
            ) && under(w[1])
        });
        let path_arg = words
            .iter()
            .any(|w| clean(w).starts_with(&format!("{dir}/")));
        if inside || pointed || path_arg {
            return true;
        }
    }
    false
}

fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 60 {
        let mut c: String = s.chars().take(59).collect();
        c.push('…');
        c
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{is_inert, runs_in};

    #[test]
    fn inert_scripts_and_runs_in_a_directory() {
        assert!(is_inert("git diff --name-only > x.txt\ncat x.txt"));
        assert!(is_inert("echo hi && sleep 1"));
        assert!(!is_inert("npm ci && npm test"));
        assert!(!is_inert("FOO=1 make"));
        assert!(runs_in("cd pr\nnpm ci", "pr"));
        assert!(runs_in("make -C pr test", "pr"));
        assert!(runs_in("bash ./pr/build.sh", "pr"));
        assert!(!runs_in("python3 tools/license_check.py --root pr", "pr"));
        assert!(!runs_in("cd pr && git log -1", "pr"));
        assert!(!runs_in("npm run print", "pr"));
    }
}
