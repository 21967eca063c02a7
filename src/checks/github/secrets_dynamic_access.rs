use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::gha::{expressions, strings, token_identity};
use crate::models::Node;

declare_check! {
    /// An expression reads the whole `secrets` context (`toJSON(secrets)`, `secrets.*`) or
    /// indexes it with a computed name (`secrets[format('{0}_TOKEN', matrix.env)]`).
    ///
    /// **Why it matters.** GitHub only loads into a job the secrets its expressions name. A
    /// dynamic or whole-context read makes the runner receive every secret the workflow can
    /// reach, so any step (or anything a step downloads) can read all of them, and log
    /// masking is the only thing between them and the job's output.
    ///
    /// **Example**
    ///
    /// ```yaml
    ///     steps:
    ///       - run: ./deploy.sh
    ///         env:
    ///           ALL_SECRETS: ${{ toJSON(secrets) }}
    ///       - run: ./publish.sh
    ///         env:
    ///           TOKEN: ${{ secrets[format('{0}_TOKEN', matrix.registry)] }}
    /// ```
    ///
    /// **Fix.** Name each secret the step needs (`${{ secrets.NPM_TOKEN }}`); for a matrix,
    /// map each matrix entry to a named secret or use an environment per target.
    pub struct SecretsDynamicAccess => SECRETS_DYNAMIC_ACCESS {
        id: "gha-secrets-dynamic-access",
        name: "Every secret loaded into a job",
        platform: Platform::GithubActions,
        severity: Severity::Medium,
        confidence: Confidence::High,
        tags: &["NHI5", "NHI2", "CSF:PR.AA-05"],
    }
}

impl Check for SecretsDynamicAccess {
    fn info(&self) -> &'static CheckInfo {
        &SECRETS_DYNAMIC_ACCESS
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        kind == FileKind::GithubWorkflow
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        for w in super::workflows(doc) {
            if let Some(pairs) = w.root.as_map() {
                for (k, v) in pairs {
                    if !matches!(k.as_str(), Some("jobs" | "on")) {
                        self.scan(doc, v, None, out);
                    }
                }
            }
            for job in &w.jobs {
                self.scan(doc, job.node, Some(job.id), out);
            }
        }
    }
}

impl SecretsDynamicAccess {
    fn scan(&self, doc: &Document<'_>, node: &Node, job: Option<&str>, out: &mut Vec<Finding>) {
        for (s, n) in strings(node) {
            for (at, inner) in expressions(s) {
                let Some(why) = whole_context_read(inner) else {
                    continue;
                };
                let raw = &s[at..];
                let raw = &raw[..raw.find("}}").map_or(raw.len(), |i| i + 2)];
                let who = match job {
                    Some(j) => format!("job `{j}`"),
                    None => "every job".to_string(),
                };
                out.push(doc.finding(
                    self.info(),
                    doc.locate(n.span, raw),
                    Some(token_identity(doc.path, job)),
                    format!("`{raw}` {why}: the runner of {who} receives every secret"),
                    &format!("{}:{inner}", job.unwrap_or("")),
                ));
            }
        }
    }
}

/// Why an expression reads every secret, if it does.
fn whole_context_read(inner: &str) -> Option<&'static str> {
    let e: String = inner
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    if e.contains("tojson(secrets)") || e.contains("secrets.*") {
        return Some("reads the whole secrets context");
    }
    let mut rest = e.as_str();
    while let Some(i) = rest.find("secrets[") {
        let after = &rest[i + "secrets[".len()..];
        let literal = ['\'', '"'].iter().any(|q| {
            after
                .strip_prefix(*q)
                .and_then(|a| a.find(*q).map(|j| &a[j + 1..]))
                .is_some_and(|tail| tail.starts_with(']'))
        });
        // `secrets` preceded by an identifier character is another name (`my_secrets[…]`).
        let standalone = i == 0
            || !rest[..i]
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
        if standalone && !literal {
            return Some("indexes secrets with a computed name");
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::whole_context_read;

    #[test]
    fn dynamic_and_literal_indexes() {
        assert!(whole_context_read("toJSON(secrets)").is_some());
        assert!(whole_context_read("toJson( secrets )").is_some());
        assert!(whole_context_read("secrets[matrix.name]").is_some());
        assert!(whole_context_read("secrets[format('{0}_KEY', env.X)]").is_some());
        assert!(whole_context_read("secrets['NPM_TOKEN']").is_none());
        assert!(whole_context_read("secrets.NPM_TOKEN").is_none());
        assert!(whole_context_read("toJSON(github)").is_none());
        assert!(whole_context_read("steps.x.outputs.my_secrets[0]").is_none());
    }
}
