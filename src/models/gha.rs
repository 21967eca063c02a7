//! GitHub Actions workflows and composite actions, as typed views over a YAML [`Node`] tree.
//!
//! The views borrow the tree, so every key and value keeps its span. They are lenient: a key of
//! the wrong shape reads as absent, since GitHub itself rejects such files and a scanner gains
//! nothing by guessing.

use super::{Node, Value};

/// The identity of a workflow's `GITHUB_TOKEN`: the whole workflow, or one job of it.
pub fn token_identity(path: &str, job: Option<&str>) -> String {
    match job {
        Some(j) => format!("github-token:{path}#{j}"),
        None => format!("github-token:{path}"),
    }
}

/// A workflow file (`.github/workflows/*.yml`).
pub struct Workflow<'a> {
    pub root: &'a Node,
    /// The `on` key (absent in broken files).
    pub on_key: Option<&'a Node>,
    pub triggers: Vec<Trigger<'a>>,
    pub permissions: Option<Permissions<'a>>,
    pub jobs_key: Option<&'a Node>,
    pub jobs: Vec<Job<'a>>,
    pub env: Option<&'a Node>,
}

/// One event of `on:`.
pub struct Trigger<'a> {
    pub name: &'a str,
    pub node: &'a Node,
    /// Its configuration (`types`, `branches`, `workflows`…), when given as a map.
    pub config: Option<&'a Node>,
}

/// A `permissions:` block.
pub struct Permissions<'a> {
    pub key: &'a Node,
    pub value: &'a Node,
    pub kind: PermissionsKind<'a>,
}

pub enum PermissionsKind<'a> {
    WriteAll,
    ReadAll,
    /// `permissions: {}` or a map of scopes (an empty list means no access at all).
    Scopes(Vec<Scope<'a>>),
    /// An expression or anything GitHub would reject.
    Other,
}

/// One `scope: level` entry.
pub struct Scope<'a> {
    pub name: &'a str,
    pub level: &'a str,
    pub key: &'a Node,
    pub value: &'a Node,
}

impl<'a> Permissions<'a> {
    fn parse(key: &'a Node, value: &'a Node) -> Permissions<'a> {
        let kind = match &value.value {
            Value::String(s) if s == "write-all" => PermissionsKind::WriteAll,
            Value::String(s) if s == "read-all" => PermissionsKind::ReadAll,
            Value::Map(pairs) => PermissionsKind::Scopes(
                pairs
                    .iter()
                    .filter_map(|(k, v)| {
                        Some(Scope {
                            name: k.as_str()?,
                            level: v.as_str()?,
                            key: k,
                            value: v,
                        })
                    })
                    .collect(),
            ),
            _ => PermissionsKind::Other,
        };
        Permissions { key, value, kind }
    }

    /// Scopes granted `write`.
    pub fn write_scopes(&self) -> Vec<&Scope<'a>> {
        match &self.kind {
            PermissionsKind::Scopes(s) => s.iter().filter(|s| s.level == "write").collect(),
            _ => Vec::new(),
        }
    }

    /// Whether `scope` is granted write (directly or through `write-all`).
    pub fn grants_write(&self, scope: &str) -> bool {
        match &self.kind {
            PermissionsKind::WriteAll => true,
            PermissionsKind::Scopes(s) => s.iter().any(|s| s.name == scope && s.level == "write"),
            _ => false,
        }
    }
}

/// A job of a workflow.
pub struct Job<'a> {
    pub id: &'a str,
    pub key: &'a Node,
    pub node: &'a Node,
    pub permissions: Option<Permissions<'a>>,
    pub runs_on: Option<&'a Node>,
    /// `uses:` of a job that calls a reusable workflow.
    pub uses: Option<&'a Node>,
    /// The `secrets` key and value of a reusable-workflow call.
    pub secrets: Option<(&'a Node, &'a Node)>,
    pub steps: Vec<Step<'a>>,
    pub container: Option<&'a Node>,
    pub services: Option<&'a Node>,
    pub environment: Option<&'a Node>,
    pub condition: Option<&'a str>,
    pub strategy: Option<&'a Node>,
    pub env: Option<&'a Node>,
}

/// A step of a job or of a composite action.
pub struct Step<'a> {
    pub node: &'a Node,
    pub uses: Option<&'a Node>,
    pub run: Option<&'a Node>,
    pub with: Option<&'a Node>,
    pub env: Option<&'a Node>,
    pub condition: Option<&'a str>,
}

impl<'a> Step<'a> {
    fn parse(node: &'a Node) -> Step<'a> {
        Step {
            node,
            uses: node.get("uses"),
            run: node.get("run"),
            with: node.get("with"),
            env: node.get("env"),
            condition: node.get("if").and_then(Node::as_str),
        }
    }

    /// The action a step uses, without its `@ref` and lower-cased (`actions/checkout`), or a
    /// local (`./path`) or `docker://` reference as written.
    pub fn action(&self) -> Option<String> {
        let u = self.uses?.as_str()?.trim();
        if u.starts_with("./") || u.starts_with("docker://") {
            return Some(u.to_string());
        }
        Some(u.split('@').next().unwrap_or(u).to_ascii_lowercase())
    }

    /// Whether the step uses `action` (`owner/repo` or `owner/repo/path`).
    pub fn uses_action(&self, action: &str) -> bool {
        self.action().is_some_and(|a| a == action)
    }

    /// An input of `with:`, as (key, value).
    pub fn input(&self, name: &str) -> Option<&'a (Node, Node)> {
        self.with?.entry(name)
    }

    pub fn run_text(&self) -> Option<&'a str> {
        self.run?.as_str()
    }
}

impl<'a> Job<'a> {
    fn parse(id: &'a str, key: &'a Node, node: &'a Node) -> Job<'a> {
        let steps = node
            .get("steps")
            .and_then(Node::as_seq)
            .map(|s| {
                s.iter()
                    .filter(|n| n.as_map().is_some())
                    .map(Step::parse)
                    .collect()
            })
            .unwrap_or_default();
        Job {
            id,
            key,
            node,
            permissions: node
                .entry("permissions")
                .map(|(k, v)| Permissions::parse(k, v)),
            runs_on: node.get("runs-on"),
            uses: node.get("uses"),
            secrets: node.entry("secrets").map(|(k, v)| (k, v)),
            steps,
            container: node.get("container"),
            services: node.get("services"),
            environment: node.get("environment"),
            condition: node.get("if").and_then(Node::as_str),
            strategy: node.get("strategy"),
            env: node.get("env"),
        }
    }

    /// Whether the job calls a reusable workflow instead of running steps.
    pub fn is_reusable_call(&self) -> bool {
        self.uses.is_some()
    }
}

impl<'a> Workflow<'a> {
    /// A view of a workflow document; `None` when the root is not a mapping.
    pub fn parse(root: &'a Node) -> Option<Workflow<'a>> {
        root.as_map()?;
        // YAML 1.1 readers turn an unquoted `on` into `true`; YAML 1.2 keeps the string. Accept
        // both so files written for either read the same.
        let on = root.entry("on").or_else(|| {
            root.as_map()?
                .iter()
                .find(|(k, _)| k.value == Value::Bool(true))
        });
        let triggers = on.map(|(_, v)| triggers(v)).unwrap_or_default();
        let jobs_entry = root.entry("jobs");
        let jobs = jobs_entry
            .and_then(|(_, v)| v.as_map())
            .map(|pairs| {
                pairs
                    .iter()
                    .filter(|(_, v)| v.as_map().is_some())
                    .filter_map(|(k, v)| Some(Job::parse(k.as_str()?, k, v)))
                    .collect()
            })
            .unwrap_or_default();
        Some(Workflow {
            root,
            on_key: on.map(|(k, _)| k),
            triggers,
            permissions: root
                .entry("permissions")
                .map(|(k, v)| Permissions::parse(k, v)),
            jobs_key: jobs_entry.map(|(k, _)| k),
            jobs,
            env: root.get("env"),
        })
    }

    pub fn trigger(&self, name: &str) -> Option<&Trigger<'a>> {
        self.triggers.iter().find(|t| t.name == name)
    }

    pub fn has_trigger(&self, name: &str) -> bool {
        self.trigger(name).is_some()
    }

    /// A workflow whose only trigger is `workflow_call` runs with the caller's token, so its
    /// permissions are the caller's business.
    pub fn is_reusable_only(&self) -> bool {
        !self.triggers.is_empty() && self.triggers.iter().all(|t| t.name == "workflow_call")
    }

    /// The permissions in force for a job: its own block, else the workflow's.
    pub fn effective_permissions<'s>(&'s self, job: &'s Job<'a>) -> Option<&'s Permissions<'a>> {
        job.permissions.as_ref().or(self.permissions.as_ref())
    }
}

fn triggers(on: &Node) -> Vec<Trigger<'_>> {
    match &on.value {
        Value::String(s) => vec![Trigger {
            name: s,
            node: on,
            config: None,
        }],
        Value::Seq(items) => items
            .iter()
            .filter_map(|n| {
                Some(Trigger {
                    name: n.as_str()?,
                    node: n,
                    config: None,
                })
            })
            .collect(),
        Value::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, v)| {
                Some(Trigger {
                    name: k.as_str()?,
                    node: k,
                    config: v.as_map().map(|_| v),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A composite (or Docker / JavaScript) action's `action.yml`.
pub struct Action<'a> {
    pub root: &'a Node,
    /// Steps of a composite action; empty for other kinds.
    pub steps: Vec<Step<'a>>,
}

impl<'a> Action<'a> {
    pub fn parse(root: &'a Node) -> Option<Action<'a>> {
        let runs = root.get("runs")?;
        let steps = runs
            .get("steps")
            .and_then(Node::as_seq)
            .map(|s| {
                s.iter()
                    .filter(|n| n.as_map().is_some())
                    .map(Step::parse)
                    .collect()
            })
            .unwrap_or_default();
        Some(Action { root, steps })
    }
}

/// `${{ … }}` expressions in a string: (byte offset of `${{` in `s`, the inner text).
pub fn expressions(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find("${{") {
        let start = from + i;
        let inner_start = start + 3;
        match s[inner_start..].find("}}") {
            Some(j) => {
                out.push((start, s[inner_start..inner_start + j].trim()));
                from = inner_start + j + 2;
            }
            None => break,
        }
    }
    out
}

/// Whether a value is only expressions and whitespace (i.e. nothing literal is written there).
pub fn is_expression_only(s: &str) -> bool {
    let mut rest = s.trim();
    while let Some(r) = rest.strip_prefix("${{") {
        match r.find("}}") {
            Some(j) => rest = r[j + 2..].trim_start(),
            None => return false,
        }
    }
    rest.is_empty()
}

/// Every string in a subtree with its node, for checks that scan all values (e.g. for
/// `toJSON(secrets)`). Iterative: subtrees can be wide.
pub fn strings(node: &Node) -> Vec<(&str, &Node)> {
    let mut out = Vec::new();
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        match &n.value {
            Value::String(s) => out.push((s.as_str(), n)),
            Value::Seq(items) => todo.extend(items.iter().rev()),
            Value::Map(pairs) => {
                for (k, v) in pairs.iter().rev() {
                    todo.push(v);
                    todo.push(k);
                }
            }
            Value::Tagged(_, inner) => todo.push(inner),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::yaml;

    #[test]
    fn reads_triggers_permissions_jobs_and_steps() {
        let text = b"on:\n  pull_request_target:\n    types: [opened]\n  push:\npermissions:\n  contents: read\n  id-token: write\njobs:\n  build:\n    runs-on: ubuntu-latest\n    permissions: write-all\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: x\n      - run: make\n  call:\n    uses: org/repo/.github/workflows/x.yml@main\n    secrets: inherit\n";
        let docs = yaml::load(text).unwrap();
        let w = Workflow::parse(&docs[0]).unwrap();
        assert_eq!(w.triggers.len(), 2);
        assert!(w.trigger("pull_request_target").unwrap().config.is_some());
        let p = w.permissions.as_ref().unwrap();
        assert!(p.grants_write("id-token"));
        assert!(!p.grants_write("contents"));
        assert_eq!(w.jobs.len(), 2);
        let build = &w.jobs[0];
        assert!(matches!(
            build.permissions.as_ref().unwrap().kind,
            PermissionsKind::WriteAll
        ));
        assert!(build.steps[0].uses_action("actions/checkout"));
        assert_eq!(build.steps[0].input("ref").unwrap().1.as_str(), Some("x"));
        assert_eq!(build.steps[1].run_text(), Some("make"));
        assert!(w.jobs[1].is_reusable_call());
    }

    #[test]
    fn trigger_shapes() {
        for (text, n) in [("on: push\n", 1), ("on: [push, pull_request]\n", 2)] {
            let docs = yaml::load(text.as_bytes()).unwrap();
            assert_eq!(Workflow::parse(&docs[0]).unwrap().triggers.len(), n);
        }
    }

    #[test]
    fn expression_helpers() {
        let e = expressions("a ${{ toJSON(secrets) }} b ${{x}}");
        assert_eq!(e, vec![(2, "toJSON(secrets)"), (27, "x")]);
        assert!(is_expression_only(" ${{ secrets.A }} "));
        assert!(!is_expression_only("hunter2"));
        assert!(!is_expression_only("${{ secrets.A }}x"));
    }
}
