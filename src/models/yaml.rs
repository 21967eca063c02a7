//! YAML (multi-document) → [`Node`] trees with byte spans.
//!
//! Built on the event parser of the saphyr project rather than on a loader that materialises
//! its own tree: driving the events ourselves lets the load stop the moment a budget is
//! exceeded (alias expansion, nesting depth, node count), keeps duplicate keys and the span of
//! every key, and builds the one tree the checks read with no intermediate copy.
//!
//! The parser reports positions in characters; spans here are byte offsets into the original
//! text, so [`crate::models::LineIndex`] turns them into the same line/column as every other
//! finding.

use super::{Node, Span, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};
use std::collections::HashMap;
use std::fmt;

/// Budgets that keep hostile input from exhausting memory or stack.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of sequences and mappings. Real pipeline files stay under 30 levels;
    /// the limit keeps every recursive walk over the tree far from the stack's end.
    pub max_depth: usize,
    /// Nodes in all documents of a file, alias copies included.
    pub max_nodes: usize,
    /// Nodes that alias expansion may add ("billion laughs" guard).
    pub max_alias_nodes: usize,
    /// Bytes of text (scalars, tags) that alias expansion may copy: a few aliases of one huge
    /// scalar would otherwise take gigabytes.
    pub max_alias_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 128,
            max_nodes: 1_000_000,
            max_alias_nodes: 100_000,
            max_alias_bytes: 64 << 20,
        }
    }
}

/// Why a YAML file could not be loaded, with the 1-based line and column (in characters) of
/// the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for YamlError {}

/// Load every document of `bytes` with the default [`Limits`].
pub fn load(bytes: &[u8]) -> Result<Vec<Node>, YamlError> {
    load_with(bytes, Limits::default())
}

/// How many closing brackets [`load_with`] re-indents before giving up.
const MAX_REPAIRS: usize = 32;

/// Load every document of `bytes`. An empty document yields a `Null` root, so document
/// indexes match the file.
pub fn load_with(bytes: &[u8], limits: Limits) -> Result<Vec<Node>, YamlError> {
    let index = super::LineIndex::new(bytes);
    let error = |offset: usize, message: String| {
        let (line, column) = index.position(offset);
        YamlError {
            line,
            column,
            message,
        }
    };
    let text =
        std::str::from_utf8(bytes).map_err(|e| error(e.valid_up_to(), "not valid UTF-8".into()))?;
    let mut repaired: Option<String> = None;
    for _ in 0..=MAX_REPAIRS {
        let current = repaired.as_deref().unwrap_or(text);
        match Builder::new(current, limits).run() {
            Ok(docs) => return Ok(docs),
            Err(e) => match dedented_closer(current, e.offset) {
                Some(newline) => {
                    let mut s = current.to_string();
                    s.replace_range(newline..newline + 1, " ");
                    repaired = Some(s);
                }
                // Offsets are those of the original text (repairs keep every byte in place).
                None => return Err(error(e.offset, e.message)),
            },
        }
    }
    let e = Builder::new(repaired.as_deref().unwrap_or(text), limits)
        .run()
        .err()
        .unwrap_or(RawError {
            offset: 0,
            message: "too many repairs".into(),
        });
    Err(error(e.offset, e.message))
}

/// A flow collection closed on its own line at the parent key's indentation
///
/// ```yaml
/// target: [
///     "a",
/// ]
/// ```
///
/// is rejected by a strict YAML 1.2 reader but accepted by libyaml and go-yaml, and so by
/// GitHub, GitLab and Kubernetes. When the error sits on such a closer, this returns the
/// newline before it: replacing that one byte with a space joins the closer to the previous
/// line without moving any other byte, so spans still match the original file.
fn dedented_closer(text: &str, offset: usize) -> Option<usize> {
    let b = text.as_bytes();
    if !matches!(b.get(offset), Some(b']' | b'}')) {
        return None;
    }
    let line_start = b[..offset].iter().rposition(|&c| c == b'\n')?;
    b[line_start + 1..offset]
        .iter()
        .all(|&c| c == b' ' || c == b'\t' || c == b'\r')
        .then_some(line_start)
}

/// A load error at a byte offset of the text being parsed.
struct RawError {
    offset: usize,
    message: String,
}

/// Char index → byte offset, with a checkpoint every [`Offsets::STRIDE`] characters so a lookup
/// walks at most that many characters. ASCII text (the common case) maps one to one.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    checkpoints: Vec<usize>,
}

impl<'a> Offsets<'a> {
    const STRIDE: usize = 64;

    fn new(text: &'a str) -> Offsets<'a> {
        let ascii = text.is_ascii();
        let checkpoints = if ascii {
            Vec::new()
        } else {
            text.char_indices()
                .step_by(Self::STRIDE)
                .map(|(b, _)| b)
                .collect()
        };
        Offsets {
            text,
            ascii,
            checkpoints,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        let k = (char_index / Self::STRIDE).min(self.checkpoints.len().saturating_sub(1));
        let Some(&start) = self.checkpoints.get(k) else {
            return 0;
        };
        let skip = char_index - k * Self::STRIDE;
        match self.text[start..].char_indices().nth(skip) {
            Some((b, _)) => start + b,
            None => self.text.len(),
        }
    }
}

/// A collection being built.
enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
        tag: Option<String>,
    },
    Map {
        pairs: Vec<(Node, Node)>,
        key: Option<Node>,
        start: usize,
        anchor: usize,
        tag: Option<String>,
    },
}

struct Builder<'a> {
    text: &'a str,
    offsets: Offsets<'a>,
    limits: Limits,
    stack: Vec<Frame>,
    docs: Vec<Node>,
    /// The finished node of the current document, before `DocumentEnd`.
    root: Option<Node>,
    /// Anchor id → (node, its size).
    anchors: HashMap<usize, (Node, NodeSize)>,
    nodes: usize,
    alias_nodes: usize,
    alias_bytes: usize,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, limits: Limits) -> Builder<'a> {
        Builder {
            text,
            offsets: Offsets::new(text),
            limits,
            stack: Vec::new(),
            docs: Vec::new(),
            root: None,
            anchors: HashMap::new(),
            nodes: 0,
            alias_nodes: 0,
            alias_bytes: 0,
        }
    }

    fn run(mut self) -> Result<Vec<Node>, RawError> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(item) = parser.next_event() {
            let (event, span) = item.map_err(|e| self.scan_error(&e))?;
            let start = self.offsets.byte(span.start.index());
            let end = self.offsets.byte(span.end.index()).max(start);
            match event {
                Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
                Event::DocumentStart(_) => self.root = None,
                Event::DocumentEnd => {
                    let root = self
                        .root
                        .take()
                        .unwrap_or_else(|| Node::new(Value::Null, Span::new(start, start)));
                    self.docs.push(root);
                    // Anchors are scoped to their document.
                    self.anchors.clear();
                }
                Event::SequenceStart(anchor, tag) => {
                    self.open(start)?;
                    self.stack.push(Frame::Seq {
                        items: Vec::new(),
                        start,
                        anchor,
                        tag: tag.map(|t| tag_name(&t)),
                    });
                }
                Event::MappingStart(anchor, tag) => {
                    self.open(start)?;
                    self.stack.push(Frame::Map {
                        pairs: Vec::new(),
                        key: None,
                        start,
                        anchor,
                        tag: tag.map(|t| tag_name(&t)),
                    });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let node = match self.stack.pop() {
                        Some(Frame::Seq {
                            items,
                            start: s,
                            anchor,
                            tag,
                        }) => (Value::Seq(items), s, anchor, tag),
                        Some(Frame::Map {
                            pairs,
                            key,
                            start: s,
                            anchor,
                            tag,
                        }) => {
                            let mut pairs = pairs;
                            // A key with no value event cannot happen in valid YAML; keep it
                            // rather than lose it.
                            if let Some(k) = key {
                                let at = k.span.end;
                                pairs.push((k, Node::new(Value::Null, Span::new(at, at))));
                            }
                            (Value::Map(pairs), s, anchor, tag)
                        }
                        None => continue,
                    };
                    let (value, s, anchor, tag) = node;
                    let span = Span::new(s, start.max(s));
                    let node = wrap_tag(Node::new(value, span), tag);
                    self.finish(node, anchor, start)?;
                }
                Event::Scalar(value, style, anchor, tag) => {
                    let tag = tag.map(|t| tag_name(&t));
                    let span = scalar_span(self.text, start, end, style);
                    let inner = Node::new(scalar(&value, style, tag.as_deref()), span);
                    // The tag's node spans tag and value; the value's node the value alone.
                    let mut node = wrap_tag(inner, tag);
                    if matches!(node.value, Value::Tagged(..)) {
                        node.span.start = start;
                    }
                    self.finish(node, anchor, start)?;
                }
                Event::Alias(id) => {
                    let Some((node, size)) = self.anchors.get(&id) else {
                        return Err(self.error_at(start, "alias to an unknown anchor"));
                    };
                    let NodeSize {
                        nodes: count,
                        bytes,
                    } = *size;
                    self.alias_nodes += count;
                    self.alias_bytes = self.alias_bytes.saturating_add(bytes);
                    if self.alias_nodes > self.limits.max_alias_nodes {
                        return Err(self.error_at(
                            start,
                            &format!(
                                "aliases expand to more than {} nodes (possible alias bomb)",
                                self.limits.max_alias_nodes
                            ),
                        ));
                    }
                    if self.alias_bytes > self.limits.max_alias_bytes {
                        return Err(self.error_at(
                            start,
                            &format!(
                                "aliases expand to more than {} MiB of text (possible alias bomb)",
                                self.limits.max_alias_bytes >> 20
                            ),
                        ));
                    }
                    let mut copy = node.clone();
                    // The copy's root points at the alias; its children keep the anchor's
                    // spans, where their text actually is.
                    copy.span = Span::new(start, end);
                    self.count(count, start)?;
                    self.place(copy);
                }
            }
        }
        Ok(self.docs)
    }

    /// Depth check before a collection opens.
    fn open(&mut self, at: usize) -> Result<(), RawError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error_at(
                at,
                &format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        Ok(())
    }

    fn count(&mut self, n: usize, at: usize) -> Result<(), RawError> {
        self.nodes += n;
        if self.nodes > self.limits.max_nodes {
            return Err(self.error_at(
                at,
                &format!("more than {} YAML nodes", self.limits.max_nodes),
            ));
        }
        Ok(())
    }

    /// A node is complete: count it, remember its anchor, and place it in its parent.
    fn finish(&mut self, node: Node, anchor: usize, at: usize) -> Result<(), RawError> {
        self.count(1, at)?;
        if anchor != 0 {
            let size = node_size(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        self.place(node);
        Ok(())
    }

    fn place(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { pairs, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
    }

    fn error_at(&self, byte: usize, message: &str) -> RawError {
        RawError {
            offset: byte,
            message: message.to_string(),
        }
    }

    fn scan_error(&self, e: &ScanError) -> RawError {
        RawError {
            offset: self.offsets.byte(e.marker().index()),
            message: e.info().to_string(),
        }
    }
}

/// The span of a scalar's value alone. The parser's span may start at the scalar's anchor or
/// tag (`&name "x"`, `!Sub x`) and, for quoted scalars, run on over a trailing comment; the
/// value starts after those properties and a quoted value ends at its closing quote.
fn scalar_span(text: &str, start: usize, end: usize, style: ScalarStyle) -> Span {
    let b = text.as_bytes();
    let mut i = start;
    while i < end && matches!(b[i], b'&' | b'!') {
        while i < end && !b[i].is_ascii_whitespace() {
            i += 1;
        }
        while i < end && b[i].is_ascii_whitespace() {
            i += 1;
        }
    }
    let quote = match style {
        ScalarStyle::SingleQuoted => b'\'',
        ScalarStyle::DoubleQuoted => b'"',
        _ => return Span::new(i.min(end), end),
    };
    if b.get(i) != Some(&quote) {
        return Span::new(start, end);
    }
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' if quote == b'"' => j += 2,
            c if c == quote => {
                // `''` inside a single-quoted scalar is one quote.
                if quote == b'\'' && b.get(j + 1) == Some(&b'\'') {
                    j += 2;
                } else {
                    return Span::new(i, j + 1);
                }
            }
            _ => j += 1,
        }
    }
    Span::new(i, end)
}

/// How a tag is shown: `!Sub`, `!reference`, `!!binary`.
fn tag_name(tag: &Tag) -> String {
    if tag.is_yaml_core_schema() {
        format!("!!{}", tag.suffix)
    } else {
        tag.to_string()
    }
}

/// Application tags (CloudFormation's `!Sub`, GitLab's `!reference`) wrap the node, with the
/// same span; core-schema tags only steer scalar resolution.
fn wrap_tag(node: Node, tag: Option<String>) -> Node {
    match tag {
        Some(t) if !t.starts_with("!!") => {
            let span = node.span;
            Node::new(Value::Tagged(t, Box::new(node)), span)
        }
        _ => node,
    }
}

/// YAML 1.2 core-schema resolution of a scalar; quoted scalars and `!!str` stay strings.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("!!str") | Some("!!binary") => return Value::String(text.to_string()),
        Some("!!null") => return Value::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        t if is_number(t) => Value::Number(t.to_string()),
        t => Value::String(t.to_string()),
    }
}

fn is_number(t: &str) -> bool {
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(h) = t.strip_prefix("0x") {
        return digits(h, 16);
    }
    if let Some(o) = t.strip_prefix("0o") {
        return digits(o, 8);
    }
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(t, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (digits(int, 10) || int.is_empty())
                && (frac.is_empty() || digits(frac, 10))
                && !(int.is_empty() && frac.is_empty())
        }
        None => digits(mantissa, 10),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    mantissa_ok && exponent_ok
}

/// Nodes in a tree, iteratively (trees are shallow, but aliases are counted often).
/// How much an alias of a node copies.
#[derive(Debug, Clone, Copy)]
struct NodeSize {
    nodes: usize,
    /// Bytes of the strings, numbers, tags and expressions in it.
    bytes: usize,
}

fn node_size(node: &Node) -> NodeSize {
    let mut n = 0;
    let mut bytes = 0usize;
    let mut todo = vec![node];
    while let Some(x) = todo.pop() {
        n += 1;
        match &x.value {
            Value::String(t) | Value::Number(t) | Value::Expr(t) => bytes += t.len(),
            Value::Tagged(tag, inner) => {
                bytes += tag.len();
                todo.push(inner);
            }
            Value::Seq(items) => todo.extend(items),
            Value::Map(pairs) => {
                for (k, v) in pairs {
                    todo.push(k);
                    todo.push(v);
                }
            }
            Value::Null | Value::Bool(_) => {}
        }
    }
    NodeSize { nodes: n, bytes }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_at(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn spans_are_bytes_even_after_multibyte_text() {
        let text = "name: \"héllo wörld\"\npermissions: write-all\n";
        let docs = load(text.as_bytes()).unwrap();
        let (k, v) = docs[0].entry("permissions").unwrap();
        assert_eq!(text_at(text, k.span), "permissions");
        assert_eq!(text_at(text, v.span), "write-all");
        let idx = crate::models::LineIndex::new(text.as_bytes());
        assert_eq!(idx.position(v.span.start), (2, 14));
    }

    #[test]
    fn multi_document_and_core_schema() {
        let text = "a: 1\nb: true\nc: ~\nd: 'true'\ne: 0x1F\nf: 1.5e3\ng: 1.2.3\n---\n---\n- x\n";
        let docs = load(text.as_bytes()).unwrap();
        assert_eq!(docs.len(), 3);
        let d = &docs[0];
        assert_eq!(d.get("a").unwrap().value, Value::Number("1".into()));
        assert_eq!(d.get("b").unwrap().value, Value::Bool(true));
        assert_eq!(d.get("c").unwrap().value, Value::Null);
        assert_eq!(d.get("d").unwrap().as_str(), Some("true"));
        assert_eq!(d.get("e").unwrap().value, Value::Number("0x1F".into()));
        assert_eq!(d.get("f").unwrap().value, Value::Number("1.5e3".into()));
        assert_eq!(d.get("g").unwrap().as_str(), Some("1.2.3"));
        assert_eq!(docs[1].value, Value::Null);
        assert_eq!(docs[2].as_seq().unwrap().len(), 1);
    }

    #[test]
    fn tags_keep_the_outer_span() {
        let text = "Policy: !Sub 'arn:aws:s3:::${Bucket}/*'\nList: !reference [.setup, script]\n";
        let docs = load(text.as_bytes()).unwrap();
        let p = docs[0].get("Policy").unwrap();
        let Value::Tagged(t, inner) = &p.value else {
            panic!("not tagged: {p:?}")
        };
        assert_eq!(t, "!Sub");
        assert_eq!(p.as_str(), Some("arn:aws:s3:::${Bucket}/*"));
        assert_eq!(text_at(text, p.span), "!Sub 'arn:aws:s3:::${Bucket}/*'");
        assert_eq!(text_at(text, inner.span), "'arn:aws:s3:::${Bucket}/*'");
        let l = docs[0].get("List").unwrap();
        assert_eq!(l.as_seq().unwrap().len(), 2);
    }

    #[test]
    fn aliases_copy_their_anchor_and_merge_keys_stay_visible() {
        let text = ".base: &base\n  stage: deploy\njob:\n  <<: *base\n  script: [x]\n";
        let docs = load(text.as_bytes()).unwrap();
        let merged = docs[0].get("job").unwrap().get("<<").unwrap();
        assert_eq!(merged.get("stage").unwrap().as_str(), Some("deploy"));
        // The copy's root points at the alias.
        assert_eq!(text_at(text, merged.span), "*base");
    }

    #[test]
    fn dedented_flow_closers_are_accepted_with_original_positions() {
        let text =
            "matrix:\n  target: [\n      \"a\",\n  ]\n  other: {\n    x: 1\n  }\nafter: here\n";
        let docs = load(text.as_bytes()).unwrap();
        let m = docs[0].get("matrix").unwrap();
        assert_eq!(m.get("target").unwrap().as_seq().unwrap().len(), 1);
        let after = docs[0].get("after").unwrap();
        assert_eq!(text_at(text, after.span), "here");
        let idx = crate::models::LineIndex::new(text.as_bytes());
        assert_eq!(idx.position(after.span.start), (8, 8));
        // A real error after a repair is still reported at its original line.
        let bad = "a: [\n]\nb: c: d\n";
        assert_eq!(load(bad.as_bytes()).unwrap_err().line, 3);
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let text = "\u{feff}on: push\r\npermissions: read-all\r\n";
        let docs = load(text.as_bytes()).unwrap();
        let v = docs[0].get("permissions").unwrap();
        assert_eq!(text_at(text, v.span), "read-all");
    }

    #[test]
    fn scalar_spans_leave_out_anchors_and_trailing_comments() {
        let text = "a: &lvl \"easy\"\nb: 'it''s' # note\nc: \"q\\\"x\" # c\nd: plain # comment\n";
        let docs = load(text.as_bytes()).unwrap();
        let at = |k: &str| text_at(text, docs[0].get(k).unwrap().span);
        assert_eq!(at("a"), "\"easy\"");
        assert_eq!(at("b"), "'it''s'");
        assert_eq!(at("c"), "\"q\\\"x\"");
        assert_eq!(at("d"), "plain");
    }

    #[test]
    fn duplicate_keys_are_kept() {
        let docs = load(b"a: 1\na: 2\n").unwrap();
        assert_eq!(docs[0].as_map().unwrap().len(), 2);
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let e = load(b"jobs:\n  build:\n    runs-on: [ubuntu\n  x: }\n").unwrap_err();
        assert!(e.line >= 3, "{e}");
        assert!(e.column >= 1);
        let e = load(b"a: \xff\xfe\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 4));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let refs: Vec<String> = (0..10).map(|_| format!("*a{}", i - 1)).collect();
            text.push_str(&format!("a{i}: &a{i} [{}]\n", refs.join(", ")));
        }
        let e = load(text.as_bytes()).unwrap_err();
        assert!(e.message.contains("alias"), "{e}");
    }

    #[test]
    fn aliases_of_a_big_scalar_are_refused_by_their_bytes() {
        let limits = Limits {
            max_alias_bytes: 10_000,
            ..Limits::default()
        };
        let text = |copies: usize| {
            format!(
                "big: &big {}\ncopies: [{}]\n",
                "x".repeat(1000),
                vec!["*big"; copies].join(", ")
            )
        };
        assert!(load_with(text(10).as_bytes(), limits).is_ok());
        let e = load_with(text(11).as_bytes(), limits).unwrap_err();
        assert!(e.message.contains("MiB of text"), "{e}");
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(load(deep.as_bytes()).is_err());
        let mut block = String::new();
        for i in 0..10_000 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        let e = load(block.as_bytes()).unwrap_err();
        assert!(e.message.contains("nesting"), "{e}");
    }

    #[test]
    fn node_budget_is_enforced() {
        let text = "- x\n".repeat(50);
        let limits = Limits {
            max_nodes: 10,
            ..Limits::default()
        };
        assert!(load_with(text.as_bytes(), limits).is_err());
        assert!(load(text.as_bytes()).is_ok());
    }
}
