//! Typed view of a Terraform file loaded by [`super::hcl`]: top-level blocks with their type,
//! name and address, attribute access, and the references between resources that checks use to
//! name the identity a grant concerns (`role = aws_iam_role.ci.name` → the `ci` role).

use super::hcl::labels;
use super::{Node, Value};
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A top-level block: `resource "aws_iam_role" "ci" { … }`, `data "…" "…" { … }`, `module …`.
#[derive(Clone, Copy)]
pub struct Block<'a> {
    /// `resource`, `data`, `module`, `variable`, …
    pub kind: &'a str,
    /// The block identifier node (where a block-level finding points).
    pub key: &'a Node,
    /// The block's map (labels and body).
    pub node: &'a Node,
    /// First label: the resource or data source type (`aws_iam_role`); empty when absent.
    pub rtype: &'a str,
    /// Second label: the local name (`ci`); empty when absent.
    pub name: &'a str,
}

impl<'a> Block<'a> {
    /// The Terraform address: `aws_iam_role.ci` or `data.aws_iam_policy_document.trust`.
    pub fn address(&self) -> String {
        if self.kind == "data" {
            format!("data.{}.{}", self.rtype, self.name)
        } else {
            format!("{}.{}", self.rtype, self.name)
        }
    }

    pub fn attr(&self, name: &str) -> Option<&'a Node> {
        self.node.get(name)
    }

    /// The attribute's key and value nodes.
    pub fn attr_entry(&self, name: &str) -> Option<&'a (Node, Node)> {
        self.node.entry(name)
    }

    /// A literal string attribute.
    pub fn str_attr(&self, name: &str) -> Option<&'a str> {
        self.attr(name).and_then(literal)
    }

    /// Nested blocks named `name` (`statement`, `permissions`, …).
    pub fn blocks(&self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.node.get_all(name)
    }
}

/// The top-level blocks of a Terraform file, with an index by address so references resolve in
/// constant time (files with thousands of resources are common in generated code).
pub struct Blocks<'a> {
    list: Vec<Block<'a>>,
    by_address: HashMap<(&'a str, &'a str, &'a str), usize>,
}

impl<'a> Blocks<'a> {
    /// The block a reference points to, within the same file.
    pub fn resolve(&self, r: &Reference) -> Option<Block<'a>> {
        let kind = if r.kind == "data" { "data" } else { "resource" };
        self.by_address
            .get(&(kind, r.rtype.as_str(), r.name.as_str()))
            .map(|&i| self.list[i])
    }
}

impl<'a> std::ops::Deref for Blocks<'a> {
    type Target = [Block<'a>];
    fn deref(&self) -> &[Block<'a>] {
        &self.list
    }
}

/// All top-level blocks of a Terraform file.
pub fn blocks(root: &Node) -> Blocks<'_> {
    let list: Vec<Block> = match root.as_map() {
        None => Vec::new(),
        Some(entries) => entries
            .iter()
            .filter(|(_, v)| v.get(super::hcl::LABELS_KEY).is_some())
            .filter_map(|(k, v)| {
                let kind = k.as_str()?;
                let l = labels(v);
                Some(Block {
                    kind,
                    key: k,
                    node: v,
                    rtype: l.first().and_then(|n| n.as_str()).unwrap_or(""),
                    name: l.get(1).and_then(|n| n.as_str()).unwrap_or(""),
                })
            })
            .collect(),
    };
    let mut by_address = HashMap::with_capacity(list.len());
    for (i, b) in list.iter().enumerate() {
        if b.kind == "resource" || b.kind == "data" {
            // The first definition wins, as a duplicate is a Terraform error anyway.
            by_address.entry((b.kind, b.rtype, b.name)).or_insert(i);
        }
    }
    Blocks { list, by_address }
}

/// `resource` blocks of one type.
pub fn resources<'a>(root: &'a Node, rtype: &'a str) -> impl Iterator<Item = Block<'a>> + 'a {
    blocks(root)
        .list
        .into_iter()
        .filter(move |b| b.kind == "resource" && b.rtype == rtype)
}

/// `data` blocks of one type.
pub fn data_sources<'a>(root: &'a Node, rtype: &'a str) -> impl Iterator<Item = Block<'a>> + 'a {
    blocks(root)
        .list
        .into_iter()
        .filter(move |b| b.kind == "data" && b.rtype == rtype)
}

/// A plain literal string (not an expression, not a string with `${…}` interpolations).
pub fn literal(node: &Node) -> Option<&str> {
    match &node.value {
        Value::String(s) if !s.contains("${") => Some(s),
        _ => None,
    }
}

/// How a value reads in a message or identity: a string as is (interpolations included), an
/// expression as its source text.
pub fn display(node: &Node) -> Option<&str> {
    match &node.value {
        Value::String(s) | Value::Expr(s) => Some(s),
        _ => None,
    }
}

/// A reference to another block found in an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `data` for data sources, `resource` otherwise.
    pub kind: &'static str,
    pub rtype: String,
    pub name: String,
    /// The attribute read, when one is (`arn`, `name`, `json`).
    pub attr: Option<String>,
}

/// The resource and data references in an expression or interpolated string
/// (`aws_iam_role.ci.name`, `"${data.aws_iam_policy_document.p.json}"`). Only types with a
/// provider prefix (`aws_…`, `google_…`) are recognised, which excludes `var.`, `local.`,
/// `each.` and `module.`.
pub fn references(text: &str) -> Vec<Reference> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?:^|[^A-Za-z0-9_.])(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_][A-Za-z0-9_]*))?",
        )
        .unwrap_or_else(|e| unreachable!("static regex: {e}"))
    });
    re.captures_iter(text)
        .map(|c| Reference {
            kind: if c.get(1).is_some() {
                "data"
            } else {
                "resource"
            },
            rtype: c[2].to_string(),
            name: c[3].to_string(),
            attr: c.get(4).map(|m| m.as_str().to_string()),
        })
        .collect()
}

/// The references in a node that is an expression or a string.
pub fn node_references(node: &Node) -> Vec<Reference> {
    display(node).map(references).unwrap_or_default()
}

/// The block a reference points to, within the same file.
pub fn resolve<'a>(all: &Blocks<'a>, r: &Reference) -> Option<Block<'a>> {
    all.resolve(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::hcl;

    #[test]
    fn blocks_addresses_and_references() {
        let tf = r#"
variable "env" {}
resource "aws_iam_role" "ci" { name = "ci" }
data "aws_iam_policy_document" "trust" {}
resource "aws_iam_role_policy_attachment" "a" {
  role       = aws_iam_role.ci.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}
"#;
        let root = hcl::parse(tf).unwrap();
        let all = blocks(&root);
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].kind, "variable");
        assert_eq!(all[1].address(), "aws_iam_role.ci");
        assert_eq!(all[2].address(), "data.aws_iam_policy_document.trust");
        let att = resources(&root, "aws_iam_role_policy_attachment")
            .next()
            .unwrap();
        let refs = node_references(att.attr("role").unwrap());
        assert_eq!(refs.len(), 1);
        assert_eq!(
            resolve(&all, &refs[0]).unwrap().str_attr("name"),
            Some("ci")
        );
        assert_eq!(refs[0].attr.as_deref(), Some("name"));

        let r = references("\"${data.aws_iam_policy_document.p.json} ${var.x} local.y each.value module.m.out aws_iam_user.u[0].name\"");
        let names: Vec<String> = r
            .iter()
            .map(|r| format!("{}:{}.{}", r.kind, r.rtype, r.name))
            .collect();
        assert_eq!(
            names,
            ["data:aws_iam_policy_document.p", "resource:aws_iam_user.u"]
        );
        assert_eq!(r[1].attr.as_deref(), Some("name"));
    }
}
