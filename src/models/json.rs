//! JSON → [`Node`] with byte spans.
//!
//! Strict JSON (RFC 8259), plus two tolerances that real policy and template files need:
//! `//` and `/* */` comments, and a trailing comma before `]` or `}`. The parser is iterative
//! (an explicit stack, no recursion), and nesting deeper than [`MAX_DEPTH`] is an error, so no
//! input can overflow the stack — neither here nor in the code that later walks the tree.

use super::{Node, ParseError, Span, Value};

/// The deepest nesting of arrays and objects accepted. IAM policies and CloudFormation templates
/// rarely exceed 15 levels; the limit only exists so hostile input cannot exhaust the stack of
/// recursive consumers (and of `Drop`).
pub const MAX_DEPTH: usize = 128;

/// Parse a JSON document.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    Parser::new(text, OffsetMap::Shift(0)).document()
}

/// Parse JSON that is embedded at byte `base` of a larger file (a Terraform heredoc): spans and
/// error offsets point into the larger file. Error lines and columns stay relative to `text`.
pub fn parse_at(text: &str, base: usize) -> Result<Node, ParseError> {
    Parser::new(text, OffsetMap::Shift(base)).document()
}

/// Parse JSON whose bytes were decoded from an escaped string: `offsets[i]` is the position in
/// the larger file of byte `i` of `text` (with one extra entry for the end), so spans point at
/// the escaped source.
pub fn parse_mapped(text: &str, offsets: &[usize]) -> Result<Node, ParseError> {
    Parser::new(text, OffsetMap::Table(offsets)).document()
}

enum OffsetMap<'a> {
    Shift(usize),
    Table(&'a [usize]),
}

enum Frame {
    Array {
        start: usize,
        items: Vec<Node>,
    },
    Object {
        start: usize,
        entries: Vec<(Node, Node)>,
        /// The key whose value is being parsed.
        key: Option<Node>,
    },
}

/// What follows an opening bracket or a comma inside an object.
enum KeyOrEnd {
    Key,
    End,
}

struct Parser<'a> {
    text: &'a str,
    s: &'a [u8],
    pos: usize,
    map: OffsetMap<'a>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, map: OffsetMap<'a>) -> Parser<'a> {
        // A UTF-8 byte order mark is not JSON, but editors on Windows write one.
        let pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
        Parser {
            text,
            s: text.as_bytes(),
            pos,
            map,
        }
    }

    fn offset(&self, local: usize) -> usize {
        match self.map {
            OffsetMap::Shift(base) => base + local,
            OffsetMap::Table(t) => t.get(local).or_else(|| t.last()).copied().unwrap_or(local),
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.offset(start), self.offset(end))
    }

    fn error(&self, at: usize, message: impl Into<String>) -> ParseError {
        let at = at.min(self.s.len());
        let before = &self.s[..at];
        let line = 1 + memchr::memchr_iter(b'\n', before).count();
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        let column = 1 + self.s[line_start..at]
            .iter()
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count();
        ParseError {
            offset: self.offset(at),
            line: line as u32,
            column: column as u32,
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// Skip whitespace and comments.
    fn skip_ws(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') if self.s.get(self.pos + 1) == Some(&b'/') => {
                    self.pos = memchr::memchr(b'\n', &self.s[self.pos..])
                        .map_or(self.s.len(), |i| self.pos + i + 1);
                }
                Some(b'/') if self.s.get(self.pos + 1) == Some(&b'*') => {
                    let from = self.pos + 2;
                    match memchr::memmem::find(&self.s[from..], b"*/") {
                        Some(i) => self.pos = from + i + 2,
                        None => return Err(self.error(self.pos, "unterminated comment")),
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn document(mut self) -> Result<Node, ParseError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.skip_ws()?;
            let start = self.pos;
            let mut value = match self.peek() {
                Some(b'{') => {
                    self.open(&mut stack, start)?;
                    stack.push(Frame::Object {
                        start,
                        entries: Vec::new(),
                        key: None,
                    });
                    match self.key_or_end(&mut stack, b'}')? {
                        KeyOrEnd::Key => continue 'value,
                        KeyOrEnd::End => self.close(&mut stack)?,
                    }
                }
                Some(b'[') => {
                    self.open(&mut stack, start)?;
                    stack.push(Frame::Array {
                        start,
                        items: Vec::new(),
                    });
                    self.skip_ws()?;
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        self.close(&mut stack)?
                    } else {
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    let s = self.string()?;
                    Node::new(Value::String(s), self.span(start, self.pos))
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal("true", Value::Bool(true))?,
                Some(b'f') => self.literal("false", Value::Bool(false))?,
                Some(b'n') => self.literal("null", Value::Null)?,
                Some(_) => return Err(self.error(start, "expected a JSON value")),
                None => return Err(self.error(start, "unexpected end of input, expected a value")),
            };
            // Hand the finished value to its container, closing containers as they end.
            loop {
                match stack.last_mut() {
                    None => {
                        self.skip_ws()?;
                        if self.pos < self.s.len() {
                            return Err(
                                self.error(self.pos, "unexpected content after the JSON value")
                            );
                        }
                        return Ok(value);
                    }
                    Some(Frame::Array { items, .. }) => {
                        items.push(value);
                        self.skip_ws()?;
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws()?;
                                if self.peek() == Some(b']') {
                                    self.pos += 1;
                                    value = self.close(&mut stack)?;
                                } else {
                                    continue 'value;
                                }
                            }
                            Some(b']') => {
                                self.pos += 1;
                                value = self.close(&mut stack)?;
                            }
                            _ => {
                                return Err(self.error(self.pos, "expected ',' or ']' in an array"))
                            }
                        }
                    }
                    Some(Frame::Object { entries, key, .. }) => {
                        let Some(k) = key.take() else {
                            return Err(self.error(self.pos, "internal error: value without a key"));
                        };
                        entries.push((k, value));
                        self.skip_ws()?;
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                match self.key_or_end(&mut stack, b'}')? {
                                    KeyOrEnd::Key => continue 'value,
                                    KeyOrEnd::End => value = self.close(&mut stack)?,
                                }
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                value = self.close(&mut stack)?;
                            }
                            _ => {
                                return Err(self.error(self.pos, "expected ',' or '}' in an object"))
                            }
                        }
                    }
                }
            }
        }
    }

    /// Consume an opening bracket, enforcing the depth limit.
    fn open(&mut self, stack: &mut [Frame], start: usize) -> Result<(), ParseError> {
        if stack.len() >= MAX_DEPTH {
            return Err(self.error(start, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        self.pos += 1;
        Ok(())
    }

    /// After `{` or `,` in an object: either a key and its colon (left in the frame), or the
    /// closing brace (consumed; a trailing comma is tolerated).
    fn key_or_end(&mut self, stack: &mut [Frame], close: u8) -> Result<KeyOrEnd, ParseError> {
        self.skip_ws()?;
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(KeyOrEnd::End);
        }
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return Err(self.error(start, "expected a quoted object key"));
        }
        let k = self.string()?;
        let key = Node::new(Value::String(k), self.span(start, self.pos));
        self.skip_ws()?;
        if self.peek() != Some(b':') {
            return Err(self.error(self.pos, "expected ':' after an object key"));
        }
        self.pos += 1;
        if let Some(Frame::Object { key: slot, .. }) = stack.last_mut() {
            *slot = Some(key);
        }
        Ok(KeyOrEnd::Key)
    }

    /// Pop the innermost container (its closing bracket already consumed) into a node.
    fn close(&mut self, stack: &mut Vec<Frame>) -> Result<Node, ParseError> {
        let end = self.pos;
        match stack.pop() {
            Some(Frame::Array { start, items }) => {
                Ok(Node::new(Value::Seq(items), self.span(start, end)))
            }
            Some(Frame::Object { start, entries, .. }) => {
                Ok(Node::new(Value::Map(entries), self.span(start, end)))
            }
            None => Err(self.error(end, "internal error: unbalanced brackets")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Node, ParseError> {
        let start = self.pos;
        let end = start + word.len();
        let next_is_word = self
            .s
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if self.s.get(start..end) != Some(word.as_bytes()) || next_is_word {
            return Err(self.error(start, "expected a JSON value"));
        }
        self.pos = end;
        Ok(Node::new(value, self.span(start, end)))
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        let digits = |p: &mut Parser| {
            let from = p.pos;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos - from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error(self.pos, "invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return Err(self.error(self.pos, "expected digits after '.'"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return Err(self.error(self.pos, "expected digits in the exponent"));
            }
        }
        if self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
            return Err(self.error(self.pos, "invalid number"));
        }
        let text = self.text[start..self.pos].to_string();
        Ok(Node::new(Value::Number(text), self.span(start, self.pos)))
    }

    /// A string starting at the current `"`; leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character in one go.
            let run = self.s[self.pos..]
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .map_or(self.s.len(), |i| self.pos + i);
            out.push_str(&self.text[self.pos..run]);
            self.pos = run;
            match self.peek() {
                None => return Err(self.error(open, "unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                // Tabs inside strings are invalid JSON but common and harmless.
                Some(b'\t') => {
                    out.push('\t');
                    self.pos += 1;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = self.peek();
                    self.pos += 1;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let c = self.unicode_escape()?;
                            out.push(c);
                        }
                        _ => return Err(self.error(self.pos - 2, "invalid escape sequence")),
                    }
                }
                Some(_) => {
                    return Err(self.error(
                        self.pos,
                        "unterminated string (raw control character or line break)",
                    ))
                }
            }
        }
    }

    /// After `\u`: four hex digits, combining a surrogate pair when one follows. Lone surrogates
    /// become U+FFFD rather than an error: they are syntactically valid JSON.
    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let hi = self.hex4()?;
        if (0xD800..0xDC00).contains(&hi) && self.s.get(self.pos..self.pos + 2) == Some(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Ok(char::from_u32(c).unwrap_or('\u{fffd}'));
            }
            self.pos = save;
        }
        Ok(char::from_u32(hi).unwrap_or('\u{fffd}'))
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let digits = self
            .s
            .get(self.pos..self.pos + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| {
                u32::from_str_radix(h, 16)
                    .ok()
                    .filter(|_| !h.starts_with('+'))
            });
        match digits {
            Some(v) => {
                self.pos += 4;
                Ok(v)
            }
            None => Err(self.error(self.pos, "expected four hex digits after \\u")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at<'a>(text: &'a str, n: &Node) -> &'a str {
        &text[n.span.start..n.span.end]
    }

    #[test]
    fn values_and_spans() {
        let text = r#" {"Effect": "Allow", "Action": ["s3:*", "iam:PassRole"], "n": -1.5e3, "t": true, "z": null} "#;
        let root = parse(text).unwrap();
        assert_eq!(at(text, &root).chars().next(), Some('{'));
        assert!(at(text, &root).ends_with('}'));
        let (k, v) = root.entry("Effect").unwrap();
        assert_eq!(at(text, k), "\"Effect\"");
        assert_eq!(at(text, v), "\"Allow\"");
        let actions = root.get("Action").unwrap().strings();
        assert_eq!(actions.len(), 2);
        assert_eq!(at(text, actions[1].1), "\"iam:PassRole\"");
        assert_eq!(root.get("n").unwrap().value, Value::Number("-1.5e3".into()));
        assert_eq!(root.get("t").unwrap().value, Value::Bool(true));
        assert_eq!(root.get("z").unwrap().value, Value::Null);
    }

    #[test]
    fn escapes_decode() {
        let root = parse(r#"["a\"b\\c\/\n\u00e9\ud83d\ude00\ud800x"]"#).unwrap();
        assert_eq!(
            root.as_seq().unwrap()[0].as_str(),
            Some("a\"b\\c/\né😀\u{fffd}x")
        );
    }

    #[test]
    fn comments_trailing_commas_and_bom() {
        let text = "\u{feff}// policy\n{ /* inline */ \"a\": [1, 2,], \"b\": {\"c\": 1,}, }\n";
        let root = parse(text).unwrap();
        assert_eq!(root.get("a").unwrap().as_seq().unwrap().len(), 2);
        assert!(root.get("b").unwrap().get("c").is_some());
        assert_eq!(parse("[]").unwrap().as_seq().unwrap().len(), 0);
        assert_eq!(parse("{}").unwrap().as_map().unwrap().len(), 0);
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("{\n  \"a\": 1\n  \"b\": 2\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 3), "{e}");
        let e = parse("{\"a\": tru}").unwrap_err();
        assert_eq!((e.line, e.column), (1, 7));
        let e = parse("[1, 2").unwrap_err();
        assert!(e.message.contains("expected"), "{e}");
        let e = parse("\"abc").unwrap_err();
        assert!(e.message.contains("unterminated"));
        let e = parse("{\"a\": \"x\ny\"}").unwrap_err();
        assert_eq!(e.line, 1);
        for bad in [
            "",
            "{",
            "}",
            "[,]",
            "{,}",
            "01",
            "1.",
            "-",
            "1e",
            "{\"a\" 1}",
            "{a: 1}",
            "[1] 2",
            "\"\\x\"",
            "\"\\u12g4\"",
            "nul",
            "truex",
            "/* open",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nesting"), "{e}");
        let deep_obj = "{\"a\":".repeat(10_000) + "1" + &"}".repeat(10_000);
        assert!(parse(&deep_obj).is_err());
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn embedded_offsets() {
        let node = parse_at("{\"a\": 1}", 100).unwrap();
        assert_eq!(node.span, Span::new(100, 108));
        assert_eq!(node.entry("a").unwrap().0.span, Span::new(101, 104));
        // "ab" decoded from a source where every byte is escaped (two source bytes each).
        let offsets: Vec<usize> = (0..=4).map(|i| 10 + 2 * i).collect();
        let node = parse_mapped("\"ab\"", &offsets).unwrap();
        assert_eq!(node.span, Span::new(10, 18));
    }
}
