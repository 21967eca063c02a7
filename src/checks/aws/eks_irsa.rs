use super::oidc;
use crate::checks::{Check, CheckInfo, Document, FileKind, Platform};
use crate::declare_check;
use crate::findings::{Confidence, Finding, Severity};
use crate::models::iam::{ConditionTest, Statement};
use crate::models::{cfn, terraform as tf};
use regex::Regex;
use std::sync::OnceLock;

declare_check! {
    /// A role trust policy for EKS IAM Roles for Service Accounts (IRSA) that lets pods assume
    /// the role without pinning the service account in the token's `sub` claim.
    ///
    /// Reported when the trust federates an EKS cluster's OIDC issuer
    /// (`oidc-provider/oidc.eks.<region>.amazonaws.com/id/<cluster id>`, an
    /// `aws_iam_openid_connect_provider` / `AWS::IAM::OIDCProvider` in the same file whose URL
    /// is that issuer or the cluster's `identity[0].oidc[0].issuer` / `OpenIdConnectIssuerUrl`,
    /// or the `oidc_provider_arn` / `oidc_provider` / `cluster_oidc_issuer_url` outputs of an
    /// EKS module) and
    ///
    /// - has no condition on the `<issuer>:sub` claim (an `aud` check for `sts.amazonaws.com`
    ///   is not one) — critical;
    /// - or tests `sub` with `StringLike` against a pattern that leaves the namespace open
    ///   (`*`, `system:serviceaccount:*`, `system:serviceaccount:*:*`, or a wildcard anywhere
    ///   in the namespace, as in `system:serviceaccount:team-*:app`) — critical;
    /// - or against one that admits every service account of a namespace
    ///   (`system:serviceaccount:payments:*`) — medium.
    ///
    /// A `StringLike` pattern is not reported when another test of the statement pins `sub`
    /// exactly (`StringEquals`): the tests must all hold. EKS Pod Identity trusts
    /// (`pods.eks.amazonaws.com` with `sts:AssumeRole` and `sts:TagSession`) are a different
    /// mechanism and not reported here.
    ///
    /// **Why it matters.** The cluster's OIDC issuer signs a token for every service account
    /// that asks for one, in every namespace; any pod can mount a projected token with the
    /// `sts.amazonaws.com` audience. Without a `sub` condition the role belongs to every
    /// workload of the cluster, so one compromised pod, or anyone allowed to create a pod or a
    /// service account anywhere, holds the role's permissions (OWASP NHI6, and NHI9: one
    /// identity shared by every workload).
    ///
    /// **Example.**
    /// ```json
    /// {"Effect": "Allow",
    ///  "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5C1B7A9E0D2F4E6A8B3C5D7E9F1A2B4C"},
    ///  "Action": "sts:AssumeRoleWithWebIdentity",
    ///  "Condition": {"StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/5C1B7A9E0D2F4E6A8B3C5D7E9F1A2B4C:aud": "sts.amazonaws.com"}}}
    /// ```
    ///
    /// **Fix.** Add `"StringEquals": {"oidc.eks.<region>.amazonaws.com/id/<cluster id>:sub":
    /// "system:serviceaccount:<namespace>:<service account>"}`, naming the one service account
    /// whose pods need the role (the `eks.amazonaws.com/role-arn` annotation points it at the
    /// role).
    ///
    /// Not recognised as IRSA: a Federated principal built from values the file does not
    /// resolve (unless a condition key names an `oidc.eks.` issuer), and trust policies written
    /// as a CloudFormation `Fn::Sub` JSON string. Not reported: statements whose `Condition` is
    /// an intrinsic function, or whose condition key the file does not spell out, since either
    /// may hold the `sub` test.
    pub struct EksIrsaUnscoped => EKS_IRSA_UNSCOPED {
        id: "aws-iam-eks-irsa-unscoped",
        name: "EKS IRSA trust does not pin the service account",
        platform: Platform::Aws,
        severity: Severity::Critical,
        confidence: Confidence::High,
        tags: &["NHI6", "NHI9", "NHI5", "CSF:PR.AA-04", "CSF:PR.AA-05"],
    }
}

/// The host prefix of every EKS cluster's OIDC issuer (`oidc.eks.<region>.amazonaws.com`, and
/// `.amazonaws.com.cn` in the China regions).
const EKS_HOST: &str = "oidc.eks.";

/// Whether text holds an EKS issuer host (in an ARN, a URL or a condition key).
fn has_eks_host(text: &str) -> bool {
    text.to_ascii_lowercase().contains(EKS_HOST)
}

/// Outputs of an EKS module that name the cluster's OIDC provider or issuer.
const MODULE_OUTPUTS: &[&str] = &[
    "oidc_provider_arn",
    "oidc_provider",
    "cluster_oidc_issuer_url",
];

/// Whether a principal or provider URL names an EKS cluster's OIDC issuer: the issuer host, a
/// Terraform `aws_eks_cluster`'s `identity` (`identity[0].oidc[0].issuer`), or an OIDC output
/// of an EKS module (a module named `*eks*`, or one of `eks_modules`).
fn names_eks_issuer(text: &str, eks_modules: &[&str]) -> bool {
    static MODULE: OnceLock<Regex> = OnceLock::new();
    if has_eks_host(text) {
        return true;
    }
    let cluster_identity = tf::references(text)
        .iter()
        .any(|r| r.rtype == "aws_eks_cluster" && r.attr.as_deref() == Some("identity"));
    if cluster_identity {
        return true;
    }
    let module = MODULE.get_or_init(|| {
        Regex::new(r"module\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)")
            .unwrap_or_else(|e| unreachable!("static regex: {e}"))
    });
    module.captures_iter(text).any(|c| {
        MODULE_OUTPUTS.contains(&&c[2])
            && (c[1].to_ascii_lowercase().contains("eks") || eks_modules.contains(&&c[1]))
    })
}

/// The Terraform modules of a file whose source is an EKS module, by name.
fn eks_modules<'d>(doc: &'d Document<'_>) -> Vec<&'d str> {
    if doc.kind != FileKind::Terraform {
        return Vec::new();
    }
    let mut names = Vec::new();
    for root in &doc.roots {
        for b in tf::blocks(root).iter() {
            let eks = b.kind == "module"
                && b.str_attr("source")
                    .is_some_and(|s| s.to_ascii_lowercase().contains("eks"));
            if eks {
                names.push(b.rtype);
            }
        }
    }
    names
}

/// A JSON `Condition` that is not spelled out as operator → key → values maps (an `Fn::If`, a
/// parameter): what it tests is unknown.
fn opaque_condition(s: &Statement) -> bool {
    let Some(c) = s.node.get("Condition") else {
        return false;
    };
    let Some(ops) = c.as_map() else {
        return true;
    };
    cfn::intrinsic(c).is_some()
        || ops
            .iter()
            .any(|(_, tests)| tests.as_map().is_none() || cfn::intrinsic(tests).is_some())
}

/// How far a `sub` pattern tested with `StringLike` opens the role. The claim reads
/// `system:serviceaccount:<namespace>:<service account>`.
enum Openness {
    AnyNamespace,
    AnyAccountOf(String),
    Pinned,
}

fn openness(pattern: &str) -> Openness {
    let wild = |s: &str| s.contains(['*', '?']);
    match pattern.splitn(4, ':').collect::<Vec<_>>()[..] {
        [system, kind, namespace, account] if !wild(system) && !wild(kind) => {
            if wild(namespace) {
                Openness::AnyNamespace
            } else if account.starts_with(['*', '?']) {
                Openness::AnyAccountOf(namespace.to_string())
            } else {
                Openness::Pinned
            }
        }
        // `*`, `system:*`, `system:serviceaccount:*`: the namespace is not written out.
        _ if wild(pattern) => Openness::AnyNamespace,
        _ => Openness::Pinned,
    }
}

const ANY_POD: &str = "any service account in any namespace of the cluster";

impl EksIrsaUnscoped {
    fn check_statement(
        &self,
        doc: &Document<'_>,
        t: &oidc::Trust,
        is_eks: &dyn Fn(&str) -> bool,
        providers: &[String],
        out: &mut Vec<Finding>,
    ) {
        let info = &EKS_IRSA_UNSCOPED;
        let (identity, s) = (t.identity, t.statement);
        // A provider the file does not resolve is still EKS's when a condition key names it.
        let keyed_to_eks = || s.conditions.iter().any(|c| has_eks_host(c.key));
        let Some(principal) = oidc::federated(s, is_eks, providers).or_else(|| {
            keyed_to_eks()
                .then(|| oidc::federated(s, |_| true, &[]))
                .flatten()
        }) else {
            return;
        };
        if opaque_condition(s) || s.conditions.iter().any(oidc::unreadable_key) {
            return;
        }
        let subs: Vec<&ConditionTest> = oidc::claims(s, has_eks_host)
            .into_iter()
            .filter(|(claim, _)| claim.eq_ignore_ascii_case("sub"))
            .map(|(_, c)| c)
            .collect();
        // Only the *Like operators interpret wildcards; an exact test pins `sub` on its own.
        let like = |c: &&ConditionTest| c.operator.to_ascii_lowercase().contains("like");
        if subs.is_empty() {
            out.push(t.finding(
                doc,
                info,
                principal.value.node.span,
                format!(
                    "{identity} trusts the EKS cluster's OIDC issuer without a condition on the sub claim: {ANY_POD} can assume it"
                ),
                "no-sub",
                info.severity,
            ));
            return;
        }
        if !subs.iter().all(like) {
            return;
        }
        for c in subs {
            for v in &c.values {
                let Some(pattern) = v.text else { continue };
                let (severity, what) = match openness(pattern) {
                    Openness::Pinned => continue,
                    Openness::AnyNamespace => (info.severity, ANY_POD.to_string()),
                    Openness::AnyAccountOf(ns) => (
                        Severity::Medium,
                        format!("any service account in namespace `{ns}`"),
                    ),
                };
                out.push(t.finding(
                    doc,
                    info,
                    v.node.span,
                    format!("{identity} trusts the EKS cluster's OIDC issuer with sub like {pattern:?}: {what} can assume it"),
                    pattern,
                    severity,
                ));
            }
        }
    }
}

impl Check for EksIrsaUnscoped {
    fn info(&self) -> &'static CheckInfo {
        &EKS_IRSA_UNSCOPED
    }

    fn applies_to(&self, kind: FileKind) -> bool {
        super::holds_iam(kind)
    }

    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>) {
        let modules = eks_modules(doc);
        let is_eks = |t: &str| names_eks_issuer(t, &modules);
        // OIDC providers of the cluster's issuer, so `aws_iam_openid_connect_provider.eks.arn`
        // or a `Ref` to the template's provider is recognised as EKS.
        let providers = oidc::providers(doc, |url| {
            is_eks(url) || url.ends_with("OpenIdConnectIssuerUrl")
        });
        oidc::each_trust(doc, |t| {
            self.check_statement(doc, t, &is_eks, &providers, out)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, run};
    use super::*;

    const ARN: &str = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9";
    const HOST: &str = "oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9";

    /// A one-statement trust policy federating the cluster's issuer, with `condition` as its
    /// `Condition` (JSON text, or empty for none).
    fn trust(condition: &str) -> String {
        let condition = if condition.is_empty() {
            String::new()
        } else {
            format!(",\n   \"Condition\": {condition}")
        };
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [
  {{"Effect": "Allow",
   "Principal": {{"Federated": "{ARN}"}},
   "Action": "sts:AssumeRoleWithWebIdentity"{condition}}}
]}}"#
        )
    }

    #[test]
    fn sub_patterns_are_graded_by_what_they_leave_open() {
        let cases = [
            ("*", Some("critical")),
            ("system:*", Some("critical")),
            ("system:serviceaccount:*", Some("critical")),
            ("system:serviceaccount:*:*", Some("critical")),
            ("system:serviceaccount:team-*:deployer", Some("critical")),
            ("system:serviceaccount:payments:*", Some("medium")),
            ("system:serviceaccount:payments:?*", Some("medium")),
            ("system:serviceaccount:payments:api-*", None),
            ("system:serviceaccount:payments:api", None),
        ];
        for (pattern, expected) in cases {
            let json = trust(&format!(
                r#"{{"StringLike": {{"{HOST}:sub": "{pattern}"}}}}"#
            ));
            let f = run(&EksIrsaUnscoped, "irsa.json", &json);
            let got: Vec<String> = f.iter().map(|f| f.severity.to_string()).collect();
            let want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
            assert_eq!(got, want, "{pattern}");
        }
    }

    #[test]
    fn missing_sub_is_critical_at_the_principal() {
        for condition in [
            String::new(),
            format!(r#"{{"StringEquals": {{"{HOST}:aud": "sts.amazonaws.com"}}}}"#),
            // Excluding one account admits all the others.
            format!(r#"{{"StringNotEquals": {{"{HOST}:sub": "system:serviceaccount:a:b"}}}}"#),
        ] {
            let f = run(&EksIrsaUnscoped, "irsa.json", &trust(&condition));
            assert_eq!(brief(&f), ["3:31 role/irsa critical"], "{condition}");
            assert!(f[0]
                .message
                .contains("without a condition on the sub claim"));
        }
    }

    #[test]
    fn exact_or_unknown_sub_tests_are_not_reported() {
        for condition in [
            format!(
                r#"{{"StringEquals": {{"{HOST}:sub": "system:serviceaccount:kube-system:ebs-csi"}}}}"#
            ),
            // The exact test must hold as well as the wildcard one.
            format!(
                r#"{{"StringEquals": {{"{HOST}:sub": "system:serviceaccount:a:b"}}, "StringLike": {{"{HOST}:sub": "*"}}}}"#
            ),
            // A Condition built by an intrinsic function may hold the sub test.
            r#"{"Fn::If": ["Pinned", {"StringEquals": {}}, {"Ref": "AWS::NoValue"}]}"#.to_string(),
            r#"{"StringEquals": {"Fn::If": ["Pinned", {}, {}]}}"#.to_string(),
        ] {
            let f = run(&EksIrsaUnscoped, "irsa.json", &trust(&condition));
            assert!(f.is_empty(), "{condition}: {:?}", brief(&f));
        }
    }

    #[test]
    fn other_issuers_and_pod_identity_are_not_this_check() {
        let json = r#"{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow",
   "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
   "Action": "sts:AssumeRoleWithWebIdentity"},
  {"Effect": "Allow",
   "Principal": {"Service": "pods.eks.amazonaws.com"},
   "Action": ["sts:AssumeRole", "sts:TagSession"]}
]}"#;
        assert!(run(&EksIrsaUnscoped, "other.json", json).is_empty());
    }

    #[test]
    fn terraform_references_name_the_cluster_issuer() {
        let tf = r#"
module "k8s" {
  source = "terraform-aws-modules/eks/aws"
}
resource "aws_iam_openid_connect_provider" "cluster" {
  url = data.aws_eks_cluster.this.identity[0].oidc[0].issuer
}
resource "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}
data "aws_iam_policy_document" "a" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.cluster.arn]
    }
  }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [module.k8s.oidc_provider_arn]
    }
  }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }
  }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [module.github_oidc.oidc_provider_arn]
    }
  }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "oidc.eks.us-east-1.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.cluster.arn]
    }
    condition {
      test     = "StringEquals"
      variable = local.sub_key
      values   = ["system:serviceaccount:a:b"]
    }
  }
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = data.aws_iam_policy_document.a.json
}
"#;
        let f = run(&EksIrsaUnscoped, "irsa.tf", tf);
        // The cluster's provider, the EKS module's output, and an unresolved provider whose
        // condition keys name the EKS issuer; not GitHub's, nor a key the file leaves unsaid.
        assert_eq!(
            brief(&f),
            [
                "16:22 role/r critical",
                "23:22 role/r critical",
                "44:22 role/r critical"
            ]
        );
    }
}
