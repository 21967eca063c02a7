//! Terraform HCL → [`Node`] with byte spans (parsed by `hcl-edit`, which keeps spans and bounds
//! its own nesting depth).
//!
//! The shape, so checks can walk Terraform like any other document:
//! - a body is a [`Value::Map`] of its attributes and blocks, in source order; repeated blocks
//!   (`statement { … } statement { … }`) are repeated keys ([`Node::get_all`]);
//! - a block is an entry keyed by its identifier (`resource`, `data`, `statement`, …) whose value
//!   is a map holding its labels under [`LABELS_KEY`] (a sequence of strings, e.g.
//!   `["aws_iam_role", "deployer"]`) followed by its body;
//! - literals, arrays and objects become the matching values; `jsonencode(x)`, `tolist(x)`,
//!   `toset(x)` and `tomap(x)` become `Tagged(function, x)`, so a policy written in HCL reads
//!   like the JSON it produces;
//! - a heredoc or quoted string holding a JSON object becomes `Tagged("json", object)`, parsed
//!   in place so its spans point into the `.tf` file;
//! - a string with interpolations stays a string with its `${…}` text;
//! - any other expression (`var.x`, `aws_iam_role.ci.arn`, conditionals, `for`) becomes
//!   [`Value::Expr`] holding its source text.

use super::{json, Node, ParseError, Span, Value};
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span as _;
use std::ops::Range;

/// The key under which a block's labels are stored. Not a valid HCL identifier, so it cannot
/// collide with an attribute.
pub const LABELS_KEY: &str = "@labels";

/// Parse a Terraform (HCL native syntax) file.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    // A byte order mark is not HCL; skip it and keep spans relative to the file.
    let base = if text.starts_with('\u{feff}') { 3 } else { 0 };
    check_brackets(text, base)?;
    let body = hcl_edit::parser::parse_body(&text[base..]).map_err(|e| {
        let loc = e.location();
        ParseError {
            offset: base + loc.offset(),
            line: loc.line() as u32,
            column: loc.column() as u32,
            message: e.message().to_string(),
        }
    })?;
    let conv = Converter { text, base };
    Ok(Node::new(
        Value::Map(conv.body(&body)),
        Span::new(0, text.len()),
    ))
}

/// What the bracket check is inside of.
#[derive(Clone, Copy, PartialEq)]
enum Open {
    Paren,
    Bracket,
    Brace,
    /// A quoted string (a template).
    Quote,
    /// `${ … }` or `%{ … }` inside a quoted string.
    Interpolation,
}

/// Reject text whose brackets do not pair up before `hcl-edit` sees it: on unclosed brackets
/// spread over lines its parser backtracks exponentially (a 300-byte file took minutes), and a
/// file like that cannot be valid HCL anyway. Strings, `${ … }` templates, comments and
/// heredocs (skipped whole) are followed so that brackets inside them do not count.
fn check_brackets(text: &str, base: usize) -> Result<(), ParseError> {
    let b = text.as_bytes();
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut i = base;
    let error = |at: usize, message: String| {
        let (line, column) = super::LineIndex::new(b).position(at);
        ParseError {
            offset: at,
            line,
            column,
            message,
        }
    };
    while i < b.len() {
        let c = b[i];
        if matches!(stack.last(), Some((Open::Quote, _))) {
            match c {
                b'\\' => i += 1,
                b'"' => {
                    stack.pop();
                }
                b'\n' => {
                    let (_, at) = stack[stack.len() - 1];
                    return Err(error(at, "string not closed on its line".into()));
                }
                // `$${` and `%%{` are literal text.
                b'$' | b'%' if b.get(i + 1) == Some(&c) => i += 1,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    stack.push((Open::Interpolation, i));
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            b'"' => stack.push((Open::Quote, i)),
            b'(' => stack.push((Open::Paren, i)),
            b'[' => stack.push((Open::Bracket, i)),
            b'{' => stack.push((Open::Brace, i)),
            b')' | b']' | b'}' => {
                let closes = |o: Open| match c {
                    b')' => o == Open::Paren,
                    b']' => o == Open::Bracket,
                    _ => o == Open::Brace || o == Open::Interpolation,
                };
                match stack.pop() {
                    Some((o, _)) if closes(o) => {}
                    Some((_, at)) => {
                        let (line, column) = super::LineIndex::new(b).position(at);
                        return Err(error(
                            i,
                            format!(
                                "'{}' does not close what opens at line {line}, column {column}",
                                c as char
                            ),
                        ));
                    }
                    None => return Err(error(i, format!("'{}' closes nothing", c as char))),
                }
            }
            b'#' => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => match memchr::memmem::find(&b[i + 2..], b"*/") {
                Some(k) => i += 2 + k + 1,
                None => return Err(error(i, "comment not closed".into())),
            },
            b'<' if b.get(i + 1) == Some(&b'<') => {
                if let Some(end) = heredoc_end(b, i + 2) {
                    i = end;
                    continue;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    match stack.last() {
        Some(&(o, at)) => Err(error(
            at,
            match o {
                Open::Quote => "string not closed".into(),
                _ => format!("'{}' not closed", b[at] as char),
            },
        )),
        None => Ok(()),
    }
}

/// The offset of the line feed ending the line at `i` (or the end of the text).
fn line_end(b: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |k| i + k)
}

/// `at` follows `<<`: if a heredoc starts there (`<<ID` or `<<-ID`, then a line feed), the
/// offset just past its closing `ID` line; None when this is not a heredoc or it never closes
/// (then the parser reports it).
fn heredoc_end(b: &[u8], at: usize) -> Option<usize> {
    let start = at + usize::from(b.get(at) == Some(&b'-'));
    let len = b[start..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-')
        .count();
    let id = &b[start..start + len];
    if id.is_empty() || !matches!(b.get(start + len), Some(b'\n') | Some(b'\r')) {
        return None;
    }
    // `line` is the line feed before each line of the body.
    let mut line = line_end(b, start + len);
    while line < b.len() {
        let next = line_end(b, line + 1);
        let content = b[line + 1..next].trim_ascii();
        if content == id {
            return Some(next);
        }
        line = next;
    }
    None
}

/// The labels of a block node (`resource "aws_iam_role" "ci"` → `["aws_iam_role", "ci"]`).
pub fn labels(block: &Node) -> Vec<&Node> {
    block
        .get(LABELS_KEY)
        .and_then(Node::as_seq)
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

struct Converter<'a> {
    /// The whole file (spans from `hcl-edit` are relative to `text[base..]`).
    text: &'a str,
    base: usize,
}

impl Converter<'_> {
    fn span(&self, r: Option<Range<usize>>) -> Span {
        r.map(|r| Span::new(self.base + r.start, self.base + r.end))
            .unwrap_or_default()
    }

    fn source(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn body(&self, body: &Body) -> Vec<(Node, Node)> {
        let mut out = Vec::with_capacity(body.len());
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let key = Node::new(
                        Value::String(a.key.as_str().to_string()),
                        self.span(a.key.span()),
                    );
                    out.push((key, self.expr(&a.value)));
                }
                Structure::Block(b) => {
                    let key = Node::new(
                        Value::String(b.ident.as_str().to_string()),
                        self.span(b.ident.span()),
                    );
                    let labels: Vec<Node> = b
                        .labels
                        .iter()
                        .map(|l| {
                            Node::new(Value::String(l.as_str().to_string()), self.span(l.span()))
                        })
                        .collect();
                    let label_span = match (labels.first(), labels.last()) {
                        (Some(f), Some(l)) => Span::new(f.span.start, l.span.end),
                        _ => key.span,
                    };
                    let mut entries = vec![(
                        Node::new(Value::String(LABELS_KEY.into()), label_span),
                        Node::new(Value::Seq(labels), label_span),
                    )];
                    entries.extend(self.body(&b.body));
                    out.push((key, Node::new(Value::Map(entries), self.span(b.span()))));
                }
            }
        }
        out
    }

    fn expr(&self, e: &Expression) -> Node {
        let span = self.span(e.span());
        let value = match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(_) => Value::Number(self.source(span).to_string()),
            Expression::String(s) => return self.quoted(s.value().clone(), span),
            Expression::StringTemplate(_) => {
                let (decoded, _) = self.decode_quoted(span);
                return self.quoted(decoded, span);
            }
            Expression::HeredocTemplate(h) => {
                let body = self.span(h.template.span());
                let raw = self.source(body);
                if raw.trim_start().starts_with('{') {
                    if let Ok(node) = json::parse_at(raw, body.start) {
                        return Node::new(Value::Tagged("json".into(), Box::new(node)), span);
                    }
                }
                Value::String(raw.to_string())
            }
            Expression::Array(a) => Value::Seq(a.iter().map(|x| self.expr(x)).collect()),
            Expression::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| (self.key(k), self.expr(v.expr())))
                    .collect(),
            ),
            Expression::Parenthesis(p) => return self.expr(p.inner()),
            Expression::FuncCall(f) => {
                let name = f.name.name.as_str();
                let passthrough = matches!(name, "jsonencode" | "tolist" | "toset" | "tomap");
                match f.args.iter().next() {
                    Some(arg) if passthrough && !f.name.is_namespaced() && f.args.len() == 1 => {
                        Value::Tagged(name.to_string(), Box::new(self.expr(arg)))
                    }
                    _ => Value::Expr(self.source(span).to_string()),
                }
            }
            _ => Value::Expr(self.source(span).to_string()),
        };
        Node::new(value, span)
    }

    fn key(&self, k: &ObjectKey) -> Node {
        match k {
            ObjectKey::Ident(i) => {
                Node::new(Value::String(i.as_str().to_string()), self.span(i.span()))
            }
            ObjectKey::Expression(e) => self.expr(e),
        }
    }

    /// A quoted string: a JSON object in it is parsed in place, anything else stays a string.
    fn quoted(&self, value: String, span: Span) -> Node {
        if value.trim_start().starts_with('{') {
            let (decoded, offsets) = self.decode_quoted(span);
            if let Ok(node) = json::parse_mapped(&decoded, &offsets) {
                return Node::new(Value::Tagged("json".into(), Box::new(node)), span);
            }
        }
        Node::new(Value::String(value), span)
    }

    /// Decode the HCL escapes of the quoted string at `span`, keeping `${…}` interpolations as
    /// text, with the file offset of every decoded byte (plus one for the end).
    fn decode_quoted(&self, span: Span) -> (String, Vec<usize>) {
        let raw = self.source(span);
        let (inner, start) = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(inner) => (inner, span.start + 1),
            None => (raw, span.start),
        };
        let mut out = String::with_capacity(inner.len());
        let mut offsets = Vec::with_capacity(inner.len() + 1);
        let push = |out: &mut String, offsets: &mut Vec<usize>, c: char, at: usize| {
            out.push(c);
            offsets.extend(std::iter::repeat_n(at, c.len_utf8()));
        };
        let mut chars = inner.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let at = start + i;
            if c == '\\' {
                let Some(&(_, e)) = chars.peek() else {
                    push(&mut out, &mut offsets, c, at);
                    continue;
                };
                let simple = match e {
                    'n' => Some('\n'),
                    'r' => Some('\r'),
                    't' => Some('\t'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    _ => None,
                };
                if let Some(d) = simple {
                    chars.next();
                    push(&mut out, &mut offsets, d, at);
                    continue;
                }
                let width = match e {
                    'u' => 4,
                    'U' => 8,
                    _ => 0,
                };
                let hex = inner.get(i + 2..i + 2 + width);
                let decoded = hex
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32);
                match decoded {
                    Some(d) if width > 0 => {
                        for _ in 0..=width {
                            chars.next();
                        }
                        push(&mut out, &mut offsets, d, at);
                    }
                    _ => push(&mut out, &mut offsets, c, at),
                }
            } else if (c == '$' || c == '%') && inner[i + 1..].starts_with(&format!("{c}{{")) {
                // `$${` and `%%{` are escaped template openers.
                chars.next();
                push(&mut out, &mut offsets, c, at);
            } else {
                out.push(c);
                offsets.extend(at..at + c.len_utf8());
            }
        }
        offsets.push(start + inner.len());
        (out, offsets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(text: &'a str, n: &Node) -> &'a str {
        &text[n.span.start..n.span.end]
    }

    #[test]
    fn unclosed_brackets_over_lines_fail_fast() {
        // Found by fuzzing: the parser backtracked exponentially on this shape (8 repeats took
        // 14 s); the bracket check turns it down before the parser sees it.
        let text = "n = b[c<d_%e%f[g<h/{\n l<o/{\n".repeat(40);
        let started = std::time::Instant::now();
        let e = parse(&text).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(e.message.contains("not closed"), "{e}");
        // The innermost bracket left open: the last `{` of the last line.
        assert_eq!((e.line, e.column), (80, 6), "{e}");
    }

    #[test]
    fn bracket_errors_name_both_ends() {
        let e = parse("a = [1,\n  2}\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 4), "{e}");
        assert!(e.message.contains("line 1, column 5"), "{e}");
        assert!(parse("a = 1 ]")
            .unwrap_err()
            .message
            .contains("closes nothing"));
        assert!(parse("a = \"x [\nb = 1")
            .unwrap_err()
            .message
            .contains("string"));
        assert!(parse("/* [ ").unwrap_err().message.contains("comment"));
    }

    #[test]
    fn brackets_inside_strings_templates_comments_and_heredocs_do_not_count() {
        let text = r#"
locals {
  arn = "arn:${data.p.partition}:role/${element(
    coalescelist(a.b.*.role, [""]),
    index
  )}"
  path = replace(var.iam_path, "/^//", "")
  s    = "%{ for k, v in var.m }${k}=${v}%{ endfor }"
  t    = "$${literal} %%{literal} \" ["
  /* block [ { */
  # comment ( [
  // comment {
}
resource "x" "y" {
  values = [
    <<-EOT
    a: ${module.eks.cluster_name}
    b: [unclosed {
    EOT
  ]
  body = <<YAML
kind: ( x
YAML
}
"#;
        let root = parse(text).unwrap();
        assert!(root.get("resource").is_some());
        assert!(root.get("locals").is_some());
    }

    const TF: &str = r#"
# A role and its policy.
resource "aws_iam_role" "ci" {
  name               = "ci-deployer"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  count              = 2
  enabled            = true
  tags               = { team = "platform", "cost-center" = "42" }
}

resource "aws_iam_role_policy" "ci" {
  role = aws_iam_role.ci.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["s3:*"]
      Resource = "${aws_s3_bucket.b.arn}/*"
    }]
  })
}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
  }
  statement {
    effect = "Deny"
  }
}
"#;

    #[test]
    fn blocks_attributes_and_expressions() {
        let root = parse(TF).unwrap();
        let resources: Vec<&Node> = root.get_all("resource").collect();
        assert_eq!(resources.len(), 2);
        let role = resources[0];
        let l = labels(role);
        assert_eq!(l[0].as_str(), Some("aws_iam_role"));
        assert_eq!(at(TF, l[1]), "\"ci\"");
        assert_eq!(role.get("name").unwrap().as_str(), Some("ci-deployer"));
        assert_eq!(at(TF, role.get("name").unwrap()), "\"ci-deployer\"");
        assert_eq!(
            role.get("assume_role_policy").unwrap().as_expr(),
            Some("data.aws_iam_policy_document.trust.json")
        );
        assert_eq!(role.get("count").unwrap().value, Value::Number("2".into()));
        assert_eq!(role.get("enabled").unwrap().value, Value::Bool(true));
        let tags = role.get("tags").unwrap();
        assert_eq!(tags.get("cost-center").unwrap().as_str(), Some("42"));
        let (k, _) = role.entry("name").unwrap();
        assert_eq!(at(TF, k), "name");

        let policy = resources[1].get("policy").unwrap();
        assert!(matches!(&policy.value, Value::Tagged(t, _) if t == "jsonencode"));
        let st = &policy.get("Statement").unwrap().as_seq().unwrap()[0];
        let action = &st.get("Action").unwrap().strings()[0];
        assert_eq!(action.0, "s3:*");
        assert_eq!(at(TF, action.1), "\"s3:*\"");
        assert_eq!(
            st.get("Resource").unwrap().as_str(),
            Some("${aws_s3_bucket.b.arn}/*")
        );

        let data = root.get("data").unwrap();
        assert_eq!(data.get_all("statement").count(), 2);
    }

    #[test]
    fn heredoc_and_quoted_json_point_into_the_file() {
        let tf = "resource \"aws_iam_policy\" \"p\" {\n  policy = <<-EOT\n    {\n      \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"${var.arn}\"}]\n    }\n  EOT\n  other = \"{\\\"Action\\\": \\\"iam:*\\\"}\"\n  script = <<EOF\necho hi\nEOF\n}\n";
        let root = parse(tf).unwrap();
        let p = root.get("resource").unwrap();
        let policy = p.get("policy").unwrap();
        assert!(matches!(&policy.value, Value::Tagged(t, _) if t == "json"));
        let st = &policy.get("Statement").unwrap().as_seq().unwrap()[0];
        let action = st.get("Action").unwrap();
        assert_eq!(at(tf, action), "\"*\"");
        assert_eq!(st.get("Resource").unwrap().as_str(), Some("${var.arn}"));
        let other = p.get("other").unwrap();
        let action = other.get("Action").unwrap();
        assert_eq!(action.as_str(), Some("iam:*"));
        assert_eq!(at(tf, action), "\\\"iam:*\\\"");
        assert_eq!(p.get("script").unwrap().as_str(), Some("echo hi\n"));
    }

    #[test]
    fn errors_have_positions_and_deep_input_is_rejected() {
        let e = parse("resource \"a\" \"b\" {\n  x = \n}\n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 7), "{e}");
        let deep = format!("x = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse(&deep).is_err());
        let deep_blocks = "a {\n".repeat(5_000) + &"}\n".repeat(5_000);
        assert!(parse(&deep_blocks).is_err());
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let tf = "\u{feff}resource \"a\" \"b\" {\r\n  name = \"x\"\r\n}\r\n";
        let root = parse(tf).unwrap();
        let name = root.get("resource").unwrap().get("name").unwrap();
        assert_eq!(at(tf, name), "\"x\"");
    }
}
