use super::oidc;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::ConditionTest;

declare_check! {
    /// A role trust policy that lets GitHub Actions workflows assume the role without pinning
    /// the repository in the token's `sub` claim.
    ///
    /// Reported when the trust federates `token.actions.githubusercontent.com` (as an ARN, or
    /// through an `aws_iam_openid_connect_provider` / `AWS::IAM::OIDCProvider` of that URL in
    /// the same file) and
    ///
    /// - has no condition on the `token.actions.githubusercontent.com:sub` claim (an `aud`
    ///   check alone, or `workflow`/`ref` claims, do not say which repository) — critical;
    /// - or tests `sub` with `StringLike` against a pattern that leaves the owner open
    ///   (`*`, `repo:*`, `repo:*/app:*`) — critical;
    /// - or against one that admits every repository of an owner (`repo:acme/*`) — medium.
    ///
    /// A `repository_owner` condition without `sub` is reported as medium (every repository of
    /// the owner); a pinned `repository` claim is accepted.
    ///
    /// **Why it matters.** GitHub issues an OIDC token to any workflow in any repository that
    /// asks for one. Without a `sub` condition, a workflow in an attacker's repository gets
    /// credentials for the role; with `repo:acme/*`, so does any repository (or fork-driven
    /// workflow) in the organisation (OWASP NHI6).
    ///
    /// **Example.**
    /// ```json
    /// {"Effect": "Allow",
    ///  "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
    ///  "Action": "sts:AssumeRoleWithWebIdentity",
    ///  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}
    /// ```
    ///
    /// **Fix.** Add `"StringEquals": {"token.actions.githubusercontent.com:sub":
    /// "repo:acme/deploy:environment:production"}` (or `ref:refs/heads/main`), one entry per
    /// repository and branch or environment that deploys.
    pub struct GithubOidcUnscoped => GITHUB_OIDC_UNSCOPED {
        id: "aws-iam-github-oidc-unscoped",
        name: "GitHub OIDC trust does not pin the repository",
        platform: Platform::Aws,
        severity: Severity::Critical,
        confidence: Confidence::High,
        tags: &["NHI6", "NHI5", "CSF:PR.AA-04", "CSF:PR.AA-05"],
    }
}

const ISSUER: &str = "token.actions.githubusercontent.com";

/// How far a `sub` pattern tested with `StringLike` opens the role.
enum Openness {
    AnyOwner,
    AnyRepoOf,
    Pinned,
}

fn openness(pattern: &str) -> Openness {
    let Some(rest) = pattern.strip_prefix("repo:") else {
        // `*`, `*:ref:…` and anything not starting with the repository.
        return if pattern.starts_with(['*', '?']) {
            Openness::AnyOwner
        } else {
            Openness::Pinned
        };
    };
    let (owner_repo, _) = rest.split_once(':').unwrap_or((rest, ""));
    let (owner, repo) = owner_repo.split_once('/').unwrap_or((owner_repo, "*"));
    if owner.contains(['*', '?']) {
        Openness::AnyOwner
    } else if repo.starts_with(['*', '?']) {
        Openness::AnyRepoOf
    } else {
        Openness::Pinned
    }
}

impl GithubOidcUnscoped {
    fn check_statement(
        &self,
        doc: &Document<'_>,
        t: &oidc::Trust,
        providers: &[String],
        out: &mut Vec<Finding>,
    ) {
        let info = &GITHUB_OIDC_UNSCOPED;
        let (identity, s) = (t.identity, t.statement);
        let principal = oidc::federated(s, |t| t.contains(ISSUER), providers);
        let claims = oidc::claims(s, |issuer| issuer.to_ascii_lowercase().starts_with(ISSUER));
        let Some(principal) = principal else {
            return;
        };
        let subs: Vec<&ConditionTest> = claims
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("sub"))
            .map(|(_, c)| *c)
            .collect();
        if subs.is_empty() {
            if s.conditions.iter().any(oidc::unreadable_key) {
                return;
            }
            let pinned_repo = claims.iter().any(|(k, _)| {
                k.eq_ignore_ascii_case("repository") || k.eq_ignore_ascii_case("repository_id")
            });
            if pinned_repo {
                return;
            }
            let owner_only = claims
                .iter()
                .any(|(k, _)| k.to_ascii_lowercase().starts_with("repository_owner"));
            let (severity, what) = if owner_only {
                (Severity::Medium, "every repository of the owner it names")
            } else {
                (info.severity, "a workflow in any GitHub repository")
            };
            out.push(t.finding(
                doc,
                info,
                principal.value.node.span,
                format!(
                    "{identity} trusts GitHub Actions OIDC without a condition on the sub claim: {what} can assume it"
                ),
                "no-sub",
                severity,
            ));
            return;
        }
        for c in subs {
            // Only the *Like operators interpret wildcards.
            if !c.operator.to_ascii_lowercase().contains("like") {
                continue;
            }
            for v in &c.values {
                let Some(pattern) = v.text else { continue };
                let (severity, what) = match openness(pattern) {
                    Openness::Pinned => continue,
                    Openness::AnyOwner => (info.severity, "a workflow in any GitHub repository"),
                    Openness::AnyRepoOf => (
                        Severity::Medium,
                        "a workflow in any repository of that owner",
                    ),
                };
                out.push(t.finding(
                    doc,
                    info,
                    v.node.span,
                    format!("{identity} trusts GitHub Actions OIDC with sub like {pattern:?}: {what} can assume it"),
                    pattern,
                    severity,
                ));
            }
        }
    }
}

impl Check for GithubOidcUnscoped {
    fn info(&self) -> &'static CheckInfo {
        &GITHUB_OIDC_UNSCOPED
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        super::holds_iam(kind)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        // OIDC providers of the GitHub issuer, so `aws_iam_openid_connect_provider.gh.arn` or a
        // `Ref` to the template's provider is recognised as GitHub.
        let providers = oidc::providers(doc, |url| url.contains(ISSUER));
        oidc::each_trust(doc, |t| self.check_statement(doc, t, &providers, out));
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, run};
    use super::*;

    #[test]
    fn missing_and_wildcard_sub() {
        let json = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow",
   "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
   "Action": "sts:AssumeRoleWithWebIdentity",
   "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}},
  {"Effect": "Allow",
   "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
   "Action": "sts:AssumeRoleWithWebIdentity",
   "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": ["repo:acme/*", "repo:*", "repo:acme/app:ref:refs/heads/main"]}}}
]}"#;
        let f = run(&GithubOidcUnscoped, "gha-trust.json", json);
        assert_eq!(
            brief(&f),
            [
                "3:31 role/gha-trust critical",
                "9:77 role/gha-trust medium",
                "9:92 role/gha-trust critical"
            ]
        );
    }

    #[test]
    fn terraform_provider_reference_and_pinned_sub() {
        let tf = r#"
resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}
resource "aws_iam_role" "deploy" {
  name = "gha-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
    }]
  })
}
resource "aws_iam_role" "pinned" {
  name = "gha-pinned"
  assume_role_policy = jsonencode({
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:sub" = "repo:acme/deploy:environment:prod" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:acme/deploy:*" }
      }
    }]
  })
}
"#;
        let f = run(&GithubOidcUnscoped, "oidc.tf", tf);
        assert_eq!(brief(&f), ["13:33 role/gha-deploy critical"]);

        // Condition keys built from the provider's URL, or from a local: no finding.
        let tf = r#"
locals {
  gh = "token.actions.githubusercontent.com"
}
data "aws_iam_policy_document" "t" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.gh}:sub"
      values   = ["repo:acme/app:ref:refs/heads/main"]
    }
  }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = local.sub_key
      values   = ["repo:acme/app:ref:refs/heads/main"]
    }
  }
}
"#;
        assert!(run(&GithubOidcUnscoped, "oidc2.tf", tf).is_empty());
    }
}
