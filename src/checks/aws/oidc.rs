//! What the OIDC trust checks share: the Federated principal that names an issuer, the
//! providers a file declares for it, and the claims a trust statement's conditions test.

use super::{material, view, with_grade};
use crate::checks::{CheckInfo, Document, FileKind};
use crate::findings::{Finding, Severity};
use crate::models::iam::{ConditionTest, Effect, PolicyRole, Principal, Statement};
use crate::models::{cfn, terraform as tf, Node, Span, Value};

/// An Allow statement of a role's trust policy: who may assume the role, on what condition.
pub(crate) struct Trust<'v, 'a> {
    /// The role the trust policy belongs to.
    pub identity: &'v str,
    pub statement: &'v Statement<'a>,
}

impl Trust<'_, '_> {
    /// A finding against the role at `at`, of `severity`, fingerprinted by the offending
    /// `value` (a pattern, or a word for what is missing) and the statement id.
    pub fn finding(
        &self,
        doc: &Document<'_>,
        info: &CheckInfo,
        at: Span,
        message: String,
        value: &str,
        severity: Severity,
    ) -> Finding {
        let f = doc.finding(
            info,
            at,
            Some(self.identity.to_string()),
            message,
            &material(self.identity, value, self.statement.sid),
        );
        with_grade(f, (severity, info.confidence))
    }
}

/// Every Allow statement of the trust policies in a file, and `check` run on each.
pub(crate) fn each_trust(doc: &Document<'_>, mut check: impl FnMut(&Trust)) {
    let v = view(doc);
    for p in v.policies.iter().filter(|p| p.role == PolicyRole::Trust) {
        for statement in p
            .policy
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
        {
            check(&Trust {
                identity: &p.identity,
                statement,
            });
        }
    }
}

/// Whether a condition test asserts something (rather than excluding it).
pub(crate) fn positive(c: &ConditionTest) -> bool {
    !c.operator.to_ascii_lowercase().contains("not")
}

/// A condition whose key the file does not spell out (`variable = local.sub_claim`): it may
/// be the `sub` test, so a missing one cannot be asserted.
pub(crate) fn unreadable_key(c: &ConditionTest) -> bool {
    c.key.is_empty()
}

/// The claim (`sub`, `aud`…) of each positive condition test on `<issuer>:<claim>` keys whose
/// issuer `is_issuer` accepts. An issuer written as an interpolation
/// (`"${local.oidc_host}:sub"`) is taken to be the federated one: the statement already names it.
pub(crate) fn claims<'s, 'a>(
    s: &'s Statement<'a>,
    is_issuer: impl Fn(&str) -> bool,
) -> Vec<(&'a str, &'s ConditionTest<'a>)> {
    s.conditions
        .iter()
        .filter(|c| positive(c))
        .filter_map(|c| {
            let (issuer, claim) = c.key.rsplit_once(':')?;
            (is_issuer(issuer) || issuer.contains("${")).then_some((claim, c))
        })
        .collect()
}

/// The first Federated principal of a statement that `names_issuer` accepts, or that is one of
/// the file's `providers` (a Terraform address such as `aws_iam_openid_connect_provider.x`,
/// read as `.arn`, or a CloudFormation logical id).
pub(crate) fn federated<'s, 'a>(
    s: &'s Statement<'a>,
    names_issuer: impl Fn(&str) -> bool,
    providers: &[String],
) -> Option<&'s Principal<'a>> {
    s.principals.iter().find(|p| {
        p.kind.eq_ignore_ascii_case("Federated")
            && p.value
                .text
                .or_else(|| p.value.node.as_expr())
                .or_else(|| cfn::ref_target(p.value.node))
                .is_some_and(|t| {
                    names_issuer(t)
                        || providers
                            .iter()
                            .any(|a| t == a || t.contains(&format!("{a}.")))
                })
    })
}

/// The OIDC identity providers a file declares whose URL `is_issuer_url` accepts: Terraform
/// `aws_iam_openid_connect_provider` addresses and CloudFormation `AWS::IAM::OIDCProvider`
/// logical ids. The URL is read as Terraform writes it (literal, interpolation or expression),
/// or as a CloudFormation literal, `Fn::Sub` template or `Fn::GetAtt` ([`cfn_url_text`]).
pub(crate) fn providers(doc: &Document<'_>, is_issuer_url: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out = Vec::new();
    for root in &doc.roots {
        match doc.kind {
            FileKind::Terraform => {
                for b in tf::resources(root, "aws_iam_openid_connect_provider") {
                    if b.attr("url")
                        .and_then(tf::display)
                        .is_some_and(&is_issuer_url)
                    {
                        out.push(b.address());
                    }
                }
            }
            FileKind::CloudFormation => {
                for r in cfn::resources(root) {
                    let issuer = r.rtype == "AWS::IAM::OIDCProvider"
                        && r.prop("Url")
                            .and_then(cfn_url_text)
                            .is_some_and(&is_issuer_url);
                    if issuer {
                        out.push(r.logical_id.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A CloudFormation URL property as text: a literal or `Fn::Sub` template, or what a
/// `Fn::GetAtt` reads (`Cluster.OpenIdConnectIssuerUrl`, or the attribute of the list form).
fn cfn_url_text(node: &Node) -> Option<&str> {
    cfn::string_or_sub(node).or_else(|| match cfn::intrinsic(node)? {
        ("GetAtt", arg) => match &arg.value {
            Value::String(s) => Some(s.as_str()),
            Value::Seq(items) => items.get(1)?.as_str(),
            _ => None,
        },
        _ => None,
    })
}
