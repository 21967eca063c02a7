//! Typed view of a CloudFormation / SAM template (JSON, or YAML once loaded into the same
//! [`Node`] tree): resources with their logical id, type and properties, and the intrinsic
//! functions (`Ref`, `Fn::GetAtt`, `Fn::Sub`, …) in both their JSON form (`{"Ref": "X"}`) and
//! their YAML short form (`!Ref X`, a tagged node).

use super::{Node, Value};

/// A resource of the template's `Resources` section.
#[derive(Clone, Copy)]
pub struct Resource<'a> {
    pub logical_id: &'a str,
    /// The logical id key (where a resource-level finding points).
    pub key: &'a Node,
    pub node: &'a Node,
    /// `AWS::IAM::Role`, `AWS::Serverless::Function`, …
    pub rtype: &'a str,
    pub properties: Option<&'a Node>,
}

impl<'a> Resource<'a> {
    pub fn prop(&self, name: &str) -> Option<&'a Node> {
        self.properties?.get(name)
    }

    pub fn prop_entry(&self, name: &str) -> Option<&'a (Node, Node)> {
        self.properties?.entry(name)
    }

    /// A property that is a plain literal string.
    pub fn str_prop(&self, name: &str) -> Option<&'a str> {
        self.prop(name).and_then(literal)
    }
}

/// Whether a document is a CloudFormation template: it declares a format version or a
/// `Resources` map whose entries carry a `Type` such as `AWS::…`.
pub fn is_template(root: &Node) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources")
        .and_then(Node::as_map)
        .is_some_and(|rs| {
            rs.iter().any(|(_, r)| {
                r.get("Type")
                    .and_then(Node::as_str)
                    .is_some_and(|t| t.contains("::"))
            })
        })
}

pub fn resources(root: &Node) -> Vec<Resource<'_>> {
    let Some(entries) = root.get("Resources").and_then(Node::as_map) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(k, v)| {
            Some(Resource {
                logical_id: k.as_str()?,
                key: k,
                node: v,
                rtype: v.get("Type").and_then(literal)?,
                properties: v.get("Properties"),
            })
        })
        .collect()
}

/// A plain string, not an intrinsic function.
pub fn literal(node: &Node) -> Option<&str> {
    match &node.value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// The intrinsic function a node applies, normalised to its short name (`Ref`, `GetAtt`, `Sub`,
/// `Join`, `If`, …), with its argument. Both `{"Fn::Sub": …}` and `!Sub …` are recognised.
pub fn intrinsic(node: &Node) -> Option<(&str, &Node)> {
    match &node.value {
        Value::Tagged(tag, inner) => {
            let name = tag.trim_start_matches('!');
            Some((name.strip_prefix("Fn::").unwrap_or(name), inner))
        }
        Value::Map(entries) if entries.len() == 1 => {
            let (k, v) = &entries[0];
            let name = k.as_str()?;
            if name == "Ref" || name == "Condition" {
                Some((name, v))
            } else {
                name.strip_prefix("Fn::").map(|n| (n, v))
            }
        }
        _ => None,
    }
}

/// The logical id a node refers to through `Ref` or `Fn::GetAtt` (`!GetAtt Role.Arn` and
/// `["Role", "Arn"]` forms).
pub fn ref_target(node: &Node) -> Option<&str> {
    let (name, arg) = intrinsic(node)?;
    match name {
        "Ref" => arg.as_str(),
        "GetAtt" => match &arg.value {
            Value::String(s) => s.split('.').next(),
            Value::Seq(items) => items.first()?.as_str(),
            _ => None,
        },
        _ => None,
    }
}

/// The template text of a `Fn::Sub` (`"arn:aws:iam::${AWS::AccountId}:role/x"`), or a literal.
pub fn string_or_sub(node: &Node) -> Option<&str> {
    if let Some(s) = literal(node) {
        return Some(s);
    }
    match intrinsic(node)? {
        ("Sub", arg) => match &arg.value {
            Value::String(s) => Some(s),
            Value::Seq(items) => items.first().and_then(literal),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{json, Span};

    #[test]
    fn resources_and_intrinsics() {
        let t = r#"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "ci"}},
            "Pol": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}],
                    "Arn": {"Fn::GetAtt": ["Role", "Arn"]}, "S": {"Fn::Sub": "a-${AWS::Region}"}}}
        }}"#;
        let root = json::parse(t).unwrap();
        assert!(is_template(&root));
        let rs = resources(&root);
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].str_prop("RoleName"), Some("ci"));
        let roles = rs[1].prop("Roles").unwrap().as_seq().unwrap();
        assert_eq!(ref_target(&roles[0]), Some("Role"));
        assert_eq!(ref_target(rs[1].prop("Arn").unwrap()), Some("Role"));
        assert_eq!(
            string_or_sub(rs[1].prop("S").unwrap()),
            Some("a-${AWS::Region}")
        );
        assert!(!is_template(&json::parse(r#"{"Statement": []}"#).unwrap()));
    }

    #[test]
    fn yaml_short_form_tags() {
        let s = |v: &str| Node::new(Value::String(v.into()), Span::default());
        let tagged =
            |t: &str, n: Node| Node::new(Value::Tagged(t.into(), Box::new(n)), Span::default());
        assert_eq!(ref_target(&tagged("!Ref", s("Role"))), Some("Role"));
        assert_eq!(ref_target(&tagged("!GetAtt", s("Role.Arn"))), Some("Role"));
        assert_eq!(string_or_sub(&tagged("!Sub", s("x-${A}"))), Some("x-${A}"));
        assert_eq!(string_or_sub(&tagged("!Join", s("x"))), None);
    }
}
