//! GitLab CI pipelines (`.gitlab-ci.yml` and included `*.gitlab-ci.yml`), as typed views over a
//! YAML [`Node`] tree.
//!
//! Jobs are read the way GitLab merges them within one file: YAML merge keys (`<<: *anchor`)
//! and `extends:` of jobs in the same file. `include:`d files are scanned on their own, and
//! `!reference` tags are left unresolved, so a job's view can miss keys defined elsewhere; the
//! checks that depend on absence therefore only judge jobs whose relevant keys are all visible.

use super::{Node, Value};

/// Top-level keys that are not jobs.
const GLOBAL_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "types",
    "spec",
];

/// `extends` chains deeper than GitLab's own limit (11) are treated as broken.
const MAX_EXTENDS_DEPTH: usize = 11;

/// The identity of the CI job token of one job.
pub fn job_token_identity(path: &str, job: &str) -> String {
    format!("gitlab-job-token:{path}#{job}")
}

/// One pipeline document.
pub struct Pipeline<'a> {
    pub root: &'a Node,
    pub variables: Option<&'a Node>,
    pub default: Option<&'a Node>,
    pub workflow: Option<&'a Node>,
    pub jobs: Vec<Job<'a>>,
}

/// A job, or a hidden job (`.name`) used as a template.
pub struct Job<'a> {
    pub name: &'a str,
    pub key: &'a Node,
    pub node: &'a Node,
    pub hidden: bool,
}

impl<'a> Pipeline<'a> {
    /// A view of a pipeline document; `None` when the root is not a mapping or is only a CI/CD
    /// component header (`spec:`).
    pub fn parse(root: &'a Node) -> Option<Pipeline<'a>> {
        let pairs = root.as_map()?;
        if pairs.len() == 1 && root.get("spec").is_some() {
            return None;
        }
        let jobs = pairs
            .iter()
            .filter_map(|(k, v)| {
                let name = k.as_str()?;
                if GLOBAL_KEYWORDS.contains(&name) || v.as_map().is_none() {
                    return None;
                }
                Some(Job {
                    name,
                    key: k,
                    node: v,
                    hidden: name.starts_with('.'),
                })
            })
            .collect();
        Some(Pipeline {
            root,
            variables: root.get("variables"),
            default: root.get("default"),
            workflow: root.get("workflow"),
            jobs,
        })
    }

    pub fn job(&self, name: &str) -> Option<&Job<'a>> {
        self.jobs.iter().find(|j| j.name == name)
    }

    /// A key of a job as GitLab resolves it within this file: the job's own key, then merge
    /// keys, then the jobs it `extends` (the last one listed wins).
    pub fn lookup(&self, job: &Job<'a>, key: &str) -> Option<&'a (Node, Node)> {
        self.lookup_in(job.node, key, 0)
    }

    fn lookup_in(&self, node: &'a Node, key: &str, depth: usize) -> Option<&'a (Node, Node)> {
        if depth > MAX_EXTENDS_DEPTH {
            return None;
        }
        if let Some(e) = merged_entry(node, key, 0) {
            return Some(e);
        }
        let parents = merged_entry(node, "extends", 0).map(|(_, v)| v.strings())?;
        for (name, _) in parents.iter().rev() {
            if let Some(parent) = self.job(name) {
                if let Some(e) = self.lookup_in(parent.node, key, depth + 1) {
                    return Some(e);
                }
            }
        }
        None
    }

    /// Whether a job extends a name this file does not define (an included template), so keys
    /// may come from elsewhere.
    pub fn extends_unknown(&self, job: &Job<'a>) -> bool {
        self.extends_unknown_in(job.node, 0)
    }

    fn extends_unknown_in(&self, node: &'a Node, depth: usize) -> bool {
        if depth > MAX_EXTENDS_DEPTH {
            return true;
        }
        let Some((_, v)) = merged_entry(node, "extends", 0) else {
            return false;
        };
        v.strings().iter().any(|(name, _)| match self.job(name) {
            Some(p) => self.extends_unknown_in(p.node, depth + 1),
            None => true,
        })
    }

    /// The script lines a job runs: `before_script` (its own or `default:`'s), `script`, and
    /// `after_script`, flattened. `!reference` entries are not resolved.
    pub fn script_lines(&self, job: &Job<'a>) -> Vec<&'a Node> {
        let mut out = Vec::new();
        for key in ["before_script", "script", "after_script"] {
            let entry = self.lookup(job, key).or_else(|| {
                if key == "script" {
                    None
                } else {
                    self.default
                        .and_then(|d| merged_entry(d, key, 0))
                        .or_else(|| self.root.entry(key))
                }
            });
            if let Some((_, v)) = entry {
                flatten_strings(v, &mut out);
            }
        }
        out
    }

    /// A job's variables: the global ones, overridden by the job's (own, merged or extended).
    pub fn variables(&self, job: &Job<'a>) -> Vec<Variable<'a>> {
        let mut vars = self.variables.map(variables).unwrap_or_default();
        if let Some((_, v)) = self.lookup(job, "variables") {
            for var in variables(v) {
                vars.retain(|x| x.name != var.name);
                vars.push(var);
            }
        }
        vars
    }
}

/// One entry of a `variables:` map.
pub struct Variable<'a> {
    pub name: &'a str,
    pub key: &'a Node,
    /// The value node: the scalar itself, or `value:` of the long form.
    pub value: &'a Node,
}

impl Variable<'_> {
    /// The literal value as text (numbers and booleans included).
    pub fn text(&self) -> Option<String> {
        scalar_text(self.value)
    }
}

/// The entries of a `variables:` map, in both the short (`NAME: value`) and the long
/// (`NAME: {value: …, description: …}`) form.
pub fn variables(node: &Node) -> Vec<Variable<'_>> {
    let Some(pairs) = node.as_map() else {
        return Vec::new();
    };
    pairs
        .iter()
        .filter_map(|(k, v)| {
            let name = k.as_str()?;
            if name == "<<" {
                return None;
            }
            let value = match &v.value {
                Value::Map(_) => v.get("value")?,
                _ => v,
            };
            Some(Variable {
                name,
                key: k,
                value,
            })
        })
        .collect()
}

/// A scalar's text, whatever its YAML type.
pub fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(_, inner) => scalar_text(inner),
        _ => None,
    }
}

/// A map entry, looking through YAML merge keys (`<<: *anchor` or `<<: [*a, *b]`). Own keys win
/// over merged ones, and earlier merged maps over later ones, as in YAML's merge-key rules.
pub fn merged_entry<'a>(node: &'a Node, key: &str, depth: usize) -> Option<&'a (Node, Node)> {
    if let Some(e) = node.entry(key) {
        return Some(e);
    }
    if depth > MAX_EXTENDS_DEPTH {
        return None;
    }
    let merge = node.get("<<")?;
    match &merge.value {
        Value::Map(_) => merged_entry(merge, key, depth + 1),
        Value::Seq(items) => items.iter().find_map(|m| merged_entry(m, key, depth + 1)),
        _ => None,
    }
}

fn flatten_strings<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    match &node.value {
        Value::String(_) => out.push(node),
        Value::Seq(items) => {
            for i in items {
                // Nested lists come from `- *anchor` of a list; `!reference` stays unresolved.
                if let Value::Seq(inner) = &i.value {
                    out.extend(inner.iter().filter(|n| n.as_str().is_some()));
                } else if i.as_str().is_some() && !matches!(i.value, Value::Tagged(..)) {
                    out.push(i);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::yaml;

    const PIPELINE: &str = r#"
variables:
  REGION: eu-west-1
default:
  before_script: [echo default]
.deploy_base: &deploy_base
  stage: deploy
  environment: production
.template:
  variables:
    TOKEN: x
  script: [echo template]
deploy:
  <<: *deploy_base
  extends: .template
  variables:
    REGION: us-east-1
test:
  script:
    - make test
"#;

    #[test]
    fn jobs_merges_and_extends() {
        let docs = yaml::load(PIPELINE.as_bytes()).unwrap();
        let p = Pipeline::parse(&docs[0]).unwrap();
        let names: Vec<_> = p.jobs.iter().map(|j| j.name).collect();
        assert_eq!(names, [".deploy_base", ".template", "deploy", "test"]);
        let deploy = p.job("deploy").unwrap();
        assert_eq!(
            p.lookup(deploy, "environment").unwrap().1.as_str(),
            Some("production")
        );
        let scripts: Vec<_> = p
            .script_lines(deploy)
            .iter()
            .filter_map(|n| n.as_str())
            .collect();
        assert_eq!(scripts, ["echo default", "echo template"]);
        let vars = p.variables(deploy);
        let region = vars.iter().find(|v| v.name == "REGION").unwrap();
        assert_eq!(region.text().as_deref(), Some("us-east-1"));
        assert!(!p.extends_unknown(deploy));
        assert!(p.lookup(p.job("test").unwrap(), "environment").is_none());
    }

    #[test]
    fn long_form_variables_and_component_headers() {
        let docs =
            yaml::load(b"spec:\n  inputs:\n    x:\n---\nvariables:\n  A:\n    value: \"1\"\n    description: d\n")
                .unwrap();
        assert!(Pipeline::parse(&docs[0]).is_none());
        let p = Pipeline::parse(&docs[1]).unwrap();
        let vars = variables(p.variables.unwrap());
        assert_eq!(vars[0].text().as_deref(), Some("1"));
    }
}
