//! YAML (and JSON, a subset of YAML 1.2) into the span-preserving [`Node`] tree, for ledgers.
//!
//! Kept minimal and private to the claims module: the shared loader in `models` supersedes it.

use crate::models::{Node, Span, Value};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// Ledgers are small, shallow documents: deeper nesting is a mistake or an attack.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    /// Byte offset of the problem in the text.
    pub offset: usize,
    pub message: String,
}

/// Parse the first document of `text`; an empty stream is an empty map's absence (`None`).
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let offsets = CharOffsets::new(text);
    let docs = MarkedYaml::load_from_str(text).map_err(|e| YamlError {
        offset: offsets.byte(e.marker().index()),
        message: e.info().to_string(),
    })?;
    if docs.len() > 1 {
        return Err(YamlError {
            offset: offsets.byte(docs[1].span.start.index()),
            message: "more than one YAML document; a ledger is one document".into(),
        });
    }
    match docs.first() {
        None => Ok(None),
        Some(doc) => convert(doc, text, &offsets, 0).map(Some),
    }
}

fn convert(
    y: &MarkedYaml<'_>,
    text: &str,
    offsets: &CharOffsets,
    depth: usize,
) -> Result<Node, YamlError> {
    let span = Span::new(
        offsets.byte(y.span.start.index()),
        offsets.byte(y.span.end.index()),
    );
    if depth > MAX_DEPTH {
        return Err(YamlError {
            offset: span.start,
            message: format!("nested more than {MAX_DEPTH} levels deep"),
        });
    }
    let source = || {
        text.get(span.start..span.end)
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let value = match &y.data {
        YamlData::Value(s) => match s {
            Scalar::Null => Value::Null,
            Scalar::Boolean(b) => Value::Bool(*b),
            // Numbers keep their source text: `1e5` must stay comparable as written.
            Scalar::Integer(_) | Scalar::FloatingPoint(_) => Value::Number(source()),
            Scalar::String(s) => Value::String(s.to_string()),
        },
        YamlData::Representation(s, _, _) => Value::String(s.to_string()),
        YamlData::Sequence(items) => Value::Seq(
            items
                .iter()
                .map(|i| convert(i, text, offsets, depth + 1))
                .collect::<Result<_, _>>()?,
        ),
        YamlData::Mapping(map) => Value::Map(
            map.iter()
                .map(|(k, v)| {
                    Ok((
                        convert(k, text, offsets, depth + 1)?,
                        convert(v, text, offsets, depth + 1)?,
                    ))
                })
                .collect::<Result<_, YamlError>>()?,
        ),
        YamlData::Tagged(tag, inner) => Value::Tagged(
            format!("{}{}", tag.handle, tag.suffix),
            Box::new(convert(inner, text, offsets, depth + 1)?),
        ),
        YamlData::Alias(_) | YamlData::BadValue => {
            return Err(YamlError {
                offset: span.start,
                message: "unsupported or invalid YAML value".into(),
            })
        }
    };
    Ok(Node::new(value, span))
}

/// Character index → byte offset, with a checkpoint every 64 characters so that long single-line
/// JSON stays linear.
struct CharOffsets<'a> {
    text: &'a str,
    checkpoints: Vec<usize>,
}

impl<'a> CharOffsets<'a> {
    fn new(text: &'a str) -> Self {
        let checkpoints = text.char_indices().step_by(64).map(|(b, _)| b).collect();
        CharOffsets { text, checkpoints }
    }

    fn byte(&self, char_index: usize) -> usize {
        let Some(&start) = self.checkpoints.get(char_index / 64) else {
            return self.text.len();
        };
        self.text[start..]
            .char_indices()
            .nth(char_index % 64)
            .map_or(self.text.len(), |(b, _)| start + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_with_spans() {
        let text = "a: 1\nb: [x, 'y']\nc: é\nd: true\n";
        let n = parse(text).unwrap().unwrap();
        let b = n.get("b").unwrap();
        assert_eq!(&text[b.span.start..b.span.start + 1], "[");
        assert_eq!(n.get("a").unwrap().value, Value::Number("1".into()));
        assert_eq!(n.get("d").unwrap().value, Value::Bool(true));
        let c = n.get("c").unwrap();
        assert_eq!(&text[c.span.start..c.span.end], "é");
        let j = parse("{\"k\": {\"v\": \"1e5\"}, \"n\": 1e5}")
            .unwrap()
            .unwrap();
        assert_eq!(j.get("n").unwrap().value, Value::Number("1e5".into()));
        assert_eq!(j.get("k").unwrap().get("v").unwrap().as_str(), Some("1e5"));
    }

    #[test]
    fn errors_have_offsets() {
        let e = parse("a: 1\nb: [unclosed\n").unwrap_err();
        assert!(e.offset > 4, "{e:?}");
        assert!(
            parse("a: 1\na: 2\n").is_err(),
            "duplicate keys are rejected"
        );
        assert!(parse("").unwrap().is_none());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep).unwrap_err().message.contains("nested"));
    }
}
