//! Typed, span-preserving views of pipeline and configuration files.
//!
//! Every structured format (YAML, JSON, HCL) is loaded into the same [`Node`] tree, whose spans
//! are byte ranges into the original content, so checks can report the exact line and column of
//! the offending key or value, and so one IAM policy evaluator serves policies found in JSON
//! files, CloudFormation YAML and Terraform alike.

pub mod cfn;
pub mod gha;
pub mod gitlab;
pub mod hcl;
pub mod iam;
pub mod json;
pub mod k8s;
pub mod template;
pub mod terraform;
pub mod yaml;

use crate::findings::Location;

/// Why a structured file could not be loaded, with the position of the problem (1-based line and
/// column, as an editor shows them) so the scan summary can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the file.
    pub offset: usize,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// A byte range into the original content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// A value in a structured document.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Numbers keep their source text: checks compare, never compute.
    Number(String),
    String(String),
    Seq(Vec<Node>),
    /// Keys keep their own spans, so a finding can point at the key.
    Map(Vec<(Node, Node)>),
    /// A YAML tag such as CloudFormation's `!Sub`, or an HCL expression kept as source text
    /// (`Expr("var.role_arn")`) when it is not a literal.
    Tagged(String, Box<Node>),
    Expr(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node { value, span }
    }

    /// The node as a string, seeing through tags (`!Sub "arn:…"` reads as its string).
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            Value::Tagged(_, inner) => inner.as_str(),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(v) => Some(v),
            Value::Tagged(_, inner) => inner.as_seq(),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(v) => Some(v),
            Value::Tagged(_, inner) => inner.as_map(),
            _ => None,
        }
    }

    /// Look up a key in a map (exact match).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Look up a key case-insensitively (IAM's `Effect`/`effect` both occur in the wild).
    pub fn get_ci(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_str().is_some_and(|s| s.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v)
    }

    /// Every value under `key`: HCL repeats block names (`statement { … } statement { … }`).
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.as_map()
            .unwrap_or(&[])
            .iter()
            .filter(move |(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The source text of an expression that is not a literal (HCL `var.x`, a CloudFormation
    /// intrinsic kept as text).
    pub fn as_expr(&self) -> Option<&str> {
        match &self.value {
            Value::Expr(s) => Some(s),
            Value::Tagged(_, inner) => inner.as_expr(),
            _ => None,
        }
    }

    /// The (key, value) pair for `key`, so a finding can point at the key.
    pub fn entry(&self, key: &str) -> Option<&(Node, Node)> {
        self.as_map()?.iter().find(|(k, _)| k.as_str() == Some(key))
    }

    /// A string or a list of strings (IAM `Action: "s3:*"` or `Action: ["s3:*"]`), with the node
    /// of each string.
    pub fn strings(&self) -> Vec<(&str, &Node)> {
        match &self.value {
            Value::String(s) => vec![(s.as_str(), self)],
            Value::Seq(items) => items
                .iter()
                .filter_map(|n| n.as_str().map(|s| (s, n)))
                .collect(),
            Value::Tagged(_, inner) => inner.strings(),
            _ => Vec::new(),
        }
    }
}

/// Byte offset → 1-based line and column (Unicode code points), built once per file.
pub struct LineIndex<'a> {
    text: &'a [u8],
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a [u8]) -> LineIndex<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        LineIndex { text, line_starts }
    }

    /// The byte range of 1-based `line`, without its line break (`\n` or `\r\n`); lines past
    /// the last are empty, at the end.
    pub fn line_range(&self, line: u32) -> (usize, usize) {
        let i = (line.max(1) - 1) as usize;
        let start = self.line_starts.get(i).copied().unwrap_or(self.text.len());
        let mut end = self
            .line_starts
            .get(i + 1)
            .map_or(self.text.len(), |next| next - 1);
        if end > start && self.text[end - 1] == b'\r' {
            end -= 1;
        }
        (start, end.max(start))
    }

    /// (line, column) of a byte offset; offsets past the end clamp to the end.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = 1 + self.text[start..offset]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        (line as u32 + 1, col as u32)
    }

    /// The location of a span. An empty span still covers one column.
    pub fn location(&self, path: &str, span: Span) -> Location {
        let (line, column) = self.position(span.start);
        let (end_line, mut end_column) = self.position(span.end.max(span.start));
        if (end_line, end_column) <= (line, column) {
            end_column = column + 1;
        }
        Location {
            path: path.to_string(),
            line,
            column,
            end_line: end_line.max(line),
            end_column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_locations() {
        let text = "ab\ncdé f\n".as_bytes();
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(3), (2, 1));
        // 'f' is after a two-byte 'é' and a space: byte 8, column 5.
        assert_eq!(idx.position(8), (2, 5));
        assert_eq!(
            [1, 2, 3, 9].map(|l| idx.line_range(l)),
            [(0, 2), (3, 9), (10, 10), (10, 10)]
        );
        let crlf = LineIndex::new(b"a\r\n\r\nb");
        assert_eq!(
            [1, 2, 3].map(|l| crlf.line_range(l)),
            [(0, 1), (3, 3), (5, 6)]
        );
        let loc = idx.location("x", Span::new(3, 5));
        assert_eq!(
            (loc.line, loc.column, loc.end_line, loc.end_column),
            (2, 1, 2, 3)
        );
    }

    #[test]
    fn node_accessors_see_through_tags() {
        let s = |v: &str| Node::new(Value::String(v.into()), Span::default());
        let seq = Node::new(Value::Seq(vec![s("a"), s("b")]), Span::default());
        let tagged = Node::new(
            Value::Tagged("!Sub".into(), Box::new(s("x"))),
            Span::default(),
        );
        assert_eq!(tagged.as_str(), Some("x"));
        assert_eq!(seq.strings().len(), 2);
        let map = Node::new(Value::Map(vec![(s("Effect"), s("Allow"))]), Span::default());
        assert_eq!(map.get_ci("effect").and_then(Node::as_str), Some("Allow"));
        assert!(map.get("effect").is_none());
    }
}
