//! Go-templated YAML (Helm chart templates, CloudFormation's `{{resolve:…}}`) made loadable
//! without rendering it: ferret never runs the chart, so template actions are masked in place and
//! what the template states literally (`verbs: ["*"]`, a binding to `cluster-admin`) is checked
//! as written.
//!
//! Masking keeps every byte offset: an action alone on its lines (`{{- if .Values.rbac }}`,
//! `{{- toYaml . | nindent 4 }}`) becomes blanks, a blank line (or, first in a block scalar, a
//! line of `#`); an action inside a line (`name: {{ .Release.Name }}-sa`) becomes a run of `x`,
//! a plain scalar. Spans into the masked text are therefore spans into the original, and
//! [`restore`] puts the original text back into every scalar that held an action, so messages
//! quote `{{ .Release.Name }}-sa`, never the mask. Values a template computes stay unknown:
//! checks only fire on literal text.

use super::{yaml, Node, Value};

/// The byte range of one template action, `{{` to `}}` inclusive.
type Action = (usize, usize);

/// The byte ranges of the template actions `{{ … }}` in `text`, in order. Quotes, raw strings
/// and comments inside an action are skipped, so a `}}` inside them does not end it. An action
/// with no end ends the list: the rest of the file is left as it is.
fn actions(text: &[u8]) -> Vec<Action> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = memchr::memmem::find(&text[at..], b"{{").map(|i| at + i) {
        let Some(end) = action_end(text, open + 2) else {
            break;
        };
        found.push((open, end));
        at = end;
    }
    found
}

/// The end (exclusive) of the action whose body starts at `i`: just past its `}}`.
fn action_end(text: &[u8], mut i: usize) -> Option<usize> {
    while i < text.len() {
        match text[i] {
            b'}' if text.get(i + 1) == Some(&b'}') => return Some(i + 2),
            b'"' | b'\'' => {
                let quote = text[i];
                i += 1;
                while i < text.len() && text[i] != quote {
                    // Escapes only in Go's interpreted strings and rune literals; a newline ends
                    // a broken literal rather than swallowing the file.
                    if text[i] == b'\n' {
                        break;
                    }
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'`' => i = memchr::memchr(b'`', &text[i + 1..]).map(|j| i + 1 + j + 1)?,
            b'/' if text.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&text[i + 2..], b"*/").map(|j| i + 2 + j + 2)?
            }
            _ => i += 1,
        }
    }
    None
}

/// Load Go-templated YAML (see the module doc): `None` when `text` holds no action, else the
/// documents with the original text restored, or why the masked text is not YAML either.
pub fn load(text: &[u8]) -> Option<Result<Vec<Node>, yaml::YamlError>> {
    let masked = mask(text)?;
    Some(yaml::load(&masked).map(|mut roots| {
        restore(text, &mut roots);
        roots
    }))
}

/// `text` with its template actions masked (see the module doc), the same length byte for byte,
/// or `None` when it holds no action. Linear in the text: what surrounds an action on its line
/// is gathered gap by gap, so a line of a million actions costs no more than a million lines.
pub fn mask(text: &[u8]) -> Option<Vec<u8>> {
    mask_and_actions(text).map(|(out, _)| out)
}

/// [`mask`], with the actions it masked.
fn mask_and_actions(text: &[u8]) -> Option<(Vec<u8>, Vec<Action>)> {
    let found = actions(text);
    if found.is_empty() {
        return None;
    }
    // First every action's bytes become holes (line breaks kept), so a line holding only
    // actions and blanks is recognised whatever their order; then each action gets its mask.
    let mut out = text.to_vec();
    for &(s, e) in &found {
        for b in &mut out[s..e] {
            if !matches!(*b, b'\n' | b'\r') {
                *b = HOLE;
            }
        }
    }
    // What precedes each action on its line, carried from the action before it on the line.
    let mut before: Vec<(usize, LineScan)> = Vec::with_capacity(found.len());
    for (k, &(s, _)) in found.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| (found[p], before[p]));
        let gap_start = prev.map_or(0, |((_, pe), _)| pe);
        let (line_start, mut scan) = match memchr::memrchr(b'\n', &out[gap_start..s]) {
            Some(i) => (gap_start + i + 1, LineScan::default()),
            None => match prev {
                None => (0, LineScan::default()),
                // The line starts inside the action before (holes: blank, no quote).
                Some(((ps, pe), _)) if out[ps..pe].contains(&b'\n') => (
                    memchr::memrchr(b'\n', &out[ps..pe]).map_or(ps, |i| ps + i + 1),
                    LineScan::default(),
                ),
                Some((_, (line_start, scan))) => (line_start, scan),
            },
        };
        scan.feed(&out[line_start.max(gap_start)..s]);
        before.push((line_start, scan));
    }
    // The first byte after each action on its line that is neither blank nor a hole.
    let mut after: Vec<Option<u8>> = vec![None; found.len()];
    for k in (0..found.len()).rev() {
        let e = found[k].1;
        let next = found.get(k + 1).copied();
        let gap = &out[e..next.map_or(out.len(), |(ns, _)| ns)];
        after[k] = match gap.iter().find(|&&b| b == b'\n' || !blank(b)) {
            Some(b'\n') => None,
            Some(&b) => Some(b),
            None => match next {
                Some((ns, ne)) if !out[ns..ne].contains(&b'\n') => after[k + 1],
                _ => None,
            },
        };
    }
    let mut block_start: Option<(usize, bool)> = None;
    let mut fills = Vec::with_capacity(found.len());
    for (k, &(s, e)) in found.iter().enumerate() {
        let (line_start, scan) = before[k];
        // Blanks to the line's end, or up to a comment (`{{- end }} # if .Values.x`).
        let ends_line = after[k].is_none_or(|b| b == b'#');
        let alone = scan.blank && ends_line;
        // `labels: {{- include "x.labels" . | nindent 4 }}`: the output starts on a new line,
        // so the key's value is the block the action writes below it, not a scalar.
        let opens_block = ends_line && memchr::memmem::find(&text[s..e], b"nindent").is_some();
        // Inside a quoted scalar, or where a value goes, the action stands for text; right
        // after a finished flow item (`["get", "watch"{{ range … }}, …]`) it adds items, and
        // text there would break the YAML, so it is left out.
        let after_item =
            scan.quote.is_none() && matches!(scan.last, Some(b'"' | b'\'' | b']' | b'}'));
        fills.push(if alone {
            // A blank line, except as the first line of a block scalar (`run: |`), where one
            // more indented than the script's first line is an error: there a line of `#`.
            let first_in_block = match block_start {
                Some((at, first)) if at == line_start => first,
                _ => opens_block_scalar(&out, line_start),
            };
            block_start = Some((line_start, first_in_block));
            if first_in_block {
                b'#'
            } else {
                b' '
            }
        } else if opens_block || after_item {
            b' '
        } else {
            b'x'
        });
    }
    for (&(s, e), fill) in found.iter().zip(fills) {
        for b in &mut out[s..e] {
            if *b == HOLE {
                *b = fill;
            }
        }
    }
    Some((out, found))
}

/// What a line holds ahead of a point: only blanks and holes so far, the quote it is inside
/// (if any), and its last byte that is neither.
#[derive(Debug, Clone, Copy)]
struct LineScan {
    blank: bool,
    quote: Option<u8>,
    last: Option<u8>,
}

impl Default for LineScan {
    fn default() -> LineScan {
        LineScan {
            blank: true,
            quote: None,
            last: None,
        }
    }
}

impl LineScan {
    fn feed(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if !blank(b) {
                self.blank = false;
                self.last = Some(b);
            }
            match (self.quote, b) {
                (None, q @ (b'"' | b'\'')) => self.quote = Some(q),
                (Some(b'"'), b'\\') => i += 1,
                (Some(q), b) if b == q => self.quote = None,
                _ => {}
            }
            i += 1;
        }
    }
}

/// What an action's bytes are while [`mask`] decides how to fill them (YAML has no NUL).
const HOLE: u8 = 0;

/// A byte that leaves a line blank for YAML, or the hole of an action.
fn blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | HOLE)
}

/// Whether the line starting at `line_start` is the first of a block scalar: the nearest line
/// above with anything on it ends in a block indicator (`|`, `>-`, `|2`, ahead of an optional
/// comment). A line above holding only actions has taken that place already.
fn opens_block_scalar(out: &[u8], line_start: usize) -> bool {
    let mut end = line_start;
    while end > 0 {
        let prev_start = memchr::memrchr(b'\n', &out[..end - 1]).map_or(0, |i| i + 1);
        let line = &out[prev_start..end - 1];
        end = prev_start;
        if line.iter().all(|&b| blank(b)) {
            if line.contains(&HOLE) {
                return false;
            }
            continue;
        }
        let code = line
            .windows(2)
            .position(|w| blank(w[0]) && w[1] == b'#')
            .map_or(line, |i| &line[..i]);
        let code = code.trim_ascii_end();
        let head = code.len()
            - code
                .iter()
                .rev()
                .take(2)
                .take_while(|b| matches!(b, b'-' | b'+' | b'1'..=b'9'))
                .count();
        return head > 0
            && matches!(code[head - 1], b'|' | b'>')
            && (head == 1 || blank(code[head - 2]));
    }
    false
}

/// Whether some action of `text` may put YAML of its own into the rendered file: one that does
/// not stand for a scalar and is not control flow, a variable assignment or a comment
/// (`{{- toYaml .Values.x | nindent 8 }}`, `{{ include "chart.podSpec" . }}`). Checks that
/// fire on something *missing* (no service account named) cannot judge such a file: the
/// inserted text may hold it.
pub fn inserts_yaml(text: &[u8]) -> bool {
    let Some((masked, found)) = mask_and_actions(text) else {
        return false;
    };
    found
        .into_iter()
        .any(|(s, e)| masked[s] != b'x' && !is_quiet(&text[s + 2..e - 2]))
}

/// An action body that prints nothing: control flow, an assignment or a comment.
fn is_quiet(body: &[u8]) -> bool {
    let body = body.strip_prefix(b"-").unwrap_or(body);
    let body = body.strip_suffix(b"-").unwrap_or(body).trim_ascii();
    if body.starts_with(b"/*") {
        return true;
    }
    let word_end = body
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'$' | b'_')))
        .unwrap_or(body.len());
    let (word, rest) = body.split_at(word_end);
    const CONTROL: [&[u8]; 9] = [
        b"if",
        b"else",
        b"end",
        b"range",
        b"with",
        b"define",
        b"block",
        b"break",
        b"continue",
    ];
    CONTROL.contains(&word)
        || (word.starts_with(b"$") && {
            let rest = rest.trim_ascii_start();
            rest.starts_with(b":=") || rest.starts_with(b"=")
        })
}

/// Put the original text back into every string node of `roots` (loaded from [`mask`]ed text)
/// whose span in `original` holds an action: a plain scalar reads as written, a quoted one
/// without its quotes. A scalar whose text the YAML loader changed (escapes, folding) keeps the
/// masked value, which still matches no literal a check looks for.
pub fn restore(original: &[u8], roots: &mut [Node]) {
    for root in roots {
        restore_node(original, root);
    }
}

fn restore_node(original: &[u8], node: &mut Node) {
    match &mut node.value {
        Value::String(s) => {
            let Some(raw) = original.get(node.span.start..node.span.end) else {
                return;
            };
            if memchr::memmem::find(raw, b"{{").is_none() {
                return;
            }
            let unquoted = match raw {
                [q @ (b'"' | b'\''), inner @ .., last] if last == q => inner,
                _ => raw,
            };
            if unquoted.len() == s.len() {
                if let Ok(text) = std::str::from_utf8(unquoted) {
                    *s = text.to_string();
                }
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|n| restore_node(original, n)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            restore_node(original, k);
            restore_node(original, v);
        }),
        Value::Tagged(_, inner) => restore_node(original, inner),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::Expr(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::yaml;

    fn masked(text: &str) -> String {
        String::from_utf8(mask(text.as_bytes()).expect("has actions")).unwrap()
    }

    #[test]
    fn actions_alone_on_a_line_become_blank_and_inline_ones_a_scalar() {
        let text = "{{- if .Values.rbac.create }}\nmetadata:\n  name: {{ include \"x.fullname\" . }}-sa\n  labels:\n    {{- include \"x.labels\" . | nindent 4 }}\n{{- end }}{{/* done */}}\n";
        let out = masked(text);
        assert_eq!(out.len(), text.len());
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], " ".repeat(29));
        let action = "{{ include \"x.fullname\" . }}";
        assert_eq!(lines[2], format!("  name: {}-sa", "x".repeat(action.len())));
        let labels = "{{- include \"x.labels\" . | nindent 4 }}";
        assert_eq!(lines[4], format!("    {}", " ".repeat(labels.len())));
        assert!(
            lines[5].bytes().all(|b| b == b' '),
            "two actions and nothing else on a line"
        );
    }

    #[test]
    fn a_comment_after_an_action_and_nindent_after_a_key_leave_no_text() {
        let text = "{{- end }} # if .Values.a\nmetadata:\n  labels: {{- include \"l\" . | nindent 4 }}\n    tier: api\n  name: {{ .N }} # the name\n";
        let out = masked(text);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], format!("{} # if .Values.a", " ".repeat(10)));
        assert_eq!(lines[2].trim_end(), "  labels:");
        let roots = yaml::load(out.as_bytes()).expect("masked text loads");
        let meta = roots[0].get("metadata").unwrap();
        assert_eq!(
            meta.get("labels").unwrap().get("tier").unwrap().as_str(),
            Some("api")
        );
        // A value followed by a comment is still a value.
        assert_eq!(lines[4], "  name: xxxxxxxx # the name");
    }

    #[test]
    fn an_action_inside_a_block_scalar_keeps_its_indentation() {
        let text = "command:\n  - |\n    {{- if .Values.tls }}\n    openssl req -subj '/CN={{ .Values.domain }}'\n    {{- end }}\n    cp -a /a /b\n";
        let roots = load(text.as_bytes()).unwrap().expect("masked text loads");
        let script = roots[0].get("command").unwrap().as_seq().unwrap()[0]
            .as_str()
            .unwrap();
        assert!(script.ends_with("cp -a /a /b\n"), "{script}");
        // First in the scalar, a blank line more indented than the script would be an error.
        let lines: Vec<String> = masked(text).lines().map(str::to_string).collect();
        assert_eq!(lines[2], format!("    {}", "#".repeat(21)));
        assert_eq!(lines[4].trim(), "", "later lines stay blank");
        // Less indented than the script: a line of `#` would end the scalar, a blank one fits.
        let text =
            "command:\n  - |\n    echo a\n  {{- if .X }}\n    echo b\n  {{- end }}\n    echo c\n";
        let roots = load(text.as_bytes()).unwrap().expect("masked text loads");
        let script = roots[0].get("command").unwrap().as_seq().unwrap()[0]
            .as_str()
            .unwrap();
        assert!(script.starts_with("echo a\n") && script.contains("\necho b\n"));
        assert!(script.ends_with("\necho c\n"), "{script:?}");
    }

    #[test]
    fn quotes_raw_strings_and_comments_do_not_end_an_action() {
        let text = "a: {{ printf \"}}\" }}\nb: {{ `}}` }}\nc: {{/* }} */}}\nd: {{ '}' }}\n";
        assert_eq!(
            actions(text.as_bytes()).len(),
            4,
            "{:?}",
            actions(text.as_bytes())
        );
        let out = masked(text);
        for line in out.lines() {
            assert!(line[3..].bytes().all(|b| b == b'x'), "{line}");
        }
    }

    #[test]
    fn actions_after_a_flow_item_add_items_and_leave_no_text() {
        let text = "verbs: [\"get\", \"watch\"{{ range .V }}, {{ . | quote }}{{ end }}]\nname: \"{{ .A }}\"\nnames: ['{{ .A }}-config']\n";
        let out = masked(text);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("verbs: [\"get\", \"watch\"    "),
            "{out}"
        );
        assert_eq!(lines[1], "name: \"xxxxxxxx\"");
        assert_eq!(lines[2], "names: ['xxxxxxxx-config']");
        let roots = yaml::load(out.as_bytes()).expect("masked text loads");
        assert_eq!(roots[0].get("verbs").unwrap().as_seq().unwrap().len(), 3);
    }

    #[test]
    fn an_unclosed_action_leaves_the_rest_alone() {
        assert_eq!(mask(b"a: {{ .Values.x\nb: 1\n"), None);
        let out = masked("a: {{ x }}\nb: {{ y\n");
        assert_eq!(out, "a: xxxxxxx\nb: {{ y\n");
    }

    #[test]
    fn a_multi_line_action_keeps_its_line_breaks() {
        let text = "{{- /*\nlong comment\n*/ -}}\nkind: Role\n";
        let out = masked(text);
        assert_eq!(out, "      \n            \n      \nkind: Role\n");
    }

    #[test]
    fn only_printing_actions_alone_on_a_line_insert_yaml() {
        let quiet = "{{- if .Values.x }}\n{{ else if .Values.y -}}\n{{- $name := include \"n\" . }}\n{{/* note */}}\nname: {{ include \"x\" . }}\n{{- end }}\n";
        assert!(!inserts_yaml(quiet.as_bytes()));
        for printing in [
            "      {{- toYaml .Values.podSpec | nindent 6 }}\n",
            "{{ include \"chart.pod\" . }}\n",
            "  {{- template \"x\" . }}\n",
            "{{- $x }}\n",
        ] {
            assert!(
                inserts_yaml(format!("{quiet}{printing}").as_bytes()),
                "{printing}"
            );
        }
        assert!(!inserts_yaml(b"spec:\n  name: plain\n"));
    }

    #[test]
    fn restored_scalars_read_as_written_with_spans_into_the_original() {
        let text = "kind: RoleBinding\nmetadata:\n  name: {{ .Release.Name }}-sa\n  namespace: \"{{ .Release.Namespace }}\"\nsubjects:\n{{- range .Values.extra }}\n  - kind: ServiceAccount\n    name: {{ . }}\n{{- end }}\n";
        assert!(
            yaml::load(text.as_bytes()).is_err(),
            "the template is not YAML"
        );
        let roots = load(text.as_bytes()).unwrap().expect("masked text loads");
        let meta = roots[0].get("metadata").unwrap();
        let name = meta.get("name").unwrap();
        assert_eq!(name.as_str(), Some("{{ .Release.Name }}-sa"));
        assert_eq!(
            &text[name.span.start..name.span.end],
            "{{ .Release.Name }}-sa"
        );
        assert_eq!(
            meta.get("namespace").unwrap().as_str(),
            Some("{{ .Release.Namespace }}")
        );
        let subject = &roots[0].get("subjects").unwrap().as_seq().unwrap()[0];
        assert_eq!(subject.get("name").unwrap().as_str(), Some("{{ . }}"));
        assert_eq!(roots[0].get("kind").unwrap().as_str(), Some("RoleBinding"));
    }
}
