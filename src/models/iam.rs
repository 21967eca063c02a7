//! AWS IAM policy documents from every source ferret reads — standalone policy JSON,
//! CloudFormation / SAM templates, Terraform (`jsonencode`, heredoc JSON,
//! `data "aws_iam_policy_document"`) — in one model, and the effective-policy evaluation the AWS
//! checks share.
//!
//! Semantics, deliberately limited to what one document shows:
//! - a statement grants an action when its `Action` patterns match it (`*` and `?` wildcards,
//!   case-insensitive), or when it has `NotAction` and none of those patterns match;
//! - an explicit `Deny` in the same document that matches the action and covers the allowing
//!   statement's resources removes the grant; a conditional `Deny` only casts doubt on it;
//! - resources are graded: all resources (`*`, `arn:aws:s3:::*`, `role/*`, `NotResource`),
//!   a wildcard subset, or specific (literal ARNs, references such as `${aws_s3_bucket.b.arn}`);
//! - conditions are graded: none, only keys that do not narrow who or what (region, TLS, time),
//!   or constraining.
//!
//! Permission boundaries, SCPs, session policies and other documents attached to the same
//! principal are not visible in one file and are not modelled.

use super::{cfn, terraform as tf, Node, Value};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
    /// Missing or not a literal: never treated as granting.
    Unknown,
}

/// One value of an action, resource, principal or condition list: its text when it is a
/// literal (CloudFormation `Fn::Sub` templates and Terraform interpolations included, as text).
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub text: Option<&'a str>,
    pub node: &'a Node,
}

#[derive(Debug, Clone)]
pub struct Principal<'a> {
    /// `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for `"Principal": "*"`.
    pub kind: &'a str,
    pub value: Item<'a>,
}

#[derive(Debug, Clone)]
pub struct ConditionTest<'a> {
    /// `StringEquals`, `ForAnyValue:StringLike`, …
    pub operator: &'a str,
    /// The condition key (`token.actions.githubusercontent.com:sub`).
    pub key: &'a str,
    pub key_node: &'a Node,
    pub values: Vec<Item<'a>>,
}

#[derive(Debug, Clone)]
pub struct Statement<'a> {
    pub node: &'a Node,
    pub sid: Option<&'a str>,
    pub effect: Effect,
    pub actions: Vec<Item<'a>>,
    /// The list is a `NotAction` (grants everything except it).
    pub not_action: bool,
    /// The `Action` / `NotAction` key.
    pub action_key: Option<&'a Node>,
    pub resources: Vec<Item<'a>>,
    pub not_resource: bool,
    /// Whether `Resource` or `NotResource` is present (trust policies have neither).
    pub has_resource: bool,
    pub principals: Vec<Principal<'a>>,
    pub not_principal: bool,
    pub principal_key: Option<&'a Node>,
    pub conditions: Vec<ConditionTest<'a>>,
}

#[derive(Debug, Clone)]
pub struct Policy<'a> {
    pub node: &'a Node,
    pub statements: Vec<Statement<'a>>,
}

/// How much of the resource space a statement covers, from narrowest to widest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ResourceScope {
    /// Literal ARNs, or values computed elsewhere (references) that name particular resources.
    Specific,
    /// A wildcard that still narrows (`arn:aws:iam::*:role/ci-*`).
    Wildcard,
    /// Every resource, or every resource of a type (`*`, `arn:aws:s3:::*`, `role/*`).
    All,
}

/// How much a statement's `Condition` narrows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Constraint {
    None,
    /// Only keys that do not narrow who can act or on what (TLS, region, time).
    Weak,
    Strong,
}

/// Condition keys that leave a grant as exploitable as without them.
const WEAK_CONDITION_KEYS: &[&str] = &[
    "aws:securetransport",
    "aws:requestedregion",
    "aws:currenttime",
    "aws:epochtime",
    "aws:tokenissuetime",
    "aws:useragent",
    "aws:referer",
];

/// Case-insensitive glob match of an IAM pattern (`*`, `?`) against a name. IAM names are
/// ASCII; other bytes compare exactly.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), name.as_bytes());
    // Iterative matching with single-star backtracking: no recursion, no allocation.
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi].eq_ignore_ascii_case(&s[si])) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// Whether an action pattern is a whole-account wildcard (`*`, `*:*`).
pub fn is_all_actions(pattern: &str) -> bool {
    pattern == "*" || pattern == "*:*"
}

/// The service of a `service:*` pattern (`iam:*` → `iam`).
pub fn service_wildcard(pattern: &str) -> Option<&str> {
    let (svc, rest) = pattern.split_once(':')?;
    (rest == "*" && !svc.is_empty() && !svc.contains(['*', '?'])).then_some(svc)
}

/// Grade one resource value. Interpolations (`${aws_s3_bucket.b.arn}`, `${AWS::AccountId}`,
/// `${aws:username}`) stand for one particular value; only wildcards in the literal text widen.
pub fn resource_scope(resource: &str) -> ResourceScope {
    let text = substitute_interpolations(resource);
    if text == "*" {
        return ResourceScope::All;
    }
    if resource.starts_with("${") {
        // The whole ARN comes from elsewhere (`"${aws_s3_bucket.b.arn}/*"`): one resource
        // and what lies beneath it.
        return ResourceScope::Specific;
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    if parts.len() == 6 && parts[0] == "arn" {
        let (service, id) = (parts[2], parts[5]);
        // `role/*`, `function:*`: every resource of a type. S3 ids have no type prefix, so
        // `bucket/*` is one bucket's objects.
        let every_of_type = if service == "s3" {
            id == "*/*"
        } else {
            id.split_once(['/', ':'])
                .is_some_and(|(ty, rest)| !ty.contains(['*', '?']) && rest == "*")
        };
        if id == "*" || every_of_type {
            return ResourceScope::All;
        }
        // A wildcard account or region alone does not widen an identity policy: other
        // accounts' resources are reachable only if they trust the caller anyway.
        if id.contains(['*', '?']) {
            return ResourceScope::Wildcard;
        }
        return ResourceScope::Specific;
    }
    if text.contains(['*', '?']) {
        ResourceScope::Wildcard
    } else {
        ResourceScope::Specific
    }
}

/// Whether a resource value can match resources of `action` at all: an ARN of another service
/// (`arn:aws:s3:::bucket/*` for `iam:PassRole`) authorises nothing for it.
pub fn resource_applies(resource: &str, action: &str) -> bool {
    let Some(rest) = resource.strip_prefix("arn:") else {
        return true;
    };
    let Some(service) = rest.split(':').nth(1) else {
        return true;
    };
    if service.contains(['*', '?', '$']) {
        return true;
    }
    let action_service = action.split(':').next().unwrap_or("");
    let service = service.to_ascii_lowercase();
    let action_service = action_service.to_ascii_lowercase();
    // Actions whose resources live in another service's namespace.
    let borrowed = matches!(
        (action_service.as_str(), service.as_str()),
        ("ssm", "ec2") | ("ec2-instance-connect", "ec2") | ("sts", "iam")
    );
    service == action_service || borrowed
}

/// Replace every `${…}` with a placeholder that is neither a wildcard nor a separator.
fn substitute_interpolations(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("${") {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        out.push('X');
        match rest[i..].find('}') {
            Some(j) => rest = &rest[i + j + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.into()
}

impl<'a> Statement<'a> {
    /// Whether the statement's action clause covers the concrete `action`.
    pub fn covers_action(&self, action: &str) -> bool {
        let matched = self
            .actions
            .iter()
            .any(|i| i.text.is_some_and(|p| glob_match(p, action)));
        if self.not_action {
            // An unreadable NotAction entry might exclude the action: do not claim it.
            !matched && self.actions.iter().all(|i| i.text.is_some())
        } else {
            matched
        }
    }

    /// The action entry that grants `action` (none for `NotAction`).
    pub fn matching_item(&self, action: &str) -> Option<Item<'a>> {
        if self.not_action {
            return None;
        }
        self.actions
            .iter()
            .find(|i| i.text.is_some_and(|p| glob_match(p, action)))
            .copied()
    }

    /// The widest scope of the statement's resources that can apply to `action`, or `None`
    /// when none can (every resource is an ARN of another service).
    pub fn scope_for(&self, action: &str) -> Option<ResourceScope> {
        if !self.has_resource || self.not_resource {
            return Some(ResourceScope::All);
        }
        self.resources
            .iter()
            .filter(|r| r.text.is_none_or(|t| resource_applies(t, action)))
            .map(|r| r.text.map_or(ResourceScope::Specific, resource_scope))
            .max()
    }

    /// The widest resource scope of the statement.
    pub fn scope(&self) -> ResourceScope {
        if !self.has_resource || self.not_resource {
            return ResourceScope::All;
        }
        self.resources
            .iter()
            .map(|r| r.text.map_or(ResourceScope::Specific, resource_scope))
            .max()
            .unwrap_or(ResourceScope::Specific)
    }

    pub fn constraint(&self) -> Constraint {
        if self.conditions.is_empty() {
            return Constraint::None;
        }
        let weak = self
            .conditions
            .iter()
            .all(|c| WEAK_CONDITION_KEYS.contains(&c.key.to_ascii_lowercase().as_str()));
        if weak {
            Constraint::Weak
        } else {
            Constraint::Strong
        }
    }

    /// Whether this (Deny) statement's resources include everything `allow` grants on.
    fn covers_resources_of(&self, allow: &Statement) -> bool {
        if self.not_resource {
            return false;
        }
        if !self.has_resource || self.resources.iter().any(|r| r.text == Some("*")) {
            return true;
        }
        if allow.not_resource || !allow.has_resource || allow.resources.is_empty() {
            return false;
        }
        allow.resources.iter().all(|r| {
            r.text.is_some_and(|ar| {
                self.resources
                    .iter()
                    .any(|d| d.text.is_some_and(|dp| glob_match(dp, ar)))
            })
        })
    }

    /// Whether this statement's action clause covers every action an allow `pattern` can match.
    fn covers_pattern(&self, pattern: &str) -> bool {
        if self.not_action {
            return false;
        }
        let pattern = pattern.to_ascii_lowercase();
        self.actions.iter().any(|d| {
            d.text.is_some_and(|d| {
                let d = d.to_ascii_lowercase();
                if d == pattern || is_all_actions(&d) {
                    return true;
                }
                // `iam:*` covers `iam:Create*`: a trailing star over a prefix of the pattern.
                match d.strip_suffix('*') {
                    Some(prefix) if !prefix.contains(['*', '?']) => pattern.starts_with(prefix),
                    _ => false,
                }
            })
        })
    }
}

/// Whether and how a Deny in the same document takes an allowed action away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    No,
    /// A Deny with conditions covers it: removed only when they hold.
    Conditionally,
    Fully,
}

/// An Allow statement's grant of an action that survives the document's Deny statements.
#[derive(Debug, Clone)]
pub struct Grant<'p, 'a> {
    pub statement: &'p Statement<'a>,
    /// The action entry that grants it; `None` when it comes from a `NotAction`.
    pub item: Option<Item<'a>>,
    pub scope: ResourceScope,
    pub constraint: Constraint,
    /// A conditional Deny may remove it.
    pub doubtful: bool,
}

impl<'a> Policy<'a> {
    /// A policy document shaped like IAM JSON (standalone, CloudFormation, Terraform
    /// `jsonencode` or heredoc): a map with a `Statement` map or list.
    pub fn from_json(node: &'a Node) -> Option<Policy<'a>> {
        let st = get_ci(node, "Statement")?;
        let statements = match &st.value {
            Value::Seq(items) => items.iter().filter_map(statement_from_json).collect(),
            _ => match st.as_seq() {
                Some(items) => items.iter().filter_map(statement_from_json).collect(),
                None => statement_from_json(st).into_iter().collect(),
            },
        };
        Some(Policy { node, statements })
    }

    /// A Terraform `data "aws_iam_policy_document"` block.
    pub fn from_tf_document(block: &'a Node) -> Policy<'a> {
        Policy {
            node: block,
            statements: block.get_all("statement").map(statement_from_tf).collect(),
        }
    }

    /// Allow grants of `action` that no unconditional Deny in the document removes.
    pub fn grants<'p>(&'p self, action: &str) -> Vec<Grant<'p, 'a>> {
        let mut out = Vec::new();
        let denies: Vec<&Statement> = self
            .statements
            .iter()
            .filter(|d| d.effect == Effect::Deny && d.covers_action(action))
            .collect();
        for s in &self.statements {
            if s.effect != Effect::Allow || !s.covers_action(action) {
                continue;
            }
            let Some(scope) = s.scope_for(action) else {
                continue;
            };
            let mut denied = Denied::No;
            for d in denies.iter().filter(|d| d.covers_resources_of(s)) {
                denied = max_denied(denied, d);
            }
            if denied == Denied::Fully {
                continue;
            }
            out.push(Grant {
                statement: s,
                item: s.matching_item(action),
                scope,
                constraint: s.constraint(),
                doubtful: denied == Denied::Conditionally,
            });
        }
        out
    }

    /// Whether Deny statements take away everything an allow `pattern` in `allow` grants.
    pub fn pattern_denied(&self, pattern: &str, allow: &Statement) -> Denied {
        let mut denied = Denied::No;
        for d in &self.statements {
            if d.effect == Effect::Deny && d.covers_pattern(pattern) && d.covers_resources_of(allow)
            {
                denied = max_denied(denied, d);
            }
        }
        denied
    }

    /// Whether the document is a trust (assume-role) policy: principals and `sts:AssumeRole*`.
    pub fn looks_like_trust(&self) -> bool {
        let allows: Vec<&Statement> = self
            .statements
            .iter()
            .filter(|s| s.effect == Effect::Allow)
            .collect();
        !allows.is_empty()
            && allows.iter().all(|s| {
                !s.principals.is_empty()
                    && s.actions.iter().all(|a| {
                        a.text
                            .is_some_and(|t| t.to_ascii_lowercase().starts_with("sts:"))
                    })
            })
    }

    /// Whether any statement names a principal (a resource or trust policy rather than an
    /// identity policy).
    pub fn has_principals(&self) -> bool {
        self.statements
            .iter()
            .any(|s| !s.principals.is_empty() || s.not_principal)
    }
}

fn max_denied(current: Denied, deny: &Statement) -> Denied {
    if deny.conditions.is_empty() {
        Denied::Fully
    } else if current == Denied::No {
        Denied::Conditionally
    } else {
        current
    }
}

fn entry_ci<'a>(node: &'a Node, key: &str) -> Option<&'a (Node, Node)> {
    node.as_map()?
        .iter()
        .find(|(k, _)| k.as_str().is_some_and(|s| s.eq_ignore_ascii_case(key)))
}

fn get_ci<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    entry_ci(node, key).map(|(_, v)| v)
}

/// The text of a literal, a CloudFormation `Fn::Sub` template, or a Terraform string.
fn item_text(node: &Node) -> Option<&str> {
    match &node.value {
        Value::String(s) => Some(s),
        _ => cfn::string_or_sub(node),
    }
}

/// The values of a string-or-list field. Non-literal entries (references, `Fn::If`, variables)
/// are kept with no text so callers can tell "unknown" from "absent".
pub fn items(node: &Node) -> Vec<Item<'_>> {
    match &node.value {
        Value::Seq(list) => list
            .iter()
            .map(|n| Item {
                text: item_text(n),
                node: n,
            })
            .collect(),
        Value::Tagged(tag, inner)
            if matches!(tag.as_str(), "jsonencode" | "tolist" | "toset" | "json") =>
        {
            items(inner)
        }
        _ => vec![Item {
            text: item_text(node),
            node,
        }],
    }
}

fn effect_of(node: Option<&Node>, default: Effect) -> Effect {
    match node {
        None => default,
        Some(n) => match n.as_str() {
            Some(s) if s.eq_ignore_ascii_case("allow") => Effect::Allow,
            Some(s) if s.eq_ignore_ascii_case("deny") => Effect::Deny,
            _ => Effect::Unknown,
        },
    }
}

fn statement_from_json(node: &Node) -> Option<Statement<'_>> {
    node.as_map()?;
    let (actions, not_action, action_key) = match entry_ci(node, "Action") {
        Some((k, v)) => (items(v), false, Some(k)),
        None => match entry_ci(node, "NotAction") {
            Some((k, v)) => (items(v), true, Some(k)),
            None => (Vec::new(), false, None),
        },
    };
    let (resources, not_resource, has_resource) = match get_ci(node, "Resource") {
        Some(v) => (items(v), false, true),
        None => match get_ci(node, "NotResource") {
            Some(v) => (items(v), true, true),
            None => (Vec::new(), false, false),
        },
    };
    let (principal_entry, not_principal) = match entry_ci(node, "Principal") {
        Some(e) => (Some(e), false),
        None => (entry_ci(node, "NotPrincipal"), true),
    };
    let mut principals = Vec::new();
    if let Some((_, p)) = principal_entry {
        match p.as_map() {
            Some(kinds) => {
                for (k, v) in kinds {
                    let kind = k.as_str().unwrap_or("");
                    principals.extend(items(v).into_iter().map(|value| Principal { kind, value }));
                }
            }
            None => principals.push(Principal {
                kind: "*",
                value: Item {
                    text: item_text(p),
                    node: p,
                },
            }),
        }
    }
    let mut conditions = Vec::new();
    if let Some(ops) = get_ci(node, "Condition").and_then(Node::as_map) {
        for (op, tests) in ops {
            let operator = op.as_str().unwrap_or("");
            for (k, v) in tests.as_map().unwrap_or(&[]) {
                conditions.push(ConditionTest {
                    operator,
                    key: k.as_str().unwrap_or(""),
                    key_node: k,
                    values: items(v),
                });
            }
        }
    }
    Some(Statement {
        node,
        sid: get_ci(node, "Sid").and_then(Node::as_str),
        effect: effect_of(get_ci(node, "Effect"), Effect::Unknown),
        actions,
        not_action,
        action_key,
        resources,
        not_resource,
        has_resource,
        principals,
        not_principal: not_principal && principal_entry.is_some(),
        principal_key: principal_entry.map(|(k, _)| k),
        conditions,
    })
}

fn statement_from_tf(node: &Node) -> Statement<'_> {
    let (actions, not_action, action_key) = match node.entry("actions") {
        Some((k, v)) => (items(v), false, Some(k)),
        None => match node.entry("not_actions") {
            Some((k, v)) => (items(v), true, Some(k)),
            None => (Vec::new(), false, None),
        },
    };
    let (resources, not_resource, has_resource) = match node.get("resources") {
        Some(v) => (items(v), false, true),
        None => match node.get("not_resources") {
            Some(v) => (items(v), true, true),
            None => (Vec::new(), false, false),
        },
    };
    let mut principals = Vec::new();
    let mut principal_key = None;
    let mut not_principal = false;
    for (name, negated) in [("principals", false), ("not_principals", true)] {
        for p in node.get_all(name) {
            principal_key.get_or_insert(p);
            not_principal |= negated;
            let kind = p.get("type").and_then(Node::as_str).unwrap_or("");
            if let Some(ids) = p.get("identifiers") {
                principals.extend(
                    items(ids)
                        .into_iter()
                        .map(|value| Principal { kind, value }),
                );
            }
        }
    }
    // Point principal findings at the `principals` block key rather than its body.
    let principal_key = principal_key.and_then(|_| {
        node.as_map()?
            .iter()
            .find(|(k, _)| matches!(k.as_str(), Some("principals" | "not_principals")))
            .map(|(k, _)| k)
    });
    let conditions = node
        .get_all("condition")
        .map(|c| {
            let key_node = c.get("variable").unwrap_or(c);
            ConditionTest {
                operator: c.get("test").and_then(Node::as_str).unwrap_or(""),
                key: key_node.as_str().unwrap_or(""),
                key_node,
                values: c.get("values").map(items).unwrap_or_default(),
            }
        })
        .collect();
    Statement {
        node,
        sid: node.get("sid").and_then(tf::literal),
        // Terraform's policy document defaults `effect` to Allow.
        effect: effect_of(node.get("effect"), Effect::Allow),
        actions,
        not_action,
        action_key,
        resources,
        not_resource,
        has_resource,
        principals,
        not_principal,
        principal_key,
        conditions,
    }
}

// ---------------------------------------------------------------------------------------------
// Collecting policies from a file, with the identity each one grants to.

/// What a policy document does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyRole {
    /// An identity policy: what its holder may do.
    Permissions,
    /// A role's trust policy: who may assume it.
    Trust,
    /// A resource policy (bucket, key, secret…): not evaluated by the grant checks.
    Resource,
}

/// A policy found in a file, with who holds it.
#[derive(Debug, Clone)]
pub struct PolicyInstance<'a> {
    pub policy: Policy<'a>,
    pub role: PolicyRole,
    /// The identity the grant concerns: the one role, user or group holding the policy, else
    /// the policy itself (docs/json-output.md lists the forms).
    pub identity: String,
    /// Every holder the file attaches the policy to.
    pub holders: Vec<String>,
}

/// An AWS-managed policy attached by ARN (`arn:aws:iam::aws:policy/AdministratorAccess`) or, in
/// SAM, by name.
#[derive(Debug, Clone)]
pub struct ManagedAttachment<'a> {
    /// The managed policy's name (`AdministratorAccess`).
    pub name: &'a str,
    pub node: &'a Node,
    pub identity: String,
}

/// All IAM policies and managed-policy attachments in one file.
#[derive(Debug, Default)]
pub struct IamView<'a> {
    pub policies: Vec<PolicyInstance<'a>>,
    pub attachments: Vec<ManagedAttachment<'a>>,
}

/// The name of an AWS-managed policy from its ARN (any partition), or a bare SAM policy name.
pub fn aws_managed_policy_name(arn: &str) -> Option<&str> {
    if !arn.contains(':') {
        return (!arn.is_empty() && !arn.contains(['$', '/', ' '])).then_some(arn);
    }
    let (_, rest) = arn.split_once(":iam::aws:policy/")?;
    rest.rsplit('/').next()
}

/// Where a file's policies come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A standalone policy document.
    PolicyJson,
    CloudFormation,
    Terraform,
}

pub fn collect<'a>(source: Source, roots: &'a [Node], path: &str) -> IamView<'a> {
    let mut view = IamView::default();
    for root in roots {
        match source {
            Source::PolicyJson => collect_standalone(root, path, &mut view),
            Source::CloudFormation => collect_cfn(root, &mut view),
            Source::Terraform => collect_terraform(root, &mut view),
        }
    }
    view
}

fn infer_role(p: &Policy) -> PolicyRole {
    if p.looks_like_trust() {
        PolicyRole::Trust
    } else if p.has_principals() {
        PolicyRole::Resource
    } else {
        PolicyRole::Permissions
    }
}

fn collect_standalone<'a>(root: &'a Node, path: &str, view: &mut IamView<'a>) {
    let details = ["RoleDetailList", "UserDetailList", "GroupDetailList"]
        .iter()
        .any(|k| get_ci(root, k).is_some());
    if details && get_ci(root, "Statement").is_none() {
        collect_authorization_details(root, view);
        return;
    }
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .split('.')
        .next()
        .unwrap_or(path);
    // The document itself, or one wrapped by an API response (`{"PolicyVersion": {"Document":
    // …}}`, `{"PolicyDocument": …}`).
    let mut docs = Vec::new();
    find_documents(root, 0, &mut docs);
    for (node, name) in docs {
        let Some(policy) = Policy::from_json(node) else {
            continue;
        };
        let role = match name {
            Some(k) if k.eq_ignore_ascii_case("AssumeRolePolicyDocument") => PolicyRole::Trust,
            _ => infer_role(&policy),
        };
        let identity = match role {
            PolicyRole::Trust => format!("role/{stem}"),
            _ => format!("policy/{stem}"),
        };
        view.policies.push(PolicyInstance {
            policy,
            role,
            identity,
            holders: Vec::new(),
        });
    }
}

/// Policy documents at or under `node` (a few levels: API responses wrap them), with the key
/// that holds each one.
fn find_documents<'a>(node: &'a Node, depth: usize, out: &mut Vec<(&'a Node, Option<&'a str>)>) {
    if depth == 0 && get_ci(node, "Statement").is_some() {
        out.push((node, None));
        return;
    }
    if depth >= 3 {
        return;
    }
    for (k, v) in node.as_map().unwrap_or(&[]) {
        let Some(key) = k.as_str() else { continue };
        if key.ends_with("Document") && get_ci(v, "Statement").is_some() {
            out.push((v, Some(key)));
        } else if v.as_map().is_some() {
            find_documents(v, depth + 1, out);
        }
    }
}

/// `aws iam get-account-authorization-details` output: every role, user and group of an
/// account with its inline policies, trust policy and attached managed policies, and the
/// customer-managed policies with their versions. Identities are the real ARNs.
fn collect_authorization_details<'a>(root: &'a Node, view: &mut IamView<'a>) {
    let list = |key: &str| get_ci(root, key).and_then(Node::as_seq).unwrap_or(&[]);
    let name_of = |n: &'a Node, prefix: &str, key: &str| -> String {
        get_ci(n, "Arn")
            .and_then(Node::as_str)
            .map(str::to_string)
            .or_else(|| {
                get_ci(n, key)
                    .and_then(Node::as_str)
                    .map(|s| format!("{prefix}/{s}"))
            })
            .unwrap_or_else(|| format!("{prefix}/?"))
    };
    // Customer-managed policy ARN → holders.
    let mut holders: HashMap<&str, Vec<String>> = HashMap::new();
    for (key, prefix, name_key, inline) in [
        ("RoleDetailList", "role", "RoleName", "RolePolicyList"),
        ("UserDetailList", "user", "UserName", "UserPolicyList"),
        ("GroupDetailList", "group", "GroupName", "GroupPolicyList"),
    ] {
        for entity in list(key) {
            let identity = name_of(entity, prefix, name_key);
            if let Some(doc) = get_ci(entity, "AssumeRolePolicyDocument") {
                push_doc(
                    view,
                    doc,
                    PolicyRole::Trust,
                    vec![identity.clone()],
                    identity.clone(),
                );
            }
            for p in get_ci(entity, inline).and_then(Node::as_seq).unwrap_or(&[]) {
                if let Some(doc) = get_ci(p, "PolicyDocument") {
                    push_doc(
                        view,
                        doc,
                        PolicyRole::Permissions,
                        vec![identity.clone()],
                        identity.clone(),
                    );
                }
            }
            for a in get_ci(entity, "AttachedManagedPolicies")
                .and_then(Node::as_seq)
                .unwrap_or(&[])
            {
                let Some((arn_node, arn)) =
                    get_ci(a, "PolicyArn").and_then(|n| Some((n, n.as_str()?)))
                else {
                    continue;
                };
                if arn.contains(":iam::aws:policy/") {
                    if let Some(name) = aws_managed_policy_name(arn) {
                        view.attachments.push(ManagedAttachment {
                            name,
                            node: arn_node,
                            identity: identity.clone(),
                        });
                    }
                } else {
                    holders.entry(arn).or_default().push(identity.clone());
                }
            }
        }
    }
    for p in list("Policies") {
        let arn = get_ci(p, "Arn").and_then(Node::as_str).unwrap_or("");
        let hs = holders.get(arn).cloned().unwrap_or_default();
        let identity = identity_for(&hs, name_of(p, "policy", "PolicyName"));
        for v in get_ci(p, "PolicyVersionList")
            .and_then(Node::as_seq)
            .unwrap_or(&[])
        {
            // Only the default version grants anything.
            if !matches!(
                get_ci(v, "IsDefaultVersion").map(|n| &n.value),
                Some(Value::Bool(true))
            ) {
                continue;
            }
            if let Some(doc) = get_ci(v, "Document") {
                push_doc(
                    view,
                    doc,
                    PolicyRole::Permissions,
                    hs.clone(),
                    identity.clone(),
                );
            }
        }
    }
}

fn identity_for(holders: &[String], fallback: String) -> String {
    match holders {
        [one] => one.clone(),
        _ => fallback,
    }
}

// --- CloudFormation ---

fn cfn_identity(r: &cfn::Resource) -> String {
    let (prefix, name_prop) = match r.rtype {
        "AWS::IAM::Role" => ("role", "RoleName"),
        "AWS::IAM::User" => ("user", "UserName"),
        "AWS::IAM::Group" => ("group", "GroupName"),
        "AWS::IAM::ManagedPolicy" => ("policy", "ManagedPolicyName"),
        "AWS::IAM::Policy" => ("policy", "PolicyName"),
        "AWS::Serverless::Function" => ("function", "FunctionName"),
        "AWS::Serverless::StateMachine" => ("statemachine", "Name"),
        _ => return r.logical_id.to_string(),
    };
    let name = r
        .prop(name_prop)
        .and_then(item_text)
        .unwrap_or(r.logical_id);
    format!("{prefix}/{name}")
}

/// A `Roles`/`Users`/`Groups`/`RoleName` value: a `Ref` to a resource in the template, or a name.
pub fn cfn_principal(all: &[cfn::Resource], prefix: &str, node: &Node) -> String {
    if let Some(target) = cfn::ref_target(node) {
        if let Some(r) = all.iter().find(|r| r.logical_id == target) {
            return cfn_identity(r);
        }
        return format!("{prefix}/{target}");
    }
    match item_text(node) {
        Some(name) if name.starts_with("arn:") => name.to_string(),
        Some(name) => format!("{prefix}/{name}"),
        None => format!("{prefix}/?"),
    }
}

fn cfn_holders(all: &[cfn::Resource], r: &cfn::Resource) -> Vec<String> {
    let mut out = Vec::new();
    for (prop, prefix) in [("Roles", "role"), ("Users", "user"), ("Groups", "group")] {
        if let Some(list) = r.prop(prop).and_then(Node::as_seq) {
            out.extend(list.iter().map(|n| cfn_principal(all, prefix, n)));
        }
    }
    for (prop, prefix) in [
        ("RoleName", "role"),
        ("UserName", "user"),
        ("GroupName", "group"),
    ] {
        if let Some(n) = r.prop(prop) {
            out.push(cfn_principal(all, prefix, n));
        }
    }
    out
}

fn push_doc<'a>(
    view: &mut IamView<'a>,
    doc: &'a Node,
    role: PolicyRole,
    holders: Vec<String>,
    identity: String,
) {
    if let Some(policy) = Policy::from_json(doc) {
        view.policies.push(PolicyInstance {
            policy,
            role,
            identity,
            holders,
        });
    }
}

fn collect_cfn<'a>(root: &'a Node, view: &mut IamView<'a>) {
    let all = cfn::resources(root);
    for r in &all {
        let identity = cfn_identity(r);
        match r.rtype {
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => {
                if let Some(doc) = r.prop("AssumeRolePolicyDocument") {
                    push_doc(
                        view,
                        doc,
                        PolicyRole::Trust,
                        vec![identity.clone()],
                        identity.clone(),
                    );
                }
                for p in r.prop("Policies").and_then(Node::as_seq).unwrap_or(&[]) {
                    if let Some(doc) = p.get("PolicyDocument") {
                        push_doc(
                            view,
                            doc,
                            PolicyRole::Permissions,
                            vec![identity.clone()],
                            identity.clone(),
                        );
                    }
                }
                for arn in r.prop("ManagedPolicyArns").map(items).unwrap_or_default() {
                    if let Some(name) = arn.text.and_then(aws_managed_policy_name) {
                        view.attachments.push(ManagedAttachment {
                            name,
                            node: arn.node,
                            identity: identity.clone(),
                        });
                    }
                }
            }
            "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::RolePolicy"
            | "AWS::IAM::UserPolicy"
            | "AWS::IAM::GroupPolicy" => {
                if let Some(doc) = r.prop("PolicyDocument") {
                    let holders = cfn_holders(&all, r);
                    let id = identity_for(&holders, identity.clone());
                    push_doc(view, doc, PolicyRole::Permissions, holders, id);
                }
            }
            "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
                let Some(policies) = r.prop("Policies") else {
                    continue;
                };
                for p in items(policies) {
                    if let Some(name) = p.text.and_then(aws_managed_policy_name) {
                        view.attachments.push(ManagedAttachment {
                            name,
                            node: p.node,
                            identity: identity.clone(),
                        });
                    } else if get_ci(p.node, "Statement").is_some() {
                        push_doc(
                            view,
                            p.node,
                            PolicyRole::Permissions,
                            vec![identity.clone()],
                            identity.clone(),
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

// --- Terraform ---

fn tf_prefix(rtype: &str) -> Option<&'static str> {
    Some(match rtype {
        "aws_iam_role" => "role",
        "aws_iam_user" => "user",
        "aws_iam_group" => "group",
        "aws_iam_policy" => "policy",
        _ => return None,
    })
}

fn tf_identity(b: &tf::Block) -> String {
    let Some(prefix) = tf_prefix(b.rtype) else {
        return b.address();
    };
    if let Some(name) = b.attr("name").and_then(tf::display) {
        return format!("{prefix}/{name}");
    }
    if let Some(p) = b.attr("name_prefix").and_then(tf::display) {
        return format!("{prefix}/{p}*");
    }
    b.address()
}

/// A `role`/`user`/`group` attribute: a reference to a resource in the file, or a name.
pub fn tf_principal(all: &tf::Blocks, prefix: &str, node: &Node) -> String {
    if let Some(name) = tf::literal(node) {
        return if name.starts_with("arn:") {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
    }
    for r in tf::node_references(node) {
        if let Some(b) = tf::resolve(all, &r) {
            if tf_prefix(b.rtype).is_some() {
                return tf_identity(&b);
            }
        }
    }
    format!("{prefix}/{}", tf::display(node).unwrap_or("?"))
}

fn collect_terraform<'a>(root: &'a Node, view: &mut IamView<'a>) {
    let all = tf::blocks(root);
    let resources: Vec<&tf::Block> = all.iter().filter(|b| b.kind == "resource").collect();

    // Who holds each customer-managed policy, and which AWS-managed policies are attached.
    let mut policy_holders: HashMap<String, Vec<String>> = HashMap::new();
    let mut attach = |view: &mut IamView<'a>, holder: String, arn: &'a Node| {
        for a in items(arn) {
            if let Some(name) = a
                .text
                .filter(|t| !t.contains("${"))
                .and_then(aws_managed_policy_name)
            {
                if a.text.is_some_and(|t| t.contains(":iam::aws:policy/")) {
                    view.attachments.push(ManagedAttachment {
                        name,
                        node: a.node,
                        identity: holder.clone(),
                    });
                }
                continue;
            }
            for r in tf::node_references(a.node) {
                if r.rtype == "aws_iam_policy" {
                    policy_holders
                        .entry(format!("{}.{}", r.rtype, r.name))
                        .or_default()
                        .push(holder.clone());
                }
            }
        }
    };
    for b in &resources {
        let single = |attr: &str, prefix: &str| b.attr(attr).map(|n| tf_principal(&all, prefix, n));
        match b.rtype {
            "aws_iam_role_policy_attachment" => {
                if let (Some(h), Some(arn)) = (single("role", "role"), b.attr("policy_arn")) {
                    attach(view, h, arn);
                }
            }
            "aws_iam_user_policy_attachment" => {
                if let (Some(h), Some(arn)) = (single("user", "user"), b.attr("policy_arn")) {
                    attach(view, h, arn);
                }
            }
            "aws_iam_group_policy_attachment" => {
                if let (Some(h), Some(arn)) = (single("group", "group"), b.attr("policy_arn")) {
                    attach(view, h, arn);
                }
            }
            "aws_iam_policy_attachment" => {
                let Some(arn) = b.attr("policy_arn") else {
                    continue;
                };
                for (attr, prefix) in [("roles", "role"), ("users", "user"), ("groups", "group")] {
                    for h in b.attr(attr).map(items).unwrap_or_default() {
                        attach(view, tf_principal(&all, prefix, h.node), arn);
                    }
                }
            }
            "aws_iam_role" => {
                if let Some(arns) = b.attr("managed_policy_arns") {
                    attach(view, tf_identity(b), arns);
                }
            }
            _ => {}
        }
    }

    // Inline documents, and which data documents are used where.
    let mut data_usage: HashMap<String, Vec<(PolicyRole, String, Vec<String>)>> = HashMap::new();
    let mut add = |view: &mut IamView<'a>,
                   node: &'a Node,
                   role: PolicyRole,
                   identity: String,
                   holders: Vec<String>| {
        if let Some(policy) = Policy::from_json(node) {
            view.policies.push(PolicyInstance {
                policy,
                role,
                identity,
                holders,
            });
            return;
        }
        for r in tf::node_references(node) {
            if r.kind == "data" && r.rtype == "aws_iam_policy_document" {
                data_usage
                    .entry(format!("data.{}.{}", r.rtype, r.name))
                    .or_default()
                    .push((role, identity.clone(), holders.clone()));
            }
        }
    };
    for b in &resources {
        let holder_of = |attr: &str, prefix: &str| {
            b.attr(attr)
                .map(|n| tf_principal(&all, prefix, n))
                .unwrap_or_else(|| b.address())
        };
        match b.rtype {
            "aws_iam_policy" => {
                let holders = policy_holders
                    .get(&b.address())
                    .cloned()
                    .unwrap_or_default();
                if let Some(p) = b.attr("policy") {
                    add(
                        view,
                        p,
                        PolicyRole::Permissions,
                        identity_for(&holders, tf_identity(b)),
                        holders,
                    );
                }
            }
            "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                let prefix = &b.rtype["aws_iam_".len()..b.rtype.len() - "_policy".len()];
                let h = holder_of(prefix, prefix);
                if let Some(p) = b.attr("policy") {
                    add(view, p, PolicyRole::Permissions, h.clone(), vec![h]);
                }
            }
            "aws_iam_role" => {
                let id = tf_identity(b);
                if let Some(p) = b.attr("assume_role_policy") {
                    add(view, p, PolicyRole::Trust, id.clone(), vec![id.clone()]);
                }
                for inline in b.blocks("inline_policy") {
                    if let Some(p) = inline.get("policy") {
                        add(
                            view,
                            p,
                            PolicyRole::Permissions,
                            id.clone(),
                            vec![id.clone()],
                        );
                    }
                }
            }
            _ => {
                // Resource policies (buckets, secrets, keys…) are recorded only so a data
                // document they use is not mistaken for an identity policy.
                if let Some(p) = b.attr("policy") {
                    if Policy::from_json(p).is_none() {
                        add(view, p, PolicyRole::Resource, b.address(), Vec::new());
                    }
                }
            }
        }
    }

    for d in all
        .iter()
        .filter(|b| b.kind == "data" && b.rtype == "aws_iam_policy_document")
    {
        let usages = data_usage.remove(&d.address()).unwrap_or_default();
        if usages.is_empty() {
            let policy = Policy::from_tf_document(d.node);
            let role = infer_role(&policy);
            view.policies.push(PolicyInstance {
                policy,
                role,
                identity: d.address(),
                holders: Vec::new(),
            });
            continue;
        }
        // One instance per role the document plays; its holders are everyone using it so.
        for role in [
            PolicyRole::Trust,
            PolicyRole::Permissions,
            PolicyRole::Resource,
        ] {
            let mut holders: Vec<String> = Vec::new();
            for (r, identity, hs) in &usages {
                if *r != role {
                    continue;
                }
                let hs = if hs.is_empty() {
                    vec![identity.clone()]
                } else {
                    hs.clone()
                };
                for h in hs {
                    if !holders.contains(&h) {
                        holders.push(h);
                    }
                }
            }
            if holders.is_empty() {
                continue;
            }
            view.policies.push(PolicyInstance {
                policy: Policy::from_tf_document(d.node),
                role,
                identity: identity_for(&holders, d.address()),
                holders,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{hcl, json};

    #[test]
    fn globs() {
        assert!(glob_match("iam:Create*", "iam:CreatePolicyVersion"));
        assert!(glob_match(
            "IAM:createpolicy?ersion",
            "iam:CreatePolicyVersion"
        ));
        assert!(glob_match("*", "s3:GetObject"));
        assert!(glob_match("*:*", "s3:GetObject"));
        assert!(glob_match("s3:*Object*", "s3:GetObjectAcl"));
        assert!(!glob_match("iam:Get*", "iam:PassRole"));
        assert!(!glob_match("iam:PassRole", "iam:PassRoles"));
        assert!(glob_match("a*b*c", "aXXbYYbZc"));
        assert!(!glob_match("a*b*c", "aXXbYYbZ"));
    }

    #[test]
    fn resource_scopes() {
        use ResourceScope::*;
        assert_eq!(resource_scope("*"), All);
        assert_eq!(resource_scope("arn:aws:s3:::*"), All);
        assert_eq!(resource_scope("arn:aws:iam::*:role/*"), All);
        assert_eq!(resource_scope("arn:aws:iam::123456789012:role/*"), All);
        assert_eq!(resource_scope("arn:aws:lambda:*:*:function:*"), All);
        assert_eq!(
            resource_scope("arn:aws:iam::123456789012:role/ci-*"),
            Wildcard
        );
        assert_eq!(resource_scope("arn:aws:s3:::my-bucket/*"), Wildcard);
        assert_eq!(
            resource_scope("arn:aws:iam::123456789012:role/ci"),
            Specific
        );
        assert_eq!(resource_scope("${aws_s3_bucket.b.arn}/*"), Specific);
        assert_eq!(resource_scope("${aws_iam_role.r.arn}"), Specific);
        assert_eq!(resource_scope("arn:aws:iam::${AWS::AccountId}:role/*"), All);
        assert_eq!(
            resource_scope("arn:aws:iam::${data.x.account_id}:role/deploy-*"),
            Wildcard
        );
        assert_eq!(
            resource_scope("arn:aws:iam::123:user/${aws:username}"),
            Specific
        );
        assert_eq!(resource_scope("arn:aws:iam::*:role/admin"), Specific);
        assert!(resource_applies("arn:aws:iam::1:role/x", "iam:PassRole"));
        assert!(resource_applies(
            "arn:aws:ec2:*:1:instance/*",
            "ssm:SendCommand"
        ));
        assert!(resource_applies("${aws_iam_role.x.arn}", "iam:PassRole"));
        assert!(resource_applies("*", "iam:PassRole"));
        assert!(!resource_applies("arn:aws:s3:::b/*", "iam:PassRole"));
        assert_eq!(resource_scope("arn:aws:s3:::*/*"), All);
    }

    const DOC: &str = r#"{
      "Version": "2012-10-17",
      "Statement": [
        {"Effect": "Allow", "Action": ["iam:*", "s3:GetObject"], "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:Create*", "Resource": "*"},
        {"Effect": "Deny", "Action": "iam:Put*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
      ]
    }"#;

    #[test]
    fn effective_grants_subtract_denies() {
        let root = json::parse(DOC).unwrap();
        let p = Policy::from_json(&root).unwrap();
        assert_eq!(p.statements.len(), 4);
        assert!(p.grants("iam:CreatePolicyVersion").is_empty());
        let put = p.grants("iam:PutRolePolicy");
        assert_eq!(put.len(), 1);
        assert!(put[0].doubtful);
        assert_eq!(put[0].item.unwrap().text, Some("iam:*"));
        let pass = p.grants("iam:PassRole");
        assert_eq!(pass.len(), 1);
        assert!(!pass[0].doubtful);
        // NotAction grants everything else, without an item to point at.
        let run = p.grants("ec2:RunInstances");
        assert_eq!(run.len(), 1);
        assert!(run[0].item.is_none());
        assert_eq!(run[0].scope, ResourceScope::All);
        // A Deny of part of a service leaves the service wildcard standing.
        assert_eq!(p.pattern_denied("iam:*", &p.statements[0]), Denied::No);
        assert_eq!(
            p.pattern_denied("iam:PutRolePolicy", &p.statements[0]),
            Denied::Conditionally
        );
        assert_eq!(
            p.pattern_denied("iam:Create*", &p.statements[0]),
            Denied::Fully
        );
    }

    #[test]
    fn deny_on_narrower_resources_does_not_remove() {
        let root = json::parse(
            r#"{"Statement": [
                {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/admin"}
            ]}"#,
        )
        .unwrap();
        let p = Policy::from_json(&root).unwrap();
        assert_eq!(p.grants("iam:PassRole").len(), 1);
    }

    #[test]
    fn trust_and_conditions_from_terraform_documents() {
        let tf = r#"
data "aws_iam_policy_document" "gha" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/*"]
    }
  }
}
"#;
        let root = hcl::parse(tf).unwrap();
        let d = tf::data_sources(&root, "aws_iam_policy_document")
            .next()
            .unwrap();
        let p = Policy::from_tf_document(d.node);
        assert!(p.looks_like_trust());
        let s = &p.statements[0];
        assert_eq!(s.effect, Effect::Allow);
        assert_eq!(s.principals[0].kind, "Federated");
        assert_eq!(
            s.conditions[0].key,
            "token.actions.githubusercontent.com:sub"
        );
        assert_eq!(s.conditions[0].values[0].text, Some("repo:acme/*"));
        assert_eq!(s.constraint(), Constraint::Strong);
    }

    #[test]
    fn terraform_holders_and_data_documents() {
        let tf = r#"
resource "aws_iam_role" "ci" {
  name               = "ci-deployer"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  managed_policy_arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}
resource "aws_iam_policy" "deploy" {
  name   = "deploy"
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:*", Resource = "*" }] })
}
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.ci.name
  policy_arn = aws_iam_policy.deploy.arn
}
resource "aws_iam_user_policy" "u" {
  user   = "build-bot"
  policy = <<EOF
{"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}}
EOF
}
"#;
        let root = hcl::parse(tf).unwrap();
        let roots = vec![root];
        let v = collect(Source::Terraform, &roots, "main.tf");
        let summary: Vec<(PolicyRole, &str)> = v
            .policies
            .iter()
            .map(|p| (p.role, p.identity.as_str()))
            .collect();
        assert!(
            summary.contains(&(PolicyRole::Trust, "role/ci-deployer")),
            "{summary:?}"
        );
        assert!(
            summary.contains(&(PolicyRole::Permissions, "role/ci-deployer")),
            "{summary:?}"
        );
        assert!(
            summary.contains(&(PolicyRole::Permissions, "user/build-bot")),
            "{summary:?}"
        );
        assert_eq!(v.attachments.len(), 1);
        assert_eq!(v.attachments[0].name, "ReadOnlyAccess");
        assert_eq!(v.attachments[0].identity, "role/ci-deployer");
    }

    #[test]
    fn account_authorization_details_and_wrapped_documents() {
        let details = r#"{
  "RoleDetailList": [{
    "RoleName": "ci", "Arn": "arn:aws:iam::123456789012:role/ci",
    "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]},
    "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}}],
    "AttachedManagedPolicies": [
      {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
      {"PolicyName": "deploy", "PolicyArn": "arn:aws:iam::123456789012:policy/deploy"}]
  }],
  "UserDetailList": [],
  "Policies": [{
    "PolicyName": "deploy", "Arn": "arn:aws:iam::123456789012:policy/deploy",
    "PolicyVersionList": [
      {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}},
      {"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]
  }]
}"#;
        let root = json::parse(details).unwrap();
        let roots = vec![root];
        let v = collect(Source::PolicyJson, &roots, "auth.json");
        let summary: Vec<(PolicyRole, &str)> = v
            .policies
            .iter()
            .map(|p| (p.role, p.identity.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (PolicyRole::Trust, "arn:aws:iam::123456789012:role/ci"),
                (PolicyRole::Permissions, "arn:aws:iam::123456789012:role/ci"),
                (PolicyRole::Permissions, "arn:aws:iam::123456789012:role/ci"),
            ]
        );
        assert_eq!(
            v.policies[2].policy.statements[0].actions[0].text,
            Some("iam:PassRole")
        );
        assert_eq!(v.attachments[0].name, "AdministratorAccess");

        let wrapped = json::parse(
            r#"{"PolicyVersion": {"VersionId": "v3", "Document": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}}"#,
        )
        .unwrap();
        let roots = vec![wrapped];
        let v = collect(
            Source::PolicyJson,
            &roots,
            "exports/get-policy-version.json",
        );
        assert_eq!(v.policies.len(), 1);
        assert_eq!(v.policies[0].identity, "policy/get-policy-version");
    }

    #[test]
    fn cloudformation_roles_policies_and_sam() {
        let t = r#"{"Resources": {
          "Deploy": {"Type": "AWS::IAM::Role", "Properties": {
             "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]},
             "ManagedPolicyArns": [{"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess"}]}},
          "Pol": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
             "Roles": [{"Ref": "Deploy"}],
             "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}},
          "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": ["AmazonS3FullAccess", {"Statement": []}]}}
        }}"#;
        let root = json::parse(t).unwrap();
        let roots = vec![root];
        let v = collect(Source::CloudFormation, &roots, "t.json");
        assert_eq!(v.policies.len(), 3);
        assert_eq!(v.policies[0].role, PolicyRole::Trust);
        assert_eq!(v.policies[0].identity, "role/Deploy");
        assert_eq!(v.policies[1].identity, "role/Deploy");
        assert_eq!(v.policies[2].identity, "function/Fn");
        let names: Vec<&str> = v.attachments.iter().map(|a| a.name).collect();
        assert_eq!(names, ["AdministratorAccess", "AmazonS3FullAccess"]);
    }
}
